// The MNIST-family importer on small IDX files built here (every refusal) and on Debian's official
// Fashion-MNIST files (/usr/share/datasets/fashion-mnist, package dataset-fashion-mnist).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { importIdx, type IdxChunk, type IdxImportSummary } from '../../../src/engine/formats/idxImport';
import { idxRole, idxToRecords } from '../../../src/engine/formats/idx';
import type { ImportFile } from '../../../src/engine/formats/cifarImport';
import { ChannelStats } from '../../../src/engine/data/channelStats';
import { StudioError } from '../../../src/protocol/errors';
import { fileOf } from './cifarTestFiles';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

function idxImages(
  count: number,
  rows: number,
  cols: number,
  pixel: (i: number, r: number, c: number) => number,
) {
  const out = new Uint8Array(16 + count * rows * cols);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x803);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  for (let i = 0; i < count; i++)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) out[16 + i * rows * cols + r * cols + c] = pixel(i, r, c) & 0xff;
  return out;
}

function idxLabels(labels: readonly number[]): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x801);
  view.setUint32(4, labels.length);
  out.set(labels, 8);
  return out;
}

interface Parts {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

function smallSet(): Parts {
  const trainLabels = [0, 1, 2, 1, 0, 2, 1];
  const testLabels = [2, 0, 1];
  return {
    trainImages: idxImages(trainLabels.length, 28, 28, (i, r, c) => i * 31 + r * 3 + c + 1),
    trainLabels: idxLabels(trainLabels),
    testImages: idxImages(testLabels.length, 28, 28, (i, r, c) => 200 - i - r + c),
    testLabels: idxLabels(testLabels),
  };
}

function filesOf(p: Parts, gz = false): ImportFile[] {
  const z = (b: Uint8Array) => (gz ? new Uint8Array(gzipSync(b)) : b);
  const ext = gz ? '.gz' : '';
  return [
    fileOf(`t10k-images-idx3-ubyte${ext}`, z(p.testImages), [100]),
    fileOf(`train-images-idx3-ubyte${ext}`, z(p.trainImages), [777, 5]),
    fileOf(`train-labels-idx1-ubyte${ext}`, z(p.trainLabels)),
    fileOf(`t10k-labels-idx1-ubyte${ext}`, z(p.testLabels), [3]),
  ];
}

async function collect(files: readonly ImportFile[], chunkRecords = 2) {
  const chunks: IdxChunk[] = [];
  let summary: IdxImportSummary | null = null;
  for await (const event of importIdx(files, { chunkRecords })) {
    if (event.type === 'records') chunks.push(event.chunk);
    if (event.type === 'done') summary = event.summary;
  }
  if (!summary) throw new Error('no summary');
  return { chunks, summary };
}

async function refusal(files: readonly ImportFile[]): Promise<StudioError> {
  const err = await collect(files).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof StudioError)) throw new Error(`expected a StudioError, got ${String(err)}`);
  return err;
}

describe('IDX file names and pixels', () => {
  it('tells the four official files apart, .gz or not', () => {
    expect(idxRole('train-images-idx3-ubyte.gz')).toEqual({ split: 'train', content: 'images' });
    expect(idxRole('T10K-LABELS-IDX1-UBYTE')).toEqual({ split: 'test', content: 'labels' });
    expect(idxRole('train-images-idx1-ubyte')).toBeNull();
    expect(idxRole('data_batch_1.bin')).toBeNull();
  });

  it('centres a 28×28 image on 32×32 with two black pixels each side, gray in all three channels', () => {
    const pixels = new Uint8Array(28 * 28).map((_, i) => 1 + (i % 250));
    const rec = idxToRecords(pixels, 1, 28, 28);
    expect(rec.length).toBe(3072);
    for (let ch = 0; ch < 3; ch++) {
      const plane = rec.subarray(ch * 1024, (ch + 1) * 1024);
      expect(plane[0]).toBe(0);
      expect(plane[1 * 32 + 31]).toBe(0);
      expect(plane[2 * 32 + 1]).toBe(0);
      expect(plane[2 * 32 + 2]).toBe(pixels[0]);
      expect(plane[29 * 32 + 29]).toBe(pixels[27 * 28 + 27]);
      expect(plane[30 * 32 + 29]).toBe(0);
      let nonzero = 0;
      for (const v of plane) if (v !== 0) nonzero++;
      expect(nonzero).toBe(28 * 28);
    }
  });
});

