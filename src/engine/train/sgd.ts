// SGD with torch.optim.SGD's semantics (momentum, weight decay added to the gradient, no
// dampening, no Nesterov), over tfjs variables. Runs in the worker on WebGPU, in Node and in
// tests: no DOM, and no GPU readback on the step path (only exportState reads data back).
//
// Per variable, per step, with lr the step's learning rate:
//   g   = grad + weightDecay · p
//   buf = g                      on the variable's first step
//   buf = momentum · buf + g     afterwards
//   p   = p − lr · buf
// A simplex's variables stack its vertices as rows ([k, …]); a step then says, in RowGradients,
// how each row's grad comes from the step's per-draw gradients and the volume term, and which
// rows are frozen. Two kernels per variable and step (simplex/rowKernels.ts).

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import { sgdPlan, sgdRows, singleRow, type RowGradients } from '../simplex/rowKernels';

export interface SgdOptions {
  /** PyTorch's `momentum`; 0 keeps no buffers (plain SGD). The reference uses 0.9. */
  momentum: number;
  /** PyTorch's `weight_decay` (L2 added to the gradient). The reference uses 5e-4. */
  weightDecay: number;
}

export interface SgdPair {
  /** [k, …]: k rows when the step has RowGradients, otherwise any shape. */
  variable: tf.Variable;
  /**
   * [S, …] with the variable's row shape: the S gradient rows RowGradients mixes; without
   * RowGradients, dLoss/dvariable in the variable's shape. Owned by the caller.
   */
  grad: tf.Tensor;
}

/** Momentum buffer of one variable, keyed by the variable's name. */
export interface SgdBufferState {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Everything needed to resume: a checkpoint stores this next to the weights. */
export interface SgdState {
  momentum: number;
  weightDecay: number;
  /** Number of step() calls so far. */
  step: number;
  buffers: SgdBufferState[];
}

/** A checkpoint's optimizer state fits an optimizer of these settings, or says why not. */
export function checkSgdState(state: SgdState, options: SgdOptions): void {
  if (state.momentum !== options.momentum || state.weightDecay !== options.weightDecay) {
    throw new StudioError(
      'BAD_CHECKPOINT',
      `The checkpoint's optimiser used momentum ${state.momentum} and weight decay ${state.weightDecay}, ` +
        `but this run uses ${options.momentum} and ${options.weightDecay}.`,
    );
  }
  if (!Number.isInteger(state.step) || state.step < 0) {
    throw new StudioError(
      'BAD_CHECKPOINT',
      `The checkpoint's optimiser step count ${state.step} is not valid.`,
    );
  }
}

export class Sgd {
  readonly momentum: number;
  readonly weightDecay: number;
  private stepCount = 0;
  /** Momentum buffers by variable name; a name absent here has not taken a step yet. */
  private readonly buffers = new Map<string, tf.Variable>();
  private disposed = false;

