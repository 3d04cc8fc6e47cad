// What the studio writes into a weight file's `__metadata__`, and reads back. safetensors
// metadata is string → string, so every value except `format` is a JSON text; a Python user reads
// them with `{k: json.loads(v) for k, v in meta.items() if k != 'format'}`. Files from elsewhere
// (plain PyTorch exports) carry none of these keys and are read with defaults; keys the studio
// does not know are kept in the raw metadata and otherwise ignored. A key that is present but
// malformed is an error: a half-understood file would be worse than a refused one.
// Column "in": vertex = VGG16 state_dict files, simplex = SimplexNet files, both = either.
//
// | key             | value (JSON text unless noted)                                | in               |
// | --------------- | ------------------------------------------------------------- | ---------------- |
// | `format`        | `pt`, a plain string (the safetensors convention for PyTorch) | both             |
// | `studio`        | `1`, the version of this table                                | both             |
// | `architecture`  | `"vgg16"`                                                     | both             |
// | `width_scale`   | `0.125`                                                       | both             |
// | `classes`       | `10`                                                          | both             |
// | `complex`       | `[[0,1,2]]`, simplexes as lists of vertex indices             | simplex          |
// | `frozen`        | `[0,1]`, indices of vertices trained in earlier stages        | simplex          |
// | `curve`         | `{"type":"bezier","num_bends":3}`: a curve's points in order  | simplex (curves) |
// | `vertex`        | `2`, this vertex's index in its model                         | vertex, if known |
// | `dataset`       | `"cifar10"`                                                   | if known         |
// | `normalisation` | `{"mean":[…3],"std":[…3]}`, applied to inputs in [0,1]        | if known         |
// | `training`      | the run's settings object                                     | if known         |
// | `metrics`       | `{"name": number or null}`, final metrics                     | if known         |
// | `run`           | `"…"`, the run's name                                         | if known         |
//
// architecture, width_scale and classes are written from the model's shapes; on reading, the
// shapes decide and these keys must agree with them.

import { StudioError } from '../../protocol/errors';
import { normalizationProblem } from '../data/normalization';
import type { ModelSpec } from '../../protocol/architecture';
import type { Curve } from '../../protocol/curve';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Deepest nesting of arrays and objects in any metadata value. The deepest the studio writes is
 * the run's settings (about 4); without a limit, a value nested thousands deep parses but
 * overflows the stack of whatever walks it later (copying, storing, writing it back).
 */
export const MAX_METADATA_DEPTH = 32;

/** Version of the key table above; a reader refuses files from a newer one. */
export const METADATA_VERSION = 1;

export interface Normalisation {
  mean: number[];
  std: number[];
}

/** What a file may say about where its weights came from. All optional. */
export interface ModelMetadata {
  dataset?: string;
  normalisation?: Normalisation;
  /** The run's settings object, as the training code stores it. */
  training?: JsonValue;
  /** Final metrics; null where a value was not finite (JSON has no NaN). */
  metrics?: Record<string, number | null>;
  run?: string;
  /** Vertex files: the vertex's index in its run. */
  vertex?: number;
}

export interface SimplexMetadata extends ModelMetadata {
  /** Simplexes of the complex, each a list of distinct vertex indices. */
  complex: number[][];
  /** Vertices that were frozen (trained in an earlier stage). */
  frozen: number[];
  /** A curve (its vertices are the curve's points in order, num_bends of them); absent: a simplex. */
  curve?: Curve;
}

/** Raw `__metadata__` for a file holding `vertexCount` vertices of `spec`. */
export function encodeMetadata(
  spec: ModelSpec,
  meta: ModelMetadata & Partial<Pick<SimplexMetadata, 'complex' | 'frozen' | 'curve'>>,
  vertexCount: number,
): Record<string, string> {
  if (meta.complex) checkComplex(meta.complex, meta.frozen ?? [], vertexCount, badArgument);
  const out: Record<string, string> = {
    format: 'pt',
    studio: JSON.stringify(METADATA_VERSION),
    architecture: JSON.stringify(spec.architecture),
    width_scale: JSON.stringify(spec.widthScale),
    classes: JSON.stringify(spec.numClasses),
  };
  const optional: [string, unknown][] = [
    ['complex', meta.complex],
    ['frozen', meta.frozen],
    ['curve', meta.curve === undefined ? undefined : { type: meta.curve, num_bends: vertexCount }],
    ['vertex', meta.vertex],
    ['dataset', meta.dataset],
    ['normalisation', meta.normalisation],
    ['training', meta.training],
    ['metrics', meta.metrics],
    ['run', meta.run],
  ];
  for (const [key, value] of optional) {
    if (value !== undefined) out[key] = JSON.stringify(value);
  }
  return out;
}

/**
 * The studio's keys parsed back, with defaults for files that lack them: the complex is one
 * simplex of all vertices and nothing is frozen. Also checks the keys that restate the shapes.
 */
