// Ensemble components evaluated on one split, on the device: each component's base mode, its M
// sampled points (streamed into running means, so M × components probability arrays never sit in
// memory together) and one fresh random point per batch. The points are drawn once per component
// and passed in, so the test split, the held-out slice and the noisy copies see the same ensemble.
// Runs wherever tfjs does (worker, Node tests), or on the worker's compiled evaluator where it
// passes one (WebGPU); ensembleReport.ts turns the results into rows.

import type * as tf from '@tensorflow/tfjs';
import type { SimplexModel } from '../simplex/simplexModel';
import type { ImageSplit, MakeBatch } from '../train/trainingData';
import { Rng } from '../util/rng';
import { PointSnapshots, type ComponentPredictions, type SplitPredictions } from './ensembleReport';
import { evalCount, predictLogits, type EvalPoint, type LogitsEvaluator } from './evaluate';
import { softmax } from './metrics';

export interface ComponentSource {
  model: SimplexModel;
  /** Vertex indices of the simplex in the model. */
  simplex: readonly number[];
  modeVertex: number;
  /** The sampled points' coefficients (one per model vertex), M of them. */
  points: readonly (readonly number[])[];
}

export interface ComponentEvalOptions {
  makeBatch: MakeBatch;
  batchSize: number;
  /** First N images (0 = all). */
  limit: number;
  /** Points per simplex at which running means are kept (ascending, last = M). */
  pointGrid: readonly number[];
  /** Seeds the random point of each batch (with the component index). */
  randomSeed: number;
  signal?: AbortSignal;
  /** Called after each full pass over the split. */
  onPass?: () => void;
  /**
   * The compiled evaluator of a component's model on the split's first `images` records (the
   * worker's, on WebGPU): each component's passes then share one upload of the images. Absent: tfjs.
   */
  compiled?: (model: SimplexModel, split: ImageSplit, images: number) => Promise<LogitsEvaluator | null>;
  /** Training batches a batch-norm network's points recompute their statistics from (evaluate.ts). */
  recompute?: readonly tf.Tensor4D[];
}

/** Passes over a split that predictComponents makes for a simplex of this size (for progress). */
export function passesPerComponent(simplexSize: number, pointsPerSimplex: number): number {
  return simplexSize === 1 ? 1 : pointsPerSimplex + 2;
}

/** M coefficient draws on `simplex` (uniform on it, zero elsewhere; a curve: uniform in t). */
export function drawPoints(
  model: Pick<SimplexModel, 'samplePoint'>,
  simplex: readonly number[],
  m: number,
  rng: Rng,
): number[][] {
  return Array.from({ length: m }, () => model.samplePoint(simplex, rng));
}

export async function predictComponents(
  sources: readonly ComponentSource[],
  split: ImageSplit & { labels: Uint8Array },
  options: ComponentEvalOptions,
): Promise<SplitPredictions> {
  const first = sources[0];
  if (!first) throw new Error('predictComponents needs at least one component');
  const classes = first.model.spec.numClasses;
  const n = evalCount(split, options.limit);
  const evalOptions = {
    makeBatch: options.makeBatch,
    batchSize: options.batchSize,
    limit: n,
    signal: options.signal,
    ...(options.recompute ? { recompute: options.recompute } : {}),
  };
  const components: ComponentPredictions[] = [];
  for (const [c, source] of sources.entries()) {
    const { model, simplex, modeVertex, points } = source;
    const compiled = options.compiled ? await options.compiled(model, split, n) : null;
    const logitsAt = (point: EvalPoint): Promise<Float32Array> =>
      compiled
        ? compiled.logits(point, { signal: options.signal })
        : predictLogits(model, split, point, evalOptions);
    try {
      const modeLogits = await logitsAt({ kind: 'vertex', vertex: modeVertex });
      options.onPass?.();
      const snapshots = new PointSnapshots(n * classes, options.pointGrid);
      let randomLogits: Float32Array;
      if (simplex.length === 1) {
        // Every point of a one-vertex simplex is its mode: no further passes.
        const probs = softmax(modeLogits, classes);
        for (let m = 0; m < points.length; m++) snapshots.add(probs);
        randomLogits = modeLogits;
      } else {
        for (const coefficients of points) {
          snapshots.add(softmax(await logitsAt({ kind: 'coefficients', coefficients }), classes));
          options.onPass?.();
        }
        // A new random point of the component's simplex for every batch.
        const rng = new Rng(options.randomSeed + c);
        randomLogits = await logitsAt({
          kind: 'eachBatch',
          coefficients: () => model.samplePoint(simplex, rng),
        });
        options.onPass?.();
      }
      components.push({ probsByPoints: snapshots.byPoints, modeLogits, randomLogits });
    } finally {
      compiled?.dispose();
    }
  }
  return { labels: split.labels.subarray(0, n), classes, components };
}
