// Pure engine: inner products of vertex combinations in weight space, computed on the backend
// (WebGPU in the worker, CPU in Node) and summed in float64 on the CPU. Flat weight vectors are
// never built: each parameter's stack [k, size] gives its share with two matMuls.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import type { SimplexModel } from '../simplex/simplexModel';

/**
 * G[i][j] = y_i·y_j over all parameters, where y_i = Σ_v combos[i][v]·vertex_v (one row of
 * `combos` per vector, one column per model vertex). Per-parameter Gram matrices are read back
 * together and added in float64, so small differences of large weights keep their precision.
 */
export async function combinationGram(
  model: SimplexModel,
  combos: readonly (readonly number[])[],
): Promise<number[][]> {
  const m = combos.length;
  const k = model.vertexCount;
  if (m === 0 || combos.some((row) => row.length !== k)) {
    throw new StudioError('BAD_ARGUMENT', `Each combination needs one coefficient per vertex (${k}).`);
  }
  const parts = tf.tidy(() => {
    const c = tf.tensor2d(combos.flat(), [m, k]);
    // [params, m, m]: parameter p's y_i·y_j.
    return tf.stack(
      model.stacks.map((stack) => {
        const y = tf.matMul(c, stack);
        return tf.matMul(y, y, false, true);
      }),
    );
  });
  const values = await parts.data<'float32'>();
  parts.dispose();
  const gram = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let base = 0; base < values.length; base += m * m) {
    for (let i = 0; i < m; i++) {
      const row = gram[i] as number[];
      for (let j = 0; j < m; j++) row[j] = (row[j] as number) + (values[base + i * m + j] as number);
    }
  }
  return gram;
}

/** Rows (b − a) and (c − a) over the model's vertices: the face's edge vectors d1, d2. */
export function faceEdgeCombos(face: readonly [number, number, number], vertexCount: number): number[][] {
  const [a, b, c] = face;
  const row = (to: number): number[] => {
    const r = new Array<number>(vertexCount).fill(0);
    r[to] = 1;
    r[a] = -1;
    return r;
  };
  return [row(b), row(c)];
}

/** The face's [d1·d1, d1·d2, d2·d2] (see planeBasis.ts). */
export async function faceGram(
  model: SimplexModel,
  face: readonly [number, number, number],
): Promise<[number, number, number]> {
  for (const v of face) {
    if (!Number.isInteger(v) || v < 0 || v >= model.vertexCount) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `Face [${face.join(', ')}] names a vertex outside 0…${model.vertexCount - 1}.`,
      );
    }
  }
  const g = await combinationGram(model, faceEdgeCombos(face, model.vertexCount));
  return [g[0]?.[0] ?? 0, g[0]?.[1] ?? 0, g[1]?.[1] ?? 0];
}

/** Rows e_i − 1/k: the vertices minus their centroid. */
export function centringCombos(vertexCount: number): number[][] {
  return Array.from({ length: vertexCount }, (_, i) =>
    Array.from({ length: vertexCount }, (_, j) => (i === j ? 1 : 0) - 1 / vertexCount),
  );
}
