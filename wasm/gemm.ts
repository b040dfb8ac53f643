// GEMM kernels (f32, f64): BLIS-style blocking, operand packing and register-blocked SIMD micro-kernels.
//
// C[b] = A[b] · B[b] for b < batch, with A[b] of shape [M, K] and B[b] of shape [K, N] given by arbitrary element
// strides (so transposed operands are packed straight from their source) and C row-major with row stride ldc.
// Loop nest (Goto/BLIS): jc over NC columns → pc over KC depths (pack a KC×NC block of B into NR-wide strips,
// L2/L3 resident) → ic over MC rows (pack an MC×KC block of A into MR-tall strips, L2 resident) → jr over B strips
// (one KC×NR micro-panel, L1 resident) → ir over A strips: the MR×NR micro-kernel, whose accumulators live in
// SIMD registers for the whole KC loop. Edge tiles are computed on zero-padded panels into a scratch tile.
// Every C entry is a sum over k in increasing order, split at KC boundaries (f32 accumulates in f32).
import { transpose4 } from './simd';

// Micro-tiles sized to x86-64's 16 xmm registers (V8 keeps one as scratch): with fused multiply-add (relaxed build)
// 6×8 f32 / 6×4 f64 (12 accumulators + 2 B vectors + 1 broadcast), without it 5 rows (mul then add needs a temp).
export const MR32: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
export const NR32: i32 = 8;
export const MR64: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
export const NR64: i32 = 4;

// Blocking (elements). KC·NR·4 B = 8 KiB B micro-panel in L1; MC·KC·4 ≈ 96 KiB A block in L2.
const MC32_DEFAULT: i32 = MR32 * 16;
const KC32_DEFAULT: i32 = 256;
const NC32_DEFAULT: i32 = 2048;
const MC64_DEFAULT: i32 = MR64 * 8;
const KC64_DEFAULT: i32 = 256;
const NC64_DEFAULT: i32 = 1024;
let MC32: i32 = MC32_DEFAULT;
let KC32: i32 = KC32_DEFAULT;
let NC32: i32 = NC32_DEFAULT;
let MC64: i32 = MC64_DEFAULT;
let KC64: i32 = KC64_DEFAULT;
let NC64: i32 = NC64_DEFAULT;

/** Overrides the blocking parameters (tuning experiments); multiples of MR/NR are enforced. */
export function setBlockingF32(mc: i32, kc: i32, nc: i32): void {
  MC32 = max(MR32, (mc / MR32) * MR32);
  KC32 = max(1, kc);
  NC32 = max(NR32, (nc / NR32) * NR32);
}
export function setBlockingF64(mc: i32, kc: i32, nc: i32): void {
  MC64 = max(MR64, (mc / MR64) * MR64);
  KC64 = max(1, kc);
  NC64 = max(NR64, (nc / NR64) * NR64);
}
/** Restores the default blocking. */
export function resetBlocking(): void {
  MC32 = MC32_DEFAULT;
  KC32 = KC32_DEFAULT;
  NC32 = NC32_DEFAULT;
  MC64 = MC64_DEFAULT;
  KC64 = KC64_DEFAULT;
  NC64 = NC64_DEFAULT;
}
/**
 * The blocking in force for esize 4 (f32) or 8 (f64): which = 0 → MC, 1 → KC, 2 → NC. The thread pool copies it into
 * each worker's instance (module globals are per instance, the memory is shared), so threaded and single-threaded
 * GEMMs block — and round — alike.
 */
export function getBlocking(esize: i32, which: i32): i32 {
  if (esize == 4) return which == 0 ? MC32 : which == 1 ? KC32 : NC32;
  return which == 0 ? MC64 : which == 1 ? KC64 : NC64;
}


// acc + a·b, fused (one rounding) where relaxed SIMD is on and the engine picks FMA, else mul then add.
// @ts-ignore: decorator
@inline function madd32(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
// @ts-ignore: decorator
@inline function madd64(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, acc);
  return f64x2.add(acc, f64x2.mul(a, b));
}

