// One Playground experiment: its data, its simplex, and the frames the page draws from it. While
// it plays the ensemble is drawn from min(M, 4) points and the faces on a coarse grid every fifth
// frame, so frames keep coming (a frame costs about what 10 training iterations do); paused and at
// the end, from all M and on the notebook's 15×15 grid. Runs in the playground worker.

import type {
  PlaygroundConfig,
  PlaygroundFace,
  PlaygroundFrame,
  PlaygroundPoints,
  PlaygroundView,
} from '../../protocol/playground';
import { writeSafetensors } from '../formats/safetensors';
import { deriveSeed } from '../util/seeds';
import { makePoints, type Points2d } from './data';
import { layerSlots, MlpWorkspace } from './mlp';
import { errorRate, SimplexMlp } from './simplexMlp';

/** Points a side of the decision-boundary grid, and of each face's loss grid (the notebook's 15). */
const BOUNDARY_GRID = 30;
const FACE_GRID = 15;
/** The faces' grid while it plays, redrawn every LIVE_FACES_EVERY frames. */
const LIVE_FACE_GRID = 8;
const LIVE_FACES_EVERY = 5;
/** The ensemble's points while playing. */
const LIVE_POINTS = 4;
/** Beyond the training points on each side (the notebook's buffer). */
const BUFFER = 3;

export class PlaygroundSession {
  readonly train: Points2d;
  readonly test: Points2d;
  readonly simplex: SimplexMlp;
  private readonly loss: number[] = [];
  private readonly volume: (number | null)[] = [];
  private readonly axes: { x: number[]; y: number[]; points: Float64Array };
  private faces: PlaygroundFace[] | null = null;
  /** The iteration the faces were computed at, and on which grid. */
  private facesAt = { iteration: -1, grid: 0 };
  private frames = 0;
  view: PlaygroundView = { kind: 'ensemble' };

  constructor(readonly config: PlaygroundConfig) {
    this.train = makePoints(config.dataset, config.trainPerClass, config.noise, config.dataSeed);
    this.test = makePoints(
      config.dataset,
      config.testPerClass,
      config.noise,
      deriveSeed(config.dataSeed, 'test'),
    );
    this.simplex = new SimplexMlp(config, this.train);
    this.axes = boundaryAxes(this.train);
  }

  /** Runs iterations for about `budgetMs`, or to the end of the schedule. */
  run(budgetMs: number): void {
    const start = performance.now();
    while (performance.now() - start < budgetMs && this.iterate());
  }

  /** One iteration; false when the schedule is done. */
  iterate(): boolean {
    const r = this.simplex.step();
    if (!r) return false;
    this.loss.push(r.loss);
    this.volume.push(r.volume);
    return true;
  }

  points(): PlaygroundPoints {
    const pick = (p: Points2d) => ({
      x: Array.from({ length: p.count }, (_, i) => p.x[2 * i] as number),
      y: Array.from({ length: p.count }, (_, i) => p.x[2 * i + 1] as number),
      label: Array.from(p.labels),
    });
    return { train: pick(this.train), test: pick(this.test) };
  }

  /**
   * What the page draws now. `full`: the ensemble from all M points and every face on the 15×15
   * grid; otherwise the ensemble from 4 points, and the faces on an 8×8 grid every 5th frame.
   */
  frame(full: boolean, elapsedMs: number): PlaygroundFrame {
    this.frames++;
    const s = this.simplex;
    const m = full ? this.config.ensemblePoints : Math.min(this.config.ensemblePoints, LIVE_POINTS);
    const seed = deriveSeed(this.config.seed, 'playground-ensemble');
    const trainWs = new MlpWorkspace(s.shape, this.train.count);
    const testWs = new MlpWorkspace(s.shape, this.test.count);
    const errors = s.vertices.map((_, v) => {
      const c = s.vertices.map((__, j) => (j === v ? 1 : 0));
      return {
        label: `vertex ${v}`,
        train: errorRate(s.probabilities(c, this.train.x, this.train.count, trainWs), this.train.labels),
        test: errorRate(s.probabilities(c, this.test.x, this.test.count, testWs), this.test.labels),
      };
    });
    errors.push({
      label: `ensemble of ${m} points`,
      train: errorRate(
        s.ensembleProbabilities(m, this.train.x, this.train.count, trainWs, seed),
        this.train.labels,
      ),
      test: errorRate(
        s.ensembleProbabilities(m, this.test.x, this.test.count, testWs, seed),
        this.test.labels,
      ),
    });
    const grid = full ? FACE_GRID : this.frames % LIVE_FACES_EVERY === 0 ? LIVE_FACE_GRID : 0;
    const stale = this.facesAt.iteration !== s.iteration || this.facesAt.grid < grid;
    if (grid > 0 && stale && s.vertices.length >= 3) {
      this.faces = this.allFaces(grid);
      this.facesAt = { iteration: s.iteration, grid };
    }
    const gridWs = new MlpWorkspace(s.shape, this.axes.points.length / 2);
    const count = this.axes.points.length / 2;
    const n = s.vertices.length;
    const view = this.validView();
    const p =
      view.kind === 'ensemble'
        ? s.ensembleProbabilities(m, this.axes.points, count, gridWs, seed)
        : s.probabilities(
            view.kind === 'vertex'
              ? s.vertices.map((_, j) => (j === view.vertex ? 1 : 0))
              : view.kind === 'centre'
                ? s.vertices.map(() => 1 / n)
                : view.coefficients,
            this.axes.points,
            count,
            gridWs,
          );
    const cols = this.axes.x.length;
    return {
      iteration: s.iteration,
      total: s.totalIterations,
      vertices: n,
      stage: s.stageLabel,
      done: s.done,
      loss: [...this.loss],
      volume: [...this.volume],
      errors,
      grid: {
        x: this.axes.x,
        y: this.axes.y,
        p: this.axes.y.map((_, r) => Array.from(p.subarray(r * cols, (r + 1) * cols))),
      },
      view: describeView(view, m),
      faces: this.faces,
      facesAt: this.facesAt.iteration,
      elapsedMs,
    };
  }

