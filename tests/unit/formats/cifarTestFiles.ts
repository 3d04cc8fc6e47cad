// Test helpers: feed bytes to the importer as a browser File would, build small tar archives, and
// read archive members independently of the code under test (node:zlib + a minimal header walk).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  importCifar,
  type CifarImportSummary,
  type ImportFile,
  type ImportOptions,
} from '../../../src/engine/formats/cifarImport';
import type { RecordChunk } from '../../../src/engine/formats/cifarRecords';

export const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/cifar-layout');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(FIXTURES, name)));
}

/** A stream that hands out `bytes` in slices whose sizes come from `sizes` (cycled). */
export function chunkedStream(
  bytes: Uint8Array,
  sizes: readonly number[] = [65536],
): ReadableStream<Uint8Array> {
  let pos = 0;
  let turn = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pos >= bytes.length) {
        controller.close();
        return;
      }
      const n = Math.max(1, sizes[turn++ % sizes.length] ?? 1);
      controller.enqueue(bytes.slice(pos, pos + n));
      pos += n;
    },
  });
}

export function fileOf(name: string, bytes: Uint8Array, sizes?: readonly number[]): ImportFile {
  return { name, size: bytes.length, stream: () => chunkedStream(bytes, sizes) };
}

export interface Collected {
  summary: CifarImportSummary;
  chunks: RecordChunk[];
  progress: { bytesRead: number; totalBytes: number | null }[];
  eventTypes: string[];
}

export async function collect(files: readonly ImportFile[], options?: ImportOptions): Promise<Collected> {
  const chunks: RecordChunk[] = [];
  const progress: Collected['progress'] = [];
  const eventTypes: string[] = [];
  let summary: CifarImportSummary | null = null;
  for await (const event of importCifar(files, options)) {
    eventTypes.push(event.type);
    if (event.type === 'records') chunks.push(event.chunk);
    else if (event.type === 'progress')
      progress.push({ bytesRead: event.bytesRead, totalBytes: event.totalBytes });
    else summary = event.summary;
  }
  if (summary === null) throw new Error('no done event');
  return { summary, chunks, progress, eventTypes };
}

/** Concatenated labels / images of one split, in stream order. */
export function joined(
  chunks: readonly RecordChunk[],
  split: 'train' | 'test',
  field: 'labels' | 'images' | 'coarse',
): Uint8Array {
  const parts = chunks.filter((c) => c.split === split).map((c) => c[field] ?? new Uint8Array(0));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Members of a .tar.gz read with node:zlib and a bare ustar walk: the independent reference. */
export function membersOf(tarGz: Uint8Array): Map<string, Uint8Array> {
  const tar = new Uint8Array(gunzipSync(tarGz));
  const out = new Map<string, Uint8Array>();
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = Buffer.from(header.subarray(0, 100)).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(Buffer.from(header.subarray(124, 136)).toString('latin1').replace(/\0.*$/s, ''), 8);
    if (String.fromCharCode(header[156] ?? 0) === '0') out.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

export interface TarMember {
  name: string;
  bytes: Uint8Array;
  /** How a long name is written: ustar prefix field, GNU ././@LongLink, or a pax header. */
  longName?: 'prefix' | 'gnu' | 'pax';
  /** Write the size field in GNU base-256 instead of octal. */
  base256Size?: boolean;
  typeflag?: string;
}

/** A small tar writer for archives the fixtures do not cover. */
export function makeTar(members: readonly TarMember[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const m of members) {
    let name = m.name;
    let prefix = '';
    if (m.longName === 'gnu') {
      blocks.push(
        ...entry(
          { name: '././@LongLink', typeflag: 'L', bytes: new TextEncoder().encode(`${m.name}\0`) },
          '',
        ),
      );
      name = m.name.slice(0, 99);
    } else if (m.longName === 'pax') {
      const record = paxRecord('path', m.name);
      blocks.push(
        ...entry({ name: 'PaxHeaders/x', typeflag: 'x', bytes: new TextEncoder().encode(record) }, ''),
      );
      name = m.name.slice(0, 99);
    } else if (m.longName === 'prefix') {
      const cut = m.name.lastIndexOf('/');
      prefix = m.name.slice(0, cut);
      name = m.name.slice(cut + 1);
    }
    blocks.push(...entry({ ...m, name }, prefix));
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len++;
  return `${len}${body}`;
}

function entry(m: TarMember, prefix: string): Uint8Array[] {
  const h = new Uint8Array(512);
  const put = (text: string, at: number): void => {
    h.set(new TextEncoder().encode(text), at);
  };
  put(m.name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  if (m.base256Size === true) {
    h[124] = 0x80;
    let v = m.bytes.length;
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else put(`${m.bytes.length.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put(m.typeflag ?? '0', 156);
  put('ustar\0', 257);
  put('00', 263);
  put(prefix, 345);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((s, b) => s + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = new Uint8Array(Math.ceil(m.bytes.length / 512) * 512);
  body.set(m.bytes);
  return [h, body];
}

/** The 512-byte ustar header of a regular file `name` of `size` bytes (the body is not included). */
export function tarHeader(name: string, size: number): Uint8Array {
  const [header] = entry({ name, bytes: new Uint8Array(0) }, '');
  const h = header as Uint8Array;
  h.set(new TextEncoder().encode(`${size.toString(8).padStart(11, '0')}\0`), 124);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((s, b) => s + b, 0);
  h.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  return h;
}

/** `n` CIFAR records with the given label bytes per record and deterministic pixels. */
export function records(n: number, labelsOf: (i: number) => readonly number[]): Uint8Array {
  const first = labelsOf(0).length;
  const size = first + 3072;
  const out = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) {
    out.set(labelsOf(i), i * size);
    for (let p = 0; p < 3072; p++) out[i * size + first + p] = (i * 7 + p) & 0xff;
  }
  return out;
}

export const gzip = (bytes: Uint8Array): Uint8Array => new Uint8Array(gzipSync(bytes));

/** Index of the first differing byte, or -1 (vitest's deep equality is slow on big arrays). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
