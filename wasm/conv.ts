// Convolution kernels: packed im2col over the output positions of one or more images of a group, written straight
// into the packed-B layout of gemmPacked (gemm.ts), so a convolution is im2col (chunk by chunk of columns) + one
// GEMM per chunk; the scatter of a chunk that spans images back into the [N, O, positions] output; and the
// tap-GEMM form (convTapsBlock): one GEMM over the input pixels per image, then the taps shifted and added.
import { MR32, MR64, NR32, NR64, gemmF32, gemmF64, gemmPackedF32, gemmPackedF64, gemmWorkBytes, packedBBytes } from './gemm';

/**
 * Window tables (built by the caller): the spatial axes are split into the outer ones (all but the last, flattened)
 * and the last. For output position y = yo·Yl + yl and kernel tap (ko, kl):
 *   tabO[ko·Yo + yo] = flat input offset of the outer axes' window element, or -1 (padding / lhs-dilation hole),
 *   tabL[kl·Yl + yl] = input offset along the last axis, or -1,
 *   runL[kl·Yl + yl] = 1 when the NR positions yl … yl+NR-1 read NR consecutive valid inputs, 2 when they read
 *                      every other input (stride 2), else 0,
 * and the element read is x[n·imgStride + i·cs + tabO + tabL] for image n, input channel i (0 where a table says -1).
 *
 * The columns are the flattened (image, position) pairs f = n·Ysz + y, so small images batch into one GEMM. Writes
 * dst = [⌈nc/NR⌉][K][NR] for the columns f0 ≤ f < f0 + nc (column c = f − f0, zero past nc) with K = I·Ko·Kl and
 * row k = (i·Ko + ko)·Kl + kl, the order of the rhs [O, I, kernel…] rows. Each strip of NR columns is written row
 * after row, NR contiguous elements at a time: one or two v128 copies when the strip lies in one row of the output
 * and the run tables allow it, else NR gathers through per-strip offsets (`offs`: Ko·Kl·NR i32 of work space).
 */
function im2col<T>(
  dst: usize, x: usize, I: i32, cs: i32, imgStride: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, runL: usize, Yl: i32, Kl: i32,
  f0: i32, nc: i32, offs: usize,
): void {
  const E = sizeof<T>();
  const NR = E == 4 ? NR32 : NR64;
  const rowBytes = <usize>NR * E; // 32 bytes for both dtypes
  const KoKl = Ko * Kl;
  for (let c0 = 0; c0 < nc; c0 += NR) {
    const cols = min(NR, nc - c0);
    const f = f0 + c0;
    const n = f / Ysz, y = f - n * Ysz;
    const yo = y / Yl, yl0 = y - yo * Yl;
    let d = dst + <usize>c0 * I * KoKl * E; // strip c0/NR starts at (c0/NR)·K·NR elements
    if (cols == NR && yl0 + NR <= Yl) {
      // the whole strip lies in one row of one image
      const xn = x + <usize>n * imgStride * E;
      for (let i = 0; i < I; i++) {
        const xi = xn + <usize>i * cs * E;
        for (let ko = 0; ko < Ko; ko++) {
          const offO = load<i32>(tabO + (<usize>ko * Yo + yo) * 4);
          if (offO < 0) {
            memory.fill(d, 0, <usize>Kl * rowBytes);
            d += <usize>Kl * rowBytes;
            continue;
          }
          const xo = xi + <usize>offO * E;
          for (let kl = 0; kl < Kl; kl++) {
            const at = <usize>kl * Yl + yl0;
            const mode = load<u8>(runL + at);
            const t0 = load<i32>(tabL + at * 4);
            const src = xo + <usize>t0 * E;
            if (mode == 1) {
              v128.store(d, v128.load(src));
              v128.store(d, v128.load(src, 16), 16);
            } else if (mode == 2) {
              // every other element: two loads per output vector, even lanes kept (reads one element past the last)
              if (E == 4) {
                v128.store(d, i32x4.shuffle(v128.load(src), v128.load(src, 16), 0, 2, 4, 6));
                v128.store(d, i32x4.shuffle(v128.load(src, 32), v128.load(src, 48), 0, 2, 4, 6), 16);
              } else {
                v128.store(d, i64x2.shuffle(v128.load(src), v128.load(src, 16), 0, 2));
                v128.store(d, i64x2.shuffle(v128.load(src, 32), v128.load(src, 48), 0, 2), 16);
              }
            } else {
              const tl = tabL + at * 4;
              for (let j = 0; j < NR; j++) {
                const t = load<i32>(tl + <usize>j * 4);
                store<T>(d + <usize>j * E, t < 0 ? <T>0 : load<T>(xo + <usize>t * E));
              }
            }
            d += rowBytes;
          }
        }
      }
    } else {
      // the strip crosses rows or images, or is the zero-padded last one: per-strip gather offsets, shared by
      // every input channel: offs[(ko·Kl + kl)·NR + j] = n_j·imgStride + tabO + tabL, or -1
      for (let j = 0; j < NR; j++) {
        const fj = f + j;
        const nj = fj / Ysz, yj = fj - nj * Ysz;
        const yoj = yj / Yl, ylj = yj - yoj * Yl;
        for (let ko = 0; ko < Ko; ko++) {
          const oO = j < cols ? load<i32>(tabO + (<usize>ko * Yo + yoj) * 4) : -1;
          for (let kl = 0; kl < Kl; kl++) {
            const oL = load<i32>(tabL + (<usize>kl * Yl + ylj) * 4);
            store<i32>(offs + ((<usize>ko * Kl + kl) * NR + j) * 4, oO < 0 || oL < 0 ? -1 : nj * imgStride + oO + oL);
          }
        }
      }
      for (let i = 0; i < I; i++) {
        const xi = x + <usize>i * cs * E;
        let o = offs;
        for (let r = 0; r < KoKl; r++) {
          for (let j = 0; j < NR; j++) {
            const t = load<i32>(o + <usize>j * 4);
            store<T>(d + <usize>j * E, t < 0 ? <T>0 : load<T>(xi + <usize>t * E));
          }
          o += <usize>NR * 4;
          d += rowBytes;
        }
      }
    }
  }
}

