import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '../../../../src/protocol/commands/models';
import { model as fixture } from '../fixtures';
import { edgeStatusLine } from '../../../../src/ui/sections/surfaces/EdgeProfilesPanel';
import type {
  EdgeProfileData,
  SurfaceGrid,
  SurfaceProgress,
} from '../../../../src/protocol/commands/surfaces';
import { surfaceKey } from '../../../../src/protocol/commands/surfaces';
import { hasBatchNorm } from '../../../../src/ui/sections/models/describe';
import {
  ALL_FACES,
  INITIAL_SURFACE_FORM,
  datasetOptions,
  faceChoice,
  faceOptions,
  parseSurfaceForm,
  pickModel,
  selectedEdges,
  selectedFaces,
  withSettings,
} from '../../../../src/ui/sections/surfaces/surfaceForm';
import {
  shownFaces,
  surfaceStatusLine,
  type SurfaceJobStatus,
} from '../../../../src/ui/sections/surfaces/useSurfaceJob';

function model(id: string, complex: number[][], vertexCount: number, patch: Partial<ModelSummary> = {}) {
  const each = <T>(value: T) => Array.from({ length: vertexCount }, () => value);
  return fixture(id, {
    kind: 'complex',
    complex,
    vertexCount,
    frozen: each(false),
    roles: each('mode'),
    ...patch,
  });
}

const twoFaces = model(
  'two',
  [
    [0, 1, 3],
    [0, 2, 3],
  ],
  4,
);
const edge = model('edge', [[0, 1]], 2);
const single = model('single', [[0]], 1);

describe('the Surfaces form', () => {
  it('opens on the first model with a face, and skips models without an edge', () => {
    const { eligible, model: picked } = pickModel([single, edge, twoFaces], null);
    expect(eligible.map((m) => m.id)).toEqual(['edge', 'two']);
    expect(picked?.id).toBe('two');
    expect(pickModel([single, edge, twoFaces], 'edge').model?.id).toBe('edge');
    expect(pickModel([single, edge], 'gone').model?.id).toBe('edge');
  });

  it('offers all faces, then the complex’s faces, then the other triples, and falls back to the first', () => {
    const options = faceOptions(twoFaces);
    expect(options.map((o) => o.value)).toEqual([ALL_FACES, '0,1,3', '0,2,3', '0,1,2', '1,2,3']);
    expect(options[3]?.label).toBe('v0, v1, v2 (not a face of the complex)');
    expect(faceOptions(edge)).toEqual([]);
    expect(faceChoice(options, '0,2,3')).toBe('0,2,3');
    expect(faceChoice(options, '9,9,9')).toBe(ALL_FACES);
  });

  it('computes the faces and edges a choice means', () => {
    expect(selectedFaces(twoFaces, ALL_FACES)).toEqual([
      [0, 1, 3],
      [0, 2, 3],
    ]);
    expect(selectedFaces(twoFaces, '0,1,2')).toEqual([[0, 1, 2]]);
    expect(selectedEdges(twoFaces, '0,1,2')).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(selectedEdges(twoFaces, ALL_FACES)).toHaveLength(5);
    expect(selectedEdges(edge, '')).toEqual([[0, 1]]);
  });

  it("evaluates on the model's own dataset, listed under its id until it is stored", () => {
    const trained = model('t', [[0, 1, 2]], 3, { dataset: { id: 'cifar10', name: 'CIFAR-10' } });
    const parsed = parseSurfaceForm(INITIAL_SURFACE_FORM, trained);
    expect(parsed.settings).toEqual({
      gridSize: 21,
      margin: 0.2,
      images: 256,
      datasetId: 'cifar10',
      split: 'train',
      metric: 'loss',
    });
    expect(datasetOptions([], 'cifar10', trained)).toEqual([{ value: 'cifar10', label: 'CIFAR-10' }]);
    expect(
      parseSurfaceForm({ ...INITIAL_SURFACE_FORM, datasetId: 'synthetic' }, trained).settings?.datasetId,
    ).toBe('synthetic');
  });

  it('says per field what is wrong and offers no settings', () => {
    const form = {
      ...INITIAL_SURFACE_FORM,
      text: { gridSize: '62', margin: '-1', images: '2.5', bnBatches: '0' },
    };
    expect(parseSurfaceForm(form, twoFaces)).toEqual({
      settings: null,
      errors: { gridSize: 'At most 61.', margin: 'At least 0.', images: 'Must be a whole number.' },
    });
  });

  it('asks a batch-norm model how its points get statistics, and keys the surface by it', () => {
    const resnet = model('r', [[0, 1, 2]], 3, {
      spec: { architecture: 'preresnet8', widthScale: 1, numClasses: 10 },
    });
    expect(hasBatchNorm(resnet)).toBe(true);
    expect(hasBatchNorm(twoFaces)).toBe(false);
    // Recomputed from 4 batches by default; a VGG without batch norm has no such setting at all.
    expect(parseSurfaceForm(INITIAL_SURFACE_FORM, resnet).settings?.batchNorm).toEqual({
      statistics: 'recomputed',
      batches: 4,
    });
    expect(parseSurfaceForm(INITIAL_SURFACE_FORM, twoFaces).settings).not.toHaveProperty('batchNorm');
    const stored = parseSurfaceForm({ ...INITIAL_SURFACE_FORM, bnStatistics: 'stored' }, resnet).settings;
    expect(stored?.batchNorm?.statistics).toBe('stored');
    const recomputed = parseSurfaceForm(INITIAL_SURFACE_FORM, resnet).settings;
    if (!stored || !recomputed) throw new Error('settings expected');
    expect(surfaceKey('r', [0, 1, 2], stored)).not.toBe(surfaceKey('r', [0, 1, 2], recomputed));
    const wrong = { ...INITIAL_SURFACE_FORM, text: { ...INITIAL_SURFACE_FORM.text, bnBatches: '0' } };
    expect(parseSurfaceForm(wrong, resnet).errors).toEqual({ bnBatches: 'At least 1.' });
    // The batch count is only read while recomputing.
    expect(parseSurfaceForm({ ...wrong, bnStatistics: 'stored' }, resnet).errors).toEqual({});
    expect(
      withSettings(INITIAL_SURFACE_FORM, { batchNorm: { statistics: 'stored', batches: 9 } }),
    ).toMatchObject({
      bnStatistics: 'stored',
      text: { bnBatches: '9' },
    });
  });

  it("lays a request's settings over the form as text", () => {
    const form = withSettings(INITIAL_SURFACE_FORM, { gridSize: 11, split: 'test' });
    expect(form.text).toEqual({ gridSize: '11', margin: '0.2', images: '256', bnBatches: '4' });
    expect(parseSurfaceForm(form, twoFaces).settings?.split).toBe('test');
  });
});

