import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, SplitChecksum } from '../../../src/engine/data/checksum';

describe('crc32', () => {
  it('matches the standard check value and zlib, also when continued across pieces', () => {
    const text = new TextEncoder().encode('123456789');
    expect(crc32(text)).toBe(0xcbf43926);
    const bytes = new Uint8Array(5000).map((_, i) => (i * 7919) & 0xff);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(bytes.subarray(1234), crc32(bytes.subarray(0, 1234)))).toBe(crc32(bytes));
  });
});

describe('SplitChecksum', () => {
  const images = new Uint8Array(10 * 3072).map((_, i) => i & 0xff);
  const labels = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('does not depend on how records are chunked, but on every byte', () => {
    const whole = new SplitChecksum();
    whole.update({ images, labels });
    const pieces = new SplitChecksum();
    pieces.update({ images: images.subarray(0, 3 * 3072), labels: labels.subarray(0, 3) });
    pieces.update({ images: images.subarray(3 * 3072), labels: labels.subarray(3) });
    expect(pieces.digest()).toBe(whole.digest());
    expect(whole.digest()).toMatch(/^10:[0-9a-f]{8}:00000000:[0-9a-f]{8}$/);
    const changed = new SplitChecksum();
    const other = images.slice();
    other[5000] = (other[5000] ?? 0) ^ 1;
    changed.update({ images: other, labels });
    expect(changed.digest()).not.toBe(whole.digest());
  });
});
