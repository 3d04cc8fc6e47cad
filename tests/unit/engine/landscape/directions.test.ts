// The landscape's directions against PyTorch: loss-landscape's filter and layer normalisation of
// a torch.randn direction, and its PCA of a training path (scikit-learn), computed by
// tests/pytorch/make_landscape_fixtures.py on the reference VGG16 fixture and a PreResNet-8 with
// batch norm. The studio normalises the same raw direction and finds the same plane.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../src/engine/formats/safetensors';
import { torchToTf, asTorchLayout } from '../../../../src/engine/formats/stateDict';
import type { TfLayout, TfVertex } from '../../../../src/engine/formats/layout';
import { parseWeightsFile } from '../../../../src/engine/formats/weightsFile';
import {
  dot,
  normaliseDirection,
  randomDirections,
  isBiasOrNorm,
} from '../../../../src/engine/landscape/directions';
import { pathPlane, symmetricEigen } from '../../../../src/engine/landscape/pathPlane';
import { network, type ParamSpec } from '../../../../src/protocol/network';
import type { ModelSpec } from '../../../../src/protocol/architecture';

const LANDSCAPE = path.resolve(__dirname, '../../../fixtures/landscape');
const MODELS = {
  'vgg16-w0.125': path.resolve(process.cwd(), '../shared/fixtures/reference/vertex0.safetensors'),
  preresnet8: path.resolve(__dirname, '../../../fixtures/pytorch-pt/preresnet8.pt'),
};

async function model(tag: keyof typeof MODELS): Promise<{ spec: ModelSpec; weights: TfVertex }> {
  const file = MODELS[tag];
  const parsed = await parseWeightsFile(new Uint8Array(readFileSync(file)), {
    fileName: path.basename(file),
  });
  return { spec: parsed.spec, weights: parsed.vertices[0] as TfVertex };
}

/** A parameters-only safetensors file (the fixtures' directions) in tf layout. */
function direction(name: string, params: readonly ParamSpec[]): TfLayout[] {
  const file = readSafetensors(new Uint8Array(readFileSync(path.join(LANDSCAPE, name))));
  return params.map((p) => {
    const t = file.tensors.get(p.name);
    if (!t) throw new Error(`${name} lacks ${p.name}`);
    return torchToTf(p, asTorchLayout(p, t.data));
  });
}

function maxRelative(got: readonly Float32Array[], want: readonly Float32Array[]): number {
  let worst = 0;
  got.forEach((g, i) => {
    const w = want[i] as Float32Array;
    let scale = 0;
    for (const x of w) scale = Math.max(scale, Math.abs(x));
    for (let k = 0; k < g.length; k++) {
      worst = Math.max(worst, Math.abs((g[k] as number) - (w[k] as number)) / Math.max(scale, 1e-12));
    }
  });
  return worst;
}

describe('directions, as loss-landscape normalises them', () => {
  for (const tag of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
    it(`${tag}: filter normalisation, biases and batch norm ignored, as PyTorch's`, async () => {
      const { spec, weights } = await model(tag);
      const params = network(spec).params;
      const raw = direction(`${tag}.direction.safetensors`, params);
      const got = normaliseDirection(params, raw, weights, { norm: 'filter', ignoreBiasBn: true });
      expect(maxRelative(got, direction(`${tag}.filter-biasbn.safetensors`, params))).toBeLessThan(1e-5);
      // What the normalisation promises, checked directly too: each output filter of a weight has
      // the model's filter norm; one-dimensional parameters are zero.
      params.forEach((p, i) => {
        const d = got[i] as TfLayout;
        const w = weights[i] as TfLayout;
        if (isBiasOrNorm(p)) {
          expect(
            d.every((x) => x === 0),
            p.name,
          ).toBe(true);
          return;
        }
        const out = p.tfShape[p.tfShape.length - 1] as number;
        for (const f of [0, out - 1]) {
          let dn = 0;
          let wn = 0;
          for (let k = f; k < d.length; k += out) {
            dn += (d[k] as number) ** 2;
            wn += (w[k] as number) ** 2;
          }
          expect(Math.sqrt(dn), `${p.name} filter ${f}`).toBeCloseTo(Math.sqrt(wn), 4);
        }
      });
    });

    it(`${tag}: layer normalisation, one-dimensional parameters the model's, as PyTorch's`, async () => {
      const { spec, weights } = await model(tag);
      const params = network(spec).params;
      const raw = direction(`${tag}.direction.safetensors`, params);
      const got = normaliseDirection(params, raw, weights, { norm: 'layer', ignoreBiasBn: false });
      expect(maxRelative(got, direction(`${tag}.layer.safetensors`, params))).toBeLessThan(1e-5);
    });
  }

  it('draws the same directions from the same seed, other ones from another, the second after the first', async () => {
    const { spec, weights } = await model('preresnet8');
    const params = network(spec).params;
    const settings = { seed: 7, norm: 'filter' as const, ignoreBiasBn: true };
    const [a1, a2] = randomDirections(params, weights, settings, 2) as [TfVertex, TfVertex];
    const [b1] = randomDirections(params, weights, settings, 1) as [TfVertex];
    const [c1] = randomDirections(params, weights, { ...settings, seed: 8 }, 1) as [TfVertex];
    expect(maxRelative(b1, a1)).toBe(0);
    expect(maxRelative(c1, a1)).toBeGreaterThan(0.1);
    // Two independent high-dimensional draws are nearly orthogonal.
    expect(Math.abs(dot(a1, a2)) / Math.sqrt(dot(a1, a1) * dot(a2, a2))).toBeLessThan(0.05);
  });
});

