// Elementwise SIMD kernels of the wasm target: unary math, binary arithmetic, comparisons, select and dtype conversion over raw pointers.
//
// Every kernel takes an op code (the tables are mirrored in src/targets/wasm/elementwise.ts), pointers into the
// module's memory and an element count n. Vectors of four 32-bit (or two 64-bit) lanes run over the body; the last
// n mod 4 elements are loaded lane by lane into one more vector (no scalar re-implementation, no static buffers, so
// the kernels are safe on shared memory). Outputs may alias inputs exactly (out = x), never partially.
import {
  cosF32x4,
  erfF32x4,
  exp2F32x4,
  expF32x4,
  expm1F32x4,
  log1pF32x4,
  logF32x4,
  logisticF32x4,
  powF32x4,
  rsqrtF32x4,
  sinF32x4,
  sqrtF32x4,
  tanhF32x4,
} from './math';

// Unary op codes.
const U_NEG = 0, U_ABS = 1, U_FLOOR = 2, U_CEIL = 3, U_ROUND = 4, U_SIGN = 5, U_SQRT = 6, U_RSQRT = 7;
const U_EXP = 8, U_EXP2 = 9, U_LOG = 10, U_LOG1P = 11, U_EXPM1 = 12, U_TANH = 13, U_LOGISTIC = 14, U_ERF = 15;
const U_SIN = 16, U_COS = 17;
// Binary op codes.
const B_ADD = 0, B_SUB = 1, B_MUL = 2, B_DIV = 3, B_MAX = 4, B_MIN = 5, B_POW = 6;
// Comparison op codes.
const C_EQ = 0, C_NE = 1, C_LT = 2, C_LE = 3, C_GT = 4, C_GE = 5;

// ---- partial vectors -----------------------------------------------------------------------------------------

/** k in 1..3 elements of 32 bits at p, the other lanes 0. */
@inline function load32Tail(p: usize, k: i32): v128 {
  let v = v128.load32_zero(p);
  if (k > 1) v = v128.load32_lane(p, v, 1, 4);
  if (k > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}
@inline function store32Tail(p: usize, v: v128, k: i32): void {
  v128.store32_lane(p, v, 0);
  if (k > 1) v128.store32_lane(p, v, 1, 4);
  if (k > 2) v128.store32_lane(p, v, 2, 8);
}

// ---- unary ---------------------------------------------------------------------------------------------------

@inline function unaryF32(op: i32, x: v128): v128 {
  switch (op) {
    case U_NEG: return f32x4.neg(x);
    case U_ABS: return f32x4.abs(x);
    case U_FLOOR: return f32x4.floor(x);
    case U_CEIL: return f32x4.ceil(x);
    case U_ROUND: return f32x4.nearest(x); // round half to even
    case U_SIGN: {
      // 1, −1, or x itself (±0, NaN)
      const one = f32x4.splat(1);
      return v128.bitselect(one, v128.bitselect(f32x4.neg(one), x, f32x4.lt(x, f32x4.splat(0))), f32x4.gt(x, f32x4.splat(0)));
    }
    case U_SQRT: return sqrtF32x4(x);
    case U_RSQRT: return rsqrtF32x4(x);
    case U_EXP: return expF32x4(x);
    case U_EXP2: return exp2F32x4(x);
    case U_LOG: return logF32x4(x);
    case U_LOG1P: return log1pF32x4(x);
    case U_EXPM1: return expm1F32x4(x);
    case U_TANH: return tanhF32x4(x);
    case U_LOGISTIC: return logisticF32x4(x);
    case U_ERF: return erfF32x4(x);
    case U_SIN: return sinF32x4(x);
    case U_COS: return cosF32x4(x);
    default: return f32x4.splat(NaN);
  }
}

@inline function mapUnaryF32(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, unaryF32(op, v128.load(x + o)));
  }
  const k = n - i;
  if (k > 0) {
    const o = <usize>i << 2;
    store32Tail(out + o, unaryF32(op, load32Tail(x + o, k)), k);
  }
}

