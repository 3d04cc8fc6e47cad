// `train`: the tab's trainer from a terminal. The same settings (one flag per field, the same
// defaults and checks), the same engine and, on WebGPU, the same compiled step; a checkpoint
// after every epoch written atomically into the run's folder, `--resume DIR` to go on from it bit
// for bit, Ctrl-C to stop after the last complete one, and the result as the studio's own
// safetensors files (the tab's export: a VGG16 file per vertex, a SimplexNet file of them all).
// Progress goes to stderr, one JSON line per epoch to stdout. Runs in Node.

import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readCheckpointFile, checkpointFile } from '../engine/train/checkpointFile';
import { vertexFile } from '../engine/formats/stateDict';
import { pathFileName, pathPoint } from '../engine/landscape/trainingPath';
import {
  modelSpecOf,
  trainRun,
  type ComponentState,
  type TrainCheckpoint,
  type TrainStart,
} from '../engine/train/trainer';
import { batchMaker, hostBatchMaker } from '../engine/train/trainingData';
import { planStages } from '../engine/train/plan';
import type { RunningStatistics, TfVertex } from '../engine/formats/layout';
import {
  WIDTH_SCALES,
  architectureError,
  type Architecture,
  type WidthScale,
} from '../protocol/architecture';
import type { EpochPoint, TrainHistory, TrainProgress } from '../protocol/commands/train';
import type { NormalisationData } from '../protocol/commands/models';
import { StudioError } from '../protocol/errors';
import {
  checkSettings,
  defaultSettings,
  NUMBER_RULES,
  PRESETS,
  presetSettings,
  PROCEDURES,
  RATE_KEYS,
  rateForBatch,
  type NumericSettingKey,
  type Procedure,
  type TrainSettings,
} from '../protocol/settings';
import { badArgument, parseCommand, stringFlag, type Options, type Parsed } from './args';
import { isNodeBackendRequest, NODE_BACKENDS, startNodeBackend, type NodeBackend } from './backend';
import { parseFormat } from './cifarData';
import { fileError } from './files';
import { TRAIN_HELP } from './help';
import { EXIT_OK, type CliIo } from './io';
import { loadModelFile } from './modelFile';
import { writeOutput } from './outputFile';
import { loadTrainData, SYNTHETIC, type TrainDataFile } from './trainData';
import { REFERENCE_NORMALIZATION, type Normalization } from '../engine/data/normalization';
import { modeVertex, runModels, runVertices } from '../worker/library/runModel';
import { simplexFileName, simplexParts, vertexFileName, vertexParts } from '../worker/library/exportFiles';
import { summarise, type ModelRecord } from '../worker/storage/models';

/** Exit status of a run stopped by Ctrl-C (128 + SIGINT), after its last checkpoint. */
export const EXIT_INTERRUPTED = 130;

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** Where `--keep-path` keeps the weights of each epoch: DIR/path/epoch-<n>.safetensors. */
export const PATH_DIR = 'path';

/** Flag name → numeric setting: the settings' own names in kebab case (--base-lr is baseLr). */
const NUMERIC_FLAGS: Record<string, NumericSettingKey> = Object.fromEntries(
  (Object.keys(NUMBER_RULES) as NumericSettingKey[]).map((key) => [kebab(key), key]),
);

const OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
  procedure: { type: 'string' },
  data: { type: 'string' },
  format: { type: 'string' },
  from: { type: 'string', multiple: true },
  out: { type: 'string' },
  resume: { type: 'string' },
  name: { type: 'string' },
  backend: { type: 'string' },
  architecture: { type: 'string' },
  preset: { type: 'string' },
  width: { type: 'string' },
  reduction: { type: 'string' },
  curve: { type: 'string' },
  'no-augment': { type: 'boolean' },
  'no-shuffle': { type: 'boolean' },
  'keep-path': { type: 'boolean' },
  init: { type: 'string' },
  'test-data': { type: 'string' },
  ...Object.fromEntries(Object.keys(NUMERIC_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
};

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export async function trainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('train', argv, OPTIONS);
  if (values.help === true) {
    io.stdout(TRAIN_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) {
    throw badArgument(`train takes no positional arguments (got "${positionals[0] ?? ''}")`);
  }
  const backendFlag = stringFlag(values, 'backend') ?? 'auto';
  if (!isNodeBackendRequest(backendFlag)) {
    throw badArgument(`--backend must be one of ${NODE_BACKENDS.join(', ')}, not "${backendFlag}"`);
  }
  const format = parseFormat(stringFlag(values, 'format'));
  const plan = planRun(values);

  const dataFile = await loadTrainData(plan.dataPath, format, plan.testDataPath);
  const { data } = dataFile;
  let settings: TrainSettings;
  let start: TrainStart;
  if (plan.kind === 'resume') {
    settings = plan.checkpoint.settings;
    start = { kind: 'resume', checkpoint: plan.checkpoint };
  } else {
    settings = settingsFrom(values, plan.procedure, plan.dataPath, data.numClasses, plan.modes);
    checkSettings(settings, data.train.count);
    start = {
      kind: 'fresh',
      ...(await loadModes(plan.modes, settings, data.numClasses)),
      ...(plan.init === undefined ? {} : { init: await loadInit(plan.init, settings, data.numClasses) }),
    };
  }
  const backend = await startNodeBackend(backendFlag);
  const normalisation = dataFile.normalisation;
  const worker = backend.name === 'webgpu' ? await import('../worker/backend') : null;
  const compiled = worker?.activeCompiledStep(hostBatchMaker(normalisation));
  const evaluator = worker?.activeLogitsEvaluator(normalisation);
  // The test evaluation after each epoch runs on the same path as the step.
  io.stderr(`${describeBackend(backend)}, step: ${compiled ? 'compiled' : 'tfjs'}\n`);

  // Ctrl-C asks the trainer to stop at the next step; the run then ends after its last checkpoint.
  const signal = { stop: false };
  const onSignal = () => {
    signal.stop = true;
  };
  process.once('SIGINT', onSignal);
  const guard = {
    force: true,
    inputs: [plan.dataPath, ...plan.modes, ...(plan.init === undefined ? [] : [plan.init])],
  };
  const progress = new ProgressLine(io);
  if (settings.keepPath) mkdirSync(path.join(plan.dir, PATH_DIR), { recursive: true });
  let last: TrainCheckpoint | null = plan.kind === 'resume' ? plan.checkpoint : null;
  try {
    const events = trainRun(settings, data, start, {
      makeBatch: batchMaker(normalisation),
      ...(compiled ? { compiled } : {}),
      ...(evaluator ? { evaluator } : {}),
      interrupted: () => signal.stop,
    });
    for await (const event of events) {
      if (event.type === 'stage') progress.stage(event.label);
      else if (event.type === 'steps') progress.show(event.progress, event.point.loss);
      else if (event.type === 'epoch') {
        progress.clear();
        io.stdout(`${epochLine(event.point)}\n`);
      } else if (event.type === 'checkpoint') {
        await writeOutput(
          path.join(plan.dir, CHECKPOINT_FILE),
          checkpointFile(event.checkpoint, { run: plan.name, testData: plan.testDataPath }),
          guard,
        );
        last = event.checkpoint;
        if (settings.keepPath) {
          const point = pathPoint(
            event.checkpoint.components[event.component] as ComponentState,
            event.checkpoint.history.epochs.length,
          );
          await writeOutput(
            path.join(plan.dir, PATH_DIR, pathFileName(point.epoch)),
            vertexFile(modelSpecOf(settings, data.numClasses), point.weights, point.statistics, {
              run: plan.name,
            }),
            guard,
          );
        }
      } else {
        const files = writeResult(plan.dir, plan.name, settings, event, data.numClasses, dataFile);
        progress.clear();
        for (const file of await files) io.stdout(`${JSON.stringify({ file })}\n`);
      }
      // An epoch's checkpoint follows its epoch event: stop once it is written.
      if (signal.stop && event.type !== 'epoch') {
        await events.return(undefined);
        progress.clear();
        const where = last ? `its checkpoint after step ${last.step}` : 'no checkpoint yet';
        io.stderr(`stopped: ${plan.dir} holds ${where}; \`train --resume ${plan.dir}\` goes on from it\n`);
        return EXIT_INTERRUPTED;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
  return EXIT_OK;
}

interface PlanBase {
  dir: string;
  name: string;
  dataPath: string;
  /** The test split's own file, where DATA is one split (a record file). */
  testDataPath: string | undefined;
  modes: string[];
  /** --init: the starting weights of the run's new vertices. */
  init: string | undefined;
}
type Plan =
  | (PlanBase & { kind: 'fresh'; procedure: Procedure })
  | (PlanBase & { kind: 'resume'; checkpoint: TrainCheckpoint });

/** What to run, from the flags alone (before any data is read). */
function planRun(values: Parsed['values']): Plan {
  const resume = stringFlag(values, 'resume');
  const out = stringFlag(values, 'out');
  const modes = (values.from as string[] | undefined) ?? [];
  if (resume !== undefined) {
    const settingFlags = Object.keys(values).filter(
      (k) =>
        k in NUMERIC_FLAGS ||
        [
          'procedure',
          'from',
          'out',
          'architecture',
          'width',
          'reduction',
          'curve',
          'no-augment',
          'no-shuffle',
          'keep-path',
          'init',
        ].includes(k),
    );
    if (settingFlags.length > 0) {
      throw badArgument(
        `--resume goes on with the checkpoint's own settings; drop --${settingFlags.join(', --')}`,
      );
    }
    const file = path.join(resume, CHECKPOINT_FILE);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (err) {
      throw fileError(file, 'checkpoint', err);
    }
    const { checkpoint, about } = readCheckpointFile(bytes, file);
    return {
      kind: 'resume',
      dir: resume,
      name: stringFlag(values, 'name') ?? about.run ?? path.basename(path.resolve(resume)),
      dataPath: stringFlag(values, 'data') ?? checkpoint.settings.datasetId,
      testDataPath: stringFlag(values, 'test-data') ?? about.testData,
      checkpoint,
      modes: [],
      init: undefined,
    };
  }
  if (out === undefined) throw badArgument('train needs --out DIR (or --resume DIR to go on with a run)');
  const dataPath = stringFlag(values, 'data');
  if (dataPath === undefined) {
    throw badArgument(
      `train needs --data DATA (${SYNTHETIC}, a CIFAR tarball, an IDX folder or an image folder)`,
    );
  }
  const procedure = stringFlag(values, 'procedure') ?? 'base';
  if (!(PROCEDURES as readonly string[]).includes(procedure)) {
    throw badArgument(`--procedure must be one of ${PROCEDURES.join(', ')}, not "${procedure}"`);
  }
  const existing = statOrNull(out);
  if (existing && !existing.isDirectory()) throw badArgument(`--out ${out} is a file; name a folder`);
  if (statOrNull(path.join(out, CHECKPOINT_FILE))) {
    throw badArgument(
      `${out} already holds a run; \`--resume ${out}\` goes on with it, or name another folder`,
    );
  }
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    throw fileError(out, 'output folder', err);
  }
  return {
    kind: 'fresh',
    dir: out,
    name: stringFlag(values, 'name') ?? path.basename(path.resolve(out)),
    dataPath: dataPath === SYNTHETIC ? SYNTHETIC : path.resolve(dataPath),
    procedure: procedure as Procedure,
    testDataPath: resolved(stringFlag(values, 'test-data')),
    modes,
    init: stringFlag(values, 'init'),
  };
}

function resolved(file: string | undefined): string | undefined {
  return file === undefined ? undefined : path.resolve(file);
}

/**
 * The form's settings for this procedure, dataset and preset (the reference's unless --preset),
 * with every flag given applied and checked.
 */
function settingsFrom(
  values: Parsed['values'],
  procedure: Procedure,
  dataPath: string,
  numClasses: number,
  modes: readonly string[],
): TrainSettings {
  const preset = stringFlag(values, 'preset') ?? 'reference';
  if (!(PRESETS as readonly string[]).includes(preset)) {
    throw badArgument(`--preset must be one of ${PRESETS.join(', ')}, not "${preset}"`);
  }
  const settings = {
    ...presetSettings(preset as (typeof PRESETS)[number], procedure, dataPath, numClasses),
    modes: modes.map((m) => path.basename(m)),
  };
  for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
    const text = stringFlag(values, flag);
    if (text === undefined) continue;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n))
      throw badArgument(`--${flag} must be a number, not "${text}"`);
    settings[key] = n;
  }
  // The rates not given follow the batch size, as the Train form's untouched ones do.
  const reference = defaultSettings(procedure);
  for (const key of RATE_KEYS) {
    if (stringFlag(values, kebab(key)) === undefined)
      settings[key] = rateForBatch(reference[key], settings.batchSize);
  }
  const architecture = stringFlag(values, 'architecture');
  if (architecture !== undefined) {
    const problem = architectureError(architecture);
    if (problem) throw badArgument(`--architecture: ${problem}`);
    settings.architecture = architecture as Architecture;
  }
  const width = stringFlag(values, 'width');
  if (width !== undefined) {
    const w = Number(width);
    if (!(WIDTH_SCALES as readonly number[]).includes(w)) {
      throw badArgument(`--width must be one of ${WIDTH_SCALES.join(', ')}, not "${width}"`);
    }
    settings.widthScale = w as WidthScale;
  }
  if (values['no-augment'] === true) settings.augment = false;
  if (values['no-shuffle'] === true) settings.shuffle = false;
  if (values['keep-path'] === true) settings.keepPath = true;
  const curve = stringFlag(values, 'curve');
  if (curve !== undefined) {
    if (curve !== 'bezier' && curve !== 'polychain')
      throw badArgument(`--curve must be bezier or polychain, not "${curve}"`);
    settings.curve = curve;
  }
  const reduction = stringFlag(values, 'reduction');
  if (reduction !== undefined) {
    if (reduction !== 'sum' && reduction !== 'mean')
      throw badArgument(`--reduction must be sum or mean, not "${reduction}"`);
    settings.reduction = reduction;
  }
  // The settings' checks, with the flag names the user typed.
  try {
    checkSettings(settings);
  } catch (err) {
    if (err instanceof StudioError) {
      throw badArgument(
        err.message.replace(/(\w+): /g, (m, key: string) => (key in settings ? `--${flagOf(key)}: ` : m)),
      );
    }
    throw err;
  }
  return settings;
}

