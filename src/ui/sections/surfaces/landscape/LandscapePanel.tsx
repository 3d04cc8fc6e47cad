// Runs on the page: the Surfaces section's Landscapes card. The pictures loss-landscape and the
// mode-connectivity papers draw, from the same stored models: the straight line between two
// models with its barrier, a random-direction line or plane around one (filter-normalised), and
// the plane of a run's training path with the path on it. Computed in the worker (the grid fills
// as it goes), clicked points evaluated there, exported as CSV, JSON, loss-landscape's .h5 and PNG.

import { useCallback, useMemo, useRef, useState } from 'react';
import type { PathSummary } from '../../../../protocol/commands/landscapes';
import type { ModelSummary } from '../../../../protocol/commands/models';
import { RECOMPUTE_BATCH } from '../../../../protocol/batchNorm';
import { toErrorInfo, type ErrorInfo } from '../../../../protocol/errors';
import {
  LANDSCAPE_KINDS,
  landscapeCsv,
  landscapeFileStem,
  landscapeJson,
  pointCount,
  type Landscape,
  type LandscapeKind,
} from '../../../../protocol/landscape';
import { PlotlyChart, loadPlotly } from '../../../charts/PlotlyChart';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { NumberField } from '../../../components/NumberField';
import { SelectField, type SelectOption } from '../../../components/SelectField';
import { saveBlob } from '../../../download';
import type { EngineClient } from '../../../engineClient';
import { useEngine } from '../../../engineContext';
import { useWorkerJob } from '../../../hooks/useWorkerJob';
import { useWorkerQuery } from '../../../hooks/useWorkerQuery';
import { hasBatchNorm } from '../../models/describe';
import {
  curveOptions,
  initialLandscapeForm,
  parseLandscapeForm,
  pathOptions,
  vertexOptions,
  withKind,
  type LandscapeForm,
  type LandscapeNumberKey,
} from './landscapeForm';
import {
  lineLayout,
  lineTraces,
  planeLayout,
  planeTraces,
  type LandscapeView,
  type PlaneView,
} from './landscapePlots';

const KINDS: SelectOption<LandscapeKind>[] = (Object.keys(LANDSCAPE_KINDS) as LandscapeKind[]).map((k) => ({
  value: k,
  label: LANDSCAPE_KINDS[k],
}));
const NORMS: SelectOption<'filter' | 'layer' | 'none'>[] = [
  { value: 'filter', label: 'Filter (loss-landscape’s)' },
  { value: 'layer', label: 'Layer' },
  { value: 'none', label: 'None' },
];
const VIEWS: SelectOption<PlaneView>[] = [
  { value: 'contour', label: 'Contour' },
  { value: 'heatmap', label: 'Heat map' },
  { value: 'surface', label: '3-D surface' },
];
const DIMS: SelectOption<1 | 2>[] = [
  { value: 2, label: 'Plane (2 directions)' },
  { value: 1, label: 'Line (1 direction)' },
];
const SPLIT_CHOICES: SelectOption<string>[] = [
  { value: 'train', label: 'Training images' },
  { value: 'test', label: 'Test images' },
  { value: 'train,test', label: 'Both' },
];

const listPaths = (client: EngineClient) => client.call('listPaths', {});

type Readout =
  | { kind: 'busy'; x: number; y: number }
  | { kind: 'done'; x: number; y: number; loss: number; accuracy: number; split: string; images: number }
  | { kind: 'failed'; error: ErrorInfo };

const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));

