// Image folders: the zip reader on archives made by Info-ZIP (plain, streamed with data
// descriptors, zip64), the PNG decoder against ImageMagick's own decoding of the same files, the
// 32×32 record rule, the ImageFolder layout, and the importer end to end. Fixtures:
// tests/fixtures/image-folder/README.md says how each was made.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { readZipDirectory, readZipEntry, type RandomAccessFile } from '../../../src/engine/formats/zip';
import { decodePng } from '../../../src/engine/formats/png';
import { rgbaToRecord } from '../../../src/engine/data/imageRecord';
import { imageFolderLayout } from '../../../src/engine/formats/imageFolder';
import {
  importImageFolder,
  MAX_IMAGE_FILE_BYTES,
  zipFolderFiles,
  type FolderFile,
  type ImageFolderChunk,
  type ImageFolderSummary,
} from '../../../src/engine/formats/imageFolderImport';
import { crc32 } from '../../../src/engine/data/checksum';
import { zipArchive } from '../../../src/engine/formats/zipWriter';
import { StudioError } from '../../../src/protocol/errors';

const DIR = path.resolve(__dirname, '../../fixtures/image-folder');

function fileAt(bytes: Uint8Array, name: string): RandomAccessFile {
  return {
    name,
    size: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.slice(offset, offset + length)),
  };
}

function zipFile(name: string): RandomAccessFile {
  return fileAt(new Uint8Array(readFileSync(path.join(DIR, name))), name);
}

/** Every file under the fixture's folder, as `shapes/…` paths. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(DIR, rel))) {
      const child = `${rel}/${name}`;
      if (statSync(path.join(DIR, child)).isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(root);
  return out.sort();
}

/** A PAM file (P7, GRAYSCALE_ALPHA or RGB_ALPHA, any maxval) as 8-bit RGBA: v · 255 / maxval, rounded. */
function pamToRgba(bytes: Buffer): { width: number; height: number; rgba: Uint8Array } {
  const end = bytes.indexOf('ENDHDR\n') + 7;
  const header = Object.fromEntries(
    bytes
      .subarray(0, end)
      .toString('latin1')
      .split('\n')
      .map((line) => line.split(' ')),
  ) as Record<string, string>;
  const width = Number(header.WIDTH);
  const height = Number(header.HEIGHT);
  const depth = Number(header.DEPTH);
  const maxval = Number(header.MAXVAL);
  const wide = maxval > 255;
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const at = (k: number) => {
      const i = p * depth + k;
      const v = wide ? bytes.readUInt16BE(end + 2 * i) : (bytes[end + i] as number);
      return Math.round((v * 255) / maxval);
    };
    const rgb = depth === 2 ? [at(0), at(0), at(0)] : [at(0), at(1), at(2)];
    rgba.set([...rgb, at(depth - 1)], p * 4);
  }
  return { width, height, rgba };
}

async function studioError(promise: Promise<unknown>): Promise<StudioError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StudioError);
  return error as StudioError;
}

describe("zipArchive (the benchmark's generated image folder)", () => {
  it('writes an archive Info-ZIP tests clean and the studio reads back member for member', async () => {
    const entries = [
      {
        name: 'bench/train/a/0.png',
        data: new Uint8Array(readFileSync(path.join(DIR, 'shapes/train/circle/c1.png'))),
      },
      { name: 'bench/test/a/0.png', data: new TextEncoder().encode('x'.repeat(1000)) },
      { name: 'bench/empty.txt', data: new Uint8Array(0) },
    ];
    const bytes = zipArchive(entries);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'zip-writer-')), 'bench.zip');
    writeFileSync(file, bytes);
    const tested = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain('No errors detected');
    const archive = fileAt(bytes, 'bench.zip');
    const listed = await readZipDirectory(archive);
    expect(listed.map((e) => e.path)).toEqual(entries.map((e) => e.name));
    for (const [i, entry] of listed.entries()) {
      expect(await readZipEntry(archive, entry, 1 << 20)).toEqual(entries[i]?.data);
    }
    rmSync(path.dirname(file), { recursive: true });
  });
});

