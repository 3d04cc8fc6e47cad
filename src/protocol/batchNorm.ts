// How a point of a network with batch norm is evaluated: with the stored running statistics (the
// reference's behaviour), or with statistics recomputed at the point from training batches (the
// curve code's update_bn). Plain data shared by the page, the worker and the CLI; a network
// without batch norm ignores it.

export interface BatchNormChoice {
  statistics: 'stored' | 'recomputed';
  /** Training batches of RECOMPUTE_BATCH images the statistics are recomputed from. */
  batches: number;
}

/** Images per training batch a recomputation runs (the reference's batch size). */
export const RECOMPUTE_BATCH = 128;

/** Surfaces and clicked points: recomputed, from 4 batches (512 training images). */
export const RECOMPUTED: BatchNormChoice = { statistics: 'recomputed', batches: 4 };
/** Ensembles: the reference's stored statistics. */
export const STORED: BatchNormChoice = { statistics: 'stored', batches: RECOMPUTED.batches };

export const MAX_RECOMPUTE_BATCHES = 100;

/** Why `choice` is not one a command takes, or null. */
export function batchNormChoiceError(choice: BatchNormChoice): string | null {
  // Commands cross the worker boundary unchecked: the union is a promise, not a guarantee.
  const statistics: unknown = choice.statistics;
  if (statistics !== 'stored' && statistics !== 'recomputed') {
    return `Batch-norm statistics are stored or recomputed, not ${JSON.stringify(statistics)}.`;
  }
  if (!Number.isInteger(choice.batches) || choice.batches < 1 || choice.batches > MAX_RECOMPUTE_BATCHES) {
    return `Recompute batch-norm statistics from 1 to ${MAX_RECOMPUTE_BATCHES} batches, not ${choice.batches}.`;
  }
  return null;
}

/** "recomputed on 4 × 128 training images" or "stored running statistics", as pages and files say it. */
export function describeBatchNorm(choice: BatchNormChoice): string {
  return choice.statistics === 'stored'
    ? 'stored running statistics'
    : `recomputed on ${choice.batches} × ${RECOMPUTE_BATCH} training images`;
}
