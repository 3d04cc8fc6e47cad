// Runs in the worker: the benchmark. Every training number comes from the real trainer (the one
// the Train section drives) on the built-in synthetic set, timed between its metric reads in the
// last stage, after warm-up; the baseline is the same VGG trained the naive way in the same run
// (engine/bench/measure.ts). Here it adds what needs storage and the browser: the loader reads the
// stored set, and the imports write a generated CIFAR-10 tarball, IDX files and a zip of PNGs
// (the browser's encoder and decoder) into storage, so run it in a fresh browser profile (`npm run
// bench` does).

import * as tf from '@tensorflow/tfjs';
import type { BenchCommands, BenchMeasurement } from '../../protocol/commands/bench';
import { emitShape, loaderImagesPerSecond, measureTraining, profileSteps } from '../../engine/bench/measure';
import { tarArchive } from '../../engine/bench/tarWriter';
import { measureEvaluationRate, measureTrainingRate } from '../../engine/bench/trainingRate';
import { zipArchive, type ZipEntry } from '../../engine/formats/zipWriter';
import { toCifar10Records } from '../../engine/data/synthetic';
import type { TrainingData } from '../../engine/train/trainingData';
import { activeEvaluator, benchCompiledStep, currentBackend } from '../backend';
import { importIntoStorage } from '../storage/datasetImport';
import { deleteDataset, loadSplit } from '../storage/datasets';
import { StudioError } from '../../protocol/errors';
import type { Handlers } from './types';
import { NUMBER_RULES, numberError } from '../../protocol/settings';

export const benchHandlers: Handlers<BenchCommands> = {
  async warmUp({ batchSize }) {
    const wrong = numberError(NUMBER_RULES.batchSize, batchSize);
    if (wrong) throw new StudioError('BAD_ARGUMENT', `The warm-up's batch size ${batchSize}: ${wrong}`);
    return {
      train: await measureTrainingRate(1500, batchSize),
      evaluation: await measureEvaluationRate(1000, 128, activeEvaluator()),
    };
  },

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
    await measureTraining(params, data, emit, benchCompiledStep());
    emit('loader_img_s', loader);
    emit('import_mb_s', await importMegabytesPerSecond(data, ctx.signal));
    emit('import_idx_mb_s', await importIdxMegabytesPerSecond(data, ctx.signal));
    emit('import_folder_img_s', await importFolderImagesPerSecond(data, ctx.signal));

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

/**
 * IDX megabytes per second through the real importer, from the four gzipped MNIST-family files
 * (32×32 gray: the red channel of the synthetic set). The dataset it stores is deleted after.
 */
async function importIdxMegabytesPerSecond(data: TrainingData, signal: AbortSignal): Promise<number> {
  const side = 32 * 32;
  const files: { name: string; bytes: Uint8Array<ArrayBuffer> }[] = [];
  for (const [prefix, split] of [
    ['train', data.train],
    ['t10k', data.test],
  ] as const) {
    const images = new Uint8Array(16 + split.count * side);
    const labels = new Uint8Array(8 + split.count);
    const imageHeader = new DataView(images.buffer);
    const labelHeader = new DataView(labels.buffer);
    [0x803, split.count, 32, 32].forEach((v, i) => {
      imageHeader.setUint32(i * 4, v);
    });
    [0x801, split.count].forEach((v, i) => {
      labelHeader.setUint32(i * 4, v);
    });
    for (let i = 0; i < split.count; i++)
      images.set(split.images.subarray(i * 3 * side, i * 3 * side + side), 16 + i * side);
    labels.set(split.labels.subarray(0, split.count), 8);
    files.push(
      { name: `${prefix}-images-idx3-ubyte`, bytes: images },
      { name: `${prefix}-labels-idx1-ubyte`, bytes: labels },
    );
  }
  const gzipped = await Promise.all(
    files.map(async ({ name, bytes }) => {
      const blob = await new Response(
        new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip')),
      ).blob();
      return new File([blob], `${name}.gz`);
    }),
  );
  const start = performance.now();
  const stored = await importIntoStorage(gzipped, signal, () => undefined, 'Benchmark IDX');
  const seconds = (performance.now() - start) / 1000;
  await deleteDataset(stored.id);
  return files.reduce((sum, f) => sum + f.bytes.length, 0) / 1e6 / seconds;
}

/** Images in the benchmark's generated image folder: enough for a steady rate, quick to encode. */
const FOLDER_TRAIN = 1000;
const FOLDER_TEST = 200;

/**
 * Images per second through the real importer from a zip of 32×32 PNGs in ImageFolder's
 * train/<class>/ and test/<class>/ layout (synthetic images, encoded by the browser before the
 * clock starts), decoded by the browser as picked folders are. The dataset it stores is deleted after.
 */
async function importFolderImagesPerSecond(data: TrainingData, signal: AbortSignal): Promise<number> {
  const canvas = new OffscreenCanvas(32, 32);
  const context = canvas.getContext('2d');
  if (!context) throw new StudioError('INTERNAL', 'No 2D canvas in this worker to encode images with.');
  const entries: ZipEntry[] = [];
  for (const [name, split, count] of [
    ['train', data.train, FOLDER_TRAIN],
    ['test', data.test, FOLDER_TEST],
  ] as const) {
    for (let i = 0; i < Math.min(count, split.count); i++) {
      const pixels = new ImageData(32, 32);
      const record = split.images.subarray(i * 3072, (i + 1) * 3072);
      for (let p = 0; p < 1024; p++) {
        pixels.data.set([record[p] ?? 0, record[1024 + p] ?? 0, record[2048 + p] ?? 0, 255], p * 4);
      }
      context.putImageData(pixels, 0, 0);
      const png = await canvas.convertToBlob({ type: 'image/png' });
      entries.push({
        name: `bench/${name}/class${split.labels[i] ?? 0}/${i}.png`,
        data: new Uint8Array(await png.arrayBuffer()),
      });
    }
  }
  const zip = new File([zipArchive(entries)], 'bench.zip');
  const start = performance.now();
  const stored = await importIntoStorage([zip], signal, () => undefined, 'Benchmark folder');
  const seconds = (performance.now() - start) / 1000;
  await deleteDataset(stored.id);
  return entries.length / seconds;
}
