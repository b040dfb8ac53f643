// Shared plumbing of the hand-written WGSL routines: per-device pipeline cache, template substitution, uniforms, limits.
/// <reference types="@webgpu/types" />
import { wgslSources } from './sources.generated.js';

/** What every routine needs: the device; `alloc` (optional) hands out scratch storage buffers (e.g. from a pool). */
export interface RoutineContext {
  readonly device: GPUDevice;
  /** Scratch storage buffers for multi-pass routines (reduce partials, sort keys); default: device.createBuffer. */
  readonly alloc?: (bytes: number) => GPUBuffer;
  /** Override of the tile configuration (else chosen from the adapter's limits and kind, see tileConfig). */
  readonly tiles?: Partial<TileConfig>;
  /** The device's subgroup size when fixed (else read from device.adapterInfo subgroupMin/MaxSize when equal). */
  readonly subgroupSize?: number;
  /** True when the device runs on a CPU rasterizer (lavapipe/llvmpipe/SwiftShader); chooses register tiles without workgroup memory. */
  readonly cpuLike?: boolean;
  /**
   * For a CPU adapter: whether its host has 32 vector registers (x86 AVX-512), where the GEMM's register block of 16
   * rows per thread measured fastest; false (an x86 host without AVX-512) takes 8 rows; unknown takes 16.
   */
  readonly wideHost?: boolean;
  /**
   * Intermediates a routine may share with a later one of the same submission (Winograd's transformed input, read by
   * the window form of a filter gradient): keys name their source buffers, so this is only sound where each buffer
   * is written once per submission and not reused before it is submitted (the target's batches: freed buffers go back
   * to the pool after the submission).
   */
  readonly memo?: Map<string, unknown>;
}

/** Element type of a storage buffer; f16 needs the device feature 'shader-f16'. */
export type ElemType = 'f32' | 'f16';

/**
 * WGSL: `hbits_(x)` is the IEEE half bit pattern of f32 x rounded to float16 by integer ops (ties to even, ±Inf from
 * 65520 up, NaN as the quiet NaN 0x7e00), and `h16_(x)` that value as an f16 through bitcast<vec2<f16>>. WGSL leaves
 * the rounding and overflow of its f32 → f16 conversion to the implementation; this narrowing is exact everywhere.
 * Needs `enable f16;` for h16_.
 */
export const F16_NARROW = `fn hbits_(x: f32) -> u32 {
  let u = bitcast<u32>(x);
  let s = (u >> 16u) & 0x8000u;
  let a = u & 0x7fffffffu;
  if (a > 0x7f800000u) { return 0x7e00u; }
  if (a >= 0x477ff000u) { return s | 0x7c00u; }
  if (a >= 0x38800000u) { return s | ((a + 0xfffu + ((a >> 13u) & 1u) - 0x38000000u) >> 13u); }
  return s | u32(round(bitcast<f32>(a) * 16777216.0));
}
fn h16_(x: f32) -> f16 { return bitcast<vec2<f16>>(hbits_(x)).x; }`;

/** The WGSL function storing an f32 into a buffer of `T` ('' for f32; h16_ for f16), and the source it needs. */
export const storeAs = (T: ElemType): { fn: string; source: string } => (T === 'f16' ? { fn: 'h16_', source: F16_NARROW } : { fn: '', source: '' });

/** The GEMM tiling: workgroup of wgX·wgY threads, each owning a tm×tn register block; bk = depth of a workgroup-memory tile (0: none). */
export interface TileConfig {
  readonly wgX: number;
  readonly wgY: number;
  readonly tm: number;
  readonly tn: number;
  readonly bk: number;
  /** gemmDirect: share A rows across a subgroup with subgroupBroadcast when possible (default true). */
  readonly sgBroadcast?: boolean;
}

const pipelines = new WeakMap<GPUDevice, Map<string, Map<string, GPUComputePipeline>>>();
/** Pipelines with explicit bind group layouts (pipelineWithLayout), by entry, layout and source. */
const explicitPipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** `m`'s value at `k`, made by `make()` and kept the first time it is asked for (the routines' source and pipeline caches). */
export function memoized<K, V>(m: { get(k: K): V | undefined; set(k: K, v: V): unknown }, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

/** Substitute `{{NAME}}` placeholders of a kernels/*.wgsl source; a missing value is an error naming the placeholder. */
export function instantiate(file: string, vars: Readonly<Record<string, string | number>>): string {
  const src = wgslSources[file];
  if (src === undefined) throw new Error(`wgsl: no kernel source kernels/${file} (have ${Object.keys(wgslSources).join(', ')})`);
  return src.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`wgsl: kernels/${file} needs a value for {{${name}}}`);
    return String(v);
  });
}

