// `reproduce`: the paper's central claim (Benton et al. 2021, Fig. 8) as one command. For each seed
// it trains K independent base models (the deep ensemble, DE) and K simplexes of three vertices,
// each grown from a further base model (the ESPRO components), every one a member: an independent
// `train` then `eval` process with its own folder, so members run side by side (--jobs), one per
// array task on a cluster (--member I), and a run stopped half way goes on where it was. Then it
// reports, for k = 1…K members, the test error, NLL, ECE and Brier of DE and of ESPRO with what
// their members cost to train. Runs in Node; the members run the CLI's own train and eval.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { averageProbs } from '../engine/eval/ensemble';
import { classificationMetrics, softmax } from '../engine/eval/metrics';
import { StudioError } from '../protocol/errors';
import {
  addCosts,
  memberCost,
  reportCsv,
  reportHtml,
  reportJson,
  reportMarkdown,
  summarise,
  type MemberCost,
  type ReproduceMember,
  type ReproduceMethod,
  type ReproduceReport,
  type ReproduceRow,
} from '../protocol/reproduceReport';
import { defaultSettings } from '../protocol/settings';
import { badArgument, intFlag, numberList, parseCommand, stringFlag } from './args';
import { loadEvalData, parseFormat } from './cifarData';
import { REPRODUCE_HELP } from './help';
import { EXIT_FAILED, EXIT_OK, type CliIo } from './io';
import { printJson } from './output';
import { writeOutput } from './outputFile';

interface Preset {
  /** `train` flags of every member (the procedure's are added per method). */
  train: string[];
  members: number;
  seeds: number[];
  /** Points drawn on each ESPRO simplex. */
  points: number;
}

/**
 * cpu: VGG11-BN at width 1/8 on the first 20,000 training images of Fashion-MNIST, batches of 64
 * (the reference's rates scaled: 0.025 and 0.005), no augmentation, 3 base epochs, then 2 vertices
 * of 1 epoch with 2 draws a step; 3 members, 2 seeds, 10 points per simplex: about 25 minutes here
 * with --jobs 2. paper: the reference's VGG16 and its epochs (300 for a base model, 10 per vertex),
 * 4 members as Fig. 8, 3 seeds, 25 points.
 */
export const REPRODUCE_PRESETS: Record<string, Preset> = {
  cpu: {
    train: [
      ...['--architecture', 'vgg11bn', '--width', '0.125', '--batch-size', '64', '--no-augment'],
      ...['--base-epochs', '3', '--epochs-per-vertex', '1', '--n-sample', '2'],
      ...['--train-limit', '20000', '--test-limit', '2000'],
    ],
    members: 3,
    seeds: [1, 2],
    points: 10,
  },
  paper: { train: ['--architecture', 'vgg16', '--width', '1'], members: 4, seeds: [1, 2, 3], points: 25 },
};

/** What makes a member one method or the other, on top of the preset's flags. */
const METHOD_FLAGS: Record<ReproduceMethod, string[]> = {
  DE: ['--procedure', 'base'],
  ESPRO: ['--procedure', 'ensemble', '--components', '1', '--vertices', '2'],
};

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  data: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  preset: { type: 'string' },
  seeds: { type: 'string' },
  members: { type: 'string' },
  points: { type: 'string' },
  jobs: { type: 'string' },
  member: { type: 'string' },
  collect: { type: 'boolean' },
  list: { type: 'boolean' },
  backend: { type: 'string' },
  'test-limit': { type: 'string' },
} as const;

interface Member extends ReproduceMember {
  /** The member's run folder. */
  dir: string;
  /** Seeds its run (distinct for every member of every seed). */
  runSeed: number;
}

