// Runs on the page: which simplexes of the library can join the ensemble being built. Pure, so it
// is unit-tested. Every simplex of a model is its own component (an ESPRO ensemble contributes one
// per trained simplex, a complex one per mode's simplex, a base model its single vertex); all must
// share architecture, width and classes with the first one chosen and the evaluation dataset,
// because their softmax outputs are averaged class by class on the same images.

import type { ComponentChoice } from '../../../protocol/commands/ensembles';
import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import { complexLabel, kindLabel, widthLabel } from '../models/describe';

export interface Candidate extends ComponentChoice {
  key: string;
  model: ModelSummary;
  /** `name · simplex {0,1,2}` */
  label: string;
  /** Why it cannot join now, or null when it can. */
  disabled: string | null;
}

export const candidateKey = (c: ComponentChoice) => `${c.modelId}/${c.simplex}`;

function shape(m: ModelSummary): string {
  return `${m.spec.architecture} at width ${widthLabel(m.spec.widthScale)} for ${m.spec.numClasses} classes`;
}

/**
 * Every simplex of every model, in library order, with the reason it is disabled: wrong class count
 * for the dataset, trained on another dataset, or a different shape from the first chosen.
 */
export function candidates(
  models: readonly ModelSummary[],
  dataset: DatasetInfo | null,
  selected: ReadonlySet<string>,
): Candidate[] {
  const all = models.flatMap((model) =>
    model.complex.map((simplex, s) => ({
      modelId: model.id,
      simplex: s,
      key: candidateKey({ modelId: model.id, simplex: s }),
      model,
      label:
        model.complex.length === 1
          ? `${model.name} (${kindLabel(model.kind)})`
          : `${model.name} (${kindLabel(model.kind)}) · simplex ${complexLabel([simplex])}`,
    })),
  );
  const first = all.find((c) => selected.has(c.key))?.model ?? null;
  return all.map((c) => ({ ...c, disabled: reason(c.model, dataset, first) }));
}

function reason(m: ModelSummary, dataset: DatasetInfo | null, first: ModelSummary | null): string | null {
  if (dataset) {
    if (m.spec.numClasses !== dataset.classNames.length) {
      return `${m.spec.numClasses} classes; ${dataset.name} has ${dataset.classNames.length}`;
    }
    if (m.dataset?.id && m.dataset.id !== dataset.id) return `trained on ${m.dataset.name}`;
  }
  if (
    first &&
    (m.spec.architecture !== first.spec.architecture ||
      m.spec.widthScale !== first.spec.widthScale ||
      m.spec.numClasses !== first.spec.numClasses)
  ) {
    return `${shape(m)}; the ensemble is ${shape(first)}`;
  }
  return null;
}

/** The chosen candidates that may still join, in library order (the order of "first k components"). */
export function chosenComponents(
  list: readonly Candidate[],
  selected: ReadonlySet<string>,
): ComponentChoice[] {
  return list
    .filter((c) => selected.has(c.key) && c.disabled === null)
    .map(({ modelId, simplex }) => ({ modelId, simplex }));
}