/** f32 micro-kernel, relaxed build: C[0:6, 0:8] (+)= Ap·Bp over kc; 12 FMA accumulators + 2 B + 1 splat = 15 xmm. */
function kernel6x8F32(kc: i32, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
  if (accumulate) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
    c10 = v128.load(c + 1 * ldc);
    c11 = v128.load(c + 1 * ldc, 16);
    c20 = v128.load(c + 2 * ldc);
    c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc);
    c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc);
    c41 = v128.load(c + 4 * ldc, 16);
    c50 = v128.load(c + 5 * ldc);
    c51 = v128.load(c + 5 * ldc, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const x0 = v128.load32_splat(a);
    c00 = madd32(x0, b0, c00); c01 = madd32(x0, b1, c01);
    const x1 = v128.load32_splat(a, 4);
    c10 = madd32(x1, b0, c10); c11 = madd32(x1, b1, c11);
    const x2 = v128.load32_splat(a, 8);
    c20 = madd32(x2, b0, c20); c21 = madd32(x2, b1, c21);
    const x3 = v128.load32_splat(a, 12);
    c30 = madd32(x3, b0, c30); c31 = madd32(x3, b1, c31);
    const x4 = v128.load32_splat(a, 16);
    c40 = madd32(x4, b0, c40); c41 = madd32(x4, b1, c41);
    const x5 = v128.load32_splat(a, 20);
    c50 = madd32(x5, b0, c50); c51 = madd32(x5, b1, c51);
    a += 24;
    b += 32;
  }
  v128.store(c + 0 * ldc, c00); v128.store(c + 0 * ldc, c01, 16);
  v128.store(c + 1 * ldc, c10); v128.store(c + 1 * ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
  v128.store(c + 4 * ldc, c40); v128.store(c + 4 * ldc, c41, 16);
  v128.store(c + 5 * ldc, c50); v128.store(c + 5 * ldc, c51, 16);
}

/** f32 micro-kernel, SIMD128 build: C[0:5, 0:8] (+)= Ap·Bp; 10 accumulators + 2 B + splat + product temp = 14 xmm. */
function kernel5x8F32(kc: i32, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
  if (accumulate) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
    c10 = v128.load(c + 1 * ldc);
    c11 = v128.load(c + 1 * ldc, 16);
    c20 = v128.load(c + 2 * ldc);
    c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc);
    c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc);
    c41 = v128.load(c + 4 * ldc, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const x0 = v128.load32_splat(a);
    c00 = madd32(x0, b0, c00); c01 = madd32(x0, b1, c01);
    const x1 = v128.load32_splat(a, 4);
    c10 = madd32(x1, b0, c10); c11 = madd32(x1, b1, c11);
    const x2 = v128.load32_splat(a, 8);
    c20 = madd32(x2, b0, c20); c21 = madd32(x2, b1, c21);
    const x3 = v128.load32_splat(a, 12);
    c30 = madd32(x3, b0, c30); c31 = madd32(x3, b1, c31);
    const x4 = v128.load32_splat(a, 16);
    c40 = madd32(x4, b0, c40); c41 = madd32(x4, b1, c41);
    a += 20;
    b += 32;
  }
  v128.store(c + 0 * ldc, c00); v128.store(c + 0 * ldc, c01, 16);
  v128.store(c + 1 * ldc, c10); v128.store(c + 1 * ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
  v128.store(c + 4 * ldc, c40); v128.store(c + 4 * ldc, c41, 16);
}

