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

  describe('refuses what other tar readers would read differently', () => {
    const pax = (text: string): TarMember => ({
      name: 'PaxHeaders/x',
      typeflag: 'x',
      bytes: new TextEncoder().encode(text),
    });
    const file: TarMember = { name: 'a.bin', bytes: new Uint8Array(10).fill(1) };
    /** A record with its correct decimal length in front. */
    const rec = (body: string): string => {
      let n = body.length + 2;
      while (`${n} ${body}`.length !== n) n++;
      return `${n} ${body}`;
    };
    const cases: [string, string, RegExp][] = [
      ['a pax size above 2^53', rec('size=9007199254740993\n'), /size "9007199254740993" is not/],
      ['a pax size that is not a decimal integer', rec('size=0x1f\n'), /malformed pax header \(size/],
      ['a record length in hex', '0xc path=a\n', /record length/],
      ['a record length with an exponent', '1e1 pa=a\n', /record length/],
      ['a record length with a sign', '+11 path=a\n', /record length/],
      ['a record with no "="', '9 path-a\n', /without "key=value"/],
      ['a record with an empty key', rec('=abc\n'), /without "key=value"/],
      ['a record that does not end with a newline', '11 path=ab!', /newline/],
    ];
    for (const [what, record, message] of cases) {
      it(what, async () => {
        const err = await rejection(readAll(slices(makeTar([pax(record), file]), 100)));
        expect(err.code).toBe('BAD_TARBALL');
        expect(err.message).toMatch(message);
      });
    }

    it('still reads well-formed pax records, NUL padding after them included', async () => {
      const files = await readAll(slices(makeTar([pax(`${rec('path=ab\n')}\0\0\0`), file]), 100));
      expect([...files.keys()]).toEqual(['ab']);
    });

    it('members after a zero block', async () => {
      const first = makeTar([file]);
      const second = makeTar([{ name: 'hidden.bin', bytes: new Uint8Array(3) }]);
      // One zero block, then another archive's members.
      const joinedTar = Buffer.concat([first.subarray(0, first.length - 512), second]);
      const err = await rejection(readAll(slices(new Uint8Array(joinedTar), 300)));
      expect(err.code).toBe('BAD_TARBALL');
      expect(err.message).toMatch(/data follows its end-of-archive marker \(at byte 1536\)/);
      // Zeros after the marker (padding to a 10 KiB record) are fine.
      const padded = Buffer.concat([first, new Uint8Array(8192)]);
      expect([...(await readAll(slices(new Uint8Array(padded), 1000))).keys()]).toEqual(['a.bin']);
    });
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

describe('gunzip reads exactly one gzip stream, as the browser does', () => {
  const read = async (gz: Uint8Array): Promise<string> => {
    const parts: Uint8Array[] = [];
    for await (const chunk of gunzip(slices(gz, 7), 'x.tar.gz')) parts.push(chunk.slice());
    return Buffer.concat(parts).toString();
  };
  const a = gzip(new TextEncoder().encode('hello '));
  const b = gzip(new TextEncoder().encode('world'));

  it('reads a single member', async () => {
    expect(await read(a)).toBe('hello ');
  });

  // Chromium's DecompressionStream refuses all three (checked in tests/browser/data.test.ts).
  for (const [what, bytes] of [
    ['two members joined', Buffer.concat([a, b])],
    ['trailing zeros', Buffer.concat([a, new Uint8Array(64)])],
    ['trailing junk', Buffer.concat([a, new Uint8Array([1, 2, 3])])],
  ] as const) {
    it(`refuses ${what}`, async () => {
      const err = await rejection(read(new Uint8Array(bytes)));
      expect(err.code).toBe('BAD_TARBALL');
      if (what !== 'trailing junk') expect(err.message).toMatch(/data after the end of its gzip stream/);
    });
  }
});
