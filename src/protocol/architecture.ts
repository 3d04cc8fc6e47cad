// What a VGG of the reference looks like, as plain data: layer list and parameter shapes in both
// layouts. No tfjs here, so file formats, the CLI and the UI's forms can all use it.

export const ARCHITECTURES = ['vgg11', 'vgg13', 'vgg16', 'vgg19'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Multiplies every conv and hidden width; the studio supports these four. */
export const WIDTH_SCALES = [1, 0.5, 0.25, 0.125] as const;
export type WidthScale = (typeof WIDTH_SCALES)[number];

/** Conv widths at scale 1, 'M' = 2×2 max-pool (the reference's cfg lists, without batch norm). */
export const VGG_CONFIGS: Record<Architecture, readonly (number | 'M')[]> = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  vgg19: [
    64,
    64,
    'M',
    128,
    128,
    'M',
    256,
    256,
    256,
    256,
    'M',
    512,
    512,
    512,
    512,
    'M',
    512,
    512,
    512,
    512,
    'M',
  ],
};

/** Hidden width of l1 and l2 at scale 1. */
export const VGG_HIDDEN = 512;

export interface ModelSpec {
  architecture: Architecture;
  widthScale: WidthScale;
  numClasses: number;
}

export interface ParamSpec {
  /** PyTorch state_dict name without prefix: `c1.weight`, `l3.bias`. */
  name: string;
  layer: string;
  role: 'weight' | 'bias';
  kind: 'conv' | 'linear';
  /** PyTorch layout: conv [out,in,3,3], linear [out,in], bias [out]. */
  torchShape: readonly number[];
  /** tfjs layout: conv HWIO [3,3,in,out], linear [in,out], bias [out]. */
  tfShape: readonly number[];
  size: number;
}

export function scaledWidth(width: number, scale: WidthScale): number {
  return Math.max(1, Math.round(width * scale));
}

/** Parameters in state_dict order (c1.weight, c1.bias, …, l3.bias). */
export function paramSpecs(spec: ModelSpec): ParamSpec[] {
  const out: ParamSpec[] = [];
  let inC = 3;
  let convIndex = 0;
  for (const item of VGG_CONFIGS[spec.architecture]) {
    if (item === 'M') continue;
    const outC = scaledWidth(item, spec.widthScale);
    const layer = `c${++convIndex}`;
    out.push(param(layer, 'weight', 'conv', [outC, inC, 3, 3], [3, 3, inC, outC]));
    out.push(param(layer, 'bias', 'conv', [outC], [outC]));
    inC = outC;
  }
  const hidden = scaledWidth(VGG_HIDDEN, spec.widthScale);
  const linears: [string, number, number][] = [
    ['l1', inC, hidden],
    ['l2', hidden, hidden],
    ['l3', hidden, spec.numClasses],
  ];
  for (const [layer, fanIn, fanOut] of linears) {
    out.push(param(layer, 'weight', 'linear', [fanOut, fanIn], [fanIn, fanOut]));
    out.push(param(layer, 'bias', 'linear', [fanOut], [fanOut]));
  }
  return out;
}

export function paramCount(spec: ModelSpec): number {
  return paramSpecs(spec).reduce((n, p) => n + p.size, 0);
}

function param(
  layer: string,
  role: 'weight' | 'bias',
  kind: 'conv' | 'linear',
  torchShape: number[],
  tfShape: number[],
): ParamSpec {
  return {
    name: `${layer}.${role}`,
    layer,
    role,
    kind,
    torchShape,
    tfShape,
    size: torchShape.reduce((a, b) => a * b, 1),
  };
}
