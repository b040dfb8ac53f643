// Reference dot_general and conv_general_dilated: operands packed into contiguous [batch, M, K] · [batch, N, K] panels
// and a blocked dot-product GEMM; float math in float64 (float32 results rounded once), integers wrap like int32.
import { type ShapedArray, shapeSize, stridesOf } from '../../core/aval.js';
import { type TypedArray, typedArrayCtor, isInt, isFloat } from '../../core/dtype.js';
import type { ConvParams, DotGeneralParams } from '../../core/primitive.js';
import type { RefVal } from '../../rules/types.js';
import { converter } from './elementwise.js';
import { packPermuted } from './strided.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * C[m, n] = Σₖ A[m, k] · Bt[n, k] (float64), the panels starting at aOff / bOff / cOff, C row stride ldc (default N).
 * Rows of Bt are taken in blocks that stay in cache while the rows of A stream past; a 2×4 register tile shares
 * each load of A across four columns and each load of Bt across two rows. Every C entry is one sequential sum
 * over k, so neither blocking nor tiling changes the result.
 */
export function gemmNT(A: Float64Array, Bt: Float64Array, C: Float64Array, M: number, N: number, K: number, aOff: number, bOff: number, cOff: number, ldc = N): void {
  const nb = Math.max(4, Math.floor(32768 / Math.max(K, 1)) & ~3); // ≈ 256 KiB (L2) of Bt per block
  for (let n0 = 0; n0 < N; n0 += nb) {
    const n1 = Math.min(N, n0 + nb);
    let m = 0;
    for (; m + 2 <= M; m += 2) {
      const a0 = aOff + m * K, a1 = a0 + K, c0 = cOff + m * ldc, c1 = c0 + ldc;
      let n = n0;
      for (; n + 4 <= n1; n += 4) {
        const b0 = bOff + n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        for (let k = 0; k < K; k++) {
          const x0 = A[a0 + k]!, x1 = A[a1 + k]!;
          const y0 = Bt[b0 + k]!, y1 = Bt[b1 + k]!, y2 = Bt[b2 + k]!, y3 = Bt[b3 + k]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s03 += x0 * y3;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s13 += x1 * y3;
        }
        C[c0 + n] = s00;
        C[c0 + n + 1] = s01;
        C[c0 + n + 2] = s02;
        C[c0 + n + 3] = s03;
        C[c1 + n] = s10;
        C[c1 + n + 1] = s11;
        C[c1 + n + 2] = s12;
        C[c1 + n + 3] = s13;
      }
      for (; n < n1; n++) {
        const b0 = bOff + n * K;
        let s0 = 0, s1 = 0;
        for (let k = 0; k < K; k++) {
          const y = Bt[b0 + k]!;
          s0 += A[a0 + k]! * y;
          s1 += A[a1 + k]! * y;
        }
        C[c0 + n] = s0;
        C[c1 + n] = s1;
      }
    }
    if (m < M) {
      // the last odd row: 1×4 tiles
      const a = aOff + m * K, c = cOff + m * ldc;
      let n = n0;
      for (; n + 4 <= n1; n += 4) {
        const b0 = bOff + n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < K; k++) {
          const x = A[a + k]!;
          s0 += x * Bt[b0 + k]!;
          s1 += x * Bt[b1 + k]!;
          s2 += x * Bt[b2 + k]!;
          s3 += x * Bt[b3 + k]!;
        }
        C[c + n] = s0;
        C[c + n + 1] = s1;
        C[c + n + 2] = s2;
        C[c + n + 3] = s3;
      }
      for (; n < n1; n++) {
        const b0 = bOff + n * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[a + k]! * Bt[b0 + k]!;
        C[c + n] = s;
      }
    }
  }
}

/** The integer GEMM: products and sums wrap modulo 2³² (int32 bits; uint32 results reinterpret them on store). */
export function gemmNTInt(A: Int32Array, Bt: Int32Array, C: Int32Array, M: number, N: number, K: number, aOff: number, bOff: number, cOff: number, ldc = N): void {
  for (let m = 0; m < M; m++) {
    const a = aOff + m * K, c = cOff + m * ldc;
    for (let n = 0; n < N; n++) {
      const b0 = bOff + n * K;
      let s = 0;
      for (let k = 0; k < K; k++) s = (s + Math.imul(A[a + k]!, Bt[b0 + k]!)) | 0;
      C[c + n] = s;
    }
  }
}

