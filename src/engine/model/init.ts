// Fresh weights as the reference makes them, drawn from the studio's seeded Rng so a run (and the λ
// calibration) is reproducible on every backend. Plain JS: no tfjs, values come out in tf layout.
//
// 'simplex': the reference's simplex layers (SimplexNet's Conv2d/Linear reset_parameters), which
//   match PyTorch's default Conv2d/Linear init (kaiming_uniform a=√5): weight and bias
//   U(−1/√fan_in, 1/√fan_in), fan_in = in·3·3 for a conv, in for a linear. The reference's VGG
//   re-init loop only catches nn.Conv2d, so simplex vertices keep this for every layer.
// 'vgg16': the reference's plain VGG16 (its base models): conv weights N(0, 2/(3·3·out)), conv
//   biases 0, linears PyTorch's default as above.

import type { TfLayout, TfVertex } from '../formats/layout';
import type { Rng } from '../util/rng';
import { paramSpecs, type ModelSpec, type ParamSpec } from '../../protocol/architecture';

export type InitScheme = 'simplex' | 'vgg16';

/** One vertex of fresh weights in paramSpecs() order and tf layout (i.i.d. draws, so layout-free). */
export function initVertex(spec: ModelSpec, rng: Rng, scheme: InitScheme = 'simplex'): TfVertex {
  const specs = paramSpecs(spec);
  return specs.map((p) => initParamValues(specs, p, rng, scheme));
}

/** PyTorch's fan_in of the layer a parameter belongs to: in·3·3 for a conv, in for a linear. */
export function fanIn(specs: readonly ParamSpec[], p: ParamSpec): number {
  const weight = specs.find((s) => s.layer === p.layer && s.role === 'weight') ?? p;
  const [out = 1] = weight.torchShape;
  return weight.size / out;
}

/** Fresh values of one parameter `p` of the model whose parameters are `specs`. */
export function initParamValues(
  specs: readonly ParamSpec[],
  p: ParamSpec,
  rng: Rng,
  scheme: InitScheme = 'simplex',
): TfLayout {
  const out = new Float32Array(p.size) as TfLayout;
  if (scheme === 'vgg16' && p.kind === 'conv') {
    if (p.role === 'weight') {
      const std = Math.sqrt(2 / (9 * (p.torchShape[0] ?? 1)));
      for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
    }
    return out;
  }
  const bound = 1 / Math.sqrt(fanIn(specs, p));
  for (let i = 0; i < out.length; i++) out[i] = bound * (2 * rng.next() - 1);
  return out;
}
