// Loads ../shared/fixtures/reference (PyTorch values, see its README) into studio types: vertices
// in tf layout from either file layout, images as normalised NHWC, expected values by name.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { readSafetensors, type SafetensorsFile } from '../../../src/engine/formats/safetensors';
import { asTorchLayout, tfToTorch, torchToTf } from '../../../src/engine/formats/stateDict';
import type { TfLayout, TfVertex } from '../../../src/engine/formats/layout';
import { type ModelSpec } from '../../../src/protocol/architecture';
import { paramSpecs, type ParamSpec } from '../../../src/protocol/network';

export const REFERENCE_DIR = path.resolve(process.cwd(), '../shared/fixtures/reference');
/** A few training steps, by PyTorch (its config.json says how). */
export const TRAJECTORY_DIR = path.resolve(process.cwd(), '../shared/fixtures/trajectory');

/** The fixtures' model: VGG16 at width 1/8, 10 classes. */
export const REFERENCE_SPEC: ModelSpec = { architecture: 'vgg16', widthScale: 0.125, numClasses: 10 };

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export function readReferenceFile(name: string, dir = REFERENCE_DIR): SafetensorsFile {
  return readSafetensors(new Uint8Array(readFileSync(path.join(dir, name))));
}

export function tensorOf(file: SafetensorsFile, name: string): Float32Array {
  const t = file.tensors.get(name);
  if (!t) throw new Error(`fixture tensor ${name} is missing`);
  return t.data;
}

/** Vertex i from vertices.safetensors (SimplexNet names `net.<param>_<i>`). */
export function simplexNetVertex(file: SafetensorsFile, i: number, spec = REFERENCE_SPEC): TfVertex {
  return paramSpecs(spec).map((p) => torchToTf(p, asTorchLayout(p, tensorOf(file, `net.${p.name}_${i}`))));
}

/** A vertex from a PyTorch VGG16 state_dict file (names `<param>`). */
export function vgg16Vertex(file: SafetensorsFile, spec = REFERENCE_SPEC): TfVertex {
  return paramSpecs(spec).map((p) => torchToTf(p, asTorchLayout(p, tensorOf(file, p.name))));
}

export interface ReferenceImages {
  /** NHWC [n, 32, 32, 3], scaled to [0,1] and normalised. */
  x: Float32Array;
  labels: Int32Array;
  n: number;
}

/**
 * inputs.bin (or another file of the fixtures): CIFAR-10 records (label byte, then 1024 R, 1024 G,
 * 1024 B, rows top to bottom), normalised with the fixtures' mean and std.
 */
export function referenceImages(file = path.join(REFERENCE_DIR, 'inputs.bin')): ReferenceImages {
  const bytes = readFileSync(file);
  const n = bytes.length / 3073;
  const x = new Float32Array(n * 3072);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * 3073;
    labels[r] = bytes[base] ?? 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) {
        const v = (bytes[base + 1 + c * 1024 + p] ?? 0) / 255;
        x[r * 3072 + p * 3 + c] = (v - (MEAN[c] ?? 0)) / (STD[c] ?? 1);
      }
    }
  }
  return { x, labels, n };
}

export interface Reference {
  vertices: TfVertex[];
  images: ReferenceImages;
  expected: SafetensorsFile;
  value(name: string): Float32Array;
  /** grad.<kind>.<param> in tf layout, so it compares with gradients of the stack variables. */
  gradTf(kind: 'loss' | 'logvol', p: ParamSpec): TfLayout;
}

export function loadReference(): Reference {
  const simplexFile = readReferenceFile('vertices.safetensors');
  const expected = readReferenceFile('expected.safetensors');
  const value = (name: string): Float32Array => tensorOf(expected, name);
  return {
    vertices: [0, 1, 2].map((i) => simplexNetVertex(simplexFile, i)),
    images: referenceImages(),
    expected,
    value,
    gradTf: (kind, p) => torchToTf(p, asTorchLayout(p, value(`grad.${kind}.${p.name}`))),
  };
}

