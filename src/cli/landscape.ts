// `interpolate`, `plane` and `merge`: the Surfaces section's landscape pictures from a terminal,
// computed by the same engine code (computeLandscape, the point evaluators) and written as the
// section's exports: PREFIX.csv, PREFIX.json and PREFIX.h5 (loss-landscape's dataset names). A
// plane can be computed in parts (`--part I/N`, one slice of its points per process, written as a
// part JSON) and the parts merged into the whole picture, as loss-landscape spreads a surface over
// MPI ranks. Each command prints one JSON object. Runs in Node.

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildLandscape, computeLandscape, type LandscapeModels } from '../engine/landscape/compute';
import { pathFileEpoch } from '../engine/landscape/trainingPath';
import { hdf5File } from '../engine/formats/hdf5';
import type { TfVertex } from '../engine/formats/layout';
import type { WeightsFile } from '../engine/formats/weightsFile';
import { openPointEvaluator } from '../engine/surface/pointEvaluator';
import type { ImageSplit } from '../engine/train/trainingData';
import { RECOMPUTE_BATCH, RECOMPUTED } from '../protocol/batchNorm';
import type { DatasetSplit } from '../protocol/commands/data';
import { StudioError } from '../protocol/errors';
import {
  LANDSCAPE_DEFAULTS,
  landscapeCsv,
  landscapeFileStem,
  landscapeHdf5Attributes,
  landscapeHdf5Datasets,
  landscapeJson,
  landscapeSettingsError,
  mergeLandscapeParts,
  parseLandscapeJson,
  type Landscape,
  type LandscapeKind,
  type LandscapeSettings,
} from '../protocol/landscape';
import { badArgument, intFlag, numberList, parseCommand, parsePart, stringFlag, type Parsed } from './args';
import { startNodeBackend } from './backend';
import { loadEvalData, parseFormat } from './cifarData';
import { readInput } from './files';
import { INTERPOLATE_HELP, MERGE_HELP, PLANE_HELP } from './help';
import { EXIT_OK, type CliIo } from './io';
import { loadModelFile } from './modelFile';
import { printJson } from './output';
import { checkOutput, writeOutput, type OutputOptions } from './outputFile';
import { gridCsv, gridFileStem, gridJson, isGridJson, mergeGridParts } from '../protocol/gridExport';

/** Flags both computing commands take. */
const COMMON = {
  help: { type: 'boolean', short: 'h' },
  data: { type: 'string' },
  format: { type: 'string' },
  split: { type: 'string' },
  images: { type: 'string' },
  points: { type: 'string' },
  bn: { type: 'string' },
  'bn-batches': { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
} as const;

const INTERPOLATE_OPTIONS = {
  ...COMMON,
  a: { type: 'string' },
  b: { type: 'string' },
  curve: { type: 'string' },
  'a-vertex': { type: 'string' },
  'b-vertex': { type: 'string' },
  range: { type: 'string' },
} as const;

const PLANE_OPTIONS = {
  ...COMMON,
  weights: { type: 'string' },
  vertex: { type: 'string' },
  dims: { type: 'string' },
  range: { type: 'string' },
  seed: { type: 'string' },
  norm: { type: 'string' },
  'keep-biasbn': { type: 'boolean' },
  path: { type: 'string', multiple: true },
  margin: { type: 'string' },
  part: { type: 'string' },
} as const;

const MERGE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  out: { type: 'string' },
  force: { type: 'boolean' },
} as const;

