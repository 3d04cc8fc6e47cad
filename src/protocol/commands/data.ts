// Data commands: importing CIFAR into the tab's storage, the built-in synthetic set, and what the
// Data section shows about stored datasets. Plain data only: it crosses the worker boundary.

/** One stored dataset per kind; a new import of a kind replaces the old one atomically. */
export const DATASET_KINDS = ['synthetic', 'cifar10', 'cifar100'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];
export type DatasetSplit = 'train' | 'test';
export type DownloadableKind = Exclude<DatasetKind, 'synthetic'>;

/** For ids that arrive as strings (settings, URLs): true when it names a dataset kind. */
export function isDatasetKind(value: string): value is DatasetKind {
  return (DATASET_KINDS as readonly string[]).includes(value);
}

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
  /** Equal to the kind: runs name the dataset they train on by this id. */
  id: DatasetKind;
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
  | { stage: 'generating'; records: number; totalRecords: number }
  /** Everything arrived; the metadata is being written. */
  | { stage: 'committing'; records: number };

export interface DataCommands {
  /** Lists the stored datasets, generating the synthetic set first when it is missing. */
  listDatasets: { params: Record<string, never>; result: DatasetInfo[]; progress: DatasetProgress };
  /**
   * Imports picked or dropped files (.tar.gz, .tgz, .tar, or the .bin files inside) into storage.
   * Committed only when complete; on error or cancel the stored dataset of that kind is unchanged.
   */
  importDataset: { params: { files: File[] }; result: DatasetInfo; progress: DatasetProgress };
  /** Fetches the official tarball through the local server's /api/cifar route, then imports it. */
  downloadDataset: { params: { kind: DownloadableKind }; result: DatasetInfo; progress: DatasetProgress };
  /** Deletes a stored dataset (the synthetic one comes back on the next list). */
  deleteDataset: { params: { id: DatasetKind }; result: { deleted: boolean }; progress: never };
  /** The first `count` images of a split, for the sample grid. */
  datasetSamples: {
    params: { id: DatasetKind; split: DatasetSplit; count: number };
    result: { images: Uint8Array; labels: Uint8Array };
    progress: never;
  };
  /** Reads every stored chunk back, checks counts and CRCs, and reports what was read. */
  verifyDataset: {
    params: { id: DatasetKind };
    result: { checksum: string; splits: Record<DatasetSplit, { count: number; classCounts: number[] }> };
    progress: never;
  };
}

/** The file a download route serves for each kind, named as on the official site. */
export const CIFAR_DOWNLOADS: Record<DownloadableKind, { file: string; title: string }> = {
  cifar10: { file: 'cifar-10-binary.tar.gz', title: 'CIFAR-10' },
  cifar100: { file: 'cifar-100-binary.tar.gz', title: 'CIFAR-100' },
};
