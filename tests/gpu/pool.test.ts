import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildMaxPoolBackward,
  buildMaxPoolForward,
  type PoolShape,
} from '../../src/engine/compiled/kernels/pool';
import { Rng } from '../../src/engine/util/rng';
import { gpuDevice, kernelContext, output, run, upload } from './support/gpu';
import { readFloats } from '../../src/engine/compiled/context';
import { randoms } from './support/reference';

/** Values with −0 read as 0. */
function values(a: ArrayLike<number>): number[] {
  return Array.from(a, (v) => v + 0);
}

/** The definition: dy to the first maximum of each window in row-major order. */
function reference(x: Float32Array, dy: Float32Array, s: PoolShape, relu: boolean) {
  const y = new Float32Array(dy.length);
  const dx = new Float32Array(x.length);
  const at = (b: number, i: number, j: number, c: number) => ((b * s.h + i) * s.w + j) * s.c + c;
  let o = 0;
  for (let b = 0; b < s.n; b++)
    for (let i = 0; i < s.h; i += 2)
      for (let j = 0; j < s.w; j += 2)
        for (let c = 0; c < s.c; c++, o++) {
          const ps = [at(b, i, j, c), at(b, i, j + 1, c), at(b, i + 1, j, c), at(b, i + 1, j + 1, c)];
          let best = ps[0] as number;
          for (const p of ps) if ((x[p] as number) > (x[best] as number)) best = p;
          y[o] = x[best] as number;
          dx[best] = relu && !((x[best] as number) > 0) ? 0 : (dy[o] as number);
        }
  return { y, dx };
}

describe('max-pool kernels', () => {
  const rng = new Rng(3);
  const cases: PoolShape[] = [
    { n: 1, h: 2, w: 2, c: 8 },
    { n: 3, h: 32, w: 32, c: 8 },
    { n: 128, h: 4, w: 4, c: 24 },
    { n: 2, h: 4, w: 6, c: 512 },
    // Width 1's channel counts (64 to 512) at batch 1, 3 and 128.
    { n: 1, h: 4, w: 4, c: 64 },
    { n: 3, h: 2, w: 2, c: 256 },
    { n: 128, h: 2, w: 2, c: 512 },
  ];
  for (const s of cases) {
    it(`first-max routing on tied maps equals the definition (N ${s.n}, ${s.h}×${s.w}×${s.c})`, async () => {
      const device = await gpuDevice();
      const ctx = kernelContext(device);
      const size = s.n * s.h * s.w * s.c;
      // Few levels, zeros most common: most windows tie, as ReLU zeros and zero padding make them.
      const x = Float32Array.from({ length: size }, () => [0, 0, 0.5, 1][rng.nextUint32() % 4] as number);
      const dy = randoms(rng, size / 4);
      const bx = upload(device, x);
      const bdy = upload(device, dy);
      const y = output(device, size / 4);
      const dx = output(device, size);
      const dxRelu = output(device, size);
      await run(device, [
        ...buildMaxPoolForward(ctx, s, { x: bx, y }),
        ...buildMaxPoolBackward(ctx, s, { x: bx, dy: bdy, dx }),
        ...buildMaxPoolBackward(ctx, s, { x: bx, dy: bdy, dx: dxRelu }, { relu: true }),
      ]);
      const plain = reference(x, dy, s, false);
      expect(values(await readFloats(device, y))).toEqual(values(plain.y));
      expect(values(await readFloats(device, dx))).toEqual(values(plain.dx));
      expect(values(await readFloats(device, dxRelu))).toEqual(values(reference(x, dy, s, true).dx));
    });
  }

  it("routes the PyTorch fixture's ties as PyTorch does", async () => {
    const url = new URL('../fixtures/max-pool-ties/ties.json', import.meta.url);
    const f = JSON.parse(readFileSync(url, 'utf8')) as {
      shape_nhwc: number[];
      x: number[];
      dy: number[];
      dx: number[];
    };
    const [n = 0, h = 0, w = 0, c = 0] = f.shape_nhwc;
    const device = await gpuDevice();
    const ctx = kernelContext(device);
    const dx = output(device, f.x.length);
    const s = { n, h, w, c };
    await run(
      device,
      buildMaxPoolBackward(ctx, s, {
        x: upload(device, Float32Array.from(f.x)),
        dy: upload(device, Float32Array.from(f.dy)),
        dx,
      }),
    );
    expect(values(await readFloats(device, dx))).toEqual(values(Float32Array.from(f.dx)));
  });
});
