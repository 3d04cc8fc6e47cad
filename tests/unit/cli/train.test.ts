// `train` from the command line: a base model on the synthetic set whose result the other commands
// read, a simplex grown from it with --from (and with its new vertices' starts from --init), a run stopped by Ctrl-C after its first checkpoint
// that --resume takes to exactly the weights of the uninterrupted run, and the refusals. VGG11 at
// width 1/8 on 32 images: each run is a few seconds.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../../src/cli/io';
import { run } from '../../../src/cli/run';
import { cli, cliJson, readTensors } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-train-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const TINY = [
  '--data',
  'synthetic',
  '--architecture',
  'vgg11',
  '--width',
  '0.125',
  '--batch-size',
  '8',
  '--train-limit',
  '32',
  '--test-limit',
  '16',
  '--read-every',
  '2',
  '--base-epochs',
  '2',
  '--epochs-per-vertex',
  '2',
  '--n-sample',
  '2',
  '--vertices',
  '1',
];

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A CLI io that sends Ctrl-C once the first epoch is reported: the run stops after its checkpoint. */
function ctrlCAfterFirstEpoch(): ReturnType<typeof memoryIo> {
  const io = memoryIo();
  const print = io.stdout.bind(io);
  io.stdout = (text) => {
    print(text);
    if (text.includes('"epoch":1')) process.emit('SIGINT');
  };
  return io;
}

/** The result files a run wrote into `out`. */
function results(out: string): string[] {
  return readdirSync(out)
    .filter((f) => f !== 'checkpoint.safetensors' && f.endsWith('.safetensors'))
    .sort();
}