/** The compute pipeline of (code, entry) on this device, compiled once and kept (Map by source + entry). */
export function pipeline(ctx: RoutineContext, code: string, entry: string): GPUComputePipeline {
  // by entry, then by source (no key string built per call: sources are tens of kB)
  const byCode = memoized(memoized(pipelines, ctx.device, () => new Map()), entry, () => new Map<string, GPUComputePipeline>());
  return memoized(byCode, code, () =>
    ctx.device.createComputePipeline({ layout: 'auto', compute: { module: ctx.device.createShaderModule({ code }), entryPoint: entry } }));
}

/** Uniform buffers by contents, per device: they are never written after creation, so a call can reuse one. */
const uniformCache = new WeakMap<GPUDevice, Map<string, GPUBuffer>>();
/** The most cached uniform buffers per device (beyond it the cache starts again; the old buffers are collected). */
const UNIFORM_CACHE_MAX = 4096;

/**
 * A uniform buffer holding u32/i32/f32 words (f32 given as { f: x }): cached by contents, since a jitted step
 * encodes the same parameters on every call (no buffer creation per dispatch after the first step).
 */
export function uniforms(ctx: RoutineContext, words: readonly (number | { f: number })[]): GPUBuffer {
  let cache = uniformCache.get(ctx.device);
  if (!cache) uniformCache.set(ctx.device, (cache = new Map()));
  const key = words.map((w) => (typeof w === 'number' ? String(w) : `f${Object.is(w.f, -0) ? '-0' : w.f}`)).join(',');
  const hit = cache.get(key);
  if (hit) return hit;
  if (cache.size >= UNIFORM_CACHE_MAX) cache.clear();
  const buf = createUniforms(ctx, words);
  cache.set(key, buf);
  return buf;
}

