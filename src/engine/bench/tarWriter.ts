// Writes a minimal ustar archive in memory: enough to build an official-layout CIFAR tarball for
// the benchmark's import measurement and for tests, without shipping one. Pure bytes, no DOM.

const BLOCK = 512;

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

export function tarArchive(entries: readonly TarEntry[]): Uint8Array<ArrayBuffer> {
  const size = entries.reduce((n, e) => n + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let at = 0;
  for (const entry of entries) {
    out.set(header(entry.name, entry.data.length), at);
    out.set(entry.data, at + BLOCK);
    at += BLOCK + Math.ceil(entry.data.length / BLOCK) * BLOCK;
  }
  return out;
}

function header(name: string, size: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (text: string, offset: number) => {
    for (let i = 0; i < text.length; i++) h[offset + i] = text.charCodeAt(i);
  };
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${size.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  const sum = h.reduce((s, b) => s + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}
