// A simplex of the Playground's MLPs trained as the reference's two-spirals notebook trains one:
// the base vertex for `baseIterations` Adam steps with one draw, then each added vertex (started at
// the centroid of the earlier ones, which stay fixed) for `vertexIterations` steps with `nSample`
// draws uniform on the simplex, loss = Σ draws of BCE − λ·log(V + 1e-4), a fresh Adam per stage
// (torch.optim.Adam: lr, L2 weight decay added to the gradient, β 0.9/0.999, ε 1e-8). λ is 0 for
// every stage as the notebook runs it, or by its LMBD rule (λ = max(LMBD / log(V₀ + 1e-4), 1e-8),
// V₀ the volume of as many freshly initialised vertices). Plain float64 loops (mlp.ts).

import type { PlaygroundConfig, PlaygroundFace } from '../../protocol/playground';
import { logVolumeWithGradient, simplexVolume } from '../simplex/cayleyMenger';
import { Rng } from '../util/rng';
import { deriveSeed } from '../util/seeds';
import { initialParameters, MlpWorkspace, parameterCount, type MlpShape } from './mlp';
import type { Points2d } from './data';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

interface Adam {
  m: Float64Array[];
  v: Float64Array[];
  t: number;
}

export interface StepResult {
  /** Σ draws of BCE (the notebook's acc_loss), divided by the draws: the mean BCE of a draw. */
  loss: number;
  /** V of the whole simplex (null for one vertex). */
  volume: number | null;
}

export class SimplexMlp {
  readonly shape: MlpShape;
  readonly size: number;
  readonly vertices: Float64Array[] = [];
  /** Iterations done in the current stage. */
  private stageStep = 0;
  private adam: Adam | null = null;
  private lambda = 0;
  private readonly rng: Rng;
  private readonly train: MlpWorkspace;
  private readonly mixed: Float64Array;
  private readonly grad: Float64Array;
  private readonly grads: Float64Array[] = [];

  constructor(
    readonly config: PlaygroundConfig,
    readonly data: Points2d,
  ) {
    this.shape = { depth: config.depth, hidden: config.hidden, activation: config.activation };
    this.size = parameterCount(this.shape);
    this.rng = new Rng(deriveSeed(config.seed, 'playground-draws', 0, 0));
    this.train = new MlpWorkspace(this.shape, data.count);
    this.mixed = new Float64Array(this.size);
    this.grad = new Float64Array(this.size);
    const init = new Rng(deriveSeed(config.seed, 'playground-init', 0, 0));
    this.vertices.push(initialParameters(this.shape, () => init.next()));
    this.startStage();
  }

  /** Iterations of the whole schedule. */
  get totalIterations(): number {
    return this.config.baseIterations + (this.config.vertices - 1) * this.config.vertexIterations;
  }

  get done(): boolean {
    return this.vertices.length === this.config.vertices && this.stageStep >= this.stageLength;
  }

  get iteration(): number {
    const n = this.vertices.length;
    return n === 1
      ? this.stageStep
      : this.config.baseIterations + (n - 2) * this.config.vertexIterations + this.stageStep;
  }

  get stageLabel(): string {
    return this.vertices.length === 1
      ? 'base vertex'
      : `vertex ${this.vertices.length - 1} of ${this.config.vertices - 1}`;
  }

  get currentLambda(): number {
    return this.lambda;
  }

  private get stageLength(): number {
    return this.vertices.length === 1 ? this.config.baseIterations : this.config.vertexIterations;
  }

  private startStage(): void {
    const n = this.vertices.length;
    this.adam = { m: [new Float64Array(this.size)], v: [new Float64Array(this.size)], t: 0 };
    this.stageStep = 0;
    this.lambda = n >= 2 && this.config.volume === 'lmbd' ? this.lmbdRule(n) : 0;
  }

  /** The notebook's reg_pars for a simplex of n vertices, from n fresh vertices' volume. */
  private lmbdRule(n: number): number {
    const init = new Rng(deriveSeed(this.config.seed, 'playground-lmbd', n, 0));
    const fresh = Array.from({ length: n }, () => initialParameters(this.shape, () => init.next()));
    const volume = simplexVolume(squaredDistances(fresh), n);
    return Math.max(this.config.lmbd / Math.log(volume + 1e-4), 1e-8);
  }