/** Back to PyTorch layout, for messages that name PyTorch indices. */
export { tfToTorch };

/** max|a − b| ≤ rtol · max|b|: relative to the tensor's scale, so entries near 0 do not blow up. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  what = '',
): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  expect(Number.isFinite(maxDiff), `${what} finite`).toBe(true);
  expect(maxDiff, `${what}: max |diff| ${maxDiff} vs scale ${scale}`).toBeLessThanOrEqual(rtol * scale);
}

/** Bit-for-bit equal arrays (a loop: vitest's deep equality is slow on large typed arrays). */
export function expectSame(
  actual: ArrayLike<number> | undefined,
  expected: ArrayLike<number> | undefined,
  what = '',
): void {
  expect(actual?.length, `${what} length`).toBe(expected?.length);
  let firstDiff = -1;
  for (let i = 0; i < (expected?.length ?? 0) && firstDiff < 0; i++) {
    if (!Object.is(actual?.[i], expected?.[i])) firstDiff = i;
  }
  expect(firstDiff, `${what}: first differing index`).toBe(-1);
}

/** One stage of ../shared/fixtures/trajectory/config.json. */
export interface TrajectoryStage {
  batch: number;
  epochs: number;
  lr0: number;
  wd: number;
  steps: number;
  /** SPRO's λ. */
  lam?: number;
  /** SPRO: each step's draws, each draw's coefficients. */
  draws?: number[][][];
}

export interface Trajectory {
  base: TrajectoryStage;
  spro: TrajectoryStage;
  expected: SafetensorsFile;
  records: ReferenceImages;
  /** The base run's starting vertex, and SPRO's two (vertex 0 frozen). */
  baseStart: TfVertex;
  sproStart: TfVertex[];
}

/** ../shared/fixtures/trajectory: its stages, expected values, 64 normalised records and starts. */
export function loadTrajectory(): Trajectory {
  const config = JSON.parse(readFileSync(path.join(TRAJECTORY_DIR, 'config.json'), 'utf8')) as {
    base: TrajectoryStage;
    spro: TrajectoryStage;
  };
  return {
    ...config,
    expected: readReferenceFile('expected.safetensors', TRAJECTORY_DIR),
    records: referenceImages(path.join(TRAJECTORY_DIR, 'records.bin')),
    baseStart: vgg16Vertex(readReferenceFile('base_start.safetensors', TRAJECTORY_DIR)),
    sproStart: [0, 1].map((i) =>
      simplexNetVertex(readReferenceFile('spro_start.safetensors', TRAJECTORY_DIR), i),
    ),
  };
}

/**
 * `after − start` of every parameter against the trajectory's `<prefix>.<param>` (tf layout):
 * within `rtol` of the change's scale plus two float32 ulps of the weights' (w + Δ rounds to w's
 * ulp, which for some layers is more than 1e-4 of the change).
 */
export function expectTrajectoryChange(
  expected: SafetensorsFile,
  start: TfVertex,
  after: readonly ArrayLike<number>[],
  prefix: string,
  rtol: number,
): void {
  paramSpecs(REFERENCE_SPEC).forEach((p, i) => {
    const want = torchToTf(p, asTorchLayout(p, tensorOf(expected, `${prefix}.${p.name}`)));
    const before = start[i] as Float32Array;
    const got = after[i] as ArrayLike<number>;
    let worst = 0;
    let change = 0;
    let weights = 0;
    for (let j = 0; j < want.length; j++) {
      const b = before[j] as number;
      worst = Math.max(worst, Math.abs((got[j] as number) - (want[j] as number)));
      change = Math.max(change, Math.abs((want[j] as number) - b));
      weights = Math.max(weights, Math.abs(b));
    }
    expect(worst, `${prefix}.${p.name} − start: |diff| against a change of ${change}`).toBeLessThanOrEqual(
      rtol * change + 2 * weights * 2 ** -23,
    );
  });
}