/** f64 micro-kernel, relaxed build: C[0:6, 0:4] (+)= Ap·Bp. */
function kernel6x4F64(kc: i32, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  const z = f64x2.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
  if (accumulate) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
    c10 = v128.load(c + 1 * ldc);
    c11 = v128.load(c + 1 * ldc, 16);
    c20 = v128.load(c + 2 * ldc);
    c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc);
    c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc);
    c41 = v128.load(c + 4 * ldc, 16);
    c50 = v128.load(c + 5 * ldc);
    c51 = v128.load(c + 5 * ldc, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const x0 = v128.load64_splat(a);
    c00 = madd64(x0, b0, c00); c01 = madd64(x0, b1, c01);
    const x1 = v128.load64_splat(a, 8);
    c10 = madd64(x1, b0, c10); c11 = madd64(x1, b1, c11);
    const x2 = v128.load64_splat(a, 16);
    c20 = madd64(x2, b0, c20); c21 = madd64(x2, b1, c21);
    const x3 = v128.load64_splat(a, 24);
    c30 = madd64(x3, b0, c30); c31 = madd64(x3, b1, c31);
    const x4 = v128.load64_splat(a, 32);
    c40 = madd64(x4, b0, c40); c41 = madd64(x4, b1, c41);
    const x5 = v128.load64_splat(a, 40);
    c50 = madd64(x5, b0, c50); c51 = madd64(x5, b1, c51);
    a += 48;
    b += 32;
  }
  v128.store(c + 0 * ldc, c00); v128.store(c + 0 * ldc, c01, 16);
  v128.store(c + 1 * ldc, c10); v128.store(c + 1 * ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
  v128.store(c + 4 * ldc, c40); v128.store(c + 4 * ldc, c41, 16);
  v128.store(c + 5 * ldc, c50); v128.store(c + 5 * ldc, c51, 16);
}

/** f64 micro-kernel, SIMD128 build: C[0:5, 0:4] (+)= Ap·Bp. */
function kernel5x4F64(kc: i32, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  const z = f64x2.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
  if (accumulate) {
    c00 = v128.load(c + 0 * ldc);
    c01 = v128.load(c + 0 * ldc, 16);
    c10 = v128.load(c + 1 * ldc);
    c11 = v128.load(c + 1 * ldc, 16);
    c20 = v128.load(c + 2 * ldc);
    c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc);
    c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc);
    c41 = v128.load(c + 4 * ldc, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const x0 = v128.load64_splat(a);
    c00 = madd64(x0, b0, c00); c01 = madd64(x0, b1, c01);
    const x1 = v128.load64_splat(a, 8);
    c10 = madd64(x1, b0, c10); c11 = madd64(x1, b1, c11);
    const x2 = v128.load64_splat(a, 16);
    c20 = madd64(x2, b0, c20); c21 = madd64(x2, b1, c21);
    const x3 = v128.load64_splat(a, 24);
    c30 = madd64(x3, b0, c30); c31 = madd64(x3, b1, c31);
    const x4 = v128.load64_splat(a, 32);
    c40 = madd64(x4, b0, c40); c41 = madd64(x4, b1, c41);
    a += 40;
    b += 32;
  }
  v128.store(c + 0 * ldc, c00); v128.store(c + 0 * ldc, c01, 16);
  v128.store(c + 1 * ldc, c10); v128.store(c + 1 * ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
  v128.store(c + 4 * ldc, c40); v128.store(c + 4 * ldc, c41, 16);
}

/**
 * The micro-kernels: C[0:MR, 0:NR] (+)= Ap · Bp over kc, Ap packed [kc][MR], Bp packed [kc][NR], C row stride ldc
 * bytes. `accumulate` adds to C (later depth blocks); otherwise C is overwritten.
 */
// @ts-ignore: decorator
@inline function kernelF32(kc: i32, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  if (ASC_FEATURE_RELAXED_SIMD) kernel6x8F32(kc, a, b, c, ldc, accumulate);
  else kernel5x8F32(kc, a, b, c, ldc, accumulate);
}
// @ts-ignore: decorator
@inline function kernelF64(kc: i32, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  if (ASC_FEATURE_RELAXED_SIMD) kernel6x4F64(kc, a, b, c, ldc, accumulate);
  else kernel5x4F64(kc, a, b, c, ldc, accumulate);
}

