// The one interpreter of a network description (protocol/network.ts): a pure function of the
// weights, so the same code serves a single network, a vertex and a simplex's mixed weights, on
// any tfjs backend; tfjs's tape differentiates it. Batch norm's running statistics are not
// weights: evaluation is given the statistics to normalise with, and training hands back each
// layer's batch moments for the caller to fold into the shared running statistics.
// Where an op is followed by a ReLU, the pair is one kernel: the VGG's conv 3×3 + bias + ReLU
// (conv3x3.ts), batch norm + ReLU (batchNorm.ts) and matMul + bias + ReLU.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import type { ModelSpec } from '../../protocol/architecture';
import {
  INPUT_SIDE,
  network,
  type ConvLayer,
  type Network,
  type Op,
  type ParamSpec,
} from '../../protocol/network';
import { batchNormEval, batchNormTrain, type BatchMoments, type NormStatistics } from './batchNorm';
import { conv2d } from './conv';
import { activeConvGradients, conv3x3Relu, type ConvGradients } from './conv3x3';
import { dropoutMask } from './dropoutMask';
import { maxPool2x2 } from './maxPool2x2';

/** PyTorch's nn.Dropout() default. */
export const DROPOUT_RATE = 0.5;

export interface ForwardOptions {
  /**
   * PyTorch's model.train(): batch norm normalises with the batch's statistics, and dropout is
   * on where the draw has dropout seeds. false: model.eval().
   */
  training: boolean;
  /** The draw's dropout seeds, one per dropout layer; null or absent: no dropout. */
  dropoutSeeds?: readonly number[] | null;
  /** The probability of dropping an element; DROPOUT_RATE when absent. */
  dropoutRate?: number;
  /** Whose convolution gradients the backward pass uses; the backend's choice when absent. */
  convGradients?: ConvGradients;
  /** Evaluation of a network with batch norm: each BN layer's statistics, in network().batchNorms order. */
  statistics?: readonly NormStatistics[];
  /** Training: receives each BN layer's batch moments in order, kept (the caller disposes them). */
  moments?: BatchMoments[];
}

/**
 * Logits [N, classes] for NHWC images [N, 32, 32, 3]. `weights` are in paramSpecs() order and tf
 * layout (conv HWIO, linear [in,out]).
 */
