import { describe, expect, it } from 'vitest';
import { downsample, ema } from '../../../src/ui/charts/seriesMath';
import {
  applyEdits,
  initialForm,
  matchMode,
  modeIncompatibility,
  estimatedSeconds,
  measuredRate,
  parseForm,
  pickPreset,
  followBatch,
  refillDefaults,
  rememberForm,
  restoreForm,
} from '../../../src/ui/sections/train/settingsForm';
import { applyRunUpdate, canResume } from '../../../src/ui/sections/train/runUpdates';
import { dataset, model } from './fixtures';
import type { RunRecord, StepPoint, TrainProgress } from '../../../src/protocol/commands/train';
import {
  defaultSettings,
  presetSettings,
  validateSettings,
  type TrainSettings,
} from '../../../src/protocol/settings';

const synthetic = dataset('synthetic', 10);
const cifar100 = dataset('cifar100', 100);

describe('start-a-run form', () => {
  it('starts from the reference defaults and parses them back unchanged', () => {
    const { settings, errors } = parseForm(initialForm('base', synthetic), [synthetic], []);
    expect(errors).toEqual({});
    expect(settings).toEqual(defaultSettings('base', 'synthetic', 10));
  });

  it('refills untouched fields on a new procedure or dataset and keeps edited ones', () => {
    let form = initialForm('base', synthetic);
    form = { ...form, text: { ...form.text, batchSize: '16' }, touched: new Set(['batchSize']) };
    form = refillDefaults(form, 'complex', synthetic, 'synthetic');
    expect(form.text.batchSize).toBe('16');
    // The complex's 0.005 is for batches of 128: at the kept batch of 16 it is an eighth of that.
    expect(form.text.simplexLr).toBe('0.000625');
    expect(form.text.weightDecay).toBe('0');
    form = refillDefaults(form, 'simplex', cifar100, 'cifar100');
    expect(form.text.epochsPerVertex).toBe('20');
    expect(form.text.lmbd).toBe('1e-10');
  });

  it('moves the untouched learning rates with the batch size, and keeps a rate the user set', () => {
    let form = initialForm('simplex', synthetic);
    form = followBatch({ ...form, text: { ...form.text, batchSize: '64' }, touched: new Set(['batchSize']) });
    expect(form.text.baseLr).toBe('0.025');
    expect(form.text.simplexLr).toBe('0.005');
    form = {
      ...form,
      text: { ...form.text, simplexLr: '0.02' },
      touched: new Set([...form.touched, 'simplexLr']),
    };
    form = followBatch({ ...form, text: { ...form.text, batchSize: '256' } });
    expect(form.text.baseLr).toBe('0.1');
    expect(form.text.simplexLr).toBe('0.02');
  });

  it('says per field what is wrong', () => {
    const form = initialForm('simplex', synthetic);
    const { settings, errors } = parseForm(
      { ...form, text: { ...form.text, simplexLr: '0', nSample: '2.5', lmbd: 'x', batchSize: '2000' } },
      [synthetic],
      [],
    );
    expect(settings).toBeNull();
    expect(errors.simplexLr).toBe('Must be above 0.');
    expect(errors.nSample).toBe('Must be a whole number.');
    expect(
      parseForm({ ...form, text: { ...form.text, nSample: 'five' } }, [synthetic], []).errors.nSample,
    ).toMatch(/Enter a whole number, e.g. 10/);
    expect(errors.lmbd).toMatch(/Enter a number/);
    expect(errors.batchSize).toMatch(/1000 training images/);
    expect(errors.modes).toBe(
      'Simplex around a mode (SPRO) starts from one mode of the model library; 0 picked.',
    );
  });

  it('takes modes that match the run and names why others do not fit', () => {
    const form = { ...initialForm('complex', synthetic), modes: ['a', 'b'] };
    expect(parseForm(form, [synthetic], [model('a'), model('b')]).settings?.modes).toEqual(['a', 'b']);
    expect(modeIncompatibility(model('s', { kind: 'simplex', vertexCount: 3 }), form, 10)).toMatch(
      /not a single/,
    );
    const narrow = model('n', { spec: { architecture: 'vgg16', widthScale: 0.125, numClasses: 10 } });
    expect(modeIncompatibility(narrow, form, 10)).toBe('width 1/8, run is 1');
    expect(modeIncompatibility(model('c'), form, 100)).toBe('10 classes, dataset has 100');
  });

  it('matches the form to a mode that does not fit: its architecture, width and dataset', () => {
    const cifar100 = dataset('cifar100', 100);
    const form = initialForm('simplex', cifar100);
    const narrow = model('n', {
      spec: { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 },
      dataset: { id: 'synthetic', name: 'Synthetic' },
    });
    expect(modeIncompatibility(narrow, form, 100)).not.toBeNull();
    const matched = matchMode(form, narrow, [cifar100, synthetic]);
    expect(matched).toMatchObject({
      architecture: 'vgg11',
      widthScale: 0.125,
      datasetId: 'synthetic',
      modes: ['n'],
    });
    if (!matched) return;
    expect(modeIncompatibility(narrow, matched, 10)).toBeNull();
    // CIFAR-10's defaults for the untouched fields, and the form now parses with the mode.
    expect(matched.text.epochsPerVertex).toBe('10');
    expect(parseForm(matched, [cifar100, synthetic], [narrow]).errors).toEqual({});
    // No form takes a simplex, or a model whose class count no stored dataset has.
    expect(matchMode(form, model('s', { kind: 'simplex', vertexCount: 3 }), [synthetic])).toBeNull();
    expect(matchMode(form, narrow, [cifar100])).toBeNull();
  });
});