export async function interpolateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('interpolate', argv, INTERPOLATE_OPTIONS);
  if (values.help === true) {
    io.stdout(INTERPOLATE_HELP);
    return EXIT_OK;
  }
  noPositionals('interpolate', positionals);
  const curveFile = stringFlag(values, 'curve');
  if (curveFile !== undefined) return curveProfile(curveFile, values, io);
  const a = stringFlag(values, 'a');
  const b = stringFlag(values, 'b');
  if (a === undefined || b === undefined) {
    throw badArgument('interpolate needs --a FILE and --b FILE (or --curve FILE)');
  }
  const settings = commonSettings('interpolation', values);
  const fileA = await loadModelFile(a);
  const fileB = await loadModelFile(b);
  const models = [
    { file: a, model: fileA, vertex: pickVertex(a, fileA, intFlag(values, 'a-vertex', 0), '--a-vertex') },
    { file: b, model: fileB, vertex: pickVertex(b, fileB, intFlag(values, 'b-vertex', 0), '--b-vertex') },
  ];
  const same = (k: 'architecture' | 'widthScale' | 'numClasses') => fileA.spec[k] === fileB.spec[k];
  if (!same('architecture') || !same('widthScale') || !same('numClasses')) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${path.basename(a)} is ${describe(fileA)} but ${path.basename(b)} is ${describe(fileB)}: an interpolation joins two models of one network.`,
      false,
    );
  }
  const input: LandscapeModels = {
    spec: fileA.spec,
    models: models.map((m) => ({
      id: m.file,
      name: modelName(m.file, m.model, m.vertex),
      weights: m.vertex.weights,
    })),
    statistics: fileA.statistics,
  };
  return runLandscape(input, settings, values, [a, b], io, fileA);
}

/** `interpolate --curve FILE`: loss and error along a curve, and along the line between its ends. */
async function curveProfile(file: string, values: Parsed['values'], io: CliIo): Promise<number> {
  for (const flag of ['a', 'b', 'a-vertex', 'b-vertex', 'range']) {
    if (values[flag] !== undefined)
      throw badArgument(`--${flag} does not go with --curve: a curve is profiled from its t = 0 to 1`);
  }
  const settings = commonSettings('curve', values);
  const model = await loadModelFile(file);
  if (!model.info.curve) {
    throw badArgument(
      `${path.basename(file)} is not a curve: its metadata names none (the studio writes "curve": {"type", "num_bends"} into a curve's file); for two models give --a and --b`,
    );
  }
  const name = path.basename(file).replace(/\.(safetensors|pt|pth|bin)$/i, '');
  const input: LandscapeModels = {
    spec: model.spec,
    models: [{ id: file, name, weights: model.vertices[0] as TfVertex }],
    statistics: model.statistics,
    curve: { type: model.info.curve, points: model.vertices },
  };
  return runLandscape(input, settings, values, [file], io, model);
}

export async function planeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('plane', argv, PLANE_OPTIONS);
  if (values.help === true) {
    io.stdout(PLANE_HELP);
    return EXIT_OK;
  }
  noPositionals('plane', positionals);
  const pathFlags = (values.path as string[] | undefined) ?? [];
  const kind: LandscapeKind = pathFlags.length > 0 ? 'path' : 'random';
  const settings = commonSettings(kind, values);
  const dims = stringFlag(values, 'dims');
  if (dims !== undefined) {
    if (dims !== '1' && dims !== '2') throw badArgument(`--dims must be 1 or 2, not "${dims}"`);
    if (kind === 'path' && dims === '1') throw badArgument('a training path is drawn on a plane: --dims 2');
    settings.dims = dims === '1' ? 1 : 2;
  }
  const seed = intFlag(values, 'seed', 0, 2 ** 32 - 1);
  const norm = stringFlag(values, 'norm');
  if (norm !== undefined && norm !== 'filter' && norm !== 'layer' && norm !== 'none') {
    throw badArgument(`--norm must be filter, layer or none, not "${norm}"`);
  }
  settings.direction = {
    seed: seed ?? settings.direction.seed,
    norm: norm ?? settings.direction.norm,
    ignoreBiasBn: values['keep-biasbn'] !== true,
  };
  const margin = stringFlag(values, 'margin');
  if (margin !== undefined) settings.margin = Number(margin);
  checked(settings);

  const pathFiles = kind === 'path' ? expandPath(pathFlags) : [];
  const weightsFlag = stringFlag(values, 'weights') ?? pathFiles[pathFiles.length - 1]?.file;
  if (weightsFlag === undefined) throw badArgument('plane needs --weights FILE (or --path)');
  const file = await loadModelFile(weightsFlag);
  const origin = pickVertex(weightsFlag, file, intFlag(values, 'vertex', 0), '--vertex');
  const input: LandscapeModels = {
    spec: file.spec,
    models: [{ id: weightsFlag, name: modelName(weightsFlag, file, origin), weights: origin.weights }],
    statistics: file.statistics,
  };
  if (kind === 'path') {
    const weights: TfVertex[] = [];
    for (const p of pathFiles) {
      const snapshot = await loadModelFile(p.file);
      if (describe(snapshot) !== describe(file)) {
        throw new StudioError(
          'SHAPE_MISMATCH',
          `${path.basename(p.file)} is ${describe(snapshot)} but ${path.basename(weightsFlag)} is ${describe(file)}: a path is one network's.`,
          false,
        );
      }
      weights.push(pickVertex(p.file, snapshot, undefined, '').weights);
    }
    input.path = { epochs: pathFiles.map((p) => p.epoch), weights };
  }
  const inputs = [weightsFlag, ...pathFiles.map((p) => p.file)];
  return runLandscape(input, settings, values, inputs, io, file, parsePart(stringFlag(values, 'part')));
}

