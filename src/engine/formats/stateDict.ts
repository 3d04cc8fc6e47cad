// PyTorch state_dicts ↔ studio vertices. The one place where parameter layouts convert: PyTorch
// keeps conv kernels OIHW and linear weights [out,in]; tfjs wants HWIO and [in,out].

import { StudioError } from '../../protocol/errors';
import type { ParamSpec } from '../model/architecture';
import type { TfLayout, TorchLayout } from './layout';

/**
 * Values read from a PyTorch file are in PyTorch layout by definition; this is where they get
 * that type. Checks the size so a wrong tensor fails here rather than as garbage later.
 */
export function asTorchLayout(spec: ParamSpec, data: Float32Array): TorchLayout {
  checkSize(spec, data);
  return data as TorchLayout;
}

/** PyTorch → tfjs: conv OIHW → HWIO (transpose [2,3,1,0]), linear [out,in] → [in,out]. New array. */
export function torchToTf(spec: ParamSpec, data: TorchLayout): TfLayout {
  checkSize(spec, data);
  return permute(spec, data, 'toTf') as TfLayout;
}

/** tfjs → PyTorch: conv HWIO → OIHW (transpose [3,2,0,1]), linear [in,out] → [out,in]. New array. */
export function tfToTorch(spec: ParamSpec, data: TfLayout): TorchLayout {
  checkSize(spec, data);
  return permute(spec, data, 'toTorch') as TorchLayout;
}

function checkSize(spec: ParamSpec, data: Float32Array): void {
  if (data.length !== spec.size) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${spec.name} has ${data.length} values but [${spec.torchShape.join(', ')}] needs ${spec.size}.`,
    );
  }
}

function permute(spec: ParamSpec, src: Float32Array, direction: 'toTf' | 'toTorch'): Float32Array {
  const dst = new Float32Array(src.length);
  if (spec.role === 'bias') {
    dst.set(src);
    return dst;
  }
  const [out, inC] = spec.torchShape as [number, number];
  // Spatial positions per (out, in) pair: 9 for a 3×3 conv, 1 for a linear weight.
  const k = spec.size / (out * inC);
  // torch index ((o·in + i)·k + s) ↔ tf index ((s·in + i)·out + o)
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inC; i++) {
      const torchBase = (o * inC + i) * k;
      const tfBase = i * out + o;
      for (let s = 0; s < k; s++) {
        const t = torchBase + s;
        const f = s * inC * out + tfBase;
        if (direction === 'toTf') dst[f] = src[t] ?? 0;
        else dst[t] = src[f] ?? 0;
      }
    }
  }
  return dst;
}
