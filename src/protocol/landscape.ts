// The loss-landscape pictures beside the face surfaces (Li et al. 2018's random and training-path
// planes, Frankle et al. 2020's interpolation barrier): settings, the computed grid, and its
// exports as CSV, JSON and the datasets of loss-landscape's `.h5` surface files. Plain data shared
// by the page, the worker and the CLI; a grid computed in parts (one slice of its points per
// process) is one JSON file per part, merged by mergeLandscapeParts.

import { batchNormChoiceError, describeBatchNorm, RECOMPUTED, type BatchNormChoice } from './batchNorm';
import type { DatasetSplit } from './commands/data';
import { StudioError } from './errors';

export type LandscapeKind = 'interpolation' | 'random' | 'path' | 'curve';
export type DirectionNorm = 'filter' | 'layer' | 'none';

export const LANDSCAPE_KINDS: Record<LandscapeKind, string> = {
  interpolation: 'Between two models',
  random: 'Random directions',
  path: 'Training path',
  curve: 'Along a curve',
};

export interface DirectionChoice {
  seed: number;
  /** loss-landscape's --xnorm: per output filter, per layer, or none. */
  norm: DirectionNorm;
  /** loss-landscape's --xignore biasbn: biases and batch-norm parameters do not move. */
  ignoreBiasBn: boolean;
}

export interface LandscapeSettings {
  kind: LandscapeKind;
  /** 1: a line (interpolation always); 2: a square grid. */
  dims: 1 | 2;
  /** Points per axis. */
  points: number;
  /** Axis range: t for an interpolation, the direction's multiples for a random plane. */
  from: number;
  to: number;
  /** Random directions only. */
  direction: DirectionChoice;
  /** A path's plane: added beyond the path's extent on each side, as a fraction of it. */
  margin: number;
  datasetId: string;
  /** Evaluated on each of these. */
  splits: DatasetSplit[];
  images: number;
  batchNorm: BatchNormChoice;
}

export const LANDSCAPE_DEFAULTS: Record<LandscapeKind, LandscapeSettings> = {
  interpolation: {
    kind: 'interpolation',
    dims: 1,
    points: 25,
    from: -0.25,
    to: 1.25,
    direction: { seed: 0, norm: 'filter', ignoreBiasBn: true },
    margin: 0.2,
    datasetId: 'synthetic',
    splits: ['train', 'test'],
    images: 256,
    batchNorm: RECOMPUTED,
  },
  // loss-landscape's range is [-1, 1]; its 51×51 grid is 2,601 points, the studio's default 21×21
  // is 441 (sized to a CPU: raise it on a GPU).
  random: {
    kind: 'random',
    dims: 2,
    points: 21,
    from: -1,
    to: 1,
    direction: { seed: 0, norm: 'filter', ignoreBiasBn: true },
    margin: 0.2,
    datasetId: 'synthetic',
    splits: ['train'],
    images: 256,
    batchNorm: RECOMPUTED,
  },
  // The curve code's eval_curve.py: 61 points, train and test.
  curve: {
    kind: 'curve',
    dims: 1,
    points: 61,
    from: 0,
    to: 1,
    direction: { seed: 0, norm: 'filter', ignoreBiasBn: true },
    margin: 0.2,
    datasetId: 'synthetic',
    splits: ['train', 'test'],
    images: 256,
    batchNorm: RECOMPUTED,
  },
  path: {
    kind: 'path',
    dims: 2,
    points: 21,
    from: -1,
    to: 1,
    direction: { seed: 0, norm: 'filter', ignoreBiasBn: true },
    margin: 0.2,
    datasetId: 'synthetic',
    splits: ['train'],
    images: 256,
    batchNorm: RECOMPUTED,
  },
};

export const MAX_LANDSCAPE_POINTS = 101;