function flagOf(key: string): string {
  if (key === 'widthScale') return 'width';
  if (key === 'modes') return 'from';
  return kebab(key);
}

/** Each --from file's single vertex, checked against the run's model, and the first one's statistics. */
async function loadModes(
  files: readonly string[],
  settings: TrainSettings,
  numClasses: number,
): Promise<{ modes: TfVertex[]; statistics?: RunningStatistics }> {
  const spec = modelSpecOf(settings, numClasses);
  const models = [];
  for (const file of files) models.push(await loadModelFile(file));
  const modes = models.map((model, i) =>
    modeVertex(path.basename(files[i] as string), model, spec, ' (--architecture, --width)'),
  );
  return models[0] ? { modes, statistics: models[0].statistics } : { modes };
}

/**
 * --init: the starting weights of the run's new vertices, in the order it adds them (planStages):
 * a VGG16 file for one, a SimplexNet file holding exactly the new ones for several.
 */
async function loadInit(
  file: string,
  settings: TrainSettings,
  numClasses: number,
): Promise<readonly TfVertex[]> {
  const count = planStages(settings).length;
  const what = count === 1 ? 'a VGG16 file' : `a SimplexNet file of ${count} vertices`;
  return runVertices(
    path.basename(file),
    await loadModelFile(file),
    modelSpecOf(settings, numClasses),
    count,
    ` (--init: ${what}, the ${count === 1 ? 'vertex' : `${count} vertices`} this ${settings.procedure} run adds${count === 1 ? '' : ', in order'})`,
  );
}