export async function mergeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('merge', argv, MERGE_OPTIONS);
  if (values.help === true) {
    io.stdout(MERGE_HELP);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw badArgument('merge needs the part files (PART.json ...)');
  const texts = positionals.map((file) => ({
    name: path.basename(file),
    text: new TextDecoder().decode(readInput(file, 'part file')),
  }));
  const guard = { force: values.force === true, inputs: positionals };
  const first = parseJson(texts[0] as { name: string; text: string });
  if (isGridJson(first)) {
    // Parts of a face surface (surface --part): written as surface writes a whole one.
    const grid = mergeGridParts(texts.map((t) => ({ name: t.name, json: parseJson(t) })));
    const prefix = stringFlag(values, 'out') ?? gridFileStem(grid);
    await writeOutput(`${prefix}.csv`, [new TextEncoder().encode(gridCsv(grid))], guard);
    await writeOutput(`${prefix}.json`, [new TextEncoder().encode(gridJson(grid))], guard);
    printJson(io, {
      face: grid.face,
      gridSize: grid.settings.gridSize,
      imagesUsed: grid.imagesUsed,
      seconds: grid.seconds,
      files: [`${prefix}.csv`, `${prefix}.json`],
    });
    return EXIT_OK;
  }
  const merged = mergeLandscapeParts(
    texts.map((t) => ({ name: t.name, landscape: parseLandscapeJson(t.text, t.name) })),
  );
  const prefix = stringFlag(values, 'out') ?? landscapeFileStem(merged);
  const files = await writeLandscape(merged, prefix, guard, true);
  printJson(io, { ...summary(merged), files });
  return EXIT_OK;
}

function parseJson({ name, text }: { name: string; text: string }): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StudioError(
      'BAD_ARGUMENT',
      `${name} is not JSON: merge takes the part files plane --part and surface --part write.`,
    );
  }
}

/** The settings every landscape command shares, from the kind's defaults and the flags. */
function commonSettings(kind: LandscapeKind, values: Parsed['values']): LandscapeSettings {
  const settings: LandscapeSettings = structuredClone(LANDSCAPE_DEFAULTS[kind]);
  const dataPath = stringFlag(values, 'data');
  if (dataPath === undefined) throw badArgument(`--data DATA is needed (see eval --help)`);
  settings.datasetId = path.basename(dataPath);
  const split = stringFlag(values, 'split');
  if (split !== undefined) {
    const splits = split === 'both' ? ['train', 'test'] : split.split(',');
    if (splits.some((s) => s !== 'train' && s !== 'test')) {
      throw badArgument(`--split must be train, test or both, not "${split}"`);
    }
    settings.splits = [...new Set(splits)] as DatasetSplit[];
  }
  settings.images = intFlag(values, 'images', 1) ?? settings.images;
  settings.points = intFlag(values, 'points', 3, 101) ?? settings.points;
  const range = stringFlag(values, 'range');
  if (range !== undefined) {
    const r = numberList('range', range);
    if (r.length !== 2) throw badArgument(`--range must be two numbers FROM,TO, not "${range}"`);
    [settings.from, settings.to] = r as [number, number];
  }
  const bn = stringFlag(values, 'bn');
  if (bn !== undefined && bn !== 'stored' && bn !== 'recomputed') {
    throw badArgument(`--bn must be stored or recomputed, not "${bn}"`);
  }
  settings.batchNorm = {
    statistics: bn ?? RECOMPUTED.statistics,
    batches: intFlag(values, 'bn-batches', 1) ?? RECOMPUTED.batches,
  };
  return checked(settings);
}

