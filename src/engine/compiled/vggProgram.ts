// A VGG's forward and backward pass as the compiled step's kernels (kernels/), recorded once per
// stage over buffers allocated once: the VGG's ops (protocol/network.ts), each conv with its bias and
// ReLU fused, the dense head with dropout before l1 and l2 (as engine/model/network.ts) fused into
// those layers, and the fused softmax cross-entropy. Weights are read from, and gradients
// written to, one row of the flat layout (flatLayout.ts): draw s binds row s of the mixed weights and of the gradients, so the S
// draws of a step share every activation buffer and run one after another in one pass.
//
// Backward, from dlogits down: each layer's weight gradient (fixed split-K, deterministic), then
// its input gradient with the ReLU of the layer below fused (an input mask, or the pool's `relu`
// option) and, for l1 and l2, their dropout mask. Two ping-pong buffers carry the gradient between layers.
// Runs in the worker and in Node on Dawn; no DOM.

import { StudioError } from '../../protocol/errors';
import type { ModelSpec } from '../../protocol/architecture';
import { INPUT_SIDE, network } from '../../protocol/network';
import { storageBinding } from './context';
import { viewOf, type FlatLayout } from './flatLayout';
import type { Binding, Dispatch, KernelContext } from './kernels/types';
import {
  buildConv3x3FilterGradient,
  buildConv3x3Forward,
  buildConv3x3InputGradient,
  conv3x3FilterGradientScratchBytes,
  type Conv3x3Shape,
} from './kernels/conv3x3';
import {
  buildDenseForward,
  buildDenseInputGradient,
  buildDenseWeightGradient,
  denseWeightGradientScratchBytes,
  type DenseShape,
} from './kernels/dense';
import type { DropoutOptions } from './kernels/dropout';
import { buildMaxPoolBackward, buildMaxPoolForward, type PoolShape } from './kernels/pool';
import { buildSoftmaxCrossEntropy } from './kernels/softmaxCrossEntropy';

/**
 * Whether the compiled step and evaluator run `spec`: VGG without batch norm. The other families
 * train and evaluate on the tfjs path, on WebGPU too.
 */
export function compiles(spec: ModelSpec): boolean {
  return network(spec).family === 'vgg';
}

export interface VggProgramShape {
  spec: ModelSpec;
  /** Images per pass. */
  batch: number;
  /** Dropout's rate in training passes; 0 turns it off. */
  dropoutRate: number;
  /** Evaluation: forward passes only, so the backward pass's buffers are not allocated. */
  forwardOnly?: boolean;
}

/** Where a pass finds its per-step numbers in the step's uniforms (word offsets). */
export interface PassWords {
  /** The two dropout seeds (u32), before l1 and before l2; null runs without dropout. */
  seeds: readonly [number, number] | null;
  /** The factor dlogits is scaled by (f32). */
  lossScale: number;
}

/** The pass's inputs, written by the runtime before it submits. */
export interface ProgramInputs {
  /** Normalised images, NHWC [batch, 32, 32, 3], f32. */
  images: Binding;
  /** Class indices [batch], u32. */
  labels: Binding;
}

type Layer =
  | { kind: 'conv'; shape: Conv3x3Shape; layer: string; input: Binding; output: Binding; maskInput: boolean }
  | { kind: 'pool'; shape: PoolShape; input: Binding; output: Binding };

interface Dense {
  shape: DenseShape;
  layer: string;
  relu: boolean;
  /** The layer below's output. */
  source: Binding;
  /** Which of the pass's two dropout seeds masks `source` (l1: 0, l2: 1; l3 has no dropout). */
  seed: 0 | 1 | null;
  output: Binding;
}

interface BackwardBuffers {
  dlogits: Binding;
  /** The ping-pong pair that carries the gradient between layers. */
  grad: [Binding, Binding];
  scratch: Binding;
}

/** A view of `buffer` at `offset` floats, `floats` long (offset a multiple of 64 floats). */
function view(buffer: Binding, offset: number, floats: number): Binding {
  return { buffer: buffer.buffer, offset: buffer.offset + offset * 4, size: floats * 4 };
}

export class VggProgram {
  readonly inputs: ProgramInputs;
  /** [batch, classes]: the last pass's logits. */
  readonly logits: Binding;
  private readonly layers: Layer[] = [];
  private readonly dense: Dense[];
  private readonly hasDropout: boolean;
  /** The backward pass's buffers; null in a forward-only program. */
  private readonly training: BackwardBuffers | null;
  private readonly owned: Binding[] = [];

