import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src/protocol/errors';
import { isTarHeader, readTar, TarParser, type TarEvent } from '../../../src/engine/formats/tarStream';
import { gunzip } from '../../../src/engine/formats/gzip';
import { randomBytes } from 'node:crypto';
import { firstDifference, fixture, gzip, makeTar, membersOf, type TarMember } from './cifarTestFiles';

async function* slices(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
  await Promise.resolve();
}

/** Files as {name → bytes} from the event stream. */
async function readAll(input: AsyncIterable<Uint8Array>): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  let current: { name: string; parts: Uint8Array[] } | null = null;
  for await (const ev of readTar(input, 'test.tar')) {
    if (ev.type === 'file') current = { name: ev.name, parts: [] };
    else if (ev.type === 'data') current?.parts.push(ev.bytes.slice());
    else if (current !== null) {
      files.set(current.name, new Uint8Array(Buffer.concat(current.parts)));
      current = null;
    }
  }
  return files;
}

async function rejection(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StudioError) return err;
    throw err;
  }
  throw new Error('expected a StudioError');
}

const sample: TarMember[] = [
  { name: 'dir/', bytes: new Uint8Array(0), typeflag: '5' },
  { name: 'dir/a.bin', bytes: new Uint8Array(1000).map((_, i) => i & 0xff) },
  { name: 'dir/empty.txt', bytes: new Uint8Array(0) },
  { name: 'dir/b.txt', bytes: new TextEncoder().encode('hello') },
];

describe('readTar', () => {
  it('reads the CIFAR-10 fixture like an independent zlib + header walk', async () => {
    const gz = fixture('cifar-10-binary.tar.gz');
    const expected = membersOf(gz);
    const got = await readAll(gunzip(slices(gz, 4096), 'fixture'));
    expect([...got.keys()]).toEqual([...expected.keys()]);
    for (const [name, bytes] of expected)
      expect(firstDifference(got.get(name) ?? new Uint8Array(0), bytes)).toBe(-1);
  });

  it('gives the same files whatever the chunk size', async () => {
    const tar = makeTar(sample);
    for (const size of [1, 7, 511, 512, 513, 100000]) {
      const files = await readAll(slices(tar, size));
      expect([...files.keys()]).toEqual(['dir/a.bin', 'dir/empty.txt', 'dir/b.txt']);
      expect(files.get('dir/a.bin')).toEqual(sample[1]?.bytes);
      expect(new TextDecoder().decode(files.get('dir/b.txt'))).toBe('hello');
    }
  });

  it('applies ustar prefixes, GNU long names, pax paths and base-256 sizes', async () => {
    const long = `${'deep/'.repeat(30)}data_batch_1.bin`;
    for (const longName of ['prefix', 'gnu', 'pax'] as const) {
      const name = longName === 'prefix' ? 'cifar-10-batches-bin/x/y/data_batch_1.bin' : long;
      const files = await readAll(
        slices(makeTar([{ name, bytes: new Uint8Array([1, 2, 3]), longName }]), 100),
      );
      expect([...files.keys()]).toEqual([name]);
    }
    const files = await readAll(
      slices(makeTar([{ name: 'big', bytes: new Uint8Array(700).fill(9), base256Size: true }]), 64),
    );
    expect(files.get('big')?.length).toBe(700);
  });

  it('keeps only one header buffered: data events are views of the input chunks', () => {
    const tar = makeTar(sample);
    const parser = new TarParser('t');
    const events: TarEvent[] = parser.push(tar);
    parser.end();
    const data = events.find((e) => e.type === 'data');
    expect(data?.type === 'data' && data.bytes.buffer).toBe(tar.buffer);
  });

  it('rejects a corrupt header by its checksum', async () => {
    const tar = makeTar(sample);
    const second = 512 * 2 + 1024; // header of dir/empty.txt
    tar[second + 3] = (tar[second + 3] ?? 0) ^ 0x40;
    const err = await rejection(readAll(slices(tar, 300)));
    expect(err.code).toBe('BAD_TARBALL');
    expect(err.message).toMatch(/tar header at byte 2048 fails its checksum/);
  });

  it('says "not a tar archive" when the first block is not a header', async () => {
    const err = await rejection(readAll(slices(new Uint8Array(2048).fill(65), 512)));
    expect(err.code).toBe('BAD_TARBALL');
    expect(err.message).toMatch(/is not a tar archive/);
  });

  it('rejects a truncated archive, inside a member or before the end marker', async () => {
    const tar = makeTar(sample);
    let err = await rejection(readAll(slices(tar.subarray(0, 1200), 100)));
    expect(err.code).toBe('BAD_TARBALL');
    expect(err.message).toMatch(/truncated: "dir\/a.bin" stops after 176 of its 1000 bytes/);
    err = await rejection(readAll(slices(tar.subarray(0, tar.length - 1024), 100)));
    expect(err.message).toMatch(/stops before the end-of-archive marker/);
  });

  it('sniffs tar headers', () => {
    const tar = makeTar(sample);
    expect(isTarHeader(tar.subarray(0, 512))).toBe(true);
    expect(isTarHeader(new Uint8Array(512))).toBe(false);
    expect(isTarHeader(tar.subarray(0, 100))).toBe(false);
  });
});

describe('gunzip', () => {
  it('decompresses in step with the consumer instead of reading the whole input ahead', async () => {
    const raw = new Uint8Array(randomBytes(6 << 20));
    const gz = gzip(raw);
    let fed = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < gz.length; i += 65536) {
        fed += Math.min(65536, gz.length - i);
        yield gz.subarray(i, i + 65536);
      }
      await Promise.resolve();
    }
    let out = 0;
    let maxAhead = 0;
    const check = new Uint8Array(raw.length);
    for await (const chunk of gunzip(counted(), 'big.gz')) {
      check.set(chunk, out);
      out += chunk.length;
      maxAhead = Math.max(maxAhead, fed - out);
    }
    expect(out).toBe(raw.length);
    expect(firstDifference(check, raw)).toBe(-1);
    expect(maxAhead).toBeLessThan(2 << 20);
  });
});
