import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';

const REFERENCE = path.resolve(process.cwd(), '../shared/fixtures/reference');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(REFERENCE, name)));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

describe('readSafetensors', () => {
  it('reads the reference fixtures, F32, F64 and I64 included', () => {
    const v = readSafetensors(fixture('vertices.safetensors'));
    expect(v.tensors.size).toBe(96);
    expect(v.tensors.get('net.c1.weight_0')?.shape).toEqual([8, 3, 3, 3]);
    expect(v.metadata.format).toBe('pt');
    const e = readSafetensors(fixture('expected.safetensors'));
    const labels = [...e.tensors.values()].filter((t) => t.dtype === 'I64');
    expect(labels.length).toBeGreaterThan(0);
  });

  it('round-trips what it writes', () => {
    const data = new Float32Array([1, -2.5, 3e-8, 4]);
    const bytes = concat(writeSafetensors([{ name: 'a.b', shape: [2, 2], data }], { k: 'v' }));
    const f = readSafetensors(bytes);
    expect(f.tensors.get('a.b')).toEqual({ dtype: 'F32', shape: [2, 2], data });
    expect({ ...f.metadata }).toEqual({ k: 'v' });
  });
});
