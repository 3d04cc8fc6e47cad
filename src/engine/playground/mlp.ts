// The reference's BasicNet/BasicSimplex (simplex/models/basic_mlps.py) as plain float64 loops: an
// MLP of `depth` linear layers on 2-D points with one logit out, its forward pass, the mean
// BCE-with-logits loss and its gradient. Networks this small (about 4,000 weights, 100 points) train
// faster in JavaScript than through any tensor backend, whose per-op dispatch would dominate; the
// simplex on top (mixing, Adam, the volume term) is in simplexMlp.ts. Runs anywhere.

import type { PlaygroundActivation } from '../../protocol/playground';

export interface MlpShape {
  depth: number;
  hidden: number;
  activation: PlaygroundActivation;
}

/** One linear layer's place in a flat parameter vector: weight (out × in, row-major), then bias. */
export interface LayerSlot {
  /** The reference's module name: fc1 … fcD. */
  name: string;
  inDim: number;
  outDim: number;
  weight: number;
  bias: number;
}

export function layerSlots(shape: MlpShape): LayerSlot[] {
  const slots: LayerSlot[] = [];
  let offset = 0;
  for (let l = 0; l < shape.depth; l++) {
    const inDim = l === 0 ? 2 : shape.hidden;
    const outDim = l === shape.depth - 1 ? 1 : shape.hidden;
    slots.push({ name: `fc${l + 1}`, inDim, outDim, weight: offset, bias: offset + inDim * outDim });
    offset += inDim * outDim + outDim;
  }
  return slots;
}

export function parameterCount(shape: MlpShape): number {
  const last = layerSlots(shape).at(-1);
  return last ? last.bias + last.outDim : 0;
}

/** PyTorch's nn.Linear initialisation: weight and bias uniform in ±1/√fan_in. */
export function initialParameters(shape: MlpShape, uniform: () => number): Float64Array {
  const theta = new Float64Array(parameterCount(shape));
  for (const s of layerSlots(shape)) {
    const bound = 1 / Math.sqrt(s.inDim);
    for (let i = s.weight; i < s.bias + s.outDim; i++) theta[i] = (2 * uniform() - 1) * bound;
  }
  return theta;
}

/**
 * out[r·m + j] = (bias ? bias[j] : 0) + Σ_k a[aOff + r·k + t] · bt[btOff + j·k + t] for r < n, j < m:
 * a product against a transposed matrix, four rows at a time so each of bt's values is loaded
 * once per four rows (about twice as fast as the plain loop in V8).
 */
export function productRows(
  a: Float64Array,
  aOff: number,
  n: number,
  k: number,
  bt: Float64Array,
  btOff: number,
  m: number,
  bias: Float64Array | null,
  biasOff: number,
  out: Float64Array,
): void {
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const a0 = aOff + r * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let j = 0; j < m; j++) {
      const b0 = btOff + j * k;
      const init = bias ? (bias[biasOff + j] as number) : 0;
      let z0 = init;
      let z1 = init;
      let z2 = init;
      let z3 = init;
      for (let t = 0; t < k; t++) {
        const w = bt[b0 + t] as number;
        z0 += w * (a[a0 + t] as number);
        z1 += w * (a[a1 + t] as number);
        z2 += w * (a[a2 + t] as number);
        z3 += w * (a[a3 + t] as number);
      }
      out[r * m + j] = z0;
      out[(r + 1) * m + j] = z1;
      out[(r + 2) * m + j] = z2;
      out[(r + 3) * m + j] = z3;
    }
  }
  for (; r < n; r++) {
    const a0 = aOff + r * k;
    for (let j = 0; j < m; j++) {
      const b0 = btOff + j * k;
      let z = bias ? (bias[biasOff + j] as number) : 0;
      for (let t = 0; t < k; t++) z += (bt[b0 + t] as number) * (a[a0 + t] as number);
      out[r * m + j] = z;
    }
  }
}

/** A rows × cols block of `src` (row-major, from `off`) transposed into `dst`. */
function transpose(src: Float64Array, off: number, rows: number, cols: number, dst: Float64Array): void {
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[off + r * cols + c] as number;
}

/** Reusable activations for `n` points, so a training step allocates nothing. */
export class MlpWorkspace {
  readonly slots: LayerSlot[];
  /** Each layer's output before the activation (n × out), and after it. */
  private readonly pre: Float64Array[];
  private readonly post: Float64Array[];
  private readonly delta: Float64Array[];
  /** Scratch for transposes: a weight (in × out), a δ (out × n), an input (in × n), a weight gradient. */
  private readonly wt: Float64Array;
  private readonly dt: Float64Array;
  private readonly xt: Float64Array;
  private readonly gw: Float64Array;

