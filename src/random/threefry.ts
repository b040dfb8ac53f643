// Threefry-2x32 counter-based PRNG (Random123) and JAX's key derivation (seed, split, foldIn, random bits), in lax ops.
//
// Follows jax/_src/random/threefry2x32.py (formerly jax/_src/prng.py): `_threefry2x32_lowering`,
// `threefry_2x32`, `threefry_seed`, `threefry_split`, `threefry_fold_in`, `threefry_random_bits` and
// `prng.iota_2x32_shape`. Every function is a composition of lax primitives on uint32 arrays, so it runs
// eagerly and under jit / vmap / grad alike (keys are never differentiated: their ops are integer ops).
//
// Two derivations of counters exist in JAX, selected by the config flag `jax_threefry_partitionable`:
// - partitionable (JAX's DEFAULT since jax 0.5.0, Jan 2025, and tensorlaw's default): the counters of an
//   output of shape S are the 64-bit row-major iota over S, split into (hi, lo) uint32 words; split(key, n)[i]
//   is the (hi, lo) hash pair of counter i (so split(key, n)[i] == foldIn(key, i)), and 32-bit random bits are
//   `bits1 ^ bits2` of the pair hashed at each counter.
// - legacy (jax < 0.5.0, or `jax.threefry_partitionable(False)`): counters are a flat uint32 iota that
//   `threefry_2x32` cuts into two halves; split(key, n) hashes iota(2n) and random bits hash iota(size).
// Select with `setThreefryPartitionable(false)`. Like a JAX config flag it is read when a function is traced:
// a function jitted before the flag changes keeps the mode it was traced with.
import { fmtShape, shapeSize } from '../core/aval.js';
import type { Array } from '../core/trace.js';
import * as lax from '../lax/prims.js';

let partitionable = true;

/** Whether key derivation follows JAX's current default (`jax_threefry_partitionable=True`). */
export function threefryPartitionable(): boolean {
  return partitionable;
}

/** Switches between JAX's partitionable threefry (default, jax >= 0.5) and the legacy derivation. */
export function setThreefryPartitionable(value: boolean): void {
  partitionable = value;
}

/** Runs `fn` with the partitionable flag set to `value` (restored afterwards, like `jax.threefry_partitionable`). */
export function withThreefryPartitionable<R>(value: boolean, fn: () => R): R {
  const prev = partitionable;
  partitionable = value;
  try {
    return fn();
  } finally {
    partitionable = prev;
  }
}

const u32 = (shape: readonly number[], v: number): Array => lax.full(shape, v >>> 0, 'uint32');

// Rotation constants of Threefry-2x32 (Random123 threefry.h, R_32x2_*), four rounds per group.
const rotations: readonly (readonly number[])[] = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
];
/** Key-schedule parity constant: ks[2] = k0 ^ k1 ^ 0x1BD11BDA. */
const KS_PARITY = 0x1bd11bda;

/**
 * The Threefry-2x32 block cipher with 20 rounds (jax `_threefry2x32_lowering`, unrolled as in its
 * non-CPU lowering). `k1`, `k2`: uint32 scalars; `x1`, `x2`: uint32 counters of one shape S.
 * Returns the two uint32 output words, each of shape S. Arithmetic wraps mod 2^32.
 */
