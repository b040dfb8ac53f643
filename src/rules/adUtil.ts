// Shared helpers of the first-order JVP and transpose rules: constants, axis bookkeeping, conv/dot transposes.
import type { ShapedArray } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import type { ConvParams } from '../core/primitive.js';
import type { Array } from '../core/trace.js';
import * as lax from '../lax/prims.js';
import { UndefPrimal } from './types.js';

export const isUndef = (x: Array | UndefPrimal | undefined): x is UndefPrimal => x instanceof UndefPrimal;

/** The aval of an operand of a transpose rule, whether it is known or being transposed. */
export const avalOf = (x: Array | UndefPrimal): ShapedArray => x.aval;

/** Tangents exist only for floating-point values: integer/bool outputs get zero tangents. */
export const hasTangent = (x: Array): boolean => isFloat(x.dtype);

/** A constant of x's dtype (and weak flag) and shape. */
export const constLike = (x: Array, v: number): Array => lax.fullLike(x, v);

/** Zeros with exactly the given aval (shape, dtype, weak flag). */
export const zerosOf = (aval: ShapedArray): Array => lax.full(aval.shape, 0, aval.dtype, aval.weakType);

export const square = (x: Array): Array => lax.mul(x, x);

export function range(n: number, start = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i + start);
  return out;
}

/** Indices that sort `xs` ascending (np.argsort of distinct integers). */
export const argsort = (xs: readonly number[]): number[] => range(xs.length).sort((a, b) => xs[a]! - xs[b]!);

/** Axes of `0..n-1` in neither list, in increasing order. */
export const remaining = (n: number, ...lists: (readonly number[])[]): number[] =>
  range(n).filter((i) => lists.every((l) => !l.includes(i)));

/** Consecutive index ranges with the lengths of the given lists (JAX's ranges_like). */
export function rangesLike(...lists: (readonly number[])[]): number[][] {
  let start = 0;
  return lists.map((l) => {
    const r = range(l.length, start);
    start += l.length;
    return r;
  });
}

/** Casts a cotangent to the operand's dtype and weak flag (cotangents must match their primal's dtype). */
export const castCt = (ct: Array, aval: ShapedArray): Array => lax.convertElementType(ct, aval.dtype, aval.weakType);

/** Non-index operands of a transpose rule must be concrete arrays or tracers, never UndefPrimal. */
export function known(op: string, x: Array | UndefPrimal | undefined, what: string): Array {
  if (x === undefined || x instanceof UndefPrimal)
    throw new TypeError(`${op} transpose: the ${what} must be a known value, but it is the unknown being transposed (the primitive is not linear in it)`);
  return x;
}

// ---------------------------------------------------------------------------------------------
// dot_general transpose (jax/_src/lax/lax.py: _dot_general_transpose_lhs / _rhs)

/**
 * Cotangent of the lhs x of `dotGeneral(x, y)`: contract g with y over y's free axes, keep the batch axes,
 * then permute back to x's axis order. With `swapAns`, y's free axes come before x's in g (used for rhs).
 */
export function dotTransposeLhs(
  g: Array,
  xAval: ShapedArray,
  y: Array,
  contract: readonly [readonly number[], readonly number[]],
  batch: readonly [readonly number[], readonly number[]],
  swapAns = false,
): Array {
  const [xc, yc] = contract;
  const [xb, yb] = batch;
  const xKept = remaining(xAval.ndim, xc, xb);
  const yKept = remaining(y.ndim, yc, yb);
  const [ansBatch, ansY] = swapAns
    ? (([b, yy]) => [b!, yy!])(rangesLike(xb, yKept, xKept))
    : (([b, , yy]) => [b!, yy!])(rangesLike(xb, xKept, yKept));
  const xContractSortedByY = argsort(yc).map((i) => xc[i]!);
  const unsorted = [...xb, ...xKept, ...xContractSortedByY];
  // g and y share a dtype for the contraction; the result is cast back to x's dtype.
  const yy = y.dtype === g.dtype ? y : lax.convertElementType(y, g.dtype);
  const out = lax.dotGeneral(g, yy, [ansY, yKept], [ansBatch, yb]);
  return castCt(lax.transpose(out, argsort(unsorted)), xAval);
}

