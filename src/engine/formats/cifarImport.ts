// Imports CIFAR-10/100 from what a user has: the official `.tar.gz`, a `.tar`, or picked `.bin`
// files. Everything streams: bytes are gunzipped, untarred and cut into record chunks as they
// arrive, so memory holds one chunk, never the archive. The caller stores the chunks and commits
// only after the final `done` event; any error or cancel means nothing should be kept.
// Bounded whatever the file: a split holds at most MAX_SPLIT_RECORDS (checked from a member's or a
// file's declared size before its records are read, and as they arrive), and a tar archive at
// most MAX_ARCHIVE_BYTES once decompressed.
// Runs in the worker (and in Node for tests): no DOM, no Node APIs.

import { escapeText } from '../../protocol/displayText';
import { StudioError } from '../../protocol/errors';
import {
  CIFAR_FORMATS,
  DEFAULT_CLASS_NAMES,
  DEFAULT_COARSE_NAMES,
  classifyMember,
  MAX_ARCHIVE_BYTES,
  MAX_SPLIT_RECORDS,
  parseClassNames,
  tooManyRecords,
  type CifarKind,
  type MemberRole,
  type Split,
} from './cifarLayout';
import {
  CifarRecordReader,
  checkRecordFileSize,
  DEFAULT_CHUNK_RECORDS,
  type RecordChunk,
} from './cifarRecords';
import { SplitChecksum } from '../data/checksum';
import { Budget } from './budget';
import { gunzip, isGzip } from './gzip';
import { isTarHeader, readTar } from './tarStream';
import { describeContent, looksLikePickle } from './fileKind';

/** A browser `File` fits this as it is; Node tests build one from a buffer. */
export interface ImportFile {
  readonly name: string;
  /** Bytes in the file as stored (compressed size for a `.tar.gz`); absent when unknown. */
  readonly size?: number;
  stream(): ReadableStream<Uint8Array>;
}

export interface ImportOptions {
  signal?: AbortSignal;
  /** Records per `records` event; default 1000 (~3 MB). */
  chunkRecords?: number;
  /** Minimum input bytes between `progress` events; default 256 KiB. */
  progressEveryBytes?: number;
}

export interface CifarImportSummary {
  kind: CifarKind;
  /** Names of the label classes (CIFAR-100: the 100 fine classes). */
  classNames: string[];
  /** CIFAR-100 only: the 20 superclasses. */
  coarseClassNames?: string[];
  counts: Record<Split, number>;
  /** Images per class, per split: `classCounts.train[c]`. */
  classCounts: Record<Split, number[]>;
  /** Per split, SplitChecksum's digest of the records as emitted (for verifying stored chunks). */
  checksums: Record<Split, string>;
  /** The record files read, in order. */
  files: string[];
  /** Things the user may want to know that did not stop the import. */
  warnings: string[];
}

export type ImportEvent =
  /** Input bytes read so far (compressed, over all files); totalBytes null when sizes are unknown. */
  | { type: 'progress'; bytesRead: number; totalBytes: number | null }
  | { type: 'records'; chunk: RecordChunk }
  /** Always the last event of a successful import. */
  | { type: 'done'; summary: CifarImportSummary };

const DEFAULT_PROGRESS_BYTES = 256 * 1024;
const MAX_NAMES_FILE_BYTES = 1 << 20;

/**
 * Streams the files into record chunks. Several `.bin` files picked together form one dataset.
 * Throws StudioError: BAD_TARBALL (not an archive, corrupt or truncated gzip/tar), BAD_DATASET
 * (Python version, wrong record size, labels out of range, missing split, mixed datasets),
 * CANCELLED (the signal fired).
 */
