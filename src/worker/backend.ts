// Runs in the worker. The studio owns its WebGPU device: it creates adapter and device itself,
// watches device.lost from the moment the device exists, and hands the device to tfjs. tfjs
// registers kernels by backend *name*, so our factory must be registered as 'webgpu'.

import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { AdapterDescription, BackendInfo, BackendName } from '../protocol/backend';
import { BACKENDS } from '../protocol/backend';
import { escapeText } from '../protocol/displayText';
import { StudioError, toErrorInfo, type ErrorInfo } from '../protocol/errors';
import {
  activeConvGradients,
  chooseWebGpuConvGradients,
  useConvGradients,
  type ConvGradients,
} from '../engine/model/conv3x3';
import { registerWebGlKernels } from './webglKernels';
import { registerWebGpuKernels } from './webgpuKernels';

const WEBGPU_PRIORITY = 3;

let started: BackendInfo | null = null;
let lost: ErrorInfo | null = null;

/** What startBackend last answered; null before it has run. */
export function currentBackend(): BackendInfo | null {
  return started;
}

/**
 * Starts tfjs on `forced` or on the first of webgpu, webgl, cpu that works, and says why any
 * earlier one was skipped. `onDeviceLost` fires once if the GPU device is lost later.
 */
export async function startBackend(
  forced: BackendName | null,
  onDeviceLost: (error: ErrorInfo) => void,
  forcedConvGradients: ConvGradients | null = null,
): Promise<BackendInfo> {
  const order = forced ? [forced] : [...BACKENDS];
  const fallbackReasons: string[] = [];
  for (const name of order) {
    try {
      const adapter = name === 'webgpu' ? await registerOwnWebGpu(onDeviceLost) : undefined;
      if (adapter) chooseWebGpuConvGradients(adapter.software);
      if (!(await tf.setBackend(name))) throw new Error('tfjs could not initialise it');
      await tf.ready();
      // The tiled matrix-multiply transposed conv instead of tfjs's per-pixel default (conv3x3.ts).
      if (name === 'webgpu') {
        tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
        registerWebGpuKernels();
      }
      if (name === 'webgl') registerWebGlKernels();
      useConvGradients(forcedConvGradients);
      started = {
        name,
        adapter,
        fallbackReasons,
        forced: forced !== null,
        convGradients: activeConvGradients(),
        convGradientsForced: forcedConvGradients !== null,
      };
      return started;
    } catch (err) {
      fallbackReasons.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new StudioError(
    'NO_BACKEND',
    `No compute backend could start (${fallbackReasons.join('; ')}). Use a recent Chrome or Chromium.`,
    false,
  );
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
