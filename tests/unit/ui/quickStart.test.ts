import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/protocol/commands/train';
import { runWork, validateSettings } from '../../../src/protocol/settings';
import { quickStartPlan, quickStartSettings } from '../../../src/ui/sections/train/quickStartPlan';
import { modeIncompatibility } from '../../../src/ui/sections/train/settingsForm';
import type { ModelSummary } from '../../../src/protocol/commands/models';

/** The built-in synthetic set's counts. */
const SYNTHETIC = { splits: { train: { count: 10_000 }, test: { count: 2_000 } } } as Parameters<
  typeof quickStartPlan
>[0];

describe('the quick start', () => {
  it('trains runs the worker accepts: a base model, then a 3-vertex simplex grown from that model', () => {
    const base = quickStartSettings('base');
    const simplex = quickStartSettings('simplex', 'model-7');
    expect(validateSettings(base, 10_000)).toEqual({});
    expect(validateSettings(simplex, 10_000)).toEqual({});
    expect(base.procedure).toBe('base');
    expect(base.datasetId).toBe('synthetic');
    expect(simplex.procedure).toBe('simplex');
    expect(simplex.modes).toEqual(['model-7']);
    // The mode plus two added vertices: one face.
    expect(simplex.vertices).toBe(2);
    // The base run's model is a mode the simplex can take.
    const mode = {
      kind: 'base',
      vertexCount: 1,
      spec: { architecture: base.architecture, widthScale: base.widthScale, numClasses: 10 },
    } as ModelSummary;
    expect(modeIncompatibility(mode, simplex, 10)).toBeNull();
  });

  it('estimates each stage from the warm-up, and training from a run of the same size once one exists', () => {
    expect(quickStartPlan(SYNTHETIC, [], null)).toMatchObject({ seconds: null, rate: null });

    const warmUp = { train: 100, evaluation: 1000 };
    const plan = quickStartPlan(SYNTHETIC, [], warmUp);
    // 62 batches of 32 from 2,000 images: 6 base epochs, then 2 vertices of 1 epoch with 2 draws;
    // 256 test images per epoch at a third of a training image.
    expect(runWork(quickStartSettings('base'), 10_000, 2_000)).toEqual({ train: 11_904, test: 1_536 });
    const [base, simplex, surface] = plan.stages.map((s) => s.seconds);
    expect(base).toBeCloseTo((11_904 + 1_536 / 3) / 100, 9);
    expect(simplex).toBeCloseTo((7_936 + 512 / 3) / 100, 9);
    // 21×21 points on 128 images at the evaluation rate.
    expect(surface).toBeCloseTo((21 * 21 * 128) / 1000, 9);
    expect(plan.seconds).toBeCloseTo((base ?? 0) + (simplex ?? 0) + (surface ?? 0), 9);
    expect(plan.rate?.source).toBe('a warm-up at this size');

    const measured = {
      name: 'Quick start: base model',
      updatedAt: 1,
      settings: quickStartSettings('base'),
      progress: { imagesPerSecond: 200 },
    } as unknown as RunRecord;
    const again = quickStartPlan(SYNTHETIC, [measured], warmUp);
    expect(again.rate).toEqual({ imagesPerSecond: 200, source: 'run “Quick start: base model”' });
    expect(again.stages[0]?.seconds).toBeCloseTo((base ?? 0) / 2, 9);
    expect(again.stages[2]?.seconds).toBeCloseTo(surface ?? 0, 9);
  });
});
