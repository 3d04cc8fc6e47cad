// Runs on the page: the Surfaces form's fields: which model and face, then the grid, the images
// it is evaluated on, and the colour scale (the colour only redraws; it computes nothing).

import type { DatasetId } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { SurfaceMetric, SurfaceSettings } from '../../../protocol/commands/surfaces';
import { RECOMPUTE_BATCH } from '../../../protocol/batchNorm';
import { NumberField } from '../../components/NumberField';
import { SelectField, type SelectOption } from '../../components/SelectField';
import type { ParsedSurfaceForm, SurfaceForm, SurfaceNumberKey } from './surfaceForm';
import type { ColourOptions } from './surfacePlots';

export type Colour = Omit<ColourOptions, 'metric'>;

const SPLITS: SelectOption<SurfaceSettings['split']>[] = [
  { value: 'train', label: 'train' },
  { value: 'test', label: 'test' },
];
const METRICS: SelectOption<SurfaceMetric>[] = [
  { value: 'loss', label: 'cross-entropy' },
  { value: 'error', label: 'error' },
];
const SCALES: SelectOption<Colour['scale']>[] = [
  { value: 'linear', label: 'linear' },
  { value: 'log', label: 'log' },
];
const CLIPS: SelectOption<number>[] = [1, 0.95, 0.9, 0.75].map((q) => ({
  value: q,
  label: q === 1 ? 'no clipping' : `${Math.round(q * 100)}th percentile`,
}));

export interface ModelFieldsProps {
  eligible: readonly ModelSummary[];
  model: ModelSummary;
  faces: readonly SelectOption<string>[];
  face: string;
  onModel: (id: string) => void;
  onFace: (face: string) => void;
}

export function ModelFields({ eligible, model, faces, face, onModel, onFace }: ModelFieldsProps) {
  return (
    <div className="field-row">
      <SelectField
        id="surface-model"
        testId="surface-model"
        label="Model"
        value={model.id}
        options={eligible.map((m) => ({
          value: m.id,
          label: `${m.name} (${m.kind}, ${m.vertexCount} vertices)`,
        }))}
        onChange={onModel}
      />
      {model.vertexCount >= 3 ? (
        <SelectField
          id="surface-face-choice"
          testId="surface-face-choice"
          label="Face"
          value={face}
          options={faces}
          onChange={onFace}
        />
      ) : (
        <p className="muted">Two vertices span no plane: only the edge profile is shown.</p>
      )}
    </div>
  );
}

const STATISTICS: SelectOption<SurfaceForm['bnStatistics']>[] = [
  { value: 'recomputed', label: 'recomputed at each point' },
  { value: 'stored', label: 'stored (the reference’s)' },
];

export interface SettingsFieldsProps {
  /** The model has batch norm: its points need statistics, and the form asks which. */
  batchNorm: boolean;
  form: SurfaceForm;
  parsed: ParsedSurfaceForm;
  datasetId: DatasetId;
  datasets: readonly SelectOption<DatasetId>[];
  onChange: (patch: Partial<SurfaceForm>) => void;
  colour: Colour;
  onColour: (colour: Colour) => void;
}

export function SettingsFields({
  batchNorm,
  form,
  parsed,
  datasetId,
  datasets,
  onChange,
  colour,
  onColour,
}: SettingsFieldsProps) {
  const number = (key: SurfaceNumberKey, label: string, integer: boolean, testId: string) => (
    <NumberField
      id={testId}
      testId={testId}
      label={label}
      integer={integer}
      text={form.text[key]}
      error={parsed.errors[key]}
      onChange={(text) => {
        onChange({ text: { ...form.text, [key]: text } });
      }}
    />
  );
  return (
    <>
      <fieldset>
        <legend>Grid</legend>
        {number('gridSize', 'Points per side', true, 'surface-grid-size')}
        {number('margin', 'Margin', false, 'surface-margin')}
      </fieldset>
      <fieldset>
        <legend>Data</legend>
        <SelectField
          id="surface-dataset"
          testId="surface-dataset"
          label="Dataset"
          value={datasetId}
          options={datasets}
          onChange={(id) => {
            onChange({ datasetId: id });
          }}
        />
        <SelectField
          id="surface-split"
          testId="surface-split"
          label="Split"
          value={form.split}
          options={SPLITS}
          onChange={(split) => {
            onChange({ split });
          }}
        />
        {number('images', 'Images', true, 'surface-images')}
      </fieldset>
      {batchNorm ? (
        <fieldset data-testid="surface-batch-norm">
          <legend>Batch norm</legend>
          <SelectField
            id="surface-bn-statistics"
            testId="surface-bn-statistics"
            label="Statistics"
            value={form.bnStatistics}
            options={STATISTICS}
            help="A point inside the simplex has no running statistics of its own; the stored ones were gathered at random training draws. Recomputed: reset, then averaged over training batches at the point (update_bn)."
            onChange={(bnStatistics) => {
              onChange({ bnStatistics });
            }}
          />
          {form.bnStatistics === 'recomputed'
            ? number('bnBatches', `Batches of ${RECOMPUTE_BATCH} training images`, true, 'surface-bn-batches')
            : null}
        </fieldset>
      ) : null}
      <fieldset>
        <legend>Colour</legend>
        <SelectField
          id="surface-metric"
          testId="surface-metric"
          label="Metric"
          value={form.metric}
          options={METRICS}
          onChange={(metric) => {
            onChange({ metric });
          }}
        />
        <SelectField
          id="surface-scale"
          testId="surface-scale"
          label="Scale"
          value={colour.scale}
          options={SCALES}
          onChange={(scale) => {
            onColour({ ...colour, scale });
          }}
        />
        <SelectField
          id="surface-clip"
          testId="surface-clip"
          label="Clip the top at"
          value={colour.clipQuantile}
          options={CLIPS}
          onChange={(clipQuantile) => {
            onColour({ ...colour, clipQuantile });
          }}
        />
      </fieldset>
    </>
  );
}
