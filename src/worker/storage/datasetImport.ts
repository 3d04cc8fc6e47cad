// Runs in the worker. Streams picked files (or a download) through the CIFAR, the IDX or the
// image-folder importer straight into storage: each record chunk is written as it is parsed, and
// the dataset is committed only after the importer's final `done`. Any failure or cancel discards
// the partial chunks, so the dataset stored before stays as it was. Files named like MNIST's
// (`*-idx3-ubyte`, `*-idx1-ubyte`, .gz or not) go to the IDX importer; one `.zip`, or files that
// come with their folder paths, to the image-folder importer; everything else to CIFAR's.

import { CIFAR_FORMATS } from '../../engine/formats/cifarLayout';
import { importCifar, type ImportFile } from '../../engine/formats/cifarImport';
import { importIdx } from '../../engine/formats/idxImport';
import { looksLikeIdxName } from '../../engine/formats/idx';
import {
  importImageFolder,
  zipFolderFiles,
  type DecodedImage,
  type FolderFile,
} from '../../engine/formats/imageFolderImport';
import {
  MAX_DATASET_NAME,
  namedDatasetId,
  type DatasetInfo,
  type DatasetProgress,
} from '../../protocol/commands/data';
import { StudioError } from '../../protocol/errors';
import { cleanOrphanChunksOnce, withImportLock } from './datasetCleanup';
import { DatasetWriter, type IncomingChunk } from './datasetWriter';

/**
 * What the page posts: a browser File (a download is an unsliceable stream, and only ever CIFAR:
 * importDownload). Zips are read member by member through `slice`.
 */
export type PickedFile = ImportFile & { readonly size: number; slice(start: number, end: number): Blob };

/** What every importer yields, as far as storage cares. */
type ImporterEvent<Summary> =
  | { type: 'progress'; bytesRead: number; totalBytes: number | null }
  | { type: 'progress'; images: number; totalImages: number }
  | { type: 'records'; chunk: IncomingChunk & { kind?: DatasetWriter['kind'] } }
  | { type: 'done'; summary: Summary };

export async function importIntoStorage(
  files: readonly PickedFile[],
  signal: AbortSignal,
  progress: (p: DatasetProgress) => void,
  name?: string,
  paths?: readonly string[],
): Promise<DatasetInfo> {
  const given = checkedName(name);
  if (paths !== undefined || isOneZip(files)) {
    return store(
      folderEvents(files, paths, signal),
      signal,
      progress,
      () => new DatasetWriter('folder', 'measured'),
      (writer, summary) => {
        const folder = folderName(files, paths);
        const title = given === '' ? folder : given;
        return writer.commit(
          {
            name: title,
            classNames: summary.classNames,
            sources: files.length === 1 ? [files[0]?.name ?? ''] : [`${folder}/ (${files.length} files)`],
            warnings: [
              `Images brought to 32×32 (centre crop, area average, alpha over black); sizes seen: ${summary.sizes}.`,
              ...(summary.split.kind === 'seeded'
                ? [
                    `No train/ and test/ folders: ${(summary.split.testFraction * 100).toFixed(0)}% of each class was set aside for testing (seed ${summary.split.seed}).`,
                  ]
                : []),
              ...(summary.skipped.length > 0
                ? [
                    `${summary.skipped.length} files skipped: ${summary.skipped
                      .slice(0, 3)
                      .map((s) => `${s.path} (${s.reason})`)
                      .join('; ')}${summary.skipped.length > 3 ? '; …' : ''}.`,
                  ]
                : []),
            ],
          },
          namedDatasetId('folder', title),
        );
      },
    );
  }
  if (files.some((f) => looksLikeIdxName(f.name))) {
    return store(
      importIdx(files, { signal }),
      signal,
      progress,
      () => new DatasetWriter('idx', 'measured'),
      (writer, summary) => {
        const title = given === '' ? summary.suggestedName : given;
        const { rows, cols } = summary.imageSize;
        return writer.commit(
          {
            name: title,
            classNames: summary.classNames,
            sources: summary.files,
            warnings: [
              `${rows}×${cols} gray images, centred on 32×32 and copied to three channels.`,
              ...summary.warnings,
            ],
          },
          namedDatasetId('idx', title),
        );
      },
    );
  }
  return storeCifar(files, signal, progress);
}

/** A downloaded CIFAR tarball, streamed through the CIFAR importer. */
export function importDownload(
  file: ImportFile,
  signal: AbortSignal,
  progress: (p: DatasetProgress) => void,
): Promise<DatasetInfo> {
  return storeCifar([file], signal, progress);
}

