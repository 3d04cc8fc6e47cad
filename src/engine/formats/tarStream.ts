// An incremental tar reader: bytes go in as they arrive, file events come out, and nothing but one
// 512-byte header (plus pax / GNU long-name bodies) is ever buffered. Understands ustar, GNU and v7
// headers, octal and base-256 sizes, pax `path`/`size` records and GNU long names; verifies every
// header checksum. Strict where readers could disagree about what an archive holds: a pax record
// must be "<decimal length> <key>=<value>\n" and a pax size a decimal integer below 2^53, and
// nothing but zeros may follow the end-of-archive block (tools differ on whether members after a
// zero block count, so such an archive is refused rather than read one way).
// Runs in the worker: no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';
import { Budget } from './budget';

const BLOCK = 512;
/** Pax and GNU long-name bodies are metadata; anything bigger is a broken or hostile archive. */
const MAX_META_BYTES = 1 << 20;

export type TarEvent =
  /** A regular file starts; `name` is the full path with pax / GNU / ustar-prefix rules applied. */
  | { type: 'file'; name: string; size: number }
  /** Body bytes of the current file: a view into the input chunk, valid until the next event. */
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'fileEnd'; name: string };

interface Header {
  name: string;
  size: number;
  typeflag: string;
}

const decoder = new TextDecoder();

/** True when `block` is a tar header whose checksum holds (used to sniff a file's format). */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < BLOCK || isZeroBlock(block.subarray(0, BLOCK))) return false;
  try {
    return checksumMatches(block);
  } catch {
    return false;
  }
}

/**
 * Reads a tar stream, yielding an event for each regular file and its body. Directories, links and
 * other entries are skipped. After the end-of-archive block the rest of the input is drained (so a
 * gzip layer underneath still checks its CRC) and must be zeros. `label` names the archive in errors.
 */
export async function* readTar(
  input: AsyncIterable<Uint8Array>,
  label: string,
  options: TarOptions = {},
): AsyncGenerator<TarEvent> {
  const parser = new TarParser(label, options);
  for await (const chunk of input) yield* parser.push(chunk);
  parser.end();
}

export interface TarOptions {
  /**
   * Archive bytes (headers, bodies, padding) to accept at most. Counted from each header's size
   * before its body is read, so an oversized member is refused without reading it.
   */
  maxBytes?: number;
}

type EntryKind = 'file' | 'skip' | 'pax' | 'longName';

/** The push-style state machine under readTar: feed chunks, get events. */
export class TarParser {
  private readonly header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Archive offset of the next byte, for error messages. */
  private offset = 0;
  private state: 'header' | 'body' | 'padding' | 'ended' = 'header';
  private bodyLeft = 0;
  private paddingLeft = 0;
  private entry: { kind: EntryKind; name: string; size: number } | null = null;
  /** Body of a pax or long-name entry. */
  private meta: Uint8Array | null = null;
  private metaFill = 0;
  /** Pax / GNU values that apply to the next entry. */
  private override: { path?: string; size?: number } = {};

  private readonly budget: Budget | null;

  constructor(
    private readonly label: string,
    options: TarOptions = {},
  ) {
    const { maxBytes } = options;
    this.budget =
      maxBytes === undefined
        ? null
        : new Budget(
            maxBytes,
            () =>
              new StudioError(
                'BAD_TARBALL',
                `${label} holds more than ${formatMiB(maxBytes)} once decompressed (the official CIFAR ` +
                  `archives hold 185 MB), so the studio does not read it. Import only the CIFAR files.`,
              ),
          );
  }

