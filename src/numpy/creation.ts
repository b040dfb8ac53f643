// Array creation: array/asarray, zeros/ones/full/empty(+Like), arange, linspace, logspace, eye, identity, iota, tri/tril/triu, meshgrid.
import { fromTyped } from '../core/array.js';
import { type DType, castScalar, scalarDType, typedArrayCtor } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { power } from './elementwise.js';
import {
  type ArrayLike,
  type DTypeLike,
  JSArray,
  asArray,
  broadcastAll,
  broadcastTo,
  castTo,
  desc,
  fail,
  fullOf,
  promoteInexact,
  range,
  toDType,
} from './util.js';

/** A shape argument: one size or a list of sizes. */
export type ShapeLike = number | readonly number[];

function shapeOf(op: string, s: ShapeLike): number[] {
  const shape = typeof s === 'number' ? [s] : s.slice();
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) fail(op, `shape ${JSON.stringify(s)} must contain non-negative integers`);
  return shape;
}

/** An array from nested lists, typed arrays, scalars or arrays (dtype inferred as numpy does, with int32/float32 defaults). */
export const array = (x: ArrayLike, dtype?: DTypeLike): Array => asArray(x, 'array', dtype ? toDType(dtype, 'array') : undefined);
/** Converts x (array, number, boolean or nested JS array) to an Array, optionally cast to `dtype`; Arrays pass through.
 * @example np.asarray([[1, 2], [3, 4]], 'float32') */
export const asarray = (x: ArrayLike, dtype?: DTypeLike): Array => asArray(x, 'asarray', dtype ? toDType(dtype, 'asarray') : undefined);

/** An array of zeros (float32 by default). */
export const zeros = (shape: ShapeLike, dtype: DTypeLike = 'float32'): Array => lax.full(shapeOf('zeros', shape), 0, toDType(dtype, 'zeros'));
/** An array of ones. */
export const ones = (shape: ShapeLike, dtype: DTypeLike = 'float32'): Array => lax.full(shapeOf('ones', shape), 1, toDType(dtype, 'ones'));
/** Arrays are immutable, so empty is zeros. */
export const empty = zeros;

/** An array filled with `fillValue` (a JS number gives a weakly typed result unless dtype is given, as JAX). */
export function full(shape: ShapeLike, fillValue: ArrayLike, dtype?: DTypeLike): Array {
  const s = shapeOf('full', shape);
  const d = dtype ? toDType(dtype, 'full') : undefined;
  if (typeof fillValue === 'number' || typeof fillValue === 'boolean')
    return lax.full(s, fillValue, d ?? scalarDType(fillValue), d === undefined && typeof fillValue === 'number');
  const v = asArray(fillValue, 'full', d);
  return broadcastTo(v, s, 'full');
}

const likeShape = (x: ArrayLike, op: string, shape?: ShapeLike): readonly number[] => (shape !== undefined ? shapeOf(op, shape) : asArray(x, op).shape);
const likeDType = (x: ArrayLike, op: string, dtype?: DTypeLike): DType => (dtype ? toDType(dtype, op) : asArray(x, op).dtype);
/** Zeros with x's shape and dtype (or the given ones). */
export const zerosLike = (x: ArrayLike, dtype?: DTypeLike, shape?: ShapeLike): Array =>
  lax.full(likeShape(x, 'zerosLike', shape), 0, likeDType(x, 'zerosLike', dtype));
/** Ones with x's shape and dtype (or the given `dtype`/`shape`). */
export const onesLike = (x: ArrayLike, dtype?: DTypeLike, shape?: ShapeLike): Array =>
  lax.full(likeShape(x, 'onesLike', shape), 1, likeDType(x, 'onesLike', dtype));
/** Alias of {@link zerosLike} (arrays are immutable, so 'empty' is zeros). */
export const emptyLike = zerosLike;
/** `fillValue` with x's shape and dtype (or the given `dtype`/`shape`). */
export const fullLike = (x: ArrayLike, fillValue: ArrayLike, dtype?: DTypeLike, shape?: ShapeLike): Array =>
  full(likeShape(x, 'fullLike', shape), fillValue, likeDType(x, 'fullLike', dtype));

