// Elementwise np functions: arithmetic with numpy integer semantics, transcendental functions, comparisons, logic, bits.
import { isInt, isUnsigned } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import {
  type ArrayLike,
  asArray,
  broadcastAll,
  castTo,
  desc,
  fail,
  fullOf,
  isBool,
  isFloat,
  promote,
  promoteBroadcast,
  promoteBroadcastInexact,
  promoteInexact,
  toDType,
  type DTypeLike,
} from './util.js';

type Bin = (x: ArrayLike, y: ArrayLike) => Array;
type Un = (x: ArrayLike) => Array;

const noBool = (op: string, x: Array, hint: string): void => {
  if (isBool(x.dtype)) fail(op, `bool operands are not supported (${desc(x)}); ${hint}`);
};

// ---------------------------------------------------------------------------------------------
// Arithmetic.

/** x + y (bools: logical or, as numpy). */
export const add: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('add', [x, y]);
  return isBool(a!.dtype) ? lax.or(a!, b!) : lax.add(a!, b!);
};
/** x - y. */
export const subtract: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('subtract', [x, y]);
  noBool('subtract', a!, 'use logicalXor, or convert with astype("int32")');
  return lax.sub(a!, b!);
};
/** x * y (bools: logical and). */
export const multiply: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('multiply', [x, y]);
  return isBool(a!.dtype) ? lax.and(a!, b!) : lax.mul(a!, b!);
};
/** x / y, always inexact: integer operands give float32 (JAX's true_divide). */
export const trueDivide: Bin = (x, y) => {
  const [a, b] = promoteBroadcastInexact('trueDivide', [x, y]);
  return lax.div(a!, b!);
};
/** Alias of {@link trueDivide}: x / y with numpy promotion (integers give floats). */
export const divide = trueDivide;

/** -x. */
export const negative: Un = (x) => {
  const a = asArray(x, 'negative');
  noBool('negative', a, 'use logicalNot');
  return lax.neg(a);
};
/** +x (a copy of the value). */
export const positive: Un = (x) => asArray(x, 'positive');
/** |x| (identity on unsigned ints and bools). */
export const absolute: Un = (x) => {
  const a = asArray(x, 'absolute');
  return isUnsigned(a.dtype) || isBool(a.dtype) ? a : lax.abs(a);
};
/** -1, 0 or 1 by the sign of x (NaN stays NaN). */
export const sign: Un = (x) => {
  const a = asArray(x, 'sign');
  noBool('sign', a, 'convert with astype("int32")');
  return lax.sign(a);
};

function floorDivideInts(a: Array, b: Array): Array {
  if (isUnsigned(a.dtype)) return lax.div(a, b);
  // truncating quotient minus one where the signs differ and the division is inexact
  const q = lax.div(a, b);
  const zero = fullOf(a, 0);
  const fix = lax.and(lax.ne(lax.sign(a), lax.sign(b)), lax.ne(lax.rem(a, b), zero));
  return lax.select(fix, lax.sub(q, fullOf(a, 1)), q);
}

/** numpy's float divmod (JAX's _float_divmod): mod = fmod fixed to y's sign, div = (x - mod) / y rounded. */
function floatDivmod(a: Array, b: Array): [Array, Array] {
  const zero = fullOf(a, 0);
  let mod = lax.rem(a, b);
  let div = lax.div(lax.sub(a, mod), b);
  const ind = lax.and(lax.ne(mod, zero), lax.ne(lax.sign(b), lax.sign(mod)));
  mod = lax.select(ind, lax.add(mod, b), mod);
  div = lax.select(ind, lax.sub(div, fullOf(a, 1)), div);
  return [roundHalfEven(div), mod];
}

/** floor(x / y) with numpy semantics for ints (rounds toward -inf) and floats. */
export const floorDivide: Bin = (x, y) => {
  let [a, b] = promoteBroadcast('floorDivide', [x, y]);
  if (isBool(a!.dtype)) [a, b] = [castTo(a!, 'int32'), castTo(b!, 'int32')];
  return isFloat(a!.dtype) ? floatDivmod(a!, b!)[0] : floorDivideInts(a!, b!);
};

function intMod(a: Array, b: Array): Array {
  const r = lax.rem(a, b);
  if (isUnsigned(a.dtype)) return r;
  const zero = fullOf(a, 0);
  const fix = lax.and(lax.ne(lax.lt(r, zero), lax.lt(b, zero)), lax.ne(r, zero));
  return lax.select(fix, lax.add(r, b), r);
}

