// random: JAX's functional PRNG (threefry2x32 keys, split/foldIn, and samplers), reproducing jax.random's values.
//
// Keys, bits, integer samplers, permutations and uniform floats in [0, 1) are bit-for-bit JAX's; samplers
// that go through erf/erfInv/log agree to a few ulps (those functions differ by implementation).
//
// Keys are raw uint32 arrays of shape [2] (`jax.random.PRNGKey`), passed and returned explicitly. Every
// sampler follows the algorithm of jax/_src/random/core.py (formerly jax/_src/random.py) with lax ops, so
// it runs eagerly and under jit / vmap / grad. Key derivation follows JAX's current default,
// `jax_threefry_partitionable=True` (jax >= 0.5.0); `setThreefryPartitionable(false)` selects the legacy
// derivation of older JAX versions (see threefry.ts).
import { broadcastShapes, fmtShape, normalizeAxis, range, shapeSize } from '../core/aval.js';
import { fromTyped } from '../core/array.js';
import { isFloat, isInt } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/prims.js';
import {
  foldInKey,
  randomBits16,
  randomBits32,
  randomBits64,
  seedWords,
  splitKey,
  threefry2x32Flat,
} from './threefry.js';
import {
  type ArrayLike,
  type FloatDType,
  type Shape,
  asArray,
  broadcastTo,
  checkBroadcastTo,
  checkKey,
  checkShape,
  finfo,
  floatDType,
  iinfo,
  intDType,
  nextafterArray,
  nextafterNumber,
} from './util.js';

export { setThreefryPartitionable, threefryPartitionable, withThreefryPartitionable } from './threefry.js';
export type { ArrayLike, FloatDType, Shape } from './util.js';

/** A raw PRNG key: a uint32 array of shape [2]. */
export type Key = Array;

// ---------------------------------------------------------------------------------------------
// Keys

/**
 * A PRNG key from an integer seed (`jax.random.PRNGKey`): [seed >> 32, seed & 0xFFFFFFFF] of the seed as a
 * 64-bit two's-complement integer. JS numbers are exact up to 2^53 in magnitude; bigints give all 64 bits.
 * This is JAX's result with `jax_enable_x64`; without x64 JAX keeps only the low 32 bits (hi = 0), which
 * agrees for seeds in [0, 2^32). An int32/uint32 scalar array seed (e.g. under vmap) gives [0, seed].
 */
export function key(seed: number | bigint | Array): Key {
  if (seed instanceof Array) {
    if (seed.ndim !== 0 || !isInt(seed.dtype))
      throw new TypeError(
        `random.key: an array seed must be an integer scalar (int32 or uint32), got ${seed.dtype}${fmtShape(seed.shape)}; use vmap for batches of seeds`,
      );
    // threefry_seed: hi = seed >> 32 (0 for a 32-bit seed), lo = seed as uint32 (bit pattern).
    const lo = seed.dtype === 'uint32' ? seed : lax.bitcastConvertType(seed, 'uint32');
    return lax.concatenate([lax.full([1], 0, 'uint32'), lax.reshape(lo, [1])], 0);
  }
  if (typeof seed === 'bigint') {
    const s = BigInt.asUintN(64, seed);
    return fromTyped(new Uint32Array([Number(s >> 32n), Number(s & 0xffffffffn)]), [2], 'uint32');
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed) || Math.abs(seed) > 2 ** 53)
    throw new TypeError(
      `random.key: the seed must be an integer of magnitude at most 2^53 (or a bigint), got ${String(seed)}`,
    );
  const [hi, lo] = seedWords(seed);
  return fromTyped(new Uint32Array([hi, lo]), [2], 'uint32');
}

/** Alias of `key`, JAX's name for raw uint32 keys. */
export const PRNGKey = key;

/** The uint32 data of a key (identity on raw keys; for parity with `jax.random.key_data`). */
export function keyData(k: Key): Array {
  return checkKey('keyData', k);
}