/** Why `s` cannot be computed, or null. */
export function landscapeSettingsError(s: LandscapeSettings): string | null {
  // Settings cross the worker boundary and come from files unchecked: the unions are promises.
  const kind: unknown = s.kind;
  const dims: unknown = s.dims;
  const splits: unknown[] = s.splits;
  if (typeof kind !== 'string' || !(kind in LANDSCAPE_KINDS)) {
    return `There is no landscape of kind ${JSON.stringify(kind)}.`;
  }
  if (dims !== 1 && dims !== 2)
    return `A landscape is a line (1) or a plane (2), not ${JSON.stringify(dims)}.`;
  if (s.kind === 'interpolation' && s.dims !== 1) return 'An interpolation is a line (1 dimension).';
  if (s.kind === 'curve' && (s.dims !== 1 || s.from !== 0 || s.to !== 1)) {
    return 'A curve is profiled along its t from 0 to 1.';
  }
  if (s.kind === 'path' && s.dims !== 2) return 'A training path is drawn on a plane (2 dimensions).';
  if (!Number.isInteger(s.points) || s.points < 3 || s.points > MAX_LANDSCAPE_POINTS) {
    return `Use 3 to ${MAX_LANDSCAPE_POINTS} points per axis, not ${s.points}.`;
  }
  if (!Number.isFinite(s.from) || !Number.isFinite(s.to) || !(s.to > s.from)) {
    return `The axis runs from a number to a larger one, not ${s.from} to ${s.to}.`;
  }
  if (s.kind === 'interpolation' && (s.from > 0 || s.to < 1)) {
    return `An interpolation covers both models: from ≤ 0 to ≥ 1, not ${s.from} to ${s.to}.`;
  }
  if (!['filter', 'layer', 'none'].includes(s.direction.norm)) {
    return `Directions are normalised by filter, layer or none, not "${s.direction.norm}".`;
  }
  if (!Number.isInteger(s.direction.seed) || s.direction.seed < 0) {
    return `The seed is a whole number ≥ 0, not ${s.direction.seed}.`;
  }
  if (!(s.margin >= 0) || !Number.isFinite(s.margin)) return `The margin is a number ≥ 0, not ${s.margin}.`;
  if (splits.length === 0 || splits.some((x) => x !== 'train' && x !== 'test')) {
    return `Evaluate on train, test or both, not ${JSON.stringify(s.splits)}.`;
  }
  if (!Number.isInteger(s.images) || s.images < 1) return `Evaluate on at least one image, not ${s.images}.`;
  return batchNormChoiceError(s.batchNorm);
}

export interface LandscapeSplitValues {
  split: DatasetSplit;
  /** Flat index k = j·x.length + i is the point (x[i], y[j]); NaN where not computed. */
  loss: number[];
  error: number[];
}

export interface LandscapeBarrier {
  split: DatasetSplit;
  /** max over t in [0, 1] of value(t) − ((1 − t)·value(0) + t·value(1)). */
  loss: number;
  error: number;
}

export interface LandscapePath {
  /** The epoch each snapshot was kept at. */
  epochs: number[];
  x: number[];
  y: number[];
  /** Explained variance ratio of the two principal directions. */
  explained: [number, number];
}

export interface LandscapePart {
  /** 1-based. */
  index: number;
  count: number;
  /** The flat indices [start, end) this part computed. */
  start: number;
  end: number;
}

export interface Landscape {
  id: string;
  kind: LandscapeKind;
  /** [a, b] for an interpolation, [the origin] otherwise. */
  models: { id: string; name: string }[];
  settings: LandscapeSettings;
  x: number[];
  /** [] for a line. */
  y: number[];
  values: LandscapeSplitValues[];
  /** Interpolations and curves. */
  barriers: LandscapeBarrier[];
  /** Curves: the straight line between the curve's ends at the same t, and its barriers. */
  line: LandscapeSplitValues[] | null;
  lineBarriers: LandscapeBarrier[];
  /** Training paths only. */
  path: LandscapePath | null;
  /** Images each point was evaluated on, per split (a split may hold fewer than asked). */
  imagesUsed: number[];
  /** What batch-norm statistics the points had; null without batch norm. */
  batchNorm: BatchNormChoice | null;
  part: LandscapePart | null;
  /** Points computed (per split), of `total`. */
  done: number;
  total: number;
  seconds: number;
  createdAt: number;
}