  constructor(opts: SgdOptions) {
    const { momentum, weightDecay } = opts;
    if (!Number.isFinite(momentum) || momentum < 0) {
      throw new StudioError('BAD_SETTINGS', `SGD momentum must be a finite number ≥ 0, got ${momentum}.`);
    }
    if (!Number.isFinite(weightDecay) || weightDecay < 0) {
      throw new StudioError(
        'BAD_SETTINGS',
        `SGD weight decay must be a finite number ≥ 0, got ${weightDecay}.`,
      );
    }
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  /** Number of step() calls since construction, the last reset, or as imported. */
  get steps(): number {
    return this.stepCount;
  }

  /**
   * One update of every pair with learning rate `lr`. Every number of the step (lr, the row
   * weights, the pull) travels in one small upload, never in a shader, so a new rate or new
   * coefficients each step cost no recompile and no readback.
   */
  step(pairs: readonly SgdPair[], lr: number, rows: RowGradients = singleRow()): void {
    this.assertLive();
    if (!Number.isFinite(lr) || lr < 0) {
      throw new StudioError('BAD_SETTINGS', `Learning rate must be a finite number ≥ 0, got ${lr}.`);
    }
    checkRows(rows);
    const names = new Set<string>();
    for (const pair of pairs) {
      checkPair(pair, rows);
      if (names.has(pair.variable.name)) {
        throw new StudioError('INTERNAL', `SGD step got variable "${pair.variable.name}" twice.`);
      }
      names.add(pair.variable.name);
      const buf = this.buffers.get(pair.variable.name);
      if (buf !== undefined && !sameShape(buf.shape, pair.variable.shape)) {
        throw new StudioError(
          'SHAPE_MISMATCH',
          `SGD momentum for "${pair.variable.name}" has shape [${buf.shape.join(',')}] but the variable is ` +
            `[${pair.variable.shape.join(',')}]; call reset() after adding a vertex.`,
          false,
        );
      }
    }
    const k = rows.trainable.length;
    tf.tidy(() => {
      const plan = tf.tensor1d(sgdPlan(lr, this.momentum, this.weightDecay, rows));
      for (const { variable, grad } of pairs) {
        const size = variable.size / k;
        let buf: tf.Variable | null = null;
        if (this.momentum !== 0) {
          // Zeros before the first step: momentum · 0 + g = g, PyTorch's first buffer, and frozen
          // rows start (and stay) at zero, as if absent.
          buf = this.buffers.get(variable.name) ?? tf.variable(tf.zerosLike(variable), false);
          this.buffers.set(variable.name, buf);
        }
        const { direction, updated } = sgdRows(
          shaped(variable, [k, size]) as tf.Tensor2D,
          buf ? (shaped(buf, [k, size]) as tf.Tensor2D) : null,
          shaped(grad, [grad.size / size, size]) as tf.Tensor2D,
          rows,
          plan,
        );
        buf?.assign(shaped(direction, variable.shape));
        variable.assign(shaped(updated, variable.shape));
      }
    });
    this.stepCount += 1;
  }

  /** Reads the momentum buffers back (the only readback this class does). */
  async exportState(): Promise<SgdState> {
    this.assertLive();
    const buffers: SgdBufferState[] = [];
    for (const [name, buf] of this.buffers) {
      const values = await buf.data<'float32'>();
      buffers.push({ name, shape: [...buf.shape], values: Float32Array.from(values) });
    }
    return { momentum: this.momentum, weightDecay: this.weightDecay, step: this.stepCount, buffers };
  }

  /**
   * Replaces the state with a checkpoint's. Every buffer must name one of `variables` with the
   * same shape; variables without a buffer take their next step as a first step.
   */
  importState(state: SgdState, variables: readonly tf.Variable[]): void {
    this.assertLive();
    checkSgdState(state, this);
    const byName = new Map(variables.map((v) => [v.name, v]));
    for (const b of state.buffers) {
      const v = byName.get(b.name);
      if (v === undefined) {
        throw new StudioError(
          'BAD_CHECKPOINT',
          `The checkpoint has momentum for "${b.name}", which this model lacks.`,
        );
      }
      const size = b.shape.reduce((a, d) => a * d, 1);
      if (!sameShape(b.shape, v.shape) || b.values.length !== size) {
        throw new StudioError(
          'BAD_CHECKPOINT',
          `The checkpoint's momentum for "${b.name}" has shape [${b.shape.join(',')}] (${b.values.length} values), ` +
            `but the variable is [${v.shape.join(',')}].`,
        );
      }
    }
    this.clearBuffers();
    for (const b of state.buffers) {
      const buf = tf.tidy(() => tf.variable(tf.tensor(b.values, b.shape, 'float32'), false));
      this.buffers.set(b.name, buf);
    }
    this.stepCount = state.step;
  }

  /**
   * Drops all momentum and the step count, as the reference does by building a new optimiser
   * for each stage (a new vertex changes the variables' shapes).
   */
  reset(): void {
    this.assertLive();
    this.clearBuffers();
    this.stepCount = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.clearBuffers();
    this.disposed = true;
  }

  private clearBuffers(): void {
    for (const buf of this.buffers.values()) buf.dispose();
    this.buffers.clear();
  }

  private assertLive(): void {
    if (this.disposed) throw new StudioError('INTERNAL', 'This SGD optimiser was disposed.');
  }
}

/** `t` as `shape`: itself when it has it already (a stack is [k, size]; a reshape is a kernel call). */
function shaped(t: tf.Tensor, shape: number[]): tf.Tensor {
  return sameShape(t.shape, shape) ? t : tf.reshape(t, shape);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkRows({ weights, pull, trainable }: RowGradients): void {
  const k = trainable.length;
  const square = (m: readonly (readonly number[])[]): boolean =>
    m.length === k && m.every((r) => r.length === k);
  if (
    k === 0 ||
    weights.length === 0 ||
    weights.some((w) => w.length !== k) ||
    (pull !== null && !square(pull))
  ) {
    throw new StudioError(
      'INTERNAL',
      `SGD row gradients must be S×k weights and a k×k pull for k = ${k} trainable flags.`,
      false,
    );
  }
}

function checkPair({ variable, grad }: SgdPair, rows: RowGradients): void {
  const k = rows.trainable.length;
  const draws = rows.weights.length;
  const fits =
    k === 1 && draws === 1
      ? sameShape(grad.shape, variable.shape)
      : variable.shape[0] === k &&
        grad.shape[0] === draws &&
        sameShape(grad.shape.slice(1), variable.shape.slice(1));
  if (!fits) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `Gradient for "${variable.name}" has shape [${grad.shape.join(',')}], variable has [${variable.shape.join(',')}] ` +
        `(${k} rows, ${draws} gradient rows).`,
      false,
    );
  }
  if (variable.dtype !== 'float32' || grad.dtype !== 'float32') {
    throw new StudioError(
      'INTERNAL',
      `SGD expects float32 variables and gradients ("${variable.name}").`,
      false,
    );
  }
}
