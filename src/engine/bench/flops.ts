// The work of a training step, counted from the network description (protocol/network.ts), for
// the benchmark's tflops and the estimate. Pure: no tfjs, no GPU.
//
// A layer's forward pass is one multiply-add per weight per output position: a k×k conv with an
// H×W output is H·W·k²·Cin·Cout, a linear layer in·out. Training adds the weight gradient (the
// same count) and the input gradient (the same again, except for the first layer, whose input is
// the images and gets none). Biases, batch norm, ReLUs, pools, dropout and the loss are left out:
// together a few percent at most.

import type { ModelSpec } from '../../protocol/architecture';
import { network } from '../../protocol/network';

export interface StepWork {
  /** Multiply-adds of one image's forward pass. */
  forwardMacs: number;
  /** FLOPs (2 per multiply-add) of one image's forward and backward pass. */
  trainingFlops: number;
}

export function stepWork(spec: ModelSpec): StepWork {
  let forwardMacs = 0;
  let firstMacs = -1;
  for (const layer of network(spec).layers) {
    let macs = 0;
    if (layer.kind === 'conv') {
      macs = layer.outputSide ** 2 * layer.kernel ** 2 * layer.inChannels * layer.outChannels;
    } else if (layer.kind === 'linear') {
      macs = layer.inFeatures * layer.outFeatures;
    } else {
      continue;
    }
    if (firstMacs < 0) firstMacs = macs;
    forwardMacs += macs;
  }
  return { forwardMacs, trainingFlops: 2 * (3 * forwardMacs - Math.max(0, firstMacs)) };
}