export async function* importCifar(
  files: readonly ImportFile[],
  options: ImportOptions = {},
): AsyncGenerator<ImportEvent, void, undefined> {
  if (files.length === 0) throw new StudioError('BAD_ARGUMENT', 'No file to import.');
  const { signal } = options;
  const chunkRecords = options.chunkRecords ?? DEFAULT_CHUNK_RECORDS;
  if (!Number.isInteger(chunkRecords) || chunkRecords < 1) {
    throw new StudioError('BAD_ARGUMENT', `chunkRecords must be a positive integer, not ${chunkRecords}.`);
  }
  const totalBytes = files.every((f) => f.size !== undefined)
    ? files.reduce((sum, f) => sum + (f.size ?? 0), 0)
    : null;
  const dataset = new DatasetAssembly();
  const progress = new ProgressTracker(totalBytes, options.progressEveryBytes ?? DEFAULT_PROGRESS_BYTES);

  yield progress.now();
  for (const file of files) {
    const input = readStream(file.stream(), signal, (n) => {
      progress.add(n);
    });
    for await (const event of importOne(file, input, dataset, chunkRecords, progress)) {
      throwIfAborted(signal);
      yield event;
    }
  }
  throwIfAborted(signal);
  const summary = dataset.finish();
  yield progress.now();
  yield { type: 'done', summary };
}

/** Counts input bytes and says when another progress event is due. */
class ProgressTracker {
  private bytesRead = 0;
  private reported = 0;

  constructor(
    private readonly totalBytes: number | null,
    private readonly every: number,
  ) {}

  add(n: number): void {
    this.bytesRead += n;
  }

  now(): ImportEvent {
    this.reported = this.bytesRead;
    return { type: 'progress', bytesRead: this.bytesRead, totalBytes: this.totalBytes };
  }

  /** Yields a progress event when `every` bytes have come in since the last one. */
  *due(): Generator<ImportEvent> {
    if (this.bytesRead - this.reported >= this.every) yield this.now();
  }
}

/** Events for one picked file, after sniffing what it holds. */
async function* importOne(
  file: ImportFile,
  input: AsyncIterable<Uint8Array>,
  dataset: DatasetAssembly,
  chunkRecords: number,
  progress: ProgressTracker,
): AsyncGenerator<ImportEvent> {
  const name = baseName(file.name);
  let head = await peek(input, 512);
  if (head.bytes.length === 0) throw new StudioError('BAD_DATASET', `${name} is empty.`);
  let body: AsyncIterable<Uint8Array> = head.stream;
  let gzipped = false;
  if (isGzip(head.bytes)) {
    gzipped = true;
    head = await peek(gunzip(head.stream, name), 512);
    body = head.stream;
  }
  const innerName = gzipped
    ? name.replace(/\.(gz|tgz)$/i, (ext) => (ext.toLowerCase() === '.tgz' ? '.tar' : ''))
    : name;
  const role = classifyMember(innerName);

  if (isTarHeader(head.bytes) || (gzipped && role.role !== 'records') || /\.tar$/i.test(innerName)) {
    yield* importTar(name, body, dataset, chunkRecords, progress);
    return;
  }
  if (role.role === 'python' || looksLikePickle(head.bytes)) throw pythonVersion(name, role);
  if (role.role === 'records') {
    dataset.addFile(name, role);
    if (file.size !== undefined && !gzipped) {
      checkRecordFileSize(CIFAR_FORMATS[role.kind], name, file.size);
      dataset.checkFits(role, name, file.size / CIFAR_FORMATS[role.kind].recordBytes);
    }
    yield* importRecords(name, role, body, chunkRecords, dataset, progress);
    return;
  }
  const what = describeContent(head.bytes);
  if (/\.bin$/i.test(name)) {
    throw new StudioError(
      'BAD_DATASET',
      `Can't tell which dataset ${name} belongs to from its name: CIFAR-10 files are data_batch_1.bin … ` +
        `data_batch_5.bin and test_batch.bin, CIFAR-100 files train.bin and test.bin. Rename it or import the whole .tar.gz.`,
    );
  }
  throw new StudioError(
    'BAD_TARBALL',
    `${name} is not a CIFAR download${what === null ? '' : ` (it looks like ${what})`}. Pick ` +
      `cifar-10-binary.tar.gz or cifar-100-binary.tar.gz (the binary version), or the .bin files inside.`,
  );
}

