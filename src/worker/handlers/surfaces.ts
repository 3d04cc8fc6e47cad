// Runs in the worker; no DOM. Loss surfaces over faces, clicks, edge profiles and the 3-D view.
// The last model asked about stays loaded (its vertices uploaded once) with an evaluator per
// image set, so a click after a grid costs one point, not a reload; an entry is freed only when
// no command is using it any more.

import type { VertexRole } from '../../protocol/commands/models';
import type { Curve } from '../../protocol/settings';
import {
  surfaceKey,
  type FaceIndices,
  type SurfaceCommands,
  type SurfaceData,
} from '../../protocol/commands/surfaces';
import { StudioError } from '../../protocol/errors';
import { RECOMPUTE_BATCH } from '../../protocol/batchNorm';
import { SimplexModel } from '../../engine/simplex/simplexModel';
import { computeFaceSurface, edgeProfiles, facePlane } from '../../engine/surface/faceSurface';
import {
  faceCoefficients,
  isInside,
  modelCoefficients,
  type FacePlane,
} from '../../engine/surface/planeBasis';
import { openPointEvaluator, type PointEvaluator } from '../../engine/surface/pointEvaluator';
import { projectFromCentredGram } from '../../engine/surface/principalProjection';
import { centringCombos, combinationGram } from '../../engine/surface/weightGram';
import type { ChannelNormalisation } from '../../engine/train/trainingData';
import { activeEvaluator } from '../backend';
import { loadSplit } from '../storage/datasets';
import { getModel } from '../storage/models';
import { getSurface, putSurface } from '../storage/surfaces';
import type { Handlers } from './types';
import { checkSurfaceData, checkSurfaceSettings, surfaceGrid } from '../library/surfaceGrid';

interface Loaded {
  id: string;
  curve?: Curve;
  name: string;
  roles: VertexRole[];
  complex: number[][];
  model: SimplexModel;
  /** Whether the network has batch norm (its points then take SurfaceData.batchNorm). */
  batchNorm: boolean;
  normalisation: ChannelNormalisation | null;
  evaluators: Map<string, Promise<PointEvaluator>>;
  planes: Map<string, Promise<FacePlane>>;
  users: number;
  stale: boolean;
}

let current: Promise<Loaded> | null = null;

function release(entry: Loaded): void {
  if (entry.users > 0 || !entry.stale) return;
  void Promise.all(entry.evaluators.values()).then((list) => {
    list.forEach((e) => {
      e.dispose();
    });
    entry.model.dispose();
  });
}

async function load(modelId: string): Promise<Loaded> {
  const record = await getModel(modelId);
  return {
    id: record.id,
    ...(record.curve ? { curve: record.curve } : {}),
    name: record.name,
    roles: record.roles,
    complex: record.complex,
    model: SimplexModel.fromVertices(record.spec, record.vertices, {
      complex: record.complex,
      statistics: record.statistics,
      name: `surface-${record.id}`,
      ...(record.curve ? { curve: record.curve } : {}),
    }),
    batchNorm: record.statistics.length > 0,
    normalisation: record.normalisation,
    evaluators: new Map(),
    planes: new Map(),
    users: 0,
    stale: false,
  };
}

/** Runs `fn` with the model loaded; the previous model is freed once nothing uses it. */
async function withModel<T>(modelId: string, fn: (entry: Loaded) => Promise<T>): Promise<T> {
  const previous = current ? await current.catch(() => null) : null;
  if (!previous || previous.id !== modelId) {
    if (previous) {
      previous.stale = true;
      release(previous);
    }
    current = load(modelId);
  }
  const entry = await (current as Promise<Loaded>).catch((err: unknown) => {
    current = null;
    throw err;
  });
  entry.users += 1;
  try {
    return await fn(entry);
  } finally {
    entry.users -= 1;
    release(entry);
  }
}

function evaluatorFor(entry: Loaded, data: SurfaceData): Promise<PointEvaluator> {
  // A batch-norm network's points recompute their statistics from the dataset's training images.
  const bn = entry.batchNorm && data.batchNorm?.statistics === 'recomputed' ? data.batchNorm : null;
  const key = `${data.datasetId}|${data.split}|${data.images}|${bn ? bn.batches : 'stored'}`;
  let found = entry.evaluators.get(key);
  if (!found) {
    found = loadSplit(data.datasetId, data.split).then(async (split) => {
      if (split.numClasses !== entry.model.spec.numClasses) {
        throw new StudioError(
          'SHAPE_MISMATCH',
          `This model has ${entry.model.spec.numClasses} classes but the ${data.datasetId} dataset has ${split.numClasses}: pick the dataset it was trained on.`,
        );
      }
      const train = bn ? (data.split === 'train' ? split : await loadSplit(data.datasetId, 'train')) : null;
      // The compiled evaluator where training runs the compiled step (WebGPU unless ?step=tfjs).
      return openPointEvaluator(
        entry.model,
        split,
        {
          images: data.images,
          batchSize: 128,
          normalisation: entry.normalisation,
          ...(train && bn
            ? { recompute: { split: train, batches: bn.batches, batchSize: RECOMPUTE_BATCH } }
            : {}),
        },
        activeEvaluator(),
      );
    });
    found.catch(() => entry.evaluators.delete(key));
    entry.evaluators.set(key, found);
  }
  return found;
}

