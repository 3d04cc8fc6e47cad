import { describe, expect, it } from 'vitest';
import { buildDropoutBackward, buildDropoutForward } from '../../src/worker/compiled/kernels/dropout';
import { dropoutMask } from '../../src/engine/model/dropoutMask';
import { Rng } from '../../src/engine/util/rng';
import { gpuDevice, kernelContext, output, run, upload, writeUniforms } from './support/gpu';
import { readFloats } from '../../src/worker/compiled/context';
import { activations, randoms } from './support/reference';

function values(a: ArrayLike<number>): number[] {
  return Array.from(a, (v) => v + 0);
}

describe('dropout kernels', () => {
  for (const [count, rate, seed] of [
    [1 * 64, 0.5, 0xdeadbeef],
    [3 * 72, 0.2, 7],
    [128 * 512, 0.5, 0xffffffff],
  ] as const) {
    it(`make the definition's mask bit for bit (${count} elements, rate ${rate}, seed ${seed})`, async () => {
      const device = await gpuDevice();
      const ctx = kernelContext(device, 8);
      const words = new Uint32Array(8);
      words[5] = seed;
      writeUniforms(ctx, words);
      const rng = new Rng(count);
      const x = activations(rng, count);
      const dy = randoms(rng, count);
      const mask = dropoutMask(seed, count, rate);
      const y = output(device, count);
      const dx = output(device, count);
      const dxRelu = output(device, count);
      const bx = upload(device, x);
      const options = { rate, seedWord: 5 };
      await run(device, [
        ...buildDropoutForward(ctx, count, { x: bx, y }, options),
        ...buildDropoutBackward(ctx, count, { dy: upload(device, dy), dx }, options),
        ...buildDropoutBackward(ctx, count, { dy: upload(device, dy), dx: dxRelu, reluOut: bx }, options),
      ]);
      expect(values(await readFloats(device, y))).toEqual(values(x.map((v, i) => v * (mask[i] as number))));
      expect(values(await readFloats(device, dx))).toEqual(values(dy.map((v, i) => v * (mask[i] as number))));
      expect(values(await readFloats(device, dxRelu))).toEqual(
        values(dy.map((v, i) => ((x[i] as number) > 0 ? v * (mask[i] as number) : 0))),
      );
    });
  }
});
