// Runs on the page; no React. Plotly traces and layouts for face grids, edge profiles and the 3-D
// view, built from what the worker sends. Several faces share one colour scale: colourRange() is
// computed over all of them and every contour uses it.

import { curveCoefficients } from '../../../protocol/curve';
import type { Data, Layout } from 'plotly.js';
import type { VertexRole } from '../../../protocol/commands/models';
import type {
  ComplexProjection,
  EdgeProfileData,
  SurfaceGrid,
  SurfaceMetric,
} from '../../../protocol/commands/surfaces';

export interface ColourOptions {
  metric: SurfaceMetric;
  scale: 'linear' | 'log';
  /** Values above this quantile of all grids are drawn in the top colour (1 = no clipping). */
  clipQuantile: number;
}

/** The colour bar's range in drawn units (log10 of the value for a log scale). */
export interface ColourRange {
  min: number;
  max: number;
  /** Smallest value a log scale shows (zero error has no logarithm). */
  floor: number;
}

export const METRIC_LABEL: Record<SurfaceMetric, string> = { loss: 'Cross-entropy', error: 'Error' };

const ROLE_STYLE: Record<VertexRole, { symbol: string; color: string; name: string }> = {
  mode: { symbol: 'circle', color: '#d62728', name: 'modes' },
  connector: { symbol: 'diamond', color: '#ff9f1c', name: 'connectors' },
  vertex: { symbol: 'square', color: '#ffffff', name: 'vertices' },
};

function finite(values: readonly number[]): number[] {
  return values.filter((x) => Number.isFinite(x));
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? NaN) + ((sorted[hi] ?? NaN) - (sorted[lo] ?? NaN)) * (pos - lo);
}

/** A side below this fraction of the longest, or an area below this fraction of the equilateral
 *  triangle's on the longest side, makes a face too thin to read. */
const THIN = 0.05;

/**
 * What makes a face unreadable, said for the user: two vertices nearly on one spot, or all three
 * nearly on one line (a briefly trained vertex that has not moved away). Null for a fair face.
 */
export function thinFace(grid: Pick<SurfaceGrid, 'face' | 'plane'>): string | null {
  const [a, b, c] = grid.face;
  const [g11, g12, g22] = grid.plane.gram;
  const sides = [
    { ends: [a, b], length: Math.sqrt(Math.max(0, g11)) },
    { ends: [a, c], length: Math.sqrt(Math.max(0, g22)) },
    { ends: [b, c], length: Math.sqrt(Math.max(0, g11 + g22 - 2 * g12)) },
  ].sort((x, y) => x.length - y.length);
  const [shortest, , longest] = sides as [(typeof sides)[number], unknown, (typeof sides)[number]];
  const percent = (x: number) => `${(100 * x).toPrecision(2)}%`;
  const after =
    ' The colour scale is fitted to the triangle’s neighbourhood; a longer training (more epochs ' +
    'per vertex) usually spreads the vertices apart.';
  if (shortest.length < THIN * longest.length) {
    const [i, j] = shortest.ends;
    return (
      `Vertices v${i} and v${j} nearly coincide: they lie ${percent(shortest.length / longest.length)} ` +
      'of the longest edge apart, so this face is drawn as a line. This usually means one of them ' +
      'trained too briefly to move away from where it started.' +
      after
    );
  }
  const area = 0.5 * Math.sqrt(Math.max(0, g11 * g22 - g12 * g12));
  const fair = (Math.sqrt(3) / 4) * longest.length ** 2;
  if (area < THIN * fair) {
    return (
      `The vertices v${a}, v${b}, v${c} lie nearly on one line: the triangle has ${percent(area / fair)} ` +
      'of the area of an equilateral one on its longest edge, so it is drawn as a sliver.' +
      after
    );
  }
  return null;
}

/** The grid's values within a quarter of the longest edge of its triangle (all of them for a
 *  fair face): far from a thin face the mixed weights blow up and would set the colour scale. */
