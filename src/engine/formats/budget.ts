// A cap on what a hostile file can make a reader hold or process: records, bytes, entries. Readers
// `take` what they are about to read (from a header's declared size where there is one, so a
// refusal comes before the bytes are read) and the budget throws the reader's own StudioError
// once the cap is passed. Shared by every importer (CIFAR records, archives, other formats).
// Pure: no DOM, no Node APIs.

import type { StudioError } from '../../protocol/errors';

export class Budget {
  private usedSoFar = 0;

  /**
   * @param limit the most that may be taken in all.
   * @param refuse the error to throw, given what taking would have made the total.
   */
  constructor(
    readonly limit: number,
    private readonly refuse: (total: number) => StudioError,
  ) {}

  get used(): number {
    return this.usedSoFar;
  }

  /** What is left before the cap. */
  get left(): number {
    return Math.max(0, this.limit - this.usedSoFar);
  }

  /** Throws the budget's error when `n` more would pass the cap; counts nothing. */
  check(n: number): void {
    if (this.usedSoFar + n > this.limit) throw this.refuse(this.usedSoFar + n);
  }

  /** Counts `n` more; throws the budget's error, counting nothing, when that passes the cap. */
  take(n: number): void {
    const total = this.usedSoFar + n;
    if (total > this.limit) throw this.refuse(total);
    this.usedSoFar = total;
  }
}
