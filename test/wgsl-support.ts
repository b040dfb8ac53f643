// Test support for the WGSL routines: a Dawn device (null when no adapter), upload/readback, seeded random data, f64 references.
/// <reference types="@webgpu/types" />
import type { RoutineContext } from '../src/targets/webgpu/routines/common.js';

let cached: Promise<RoutineContext | null> | undefined;
// The GPU instance and adapter must stay reachable: when Dawn's instance is garbage-collected, work in flight aborts the process.
const keepAlive: unknown[] = [];

/** The device of the `webgpu` package (Dawn; lavapipe here), with shader-f16/subgroups when offered; null when none. */
export function gpuContext(): Promise<RoutineContext | null> {
  cached ??= (async () => {
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    const spec = 'webgpu';
    const mod = (await import(spec).catch(() => null)) as { create: (o: string[]) => GPU; globals: object } | null;
    if (!mod) return null;
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    keepAlive.push(gpu, adapter);
    const want = (['shader-f16', 'subgroups'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({
      requiredFeatures: want,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
    device.addEventListener('uncapturederror', (e) => process.stderr.write(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}\n`));
    return { device, cpuLike: /llvmpipe|lavapipe|swiftshader|software/i.test(`${adapter.info.architecture} ${adapter.info.description}`) };
  })();
  return cached;
}

export function upload(ctx: RoutineContext, data: Float32Array | Int32Array | Uint32Array | Uint16Array): GPUBuffer {
  const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
  const buf = ctx.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
  new Uint8Array(buf.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buf.unmap();
  return buf;
}

export function empty(ctx: RoutineContext, bytes: number): GPUBuffer {
  return ctx.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
}

export async function readBytes(ctx: RoutineContext, buf: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  const staging = ctx.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = ctx.device.createCommandEncoder();
  enc.copyBufferToBuffer(buf, 0, staging, 0, size);
  ctx.device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}
export const readF32 = async (ctx: RoutineContext, buf: GPUBuffer, n: number): Promise<Float32Array> => new Float32Array(await readBytes(ctx, buf, n * 4));
export const readI32 = async (ctx: RoutineContext, buf: GPUBuffer, n: number): Promise<Int32Array> => new Int32Array(await readBytes(ctx, buf, n * 4));

/** Encode with `body` into one command encoder and submit; rejects with the first validation error (a WGSL compile error included). */
export async function submit(ctx: RoutineContext, body: (enc: GPUCommandEncoder) => void): Promise<void> {
  ctx.device.pushErrorScope('validation');
  const enc = ctx.device.createCommandEncoder();
  body(enc);
  ctx.device.queue.submit([enc.finish()]);
  const err = await ctx.device.popErrorScope();
  if (err) throw new Error(`WebGPU validation: ${err.message.split('\n').slice(0, 6).join('\n')}`);
}

/** Deterministic uniform numbers in [-1, 1) (mulberry32). */
export function randoms(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** max |x - ref| / (atol + rtol·|ref|) over all elements; ≤ 1 passes. */
export function worstError(x: ArrayLike<number>, ref: ArrayLike<number>, atol = 1e-4, rtol = 1e-4): number {
  if (x.length !== ref.length) throw new Error(`length ${x.length} vs reference ${ref.length}`);
  let w = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(x[i]! - ref[i]!) / (atol + rtol * Math.abs(ref[i]!));
    if (!(e <= w)) w = Number.isNaN(e) ? Infinity : e;
  }
  return w;
}