/** Splits a key into `num` new keys (or a [...shape] array of keys): shape [num, 2]. */
export function split(k: Key, num: number | Shape = 2): Array {
  checkKey('split', k);
  const shape = typeof num === 'number' ? checkShape('split', [num], 'num') : checkShape('split', num, 'num');
  return splitKey(k, shape);
}

/** Folds a 32-bit integer into a key, giving a new key (in partitionable mode foldIn(k, i) == split(k, n)[i]). */
export function foldIn(k: Key, data: number | Array): Key {
  checkKey('foldIn', k);
  let d: Array;
  if (typeof data === 'number') {
    if (!Number.isInteger(data) || data < -(2 ** 31) || data >= 2 ** 32)
      throw new TypeError(`random.foldIn: data must be a 32-bit integer, got ${data}`);
    d = lax.scalar(data >>> 0, 'uint32');
  } else if (data instanceof Array && data.ndim === 0 && (isInt(data.dtype) || data.dtype === 'bool')) {
    d = data.dtype === 'int32' ? lax.bitcastConvertType(data, 'uint32') : lax.convertElementType(data, 'uint32');
  } else {
    const what = data instanceof Array ? `${data.dtype}${fmtShape(data.shape)}` : String(data);
    throw new TypeError(`random.foldIn: data must be an integer scalar, got ${what}; use vmap to fold in a batch`);
  }
  return foldInKey(k, d);
}

/** Uniform random bits (`jax.random.bits`); only uint32 is supported. */
export function bits(k: Key, shape: Shape = [], dtype: 'uint32' = 'uint32'): Array {
  checkKey('bits', k);
  if (dtype !== 'uint32') throw new TypeError(`random.bits: dtype must be uint32 (the only unsigned dtype), got ${String(dtype)}`);
  return randomBits32(k, checkShape('bits', shape));
}

/** `jax._src.random.threefry2x32_p` via `threefry_2x32(keypair, count)`: hashes a uint32 count array. */
export function threefry2x32(keypair: Key, count: Array): Array {
  checkKey('threefry2x32', keypair);
  if (count.dtype !== 'uint32') throw new TypeError(`random.threefry2x32: count must be uint32, got ${count.dtype}${fmtShape(count.shape)}`);
  return threefry2x32Flat(keypair, count);
}

// ---------------------------------------------------------------------------------------------
// Continuous samplers

/**
 * jax `_uniform`: random mantissa bits under exponent 0 give a float in [1, 2); minus 1 gives [0, 1),
 * scaled by (maxval - minval) and shifted by minval, then max(minval, ·). `lo`, `hi` are `dtype` arrays
 * already broadcast to `shape`.
 */
function uniformIn(k: Key, shape: Shape, dtype: FloatDType, lo: Array, hi: Array): Array {
  let floats: Array;
  if (dtype === 'float16') {
    // 16 random bits (threefry_random_bits with bit width 16): float_bits = (bits >> 6) | bits(1.0 half), minus 1,
    // which is (bits >> 6) · 2^-10 exactly
    const b = randomBits16(k, shape);
    const m = lax.shiftRightLogical(b, lax.full(shape, 6, 'uint32'));
    floats = lax.convertElementType(lax.mul(lax.convertElementType(m, 'float32'), lax.full(shape, 2 ** -10, 'float32')), 'float16');
  } else if (dtype === 'float32') {
    // float_bits = (bits >> (32 - 23)) | bitcast<u32>(1.0f); floats = bitcast<f32>(float_bits) - 1.
    const b = randomBits32(k, shape);
    const fb = lax.or(lax.shiftRightLogical(b, lax.full(shape, 9, 'uint32')), lax.full(shape, 0x3f800000, 'uint32'));
    floats = lax.sub(lax.bitcastConvertType(fb, 'float32'), lax.full(shape, 1, 'float32'));
  } else {
    // 64 random bits (hi, lo); bitcast<f64>((bits >> 12) | bits(1.0)) - 1 = (bits >> 12) * 2^-52, exactly
    // hi * 2^-32 + (lo >> 12) * 2^-52 (52 significant bits fit a float64).
    const [bh, bl] = randomBits64(k, shape);
    const h = lax.mul(lax.convertElementType(bh, 'float64'), lax.full(shape, 2 ** -32, 'float64'));
    const l = lax.mul(
      lax.convertElementType(lax.shiftRightLogical(bl, lax.full(shape, 12, 'uint32')), 'float64'),
      lax.full(shape, 2 ** -52, 'float64'),
    );
    floats = lax.add(h, l);
  }
  // XLA (CPU, GPU) contracts this multiply-add into an FMA, so with bounds other than [0, 1) (where both
  // are exact) JAX's float32 results can differ from these separately rounded ones by one ulp.
  return lax.max(lo, lax.add(lax.mul(floats, lax.sub(hi, lo)), lo));
}

