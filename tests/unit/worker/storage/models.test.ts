// saveModel's checks run before IndexedDB is touched, so they are testable in Node (which has none).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../../src/protocol/errors';
import { modelFromFile } from '../../../../src/worker/library/importFile';
import { saveModel, summarise, type NewModel } from '../../../../src/worker/storage/models';
import { paramCount } from '../../../../src/protocol/network';
import { REFERENCE_DIR } from '../../engine/fixtures';

async function simplex(): Promise<NewModel> {
  const bytes = new Uint8Array(readFileSync(path.join(REFERENCE_DIR, 'vertices.safetensors')));
  return (await modelFromFile(bytes, 'vertices.safetensors', null)).model;
}

async function refusal(model: NewModel): Promise<StudioError> {
  const err: unknown = await saveModel(model).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof StudioError)) throw new Error(`expected a StudioError, got ${String(err)}`);
  return err;
}

describe('saveModel refuses records other code could not load', () => {
  it('a vertex with a parameter of the wrong size', async () => {
    const m = await simplex();
    const [first, ...rest] = m.vertices[1] ?? [];
    if (!first) throw new Error('fixture has no parameters');
    m.vertices[1] = [first.subarray(1) as typeof first, ...rest];
    const err = await refusal(m);
    expect(err.code).toBe('BAD_ARGUMENT');
    expect(err.message).toContain('vertex 1 c1.weight has');
  });

  it('frozen and roles lists that do not match the vertices', async () => {
    expect((await refusal({ ...(await simplex()), frozen: [true] })).message).toContain(
      'frozen lists 1 vertices, not 3',
    );
    expect((await refusal({ ...(await simplex()), roles: ['mode'] })).message).toContain('roles lists 1');
  });

  it('a complex naming a vertex that does not exist, or repeating one', async () => {
    expect((await refusal({ ...(await simplex()), complex: [[0, 1, 3]] })).message).toContain('outside 0…2');
    expect((await refusal({ ...(await simplex()), complex: [[0, 0, 1]] })).message).toContain(
      'repeats a vertex',
    );
    expect((await refusal({ ...(await simplex()), complex: [] })).message).toContain('no simplexes');
    expect((await refusal({ ...(await simplex()), vertices: [] })).message).toContain('no vertices');
  });
});

describe('summarise', () => {
  it('drops the weights and counts them', async () => {
    const m = { ...(await simplex()), id: 'x', createdAt: 1 };
    const s = summarise(m);
    expect(s).not.toHaveProperty('vertices');
    expect(s.vertexCount).toBe(3);
    expect(s.paramCount).toBe(paramCount(m.spec));
  });
});
