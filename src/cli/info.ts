// `info FILE`: what a weights file holds, as one JSON object. Reads and checks the file (every
// tensor's name, shape and finiteness) but computes nothing, so it needs no tfjs backend.
// Runs in Node.

import { badArgument, parseCommand } from './args';
import { INFO_HELP } from './help';
import { printJson } from './output';
import { EXIT_OK, type CliIo } from './io';
import { WEIGHTS_OPTIONS, describeModel, loadModelFile, weightsOptions } from './modelFile';

export async function infoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('info', argv, {
    help: { type: 'boolean', short: 'h' },
    ...WEIGHTS_OPTIONS,
  });
  if (values.help === true) {
    io.stdout(INFO_HELP);
    return EXIT_OK;
  }
  const [file, ...rest] = positionals;
  if (file === undefined) throw badArgument('info needs a weights file: info FILE');
  if (rest.length > 0) throw badArgument(`info takes one file, got ${positionals.length}`);
  const model = await loadModelFile(file, weightsOptions(values));
  printJson(io, { file, ...describeModel(model) });
  return EXIT_OK;
}