  /** Consumes `chunk` and returns the events it completes ('data' views point into `chunk`). */
  push(chunk: Uint8Array): TarEvent[] {
    const events: TarEvent[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const avail = chunk.length - pos;
      switch (this.state) {
        case 'ended': {
          // Zero padding to the writer's record size is normal; anything else is a hidden member.
          for (let i = pos; i < chunk.length; i++) {
            if (chunk[i] !== 0) {
              throw new StudioError(
                'BAD_TARBALL',
                `${this.label} is corrupt: data follows its end-of-archive marker (at byte ${this.offset + i - pos}). ` +
                  `Extract it and pack it again with tar.`,
              );
            }
          }
          this.offset += avail;
          return events;
        }
        case 'header': {
          const n = Math.min(BLOCK - this.headerFill, avail);
          this.header.set(chunk.subarray(pos, pos + n), this.headerFill);
          this.headerFill += n;
          pos += n;
          if (this.headerFill === BLOCK) this.startEntry(events);
          break;
        }
        case 'body': {
          const n = Math.min(this.bodyLeft, avail);
          const bytes = chunk.subarray(pos, pos + n);
          if (this.entry?.kind === 'file') events.push({ type: 'data', bytes });
          else if (this.meta !== null) {
            this.meta.set(bytes, this.metaFill);
            this.metaFill += n;
          }
          this.bodyLeft -= n;
          this.offset += n;
          pos += n;
          if (this.bodyLeft === 0) this.endEntry(events);
          break;
        }
        case 'padding': {
          const n = Math.min(this.paddingLeft, avail);
          this.paddingLeft -= n;
          this.offset += n;
          pos += n;
          if (this.paddingLeft === 0) this.state = 'header';
          break;
        }
      }
    }
    return events;
  }

  /** The input is over: throws BAD_TARBALL unless the end-of-archive block was seen. */
  end(): void {
    if (this.state === 'ended') return;
    if (this.state === 'body' && this.entry !== null) {
      const { name, size } = this.entry;
      throw new StudioError(
        'BAD_TARBALL',
        `${this.label} is truncated: "${name}" stops after ${size - this.bodyLeft} of its ${size} bytes. Download it again.`,
      );
    }
    throw new StudioError(
      'BAD_TARBALL',
      this.offset === 0 && this.headerFill === 0
        ? `${this.label} is empty.`
        : `${this.label} is truncated: it stops before the end-of-archive marker. Download it again.`,
    );
  }

  private startEntry(events: TarEvent[]): void {
    this.headerFill = 0;
    const headerOffset = this.offset;
    this.offset += BLOCK;
    if (isZeroBlock(this.header)) {
      this.state = 'ended';
      return;
    }
    const h = parseHeader(this.header, headerOffset, this.label);
    this.budget?.take(BLOCK + Math.ceil(h.size / BLOCK) * BLOCK);
    let kind: EntryKind;
    if (h.typeflag === 'x') kind = 'pax';
    else if (h.typeflag === 'L') kind = 'longName';
    else if (h.typeflag === '0' || h.typeflag === '\0' || h.typeflag === '7') kind = 'file';
    else kind = 'skip'; // directories, links, global pax headers, GNU long link names …
    if (kind === 'pax' || kind === 'longName') {
      if (h.size > MAX_META_BYTES) {
        throw new StudioError(
          'BAD_TARBALL',
          `${this.label} is corrupt: a ${h.size}-byte tar metadata entry.`,
        );
      }
      this.meta = new Uint8Array(h.size);
      this.metaFill = 0;
      this.entry = { kind, name: h.name, size: h.size };
    } else {
      this.entry = { kind, name: this.override.path ?? h.name, size: this.override.size ?? h.size };
      // A pax size replaces the header's: count the difference too.
      if (this.entry.size > h.size) this.budget?.take(Math.ceil((this.entry.size - h.size) / BLOCK) * BLOCK);
      this.override = {};
      if (kind === 'file') events.push({ type: 'file', name: this.entry.name, size: this.entry.size });
    }
    this.bodyLeft = this.entry.size;
    this.paddingLeft = (BLOCK - (this.entry.size % BLOCK)) % BLOCK;
    this.state = 'body';
    if (this.bodyLeft === 0) this.endEntry(events);
  }

