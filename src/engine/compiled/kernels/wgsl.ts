// Small pieces every kernel module shares: storage declarations, float literals that round-trip
// exactly, the uniform-buffer accessor and the one way a Dispatch is assembled. Runs in the worker
// and in Node on Dawn; no DOM.

import type { Binding, Dispatch, KernelContext } from './types';

export type Access = 'read' | 'read_write';

/** A storage binding of the kernel's group 0. */
export function storage(index: number, name: string, access: Access, type = 'f32'): string {
  return `@group(0) @binding(${index}) var<storage, ${access}> ${name}: array<${type}>;`;
}

/** The step's uniforms as 16-byte rows, read by word: `uniformU32(w)`, `uniformF32(w)`. */
export function uniformsDecl(index: number, uniforms: Binding): string {
  if (uniforms.size % 16 !== 0 || uniforms.size === 0) {
    throw new Error(
      `The uniform buffer's size must be a positive multiple of 16 bytes; got ${uniforms.size}.`,
    );
  }
  return `@group(0) @binding(${index}) var<uniform> uni: array<vec4<u32>, ${uniforms.size / 16}>;
fn uniformU32(w: u32) -> u32 { return uni[w / 4u][w % 4u]; }
fn uniformF32(w: u32) -> f32 { return bitcast<f32>(uniformU32(w)); }`;
}

/** A WGSL f32 literal of exactly the float32 value of x (via its bit pattern). */
export function f32Literal(x: number): string {
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0] as number;
  return `bitcast<f32>(${bits}u)`;
}

/** A u32 literal; rejects what WGSL's u32 cannot hold. */
export function u32Literal(x: number): string {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`Not a u32: ${x}.`);
  return `${x}u`;
}

/** Compiles (once, through the context's cache, in the background) and binds, in binding order. */
export function dispatch(
  ctx: KernelContext,
  label: string,
  code: string,
  bindings: readonly Binding[],
  workgroups: readonly [number, number, number],
): Dispatch {
  const limit = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (workgroups.some((w) => w < 1 || w > limit)) {
    throw new Error(`${label}: ${workgroups.join('×')} workgroups is outside 1…${limit} per dimension.`);
  }
  const pipeline = ctx.pipeline(code, label);
  const bindGroup = ctx.device.createBindGroup({
    label,
    layout: pipeline.layout,
    entries: bindings.map((b, i) => ({
      binding: i,
      resource: { buffer: b.buffer, offset: b.offset, size: b.size },
    })),
  });
  return { label, pipeline, bindGroup, workgroups };
}

/** Checks a binding holds at least `floats` 4-byte words, so a wrong size fails at build time. */
export function need(name: string, binding: Binding, words: number): void {
  if (binding.size < words * 4) {
    throw new Error(`${name} needs ${words * 4} bytes; its binding has ${binding.size}.`);
  }
}

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}
