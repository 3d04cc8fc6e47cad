// The forward pass on the compiled kernels for surfaces (engine/surface/pointEvaluator.ts's
// PointEvaluator), and for ensembles, the trainer's test evaluation after each epoch and the CLI's
// `eval` (engine/eval/evaluate.ts's LogitsEvaluator): the model's vertices (read again by reload,
// which the trainer calls once per epoch) and the N images uploaded once, a forward-only
// VggProgram per batch shape (the full batch, and the last, shorter one where N is not a multiple
// of it), and every dispatch and bind group built when the evaluator opens. A surface point is one
// uniform write (its coefficients) and one submit: mix the vertices into one row of weights, then
// per batch copy its images and labels into the program's inputs, forward with dropout off, and
// add the fused softmax cross-entropy's [Σ loss, Σ correct] into the point's slot of the sums; a
// group of POINTS_PER_READ points is read back in one go. A logits pass copies each batch's logits
// into one buffer, read once per pass.
// Runs in the worker and in Node on Dawn.

import { StudioError } from '../../protocol/errors';
import { paramSpecs } from '../../protocol/network';
import type { SimplexModel } from '../simplex/simplexModel';
import {
  POINTS_PER_READ,
  evaluatedImages,
  type EvaluateOptions,
  type PointEvaluator,
  type PointEvaluatorOptions,
  type PointValue,
} from '../surface/pointEvaluator';
import { batchCoefficients, type EvalPoint, type LogitsEvaluator } from '../eval/evaluate';
import { hostBatchMaker, type ImageSplit } from '../train/trainingData';
import { createKernelContext, encodeDispatches, pipelinesReady, readFloats, storageBinding } from './context';
import { ALIGN_FLOATS, flatLayout, packRows, type FlatLayout } from './flatLayout';
import type { Binding, Dispatch, KernelContext } from './kernels/types';
import { buildMix } from './rowKernels';
import { uniformLayout, type UniformLayout } from './stepUniforms';
import { VggProgram, compiles, type PassWords } from './vggProgram';

/** Bytes of one normalised 32×32×3 image. */
const IMAGE_BYTES = 32 * 32 * 3 * 4;

export type CompiledEvaluatorFactory = (
  model: SimplexModel,
  split: ImageSplit,
  options: PointEvaluatorOptions,
) => Promise<CompiledEvaluator | null>;

/**
 * The compiled evaluator on `device`, for openPointEvaluator and the ensembles' passes; null for a
 * network it does not run (compiles()), which the tfjs path then evaluates.
 */
export function compiledEvaluatorFactory(device: GPUDevice): CompiledEvaluatorFactory {
  return (model, split, options) =>
    compiles(model.spec) ? CompiledEvaluator.create(device, model, split, options) : Promise.resolve(null);
}

interface BatchPass {
  /** First image of the batch. */
  start: number;
  count: number;
  program: VggProgram;
  /** The forward pass, ending at the logits. */
  forward: Dispatch[];
  /** Per slot of the sums, the loss kernel that adds into it. */
  score: Dispatch[][];
}

export class CompiledEvaluator implements PointEvaluator, LogitsEvaluator {
  readonly kind = 'compiled';
  readonly images: number;
  private readonly ctx: KernelContext;
  private readonly uniforms: UniformLayout;
  private readonly coefficients: Float32Array<ArrayBuffer>;
  private readonly owned: Binding[] = [];
  private readonly programs: VggProgram[] = [];
  private readonly passes: BatchPass[] = [];
  private readonly allImages: Binding;
  private readonly allLabels: Binding;
  private readonly sums: Binding;
  /** [images × classes]: a logits pass's output. */
  private readonly allLogits: Binding;
  private readonly classes: number;
  private readonly mix: Dispatch;
  private readonly k: number;
  private readonly layout: FlatLayout;
  /** [k × row]: the model's vertices as the evaluator last read them. */
  private readonly vertexRows: Binding;
  private disposed = false;

