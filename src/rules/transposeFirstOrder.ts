// Transpose rules of the linear first-order primitives: cotangents of the outputs → cotangents of the linear operands.
//
// Operands being transposed arrive as UndefPrimal (with their aval); the others are known arrays. A null
// output cotangent is a symbolic zero and gives null cotangents. Each cotangent has its operand's dtype.
// Rules follow jax/_src/lax/lax.py, slicing.py and convolution.py (cited per rule).
import { isFloat } from '../core/dtype.js';
import type { LinearPrim } from '../core/primitive.js';
import type { Array } from '../core/trace.js';
import * as lax from '../lax/prims.js';
import {
  argsort,
  avalOf,
  castCt,
  clampIndices,
  convTransposeLhs,
  convTransposeRhs,
  dotTransposeLhs,
  dotTransposeRhs,
  inBoundsMask,
  isUndef,
  known,
  range,
  zerosOf,
} from './adUtil.js';
import type { HigherOrderPrim } from './impl.js';
import type { TransposeRule, UndefPrimal } from './types.js';

type Arg = Array | UndefPrimal;
const nulls = (args: readonly unknown[]): null[] => args.map(() => null);

/** A rule for single-output primitives: `f(ct, args)` runs only when the cotangent is non-zero. */
const rule = <P extends Exclude<LinearPrim, HigherOrderPrim>>(
  f: (ct: Array, args: Arg[], params: Parameters<TransposeRule<P>>[2]) => (Array | null)[],
): TransposeRule<P> => ([ct], args, params) => (ct ? f(ct, args, params) : nulls(args));

/** The known (non-differentiated) integer index operands of gather/scatter/dynamic slices. */
const indices = (op: string, args: Arg[]): Array[] => args.map((a, i) => known(op, a, `index operand ${i}`));

/** Cotangent for operand x when it is being transposed, else null. */
const when = (x: Arg | undefined, f: () => Array): Array | null => (isUndef(x) ? f() : null);

