// Reading the files a command names (writing is outputFile.ts), with failures as StudioErrors a user can act on
// (a missing file is NOT_FOUND naming the path, not an ENOENT stack). Runs in Node.

import { readFileSync, statSync } from 'node:fs';
import { StudioError } from '../protocol/errors';

/** The whole file. `what` names its role in messages ("weights file", "data file"). */
export function readInput(file: string, what: string): Uint8Array {
  checkInput(file, what);
  try {
    return new Uint8Array(readFileSync(file));
  } catch (err) {
    throw fileError(file, what, err);
  }
}

/** Throws NOT_FOUND unless `file` is an existing regular file; returns its size in bytes. */
export function checkInput(file: string, what: string): number {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new StudioError('BAD_ARGUMENT', `The ${what} ${file} is not a file.`, false);
    size = stat.size;
  } catch (err) {
    throw fileError(file, what, err);
  }
  return size;
}

/** A failed file operation as a StudioError naming the file and its role. */
export function fileError(file: string, what: string, err: unknown): StudioError {
  if (err instanceof StudioError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new StudioError('NOT_FOUND', `The ${what} ${file} does not exist.`, false);
  if (code === 'EACCES' || code === 'EPERM') {
    return new StudioError('STORAGE', `No permission to access the ${what} ${file}.`, false);
  }
  if (code === 'EISDIR') return new StudioError('BAD_ARGUMENT', `The ${what} ${file} is a folder.`, false);
  const message = err instanceof Error ? err.message : String(err);
  return new StudioError('STORAGE', `Cannot access the ${what} ${file}: ${message}`, false);
}
