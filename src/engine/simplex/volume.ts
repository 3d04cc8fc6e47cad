// The reference's volume regulariser, split where precision and speed want it: squared distances
// between vertices on the backend (one small Gram product per parameter), the Cayley–Menger
// determinant and its gradient in float64 on the CPU (cayleyMenger.ts). The k×k distances cross
// to the CPU once per optimizer step (measureVolume, async); the gradient then flows back into
// the tape through tf.customGrad on D, so autodiff carries it to every vertex through the Gram.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import { paramSpecs, type ModelSpec } from '../model/architecture';
import { initParamValues } from '../model/init';
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

/**
 * Squared distances [n, n] between rows `rows` of the stacks, summed over all parameters. Runs on
 * every SPRO step (inside the gradient tape), so it uses elementwise kernels and full reductions
 * only: one concat of the rows, then Σ(x_i − x_j)² per pair. The differences also keep float32
 * exact where x_i and x_j are close and far from the origin. (A Gram matrix per parameter needs
 * row means and thin [n,size]×[size,n] products, which tfjs's WebGPU backend runs ~100× slower.)
 */
export function squaredDistances(stacks: readonly tf.Tensor2D[], rows: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => {
    const all = stacks.length === 1 ? (stacks[0] as tf.Tensor2D) : tf.concat(stacks as tf.Tensor2D[], 1);
    const vectors = tf.unstack(all);
    const n = rows.length;
    const zero = tf.scalar(0);
    const entries: tf.Scalar[] = new Array<tf.Scalar>(n * n).fill(zero);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = vectors[rows[i] as number] as tf.Tensor1D;
        const b = vectors[rows[j] as number] as tf.Tensor1D;
        const d = sumOfSquares(tf.sub(a, b));
        entries[i * n + j] = d;
        entries[j * n + i] = d;
      }
    }
    return tf.reshape(tf.stack(entries), [n, n]);
  });
}

/**
 * Σ d², with the gradient 2·d·dy written out: tf.sum's own gradient multiplies by tf.ones(d.shape),
 * which tfjs fills on the CPU and uploads (60 MB per vertex pair and step for VGG16 at width 1).
 */
const sumOfSquares = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [d, save] = args as [tf.Tensor1D, tf.GradSaveFunc];
  save([d]);
  return {
    value: tf.sum<tf.Scalar>(tf.square(d)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0] as tf.Tensor1D, tf.mul(dy, 2)),
  };
}) as (d: tf.Tensor1D) => tf.Scalar;

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
 * respect to its squared distances. Reads k×k numbers back: measure again after every update.
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
  const sq = Float64Array.from(values);
  return {
    simplex,
    vertices: [...vertices],
    squaredDistances: sq,
    ...logVolumeWithGradient(sq, vertices.length),
  };
}

/**
 * log(V + ε) of the measured simplex as a scalar on the tape: its value is the measurement's, its
 * gradient ∂log(V+ε)/∂D reaches the vertex variables through D. Call under a gradient tape
 * (tf.variableGrads), with a measurement of the current vertex values.
 */
export function logVolumeTerm(model: SimplexModel, measurement: VolumeMeasurement): tf.Scalar {
  const { vertices, gradient, logVolume } = measurement;
  const current = model.complex[measurement.simplex];
  if (!current || current.length !== vertices.length || current.some((v, i) => v !== vertices[i])) {
    throw new StudioError(
      'INTERNAL',
      'The volume was measured on a different simplex than the model now has; measure it again.',
    );
  }
  const n = vertices.length;
  const term = tf.customGrad((_d: tf.Tensor | tf.GradSaveFunc) => ({
    value: tf.scalar(logVolume),
    gradFunc: (dy: tf.Scalar) => tf.mul(dy, tf.tensor2d(Float32Array.from(gradient), [n, n])),
  }));
  return tf.tidy(() => term(squaredDistances(model.stacks, vertices)));
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
  const specs = paramSpecs(spec);
  let gram = tf.zeros<tf.Rank.R2>([vertexCount, vertexCount]);
  for (const p of specs) {
    const rows = new Float32Array(vertexCount * p.size);
    for (let v = 0; v < vertexCount; v++) rows.set(initParamValues(specs, p, rng, 'simplex'), v * p.size);
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