describe('the surface job as the section shows it', () => {
  const grid = (id: string, done: number) => ({ id, done, u: [0, 1, 2] }) as unknown as SurfaceGrid;
  const level = (g: SurfaceGrid): SurfaceProgress => ({ grid: g, level: 1, levels: 3 });
  const first = { grid: grid('a', 9), cached: true };

  it('says which face and level it is on, and that it was cancelled', () => {
    const running = (
      progress: Extract<SurfaceJobStatus, { kind: 'running' }>['progress'],
    ): SurfaceJobStatus => ({
      kind: 'running',
      progress,
    });
    expect(surfaceStatusLine(running({ face: 1, faces: 2, level: null, shown: [first] }))).toBe(
      'Face 2 of 2: starting…',
    );
    expect(
      surfaceStatusLine(running({ face: 1, faces: 2, level: level(grid('b', 4)), shown: [first] })),
    ).toBe('Face 2 of 2: level 2 of 3, 4 of 9 points');
    expect(surfaceStatusLine({ kind: 'cancelled', progress: null })).toBe('Cancelled.');
    expect(surfaceStatusLine({ kind: 'done', result: [first] })).toBeNull();
  });

  it('keeps the faces drawn so far on screen when a job is cancelled or fails', () => {
    const partial = { face: 1, faces: 2, level: null, shown: [first] };
    expect(shownFaces({ kind: 'cancelled', progress: partial })).toEqual([first]);
    expect(
      shownFaces({
        kind: 'failed',
        error: { code: 'DEVICE_LOST', message: '', recoverable: false },
        progress: partial,
      }),
    ).toEqual([first]);
    expect(shownFaces({ kind: 'idle' })).toEqual([]);
    expect(shownFaces({ kind: 'done', result: [first] })).toEqual([first]);
  });
});

describe('the edge profiles job as the panel shows it', () => {
  it('counts edges while it runs and sums up when done', () => {
    expect(edgeStatusLine({ kind: 'running', progress: { done: 1, total: 3 } })).toBe(
      'Computing: 1 of 3 edges done…',
    );
    const profile = { t: Array.from({ length: 11 }, (_, i) => i / 10) } as unknown as EdgeProfileData;
    expect(
      edgeStatusLine({ kind: 'done', result: { profiles: [profile, profile, profile], seconds: 2.04 } }),
    ).toBe('Computed: 3 edges × 11 points in 2.0 s.');
    expect(edgeStatusLine({ kind: 'done', result: { profiles: [profile], seconds: 1 } })).toMatch(
      /^Computed: 1 edge ×/,
    );
    expect(edgeStatusLine({ kind: 'cancelled', progress: null })).toBeNull();
  });
});
