// Hand-assembled pickles and .pt archives for the reader's tests: what torch.save writes, and what
// an attacker could write instead. Opcodes by name, so a test reads as the pickle it builds.

import { zipArchive } from '../../../src/engine/formats/zipWriter';

const text = (s: string) => [...new TextEncoder().encode(s)];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

export const op = {
  proto: [0x80, 2],
  stop: [0x2e],
  mark: [0x28],
  tuple: [0x74],
  emptyTuple: [0x29],
  emptyDict: [0x7d],
  emptyList: [0x5d],
  append: [0x61],
  reduce: [0x52],
  setItems: [0x75],
  setItem: [0x73],
  persistentId: [0x51],
  false: [0x89],
  global: (module: string, name: string) => [0x63, ...text(`${module}\n${name}\n`)],
  str: (s: string) => [0x58, ...u32(new TextEncoder().encode(s).length), ...text(s)],
  int: (n: number) => [0x4a, ...u32(n >>> 0)],
  /** LONG1 of a non-negative bigint. */
  long: (n: bigint) => {
    const bytes: number[] = [];
    let v = n;
    while (v > 0n) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    }
    if (bytes.length === 0 || ((bytes.at(-1) ?? 0) & 0x80) !== 0) bytes.push(0);
    return [0x8a, bytes.length, ...bytes];
  },
  ints: (values: (number | bigint)[]) => [
    0x28,
    ...values.flatMap((v) => (typeof v === 'bigint' ? op.long(v) : op.int(v))),
    0x74,
  ],
};

/** `_rebuild_tensor_v2` of storage `key` (FloatStorage of `numel`) at `offset` with `size` and `stride`. */
export function tensor(
  key: string,
  numel: number,
  offset: number | bigint,
  size: (number | bigint)[],
  stride: (number | bigint)[],
): number[] {
  return [
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...op.mark,
    ...op.mark,
    ...op.str('storage'),
    ...op.global('torch', 'FloatStorage'),
    ...op.str(key),
    ...op.str('cpu'),
    ...op.int(numel),
    ...op.tuple,
    ...op.persistentId,
    ...(typeof offset === 'bigint' ? op.long(offset) : op.int(offset)),
    ...op.ints(size),
    ...op.ints(stride),
    ...op.false,
    ...op.global('collections', 'OrderedDict'),
    ...op.emptyTuple,
    ...op.reduce,
    ...op.tuple,
    ...op.reduce,
  ];
}

/** An OrderedDict state dict of the given (name, tensor pickle) entries. */
export function stateDict(entries: [string, number[]][]): number[] {
  return [
    ...op.global('collections', 'OrderedDict'),
    ...op.emptyTuple,
    ...op.reduce,
    ...op.mark,
    ...entries.flatMap(([name, t]) => [...op.str(name), ...t]),
    ...op.setItems,
  ];
}

/** A zip .pt archive of `pickle` (PROTO and STOP added) and float32 storages by key. */
export function ptArchive(pickle: number[], storages: Record<string, Float32Array> = {}): Uint8Array {
  return zipArchive([
    { name: 'archive/data.pkl', data: Uint8Array.from([...op.proto, ...pickle, ...op.stop]) },
    ...Object.entries(storages).map(([key, data]) => ({
      name: `archive/data/${key}`,
      data: new Uint8Array(data.slice().buffer),
    })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}

/** A dict holding two state dicts, "model" and "ema" (a training script's checkpoint). */
export function twoStateDicts(): Uint8Array {
  const w = tensor('0', 4, 0, [4], [1]);
  return ptArchive(
    [
      ...op.emptyDict,
      ...op.mark,
      ...op.str('model'),
      ...stateDict([['fc.weight', w]]),
      ...op.str('ema'),
      ...stateDict([['fc.weight', w]]),
      ...op.setItems,
    ],
    { '0': Float32Array.of(1, 2, 3, 4) },
  );
}