// @ts-ignore: decorator
@inline function mr<T>(): i32 {
  return sizeof<T>() == 4 ? MR32 : MR64;
}
// @ts-ignore: decorator
@inline function nr<T>(): i32 {
  return sizeof<T>() == 4 ? NR32 : NR64;
}
// @ts-ignore: decorator
@inline function kernel<T>(kc: i32, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  if (sizeof<T>() == 4) kernelF32(kc, a, b, c, ldc, accumulate);
  else kernelF64(kc, a, b, c, ldc, accumulate);
}

/**
 * Packs rows [m0, m0+mc) × depths [k0, k0+kc) of A (element strides sm, sk) into MR-tall strips:
 * dst[(s·kc + k)·MR + r] = A[m0 + s·MR + r, k0 + k], rows past mc zero. With kc = K this is the full packed form
 * [⌈M/MR⌉][K][MR] that gemmPacked reads.
 */
function packA<T>(dst: usize, a: usize, sm: i32, sk: i32, m0: i32, mc: i32, k0: i32, kc: i32): void {
  const MR = mr<T>(), E = sizeof<T>();
  for (let s = 0; s < mc; s += MR) {
    const rows = min(MR, mc - s);
    const strip = dst + <usize>s * kc * E;
    const src0 = a + (<usize>(m0 + s) * sm + <usize>k0 * sk) * E;
    if (rows < MR) memory.fill(strip, 0, <usize>kc * MR * E);
    if (sm == 1) {
      // transposed A (columns contiguous): the MR values of one depth are adjacent
      for (let k = 0; k < kc; k++) {
        const p = src0 + <usize>k * sk * E, d = strip + <usize>k * MR * E;
        for (let r = 0; r < rows; r++) store<T>(d + <usize>r * E, load<T>(p + <usize>r * E));
      }
    } else {
      for (let r = 0; r < rows; r++) {
        let p = src0 + <usize>r * sm * E;
        let d = strip + <usize>r * E;
        const step = <usize>sk * E;
        for (let k = 0; k < kc; k++) {
          store<T>(d, load<T>(p));
          p += step;
          d += MR * E;
        }
      }
    }
  }
}

/**
 * Packs depths [k0, k0+kc) × columns [n0, n0+nc) of B (element strides sk, sn) into NR-wide strips:
 * dst[(s·kc + k)·NR + j] = B[k0 + k, n0 + s·NR + j], columns past nc zero (32-byte rows for both dtypes).
 */
function packB<T>(dst: usize, b: usize, sk: i32, sn: i32, k0: i32, kc: i32, n0: i32, nc: i32): void {
  const NR = nr<T>(), E = sizeof<T>();
  for (let s = 0; s < nc; s += NR) {
    const cols = min(NR, nc - s);
    let d = dst + <usize>s * kc * E;
    let src = b + (<usize>k0 * sk + <usize>(n0 + s) * sn) * E;
    const kstep = <usize>sk * E;
    if (cols == NR && sn == 1) {
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += kstep;
        d += 32;
      }
    } else if (E == 4 && cols == NR && sk == 1) {
      // a transposed B (columns contiguous along k): 4 depths × 8 columns by v128 loads down the columns, two 4 × 4
      // transposes, then the 4 rows; the depths past a multiple of 4 one by one
      const nstep = <usize>sn * E;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const p = src + <usize>k * E;
        transpose4(v128.load(p), v128.load(p + nstep), v128.load(p + 2 * nstep), v128.load(p + 3 * nstep), d, 32);
        transpose4(v128.load(p + 4 * nstep), v128.load(p + 5 * nstep), v128.load(p + 6 * nstep), v128.load(p + 7 * nstep), d + 16, 32);
        d += 128;
      }
      for (; k < kc; k++) {
        let p = src + <usize>k * E;
        for (let j = 0; j < NR; j++) {
          store<T>(d + <usize>j * E, load<T>(p));
          p += nstep;
        }
        d += 32;
      }
    } else {
      if (cols < NR) memory.fill(d, 0, <usize>kc * NR * E);
      const nstep = <usize>sn * E;
      for (let k = 0; k < kc; k++) {
        let p = src;
        for (let j = 0; j < cols; j++) {
          store<T>(d + <usize>j * E, load<T>(p));
          p += nstep;
        }
        src += kstep;
        d += 32;
      }
    }
  }
}