  /** Adds the next vertex at the centroid of the others (they stay fixed), as SimplexNet.add_vert. */
  private addVertex(): void {
    const centre = new Float64Array(this.size);
    for (const v of this.vertices)
      for (let i = 0; i < this.size; i++)
        centre[i] = (centre[i] as number) + (v[i] as number) / this.vertices.length;
    this.vertices.push(centre);
    this.startStage();
  }

  /** One Adam iteration of the trainable vertex (the newest); false when the schedule is done. */
  step(): StepResult | null {
    if (this.done) return null;
    if (this.stageStep >= this.stageLength) this.addVertex();
    const n = this.vertices.length;
    const trainable = n - 1;
    const draws = n === 1 ? 1 : this.config.nSample;
    const g = this.grads[0] ?? new Float64Array(this.size);
    this.grads[0] = g;
    g.fill(0);
    let loss = 0;
    for (let d = 0; d < draws; d++) {
      const c = n === 1 ? [1] : this.rng.dirichlet1(n);
      mix(this.vertices, c, this.mixed);
      this.grad.fill(0);
      loss += this.train.lossAndGradient(this.mixed, this.data.x, this.data.labels, this.grad, 1);
      const share = c[trainable] ?? 0;
      for (let i = 0; i < this.size; i++) g[i] = (g[i] as number) + share * (this.grad[i] as number);
    }
    let volume: number | null = null;
    if (n >= 2) {
      const lv = logVolumeWithGradient(squaredDistances(this.vertices), n);
      volume = lv.volume;
      if (this.lambda > 0) {
        // −λ·log(V+ε): ∂/∂θ_k = −λ Σ_j (G_kj + G_jk)·2(θ_k − θ_j), for the trainable vertex k.
        const k = trainable;
        for (let j = 0; j < n; j++) {
          if (j === k) continue;
          const w =
            -this.lambda * ((lv.gradient[k * n + j] as number) + (lv.gradient[j * n + k] as number)) * 2;
          const a = this.vertices[k] as Float64Array;
          const b = this.vertices[j] as Float64Array;
          for (let i = 0; i < this.size; i++)
            g[i] = (g[i] as number) + w * ((a[i] as number) - (b[i] as number));
        }
      }
    }
    this.adamStep(this.vertices[trainable] as Float64Array, g);
    this.stageStep++;
    return { loss: loss / draws, volume };
  }

  private adamStep(theta: Float64Array, g: Float64Array): void {
    const adam = this.adam as Adam;
    const m = adam.m[0] as Float64Array;
    const v = adam.v[0] as Float64Array;
    adam.t++;
    const { lr, weightDecay } = this.config;
    const c1 = 1 - BETA1 ** adam.t;
    const c2 = 1 - BETA2 ** adam.t;
    for (let i = 0; i < this.size; i++) {
      const gi = (g[i] as number) + weightDecay * (theta[i] as number);
      const mi = BETA1 * (m[i] as number) + (1 - BETA1) * gi;
      const vi = BETA2 * (v[i] as number) + (1 - BETA2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      theta[i] = (theta[i] as number) - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + EPS);
    }
  }

  /** Probability of class 1 at each point under the weights at coefficients c. */
  probabilities(
    c: readonly number[],
    points: Float64Array,
    count: number,
    workspace: MlpWorkspace,
  ): Float64Array {
    const theta = new Float64Array(this.size);
    mix(this.vertices, c, theta);
    const logits = workspace.forward(theta, points, count);
    return Float64Array.from({ length: count }, (_, i) => 1 / (1 + Math.exp(-(logits[i] as number))));
  }

  /** The ensemble's probabilities: the mean over `m` points drawn uniformly on the simplex (seeded). */
  ensembleProbabilities(
    m: number,
    points: Float64Array,
    count: number,
    workspace: MlpWorkspace,
    seed: number,
  ): Float64Array {
    const rng = new Rng(seed);
    const sum = new Float64Array(count);
    const n = this.vertices.length;
    for (let s = 0; s < m; s++) {
      const p = this.probabilities(n === 1 ? [1] : rng.dirichlet1(n), points, count, workspace);
      for (let i = 0; i < count; i++) sum[i] = (sum[i] as number) + (p[i] as number) / m;
    }
    return sum;
  }

