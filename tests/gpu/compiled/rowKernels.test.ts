// The compiled step's row kernels over the flat buffers (src/engine/compiled/rowKernels.ts, one
// dispatch each for the whole model) against their definition, the CPU row kernels of
// engine/simplex/rowKernels.ts restated per parameter in float64 loops: mixing, SGD with
// momentum, weight decay, the volume's pull and a frozen vertex, the squared distances, and the
// momentum export/import a resume goes through. Parameter sizes are not multiples of the
// 64-word alignment or of a workgroup, so padding and tails are exercised.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RowGradients } from '../../../src/engine/simplex/rowKernels';
import type { TfLayout, TfVertex } from '../../../src/engine/formats/layout';
import { createKernelContext, readFloats } from '../../../src/engine/compiled/context';
import { flatLayout } from '../../../src/engine/compiled/flatLayout';
import { FlatStack, type FlatStackShape } from '../../../src/engine/compiled/flatStack';
import {
  uniformLayout,
  writeStepUniforms,
  type StepNumbers,
} from '../../../src/engine/compiled/stepUniforms';
import { gpuDevice, run } from '../support/gpu';

const params = [
  { name: 'c1.weight', tfShape: [3, 3, 3, 5] },
  { name: 'c1.bias', tfShape: [5] },
  { name: 'l1.weight', tfShape: [7, 300] },
  { name: 'l1.bias', tfShape: [300] },
];
const layout = flatLayout(params);
const sizes = layout.views.map((v) => v.size);

let device: GPUDevice;
/** The definition's results for the tests' steps. */
let trajectory: ReturnType<typeof definitionStep>[];
let plainStep: ReturnType<typeof definitionStep>;
beforeAll(async () => {
  let stacks = sizes.map((_, p) => stacked(vertices, p));
  let buffers: Float32Array[] | null = sizes.map((n) => new Float32Array(3 * n));
  trajectory = [0, 1, 2].map((step) => {
    const next = definitionStep(stacks, buffers, gradients(step, 2), stepNumbers(step), 3);
    ({ stacks, buffers } = next);
    return next;
  });
  plainStep = definitionStep(
    sizes.map((_, p) => stacked(vertices, p)),
    null,
    gradients(0, 2),
    plainNumbers(),
    3,
  );
  device = await gpuDevice();
});
/** Every stack a test made, destroyed after it even when it fails. */
const made: FlatStack[] = [];
afterEach(() => {
  for (const stack of made.splice(0)) stack.destroy();
});

function random(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

function vertex(seed: number): TfVertex {
  return sizes.map((n, p) => random(seed * 31 + p, n) as TfLayout);
}

/**
 * What a step's mixing and SGD do by the definition (engine/simplex/rowKernels.ts's CPU kernels:
 * mix, then direction and apply), per parameter, in float64 plain loops.
 */
function definitionStep(
  stacks: Float32Array[],
  buffers: Float32Array[] | null,
  grads: Float32Array[],
  step: StepNumbers,
  k: number,
): { mixed: Float32Array[][]; stacks: Float32Array[]; buffers: Float32Array[] | null } {
  const { weights, pull, trainable } = step.rows;
  const mixed = step.coefficients.map((c) =>
    stacks.map((v, p) => {
      const n = sizes[p] ?? 0;
      return Float32Array.from({ length: n }, (_, i) =>
        c.reduce((m, cr, r) => m + cr * (v[r * n + i] as number), 0),
      );
    }),
  );
  const nextBuffers = buffers ? buffers.map((b) => Float32Array.from(b)) : null;
  const nextStacks = stacks.map((v, p) => {
    const n = sizes[p] ?? 0;
    const g = grads[p] as Float32Array;
    const out = Float32Array.from(v);
    for (let r = 0; r < k; r++) {
      if (!trainable[r]) continue;
      for (let i = 0; i < n; i++) {
        let d = step.weightDecay * (v[r * n + i] as number);
        weights.forEach((w, s) => (d += (w[r] as number) * (g[s * n + i] as number)));
        pull?.[r]?.forEach((a, j) => (d += a * (v[j * n + i] as number)));
        const b = nextBuffers?.[p];
        if (b) d = b[r * n + i] = step.momentum * (b[r * n + i] as number) + d;
        out[r * n + i] = (v[r * n + i] as number) - step.lr * d;
      }
    }
    return out;
  });
  return { mixed, stacks: nextStacks, buffers: nextBuffers };
}

function expectClose(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const scale = Math.max(1e-30, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)) / scale);
  }
  expect(worst, label).toBeLessThan(1e-6);
}

