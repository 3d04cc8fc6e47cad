import { describe, expect, it } from 'vitest';
import { planStages } from '../../../src/engine/train/plan';
import { defaultSettings, runWork, type TrainSettings } from '../../../src/protocol/settings';

/** The work as the engine's plan implies it: Σ epochs × steps × batch × draws per stage. */
function planned(settings: TrainSettings, trainCount: number): number {
  const steps = Math.floor(Math.min(settings.trainLimit || trainCount, trainCount) / settings.batchSize);
  return planStages(settings).reduce((sum, s) => sum + s.epochs * steps * settings.batchSize * s.nSample, 0);
}

describe('runWork', () => {
  it('counts the images the stage plan trains on, for every procedure', () => {
    const cases: TrainSettings[] = [
      { ...defaultSettings('base'), baseEpochs: 3, batchSize: 7 },
      { ...defaultSettings('simplex'), modes: ['m'], vertices: 3, epochsPerVertex: 2, nSample: 4 },
      { ...defaultSettings('complex'), modes: ['a', 'b', 'c'], connectors: 2, epochsPerVertex: 5 },
      { ...defaultSettings('ensemble'), components: 3, vertices: 2, baseEpochs: 4, trainLimit: 1000 },
    ];
    for (const settings of cases) {
      expect(runWork(settings, 10_000, 2_000).train, settings.procedure).toBe(planned(settings, 10_000));
    }
    expect(runWork(cases[0] as TrainSettings, 10_000, 2_000).test).toBe(3 * 2_000);
  });

  it('stops counting at a stop after N steps', () => {
    const settings = {
      ...defaultSettings('simplex'),
      modes: ['m'],
      batchSize: 10,
      trainLimit: 100,
      stopAfter: 25,
    };
    // 10 steps an epoch, each of 5 draws: 25 steps are 2.5 epochs, the last one partly trained and tested.
    expect(runWork(settings, 10_000, 50)).toEqual({ train: 25 * 10 * 5, test: 3 * 50 });
  });
});
