// The studio's own reader of Python pickles, for PyTorch's checkpoint files. It interprets the
// opcodes torch.save writes and builds plain values; it never runs anything. What a pickle may name
// is an allowlist, as PyTorch's `weights_only` loader's: `collections.OrderedDict`, tensor and
// parameter rebuilders, the storage types, and plain containers and numbers. Any other global, a
// REDUCE of anything but an allowed callable with the arguments it takes, or an opcode outside
// what these files use, is refused, naming it, as soon as it is read. Every length is checked
// against the bytes left; open MARKs and the result's nesting are bounded (MAX_DEPTH), and a value
// that contains itself is refused. Pure: no tfjs, no DOM.

import { StudioError } from '../../protocol/errors';

/** A storage a tensor views: BINPERSID's ('storage', type, key, location, numel[, view]). */
export interface StorageRef {
  kind: 'storage';
  /** PyTorch's storage type: FloatStorage, HalfStorage, BFloat16Storage, DoubleStorage, LongStorage, … */
  type: string;
  /** The storage's record: `data/<key>` in a zip file, its position in a legacy file's key list. */
  key: string;
  /** Elements (legacy files only say it here; zip files in the record's size). */
  numel: number;
}

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …): a view of a storage. */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

export interface PyDict {
  kind: 'dict';
  /** Insertion order, as Python's dicts and OrderedDicts keep it. */
  entries: Map<PyKey, PyValue>;
}

export interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}

export interface PyGlobal {
  kind: 'global';
  name: string;
}

export type PyKey = string | number | boolean | null;
export type PyValue =
  PyKey | bigint | Uint8Array | PyValue[] | PyTuple | PyDict | PyGlobal | StorageRef | TensorRef;

/** Deepest nesting of containers a file may build (a state dict nests 3 or 4 deep). */
export const MAX_DEPTH = 64;

const STORAGE_TYPES = [
  'FloatStorage',
  'HalfStorage',
  'BFloat16Storage',
  'DoubleStorage',
  'LongStorage',
  'IntStorage',
  'ShortStorage',
  'CharStorage',
  'ByteStorage',
  'BoolStorage',
] as const;

/** Globals a file may name (module.name), as torch.load(weights_only=True) allows them. */
const ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch.Size',
  ...STORAGE_TYPES.map((t) => `torch.${t}`),
  'torch.storage.UntypedStorage',
]);

function bad(detail: string): StudioError {
  return new StudioError('BAD_PT', `The PyTorch file's pickle ${detail}.`);
}

function refused(detail: string): StudioError {
  return new StudioError(
    'BAD_PT',
    `The PyTorch file's pickle ${detail}: the studio reads state dicts (tensors, numbers, containers) and runs no code from a file.`,
  );
}

