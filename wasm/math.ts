// The vectorized math prelude of the WASM-SIMD target: f32x4 exp, exp2, log, log1p, expm1, tanh, logistic, erf, sin, cos, pow, sqrt, rsqrt.
//
// Every function takes and returns four float32 lanes (v128) and is `@inline`, so kernels (wasm/elementwise.ts) and
// jit-generated AssemblyScript can call it without a call per vector. Accuracy against float64 is measured by the
// law in test/wasm-math.test.ts and stated in docs/wasm-math.md (a few ulp at most). The method, per function:
//   exp, exp2, expm1: Cody-Waite reduction x = n ln2 + r (ln 2 split in a 16-bit head and a tail, so n·head is
//     exact), a minimax polynomial on |r| ≤ ln2/2, and the scale 2^n applied in two halves (so subnormal results
//     are rounded once and 2^128 never has to be represented);
//   log, log1p: x = 2^e m with m in [√½, √2), log m = f − f²/2 + s(f²/2 + R(s²)) with f = m − 1, s = f/(2+f)
//     (the leading f is exact, so the division's rounding only touches a term ≤ f/5); log1p adds the rounding error
//     c of u = 1 + x as c/u (u = 1 + x − c exactly, Fast2Sum);
//   tanh: an odd polynomial for |x| < 0.625, t/(t+2) with t = expm1(2|x|) above;
//   logistic: 1/(1+e^{−x}) and e^{x}/(1+e^{x}) on the two sides, so neither tail overflows or cancels;
//   erf: an odd polynomial for |x| < 0.875, 1 − exp(−x²)·G(x) above (G a polynomial in x − 2.4), ±1 beyond 3.925;
//   sin, cos: in float64 lanes: n = round(x·2/π), r = x − n·(π/2)_hi − n·(π/2)_lo (33-bit head: exact for |x| < 2^20),
//     polynomials on |r| ≤ π/4 and the quadrant; |x| ≥ 2^20 is reduced exactly by Payne-Hanek (bits of 2/π);
//   pow: in float64 lanes: 2^(y·log2|x|) with the C99 special cases, rounded once to float32;
//   sqrt: f32x4.sqrt (correctly rounded); rsqrt: 1/√x in float64 lanes, rounded once.
// Polynomial coefficients come from scripts/gen-wasm-math-coeffs.py (Remez exchange in mpmath), generated below.

