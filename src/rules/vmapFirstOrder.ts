// Batching (vmap) rules of every first-order primitive, written with lax ops so they compose with every transform.
// Each rule follows the JAX batcher cited beside it (jax/_src/interpreters/batching.py, jax/_src/lax/*.py).
import { ShapedArray, range } from '../core/aval.js';
import {
  type BinaryPrim,
  type ComparePrim,
  type ConvParams,
  type GatherParams,
  type Params,
  type ReducePrim,
  type UnaryPrim,
  binaryPrims,
  comparePrims,
  unaryPrims,
} from '../core/primitive.js';
import { type Array, bind, bind1 } from '../core/trace.js';
import * as lax from '../lax/prims.js';
import { abstractEvalRules } from './abstractEval.js';
import type { FirstOrderPrim } from './impl.js';
import type { VmapRule } from './types.js';
import {
  type BDim,
  bump,
  firstBatched,
  insertAt,
  matchAxis,
  moveaxis,
  removeAt,
  reshapeAxisInto,
  reshapeAxisOutOf,
  units,
} from './batchUtil.js';

const dimAt = (dims: readonly BDim[], i: number): BDim => dims[i] ?? null;
const allUnbatched = (dims: readonly BDim[]): boolean => dims.every((d) => d === null);

/**
 * Wraps a rule so that a call with no batched operand just applies the primitive (unbatched outputs);
 * the rule proper may then assume at least one batched operand.
 */
const guarded =
  <P extends FirstOrderPrim>(p: P, rule: VmapRule<P>): VmapRule<P> =>
  (args, dims, params, size) => {
    if (!allUnbatched(dims)) return rule(args, dims, params, size);
    const outs = bind(p, args, params);
    return [outs, outs.map(() => null)];
  };

/** A single-operand rule whose operand is known batched at `b`. */
const single =
  <P extends FirstOrderPrim>(
    p: P,
    rule: (x: Array, b: number, params: Params<P>, size: number) => [Array, BDim],
  ): VmapRule<P> =>
  (args, dims, params, size) => {
    const [out, d] = rule(args[0]!, firstBatched(p, dims), params, size);
    return [[out], [d]];
  };

/** Elementwise ops that keep the batch axis where it is (vectorized_batcher in batching.py). */
const keepAxis = <P extends FirstOrderPrim>(p: P): VmapRule<P> =>
  single(p, (x, b, params) => [bind1(p, [x], params), b]);

/**
 * Elementwise n-ary ops (broadcast_batcher in batching.py): when every batched operand already has its
 * batch axis at the same place the op applies as is; otherwise the batched operands are moved to the
 * first batched operand's axis. Unbatched operands get the batch axis by broadcasting (lax ops don't
 * broadcast implicitly).
 */
const broadcasting = <P extends FirstOrderPrim>(p: P): VmapRule<P> => (args, dims, params, size) => {
  const t = firstBatched(p, dims);
  const xs = args.map((x, i) => (dimAt(dims, i) === t ? x : matchAxis(x, dimAt(dims, i), size, t)));
  return [[bind1(p, xs, params)], [t]];
};

/** The lax op of each reduction. */
const reduceOps: { [P in ReducePrim]: (x: Array, axes: readonly number[]) => Array } = {
  reduceSum: lax.reduceSum,
  reduceMax: lax.reduceMax,
  reduceMin: lax.reduceMin,
  reduceProd: lax.reduceProd,
};

/** Reductions: shift the axes past the batch axis; the batch axis drops by the reduced axes before it (reducer_batcher). */
const reducer = <P extends ReducePrim>(p: P): VmapRule<P> =>
  single(p, (x, b, { axes }) => {
    const ax = axes.map((a) => bump(a, b));
    return [reduceOps[p](x, ax), b - ax.filter((a) => a < b).length];
  });

const argReducer = <P extends 'argmax' | 'argmin'>(p: P): VmapRule<P> =>
  single(p, (x, b, { axis, indexDtype }) => {
    const a = bump(axis, b);
    const f = p === 'argmax' ? lax.argmax : lax.argmin;
    return [f(x, a, indexDtype), a < b ? b - 1 : b];
  });

/** Index arrays of a batched gather/scatter: each batched one moved to the front and padded with unit axes to rank 1 + r. */
function batchIndices(idx: readonly Array[], dims: readonly BDim[], size: number): { indices: Array[]; rank: number } {
  const shapes = idx.map((x, i) => {
    const d = dimAt(dims, i);
    return d === null ? x.shape : removeAt(x.shape, d);
  });
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const indices = idx.map((x, i) => {
    const d = dimAt(dims, i);
    if (d === null) return x; // broadcasts right-aligned against [size, ...I]
    const s = shapes[i]!;
    return lax.reshape(moveaxis(x, d, 0), [size, ...units(rank - s.length), ...s]);
  });
  return { indices, rank };
}

