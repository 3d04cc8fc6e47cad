// Named sub-seeds of a run's seed. Every random stream (shuffle, augmentation, draws, dropout,
// initialisation) restarts from (seed, purpose, stage, epoch), so a run resumed at an epoch
// boundary draws exactly what the uninterrupted run drew, with no RNG state to store.

/** 32-bit FNV-1a over the parts' decimal/text forms: stable across platforms and versions. */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const part of parts) {
    const text = `/${String(part)}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}
