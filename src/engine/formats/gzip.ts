// Streaming gunzip on the platform's DecompressionStream (browsers, workers, Node ≥ 20), so a
// 170 MB download is never held whole in memory. Runs in the worker: no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';

/** True when the bytes start with the gzip magic number (RFC 1952: 1f 8b). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Compressed bytes allowed in flight beyond what the consumer has taken out. Node's
 * DecompressionStream adapter buffers up to 16,384 output chunks without backpressure, so without
 * this window it would read a whole 170 MB archive ahead. Deflate never shrinks data by more than a
 * few bytes per block, so once the consumer has taken out fewer bytes than were fed minus the window,
 * the rest is waiting in a queue and feeding more can wait too.
 */
const WINDOW_BYTES = 1 << 20;
/** A gzip header may carry an arbitrarily long comment that produces no output: never hang on it. */
const STARVED_MS = 50;

/**
 * One gzip member and nothing after it, on every platform. Chromium's DecompressionStream refuses
 * any byte after the first member ("Junk found after end of compressed data"); Node's decompresses
 * concatenated members and skips trailing zeros. So the tab and the CLI agree, data after the first
 * member is refused in both: in Node it shows as a last-member trailer (ISIZE, the output length
 * mod 2^32) that does not match the whole output. (An empty member joined to a real one has the
 * same output either way; only that harmless case still reads in Node alone.)
 */
function notOneStream(label: string): StudioError {
  return new StudioError(
    'BAD_TARBALL',
    `${label} has data after the end of its gzip stream (several .gz files joined, or trailing bytes). ` +
      `The studio reads one gzip stream, as the official downloads are: recompress it (gzip -dc FILE | gzip > NEW.gz).`,
  );
}

/**
 * Decompresses a gzip byte stream chunk by chunk. Input is pulled only as output is consumed, and
 * stopping early cancels the input. Corrupt or truncated data (including a bad CRC, which zlib only
 * sees at the very end) becomes BAD_TARBALL naming `label`; StudioErrors from the input pass through.
 */
export async function* gunzip(input: AsyncIterable<Uint8Array>, label: string): AsyncGenerator<Uint8Array> {
  const iterator = input[Symbol.asyncIterator]();
  let fed = 0;
  let taken = 0;
  /** The input's last 8 bytes: the trailer (CRC-32, ISIZE) of its last gzip member. */
  const tail = new Uint8Array(8);
  let consumerWaiting = false;
  let onTaken: (() => void) | null = null;
  const source = new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      async pull(controller) {
        while (fed - taken >= WINDOW_BYTES) {
          const moved = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => {
              resolve(false);
            }, STARVED_MS);
            onTaken = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          onTaken = null;
          if (!moved && consumerWaiting) break;
        }
        const next = await iterator.next();
        if (next.done === true) controller.close();
        else {
          fed += next.value.length;
          keepTail(tail, next.value);
          // DecompressionStream wants ArrayBuffer-backed views; copy only the rare shared ones.
          controller.enqueue(toArrayBufferView(next.value));
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  const reader = source.pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      consumerWaiting = true;
      try {
        next = await reader.read();
      } catch (err) {
        if (err instanceof StudioError) throw err;
        const detail = err instanceof Error ? err.message : String(err);
        if (/junk/i.test(detail)) throw notOneStream(label);
        throw new StudioError(
          'BAD_TARBALL',
          `${label} is a corrupt or truncated gzip file (${detail}). Download it again.`,
        );
      } finally {
        consumerWaiting = false;
      }
      if (next.done) {
        const isize = new DataView(tail.buffer).getUint32(4, true);
        if (fed >= 8 && isize !== taken % 2 ** 32) throw notOneStream(label);
        return;
      }
      taken += next.value.length;
      (onTaken as (() => void) | null)?.();
      yield next.value;
    }
  } finally {
    // Ends the pipe (and so the input) when the consumer stops early; a no-op after the end.
    await reader.cancel().catch(() => undefined);
  }
}

/** Shifts `bytes` into the 8-byte `tail`, so it always holds the last 8 bytes seen. */
function keepTail(tail: Uint8Array, bytes: Uint8Array): void {
  if (bytes.length >= 8) {
    tail.set(bytes.subarray(bytes.length - 8));
    return;
  }
  tail.copyWithin(0, bytes.length);
  tail.set(bytes, 8 - bytes.length);
}

function toArrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
