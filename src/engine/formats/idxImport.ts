// Imports an MNIST-family dataset from its four IDX files (train/t10k × images/labels, gzipped or
// not), streaming: each images file is cut into CIFAR-record chunks (32×32×3, see idx.ts) as it is
// decompressed, so memory holds one chunk and one split's labels. A file is never decompressed past
// the size its header states (a gzip bomb stops there). The caller stores the chunks and commits
// only after `done`. Runs in the worker and in Node: no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';
import { crc32 } from '../data/checksum';
import { peek, readStream, throwIfAborted, type ImportFile } from './cifarImport';
import { DEFAULT_CHUNK_RECORDS } from './cifarRecords';
import { gunzip, isGzip } from './gzip';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_LABEL_CRC32,
  IDX_IMAGES_HEADER_BYTES,
  IDX_LABELS_HEADER_BYTES,
  idxRole,
  idxToRecords,
  parseIdxHeader,
  type IdxContent,
  type IdxSplit,
} from './idx';

export interface IdxImportSummary {
  classNames: string[];
  /** True when the label files are the official Fashion-MNIST ones (their CRC-32s). */
  fashionMnist: boolean;
  /** "Fashion-MNIST", else "MNIST-family (IDX)": the name the dataset gets unless the user gives one. */
  suggestedName: string;
  counts: Record<IdxSplit, number>;
  /** Image side as stored in the files (e.g. 28×28). */
  imageSize: { rows: number; cols: number };
  files: string[];
  warnings: string[];
}

export interface IdxChunk {
  split: IdxSplit;
  source: string;
  /** n × 3072 bytes, CIFAR records. */
  images: Uint8Array;
  labels: Uint8Array;
}

export type IdxImportEvent =
  | { type: 'progress'; bytesRead: number; totalBytes: number | null }
  | { type: 'records'; chunk: IdxChunk }
  | { type: 'done'; summary: IdxImportSummary };

export interface IdxImportOptions {
  signal?: AbortSignal;
  chunkRecords?: number;
}

const ROLES: readonly { split: IdxSplit; content: IdxContent; official: string }[] = [
  { split: 'train', content: 'labels', official: 'train-labels-idx1-ubyte' },
  { split: 'train', content: 'images', official: 'train-images-idx3-ubyte' },
  { split: 'test', content: 'labels', official: 't10k-labels-idx1-ubyte' },
  { split: 'test', content: 'images', official: 't10k-images-idx3-ubyte' },
];

/**
 * Streams the four IDX files into record chunks. Throws StudioError BAD_DATASET (a file missing,
 * named unlike the official ones or given twice, a wrong magic number or dimensions, a label count
 * that differs from its image count, bytes beyond or short of the header's size, fewer than two
 * classes), BAD_TARBALL (corrupt gzip), CANCELLED.
 */
export async function* importIdx(
  files: readonly ImportFile[],
  options: IdxImportOptions = {},
): AsyncGenerator<IdxImportEvent, void, undefined> {
  const { signal } = options;
  const chunkRecords = options.chunkRecords ?? DEFAULT_CHUNK_RECORDS;
  const byRole = assignRoles(files);
  const totalBytes = files.every((f) => f.size !== undefined)
    ? files.reduce((sum, f) => sum + (f.size ?? 0), 0)
    : null;
  let bytesRead = 0;
  const onBytes = (n: number): void => {
    bytesRead += n;
  };
  const progress = (): IdxImportEvent => ({ type: 'progress', bytesRead, totalBytes });

  yield progress();
  const counts: Record<IdxSplit, number> = { train: 0, test: 0 };
  const labelCrc: Record<IdxSplit, number> = { train: 0, test: 0 };
  let maxLabel = 0;
  let imageSize: { rows: number; cols: number } | null = null;
  const seen = new Map<number, number>();

  for (const split of ['train', 'test'] as const) {
    const labelFile = byRole.get(`${split}/labels`) as ImportFile;
    const imageFile = byRole.get(`${split}/images`) as ImportFile;
    const labels = await readLabels(labelFile, signal, onBytes);
    labelCrc[split] = labels.crc;
    for (const label of labels.values) {
      if (label > maxLabel) maxLabel = label;
      if (split === 'train') seen.set(label, (seen.get(label) ?? 0) + 1);
    }
    const images = new BytesIn(await decompressed(imageFile, signal, onBytes));
    try {
      const imgName = baseName(imageFile.name);
      const header = parseIdxHeader(await images.read(IDX_IMAGES_HEADER_BYTES), imgName, 'images');
      if (header.count !== labels.values.length) {
        throw new StudioError(
          'BAD_DATASET',
          `${baseName(labelFile.name)} holds ${labels.values.length} labels but ${imgName} holds ${header.count} images: ` +
            `they must be the two files of one split.`,
        );
      }
      if (imageSize && (imageSize.rows !== header.rows || imageSize.cols !== header.cols)) {
        throw new StudioError(
          'BAD_DATASET',
          `${imgName} holds ${header.rows}×${header.cols} images but the training images are ${imageSize.rows}×${imageSize.cols}.`,
        );
      }
      imageSize = { rows: header.rows, cols: header.cols };
      const size = header.rows * header.cols;
      for (let at = 0; at < header.count; at += chunkRecords) {
        const n = Math.min(chunkRecords, header.count - at);
        const pixels = await images.read(n * size);
        throwIfAborted(signal);
        if (pixels.length < n * size) {
          const whole = at + Math.floor(pixels.length / size);
          throw new StudioError(
            'BAD_DATASET',
            `${imgName} ends after ${whole} of the ${header.count} images its header announces: the file is truncated. Download it again.`,
          );
        }
        yield {
          type: 'records',
          chunk: {
            split,
            source: imgName,
            images: idxToRecords(pixels, n, header.rows, header.cols),
            labels: labels.values.slice(at, at + n),
          },
        };
        yield progress();
      }
      if (!(await images.atEnd())) throw tooLong(imgName, `${header.count} images`);
    } finally {
      await images.close();
    }
    counts[split] = labels.values.length;
  }
  throwIfAborted(signal);

  const numClasses = maxLabel + 1;
  if (numClasses < 2) {
    throw new StudioError(
      'BAD_DATASET',
      'Every label in these files is 0: a dataset needs at least two classes.',
    );
  }
  const fashionMnist =
    numClasses === FASHION_MNIST_CLASSES.length &&
    labelCrc.train === FASHION_MNIST_LABEL_CRC32.train &&
    labelCrc.test === FASHION_MNIST_LABEL_CRC32.test;
  const warnings: string[] = [];
  const missing = Array.from({ length: numClasses }, (_, c) => c).filter((c) => !seen.has(c));
  if (missing.length > 0) {
    warnings.push(`No training images of class ${missing.join(', ')} (labels run from 0 to ${maxLabel}).`);
  }
  yield progress();
  yield {
    type: 'done',
    summary: {
      classNames: fashionMnist
        ? [...FASHION_MNIST_CLASSES]
        : Array.from({ length: numClasses }, (_, c) => String(c)),
      fashionMnist,
      suggestedName: fashionMnist ? 'Fashion-MNIST' : 'MNIST-family (IDX)',
      counts,
      imageSize: imageSize ?? { rows: 0, cols: 0 },
      files: ROLES.map((r) => baseName((byRole.get(`${r.split}/${r.content}`) as ImportFile).name)),
      warnings,
    },
  };
}

