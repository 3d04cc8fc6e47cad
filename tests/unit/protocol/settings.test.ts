import { describe, expect, it } from 'vitest';

import { StudioError } from '../../../src/protocol/errors';
import {
  checkSettings,
  defaultSettings,
  trainImagesUsed,
  validateSettings,
  type TrainSettings,
} from '../../../src/protocol/settings';

const base = (patch: Partial<TrainSettings> = {}): TrainSettings => ({
  ...defaultSettings('base'),
  ...patch,
});

describe('validateSettings', () => {
  it('accepts every procedure’s defaults (modes picked where one is needed)', () => {
    expect(validateSettings(base())).toEqual({});
    expect(validateSettings({ ...defaultSettings('simplex'), modes: ['m1'] })).toEqual({});
    expect(validateSettings({ ...defaultSettings('complex'), modes: ['m1', 'm2'] })).toEqual({});
    expect(validateSettings(defaultSettings('ensemble'))).toEqual({});
  });

  it('names each setting that breaks its rule, at the edges of the range', () => {
    const errors = validateSettings(
      base({ momentum: 1, seed: -1, baseLr: 0, batchSize: 2.5, weightDecay: -1e-4, readEvery: 0, lmbd: NaN }),
    );
    expect(Object.keys(errors).sort()).toEqual(
      ['baseLr', 'batchSize', 'lmbd', 'momentum', 'readEvery', 'seed', 'weightDecay'].sort(),
    );
    expect(errors.momentum).toMatch(/below 1/);
    expect(errors.batchSize).toMatch(/whole number/);
    expect(validateSettings(base({ momentum: 0, seed: 2 ** 32 - 1, weightDecay: 0, trainLimit: 0 }))).toEqual(
      {},
    );
    expect(validateSettings(base({ seed: 2 ** 32 })).seed).toMatch(/At most/);
  });

  it('refuses enum values that arrive from files or commands untyped', () => {
    const raw = { ...base(), architecture: 'vgg12', widthScale: 3, reduction: 'max', procedure: 'swa' };
    const errors = validateSettings(raw as unknown as TrainSettings);
    expect(Object.keys(errors).sort()).toEqual(['architecture', 'procedure', 'reduction', 'widthScale']);
  });

  it('counts the modes a simplex (one) and a complex (two or more) start from', () => {
    expect(validateSettings(defaultSettings('simplex')).modes).toMatch(/one mode.*0 picked/);
    expect(validateSettings({ ...defaultSettings('simplex'), modes: ['a', 'b'] }).modes).toMatch(/2 picked/);
    expect(validateSettings({ ...defaultSettings('complex'), modes: ['a'] }).modes).toMatch(/two or more/);
  });

  it('checks the batch against the training images the run uses, limit included', () => {
    expect(validateSettings(base({ batchSize: 64, trainLimit: 50 }), 1000).batchSize).toMatch(
      /50 training images/,
    );
    expect(validateSettings(base({ batchSize: 64, trainLimit: 0 }), 60).batchSize).toMatch(
      /60 training images/,
    );
    expect(validateSettings(base({ batchSize: 64, trainLimit: 5000 }), 1000)).toEqual({});
    // Without a count the batch is only checked on its own.
    expect(validateSettings(base({ batchSize: 64, trainLimit: 50 }))).toEqual({});
  });
});

describe('trainImagesUsed', () => {
  it('is the limit when it is set and smaller than the split, else the split', () => {
    expect(trainImagesUsed({ trainLimit: 0 }, 500)).toBe(500);
    expect(trainImagesUsed({ trainLimit: 100 }, 500)).toBe(100);
    expect(trainImagesUsed({ trainLimit: 900 }, 500)).toBe(500);
  });
});

describe('checkSettings', () => {
  it('throws BAD_SETTINGS naming every wrong setting, and passes sound ones', () => {
    expect(() => {
      checkSettings(base());
    }).not.toThrow();
    let caught: unknown;
    try {
      checkSettings(base({ momentum: 1.5, nSample: 0 }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StudioError);
    expect((caught as StudioError).code).toBe('BAD_SETTINGS');
    expect((caught as StudioError).message).toMatch(/momentum: .*nSample: /);
  });
});