export const transposeRulesFirstOrder = {
  // neg: ct → -ct
  neg: rule((ct) => [lax.neg(ct)]),
  // add: ct flows to both operands (lax.py _add_transpose)
  add: rule((ct, [x, y]) => [when(x, () => ct), when(y, () => ct)]),
  // sub: (ct, -ct) (lax.py _sub_transpose)
  sub: rule((ct, [x, y]) => [when(x, () => ct), when(y, () => lax.neg(ct))]),
  // mul is bilinear: transpose w.r.t. the unknown operand is ct times the known one (ad.defbilinear)
  mul: rule((ct, [x, y]) => {
    if (isUndef(x) && isUndef(y)) throw new TypeError('mul transpose: both operands are unknown; x·y is not linear in (x, y) jointly');
    return [when(x, () => lax.mul(ct, known('mul', y, 'right operand'))), when(y, () => lax.mul(known('mul', x, 'left operand'), ct))];
  }),
  // div is linear in the numerator only: ct / y (lax.py _div_transpose_rule)
  div: rule((ct, [x, y]) => {
    if (isUndef(y)) throw new TypeError("div transpose: the denominator is the unknown; x / y is not linear in y (only the numerator can be transposed)");
    return [when(x, () => lax.div(ct, known('div', y, 'denominator'))), null];
  }),
  // select(p, a, b): ct goes to a where p, to b elsewhere (lax.py _select_transpose_rule)
  select: rule((ct, [p, a, b]) => {
    const pred = known('select', p, 'predicate');
    const z = lax.zerosLike(ct);
    return [null, when(a, () => lax.select(pred, ct, z)), when(b, () => lax.select(pred, z, ct))];
  }),
  // convert back to the operand's dtype; int/bool operands carry no cotangent (lax.py _convert_element_type_transpose_rule)
  convertElementType: rule((ct, [x]) => [isUndef(x) && isFloat(x.aval.dtype) ? castCt(ct, x.aval) : null]),
  // Sum over the broadcast axes, including those where the operand had size 1 (lax.py _broadcast_in_dim_transpose_rule)
  broadcastInDim: rule((ct, [x], { shape, broadcastDimensions: bd }) => [
    when(x, () => {
      const xs = avalOf(x!).shape;
      const unitOut = new Set(bd.filter((_, i) => xs[i] === 1));
      const sumAxes = range(shape.length).filter((a) => !bd.includes(a) || unitOut.has(a));
      return lax.reshape(lax.reduceSum(ct, sumAxes), xs);
    }),
  ]),
  reshape: rule((ct, [x]) => [when(x, () => lax.reshape(ct, avalOf(x!).shape))]),
  transpose: rule((ct, [x], { permutation }) => [when(x, () => lax.transpose(ct, argsort(permutation)))]),
  // Broadcast back along the reduced axes (lax.py _reduce_sum_transpose_rule)
  reduceSum: rule((ct, [x], { axes }) => [
    when(x, () => {
      const xs = avalOf(x!).shape;
      return lax.broadcastInDim(ct, xs, range(xs.length).filter((i) => !axes.includes(i)));
    }),
  ]),
  // cumsum's transpose is the cumsum in the other direction
  cumsum: rule((ct, [x], { axis, reverse }) => [when(x, () => lax.cumsum(ct, axis, !reverse))]),
  // Pad with zeros back to the operand's shape; strides become interior padding (slicing.py _slice_transpose_fancy)
  slice: rule((ct, [x], { startIndices, strides }) => [
    when(x, () => {
      const xs = avalOf(x!).shape;
      const st = strides ?? xs.map(() => 1);
      const cfg = startIndices.map((s, i) => {
        const n = ct.shape[i]!;
        const realLimit = s + (n === 0 ? 0 : 1 + (n - 1) * st[i]!);
        return [s, xs[i]! - realLimit, st[i]! - 1] as const;
      });
      return lax.pad(ct, lax.scalar(0, ct.dtype), cfg);
    }),
  ]),
  // Operand: un-pad (negated low/high, which also restores cropped entries as zeros) then a strided slice
  // dropping interior padding. Padding value: everything that did not come from the operand
  // (lax.py _pad_transpose).
  pad: rule((ct, [x, v], { paddingConfig }) => {
    const unpadded = lax.pad(ct, lax.scalar(0, ct.dtype), paddingConfig.map(([lo, hi]) => [-lo, -hi, 0] as const));
    const tOp = lax.slice(unpadded, unpadded.shape.map(() => 0), unpadded.shape, paddingConfig.map(([, , int]) => int + 1));
    const all = range(ct.ndim);
    return [
      when(x, () => castCt(tOp, avalOf(x!))),
      when(v, () => castCt(lax.sub(lax.reduceSum(ct, all), lax.reduceSum(tOp, all)), avalOf(v!))),
    ];
  }),
  // Split the cotangent along the concatenated axis (lax.py _concatenate_transpose_rule)
  concatenate: rule((ct, xs, { dimension }) => {
    let off = 0;
    return xs.map((x) => {
      const n = avalOf(x).shape[dimension]!;
      const start = off;
      off += n;
      return when(x, () => lax.sliceInDim(ct, start, start + n, 1, dimension));
    });
  }),
  rev: rule((ct, [x], { dimensions }) => [when(x, () => lax.rev(ct, dimensions))]),
  // Write the cotangent into zeros at the same (identically clamped) starts (slicing.py _dynamic_slice_transpose_fancy)
  dynamicSlice: rule((ct, [x, ...idx]) => {
    const ix = indices('dynamicSlice', idx);
    return [when(x, () => lax.dynamicUpdateSlice(zerosOf(avalOf(x!)), ct, ix)), ...nulls(idx)];
  }),
  // Operand: ct with the updated window zeroed; update: that window of ct
  // (slicing.py _dynamic_update_slice_transpose_rule)
  dynamicUpdateSlice: rule((ct, [x, u, ...idx]) => {
    const ix = indices('dynamicUpdateSlice', idx);
    const us = avalOf(u!);
    return [
      when(x, () => lax.dynamicUpdateSlice(ct, lax.zeros(us.shape, ct.dtype), ix)),
      when(u, () => castCt(lax.dynamicSlice(ct, ix, us.shape), us)),
      ...nulls(idx),
    ];
  }),
  // Scatter-add the cotangent into zeros at the gathered positions (slicing.py _gather_transpose_rule). gather
  // clamps out-of-range indices but scatterAdd drops them, so the indices are clamped explicitly (JAX's mode=CLIP).
  gather: rule((ct, [x, ...idx], { axes, outDim }) => {
    const ix = indices('gather', idx);
    return [
      when(x, () => {
        const xa = avalOf(x!);
        return lax.scatterAdd(zerosOf(xa), ct, clampIndices(xa.shape, ix, axes), axes, outDim);
      }),
      ...nulls(idx),
    ];
  }),
  // Operand: ct; updates: ct gathered at the indices (slicing.py _scatter_add_transpose_rule), zero for the
  // out-of-range updates that scatterAdd dropped (gather would clamp them onto some other position).
  scatterAdd: rule((ct, [x, u, ...idx], { axes, outDim }) => {
    const ix = indices('scatterAdd', idx);
    return [
      when(x, () => ct),
      when(u, () => {
        const g = lax.gather(ct, ix, axes, outDim);
        const mask = inBoundsMask(ct.shape, ix, axes, outDim, g.shape);
        return castCt(lax.select(mask, g, lax.zerosLike(g)), avalOf(u!));
      }),
      ...nulls(idx),
    ];
  }),
  // Operand: ct with the overwritten positions zeroed (slicing.py _scatter_transpose_rule). Updates: ct gathered
  // at the indices, but only for the update that won each position: JAX requires unique indices here; we
  // instead find the winner (last write) by scattering update ids, so duplicates are exact too (and dropped
  // out-of-range updates never win).
  scatter: rule((ct, [x, u, ...idx], { axes, outDim }) => {
    const ix = indices('scatter', idx);
    const us = avalOf(u!);
    return [
      when(x, () => lax.scatter(ct, lax.zeros(us.shape, ct.dtype), ix, axes, outDim)),
      when(u, () => {
        const ids = lax.reshape(lax.iota('int32', [us.size]), us.shape);
        const winner = lax.scatter(lax.full(ct.shape, -1, 'int32'), ids, ix, axes, outDim);
        const won = lax.eq(lax.gather(winner, ix, axes, outDim), ids);
        const g = lax.gather(ct, ix, axes, outDim);
        return castCt(lax.select(won, g, lax.zerosLike(g)), us);
      }),
      ...nulls(idx),
    ];
  }),
  // lax.py _dot_general_transpose_lhs / _dot_general_transpose_rhs
  dotGeneral: rule((ct, [x, y], { contract, batch }) => {
    if (isUndef(x) && isUndef(y)) throw new TypeError('dotGeneral transpose: both operands are unknown; dotGeneral is bilinear, not linear in (x, y) jointly');
    return [
      when(x, () => dotTransposeLhs(ct, avalOf(x!), known('dotGeneral', y, 'rhs'), contract, batch)),
      when(y, () => dotTransposeRhs(ct, known('dotGeneral', x, 'lhs'), avalOf(y!), contract, batch)),
    ];
  }),
  // convolution.py _conv_general_dilated_transpose_lhs / _rhs
  convGeneralDilated: rule((ct, [x, w], p) => {
    if (isUndef(x) && isUndef(w)) throw new TypeError('convGeneralDilated transpose: both operands are unknown; a conv is bilinear, not linear in (lhs, rhs) jointly');
    return [
      when(x, () => convTransposeLhs(ct, avalOf(x!), known('convGeneralDilated', w, 'rhs'), p)),
      when(w, () => convTransposeRhs(ct, known('convGeneralDilated', x, 'lhs'), avalOf(w!), p)),
    ];
  }),
} satisfies { [P in Exclude<LinearPrim, HigherOrderPrim>]: TransposeRule<P> };
