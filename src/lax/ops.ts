// lax composites that are not primitives (conv layouts and padding strings, reduceWindow pooling, topK,
// associative scans, negative-axis helpers); re-exports every strict primitive wrapper of prims.ts, so
// `import * as lax from './lax/ops.js'` is the whole lax namespace (local names shadow the star export).
// The concrete-array module must load before prims.ts (it pulls in the rule tables that use prims).
import { customJvp } from '../transforms/custom.js';
import '../core/array.js';
import { fmtShape, normalizeAxes, normalizeAxis, range, shapeSize } from '../core/aval.js';
import { type DType, isBool, isFloat, isUnsigned } from '../core/dtype.js';
import type { ConvParams } from '../core/primitive.js';
import { Array, evaluatesEagerly } from '../core/trace.js';
import { jit } from '../transforms/jit.js';
import * as P from './prims.js';

export * from './prims.js';

type Axes = number | readonly number[] | null | undefined;
const fail = (op: string, msg: string): never => {
  throw new TypeError(`lax.${op}: ${msg}`);
};
const desc = (x: Array): string => `${x.dtype}${fmtShape(x.shape)}`;

// ---------------------------------------------------------------------------------------------
// Reductions and scans with numpy-style (possibly negative) axes.

/** Sum over `axes` (negative axes count from the end; undefined = all axes). */
export const reduceSum = (x: Array, axes?: Axes): Array => P.reduceSum(x, normalizeAxes('reduceSum', axes, x.ndim));
/** The maximum of x over `axes` (all axes when omitted; negative axes count from the end). */
export const reduceMax = (x: Array, axes?: Axes): Array => P.reduceMax(x, normalizeAxes('reduceMax', axes, x.ndim));
/** The minimum of x over `axes` (all axes when omitted). */
export const reduceMin = (x: Array, axes?: Axes): Array => P.reduceMin(x, normalizeAxes('reduceMin', axes, x.ndim));
/** The product of x over `axes` (all axes when omitted). */
export const reduceProd = (x: Array, axes?: Axes): Array => P.reduceProd(x, normalizeAxes('reduceProd', axes, x.ndim));
/** Logical and/or over axes of a bool array (as max/min of bools). */
export const reduceAnd = (x: Array, axes?: Axes): Array => reduceMin(x, axes);
/** Logical or of a bool x over `axes` (all axes when omitted). */
export const reduceOr = (x: Array, axes?: Axes): Array => reduceMax(x, axes);
/** The index of the first maximum of x along `axis`, as `indexDtype`. */
export const argmax = (x: Array, axis: number, indexDtype: DType = 'int32'): Array =>
  P.argmax(x, normalizeAxis('argmax', axis, x.ndim), indexDtype);
/** The index of the first minimum of x along `axis`, as `indexDtype`. */
export const argmin = (x: Array, axis: number, indexDtype: DType = 'int32'): Array =>
  P.argmin(x, normalizeAxis('argmin', axis, x.ndim), indexDtype);
/** Inclusive cumulative sum along `axis` (negative counts from the end; from the end when `reverse`). */
export const cumsum = (x: Array, axis = 0, reverse = false): Array => P.cumsum(x, normalizeAxis('cumsum', axis, x.ndim), reverse);

/** Slice along one (possibly negative) axis. */
export const sliceInDim = (x: Array, start: number, limit: number, stride = 1, axis = 0): Array =>
  P.sliceInDim(x, start, limit, stride, normalizeAxis('sliceInDim', axis, x.ndim));
/** x[..., index, ...] along `axis` (keepdims keeps it as a size-1 axis). */
export function indexInDim(x: Array, index: number, axis = 0, keepdims = true): Array {
  const a = normalizeAxis('indexInDim', axis, x.ndim);
  const n = x.shape[a]!;
  const i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) fail('indexInDim', `index ${index} is out of bounds for axis ${axis} of size ${n}`);
  const y = P.sliceInDim(x, i, i + 1, 1, a);
  return keepdims ? y : P.reshape(y, x.shape.filter((_, k) => k !== a));
}

/**
 * The associative scan of Blelloch/Ladner–Fischer as JAX's `lax.associative_scan`: combine pairs of
 * neighbours (strided slices), recurse on the half-size problem, then interleave the odd and even results
 * (pad with interior holes + add). Built from slices, pads and concatenates only, so it differentiates
 * and batches with no new primitive. `fn` must be associative and elementwise over `Array[]` tuples.
 */
