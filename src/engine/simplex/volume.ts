// The reference's volume regulariser, split where precision and speed want it: squared distances
// between vertices on the backend, the Cayley–Menger determinant and its gradient in float64 on
// the CPU (cayleyMenger.ts). The k×k distances cross to the CPU when the volume is measured
// (measureVolume, async); the gradient with respect to them reaches the vertices through the
// optimizer (train/spro.ts volumePull), with no tape.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import type { ModelSpec } from '../../protocol/architecture';
import { network } from '../../protocol/network';
import { initParamValues } from '../model/init';
import { rowDistances } from './rowKernels';
import type { Rng } from '../util/rng';
import { LOG_VOLUME_EPS, logVolumeWithGradient, simplexVolume, type LogVolume } from './cayleyMenger';
import type { SimplexModel } from './simplexModel';

/** The reference's floor on λ (max(LMBD / log(V_init + ε), 1e-8)). */
export const MIN_LAMBDA = 1e-8;

/**
 * The mean of the rows of [n, size], as [1, size], by elementwise adds: a reduction over axis 0
 * transposes first, and tfjs's WebGPU transpose cannot dispatch more than 65535 × 16 columns
 * (one conv layer of VGG16 at width 1 has 2.4 million).
 */
export function meanRow(rows: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, size] = rows.shape;
    const sum = n === 1 ? rows : tf.addN(tf.unstack(rows));
    return tf.reshape(tf.div(sum, n), [1, size]);
  });
}

/**
 * Gram matrix of rows [n, size] after subtracting their mean row. Distances are unchanged by the
 * shift, and centring keeps float32 from cancelling |x_i|² + |x_j|² − 2x_i·x_j when the vertices
 * are close together and far from the origin (a new vertex next to trained ones).
 */
export function centeredGram(rows: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const e = tf.sub(rows, meanRow(rows));
    return tf.matMul(e, e, false, true);
  });
}

/** D_ij = G_ii + G_jj − 2·G_ij. */
export function distancesFromGram(gram: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = gram.shape[0];
    const diag = tf.sum(tf.mul(gram, tf.eye(n)), 1);
    return tf.sub(tf.add(tf.reshape(diag, [n, 1]), tf.reshape(diag, [1, n])), tf.mul(gram, 2));
  });
}

/** The pairs [i, j] (i < j) of `rows`, in the order squaredDistances() returns them. */
export function pairsOf(rows: readonly number[]): [number, number][] {
  return rows.flatMap((a, i) => rows.slice(i + 1).map((b): [number, number] => [a, b]));
}

/**
 * Squared distances between rows `rows` of the stacks, summed over all parameters, one per pair
 * i < j of `rows` in order ([n(n−1)/2]; distanceMatrix() lays them out n×n). One kernel per
 * parameter reads each vertex once (rowKernels.ts): no concatenation of the vertices, which
 * tfjs's WebGL backend runs in many passes, and no Gram matrix, whose cancellation loses float32
 * precision where vertices are close together and far from the origin.
 */
export function squaredDistances(stacks: readonly tf.Tensor2D[], rows: readonly number[]): tf.Tensor1D {
  return tf.tidy(() => rowDistances(stacks, pairsOf(rows)));
}

/** The symmetric n×n matrix (zero diagonal) of squaredDistances()' pairs, in float64. */
export function distanceMatrix(pairs: ArrayLike<number>, n: number): Float64Array {
  const d = new Float64Array(n * n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const value = pairs[p++] ?? Number.NaN;
      d[i * n + j] = value;
      d[j * n + i] = value;
    }
  }
  return d;
}

export interface VolumeMeasurement extends LogVolume {
  /** Which simplex of the complex (the reference regularises simplex 0). */
  simplex: number;
  /** Its vertices, in the order of the distance matrix. */
  vertices: readonly number[];
  /** n×n row-major, float64 copy of the backend's float32 distances. */
  squaredDistances: Float64Array;
}

/**
 * The reference's volume of one simplex of the model, with the gradient of log(V + ε) with
 * respect to its squared distances. Reads k×k numbers back.
 */