export function LandscapePanel({
  models,
  datasets,
  defaultDataset,
}: {
  models: readonly ModelSummary[];
  datasets: readonly SelectOption<string>[];
  defaultDataset: string;
}) {
  const { client } = useEngine();
  const [form, setForm] = useState<LandscapeForm>(() => initialLandscapeForm());
  const [view, setView] = useState<LandscapeView>({ view: 'contour', metric: 'loss', log: false, split: 0 });
  const [readout, setReadout] = useState<Readout | null>(null);
  const element = useRef<HTMLDivElement | null>(null);
  const paths = useWorkerQuery(listPaths, 0, ['runs']);
  const pathList: PathSummary[] = paths.data?.paths ?? [];

  const vertices = useMemo(() => vertexOptions(models), [models]);
  const a = form.a ?? vertices[0]?.value ?? null;
  const b = form.b ?? vertices[1]?.value ?? null;
  const runId = form.runId ?? pathList[0]?.runId ?? null;
  const curves = useMemo(() => curveOptions(models), [models]);
  const curveId = form.curveId ?? curves[0]?.value ?? null;
  const chosen = models.find((m) => (form.kind === 'curve' ? curveId : a)?.startsWith(`${m.id}#`));
  const batchNorm =
    form.kind === 'path'
      ? pathList.some(
          (p) =>
            p.runId === runId &&
            hasBatchNorm({
              spec: { architecture: p.architecture, widthScale: p.widthScale, numClasses: 10 },
            }),
        )
      : hasBatchNorm(chosen);
  const datasetId = form.datasetId ?? chosen?.dataset?.id ?? defaultDataset;
  const parsed = parseLandscapeForm({ ...form, a, b, runId, curveId }, datasetId, batchNorm);

  const job = useWorkerJob<NonNullable<typeof parsed.request>, Landscape, Landscape>(
    async (request, { signal, onProgress }) => {
      const { landscape } = await client.call('computeLandscape', request, {
        signal,
        onProgress: (p) => {
          onProgress(p.landscape);
        },
      });
      return landscape;
    },
  );
  const landscape =
    job.status.kind === 'done'
      ? job.status.result
      : job.status.kind === 'idle'
        ? null
        : (job.status.progress ?? null);
  const complete = job.status.kind === 'done';
  const running = job.status.kind === 'running';

  const update = (patch: Partial<LandscapeForm>) => {
    setForm((f) => ({ ...f, a, b, runId, curveId, ...patch }));
  };
  const number = (key: LandscapeNumberKey, label: string, integer: boolean, help?: string) => (
    <NumberField
      id={`landscape-${key}`}
      testId={`landscape-${key}`}
      label={label}
      integer={integer}
      help={help}
      text={form.text[key]}
      error={parsed.errors[key]}
      onChange={(text) => {
        update({ text: { ...form.text, [key]: text } });
      }}
    />
  );

  const evaluate = useCallback(
    (x: number, y: number) => {
      if (!landscape || !complete) return;
      setReadout({ kind: 'busy', x, y });
      client.call('evaluateLandscapePoint', { id: landscape.id, x, y }).then(
        (v) => {
          setReadout({
            kind: 'done',
            x,
            y,
            loss: v.loss,
            accuracy: v.accuracy,
            split: v.split,
            images: v.imagesUsed,
          });
        },
        (err: unknown) => {
          setReadout({ kind: 'failed', error: toErrorInfo(err) });
        },
      );
    },
    [client, landscape, complete],
  );

  const plane = landscape !== null && landscape.y.length > 0;
  const traces = useMemo(
    () => (landscape ? (plane ? planeTraces(landscape, view) : lineTraces(landscape)) : []),
    [landscape, plane, view],
  );
  const layout = useMemo(
    () => (landscape ? (plane ? planeLayout(landscape, view) : lineLayout(landscape, view.log)) : {}),
    [landscape, plane, view],
  );
  const stem = landscape ? landscapeFileStem(landscape) : 'landscape';

  return (
    <div className="card" data-testid="landscapes">
      <h3 style={{ marginTop: 0 }}>Landscapes</h3>
      <p className="muted">
        The pictures of loss-landscape (Li et al. 2018) and of mode connectivity: the straight line between
        two models and its barrier, random filter-normalised directions around one, the plane of a training
        path. Exports open in loss-landscape’s plot_1D.py, plot_2D.py and h52vtp.py (.h5).
      </p>
      <div className="field-grid">
        <SelectField
          id="landscape-kind"
          testId="landscape-kind"
          label="Picture"
          value={form.kind}
          options={KINDS}
          onChange={(kind) => {
            setForm((f) => withKind({ ...f, a, b, runId, curveId }, kind));
            setReadout(null);
          }}
        />
        {form.kind === 'curve' ? (
          curveId !== null ? (
            <SelectField
              id="landscape-curve"
              testId="landscape-curve"
              label="Curve"
              value={curveId}
              options={curves}
              onChange={(key) => {
                update({ curveId: key });
              }}
            />
          ) : (
            <p className="muted" data-testid="landscape-no-curve">
              No curve in the library yet: train one with “Curve between two modes” in the Train section.
            </p>
          )
        ) : form.kind === 'path' ? (
          pathList.length > 0 && runId !== null ? (
            <SelectField
              id="landscape-run"
              testId="landscape-run"
              label="Run"
              value={runId}
              options={pathOptions(pathList)}
              onChange={(id) => {
                update({ runId: id });
              }}
            />
          ) : (
            <p className="muted" data-testid="landscape-no-path">
              No run kept its training path yet: tick “Keep the weights of each epoch” in the Train section.
            </p>
          )
        ) : a !== null ? (
          <SelectField
            id="landscape-a"
            testId="landscape-a"
            label={form.kind === 'interpolation' ? 'From model' : 'Around model'}
            value={a}
            options={vertices}
            onChange={(key) => {
              update({ a: key });
            }}
          />
        ) : null}
        {form.kind === 'interpolation' && b !== null ? (
          <SelectField
            id="landscape-b"
            testId="landscape-b"
            label="To model"
            value={b}
            options={vertices}
            onChange={(key) => {
              update({ b: key });
            }}
          />
        ) : null}
        {form.kind === 'random' ? (
          <>
            <SelectField
              id="landscape-dims"
              testId="landscape-dims"
              label="Directions"
              value={form.dims}
              options={DIMS}
              onChange={(dims) => {
                update({ dims });
              }}
            />
            <SelectField
              id="landscape-norm"
              testId="landscape-norm"
              label="Normalisation"
              value={form.norm}
              options={NORMS}
              onChange={(norm) => {
                update({ norm });
              }}
            />
            {number('seed', 'Seed', true, 'The same seed draws the same directions.')}
            <label className="check">
              <input
                type="checkbox"
                checked={form.ignoreBiasBn}
                onChange={(e) => {
                  update({ ignoreBiasBn: e.target.checked });
                }}
              />{' '}
              Biases and batch norm stay put (--xignore biasbn)
            </label>
          </>
        ) : null}
        {number('points', form.kind === 'interpolation' ? 'Points' : 'Points per axis', true)}
        {form.kind === 'curve' ? null : form.kind === 'path' ? (
          number('margin', 'Margin', false, 'Beyond the path on each side, a fraction of its extent.')
        ) : (
          <>
            {number('from', form.kind === 'interpolation' ? 'From t' : 'From', false)}
            {number('to', form.kind === 'interpolation' ? 'To t' : 'To', false)}
          </>
        )}
        <SelectField
          id="landscape-dataset"
          testId="landscape-dataset"
          label="Dataset"
          value={datasetId}
          options={datasets}
          onChange={(id) => {
            update({ datasetId: id });
          }}
        />
        <SelectField
          id="landscape-splits"
          testId="landscape-splits"
          label="Images"
          value={form.splits.join(',')}
          options={SPLIT_CHOICES}
          onChange={(s) => {
            update({ splits: s.split(',') as LandscapeForm['splits'] });
          }}
        />
        {number('images', 'Images per split', true)}
        {batchNorm ? (
          <>
            {form.kind !== 'interpolation' && form.kind !== 'curve' ? (
              <SelectField
                id="landscape-bn"
                testId="landscape-bn"
                label="Batch-norm statistics"
                value={form.bnStatistics}
                options={[
                  { value: 'recomputed', label: 'Recomputed at each point' },
                  { value: 'stored', label: 'The origin’s stored ones' },
                ]}
                onChange={(bnStatistics) => {
                  update({ bnStatistics });
                }}
              />
            ) : null}
            {number('bnBatches', `Batches of ${RECOMPUTE_BATCH} training images`, true)}
          </>
        ) : null}
      </div>
      {(parsed.errors.models ?? parsed.errors.settings) ? (
        <p className="error">{parsed.errors.models ?? parsed.errors.settings}</p>
      ) : null}
      <div className="export-buttons">
        <button
          type="button"
          data-testid="landscape-compute"
          disabled={parsed.request === null || running}
          onClick={() => {
            setReadout(null);
            if (parsed.request) void job.start(parsed.request);
          }}
        >
          {running ? 'Computing…' : 'Compute'}
        </button>
        {running ? (
          <button type="button" onClick={job.cancel}>
            Stop
          </button>
        ) : null}
      </div>
      {job.status.kind === 'failed' ? <ErrorNotice error={job.status.error} /> : null}
      {landscape ? (
        <>
          <p className="muted" data-testid="landscape-status" aria-live="polite">
            {complete
              ? `Computed: ${pointCount(landscape)} points × ${landscape.values.length} split${landscape.values.length === 1 ? '' : 's'} on ${landscape.imagesUsed.join(' and ')} images in ${landscape.seconds.toFixed(1)} s.` +
                (plane ? ' Click the plot to evaluate a point.' : '')
              : `Computing: ${landscape.done} of ${landscape.total} points…`}
          </p>
          {landscape.barriers.length > 0 ? (
            <p data-testid="landscape-barrier">
              {landscape.kind === 'curve' ? 'Barrier along the curve' : 'Barrier'}:{' '}
              {describeBarriers(landscape.barriers)} (the most the loss rises above the straight line between
              its values at the ends, t in [0, 1]).
            </p>
          ) : null}
          {landscape.lineBarriers.length > 0 ? (
            <p data-testid="landscape-line-barrier">
              Barrier along the straight line between the same ends:{' '}
              {describeBarriers(landscape.lineBarriers)}.
            </p>
          ) : null}
          {landscape.path ? (
            <p className="muted" data-testid="landscape-explained">
              The path’s first two principal directions explain{' '}
              {(100 * landscape.path.explained[0]).toFixed(1)}% and{' '}
              {(100 * landscape.path.explained[1]).toFixed(1)}% of its variance (
              {landscape.path.epochs.length} epochs).
            </p>
          ) : null}
          <div className="field-grid">
            {plane ? (
              <>
                <SelectField
                  id="landscape-view"
                  testId="landscape-view"
                  label="View"
                  value={view.view}
                  options={VIEWS}
                  onChange={(v) => {
                    setView({ ...view, view: v });
                  }}
                />
                <SelectField
                  id="landscape-metric"
                  label="Metric"
                  value={view.metric}
                  options={[
                    { value: 'loss', label: 'Loss' },
                    { value: 'error', label: 'Error' },
                  ]}
                  onChange={(metric) => {
                    setView({ ...view, metric });
                  }}
                />
                {landscape.values.length > 1 ? (
                  <SelectField
                    id="landscape-shown-split"
                    label="Split shown"
                    value={view.split}
                    options={landscape.values.map((v, i) => ({ value: i, label: v.split }))}
                    onChange={(split) => {
                      setView({ ...view, split });
                    }}
                  />
                ) : null}
              </>
            ) : null}
            <label className="check">
              <input
                type="checkbox"
                data-testid="landscape-log"
                checked={view.log}
                onChange={(e) => {
                  setView({ ...view, log: e.target.checked });
                }}
              />{' '}
              Log scale
            </label>
          </div>
          <PlotlyChart
            modeBar
            className="surface-chart"
            data={traces}
            layout={layout}
            label={`${LANDSCAPE_KINDS[landscape.kind]}: ${landscape.models.map((m) => m.name).join(' to ')}`}
            testId="landscape-plot"
            elementRef={element}
            onClick={complete && plane ? evaluate : undefined}
          />
          {readout ? <LandscapeReadout readout={readout} /> : null}
          <div className="export-buttons">
            <button
              type="button"
              data-testid="landscape-export-csv"
              disabled={!complete}
              onClick={() => {
                saveBlob(new Blob([landscapeCsv(landscape)], { type: 'text/csv' }), `${stem}.csv`);
              }}
            >
              CSV
            </button>
            <button
              type="button"
              data-testid="landscape-export-json"
              disabled={!complete}
              onClick={() => {
                saveBlob(new Blob([landscapeJson(landscape)], { type: 'application/json' }), `${stem}.json`);
              }}
            >
              JSON
            </button>
            <button
              type="button"
              data-testid="landscape-export-h5"
              disabled={!complete}
              onClick={() => {
                void client.call('landscapeHdf5', { landscape }).then(({ blob }) => {
                  saveBlob(blob, `${stem}.h5`);
                });
              }}
            >
              HDF5 (.h5)
            </button>
            <button
              type="button"
              disabled={!complete}
              onClick={() => {
                const el = element.current;
                if (el) {
                  void loadPlotly().then((Plotly) =>
                    Plotly.downloadImage(el, { format: 'png', filename: stem, width: 900, height: 700 }),
                  );
                }
              }}
            >
              PNG
            </button>
          </div>
        </>
      ) : null}
    </div>
  );
}

function describeBarriers(barriers: Landscape['barriers']): string {
  return barriers
    .map((b) => `${b.split} loss ${fmt(b.loss)}, error ${(100 * b.error).toFixed(1)} points`)
    .join('; ');
}

function LandscapeReadout({ readout }: { readout: Readout }) {
  if (readout.kind === 'failed') return <ErrorNotice error={readout.error} />;
  const where = `(${fmt(readout.x)}, ${fmt(readout.y)})`;
  if (readout.kind === 'busy') return <p className="muted">Evaluating {where}…</p>;
  return (
    <p data-testid="landscape-point">
      At {where}: loss {fmt(readout.loss)}, accuracy {(100 * readout.accuracy).toFixed(1)}% on{' '}
      {readout.images} {readout.split} images.
    </p>
  );
}
