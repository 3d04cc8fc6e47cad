// Reads a .zip archive (PKWARE APPNOTE 6.3: stored and deflated members, zip64 included) by random
// access, one member at a time, so memory holds one member, never the archive. Members are found
// through the central directory (what every unzip trusts), not the local headers: archives made by
// macOS Finder and Windows Explorer leave the local sizes zero (bit 3, a data descriptor follows).
// A member never inflates past its declared size (a zip bomb stops there) and its CRC-32 is checked.
// Runs in the worker and in Node: no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';
import { crc32 } from '../data/checksum';

/** Random access to a file's bytes: File.slice in the worker, a file handle in Node. */
export interface RandomAccessFile {
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface ZipEntry {
  /** The member's path inside the archive, '/'-separated; a folder's ends with '/'. */
  path: string;
  /** 0 stored, 8 deflated (the only methods read). */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the member's local header. */
  headerOffset: number;
  encrypted: boolean;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
/** The end record is followed by a comment of at most 65,535 bytes. */
const MAX_TAIL = EOCD_BYTES + 0xffff;
/** A central directory larger than this is not an image folder the studio could store. */
const MAX_DIRECTORY_BYTES = 256 * 1024 * 1024;

function bad(file: RandomAccessFile, detail: string): StudioError {
  return new StudioError('BAD_DATASET', `${file.name} is not a readable .zip archive: ${detail}`);
}

/** Little-endian reads that fail as a corrupt archive, never as a RangeError. */
class Reader {
  private readonly view: DataView;
  constructor(
    private readonly file: RandomAccessFile,
    readonly bytes: Uint8Array,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private check(at: number, n: number): void {
    if (at < 0 || at + n > this.bytes.length) throw bad(this.file, 'a record runs past its end.');
  }
  u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }
  u64(at: number): number {
    this.check(at, 8);
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw bad(this.file, 'a 64-bit size or offset is too large.');
    return Number(value);
  }
}

/** The archive's members, in central-directory order. */
export async function readZipDirectory(file: RandomAccessFile): Promise<ZipEntry[]> {
  if (file.size < EOCD_BYTES) throw bad(file, 'it is too short to hold an end-of-directory record.');
  const tailStart = Math.max(0, file.size - MAX_TAIL);
  const tail = new Reader(file, await file.read(tailStart, file.size - tailStart));
  let eocd = -1;
  for (let at = tail.bytes.length - EOCD_BYTES; at >= 0; at--) {
    if (tail.u32(at) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw bad(file, 'no end-of-directory record (a truncated download, or not a zip).');
  let count = tail.u16(eocd + 10);
  let directoryBytes = tail.u32(eocd + 12);
  let directoryOffset = tail.u32(eocd + 16);
  if (count === 0xffff || directoryBytes === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || tail.u32(locator) !== ZIP64_LOCATOR_SIGNATURE) {
      throw bad(file, 'its zip64 end-of-directory locator is missing.');
    }
    const recordOffset = tail.u64(locator + 8);
    const record = new Reader(file, await file.read(recordOffset, Math.min(56, file.size - recordOffset)));
    if (record.u32(0) !== ZIP64_EOCD_SIGNATURE)
      throw bad(file, 'its zip64 end-of-directory record is missing.');
    count = record.u64(32);
    directoryBytes = record.u64(40);
    directoryOffset = record.u64(48);
  }
  if (directoryOffset + directoryBytes > file.size)
    throw bad(file, 'its directory lies past the end of the file.');
  if (directoryBytes > MAX_DIRECTORY_BYTES) throw bad(file, 'its directory is larger than 256 MiB.');
  const directory = new Reader(file, await file.read(directoryOffset, directoryBytes));
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (directory.u32(at) !== CENTRAL_SIGNATURE) throw bad(file, `directory entry ${i + 1} is corrupt.`);
    const flags = directory.u16(at + 8);
    const method = directory.u16(at + 10);
    const crc = directory.u32(at + 16);
    let compressedSize = directory.u32(at + 20);
    let size = directory.u32(at + 24);
    const nameLength = directory.u16(at + 28);
    const extraLength = directory.u16(at + 30);
    const commentLength = directory.u16(at + 32);
    let headerOffset = directory.u32(at + 42);
    const nameStart = at + 46;
    if (nameStart + nameLength > directory.bytes.length)
      throw bad(file, `directory entry ${i + 1} is corrupt.`);
    const path = decoder
      .decode(directory.bytes.subarray(nameStart, nameStart + nameLength))
      .replace(/\\/g, '/');
    // zip64 extended information: the 8-byte values, in this order, of the fields that read 0xffffffff.
    let extra = nameStart + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = directory.u16(extra);
      const length = directory.u16(extra + 2);
      if (id === 0x0001) {
        let field = extra + 4;
        if (size === 0xffffffff) {
          size = directory.u64(field);
          field += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = directory.u64(field);
          field += 8;
        }
        if (headerOffset === 0xffffffff) headerOffset = directory.u64(field);
      }
      extra += 4 + length;
    }
    entries.push({
      path,
      method,
      compressedSize,
      size,
      crc32: crc,
      headerOffset,
      encrypted: (flags & 1) !== 0,
    });
    at = extraEnd + commentLength;
  }
  return entries;
}

/**
 * One member's bytes. Throws BAD_DATASET for an encrypted member, a method other than stored or
 * deflate, a member declared larger than `maxBytes`, corrupt data or a CRC that does not match.
 */
export async function readZipEntry(
  file: RandomAccessFile,
  entry: ZipEntry,
  maxBytes: number,
): Promise<Uint8Array> {
  const what = `${file.name}: ${entry.path}`;
  if (entry.encrypted)
    throw new StudioError('BAD_DATASET', `${what} is encrypted; unzip it with its password first.`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new StudioError(
      'BAD_DATASET',
      `${what} is compressed with method ${entry.method}; the studio reads stored and deflated members (zip's usual ones).`,
    );
  }
  if (entry.size > maxBytes) {
    throw new StudioError(
      'BAD_DATASET',
      `${what} unpacks to ${entry.size} bytes, more than the ${maxBytes} allowed.`,
    );
  }
  const header = new Reader(
    file,
    await file.read(entry.headerOffset, Math.min(30, file.size - entry.headerOffset)),
  );
  if (header.u32(0) !== LOCAL_SIGNATURE) throw bad(file, `the local header of ${entry.path} is missing.`);
  const dataOffset = entry.headerOffset + 30 + header.u16(26) + header.u16(28);
  if (dataOffset + entry.compressedSize > file.size)
    throw bad(file, `${entry.path} runs past the end of the file.`);
  const stored = await file.read(dataOffset, entry.compressedSize);
  const bytes = entry.method === 0 ? stored : await inflateRaw(stored, entry.size, what);
  if (bytes.length !== entry.size || crc32(bytes) !== entry.crc32) {
    throw new StudioError(
      'BAD_DATASET',
      `${what} is corrupt (its size or CRC-32 does not match the directory).`,
    );
  }
  return bytes;
}

/** Raw deflate, stopped one byte past `size` (a member that inflates further is corrupt, not read on). */
async function inflateRaw(compressed: Uint8Array, size: number, what: string): Promise<Uint8Array> {
  const out = new Uint8Array(size + 1);
  let length = 0;
  const stream = new Blob([compressed as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const n = Math.min(value.length, out.length - length);
      out.set(value.subarray(0, n), length);
      length += n;
      if (length > size) break;
    }
  } catch {
    throw new StudioError('BAD_DATASET', `${what} is corrupt (its deflate data does not decompress).`);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return out.subarray(0, length);
}
