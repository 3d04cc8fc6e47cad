// A PNG decoder (ISO/IEC 15948) for where no browser decodes images: the CLI reading image folders.
// Every colour type and bit depth, palette and tRNS transparency, non-interlaced images (what image
// tools write unless asked otherwise; an interlaced file gets a message saying how to convert it).
// Chunk CRCs are checked; the image data never inflates past what the header's size needs.
// Pure: no DOM, no Node APIs (inflate is the platform's DecompressionStream).

import { StudioError } from '../../protocol/errors';
import { crc32 } from '../data/checksum';
import type { DecodedImage } from './imageFolderImport';
import { MAX_IMAGE_PIXELS } from './imageFolderImport';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel for colour types 0 (gray), 2 (RGB), 3 (palette), 4 (gray + alpha), 6 (RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

function bad(path: string, detail: string): StudioError {
  return new StudioError('BAD_DATASET', `${path} is not a readable PNG image: ${detail}`);
}

export async function decodePng(bytes: Uint8Array, path: string): Promise<DecodedImage> {
  if (!isPng(bytes)) throw bad(path, 'it does not start with the PNG signature.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let header: { width: number; height: number; depth: number; type: number; interlace: number } | null = null;
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const data: Uint8Array[] = [];
  for (;;) {
    if (at + 12 > bytes.length) throw bad(path, 'it ends before its IEND chunk (truncated).');
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) throw bad(path, `its ${type} chunk runs past the end of the file.`);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) {
      throw bad(path, `the CRC of its ${type} chunk does not match (a damaged file).`);
    }
    at += 12 + length;
    if (type === 'IHDR') {
      const h = new DataView(body.buffer, body.byteOffset, body.byteLength);
      if (length !== 13) throw bad(path, 'its IHDR chunk is not 13 bytes.');
      header = {
        width: h.getUint32(0),
        height: h.getUint32(4),
        depth: body[8] ?? 0,
        type: body[9] ?? 0,
        interlace: body[12] ?? 0,
      };
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
  }
  if (!header) throw bad(path, 'it has no IHDR chunk.');
  const { width, height, depth, type, interlace } = header;
  const channels = CHANNELS[type];
  const depths = type === 0 ? [1, 2, 4, 8, 16] : type === 3 ? [1, 2, 4, 8] : [8, 16];
  if (channels === undefined || !depths.includes(depth))
    throw bad(path, `colour type ${type} at ${depth} bits is not valid PNG.`);
  if (width === 0 || height === 0) throw bad(path, 'it is 0 pixels wide or high.');
  if (width * height > MAX_IMAGE_PIXELS)
    throw bad(path, `${width}×${height} pixels is more than the ${MAX_IMAGE_PIXELS} read.`);
  if (interlace !== 0) {
    throw bad(
      path,
      'it is interlaced (Adam7), which the CLI does not read; rewrite it without, e.g. `convert IN -interlace none OUT`.',
    );
  }
  if (type === 3 && !palette) throw bad(path, 'it is a palette image without a PLTE chunk.');
  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const raw = await inflate(data, height * (stride + 1), path);
  const bpp = Math.max(1, bitsPerPixel / 8);
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = rows.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? (row[x - bpp] as number) : 0;
      const b = prev[x] as number;
      const c = x >= bpp ? (prev[x - bpp] as number) : 0;
      const s = src[x] as number;
      switch (filter) {
        case 0:
          row[x] = s;
          break;
        case 1:
          row[x] = s + a;
          break;
        case 2:
          row[x] = s + b;
          break;
        case 3:
          row[x] = s + ((a + b) >>> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          row[x] = s + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw bad(path, `row ${y} has filter type ${filter}, which PNG does not define.`);
      }
    }
  }
  return { width, height, rgba: toRgba(rows, header, stride, palette, transparency) };
}

/** Sample i of a row at `depth` bits; 16-bit ones rounded to 8 bits (v · 255 / 65535, as libpng scales). */
function sample(row: Uint8Array, i: number, depth: number): number {
  if (depth === 8) return row[i] as number;
  if (depth === 16)
    return Math.round(((((row[2 * i] as number) << 8) | (row[2 * i + 1] as number)) * 255) / 65535);
  const perByte = 8 / depth;
  const byte = row[Math.floor(i / perByte)] as number;
  const shift = 8 - depth * ((i % perByte) + 1);
  return (byte >> shift) & ((1 << depth) - 1);
}

function toRgba(
  rows: Uint8Array,
  { width, height, depth, type }: { width: number; height: number; depth: number; type: number },
  stride: number,
  palette: Uint8Array | null,
  transparency: Uint8Array | null,
): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const channels = CHANNELS[type] as number;
  const scale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
  // tRNS for gray and RGB: one colour (16-bit samples, at the image's depth) that is transparent.
  const key = transparency && (type === 0 || type === 2) ? transparency : null;
  const keyAt = (k: number): number => ((key?.[2 * k] ?? 0) << 8) | (key?.[2 * k + 1] ?? 0);
  const raw = (row: Uint8Array, i: number): number =>
    depth === 16 ? ((row[2 * i] as number) << 8) | (row[2 * i + 1] as number) : sample(row, i, depth);
  for (let y = 0; y < height; y++) {
    const row = rows.subarray(y * stride, (y + 1) * stride);
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const i = x * channels;
      if (type === 3) {
        const index = sample(row, i, depth);
        rgba[p] = palette?.[3 * index] ?? 0;
        rgba[p + 1] = palette?.[3 * index + 1] ?? 0;
        rgba[p + 2] = palette?.[3 * index + 2] ?? 0;
        rgba[p + 3] = transparency?.[index] ?? 255;
        continue;
      }
      const gray = type === 0 || type === 4;
      const r = Math.round(sample(row, i, depth) * scale);
      rgba[p] = r;
      rgba[p + 1] = gray ? r : sample(row, i + 1, depth);
      rgba[p + 2] = gray ? r : sample(row, i + 2, depth);
      rgba[p + 3] = type === 4 ? sample(row, i + 1, depth) : type === 6 ? sample(row, i + 3, depth) : 255;
      if (
        key &&
        (type === 0 ? raw(row, i) === keyAt(0) : [0, 1, 2].every((k) => raw(row, i + k) === keyAt(k)))
      ) {
        rgba[p + 3] = 0;
      }
    }
  }
  return rgba;
}

/** zlib inflate of the joined IDAT chunks, stopped once `size` bytes are out. */
async function inflate(parts: readonly Uint8Array[], size: number, path: string): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let length = 0;
  const stream = new Blob(parts as Uint8Array<ArrayBuffer>[])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  try {
    while (length < size) {
      const { done, value } = await reader.read();
      if (done) break;
      const n = Math.min(value.length, size - length);
      out.set(value.subarray(0, n), length);
      length += n;
    }
  } catch {
    throw bad(path, 'its image data does not decompress.');
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  if (length < size) throw bad(path, 'its image data is shorter than its size needs (truncated).');
  return out;
}
