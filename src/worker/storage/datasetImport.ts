// Runs in the worker. Streams picked files (or a download) through the CIFAR or the IDX importer
// straight into storage: each record chunk is written as it is parsed, and the dataset is committed
// only after the importer's final `done`. Any failure or cancel discards the partial chunks, so the
// dataset stored before stays as it was. Files named like MNIST's (`*-idx3-ubyte`, `*-idx1-ubyte`,
// .gz or not) go to the IDX importer, everything else to CIFAR's.

import { CIFAR_FORMATS } from '../../engine/formats/cifarLayout';
import { importCifar, type ImportFile } from '../../engine/formats/cifarImport';
import { importIdx } from '../../engine/formats/idxImport';
import { looksLikeIdxName } from '../../engine/formats/idx';
import {
  MAX_DATASET_NAME,
  idxDatasetId,
  type DatasetInfo,
  type DatasetProgress,
} from '../../protocol/commands/data';
import { StudioError } from '../../protocol/errors';
import { cleanOrphanChunksOnce, withImportLock } from './datasetCleanup';
import { DatasetWriter } from './datasetWriter';

export async function importIntoStorage(
  files: readonly ImportFile[],
  signal: AbortSignal,
  progress: (p: DatasetProgress) => void,
  name?: string,
): Promise<DatasetInfo> {
  if (files.some((f) => looksLikeIdxName(f.name))) return importIdxIntoStorage(files, signal, progress, name);
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

/** The four MNIST-family files as one dataset named `name` (or the importer's suggestion). */
async function importIdxIntoStorage(
  files: readonly ImportFile[],
  signal: AbortSignal,
  progress: (p: DatasetProgress) => void,
  name: string | undefined,
): Promise<DatasetInfo> {
  const given = name?.trim() ?? '';
  if (given.length > MAX_DATASET_NAME) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `Give the dataset a name of at most ${MAX_DATASET_NAME} characters.`,
    );
  }
  await cleanOrphanChunksOnce();
  return withImportLock(async () => {
    const writer = new DatasetWriter('idx', 'measured');
    let bytes = 0;
    let totalBytes: number | null = null;
    const report = (): void => {
      progress({ stage: 'reading', bytes, totalBytes, records: writer.records });
    };
    try {
      for await (const event of importIdx(files, { signal })) {
        switch (event.type) {
          case 'progress':
            bytes = event.bytesRead;
            totalBytes = event.totalBytes;
            report();
            break;
          case 'records':
            await writer.add(event.chunk);
            report();
            break;
          case 'done': {
            const { summary } = event;
            if (signal.aborted) throw new StudioError('CANCELLED', 'Import cancelled.');
            progress({ stage: 'committing', records: writer.records });
            const title = given === '' ? summary.suggestedName : given;
            const { rows, cols } = summary.imageSize;
            return await writer.commit(
              {
                name: title,
                classNames: summary.classNames,
                sources: summary.files,
                warnings: [
                  `${rows}×${cols} gray images, centred on 32×32 and copied to three channels.`,
                  ...summary.warnings,
                ],
              },
              idxDatasetId(title),
            );
          }
        }
      }
      throw new StudioError('INTERNAL', 'The importer stopped without finishing.');
    } finally {
      await writer.discard();
    }
  });
}