/**
 * The macro-kernel over packed panels: C[0:mc, 0:nc] (+)= Ap · Bp over kc depths, Ap = ⌈mc/MR⌉ strips (strip stride
 * aStrip bytes, kc×MR each), Bp = ⌈nc/NR⌉ strips (stride bStrip bytes, kc×NR each). Each B micro-panel stays in L1
 * while the A strips stream past; edge tiles go through `tile` (MR×NR scratch) and are merged.
 */
function macro<T>(mc: i32, nc: i32, kc: i32, ap: usize, aStrip: usize, bp: usize, bStrip: usize, c: usize, ldc: i32, accumulate: bool, tile: usize): void {
  const MR = mr<T>(), NR = nr<T>(), E = sizeof<T>();
  const ldcB = <usize>ldc * E;
  for (let jr = 0; jr < nc; jr += NR) {
    const nrr = min(NR, nc - jr);
    const bpan = bp + <usize>(jr / NR) * bStrip;
    let apan = ap;
    let cp = c + <usize>jr * E;
    for (let ir = 0; ir < mc; ir += MR) {
      const mrr = min(MR, mc - ir);
      if (mrr == MR && nrr == NR) kernel<T>(kc, apan, bpan, cp, ldcB, accumulate);
      else {
        // edge tile: compute the full tile on zero-padded panels, merge the valid part
        if (accumulate) {
          for (let i = 0; i < mrr; i++) memory.copy(tile + <usize>i * NR * E, cp + <usize>i * ldcB, <usize>nrr * E);
        }
        kernel<T>(kc, apan, bpan, tile, <usize>NR * E, accumulate);
        for (let i = 0; i < mrr; i++) memory.copy(cp + <usize>i * ldcB, tile + <usize>i * NR * E, <usize>nrr * E);
      }
      apan += aStrip;
      cp += <usize>MR * ldcB;
    }
  }
}

/**
 * The block size for splitting `n` into ⌈n/limit⌉ nearly equal blocks (a multiple of `unit`, at most `limit`): a
 * depth of 784 with KC = 256 runs as 4 × 196 rather than 3 × 256 + 16, whose last, shallow block would spend more on
 * loading and storing C than on multiply-adds.
 */
function balanced(n: i32, limit: i32, unit: i32): i32 {
  if (n <= limit) return max(n, 1);
  const blocks = (n + limit - 1) / limit;
  const size = (n + blocks - 1) / blocks;
  return min(limit, ((size + unit - 1) / unit) * unit);
}

function zeroRows(c: usize, M: i32, N: i32, ldc: i32, E: i32): void {
  for (let i = 0; i < M; i++) memory.fill(c + <usize>i * ldc * E, 0, <usize>N * E);
}

