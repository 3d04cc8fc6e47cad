import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src/protocol/errors';
import { type ModelSpec } from '../../../src/protocol/architecture';
import { paramSpecs } from '../../../src/protocol/network';
import type { TfLayout, TfVertex } from '../../../src/engine/formats/layout';
import { decodeMetadata, encodeMetadata, METADATA_VERSION } from '../../../src/engine/formats/modelMetadata';
import { readSafetensors } from '../../../src/engine/formats/safetensors';
import { parseModelFile, simplexFile, vertexFile } from '../../../src/engine/formats/stateDict';

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const vertex = (): TfVertex => paramSpecs(SPEC).map((p) => new Float32Array(p.size).fill(0.5) as TfLayout);

function expectError(fn: () => unknown, code: string, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(StudioError);
  expect((error as StudioError).code).toBe(code);
  expect((error as StudioError).message).toMatch(message);
}

describe('model metadata', () => {
  it('writes every studio key as JSON text, except the safetensors `format`', () => {
    const raw = encodeMetadata(
      SPEC,
      {
        complex: [[0, 1]],
        frozen: [0],
        vertex: 1,
        dataset: 'cifar10',
        normalisation: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] },
        training: { lr: 0.05, schedule: ['cosine', null, true] },
        metrics: { testError: 6.9 },
        run: 'r',
      },
      2,
    );
    expect(raw.format).toBe('pt');
    expect(Object.keys(raw).sort()).toEqual(
      [
        'architecture',
        'classes',
        'complex',
        'dataset',
        'format',
        'frozen',
        'metrics',
        'normalisation',
        'run',
        'studio',
        'training',
        'vertex',
        'width_scale',
      ].sort(),
    );
    for (const [key, value] of Object.entries(raw)) {
      if (key !== 'format') expect(() => JSON.parse(value) as unknown).not.toThrow();
    }
    expect(JSON.parse(raw.studio ?? '')).toBe(METADATA_VERSION);
  });

  it('keeps keys it does not know in the raw metadata', () => {
    const bytes = concat(vertexFile(SPEC, vertex(), [], {}));
    const file = readSafetensors(bytes);
    expect(file.metadata.architecture).toBe('"vgg11"');
    const back = parseModelFile(bytes);
    expect(back.info).toEqual({ complex: [[0]], frozen: [] });
    expect(decodeMetadata({ ...back.metadata, note: 'from a notebook' }, SPEC, 1)).toEqual(back.info);
  });

  it('refuses malformed studio keys with the key named', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ studio: '2' }, /"studio" is 2; this studio reads version 1/],
      [{ complex: '[]' }, /"complex" has no simplexes/],
      [{ complex: '[[]]' }, /"complex" has an empty simplex/],
      [{ complex: '[[0,0]]' }, /repeats a vertex/],
      [{ complex: '[[0.5]]' }, /"complex" is not a list of lists of vertex indices/],
      [{ frozen: '[0,0]' }, /"frozen" repeats a vertex/],
      [{ frozen: '[5]' }, /vertex index 5 is out of range for 2 vertices/],
      [{ dataset: '3' }, /"dataset" is not a string/],
      [{ normalisation: '{"mean":[0,0,0],"std":[1,0,1]}' }, /"normalisation" is not/],
      [{ metrics: '{"acc":"high"}' }, /"metrics" is not an object of numbers/],
      [{ run: '[]' }, /"run" is not a string/],
      [{ vertex: '-1' }, /"vertex" is not a vertex index/],
      [{ training: '{' }, /"training" is not JSON/],
      [{ normalisation: '{"mean":[1e39,0,0],"std":[1,1,1]}' }, /unusable: a mean of 1e\+39 is outside ±10/],
      [{ normalisation: '{"mean":[0,0,0],"std":[1e-300,1,1]}' }, /unusable: a std of 1e-300 is outside/],
      [{ normalisation: '{"mean":[0,0,0],"std":[1,1e39,1]}' }, /unusable: a std of 1e\+39 is outside/],
      [{ training: `${'['.repeat(33)}${']'.repeat(33)}` }, /"training" is nested more than 32 levels/],
      [{ metrics: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}` }, /"metrics" is nested more than 32/],
    ];
    for (const [raw, message] of cases) {
      expectError(() => decodeMetadata(raw, SPEC, 2), 'BAD_SAFETENSORS', message);
    }
    expectError(
      () => decodeMetadata({ width_scale: '0.25' }, SPEC, 2),
      'SHAPE_MISMATCH',
      /says width_scale 0.25 but its tensors are 0.125/,
    );
    expectError(
      () => decodeMetadata({ architecture: '"vgg16"' }, SPEC, 2),
      'SHAPE_MISMATCH',
      /says architecture "vgg16"/,
    );
  });

  it('reads metadata nested up to the limit, brackets inside strings not counted', () => {
    const training = `${'['.repeat(32)}"]]]]{{{{\\"[["${']'.repeat(32)}`;
    expect(JSON.stringify(decodeMetadata({ training }, SPEC, 2).training)).toBe(training);
    const normalisation = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    expect(decodeMetadata({ normalisation: JSON.stringify(normalisation) }, SPEC, 2).normalisation).toEqual(
      normalisation,
    );
  });

  it('refuses to write a complex that does not fit the vertices, or vertices of the wrong model', () => {
    expectError(
      () => simplexFile(SPEC, [vertex()], [], { complex: [[0, 1]], frozen: [] }),
      'BAD_ARGUMENT',
      /index 1 is out of range for 1 vertices/,
    );
    expectError(
      () => vertexFile(SPEC, vertex().slice(1), []),
      'BAD_ARGUMENT',
      /has 21 parameters, 22 expected/,
    );
    const short = vertex().map((p, i) => (i === 3 ? (p.subarray(1) as TfLayout) : p));
    expectError(() => vertexFile(SPEC, short, []), 'SHAPE_MISMATCH', /c2\.bias has 15 values/);
  });
});
