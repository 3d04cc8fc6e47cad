// Runs in the worker. The studio owns its WebGPU device: it creates adapter and device itself,
// watches device.lost from the moment the device exists, and hands the device to tfjs. tfjs
// registers kernels by backend *name*, so our factory must be registered as 'webgpu'.

import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type {
  AdapterDescription,
  BackendChoice,
  BackendInfo,
  BackendName,
  StepName,
} from '../protocol/backend';
import { escapeText } from '../protocol/displayText';
import { measureTrainingRate } from '../engine/bench/trainingRate';
import { StudioError, toErrorInfo, type ErrorInfo } from '../protocol/errors';
import {
  activeConvGradients,
  chooseWebGpuConvGradients,
  useConvGradients,
  type ConvGradients,
} from '../engine/model/conv3x3';
import { registerWebGlKernels } from './webglKernels';
import { registerWebGpuKernels } from './webgpuKernels';
import { startWasmBackend, type WasmBinaryUrls } from '../engine/backend/wasm';
import type { CompiledStepFactory } from '../engine/train/stageStep';
import { hostBatchMaker, type ChannelNormalisation, type MakeHostBatch } from '../engine/train/trainingData';
import type { LogitsEvaluatorFactory } from '../engine/eval/evaluate';
import type { CompiledTraining } from '../engine/bench/measure';
import { compiledStepFactory } from '../engine/compiled/compiledStageStep';
import {
  compiledEvaluatorFactory,
  type CompiledEvaluatorFactory,
} from '../engine/compiled/compiledEvaluator';
import { compiledReads } from '../engine/compiled/context';

const WEBGPU_PRIORITY = 3;

let started: BackendInfo | null = null;
let lost: ErrorInfo | null = null;

/** What startBackend last answered; null before it has run. */
export function currentBackend(): BackendInfo | null {
  return started;
}

export interface StartOptions {
  /** ?backend=…: this one or none. */
  forced: BackendName | null;
  /** Fires once if the GPU device is lost later. */
  onDeviceLost: (error: ErrorInfo) => void;
  /** ?conv=…. */
  convGradients?: ConvGradients | null;
  /** Where the wasm binaries are served (the worker's bundle); omitted in Node. */
  wasmBinaries?: WasmBinaryUrls;
  /** The page's remembered verdict of an earlier measured choice, if any. */
  remembered?: BackendChoice | null;
  /** ?step=…. */
  step?: StepName | null;
}

/** The two candidates measured against each other where there is no hardware GPU. */
const WITHOUT_GPU = ['wasm', 'webgl'] as const;

/**
 * Starts tfjs on `forced`, else: WebGPU on a hardware adapter; without one (no adapter, or only a
 * software one like SwiftShader), whichever of wasm and WebGL trained faster in a short warm-up
 * (measureTrainingRate), or the remembered verdict of an earlier measurement; tfjs's CPU backend
 * last. Says why every backend before the one started was skipped.
 */
