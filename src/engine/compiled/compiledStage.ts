// The compiled training step of one stage: a FlatStack (the vertices, their momentum, each draw's
// mixed weights and gradients), a VggProgram over them, and the step's uniforms, all created when
// the stage starts. A step is one uniform write, the batch's copy into the program's inputs, and
// one command encoder with one submit: mix every draw, each draw's forward and backward, SGD of
// every vertex, and the volume's distances of the moved vertices (read only when the volume is
// measured). Loss and correct counts add up on the GPU, one pair per draw, until readSums().
// Runs in the worker and in Node on Dawn.

import { StudioError } from '../../protocol/errors';
import { type ModelSpec } from '../../protocol/architecture';
import { paramSpecs } from '../../protocol/network';
import type { TfLayout, TfVertex } from '../formats/layout';
import type { SgdBufferState } from '../train/sgd';
import {
  createKernelContext,
  encodeDispatches,
  pipelinesReady,
  readFloats,
  storageBinding,
  submitDispatches,
} from './context';
import { ALIGN_FLOATS, flatLayout } from './flatLayout';
import { FlatStack } from './flatStack';
import { PassTimer } from './passTimer';
import type { Binding, Dispatch, KernelContext } from './kernels/types';
import { uniformLayout, writeStepUniforms, type StepNumbers, type UniformLayout } from './stepUniforms';
import { VggProgram, type PassWords } from './vggProgram';

export interface CompiledStageShape {
  spec: ModelSpec;
  /** Images per step. */
  batch: number;
  /** Draws per step (n_sample). */
  draws: number;
  /** Whether the step applies the volume term's pull. */
  pull: boolean;
  momentum: boolean;
  /** Dropout's rate; 0 turns it off. */
  dropoutRate: number;
  /** The vertex pairs whose squared distances the volume needs (simplex 0's, i < j). */
  pairs: readonly (readonly [number, number])[];
}

/** A batch: normalised NHWC images and class indices, as arrays or as a GPU buffer to copy. */
export interface StageBatch {
  images: Float32Array | Binding;
  labels: Uint32Array | Binding;
}

export interface StageSums {
  /** Σ over the steps since the last read of each draw's summed (not averaged) cross-entropy. */
  loss: number[];
  /** Σ of each draw's correct predictions. */
  correct: number[];
}

export class CompiledStage {
  readonly ctx: KernelContext;
  readonly stack: FlatStack;
  readonly program: VggProgram;
  private readonly uniforms: UniformLayout;
  private readonly uniformData: ArrayBuffer;
  private readonly sums: Binding;
  private readonly dispatches: Dispatch[];
  private timer: PassTimer | null = null;
  private destroyed = false;

  /** A stage whose pipelines are compiled (in the background: the page keeps drawing). */
  static async create(
    device: GPUDevice,
    shape: CompiledStageShape,
    vertices: readonly TfVertex[],
  ): Promise<CompiledStage> {
    const stage = new CompiledStage(device, shape, vertices);
    try {
      await pipelinesReady(stage.dispatches);
      // The first step's volume is the starting vertices'.
      if (stage.stack.distances) await submitDispatches(device, [stage.stack.distances]);
    } catch (error) {
      stage.destroy();
      throw error;
    }
    return stage;
  }

  private constructor(
    readonly device: GPUDevice,
    readonly shape: CompiledStageShape,
    vertices: readonly TfVertex[],
  ) {
    const rows = vertices.length;
    const stageShape = { rows, draws: shape.draws, pull: shape.pull };
    this.uniforms = uniformLayout(stageShape);
    this.uniformData = new ArrayBuffer(this.uniforms.words * 4);
    this.ctx = createKernelContext(device, this.uniforms.words);
    const layout = flatLayout(paramSpecs(shape.spec));
    this.stack = new FlatStack(
      this.ctx,
      layout,
      { ...stageShape, momentum: shape.momentum, pairs: shape.pairs },
      this.uniforms,
      vertices,
    );
    this.program = new VggProgram(this.ctx, layout, {
      spec: shape.spec,
      batch: shape.batch,
      dropoutRate: shape.dropoutRate,
    });
    // One 256-byte block of [loss, correct] per draw, so each binds at an aligned offset.
    this.sums = storageBinding(device, 'step sums', shape.draws * ALIGN_FLOATS * 4);
    const { mixed, grads } = this.stack.buffers;
    const passes = Array.from({ length: shape.draws }, (_, s) => {
      const words = this.passWords(s);
      const sums = { buffer: this.sums.buffer, offset: s * ALIGN_FLOATS * 4, size: 8 };
      return [
        ...this.program.forward(mixed, s, words, sums, true),
        ...this.program.backward(mixed, grads, s, words),
      ];
    });
    this.dispatches = [
      this.stack.mix,
      ...passes.flat(),
      this.stack.sgd,
      ...(this.stack.distances ? [this.stack.distances] : []),
    ];
  }

