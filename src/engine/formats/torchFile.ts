// PyTorch's own checkpoint files (torch.save), read without running any pickle code: the zip
// format (PyTorch ≥ 1.6: `<archive>/data.pkl`, `<archive>/data/<key>`, `<archive>/version`,
// `<archive>/byteorder`) and the legacy one (magic number, protocol, system info, the object, the
// storage keys, then each storage: its element count and bytes). The pickle is read by pickle.ts's
// allowlisted interpreter; every tensor view (offset, size, stride) is checked against its storage
// before anything is read or allocated, and no tensor may hold more elements than its storage, so
// memory is bounded by the file's real content. A state dict is found at the top, or in one
// entry of a dict (the curve code's `model_state`, `state_dict`, `model`): which key was taken is
// said, and several candidates are listed for the caller to pick one. The tensors come out as F32
// (float16, bfloat16 and float64 converted, and said so) or I64, for stateDict.ts.
// Pure: no tfjs, no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';
import { looksLikePickle, looksLikeZip } from './fileKind';
import {
  isDict,
  isTensor,
  storageRef,
  unpickle,
  type PyDict,
  type PyValue,
  type StorageRef,
  type TensorRef,
} from './pickle';
import type { NamedTensor } from './stateDict';
import { readZipDirectory, readZipEntry, type RandomAccessFile, type ZipEntry } from './zip';

export interface TorchStateDict {
  tensors: Map<string, NamedTensor>;
  /** The dict key the state dict was found under, or null for a state dict at the top. */
  key: string | null;
  /** What the reader did that the user should know (dtypes converted, a key taken). */
  notes: string[];
  /** The studio's metadata, where the studio wrote the file (`<archive>/studio.json`); else empty. */
  metadata: Record<string, string>;
  format: 'zip' | 'legacy';
}

/** The record a studio-written .pt keeps its metadata in (torch.load ignores it). */
export const STUDIO_RECORD = 'studio.json';

/** Keys a dict may hold a state dict under, in the order they are preferred when only one exists. */
export const STATE_DICT_KEYS = ['state_dict', 'model_state', 'model_state_dict', 'model', 'net', 'state'];

const ELEMENT: Record<string, { bytes: number; name: string }> = {
  FloatStorage: { bytes: 4, name: 'float32' },
  HalfStorage: { bytes: 2, name: 'float16' },
  BFloat16Storage: { bytes: 2, name: 'bfloat16' },
  DoubleStorage: { bytes: 8, name: 'float64' },
  LongStorage: { bytes: 8, name: 'int64' },
  IntStorage: { bytes: 4, name: 'int32' },
  ShortStorage: { bytes: 2, name: 'int16' },
  CharStorage: { bytes: 1, name: 'int8' },
  ByteStorage: { bytes: 1, name: 'uint8' },
  BoolStorage: { bytes: 1, name: 'bool' },
};

function bad(detail: string): StudioError {
  return new StudioError('BAD_PT', `The PyTorch file ${detail}.`);
}

/** Whether `bytes` looks like a torch.save file: a zip archive, or a pickle (the legacy format). */
export function looksLikeTorchFile(bytes: Uint8Array): boolean {
  return looksLikeZip(bytes) || looksLikePickle(bytes);
}

/**
 * The state dict in a torch.save file. `key` picks the dict entry when the file holds several
 * candidates. Throws BAD_PT naming what is wrong.
 */
export async function readTorchStateDict(
  bytes: Uint8Array,
  options: { key?: string } = {},
): Promise<TorchStateDict> {
  const file = looksLikeZip(bytes) ? await readZip(bytes) : readLegacy(bytes);
  const { dict, key } = findStateDict(file.root, options.key);
  const notes: string[] = [];
  if (key !== null) notes.push(`took the state dict under "${key}"`);
  const converted = new Set<string>();
  const tensors = new Map<string, NamedTensor>();
  for (const [name, value] of dict.entries) {
    if (!isTensor(value)) continue;
    const storage = file.storages.get(value.storage.key);
    if (!storage) throw bad(`names storage ${value.storage.key} for ${String(name)}, which it does not hold`);
    const element = ELEMENT[value.storage.type];
    if (!element) throw bad(`stores ${String(name)} as ${value.storage.type}`);
    if (!['float32', 'int64'].includes(element.name)) converted.add(element.name);
    tensors.set(String(name), readTensor(String(name), value, storage, value.storage.type));
  }
  if (converted.size > 0) notes.push(`converted ${[...converted].join(', ')} to float32`);
  return { tensors, key, notes, metadata: file.metadata, format: file.format };
}