/** Copies a float64 or int32 accumulator into the output dtype (float rounding, saturating float → int, x ≠ 0 → bool). */
function finish(acc: Float64Array | Int32Array, oa: ShapedArray): TypedArray {
  const out = new typedArrayCtor[oa.dtype](oa.size);
  if (isFloat(oa.dtype) || (acc instanceof Int32Array && isInt(oa.dtype))) out.set(acc);
  else {
    const cv = converter(acc instanceof Int32Array ? 'int32' : 'float64', oa.dtype);
    for (let i = 0; i < out.length; i++) out[i] = cv(acc[i]!);
  }
  return out;
}

/**
 * dot_general: out[batch…, lhsFree…, rhsFree…] = Σ_contract lhs · rhs. lhs is packed as [B, M, K] and rhs as
 * [B, N, K] (its contracting axes last) so the inner loop runs over contiguous memory on both sides.
 */
export function dotGeneralImpl([x, y]: RefVal[], { contract: [lc, rc], batch: [lb, rb] }: DotGeneralParams, [oa]: ShapedArray[]): TypedArray[] {
  const xs = x!.aval.shape, ys = y!.aval.shape;
  const lf = range(xs.length).filter((a) => !lc.includes(a) && !lb.includes(a));
  const rf = range(ys.length).filter((a) => !rc.includes(a) && !rb.includes(a));
  const size = (s: readonly number[], axes: readonly number[]) => axes.reduce((acc, a) => acc * s[a]!, 1);
  const B = size(xs, lb), M = size(xs, lf), K = size(xs, lc), N = size(ys, rf);
  const lperm = [...lb, ...lf, ...lc], rperm = [...rb, ...rf, ...rc];
  if (isInt(x!.aval.dtype) && isInt(oa!.dtype)) {
    const A = packPermuted(x!.buffer, xs, lperm, Int32Array), Bt = packPermuted(y!.buffer, ys, rperm, Int32Array);
    const C = new Int32Array(B * M * N);
    for (let b = 0; b < B; b++) gemmNTInt(A, Bt, C, M, N, K, b * M * K, b * N * K, b * M * N);
    return [finish(C, oa!)];
  }
  const A = packPermuted(x!.buffer, xs, lperm, Float64Array), Bt = packPermuted(y!.buffer, ys, rperm, Float64Array);
  const C = new Float64Array(B * M * N);
  for (let b = 0; b < B; b++) gemmNT(A, Bt, C, M, N, K, b * M * K, b * N * K, b * M * N);
  return [finish(C, oa!)];
}

/**
 * For every (output position, kernel position) pair over all spatial axes, the input's flat spatial offset it reads,
 * or -1 where the window hits padding or a hole of the lhs dilation. Along one axis, output y and kernel tap k read
 * the padded, dilated input at q = y·stride + k·rhsDilation − lowPad, a real element iff q ≥ 0, q ≡ 0 (mod lhsDilation)
 * and q / lhsDilation < size.
 */
function windowTable(inSp: readonly number[], kSp: readonly number[], outSp: readonly number[], p: ConvParams): Int32Array {
  const inSt = stridesOf(inSp);
  let tab = Int32Array.of(0), Yc = 1, Kc = 1;
  for (let a = 0; a < inSp.length; a++) {
    const Ya = outSp[a]!, Ka = kSp[a]!, S = inSp[a]!;
    const s = p.windowStrides[a]!, rd = p.rhsDilation[a]!, ld = p.lhsDilation[a]!, lo = p.padding[a]![0];
    const ta = new Int32Array(Ya * Ka);
    for (let y = 0; y < Ya; y++)
      for (let k = 0; k < Ka; k++) {
        const q = y * s + k * rd - lo;
        ta[y * Ka + k] = q >= 0 && q % ld === 0 && q / ld < S ? q / ld : -1;
      }
    const next = new Int32Array(Yc * Ya * Kc * Ka);
    for (let yc = 0; yc < Yc; yc++)
      for (let ya = 0; ya < Ya; ya++)
        for (let kc = 0; kc < Kc; kc++)
          for (let ka = 0; ka < Ka; ka++) {
            const o = tab[yc * Kc + kc]!, t = ta[ya * Ka + ka]!;
            next[(yc * Ya + ya) * (Kc * Ka) + kc * Ka + ka] = o < 0 || t < 0 ? -1 : o + t * inSt[a]!;
          }
    tab = next;
    Yc *= Ya;
    Kc *= Ka;
  }
  return tab;
}

