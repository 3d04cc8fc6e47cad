// `eval`: loss, accuracy, NLL, ECE (and the volume of simplex 0) of a weights file on CIFAR data,
// through the same engine code the studio's worker uses (a LogitsEvaluator, ensembleProbs,
// metrics): on Dawn the compiled forward pass, as the tab's WebGPU; on wasm or the CPU, tfjs.
// Runs in Node.

import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  ensembleProbs,
  metricsFromLogits,
  openLogitsEvaluator,
  type LogitsEvaluator,
} from '../engine/eval/evaluate';
import { classificationMetrics, NLL_PROB_FLOOR, type ClassificationMetrics } from '../engine/eval/metrics';
import type { Split } from '../engine/formats/cifarLayout';
import { SimplexModel } from '../engine/simplex/simplexModel';
import { measureVolume } from '../engine/simplex/volume';
import { recomputeBatches } from '../engine/surface/pointEvaluator';
import { batchMaker, type ImageSplit } from '../engine/train/trainingData';
import { Rng } from '../engine/util/rng';
import { StudioError } from '../protocol/errors';
import { RECOMPUTED, RECOMPUTE_BATCH } from '../protocol/batchNorm';
import { badArgument, intFlag, parseCommand, stringFlag } from './args';
import { isNodeBackendRequest, NODE_BACKENDS, startNodeBackend, type NodeBackend } from './backend';
import { loadEvalData, parseFormat, type EvalData } from './cifarData';
import { pointRequest, resolvePoint, type ResolvedPoint } from './evalPoint';
import { checkOutput, writeOutput } from './outputFile';
import { EVAL_HELP } from './help';
import { printJson } from './output';
import { EXIT_OK, type CliIo } from './io';
import { WEIGHTS_OPTIONS, loadModelFile, weightsOptions } from './modelFile';

export const DEFAULT_EVAL_BATCH = 100;
/** Images per forward pass at most: a width-1 VGG's activations for 1,000 images are ~0.3 GB. */
export const MAX_EVAL_BATCH = 1000;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  weights: { type: 'string' },
  data: { type: 'string' },
  format: { type: 'string' },
  split: { type: 'string' },
  coeffs: { type: 'string' },
  t: { type: 'string' },
  vertex: { type: 'string' },
  samples: { type: 'string' },
  seed: { type: 'string' },
  logits: { type: 'string' },
  force: { type: 'boolean' },
  limit: { type: 'string' },
  batch: { type: 'string' },
  backend: { type: 'string' },
  bn: { type: 'string' },
  'bn-batches': { type: 'string' },
  'bn-data': { type: 'string' },
  ...WEIGHTS_OPTIONS,
} as const;

/** Training batches `--bn recomputed` folds statistics from, at most this many images each. */
export const BN_BATCH = RECOMPUTE_BATCH;
export const DEFAULT_BN_BATCHES = RECOMPUTED.batches;