/** Stack p as [k, size] from a list of vertices. */
function stacked(vertices: readonly TfVertex[], p: number): Float32Array {
  const n = sizes[p] ?? 0;
  const out = new Float32Array(vertices.length * n);
  vertices.forEach((v, r) => {
    out.set(v[p] as Float32Array, r * n);
  });
  return out;
}

const rows: RowGradients = {
  weights: [
    [0.2, 0.5, 0.3],
    [0.6, 0.1, 0.3],
  ],
  // Not symmetric, so a transposed index shows.
  pull: [
    [0.4, -0.1, -0.3],
    [-0.2, 0.7, -0.6],
    [-0.5, -0.4, 0.9],
  ],
  trainable: [false, true, true],
};

function stepNumbers(step: number): StepNumbers {
  return {
    lr: 0.05 + 0.01 * step,
    momentum: 0.9,
    weightDecay: 5e-4,
    coefficients: [
      [0.1, 0.3 + 0.01 * step, 0.6 - 0.01 * step],
      [0.5, 0.25, 0.25],
    ],
    rows,
    seeds: [
      [1, 2],
      [3, 4],
    ],
    lossScale: [0.125, 0.125],
  };
}

function stage(shape: FlatStackShape, vertices: readonly TfVertex[]) {
  const uniforms = uniformLayout(shape);
  const ctx = createKernelContext(device, uniforms.words);
  const stack = new FlatStack(ctx, layout, shape, uniforms, vertices);
  made.push(stack);
  const words = new ArrayBuffer(uniforms.words * 4);
  const write = (numbers: StepNumbers): void => {
    writeStepUniforms(shape, uniforms, numbers, words);
    device.queue.writeBuffer(ctx.uniforms.buffer, 0, words);
  };
  return { ctx, stack, write };
}

/** Draw s's gradient rows as the backward pass would leave them, per parameter [S, size]. */
function gradients(step: number, draws: number): Float32Array[] {
  return sizes.map((n, p) => random(1000 + step * 17 + p, draws * n));
}

function uploadGradients(stack: FlatStack, grads: Float32Array[], draws: number): void {
  const packed = new Float32Array(draws * layout.rowFloats);
  layout.views.forEach((view, p) => {
    for (let s = 0; s < draws; s++) {
      packed.set(
        (grads[p] as Float32Array).subarray(s * view.size, (s + 1) * view.size),
        s * layout.rowFloats + view.offset,
      );
    }
  });
  device.queue.writeBuffer(stack.buffers.grads.buffer, 0, packed);
}

const shape: FlatStackShape = {
  rows: 3,
  draws: 2,
  pull: true,
  momentum: true,
  pairs: [
    [0, 1],
    [0, 2],
    [1, 2],
  ],
};
const vertices = [vertex(1), vertex(2), vertex(3)];

function plainNumbers(): StepNumbers {
  return { ...stepNumbers(0), momentum: 0, rows: { ...rows, pull: null } };
}

