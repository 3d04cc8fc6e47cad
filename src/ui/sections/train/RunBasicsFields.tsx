// Runs on the page: what a run is: its procedure, dataset, architecture and width.

import { ARCHITECTURE_CHOICES, WIDTH_SCALES, architectureLabel } from '../../../protocol/architecture';
import { paramCount } from '../../../protocol/network';
import { PROCEDURES, PROCEDURE_LABELS } from '../../../protocol/settings';
import type { DatasetInfo } from '../../../protocol/commands/data';
import { SelectField } from '../../components/SelectField';
import { WIDTH_LABELS } from './settingsForm';
import type { StartForm } from './useStartForm';

const PROCEDURE_OPTIONS = PROCEDURES.map((p) => ({ value: p, label: PROCEDURE_LABELS[p] }));
const ARCHITECTURE_OPTIONS = ARCHITECTURE_CHOICES.map((a) => ({ value: a, label: architectureLabel(a) }));
const WIDTH_OPTIONS = WIDTH_SCALES.map((w) => ({ value: w, label: WIDTH_LABELS[w] }));

export function RunBasicsFields({ start, datasets }: { start: StartForm; datasets: readonly DatasetInfo[] }) {
  const { form, dataset, errors } = start;
  const numClasses = dataset?.classNames.length;
  const params = numClasses
    ? paramCount({ architecture: form.architecture, widthScale: form.widthScale, numClasses })
    : null;
  const datasetOptions = [
    // A remembered dataset that is no longer stored stays shown, with the error saying so.
    ...(dataset ? [] : [{ value: form.datasetId, label: `${form.datasetId} (not stored)` }]),
    ...datasets.map((d) => ({
      value: d.id,
      label: `${d.name} (${d.splits.train.count} train, ${d.classNames.length} classes)`,
    })),
  ];
  return (
    <div className="field-row">
      <SelectField
        id="train-procedure"
        label="Procedure"
        value={form.procedure}
        options={PROCEDURE_OPTIONS}
        onChange={start.pickProcedure}
      />
      <SelectField
        id="train-dataset"
        label="Dataset"
        value={form.datasetId}
        options={datasetOptions}
        error={errors.datasetId}
        onChange={start.pickDataset}
      />
      <SelectField
        id="train-architecture"
        label="Architecture"
        value={form.architecture}
        options={ARCHITECTURE_OPTIONS}
        onChange={(architecture) => {
          start.edit('architecture', { architecture });
        }}
      />
      <SelectField
        id="train-width"
        label="Width scale"
        value={form.widthScale}
        options={WIDTH_OPTIONS}
        help={
          <>
            Multiplies every conv and hidden width.
            {params !== null ? ` ${params.toLocaleString()} parameters per vertex.` : ''}
          </>
        }
        onChange={(widthScale) => {
          start.edit('widthScale', { widthScale });
        }}
      />
    </div>
  );
}
