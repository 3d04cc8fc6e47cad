// Runs on the page: the Ensembles section's worker job: one evaluation at a time, with progress,
// cancel, and the last report kept on screen while a newer one runs, fails or is cancelled.

import type {
  EnsembleEvalParams,
  EnsembleProgress,
  EnsembleReport,
} from '../../../protocol/commands/ensembles';
import { useEngine } from '../../engineContext';
import { useWorkerJob, type WorkerJob } from '../../hooks/useWorkerJob';

export type EnsembleEvaluation = WorkerJob<EnsembleEvalParams, EnsembleProgress, EnsembleReport>;

export function useEnsembleEvaluation(): EnsembleEvaluation {
  const { client } = useEngine();
  return useWorkerJob((params: EnsembleEvalParams, { signal, onProgress }) =>
    client.call('evaluateEnsemble', params, { signal, onProgress }),
  );
}
