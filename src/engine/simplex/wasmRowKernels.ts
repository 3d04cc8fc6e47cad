// The row kernels (rowKernels.ts) on tfjs's wasm backend: the same loops as on the CPU backend,
// run over views of the wasm heap, so no tensor is copied in or out. Outputs are allocated
// first: an allocation may grow the heap, which detaches every view taken before it.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  MIX_ROWS,
  ROW_DISTANCES,
  SGD_APPLY,
  SGD_DIRECTION,
  mixRowsLoop,
  registerRowKernels,
  rowDistancesLoop,
  sgdApplyLoop,
  sgdDirectionLoop,
  type RowDistanceAttrs,
  type SgdKernelAttrs,
} from './rowKernels';

interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: unknown;
}

function heap(backend: BackendWasm, tensor: tf.TensorInfo | undefined): Float32Array {
  if (!tensor) throw new Error('a row kernel input is missing');
  return backend.typedArrayFromHeap(tensor) as Float32Array;
}

function mixRowsWasm({ inputs, backend }: WasmKernelArgs): tf.TensorInfo {
  const { stack, coefficients } = inputs as { stack: tf.TensorInfo; coefficients: tf.TensorInfo };
  const [k = 0, size = 0] = stack.shape;
  const out = backend.makeOutput([size], 'float32');
  mixRowsLoop(heap(backend, stack), heap(backend, coefficients), k, size, heap(backend, out));
  return out;
}

function sgdDirectionWasm({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const shape = attrs as SgdKernelAttrs;
  const { variable, buffer, grads, plan } = inputs;
  const [k = 0, n = 0] = (variable as tf.TensorInfo).shape;
  const out = backend.makeOutput([k, n], 'float32');
  const b = shape.momentum ? heap(backend, buffer) : null;
  sgdDirectionLoop(
    shape,
    heap(backend, variable),
    b,
    heap(backend, grads),
    heap(backend, plan),
    n,
    heap(backend, out),
  );
  return out;
}

function sgdApplyWasm({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { variable, direction, plan } = inputs;
  const [k = 0, n = 0] = (variable as tf.TensorInfo).shape;
  const out = backend.makeOutput([k, n], 'float32');
  const v = heap(backend, variable);
  sgdApplyLoop(
    attrs as SgdKernelAttrs,
    v,
    heap(backend, direction),
    heap(backend, plan),
    n,
    heap(backend, out),
  );
  return out;
}

function rowDistancesWasm({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { stack, sums } = inputs;
  const { pairs } = attrs as RowDistanceAttrs;
  const [, size = 0] = (stack as tf.TensorInfo).shape;
  const [, columns = 1] = (sums as tf.TensorInfo).shape;
  const out = backend.makeOutput([pairs.length / 2, columns], 'float32');
  rowDistancesLoop(pairs, heap(backend, stack), size, heap(backend, sums), columns, heap(backend, out));
  return out;
}

/** Registers the row kernels for the wasm backend (once per process; call after it started). */
export function registerWasmRowKernels(): void {
  registerRowKernels('wasm', {
    [MIX_ROWS]: mixRowsWasm,
    [SGD_DIRECTION]: sgdDirectionWasm,
    [SGD_APPLY]: sgdApplyWasm,
    [ROW_DISTANCES]: rowDistancesWasm,
  });
}