export async function startBackend(options: StartOptions): Promise<BackendInfo> {
  const { forced, remembered = null } = options;
  const fallbackReasons: string[] = [];
  const info = (name: BackendName, extra: Partial<BackendInfo>): BackendInfo => {
    useConvGradients(options.convGradients ?? null);
    const step: StepName = name === 'webgpu' ? (options.step ?? 'compiled') : 'tfjs';
    if (options.step === 'compiled' && step !== 'compiled') {
      fallbackReasons.push(`the compiled step: it runs on WebGPU only, so ${name} trains with tfjs`);
    }
    started = {
      name,
      ...extra,
      fallbackReasons,
      forced: forced !== null,
      convGradients: activeConvGradients(),
      convGradientsForced: (options.convGradients ?? null) !== null,
      step,
      stepForced: (options.step ?? null) !== null,
    };
    return started;
  };
  const attempt = async (name: BackendName) => {
    try {
      return await startOne(name, options);
    } catch (err) {
      fallbackReasons.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };
  if (forced) {
    const one = await attempt(forced);
    if (one) return info(forced, one);
  } else {
    const gpu = await attempt('webgpu');
    if (gpu?.adapter && !gpu.adapter.software) return info('webgpu', gpu);
    if (gpu) fallbackReasons.push('webgpu: a software adapter, much slower than the CPU paths');
    const verdict = remembered && WITHOUT_GPU.includes(remembered.winner as 'wasm') ? remembered : null;
    const winner = verdict ? await attempt(verdict.winner) : null;
    if (verdict && winner)
      return info(verdict.winner, { ...winner, choice: { ...verdict, remembered: true } });
    const rates: Partial<Record<BackendName, number>> = {};
    for (const name of WITHOUT_GPU) {
      if (await attempt(name)) rates[name] = await measureTrainingRate();
    }
    const measured = WITHOUT_GPU.filter((name) => rates[name] !== undefined).sort(
      (a, b) => (rates[b] ?? 0) - (rates[a] ?? 0),
    )[0];
    if (measured) {
      const best = await attempt(measured);
      const choice: BackendChoice = {
        winner: measured,
        rates,
        measuredAt: new Date().toISOString(),
        remembered: false,
      };
      if (best) return info(measured, { ...best, choice });
    }
    const cpu = await attempt('cpu');
    if (cpu) return info('cpu', cpu);
  }
  throw new StudioError(
    'NO_BACKEND',
    `No compute backend could start (${fallbackReasons.join('; ')}). Use a recent Chrome or Chromium.`,
    false,
  );
}

/** Makes `name` tfjs's backend with the studio's kernels; throws why it cannot. */
async function startOne(
  name: BackendName,
  options: StartOptions,
): Promise<Pick<BackendInfo, 'adapter' | 'wasm'>> {
  if (name === 'wasm') {
    const threads = typeof navigator === 'undefined' ? undefined : navigator.hardwareConcurrency;
    return { wasm: await startWasmBackend(options.wasmBinaries, threads) };
  }
  // The studio's own WebGPU device, registered once; later starts only switch back to it.
  const adapter =
    name === 'webgpu' ? (ownAdapter ??= await registerOwnWebGpu(options.onDeviceLost)) : undefined;
  if (adapter) chooseWebGpuConvGradients(adapter.software);
  if (!(await tf.setBackend(name))) throw new Error('tfjs could not initialise it');
  await tf.ready();
  // The tiled matrix-multiply transposed conv instead of tfjs's per-pixel default (conv3x3.ts).
  if (name === 'webgpu') {
    tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
    registerWebGpuKernels();
  }
  if (name === 'webgl') registerWebGlKernels();
  return adapter ? { adapter } : {};
}

let ownAdapter: AdapterDescription | undefined;
let ownDevice: GPUDevice | null = null;

/** The compiled step where the started backend runs it (WebGPU unless ?step=tfjs), else undefined. */
export function activeCompiledStep(makeHostBatch: MakeHostBatch): CompiledStepFactory | undefined {
  // The device tfjs runs on: the compiled step shares it.
  return started?.step === 'compiled' && ownDevice
    ? compiledStepFactory(ownDevice, makeHostBatch)
    : undefined;
}

/**
 * The compiled forward pass (surfaces, ensembles) where the compiled step runs (the same choice:
 * WebGPU unless ?step=tfjs), else undefined.
 */
export function activeEvaluator(): CompiledEvaluatorFactory | undefined {
  return started?.step === 'compiled' && ownDevice ? compiledEvaluatorFactory(ownDevice) : undefined;
}

/**
 * activeEvaluator for the trainer's test evaluation and the CLI's `eval`: its inputs normalised
 * with `normalisation` (null: the reference's), as the caller's batchMaker normalises them.
 */
export function activeLogitsEvaluator(
  normalisation: ChannelNormalisation | null,
): LogitsEvaluatorFactory | undefined {
  const factory = activeEvaluator();
  return factory && ((model, split, options) => factory(model, split, { ...options, normalisation }));
}

/** activeCompiledStep and its point evaluator, with their read count, as the benchmark measures them. */
export function benchCompiledStep(): CompiledTraining | undefined {
  const factory = activeCompiledStep(hostBatchMaker());
  const evaluator = activeEvaluator();
  return factory && evaluator ? { factory, evaluator, reads: compiledReads } : undefined;
}

async function registerOwnWebGpu(onDeviceLost: (error: ErrorInfo) => void): Promise<AdapterDescription> {
  if (!('gpu' in navigator)) throw new Error('this browser has no WebGPU (navigator.gpu is missing)');
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter is available (GPU blocklisted or disabled)');
  const limits = adapter.limits;
  // The same limits tfjs asks for on its own; without them big convolutions fail to bind.
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  ownDevice = device;
  void device.lost.then((info) => {
    if (info.reason === 'destroyed') return;
    lost = deviceLostError(info.message);
    onDeviceLost(lost);
  });
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info), WEBGPU_PRIORITY);
  return describeAdapter(adapter.info);
}

/**
 * `err` as the user should read it. Once the device is lost, every GPU call fails with whatever
 * the browser throws (a readback's AbortError, createBuffer's RangeError): an unexpected failure
 * then is the loss, which a run can resume from after a reload. Messages quote file text (tensor
 * and member names, metadata), so control and bidi characters are escaped before the page shows them.
 */
export function errorInfoOf(err: unknown): ErrorInfo {
  const info = lost && !(err instanceof StudioError) ? lost : toErrorInfo(err);
  return { ...info, message: escapeText(info.message) };
}

export function describeAdapter(info: GPUAdapterInfo): AdapterDescription {
  const software =
    info.isFallbackAdapter || /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
  return {
    vendor: info.vendor || 'unknown vendor',
    architecture: info.architecture || 'unknown architecture',
    device: info.device,
    description: info.description,
    software,
  };
}

export function deviceLostError(detail: string): ErrorInfo {
  return {
    code: 'DEVICE_LOST',
    message:
      `The GPU device was lost${detail ? ` (${detail})` : ''}. This is usually the GPU running out of ` +
      'memory or the driver resetting. Reload the tab to resume from the last checkpoint, and try a ' +
      'smaller width scale or batch size.',
    recoverable: false,
  };
}