function colouredValues(grid: SurfaceGrid, metric: SurfaceMetric): number[] {
  const values = grid[metric];
  if (thinFace(grid) === null) return finite(values);
  const [pa, pb, pc] = grid.plane.vertexCoords as [[number, number], [number, number], [number, number]];
  const longest = Math.max(dist(pa, pb), dist(pa, pc), dist(pb, pc));
  const size = grid.u.length;
  return finite(
    values.filter((_, k) => {
      const p: [number, number] = [grid.u[k % size] ?? NaN, grid.v[Math.floor(k / size)] ?? NaN];
      return distanceToTriangle(p, pa, pb, pc) <= 0.25 * longest;
    }),
  );
}

function dist(p: readonly [number, number], q: readonly [number, number]): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1]);
}

function distanceToSegment(p: [number, number], a: [number, number], b: [number, number]): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.min(1, Math.max(0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2)) : 0;
  return dist(p, [a[0] + t * dx, a[1] + t * dy]);
}

function distanceToTriangle(
  p: [number, number],
  a: [number, number],
  b: [number, number],
  c: [number, number],
): number {
  const side = (q: [number, number], r: [number, number]) =>
    (r[0] - q[0]) * (p[1] - q[1]) - (r[1] - q[1]) * (p[0] - q[0]);
  const signs = [side(a, b), side(b, c), side(c, a)];
  if (signs.every((x) => x >= 0) || signs.every((x) => x <= 0)) return 0;
  return Math.min(distanceToSegment(p, a, b), distanceToSegment(p, b, c), distanceToSegment(p, c, a));
}

export function colourRange(grids: readonly SurfaceGrid[], options: ColourOptions): ColourRange {
  const values = grids.flatMap((g) => colouredValues(g, options.metric)).sort((a, b) => a - b);
  const positive = values.filter((x) => x > 0);
  const floor = positive.length > 0 ? (positive[0] as number) : 1e-3;
  const lo = values[0] ?? 0;
  const hi = quantile(values, options.clipQuantile);
  const top = Number.isFinite(hi) && hi > lo ? hi : lo + 1;
  if (options.scale === 'log') {
    const min = Math.log10(Math.max(lo, floor));
    const max = Math.log10(Math.max(top, floor));
    return { min, max: max > min ? max : min + 1, floor };
  }
  return { min: lo, max: top, floor };
}

/** The value drawn for `x`: clipped to the range, log10 for a log scale; null where missing. */
function drawn(x: number, range: ColourRange, options: ColourOptions): number | null {
  if (!Number.isFinite(x)) return null;
  const y = options.scale === 'log' ? Math.log10(Math.max(x, range.floor)) : x;
  return Math.min(y, range.max);
}

/**
 * Colour-bar ticks at 1, 2 and 5 per decade, labelled with the value itself; a range narrower than
 * that (a surface within a few percent) gets evenly spaced round values instead.
 */
function logTicks(range: ColourRange): { tickvals: number[]; ticktext: string[] } {
  const inRange = (t: number) => t >= range.min - 1e-9 && t <= range.max + 1e-9;
  let values: number[] = [];
  for (let d = Math.floor(range.min); d <= Math.ceil(range.max); d++) {
    values.push(...[1, 2, 5].map((m) => m * 10 ** d).filter((x) => inRange(Math.log10(x))));
  }
  if (values.length < 2) {
    const lo = 10 ** range.min;
    const hi = 10 ** range.max;
    const rough = (hi - lo) / 4;
    const unit = 10 ** Math.floor(Math.log10(rough));
    const step = ([1, 2, 5, 10].find((m) => m * unit >= rough) ?? 10) * unit;
    values = [];
    for (let k = Math.ceil(lo / step); k * step <= hi * (1 + 1e-12); k++) values.push(k * step);
    values = values.filter((x) => inRange(Math.log10(x)));
  }
  const text = values.map((x) => String(Number(x.toPrecision(6))));
  return { tickvals: text.map((t) => Math.log10(Number(t))), ticktext: text };
}

