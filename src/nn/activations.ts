// Activation functions as np compositions (jax.nn's definitions), written to stay finite and differentiable everywhere.
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import {
  type ArrayLike, add, asArray, divide, exp, expm1, erf, log, log1p, max, maximum, minimum, multiply, negative,
  subtract, sum, tanh as npTanh, where, greater, greaterEqual, lit, castTo,
} from './np.js';
import { isFloat } from '../core/dtype.js';

/** x as a float array (ints and bools become float32). */
function flt(op: string, x: ArrayLike): Array {
  const a = asArray(x, `nn.${op}`);
  return isFloat(a.dtype) ? a : castTo(a, 'float32', a.weakType);
}

/**
 * The logistic sigmoid 1 / (1 + e^-x).
 * @example
 * nn.sigmoid(np.array([0])).item(); // 0.5
 */
export const sigmoid = (x: ArrayLike): Array => lax.logistic(flt('sigmoid', x));

/**
 * The hyperbolic tangent.
 * @example
 * nn.tanh(np.array([0])).item(); // 0
 */
export const tanh = (x: ArrayLike): Array => npTanh(flt('tanh', x));

/**
 * max(x, 0), with gradient 0 at x = 0 (as jax.nn.relu).
 * @example
 * nn.relu(np.array([-1, 2])).toJS(); // [0, 2]
 */
export function relu(x: ArrayLike): Array {
  const a = asArray(x, 'nn.relu');
  return where(greater(a, 0), a, 0);
}

/**
 * min(max(x, 0), 6).
 * @example
 * nn.relu6(np.array([-1, 3, 9])).toJS(); // [0, 3, 6]
 */
export function relu6(x: ArrayLike): Array {
  const a = relu(x);
  return minimum(a, 6);
}

/**
 * x for x >= 0, negativeSlope · x otherwise.
 * @example
 * nn.leakyRelu(np.array([-2, 2]), 0.1).toJS(); // [-0.2, 2]
 */
export function leakyRelu(x: ArrayLike, negativeSlope = 0.01): Array {
  const a = flt('leakyRelu', x);
  return where(greaterEqual(a, 0), a, multiply(a, lit(negativeSlope, a)));
}

/**
 * Parametric ReLU (He et al. 2015): x for x >= 0, alpha · x otherwise, with a learnable `alpha` that
 * broadcasts against x (a scalar, or one slope per channel on the last axis).
 * @example
 * nn.prelu(np.array([-2, 2]), np.array(0.25)).toJS(); // [-0.5, 2]
 */
export function prelu(x: ArrayLike, alpha: ArrayLike): Array {
  const a = flt('prelu', x);
  return where(greaterEqual(a, 0), a, multiply(a, alpha));
}

/**
 * Exponential linear unit: x for x > 0, alpha · (e^x - 1) otherwise (the exp only sees min(x, 0), so
 * large x never overflows the unused branch).
 * @example
 * nn.elu(np.array([-1, 1])).toJS(); // [-0.632..., 1]
 */
