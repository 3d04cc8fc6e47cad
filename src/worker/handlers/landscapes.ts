// Runs in the worker; no DOM. The landscape pictures (engine/landscape): interpolations, random
// planes and training-path planes of stored models and runs, streamed as they fill. The last one
// computed stays loaded (its small model and the first split's evaluator) so a clicked point
// costs one evaluation.

import {
  buildLandscape,
  computeLandscape,
  type BuiltLandscape,
  type LandscapeModels,
} from '../../engine/landscape/compute';
import { hdf5File } from '../../engine/formats/hdf5';
import type { TfVertex } from '../../engine/formats/layout';
import type { SimplexModel } from '../../engine/simplex/simplexModel';
import { openPointEvaluator, type PointEvaluator } from '../../engine/surface/pointEvaluator';
import type { ChannelNormalisation } from '../../engine/train/trainingData';
import { RECOMPUTE_BATCH } from '../../protocol/batchNorm';
import type { LandscapeCommands, VertexRef } from '../../protocol/commands/landscapes';
import type { DatasetSplit } from '../../protocol/commands/data';
import { StudioError } from '../../protocol/errors';
import {
  landscapeFileStem,
  landscapeHdf5Attributes,
  landscapeHdf5Datasets,
  landscapeSettingsError,
  type LandscapeSettings,
} from '../../protocol/landscape';
import { activeEvaluator } from '../backend';
import { loadSplit } from '../storage/datasets';
import { getModel } from '../storage/models';
import { getPath, getRun, listRunRecords, pathEpochs } from '../storage/runs';
import type { Handlers } from './types';

interface Kept {
  id: string;
  built: BuiltLandscape;
  evaluator: PointEvaluator;
  split: DatasetSplit;
}

/** The last landscape computed, for clicks. */
let kept: Kept | null = null;

function drop(): void {
  if (!kept) return;
  kept.evaluator.dispose();
  kept.built.model.dispose();
  kept = null;
}

/** The models (or run path) a landscape is drawn from, checked against each other. */
async function landscapeModels(
  refs: readonly VertexRef[],
  runId: string | undefined,
  settings: LandscapeSettings,
): Promise<{ input: LandscapeModels; normalisation: ChannelNormalisation | null }> {
  if (settings.kind === 'path') {
    if (runId === undefined) throw new StudioError('BAD_ARGUMENT', 'Pick a run that kept its training path.');
    const run = await getRun(runId);
    const path = await getPath(runId);
    const last = path[path.length - 1];
    if (!last) {
      throw new StudioError(
        'NOT_FOUND',
        `The run ${run.name} kept no training path: train with "Keep the weights of each epoch" on.`,
      );
    }
    const split = await loadSplit(run.settings.datasetId, 'train');
    return {
      input: {
        spec: {
          architecture: run.settings.architecture,
          widthScale: run.settings.widthScale,
          numClasses: split.numClasses,
        },
        models: [{ id: run.id, name: `${run.name} (epoch ${last.epoch})`, weights: last.weights }],
        statistics: last.statistics,
        path: { epochs: path.map((p) => p.epoch), weights: path.map((p) => p.weights) },
      },
      normalisation: split.normalisation,
    };
  }
  if (settings.kind === 'curve') {
    const ref = refs[0];
    if (!ref || refs.length !== 1) throw new StudioError('BAD_ARGUMENT', 'Pick the curve to profile.');
    const record = await getModel(ref.modelId);
    if (!record.curve) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `${record.name} is not a curve: train one with the procedure “Curve between two modes”, or import a curve file the studio wrote.`,
      );
    }
    return {
      input: {
        spec: record.spec,
        models: [{ id: record.id, name: record.name, weights: record.vertices[0] as TfVertex }],
        statistics: record.statistics,
        curve: { type: record.curve, points: record.vertices },
      },
      normalisation: record.normalisation,
    };
  }
  const wanted = settings.kind === 'interpolation' ? 2 : 1;
  if (refs.length !== wanted) {
    throw new StudioError(
      'BAD_ARGUMENT',
      settings.kind === 'interpolation' ? 'Pick the two models to join.' : 'Pick the model to draw around.',
    );
  }
  const records = await Promise.all(refs.map((r) => getModel(r.modelId)));
  const first = records[0];
  if (!first) throw new StudioError('BAD_ARGUMENT', 'Pick a model.');
  const models = records.map((record, i) => {
    const { vertex } = refs[i] as VertexRef;
    const weights = record.vertices[vertex];
    if (!weights || !Number.isInteger(vertex)) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `${record.name} has ${record.vertices.length} vertices (0…${record.vertices.length - 1}), not ${vertex}.`,
      );
    }
    const s = record.spec;
    if (
      s.architecture !== first.spec.architecture ||
      s.widthScale !== first.spec.widthScale ||
      s.numClasses !== first.spec.numClasses
    ) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `${first.name} is ${first.spec.architecture} at width ${first.spec.widthScale} with ${first.spec.numClasses} classes but ${record.name} is ${s.architecture} at width ${s.widthScale} with ${s.numClasses}: a landscape joins models of one network.`,
      );
    }
    const name = record.vertices.length > 1 ? `${record.name} · vertex ${vertex}` : record.name;
    return { id: `${record.id}#${vertex}`, name, weights: weights };
  });
  return {
    input: { spec: first.spec, models, statistics: first.statistics },
    normalisation: first.normalisation,
  };
}

