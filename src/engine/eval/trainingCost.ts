// Training cost of ensemble components in images passed forward and backward, so that error
// against cost compares equal budgets honestly: a SPRO vertex stage with n_sample draws costs
// n_sample passes per image. Counted from a model's stored settings through the same stage plan
// the trainer runs (train/plan.ts); imported models have no settings and an unknown cost.
//
//   cost(stage) = epochs × images per epoch × draws per batch
//   images per epoch = ⌊N / batch⌋ · batch,  N = trainLimit ? min(trainLimit, train images) : train images

import type { Json } from '../../protocol/commands/models';
import {
  NUMBER_RULES,
  PROCEDURES,
  numberError,
  trainImagesUsed,
  type TrainSettings,
} from '../../protocol/settings';
import { planStages, type Stage } from '../train/plan';

export interface ComponentCost {
  /** The component (its base mode included); null when unknown. */
  cost: number | null;
  /** Its base mode alone; null when unknown. */
  modeCost: number | null;
  note: string;
}

/** Cost of a library model's base mode, or null when unknown (looked up for simplexes and complexes). */
export type ModeCostLookup = (modelId: string) => number | null;

/** The stored `training` JSON as settings, or null when it is not a studio run's settings. */
export function asTrainSettings(training: Json): TrainSettings | null {
  if (training === null || typeof training !== 'object' || Array.isArray(training)) return null;
  const t = training as Partial<Record<keyof TrainSettings, Json>>;
  // Only what the cost reads: files from other studio versions may carry other settings.
  const numeric = ['batchSize', 'baseEpochs', 'epochsPerVertex', 'nSample', 'trainLimit'] as const;
  if (!numeric.every((k) => typeof t[k] === 'number' && numberError(NUMBER_RULES[k], t[k]) === null))
    return null;
  if (!PROCEDURES.some((p) => p === t.procedure)) return null;
  return training as unknown as TrainSettings;
}

/** Full batches per epoch times the batch size (the loader drops the partial last batch). */
export function imagesPerEpoch(settings: TrainSettings, trainImages: number): number {
  return Math.floor(trainImagesUsed(settings, trainImages) / settings.batchSize) * settings.batchSize;
}

function stageCost(stage: Stage, perEpoch: number): number {
  return stage.epochs * perEpoch * stage.nSample;
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/**
 * Cost of each simplex of a model trained with `settings` on `trainImages` images. A complex's
 * connectors are shared by its simplexes: each is charged an equal share, plus its own mode.
 */
export function componentCosts(
  settings: TrainSettings | null,
  trainImages: number | null,
  simplexCount: number,
  modeCost: ModeCostLookup,
): ComponentCost[] {
  const unknown = (note: string): ComponentCost[] =>
    Array.from({ length: simplexCount }, () => ({ cost: null, modeCost: null, note }));
  if (!settings) return unknown('unknown: imported, no training settings');
  if (trainImages === null) return unknown('unknown: the training dataset is not stored');
  let stages: Stage[];
  try {
    stages = planStages(settings);
  } catch {
    return unknown('unknown: the stored settings do not plan');
  }
  const perEpoch = imagesPerEpoch(settings, trainImages);
  const vertexCost = (component: number) =>
    sum(
      stages
        .filter((s) => s.component === component && s.kind === 'vertex')
        .map((s) => stageCost(s, perEpoch)),
    );
  const drawNote = `${perEpoch} images per epoch, ${settings.nSample} draws per batch in vertex stages`;
  switch (settings.procedure) {
    case 'base': {
      const base = sum(stages.map((s) => stageCost(s, perEpoch)));
      return [{ cost: base, modeCost: base, note: `${settings.baseEpochs} epochs × ${perEpoch} images` }];
    }
    case 'ensemble':
      return Array.from({ length: simplexCount }, (_, c) => {
        const base = sum(
          stages.filter((s) => s.component === c && s.kind === 'base').map((s) => stageCost(s, perEpoch)),
        );
        return { cost: base + vertexCost(c), modeCost: base, note: drawNote };
      });
    case 'curve': {
      // Both ends are charged to the curve, as both had to be trained for it.
      const ends = settings.modes.map((id) => modeCost(id));
      const own = sum(stages.map((s) => stageCost(s, perEpoch)));
      if (ends.some((c) => c === null)) {
        return [
          {
            cost: null,
            modeCost: null,
            note: `unknown: an end's cost is unknown (${perEpoch} images per epoch)`,
          },
        ];
      }
      const modes = sum(ends as number[]);
      return [
        {
          cost: modes + own,
          modeCost: modes,
          note: `both ends + ${settings.curveEpochs} curve epochs × ${perEpoch} images`,
        },
      ];
    }
    case 'simplex':
    case 'complex': {
      const shared = vertexCost(0) / Math.max(1, simplexCount);
      return Array.from({ length: simplexCount }, (_, s) => {
        const id = settings.modes[s] ?? settings.modes[0];
        const mode = id === undefined ? null : modeCost(id);
        const split = settings.procedure === 'complex' ? ', connectors shared equally' : '';
        return mode === null
          ? { cost: null, modeCost: null, note: `unknown: the starting mode's cost is unknown (${drawNote})` }
          : { cost: mode + shared, modeCost: mode, note: `mode + vertex stages (${drawNote}${split})` };
      });
    }
  }
}