export function associativeScan(
  fn: (a: Array[], b: Array[]) => Array[],
  elems: readonly Array[],
  axis = 0,
  reverse = false,
): Array[] {
  if (elems.length === 0) return [];
  const ax = normalizeAxis('associativeScan', axis, elems[0]!.ndim);
  const n = elems[0]!.shape[ax]!;
  for (const e of elems)
    if (e.ndim !== elems[0]!.ndim || e.shape[ax] !== n)
      fail('associativeScan', `every element must have size ${n} along axis ${axis}, got ${elems.map(desc).join(', ')}`);
  const sl = (x: Array, start: number, stop: number, stride = 1): Array => P.sliceInDim(x, start, stop, stride, ax);
  // Interleaves a (size m or m+1) and b (size m) along ax: a0 b0 a1 b1 ...
  const interleave = (a: Array, b: Array): Array => {
    const even = a.shape[ax] === b.shape[ax];
    const zero = (d: Array) => P.scalar(0, d.dtype, d.weakType);
    const cfgA = a.shape.map((_, i) => (i === ax ? ([0, even ? 1 : 0, 1] as const) : ([0, 0, 0] as const)));
    const cfgB = b.shape.map((_, i) => (i === ax ? ([1, even ? 0 : 1, 1] as const) : ([0, 0, 0] as const)));
    const pa = P.pad(a, zero(a), cfgA), pb = P.pad(b, zero(b), cfgB);
    return isBool(a.dtype) ? P.or(pa, pb) : P.add(pa, pb);
  };
  const scan = (xs: Array[]): Array[] => {
    const m = xs[0]!.shape[ax]!;
    if (m < 2) return xs;
    const reduced = fn(xs.map((x) => sl(x, 0, m - 1, 2)), xs.map((x) => sl(x, 1, m, 2)));
    const odd = scan(reduced);
    const evenParts =
      m % 2 === 0
        ? fn(odd.map((x) => sl(x, 0, x.shape[ax]! - 1)), xs.map((x) => sl(x, 2, m, 2)))
        : fn(odd, xs.map((x) => sl(x, 2, m, 2)));
    const even = evenParts.map((r, i) => P.concatenate([sl(xs[i]!, 0, 1), r], ax));
    return even.map((e, i) => interleave(e, odd[i]!));
  };
  let xs = elems.slice();
  if (reverse) xs = xs.map((x) => P.rev(x, [ax]));
  let out = scan(xs);
  if (reverse) out = out.map((x) => P.rev(x, [ax]));
  return out;
}

const scan1 = (f: (a: Array, b: Array) => Array) => (x: Array, axis = 0, reverse = false): Array =>
  associativeScan(([a], [b]) => [f(a!, b!)], [x], axis, reverse)[0]!;
/** Cumulative product along an axis (associative scan of mul). */
export const cumprod = scan1(P.mul);
/** Running maximum along an axis. */
export const cummax = scan1(P.max);
/** Running minimum along an axis. */
export const cummin = scan1(P.min);
/** log(exp a + exp b) = max + log1p(exp(-|a - b|)); -inf with -inf gives -inf (a NaN delta falls back to a + b). */
function logaddexpRaw(a: Array, b: Array): Array {
  const amax = P.max(a, b);
  const delta = P.sub(a, b);
  const isNan = P.ne(delta, delta);
  return P.select(isNan, P.add(a, b), P.add(amax, P.log1p(P.exp(P.neg(P.abs(delta))))));
}
const replaceInf = (x: Array): Array => P.select(P.isFinite(x), x, P.zerosLike(x));
let logaddexpCustom: ((a: Array, b: Array) => Array) | null = null;
/**
 * log(exp(a) + exp(b)), stable. Its derivative is a custom JVP (as in JAX): d = ta·exp(a − out) + tb·exp(b − out),
 * so equal inputs split the gradient 0.5/0.5 instead of the 0/1 that differentiating max/abs would give.
 */
export function logaddexp(a: Array, b: Array): Array {
  logaddexpCustom ??= customJvp(logaddexpRaw, {
    jvp: ([x, y], [tx, ty]) => {
      const out = logaddexpRaw(x as Array, y as Array);
      const w = (v: Array) => P.exp(P.sub(replaceInf(v), replaceInf(out)));
      return [out, P.add(P.mul(tx as Array, w(x as Array)), P.mul(ty as Array, w(y as Array)))];
    },
  });
  return logaddexpCustom(a, b);
}
/** Running log-sum-exp along an axis. */
export const cumlogsumexp = scan1(logaddexp);

// ---------------------------------------------------------------------------------------------
// Shape helpers.

