// Writes a minimal zip archive in memory (members stored, not compressed; CRC-32 set): PyTorch's
// checkpoint files (torchWriter.ts) and the benchmark's image folder. Pure bytes, no DOM.

import { crc32 } from '../data/checksum';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const LOCAL = 30;
const CENTRAL = 46;
const END = 22;
/** 1980-01-01 00:00 in DOS date format, the earliest a zip can say. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export function zipArchive(entries: readonly ZipEntry[]): Uint8Array<ArrayBuffer> {
  // No zip64 records: a larger archive would need them.
  if (entries.length > 0xffff) throw new RangeError(`zipArchive writes at most 65,535 members.`);
  const names = entries.map((e) => new TextEncoder().encode(e.name));
  const localSize = entries.reduce((n, e, i) => n + LOCAL + (names[i]?.length ?? 0) + e.data.length, 0);
  const centralSize = names.reduce((n, name) => n + CENTRAL + name.length, 0);
  if (localSize + centralSize > 0xffffffff) throw new RangeError('zipArchive writes at most 4 GiB.');
  const out = new Uint8Array(localSize + centralSize + END);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.data));
  let at = 0;
  entries.forEach((entry, i) => {
    const name = names[i] as Uint8Array;
    offsets.push(at);
    view.setUint32(at, 0x04034b50, true);
    view.setUint16(at + 4, 20, true); // version needed: 2.0
    view.setUint16(at + 12, DOS_DATE, true);
    view.setUint32(at + 14, crcs[i] ?? 0, true);
    view.setUint32(at + 18, entry.data.length, true);
    view.setUint32(at + 22, entry.data.length, true);
    view.setUint16(at + 26, name.length, true);
    out.set(name, at + LOCAL);
    out.set(entry.data, at + LOCAL + name.length);
    at += LOCAL + name.length + entry.data.length;
  });
  const central = at;
  entries.forEach((entry, i) => {
    const name = names[i] as Uint8Array;
    view.setUint32(at, 0x02014b50, true);
    view.setUint16(at + 4, 20, true);
    view.setUint16(at + 6, 20, true);
    view.setUint16(at + 14, DOS_DATE, true);
    view.setUint32(at + 16, crcs[i] ?? 0, true);
    view.setUint32(at + 20, entry.data.length, true);
    view.setUint32(at + 24, entry.data.length, true);
    view.setUint16(at + 28, name.length, true);
    view.setUint32(at + 42, offsets[i] ?? 0, true);
    out.set(name, at + CENTRAL);
    at += CENTRAL + name.length;
  });
  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - central, true);
  view.setUint32(at + 16, central, true);
  return out;
}
