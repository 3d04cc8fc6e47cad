// The IDX format of MNIST, Fashion-MNIST, KMNIST and their kin (yann.lecun.com/exdb/mnist): a
// big-endian header — two zero bytes, a type byte (0x08: unsigned bytes), a dimension count, one
// 32-bit size per dimension — then the values. Image files are 3-D (count, rows, cols), label files
// 1-D (count). The studio stores every image as a 32×32×3 CIFAR record: an image of up to 32×32 is
// centred on a black 32×32 canvas (28×28 gets two pixels each side) and its gray value is copied to
// all three channels. Pure functions; runs in the worker and in Node.

import { StudioError } from '../../protocol/errors';
import { IMAGE_BYTES } from './cifarLayout';

export const IDX_SIDE = 32;
/** The longest header this module reads (3 dimensions). */
export const IDX_IMAGES_HEADER_BYTES = 16;
export const IDX_LABELS_HEADER_BYTES = 8;

export type IdxContent = 'images' | 'labels';
export type IdxSplit = 'train' | 'test';

export interface IdxHeader {
  content: IdxContent;
  count: number;
  /** 1 for labels. */
  rows: number;
  cols: number;
  headerBytes: number;
}

/** What a file holds by its official name: `train-images-idx3-ubyte`, `t10k-labels-idx1-ubyte.gz` … */
export interface IdxRole {
  split: IdxSplit;
  content: IdxContent;
}

/**
 * The role of a file named like the official ones (case-insensitive, `.gz` or not): a `train` or
 * `t10k`/`test` prefix, `images`/`labels`, and `idx3-ubyte`/`idx1-ubyte`. Null for anything else.
 */
export function idxRole(fileName: string): IdxRole | null {
  const name = fileName.toLowerCase();
  const m = /^(train|t10k|test)[-_.](images|labels)[-_.]idx([13])[-_.]ubyte(\.gz)?$/.exec(name);
  if (!m) return null;
  const content = m[2] === 'images' ? 'images' : 'labels';
  if ((content === 'images') !== (m[3] === '3')) return null;
  return { split: m[1] === 'train' ? 'train' : 'test', content };
}

/** True when `fileName` looks like an IDX file (the importer sends these here, not to CIFAR's). */
export function looksLikeIdxName(fileName: string): boolean {
  return /idx[13][-_.]ubyte(\.gz)?$/i.test(fileName);
}

/**
 * Reads and checks the header at the start of `head` (at least 8 bytes; 16 for images), for a file
 * that `expected` says holds images or labels. BAD_DATASET names `name` and says what is wrong.
 */
export function parseIdxHeader(head: Uint8Array, name: string, expected: IdxContent): IdxHeader {
  const dims = expected === 'images' ? 3 : 1;
  const headerBytes = 4 + 4 * dims;
  if (head.length < headerBytes) {
    throw bad(`${name} is ${head.length} bytes long, shorter than an IDX header (${headerBytes} bytes).`);
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = view.getUint32(0);
  const type = head[2] as number;
  const gotDims = head[3] as number;
  if (head[0] !== 0 || head[1] !== 0) {
    throw bad(
      `${name} is not an IDX file (it starts with 0x${magic.toString(16).padStart(8, '0')}, not 0x00000803 ` +
        `for images or 0x00000801 for labels). Pick the MNIST-family files train-images-idx3-ubyte, ` +
        `train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (.gz or not).`,
    );
  }
  if (type !== 0x08) {
    throw bad(
      `${name} holds IDX values of type 0x${type.toString(16).padStart(2, '0')}; the studio reads unsigned bytes (0x08), as MNIST's files are.`,
    );
  }
  if (gotDims !== dims) {
    const want =
      expected === 'images' ? 'images (3 dimensions: count, rows, columns)' : 'labels (1 dimension)';
    throw bad(
      `${name} has ${gotDims} dimension${gotDims === 1 ? '' : 's'} (magic 0x${magic.toString(16).padStart(8, '0')}), but by its name it should hold ${want}.`,
    );
  }
  const count = view.getUint32(4);
  const rows = dims === 3 ? view.getUint32(8) : 1;
  const cols = dims === 3 ? view.getUint32(12) : 1;
  if (count === 0) throw bad(`${name} holds no ${expected} (its header says 0).`);
  if (dims === 3 && (rows < 1 || cols < 1 || rows > IDX_SIDE || cols > IDX_SIDE)) {
    throw bad(
      `${name} holds ${rows}×${cols} images; the studio takes IDX images of up to ${IDX_SIDE}×${IDX_SIDE} (MNIST's are 28×28).`,
    );
  }
  return { content: expected, count, rows, cols, headerBytes };
}

/**
 * `n` images of rows×cols gray bytes (row-major, as IDX stores them) as n CIFAR records of 3072
 * bytes: centred on a black 32×32 canvas (top/left margin ⌊(32 − side)/2⌋), gray copied to R, G, B.
 */
export function idxToRecords(pixels: Uint8Array, n: number, rows: number, cols: number): Uint8Array {
  const size = rows * cols;
  if (pixels.length !== n * size) {
    throw new StudioError('INTERNAL', `idxToRecords got ${pixels.length} bytes for ${n} images of ${size}.`);
  }
  const out = new Uint8Array(n * IMAGE_BYTES);
  const plane = IDX_SIDE * IDX_SIDE;
  const top = Math.floor((IDX_SIDE - rows) / 2);
  const left = Math.floor((IDX_SIDE - cols) / 2);
  for (let i = 0; i < n; i++) {
    const src = i * size;
    const dst = i * IMAGE_BYTES;
    for (let r = 0; r < rows; r++) {
      const row = pixels.subarray(src + r * cols, src + (r + 1) * cols);
      const at = dst + (top + r) * IDX_SIDE + left;
      out.set(row, at);
      out.set(row, at + plane);
      out.set(row, at + 2 * plane);
    }
  }
  return out;
}

/** Fashion-MNIST's classes, in label order (github.com/zalandoresearch/fashion-mnist). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * CRC-32 of the official Fashion-MNIST label files, uncompressed (header included): the files are
 * Fashion-MNIST's when both splits' label files match. Labels tell the datasets apart (MNIST,
 * KMNIST and Fashion-MNIST share sizes and counts), and are cheap to hash.
 */
export const FASHION_MNIST_LABEL_CRC32: Record<IdxSplit, number> = {
  train: 0x741a4657,
  test: 0x80142c1f,
};

function bad(message: string): StudioError {
  return new StudioError('BAD_DATASET', message);
}