/** out[i] = op(x[i]) over float32 (op: a U_* code). */
export function ewUnaryF32(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case U_NEG: mapUnaryF32(U_NEG, x, out, n); break;
    case U_ABS: mapUnaryF32(U_ABS, x, out, n); break;
    case U_FLOOR: mapUnaryF32(U_FLOOR, x, out, n); break;
    case U_CEIL: mapUnaryF32(U_CEIL, x, out, n); break;
    case U_ROUND: mapUnaryF32(U_ROUND, x, out, n); break;
    case U_SIGN: mapUnaryF32(U_SIGN, x, out, n); break;
    case U_SQRT: mapUnaryF32(U_SQRT, x, out, n); break;
    case U_RSQRT: mapUnaryF32(U_RSQRT, x, out, n); break;
    case U_EXP: mapUnaryF32(U_EXP, x, out, n); break;
    case U_EXP2: mapUnaryF32(U_EXP2, x, out, n); break;
    case U_LOG: mapUnaryF32(U_LOG, x, out, n); break;
    case U_LOG1P: mapUnaryF32(U_LOG1P, x, out, n); break;
    case U_EXPM1: mapUnaryF32(U_EXPM1, x, out, n); break;
    case U_TANH: mapUnaryF32(U_TANH, x, out, n); break;
    case U_LOGISTIC: mapUnaryF32(U_LOGISTIC, x, out, n); break;
    case U_ERF: mapUnaryF32(U_ERF, x, out, n); break;
    case U_SIN: mapUnaryF32(U_SIN, x, out, n); break;
    case U_COS: mapUnaryF32(U_COS, x, out, n); break;
    default: unreachable();
  }
}

@inline function unaryF64(op: i32, x: v128): v128 {
  switch (op) {
    case U_NEG: return f64x2.neg(x);
    case U_ABS: return f64x2.abs(x);
    case U_FLOOR: return f64x2.floor(x);
    case U_CEIL: return f64x2.ceil(x);
    case U_ROUND: return f64x2.nearest(x);
    case U_SIGN: {
      const one = f64x2.splat(1);
      return v128.bitselect(one, v128.bitselect(f64x2.neg(one), x, f64x2.lt(x, f64x2.splat(0))), f64x2.gt(x, f64x2.splat(0)));
    }
    case U_SQRT: return f64x2.sqrt(x);
    case U_RSQRT: return f64x2.div(f64x2.splat(1), f64x2.sqrt(x)); // two roundings, as the reference's 1 / Math.sqrt(x)
    default: return f64x2.splat(NaN);
  }
}

@inline function mapUnaryF64(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    v128.store(out + o, unaryF64(op, v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 3;
    v128.store64_lane(out + o, unaryF64(op, v128.load64_zero(x + o)), 0);
  }
}

/** out[i] = op(x[i]) over float64, for the exact ops (neg, abs, floor, ceil, round, sign, sqrt, rsqrt). */
export function ewUnaryF64(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case U_NEG: mapUnaryF64(U_NEG, x, out, n); break;
    case U_ABS: mapUnaryF64(U_ABS, x, out, n); break;
    case U_FLOOR: mapUnaryF64(U_FLOOR, x, out, n); break;
    case U_CEIL: mapUnaryF64(U_CEIL, x, out, n); break;
    case U_ROUND: mapUnaryF64(U_ROUND, x, out, n); break;
    case U_SIGN: mapUnaryF64(U_SIGN, x, out, n); break;
    case U_SQRT: mapUnaryF64(U_SQRT, x, out, n); break;
    case U_RSQRT: mapUnaryF64(U_RSQRT, x, out, n); break;
    default: unreachable();
  }
}

// ---- binary --------------------------------------------------------------------------------------------------

@inline function binaryF32(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    case B_MAX: return f32x4.max(a, b); // NaN-propagating, max(−0, +0) = +0: Math.max's semantics
    case B_MIN: return f32x4.min(a, b);
    case B_POW: return powF32x4(a, b);
    default: return f32x4.splat(NaN);
  }
}

@inline function mapBinaryF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, binaryF32(op, v128.load(a + o), v128.load(b + o)));
  }
  const k = n - i;
  if (k > 0) {
    const o = <usize>i << 2;
    store32Tail(out + o, binaryF32(op, load32Tail(a + o, k), load32Tail(b + o, k)), k);
  }
}

/** out[i] = a[i] op b[i] over float32 (op: a B_* code). */
export function ewBinaryF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case B_ADD: mapBinaryF32(B_ADD, a, b, out, n); break;
    case B_SUB: mapBinaryF32(B_SUB, a, b, out, n); break;
    case B_MUL: mapBinaryF32(B_MUL, a, b, out, n); break;
    case B_DIV: mapBinaryF32(B_DIV, a, b, out, n); break;
    case B_MAX: mapBinaryF32(B_MAX, a, b, out, n); break;
    case B_MIN: mapBinaryF32(B_MIN, a, b, out, n); break;
    case B_POW: mapBinaryF32(B_POW, a, b, out, n); break;
    default: unreachable();
  }
}