  /** Mean BCE at coefficients c on the training points. */
  lossAt(c: readonly number[], workspace: MlpWorkspace): number {
    const p = this.probabilities(c, this.data.x, this.data.count, workspace);
    return meanBce(p, this.data.labels);
  }

  /**
   * The loss over the plane through three vertices (origin their centroid as the notebook's
   * surf_runner, u along a − b, v by Gram–Schmidt), on a grid reaching 1 beyond the farthest vertex.
   */
  face(a: number, b: number, c: number, gridSize: number): PlaygroundFace {
    const va = this.vertices[a] as Float64Array;
    const vb = this.vertices[b] as Float64Array;
    const vc = this.vertices[c] as Float64Array;
    const centre = va.map((x, i) => (x + (vb[i] as number) + (vc[i] as number)) / 3);
    const u = normalise(va.map((x, i) => x - (vb[i] as number)));
    const w = vc.map((x, i) => x - (va[i] as number));
    const along = dot(w, u);
    const v = normalise(w.map((x, i) => x - along * (u[i] as number)));
    const corners = [va, vb, vc].map((p) => {
      const d = p.map((x, i) => x - (centre[i] as number));
      return { u: dot(d, u), v: dot(d, v) };
    });
    const range = Math.max(...corners.flatMap((k) => [Math.abs(k.u), Math.abs(k.v)])) + 1;
    const axis = Array.from({ length: gridSize }, (_, i) => -range + (2 * range * i) / (gridSize - 1));
    const workspace = new MlpWorkspace(this.shape, this.data.count);
    const theta = new Float64Array(this.size);
    const loss = axis.map((y) =>
      axis.map((x) => {
        for (let i = 0; i < this.size; i++)
          theta[i] = (centre[i] as number) + x * (u[i] as number) + y * (v[i] as number);
        const logits = workspace.forward(theta, this.data.x);
        return meanBceLogits(logits, this.data.labels);
      }),
    );
    return { vertices: [a, b, c], u: axis, v: axis, loss, corners };
  }
}

/** θ = Σ c_v θ_v into out. */
export function mix(vertices: readonly Float64Array[], c: readonly number[], out: Float64Array): void {
  out.fill(0);
  vertices.forEach((v, j) => {
    const cj = c[j] ?? 0;
    if (cj === 0) return;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + cj * (v[i] as number);
  });
}

export function squaredDistances(vertices: readonly Float64Array[]): Float64Array {
  const n = vertices.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = vertices[i] as Float64Array;
      const b = vertices[j] as Float64Array;
      let s = 0;
      for (let k = 0; k < a.length; k++) s += ((a[k] as number) - (b[k] as number)) ** 2;
      d[i * n + j] = s;
      d[j * n + i] = s;
    }
  }
  return d;
}

function meanBce(p: Float64Array, labels: Float64Array): number {
  let s = 0;
  p.forEach(
    (q, i) =>
      (s -= (labels[i] as number) === 1 ? Math.log(Math.max(q, 1e-12)) : Math.log(Math.max(1 - q, 1e-12))),
  );
  return s / p.length;
}

function meanBceLogits(logits: Float64Array, labels: Float64Array): number {
  let s = 0;
  for (let r = 0; r < labels.length; r++) {
    const z = logits[r] as number;
    s += Math.max(z, 0) - z * (labels[r] as number) + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return s / labels.length;
}

/** Share of points whose rounded probability is not their label. */
export function errorRate(p: Float64Array, labels: Float64Array): number {
  let wrong = 0;
  p.forEach((q, i) => {
    if ((q >= 0.5 ? 1 : 0) !== labels[i]) wrong++;
  });
  return wrong / p.length;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function normalise(a: Float64Array): Float64Array {
  const norm = Math.sqrt(dot(a, a)) || 1;
  return a.map((x) => x / norm);
}
