// encodeSort / encodeTopK: bitonic sort of rows with their indices, one dispatch per merge step (kernels/sort.wgsl).
/// <reference types="@webgpu/types" />
import { type BindingKind, type PassOrEncoder, type RoutineContext, grid2d, instantiate, lanes, pipelineWithLayout, scratch, uniforms, withPass } from './common.js';

export interface SortArgs {
  /** f32 [rows, n]; each row is sorted. */
  readonly x: GPUBuffer;
  /** f32 [rows, n] sorted values and/or int32 [rows, n] source positions (argsort). */
  readonly values?: GPUBuffer;
  readonly indices?: GPUBuffer;
  readonly rows: number;
  readonly n: number;
  /** The exact reverse of the ascending order (the sort primitive's `descending`). */
  readonly descending?: boolean;
}
export interface TopKArgs {
  readonly x: GPUBuffer;
  /** f32 [rows, k] largest values, largest first; int32 [rows, k] their positions (ties: lower index first, NaN largest, like lax.top_k). */
  readonly values?: GPUBuffer;
  readonly indices?: GPUBuffer;
  readonly rows: number;
  readonly n: number;
  readonly k: number;
}

const KINDS: readonly BindingKind[] = ['uniform', 'read', 'rw', 'rw', 'rw', 'rw'];

function encodeBitonic(ctx: RoutineContext, target: PassOrEncoder, op: string, a: {
  x: GPUBuffer; values?: GPUBuffer; indices?: GPUBuffer; rows: number; n: number; k: number; desc: boolean; reverse: boolean;
}): void {
  const { rows, n, k } = a;
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || k > n) throw new Error(`wgsl ${op}: need 0 <= k <= n, got k=${k}, n=${n}`);
  if (rows === 0 || k === 0) return;
  const p2 = 2 ** Math.ceil(Math.log2(Math.max(1, n)));
  const wg = lanes(ctx);
  const code = instantiate('sort.wgsl', { WG: wg });
  const get = (entry: string) => pipelineWithLayout(ctx, code, entry, KINDS);
  const keys = scratch(ctx, rows * p2 * 4), idx = scratch(ctx, rows * p2 * 4);
  const values = a.values ?? scratch(ctx, rows * k * 4), indices = a.indices ?? scratch(ctx, rows * k * 4);
  const run = (pass: GPUComputePassEncoder, entry: string, threads: number, j: number, kk: number): void => {
    const { pipeline: pl, layout } = get(entry);
    const [gx, gy] = grid2d(ctx, Math.ceil(threads / wg), op);
    const u = uniforms(ctx, [rows, n, p2, j, kk, gx, a.desc ? 1 : 0, k, a.reverse ? 1 : 0, 0, 0, 0]);
    const bg = ctx.device.createBindGroup({ layout, entries: [u, a.x, keys, idx, values, indices].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    pass.setPipeline(pl);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(gx, gy);
  };
  withPass(target, (pass) => {
    run(pass, 'sortInit', rows * p2, 0, 0);
    for (let kk = 2; kk <= p2; kk *= 2) for (let j = kk / 2; j >= 1; j /= 2) run(pass, 'sortStep', (rows * p2) / 2, j, kk);
    run(pass, 'sortFinish', rows * k, 0, 0);
  });
}

/** Encode the ascending (NaN last, stable) or descending (its exact reverse) sort of each row, with argsort indices. */
export function encodeSort(ctx: RoutineContext, target: PassOrEncoder, args: SortArgs): void {
  encodeBitonic(ctx, target, 'sort', { ...args, k: args.n, desc: false, reverse: args.descending ?? false });
}

/** Encode the k largest values of each row and their indices (lax.top_k order). */
export function encodeTopK(ctx: RoutineContext, target: PassOrEncoder, args: TopKArgs): void {
  encodeBitonic(ctx, target, 'topK', { ...args, desc: true, reverse: false });
}
