// Runs in the worker. The built-in synthetic dataset is generated and stored the first time
// anything asks for datasets, so the studio works offline from the first start. Concurrent askers
// share one generation.

import { SYNTHETIC_DATASET_NAME, type DatasetProgress } from '../../protocol/commands/data';
import { STORES, getRecord } from './db';
import { withImportLock } from './datasetCleanup';
import type { StoredDataset } from './datasetRecords';
import { DatasetWriter } from './datasetWriter';
import { syntheticSource } from './syntheticSource';

let generating: Promise<void> | null = null;
const listeners = new Set<(p: DatasetProgress) => void>();

/** Resolves once the synthetic dataset is stored; `progress` hears about a generation under way. */
export async function ensureSyntheticDataset(progress?: (p: DatasetProgress) => void): Promise<void> {
  if (await getRecord<StoredDataset>(STORES.datasets, 'synthetic')) return;
  if (progress) listeners.add(progress);
  try {
    generating ??= generate().finally(() => {
      generating = null;
    });
    await generating;
  } finally {
    if (progress) listeners.delete(progress);
  }
}

async function generate(): Promise<void> {
  await withImportLock(async () => {
    // Another tab may have stored it while this one waited.
    if (await getRecord<StoredDataset>(STORES.datasets, 'synthetic')) return;
    const source = syntheticSource();
    const totalRecords = source.counts.train + source.counts.test;
    const writer = new DatasetWriter('synthetic');
    const tell = (p: DatasetProgress): void => {
      for (const listener of listeners) listener(p);
    };
    try {
      for (const chunk of source.chunks()) {
        await writer.add(chunk);
        tell({ stage: 'generating', records: writer.records, totalRecords });
      }
      tell({ stage: 'committing', records: writer.records });
      await writer.commit({
        name: SYNTHETIC_DATASET_NAME,
        classNames: source.classNames,
        sources: [source.description],
        warnings: [],
      });
    } finally {
      await writer.discard();
    }
  });
}
