// Argument checks and small lax helpers shared by the samplers (key and shape validation, broadcasting, nextafter).
import { broadcastShapes, fmtShape } from '../core/aval.js';
import { type DType, f16Bits, f16FromBits, isFloat, isInt, parseDType } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/prims.js';

/** A static shape (list of axis sizes). */
export type Shape = readonly number[];
/** The float dtypes random samplers produce. */
export type FloatDType = 'float16' | 'float32' | 'float64';
/** A JS number or an array (concrete or traced). */
export type ArrayLike = number | Array;

const describe = (x: unknown): string =>
  x instanceof Array
    ? `an array ${x.dtype}${fmtShape(x.shape)}`
    : globalThis.Array.isArray(x)
      ? `a JS array (make keys with random.key(seed))`
      : `${typeof x} ${String(x)}`;

/**
 * Validates a raw PRNG key: a uint32 array of shape [2] (like `jax.random.PRNGKey`). Batches of keys are
 * rejected with a pointer to vmap, as JAX does.
 */
export function checkKey(op: string, key: unknown): Array {
  if (key instanceof Array && key.dtype === 'uint32' && key.ndim === 1 && key.shape[0] === 2) return key;
  let hint = 'make one with random.key(seed), random.split(key) or random.foldIn(key, data)';
  if (key instanceof Array && key.dtype === 'uint32' && key.ndim > 1 && key.shape[key.ndim - 1] === 2)
    hint = `this looks like a batch of ${key.shape.slice(0, -1).join('x')} keys: ${op} takes one key; map over a batch with vmap`;
  throw new TypeError(`random.${op}: expected a PRNG key (a uint32 array of shape [2]), got ${describe(key)}; ${hint}`);
}

