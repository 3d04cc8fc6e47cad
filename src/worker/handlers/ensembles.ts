// Runs in the worker: evaluates an ensemble of library simplexes for the Ensembles section. Loads
// the chosen models once (one SimplexModel per model, its simplexes are the components), predicts
// on the test split, the held-out train slice (only its chunks are read) and the noisy copies, and
// hands the engine's report back. Every model is disposed however the evaluation ends (done,
// cancelled, failed).

import type {
  ComponentInfo,
  EnsembleCommands,
  EnsembleEvalParams,
  EnsembleReport,
} from '../../protocol/commands/ensembles';
import { NOISE_SEVERITIES, POINT_GRID } from '../../protocol/commands/ensembles';

import type { ModelSummary } from '../../protocol/commands/models';
import { StudioError } from '../../protocol/errors';
import { RECOMPUTE_BATCH, batchNormChoiceError } from '../../protocol/batchNorm';
import * as tf from '@tensorflow/tfjs';
import { recomputeBatches } from '../../engine/surface/pointEvaluator';
import {
  drawPoints,
  passesPerComponent,
  predictComponents,
  type ComponentSource,
} from '../../engine/eval/componentPredictions';
import { buildReport, pointGrid, type SplitPredictions } from '../../engine/eval/ensembleReport';
import { noisySplit } from '../../engine/eval/noise';
import { asTrainSettings, componentCosts, type ComponentCost } from '../../engine/eval/trainingCost';
import { SimplexModel } from '../../engine/simplex/simplexModel';
import { batchMaker, type ImageSplit } from '../../engine/train/trainingData';
import { activeEvaluator } from '../backend';
import { REFERENCE_NORMALIZATION } from '../../engine/data/normalization';
import { Rng } from '../../engine/util/rng';
import { deriveSeed } from '../../engine/util/seeds';
import { getDataset, loadSplit, loadSplitTail, type LoadedSplit } from '../storage/datasets';
import { getModel, listModels, type ModelRecord } from '../storage/models';
import type { Handlers } from './types';

