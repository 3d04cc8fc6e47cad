// Brings a decoded image of any size to the studio's 32×32×3 record (CIFAR's planar layout: 1024
// R, then G, then B). The rule, the same in the worker and in Node because it is done here and not
// by a canvas: crop the centred square of the shorter side, then average the source area that each
// of the 32×32 output pixels covers (a box filter with fractional edges; for a smaller image it
// blends the one or two source pixels under each output pixel). Transparent pixels are composited
// over black; grayscale images arrive as RGBA with R = G = B and stay gray. Pure: no DOM.

import { StudioError } from '../../protocol/errors';

export const RECORD_SIDE = 32;
const PLANE = RECORD_SIDE * RECORD_SIDE;

/** Per output index, the source indices it covers and their weights (summing to 1). */
function boxWeights(start: number, side: number): { first: Int32Array; weights: Float64Array[] } {
  const scale = side / RECORD_SIDE;
  const first = new Int32Array(RECORD_SIDE);
  const weights: Float64Array[] = [];
  for (let o = 0; o < RECORD_SIDE; o++) {
    const lo = o * scale;
    const hi = lo + scale;
    const a = Math.floor(lo);
    const b = Math.min(side, Math.ceil(hi));
    const w = new Float64Array(b - a);
    for (let s = a; s < b; s++) w[s - a] = (Math.min(hi, s + 1) - Math.max(lo, s)) / scale;
    first[o] = start + a;
    weights.push(w);
  }
  return { first, weights };
}

/**
 * Writes the record of an RGBA image (`width × height`, row-major, 4 bytes a pixel) into
 * `out[offset … offset + 3072)`.
 */
export function rgbaToRecord(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  out: Uint8Array,
  offset = 0,
): void {
  if (!(width >= 1 && height >= 1) || rgba.length !== width * height * 4) {
    throw new StudioError('INTERNAL', `An RGBA image of ${width}×${height} holds ${rgba.length} bytes.`);
  }
  const side = Math.min(width, height);
  const cols = boxWeights(Math.floor((width - side) / 2), side);
  const rows = boxWeights(Math.floor((height - side) / 2), side);
  // Horizontal pass over the rows the crop uses: row-major [side][32][3], alpha applied.
  const top = Math.floor((height - side) / 2);
  const across = new Float64Array(side * RECORD_SIDE * 3);
  for (let y = 0; y < side; y++) {
    const rowStart = (top + y) * width;
    for (let o = 0; o < RECORD_SIDE; o++) {
      const w = cols.weights[o] as Float64Array;
      const x0 = cols.first[o] as number;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < w.length; k++) {
        const p = (rowStart + x0 + k) * 4;
        const alpha = (rgba[p + 3] as number) / 255;
        const weight = (w[k] as number) * alpha;
        r += (rgba[p] as number) * weight;
        g += (rgba[p + 1] as number) * weight;
        b += (rgba[p + 2] as number) * weight;
      }
      const q = (y * RECORD_SIDE + o) * 3;
      across[q] = r;
      across[q + 1] = g;
      across[q + 2] = b;
    }
  }
  for (let o = 0; o < RECORD_SIDE; o++) {
    const w = rows.weights[o] as Float64Array;
    const y0 = (rows.first[o] as number) - top;
    for (let x = 0; x < RECORD_SIDE; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < w.length; k++) {
        const q = ((y0 + k) * RECORD_SIDE + x) * 3;
        const weight = w[k] as number;
        r += (across[q] as number) * weight;
        g += (across[q + 1] as number) * weight;
        b += (across[q + 2] as number) * weight;
      }
      const p = offset + o * RECORD_SIDE + x;
      out[p] = Math.round(r);
      out[p + PLANE] = Math.round(g);
      out[p + 2 * PLANE] = Math.round(b);
    }
  }
}