  /** Dispatches one step encodes. */
  get dispatchesPerStep(): number {
    return this.dispatches.length;
  }

  /**
   * One step: the batch, the step's numbers (each draw's loss scale is 1/batch: the draws'
   * reduction lives in `rows.weights`, as on the tfjs path), one submit. Waits for nothing.
   */
  step(batch: StageBatch, numbers: Omit<StepNumbers, 'lossScale'>): void {
    this.assertLive();
    const lossScale = new Array<number>(this.shape.draws).fill(1 / this.shape.batch);
    writeStepUniforms(this.stack.shape, this.uniforms, { ...numbers, lossScale }, this.uniformData);
    const { queue } = this.device;
    queue.writeBuffer(this.ctx.uniforms.buffer, this.ctx.uniforms.offset, this.uniformData);
    const encoder = this.device.createCommandEncoder({ label: 'compiled step' });
    this.place(encoder, batch.images, this.program.inputs.images);
    this.place(encoder, batch.labels, this.program.inputs.labels);
    encodeDispatches(encoder, this.dispatches, this.timer?.next());
    queue.submit([encoder.finish()]);
  }

  /**
   * Times the next `steps` steps on the GPU (their one compute pass, from timestamps), where the
   * device offers timestamp-query; false where it does not.
   */
  timeSteps(steps: number): boolean {
    this.assertLive();
    this.timer?.destroy();
    this.timer = PassTimer.create(this.device, steps);
    return this.timer !== null;
  }

  /** The GPU milliseconds of each step timed since timeSteps() (one read, after them). */
  async readStepTimes(): Promise<number[]> {
    this.assertLive();
    const timer = this.timer;
    this.timer = null;
    return timer ? timer.read() : [];
  }

  /** The sums since the last read (one wait on the GPU), then zeroes them. */
  async readSums(): Promise<StageSums> {
    this.assertLive();
    const words = await readFloats(this.device, this.sums);
    const encoder = this.device.createCommandEncoder();
    encoder.clearBuffer(this.sums.buffer);
    this.device.queue.submit([encoder.finish()]);
    const draws = Array.from({ length: this.shape.draws }, (_, s) => s * ALIGN_FLOATS);
    return {
      loss: draws.map((at) => words[at] as number),
      correct: draws.map((at) => words[at + 1] as number),
    };
  }

  /** The vertices as the last submitted step left them, tfjs layout. */
  readVertices(): Promise<TfLayout[][]> {
    return this.stack.readVertices();
  }

  /** The squared distances of shape.pairs after the last step (or of the starting vertices). */
  readDistances(): Promise<Float64Array> {
    return this.stack.readDistances();
  }

  exportMomentum(nameOf: (param: string) => string, stepped: boolean): Promise<SgdBufferState[]> {
    return this.stack.exportMomentum(nameOf, stepped);
  }

  importMomentum(nameOf: (param: string) => string, buffers: readonly SgdBufferState[]): void {
    this.stack.importMomentum(nameOf, buffers);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.timer?.destroy();
    this.stack.destroy();
    this.program.destroy();
    this.sums.buffer.destroy();
    this.ctx.uniforms.buffer.destroy();
  }

  private passWords(s: number): PassWords {
    const seeds = this.uniforms.seeds + 2 * s;
    return { seeds: [seeds, seeds + 1], lossScale: this.uniforms.lossScale + s };
  }

  private place(encoder: GPUCommandEncoder, from: Float32Array | Uint32Array | Binding, to: Binding): void {
    if (from instanceof Float32Array || from instanceof Uint32Array) {
      if (from.byteLength > to.size) {
        throw new StudioError(
          'INTERNAL',
          `A batch of ${from.byteLength} bytes for a ${to.size}-byte input.`,
          false,
        );
      }
      this.device.queue.writeBuffer(to.buffer, to.offset, from as Float32Array<ArrayBuffer>);
      return;
    }
    encoder.copyBufferToBuffer(from.buffer, from.offset, to.buffer, to.offset, Math.min(from.size, to.size));
  }

  private assertLive(): void {
    if (this.destroyed) throw new StudioError('INTERNAL', 'This compiled stage was destroyed.', false);
  }
}
