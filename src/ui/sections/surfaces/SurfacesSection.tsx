// Runs on the page: the Surfaces section. Pick a model and a face (or all faces of its complex),
// compute the loss over the face's plane in the worker (partial grids stream in coarse to fine),
// draw the faces side by side on one colour scale, and offer edge profiles and a 3-D view.

import { useEffect, useMemo, useRef, useState } from 'react';
import type { DatasetId } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import {
  MAX_GRID_SIZE,
  MIN_GRID_SIZE,
  SURFACE_DEFAULTS,
  edgesOf,
  facesOf,
  type FaceIndices,
  type SurfaceGrid,
  type SurfaceSettings,
} from '../../../protocol/commands/surfaces';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';
import { useModelLibrary } from '../models/useModelLibrary';
import { useDatasets } from '../data/useDatasets';
import { ComplexPanel } from './ComplexPanel';
import { EdgeProfilesPanel } from './EdgeProfilesPanel';
import { FacePanel } from './FacePanel';
import { loadPlotly } from '../../charts/PlotlyChart';
import { colourRange, type ColourOptions } from './surfacePlots';
import { settleSurfaceRequest, useSurfaceRequest, type SurfaceRequest } from './surfaceRequest';
import './surfaces.css';

const ALL = 'all';

/** The complex's faces first, then every other triple of vertices. */
function faceOptions(model: ModelSummary): { value: string; label: string }[] {
  const inComplex = facesOf(model.complex);
  const known = new Set(inComplex.map((f) => f.join()));
  const others = facesOf([Array.from({ length: model.vertexCount }, (_, i) => i)]).filter(
    (f) => !known.has(f.join()),
  );
  const label = (f: FaceIndices) => `v${f[0]}, v${f[1]}, v${f[2]}`;
  return [
    ...(inComplex.length > 1 ? [{ value: ALL, label: `All ${inComplex.length} faces` }] : []),
    ...inComplex.map((f) => ({ value: f.join(), label: label(f) })),
    ...others.map((f) => ({ value: f.join(), label: `${label(f)} (not a face of the complex)` })),
  ];
}

function parseFace(value: string): FaceIndices {
  const [a, b, c] = value.split(',').map(Number);
  return [a ?? 0, b ?? 1, c ?? 2];
}

function defaultDataset(model: ModelSummary | undefined): DatasetId {
  return model?.dataset?.id ?? SURFACE_DEFAULTS.datasetId;
}

interface Shown {
  grid: SurfaceGrid;
  cached: boolean;
}

