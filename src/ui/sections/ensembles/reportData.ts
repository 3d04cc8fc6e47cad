// Runs on the page: the ensemble report as chart traces and CSV text. Pure (no DOM), so the
// selection of rows behind each plot is unit-tested; every number comes from the worker's report.

import type { Data, Layout } from 'plotly.js';
import type { EnsembleReport, MetricRow } from '../../../protocol/commands/ensembles';

export interface ChartSpec {
  id: string;
  title: string;
  data: Data[];
  layout: Partial<Layout>;
}

const clean = (r: MetricRow) => r.severity === 0 && r.temperature === null;
const byComponents = (a: MetricRow, b: MetricRow) => a.components - b.components;
const pct = (x: number) => 100 * x;

function layout(title: string, x: string, y: string, extra: Partial<Layout> = {}): Partial<Layout> {
  return {
    title: { text: title },
    xaxis: { title: { text: x } },
    yaxis: { title: { text: y } },
    // The legend sits below the x-axis title, inside the bottom margin kept for both.
    margin: { t: 40, r: 10, b: 100, l: 55 },
    height: 360,
    legend: { orientation: 'h', x: 0, y: -0.3, yanchor: 'top' },
    ...extra,
  };
}

/** ESPRO rows over the first k components at M points, and the deep ensemble's, k ascending. */
export function componentCurves(report: EnsembleReport): { espro: MetricRow[]; deep: MetricRow[] } {
  const M = report.params.pointsPerSimplex;
  return {
    espro: report.rows.filter((r) => clean(r) && r.kind === 'espro' && r.points === M).sort(byComponents),
    deep: report.rows.filter((r) => clean(r) && r.kind === 'deepEnsemble').sort(byComponents),
  };
}

/** ESPRO over all components at each grid size of points per simplex, ascending. */
export function pointsCurve(report: EnsembleReport): MetricRow[] {
  const K = report.components.length;
  return report.rows
    .filter((r) => clean(r) && r.kind === 'espro' && r.components === K)
    .sort((a, b) => (a.points ?? 0) - (b.points ?? 0));
}

/** Rows under noise (uncalibrated), plus their clean counterparts at severity 0. */
export function robustnessRows(report: EnsembleReport): MetricRow[] {
  const predictor = (r: MetricRow) => `${r.kind}/${r.component ?? 'all'}/${r.components}/${r.points ?? '-'}`;
  const noisy = new Set(report.rows.filter((r) => r.severity > 0).map(predictor));
  return report.rows.filter((r) => r.temperature === null && noisy.has(predictor(r)));
}

export function reportCharts(report: EnsembleReport): ChartSpec[] {
  const { espro, deep } = componentCurves(report);
  const K = report.components.length;
  const line = (
    rows: MetricRow[],
    y: (r: MetricRow) => number,
    name: string,
    x: (r: MetricRow) => number = (r) => r.components,
  ): Data => ({ type: 'scatter', mode: 'lines+markers', name, x: rows.map(x), y: rows.map(y) });
  const charts: ChartSpec[] = [
    {
      id: 'error-components',
      title: 'Test error against number of components',
      data: [line(espro, (r) => pct(r.error), 'ESPRO'), line(deep, (r) => pct(r.error), 'Deep ensemble')],
      layout: layout('Test error (%) vs components', 'components (first k)', 'error %', {
        xaxis: { title: { text: 'components (first k)' }, dtick: 1 },
      }),
    },
    {
      id: 'nll-components',
      title: 'Test NLL against number of components',
      data: [line(espro, (r) => r.nll, 'ESPRO'), line(deep, (r) => r.nll, 'Deep ensemble')],
      layout: layout('Test NLL vs components', 'components (first k)', 'NLL', {
        xaxis: { title: { text: 'components (first k)' }, dtick: 1 },
      }),
    },
  ];
  const points = pointsCurve(report);
  charts.push({
    id: 'error-points',
    title: 'ESPRO test error against points per simplex',
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: `ESPRO, ${K} component${K === 1 ? '' : 's'}`,
        x: points.map((r) => r.points ?? 0),
        y: points.map((r) => pct(r.error)),
      },
    ],
    layout: layout('ESPRO error (%) vs points per simplex (M)', 'M', 'error %', {
      xaxis: { title: { text: 'points per simplex M' }, type: 'log' },
    }),
  });
  charts.push({
    id: 'reliability',
    title: 'Reliability diagram',
    data: [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'perfect calibration',
        x: [0, 1],
        y: [0, 1],
        line: { dash: 'dot', color: '#999' },
      },
      ...report.reliability.map((series): Data => ({
        type: 'scatter',
        mode: 'lines+markers',
        name: series.label,
        x: series.bins.filter((b) => b.count > 0).map((b) => b.confidence),
        y: series.bins.filter((b) => b.count > 0).map((b) => b.accuracy),
      })),
    ],
    layout: layout('Reliability (15 bins)', 'confidence', 'accuracy', {
      xaxis: { title: { text: 'mean confidence in bin' }, range: [0, 1] },
      yaxis: { title: { text: 'accuracy in bin' }, range: [0, 1] },
    }),
  });
  const known = (rows: MetricRow[]) => rows.filter((r) => r.cost !== null);
  charts.push({
    id: 'error-cost',
    title: 'Test error against training cost',
    data: [
      line(
        known(espro),
        (r) => pct(r.error),
        'ESPRO',
        (r) => r.cost ?? 0,
      ),
      line(
        known(deep),
        (r) => pct(r.error),
        'Deep ensemble',
        (r) => r.cost ?? 0,
      ),
    ],
    layout: layout('Error (%) vs training cost', 'images forward and backward', 'error %', {
      xaxis: { title: { text: 'images passed forward and backward (n_sample draws counted)' } },
    }),
  });
  const noisy = robustnessRows(report);
  if (noisy.some((r) => r.severity > 0)) {
    const series = (kind: MetricRow['kind'], name: string, y: (r: MetricRow) => number): Data => {
      const rows = noisy
        .filter((r) => r.kind === kind && r.component === null)
        .sort((a, b) => a.severity - b.severity);
      return { type: 'scatter', mode: 'lines+markers', name, x: rows.map((r) => r.sigma), y: rows.map(y) };
    };
    for (const [id, what, y] of [
      ['error-noise', 'error %', (r: MetricRow) => pct(r.error)],
      ['nll-noise', 'NLL', (r: MetricRow) => r.nll],
    ] as const) {
      charts.push({
        id,
        title: `Test ${what} under Gaussian noise`,
        data: [series('espro', 'ESPRO', y), series('deepEnsemble', 'Deep ensemble', y)],
        layout: layout(`${what} under Gaussian noise`, 'σ', what, {
          xaxis: { title: { text: 'noise σ on [0,1] pixels (0 = clean)' } },
        }),
      });
    }
  }
  return charts;
}

export const CSV_COLUMNS = [
  'predictor',
  'kind',
  'component',
  'components',
  'points_per_simplex',
  'noise_severity',
  'noise_sigma',
  'temperature',
  'images',
  'error',
  'nll',
  'brier',
  'ece15',
  'training_cost_images',
] as const;

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The table as CSV: one header line, then one line per row in table order (full precision). */
export function reportCsv(report: EnsembleReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of report.rows) {
    const fields: (string | number | null)[] = [
      r.label,
      r.kind,
      r.component === null ? null : r.component + 1,
      r.components,
      r.points,
      r.severity,
      r.sigma,
      r.temperature,
      r.images,
      r.error,
      r.nll,
      r.brier,
      r.ece,
      r.cost,
    ];
    lines.push(fields.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}