export function decodeMetadata(
  raw: Readonly<Record<string, string>>,
  spec: ModelSpec,
  vertexCount: number,
): SimplexMetadata {
  const get = (key: string): unknown => {
    const text = Object.hasOwn(raw, key) ? raw[key] : undefined;
    if (text === undefined) return undefined;
    if (jsonDepth(text) > MAX_METADATA_DEPTH) {
      throw badMetadata(`"${key}" is nested more than ${MAX_METADATA_DEPTH} levels deep`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw badMetadata(`"${key}" is not JSON`);
    }
  };

  const version = get('studio');
  if (version !== undefined && (typeof version !== 'number' || version > METADATA_VERSION)) {
    throw badMetadata(
      `"studio" is ${JSON.stringify(version)}; this studio reads version ${METADATA_VERSION}`,
    );
  }
  const stated: [string, unknown, unknown][] = [
    ['architecture', get('architecture'), spec.architecture],
    ['width_scale', get('width_scale'), spec.widthScale],
    ['classes', get('classes'), spec.numClasses],
  ];
  for (const [key, said, actual] of stated) {
    if (said !== undefined && said !== actual) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `The file's metadata says ${key} ${JSON.stringify(said)} but its tensors are ${JSON.stringify(actual)}.`,
      );
    }
  }

  const complex = get('complex') ?? [Array.from({ length: vertexCount }, (_, i) => i)];
  const frozen = get('frozen') ?? [];
  if (!isIndexLists(complex)) throw badMetadata('"complex" is not a list of lists of vertex indices');
  if (!isIndexList(frozen)) throw badMetadata('"frozen" is not a list of vertex indices');
  checkComplex(complex, frozen, vertexCount, badMetadata);
  const out: SimplexMetadata = { complex, frozen };
  const curve = get('curve');
  if (curve !== undefined) {
    if (!isCurve(curve)) {
      throw badMetadata('"curve" is not {"type": "bezier" or "polychain", "num_bends": N}');
    }
    const c = curve;
    if (c.num_bends !== vertexCount) {
      throw badMetadata(
        `"curve" says ${JSON.stringify(c.num_bends)} points but the file holds ${vertexCount}`,
      );
    }
    out.curve = c.type;
  }

  const dataset = get('dataset');
  if (dataset !== undefined) {
    if (typeof dataset !== 'string') throw badMetadata('"dataset" is not a string');
    out.dataset = dataset;
  }
  const normalisation = get('normalisation');
  if (normalisation !== undefined) {
    if (!isNormalisation(normalisation)) {
      throw badMetadata('"normalisation" is not {"mean": [3 numbers], "std": [3 positive numbers]}');
    }
    const problem = normalizationProblem(normalisation);
    if (problem !== null) throw badMetadata(`"normalisation" is unusable: ${problem}`);
    out.normalisation = { mean: normalisation.mean, std: normalisation.std };
  }
  const training = get('training');
  if (training !== undefined) out.training = training as JsonValue;
  const metrics = get('metrics');
  if (metrics !== undefined) {
    if (!isNumberRecord(metrics)) throw badMetadata('"metrics" is not an object of numbers');
    out.metrics = metrics;
  }
  const run = get('run');
  if (run !== undefined) {
    if (typeof run !== 'string') throw badMetadata('"run" is not a string');
    out.run = run;
  }
  const vertex = get('vertex');
  if (vertex !== undefined) {
    if (!isIndex(vertex)) throw badMetadata('"vertex" is not a vertex index');
    out.vertex = vertex;
  }
  return out;
}

/** Deepest bracket nesting of a JSON text, counted in one pass (brackets in strings skipped). */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (ch === 0x5b /* [ */ || ch === 0x7b /* { */) max = Math.max(max, ++depth);
    else if (ch === 0x5d /* ] */ || ch === 0x7d /* } */) depth--;
  }
  return max;
}

function checkComplex(
  complex: readonly (readonly number[])[],
  frozen: readonly number[],
  vertexCount: number,
  fail: (detail: string) => StudioError,
): void {
  if (complex.length === 0) throw fail('"complex" has no simplexes');
  for (const simplex of complex) {
    if (simplex.length === 0) throw fail('"complex" has an empty simplex');
    if (new Set(simplex).size !== simplex.length) throw fail('a simplex in "complex" repeats a vertex');
  }
  if (new Set(frozen).size !== frozen.length) throw fail('"frozen" repeats a vertex');
  for (const i of [...complex.flat(), ...frozen]) {
    if (!isIndex(i) || i >= vertexCount) {
      throw fail(`vertex index ${i} is out of range for ${vertexCount} vertices`);
    }
  }
}

function isIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isIndexList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every(isIndex);
}

function isIndexLists(x: unknown): x is number[][] {
  return Array.isArray(x) && x.every(isIndexList);
}

function isNumberRecord(x: unknown): x is Record<string, number | null> {
  return (
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    Object.values(x).every((v) => v === null || typeof v === 'number')
  );
}

function isNormalisation(x: unknown): x is Normalisation {
  if (typeof x !== 'object' || x === null) return false;
  const { mean, std } = x as Record<string, unknown>;
  const triple = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length === 3 && v.every((n) => typeof n === 'number');
  return triple(mean) && triple(std) && std.every((s) => s > 0);
}

function badMetadata(detail: string): StudioError {
  return new StudioError('BAD_SAFETENSORS', `The file's studio metadata is malformed: ${detail}.`);
}

function badArgument(detail: string): StudioError {
  return new StudioError('BAD_ARGUMENT', `Cannot write model metadata: ${detail}.`, false);
}

function isCurve(x: unknown): x is { type: Curve; num_bends: unknown } {
  const c = x as { type?: unknown } | null;
  return typeof c === 'object' && c !== null && (c.type === 'bezier' || c.type === 'polychain');
}
