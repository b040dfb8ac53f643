// encodeReduce: sum/prod/max/min over the middle axis of x viewed as [outer, size, inner] (kernels/reduce.wgsl).
/// <reference types="@webgpu/types" />
import { type PassOrEncoder, type RoutineContext, bindGroup, grid2d, instantiate, lanes, pipeline, scratch, uniforms, withPass } from './common.js';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min';

export interface ReduceArgs {
  /** f32 input, [outer, size, inner] row-major. */
  readonly x: GPUBuffer;
  /** f32 output, [outer, inner]. */
  readonly out: GPUBuffer;
  readonly op: ReduceOp;
  readonly outer: number;
  readonly size: number;
  readonly inner?: number;
  /** Use subgroup operations for the in-workgroup step (default: when the device has 'subgroups'). */
  readonly subgroups?: boolean;
}

const table = {
  sum: { init: 0, op: 'a + b', sg: 'subgroupAdd' },
  prod: { init: 1, op: 'a * b', sg: 'subgroupMul' },
  // max/min propagate NaN like jnp.max (WGSL max() may drop it)
  max: { init: -Infinity, op: 'select(max(a, b), a + b, isNan(a) || isNan(b))', sg: 'subgroupMax' },
  min: { init: Infinity, op: 'select(min(a, b), a + b, isNan(a) || isNan(b))', sg: 'subgroupMin' },
} satisfies { [O in ReduceOp]: { init: number; op: string; sg: string } };

function reduceCode(ctx: RoutineContext, op: ReduceOp, subgroups: boolean): string {
  const t = table[op];
  const tree = subgroups
    ? `  // subgroup step, then a walk over the per-subgroup results (subgroups assumed laid out by local index)
  let sgv = ${t.sg}(acc);
  if (sgid == 0u) { tree[li / sgsize] = sgv; }
  workgroupBarrier();
  var total = P.ident;
  if (li == 0u) { for (var i = 0u; i < (WG + sgsize - 1u) / sgsize; i = i + 1u) { total = combine(total, tree[i]); } }`
    : `  tree[li] = acc;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (li < half) { tree[li] = combine(tree[li], tree[li + half]); }
    workgroupBarrier();
  }
  let total = tree[0];`;
  return instantiate('reduce.wgsl', {
    ENABLE: subgroups ? 'enable subgroups;' : '',
    WG: lanes(ctx), OP: t.op, SUBGROUPS: String(subgroups), TREE: tree,
    SG_ARGS: subgroups ? ', @builtin(subgroup_invocation_id) sgid: u32, @builtin(subgroup_size) sgsize: u32' : '',
  });
}

/** Encode out[o, i] = op_{s < size} x[o, s, i]. Rows (inner = 1) reduce by workgroup trees, in two passes when there are few long rows. */
export function encodeReduce(ctx: RoutineContext, target: PassOrEncoder, args: ReduceArgs): void {
  const { outer, size } = args;
  const inner = args.inner ?? 1;
  for (const [k, v] of Object.entries({ outer, size, inner })) if (!Number.isInteger(v) || v < 0) throw new Error(`wgsl reduce: ${k} must be a non-negative integer, got ${v}`);
  if (outer * inner === 0) return;
  if (size === 0) throw new Error(`wgsl reduce: ${args.op} over an empty axis (size 0) has no value here; fill the identity instead`);
  // Subgroup max/min do not promise NaN propagation: those keep the workgroup tree.
  const sg = (args.subgroups ?? true) && ctx.device.features.has('subgroups') && (args.op === 'sum' || args.op === 'prod');
  const wg = lanes(ctx);
  withPass(target, (pass) => {
    if (inner > 1) {
      const code = reduceCode(ctx, args.op, false);
      const p = pipeline(ctx, code, 'reduceCols');
      const [gx, gy] = grid2d(ctx, Math.ceil((outer * inner) / wg), 'reduce');
      pass.setPipeline(p);
      pass.setBindGroup(0, bindGroup(ctx, p, [uniforms(ctx, [outer, size, inner, 1, size, gx, { f: table[args.op].init }, 0]), args.x, args.out]));
      pass.dispatchWorkgroups(gx, gy);
      return;
    }
    const p = pipeline(ctx, reduceCode(ctx, args.op, sg), 'reduceRows');
    // Few long rows: split each into chunks of ≥ 16 elements per thread so that ~256 workgroups share the work.
    let src = args.x, n = size;
    while (true) {
      const chunks = outer >= 256 || n <= wg * 16 ? 1 : Math.min(Math.ceil(n / (wg * 16)), Math.ceil(256 / outer));
      const chunkLen = Math.ceil(n / chunks);
      const dst = chunks === 1 ? args.out : scratch(ctx, outer * chunks * 4);
      const [gx, gy] = grid2d(ctx, outer * chunks, 'reduce');
      pass.setPipeline(p);
      pass.setBindGroup(0, bindGroup(ctx, p, [uniforms(ctx, [outer, n, 1, chunks, chunkLen, gx, { f: table[args.op].init }, 0]), src, dst]));
      pass.dispatchWorkgroups(gx, gy);
      if (chunks === 1) return;
      src = dst;
      n = chunks;
    }
  });
}
