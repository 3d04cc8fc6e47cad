// Runs on the page: the Ensembles form as data. Number fields hold the text as typed; parseEnsembleForm
// turns the form into the worker's EnsembleEvalParams or says, per field, what is wrong (the same
// limits the worker checks, plus the held-out slice fitting in the train split). Pure, so it is
// unit-tested.

import type { DatasetId, DatasetInfo } from '../../../protocol/commands/data';
import type { ComponentChoice, EnsembleEvalParams } from '../../../protocol/commands/ensembles';
import { NUMBER_RULES, numberError, type NumberRule } from '../../../protocol/settings';
import { parseNumberText } from '../../components/numberText';
import { MAX_RECOMPUTE_BATCHES, RECOMPUTED } from '../../../protocol/batchNorm';

const BATCH_SIZE = 128;

export type EnsembleNumberKey = 'points' | 'testLimit' | 'seed' | 'heldOut' | 'bnBatches';

export interface EnsembleForm {
  /** Null: the first stored dataset. */
  datasetId: DatasetId | null;
  /** Candidate keys (candidates.ts) ticked, whether or not they may join now. */
  selected: ReadonlySet<string>;
  text: Record<Exclude<EnsembleNumberKey, 'heldOut'>, string>;
  /** Null until edited: the last 10% of the chosen dataset's train split. */
  heldOut: string | null;
  calibrate: boolean;
  noise: boolean;
  /** Batch-norm components: recompute each sampled point's statistics (off: the stored ones, the reference's). */
  recomputeBn: boolean;
}

export const INITIAL_ENSEMBLE_FORM: EnsembleForm = {
  datasetId: null,
  selected: new Set(),
  text: { points: '25', testLimit: '0', seed: '1', bnBatches: String(RECOMPUTED.batches) },
  heldOut: null,
  calibrate: false,
  noise: false,
  recomputeBn: false,
};

const RULES: Record<EnsembleNumberKey, NumberRule> = {
  points: { integer: true, min: 1, max: 1000 },
  testLimit: { integer: true, min: 0 },
  seed: NUMBER_RULES.seed,
  heldOut: { integer: true, min: 1 },
  bnBatches: { integer: true, min: 1, max: MAX_RECOMPUTE_BATCHES },
};

export function toggleComponent(form: EnsembleForm, key: string, on: boolean): EnsembleForm {
  const selected = new Set(form.selected);
  if (on) selected.add(key);
  else selected.delete(key);
  return { ...form, selected };
}

/** The held-out field's text: as typed, or the default slice of `trainCount`. */
export function heldOutText(form: EnsembleForm, trainCount: number): string {
  return form.heldOut ?? String(Math.round(trainCount / 10));
}

export interface ParsedEnsembleForm {
  /** Null while a field is wrong, no dataset is stored or no component is chosen. */
  params: EnsembleEvalParams | null;
  errors: Partial<Record<EnsembleNumberKey, string>>;
}

export function parseEnsembleForm(
  form: EnsembleForm,
  dataset: DatasetInfo | null,
  components: ComponentChoice[],
): ParsedEnsembleForm {
  const trainCount = dataset?.splits.train.count ?? 0;
  const errors: ParsedEnsembleForm['errors'] = {};
  const read = (key: EnsembleNumberKey, text: string): number => {
    const rule = RULES[key];
    const { value, error } = parseNumberText(text, rule.integer);
    const wrong = error ?? numberError(rule, value);
    if (wrong) errors[key] = wrong;
    return value;
  };
  const points = read('points', form.text.points);
  const testLimit = read('testLimit', form.text.testLimit);
  const seed = read('seed', form.text.seed);
  const bnBatches = form.recomputeBn ? read('bnBatches', form.text.bnBatches) : 0;
  let heldOut = 0;
  if (form.calibrate) {
    heldOut = read('heldOut', heldOutText(form, trainCount));
    if (!errors.heldOut && dataset && heldOut > trainCount) {
      errors.heldOut = `At most ${trainCount}, the ${dataset.name} train split.`;
    }
  }
  if (Object.keys(errors).length > 0 || !dataset || components.length === 0) return { params: null, errors };
  return {
    params: {
      components,
      datasetId: dataset.id,
      pointsPerSimplex: points,
      testLimit,
      heldOut,
      noise: form.noise,
      seed,
      batchSize: BATCH_SIZE,
      ...(form.recomputeBn ? { batchNorm: { statistics: 'recomputed' as const, batches: bnBatches } } : {}),
    },
    errors,
  };
}