/** x mod y with the sign of y (numpy's remainder / Python's %). */
export const remainder: Bin = (x, y) => {
  let [a, b] = promoteBroadcast('remainder', [x, y]);
  if (isBool(a!.dtype)) [a, b] = [castTo(a!, 'int32'), castTo(b!, 'int32')];
  return isFloat(a!.dtype) ? floatDivmod(a!, b!)[1] : intMod(a!, b!);
};
/** Alias of {@link remainder}. */
export const mod = remainder;
/** C-style remainder with the sign of x. */
export const fmod: Bin = (x, y) => {
  let [a, b] = promoteBroadcast('fmod', [x, y]);
  if (isBool(a!.dtype)) [a, b] = [castTo(a!, 'int32'), castTo(b!, 'int32')];
  return lax.rem(a!, b!);
};
/** [floorDivide(x, y), remainder(x, y)]. */
export function divmod(x: ArrayLike, y: ArrayLike): [Array, Array] {
  let [a, b] = promoteBroadcast('divmod', [x, y]);
  if (isBool(a!.dtype)) [a, b] = [castTo(a!, 'int32'), castTo(b!, 'int32')];
  return isFloat(a!.dtype) ? floatDivmod(a!, b!) : [floorDivideInts(a!, b!), intMod(a!, b!)];
}

/** x ** n for a static integer n by repeated squaring (JAX's integer_pow): exact, and differentiable at x <= 0. */
export function integerPow(x: Array, n: number): Array {
  if (n === 0) return fullOf(x, 1);
  if (n < 0) {
    if (!isFloat(x.dtype)) fail('power', `integers to negative integer powers are not allowed (${desc(x)} ** ${n})`);
    return lax.div(fullOf(x, 1), integerPow(x, -n));
  }
  let acc: Array | null = null;
  let base = x;
  for (let k = n; k > 0; k >>= 1) {
    if (k & 1) acc = acc ? lax.mul(acc, base) : base;
    if (k > 1) base = lax.mul(base, base);
  }
  return acc!;
}

/** x ** y. A static integer exponent uses repeated multiplication (exact and well-behaved under grad). */
export const power: Bin = (x, y) => {
  if (typeof y === 'number' && Number.isInteger(y) && Math.abs(y) <= 1024) {
    const [a] = promote('power', [x, y]);
    if (isBool(a!.dtype)) return integerPow(castTo(a!, 'int32', a!.weakType), y);
    return integerPow(a!, y);
  }
  let [a, b] = promoteBroadcast('power', [x, y]);
  if (isBool(a!.dtype)) [a, b] = [castTo(a!, 'int32'), castTo(b!, 'int32')];
  return lax.pow(a!, b!);
};
/** Alias of {@link power}. */
export const pow = power;
/** x * x. */
export const square: Un = (x) => {
  const a = asArray(x, 'square');
  return isBool(a.dtype) ? a : lax.mul(a, a);
};
/** 1 / x (integer division for ints, as numpy). */
export const reciprocal: Un = (x) => {
  const a = asArray(x, 'reciprocal');
  noBool('reciprocal', a, 'convert with astype("float32")');
  return isFloat(a.dtype) ? lax.div(fullOf(a, 1), a) : floorDivideInts(fullOf(a, 1), a);
};

// ---------------------------------------------------------------------------------------------
// Transcendental (ints and bools promote to float32).

const inexact = (op: string, f: (x: Array) => Array): Un => (x) => f(promoteInexact(op, [x])[0]!);

/** Elementwise eˣ; integer and bool inputs are promoted to float, as in `jax.numpy.exp`.
 * @example np.exp(np.array([0.25, 0.5])) */
export const exp = inexact('exp', lax.exp);
/** Elementwise 2ˣ; integer and bool inputs are promoted to float, as in `jax.numpy.exp2`.
 * @example np.exp2(np.array([0.25, 0.5])) */
export const exp2 = inexact('exp2', lax.exp2);
/** Elementwise eˣ − 1 (accurate near 0); integer and bool inputs are promoted to float, as in `jax.numpy.expm1`.
 * @example np.expm1(np.array([0.25, 0.5])) */
export const expm1 = inexact('expm1', lax.expm1);
/** Elementwise ln x; integer and bool inputs are promoted to float, as in `jax.numpy.log`.
 * @example np.log(np.array([0.25, 0.5])) */
