// Runs on the page: the Ensembles section. Pick components (simplexes of library models) and how
// to evaluate them; the worker computes ESPRO, the deep ensemble of base modes, each component and
// the reference's one-random-point-per-batch number, with progress and cancel; the page draws the
// report and exports it. The form is data (ensembleForm.ts), the job is useEnsembleEvaluation's,
// and the cards are ComponentsPanel, EvaluationPanel and EnsembleReportView; ReproduceCard trains
// and compares DE with ESPRO as the paper's Fig. 8.

import { useMemo, useState } from 'react';
import { candidates, chosenComponents } from './candidates';
import { ComponentsPanel } from './ComponentsPanel';
import { EnsembleReportView } from './EnsembleReportView';
import { INITIAL_ENSEMBLE_FORM, parseEnsembleForm, toggleComponent, type EnsembleForm } from './ensembleForm';
import { EvaluationPanel } from './EvaluationPanel';
import { ReproduceCard } from './ReproduceCard';
import { useEnsembleEvaluation } from './useEnsembleEvaluation';
import { useEnsembleInputs } from './useEnsembleInputs';
import { hasBatchNorm } from '../models/describe';

export function EnsemblesSection() {
  const inputs = useEnsembleInputs();
  const job = useEnsembleEvaluation();
  const [form, setForm] = useState<EnsembleForm>(INITIAL_ENSEMBLE_FORM);
  const update = (patch: Partial<EnsembleForm>) => {
    setForm((f) => ({ ...f, ...patch }));
  };

  const datasets = inputs.datasets ?? [];
  const dataset = datasets.find((d) => d.id === form.datasetId) ?? datasets[0] ?? null;
  const list = useMemo(
    () => candidates(inputs.models ?? [], dataset, form.selected),
    [inputs.models, dataset, form.selected],
  );
  const chosen = chosenComponents(list, form.selected);
  const parsed = parseEnsembleForm(form, dataset, chosen);

  return (
    <>
      <ComponentsPanel
        datasets={datasets}
        dataset={dataset}
        onDataset={(datasetId) => {
          update({ datasetId });
        }}
        list={inputs.models === null ? null : list}
        selected={form.selected}
        onToggle={(key, on) => {
          setForm((f) => toggleComponent(f, key, on));
        }}
        locked={job.status.kind === 'running'}
        error={inputs.error}
        onReload={inputs.reload}
      />
      <EvaluationPanel
        form={form}
        onChange={update}
        parsed={parsed}
        dataset={dataset}
        chosen={chosen.length}
        batchNorm={list.some((c) => form.selected.has(c.key) && hasBatchNorm(c.model))}
        job={job}
      />
      {job.last ? <EnsembleReportView report={job.last} /> : null}
      <ReproduceCard dataset={dataset} />
    </>
  );
}