/** im2col for f32 operands (see im2col). */
export function im2colF32(
  dst: usize, x: usize, I: i32, cs: i32, imgStride: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, runL: usize, Yl: i32, Kl: i32,
  f0: i32, nc: i32, offs: usize,
): void {
  im2col<f32>(dst, x, I, cs, imgStride, Ysz, tabO, Yo, Ko, tabL, runL, Yl, Kl, f0, nc, offs);
}
/** im2col for f64 operands (see im2col). */
export function im2colF64(
  dst: usize, x: usize, I: i32, cs: i32, imgStride: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, runL: usize, Yl: i32, Kl: i32,
  f0: i32, nc: i32, offs: usize,
): void {
  im2col<f64>(dst, x, I, cs, imgStride, Ysz, tabO, Yo, Ko, tabL, runL, Yl, Kl, f0, nc, offs);
}

/**
 * Scatters a GEMM result over columns f0 ≤ f < f0 + nc of flattened (image, position) pairs, tmp = [M][nc], into
 * out[n][o][y] (rows o of M, image stride outStride, position y < Ysz): one contiguous copy per row and image.
 */
export function scatterColumns(tmp: usize, M: i32, nc: i32, f0: i32, Ysz: i32, out: usize, outStride: i32, esize: i32): void {
  let c = 0;
  while (c < nc) {
    const f = f0 + c;
    const n = f / Ysz, y = f - n * Ysz;
    const run = min(Ysz - y, nc - c);
    const base = out + (<usize>n * outStride + y) * esize;
    for (let o = 0; o < M; o++)
      memory.copy(base + <usize>o * Ysz * esize, tmp + (<usize>o * nc + c) * esize, <usize>run * esize);
    c += run;
  }
}

/**
 * One block of a (possibly threaded) convolution of one group: for every chunk of columns in [begin, end) —
 * images begin ≤ n < end when `batched` is 0 (their positions taken `chunk` at a time), else the flattened
 * (image, position) columns begin ≤ f < end, `chunk` at a time — C (+)= W · im2col over input channel blocks of
 * `ic` channels, exactly the sequence of operations of the unthreaded loop in src/targets/wasm/linalg.ts (so the
 * result does not depend on how the columns are split). ap: the group's rhs rows packed by packAFull (M × IK);
 * xg: the group's first input channel of image 0; outBase: output row o0 of image 0 (image stride outStride
 * elements, position stride 1). `work` (convBlockWorkBytes) holds the packed im2col block, the gather offsets,
 * the edge tile and, when batched, the M × chunk result scattered back by scatterColumns.
 */