export const log = inexact('log', lax.log);
/** Elementwise ln(1 + x) (accurate near 0); integer and bool inputs are promoted to float, as in `jax.numpy.log1p`.
 * @example np.log1p(np.array([0.25, 0.5])) */
export const log1p = inexact('log1p', lax.log1p);
/** log2 x = log x / log 2. */
export const log2 = inexact('log2', (x) => lax.div(lax.log(x), fullOf(x, Math.LN2)));
/** log10 x = log x / log 10. */
export const log10 = inexact('log10', (x) => lax.div(lax.log(x), fullOf(x, Math.LN10)));
/** Elementwise √x; integer and bool inputs are promoted to float, as in `jax.numpy.sqrt`.
 * @example np.sqrt(np.array([0.25, 0.5])) */
export const sqrt = inexact('sqrt', lax.sqrt);
/** Elementwise 1/√x; integer and bool inputs are promoted to float, as in `jax.numpy.rsqrt`.
 * @example np.rsqrt(np.array([0.25, 0.5])) */
export const rsqrt = inexact('rsqrt', lax.rsqrt);
/** Elementwise ∛x; integer and bool inputs are promoted to float, as in `jax.numpy.cbrt`.
 * @example np.cbrt(np.array([0.25, 0.5])) */
export const cbrt = inexact('cbrt', lax.cbrt);
/** Elementwise sin x; integer and bool inputs are promoted to float, as in `jax.numpy.sin`.
 * @example np.sin(np.array([0.25, 0.5])) */
export const sin = inexact('sin', lax.sin);
/** Elementwise cos x; integer and bool inputs are promoted to float, as in `jax.numpy.cos`.
 * @example np.cos(np.array([0.25, 0.5])) */
export const cos = inexact('cos', lax.cos);
/** Elementwise tan x; integer and bool inputs are promoted to float, as in `jax.numpy.tan`.
 * @example np.tan(np.array([0.25, 0.5])) */
export const tan = inexact('tan', lax.tan);
/** Elementwise arcsin x; integer and bool inputs are promoted to float, as in `jax.numpy.arcsin`.
 * @example np.arcsin(np.array([0.25, 0.5])) */
export const arcsin = inexact('arcsin', lax.asin);
/** Elementwise arccos x; integer and bool inputs are promoted to float, as in `jax.numpy.arccos`.
 * @example np.arccos(np.array([0.25, 0.5])) */
export const arccos = inexact('arccos', lax.acos);
/** Elementwise arctan x; integer and bool inputs are promoted to float, as in `jax.numpy.arctan`.
 * @example np.arctan(np.array([0.25, 0.5])) */
export const arctan = inexact('arctan', lax.atan);
/** Elementwise sinh x; integer and bool inputs are promoted to float, as in `jax.numpy.sinh`.
 * @example np.sinh(np.array([0.25, 0.5])) */
export const sinh = inexact('sinh', lax.sinh);
/** Elementwise cosh x; integer and bool inputs are promoted to float, as in `jax.numpy.cosh`.
 * @example np.cosh(np.array([0.25, 0.5])) */
export const cosh = inexact('cosh', lax.cosh);
/** Elementwise tanh x; integer and bool inputs are promoted to float, as in `jax.numpy.tanh`.
 * @example np.tanh(np.array([0.25, 0.5])) */
export const tanh = inexact('tanh', lax.tanh);
/** Elementwise arsinh x; integer and bool inputs are promoted to float, as in `jax.numpy.arcsinh`.
 * @example np.arcsinh(np.array([0.25, 0.5])) */
export const arcsinh = inexact('arcsinh', lax.asinh);
/** Elementwise arcosh x; integer and bool inputs are promoted to float, as in `jax.numpy.arccosh`.
 * @example np.arccosh(np.array([0.25, 0.5])) */
export const arccosh = inexact('arccosh', lax.acosh);
/** Elementwise artanh x; integer and bool inputs are promoted to float, as in `jax.numpy.arctanh`.
 * @example np.arctanh(np.array([0.25, 0.5])) */
export const arctanh = inexact('arctanh', lax.atanh);
/** Elementwise the error function erf x; integer and bool inputs are promoted to float, as in `jax.numpy.erf`.
 * @example np.erf(np.array([0.25, 0.5])) */
