import { describe, expect, it } from 'vitest';
import {
  buildConv3x3FilterGradient,
  buildConv3x3Forward,
  buildConv3x3InputGradient,
  conv3x3FilterGradientScratchBytes,
  type Conv3x3Shape,
} from '../../src/engine/compiled/kernels/conv3x3';
import { weightGradientSplits } from '../../src/engine/compiled/kernels/weightGradient';
import { Rng } from '../../src/engine/util/rng';
import { gpuDevice, kernelContext, output, run, upload } from './support/gpu';
import { readFloats } from '../../src/engine/compiled/context';
import { activations, convBackward, convForward, expectClose, randoms } from './support/reference';

// Shapes that are not multiples of any tile: widths 1/8 (C 3→8) to 1 (512→512), batch 1, 3, 128,
// maps 32×32 down to 2×2. The widest cases keep N·H·W small so the loops stay quick. Batch 128
// runs at 16→24 only: every shape compiles its own pipelines (10-25 s on SwiftShader here).
const SHAPES: Conv3x3Shape[] = [
  { n: 1, h: 32, w: 32, cin: 3, cout: 8 },
  { n: 3, h: 8, w: 8, cin: 24, cout: 40 },
  { n: 128, h: 2, w: 2, cin: 16, cout: 24 },
  { n: 2, h: 4, w: 4, cin: 64, cout: 128 },
  { n: 1, h: 2, w: 2, cin: 512, cout: 512 },
  // Batch 3 at width 1; 2×2 keeps the loops quick.
  { n: 3, h: 2, w: 2, cin: 512, cout: 512 },
];

function name(s: Conv3x3Shape): string {
  return `N ${s.n}, ${s.h}×${s.w}, ${s.cin}→${s.cout}`;
}

function data(s: Conv3x3Shape, seed: number) {
  const rng = new Rng(seed);
  const pixels = s.n * s.h * s.w;
  return {
    x: activations(rng, pixels * s.cin),
    w: randoms(rng, 9 * s.cin * s.cout, Math.sqrt(2 / (9 * s.cin))),
    bias: randoms(rng, s.cout, 0.1),
    dy: randoms(rng, pixels * s.cout),
  };
}

describe('conv3x3 kernels', () => {
  for (const [i, s] of SHAPES.entries()) {
    it(`forward + bias + ReLU equals the loops (${name(s)})`, async () => {
      const device = await gpuDevice();
      const ctx = kernelContext(device);
      const d = data(s, i);
      // One input sits at a 256-byte offset, as views into a flat buffer do.
      const x = upload(device, d.x, 256);
      const y = output(device, s.n * s.h * s.w * s.cout);
      await run(
        device,
        buildConv3x3Forward(ctx, s, { x, weight: upload(device, d.w), bias: upload(device, d.bias), y }),
      );
      expectClose(await readFloats(device, y), convForward(d.x, d.w, d.bias, s));
    });

    it(`input gradient with the ReLU mask and filter + bias gradients equal the loops (${name(s)})`, async () => {
      const device = await gpuDevice();
      const ctx = kernelContext(device);
      const d = data(s, 100 + i);
      const ref = convBackward(d.x, d.w, d.dy, s);
      const x = upload(device, d.x);
      const weight = upload(device, d.w);
      const dy = upload(device, d.dy);
      const dx = output(device, d.x.length);
      const dxPlain = output(device, d.x.length);
      const dWeight = output(device, d.w.length);
      const dBias = output(device, s.cout);
      const scratch = output(device, conv3x3FilterGradientScratchBytes(s) / 4);
      await run(device, [
        ...buildConv3x3InputGradient(ctx, s, { dy, weight, dx, mask: x }),
        ...buildConv3x3InputGradient(ctx, s, { dy, weight, dx: dxPlain }),
        ...buildConv3x3FilterGradient(ctx, s, { x, dy, dWeight, dBias, scratch }),
      ]);
      expectClose(await readFloats(device, dxPlain), ref.dx);
      expectClose(
        await readFloats(device, dx),
        ref.dx.map((v, j) => ((d.x[j] as number) > 0 ? v : 0)),
      );
      expectClose(await readFloats(device, dWeight), ref.dw);
      expectClose(await readFloats(device, dBias), ref.db);
    });
  }

  it('filter gradient: split over rows, the same bits on every run, and accumulation adds', async () => {
    const device = await gpuDevice();
    const ctx = kernelContext(device);
    const s: Conv3x3Shape = { n: 3, h: 16, w: 16, cin: 8, cout: 16 };
    expect(weightGradientSplits({ rows: 3 * 16 * 16, k: 72, c: 16 })).toBeGreaterThan(1);
    const d = data(s, 7);
    const x = upload(device, d.x);
    const dy = upload(device, d.dy);
    const scratch = output(device, conv3x3FilterGradientScratchBytes(s) / 4);
    const results: Float32Array[] = [];
    for (let r = 0; r < 2; r++) {
      const dWeight = output(device, d.w.length);
      const dBias = output(device, s.cout);
      await run(device, buildConv3x3FilterGradient(ctx, s, { x, dy, dWeight, dBias, scratch }));
      results.push(await readFloats(device, dWeight), await readFloats(device, dBias));
    }
    expect(new Uint32Array((results[2] as Float32Array).buffer)).toEqual(
      new Uint32Array((results[0] as Float32Array).buffer),
    );
    expect(new Uint32Array((results[3] as Float32Array).buffer)).toEqual(
      new Uint32Array((results[1] as Float32Array).buffer),
    );
    const ref = convBackward(d.x, d.w, d.dy, s);
    const dWeight = upload(device, new Float32Array(d.w.length).fill(1));
    const dBias = upload(device, new Float32Array(s.cout).fill(1));
    await run(
      device,
      buildConv3x3FilterGradient(ctx, s, { x, dy, dWeight, dBias, scratch }, { accumulate: true }),
    );
    expectClose(
      await readFloats(device, dWeight),
      ref.dw.map((v) => v + 1),
    );
    expectClose(
      await readFloats(device, dBias),
      ref.db.map((v) => v + 1),
    );
  });

  it('compiles one pipeline per distinct shape and rejects a binding that is too small', async () => {
    const device = await gpuDevice();
    const ctx = kernelContext(device);
    const s: Conv3x3Shape = { n: 1, h: 4, w: 4, cin: 8, cout: 8 };
    const b = () => ({
      x: output(device, 128),
      weight: output(device, 576),
      bias: output(device, 8),
      y: output(device, 128),
    });
    buildConv3x3Forward(ctx, s, b());
    buildConv3x3Forward(ctx, s, b());
    expect(ctx.compiled()).toBe(1);
    expect(() => buildConv3x3Forward(ctx, s, { ...b(), y: output(device, 127) })).toThrow(/needs 512 bytes/);
  });
});