/** Cotangent of the rhs y of `dotGeneral(x, y)`: the lhs rule with the roles swapped. */
export function dotTransposeRhs(
  g: Array,
  x: Array,
  yAval: ShapedArray,
  contract: readonly [readonly number[], readonly number[]],
  batch: readonly [readonly number[], readonly number[]],
): Array {
  return dotTransposeLhs(g, yAval, x, [contract[1], contract[0]], [batch[1], batch[0]], true);
}

// ---------------------------------------------------------------------------------------------
// conv_general_dilated transpose (jax/_src/lax/convolution.py), layouts fixed to NC..., OI..., NC...

/** core.dilate_dim: size of a dimension after inserting `dilation - 1` holes between elements. */
const dilateDim = (d: number, dilation: number): number => (d === 0 ? 0 : 1 + dilation * (d - 1));

/** _conv_general_vjp_lhs_padding */
export function convVjpLhsPadding(
  inShape: readonly number[],
  windowDims: readonly number[],
  strides: readonly number[],
  outShape: readonly number[],
  padding: readonly (readonly [number, number])[],
  lhsDilation: readonly number[],
  rhsDilation: readonly number[],
): [number, number][] {
  return inShape.map((d, i) => {
    const lhsD = dilateDim(d, lhsDilation[i]!);
    const rhsD = dilateDim(windowDims[i]!, rhsDilation[i]!);
    const outD = dilateDim(outShape[i]!, strides[i]!);
    const before = rhsD - padding[i]![0] - 1;
    const after = lhsD + rhsD - 1 - outD - before;
    return [before, after];
  });
}

/** _conv_general_vjp_rhs_padding */
export function convVjpRhsPadding(
  inShape: readonly number[],
  windowDims: readonly number[],
  strides: readonly number[],
  outShape: readonly number[],
  padding: readonly (readonly [number, number])[],
  lhsDilation: readonly number[],
  rhsDilation: readonly number[],
): [number, number][] {
  return inShape.map((d, i) => {
    const lhsD = dilateDim(d, lhsDilation[i]!);
    const rhsD = dilateDim(windowDims[i]!, rhsDilation[i]!);
    const outD = dilateDim(outShape[i]!, strides[i]!);
    const lo = padding[i]![0];
    return [lo, outD - lhsD + (rhsD - lo - 1)];
  });
}

/**
 * Cotangent of the lhs of a conv (JAX's _conv_general_dilated_transpose_lhs): a conv of g with the
 * spatially reversed kernel whose in/out feature axes are swapped (feature or batch groups moved into the
 * new output-feature axis), strides and lhs dilation exchanged.
 */
export function convTransposeLhs(g: Array, lhsAval: ShapedArray, rhs: Array, p: ConvParams): Array {
  const nsp = lhsAval.ndim - 2;
  const sp = range(nsp, 2);
  const G = p.featureGroupCount, B = p.batchGroupCount;
  if (G > 1 && B > 1) throw new TypeError('convGeneralDilated transpose: featureGroupCount and batchGroupCount cannot both exceed 1');
  const [O, I] = [rhs.shape[0]!, rhs.shape[1]!];
  const k = rhs.shape.slice(2);
  let w = rhs.dtype === g.dtype ? rhs : lax.convertElementType(rhs, g.dtype);
  let groups = 1;
  if (G > 1 || B > 1) {
    // _reshape_axis_out_of(O, grp) then _reshape_axis_into(grp → I): [O, I] -> [grp, O/grp, I] -> [O/grp, grp*I]
    const grp = G > 1 ? G : B;
    w = lax.reshape(w, [grp, O / grp, I, ...k]);
    w = lax.transpose(w, [1, 0, 2, ...range(nsp, 3)]);
    w = lax.reshape(w, [O / grp, grp * I, ...k]);
    groups = grp;
  }
  // The transposed kernel's output features are the old input features: physically swap axes 0 and 1.
  w = lax.rev(lax.transpose(w, [1, 0, ...sp]), sp);
  const padding = convVjpLhsPadding(
    lhsAval.shape.slice(2), k, p.windowStrides, g.shape.slice(2), p.padding, p.lhsDilation, p.rhsDilation,
  );
  let out = lax.convGeneralDilated(g, w, {
    windowStrides: p.lhsDilation.slice(),
    padding,
    lhsDilation: p.windowStrides.slice(),
    rhsDilation: p.rhsDilation.slice(),
    featureGroupCount: groups,
    batchGroupCount: 1,
  });
  if (B > 1) {
    // [N/B, B*I, ...] -> [N/B, B, I, ...] -> [B, N/B, I, ...] -> [N, I, ...]
    const [nb, , ...s] = out.shape;
    out = lax.reshape(out, [nb!, B, I, ...s]);
    out = lax.transpose(out, [1, 0, 2, ...range(nsp, 3)]);
    out = lax.reshape(out, [nb! * B, I, ...s]);
  }
  return castCt(out, lhsAval);
}