export const ensembleHandlers: Handlers<EnsembleCommands> = {
  async evaluateEnsemble(params, ctx) {
    const started = performance.now();
    checkParams(params);
    const records = new Map<string, ModelRecord>();
    for (const { modelId } of params.components) {
      if (!records.has(modelId)) records.set(modelId, await getModel(modelId));
    }
    const test = await loadSplit(params.datasetId, 'test');
    const first = records.get(params.components[0]?.modelId ?? '');
    if (!first) throw new StudioError('BAD_ARGUMENT', 'Choose at least one component.');
    for (const r of records.values()) checkCompatible(r, first, test);

    const costs = await costTable([...records.values()]);
    ctx.signal.throwIfAborted();
    const models = new Map<string, SimplexModel>();
    const disposeLater: tf.Tensor[] = [];
    try {
      for (const [id, r] of records) {
        models.set(
          id,
          SimplexModel.fromVertices(r.spec, r.vertices, {
            complex: r.complex,
            frozen: r.frozen,
            statistics: r.statistics,
            ...(r.curve ? { curve: r.curve } : {}),
          }),
        );
      }
      const M = params.pointsPerSimplex;
      const grid = pointGrid(POINT_GRID, M);
      // Every component normalises its inputs the same way (checkCompatible), as it was trained.
      const makeBatch = batchMaker(first.normalisation);
      // On WebGPU (unless ?step=tfjs) the passes run on the compiled forward pass.
      const factory = activeEvaluator();
      const compiled =
        factory &&
        ((model: SimplexModel, split: ImageSplit, images: number) =>
          factory(model, split, { images, batchSize: params.batchSize, normalisation: first.normalisation }));
      const infos: ComponentInfo[] = [];
      const sources: ComponentSource[] = params.components.map(({ modelId, simplex: s }, c) => {
        const record = records.get(modelId) as ModelRecord;
        const model = models.get(modelId) as SimplexModel;
        const simplex = record.complex[s];
        if (!simplex) {
          throw new StudioError('NOT_FOUND', `"${record.name}" has no simplex ${s}; reload the library.`);
        }
        const modeVertex = simplex.find((v) => record.roles[v] === 'mode') ?? simplex[0] ?? 0;
        const cost: ComponentCost = costs.get(modelId)?.[s] ?? {
          cost: null,
          modeCost: null,
          note: 'unknown',
        };
        infos.push({
          label: componentLabel(c, record, s),
          modelId,
          modelName: record.name,
          simplex: [...simplex],
          modeVertex,
          cost: cost.cost,
          modeCost: cost.modeCost,
          costNote: cost.note,
        });
        const rng = new Rng(deriveSeed(params.seed, 'ensemble-points', c));
        return { model, simplex, modeVertex, points: drawPoints(model, simplex, M, rng) };
      });

      // Batch-norm points with recomputed statistics: the dataset's first training batches.
      const recompute =
        params.batchNorm?.statistics === 'recomputed' && first.statistics.length > 0
          ? recomputeBatches(
              {
                split: await loadSplit(params.datasetId, 'train'),
                batches: params.batchNorm.batches,
                batchSize: RECOMPUTE_BATCH,
              },
              first.normalisation,
            )
          : [];
      disposeLater.push(...recompute);
      const heldOut = params.heldOut > 0 ? await heldOutSlice(params, records) : null;
      ctx.signal.throwIfAborted();
      const phases = 1 + (heldOut ? 1 : 0) + (params.noise ? NOISE_SEVERITIES.length : 0);
      const perPhase = sources.reduce((s, c) => s + passesPerComponent(c.simplex.length, M), 0);
      let done = 0;
      let phase = 'test';
      const options = (name: string, randomSeed: number, grid: readonly number[]) => {
        phase = name;
        ctx.progress({ phase, done, total: perPhase * phases });
        return {
          makeBatch,
          batchSize: params.batchSize,
          limit: params.testLimit,
          pointGrid: grid,
          randomSeed,
          signal: ctx.signal,
          ...(compiled ? { compiled } : {}),
          ...(recompute.length > 0 ? { recompute } : {}),
          onPass: () => {
            done += 1;
            ctx.progress({ phase, done, total: perPhase * phases });
          },
        };
      };
      const testPreds = await predictComponents(
        sources,
        test,
        options('test images', deriveSeed(params.seed, 'random-point', 'test'), grid),
      );
      let heldOutPreds: SplitPredictions | null = null;
      if (heldOut) {
        heldOutPreds = await predictComponents(sources, heldOut.split, {
          ...options('held-out train images', deriveSeed(params.seed, 'random-point', 'held-out'), [M]),
          limit: 0,
        });
      }
      const noisy: { severity: number; sigma: number; predictions: SplitPredictions }[] = [];
      if (params.noise) {
        for (const [i, sigma] of NOISE_SEVERITIES.entries()) {
          const split = noisySplit(
            test,
            sigma,
            params.seed,
            params.testLimit > 0 ? params.testLimit : test.count,
          );
          const predictions = await predictComponents(
            sources,
            split,
            options(`Gaussian noise σ = ${sigma}`, deriveSeed(params.seed, 'random-point', 'noise', i), [M]),
          );
          noisy.push({ severity: i + 1, sigma, predictions });
        }
      }
      const tables = buildReport({
        test: testPreds,
        heldOut: heldOutPreds,
        noisy,
        componentLabels: infos.map((i) => i.label),
        componentVertices: infos.map((i) => i.simplex.length),
        costs: infos,
        pointsPerSimplex: M,
        pointGrid: grid,
        batchSize: params.batchSize,
        seed: params.seed,
      });
      const report: EnsembleReport = {
        params,
        datasetName: (await getDataset(params.datasetId)).name,
        classes: test.numClasses,
        testImages: testPreds.labels.length,
        components: infos,
        pointGrid: grid,
        heldOut: heldOut ? { first: heldOut.first, count: heldOut.split.count, note: heldOut.note } : null,
        rows: tables.rows,
        reliability: tables.reliability,
        seconds: (performance.now() - started) / 1000,
      };
      return report;
    } finally {
      for (const m of models.values()) m.dispose();
      tf.dispose(disposeLater);
    }
  },
};

function checkParams(p: EnsembleEvalParams): void {
  if (p.components.length === 0) throw new StudioError('BAD_ARGUMENT', 'Choose at least one component.');
  const whole = (x: number, min: number, max: number) => Number.isInteger(x) && x >= min && x <= max;
  if (!whole(p.pointsPerSimplex, 1, 1000)) {
    throw new StudioError('BAD_SETTINGS', 'Points per simplex must be a whole number from 1 to 1000.');
  }
  if (!whole(p.batchSize, 1, 4096)) throw new StudioError('BAD_SETTINGS', 'Batch size must be 1…4096.');
  if (!whole(p.testLimit, 0, Infinity) || !whole(p.heldOut, 0, Infinity)) {
    throw new StudioError('BAD_SETTINGS', 'Image counts must be whole numbers ≥ 0 (0 = all or none).');
  }
  const bn = p.batchNorm ? batchNormChoiceError(p.batchNorm) : null;
  if (bn) throw new StudioError('BAD_SETTINGS', bn);
}

