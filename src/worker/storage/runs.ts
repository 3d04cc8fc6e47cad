// Runs in the worker; no DOM. Runs and their checkpoints in IndexedDB. A checkpoint and the run
// record that points at it are written in ONE transaction, so a reload (or a write that fails
// part-way, e.g. a full disk) leaves the previous checkpoint and record both intact.

import { StudioError } from '../../protocol/errors';
import { completeSettings } from '../../protocol/settings';
import type { RunRecord } from '../../protocol/commands/train';
import type { TrainCheckpoint } from '../../engine/train/trainer';
import type { PathPoint } from '../../engine/landscape/trainingPath';
import { STORES, getAllRecords, getRecord, read, write } from './db';

interface CheckpointRecord {
  runId: string;
  checkpoint: TrainCheckpoint;
}

export async function saveRun(run: RunRecord): Promise<void> {
  await write([STORES.runs], (tx) => {
    tx.objectStore(STORES.runs).put(run);
  });
}

export async function getRun(runId: string): Promise<RunRecord> {
  const run = await getRecord<RunRecord>(STORES.runs, runId);
  if (!run) throw new StudioError('NOT_FOUND', `There is no run ${runId} in this browser's storage.`);
  return completed(run);
}

export async function listRunRecords(): Promise<RunRecord[]> {
  return (await getAllRecords<RunRecord>(STORES.runs)).map(completed);
}

/** A run stored before a setting existed reads with the value it trained with. */
function completed(run: RunRecord): RunRecord {
  return { ...run, settings: completeSettings(run.settings) };
}

/**
 * The run record, its latest checkpoint and (a run that keeps its path) the epoch's path point,
 * committed together or not at all.
 */
export async function saveCheckpoint(
  run: RunRecord,
  checkpoint: TrainCheckpoint,
  point?: PathPoint,
): Promise<void> {
  const record: CheckpointRecord = { runId: run.id, checkpoint };
  await write([STORES.runs, STORES.checkpoints, STORES.paths], (tx) => {
    tx.objectStore(STORES.checkpoints).put(record);
    tx.objectStore(STORES.runs).put(run);
    if (point) tx.objectStore(STORES.paths).put({ runId: run.id, ...point } satisfies PathRecord);
  });
}

interface PathRecord extends PathPoint {
  runId: string;
}

/** Every epoch's keys of a run's path. */
function pathRange(runId: string): IDBKeyRange {
  return IDBKeyRange.bound([runId, 0], [runId, Number.MAX_SAFE_INTEGER]);
}

/** A run's kept path, oldest epoch first. */
export async function getPath(runId: string): Promise<PathPoint[]> {
  const records = await getAllRecords<PathRecord>(STORES.paths, pathRange(runId));
  return records.map(({ epoch, weights, statistics }) => ({ epoch, weights, statistics }));
}

/** The epochs each run kept, by run id (runs that kept none are absent). */
export async function pathEpochs(): Promise<Map<string, number[]>> {
  const keys = await read([STORES.paths], (tx) => tx.objectStore(STORES.paths).getAllKeys());
  const out = new Map<string, number[]>();
  for (const key of keys as [string, number][]) out.set(key[0], [...(out.get(key[0]) ?? []), key[1]]);
  return out;
}

export async function getCheckpoint(runId: string): Promise<TrainCheckpoint | null> {
  const record = await getRecord<CheckpointRecord>(STORES.checkpoints, runId);
  return record?.checkpoint ?? null;
}

export async function deleteRunRecords(runId: string): Promise<void> {
  await write([STORES.runs, STORES.checkpoints, STORES.paths], (tx) => {
    tx.objectStore(STORES.runs).delete(runId);
    tx.objectStore(STORES.checkpoints).delete(runId);
    tx.objectStore(STORES.paths).delete(pathRange(runId));
  });
}