/** The finished run as the tab exports it: a VGG16 file per vertex, and a SimplexNet file of them all. */
async function writeResult(
  dir: string,
  name: string,
  settings: TrainSettings,
  done: { components: readonly ComponentState[]; history: TrainHistory },
  numClasses: number,
  dataFile: TrainDataFile,
): Promise<string[]> {
  const models = runModels(
    { id: name, name, settings, history: done.history },
    done.components,
    numClasses,
    { id: null, name: dataFile.title },
    normalisationData(dataFile.normalisation ?? REFERENCE_NORMALIZATION),
  );
  const files: string[] = [];
  const write = async (file: string, parts: Uint8Array[]) => {
    const full = path.join(dir, file);
    await writeOutput(full, parts, { force: true, inputs: [] });
    files.push(full);
  };
  for (const made of models) {
    const model: ModelRecord = { ...made, id: made.name, createdAt: Date.now() };
    const summary = summarise(model);
    for (let v = 0; v < model.vertices.length; v++)
      await write(vertexFileName(summary, v), vertexParts(model, v));
    if (model.vertices.length > 1) await write(simplexFileName(summary), simplexParts(model));
  }
  return files;
}

function normalisationData(n: Normalization): NormalisationData {
  return { mean: [...n.mean], std: [...n.std] };
}

function epochLine(point: EpochPoint): string {
  return JSON.stringify(point, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

function describeBackend(b: NodeBackend): string {
  const adapter = b.adapter
    ? ` on ${[b.adapter.vendor, b.adapter.architecture].filter(Boolean).join(' ')}`
    : '';
  const threads = b.threads !== undefined ? ` with ${b.threads} threads` : '';
  return `training on ${b.name}${adapter}${threads} (${b.reason})`;
}

/** Progress on stderr: one line rewritten in place on a terminal, a line per window otherwise. */
class ProgressLine {
  private label = '';
  private shown = false;

  constructor(private readonly io: CliIo) {}

  stage(label: string): void {
    this.label = label;
  }

  show(p: TrainProgress, loss: number): void {
    const rate = p.imagesPerSecond > 0 ? `${p.imagesPerSecond.toFixed(1)} images/s` : 'measuring';
    const left = Number.isFinite(p.secondsLeft) ? `, ${formatSeconds(p.secondsLeft)} left` : '';
    const text = `${this.label}: step ${p.step}/${p.totalSteps}, loss ${loss.toFixed(4)}, ${rate}${left}`;
    if (this.io.tty === true) {
      const width = 30;
      const filled = Math.round((width * p.step) / Math.max(1, p.totalSteps));
      this.io.stderr(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      this.shown = true;
    } else this.io.stderr(`${text}\n`);
  }

  clear(): void {
    if (this.shown) this.io.stderr('\r\x1b[K');
    this.shown = false;
  }
}

function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function statOrNull(file: string) {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