export function elu(x: ArrayLike, alpha = 1): Array {
  const a = flt('elu', x);
  return where(greater(a, 0), a, multiply(lit(alpha, a), expm1(minimum(a, lit(0, a)))));
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/**
 * Scaled ELU (Klambauer et al. 2017): scale · elu(x, alpha) with the self-normalising constants.
 * @example
 * nn.selu(np.array([1])).item(); // 1.0507...
 */
export function selu(x: ArrayLike): Array {
  const e = elu(x, SELU_ALPHA);
  return multiply(e, lit(SELU_SCALE, e));
}

/**
 * Continuously differentiable ELU (Barron 2017): max(x, 0) + min(0, alpha · (e^(x/alpha) - 1)).
 * @example
 * nn.celu(np.array([-1])).item(); // -0.632...
 */
export function celu(x: ArrayLike, alpha = 1): Array {
  const a = flt('celu', x);
  const al = lit(alpha, a);
  return where(greater(a, 0), a, multiply(al, expm1(divide(minimum(a, lit(0, a)), al))));
}

/**
 * Gaussian error linear unit (Hendrycks & Gimpel 2016). approximate = true (JAX's default) uses
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))); false the exact ½x(1 + erf(x/√2)) (PyTorch's default).
 * @example
 * nn.gelu(np.array([1]), false).item(); // 0.8413...
 */
export function gelu(x: ArrayLike, approximate = true): Array {
  const a = flt('gelu', x);
  const half = multiply(a, lit(0.5, a));
  if (approximate) {
    const inner = multiply(lit(Math.sqrt(2 / Math.PI), a), add(a, multiply(lit(0.044715, a), multiply(a, multiply(a, a)))));
    return multiply(half, add(lit(1, a), npTanh(inner)));
  }
  return multiply(half, add(lit(1, a), erf(multiply(a, lit(Math.SQRT1_2, a)))));
}

/**
 * Sigmoid-weighted linear unit x · sigmoid(x) (a.k.a. swish).
 * @example
 * nn.silu(np.array([0])).item(); // 0
 */
export function silu(x: ArrayLike): Array {
  const a = flt('silu', x);
  return multiply(a, lax.logistic(a));
}
/** Alias of silu. @example nn.swish(np.array([1])).item(); // 0.7310... */
export const swish = silu;

/**
 * log(1 + e^x) without overflow: x + log1p(e^-x) for x > 0, log1p(e^x) otherwise. Each branch sees only
 * its own half of the inputs (the "double where"), so gradients stay finite and exact, with
 * softplus′(0) = ½ (lax.logaddexp(x, 0) would give 0 there, through |x|′(0) = 1).
 * @example
 * nn.softplus(np.array([0])).item(); // 0.6931...
 */
export function softplus(x: ArrayLike): Array {
  const a = flt('softplus', x);
  const pos = greater(a, 0);
  const zero = lit(0, a);
  const ap = where(pos, a, zero), an = where(pos, zero, a);
  return where(pos, add(ap, log1p(exp(negative(ap)))), log1p(exp(an)));
}

/**
 * log(sigmoid(x)) = -softplus(-x), stable for large |x|.
 * @example
 * nn.logSigmoid(np.array([0])).item(); // -0.6931...
 */
export const logSigmoid = (x: ArrayLike): Array => negative(softplus(negative(flt('logSigmoid', x))));

/**
 * x · tanh(softplus(x)) (Misra 2019).
 * @example
 * nn.mish(np.array([1])).item(); // 0.8650...
 */
export function mish(x: ArrayLike): Array {
  const a = flt('mish', x);
  return multiply(a, npTanh(softplus(a)));
}

/**
 * Hard tanh: x clipped to [-1, 1].
 * @example
 * nn.hardTanh(np.array([-3, 0.5])).toJS(); // [-1, 0.5]
 */
export function hardTanh(x: ArrayLike): Array {
  const a = flt('hardTanh', x);
  return maximum(minimum(a, lit(1, a)), lit(-1, a));
}

/**
 * Softmax along `axis`: exp(x - max) / Σ exp(x - max), with the max held under stopGradient (as
 * jax.nn.softmax) so the result is stable and its gradient exact.
 * @example
 * nn.softmax(np.array([0, Math.log(3)])).toJS(); // [0.25, 0.75]
 */
export function softmax(x: ArrayLike, axis: number | readonly number[] = -1): Array {
  const a = flt('softmax', x);
  const m = lax.stopGradient(max(a, axis, { keepdims: true }));
  const e = exp(subtract(a, m));
  return divide(e, sum(e, axis, { keepdims: true }));
}

/**
 * log(softmax(x)) along `axis`: (x - max) - log Σ exp(x - max), stable.
 * @example
 * nn.logSoftmax(np.array([0, 0])).toJS(); // [-0.693..., -0.693...]
 */
export function logSoftmax(x: ArrayLike, axis: number | readonly number[] = -1): Array {
  const a = flt('logSoftmax', x);
  const shifted = subtract(a, lax.stopGradient(max(a, axis, { keepdims: true })));
  return subtract(shifted, log(sum(exp(shifted), axis, { keepdims: true })));
}

/**
 * One-hot encoding: an integer array of class indices becomes float vectors of length numClasses on a new
 * last axis (indices out of range give all-zero rows, as jax.nn.one_hot).
 * @example
 * nn.oneHot(np.array([0, 2]), 3).toJS(); // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(x: ArrayLike, numClasses: number, dtype: 'float16' | 'float32' | 'float64' = 'float32'): Array {
  const a = asArray(x, 'nn.oneHot');
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`nn.oneHot: numClasses must be a positive integer, got ${numClasses}`);
  if (isFloat(a.dtype)) throw new TypeError(`nn.oneHot: indices must be integers, got ${a.dtype}; cast with astype('int32')`);
  const shape = [...a.shape, numClasses];
  const classes = lax.iota(a.dtype === 'bool' ? 'int32' : a.dtype, shape, a.ndim);
  const idx = lax.broadcastInDim(a.dtype === 'bool' ? castTo(a, 'int32') : a, shape, a.shape.map((_, i) => i));
  return castTo(lax.eq(idx, classes), dtype);
}