describe("a training path's plane, as setup_PCA_directions finds it", () => {
  it('has scikit-learn’s components, explained variance and projections', async () => {
    const { spec, weights } = await model('preresnet8');
    const params = network(spec).params;
    const snapshots = Array.from({ length: 6 }, (_, i) =>
      direction(`preresnet8.path-${i}.safetensors`, params),
    );
    const want = JSON.parse(readFileSync(path.join(LANDSCAPE, 'preresnet8.pca.json'), 'utf8')) as {
      explained_variance_ratio: [number, number];
      coordinates: [number, number][];
    };
    const plane = pathPlane(params, snapshots, weights, true);
    expect(plane.explained[0]).toBeCloseTo(want.explained_variance_ratio[0], 4);
    expect(plane.explained[1]).toBeCloseTo(want.explained_variance_ratio[1], 4);
    // scikit-learn fits in float32: agree to its precision, relative to the first coordinate's scale.
    const scale = Math.max(...want.coordinates.map((c) => Math.abs(c[0])));
    want.coordinates.forEach(([x, y], i) => {
      expect(Math.abs((plane.x[i] as number) - x) / scale, `x of snapshot ${i}`).toBeLessThan(1e-4);
      expect(Math.abs((plane.y[i] as number) - y) / scale, `y of snapshot ${i}`).toBeLessThan(1e-4);
    });
    expect(maxRelative(plane.directions[0], direction('preresnet8.pc1.safetensors', params))).toBeLessThan(
      1e-3,
    );
    expect(maxRelative(plane.directions[1], direction('preresnet8.pc2.safetensors', params))).toBeLessThan(
      2e-2,
    );
    // Unit, orthogonal, and zero on biases and batch norm.
    const [d1, d2] = plane.directions;
    expect(dot(d1, d1)).toBeCloseTo(1, 5);
    expect(dot(d2, d2)).toBeCloseTo(1, 5);
    expect(Math.abs(dot(d1, d2))).toBeLessThan(1e-5);
    params.forEach((p, i) => {
      if (isBiasOrNorm(p)) expect((d1[i] as TfLayout).every((x) => x === 0)).toBe(true);
    });
  });

  it('refuses a path of fewer than three snapshots, or one on a line', async () => {
    const { spec, weights } = await model('preresnet8');
    const params = network(spec).params;
    expect(() => pathPlane(params, [weights, weights], weights, true)).toThrow(/at least 3 epochs/);
    const scaled = (k: number) => weights.map((w) => w.map((x) => x * k) as TfLayout);
    expect(() => pathPlane(params, [scaled(1), scaled(2), scaled(3)], weights, false)).toThrow(/on a line/);
  });

  it('decomposes a symmetric matrix', () => {
    const m = [
      [4, 1, 2],
      [1, 3, 0.5],
      [2, 0.5, 5],
    ];
    const { values, vectors } = symmetricEigen(m);
    values.forEach((lambda, k) => {
      const v = vectors.map((row) => row[k] as number);
      const mv = m.map((row) => row.reduce((s, x, j) => s + x * (v[j] as number), 0));
      mv.forEach((x, i) => {
        expect(x).toBeCloseTo(lambda * (v[i] as number), 10);
      });
    });
    expect(values.reduce((s, x) => s + x, 0)).toBeCloseTo(12, 10);
  });
});
