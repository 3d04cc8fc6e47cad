// Runs in the worker; no DOM. Runs and their checkpoints in IndexedDB. A checkpoint and the run
// record that points at it are written in ONE transaction, so a reload (or a write that fails
// part-way, e.g. a full disk) leaves the previous checkpoint and record both intact.

import { StudioError } from '../../protocol/errors';
import { completeSettings } from '../../protocol/settings';
import type { RunRecord } from '../../protocol/commands/train';
import type { TrainCheckpoint } from '../../engine/train/trainer';
import { STORES, getAllRecords, getRecord, write } from './db';

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

/** The run record and its latest checkpoint, committed together or not at all. */
export async function saveCheckpoint(run: RunRecord, checkpoint: TrainCheckpoint): Promise<void> {
  const record: CheckpointRecord = { runId: run.id, checkpoint };
  await write([STORES.runs, STORES.checkpoints], (tx) => {
    tx.objectStore(STORES.checkpoints).put(record);
    tx.objectStore(STORES.runs).put(run);
  });
}

export async function getCheckpoint(runId: string): Promise<TrainCheckpoint | null> {
  const record = await getRecord<CheckpointRecord>(STORES.checkpoints, runId);
  return record?.checkpoint ?? null;
}

export async function deleteRunRecords(runId: string): Promise<void> {
  await write([STORES.runs, STORES.checkpoints], (tx) => {
    tx.objectStore(STORES.runs).delete(runId);
    tx.objectStore(STORES.checkpoints).delete(runId);
  });
}
