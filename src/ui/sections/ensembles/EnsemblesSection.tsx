// Runs on the page: the Ensembles section. Pick components (simplexes of library models) and how
// to evaluate them; the worker computes ESPRO, the deep ensemble of base modes, each component and
// the reference's one-random-point-per-batch number, with progress and cancel; the page draws the
// report and exports it.

import { useMemo, useRef, useState } from 'react';
import {
  NOISE_SEVERITIES,
  type EnsembleEvalParams,
  type EnsembleProgress,
  type EnsembleReport,
} from '../../../protocol/commands/ensembles';
import type { DatasetId } from '../../../protocol/commands/data';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';
import { candidates, chosenComponents } from './candidates';
import { EnsembleCharts } from './EnsembleCharts';
import { EnsembleTable, costLabel } from './EnsembleTable';
import { useEnsembleInputs } from './useEnsembleInputs';

const BATCH_SIZE = 128;

function whole(text: string, fallback: number): number {
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

export function EnsemblesSection() {
  const { client } = useEngine();
  const inputs = useEnsembleInputs();
  const [datasetChoice, setDatasetChoice] = useState<DatasetId | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [points, setPoints] = useState(25);
  const [testLimit, setTestLimit] = useState(0);
  const [calibrate, setCalibrate] = useState(false);
  const [heldOutChoice, setHeldOut] = useState<number | null>(null);
  const [noise, setNoise] = useState(false);
  const [seed, setSeed] = useState(1);
  const [progress, setProgress] = useState<EnsembleProgress | null>(null);
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<EnsembleReport | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const abort = useRef<AbortController | null>(null);

  const datasets = inputs.datasets ?? [];
  const dataset = datasets.find((d) => d.id === datasetChoice) ?? datasets[0] ?? null;
  const trainCount = dataset?.splits.train.count ?? 0;
  // Default held-out slice: the last 10% of the train split.
  const heldOut = Math.min(heldOutChoice ?? Math.round(trainCount / 10), trainCount);
  const list = useMemo(
    () => candidates(inputs.models ?? [], dataset, selected),
    [inputs.models, dataset, selected],
  );
  const chosen = chosenComponents(list, selected);

  const toggle = (key: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(key);
    else next.delete(key);
    setSelected(next);
  };

  const run = async () => {
    if (!dataset || chosen.length === 0) return;
    const params: EnsembleEvalParams = {
      components: chosen,
      datasetId: dataset.id,
      pointsPerSimplex: points,
      testLimit,
      heldOut: calibrate ? heldOut : 0,
      noise,
      seed,
      batchSize: BATCH_SIZE,
    };
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setError(null);
    setProgress(null);
    try {
      const result = await client.call('evaluateEnsemble', params, {
        signal: controller.signal,
        onProgress: setProgress,
      });
      setReport(result);
    } catch (err) {
      setError(toErrorInfo(err));
    } finally {
      setRunning(false);
      abort.current = null;
    }
  };

  return (
    <>
      <div className="card">
        <h3 style={{ marginTop: 0 }}>Components</h3>
        {inputs.error ? (
          <p role="alert" className="error">
            {inputs.error.message}
          </p>
        ) : null}
        <p>
          <label>
            Evaluation dataset{' '}
            <select
              value={dataset?.id ?? ''}
              onChange={(e) => {
                setDatasetChoice(e.target.value);
              }}
            >
              {datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} ({d.classNames.length} classes, {d.splits.test.count} test images)
                </option>
              ))}
            </select>
          </label>{' '}
          <button type="button" onClick={inputs.reload}>
            Refresh library
          </button>
        </p>
        {inputs.models === null ? (
          <p className="muted">Loading…</p>
        ) : list.length === 0 ? (
          <p className="muted" data-testid="ensemble-no-models">
            No models yet: train or import some in the Train or Models section.
          </p>
        ) : (
          <ul style={{ listStyle: 'none', paddingLeft: 0 }}>
            {list.map((c) => (
              <li key={c.key} data-testid="ensemble-candidate">
                <label className={c.disabled ? 'muted' : undefined}>
                  <input
                    type="checkbox"
                    checked={selected.has(c.key) && c.disabled === null}
                    disabled={c.disabled !== null || running}
                    onChange={(e) => {
                      toggle(c.key, e.target.checked);
                    }}
                  />{' '}
                  {c.label}
                </label>{' '}
                <span className="muted" data-field="why">
                  {c.disabled ? `— not available: ${c.disabled}` : ''}
                </span>
              </li>
            ))}
          </ul>
        )}
        <p className="muted">
          Each simplex is one component. Components are averaged class by class on the same images, so they
          must share architecture, width and classes, and be trained on the dataset evaluated (or imported
          without one). The first k chosen, in this order, make the k-component points of the plots.
        </p>
      </div>

      <div className="card">
        <h3 style={{ marginTop: 0 }}>Evaluation</h3>
        <p>
          <label>
            Points per simplex (M){' '}
            <input
              type="number"
              min={1}
              max={1000}
              value={points}
              onChange={(e) => {
                setPoints(Math.max(1, whole(e.target.value, points)));
              }}
            />
          </label>{' '}
          <label>
            Test images (0 = all){' '}
            <input
              type="number"
              min={0}
              value={testLimit}
              onChange={(e) => {
                setTestLimit(whole(e.target.value, testLimit));
              }}
            />
          </label>{' '}
          <label>
            Seed{' '}
            <input
              type="number"
              min={0}
              value={seed}
              onChange={(e) => {
                setSeed(whole(e.target.value, seed));
              }}
            />
          </label>
        </p>
        <p>
          <label>
            <input
              type="checkbox"
              checked={calibrate}
              onChange={(e) => {
                setCalibrate(e.target.checked);
              }}
            />{' '}
            Temperature scaling
          </label>{' '}
          <label>
            Held-out train images{' '}
            <input
              type="number"
              min={1}
              disabled={!calibrate}
              value={heldOut}
              onChange={(e) => {
                setHeldOut(whole(e.target.value, heldOut));
              }}
            />
          </label>{' '}
          {calibrate && dataset ? (
            <span className="muted" data-testid="ensemble-heldout">
              T is fitted on the last {heldOut} images of the {dataset.name} train split (images{' '}
              {trainCount - heldOut}…{trainCount - 1}).
            </span>
          ) : null}
        </p>
        <p>
          <label>
            <input
              type="checkbox"
              checked={noise}
              onChange={(e) => {
                setNoise(e.target.checked);
              }}
            />{' '}
            Gaussian noise robustness
          </label>{' '}
          <span className="muted">
            σ = {NOISE_SEVERITIES.join(', ')} on [0,1] pixels (CIFAR-10-C severities 1–5), seeded: the test
            images are evaluated five more times.
          </span>
        </p>
        <p>
          <button
            type="button"
            disabled={running || chosen.length === 0 || !dataset}
            onClick={() => void run()}
          >
            Evaluate {chosen.length} component{chosen.length === 1 ? '' : 's'}
          </button>{' '}
          {running ? (
            <button
              type="button"
              onClick={() => {
                abort.current?.abort();
              }}
            >
              Cancel
            </button>
          ) : null}
        </p>
        {running ? (
          <p data-testid="ensemble-progress">
            <progress value={progress?.done ?? 0} max={progress?.total ?? 1} />{' '}
            {progress ? `${progress.phase}: pass ${progress.done} of ${progress.total}` : 'Loading models…'}
          </p>
        ) : null}
        {error ? (
          <p
            role="alert"
            className={error.code === 'CANCELLED' ? 'muted' : 'error'}
            data-testid="ensemble-error"
          >
            {error.code === 'CANCELLED' ? 'Evaluation cancelled.' : error.message}
          </p>
        ) : null}
      </div>

      {report ? <ReportView report={report} /> : null}
    </>
  );
}

function ReportView({ report }: { report: EnsembleReport }) {
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
