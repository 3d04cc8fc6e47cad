// SGD with torch.optim.SGD's semantics (momentum, weight decay added to the gradient, no
// dampening, no Nesterov), over tfjs variables. Runs in the worker on WebGPU, in Node and in
// tests: no DOM, and no GPU readback on the step path (only exportState reads data back).
//
// Per variable, per step, with lr the step's learning rate:
//   g   = grad + weightDecay · p
//   buf = g                      on the variable's first step
//   buf = momentum · buf + g     afterwards
//   p   = p − lr · buf
// A variable may carry a row mask (vertices stacked as rows of one [k, …] variable): rows whose
// mask is 0/false are frozen, so neither p, nor buf, nor weight decay touches them, as PyTorch
// does for a parameter with requires_grad = False.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';

export interface SgdOptions {
  /** PyTorch's `momentum`; 0 keeps no buffers (plain SGD). The reference uses 0.9. */
  momentum: number;
  /** PyTorch's `weight_decay` (L2 added to the gradient). The reference uses 5e-4. */
  weightDecay: number;
}

export interface SgdPair {
  variable: tf.Variable;
  /** dLoss/dvariable, same shape. Owned by the caller: step() neither keeps nor disposes it. */
  grad: tf.Tensor;
  /**
   * Optional mask of shape [variable.shape[0]]: 1/true = row is trained, 0/false = row frozen.
   * Owned by the caller.
   */
  rowMask?: tf.Tensor;
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

export class Sgd {
  readonly momentum: number;
  readonly weightDecay: number;
  private stepCount = 0;
  /** Momentum buffers by variable name; a name absent here has not taken a step yet. */
  private readonly buffers = new Map<string, tf.Variable>();
  /** Per variable name: the frozen-row condition built from `mask`, kept while the mask is. */
  private readonly conditions = new Map<string, { mask: tf.Tensor; keep: tf.Tensor }>();
  // Kept as tensors so a step uploads only the learning rate, and the kernels see the same
  // shapes and dtypes every step (no shader recompiles).
  private readonly momentumT: tf.Scalar;
  private readonly weightDecayT: tf.Scalar;
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
    this.momentumT = tf.scalar(momentum);
    this.weightDecayT = tf.scalar(weightDecay);
  }

  /** Number of step() calls since construction, the last reset, or as imported. */
  get steps(): number {
    return this.stepCount;
  }

  /**
   * One update of every pair with learning rate `lr`. A number is uploaded as a scalar tensor;
   * either way the value lives in a buffer, not in the shader, so a new rate each step costs no
   * recompile and no readback. A tensor rate stays the caller's and is not checked for sign.
   */
  step(pairs: readonly SgdPair[], lr: number | tf.Scalar): void {
    this.assertLive();
    if (typeof lr === 'number' && (!Number.isFinite(lr) || lr < 0)) {
      throw new StudioError('BAD_SETTINGS', `Learning rate must be a finite number ≥ 0, got ${lr}.`);
    }
    if (typeof lr !== 'number' && (lr.rank !== 0 || lr.dtype !== 'float32')) {
      throw new StudioError('INTERNAL', 'A tensor learning rate must be a float32 scalar.', false);
    }
    const names = new Set<string>();
    for (const pair of pairs) {
      checkPair(pair);
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
    tf.tidy(() => {
      const lrT = typeof lr === 'number' ? tf.scalar(lr) : lr;
      for (const pair of pairs) this.update(pair, lrT);
    });
    this.stepCount += 1;
  }

  private update({ variable, grad, rowMask }: SgdPair, lrT: tf.Scalar): void {
    const keep = rowMask === undefined ? undefined : this.condition(rowMask, variable);
    const g = this.weightDecay === 0 ? grad : tf.add(grad, tf.mul(this.weightDecayT, variable));
    let direction: tf.Tensor = g;
    if (this.momentum !== 0) {
      const buf = this.buffers.get(variable.name);
      if (buf === undefined) {
        // First step: buf = g, and frozen rows start (and stay) at zero, as if absent.
        const init = keep === undefined ? g : tf.where(keep, g, tf.zerosLike(g));
        this.buffers.set(variable.name, tf.variable(init, false));
        direction = init;
      } else {
        const next = tf.add(tf.mul(this.momentumT, buf), g);
        direction = keep === undefined ? next : tf.where(keep, next, buf);
        buf.assign(direction);
      }
    }
    const updated = tf.sub(variable, tf.mul(lrT, direction));
    variable.assign(keep === undefined ? updated : tf.where(keep, updated, variable));
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
    if (state.momentum !== this.momentum || state.weightDecay !== this.weightDecay) {
      throw new StudioError(
        'BAD_CHECKPOINT',
        `The checkpoint's optimiser used momentum ${state.momentum} and weight decay ${state.weightDecay}, ` +
          `but this run uses ${this.momentum} and ${this.weightDecay}.`,
      );
    }
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new StudioError(
        'BAD_CHECKPOINT',
        `The checkpoint's optimiser step count ${state.step} is not valid.`,
      );
    }
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
    this.clearConditions();
    this.stepCount = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.clearBuffers();
    this.clearConditions();
    this.momentumT.dispose();
    this.weightDecayT.dispose();
    this.disposed = true;
  }

  private clearBuffers(): void {
    for (const buf of this.buffers.values()) buf.dispose();
    this.buffers.clear();
  }

  private clearConditions(): void {
    for (const { keep } of this.conditions.values()) keep.dispose();
    this.conditions.clear();
  }

  /**
   * The variable's row condition, built once per mask (a model keeps its mask until its vertices
   * change): three full-size kernels and their temporaries saved on every later step.
   */
  private condition(rowMask: tf.Tensor, variable: tf.Variable): tf.Tensor {
    const cached = this.conditions.get(variable.name);
    if (cached?.mask === rowMask && !rowMask.isDisposed && sameShape(cached.keep.shape, variable.shape)) {
      return cached.keep;
    }
    cached?.keep.dispose();
    const keep = tf.keep(rowCondition(rowMask, variable));
    this.conditions.set(variable.name, { mask: rowMask, keep });
    return keep;
  }

  private assertLive(): void {
    if (this.disposed) throw new StudioError('INTERNAL', 'This SGD optimiser was disposed.');
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkPair({ variable, grad, rowMask }: SgdPair): void {
  if (!sameShape(grad.shape, variable.shape)) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `Gradient for "${variable.name}" has shape [${grad.shape.join(',')}], variable has [${variable.shape.join(',')}].`,
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
  if (rowMask !== undefined && (rowMask.rank !== 1 || rowMask.shape[0] !== variable.shape[0])) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `Row mask for "${variable.name}" has shape [${rowMask.shape.join(',')}]; expected [${variable.shape[0]}].`,
      false,
    );
  }
}

/**
 * Mask [k] → bool of the variable's shape, true on the rows that train. Built by broadcasting
 * arithmetic on the backend: tf.where would broadcast the [k, 1, …] mask with Tile, which tfjs's
 * WebGPU backend runs on the CPU for a small CPU-resident input and then uploads (hundreds of MB a
 * step for VGG16 at width 1). tf.where, not a multiply, so NaN gradients never reach frozen rows.
 */
function rowCondition(rowMask: tf.Tensor, variable: tf.Tensor): tf.Tensor {
  const rows = tf.reshape(tf.cast(rowMask, 'float32'), [
    rowMask.shape[0],
    ...new Array<number>(variable.rank - 1).fill(1),
  ]);
  return tf.greater(tf.add(tf.zerosLike(variable), rows), 0.5);
}
