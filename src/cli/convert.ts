// `convert`: between the two PyTorch layouts. A SimplexNet file gives one vertex as a VGG16
// state_dict; VGG16 files (e.g. independently trained modes) join into one SimplexNet file. The
// engine's writers do the layout transposes and metadata; this only picks inputs and decides
// which metadata still describes the output. Runs in Node; needs no tfjs backend.

import {
  checkAgainst,
  parseModelFile,
  simplexFile,
  vertexFile,
  type ModelFile,
} from '../engine/formats/stateDict';
import type { ModelMetadata } from '../engine/formats/modelMetadata';
import { badArgument, indexList, intFlag, parseCommand, stringFlag } from './args';
import { checkOutput, writeOutput } from './outputFile';
import { CONVERT_HELP } from './help';
import { printJson } from './output';
import { EXIT_OK, type CliIo } from './io';
import { describeModel, loadModelFile } from './modelFile';
import { StudioError } from '../protocol/errors';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  vertex: { type: 'string' },
  frozen: { type: 'string' },
  force: { type: 'boolean' },
} as const;

export async function convertCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('convert', argv, OPTIONS);
  if (values.help === true) {
    io.stdout(CONVERT_HELP);
    return EXIT_OK;
  }
  const out = positionals.at(-1);
  const inputs = positionals.slice(0, -1);
  if (out === undefined || inputs.length === 0)
    throw badArgument('convert needs an input and an output file: convert IN... OUT');
  const guard = { force: values.force === true, inputs };
  checkOutput(out, guard);
  const vertex = intFlag(values, 'vertex', 0);
  const frozenText = stringFlag(values, 'frozen');
  const models = inputs.map((file) => loadModelFile(file));
  const first = models[0] as ModelFile;

  let parts: Uint8Array[];
  if (first.layout === 'simplex') {
    if (models.length > 1)
      throw badArgument('a SimplexNet file converts alone: convert SIMPLEX OUT --vertex I');
    if (frozenText !== undefined)
      throw badArgument('--frozen applies when joining VGG16 files into a SimplexNet file');
    parts = simplexToVertex(first, vertex);
  } else {
    if (vertex !== undefined)
      throw badArgument('--vertex applies to a SimplexNet input; these are VGG16 files');
    const simplexInput = models.findIndex((m) => m.layout === 'simplex');
    if (simplexInput >= 0)
      throw badArgument(`${inputs[simplexInput] ?? ''} is a SimplexNet file; join only VGG16 files`);
    const frozen = frozenText === undefined ? [] : indexList('frozen', frozenText);
    parts = verticesToSimplex(models, inputs, frozen);
  }
  // Read back what is about to be written, so a file the studio could not load never leaves.
  const written = parseModelFile(concat(parts));
  await writeOutput(out, parts, guard);
  printJson(io, { file: out, ...describeModel(written) });
  return EXIT_OK;
}

function simplexToVertex(model: ModelFile, vertex: number | undefined): Uint8Array[] {
  const k = model.vertices.length;
  if (vertex === undefined && k > 1)
    throw badArgument(`the file has ${k} vertices: say which with --vertex 0…${k - 1}`);
  const v = vertex ?? 0;
  const values = model.vertices[v];
  if (values === undefined)
    throw badArgument(`--vertex ${v} is out of range: the file has ${k} vertices (0…${k - 1})`);
  const { dataset, normalisation, training, run } = model.info;
  // Metrics describe the whole simplex, not one vertex of it, so they are not carried over.
  const meta: ModelMetadata = { vertex: v };
  if (dataset !== undefined) meta.dataset = dataset;
  if (normalisation !== undefined) meta.normalisation = normalisation;
  if (training !== undefined) meta.training = training;
  if (run !== undefined) meta.run = run;
  return vertexFile(model.spec, values, model.statistics, meta);
}

function verticesToSimplex(
  models: readonly ModelFile[],
  inputs: readonly string[],
  frozen: number[],
): Uint8Array[] {
  const first = models[0] as ModelFile;
  models.forEach((m, i) => {
    try {
      checkAgainst(m.spec, first.spec);
    } catch (err) {
      if (!(err instanceof StudioError)) throw err;
      throw new StudioError(
        err.code,
        `${inputs[i] ?? ''} does not join ${inputs[0] ?? ''}: ${err.message}`,
        false,
      );
    }
  });
  const k = models.length;
  const bad = frozen.find((v) => v >= k);
  if (bad !== undefined)
    throw badArgument(`--frozen names vertex ${bad} but there are ${k} inputs (0…${k - 1})`);
  const meta: ModelMetadata & { complex: number[][]; frozen: number[] } = {
    complex: [Array.from({ length: k }, (_, i) => i)],
    frozen,
  };
  // Kept only where every input says the same: a mixed list would misdescribe the output.
  const dataset = agreed(models.map((m) => m.info.dataset));
  const normalisation = agreed(models.map((m) => m.info.normalisation));
  if (dataset !== undefined) meta.dataset = dataset;
  if (normalisation !== undefined) meta.normalisation = normalisation;
  // A SimplexNet keeps one set of batch-norm statistics: the first input's (the mode it grows from).
  return simplexFile(
    first.spec,
    models.map((m) => m.vertices[0] ?? []),
    first.statistics,
    meta,
  );
}

function agreed<T>(values: readonly (T | undefined)[]): T | undefined {
  const first = values[0];
  if (first === undefined) return undefined;
  const text = JSON.stringify(first);
  return values.every((v) => v !== undefined && JSON.stringify(v) === text) ? first : undefined;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
