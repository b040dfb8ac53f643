// Reduction SIMD kernels of the wasm target: sum, max and min over the rows or the middle axis of a contiguous array.
//
// redRows*: x viewed as [outer, inner], out[o] = reduce_j x[o, j] (the reduced axes are the trailing ones).
// redCols*: x viewed as [pre, red, post], out[p, q] = reduce_i x[p, i, q] (one run of reduced axes in the middle):
// blocks of columns are accumulated in registers while walking down the rows, so every load is a full vector.
// float32 sums accumulate in float64 lanes (like the reference, which sums float32 in float64 and rounds once), so
// results agree with it to within one rounding; float64 sums use several accumulators (a different order from the
// reference's sequential sum: agreement within n·2^-53·Σ|x|). max/min propagate NaN; an empty reduction gives the
// identity (0, −inf, +inf).

const R_SUM = 0, R_MAX = 1, R_MIN = 2;

@inline function promoteHi(x: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 2, 3));
}
@inline function initF32(op: i32): f32 {
  return op == R_MAX ? -Infinity : op == R_MIN ? Infinity : 0;
}
@inline function initF64(op: i32): f64 {
  return op == R_MAX ? -Infinity : op == R_MIN ? Infinity : 0;
}
@inline function combF32x4(op: i32, a: v128, b: v128): v128 {
  return op == R_MAX ? f32x4.max(a, b) : f32x4.min(a, b);
}
@inline function combF64x2(op: i32, a: v128, b: v128): v128 {
  return op == R_SUM ? f64x2.add(a, b) : op == R_MAX ? f64x2.max(a, b) : f64x2.min(a, b);
}
@inline function combF32(op: i32, a: f32, b: f32): f32 {
  return op == R_MAX ? max<f32>(a, b) : min<f32>(a, b); // wasm f32.max/min propagate NaN
}
@inline function combF64(op: i32, a: f64, b: f64): f64 {
  return op == R_SUM ? a + b : op == R_MAX ? max<f64>(a, b) : min<f64>(a, b);
}
@inline function horizF32x4(op: i32, v: v128): f32 {
  const a = combF32(op, f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1));
  const b = combF32(op, f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3));
  return combF32(op, a, b);
}
@inline function horizF64x2(op: i32, v: v128): f64 {
  return combF64(op, f64x2.extract_lane(v, 0), f64x2.extract_lane(v, 1));
}

// ---- float32 -----------------------------------------------------------------------------------------------------

/** Sum of n float32 at p in float64: four float64x2 accumulators, eight elements a step. */
@inline function rowSumF32(p: usize, n: i32): f64 {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const q = p + (<usize>i << 2);
    const v0 = v128.load(q), v1 = v128.load(q, 16);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
    a1 = f64x2.add(a1, promoteHi(v0));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1));
    a3 = f64x2.add(a3, promoteHi(v1));
  }
  let s = horizF64x2(R_SUM, f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)));
  for (; i < n; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  return s;
}

/** max or min of n float32 at p: four accumulators, sixteen elements a step. */
@inline function rowExtF32(op: i32, p: usize, n: i32): f32 {
  const init = f32x4.splat(initF32(op));
  let a0 = init, a1 = init, a2 = init, a3 = init;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const q = p + (<usize>i << 2);
    a0 = combF32x4(op, a0, v128.load(q));
    a1 = combF32x4(op, a1, v128.load(q, 16));
    a2 = combF32x4(op, a2, v128.load(q, 32));
    a3 = combF32x4(op, a3, v128.load(q, 48));
  }
  for (; i + 4 <= n; i += 4) a0 = combF32x4(op, a0, v128.load(p + (<usize>i << 2)));
  let s = horizF32x4(op, combF32x4(op, combF32x4(op, a0, a1), combF32x4(op, a2, a3)));
  for (; i < n; i++) s = combF32(op, s, load<f32>(p + (<usize>i << 2)));
  return s;
}

@inline function rowsF32(op: i32, x: usize, out: usize, outer: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const p = x + <usize>o * rowBytes;
    const r: f32 = op == R_SUM ? <f32>rowSumF32(p, inner) : rowExtF32(op, p, inner);
    store<f32>(out + (<usize>o << 2), r);
  }
}