export function networkForward(
  spec: ModelSpec,
  weights: readonly tf.Tensor[],
  x: tf.Tensor4D,
  options: ForwardOptions,
): tf.Tensor2D {
  const net = network(spec);
  checkWeights(net, weights);
  checkInput(x);
  const hasBatchNorm = net.batchNorms.length > 0;
  if (hasBatchNorm && !options.training && options.statistics?.length !== net.batchNorms.length) {
    throw new StudioError(
      'INTERNAL',
      `Evaluating ${spec.architecture} needs the statistics of its ${net.batchNorms.length} batch-norm layers; ${options.statistics?.length ?? 0} were given.`,
    );
  }
  const index = indexOf(net);
  const gradients = options.convGradients ?? activeConvGradients();
  const rate = options.dropoutRate ?? DROPOUT_RATE;
  const seeds = options.training ? (options.dropoutSeeds ?? null) : null;
  const param = (name: string, offset = 0) => weights[(index.params.get(name) ?? -1) + offset] as tf.Tensor;

  const run = (ops: readonly Op[], input: tf.Tensor): tf.Tensor => {
    let h = input;
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i] as Op;
      const relu = ops[i + 1]?.op === 'relu';
      switch (o.op) {
        case 'conv': {
          const l = o.layer;
          const filter = param(l.name) as tf.Tensor4D;
          const bias = l.bias ? (param(l.name, 1) as tf.Tensor1D) : null;
          if (relu && bias && isVggConv(l)) {
            h = conv3x3Relu(h as tf.Tensor4D, filter, bias, gradients);
            i++;
          } else {
            h = conv2d(h as tf.Tensor4D, filter, bias, l);
          }
          break;
        }
        case 'batchNorm': {
          const gamma = param(o.layer.name) as tf.Tensor1D;
          const beta = param(o.layer.name, 1) as tf.Tensor1D;
          if (options.training) {
            const { y, moments } = batchNormTrain(h as tf.Tensor4D, gamma, beta, relu);
            options.moments?.push({
              ...moments,
              mean: tf.keep(moments.mean),
              variance: tf.keep(moments.variance),
            });
            h = y;
          } else {
            const stats = options.statistics?.[index.batchNorms.get(o.layer.name) ?? -1] as NormStatistics;
            h = batchNormEval(h as tf.Tensor4D, gamma, beta, stats, relu);
          }
          if (relu) i++;
          break;
        }
        case 'linear': {
          h = tf.fused.matMul({
            a: h,
            b: param(o.layer.name),
            bias: param(o.layer.name, 1),
            activation: relu ? 'relu' : 'linear',
          });
          if (relu) i++;
          break;
        }
        case 'relu':
          h = tf.relu(h);
          break;
        case 'maxPool':
          h = maxPool2x2(h as tf.Tensor4D);
          break;
        case 'avgPool': {
          const side = (h as tf.Tensor4D).shape[1];
          // A pool over the whole map (PreResNet's 8×8 at 32×32 inputs) is the spatial mean.
          h =
            side === o.size
              ? tf.mean(h, [1, 2], true)
              : tf.avgPool(h as tf.Tensor4D, o.size, o.size, 'valid');
          break;
        }
        case 'flatten':
          h = tf.reshape(h, [h.shape[0], -1]);
          break;
        case 'dropout': {
          // The mask is built on the host from its definition (dropoutMask.ts) and uploaded: the same
          // elements drop on every backend, and nothing is read back.
          const seed = seeds?.[o.seed];
          if (seed !== undefined && rate !== 0) {
            h = tf.mul(h, tf.tensor(dropoutMask(seed, h.size, rate), h.shape));
          }
          break;
        }
        case 'residual': {
          const body = run(o.body, h);
          h = tf.add(body, o.shortcut.length > 0 ? run(o.shortcut, h) : h);
          break;
        }
      }
    }
    return h;
  };
  return tf.tidy(() => run(net.ops, x) as tf.Tensor2D);
}

/** The VGG's conv: 3×3, stride 1, with a bias (what conv3x3Relu computes). */
function isVggConv(l: ConvLayer): boolean {
  return l.kernel === 3 && l.stride === 1 && l.bias;
}

interface NetworkIndex {
  /** A layer's name → the index of its first parameter. */
  params: Map<string, number>;
  /** A batch-norm layer's name → its index in batchNorms. */
  batchNorms: Map<string, number>;
}

const indexes = new WeakMap<Network, NetworkIndex>();

function indexOf(net: Network): NetworkIndex {
  let index = indexes.get(net);
  if (!index) {
    const params = new Map<string, number>();
    net.params.forEach((p, i) => {
      if (!params.has(p.layer)) params.set(p.layer, i);
    });
    index = { params, batchNorms: new Map(net.batchNorms.map((b, i) => [b.name, i])) };
    indexes.set(net, index);
  }
  return index;
}

function checkWeights(net: Network, weights: readonly tf.Tensor[]): void {
  const specs: readonly ParamSpec[] = net.params;
  const name = net.spec.architecture;
  if (weights.length !== specs.length) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `This ${name} has ${specs.length} parameter tensors but ${weights.length} were given.`,
    );
  }
  specs.forEach((s, i) => {
    const shape = (weights[i] as tf.Tensor).shape;
    if (shape.length !== s.tfShape.length || shape.some((d, j) => d !== s.tfShape[j])) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `${s.name} has shape [${shape.join(', ')}] but this ${name} needs [${s.tfShape.join(', ')}] (tf layout).`,
      );
    }
  });
}

function checkInput(x: tf.Tensor4D): void {
  const [, h, w, c] = x.shape;
  if (h !== INPUT_SIDE || w !== INPUT_SIDE || c !== 3) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `Images must be NHWC [N, 32, 32, 3] (CIFAR); got [${x.shape.join(', ')}].`,
    );
  }
}