  constructor(
    private readonly ctx: KernelContext,
    readonly layout: FlatLayout,
    readonly shape: VggProgramShape,
  ) {
    const { batch: n, spec } = shape;
    if (!Number.isInteger(n) || n < 1) {
      throw new StudioError('INTERNAL', `A compiled pass needs a whole batch ≥ 1; got ${n}.`, false);
    }
    const alloc = (label: string, floats: number): Binding => {
      const b = storageBinding(ctx.device, label, floats * 4);
      this.owned.push(b);
      return b;
    };
    this.inputs = {
      images: alloc('images', n * INPUT_SIDE * INPUT_SIDE * 3),
      labels: alloc('labels', n),
    };
    let h = INPUT_SIDE;
    let c = 3;
    let current = this.inputs.images;
    let afterConv = false;
    let largest = n * h * h * c;
    let scratchBytes = 16;
    const net = network(spec);
    if (net.family !== 'vgg') {
      throw new StudioError(
        'INTERNAL',
        `The compiled step runs VGG without batch norm, not ${spec.architecture}.`,
        false,
      );
    }
    for (const item of net.ops) {
      if (item.op !== 'conv' && item.op !== 'maxPool') continue;
      if (item.op === 'maxPool') {
        const pool: PoolShape = { n, h, w: h, c };
        const output = alloc(`pool ${h}×${h}×${c}`, (n * h * h * c) / 4);
        this.layers.push({ kind: 'pool', shape: pool, input: current, output });
        h /= 2;
        current = output;
        afterConv = false;
        continue;
      }
      const cout = item.layer.outChannels;
      const layer = item.layer.name;
      const s: Conv3x3Shape = { n, h, w: h, cin: c, cout };
      const output = alloc(`${layer} output`, n * h * h * cout);
      this.layers.push({ kind: 'conv', shape: s, layer, input: current, output, maskInput: afterConv });
      scratchBytes = Math.max(scratchBytes, conv3x3FilterGradientScratchBytes(s));
      largest = Math.max(largest, n * h * h * Math.max(c, cout));
      current = output;
      c = cout;
      afterConv = true;
    }
    if (h !== 1) throw new StudioError('INTERNAL', `The features are ${h}×${h}, not 1×1.`, false);
    const hidden = viewOf(layout, 'l1.bias').size;
    const classes = viewOf(layout, 'l3.bias').size;
    this.hasDropout = shape.dropoutRate > 0;
    const a1 = alloc('l1 output', n * hidden);
    const a2 = alloc('l2 output', n * hidden);
    this.logits = alloc('logits', n * classes);
    this.dense = [
      {
        shape: { n, in: c, out: hidden },
        layer: 'l1',
        relu: true,
        source: current,
        seed: 0,
        output: a1,
      },
      {
        shape: { n, in: hidden, out: hidden },
        layer: 'l2',
        relu: true,
        source: a1,
        seed: 1,
        output: a2,
      },
      {
        shape: { n, in: hidden, out: classes },
        layer: 'l3',
        relu: false,
        source: a2,
        seed: null,
        output: this.logits,
      },
    ];
    for (const d of this.dense) {
      scratchBytes = Math.max(scratchBytes, denseWeightGradientScratchBytes(d.shape));
      largest = Math.max(largest, n * Math.max(d.shape.in, d.shape.out));
    }
    this.training = shape.forwardOnly
      ? null
      : {
          dlogits: alloc('dlogits', n * classes),
          grad: [alloc('gradient A', largest), alloc('gradient B', largest)],
          scratch: alloc('weight-gradient partials', scratchBytes / 4),
        };
  }

  /** Parameter `name` of row `row` of a flat buffer (the mixed weights, or the gradients). */
  private param(rows: Binding, row: number, name: string): Binding {
    const v = viewOf(this.layout, name);
    return view(rows, row * this.layout.rowFloats + v.offset, v.size);
  }

  /**
   * Logits of row `row` of `weights` (a flat buffer), with dropout when `words.seeds` is given.
   * Without `sums` the pass ends at the logits (evaluation reads them); with it, score() follows.
   */
  forward(
    weights: Binding,
    row: number,
    words: PassWords,
    sums: Binding | null,
    training = false,
  ): Dispatch[] {
    const { ctx } = this;
    const out: Dispatch[] = [];
    const w = (name: string) => this.param(weights, row, name);
    for (const l of this.layers) {
      if (l.kind === 'pool') out.push(...buildMaxPoolForward(ctx, l.shape, { x: l.input, y: l.output }));
      else {
        out.push(
          ...buildConv3x3Forward(ctx, l.shape, {
            x: l.input,
            weight: w(`${l.layer}.weight`),
            bias: w(`${l.layer}.bias`),
            y: l.output,
          }),
        );
      }
    }
    for (const d of this.dense) {
      const dropout = this.dropoutOf(d, words);
      out.push(
        ...buildDenseForward(
          ctx,
          d.shape,
          { x: d.source, weight: w(`${d.layer}.weight`), bias: w(`${d.layer}.bias`), y: d.output },
          { relu: d.relu, ...(dropout ? { dropout } : {}) },
        ),
      );
    }
    if (sums) out.push(...this.score(sums, words, training));
    return out;
  }