interface OpenedFile {
  root: PyValue;
  storages: Map<string, Uint8Array>;
  metadata: Record<string, string>;
  format: 'zip' | 'legacy';
}

async function readZip(bytes: Uint8Array): Promise<OpenedFile> {
  const file: RandomAccessFile = {
    name: 'the archive',
    size: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
  };
  let entries: ZipEntry[];
  const member = async (entry: ZipEntry) => {
    try {
      return await readZipEntry(file, entry, bytes.length);
    } catch (err) {
      if (err instanceof StudioError) throw bad(`is a damaged zip archive: ${err.message}`);
      throw err;
    }
  };
  try {
    entries = await readZipDirectory(file);
  } catch (err) {
    if (err instanceof StudioError) throw bad(`is a damaged zip archive: ${err.message}`);
    throw err;
  }
  const pickles = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.path));
  if (pickles.length !== 1) {
    throw bad(
      `is a zip archive with ${pickles.length} <name>/data.pkl records, not one: not a torch.save file`,
    );
  }
  const prefix = (pickles[0] as ZipEntry).path.slice(0, -'data.pkl'.length);
  const byName = new Map(entries.map((e) => [e.path, e]));
  const byteorder = byName.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(await member(byteorder)).trim() !== 'little') {
    throw bad('holds big-endian tensors; load and save it again on a little-endian machine');
  }
  const refs = new Map<string, StorageRef>();
  const { value: root } = unpickle(await member(pickles[0] as ZipEntry), 0, (pid) => {
    const ref = storageRef(pid);
    refs.set(ref.key, ref);
    return ref;
  });
  const storages = new Map<string, Uint8Array>();
  for (const [key, ref] of refs) {
    const entry = byName.get(`${prefix}data/${key}`);
    if (!entry) throw bad(`names storage ${key}, which the archive lacks (${prefix}data/${key})`);
    const data = await member(entry);
    const element = ELEMENT[ref.type]?.bytes ?? 1;
    if (data.length % element !== 0)
      throw bad(`has storage ${key} of ${data.length} bytes, not whole ${ref.type} elements`);
    storages.set(key, data);
  }
  const studio = byName.get(`${prefix}${STUDIO_RECORD}`);
  return { root, storages, metadata: studio ? studioMetadata(await member(studio)) : {}, format: 'zip' };
}

/** The legacy format's magic number, as torch.save pickles it first. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function readLegacy(bytes: Uint8Array): OpenedFile {
  const magic = unpickle(bytes, 0, () => {
    throw bad('is not a torch.save file');
  });
  if (magic.value !== LEGACY_MAGIC)
    throw bad('is neither a zip archive nor a legacy torch.save file (no magic number)');
  const protocol = unpickle(bytes, magic.end);
  if (protocol.value !== 1001) throw bad('is a legacy file of a protocol other than 1001');
  const info = unpickle(bytes, protocol.end);
  if (isDict(info.value) && info.value.entries.get('little_endian') === false) {
    throw bad('holds big-endian tensors; load and save it again on a little-endian machine');
  }
  const refs = new Map<string, StorageRef>();
  const object = unpickle(bytes, info.end, (pid) => {
    const ref = storageRef(pid);
    refs.set(ref.key, ref);
    return ref;
  });
  const keys = unpickle(bytes, object.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw bad('lists its storages as something other than keys');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  let at = keys.end;
  for (const key of keys.value) {
    const ref = refs.get(key);
    if (!ref) throw bad(`stores ${key}, which no tensor names`);
    if (at + 8 > bytes.length) throw bad(`ends before storage ${key}`);
    const numel = view.getBigInt64(at, true);
    const element = ELEMENT[ref.type]?.bytes ?? 1;
    if (numel < 0n || numel * BigInt(element) > BigInt(bytes.length - at - 8)) {
      throw bad(`says storage ${key} holds ${numel} elements, more than the file has left`);
    }
    const size = Number(numel) * element;
    storages.set(key, bytes.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return { root: object.value, storages, metadata: {}, format: 'legacy' };
}

function studioMetadata(bytes: Uint8Array): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw bad(`has a ${STUDIO_RECORD} that is not JSON`);
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !Object.values(parsed).every((v) => typeof v === 'string')
  ) {
    throw bad(`has a ${STUDIO_RECORD} that is not an object of strings`);
  }
  return parsed as Record<string, string>;
}

/** A non-empty dict of tensors (a plain boolean: a dict that is not one is still a dict). */
function isStateDict(v: PyValue): boolean {
  return isDict(v) && v.entries.size > 0 && [...v.entries.values()].every(isTensor);
}