export async function evalCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('eval', argv, OPTIONS);
  if (values.help === true) {
    io.stdout(EVAL_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw badArgument(
      `eval takes no positional arguments (got "${positionals[0] ?? ''}"): name files with --weights and --data`,
    );
  }
  const weights = stringFlag(values, 'weights');
  const dataPath = stringFlag(values, 'data');
  if (weights === undefined) throw badArgument('eval needs --weights FILE');
  if (dataPath === undefined)
    throw badArgument('eval needs --data DATA (a CIFAR .bin file or tarball, or a folder of IDX files)');
  // Every flag is checked before the (slow) data is read.
  const request = pointRequest(values);
  const limit = intFlag(values, 'limit', 1);
  const batchSize = intFlag(values, 'batch', 1, MAX_EVAL_BATCH) ?? DEFAULT_EVAL_BATCH;
  const format = parseFormat(stringFlag(values, 'format'));
  const split = parseSplit(stringFlag(values, 'split'));
  const logitsPath = stringFlag(values, 'logits');
  const backendFlag = stringFlag(values, 'backend') ?? 'auto';
  if (!isNodeBackendRequest(backendFlag)) {
    throw badArgument(`--backend must be one of ${NODE_BACKENDS.join(', ')}, not "${backendFlag}"`);
  }
  const bnFlag = stringFlag(values, 'bn');
  if (bnFlag !== undefined && bnFlag !== 'stored' && bnFlag !== 'recomputed') {
    throw badArgument(`--bn must be stored or recomputed, not "${bnFlag}"`);
  }
  const bnBatches = intFlag(values, 'bn-batches', 1, 10_000) ?? DEFAULT_BN_BATCHES;
  const bnData = stringFlag(values, 'bn-data');
  const guard = { force: values.force === true, inputs: [weights, dataPath] };
  if (logitsPath !== undefined) checkOutput(logitsPath, guard);
  else if (values.force === true) throw badArgument('--force applies with --logits');

  const file = await loadModelFile(weights, weightsOptions(values));
  const point = resolvePoint(request, file);
  const data = await loadEvalData(dataPath, { format, split, limit });
  const classes = file.spec.numClasses;
  if (data.numClasses !== classes) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${path.basename(weights)} has ${classes} classes but ${path.basename(dataPath)} is ${data.title} (${data.numClasses} classes).`,
      false,
    );
  }

  // A point that is not a trained vertex has no statistics of its own: recomputed there unless
  // asked otherwise; vertices and ESPRO's samples use the stored ones, as the reference does.
  const hasBatchNorm = file.statistics.length > 0;
  const bnMode = !hasBatchNorm
    ? null
    : (bnFlag ?? (point.kind === 'vertex' || point.kind === 'samples' ? 'stored' : 'recomputed'));
  if (!hasBatchNorm && (bnFlag !== undefined || bnData !== undefined || values['bn-batches'] !== undefined)) {
    throw badArgument(`--bn applies to networks with batch norm; ${file.spec.architecture} has none`);
  }
  const bnTrain =
    bnMode === 'recomputed'
      ? await recomputeImages(bnData ?? dataPath, format, bnBatches, bnData !== undefined)
      : null;

  const backend = await startNodeBackend(backendFlag);
  const normalisation = file.info.normalisation ?? null;
  const compiled =
    backend.name === 'webgpu'
      ? (await import('../worker/backend')).activeLogitsEvaluator(normalisation)
      : undefined;
  const model = SimplexModel.fromVertices(file.spec, file.vertices, {
    complex: file.info.complex,
    frozen: file.vertices.map((_, v) => file.info.frozen.includes(v)),
    statistics: file.statistics,
    ...(file.info.curve ? { curve: file.info.curve } : {}),
  });
  let evaluator: LogitsEvaluator | null = null;
  const recompute = bnTrain
    ? recomputeBatches({ split: bnTrain, batches: bnBatches, batchSize: BN_BATCH }, normalisation)
    : [];
  try {
    evaluator = await openLogitsEvaluator(
      model,
      data.split,
      { makeBatch: batchMaker(normalisation), batchSize, limit: limit ?? 0, recompute },
      compiled,
    );
    const { metrics, rows } = await predict(model, evaluator, data.split, point);
    // The reference's regulariser measures simplex 0; a single point, or a curve, has no volume to report.
    const volume =
      !model.curve && (model.complex[0]?.length ?? 0) >= 2
        ? (await measureVolume(model, 0)).volume
        : undefined;
    requireFinite({ ...metrics, ...(volume === undefined ? {} : { volume }) }, rows, point);
    if (logitsPath !== undefined) await writeOutput(logitsPath, rowsJson(rows, classes), guard);
    const result = {
      ...metrics,
      ...(volume === undefined ? {} : { volume }),
      point,
      ...(logitsPath === undefined
        ? {}
        : {
            logits: {
              file: logitsPath,
              values: point.kind === 'samples' ? 'log of averaged probabilities' : 'logits',
            },
          }),
      model: {
        file: weights,
        architecture: file.spec.architecture,
        widthScale: file.spec.widthScale,
        classes,
        vertexCount: model.vertexCount,
      },
      data: describeData(dataPath, data),
      ...(bnMode === null
        ? {}
        : {
            batchNorm:
              bnMode === 'stored'
                ? { statistics: 'stored' }
                : {
                    statistics: 'recomputed',
                    batches: recompute.length,
                    batchSize: recompute[0]?.shape[0] ?? 0,
                    from: bnData ?? dataPath,
                  },
          }),
      backend: describeBackend(backend, evaluator),
    };
    printJson(io, result);
    return EXIT_OK;
  } finally {
    evaluator?.dispose();
    model.dispose();
    tf.dispose(recompute);
  }
}

/**
 * The training images `--bn recomputed` uses: the training split of a tarball, IDX folder or image
 * folder, or (with --bn-data) a record file as it is. A lone record file given as --data is one
 * split, often the test split: recomputing on the images evaluated would leak them, so it is refused.
 */
async function recomputeImages(
  file: string,
  format: ReturnType<typeof parseFormat>,
  batches: number,
  explicit: boolean,
): Promise<ImageSplit> {
  const limit = batches * BN_BATCH;
  try {
    return (await loadEvalData(file, { format, split: 'train', limit })).split;
  } catch (err) {
    if (!(err instanceof StudioError && /applies to tarballs/.test(err.message))) throw err;
  }
  if (!explicit) {
    throw badArgument(
      `--bn recomputed needs training images, and ${path.basename(file)} is a record file (one split): give --data the tarball or folder, or --bn-data TRAIN_FILE`,
    );
  }
  return (await loadEvalData(file, { format, limit })).split;
}

interface Prediction {
  metrics: {
    n: number;
    loss: number;
    accuracy: number;
    error: number;
    nll: number;
    ece: number;
    brier: number;
  };
  /** What --logits writes, rows × classes: logits, or log of ESPRO's averaged probabilities. */
  rows: Float32Array;
}

async function predict(
  model: SimplexModel,
  evaluator: LogitsEvaluator,
  split: ImageSplit,
  point: ResolvedPoint,
): Promise<Prediction> {
  const classes = model.spec.numClasses;
  const labels = split.labels.subarray(0, evaluator.images);
  if (point.kind === 'samples') {
    const rng = new Rng(point.seed);
    const probs = await ensembleProbs([{ model, evaluator }], point.samplesPerSimplex, rng);
    const m = classificationMetrics(probs, labels, classes);
    // The ensemble's cross-entropy is the NLL of its averaged probabilities.
    const rows = probs.map((p) => Math.log(Math.max(p, NLL_PROB_FLOOR)));
    return { metrics: pickMetrics(m, m.nll), rows };
  }
  const rows = await evaluator.logits(enginePoint(point));
  const m = metricsFromLogits(rows, labels, classes);
  return { metrics: pickMetrics(m, m.loss), rows };
}

/** The printed metrics, in the order people read them. */
function pickMetrics(m: ClassificationMetrics, loss: number): Prediction['metrics'] {
  return { n: m.n, loss, accuracy: m.accuracy, error: m.error, nll: m.nll, ece: m.ece, brier: m.brier };
}

/**
 * Throws NON_FINITE when a metric, the volume or any --logits value is NaN or infinite: JSON would
 * print null (or a huge number) and exit 0, and a script would take it for a result. Far points
 * of the plane (e.g. --coeffs 1e6,-1e6,1) overflow float32.
 */
function requireFinite(values: Record<string, number>, rows: Float32Array, point: ResolvedPoint): void {
  const bad = Object.entries(values)
    .filter(([, v]) => !Number.isFinite(v))
    .map(([name]) => name);
  const badRow = rows.findIndex((v) => !Number.isFinite(v));
  if (bad.length === 0 && badRow < 0) return;
  const what = bad.length > 0 ? bad.join(', ') : 'some logits';
  const where =
    point.kind === 'coefficients'
      ? ` at --coeffs ${point.coefficients.join(',')}`
      : point.kind === 'curve'
        ? ` at --t ${point.t}`
        : '';
  throw new StudioError(
    'NON_FINITE',
    `${what} came out NaN or infinite${where}: the weights there overflow float32. ` +
      `Evaluate nearer the simplex (coefficients of moderate size), or check the file's weights.`,
    false,
  );
}

