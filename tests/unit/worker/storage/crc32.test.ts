// The incremental CRC-32 that dataset checksums use agrees with zlib's, however the bytes are cut.

import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 } from '../../../../src/worker/storage/crc32';

describe('crc32', () => {
  it('matches zlib in one piece and in uneven pieces', () => {
    const bytes = new Uint8Array(100_003).map((_, i) => (i * 2654435761) >>> 11);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    let running = 0;
    for (const [start, end] of [
      [0, 1],
      [1, 6],
      [6, 4099],
      [4099, 100_003],
    ] as const) {
      running = crc32(bytes.subarray(start, end), running);
    }
    expect(running).toBe(zlibCrc32(bytes));
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
