import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseModelFile } from '../../../../src/engine/formats/stateDict';
import { modelFromFile } from '../../../../src/worker/library/importFile';
import {
  exportStem,
  manifest,
  sanitise,
  simplexFileName,
  simplexParts,
  vertexFileName,
  vertexParts,
} from '../../../../src/worker/library/exportFiles';
import { summarise, type ModelRecord } from '../../../../src/worker/storage/models';
import { REFERENCE_DIR } from '../../engine/fixtures';

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** Bit-identical values: the layout round trip is a pure permutation. */
const bytes = (a: Float32Array | undefined) =>
  a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : Buffer.alloc(0);
const sameVertex = (a: readonly Float32Array[] | undefined, b: readonly Float32Array[] | undefined) =>
  a?.length === b?.length && (a ?? []).every((p, i) => bytes(p).equals(bytes(b?.[i])));

async function referenceSimplex(): Promise<ModelRecord> {
  const bytes = new Uint8Array(readFileSync(path.join(REFERENCE_DIR, 'vertices.safetensors')));
  return {
    ...(await modelFromFile(bytes, 'vertices.safetensors', null)).model,
    id: 'm1',
    name: 'SPRO run: λ=1e-6',
    kind: 'simplex',
    frozen: [true, false, false],
    roles: ['mode', 'vertex', 'vertex'],
    dataset: { id: 'cifar10', name: 'CIFAR-10' },
    normalisation: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    training: { lr: 0.01, nSample: 5 },
    metrics: { testAccuracy: 0.5, nll: null },
    source: { kind: 'run', runId: 'r1', runName: 'SPRO run' },
    createdAt: Date.UTC(2026, 0, 2),
  };
}

describe('sanitise', () => {
  it('keeps names portable: ASCII letters, digits, dot and dash only', () => {
    expect(sanitise('My run: λ=1e-6 (café)')).toBe('My-run-1e-6-cafe');
    expect(sanitise('../../etc/passwd')).toBe('etc-passwd');
    expect(sanitise('a'.repeat(100))).toHaveLength(48);
  });
  it('never gives an empty or hidden name', () => {
    expect(sanitise('')).toBe('model');
    expect(sanitise('...')).toBe('model');
    expect(sanitise('.hidden')).toBe('hidden');
  });
});

describe('export file names', () => {
  it('say architecture, width, dataset, model and what the file holds', async () => {
    const s = summarise(await referenceSimplex());
    expect(exportStem(s)).toBe('vgg16-w0.125_CIFAR-10_SPRO-run-1e-6');
    expect(vertexFileName(s, 2)).toBe('vgg16-w0.125_CIFAR-10_SPRO-run-1e-6_vertex2.safetensors');
    expect(simplexFileName(s)).toBe('vgg16-w0.125_CIFAR-10_SPRO-run-1e-6_simplex-3v.safetensors');
    expect(
      simplexFileName({
        ...s,
        complex: [
          [0, 1],
          [1, 2],
        ],
      }),
    ).toMatch(/_complex-3v-2s\.safetensors$/);
    expect(exportStem({ ...s, dataset: null })).toBe('vgg16-w0.125_SPRO-run-1e-6');
  });
});

describe('export round trip', () => {
  it('the simplex file reads back to the same vertices, complex, frozen set and metadata', async () => {
    const model = await referenceSimplex();
    const back = parseModelFile(concat(simplexParts(model)));
    expect(back.layout).toBe('simplex');
    expect(back.spec).toEqual(model.spec);
    expect(back.vertices).toHaveLength(3);
    back.vertices.forEach((vertex, v) => {
      expect(sameVertex(vertex, model.vertices[v]), `vertex ${v}`).toBe(true);
    });
    expect(back.info.complex).toEqual([[0, 1, 2]]);
    expect(back.info.frozen).toEqual([0]);
    expect(back.info.dataset).toBe('CIFAR-10');
    expect(back.info.run).toBe('SPRO run');
    expect(back.info.metrics).toEqual({ testAccuracy: 0.5, nll: null });
    expect(back.info.training).toEqual({ lr: 0.01, nSample: 5 });
  });

  it('a vertex file reads back to that vertex, with its index', async () => {
    const model = await referenceSimplex();
    const back = parseModelFile(concat(vertexParts(model, 1)));
    expect(back.layout).toBe('base');
    expect(sameVertex(back.vertices[0], model.vertices[1])).toBe(true);
    expect(back.info.vertex).toBe(1);
    expect(() => vertexParts(model, 3)).toThrow(/no vertex 3/);
  });
});

describe('manifest', () => {
  it('lists the files by the names the downloads get, with settings, metrics and decoded metadata', async () => {
    const s = summarise(await referenceSimplex());
    const m = manifest(s) as {
      files: {
        simplex: { name: string; metadata: Record<string, unknown> };
        vertices: { name: string; role: string; metadata: Record<string, unknown> }[];
      };
      training: unknown;
      metrics: unknown;
      model: { created: string };
    };
    expect(m.files.simplex.name).toBe(simplexFileName(s));
    expect(m.files.vertices.map((v) => v.name)).toEqual([0, 1, 2].map((i) => vertexFileName(s, i)));
    expect(m.files.vertices.map((v) => v.role)).toEqual(['mode', 'vertex', 'vertex']);
    expect(m.files.simplex.metadata.complex).toEqual([[0, 1, 2]]);
    expect(m.files.simplex.metadata.format).toBe('pt');
    expect(m.files.vertices[2]?.metadata.vertex).toBe(2);
    expect(m.training).toEqual({ lr: 0.01, nSample: 5 });
    expect(m.metrics).toEqual({ testAccuracy: 0.5, nll: null });
    expect(m.model.created).toBe('2026-01-02T00:00:00.000Z');
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});
