// Installs the np-mirroring methods on Array (x.add(2), x.sum(0), x.T, x.at(0).set(1), ...) via module augmentation.
import type { DType } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as E from './elementwise.js';
import * as I from './indexing.js';
import * as L from './linalg.js';
import * as R from './reductions.js';
import * as S from './shape.js';
import * as So from './sorting.js';
import type { ArrayLike, Axis, DTypeLike, ReduceOptions } from './util.js';

type AxisArg = Axis | ReduceOptions;

declare module '../core/trace.js' {
  interface Array {
    // arithmetic (numpy promotion and broadcasting; JS numbers are weakly typed)
    /** x + y: the method form of `np.add`. */
    add(y: ArrayLike): Array;
    /** x − y: the method form of `np.subtract`. */
    sub(y: ArrayLike): Array;
    /** x · y: the method form of `np.multiply`. */
    mul(y: ArrayLike): Array;
    /** x / y: the method form of `np.trueDivide`. */
    div(y: ArrayLike): Array;
    /** ⌊x / y⌋: the method form of `np.floorDivide`. */
    floorDiv(y: ArrayLike): Array;
    /** x mod y (sign of y): the method form of `np.remainder`. */
    mod(y: ArrayLike): Array;
    /** xʸ: the method form of `np.power`. */
    pow(y: ArrayLike): Array;
    /** −x: the method form of `np.negative`. */
    neg(): Array;
    /** |x|: the method form of `np.absolute`. */
    abs(): Array;
    /** sign(x): the method form of `np.sign`. */
    sign(): Array;
    /** x²: the method form of `np.square`. */
    square(): Array;
    /** 1/x: the method form of `np.reciprocal`. */
    reciprocal(): Array;
    /** √x: the method form of `np.sqrt`. */
    sqrt(): Array;
    /** 1/√x: the method form of `np.rsqrt`. */
    rsqrt(): Array;
    /** eˣ: the method form of `np.exp`. */
    exp(): Array;
    /** ln x: the method form of `np.log`. */
    log(): Array;
    /** ln(1 + x): the method form of `np.log1p`. */
    log1p(): Array;
    /** eˣ − 1: the method form of `np.expm1`. */
    expm1(): Array;
    /** sin x: the method form of `np.sin`. */
    sin(): Array;
    /** cos x: the method form of `np.cos`. */
    cos(): Array;
    /** tan x: the method form of `np.tan`. */
    tan(): Array;
    /** tanh x: the method form of `np.tanh`. */
    tanh(): Array;
    /** ⌊x⌋: the method form of `np.floor`. */
    floor(): Array;
    /** ⌈x⌉: the method form of `np.ceil`. */
    ceil(): Array;
    /** x rounded to `decimals` (halves to even): the method form of `np.round`. */
    round(decimals?: number): Array;
    /** x limited to [min, max]: the method form of `np.clip`. */
    clip(min?: ArrayLike | null, max?: ArrayLike | null): Array;
    /** max(x, y): the method form of `np.maximum`. */
    maximum(y: ArrayLike): Array;
    /** min(x, y): the method form of `np.minimum`. */
    minimum(y: ArrayLike): Array;
    // comparisons and logic
    /** x < y: the method form of `np.less`. */
    lt(y: ArrayLike): Array;
    /** x <= y: the method form of `np.lessEqual`. */
    le(y: ArrayLike): Array;
    /** x > y: the method form of `np.greater`. */
    gt(y: ArrayLike): Array;
    /** x >= y: the method form of `np.greaterEqual`. */
    ge(y: ArrayLike): Array;
    /** x == y: the method form of `np.equal`. */
    eq(y: ArrayLike): Array;
    /** x != y: the method form of `np.notEqual`. */
    ne(y: ArrayLike): Array;
    /** x and y: the method form of `np.logicalAnd`. */
    logicalAnd(y: ArrayLike): Array;
    /** x or y: the method form of `np.logicalOr`. */
    logicalOr(y: ArrayLike): Array;
    /** not x: the method form of `np.logicalNot`. */
    logicalNot(): Array;
    /** whether x is NaN: the method form of `np.isnan`. */
    isnan(): Array;
    // dtype and shape
    /** x cast to `dtype`: the method form of `np.astype`. */
    astype(dtype: DTypeLike | DType): Array;
    /** Transpose (all axes reversed). */
    readonly T: Array;
    /** Transpose of the last two axes. */
    readonly mT: Array;
    /** x with a new shape (one entry may be −1): the method form of `np.reshape`. */
    reshape(...shape: number[]): Array;
    reshape(shape: readonly number[]): Array;
    /** x as 1-D: the method form of `np.ravel`. */
    flatten(): Array;
    /** x as 1-D: the method form of `np.ravel`. */
    ravel(): Array;
    /** x with permuted axes (reversed when none are given): the method form of `np.transpose`. */
    transpose(...axes: number[]): Array;
    transpose(axes: readonly number[]): Array;
    /** x without its size-1 axes (or the given ones): the method form of `np.squeeze`. */
    squeeze(axis?: Axis): Array;
    /** x with new size-1 axes: the method form of `np.expandDims`. */
    expandDims(axis: number | readonly number[]): Array;
    /** x with two axes swapped: the method form of `np.swapaxes`. */
    swapaxes(a: number, b: number): Array;
    /** x with axes moved: the method form of `np.moveaxis`. */
    moveaxis(source: number | readonly number[], destination: number | readonly number[]): Array;
    /** x broadcast to `shape`: the method form of `np.broadcastTo`. */
    broadcastTo(shape: readonly number[]): Array;
    /** x with elements repeated: the method form of `np.repeat`. */
    repeat(repeats: number | ArrayLike, axis?: number | null): Array;
    /** elements of x at `indices`: the method form of `np.take`. */
    take(indices: ArrayLike, axis?: number | null): Array;
    /** x reversed along axes: the method form of `np.flip`. */
    flip(axis?: Axis): Array;
    /** the diagonal of x: the method form of `np.diagonal`. */
    diagonal(offset?: number, axis1?: number, axis2?: number): Array;
    /** the sum of the diagonal of x: the method form of `np.trace`. */
    trace(offset?: number, axis1?: number, axis2?: number): Array;
    // reductions (axis may be a number, a list, null/undefined for all, or an options object)
    /** the sum of x over axes: the method form of `np.sum`. */
    sum(axis?: AxisArg, opts?: ReduceOptions): Array;
    /** the product of x over axes: the method form of `np.prod`. */
    prod(axis?: AxisArg, opts?: ReduceOptions): Array;
    /** the mean of x over axes: the method form of `np.mean`. */
    mean(axis?: AxisArg, opts?: ReduceOptions): Array;
    /** the variance of x over axes: the method form of `np.var`. */
    var(axis?: Axis | R.VarOptions, opts?: R.VarOptions): Array;
    /** the standard deviation of x over axes: the method form of `np.std`. */
    std(axis?: Axis | R.VarOptions, opts?: R.VarOptions): Array;
    /** the maximum of x over axes: the method form of `np.max`. */
    max(axis?: Axis | R.MaxOptions, opts?: R.MaxOptions): Array;
    /** the minimum of x over axes: the method form of `np.min`. */
    min(axis?: Axis | R.MaxOptions, opts?: R.MaxOptions): Array;
    /** max − min over axes: the method form of `np.ptp`. */
    ptp(axis?: AxisArg, opts?: ReduceOptions): Array;
    /** the index of the maximum: the method form of `np.argmax`. */
    argmax(axis?: number | null | ReduceOptions, opts?: ReduceOptions): Array;
    /** the index of the minimum: the method form of `np.argmin`. */
    argmin(axis?: number | null | ReduceOptions, opts?: ReduceOptions): Array;
    /** whether any element is true: the method form of `np.any`. */
    any(axis?: AxisArg, opts?: ReduceOptions): Array;
    /** whether all elements are true: the method form of `np.all`. */
    all(axis?: AxisArg, opts?: ReduceOptions): Array;
    /** log Σ eˣ over axes (stable): the method form of `np.logsumexp`. */
    logsumexp(axis?: AxisArg, opts?: ReduceOptions): Array;
    /** the cumulative sum: the method form of `np.cumsum`. */
    cumsum(axis?: number | null): Array;
    /** the cumulative product: the method form of `np.cumprod`. */
    cumprod(axis?: number | null): Array;
    // products
    /** the matrix product x @ y: the method form of `np.matmul`. */
    matmul(y: ArrayLike): Array;
    /** the dot product: the method form of `np.dot`. */
    dot(y: ArrayLike): Array;
    // sorting
    /** x sorted along an axis: the method form of `np.sort`. */
    sort(axis?: number | null, opts?: So.SortOptions): Array;
    /** the indices that sort x: the method form of `np.argsort`. */
    argsort(axis?: number | null, opts?: So.SortOptions): Array;
    // indexing
    /** Pure indexed reads and updates: x.at(0, '1:3').set(v), .add(v), .mul(v), .min(v), .max(v), .get(). */
    at(...idx: I.Index[]): I.IndexUpdateRef;
    /** numpy indexing: ints, null (newaxis), slice strings ('1:3', '::-1', '...'), integer/boolean arrays. */
    index(...idx: I.Index[]): Array;
    /** Alias of index(). */
    get(...idx: I.Index[]): Array;
    /** Iterates over the leading axis, like a numpy/JAX array: `const [a, b] = random.split(key)`. */
    [Symbol.iterator](): Iterator<Array>;
  }
}

