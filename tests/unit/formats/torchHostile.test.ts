// Hostile .pt files: the reader runs nothing a pickle names and allocates nothing a file merely
// claims. Each is refused with one line naming what it found, through the engine and through the
// CLI (exit status not 0), and a command a pickle asks for is shown not to have run.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTorchStateDict } from '../../../src/engine/formats/torchFile';
import { MAX_DEPTH } from '../../../src/engine/formats/pickle';
import { StudioError } from '../../../src/protocol/errors';
import { cli } from '../cli/cliHarness';
import { op, ptArchive, stateDict, tensor } from './torchPickles';

const dir = mkdtempSync(path.join(tmpdir(), 'pt-hostile-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(bytes: Uint8Array): Promise<StudioError> {
  const err = await readTorchStateDict(bytes).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof StudioError)) throw new Error(`expected a StudioError, got ${String(err)}`);
  return err;
}

const storage = { '0': Float32Array.of(1, 2, 3, 4, 5, 6) };
/** `callable(arg)` as a pickle: GLOBAL, the argument tuple, REDUCE. */
const call = (module: string, name: string, arg: string) => [
  ...op.global(module, name),
  ...op.mark,
  ...op.str(arg),
  ...op.tuple,
  ...op.reduce,
];

describe('hostile pickles', () => {
  const marker = path.join(dir, 'ran');

  it.each([
    ['os', 'system'],
    ['posix', 'system'],
    ['builtins', 'eval'],
    ['subprocess', 'Popen'],
  ])('refuses GLOBAL %s.%s before anything runs, naming it', async (module, name) => {
    const evil = ptArchive(call(module, name, `touch ${marker}`));
    const err = await refusal(evil);
    expect(err.code).toBe('BAD_PT');
    expect(err.message).toContain(`names ${module}.${name}, which the studio does not allow`);
    const file = path.join(dir, `${module}-${name}.pt`);
    writeFileSync(file, evil);
    const r = await cli('info', file);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^error: BAD_PT: /);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a REDUCE of an allowed name with arguments it does not take', async () => {
    const bad = [
      ...op.global('torch._utils', '_rebuild_tensor_v2'),
      ...op.mark,
      ...op.str('x'),
      ...op.tuple,
      ...op.reduce,
    ];
    expect((await refusal(ptArchive(bad))).message).toContain(
      'calls torch._utils._rebuild_tensor_v2 with arguments other than (storage, offset, size, stride, requires_grad, hooks)',
    );
    // A storage type is a class, not a function a state dict calls.
    expect((await refusal(ptArchive(call('torch', 'FloatStorage', '3')))).message).toContain(
      'calls torch.FloatStorage, which is a type',
    );
  });

  it('refuses an opcode PyTorch does not write (INST, which imports and calls)', async () => {
    const inst = [0x69, ...new TextEncoder().encode('os\nsystem\n')];
    expect((await refusal(ptArchive([...op.mark, ...op.str('id'), ...inst]))).message).toMatch(
      /uses opcode 0x69/,
    );
  });

  it('checks offsets, strides and sizes against the storage before reading', async () => {
    const one = (t: number[]) => ptArchive(stateDict([['w', t]]), storage);
    expect((await refusal(one(tensor('0', 6, 6, [1], [1])))).message).toContain(
      'has w reaching element 6 of a storage of 6',
    );
    expect((await refusal(one(tensor('0', 6, 0, [2, 3], [1, 4])))).message).toContain(
      'has w reaching element 9 of a storage of 6',
    );
    expect((await refusal(one(tensor('0', 6, 0, [2n ** 62n], [1])))).message).toContain(
      'calls torch._utils._rebuild_tensor_v2 with arguments other than',
    );
    // A stride of 0 repeats one element: no tensor may hold more than its storage does.
    expect((await refusal(one(tensor('0', 6, 0, [1_000_000_000], [0])))).message).toContain(
      'has w of 1000000000 elements viewing a storage of 6',
    );
  });

  it(`refuses nesting deeper than ${MAX_DEPTH}, and a MARK bomb`, async () => {
    // 200 MARKs open at once (each LIST would close one): refused at the 65th.
    const marks = [
      ...Array.from({ length: 200 }, () => op.mark).flat(),
      ...Array.from({ length: 200 }, () => [0x6c]).flat(),
    ];
    expect((await refusal(ptArchive(marks))).message).toContain(`opens more than ${MAX_DEPTH} MARKs at once`);
    // Lists nested 200 deep without a MARK: each new list appended into the one before it (kept in
    // the memo), which the pickle then fetches back; the outermost is the result.
    const nested: number[] = [...op.emptyList, 0x71, 2];
    for (let i = 0; i < 200; i++) nested.push(...op.emptyList, 0x71, 1, ...op.append, 0x30, 0x68, 1);
    nested.push(0x30, 0x68, 2);
    expect((await refusal(ptArchive(nested))).message).toContain(
      `nests containers more than ${MAX_DEPTH} deep`,
    );
    // A list appended into itself.
    const loop = [...op.emptyList, 0x71, 0, 0x68, 0, ...op.append];
    expect((await refusal(ptArchive(loop))).message).toContain('holds a container that contains itself');
  });

  it('refuses a truncated archive, and one whose data.pkl names a storage it lacks', async () => {
    const whole = ptArchive(stateDict([['w', tensor('0', 6, 0, [6], [1])]]), storage);
    expect((await refusal(whole.subarray(0, whole.length - 30))).message).toMatch(
      /^The PyTorch file is a damaged zip archive/,
    );
    const missing = ptArchive(stateDict([['w', tensor('7', 6, 0, [6], [1])]]), storage);
    expect((await refusal(missing)).message).toContain(
      'names storage 7, which the archive lacks (archive/data/7)',
    );
    const file = path.join(dir, 'missing.pt');
    writeFileSync(file, missing);
    const r = await cli('eval', '--weights', file, '--data', 'x');
    expect(r.code).not.toBe(0);
  });
});
