// Safetensors reader and writer. Files are untrusted input: every check happens before the bytes
// it guards are touched, lengths are compared as 64-bit integers before becoming numbers, and no
// allocation is sized from the header alone (tensor data is only copied once its offsets are
// known to lie inside the file), so a hostile file can neither hang the reader nor make it
// allocate more than its own size (twice that for F16/BF16, which widen to F32; aligned F32 data
// is not copied at all).
// Every rejection is a StudioError('BAD_SAFETENSORS') with a sentence naming what is wrong.
//
// Format (https://github.com/huggingface/safetensors): u64 little-endian header length N, N bytes
// of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {str: str}},
// then the tensor bytes, offsets relative to the end of the header, contiguous from 0.

import { StudioError } from '../../protocol/errors';

/** Dtypes the studio reads. All are widened or narrowed to F32 on reading. */
export const READ_DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I64'] as const;
export type Dtype = (typeof READ_DTYPES)[number];

/** Dtypes of the format that the studio recognises but does not read (a weight file has none). */
const OTHER_DTYPES = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'I32', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3'];

const DTYPE_BYTES: Record<Dtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8 };

export interface SafetensorsTensor {
  /** The dtype stored in the file; `data` is always F32. */
  dtype: Dtype;
  shape: number[];
  /**
   * Values as F32. F64 is rounded; I64 is exact up to ±2^24 (enough for labels and step counts
   * such as `num_batches_tracked`, which the model loader ignores anyway). F32 data that is
   * 4-byte aligned in the input is a view of the input's buffer, not a copy: it keeps that buffer
   * alive, and must be copied before the buffer is changed or transferred.
   */
  data: Float32Array;
}

export interface SafetensorsFile {
  /** In file order (ascending data offset). A Map, so names like `constructor` are plain keys. */
  tensors: Map<string, SafetensorsTensor>;
  /** `__metadata__`, or empty. Null prototype: keys never reach Object.prototype. */
  metadata: Record<string, string>;
}

/** Header length cap; a weight file's header is a few kilobytes. */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * Names that would misbehave if a consumer ever used them as plain-object keys. No PyTorch
 * state_dict has them, so rejecting is cheaper than auditing every consumer.
 */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bad(detail: string): StudioError {
  return new StudioError('BAD_SAFETENSORS', `Not a valid safetensors file: ${detail}.`);
}

