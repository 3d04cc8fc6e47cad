// Runs on the page: a run's settings as a collapsible table: the settings the procedure uses, in
// the form's order and words.

import type { ModelSummary } from '../../../protocol/commands/models';
import type { TrainSettings } from '../../../protocol/settings';
import { PROCEDURE_LABELS } from '../../../protocol/settings';
import { NUMERIC_FIELDS, REDUCTION_OPTIONS, WIDTH_LABELS, usesField } from './settingsForm';

export function RunSettings({
  settings,
  models,
}: {
  settings: TrainSettings;
  models: readonly ModelSummary[] | null;
}) {
  // Modes by name while the library still holds them; a deleted one keeps its id.
  const modeName = (id: string) => models?.find((m) => m.id === id)?.name ?? id;
  const rows: [string, string][] = [
    ['Procedure', PROCEDURE_LABELS[settings.procedure]],
    ['Dataset', settings.datasetId],
    ['Architecture', `${settings.architecture}, width ${WIDTH_LABELS[settings.widthScale]}`],
  ];
  if (settings.modes.length > 0) rows.push(['Modes', settings.modes.map(modeName).join(', ')]);
  for (const field of NUMERIC_FIELDS) {
    if (usesField(field, settings.procedure)) rows.push([field.label, String(settings[field.key])]);
  }
  if (settings.procedure !== 'base') {
    const reduction = REDUCTION_OPTIONS.find((o) => o.value === settings.reduction);
    rows.push(['Loss over draws', reduction?.label ?? settings.reduction]);
  }
  return (
    <details className="run-settings">
      <summary>Settings</summary>
      <table>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