export async function measureVolume(model: SimplexModel, simplex = 0): Promise<VolumeMeasurement> {
  const vertices = model.complex[simplex];
  if (!vertices) {
    throw new StudioError('BAD_ARGUMENT', `There is no simplex ${simplex} in this complex.`);
  }
  const d = squaredDistances(model.stacks, vertices);
  let values: Float32Array;
  try {
    values = await d.data<'float32'>();
  } finally {
    d.dispose();
  }
  return volumeOfDistances(values, vertices, simplex);
}

/**
 * The measurement from the squared distances of a simplex's vertex pairs (i < j, in
 * squaredDistances()' order), wherever they were computed.
 */
export function volumeOfDistances(
  pairs: ArrayLike<number>,
  vertices: readonly number[],
  simplex = 0,
): VolumeMeasurement {
  const sq = distanceMatrix(pairs, vertices.length);
  return {
    simplex,
    vertices: [...vertices],
    squaredDistances: sq,
    ...logVolumeWithGradient(sq, vertices.length),
  };
}

/**
 * The volume term's gradient as a linear map of the vertices: ∂(−λ·log(V+ε))/∂x_r = Σ_j pull[r][j]·x_j.
 * With G = ∂log(V+ε)/∂D from the measurement and D_ab = |x_a − x_b|² over the simplex's vertices,
 * ∂/∂x_a = −2λ·Σ_b (G_ab + G_ba)·(x_a − x_b). Fixed until the volume is measured again.
 */
export function volumePull(
  model: Pick<SimplexModel, 'complex' | 'vertexCount'>,
  volume: VolumeMeasurement,
  lambda: number,
): number[][] {
  const { vertices, gradient } = volume;
  const current = model.complex[volume.simplex];
  if (!current || current.length !== vertices.length || current.some((v, i) => v !== vertices[i])) {
    throw new StudioError(
      'INTERNAL',
      'The volume was measured on a different simplex than the model now has; measure it again.',
    );
  }
  const k = model.vertexCount;
  const pull = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const n = vertices.length;
  vertices.forEach((va, a) => {
    const row = pull[va] as number[];
    vertices.forEach((vb, b) => {
      if (a === b) return;
      const w = -2 * lambda * ((gradient[a * n + b] ?? 0) + (gradient[b * n + a] ?? 0));
      row[va] = (row[va] ?? 0) + w;
      row[vb] = (row[vb] ?? 0) - w;
    });
  });
  return pull;
}

/** The reference's λ for a simplex whose freshly initialised volume is `initialVolume`. */
export function lambdaFromVolume(lmbd: number, initialVolume: number): number {
  return Math.max(lmbd / Math.log(initialVolume + LOG_VOLUME_EPS), MIN_LAMBDA);
}

/**
 * The reference's λ_reg for training with `vertexCount` vertices: V_init of a simplex of that many
 * freshly initialised vertices ('simplex' init), then max(LMBD / log(V_init + ε), 1e-8). Draws one
 * parameter of all vertices at a time, so memory stays at k × the largest layer.
 */
export async function calibrateLambda(
  spec: ModelSpec,
  vertexCount: number,
  lmbd: number,
  rng: Rng,
): Promise<{ lambda: number; initialVolume: number }> {
  if (!Number.isInteger(vertexCount) || vertexCount < 1) {
    throw new StudioError('BAD_ARGUMENT', `λ needs a vertex count ≥ 1, got ${vertexCount}.`);
  }
  const net = network(spec);
  let gram = tf.zeros<tf.Rank.R2>([vertexCount, vertexCount]);
  for (const p of net.params) {
    const rows = new Float32Array(vertexCount * p.size);
    for (let v = 0; v < vertexCount; v++) rows.set(initParamValues(net, p, rng, 'simplex'), v * p.size);
    const next = tf.tidy(() =>
      tf.add<tf.Tensor2D>(gram, centeredGram(tf.tensor2d(rows, [vertexCount, p.size]))),
    );
    gram.dispose();
    gram = next;
  }
  const d = distancesFromGram(gram);
  gram.dispose();
  let values: Float32Array;
  try {
    values = await d.data<'float32'>();
  } finally {
    d.dispose();
  }
  const initialVolume = simplexVolume(Float64Array.from(values), vertexCount);
  return { lambda: lambdaFromVolume(lmbd, initialVolume), initialVolume };
}
