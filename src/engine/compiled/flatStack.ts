// A stage's vertices on the GPU in the compiled step's flat layout (flatLayout.ts): the k vertex
// rows, their momentum rows, each draw's mixed weights and gradient rows, created once when the
// stage starts, with the row kernels recorded over them. The vertices stay the one source of
// truth: readVertices() and the momentum export give what checkpoints, exports, surfaces and
// evaluation read, in the tfjs path's form (SgdState keyed by the stack variables' names), so a
// checkpoint made by either path resumes on the other. Runs in the worker and in Node on Dawn.

import { StudioError } from '../../protocol/errors';
import type { TfLayout, TfVertex } from '../formats/layout';
import type { SgdBufferState } from '../train/sgd';
import type { Dispatch, KernelContext, Binding } from './kernels/types';
import { readFloats, storageBinding } from './context';
import { packRows, unpackRow, type FlatLayout } from './flatLayout';
import {
  buildDistances,
  buildMix,
  buildSgd,
  distanceSumsBytes,
  sumDistances,
  type RowBuffers,
} from './rowKernels';
import type { StageShape, UniformLayout } from './stepUniforms';

export interface FlatStackShape extends StageShape {
  momentum: boolean;
  /** The vertex pairs whose squared distances the volume needs (simplex 0's, i < j). */
  pairs: readonly (readonly [number, number])[];
}

export class FlatStack {
  readonly buffers: RowBuffers;
  readonly mix: Dispatch;
  readonly sgd: Dispatch;
  readonly distances: Dispatch | null;
  private readonly sums: Binding;
  private destroyed = false;

  constructor(
    private readonly ctx: KernelContext,
    readonly layout: FlatLayout,
    readonly shape: FlatStackShape,
    uniforms: UniformLayout,
    vertices: readonly TfVertex[],
  ) {
    const { device } = ctx;
    const rowBytes = layout.rowFloats * 4;
    if (vertices.length !== shape.rows) {
      throw new StudioError('INTERNAL', `${vertices.length} vertices for a stage of ${shape.rows}.`, false);
    }
    this.buffers = {
      vertices: storageBinding(device, 'vertices', shape.rows * rowBytes),
      momentum: storageBinding(device, 'momentum', shape.momentum ? shape.rows * rowBytes : 16),
      mixed: storageBinding(device, 'mixed weights', shape.draws * rowBytes),
      grads: storageBinding(device, 'weight gradients', shape.draws * rowBytes),
    };
    device.queue.writeBuffer(this.buffers.vertices.buffer, 0, packRows(layout, vertices));
    this.sums = storageBinding(
      device,
      'distance sums',
      distanceSumsBytes(layout.rowFloats, shape.pairs.length),
    );
    const sized = { ...shape, rowFloats: layout.rowFloats };
    this.mix = buildMix(ctx, sized, uniforms, this.buffers);
    this.sgd = buildSgd(ctx, sized, uniforms, this.buffers);
    this.distances =
      shape.pairs.length > 0
        ? buildDistances(ctx, sized, shape.pairs, this.buffers.vertices, this.sums)
        : null;
  }

  /** Every vertex, each parameter in tfjs layout (paramSpecs() order). */
  async readVertices(): Promise<TfLayout[][]> {
    this.assertLive();
    const rows = await readFloats(
      this.ctx.device,
      this.buffers.vertices,
      this.shape.rows * this.layout.rowFloats,
    );
    return Array.from({ length: this.shape.rows }, (_, r) => unpackRow(this.layout, rows, r));
  }

  /**
   * The squared distances of shape.pairs, in order, in float64 from the last distances dispatch
   * (submitted by the caller with the step it measures).
   */
  async readDistances(): Promise<Float64Array> {
    this.assertLive();
    const pairs = this.shape.pairs.length;
    if (pairs === 0) return new Float64Array(0);
    const sums = await readFloats(this.ctx.device, this.sums);
    return sumDistances(sums, pairs, this.layout.rowFloats);
  }

  /**
   * The momentum buffers as the tfjs path's Sgd exports them: one per parameter, named
   * `nameOf(param)`, shape [k, size]. Empty before the first step (`stepped` false), as there.
   */
  async exportMomentum(nameOf: (param: string) => string, stepped: boolean): Promise<SgdBufferState[]> {
    this.assertLive();
    if (!this.shape.momentum || !stepped) return [];
    const { rows: k } = this.shape;
    const rows = await readFloats(this.ctx.device, this.buffers.momentum, k * this.layout.rowFloats);
    return this.layout.views.map((view, p) => {
      const values = new Float32Array(k * view.size);
      for (let r = 0; r < k; r++)
        values.set(unpackRow(this.layout, rows, r)[p] as Float32Array, r * view.size);
      return { name: nameOf(view.name), shape: [k, view.size], values };
    });
  }

  /** Replaces the momentum rows with exported buffers (all parameters or none, as exported). */
  importMomentum(nameOf: (param: string) => string, buffers: readonly SgdBufferState[]): void {
    this.assertLive();
    const { rows: k } = this.shape;
    const packed = new Float32Array(this.shape.momentum ? k * this.layout.rowFloats : 4);
    if (buffers.length > 0) {
      if (!this.shape.momentum) {
        throw new StudioError(
          'BAD_CHECKPOINT',
          'The checkpoint has momentum buffers, but this run uses no momentum.',
        );
      }
      const byName = new Map(buffers.map((b) => [b.name, b]));
      for (const view of this.layout.views) {
        const b = byName.get(nameOf(view.name));
        if (!b || b.values.length !== k * view.size) {
          throw new StudioError(
            'BAD_CHECKPOINT',
            `The checkpoint's momentum for "${view.name}" is missing or not [${k}, ${view.size}]; it does not belong to this stage.`,
          );
        }
        for (let r = 0; r < k; r++) {
          packed.set(
            b.values.subarray(r * view.size, (r + 1) * view.size),
            r * this.layout.rowFloats + view.offset,
          );
        }
      }
    }
    this.ctx.device.queue.writeBuffer(this.buffers.momentum.buffer, 0, packed);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const { vertices, momentum, mixed, grads } = this.buffers;
    for (const b of [vertices, momentum, mixed, grads, this.sums]) b.buffer.destroy();
  }

  private assertLive(): void {
    if (this.destroyed) throw new StudioError('INTERNAL', 'This compiled stack was destroyed.', false);
  }
}