@inline function binaryF64(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return f64x2.add(a, b);
    case B_SUB: return f64x2.sub(a, b);
    case B_MUL: return f64x2.mul(a, b);
    case B_DIV: return f64x2.div(a, b);
    case B_MAX: return f64x2.max(a, b);
    case B_MIN: return f64x2.min(a, b);
    default: return f64x2.splat(NaN);
  }
}

@inline function mapBinaryF64(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    v128.store(out + o, binaryF64(op, v128.load(a + o), v128.load(b + o)));
  }
  if (i < n) {
    const o = <usize>i << 3;
    v128.store64_lane(out + o, binaryF64(op, v128.load64_zero(a + o), v128.load64_zero(b + o)), 0);
  }
}

/** out[i] = a[i] op b[i] over float64 (add, sub, mul, div, max, min). */
export function ewBinaryF64(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case B_ADD: mapBinaryF64(B_ADD, a, b, out, n); break;
    case B_SUB: mapBinaryF64(B_SUB, a, b, out, n); break;
    case B_MUL: mapBinaryF64(B_MUL, a, b, out, n); break;
    case B_DIV: mapBinaryF64(B_DIV, a, b, out, n); break;
    case B_MAX: mapBinaryF64(B_MAX, a, b, out, n); break;
    case B_MIN: mapBinaryF64(B_MIN, a, b, out, n); break;
    default: unreachable();
  }
}

// ---- comparisons (bool out: one byte 0/1 per element) --------------------------------------------------------

@inline function compareF32(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case C_EQ: return f32x4.eq(a, b);
    case C_NE: return f32x4.ne(a, b);
    case C_LT: return f32x4.lt(a, b);
    case C_LE: return f32x4.le(a, b);
    case C_GT: return f32x4.gt(a, b);
    case C_GE: return f32x4.ge(a, b);
    default: return v128.splat<i32>(0);
  }
}
@inline function compareF64(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case C_EQ: return f64x2.eq(a, b);
    case C_NE: return f64x2.ne(a, b);
    case C_LT: return f64x2.lt(a, b);
    case C_LE: return f64x2.le(a, b);
    case C_GT: return f64x2.gt(a, b);
    case C_GE: return f64x2.ge(a, b);
    default: return v128.splat<i32>(0);
  }
}

/** Four 32-bit lane masks (−1/0) of four vectors as sixteen bytes 1/0. */
@inline function masksToBytes(m0: v128, m1: v128, m2: v128, m3: v128): v128 {
  const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
  return v128.and(b, i8x16.splat(1));
}
/** Two 64-bit lane masks as four 32-bit lane masks. */
@inline function masks64to32(m0: v128, m1: v128): v128 {
  return i32x4.shuffle(m0, m1, 0, 2, 4, 6);
}

@inline function mapCompareF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const m0 = compareF32(op, v128.load(a + o), v128.load(b + o));
    const m1 = compareF32(op, v128.load(a + o, 16), v128.load(b + o, 16));
    const m2 = compareF32(op, v128.load(a + o, 32), v128.load(b + o, 32));
    const m3 = compareF32(op, v128.load(a + o, 48), v128.load(b + o, 48));
    v128.store(out + <usize>i, masksToBytes(m0, m1, m2, m3));
  }
  for (; i < n; i += 4) {
    const k = min(n - i, 4);
    const o = <usize>i << 2;
    const m = compareF32(op, load32Tail4(a + o, k), load32Tail4(b + o, k));
    storeBytesTail(out + <usize>i, masksToBytes(m, m, m, m), k);
  }
}

@inline function mapCompareF64(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 3;
    const m0 = masks64to32(compareF64(op, v128.load(a + o), v128.load(b + o)), compareF64(op, v128.load(a + o, 16), v128.load(b + o, 16)));
    const m1 = masks64to32(compareF64(op, v128.load(a + o, 32), v128.load(b + o, 32)), compareF64(op, v128.load(a + o, 48), v128.load(b + o, 48)));
    const m2 = masks64to32(compareF64(op, v128.load(a + o, 64), v128.load(b + o, 64)), compareF64(op, v128.load(a + o, 80), v128.load(b + o, 80)));
    const m3 = masks64to32(compareF64(op, v128.load(a + o, 96), v128.load(b + o, 96)), compareF64(op, v128.load(a + o, 112), v128.load(b + o, 112)));
    v128.store(out + <usize>i, masksToBytes(m0, m1, m2, m3));
  }
  for (; i < n; i += 2) {
    const k = min(n - i, 2);
    const o = <usize>i << 3;
    const x = k == 2 ? v128.load(a + o) : v128.load64_zero(a + o);
    const y = k == 2 ? v128.load(b + o) : v128.load64_zero(b + o);
    const m = masks64to32(compareF64(op, x, y), compareF64(op, x, y));
    storeBytesTail(out + <usize>i, masksToBytes(m, m, m, m), k);
  }
}