  /**
   * The fused softmax cross-entropy of the last forward()'s logits: adds [Σ loss, Σ correct] into
   * `sums` and, with `training`, writes dlogits for backward().
   */
  score(sums: Binding, words: PassWords, training = false): Dispatch[] {
    const dlogits = training ? this.backwardBuffers().dlogits : null;
    return buildSoftmaxCrossEntropy(
      this.ctx,
      { n: this.shape.batch, classes: viewOf(this.layout, 'l3.bias').size },
      { logits: this.logits, labels: this.inputs.labels, sums, ...(dlogits ? { dlogits } : {}) },
      { factorWord: words.lossScale },
    );
  }

  /**
   * The gradient of the loss the last training forward() scored, with respect to row `row` of
   * `weights`, into row `row` of `grads` (overwritten; the padding between parameters untouched).
   */
  backward(weights: Binding, grads: Binding, row: number, words: PassWords): Dispatch[] {
    const { ctx } = this;
    const { dlogits, grad, scratch } = this.backwardBuffers();
    const out: Dispatch[] = [];
    const w = (name: string) => this.param(weights, row, name);
    const g = (name: string) => this.param(grads, row, name);
    let flip = 0;
    const next = (): Binding => {
      flip ^= 1;
      return grad[flip] as Binding;
    };
    let dz = dlogits;
    const [l1, l2, l3] = this.dense as [Dense, Dense, Dense];
    // dz is ∂loss/∂ the dense layer's pre-activation. Its input gradient takes the layer's own
    // dropout mask and the ReLU of the layer below (the input mask), both fused.
    const denseBack = (d: Dense, mask: Binding | null, to: Binding): void => {
      const dropout = this.dropoutOf(d, words);
      const options = dropout ? { dropout } : {};
      out.push(
        ...buildDenseWeightGradient(
          ctx,
          d.shape,
          {
            x: d.source,
            dy: dz,
            dWeight: g(`${d.layer}.weight`),
            dBias: g(`${d.layer}.bias`),
            scratch,
          },
          options,
        ),
        ...buildDenseInputGradient(
          ctx,
          d.shape,
          { dy: dz, weight: w(`${d.layer}.weight`), dx: to, ...(mask ? { mask } : {}) },
          options,
        ),
      );
    };
    let to = next();
    denseBack(l3, l2.output, to);
    dz = to;
    to = next();
    denseBack(l2, l1.output, to);
    dz = to;
    // l1's input gradient is ∂/∂ the features; the pool below fuses the last conv's ReLU.
    to = next();
    denseBack(l1, null, to);
    let upstream = to;
    // Down the conv stack: `upstream` is ∂loss/∂ the layer's output (a pool's), or ∂/∂ the
    // pre-activation for a conv whose ReLU the layer above already applied.
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i] as Layer;
      if (l.kind === 'pool') {
        const dx = next();
        out.push(...buildMaxPoolBackward(ctx, l.shape, { x: l.input, dy: upstream, dx }, { relu: true }));
        upstream = dx;
        continue;
      }
      out.push(
        ...buildConv3x3FilterGradient(ctx, l.shape, {
          x: l.input,
          dy: upstream,
          dWeight: g(`${l.layer}.weight`),
          dBias: g(`${l.layer}.bias`),
          scratch,
        }),
      );
      if (i === 0) break;
      const dx = next();
      out.push(
        ...buildConv3x3InputGradient(ctx, l.shape, {
          dy: upstream,
          weight: w(`${l.layer}.weight`),
          dx,
          ...(l.maskInput ? { mask: l.input } : {}),
        }),
      );
      upstream = dx;
    }
    return out;
  }

  destroy(): void {
    for (const b of this.owned) b.buffer.destroy();
    this.owned.length = 0;
  }

  private backwardBuffers(): BackwardBuffers {
    if (!this.training) {
      throw new StudioError('INTERNAL', 'A forward-only program has no backward pass.', false);
    }
    return this.training;
  }

  /** The dropout before dense layer `d` in a pass: none without dropout in the program or the pass. */
  private dropoutOf(d: Dense, words: PassWords): DropoutOptions | null {
    const seedWord = d.seed === null || !this.hasDropout ? undefined : words.seeds?.[d.seed];
    return seedWord === undefined ? null : { rate: this.shape.dropoutRate, seedWord };
  }
}
