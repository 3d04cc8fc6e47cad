// The benchmark in Node, started as the CLI starts (cli/backend.ts): on Dawn (the `webgpu`
// package: Chromium's WebGPU implementation as a Node addon), for GPU machines that have a Vulkan
// driver but no browser, or on the wasm or CPU backend. The same engine measurements
// as in the tab (engine/bench/measure.ts) on the same synthetic set, generated in memory. There is
// no storage: loader_img_s is the batches alone (augmentation and upload, what a training step
// runs), and import_mb_s, import_idx_mb_s and import_folder_img_s are left out.

import * as tf from '@tensorflow/tfjs';
import type { BenchParams, BenchResult } from '../../src/protocol/commands/bench';
import type { BackendName } from '../../src/protocol/backend';
import { startNodeBackend } from '../../src/cli/backend';
import { generateSynthetic } from '../../src/engine/data/synthetic';
import { imageCount, type LabeledImages } from '../../src/engine/data/labeledImages';
import {
  emitShape,
  loaderImagesPerSecond,
  measureTraining,
  profileSteps,
  type Emit,
} from '../../src/engine/bench/measure';

export async function benchInNode(
  params: BenchParams,
  backend: BackendName,
  emit: Emit,
): Promise<BenchResult> {
  const measurements: Record<string, number | string> = {};
  const record: Emit = (name, value) => {
    measurements[name] = value;
    emit(name, value);
  };
  if (backend === 'webgl') throw new Error('--host node has no WebGL');
  const started = await startNodeBackend(backend);
  record('backend', tf.getBackend());
  record(
    'adapter',
    started.adapter ? `${started.adapter.vendor} ${started.adapter.architecture}`.trim() : 'none',
  );
  if (started.threads !== undefined) record('threads', started.threads);
  if (started.kernels !== undefined) record('wasm_kernels', started.kernels);
  emitShape(params, record);
  const synthetic = generateSynthetic();
  const data = {
    numClasses: synthetic.classNames.length,
    train: withCount(synthetic.train),
    test: withCount(synthetic.test),
  };
  const profiles = params.profile ? await profileSteps(params, data) : null;
  for (const profile of profiles ?? [])
    record(`step_ms_${profile.convGradients}_conv_gradients`, profile.stepMs);
  // Loaded after the backend started: tfjs's WebGPU package registers only where it sees navigator.gpu.
  const { benchCompiledStep } = await import('../../src/worker/backend');
  await measureTraining(params, data, record, benchCompiledStep());
  record('loader_img_s', loaderImagesPerSecond(data, params.batchSize, performance.now()));
  return { measurements, profiles };
}

function withCount(split: LabeledImages) {
  return { ...split, count: imageCount(split) };
}
