// A simplicial complex of a network's vertices held as tfjs variables. Each parameter of all
// vertices is ONE variable of shape [vertexCount, size] (row i = vertex i, tf layout flattened), so
// mixing a layer at coefficients α is one kernel, and the optimizer updates all vertices of a
// parameter at once (rowKernels.ts). Frozen vertices are rows the optimizer skips. Batch norm's
// running statistics are one set per layer shared by all vertices (the reference's SimplexBN):
// every training pass folds its batch's statistics in (foldMoments), whichever point it drew.
// Pure engine: no DOM, runs on WebGPU in the worker and on the CPU in Node.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import type { RunningStatistic, RunningStatistics, TfLayout, TfVertex } from '../formats/layout';
import type { ModelSpec } from '../../protocol/architecture';
import { BN_MOMENTUM, network, type BatchNormLayer, type ParamSpec } from '../../protocol/network';
import type { BatchMoments, NormStatistics } from '../model/batchNorm';
import { initVertex, type InitScheme } from '../model/init';
import { networkForward, type ForwardOptions } from '../model/network';
import type { Rng } from '../util/rng';
import {
  sampleCoefficients,
  singleSimplex,
  validateComplex,
  verticesOf,
  withVertexJoined,
  type Complex,
} from './complex';
import { curveCoefficients, type Curve } from '../../protocol/curve';
import { mixRows } from './rowKernels';
import { meanRow } from './volume';

export interface SimplexModelOptions {
  /** Per vertex; frozen vertices get no gradient step. Default: none frozen. */
  frozen?: readonly boolean[];
  /** Simplexes over the vertex list. Default: one simplex of all vertices. */
  complex?: Complex;
  /**
   * Prefix of the variables' names (tfjs names must be unique among live variables). A variable
   * is named `<name>/<param>@<vertexCount>`, so names are stable across a resume and change when
   * a vertex is added (the reference starts a fresh optimizer then). Default: `simplex<n>`.
   */
  name?: string;
  /** Batch norm's running statistics; default: PyTorch's fresh ones (mean 0, variance 1, 0 batches). */
  statistics?: RunningStatistics;
  /**
   * A curve's control points instead of a simplex (Garipov et al.): the vertices are its points
   * in order, ends first and last, and a point is θ(t) for t uniform in [0, 1] (curve.ts).
   */
  curve?: Curve;
}

/** One batch-norm layer's running statistics as variables. */
interface RunningVariables {
  mean: tf.Variable<tf.Rank.R1>;
  variance: tf.Variable<tf.Rank.R1>;
  batches: number;
}

let modelCount = 0;

export class SimplexModel {
  readonly spec: ModelSpec;
  readonly params: readonly ParamSpec[];
  readonly name: string;
  private stackVars: tf.Variable<tf.Rank.R2>[];
  private frozenFlags: boolean[];
  private complexList: number[][];
  private readonly running: RunningVariables[];
  /** A curve's parametrisation; null for a simplex or complex. */
  readonly curve: Curve | null;
  private disposed = false;

  private constructor(
    spec: ModelSpec,
    name: string,
    stacks: tf.Variable<tf.Rank.R2>[],
    frozen: boolean[],
    complex: number[][],
    running: RunningVariables[],
    curve: Curve | null,
  ) {
    this.curve = curve;
    this.spec = spec;
    this.params = network(spec).params;
    this.name = name;
    this.stackVars = stacks;
    this.frozenFlags = frozen;
    this.complexList = complex;
    this.running = running;
  }

  /** A model holding copies of the given vertices (each in paramSpecs() order, tf layout). */
  static fromVertices(
    spec: ModelSpec,
    vertices: readonly TfVertex[],
    options: SimplexModelOptions = {},
  ): SimplexModel {
    const net = network(spec);
    const params = net.params;
    const k = vertices.length;
    if (k === 0) throw new StudioError('BAD_ARGUMENT', 'A simplex needs at least one vertex.');
    vertices.forEach((vertex, v) => {
      checkVertex(params, vertex, `Vertex ${v}`);
    });
    const frozen = options.frozen ? [...options.frozen] : new Array<boolean>(k).fill(false);
    if (frozen.length !== k) {
      throw new StudioError(
        'BAD_SETTINGS',
        `${frozen.length} frozen flags were given for ${k} vertices; give one per vertex.`,
      );
    }
    const complex = options.complex ? options.complex.map((s) => [...s]) : singleSimplex(k);
    validateComplex(complex, k);
    const name = options.name ?? `simplex${++modelCount}`;
    const stacks = params.map((p, i) => {
      const rows = new Float32Array(k * p.size);
      vertices.forEach((vertex, v) => {
        rows.set(vertex[i] as TfLayout, v * p.size);
      });
      return newStack(name, p, k, tf.tensor2d(rows, [k, p.size]));
    });
    const statistics = options.statistics ?? freshStatistics(net.batchNorms);
    checkStatistics(net.batchNorms, statistics);
    const running = statistics.map((st, i) => ({
      mean: tf.variable(tf.tensor1d(st.mean), false, `${name}/bn${i}.mean`),
      variance: tf.variable(tf.tensor1d(st.variance), false, `${name}/bn${i}.variance`),
      batches: st.batches,
    }));
    return new SimplexModel(spec, name, stacks, frozen, complex, running, options.curve ?? null);
  }

