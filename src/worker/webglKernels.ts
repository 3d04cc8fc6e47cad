// The studio's row kernels for tfjs's WebGL backend (names, inputs and math in
// engine/simplex/rowKernels.ts): mixing a parameter's stacked vertices, and the two halves of an
// SGD step over them, one fragment shader each instead of a chain of tfjs ops (each a full pass
// over all vertices, plus a tiled mask for frozen rows), and the volume's squared distances. Shaders
// are specialised on the row and draw counts; the step's numbers (the `plan`, the coefficients)
// are uniforms, so a new learning rate or new coefficients compile nothing and the shaders sample
// no texture for them. Those inputs are made on the CPU each step and never uploaded: reading
// them here is not a GPU readback.

import * as tf from '@tensorflow/tfjs';
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

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.MathBackendWebGL; attrs?: unknown };

/** Runs `program`; `uniforms`' values fill its one uniform array (see uniformArray). */
function run(
  args: KernelArgs,
  program: tf.GPGPUProgram,
  inputs: (tf.TensorInfo | undefined)[],
  uniforms?: tf.TensorInfo,
): tf.TensorInfo {
  let values: number[][] | undefined;
  if (uniforms) {
    const numbers = Array.from(args.backend.readSync(uniforms.dataId) as Float32Array);
    values = [[...numbers, ...new Array<number>((4 - (numbers.length % 4)) % 4).fill(0)]];
  }
  return args.backend.runWebGLProgram(program, inputs as tf.TensorInfo[], 'float32', values);
}

/**
 * `size` floats as a uniform array of vec4s, read in the shader as `name(i)`: a float array
 * takes a whole vec4 slot per element, and WebGL 2 promises only 224 slots (a plan has
 * 3 + S·k + k² + k numbers).
 */
function uniformArray(
  name: string,
  size: number,
): Pick<tf.GPGPUProgram, 'customUniforms'> & { reader: string } {
  return {
    customUniforms: [{ name: `${name}Values`, arrayIndex: Math.ceil(size / 4), type: 'vec4' }],
    reader: `float ${name}(int i) { return ${name}Values[i / 4][i - 4 * (i / 4)]; }`,
  };
}

/** out[i] = Σ_r coefficient(r)·V[r, i], unrolled over the k rows. */
function mixRows(args: KernelArgs): tf.TensorInfo {
  const { stack, coefficients } = args.inputs as { stack: tf.TensorInfo; coefficients: tf.TensorInfo };
  const [k = 0, size = 0] = stack.shape;
  const terms = Array.from({ length: k }, (_, r) => `coefficient(${r}) * getV(${r}, i)`);
  const { customUniforms, reader } = uniformArray('coefficient', k);
  const program: tf.GPGPUProgram = {
    variableNames: ['V'],
    outputShape: [size],
    customUniforms,
    userCode: `
      ${reader}
      void main() {
        int i = getOutputCoords();
        setOutput(${terms.join(' + ')});
      }`,
  };
  return run(args, program, [stack], coefficients);
}

/**
 * Row r of a [k, n] variable, element i: g = wd·V[r,i] + Σ_s W[s,r]·G[s,i] + Σ_j A[r,j]·V[j,i],
 * then the new buffer μ·B[r,i] + g (or g without momentum); frozen rows keep B (or 0).
 */
function sgdDirection(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs as SgdKernelAttrs;
  const { variable, buffer, grads, plan } = args.inputs;
  const { rows: k, draws } = attrs;
  const at = planOffsets(attrs);
  const fromGrads = Array.from(
    { length: draws },
    (_, s) => `g += plan(${at.weights + s * k} + r) * getG(${s}, i);`,
  );
  const fromRows = attrs.pull
    ? Array.from({ length: k }, (_, j) => `g += plan(${at.pull} + r * ${k} + ${j}) * getV(${j}, i);`)
    : [];
  const { customUniforms, reader } = uniformArray('plan', at.trainable + k);
  const program: tf.GPGPUProgram = {
    variableNames: attrs.momentum ? ['V', 'B', 'G'] : ['V', 'G'],
    outputShape: (variable as tf.TensorInfo).shape,
    customUniforms,
    userCode: `
      ${reader}
      void main() {
        ivec2 ri = getOutputCoords();
        int r = ri.x;
        int i = ri.y;
        float old = ${attrs.momentum ? 'getB(r, i)' : '0.0'};
        if (plan(${at.trainable} + r) < 0.5) {
          setOutput(old);
          return;
        }
        float g = plan(2) * getV(r, i);
        ${fromGrads.join('\n        ')}
        ${fromRows.join('\n        ')}
        setOutput(${attrs.momentum ? 'plan(1) * old + g' : 'g'});
      }`,
  };
  return run(args, program, attrs.momentum ? [variable, buffer, grads] : [variable, grads], plan);
}

/** V − lr·D on trainable rows, V elsewhere. */
function sgdApply(args: KernelArgs): tf.TensorInfo {
  const { variable, direction, plan } = args.inputs;
  const attrs = args.attrs as SgdKernelAttrs;
  const at = planOffsets(attrs);
  const { customUniforms, reader } = uniformArray('plan', at.trainable + attrs.rows);
  const program: tf.GPGPUProgram = {
    variableNames: ['V', 'D'],
    outputShape: (variable as tf.TensorInfo).shape,
    customUniforms,
    userCode: `
      ${reader}
      void main() {
        ivec2 ri = getOutputCoords();
        float v = getV(ri.x, ri.y);
        setOutput(plan(${at.trainable} + ri.x) < 0.5 ? v : v - plan(0) * getD(ri.x, ri.y));
      }`,
  };
  return run(args, program, [variable, direction], plan);
}

/** S[p, c] + Σ_{i ≡ c} (V[a_p, i] − V[b_p, i])², the pair table unrolled. */
function rowDistances(args: KernelArgs): tf.TensorInfo {
  const { stack, sums } = args.inputs as { stack: tf.TensorInfo; sums: tf.TensorInfo };
  const { pairs } = args.attrs as RowDistanceAttrs;
  const size = stack.shape[1] ?? 0;
  const choose = Array.from(
    { length: pairs.length / 2 },
    (_, p) => `if (p == ${p}) { a = ${pairs[2 * p]}; b = ${pairs[2 * p + 1]}; }`,
  );
  const program: tf.GPGPUProgram = {
    variableNames: ['V', 'S'],
    outputShape: sums.shape,
    userCode: `
      void main() {
        ivec2 pc = getOutputCoords();
        int p = pc.x;
        int a = 0;
        int b = 0;
        ${choose.join('\n        else ')}
        float s = getS(p, pc.y);
        for (int i = pc.y; i < ${size}; i += ${sums.shape[1]}) {
          float d = getV(a, i) - getV(b, i);
          s += d * d;
        }
        setOutput(s);
      }`,
  };
  return run(args, program, [stack, sums]);
}

/** Registers the kernels for tfjs's 'webgl' backend. */
export function registerWebGlKernels(): void {
  registerRowKernels('webgl', {
    [MIX_ROWS]: mixRows,
    [SGD_DIRECTION]: sgdDirection,
    [SGD_APPLY]: sgdApply,
    [ROW_DISTANCES]: rowDistances,
  });
}
