// The networks the studio builds, by name: the reference code's three families (`vgg_noBN.py`,
// `vgg.py`, `preresnet.py`) as names a run, a file and the CLI use. What each name is, layer by
// layer, is network.ts. Plain data: no tfjs, so forms, file formats and the CLI can all use it.

/** VGG depths of the reference's cfg lists. */
export const VGG_DEPTHS = [11, 13, 16, 19] as const;
export type VggDepth = (typeof VGG_DEPTHS)[number];

export type Family = 'vgg' | 'vggbn' | 'preresnet';

/**
 * `vgg16` (the reference's VGG without batch norm), `vgg16bn` (with BatchNorm after every conv),
 * `preresnet20` (PreResNet of that depth: 6n+2 with basic blocks below 44, 9n+2 with bottlenecks
 * from 44).
 */
export type Architecture = `vgg${VggDepth}` | `vgg${VggDepth}bn` | `preresnet${number}`;

export const FAMILY_LABELS: Record<Family, string> = {
  vgg: 'VGG',
  vggbn: 'VGG with batch norm',
  preresnet: 'PreResNet',
};

/** What a name means: its family and depth (VGG's conv+linear count, PreResNet's depth). */
export interface ArchitectureInfo {
  family: Family;
  depth: number;
}

/** Deeper PreResNets than this are refused: PreResNet-1001, the deepest in the literature, fits. */
export const MAX_PRERESNET_DEPTH = 1001;

/**
 * Why the reference's PreResNet refuses `depth` (its asserts: 9n+2 from 44 on, 6n+2 below), or
 * null when it builds one. n ≥ 1: a depth of 2 has no blocks and does not run in the reference.
 */
export function preresnetDepthError(depth: number): string | null {
  if (!Number.isInteger(depth) || depth < 8) {
    return `PreResNet depth ${depth} is not one the reference builds: it needs 6n+2 (8, 14, 20, …, 38) below 44 and 9n+2 (47, 56, …, 110, 164) from 44.`;
  }
  if (depth > MAX_PRERESNET_DEPTH) {
    return `PreResNet depth ${depth} is deeper than the studio builds (at most ${MAX_PRERESNET_DEPTH}).`;
  }
  if (depth >= 44 ? (depth - 2) % 9 !== 0 : (depth - 2) % 6 !== 0) {
    const rule =
      depth >= 44 ? '9n+2 from 44 on (47, 56, 65, …, 110, 164)' : '6n+2 below 44 (8, 14, 20, 26, 32, 38)';
    return `PreResNet depth ${depth} is not one the reference builds: its depth must be ${rule}.`;
  }
  return null;
}

const NAME = /^(vgg(11|13|16|19)(bn)?|preresnet([1-9][0-9]{0,3}))$/;

/** The family and depth of `name`, or null when it is not a network the studio builds. */
export function architectureInfo(name: unknown): ArchitectureInfo | null {
  if (typeof name !== 'string') return null;
  const m = NAME.exec(name);
  if (!m) return null;
  if (m[4] !== undefined) {
    const depth = Number(m[4]);
    return preresnetDepthError(depth) === null ? { family: 'preresnet', depth } : null;
  }
  return { family: m[3] ? 'vggbn' : 'vgg', depth: Number(m[2]) };
}

export function isArchitecture(name: unknown): name is Architecture {
  return architectureInfo(name) !== null;
}

/** The architecture `name` is, or a sentence saying why it is not one the studio builds. */
export function architectureError(name: unknown): string | null {
  if (isArchitecture(name)) return null;
  const m = typeof name === 'string' ? /^preresnet([0-9]+)$/.exec(name) : null;
  if (m) return preresnetDepthError(Number(m[1]));
  return `Must be vgg11, vgg13, vgg16 or vgg19, the same with "bn" (vgg16bn), or preresnetD for a depth the reference builds (preresnet20, preresnet110, …); got ${JSON.stringify(name)}.`;
}

/** The PreResNet depths the forms offer (any depth preresnetDepthError accepts works elsewhere). */
export const PRERESNET_CHOICES = [8, 14, 20, 26, 32, 38, 47, 56, 65, 74, 83, 92, 101, 110, 164] as const;

/** Every architecture the forms list, family by family. */
export const ARCHITECTURE_CHOICES: readonly Architecture[] = [
  ...VGG_DEPTHS.map((d): Architecture => `vgg${d}`),
  ...VGG_DEPTHS.map((d): Architecture => `vgg${d}bn`),
  ...PRERESNET_CHOICES.map((d): Architecture => `preresnet${d}`),
];

/** Multiplies every conv and hidden width; the studio supports these four. */
export const WIDTH_SCALES = [1, 0.5, 0.25, 0.125] as const;
export type WidthScale = (typeof WIDTH_SCALES)[number];

export interface ModelSpec {
  architecture: Architecture;
  widthScale: WidthScale;
  numClasses: number;
}

export function scaledWidth(width: number, scale: WidthScale): number {
  return Math.max(1, Math.round(width * scale));
}

/** "PreResNet-20", "VGG16-BN", "VGG11": how a page names an architecture. */
export function architectureLabel(name: Architecture): string {
  const info = architectureInfo(name);
  if (!info) return name;
  if (info.family === 'preresnet') return `PreResNet-${info.depth}`;
  return `VGG${info.depth}${info.family === 'vggbn' ? '-BN' : ''}`;
}
