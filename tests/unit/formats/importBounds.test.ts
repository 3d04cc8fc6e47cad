// The importer's bounds, measured by the bytes it pulls from its input: a file that would
// decompress (or claims) to far more than the official datasets hold is refused after reading a
// few kilobytes, not after streaming gigabytes into memory or storage.
import { describe, expect, it } from 'vitest';
import { importCifar, type ImportFile } from '../../../src/engine/formats/cifarImport';
import { MAX_SPLIT_RECORDS } from '../../../src/engine/formats/cifarLayout';
import { StudioError } from '../../../src/protocol/errors';
import { tarHeader } from './cifarTestFiles';

const RECORD = 3073;
/** More than any bounded reader needs before refusing; an unbounded one reads past it and fails. */
const READ_LIMIT = 8 << 20;
/** A few 64 KiB reads: the header and what the stream reads ahead. */
const FEW_READS = 4 * 65536;

/**
 * A file of `head` followed by `length` zero bytes (valid CIFAR-10 records: label 0, black pixels),
 * produced as it is read; `read()` says how many bytes were pulled.
 */
function lazyFile(
  name: string,
  head: Uint8Array,
  length: number,
  knownSize: boolean,
  readLimit = READ_LIMIT,
) {
  let pulled = 0;
  const total = head.length + length;
  const file: ImportFile = {
    name,
    ...(knownSize ? { size: total } : {}),
    stream: () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= total) {
            controller.close();
            return;
          }
          if (pulled > readLimit) {
            controller.error(new Error(`read ${pulled} bytes: unbounded`));
            return;
          }
          const n = Math.min(65536, total - pulled);
          const chunk = new Uint8Array(n);
          if (pulled < head.length) chunk.set(head.subarray(pulled, pulled + n));
          pulled += n;
          controller.enqueue(chunk);
        },
      }),
  };
  return { file, read: () => pulled };
}

async function refusal(files: ImportFile[]): Promise<StudioError> {
  try {
    let events = 0;
    for await (const event of importCifar(files)) events += event.type === 'done' ? 1 : 0;
    if (events > 0) throw new Error('the import was accepted');
  } catch (err) {
    if (err instanceof StudioError) return err;
    throw err;
  }
  throw new Error('the import was accepted');
}

describe('importCifar stays bounded', () => {
  it('refuses a member claiming 300 MB of test records at its header, reading only that', async () => {
    const records = 100_000; // 307 MB
    const { file, read } = lazyFile(
      'cifar-10-binary.tar',
      tarHeader('cifar-10-batches-bin/test_batch.bin', records * RECORD),
      records * RECORD + 1024,
      true,
    );
    const err = await refusal([file]);
    expect(err.code).toBe('BAD_DATASET');
    expect(err.message).toMatch(
      /CIFAR-10 test split holds at most 10,000 records, as the official one does, and cifar-10-batches-bin\/test_batch.bin would make it 100,000/,
    );
    expect(read()).toBeLessThanOrEqual(FEW_READS);
  });

  it('refuses an archive that would decompress to more than 512 MiB, at the member that passes it', async () => {
    const { file, read } = lazyFile(
      'cifar-10-binary.tar',
      tarHeader('readme.html', 600 << 20),
      601 << 20,
      true,
    );
    const err = await refusal([file]);
    expect(err.code).toBe('BAD_TARBALL');
    expect(err.message).toMatch(/holds more than 512 MiB once decompressed/);
    expect(read()).toBeLessThanOrEqual(FEW_READS);
  });

  it('refuses a picked record file by its size, before reading its records', async () => {
    const records = MAX_SPLIT_RECORDS.train + 1;
    const { file, read } = lazyFile('train.bin', new Uint8Array([0, 0]), records * 3074 - 2, true);
    const err = await refusal([file]);
    expect(err.message).toMatch(
      /CIFAR-100 training split holds at most 50,000 records.*would make it 50,001/,
    );
    expect(read()).toBeLessThanOrEqual(FEW_READS);
  });

  it('stops a stream of unknown size at the cap, not at its end', async () => {
    const records = MAX_SPLIT_RECORDS.test + 5000;
    const { file, read } = lazyFile('test_batch.bin', new Uint8Array(0), records * RECORD, false, 40 << 20);
    const err = await refusal([file]);
    expect(err.message).toMatch(
      /test split holds at most 10,000 records, as the official one does, and test_batch.bin would make it 11,000/,
    );
    // The cap, plus one chunk of records and the reads ahead.
    expect(read()).toBeLessThanOrEqual((MAX_SPLIT_RECORDS.test + 1000) * RECORD + FEW_READS);
  });
});