// BEGIN GENERATED COEFFICIENTS (scripts/gen-wasm-math-coeffs.py; Remez minimax, do not edit by hand)
// e^r = 1 + r + r^2 P(r), |r| <= ln2/2: weighted max error 3.19e-9 (2^-28.2)
const EXP_0: f32 = 0.4999999403953552;
const EXP_1: f32 = 0.16666516661643982;
const EXP_2: f32 = 0.04166810214519501;
const EXP_3: f32 = 0.008369192481040955;
const EXP_4: f32 = 0.001383890165016055;
// 2^r = 1 + r P(r), |r| <= 1/2: weighted max error 5.36e-9 (2^-27.5)
const EXP2_0: f32 = 0.6931472420692444;
const EXP2_1: f32 = 0.24022655189037323;
const EXP2_2: f32 = 0.05550277978181839;
const EXP2_3: f32 = 0.009617111645638943;
const EXP2_4: f32 = 0.0013414551503956318;
const EXP2_5: f32 = 0.00015785658615641296;
// expm1(r) = r + r^2/2 + r^3 P(r), |r| <= ln2/2: weighted max error 4.66e-10 (2^-31.0)
const EXPM1_0: f32 = 0.1666666567325592;
const EXPM1_1: f32 = 0.04166646674275398;
const EXPM1_2: f32 = 0.008333643898367882;
const EXPM1_3: f32 = 0.001393506652675569;
const EXPM1_4: f32 = 0.00019663371494971216;
// R(z) = z P(z) = 2 atanh(s)/s - 2, z = s^2 <= 0.0295: weighted max error 8.1e-10 (2^-30.2)
const LOG_0: f32 = 0.6666677594184875;
const LOG_1: f32 = 0.39977574348449707;
const LOG_2: f32 = 0.2987123429775238;
// as LOG, in float64 (pow's log2): weighted max error 2.96e-14 (2^-44.9)
const LOG_F64_0: f64 = 0.6666666667581399;
const LOG_F64_1: f64 = 0.3999999561539515;
const LOG_F64_2: f64 = 0.2857211004011623;
const LOG_F64_3: f64 = 0.2217614406458196;
const LOG_F64_4: f64 = 0.19584899164276415;
// 2^r = 1 + r P(r), |r| <= 1/2, float64 (pow): weighted max error 1.19e-12 (2^-39.6)
const EXP2_F64_0: f64 = 0.6931471805412327;
const EXP2_F64_1: f64 = 0.24022650694742573;
const EXP2_F64_2: f64 = 0.05550410959228611;
const EXP2_F64_3: f64 = 0.00961812955884093;
const EXP2_F64_4: f64 = 0.0013333434158087846;
const EXP2_F64_5: f64 = 0.000154030985223577;
const EXP2_F64_6: f64 = 1.5314219270050928e-05;
const EXP2_F64_7: f64 = 1.3344292115084964e-06;
// tanh(x) = x + x^3 P(x^2), |x| <= 0.625: weighted max error 4.52e-9 (2^-27.7)
const TANH_0: f32 = -0.3333328068256378;
const TANH_1: f32 = 0.13331405818462372;
const TANH_2: f32 = -0.05373651534318924;
const TANH_3: f32 = 0.02062816731631756;
const TANH_4: f32 = -0.005692296661436558;
// erf(x) = x + x P(x^2), |x| <= 0.875: weighted max error 8.73e-10 (2^-30.1)
const ERF_0: f32 = 0.12837916612625122;
const ERF_1: f32 = -0.3761262893676758;
const ERF_2: f32 = 0.11283622682094574;
const ERF_3: f32 = -0.026855364441871643;
const ERF_4: f32 = 0.005190948024392128;
const ERF_5: f32 = -0.0008026647265069187;
const ERF_6: f32 = 7.869580440456048e-05;
// erfc(x) = exp(-x^2) P(x - 2.4), 0.875 <= x <= 3.925 (weight: absolute error of 1 - erfc, relative to erf): weighted max error 1.26e-9 (2^-29.6)
const ERFC_0: f32 = 0.21849873661994934;
const ERFC_1: f32 = -0.0795884057879448;
const ERFC_2: f32 = 0.027479499578475952;
const ERFC_3: f32 = -0.009068888612091541;
const ERFC_4: f32 = 0.0029456033371388912;
const ERFC_5: f32 = -0.0007415628642775118;
const ERFC_6: f32 = 0.0002872906916309148;
const ERFC_7: f32 = -0.0001778682053554803;
const ERFC_8: f32 = -8.294832514366135e-05;
const ERFC_9: f32 = -3.8627851608907804e-05;
// sin r = r + r^3 P(r^2), |r| <= pi/4: weighted max error 5.16e-12 (2^-37.5)
const SIN_F64_0: f64 = -0.16666666640796862;
const SIN_F64_1: f64 = 0.008333329304820504;
const SIN_F64_2: f64 = -0.0001983931226222749;
const SIN_F64_3: f64 = 2.7181215576550792e-06;
// cos r = 1 - r^2/2 + r^4 P(r^2), |r| <= pi/4: weighted max error 1.19e-13 (2^-42.9)
const COS_F64_0: f64 = 0.04166666661949178;
const COS_F64_1: f64 = -0.0013888883500108922;
const COS_F64_2: f64 = 2.4799460162516176e-05;
const COS_F64_3: f64 = -2.7205754814091506e-07;
// 2/pi in binary after 8 leading zero bits, 32 bits a word (mpmath), for Payne-Hanek reduction
const TWO_OVER_PI: usize = memory.data<u32>([0x00a2f983, 0x6e4e4415, 0x29fc2757, 0xd1f534dd, 0xc0db6295, 0x993c4390, 0x41fe5163, 0xabdebbc5, 0x61b7246e, 0x3a424dd2]);
// END GENERATED COEFFICIENTS