function parseSplit(text: string | undefined): Split | undefined {
  if (text === undefined || text === 'test' || text === 'train') return text;
  throw badArgument(`--split must be test or train, not "${text}"`);
}

function enginePoint(point: Exclude<ResolvedPoint, { kind: 'samples' }>) {
  return point.kind === 'vertex'
    ? ({ kind: 'vertex', vertex: point.vertex } as const)
    : ({ kind: 'coefficients', coefficients: point.coefficients } as const);
}

/** What ran: the backend, and the forward pass (the compiled one on Dawn, else tfjs's). */
function describeBackend(backend: NodeBackend, evaluator: LogitsEvaluator): Record<string, unknown> {
  return {
    name: backend.name,
    ...(backend.adapter
      ? { adapter: `${backend.adapter.vendor} ${backend.adapter.architecture}`.trim() }
      : {}),
    reason: backend.reason,
    evaluator: evaluator.kind,
  };
}

function describeData(file: string, data: EvalData): Record<string, unknown> {
  return {
    file,
    dataset: data.kind === 'cifar10' || data.kind === 'cifar100' ? data.kind : data.title,
    ...(data.splitName === undefined ? {} : { split: data.splitName }),
    images: data.split.count,
  };
}

/**
 * Rows of `classes` numbers as a JSON array of arrays (float32 values printed exactly), a row at a
 * time, so 10,000 rows never become one big string.
 */
function* rowsJson(values: Float32Array, classes: number): Generator<string> {
  const n = values.length / classes;
  if (n === 0) {
    yield '[]\n';
    return;
  }
  for (let r = 0; r < n; r++) {
    const row = JSON.stringify(Array.from(values.subarray(r * classes, (r + 1) * classes)));
    yield `${r === 0 ? '[' : ','}${row}${r === n - 1 ? ']\n' : ''}`;
  }
}