export function threefry2x32(k1: Array, k2: Array, x1: Array, x2: Array): [Array, Array] {
  for (const [n, a] of [['k1', k1], ['k2', k2], ['x1', x1], ['x2', x2]] as const)
    if (a.dtype !== 'uint32') throw new TypeError(`threefry2x32: ${n} must be uint32, got ${a.dtype}${fmtShape(a.shape)}`);
  if (k1.ndim !== 0 || k2.ndim !== 0)
    throw new TypeError(`threefry2x32: key words must be scalars, got ${fmtShape(k1.shape)} and ${fmtShape(k2.shape)}`);
  if (x1.shape.length !== x2.shape.length || x1.shape.some((d, i) => d !== x2.shape[i]))
    throw new TypeError(`threefry2x32: counters must share a shape, got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`);
  const shape = x1.shape;
  const bk = (k: Array): Array => (shape.length === 0 ? k : lax.broadcastInDim(k, shape, []));
  const k2s = lax.xor(lax.xor(k1, k2), lax.scalar(KS_PARITY, 'uint32'));
  const ks = [bk(k1), bk(k2), bk(k2s)];
  // Constant shift amounts, made once per call (rotl(v, r) = (v << r) | (v >>> (32 - r))).
  const shifts = new Map<number, Array>();
  const c = (r: number): Array => {
    let a = shifts.get(r);
    if (!a) shifts.set(r, (a = u32(shape, r)));
    return a;
  };
  const rotl = (v: Array, r: number): Array => lax.or(lax.shiftLeft(v, c(r)), lax.shiftRightLogical(v, c(32 - r)));

  let a = lax.add(x1, ks[0]!);
  let b = lax.add(x2, ks[1]!);
  for (let group = 0; group < 5; group++) {
    for (const r of rotations[group % 2]!) {
      // One round of the MIX function: a += b; b = rotl(b, r) ^ a.
      a = lax.add(a, b);
      b = lax.xor(a, rotl(b, r));
    }
    // Key injection after every 4 rounds: (a, b) += (ks[(s) % 3], ks[(s + 1) % 3] + s), s = group + 1.
    const s = group + 1;
    a = lax.add(a, ks[s % 3]!);
    b = lax.add(lax.add(b, ks[(s + 1) % 3]!), c(s));
  }
  return [a, b];
}

/** The two uint32 words of a key of shape [2], as scalars. */
export function keyWords(key: Array): [Array, Array] {
  return [lax.reshape(lax.slice(key, [0], [1]), []), lax.reshape(lax.slice(key, [1], [2]), [])];
}

/**
 * JAX's `threefry_2x32(keypair, count)`: hashes a flat uint32 count array by cutting it into two halves
 * (padding an odd length with one 0), hashing the halves as (x1, x2) and concatenating the outputs.
 */
export function threefry2x32Flat(key: Array, count: Array): Array {
  const [k1, k2] = keyWords(key);
  const n = count.size;
  const flat = lax.reshape(count, [n]);
  const odd = n % 2;
  const padded = odd ? lax.concatenate([flat, u32([1], 0)], 0) : flat;
  const half = (n + odd) / 2;
  const [o1, o2] = threefry2x32(k1, k2, lax.slice(padded, [0], [half]), lax.slice(padded, [half], [2 * half]));
  const out = lax.concatenate([o1, o2], 0);
  return lax.reshape(odd ? lax.slice(out, [0], [n]) : out, count.shape);
}

/**
 * `prng.iota_2x32_shape`: the row-major 64-bit iota over `shape` as (hi, lo) uint32 words. Sizes below
 * 2^32 are supported, so hi is all zeros.
 */
export function iota2x32Shape(shape: readonly number[]): [Array, Array] {
  const n = shapeSize(shape);
  if (n > 2 ** 32)
    throw new RangeError(`random: cannot draw ${n} values at once (shape ${fmtShape(shape)}); at most 2^32 are supported`);
  const lo = lax.reshape(lax.iota('uint32', [n], 0), shape);
  return [u32(shape, 0), lo];
}

/**
 * `threefry_seed`: a key from a 64-bit integer seed, [seed >> 32, seed & 0xFFFFFFFF] in two's complement.
 * JS numbers are exact up to 2^53 in magnitude.
 */
export function seedWords(seed: number): [number, number] {
  const lo = Number(BigInt.asUintN(32, BigInt(seed)));
  const hi = Number(BigInt.asUintN(32, BigInt(seed) >> 32n));
  return [hi, lo];
}