/** Inserts size-1 axes at `dimensions` (positions in the output, negative allowed). */
export function expandDims(x: Array, dimensions: number | readonly number[]): Array {
  const dims = typeof dimensions === 'number' ? [dimensions] : dimensions;
  const nd = x.ndim + dims.length;
  const pos = normalizeAxes('expandDims', dims, nd);
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < nd; i++) shape.push(pos.includes(i) ? 1 : x.shape[k++]!);
  return P.reshape(x, shape);
}

/** Removes size-1 axes `dimensions` (all size-1 axes when undefined). */
export function squeeze(x: Array, dimensions?: Axes): Array {
  const dims =
    dimensions === undefined || dimensions === null
      ? range(x.ndim).filter((i) => x.shape[i] === 1)
      : normalizeAxes('squeeze', dimensions, x.ndim);
  for (const d of dims)
    if (x.shape[d] !== 1)
      fail('squeeze', `cannot squeeze axis ${d} of ${desc(x)}: its size is ${x.shape[d]}, only size-1 axes can be removed`);
  return P.reshape(x, x.shape.filter((_, i) => !dims.includes(i)));
}

/** Merges axes [start, stop) into one. */
export function collapse(x: Array, start: number, stop: number = x.ndim): Array {
  const s = start < 0 ? start + x.ndim : start, e = stop < 0 ? stop + x.ndim : stop;
  if (!(0 <= s && s <= e && e <= x.ndim)) fail('collapse', `[${start}, ${stop}) is not a range of axes of ${desc(x)}`);
  return P.reshape(x, [...x.shape.slice(0, s), shapeSize(x.shape.slice(s, e)), ...x.shape.slice(e)]);
}

/** Adds leading axes of `sizes` (JAX's lax.broadcast). */
export const broadcast = (x: Array, sizes: readonly number[]): Array =>
  sizes.length === 0 ? x : P.broadcastInDim(x, [...sizes, ...x.shape], range(x.ndim, sizes.length));

