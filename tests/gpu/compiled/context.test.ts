// The compiled step's context (src/engine/compiled/context.ts): pipelines compile in the
// background with a bind group layout read from the WGSL's own declarations, a dispatch is
// encoded only once its pipeline is ready, and a kernel the driver rejects is a clear error.

import { describe, expect, it } from 'vitest';
import { encodeDispatches, pipelinesReady, readFloats } from '../../../src/engine/compiled/context';
import { dispatch, storage, uniformsDecl } from '../../../src/engine/compiled/kernels/wgsl';
import { gpuDevice, kernelContext, output, run, upload, writeUniforms } from '../support/gpu';

describe('compiled step context', () => {
  it('binds read, read_write and uniform declarations in order, and compiles each source once', async () => {
    const device = await gpuDevice();
    const ctx = kernelContext(device, 4);
    const code = `${uniformsDecl(0, ctx.uniforms)}
${storage(1, 'x', 'read')}
${storage(2, 'y', 'read_write')}
@compute @workgroup_size(4) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  y[id.x] = x[id.x] * uniformF32(1u);
}`;
    const x = upload(device, new Float32Array([1, 2, 3, 4]));
    const y = output(device, 4);
    writeUniforms(ctx, new Uint32Array(new Float32Array([0, 2.5, 0, 0]).buffer));
    const first = dispatch(ctx, 'scale', code, [ctx.uniforms, x, y], [1, 1, 1]);
    const again = dispatch(ctx, 'scale again', code, [ctx.uniforms, x, y], [1, 1, 1]);
    expect(again.pipeline).toBe(first.pipeline);
    expect(ctx.compiled()).toBe(1);
    await run(device, [first]);
    expect(Array.from(await readFloats(device, y))).toEqual([2.5, 5, 7.5, 10]);
  });

  it('refuses to encode a dispatch whose pipeline is still compiling', async () => {
    const device = await gpuDevice();
    const ctx = kernelContext(device, 4);
    const y = output(device, 1);
    const code = `${storage(0, 'y', 'read_write')}
@compute @workgroup_size(1) fn main() { y[0] = 7.0; }`;
    const d = dispatch(ctx, 'fresh', code, [y], [1, 1, 1]);
    const encoder = device.createCommandEncoder();
    expect(() => {
      encodeDispatches(encoder, [d]);
    }).toThrow(/fresh: encoded before its pipeline compiled/);
    await pipelinesReady([d]);
    await run(device, [d]);
    expect(Array.from(await readFloats(device, y))).toEqual([7]);
  });

  it('names a kernel the driver cannot compile', async () => {
    const device = await gpuDevice();
    const ctx = kernelContext(device, 4);
    const y = output(device, 1);
    // Valid WGSL that no pipeline can be made of: a workgroup far over the device's limit.
    const code = `${storage(0, 'y', 'read_write')}
@compute @workgroup_size(65536) fn main() { y[0] = 1.0; }`;
    device.pushErrorScope('validation');
    const d = dispatch(ctx, 'too wide', code, [y], [1, 1, 1]);
    await device.popErrorScope();
    await expect(pipelinesReady([d])).rejects.toThrow(/kernel “too wide” did not compile on this GPU/);
  });
});