function convBlock<T>(
  ap: usize, xg: usize, I: i32, ic: i32, Ssz: i32, imgStride: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, runL: usize, Yl: i32, Kl: i32,
  M: i32, IK: i32, outBase: usize, outStride: i32, chunk: i32, batched: i32, begin: i32, end: i32, work: usize,
): void {
  const E = sizeof<T>();
  const MR = E == 4 ? MR32 : MR64, NR = E == 4 ? NR32 : NR64;
  const KoKl = Ko * Kl;
  const bp = work;
  const offs = bp + ((<usize>packedBBytes(E, ic * KoKl, chunk) + 63) & ~63);
  const tile = offs + ((<usize>KoKl * NR * 4 + 63) & ~63);
  const tmp = tile + ((<usize>MR * NR * E + 63) & ~63);
  if (batched) {
    for (let f0 = begin; f0 < end; f0 += chunk) {
      const nc = min(chunk, end - f0);
      convChunk<T>(ap, xg, I, ic, Ssz, imgStride, Ysz, tabO, Yo, Ko, tabL, runL, Yl, Kl, M, IK, f0, nc, tmp, nc, bp, offs, tile);
      scatterColumns(tmp, M, nc, f0, Ysz, outBase, outStride, E);
    }
  } else {
    for (let n = begin; n < end; n++)
      for (let y0 = 0; y0 < Ysz; y0 += chunk)
        convChunk<T>(ap, xg, I, ic, Ssz, imgStride, Ysz, tabO, Yo, Ko, tabL, runL, Yl, Kl, M, IK, n * Ysz + y0, min(chunk, Ysz - y0),
          outBase + (<usize>n * outStride + y0) * E, Ysz, bp, offs, tile);
  }
}

/** C (+)= W[:, rows of channels i0…] · im2col(columns f0 … f0+nc, those channels), over all channel blocks. */
@inline function convChunk<T>(
  ap: usize, xg: usize, I: i32, ic: i32, Ssz: i32, imgStride: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, runL: usize, Yl: i32, Kl: i32,
  M: i32, IK: i32, f0: i32, nc: i32, c: usize, ldc: i32, bp: usize, offs: usize, tile: usize,
): void {
  const E = sizeof<T>();
  const MR = E == 4 ? MR32 : MR64;
  const KoKl = Ko * Kl;
  for (let i0 = 0; i0 < I; i0 += ic) {
    const ni = min(ic, I - i0);
    im2col<T>(bp, xg + <usize>i0 * Ssz * E, ni, Ssz, imgStride, Ysz, tabO, Yo, Ko, tabL, runL, Yl, Kl, f0, nc, offs);
    if (E == 4) gemmPackedF32(M, nc, ni * KoKl, ap + <usize>i0 * KoKl * MR * E, IK, bp, c, ldc, i0 > 0, tile);
    else gemmPackedF64(M, nc, ni * KoKl, ap + <usize>i0 * KoKl * MR * E, IK, bp, c, ldc, i0 > 0, tile);
  }
}

/** Work bytes of one convBlock participant (see convBlock). */
export function convBlockWorkBytes(esize: i32, ic: i32, KoKl: i32, chunk: i32, M: i32, batched: i32): i32 {
  const MR = esize == 4 ? MR32 : MR64, NR = esize == 4 ? NR32 : NR64;
  const r = (b: i32): i32 => (b + 63) & ~63;
  return r(packedBBytes(esize, ic * KoKl, chunk)) + r(KoKl * NR * 4) + r(MR * NR * esize) + (batched ? r(M * chunk * esize) : 0);
}

/** convBlock for f32 (see convBlock). */
export function convBlockF32(
  ap: usize, xg: usize, I: i32, ic: i32, Ssz: i32, imgStride: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, runL: usize, Yl: i32, Kl: i32,
  M: i32, IK: i32, outBase: usize, outStride: i32, chunk: i32, batched: i32, begin: i32, end: i32, work: usize,
): void {
  convBlock<f32>(ap, xg, I, ic, Ssz, imgStride, Ysz, tabO, Yo, Ko, tabL, runL, Yl, Kl, M, IK, outBase, outStride, chunk, batched, begin, end, work);
}
/** convBlock for f64 (see convBlock). */
export function convBlockF64(
  ap: usize, xg: usize, I: i32, ic: i32, Ssz: i32, imgStride: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, runL: usize, Yl: i32, Kl: i32,
  M: i32, IK: i32, outBase: usize, outStride: i32, chunk: i32, batched: i32, begin: i32, end: i32, work: usize,
): void {
  convBlock<f64>(ap, xg, I, ic, Ssz, imgStride, Ysz, tabO, Yo, Ko, tabL, runL, Yl, Kl, M, IK, outBase, outStride, chunk, batched, begin, end, work);
}

/**
 * The tap-GEMM form of a convolution (groups 1, no lhs dilation), for images begin ≤ n < end: Z = W'·x_n, one GEMM
 * with rows (o, tap) of W' (M = O·Ksz rows of depth I, row-major, built by the caller), columns the Ssz input pixels
 * of image n, then out[n, o, y] = Σ_tap Z[(o, tap), src(y, tap)], src from the window tables (tabO for the outer
 * axes, tabL for the last; -1 = padding). Where taps along the last axis read consecutive inputs (`unit`), the valid
 * output range of each tap kl is rngL[2kl] ≤ yl < rngL[2kl+1] and the rows are added by v128. It moves O·Ksz·Ssz
 * values instead of im2col's I·Ksz·Ysz: the better form when O < I (the input gradient of a widening layer).
 * The result of each image depends only on that image: bit-identical however the images are split across threads.
 * `work`: convTapsWorkBytes (Z, then the GEMM's packing space).
 */
