// The data of `train`: both splits of a dataset in memory, with the normalisation the tab would
// store with it: the built-in synthetic set (`synthetic`, the tab's own generator and seed), a CIFAR
// tarball (the reference's statistics), an MNIST-family IDX folder or an image folder (measured on
// the training split, as the tab's import does). Runs in Node.

import path from 'node:path';
import { ChannelStats } from '../engine/data/channelStats';
import type { Normalization } from '../engine/data/normalization';
import { generateSynthetic } from '../engine/data/synthetic';
import type { ImageSplit, TrainingData } from '../engine/train/trainingData';
import type { CifarKind } from '../engine/formats/cifarLayout';
import { StudioError } from '../protocol/errors';
import { badArgument } from './args';
import { loadEvalData } from './cifarData';
import { isIdxPath, loadIdxData } from './idxData';

export const SYNTHETIC = 'synthetic';

export interface TrainDataFile {
  /** "CIFAR-10", "Fashion-MNIST", "Synthetic": the dataset's name in the result's metadata. */
  title: string;
  data: TrainingData;
  /** Null: the reference's statistics. */
  normalisation: Normalization | null;
}

export async function loadTrainData(
  spec: string,
  format: CifarKind | undefined,
  testFile: string | undefined,
): Promise<TrainDataFile> {
  if (testFile !== undefined) {
    // DATA is the training split itself (a CIFAR record file), the test split another file.
    const train = await loadEvalData(spec, { format });
    const test = await loadEvalData(testFile, { format });
    if (test.numClasses !== train.numClasses) {
      throw new StudioError(
        'BAD_DATASET',
        `${path.basename(testFile)} is ${test.title} but ${path.basename(spec)} is ${train.title}.`,
        false,
      );
    }
    return {
      title: train.title,
      data: { numClasses: train.numClasses, train: train.split, test: test.split },
      normalisation: null,
    };
  }
  if (spec === SYNTHETIC) {
    const set = generateSynthetic();
    return {
      title: 'Synthetic',
      data: { numClasses: set.classNames.length, train: split(set.train), test: split(set.test) },
      normalisation: null,
    };
  }
  if (isIdxPath(spec)) {
    const idx = await loadIdxData(spec);
    return {
      title: idx.summary.suggestedName,
      data: {
        numClasses: idx.summary.classNames.length,
        train: split(idx.splits.train),
        test: split(idx.splits.test),
      },
      normalisation: idx.normalisation,
    };
  }
  let train;
  try {
    train = await loadEvalData(spec, { format, split: 'train' });
  } catch (err) {
    if (err instanceof StudioError && /applies to tarballs/.test(err.message)) {
      throw badArgument(
        `train needs both splits: ${path.basename(spec)} is a record file (one split); name the test ` +
          `split's file with --test-data, or give the official tarball, a folder of IDX files, an image folder, or ${SYNTHETIC}`,
      );
    }
    throw err;
  }
  const test = await loadEvalData(spec, { format, split: 'test' });
  let normalisation: Normalization | null = null;
  if (train.kind === 'folder') {
    const stats = new ChannelStats();
    stats.add(train.split.images);
    normalisation = stats.result();
  }
  return {
    title: train.title,
    data: { numClasses: train.numClasses, train: train.split, test: test.split },
    normalisation,
  };
}

/** Records in memory as a split (its count is its labels'). */
function split(s: { images: Uint8Array; labels: Uint8Array }): ImageSplit {
  return { images: s.images, labels: s.labels, count: s.labels.length };
}
