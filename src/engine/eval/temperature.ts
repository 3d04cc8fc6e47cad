// Temperature scaling (Guo et al. 2017): one scalar T > 0 divides every logit, fitted to
// minimise NLL on held-out logits; the argmax, hence accuracy, is unchanged. Pure JavaScript.
//
//   T* = argmin_T  mean_i [ log Σ_c exp(z_ic / T) − z_iy / T ]
//
// NLL is convex in β = 1/T (a log-sum-exp of linear functions minus a linear one), so it is
// unimodal in u = log T, and a golden-section search over u finds the minimum without
// derivatives or a starting guess. The search range is bounded: data a model separates
// perfectly has its infimum at T → 0, and the fit then stops at the lower bound.

import { StudioError } from '../../protocol/errors';
import { checkRows, nllFromLogits, type Labels } from './metrics';

export interface TemperatureFitOptions {
  /** Smallest temperature considered (default 0.01). */
  minT?: number;
  /** Largest temperature considered (default 100). */
  maxT?: number;
  /** Stop when the bracket in log T is this narrow (default 1e-6). */
  tolerance?: number;
}

export interface TemperatureFit {
  temperature: number;
  /** Mean NLL of the held-out logits at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
}

const INV_PHI = (Math.sqrt(5) - 1) / 2;

/** Fits T on held-out logits (rows × classes) and their labels. */
export function fitTemperature(
  logits: Float32Array,
  labels: Labels,
  classes: number,
  opts: TemperatureFitOptions = {},
): TemperatureFit {
  checkRows(logits, labels, classes);
  const { minT = 0.01, maxT = 100, tolerance = 1e-6 } = opts;
  if (!(minT > 0) || !(maxT > minT) || !Number.isFinite(maxT) || !(tolerance > 0)) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `Temperature range (${minT}, ${maxT}) or tolerance ${tolerance} is not valid.`,
    );
  }
  for (const z of logits) {
    if (!Number.isFinite(z)) {
      throw new StudioError(
        'NAN_LOSS',
        'The held-out logits contain NaN or infinity; the model has diverged.',
      );
    }
  }
  const f = (u: number): number => nllFromLogits(logits, labels, classes, Math.exp(u));
  let a = Math.log(minT);
  let b = Math.log(maxT);
  let c = b - INV_PHI * (b - a);
  let d = a + INV_PHI * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tolerance) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - INV_PHI * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + INV_PHI * (b - a);
      fd = f(d);
    }
  }
  // The interior probes never reach the ends; compare with them so a minimum at a bound wins.
  let bestU = fc <= fd ? c : d;
  let bestF = Math.min(fc, fd);
  for (const u of [Math.log(minT), Math.log(maxT)]) {
    const fu = f(u);
    if (fu < bestF) {
      bestF = fu;
      bestU = u;
    }
  }
  return { temperature: Math.exp(bestU), nllBefore: f(0), nllAfter: bestF };
}

/** Logits divided by T; feed them to `softmax` (or pass T to it directly). */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new StudioError('BAD_ARGUMENT', `Temperature must be a finite number > 0, got ${temperature}.`);
  }
  return logits.map((z) => z / temperature);
}
