// What training and evaluation need from a dataset: CIFAR-format records in CPU memory (the
// whole set never goes to the GPU) and a function that turns chosen records into one batch of
// tensors (makeBatch below; tests may pass another).

import type * as tf from '@tensorflow/tfjs';
import { assembleBatch, drawAugmentation } from '../data/augment';
import { batchTensors } from '../data/batchLoader';
import { normalizationTable, REFERENCE_NORMALIZATION } from '../data/normalization';
import type { Rng } from '../util/rng';

/** Records of one split: `images` is count × 3072 bytes (CHW, as in the CIFAR files). */
export interface ImageSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface TrainingData {
  numClasses: number;
  train: ImageSplit;
  test: ImageSplit;
}

export interface Batch {
  /** Normalised NHWC float32 [N, 32, 32, 3]. */
  x: tf.Tensor4D;
  /** int32 [N]. */
  labels: tf.Tensor1D;
}

/**
 * The records at `indices` as one batch, augmented (random crop with padding 4, horizontal flip)
 * when `augment` is given. The caller disposes the tensors.
 */
export type MakeBatch = (split: ImageSplit, indices: Uint32Array, augment: Rng | null) => Batch;

const referenceTable = normalizationTable(REFERENCE_NORMALIZATION);

/** The studio's batch maker: CPU assembly with the reference's augmentation, one upload per batch. */
export const makeBatch: MakeBatch = (split, indices, augment) => {
  const aug = augment ? drawAugmentation(augment, indices.length) : null;
  const x = assembleBatch(split.images, indices, referenceTable, aug);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) labels[i] = split.labels[indices[i] as number] as number;
  const tensors = batchTensors({ x, labels, size: indices.length, epoch: 0, batch: 0 });
  return { x: tensors.x, labels: tensors.y };
};
