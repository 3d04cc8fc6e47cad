import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src/protocol/errors';
import { importCifar, type ImportFile } from '../../../src/engine/formats/cifarImport';
import { gunzipSync } from 'node:zlib';
import {
  chunkedStream,
  collect,
  fileOf,
  firstDifference,
  fixture,
  gzip,
  joined,
  makeTar,
  membersOf,
  records,
} from './cifarTestFiles';

const cifar10 = fixture('cifar-10-binary.tar.gz');
const cifar100 = fixture('cifar-100-binary.tar.gz');
const members10 = membersOf(cifar10);
const members100 = membersOf(cifar100);

function member(map: Map<string, Uint8Array>, name: string): Uint8Array {
  const bytes = map.get(name);
  if (bytes === undefined) throw new Error(`no ${name} in fixture`);
  return bytes;
}

/** Every `stride`-th byte from `offset`: the label column of a record file, read directly. */
function column(bytes: Uint8Array, stride: number, offset: number): Uint8Array {
  return bytes.filter((_, i) => i % stride === offset);
}

async function failure(files: ImportFile[], signal?: AbortSignal): Promise<StudioError> {
  try {
    await collect(files, signal === undefined ? {} : { signal });
  } catch (err) {
    if (err instanceof StudioError) return err;
    throw err;
  }
  throw new Error('expected the import to fail');
}