/** A name for messages: quoted, and short even when the file's names are not. */
function quote(name: string): string {
  const q = JSON.stringify(name);
  return q.length > 60 ? `${q.slice(0, 57)}…"` : q;
}

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.byteLength < 8) {
    throw bad(`it is ${bytes.byteLength} bytes long, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength64 = view.getBigUint64(0, true);
  if (headerLength64 > BigInt(MAX_HEADER_BYTES)) {
    // Safetensors' first 8 bytes are its JSON header's length; this large a length means the
    // file is some other format, so say that before the number.
    throw new StudioError(
      'BAD_SAFETENSORS',
      `Not a safetensors file: it does not start with a header length (its first 8 bytes read as one give ${headerLength64} bytes, more than the 16 MiB limit).`,
    );
  }
  if (headerLength64 > BigInt(bytes.byteLength - 8)) {
    throw bad(
      `the header claims ${headerLength64} bytes but the file has only ${bytes.byteLength - 8} after the length`,
    );
  }
  const headerLength = Number(headerLength64);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    throw bad('the header is not UTF-8 text');
  }
  const { root, names } = parseHeaderJson(text);

  const metadata = Object.create(null) as Record<string, string>;
  const entries: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  // In header order: Object.entries would move integer-like names such as "0" to the front.
  for (const name of names) {
    if (RESERVED_NAMES.has(name)) throw bad(`the name ${quote(name)} is not allowed`);
    const value = root[name];
    if (name === '__metadata__') {
      readMetadata(value, metadata);
      continue;
    }
    entries.push({ name, ...readEntry(name, value) });
  }

  // Offsets must tile [0, dataLength) exactly: sorted by start, each begins where the last ended.
  // The sort is stable, so zero-size tensors sharing an offset keep their header order.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const [i, e] of entries.entries()) {
    if (e.begin > cursor) {
      throw bad(
        i === 0
          ? `the first tensor, ${quote(e.name)}, starts at byte ${e.begin} instead of 0`
          : `bytes ${cursor}–${e.begin} lie between tensors (a hole before ${quote(e.name)})`,
      );
    }
    if (e.begin < cursor) throw bad(`tensor ${quote(e.name)} overlaps the tensor before it`);
    cursor = e.end;
  }
  if (cursor > dataLength) {
    throw bad(`the tensors need ${cursor} bytes of data but the file holds only ${dataLength}`);
  }
  if (cursor < dataLength) {
    throw bad(`${dataLength - cursor} trailing bytes follow the last tensor`);
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const data = decode(e.dtype, bytes, dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** The header's JSON as an object and its names in order, after the checks JSON.parse cannot do. */
function parseHeaderJson(text: string): { root: Record<string, unknown>; names: string[] } {
  const names = scanKeys(text);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    throw bad('the header is not valid JSON');
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw bad('the header is not a JSON object');
  }
  return { root: root as Record<string, unknown>, names };
}

/**
 * The deepest valid header is object → entry → shape array. Deeper nesting can only be invalid,
 * and refusing it early keeps JSON.parse from recursing on hostile input.
 */
const MAX_DEPTH = 3;

/**
 * Cap on list items and keys (commas, in effect). A VGG19 simplex of 20 vertices has ~4,000;
 * a header of a million tiny keys fits in 16 MiB but takes seconds to parse into objects.
 */
export const MAX_HEADER_ITEMS = 1 << 16;

/**
 * One linear pass over the header that finds every object key and rejects duplicates (which
 * JSON.parse silently resolves to the last), excessive nesting and too many items, so that the
 * JSON.parse that follows has bounded work. Syntax errors are left for
 * JSON.parse; this pass only needs to tell keys from values, which the JSON grammar makes local:
 * a string is a key exactly when it follows `{` or `,` inside an object.
 */
function scanKeys(text: string): string[] {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  let topLevel: Set<string> | null = null;
  let items = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      if (stack.length >= MAX_DEPTH) throw bad('the header is nested deeper than any valid header');
      const frame = { keys: ch === 0x7b ? new Set<string>() : null, expectKey: ch === 0x7b };
      if (stack.length === 0) topLevel ??= frame.keys;
      stack.push(frame);
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
    } else if (ch === 0x2c /* , */) {
      if (++items > MAX_HEADER_ITEMS) {
        throw bad(`the header lists more than ${MAX_HEADER_ITEMS} items; a weight file needs a few thousand`);
      }
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
    } else if (ch === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (j >= text.length) throw bad('the header is not valid JSON (an unterminated string)');
      const top = stack.at(-1);
      if (top?.keys && top.expectKey) {
        let key = text.slice(i + 1, j);
        // Escapes decode through JSON.parse so that "a" and "\u0061" are the same name.
        if (key.includes('\\')) {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            throw bad('the header is not valid JSON (a malformed key)');
          }
        }
        if (top.keys.has(key)) {
          throw bad(
            `the name ${quote(key)} appears twice in ${stack.length === 1 ? 'the header' : 'one entry'}`,
          );
        }
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    }
  }
  return topLevel ? [...topLevel] : [];
}

function readMetadata(value: unknown, into: Record<string, string>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad('__metadata__ is not an object of strings');
  }
  for (const [key, v] of Object.entries(value)) {
    if (RESERVED_NAMES.has(key)) throw bad(`the metadata key ${quote(key)} is not allowed`);
    if (typeof v !== 'string') throw bad(`metadata ${quote(key)} is not a string`);
    into[key] = v;
  }
}

function readEntry(
  name: string,
  value: unknown,
): { dtype: Dtype; shape: number[]; begin: number; end: number } {
  const what = `tensor ${quote(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(`${what} is not described by an object`);
  }
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!ENTRY_KEYS.includes(key)) throw bad(`${what} has an unexpected key ${quote(key)}`);
  }
  for (const key of ENTRY_KEYS) {
    if (!(key in entry)) throw bad(`${what} has no ${key}`);
  }
  const dtype = entry.dtype;
  if (typeof dtype !== 'string' || !(READ_DTYPES as readonly string[]).includes(dtype)) {
    if (typeof dtype === 'string' && OTHER_DTYPES.includes(dtype)) {
      throw bad(`${what} has dtype ${dtype}; the studio reads only ${READ_DTYPES.join(', ')}`);
    }
    throw bad(`${what} has an unknown dtype ${quote(String(dtype))}`);
  }
  const itemBytes = DTYPE_BYTES[dtype as Dtype];

  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw bad(`${what} has a shape that is not a list of non-negative integers`);
  }
  // Checked one factor at a time, as the reference library does, so no intermediate overflows.
  let bytesNeeded = itemBytes;
  for (const d of shape) {
    bytesNeeded *= d;
    if (!Number.isSafeInteger(bytesNeeded)) throw bad(`${what} has a shape whose size overflows`);
  }

  const offsets = entry.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw bad(`${what} has data_offsets that are not two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw bad(`${what} ends (${end}) before it begins (${begin})`);
  if (end - begin !== bytesNeeded) {
    throw bad(
      `${what} spans ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${bytesNeeded}`,
    );
  }
  return { dtype: dtype as Dtype, shape, begin, end };
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Bytes [begin, end) of the file as F32; bounds were checked against the file already. */
function decode(dtype: Dtype, bytes: Uint8Array, begin: number, end: number): Float32Array {
  const n = (end - begin) / DTYPE_BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
  switch (dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN_HOST) {
        const at = bytes.byteOffset + begin;
        // A view when aligned, so reading a large file does not double its memory.
        if (at % 4 === 0) return new Float32Array(bytes.buffer, at, n);
        // Copied through set(), not slice(): Node's Buffer.slice returns a view of a shared pool.
        const out = new Float32Array(n);
        new Uint8Array(out.buffer).set(bytes.subarray(begin, end));
        return out;
      }
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of an IEEE float32.
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'I64': {
      // high word signed, low word unsigned: exact for |v| < 2^53, then rounded to F32.
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = view.getInt32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true);
      }
      return out;
    }
  }
}

/** IEEE 754 binary16 → number: sign, 5-bit exponent (bias 15), 10-bit fraction. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export interface TensorToWrite {
  name: string;
  shape: readonly number[];
  /** The values; whole numbers where `dtype` is I64. */
  data: Float32Array;
  /** F32 when absent; I64 for integer buffers (batch norm's num_batches_tracked is a long). */
  dtype?: 'F32' | 'I64';
}

/**
 * A safetensors file of F32 (and I64) tensors, as parts (header, then each tensor's bytes in the order
 * given) so that `new Blob(parts)` needs no second full copy: on little-endian hosts the tensor
 * parts are views of the callers' arrays, which must stay unchanged until the parts are used.
 * The header is padded with spaces to a multiple of 8 bytes, as the reference library does.
 * Bad arguments are programming errors of the caller: StudioError('BAD_ARGUMENT').
 */
export function writeSafetensors(
  tensors: readonly TensorToWrite[],
  metadata: Readonly<Record<string, string>>,
): Uint8Array[] {
  const fields: string[] = [];
  const metaKeys = Object.keys(metadata);
  if (metaKeys.length > 0) {
    for (const key of metaKeys) {
      if (RESERVED_NAMES.has(key)) throw badArgument(`metadata key ${quote(key)} is reserved`);
      if (typeof metadata[key] !== 'string') throw badArgument(`metadata ${quote(key)} is not a string`);
    }
    fields.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  const seen = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (RESERVED_NAMES.has(t.name) || t.name === '__metadata__') {
      throw badArgument(`tensor name ${quote(t.name)} is reserved`);
    }
    if (seen.has(t.name)) throw badArgument(`tensor name ${quote(t.name)} is used twice`);
    seen.add(t.name);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every(isCount) || size !== t.data.length) {
      throw badArgument(
        `tensor ${quote(t.name)} has ${t.data.length} values, not shape [${t.shape.join(', ')}]`,
      );
    }
    const dtype = t.dtype ?? 'F32';
    if (dtype === 'I64' && !t.data.every((v) => Number.isSafeInteger(v))) {
      throw badArgument(`tensor ${quote(t.name)} is I64 but holds a value that is not a whole number`);
    }
    const bytes = t.data.length * (dtype === 'I64' ? 8 : 4);
    const entry = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    fields.push(`${JSON.stringify(t.name)}:${JSON.stringify(entry)}`);
    offset += bytes;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const header = new Uint8Array(8 + headerLength).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(headerLength), true);
  header.set(json, 8);
  return [header, ...tensors.map((t) => (t.dtype === 'I64' ? i64Bytes(t.data) : f32Bytes(t.data)))];
}

function i64Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(8 * i, BigInt(data[i] ?? 0), true);
  return out;
}

function f32Bytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i] ?? 0, true);
  return out;
}

function badArgument(detail: string): StudioError {
  return new StudioError('BAD_ARGUMENT', `Cannot write safetensors: ${detail}.`, false);
}
