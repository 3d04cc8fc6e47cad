// Untrusted files may only ever fail as the typed errors: random bytes, mutated valid files and
// random headers must parse or throw StudioError BAD_SAFETENSORS / SHAPE_MISMATCH, and quickly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StudioError, type ErrorCode } from '../../../src/protocol/errors';
import { type ModelSpec } from '../../../src/protocol/architecture';
import { paramSpecs } from '../../../src/protocol/network';
import type { TfLayout } from '../../../src/engine/formats/layout';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { parseModelFile, simplexFile } from '../../../src/engine/formats/stateDict';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const SLOW_MS = 1000;

/** Runs `parse`; anything but success or a StudioError with one of `codes` fails the property. */
function onlyTypedErrors(parse: () => unknown, codes: readonly ErrorCode[]): void {
  const start = performance.now();
  try {
    parse();
  } catch (err) {
    if (!(err instanceof StudioError) || !codes.includes(err.code)) throw err;
    expect(err.message.length).toBeLessThan(2000);
  }
  expect(performance.now() - start).toBeLessThan(SLOW_MS);
}

const readOnly = (bytes: Uint8Array) => {
  onlyTypedErrors(() => readSafetensors(bytes), ['BAD_SAFETENSORS']);
};
const modelOnly = (bytes: Uint8Array) => {
  onlyTypedErrors(() => parseModelFile(bytes), ['BAD_SAFETENSORS', 'SHAPE_MISMATCH']);
};

const small = concat(
  writeSafetensors(
    [
      { name: 'a', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      { name: 'b.c', shape: [3], data: new Float32Array([5, 6, 7]) },
      { name: 'd', shape: [], data: new Float32Array([8]) },
    ],
    { format: 'pt', complex: '[[0]]' },
  ),
);

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
const vertex = () => paramSpecs(SPEC).map((p) => new Float32Array(p.size).fill(0.01) as TfLayout);
const model = concat(
  simplexFile(SPEC, [vertex(), vertex()], [], { complex: [[0, 1]], frozen: [0], dataset: 'cifar10' }),
);

const headerLength = (bytes: Uint8Array) =>
  Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));

/** Byte edits, truncation, a new length field, or a JSON edit (with the length fixed up to match). */
function mutation(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = base.byteLength;
  const headerEnd = 8 + headerLength(base);
  const position = fc.oneof(fc.nat({ max: headerEnd - 1 }), fc.nat({ max: n - 1 }));
  const flips = fc
    .array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((edits) => {
      const out = base.slice();
      for (const [i, b] of edits) out[i] = b;
      return out;
    });
  const truncated = fc.nat({ max: n - 1 }).map((len) => base.slice(0, len));
  const newLength = fc
    .oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.integer({ min: -16, max: 16 }).map((d) => BigInt(Math.max(0, headerEnd - 8 + d))),
    )
    .map((len) => {
      const out = base.slice();
      new DataView(out.buffer).setBigUint64(0, len, true);
      return out;
    });
  const text = new TextDecoder().decode(base.subarray(8, headerEnd));
  const jsonEdit = fc
    .tuple(
      fc.nat({ max: text.length }),
      fc.nat({ max: 6 }),
      fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789-.eE \\u_abcdFI'.split('')), maxLength: 8 }),
    )
    .map(([at, cut, insert]) => {
      const edited = new TextEncoder().encode(text.slice(0, at) + insert + text.slice(at + cut));
      const head = new Uint8Array(8);
      new DataView(head.buffer).setBigUint64(0, BigInt(edited.byteLength), true);
      return concat([head, edited, base.subarray(headerEnd)]);
    });
  return fc.oneof(flips, truncated, newLength, jsonEdit);
}

/** Headers built from plausible and implausible entries, with random data lengths. */
const randomHeaderFile = fc
  .tuple(
    fc.dictionary(
      fc.oneof(
        fc.constantFrom('a', 'b', '__metadata__', '__proto__', 'constructor'),
        fc.string({ maxLength: 4 }),
      ),
      fc.oneof(
        fc.record({
          dtype: fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'X'),
          shape: fc.array(fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constant(2 ** 53)), { maxLength: 3 }),
          data_offsets: fc.array(fc.integer({ min: -4, max: 200 }), { minLength: 2, maxLength: 2 }),
        }),
        fc.jsonValue({ maxDepth: 3 }),
      ),
      { maxKeys: 4 },
    ),
    fc.nat({ max: 200 }),
  )
  .map(([entries, dataLength]) => {
    const json = new TextEncoder().encode(JSON.stringify(entries));
    const head = new Uint8Array(8);
    new DataView(head.buffer).setBigUint64(0, BigInt(json.byteLength), true);
    return concat([head, json, new Uint8Array(dataLength)]);
  });

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const RESERVED = new Set(['__metadata__', '__proto__', 'constructor', 'prototype']);
const tensorsToWrite = fc
  .uniqueArray(
    fc.record({
      name: fc.string({ minLength: 1, maxLength: 12 }).filter((n) => !RESERVED.has(n)),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    }),
    { selector: (t) => t.name, maxLength: 6 },
  )
  .chain((specs) =>
    fc.tuple(
      ...specs.map(({ name, shape }) =>
        fc
          .float32Array({
            minLength: shape.reduce((a, b) => a * b, 1),
            maxLength: shape.reduce((a, b) => a * b, 1),
          })
          .map((data) => ({ name, shape, data })),
      ),
    ),
  );
const metadataToWrite = fc.dictionary(
  fc.string({ maxLength: 8 }).filter((k) => !RESERVED.has(k)),
  fc.string({ maxLength: 16 }),
  { maxKeys: 4 },
);

describe('safetensors round trip', () => {
  it('reads back exactly what was written, for any names, shapes, values and metadata', () => {
    fc.assert(
      fc.property(tensorsToWrite, metadataToWrite, (tensors, metadata) => {
        const file = readSafetensors(concat(writeSafetensors(tensors, metadata)));
        expect([...file.tensors.keys()]).toEqual(tensors.map((t) => t.name));
        for (const t of tensors) {
          const back = file.tensors.get(t.name);
          expect(back?.shape).toEqual(t.shape);
          // Bitwise, so NaN payloads and −0 count too.
          expect(back && bytesOf(back.data)).toEqual(bytesOf(t.data));
        }
        expect({ ...file.metadata }).toEqual(metadata);
      }),
      { numRuns: 300 },
    );
  });
});

describe('safetensors fuzz', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), readOnly), { numRuns: 500 });
  });

  it('random bytes after a plausible header length', () => {
    const file = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((body) => {
      const head = new Uint8Array(8);
      new DataView(head.buffer).setBigUint64(0, BigInt(Math.floor(body.byteLength / 2)), true);
      return concat([head, body]);
    });
    fc.assert(fc.property(file, readOnly), { numRuns: 500 });
  });

  it('mutated valid files', () => {
    fc.assert(fc.property(mutation(small), readOnly), { numRuns: 1000 });
  });

  it('random headers', () => {
    fc.assert(fc.property(randomHeaderFile, readOnly), { numRuns: 1000 });
  });

  it('mutated model files, through the model loader', () => {
    fc.assert(fc.property(mutation(model), modelOnly), { numRuns: 300 });
  });
});
