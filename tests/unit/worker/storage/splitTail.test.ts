// SplitTail fills a split's last images from its chunks read last first, as loadSplitTail's
// IndexedDB cursor hands them over. Chunks of uneven sizes (an import cuts at every file's end),
// random pixels and labels so that every record differs: the tail must equal the whole split's
// same indices, and only the chunks that hold it may be read.
import { describe, expect, it } from 'vitest';
import { IMAGE_BYTES, SplitTail, type StoredChunk } from '../../../../src/worker/storage/datasetRecords';
import { Rng } from '../../../../src/engine/util/rng';

const SIZES = [10, 10, 7, 10, 3];
const COUNT = SIZES.reduce((s, n) => s + n, 0);

function bytes(rng: Rng, n: number, below: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(below));
}

/** A whole split in memory and the same records cut into SIZES chunks. */
function split(coarse: boolean) {
  const rng = new Rng(7);
  const images = bytes(rng, COUNT * IMAGE_BYTES, 256);
  const labels = bytes(rng, COUNT, 10);
  const superclasses = coarse ? bytes(rng, COUNT, 20) : null;
  const chunks: StoredChunk[] = [];
  let start = 0;
  for (const n of SIZES) {
    const chunk: StoredChunk = {
      images: images.slice(start * IMAGE_BYTES, (start + n) * IMAGE_BYTES),
      labels: labels.slice(start, start + n),
    };
    if (superclasses) chunk.coarse = superclasses.slice(start, start + n);
    chunks.push(chunk);
    start += n;
  }
  const info = { count: COUNT, chunks: SIZES.length, ...(coarse ? { coarseCrc32: 0 } : {}) };
  return { images, labels, superclasses, chunks, info };
}

const fail = (detail: string) => new Error(detail);

/** Feeds chunks last first, as a 'prev' cursor does, until the tail asks for no more. */
function readTail(tail: SplitTail, chunks: readonly StoredChunk[]): number[] {
  const read: number[] = [];
  for (let i = chunks.length - 1; i >= 0; i--) {
    read.push(i);
    if (!tail.take(chunks[i] as StoredChunk, i)) break;
  }
  tail.finish();
  return read;
}

describe('SplitTail', () => {
  it.each([1, 3, 4, 13, 20, 33, COUNT, COUNT + 5])(
    'the last %i images equal the whole split at the same indices',
    (want) => {
      const s = split(true);
      const tail = new SplitTail(s.info, want, fail);
      const read = readTail(tail, s.chunks);
      const n = Math.min(want, COUNT);
      const first = COUNT - n;
      expect(tail.count).toBe(n);
      expect(tail.first).toBe(first);
      expect(tail.images).toEqual(s.images.subarray(first * IMAGE_BYTES));
      expect(tail.labels).toEqual(s.labels.subarray(first));
      expect(tail.coarse).toEqual(s.superclasses?.subarray(first));
      // Only the chunks holding images first…COUNT−1 were read.
      let end = COUNT;
      const holding: number[] = [];
      for (let i = SIZES.length - 1; i >= 0 && end > first; i--) {
        holding.push(i);
        end -= SIZES[i] ?? 0;
      }
      expect(read).toEqual(holding);
    },
  );

  it('has no superclass labels for a split without them', () => {
    const s = split(false);
    const tail = new SplitTail(s.info, 5, fail);
    readTail(tail, s.chunks);
    expect(tail.coarse).toBeNull();
    expect(tail.labels).toEqual(s.labels.subarray(COUNT - 5));
  });

  it('refuses chunks out of order, of the wrong size, or too few', () => {
    const s = split(false);
    // First to last, as a cursor in the wrong direction would hand them over.
    expect(() => new SplitTail(s.info, 5, fail).take(s.chunks[0] as StoredChunk, 0)).toThrow(
      'chunk 0 read where chunk 4 belongs',
    );
    const short: StoredChunk = { images: new Uint8Array(IMAGE_BYTES), labels: new Uint8Array(2) };
    expect(() => new SplitTail(s.info, 5, fail).take(short, 4)).toThrow('a stored chunk has the wrong size');
    // The metadata counts more images than the chunks hold.
    const tail = new SplitTail({ count: COUNT + 4, chunks: SIZES.length }, COUNT + 4, fail);
    expect(() => readTail(tail, s.chunks)).toThrow(`${COUNT} of the last ${COUNT + 4} images`);
  });
});
