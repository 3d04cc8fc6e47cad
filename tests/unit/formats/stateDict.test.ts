import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src/protocol/errors';
import { type ModelSpec } from '../../../src/protocol/architecture';
import { paramSpecs } from '../../../src/protocol/network';
import type { TfLayout, TfVertex } from '../../../src/engine/formats/layout';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import {
  asTorchLayout,
  checkAgainst,
  parseModelFile,
  simplexFile,
  tfToTorch,
  torchToTf,
  vertexFile,
} from '../../../src/engine/formats/stateDict';

const REFERENCE = path.resolve(process.cwd(), '../shared/fixtures/reference');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(REFERENCE, name)));
const FIXTURE_SPEC: ModelSpec = { architecture: 'vgg16', widthScale: 0.125, numClasses: 10 };

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A vertex of distinct, sign-varying values, different per seed. */
function makeVertex(spec: ModelSpec, seed: number): TfVertex {
  let k = seed * 7919;
  return paramSpecs(spec).map(
    (p) => Float32Array.from({ length: p.size }, () => Math.sin(++k) * 0.1) as TfLayout,
  );
}

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Bitwise equality; toEqual walks large typed arrays element by element, far too slowly. */
function expectSameArray(a: Float32Array, b: Float32Array | undefined): void {
  expect(b !== undefined && bytesOf(a).equals(bytesOf(b))).toBe(true);
}

function expectSameVertices(a: readonly TfVertex[], b: readonly TfVertex[]): void {
  expect(a.map((v) => v.length)).toEqual(b.map((v) => v.length));
  a.forEach((v, i) => {
    v.forEach((p, j) => {
      expectSameArray(p, b[i]?.[j]);
    });
  });
}

function expectError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe(code);
    expect((err as StudioError).message).toMatch(message);
    return;
  }
  throw new Error('expected a StudioError');
}

describe('layout conversion', () => {
  const specs = paramSpecs({ architecture: 'vgg11', widthScale: 0.125, numClasses: 10 });

  it('maps conv [o,i,h,w] to [h,w,i,o], linear [o,i] to [i,o], bias unchanged, and back', () => {
    for (const spec of specs) {
      const torch = asTorchLayout(
        spec,
        Float32Array.from({ length: spec.size }, (_, i) => i),
      );
      const tf = torchToTf(spec, torch);
      const [out = 0, inC = 1, kh = 1, kw = 1] = spec.torchShape;
      const expected = new Float32Array(spec.size);
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inC; i++) {
          for (let h = 0; h < kh; h++) {
            for (let w = 0; w < kw; w++) {
              expected[((h * kw + w) * inC + i) * out + o] = torch[((o * inC + i) * kh + h) * kw + w] ?? NaN;
            }
          }
        }
      }
      expectSameArray(tf, expected);
      expectSameArray(tfToTorch(spec, tf), torch);
    }
  });

  it('rejects values of the wrong size', () => {
    const spec = specs[0];
    if (!spec) throw new Error('no specs');
    expectError(
      () => asTorchLayout(spec, new Float32Array(spec.size + 1)),
      'SHAPE_MISMATCH',
      /c1\.weight has 217 values/,
    );
  });
});

describe('reference fixtures', () => {
  const simplex = parseModelFile(fixture('vertices.safetensors'));

  it('read as a SimplexNet state_dict of three VGG16 vertices at width 1/8', () => {
    expect(simplex.spec).toEqual(FIXTURE_SPEC);
    expect(simplex.layout).toBe('simplex');
    expect(simplex.vertices).toHaveLength(3);
    expect(simplex.info).toEqual({ complex: [[0, 1, 2]], frozen: [] });
    expect(simplex.metadata.note).toMatch(/SimplexNet/);
  });

  it('give the same vertex values as the VGG16 state_dict of each vertex', () => {
    for (let i = 0; i < 3; i++) {
      const single = parseModelFile(fixture(`vertex${i}.safetensors`));
      expect(single.spec).toEqual(FIXTURE_SPEC);
      expect(single.layout).toBe('base');
      expect(single.info).toEqual({ complex: [[0]], frozen: [] });
      expect(single.vertices).toHaveLength(1);
      expectSameVertices(single.vertices, simplex.vertices.slice(i, i + 1));
    }
  });

  it('are converted to tf layout (spot check against the raw PyTorch tensor)', () => {
    const raw = readSafetensors(fixture('vertex1.safetensors')).tensors.get('c2.weight');
    const tf = simplex.vertices[1]?.[2];
    // c2.weight [8,8,3,3]: PyTorch element [o=5,i=3,h=2,w=1] is tfjs element [2,1,3,5].
    expect(tf?.[((2 * 3 + 1) * 8 + 3) * 8 + 5]).toBe(raw?.data[((5 * 8 + 3) * 3 + 2) * 3 + 1]);
  });
});

