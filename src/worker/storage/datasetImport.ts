// Runs in the worker. Streams picked files (or a download) through the CIFAR importer straight into
// storage: each record chunk is written as it is parsed, and the dataset is committed only after
// the importer's final `done`. Any failure or cancel discards the partial chunks, so the dataset
// stored before stays as it was.

import { CIFAR_FORMATS } from '../../engine/formats/cifarLayout';
import { importCifar, type ImportFile } from '../../engine/formats/cifarImport';
import type { DatasetInfo, DatasetProgress } from '../../protocol/commands/data';
import { StudioError } from '../../protocol/errors';
import { cleanOrphanChunksOnce, withImportLock } from './datasetCleanup';
import { DatasetWriter } from './datasetWriter';

export async function importIntoStorage(
  files: readonly ImportFile[],
  signal: AbortSignal,
  progress: (p: DatasetProgress) => void,
): Promise<DatasetInfo> {
  await cleanOrphanChunksOnce();
  return withImportLock(async () => {
    let writer: DatasetWriter | null = null;
    let bytes = 0;
    let totalBytes: number | null = null;
    const report = (): void => {
      progress({ stage: 'reading', bytes, totalBytes, records: writer?.records ?? 0 });
    };
    try {
      for await (const event of importCifar(files, { signal })) {
        switch (event.type) {
          case 'progress':
            bytes = event.bytesRead;
            totalBytes = event.totalBytes;
            report();
            break;
          case 'records':
            writer ??= new DatasetWriter(event.chunk.kind);
            await writer.add(event.chunk);
            report();
            break;
          case 'done': {
            const { summary } = event;
            if (signal.aborted) throw new StudioError('CANCELLED', 'Import cancelled.');
            if (writer === null || writer.kind !== summary.kind) {
              throw new StudioError('INTERNAL', 'The importer finished without records of its dataset.');
            }
            progress({ stage: 'committing', records: writer.records });
            const info = await writer.commit({
              name: CIFAR_FORMATS[summary.kind].title,
              classNames: summary.classNames,
              ...(summary.coarseClassNames ? { coarseClassNames: summary.coarseClassNames } : {}),
              sources: summary.files,
              warnings: summary.warnings,
            });
            writer = null;
            return info;
          }
        }
      }
      throw new StudioError('INTERNAL', 'The importer stopped without finishing.');
    } finally {
      await writer?.discard();
    }
  });
}
