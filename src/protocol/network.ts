// A network is data: the layers of an architecture (names exactly as the reference's PyTorch
// modules make them, so a state_dict key reads the same on both sides), the ops that run them in
// order, and the parameters and batch-norm statistics in state_dict order. One interpreter runs
// this forward and backward (engine/model/network.ts); the file layouts, the estimate, the forms
// and the CLI read it. Adding a family is a new builder here and the kernels it lacks.
// Plain data: no tfjs.

import { architectureInfo, scaledWidth, type Family, type ModelSpec, type VggDepth } from './architecture';
import { StudioError } from './errors';

/** CIFAR-sized inputs: every family here assumes 32×32×3 (VGG's five pools reach 1×1, PreResNet's 8×8 average pool covers its last map). */
export const INPUT_SIDE = 32;

/** PyTorch's BatchNorm2d defaults, as the reference uses them. */
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

export interface ConvLayer {
  kind: 'conv';
  /** Module path in the base network's state_dict (`layer2.0.downsample.0`). */
  name: string;
  /** Module path in the SimplexNet's, without `net.` (`layer2.0.downsample`). */
  simplexName: string;
  inChannels: number;
  outChannels: number;
  kernel: 1 | 3;
  stride: 1 | 2;
  /** Zero padding on every side: 1 for 3×3, 0 for 1×1 (PyTorch's symmetric padding). */
  padding: 0 | 1;
  bias: boolean;
  /** Side of the square map it outputs. */
  outputSide: number;
}

export interface BatchNormLayer {
  kind: 'batchNorm';
  name: string;
  simplexName: string;
  channels: number;
  /** Side of the square map it normalises. */
  side: number;
}

export interface LinearLayer {
  kind: 'linear';
  name: string;
  simplexName: string;
  inFeatures: number;
  outFeatures: number;
}

export type Layer = ConvLayer | BatchNormLayer | LinearLayer;

/** What the interpreter runs, in order. */
export type Op =
  | { op: 'conv'; layer: ConvLayer }
  | { op: 'batchNorm'; layer: BatchNormLayer }
  | { op: 'linear'; layer: LinearLayer }
  | { op: 'relu' }
  /** 2×2, stride 2 (PyTorch's MaxPool2d(2, 2), first maximum on ties). */
  | { op: 'maxPool' }
  /** size×size, stride size (AvgPool2d(size)). */
  | { op: 'avgPool'; size: number }
  /** [N, 1, 1, C] → [N, C]; the map is 1×1 here, so NHWC and PyTorch's NCHW flatten agree. */
  | { op: 'flatten' }
  /** Dropout with the draw's dropout seed number `seed`. */
  | { op: 'dropout'; seed: number }
  /** out = body(x) + shortcut(x); an empty shortcut is the identity. */
  | { op: 'residual'; body: readonly Op[]; shortcut: readonly Op[] };

export interface ParamSpec {
  /** Base state_dict name: `c1.weight`, `layer2.0.downsample.0.weight`. */
  name: string;
  /** SimplexNet name without `net.` and `_i`: `layer2.0.downsample.weight`. */
  simplexName: string;
  /** The layer's (base) name. */
  layer: string;
  role: 'weight' | 'bias';
  kind: Layer['kind'];
  /** PyTorch layout: conv [out,in,k,k], linear [out,in], bias and batch norm [out]. */
  torchShape: readonly number[];
  /** tfjs layout: conv HWIO [k,k,in,out], linear [in,out], bias and batch norm [out]. */
  tfShape: readonly number[];
  size: number;
}

export interface Network {
  spec: ModelSpec;
  family: Family;
  ops: readonly Op[];
  /** In state_dict order (the order the reference registers its modules). */
  layers: readonly Layer[];
  /** Every parameter, in state_dict order. */
  params: readonly ParamSpec[];
  /** The batch-norm layers, whose running statistics are shared by all vertices. */
  batchNorms: readonly BatchNormLayer[];
  /** How many dropout seeds a training draw needs. */
  dropouts: number;
}

/** Conv widths at scale 1, 'M' = 2×2 max-pool (the reference's cfg lists). */
export const VGG_CONFIGS: Record<VggDepth, readonly (number | 'M')[]> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/** Hidden width of l1 and l2 at scale 1. */
export const VGG_HIDDEN = 512;

/** PreResNet's stage widths at scale 1 (×4 at a bottleneck's output). */
export const PRERESNET_PLANES = [16, 32, 64] as const;

