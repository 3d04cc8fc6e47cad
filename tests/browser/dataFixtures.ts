// Reads the miniature CIFAR tarballs in Node (zlib + a tiny tar walk), independently of the
// studio's own parser, so browser tests can compare what the page stored with what the file holds.

import { gunzipSync, crc32 } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURE_DIR } from './cifarUpstreamDouble';

export interface FixtureSplit {
  count: number;
  classCounts: number[];
  imagesCrc32: number;
  labelsCrc32: number;
}

export function fixturePath(file: string): string {
  return path.join(FIXTURE_DIR, file);
}

/** Per split: record count, label histogram, and CRC-32s of all images and all labels in order. */
export function readFixture(file: 'cifar-10-binary.tar.gz' | 'cifar-100-binary.tar.gz'): {
  train: FixtureSplit;
  test: FixtureSplit;
} {
  const classes = file.startsWith('cifar-10-') ? 10 : 100;
  const labelBytes = classes === 10 ? 1 : 2;
  const tar = gunzipSync(readFileSync(fixturePath(file)));
  const parts = {
    train: { images: [] as Buffer[], labels: [] as number[] },
    test: { images: [] as Buffer[], labels: [] as number[] },
  };
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    const body = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    const base = name.split('/').pop() ?? '';
    const split = /^(data_batch_\d+|train)\.bin$/.test(base)
      ? 'train'
      : /^(test_batch|test)\.bin$/.test(base)
        ? 'test'
        : null;
    if (split === null) continue;
    const record = labelBytes + 3072;
    for (let r = 0; r + record <= body.length; r += record) {
      parts[split].labels.push(body[r + labelBytes - 1] ?? -1);
      parts[split].images.push(body.subarray(r + labelBytes, r + record));
    }
  }
  const summarise = ({ images, labels }: { images: Buffer[]; labels: number[] }): FixtureSplit => {
    const classCounts = new Array<number>(classes).fill(0);
    for (const l of labels) classCounts[l] = (classCounts[l] ?? 0) + 1;
    return {
      count: labels.length,
      classCounts,
      imagesCrc32: crc32(Buffer.concat(images)),
      labelsCrc32: crc32(Buffer.from(labels)),
    };
  };
  return { train: summarise(parts.train), test: summarise(parts.test) };
}