// ln 2 = LN2_HI + LN2_LO with LN2_HI on 16 bits: n·LN2_HI is exact for |n| < 2^8.
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const LOG2E: f32 = 1.4426950216293335;
const INV_LN2_F64: f64 = 1.4426950408889634;
// π/2 = PIO2_HI + PIO2_LO with PIO2_HI on 33 bits: n·PIO2_HI is exact for |n| < 2^20.
const PIO2_HI: f64 = 1.5707963267341256;
const PIO2_LO: f64 = 6.077100506506192e-11;
const TWO_OVER_PI_F64: f64 = 0.6366197723675814;
const PIO2_2M62: f64 = 3.4061215800865545e-19; // π/2 · 2^-62 (Payne-Hanek: the 62-bit fraction to radians)
const HUGE_TRIG: f32 = 1048576.0; // 2^20: from here on, Payne-Hanek
const MIN_NORMAL: f32 = 1.1754943508222875e-38; // 2^-126
const SIGN32: i32 = 0x80000000;
// Adding 1.5·2^23 (1.5·2^52) rounds |t| < 2^22 (2^51) to an integer, ties to even, held in the low mantissa bits of
// the sum: cheaper than nearest + trunc_sat, which V8 lowers to long sequences on x64.
const ROUND_F32: f32 = 12582912.0;
const ROUND_F32_BITS: i32 = 0x4b400000;
const ROUND_F64: f64 = 6755399441055744.0;
const ROUND_F64_BITS: i64 = 0x4338000000000000;

// ---- lane helpers ------------------------------------------------------------------------------------------

@inline function spl(c: f32): v128 {
  return f32x4.splat(c);
}
@inline function spl64(c: f64): v128 {
  return f64x2.splat(c);
}
/**
 * a·b + c for the polynomials' Horner steps: fused (one rounding) in a build with relaxed SIMD where the engine picks
 * FMA, else a multiply and an add. Either way within the error bounds the law checks (docs/wasm-math.md).
 */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
