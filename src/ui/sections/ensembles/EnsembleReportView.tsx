// Runs on the page: an ensemble report: what was evaluated and what each component cost, then
// the charts and the table of every predictor's metrics.

import type { EnsembleReport } from '../../../protocol/commands/ensembles';
import { EnsembleCharts } from './EnsembleCharts';
import { EnsembleTable, costLabel } from './EnsembleTable';

export function EnsembleReportView({ report }: { report: EnsembleReport }) {
  return (
    <>
      <div className="card" data-testid="ensemble-summary">
        <h3 style={{ marginTop: 0 }}>Report</h3>
        <p>
          {report.datasetName}: {report.testImages} test images, M = {report.params.pointsPerSimplex} points
          per simplex, seed {report.params.seed}, {report.seconds.toFixed(1)} s.{' '}
          {report.heldOut ? `Temperatures fitted on ${report.heldOut.note}.` : 'No temperature scaling.'}
        </p>
        <table>
          <thead>
            <tr>
              <th>Component</th>
              <th>Simplex</th>
              <th>Base mode</th>
              <th>Training cost</th>
              <th>How counted</th>
            </tr>
          </thead>
          <tbody>
            {report.components.map((c) => (
              <tr key={c.label}>
                <td>{c.label}</td>
                <td>{`{${c.simplex.join(',')}}`}</td>
                <td>vertex {c.modeVertex}</td>
                <td>
                  {costLabel(c.cost)} (mode {costLabel(c.modeCost)})
                </td>
                <td className="muted">{c.costNote}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">
          &ldquo;One random point per batch&rdquo; is the number the reference code logs as test accuracy: one
          fresh point (of a random component) per test batch, not the ensemble&apos;s prediction.
        </p>
      </div>
      <EnsembleCharts report={report} />
      <EnsembleTable report={report} />
    </>
  );
}
