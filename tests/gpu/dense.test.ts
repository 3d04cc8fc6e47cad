import { describe, it } from 'vitest';
import {
  buildDenseForward,
  buildDenseInputGradient,
  buildDenseWeightGradient,
  denseWeightGradientScratchBytes,
  type DenseShape,
} from '../../src/engine/compiled/kernels/dense';
import { Rng } from '../../src/engine/util/rng';
import { gpuDevice, kernelContext, output, run, upload } from './support/gpu';
import { readFloats } from '../../src/engine/compiled/context';
import { activations, expectClose, randoms } from './support/reference';

// Batch 1, 3 and 128; fan-ins and outputs of every width (hidden 64…512) and 10 or 100 classes.
const SHAPES: DenseShape[] = [
  { n: 1, in: 64, out: 64 },
  { n: 3, in: 72, out: 10 },
  { n: 128, in: 64, out: 100 },
  { n: 5, in: 512, out: 512 },
  // Batch 128 at width 1 (hidden 512).
  { n: 128, in: 512, out: 10 },
];

describe('dense kernels', () => {
  for (const [t, s] of SHAPES.entries()) {
    it(`forward, input gradient with mask, weight + bias gradients equal the loops (N ${s.n}, ${s.in}→${s.out})`, async () => {
      const device = await gpuDevice();
      const ctx = kernelContext(device);
      const rng = new Rng(40 + t);
      const x = activations(rng, s.n * s.in);
      const w = randoms(rng, s.in * s.out, Math.sqrt(1 / s.in));
      const bias = randoms(rng, s.out, 0.1);
      const dy = randoms(rng, s.n * s.out);
      const y = new Float64Array(s.n * s.out);
      const dx = new Float64Array(s.n * s.in);
      const dw = new Float64Array(s.in * s.out);
      const db = new Float64Array(s.out);
      for (let n = 0; n < s.n; n++)
        for (let o = 0; o < s.out; o++) {
          let acc = bias[o] as number;
          const g = dy[n * s.out + o] as number;
          db[o] = (db[o] as number) + g;
          for (let i = 0; i < s.in; i++) {
            acc += (x[n * s.in + i] as number) * (w[i * s.out + o] as number);
            dx[n * s.in + i] = (dx[n * s.in + i] as number) + g * (w[i * s.out + o] as number);
            dw[i * s.out + o] = (dw[i * s.out + o] as number) + g * (x[n * s.in + i] as number);
          }
          y[n * s.out + o] = acc;
        }
      const bx = upload(device, x);
      const bw = upload(device, w);
      const bdy = upload(device, dy);
      const out = { linear: output(device, y.length), relu: output(device, y.length) };
      const gx = output(device, dx.length);
      const dWeight = output(device, dw.length);
      const dBias = output(device, s.out);
      const scratch = output(device, denseWeightGradientScratchBytes(s) / 4);
      const bb = upload(device, bias);
      await run(device, [
        ...buildDenseForward(ctx, s, { x: bx, weight: bw, bias: bb, y: out.linear }, { relu: false }),
        ...buildDenseForward(ctx, s, { x: bx, weight: bw, bias: bb, y: out.relu }, { relu: true }),
        ...buildDenseInputGradient(ctx, s, { dy: bdy, weight: bw, dx: gx, mask: bx }),
        ...buildDenseWeightGradient(ctx, s, { x: bx, dy: bdy, dWeight, dBias, scratch }),
      ]);
      expectClose(await readFloats(device, out.linear), y);
      expectClose(
        await readFloats(device, out.relu),
        y.map((v) => Math.max(0, v)),
      );
      expectClose(
        await readFloats(device, gx),
        dx.map((v, i) => ((x[i] as number) > 0 ? v : 0)),
      );
      expectClose(await readFloats(device, dWeight), dw);
      expectClose(await readFloats(device, dBias), db);
    });
  }
});