/** Points of the grid: x.length × max(1, y.length). */
export function pointCount(l: Pick<Landscape, 'x' | 'y'>): number {
  return l.x.length * Math.max(1, l.y.length);
}

const DEFINITIONS: Record<LandscapeKind, string> = {
  interpolation: 'θ(t) = (1 − t)·θ_a + t·θ_b over all parameters; x holds t',
  curve:
    "θ(t) = Σ_j c_j(t)·θ_j over the curve's points (Bezier: C(K−1, j)·t^j·(1 − t)^(K−1−j); PolyChain: max(0, 1 − |t·(K − 1) − j|)); line: (1 − t)·θ_0 + t·θ_{K−1} at the same t",
  random:
    'θ(x, y) = θ + x·d1 + y·d2; d1, d2 drawn per tensor from a seeded normal and normalised as settings.direction says (loss-landscape net_plotter.py)',
  path: "θ(x, y) = θ_final + x·pc1 + y·pc2; pc1, pc2 the first two principal components of the kept epochs' θ_i − θ_final (loss-landscape setup_PCA_directions); path.x, path.y their projections",
};

export function landscapeFileStem(l: Pick<Landscape, 'kind' | 'models' | 'x' | 'y' | 'part'>): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  const names = l.models.map((m) => safe(m.name)).join('_to_');
  const size = l.y.length > 0 ? `${l.x.length}x${l.y.length}` : `${l.x.length}`;
  const part = l.part ? `_part-${l.part.index}-of-${l.part.count}` : '';
  return `${names}_${l.kind}_${size}${part}`;
}

const num = (x: number): string => (Number.isFinite(x) ? String(x) : '');