/**
 * Cotangent of the rhs of a conv (JAX's _conv_general_dilated_transpose_rhs): a conv of the lhs (batch
 * and feature axes swapped) with g (likewise swapped) as the kernel; feature groups become batch groups
 * and vice versa; strides and rhs dilation are exchanged.
 */
export function convTransposeRhs(g: Array, lhs: Array, rhsAval: ShapedArray, p: ConvParams): Array {
  if (g.size === 0) return zerosOf(rhsAval);
  const nsp = lhs.ndim - 2;
  const sp = range(nsp, 2);
  let G = p.featureGroupCount, B = p.batchGroupCount;
  if (G > 1 && B > 1) throw new TypeError('convGeneralDilated transpose: featureGroupCount and batchGroupCount cannot both exceed 1');
  if (B > 1) [G, B] = [B, 1];
  else if (G > 1) [G, B] = [1, G];
  const padding = convVjpRhsPadding(
    lhs.shape.slice(2), rhsAval.shape.slice(2), p.windowStrides, g.shape.slice(2), p.padding, p.lhsDilation, p.rhsDilation,
  );
  const l = lhs.dtype === g.dtype ? lhs : lax.convertElementType(lhs, g.dtype);
  const out = lax.convGeneralDilated(lax.transpose(l, [1, 0, ...sp]), lax.transpose(g, [1, 0, ...sp]), {
    windowStrides: p.rhsDilation.slice(),
    padding,
    lhsDilation: p.lhsDilation.slice(),
    rhsDilation: p.windowStrides.slice(),
    featureGroupCount: G,
    batchGroupCount: B,
  });
  // The result is [I, O, ...k]: back to [O, I, ...k].
  return castCt(lax.transpose(out, [1, 0, ...sp]), rhsAval);
}

// ---------------------------------------------------------------------------------------------
// gather/scatter index bookkeeping: gather clamps out-of-range indices, scatter/scatterAdd drop them.

/** Each index array clamped into its axis, so a scatter at these indices hits exactly what gather read. */
export function clampIndices(operandShape: readonly number[], idx: readonly Array[], axes: readonly number[]): Array[] {
  return idx.map((i, k) => {
    const dim = operandShape[axes[k]!]!;
    return lax.max(lax.min(i, lax.full(i.shape, dim - 1, i.dtype)), lax.full(i.shape, 0, i.dtype));
  });
}

/**
 * Bool mask of the updates' shape (gather's result shape): true where every index is in range, i.e. where a
 * scatter/scatterAdd update lands rather than being dropped.
 */
export function inBoundsMask(
  operandShape: readonly number[],
  idx: readonly Array[],
  axes: readonly number[],
  outDim: number,
  updatesShape: readonly number[],
): Array {
  const ishape = updatesShape.slice(outDim, outDim + (updatesShape.length - (operandShape.length - axes.length)));
  let mask: Array = lax.full(ishape, true, 'bool');
  idx.forEach((i, k) => {
    const dim = operandShape[axes[k]!]!;
    const ok = lax.and(lax.ge(i, lax.full(i.shape, 0, i.dtype)), lax.lt(i, lax.full(i.shape, dim, i.dtype)));
    // numpy broadcasting: align i's axes to the right of the index shape
    const off = ishape.length - i.ndim;
    mask = lax.and(mask, lax.broadcastInDim(ok, ishape, range(i.ndim, off)));
  });
  return lax.broadcastInDim(mask, updatesShape, range(ishape.length, outDim));
}