/** iota over the batch, shaped [size, 1, ..., 1] (rank 1 + r): indexes the operand's batch axis at 0. */
const batchIota = (size: number, rank: number): Array => lax.iota('int32', [size, ...units(rank)], 0);

/**
 * Start indices of a dynamic slice of `sizes` out of `dims` turned into gather/scatter index arrays
 * (_batch_dynamic_slice_indices in slicing.py): start k is clamped to [0, dims[k] - sizes[k]] as
 * dynamicSlice does, then index array k, shaped [B, 1, .., sizes[k], .., 1], is start + iota along k.
 */
function sliceIndexArrays(starts: readonly Array[], sdims: readonly BDim[], dims: readonly number[], sizes: readonly number[], size: number): Array[] {
  const n = sizes.length;
  return starts.map((s, k) => {
    const shape = [size, ...units(n)];
    shape[k + 1] = sizes[k]!;
    const si = lax.convertElementType(s, 'int32');
    const lo = lax.full(si.shape, 0, 'int32');
    const hi = lax.full(si.shape, Math.max(0, dims[k]! - sizes[k]!), 'int32');
    const clamped = lax.min(lax.max(si, lo), hi);
    const base = lax.broadcastInDim(clamped, shape, dimAt(sdims, k) === null ? [] : [0]);
    return lax.add(base, lax.iota('int32', shape, k + 1));
  });
}

/** A zero int scalar of the dtype of the other start indices (start index of a full batch-axis slice). */
const zeroIndex = (starts: readonly Array[]): Array => lax.scalar(0, starts[0]?.dtype ?? 'int32');

/**
 * scatter / scatterAdd: the operand is always batched in the output (broadcast when it was not).
 * Unbatched indices: the batch axis is one more leading operand axis the updates carry at 0.
 * Batched indices: an iota index on the operand's batch axis pairs every batch element with its own
 * indices, and the updates carry the batch as the first axis of the index shape [B, ...I] at outDim.
 * Follows _scatter_batching_rule in slicing.py.
 */
const scatterRule = <P extends 'scatter' | 'scatterAdd'>(p: P): VmapRule<P> => (args, dims, { axes, outDim }, size) => {
  const [x, u, ...idx] = args as [Array, Array, ...Array[]];
  const [xb, ub, ...ib] = [dimAt(dims, 0), dimAt(dims, 1), ...dims.slice(2)];
  const f = p === 'scatter' ? lax.scatter : lax.scatterAdd;
  const xm = matchAxis(x, xb, size, 0);
  if (allUnbatched(ib)) {
    const um = matchAxis(u, ub, size, 0);
    return [[f(xm, um, idx, axes.map((a) => a + 1), outDim + 1)], [0]];
  }
  const { indices, rank } = batchIndices(idx, ib, size);
  const um = matchAxis(u, ub, size, outDim);
  return [[f(xm, um, [batchIota(size, rank), ...indices], [0, ...axes.map((a) => a + 1)], outDim)], [0]];
};

/** Output shape of one unbatched conv (for the empty-batch case). */
function convShape(lhs: Array, lb: BDim, rhs: Array, rb: BDim, p: ConvParams): ShapedArray {
  const un = (x: Array, b: BDim) => new ShapedArray(b === null ? x.shape : removeAt(x.shape, b), x.dtype);
  return abstractEvalRules.convGeneralDilated([un(lhs, lb), un(rhs, rb)], p)[0]!;
}

/**
 * conv: lhs batch folded into N, rhs batch folded into O, both: lhs batch into C with featureGroupCount
 * (or into N with batchGroupCount) multiplied by B, so each batch element convolves with its own filters.
 * Layouts are fixed (lhs N C ..., rhs O I ..., out N C ...). Follows _conv_general_dilated_batch_rule
 * in jax/_src/lax/convolution.py case by case.
 */
