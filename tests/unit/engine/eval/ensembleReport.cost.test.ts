// Training cost per ensemble component, against hand-computed image counts.

import { describe, expect, it } from 'vitest';
import { asTrainSettings, componentCosts, imagesPerEpoch } from '../../../../src/engine/eval/trainingCost';
import { defaultSettings, type TrainSettings } from '../../../../src/protocol/settings';
import type { Json } from '../../../../src/protocol/commands/models';

const settings = (over: Partial<TrainSettings>): TrainSettings => ({
  ...defaultSettings('base'),
  ...over,
});
const noModes = () => null;

describe('training cost', () => {
  it('counts full batches only, within trainLimit', () => {
    expect(imagesPerEpoch(settings({ batchSize: 128 }), 50_000)).toBe(390 * 128);
    expect(imagesPerEpoch(settings({ batchSize: 100, trainLimit: 250 }), 50_000)).toBe(200);
  });

  it('charges a base model its epochs × images', () => {
    const s = settings({ procedure: 'base', baseEpochs: 300, batchSize: 100 });
    expect(componentCosts(s, 50_000, 1, noModes)).toEqual([
      { cost: 300 * 50_000, modeCost: 300 * 50_000, note: '300 epochs × 50000 images' },
    ]);
  });

  it('charges each ESPRO component its base stage and n_sample draws per vertex stage', () => {
    // 3 components, 2 vertices each, 10 epochs per vertex at 5 draws, base 300 epochs.
    const s = settings({
      ...defaultSettings('ensemble'),
      batchSize: 100,
      baseEpochs: 300,
      epochsPerVertex: 10,
      nSample: 5,
      vertices: 2,
      components: 3,
    });
    const costs = componentCosts(s, 1000, 3, noModes);
    expect(costs).toHaveLength(3);
    for (const c of costs) {
      expect(c.modeCost).toBe(300 * 1000);
      expect(c.cost).toBe(300 * 1000 + 2 * 10 * 1000 * 5);
    }
  });

  it('adds a simplex’s vertex stages to its mode’s cost, and shares a complex’s connectors', () => {
    const simplex = settings({
      ...defaultSettings('simplex'),
      modes: ['m0'],
      vertices: 3,
      epochsPerVertex: 10,
      nSample: 5,
      batchSize: 10,
    });
    const lookup = (id: string) => (id === 'm0' ? 7 : id === 'm1' ? 11 : null);
    expect(componentCosts(simplex, 100, 1, lookup)[0]).toMatchObject({
      cost: 7 + 3 * 10 * 100 * 5,
      modeCost: 7,
    });

    const complex = settings({
      ...defaultSettings('complex'),
      modes: ['m0', 'm1'],
      connectors: 2,
      epochsPerVertex: 4,
      nSample: 3,
      batchSize: 10,
    });
    const costs = componentCosts(complex, 100, 2, lookup);
    const connectors = 2 * 4 * 100 * 3;
    expect(costs.map((c) => c.cost)).toEqual([7 + connectors / 2, 11 + connectors / 2]);
    expect(componentCosts(complex, 100, 2, noModes)[0]?.cost).toBeNull();
  });

  it('says unknown for imported models and bad settings', () => {
    expect(asTrainSettings(null)).toBeNull();
    expect(asTrainSettings({ procedure: 'base' })).toBeNull();
    const s = defaultSettings('base') as unknown as Json;
    expect(asTrainSettings(s)?.procedure).toBe('base');
    const [c] = componentCosts(null, null, 1, noModes);
    expect(c?.cost).toBeNull();
    expect(c?.note).toContain('unknown');
    expect(componentCosts(settings({}), null, 1, noModes)[0]?.cost).toBeNull();
  });
});
