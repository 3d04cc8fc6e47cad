import { describe, expect, it } from 'vitest';
import {
  INITIAL_ENSEMBLE_FORM,
  heldOutText,
  parseEnsembleForm,
  toggleComponent,
  type EnsembleForm,
} from '../../../../src/ui/sections/ensembles/ensembleForm';
import { dataset as fixture } from '../fixtures';

const dataset = (train: number) => fixture('synthetic', 2, train);
const one = [{ modelId: 'm', simplex: 0 }];
const form = (patch: Partial<EnsembleForm>): EnsembleForm => ({ ...INITIAL_ENSEMBLE_FORM, ...patch });

describe('the Ensembles form', () => {
  it('becomes the worker parameters, without held-out images unless temperature scaling is on', () => {
    const parsed = parseEnsembleForm(
      form({ text: { points: ' 5', testLimit: '16', seed: '3', bnBatches: '4' }, heldOut: '7', noise: true }),
      dataset(100),
      one,
    );
    expect(parsed.errors).toEqual({});
    expect(parsed.params).toEqual({
      components: one,
      datasetId: 'synthetic',
      pointsPerSimplex: 5,
      testLimit: 16,
      heldOut: 0,
      noise: true,
      seed: 3,
      batchSize: 128,
    });
  });

  it('recomputes batch-norm statistics only when asked, from the batches given', () => {
    expect(parseEnsembleForm(form({}), dataset(100), one).params).not.toHaveProperty('batchNorm');
    const on = parseEnsembleForm(form({ recomputeBn: true }), dataset(100), one);
    expect(on.params?.batchNorm).toEqual({ statistics: 'recomputed', batches: 4 });
    const bad = form({ recomputeBn: true, text: { ...INITIAL_ENSEMBLE_FORM.text, bnBatches: '101' } });
    expect(parseEnsembleForm(bad, dataset(100), one).errors).toEqual({ bnBatches: 'At most 100.' });
  });

  it('holds out the last tenth of the train split until the field is edited', () => {
    expect(heldOutText(INITIAL_ENSEMBLE_FORM, 2000)).toBe('200');
    expect(parseEnsembleForm(form({ calibrate: true }), dataset(2000), one).params?.heldOut).toBe(200);
    expect(heldOutText(form({ heldOut: '16' }), 2000)).toBe('16');
  });

  it('says per field what is wrong and offers no parameters, keeping the text as typed', () => {
    const typed = form({
      text: { points: '0', testLimit: '1.5', seed: '', bnBatches: '4' },
      calibrate: true,
      heldOut: '500',
    });
    const parsed = parseEnsembleForm(typed, dataset(100), one);
    expect(parsed.params).toBeNull();
    expect(parsed.errors).toEqual({
      points: 'At least 1.',
      testLimit: 'Must be a whole number.',
      seed: 'Required.',
      heldOut: 'At most 100, the synthetic train split.',
    });
    expect(typed.text.testLimit).toBe('1.5');
    expect(
      parseEnsembleForm(
        form({ text: { points: '1001', testLimit: '0', seed: '1', bnBatches: '4' } }),
        dataset(9),
        one,
      ).errors,
    ).toEqual({ points: 'At most 1000.' });
  });

  it('offers nothing to evaluate without a component or a dataset', () => {
    expect(parseEnsembleForm(INITIAL_ENSEMBLE_FORM, dataset(100), []).params).toBeNull();
    expect(parseEnsembleForm(INITIAL_ENSEMBLE_FORM, null, one).params).toBeNull();
  });

  it('ticks and unticks components without touching the form it came from', () => {
    const on = toggleComponent(INITIAL_ENSEMBLE_FORM, 'm/0', true);
    expect([...on.selected]).toEqual(['m/0']);
    expect(INITIAL_ENSEMBLE_FORM.selected.size).toBe(0);
    expect(toggleComponent(on, 'm/0', false).selected.size).toBe(0);
  });
});