describe('compiled row kernels over flat buffers', () => {
  it('mix and SGD (momentum, weight decay, pull, frozen vertex) match the definition over three steps', async () => {
    const { stack, write } = stage(shape, vertices);
    for (let step = 0; step < 3; step++) {
      const numbers = stepNumbers(step);
      const grads = gradients(step, 2);
      const expected = trajectory[step] as ReturnType<typeof definitionStep>;
      write(numbers);
      uploadGradients(stack, grads, 2);
      await run(device, [stack.mix, stack.sgd]);
      const mixed = await readFloats(device, stack.buffers.mixed, 2 * layout.rowFloats);
      layout.views.forEach((view, p) => {
        for (let s = 0; s < 2; s++) {
          const at = s * layout.rowFloats + view.offset;
          expectClose(
            mixed.subarray(at, at + view.size),
            expected.mixed[s]?.[p] as Float32Array,
            `step ${step} mix ${s} ${view.name}`,
          );
        }
      });
      const read = await stack.readVertices();
      sizes.forEach((_, p) => {
        expectClose(stacked(read, p), expected.stacks[p] as Float32Array, `step ${step} ${params[p]?.name}`);
      });
    }
    // The frozen vertex 0 is untouched, bit for bit.
    const read = await stack.readVertices();
    read[0]?.forEach((values, p) => {
      expect(Array.from(values)).toEqual(Array.from(vertices[0]?.[p] ?? []));
    });
    // Padding between the parameters stays zero.
    const all = await readFloats(device, stack.buffers.vertices, 3 * layout.rowFloats);
    const used = new Set<number>();
    for (let r = 0; r < 3; r++)
      for (const v of layout.views)
        for (let i = 0; i < v.size; i++) used.add(r * layout.rowFloats + v.offset + i);
    expect(all.filter((x, i) => !used.has(i) && x !== 0)).toHaveLength(0);
  });

  it('SGD without momentum and without the volume term matches the definition', async () => {
    const plain: FlatStackShape = { rows: 3, draws: 2, pull: false, momentum: false, pairs: [] };
    const { stack, write } = stage(plain, vertices);
    write(plainNumbers());
    uploadGradients(stack, gradients(0, 2), 2);
    await run(device, [stack.mix, stack.sgd]);
    const expected = plainStep;
    const read = await stack.readVertices();
    sizes.forEach((_, p) => {
      expectClose(stacked(read, p), expected.stacks[p] as Float32Array, `${params[p]?.name}`);
    });
  });

  it('distances are the squared distances between the vertex pairs over the whole model', async () => {
    const { stack } = stage(shape, vertices);
    await run(device, stack.distances ? [stack.distances] : []);
    const got = await stack.readDistances();
    const want = shape.pairs.map(([a, b]) => {
      let s = 0;
      sizes.forEach((_, p) => {
        const x = vertices[a]?.[p] as Float32Array;
        const y = vertices[b]?.[p] as Float32Array;
        for (let i = 0; i < x.length; i++) s += ((x[i] as number) - (y[i] as number)) ** 2;
      });
      return s;
    });
    want.forEach((w, p) => {
      expect(Math.abs((got[p] as number) - w) / w).toBeLessThan(1e-5);
    });
  });

  it('a stack resumed from exported vertices and momentum continues bit for bit', async () => {
    const nameOf = (param: string): string => `simplex0/${param}@3`;
    const first = stage(shape, vertices);
    for (let step = 0; step < 2; step++) {
      first.write(stepNumbers(step));
      uploadGradients(first.stack, gradients(step, 2), 2);
      await run(device, [first.stack.mix, first.stack.sgd]);
    }
    const saved = await first.stack.readVertices();
    const momentum = await first.stack.exportMomentum(nameOf, true);
    expect(momentum.map((b) => [b.name, b.shape])).toEqual(
      layout.views.map((v) => [nameOf(v.name), [3, v.size]]),
    );
    expect(momentum.every((b) => b.values.some((x) => x !== 0))).toBe(true);
    const resumed = stage(shape, saved);
    resumed.stack.importMomentum(nameOf, momentum);
    for (const trial of [first, resumed]) {
      trial.write(stepNumbers(2));
      uploadGradients(trial.stack, gradients(2, 2), 2);
      await run(device, [trial.stack.mix, trial.stack.sgd]);
    }
    const a = await first.stack.readVertices();
    const b = await resumed.stack.readVertices();
    a.forEach((v, r) => {
      v.forEach((values, p) => {
        expect(Array.from(b[r]?.[p] ?? [])).toEqual(Array.from(values));
      });
    });
    expect(() => {
      resumed.stack.importMomentum((n) => `other/${n}`, momentum);
    }).toThrow(/does not belong/);
  });
});
