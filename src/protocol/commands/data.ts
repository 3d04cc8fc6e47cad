// Data commands: importing CIFAR and MNIST-family files into the tab's storage, the built-in
// synthetic set, and what the Data section shows about stored datasets. Plain data only: it crosses
// the worker boundary.

import type { NormalisationData } from './models';

/**
 * Synthetic, CIFAR-10 and CIFAR-100: one stored dataset each, whose id is the kind. `idx`
 * (MNIST-family files) and `folder` (an image folder or a .zip of one): any number side by side,
 * each under the name given at import.
 */
export const DATASET_KINDS = ['synthetic', 'cifar10', 'cifar100', 'idx', 'folder'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];
export type DatasetSplit = 'train' | 'test';
export type DownloadableKind = 'cifar10' | 'cifar100';
/** How runs, models and surfaces name a stored dataset: the kind, or `<kind>:<name>` for named sets. */
export type DatasetId = string;

/**
 * The id a named dataset (IDX files, an image folder) is stored under: `<kind>:<name in lower
 * case>`, so a new import under a stored name of that kind replaces it.
 */
export function namedDatasetId(kind: 'idx' | 'folder', name: string): DatasetId {
  return `${kind}:${name.trim().toLowerCase()}`;
}

/** Longest name an imported dataset may carry. */
export const MAX_DATASET_NAME = 80;

/** The name the built-in set carries everywhere it appears. */
export const SYNTHETIC_DATASET_NAME = 'Synthetic (built-in)';

export interface SplitInfo {
  /** Images in the split. */
  count: number;
  /** Stored chunks holding them. */
  chunks: number;
  /** Images per class: `classCounts[c]`. */
  classCounts: number[];
  /** CRC-32 of all image bytes (count×3072, CHW per image, in stored order). */
  imagesCrc32: number;
  /** CRC-32 of all class labels (count bytes, in stored order). */
  labelsCrc32: number;
  /** CIFAR-100 only: CRC-32 of the superclass labels. */
  coarseCrc32?: number;
}

export interface DatasetInfo {
  /** Runs name the dataset they train on by this id (see DatasetId). */
  id: DatasetId;
  kind: DatasetKind;
  name: string;
  classNames: string[];
  /** CIFAR-100 only: the 20 superclasses. */
  coarseClassNames?: string[];
  splits: Record<DatasetSplit, SplitInfo>;
  /** Hex digest over every split's CRCs: changes whenever any stored byte would. */
  checksum: string;
  /** Stored bytes (images and labels). */
  bytes: number;
  /** Epoch milliseconds of the commit. */
  createdAt: number;
  /** Where the records came from: archive members or picked files. */
  sources: string[];
  /** Things the importer noticed that did not stop the import. */
  warnings: string[];
  /**
   * What training and every weight file trained on it normalise inputs with: the reference's
   * ImageNet values for CIFAR and synthetic, the training split's own mean and std (pixels in
   * [0,1], per channel, after padding to 32×32) for IDX datasets, measured at import.
   */
  normalisation: NormalisationData;
}

/** Progress of an import, download or generation; `records` never goes backwards. */
export type DatasetProgress =
  | {
      stage: 'reading';
      /** Input bytes read (compressed for a .tar.gz). */
      bytes: number;
      /** Null when the size is not known (a download without Content-Length). */
      totalBytes: number | null;
      records: number;
    }
  /** An image folder: images read and decoded so far, of all it lists. */
  | { stage: 'decoding'; images: number; totalImages: number; records: number }
  | { stage: 'generating'; records: number; totalRecords: number }
  /** Everything arrived; the metadata is being written. */
  | { stage: 'committing'; records: number };

export interface DataCommands {
  /** Lists the stored datasets, generating the synthetic set first when it is missing. */
  listDatasets: { params: Record<string, never>; result: DatasetInfo[]; progress: DatasetProgress };
  /**
   * Imports picked or dropped files into storage: CIFAR (.tar.gz, .tgz, .tar, or the .bin files
   * inside) or the four MNIST-family IDX files (`*-idx3-ubyte`, `*-idx1-ubyte`, .gz or not), the
   * latter stored as `name` (default: "Fashion-MNIST" for Fashion-MNIST's files, else
   * "MNIST-family (IDX)"), or an image folder: one `.zip`, or the files of a picked or dropped
   * folder with `paths` (each file's path from the folder's own name, as `webkitRelativePath`),
   * stored as `name` (default: the folder's or the archive's name). Committed only when complete;
   * on error or cancel the stored datasets are unchanged.
   */
  importDataset: {
    params: { files: File[]; paths?: string[]; name?: string };
    result: DatasetInfo;
    progress: DatasetProgress;
  };
  /** Fetches the official tarball through the local server's /api/cifar route, then imports it. */
  downloadDataset: { params: { kind: DownloadableKind }; result: DatasetInfo; progress: DatasetProgress };
  /** Deletes a stored dataset (the synthetic one comes back on the next list). */
  deleteDataset: { params: { id: DatasetId }; result: { deleted: boolean }; progress: never };
  /** The first `count` images of a split, for the sample grid. */
  datasetSamples: {
    params: { id: DatasetId; split: DatasetSplit; count: number };
    result: { images: Uint8Array; labels: Uint8Array };
    progress: never;
  };
  /** Reads every stored chunk back, checks counts and CRCs, and reports what was read. */
  verifyDataset: {
    params: { id: DatasetId };
    result: { checksum: string; splits: Record<DatasetSplit, { count: number; classCounts: number[] }> };
    progress: never;
  };
}

/** The file a download route serves for each kind, named as on the official site. */
export const CIFAR_DOWNLOADS: Record<DownloadableKind, { file: string; title: string }> = {
  cifar10: { file: 'cifar-10-binary.tar.gz', title: 'CIFAR-10' },
  cifar100: { file: 'cifar-100-binary.tar.gz', title: 'CIFAR-100' },
};