/** A bound (number or array) as a `dtype` array broadcast to `shape`. */
function bound(op: string, what: string, x: ArrayLike, dtype: FloatDType, shape: Shape): Array {
  if (typeof x === 'number') return lax.full(shape, x, dtype);
  const a = asArray(op, what, x, dtype);
  checkBroadcastTo(op, shape, a.shape);
  return broadcastTo(a, shape);
}

/** Uniform floats in [minval, maxval) (`jax.random.uniform`). */
export function uniform(
  k: Key,
  shape: Shape = [],
  dtype: FloatDType = 'float32',
  minval: ArrayLike = 0,
  maxval: ArrayLike = 1,
): Array {
  checkKey('uniform', k);
  const s = checkShape('uniform', shape);
  const d = floatDType('uniform', dtype);
  return uniformIn(k, s, d, bound('uniform', 'minval', minval, d, s), bound('uniform', 'maxval', maxval, d, s));
}

/**
 * Standard normal samples (`jax.random.normal`): u uniform in (-1, 1) (minval = nextafter(-1, 0)), then
 * sqrt(2) · erfInv(u).
 */
export function normal(k: Key, shape: Shape = [], dtype: FloatDType = 'float32'): Array {
  checkKey('normal', k);
  const s = checkShape('normal', shape);
  const d = floatDType('normal', dtype);
  return normalIn(k, s, d);
}

function normalIn(k: Key, s: Shape, d: FloatDType): Array {
  const lo = lax.full(s, nextafterNumber(-1, 0, d), d);
  const u = uniformIn(k, s, d, lo, lax.full(s, 1, d));
  return lax.mul(lax.full(s, Math.SQRT2, d), lax.erfInv(u));
}

/**
 * Truncated standard normal samples in the open interval (lower, upper) (`jax.random.truncated_normal`):
 * u uniform in [erf(lower/√2), erf(upper/√2)), x = √2 · erfInv(u), clamped to
 * [nextafter(lower, +inf), nextafter(upper, -inf)]. `shape` defaults to the broadcast of the bounds' shapes.
 */
export function truncatedNormal(
  k: Key,
  lower: ArrayLike,
  upper: ArrayLike,
  shape?: Shape | null,
  dtype: FloatDType = 'float32',
): Array {
  checkKey('truncatedNormal', k);
  const d = floatDType('truncatedNormal', dtype);
  const lowerA = asArray('truncatedNormal', 'lower', lower, d);
  const upperA = asArray('truncatedNormal', 'upper', upper, d);
  let s: number[];
  if (shape === undefined || shape === null) s = broadcastShapes('random.truncatedNormal', lowerA.shape, upperA.shape);
  else {
    s = checkShape('truncatedNormal', shape);
    checkBroadcastTo('truncatedNormal', s, lowerA.shape, upperA.shape);
  }
  const sqrt2 = (x: Array): Array => lax.full(x.shape, Math.SQRT2, d);
  const a = lax.erf(lax.div(lowerA, sqrt2(lowerA)));
  const b = lax.erf(lax.div(upperA, sqrt2(upperA)));
  const u = uniformIn(k, s, d, broadcastTo(a, s), broadcastTo(b, s));
  const out = lax.mul(lax.full(s, Math.SQRT2, d), lax.erfInv(u));
  // Clamp into the open interval: rounding (or u = a) could otherwise land on or outside a bound.
  const lo =
    typeof lower === 'number' ? lax.full(s, nextafterNumber(lower, Infinity, d), d) : broadcastTo(nextafterArray(lax.stopGradient(lowerA), 1), s);
  const hi =
    typeof upper === 'number' ? lax.full(s, nextafterNumber(upper, -Infinity, d), d) : broadcastTo(nextafterArray(lax.stopGradient(upperA), -1), s);
  return lax.min(lax.max(out, lo), hi);
}

