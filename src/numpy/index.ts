// The np namespace (like jax.numpy): every function is a composition of lax primitives, so grad/vmap/jit apply to all of them.
import '../core/array.js';
import './methods.js';
import './format.js';
import type { DType } from '../core/dtype.js';
import { promoteTypes as promoteLattice } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { cross, matmul, norm, outer, tensordot, vecdot } from './linalg.js';
import { cholesky, det, inv, lu, matrixPower, slogdet, solve } from './linalgSolve.js';
import { diagonal, matrixTranspose, trace } from './shape.js';
import { type ArrayLike, type DTypeLike, asArray, resultType as resultTypeOf, toDType } from './util.js';

export * from './creation.js';
export * from './elementwise.js';
export * from './reductions.js';
export * from './shape.js';
export * from './linalg.js';
export * from './sorting.js';
export { index, at, IndexUpdateRef, type Index, type SliceSpec } from './indexing.js';
export { setPrintOptions, getPrintOptions, array2string, type PrintOptions } from './format.js';
export type { ArrayLike, Axis, DTypeLike, ReduceOptions } from './util.js';
export { Array };

// aliases with numpy's short names
export {
  absolute as abs,
  arcsin as asin,
  arccos as acos,
  arctan as atan,
  arcsinh as asinh,
  arccosh as acosh,
  arctanh as atanh,
  arctan2 as atan2,
  subtract as sub,
  multiply as mul,
  trueDivide as div,
  negative as neg,
} from './elementwise.js';

// dtype names as values (np.float32 is the string 'float32').
/** The float32 dtype name (use as `dtype` argument). */
export const float32 = 'float32' as const;
/** The float64 dtype name. */
export const float64 = 'float64' as const;
/** The int32 dtype name. */
export const int32 = 'int32' as const;
/** The uint32 dtype name. */
export const uint32 = 'uint32' as const;
/** The bool dtype name. */
export const bool = 'bool' as const;
/** Alias of {@link bool} (numpy's spelling). */
export const bool_ = 'bool' as const;
/** Used as an index: a new size-1 axis. */
export const newaxis = null;
/** π. */
export const pi = Math.PI;
/** Euler's number e. */
export const e = Math.E;
/** Positive infinity. */
export const inf = Infinity;
/** Not a number. */
export const nan = NaN;
/** The Euler–Mascheroni constant γ. */
export const euler_gamma = 0.5772156649015329;

/** The dtype of the result of combining these values (JAX's result_type, with weak JS numbers). */
export function resultType(...xs: (ArrayLike | DTypeLike)[]): DType {
  const as = xs.map((x) => (typeof x === 'string' ? lax.scalar(0, toDType(x, 'resultType')) : asArray(x, 'resultType')));
  return resultTypeOf(as).dtype;
}
/** The promoted dtype of two (strong) dtypes. */
export const promoteTypes = (a: DTypeLike, b: DTypeLike): DType =>
  promoteLattice(toDType(a, 'promoteTypes'), false, toDType(b, 'promoteTypes'), false).dtype;

/** Machine limits of float dtypes. */
export function finfo(d: DTypeLike): { bits: number; eps: number; max: number; min: number; tiny: number; dtype: DType } {
  const t = toDType(d, 'finfo');
  if (t === 'float16') return { bits: 16, eps: 2 ** -10, max: 65504, min: -65504, tiny: 2 ** -14, dtype: t };
  if (t === 'float32') return { bits: 32, eps: 2 ** -23, max: 3.4028234663852886e38, min: -3.4028234663852886e38, tiny: 2 ** -126, dtype: t };
  if (t === 'float64') return { bits: 64, eps: Number.EPSILON, max: Number.MAX_VALUE, min: -Number.MAX_VALUE, tiny: 2 ** -1022, dtype: t };
  throw new TypeError(`finfo: ${t} is not a floating-point dtype (use iinfo for integers)`);
}
/** Machine limits of integer dtypes. */
export function iinfo(d: DTypeLike): { bits: number; max: number; min: number; dtype: DType } {
  const t = toDType(d, 'iinfo');
  if (t === 'int32') return { bits: 32, max: 2147483647, min: -2147483648, dtype: t };
  if (t === 'uint32') return { bits: 32, max: 4294967295, min: 0, dtype: t };
  if (t === 'bool') return { bits: 8, max: 1, min: 0, dtype: t };
  throw new TypeError(`iinfo: ${t} is not an integer dtype (use finfo for floats)`);
}

/** The shape of x (an array or nested JS array).
 * @example np.shape([[1, 2, 3]]) // [1, 3] */
export const shape = (x: ArrayLike): readonly number[] => asArray(x, 'shape').shape;
/** The number of axes of x. */
export const ndim = (x: ArrayLike): number => asArray(x, 'ndim').ndim;
/** The number of elements of x. */
export const size = (x: ArrayLike): number => asArray(x, 'size').size;

/** np.linalg: norms and LU/Cholesky-based solvers written as lax loops (no SVD/eig yet). */
export const linalg = { norm, solve, inv, det, slogdet, cholesky, lu, matrixPower, matmul, outer, tensordot, vecdot, cross, matrixTranspose, diagonal, trace };