  /** The view asked for, or the ensemble where it names a vertex or point the simplex lacks. */
  private validView(): PlaygroundView {
    const n = this.simplex.vertices.length;
    const v = this.view;
    if (v.kind === 'vertex' && v.vertex >= n) return { kind: 'ensemble' };
    if (v.kind === 'point' && v.coefficients.length !== n) return { kind: 'ensemble' };
    return v;
  }

  private allFaces(grid: number): PlaygroundFace[] {
    const n = this.simplex.vertices.length;
    const faces: PlaygroundFace[] = [];
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++)
        for (let c = b + 1; c < n; c++) faces.push(this.simplex.face(a, b, c, grid));
    return faces;
  }

  /**
   * The simplex as the reference's SimplexNet of BasicSimplex names it: net.fc1.weight_0 … (one
   * fc7: BasicSimplex assigns it twice, and the second replaces the first).
   */
  exportFile(): Uint8Array<ArrayBuffer> {
    const s = this.simplex;
    const tensors = layerSlots(s.shape).flatMap((slot) =>
      s.vertices.flatMap((theta, v) => [
        {
          name: `net.${slot.name}.weight_${v}`,
          shape: [slot.outDim, slot.inDim],
          data: Float32Array.from(theta.subarray(slot.weight, slot.bias)),
        },
        {
          name: `net.${slot.name}.bias_${v}`,
          shape: [slot.outDim],
          data: Float32Array.from(theta.subarray(slot.bias, slot.bias + slot.outDim)),
        },
      ]),
    );
    const parts = writeSafetensors(tensors, {
      format: 'pt',
      studio: 'playground',
      architecture: 'BasicSimplex',
      architecture_kwargs: JSON.stringify({
        in_dim: 2,
        hidden_size: s.shape.hidden,
        activation: s.shape.activation,
        bias: true,
      }),
      n_vert: String(s.vertices.length),
      depth: String(s.shape.depth),
    });
    // One array: the file is a few hundred kilobytes, and the worker transfers it whole.
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const p of parts) {
      bytes.set(p, offset);
      offset += p.byteLength;
    }
    return bytes;
  }
}

function describeView(view: PlaygroundView, m: number): string {
  switch (view.kind) {
    case 'vertex':
      return `vertex ${view.vertex}`;
    case 'centre':
      return 'the simplex’s centre';
    case 'point':
      return `the point (${view.coefficients.map((c) => c.toFixed(2)).join(', ')})`;
    case 'ensemble':
      return `the ensemble: probabilities averaged over ${m} points drawn uniformly on the simplex`;
  }
}

/** A BOUNDARY_GRID² grid over the training points' extent plus the buffer. */
function boundaryAxes(train: Points2d): { x: number[]; y: number[]; points: Float64Array } {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < train.count; i++) {
    const a = train.x[2 * i] as number;
    const b = train.x[2 * i + 1] as number;
    [x0, x1, y0, y1] = [Math.min(x0, a), Math.max(x1, a), Math.min(y0, b), Math.max(y1, b)];
  }
  const axis = (lo: number, hi: number) =>
    Array.from(
      { length: BOUNDARY_GRID },
      (_, i) => lo - BUFFER + ((hi - lo + 2 * BUFFER) * i) / (BOUNDARY_GRID - 1),
    );
  const x = axis(x0, x1);
  const y = axis(y0, y1);
  const points = new Float64Array(2 * x.length * y.length);
  y.forEach((b, r) => {
    x.forEach((a, c) => {
      points[2 * (r * x.length + c)] = a;
      points[2 * (r * x.length + c) + 1] = b;
    });
  });
  return { x, y, points };
}
