// The UI unit tests' stand-ins for what the worker lists: a stored dataset and a library model,
// with every field a test does not name set to a plain default.

import type { DatasetInfo } from '../../../src/protocol/commands/data';
import type { ModelSummary } from '../../../src/protocol/commands/models';

export function dataset(id: 'synthetic' | 'cifar100', classes: number, train = 1000): DatasetInfo {
  const split = { count: train, chunks: 1, classCounts: [], imagesCrc32: 0, labelsCrc32: 0 };
  return {
    id,
    kind: id,
    name: id,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    splits: { train: split, test: split },
    checksum: '',
    bytes: 0,
    createdAt: 0,
    sources: [],
    warnings: [],
    normalisation: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  };
}

export function model(id: string, patch: Partial<ModelSummary> = {}): ModelSummary {
  return {
    id,
    name: id,
    kind: 'base',
    spec: { architecture: 'vgg16', widthScale: 1, numClasses: 10 },
    vertexCount: 1,
    paramCount: 1,
    complex: [[0]],
    frozen: [false],
    roles: ['mode'],
    dataset: null,
    normalisation: null,
    training: null,
    metrics: null,
    source: { kind: 'run', runId: 'r', runName: 'r' },
    createdAt: 0,
    ...patch,
  };
}
