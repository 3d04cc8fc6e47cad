// The paper's claim as a report (Benton et al. 2021, Fig. 8): deep ensembles (DE) of k independent
// base models against ensembles of k simplexes (ESPRO), for k = 1…K, seed by seed, with what each
// cost to train. Plain data and its renderings (CSV, JSON, Markdown, a self-contained HTML page
// with Plotly charts), shared by the CLI's `reproduce`, the Ensembles section's reproduction and
// the browser test that opens the page.

import type { EnsembleReport } from './commands/ensembles';

export type ReproduceMethod = 'DE' | 'ESPRO';

export interface ReproduceRow {
  seed: number;
  method: ReproduceMethod;
  /** Members averaged. */
  k: number;
  error: number;
  nll: number;
  ece: number;
  brier: number;
  /** What the k members cost to train, together. */
  epochs: number;
  images: number;
  seconds: number;
}

export interface ReproduceMember {
  id: string;
  seed: number;
  method: ReproduceMethod;
  index: number;
  /** finished: its result file is there; otherwise why it is not in the table. */
  state: 'finished' | 'missing';
  note?: string;
}

export interface ReproduceReport {
  preset: string;
  dataset: string;
  testImages: number;
  /** Points drawn on each ESPRO simplex. */
  points: number;
  rows: ReproduceRow[];
  members: ReproduceMember[];
  createdAt: string;
}

/** What training a member (or k of them) cost. */
export interface MemberCost {
  epochs: number;
  /** Optimiser steps × batch size (a step's draws read the same batch). */
  images: number;
  seconds: number;
}

/**
 * A member's cost from its run's epoch points (the CLI's epoch lines, the tab's run history):
 * steps count over the whole run, so images come from the last one.
 */
export function memberCost(
  epochs: readonly { step: number; seconds: number }[],
  batchSize: number,
): MemberCost {
  return {
    epochs: epochs.length,
    images: (epochs.at(-1)?.step ?? 0) * batchSize,
    seconds: epochs.reduce((s, e) => s + e.seconds, 0),
  };
}

export function addCosts(a: MemberCost, b: MemberCost): MemberCost {
  return { epochs: a.epochs + b.epochs, images: a.images + b.images, seconds: a.seconds + b.seconds };
}

const COLUMNS: (keyof ReproduceRow)[] = [
  'seed',
  'method',
  'k',
  'error',
  'nll',
  'ece',
  'brier',
  'epochs',
  'images',
  'seconds',
];

export function reportCsv(r: ReproduceReport): string {
  const lines = [COLUMNS.join(',')];
  for (const row of r.rows) lines.push(COLUMNS.map((c) => String(row[c])).join(','));
  return lines.join('\n') + '\n';
}

export function reportJson(r: ReproduceReport): string {
  return JSON.stringify(r, null, 2);
}

/** Mean and sample standard deviation over seeds of one method at one k. */
export interface SeedSummary {
  method: ReproduceMethod;
  k: number;
  seeds: number;
  error: [number, number];
  nll: [number, number];
  ece: [number, number];
  brier: [number, number];
  seconds: number;
}

export function summarise(r: ReproduceReport): SeedSummary[] {
  const out: SeedSummary[] = [];
  const keys = [...new Set(r.rows.map((x) => `${x.method}|${x.k}`))];
  for (const key of keys) {
    const rows = r.rows.filter((x) => `${x.method}|${x.k}` === key);
    const first = rows[0] as ReproduceRow;
    const stat = (pick: (x: ReproduceRow) => number): [number, number] => {
      const v = rows.map(pick);
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const sd = v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1)) : 0;
      return [mean, sd];
    };
    out.push({
      method: first.method,
      k: first.k,
      seeds: rows.length,
      error: stat((x) => x.error),
      nll: stat((x) => x.nll),
      ece: stat((x) => x.ece),
      brier: stat((x) => x.brier),
      seconds: stat((x) => x.seconds)[0],
    });
  }
  return out.sort((a, b) => a.k - b.k || a.method.localeCompare(b.method));
}

const pct = ([m, s]: [number, number]) => `${(100 * m).toFixed(2)} ± ${(100 * s).toFixed(2)}`;
const fixed = ([m, s]: [number, number]) => `${m.toFixed(4)} ± ${s.toFixed(4)}`;

export function reportMarkdown(r: ReproduceReport): string {
  const lines = [
    `DE against ESPRO on ${r.dataset} (${r.testImages} test images), preset ${r.preset}, ESPRO points per simplex ${r.points}; mean ± sd over seeds.`,
    '',
    '| k | method | seeds | test error % | NLL | ECE | Brier | training s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summarise(r).map(
      (s) =>
        `| ${s.k} | ${s.method} | ${s.seeds} | ${pct(s.error)} | ${fixed(s.nll)} | ${fixed(s.ece)} | ${fixed(s.brier)} | ${s.seconds.toFixed(0)} |`,
    ),
  ];
  const missing = r.members.filter((m) => m.state === 'missing');
  if (missing.length > 0) {
    lines.push(
      '',
      `Not in the table (${missing.length}):`,
      ...missing.map((m) => `- ${m.id}: ${m.note ?? 'missing'}`),
    );
  }
  return lines.join('\n') + '\n';
}

