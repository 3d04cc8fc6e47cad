// Runs in the worker: the benchmark. Every training number comes from the real trainer (the one
// the Train section drives) on the built-in synthetic set, timed between its metric reads in the
// last stage, after warm-up; the baseline is the same VGG trained the naive way in the same run
// (engine/bench/measure.ts). Here it adds what needs storage: the loader reads the stored set, and
// the import writes a generated CIFAR-10 tarball into storage, so run it in a fresh browser
// profile (`npm run bench` does).

import * as tf from '@tensorflow/tfjs';
import type { BenchCommands, BenchMeasurement } from '../../protocol/commands/bench';
import { emitShape, loaderImagesPerSecond, measureTraining, profileSteps } from '../../engine/bench/measure';
import { tarArchive } from '../../engine/bench/tarWriter';
import { toCifar10Records } from '../../engine/data/synthetic';
import type { TrainingData } from '../../engine/train/trainingData';
import { currentBackend } from '../backend';
import { importIntoStorage } from '../storage/datasetImport';
import { loadSplit } from '../storage/datasets';
import type { Handlers } from './types';

export const benchHandlers: Handlers<BenchCommands> = {
  async bench(params, ctx) {
    const measurements: Record<string, number | string> = {};
    const emit = (name: string, value: number | string) => {
      measurements[name] = value;
      ctx.progress({ name, value } satisfies BenchMeasurement);
    };
    const backend = currentBackend();
    emit('backend', tf.getBackend());
    emit(
      'adapter',
      backend?.adapter ? `${backend.adapter.vendor} ${backend.adapter.architecture}`.trim() : 'none',
    );
    emitShape(params, emit);

    // Profiles first: they are short, and tell where a slow run's time goes before it ends.
    const profiles = params.profile ? await profileSteps(params, await loadTrainingData()) : null;
    for (const profile of profiles ?? []) {
      emit(`step_ms_${profile.convGradients}_conv_gradients`, profile.stepMs);
    }

    const loaderStart = performance.now();
    const data = await loadTrainingData();
    const loader = loaderImagesPerSecond(data, params.batchSize, loaderStart);
    await measureTraining(params, data, emit);
    emit('loader_img_s', loader);
    emit('import_mb_s', await importMegabytesPerSecond(data, ctx.signal));

    return { measurements, profiles };
  },
};

async function loadTrainingData(): Promise<TrainingData> {
  const [train, test] = await Promise.all([loadSplit('synthetic', 'train'), loadSplit('synthetic', 'test')]);
  return { numClasses: train.numClasses, train, test };
}

/** Record megabytes per second through the real importer, from a gzipped official-layout tarball. */
async function importMegabytesPerSecond(data: TrainingData, signal: AbortSignal): Promise<number> {
  const tar = tarArchive([
    { name: 'cifar-10-batches-bin/data_batch_1.bin', data: toCifar10Records(data.train) },
    { name: 'cifar-10-batches-bin/test_batch.bin', data: toCifar10Records(data.test) },
  ]);
  const gzipped = await new Response(
    new Blob([tar]).stream().pipeThrough(new CompressionStream('gzip')),
  ).blob();
  const file = new File([gzipped], 'cifar-10-binary.tar.gz');
  const start = performance.now();
  await importIntoStorage([file], signal, () => undefined);
  return tar.length / 1e6 / ((performance.now() - start) / 1000);
}