  /** An evaluator whose pipelines are compiled. */
  static async create(
    device: GPUDevice,
    model: SimplexModel,
    split: ImageSplit,
    options: PointEvaluatorOptions,
  ): Promise<CompiledEvaluator> {
    const vertices = await model.readVertices();
    const evaluator = new CompiledEvaluator(device, model, vertices, split, options);
    try {
      await pipelinesReady([
        evaluator.mix,
        ...evaluator.passes.flatMap((p) => [...p.forward, ...p.score.flat()]),
      ]);
    } catch (error) {
      evaluator.dispose();
      throw error;
    }
    return evaluator;
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly model: SimplexModel,
    vertices: Awaited<ReturnType<SimplexModel['readVertices']>>,
    split: ImageSplit,
    options: PointEvaluatorOptions,
  ) {
    const n = evaluatedImages(split, options);
    const limit = device.limits.maxStorageBufferBindingSize;
    if (n * IMAGE_BYTES > limit) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `Evaluating ${n} images at once on this GPU needs ${Math.ceil((n * IMAGE_BYTES) / 2 ** 20)} MiB; ` +
          `it binds at most ${Math.floor(limit / 2 ** 20)} MiB (${Math.floor(limit / IMAGE_BYTES)} images). ` +
          'Evaluate fewer images, or use ?step=tfjs.',
      );
    }
    this.images = n;
    this.k = model.vertexCount;
    const shape = { rows: this.k, draws: 1, pull: false };
    this.uniforms = uniformLayout(shape);
    this.coefficients = new Float32Array(this.uniforms.words);
    this.ctx = createKernelContext(device, this.uniforms.words);
    const { spec } = model;
    const layout = flatLayout(paramSpecs(spec));
    this.layout = layout;
    const alloc = (label: string, bytes: number): Binding => {
      const b = storageBinding(device, label, bytes);
      this.owned.push(b);
      return b;
    };
    try {
      this.vertexRows = alloc('evaluator vertices', this.k * layout.rowFloats * 4);
      device.queue.writeBuffer(this.vertexRows.buffer, 0, packRows(layout, vertices));
      const mixed = alloc('evaluator weights', layout.rowFloats * 4);
      this.mix = buildMix(this.ctx, { ...shape, rowFloats: layout.rowFloats }, this.uniforms, {
        vertices: this.vertexRows,
        mixed,
      });
      const indices = Uint32Array.from({ length: n }, (_, i) => i);
      const host = hostBatchMaker(options.normalisation ?? null)(split, indices, null);
      this.allImages = alloc('evaluator images', n * IMAGE_BYTES);
      this.allLabels = alloc('evaluator labels', n * 4);
      device.queue.writeBuffer(this.allImages.buffer, 0, host.x as Float32Array<ArrayBuffer>);
      // Class indices are never negative: the int32 labels' bits are the kernel's u32s.
      device.queue.writeBuffer(this.allLabels.buffer, 0, host.labels as Int32Array<ArrayBuffer>);
      this.classes = spec.numClasses;
      this.allLogits = alloc('evaluator logits', n * this.classes * 4);
      // One 256-byte block of [loss, correct] per point of a group, so each binds aligned.
      this.sums = alloc('evaluator sums', POINTS_PER_READ * ALIGN_FLOATS * 4);
      const batch = Math.min(n, Math.max(1, options.batchSize ?? 256));
      const programFor = (count: number): VggProgram => {
        const program = new VggProgram(this.ctx, layout, {
          spec,
          batch: count,
          dropoutRate: 0,
          forwardOnly: true,
        });
        this.programs.push(program);
        return program;
      };
      const full = programFor(batch);
      const rest = n % batch === 0 ? null : programFor(n % batch);
      // Dropout off; the loss factor is read only by a training pass's dlogits.
      const words: PassWords = { seeds: null, lossScale: 0 };
      const forwards = new Map<VggProgram, Dispatch[]>();
      const scores = new Map<VggProgram, Dispatch[][]>();
      for (const program of rest ? [full, rest] : [full]) {
        forwards.set(program, program.forward(mixed, 0, words, null));
        scores.set(
          program,
          Array.from({ length: POINTS_PER_READ }, (_, slot) =>
            program.score({ buffer: this.sums.buffer, offset: slot * ALIGN_FLOATS * 4, size: 8 }, words),
          ),
        );
      }
      for (let start = 0; start < n; start += batch) {
        const count = Math.min(batch, n - start);
        const program = count === batch ? full : (rest as VggProgram);
        this.passes.push({
          start,
          count,
          program,
          forward: forwards.get(program) ?? [],
          score: scores.get(program) ?? [],
        });
      }
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  async evaluate(
    points: readonly (readonly number[])[],
    options: EvaluateOptions = {},
  ): Promise<PointValue[]> {
    this.assertLive();
    points.forEach((p) => {
      this.checkPoint(p);
    });
    const out: PointValue[] = [];
    for (let start = 0; start < points.length; start += POINTS_PER_READ) {
      options.signal?.throwIfAborted();
      const group = points.slice(start, start + POINTS_PER_READ);
      group.forEach((coefficients, slot) => {
        this.submitPoint(coefficients, slot);
      });
      const values = await readFloats(this.device, this.sums);
      const encoder = this.device.createCommandEncoder();
      encoder.clearBuffer(this.sums.buffer);
      this.device.queue.submit([encoder.finish()]);
      group.forEach((_, slot) => {
        const at = slot * ALIGN_FLOATS;
        out.push({
          loss: (values[at] as number) / this.images,
          error: 1 - (values[at + 1] as number) / this.images,
        });
      });
      options.onProgress?.(out.length, points.length);
    }
    return out;
  }

  /** Logits at `point`: one submit per batch (the weights mixed again where its coefficients
   *  change), one read. */
  async logits(point: EvalPoint, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    this.assertLive();
    let mixed: readonly number[] | null = null;
    for (const [b, pass] of this.passes.entries()) {
      options.signal?.throwIfAborted();
      const coefficients = batchCoefficients(this.model, point, b);
      this.checkPoint(coefficients);
      const remix = !mixed || coefficients.some((c, v) => c !== mixed?.[v]);
      if (remix) this.writeCoefficients(coefficients);
      mixed = coefficients;
      const encoder = this.device.createCommandEncoder({ label: 'logits batch' });
      if (remix) encodeDispatches(encoder, [this.mix]);
      this.placeInputs(encoder, pass);
      encodeDispatches(encoder, pass.forward);
      const rowBytes = this.classes * 4;
      encoder.copyBufferToBuffer(
        pass.program.logits.buffer,
        pass.program.logits.offset,
        this.allLogits.buffer,
        pass.start * rowBytes,
        pass.count * rowBytes,
      );
      this.device.queue.submit([encoder.finish()]);
    }
    return readFloats(this.device, this.allLogits, this.images * this.classes);
  }

  /**
   * The model's vertices read again (the trainer's, after an epoch of training): the images,
   * programs and bind groups stay, so each epoch's evaluation costs one upload of the weights.
   */
  async reload(): Promise<void> {
    this.assertLive();
    if (this.model.vertexCount !== this.k) {
      throw new StudioError(
        'INTERNAL',
        `This evaluator holds ${this.k} vertices; the model now has ${this.model.vertexCount}.`,
      );
    }
    const vertices = await this.model.readVertices();
    this.assertLive();
    this.device.queue.writeBuffer(this.vertexRows.buffer, 0, packRows(this.layout, vertices));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const program of this.programs) program.destroy();
    for (const b of this.owned) b.buffer.destroy();
    this.ctx.uniforms.buffer.destroy();
  }

  /**
   * One point into slot `slot` of the sums. The queue runs the coefficients' write before this
   * submit and after the previous point's, so every point of a group shares one row of weights.
   */
  private submitPoint(coefficients: readonly number[], slot: number): void {
    this.writeCoefficients(coefficients);
    const encoder = this.device.createCommandEncoder({ label: 'surface point' });
    encodeDispatches(encoder, [this.mix]);
    for (const pass of this.passes) {
      this.placeInputs(encoder, pass);
      encodeDispatches(encoder, [...pass.forward, ...(pass.score[slot] ?? [])]);
    }
    this.device.queue.submit([encoder.finish()]);
  }

  /** The mixing coefficients for the next submit (the queue orders the write before it). */
  private writeCoefficients(coefficients: readonly number[]): void {
    this.coefficients.set(coefficients, this.uniforms.coefficients);
    this.device.queue.writeBuffer(this.ctx.uniforms.buffer, this.ctx.uniforms.offset, this.coefficients);
  }

  /** The batch's images and labels into its program's inputs. */
  private placeInputs(encoder: GPUCommandEncoder, pass: BatchPass): void {
    const { images, labels } = pass.program.inputs;
    encoder.copyBufferToBuffer(
      this.allImages.buffer,
      pass.start * IMAGE_BYTES,
      images.buffer,
      images.offset,
      pass.count * IMAGE_BYTES,
    );
    encoder.copyBufferToBuffer(
      this.allLabels.buffer,
      pass.start * 4,
      labels.buffer,
      labels.offset,
      pass.count * 4,
    );
  }

  private checkPoint(coefficients: readonly number[]): void {
    if (coefficients.length !== this.k) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `A point needs one coefficient per vertex (${this.k}), not ${coefficients.length}.`,
      );
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new StudioError('INTERNAL', 'This evaluator was disposed.');
  }
}