export const erf = inexact('erf', lax.erf);
/** 1 - erf(x). */
export const erfc = inexact('erfc', (x) => lax.sub(fullOf(x, 1), lax.erf(x)));
/** Elementwise the inverse error function; integer and bool inputs are promoted to float, as in `jax.numpy.erfinv`.
 * @example np.erfinv(np.array([0.25, 0.5])) */
export const erfinv = inexact('erfinv', lax.erfInv);
/** Degrees to radians. */
export const deg2rad = inexact('deg2rad', (x) => lax.mul(x, fullOf(x, Math.PI / 180)));
/** Elementwise radians → degrees (integers promote to float). */
export const rad2deg = inexact('rad2deg', (x) => lax.mul(x, fullOf(x, 180 / Math.PI)));
/** Alias of {@link deg2rad}. */
export const radians = deg2rad;
/** Alias of {@link rad2deg}. */
export const degrees = rad2deg;
/** sin(pi x) / (pi x), 1 at 0. */
export const sinc = inexact('sinc', (x) => {
  const zero = lax.eq(x, fullOf(x, 0));
  const safe = lax.select(zero, fullOf(x, 1), x);
  const pix = lax.mul(safe, fullOf(x, Math.PI));
  return lax.select(zero, fullOf(x, 1), lax.div(lax.sin(pix), pix));
});
/** atan2(y, x): the angle of the point (x, y). */
export const arctan2: Bin = (y, x) => {
  const [a, b] = promoteBroadcastInexact('arctan2', [y, x]);
  return lax.atan2(a!, b!);
};
/** sqrt(x² + y²) without overflow (JAX's scaled form): max · sqrt(1 + (min/max)²), inf if either is inf. */
export const hypot: Bin = (x, y) => {
  const [a0, b0] = promoteBroadcastInexact('hypot', [x, y]);
  const a = lax.abs(a0!), b = lax.abs(b0!);
  const inf = fullOf(a, Infinity);
  const isInf = lax.or(lax.eq(a, inf), lax.eq(b, inf));
  const hi = lax.max(a, b), lo = lax.min(a, b);
  const zero = lax.eq(hi, fullOf(a, 0));
  const r = lax.div(lo, lax.select(zero, fullOf(a, 1), hi));
  const out = lax.mul(hi, lax.sqrt(lax.add(fullOf(a, 1), lax.mul(r, r))));
  return lax.select(isInf, inf, lax.select(zero, hi, out));
};
/** log(exp x + exp y), stable. */
export const logaddexp: Bin = (x, y) => {
  const [a, b] = promoteBroadcastInexact('logaddexp', [x, y]);
  return lax.logaddexp(a!, b!);
};
/** log2(2^x + 2^y). */
export const logaddexp2: Bin = (x, y) => {
  const [a, b] = promoteBroadcastInexact('logaddexp2', [x, y]);
  const ln2 = fullOf(a!, Math.LN2);
  return lax.div(lax.logaddexp(lax.mul(a!, ln2), lax.mul(b!, ln2)), ln2);
};

// ---------------------------------------------------------------------------------------------
// Rounding.

/** Round half to even (numpy's rint), built from floor so it does not depend on lax.round's tie rule. */
function roundHalfEven(x: Array): Array {
  const f = lax.floor(x);
  const d = lax.sub(x, f);
  const half = fullOf(x, 0.5), one = fullOf(x, 1), two = fullOf(x, 2);
  const fHalf = lax.mul(lax.floor(lax.div(f, two)), two);
  const fEven = lax.eq(f, fHalf);
  const up = lax.add(f, one);
  const r = lax.select(lax.gt(d, half), up, lax.select(lax.lt(d, half), f, lax.select(fEven, f, up)));
  // a zero result keeps x's sign, as rint does (round(-0.4) = -0.)
  return lax.select(lax.eq(r, fullOf(x, 0)), lax.mul(x, fullOf(x, 0)), r);
}

