// Runs on the page: every row of an ensemble report as a table, with the CSV export of exactly
// these rows.

import type { EnsembleReport, MetricRow } from '../../../protocol/commands/ensembles';
import { saveBlob } from '../../download';
import { reportCsv } from './reportData';

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** 1.2e9 images as "1.20 G". */
export function costLabel(cost: number | null): string {
  if (cost === null) return 'unknown';
  if (cost >= 1e9) return `${(cost / 1e9).toFixed(2)} G`;
  if (cost >= 1e6) return `${(cost / 1e6).toFixed(2)} M`;
  if (cost >= 1e3) return `${(cost / 1e3).toFixed(1)} k`;
  return String(cost);
}

function condition(r: MetricRow): string {
  return r.severity === 0 ? 'clean' : `noise ${r.severity} (σ ${r.sigma})`;
}

export function EnsembleTable({ report }: { report: EnsembleReport }) {
  const exportCsv = () => {
    saveBlob(new Blob([reportCsv(report)], { type: 'text/csv' }), `ensemble-${report.params.datasetId}.csv`);
  };
  return (
    <div className="card">
      <h3 style={{ marginTop: 0 }}>All results</h3>
      <p>
        <button type="button" onClick={exportCsv}>
          Export CSV
        </button>{' '}
        <span className="muted">
          {report.rows.length} rows. Error and ECE in %, NLL in nats, Brier as Σ_c (p_c − y_c)². Cost: images
          passed forward and backward in training.
        </span>
      </p>
      <div style={{ overflowX: 'auto' }}>
        <table data-testid="ensemble-table">
          <thead>
            <tr>
              <th>Predictor</th>
              <th>Condition</th>
              <th>Images</th>
              <th>Temperature</th>
              <th>Error %</th>
              <th>NLL</th>
              <th>Brier</th>
              <th>ECE %</th>
              <th>Training cost</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((r) => (
              <tr key={r.key} data-testid="ensemble-row" data-key={r.key}>
                <td data-field="label">{r.label}</td>
                <td data-field="condition">{condition(r)}</td>
                <td data-field="images">{r.images}</td>
                <td data-field="temperature">{r.temperature === null ? '—' : fixed(r.temperature, 3)}</td>
                <td data-field="error">{fixed(100 * r.error, 2)}</td>
                <td data-field="nll">{fixed(r.nll, 4)}</td>
                <td data-field="brier">{fixed(r.brier, 4)}</td>
                <td data-field="ece">{fixed(100 * r.ece, 2)}</td>
                <td data-field="cost">{costLabel(r.cost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
