// The stages a run goes through, derived from its settings (never stored): which component,
// how many vertices before the stage, what gets added, and the stage's optimiser and objective.
// Follows the reference trainers: base_trainer (one vertex), simplex_trainer (a vertex at a time
// around a fixed mode), complex_iterative (connectors joined to every mode's simplex) and
// ensemble_trainer (per component: a base vertex, then vertices added around it).

import type { TrainSettings } from '../../protocol/settings';
import { StudioError } from '../../protocol/errors';

export interface Stage {
  /** ESPRO component (0 for every other procedure). */
  component: number;
  /**
   * 'base' trains a fresh single vertex; 'vertex' adds one at the centroid and trains it; 'curve'
   * trains the free bends of a curve between two fixed modes.
   */
  kind: 'base' | 'vertex' | 'curve';
  /** For 'vertex': the simplexes (indices into the complex) the new vertex joins. */
  joins: number[];
  /** Vertices of simplex 0 while the stage trains (λ is calibrated for this count). */
  simplexSize: number;
  epochs: number;
  lr: number;
  nSample: number;
  /** Whether the volume term is on (the reference leaves it off for base stages and the first connector). */
  volume: boolean;
  label: string;
}

export function planStages(settings: TrainSettings): Stage[] {
  const stages = stagesOf(settings);
  if (stages.length === 0) {
    throw new StudioError(
      'BAD_SETTINGS',
      `This ${settings.procedure} run has nothing to train: give it at least one vertex, connector or component.`,
    );
  }
  return stages;
}

function stagesOf(settings: TrainSettings): Stage[] {
  const { procedure } = settings;
  const vertexStage = (
    component: number,
    joins: number[],
    simplexSize: number,
    label: string,
    volume = true,
  ): Stage => ({
    component,
    kind: 'vertex',
    joins,
    simplexSize,
    epochs: settings.epochsPerVertex,
    lr: settings.simplexLr,
    nSample: settings.nSample,
    volume,
    label,
  });
  const baseStage = (component: number, label: string): Stage => ({
    component,
    kind: 'base',
    joins: [],
    simplexSize: 1,
    epochs: settings.baseEpochs,
    lr: settings.baseLr,
    nSample: 1,
    volume: false,
    label,
  });
  switch (procedure) {
    case 'base':
      return [baseStage(0, 'Base model')];
    case 'simplex':
      requireModes(settings, 1, 1);
      return range(settings.vertices).map((v) =>
        vertexStage(0, [0], v + 2, `Vertex ${v + 1} of ${settings.vertices}`),
      );
    case 'complex': {
      requireModes(settings, 2, Infinity);
      const modes = settings.modes.length;
      return range(settings.connectors).map((c) =>
        vertexStage(0, range(modes), c + 2, `Connector ${c + 1} of ${settings.connectors}`, c > 0),
      );
    }
    case 'ensemble':
      return range(settings.components).flatMap((component) => [
        baseStage(component, `Component ${component + 1}: base vertex`),
        ...range(settings.vertices).map((v) =>
          vertexStage(
            component,
            [0],
            v + 2,
            `Component ${component + 1}: vertex ${v + 1} of ${settings.vertices}`,
          ),
        ),
      ]);
    case 'curve':
      requireModes(settings, 2, 2);
      return [
        {
          component: 0,
          kind: 'curve',
          joins: [],
          simplexSize: settings.numBends,
          epochs: settings.curveEpochs,
          lr: settings.curveLr,
          nSample: 1,
          volume: false,
          label: `${settings.curve === 'bezier' ? 'Bezier' : 'PolyChain'} curve, ${settings.numBends - 2} free bend${settings.numBends === 3 ? '' : 's'}`,
        },
      ];
    default: {
      const unknown: never = procedure;
      throw new StudioError('BAD_SETTINGS', `Unknown procedure ${String(unknown)}.`);
    }
  }
}

function requireModes(settings: TrainSettings, min: number, max: number): void {
  const n = settings.modes.length;
  if (n < min || n > max) {
    const want = min === max ? `exactly ${min}` : `at least ${min}`;
    throw new StudioError(
      'BAD_SETTINGS',
      `A ${settings.procedure} run starts from ${want} mode(s) from the model library; ${n} chosen.`,
    );
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
