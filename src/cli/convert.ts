// `convert`: between the two PyTorch layouts and the two file formats (safetensors, PyTorch's .pt,
// by OUT's extension). A SimplexNet file gives one vertex as the base network's state_dict; base
// files (e.g. independently trained modes) join into one SimplexNet file; one file alone, without
// --vertex or --frozen and of the other format than OUT's, is the same model in OUT's format. The engine's writers do the layout
// transposes and metadata; this only picks inputs and decides which metadata still describes the
// output. Runs in Node; needs no tfjs backend.

import { checkAgainst } from '../engine/formats/stateDict';
import {
  formatOfName,
  parseWeightsFile,
  weightsFileParts,
  type WeightsFile,
} from '../engine/formats/weightsFile';
import type { ModelMetadata, SimplexMetadata } from '../engine/formats/modelMetadata';
import { badArgument, indexList, intFlag, parseCommand, stringFlag } from './args';
import { checkOutput, writeOutput } from './outputFile';
import { CONVERT_HELP } from './help';
import { printJson } from './output';
import { EXIT_OK, type CliIo } from './io';
import { WEIGHTS_OPTIONS, describeModel, loadModelFile, weightsOptions } from './modelFile';
import { StudioError } from '../protocol/errors';
import path from 'node:path';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  vertex: { type: 'string' },
  frozen: { type: 'string' },
  force: { type: 'boolean' },
  ...WEIGHTS_OPTIONS,
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
  const format = formatOfName(out);
  const options = weightsOptions(values);
  const models: WeightsFile[] = [];
  for (const file of inputs) models.push(await loadModelFile(file, options));
  const first = models[0] as WeightsFile;

  let parts: Uint8Array[];
  if (models.length === 1 && vertex === undefined && frozenText === undefined && first.format !== format) {
    parts = sameModel(first, format);
  } else if (first.layout === 'simplex') {
    if (models.length > 1)
      throw badArgument('a SimplexNet file converts alone: convert SIMPLEX OUT --vertex I');
    if (frozenText !== undefined)
      throw badArgument('--frozen applies when joining base network files into a SimplexNet file');
    parts = simplexToVertex(first, vertex, format);
  } else {
    if (vertex !== undefined)
      throw badArgument('--vertex applies to a SimplexNet input; these are base network files');
    const simplexInput = models.findIndex((m) => m.layout === 'simplex');
    if (simplexInput >= 0)
      throw badArgument(`${inputs[simplexInput] ?? ''} is a SimplexNet file; join only base network files`);
    const frozen = frozenText === undefined ? [] : indexList('frozen', frozenText);
    parts = verticesToSimplex(models, inputs, frozen, format);
  }
  // Read back what is about to be written, so a file the studio could not load never leaves.
  const written = await parseWeightsFile(concat(parts), { fileName: path.basename(out) });
  await writeOutput(out, parts, guard);
  printJson(io, { file: out, ...describeModel(written) });
  return EXIT_OK;
}

/** The whole model, its layout and every piece of metadata kept, in `format`. */
function sameModel(model: WeightsFile, format: 'safetensors' | 'pt'): Uint8Array[] {
  const meta: SimplexMetadata = { ...model.info };
  return weightsFileParts(format, model.layout, model.spec, model.vertices, model.statistics, meta);
}

function simplexToVertex(
  model: WeightsFile,
  vertex: number | undefined,
  format: 'safetensors' | 'pt',
): Uint8Array[] {
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
  return weightsFileParts(format, 'base', model.spec, [values], model.statistics, meta);
}

function verticesToSimplex(
  models: readonly WeightsFile[],
  inputs: readonly string[],
  frozen: number[],
  format: 'safetensors' | 'pt',
): Uint8Array[] {
  const first = models[0] as WeightsFile;
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
  const meta: SimplexMetadata = {
    complex: [Array.from({ length: k }, (_, i) => i)],
    frozen,
  };
  // Kept only where every input says the same: a mixed list would misdescribe the output.
  const dataset = agreed(models.map((m) => m.info.dataset));
  const normalisation = agreed(models.map((m) => m.info.normalisation));
  if (dataset !== undefined) meta.dataset = dataset;
  if (normalisation !== undefined) meta.normalisation = normalisation;
  // A SimplexNet keeps one set of batch-norm statistics: the first input's (the mode it grows from).
  return weightsFileParts(
    format,
    'simplex',
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
