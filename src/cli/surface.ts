// `surface`: the Surfaces section from a terminal. The loss surface over one face of a weights
// file's complex, computed by the same engine code as the tab (facePlane, computeFaceSurface,
// openPointEvaluator) and written as the section's own CSV and JSON exports; `--edges` adds the
// profiles along the face's edges. Prints one JSON object saying what was written. Runs in Node.

import path from 'node:path';
import { edgeProfiles, computeFaceSurface } from '../engine/surface/faceSurface';
import { openPointEvaluator } from '../engine/surface/pointEvaluator';
import { SimplexModel } from '../engine/simplex/simplexModel';
import type { VertexRole } from '../protocol/commands/models';
import { SURFACE_DEFAULTS, type FaceIndices, type SurfaceSettings } from '../protocol/commands/surfaces';
import { RECOMPUTED, RECOMPUTE_BATCH } from '../protocol/batchNorm';
import { gridCsv, gridFileStem, gridJson } from '../protocol/gridExport';
import { StudioError } from '../protocol/errors';
import { badArgument, indexList, intFlag, parseCommand, parsePart, stringFlag } from './args';
import { partRange } from '../engine/landscape/landscape';
import { startNodeBackend } from './backend';
import { loadEvalData, parseFormat } from './cifarData';
import { SURFACE_HELP } from './help';
import { EXIT_OK, type CliIo } from './io';
import { WEIGHTS_OPTIONS, loadModelFile, weightsOptions } from './modelFile';
import { printJson } from './output';
import { checkOutput, writeOutput } from './outputFile';
import { checkSurfaceSettings, surfaceGrid } from '../worker/library/surfaceGrid';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  weights: { type: 'string' },
  data: { type: 'string' },
  format: { type: 'string' },
  split: { type: 'string' },
  face: { type: 'string' },
  grid: { type: 'string' },
  margin: { type: 'string' },
  images: { type: 'string' },
  metric: { type: 'string' },
  edges: { type: 'boolean' },
  points: { type: 'string' },
  bn: { type: 'string' },
  'bn-batches': { type: 'string' },
  part: { type: 'string' },
  ...WEIGHTS_OPTIONS,
  out: { type: 'string' },
  force: { type: 'boolean' },
} as const;

/** Points per edge profile and how far it goes beyond each vertex, as the Surfaces section's. */
const EDGE_POINTS = 21;
const EDGE_EXTENSION = 0.25;

