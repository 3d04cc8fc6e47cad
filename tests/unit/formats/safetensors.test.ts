import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src/protocol/errors';
import { halfToFloat, readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';

const REFERENCE = path.resolve(process.cwd(), '../shared/fixtures/reference');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(REFERENCE, name)));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A file from header text and data, with the length field set to `length` (default: the header's). */
function rawFile(header: string | Uint8Array, data: Uint8Array | number = 0, length?: bigint): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, length ?? BigInt(json.byteLength), true);
  return concat([head, json, typeof data === 'number' ? new Uint8Array(data) : data]);
}

/** A header of F32 entries; `offsets` default to contiguous from 0. */
function header(entries: Record<string, unknown>): string {
  return JSON.stringify(entries);
}

function expectBad(bytes: Uint8Array, message: RegExp): void {
  let error: unknown;
  try {
    readSafetensors(bytes);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(StudioError);
  expect((error as StudioError).code).toBe('BAD_SAFETENSORS');
  expect((error as StudioError).message).toMatch(/^Not a (valid )?safetensors file: /);
  expect((error as StudioError).message).toMatch(message);
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: 'F32',
  shape,
  data_offsets: [begin, end],
});

describe('readSafetensors', () => {
  it('reads the reference fixtures, F32, F64 and I64 included', () => {
    const v = readSafetensors(fixture('vertices.safetensors'));
    expect(v.tensors.size).toBe(96);
    expect(v.tensors.get('net.c1.weight_0')?.shape).toEqual([8, 3, 3, 3]);
    expect(v.metadata.format).toBe('pt');
    const e = readSafetensors(fixture('expected.safetensors'));
    const labels = e.tensors.get('labels');
    expect(labels?.dtype).toBe('I64');
    expect(labels?.data.every((x) => Number.isInteger(x) && x >= 0 && x < 10)).toBe(true);
  });

  it('round-trips what it writes: names, shapes, values, metadata, padded header', () => {
    const a = new Float32Array([1, -2.5, 3e-8, 4, NaN, -0]);
    const b = new Float32Array([]);
    const c = new Float32Array([7]);
    const parts = writeSafetensors(
      [
        { name: 'a.b', shape: [2, 3], data: a },
        { name: 'empty', shape: [0, 4], data: b },
        { name: 'scalar', shape: [], data: c },
      ],
      { k: 'v', ünï: 'cödé' },
    );
    expect(parts).toHaveLength(4);
    expect((parts[0]?.byteLength ?? 1) % 8).toBe(0);
    const f = readSafetensors(concat(parts));
    expect([...f.tensors.keys()]).toEqual(['a.b', 'empty', 'scalar']);
    expect(f.tensors.get('a.b')).toEqual({ dtype: 'F32', shape: [2, 3], data: a });
    expect(f.tensors.get('empty')).toEqual({ dtype: 'F32', shape: [0, 4], data: b });
    expect(f.tensors.get('scalar')).toEqual({ dtype: 'F32', shape: [], data: c });
    expect({ ...f.metadata }).toEqual({ k: 'v', ünï: 'cödé' });
  });

  it('writes tensor parts as views of the data, not copies', () => {
    const data = new Float32Array([1, 2]);
    const [, part] = writeSafetensors([{ name: 'x', shape: [2], data }], {});
    expect(part?.buffer).toBe(data.buffer);
  });

  it('reads aligned F32 tensors as views of the input, unaligned ones as copies', () => {
    const data = new Uint8Array(new Float32Array([3.5, -1]).buffer);
    const h = header({ a: f32([2], 0, 8) });
    const padded = h.padEnd(Math.ceil(h.length / 8) * 8);
    const aligned = readSafetensors(rawFile(padded, data));
    const unaligned = readSafetensors(rawFile(padded + ' ', data));
    expect([...(aligned.tensors.get('a')?.data ?? [])]).toEqual([3.5, -1]);
    expect([...(unaligned.tensors.get('a')?.data ?? [])]).toEqual([3.5, -1]);
    expect(aligned.tensors.get('a')?.data.byteOffset).not.toBe(0);
    expect(unaligned.tensors.get('a')?.data.byteOffset).toBe(0);
  });

  it('reads Node Buffers, whose slice() is a view of a shared pool', () => {
    const data = new Uint8Array(new Float32Array([3.5, -1]).buffer);
    const h = header({ a: f32([2], 0, 8) });
    for (const pad of [0, 1, 2, 3]) {
      const file = Buffer.concat([Buffer.from('padding'), rawFile(h + ' '.repeat(pad), data)]).subarray(7);
      expect([...(readSafetensors(file).tensors.get('a')?.data ?? [])]).toEqual([3.5, -1]);
    }
  });

  it('reads an empty file of no tensors, and metadata-only files', () => {
    expect(readSafetensors(rawFile('{}')).tensors.size).toBe(0);
    expect(readSafetensors(rawFile('{"__metadata__":{"a":"b"}}  ')).metadata.a).toBe('b');
  });

  it('converts F16 to F32 with known values, subnormals and specials', () => {
    const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x3555, 0x7c00, 0xfc00, 0x8000, 0x7e00];
    const expected = [1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 0.333251953125, Infinity, -Infinity, -0, NaN];
    const data = new Uint8Array(new Uint16Array(halves).buffer);
    const f = readSafetensors(
      rawFile(header({ h: { dtype: 'F16', shape: [10], data_offsets: [0, 20] } }), data),
    );
    expect([...(f.tensors.get('h')?.data ?? [])]).toEqual(expected);
    expect(halves.map(halfToFloat)).toEqual(expected);
  });

  it('converts BF16 and F64 to F32, and I64 to its value', () => {
    const bf = new Uint8Array(new Uint16Array([0x3f80, 0xc049, 0x7f80, 0x0001]).buffer);
    const f64 = new Uint8Array(new Float64Array([0.1, -1e300, 1.5]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([-5n, 2n ** 40n, 0n]).buffer);
    const h = header({
      b: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] },
      d: { dtype: 'F64', shape: [3], data_offsets: [8, 32] },
      i: { dtype: 'I64', shape: [3], data_offsets: [32, 56] },
    });
    const f = readSafetensors(rawFile(h, concat([bf, f64, i64])));
    expect([...(f.tensors.get('b')?.data ?? [])]).toEqual([1, -3.140625, Infinity, 2 ** -133]);
    expect([...(f.tensors.get('d')?.data ?? [])]).toEqual([Math.fround(0.1), -Infinity, 1.5]);
    expect(f.tensors.get('i')).toEqual({
      dtype: 'I64',
      shape: [3],
      data: new Float32Array([-5, 2 ** 40, 0]),
    });
  });

  it('reads tensors that start at odd byte offsets', () => {
    const data = new Uint8Array(new Float32Array([3.5, -1]).buffer);
    const h = header({ a: { dtype: 'F16', shape: [1], data_offsets: [0, 2] }, b: f32([2], 2, 10) });
    const f = readSafetensors(rawFile(h + ' ', concat([new Uint8Array([0, 0x3c]), data])));
    expect([...(f.tensors.get('b')?.data ?? [])]).toEqual([3.5, -1]);
  });
});