/** The GEMM of gemmF32 / gemmF64; with `packedA` (batch 1) A is read from its whole packed form instead of packed here. */
function gemm<T>(
  batch: i32, M: i32, N: i32, K: i32,
  a: usize, sab: i32, sam: i32, sak: i32,
  b: usize, sbb: i32, sbk: i32, sbn: i32,
  c: usize, scb: i32, ldc: i32, work: usize, packedA: usize = 0,
): void {
  const E = sizeof<T>(), MR = mr<T>(), NR = nr<T>();
  const MC = E == 4 ? MC32 : MC64, KC = E == 4 ? KC32 : KC64, NC = E == 4 ? NC32 : NC64;
  const ap = work, bp = ap + <usize>MC * KC * E, tile = bp + <usize>KC * NC * E;
  for (let t = 0; t < batch; t++) {
    const at = a + <usize>t * sab * E, bt = b + <usize>t * sbb * E, ct = c + <usize>t * scb * E;
    if (K == 0) {
      zeroRows(ct, M, N, ldc, E);
      continue;
    }
    const KCb = balanced(K, KC, 1), MCb = balanced(M, MC, MR);
    for (let jc = 0; jc < N; jc += NC) {
      const nc = min(NC, N - jc);
      for (let pc = 0; pc < K; pc += KCb) {
        const kc = min(KCb, K - pc);
        packB<T>(bp, bt, sbk, sbn, pc, kc, jc, nc);
        for (let ic = 0; ic < M; ic += MCb) {
          const mc = min(MCb, M - ic);
          const cp = ct + (<usize>ic * ldc + jc) * E;
          if (packedA) {
            const aStrip = <usize>K * MR * E;
            macro<T>(mc, nc, kc, packedA + <usize>(ic / MR) * aStrip + <usize>pc * MR * E, aStrip, bp, <usize>kc * NR * E, cp, ldc, pc > 0, tile);
          } else {
            packA<T>(ap, at, sam, sak, ic, mc, pc, kc);
            macro<T>(mc, nc, kc, ap, <usize>kc * MR * E, bp, <usize>kc * NR * E, cp, ldc, pc > 0, tile);
          }
        }
      }
    }
  }
}

/**
 * C[t] = A[t] · B[t] for t < batch (f32): A[t][m, k] at a + (t·sab + m·sam + k·sak)·4, B[t][k, n] at
 * b + (t·sbb + k·sbk + n·sbn)·4, C[t][m, n] at c + (t·scb + m·ldc + n)·4 (strides in elements, any layout of A and
 * B, so transposed operands need no copy). `work`: gemmWorkBytes(4) bytes, 16-byte aligned.
 */
export function gemmF32(
  batch: i32, M: i32, N: i32, K: i32,
  a: usize, sab: i32, sam: i32, sak: i32,
  b: usize, sbb: i32, sbk: i32, sbn: i32,
  c: usize, scb: i32, ldc: i32, work: usize,
): void {
  gemm<f32>(batch, M, N, K, a, sab, sam, sak, b, sbb, sbk, sbn, c, scb, ldc, work);
}

/** The f64 GEMM: gemmF32's contract with 8-byte elements. */
export function gemmF64(
  batch: i32, M: i32, N: i32, K: i32,
  a: usize, sab: i32, sam: i32, sak: i32,
  b: usize, sbb: i32, sbk: i32, sbn: i32,
  c: usize, scb: i32, ldc: i32, work: usize,
): void {
  gemm<f64>(batch, M, N, K, a, sab, sam, sak, b, sbb, sbk, sbn, c, scb, ldc, work);
}

/**
 * gemmF32 (batch 1) with A already packed whole ([⌈M/MR⌉][K][MR], packAFullF32): the same operations in the same order,
 * so the same bits. The thread pool's column blocks share one packing of A instead of each packing all of it.
 * `work`: gemmWorkBytes(4).
 */
export function gemmPAF32(M: i32, N: i32, K: i32, ap: usize, b: usize, sbk: i32, sbn: i32, c: usize, ldc: i32, work: usize): void {
  gemm<f32>(1, M, N, K, 0, 0, 0, 0, b, 0, sbk, sbn, c, 0, ldc, work, ap);
}
/** gemmPAF32 for f64 (A from packAFullF64). */
export function gemmPAF64(M: i32, N: i32, K: i32, ap: usize, b: usize, sbk: i32, sbn: i32, c: usize, ldc: i32, work: usize): void {
  gemm<f64>(1, M, N, K, 0, 0, 0, 0, b, 0, sbk, sbn, c, 0, ldc, work, ap);
}

/** Bytes of `work` that gemmF32 (esize 4) or gemmF64 (esize 8) needs: packed A block, packed B block, edge tile. */
export function gemmWorkBytes(esize: i32): i32 {
  if (esize == 4) return (MC32 * KC32 + KC32 * NC32 + MR32 * NR32) * 4 + 64;
  return (MC64 * KC64 + KC64 * NC64 + MR64 * NR64) * 8 + 64;
}