/** m ? a : b, lane by lane (m all ones or all zeros per lane). */
@inline function sel(a: v128, b: v128, m: v128): v128 {
  return v128.bitselect(a, b, m);
}
/** |x| with the sign of s. */
@inline function copySign(x: v128, s: v128): v128 {
  return v128.bitselect(s, x, i32x4.splat(SIGN32));
}
/** 2^n for int32 lanes n in [-126, 127]. */
@inline function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}
/** y·2^n for int32 lanes n in [-252, 254], in two halves: subnormal results are rounded once, 2^128 never formed. */
@inline function scale2(y: v128, n: v128): v128 {
  const n1 = i32x4.shr_s(n, 1);
  return f32x4.mul(f32x4.mul(y, pow2i(n1)), pow2i(i32x4.sub(n, n1)));
}
@inline function clamp(x: v128, lo: f32, hi: f32): v128 {
  // pmax(x, lo) = x < lo ? lo : x and pmin(y, hi) = hi < y ? hi : y keep a NaN x (one instruction each on x64,
  // where the IEEE min/max take several)
  return f32x4.pmin(f32x4.pmax(x, spl(lo)), spl(hi));
}
/** The sum t + 1.5·2^23 (see ROUND_F32); rint(t) = sum − 1.5·2^23 and the int32 lanes sum − bits(1.5·2^23) = rint(t). */
@inline function roundSum(t: v128): v128 {
  return f32x4.add(t, spl(ROUND_F32));
}
@inline function roundedF32(sum: v128): v128 {
  return f32x4.sub(sum, spl(ROUND_F32));
}
@inline function roundedI32(sum: v128): v128 {
  return i32x4.sub(sum, i32x4.splat(ROUND_F32_BITS));
}
/** Lanes 2, 3 of a float32 vector widened to float64 (lanes 0, 1: f64x2.promote_low_f32x4). */
@inline function promoteHigh(x: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 2, 3));
}
/** Two float64 pairs rounded to one float32 vector [lo0, lo1, hi0, hi1]. */
@inline function demote2(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// ---- exp family --------------------------------------------------------------------------------------------

/** e^r for |r| ≤ ln2/2: 1 + (r + r²·P(r)). */
@inline function expPoly(r: v128): v128 {
  let p = madd(r, spl(EXP_4), spl(EXP_3));
  p = madd(r, p, spl(EXP_2));
  p = madd(r, p, spl(EXP_1));
  p = madd(r, p, spl(EXP_0));
  return f32x4.add(spl(1), f32x4.add(r, f32x4.mul(f32x4.mul(r, r), p)));
}

/** Cody-Waite: r = x − n·ln2 with n = round(x·log2 e); exact head product, tail rounded once. */
@inline function reduceLn2(x: v128, n: v128): v128 {
  return f32x4.sub(f32x4.sub(x, f32x4.mul(n, spl(LN2_HI))), f32x4.mul(n, spl(LN2_LO)));
}

/** e^x. exp(x) overflows beyond 88.72 and is 0 below −103.98; clamping to [−104, 89] keeps n in range. */
@inline export function expF32x4(x: v128): v128 {
  const xc = clamp(x, -104, 89);
  const sum = roundSum(f32x4.mul(xc, spl(LOG2E)));
  const y = expPoly(reduceLn2(xc, roundedF32(sum)));
  return scale2(y, roundedI32(sum));
}

/** 2^x = 2^n·2^r with n = round(x), r = x − n exact; 2^r = 1 + r·P(r) on |r| ≤ 1/2. */
@inline export function exp2F32x4(x: v128): v128 {
  const xc = clamp(x, -151, 129);
  const sum = roundSum(xc);
  const r = f32x4.sub(xc, roundedF32(sum));
  let p = madd(r, spl(EXP2_5), spl(EXP2_4));
  p = madd(r, p, spl(EXP2_3));
  p = madd(r, p, spl(EXP2_2));
  p = madd(r, p, spl(EXP2_1));
  p = madd(r, p, spl(EXP2_0));
  const y = madd(r, p, spl(1));
  return scale2(y, roundedI32(sum));
}

/**
 * e^x − 1 for x in [−30, 89] (or NaN): with em = expm1(r) = r + r²(1/2 + r·P(r)) and h = 2^(n−1),
 * e^x − 1 = 2^n·em + 2^n − 1 = 2·(em·h + (h − 1/2)); h − 1/2 is exact for the n that matter and the final doubling
 * is exact, so n = 0 returns em itself and n = 1 rounds once.
 */
@inline function expm1Core(xc: v128): v128 {
  const sum = roundSum(f32x4.mul(xc, spl(LOG2E)));
  const r = reduceLn2(xc, roundedF32(sum));
  let p = madd(r, madd(r, spl(EXPM1_4), spl(EXPM1_3)), spl(EXPM1_2));
  p = madd(r, p, spl(EXPM1_1));
  p = madd(r, p, spl(EXPM1_0));
  const em = f32x4.add(r, f32x4.mul(f32x4.mul(r, r), madd(r, p, spl(0.5))));
  const h = pow2i(i32x4.sub(roundedI32(sum), i32x4.splat(1)));
  const s = f32x4.add(f32x4.mul(em, h), f32x4.sub(h, spl(0.5)));
  return f32x4.add(s, s);
}

/** e^x − 1. Below 2^-24 in magnitude it is x itself (this keeps −0 and subnormals exact). */
@inline export function expm1F32x4(x: v128): v128 {
  const r = expm1Core(clamp(x, -30, 89));
  return sel(x, r, f32x4.lt(f32x4.abs(x), spl(5.9604644775390625e-8)));
}

// ---- log family --------------------------------------------------------------------------------------------

/**
 * log(x) + corr for positive finite x (subnormals included): x = 2^e·m, m in [√½, √2), f = m − 1 (exact),
 * log m = f + (s(f²/2 + R(s²)) − f²/2), s = f/(2+f); summed small terms first: e·LN2_HI + (f + (tail + (e·LN2_LO + corr))).
 */
@inline function logCore(x: v128, corr: v128): v128 {
  const sub = f32x4.lt(x, spl(MIN_NORMAL));
  const xs = sel(f32x4.mul(x, spl(8388608.0)), x, sub); // subnormal: scale by 2^23 first
  // adding 1 − √½ (in bits) carries into the exponent exactly when the mantissa is ≥ √2
  const ix = i32x4.add(xs, i32x4.splat(0x3f800000 - 0x3f3504f3));
  const e = i32x4.add(i32x4.sub(i32x4.shr_u(ix, 23), i32x4.splat(127)), v128.and(sub, i32x4.splat(-23)));
  const m = i32x4.add(v128.and(ix, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3));
  const f = f32x4.sub(m, spl(1));
  const s = f32x4.div(f, f32x4.add(spl(2), f));
  const z = f32x4.mul(s, s);
  const R = f32x4.mul(z, madd(z, madd(z, spl(LOG_2), spl(LOG_1)), spl(LOG_0)));
  const hfsq = f32x4.mul(spl(0.5), f32x4.mul(f, f));
  const tail = f32x4.sub(f32x4.mul(s, f32x4.add(hfsq, R)), hfsq); // log m − f, small: |tail| ≤ f²/2
  const ef = f32x4.convert_i32x4_s(e);
  return f32x4.add(f32x4.mul(ef, spl(LN2_HI)), f32x4.add(f, f32x4.add(tail, f32x4.add(f32x4.mul(ef, spl(LN2_LO)), corr))));
}

/** Natural log: log(+inf) = inf, log(±0) = −inf, log(x < 0) = NaN. */
@inline export function logF32x4(x: v128): v128 {
  const r = logCore(x, f32x4.splat(0));
  const valid = v128.and(f32x4.gt(x, spl(0)), f32x4.lt(x, spl(Infinity)));
  const special = sel(spl(-Infinity), sel(spl(NaN), x, f32x4.lt(x, spl(0))), f32x4.eq(x, spl(0)));
  return sel(r, special, valid);
}

/** log(1 + x) = log(u) + c/u with u = fl(1 + x) and c = (1 + x) − u recovered exactly (Fast2Sum). */
@inline export function log1pF32x4(x: v128): v128 {
  const one = spl(1);
  const u = f32x4.add(one, x);
  const c = sel(f32x4.sub(one, f32x4.sub(u, x)), f32x4.sub(x, f32x4.sub(u, one)), f32x4.gt(x, one));
  const r = logCore(u, f32x4.div(c, u));
  const valid = v128.and(f32x4.gt(x, spl(-1)), f32x4.lt(x, spl(Infinity)));
  const special = sel(spl(-Infinity), sel(spl(NaN), x, f32x4.lt(x, spl(-1))), f32x4.eq(x, spl(-1)));
  return sel(x, sel(r, special, valid), f32x4.eq(x, spl(0))); // log1p(−0) = −0
}

// ---- hyperbolic, logistic, erf ------------------------------------------------------------------------------

/** tanh x = x + x³P(x²) for |x| < 0.625; else t/(t + 2), t = expm1(2|x|) (|x| clamped to 20: tanh = ±1 there). */
@inline export function tanhF32x4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const u = f32x4.mul(ax, ax);
  let p = madd(u, spl(TANH_4), spl(TANH_3));
  p = madd(u, p, spl(TANH_2));
  p = madd(u, p, spl(TANH_1));
  p = madd(u, p, spl(TANH_0));
  const small = f32x4.add(ax, f32x4.mul(ax, f32x4.mul(u, p)));
  const t = expm1Core(f32x4.pmin(f32x4.add(ax, ax), spl(20))); // pmin keeps a NaN first operand
  const big = f32x4.div(t, f32x4.add(t, spl(2)));
  return copySign(sel(small, big, f32x4.lt(ax, spl(0.625))), x);
}

