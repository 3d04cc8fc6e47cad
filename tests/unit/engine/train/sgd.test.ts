import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RowGradients } from '../../../../src/engine/simplex/rowKernels';
import { Sgd, type SgdState } from '../../../../src/engine/train/sgd';
import { StudioError } from '../../../../src/protocol/errors';

let names = 0;
function variable(values: number[], shape: number[]): tf.Variable {
  names += 1;
  return tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `sgd_test_${names}`));
}

/** Each row its own gradient row; rows whose flag is false frozen. */
function rowsOf(trainable: boolean[]): RowGradients {
  return {
    weights: trainable.map((_, s) => trainable.map((__, r) => (r === s ? 1 : 0))),
    pull: null,
    trainable,
  };
}

const created: { dispose(): void }[] = [];
function track<T extends { dispose(): void }>(x: T): T {
  created.push(x);
  return x;
}
afterEach(() => {
  for (const x of created.splice(0)) x.dispose();
});

/** torch.optim.SGD (no dampening, no Nesterov) in float64, written out independently. */
function torchSgd(p0: number[], grads: number[][], lrs: number[], momentum: number, wd: number): number[] {
  const p = [...p0];
  let buf: number[] | undefined;
  grads.forEach((grad, t) => {
    const g = grad.map((gi, i) => gi + wd * (p[i] ?? 0));
    buf = buf === undefined ? g : buf.map((b, i) => momentum * b + (g[i] ?? 0));
    const lr = lrs[t] ?? 0;
    for (let i = 0; i < p.length; i++) p[i] = (p[i] ?? 0) - lr * (buf[i] ?? 0);
  });
  return p;
}

const p0 = [0.5, -1.25, 2, 0.125, -0.75, 1.5];
const gradSeq = [
  [0.1, -0.2, 0.3, -0.4, 0.05, 0.6],
  [-0.3, 0.1, 0.2, 0.0, -0.15, 0.25],
  [0.4, 0.4, -0.1, 0.2, 0.3, -0.35],
  [0.05, -0.5, 0.15, -0.25, 0.1, 0.2],
];
const lrSeq = [0.05, 0.04, 0.025, 0.01];