async function* importTar(
  archive: string,
  body: AsyncIterable<Uint8Array>,
  dataset: DatasetAssembly,
  chunkRecords: number,
  progress: ProgressTracker,
): AsyncGenerator<ImportEvent> {
  let reader: CifarRecordReader | null = null;
  let text: {
    role: Extract<MemberRole, { role: 'classNames' }>;
    bytes: Uint8Array[];
    length: number;
  } | null = null;
  for await (const event of readTar(body, archive, { maxBytes: MAX_ARCHIVE_BYTES })) {
    if (event.type === 'file') {
      const role = classifyMember(event.name);
      if (role.role === 'python') throw pythonVersion(archive, role);
      if (role.role === 'records') {
        dataset.addFile(event.name, role);
        checkRecordFileSize(CIFAR_FORMATS[role.kind], event.name, event.size);
        dataset.checkFits(role, event.name, event.size / CIFAR_FORMATS[role.kind].recordBytes);
        reader = new CifarRecordReader(role.kind, role.split, event.name, chunkRecords);
      } else if (role.role === 'classNames') {
        if (event.size > MAX_NAMES_FILE_BYTES)
          throw new StudioError('BAD_DATASET', `${event.name} is too big.`);
        text = { role, bytes: [], length: 0 };
      } else if (/\.bin$/i.test(event.name)) {
        dataset.warnings.push(`Skipped ${event.name}: not a CIFAR record file name.`);
      }
    } else if (event.type === 'data') {
      if (reader !== null) for (const chunk of reader.push(event.bytes)) yield dataset.take(chunk);
      else if (text !== null) {
        text.bytes.push(event.bytes.slice());
        text.length += event.bytes.length;
      }
    } else {
      if (reader !== null) {
        const last = reader.finish();
        if (last !== null) yield dataset.take(last);
        reader = null;
      } else if (text !== null) {
        dataset.setNames(text.role, event.name, new TextDecoder().decode(concat(text.bytes, text.length)));
        text = null;
      }
    }
    yield* progress.due();
  }
}

async function* importRecords(
  name: string,
  role: Extract<MemberRole, { role: 'records' }>,
  body: AsyncIterable<Uint8Array>,
  chunkRecords: number,
  dataset: DatasetAssembly,
  progress: ProgressTracker,
): AsyncGenerator<ImportEvent> {
  const reader = new CifarRecordReader(role.kind, role.split, name, chunkRecords);
  for await (const bytes of body) {
    for (const chunk of reader.push(bytes)) yield dataset.take(chunk);
    yield* progress.due();
  }
  const last = reader.finish();
  if (last !== null) yield dataset.take(last);
}

/** Collects what the files say about the dataset and checks they agree. */
class DatasetAssembly {
  kind: CifarKind | null = null;
  readonly files: string[] = [];
  readonly warnings: string[] = [];
  private readonly seen = new Set<string>();
  private readonly names = new Map<string, { source: string; names: string[] }>();
  private readonly classCounts: Record<Split, number[]> = { train: [], test: [] };
  private readonly counts: Record<Split, number> = { train: 0, test: 0 };
  private readonly checksums = { train: new SplitChecksum(), test: new SplitChecksum() };
  private readonly budgets = { train: this.splitBudget('train'), test: this.splitBudget('test') };
  /** The file whose records are being counted, for the budget's message. */
  private counting = '';
  private firstFile = '';

  /** Throws BAD_DATASET, before any are read, when `records` more would pass the split's cap. */
  checkFits(role: Extract<MemberRole, { role: 'records' }>, source: string, records: number): void {
    this.counting = source;
    this.budgets[role.split].check(records);
  }

  private splitBudget(split: Split): Budget {
    return new Budget(MAX_SPLIT_RECORDS[split], (total) =>
      tooManyRecords(this.kind ?? 'cifar10', split, this.counting, total),
    );
  }

  addFile(path: string, role: Extract<MemberRole, { role: 'records' }>): void {
    if (this.kind !== null && this.kind !== role.kind) {
      throw new StudioError(
        'BAD_DATASET',
        `${path} is a ${CIFAR_FORMATS[role.kind].title} file but ${this.firstFile} is ${CIFAR_FORMATS[this.kind].title}: ` +
          `import one dataset at a time.`,
      );
    }
    if (this.seen.has(role.file))
      throw new StudioError('BAD_DATASET', `${role.file} appears twice; import it once.`);
    if (this.kind === null) {
      this.kind = role.kind;
      this.firstFile = path;
      const classes = CIFAR_FORMATS[role.kind].classes;
      this.classCounts.train = new Array<number>(classes).fill(0);
      this.classCounts.test = new Array<number>(classes).fill(0);
    }
    this.seen.add(role.file);
    this.files.push(path);
  }