  /** `vertexCount` freshly initialised vertices (see model/init.ts for the schemes). */
  static fresh(
    spec: ModelSpec,
    vertexCount: number,
    rng: Rng,
    options: SimplexModelOptions & { scheme?: InitScheme } = {},
  ): SimplexModel {
    const vertices = Array.from({ length: vertexCount }, () => initVertex(spec, rng, options.scheme));
    return SimplexModel.fromVertices(spec, vertices, options);
  }

  get vertexCount(): number {
    return this.frozenFlags.length;
  }

  get frozen(): readonly boolean[] {
    return this.frozenFlags;
  }

  get complex(): Complex {
    return this.complexList;
  }

  /** One variable per parameter (paramSpecs() order), [vertexCount, size]; row i is vertex i. */
  get stacks(): readonly tf.Variable<tf.Rank.R2>[] {
    this.assertLive();
    return this.stackVars;
  }

  get hasTrainable(): boolean {
    return this.frozenFlags.some((f) => !f);
  }

  setFrozen(vertex: number, frozen: boolean): void {
    this.checkIndex(vertex);
    if (this.frozenFlags[vertex] === frozen) return;
    this.frozenFlags[vertex] = frozen;
  }

  /**
   * One draw: a simplex uniformly, then Dirichlet(1,…,1) coefficients on it (0 elsewhere); on a
   * curve, θ(t)'s coefficients for t uniform in [0, 1].
   */
  sampleCoefficients(rng: Rng): number[] {
    return this.curve
      ? curveCoefficients(this.curve, this.vertexCount, rng.next())
      : sampleCoefficients(this.complexList, this.vertexCount, rng);
  }

  /** One draw on `simplex` of the complex (a curve: anywhere on it), as the Ensembles section samples. */
  samplePoint(simplex: readonly number[], rng: Rng): number[] {
    return this.curve
      ? curveCoefficients(this.curve, this.vertexCount, rng.next())
      : sampleCoefficients([simplex], this.vertexCount, rng);
  }

