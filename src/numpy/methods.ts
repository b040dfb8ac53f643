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
    add(y: ArrayLike): Array;
    sub(y: ArrayLike): Array;
    mul(y: ArrayLike): Array;
    div(y: ArrayLike): Array;
    floorDiv(y: ArrayLike): Array;
    mod(y: ArrayLike): Array;
    pow(y: ArrayLike): Array;
    neg(): Array;
    abs(): Array;
    sign(): Array;
    square(): Array;
    reciprocal(): Array;
    sqrt(): Array;
    rsqrt(): Array;
    exp(): Array;
    log(): Array;
    log1p(): Array;
    expm1(): Array;
    sin(): Array;
    cos(): Array;
    tan(): Array;
    tanh(): Array;
    floor(): Array;
    ceil(): Array;
    round(decimals?: number): Array;
    clip(min?: ArrayLike | null, max?: ArrayLike | null): Array;
    maximum(y: ArrayLike): Array;
    minimum(y: ArrayLike): Array;
    // comparisons and logic
    lt(y: ArrayLike): Array;
    le(y: ArrayLike): Array;
    gt(y: ArrayLike): Array;
    ge(y: ArrayLike): Array;
    eq(y: ArrayLike): Array;
    ne(y: ArrayLike): Array;
    logicalAnd(y: ArrayLike): Array;
    logicalOr(y: ArrayLike): Array;
    logicalNot(): Array;
    isnan(): Array;
    // dtype and shape
    astype(dtype: DTypeLike | DType): Array;
    /** Transpose (all axes reversed). */
    readonly T: Array;
    /** Transpose of the last two axes. */
    readonly mT: Array;
    reshape(...shape: number[]): Array;
    reshape(shape: readonly number[]): Array;
    flatten(): Array;
    ravel(): Array;
    transpose(...axes: number[]): Array;
    transpose(axes: readonly number[]): Array;
    squeeze(axis?: Axis): Array;
    expandDims(axis: number | readonly number[]): Array;
    swapaxes(a: number, b: number): Array;
    moveaxis(source: number | readonly number[], destination: number | readonly number[]): Array;
    broadcastTo(shape: readonly number[]): Array;
    repeat(repeats: number | ArrayLike, axis?: number | null): Array;
    take(indices: ArrayLike, axis?: number | null): Array;
    flip(axis?: Axis): Array;
    diagonal(offset?: number, axis1?: number, axis2?: number): Array;
    trace(offset?: number, axis1?: number, axis2?: number): Array;
    // reductions (axis may be a number, a list, null/undefined for all, or an options object)
    sum(axis?: AxisArg, opts?: ReduceOptions): Array;
    prod(axis?: AxisArg, opts?: ReduceOptions): Array;
    mean(axis?: AxisArg, opts?: ReduceOptions): Array;
    var(axis?: Axis | R.VarOptions, opts?: R.VarOptions): Array;
    std(axis?: Axis | R.VarOptions, opts?: R.VarOptions): Array;
    max(axis?: Axis | R.MaxOptions, opts?: R.MaxOptions): Array;
    min(axis?: Axis | R.MaxOptions, opts?: R.MaxOptions): Array;
    ptp(axis?: AxisArg, opts?: ReduceOptions): Array;
    argmax(axis?: number | null | ReduceOptions, opts?: ReduceOptions): Array;
    argmin(axis?: number | null | ReduceOptions, opts?: ReduceOptions): Array;
    any(axis?: AxisArg, opts?: ReduceOptions): Array;
    all(axis?: AxisArg, opts?: ReduceOptions): Array;
    logsumexp(axis?: AxisArg, opts?: ReduceOptions): Array;
    cumsum(axis?: number | null): Array;
    cumprod(axis?: number | null): Array;
    // products
    matmul(y: ArrayLike): Array;
    dot(y: ArrayLike): Array;
    // sorting
    sort(axis?: number | null, opts?: So.SortOptions): Array;
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