function checked(settings: LandscapeSettings): LandscapeSettings {
  const problem = landscapeSettingsError(settings);
  if (problem) throw badArgument(problem);
  return settings;
}

async function runLandscape(
  input: LandscapeModels,
  settings: LandscapeSettings,
  values: Parsed['values'],
  inputs: string[],
  io: CliIo,
  file: WeightsFile,
  part?: { index: number; count: number },
): Promise<number> {
  const dataPath = stringFlag(values, 'data') as string;
  const format = parseFormat(stringFlag(values, 'format'));
  const guard = { force: values.force === true, inputs: [...inputs, dataPath] };
  const stem = landscapeFileStem({
    kind: settings.kind,
    models: input.models,
    x: new Array<number>(settings.points),
    y: new Array<number>(settings.dims === 2 ? settings.points : 0),
    part: part ? { ...part, start: 0, end: 0 } : null,
  });
  const prefix = stringFlag(values, 'out') ?? stem;
  const planned = part ? [`${prefix}.json`] : ['csv', 'json', 'h5'].map((e) => `${prefix}.${e}`);
  for (const out of planned) checkOutput(out, guard);

  const splits = new Map<DatasetSplit, ImageSplit>();
  for (const split of settings.splits) {
    const data = await loadEvalData(dataPath, { format, split, limit: settings.images }).catch(
      async (err: unknown) => {
        // A record file is one split: read as it is when only one is asked for.
        if (!(err instanceof StudioError && /applies to tarballs/.test(err.message))) throw err;
        if (settings.splits.length > 1) {
          throw badArgument(
            `${path.basename(dataPath)} is one split (a record file): give --split train or --split test`,
          );
        }
        return loadEvalData(dataPath, { format, limit: settings.images });
      },
    );
    if (data.numClasses !== input.spec.numClasses) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `The model has ${input.spec.numClasses} classes but ${path.basename(dataPath)} is ${data.title} (${data.numClasses} classes).`,
        false,
      );
    }
    splits.set(split, data.split);
  }
  const recompute = input.statistics.length > 0 && settings.batchNorm.statistics === 'recomputed';
  const train = recompute
    ? (
        await loadEvalData(dataPath, {
          format,
          split: 'train',
          limit: settings.batchNorm.batches * RECOMPUTE_BATCH,
        }).catch((err: unknown) => {
          if (err instanceof StudioError && /applies to tarballs/.test(err.message)) {
            throw badArgument(
              '--bn recomputed needs the training images: give --data a tarball or folder with a training split, or --bn stored',
            );
          }
          throw err;
        })
      ).split
    : null;
  const backend = await startNodeBackend();
  const compiled =
    backend.name === 'webgpu' ? (await import('../worker/backend')).activeEvaluator() : undefined;
  const built = buildLandscape(input, settings);
  const landscape = await computeLandscape(built, settings, {
    ...(part ? { part } : {}),
    open: (model, split) =>
      openPointEvaluator(
        model,
        splits.get(split) as ImageSplit,
        {
          images: settings.images,
          batchSize: 128,
          normalisation: file.info.normalisation ?? null,
          ...(train
            ? { recompute: { split: train, batches: settings.batchNorm.batches, batchSize: RECOMPUTE_BATCH } }
            : {}),
        },
        compiled,
      ),
  }).finally(() => {
    built.model.dispose();
  });
  landscape.id = stem;
  const files = await writeLandscape(landscape, prefix, guard, part === undefined);
  printJson(io, { ...summary(landscape), files });
  return EXIT_OK;
}