describe('cli train', () => {
  const base = path.join(dir, 'base');

  it('trains a base model: one JSON line per epoch, a checkpoint, and a VGG16 file info reads', async () => {
    const r = await cli('train', ...TINY, '--out', base);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^training on (wasm|cpu|webgpu)/);
    expect(r.err).toMatch(/Base model: step 4\/8, loss \d\.\d{4}/);
    const lines = jsonLines(r.out);
    const epochs = lines.filter((l) => 'epoch' in l);
    expect(epochs.map((e) => [e.epoch, e.step])).toEqual([
      [1, 4],
      [2, 8],
    ]);
    for (const e of epochs) {
      expect(e.trainLoss as number).toBeGreaterThan(0);
      expect(e.testAccuracy as number).toBeGreaterThanOrEqual(0);
    }
    expect(lines.filter((l) => 'file' in l).map((l) => path.basename(l.file as string))).toEqual([
      'vgg11-w0.125_Synthetic_base_vertex0.safetensors',
    ]);
    expect(existsSync(path.join(base, 'checkpoint.safetensors'))).toBe(true);
    const info = await cliJson('info', path.join(base, results(base)[0] as string));
    expect(info).toMatchObject({ layout: 'base', architecture: 'vgg11', widthScale: 0.125, classes: 10 });
    expect(info.run).toBe('base');
    expect(info.dataset).toBe('Synthetic');
  }, 120_000);

  it('grows a simplex from --from, and a run stopped after its first checkpoint resumes to the same weights', async () => {
    const mode = path.join(base, 'vgg11-w0.125_Synthetic_base_vertex0.safetensors');
    const simplex = [...TINY, '--procedure', 'simplex', '--from', mode, '--lmbd', '1e-6'];
    const whole = path.join(dir, 'whole');
    const r = await cli('train', ...simplex, '--out', whole, '--name', 'same');
    expect(r.code, r.err).toBe(0);
    expect(results(whole)).toEqual([
      'vgg11-w0.125_Synthetic_same_simplex-2v.safetensors',
      'vgg11-w0.125_Synthetic_same_vertex0.safetensors',
      'vgg11-w0.125_Synthetic_same_vertex1.safetensors',
    ]);
    const info = await cliJson('info', path.join(whole, results(whole)[0] as string));
    expect(info).toMatchObject({ layout: 'simplex', vertexCount: 2, frozen: [0], complex: [[0, 1]] });

    // Ctrl-C once the first epoch is reported.
    const cut = path.join(dir, 'cut');
    const io = ctrlCAfterFirstEpoch();
    expect(await run(['train', ...simplex, '--out', cut, '--name', 'same'], io), io.err).toBe(130);
    expect(io.err).toContain(`\`train --resume ${cut}\` goes on from it`);
    expect(results(cut)).toEqual([]);

    const resumed = await cli('train', '--resume', cut);
    expect(resumed.code, resumed.err).toBe(0);
    expect(
      jsonLines(resumed.out)
        .filter((l) => 'epoch' in l)
        .map((l) => l.epoch),
    ).toEqual([2]);
    expect(results(cut)).toEqual(results(whole));
    for (const file of results(whole)) {
      const a = readTensors(path.join(whole, file)).tensors;
      const b = readTensors(path.join(cut, file)).tensors;
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [name, t] of a) expect(b.get(name)?.data, `${file} ${name}`).toEqual(t.data);
    }
  }, 240_000);

  it("starts a simplex run's new vertices from --init, across a Ctrl-C and resume, and refuses a file of another shape", async () => {
    const mode = path.join(base, 'vgg11-w0.125_Synthetic_base_vertex0.safetensors');
    // Two VGG16 files unlike the mode (one step from other seeds), as one SimplexNet file.
    const starts: string[] = [];
    for (const seed of ['7', '8']) {
      const out = path.join(dir, `start-${seed}`);
      const r = await cli('train', ...TINY, '--seed', seed, '--stop-after', '1', '--out', out);
      expect(r.code, r.err).toBe(0);
      starts.push(path.join(out, results(out)[0] as string));
    }
    const init = path.join(dir, 'init-2v.safetensors');
    expect((await cli('convert', ...starts, init)).code).toBe(0);

    // A learning rate far below float32's resolution of the weights: the vertices stay where they start.
    const simplex = [
      ...TINY,
      '--procedure',
      'simplex',
      '--from',
      mode,
      '--vertices',
      '2',
      '--simplex-lr',
      '1e-30',
      '--init',
      init,
    ];
    const whole = path.join(dir, 'init-whole');
    const r = await cli('train', ...simplex, '--out', whole, '--name', 'init');
    expect(r.code, r.err).toBe(0);
    const vertex = (out: string, v: number) =>
      readTensors(path.join(out, `vgg11-w0.125_Synthetic_init_vertex${v}.safetensors`)).tensors;
    const furthest = (a: Map<string, { data: Float32Array }>, b: Map<string, { data: Float32Array }>) =>
      Math.max(
        ...[...a].map(([name, t]) =>
          Math.max(...t.data.map((x, i) => Math.abs(x - (b.get(name)?.data[i] ?? NaN)))),
        ),
      );
    const file = (f: string) => readTensors(f).tensors;
    expect(furthest(vertex(whole, 0), file(mode))).toBe(0);
    expect(furthest(vertex(whole, 1), file(starts[0] as string))).toBeLessThan(1e-12);
    expect(furthest(vertex(whole, 2), file(starts[1] as string))).toBeLessThan(1e-12);
    // Without --init the first new vertex starts at the centroid of the mode alone: far from these.
    expect(furthest(file(mode), file(starts[0] as string))).toBeGreaterThan(1e-3);

    // Stopped in the first vertex's stage: the checkpoint keeps the second vertex's start.
    const cut = path.join(dir, 'init-cut');
    const io = ctrlCAfterFirstEpoch();
    expect(await run(['train', ...simplex, '--out', cut, '--name', 'init'], io), io.err).toBe(130);
    const resumed = await cli('train', '--resume', cut);
    expect(resumed.code, resumed.err).toBe(0);
    for (const v of [0, 1, 2]) expect(furthest(vertex(cut, v), vertex(whole, v))).toBe(0);

    // A VGG16 file for two new vertices, a SimplexNet file for a base run, another width: refused.
    const cases: [string[], RegExp][] = [
      [
        [...simplex, '--init', starts[0] as string],
        /SHAPE_MISMATCH: vgg11-w0\.125_Synthetic_start-7_vertex0\.safetensors is a 1-vertex vgg11 .*; this run needs 2 vertices of vgg11 at width 0\.125 for 10 classes \(--init: a SimplexNet file of 2 vertices, the 2 vertices this simplex run adds, in order\)/,
      ],
      [
        [...TINY, '--init', init],
        /SHAPE_MISMATCH: init-2v\.safetensors is a 2-vertex vgg11 .*; this run needs one vertex of vgg11 .*\(--init: a VGG16 file, the vertex this base run adds\)/,
      ],
      [
        [...TINY, '--width', '0.25', '--init', starts[0] as string],
        /SHAPE_MISMATCH: .* at width 0\.125 .*; this run needs one vertex of vgg11 at width 0\.25/,
      ],
    ];
    for (const [flags, message] of cases) {
      const refused = await cli('train', ...flags, '--out', path.join(dir, 'refused'));
      expect(refused.code, refused.err).toBe(1);
      expect(refused.err).toMatch(message);
      expect(existsSync(path.join(dir, 'refused', 'checkpoint.safetensors'))).toBe(false);
    }
  }, 300_000);

  it('stops after --stop-after steps, mid-epoch, with an epoch line and the result at that step', async () => {
    const out = path.join(dir, 'short');
    const r = await cli('train', ...TINY, '--stop-after', '3', '--out', out);
    expect(r.code, r.err).toBe(0);
    const lines = jsonLines(r.out);
    expect(lines.filter((l) => 'epoch' in l).map((l) => [l.epoch, l.step])).toEqual([[1, 3]]);
    expect(results(out)).toEqual(['vgg11-w0.125_Synthetic_short_vertex0.safetensors']);
    // Resuming a finished run trains nothing more.
    const again = await cli('train', '--resume', out);
    expect(again.code, again.err).toBe(0);
    expect(jsonLines(again.out).filter((l) => 'epoch' in l)).toEqual([]);
  }, 120_000);

  it('refuses bad settings, a folder that holds a run, and a file that is not a checkpoint', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--batch-size', '0', '--out', path.join(dir, 'x')], 2, /--batch-size: At least 1\./],
      [['--procedure', 'simplex', '--out', path.join(dir, 'y')], 2, /--from: .*starts from one mode/],
      [['--width', '0.3', '--out', path.join(dir, 'z')], 2, /--width must be one of 1, 0\.5, 0\.25, 0\.125/],
      [['--out', base], 2, /already holds a run; `--resume .*base` goes on with it/],
    ];
    for (const [flags, code, message] of cases) {
      // A flag given twice takes its last value.
      const r = await cli('train', ...TINY, ...flags);
      expect(r.code, r.err).toBe(code);
      expect(r.err).toMatch(message);
    }
    const notRun = path.join(dir, 'not-a-run');
    rmSync(notRun, { recursive: true, force: true });
    const r = await cli('train', '--resume', notRun);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/checkpoint\.safetensors/);
    const weights = path.join(dir, 'weights');
    rmSync(weights, { recursive: true, force: true });
    await cli('train', ...TINY, '--base-epochs', '1', '--out', weights);
    writeFileSync(
      path.join(weights, 'checkpoint.safetensors'),
      readFileSync(path.join(base, results(base)[0] as string)),
    );
    const w = await cli('train', '--resume', weights);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(
      /BAD_CHECKPOINT: .* is not a training checkpoint: its metadata has no "checkpoint" key/,
    );
  }, 120_000);
});