/** Validates a shape argument: a JS array of non-negative integers. */
export function checkShape(op: string, shape: unknown, what = 'shape'): number[] {
  if (!globalThis.Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0))
    throw new TypeError(`random.${op}: ${what} must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  return shape.slice() as number[];
}

/**
 * JAX's `_check_shape(name, shape, *param_shapes)`: the parameter shapes must broadcast to exactly `shape`.
 */
export function checkBroadcastTo(op: string, shape: Shape, ...paramShapes: Shape[]): void {
  if (paramShapes.length === 0) return;
  let b: number[];
  try {
    b = broadcastShapes(`random.${op}`, shape, ...paramShapes);
  } catch {
    b = [];
  }
  if (b.length !== shape.length || b.some((d, i) => d !== shape[i]))
    throw new TypeError(
      `random.${op}: parameter shapes ${paramShapes.map(fmtShape).join(', ')} must broadcast to the shape argument ` +
        `${fmtShape(shape)} (the result of broadcasting them with it must equal it)`,
    );
}

/** A float dtype argument ('float32' default). */
export function floatDType(op: string, dtype: unknown): FloatDType {
  const d = parseDType(dtype ?? 'float32', `random.${op}: dtype`);
  if (!isFloat(d)) throw new TypeError(`random.${op}: dtype must be a float dtype (float16, float32 or float64), got ${d}`);
  return d as FloatDType;
}

/** A JS number or an array as an array of `dtype` (numbers are cast like lax constants). */
export function asArray(op: string, what: string, x: unknown, dtype: DType): Array {
  if (typeof x === 'number' || typeof x === 'boolean') return lax.scalar(x, dtype);
  if (x instanceof Array) return lax.convertElementType(x, dtype);
  throw new TypeError(`random.${op}: ${what} must be a number or an array, got ${describe(x)}`);
}

/** numpy-style broadcast of `x` to `shape` (x's shape must broadcast to it; checked by the caller). */
export function broadcastTo(x: Array, shape: Shape): Array {
  if (x.ndim === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = shape.length - x.ndim;
  const dims = x.shape.map((_, i) => i + lead);
  return lax.broadcastInDim(x, shape, dims);
}

export const iinfo = {
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  uint32: { min: 0, max: 2 ** 32 - 1 },
} as const;

export function intDType(op: string, dtype: unknown): 'int32' | 'uint32' {
  const d = parseDType(dtype ?? 'int32', `random.${op}: dtype`);
  if (!isInt(d)) throw new TypeError(`random.${op}: dtype must be an integer dtype (int32 or uint32), got ${d}`);
  return d as 'int32' | 'uint32';
}

/** Smallest positive normal number and mantissa bits of each float dtype (numpy finfo). */
export const finfo = {
  float16: { tiny: 2 ** -14, nmant: 10, minSubnormal: 2 ** -24, max: 65504 },
  float32: { tiny: 2 ** -126, nmant: 23, minSubnormal: 2 ** -149, max: (2 - 2 ** -23) * 2 ** 127 },
  float64: { tiny: 2 ** -1022, nmant: 52, minSubnormal: 2 ** -1074, max: Number.MAX_VALUE },
} as const;

/** C's nextafter(x, toward) in `dtype`, on JS numbers (exact, through the bit pattern). */
export function nextafterNumber(x: number, toward: number, dtype: FloatDType): number {
  if (dtype === 'float32') {
    x = Math.fround(x);
    toward = Math.fround(toward);
  }
  if (Number.isNaN(x) || Number.isNaN(toward)) return NaN;
  if (x === toward) return toward;
  if (x === 0) return toward > 0 ? finfo[dtype].minSubnormal : -finfo[dtype].minSubnormal;
  const awayFromZero = (toward > x) === (x > 0);
  if (dtype === 'float16') return f16FromBits(f16Bits(x) + (awayFromZero ? 1 : -1));
  if (dtype === 'float32') {
    const f = new Float32Array([x]);
    const u = new Uint32Array(f.buffer);
    u[0] = awayFromZero ? u[0]! + 1 : u[0]! - 1;
    return f[0]!;
  }
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0] = awayFromZero ? u[0]! + 1n : u[0]! - 1n;
  return f[0]!;
}

/**
 * lax.nextafter(x, ±inf) on arrays: the neighbouring float of x towards +inf (dir = 1) or -inf (dir = -1).
 * float32 steps the bit pattern (exact). float64 (no 64-bit bitcast here) adds a = max(|x|·(2^-53 + 2^-105),
 * 2^-1074), which lies in (ulp/2, ulp] so x ± a rounds to the neighbour; exact for |x| >= 2^-969 and at 0.
 */
export function nextafterArray(x: Array, dir: 1 | -1): Array {
  const dtype = x.dtype as FloatDType;
  const s = x.shape;
  const f = (v: number): Array => lax.full(s, v, dtype);
  const inf = f(dir * Infinity);
  if (dtype === 'float32') {
    const b = lax.bitcastConvertType(x, 'uint32');
    const one = lax.full(s, 1, 'uint32');
    const away = dir > 0 ? lax.gt(x, f(0)) : lax.lt(x, f(0));
    const stepped = lax.bitcastConvertType(lax.select(away, lax.add(b, one), lax.sub(b, one)), 'float32');
    const atZero = lax.select(lax.eq(x, f(0)), f(dir * finfo.float32.minSubnormal), stepped);
    // nextafter(x, x) = x for x = ±inf in the direction of travel; NaN stays NaN.
    return lax.select(lax.or(lax.eq(x, inf), lax.ne(x, x)), x, atZero);
  }
  if (dtype === 'float16') {
    // as float64 below, in float32 arithmetic: a in (ulp/2, 3ulp/2) of float16, and x ± a rounds to the neighbour
    const x32 = lax.convertElementType(x, 'float32'), g = (v: number): Array => lax.full(s, v, 'float32');
    const a = lax.max(lax.mul(lax.abs(x32), g(2 ** -11 + 2 ** -22)), g(finfo.float16.minSubnormal));
    const r = lax.convertElementType(dir > 0 ? lax.add(x32, a) : lax.sub(x32, a), 'float16');
    return lax.select(lax.eq(x, lax.neg(inf)), f(-dir * finfo.float16.max), r);
  }
  const a = lax.max(lax.mul(lax.abs(x), f(2 ** -53 + 2 ** -105)), f(finfo.float64.minSubnormal));
  const r = dir > 0 ? lax.add(x, a) : lax.sub(x, a);
  // From -inf towards +inf the neighbour is -max (and symmetrically); inf - inf would give NaN.
  return lax.select(lax.eq(x, lax.neg(inf)), f(-dir * finfo.float64.max), r);
}
