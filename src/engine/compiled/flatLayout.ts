// Where each parameter of a model lives in the compiled step's flat buffers. Runs in the worker
// and in Node; no DOM, no GPU.
//
// A *row* is one copy of every parameter of the model (tfjs layout, paramSpecs() order), each at
// an offset that is a multiple of 256 bytes, so a kernel can bind one parameter as a view of the
// row (WebGPU's minStorageBufferOffsetAlignment is at most 256). A stack of k vertices is k rows
// back to back in one buffer; the mixed weights of S draws and their gradients are S rows in the
// same layout. The row kernels (rowKernels.ts) then run over whole rows: the padding between
// parameters is zero in every row and stays zero under mixing and SGD.

import { StudioError } from '../../protocol/errors';
import type { ParamSpec } from '../../protocol/network';
import type { TfLayout, TfVertex } from '../formats/layout';

/** 256 bytes in float32 words: the alignment of every parameter view and of every row. */
export const ALIGN_FLOATS = 64;

export interface ParamView {
  name: string;
  /** tfjs layout. */
  shape: readonly number[];
  /** Offset in float32 words from the start of a row (a multiple of ALIGN_FLOATS). */
  offset: number;
  /** Number of float32 words. */
  size: number;
}

export interface FlatLayout {
  views: readonly ParamView[];
  /** Words in one row, a multiple of ALIGN_FLOATS, so every row starts aligned. */
  rowFloats: number;
}

export function flatLayout(params: readonly Pick<ParamSpec, 'name' | 'tfShape'>[]): FlatLayout {
  let offset = 0;
  const views = params.map(({ name, tfShape }) => {
    const size = tfShape.reduce((a, d) => a * d, 1);
    const view = { name, shape: [...tfShape], offset, size };
    offset += alignUp(size);
    return view;
  });
  return { views, rowFloats: Math.max(ALIGN_FLOATS, offset) };
}

export function alignUp(floats: number): number {
  return Math.ceil(floats / ALIGN_FLOATS) * ALIGN_FLOATS;
}

/** The view of `name`, or an INTERNAL error naming it. */
export function viewOf(layout: FlatLayout, name: string): ParamView {
  const view = layout.views.find((v) => v.name === name);
  if (!view) throw new StudioError('INTERNAL', `The compiled step has no parameter "${name}".`, false);
  return view;
}

/** Vertices (each in the layout's parameter order) as rows of one buffer, padding zero. */
export function packRows(layout: FlatLayout, vertices: readonly TfVertex[]): Float32Array<ArrayBuffer> {
  const out = new Float32Array(vertices.length * layout.rowFloats);
  vertices.forEach((vertex, r) => {
    if (vertex.length !== layout.views.length) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `Vertex ${r} has ${vertex.length} parameters; the model has ${layout.views.length}.`,
        false,
      );
    }
    layout.views.forEach((view, p) => {
      const values = vertex[p] as TfLayout;
      if (values.length !== view.size) {
        throw new StudioError(
          'SHAPE_MISMATCH',
          `Vertex ${r}'s "${view.name}" has ${values.length} values; the model needs ${view.size} ` +
            `([${view.shape.join(',')}]).`,
          false,
        );
      }
      out.set(values, r * layout.rowFloats + view.offset);
    });
  });
  return out;
}

/** Row r of `rows` as a vertex: fresh copies of each parameter, tfjs layout. */
export function unpackRow(layout: FlatLayout, rows: Float32Array, r: number): TfLayout[] {
  const at = r * layout.rowFloats;
  if (at + layout.rowFloats > rows.length) {
    throw new StudioError(
      'INTERNAL',
      `Row ${r} is outside the ${rows.length / layout.rowFloats} rows read back.`,
      false,
    );
  }
  return layout.views.map((view) => rows.slice(at + view.offset, at + view.offset + view.size) as TfLayout);
}
