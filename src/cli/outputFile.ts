// The one way a command writes a file. Every command that writes (convert, eval --logits, and any
// later one) calls `checkOutput` once its arguments are parsed, so a bad output path fails before
// the slow work, and `writeOutput` to write:
//
//   checkOutput(out, { force, inputs: [weights, data] });
//   … compute …
//   await writeOutput(out, parts, { force, inputs: [weights, data] });
//
// Guarantees: an output never replaces one of the command's inputs, whatever the spelling (another
// path, a symbolic link, a hard link), even with --force; it never replaces an existing file, a
// symbolic link (dangling ones too) or a folder without --force (and a folder not even then); the
// bytes go to a temporary file `.<name>.<pid>.studio-tmp` beside the output, flushed, then moved
// into place, so the real name only ever holds a complete file. The temporary file is removed on
// failure and on SIGINT / SIGTERM / SIGHUP (the process then dies of that signal, as it would
// have); one left by a process killed outright (SIGKILL, power loss) is removed by the next write to
// that folder, once its process is gone. Runs in Node.

import { lstatSync, readdirSync, renameSync, rmSync, statSync, linkSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../protocol/errors';
import { fileError } from './files';

export interface OutputOptions {
  /** Replace an existing file (never an input, never a folder). */
  force: boolean;
  /** Files the command reads: the output may not be any of them. */
  inputs: readonly string[];
}

const TEMP_SUFFIX = '.studio-tmp';
const TEMP_NAME = /^\..+\.(\d+)\.studio-tmp$/;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Throws BAD_ARGUMENT when writing `file` would replace an input, a folder, or (without force) anything. */
export function checkOutput(file: string, options: OutputOptions): void {
  const existing = lstatOrNull(file);
  // The file a path names once links are followed (null when nothing is there, e.g. a dangling link).
  const target = existing?.isSymbolicLink() === true ? statOrNull(file) : existing;
  if (target !== null) {
    for (const input of options.inputs) {
      const other = statOrNull(input);
      if (other !== null && other.dev === target.dev && other.ino === target.ino) {
        throw new StudioError(
          'BAD_ARGUMENT',
          `The output ${file} is the input ${input}${path.resolve(file) === path.resolve(input) ? '' : ' (the same file under another name)'}; write to another file.`,
          false,
        );
      }
    }
  }
  if (existing === null) return;
  if (existing.isDirectory() || target?.isDirectory() === true) {
    throw new StudioError('BAD_ARGUMENT', `The output ${file} is a folder; name a file.`, false);
  }
  if (!options.force) {
    const what = existing.isSymbolicLink() ? 'a symbolic link' : 'a file';
    throw new StudioError(
      'BAD_ARGUMENT',
      `${file} already exists (${what}); pass --force to replace it.`,
      false,
    );
  }
}

/**
 * Writes `content` (a string, or parts: strings as UTF-8, bytes) to `file` through a temporary file beside it, after
 * `checkOutput`. Without `force` the final step is a hard link, which fails if the name was taken
 * meanwhile, so nothing created since the check is replaced.
 */
export async function writeOutput(
  file: string,
  content: string | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>,
  options: OutputOptions,
): Promise<void> {
  checkOutput(file, options);
  // A string is iterable too, a character at a time: write it whole.
  const parts = typeof content === 'string' ? [content] : content;
  const dir = path.dirname(file);
  removeStaleTemps(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}${TEMP_SUFFIX}`);
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(temp, { force: true });
    stopWatching();
    process.kill(process.pid, signal);
  };
  const stopWatching = (): void => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    rmSync(temp, { force: true });
    const handle = await open(temp, 'wx');
    try {
      for await (const part of parts) await handle.write(typeof part === 'string' ? Buffer.from(part) : part);
      await handle.sync();
    } finally {
      await handle.close();
    }
    moveIntoPlace(temp, file, options.force);
  } catch (err) {
    throw fileError(file, 'output file', err);
  } finally {
    rmSync(temp, { force: true });
    stopWatching();
  }
}

function moveIntoPlace(temp: string, file: string, force: boolean): void {
  if (force) {
    renameSync(temp, file);
    return;
  }
  try {
    linkSync(temp, file);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'EEXIST') {
      throw new StudioError('BAD_ARGUMENT', `${file} already exists; pass --force to replace it.`, false);
    }
    // Filesystems without hard links: the check above is as close as it gets.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
    if (lstatOrNull(file) !== null) {
      throw new StudioError('BAD_ARGUMENT', `${file} already exists; pass --force to replace it.`, false);
    }
    renameSync(temp, file);
  }
}

/** Removes `.<name>.<pid>.studio-tmp` files in `dir` whose process is gone. Best effort. */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    const full = path.join(dir, name);
    if (lstatOrNull(full)?.isFile() === true) rmSync(full, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

function lstatOrNull(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch {
    return null;
  }
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