/**
 * Evenly spaced values in [start, stop) (numpy semantics: length ceil((stop - start) / step)).
 * `arange(n)`, `arange(start, stop)`, `arange(start, stop, step)`; a trailing dtype string may follow.
 * Integer arguments give int32, others float32.
 */
export function arange(start: number, stop?: number | DTypeLike, step?: number | DTypeLike, dtype?: DTypeLike): Array {
  const args = [start, stop, step, dtype];
  const di = args.findIndex((a) => typeof a === 'string');
  const d = di >= 0 ? toDType(args[di] as string, 'arange') : undefined;
  const nums = (di >= 0 ? args.slice(0, di) : args).filter((a) => a !== undefined && a !== null) as number[];
  for (const v of nums) if (typeof v !== 'number') fail('arange', `start, stop and step must be numbers, got ${JSON.stringify(nums)}`);
  const [a, b, s] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  if (s === 0) fail('arange', 'step must not be zero');
  if (![a, b, s].every(Number.isFinite)) fail('arange', `arguments must be finite, got ${JSON.stringify([a, b, s])}`);
  const dt: DType = d ?? ([a, b, s].every(Number.isInteger) ? 'int32' : 'float32');
  const n = Math.max(0, Math.ceil((b - a) / s));
  if (a === 0 && s === 1 && dt !== 'bool') return lax.iota(dt, [n], 0);
  const data = new typedArrayCtor[dt](n);
  for (let i = 0; i < n; i++) data[i] = castScalar(a + i * s, dt);
  return fromTyped(data, [n], dt);
}

/** Options of {@link linspace}. */
export interface LinspaceOptions {
  readonly endpoint?: boolean;
  readonly dtype?: DTypeLike;
  /** Where the new axis goes for array endpoints (default 0). */
  readonly axis?: number;
}

/** `num` evenly spaced samples from start to stop (inclusive unless endpoint is false). */
export function linspace(start: ArrayLike, stop: ArrayLike, num = 50, opts: LinspaceOptions = {}): Array {
  if (!Number.isInteger(num) || num < 0) fail('linspace', `num must be a non-negative integer, got ${num}`);
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const dtype = opts.dtype ? toDType(opts.dtype, 'linspace') : undefined;
  if (typeof start === 'number' && typeof stop === 'number' && (opts.axis ?? 0) === 0) {
    // computed in float64 as numpy does, then cast
    const d = dtype ?? 'float32';
    const out = new typedArrayCtor[d](num);
    const delta = stop - start;
    const step = div > 0 ? delta / div : NaN;
    for (let i = 0; i < num; i++) {
      const v = div > 0 ? (step === 0 ? (i / div) * delta + start : i * step + start) : i * delta + start;
      out[i] = castScalar(d === 'int32' || d === 'uint32' ? Math.floor(v) : v, d);
    }
    if (endpoint && num > 1) out[num - 1] = castScalar(stop, d);
    return fromTyped(out, [num], d);
  }
  // array endpoints: traceable start + i * (stop - start) / div along a new axis
  const [a, b] = broadcastAll('linspace', promoteInexact('linspace', [start, stop]).map((x) => castTo(x, x.dtype, false)));
  const shape = [num, ...a!.shape];
  const t = castTo(lax.iota('int32', shape, 0), a!.dtype);
  const bs = (x: Array) => lax.broadcastInDim(x, shape, range(x.ndim, 1));
  const delta = lax.sub(bs(b!), bs(a!));
  let y = lax.add(bs(a!), div > 0 ? lax.mul(lax.div(t, fullOf(t, div)), delta) : lax.mul(t, delta));
  if (endpoint && num > 1) y = lax.concatenate([lax.sliceInDim(y, 0, num - 1, 1, 0), lax.expandDims(b!, 0)], 0);
  const ax = opts.axis ?? 0;
  if (ax !== 0) y = lax.transpose(y, moveFirstTo(y.ndim, ax));
  return dtype ? castTo(y, dtype) : y;
}
function moveFirstTo(nd: number, axis: number): number[] {
  const a = axis < 0 ? axis + nd : axis;
  const rest = range(nd).slice(1);
  return [...rest.slice(0, a), 0, ...rest.slice(a)];
}