export function SurfacesSection() {
  const { client } = useEngine();
  const library = useModelLibrary();
  const eligible = useMemo(() => (library.models ?? []).filter((m) => m.vertexCount >= 2), [library.models]);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const model =
    eligible.find((m) => m.id === chosenId) ?? eligible.find((m) => m.vertexCount >= 3) ?? eligible[0];
  const options = useMemo(() => (model && model.vertexCount >= 3 ? faceOptions(model) : []), [model]);
  const [chosenFace, setChosenFace] = useState<string | null>(null);
  const faceChoice = options.some((o) => o.value === chosenFace)
    ? (chosenFace as string)
    : (options[0]?.value ?? '');
  const [settings, setSettings] = useState<
    Omit<SurfaceSettings, 'datasetId'> & { datasetId: DatasetId | null }
  >({
    ...SURFACE_DEFAULTS,
    datasetId: null,
  });
  const full: SurfaceSettings = { ...settings, datasetId: settings.datasetId ?? defaultDataset(model) };
  const { datasets } = useDatasets();
  const datasetOptions = useMemo(() => {
    const stored = (datasets ?? []).map((d) => ({ id: d.id, name: d.name }));
    // A model's dataset that is not (or not yet) listed stays selectable under its id.
    return stored.some((d) => d.id === full.datasetId)
      ? stored
      : [...stored, { id: full.datasetId, name: model?.dataset?.name ?? full.datasetId }];
  }, [datasets, full.datasetId, model?.dataset?.name]);
  const [colour, setColour] = useState<Omit<ColourOptions, 'metric'>>({
    scale: 'linear',
    clipQuantile: 0.95,
  });
  const [shown, setShown] = useState<Shown[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const job = useRef<AbortController | null>(null);

  // Fetch Plotly (a few MB) while the user picks settings, so the first partial grid draws at once.
  useEffect(() => {
    void loadPlotly();
  }, []);

  const colourOptions: ColourOptions = useMemo(
    () => ({ ...colour, metric: settings.metric }),
    [colour, settings.metric],
  );
  const range = useMemo(
    () =>
      colourRange(
        shown.map((s) => s.grid),
        colourOptions,
      ),
    [shown, colourOptions],
  );

  const selectedFaces: FaceIndices[] = !model
    ? []
    : faceChoice === ALL
      ? facesOf(model.complex)
      : faceChoice
        ? [parseFace(faceChoice)]
        : [];
  const edges: [number, number][] = !model
    ? []
    : model.vertexCount === 2
      ? [[0, 1]]
      : faceChoice === ALL
        ? edgesOf(model.complex)
        : edgesOf(selectedFaces);

  /** Computes `faces` of `modelId` one after another; a new call cancels the one before. */
  const computeFaces = async (
    modelId: string,
    faces: FaceIndices[],
    surface: SurfaceSettings,
    recompute: boolean,
  ) => {
    job.current?.abort();
    const controller = new AbortController();
    job.current = controller;
    setError(null);
    setShown([]);
    const done: Shown[] = [];
    try {
      for (const [n, face] of faces.entries()) {
        setStatus(`Face ${n + 1} of ${faces.length}: starting…`);
        const result = await client.call(
          'computeSurface',
          { modelId, face, settings: surface, recompute },
          {
            signal: controller.signal,
            onProgress: (p) => {
              setShown([...done, { grid: p.grid, cached: false }]);
              setStatus(
                `Face ${n + 1} of ${faces.length}: level ${p.level + 1} of ${p.levels}, ${p.grid.done} of ${p.grid.u.length ** 2} points`,
              );
            },
          },
        );
        done.push({ grid: result.grid, cached: result.cached });
        setShown([...done]);
      }
      setStatus(null);
    } catch (err) {
      const info = toErrorInfo(err);
      if (info.code === 'CANCELLED') setStatus('Cancelled.');
      else {
        setStatus(null);
        setError(info);
      }
    } finally {
      if (job.current === controller) job.current = null;
    }
  };

  const compute = (recompute: boolean) => {
    if (model) void computeFaces(model.id, selectedFaces, full, recompute);
  };

  // A request from another section (the quick start): select its model, face and settings, then
  // compute once the library lists the model. The ref keeps a remount from computing it twice.
  const request = useSurfaceRequest();
  const handled = useRef<SurfaceRequest | null>(null);
  const openRequest = async (models: ModelSummary[], req: SurfaceRequest) => {
    const target = models.find((m) => m.id === req.modelId);
    if (!target || target.vertexCount < 3) {
      setError({
        code: 'NOT_FOUND',
        message: `The model to show (${req.modelId}) is not in the library, or has no face.`,
        recoverable: true,
      });
      return;
    }
    const next = { ...settings, ...req.settings };
    setChosenId(target.id);
    setChosenFace(req.face.join());
    setSettings(next);
    await computeFaces(
      target.id,
      [req.face],
      { ...next, datasetId: next.datasetId ?? defaultDataset(target) },
      false,
    );
  };
  useEffect(() => {
    if (!request || handled.current === request || library.models === null) return;
    handled.current = request;
    settleSurfaceRequest(request);
    void openRequest(library.models, request);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- acts once per request, on the state it finds
  }, [request, library.models]);

  const running = status !== null && status !== 'Cancelled.';
  const update = (patch: Partial<SurfaceSettings>) => {
    setSettings((s) => ({ ...s, ...patch }));
  };

  if (library.models === null) return <p className="muted">Loading the model library…</p>;
  if (!model) {
    return (
      <p className="muted" data-testid="surfaces-empty">
        No model with two or more vertices yet: train a simplex in the Train section or import one in Models.
      </p>
    );
  }

  return (
    <div className="surfaces-section">
      <div className="card surface-form">
        <label>
          Model{' '}
          <select
            data-testid="surface-model"
            value={model.id}
            onChange={(e) => {
              setChosenId(e.target.value);
              setShown([]);
            }}
          >
            {eligible.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.kind}, {m.vertexCount} vertices)
              </option>
            ))}
          </select>
        </label>
        {model.vertexCount >= 3 ? (
          <label>
            Face{' '}
            <select
              data-testid="surface-face-choice"
              value={faceChoice}
              onChange={(e) => {
                setChosenFace(e.target.value);
              }}
            >
              {options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span className="muted">Two vertices span no plane: only the edge profile is shown.</span>
        )}
        <fieldset>
          <legend>Grid</legend>
          <label>
            Points per side{' '}
            <input
              data-testid="surface-grid-size"
              type="number"
              min={MIN_GRID_SIZE}
              max={MAX_GRID_SIZE}
              value={settings.gridSize}
              onChange={(e) => {
                update({ gridSize: Math.round(Number(e.target.value)) });
              }}
            />
          </label>
          <label>
            Margin{' '}
            <input
              data-testid="surface-margin"
              type="number"
              min={0}
              max={5}
              step={0.05}
              value={settings.margin}
              onChange={(e) => {
                update({ margin: Number(e.target.value) });
              }}
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>Data</legend>
          <label>
            Dataset{' '}
            <select
              data-testid="surface-dataset"
              value={full.datasetId}
              onChange={(e) => {
                update({ datasetId: e.target.value });
              }}
            >
              {datasetOptions.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Split{' '}
            <select
              data-testid="surface-split"
              value={settings.split}
              onChange={(e) => {
                update({ split: e.target.value === 'test' ? 'test' : 'train' });
              }}
            >
              <option value="train">train</option>
              <option value="test">test</option>
            </select>
          </label>
          <label>
            Images{' '}
            <input
              data-testid="surface-images"
              type="number"
              min={1}
              value={settings.images}
              onChange={(e) => {
                update({ images: Math.round(Number(e.target.value)) });
              }}
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>Colour</legend>
          <label>
            Metric{' '}
            <select
              data-testid="surface-metric"
              value={settings.metric}
              onChange={(e) => {
                update({ metric: e.target.value === 'error' ? 'error' : 'loss' });
              }}
            >
              <option value="loss">cross-entropy</option>
              <option value="error">error</option>
            </select>
          </label>
          <label>
            Scale{' '}
            <select
              data-testid="surface-scale"
              value={colour.scale}
              onChange={(e) => {
                setColour((c) => ({ ...c, scale: e.target.value === 'log' ? 'log' : 'linear' }));
              }}
            >
              <option value="linear">linear</option>
              <option value="log">log</option>
            </select>
          </label>
          <label>
            Clip the top at{' '}
            <select
              data-testid="surface-clip"
              value={colour.clipQuantile}
              onChange={(e) => {
                setColour((c) => ({ ...c, clipQuantile: Number(e.target.value) }));
              }}
            >
              {[1, 0.95, 0.9, 0.75].map((q) => (
                <option key={q} value={q}>
                  {q === 1 ? 'no clipping' : `${Math.round(q * 100)}th percentile`}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        {model.vertexCount >= 3 ? (
          <div>
            <button
              type="button"
              data-testid="surface-compute"
              disabled={running || selectedFaces.length === 0}
              onClick={() => {
                compute(false);
              }}
            >
              Compute surface
            </button>{' '}
            <button
              type="button"
              disabled={running}
              onClick={() => {
                compute(true);
              }}
            >
              Recompute (ignore the cache)
            </button>{' '}
            <button
              type="button"
              disabled={!running}
              onClick={() => {
                job.current?.abort();
              }}
            >
              Cancel
            </button>
          </div>
        ) : null}
        {status ? (
          <p className="muted" data-testid="surface-progress">
            {status}
          </p>
        ) : null}
        {error ? (
          <p role="alert" className="error">
            {error.message}
          </p>
        ) : null}
      </div>
      {shown.length > 0 ? (
        <div className="surface-faces">
          {shown.map((s, i) => (
            <FacePanel
              key={s.grid.id}
              grid={s.grid}
              cached={s.cached}
              range={range}
              colour={colourOptions}
              showScale={i === shown.length - 1}
            />
          ))}
        </div>
      ) : null}
      <EdgeProfilesPanel
        key={model.id}
        modelId={model.id}
        edges={edges}
        data={{ datasetId: full.datasetId, split: full.split, images: full.images }}
        metric={settings.metric}
      />
      <ComplexPanel modelId={model.id} />
    </div>
  );
}