describe('round trip', () => {
  it('vertex file: same names as the PyTorch fixture, same values back', () => {
    const vertex = makeVertex(FIXTURE_SPEC, 1);
    const bytes = concat(vertexFile(FIXTURE_SPEC, vertex, [], { dataset: 'cifar10', vertex: 4, run: 'r1' }));
    const names = [...readSafetensors(bytes).tensors.keys()].sort();
    expect(names).toEqual([...readSafetensors(fixture('vertex0.safetensors')).tensors.keys()].sort());
    const back = parseModelFile(bytes);
    expect(back.spec).toEqual(FIXTURE_SPEC);
    expect(back.layout).toBe('base');
    expectSameVertices(back.vertices, [vertex]);
    expect(back.info).toEqual({ complex: [[0]], frozen: [], dataset: 'cifar10', vertex: 4, run: 'r1' });
  });

  it('simplex file: same names as the PyTorch fixture, values and metadata back', () => {
    const vertices = [0, 1, 2].map((s) => makeVertex(FIXTURE_SPEC, s));
    const meta = {
      complex: [[0, 1, 2]],
      frozen: [0, 1],
      dataset: 'cifar10',
      normalisation: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      training: { lr: 0.01, nSample: 5, schedule: { kind: 'cosine' } },
      metrics: { testAccuracy: 0.93, ensembleAccuracy: null },
      run: 'run-7',
    };
    const bytes = concat(simplexFile(FIXTURE_SPEC, vertices, [], meta));
    const names = [...readSafetensors(bytes).tensors.keys()].sort();
    expect(names).toEqual([...readSafetensors(fixture('vertices.safetensors')).tensors.keys()].sort());
    const back = parseModelFile(bytes);
    expect(back.layout).toBe('simplex');
    expectSameVertices(back.vertices, vertices);
    expect(back.info).toEqual(meta);
    expect(back.metadata).toMatchObject({
      format: 'pt',
      architecture: '"vgg16"',
      width_scale: '0.125',
      classes: '10',
    });
  });

  it('other architectures and widths: VGG11 at 1/4 with 100 classes, VGG19 at 1/8, a complex', () => {
    const vgg11: ModelSpec = { architecture: 'vgg11', widthScale: 0.25, numClasses: 100 };
    const v = makeVertex(vgg11, 3);
    expect(parseModelFile(concat(vertexFile(vgg11, v, []))).spec).toEqual(vgg11);
    const vgg19: ModelSpec = { architecture: 'vgg19', widthScale: 0.125, numClasses: 10 };
    const vs = [0, 1, 2, 3, 4].map((s) => makeVertex(vgg19, s));
    const complex = {
      complex: [
        [0, 3, 4],
        [1, 3, 4],
        [2, 3, 4],
      ],
      frozen: [0, 1, 2, 3],
    };
    const back = parseModelFile(concat(simplexFile(vgg19, vs, [], complex)));
    expect(back.spec).toEqual(vgg19);
    expectSameVertices(back.vertices, vs);
    expect(back.info).toEqual(complex);
  });

  it('a PyTorch file from elsewhere: converted dtypes, num_batches_tracked ignored, no metadata', () => {
    const spec: ModelSpec = { architecture: 'vgg13', widthScale: 0.125, numClasses: 10 };
    const vertex = makeVertex(spec, 9);
    const specs = paramSpecs(spec);
    const tensors = specs.map((p, i) => ({
      name: p.name,
      shape: p.torchShape,
      data: tfToTorch(p, vertex[i] as TfLayout),
    }));
    const parts = writeSafetensors(tensors, {});
    // Re-encode c1.bias as F64 and add an I64 counter by editing the header.
    const file = readSafetensors(concat(parts));
    expect(file.tensors.size).toBe(specs.length);
    const f64 = withExtraTensors(tensors, 'c1.bias');
    const back = parseModelFile(f64);
    expect(back.spec).toEqual(spec);
    expectSameVertices(back.vertices, [vertex]);
  });
});

/** A file where `f64Name` is stored as F64 and a BatchNorm counter `bn.num_batches_tracked` (I64) is added. */
function withExtraTensors(
  tensors: { name: string; shape: readonly number[]; data: Float32Array }[],
  f64Name: string,
): Uint8Array {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    const f64 = t.name === f64Name;
    const bytes = f64
      ? new Uint8Array(Float64Array.from(t.data).buffer)
      : new Uint8Array(t.data.slice().buffer);
    header[t.name] = {
      dtype: f64 ? 'F64' : 'F32',
      shape: t.shape,
      data_offsets: [offset, offset + bytes.byteLength],
    };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  header['bn.num_batches_tracked'] = { dtype: 'I64', shape: [], data_offsets: [offset, offset + 8] };
  chunks.push(new Uint8Array(new BigInt64Array([12345n]).buffer));
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  return concat([length, json, ...chunks]);
}

