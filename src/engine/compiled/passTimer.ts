// GPU time of compute passes from timestamps the GPU writes at each pass's start and end (the
// pass descriptor's timestampWrites), on a device created with 'timestamp-query'. Each timed pass
// gets its own pair of queries, so nothing is resolved or read while the passes run: read() does
// it once, after them (the benchmark's gpu_ms_per_step). Runs in the worker and in Node on Dawn.

import { StudioError } from '../../protocol/errors';
import { readFloats } from './context';

export class PassTimer {
  private readonly queries: GPUQuerySet;
  private used = 0;

  /** A timer for `passes` passes, or null where the device does not offer timestamp-query. */
  static create(device: GPUDevice, passes: number): PassTimer | null {
    if (!device.features.has('timestamp-query')) return null;
    if (!Number.isInteger(passes) || passes < 1) {
      throw new StudioError('INTERNAL', `Time at least one pass, not ${passes}.`, false);
    }
    return new PassTimer(device, passes);
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly passes: number,
  ) {
    this.queries = device.createQuerySet({ type: 'timestamp', count: 2 * passes });
  }

  /** The next pass's timestampWrites; undefined once every pass of the timer is used. */
  next(): GPUComputePassTimestampWrites | undefined {
    if (this.used >= this.passes) return undefined;
    const at = 2 * this.used++;
    return { querySet: this.queries, beginningOfPassWriteIndex: at, endOfPassWriteIndex: at + 1 };
  }

  /** Milliseconds of each timed pass (one read, after they were submitted); frees the timer. */
  async read(): Promise<number[]> {
    const count = 2 * this.used;
    if (count === 0) {
      this.destroy();
      return [];
    }
    const bytes = count * 8;
    const resolved = this.device.createBuffer({
      label: 'pass timestamps',
      size: bytes,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.resolveQuerySet(this.queries, 0, count, resolved, 0);
      this.device.queue.submit([encoder.finish()]);
      const words = await readFloats(this.device, { buffer: resolved, offset: 0, size: bytes });
      // Nanosecond ticks as u64: differences of a pass's two are far below 2^53.
      const ticks = new BigUint64Array(words.buffer, words.byteOffset, count);
      return Array.from(
        { length: this.used },
        (_, p) => Number((ticks[2 * p + 1] as bigint) - (ticks[2 * p] as bigint)) / 1e6,
      );
    } finally {
      resolved.destroy();
      this.destroy();
    }
  }

  destroy(): void {
    this.queries.destroy();
  }
}
