// The compiled VGG pass (src/engine/compiled/vggProgram.ts) against PyTorch on
// ../shared/fixtures/reference: the three vertices mixed at the fixture's α by the stack's own
// mixing kernel, then the program's forward (logits, loss) and backward (the gradient of the mean
// cross-entropy with respect to the last vertex, α₃ times the mixed weights' gradient).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paramSpecs } from '../../../src/protocol/network';
import { readFloats, submitDispatches } from '../../../src/engine/compiled/context';
import { flatLayout, unpackRow } from '../../../src/engine/compiled/flatLayout';
import { FlatStack } from '../../../src/engine/compiled/flatStack';
import { uniformLayout, writeStepUniforms } from '../../../src/engine/compiled/stepUniforms';
import { VggProgram } from '../../../src/engine/compiled/vggProgram';
import { REFERENCE_SPEC, expectClose, loadReference, type Reference } from '../../unit/engine/fixtures';
import { gpuDevice, kernelContext, output } from '../support/gpu';

const RTOL = 1e-4;

let ref: Reference;
let device: GPUDevice;
let stack: FlatStack;
let program: VggProgram;
let ctx: ReturnType<typeof kernelContext>;

beforeAll(async () => {
  ref = loadReference();
  device = await gpuDevice();
  const stage = { rows: 3, draws: 1, pull: false };
  const uniforms = uniformLayout(stage);
  ctx = kernelContext(device, uniforms.words);
  const layout = flatLayout(paramSpecs(REFERENCE_SPEC));
  stack = new FlatStack(ctx, layout, { ...stage, momentum: false, pairs: [] }, uniforms, ref.vertices);
  program = new VggProgram(ctx, layout, { spec: REFERENCE_SPEC, batch: ref.images.n, dropoutRate: 0.5 });
  const data = new ArrayBuffer(uniforms.words * 4);
  writeStepUniforms(
    stage,
    uniforms,
    {
      lr: 0,
      momentum: 0,
      weightDecay: 0,
      coefficients: [Array.from(ref.value('alpha'))],
      rows: { weights: [[0, 0, 1]], pull: null, trainable: [false, false, true] },
      seeds: [[0, 0]],
      lossScale: [1 / ref.images.n],
    },
    data,
  );
  device.queue.writeBuffer(ctx.uniforms.buffer, 0, data);
  device.queue.writeBuffer(program.inputs.images.buffer, 0, ref.images.x.slice());
  device.queue.writeBuffer(program.inputs.labels.buffer, 0, Uint32Array.from(ref.images.labels));
});

afterAll(() => {
  stack.destroy();
  program.destroy();
});

describe('compiled VGG16 pass against PyTorch', () => {
  it('gives the logits, the loss and the last vertex gradient at α, and compiles each shape once', async () => {
    const sums = output(device, 2, 0);
    // The fixtures have dropout off: a pass without seeds skips the program's dropout.
    const words = { seeds: null, lossScale: uniformLayout({ rows: 3, draws: 1, pull: false }).lossScale };
    const { mixed, grads } = stack.buffers;
    const dispatches = [
      stack.mix,
      ...program.forward(mixed, 0, words, sums, true),
      ...program.backward(mixed, grads, 0, words),
    ];
    device.pushErrorScope('validation');
    await submitDispatches(device, dispatches);
    expect((await device.popErrorScope())?.message).toBeUndefined();

    expectClose(await readFloats(device, program.logits), ref.value('logits.alpha'), RTOL, 'logits');
    const [loss = NaN] = await readFloats(device, sums);
    expectClose([loss / ref.images.n], ref.value('loss.alpha'), RTOL, 'loss');

    const alpha3 = ref.value('alpha')[2] ?? NaN;
    const row = unpackRow(stack.layout, await readFloats(device, grads), 0);
    for (const [i, p] of paramSpecs(REFERENCE_SPEC).entries()) {
      const g = (row[i] as Float32Array).map((v) => v * alpha3);
      expectClose(g, ref.gradTf('loss', p), RTOL, `grad.loss.${p.name}`);
    }
    // VGG16 at batch 8: each conv's forward and input gradient (but the first's), its filter
    // gradient in two passes where N·H·W reaches 512 rows (c1–c7: split-K and its reduction) and
    // one below (c8–c13), 5 pools (forward, backward), 3 dense layers (forward, one-pass weight
    // gradient, input gradient), the loss; plus the mix.
    expect(dispatches.length).toBe(1 + 13 + 12 + (7 * 2 + 6) + 5 * 2 + 3 * 3 + 1);
    expect(ctx.compiled()).toBeLessThan(dispatches.length);
  });
});
