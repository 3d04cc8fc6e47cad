// Names a file's format from its first bytes, so that a refusal can say what was picked ("a JPEG
// image") before saying what is wrong with it. Pure; no DOM.

/** Pickle protocol 2+ starts with 0x80 and the protocol number (bare torch.save files, CIFAR's Python version). */
export function looksLikePickle(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x80 && (head[1] ?? 0) >= 2 && (head[1] ?? 0) <= 5;
}

/** Zip's local file header; torch.save writes zip archives since PyTorch 1.6. */
export function looksLikeZip(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** Common file types by their magic numbers, or null when the bytes say nothing known. */
export function describeContent(head: Uint8Array): string | null {
  const starts = (...bytes: number[]): boolean => bytes.every((b, i) => head[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (looksLikeZip(head)) return 'a zip archive';
  if (starts(0x1f, 0x8b)) return 'a gzip file';
  if (starts(0x42, 0x5a, 0x68)) return 'a bzip2 file';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a)) return 'an xz file';
  if (starts(0x37, 0x7a, 0xbc, 0xaf)) return 'a 7-Zip archive';
  if (starts(0x25, 0x50, 0x44, 0x46)) return 'a PDF';
  if (starts(0x89, 0x48, 0x44, 0x46)) return 'an HDF5 file (Keras weights?)';
  const text = new TextDecoder().decode(head.subarray(0, 64)).trimStart().toLowerCase();
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'a web page';
  if (text.startsWith('{') || text.startsWith('[')) return 'a JSON file';
  return null;
}
