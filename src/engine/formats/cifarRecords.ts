// CIFAR binary records → chunks of images and labels, fed with arbitrary byte slices as they stream
// out of a file or archive. Only one chunk of records is buffered; labels are range-checked here so
// a bad file fails during import, not mid-training. Runs in the worker: no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';
import { CIFAR_FORMATS, IMAGE_BYTES, type CifarFormat, type CifarKind, type Split } from './cifarLayout';

export interface RecordChunk {
  kind: CifarKind;
  split: Split;
  /** The file or archive member the records came from. */
  source: string;
  /** N×3072 bytes, each image CHW exactly as in the file. */
  images: Uint8Array;
  /** N class labels (CIFAR-100: the fine label). */
  labels: Uint8Array;
  /** CIFAR-100 only: N coarse (superclass) labels. */
  coarse?: Uint8Array;
}

/** Records per emitted chunk: ~3 MB, small enough to stream, big enough to store efficiently. */
export const DEFAULT_CHUNK_RECORDS = 1000;

/**
 * Throws BAD_DATASET unless `byteLength` is a positive whole number of `format` records, saying
 * which dataset the size would fit when it is the other one (CIFAR-100 files named as CIFAR-10).
 */
export function checkRecordFileSize(format: CifarFormat, source: string, byteLength: number): void {
  if (byteLength === 0) {
    throw new StudioError('BAD_DATASET', `${source} is empty: it holds no ${format.title} records.`);
  }
  if (byteLength % format.recordBytes === 0) return;
  const other = CIFAR_FORMATS[format.kind === 'cifar10' ? 'cifar100' : 'cifar10'];
  if (byteLength % other.recordBytes === 0) {
    throw new StudioError(
      'BAD_DATASET',
      `${source} is named as ${format.title} but its ${byteLength} bytes divide into ${other.title} records ` +
        `(${other.recordBytes} bytes each), not ${format.title} records (${format.recordBytes} bytes): ` +
        `these look like ${other.title} files under ${format.title} names. Import ${other.binaryDownload} as it is.`,
    );
  }
  throw new StudioError(
    'BAD_DATASET',
    `${source} holds ${byteLength} bytes, not a whole number of ${format.title} records ` +
      `(${format.recordBytes} bytes each): the record count does not divide, so the file is truncated or ` +
      `not ${format.title}. Download ${format.binaryDownload} again.`,
  );
}

/** Splits a stream of record bytes into RecordChunks of up to `chunkRecords` records. */
export class CifarRecordReader {
  readonly format: CifarFormat;
  private readonly pending: Uint8Array;
  private pendingFill = 0;
  private emitted = 0;
  private bytesSeen = 0;

  constructor(
    kind: CifarKind,
    readonly split: Split,
    readonly source: string,
    readonly chunkRecords = DEFAULT_CHUNK_RECORDS,
  ) {
    this.format = CIFAR_FORMATS[kind];
    this.pending = new Uint8Array(chunkRecords * this.format.recordBytes);
  }

  /** Records decoded so far. */
  get records(): number {
    return this.emitted;
  }

  /**
   * Takes the next bytes (any length) and yields the chunks they complete, one at a time: a
   * consumer that stops after a chunk leaves the rest undecoded. `bytes` must stay unchanged until
   * the iteration ends.
   */
  *push(bytes: Uint8Array): Generator<RecordChunk> {
    this.bytesSeen += bytes.length;
    let pos = 0;
    while (pos < bytes.length) {
      const n = Math.min(this.pending.length - this.pendingFill, bytes.length - pos);
      this.pending.set(bytes.subarray(pos, pos + n), this.pendingFill);
      this.pendingFill += n;
      pos += n;
      if (this.pendingFill === this.pending.length) yield this.flush();
    }
  }

  /** Ends the file: returns the last partial chunk, or throws when a partial record is left. */
  finish(): RecordChunk | null {
    if (this.pendingFill % this.format.recordBytes !== 0 || this.bytesSeen === 0) {
      checkRecordFileSize(this.format, this.source, this.bytesSeen);
    }
    return this.pendingFill === 0 ? null : this.flush();
  }

  private flush(): RecordChunk {
    const chunk = decodeRecords(
      this.format,
      this.pending.subarray(0, this.pendingFill),
      this.split,
      this.source,
      this.emitted,
    );
    this.emitted += chunk.labels.length;
    this.pendingFill = 0;
    return chunk;
  }
}

/**
 * Decodes whole records into fresh arrays, checking every label. `firstIndex` is the position of
 * the first record in its file, for the error message.
 */
export function decodeRecords(
  format: CifarFormat,
  bytes: Uint8Array,
  split: Split,
  source: string,
  firstIndex = 0,
): RecordChunk {
  const n = bytes.length / format.recordBytes;
  if (!Number.isInteger(n)) checkRecordFileSize(format, source, bytes.length);
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint8Array(n);
  const coarse = format.labelBytes === 2 ? new Uint8Array(n) : null;
  for (let i = 0; i < n; i++) {
    const at = i * format.recordBytes;
    const label = bytes[at + format.labelBytes - 1] as number;
    if (label >= format.classes)
      throw badLabel(format, source, firstIndex + i, label, 'class', format.classes);
    labels[i] = label;
    if (coarse !== null) {
      const c = bytes[at] as number;
      const limit = format.coarseClasses ?? 0;
      if (c >= limit) throw badLabel(format, source, firstIndex + i, c, 'coarse', limit);
      coarse[i] = c;
    }
    images.set(bytes.subarray(at + format.labelBytes, at + format.recordBytes), i * IMAGE_BYTES);
  }
  const chunk: RecordChunk = { kind: format.kind, split, source, images, labels };
  if (coarse !== null) chunk.coarse = coarse;
  return chunk;
}

function badLabel(
  format: CifarFormat,
  source: string,
  index: number,
  label: number,
  what: 'class' | 'coarse',
  limit: number,
): StudioError {
  return new StudioError(
    'BAD_DATASET',
    `${source}, record ${index}: ${what} label ${label} is out of range (${format.title} ${what} labels are ` +
      `0–${limit - 1}). The file is corrupt or not ${format.title}.`,
  );
}
