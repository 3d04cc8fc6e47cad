// Runs in the worker; no DOM. The model library in IndexedDB, and the only code that touches the
// `models` store: training, surfaces, ensembles and import all go through saveModel/getModel.
//
// Each model is two records in the store, written and deleted in one transaction:
// - its summary under its id (a string key), so listing the library never loads weights;
// - its vertices under the key [id, 'vertices'] (an array key). IndexedDB orders every string
//   key before every array key, so the summaries are exactly the keys below [] .

import { StudioError } from '../../protocol/errors';
import type { ModelSummary } from '../../protocol/commands/models';
import type { RunningStatistics, TfLayout, TfVertex } from '../../engine/formats/layout';
import { type ModelSpec } from '../../protocol/architecture';
import { network, paramCount, paramSpecs } from '../../protocol/network';
import { STORES, getAllRecords, openDb, storageError, write } from './db';

/** A library entry with its weights, as the training, surface and ensemble code use it. */
export interface ModelRecord extends Omit<ModelSummary, 'spec' | 'vertexCount' | 'paramCount'> {
  spec: ModelSpec;
  /** Every vertex in tfjs layout, parameters in paramSpecs() order. */
  vertices: TfVertex[];
  /** Batch norm's running statistics, shared by the vertices ([] without batch norm). */
  statistics: RunningStatistics;
}

/** What saveModel needs: a record whose id and creation time it may fill in. */
export type NewModel = Omit<ModelRecord, 'id' | 'createdAt'> & { id?: string; createdAt?: number };

interface WeightsRecord {
  id: [string, 'vertices'];
  vertices: Float32Array[][];
  /** Absent in records stored before batch-norm networks existed (VGGs without BN: none). */
  statistics?: RunningStatistics;
}

const weightsKey = (id: string): [string, 'vertices'] => [id, 'vertices'];
/** Every string key: the summaries (see the header). A function, so Node can import this module. */
const summaryKeys = () => IDBKeyRange.upperBound([], true);

export function newModelId(): string {
  return crypto.randomUUID();
}

export function summarise(record: ModelRecord): ModelSummary {
  const { vertices, statistics, ...rest } = record;
  return { ...rest, vertexCount: vertices.length, paramCount: paramCount(record.spec) };
}

/**
 * Adds the model to the library, or replaces the one with the same id, in one transaction.
 * Throws BAD_ARGUMENT if the vertices do not fit the spec or the complex, frozen and roles lists
 * do not fit the vertices: a caller's bug must not become a model nobody can load.
 */
export async function saveModel(model: NewModel): Promise<ModelSummary> {
  const record: ModelRecord = {
    ...model,
    id: model.id ?? newModelId(),
    createdAt: model.createdAt ?? Date.now(),
  };
  checkRecord(record);
  const summary = summarise(record);
  const weights: WeightsRecord = {
    id: weightsKey(record.id),
    // A view into a larger buffer would be cloned with all of that buffer: store exact copies.
    vertices: record.vertices.map((v) => v.map(ownBuffer)),
    statistics: record.statistics.map((s) => ({
      ...s,
      mean: ownBuffer(s.mean),
      variance: ownBuffer(s.variance),
    })),
  };
  await write([STORES.models], (tx) => {
    const store = tx.objectStore(STORES.models);
    store.put(summary);
    store.put(weights);
  });
  return summary;
}

/** The model with its weights; NOT_FOUND if it is not in the library. */
export async function getModel(id: string): Promise<ModelRecord> {
  const db = await openDb();
  const [summary, weights] = await new Promise<[ModelSummary | undefined, WeightsRecord | undefined]>(
    (resolve, reject) => {
      const tx = db.transaction([STORES.models], 'readonly');
      const store = tx.objectStore(STORES.models);
      const a = store.get(id) as IDBRequest<ModelSummary | undefined>;
      const b = store.get(weightsKey(id)) as IDBRequest<WeightsRecord | undefined>;
      tx.oncomplete = () => {
        resolve([a.result, b.result]);
      };
      tx.onabort = () => {
        reject(storageError(tx.error));
      };
    },
  );
  if (!summary || !weights) {
    throw new StudioError('NOT_FOUND', 'That model is no longer in the library: it may have been deleted.');
  }
  // Counts are derived from the vertices: drop the stored ones so they cannot go stale.
  const rest: Partial<ModelSummary> = { ...summary };
  delete rest.vertexCount;
  delete rest.paramCount;
  // Values were stored in tfjs layout by saveModel; the brand does not survive structured clone.
  return {
    ...(rest as Omit<ModelSummary, 'vertexCount' | 'paramCount'>),
    vertices: weights.vertices as TfLayout[][],
    statistics: weights.statistics ?? [],
  };
}

/** Every model without weights, newest first. */
export async function listModels(): Promise<ModelSummary[]> {
  const summaries = await getAllRecords<ModelSummary>(STORES.models, summaryKeys());
  return summaries.sort((a, b) => b.createdAt - a.createdAt);
}

/** Removes the model and its weights together; false if it was not there. */
export async function deleteModel(id: string): Promise<boolean> {
  let existed = false;
  await write([STORES.models], (tx) => {
    const store = tx.objectStore(STORES.models);
    const request = store.getKey(id);
    request.onsuccess = () => {
      existed = request.result !== undefined;
      store.delete(id);
      store.delete(weightsKey(id));
    };
  });
  return existed;
}

function ownBuffer(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

function checkRecord(r: ModelRecord): void {
  const fail = (detail: string) =>
    new StudioError('BAD_ARGUMENT', `Cannot save model "${r.name}": ${detail}.`, false);
  const specs = paramSpecs(r.spec);
  const n = r.vertices.length;
  if (n === 0) throw fail('it has no vertices');
  for (const [v, vertex] of r.vertices.entries()) {
    if (vertex.length !== specs.length) {
      throw fail(`vertex ${v} has ${vertex.length} parameters, ${specs.length} expected`);
    }
    for (const [p, param] of specs.entries()) {
      const size = vertex[p]?.length;
      if (size !== param.size) throw fail(`vertex ${v} ${param.name} has ${size} values, not ${param.size}`);
    }
  }
  const layers = network(r.spec).batchNorms;
  if (r.statistics.length !== layers.length) {
    throw fail(
      `it has running statistics for ${r.statistics.length} batch-norm layers, not ${layers.length}`,
    );
  }
  layers.forEach((layer, i) => {
    const st = r.statistics[i];
    if (st?.mean.length !== layer.channels || st.variance.length !== layer.channels) {
      throw fail(`${layer.name}'s running statistics do not have ${layer.channels} values`);
    }
  });
  if (r.frozen.length !== n) throw fail(`frozen lists ${r.frozen.length} vertices, not ${n}`);
  if (r.roles.length !== n) throw fail(`roles lists ${r.roles.length} vertices, not ${n}`);
  if (r.complex.length === 0) throw fail('the complex has no simplexes');
  for (const simplex of r.complex) {
    if (simplex.length === 0 || new Set(simplex).size !== simplex.length) {
      throw fail(`simplex [${simplex.join(', ')}] is empty or repeats a vertex`);
    }
    if (!simplex.every((i) => Number.isInteger(i) && i >= 0 && i < n)) {
      throw fail(`simplex [${simplex.join(', ')}] names a vertex outside 0…${n - 1}`);
    }
  }
}
