// Image sizes from file headers, against the sizes ImageMagick wrote (tests/fixtures/image-folder/
// headers, 37×23 each) and libpng decoded (the PAM references of the PNG fixtures); cut-short and
// foreign bytes have no size.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readImageHeader } from '../../../src/engine/formats/imageHeader';

const DIR = path.resolve(__dirname, '../../fixtures/image-folder');
const read = (rel: string): Uint8Array => new Uint8Array(readFileSync(path.join(DIR, rel)));

describe('readImageHeader', () => {
  const made: [string, string][] = [
    ['lossy.webp', 'webp'], // VP8
    ['lossless.webp', 'webp'], // VP8L
    ['alpha.webp', 'webp'], // VP8X
    ['progressive.jpg', 'jpeg'], // SOF2 after JFIF and quantisation tables
    ['v3.bmp', 'bmp'],
    ['core.bmp', 'bmp'], // 12-byte core header, 16-bit sizes
    ['gif.gif', 'gif'],
  ];
  for (const [name, format] of made) {
    it(`reads ${name} as ${format} 37×23`, () => {
      expect(readImageHeader(read(`headers/${name}`))).toEqual({ format, width: 37, height: 23 });
    });
  }

  it('reads every PNG fixture at the size libpng decoded it, and the baseline JPEG', () => {
    for (const name of readdirSync(path.join(DIR, 'pam'))) {
      const pam = Buffer.from(read(`pam/${name}`)).toString('latin1');
      const size = (key: string) => Number(new RegExp(`${key} (\\d+)`).exec(pam)?.[1]);
      const png = name.startsWith('c')
        ? `shapes/train/circle/${name}`
        : name.startsWith('s')
          ? `shapes/train/square/${name}`
          : `shapes/test/${name === 't1.pam' ? 'circle' : 'square'}/${name}`;
      expect(readImageHeader(read(png.replace('.pam', '.png')))).toEqual({
        format: 'png',
        width: size('WIDTH'),
        height: size('HEIGHT'),
      });
    }
    expect(readImageHeader(read('shapes/train/square/s3.jpg'))).toEqual({
      format: 'jpeg',
      width: 64,
      height: 48,
    });
  });

  it('reads sizes past 16 bits (VP8X, BMP) and a GIF frame larger than its screen', () => {
    const vp8x = read('headers/alpha.webp').slice();
    vp8x.set([0x1f, 0x4e, 0x00, 0x3f, 0x9c, 0x00], 24); // 19,999 + 1 and 39,999 + 1
    expect(readImageHeader(vp8x)).toEqual({ format: 'webp', width: 20_000, height: 40_000 });
    const bmp = read('headers/v3.bmp').slice();
    new DataView(bmp.buffer).setInt32(22, -70_000, true); // top-down
    expect(readImageHeader(bmp)).toEqual({ format: 'bmp', width: 37, height: 70_000 });
    const gif = read('headers/gif.gif').slice();
    gif.set([1, 0, 1, 0], 6); // a 1×1 screen; the frame still covers 37×23
    expect(readImageHeader(gif)).toEqual({ format: 'gif', width: 37, height: 23 });
  });

  it('has no size for bytes cut short, a JPEG without a frame header, or other files', () => {
    for (const name of ['lossy.webp', 'lossless.webp', 'alpha.webp', 'v3.bmp', 'gif.gif']) {
      expect(readImageHeader(read(`headers/${name}`).subarray(0, 20))).toBeNull();
    }
    const jpeg = read('headers/progressive.jpg');
    const sof = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xc2);
    expect(readImageHeader(jpeg.subarray(0, sof + 6))).toBeNull();
    expect(readImageHeader(read('shapes/train/square/broken.png'))).toBeNull();
    expect(readImageHeader(read('shapes/train/README.txt'))).toBeNull();
    expect(readImageHeader(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toBeNull();
  });
});
