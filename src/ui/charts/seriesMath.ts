// Runs on the page: plain series arithmetic for charts (no DOM). Long runs log tens of thousands
// of points; Plotly stays fast when it draws at most a few thousand, so series are bucketed first.

export interface Series {
  x: number[];
  y: number[];
}

/** Charts draw at most this many points per trace. */
export const MAX_CHART_POINTS = 2000;

/**
 * At most `maxPoints` points: consecutive points are grouped into equal buckets and each bucket
 * becomes its mean x and mean y (a mean, not a pick, so noise is not mistaken for a trend).
 */
export function downsample(series: Series, maxPoints = MAX_CHART_POINTS): Series {
  const n = Math.min(series.x.length, series.y.length);
  if (n <= maxPoints) return { x: series.x.slice(0, n), y: series.y.slice(0, n) };
  const x: number[] = [];
  const y: number[] = [];
  const size = n / maxPoints;
  for (let b = 0; b < maxPoints; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(n, Math.floor((b + 1) * size));
    let sx = 0;
    let sy = 0;
    for (let i = from; i < to; i++) {
      sx += series.x[i] ?? 0;
      sy += series.y[i] ?? 0;
    }
    x.push(sx / (to - from));
    y.push(sy / (to - from));
  }
  return { x, y };
}

/**
 * Exponential moving average with TensorBoard's debiasing: s_t = w·s_{t−1} + (1−w)·y_t, divided
 * by 1 − w^t so the first points are not pulled towards zero. Non-finite values are skipped.
 */
export function ema(values: readonly number[], weight = 0.9): number[] {
  const out: number[] = [];
  let acc = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      acc = weight * acc + (1 - weight) * v;
      count++;
    }
    out.push(count === 0 ? NaN : acc / (1 - weight ** count));
  }
  return out;
}