/** Round to `decimals` places, halves to even (numpy's around). Integers are unchanged for decimals >= 0. */
export function round(x: ArrayLike, decimals = 0): Array {
  const a = asArray(x, 'round');
  if (!isFloat(a.dtype)) {
    if (decimals >= 0 || isBool(a.dtype)) return a;
    const p = 10 ** -decimals;
    const f = castTo(a, 'float64');
    return castTo(lax.mul(roundHalfEven(lax.div(f, fullOf(f, p))), fullOf(f, p)), a.dtype, a.weakType);
  }
  if (decimals === 0) return roundHalfEven(a);
  const p = fullOf(a, 10 ** Math.abs(decimals));
  return decimals > 0 ? lax.div(roundHalfEven(lax.mul(a, p)), p) : lax.mul(roundHalfEven(lax.div(a, p)), p);
}
/** Alias of {@link round}. */
export const around = round;
/** Round to the nearest integer, halves to even. */
export const rint: Un = (x) => round(x, 0);
const intIdentity = (op: string, f: (x: Array) => Array): Un => (x) => {
  const a = asArray(x, op);
  return isFloat(a.dtype) ? f(a) : a;
};
/** Elementwise ⌊x⌋ (integers pass through unchanged). */
export const floor = intIdentity('floor', lax.floor);
/** Elementwise ⌈x⌉ (integers pass through unchanged). */
export const ceil = intIdentity('ceil', lax.ceil);
/** Round toward zero. */
export const trunc = intIdentity('trunc', (a) => lax.select(lax.lt(a, fullOf(a, 0)), lax.ceil(a), lax.floor(a)));
/** Alias of {@link trunc}. */
export const fix = trunc;

// ---------------------------------------------------------------------------------------------
// Min/max, clipping, selection.

/** Elementwise maximum (NaN propagates). */
export const maximum: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('maximum', [x, y]);
  return lax.max(a!, b!);
};
/** Elementwise minimum (NaN propagates). */
export const minimum: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('minimum', [x, y]);
  return lax.min(a!, b!);
};
/** Maximum ignoring NaN (NaN only where both are NaN). */
export const fmax: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('fmax', [x, y]);
  if (!isFloat(a!.dtype)) return lax.max(a!, b!);
  return lax.select(lax.ne(a!, a!), b!, lax.select(lax.ne(b!, b!), a!, lax.max(a!, b!)));
};
/** Minimum ignoring NaN. */
export const fmin: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('fmin', [x, y]);
  if (!isFloat(a!.dtype)) return lax.min(a!, b!);
  return lax.select(lax.ne(a!, a!), b!, lax.select(lax.ne(b!, b!), a!, lax.min(a!, b!)));
};

/** Limits values to [min, max] (either bound may be null). */
export function clip(x: ArrayLike, min?: ArrayLike | null, max?: ArrayLike | null): Array {
  let y = asArray(x, 'clip');
  if (min !== undefined && min !== null) y = maximum(y, min);
  if (max !== undefined && max !== null) y = minimum(y, max);
  return y;
}

/** Elementwise cond ? x : y with numpy broadcasting and promotion of x and y. */
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): Array {
  const c = toBool(asArray(condition, 'where'));
  const [a, b] = promote('where', [x, y]);
  const [cc, aa, bb] = broadcastAll('where', [c, a!, b!]);
  return lax.select(cc!, aa!, bb!);
}

