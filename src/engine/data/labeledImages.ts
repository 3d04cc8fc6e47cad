// The in-memory form of a dataset split that batching reads: CIFAR pixel bytes exactly as in the
// files (N×3072, CHW) and one label byte per image. Plain typed arrays, so the worker can fill them
// from stored chunks and tests can build them by hand.

import { IMAGE_BYTES } from '../formats/cifarLayout';
import { StudioError } from '../../protocol/errors';

export const IMAGE_SIDE = 32;
export const CHANNELS = 3;

export interface LabeledImages {
  /** N×3072 bytes: per image 1024 R, 1024 G, 1024 B, rows top to bottom. */
  images: Uint8Array;
  /** N class labels. */
  labels: Uint8Array;
}

/** Number of images, after checking that images and labels agree. */
export function imageCount(data: LabeledImages): number {
  const n = data.labels.length;
  if (data.images.length !== n * IMAGE_BYTES) {
    throw new StudioError(
      'BAD_DATASET',
      `Dataset arrays disagree: ${data.images.length} pixel bytes for ${n} labels (expected ${n * IMAGE_BYTES}).`,
    );
  }
  return n;
}

/** Joins record chunks (e.g. read back from storage) into one split. */
export function concatLabeledImages(chunks: readonly LabeledImages[]): LabeledImages {
  const n = chunks.reduce((sum, c) => sum + imageCount(c), 0);
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    images.set(c.images, at * IMAGE_BYTES);
    labels.set(c.labels, at);
    at += c.labels.length;
  }
  return { images, labels };
}
