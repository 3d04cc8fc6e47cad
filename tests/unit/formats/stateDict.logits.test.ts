// The import path end to end: the reference files, parsed by parseModelFile in both layouts,
// give PyTorch's logits.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { paramSpecs } from '../../../src/protocol/network';
import { networkForward } from '../../../src/engine/model/network';
import { parseModelFile } from '../../../src/engine/formats/stateDict';
import type { TfVertex } from '../../../src/engine/formats/layout';
import {
  REFERENCE_DIR,
  REFERENCE_SPEC,
  expectClose,
  readReferenceFile,
  referenceImages,
} from '../engine/fixtures';

const parse = (name: string) => parseModelFile(new Uint8Array(readFileSync(path.join(REFERENCE_DIR, name))));

async function logitsOf(vertex: TfVertex | undefined, x: tf.Tensor4D): Promise<Float32Array> {
  const specs = paramSpecs(REFERENCE_SPEC);
  const weights = (vertex ?? []).map((p, i) => tf.tensor(p, [...(specs[i]?.tfShape ?? [])]));
  const logits = networkForward(REFERENCE_SPEC, weights, x, { training: false });
  const values = (await logits.data()) as Float32Array;
  tf.dispose([logits, ...weights]);
  return values;
}

describe('imported reference models', () => {
  it('give PyTorch logits at each vertex, from the SimplexNet and the VGG16 files alike', async () => {
    const images = referenceImages();
    const expected = readReferenceFile('expected.safetensors');
    const simplex = parse('vertices.safetensors');
    const x = tf.tensor4d(images.x, [images.n, 32, 32, 3]);
    for (let v = 0; v < 3; v++) {
      const want = expected.tensors.get(`logits.vertex${v}`)?.data ?? new Float32Array();
      expectClose(await logitsOf(simplex.vertices[v], x), want, 1e-4, `SimplexNet file, vertex ${v}`);
      expectClose(
        await logitsOf(parse(`vertex${v}.safetensors`).vertices[0], x),
        want,
        1e-4,
        `VGG16 file ${v}`,
      );
    }
    x.dispose();
  });
});
