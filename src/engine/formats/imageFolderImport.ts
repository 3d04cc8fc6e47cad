// Imports an image folder (imageFolder.ts's layout) as record chunks: each image is read, sized from
// its header (imageHeader.ts: one over MAX_IMAGE_PIXELS never reaches a decoder), decoded by the
// caller's decoder (the worker's createImageBitmap, or the CLI's PNG reader) and brought to a
// 32×32×3 record (imageRecord.ts), one chunk at a time, so memory holds one chunk and one image.
// Files that do not decode are skipped and listed. The caller stores the chunks and commits only
// after `done`. Runs in the worker and in Node: no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';
import { rgbaToRecord } from '../data/imageRecord';
import { throwIfAborted } from './cifarImport';
import { DEFAULT_CHUNK_RECORDS } from './cifarRecords';
import { imageFolderLayout, type ImageFolderLayout, type LayoutOptions } from './imageFolder';
import { HEADER_FORMATS, readImageHeader } from './imageHeader';
import { readZipDirectory, readZipEntry, type RandomAccessFile } from './zip';

/** One file of the folder: its path relative to the folder (or the archive) and its bytes on demand. */
export interface FolderFile {
  path: string;
  /** Folders (a zip lists them) have no bytes. */
  folder?: boolean;
  /** Its size in bytes, when known before reading (a file on disk, a zip member as declared). */
  size?: number;
  read(): Promise<Uint8Array>;
}

export interface DecodedImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major RGBA, not premultiplied. */
  rgba: Uint8Array | Uint8ClampedArray;
}

/** Decodes one image file; throws (any error) when the bytes are not an image it can read. */
export type ImageDecoder = (bytes: Uint8Array, path: string) => Promise<DecodedImage>;

/** One image file is at most this large (a 4K PNG is about 25 MB). */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;
/**
 * Images above this many pixels, by their header, are skipped before decoding (a 16,384² image
 * would take 1 GiB as RGBA).
 */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

export interface ImageFolderChunk {
  split: 'train' | 'test';
  images: Uint8Array;
  labels: Uint8Array;
}

export interface ImageFolderSummary {
  classNames: string[];
  counts: Record<'train' | 'test', number>;
  split: ImageFolderLayout['split'];
  /** Files not stored: not images by name, or undecodable, with the reason. */
  skipped: { path: string; reason: string }[];
  /** Sizes seen, e.g. "28×28 (60,000), 500×375 (3)", most common first; at most five listed. */
  sizes: string;
}

export type ImageFolderEvent =
  | { type: 'progress'; images: number; totalImages: number }
  | { type: 'records'; chunk: ImageFolderChunk }
  | { type: 'done'; summary: ImageFolderSummary };

export interface ImageFolderImportOptions extends LayoutOptions {
  signal?: AbortSignal;
  chunkRecords?: number;
}

function tooManyPixels(width: number, height: number): string {
  return `${width}×${height} pixels, more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} read`;
}

/** The members of a .zip as folder files, read one at a time from the archive. */
export async function zipFolderFiles(file: RandomAccessFile): Promise<FolderFile[]> {
  const entries = await readZipDirectory(file);
  return entries.map((entry) => ({
    path: entry.path,
    folder: entry.path.endsWith('/'),
    size: entry.size,
    read: () => readZipEntry(file, entry, MAX_IMAGE_FILE_BYTES),
  }));
}

/**
 * Streams the folder's images into record chunks. Throws BAD_DATASET for a layout the studio cannot
 * read (imageFolder.ts), a split left with no decodable images, or a class left with no training
 * images; CANCELLED when `signal` aborts. A corrupt archive member is BAD_DATASET too: an archive
 * that fails its CRC is not silently thinned out.
 */