/** Bytes of the fully packed A of an M×K operand ([⌈M/MR⌉][K][MR]) for packAFull. */
export function packedABytes(esize: i32, M: i32, K: i32): i32 {
  const MR = esize == 4 ? MR32 : MR64;
  return ((M + MR - 1) / MR) * MR * K * esize;
}
/** Bytes of a fully packed B of K×N ([⌈N/NR⌉][K][NR]), the layout im2col writes. */
export function packedBBytes(esize: i32, K: i32, N: i32): i32 {
  const NR = esize == 4 ? NR32 : NR64;
  return ((N + NR - 1) / NR) * NR * K * esize;
}

/** Packs all of B (K×N, element strides sk, sn) into [⌈N/NR⌉][K][NR] for gemmPacked. */
export function packBFullF32(dst: usize, b: usize, K: i32, N: i32, sk: i32, sn: i32): void {
  packB<f32>(dst, b, sk, sn, 0, K, 0, N);
}
export function packBFullF64(dst: usize, b: usize, K: i32, N: i32, sk: i32, sn: i32): void {
  packB<f64>(dst, b, sk, sn, 0, K, 0, N);
}

/** Packs all of A (M×K, element strides sm, sk) into [⌈M/MR⌉][K][MR] for gemmPacked. */
export function packAFullF32(dst: usize, a: usize, M: i32, K: i32, sm: i32, sk: i32): void {
  packA<f32>(dst, a, sm, sk, 0, M, 0, K);
}
export function packAFullF64(dst: usize, a: usize, M: i32, K: i32, sm: i32, sk: i32): void {
  packA<f64>(dst, a, sm, sk, 0, M, 0, K);
}

function gemmPacked<T>(M: i32, N: i32, K: i32, ap: usize, lda: i32, bp: usize, c: usize, ldc: i32, accumulate: bool, tile: usize): void {
  const E = sizeof<T>(), MR = mr<T>(), NR = nr<T>();
  const MC = E == 4 ? MC32 : MC64, KC = E == 4 ? KC32 : KC64;
  if (K == 0) {
    if (!accumulate) zeroRows(c, M, N, ldc, E);
    return;
  }
  const aStrip = <usize>lda * MR * E, bStrip = <usize>K * NR * E;
  const KCb = balanced(K, KC, 1), MCb = balanced(M, MC, MR);
  for (let pc = 0; pc < K; pc += KCb) {
    const kc = min(KCb, K - pc);
    for (let ic = 0; ic < M; ic += MCb) {
      const mc = min(MCb, M - ic);
      macro<T>(mc, N, kc, ap + <usize>(ic / MR) * aStrip + <usize>pc * MR * E, aStrip, bp + <usize>pc * NR * E, bStrip, c + <usize>ic * ldc * E, ldc, accumulate || pc > 0, tile);
    }
  }
}

/**
 * C[m, n] (+)= Σ_k A[m, k] · B[k, n] (f32) from packed operands: A = depths [k0, k0+K) of a fully packed
 * [⌈M/MR⌉][lda][MR] operand (packAFullF32; ap points at depth k0 of its first strip), B = [⌈N/NR⌉][K][NR] (im2col);
 * C row stride ldc elements, added to when `accumulate`; `tile` holds MR·NR elements.
 */
export function gemmPackedF32(M: i32, N: i32, K: i32, ap: usize, lda: i32, bp: usize, c: usize, ldc: i32, accumulate: bool, tile: usize): void {
  gemmPacked<f32>(M, N, K, ap, lda, bp, c, ldc, accumulate, tile);
}
/** gemmPackedF32 for f64. */
export function gemmPackedF64(M: i32, N: i32, K: i32, ap: usize, lda: i32, bp: usize, c: usize, ldc: i32, accumulate: bool, tile: usize): void {
  gemmPacked<f64>(M, N, K, ap, lda, bp, c, ldc, accumulate, tile);
}
