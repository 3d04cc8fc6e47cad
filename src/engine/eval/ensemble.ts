// Ensemble prediction as the paper makes it: the mean of the members' softmax probabilities
// (members = sampled points of each simplex, or base models). Pure JavaScript over row-major
// rows × classes arrays; members can be streamed in one at a time so 25 points × several
// simplexes never sit in memory together.
//
//   p_ens(c | x) = (1/M) Σ_m p_m(c | x)

import { StudioError } from '../../protocol/errors';

/** Running mean of equally sized probability arrays, summed in float64. */
export class ProbAverager {
  private readonly sum: Float64Array;
  private members = 0;

  constructor(readonly length: number) {
    if (!Number.isInteger(length) || length < 0) {
      throw new StudioError('BAD_ARGUMENT', `An ensemble buffer needs a whole length ≥ 0, got ${length}.`);
    }
    this.sum = new Float64Array(length);
  }

  /** Members added so far. */
  get count(): number {
    return this.members;
  }

  add(probs: Float32Array): void {
    if (probs.length !== this.length) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `An ensemble member gave ${probs.length} probabilities where ${this.length} were expected.`,
      );
    }
    for (let i = 0; i < probs.length; i++) this.sum[i] = (this.sum[i] ?? 0) + (probs[i] ?? 0);
    this.members += 1;
  }

  /** The members' mean; M identical members give back exactly that member. */
  mean(): Float32Array {
    if (this.members === 0) throw new StudioError('BAD_ARGUMENT', 'An ensemble needs at least one member.');
    const out = new Float32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = (this.sum[i] ?? 0) / this.members;
    return out;
  }
}

/** Mean of the members' probabilities (all the same length). */
export function averageProbs(members: readonly Float32Array[]): Float32Array {
  const first = members[0];
  if (first === undefined) throw new StudioError('BAD_ARGUMENT', 'An ensemble needs at least one member.');
  const avg = new ProbAverager(first.length);
  for (const m of members) avg.add(m);
  return avg.mean();
}
