// Checksums of stored dataset splits, so the worker can tell a complete, unchanged dataset from a
// half-written or damaged one after a reload. Independent of how records are cut into chunks: labels,
// coarse labels and pixels each get their own running CRC-32 over the split in record order.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib and PNG) of `bytes`, continuing from `crc` (0 to start). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++)
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
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
