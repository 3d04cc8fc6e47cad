// Parity with PyTorch on ../shared/fixtures/reference: logits, loss, gradients, volumes.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TfLayout } from '../../../../src/engine/formats/layout';
import { networkForward } from '../../../../src/engine/model/network';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import { rowGradients } from '../../../../src/engine/simplex/rowKernels';
import { measureVolume, volumePull } from '../../../../src/engine/simplex/volume';
import {
  crossEntropy,
  sproLossAndGrads,
  disposeSproResult,
  type SproResult,
} from '../../../../src/engine/train/spro';
import {
  REFERENCE_SPEC,
  expectClose,
  loadReference,
  readReferenceFile,
  vgg16Vertex,
  type Reference,
} from '../fixtures';

const RTOL = 1e-4;

let ref: Reference;
let x: tf.Tensor4D;
let labels: tf.Tensor1D;
let model: SimplexModel;

beforeAll(() => {
  ref = loadReference();
  x = tf.tensor4d(ref.images.x, [ref.images.n, 32, 32, 3]);
  labels = tf.tensor1d(ref.images.labels, 'int32');
  // As the fixtures' gradients assume: the first two vertices frozen, the last one trained.
  model = SimplexModel.fromVertices(REFERENCE_SPEC, ref.vertices, { frozen: [true, true, false] });
});

afterAll(() => {
  model.dispose();
  x.dispose();
  labels.dispose();
});

const alpha = (): number[] => Array.from(ref.value('alpha'));

/** Each stack's gradient [k, size] as the optimizer forms it from a SproResult. */
function vertexGradients(result: SproResult): tf.Tensor[] {
  return result.grads.map(({ variable, grad }) =>
    tf.tidy(() => rowGradients(variable as tf.Variable<tf.Rank.R2>, grad as tf.Tensor2D, result.rows)),
  );
}

/** Row `row` of each gradient of a stack variable, compared with grad.<kind>.* in tf layout. */
async function expectGradRows(
  grads: readonly tf.Tensor[],
  row: number,
  kind: 'loss' | 'logvol',
): Promise<void> {
  for (const [i, p] of model.params.entries()) {
    const g = tf.slice(grads[i] as tf.Tensor2D, [row, 0], [1, -1]);
    const values = await g.data();
    g.dispose();
    expectClose(values, ref.gradTf(kind, p), RTOL, `grad.${kind}.${p.name}`);
  }
}

describe('VGG16 forward', () => {
  it('matches PyTorch logits at each vertex of the simplex', async () => {
    for (let v = 0; v < 3; v++) {
      const logits = model.forwardAtVertex(x, v);
      expectClose(await logits.data(), ref.value(`logits.vertex${v}`), RTOL, `logits.vertex${v}`);
      logits.dispose();
    }
  });

  it('matches PyTorch logits from the plain VGG16 files', async () => {
    for (let v = 0; v < 3; v++) {
      const vertex = vgg16Vertex(readReferenceFile(`vertex${v}.safetensors`));
      const logits = tf.tidy(() => {
        const weights = model.params.map((p, i) => tf.tensor(vertex[i] as TfLayout, p.tfShape as number[]));
        return networkForward(REFERENCE_SPEC, weights, x, { training: false });
      });
      expectClose(await logits.data(), ref.value(`logits.vertex${v}`), RTOL, `vertex${v} file`);
      logits.dispose();
    }
  });

  it('matches PyTorch logits and loss at alpha', async () => {
    const logits = model.forward(x, alpha(), { training: false });
    const loss = crossEntropy(logits, labels);
    expectClose(await logits.data(), ref.value('logits.alpha'), RTOL, 'logits.alpha');
    expectClose(await loss.data(), ref.value('loss.alpha'), RTOL, 'loss.alpha');
    tf.dispose([logits, loss]);
  });
});

describe('gradients', () => {
  it('matches PyTorch on the gradient of the loss at alpha with respect to the last vertex', async () => {
    const draws = [{ coefficients: alpha(), dropoutSeeds: null }];
    const result = sproLossAndGrads(model, { x, labels }, draws, { lambda: 0, reduction: 'sum' }, null);
    expectClose(await result.loss.data(), ref.value('loss.alpha'), RTOL, 'loss');
    const grads = vertexGradients(result);
    await expectGradRows(grads, 2, 'loss');
    tf.dispose(grads);
    disposeSproResult(result);
  });

  it('matches PyTorch volumes over all three and over the first two vertices', async () => {
    const all = await measureVolume(model);
    expectClose([all.volume], ref.value('volume'), RTOL, 'volume');
    const pair = SimplexModel.fromVertices(REFERENCE_SPEC, ref.vertices.slice(0, 2));
    expectClose([(await measureVolume(pair)).volume], ref.value('volume.first2'), RTOL, 'volume.first2');
    pair.dispose();
  });

  it('matches PyTorch on the gradient of log(volume + 1e-4) with respect to the last vertex', async () => {
    const m = await measureVolume(model);
    expectClose([m.logVolume], [Math.log((ref.value('volume')[0] ?? NaN) + 1e-4)], RTOL, 'log volume');
    // λ = −1: the pull of +log(V + ε).
    const pull = tf.tensor2d(volumePull(model, m, -1));
    const grads = model.stacks.map((stack) => tf.matMul(pull, stack));
    await expectGradRows(grads, 2, 'logvol');
    tf.dispose([pull, ...grads]);
  });

  it('combines both in the SPRO loss: grad = grad CE − λ · grad log V', async () => {
    const lambda = 0.25;
    const m = await measureVolume(model);
    const draws = [{ coefficients: alpha(), dropoutSeeds: null }];
    const result = sproLossAndGrads(model, { x, labels }, draws, { lambda, reduction: 'sum' }, m);
    const expectedLoss = (ref.value('loss.alpha')[0] ?? NaN) - lambda * m.logVolume;
    expectClose(await result.loss.data(), [expectedLoss], RTOL, 'loss');
    expectClose(await result.crossEntropy.data(), ref.value('loss.alpha'), RTOL, 'crossEntropy');
    const grads = vertexGradients(result);
    for (const [i, p] of model.params.entries()) {
      const row = tf.tidy(() => tf.slice(grads[i] as tf.Tensor2D, [2, 0], [1, -1]));
      const ce = ref.gradTf('loss', p);
      const lv = ref.gradTf('logvol', p);
      expectClose(
        await row.data(),
        ce.map((g, j) => g - lambda * (lv[j] ?? 0)),
        RTOL,
        p.name,
      );
      row.dispose();
    }
    expect(result.rows.trainable).toEqual([false, false, true]);
    tf.dispose(grads);
    disposeSproResult(result);
  });
});