describe('readSafetensors rejects', () => {
  it('a file shorter than 8 bytes', () => {
    expectBad(new Uint8Array(5), /5 bytes long, shorter than the 8-byte header length/);
  });

  it('a header length past the end of the file', () => {
    expectBad(rawFile('{}', 0, 3n), /header claims 3 bytes but the file has only 2/);
  });

  it('a header length over 16 MiB, compared as 64 bits', () => {
    expectBad(
      rawFile('{}', 0, 16n * 1024n * 1024n + 1n),
      /^Not a safetensors file: it does not start with a header length .*give 16777217 bytes, more than the 16 MiB limit/,
    );
    // 2^64 − 1 would be 1.8e19 as a number and ≡ small values modulo 2^32: it must not wrap.
    expectBad(rawFile('{}', 0, 2n ** 64n - 1n), /give 18446744073709551615 bytes, more than the 16 MiB/);
    expectBad(rawFile('{}', 0, 2n ** 32n + 2n), /more than the 16 MiB limit/);
  });

  it('a header that is not UTF-8', () => {
    expectBad(rawFile(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /header is not UTF-8/);
    expectBad(rawFile(new Uint8Array([0x7b, 0x22, 0xc3, 0x22, 0x7d])), /header is not UTF-8/);
  });

  it('a header that is not JSON, or not a JSON object', () => {
    expectBad(rawFile('{"a": '), /header is not valid JSON/);
    expectBad(rawFile(''), /header is not valid JSON/);
    expectBad(rawFile('[1, 2]'), /header is not a JSON object/);
    expectBad(rawFile('null    '), /header is not a JSON object/);
    expectBad(rawFile('{"a":"\\x"}'), /header is not valid JSON/);
  });

  it('a header of more items than any weight file needs, quickly', () => {
    const keys = Array.from({ length: 70_000 }, (_, i) => `"k${i}":""`).join(',');
    const start = performance.now();
    expectBad(rawFile(`{"__metadata__":{${keys}}}`), /the header lists more than 65536 items/);
    expectBad(
      rawFile(`{"a":${JSON.stringify(f32(Array<number>(70_000).fill(1), 0, 4))}}`, 4),
      /more than 65536 items/,
    );
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('a header nested deeper than any valid one', () => {
    expectBad(rawFile('['.repeat(100_000)), /nested deeper than any valid header/);
    expectBad(rawFile(header({ a: { ...f32([1], 0, 4), shape: [[1]] } }), 4), /nested deeper/);
  });

  it('an unknown or unsupported dtype', () => {
    expectBad(
      rawFile(header({ a: { ...f32([1], 0, 4), dtype: 'F33' } }), 4),
      /tensor "a" has an unknown dtype "F33"/,
    );
    expectBad(rawFile(header({ a: { ...f32([1], 0, 4), dtype: 7 } }), 4), /unknown dtype "7"/);
    expectBad(
      rawFile(header({ a: { ...f32([4], 0, 4), dtype: 'U8' } }), 4),
      /has dtype U8; the studio reads only/,
    );
  });

  it('extra or missing keys in an entry, or an entry that is not an object', () => {
    expectBad(
      rawFile(header({ a: { ...f32([1], 0, 4), offset: 0 } }), 4),
      /tensor "a" has an unexpected key "offset"/,
    );
    expectBad(rawFile(header({ a: { dtype: 'F32', shape: [1] } }), 4), /tensor "a" has no data_offsets/);
    expectBad(rawFile(header({ a: [1] })), /tensor "a" is not described by an object/);
  });

  it('shapes that are not arrays of non-negative safe integers', () => {
    for (const shape of ['3', [-1], [1.5], [2 ** 53], ['2'], null]) {
      expectBad(
        rawFile(header({ a: { ...f32([1], 0, 4), shape } }), 4),
        /shape that is not a list of non-negative integers/,
      );
    }
  });

  it('shapes whose size overflows', () => {
    expectBad(
      rawFile(header({ a: f32([2 ** 26, 2 ** 26, 2 ** 26, 0], 0, 0) })),
      /shape whose size overflows/,
    );
  });

  it('data_offsets that are malformed or reversed', () => {
    expectBad(
      rawFile(header({ a: { ...f32([1], 0, 4), data_offsets: [0] } }), 4),
      /data_offsets that are not two/,
    );
    expectBad(
      rawFile(header({ a: { ...f32([1], 0, 4), data_offsets: [0, -4] } }), 4),
      /data_offsets that are not two/,
    );
    expectBad(rawFile(header({ a: f32([0], 4, 0) }), 4), /ends \(0\) before it begins \(4\)/);
  });

  it('offsets that do not start at 0', () => {
    expectBad(rawFile(header({ a: f32([1], 4, 8) }), 8), /first tensor, "a", starts at byte 4 instead of 0/);
  });

  it('holes between tensors', () => {
    expectBad(
      rawFile(header({ a: f32([1], 0, 4), b: f32([1], 8, 12) }), 12),
      /bytes 4–8 lie between tensors \(a hole before "b"\)/,
    );
    expectBad(
      rawFile(header({ z: f32([0], 0, 0), b: f32([1], 4, 8) }), 8),
      /bytes 0–4 lie between tensors \(a hole before "b"\)/,
    );
  });

  it('overlapping tensors', () => {
    expectBad(
      rawFile(header({ a: f32([2], 0, 8), b: f32([1], 4, 8) }), 8),
      /tensor "b" overlaps the tensor before it/,
    );
    expectBad(rawFile(header({ a: f32([1], 0, 4), b: f32([1], 0, 4) }), 4), /overlaps/);
  });

  it('offsets that disagree with shape × dtype size', () => {
    expectBad(
      rawFile(header({ a: f32([3], 0, 8) }), 8),
      /tensor "a" spans 8 bytes but shape \[3\] of F32 needs 12/,
    );
  });

  it('tensors that need more data than the file holds, without allocating it', () => {
    // 2^52 bytes claimed consistently by shape and offsets: refused before any copy.
    expectBad(
      rawFile(header({ a: f32([2 ** 50], 0, 2 ** 52) }), 16),
      /need 4503599627370496 bytes of data but the file holds only 16/,
    );
  });

  it('trailing bytes after the last tensor', () => {
    expectBad(rawFile(header({ a: f32([1], 0, 4) }), 9), /5 trailing bytes follow the last tensor/);
  });

  it('metadata that is not an object of strings', () => {
    expectBad(rawFile('{"__metadata__":{"a":1}}'), /metadata "a" is not a string/);
    expectBad(rawFile('{"__metadata__":["a"]}'), /__metadata__ is not an object of strings/);
  });

  it('duplicate names, however spelled, and duplicate keys in an entry', () => {
    const e = JSON.stringify(f32([1], 0, 4));
    expectBad(rawFile(`{"a":${e},"a":${e}}`, 4), /the name "a" appears twice in the header/);
    expectBad(rawFile(`{"ab":${e},"\\u0061b":${e}}`, 4), /the name "ab" appears twice/);
    expectBad(
      rawFile(`{"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}`, 4),
      /"dtype" appears twice in one entry/,
    );
    expectBad(rawFile('{"__metadata__":{"k":"1","k":"2"}}'), /"k" appears twice in one entry/);
  });

  it('names that could reach Object.prototype', () => {
    const e = JSON.stringify(f32([1], 0, 4));
    expectBad(rawFile(`{"__proto__":${e}}`, 4), /the name "__proto__" is not allowed/);
    expectBad(rawFile(`{"constructor":${e}}`, 4), /the name "constructor" is not allowed/);
    expectBad(rawFile('{"__metadata__":{"__proto__":"x"}}'), /metadata key "__proto__" is not allowed/);
    expect(Object.prototype).not.toHaveProperty('dtype');
  });
});

describe('writeSafetensors refuses bad arguments', () => {
  it('sizes that do not match, duplicate or reserved names', () => {
    const data = new Float32Array(2);
    expect(() => writeSafetensors([{ name: 'x', shape: [3], data }], {})).toThrow(
      /has 2 values, not shape \[3\]/,
    );
    expect(() =>
      writeSafetensors(
        [
          { name: 'x', shape: [2], data },
          { name: 'x', shape: [2], data },
        ],
        {},
      ),
    ).toThrow(/used twice/);
    expect(() => writeSafetensors([{ name: '__metadata__', shape: [2], data }], {})).toThrow(/reserved/);
  });
});