/** σ(x) = 1/(1 + e^{−x}) for x ≥ 0 and e^{x}/(1 + e^{x}) for x < 0: one exp of −|x|, one division. */
@inline export function logisticF32x4(x: v128): v128 {
  const e = expF32x4(f32x4.neg(f32x4.abs(x)));
  const num = sel(e, spl(1), f32x4.lt(x, spl(0)));
  return f32x4.div(num, f32x4.add(spl(1), e));
}

/** erf x = x + x·P(x²) for |x| < 0.875; 1 − e^{−x²}·G(x − 2.4) up to 3.925; ±1 beyond (erfc < 2^-25 there). */
@inline export function erfF32x4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const u = f32x4.mul(ax, ax);
  let p = madd(u, spl(ERF_6), spl(ERF_5));
  p = madd(u, p, spl(ERF_4));
  p = madd(u, p, spl(ERF_3));
  p = madd(u, p, spl(ERF_2));
  p = madd(u, p, spl(ERF_1));
  p = madd(u, p, spl(ERF_0));
  const small = f32x4.add(ax, f32x4.mul(ax, p));
  const xm = f32x4.pmin(ax, spl(3.925));
  const t = f32x4.sub(xm, spl(2.4));
  let g = madd(t, spl(ERFC_9), spl(ERFC_8));
  g = madd(t, g, spl(ERFC_7));
  g = madd(t, g, spl(ERFC_6));
  g = madd(t, g, spl(ERFC_5));
  g = madd(t, g, spl(ERFC_4));
  g = madd(t, g, spl(ERFC_3));
  g = madd(t, g, spl(ERFC_2));
  g = madd(t, g, spl(ERFC_1));
  g = madd(t, g, spl(ERFC_0));
  const big = f32x4.sub(spl(1), f32x4.mul(expF32x4(f32x4.neg(f32x4.mul(xm, xm))), g));
  const r = sel(small, sel(spl(1), big, f32x4.ge(ax, spl(3.925))), f32x4.lt(ax, spl(0.875)));
  return copySign(r, x);
}

