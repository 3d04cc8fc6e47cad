// The reference VGG without batch norm as a pure function of its weights: no variables, no state,
// so the same code serves a single network, a vertex, and a simplex's mixed weights, on any tfjs
// backend (WebGPU in the worker, CPU in Node). Fused conv+bias+ReLU (conv3x3.ts) and
// matMul+bias+ReLU keep the WebGPU kernel count low; tfjs has gradients for both.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import { activeConvGradients, conv3x3Relu, type ConvGradients } from './conv3x3';
import { dropoutMask } from './dropoutMask';
import { maxPool2x2 } from './maxPool2x2';
import { VGG_CONFIGS, paramSpecs, type ModelSpec, type ParamSpec } from '../../protocol/architecture';

/** CIFAR images: the five 2×2 pools bring 32×32 down to 1×1, which l1's fan-in assumes. */
export const INPUT_SIZE = 32;

/** PyTorch's nn.Dropout() default. */
export const DROPOUT_RATE = 0.5;

export interface ForwardOptions {
  /** Dropout is active only when training, as with PyTorch's model.train(). */
  training: boolean;
  /** Seeds of the two dropout masks (before l1, before l2); required when training. */
  dropoutSeeds?: readonly [number, number];
  /** The probability of dropping an element; DROPOUT_RATE when absent. */
  dropoutRate?: number;
  /** Whose convolution gradients the backward pass uses; the backend's choice when absent. */
  convGradients?: ConvGradients;
}

/**
 * Logits [N, classes] for NHWC images [N, 32, 32, 3]. `weights` are in paramSpecs() order and tf
 * layout (conv HWIO, linear [in,out]).
 */
export function vggForward(
  spec: ModelSpec,
  weights: readonly tf.Tensor[],
  x: tf.Tensor4D,
  options: ForwardOptions,
): tf.Tensor2D {
  const specs = paramSpecs(spec);
  checkWeights(specs, weights);
  checkInput(x);
  const seeds = options.training ? requireSeeds(options.dropoutSeeds) : null;
  const gradients = options.convGradients ?? activeConvGradients();
  const rate = options.dropoutRate ?? DROPOUT_RATE;
  return tf.tidy(() => {
    let h: tf.Tensor4D = x;
    let p = 0;
    for (const item of VGG_CONFIGS[spec.architecture]) {
      if (item === 'M') {
        h = maxPool2x2(h);
        continue;
      }
      h = conv3x3Relu(h, weights[p] as tf.Tensor4D, weights[p + 1] as tf.Tensor, gradients);
      p += 2;
    }
    // 1×1 spatial after the last pool, so NHWC and PyTorch's NCHW flatten agree.
    let f: tf.Tensor2D = tf.reshape(h, [h.shape[0], -1]);
    const dense = (a: tf.Tensor2D, relu: boolean): tf.Tensor2D => {
      const out = tf.fused.matMul({
        a,
        b: weights[p] as tf.Tensor2D,
        bias: weights[p + 1],
        activation: relu ? 'relu' : 'linear',
      }) as tf.Tensor2D;
      p += 2;
      return out;
    };
    if (seeds) f = dropout(f, seeds[0], rate);
    f = dense(f, true);
    if (seeds) f = dropout(f, seeds[1], rate);
    f = dense(f, true);
    return dense(f, false);
  });
}

/** f · mask, the mask built on the host from its definition (dropoutMask.ts) and uploaded: the
 *  same elements drop on every backend, and nothing is read back. */
function dropout(f: tf.Tensor2D, seed: number, rate: number): tf.Tensor2D {
  if (rate === 0) return f;
  const mask = tf.tensor2d(dropoutMask(seed, f.size, rate), f.shape);
  return tf.mul(f, mask);
}

function requireSeeds(seeds: readonly [number, number] | undefined): readonly [number, number] {
  if (!seeds) {
    throw new StudioError('INTERNAL', 'A training forward pass needs two dropout seeds; none were given.');
  }
  return seeds;
}

function checkWeights(specs: readonly ParamSpec[], weights: readonly tf.Tensor[]): void {
  if (weights.length !== specs.length) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `This VGG has ${specs.length} parameter tensors but ${weights.length} were given.`,
    );
  }
  specs.forEach((s, i) => {
    const shape = (weights[i] as tf.Tensor).shape;
    if (shape.length !== s.tfShape.length || shape.some((d, j) => d !== s.tfShape[j])) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `${s.name} has shape [${shape.join(', ')}] but this VGG needs [${s.tfShape.join(', ')}] (tf layout).`,
      );
    }
  });
}

function checkInput(x: tf.Tensor4D): void {
  const [, h, w, c] = x.shape;
  if (h !== INPUT_SIZE || w !== INPUT_SIZE || c !== 3) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `Images must be NHWC [N, 32, 32, 3] (CIFAR); got [${x.shape.join(', ')}].`,
    );
  }
}