/** 1..4 elements of 32 bits (4: a full vector). */
@inline function load32Tail4(p: usize, k: i32): v128 {
  return k == 4 ? v128.load(p) : load32Tail(p, k);
}
/** The first k (1..4) bytes of v to p. */
@inline function storeBytesTail(p: usize, v: v128, k: i32): void {
  v128.store8_lane(p, v, 0);
  if (k > 1) v128.store8_lane(p, v, 1, 1);
  if (k > 2) v128.store8_lane(p, v, 2, 2);
  if (k > 3) v128.store8_lane(p, v, 3, 3);
}

/** out[i] = a[i] op b[i] ? 1 : 0 over float32 (op: a C_* code; IEEE: every comparison with NaN is false but ne). */
export function ewCompareF32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case C_EQ: mapCompareF32(C_EQ, a, b, out, n); break;
    case C_NE: mapCompareF32(C_NE, a, b, out, n); break;
    case C_LT: mapCompareF32(C_LT, a, b, out, n); break;
    case C_LE: mapCompareF32(C_LE, a, b, out, n); break;
    case C_GT: mapCompareF32(C_GT, a, b, out, n); break;
    case C_GE: mapCompareF32(C_GE, a, b, out, n); break;
    default: unreachable();
  }
}

/** out[i] = a[i] op b[i] ? 1 : 0 over float64. */
export function ewCompareF64(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  switch (op) {
    case C_EQ: mapCompareF64(C_EQ, a, b, out, n); break;
    case C_NE: mapCompareF64(C_NE, a, b, out, n); break;
    case C_LT: mapCompareF64(C_LT, a, b, out, n); break;
    case C_LE: mapCompareF64(C_LE, a, b, out, n); break;
    case C_GT: mapCompareF64(C_GT, a, b, out, n); break;
    case C_GE: mapCompareF64(C_GE, a, b, out, n); break;
    default: unreachable();
  }
}

// ---- select ----------------------------------------------------------------------------------------------------

/**
 * out[i] = pred[i] ≠ 0 ? onTrue[i] : onFalse[i] for elements of `width` bytes (1, 4 or 8): a bitwise select, so it
 * serves every dtype of that width and keeps NaN payloads and −0.
 */
export function ewSelect(width: i32, pred: usize, t: usize, f: usize, out: usize, n: i32): void {
  let i = 0;
  const zero = v128.splat<i32>(0);
  if (width == 1) {
    for (; i + 16 <= n; i += 16) {
      const m = i8x16.ne(v128.load(pred + <usize>i), zero);
      v128.store(out + <usize>i, v128.bitselect(v128.load(t + <usize>i), v128.load(f + <usize>i), m));
    }
    for (; i < n; i++) store<u8>(out + <usize>i, load<u8>(pred + <usize>i) ? load<u8>(t + <usize>i) : load<u8>(f + <usize>i));
  } else if (width == 4) {
    for (; i + 4 <= n; i += 4) {
      const m = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(pred + <usize>i))), zero);
      const o = <usize>i << 2;
      v128.store(out + o, v128.bitselect(v128.load(t + o), v128.load(f + o), m));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<u32>(out + o, load<u8>(pred + <usize>i) ? load<u32>(t + o) : load<u32>(f + o));
    }
  } else {
    for (; i + 2 <= n; i += 2) {
      const m = i64x2.ne(i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load16_lane(pred + <usize>i, zero, 0)))), zero);
      const o = <usize>i << 3;
      v128.store(out + o, v128.bitselect(v128.load(t + o), v128.load(f + o), m));
    }
    if (i < n) {
      const o = <usize>i << 3;
      store<u64>(out + o, load<u8>(pred + <usize>i) ? load<u64>(t + o) : load<u64>(f + o));
    }
  }
}

// ---- dtype conversion ------------------------------------------------------------------------------------------

// Conversion codes: source → destination. float → int truncates toward zero, saturates and sends NaN to 0 (XLA's
// convert, the reference's converter); int → float and float64 → float32 round to nearest even.
const CV_F32_F64 = 0, CV_F64_F32 = 1, CV_F32_I32 = 2, CV_F32_U32 = 3, CV_I32_F32 = 4, CV_U32_F32 = 5;
const CV_F64_I32 = 6, CV_F64_U32 = 7, CV_I32_F64 = 8, CV_U32_F64 = 9;