function planeFor(entry: Loaded, face: FaceIndices): Promise<FacePlane> {
  const key = face.join();
  let found = entry.planes.get(key);
  if (!found) {
    found = facePlane(entry.model, face);
    found.catch(() => entry.planes.delete(key));
    entry.planes.set(key, found);
  }
  return found;
}

function checkFace(entry: Loaded, face: FaceIndices): void {
  const k = entry.model.vertexCount;
  // Params cross the worker boundary unchecked: a tuple type is a promise, not a guarantee.
  if (
    (face as number[]).length !== 3 ||
    new Set(face).size !== 3 ||
    face.some((v) => !Number.isInteger(v) || v < 0 || v >= k)
  ) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `A face is three different vertices of 0…${k - 1}, not [${face.join(', ')}].`,
    );
  }
}

export const surfaceHandlers: Handlers<SurfaceCommands> = {
  async computeSurface({ modelId, face, settings, recompute }, ctx) {
    checkSurfaceSettings(settings);
    if (!recompute) {
      const cached = await getSurface(surfaceKey(modelId, face, settings));
      if (cached) return { grid: cached, cached: true };
    }
    return withModel(modelId, async (entry) => {
      checkFace(entry, face);
      const evaluator = await evaluatorFor(entry, settings);
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      const surface = await computeFaceSurface(entry.model, evaluator, face, {
        gridSize: settings.gridSize,
        margin: settings.margin,
        signal: ctx.signal,
        onLevel: (partial, level, levels) => {
          ctx.progress({
            grid: surfaceGrid(entry, face, settings, partial, evaluator.images, seconds()),
            level,
            levels,
          });
        },
      });
      const grid = surfaceGrid(entry, face, settings, surface, evaluator.images, seconds());
      await putSurface(grid);
      return { grid, cached: false };
    });
  },

  async evaluateSurfacePoint({ modelId, face, u, v, data }, ctx) {
    checkSurfaceData(data);
    if (!Number.isFinite(u) || !Number.isFinite(v)) {
      throw new StudioError('BAD_ARGUMENT', `A plane point needs finite coordinates, not (${u}, ${v}).`);
    }
    return withModel(modelId, async (entry) => {
      checkFace(entry, face);
      const plane = await planeFor(entry, face);
      const evaluator = await evaluatorFor(entry, data);
      const [value] = await evaluator.evaluate([modelCoefficients(plane, u, v, entry.model.vertexCount)], {
        signal: ctx.signal,
      });
      if (!value) throw new StudioError('INTERNAL', 'The point was not evaluated.');
      const barycentric = faceCoefficients(plane, u, v);
      return {
        loss: value.loss,
        error: value.error,
        accuracy: 1 - value.error,
        barycentric,
        inside: isInside(barycentric),
        imagesUsed: evaluator.images,
      };
    });
  },

  async edgeProfiles({ modelId, edges, pointsPerEdge, extension, data }, ctx) {
    checkSurfaceData(data);
    if (!Number.isInteger(pointsPerEdge) || pointsPerEdge < 2 || pointsPerEdge > 101) {
      throw new StudioError(
        'BAD_SETTINGS',
        `Points per edge must be a whole number from 2 to 101, not ${pointsPerEdge}.`,
      );
    }
    if (!(extension >= 0 && extension <= 2)) {
      throw new StudioError('BAD_SETTINGS', `The extension must be between 0 and 2, not ${extension}.`);
    }
    return withModel(modelId, async (entry) => {
      const k = entry.model.vertexCount;
      for (const [i, j] of edges) {
        if (i === j || ![i, j].every((x) => Number.isInteger(x) && x >= 0 && x < k)) {
          throw new StudioError(
            'BAD_ARGUMENT',
            `An edge joins two different vertices of 0…${k - 1}, not [${i}, ${j}].`,
          );
        }
      }
      const evaluator = await evaluatorFor(entry, data);
      const profiles = await edgeProfiles(entry.model, evaluator, edges, {
        points: pointsPerEdge,
        extension,
        signal: ctx.signal,
        onEdge: (done, total) => {
          ctx.progress({ done, total });
        },
      });
      return { profiles: profiles.map((p) => ({ ...p, edge: [p.edge[0], p.edge[1]] })) };
    });
  },

  async projectComplex({ modelId }) {
    return withModel(modelId, async (entry) => {
      const k = entry.model.vertexCount;
      const gram = await combinationGram(entry.model, centringCombos(k));
      const { coords, explained } = projectFromCentredGram(gram, 3);
      return {
        coords: coords.map((c) => [c[0] ?? 0, c[1] ?? 0, c[2] ?? 0]),
        explained: [explained[0] ?? 0, explained[1] ?? 0, explained[2] ?? 0],
        complex: entry.complex,
        roles: entry.roles,
      };
    });
  },
};
