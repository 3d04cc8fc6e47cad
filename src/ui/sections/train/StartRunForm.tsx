// Runs on the page: the form that starts a run. Every setting is editable and starts at the
// reference default for the procedure and dataset; picking another procedure or dataset refills
// the fields the user has not edited, then lays that procedure's own remembered edits over them
// (formMemory.ts keeps them across reloads). The worker checks the settings again (BAD_SETTINGS).

import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import {
  NUMBER_RULES,
  PRESETS,
  PRESET_LABELS,
  PROCEDURES,
  PROCEDURE_LABELS,
  runWork,
  type Preset,
  type Procedure,
} from '../../../protocol/settings';
import type { BackendInfo } from '../../../protocol/backend';
import { useEngine } from '../../engineContext';
import { formatDuration } from './format';
import { ARCHITECTURES, WIDTH_SCALES, paramCount } from '../../../protocol/architecture';
import { loadFormMemory, saveFormMemory } from './formMemory';
import { ModePicker } from './ModePicker';
import { NumberField } from '../../components/NumberField';
import { ErrorNotice } from '../../components/ErrorNotice';
import type { RunTracker } from './runTracker';
import {
  NUMERIC_FIELDS,
  REDUCTION_OPTIONS,
  WIDTH_LABELS,
  applyEdits,
  isWidthScale,
  estimatedSeconds,
  matchMode,
  measuredRate,
  pickPreset,
  parseForm,
  refillDefaults,
  rememberForm,
  restoreForm,
  suggestedName,
  usesField,
  type DefaultedKey,
  type FormState,
} from './settingsForm';

export interface StartRunFormProps {
  datasets: readonly DatasetInfo[];
  models: readonly ModelSummary[] | null;
  tracker: RunTracker;
  /** Why Start is unavailable (another run is training), or null. */
  blocked: string | null;
}