describe('readZipDirectory and readZipEntry', () => {
  for (const name of ['shapes.zip', 'shapes-stream.zip', 'shapes-zip64.zip']) {
    it(`read ${name} member for member as the files it was made from`, async () => {
      const file = zipFile(name);
      const entries = await readZipDirectory(file);
      const files = entries.filter((e) => !e.path.endsWith('/'));
      expect(files.map((e) => e.path).sort()).toEqual(tree('shapes'));
      expect(entries.some((e) => e.path === 'shapes/train/circle/')).toBe(true);
      for (const entry of files) {
        const bytes = await readZipEntry(file, entry, 1 << 20);
        expect(Buffer.from(bytes).equals(readFileSync(path.join(DIR, entry.path)))).toBe(true);
      }
    });
  }

  it('refuses a member whose bytes were damaged, naming it', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(DIR, 'shapes.zip')));
    const file = fileAt(bytes, 'shapes.zip');
    const entry = (await readZipDirectory(file)).find((e) => e.path.endsWith('c1.png'));
    if (!entry) throw new Error('fixture lacks c1.png');
    const nameLength = bytes[entry.headerOffset + 26] as number;
    const data = entry.headerOffset + 30 + nameLength + (bytes[entry.headerOffset + 28] as number);
    const at = data + Math.floor(entry.compressedSize / 2);
    bytes[at] = (bytes[at] as number) ^ 0x55;
    const error = await studioError(readZipEntry(file, entry, 1 << 20));
    expect(error.code).toBe('BAD_DATASET');
    expect(error.message).toContain('shapes/train/circle/c1.png');
  });

  it('refuses a truncated archive and a file that is not a zip', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(DIR, 'shapes.zip')));
    const cut = await studioError(readZipDirectory(fileAt(bytes.slice(0, bytes.length - 30), 'cut.zip')));
    expect(cut.message).toMatch(/^cut\.zip is not a readable \.zip archive/);
    const png = await studioError(
      readZipDirectory(fileAt(new Uint8Array(readFileSync(path.join(DIR, 'interlaced.png'))), 'x.png')),
    );
    expect(png.message).toContain('no end-of-directory record');
  });

  it('stops a member that inflates past its declared size (a zip bomb) and refuses one declared too large', async () => {
    // One deflated member of 1 MiB of zeros whose directory claims 100 bytes, built by hand.
    const content = new Uint8Array(1 << 20);
    const deflated = new Uint8Array(deflateRawSync(content));
    const name = new TextEncoder().encode('a/b.png');
    const local = new Uint8Array(30 + name.length + deflated.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, 8, true);
    lv.setUint32(18, deflated.length, true);
    lv.setUint32(22, 100, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    local.set(deflated, 30 + name.length);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, 8, true);
    cv.setUint32(16, crc32(content.subarray(0, 100)), true);
    cv.setUint32(20, deflated.length, true);
    cv.setUint32(24, 100, true);
    cv.setUint16(28, name.length, true);
    central.set(name, 46);
    const end = new Uint8Array(22);
    const ev = new DataView(end.buffer);
    ev.setUint32(0, 0x06054b50, true);
    ev.setUint16(8, 1, true);
    ev.setUint16(10, 1, true);
    ev.setUint32(12, central.length, true);
    ev.setUint32(16, local.length, true);
    const archive = new Uint8Array([...local, ...central, ...end]);
    const file = fileAt(archive, 'bomb.zip');
    const [entry] = await readZipDirectory(file);
    if (!entry) throw new Error('no entry');
    const bomb = await studioError(readZipEntry(file, entry, 1 << 20));
    expect(bomb.message).toContain('is corrupt');
    const big = await studioError(readZipEntry(file, { ...entry, size: 2 << 20 }, 1 << 20));
    expect(big.message).toContain('more than the 1048576 allowed');
  });
});