export async function* importImageFolder(
  files: readonly FolderFile[],
  decode: ImageDecoder,
  options: ImageFolderImportOptions = {},
): AsyncGenerator<ImageFolderEvent, void, undefined> {
  const { signal } = options;
  const chunkRecords = options.chunkRecords ?? DEFAULT_CHUNK_RECORDS;
  const byPath = new Map(files.map((f) => [f.path + (f.folder && !f.path.endsWith('/') ? '/' : ''), f]));
  const layout = imageFolderLayout([...byPath.keys()], options);
  const skipped = layout.skipped.map((path) => ({ path, reason: 'not an image file' }));
  const totalImages = layout.train.length + layout.test.length;
  const sizes = new Map<string, number>();
  const counts = { train: 0, test: 0 };
  const trainPerClass = new Array<number>(layout.classNames.length).fill(0);
  let done = 0;
  yield { type: 'progress', images: 0, totalImages };

  for (const split of ['train', 'test'] as const) {
    const list = layout[split];
    let images = new Uint8Array(Math.min(chunkRecords, list.length) * 3072);
    let labels = new Uint8Array(Math.min(chunkRecords, list.length));
    let n = 0;
    for (const { path, label } of list) {
      throwIfAborted(signal);
      const file = byPath.get(path) as FolderFile;
      // Before reading: an oversized file costs no memory.
      if (file.size !== undefined && file.size > MAX_IMAGE_FILE_BYTES) {
        throw new StudioError(
          'BAD_DATASET',
          `${path} is ${file.size.toLocaleString('en-US')} bytes, more than the ${MAX_IMAGE_FILE_BYTES / 2 ** 20} MiB an image file may be.`,
        );
      }
      const bytes = await file.read();
      // Before decoding: a decoder spends the decoded size (4 bytes a pixel, the tab's canvas once
      // more) before it says how large the image is, so the header's size decides.
      const header = readImageHeader(bytes);
      let image: DecodedImage | null = null;
      if (header === null) {
        skipped.push({ path, reason: `not a ${HEADER_FORMATS} image with a readable size` });
      } else if (header.width * header.height > MAX_IMAGE_PIXELS) {
        skipped.push({ path, reason: tooManyPixels(header.width, header.height) });
      } else {
        try {
          image = await decode(bytes, path);
        } catch (error) {
          skipped.push({
            path,
            reason: error instanceof StudioError ? error.message : 'not an image the decoder reads',
          });
        }
      }
      done++;
      if (image) {
        // A decoder that made more pixels than the header declared is not trusted with the record.
        if (image.width * image.height > MAX_IMAGE_PIXELS) {
          skipped.push({
            path,
            reason: tooManyPixels(image.width, image.height),
          });
        } else {
          rgbaToRecord(image.rgba, image.width, image.height, images, n * 3072);
          labels[n] = label;
          n++;
          const size = `${image.width}×${image.height}`;
          sizes.set(size, (sizes.get(size) ?? 0) + 1);
          counts[split]++;
          if (split === 'train') trainPerClass[label] = (trainPerClass[label] ?? 0) + 1;
        }
      }
      if (n === labels.length) {
        yield { type: 'records', chunk: { split, images, labels } };
        images = new Uint8Array(images.length);
        labels = new Uint8Array(labels.length);
        n = 0;
      }
      if (done % 256 === 0) yield { type: 'progress', images: done, totalImages };
    }
    if (n > 0)
      yield {
        type: 'records',
        chunk: { split, images: images.slice(0, n * 3072), labels: labels.slice(0, n) },
      };
    if (counts[split] === 0) {
      throw new StudioError(
        'BAD_DATASET',
        `No image of the ${split} split could be decoded (${skipped.length} files skipped).`,
      );
    }
  }
  const empty = layout.classNames.filter((_, c) => trainPerClass[c] === 0);
  if (empty.length > 0) {
    throw new StudioError(
      'BAD_DATASET',
      `No training image of class ${empty.map((c) => `“${c}”`).join(', ')} could be decoded.`,
    );
  }
  yield { type: 'progress', images: done, totalImages };
  const listed = [...sizes.entries()].sort((a, b) => b[1] - a[1]);
  yield {
    type: 'done',
    summary: {
      classNames: layout.classNames,
      counts,
      split: layout.split,
      skipped,
      sizes:
        listed
          .slice(0, 5)
          .map(([size, count]) => `${size} (${count.toLocaleString('en-US')})`)
          .join(', ') + (listed.length > 5 ? `, and ${listed.length - 5} more sizes` : ''),
    },
  };
}
