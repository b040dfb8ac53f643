// encodeSoftmax and encodeLayerNorm: one dispatch each, one workgroup per row (kernels/softmax.wgsl, kernels/layernorm.wgsl).
/// <reference types="@webgpu/types" />
import { type PassOrEncoder, type RoutineContext, bindGroup, grid2d, instantiate, lanes, pipeline, uniforms, withPass } from './common.js';
import { dummyBuffer } from './matmul.js';

export interface SoftmaxArgs {
  /** f32 [rows, n]; the softmax runs along n (the last axis). */
  readonly x: GPUBuffer;
  readonly out: GPUBuffer;
  readonly rows: number;
  readonly n: number;
  /** log-softmax: x - max - log Σ exp(x - max). */
  readonly log?: boolean;
}

/** Threads per row: the adapter's lanes, fewer for short rows (at least 32). */
function rowLanes(ctx: RoutineContext, n: number): number {
  const max = lanes(ctx);
  let wg = 32;
  while (wg < max && wg < n) wg *= 2;
  return Math.min(wg, max);
}

/** Encode out = softmax(x) (or log-softmax) along each row. */
export function encodeSoftmax(ctx: RoutineContext, target: PassOrEncoder, args: SoftmaxArgs): void {
  const { rows, n } = args;
  if (rows === 0 || n === 0) return;
  const code = instantiate('softmax.wgsl', { WG: rowLanes(ctx, n), LOG: String(args.log ?? false) });
  const p = pipeline(ctx, code, 'softmax');
  const [gx, gy] = grid2d(ctx, rows, 'softmax');
  withPass(target, (pass) => {
    pass.setPipeline(p);
    pass.setBindGroup(0, bindGroup(ctx, p, [uniforms(ctx, [rows, n, gx, 0]), args.x, args.out]));
    pass.dispatchWorkgroups(gx, gy);
  });
}

export interface LayerNormArgs {
  /** f32 [rows, n], normalised along n. */
  readonly x: GPUBuffer;
  readonly out: GPUBuffer;
  readonly rows: number;
  readonly n: number;
  /** Scale γ and shift β, [n] each (optional). */
  readonly gamma?: GPUBuffer;
  readonly beta?: GPUBuffer;
  /** Optional [rows, 2] output of (mean, 1/sqrt(var + eps)) per row, for the backward pass. */
  readonly stats?: GPUBuffer;
  readonly eps?: number;
}

/** Encode out = (x - mean)/sqrt(var + eps)·γ + β along each row (biased variance, like jax/flax LayerNorm). */
export function encodeLayerNorm(ctx: RoutineContext, target: PassOrEncoder, args: LayerNormArgs): void {
  const { rows, n } = args;
  if (rows === 0 || n === 0) return;
  const code = instantiate('layernorm.wgsl', {
    WG: rowLanes(ctx, n), HAS_GAMMA: String(!!args.gamma), HAS_BETA: String(!!args.beta), HAS_STATS: String(!!args.stats),
  });
  const p = pipeline(ctx, code, 'layerNorm');
  const [gx, gy] = grid2d(ctx, rows, 'layerNorm');
  const d = dummyBuffer(ctx);
  // The stats binding is read_write: a distinct dummy so it never aliases a read-only dummy in the same dispatch.
  const statsBuf = args.stats ?? ctx.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
  withPass(target, (pass) => {
    pass.setPipeline(p);
    pass.setBindGroup(0, bindGroup(ctx, p, [uniforms(ctx, [rows, n, gx, { f: args.eps ?? 1e-5 }]), args.x, args.gamma ?? d, args.beta ?? d, args.out, statsBuf]));
    pass.dispatchWorkgroups(gx, gy);
  });
}