// ---- sin, cos ----------------------------------------------------------------------------------------------

/** sin r = r + r³S(r²) and cos r = 1 − r²/2 + r⁴C(r²) on |r| ≤ π/4, float64. */
@inline function sinPoly64(r: v128, u: v128): v128 {
  let p = f64x2.add(spl64(SIN_F64_2), f64x2.mul(u, spl64(SIN_F64_3)));
  p = f64x2.add(spl64(SIN_F64_1), f64x2.mul(u, p));
  p = f64x2.add(spl64(SIN_F64_0), f64x2.mul(u, p));
  return f64x2.add(r, f64x2.mul(f64x2.mul(r, u), p));
}
@inline function cosPoly64(u: v128): v128 {
  let p = f64x2.add(spl64(COS_F64_2), f64x2.mul(u, spl64(COS_F64_3)));
  p = f64x2.add(spl64(COS_F64_1), f64x2.mul(u, p));
  p = f64x2.add(spl64(COS_F64_0), f64x2.mul(u, p));
  return f64x2.add(f64x2.sub(spl64(1), f64x2.mul(spl64(0.5), u)), f64x2.mul(f64x2.mul(u, u), p));
}

/** sin or cos of two float64 lanes with |x| < 2^20: x = n·π/2 + r, then the quadrant n mod 4 picks ±sin r or ±cos r. */
@inline function sinCos64(x: v128, isCos: bool): v128 {
  const sum = f64x2.add(f64x2.mul(x, spl64(TWO_OVER_PI_F64)), spl64(ROUND_F64));
  const n = f64x2.sub(sum, spl64(ROUND_F64)); // round(x·2/π), and in the low bits of sum as an integer:
  const q = i64x2.sub(sum, i64x2.splat(ROUND_F64_BITS));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, spl64(PIO2_HI))), f64x2.mul(n, spl64(PIO2_LO)));
  const u = f64x2.mul(r, r);
  const s = sinPoly64(r, u), c = cosPoly64(u);
  const odd = i64x2.ne(v128.and(q, i64x2.splat(1)), i64x2.splat(0));
  // sin: q = 0, 1, 2, 3 → s, c, −s, −c;  cos: c, −s, −c, s
  const v = isCos ? sel(s, c, odd) : sel(c, s, odd);
  const qs = isCos ? i64x2.add(q, i64x2.splat(1)) : q;
  const neg = v128.and(i64x2.shl(qs, 62), i64x2.splat(i64.MIN_VALUE)); // bit 1 of qs to the sign bit
  return v128.xor(v, neg);
}

let hugeQuadrant: i32 = 0;

/**
 * Payne-Hanek: for ax = M·2^E ≥ 2^20 (M a 24-bit integer), ax·2/π mod 4 from a 96-bit window of the bits of 2/π
 * starting at the first bit whose product with ax is not a multiple of 4. Sets the quadrant; returns r in radians,
 * |r| ≤ π/4, with absolute error below 2^-60.
 */
function reduceHuge(ax: f32): f64 {
  const b = reinterpret<u32>(ax);
  const E = <i32>(b >> 23) - 150;
  const M = <u64>((b & 0x7fffff) | 0x800000);
  const j0 = E + 6; // table bit j is bit i = j − 7 of 2/π (weight 2^-i); keep bits i ≥ E − 1
  const w = <usize>(j0 >> 5);
  const sh = <u64>(j0 & 31);
  const t0 = <u64>load<u32>(TWO_OVER_PI + (w << 2));
  const t1 = <u64>load<u32>(TWO_OVER_PI + ((w + 1) << 2));
  const t2 = <u64>load<u32>(TWO_OVER_PI + ((w + 2) << 2));
  const t3 = <u64>load<u32>(TWO_OVER_PI + ((w + 3) << 2));
  const w0 = ((t0 << sh) | (t1 >> (32 - sh))) & 0xffffffff;
  const w1 = ((t1 << sh) | (t2 >> (32 - sh))) & 0xffffffff;
  const w2 = ((t2 << sh) | (t3 >> (32 - sh))) & 0xffffffff;
  // M·(w0 w1 w2) = P; ax·2/π mod 4 = (bits 32..95 of P)·2^-62
  const q: u64 = ((M * w0) << 32) + M * w1 + ((M * w2) >> 32);
  const n: u64 = (q + (<u64>1 << 61)) >> 62;
  hugeQuadrant = <i32>(n & 3);
  return <f64>(<i64>(q - (n << 62))) * PIO2_2M62;
}