const convRule: VmapRule<'convGeneralDilated'> = ([lhs, rhs], [lbIn, rbIn], p, size) => {
  const lb = lbIn ?? null, rb = rbIn ?? null;
  let x = lhs!, w = rhs!;
  if (size === 0) {
    const s = convShape(x, lb, w, rb, p);
    return [[lax.full([0, ...s.shape], 0, s.dtype)], [0]];
  }
  const fgc = p.featureGroupCount, bgc = p.batchGroupCount;
  if (fgc > 1 && bgc > 1) throw new Error(`vmap of convGeneralDilated: featureGroupCount ${fgc} and batchGroupCount ${bgc} cannot both exceed 1`);
  const conv = (l: Array, r: Array, q: Partial<ConvParams>) => lax.convGeneralDilated(l, r, { ...p, ...q });
  if (lb !== null && rb !== null) {
    // One feature (or batch) group per batch element; group-major folding keeps them aligned.
    const l = bgc > 1 ? reshapeAxisInto(lb, 0, x) : reshapeAxisInto(lb, 1, x);
    const q = bgc > 1 ? { batchGroupCount: bgc * size } : { featureGroupCount: fgc * size };
    const out = conv(l, reshapeAxisInto(rb, 0, w), q);
    return [[reshapeAxisOutOf(1, size, out)], [1]];
  }
  if (lb !== null) {
    if (bgc === 1) {
      const out = conv(reshapeAxisInto(lb, 0, x), w, {});
      return [[reshapeAxisOutOf(0, size, out)], [0]];
    }
    // N is [G, N/G] group-major: put the batch inside each group, [G, B * N/G].
    x = reshapeAxisOutOf(lb <= 0 ? 1 : 0, bgc, x);
    x = reshapeAxisInto(lb + (0 < lb ? 1 : 0), 1, x);
    x = reshapeAxisInto(0, 0, x);
    return [[reshapeAxisOutOf(0, size, conv(x, w, {}))], [0]];
  }
  if (rb === null) throw new Error('vmap rule of convGeneralDilated: called with no batched operand');
  if (fgc === 1 && bgc === 1) {
    const out = conv(x, reshapeAxisInto(rb, 0, w), {});
    return [[reshapeAxisOutOf(1, size, out)], [1]];
  }
  // O is [G, O/G] group-major: put the batch inside each group ([G, B * O/G]), then undo it on the output.
  const g = fgc > 1 ? fgc : bgc;
  w = reshapeAxisOutOf(rb <= 0 ? 1 : 0, g, w);
  w = reshapeAxisInto(rb + (0 < rb ? 1 : 0), 1, w);
  w = reshapeAxisInto(0, 0, w);
  let out = conv(x, w, {});
  out = reshapeAxisOutOf(1, g, out); // [N, G, B * O/G, ...]
  out = reshapeAxisOutOf(2, size, out); // [N, G, B, O/G, ...]
  out = reshapeAxisInto(1, 2, out); // [N, B, G * O/G, ...]
  return [[out], [1]];
};

const fromEntries = <K extends string, T>(keys: readonly K[], f: (k: K) => T): { [P in K]: T } =>
  Object.fromEntries(keys.map((k) => [k, f(k)])) as { [P in K]: T };

