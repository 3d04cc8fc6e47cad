// Runs in the worker. The built-in synthetic dataset's records (the engine's deterministic
// generator) cut into chunks the same size as an import's, ready to store.

import { IMAGE_BYTES } from '../../engine/formats/cifarLayout';
import { DEFAULT_CHUNK_RECORDS } from '../../engine/formats/cifarRecords';
import { generateSynthetic, SYNTHETIC_DEFAULTS } from '../../engine/data/synthetic';
import type { DatasetSplit } from '../../protocol/commands/data';
import type { IncomingChunk } from './datasetWriter';

export interface SyntheticSource {
  classNames: string[];
  counts: Record<DatasetSplit, number>;
  /** What the stored dataset lists as its source. */
  description: string;
  chunks(): Generator<IncomingChunk>;
}

export function syntheticSource(): SyntheticSource {
  const dataset = generateSynthetic();
  return {
    classNames: dataset.classNames,
    counts: { train: dataset.train.labels.length, test: dataset.test.labels.length },
    description: `generated in this browser (seed ${SYNTHETIC_DEFAULTS.seed})`,
    *chunks() {
      for (const split of ['train', 'test'] as const) {
        const { images, labels } = dataset[split];
        for (let start = 0; start < labels.length; start += DEFAULT_CHUNK_RECORDS) {
          const end = Math.min(start + DEFAULT_CHUNK_RECORDS, labels.length);
          yield {
            split,
            images: images.subarray(start * IMAGE_BYTES, end * IMAGE_BYTES),
            labels: labels.subarray(start, end),
          };
        }
      }
    },
  };
}
