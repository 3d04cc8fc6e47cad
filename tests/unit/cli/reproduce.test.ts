// `reproduce` end to end on the miniature CIFAR-10 tarball: two DE members and two ESPRO members
// trained as child processes, two at a time; the report's rows are the ensembles of their own
// predictions (checked here against the members' logits and their eval's numbers), a member
// whose evaluation is gone is listed as missing, and --member runs exactly one member.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReproduceReport } from '../../../src/protocol/reproduceReport';
import { CIFAR_LAYOUT, cli, cliJson } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-reproduce-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const DATA = path.join(CIFAR_LAYOUT, 'cifar-10-binary.tar.gz');
const tiny = [
  ...['--data', DATA, '--out', dir, '--seeds', '1', '--members', '2', '--points', '3', '--backend', 'cpu'],
  ...['--', '--architecture', 'vgg11', '--width', '0.125', '--batch-size', '8', '--train-limit', '24'],
  ...['--test-limit', '8', '--base-epochs', '1', '--epochs-per-vertex', '1'],
];
const CLASSES = 10;

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the file's shape
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const member = (name: string) => path.join(dir, 'seed-1', name);
const logits = (name: string) => readJson<number[][]>(path.join(member(name), 'test-logits.json'));

function softmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((z) => Math.exp(z - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** NLL and error of averaged probability rows, in float64. */
function scores(rows: number[][], labels: number[]): { nll: number; error: number } {
  let nll = 0;
  let wrong = 0;
  rows.forEach((p, i) => {
    const y = labels[i] as number;
    nll -= Math.log(Math.max(p[y] as number, 1e-12));
    if (p.indexOf(Math.max(...p)) !== y) wrong++;
  });
  return { nll: nll / rows.length, error: wrong / rows.length };
}

describe('cli reproduce', () => {
  it('trains DE and ESPRO members as processes and reports their ensembles for k = 1, 2', async () => {
    const r = await cli('reproduce', '--jobs', '2', ...tiny);
    expect(r.code, r.err).toBe(0);
    const printed = JSON.parse(r.out) as {
      members: { finished: number; missing: string[] };
      files: string[];
    };
    expect(printed.members).toEqual({ finished: 4, missing: [] });
    for (const file of printed.files) expect(existsSync(file)).toBe(true);

    // An ESPRO member is a simplex of three vertices grown from its own base model, seeded apart
    // from the DE members.
    const evaluated = readJson<{ model: { file: string } }>(path.join(member('espro-1'), 'eval.json'));
    const espro = await cliJson('info', evaluated.model.file);
    expect(espro).toMatchObject({ vertexCount: 3 });
    expect(logits('de-1')).not.toEqual(logits('de-2'));

    const report = readJson<ReproduceReport>(path.join(dir, 'report.json'));
    expect(report.rows.map((x) => `${x.method}${x.k}`)).toEqual(['DE1', 'DE2', 'ESPRO1', 'ESPRO2']);
    expect(report.testImages).toBe(40);
    const labels = (await import('../../../src/cli/cifarData')).loadEvalData;
    const test = await labels(DATA, { split: 'test' });
    const y = Array.from(test.split.labels);

    // DE k = 2: the two members' softmax averaged, computed here from the logits eval wrote.
    const de = logits('de-1').map((row, i) =>
      softmaxRow(row).map((p, c) => (p + (softmaxRow(logits('de-2')[i] as number[])[c] as number)) / 2),
    );
    const de2 = report.rows.find((x) => x.method === 'DE' && x.k === 2);
    const want = scores(de, y);
    expect(de2?.nll).toBeCloseTo(want.nll, 5);
    expect(de2?.error).toBeCloseTo(want.error, 10);
    // k = 1 is each method's first member alone, as its own eval measured it.
    for (const [method, name] of [
      ['DE', 'de-1'],
      ['ESPRO', 'espro-1'],
    ] as const) {
      const own = readJson<{ nll: number; error: number; n: number }>(path.join(member(name), 'eval.json'));
      const row = report.rows.find((x) => x.method === method && x.k === 1);
      expect(own.n).toBe(40);
      expect(row?.nll).toBeCloseTo(own.nll, 5);
      expect(row?.error).toBeCloseTo(own.error, 10);
    }
    // ESPRO k = 2: the two simplexes' averaged predictions, averaged.
    const ep = logits('espro-1').map((row, i) =>
      row.map((l, c) => (Math.exp(l) + Math.exp((logits('espro-2')[i] as number[])[c] as number)) / 2),
    );
    expect(report.rows.find((x) => x.method === 'ESPRO' && x.k === 2)?.nll).toBeCloseTo(scores(ep, y).nll, 5);
    expect(de[0]).toHaveLength(CLASSES);

    // Costs add up over members: one base epoch of 3 steps of 8 images for DE; ESPRO also trains
    // two vertices.
    const [d1, d2] = report.rows.filter((x) => x.method === 'DE');
    expect(d1).toMatchObject({ epochs: 1, images: 24 });
    expect(d2).toMatchObject({ epochs: 2, images: 48 });
    expect(d2?.seconds).toBeGreaterThan(d1?.seconds ?? Infinity);
    expect(report.rows.find((x) => x.method === 'ESPRO' && x.k === 1)).toMatchObject({
      epochs: 3,
      images: 72,
    });

    const md = readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/\| 2 \| ESPRO \| 1 \|/);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Plotly.newPlot');
    expect(html.length).toBeGreaterThan(1_000_000);
  }, 600_000);

  it('lists a member without its evaluation as missing, and --member I runs that one alone', async () => {
    rmSync(path.join(member('espro-2'), 'eval.json'));
    const collected = await cliJson('reproduce', '--collect', ...tiny);
    expect((collected.members as { missing: string[] }).missing).toEqual(['seed-1/espro-2: not run yet']);
    const partial = readJson<ReproduceReport>(path.join(dir, 'report.json'));
    expect(partial.rows.map((x) => `${x.method}${x.k}`)).toEqual(['DE1', 'DE2', 'ESPRO1']);

    const listed = await cliJson('reproduce', '--list', ...tiny);
    const entries = listed.members as { index: number; id: string; state: string }[];
    expect(entries.map((m) => `${m.index} ${m.id} ${m.state}`)).toEqual([
      '0 seed-1/de-1 finished',
      '1 seed-1/de-2 finished',
      '2 seed-1/espro-1 finished',
      '3 seed-1/espro-2 missing',
    ]);
    // Its weights are there: only the evaluation runs again.
    const one = await cliJson('reproduce', '--member', '3', ...tiny);
    expect(one).toEqual({ member: 'seed-1/espro-2', state: 'finished' });
    expect(existsSync(path.join(member('espro-2'), 'eval.json'))).toBe(true);

    const bad = await cli('reproduce', '--member', '4', ...tiny);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--member must be from 0 to 3/);
    const stray = await cli('reproduce', 'extra', ...tiny);
    expect(stray.code).toBe(2);
    expect(stray.err).toMatch(/no positional arguments \(got "extra"\); train flags go after --/);
  }, 300_000);
});
