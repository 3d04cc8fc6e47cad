// An image file's width and height from its header, before anything decodes it: the importer
// bounds the pixels an image may have (MAX_IMAGE_PIXELS) and must refuse a huge one before a
// decoder spends its decoded size. Reads PNG (IHDR), JPEG (the first SOF segment), WebP (VP8, VP8L,
// VP8X), BMP and GIF (the logical screen, or the first frame where it reaches further). Pure
// bytes: runs in the worker and in Node.

export interface ImageHeader {
  format: 'png' | 'jpeg' | 'webp' | 'bmp' | 'gif';
  width: number;
  height: number;
}

/** The formats the header reader knows, for messages. */
export const HEADER_FORMATS = 'PNG, JPEG, WebP, BMP or GIF';

/** The header's size, or null when the bytes are none of the formats or the header is cut short. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const has = (end: number): boolean => bytes.length >= end;
  // The signatures are single-byte characters: code unit i is byte i.
  const ascii = (at: number, text: string): boolean => {
    if (!has(at + text.length)) return false;
    for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
    return true;
  };

  if (ascii(0, '\x89PNG\r\n\x1a\n') && ascii(12, 'IHDR') && has(24)) {
    return sized('png', view.getUint32(16), view.getUint32(20));
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegHeader(bytes, view);
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) {
    // VP8: a 3-byte frame tag, the start code 9d 01 2a, then 14-bit sizes (2 bits of scale above).
    if (ascii(12, 'VP8 ') && has(30) && bytes[23] === 0x9d && bytes[24] === 0x01 && bytes[25] === 0x2a) {
      return sized('webp', view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
    }
    // VP8L: the signature 0x2f, then width − 1 and height − 1 in 14 bits each, least significant first.
    if (ascii(12, 'VP8L') && has(25) && bytes[20] === 0x2f) {
      const bits = view.getUint32(21, true);
      return sized('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    }
    // VP8X: flags and reserved bytes, then the canvas's width − 1 and height − 1 in 24 bits each.
    if (ascii(12, 'VP8X') && has(30)) {
      const u24 = (at: number): number => view.getUint16(at, true) + ((bytes[at + 2] ?? 0) << 16);
      return sized('webp', u24(24) + 1, u24(27) + 1);
    }
    return null;
  }
  if (ascii(0, 'BM') && has(26)) {
    // A 12-byte BITMAPCOREHEADER has 16-bit sizes; every later header 32-bit signed ones (a
    // negative height is a top-down image).
    if (view.getUint32(14, true) === 12) {
      return sized('bmp', view.getUint16(18, true), view.getUint16(20, true));
    }
    return sized('bmp', Math.abs(view.getInt32(18, true)), Math.abs(view.getInt32(22, true)));
  }
  if ((ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) && has(13)) return gifHeader(bytes, view);
  return null;
}

function sized(format: ImageHeader['format'], width: number, height: number): ImageHeader | null {
  return width > 0 && height > 0 ? { format, width, height } : null;
}

/** SOF0–SOF15 except DHT (c4), JPG (c8) and DAC (cc): precision, then height and width. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegHeader(bytes: Uint8Array, view: DataView): ImageHeader | null {
  let at = 2;
  while (at + 1 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1] ?? 0;
    // Fill bytes (ff ff …) and the markers without a length: TEM, RST0–7, SOI.
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    // Entropy-coded data (SOS) or the end (EOI) before any frame header: no size to read.
    if (marker === 0xda || marker === 0xd9 || at + 4 > bytes.length) return null;
    const length = view.getUint16(at + 2);
    if (isStartOfFrame(marker)) {
      // A zero height is defined later by a DNL segment: no size before decoding, so none at all.
      return at + 9 <= bytes.length ? sized('jpeg', view.getUint16(at + 7), view.getUint16(at + 5)) : null;
    }
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}

function gifHeader(bytes: Uint8Array, view: DataView): ImageHeader | null {
  const width = view.getUint16(6, true);
  const height = view.getUint16(8, true);
  const packed = bytes[10] ?? 0;
  let at = 13 + (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
  // Extensions (0x21, label, sub-blocks) until the first image descriptor (0x2c): a frame may reach
  // past the logical screen, and decoders make room for it.
  while (at < bytes.length && bytes[at] === 0x21) {
    at += 2;
    while (at < bytes.length && bytes[at] !== 0) at += (bytes[at] ?? 0) + 1;
    at++;
  }
  // No frame, no image: a file cut before its first frame has no size to go by.
  if (bytes[at] !== 0x2c || at + 9 > bytes.length) return null;
  return sized(
    'gif',
    Math.max(width, view.getUint16(at + 1, true) + view.getUint16(at + 5, true)),
    Math.max(height, view.getUint16(at + 3, true) + view.getUint16(at + 7, true)),
  );
}