  take(chunk: RecordChunk): ImportEvent {
    this.counting = chunk.source;
    this.budgets[chunk.split].take(chunk.labels.length);
    this.counts[chunk.split] += chunk.labels.length;
    this.checksums[chunk.split].update(chunk);
    const hist = this.classCounts[chunk.split];
    for (const label of chunk.labels) hist[label] = (hist[label] ?? 0) + 1;
    return { type: 'records', chunk };
  }

  setNames(role: Extract<MemberRole, { role: 'classNames' }>, source: string, text: string): void {
    this.names.set(`${role.kind}/${role.which}`, { source, names: parseClassNames(text) });
  }

  finish(): CifarImportSummary {
    const kind = this.kind;
    if (kind === null) {
      throw new StudioError(
        'BAD_DATASET',
        'No CIFAR record files found: expected cifar-10-batches-bin/data_batch_1.bin … test_batch.bin or ' +
          'cifar-100-binary/train.bin and test.bin (the binary version).',
      );
    }
    const format = CIFAR_FORMATS[kind];
    for (const split of ['train', 'test'] as const) {
      if (this.counts[split] === 0) {
        const want =
          kind === 'cifar10'
            ? split === 'train'
              ? 'data_batch_1.bin … data_batch_5.bin'
              : 'test_batch.bin'
            : `${split}.bin`;
        throw new StudioError(
          'BAD_DATASET',
          `The ${format.title} ${split === 'train' ? 'training' : 'test'} split is missing (${want}). ` +
            `Pick all the .bin files together, or import ${format.binaryDownload}.`,
        );
      }
    }
    const summary: CifarImportSummary = {
      kind,
      classNames: this.namesFor(kind, 'fine', DEFAULT_CLASS_NAMES[kind]),
      counts: { ...this.counts },
      classCounts: { train: [...this.classCounts.train], test: [...this.classCounts.test] },
      checksums: { train: this.checksums.train.digest(), test: this.checksums.test.digest() },
      // Member names are file text the page shows.
      files: this.files.map(escapeText),
      warnings: this.warnings.map(escapeText),
    };
    if (kind === 'cifar100') summary.coarseClassNames = this.namesFor(kind, 'coarse', DEFAULT_COARSE_NAMES);
    return summary;
  }

  private namesFor(kind: CifarKind, which: 'fine' | 'coarse', fallback: readonly string[]): string[] {
    const found = this.names.get(`${kind}/${which}`);
    if (found === undefined) return [...fallback];
    if (found.names.length === fallback.length) return found.names;
    this.warnings.push(
      `${found.source} lists ${found.names.length} names, not ${fallback.length}; using the official names.`,
    );
    return [...fallback];
  }
}

/** Reads a ReadableStream as chunks, counting bytes; cancels it when stopped early or aborted. */
export async function* readStream(
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  throwIfAborted(signal);
  const reader = stream.getReader();
  // A pending read (a slow disk or network) ends at once when the user cancels.
  const onAbort = (): void => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const next = await reader.read();
      throwIfAborted(signal);
      if (next.done) return;
      onBytes(next.value.length);
      yield next.value;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await reader.cancel().catch(() => undefined);
  }
}

/** Reads at least `n` bytes (fewer at the end) and returns them with a stream that replays them. */
export async function peek(
  input: AsyncIterable<Uint8Array>,
  n: number,
): Promise<{ bytes: Uint8Array; stream: AsyncIterable<Uint8Array> }> {
  const iterator = input[Symbol.asyncIterator]();
  const taken: Uint8Array[] = [];
  let length = 0;
  while (length < n) {
    const next = await iterator.next();
    if (next.done === true) break;
    taken.push(next.value);
    length += next.value.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield* taken;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { bytes: concat(taken, length), stream: replay() };
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new StudioError('CANCELLED', 'Import cancelled.');
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function pythonVersion(name: string, role: MemberRole): StudioError {
  const kind = role.role === 'python' ? role.kind : null;
  const download =
    kind === null ? 'cifar-10-binary.tar.gz or cifar-100-binary.tar.gz' : CIFAR_FORMATS[kind].binaryDownload;
  return new StudioError(
    'BAD_DATASET',
    `${name} is the Python (pickle) version of CIFAR, which the studio cannot read safely. ` +
      `Download the binary version instead: ${download}.`,
  );
}