/** One row per point: i, j, x, y, then loss and error per split (and the batch-norm choice). */
export function landscapeCsv(l: Landscape): string {
  const bn = l.batchNorm ? describeBatchNorm(l.batchNorm) : null;
  const line = l.line ?? [];
  const header = [
    'i',
    'j',
    'x',
    'y',
    ...l.values.flatMap((v) => [`${v.split}_loss`, `${v.split}_error`]),
    ...line.flatMap((v) => [`line_${v.split}_loss`, `line_${v.split}_error`]),
  ];
  const lines = [[...header, ...(bn ? ['bn_statistics'] : [])].join(',')];
  const ys = Math.max(1, l.y.length);
  for (let j = 0; j < ys; j++) {
    for (let i = 0; i < l.x.length; i++) {
      const k = j * l.x.length + i;
      lines.push(
        [
          i,
          j,
          num(l.x[i] ?? NaN),
          l.y.length > 0 ? num(l.y[j] ?? NaN) : '',
          ...l.values.flatMap((v) => [num(v.loss[k] ?? NaN), num(v.error[k] ?? NaN)]),
          ...line.flatMap((v) => [num(v.loss[k] ?? NaN), num(v.error[k] ?? NaN)]),
          ...(bn ? [bn] : []),
        ].join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The whole landscape as JSON; values as rows (values[j][i] is the point (x[i], y[j])), null where not computed. */
export function landscapeJson(l: Landscape): string {
  const rows = (values: readonly number[]) =>
    l.y.length > 0
      ? Array.from({ length: l.y.length }, (_, j) =>
          values.slice(j * l.x.length, (j + 1) * l.x.length).map(orNull),
        )
      : values.map(orNull);
  return JSON.stringify(
    {
      format: 'simplex-studio-landscape',
      version: 1,
      definition: DEFINITIONS[l.kind],
      ...l,
      ...(l.batchNorm ? { batchNormDescribed: describeBatchNorm(l.batchNorm) } : {}),
      values: l.values.map((v) => ({ split: v.split, loss: rows(v.loss), error: rows(v.error) })),
    },
    null,
    2,
  );
}

/** A landscape back from landscapeJson's text; BAD_ARGUMENT naming `name` when it is not one. */
export function parseLandscapeJson(text: string, name: string): Landscape {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new StudioError('BAD_ARGUMENT', `${name} is not JSON.`);
  }
  const o = raw as Partial<Landscape> & {
    format?: string;
    values?: { split: DatasetSplit; loss: unknown; error: unknown }[];
  };
  if (o.format !== 'simplex-studio-landscape' || !Array.isArray(o.x) || !Array.isArray(o.y) || !o.settings) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `${name} is not a landscape file the studio wrote (format simplex-studio-landscape).`,
    );
  }
  const flat = (v: unknown): number[] =>
    (Array.isArray(v) ? (v as unknown[]).flat() : []).map((x) => (typeof x === 'number' ? x : NaN));
  const splits = (list: unknown) =>
    ((list ?? []) as { split: DatasetSplit; loss: unknown; error: unknown }[]).map((v) => ({
      split: v.split,
      loss: flat(v.loss),
      error: flat(v.error),
    }));
  return {
    ...(o as Landscape),
    values: splits(o.values),
    line: o.line ? splits(o.line) : null,
    lineBarriers: o.lineBarriers ?? [],
  };
}

/**
 * The datasets of a loss-landscape `.h5` surface file: xcoordinates (and ycoordinates), and per
 * split `<split>_loss` and `<split>_acc` (accuracy in percent, as its evaluation reports it).
 * A plane's arrays are [y.length, x.length] with [j][i] the point (x[i], y[j]), which is what its
 * plot_2D.py contours against meshgrid(x, y) (for its square grids, the layout it writes itself).
 */
export function landscapeHdf5Datasets(l: Landscape): { name: string; data: Float64Array; shape: number[] }[] {
  const shape = l.y.length > 0 ? [l.y.length, l.x.length] : [l.x.length];
  return [
    { name: 'xcoordinates', data: Float64Array.from(l.x), shape: [l.x.length] },
    ...(l.y.length > 0 ? [{ name: 'ycoordinates', data: Float64Array.from(l.y), shape: [l.y.length] }] : []),
    ...l.values.flatMap((v) => [
      { name: `${v.split}_loss`, data: Float64Array.from(v.loss), shape },
      { name: `${v.split}_acc`, data: Float64Array.from(v.error, (e) => 100 * (1 - e)), shape },
    ]),
    // A curve's straight line between its ends, beside it (names loss-landscape does not read).
    ...(l.line ?? []).flatMap((v) => [
      { name: `line_${v.split}_loss`, data: Float64Array.from(v.loss), shape },
      { name: `line_${v.split}_acc`, data: Float64Array.from(v.error, (e) => 100 * (1 - e)), shape },
    ]),
  ];
}

/** The string attributes an `.h5` file carries: what the picture is and how it was made. */
export function landscapeHdf5Attributes(l: Landscape): Record<string, string> {
  return {
    studio_format: 'simplex-studio-landscape',
    kind: l.kind,
    definition: DEFINITIONS[l.kind],
    models: l.models.map((m) => m.name).join(', '),
    settings: JSON.stringify(l.settings),
    ...(l.batchNorm ? { batch_norm: describeBatchNorm(l.batchNorm) } : {}),
    ...(l.path ? { path: JSON.stringify(l.path) } : {}),
    ...(l.barriers.length > 0 ? { barriers: JSON.stringify(l.barriers) } : {}),
    ...(l.lineBarriers.length > 0 ? { line_barriers: JSON.stringify(l.lineBarriers) } : {}),
  };
}

/** A part file as the merge checks it: its part, what must agree across parts, and how far it got. */
export interface PartFile {
  name: string;
  part: LandscapePart | null;
  /** Everything but the values, timings and part, as text: equal for the parts of one grid. */
  identity: string;
  done: number;
}

/**
 * Checks that `parts` are every part 1…N of one grid exactly once, each complete; throws
 * BAD_ARGUMENT naming each missing, doubled, stopped or foreign part. Never fills anything in.
 */
export function checkParts(parts: readonly PartFile[]): void {
  const first = parts[0];
  if (!first) throw new StudioError('BAD_ARGUMENT', 'Give the part files to merge.');
  const count = first.part?.count;
  const problems: string[] = [];
  const byIndex = new Map<number, string[]>();
  for (const { name, part, identity, done } of parts) {
    if (!part) {
      problems.push(`${name} is a whole grid, not a part`);
      continue;
    }
    if (part.count !== count) {
      problems.push(`${name} is part ${part.index} of ${part.count}, not of ${String(count)}`);
    } else if (identity !== first.identity) {
      problems.push(
        `${name} is a part of another grid than ${first.name} (its model, settings or axes differ)`,
      );
    }
    if (done !== part.end - part.start) {
      problems.push(`${name} computed ${done} of its ${part.end - part.start} points (was it stopped?)`);
    }
    byIndex.set(part.index, [...(byIndex.get(part.index) ?? []), name]);
  }
  if (count !== undefined) {
    for (let i = 1; i <= count; i++) {
      const names = byIndex.get(i) ?? [];
      if (names.length === 0) problems.push(`part ${i} of ${count} is missing`);
      if (names.length > 1)
        problems.push(`part ${i} of ${count} appears ${names.length} times (${names.join(', ')})`);
    }
  }
  if (problems.length > 0) throw new StudioError('BAD_ARGUMENT', `Cannot merge: ${problems.join('; ')}.`);
}

/** Calls `copy(part, k)` for every flat index k of each part's own slice [start, end). */
export function fillFromParts<T>(
  parts: readonly T[],
  range: (p: T) => LandscapePart,
  copy: (p: T, k: number) => void,
): void {
  for (const p of parts) {
    const { start, end } = range(p);
    for (let k = start; k < end; k++) copy(p, k);
  }
}

/** What must agree between the parts of one landscape. */
function identity(l: Landscape): string {
  const { kind, models, settings, x, y, path, imagesUsed, batchNorm } = l;
  return JSON.stringify({ kind, models, settings, x, y, path, imagesUsed, batchNorm });
}

/**
 * One landscape from the parts of a grid computed separately (each `--part I/N`). Every part
 * 1…N must be there exactly once and describe the same grid; a missing, doubled or foreign part
 * is named, never filled in.
 */
export function mergeLandscapeParts(parts: readonly { name: string; landscape: Landscape }[]): Landscape {
  checkParts(
    parts.map(({ name, landscape }) => ({
      name,
      part: landscape.part,
      identity: identity(landscape),
      done: landscape.done,
    })),
  );
  const first = (parts[0] as { landscape: Landscape }).landscape;
  const total = pointCount(first);
  const values = first.values.map((v) => ({
    split: v.split,
    loss: new Array<number>(total).fill(NaN),
    error: new Array<number>(total).fill(NaN),
  }));
  fillFromParts(
    parts,
    (p) => p.landscape.part as LandscapePart,
    (p, k) => {
      p.landscape.values.forEach((v, s) => {
        const out = values[s] as LandscapeSplitValues;
        out.loss[k] = v.loss[k] ?? NaN;
        out.error[k] = v.error[k] ?? NaN;
      });
    },
  );
  return {
    ...first,
    values,
    part: null,
    done: total,
    total,
    seconds: parts.reduce((s, p) => s + p.landscape.seconds, 0),
  };
}