/** The state dict at the top, or in the one entry (or the picked one) of a dict that holds one. */
function findStateDict(root: PyValue, pick: string | undefined): { dict: PyDict; key: string | null } {
  if (isDict(root) && isStateDict(root)) {
    if (pick !== undefined) throw bad(`holds a state dict at its top: there is no "${pick}" to pick`);
    return { dict: root, key: null };
  }
  if (!isDict(root)) throw bad('holds no state dict (a dict of tensors), nor a dict with one');
  const candidates = [...root.entries].filter(([, v]) => isStateDict(v)).map(([k]) => String(k));
  if (pick !== undefined) {
    const picked = root.entries.get(pick);
    if (picked === undefined || !isDict(picked) || !isStateDict(picked)) {
      throw bad(
        `has no state dict under "${pick}"${candidates.length > 0 ? ` (it has ${candidates.map((c) => `"${c}"`).join(', ')})` : ''}`,
      );
    }
    return { dict: picked, key: pick };
  }
  if (candidates.length === 1) {
    const key = candidates[0] as string;
    return { dict: root.entries.get(key) as PyDict, key };
  }
  if (candidates.length === 0) {
    const keys = [...root.entries.keys()].slice(0, 8).map((k) => `"${String(k)}"`);
    throw bad(`holds a dict (${keys.join(', ')}) with no state dict in it`);
  }
  throw new StudioError(
    'BAD_ARGUMENT',
    `The PyTorch file holds several state dicts (${candidates.map((c) => `"${c}"`).join(', ')}): pick one.`,
  );
}

/** A view's elements in row-major order, as F32 (or I64 for integer storages), after checking it against its storage. */
function readTensor(name: string, t: TensorRef, storage: Uint8Array, type: string): NamedTensor {
  const element = ELEMENT[type];
  if (!element) throw bad(`stores ${name} as ${type}`);
  const numel = storage.length / element.bytes;
  const count = t.shape.reduce((n, d) => n * d, 1);
  if (count > numel) {
    throw bad(
      `has ${name} of ${count} elements viewing a storage of ${numel}: a view larger than its storage is refused`,
    );
  }
  if (count > 0) {
    const last = t.offset + t.shape.reduce((m, d, i) => m + (d - 1) * (t.stride[i] ?? 0), 0);
    if (last >= numel) throw bad(`has ${name} reaching element ${last} of a storage of ${numel}`);
  }
  const view = new DataView(storage.buffer, storage.byteOffset, storage.byteLength);
  const read = reader(type, view);
  const data = new Float32Array(count);
  // Row-major walk over the view's indices.
  const index = new Array<number>(t.shape.length).fill(0);
  let position = t.offset;
  for (let i = 0; i < count; i++) {
    data[i] = read(position);
    for (let d = t.shape.length - 1; d >= 0; d--) {
      position += t.stride[d] ?? 0;
      if (++(index[d] as number) < (t.shape[d] ?? 0)) break;
      position -= (t.stride[d] ?? 0) * (t.shape[d] ?? 0);
      index[d] = 0;
    }
  }
  const integer = !['FloatStorage', 'HalfStorage', 'BFloat16Storage', 'DoubleStorage'].includes(type);
  return { dtype: integer ? 'I64' : 'F32', shape: t.shape, data };
}

function reader(type: string, view: DataView): (i: number) => number {
  switch (type) {
    case 'FloatStorage':
      return (i) => view.getFloat32(4 * i, true);
    case 'DoubleStorage':
      return (i) => Math.fround(view.getFloat64(8 * i, true));
    case 'HalfStorage':
      return (i) => halfToFloat(view.getUint16(2 * i, true));
    case 'BFloat16Storage': {
      const scratch = new DataView(new ArrayBuffer(4));
      return (i) => {
        scratch.setUint32(0, view.getUint16(2 * i, true) << 16, true);
        return scratch.getFloat32(0, true);
      };
    }
    case 'LongStorage':
      return (i) => Number(view.getBigInt64(8 * i, true));
    case 'IntStorage':
      return (i) => view.getInt32(4 * i, true);
    case 'ShortStorage':
      return (i) => view.getInt16(2 * i, true);
    case 'CharStorage':
      return (i) => view.getInt8(i);
    default:
      return (i) => view.getUint8(i);
  }
}

/** IEEE half → float, exactly (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
