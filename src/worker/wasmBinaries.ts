// Where the worker finds tfjs-wasm's three binaries: Vite serves them from node_modules in dev and
// copies them, hashed, into the built app, so the tab loads them from its own origin, offline.

import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { WasmBinaryUrls } from '../engine/backend/wasm';

export const WASM_BINARIES: WasmBinaryUrls = {
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd,
};