  constructor(
    readonly shape: MlpShape,
    readonly n: number,
  ) {
    this.slots = layerSlots(shape);
    this.pre = this.slots.map((s) => new Float64Array(n * s.outDim));
    this.post = this.slots.map((s) => new Float64Array(n * s.outDim));
    this.delta = this.slots.map((s) => new Float64Array(n * s.outDim));
    const widest = Math.max(2, shape.hidden);
    this.wt = new Float64Array(widest * widest);
    this.dt = new Float64Array(widest * n);
    this.xt = new Float64Array(widest * n);
    this.gw = new Float64Array(widest * widest);
  }

  /** Logits of the first `count` points of x (n × 2, row-major) under theta. */
  forward(theta: Float64Array, x: Float64Array, count = this.n): Float64Array {
    const relu = this.shape.activation === 'relu';
    let input = x;
    const depth = this.slots.length;
    for (let l = 0; l < depth; l++) {
      const s = this.slots[l] as LayerSlot;
      const pre = this.pre[l] as Float64Array;
      const post = this.post[l] as Float64Array;
      productRows(input, 0, count, s.inDim, theta, s.weight, s.outDim, theta, s.bias, pre);
      const size = count * s.outDim;
      if (l === depth - 1) post.set(pre.subarray(0, size));
      else if (relu) for (let i = 0; i < size; i++) post[i] = Math.max(pre[i] as number, 0);
      else for (let i = 0; i < size; i++) post[i] = Math.tanh(pre[i] as number);
      input = post;
    }
    return this.post[depth - 1] as Float64Array;
  }

  /**
   * Mean BCE-with-logits of the points against labels (0 or 1), as torch.nn.BCEWithLogitsLoss,
   * and its gradient with respect to theta added into `grad` times `scale`.
   */
  lossAndGradient(
    theta: Float64Array,
    x: Float64Array,
    labels: Float64Array,
    grad: Float64Array,
    scale: number,
  ): number {
    const n = this.n;
    const logits = this.forward(theta, x);
    const depth = this.slots.length;
    const top = this.delta[depth - 1] as Float64Array;
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const z = logits[r] as number;
      const y = labels[r] as number;
      loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
      top[r] = (1 / (1 + Math.exp(-z)) - y) / n;
    }
    const relu = this.shape.activation === 'relu';
    for (let l = depth - 1; l >= 0; l--) {
      const s = this.slots[l] as LayerSlot;
      const delta = this.delta[l] as Float64Array;
      const input = l === 0 ? x : (this.post[l - 1] as Float64Array);
      // ∂W = δᵀ·input (out × in), ∂b = Σ rows of δ.
      transpose(delta, 0, n, s.outDim, this.dt);
      transpose(input, 0, n, s.inDim, this.xt);
      productRows(this.dt, 0, s.outDim, n, this.xt, 0, s.inDim, null, 0, this.gw);
      const wSize = s.outDim * s.inDim;
      for (let i = 0; i < wSize; i++)
        grad[s.weight + i] = (grad[s.weight + i] as number) + scale * (this.gw[i] as number);
      for (let o = 0; o < s.outDim; o++) {
        let sum = 0;
        for (let r = 0; r < n; r++) sum += this.dt[o * n + r] as number;
        grad[s.bias + o] = (grad[s.bias + o] as number) + scale * sum;
      }
      if (l === 0) break;
      // δ of the layer below: δ·W through its activation's derivative.
      const below = this.delta[l - 1] as Float64Array;
      transpose(theta, s.weight, s.outDim, s.inDim, this.wt);
      productRows(delta, 0, n, s.outDim, this.wt, 0, s.inDim, null, 0, below);
      const prePrev = this.pre[l - 1] as Float64Array;
      const postPrev = this.post[l - 1] as Float64Array;
      const size = n * s.inDim;
      if (relu) {
        for (let i = 0; i < size; i++) if ((prePrev[i] as number) <= 0) below[i] = 0;
      } else {
        for (let i = 0; i < size; i++) {
          const a = postPrev[i] as number;
          below[i] = (below[i] as number) * (1 - a * a);
        }
      }
    }
    return loss / n;
  }
}
