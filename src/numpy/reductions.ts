// np reductions (sum mean var std prod max min argmax any all logsumexp ...) and cumulative scans, with numpy axis semantics.
import { shapeSize } from '../core/aval.js';
import type { DType } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { isnan, toBool } from './elementwise.js';
import {
  type ArrayLike,
  type Axis,
  type ReduceOptions,
  asArray,
  axesOf,
  castTo,
  desc,
  fail,
  fullOf,
  isBool,
  isFloat,
  keepDims,
  promoteInexact,
  promoteBroadcastInexact,
  reduceArgs,
  toDType,
  broadcastTo,
} from './util.js';

type AxisArg = Axis | ReduceOptions;

/** Product of the sizes of `axes`. */
const countOf = (shape: readonly number[], axes: readonly number[]): number => shapeSize(axes.map((a) => shape[a]!));

function prep(op: string, x: ArrayLike, o: ReduceOptions, boolTo: DType | null): Array {
  let a = asArray(x, op);
  if (o.dtype) a = castTo(a, toDType(o.dtype, op));
  else if (boolTo && isBool(a.dtype)) a = castTo(a, boolTo);
  return a;
}

/** Sum over axes (bools count as int32). */
export function sum(x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array {
  const o = reduceArgs(axis, opts);
  const a = prep('sum', x, o, 'int32');
  const axes = axesOf('sum', o.axis, a.ndim);
  return keepDims(lax.reduceSum(a, axes), a.shape, axes, o.keepdims);
}

/** Product over axes. */
export function prod(x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array {
  const o = reduceArgs(axis, opts);
  const a = prep('prod', x, o, 'int32');
  const axes = axesOf('prod', o.axis, a.ndim);
  return keepDims(lax.reduceProd(a, axes), a.shape, axes, o.keepdims);
}

/** Options of {@link max} and {@link min}: `initial` for empty reductions, `where` masks, `keepdims`. */
export interface MaxOptions extends ReduceOptions {
  /** A starting value, which also makes reductions over empty axes valid. */
  readonly initial?: number;
}

function extremum(op: 'max' | 'min', x: ArrayLike, axis?: Axis | MaxOptions, opts?: MaxOptions): Array {
  const o = reduceArgs(axis, opts) as MaxOptions;
  const a = prep(op, x, o, null);
  const axes = axesOf(op, o.axis, a.ndim);
  if (o.initial === undefined && countOf(a.shape, axes) === 0)
    fail(op, `zero-size array ${desc(a)} has no ${op === 'max' ? 'maximum' : 'minimum'} over axes ${JSON.stringify(axes)}; pass { initial }`);
  let y = op === 'max' ? lax.reduceMax(a, axes) : lax.reduceMin(a, axes);
  if (o.initial !== undefined) {
    const init = fullOf(y, o.initial);
    y = op === 'max' ? lax.max(y, init) : lax.min(y, init);
  }
  return keepDims(y, a.shape, axes, o.keepdims);
}
/** Maximum over axes (NaN propagates as the reduction primitive does). */
export const max = (x: ArrayLike, axis?: Axis | MaxOptions, opts?: MaxOptions): Array => extremum('max', x, axis, opts);
/** Minimum over axes. */
export const min = (x: ArrayLike, axis?: Axis | MaxOptions, opts?: MaxOptions): Array => extremum('min', x, axis, opts);
/** Alias of {@link max}. */
export const amax = max;
/** Alias of {@link min}. */
export const amin = min;

/** Peak to peak: max - min. */
export function ptp(x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array {
  const o = reduceArgs(axis, opts);
  const a = asArray(x, 'ptp');
  return lax.sub(max(a, o), min(a, o));
}

/** Arithmetic mean (integers average in float32). */
export function mean(x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array {
  const o = reduceArgs(axis, opts);
  let a = asArray(x, 'mean');
  a = o.dtype ? castTo(a, toDType(o.dtype, 'mean')) : promoteInexact('mean', [a])[0]!;
  const axes = axesOf('mean', o.axis, a.ndim);
  const s = lax.reduceSum(a, axes);
  return keepDims(lax.div(s, fullOf(s, countOf(a.shape, axes))), a.shape, axes, o.keepdims);
}

/** Options of `var` and {@link std}: `ddof` (delta degrees of freedom), `keepdims`. */
export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: divide by N - ddof. */
  readonly ddof?: number;
}

/** Variance: mean of squared deviations, divided by N - ddof. */
export function variance(x: ArrayLike, axis?: Axis | VarOptions, opts?: VarOptions): Array {
  const o = reduceArgs(axis, opts) as VarOptions;
  let a = asArray(x, 'var');
  a = o.dtype ? castTo(a, toDType(o.dtype, 'var')) : promoteInexact('var', [a])[0]!;
  const axes = axesOf('var', o.axis, a.ndim);
  const s = lax.reduceSum(a, axes);
  const m = keepDims(lax.div(s, fullOf(s, countOf(a.shape, axes))), a.shape, axes, true);
  const c = lax.sub(a, broadcastTo(m, a.shape));
  const ss = lax.reduceSum(lax.mul(c, c), axes);
  const dof = countOf(a.shape, axes) - (o.ddof ?? 0);
  return keepDims(lax.div(ss, fullOf(ss, Math.max(dof, 0))), a.shape, axes, o.keepdims);
}
export { variance as var };
/** Standard deviation: sqrt(var). */
export const std = (x: ArrayLike, axis?: Axis | VarOptions, opts?: VarOptions): Array => lax.sqrt(variance(x, axis, opts));

function argExt(op: 'argmax' | 'argmin', x: ArrayLike, axis?: number | null | ReduceOptions, opts?: ReduceOptions): Array {
  const o = reduceArgs(axis as Axis | ReduceOptions, opts);
  let a = asArray(x, op);
  if (a.size === 0) fail(op, `attempt to get ${op} of an empty sequence ${desc(a)}`);
  if (isBool(a.dtype)) a = castTo(a, 'int32');
  if (o.axis === undefined || o.axis === null) {
    const y = (op === 'argmax' ? lax.argmax : lax.argmin)(lax.reshape(a, [a.size]), 0);
    return o.keepdims ? lax.reshape(y, a.shape.map(() => 1)) : y;
  }
  if (typeof o.axis !== 'number') return fail(op, `axis must be a single integer, got ${JSON.stringify(o.axis)}`);
  const ax = axesOf(op, o.axis, a.ndim);
  const y = (op === 'argmax' ? lax.argmax : lax.argmin)(a, ax[0]!);
  return keepDims(y, a.shape, ax, o.keepdims);
}
/** Index of the maximum (first occurrence) along an axis, or of the flattened array. */
export const argmax = (x: ArrayLike, axis?: number | null | ReduceOptions, opts?: ReduceOptions): Array => argExt('argmax', x, axis, opts);
/** Index of the minimum along an axis, or of the flattened array. */
export const argmin = (x: ArrayLike, axis?: number | null | ReduceOptions, opts?: ReduceOptions): Array => argExt('argmin', x, axis, opts);

function anyAll(op: 'any' | 'all', x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array {
  const o = reduceArgs(axis, opts);
  const a = toBool(asArray(x, op));
  const axes = axesOf(op, o.axis, a.ndim);
  const y =
    countOf(a.shape, axes) === 0
      ? lax.full(a.shape.filter((_, i) => !axes.includes(i)), op === 'all', 'bool')
      : op === 'any'
        ? lax.reduceMax(a, axes)
        : lax.reduceMin(a, axes);
  return keepDims(y, a.shape, axes, o.keepdims);
}
/** True where any element along the axes is nonzero. */
export const any = (x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array => anyAll('any', x, axis, opts);
/** True where every element along the axes is nonzero. */
export const all = (x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array => anyAll('all', x, axis, opts);

/** Number of nonzero elements (int32). */
export function countNonzero(x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array {
  const o = reduceArgs(axis, opts);
  return sum(castTo(toBool(asArray(x, 'countNonzero')), 'int32'), o);
}

/** Options of {@link logsumexp}: weights `b` and `returnSign`. */
export interface LogsumexpOptions extends ReduceOptions {
  /** Weights: log(sum(b * exp(a))). */
  readonly b?: ArrayLike;
}

/**
 * log(sum(exp(a))) computed stably as JAX does: the max (where finite) is subtracted under
 * stopGradient, so the gradient is exactly softmax(a).
 */
export function logsumexp(x: ArrayLike, axis?: Axis | LogsumexpOptions, opts?: LogsumexpOptions): Array {
  const o = reduceArgs(axis, opts) as LogsumexpOptions;
  let a: Array, b: Array | null = null;
  if (o.b !== undefined) [a, b] = promoteBroadcastInexact('logsumexp', [x, o.b]) as [Array, Array];
  else a = promoteInexact('logsumexp', [x])[0]!;
  const axes = axesOf('logsumexp', o.axis, a.ndim);
  const amax = lax.reduceMax(a, axes);
  const safe = lax.stopGradient(lax.select(lax.isFinite(amax), amax, fullOf(amax, 0)));
  const safeK = broadcastTo(keepDims(safe, a.shape, axes, true), a.shape);
  let e = lax.exp(lax.sub(a, safeK));
  if (b) e = lax.mul(b, e);
  const out = lax.add(lax.log(lax.reduceSum(e, axes)), safe);
  return keepDims(out, a.shape, axes, o.keepdims);
}

/** Options of the cumulative reductions (cumsum, cumprod, cummax, cummin). */
export interface CumOptions {
  readonly dtype?: string;
  readonly reverse?: boolean;
}

function cumulative(
  op: string,
  f: (x: Array, axis: number, reverse: boolean) => Array,
  boolTo: DType | null,
  inexact: boolean,
): (x: ArrayLike, axis?: number | null, opts?: CumOptions) => Array {
  return (x, axis, opts = {}) => {
    let a = inexact ? promoteInexact(op, [x])[0]! : asArray(x, op);
    if (opts.dtype) a = castTo(a, toDType(opts.dtype, op));
    else if (boolTo && isBool(a.dtype)) a = castTo(a, boolTo);
    if (axis === undefined || axis === null) {
      a = lax.reshape(a, [a.size]);
      axis = 0;
    }
    const ax = axesOf(op, axis, a.ndim)[0]!;
    return f(a, ax, opts.reverse ?? false);
  };
}
/** Running sum along an axis (flattened when axis is undefined). */
export const cumsum = cumulative('cumsum', lax.cumsum, 'int32', false);
/** Running product (an associative scan of multiplications, so it differentiates). */
export const cumprod = cumulative('cumprod', lax.cumprod, 'int32', false);
/** Running maximum. */
export const cummax = cumulative('cummax', lax.cummax, null, false);
/** Running minimum. */
export const cummin = cumulative('cummin', lax.cummin, null, false);
/** Running log-sum-exp. */
export const cumlogsumexp = cumulative('cumlogsumexp', lax.cumlogsumexp, null, true);

/** Options of {@link average}. */
export interface AverageOptions {
  readonly weights?: ArrayLike;
  readonly keepdims?: boolean;
}

/** Weighted mean: sum(a * w) / sum(w); weights 1-D along a single axis, or a's shape. */
export function average(x: ArrayLike, axis?: Axis, opts: AverageOptions = {}): Array {
  if (opts.weights === undefined) return mean(x, axis, { keepdims: opts.keepdims });
  let [a, w] = promoteInexact('average', [x, opts.weights]);
  const axes = axesOf('average', axis, a!.ndim);
  if (!(w!.ndim === a!.ndim && w!.shape.every((d, i) => d === a!.shape[i]))) {
    if (axes.length !== 1 || w!.ndim !== 1 || w!.shape[0] !== a!.shape[axes[0]!])
      fail(
        'average',
        `weights ${desc(w!)} must have the shape of a ${desc(a!)}, or be 1-D with the length of the single averaged axis`,
      );
    w = lax.broadcastInDim(w!, a!.shape, [axes[0]!]);
  }
  const num = lax.reduceSum(lax.mul(a!, w!), axes);
  const den = lax.reduceSum(w!, axes);
  return keepDims(lax.div(num, den), a!.shape, axes, opts.keepdims);
}

/** Quantiles by linear interpolation of the sorted values (numpy's default method). */
export function quantile(x: ArrayLike, q: number | readonly number[], axis?: number | null, opts: { keepdims?: boolean } = {}): Array {
  let a = promoteInexact('quantile', [x])[0]!;
  const qs = typeof q === 'number' ? [q] : q;
  for (const v of qs) if (!(v >= 0 && v <= 1)) fail('quantile', `quantiles must be in [0, 1], got ${v}`);
  let ax: number;
  const inShape = a.shape;
  if (axis === undefined || axis === null) {
    a = lax.reshape(a, [a.size]);
    ax = 0;
  } else ax = axesOf('quantile', axis, a.ndim)[0]!;
  const n = a.shape[ax]!;
  if (n === 0) fail('quantile', `cannot take quantiles of an empty axis of ${desc(a)}`);
  const sorted = lax.sort([a], ax)[0]!;
  const outs = qs.map((v) => {
    const pos = v * (n - 1);
    const lo = Math.floor(pos), hi = Math.min(lo + 1, n - 1), t = pos - lo;
    const xl = lax.indexInDim(sorted, lo, ax, false);
    if (t === 0) return xl;
    const xh = lax.indexInDim(sorted, hi, ax, false);
    return lax.add(xl, lax.mul(lax.sub(xh, xl), fullOf(xl, t)));
  });
  let y = typeof q === 'number' ? outs[0]! : lax.concatenate(outs.map((o) => lax.expandDims(o, 0)), 0);
  if (opts.keepdims) {
    const kshape = axis === undefined || axis === null ? inShape.map(() => 1) : inShape.map((d, i) => (i === ax ? 1 : d));
    y = lax.reshape(y, typeof q === 'number' ? kshape : [qs.length, ...kshape]);
  }
  return y;
}
/** Quantiles with q in percent. */
export const percentile = (x: ArrayLike, q: number | readonly number[], axis?: number | null, opts: { keepdims?: boolean } = {}): Array =>
  quantile(x, typeof q === 'number' ? q / 100 : q.map((v) => v / 100), axis, opts);
/** Median along an axis (the mean of the two middle values for even sizes). */
export const median = (x: ArrayLike, axis?: number | null, opts: { keepdims?: boolean } = {}): Array => quantile(x, 0.5, axis, opts);

// NaN-ignoring variants.
const nanFill = (op: string, x: ArrayLike, v: number): Array => {
  const a = asArray(x, op);
  return isFloat(a.dtype) ? lax.select(isnan(a), fullOf(a, v), a) : a;
};
/** Sum treating NaN as 0. */
export const nansum = (x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array => sum(nanFill('nansum', x, 0), axis, opts);
/** Product treating NaN as 1. */
export const nanprod = (x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array => prod(nanFill('nanprod', x, 1), axis, opts);
/** Maximum ignoring NaN. */
export const nanmax = (x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array => {
  const a = asArray(x, 'nanmax');
  const r = max(nanFill('nanmax', a, -Infinity), axis, opts);
  return isFloat(a.dtype) ? lax.select(lax.eq(r, fullOf(r, -Infinity)), lax.select(all(isnan(a), axis, opts), fullOf(r, NaN), r), r) : r;
};
/** Minimum ignoring NaN. */
export const nanmin = (x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array => {
  const a = asArray(x, 'nanmin');
  const r = min(nanFill('nanmin', a, Infinity), axis, opts);
  return isFloat(a.dtype) ? lax.select(lax.eq(r, fullOf(r, Infinity)), lax.select(all(isnan(a), axis, opts), fullOf(r, NaN), r), r) : r;
};
/** Mean of the non-NaN values. */
export const nanmean = (x: ArrayLike, axis?: AxisArg, opts?: ReduceOptions): Array => {
  const a = promoteInexact('nanmean', [x])[0]!;
  const o = reduceArgs(axis, opts);
  const cnt = sum(lax.not(isnan(a)), o);
  return lax.div(nansum(a, o), castTo(cnt, a.dtype));
};