/** out[o] = reduce_j x[o·inner + j] over float32 (op: 0 sum, 1 max, 2 min). */
export function redRowsF32(op: i32, x: usize, out: usize, outer: i32, inner: i32): void {
  if (op == R_SUM) rowsF32(R_SUM, x, out, outer, inner);
  else if (op == R_MAX) rowsF32(R_MAX, x, out, outer, inner);
  else rowsF32(R_MIN, x, out, outer, inner);
}

/** Column sums of a [red, post] float32 block at p (row stride `stride` bytes) into out[0..post). */
@inline function colsSumF32(p: usize, out: usize, red: i32, post: i32, stride: usize): void {
  let j = 0;
  for (; j + 8 <= post; j += 8) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let q = p + (<usize>j << 2);
    for (let i = 0; i < red; i++, q += stride) {
      const v0 = v128.load(q), v1 = v128.load(q, 16);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
      a1 = f64x2.add(a1, promoteHi(v0));
      a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1));
      a3 = f64x2.add(a3, promoteHi(v1));
    }
    const o = out + (<usize>j << 2);
    v128.store(o, i32x4.shuffle(f32x4.demote_f64x2_zero(a0), f32x4.demote_f64x2_zero(a1), 0, 1, 4, 5));
    v128.store(o, i32x4.shuffle(f32x4.demote_f64x2_zero(a2), f32x4.demote_f64x2_zero(a3), 0, 1, 4, 5), 16);
  }
  for (; j + 2 <= post; j += 2) {
    let a = f64x2.splat(0);
    let q = p + (<usize>j << 2);
    for (let i = 0; i < red; i++, q += stride) a = f64x2.add(a, f64x2.promote_low_f32x4(v128.load64_zero(q)));
    v128.store64_lane(out + (<usize>j << 2), f32x4.demote_f64x2_zero(a), 0);
  }
  if (j < post) {
    let s: f64 = 0;
    let q = p + (<usize>j << 2);
    for (let i = 0; i < red; i++, q += stride) s += <f64>load<f32>(q);
    store<f32>(out + (<usize>j << 2), <f32>s);
  }
}

/** Column max/min of a [red, post] float32 block. */
@inline function colsExtF32(op: i32, p: usize, out: usize, red: i32, post: i32, stride: usize): void {
  const init = f32x4.splat(initF32(op));
  let j = 0;
  for (; j + 16 <= post; j += 16) {
    let a0 = init, a1 = init, a2 = init, a3 = init;
    let q = p + (<usize>j << 2);
    for (let i = 0; i < red; i++, q += stride) {
      a0 = combF32x4(op, a0, v128.load(q));
      a1 = combF32x4(op, a1, v128.load(q, 16));
      a2 = combF32x4(op, a2, v128.load(q, 32));
      a3 = combF32x4(op, a3, v128.load(q, 48));
    }
    const o = out + (<usize>j << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; j + 4 <= post; j += 4) {
    let a = init;
    let q = p + (<usize>j << 2);
    for (let i = 0; i < red; i++, q += stride) a = combF32x4(op, a, v128.load(q));
    v128.store(out + (<usize>j << 2), a);
  }
  for (; j < post; j++) {
    let s = initF32(op);
    let q = p + (<usize>j << 2);
    for (let i = 0; i < red; i++, q += stride) s = combF32(op, s, load<f32>(q));
    store<f32>(out + (<usize>j << 2), s);
  }
}

@inline function colsF32(op: i32, x: usize, out: usize, pre: i32, red: i32, post: i32): void {
  const stride = <usize>post << 2;
  for (let b = 0; b < pre; b++) {
    const p = x + <usize>b * <usize>red * stride;
    const o = out + <usize>b * stride;
    if (op == R_SUM) colsSumF32(p, o, red, post, stride);
    else colsExtF32(op, p, o, red, post, stride);
  }
}

/** out[b·post + q] = reduce_i x[(b·red + i)·post + q] over float32 (op: 0 sum, 1 max, 2 min). */
export function redColsF32(op: i32, x: usize, out: usize, pre: i32, red: i32, post: i32): void {
  if (op == R_SUM) colsF32(R_SUM, x, out, pre, red, post);
  else if (op == R_MAX) colsF32(R_MAX, x, out, pre, red, post);
  else colsF32(R_MIN, x, out, pre, red, post);
}

// ---- float64 -----------------------------------------------------------------------------------------------------

@inline function rowF64(op: i32, p: usize, n: i32): f64 {
  const init = f64x2.splat(initF64(op));
  let a0 = init, a1 = init, a2 = init, a3 = init;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const q = p + (<usize>i << 3);
    a0 = combF64x2(op, a0, v128.load(q));
    a1 = combF64x2(op, a1, v128.load(q, 16));
    a2 = combF64x2(op, a2, v128.load(q, 32));
    a3 = combF64x2(op, a3, v128.load(q, 48));
  }
  for (; i + 2 <= n; i += 2) a0 = combF64x2(op, a0, v128.load(p + (<usize>i << 3)));
  let s = horizF64x2(op, combF64x2(op, combF64x2(op, a0, a1), combF64x2(op, a2, a3)));
  if (i < n) s = combF64(op, s, load<f64>(p + (<usize>i << 3)));
  return s;
}