describe('decodePng', () => {
  const pngs = tree('shapes').filter((p) => p.endsWith('.png') && !p.endsWith('broken.png'));
  for (const rel of pngs) {
    it(`decodes ${path.basename(rel)} to the samples libpng gives (netpbm's pngtopam)`, async () => {
      const image = await decodePng(new Uint8Array(readFileSync(path.join(DIR, rel))), rel);
      const expected = pamToRgba(readFileSync(path.join(DIR, 'pam', `${path.basename(rel, '.png')}.pam`)));
      expect([image.width, image.height]).toEqual([expected.width, expected.height]);
      expect(Buffer.from(image.rgba).equals(Buffer.from(expected.rgba))).toBe(true);
    });
  }

  it('refuses an interlaced image with how to convert it, and bytes that are not a PNG', async () => {
    const interlaced = await studioError(
      decodePng(new Uint8Array(readFileSync(path.join(DIR, 'interlaced.png'))), 'i.png'),
    );
    expect(interlaced.message).toContain('interlaced');
    const text = await studioError(decodePng(new TextEncoder().encode('not an image'), 'broken.png'));
    expect(text.message).toBe(
      'broken.png is not a readable PNG image: it does not start with the PNG signature.',
    );
  });

  it('refuses a damaged chunk by its CRC', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(DIR, 'shapes/train/circle/c1.png')));
    bytes[40] = (bytes[40] as number) ^ 1;
    const error = await studioError(decodePng(bytes, 'c1.png'));
    expect(error.message).toContain('CRC');
  });
});

describe('rgbaToRecord', () => {
  const rgba = (w: number, h: number, px: (x: number, y: number) => [number, number, number, number]) => {
    const out = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(px(x, y), (y * w + x) * 4);
    return out;
  };
  const record = (image: Uint8Array, w: number, h: number) => {
    const out = new Uint8Array(3072);
    rgbaToRecord(image, w, h, out);
    return out;
  };

  it('keeps a 32×32 image as it is, in planar R, G, B order', () => {
    const image = rgba(32, 32, (x, y) => [x * 8, y * 8, (x + y) % 256, 255]);
    const out = record(image, 32, 32);
    expect(out[5 * 32 + 7]).toBe(56);
    expect(out[1024 + 5 * 32 + 7]).toBe(40);
    expect(out[2048 + 5 * 32 + 7]).toBe(12);
  });

  it('averages the 2×2 blocks of a 64×64 image and crops a wide one to its centred square', () => {
    const checker = record(
      rgba(64, 64, (x, y) => ((x + y) % 2 === 0 ? [255, 0, 100, 255] : [1, 0, 0, 255])),
      64,
      64,
    );
    expect(new Set(checker.subarray(0, 1024))).toEqual(new Set([128]));
    expect(new Set(checker.subarray(2048))).toEqual(new Set([50]));
    // 96×32: the left and right 32 columns are red, the middle green; only green remains.
    const wide = record(
      rgba(96, 32, (x) => (x >= 32 && x < 64 ? [0, 200, 0, 255] : [255, 0, 0, 255])),
      96,
      32,
    );
    expect(new Set(wide.subarray(0, 1024))).toEqual(new Set([0]));
    expect(new Set(wide.subarray(1024, 2048))).toEqual(new Set([200]));
  });

  it('brings a 28×28 gray image up to 32×32 keeping its constant areas, and composites alpha over black', () => {
    const up = record(
      rgba(28, 28, () => [90, 90, 90, 255]),
      28,
      28,
    );
    expect(new Set(up)).toEqual(new Set([90]));
    const half = record(
      rgba(32, 32, () => [200, 100, 50, 128]),
      32,
      32,
    );
    expect([half[0], half[1024], half[2048]]).toEqual([100, 50, 25]);
  });
});

