// PyTorch state_dicts ↔ studio vertices, and the one place where parameter layouts convert:
// PyTorch keeps conv kernels OIHW and linear weights [out,in]; tfjs wants HWIO and [in,out].
//
// Two layouts of names, both loadable with `load_state_dict` into the reference classes:
// - 'vgg': a `VGG16` state_dict, `c1.weight` … `c13.bias`, `l1.weight` … `l3.bias`;
// - 'simplex': a `SimplexNet` state_dict, `net.c1.weight_0` … `net.<name>_<i>` for vertex i.
// The model is read from the shapes (conv count → architecture, c1's out-channels → width scale,
// l3's rows → classes), never from metadata, which must agree with them (see modelMetadata.ts).
// Files are untrusted: every tensor is checked for presence, shape and finiteness before the
// result exists, so a refused file leaves nothing half-imported.

import { StudioError } from '../../protocol/errors';
import {
  ARCHITECTURES,
  VGG_CONFIGS,
  WIDTH_SCALES,
  paramSpecs,
  scaledWidth,
  type Architecture,
  type ModelSpec,
  type ParamSpec,
} from '../../protocol/architecture';
import type { TfLayout, TfVertex, TorchLayout } from './layout';
import { decodeMetadata, encodeMetadata, type ModelMetadata, type SimplexMetadata } from './modelMetadata';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from './safetensors';

export type StateDictLayout = 'vgg' | 'simplex';

export interface ModelFile {
  spec: ModelSpec;
  layout: StateDictLayout;
  /** In tfjs layout; a 'vgg' file has one. */
  vertices: TfVertex[];
  /** The studio's metadata parsed, with defaults for files that have none. */
  info: SimplexMetadata;
  /** `__metadata__` as stored, unknown keys included. */
  metadata: Record<string, string>;
}

/** The name of parameter `spec` of vertex `vertex` in a file of `layout`. */
export function stateDictName(layout: StateDictLayout, spec: ParamSpec, vertex: number): string {
  return layout === 'vgg' ? spec.name : `net.${spec.name}_${vertex}`;
}

/** A `VGG16` state_dict file of one vertex, as parts for a Blob. */
export function vertexFile(spec: ModelSpec, vertex: TfVertex, metadata: ModelMetadata = {}): Uint8Array[] {
  return writeModel(spec, 'vgg', [vertex], encodeMetadata(spec, metadata, 1));
}

/** A `SimplexNet` state_dict file of all vertices of a complex, as parts for a Blob. */
export function simplexFile(
  spec: ModelSpec,
  vertices: readonly TfVertex[],
  metadata: SimplexMetadata,
): Uint8Array[] {
  return writeModel(spec, 'simplex', vertices, encodeMetadata(spec, metadata, vertices.length));
}

function writeModel(
  spec: ModelSpec,
  layout: StateDictLayout,
  vertices: readonly TfVertex[],
  metadata: Record<string, string>,
): Uint8Array[] {
  const specs = paramSpecs(spec);
  const tensors = [];
  // Parameter-major, as SimplexNet's own state_dict orders them.
  for (const [p, param] of specs.entries()) {
    for (const [v, vertex] of vertices.entries()) {
      const data = vertex[p];
      if (vertex.length !== specs.length || !data) {
        throw new StudioError(
          'BAD_ARGUMENT',
          `Cannot write vertex ${v}: it has ${vertex.length} parameters, ${specs.length} expected.`,
          false,
        );
      }
      tensors.push({
        name: stateDictName(layout, param, v),
        shape: param.torchShape,
        data: tfToTorch(param, data),
      });
    }
  }
  return writeSafetensors(tensors, metadata);
}

/**
 * The largest weights file the studio reads: 12 vertices of VGG19 at width 1 in F32 (947 MiB) fit,
 * with room for the header. Checked against the file's size before any byte is read (the tab and
 * the CLI alike), so an oversized file costs no memory.
 */
export const MAX_MODEL_FILE_BYTES = 1024 * 1024 * 1024;

/** Throws BAD_SAFETENSORS naming `fileName` when a file of `size` bytes is larger than the studio reads. */
export function checkModelFileSize(size: number, fileName: string): void {
  if (size <= MAX_MODEL_FILE_BYTES) return;
  throw new StudioError(
    'BAD_SAFETENSORS',
    `${fileName}: The file is ${size.toLocaleString('en-US')} bytes, more than the 1 GiB a weights file may hold ` +
      '(12 vertices of VGG19 at width 1 fit): export fewer vertices per file.',
  );
}

