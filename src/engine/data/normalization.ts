// Input scaling of the reference (torchvision ToTensor then Normalize): bytes → [0,1] → per-channel
// (x − mean) / std. Done through a 3×256 lookup table so batch assembly is one load per pixel.

export type Triple = readonly [number, number, number];

export interface Normalization {
  mean: Triple;
  std: Triple;
}

/** The reference's values (ImageNet statistics), used for CIFAR-10, CIFAR-100 and synthetic. */
export const REFERENCE_NORMALIZATION: Normalization = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/**
 * `table[c * 256 + v]` = (v / 255 − mean[c]) / std[c], computed in float64 and rounded once to
 * float32. `table[c * 256]` is also the value of a zero-padded pixel (torchvision pads with 0 before
 * ToTensor, so padding is not zero after normalisation).
 */
export function normalizationTable(norm: Normalization = REFERENCE_NORMALIZATION): Float32Array {
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const mean = norm.mean[c] as number;
    const std = norm.std[c] as number;
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - mean) / std;
  }
  return table;
}
