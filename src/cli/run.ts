// The CLI as a function: run(argv, io) dispatches a command and returns its exit status, writing
// only through `io`. Every failure becomes one line on stderr, "error: CODE: message", never a
// stack trace. Runs in Node on the tfjs CPU backend.

import { escapeText } from '../protocol/displayText';
import { StudioError, toErrorInfo } from '../protocol/errors';
import { convertCommand } from './convert';
import { evalCommand } from './evaluate';
import { MAIN_HELP } from './help';
import { infoCommand } from './info';
import { interpolateCommand, mergeCommand, planeCommand } from './landscape';
import { reproduceCommand } from './reproduce';
import { surfaceCommand } from './surface';
import { trainCommand } from './train';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './io';

type Command = (argv: readonly string[], io: CliIo) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  info: infoCommand,
  eval: evalCommand,
  convert: convertCommand,
  train: trainCommand,
  surface: surfaceCommand,
  interpolate: interpolateCommand,
  plane: planeCommand,
  merge: mergeCommand,
  reproduce: reproduceCommand,
};

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(MAIN_HELP);
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(MAIN_HELP);
    return EXIT_OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (command === undefined) {
      throw new StudioError(
        'BAD_ARGUMENT',
        `unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')} (see --help)`,
        false,
      );
    }
    return await command(rest, io);
  } catch (err) {
    const info = toErrorInfo(err);
    // Messages quote file text (tensor names, paths, metadata): never raw on a terminal.
    io.stderr(`error: ${info.code}: ${escapeText(oneLine(info.message))}\n`);
    return info.code === 'BAD_ARGUMENT' ? EXIT_USAGE : EXIT_FAILED;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
