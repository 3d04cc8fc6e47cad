// Dropout, fused into the dense layers (kernels/dense.ts with kernels/dropout.ts's mask), against
// its definition (engine/model/dropoutMask.ts): through an identity layer the mask comes out bit
// for bit; on real layers forward, input gradient (with the layer below's ReLU) and weight
// gradient equal float64 loops over x · mask, in one pass and in the split-K passes (N ≥ 512).

import { describe, expect, it } from 'vitest';
import {
  buildDenseForward,
  buildDenseInputGradient,
  buildDenseWeightGradient,
  denseWeightGradientScratchBytes,
  type DenseShape,
} from '../../src/engine/compiled/kernels/dense';
import { weightGradientSplits } from '../../src/engine/compiled/kernels/weightGradient';
import { dropoutMask } from '../../src/engine/model/dropoutMask';
import { Rng } from '../../src/engine/util/rng';
import { gpuDevice, kernelContext, output, run, upload, writeUniforms } from './support/gpu';
import { readFloats } from '../../src/engine/compiled/context';
import { activations, expectClose, randoms } from './support/reference';

const SEED_WORD = 5;

async function seeded(seed: number) {
  const device = await gpuDevice();
  const ctx = kernelContext(device, 8);
  const words = new Uint32Array(8);
  words[SEED_WORD] = seed;
  writeUniforms(ctx, words);
  return { device, ctx };
}

describe('dropout fused into the dense layers', () => {
  for (const [n, width, rate, seed] of [
    [1, 64, 0.5, 0xdeadbeef],
    [3, 72, 0.2, 7],
    [128, 512, 0.5, 0xffffffff],
  ] as const) {
    it(`makes the definition's mask bit for bit (${n}×${width}, rate ${rate}, seed ${seed})`, async () => {
      const { device, ctx } = await seeded(seed);
      const x = activations(new Rng(n), n * width);
      const identity = new Float32Array(width * width);
      for (let i = 0; i < width; i++) identity[i * width + i] = 1;
      const y = output(device, n * width);
      await run(
        device,
        buildDenseForward(
          ctx,
          { n, in: width, out: width },
          { x: upload(device, x), weight: upload(device, identity), bias: output(device, width, 0), y },
          { relu: false, dropout: { rate, seedWord: SEED_WORD } },
        ),
      );
      const mask = dropoutMask(seed, n * width, rate);
      expect(Array.from(await readFloats(device, y), (v) => v + 0)).toEqual(
        Array.from(x, (v, i) => Math.fround(v * (mask[i] as number)) + 0),
      );
    });
  }

  const SHAPES: DenseShape[] = [
    { n: 3, in: 40, out: 24 },
    { n: 600, in: 24, out: 16 },
    // Batch 128 at width 1/8 (l1, l2: 64 wide).
    { n: 128, in: 64, out: 64 },
  ];
  for (const s of SHAPES) {
    it(`forward, masked input gradient and weight gradient equal the loops over x · mask (N ${s.n}, ${s.in}→${s.out}, ${weightGradientSplits({ rows: s.n, k: s.in, c: s.out })} split(s))`, async () => {
      const { device, ctx } = await seeded(99);
      const rng = new Rng(s.n);
      const x = activations(rng, s.n * s.in);
      const w = randoms(rng, s.in * s.out, Math.sqrt(1 / s.in));
      const bias = randoms(rng, s.out, 0.1);
      const dy = randoms(rng, s.n * s.out);
      const mask = dropoutMask(99, s.n * s.in, 0.5);
      const xm = x.map((v, i) => v * (mask[i] as number));
      const y = new Float64Array(s.n * s.out);
      const dx = new Float64Array(s.n * s.in);
      const dw = new Float64Array(s.in * s.out);
      for (let r = 0; r < s.n; r++)
        for (let o = 0; o < s.out; o++) {
          const g = dy[r * s.out + o] as number;
          let acc = bias[o] as number;
          for (let i = 0; i < s.in; i++) {
            const at = r * s.in + i;
            acc += (xm[at] as number) * (w[i * s.out + o] as number);
            // dx of x: through the mask, and zero where x (a ReLU output) is not positive.
            if ((x[at] as number) > 0)
              dx[at] = (dx[at] as number) + g * (w[i * s.out + o] as number) * (mask[at] as number);
            dw[i * s.out + o] = (dw[i * s.out + o] as number) + g * (xm[at] as number);
          }
          y[r * s.out + o] = Math.max(0, acc);
        }
      const bx = upload(device, x);
      const bw = upload(device, w);
      const bdy = upload(device, dy);
      const out = {
        y: output(device, s.n * s.out),
        dx: output(device, s.n * s.in),
        dw: output(device, s.in * s.out),
      };
      const dropout = { rate: 0.5, seedWord: SEED_WORD };
      await run(device, [
        ...buildDenseForward(
          ctx,
          s,
          { x: bx, weight: bw, bias: upload(device, bias), y: out.y },
          { relu: true, dropout },
        ),
        ...buildDenseInputGradient(ctx, s, { dy: bdy, weight: bw, dx: out.dx, mask: bx }, { dropout }),
        ...buildDenseWeightGradient(
          ctx,
          s,
          {
            x: bx,
            dy: bdy,
            dWeight: out.dw,
            dBias: output(device, s.out),
            scratch: output(device, denseWeightGradientScratchBytes(s) / 4),
          },
          { dropout },
        ),
      ]);
      expectClose(await readFloats(device, out.y), y);
      expectClose(await readFloats(device, out.dx), dx);
      expectClose(await readFloats(device, out.dw), dw);
    });
  }
});