/** Gumbel samples (`jax.random.gumbel`, mode "low"): -log(-log(u)), u uniform in [tiny, 1). */
export function gumbel(k: Key, shape: Shape = [], dtype: FloatDType = 'float32'): Array {
  checkKey('gumbel', k);
  return gumbelIn(k, checkShape('gumbel', shape), floatDType('gumbel', dtype));
}

function gumbelIn(k: Key, s: Shape, d: FloatDType): Array {
  const u = uniformIn(k, s, d, lax.full(s, finfo[d].tiny, d), lax.full(s, 1, d));
  return lax.neg(lax.log(lax.neg(lax.log(u))));
}

/** Exponential samples (`jax.random.exponential`): -log1p(-u), u uniform in [0, 1). */
export function exponential(k: Key, shape: Shape = [], dtype: FloatDType = 'float32'): Array {
  checkKey('exponential', k);
  const s = checkShape('exponential', shape);
  const d = floatDType('exponential', dtype);
  const u = uniformIn(k, s, d, lax.full(s, 0, d), lax.full(s, 1, d));
  return lax.neg(lax.log1p(lax.neg(u)));
}

// ---------------------------------------------------------------------------------------------
// Discrete samplers

/**
 * Bernoulli samples with mean p (`jax.random.bernoulli`, mode "low"): uniform(key, shape, p.dtype) < p.
 * `shape` defaults to p's shape; p must be a float (a JS number is float32).
 */
export function bernoulli(k: Key, p: ArrayLike = 0.5, shape?: Shape | null): Array {
  checkKey('bernoulli', k);
  let pa: Array;
  if (typeof p === 'number') pa = lax.scalar(p, 'float32');
  else if (p instanceof Array) {
    if (!isFloat(p.dtype)) throw new TypeError(`random.bernoulli: the probability p must have a float dtype, got ${p.dtype}${fmtShape(p.shape)}`);
    pa = p;
  } else throw new TypeError(`random.bernoulli: p must be a number or a float array, got ${String(p)}`);
  let s: number[];
  if (shape === undefined || shape === null) s = pa.shape.slice();
  else {
    s = checkShape('bernoulli', shape);
    checkBroadcastTo('bernoulli', s, pa.shape);
  }
  const d = pa.dtype as FloatDType;
  const u = uniformIn(k, s, d, lax.full(s, 0, d), lax.full(s, 1, d));
  return lax.lt(u, broadcastTo(pa, s));
}

/**
 * Uniform integers in [minval, maxval) (`jax.random.randint`). As in JAX, 2 x 32 random bits are reduced
 * modulo the span (biased only for spans that are not powers of two, by at most span / 2^32), bounds are
 * clipped to the dtype, and maxval <= minval gives minval.
 */
