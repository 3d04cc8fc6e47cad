// The evaluation data of `eval`: one split in memory, of CIFAR-10 or CIFAR-100 from a record file
// (`*.bin`, any name) or an official tarball (streamed through the studio's importer, keeping only
// the split asked for), or of an MNIST-family dataset from its IDX files (a folder, see idxData.ts).
// Which dataset a record file holds comes from --format, else its official name, else its size
// (3073-byte records are CIFAR-10, 3074-byte ones CIFAR-100).
// Memory stays near the images evaluated: a record file is read a chunk at a time and only up to
// --limit; a tarball streams and stops once --limit records of the split have arrived; either way a
// split beyond what the official datasets hold is refused before it is read. Runs in Node.

import { openAsBlob, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import {
  CIFAR_FORMATS,
  classifyMember,
  IMAGE_BYTES,
  MAX_SPLIT_RECORDS,
  tooManyRecords,
  type CifarKind,
  type Split,
} from '../engine/formats/cifarLayout';
import { importCifar } from '../engine/formats/cifarImport';
import {
  checkRecordFileSize,
  decodeRecords,
  DEFAULT_CHUNK_RECORDS,
  type RecordChunk,
} from '../engine/formats/cifarRecords';
import { isGzip } from '../engine/formats/gzip';
import { isTarHeader } from '../engine/formats/tarStream';
import { concatLabeledImages } from '../engine/data/labeledImages';
import type { ImageSplit } from '../engine/train/trainingData';
import { StudioError } from '../protocol/errors';
import { badArgument } from './args';
import { checkInput } from './files';
import { isIdxPath, loadIdxData } from './idxData';
import { isImageFolderPath, loadImageFolderData } from './imageFolderData';

export interface EvalData {
  kind: CifarKind | 'idx' | 'folder';
  /** "CIFAR-10", "Fashion-MNIST", …: the dataset as messages name it. */
  title: string;
  numClasses: number;
  split: ImageSplit;
  /** 'records' for a .bin file (one split as it is), 'archive' for a tarball. */
  source: 'records' | 'archive';
  /** The archive's split that was read; absent for a record file. */
  splitName?: Split;
}

export function parseFormat(text: string | undefined): CifarKind | undefined {
  if (text === undefined) return undefined;
  if (text === 'cifar10' || text === 'cifar100') return text;
  throw badArgument(`--format must be cifar10 or cifar100, not "${text}"`);
}

export interface EvalDataOptions {
  format?: CifarKind | undefined;
  /** Tarballs only (default: test). */
  split?: Split | undefined;
  /** Read only the first `limit` images (0 or absent: all). */
  limit?: number | undefined;
}

/** Reads `file` for evaluation. */
export async function loadEvalData(file: string, options: EvalDataOptions): Promise<EvalData> {
  if (isImageFolderPath(file)) return loadFolder(file, options);
  if (isIdxPath(file)) return loadIdx(file, options);
  const size = checkInput(file, 'data file');
  const limit = options.limit ?? 0;
  const head = readHead(file, 512);
  if (isGzip(head) || isTarHeader(head))
    return loadArchive(file, size, options.format, options.split ?? 'test', limit);
  if (options.split !== undefined) {
    throw badArgument(`--split applies to tarballs; ${path.basename(file)} is a record file, i.e. one split`);
  }
  const kind = recordKind(file, size, options.format);
  return { kind, ...titled(kind), split: readRecordFile(file, kind, size, limit), source: 'records' };
}

/**
 * The first `limit` records of a record file (all when 0), read a chunk at a time into arrays of
 * exactly that size. A file named as a split is capped at that split's size, any other at the
 * largest split's.
 */
function readRecordFile(file: string, kind: CifarKind, size: number, limit: number): ImageSplit {
  const format = CIFAR_FORMATS[kind];
  const name = path.basename(file);
  const role = classifyMember(name);
  const split = role.role === 'records' ? role.split : 'train';
  const total = size / format.recordBytes;
  if (total > MAX_SPLIT_RECORDS[split]) throw tooManyRecords(kind, split, name, total);
  const n = limit > 0 ? Math.min(limit, total) : total;
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint8Array(n);
  const buffer = new Uint8Array(Math.min(n, DEFAULT_CHUNK_RECORDS) * format.recordBytes);
  const fd = openSync(file, 'r');
  try {
    for (let done = 0; done < n;) {
      const k = Math.min(DEFAULT_CHUNK_RECORDS, n - done);
      const bytes = buffer.subarray(0, k * format.recordBytes);
      readFully(fd, bytes, done * format.recordBytes, name);
      const chunk = decodeRecords(format, bytes, 'test', name, done);
      images.set(chunk.images, done * IMAGE_BYTES);
      labels.set(chunk.labels, done);
      done += k;
    }
  } finally {
    closeSync(fd);
  }
  return { images, labels, count: n };
}

function readFully(fd: number, into: Uint8Array, position: number, name: string): void {
  for (let got = 0; got < into.length;) {
    const n = readSync(fd, into, got, into.length - got, position + got);
    if (n === 0) throw new StudioError('BAD_DATASET', `${name} got shorter while it was read.`, false);
    got += n;
  }
}

function titled(kind: CifarKind): { title: string; numClasses: number } {
  return { title: CIFAR_FORMATS[kind].title, numClasses: CIFAR_FORMATS[kind].classes };
}

async function loadIdx(file: string, options: EvalDataOptions): Promise<EvalData> {
  if (options.format !== undefined) {
    throw badArgument(
      `--format applies to CIFAR record files; ${path.basename(file)} is MNIST-family (IDX) data`,
    );
  }
  const split = options.split ?? 'test';
  const data = await loadIdxData(file);
  const { images, labels } = data.splits[split];
  return {
    kind: 'idx',
    title: data.summary.suggestedName,
    numClasses: data.summary.classNames.length,
    split: { images, labels, count: labels.length },
    source: 'archive',
    splitName: split,
  };
}

async function loadFolder(file: string, options: EvalDataOptions): Promise<EvalData> {
  if (options.format !== undefined) {
    throw badArgument(`--format applies to CIFAR record files; ${path.basename(file)} is an image folder`);
  }
  if (file.toLowerCase().endsWith('.zip')) checkInput(file, 'data file');
  const split = options.split ?? 'test';
  const { summary, split: images } = await loadImageFolderData(file, split);
  return {
    kind: 'folder',
    title: path.basename(file).replace(/\.zip$/i, ''),
    numClasses: summary.classNames.length,
    split: { images: images.images, labels: images.labels, count: images.labels.length },
    source: 'archive',
    splitName: split,
  };
}

function recordKind(file: string, size: number, format: CifarKind | undefined): CifarKind {
  const name = path.basename(file);
  const role = classifyMember(name);
  const kind = format ?? (role.role === 'records' ? role.kind : kindFromSize(name, size));
  checkRecordFileSize(CIFAR_FORMATS[kind], name, size);
  return kind;
}

function kindFromSize(name: string, size: number): CifarKind {
  const fits = (['cifar10', 'cifar100'] as const).filter(
    (k) => size > 0 && size % CIFAR_FORMATS[k].recordBytes === 0,
  );
  if (fits.length === 1 && fits[0] !== undefined) return fits[0];
  if (fits.length === 2) {
    throw badArgument(
      `${name} divides into both CIFAR-10 and CIFAR-100 records; say which with --format cifar10|cifar100`,
    );
  }
  throw new StudioError(
    'BAD_DATASET',
    `${name} holds ${size} bytes, not a whole number of CIFAR-10 (3073-byte) or CIFAR-100 (3074-byte) records.`,
    false,
  );
}

async function loadArchive(
  file: string,
  size: number,
  format: CifarKind | undefined,
  split: Split,
  limit: number,
): Promise<EvalData> {
  const blob = await openAsBlob(file);
  const chunks: RecordChunk[] = [];
  let kind: CifarKind | null = null;
  let count = 0;
  // Keeps only `split`. Without a limit the whole archive streams (the importer checks every
  // member); with one, reading stops once enough records are in, in chunks no bigger than needed.
  const chunkRecords = limit > 0 ? Math.min(limit, DEFAULT_CHUNK_RECORDS) : DEFAULT_CHUNK_RECORDS;
  const files = [{ name: path.basename(file), size, stream: () => blob.stream() }];
  for await (const event of importCifar(files, { chunkRecords })) {
    if (event.type === 'records' && event.chunk.split === split) {
      chunks.push(event.chunk);
      kind = event.chunk.kind;
      count += event.chunk.labels.length;
      if (limit > 0 && count >= limit) break;
    }
    if (event.type === 'done') kind = event.summary.kind;
  }
  if (kind === null) throw new StudioError('INTERNAL', 'The CIFAR import ended without a summary.');
  if (format !== undefined && format !== kind) {
    throw new StudioError(
      'BAD_DATASET',
      `${path.basename(file)} is ${CIFAR_FORMATS[kind].title}, not ${CIFAR_FORMATS[format].title} as --format says.`,
      false,
    );
  }
  const { images, labels } = concatLabeledImages(chunks);
  const n = limit > 0 ? Math.min(limit, labels.length) : labels.length;
  return {
    kind,
    ...titled(kind),
    split: { images: images.subarray(0, n * IMAGE_BYTES), labels: labels.subarray(0, n), count: n },
    source: 'archive',
    splitName: split,
  };
}

function readHead(file: string, n: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const head = new Uint8Array(n);
    const got = readSync(fd, head, 0, n, 0);
    return head.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
