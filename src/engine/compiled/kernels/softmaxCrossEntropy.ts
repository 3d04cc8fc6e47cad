// Softmax cross-entropy, forward and backward fused, over logits [N, classes] and u32 labels [N]:
//   loss_n = log Σ_c exp(z_nc − max_n) + max_n − z_n,label      correct_n = [first argmax_c z_nc = label]
//   dz_nc  = factor · (softmax(z_n)_c − [c = label])           (factor read from the step's uniforms)
// and sums[0] += Σ_n loss_n, sums[1] += Σ_n correct_n, so the metrics stay on the GPU until the
// runtime reads them every `readEvery` steps. One workgroup: rows are few (the batch), and a
// fixed-shape tree sum in workgroup memory keeps the sums deterministic without atomics.

import type { Binding, Dispatch, KernelContext } from './types';
import { dispatch, need, storage, u32Literal, uniformsDecl } from './wgsl';

export interface SoftmaxCrossEntropyShape {
  n: number;
  classes: number;
}

export interface SoftmaxCrossEntropyBindings {
  logits: Binding;
  /** u32 class indices. */
  labels: Binding;
  /** [loss sum, correct count], f32, accumulated into. */
  sums: Binding;
  /** Omitted for evaluation: the sums only. */
  dlogits?: Binding;
}

const THREADS = 256;

export function buildSoftmaxCrossEntropy(
  ctx: KernelContext,
  s: SoftmaxCrossEntropyShape,
  b: SoftmaxCrossEntropyBindings,
  options: { factorWord: number },
): Dispatch[] {
  const label = `softmax cross-entropy ${s.n}×${s.classes}`;
  need(`${label} logits`, b.logits, s.n * s.classes);
  need(`${label} labels`, b.labels, s.n);
  need(`${label} sums`, b.sums, 2);
  if (b.dlogits) need(`${label} dlogits`, b.dlogits, s.n * s.classes);
  const grad = b.dlogits !== undefined;
  // Only the gradient reads the uniforms (an unread binding is not part of the pipeline's layout).
  const code = `${storage(0, 'logits', 'read')}
${storage(1, 'labels', 'read', 'u32')}
${storage(2, 'sums', 'read_write')}
${grad ? `${storage(3, 'dlogits', 'read_write')}\n${uniformsDecl(4, ctx.uniforms)}` : ''}
const ROWS = ${s.n}u;
const CLASSES = ${s.classes}u;
var<workgroup> lossPart: array<f32, ${THREADS}>;
var<workgroup> correctPart: array<f32, ${THREADS}>;
@compute @workgroup_size(${THREADS})
fn main(@builtin(local_invocation_index) t: u32) {
  var loss = 0.0;
  var correct = 0.0;
  ${grad ? `let factor = uniformF32(${u32Literal(options.factorWord)});` : ''}
  for (var r = t; r < ROWS; r += ${THREADS}u) {
    let base = r * CLASSES;
    let y = labels[r];
    var best = 0u;
    var top = logits[base];
    for (var c = 1u; c < CLASSES; c++) {
      let z = logits[base + c];
      if (z > top) { top = z; best = c; }
    }
    var total = 0.0;
    for (var c = 0u; c < CLASSES; c++) { total += exp(logits[base + c] - top); }
    loss += log(total) + top - logits[base + min(y, CLASSES - 1u)];
    correct += select(0.0, 1.0, best == y);
    ${
      grad
        ? `for (var c = 0u; c < CLASSES; c++) {
      let p = exp(logits[base + c] - top) / total;
      dlogits[base + c] = factor * (p - select(0.0, 1.0, c == y));
    }`
        : ''
    }
  }
  lossPart[t] = loss;
  correctPart[t] = correct;
  for (var half = ${THREADS / 2}u; half > 0u; half >>= 1u) {
    workgroupBarrier();
    if (t < half) {
      lossPart[t] += lossPart[t + half];
      correctPart[t] += correctPart[t + half];
    }
  }
  if (t == 0u) {
    sums[0] += lossPart[0];
    sums[1] += correctPart[0];
  }
}`;
  const bindings = [b.logits, b.labels, b.sums, ...(b.dlogits ? [b.dlogits, ctx.uniforms] : [])];
  return [dispatch(ctx, label, code, bindings, [1, 1, 1])];
}
