// Surfaces on a tiny VGG (vgg11 at width 1/8, 4 images) on the tfjs CPU backend: the backend Gram
// matrix against float64 dot products, plane points against the vertices' own losses, and the
// coarse-to-fine grid against a direct evaluation of every point.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TfVertex } from '../../../../src/engine/formats/layout';
import type { ModelSpec } from '../../../../src/protocol/architecture';
import { initVertex } from '../../../../src/engine/model/init';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import { evaluatePoint } from '../../../../src/engine/eval/evaluate';
import { makeBatch, type ImageSplit } from '../../../../src/engine/train/trainingData';
import { computeFaceSurface, edgeProfiles, edgeSteps } from '../../../../src/engine/surface/faceSurface';
import { modelCoefficients, planeFromGram, vertexCoords } from '../../../../src/engine/surface/planeBasis';
import { TfjsPointEvaluator, evaluateSurfacePoints } from '../../../../src/engine/surface/pointEvaluator';
import { centringCombos, combinationGram, faceGram } from '../../../../src/engine/surface/weightGram';
import { projectFromCentredGram } from '../../../../src/engine/surface/principalProjection';
import { Rng } from '../../../../src/engine/util/rng';

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
const IMAGES = 4;

let vertices: TfVertex[];
let model: SimplexModel;
let split: ImageSplit;

beforeAll(() => {
  const rng = new Rng(5);
  vertices = Array.from({ length: 4 }, () => initVertex(SPEC, rng));
  model = SimplexModel.fromVertices(SPEC, vertices, { complex: [[0, 1, 2, 3]] });
  const images = new Uint8Array(IMAGES * 3072).map(() => rng.nextUint32() & 255);
  const labels = new Uint8Array(IMAGES).map((_, i) => i % 10);
  split = { images, labels, count: IMAGES };
});
afterAll(() => {
  model.dispose();
});

/** Flat float64 copy of a vertex (all parameters). */
function flat(v: TfVertex): Float64Array {
  const out = new Float64Array(v.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of v) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, xi, i) => s + xi * (y[i] ?? 0), 0);

describe('weight-space Gram matrices on the backend', () => {
  it('give the face edges’ inner products as float64 dot products over all parameters do', async () => {
    const [a, b, c] = [0, 2, 3].map((i) => flat(vertices[i] as TfVertex)) as [
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const d1 = b.map((x, i) => x - (a[i] ?? 0));
    const d2 = c.map((x, i) => x - (a[i] ?? 0));
    const g = await faceGram(model, [0, 2, 3]);
    expect(g[0] / dot(d1, d1)).toBeCloseTo(1, 5);
    expect(g[1] / dot(d1, d2)).toBeCloseTo(1, 4);
    expect(g[2] / dot(d2, d2)).toBeCloseTo(1, 5);
  });

  it('project four vertices to 3-D with their pairwise distances', async () => {
    const k = model.vertexCount;
    const gram = await combinationGram(model, centringCombos(k));
    const { coords } = projectFromCentredGram(gram);
    const flats = vertices.map(flat);
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        const diff = (flats[i] as Float64Array).map((x, d) => x - (flats[j]?.[d] ?? 0));
        const want = Math.sqrt(dot(diff, diff));
        const p = coords[i] ?? [];
        const q = coords[j] ?? [];
        const got = Math.sqrt(p.reduce((s, x, d) => s + (x - (q[d] ?? 0)) ** 2, 0));
        expect(got / want).toBeCloseTo(1, 5);
      }
    }
  });
});

describe('face surface', () => {
  it('evaluates each vertex’s plane coordinates to the loss and error of the vertex itself', async () => {
    const face = [1, 3, 0] as const;
    const plane = planeFromGram(face, await faceGram(model, face));
    const points = vertexCoords(plane).map(([u, v]) => modelCoefficients(plane, u, v, model.vertexCount));
    const got = await evaluateSurfacePoints(model, split, points, { images: IMAGES });
    for (const [i, vertex] of face.entries()) {
      const want = await evaluatePoint(
        model,
        split,
        { kind: 'vertex', vertex },
        { makeBatch, batchSize: IMAGES },
      );
      expect(got[i]?.loss).toBeCloseTo(want.loss, 4);
      expect(got[i]?.error).toBeCloseTo(want.error, 6);
    }
  });

  it('computes the same grid coarse to fine as point by point, with progress that only grows', async () => {
    const before = tf.memory().numTensors;
    const evaluator = new TfjsPointEvaluator(model, split, { images: IMAGES, batchSize: 3 });
    const done: number[] = [];
    const surface = await computeFaceSurface(model, evaluator, [0, 1, 2], {
      gridSize: 9,
      margin: 0.2,
      onLevel: (partial) => done.push(partial.done),
    });
    expect(done).toEqual([25, 81]);
    const size = 9;
    const direct = await evaluateSurfacePoints(
      model,
      split,
      Array.from({ length: size * size }, (_, k) =>
        modelCoefficients(
          surface.plane,
          surface.axes.u[k % size] ?? NaN,
          surface.axes.v[Math.floor(k / size)] ?? NaN,
          4,
        ),
      ),
      { images: IMAGES },
    );
    expect(surface.loss).toHaveLength(81);
    direct.forEach((d, k) => {
      expect(surface.loss[k]).toBeCloseTo(d.loss, 5);
      expect(surface.error[k]).toBeCloseTo(d.error, 6);
    });
    const profiles = await edgeProfiles(model, evaluator, [[0, 1]], { points: 5, extension: 0.25 });
    expect(profiles[0]?.t).toEqual(edgeSteps(5, 0.25));
    expect(profiles[0]?.t).toEqual([-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25]);
    const atOne = await evaluatePoint(
      model,
      split,
      { kind: 'vertex', vertex: 1 },
      { makeBatch, batchSize: IMAGES },
    );
    expect(profiles[0]?.loss[5]).toBeCloseTo(atOne.loss, 4);
    evaluator.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const evaluator = new TfjsPointEvaluator(model, split, { images: IMAGES });
    await expect(
      computeFaceSurface(model, evaluator, [0, 1, 2], { gridSize: 5, margin: 0, signal: controller.signal }),
    ).rejects.toThrow();
    evaluator.dispose();
  });
});
