// Elementwise reference kernels: unary, binary, comparison, select, dtype conversion and bitcast over typed arrays.
import { type DType, type TypedArray, isFloat, roundF16, typedArrayCtor } from '../../core/dtype.js';
import type { BinaryPrim, ComparePrim, UnaryPrim } from '../../core/primitive.js';
import type { ShapedArray } from '../../core/aval.js';
import type { RefVal } from '../../rules/types.js';
import { erf, erfInv, logistic, powC, powInt, roundHalfEven } from './special.js';
import { takeHostOf } from '../../core/hostPool.js';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

/**
 * One scalar function per dtype class. Values are JS numbers read from the typed array (uint32 as 0..2³²−1);
 * the result is written back through the output typed array, whose store does the final rounding (float32)
 * or wrap-around (int32/uint32: every integer result below is exact before the store, or built with Math.imul).
 */
interface ByDtype<F> {
  readonly float?: F;
  readonly int32?: F;
  readonly uint32?: F;
  readonly bool?: F;
}

const kindOf = (d: DType): keyof ByDtype<unknown> => (isFloat(d) ? 'float' : (d as 'int32' | 'uint32' | 'bool'));

function pick<F>(op: string, table: ByDtype<F>, d: DType): F {
  const f = table[kindOf(d)];
  if (!f) throw new TypeError(`${op}: no reference kernel for dtype ${d}`);
  return f;
}

const f = <F>(float: F): ByDtype<F> => ({ float });
const same = <F>(fn: F): ByDtype<F> => ({ float: fn, int32: fn, uint32: fn, bool: fn });
const numeric = <F>(fn: F): ByDtype<F> => ({ float: fn, int32: fn, uint32: fn });

// int32 / uint32 integer division truncates toward zero; x / 0 = 0 (numpy's convention, stated in primitive.ts' brief).
const intDiv: Fn2 = (a, b) => (b === 0 ? 0 : Math.trunc(a / b));
// C fmod semantics: the result has the sign of the dividend; x rem 0 = 0 for integers.
const intRem: Fn2 = (a, b) => (b === 0 ? 0 : a % b);

export const unaryTable: { [P in UnaryPrim]: ByDtype<Fn1> } = {
  neg: numeric((x) => -x),
  sign: { float: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), int32: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), uint32: (x) => (x > 0 ? 1 : 0) },
  floor: f(Math.floor),
  ceil: f(Math.ceil),
  round: f(roundHalfEven),
  abs: { float: Math.abs, int32: Math.abs, uint32: (x) => x },
  not: { bool: (x) => (x ? 0 : 1), int32: (x) => ~x, uint32: (x) => ~x },
  isFinite: f((x) => (Number.isFinite(x) ? 1 : 0)),
  exp: f(Math.exp),
  exp2: f((x) => Math.pow(2, x)),
  log: f(Math.log),
  log1p: f(Math.log1p),
  expm1: f(Math.expm1),
  sqrt: f(Math.sqrt),
  rsqrt: f((x) => 1 / Math.sqrt(x)),
  cbrt: f(Math.cbrt),
  sin: f(Math.sin),
  cos: f(Math.cos),
  tan: f(Math.tan),
  asin: f(Math.asin),
  acos: f(Math.acos),
  atan: f(Math.atan),
  sinh: f(Math.sinh),
  cosh: f(Math.cosh),
  tanh: f(Math.tanh),
  asinh: f(Math.asinh),
  acosh: f(Math.acosh),
  atanh: f(Math.atanh),
  logistic: f(logistic),
  erf: f(erf),
  erfInv: f(erfInv),
};

/** Shift counts are read as unsigned; a count ≥ 32 shifts every bit out. */
const shiftCount = (b: number): number => b >>> 0;

export const binaryTable: { [P in BinaryPrim]: ByDtype<Fn2> } = {
  add: numeric((a, b) => a + b),
  sub: numeric((a, b) => a - b),
  mul: { float: (a, b) => a * b, int32: Math.imul, uint32: Math.imul },
  div: { float: (a, b) => a / b, int32: intDiv, uint32: intDiv },
  rem: { float: (a, b) => a % b, int32: intRem, uint32: intRem },
  pow: { float: powC, int32: powInt, uint32: powInt },
  // Math.max/min propagate NaN; on bool they are or/and.
  max: same(Math.max),
  min: same(Math.min),
  atan2: f(Math.atan2),
  and: { bool: (a, b) => a & b, int32: (a, b) => a & b, uint32: (a, b) => a & b },
  or: { bool: (a, b) => a | b, int32: (a, b) => a | b, uint32: (a, b) => a | b },
  xor: { bool: (a, b) => a ^ b, int32: (a, b) => a ^ b, uint32: (a, b) => a ^ b },
  shiftLeft: { int32: (a, b) => (shiftCount(b) >= 32 ? 0 : a << b), uint32: (a, b) => (shiftCount(b) >= 32 ? 0 : a << b) },
  // logical: the int32 bits are shifted as unsigned (>>>)
  shiftRightLogical: { int32: (a, b) => (shiftCount(b) >= 32 ? 0 : a >>> b), uint32: (a, b) => (shiftCount(b) >= 32 ? 0 : a >>> b) },
};

