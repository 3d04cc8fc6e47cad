// The studio's own WebGPU kernels (names, inputs and math in engine/simplex/rowKernels.ts):
// mixing a parameter's stacked vertices, the two halves of an SGD step over them, and the
// volume's squared distances. Each replaces several tfjs kernels with one, because a training
// step on a GPU is bound by tfjs's CPU cost per kernel. Shaders are specialised on the row and
// draw counts (and the distances' vertex pairs) only, a handful per run; everything else that
// changes per step is read from the `plan` input.

import * as tf from '@tensorflow/tfjs';
import { webgpu_util, type WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  MIX_ROWS,
  ROW_DISTANCES,
  SGD_APPLY,
  SGD_DIRECTION,
  planOffsets,
  registerRowKernels,
  type RowDistanceAttrs,
  type SgdKernelAttrs,
} from '../engine/simplex/rowKernels';

const WORKGROUP: [number, number, number] = [64, 1, 1];

/** tfjs's WebGPUProgram, as runWebGPUProgram reads it: a flat dispatch over the output. */
interface FlatProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames: string[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  getUserCode: () => string;
}

function flatProgram(outputShape: number[], key: string, variableNames: string[], body: string): FlatProgram {
  const dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
  return {
    outputShape,
    shaderKey: key,
    variableNames,
    dispatchLayout,
    dispatch: webgpu_util.computeDispatch(dispatchLayout, outputShape, WORKGROUP),
    workgroupSize: WORKGROUP,
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

type KernelArgs = { inputs: tf.NamedTensorMap; backend: unknown; attrs?: unknown };

function run(args: KernelArgs, program: FlatProgram, inputs: tf.TensorInfo[]): tf.TensorInfo {
  return (args.backend as WebGPUBackend).runWebGPUProgram(program, inputs, 'float32');
}

/** out[i] = Σ_r coefficients[r]·stack[r, i], unrolled over the k rows. */
function mixRows(args: KernelArgs): tf.TensorInfo {
  const { stack, coefficients } = args.inputs as { stack: tf.Tensor2D; coefficients: tf.Tensor1D };
  const [k, size] = stack.shape;
  const terms = Array.from({ length: k }, (_, r) => `C[${r}] * V[${r} * uniforms.size + index]`);
  const program = flatProgram(
    [size],
    `studioMixRows${k}`,
    ['V', 'C'],
    `
          setOutputAtIndex(index, ${terms.join(' + ')});`,
  );
  return run(args, program, [stack, coefficients]);
}

/**
 * Row r of a [k, n] variable, element i: g = wd·V[r,i] + Σ_s W[s,r]·G[s,i] + Σ_j A[r,j]·V[j,i],
 * then the new buffer μ·B[r,i] + g (or g without momentum); frozen rows keep B (or 0).
 */
function sgdDirection(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs as SgdKernelAttrs;
  const { variable, buffer, grads, plan } = args.inputs as Record<string, tf.Tensor2D>;
  const { rows: k, draws } = attrs;
  const at = planOffsets(attrs);
  const fromGrads = Array.from(
    { length: draws },
    (_, s) => `g = g + P[${at.weights + s * k} + r] * G[${s} * n + i];`,
  );
  const fromRows = attrs.pull
    ? Array.from({ length: k }, (_, j) => `g = g + P[${at.pull} + r * ${k} + ${j}] * V[${j} * n + i];`)
    : [];
  const names = attrs.momentum ? ['V', 'B', 'G', 'P'] : ['V', 'G', 'P'];
  const key = `studioSgdDirection${k}_${draws}_${attrs.pull ? 'pull' : ''}_${attrs.momentum ? 'mom' : ''}`;
  const program = flatProgram(
    (variable as tf.Tensor2D).shape,
    key,
    names,
    `
          let n = uniforms.outShape[1];
          let r = index / n;
          let i = index - r * n;
          let old = ${attrs.momentum ? 'B[index]' : '0.0'};
          if (P[${at.trainable} + r] < 0.5) {
            setOutputAtIndex(index, old);
            return;
          }
          var g = P[2] * V[index];
          ${fromGrads.join('\n          ')}
          ${fromRows.join('\n          ')}
          setOutputAtIndex(index, ${attrs.momentum ? 'P[1] * old + g' : 'g'});`,
  );
  const inputs = attrs.momentum ? [variable, buffer, grads, plan] : [variable, grads, plan];
  return run(args, program, inputs as tf.TensorInfo[]);
}

/** V − lr·D on trainable rows, V elsewhere. */
function sgdApply(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs as SgdKernelAttrs;
  const { variable, direction, plan } = args.inputs as Record<string, tf.Tensor2D>;
  const at = planOffsets(attrs);
  const program = flatProgram(
    (variable as tf.Tensor2D).shape,
    `studioSgdApply${attrs.rows}_${at.trainable}`,
    ['V', 'D', 'P'],
    `
          let r = index / uniforms.outShape[1];
          if (P[${at.trainable} + r] < 0.5) {
            setOutputAtIndex(index, V[index]);
          } else {
            setOutputAtIndex(index, V[index] - P[0] * D[index]);
          }`,
  );
  return run(args, program, [variable, direction, plan] as tf.TensorInfo[]);
}

/** S[p, c] + Σ_{i ≡ c} (V[a_p, i] − V[b_p, i])²: neighbouring threads read neighbouring weights. */
function rowDistances(args: KernelArgs): tf.TensorInfo {
  const { stack, sums } = args.inputs as { stack: tf.Tensor2D; sums: tf.Tensor2D };
  const { pairs } = args.attrs as RowDistanceAttrs;
  const choose = Array.from(
    { length: pairs.length / 2 },
    (_, p) => `case ${p}: { a = ${pairs[2 * p]}; b = ${pairs[2 * p + 1]}; }`,
  );
  const program = flatProgram(
    sums.shape,
    `studioRowDistances_${pairs.join('_')}`,
    ['V', 'S'],
    `
          let columns = uniforms.outShape[1];
          let p = index / columns;
          let size = uniforms.vShape[1];
          var a = 0;
          var b = 0;
          switch (p) {
            ${choose.join('\n            ')}
            default: {}
          }
          var s = S[index];
          for (var i = index - p * columns; i < size; i = i + columns) {
            let d = V[a * size + i] - V[b * size + i];
            s = s + d * d;
          }
          setOutputAtIndex(index, s);`,
  );
  return run(args, program, [stack, sums]);
}

/** Registers the kernels for tfjs's 'webgpu' backend. */
export function registerWebGpuKernels(): void {
  registerRowKernels('webgpu', {
    [MIX_ROWS]: mixRows,
    [SGD_DIRECTION]: sgdDirection,
    [SGD_APPLY]: sgdApply,
    [ROW_DISTANCES]: rowDistances,
  });
}
