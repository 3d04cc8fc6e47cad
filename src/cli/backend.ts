// The one start-up of tfjs in Node, for every command (eval, convert, train, surface), the
// benchmark's `--host node` and the unit tests. Requested:
// - 'webgpu': Dawn (the `webgpu` package, Chromium's WebGPU as a Node addon) through the worker's
//   own WebGPU start-up (the studio's device, kernels and conv-gradient choice);
// - 'wasm': tfjs's wasm backend (XNNPACK, SIMD, one thread in Node), the studio's CPU path;
// - 'cpu': tfjs's plain-JavaScript CPU backend, the reference the other two are tested against;
// - 'auto' (the default): webgpu where Dawn finds a hardware GPU adapter, else wasm.
// tfjs prints a banner suggesting tfjs-node on the first tensor write; its PROD flag silences
// tfjs's logging (and nothing else), so stderr stays the single error line the CLI promises.

import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { AdapterDescription, WasmKernelUse } from '../protocol/backend';
import { StudioError } from '../protocol/errors';
import { startWasmBackend } from '../engine/backend/wasm';

export const NODE_BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export type NodeBackendRequest = (typeof NODE_BACKENDS)[number];

export interface NodeBackend {
  name: 'webgpu' | 'wasm' | 'cpu';
  /** The Dawn adapter, on webgpu. */
  adapter?: AdapterDescription;
  /** XNNPACK's SIMD build and thread count, on wasm. */
  simd?: boolean;
  threads?: number;
  /** What runs on the studio's own SIMD kernels, on wasm. */
  kernels?: WasmKernelUse;
  /** Why this backend: requested, or what 'auto' found. */
  reason: string;
}

let started: NodeBackend | null = null;
let startedFor: NodeBackendRequest | null = null;

export function isNodeBackendRequest(value: string): value is NodeBackendRequest {
  return (NODE_BACKENDS as readonly string[]).includes(value);
}

/**
 * Starts tfjs on `requested` and says what started. Asking again for what is running is free;
 * a failed 'webgpu' or 'wasm' request throws NO_BACKEND with the reason.
 */
export async function startNodeBackend(requested: NodeBackendRequest = 'auto'): Promise<NodeBackend> {
  tf.env().set('PROD', true);
  if (started && startedFor === requested && tf.getBackend() === started.name) return started;
  try {
    started = await start(requested);
    startedFor = requested;
  } catch (err) {
    if (err instanceof StudioError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new StudioError('NO_BACKEND', `The ${requested} backend could not start (${detail}).`, false);
  }
  return started;
}

async function start(requested: NodeBackendRequest): Promise<NodeBackend> {
  if (requested === 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs could not initialise its CPU backend');
    await tf.ready();
    return { name: 'cpu', reason: 'requested' };
  }
  if (requested === 'webgpu' || requested === 'auto') {
    const gpu = await dawnAdapter(requested === 'auto');
    if (requested === 'webgpu') {
      if (!gpu.adapter) throw new Error(gpu.missing);
      return startDawn('requested');
    }
    if (gpu.adapter && !gpu.adapter.software) return startDawn('Dawn found a GPU');
    const wasm = await startWasmBackend();
    return {
      name: 'wasm',
      ...wasm,
      reason: gpu.adapter ? 'Dawn found only a software adapter' : gpu.missing,
    };
  }
  const wasm = await startWasmBackend();
  return { name: 'wasm', ...wasm, reason: 'requested' };
}

type DawnProbe =
  { adapter: AdapterDescription; missing?: undefined } | { adapter?: undefined; missing: string };

/** Loads Dawn and asks it for an adapter, once; makes navigator.gpu the studio's WebGPU. */
async function dawnAdapter(probing: boolean): Promise<DawnProbe> {
  if (probing && !hasVulkanLoader())
    return { missing: 'no Vulkan loader (libvulkan.so.1), so Dawn has no GPU' };
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (err) {
    return { missing: `Dawn did not load (${err instanceof Error ? err.message : String(err)})` };
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { missing: 'Dawn found no GPU adapter' };
  const { describeAdapter } = await import('../worker/backend');
  return { adapter: describeAdapter(adapter.info) };
}

/**
 * Dawn runs on Vulkan on Linux: without the loader it finds no adapter and prints a warning on
 * stderr, so the probe is skipped (elsewhere Dawn has Metal or D3D12 and is always asked).
 */
function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((dir) => existsSync(path.join(dir, 'libvulkan.so.1')));
}

async function startDawn(reason: string): Promise<NodeBackend> {
  // After navigator.gpu exists: tfjs's WebGPU package registers its backend only if it sees one.
  const { startBackend } = await import('../worker/backend');
  const info = await startBackend({
    forced: 'webgpu',
    onDeviceLost: (error) => {
      console.error(`error: ${error.code}: ${error.message}`);
    },
  });
  return { name: 'webgpu', adapter: info.adapter, reason };
}
