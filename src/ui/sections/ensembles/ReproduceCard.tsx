// Runs on the page: the Ensembles section's "Reproduce the paper" card. Trains K base models and K
// three-vertex simplexes on the section's dataset (reproduction.ts), then shows DE against ESPRO
// for k = 1…K as the CLI's `reproduce` reports it: the table, the Fig. 8-style charts, and CSV,
// JSON and Markdown downloads.

import { useState, useSyncExternalStore } from 'react';
import type { Data, Layout } from 'plotly.js';
import type { DatasetInfo } from '../../../protocol/commands/data';
import {
  reportCharts,
  reportCsv,
  reportJson,
  reportMarkdown,
  summarise,
  type ReproduceReport,
} from '../../../protocol/reproduceReport';
import { PRESETS, PRESET_LABELS, presetSettings, type Preset } from '../../../protocol/settings';
import { PlotlyChart } from '../../charts/PlotlyChart';
import { ErrorNotice } from '../../components/ErrorNotice';
import { NumberField } from '../../components/NumberField';
import { SelectField } from '../../components/SelectField';
import { saveBlob } from '../../download';
import { useEngine } from '../../engineContext';
import { reproductionFor, type ReproductionPlan } from './reproduction';

type Field = 'members' | 'seed' | 'baseEpochs' | 'trainLimit' | 'points';
const LIMITS: Record<Field, { min: number; max: number }> = {
  members: { min: 1, max: 8 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  baseEpochs: { min: 1, max: 1000 },
  trainLimit: { min: 0, max: 10_000_000 },
  points: { min: 1, max: 1000 },
};
// Labels no other field of the section contains (tests and screen readers find fields by them).
const LABELS: Record<Field, string> = {
  members: 'Members of each method (K)',
  seed: 'Reproduction seed',
  baseEpochs: 'Base epochs of each member',
  trainLimit: 'Training images of each member (0: all)',
  points: 'Points drawn on each ESPRO simplex',
};

function defaults(preset: Preset): Record<Field, string> {
  const s = presetSettings(preset, 'base');
  return {
    members: '3',
    seed: '1',
    baseEpochs: String(s.baseEpochs),
    trainLimit: String(s.trainLimit),
    points: preset === 'reference' ? '25' : '10',
  };
}

export function ReproduceCard({ dataset }: { dataset: DatasetInfo | null }) {
  const { client } = useEngine();
  const reproduction = reproductionFor(client);
  const state = useSyncExternalStore(reproduction.subscribe, reproduction.getSnapshot);
  const [preset, setPreset] = useState<Preset>('cpu');
  const [text, setText] = useState(() => defaults('cpu'));
  const values = Object.fromEntries(Object.entries(text).map(([k, v]) => [k, Number(v)])) as Record<
    Field,
    number
  >;
  const errors = Object.fromEntries(
    (Object.keys(LIMITS) as Field[])
      .filter((k) => !Number.isInteger(values[k]) || values[k] < LIMITS[k].min || values[k] > LIMITS[k].max)
      .map((k) => [k, `A whole number from ${LIMITS[k].min} to ${LIMITS[k].max}.`]),
  ) as Partial<Record<Field, string>>;
  const busy = state.phase === 'training' || state.phase === 'evaluating';
  const ready = dataset !== null && Object.keys(errors).length === 0 && !busy;

  const start = () => {
    if (!dataset) return;
    const plan: ReproductionPlan = {
      datasetId: dataset.id,
      datasetName: dataset.name,
      classes: dataset.classNames.length,
      preset,
      ...values,
    };
    void reproduction.start(plan);
  };

  return (
    <div className="card" data-testid="reproduce-card" data-phase={state.phase}>
      <h3 style={{ marginTop: 0 }}>Reproduce the paper (Fig. 8)</h3>
      <p className="muted">
        Trains K independent base models (the deep ensemble) and K simplexes of three vertices, each grown
        from a further base model (ESPRO’s components), one after another as ordinary runs on{' '}
        {dataset ? dataset.name : 'the dataset above'}; then evaluates both on its whole test split for k =
        1…K, with what the members cost to train. The CLI’s <code>reproduce</code> does the same with members
        as separate processes and several seeds.
      </p>
      <div className="field-grid">
        <SelectField
          id="reproduce-preset"
          label="Member settings"
          value={preset}
          options={PRESETS.map((p) => ({ value: p, label: PRESET_LABELS[p] }))}
          onChange={(p) => {
            setPreset(p);
            setText(defaults(p));
          }}
          disabled={busy}
        />
        {(Object.keys(LABELS) as Field[]).map((k) => (
          <NumberField
            key={k}
            id={`reproduce-${k}`}
            testId={`reproduce-${k}`}
            label={LABELS[k]}
            text={text[k]}
            integer
            error={errors[k]}
            disabled={busy}
            onChange={(t) => {
              setText({ ...text, [k]: t });
            }}
          />
        ))}
      </div>
      <div className="field-inline">
        <button type="button" disabled={!ready} onClick={start}>
          Reproduce the paper
        </button>
        <button type="button" disabled={!busy} onClick={() => void reproduction.cancel()}>
          Stop the reproduction
        </button>
      </div>
      {'members' in state ? (
        <ul className="reproduce-members">
          {state.members.map((m) => (
            <li key={m.label} data-testid="reproduce-member" data-state={m.state}>
              {m.label}: {m.state}
            </li>
          ))}
          {state.phase === 'evaluating' ? <li>Evaluating both methods on the test split…</li> : null}
        </ul>
      ) : null}
      {(state.phase === 'failed' || state.phase === 'cancelled') && state.error ? (
        <ErrorNotice error={state.error} />
      ) : null}
      {state.phase === 'cancelled' ? (
        <p className="muted">Cancelled; the finished runs stay in Runs and the model library.</p>
      ) : null}
      {state.phase === 'done' ? <ReproduceReportView report={state.report} /> : null}
    </div>
  );
}

const DOWNLOADS: { label: string; render: (r: ReproduceReport) => string; ext: string; type: string }[] = [
  { label: 'CSV', render: reportCsv, ext: 'csv', type: 'text/csv' },
  { label: 'JSON', render: reportJson, ext: 'json', type: 'application/json' },
  { label: 'Markdown', render: reportMarkdown, ext: 'md', type: 'text/markdown' },
];

function ReproduceReportView({ report }: { report: ReproduceReport }) {
  const name = `reproduce-${report.dataset.replace(/[^A-Za-z0-9-]+/g, '_').replace(/^_+|_+$/g, '')}`;
  const download = (text: string, ext: string, type: string) => {
    saveBlob(new Blob([text], { type }), `${name}.${ext}`);
  };
  return (
    <>
      <table data-testid="reproduce-table">
        <thead>
          <tr>
            <th>k</th>
            <th>method</th>
            <th>test error %</th>
            <th>NLL</th>
            <th>ECE</th>
            <th>Brier</th>
            <th>training s</th>
          </tr>
        </thead>
        <tbody>
          {summarise(report).map((s) => (
            <tr
              key={`${s.method}${s.k}`}
              data-method={s.method}
              data-k={s.k}
              data-error={s.error[0]}
              data-nll={s.nll[0]}
            >
              <td>{s.k}</td>
              <td>{s.method}</td>
              <td>{(100 * s.error[0]).toFixed(2)}</td>
              <td>{s.nll[0].toFixed(4)}</td>
              <td>{s.ece[0].toFixed(4)}</td>
              <td>{s.brier[0].toFixed(4)}</td>
              <td>{s.seconds.toFixed(0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="field-inline">
        {DOWNLOADS.map(({ label, render, ext, type }) => (
          <button
            key={ext}
            type="button"
            onClick={() => {
              download(render(report), ext, type);
            }}
          >
            Download as {label}
          </button>
        ))}
      </div>
      {reportCharts(report).map((c) => (
        <PlotlyChart
          key={c.id}
          label={c.title}
          testId={`reproduce-${c.id}`}
          data={c.data as Data[]}
          layout={{ ...(c.layout as Partial<Layout>), height: 320 }}
        />
      ))}
    </>
  );
}
