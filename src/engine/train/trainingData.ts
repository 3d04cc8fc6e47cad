// What training and evaluation need from a dataset: CIFAR-format records in CPU memory (the
// whole set never goes to the GPU) and a function that turns chosen records into one batch of
// tensors (batchMaker below; tests may pass another).

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import { assembleBatch, drawAugmentation } from '../data/augment';
import { CHANNELS, IMAGE_SIDE } from '../data/labeledImages';
import {
  normalizationTable,
  REFERENCE_NORMALIZATION,
  type Normalization,
  type Triple,
} from '../data/normalization';
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

/** Per-channel input normalisation as files and models state it (any 3-value arrays). */
export interface ChannelNormalisation {
  mean: readonly number[];
  std: readonly number[];
}

/** A batch as the CPU assembles it, before any upload. */
export interface HostBatch {
  /** Normalised NHWC [N, 32, 32, 3]. */
  x: Float32Array;
  labels: Int32Array;
}

export type MakeHostBatch = (split: ImageSplit, indices: Uint32Array, augment: Rng | null) => HostBatch;

/**
 * The CPU assembly of a batch with the reference's augmentation when asked, inputs scaled to [0,1]
 * and normalised with `normalisation` (the reference's values when null).
 */
export function hostBatchMaker(normalisation: ChannelNormalisation | null = null): MakeHostBatch {
  const norm = normalisation ? asTriples(normalisation) : REFERENCE_NORMALIZATION;
  const table = normalizationTable(norm);
  return (split, indices, augment) => {
    const aug = augment ? drawAugmentation(augment, indices.length) : null;
    const x = assembleBatch(split.images, indices, table, aug);
    const labels = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) labels[i] = split.labels[indices[i] as number] as number;
    return { x, labels };
  };
}

/** hostBatchMaker's batches as tensors: one upload per batch. */
export function batchMaker(normalisation: ChannelNormalisation | null = null): MakeBatch {
  const host = hostBatchMaker(normalisation);
  return (split, indices, augment) => {
    const { x, labels } = host(split, indices, augment);
    return {
      x: tf.tensor4d(x, [indices.length, IMAGE_SIDE, IMAGE_SIDE, CHANNELS], 'float32'),
      labels: tf.tensor1d(labels, 'int32'),
    };
  };
}

/** A batch maker with the reference's normalisation (CIFAR and synthetic datasets use it). */
export const makeBatch: MakeBatch = batchMaker();

function asTriples(n: ChannelNormalisation): Normalization {
  const triple = (v: readonly number[], what: string): Triple => {
    if (v.length !== 3 || !v.every(Number.isFinite)) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `The normalisation ${what} needs three finite numbers, got [${v.join(', ')}].`,
      );
    }
    return [v[0] as number, v[1] as number, v[2] as number];
  };
  return { mean: triple(n.mean, 'mean'), std: triple(n.std, 'std') };
}
