// Runs on the page: the Surfaces section. Pick a model and a face (or all faces of its complex),
// compute the loss over the face's plane in the worker (partial grids stream in coarse to fine),
// draw the faces side by side on one colour scale, and offer edge profiles and a 3-D view.
// The form is data (surfaceForm.ts), the job is useSurfaceJob's, the cards are their own files;
// another section's request (surfaceRequest.ts) opens a face here and computes it.

import { useEffect, useMemo, useState } from 'react';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { FaceIndices, SurfaceSettings } from '../../../protocol/commands/surfaces';
import type { ErrorInfo } from '../../../protocol/errors';
import { loadPlotly } from '../../charts/PlotlyChart';
import { useDatasets } from '../data/useDatasets';
import { useModelLibrary } from '../models/useModelLibrary';
import { ComplexPanel } from './ComplexPanel';
import { EdgeProfilesPanel } from './EdgeProfilesPanel';
import { FacePanel } from './FacePanel';
import { SurfaceActions } from './SurfaceActions';
import { ModelFields, SettingsFields, type Colour } from './SurfaceFields';
import { LandscapePanel } from './landscape/LandscapePanel';
import { hasBatchNorm } from '../models/describe';
import {
  INITIAL_SURFACE_FORM,
  datasetOptions,
  faceChoice,
  faceOptions,
  parseSurfaceForm,
  pickModel,
  selectedEdges,
  selectedFaces,
  surfaceDataset,
  withSettings,
  type SurfaceForm,
} from './surfaceForm';
import { colourRange, type ColourOptions } from './surfacePlots';
import { useOpenSurfaceRequest, type SurfaceRequest } from './surfaceRequest';
import { shownFaces, useSurfaceJob } from './useSurfaceJob';
import './surfaces.css';

export function SurfacesSection() {
  const library = useModelLibrary();
  const { datasets } = useDatasets();
  const job = useSurfaceJob();
  const [form, setForm] = useState<SurfaceForm>(INITIAL_SURFACE_FORM);
  const [colour, setColour] = useState<Colour>({ scale: 'linear', clipQuantile: 0.95 });
  const [requestError, setRequestError] = useState<ErrorInfo | null>(null);
  const update = (patch: Partial<SurfaceForm>) => {
    setForm((f) => ({ ...f, ...patch }));
  };

  const { eligible, model } = useMemo(
    () => pickModel(library.models ?? [], form.modelId),
    [library.models, form.modelId],
  );
  const faces = useMemo(() => (model ? faceOptions(model) : []), [model]);
  const choice = faceChoice(faces, form.face);
  const parsed = parseSurfaceForm(form, model);
  const datasetId = surfaceDataset(form, model);
  const datasetChoices = useMemo(
    () => datasetOptions(datasets ?? [], datasetId, model),
    [datasets, datasetId, model],
  );

  // Fetch Plotly (a few MB) while the user picks settings, so the first partial grid draws at once.
  useEffect(() => {
    void loadPlotly();
  }, []);

  const shown = shownFaces(job.status);
  const colourOptions: ColourOptions = useMemo(
    () => ({ ...colour, metric: form.metric }),
    [colour, form.metric],
  );
  const range = useMemo(
    () =>
      colourRange(
        shown.map((s) => s.grid),
        colourOptions,
      ),
    [shown, colourOptions],
  );

  const computeFaces = (
    modelId: string,
    list: FaceIndices[],
    settings: SurfaceSettings,
    recompute: boolean,
  ) => {
    setRequestError(null);
    void job.start({ modelId, faces: list, settings, recompute });
  };

  // A request from another section (the quick start): select its model, face and settings, then
  // compute once the library lists the model.
  useOpenSurfaceRequest(library.models, (models: ModelSummary[], req: SurfaceRequest) => {
    const target = models.find((m) => m.id === req.modelId);
    if (!target || target.vertexCount < 3) {
      setRequestError({
        code: 'NOT_FOUND',
        message: `The model to show (${req.modelId}) is not in the library, or has no face.`,
        recoverable: true,
      });
      return;
    }
    const next = { ...withSettings(form, req.settings), modelId: target.id, face: req.face.join() };
    // The fields show the request's settings either way; out of range, they say which is wrong.
    setForm(next);
    const { settings } = parseSurfaceForm(next, target);
    if (!settings) return;
    computeFaces(target.id, [req.face], settings, false);
  });

  if (library.models === null) return <p className="muted">Loading the model library…</p>;
  const landscapes = (
    <LandscapePanel models={library.models} datasets={datasetChoices} defaultDataset={datasetId} />
  );
  if (!model) {
    return (
      <div className="surfaces-section">
        <p className="muted" data-testid="surfaces-empty">
          No model with two or more vertices yet: train a simplex in the Train section or import one in
          Models.
        </p>
        {landscapes}
      </div>
    );
  }

  const chosenFaces = selectedFaces(model, choice);
  const settings = parsed.settings;
  return (
    <div className="surfaces-section">
      <div className="card surface-form">
        <ModelFields
          eligible={eligible}
          model={model}
          faces={faces}
          face={choice}
          onModel={(modelId) => {
            update({ modelId });
            job.reset();
          }}
          onFace={(face) => {
            update({ face });
          }}
        />
        <SettingsFields
          batchNorm={hasBatchNorm(model)}
          form={form}
          parsed={parsed}
          datasetId={datasetId}
          datasets={datasetChoices}
          onChange={update}
          colour={colour}
          onColour={setColour}
        />
        {model.vertexCount >= 3 ? (
          <SurfaceActions
            job={job}
            ready={chosenFaces.length > 0 && settings !== null}
            requestError={requestError}
            compute={(recompute) => {
              if (settings) computeFaces(model.id, chosenFaces, settings, recompute);
            }}
          />
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
        edges={selectedEdges(model, choice)}
        data={
          settings && {
            datasetId: settings.datasetId,
            split: settings.split,
            images: settings.images,
            ...(settings.batchNorm ? { batchNorm: settings.batchNorm } : {}),
          }
        }
        metric={form.metric}
      />
      <ComplexPanel modelId={model.id} />
      {landscapes}
    </div>
  );
}
