// Checksums of stored dataset splits, so the worker can tell a complete, unchanged dataset from a
// half-written or damaged one after a reload. Independent of how records are cut into chunks: labels,
// coarse labels and pixels each get their own running CRC-32 over the split in record order.

/** Slicing-by-4 tables: T[k·256 + n] is the CRC of byte n followed by k zero bytes. */
const CRC_TABLES = (() => {
  const t = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) {
      const prev = t[(k - 1) * 256 + n] as number;
      t[k * 256 + n] = (prev >>> 8) ^ (t[prev & 0xff] as number);
    }
  }
  return t;
})();

/**
 * CRC-32 (IEEE 802.3, as zlib and PNG) of `bytes`, continuing from `crc` (0 to start). Four bytes
 * per step (slicing-by-4): about three times the speed of the byte-wise loop, which matters at 180 MB.
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = CRC_TABLES;
  let c = ~crc >>> 0;
  let i = 0;
  for (const end = bytes.length - 3; i < end; i += 4) {
    c ^=
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    c =
      (t[768 + (c & 0xff)] as number) ^
      (t[512 + ((c >>> 8) & 0xff)] as number) ^
      (t[256 + ((c >>> 16) & 0xff)] as number) ^
      (t[c >>> 24] as number);
  }
  for (; i < bytes.length; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** Running checksum of one split; feed chunks in record order. */
export class SplitChecksum {
  private labels = 0;
  private coarse = 0;
  private images = 0;
  private count = 0;

  update(chunk: { images: Uint8Array; labels: Uint8Array; coarse?: Uint8Array }): void {
    this.labels = crc32(chunk.labels, this.labels);
    if (chunk.coarse !== undefined) this.coarse = crc32(chunk.coarse, this.coarse);
    this.images = crc32(chunk.images, this.images);
    this.count += chunk.labels.length;
  }

  /** `count:labels:coarse:images`, the CRCs in hex; equal strings mean equal splits. */
  digest(): string {
    const hex = (v: number): string => v.toString(16).padStart(8, '0');
    return `${this.count}:${hex(this.labels)}:${hex(this.coarse)}:${hex(this.images)}`;
  }
}