export function randint(
  k: Key,
  shape: Shape,
  minval: ArrayLike,
  maxval: ArrayLike,
  dtype: 'int32' | 'uint32' = 'int32',
): Array {
  checkKey('randint', k);
  const s = checkShape('randint', shape);
  const d = intDType('randint', dtype);
  const ud = 'uint32';
  const info = iinfo[d];
  // _convert_and_clip_integer: bounds clipped to the dtype's range; remember whether maxval exceeded it
  // (randint(k, s, 0, 2^32, uint32) must reach 2^32 - 1).
  const prep = (what: string, v: ArrayLike): { a: Array; over: Array | boolean } => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new TypeError(`random.randint: ${what} must be finite, got ${v}`);
      const t = Math.trunc(v);
      return { a: lax.scalar(Math.min(Math.max(t, info.min), info.max), d), over: t > info.max };
    }
    if (!(v instanceof Array)) throw new TypeError(`random.randint: ${what} must be a number or an integer array, got ${String(v)}`);
    let a = v;
    if (!isInt(a.dtype)) a = lax.convertElementType(a, 'int32');
    checkBroadcastTo('randint', s, a.shape);
    if (a.dtype === d) return { a, over: false };
    const src = iinfo[a.dtype as 'int32' | 'uint32'];
    const lo = Math.max(info.min, src.min), hi = Math.min(info.max, src.max);
    const over = hi < src.max ? lax.gt(a, lax.fullLike(a, hi)) : false;
    const clipped = lax.min(lax.max(a, lax.fullLike(a, lo)), lax.fullLike(a, hi));
    return { a: lax.convertElementType(clipped, d), over };
  };
  const mn = prep('minval', minval), mx = prep('maxval', maxval);
  const lo = broadcastTo(mn.a, s), hi = broadcastTo(mx.a, s);
  const overOut = mx.over;
  const over = typeof overOut === 'boolean' ? lax.full(s, overOut, 'bool') : broadcastTo(overOut, s);

  const [k1, k2] = splitTwo(k);
  const higherBits = randomBits32(k1, s);
  const lowerBits = randomBits32(k2, s);
  const toU = (x: Array): Array => (x.dtype === ud ? x : lax.bitcastConvertType(x, ud));
  const one = lax.full(s, 1, ud);
  // span = maxval - minval as unsigned; 1 when maxval <= minval (jax#222); +1 when maxval was clipped.
  let span = toU(lax.sub(hi, lo));
  span = lax.select(lax.le(hi, lo), one, span);
  span = lax.select(lax.and(over, lax.gt(hi, lo)), lax.add(span, one), span);
  // (higher * 2^32 + lower) mod span, via multiplier = 2^32 mod span = ((2^16 mod span)^2) mod span,
  // all in wrapping uint32 arithmetic exactly as JAX computes it. span = 0 (a full 2^32 range wrapped)
  // needs XLA's x rem 0 = x, which `rem` does not promise on every target: spelled out with a select.
  const spanIsZero = lax.eq(span, lax.full(s, 0, ud));
  const safeSpan = lax.select(spanIsZero, one, span);
  const mod = (x: Array): Array => lax.select(spanIsZero, x, lax.rem(x, safeSpan));
  let multiplier = mod(lax.full(s, 2 ** 16, ud));
  multiplier = mod(lax.mul(multiplier, multiplier));
  let offset = lax.add(lax.mul(mod(higherBits), multiplier), mod(lowerBits));
  offset = mod(offset);
  return lax.add(lo, d === ud ? offset : lax.bitcastConvertType(offset, d));
}

/** split(key) as two keys. */
function splitTwo(k: Key): [Key, Key] {
  const ks = splitKey(k, [2]);
  return [lax.reshape(lax.slice(ks, [0, 0], [1, 2]), [2]), lax.reshape(lax.slice(ks, [1, 0], [2, 2]), [2])];
}

/**
 * Samples from categorical distributions given unnormalised log-probabilities along `axis`
 * (`jax.random.categorical`): with replacement by the Gumbel-max trick, argmax(logits + gumbel); without
 * replacement by Gumbel top-k. `shape` defaults to logits' shape without `axis` and may add leading
 * dimensions (the number of draws).
 */