/** Filled contour, triangle and labelled vertices of one face. */
export function faceTraces(
  grid: SurfaceGrid,
  range: ColourRange,
  options: ColourOptions,
  showScale: boolean,
): Data[] {
  const size = grid.u.length;
  const values = grid[options.metric];
  const z = Array.from({ length: size }, (_, j) =>
    Array.from({ length: size }, (_, i) => drawn(values[j * size + i] ?? NaN, range, options)),
  );
  const title = METRIC_LABEL[options.metric] + (options.scale === 'log' ? ' (log scale)' : '');
  const contour: Data = {
    type: 'contour',
    name: 'surface',
    x: grid.u,
    y: grid.v,
    z,
    zmin: range.min,
    zmax: range.max,
    connectgaps: true,
    colorscale: 'Viridis',
    contours: { coloring: 'fill', showlines: false },
    ncontours: 24,
    showscale: showScale,
    colorbar: { title: { text: title }, ...(options.scale === 'log' ? logTicks(range) : {}) },
    hovertemplate: 'u %{x:.3g}, v %{y:.3g}<extra></extra>',
  };
  const coords = grid.plane.vertexCoords;
  const triangle: Data = {
    type: 'scatter',
    mode: 'lines',
    name: 'triangle',
    x: [...coords.map((c) => c[0]), coords[0]?.[0] ?? 0],
    y: [...coords.map((c) => c[1]), coords[0]?.[1] ?? 0],
    line: { color: '#ffffff', width: 2 },
    hoverinfo: 'skip',
    showlegend: false,
  };
  const roles = [...new Set(grid.roles)];
  const markers = roles.map((role): Data => {
    const idx = [0, 1, 2].filter((i) => grid.roles[i] === role);
    const style = ROLE_STYLE[role];
    return {
      type: 'scatter',
      mode: 'text+markers',
      name: style.name,
      x: idx.map((i) => coords[i]?.[0] ?? 0),
      y: idx.map((i) => coords[i]?.[1] ?? 0),
      text: idx.map((i) => `v${grid.face[i] ?? i}`),
      textposition: 'top center',
      textfont: { color: '#ffffff' },
      marker: { symbol: style.symbol, color: style.color, size: 11, line: { color: '#000000', width: 1 } },
      hovertemplate: idx.map((i) => `vertex ${grid.face[i] ?? i} (${role})<extra></extra>`),
    };
  });
  return [contour, triangle, ...markers, ...curveTrace(grid)];
}

/**
 * A three-point curve's own path over its plane (the curve code's plane_plot.py): θ(t) for t in
 * [0, 1] is Σ c_j(t)·θ_j, so its plane coordinates are the same mixture of its points'.
 */
function curveTrace(grid: SurfaceGrid): Data[] {
  if (!grid.curve) return [];
  const curve = grid.curve;
  const coords = grid.plane.vertexCoords;
  // Curve point j sits at face position face.indexOf(j).
  const at = (j: number) => coords[grid.face.indexOf(j)] ?? [NaN, NaN];
  const points = Array.from({ length: 101 }, (_, i) => {
    const c = curveCoefficients(curve, 3, i / 100);
    return [0, 1, 2].reduce<[number, number]>(
      (p, j) => [p[0] + (c[j] as number) * at(j)[0], p[1] + (c[j] as number) * at(j)[1]],
      [0, 0],
    );
  });
  return [
    {
      type: 'scatter',
      mode: 'lines',
      name: 'curve',
      x: points.map((p) => p[0]),
      y: points.map((p) => p[1]),
      line: { color: '#ff7f0e', width: 3 },
      hovertemplate: 'the curve<extra></extra>',
    },
  ];
}

export function faceLayout(grid: SurfaceGrid): Partial<Layout> {
  const [a, b, c] = grid.face;
  return {
    title: { text: `Face v${a}, v${b}, v${c}` },
    xaxis: { title: { text: `u (along v${b} − v${a})` }, constrain: 'domain' },
    yaxis: { title: { text: 'v' }, scaleanchor: 'x', scaleratio: 1, constrain: 'domain' },
    margin: { l: 50, r: 10, t: 40, b: 45 },
    legend: { orientation: 'h', y: -0.2 },
    height: 420,
  };
}

export function edgeTraces(profiles: readonly EdgeProfileData[], metric: SurfaceMetric): Data[] {
  return profiles.map((p) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: `v${p.edge[0]} → v${p.edge[1]}`,
    x: p.t,
    y: p[metric],
  }));
}

