// `npx tsx tests/pytorch/studioExports.ts OUT_DIR [CIFAR_DIR]`: what the studio exports for a mode-connecting
// complex (the Models section's simplex file and one vertex file, written by the same code), and
// the studio's own logits for both, read with the CLI's `eval`. check_interop.py loads the files
// in PyTorch with the README's snippet and compares. Width 1/4 and 100 classes on purpose: not
// the reference fixture's shapes.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { run } from '../../src/cli/run';
import type { ModelSpec } from '../../src/protocol/architecture';
import { initVertex } from '../../src/engine/model/init';
import { Rng } from '../../src/engine/util/rng';
import {
  simplexFileName,
  simplexParts,
  vertexFileName,
  vertexParts,
} from '../../src/worker/library/exportFiles';
import { summarise, type ModelRecord } from '../../src/worker/storage/models';

const [outArg, cifarDir = path.resolve(import.meta.dirname, '../../../shared/fixtures/cifar-layout')] =
  process.argv.slice(2);
if (!outArg)
  throw new Error('usage: studioExports.ts OUT_DIR [CIFAR_DIR] (CIFAR_DIR holds the fixture tarballs)');
const out: string = outArg;
const CIFAR100 = path.join(cifarDir, 'cifar-100-binary.tar.gz');
const IMAGES = 16;
/** A point inside the second simplex [1, 2, 3], in SimplexNet's vertex order. */
const COEFFS = [0, 0.2, 0.3, 0.5];
const VERTEX = 3;

mkdirSync(out, { recursive: true });

const spec: ModelSpec = { architecture: 'vgg16', widthScale: 0.25, numClasses: 100 };
const model: ModelRecord = {
  id: 'interop',
  name: 'Interop check',
  kind: 'complex',
  spec,
  // The reference's simplex init: every bias non-zero, so a misplaced one shows in the logits.
  vertices: [0, 1, 2, 3].map((i) => initVertex(spec, new Rng(100 + i), 'simplex')),
  statistics: [],
  complex: [
    [0, 1, 2],
    [1, 2, 3],
  ],
  frozen: [true, true, false, false],
  roles: ['mode', 'mode', 'connector', 'connector'],
  dataset: { id: 'cifar100', name: 'CIFAR-100' },
  normalisation: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  training: { procedure: 'complex', lr: 0.01 },
  metrics: null,
  source: { kind: 'run', runId: 'interop', runName: 'Interop check' },
  createdAt: Date.UTC(2026, 10, 26),
};
const summary = summarise(model);
const simplexFile = path.join(out, simplexFileName(summary));
const vertexFile = path.join(out, vertexFileName(summary, VERTEX));
writeFileSync(simplexFile, Buffer.concat(simplexParts(model)));
writeFileSync(vertexFile, Buffer.concat(vertexParts(model, VERTEX)));

/** The CLI's evaluation: its logits, and its report (which holds simplex 0's volume). */
async function evaluate(weights: string, where: string[]) {
  const file = path.join(out, 'logits.json');
  const io = memoryIo();
  const status = await run(
    ['eval', '--weights', weights, '--data', CIFAR100, '--limit', String(IMAGES), '--logits', file, ...where],
    io,
  );
  if (status !== 0) throw new Error(io.err);
  const logits = JSON.parse(readFileSync(file, 'utf8')) as number[][];
  rmSync(file);
  return { logits, report: JSON.parse(io.out) as { volume?: number } };
}

const atPoint = await evaluate(simplexFile, ['--coeffs', COEFFS.join(',')]);
const vertex = await evaluate(vertexFile, []);

writeFileSync(
  path.join(out, 'expected.json'),
  JSON.stringify({
    simplex: path.basename(simplexFile),
    vertex: path.basename(vertexFile),
    data: 'cifar-100-binary/test.bin',
    images: IMAGES,
    coeffs: COEFFS,
    simplexLogits: atPoint.logits,
    vertexLogits: vertex.logits,
    volume: atPoint.report.volume,
  }),
);
console.log(`wrote ${path.basename(simplexFile)}, ${path.basename(vertexFile)} and expected.json to ${out}`);