export function categorical(
  k: Key,
  logits: Array,
  axis = -1,
  shape?: Shape | null,
  replace = true,
): Array {
  checkKey('categorical', k);
  if (!(logits instanceof Array) || !isFloat(logits.dtype))
    throw new TypeError(`random.categorical: logits must be a float array, got ${logits instanceof Array ? `${logits.dtype}${fmtShape(logits.shape)}` : String(logits)}`);
  if (logits.ndim === 0) throw new TypeError('random.categorical: logits must have at least one axis (the categories)');
  const ax = normalizeAxis('random.categorical', axis, logits.ndim);
  const d = logits.dtype as FloatDType;
  const batchShape = logits.shape.filter((_, i) => i !== ax);
  let s: number[];
  if (shape === undefined || shape === null) s = batchShape.slice();
  else {
    s = checkShape('categorical', shape);
    checkBroadcastTo('categorical', s, batchShape);
  }
  const prefix = s.slice(0, s.length - batchShape.length);
  if (replace) {
    const logitsShape = s.slice(s.length - batchShape.length);
    logitsShape.splice(ax, 0, logits.shape[ax]!);
    const full = [...prefix, ...logitsShape];
    const g = gumbelIn(k, full, d);
    const lb = lax.broadcastInDim(logits, full, logits.shape.map((_, i) => i + prefix.length));
    return lax.argmax(lax.add(g, lb), prefix.length + ax, 'int32');
  }
  // Gumbel top-k: the k = prod(prefix) largest of logits + gumbel along axis, largest first.
  const n = logits.shape[ax]!;
  const kk = shapeSize(prefix);
  if (kk > n) throw new RangeError(`random.categorical: the number of samples without replacement (${kk}) cannot exceed the number of categories (${n})`);
  const perturbed = lax.add(logits, gumbelIn(k, logits.shape, d));
  const last = logits.ndim - 1;
  const perm = [...logits.shape.keys()].filter((i) => i !== ax).concat([ax]);
  const moved = lax.transpose(perturbed, perm); // [...batchShape, n]
  const idx = topKIndices(moved, kk); // [...batchShape, kk]
  // Move k to the front and reshape to `shape` (= prefix + batchShape).
  const front = lax.transpose(idx, [last, ...range(last)]);
  return lax.reshape(front, s);
}

/**
 * Indices of the k largest entries along the last axis, largest first, ties broken by lower index
 * (lax.top_k's order): a stable ascending sort of -x carrying an iota.
 */
function topKIndices(x: Array, kk: number): Array {
  const last = x.ndim - 1;
  const iota = lax.iota('int32', x.shape, last);
  const [, idx] = lax.sort([lax.neg(x), iota], last, 1);
  const start = x.shape.map(() => 0);
  const limit = x.shape.slice();
  limit[last] = kk;
  return lax.slice(idx!, start, limit);
}

/**
 * The `jax._src.random._shuffle` of x along `axis`: ceil(3 ln(size) / ln(2^32 - 1)) rounds of sorting by
 * fresh uint32 keys (one round below ~1600 elements). Stable sorts make collisions unbiased.
 */
function shuffle(k: Key, x: Array, axis: number): Array {
  const uint32max = 2 ** 32 - 1;
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(uint32max));
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = splitTwo(k);
    k = next;
    const sortKeys = randomBits32(sub, x.shape);
    x = lax.sort([sortKeys, x], axis, 1)[1]!;
  }
  return x;
}

/**
 * A random permutation of arange(x) (x a number) or of x's entries along `axis` (`jax.random.permutation`).
 * With `independent`, each slice along `axis` is shuffled independently.
 */
export function permutation(k: Key, x: number | Array, axis = 0, independent = false): Array {
  checkKey('permutation', k);
  if (typeof x === 'number' || (x instanceof Array && x.ndim === 0)) {
    const n = typeof x === 'number' ? x : scalarInt('permutation', x);
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`random.permutation: x must be a non-negative integer or an array, got ${n}`);
    return shuffle(k, lax.iota('int32', [n], 0), 0);
  }
  if (!(x instanceof Array)) throw new TypeError(`random.permutation: x must be an integer or an array, got ${String(x)}`);
  const ax = normalizeAxis('random.permutation', axis, x.ndim);
  if (independent || x.ndim === 1) return shuffle(k, x, ax);
  const ind = shuffle(k, lax.iota('int32', [x.shape[ax]!], 0), 0);
  return lax.gather(x, [ind], [ax], ax);
}

