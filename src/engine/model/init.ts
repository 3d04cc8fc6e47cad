// Fresh weights as the reference makes them, drawn from the studio's seeded Rng so a run (and the λ
// calibration) is reproducible on every backend. Plain JS: no tfjs, values come out in tf layout.
//
// PyTorch's default init (nn.Conv2d, nn.Linear, and the reference's simplex layers'
// reset_parameters) is U(−1/√fan_in, 1/√fan_in) for weights and biases, fan_in = in·k·k for a
// conv, in for a linear; "He normal" is the reference's N(0, 2/(k·k·out)) for conv weights.
// 'base' (the reference's base networks, a run's first vertex):
//   VGG (vgg_noBN.py, vgg.py): conv weights He normal, conv biases 0, linears default; BN 1 and 0.
//   PreResNet (PreResNetBase): convs He normal; BN 1 and 0; fc default.
// 'simplex' (the reference's simplex networks, what λ's V_init is measured on):
//   VGG: every conv and linear default (the re-init loop catches only nn.Conv2d, which simplex
//   convs are not); BN (vgg.py's SimplexBN.reset_parameters) weight U(0, 1), bias 0.
//   PreResNet (PreResNetSimplex, whose loop catches its simplex convs and BNs): convs He normal;
//   BN 1 and 0; fc default.

import type { TfLayout, TfVertex } from '../formats/layout';
import type { Rng } from '../util/rng';
import type { ModelSpec } from '../../protocol/architecture';
import { network, type Network, type ParamSpec } from '../../protocol/network';

export type InitScheme = 'simplex' | 'base';

/** One vertex of fresh weights in paramSpecs() order and tf layout (i.i.d. draws, so layout-free). */
export function initVertex(spec: ModelSpec, rng: Rng, scheme: InitScheme = 'simplex'): TfVertex {
  const net = network(spec);
  return net.params.map((p) => initParamValues(net, p, rng, scheme));
}

/** PyTorch's fan_in of the layer a parameter belongs to: in·k·k for a conv, in for a linear. */
export function fanIn(net: Network, p: ParamSpec): number {
  const weight = net.params.find((s) => s.layer === p.layer && s.role === 'weight') ?? p;
  const [out = 1] = weight.torchShape;
  return weight.size / out;
}

/** Fresh values of one parameter `p` of `net`. */
export function initParamValues(
  net: Network,
  p: ParamSpec,
  rng: Rng,
  scheme: InitScheme = 'simplex',
): TfLayout {
  const out = new Float32Array(p.size) as TfLayout;
  const heNormal = p.kind === 'conv' && (scheme === 'base' || net.family === 'preresnet');
  if (heNormal) {
    if (p.role === 'weight') {
      const [outChannels = 1, , k = 1] = p.torchShape;
      const std = Math.sqrt(2 / (k * k * outChannels));
      for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
    }
    return out;
  }
  if (p.kind === 'batchNorm') {
    if (p.role === 'weight') {
      const uniform = scheme === 'simplex' && net.family === 'vggbn';
      for (let i = 0; i < out.length; i++) out[i] = uniform ? rng.next() : 1;
    }
    return out;
  }
  const bound = 1 / Math.sqrt(fanIn(net, p));
  for (let i = 0; i < out.length; i++) out[i] = bound * (2 * rng.next() - 1);
  return out;
}
