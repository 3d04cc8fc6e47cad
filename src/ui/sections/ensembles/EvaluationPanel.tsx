// Runs on the page: the Ensembles form's second card: how to evaluate (M, images, seed,
// temperature scaling, noise), the Evaluate and Cancel buttons, and the job's status.

import { NOISE_SEVERITIES } from '../../../protocol/commands/ensembles';
import type { DatasetInfo } from '../../../protocol/commands/data';
import { ErrorNotice } from '../../components/ErrorNotice';
import { NumberField } from '../../components/NumberField';
import { RECOMPUTE_BATCH } from '../../../protocol/batchNorm';
import { heldOutText, type EnsembleForm, type ParsedEnsembleForm } from './ensembleForm';
import type { EnsembleEvaluation } from './useEnsembleEvaluation';

export interface EvaluationPanelProps {
  form: EnsembleForm;
  onChange: (patch: Partial<EnsembleForm>) => void;
  parsed: ParsedEnsembleForm;
  dataset: DatasetInfo | null;
  /** Components chosen that may join. */
  chosen: number;
  /** A chosen component has batch norm: how its points get statistics is asked. */
  batchNorm: boolean;
  job: EnsembleEvaluation;
}

export function EvaluationPanel({
  form,
  onChange,
  parsed,
  dataset,
  chosen,
  batchNorm,
  job,
}: EvaluationPanelProps) {
  const { errors, params } = parsed;
  const running = job.status.kind === 'running';
  const trainCount = dataset?.splits.train.count ?? 0;
  const heldOut = heldOutText(form, trainCount);
  const number = (key: keyof EnsembleForm['text'], label: string, help?: string) => (
    <NumberField
      id={`ensemble-${key}`}
      label={label}
      integer
      help={help}
      text={form.text[key]}
      error={errors[key]}
      onChange={(value) => {
        onChange({ text: { ...form.text, [key]: value } });
      }}
    />
  );
  return (
    <div className="card">
      <h3 style={{ marginTop: 0 }}>Evaluation</h3>
      <div className="field-grid">
        {number('points', 'Points per simplex (M)', 'The paper uses 25.')}
        {number('testLimit', 'Test images (0 = all)')}
        {number('seed', 'Seed')}
      </div>
      <p>
        <label className="check">
          <input
            type="checkbox"
            checked={form.calibrate}
            onChange={(e) => {
              onChange({ calibrate: e.target.checked });
            }}
          />
          Temperature scaling
        </label>
      </p>
      <div className="field-grid">
        <NumberField
          id="ensemble-held-out"
          label="Held-out train images"
          integer
          disabled={!form.calibrate}
          text={heldOut}
          onChange={(value) => {
            onChange({ heldOut: value });
          }}
          error={form.calibrate ? errors.heldOut : undefined}
        />
      </div>
      {form.calibrate && dataset && !errors.heldOut ? (
        <p className="muted" data-testid="ensemble-heldout">
          T is fitted on the last {heldOut} images of the {dataset.name} train split (images{' '}
          {trainCount - Number(heldOut)}…{trainCount - 1}).
        </p>
      ) : null}
      <p>
        <label className="check">
          <input
            type="checkbox"
            checked={form.noise}
            onChange={(e) => {
              onChange({ noise: e.target.checked });
            }}
          />
          Gaussian noise robustness
        </label>{' '}
        <span className="muted">
          σ = {NOISE_SEVERITIES.join(', ')} on [0,1] pixels (CIFAR-10-C severities 1–5), seeded: the test
          images are evaluated five more times.
        </span>
      </p>
      {batchNorm ? (
        <div data-testid="ensemble-batch-norm">
          <p>
            <label className="check">
              <input
                type="checkbox"
                checked={form.recomputeBn}
                onChange={(e) => {
                  onChange({ recomputeBn: e.target.checked });
                }}
              />
              Recompute batch-norm statistics at each sampled point
            </label>{' '}
            <span className="muted">
              Off: the stored running statistics, as the reference evaluates its ensembles. On: reset, then
              averaged over training batches at each point (each point costs that many more passes).
            </span>
          </p>
          {form.recomputeBn ? (
            <div className="field-grid">
              {number('bnBatches', `Batches of ${RECOMPUTE_BATCH} training images`)}
            </div>
          ) : null}
        </div>
      ) : null}
      <p>
        <button
          type="button"
          disabled={running || params === null}
          onClick={() => {
            if (params) void job.start(params);
          }}
        >
          Evaluate {chosen} component{chosen === 1 ? '' : 's'}
        </button>{' '}
        {running ? (
          <button type="button" onClick={job.cancel}>
            Cancel
          </button>
        ) : null}
      </p>
      <JobStatusLine job={job} />
    </div>
  );
}

function JobStatusLine({ job }: { job: EnsembleEvaluation }) {
  const { status } = job;
  switch (status.kind) {
    case 'running': {
      const p = status.progress;
      return (
        <p data-testid="ensemble-progress">
          <progress value={p?.done ?? 0} max={p?.total ?? 1} />{' '}
          {p ? `${p.phase}: pass ${p.done} of ${p.total}` : 'Loading models…'}
        </p>
      );
    }
    case 'cancelled':
      return (
        <p role="status" className="muted" data-testid="ensemble-error">
          Evaluation cancelled.
        </p>
      );
    case 'failed':
      return <ErrorNotice error={status.error} testId="ensemble-error" />;
    case 'idle':
    case 'done':
      return null;
  }
}