function createUniforms(ctx: RoutineContext, words: readonly (number | { f: number })[]): GPUBuffer {
  const n = Math.max(4, Math.ceil(words.length / 4) * 4);
  const buf = ctx.device.createBuffer({ size: n * 4, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  const range = buf.getMappedRange();
  const u = new Uint32Array(range), i = new Int32Array(range), f = new Float32Array(range);
  words.forEach((w, k) => {
    if (typeof w === 'number') {
      if (w < 0) i[k] = w;
      else u[k] = w;
    } else f[k] = w.f;
  });
  buf.unmap();
  return buf;
}

/** A scratch storage buffer of at least `bytes` (rounded up to 16). */
export function scratch(ctx: RoutineContext, bytes: number): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  return ctx.alloc ? ctx.alloc(size) : ctx.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
}

/** Bind (binding i ← buffers[i]) on group 0 of the pipeline. */
export function bindGroup(ctx: RoutineContext, p: GPUComputePipeline, buffers: readonly (GPUBuffer | null)[]): GPUBindGroup {
  // (null: a binding of the module that this entry point does not use)
  const entries = buffers.flatMap((buffer, binding) => (buffer ? [{ binding, resource: { buffer } }] : []));
  return ctx.device.createBindGroup({ layout: p.getBindGroupLayout(0), entries });
}

/** A pass encoder: the one given, or a fresh compute pass on the given command encoder (ended by the caller of `withPass`). */
export type PassOrEncoder = GPUComputePassEncoder | GPUCommandEncoder;

export function withPass(target: PassOrEncoder, body: (pass: GPUComputePassEncoder) => void): void {
  if ('dispatchWorkgroups' in target) body(target);
  else {
    const pass = target.beginComputePass();
    body(pass);
    pass.end();
  }
}

/** Dispatch `total` workgroups along x, folding into y when over the per-dimension limit; returns the x count used by the kernel. */
export function dispatch1d(ctx: RoutineContext, pass: GPUComputePassEncoder, total: number): number {
  const max = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  if (total <= max) {
    pass.dispatchWorkgroups(Math.max(1, total));
    return Math.max(1, total);
  }
  const y = Math.ceil(total / max), x = Math.ceil(total / y);
  if (y > max) throw new Error(`wgsl: ${total} workgroups exceed ${max}² (maxComputeWorkgroupsPerDimension)`);
  pass.dispatchWorkgroups(x, y);
  return x;
}

/** Largest power of two ≤ n. */
export const pow2Floor = (n: number): number => 2 ** Math.floor(Math.log2(Math.max(1, n)));

/** Threads per workgroup for the 1-D routines (reduce, softmax, layer norm, sort): min(256, the adapter's limit). */
export function lanes(ctx: RoutineContext): number {
  return pow2Floor(Math.min(256, ctx.device.limits.maxComputeInvocationsPerWorkgroup, ctx.device.limits.maxComputeWorkgroupSizeX));
}

/** Whether a device is a CPU rasterizer, judged from adapter info (lavapipe reports vendor 'mesa', architecture 'software'). */
export function isCpuAdapter(info: { vendor?: string; architecture?: string; device?: string; description?: string } | undefined): boolean {
  const s = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.device ?? ''} ${info?.description ?? ''}`.toLowerCase();
  return /llvmpipe|lavapipe|swiftshader|software|warp/.test(s);
}

export function cpuLike(ctx: RoutineContext): boolean {
  if (ctx.cpuLike !== undefined) return ctx.cpuLike;
  const info = (ctx.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return isCpuAdapter(info);
}

/** WGSL expression of an activation applied to `v` (a vec4<f32>): the epilogue of matmul/conv. */
export type Epilogue = 'none' | 'relu' | 'gelu' | 'gelu_tanh' | 'tanh' | 'sigmoid' | 'silu';
export function activation(e: Epilogue, v: string): string {
  switch (e) {
    case 'none': return v;
    case 'relu': return `max(${v}, vec4<f32>(0.0))`;
    // gelu(x) = x·Φ(x) = ½x(1 + erf(x/√2)), erf by Abramowitz–Stegun 7.1.26 (|err| < 1.5e-7)
    case 'gelu': return `gelu4(${v})`;
    // gelu_tanh(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
    case 'gelu_tanh': return `(0.5 * ${v} * (vec4<f32>(1.0) + tanh4(0.7978845608028654 * (${v} + 0.044715 * ${v} * ${v} * ${v}))))`;
    case 'tanh': return `tanh4(${v})`;
    case 'sigmoid': return `(vec4<f32>(1.0) / (vec4<f32>(1.0) + exp(-${v})))`;
    case 'silu': return `(${v} / (vec4<f32>(1.0) + exp(-${v})))`;
  }
}

/** Helper WGSL functions the activation expressions use (tanh clamped: WGSL tanh overflows for |x| large on some drivers). */
export const activationHelpers = `
fn tanh4(x: vec4<f32>) -> vec4<f32> {
  let e = exp(-2.0 * abs(clamp(x, vec4<f32>(-20.0), vec4<f32>(20.0))));
  return sign(x) * (vec4<f32>(1.0) - e) / (vec4<f32>(1.0) + e);
}
fn erf4(x: vec4<f32>) -> vec4<f32> {
  let a = abs(x);
  let t = vec4<f32>(1.0) / (vec4<f32>(1.0) + 0.3275911 * a);
  let y = vec4<f32>(1.0) - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return sign(x) * y;
}
fn gelu4(x: vec4<f32>) -> vec4<f32> { return 0.5 * x * (vec4<f32>(1.0) + erf4(x * 0.7071067811865476)); }
`;

/** Binding kinds of an explicit bind-group layout (shared by all entry points of a module, unlike 'auto'). */
export type BindingKind = 'uniform' | 'read' | 'rw';
const layouts = new WeakMap<GPUDevice, Map<string, GPUBindGroupLayout>>();

/** A pipeline on an explicit layout of bindings 0..kinds.length-1 (for modules whose entry points use different subsets). */
export function pipelineWithLayout(ctx: RoutineContext, code: string, entry: string, kinds: readonly BindingKind[]): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
  let lm = layouts.get(ctx.device);
  if (!lm) layouts.set(ctx.device, (lm = new Map()));
  const key = kinds.join(',');
  let layout = lm.get(key);
  if (!layout) {
    layout = ctx.device.createBindGroupLayout({
      entries: kinds.map((k, binding) => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: k === 'uniform' ? 'uniform' : k === 'read' ? 'read-only-storage' : 'storage' },
      })),
    });
    lm.set(key, layout);
  }
  let m = explicitPipelines.get(ctx.device);
  if (!m) explicitPipelines.set(ctx.device, (m = new Map()));
  const pkey = `${entry}\u0000${key}\u0000${code}`;
  let p = m.get(pkey);
  if (!p) {
    const module = ctx.device.createShaderModule({ code });
    p = ctx.device.createComputePipeline({ layout: ctx.device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: entry } });
    m.set(pkey, p);
  }
  return { pipeline: p, layout };
}

/** Workgroup grid for `total` workgroups: [x, y] with x ≤ the per-dimension limit (kernels index wid.y·gridX + wid.x). */
export function grid2d(ctx: RoutineContext, total: number, op: string): [number, number] {
  const max = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const t = Math.max(1, total);
  if (t <= max) return [t, 1];
  const y = Math.ceil(t / max);
  if (y > max) throw new Error(`wgsl ${op}: ${t} workgroups exceed ${max}² (maxComputeWorkgroupsPerDimension)`);
  return [Math.ceil(t / y), y];
}