/** Moves `x` to `shape` treating trailing axes like numpy broadcasting (sizes equal or 1). */
export function broadcastToRank(x: Array, shape: readonly number[]): Array {
  if (x.ndim > shape.length) fail('broadcastToRank', `cannot broadcast ${desc(x)} to the lower rank ${fmtShape(shape)}`);
  if (x.ndim === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  return P.broadcastInDim(x, shape, range(x.ndim, shape.length - x.ndim));
}

/** clamp(min, x, max) elementwise; min and max may be scalars (rank 0) or x's shape (JAX argument order). */
export function clamp(min: Array, x: Array, max: Array): Array {
  const fit = (b: Array, what: string): Array => {
    if (b.dtype !== x.dtype) fail('clamp', `${what} ${desc(b)} must have the dtype of the operand ${desc(x)}`);
    if (b.ndim === 0) return P.broadcastInDim(b, x.shape, []);
    if (b.shape.length !== x.shape.length || b.shape.some((d, i) => d !== x.shape[i]))
      fail('clamp', `${what} ${desc(b)} must be a scalar or have the operand's shape ${fmtShape(x.shape)}`);
    return b;
  };
  return P.min(P.max(fit(min, 'min'), x), fit(max, 'max'));
}

/** lax.dot: vector·vector, matrix·vector, matrix·matrix (contracts x's last axis with y's first). */
export function dot(x: Array, y: Array, preferredElementType: DType | null = null): Array {
  if (x.ndim < 1 || x.ndim > 2 || y.ndim < 1 || y.ndim > 2)
    fail('dot', `operands must be vectors or matrices, got ${desc(x)} and ${desc(y)} (use dotGeneral for higher ranks)`);
  if (x.shape[x.ndim - 1] !== y.shape[0])
    fail('dot', `shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)} are not aligned: size ${x.shape[x.ndim - 1]} of the last axis of x must equal size ${y.shape[0]} of the first axis of y`);
  return P.dotGeneral(x, y, [[x.ndim - 1], [0]], [[], []], preferredElementType);
}

/** Batched matrix product: equal leading batch axes, contracting x's last axis with y's second-to-last. */
export function batchMatmul(x: Array, y: Array, preferredElementType: DType | null = null): Array {
  const n = x.ndim;
  if (n < 2 || y.ndim !== n) fail('batchMatmul', `operands must have equal rank >= 2, got ${desc(x)} and ${desc(y)}`);
  if (x.shape.slice(0, n - 2).some((d, i) => d !== y.shape[i]))
    fail('batchMatmul', `batch axes must match, got ${desc(x)} and ${desc(y)}`);
  if (x.shape[n - 1] !== y.shape[n - 2])
    fail('batchMatmul', `shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)} are not aligned: ${x.shape[n - 1]} (last axis of x) != ${y.shape[n - 2]} (second-to-last of y)`);
  const b = range(n - 2);
  return P.dotGeneral(x, y, [[n - 1], [n - 2]], [b, b], preferredElementType);
}

// ---------------------------------------------------------------------------------------------
// Dynamic slicing with JS-number or array start indices.

type Index = number | Array;
const idx = (i: Index): Array => (typeof i === 'number' ? P.scalar(i, 'int32') : i);
const checkStarts = (op: string, x: Array, starts: readonly Index[]) => {
  if (starts.length !== x.ndim) fail(op, `needs ${x.ndim} start indices (one per axis of ${desc(x)}), got ${starts.length}`);
};

/** x[starts : starts + sizes] with starts clamped so the slice fits (starts may be traced). */
export function dynamicSlice(x: Array, startIndices: readonly Index[], sliceSizes: readonly number[]): Array {
  checkStarts('dynamicSlice', x, startIndices);
  return P.dynamicSlice(x, startIndices.map(idx), sliceSizes);
}
/** x with `update` written at `starts` (clamped so it fits). */
export function dynamicUpdateSlice(x: Array, update: Array, startIndices: readonly Index[]): Array {
  checkStarts('dynamicUpdateSlice', x, startIndices);
  return P.dynamicUpdateSlice(x, update, startIndices.map(idx));
}
const zeroStarts = (x: Array, axis: number, start: Index): Index[] => x.shape.map((_, i) => (i === axis ? start : 0));
/** A slice of `size` elements along `axis` starting at the traced index `start` (clamped into range). */
export function dynamicSliceInDim(x: Array, start: Index, size: number, axis = 0): Array {
  const a = normalizeAxis('dynamicSliceInDim', axis, x.ndim);
  return dynamicSlice(x, zeroStarts(x, a, start), x.shape.map((d, i) => (i === a ? size : d)));
}
/** The element at traced `index` along `axis` (kept as a size-1 axis unless `keepdims` is false). */
export function dynamicIndexInDim(x: Array, index: Index, axis = 0, keepdims = true): Array {
  const a = normalizeAxis('dynamicIndexInDim', axis, x.ndim);
  const y = dynamicSliceInDim(x, index, 1, a);
  return keepdims ? y : P.reshape(y, x.shape.filter((_, i) => i !== a));
}
/** x with `update` written along `axis` from the traced index `start` (clamped into range). */
export function dynamicUpdateSliceInDim(x: Array, update: Array, start: Index, axis = 0): Array {
  const a = normalizeAxis('dynamicUpdateSliceInDim', axis, x.ndim);
  return dynamicUpdateSlice(x, update, zeroStarts(x, a, start));
}
/** x with `update` written at traced `index` along `axis`. */
export function dynamicUpdateIndexInDim(x: Array, update: Array, index: Index, axis = 0): Array {
  const a = normalizeAxis('dynamicUpdateIndexInDim', axis, x.ndim);
  const u = update.ndim === x.ndim ? update : expandDims(update, a);
  return dynamicUpdateSliceInDim(x, u, index, a);
}

// ---------------------------------------------------------------------------------------------
// topK.

/** The k largest entries along the last axis, sorted descending, with their indices (ties: lower index first). */
export function topK(x: Array, k: number): [Array, Array] {
  const n = x.shape[x.ndim - 1];
  if (n === undefined) return fail('topK', `the operand must have at least one axis, got ${desc(x)}`);
  if (!Number.isInteger(k) || k < 0 || k > n) fail('topK', `k = ${k} must be an integer in 0..${n} (the size of the last axis of ${desc(x)})`);
  const last = x.ndim - 1;
  // stable descending: sort the reversed operand and indices ascending, then reverse (JAX's argsort trick)
  const [v, i] = P.sort([P.rev(x, [last]), P.rev(P.iota('int32', x.shape, last), [last])], last, 1, false) as [Array, Array];
  const sl = (a: Array) => P.sliceInDim(P.rev(a, [last]), 0, k, 1, last);
  return [sl(v), sl(i)];
}

// ---------------------------------------------------------------------------------------------
// Convolutions.

/** Convolution/window padding: 'SAME' (output = ⌈in/stride⌉, extra at the end), 'SAME_LOWER' (extra at the start), 'VALID' (none), or explicit [low, high] per spatial axis. */
export type Padding = 'SAME' | 'SAME_LOWER' | 'VALID' | readonly (readonly [number, number])[];
/** Layout strings ('NCHW', 'OIHW', 'NCHW') or explicit permutations (lhs/out: N, C, spatial...; rhs: O, I, spatial...). */
export type ConvDimensionNumbers =
  | readonly [string, string, string]
  | { readonly lhsSpec: readonly number[]; readonly rhsSpec: readonly number[]; readonly outSpec: readonly number[] };

/** Options of {@link conv}: strides, padding, lhs/rhs dilation, feature groups and layouts such as 'NHWC'/'HWIO'. */
export interface ConvOptions {
  readonly windowStrides?: readonly number[];
  readonly padding?: Padding;
  readonly lhsDilation?: readonly number[];
  readonly rhsDilation?: readonly number[];
  readonly dimensionNumbers?: ConvDimensionNumbers | null;
  readonly featureGroupCount?: number;
  readonly batchGroupCount?: number;
}

/** Resolves 'SAME'/'VALID' padding into per-axis (low, high) pairs (JAX's lax.padtype_to_pads). */
export function padtypeToPads(
  inShape: readonly number[],
  windowShape: readonly number[],
  windowStrides: readonly number[],
  padding: Padding,
  op = 'padtypeToPads',
): [number, number][] {
  if (typeof padding !== 'string') {
    if (padding.length !== inShape.length)
      fail(op, `padding needs ${inShape.length} (low, high) pairs (one per spatial axis), got ${padding.length}`);
    return padding.map((p) => [p[0], p[1]]);
  }
  if (padding === 'VALID') return inShape.map(() => [0, 0]);
  if (padding !== 'SAME' && padding !== 'SAME_LOWER')
    fail(op, `unknown padding ${JSON.stringify(padding)}; use 'SAME', 'SAME_LOWER', 'VALID' or (low, high) pairs`);
  return inShape.map((d, i) => {
    const s = windowStrides[i]!, out = Math.ceil(d / s);
    const total = Math.max((out - 1) * s + windowShape[i]! - d, 0);
    const half = Math.floor(total / 2);
    return padding === 'SAME' ? [half, total - half] : [total - half, half];
  });
}

/** Permutations that bring lhs to N C spatial..., rhs to O I spatial..., out from N C spatial... (JAX's conv_general_permutations). */
export function convPermutations(
  dn: ConvDimensionNumbers | null | undefined,
  ndim: number,
  op = 'convGeneralDilated',
): { lhs: number[]; rhs: number[]; out: number[] } {
  if (!dn) {
    const p = range(ndim);
    return { lhs: p, rhs: p, out: p };
  }
  if (!globalThis.Array.isArray(dn)) {
    const o = dn as Exclude<ConvDimensionNumbers, readonly [string, string, string]>;
    for (const [k, v] of Object.entries(o))
      if ((v as number[]).length !== ndim) fail(op, `dimensionNumbers.${k} must have ${ndim} entries`);
    return { lhs: o.lhsSpec.slice(), rhs: o.rhsSpec.slice(), out: o.outSpec.slice() };
  }
  const [ls, rs, os] = dn as readonly [string, string, string];
  for (const s of [ls, rs, os])
    if (s.length !== ndim || new Set(s).size !== s.length)
      fail(op, `layout ${JSON.stringify(s)} must name each of the ${ndim} axes once (e.g. 'NCHW', 'OIHW', 'NHWC', 'HWIO')`);
  const must = (s: string, c: string) => {
    const i = s.indexOf(c);
    if (i < 0) fail(op, `layout ${JSON.stringify(s)} has no '${c}' axis`);
    return i;
  };
  const rhs = [must(rs, 'O'), must(rs, 'I'), ...range(ndim).filter((i) => rs[i] !== 'O' && rs[i] !== 'I')];
  const spatial = rhs.slice(2).map((i) => rs[i]!);
  const perm = (s: string) => [must(s, 'N'), must(s, 'C'), ...spatial.map((c) => must(s, c))];
  return { lhs: perm(ls), rhs, out: perm(os) };
}

const invPerm = (p: readonly number[]): number[] => {
  const q = new globalThis.Array<number>(p.length);
  p.forEach((v, i) => (q[v] = i));
  return q;
};

/**
 * General dilated convolution with layout strings and 'SAME'/'VALID' padding (JAX's
 * lax.conv_general_dilated). Accepts the primitive's ConvParams too; transposes into N C spatial... /
 * O I spatial..., binds the primitive, and transposes the result into `outSpec`.
 */
export function convGeneralDilated(lhs: Array, rhs: Array, opts: ConvOptions = {}): Array {
  const op = 'convGeneralDilated';
  if (lhs.ndim < 3 || rhs.ndim !== lhs.ndim)
    fail(op, `lhs ${desc(lhs)} and rhs ${desc(rhs)} must have equal rank >= 3 (batch, feature and at least one spatial axis)`);
  if (lhs.dtype !== rhs.dtype) fail(op, `operand dtypes differ: lhs ${desc(lhs)}, rhs ${desc(rhs)}`);
  const nsp = lhs.ndim - 2;
  const perms = convPermutations(opts.dimensionNumbers, lhs.ndim, op);
  // Eagerly, a layout other than the primitive's (NCHW, OIHW) runs as one compiled call: the targets' convolutions
  // then read the transposed operands and write the transposed output in place instead of copying them op by op.
  const moves = [perms.lhs, perms.rhs, perms.out].some((p) => p.some((a, i) => a !== i));
  if (moves && evaluatesEagerly([lhs, rhs])) return eagerConv(opts)(lhs, rhs);
  const x = P.transpose(lhs, perms.lhs), w = P.transpose(rhs, perms.rhs);
  const ones = globalThis.Array<number>(nsp).fill(1);
  const windowStrides = opts.windowStrides ?? ones;
  const lhsDilation = opts.lhsDilation ?? ones;
  const rhsDilation = opts.rhsDilation ?? ones;
  for (const [k, v] of [['windowStrides', windowStrides], ['lhsDilation', lhsDilation], ['rhsDilation', rhsDilation]] as const)
    if (v.length !== nsp) fail(op, `${k} needs ${nsp} entries (one per spatial axis), got ${JSON.stringify(v)}`);
  const effK = w.shape.slice(2).map((k, i) => (k - 1) * rhsDilation[i]! + 1);
  const padding = padtypeToPads(x.shape.slice(2), effK, windowStrides, opts.padding ?? 'VALID', op);
  const params: ConvParams = {
    windowStrides: windowStrides.slice(),
    padding,
    lhsDilation: lhsDilation.slice(),
    rhsDilation: rhsDilation.slice(),
    featureGroupCount: opts.featureGroupCount ?? 1,
    batchGroupCount: opts.batchGroupCount ?? 1,
  };
  const y = P.convGeneralDilated(x, w, params);
  return P.transpose(y, invPerm(perms.out));
}

/** Jitted convGeneralDilated per options (JSON), for eager calls with layouts (at most 64 kept, the oldest dropped first). */
const eagerConvs = new Map<string, (lhs: Array, rhs: Array) => Array>();
function eagerConv(opts: ConvOptions): (lhs: Array, rhs: Array) => Array {
  const key = JSON.stringify(opts);
  let f = eagerConvs.get(key);
  if (!f) {
    f = jit((l: Array, r: Array) => convGeneralDilated(l, r, opts)) as (lhs: Array, rhs: Array) => Array;
    if (eagerConvs.size >= 64) eagerConvs.delete(eagerConvs.keys().next().value!);
    eagerConvs.set(key, f);
  }
  return f;
}

/** lax.conv: N C spatial... input, O I spatial... kernel, strides and padding. */
export const conv = (lhs: Array, rhs: Array, windowStrides?: readonly number[], padding: Padding = 'VALID'): Array =>
  convGeneralDilated(lhs, rhs, { ...(windowStrides ? { windowStrides } : {}), padding });

/** Padding of the transposed convolution for one spatial axis (JAX's _conv_transpose_padding). */
function convTransposePadding(k: number, s: number, padding: 'SAME' | 'VALID' | readonly [number, number]): [number, number] {
  let padLen: number, a: number;
  if (padding === 'SAME') {
    padLen = k + s - 2;
    a = s > k - 1 ? k - 1 : Math.ceil(padLen / 2);
  } else if (padding === 'VALID') {
    padLen = k + s - 2 + Math.max(k - s, 0);
    a = k - 1;
  } else {
    const lo = k - padding[0] - 1, hi = k - padding[1] - 1;
    a = lo;
    padLen = lo + hi;
  }
  return [a, padLen - a];
}

/** Options of {@link convTranspose} (the gradient of conv with respect to its input, as a layer). */
export interface ConvTransposeOptions {
  readonly rhsDilation?: readonly number[];
  readonly dimensionNumbers?: ConvDimensionNumbers | null;
  /** Flip the spatial axes and swap I/O of the kernel: the gradient of conv with respect to its input. */
  readonly transposeKernel?: boolean;
}

/**
 * Transposed ("deconvolution") convolution as JAX's lax.conv_transpose: a conv of the lhs dilated by the
 * strides. Default layouts are channels-last ('NHC'/'HIO', 'NHWC'/'HWIO', ...), as in JAX.
 */
export function convTranspose(
  lhs: Array,
  rhs: Array,
  strides: readonly number[],
  padding: 'SAME' | 'VALID' | readonly (readonly [number, number])[],
  opts: ConvTransposeOptions = {},
): Array {
  const op = 'convTranspose';
  const nd = lhs.ndim;
  if (nd < 3 || rhs.ndim !== nd) fail(op, `lhs ${desc(lhs)} and rhs ${desc(rhs)} must have equal rank >= 3`);
  const sp = 'HWDXYZ'.slice(0, nd - 2);
  const dn = opts.dimensionNumbers ?? ([`N${sp}C`, `${sp}IO`, `N${sp}C`] as const);
  const perms = convPermutations(dn, nd, op);
  const kShape = perms.rhs.map((i) => rhs.shape[i]!).slice(2);
  const rhsDilation = opts.rhsDilation ?? kShape.map(() => 1);
  if (strides.length !== nd - 2) fail(op, `strides needs ${nd - 2} entries, got ${JSON.stringify(strides)}`);
  const effK = kShape.map((k, i) => (k - 1) * rhsDilation[i]! + 1);
  let pads: [number, number][];
  if (typeof padding === 'string') {
    if (padding !== 'SAME' && padding !== 'VALID') fail(op, `padding must be 'SAME', 'VALID' or (low, high) pairs, got ${JSON.stringify(padding)}`);
    pads = effK.map((k, i) => convTransposePadding(k, strides[i]!, padding));
  } else pads = padding.map((p) => [p[0], p[1]]);
  let w = rhs;
  if (opts.transposeKernel) {
    w = P.rev(w, perms.rhs.slice(2));
    const sw = range(nd);
    sw[perms.rhs[0]!] = perms.rhs[1]!;
    sw[perms.rhs[1]!] = perms.rhs[0]!;
    w = P.transpose(w, sw);
  }
  return convGeneralDilated(lhs, w, {
    windowStrides: kShape.map(() => 1),
    padding: pads,
    lhsDilation: strides,
    rhsDilation,
    dimensionNumbers: { lhsSpec: perms.lhs, rhsSpec: perms.rhs, outSpec: perms.out },
  });
}

// ---------------------------------------------------------------------------------------------
// reduceWindow (pooling) from strided slices.

/** The reduction of {@link reduceWindow}: max, min, sum or avg pooling. */
export type WindowReduction = 'max' | 'min' | 'sum' | 'avg';
/** Options of {@link reduceWindow}: window dimensions, strides, padding, window dilation. */
export interface ReduceWindowOptions {
  readonly baseDilation?: readonly number[];
  readonly windowDilation?: readonly number[];
  /** For 'avg': true (default) divides by the window size; false by the number of real (unpadded) elements in each window. */
  readonly countIncludePad?: boolean;
}

/** The identity of a window reduction for a dtype: -inf/+inf (or the integer extremes) for max/min, 0 for sums. */
function reductionInit(op: WindowReduction, d: DType): number | boolean {
  if (op === 'sum' || op === 'avg') return 0;
  const hi = op === 'min';
  if (isFloat(d)) return hi ? Infinity : -Infinity;
  if (isBool(d)) return hi;
  if (isUnsigned(d)) return hi ? 0xffffffff : 0;
  return hi ? 2147483647 : -2147483648;
}

/**
 * The common pooling case as one reduction: windows that tile the input (stride = window on every axis, no
 * padding, no dilation; a remainder that no window covers is sliced off first). Then
 *   out[o₀, o₁, …] = reduce_{k} x[o₀·w₀ + k₀, o₁·w₁ + k₁, …] = reduce over the k axes of reshape(x, [o₀, w₀, o₁, w₁, …])
 * (the reshape is free), i.e. one reduceMax/Min/Sum instead of Π wᵢ strided slices combined pairwise; its gradient is
 * reduceMax's (JAX's _reduce_chooser_jvp_rule: ties in a window share the cotangent equally, where the pairwise form
 * of the general path splits them unevenly; both are valid subgradients). Returns null when the case does not apply.
 */
function tiledWindow(
  x: Array,
  op: WindowReduction,
  win: readonly number[],
  strides: readonly number[],
  pads: readonly (readonly [number, number])[],
  baseDil: readonly number[],
  winDil: readonly number[],
): Array | null {
  if (isBool(x.dtype)) return null;
  const n = x.ndim;
  for (let i = 0; i < n; i++)
    if (strides[i] !== win[i] || baseDil[i] !== 1 || winDil[i] !== 1 || pads[i]![0] !== 0 || pads[i]![1] !== 0) return null;
  const outShape = x.shape.map((d, i) => Math.floor(d / win[i]!));
  if (outShape.some((o) => o === 0) || win.every((w) => w === 1)) return null;
  const used = outShape.map((o, i) => o * win[i]!);
  const xs = used.some((u, i) => u !== x.shape[i]) ? P.slice(x, used.map(() => 0), used, null) : x;
  const split: number[] = [], axes: number[] = [];
  for (let i = 0; i < n; i++) {
    split.push(outShape[i]!);
    if (win[i]! > 1) {
      axes.push(split.length);
      split.push(win[i]!);
    }
  }
  const xr = P.reshape(xs, split);
  let out = op === 'max' ? P.reduceMax(xr, axes) : op === 'min' ? P.reduceMin(xr, axes) : P.reduceSum(xr, axes);
  if (op === 'avg') {
    if (!isFloat(x.dtype)) fail('reduceWindow', `'avg' needs a floating-point operand, got ${desc(x)}`);
    out = P.div(out, P.full(out.shape, shapeSize(win), x.dtype, x.weakType));
  }
  return out;
}

/**
 * reduce_window over every axis of `x` (window dims per axis, e.g. [1, 1, 2, 2] for NCHW pooling): pads
 * with the reduction's identity, takes one strided slice per window offset, and combines them with
 * max/min/add. No new primitive: gradients flow through slice, pad and max/add. Windows that tile the input
 * (stride = window, no padding or dilation) take one reshape + reduction instead (tiledWindow).
 */
export function reduceWindow(
  x: Array,
  op: WindowReduction,
  windowDimensions: readonly number[],
  windowStrides?: readonly number[],
  padding: Padding = 'VALID',
  opts: ReduceWindowOptions = {},
): Array {
  const name = 'reduceWindow';
  const n = x.ndim;
  if (!['max', 'min', 'sum', 'avg'].includes(op)) fail(name, `unknown reduction ${JSON.stringify(op)}; use 'max', 'min', 'sum' or 'avg'`);
  if (windowDimensions.length !== n)
    fail(name, `windowDimensions ${JSON.stringify(windowDimensions)} needs one entry per axis of ${desc(x)} (use 1 for axes not pooled)`);
  const ones = globalThis.Array<number>(n).fill(1);
  const strides = windowStrides ?? ones;
  const baseDil = opts.baseDilation ?? ones, winDil = opts.windowDilation ?? ones;
  for (const [k, v] of [['windowStrides', strides], ['baseDilation', baseDil], ['windowDilation', winDil]] as const)
    if (v.length !== n) fail(name, `${k} needs ${n} entries, got ${JSON.stringify(v)}`);
  const effWin = windowDimensions.map((w, i) => (w - 1) * winDil[i]! + 1);
  const dilated = x.shape.map((d, i) => (d === 0 ? 0 : (d - 1) * baseDil[i]! + 1));
  const pads = padtypeToPads(dilated, effWin, strides, padding, name);
  const tiled = tiledWindow(x, op, windowDimensions, strides, pads, baseDil, winDil);
  if (tiled) return tiled;
  const init = reductionInit(op, x.dtype);
  const cfg = pads.map(([lo, hi], i) => [lo, hi, baseDil[i]! - 1] as const);
  const xp = P.pad(x, P.scalar(init, x.dtype, x.weakType), cfg);
  const outShape = xp.shape.map((d, i) => {
    const o = Math.floor((d - effWin[i]!) / strides[i]!) + 1;
    if (d < effWin[i]!) fail(name, `axis ${i}: the window ${effWin[i]} is larger than the padded input ${d} of ${desc(x)}`);
    return o;
  });
  const combine = op === 'max' ? P.max : op === 'min' ? P.min : isBool(x.dtype) ? P.or : P.add;
  let acc: Array | null = null;
  const offsets = (i: number, cur: number[]): number[][] =>
    i === n ? [cur] : range(windowDimensions[i]!).flatMap((k) => offsets(i + 1, [...cur, k * winDil[i]!]));
  for (const off of offsets(0, [])) {
    const s = P.slice(
      xp,
      off,
      off.map((o, i) => o + (outShape[i]! - 1) * strides[i]! + 1),
      strides,
    );
    acc = acc ? combine(acc, s) : s;
  }
  let out = acc ?? P.full(outShape, init, x.dtype, x.weakType);
  if (op === 'avg') {
    if (!isFloat(x.dtype)) fail(name, `'avg' needs a floating-point operand, got ${desc(x)}`);
    if (opts.countIncludePad === false) {
      const counts = reduceWindow(P.full(x.shape, 1, x.dtype), 'sum', windowDimensions, strides, padding, { ...opts, countIncludePad: true });
      out = P.div(out, counts);
    } else {
      const size = shapeSize(windowDimensions);
      out = P.div(out, P.full(out.shape, size, x.dtype, x.weakType));
    }
  }
  return out;
}