describe('imageFolderLayout', () => {
  it('reads train/ and test/ folders under a common root, classes sorted as torchvision sorts them', () => {
    const layout = imageFolderLayout([
      'data/train/dog/1.png',
      'data/train/Cat/2.jpg',
      'data/train/cat/3.webp',
      'data/train/notes.txt',
      'data/test/dog/4.png',
      'data/test/Cat/5.png',
      '__MACOSX/data/train/._1.png',
      'data/.DS_Store',
    ]);
    expect(layout.classNames).toEqual(['Cat', 'cat', 'dog']);
    expect(layout.train).toEqual([
      { path: 'data/train/Cat/2.jpg', label: 0 },
      { path: 'data/train/cat/3.webp', label: 1 },
      { path: 'data/train/dog/1.png', label: 2 },
    ]);
    expect(layout.test.map((i) => i.label)).toEqual([0, 2]);
    expect(layout.split).toEqual({ kind: 'folders' });
    expect(layout.skipped).toEqual(['data/train/notes.txt']);
  });

  it('splits a folder of class folders per class with its seed: the same seed the same split', () => {
    const paths = ['a', 'b', 'c'].flatMap((c) => Array.from({ length: 12 }, (_, i) => `${c}/${i}.png`));
    const one = imageFolderLayout(paths, { seed: 7 });
    expect(one.split).toEqual({ kind: 'seeded', seed: 7, testFraction: 1 / 6 });
    expect(one.test).toHaveLength(6);
    expect(one.train).toHaveLength(30);
    for (const label of [0, 1, 2]) expect(one.test.filter((i) => i.label === label)).toHaveLength(2);
    expect(new Set([...one.train, ...one.test].map((i) => i.path))).toEqual(new Set(paths));
    expect(imageFolderLayout([...paths].reverse(), { seed: 7 })).toEqual(one);
    const other = imageFolderLayout(paths, { seed: 8 });
    expect(other.test.map((i) => i.path)).not.toEqual(one.test.map((i) => i.path));
  });

  it('refuses what no classifier can be trained on, saying what was found', () => {
    const message = (paths: string[]) => {
      try {
        imageFolderLayout(paths);
      } catch (e) {
        return (e as StudioError).message;
      }
      return 'accepted';
    };
    expect(message(['only/1.png', 'only/2.png'])).toContain('Only one class folder (“only”)');
    expect(message(['1.png', '2.png'])).toContain('No class folders');
    expect(message(['a/1.png', 'b/', 'c/2.png'])).toBe('The class folder “b” has no images.');
    expect(message(['train/a/1.png', 'train/b/2.png', 'test/c/3.png'])).toBe(
      'test/c is a class that train/ does not have.',
    );
    expect(message(['x/../../etc/passwd', 'y/1.png'])).toContain('leaves it');
    expect(message(Array.from({ length: 257 }, (_, i) => `c${i}/1.png`))).toContain('at most 256 classes');
  });
});