/** The four files by role; BAD_DATASET naming what is missing, doubled or unrecognised. */
function assignRoles(files: readonly ImportFile[]): Map<string, ImportFile> {
  const byRole = new Map<string, ImportFile>();
  for (const file of files) {
    const name = baseName(file.name);
    const role = idxRole(name);
    if (!role) {
      throw new StudioError(
        'BAD_DATASET',
        `${name} is not named like an MNIST-family file: pick the four files train-images-idx3-ubyte, ` +
          `train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (.gz or not) together.`,
      );
    }
    const key = `${role.split}/${role.content}`;
    const other = byRole.get(key);
    if (other) {
      throw new StudioError(
        'BAD_DATASET',
        `${baseName(other.name)} and ${name} both hold the ${role.split} ${role.content}: pick one of them.`,
      );
    }
    byRole.set(key, file);
  }
  const absent = ROLES.filter((r) => !byRole.has(`${r.split}/${r.content}`)).map((r) => r.official);
  if (absent.length > 0) {
    throw new StudioError(
      'BAD_DATASET',
      `An MNIST-family dataset is four files; missing: ${absent.join(', ')} (.gz or not). Pick all four together.`,
    );
  }
  return byRole;
}

async function readLabels(
  file: ImportFile,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<{ values: Uint8Array; crc: number }> {
  const name = baseName(file.name);
  const input = new BytesIn(await decompressed(file, signal, onBytes));
  try {
    const head = await input.read(IDX_LABELS_HEADER_BYTES);
    const header = parseIdxHeader(head, name, 'labels');
    const values = await input.read(header.count);
    if (values.length < header.count) {
      throw new StudioError(
        'BAD_DATASET',
        `${name} ends after ${values.length} of the ${header.count} labels its header announces: the file is truncated.`,
      );
    }
    if (!(await input.atEnd())) throw tooLong(name, `${header.count} labels`);
    return { values, crc: crc32(values, crc32(head)) };
  } finally {
    await input.close();
  }
}

/** The file's bytes, gunzipped when they start with the gzip magic number. */
async function decompressed(
  file: ImportFile,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<AsyncIterable<Uint8Array>> {
  const name = baseName(file.name);
  const head = await peek(readStream(file.stream(), signal, onBytes), 2);
  if (head.bytes.length === 0) throw new StudioError('BAD_DATASET', `${name} is empty.`);
  return isGzip(head.bytes) ? gunzip(head.stream, name) : head.stream;
}

function tooLong(name: string, what: string): StudioError {
  return new StudioError(
    'BAD_DATASET',
    `${name} holds more bytes than the ${what} its header announces: it is not an IDX file as MNIST's are.`,
  );
}

/** Exact-length reads from a byte stream; reads never pull more than one chunk past what is asked. */
class BytesIn {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private rest: Uint8Array = new Uint8Array(0);
  private done = false;

  constructor(input: AsyncIterable<Uint8Array>) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  /** `n` bytes, or fewer when the stream ends first. */
  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.rest.length === 0) {
        if (this.done) break;
        const next = await this.iterator.next();
        if (next.done === true) {
          this.done = true;
          break;
        }
        this.rest = next.value;
      }
      const take = Math.min(n - filled, this.rest.length);
      out.set(this.rest.subarray(0, take), filled);
      this.rest = this.rest.subarray(take);
      filled += take;
    }
    return filled === n ? out : out.subarray(0, filled);
  }

  /** True when no byte is left (pulls at most one more chunk to tell). */
  async atEnd(): Promise<boolean> {
    while (this.rest.length === 0 && !this.done) {
      const next = await this.iterator.next();
      if (next.done === true) this.done = true;
      else this.rest = next.value;
    }
    return this.rest.length === 0;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