export function StartRunForm({ datasets, models, tracker, blocked }: StartRunFormProps) {
  const { backend } = useEngine();
  // Without a hardware GPU the small settings are the way in; the reference's are one click away.
  const fitting: Preset | null = backend === null ? null : hasHardwareGpu(backend) ? 'reference' : 'small';
  // The last procedure and dataset, with every procedure's edits, as this browser left them.
  const [saved] = useState(loadFormMemory);
  const memory = useRef(saved);
  const [form, setForm] = useState<FormState>(() => restoreForm(saved, datasets, fitting ?? 'reference'));
  useEffect(() => {
    memory.current = rememberForm(memory.current, form);
    saveFormMemory(memory.current);
  }, [form]);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<ErrorInfo | null>(null);

  const dataset = datasets.find((d) => d.id === form.datasetId);
  // The backend may be reported after the form opened: an untouched, never-saved form follows it.
  const [followed, setFollowed] = useState(saved !== null || fitting !== null);
  if (!followed && fitting !== null) {
    setFollowed(true);
    if (form.touched.size === 0 && form.preset !== fitting) setForm(pickPreset(form, fitting, dataset));
  }
  const numClasses = dataset?.classNames.length;
  const { settings, errors } = parseForm(form, datasets, models);

  const edit = (key: DefaultedKey, patch: Partial<FormState>) => {
    setForm((f) => ({ ...f, ...patch, touched: new Set(f.touched).add(key) }));
  };
  const pickProcedure = (procedure: Procedure) => {
    setForm((f) =>
      applyEdits(refillDefaults(f, procedure, dataset, f.datasetId), memory.current?.edits[procedure]),
    );
  };
  const pickDataset = (id: string) => {
    setForm((f) =>
      refillDefaults(
        f,
        f.procedure,
        datasets.find((d) => d.id === id),
        id,
      ),
    );
  };

  const start = async () => {
    if (!settings) return;
    setStarting(true);
    setStartError(null);
    try {
      await tracker.start(settings, form.name.trim() || suggestedName(form));
      setForm((f) => ({ ...f, name: '' }));
    } catch (err) {
      setStartError(toErrorInfo(err));
    } finally {
      setStarting(false);
    }
  };

  const { runs } = useSyncExternalStore(tracker.subscribe, tracker.getSnapshot);
  const rate = settings ? measuredRate(settings, runs ?? [], backend?.choice?.rates[backend.name]) : null;
  const estimate =
    settings && dataset
      ? rate
        ? `About ${formatDuration(estimatedSeconds(runWork(settings, dataset.splits.train.count, dataset.splits.test.count), rate))} at ${rate.imagesPerSecond.toFixed(1)} images/s, as ${rate.source} measured on this machine.`
        : 'Time unknown until a run of this architecture, width and batch size has trained on this machine.'
      : null;
  const fields = NUMERIC_FIELDS.filter((f) => usesField(f, form.procedure));
  const numberField = (field: (typeof fields)[number]) => (
    <NumberField
      key={field.key}
      id={`train-${field.key}`}
      name={field.key}
      label={field.label}
      help={field.help}
      integer={NUMBER_RULES[field.key].integer}
      text={form.text[field.key]}
      error={errors[field.key]}
      onChange={(text) => {
        edit(field.key, { text: { ...form.text, [field.key]: text } });
      }}
    />
  );
  const needsModes = form.procedure === 'simplex' || form.procedure === 'complex';
  const params = numClasses
    ? paramCount({ architecture: form.architecture, widthScale: form.widthScale, numClasses })
    : null;

  return (
    <form
      className="card start-run"
      aria-label="Start a run"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <h3>Start a run</h3>
      <div className="preset-choice" role="group" aria-label="Settings">
        {PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            aria-pressed={form.preset === p}
            onClick={() => {
              setForm((f) => pickPreset(f, p, dataset));
            }}
          >
            {PRESET_LABELS[p]}
          </button>
        ))}
        <small className="muted">
          {form.preset === 'small'
            ? 'VGG11 at width 1/8 on 2,000 images: a first result in minutes without a GPU.'
            : 'The paper’s settings: VGG16 at full width, 300 base epochs — sized for a data-centre GPU.'}
          {fitting === 'small' && form.preset === 'reference' ? ' This machine has no hardware GPU.' : ''}
        </small>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor="train-procedure">Procedure</label>
          <select
            id="train-procedure"
            value={form.procedure}
            onChange={(e) => {
              pickProcedure(e.target.value as Procedure);
            }}
          >
            {PROCEDURES.map((p) => (
              <option key={p} value={p}>
                {PROCEDURE_LABELS[p]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="train-dataset">Dataset</label>
          <select
            id="train-dataset"
            value={form.datasetId}
            aria-invalid={errors.datasetId ? true : undefined}
            onChange={(e) => {
              pickDataset(e.target.value);
            }}
          >
            {dataset ? null : <option value={form.datasetId}>{form.datasetId} (not stored)</option>}
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.splits.train.count} train, {d.classNames.length} classes)
              </option>
            ))}
          </select>
          {errors.datasetId ? <small className="error">{errors.datasetId}</small> : null}
        </div>
        <div className="field">
          <label htmlFor="train-architecture">Architecture</label>
          <select
            id="train-architecture"
            value={form.architecture}
            onChange={(e) => {
              const architecture = ARCHITECTURES.find((a) => a === e.target.value);
              if (architecture) edit('architecture', { architecture });
            }}
          >
            {ARCHITECTURES.map((a) => (
              <option key={a} value={a}>
                {a.toUpperCase()}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="train-width">Width scale</label>
          <select
            id="train-width"
            value={form.widthScale}
            onChange={(e) => {
              const widthScale = Number(e.target.value);
              if (isWidthScale(widthScale)) edit('widthScale', { widthScale });
            }}
          >
            {WIDTH_SCALES.map((w) => (
              <option key={w} value={w}>
                {WIDTH_LABELS[w]}
              </option>
            ))}
          </select>
          <small className="muted">
            Multiplies every conv and hidden width.
            {params !== null ? ` ${params.toLocaleString()} parameters per vertex.` : ''}
          </small>
        </div>
      </div>

      {needsModes ? (
        <ModePicker
          form={form}
          models={models}
          numClasses={numClasses}
          error={errors.modes}
          onChange={(modes) => {
            setForm((f) => ({ ...f, modes }));
          }}
          matched={(model) => matchMode(form, model, datasets)}
          onMatch={setForm}
        />
      ) : null}

      <div className="field-grid">
        {fields.filter((f) => !f.control).map(numberField)}
        {form.procedure === 'base' ? null : (
          <div className="field wide">
            <label htmlFor="train-reduction">Loss over draws</label>
            <select
              id="train-reduction"
              value={form.reduction}
              onChange={(e) => {
                const option = REDUCTION_OPTIONS.find((o) => o.value === e.target.value);
                if (option) edit('reduction', { reduction: option.value });
              }}
            >
              {REDUCTION_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            <small className="muted">
              The reference adds the n_sample losses up and its learning rates assume it; the mean divides the
              gradient by n_sample.
            </small>
          </div>
        )}
      </div>

      <details className="control-settings">
        <summary>Controlled comparison</summary>
        <p className="muted">
          For runs compared step by step (e.g. with PyTorch): the images as stored and in file order, dropout
          off, a stop after N steps.
        </p>
        <div className="field-grid">
          <label className="check">
            <input
              type="checkbox"
              checked={form.augment}
              onChange={(e) => {
                setForm((f) => ({ ...f, augment: e.target.checked }));
              }}
            />{' '}
            Augment (random crop and flip, the reference’s)
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={form.shuffle}
              onChange={(e) => {
                setForm((f) => ({ ...f, shuffle: e.target.checked }));
              }}
            />{' '}
            Shuffle every epoch (off: file order)
          </label>
          {fields.filter((f) => f.control).map(numberField)}
        </div>
      </details>

      <div className="field-row">
        <div className="field">
          <label htmlFor="train-name">Run name</label>
          <input
            id="train-name"
            value={form.name}
            placeholder={suggestedName(form)}
            onChange={(e) => {
              setForm((f) => ({ ...f, name: e.target.value }));
            }}
          />
        </div>
      </div>

      {startError ? <ErrorNotice error={startError} context="run" /> : null}
      <p>
        <button type="submit" disabled={!settings || starting || blocked !== null}>
          {starting ? 'Starting…' : 'Start'}
        </button>{' '}
        {blocked ? <span className="muted">{blocked}</span> : null}
        {!settings && !blocked ? <span className="muted">Fix the fields marked above to start.</span> : null}
      </p>
      {estimate ? (
        <p className="muted" data-testid="run-estimate">
          {estimate}
        </p>
      ) : null}
    </form>
  );
}

function hasHardwareGpu(backend: BackendInfo): boolean {
  return backend.name === 'webgpu' && backend.adapter?.software !== true;
}