/**
 * conv_general_dilated (XLA semantics), lhs [N, C, …], rhs [O, I, …], out [N/B, O, …]:
 *   out[n, o, y] = Σ_{i, k} lhs[g_B(o)·N/B + n, g_F(o)·I + i, window(y, k)] · rhs[o, i, k]
 * with feature group g_F(o) = o div (O/G) (C = I·G) and batch group g_B(o) = o div (O/B).
 * Per lhs image and group, the windows are unrolled (im2col) into P[y, (i, k)], matching rhs rows [o, (i, k)],
 * and out[n, o, ·] = W · Pᵀ is one GEMM.
 */
export function convImpl([x, w]: RefVal[], p: ConvParams, [oa]: ShapedArray[]): TypedArray[] {
  const xs = x!.aval.shape, ws = w!.aval.shape, os = oa!.shape;
  const [N, C] = [xs[0]!, xs[1]!], [O, I] = [ws[0]!, ws[1]!];
  const G = p.featureGroupCount, Bg = p.batchGroupCount;
  const inSp = xs.slice(2), kSp = ws.slice(2), outSp = os.slice(2);
  const Ssz = shapeSize(inSp), Ksz = shapeSize(kSp), Ysz = shapeSize(outSp), IK = I * Ksz;
  const Nout = N / Bg, Og = O / G, Ob = O / Bg;
  const tab = windowTable(inSp, kSp, outSp, p);
  const intMode = isInt(x!.aval.dtype);
  const X = intMode ? packPermuted(x!.buffer, xs, range(xs.length), Int32Array) : packPermuted(x!.buffer, xs, range(xs.length), Float64Array);
  const W = intMode ? packPermuted(w!.buffer, ws, range(ws.length), Int32Array) : packPermuted(w!.buffer, ws, range(ws.length), Float64Array);
  // im2col in chunks of output positions so P stays ≲ 8 MiB whatever the image size
  const yChunk = Math.max(1, Math.min(Ysz, Math.floor(1048576 / Math.max(IK, 1))));
  const P = intMode ? new Int32Array(yChunk * IK) : new Float64Array(yChunk * IK);
  const acc = intMode ? new Int32Array(oa!.size) : new Float64Array(oa!.size);
  for (let n = 0; n < Nout; n++)
    for (let gb = 0; gb < Bg; gb++) {
      const nn = gb * Nout + n;
      for (let gf = 0; gf < G; gf++) {
        const o0 = Math.max(gf * Og, gb * Ob), o1 = Math.min((gf + 1) * Og, (gb + 1) * Ob);
        if (o0 >= o1) continue;
        const xBase = (nn * C + gf * I) * Ssz;
        for (let y0 = 0; y0 < Ysz; y0 += yChunk) {
          const y1 = Math.min(Ysz, y0 + yChunk);
          for (let yy = y0; yy < y1; yy++)
            for (let i = 0; i < I; i++) {
              const pr = (yy - y0) * IK + i * Ksz, xb = xBase + i * Ssz, tb = yy * Ksz;
              for (let k = 0; k < Ksz; k++) {
                const t = tab[tb + k]!;
                P[pr + k] = t < 0 ? 0 : X[xb + t]!;
              }
            }
          const cOff = (n * O + o0) * Ysz + y0;
          if (intMode) gemmNTInt(W as Int32Array, P as Int32Array, acc as Int32Array, o1 - o0, y1 - y0, IK, o0 * IK, 0, cOff, Ysz);
          else gemmNT(W as Float64Array, P as Float64Array, acc as Float64Array, o1 - o0, y1 - y0, IK, o0 * IK, 0, cOff, Ysz);
        }
      }
    }
  return [finish(acc, oa!)];
}