const rules = {
  ...(fromEntries(unaryPrims, (p) => keepAxis(p)) as { [P in UnaryPrim]: VmapRule<P> }),
  ...(fromEntries(binaryPrims, (p) => broadcasting(p)) as { [P in BinaryPrim]: VmapRule<P> }),
  ...(fromEntries(comparePrims, (p) => broadcasting(p)) as { [P in ComparePrim]: VmapRule<P> }),
  // _select_batch_rule in lax.py: elementwise over (pred, onTrue, onFalse).
  select: broadcasting('select'),
  // _convert_element_type_batching_rule in lax.py: elementwise, axis kept.
  convertElementType: single('convertElementType', (x, b, { newDtype, weakType }) => [lax.convertElementType(x, newDtype, weakType), b]),
  bitcastConvertType: single('bitcastConvertType', (x, b, { newDtype }) => [lax.bitcastConvertType(x, newDtype), b]),
  // _stop_gradient_batch_rule in lax.py.
  stopGradient: single('stopGradient', (x, b) => [lax.stopGradient(x), b]),

  // iota has no operands, so it is never batched: the guard applies it unbatched.
  iota: (_args, _dims, { dtype, shape, dimension }) => [[lax.iota(dtype, shape, dimension)], [null]],

  // _broadcast_in_dim_batch_rule in lax.py moves the batch axis to 0; instead we place it in the output
  // right after the output axis of the operand axis before it, which keeps broadcastDimensions
  // increasing without a transpose.
  broadcastInDim: single('broadcastInDim', (x, b, { shape, broadcastDimensions: bd }, size) => {
    const at = b === 0 ? 0 : bd[b - 1]! + 1;
    const newBd = [...bd.slice(0, b), at, ...bd.slice(b).map((d) => d + 1)];
    return [lax.broadcastInDim(x, insertAt(shape, at, size), newBd), at];
  }),
  // _reshape_batch_rule in lax.py: batch axis to the front, then reshape the rest.
  reshape: single('reshape', (x, b, { newSizes }, size) => [lax.reshape(moveaxis(x, b, 0), [size, ...newSizes]), 0]),
  // _transpose_batch_rule in lax.py: the batch axis leads the permutation.
  transpose: single('transpose', (x, b, { permutation }) => [lax.transpose(x, [b, ...permutation.map((a) => bump(a, b))]), 0]),
  reduceSum: reducer('reduceSum'),
  reduceMax: reducer('reduceMax'),
  reduceMin: reducer('reduceMin'),
  reduceProd: reducer('reduceProd'),
  argmax: argReducer('argmax'),
  argmin: argReducer('argmin'),
  // cumsum is batched like jax's cumred batch rule: the scan axis shifts past the batch axis.
  cumsum: single('cumsum', (x, b, { axis, reverse }) => [lax.cumsum(x, bump(axis, b), reverse), b]),
  // _slice_batching_rule in slicing.py: a full slice of the batch axis.
  slice: single('slice', (x, b, { startIndices, limitIndices, strides }, size) => [
    lax.slice(x, insertAt(startIndices, b, 0), insertAt(limitIndices, b, size), strides && insertAt(strides, b, 1)),
    b,
  ]),
  // _pad_batch_rule in lax.py: a batched padding value is applied with a mask of the original positions.
  pad: ([xIn, v], [xbIn, vb], { paddingConfig }, size) => {
    let x = xIn!, xb = xbIn ?? null;
    if (xb === null) {
      x = matchAxis(x, null, size, 0);
      xb = 0;
    }
    const cfg = insertAt(paddingConfig, xb, [0, 0, 0] as const);
    if (vb === null || vb === undefined) return [[lax.pad(x, v!, cfg)], [xb]];
    const padded = lax.pad(x, lax.scalar(0, x.dtype), cfg);
    const mask = lax.pad(lax.full(x.shape, true, 'bool'), lax.scalar(false, 'bool'), cfg);
    const fill = lax.broadcastInDim(moveaxis(v!, vb, 0), padded.shape, [xb]);
    return [[lax.select(mask, padded, fill)], [xb]];
  },
  // _concatenate_batch_rule in lax.py: operands share the batch axis (unbatched ones broadcast).
  concatenate: (args, dims, { dimension }, size) => {
    const t = firstBatched('concatenate', dims);
    const xs = args.map((x, i) => (dimAt(dims, i) === t ? x : matchAxis(x, dimAt(dims, i), size, t)));
    return [[lax.concatenate(xs, bump(dimension, t))], [t]];
  },
  // _rev_batch_rule in lax.py.
  rev: single('rev', (x, b, { dimensions }) => [lax.rev(x, dimensions.map((d) => bump(d, b))), b]),

  // _dynamic_slice_batching_rule in slicing.py: unbatched starts slice the whole batch axis; batched
  // starts become a gather of start + iota per axis (plus an iota over the batch when x is batched).
  dynamicSlice: ([x, ...starts], [xb, ...sb], { sliceSizes }, size) => {
    const op = x!;
    const xbd = xb ?? null;
    if (allUnbatched(sb)) {
      if (xbd === null) throw new Error('vmap rule of dynamicSlice: called with no batched operand');
      return [[lax.dynamicSlice(op, insertAt(starts, xbd, zeroIndex(starts)), insertAt(sliceSizes, xbd, size))], [xbd]];
    }
    const dims = xbd === null ? op.shape : removeAt(op.shape, xbd);
    const idx = sliceIndexArrays(starts, sb, dims, sliceSizes, size);
    const n = sliceSizes.length;
    if (xbd === null) return [[lax.gather(op, idx, range(n), 0)], [0]];
    return [[lax.gather(moveaxis(op, xbd, 0), [batchIota(size, n), ...idx], range(n + 1), 0)], [0]];
  },
  // _dynamic_update_slice_batching_rule in slicing.py: unbatched starts update the whole batch axis;
  // batched starts become a scatter of the update at start + iota (with an iota over the batch).
  dynamicUpdateSlice: ([x, u, ...starts], [xbIn, ubIn, ...sb], _params, size) => {
    const xb = xbIn ?? null, ub = ubIn ?? null;
    if (allUnbatched(sb)) {
      const t = xb ?? firstBatched('dynamicUpdateSlice', [ub]);
      const xm = matchAxis(x!, xb, size, t), um = ub === t ? u! : matchAxis(u!, ub, size, t);
      return [[lax.dynamicUpdateSlice(xm, um, insertAt(starts, t, zeroIndex(starts)))], [t]];
    }
    const xm = matchAxis(x!, xb, size, 0), um = matchAxis(u!, ub, size, 0);
    const sizes = um.shape.slice(1);
    const idx = sliceIndexArrays(starts, sb, xm.shape.slice(1), sizes, size);
    const n = sizes.length;
    return [[lax.scatter(xm, um, [batchIota(size, n), ...idx], range(n + 1), 0)], [0]];
  },
  // _gather_batching_rule in slicing.py, in numpy-advanced-indexing terms.
  gather: ([x, ...idx], [xbIn, ...ib], { axes, outDim }: GatherParams, size) => {
    const op = x!, xb = xbIn ?? null;
    if (allUnbatched(ib)) {
      // Only the operand is batched: its batch axis passes through as one more non-indexed axis, at
      // position rp among the non-indexed axes; no transpose needed.
      if (xb === null) throw new Error('vmap rule of gather: called with no batched operand');
      const ax = axes.map((a) => bump(a, xb));
      const rp = xb - ax.filter((a) => a < xb).length;
      if (rp <= outDim) return [[lax.gather(op, idx, ax, outDim + 1)], [rp]];
      // The index shape is inserted before the batch axis: the batch lands after it.
      const irank = Math.max(0, ...idx.map((i) => i.ndim));
      return [[lax.gather(op, idx, ax, outDim)], [rp + irank]];
    }
    // Indices batched: the index shape becomes [B, ...I] and lands at outDim.
    const { indices, rank } = batchIndices(idx, ib, size);
    if (xb === null) return [[lax.gather(op, indices, axes, outDim)], [outDim]];
    const xm = moveaxis(op, xb, 0);
    return [[lax.gather(xm, [batchIota(size, rank), ...indices], [0, ...axes.map((a) => a + 1)], outDim)], [outDim]];
  },
  scatterAdd: scatterRule('scatterAdd'),
  scatter: scatterRule('scatter'),

  // _dot_general_batch_rule / _dot_general_batch_dim_nums in lax.py: both batched -> a new leading batch
  // dimension pair; one side -> a free dimension whose output position follows the free-dim order.
  dotGeneral: ([x, y], [lbIn, rbIn], { contract: [lc, rc], batch: [lbat, rbat], preferredElementType }) => {
    const lb = lbIn ?? null, rb = rbIn ?? null;
    const lhs = x!, rhs = y!;
    const bumpAll = (ds: readonly number[], b: BDim) => (b === null ? ds.slice() : ds.map((d) => bump(d, b)));
    const free = (nd: number, c: readonly number[], bt: readonly number[]) => range(nd).filter((d) => !c.includes(d) && !bt.includes(d));
    let out: number;
    let nlb = bumpAll(lbat, lb), nrb = bumpAll(rbat, rb);
    const nlc = bumpAll(lc, lb), nrc = bumpAll(rc, rb);
    if (lb !== null && rb !== null) {
      nlb = [lb, ...nlb];
      nrb = [rb, ...nrb];
      out = 0;
    } else if (lb !== null) {
      out = lbat.length + free(lhs.ndim, nlc, nlb).filter((d) => d < lb).length;
    } else if (rb !== null) {
      const lhsOut = lhs.ndim - lc.length; // batch + lhs free dims
      out = lhsOut + free(rhs.ndim, nrc, nrb).filter((d) => d < rb).length;
    } else {
      throw new Error('vmap rule of dotGeneral: called with no batched operand');
    }
    return [[lax.dotGeneral(lhs, rhs, [nlc, nrc], [nlb, nrb], preferredElementType)], [out]];
  },
  convGeneralDilated: convRule,
  // _sort_batch_rule in lax.py: every operand gets the batch axis at one place; the sort axis shifts.
  sort: (args, dims, { dimension, numKeys, descending }, size) => {
    const t = firstBatched('sort', dims);
    const xs = args.map((x, i) => (dimAt(dims, i) === t ? x : matchAxis(x, dimAt(dims, i), size, t)));
    const outs = lax.sort(xs, bump(dimension, t), numKeys, descending);
    return [outs, outs.map(() => t)];
  },
} satisfies { [P in FirstOrderPrim]: VmapRule<P> };

/** Batching rules of the first-order primitives; a call with no batched operand applies the primitive unbatched. */
export const vmapRulesFirstOrder = fromEntries(Object.keys(rules) as FirstOrderPrim[], (p) =>
  guarded(p, rules[p] as VmapRule<typeof p>),
) as unknown as { [P in FirstOrderPrim]: VmapRule<P> };