function storeCifar(
  files: readonly ImportFile[],
  signal: AbortSignal,
  progress: (p: DatasetProgress) => void,
): Promise<DatasetInfo> {
  return store(
    importCifar(files, { signal }),
    signal,
    progress,
    (chunk) => new DatasetWriter(chunk.kind ?? 'cifar10'),
    (writer, summary) => {
      if (writer.kind !== summary.kind) {
        throw new StudioError('INTERNAL', 'The importer finished without records of its dataset.');
      }
      return writer.commit({
        name: CIFAR_FORMATS[summary.kind].title,
        classNames: summary.classNames,
        ...(summary.coarseClassNames ? { coarseClassNames: summary.coarseClassNames } : {}),
        sources: summary.files,
        warnings: summary.warnings,
      });
    },
  );
}

/** One loop for every importer: store chunks as they come, commit after `done`, else discard. */
async function store<Summary>(
  events: AsyncIterable<ImporterEvent<Summary>>,
  signal: AbortSignal,
  progress: (p: DatasetProgress) => void,
  newWriter: (first: IncomingChunk & { kind?: DatasetWriter['kind'] }) => DatasetWriter,
  commit: (writer: DatasetWriter, summary: Summary) => Promise<DatasetInfo>,
): Promise<DatasetInfo> {
  await cleanOrphanChunksOnce();
  return withImportLock(async () => {
    let writer: DatasetWriter | null = null;
    let last: DatasetProgress = { stage: 'reading', bytes: 0, totalBytes: null, records: 0 };
    const report = (): void => {
      last = { ...last, records: writer?.records ?? 0 };
      progress(last);
    };
    try {
      for await (const event of events) {
        switch (event.type) {
          case 'progress':
            last =
              'bytesRead' in event
                ? { stage: 'reading', bytes: event.bytesRead, totalBytes: event.totalBytes, records: 0 }
                : { stage: 'decoding', images: event.images, totalImages: event.totalImages, records: 0 };
            report();
            break;
          case 'records':
            writer ??= newWriter(event.chunk);
            await writer.add(event.chunk);
            report();
            break;
          case 'done': {
            if (signal.aborted) throw new StudioError('CANCELLED', 'Import cancelled.');
            if (writer === null) {
              throw new StudioError('INTERNAL', 'The importer finished without records of its dataset.');
            }
            progress({ stage: 'committing', records: writer.records });
            const info = await commit(writer, event.summary);
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

function checkedName(name: string | undefined): string {
  const given = name?.trim() ?? '';
  if (given.length > MAX_DATASET_NAME) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `Give the dataset a name of at most ${MAX_DATASET_NAME} characters.`,
    );
  }
  return given;
}

function isOneZip(files: readonly PickedFile[]): boolean {
  return files.length === 1 && (files[0]?.name.toLowerCase().endsWith('.zip') ?? false);
}

/** The picked folder's name (the first part of every path), or the archive's name without .zip. */
function folderName(files: readonly PickedFile[], paths: readonly string[] | undefined): string {
  const first = paths?.[0];
  if (first !== undefined && first.includes('/')) return first.slice(0, first.indexOf('/'));
  return (files[0]?.name ?? 'Image folder').replace(/\.zip$/i, '');
}

async function* folderEvents(
  files: readonly PickedFile[],
  paths: readonly string[] | undefined,
  signal: AbortSignal,
) {
  let folder: FolderFile[];
  if (paths === undefined) {
    const zip = files[0];
    if (zip === undefined) throw new StudioError('BAD_ARGUMENT', 'Pick a file to import.');
    folder = await zipFolderFiles({
      name: zip.name,
      size: zip.size,
      read: async (offset, length) => new Uint8Array(await zip.slice(offset, offset + length).arrayBuffer()),
    });
  } else {
    if (paths.length !== files.length) {
      throw new StudioError('BAD_ARGUMENT', `${files.length} files came with ${paths.length} paths.`);
    }
    folder = files.map((file, i) => ({
      path: paths[i] ?? file.name,
      size: file.size,
      read: async () => new Uint8Array(await file.slice(0, file.size).arrayBuffer()),
    }));
  }
  yield* importImageFolder(folder, decodeImage, { signal });
}

/** The browser's own decoder (PNG, JPEG, WebP, BMP, GIF), without colour conversion. */
async function decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new StudioError('INTERNAL', 'No 2D canvas in this worker to decode images with.');
    context.drawImage(bitmap, 0, 0);
    return {
      width: bitmap.width,
      height: bitmap.height,
      rgba: context.getImageData(0, 0, bitmap.width, bitmap.height).data,
    };
  } finally {
    bitmap.close();
  }
}