interface Plan {
  data: string;
  out: string;
  preset: string;
  train: string[];
  points: number;
  backend: string | undefined;
  testLimit: number;
  format: string | undefined;
  members: Member[];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

export async function reproduceCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('reproduce', argv, OPTIONS);
  if (values.help === true) {
    io.stdout(REPRODUCE_HELP);
    return EXIT_OK;
  }
  // Everything after `--` is for train; parseArgs lists it with any stray word before it.
  const forTrain = argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : [];
  if (positionals.length !== forTrain.length) {
    throw badArgument(
      `reproduce takes no positional arguments (got "${positionals[0] ?? ''}"); train flags go after --`,
    );
  }
  const plan = planOf(values, forTrain);
  if (values.list === true) {
    printJson(io, {
      members: plan.members.map((m, i) => ({ index: i, id: m.id, seed: m.runSeed, state: m.state })),
    });
    return EXIT_OK;
  }
  const memberFlag = intFlag(values, 'member', 0);
  if (memberFlag !== undefined) {
    const member = plan.members[memberFlag];
    if (!member) {
      throw badArgument(
        `--member must be from 0 to ${plan.members.length - 1} (this plan has ${plan.members.length} members)`,
      );
    }
    const failure = await runMember(member, plan, io);
    printJson(io, {
      member: member.id,
      state: failure === null ? 'finished' : 'failed',
      ...(failure ? { note: failure } : {}),
    });
    return failure === null ? EXIT_OK : EXIT_FAILED;
  }
  if (values.collect !== true) {
    const jobs = intFlag(values, 'jobs', 1, 64) ?? 1;
    const todo = plan.members.filter((m) => m.state !== 'finished');
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(jobs, todo.length) }, async () => {
        while (next < todo.length) {
          const member = todo[next++] as Member;
          await runMember(member, plan, io);
        }
      }),
    );
  }
  const report = await collect(plan);
  const base = path.join(plan.out, 'report');
  const plotly = readFileSync(createRequire(import.meta.url).resolve('plotly.js-dist-min'), 'utf8');
  const outputs: [string, string][] = [
    [`${base}.csv`, reportCsv(report)],
    [`${base}.json`, reportJson(report)],
    [`${base}.md`, reportMarkdown(report)],
    [`${base}.html`, reportHtml(report, plotly)],
  ];
  for (const [file, text] of outputs) await writeOutput(file, text, { force: true, inputs: [] });
  const files = outputs.map(([file]) => file);
  const missing = report.members.filter((m) => m.state === 'missing');
  printJson(io, {
    dataset: report.dataset,
    preset: report.preset,
    members: {
      finished: report.members.length - missing.length,
      missing: missing.map((m) => `${m.id}: ${m.note ?? ''}`),
    },
    summary: summarise(report).map((s) => ({
      k: s.k,
      method: s.method,
      seeds: s.seeds,
      error: s.error[0],
      nll: s.nll[0],
    })),
    files,
  });
  // --collect reports what is there; a full run whose members did not all finish failed.
  return missing.length > 0 && values.collect !== true ? EXIT_FAILED : EXIT_OK;
}

function planOf(values: Record<string, string | boolean | undefined>, extra: string[]): Plan {
  const data = stringFlag(values, 'data');
  const out = stringFlag(values, 'out');
  if (data === undefined)
    throw badArgument('reproduce needs --data DATA (a CIFAR tarball, an IDX folder or an image folder)');
  if (out === undefined) throw badArgument('reproduce needs --out DIR, the folder of its members and report');
  const presetName = stringFlag(values, 'preset') ?? 'cpu';
  const preset = Object.hasOwn(REPRODUCE_PRESETS, presetName) ? REPRODUCE_PRESETS[presetName] : undefined;
  if (!preset)
    throw badArgument(
      `--preset must be one of ${Object.keys(REPRODUCE_PRESETS).join(', ')}, not "${presetName}"`,
    );
  const seedsText = stringFlag(values, 'seeds');
  const seeds = seedsText === undefined ? preset.seeds : numberList('seeds', seedsText);
  if (seeds.some((s) => !Number.isSafeInteger(s) || s < 1) || new Set(seeds).size !== seeds.length) {
    throw badArgument(`--seeds must be different whole numbers ≥ 1, not "${seedsText ?? ''}"`);
  }
  const k = intFlag(values, 'members', 1, 100) ?? preset.members;
  const points = intFlag(values, 'points', 1, 1000) ?? preset.points;
  const testLimit = intFlag(values, 'test-limit', 0) ?? 0;
  const format = stringFlag(values, 'format');
  parseFormat(format);
  const backend = stringFlag(values, 'backend');
  const root = path.resolve(out);
  const members: Member[] = seeds.flatMap((seed) =>
    (['DE', 'ESPRO'] as const).flatMap((method) =>
      Array.from({ length: k }, (_, i): Member => {
        const id = `seed-${seed}/${method === 'DE' ? 'de' : 'espro'}-${i + 1}`;
        const dir = path.join(root, id);
        return {
          id,
          dir,
          seed,
          method,
          index: i + 1,
          // DE members and ESPRO's base models never share a seed: they are independent modes.
          runSeed: 1000 * seed + (method === 'DE' ? 0 : 500) + i + 1,
          state: existsSync(path.join(dir, EVAL_FILE)) ? 'finished' : 'missing',
        };
      }),
    ),
  );
  return {
    data: path.resolve(data),
    out: root,
    preset: presetName,
    // Flags after `--` go to every member's train, after the preset's (the last of a flag wins).
    train: [...preset.train, ...extra],
    points,
    backend,
    testLimit,
    format,
    members,
  };
}