/** Reads a weight file of either layout; throws BAD_SAFETENSORS or SHAPE_MISMATCH. */
export function parseModelFile(bytes: Uint8Array): ModelFile {
  const file = readSafetensors(bytes);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, t] of file.tensors) {
    // BatchNorm's step counter: meaningless here, and PyTorch VGG files without BN have none.
    if (t.dtype === 'I64' && name.endsWith('num_batches_tracked')) continue;
    tensors.set(name, t);
  }
  const layout: StateDictLayout = [...tensors.keys()].some((n) => n.startsWith('net.')) ? 'simplex' : 'vgg';
  const vertexCount = layout === 'vgg' ? 1 : countVertices(tensors);
  const spec = inferSpec(tensors, layout);
  const specs = paramSpecs(spec);
  checkNames(tensors, spec, specs, layout, vertexCount);
  // Before the conversion, which is the slow part, so a bad key fails fast.
  const info = decodeMetadata(file.metadata, spec, vertexCount);

  const vertices: TfVertex[] = [];
  for (let v = 0; v < vertexCount; v++) {
    vertices.push(
      specs.map((param) => {
        const name = stateDictName(layout, param, v);
        const t = tensors.get(name);
        if (!t) throw new StudioError('INTERNAL', `${name} vanished after it was checked.`);
        if (!allFinite(t.data)) {
          throw new StudioError(
            'BAD_SAFETENSORS',
            `Tensor ${name} holds NaN or infinite values, so the model cannot be used. Export it again from a run that did not diverge.`,
          );
        }
        return torchToTf(param, asTorchLayout(param, t.data));
      }),
    );
  }
  return { spec, layout, vertices, info, metadata: file.metadata };
}

/**
 * Throws SHAPE_MISMATCH naming every way `spec` differs from `expected`, e.g. a CIFAR-100 model
 * imported for use with CIFAR-10, or a mode of another width than the run it joins.
 */
export function checkAgainst(spec: ModelSpec, expected: Partial<ModelSpec>): void {
  const diffs: string[] = [];
  if (expected.numClasses !== undefined && expected.numClasses !== spec.numClasses) {
    diffs.push(`${spec.numClasses} classes where ${expected.numClasses} are needed`);
  }
  if (expected.architecture !== undefined && expected.architecture !== spec.architecture) {
    diffs.push(`architecture ${spec.architecture} where ${expected.architecture} is needed`);
  }
  if (expected.widthScale !== undefined && expected.widthScale !== spec.widthScale) {
    diffs.push(`width scale ${spec.widthScale} where ${expected.widthScale} is needed`);
  }
  if (diffs.length > 0) {
    throw new StudioError('SHAPE_MISMATCH', `The model does not fit: it has ${diffs.join(', and ')}.`);
  }
}

const SIMPLEX_NAME = /^net\.(.+)_(0|[1-9][0-9]*)$/;

function countVertices(tensors: ReadonlyMap<string, SafetensorsTensor>): number {
  let max = -1;
  for (const name of tensors.keys()) {
    const m = SIMPLEX_NAME.exec(name);
    if (m) max = Math.max(max, Number(m[2]));
  }
  // Bounds the name lists built below by the file's own size.
  if (max >= tensors.size) {
    throw mismatch(`it names vertex ${max} but holds only ${tensors.size} tensors`);
  }
  return max + 1;
}

const CONV_COUNTS = new Map<number, Architecture>(
  ARCHITECTURES.map((a) => [VGG_CONFIGS[a].filter((x) => x !== 'M').length, a]),
);

function inferSpec(tensors: ReadonlyMap<string, SafetensorsTensor>, layout: StateDictLayout): ModelSpec {
  const pattern = layout === 'vgg' ? /^c([1-9][0-9]*)\.weight$/ : /^net\.c([1-9][0-9]*)\.weight_0$/;
  const convs = [...tensors.keys()].filter((n) => pattern.test(n)).length;
  const architecture = CONV_COUNTS.get(convs);
  if (!architecture) {
    const known = [...CONV_COUNTS].map(([n, a]) => `${a.toUpperCase()} has ${n}`).join(', ');
    const names = layout === 'vgg' ? 'c1.weight, c2.weight, …' : 'net.c1.weight_0, net.c2.weight_0, …';
    throw mismatch(
      `it has ${convs} conv layers named ${names} (${known}); the studio reads state_dicts of the reference code's VGG and SimplexNet classes, not torchvision's`,
    );
  }
  const at = (param: string) => tensors.get(layout === 'vgg' ? param : `net.${param}_0`);
  const c1 = at('c1.weight')?.shape;
  const first = VGG_CONFIGS[architecture][0] as number;
  const widthScale = WIDTH_SCALES.find((s) => c1?.[0] === scaledWidth(first, s));
  if (!c1 || widthScale === undefined) {
    const widths = WIDTH_SCALES.map((s) => scaledWidth(first, s)).join(', ');
    throw mismatch(
      `c1.weight has ${c1 ? `${c1[0]} output channels` : 'no shape'}; the studio's width scales give ${widths}`,
    );
  }
  const l3 = at('l3.weight')?.shape;
  const numClasses = l3?.length === 2 ? l3[0] : undefined;
  if (numClasses === undefined || numClasses < 1) {
    throw mismatch(
      `l3.weight is ${l3 ? `[${l3.join(', ')}]` : 'missing'}, so the number of classes is unknown`,
    );
  }
  return { architecture, widthScale, numClasses };
}