@inline function rowsF64(op: i32, x: usize, out: usize, outer: i32, inner: i32): void {
  const rowBytes = <usize>inner << 3;
  for (let o = 0; o < outer; o++) store<f64>(out + (<usize>o << 3), rowF64(op, x + <usize>o * rowBytes, inner));
}

/** out[o] = reduce_j x[o·inner + j] over float64 (op: 0 sum, 1 max, 2 min). */
export function redRowsF64(op: i32, x: usize, out: usize, outer: i32, inner: i32): void {
  if (op == R_SUM) rowsF64(R_SUM, x, out, outer, inner);
  else if (op == R_MAX) rowsF64(R_MAX, x, out, outer, inner);
  else rowsF64(R_MIN, x, out, outer, inner);
}

@inline function colsBlockF64(op: i32, p: usize, out: usize, red: i32, post: i32, stride: usize): void {
  const init = f64x2.splat(initF64(op));
  let j = 0;
  for (; j + 8 <= post; j += 8) {
    let a0 = init, a1 = init, a2 = init, a3 = init;
    let q = p + (<usize>j << 3);
    for (let i = 0; i < red; i++, q += stride) {
      a0 = combF64x2(op, a0, v128.load(q));
      a1 = combF64x2(op, a1, v128.load(q, 16));
      a2 = combF64x2(op, a2, v128.load(q, 32));
      a3 = combF64x2(op, a3, v128.load(q, 48));
    }
    const o = out + (<usize>j << 3);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; j + 2 <= post; j += 2) {
    let a = init;
    let q = p + (<usize>j << 3);
    for (let i = 0; i < red; i++, q += stride) a = combF64x2(op, a, v128.load(q));
    v128.store(out + (<usize>j << 3), a);
  }
  if (j < post) {
    let s = initF64(op);
    let q = p + (<usize>j << 3);
    for (let i = 0; i < red; i++, q += stride) s = combF64(op, s, load<f64>(q));
    store<f64>(out + (<usize>j << 3), s);
  }
}

@inline function colsF64(op: i32, x: usize, out: usize, pre: i32, red: i32, post: i32): void {
  const stride = <usize>post << 3;
  for (let b = 0; b < pre; b++) colsBlockF64(op, x + <usize>b * <usize>red * stride, out + <usize>b * stride, red, post, stride);
}

/** out[b·post + q] = reduce_i x[(b·red + i)·post + q] over float64 (op: 0 sum, 1 max, 2 min). */
export function redColsF64(op: i32, x: usize, out: usize, pre: i32, red: i32, post: i32): void {
  if (op == R_SUM) colsF64(R_SUM, x, out, pre, red, post);
  else if (op == R_MAX) colsF64(R_MAX, x, out, pre, red, post);
  else colsF64(R_MIN, x, out, pre, red, post);
}