describe('importImageFolder', () => {
  async function run(
    files: FolderFile[],
  ): Promise<{ chunks: ImageFolderChunk[]; summary: ImageFolderSummary }> {
    const chunks: ImageFolderChunk[] = [];
    for await (const event of importImageFolder(files, decodePng, { chunkRecords: 4 })) {
      if (event.type === 'records') chunks.push(event.chunk);
      if (event.type === 'done') return { chunks, summary: event.summary };
    }
    throw new Error('no done event');
  }

  it('imports the zip: PNGs as records, the JPEG (no Node decoder) and the text files skipped and listed', async () => {
    const { chunks, summary } = await run(await zipFolderFiles(zipFile('shapes.zip')));
    expect(summary.classNames).toEqual(['circle', 'square']);
    expect(summary.counts).toEqual({ train: 8, test: 2 });
    expect(summary.skipped.map((s) => path.basename(s.path)).sort()).toEqual([
      'README.txt',
      'broken.png',
      's3.jpg',
    ]);
    expect(summary.sizes).toMatch(/^32×32 \(2\), /);
    const train = chunks.filter((c) => c.split === 'train');
    expect(train.map((c) => c.labels.length)).toEqual([4, 4]);
    expect([...train.flatMap((c) => [...c.labels])]).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    // The 32×32 gray circle (c2_gray) is the second circle image: its record is its pixels, copied to three planes.
    const c2 = train[0]?.images.subarray(3072, 6144) as Uint8Array;
    const gray = pamToRgba(readFileSync(path.join(DIR, 'pam', 'c2_gray.pam'))).rgba;
    for (const at of [0, 16 * 32 + 16, 1023]) {
      expect([c2[at], c2[1024 + at], c2[2048 + at]]).toEqual([gray[at * 4], gray[at * 4], gray[at * 4]]);
    }
  });

  it('refuses a class left with no decodable training image', async () => {
    const files: FolderFile[] = [
      {
        path: 'a/1.png',
        read: () =>
          Promise.resolve(new Uint8Array(readFileSync(path.join(DIR, 'shapes/train/circle/c1.png')))),
      },
      {
        path: 'a/2.png',
        read: () =>
          Promise.resolve(new Uint8Array(readFileSync(path.join(DIR, 'shapes/train/circle/c1.png')))),
      },
      { path: 'b/1.png', read: () => Promise.resolve(new TextEncoder().encode('text')) },
      { path: 'b/2.png', read: () => Promise.resolve(new TextEncoder().encode('text')) },
    ];
    const error = await studioError(run(files));
    expect(error.message).toMatch(/No image of the (train|test) split|class “b”/);
  });

  it('skips an image over the pixel cap from its header, before any decoder sees it', async () => {
    const png = () =>
      Promise.resolve(new Uint8Array(readFileSync(path.join(DIR, 'shapes/train/circle/c1.png'))));
    // A JPEG whose frame header declares 5000×4000 (80 MB as RGBA) and a WebP canvas of 20000×20000.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0x0f, 0xa0, 0x13, 0x88, 1, 1, 0x11, 0]);
    const webp = readFileSync(path.join(DIR, 'headers/alpha.webp'));
    webp.set([0x1f, 0x4e, 0x00, 0x1f, 0x4e, 0x00], 24);
    const decoded: string[] = [];
    const files: FolderFile[] = [
      { path: 'train/a/1.png', read: png },
      { path: 'train/a/huge.jpg', read: () => Promise.resolve(jpeg) },
      { path: 'train/b/1.png', read: png },
      { path: 'train/b/huge.webp', read: () => Promise.resolve(new Uint8Array(webp)) },
      { path: 'test/a/1.png', read: png },
      { path: 'test/b/1.png', read: png },
    ];
    let summary: ImageFolderSummary | undefined;
    const observed = (bytes: Uint8Array, at: string) => {
      decoded.push(at);
      return decodePng(bytes, at);
    };
    for await (const event of importImageFolder(files, observed)) {
      if (event.type === 'done') summary = event.summary;
    }
    expect(decoded).toEqual(['train/a/1.png', 'train/b/1.png', 'test/a/1.png', 'test/b/1.png']);
    expect(summary?.skipped).toEqual([
      { path: 'train/a/huge.jpg', reason: '5000×4000 pixels, more than the 16,777,216 read' },
      { path: 'train/b/huge.webp', reason: '20000×20000 pixels, more than the 16,777,216 read' },
    ]);
  });

  it('refuses an image file over the cap from its size, without reading it', async () => {
    const png = () =>
      Promise.resolve(new Uint8Array(readFileSync(path.join(DIR, 'shapes/train/circle/c1.png'))));
    const files: FolderFile[] = [
      { path: 'a/1.png', read: png },
      { path: 'a/2.png', read: png },
      {
        path: 'b/huge.png',
        size: MAX_IMAGE_FILE_BYTES + 1,
        read: () => Promise.reject(new Error('read a file over the cap')),
      },
      { path: 'b/2.png', read: png },
    ];
    const error = await studioError(run(files));
    expect(error.code).toBe('BAD_DATASET');
    expect(error.message).toBe('b/huge.png is 67,108,865 bytes, more than the 64 MiB an image file may be.');
  });
});