/** A member's evaluation, its test logits (DE) or log averaged probabilities (ESPRO). */
const EVAL_FILE = 'eval.json';
const LOGITS_FILE = 'test-logits.json';

/**
 * Trains (or resumes) and evaluates one member, its processes' output beside its folder
 * (DIR.train.jsonl, DIR.train.err, DIR.eval.err). Null when it finished, else why not.
 */
async function runMember(member: Member, plan: Plan, io: CliIo): Promise<string | null> {
  if (existsSync(path.join(member.dir, EVAL_FILE))) return null;
  const started = performance.now();
  const common = plan.backend === undefined ? [] : ['--backend', plan.backend];
  const format = plan.format === undefined ? [] : ['--format', plan.format];
  try {
    if (resultFile(member) === null) {
      io.stderr(`${member.id}: training\n`);
      const resume = existsSync(path.join(member.dir, 'checkpoint.safetensors'));
      const args = resume
        ? ['train', '--resume', member.dir, '--data', plan.data, ...format, ...common]
        : [
            ...[
              'train',
              '--data',
              plan.data,
              ...format,
              '--out',
              member.dir,
              '--seed',
              String(member.runSeed),
            ],
            ...METHOD_FLAGS[member.method],
            ...plan.train,
            ...common,
          ];
      await child(args, `${member.dir}.train.jsonl`, `${member.dir}.train.err`);
    }
    const weights = resultFile(member);
    if (weights === null) throw new Error(`train wrote no result file into ${member.dir}`);
    io.stderr(`${member.id}: evaluating on the test split\n`);
    const point =
      member.method === 'DE'
        ? ['--vertex', '0']
        : ['--samples', String(plan.points), '--seed', String(member.runSeed)];
    const evalArgs = [
      ...['eval', '--weights', weights, '--data', plan.data, ...format, '--split', 'test', ...point],
      ...['--logits', path.join(member.dir, LOGITS_FILE), '--force', ...common],
      ...(plan.testLimit > 0 ? ['--limit', String(plan.testLimit)] : []),
    ];
    // The evaluation is written last, under its final name only once complete: it marks the member done.
    const tmp = path.join(member.dir, `${EVAL_FILE}.part`);
    await child(evalArgs, tmp, `${member.dir}.eval.err`, 'w');
    renameSync(tmp, path.join(member.dir, EVAL_FILE));
    io.stderr(`${member.id}: finished in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    return null;
  } catch (err) {
    const note = err instanceof Error ? err.message : String(err);
    io.stderr(`${member.id}: ${note}\n`);
    return note;
  }
}

/** The member's result: an ESPRO member's SimplexNet file, a DE member's one vertex. */
function resultFile(member: Member): string | null {
  if (!existsSync(member.dir)) return null;
  const names = readdirSync(member.dir).filter(
    (f) => f.endsWith('.safetensors') && f !== 'checkpoint.safetensors',
  );
  const pick =
    member.method === 'DE'
      ? names.find((f) => f.endsWith('_vertex0.safetensors'))
      : names.find((f) => !/_vertex\d+\.safetensors$/.test(f));
  return pick === undefined ? null : path.join(member.dir, pick);
}

/** Runs the CLI on `args` as a child process, stdout into `stdoutFile`; rejects with its error line. */
function child(args: string[], stdoutFile: string, stderrFile: string, mode: 'a' | 'w' = 'a'): Promise<void> {
  mkdirSync(path.dirname(stdoutFile), { recursive: true });
  const out = openSync(stdoutFile, mode);
  const err = openSync(stderrFile, 'w');
  return new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      stdio: ['ignore', out, err],
    });
    p.on('error', reject);
    p.on('close', (code) => {
      closeSync(out);
      closeSync(err);
      if (code === 0) resolve();
      else
        reject(new Error(errorLine(stderrFile) ?? `${args[0] ?? ''} exited with status ${code ?? 'null'}`));
    });
  });
}

/** The child's one "error: CODE: message" line, where it printed one. */
function errorLine(file: string): string | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.reverse().find((l) => l.startsWith('error: ')) ?? null;
}

/** What a finished member cost, from its train process's epoch lines. */
function costOf(member: Member, batchSize: number): MemberCost {
  const epochs = readFileSync(`${member.dir}.train.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{"stage"'))
    .map((l) => JSON.parse(l) as { step: number; seconds: number });
  return memberCost(epochs, batchSize);
}

function lastFlag(args: readonly string[], name: string): string | undefined {
  const i = args.lastIndexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function collect(plan: Plan): Promise<ReproduceReport> {
  const data = await loadEvalData(plan.data, {
    format: parseFormat(plan.format),
    split: 'test',
    limit: plan.testLimit,
  });
  const labels = data.split.labels;
  const classes = data.numClasses;
  const batchSize = Number(lastFlag(plan.train, '--batch-size') ?? defaultSettings('base').batchSize);
  const members: ReproduceMember[] = plan.members.map((m) => {
    const finished = existsSync(path.join(m.dir, EVAL_FILE));
    const note = finished
      ? undefined
      : (errorLine(`${m.dir}.eval.err`) ?? errorLine(`${m.dir}.train.err`) ?? 'not run yet');
    return {
      id: m.id,
      seed: m.seed,
      method: m.method,
      index: m.index,
      state: finished ? 'finished' : 'missing',
      ...(note ? { note } : {}),
    };
  });
  const rows: ReproduceRow[] = [];
  for (const seed of [...new Set(plan.members.map((m) => m.seed))]) {
    for (const method of ['DE', 'ESPRO'] as const) {
      const ordered = plan.members.filter((m) => m.seed === seed && m.method === method);
      const probs: Float32Array[] = [];
      let cost = { epochs: 0, images: 0, seconds: 0 };
      // k members are the first k: a later one without its predecessors does not make a row.
      for (const member of ordered) {
        if (!existsSync(path.join(member.dir, EVAL_FILE))) break;
        const values = readRows(path.join(member.dir, LOGITS_FILE), labels.length, classes);
        // DE members wrote logits; ESPRO members the log of their points' averaged probabilities.
        probs.push(method === 'DE' ? softmax(values, classes) : values.map((v) => Math.exp(v)));
        const c = costOf(member, batchSize);
        cost = addCosts(cost, c);
        const m = classificationMetrics(averageProbs(probs), labels, classes);
        rows.push({
          seed,
          method,
          k: probs.length,
          error: m.error,
          nll: m.nll,
          ece: m.ece,
          brier: m.brier,
          ...cost,
        });
      }
    }
  }
  return {
    preset: plan.preset,
    dataset: data.title,
    testImages: labels.length,
    points: plan.points,
    rows,
    members,
    createdAt: new Date().toISOString(),
  };
}

/** `eval --logits` rows (an array of arrays) as one row-major array, checked against the labels. */
function readRows(file: string, rows: number, classes: number): Float32Array {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as number[][];
  if (parsed.length !== rows || parsed.some((r) => r.length !== classes)) {
    throw new StudioError(
      'NOT_FOUND',
      `${file} holds ${parsed.length} rows for ${rows} test images of ${classes} classes: evaluate the member again (delete its eval.json).`,
      false,
    );
  }
  return Float32Array.from(parsed.flat());
}