/** Reads one pickle from `bytes` at `start`; `persistent` resolves BINPERSID ids. Returns the value and where it ended. */
export function unpickle(
  bytes: Uint8Array,
  start = 0,
  persistent: (pid: PyValue) => PyValue = () => {
    throw refused('names a persistent object outside a PyTorch file');
  },
): { value: PyValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let at = start;

  const need = (n: number) => {
    if (n < 0 || at + n > bytes.length) throw bad(`ends ${n} bytes short, at byte ${at}`);
  };
  const u8 = () => {
    need(1);
    return bytes[at++] as number;
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(at, true);
    at += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const take = (n: number) => {
    need(n);
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) throw bad(`has an unterminated text argument at byte ${at}`);
    const text = new TextDecoder().decode(bytes.subarray(at, end));
    at = end + 1;
    return text;
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= (marks.at(-1) ?? 0))) {
      throw bad(`pops an empty stack at byte ${at}`);
    }
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) throw bad(`reads an empty stack at byte ${at}`);
    return stack[stack.length - 1] as PyValue;
  };
  const popMark = (): PyValue[] => {
    const mark = marks.pop();
    if (mark === undefined) throw bad(`closes a MARK it never opened, at byte ${at}`);
    return stack.splice(mark);
  };
  const key = (k: PyValue): PyKey => {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean') return k;
    if (typeof k === 'bigint') return Number(k);
    throw refused('uses a dict key that is not a string or a number');
  };
  const setItems = (dict: PyValue, items: PyValue[]) => {
    if (!isDict(dict)) throw refused('sets items on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2)
      dict.entries.set(key(items[i] as PyValue), items[i + 1] as PyValue);
  };
  const global = (module: string, name: string): PyGlobal => {
    const full = `${module}.${name}`;
    if (!ALLOWED.has(full)) throw refused(`names ${full}, which the studio does not allow`);
    return { kind: 'global', name: full };
  };
  const int = (v: bigint): number | bigint =>
    v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  const littleSigned = (b: Uint8Array): bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    if (b.length > 0 && ((b[b.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * b.length);
    return v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw refused('is of a protocol newer than 5');
        break;
      case 0x95: // FRAME
        take(8);
        break;
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length > 0) throw bad('stops with a malformed stack');
        const value = stack[0] as PyValue;
        checkNesting(value);
        return { value, end: at };
      }
      case 0x30: // POP
        pop();
        break;
      case 0x28: // MARK
        marks.push(stack.length);
        if (marks.length > MAX_DEPTH) throw refused(`opens more than ${MAX_DEPTH} MARKs at once`);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      case 0x8a: // LONG1
        stack.push(int(littleSigned(take(u8()))));
        break;
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > 64) throw refused(`holds an integer of ${n} bytes`);
        stack.push(int(littleSigned(take(n))));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(new TextDecoder().decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(new TextDecoder().decode(take(u8())));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str: latin-1)
        stack.push(latin1(take(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([] as PyValue[]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push({ kind: 'dict', entries: new Map() });
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push({ kind: 'tuple', items: [] });
        break;
      case 0x74: {
        // TUPLE
        const items = popMark();
        stack.push({ kind: 'tuple', items });
        break;
      }
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push({ kind: 'tuple', items });
        break;
      }
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        const dict: PyDict = { kind: 'dict', entries: new Map() };
        setItems(dict, items);
        stack.push(dict);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        const list = top();
        if (!Array.isArray(list)) throw refused('appends to something that is not a list');
        list.push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw refused('appends to something that is not a list');
        list.push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const k = pop();
        setItems(top(), [k, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const index = op === 0x68 ? u8() : u32();
        if (!memo.has(index)) throw bad(`reads memo ${index}, which was never stored`);
        stack.push(memo.get(index) as PyValue);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw bad('names a global that is not text');
        stack.push(global(module, name));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        stack.push(reduce(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); only an OrderedDict
        const args = pop();
        const cls = pop();
        if (!isGlobal(cls) || cls.name !== 'collections.OrderedDict')
          throw refused('builds an object of a class it may not');
        stack.push(reduce(cls, args));
        break;
      }
      case 0x62: {
        // BUILD: an OrderedDict's __dict__ (state_dict's `_metadata`), a Parameter's state: kept aside.
        pop();
        const target = top();
        if (!isDict(target) && !isTensor(target))
          throw refused('sets the state of something that is not a dict or a tensor');
        break;
      }
      default:
        throw refused(
          `uses opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at - 1}, which PyTorch's state dicts do not`,
        );
    }
  }
}

/** Children of a container (none for a scalar, a global or a storage). */
function children(v: PyValue): readonly PyValue[] {
  if (Array.isArray(v)) return v;
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return [];
  if (v.kind === 'tuple') return v.items;
  if (v.kind === 'dict') return [...v.entries.values()];
  return [];
}

/**
 * Refuses a value nested deeper than MAX_DEPTH, or one that contains itself (memo references can
 * build both), so nothing that walks it later can overflow a stack or loop. Iterative: the check
 * itself recurses on nothing.
 */
function checkNesting(root: PyValue): void {
  const onPath = new Set<object>();
  const stack: { value: PyValue; depth: number; next: number; kids: readonly PyValue[] }[] = [
    { value: root, depth: 1, next: 0, kids: children(root) },
  ];
  if (typeof root === 'object' && root !== null) onPath.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    if (top.next >= top.kids.length) {
      stack.pop();
      if (typeof top.value === 'object' && top.value !== null) onPath.delete(top.value);
      continue;
    }
    const child = top.kids[top.next++] as PyValue;
    const kids = children(child);
    if (kids.length === 0) continue;
    if (top.depth + 1 > MAX_DEPTH) throw refused(`nests containers more than ${MAX_DEPTH} deep`);
    if (onPath.has(child as object)) throw refused('holds a container that contains itself');
    onPath.add(child as object);
    stack.push({ value: child, depth: top.depth + 1, next: 0, kids });
  }
}

/** The one place a callable is applied: each allowed global with the arguments it takes. */
function reduce(callable: PyValue, args: PyValue): PyValue {
  if (!isGlobal(callable)) throw refused('calls something that is not an allowed global');
  const items = isTuple(args) ? args.items : null;
  if (!items) throw refused(`calls ${callable.name} with arguments that are not a tuple`);
  switch (callable.name) {
    case 'collections.OrderedDict': {
      const dict: PyDict = { kind: 'dict', entries: new Map() };
      if (items.length === 0) return dict;
      const [pairs] = items;
      if (
        items.length === 1 &&
        Array.isArray(pairs) &&
        pairs.every((p) => isTuple(p) && p.items.length === 2)
      ) {
        for (const p of pairs as PyTuple[]) {
          const [k, v] = p.items;
          if (typeof k !== 'string' && typeof k !== 'number')
            throw refused('builds an OrderedDict with a key that is not text or a number');
          dict.entries.set(k, v as PyValue);
        }
        return dict;
      }
      throw refused('calls collections.OrderedDict with arguments other than a list of pairs');
    }
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride] = items;
      if (
        items.length < 6 ||
        items.length > 7 ||
        !isStorage(storage) ||
        !isCount(offset) ||
        !isCounts(size) ||
        !isCounts(stride)
      ) {
        throw refused(
          'calls torch._utils._rebuild_tensor_v2 with arguments other than (storage, offset, size, stride, requires_grad, hooks)',
        );
      }
      if (size.items.length !== stride.items.length)
        throw refused('rebuilds a tensor whose size and stride differ in length');
      return {
        kind: 'tensor',
        storage,
        offset,
        shape: size.items as number[],
        stride: stride.items as number[],
      };
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state': {
      const [data = null] = items;
      if (!isTensor(data)) throw refused(`calls ${callable.name} on something that is not a tensor`);
      return data;
    }
    case 'torch.Size': {
      const [dims] = items;
      if (!isCounts(dims)) throw refused('calls torch.Size with something other than a tuple of sizes');
      return dims;
    }
    default:
      throw refused(`calls ${callable.name}, which is a type, not a function a state dict calls`);
  }
}