function scalarInt(op: string, x: Array): number {
  const c = x.concrete();
  if (!c || !isInt(x.dtype))
    throw new TypeError(`random.${op}: a scalar argument must be a concrete integer (it fixes the output shape), got ${x.toString()}`);
  return Number(c.item());
}

/**
 * Random samples from arange(a) (a a number) or from a's entries along `axis` (`jax.random.choice`):
 * with replacement uniformly (randint) or with probabilities p (inverse CDF by searchsorted); without
 * replacement by a permutation prefix, or with p by Gumbel top-k.
 */
export function choice(
  k: Key,
  a: number | Array,
  shape: Shape = [],
  replace = true,
  p?: Array | null,
  axis = 0,
): Array {
  checkKey('choice', k);
  const s = checkShape('choice', shape);
  const isRange = typeof a === 'number' || a.ndim === 0;
  let nInputs: number;
  let ax = 0;
  if (isRange) nInputs = typeof a === 'number' ? a : scalarInt('choice', a);
  else {
    ax = normalizeAxis('random.choice', axis, a.ndim);
    nInputs = a.shape[ax]!;
  }
  if (!Number.isInteger(nInputs)) throw new TypeError(`random.choice: a must be an integer or an array, got ${nInputs}`);
  const nDraws = shapeSize(s);
  const outShape = isRange ? s : [...(a as Array).shape.slice(0, ax), ...s, ...(a as Array).shape.slice(ax + 1)];
  if (nDraws === 0) return lax.full(outShape, 0, isRange ? 'int32' : (a as Array).dtype);
  if (nInputs <= 0) throw new RangeError('random.choice: a must be greater than 0 unless no samples are taken');
  if (!replace && nDraws > nInputs)
    throw new RangeError(`random.choice: cannot take a larger sample (size ${nDraws}) than the population (size ${nInputs}) when replace=false`);
  const take = (ind: Array): Array => (isRange ? lax.reshape(ind, s) : lax.gather(a as Array, [lax.reshape(ind, s)], [ax], ax));
  if (p === undefined || p === null) {
    if (replace) return take(randint(k, s, 0, nInputs));
    const perm = permutation(k, isRange ? nInputs : (a as Array), ax);
    const start = perm.shape.map(() => 0);
    const limit = perm.shape.slice();
    limit[ax] = nDraws;
    const head = lax.slice(perm, start, limit);
    return lax.reshape(head, outShape);
  }
  if (!(p instanceof Array) || p.ndim !== 1 || p.shape[0] !== nInputs)
    throw new TypeError(
      `random.choice: p must be a 1-D array with the same size as a.shape[axis] (${nInputs}), got ${p instanceof Array ? fmtShape(p.shape) : String(p)}`,
    );
  const pd: FloatDType = isFloat(p.dtype) ? (p.dtype as FloatDType) : 'float32';
  const pf = lax.convertElementType(p, pd);
  if (replace) {
    // Inverse CDF: r = total * (1 - u); index = #{i : cumsum(p)[i] < r} (searchsorted, side='left').
    const cum = lax.cumsum(pf, 0);
    const total = lax.reshape(lax.slice(cum, [nInputs - 1], [nInputs]), []);
    const u = uniformIn(k, s, pd, lax.full(s, 0, pd), lax.full(s, 1, pd));
    const r = lax.mul(lax.broadcastInDim(total, s, []), lax.sub(lax.full(s, 1, pd), u));
    const full = [...s, nInputs];
    const less = lax.lt(lax.broadcastInDim(cum, full, [s.length]), lax.broadcastInDim(r, full, [...s.keys()]));
    const ind = lax.reduceSum(lax.convertElementType(less, 'int32'), [s.length]);
    return take(ind);
  }
  // Gumbel top-k: the nDraws largest of gumbel + log(p).
  const g = lax.add(gumbelIn(k, [nInputs], pd), lax.log(pf));
  return take(topKIndices(g, nDraws));
}