export function edgeLayout(metric: SurfaceMetric): Partial<Layout> {
  return {
    title: { text: 'Along the edges' },
    xaxis: { title: { text: 't: (1 − t)·first vertex + t·second (vertices at 0 and 1)' } },
    yaxis: { title: { text: METRIC_LABEL[metric] } },
    shapes: [0, 1].map((x) => ({
      type: 'line' as const,
      x0: x,
      x1: x,
      yref: 'paper' as const,
      y0: 0,
      y1: 1,
      line: { dash: 'dot' as const, color: '#888888' },
    })),
    margin: { l: 55, r: 10, t: 40, b: 50 },
    height: 340,
  };
}

/** Simplexes as shaded triangles (each 3-vertex face), edges as lines, vertices by role. */
export function complexTraces(p: ComplexProjection, faces: readonly [number, number, number][]): Data[] {
  const xs = p.coords.map((c) => c[0]);
  const ys = p.coords.map((c) => c[1]);
  const zs = p.coords.map((c) => c[2]);
  const out: Data[] = [];
  if (faces.length > 0) {
    out.push({
      type: 'mesh3d',
      name: 'faces',
      x: xs,
      y: ys,
      z: zs,
      i: Int32Array.from(faces, (f) => f[0]),
      j: Int32Array.from(faces, (f) => f[1]),
      k: Int32Array.from(faces, (f) => f[2]),
      opacity: 0.45,
      color: '#4c78a8',
      flatshading: true,
      hoverinfo: 'skip',
    } as Data);
  }
  const ex: (number | null)[] = [];
  const ey: (number | null)[] = [];
  const ez: (number | null)[] = [];
  for (const simplex of p.complex) {
    for (let a = 0; a < simplex.length; a++) {
      for (let b = a + 1; b < simplex.length; b++) {
        for (const v of [simplex[a] ?? 0, simplex[b] ?? 0]) {
          ex.push(xs[v] ?? 0);
          ey.push(ys[v] ?? 0);
          ez.push(zs[v] ?? 0);
        }
        ex.push(null);
        ey.push(null);
        ez.push(null);
      }
    }
  }
  out.push({
    type: 'scatter3d',
    mode: 'lines',
    name: 'edges',
    x: ex,
    y: ey,
    z: ez,
    line: { color: '#333333', width: 3 },
    hoverinfo: 'skip',
  });
  for (const role of [...new Set(p.roles)]) {
    const idx = p.roles.flatMap((r, i) => (r === role ? [i] : []));
    const style = ROLE_STYLE[role];
    out.push({
      type: 'scatter3d',
      mode: 'text+markers',
      name: style.name,
      x: idx.map((i) => xs[i] ?? 0),
      y: idx.map((i) => ys[i] ?? 0),
      z: idx.map((i) => zs[i] ?? 0),
      text: idx.map((i) => `v${i}`),
      marker: { color: style.color, size: 6, line: { color: '#000000', width: 1 } },
    });
  }
  return out;
}

/** Directions with less of the vertices' spread than this are flat (3 vertices span only 2). */
const FLAT_SHARE = 0.005;

/**
 * The scene fits every vertex: each axis spans its coordinates plus a margin of the widest
 * spread, drawn as a cube so that no direction collapses. Directions that carry no spread show
 * no title or ticks (a 3-vertex simplex has no third).
 */
export function complexLayout(p: ComplexProjection): Partial<Layout> {
  const spans = [0, 1, 2].map((i) => {
    const values = p.coords.map((c) => c[i as 0 | 1 | 2]);
    return { min: Math.min(...values), max: Math.max(...values) };
  });
  const widest = Math.max(...spans.map((s) => s.max - s.min), 1e-12);
  const axis = (i: 0 | 1 | 2) => {
    const flat = p.explained[i] < FLAT_SHARE;
    const span = spans[i] ?? { min: 0, max: 0 };
    const mid = (span.min + span.max) / 2;
    const half = Math.max(span.max - span.min, widest) / 2 + 0.1 * widest;
    return {
      title: { text: flat ? '' : `PC${i + 1} (${Math.round(100 * p.explained[i])}%)` },
      range: [mid - half, mid + half],
      showticklabels: !flat,
      autorange: false,
    };
  };
  return {
    title: { text: 'Vertices on their principal directions' },
    scene: { xaxis: axis(0), yaxis: axis(1), zaxis: axis(2), aspectmode: 'cube' },
    margin: { l: 10, r: 10, t: 40, b: 10 },
    height: 460,
  };
}
