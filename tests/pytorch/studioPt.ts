// The studio's side of the .pt round trip (tests/pytorch/check_pt.py is PyTorch's): a PreResNet-8
// complex of three vertices (two modes, one connector, random batch-norm statistics) exported as
// PyTorch .pt files by the Export section's code, and the CLI's logits on the CIFAR-10 fixture at a
// vertex and at a point of the complex, with the stored statistics (what PyTorch's eval mode uses).
//
//   npx tsx tests/pytorch/studioPt.ts OUT_DIR [CIFAR_DIR]

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { memoryIo } from '../../src/cli/io';
import { run } from '../../src/cli/run';
import { initVertex } from '../../src/engine/model/init';
import { Rng } from '../../src/engine/util/rng';
import type { ModelSpec } from '../../src/protocol/architecture';
import { network } from '../../src/protocol/network';
import {
  simplexFileName,
  simplexParts,
  vertexFileName,
  vertexParts,
} from '../../src/worker/library/exportFiles';
import { summarise, type ModelRecord } from '../../src/worker/storage/models';

const [, , outArg, cifarArg] = process.argv;
if (!outArg) throw new Error('usage: studioPt.ts OUT_DIR [CIFAR_DIR]');
const out = outArg;
const CIFAR10 = path.join(
  cifarArg ?? path.resolve('../shared/fixtures/cifar-layout'),
  'cifar-10-binary.tar.gz',
);
const IMAGES = 16;
const COEFFS = [0.2, 0, 0.8];
const VERTEX = 2;
mkdirSync(out, { recursive: true });

const spec: ModelSpec = { architecture: 'preresnet8', widthScale: 1, numClasses: 10 };
const rng = new Rng(41);
const model: ModelRecord = {
  id: 'pt-interop',
  name: 'PT interop',
  kind: 'complex',
  spec,
  vertices: [0, 1, 2].map(() => initVertex(spec, rng, 'simplex')),
  statistics: network(spec).batchNorms.map((l) => ({
    mean: new Float32Array(l.channels).map(() => rng.normal() * 0.1),
    variance: new Float32Array(l.channels).map(() => 0.5 + rng.next()),
    batches: 123,
  })),
  complex: [
    [0, 2],
    [1, 2],
  ],
  frozen: [true, true, false],
  roles: ['mode', 'mode', 'connector'],
  dataset: { id: 'cifar10', name: 'CIFAR-10' },
  normalisation: null,
  training: null,
  metrics: null,
  source: { kind: 'run', runId: 'pt', runName: 'PT interop' },
  createdAt: Date.UTC(2026, 11, 7),
};
const summary = summarise(model);
const simplexFile = path.join(out, simplexFileName(summary, 'pt'));
const vertexFile = path.join(out, vertexFileName(summary, VERTEX, 'pt'));
writeFileSync(simplexFile, Buffer.concat(simplexParts(model, 'pt')));
writeFileSync(vertexFile, Buffer.concat(vertexParts(model, VERTEX, 'pt')));

async function logits(weights: string, where: string[]): Promise<number[][]> {
  const file = path.join(out, 'logits.json');
  const io = memoryIo();
  const status = await run(
    [
      'eval',
      '--weights',
      weights,
      '--data',
      CIFAR10,
      '--limit',
      String(IMAGES),
      '--logits',
      file,
      '--bn',
      'stored',
      ...where,
    ],
    io,
  );
  if (status !== 0) throw new Error(io.err);
  const values = JSON.parse(readFileSync(file, 'utf8')) as number[][];
  rmSync(file);
  return values;
}

writeFileSync(
  path.join(out, 'expected.json'),
  JSON.stringify({
    simplex: path.basename(simplexFile),
    vertex: path.basename(vertexFile),
    images: IMAGES,
    coeffs: COEFFS,
    simplexLogits: await logits(simplexFile, ['--coeffs', COEFFS.join(',')]),
    vertexLogits: await logits(vertexFile, []),
  }),
);
console.log(`wrote ${path.basename(simplexFile)}, ${path.basename(vertexFile)} and expected.json to ${out}`);
