// The work of a VGG training step, counted from the layer shapes (protocol/architecture.ts), for
// the benchmark's tflops. Pure: no tfjs, no GPU.
//
// A layer's forward pass is one multiply-add per weight per output position: a 3×3 conv on an
// H×W map is H·W·9·Cin·Cout, a linear layer in·out. Training adds the weight gradient (the same
// count) and the input gradient (the same again, except for c1, whose input is the images and
// gets none). Biases, ReLUs, pools, dropout and the loss are left out: together well under 1%.

import { VGG_CONFIGS, paramSpecs, type ModelSpec } from '../../protocol/architecture';
import { INPUT_SIZE } from '../model/vgg';

export interface StepWork {
  /** Multiply-adds of one image's forward pass. */
  forwardMacs: number;
  /** FLOPs (2 per multiply-add) of one image's forward and backward pass. */
  trainingFlops: number;
}

export function stepWork(spec: ModelSpec): StepWork {
  const weights = paramSpecs(spec).filter((p) => p.role === 'weight');
  const convs = weights.filter((p) => p.kind === 'conv');
  const linears = weights.filter((p) => p.kind === 'linear');
  let side = INPUT_SIZE;
  let conv = 0;
  let forwardMacs = 0;
  let firstMacs = 0;
  for (const item of VGG_CONFIGS[spec.architecture]) {
    if (item === 'M') {
      side /= 2;
      continue;
    }
    const macs = side * side * (convs[conv]?.size ?? 0);
    if (conv === 0) firstMacs = macs;
    forwardMacs += macs;
    conv++;
  }
  for (const l of linears) forwardMacs += l.size;
  return { forwardMacs, trainingFlops: 2 * (3 * forwardMacs - firstMacs) };
}
