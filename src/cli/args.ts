// Command-line parsing on node:util's parseArgs (strict: unknown flags are refused), with every
// failure turned into a BAD_ARGUMENT StudioError that names the flag. Runs in Node.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StudioError } from '../protocol/errors';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses `argv` for `command`; throws BAD_ARGUMENT on an unknown flag or a flag without its value. */
export function parseCommand(command: string, argv: readonly string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(argv, options),
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    throw usageError(command, err);
  }
}

/**
 * `--coeffs -1,1,1` as `--coeffs=-1,1,1`: parseArgs takes a value that starts with "-" for a flag
 * and refuses it as ambiguous, but a negative number after a flag that takes a value is its value.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (
      name !== null &&
      next !== undefined &&
      Object.hasOwn(options, name) &&
      options[name]?.type === 'string' &&
      /^-\.?\d/.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function usageError(command: string, err: unknown): StudioError {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const see = `see \`${command} --help\``;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /option '([^']+)'/i.exec(message)?.[1] ?? 'given';
    return badArgument(`unknown option ${flag} for ${command}; ${see}`);
  }
  // parseArgs' own sentences are clear but long; keep the first one.
  const first = message.split(/\.\s/)[0] ?? message;
  return badArgument(`${first.replace(/\.$/, '')}; ${see}`);
}

export function badArgument(message: string): StudioError {
  return new StudioError('BAD_ARGUMENT', message, false);
}

export function stringFlag(values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A whole number in [min, max] from flag `name`, or undefined when the flag is absent. Flags that
 * size work (samples, batch) pass a `max`, so a typo such as 1e9 is refused instead of running
 * until killed.
 */
export function intFlag(
  values: Parsed['values'],
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw badArgument(`--${name} must be a whole number ${range}, not "${text}"`);
  }
  return n;
}

/** Comma-separated finite numbers, e.g. `--coeffs 0.2,0.3,0.5`. */
export function numberList(name: string, text: string): number[] {
  const parts = text.split(',');
  return parts.map((part) => {
    const n = Number(part);
    if (part.trim() === '' || !Number.isFinite(n)) {
      throw badArgument(`--${name} must be comma-separated numbers, and "${part}" is not one`);
    }
    return n;
  });
}

/** Comma-separated whole numbers ≥ 0 (vertex indices); the empty string is the empty list. */
export function indexList(name: string, text: string): number[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const n = Number(part);
    if (part.trim() === '' || !Number.isSafeInteger(n) || n < 0) {
      throw badArgument(`--${name} must be comma-separated vertex indices, and "${part}" is not one`);
    }
    return n;
  });
}

/** `--part I/N`: one slice of a grid's points, for a grid spread over processes. */
export function parsePart(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index < 1 || index > count) {
    throw badArgument(`--part must be I/N with 1 ≤ I ≤ N (e.g. 3/8), not "${text}"`);
  }
  return { index, count };
}