/** The names and shapes the file must hold, compared in full so the message lists every kind of difference. */
function checkNames(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  spec: ModelSpec,
  specs: readonly ParamSpec[],
  layout: StateDictLayout,
  vertexCount: number,
): void {
  const expected = new Set<string>();
  const missing: string[] = [];
  const misshapen: string[] = [];
  for (let v = 0; v < vertexCount; v++) {
    for (const param of specs) {
      const name = stateDictName(layout, param, v);
      expected.add(name);
      const t = tensors.get(name);
      if (!t) missing.push(name);
      else if (t.dtype === 'I64') misshapen.push(`${name} is I64, not a float`);
      else if (!sameShape(t.shape, param.torchShape)) {
        misshapen.push(`${name} is [${t.shape.join(', ')}], not [${param.torchShape.join(', ')}]`);
      }
    }
  }
  const extra = [...tensors.keys()].filter((n) => !expected.has(n));
  const parts = [
    missing.length > 0 ? `missing ${few(missing)}` : '',
    extra.length > 0 ? `unexpected ${few(extra)}` : '',
    misshapen.length > 0 ? few(misshapen) : '',
  ].filter(Boolean);
  if (parts.length > 0) {
    const model = `${spec.architecture.toUpperCase()} (width ${spec.widthScale}, ${spec.numClasses} classes)`;
    const what = layout === 'vgg' ? 'VGG state_dict' : `SimplexNet state_dict of ${vertexCount} vertices`;
    throw mismatch(`as a ${model} ${what}: ${parts.join('; ')}`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A few items, then a count: messages stay readable for a file of hundreds of tensors. */
function few(items: readonly string[], max = 4): string {
  const shown = items.slice(0, max).map((s) => (s.length > 80 ? `${s.slice(0, 77)}…` : s));
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}

function mismatch(detail: string): StudioError {
  return new StudioError('SHAPE_MISMATCH', `The file is not a model the studio can use: ${detail}.`);
}

/**
 * Values read from a PyTorch file are in PyTorch layout by definition; this is where they get
 * that type. Checks the size so a wrong tensor fails here rather than as garbage later.
 */
export function asTorchLayout(spec: ParamSpec, data: Float32Array): TorchLayout {
  checkSize(spec, data);
  return data as TorchLayout;
}

/** PyTorch → tfjs: conv OIHW → HWIO (transpose [2,3,1,0]), linear [out,in] → [in,out]. New array. */
export function torchToTf(spec: ParamSpec, data: TorchLayout): TfLayout {
  checkSize(spec, data);
  return permute(spec, data, 'toTf') as TfLayout;
}

/** tfjs → PyTorch: conv HWIO → OIHW (transpose [3,2,0,1]), linear [in,out] → [out,in]. New array. */
export function tfToTorch(spec: ParamSpec, data: TfLayout): TorchLayout {
  checkSize(spec, data);
  return permute(spec, data, 'toTorch') as TorchLayout;
}

function checkSize(spec: ParamSpec, data: Float32Array): void {
  if (data.length !== spec.size) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${spec.name} has ${data.length} values but [${spec.torchShape.join(', ')}] needs ${spec.size}.`,
    );
  }
}

function permute(spec: ParamSpec, src: Float32Array, direction: 'toTf' | 'toTorch'): Float32Array {
  const dst = new Float32Array(src.length);
  if (spec.role === 'bias') {
    dst.set(src);
    return dst;
  }
  const [out, inC] = spec.torchShape as [number, number];
  // Spatial positions per (out, in) pair: 9 for a 3×3 conv, 1 for a linear weight.
  const k = spec.size / (out * inC);
  // torch index ((o·in + i)·k + s) ↔ tf index ((s·in + i)·out + o). Each loop writes its
  // destination in order and reads the source strided, which is the cheaper way round.
  let d = 0;
  if (direction === 'toTf') {
    const step = inC * k;
    for (let s = 0; s < k; s++) {
      for (let i = 0; i < inC; i++) {
        for (let t = i * k + s, o = 0; o < out; o++, t += step) dst[d++] = src[t] ?? 0;
      }
    }
  } else {
    const step = inC * out;
    for (let o = 0; o < out; o++) {
      for (let i = 0; i < inC; i++) {
        for (let f = i * out + o, s = 0; s < k; s++, f += step) dst[d++] = src[f] ?? 0;
      }
    }
  }
  return dst;
}

/** No NaN or ±Infinity; v − v is 0 exactly for finite v. A plain loop: 5× faster than every(). */
function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (v - v !== 0) return false;
  }
  return true;
}
