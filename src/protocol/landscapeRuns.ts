// What keeping a run's training path costs: one copy of the model's parameters (float32) and
// running statistics per epoch, the weights of the vertex or simplex centre being trained. Plain
// data shared by the page, the worker and the CLI.

import { paramCount, statisticsCount } from './network';
import type { TrainSettings } from './settings';

/** Epochs a run trains, over all its stages (planStages' sum, without building the stages). */
export function runEpochs(s: TrainSettings): number {
  switch (s.procedure) {
    case 'base':
      return s.baseEpochs;
    case 'simplex':
      return s.vertices * s.epochsPerVertex;
    case 'complex':
      return s.connectors * s.epochsPerVertex;
    case 'ensemble':
      return s.components * (s.baseEpochs + s.vertices * s.epochsPerVertex);
    case 'curve':
      return s.curveEpochs;
  }
}

export function pathBytes(
  s: TrainSettings,
  numClasses: number,
): { perEpoch: number; epochs: number; total: number } {
  const spec = { architecture: s.architecture, widthScale: s.widthScale, numClasses };
  const perEpoch = 4 * (paramCount(spec) + statisticsCount(spec));
  const epochs = runEpochs(s);
  return { perEpoch, epochs, total: perEpoch * epochs };
}