/** `threefry_split`: keys of shape [...shape, 2]. */
export function splitKey(key: Array, shape: readonly number[]): Array {
  if (partitionable) {
    // _threefry_split_foldlike: hash the 64-bit iota over `shape`; the pair of outputs is the new key.
    const [k1, k2] = keyWords(key);
    const [hi, lo] = iota2x32Shape(shape);
    const [b1, b2] = threefry2x32(k1, k2, hi, lo);
    const col = [...shape, 1];
    return lax.concatenate([lax.reshape(b1, col), lax.reshape(b2, col)], shape.length);
  }
  // _threefry_split_original: hash iota(2n) and reshape to [...shape, 2].
  const n = shapeSize(shape);
  return lax.reshape(threefry2x32Flat(key, lax.iota('uint32', [2 * n], 0)), [...shape, 2]);
}

/** `threefry_fold_in`: threefry_2x32(key, threefry_seed(data)) = hash of the counter pair (0, data). */
export function foldInKey(key: Array, data: Array): Array {
  const [k1, k2] = keyWords(key);
  const [o1, o2] = threefry2x32(k1, k2, u32([1], 0), lax.reshape(data, [1]));
  return lax.concatenate([o1, o2], 0);
}

/**
 * `threefry_random_bits` with bit width 16, held in uint32 (0..65535): in partitionable mode the low half of the
 * 32-bit draw; in legacy mode the 32-bit words of iota(ceil(size / 2)), each giving its low then its high half.
 */
export function randomBits16(key: Array, shape: readonly number[]): Array {
  const mask = (x: Array): Array => lax.and(x, lax.full(x.shape, 0xffff, 'uint32'));
  if (partitionable) return mask(randomBits32(key, shape));
  const n = shapeSize(shape), m = Math.ceil(n / 2);
  const w = threefry2x32Flat(key, lax.iota('uint32', [m], 0));
  const halves = lax.concatenate([lax.reshape(mask(w), [m, 1]), lax.reshape(lax.shiftRightLogical(w, lax.full([m], 16, 'uint32')), [m, 1])], 1);
  return lax.reshape(lax.slice(lax.reshape(halves, [2 * m]), [0], [n]), shape);
}

/** `threefry_random_bits` with bit width 32: uint32 bits of `shape`. */
export function randomBits32(key: Array, shape: readonly number[]): Array {
  if (partitionable) {
    // _threefry_random_bits_partitionable: bits1 ^ bits2 of the hashed 64-bit iota.
    const [k1, k2] = keyWords(key);
    const [hi, lo] = iota2x32Shape(shape);
    const [b1, b2] = threefry2x32(k1, k2, hi, lo);
    return lax.xor(b1, b2);
  }
  // _threefry_random_bits_original: hash iota(size) (a single block: sizes below 2^32 - 1).
  const n = shapeSize(shape);
  if (n >= 2 ** 32 - 1) throw new RangeError(`random: cannot draw ${n} values at once; at most 2^32 - 2 are supported in legacy mode`);
  return lax.reshape(threefry2x32Flat(key, lax.iota('uint32', [n], 0)), shape);
}

/**
 * `threefry_random_bits` with bit width 64, as its (hi, lo) uint32 words (tensorlaw has no uint64):
 * partitionable: (bits1, bits2); legacy: the two halves of the hash of iota(2 * size).
 */
export function randomBits64(key: Array, shape: readonly number[]): [Array, Array] {
  if (partitionable) {
    const [k1, k2] = keyWords(key);
    const [hi, lo] = iota2x32Shape(shape);
    return threefry2x32(k1, k2, hi, lo);
  }
  const n = shapeSize(shape);
  if (2 * n >= 2 ** 32 - 1) throw new RangeError(`random: cannot draw ${n} 64-bit values at once in legacy mode`);
  const bits = threefry2x32Flat(key, lax.iota('uint32', [2 * n], 0));
  return [lax.reshape(lax.slice(bits, [0], [n]), shape), lax.reshape(lax.slice(bits, [n], [2 * n]), shape)];
}
