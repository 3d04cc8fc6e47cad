// Runs on the page: how the library names things for people. Pure, so it is unit-tested.

import type { ModelSpec } from '../../../protocol/architecture';
import { network } from '../../../protocol/network';
import type { ModelKind, ModelSource, ModelSummary } from '../../../protocol/commands/models';

const WIDTH_LABELS: Record<ModelSpec['widthScale'], string> = {
  1: '1',
  0.5: '1/2',
  0.25: '1/4',
  0.125: '1/8',
};

/** `1/8` rather than `0.125`: the paper and the UI's forms speak of width fractions. */
export function widthLabel(scale: ModelSpec['widthScale']): string {
  return WIDTH_LABELS[scale];
}

const KIND_LABELS: Record<ModelKind, string> = {
  base: 'base model',
  simplex: 'simplex',
  complex: 'complex',
  ensemble: 'ensemble',
  curve: 'curve',
  imported: 'imported',
};

export function kindLabel(kind: ModelKind): string {
  return KIND_LABELS[kind];
}

export function vertexLabel(count: number): string {
  return count === 1 ? '1 vertex' : `${count} vertices`;
}

export function sourceLabel(source: ModelSource): string {
  if (source.kind === 'run') return `trained in run ${source.runName}`;
  return source.run
    ? `imported from ${source.fileName} (run ${source.run})`
    : `imported from ${source.fileName}`;
}

/** `vgg16 · width 1/8 · 10 classes · 3 vertices`, the line a picker shows for a model. */
export function shapeLine(model: Pick<ModelSummary, 'spec' | 'vertexCount'>): string {
  const { architecture, widthScale, numClasses } = model.spec;
  return `${architecture} · width ${widthLabel(widthScale)} · ${numClasses} classes · ${vertexLabel(model.vertexCount)}`;
}

/** `[[0,1,2]]` as `{0,1,2}`; a complex as its simplexes joined by spaces. */
export function complexLabel(complex: readonly (readonly number[])[]): string {
  return complex.map((s) => `{${s.join(',')}}`).join(' ');
}

/** Whether a model's network has batch norm, so its points need statistics (the form asks how). */
export function hasBatchNorm(model: Pick<ModelSummary, 'spec'> | undefined): boolean {
  return model !== undefined && network(model.spec).batchNorms.length > 0;
}