export const landscapeHandlers: Handlers<LandscapeCommands> = {
  async listPaths() {
    const epochs = await pathEpochs();
    const runs = await listRunRecords();
    return {
      paths: runs.flatMap((run) => {
        const kept = epochs.get(run.id);
        if (!kept) return [];
        return [
          {
            runId: run.id,
            name: run.name,
            epochs: kept,
            architecture: run.settings.architecture,
            widthScale: run.settings.widthScale,
            datasetId: run.settings.datasetId,
          },
        ];
      }),
    };
  },

  async computeLandscape({ models, runId, settings }, ctx) {
    const problem = landscapeSettingsError(settings);
    if (problem) throw new StudioError('BAD_SETTINGS', problem);
    const { input, normalisation } = await landscapeModels(models, runId, settings);
    drop();
    const built = buildLandscape(input, settings);
    const open = async (model: SimplexModel, split: DatasetSplit): Promise<PointEvaluator> => {
      const images = await loadSplit(settings.datasetId, split);
      if (images.numClasses !== input.spec.numClasses) {
        throw new StudioError(
          'SHAPE_MISMATCH',
          `This model has ${input.spec.numClasses} classes but the ${settings.datasetId} dataset has ${images.numClasses}: pick the dataset it was trained on.`,
        );
      }
      const bn = built.hasBatchNorm && settings.batchNorm.statistics === 'recomputed';
      const train = bn ? (split === 'train' ? images : await loadSplit(settings.datasetId, 'train')) : null;
      return openPointEvaluator(
        model,
        images,
        {
          images: settings.images,
          batchSize: 128,
          normalisation,
          ...(train
            ? { recompute: { split: train, batches: settings.batchNorm.batches, batchSize: RECOMPUTE_BATCH } }
            : {}),
        },
        activeEvaluator(),
      );
    };
    // Filled inside the release callback (one object, not a local TypeScript would narrow).
    const firstSplit: { evaluator: PointEvaluator | null } = { evaluator: null };
    try {
      const landscape = await computeLandscape(built, settings, {
        signal: ctx.signal,
        open,
        // The first split's evaluator stays for clicks; the others are freed.
        release: (evaluator) => {
          if (firstSplit.evaluator === null) firstSplit.evaluator = evaluator;
          else evaluator.dispose();
        },
        onProgress: (partial) => {
          ctx.progress({ landscape: { ...partial, id: 'computing' } });
        },
      });
      landscape.id = `${landscapeFileStem(landscape)}-${landscape.createdAt}`;
      if (firstSplit.evaluator === null)
        throw new StudioError('INTERNAL', 'The landscape evaluated no split.');
      kept = {
        id: landscape.id,
        built,
        evaluator: firstSplit.evaluator,
        split: settings.splits[0] as DatasetSplit,
      };
      return { landscape };
    } catch (err) {
      firstSplit.evaluator?.dispose();
      built.model.dispose();
      throw err;
    }
  },

  async evaluateLandscapePoint({ id, x, y }, ctx) {
    if (!kept || kept.id !== id) {
      throw new StudioError(
        'NOT_FOUND',
        'That landscape is no longer loaded: compute it again to click on it.',
      );
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new StudioError('BAD_ARGUMENT', `A point needs finite coordinates, not (${x}, ${y}).`);
    }
    const [value] = await kept.evaluator.evaluate([kept.built.pointCoefficients(x, y)], {
      signal: ctx.signal,
    });
    if (!value) throw new StudioError('INTERNAL', 'The point was not evaluated.');
    return { ...value, accuracy: 1 - value.error, split: kept.split, imagesUsed: kept.evaluator.images };
  },

  async landscapeHdf5({ landscape }) {
    const bytes = await hdf5File(landscapeHdf5Datasets(landscape), landscapeHdf5Attributes(landscape));
    return { blob: new Blob([bytes], { type: 'application/x-hdf5' }) };
  },
};