function sinCosHuge(x: f32, isCos: bool): f32 {
  if (!isFinite<f32>(x)) return NaN;
  const r = reduceHuge(Mathf.abs(x));
  const q = hugeQuadrant;
  const rv = f64x2.splat(r);
  const u = f64x2.mul(rv, rv);
  const s = f64x2.extract_lane(sinPoly64(rv, u), 0);
  const c = f64x2.extract_lane(cosPoly64(u), 0);
  let v: f64;
  if (isCos) {
    v = q & 1 ? s : c;
    if ((q + 1) & 2) v = -v;
  } else {
    v = q & 1 ? c : s;
    if (q & 2) v = -v;
    if (x < 0) v = -v;
  }
  return <f32>v;
}

@inline function sinCosF32x4(x: v128, isCos: bool): v128 {
  let r = demote2(sinCos64(f64x2.promote_low_f32x4(x), isCos), sinCos64(promoteHigh(x), isCos));
  const huge = f32x4.ge(f32x4.abs(x), spl(HUGE_TRIG)); // ±inf too (→ NaN); NaN lanes stay in the vector path
  if (v128.any_true(huge)) {
    if (i32x4.extract_lane(huge, 0)) r = f32x4.replace_lane(r, 0, sinCosHuge(f32x4.extract_lane(x, 0), isCos));
    if (i32x4.extract_lane(huge, 1)) r = f32x4.replace_lane(r, 1, sinCosHuge(f32x4.extract_lane(x, 1), isCos));
    if (i32x4.extract_lane(huge, 2)) r = f32x4.replace_lane(r, 2, sinCosHuge(f32x4.extract_lane(x, 2), isCos));
    if (i32x4.extract_lane(huge, 3)) r = f32x4.replace_lane(r, 3, sinCosHuge(f32x4.extract_lane(x, 3), isCos));
  }
  return r;
}

/** sin x, rounded once from float64 lanes; sin(±0) = ±0. */
@inline export function sinF32x4(x: v128): v128 {
  return sel(x, sinCosF32x4(x, false), f32x4.eq(x, spl(0)));
}

/** cos x, rounded once from float64 lanes. */
@inline export function cosF32x4(x: v128): v128 {
  return sinCosF32x4(x, true);
}

// ---- pow, sqrt, rsqrt ---------------------------------------------------------------------------------------

/** log2 of two positive float64 lanes (0 → −inf, inf → inf, NaN → NaN), relative error ≈ 2^-45. */
@inline function log2F64x2(ax: v128): v128 {
  const ix = i64x2.add(ax, i64x2.splat(0x3ff0000000000000 - 0x3fe6a09e667f3bcd));
  const e = i64x2.sub(i64x2.shr_u(ix, 52), i64x2.splat(1023));
  const m = i64x2.add(v128.and(ix, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3fe6a09e667f3bcd));
  const f = f64x2.sub(m, spl64(1));
  const s = f64x2.div(f, f64x2.add(spl64(2), f));
  const z = f64x2.mul(s, s);
  let R = f64x2.add(spl64(LOG_F64_3), f64x2.mul(z, spl64(LOG_F64_4)));
  R = f64x2.add(spl64(LOG_F64_2), f64x2.mul(z, R));
  R = f64x2.add(spl64(LOG_F64_1), f64x2.mul(z, R));
  R = f64x2.add(spl64(LOG_F64_0), f64x2.mul(z, R));
  R = f64x2.mul(z, R);
  const hfsq = f64x2.mul(spl64(0.5), f64x2.mul(f, f));
  const lm = f64x2.sub(f, f64x2.sub(hfsq, f64x2.mul(s, f64x2.add(hfsq, R))));
  const ef = f64x2.convert_low_i32x4_s(i32x4.shuffle(e, e, 0, 2, 0, 2));
  const r = f64x2.add(ef, f64x2.mul(lm, spl64(INV_LN2_F64)));
  const valid = v128.and(f64x2.gt(ax, spl64(0)), f64x2.lt(ax, spl64(Infinity)));
  return sel(r, sel(spl64(-Infinity), ax, f64x2.eq(ax, spl64(0))), valid);
}