/** 1..4 float64 elements at p as two vectors (missing lanes 0). */
@inline function load64x4(p: usize, k: i32, hi: bool): v128 {
  if (!hi) return k >= 2 ? v128.load(p) : v128.load64_zero(p);
  return k == 4 ? v128.load(p, 16) : k == 3 ? v128.load64_zero(p, 16) : v128.splat<i32>(0);
}
/** The first k (1..4) float64 lanes of (lo, hi) to p. */
@inline function store64x4(p: usize, lo: v128, hi: v128, k: i32): void {
  if (k >= 2) v128.store(p, lo);
  else v128.store64_lane(p, lo, 0);
  if (k == 4) v128.store(p, hi, 16);
  else if (k == 3) v128.store64_lane(p, hi, 0, 16);
}

@inline function convertGroup(code: i32, x: usize, out: usize, k: i32): void {
  // one group of k ≤ 4 elements
  switch (code) {
    case CV_F32_F64: case CV_I32_F64: case CV_U32_F64: {
      const v = k == 4 ? v128.load(x) : load32Tail(x, k);
      const hiv = i32x4.shuffle(v, v, 2, 3, 2, 3);
      let lo: v128, hi: v128;
      if (code == CV_F32_F64) { lo = f64x2.promote_low_f32x4(v); hi = f64x2.promote_low_f32x4(hiv); }
      else if (code == CV_I32_F64) { lo = f64x2.convert_low_i32x4_s(v); hi = f64x2.convert_low_i32x4_s(hiv); }
      else { lo = f64x2.convert_low_i32x4_u(v); hi = f64x2.convert_low_i32x4_u(hiv); }
      store64x4(out, lo, hi, k);
      break;
    }
    case CV_F64_F32: case CV_F64_I32: case CV_F64_U32: {
      const lo = load64x4(x, k, false), hi = load64x4(x, k, true);
      let r: v128;
      if (code == CV_F64_F32) r = i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
      else if (code == CV_F64_I32) r = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(lo), i32x4.trunc_sat_f64x2_s_zero(hi), 0, 1, 4, 5);
      else r = i32x4.shuffle(i32x4.trunc_sat_f64x2_u_zero(lo), i32x4.trunc_sat_f64x2_u_zero(hi), 0, 1, 4, 5);
      if (k == 4) v128.store(out, r);
      else store32Tail(out, r, k);
      break;
    }
    default: {
      const v = k == 4 ? v128.load(x) : load32Tail(x, k);
      let r: v128;
      if (code == CV_F32_I32) r = i32x4.trunc_sat_f32x4_s(v);
      else if (code == CV_F32_U32) r = i32x4.trunc_sat_f32x4_u(v);
      else if (code == CV_I32_F32) r = f32x4.convert_i32x4_s(v);
      else r = f32x4.convert_i32x4_u(v);
      if (k == 4) v128.store(out, r);
      else store32Tail(out, r, k);
    }
  }
}

@inline function mapConvert(code: i32, x: usize, out: usize, n: i32, inShift: i32, outShift: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) convertGroup(code, x + (<usize>i << inShift), out + (<usize>i << outShift), 4);
  if (i < n) convertGroup(code, x + (<usize>i << inShift), out + (<usize>i << outShift), n - i);
}

/** out[i] = convert(x[i]) (code: a CV_* code; out must not overlap x when the element sizes differ). */
export function ewConvert(code: i32, x: usize, out: usize, n: i32): void {
  switch (code) {
    case CV_F32_F64: mapConvert(CV_F32_F64, x, out, n, 2, 3); break;
    case CV_F64_F32: mapConvert(CV_F64_F32, x, out, n, 3, 2); break;
    case CV_F32_I32: mapConvert(CV_F32_I32, x, out, n, 2, 2); break;
    case CV_F32_U32: mapConvert(CV_F32_U32, x, out, n, 2, 2); break;
    case CV_I32_F32: mapConvert(CV_I32_F32, x, out, n, 2, 2); break;
    case CV_U32_F32: mapConvert(CV_U32_F32, x, out, n, 2, 2); break;
    case CV_F64_I32: mapConvert(CV_F64_I32, x, out, n, 3, 2); break;
    case CV_F64_U32: mapConvert(CV_F64_U32, x, out, n, 3, 2); break;
    case CV_I32_F64: mapConvert(CV_I32_F64, x, out, n, 2, 3); break;
    case CV_U32_F64: mapConvert(CV_U32_F64, x, out, n, 2, 3); break;
    default: unreachable();
  }
}