export async function surfaceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('surface', argv, OPTIONS);
  if (values.help === true) {
    io.stdout(SURFACE_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw badArgument(`surface takes no positional arguments (got "${positionals[0] ?? ''}")`);
  }
  const weights = stringFlag(values, 'weights');
  const dataPath = stringFlag(values, 'data');
  if (weights === undefined) throw badArgument('surface needs --weights FILE');
  if (dataPath === undefined) throw badArgument('surface needs --data DATA (see eval --help)');
  const splitFlag = stringFlag(values, 'split');
  const split = splitFlag ?? 'test';
  if (split !== 'train' && split !== 'test')
    throw badArgument(`--split must be train or test, not "${split}"`);
  const metric = stringFlag(values, 'metric') ?? 'loss';
  if (metric !== 'loss' && metric !== 'error')
    throw badArgument(`--metric must be loss or error, not "${metric}"`);
  const margin = Number(stringFlag(values, 'margin') ?? SURFACE_DEFAULTS.margin);
  const bn = stringFlag(values, 'bn') ?? 'recomputed';
  if (bn !== 'stored' && bn !== 'recomputed')
    throw badArgument(`--bn must be stored or recomputed, not "${bn}"`);
  const settings: SurfaceSettings = {
    datasetId: path.basename(dataPath),
    split,
    images: intFlag(values, 'images', 1) ?? SURFACE_DEFAULTS.images,
    gridSize: intFlag(values, 'grid', 1) ?? SURFACE_DEFAULTS.gridSize,
    margin,
    metric,
    batchNorm: { statistics: bn, batches: intFlag(values, 'bn-batches', 1) ?? RECOMPUTED.batches },
  };
  try {
    checkSurfaceSettings(settings);
  } catch (err) {
    if (err instanceof StudioError) throw badArgument(err.message);
    throw err;
  }
  const points = intFlag(values, 'points', 2, 101) ?? EDGE_POINTS;
  const format = parseFormat(stringFlag(values, 'format'));

  const part = parsePart(stringFlag(values, 'part'));
  if (part && values.edges === true)
    throw badArgument('--edges and --part do not go together: compute the edges once');
  const range = part ? partRange(settings.gridSize ** 2, part.index, part.count) : undefined;
  const gridPart = part && range ? { ...part, start: range[0], end: range[1] } : undefined;

  const file = await loadModelFile(weights, weightsOptions(values));
  const k = file.vertices.length;
  const face = parseFace(stringFlag(values, 'face'), k);
  const name = path.basename(weights).replace(/\.(safetensors|pt|pth|bin)$/i, '');
  const guard = { force: values.force === true, inputs: [weights, dataPath] };
  const prefix =
    stringFlag(values, 'out') ?? gridFileStem({ modelName: name, face, settings, part: gridPart });
  const planned = {
    csv: part ? undefined : `${prefix}.csv`,
    json: `${prefix}.json`,
    edges: values.edges === true ? `${prefix}_edges.json` : undefined,
  };
  for (const out of Object.values(planned)) if (out !== undefined) checkOutput(out, guard);

  const data = await loadEvalData(dataPath, {
    format,
    split: splitFlag === undefined ? undefined : split,
    limit: settings.images,
  });
  if (data.numClasses !== file.spec.numClasses) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${path.basename(weights)} has ${file.spec.numClasses} classes but ${path.basename(dataPath)} is ${data.title} (${data.numClasses} classes).`,
      false,
    );
  }
  const recomputed = file.statistics.length > 0 && bn === 'recomputed';
  const train = recomputed
    ? (
        await loadEvalData(dataPath, {
          format,
          split: 'train',
          limit: (settings.batchNorm?.batches ?? 1) * RECOMPUTE_BATCH,
        }).catch((err: unknown) => {
          if (err instanceof StudioError && /applies to tarballs/.test(err.message)) {
            throw badArgument(
              `--bn recomputed needs the training images: give --data a tarball or folder with a training split, or --bn stored`,
            );
          }
          throw err;
        })
      ).split
    : null;
  const backend = await startNodeBackend();
  const model = SimplexModel.fromVertices(file.spec, file.vertices, {
    complex: file.info.complex,
    frozen: file.vertices.map((_, v) => file.info.frozen.includes(v)),
    statistics: file.statistics,
    ...(file.info.curve ? { curve: file.info.curve } : {}),
  });
  // On Dawn the tab's compiled evaluator, as in the Surfaces section.
  const evaluator = await openPointEvaluator(
    model,
    data.split,
    {
      images: settings.images,
      batchSize: 128,
      normalisation: file.info.normalisation ?? null,
      ...(train
        ? {
            recompute: {
              split: train,
              batches: settings.batchNorm?.batches ?? 1,
              batchSize: RECOMPUTE_BATCH,
            },
          }
        : {}),
    },
    backend.name === 'webgpu' ? (await import('../worker/backend')).activeEvaluator() : undefined,
  );
  try {
    const started = performance.now();
    const surface = await computeFaceSurface(model, evaluator, face, {
      gridSize: settings.gridSize,
      margin: settings.margin,
      ...(range ? { range } : {}),
    });
    const roles = Array.from({ length: k }, (): VertexRole => 'vertex');
    const grid = surfaceGrid(
      { id: name, name, roles, batchNorm: file.statistics.length > 0 },
      face,
      settings,
      surface,
      evaluator.images,
      (performance.now() - started) / 1000,
    );
    if (gridPart) grid.part = gridPart;
    if (planned.csv !== undefined) await writeOutput(planned.csv, [gridCsv(grid)], guard);
    await writeOutput(planned.json, [gridJson(grid)], guard);
    if (planned.edges !== undefined) {
      const edges: [number, number][] = [
        [face[0], face[1]],
        [face[0], face[2]],
        [face[1], face[2]],
      ];
      const profiles = await edgeProfiles(model, evaluator, edges, { points, extension: EDGE_EXTENSION });
      await writeOutput(
        planned.edges,
        [JSON.stringify({ face, images: evaluator.images, profiles }, null, 2)],
        guard,
      );
    }
    const finite = grid[metric].filter((x) => Number.isFinite(x));
    printJson(io, {
      face,
      gridSize: settings.gridSize,
      margin: settings.margin,
      imagesUsed: grid.imagesUsed,
      ...(gridPart ? { part: gridPart } : {}),
      metric,
      min: finite.length > 0 ? Math.min(...finite) : null,
      max: finite.length > 0 ? Math.max(...finite) : null,
      seconds: grid.seconds,
      files: Object.values(planned).filter((f) => f !== undefined),
    });
    return EXIT_OK;
  } finally {
    evaluator.dispose();
    model.dispose();
  }
}

function parseFace(text: string | undefined, vertexCount: number): FaceIndices {
  const face = text === undefined ? [0, 1, 2] : indexList('face', text);
  if (face.length !== 3 || new Set(face).size !== 3 || face.some((v) => v >= vertexCount)) {
    throw badArgument(
      `--face must be three different vertices of 0…${vertexCount - 1}, not "${text ?? face.join(',')}"` +
        (vertexCount < 3
          ? ` (the file has ${vertexCount} ${vertexCount === 1 ? 'vertex' : 'vertices'}: a face needs three)`
          : ''),
    );
  }
  return face as FaceIndices;
}
