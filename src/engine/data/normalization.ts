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

/**
 * The normalisations the studio accepts from a file: finite, |mean| ≤ 10 and std from 1e-3 to 1e3
 * per channel, so every normalised pixel is finite and the 256 pixel values stay apart. A std of
 * 1e-300 would turn pixels into infinities, one of 1e39 into the same value for every pixel. The
 * usual values (0.5 / 0.5, ImageNet's, CIFAR's own) are far inside.
 */
export const NORMALIZATION_LIMITS = { maxAbsMean: 10, minStd: 1e-3, maxStd: 1e3 } as const;

/** Why `norm` is not a usable normalisation (a phrase for a message), or null when it is. */
export function normalizationProblem(norm: {
  mean: readonly number[];
  std: readonly number[];
}): string | null {
  const { maxAbsMean, minStd, maxStd } = NORMALIZATION_LIMITS;
  if (norm.mean.length !== 3 || norm.std.length !== 3) return 'it needs 3 means and 3 stds';
  for (const m of norm.mean) {
    if (!Number.isFinite(m) || Math.abs(m) > maxAbsMean) return `a mean of ${m} is outside ±${maxAbsMean}`;
  }
  for (const s of norm.std) {
    if (!Number.isFinite(s) || s < minStd || s > maxStd)
      return `a std of ${s} is outside ${minStd}–${maxStd}`;
  }
  return null;
}
