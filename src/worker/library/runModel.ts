// What a finished run puts in the model library (the tab) or writes to its folder (the CLI's
// `train`): one model of all its components' vertices, one disjoint complex for an ensemble, each
// vertex's role, and the run's settings and last epoch's metrics. An ensemble of batch-norm
// networks is one model per component instead: each component keeps its own running statistics
// (the reference's ESPRO is K SimplexNets), and a model holds one set. Runs in the worker and in Node.

import type { NormalisationData, VertexRole } from '../../protocol/commands/models';
import type { TrainHistory } from '../../protocol/commands/train';
import type { TrainSettings } from '../../protocol/settings';
import type { TfVertex } from '../../engine/formats/layout';
import type { ModelSpec } from '../../protocol/architecture';
import { network } from '../../protocol/network';
import { StudioError } from '../../protocol/errors';
import { modelSpecOf, type ComponentState } from '../../engine/train/trainer';
import type { NewModel } from '../storage/models';

export interface FinishedRun {
  id: string;
  name: string;
  settings: TrainSettings;
  history: TrainHistory;
}

export function runModels(
  run: FinishedRun,
  components: readonly ComponentState[],
  numClasses: number,
  dataset: { id: string | null; name: string },
  normalisation: NormalisationData | null,
): NewModel[] {
  const spec = modelSpecOf(run.settings, numClasses);
  if (network(spec).batchNorms.length === 0 || components.length === 1) {
    return [runModel(run, components, spec, dataset, normalisation, run.name)];
  }
  return components.map((component, i) =>
    runModel(run, [component], spec, dataset, normalisation, `${run.name} · component ${i + 1}`),
  );
}

function runModel(
  run: FinishedRun,
  components: readonly ComponentState[],
  spec: ModelSpec,
  dataset: { id: string | null; name: string },
  normalisation: NormalisationData | null,
  name: string,
): NewModel {
  const { settings } = run;
  const vertices: TfVertex[] = [];
  const complex: number[][] = [];
  const frozen: boolean[] = [];
  const roles: VertexRole[] = [];
  const curve = settings.procedure === 'curve';
  const modes = settings.procedure === 'complex' ? settings.modes.length : 1;
  for (const component of components) {
    const offset = vertices.length;
    vertices.push(...component.vertices);
    complex.push(...component.complex.map((simplex) => simplex.map((v) => v + offset)));
    frozen.push(...component.frozen);
    roles.push(
      ...component.vertices.map((_, i): VertexRole =>
        curve
          ? i === 0 || i === component.vertices.length - 1
            ? 'mode'
            : 'vertex'
          : i < modes
            ? 'mode'
            : settings.procedure === 'complex'
              ? 'connector'
              : 'vertex',
      ),
    );
  }
  const last = run.history.epochs[run.history.epochs.length - 1];
  const finite = (x: number | null | undefined) =>
    x !== null && x !== undefined && Number.isFinite(x) ? x : null;
  return {
    name,
    kind: settings.procedure,
    spec,
    vertices,
    statistics: components[0]?.statistics ?? [],
    complex,
    frozen,
    roles,
    ...(curve ? { curve: settings.curve } : {}),
    dataset,
    normalisation,
    training: settings as unknown as NewModel['training'],
    metrics: last
      ? {
          trainLoss: finite(last.trainLoss),
          trainAccuracy: finite(last.trainAccuracy),
          testLoss: finite(last.testLoss),
          testAccuracy: finite(last.testAccuracy),
          volume: finite(last.volume),
        }
      : null,
    source: { kind: 'run', runId: run.id, runName: run.name },
  };
}

/**
 * The one vertex of `model` as a mode of a run of `spec`; SHAPE_MISMATCH naming it (`what`, e.g.
 * 'The mode "m"' or a file name) otherwise. `hint` says how to change the run.
 */
export function modeVertex(
  what: string,
  model: { spec: ModelSpec; vertices: readonly TfVertex[] },
  spec: ModelSpec,
  hint = '',
): TfVertex {
  return runVertices(what, model, spec, 1, hint)[0] as TfVertex;
}

/**
 * The vertices of `model` as `count` vertices of a run of `spec` (a mode, or the starting weights
 * of the run's new vertices); SHAPE_MISMATCH naming it otherwise, as modeVertex.
 */
export function runVertices(
  what: string,
  model: { spec: ModelSpec; vertices: readonly TfVertex[] },
  spec: ModelSpec,
  count: number,
  hint = '',
): readonly TfVertex[] {
  const same =
    model.spec.architecture === spec.architecture &&
    model.spec.widthScale === spec.widthScale &&
    model.spec.numClasses === spec.numClasses;
  if (!same || model.vertices.length !== count) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${what} is a ${model.vertices.length}-vertex ${model.spec.architecture} at width ` +
        `${model.spec.widthScale} for ${model.spec.numClasses} classes; this run needs ` +
        `${count === 1 ? 'one vertex' : `${count} vertices`} of ` +
        `${spec.architecture} at width ${spec.widthScale} for ${spec.numClasses} classes${hint}.`,
      false,
    );
  }
  return model.vertices;
}