describe('importCifar on the CIFAR-10 fixture', () => {
  it('counts, labels, pixels and class names match the archive members', async () => {
    const { summary, chunks } = await collect([fileOf('cifar-10-binary.tar.gz', cifar10)]);
    expect(summary.kind).toBe('cifar10');
    expect(summary.counts).toEqual({ train: 200, test: 40 });
    expect(summary.classNames).toEqual(
      new TextDecoder().decode(member(members10, 'cifar-10-batches-bin/batches.meta.txt')).trim().split('\n'),
    );
    expect(summary.coarseClassNames).toBeUndefined();
    expect(summary.files).toHaveLength(6);

    const train = Buffer.concat(
      [1, 2, 3, 4, 5].map((i) => member(members10, `cifar-10-batches-bin/data_batch_${i}.bin`)),
    );
    const test = member(members10, 'cifar-10-batches-bin/test_batch.bin');
    expect(joined(chunks, 'train', 'labels')).toEqual(new Uint8Array(column(train, 3073, 0)));
    expect(joined(chunks, 'test', 'labels')).toEqual(column(test, 3073, 0));
    const images = joined(chunks, 'test', 'images');
    expect(images.length).toBe(40 * 3072);
    expect(images.subarray(5 * 3072, 6 * 3072)).toEqual(test.subarray(5 * 3073 + 1, 6 * 3073));
    for (let i = 0; i < 40; i++) {
      expect(
        firstDifference(
          images.subarray(i * 3072, (i + 1) * 3072),
          test.subarray(i * 3073 + 1, (i + 1) * 3073),
        ),
      ).toBe(-1);
    }

    const hist = new Array<number>(10).fill(0);
    for (const l of joined(chunks, 'train', 'labels')) hist[l] = (hist[l] ?? 0) + 1;
    expect(summary.classCounts.train).toEqual(hist);
    for (const c of chunks) expect(c.kind).toBe('cifar10');
  });

  it('gives the same records when the stream arrives 1–1000 bytes at a time', async () => {
    const whole = await collect([fileOf('c.tar.gz', cifar10)]);
    const sizes = [1, 1000, 7, 512, 333, 2, 999, 64];
    const small = await collect([fileOf('c.tar.gz', cifar10, sizes)], { chunkRecords: 17 });
    expect(small.summary).toEqual(whole.summary);
    expect(small.summary.checksums.train).toMatch(/^200:/);
    expect(joined(small.chunks, 'train', 'labels')).toEqual(joined(whole.chunks, 'train', 'labels'));
    expect(
      firstDifference(joined(small.chunks, 'train', 'images'), joined(whole.chunks, 'train', 'images')),
    ).toBe(-1);
    expect(Math.max(...small.chunks.map((c) => c.labels.length))).toBe(17);
  });

  it('reports monotonic progress to the total and exactly one final done event', async () => {
    // The plain tar: through gzip the whole 0.7 MB fixture fits in the read-ahead window.
    const tar = new Uint8Array(gunzipSync(cifar10));
    const { progress, eventTypes } = await collect([fileOf('c.tar', tar, [4096])], {
      progressEveryBytes: 50_000,
    });
    expect(progress[0]).toEqual({ bytesRead: 0, totalBytes: tar.length });
    expect(progress.length).toBeGreaterThan(5);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.bytesRead).toBeGreaterThanOrEqual(progress[i - 1]?.bytesRead ?? 0);
    }
    expect(progress.at(-1)).toEqual({ bytesRead: tar.length, totalBytes: tar.length });
    expect(eventTypes.filter((t) => t === 'done')).toHaveLength(1);
    expect(eventTypes.at(-1)).toBe('done');
  });

  it('imports the same data from a plain .tar and from the .bin files picked together', async () => {
    const whole = await collect([fileOf('c.tar.gz', cifar10)]);
    const tar = new Uint8Array(gunzipSync(cifar10));
    const fromTar = await collect([fileOf('cifar-10-binary.tar', tar, [1000])]);
    expect(fromTar.summary).toEqual(whole.summary);
    const bins = [...members10]
      .filter(([n]) => n.endsWith('.bin'))
      .map(([n, b]) => fileOf(n.split('/')[1] ?? n, b, [777]));
    const fromBins = await collect(bins);
    expect(fromBins.summary.counts).toEqual({ train: 200, test: 40 });
    expect(fromBins.summary.classNames[0]).toBe('airplane'); // official names without batches.meta.txt
    expect(
      firstDifference(joined(fromBins.chunks, 'test', 'images'), joined(whole.chunks, 'test', 'images')),
    ).toBe(-1);
  });

  it('stops with CANCELLED when the signal fires mid-import', async () => {
    const controller = new AbortController();
    let n = 0;
    const err = await (async () => {
      try {
        for await (const ev of importCifar([fileOf('c.tar.gz', cifar10, [1024])], {
          signal: controller.signal,
          chunkRecords: 10,
        })) {
          if (ev.type === 'records' && ++n === 2) controller.abort();
        }
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('CANCELLED');
  });
});

describe('importCifar releases the file', () => {
  /** A file whose stream records whether it was cancelled. */
  function watched(name: string, bytes: Uint8Array): { file: ImportFile; cancelled: () => boolean } {
    let cancelled = false;
    const file: ImportFile = {
      name,
      size: bytes.length,
      stream: () => {
        const reader = chunkedStream(bytes, [2048]).getReader();
        return new ReadableStream<Uint8Array>({
          async pull(controller) {
            const next = await reader.read();
            if (next.done) controller.close();
            else controller.enqueue(next.value);
          },
          cancel() {
            cancelled = true;
          },
        });
      },
    };
    return { file, cancelled: () => cancelled };
  }

  it('when the consumer stops early, when cancelled, and when the data is bad', async () => {
    // The plain tar: through gzip the small fixture is read whole before the first record arrives.
    const early = watched('c.tar', new Uint8Array(gunzipSync(cifar10)));
    for await (const ev of importCifar([early.file], { chunkRecords: 10 })) if (ev.type === 'records') break;
    expect(early.cancelled()).toBe(true);

    const aborted = watched('c.tar.gz', cifar10);
    const controller = new AbortController();
    controller.abort();
    expect((await failure([aborted.file], controller.signal)).code).toBe('CANCELLED');

    const bad = watched(
      'data_batch_1.bin',
      records(1500, (i) => [i === 1 ? 99 : 0]),
    );
    expect((await failure([bad.file])).code).toBe('BAD_DATASET');
    expect(bad.cancelled()).toBe(true);
  });
});

describe('importCifar on the CIFAR-100 fixture', () => {
  it('keeps fine labels as the class and coarse labels alongside', async () => {
    const { summary, chunks } = await collect([fileOf('cifar-100-binary.tar.gz', cifar100, [999])]);
    expect(summary.kind).toBe('cifar100');
    expect(summary.counts).toEqual({ train: 200, test: 40 });
    const names = (file: string): string[] =>
      new TextDecoder()
        .decode(member(members100, `cifar-100-binary/${file}`))
        .trim()
        .split('\n');
    expect(summary.classNames).toEqual(names('fine_label_names.txt'));
    expect(summary.coarseClassNames).toEqual(names('coarse_label_names.txt'));
    const train = member(members100, 'cifar-100-binary/train.bin');
    expect(joined(chunks, 'train', 'labels')).toEqual(column(train, 3074, 1));
    expect(joined(chunks, 'train', 'coarse')).toEqual(column(train, 3074, 0));
    const test = member(members100, 'cifar-100-binary/test.bin');
    expect(joined(chunks, 'test', 'labels')).toEqual(column(test, 3074, 1));
    expect(joined(chunks, 'test', 'images').subarray(0, 3072)).toEqual(test.subarray(2, 3074));
  });
});

describe('importCifar rejects bad input with a message that says what to do', () => {
  const jpeg = new Uint8Array(4000).map((_, i) => (i * 31) & 0xff);
  jpeg.set([0xff, 0xd8, 0xff, 0xe0]);

  it('a JPEG', async () => {
    const err = await failure([fileOf('cat.jpg', jpeg)]);
    expect(err.code).toBe('BAD_TARBALL');
    expect(err.message).toMatch(/cat.jpg is not a CIFAR download \(it looks like a JPEG image\)/);
  });

  it('a truncated .tar.gz', async () => {
    const err = await failure([fileOf('cifar-10-binary.tar.gz', cifar10.subarray(0, 300_000), [4096])]);
    expect(err.code).toBe('BAD_TARBALL');
    expect(err.message).toMatch(/cifar-10-binary.tar.gz is a corrupt or truncated gzip file/);
  });

  it('a corrupt gzip (bad CRC at the very end)', async () => {
    const bad = cifar10.slice();
    bad[bad.length - 6] = (bad[bad.length - 6] ?? 0) ^ 0xff;
    const err = await failure([fileOf('cifar-10-binary.tar.gz', bad)]);
    expect(err.code).toBe('BAD_TARBALL');
    expect(err.message).toMatch(/corrupt or truncated gzip/);
  });

  it('a tar whose header fails its checksum', async () => {
    const tar = new Uint8Array(gunzipSync(cifar10));
    tar[512 + 512 + 10] = (tar[512 + 512 + 10] ?? 0) ^ 1; // second header (after the 61-byte meta file)
    const err = await failure([fileOf('cifar-10-binary.tar.gz', gzip(tar))]);
    expect(err.code).toBe('BAD_TARBALL');
    expect(err.message).toMatch(/tar header at byte 1024 fails its checksum/);
  });

  it('the Python pickle version', async () => {
    const tar = makeTar([
      { name: 'cifar-10-batches-py/data_batch_1', bytes: new Uint8Array([0x80, 2, 0x7d]) },
    ]);
    let err = await failure([fileOf('cifar-10-python.tar.gz', gzip(tar))]);
    expect(err.code).toBe('BAD_DATASET');
    expect(err.message).toMatch(/Python \(pickle\) version.*binary version instead: cifar-10-binary.tar.gz/);
    const tar100 = makeTar([{ name: 'cifar-100-python/train', bytes: new Uint8Array([0x80, 2]) }]);
    err = await failure([fileOf('cifar-100-python.tar.gz', gzip(tar100))]);
    expect(err.message).toMatch(/binary version instead: cifar-100-binary.tar.gz/);
    err = await failure([fileOf('data_batch_1', new Uint8Array([0x80, 2, 0x7d, 0x71]))]);
    expect(err.message).toMatch(/Python \(pickle\) version/);
  });

  it('CIFAR-100 records under CIFAR-10 names', async () => {
    const tar = makeTar([
      { name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: records(5, () => [3, 40]) },
      { name: 'cifar-10-batches-bin/test_batch.bin', bytes: records(2, () => [3, 40]) },
    ]);
    const err = await failure([fileOf('cifar-10-binary.tar.gz', gzip(tar))]);
    expect(err.code).toBe('BAD_DATASET');
    expect(err.message).toMatch(
      /data_batch_1.bin is named as CIFAR-10 but its 15370 bytes divide into CIFAR-100 records \(3074 bytes each\)/,
    );
  });

  it('a .bin whose size does not divide into records', async () => {
    const bytes = records(3, () => [1]).subarray(0, 3 * 3073 - 100);
    const err = await failure([fileOf('test_batch.bin', bytes)]);
    expect(err.code).toBe('BAD_DATASET');
    expect(err.message).toMatch(/test_batch.bin holds 9119 bytes, not a whole number of CIFAR-10 records/);
    // Without a known size the same check happens when the stream ends.
    const unsized: ImportFile = { name: 'test_batch.bin', stream: () => fileOf('x', bytes).stream() };
    expect((await failure([unsized])).message).toMatch(/record count does not divide/);
  });

  it('labels out of range', async () => {
    let err = await failure([
      fileOf(
        'data_batch_1.bin',
        records(4, (i) => [i === 2 ? 10 : 1]),
      ),
    ]);
    expect(err.code).toBe('BAD_DATASET');
    expect(err.message).toMatch(
      /data_batch_1.bin, record 2: class label 10 is out of range \(CIFAR-10 class labels are 0–9\)/,
    );
    err = await failure([
      fileOf(
        'train.bin',
        records(4, () => [5, 100]),
      ),
    ]);
    expect(err.message).toMatch(/train.bin, record 0: class label 100 is out of range/);
    err = await failure([
      fileOf(
        'train.bin',
        records(4, () => [20, 99]),
      ),
    ]);
    expect(err.message).toMatch(/coarse label 20 is out of range \(CIFAR-100 coarse labels are 0–19\)/);
  });

  it('a missing split', async () => {
    const err = await failure([
      fileOf(
        'data_batch_1.bin',
        records(4, () => [1]),
      ),
    ]);
    expect(err.code).toBe('BAD_DATASET');
    expect(err.message).toMatch(/The CIFAR-10 test split is missing \(test_batch.bin\)/);
  });

  it('an archive with no CIFAR files, and a .bin with an unknown name', async () => {
    let err = await failure([fileOf('photos.tar', makeTar([{ name: 'a.txt', bytes: new Uint8Array(3) }]))]);
    expect(err.code).toBe('BAD_DATASET');
    expect(err.message).toMatch(/No CIFAR record files found/);
    err = await failure([
      fileOf(
        'weights.bin',
        records(2, () => [1]),
      ),
    ]);
    expect(err.message).toMatch(/Can't tell which dataset weights.bin belongs to/);
  });

  it('CIFAR-10 and CIFAR-100 files mixed', async () => {
    const err = await failure([
      fileOf(
        'data_batch_1.bin',
        records(2, () => [1]),
      ),
      fileOf(
        'test.bin',
        records(2, () => [1, 1]),
      ),
    ]);
    expect(err.message).toMatch(/test.bin is a CIFAR-100 file but data_batch_1.bin is CIFAR-10/);
  });
});