/** numpy's select: the first choice whose condition holds, else `defaultValue`. */
export function select(condlist: readonly ArrayLike[], choicelist: readonly ArrayLike[], defaultValue: ArrayLike = 0): Array {
  if (condlist.length !== choicelist.length)
    fail('select', `condlist and choicelist must have the same length, got ${condlist.length} and ${choicelist.length}`);
  if (condlist.length === 0) fail('select', 'condlist must not be empty');
  let out = asArray(defaultValue, 'select');
  for (let i = condlist.length - 1; i >= 0; i--) out = where(condlist[i]!, choicelist[i]!, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comparisons.

const cmp = (op: string, f: (a: Array, b: Array) => Array): Bin => (x, y) => {
  const [a, b] = promoteBroadcast(op, [x, y]);
  return f(a!, b!);
};
/** Elementwise x == y with broadcasting and promotion (bool result). */
export const equal = cmp('equal', lax.eq);
/** Elementwise x != y (bool result). */
export const notEqual = cmp('notEqual', lax.ne);
/** Elementwise x < y (bool result). */
export const less = cmp('less', lax.lt);
/** Elementwise x <= y (bool result). */
export const lessEqual = cmp('lessEqual', lax.le);
/** Elementwise x > y (bool result). */
export const greater = cmp('greater', lax.gt);
/** Elementwise x >= y (bool result). */
export const greaterEqual = cmp('greaterEqual', lax.ge);

/** x != 0 as bool (identity for bools). */
export function toBool(a: Array): Array {
  return isBool(a.dtype) ? a : lax.ne(a, fullOf(a, 0));
}

// ---------------------------------------------------------------------------------------------
// Logic and bits.

const logical = (op: string, f: (a: Array, b: Array) => Array): Bin => (x, y) => {
  const [a, b] = broadcastAll(op, [toBool(asArray(x, op)), toBool(asArray(y, op))]);
  return f(a!, b!);
};
/** Elementwise logical and (inputs are tested for nonzero). */
export const logicalAnd = logical('logicalAnd', lax.and);
/** Elementwise logical or (inputs are tested for nonzero). */
export const logicalOr = logical('logicalOr', lax.or);
/** Elementwise logical exclusive or. */
export const logicalXor = logical('logicalXor', lax.xor);
/** Elementwise logical not (bool result). */
export const logicalNot: Un = (x) => lax.not(toBool(asArray(x, 'logicalNot')));

const bitwise = (op: string, f: (a: Array, b: Array) => Array): Bin => (x, y) => {
  const [a, b] = promoteBroadcast(op, [x, y]);
  if (isFloat(a!.dtype)) fail(op, `expected integer or bool operands, got ${desc(asArray(x))} and ${desc(asArray(y))}`);
  return f(a!, b!);
};
/** Elementwise bitwise and of integer or bool arrays. */
export const bitwiseAnd = bitwise('bitwiseAnd', lax.and);
/** Elementwise bitwise or of integer or bool arrays. */
export const bitwiseOr = bitwise('bitwiseOr', lax.or);
/** Elementwise bitwise exclusive or of integer or bool arrays. */
export const bitwiseXor = bitwise('bitwiseXor', lax.xor);
/** Bitwise not (~x); logical not for bools. */
export const bitwiseNot: Un = (x) => {
  const a = asArray(x, 'bitwiseNot');
  if (isFloat(a.dtype)) fail('bitwiseNot', `expected an integer or bool operand, got ${desc(a)}`);
  return lax.not(a);
};
/** Alias of {@link bitwiseNot}. */
export const invert = bitwiseNot;
const shiftCheck = (op: string, a: Array): void => {
  if (!isInt(a.dtype)) fail(op, `expected integer operands (int32 or uint32), got ${desc(a)}`);
};
/** x << y. */
export const leftShift: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('leftShift', [x, y]);
  shiftCheck('leftShift', a!);
  return lax.shiftLeft(a!, b!);
};
/** x >> y: arithmetic for int32 (sign-extending), logical for uint32. */
export const rightShift: Bin = (x, y) => {
  const [a, b] = promoteBroadcast('rightShift', [x, y]);
  shiftCheck('rightShift', a!);
  if (isUnsigned(a!.dtype)) return lax.shiftRightLogical(a!, b!);
  // arithmetic shift of a negative number = ~((~x) >>> y)
  const neg = lax.lt(a!, fullOf(a!, 0));
  return lax.select(neg, lax.not(lax.shiftRightLogical(lax.not(a!), b!)), lax.shiftRightLogical(a!, b!));
};

// ---------------------------------------------------------------------------------------------
// Floating-point classification.

/** x is NaN (false for ints and bools). */
export const isnan: Un = (x) => {
  const a = asArray(x, 'isnan');
  return isFloat(a.dtype) ? lax.ne(a, a) : lax.full(a.shape, false, 'bool');
};
/** x is +inf or -inf. */
export const isinf: Un = (x) => {
  const a = asArray(x, 'isinf');
  return isFloat(a.dtype) ? lax.eq(lax.abs(a), fullOf(a, Infinity)) : lax.full(a.shape, false, 'bool');
};
/** Elementwise x == +∞ (bool result). */
export const isposinf: Un = (x) => {
  const a = asArray(x, 'isposinf');
  return isFloat(a.dtype) ? lax.eq(a, fullOf(a, Infinity)) : lax.full(a.shape, false, 'bool');
};
/** Elementwise x == −∞ (bool result). */
export const isneginf: Un = (x) => {
  const a = asArray(x, 'isneginf');
  return isFloat(a.dtype) ? lax.eq(a, fullOf(a, -Infinity)) : lax.full(a.shape, false, 'bool');
};
/** x is neither NaN nor infinite. */
export const isfinite: Un = (x) => {
  const a = asArray(x, 'isfinite');
  return isFloat(a.dtype) ? lax.isFinite(a) : lax.full(a.shape, true, 'bool');
};
/** x < 0 or x is -0 (by 1/x < 0). */
export const signbit: Un = (x) => {
  const a = asArray(x, 'signbit');
  if (!isFloat(a.dtype)) return isUnsigned(a.dtype) || isBool(a.dtype) ? lax.full(a.shape, false, 'bool') : lax.lt(a, fullOf(a, 0));
  const zero = fullOf(a, 0);
  return lax.or(lax.lt(a, zero), lax.and(lax.eq(a, zero), lax.lt(lax.div(fullOf(a, 1), a), zero)));
};
/** |x| with the sign of y. */
export const copysign: Bin = (x, y) => {
  const [a, b] = promoteBroadcastInexact('copysign', [x, y]);
  const m = lax.abs(a!);
  return lax.select(signbit(b!), lax.neg(m), m);
};
/** 0 for x < 0, 1 for x > 0, h0 at 0 (NaN stays NaN). */
export const heaviside: Bin = (x, h0) => {
  const [a, h] = promoteBroadcastInexact('heaviside', [x, h0]);
  const zero = fullOf(a!, 0);
  return lax.select(lax.lt(a!, zero), zero, lax.select(lax.gt(a!, zero), fullOf(a!, 1), lax.select(lax.ne(a!, a!), a!, h!)));
};

/** The largest finite value of a float dtype. */
export const finiteMax = (d: 'float16' | 'float32' | 'float64'): number => (d === 'float16' ? 65504 : d === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE);

/** Replaces NaN with `nan` (0) and infinities with the largest finite values (or the given ones). */
export function nanToNum(x: ArrayLike, opts: { nan?: number; posinf?: number; neginf?: number } = {}): Array {
  const a = asArray(x, 'nanToNum');
  if (!isFloat(a.dtype)) return a;
  const big = finiteMax(a.dtype as 'float16' | 'float32' | 'float64');
  let y = lax.select(lax.ne(a, a), fullOf(a, opts.nan ?? 0), a);
  y = lax.select(lax.eq(y, fullOf(a, Infinity)), fullOf(a, opts.posinf ?? big), y);
  y = lax.select(lax.eq(y, fullOf(a, -Infinity)), fullOf(a, opts.neginf ?? -big), y);
  return y;
}

/** |x - y| <= atol + rtol |y| (NaNs equal only with equalNan). */
export function isclose(x: ArrayLike, y: ArrayLike, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): Array {
  const [a, b] = promoteBroadcast('isclose', [x, y]);
  if (!isFloat(a!.dtype)) return lax.eq(a!, b!);
  const rtol = opts.rtol ?? 1e-5, atol = opts.atol ?? 1e-8;
  const tol = lax.add(fullOf(a!, atol), lax.mul(fullOf(a!, rtol), lax.abs(b!)));
  const close = lax.or(lax.eq(a!, b!), lax.le(lax.abs(lax.sub(a!, b!)), tol));
  return opts.equalNan ? lax.or(close, lax.and(lax.ne(a!, a!), lax.ne(b!, b!))) : close;
}

/** Whether all elements are close (a bool scalar array; see isclose). */
export function allclose(x: ArrayLike, y: ArrayLike, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): Array {
  const c = isclose(x, y, opts);
  return c.size === 0 ? lax.scalar(true, 'bool') : lax.reduceMin(c, c.shape.map((_, i) => i));
}

/** True when the shapes match and all elements are equal (NaNs equal only with equalNan). */
export function arrayEqual(x: ArrayLike, y: ArrayLike, opts: { equalNan?: boolean } = {}): Array {
  const a = asArray(x, 'arrayEqual'), b = asArray(y, 'arrayEqual');
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) return lax.scalar(false, 'bool');
  const [p, q] = promote('arrayEqual', [a, b]);
  let eq = lax.eq(p!, q!);
  if (opts.equalNan && isFloat(p!.dtype)) eq = lax.or(eq, lax.and(lax.ne(p!, p!), lax.ne(q!, q!)));
  return eq.size === 0 ? lax.scalar(true, 'bool') : lax.reduceMin(eq, eq.shape.map((_, i) => i));
}

// ---------------------------------------------------------------------------------------------
// Dtype conversion.

/** A copy of x converted to `dtype` (floats to ints truncate toward zero; numbers to bool test != 0). */
export function astype(x: ArrayLike, dtypeLike: DTypeLike): Array {
  const a = asArray(x, 'astype');
  const dtype = toDType(dtypeLike, 'astype');
  if (dtype === 'bool') return toBool(a);
  return castTo(a, dtype, false);
}