describe('rejected models', () => {
  const specs = paramSpecs(FIXTURE_SPEC);
  const vertex = makeVertex(FIXTURE_SPEC, 2);
  interface Tensor {
    name: string;
    shape: readonly number[];
    data: Float32Array;
  }
  const torchTensors = (): Tensor[] =>
    specs.map((p, i) => ({ name: p.name, shape: p.torchShape, data: tfToTorch(p, vertex[i] as TfLayout) }));
  const file = (tensors: Tensor[], meta: Record<string, string> = {}) =>
    concat(writeSafetensors(tensors, meta));

  it('missing tensors, listing a few and counting the rest', () => {
    const t = torchTensors().filter((x) => !/^c(3|4|5|6|7)\./.test(x.name));
    expectError(
      () => parseModelFile(file(t)),
      'SHAPE_MISMATCH',
      /missing c3\.weight, c3\.bias, c4\.weight, c4\.bias and 6 more/,
    );
  });

  it('extra tensors', () => {
    const t = [...torchTensors(), { name: 'fc.extra', shape: [1], data: new Float32Array(1) }];
    expectError(() => parseModelFile(file(t)), 'SHAPE_MISMATCH', /unexpected fc\.extra/);
  });

  it('misshapen tensors', () => {
    const t = torchTensors().map((x) => (x.name === 'c2.bias' ? { ...x, shape: [2, 4] } : x));
    expectError(() => parseModelFile(file(t)), 'SHAPE_MISMATCH', /c2\.bias is \[2, 4\], not \[8\]/);
  });

  it('an unknown conv count or width', () => {
    const noC13 = torchTensors().filter((x) => !x.name.startsWith('c13.'));
    expectError(
      () => parseModelFile(file(noC13)),
      'SHAPE_MISMATCH',
      /it has 12 conv layers named c1\.weight/,
    );
    const torchvision = [{ name: 'features.0.weight', shape: [64, 3, 3, 3], data: new Float32Array(1728) }];
    expectError(
      () => parseModelFile(file(torchvision)),
      'SHAPE_MISMATCH',
      /0 conv layers .* not torchvision's/,
    );
    const c1 = torchTensors().map((x) =>
      x.name === 'c1.weight' ? { ...x, shape: [6, 3, 4, 3], data: x.data.subarray(0, 216) } : x,
    );
    expectError(() => parseModelFile(file(c1)), 'SHAPE_MISMATCH', /c1\.weight has 6 output channels/);
  });

  it('NaN or infinite values', () => {
    const t = torchTensors();
    const l2 = t.find((x) => x.name === 'l2.weight');
    if (!l2) throw new Error('no l2');
    l2.data = l2.data.slice();
    l2.data[7] = Infinity;
    expectError(() => parseModelFile(file(t)), 'BAD_SAFETENSORS', /l2\.weight holds NaN or infinite/);
    l2.data[7] = NaN;
    expectError(() => parseModelFile(file(t)), 'BAD_SAFETENSORS', /l2\.weight holds NaN or infinite/);
  });

  it('metadata that disagrees with the shapes or is malformed', () => {
    expectError(
      () => parseModelFile(file(torchTensors(), { classes: '100' })),
      'SHAPE_MISMATCH',
      /says classes 100/,
    );
    expectError(
      () => parseModelFile(file(torchTensors(), { complex: '[[0,1]]' })),
      'BAD_SAFETENSORS',
      /index 1 is out of range/,
    );
    expectError(
      () => parseModelFile(file(torchTensors(), { frozen: 'nope' })),
      'BAD_SAFETENSORS',
      /"frozen" is not JSON/,
    );
  });

  it('a simplex with a vertex missing a tensor', () => {
    const parts = simplexFile(FIXTURE_SPEC, [vertex, vertex], [], { complex: [[0, 1]], frozen: [] });
    const t = [...readSafetensors(concat(parts)).tensors].filter(([n]) => n !== 'net.l1.bias_1');
    const bytes = file(t.map(([name, x]) => ({ name, shape: x.shape, data: x.data })));
    expectError(
      () => parseModelFile(bytes),
      'SHAPE_MISMATCH',
      /SimplexNet state_dict of 2 vertices: missing net\.l1\.bias_1/,
    );
  });

  it('a model for another dataset or run', () => {
    expect(() => {
      checkAgainst(FIXTURE_SPEC, { numClasses: 10, architecture: 'vgg16' });
    }).not.toThrow();
    expectError(
      () => {
        checkAgainst(FIXTURE_SPEC, { numClasses: 100 });
      },
      'SHAPE_MISMATCH',
      /10 classes where 100 are needed/,
    );
    expectError(
      () => {
        checkAgainst(FIXTURE_SPEC, { widthScale: 1 });
      },
      'SHAPE_MISMATCH',
      /width scale 0\.125 where 1/,
    );
  });
});