describe('Sgd', () => {
  it('follows torch.optim.SGD with momentum and weight decay, step by step', () => {
    // Hand-checked first step: g = grad + 0.1·p, buf = g, p − 0.05·g.
    const first = torchSgd(p0, gradSeq.slice(0, 1), lrSeq, 0.9, 0.1);
    expect(first[0]).toBeCloseTo(0.5 - 0.05 * (0.1 + 0.05), 12);

    const v = track(variable(p0, [2, 3]));
    const sgd = track(new Sgd({ momentum: 0.9, weightDecay: 0.1 }));
    gradSeq.forEach((g, t) => {
      const grad = tf.tensor(g, [2, 3]);
      sgd.step([{ variable: v, grad }], lrSeq[t] ?? 0);
      grad.dispose();
      const expected = torchSgd(p0, gradSeq.slice(0, t + 1), lrSeq, 0.9, 0.1);
      const got = v.dataSync();
      expected.forEach((e, i) => {
        expect(got[i]).toBeCloseTo(e, 6);
      });
    });
    expect(sgd.steps).toBe(4);
  });

  it('without momentum is plain p − lr·(grad + wd·p)', () => {
    const v = track(variable(p0, [6]));
    const sgd = track(new Sgd({ momentum: 0, weightDecay: 5e-4 }));
    for (const [t, g] of gradSeq.entries()) {
      const grad = tf.tensor(g);
      sgd.step([{ variable: v, grad }], lrSeq[t] ?? 0);
      grad.dispose();
    }
    const expected = torchSgd(p0, gradSeq, lrSeq, 0, 5e-4);
    const got = v.dataSync();
    expected.forEach((e, i) => {
      expect(got[i]).toBeCloseTo(e, 6);
    });
  });

  it('matches tf.train.momentum when there is no weight decay', () => {
    const a = track(variable(p0, [3, 2]));
    const b = track(variable(p0, [3, 2]));
    const ours = track(new Sgd({ momentum: 0.9, weightDecay: 0 }));
    const theirs = track(tf.train.momentum(0.03, 0.9));
    for (const g of gradSeq) {
      const grad = tf.tensor(g, [3, 2]);
      ours.step([{ variable: a, grad }], 0.03);
      theirs.applyGradients([{ name: b.name, tensor: grad }]);
      grad.dispose();
    }
    const got = a.dataSync();
    const want = b.dataSync();
    want.forEach((w, i) => {
      expect(got[i]).toBeCloseTo(w, 6);
    });
  });

  it('leaves frozen rows (weights and momentum) untouched, weight decay included', async () => {
    // Rows 0 and 2 frozen; row 1 trained. Every row gets the same gradient, so a leak shows.
    const rows = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const v = track(variable(rows.flat(), [3, 2]));
    const sgd = track(new Sgd({ momentum: 0.9, weightDecay: 0.1 }));
    const grads = gradSeq.map((g) => [g[0] ?? 0, g[1] ?? 0]);
    for (const [t, g] of grads.entries()) {
      const grad = tf.tensor([g, g, g]);
      sgd.step([{ variable: v, grad }], lrSeq[t] ?? 0, rowsOf([false, true, false]));
      grad.dispose();
    }
    const got = Array.from(v.dataSync());
    expect(got.slice(0, 2)).toEqual([1, 2]);
    expect(got.slice(4, 6)).toEqual([5, 6]);
    const row1 = torchSgd([3, 4], grads, lrSeq, 0.9, 0.1);
    expect(got[2]).toBeCloseTo(row1[0] ?? NaN, 6);
    expect(got[3]).toBeCloseTo(row1[1] ?? NaN, 6);

    const state = await sgd.exportState();
    const buf = Array.from(state.buffers[0]?.values ?? []);
    expect(buf[0]).toBe(0);
    expect(buf[1]).toBe(0);
    expect(buf[4]).toBe(0);
    expect(buf[5]).toBe(0);
    expect(buf[2]).not.toBe(0);
  });

  it('keeps frozen rows finite even when their gradient is NaN', () => {
    const v = track(variable([1, 2, 3, 4], [2, 2]));
    const grad = track(tf.tensor([0.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY], [2, 2]));
    const sgd = track(new Sgd({ momentum: 0.9, weightDecay: 5e-4 }));
    sgd.step([{ variable: v, grad }], 0.1, rowsOf([true, false]));
    sgd.step([{ variable: v, grad }], 0.1, rowsOf([true, false]));
    expect(Array.from(v.dataSync()).slice(2)).toEqual([3, 4]);
  });

  it("forms each row's gradient from weighted gradient rows and the pull of the other rows", () => {
    // k = 3 rows of 2, S = 2 gradient rows; row 0 frozen. Expected in float64, written out.
    const x0 = [
      [1, -2],
      [0.5, 3],
      [-1.5, 0.25],
    ];
    const g = [
      [0.2, -0.1],
      [-0.3, 0.4],
    ];
    const rows: RowGradients = {
      weights: [
        [0.1, 0.6, 0.3],
        [0.5, 0.2, 0.3],
      ],
      pull: [
        [0, 0, 0],
        [0.4, -0.7, 0.3],
        [0.1, 0.2, -0.3],
      ],
      trainable: [false, true, true],
    };
    const v = track(variable(x0.flat(), [3, 2]));
    const grad = track(tf.tensor(g.flat(), [2, 2]));
    const sgd = track(new Sgd({ momentum: 0.9, weightDecay: 0.1 }));
    const x = x0.map((r) => [...r]);
    let buf: number[][] | null = null;
    for (const lr of [0.1, 0.05]) {
      const grads = x.map((xr, r) =>
        xr.map((xi, i) => {
          let sum = 0.1 * xi;
          g.forEach((gs, s) => (sum += (rows.weights[s]?.[r] ?? 0) * (gs[i] ?? 0)));
          x.forEach((xj, j) => (sum += (rows.pull?.[r]?.[j] ?? 0) * (xj[i] ?? 0)));
          return sum;
        }),
      );
      const prev: number[][] | null = buf;
      const next: number[][] = grads.map((gr, r) =>
        gr.map((gi, i) => (prev ? 0.9 * (prev[r]?.[i] ?? 0) : 0) + gi),
      );
      buf = next;
      for (let r = 1; r < 3; r++) {
        const xr = x[r] as number[];
        for (let i = 0; i < 2; i++) xr[i] = (xr[i] ?? 0) - lr * (next[r]?.[i] ?? 0);
      }
      sgd.step([{ variable: v, grad }], lr, rows);
    }
    const got = Array.from(v.dataSync());
    expect(got.slice(0, 2)).toEqual(x0[0]);
    x.flat().forEach((e, i) => {
      expect(got[i]).toBeCloseTo(e, 6);
    });
  });

  it('freezes rows of rank-4 (conv) variables', () => {
    const shape = [2, 3, 3, 2];
    const size = 36;
    const init = Array.from({ length: size }, (_, i) => i / 10);
    const v = track(variable(init, shape));
    const sgd = track(new Sgd({ momentum: 0.9, weightDecay: 5e-4 }));
    const grad = track(tf.ones(shape));
    sgd.step([{ variable: v, grad }], 0.1, rowsOf([true, false]));
    sgd.step([{ variable: v, grad }], 0.1, rowsOf([true, false]));
    const got = v.dataSync();
    const half = size / 2;
    for (let i = 0; i < half; i++) expect(got[i]).not.toBeCloseTo(init[i] ?? NaN, 3);
    for (let i = half; i < size; i++) expect(got[i]).toBe(Math.fround(init[i] ?? NaN));
  });

  it('resumes from exported state exactly as an uninterrupted run', async () => {
    const run = async (interrupt: boolean): Promise<Float32Array> => {
      const v = track(variable(p0, [2, 3]));
      let sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
      for (const [t, g] of gradSeq.entries()) {
        if (interrupt && t === 2) {
          const state: SgdState = structuredClone(await sgd.exportState());
          sgd.dispose();
          sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
          sgd.importState(state, [v]);
          expect(sgd.steps).toBe(2);
        }
        const grad = tf.tensor(g, [2, 3]);
        sgd.step([{ variable: v, grad }], lrSeq[t] ?? 0);
        grad.dispose();
      }
      sgd.dispose();
      return v.dataSync<'float32'>().slice();
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('rejects a checkpoint whose buffers do not fit the variables', async () => {
    const v = track(variable(p0, [2, 3]));
    const w = track(variable(p0, [3, 2]));
    const sgd = track(new Sgd({ momentum: 0.9, weightDecay: 0 }));
    const grad = track(tf.zeros([2, 3]));
    sgd.step([{ variable: v, grad }], 0.1);
    const state = await sgd.exportState();
    const other = track(new Sgd({ momentum: 0.9, weightDecay: 0 }));
    expect(() => {
      other.importState(state, [w]);
    }).toThrow(StudioError);
    const renamed = { ...state, buffers: state.buffers.map((b) => ({ ...b, name: w.name })) };
    expect(() => {
      other.importState(renamed, [w]);
    }).toThrow(/shape/);
    const differentMomentum = track(new Sgd({ momentum: 0.5, weightDecay: 0 }));
    expect(() => {
      differentMomentum.importState(state, [v]);
    }).toThrow(/momentum/);
  });

  it('asks for reset() when a variable changed shape, and starts afresh after it', () => {
    const sgd = track(new Sgd({ momentum: 0.9, weightDecay: 0 }));
    const name = `sgd_test_grow_${names++}`;
    const small = tf.tidy(() => tf.variable(tf.ones([2, 3]), true, name));
    const g2 = track(tf.ones([2, 3]));
    sgd.step([{ variable: small, grad: g2 }], 0.1);
    small.dispose();
    // A new vertex: same name, one more row.
    const big = track(tf.tidy(() => tf.variable(tf.zeros([3, 3]), true, name)));
    const g3 = track(tf.ones([3, 3]));
    expect(() => {
      sgd.step([{ variable: big, grad: g3 }], 0.1);
    }).toThrow(/reset\(\)/);
    sgd.reset();
    expect(sgd.steps).toBe(0);
    sgd.step([{ variable: big, grad: g3 }], 0.1);
    // A first step again: buf = g, so p = 0 − 0.1·1.
    for (const x of big.dataSync()) expect(x).toBeCloseTo(-0.1, 7);
  });

  it('rejects mismatched gradients and row counts', () => {
    const sgd = track(new Sgd({ momentum: 0.9, weightDecay: 0 }));
    const v = track(variable(p0, [2, 3]));
    const bad = track(tf.zeros([3, 2]));
    expect(() => {
      sgd.step([{ variable: v, grad: bad }], 0.1);
    }).toThrow(/shape/);
    const grad = track(tf.zeros([2, 3]));
    expect(() => {
      sgd.step([{ variable: v, grad }], 0.1, rowsOf([true, true, true]));
    }).toThrow(/3 rows/);
    expect(() => {
      sgd.step([{ variable: v, grad }], Number.NaN);
    }).toThrow(StudioError);
    expect(() => new Sgd({ momentum: -1, weightDecay: 0 })).toThrow(StudioError);
  });

  it('keeps the tensor count flat over 50 steps with frozen rows and a save/load, and frees all on dispose', async () => {
    const before = tf.memory().numTensors;
    const a = variable(
      Array.from({ length: 12 }, (_, i) => i),
      [3, 4],
    );
    const b = variable([1, 2, 3], [3]);
    const rows = rowsOf([true, false, true]);
    const ga = tf.fill([3, 4], 0.01);
    const gb = tf.fill([3], -0.02);
    const sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
    sgd.step(
      [
        { variable: a, grad: ga },
        { variable: b, grad: gb },
      ],
      0.05,
      rows,
    );
    const afterFirst = tf.memory().numTensors;
    for (let t = 1; t < 50; t++) {
      sgd.step(
        [
          { variable: a, grad: ga },
          { variable: b, grad: gb },
        ],
        (0.05 * (1 + Math.cos((Math.PI * t) / 50))) / 2,
        rows,
      );
      expect(tf.memory().numTensors).toBe(afterFirst);
    }
    // Save and load do not grow the count either.
    const state = await sgd.exportState();
    sgd.importState(state, [a, b]);
    expect(tf.memory().numTensors).toBe(afterFirst);
    sgd.dispose();
    for (const x of [a, b, ga, gb]) x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
