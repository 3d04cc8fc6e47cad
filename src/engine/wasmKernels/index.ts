// The studio's wasm SIMD kernels (kernels.wat), instantiated once per process against tfjs-wasm's
// own memory, so they read and write tensors where tfjs keeps them, without a copy. The batch
// norm's loops use them wherever they load; the convolutions only while XNNPACK's thread pool is
// small: on one thread here the kernels run a PreResNet-20 step's convolutions 2.6× as fast as
// XNNPACK (141 against 362 ms at batch 32: Winograd's fewer products, and 20 against 7 GMAC/s for
// the direct loops), so from three threads XNNPACK's pool may be the faster.

import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { WasmKernelUse } from '../../protocol/backend';
import { PLAIN_MEMORY_KERNELS, SHARED_MEMORY_KERNELS } from './binary';

/**
 * The shape arguments the conv kernels share: images, the padded input's rows and columns, its
 * channels, the output's rows and columns, its channels.
 */
type ConvShape = [n: number, hp: number, wp: number, c: number, ho: number, wo: number, o: number];

/** The exports of kernels.wat; every pointer a byte offset into the heap (see kernels.wat). */
export interface WasmKernelExports {
  spread(
    x: number,
    xp: number,
    n: number,
    h: number,
    w: number,
    c: number,
    cp: number,
    s: number,
    before: number,
    hp: number,
    wp: number,
  ): void;
  crop(xp: number, x: number, n: number, h: number, w: number, c: number, p: number): void;
  convTranspose(
    dz: number,
    wtT: number,
    dxp: number,
    n: number,
    ho: number,
    wo: number,
    o: number,
    hp: number,
    wp: number,
    c: number,
    k: number,
    s: number,
  ): void;
  conv(
    xp: number,
    wt: number,
    bias: number,
    out: number,
    ...shape: [...ConvShape, k: number, s: number]
  ): void;
  filterGrad(
    xp: number,
    dz: number,
    dw: number,
    ...shape: [...ConvShape, k: number, s: number, zero: number]
  ): void;
  winogradFilter(wt: number, u: number, c: number, o: number): void;
  winogradConv(
    xp: number,
    u: number,
    bias: number,
    out: number,
    ...shape: [...ConvShape, v: number, m: number]
  ): void;
  winogradFilterGrad(
    xp: number,
    dz: number,
    du: number,
    dw: number,
    ...shape: [...ConvShape, v: number, m: number]
  ): void;
  bnMoments(x: number, m: number, c: number, mean: number, variance: number, acc: number): void;
  bnApply(x: number, y: number, m: number, c: number, scale: number, shift: number, relu: number): void;
  reluMask(dy: number, y: number, g: number, count: number): void;
  bnGradSums(g: number, x: number, mean: number, m: number, c: number, sumG: number, sumGx: number): void;
  bnGradApply(
    g: number,
    x: number,
    dx: number,
    m: number,
    c: number,
    gain: number,
    slope: number,
    offset: number,
  ): void;
}

/** The kernels with the heap they work in. */
export interface WasmKernels {
  run: WasmKernelExports;
  /** A tensor's byte offset in the heap. */
  at: (t: tf.TensorInfo) => number;
  /** `floats` float32s of scratch heap for `use`, freed after it (views of the heap taken inside only). */
  withScratch: <T>(floats: number, use: (at: number) => T) => T;
  /** Views of `count` float32s or float64s at byte offset `at`, on the heap as it is now (use them at once). */
  f32: (at: number, count: number) => Float32Array;
  f64: (at: number, count: number) => Float64Array;
}

interface EmscriptenHeap {
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(at: number): void;
}

/** XNNPACK's pool from which its convolutions are the faster (see the header). */
export const XNNPACK_CONV_THREADS = 3;

let loaded: WasmKernels | null = null;
let convsToo = false;

/**
 * Instantiates the kernels in `backend`'s memory (needs wasm SIMD) and says what they run.
 * `threads`: XNNPACK's pool, which decides the convolutions (header).
 */
export async function loadWasmKernels(
  backend: BackendWasm,
  simd: boolean,
  threads: number,
): Promise<WasmKernelUse> {
  convsToo = threads < XNNPACK_CONV_THREADS;
  const use = (): WasmKernelUse => (convsToo ? 'all' : 'batch norm');
  if (loaded) return use();
  if (!simd) return 'none';
  const heap = backend.wasm as unknown as EmscriptenHeap;
  const memory = heap.asm?.memory ?? heap.wasmMemory;
  if (!memory) return 'none';
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Uint8Array.from(atob(shared ? SHARED_MEMORY_KERNELS : PLAIN_MEMORY_KERNELS), (ch) =>
    ch.charCodeAt(0),
  );
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  loaded = {
    run: instance.exports as unknown as WasmKernelExports,
    at: (t) => (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset,
    withScratch: (floats, work) => {
      const at = heap._malloc(floats * 4);
      if (!at) throw new Error(`the wasm heap has no room for ${floats * 4} bytes of scratch`);
      try {
        return work(at);
      } finally {
        heap._free(at);
      }
    },
    // Views of the memory's current buffer: a growth of the heap detaches the ones taken before.
    f32: (at, count) => new Float32Array(memory.buffer, at, count),
    f64: (at, count) => new Float64Array(memory.buffer, at, count),
  };
  return use();
}

/** The kernels, where they loaded (the batch norm uses them then). */
export function wasmKernels(): WasmKernels | null {
  return loaded;
}

/** The kernels where the convolutions use them too (a small XNNPACK pool), else null. */
export function wasmConvKernels(): WasmKernels | null {
  return convsToo ? loaded : null;
}