/** 2^t for two float64 lanes t (NaN propagates), clamped to [−200, 200]: relative error ≈ 2^-39. */
@inline function exp2F64x2(t: v128): v128 {
  const tc = f64x2.pmin(f64x2.pmax(t, spl64(-200)), spl64(200)); // NaN stays (see clamp)
  const sum = f64x2.add(tc, spl64(ROUND_F64));
  const r = f64x2.sub(tc, f64x2.sub(sum, spl64(ROUND_F64)));
  let p = f64x2.add(spl64(EXP2_F64_6), f64x2.mul(r, spl64(EXP2_F64_7)));
  p = f64x2.add(spl64(EXP2_F64_5), f64x2.mul(r, p));
  p = f64x2.add(spl64(EXP2_F64_4), f64x2.mul(r, p));
  p = f64x2.add(spl64(EXP2_F64_3), f64x2.mul(r, p));
  p = f64x2.add(spl64(EXP2_F64_2), f64x2.mul(r, p));
  p = f64x2.add(spl64(EXP2_F64_1), f64x2.mul(r, p));
  p = f64x2.add(spl64(EXP2_F64_0), f64x2.mul(r, p));
  const y = f64x2.add(spl64(1), f64x2.mul(r, p));
  const ni = i64x2.sub(sum, i64x2.splat(ROUND_F64_BITS));
  return f64x2.mul(y, i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52));
}

/** |x|^y for two float64 lanes (before the sign and special cases). */
@inline function powAbs64(x: v128, y: v128): v128 {
  return exp2F64x2(f64x2.mul(y, log2F64x2(f64x2.abs(x))));
}

/**
 * x^y with C99 pow's special cases (those of the reference's powC): pow(x, ±0) = 1 and pow(1, y) = 1 even for NaN,
 * pow(−1, ±inf) = 1, a negative finite base with a non-integer exponent is NaN, and an odd integer exponent keeps
 * the sign of the base (−0 and −inf included). Computed as 2^(y·log2|x|) in float64 lanes, rounded once.
 */
@inline export function powF32x4(x: v128, y: v128): v128 {
  const mag = demote2(powAbs64(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y)), powAbs64(promoteHigh(x), promoteHigh(y)));
  const yInt = f32x4.eq(f32x4.floor(y), y); // ±inf count as even integers
  const half = f32x4.mul(y, spl(0.5));
  const yOdd = v128.andnot(yInt, f32x4.eq(f32x4.floor(half), half));
  const negOdd = v128.and(yOdd, i32x4.lt_s(x, i32x4.splat(0))); // sign bit of x set
  let r = v128.xor(mag, v128.and(negOdd, i32x4.splat(SIGN32)));
  const negFinite = v128.and(f32x4.lt(x, spl(0)), f32x4.gt(x, spl(-Infinity)));
  r = sel(spl(NaN), r, v128.andnot(negFinite, yInt));
  const one = v128.or(
    v128.or(f32x4.eq(y, spl(0)), f32x4.eq(x, spl(1))),
    v128.and(f32x4.eq(f32x4.abs(x), spl(1)), f32x4.eq(f32x4.abs(y), spl(Infinity))),
  );
  return sel(spl(1), r, one);
}

/** √x, correctly rounded (f32x4.sqrt). */
@inline export function sqrtF32x4(x: v128): v128 {
  return f32x4.sqrt(x);
}

/** 1/√x computed in float64 and rounded once (as the reference does): rsqrt(0) = inf, rsqrt(x < 0) = NaN. */
@inline export function rsqrtF32x4(x: v128): v128 {
  const one = spl64(1);
  const lo = f64x2.div(one, f64x2.sqrt(f64x2.promote_low_f32x4(x)));
  const hi = f64x2.div(one, f64x2.sqrt(promoteHigh(x)));
  return demote2(lo, hi);
}