const cache = new Map<string, Network>();

/** The network of `spec` (built once per spec). Throws BAD_SETTINGS for an unknown architecture. */
export function network(spec: ModelSpec): Network {
  const key = `${spec.architecture}/${spec.widthScale}/${spec.numClasses}`;
  let net = cache.get(key);
  if (!net) {
    net = build(spec);
    cache.set(key, net);
  }
  return net;
}

/** Parameters in state_dict order. */
export function paramSpecs(spec: ModelSpec): readonly ParamSpec[] {
  return network(spec).params;
}

export function paramCount(spec: ModelSpec): number {
  return paramSpecs(spec).reduce((n, p) => n + p.size, 0);
}

/** Floats of running statistics (mean and variance of every batch-norm layer). */
export function statisticsCount(spec: ModelSpec): number {
  return network(spec).batchNorms.reduce((n, b) => n + 2 * b.channels, 0);
}

function build(spec: ModelSpec): Network {
  const info = architectureInfo(spec.architecture);
  if (!info) {
    throw new StudioError('BAD_SETTINGS', `There is no architecture "${spec.architecture}".`);
  }
  if (!Number.isInteger(spec.numClasses) || spec.numClasses < 1) {
    throw new StudioError('BAD_SETTINGS', `A network needs at least one class, not ${spec.numClasses}.`);
  }
  const ops =
    info.family === 'preresnet'
      ? preresnetOps(spec, info.depth)
      : vggOps(spec, info.depth as VggDepth, info.family === 'vggbn');
  const layers = layersOf(ops);
  return {
    spec,
    family: info.family,
    ops,
    layers,
    params: layers.flatMap(paramsOf),
    batchNorms: layers.filter((l): l is BatchNormLayer => l.kind === 'batchNorm'),
    dropouts: info.family === 'preresnet' ? 0 : 2,
  };
}

/** Builds ops while tracking the map's side and channels. */
class Builder {
  side = INPUT_SIDE;
  channels = 3;

  conv(
    name: string,
    outChannels: number,
    kernel: 1 | 3,
    stride: 1 | 2,
    bias: boolean,
    simplexName = name,
  ): Op & { op: 'conv' } {
    const layer: ConvLayer = {
      kind: 'conv',
      name,
      simplexName,
      inChannels: this.channels,
      outChannels,
      kernel,
      stride,
      padding: kernel === 3 ? 1 : 0,
      bias,
      outputSide: Math.floor((this.side + 2 * (kernel === 3 ? 1 : 0) - kernel) / stride) + 1,
    };
    this.side = layer.outputSide;
    this.channels = outChannels;
    return { op: 'conv', layer };
  }

  batchNorm(name: string): Op {
    return {
      op: 'batchNorm',
      layer: { kind: 'batchNorm', name, simplexName: name, channels: this.channels, side: this.side },
    };
  }

  maxPool(): Op {
    this.side = Math.floor(this.side / 2);
    return { op: 'maxPool' };
  }

  avgPool(size: number): Op {
    this.side = Math.floor(this.side / size);
    return { op: 'avgPool', size };
  }

  /** Flattens the map into features (the map is 1×1 by then). */
  flatten(): Op {
    this.channels *= this.side * this.side;
    this.side = 1;
    return { op: 'flatten' };
  }

  linear(name: string, outFeatures: number): Op {
    const layer: LinearLayer = {
      kind: 'linear',
      name,
      simplexName: name,
      inFeatures: this.channels,
      outFeatures,
    };
    this.channels = outFeatures;
    return { op: 'linear', layer };
  }
}

const RELU: Op = { op: 'relu' };

/** The reference's vgg_noBN.py (and vgg.py with `bn`): cK (+ bnK) + ReLU, pools, d1 l1 d2 l2 l3. */
function vggOps(spec: ModelSpec, depth: VggDepth, bn: boolean): Op[] {
  const b = new Builder();
  const ops: Op[] = [];
  let conv = 0;
  for (const item of VGG_CONFIGS[depth]) {
    if (item === 'M') {
      ops.push(b.maxPool());
      continue;
    }
    conv++;
    ops.push(b.conv(`c${conv}`, scaledWidth(item, spec.widthScale), 3, 1, true));
    if (bn) ops.push(b.batchNorm(`bn${conv}`));
    ops.push(RELU);
  }
  const hidden = scaledWidth(VGG_HIDDEN, spec.widthScale);
  ops.push(b.flatten());
  ops.push({ op: 'dropout', seed: 0 }, b.linear('l1', hidden), RELU);
  ops.push({ op: 'dropout', seed: 1 }, b.linear('l2', hidden), RELU);
  ops.push(b.linear('l3', spec.numClasses));
  return ops;
}

