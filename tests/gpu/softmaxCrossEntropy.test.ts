import { describe, expect, it } from 'vitest';
import { buildSoftmaxCrossEntropy } from '../../src/engine/compiled/kernels/softmaxCrossEntropy';
import { Rng } from '../../src/engine/util/rng';
import { gpuDevice, kernelContext, output, run, upload, writeUniforms } from './support/gpu';
import { readFloats } from '../../src/engine/compiled/context';
import { expectClose, randoms } from './support/reference';

describe('softmax cross-entropy kernel', () => {
  for (const [n, classes] of [
    [1, 10],
    [3, 100],
    [128, 10],
    [300, 100],
  ] as const) {
    it(`loss and correct sums accumulate and dlogits equal the definition (N ${n}, ${classes} classes)`, async () => {
      const device = await gpuDevice();
      const ctx = kernelContext(device, 4);
      const factor = 1 / n;
      writeUniforms(ctx, new Uint32Array(new Float32Array([0, 0, factor, 0]).buffer));
      const rng = new Rng(n + classes);
      const z = randoms(rng, n * classes, 4);
      const labels = Uint32Array.from({ length: n }, () => rng.nextUint32() % classes);
      // A third of the rows get their label's logit raised, so some predictions are right.
      for (let r = 0; r < n; r += 3) z[r * classes + (labels[r] as number)] = 9;
      let loss = 0;
      let correct = 0;
      const dz = new Float64Array(n * classes);
      for (let r = 0; r < n; r++) {
        const row = Array.from(z.subarray(r * classes, (r + 1) * classes));
        const top = Math.max(...row);
        const total = row.reduce((a, v) => a + Math.exp(v - top), 0);
        const y = labels[r] as number;
        loss += Math.log(total) + top - (row[y] as number);
        if (row.indexOf(top) === y) correct++;
        row.forEach(
          (v, c) => (dz[r * classes + c] = factor * (Math.exp(v - top) / total - (c === y ? 1 : 0))),
        );
      }
      const sums = upload(device, new Float32Array([1.5, 2]));
      const dlogits = output(device, n * classes);
      const logits = upload(device, z);
      const bl = upload(device, labels);
      await run(
        device,
        buildSoftmaxCrossEntropy(
          ctx,
          { n, classes },
          { logits, labels: bl, sums, dlogits },
          { factorWord: 2 },
        ),
      );
      const got = await readFloats(device, sums);
      expect(Math.abs((got[0] as number) - (1.5 + loss)) / (1.5 + loss)).toBeLessThan(1e-5);
      expect(got[1]).toBe(2 + correct);
      expect(correct).toBeGreaterThan(0);
      expectClose(await readFloats(device, dlogits), dz);
      // The evaluation form adds the same sums again and writes no gradient.
      await run(
        device,
        buildSoftmaxCrossEntropy(ctx, { n, classes }, { logits, labels: bl, sums }, { factorWord: 2 }),
      );
      const again = await readFloats(device, sums);
      expect(again[1]).toBe(2 + 2 * correct);
    });
  }
});