  /** Σ_i coeffs[i]·vertex_i per parameter, in tf shapes. Call inside tf.tidy. */
  mixedWeights(coeffs: readonly number[]): tf.Tensor[] {
    this.assertLive();
    if (coeffs.length !== this.vertexCount) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `Give one coefficient per vertex: ${this.vertexCount} expected, ${coeffs.length} given.`,
      );
    }
    // One kernel per parameter (rowKernels.ts); a single vertex at coefficient 1 (a
    // base model) needs none at all.
    if (this.vertexCount === 1 && coeffs[0] === 1) {
      return this.stackVars.map((stack, i) =>
        tf.reshape(stack, (this.params[i] as ParamSpec).tfShape as number[]),
      );
    }
    const coefficients = tf.tensor1d(coeffs as number[]);
    return this.stackVars.map((stack, i) =>
      tf.reshape(mixRows(stack, coefficients), (this.params[i] as ParamSpec).tfShape as number[]),
    );
  }

  /** The weights of one vertex exactly (a row slice, no mixing), in tf shapes. Call inside tf.tidy. */
  vertexWeights(vertex: number): tf.Tensor[] {
    this.checkIndex(vertex);
    return this.stackVars.map((stack, i) =>
      tf.reshape(tf.slice(stack, [vertex, 0], [1, -1]), (this.params[i] as ParamSpec).tfShape as number[]),
    );
  }

  /** Whether the network has batch norm (and so running statistics). */
  get hasBatchNorm(): boolean {
    return this.running.length > 0;
  }

  /** The stored running statistics, as evaluation normalises with them. */
  runningStatistics(): NormStatistics[] {
    this.assertLive();
    return this.running.map(({ mean, variance }) => ({ mean, variance }));
  }

  /**
   * Logits at mixing coefficients `coeffs` (one per vertex). Evaluation uses the stored running
   * statistics unless `options.statistics` gives others (recomputed at the point).
   */
  forward(x: tf.Tensor4D, coeffs: readonly number[], options: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() =>
      networkForward(this.spec, this.mixedWeights(coeffs), x, this.withStatistics(options)),
    );
  }

  /** Logits of vertex `vertex` alone, evaluation mode (no dropout, the stored statistics). */
  forwardAtVertex(x: tf.Tensor4D, vertex: number): tf.Tensor2D {
    return tf.tidy(() =>
      networkForward(this.spec, this.vertexWeights(vertex), x, this.withStatistics({ training: false })),
    );
  }

  /** `options` with the stored statistics where an evaluation of a BN network gives none. */
  withStatistics(options: ForwardOptions): ForwardOptions {
    return options.training || options.statistics || !this.hasBatchNorm
      ? options
      : { ...options, statistics: this.runningStatistics() };
  }

  /**
   * Folds training passes' batch moments into the running statistics, in order (a step's draws
   * one after another, each a list of every BN layer's moments), as PyTorch's train-mode
   * BatchNorm2d does at each forward pass: r ← (1 − m)·r + m·b with momentum 0.1 and the
   * unbiased batch variance. Kernels only, nothing read back; the moments stay the caller's.
   */
  foldMoments(moments: readonly BatchMoments[]): void {
    this.assertLive();
    const layers = this.running.length;
    if (layers === 0) return;
    if (moments.length % layers !== 0) {
      throw new StudioError(
        'INTERNAL',
        `${moments.length} batch moments do not fill passes of ${layers} layers.`,
      );
    }
    tf.tidy(() => {
      moments.forEach((m, i) => {
        const r = this.running[i % layers] as RunningVariables;
        const unbiased = m.count > 1 ? m.count / (m.count - 1) : 1;
        r.mean.assign(tf.add(tf.mul(r.mean, 1 - BN_MOMENTUM), tf.mul(m.mean, BN_MOMENTUM)));
        r.variance.assign(
          tf.add(tf.mul(r.variance, 1 - BN_MOMENTUM), tf.mul(m.variance, BN_MOMENTUM * unbiased)),
        );
        r.batches++;
      });
    });
  }

  /** A copy of the running statistics (read back from the device). */
  async readStatistics(): Promise<RunningStatistic[]> {
    this.assertLive();
    const out: RunningStatistic[] = [];
    for (const r of this.running) {
      const [mean, variance] = await Promise.all([r.mean.data<'float32'>(), r.variance.data<'float32'>()]);
      out.push({ mean, variance, batches: r.batches });
    }
    return out;
  }

  /** Replaces the running statistics (e.g. from a loaded file). */
  writeStatistics(statistics: RunningStatistics): void {
    this.assertLive();
    checkStatistics(network(this.spec).batchNorms, statistics);
    statistics.forEach((st, i) => {
      const r = this.running[i] as RunningVariables;
      tf.tidy(() => {
        r.mean.assign(tf.tensor1d(st.mean));
        r.variance.assign(tf.tensor1d(st.variance));
      });
      r.batches = st.batches;
    });
  }

  /** A copy of one vertex (paramSpecs() order, tf layout), e.g. to save it. Reads back from the device. */
  async readVertex(vertex: number): Promise<TfLayout[]> {
    this.checkIndex(vertex);
    const rows = this.stackVars.map((stack) => tf.slice(stack, [vertex, 0], [1, -1]));
    try {
      const data = await Promise.all(rows.map((r) => r.data<'float32'>()));
      return data.map((d) => d as TfLayout);
    } finally {
      rows.forEach((r) => {
        r.dispose();
      });
    }
  }

  async readVertices(): Promise<TfLayout[][]> {
    const out: TfLayout[][] = [];
    for (let v = 0; v < this.vertexCount; v++) out.push(await this.readVertex(v));
    return out;
  }

  /** Overwrites one vertex (paramSpecs() order, tf layout), e.g. from a loaded file. */
  writeVertex(vertex: number, values: TfVertex): void {
    this.checkIndex(vertex);
    checkVertex(this.params, values, `The new vertex ${vertex}`);
    const k = this.vertexCount;
    tf.tidy(() => {
      this.stackVars.forEach((stack, i) => {
        const size = (this.params[i] as ParamSpec).size;
        const parts: tf.Tensor2D[] = [];
        if (vertex > 0) parts.push(tf.slice(stack, [0, 0], [vertex, size]));
        parts.push(tf.tensor2d(values[i] as TfLayout, [1, size]));
        if (vertex < k - 1) parts.push(tf.slice(stack, [vertex + 1, 0], [k - vertex - 1, size]));
        stack.assign(tf.concat(parts, 0));
      });
    });
  }

  /**
   * SPRO's step: appends a vertex at the centroid of the vertices of simplexes `joins` (or at
   * `start`, a controlled comparison's starting weights), adds it to each of them, freezes every earlier vertex and leaves the new one trainable. Returns its index.
   * The reference places it at the mean of all vertices; in its procedures (one simplex, or
   * connectors joined to every simplex) that is the same set. The stack variables are replaced
   * (new names): start a fresh optimizer, as the reference does.
   */
  addVertex(joins: readonly number[] = [0], start?: TfVertex): number {
    this.assertLive();
    const members = verticesOf(this.complexList, joins);
    if (start) checkVertex(this.params, start, 'The new vertex');
    const k = this.vertexCount;
    const next = this.stackVars.map((stack, i) => {
      const grown = tf.tidy(() => {
        const row = start
          ? tf.tensor2d(start[i] as TfLayout, [1, (this.params[i] as ParamSpec).size])
          : meanRow(tf.gather(stack, tf.tensor1d(members, 'int32')));
        return tf.concat<tf.Tensor2D>([stack, row], 0);
      });
      return newStack(this.name, this.params[i] as ParamSpec, k + 1, grown);
    });
    this.stackVars.forEach((v) => {
      v.dispose();
    });
    this.stackVars = next;
    this.complexList = withVertexJoined(this.complexList, k, joins);
    this.frozenFlags = [...new Array<boolean>(k).fill(true), false];
    return k;
  }

  dispose(): void {
    if (this.disposed) return;
    this.stackVars.forEach((v) => {
      v.dispose();
    });
    this.running.forEach((r) => {
      r.mean.dispose();
      r.variance.dispose();
    });
    this.disposed = true;
  }

  private checkIndex(vertex: number): void {
    this.assertLive();
    if (!Number.isInteger(vertex) || vertex < 0 || vertex >= this.vertexCount) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `There is no vertex ${vertex}; this simplex has ${this.vertexCount} (0…${this.vertexCount - 1}).`,
      );
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new StudioError('INTERNAL', 'This simplex model was disposed; load it again.');
  }
}

