// A training checkpoint as one safetensors file, for runs outside the browser (the CLI's `train`):
// every vertex of every component, its batch-norm running statistics, every momentum buffer and the
// starting weights of the stages not begun yet (--init) as F32 tensors, and the rest of the
// checkpoint (settings, stage, step, complexes, history) as JSON in the metadata key `checkpoint`,
// the run's name in `run` and, where its test split is a file of its own, that file in `testData`.
// Reading it back gives the structure trainRun resumes from, bit for bit. Pure; no DOM, no Node.

import { readSafetensors, writeSafetensors, type TensorToWrite } from '../formats/safetensors';
import type { TfLayout } from '../formats/layout';
import { StudioError } from '../../protocol/errors';
import type { TrainCheckpoint } from './trainer';

const KEY = 'checkpoint';

type Skeleton = Omit<TrainCheckpoint, 'components' | 'optimizer' | 'starts'> & {
  /** `statistics`: each batch-norm layer's batch count (its mean and variance are tensors). */
  components: { complex: number[][]; frozen: boolean[]; vertices: number[]; statistics?: number[] }[];
  /** Each start's stage and parameter count. */
  starts?: { stage: number; params: number }[];
  optimizer: {
    momentum: number;
    weightDecay: number;
    step: number;
    buffers: { name: string; shape: number[] }[];
  } | null;
};

const vertexName = (c: number, v: number, p: number) => `component${c}.vertex${v}.param${p}`;
const statisticName = (c: number, layer: number, what: 'mean' | 'variance') =>
  `component${c}.bn${layer}.${what}`;
const bufferName = (i: number) => `optimizer.${i}`;
const startName = (stage: number, p: number) => `start${stage}.param${p}`;

/** What a checkpoint file also records about its run: its name, and its test split's own file. */
export interface CheckpointAbout {
  run: string;
  testData?: string | undefined;
}

/** The checkpoint as parts of one safetensors file (views of its arrays: write them at once). */
export function checkpointFile(checkpoint: TrainCheckpoint, about: CheckpointAbout): Uint8Array[] {
  const tensors: TensorToWrite[] = [];
  checkpoint.components.forEach((component, c) => {
    component.vertices.forEach((vertex, v) => {
      vertex.forEach((data, p) => tensors.push({ name: vertexName(c, v, p), shape: [data.length], data }));
    });
    component.statistics?.forEach((s, i) => {
      tensors.push({ name: statisticName(c, i, 'mean'), shape: [s.mean.length], data: s.mean });
      tensors.push({ name: statisticName(c, i, 'variance'), shape: [s.variance.length], data: s.variance });
    });
  });
  checkpoint.starts?.forEach(({ stage, vertex }) => {
    vertex.forEach((data, p) => tensors.push({ name: startName(stage, p), shape: [data.length], data }));
  });
  const { optimizer } = checkpoint;
  optimizer?.buffers.forEach((b, i) =>
    tensors.push({ name: bufferName(i), shape: [b.values.length], data: b.values }),
  );
  const { starts, ...rest } = checkpoint;
  const skeleton: Skeleton = {
    ...rest,
    components: checkpoint.components.map((c) => ({
      complex: c.complex,
      frozen: c.frozen,
      vertices: c.vertices.map((v) => v.length),
      ...(c.statistics ? { statistics: c.statistics.map((s) => s.batches) } : {}),
    })),
    ...(starts ? { starts: starts.map(({ stage, vertex }) => ({ stage, params: vertex.length })) } : {}),
    optimizer: optimizer && {
      momentum: optimizer.momentum,
      weightDecay: optimizer.weightDecay,
      step: optimizer.step,
      buffers: optimizer.buffers.map((b) => ({ name: b.name, shape: b.shape })),
    },
  };
  return writeSafetensors(tensors, {
    [KEY]: JSON.stringify(skeleton),
    run: about.run,
    ...(about.testData === undefined ? {} : { testData: about.testData }),
  });
}

/** Reads a file checkpointFile wrote; BAD_CHECKPOINT (with `name`) for anything else. */
export function readCheckpointFile(
  bytes: Uint8Array,
  name: string,
): { checkpoint: TrainCheckpoint; about: Partial<CheckpointAbout> } {
  const bad = (why: string) =>
    new StudioError('BAD_CHECKPOINT', `${name} is not a training checkpoint: ${why}.`, false);
  const file = readSafetensors(bytes);
  const text = file.metadata[KEY];
  if (text === undefined) throw bad(`its metadata has no "${KEY}" key (a weights file?)`);
  let skeleton: Skeleton;
  try {
    skeleton = JSON.parse(text) as Skeleton;
  } catch {
    throw bad(`its "${KEY}" metadata is not JSON`);
  }
  const tensor = (tensorName: string): Float32Array => {
    const t = file.tensors.get(tensorName);
    if (!t || t.dtype !== 'F32') throw bad(`the tensor ${tensorName} is missing`);
    // A copy: the file's buffer is not kept alive, and the trainer may write into it.
    return t.data.slice();
  };
  if (!Array.isArray(skeleton.components)) throw bad('it lists no components');
  const { starts, ...rest } = skeleton;
  if (starts !== undefined && !Array.isArray(starts)) throw bad('its starting weights are not a list');
  const checkpoint: TrainCheckpoint = {
    ...rest,
    ...(starts
      ? {
          starts: starts.map(({ stage, params }) => ({
            stage,
            vertex: Array.from({ length: params }, (_, p) => tensor(startName(stage, p)) as TfLayout),
          })),
        }
      : {}),
    components: skeleton.components.map((c, ci) => ({
      complex: c.complex,
      frozen: c.frozen,
      vertices: c.vertices.map((params, v) =>
        Array.from({ length: params }, (_, p) => tensor(vertexName(ci, v, p)) as TfLayout),
      ),
      ...(c.statistics
        ? {
            statistics: c.statistics.map((batches, i) => ({
              mean: tensor(statisticName(ci, i, 'mean')),
              variance: tensor(statisticName(ci, i, 'variance')),
              batches,
            })),
          }
        : {}),
    })),
    optimizer: skeleton.optimizer && {
      ...skeleton.optimizer,
      buffers: skeleton.optimizer.buffers.map((b, i) => ({ ...b, values: tensor(bufferName(i)) })),
    },
  };
  const { run, testData } = file.metadata;
  return {
    checkpoint,
    about: { ...(run === undefined ? {} : { run }), ...(testData === undefined ? {} : { testData }) },
  };
}
