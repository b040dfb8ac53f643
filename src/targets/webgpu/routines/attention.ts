// encodeAttention: fused scaled-dot-product attention with an online softmax, one pass over the keys (kernels/attention.wgsl).
/// <reference types="@webgpu/types" />
import { type PassOrEncoder, type RoutineContext, bindGroup, cpuLike, instantiate, pipeline, uniforms, withPass } from './common.js';

export interface AttentionArgs {
  /** q [batch, lq, d], k [batch, lk, d], v [batch, lk, dv], out [batch, lq, dv]: f32 row-major (batch = batch·heads). */
  readonly q: GPUBuffer;
  readonly k: GPUBuffer;
  readonly v: GPUBuffer;
  readonly out: GPUBuffer;
  readonly batch: number;
  readonly lq: number;
  readonly lk: number;
  readonly d: number;
  /** Value width (default d). */
  readonly dv?: number;
  /** Score scale (default 1/sqrt(d)). */
  readonly scale?: number;
  /** Causal mask: query i sees keys j <= i + causalOffset (default offset 0, i.e. jnp.tril; lk - lq aligns the ends). */
  readonly causal?: boolean;
  readonly causalOffset?: number;
  /** 'tiled' stages keys in workgroup memory (GPUs); 'direct' streams them (CPU rasterizers). Default: by adapter. */
  readonly variant?: 'direct' | 'tiled';
}

/** Encode out = softmax(q·kᵀ·scale, masked) · v. */
export function encodeAttention(ctx: RoutineContext, target: PassOrEncoder, args: AttentionArgs): void {
  const { batch, lq, lk, d } = args;
  const dv = args.dv ?? d;
  if (batch === 0 || lq === 0 || dv === 0) return;
  const lim = ctx.device.limits;
  const variant = args.variant ?? (cpuLike(ctx) ? 'direct' : 'tiled');
  const wg = Math.min(64, lim.maxComputeInvocationsPerWorkgroup);
  // Key tile: as many keys as workgroup storage holds for k and v rows (at most 32).
  const tk = Math.max(1, Math.min(32, Math.floor(lim.maxComputeWorkgroupStorageSize / ((d + dv) * 4))));
  if (batch > lim.maxComputeWorkgroupsPerDimension) throw new Error(`wgsl attention: batch·heads ${batch} exceeds maxComputeWorkgroupsPerDimension ${lim.maxComputeWorkgroupsPerDimension}`);
  const code = instantiate('attention.wgsl', { WG: wg, D: Math.max(1, d), DV: dv, TK: tk });
  const p = pipeline(ctx, code, variant === 'direct' ? 'attnDirect' : 'attnTiled');
  const u = uniforms(ctx, [batch, lq, lk, { f: args.scale ?? 1 / Math.sqrt(d) }, args.causal ? 1 : 0, args.causalOffset ?? 0, 0, 0]);
  withPass(target, (pass) => {
    pass.setPipeline(p);
    pass.setBindGroup(0, bindGroup(ctx, p, [u, args.q, args.k, args.v, args.out]));
    pass.dispatchWorkgroups(Math.ceil(lq / wg), batch);
  });
}
