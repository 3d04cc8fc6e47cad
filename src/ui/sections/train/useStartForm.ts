// Runs on the page: the Start-a-run form's state. Every setting starts at the reference default
// for the procedure and dataset; picking another procedure or dataset refills the fields the user
// has not edited, then lays that procedure's own remembered edits over them (formMemory.ts keeps
// them across reloads). The rules are settingsForm.ts's; this only holds the state and saves it.

import { useEffect, useRef, useState } from 'react';
import type { BackendInfo } from '../../../protocol/backend';
import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { Preset, Procedure } from '../../../protocol/settings';
import { useEngine } from '../../engineContext';
import { loadFormMemory, saveFormMemory } from './formMemory';
import {
  applyEdits,
  parseForm,
  pickPreset,
  refillDefaults,
  rememberForm,
  restoreForm,
  type DefaultedKey,
  type FormState,
  type ParsedForm,
  followBatch,
} from './settingsForm';

export interface StartForm extends ParsedForm {
  form: FormState;
  setForm: (update: FormState | ((form: FormState) => FormState)) => void;
  dataset: DatasetInfo | undefined;
  /** The preset that suits this machine; null until the worker reports its backend. */
  fitting: Preset | null;
  /** Sets a field that has a default and marks it edited, so a refill keeps it. */
  edit: (key: DefaultedKey, patch: Partial<FormState>) => void;
  pickProcedure: (procedure: Procedure) => void;
  pickDataset: (id: string) => void;
  pickPreset: (preset: Preset) => void;
}

export function useStartForm(
  datasets: readonly DatasetInfo[],
  models: readonly ModelSummary[] | null,
): StartForm {
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

  const dataset = datasets.find((d) => d.id === form.datasetId);
  // The backend may be reported after the form opened: an untouched, never-saved form follows it.
  const [followed, setFollowed] = useState(saved !== null || fitting !== null);
  if (!followed && fitting !== null) {
    setFollowed(true);
    if (form.touched.size === 0 && form.preset !== fitting) setForm(pickPreset(form, fitting, dataset));
  }

  return {
    ...parseForm(form, datasets, models),
    form,
    setForm,
    dataset,
    fitting,
    edit: (key, patch) => {
      // A new batch size moves the learning rates the user has not set with it.
      setForm((f) => followBatch({ ...f, ...patch, touched: new Set(f.touched).add(key) }));
    },
    pickProcedure: (procedure) => {
      setForm((f) =>
        applyEdits(refillDefaults(f, procedure, dataset, f.datasetId), memory.current?.edits[procedure]),
      );
    },
    pickDataset: (id) => {
      setForm((f) =>
        refillDefaults(
          f,
          f.procedure,
          datasets.find((d) => d.id === id),
          id,
        ),
      );
    },
    pickPreset: (preset) => {
      setForm((f) => pickPreset(f, preset, dataset));
    },
  };
}

function hasHardwareGpu(backend: BackendInfo): boolean {
  return backend.name === 'webgpu' && backend.adapter?.software !== true;
}