describe('presets', () => {
  it('are valid runs, and one click between them keeps the procedure, dataset and modes', () => {
    for (const procedure of ['base', 'simplex', 'complex', 'ensemble'] as const) {
      const small = presetSettings('small', procedure, 'synthetic', 10);
      expect(
        validateSettings(
          {
            ...small,
            modes:
              procedure === 'base' || procedure === 'ensemble'
                ? []
                : procedure === 'simplex'
                  ? ['m']
                  : ['a', 'b'],
          },
          10_000,
        ),
      ).toEqual({});
      expect(small).toMatchObject({ architecture: 'vgg11', widthScale: 0.125, trainLimit: 2000 });
      // The CPU preset learns all of a real dataset: its rates are the reference's at its batch.
      const cpu = presetSettings('cpu', procedure, 'fashion-mnist', 10);
      const modes = procedure === 'simplex' ? ['m'] : procedure === 'complex' ? ['a', 'b'] : [];
      expect(validateSettings({ ...cpu, modes }, 60_000)).toEqual({});
      expect(cpu).toMatchObject({ architecture: 'vgg11bn', batchSize: 64, augment: false, trainLimit: 0 });
      expect(cpu.baseLr).toBeCloseTo(0.025, 10);
      expect(cpu.simplexLr).toBeCloseTo(procedure === 'complex' ? 0.0025 : 0.005, 10);
    }
    const form = { ...initialForm('simplex', synthetic), modes: ['m'], name: 'mine' };
    const small = pickPreset(form, 'small', synthetic);
    expect(small).toMatchObject({
      procedure: 'simplex',
      datasetId: 'synthetic',
      modes: ['m'],
      name: 'mine',
      preset: 'small',
    });
    expect(small.text.batchSize).toBe('32');
    // Another procedure refills untouched fields from the form's preset, not the reference.
    expect(refillDefaults(small, 'base', synthetic, 'synthetic').text.baseEpochs).toBe('4');
    expect(pickPreset(small, 'reference', synthetic).text.baseEpochs).toBe('300');
  });
});

describe('the duration estimate', () => {
  it('uses the latest run of the same size measured here, else the warm-up for its model, else none', () => {
    const run = (
      name: string,
      updatedAt: number,
      imagesPerSecond: number,
      patch: Partial<TrainSettings> = {},
    ) =>
      ({
        name,
        updatedAt,
        settings: {
          ...defaultSettings('base'),
          architecture: 'vgg11',
          widthScale: 0.125,
          batchSize: 8,
          ...patch,
        },
        progress: { imagesPerSecond },
      }) as unknown as RunRecord;
    const wanted = { architecture: 'vgg11', widthScale: 0.125, batchSize: 8 } as const;
    const runs = [
      run('old', 1, 10),
      run('new', 2, 20),
      run('wide', 3, 99, { widthScale: 1 }),
      run('idle', 4, 0),
    ];
    expect(measuredRate(wanted, runs, 5)).toEqual({ imagesPerSecond: 20, source: 'run “new”' });
    expect(measuredRate(wanted, [], 5)).toEqual({ imagesPerSecond: 5, source: 'the start-up warm-up' });
    expect(measuredRate({ ...wanted, architecture: 'vgg16' }, runs, 5)).toBeNull();
    // 1,000 training images and 300 test images (a third of the cost) at 20 images/s.
    expect(estimatedSeconds({ train: 1000, test: 300 }, { imagesPerSecond: 20, source: '' })).toBe(55);
  });
});