/** A [k, size] variable named for its parameter and vertex count; takes ownership of `initial`. */
function newStack(prefix: string, p: ParamSpec, k: number, initial: tf.Tensor2D): tf.Variable<tf.Rank.R2> {
  const v = tf.variable(initial, true, `${prefix}/${p.name}@${k}`);
  initial.dispose();
  return v;
}

/** PyTorch's statistics of a fresh BatchNorm2d: mean 0, variance 1, no batches yet. */
export function freshStatistics(layers: readonly BatchNormLayer[]): RunningStatistic[] {
  return layers.map((l) => ({
    mean: new Float32Array(l.channels),
    variance: new Float32Array(l.channels).fill(1),
    batches: 0,
  }));
}

function checkStatistics(layers: readonly BatchNormLayer[], statistics: RunningStatistics): void {
  if (statistics.length !== layers.length) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `Running statistics were given for ${statistics.length} batch-norm layers; this network has ${layers.length}.`,
    );
  }
  layers.forEach((l, i) => {
    const st = statistics[i] as RunningStatistic;
    if (st.mean.length !== l.channels || st.variance.length !== l.channels) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `${l.name}'s running statistics have ${st.mean.length} and ${st.variance.length} values; it has ${l.channels} channels.`,
      );
    }
  });
}

function checkVertex(params: readonly ParamSpec[], vertex: TfVertex, what: string): void {
  if (vertex.length !== params.length) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${what} has ${vertex.length} parameter tensors; this network needs ${params.length}.`,
    );
  }
  params.forEach((p, i) => {
    const n = (vertex[i] as TfLayout).length;
    if (n !== p.size) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `${what}: ${p.name} has ${n} values but [${p.tfShape.join(', ')}] needs ${p.size}; is the width or class count different?`,
      );
    }
  });
}