function convTaps<T>(
  wp: usize, x: usize, I: i32, Ssz: i32, imgStride: i32, O: i32, Ksz: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, rngL: usize, unit: i32, Yl: i32, Kl: i32,
  out: usize, outStride: i32, begin: i32, end: i32, work: usize,
): void {
  const E = sizeof<T>();
  const M = O * Ksz;
  const z = work;
  const gw = z + ((<usize>M * Ssz * E + 63) & ~63);
  for (let n = begin; n < end; n++) {
    const xn = x + <usize>n * imgStride * E;
    if (E == 4) gemmF32(1, M, Ssz, I, wp, 0, I, 1, xn, 0, Ssz, 1, z, 0, Ssz, gw);
    else gemmF64(1, M, Ssz, I, wp, 0, I, 1, xn, 0, Ssz, 1, z, 0, Ssz, gw);
    const on = out + <usize>n * outStride * E;
    memory.fill(on, 0, <usize>O * Ysz * E);
    for (let o = 0; o < O; o++) {
      const oo = on + <usize>o * Ysz * E;
      for (let ko = 0; ko < Ko; ko++)
        for (let kl = 0; kl < Kl; kl++) {
          const zr = z + <usize>((o * Ko + ko) * Kl + kl) * Ssz * E;
          const a = load<i32>(rngL + <usize>kl * 8), b = load<i32>(rngL + <usize>kl * 8 + 4);
          for (let yo = 0; yo < Yo; yo++) {
            const so = load<i32>(tabO + (<usize>ko * Yo + yo) * 4);
            if (so < 0) continue;
            const dst = oo + <usize>yo * Yl * E;
            if (unit) {
              if (a >= b) continue;
              const src = zr + <usize>(so + load<i32>(tabL + (<usize>kl * Yl + a) * 4)) * E;
              addRow<T>(dst + <usize>a * E, src, b - a);
            } else {
              for (let yl = 0; yl < Yl; yl++) {
                const sl = load<i32>(tabL + (<usize>kl * Yl + yl) * 4);
                if (sl >= 0) store<T>(dst + <usize>yl * E, load<T>(dst + <usize>yl * E) + load<T>(zr + <usize>(so + sl) * E));
              }
            }
          }
        }
    }
  }
}

/** dst[0..n) += src[0..n). */
@inline function addRow<T>(dst: usize, src: usize, n: i32): void {
  const E = sizeof<T>();
  const L = 16 / E;
  let j = 0;
  for (; j + L <= n; j += L) {
    const q = <usize>j * E;
    if (E == 4) v128.store(dst + q, f32x4.add(v128.load(dst + q), v128.load(src + q)));
    else v128.store(dst + q, f64x2.add(v128.load(dst + q), v128.load(src + q)));
  }
  for (; j < n; j++) store<T>(dst + <usize>j * E, load<T>(dst + <usize>j * E) + load<T>(src + <usize>j * E));
}

/** Work bytes of one convTaps participant: Z (M × Ssz) and the GEMM's packing space. */
export function convTapsWorkBytes(esize: i32, M: i32, Ssz: i32): i32 {
  return ((M * Ssz * esize + 63) & ~63) + gemmWorkBytes(esize);
}

/** convTaps for f32 (see convTaps). */
export function convTapsF32(
  wp: usize, x: usize, I: i32, Ssz: i32, imgStride: i32, O: i32, Ksz: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, rngL: usize, unit: i32, Yl: i32, Kl: i32,
  out: usize, outStride: i32, begin: i32, end: i32, work: usize,
): void {
  convTaps<f32>(wp, x, I, Ssz, imgStride, O, Ksz, Ysz, tabO, Yo, Ko, tabL, rngL, unit, Yl, Kl, out, outStride, begin, end, work);
}
/** convTaps for f64 (see convTaps). */
export function convTapsF64(
  wp: usize, x: usize, I: i32, Ssz: i32, imgStride: i32, O: i32, Ksz: i32, Ysz: i32,
  tabO: usize, Yo: i32, Ko: i32, tabL: usize, rngL: usize, unit: i32, Yl: i32, Kl: i32,
  out: usize, outStride: i32, begin: i32, end: i32, work: usize,
): void {
  convTaps<f64>(wp, x, I, Ssz, imgStride, O, Ksz, Ysz, tabO, Yo, Ko, tabL, rngL, unit, Yl, Kl, out, outStride, begin, end, work);
}