describe('the remembered form', () => {
  it('keeps each procedure’s edits across procedure changes and a reload, and nothing it did not edit', () => {
    const data = [dataset('synthetic', 10), dataset('cifar100', 100)];
    const edited = (form: ReturnType<typeof initialForm>, key: 'batchSize' | 'nSample', text: string) => ({
      ...form,
      text: { ...form.text, [key]: text },
      touched: new Set(form.touched).add(key),
    });
    let form = edited(initialForm('base', data[1]), 'batchSize', '32');
    let memory = rememberForm(null, { ...form, augment: false });
    // To simplex: the base edit carries over (as before), and simplex's own edit is recorded.
    form = edited(refillDefaults(form, 'simplex', data[1], 'cifar100'), 'nSample', '3');
    memory = rememberForm(memory, form);
    // A reload opens on the last procedure and dataset, with its edits and defaults elsewhere.
    const reopened = restoreForm(JSON.parse(JSON.stringify(memory)) as typeof memory, data);
    expect(reopened.procedure).toBe('simplex');
    expect(reopened.datasetId).toBe('cifar100');
    expect(reopened.text.nSample).toBe('3');
    expect(reopened.text.batchSize).toBe('32');
    expect(reopened.text.epochsPerVertex).toBe('20');
    // Back to base: base's edits, its augmentation switch included.
    const base = applyEdits(refillDefaults(reopened, 'base', data[1], 'cifar100'), memory.edits.base);
    expect(base.text.batchSize).toBe('32');
    expect(base.augment).toBe(false);
    expect(base.text.baseEpochs).toBe(String(defaultSettings('base').baseEpochs));
    // A dataset no longer stored falls back to the first one.
    expect(restoreForm({ ...memory, datasetId: 'gone' }, data).datasetId).toBe('synthetic');
  });
});

describe('run updates', () => {
  const progress: TrainProgress = {
    step: 0,
    totalSteps: 10,
    stage: 0,
    stageCount: 1,
    stageStep: 0,
    stageSteps: 10,
    imagesPerSecond: NaN,
    secondsLeft: NaN,
  };
  const point = (step: number): StepPoint => ({ step, stage: 0, epoch: 1, loss: 1, accuracy: 0, lr: 0.1 });
  const run: RunRecord = {
    id: 'r',
    name: 'r',
    settings: defaultSettings('base'),
    status: 'running',
    error: null,
    createdAt: 0,
    updatedAt: 0,
    stage: 0,
    stageLabel: '',
    progress: null,
    history: { steps: [], epochs: [] },
    checkpointStep: 0,
    modelIds: [],
  };

  it('appends points and replaces those a resume replays', () => {
    let r = run;
    for (const step of [1, 2, 3, 4, 2, 3])
      r = applyRunUpdate(r, { kind: 'steps', point: point(step), progress });
    expect(r.history.steps.map((p) => p.step)).toEqual([1, 2, 3]);
  });

  it('keeps the live history when a status record carries only the checkpoint', () => {
    const live = applyRunUpdate(run, { kind: 'steps', point: point(5), progress });
    const paused = applyRunUpdate(live, { kind: 'status', run: { ...run, status: 'paused' } });
    expect(paused.status).toBe('paused');
    expect(paused.history.steps).toHaveLength(1);
  });

  it('offers Resume only where the checkpoint can go on', () => {
    expect(canResume({ ...run, status: 'interrupted' })).toBe(true);
    expect(canResume({ ...run, status: 'done' })).toBe(false);
    const nan = { code: 'NAN_LOSS', message: '', recoverable: true } as const;
    expect(canResume({ ...run, status: 'failed', error: nan })).toBe(false);
    expect(canResume({ ...run, status: 'failed', error: { ...nan, code: 'DEVICE_LOST' } })).toBe(true);
    // A diverged run would diverge again from the same checkpoint and seed.
    expect(canResume({ ...run, status: 'diverged', error: { ...nan, code: 'DIVERGED' } })).toBe(false);
  });
});

describe('chart series', () => {
  it('buckets long series to the cap by their means', () => {
    const x = Array.from({ length: 10_000 }, (_, i) => i);
    const out = downsample({ x, y: x }, 2000);
    expect(out.x).toHaveLength(2000);
    expect(out.x[0]).toBe(2);
    expect(out.y[1999]).toBe(9997);
  });

  it('smooths without pulling the start towards zero', () => {
    expect(ema([5, 5, 5])).toEqual([5, 5, 5].map((v) => expect.closeTo(v, 10) as number));
    expect(ema([NaN, 1])[0]).toBeNaN();
  });
});