/** A legacy or zip file's persistent id as a StorageRef, or BAD_PT. */
export function storageRef(pid: PyValue): StorageRef {
  const items = isTuple(pid) ? pid.items : null;
  const [tag, type, key, , numel] = items ?? [];
  if (
    !items ||
    tag !== 'storage' ||
    !isGlobal(type) ||
    (typeof key !== 'string' && typeof key !== 'number') ||
    !isCount(numel)
  ) {
    throw refused('names a persistent object that is not a PyTorch storage');
  }
  const name = type.name.replace(/^torch\./, '');
  if (!(STORAGE_TYPES as readonly string[]).includes(name))
    throw refused(`names a storage of type ${type.name}`);
  if (items[5] !== undefined && items[5] !== null) {
    throw refused('views a storage inside another (PyTorch before 1.0); save it again with a newer PyTorch');
  }
  return { kind: 'storage', type: name, key: String(key), numel };
}

export function isDict(v: PyValue): v is PyDict {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    v.kind === 'dict'
  );
}

export function isTensor(v: PyValue | undefined): v is TensorRef {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    v.kind === 'tensor'
  );
}

function isTuple(v: PyValue | undefined): v is PyTuple {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    v.kind === 'tuple'
  );
}

function isGlobal(v: PyValue | undefined): v is PyGlobal {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    v.kind === 'global'
  );
}

function isStorage(v: PyValue | undefined): v is StorageRef {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    v.kind === 'storage'
  );
}

function isCount(v: PyValue | undefined): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isCounts(v: PyValue | undefined): v is PyTuple {
  return isTuple(v) && v.items.every(isCount);
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}
