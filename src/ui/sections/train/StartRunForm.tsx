// Runs on the page: the form that starts a run. Its state and rules are useStartForm's (and
// settingsForm.ts's), the start is a worker job (useStartRun), and the fields are their own
// components. The worker checks the settings again (BAD_SETTINGS).

import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ModePicker } from './ModePicker';
import { PresetChoice } from './PresetChoice';
import { RunBasicsFields } from './RunBasicsFields';
import { RunEstimate } from './RunEstimate';
import { RunNumberFields } from './RunNumberFields';
import { MODE_COUNTS } from '../../../protocol/settings';
import type { RunTracker } from './runTracker';
import { matchMode, suggestedName } from './settingsForm';
import { useStartForm } from './useStartForm';
import { useStartRun } from './useStartRun';

export interface StartRunFormProps {
  datasets: readonly DatasetInfo[];
  models: readonly ModelSummary[] | null;
  tracker: RunTracker;
  /** Why Start is unavailable (another run is training), or null. */
  blocked: string | null;
}

export function StartRunForm({ datasets, models, tracker, blocked }: StartRunFormProps) {
  const start = useStartForm(datasets, models);
  const job = useStartRun(tracker);
  const { form, setForm, settings, errors, dataset } = start;
  const starting = job.status.kind === 'running';

  const submit = async () => {
    if (!settings) return;
    const run = await job.start({ settings, name: form.name.trim() || suggestedName(form) });
    if (run) setForm((f) => ({ ...f, name: '' }));
  };

  return (
    <form
      className="card start-run"
      aria-label="Start a run"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>Start a run</h3>
      <PresetChoice preset={form.preset} fitting={start.fitting} onPick={start.pickPreset} />
      <RunBasicsFields start={start} datasets={datasets} />
      {MODE_COUNTS[form.procedure].max > 0 ? (
        <ModePicker
          form={form}
          models={models}
          numClasses={dataset?.classNames.length}
          error={errors.modes}
          onChange={(modes) => {
            setForm((f) => ({ ...f, modes }));
          }}
          matched={(model) => matchMode(form, model, datasets)}
          onMatch={setForm}
        />
      ) : null}
      <RunNumberFields start={start} />
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
      {job.status.kind === 'failed' ? <ErrorNotice error={job.status.error} context="run" /> : null}
      <p>
        <button type="submit" disabled={!settings || starting || blocked !== null}>
          {starting ? 'Starting…' : 'Start'}
        </button>{' '}
        {blocked ? <span className="muted">{blocked}</span> : null}
        {!settings && !blocked ? <span className="muted">Fix the fields marked above to start.</span> : null}
      </p>
      {settings && dataset ? <RunEstimate settings={settings} dataset={dataset} tracker={tracker} /> : null}
    </form>
  );
}