/** base ** linspace(start, stop, num). */
export function logspace(start: number, stop: number, num = 50, opts: LinspaceOptions & { base?: number } = {}): Array {
  const y = linspace(start, stop, num, { endpoint: opts.endpoint ?? true, dtype: 'float64' });
  const r = power(asArray(opts.base ?? 10, 'logspace', 'float64'), y);
  return castTo(r, opts.dtype ? toDType(opts.dtype, 'logspace') : 'float32');
}

/** 2-D array with ones on the k-th diagonal. */
export function eye(n: number, m?: number | null, k = 0, dtype: DTypeLike = 'float32'): Array {
  const cols = m ?? n;
  const shape = shapeOf('eye', [n, cols]);
  const r = lax.iota('int32', shape, 0), c = lax.iota('int32', shape, 1);
  const mask = lax.eq(lax.add(r, lax.full(shape, k, 'int32')), c);
  const d = toDType(dtype, 'eye');
  return d === 'bool' ? mask : castTo(mask, d);
}
/** The n x n identity matrix. */
export const identity = (n: number, dtype: DTypeLike = 'float32'): Array => eye(n, n, 0, dtype);

/** Indices 0..n-1 along `dimension` of `shape` (lax.iota with numpy-style arguments). */
export const iota = (shape: ShapeLike, dimension = 0, dtype: DTypeLike = 'int32'): Array => {
  const s = shapeOf('iota', shape);
  return lax.iota(toDType(dtype, 'iota'), s, dimension < 0 ? dimension + s.length : dimension);
};

/** Lower-triangular mask of ones at and below the k-th diagonal. */
export function tri(n: number, m?: number | null, k = 0, dtype: DTypeLike = 'float32'): Array {
  const shape = shapeOf('tri', [n, m ?? n]);
  const mask = lax.ge(lax.add(lax.iota('int32', shape, 0), lax.full(shape, k, 'int32')), lax.iota('int32', shape, 1));
  const d = toDType(dtype, 'tri');
  return d === 'bool' ? mask : castTo(mask, d);
}
function triMask(op: string, x: Array, k: number): Array {
  if (x.ndim < 2) fail(op, `input must be at least 2-D, got ${desc(x)}`);
  const [n, m] = x.shape.slice(-2) as [number, number];
  return lax.broadcastInDim(tri(n, m, k, 'bool'), x.shape, [x.ndim - 2, x.ndim - 1]);
}
/** x with the entries above the k-th diagonal zeroed (over the last two axes). */
export function tril(x: ArrayLike, k = 0): Array {
  const a = asArray(x, 'tril');
  return lax.select(triMask('tril', a, k), a, fullOf(a, 0));
}
/** x with the entries below the k-th diagonal zeroed. */
export function triu(x: ArrayLike, k = 0): Array {
  const a = asArray(x, 'triu');
  return lax.select(triMask('triu', a, k - 1), fullOf(a, 0), a);
}

/** Coordinate arrays from 1-D vectors; indexing 'xy' (default, Cartesian) swaps the first two output axes. */
export function meshgrid(...args: (ArrayLike | { indexing?: 'xy' | 'ij' })[]): Array[] {
  let indexing: 'xy' | 'ij' = 'xy';
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object' && !(last instanceof Array) && !JSArray.isArray(last) && !ArrayBuffer.isView(last)) {
    indexing = (last as { indexing?: 'xy' | 'ij' }).indexing ?? 'xy';
    args = args.slice(0, -1);
  }
  if (indexing !== 'xy' && indexing !== 'ij') fail('meshgrid', `indexing must be 'xy' or 'ij', got ${JSON.stringify(indexing)}`);
  const xs = args.map((a) => {
    const x = asArray(a as ArrayLike, 'meshgrid');
    return lax.reshape(x, [x.size]);
  });
  const shape = xs.map((x) => x.size);
  const dims = range(xs.length);
  if (indexing === 'xy' && xs.length >= 2) {
    [shape[0], shape[1]] = [shape[1]!, shape[0]!];
    [dims[0], dims[1]] = [1, 0];
  }
  return xs.map((x, i) => lax.broadcastInDim(x, shape, [dims[i]!]));
}
