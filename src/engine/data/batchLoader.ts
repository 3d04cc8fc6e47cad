// Training and evaluation batches over an in-memory split. The training order is a seeded shuffle per
// epoch and the whole position (epoch, batch, two generator states) is plain data, so a checkpoint
// stores it and a resumed run sees exactly the batches, crops and flips an uninterrupted run would.
// Assembly happens on the CPU; only the finished batch becomes a tensor.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import { Rng, type RngState } from '../util/rng';
import { assembleBatch, drawAugmentation } from './augment';
import { imageCount, IMAGE_SIDE, CHANNELS, type LabeledImages } from './labeledImages';
import { normalizationTable, REFERENCE_NORMALIZATION, type Normalization } from './normalization';

/** Where the training stream is: the next batch to produce. JSON-safe. */
export interface LoaderPosition {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  /** Generator state this epoch's permutation was drawn from (to redraw it on resume). */
  epochRng: RngState;
  /** Generator state for the next draw (augmentation, then the next epoch's permutation). */
  rng: RngState;
}

/** A batch on the host, ready to upload. */
export interface HostBatch {
  /** [B,32,32,3] NHWC, normalised. */
  x: Float32Array;
  labels: Int32Array;
  size: number;
  epoch: number;
  batch: number;
}

export interface TrainLoaderOptions {
  batchSize: number;
  /** Random crop with padding 4 + horizontal flip; default true. */
  augment?: boolean;
  normalization?: Normalization;
}

/**
 * Endless training batches: each epoch is a fresh permutation of the split, cut into
 * floor(N / batchSize) full batches (the partial last batch is dropped, as the reference's loader
 * with drop_last would; the dropped images differ from epoch to epoch).
 */
export class TrainLoader {
  readonly size: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  private readonly augment: boolean;
  private readonly table: Float32Array;
  private epoch: number;
  private batch: number;
  private epochRng: RngState;
  private order: Uint32Array;
  private readonly rng: Rng;

  /** A loader at the start of epoch 0. */
  static fromSeed(data: LabeledImages, seed: number, options: TrainLoaderOptions): TrainLoader {
    const rng = new Rng(seed);
    const epochRng = rng.state;
    rng.permutation(imageCount(data));
    return new TrainLoader(data, { epoch: 0, batch: 0, epochRng, rng: rng.state }, options);
  }

  /** A loader at `position` (from `position` of another loader over the same data and options). */
  constructor(
    private readonly data: LabeledImages,
    position: LoaderPosition,
    options: TrainLoaderOptions,
  ) {
    this.size = imageCount(data);
    this.batchSize = options.batchSize;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new StudioError('BAD_SETTINGS', `Batch size must be a positive integer, not ${this.batchSize}.`);
    }
    this.batchesPerEpoch = Math.floor(this.size / this.batchSize);
    if (this.batchesPerEpoch === 0) {
      throw new StudioError(
        'BAD_SETTINGS',
        `The training split has ${this.size} images, fewer than one batch of ${this.batchSize}.`,
      );
    }
    checkPosition(position, this.batchesPerEpoch);
    this.augment = options.augment ?? true;
    this.table = normalizationTable(options.normalization ?? REFERENCE_NORMALIZATION);
    this.epoch = position.epoch;
    this.batch = position.batch;
    this.epochRng = position.epochRng;
    this.order = new Rng(position.epochRng).permutation(this.size);
    this.rng = new Rng(position.rng);
  }

  /** The position of the next batch; store it with a checkpoint. */
  get position(): LoaderPosition {
    return { epoch: this.epoch, batch: this.batch, epochRng: this.epochRng, rng: this.rng.state };
  }

  /** Image indices of the next batch, without advancing (for tests and sample views). */
  peekIndices(): Uint32Array {
    return this.order.slice(this.batch * this.batchSize, (this.batch + 1) * this.batchSize);
  }

  /** Produces the next batch and advances, starting a new epoch after the last full batch. */
  next(): HostBatch {
    const indices = this.peekIndices();
    const aug = this.augment ? drawAugmentation(this.rng, indices.length) : null;
    const x = assembleBatch(this.data.images, indices, this.table, aug);
    const labels = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) labels[i] = this.data.labels[indices[i] as number] as number;
    const out: HostBatch = { x, labels, size: indices.length, epoch: this.epoch, batch: this.batch };
    this.batch++;
    if (this.batch === this.batchesPerEpoch) {
      this.epoch++;
      this.batch = 0;
      this.epochRng = this.rng.state;
      this.order = this.rng.permutation(this.size);
    }
    return out;
  }
}

/** The split in file order, unaugmented, in batches of `batchSize` with the last one partial. */
export function* evalBatches(
  data: LabeledImages,
  batchSize: number,
  normalization: Normalization = REFERENCE_NORMALIZATION,
): Generator<HostBatch> {
  const n = imageCount(data);
  const table = normalizationTable(normalization);
  for (let start = 0, batch = 0; start < n; start += batchSize, batch++) {
    const size = Math.min(batchSize, n - start);
    const indices = new Uint32Array(size);
    for (let i = 0; i < size; i++) indices[i] = start + i;
    const labels = new Int32Array(data.labels.subarray(start, start + size));
    yield { x: assembleBatch(data.images, indices, table, null), labels, size, epoch: 0, batch };
  }
}

/** Uploads a host batch. The caller owns (and disposes) both tensors. */
export function batchTensors(batch: HostBatch): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return {
    x: tf.tensor4d(batch.x, [batch.size, IMAGE_SIDE, IMAGE_SIDE, CHANNELS], 'float32'),
    y: tf.tensor1d(batch.labels, 'int32'),
  };
}

function checkPosition(p: LoaderPosition, batchesPerEpoch: number): void {
  const isState = (s: unknown): boolean =>
    Array.isArray(s) &&
    s.length === 4 &&
    s.every((v) => Number.isInteger(v) && Math.abs(v as number) < 2 ** 32);
  if (
    !Number.isInteger(p.epoch) ||
    p.epoch < 0 ||
    !Number.isInteger(p.batch) ||
    p.batch < 0 ||
    p.batch >= batchesPerEpoch ||
    !isState(p.epochRng) ||
    !isState(p.rng)
  ) {
    throw new StudioError(
      'BAD_CHECKPOINT',
      `The stored data-loader position does not fit this dataset and batch size (${batchesPerEpoch} batches per epoch).`,
    );
  }
}