/** Plotly traces of one metric against k, a line per method (mean ± sd over seeds). */
function metricTraces(r: ReproduceReport, metric: 'error' | 'nll'): unknown[] {
  const summary = summarise(r);
  return (['DE', 'ESPRO'] as const).map((method) => {
    const rows = summary.filter((s) => s.method === method);
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: method,
      x: rows.map((s) => s.k),
      y: rows.map((s) => (metric === 'error' ? 100 * s.error[0] : s.nll[0])),
      error_y: {
        type: 'data',
        array: rows.map((s) => (metric === 'error' ? 100 * s.error[1] : s.nll[1])),
        visible: true,
      },
    };
  });
}

/** Test error against training seconds, every seed's point. */
function costTraces(r: ReproduceReport): unknown[] {
  return (['DE', 'ESPRO'] as const).map((method) => {
    const rows = r.rows.filter((x) => x.method === method);
    return {
      type: 'scatter',
      mode: 'markers',
      name: method,
      x: rows.map((x) => x.seconds),
      y: rows.map((x) => 100 * x.error),
      text: rows.map((x) => `k = ${x.k}, seed ${x.seed}`),
    };
  });
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface ReportChart {
  id: 'chart-error' | 'chart-nll' | 'chart-cost';
  title: string;
  data: unknown[];
  layout: Record<string, unknown>;
}

/** The Fig. 8-style charts: error and NLL against k (mean ± sd over seeds), error against time. */
export function reportCharts(r: ReproduceReport): ReportChart[] {
  const axes = (title: string, x: string, y: string) => ({
    title: { text: title },
    xaxis: { title: { text: x }, ...(x === 'members k' ? { dtick: 1 } : {}) },
    yaxis: { title: { text: y } },
  });
  return [
    {
      id: 'chart-error',
      title: 'Test error (%) against members',
      data: metricTraces(r, 'error'),
      layout: axes('Test error (%) against members', 'members k', 'test error %'),
    },
    {
      id: 'chart-nll',
      title: 'Test NLL against members',
      data: metricTraces(r, 'nll'),
      layout: axes('Test NLL against members', 'members k', 'NLL'),
    },
    {
      id: 'chart-cost',
      title: 'Test error (%) against training time',
      data: costTraces(r),
      layout: axes(
        'Test error (%) against training time',
        'training seconds of the k members',
        'test error %',
      ),
    },
  ];
}

/**
 * One HTML file that opens anywhere without a network: the table, and Fig. 8-style charts drawn by
 * the Plotly bundle given (`plotly` is plotly.min.js's source, inlined).
 */
export function reportHtml(r: ReproduceReport, plotly: string): string {
  const charts = Object.fromEntries(reportCharts(r).map((c) => [c.id, { data: c.data, layout: c.layout }]));
  const table = reportMarkdown(r)
    .split('\n')
    .filter((l) => l.startsWith('|') && !l.startsWith('| ---'))
    .map((l, i) => {
      const cells = l
        .split('|')
        .slice(1, -1)
        .map((c) => escapeHtml(c.trim()));
      const tag = i === 0 ? 'th' : 'td';
      return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
    })
    .join('\n');
  const missing = r.members.filter((m) => m.state === 'missing');
  // </script> cannot end the inlined JSON early: '<' is escaped as \u003c.
  const json = JSON.stringify(charts).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DE against ESPRO: ${escapeHtml(r.dataset)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}.chart{height:420px}</style>
<script>${plotly.replace(/<\/script/gi, '<\\/script')}</script>
</head><body>
<h1>Deep ensembles against ESPRO</h1>
<p>${escapeHtml(`${r.dataset}, ${r.testImages} test images, preset ${r.preset}, ${r.points} points per ESPRO simplex; made ${r.createdAt}.`)}</p>
<table>${table}</table>
${missing.length > 0 ? `<p>Not in the table: ${missing.map((m) => escapeHtml(`${m.id} (${m.note ?? 'missing'})`)).join(', ')}</p>` : ''}
<div id="chart-error" class="chart"></div><div id="chart-nll" class="chart"></div><div id="chart-cost" class="chart"></div>
<script>const charts = ${json};
for (const [id, c] of Object.entries(charts)) Plotly.newPlot(id, c.data, c.layout, { displaylogo: false });</script>
</body></html>
`;
}

/**
 * The rows of one method from the Ensembles section's report on its members (in member order):
 * for k = 1…K the clean, uncalibrated ESPRO row over the first k components at the report's M
 * points. Over one-vertex components that is the deep ensemble: the softmax of k independent
 * models averaged. `costs` are the members' own, added up to k.
 */
export function rowsFromEnsembleReport(
  report: Pick<EnsembleReport, 'rows' | 'params'>,
  method: ReproduceMethod,
  seed: number,
  costs: readonly MemberCost[],
): ReproduceRow[] {
  const out: ReproduceRow[] = [];
  let cost: MemberCost = { epochs: 0, images: 0, seconds: 0 };
  costs.forEach((c, i) => {
    cost = addCosts(cost, c);
    const row = report.rows.find(
      (r) =>
        r.kind === 'espro' &&
        r.components === i + 1 &&
        r.points === report.params.pointsPerSimplex &&
        r.severity === 0 &&
        r.temperature === null,
    );
    if (!row) return;
    out.push({
      seed,
      method,
      k: i + 1,
      error: row.error,
      nll: row.nll,
      ece: row.ece,
      brier: row.brier,
      ...cost,
    });
  });
  return out;
}