describe('importIdx', () => {
  it('streams both splits as records, in file order, gzipped or not', async () => {
    const parts = smallSet();
    for (const gz of [false, true]) {
      const { chunks, summary } = await collect(filesOf(parts, gz));
      expect(summary.counts).toEqual({ train: 7, test: 3 });
      expect(summary.classNames).toEqual(['0', '1', '2']);
      expect(summary.fashionMnist).toBe(false);
      expect(summary.imageSize).toEqual({ rows: 28, cols: 28 });
      const train = chunks.filter((c) => c.split === 'train');
      expect(train.map((c) => c.labels.length)).toEqual([2, 2, 2, 1]);
      expect(train.flatMap((c) => [...c.labels])).toEqual([0, 1, 2, 1, 0, 2, 1]);
      // Image 5 of train, pixel (r=3, c=4) sits at (5, 6) on the canvas, green plane.
      const third = train[2] as IdxChunk;
      expect(third.images[3072 + 1024 + 5 * 32 + 6]).toBe((5 * 31 + 3 * 3 + 4 + 1) & 0xff);
      const test = chunks.filter((c) => c.split === 'test');
      expect(test.flatMap((c) => [...c.labels])).toEqual([2, 0, 1]);
    }
  });

  it('refuses a label file whose count differs from its image file', async () => {
    const parts = smallSet();
    parts.testLabels = idxLabels([2, 0]);
    const err = await refusal(filesOf(parts));
    expect(err.code).toBe('BAD_DATASET');
    expect(err.message).toContain(
      't10k-labels-idx1-ubyte holds 2 labels but t10k-images-idx3-ubyte holds 3 images',
    );
  });

  it('refuses a wrong magic number, wrong dimensions and images larger than 32×32', async () => {
    const swapped = smallSet();
    [swapped.trainImages, swapped.trainLabels] = [swapped.trainLabels, swapped.trainImages];
    expect((await refusal(filesOf(swapped))).message).toMatch(
      /train-labels-idx1-ubyte has 3 dimensions.*should hold labels/,
    );

    const notIdx = smallSet();
    notIdx.trainLabels = new TextEncoder().encode('<html>not found</html>');
    expect((await refusal(filesOf(notIdx))).message).toContain('train-labels-idx1-ubyte is not an IDX file');

    const big = smallSet();
    big.trainImages = idxImages(7, 40, 40, () => 1);
    expect((await refusal(filesOf(big))).message).toContain(
      'holds 40×40 images; the studio takes IDX images of up to 32×32',
    );
  });

  it('refuses truncated files, extra bytes and a gzip that inflates past the header (a bomb)', async () => {
    const short = smallSet();
    short.trainImages = short.trainImages.subarray(0, 16 + 28 * 28 * 3 + 5);
    expect((await refusal(filesOf(short))).message).toContain('ends after 3 of the 7 images');

    const long = smallSet();
    const padded = new Uint8Array(long.testLabels.length + 1);
    padded.set(long.testLabels);
    long.testLabels = padded;
    expect((await refusal(filesOf(long))).message).toContain('holds more bytes than the 3 labels its header');

    // 16 MB of zeros after a 10-label header, gzipped to ~16 KB: stopped right after the header's size.
    const bomb = smallSet();
    const inflated = new Uint8Array(8 + 16 * 1024 * 1024);
    inflated.set(idxLabels([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]).subarray(0, 8 + 10));
    const files = filesOf(bomb);
    files[3] = fileOf('t10k-labels-idx1-ubyte.gz', new Uint8Array(gzipSync(inflated)));
    expect((await refusal(files)).message).toContain('holds more bytes than the');
  });

  it('names missing, doubled and unrecognised files', async () => {
    const files = filesOf(smallSet());
    expect((await refusal(files.slice(1))).message).toContain('missing: t10k-images-idx3-ubyte');
    expect(
      (await refusal([...files, fileOf('train-images-idx3-ubyte.gz', new Uint8Array(4))])).message,
    ).toContain('both hold the train images');
    expect((await refusal([...files, fileOf('notes.txt', new Uint8Array(4))])).message).toContain(
      'notes.txt is not named like an MNIST-family file',
    );
  });

  it('needs two classes', async () => {
    const parts = smallSet();
    parts.trainLabels = idxLabels([0, 0, 0, 0, 0, 0, 0]);
    parts.testLabels = idxLabels([0, 0, 0]);
    expect((await refusal(filesOf(parts))).message).toContain('at least two classes');
  });
});

describe.runIf(existsSync(FASHION_DIR))('the official Fashion-MNIST files', () => {
  it('import as 60,000 + 10,000 images, 6,000 / 1,000 per class, with its class names', async () => {
    const names = [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ];
    const files = names.map((n) => fileOf(n, new Uint8Array(readFileSync(path.join(FASHION_DIR, n)))));
    const counts = { train: new Array<number>(10).fill(0), test: new Array<number>(10).fill(0) };
    const stats = new ChannelStats();
    let summary: IdxImportSummary | null = null;
    for await (const event of importIdx(files)) {
      if (event.type === 'records') {
        for (const l of event.chunk.labels)
          counts[event.chunk.split][l] = (counts[event.chunk.split][l] ?? 0) + 1;
        if (event.chunk.split === 'train') stats.add(event.chunk.images);
      }
      if (event.type === 'done') summary = event.summary;
    }
    expect(summary?.fashionMnist).toBe(true);
    expect(summary?.suggestedName).toBe('Fashion-MNIST');
    expect(summary?.classNames[9]).toBe('Ankle boot');
    expect(summary?.counts).toEqual({ train: 60000, test: 10000 });
    expect(counts.train).toEqual(new Array(10).fill(6000));
    expect(counts.test).toEqual(new Array(10).fill(1000));
    // Fashion-MNIST's 28×28 statistics are mean 0.2860, std 0.3530; padding adds 240 black pixels of
    // 1024, so on 32×32: mean 0.2860·784/1024 = 0.2190, and E[x²] scales the same way.
    const norm = stats.result();
    const m28 = 0.28604;
    const s28 = 0.35302;
    const mean32 = (m28 * 784) / 1024;
    const std32 = Math.sqrt(((s28 * s28 + m28 * m28) * 784) / 1024 - mean32 * mean32);
    for (let c = 0; c < 3; c++) {
      expect(norm?.mean[c]).toBeCloseTo(mean32, 4);
      expect(norm?.std[c]).toBeCloseTo(std32, 4);
    }
  }, 60_000);
});
