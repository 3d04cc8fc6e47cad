// The evaluation data of `eval`: one split in memory, of CIFAR-10 or CIFAR-100 from a record file
// (`*.bin`, any name) or an official tarball (streamed through the studio's importer, keeping only
// the split asked for), or of an MNIST-family dataset from its IDX files (a folder, see idxData.ts).
// Which dataset a record file holds comes from --format, else its official name, else its size
// (3073-byte records are CIFAR-10, 3074-byte ones CIFAR-100). Runs in Node.

import { openAsBlob, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { CIFAR_FORMATS, classifyMember, type CifarKind, type Split } from '../engine/formats/cifarLayout';
import { importCifar } from '../engine/formats/cifarImport';
import { checkRecordFileSize, decodeRecords } from '../engine/formats/cifarRecords';
import { isGzip } from '../engine/formats/gzip';
import { isTarHeader } from '../engine/formats/tarStream';
import { concatLabeledImages } from '../engine/data/labeledImages';
import type { ImageSplit } from '../engine/train/trainingData';
import { StudioError } from '../protocol/errors';
import { badArgument } from './args';
import { checkInput, readInput } from './files';
import { isIdxPath, loadIdxData } from './idxData';

export interface EvalData {
  kind: CifarKind | 'idx';
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

/** Reads `file` for evaluation; `split` only applies to tarballs (default: test). */
export async function loadEvalData(
  file: string,
  options: { format?: CifarKind | undefined; split?: Split | undefined },
): Promise<EvalData> {
  if (isIdxPath(file)) return loadIdx(file, options);
  const size = checkInput(file, 'data file');
  const head = readHead(file, 512);
  if (isGzip(head) || isTarHeader(head))
    return loadArchive(file, size, options.format, options.split ?? 'test');
  if (options.split !== undefined) {
    throw badArgument(`--split applies to tarballs; ${path.basename(file)} is a record file, i.e. one split`);
  }
  const kind = recordKind(file, size, options.format);
  const name = path.basename(file);
  const chunk = decodeRecords(CIFAR_FORMATS[kind], readInput(file, 'data file'), 'test', name);
  return {
    kind,
    ...titled(kind),
    split: { images: chunk.images, labels: chunk.labels, count: chunk.labels.length },
    source: 'records',
  };
}

function titled(kind: CifarKind): { title: string; numClasses: number } {
  return { title: CIFAR_FORMATS[kind].title, numClasses: CIFAR_FORMATS[kind].classes };
}

async function loadIdx(
  file: string,
  options: { format?: CifarKind | undefined; split?: Split | undefined },
): Promise<EvalData> {
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
): Promise<EvalData> {
  const blob = await openAsBlob(file);
  const chunks = [];
  let kind: CifarKind | null = null;
  // Streams the whole archive (the importer checks every member) but keeps only `split`.
  for await (const event of importCifar([{ name: path.basename(file), size, stream: () => blob.stream() }])) {
    if (event.type === 'records' && event.chunk.split === split) chunks.push(event.chunk);
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
  return {
    kind,
    ...titled(kind),
    split: { images, labels, count: labels.length },
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