/**
 * The reference's preresnet.py: conv1, three stages of basic blocks (depth 6n+2) or bottlenecks
 * (9n+2, from 44), then bn → ReLU → 8×8 average pool → fc. A stage's first block has a 1×1
 * shortcut conv where the stride or the width changes (`downsample.0` in PreResNetBase, an
 * nn.Sequential; `downsample` in PreResNetSimplex).
 */
function preresnetOps(spec: ModelSpec, depth: number): Op[] {
  const bottleneck = depth >= 44;
  const blocks = bottleneck ? (depth - 2) / 9 : (depth - 2) / 6;
  const expansion = bottleneck ? 4 : 1;
  const w = (c: number) => scaledWidth(c, spec.widthScale);
  const b = new Builder();
  const ops: Op[] = [b.conv('conv1', w(16), 3, 1, false)];
  PRERESNET_PLANES.forEach((planes, s) => {
    for (let i = 0; i < blocks; i++) {
      const prefix = `layer${s + 1}.${i}`;
      const stride = i === 0 && s > 0 ? 2 : 1;
      const inChannels = b.channels;
      const inSide = b.side;
      const out = w(planes) * expansion;
      const body: Op[] = [b.batchNorm(`${prefix}.bn1`), RELU];
      if (bottleneck) {
        body.push(b.conv(`${prefix}.conv1`, w(planes), 1, 1, false));
        body.push(b.batchNorm(`${prefix}.bn2`), RELU, b.conv(`${prefix}.conv2`, w(planes), 3, stride, false));
        body.push(b.batchNorm(`${prefix}.bn3`), RELU, b.conv(`${prefix}.conv3`, out, 1, 1, false));
      } else {
        body.push(b.conv(`${prefix}.conv1`, w(planes), 3, stride, false));
        body.push(b.batchNorm(`${prefix}.bn2`), RELU, b.conv(`${prefix}.conv2`, out, 3, 1, false));
      }
      const shortcut: Op[] = [];
      if (stride !== 1 || inChannels !== out) {
        const after = { side: b.side, channels: b.channels };
        b.side = inSide;
        b.channels = inChannels;
        shortcut.push(b.conv(`${prefix}.downsample.0`, out, 1, stride, false, `${prefix}.downsample`));
        b.side = after.side;
        b.channels = after.channels;
      }
      ops.push({ op: 'residual', body, shortcut });
    }
  });
  ops.push(b.batchNorm('bn'), RELU, b.avgPool(8), b.flatten(), b.linear('fc', spec.numClasses));
  return ops;
}

/** Every layer, depth first: a residual's body, then its shortcut (registration order). */
function layersOf(ops: readonly Op[]): Layer[] {
  return ops.flatMap((o): Layer[] => {
    switch (o.op) {
      case 'conv':
      case 'batchNorm':
      case 'linear':
        return [o.layer];
      case 'residual':
        return [...layersOf(o.body), ...layersOf(o.shortcut)];
      default:
        return [];
    }
  });
}

function paramsOf(layer: Layer): ParamSpec[] {
  const param = (role: 'weight' | 'bias', torchShape: number[], tfShape: number[]): ParamSpec => ({
    name: `${layer.name}.${role}`,
    simplexName: `${layer.simplexName}.${role}`,
    layer: layer.name,
    role,
    kind: layer.kind,
    torchShape,
    tfShape,
    size: torchShape.reduce((a, d) => a * d, 1),
  });
  switch (layer.kind) {
    case 'conv': {
      const { inChannels: i, outChannels: o, kernel: k } = layer;
      const weight = param('weight', [o, i, k, k], [k, k, i, o]);
      return layer.bias ? [weight, param('bias', [o], [o])] : [weight];
    }
    case 'batchNorm':
      return [
        param('weight', [layer.channels], [layer.channels]),
        param('bias', [layer.channels], [layer.channels]),
      ];
    case 'linear': {
      const { inFeatures: i, outFeatures: o } = layer;
      return [param('weight', [o, i], [i, o]), param('bias', [o], [o])];
    }
  }
}