export const compareTable: { [P in ComparePrim]: Fn2 } = {
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

// every kernel below writes all of its output, so a recycled (unzeroed) buffer of the pool will do
const alloc = (aval: ShapedArray): TypedArray => takeHostOf(aval.dtype, aval.size);

export function unaryImpl(op: UnaryPrim): (args: RefVal[], params: unknown, outAvals: ShapedArray[]) => TypedArray[] {
  return ([x], _p, [oa]) => {
    const fn = pick(op, unaryTable[op], x!.aval.dtype);
    const src = x!.buffer, out = alloc(oa!);
    for (let i = 0, n = out.length; i < n; i++) out[i] = fn(src[i]!);
    return [out];
  };
}

export function binaryImpl(op: BinaryPrim): (args: RefVal[], params: unknown, outAvals: ShapedArray[]) => TypedArray[] {
  return ([x, y], _p, [oa]) => {
    const fn = pick(op, binaryTable[op], x!.aval.dtype);
    const a = x!.buffer, b = y!.buffer, out = alloc(oa!);
    for (let i = 0, n = out.length; i < n; i++) out[i] = fn(a[i]!, b[i]!);
    return [out];
  };
}

export function compareImpl(op: ComparePrim): (args: RefVal[], params: unknown, outAvals: ShapedArray[]) => TypedArray[] {
  const fn = compareTable[op];
  return ([x, y], _p, [oa]) => {
    const a = x!.buffer, b = y!.buffer, out = alloc(oa!);
    for (let i = 0, n = out.length; i < n; i++) out[i] = fn(a[i]!, b[i]!);
    return [out];
  };
}

export function selectImpl([p, t, e]: RefVal[], _params: unknown, [oa]: ShapedArray[]): TypedArray[] {
  const pred = p!.buffer, on = t!.buffer, off = e!.buffer, out = alloc(oa!);
  for (let i = 0, n = out.length; i < n; i++) out[i] = pred[i] ? on[i]! : off[i]!;
  return [out];
}

const INT32_MAX = 2147483647, INT32_MIN = -2147483648, UINT32_MAX = 4294967295;

/**
 * The scalar conversion of convertElementType from a `from` value to `to`: float → int truncates toward zero,
 * NaN → 0 and saturates at the integer range (XLA's saturating convert); int → int wraps (bit-preserving);
 * anything → bool is x ≠ 0; bool → number is 0/1; anything → float rounds to nearest (on the typed-array store).
 */
export function converter(from: DType, to: DType): Fn1 {
  const fromFloat = isFloat(from);
  if (to === 'bool') return (x) => (x !== 0 ? 1 : 0);
  if (to === 'float16') return roundF16; // once, from the exact value (a float32 store first could round twice)
  if (fromFloat && to === 'int32') return (x) => (x !== x ? 0 : x >= INT32_MAX ? INT32_MAX : x <= INT32_MIN ? INT32_MIN : Math.trunc(x));
  if (fromFloat && to === 'uint32') return (x) => (x !== x || x <= 0 ? 0 : x >= UINT32_MAX ? UINT32_MAX : Math.trunc(x));
  return (x) => x; // exact, rounding (to float32) or wrapping (int ↔ uint) is the store's
}

export function convertImpl([x]: RefVal[], params: { readonly newDtype: DType }, [oa]: ShapedArray[]): TypedArray[] {
  const src = x!.buffer, out = alloc(oa!);
  const from = x!.aval.dtype;
  if (from === params.newDtype) return [src.slice()];
  const fn = converter(from, params.newDtype);
  for (let i = 0, n = out.length; i < n; i++) out[i] = fn(src[i]!);
  return [out];
}

/** Reinterprets the bytes (copied, so the input is untouched; NaN payloads survive since no value is read). */
export function bitcastImpl([x]: RefVal[], params: { readonly newDtype: DType }): TypedArray[] {
  const src = x!.buffer;
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength).slice();
  return [new typedArrayCtor[params.newDtype](bytes.buffer)];
}

export function copyImpl([x]: RefVal[]): TypedArray[] {
  return [x!.buffer.slice()];
}