const shapeArgs = (args: readonly (number | readonly number[])[]): number[] =>
  args.length === 1 && typeof args[0] !== 'number' ? (args[0] as readonly number[]).slice() : (args as number[]);

const methods: Record<string, (this: Array, ...a: never[]) => unknown> = {
  add(this: Array, y: ArrayLike) { return E.add(this, y); },
  sub(this: Array, y: ArrayLike) { return E.subtract(this, y); },
  mul(this: Array, y: ArrayLike) { return E.multiply(this, y); },
  div(this: Array, y: ArrayLike) { return E.trueDivide(this, y); },
  floorDiv(this: Array, y: ArrayLike) { return E.floorDivide(this, y); },
  mod(this: Array, y: ArrayLike) { return E.remainder(this, y); },
  pow(this: Array, y: ArrayLike) { return E.power(this, y); },
  neg(this: Array) { return E.negative(this); },
  abs(this: Array) { return E.absolute(this); },
  sign(this: Array) { return E.sign(this); },
  square(this: Array) { return E.square(this); },
  reciprocal(this: Array) { return E.reciprocal(this); },
  sqrt(this: Array) { return E.sqrt(this); },
  rsqrt(this: Array) { return E.rsqrt(this); },
  exp(this: Array) { return E.exp(this); },
  log(this: Array) { return E.log(this); },
  log1p(this: Array) { return E.log1p(this); },
  expm1(this: Array) { return E.expm1(this); },
  sin(this: Array) { return E.sin(this); },
  cos(this: Array) { return E.cos(this); },
  tan(this: Array) { return E.tan(this); },
  tanh(this: Array) { return E.tanh(this); },
  floor(this: Array) { return E.floor(this); },
  ceil(this: Array) { return E.ceil(this); },
  round(this: Array, decimals?: number) { return E.round(this, decimals ?? 0); },
  clip(this: Array, lo?: ArrayLike | null, hi?: ArrayLike | null) { return E.clip(this, lo, hi); },
  maximum(this: Array, y: ArrayLike) { return E.maximum(this, y); },
  minimum(this: Array, y: ArrayLike) { return E.minimum(this, y); },
  lt(this: Array, y: ArrayLike) { return E.less(this, y); },
  le(this: Array, y: ArrayLike) { return E.lessEqual(this, y); },
  gt(this: Array, y: ArrayLike) { return E.greater(this, y); },
  ge(this: Array, y: ArrayLike) { return E.greaterEqual(this, y); },
  eq(this: Array, y: ArrayLike) { return E.equal(this, y); },
  ne(this: Array, y: ArrayLike) { return E.notEqual(this, y); },
  logicalAnd(this: Array, y: ArrayLike) { return E.logicalAnd(this, y); },
  logicalOr(this: Array, y: ArrayLike) { return E.logicalOr(this, y); },
  logicalNot(this: Array) { return E.logicalNot(this); },
  isnan(this: Array) { return E.isnan(this); },
  astype(this: Array, d: DTypeLike) { return E.astype(this, d); },
  reshape(this: Array, ...shape: (number | readonly number[])[]) { return S.reshape(this, shapeArgs(shape)); },
  flatten(this: Array) { return S.ravel(this); },
  ravel(this: Array) { return S.ravel(this); },
  transpose(this: Array, ...axes: (number | readonly number[])[]) {
    return S.transpose(this, axes.length === 0 ? null : shapeArgs(axes));
  },
  squeeze(this: Array, axis?: Axis) { return S.squeeze(this, axis); },
  expandDims(this: Array, axis: number | readonly number[]) { return S.expandDims(this, axis); },
  swapaxes(this: Array, a: number, b: number) { return S.swapaxes(this, a, b); },
  moveaxis(this: Array, s: number | readonly number[], d: number | readonly number[]) { return S.moveaxis(this, s, d); },
  broadcastTo(this: Array, shape: readonly number[]) { return S.broadcastTo(this, shape); },
  repeat(this: Array, r: number | ArrayLike, axis?: number | null) { return S.repeat(this, r, axis); },
  take(this: Array, i: ArrayLike, axis?: number | null) { return S.take(this, i, axis); },
  flip(this: Array, axis?: Axis) { return S.flip(this, axis); },
  diagonal(this: Array, o?: number, a1?: number, a2?: number) { return S.diagonal(this, o, a1, a2); },
  trace(this: Array, o?: number, a1?: number, a2?: number) { return S.trace(this, o, a1, a2); },
  sum(this: Array, a?: AxisArg, o?: ReduceOptions) { return R.sum(this, a, o); },
  prod(this: Array, a?: AxisArg, o?: ReduceOptions) { return R.prod(this, a, o); },
  mean(this: Array, a?: AxisArg, o?: ReduceOptions) { return R.mean(this, a, o); },
  var(this: Array, a?: Axis | R.VarOptions, o?: R.VarOptions) { return R.variance(this, a, o); },
  std(this: Array, a?: Axis | R.VarOptions, o?: R.VarOptions) { return R.std(this, a, o); },
  max(this: Array, a?: Axis | R.MaxOptions, o?: R.MaxOptions) { return R.max(this, a, o); },
  min(this: Array, a?: Axis | R.MaxOptions, o?: R.MaxOptions) { return R.min(this, a, o); },
  ptp(this: Array, a?: AxisArg, o?: ReduceOptions) { return R.ptp(this, a, o); },
  argmax(this: Array, a?: number | null | ReduceOptions, o?: ReduceOptions) { return R.argmax(this, a, o); },
  argmin(this: Array, a?: number | null | ReduceOptions, o?: ReduceOptions) { return R.argmin(this, a, o); },
  any(this: Array, a?: AxisArg, o?: ReduceOptions) { return R.any(this, a, o); },
  all(this: Array, a?: AxisArg, o?: ReduceOptions) { return R.all(this, a, o); },
  logsumexp(this: Array, a?: AxisArg, o?: ReduceOptions) { return R.logsumexp(this, a as Axis, o); },
  cumsum(this: Array, a?: number | null) { return R.cumsum(this, a); },
  cumprod(this: Array, a?: number | null) { return R.cumprod(this, a); },
  matmul(this: Array, y: ArrayLike) { return L.matmul(this, y); },
  dot(this: Array, y: ArrayLike) { return L.dot(this, y); },
  sort(this: Array, a?: number | null, o?: So.SortOptions) { return So.sort(this, a === undefined ? -1 : a, o); },
  argsort(this: Array, a?: number | null, o?: So.SortOptions) { return So.argsort(this, a === undefined ? -1 : a, o); },
  at(this: Array, ...idx: I.Index[]) { return new I.IndexUpdateRef(this, idx); },
  index(this: Array, ...idx: I.Index[]) { return I.getIndex(this, idx); },
  get(this: Array, ...idx: I.Index[]) { return I.getIndex(this, idx, 'get'); },
};

const proto = Array.prototype as unknown as Record<string, unknown>;
for (const [name, fn] of Object.entries(methods))
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
Object.defineProperty(proto, 'T', {
  get(this: Array) {
    return S.transpose(this);
  },
  configurable: true,
  enumerable: false,
});
Object.defineProperty(proto, 'mT', {
  get(this: Array) {
    return S.matrixTranspose(this);
  },
  configurable: true,
  enumerable: false,
});
Object.defineProperty(proto, Symbol.iterator, {
  value: function* (this: Array): Generator<Array> {
    if (this.ndim === 0) throw new TypeError('iteration over a 0-d array is not possible; use .item() for its value');
    for (let i = 0; i < this.shape[0]!; i++) yield I.getIndex(this, [i]);
  },
  writable: true,
  configurable: true,
  enumerable: false,
});
