// CRC-32 (IEEE 802.3, the one zlib and gzip use), updated chunk by chunk so a dataset's checksum is
// computed while it streams into storage and again while it is read back. Runs anywhere: no DOM.

const TABLES = makeTables();

/** Slicing-by-4 tables: TABLES[k][b] is the CRC of byte b followed by k zero bytes. */
function makeTables(): Uint32Array[] {
  const tables = [0, 1, 2, 3].map(() => new Uint32Array(256));
  const t0 = tables[0] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let k = 1; k < 4; k++) {
    const prev = tables[k - 1] as Uint32Array;
    const cur = tables[k] as Uint32Array;
    for (let n = 0; n < 256; n++) {
      const p = prev[n] as number;
      cur[n] = (t0[p & 0xff] as number) ^ (p >>> 8);
    }
  }
  return tables;
}

/** The CRC of `previous`'s bytes followed by `bytes`; start from 0. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~previous >>> 0;
  let i = 0;
  const whole = bytes.length & ~3;
  for (; i < whole; i += 4) {
    c ^=
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    c =
      (t3[c & 0xff] as number) ^
      (t2[(c >>> 8) & 0xff] as number) ^
      (t1[(c >>> 16) & 0xff] as number) ^
      (t0[c >>> 24] as number);
  }
  for (; i < bytes.length; i++) c = (t0[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