/** Same architecture, width and classes as the first component, and the dataset it was made for. */
/** A model's input normalisation as text (files without one use the reference's). */
function normalisationKey(r: ModelRecord): string {
  const n = r.normalisation ?? REFERENCE_NORMALIZATION;
  return `mean (${n.mean.join(', ')}), std (${n.std.join(', ')})`;
}

function checkCompatible(r: ModelRecord, first: ModelRecord, test: LoadedSplit): void {
  const { architecture, widthScale, numClasses } = r.spec;
  if (
    architecture !== first.spec.architecture ||
    widthScale !== first.spec.widthScale ||
    numClasses !== first.spec.numClasses
  ) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `"${r.name}" is ${architecture} at width ${widthScale} for ${numClasses} classes; "${first.name}" is ` +
        `${first.spec.architecture} at width ${first.spec.widthScale} for ${first.spec.numClasses}. ` +
        'An ensemble needs components of one shape.',
    );
  }
  if (numClasses !== test.numClasses) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `"${r.name}" predicts ${numClasses} classes but the chosen dataset has ${test.numClasses}.`,
    );
  }
  if (normalisationKey(r) !== normalisationKey(first)) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `"${r.name}" normalises its inputs with ${normalisationKey(r)} but "${first.name}" with ` +
        `${normalisationKey(first)}: an ensemble's components must read images the same way.`,
    );
  }
  if (r.dataset?.id && r.dataset.id !== test.datasetId) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `"${r.name}" was trained on ${r.dataset.name}; evaluate it on that dataset.`,
    );
  }
}

function componentLabel(c: number, r: ModelRecord, simplex: number): string {
  return r.complex.length === 1 ? `#${c + 1} ${r.name}` : `#${c + 1} ${r.name} [simplex ${simplex}]`;
}

/** Per model id: the cost of each of its simplexes, modes looked up in the library. */
async function costTable(records: readonly ModelRecord[]): Promise<Map<string, ComponentCost[]>> {
  const library = new Map<string, ModelSummary>((await listModels()).map((m) => [m.id, m]));
  const trainImages = new Map<string, number | null>();
  const trainCount = async (datasetId: string): Promise<number | null> => {
    if (!trainImages.has(datasetId)) {
      const count = await getDataset(datasetId).then(
        (d) => d.splits.train.count,
        () => null,
      );
      trainImages.set(datasetId, count);
    }
    return trainImages.get(datasetId) ?? null;
  };
  const costsOf = async (summary: Pick<ModelSummary, 'training' | 'complex'>, depth: number) => {
    const settings = asTrainSettings(summary.training);
    const images = settings ? await trainCount(settings.datasetId) : null;
    // Modes are looked up ahead of time: componentCosts is synchronous.
    const modeCosts = new Map<string, number | null>();
    for (const id of settings?.modes ?? []) {
      const mode = library.get(id);
      modeCosts.set(id, mode && depth < 4 ? ((await costsOf(mode, depth + 1))[0]?.cost ?? null) : null);
    }
    return componentCosts(settings, images, summary.complex.length, (id) => modeCosts.get(id) ?? null);
  };
  const out = new Map<string, ComponentCost[]>();
  for (const r of records) out.set(r.id, await costsOf(r, 0));
  return out;
}

/**
 * The last `heldOut` images of the train split, read without the rest of it. They are held out
 * only from models whose trainLimit stops before them; the note says which case applies.
 */
async function heldOutSlice(
  params: EnsembleEvalParams,
  records: ReadonlyMap<string, ModelRecord>,
): Promise<{ split: LoadedSplit; first: number; note: string }> {
  const { slice, first } = await loadSplitTail(params.datasetId, 'train', params.heldOut);
  const last = first + slice.count - 1;
  const limits = [...records.values()].map((r) => asTrainSettings(r.training)?.trainLimit ?? null);
  const unseen = limits.every((l) => l !== null && l > 0 && l <= first);
  const note = unseen
    ? `train images ${first}…${last}: beyond every component's trainLimit, so not seen in training`
    : `train images ${first}…${last}: at least one component trained on them (or its ` +
      'training is unknown), so T is fitted on seen data and may under-correct over-confidence';
  return { split: slice, first, note };
}