  private endEntry(events: TarEvent[]): void {
    const done = this.entry;
    const meta = this.meta;
    this.entry = null;
    this.meta = null;
    this.state = this.paddingLeft === 0 ? 'header' : 'padding';
    if (done === null) return;
    if (done.kind === 'file') events.push({ type: 'fileEnd', name: done.name });
    else if (done.kind === 'longName' && meta !== null) this.override.path = cString(meta, 0, meta.length);
    else if (done.kind === 'pax' && meta !== null)
      this.override = { ...this.override, ...parsePax(meta, this.label) };
  }
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

function parseHeader(block: Uint8Array, offset: number, label: string): Header {
  if (!checksumMatches(block)) {
    throw new StudioError(
      'BAD_TARBALL',
      offset === 0
        ? `${label} is not a tar archive (its first header fails the tar checksum).`
        : `${label} is corrupt: the tar header at byte ${offset} fails its checksum. Download it again.`,
    );
  }
  const magic = decoder.decode(block.subarray(257, 263));
  let name = cString(block, 0, 100);
  // Only POSIX ustar keeps a path prefix there; GNU tar stores times in the same bytes.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return {
    name,
    size: parseNumeric(block.subarray(124, 136), offset, label),
    typeflag: String.fromCharCode(block[156] ?? 0),
  };
}

/** The checksum field read as octal equals the header's byte sum with that field as spaces. */
function checksumMatches(block: Uint8Array): boolean {
  const stored = parseOctal(block.subarray(148, 156));
  if (stored === null) return false;
  let unsigned = 0;
  let signed = 0; // some old tars summed signed chars
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** A size field: octal digits, or GNU base-256 when the high bit of the first byte is set. */
function parseNumeric(field: Uint8Array, offset: number, label: string): number {
  const first = field[0] ?? 0;
  if ((first & 0x80) !== 0) {
    if (first === 0xff) throw corruptNumber(offset, label);
    let value = first & 0x7f;
    for (let i = 1; i < field.length; i++) {
      value = value * 256 + (field[i] as number);
      if (value > Number.MAX_SAFE_INTEGER) throw corruptNumber(offset, label);
    }
    return value;
  }
  const value = parseOctal(field);
  if (value === null) throw corruptNumber(offset, label);
  return value;
}

function corruptNumber(offset: number, label: string): StudioError {
  return new StudioError(
    'BAD_TARBALL',
    `${label} is corrupt: bad size field in the tar header at byte ${offset}.`,
  );
}

/** Octal digits padded with spaces or NULs on either side; null when anything else is there. */
function parseOctal(field: Uint8Array): number | null {
  let start = 0;
  let end = field.length;
  while (start < end && (field[start] === 0x20 || field[start] === 0)) start++;
  // The digits end at the first NUL or space (some writers leave junk after it).
  let stop = start;
  while (stop < end && field[stop] !== 0 && field[stop] !== 0x20) stop++;
  end = stop;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = (field[i] as number) - 0x30;
    if (d < 0 || d > 7) return null;
    value = value * 8 + d;
  }
  return value;
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return decoder.decode(bytes.subarray(start, end));
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Pax records are "<length> <key>=<value>\n" (POSIX pax); only `path` and `size` matter here. */
function parsePax(body: Uint8Array, label: string): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  const malformed = (what: string): StudioError =>
    new StudioError('BAD_TARBALL', `${label} is corrupt: a malformed pax header (${what}).`);
  let pos = 0;
  while (pos < body.length) {
    if (body.subarray(pos).every((b) => b === 0)) break; // trailing NUL padding
    let space = pos;
    while (space < body.length && body[space] !== 0x20) space++;
    const digits = decoder.decode(body.subarray(pos, space));
    // Decimal only: Number() would also take "0x1f", "1e3" or " 12", which other readers do not.
    const length = /^[1-9]\d{0,15}$/.test(digits) ? Number(digits) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - pos + 1 || pos + length > body.length) {
      throw malformed('a record length that is not a decimal count of its bytes');
    }
    if (body[pos + length - 1] !== 0x0a) throw malformed('a record that does not end with a newline');
    const record = decoder.decode(body.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf('=');
    if (eq <= 0) throw malformed('a record without "key=value"');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    else if (key === 'size') {
      const size = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(size))
        throw malformed(`size "${value.slice(0, 40)}" is not a whole number below 2^53`);
      out.size = size;
    }
    pos += length;
  }
  return out;
}
