// Writes PyTorch's zip checkpoint format, as torch.save does since 1.6, so that `torch.load(f)`
// and `torch.load(f, weights_only=True)` open it with no extra package: an archive of
// `archive/data.pkl` (a protocol-2 pickle of an OrderedDict of tensors, each rebuilt by
// torch._utils._rebuild_tensor_v2 from a persistent storage id), `archive/data/<i>` (each
// tensor's little-endian storage), `archive/byteorder` and `archive/version`. The studio's
// metadata travels in `archive/studio.json`, a record torch.load never reads. Pure bytes.

import { STUDIO_RECORD } from './torchFile';
import type { TensorToWrite } from './safetensors';
import { zipArchive, type ZipEntry } from './zipWriter';

/** The archive's one top-level folder, as torch.save names it for a file named archive.pt. */
const ARCHIVE = 'archive';

/** A .pt file of `tensors` (F32, or I64 where marked) as an OrderedDict state dict. */
export function torchFile(
  tensors: readonly TensorToWrite[],
  metadata: Record<string, string>,
): Uint8Array<ArrayBuffer> {
  const pickle = new PickleWriter();
  pickle.proto();
  pickle.global('collections', 'OrderedDict');
  pickle.emptyTuple();
  pickle.reduce();
  pickle.mark();
  const storages: ZipEntry[] = [];
  tensors.forEach((t, i) => {
    const int64 = t.dtype === 'I64';
    pickle.unicode(t.name);
    pickle.global('torch._utils', '_rebuild_tensor_v2');
    pickle.mark();
    // The persistent id: ('storage', torch.FloatStorage, key, 'cpu', numel).
    pickle.mark();
    pickle.unicode('storage');
    pickle.global('torch', int64 ? 'LongStorage' : 'FloatStorage');
    pickle.unicode(String(i));
    pickle.unicode('cpu');
    pickle.int(t.data.length);
    pickle.tuple();
    pickle.persistentId();
    pickle.int(0);
    pickle.ints(t.shape);
    pickle.ints(contiguousStrides(t.shape));
    pickle.bool(false);
    pickle.global('collections', 'OrderedDict');
    pickle.emptyTuple();
    pickle.reduce();
    pickle.tuple();
    pickle.reduce();
    storages.push({ name: `${ARCHIVE}/data/${i}`, data: int64 ? int64Bytes(t.data) : float32Bytes(t.data) });
  });
  pickle.setItems();
  pickle.stop();
  const text = (s: string) => new TextEncoder().encode(s);
  return zipArchive([
    { name: `${ARCHIVE}/data.pkl`, data: pickle.bytes() },
    { name: `${ARCHIVE}/byteorder`, data: text('little') },
    ...storages,
    { name: `${ARCHIVE}/version`, data: text('3\n') },
    { name: `${ARCHIVE}/${STUDIO_RECORD}`, data: text(JSON.stringify(metadata)) },
  ]);
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = (strides[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  return strides;
}

function float32Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i] ?? 0, true);
  return out;
}

function int64Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(8 * i, BigInt(Math.trunc(data[i] ?? 0)), true);
  return out;
}

/** The few opcodes a state dict needs, protocol 2. */
class PickleWriter {
  private readonly chunks: number[] = [];

  proto(): void {
    this.chunks.push(0x80, 2);
  }
  mark(): void {
    this.chunks.push(0x28);
  }
  stop(): void {
    this.chunks.push(0x2e);
  }
  emptyTuple(): void {
    this.chunks.push(0x29);
  }
  tuple(): void {
    this.chunks.push(0x74);
  }
  reduce(): void {
    this.chunks.push(0x52);
  }
  setItems(): void {
    this.chunks.push(0x75);
  }
  persistentId(): void {
    this.chunks.push(0x51);
  }
  bool(value: boolean): void {
    this.chunks.push(value ? 0x88 : 0x89);
  }
  global(module: string, name: string): void {
    this.chunks.push(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  unicode(text: string): void {
    const bytes = new TextEncoder().encode(text);
    this.chunks.push(0x58, ...u32(bytes.length), ...bytes);
  }
  /** BININT for what fits in an int32, else LONG1 (little-endian two's complement). */
  int(value: number): void {
    if (value >= -(2 ** 31) && value < 2 ** 31) {
      this.chunks.push(0x4a, ...u32(value >>> 0));
      return;
    }
    let v = BigInt(value);
    const bytes: number[] = [];
    while (v !== 0n && v !== -1n) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    }
    bytes.push(Number(v & 0xffn));
    this.chunks.push(0x8a, bytes.length, ...bytes);
  }
  ints(values: readonly number[]): void {
    this.mark();
    values.forEach((v) => {
      this.int(v);
    });
    this.tuple();
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