/** CSV, JSON and HDF5 of a whole landscape; the JSON alone of a part. */
async function writeLandscape(
  landscape: Landscape,
  prefix: string,
  guard: OutputOptions,
  whole: boolean,
): Promise<string[]> {
  const files: string[] = [];
  const write = async (name: string, parts: Uint8Array[] | string[]) => {
    await writeOutput(
      name,
      parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p)),
      guard,
    );
    files.push(name);
  };
  if (whole) await write(`${prefix}.csv`, [landscapeCsv(landscape)]);
  await write(`${prefix}.json`, [landscapeJson(landscape)]);
  if (whole) {
    await write(`${prefix}.h5`, [
      await hdf5File(landscapeHdf5Datasets(landscape), landscapeHdf5Attributes(landscape)),
    ]);
  }
  return files;
}

/** What the commands print: the picture's shape, its range of values, barriers and path. */
function summary(l: Landscape): Record<string, unknown> {
  const range = (values: number[]) => {
    const finite = values.filter((x) => Number.isFinite(x));
    return finite.length > 0 ? [Math.min(...finite), Math.max(...finite)] : null;
  };
  return {
    kind: l.kind,
    models: l.models.map((m) => m.name),
    points: [l.x.length, ...(l.y.length > 0 ? [l.y.length] : [])],
    ...(l.part ? { part: l.part } : {}),
    imagesUsed: l.imagesUsed,
    ...(l.batchNorm ? { batchNorm: l.batchNorm } : {}),
    loss: Object.fromEntries(l.values.map((v) => [v.split, range(v.loss)])),
    error: Object.fromEntries(l.values.map((v) => [v.split, range(v.error)])),
    ...(l.barriers.length > 0 ? { barriers: l.barriers } : {}),
    ...(l.lineBarriers.length > 0 ? { lineBarriers: l.lineBarriers } : {}),
    ...(l.kind === 'random' ? { direction: l.settings.direction } : {}),
    ...(l.path ? { explained: l.path.explained } : {}),
    seconds: l.seconds,
  };
}

function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) {
    throw badArgument(`${command} takes no positional arguments (got "${positionals[0] ?? ''}")`);
  }
}

function describe(m: WeightsFile): string {
  return `${m.spec.architecture} at width ${m.spec.widthScale} with ${m.spec.numClasses} classes`;
}

/** A file's vertex: the one given, else its only one. */
function pickVertex(
  file: string,
  model: WeightsFile,
  index: number | undefined,
  flag: string,
): { index: number; weights: TfVertex } {
  const k = model.vertices.length;
  if (index === undefined && k > 1) {
    throw badArgument(`${path.basename(file)} holds ${k} vertices: say which with ${flag} (0…${k - 1})`);
  }
  const i = index ?? 0;
  const weights = model.vertices[i];
  if (!weights) throw badArgument(`${flag} ${i}: ${path.basename(file)} holds ${k} vertices (0…${k - 1})`);
  return { index: i, weights };
}

function modelName(file: string, model: WeightsFile, vertex: { index: number }): string {
  const stem = path.basename(file).replace(/\.(safetensors|pt|pth|bin)$/i, '');
  return model.vertices.length > 1 ? `${stem}_vertex${vertex.index}` : stem;
}

/** --path FILE... or --path DIR (its epoch-N files), in epoch order. */
function expandPath(flags: readonly string[]): { file: string; epoch: number }[] {
  const files = flags.flatMap((flag) => {
    if (!statSync(flag, { throwIfNoEntry: false })?.isDirectory()) return [flag];
    const found = readdirSync(flag)
      .filter((name) => pathFileEpoch(name) !== null)
      .map((name) => path.join(flag, name));
    if (found.length === 0) throw badArgument(`--path ${flag} holds no epoch-N.safetensors files`);
    return found;
  });
  const withEpochs = files.map((file, i) => ({ file, epoch: pathFileEpoch(path.basename(file)) ?? i + 1 }));
  return flags.length === 1 ? withEpochs.sort((x, y) => x.epoch - y.epoch) : withEpochs;
}
