// Winograd F(4×4, 3×3) and F(2×2, 5×5) convolution kernels (f32, NCHW, stride 1, one group): the filter transform into
// gemmPacked's packed-A layout, and blocks of (image, tile chunk) units, each transforming its input patches straight
// into the packed-B layout, running the 36 GEMMs against the transformed filter and transforming the products back into
// the output. Both forms read 6×6 input patches through the same Bᵀ (their points are 0, ±1, ±2, ∞); 4 tiles ride in
// the 4 lanes of a v128 through both transforms. Tiles whose products are not all finite are summed directly (the
// transforms would spread an inf or NaN over the whole tile).
import { MR32, NR32, gemmPackedF32, packedABytes, packedBBytes } from './gemm';
import { transpose4 } from './simd';

// Lavin & Gray's F(4×4, 3×3): y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for a 6×6 input patch d and a 3×3 filter g.

/** o[i] = (G·(a, b, c))[i] for i < 6, stored at o + i·step (bytes). */
// @ts-ignore: decorator
@inline function gCol(a: f32, b: f32, c: f32, o: usize, step: usize): void {
  store<f32>(o, a * 0.25);
  store<f32>(o + step, (a + b + c) * <f32>(-1.0 / 6.0));
  store<f32>(o + 2 * step, (a - b + c) * <f32>(-1.0 / 6.0));
  store<f32>(o + 3 * step, a * <f32>(1.0 / 24.0) + b * <f32>(1.0 / 12.0) + c * <f32>(1.0 / 6.0));
  store<f32>(o + 4 * step, a * <f32>(1.0 / 24.0) - b * <f32>(1.0 / 12.0) + c * <f32>(1.0 / 6.0));
  store<f32>(o + 5 * step, c);
}

/**
 * Transformed filter for all (o, c) of w [O, C, 3, 3]: 36 matrices U[ξ] = (G g Gᵀ)[ξ] of O × C, each in the fully
 * packed A form of gemmPacked ([⌈O/MR⌉][C][MR], rows past O zero) at up + ξ·packedABytes(4, O, C). `tmp`: 72 bytes.
 */
export function winogradFilterF32(w: usize, O: i32, C: i32, up: usize, tmp: usize): void {
  const pa = <usize>packedABytes(4, O, C);
  memory.fill(up, 0, pa * 36);
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C; c++) {
      const g = w + ((<usize>(o * C + c) * 9) << 2);
      // t = G g: 6 × 3, at tmp + (i·3 + k)·4
      for (let k = 0; k < 3; k++) gCol(load<f32>(g + (<usize>k << 2)), load<f32>(g + (<usize>(3 + k) << 2)), load<f32>(g + (<usize>(6 + k) << 2)), tmp + (<usize>k << 2), 12);
      // U = t Gᵀ: row i of t through G gives U[i][0..6); element (o, c) of matrix ξ = i·6 + j
      const at = up + ((<usize>(o / MR32) * C + c) * MR32 + (o % MR32)) * 4;
      for (let i = 0; i < 6; i++) {
        const r = tmp + <usize>i * 12;
        gCol(load<f32>(r), load<f32>(r, 4), load<f32>(r, 8), at + <usize>i * 6 * pa, pa);
      }
    }
}

/** o[i] = (G·(a, b, c, d, e))[i] for i < 6 (F(2×2, 5×5)'s G), stored at o + i·step (bytes). */
// @ts-ignore: decorator
@inline function gCol5(a: f32, b: f32, c: f32, d: f32, e: f32, o: usize, step: usize): void {
  const ace: f32 = a + c + e, bd: f32 = b + d;
  const p: f32 = a * <f32>(1.0 / 24.0) + c * <f32>(1.0 / 6.0) + e * <f32>(2.0 / 3.0), q: f32 = b * <f32>(1.0 / 12.0) + d * <f32>(1.0 / 3.0);
  store<f32>(o, a * 0.25);
  store<f32>(o + step, (ace + bd) * <f32>(-1.0 / 6.0));
  store<f32>(o + 2 * step, (bd - ace) * <f32>(1.0 / 6.0));
  store<f32>(o + 3 * step, p + q);
  store<f32>(o + 4 * step, p - q);
  store<f32>(o + 5 * step, e);
}

/**
 * winogradFilterF32 for 5×5 filters w [O, C, 5, 5] (F(2×2, 5×5)): the 36 matrices (G g Gᵀ)[ξ] in the same packed
 * layout. `tmp`: 120 bytes.
 */
export function winogradFilter25F32(w: usize, O: i32, C: i32, up: usize, tmp: usize): void {
  const pa = <usize>packedABytes(4, O, C);
  memory.fill(up, 0, pa * 36);
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C; c++) {
      const g = w + ((<usize>(o * C + c) * 25) << 2);
      // t = G g: 6 × 5, at tmp + (i·5 + k)·4
      for (let k = 0; k < 5; k++) {
        const gk = g + (<usize>k << 2);
        gCol5(load<f32>(gk), load<f32>(gk, 20), load<f32>(gk, 40), load<f32>(gk, 60), load<f32>(gk, 80), tmp + (<usize>k << 2), 20);
      }
      const at = up + ((<usize>(o / MR32) * C + c) * MR32 + (o % MR32)) * 4;
      for (let i = 0; i < 6; i++) {
        const r = tmp + <usize>i * 20;
        gCol5(load<f32>(r), load<f32>(r, 4), load<f32>(r, 8), load<f32>(r, 12), load<f32>(r, 16), at + <usize>i * 6 * pa, pa);
      }
    }
}

/** The six outputs of Bᵀ·z for z = the vectors at p + k·ps (k < 6), stored at q + i·qs. */
// @ts-ignore: decorator
@inline function bt6(p: usize, ps: usize, q: usize, qs: usize): void {
  const z0 = v128.load(p), z1 = v128.load(p + ps), z2 = v128.load(p + 2 * ps), z3 = v128.load(p + 3 * ps), z4 = v128.load(p + 4 * ps), z5 = v128.load(p + 5 * ps);
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  // 4z0 − 5z2 + z4; −4(z1 + z2) + z3 + z4; 4(z1 − z2) − z3 + z4; −2(z1 − z3) − z2 + z4; 2(z1 − z3) − z2 + z4; 4z1 − 5z3 + z5
  const a = f32x4.add(z3, z4), b = f32x4.sub(z4, z3), c = f32x4.sub(z4, z2), d = f32x4.mul(two, f32x4.sub(z1, z3));
  v128.store(q, f32x4.add(f32x4.sub(f32x4.mul(four, z0), f32x4.mul(five, z2)), z4));
  v128.store(q + qs, f32x4.sub(a, f32x4.mul(four, f32x4.add(z1, z2))));
  v128.store(q + 2 * qs, f32x4.add(b, f32x4.mul(four, f32x4.sub(z1, z2))));
  v128.store(q + 3 * qs, f32x4.sub(c, d));
  v128.store(q + 4 * qs, f32x4.add(c, d));
  v128.store(q + 5 * qs, f32x4.add(f32x4.sub(f32x4.mul(four, z1), f32x4.mul(five, z3)), z5));
}

/** The four outputs of Aᵀ·m for m = the vectors at p + k·ps (k < 6), stored at q + i·qs. */
// @ts-ignore: decorator
@inline function at6(p: usize, ps: usize, q: usize, qs: usize): void {
  const m0 = v128.load(p), m1 = v128.load(p + ps), m2 = v128.load(p + 2 * ps), m3 = v128.load(p + 3 * ps), m4 = v128.load(p + 4 * ps), m5 = v128.load(p + 5 * ps);
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2), s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
  v128.store(q, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(q + qs, f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34)));
  v128.store(q + 2 * qs, f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34)));
  v128.store(q + 3 * qs, f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), m5));
}

/** The two outputs of F(2×2, 5×5)'s Aᵀ·m for m = the vectors at p + k·ps (k < 6), stored at q + i·qs. */
// @ts-ignore: decorator
@inline function at2(p: usize, ps: usize, q: usize, qs: usize): void {
  const m0 = v128.load(p), m1 = v128.load(p + ps), m2 = v128.load(p + 2 * ps), m3 = v128.load(p + 3 * ps), m4 = v128.load(p + 4 * ps), m5 = v128.load(p + 5 * ps);
  v128.store(q, f32x4.add(f32x4.add(f32x4.add(m0, m1), f32x4.add(m2, m3)), m4));
  v128.store(q + qs, f32x4.add(f32x4.add(f32x4.sub(m1, m2), f32x4.mul(f32x4.splat(2), f32x4.sub(m3, m4))), m5));
}

/** Row stride (elements) of the staged input: the m·tw + 2 or + 4 columns the tiles read, and room for the v128 loads past them. */
// @ts-ignore: decorator
@inline function stageWidth(tw: i32, m: i32): i32 {
  return tw * m + 8;
}

/** The most images a unit of `chunk` consecutive tiles touches (images of T tiles): its staging table's entries. */
// @ts-ignore: decorator
@inline function unitImages(chunk: i32, T: i32): i32 {
  return (chunk + T - 2) / T + 1;
}

/** Bytes of a unit's staging table and of one channel's staged rows, at most (see stageTable). */
// @ts-ignore: decorator
@inline function stageBytes(chunk: i32, tw: i32, m: i32, T: i32): i32 {
  const imgs = unitImages(chunk, T);
  return imgs * 8 + (((chunk + tw - 1) / tw + imgs) * m + 6 * imgs) * stageWidth(tw, m) * 4;
}

/**
 * The staging table of a unit (tiles [g0, g0 + nt) of images of T tiles, tw per tile row): per image n0 … n1 it
 * touches, its first tile row and the byte offset of its staged rows (at info + (n − n0)·8). Returns the bytes of one
 * channel's staged rows.
 */
// @ts-ignore: decorator
@inline function stageTable(m: i32, g0: i32, nt: i32, T: i32, tw: i32, wpb: usize, info: usize): usize {
  const n0 = g0 / T, n1 = (g0 + nt - 1) / T;
  let off: usize = 0;
  for (let n = n0; n <= n1; n++) {
    const lo = max(g0, n * T) - n * T, hi = min(g0 + nt, (n + 1) * T) - n * T;
    const tr0 = lo / tw, tr1 = (hi - 1) / tw;
    store<i32>(info + (<usize>(n - n0) << 3), tr0);
    store<i32>(info + (<usize>(n - n0) << 3), <i32>off, 4);
    off += <usize>((tr1 - tr0) * m + 6) * wpb;
  }
  return off;
}

/**
 * Stages one channel of the unit's images: tile rows [tr0, tr1] of image n read input rows tr0·m − pt … tr1·m − pt + 5,
 * copied into a zero-bordered block at stage + its table offset (row stride WP, column 0 = input column −pl), so that
 * no patch load needs a bounds test. Image n's plane of this channel is at xc + n·ns bytes.
 */
// @ts-ignore: decorator
@inline function stageChannel(m: i32, g0: i32, nt: i32, T: i32, tw: i32, WP: i32, info: usize, stage: usize, xc: usize, ns: usize, H: i32, W: i32, pt: i32, pl: i32): void {
  const wpb = <usize>WP * 4;
  const n0 = g0 / T, n1 = (g0 + nt - 1) / T;
  for (let n = n0; n <= n1; n++) {
    const lo = max(g0, n * T) - n * T, hi = min(g0 + nt, (n + 1) * T) - n * T;
    const tr0 = lo / tw, rows = ((hi - 1) / tw - tr0) * m + 6, row0 = tr0 * m - pt;
    const sb = stage + <usize>load<i32>(info + (<usize>(n - n0) << 3), 4);
    const xn = xc + <usize>n * ns;
    memory.fill(sb, 0, <usize>rows * wpb);
    const c0 = max(0, pl), c1 = min(WP, W + pl);
    if (c1 > c0)
      for (let rr = 0; rr < rows; rr++) {
        const yy = row0 + rr;
        if (yy < 0 || yy >= H) continue;
        memory.copy(sb + <usize>rr * wpb + <usize>c0 * 4, xn + (<usize>yy * W + (c0 - pl)) * 4, <usize>(c1 - c0) * 4);
      }
  }
}

/**
 * The 6 × 6 patches of four tiles side by side in one tile row, from staged rows at `base` (row stride wpb bytes):
 * element (r, s) of the 4 tiles (one per lane) stored at tmp + (r·6 + s)·16, rows by v128 loads, lanes by shuffles.
 */
// @ts-ignore: decorator
@inline function patches4(m: i32, base: usize, wpb: usize, tmp: usize): void {
  for (let rr = 0; rr < 6; rr++) {
    const s = base + <usize>rr * wpb;
    const q = tmp + <usize>rr * 96;
    if (m == 4) {
      const v0 = v128.load(s), v1 = v128.load(s, 16), v2 = v128.load(s, 32), v3 = v128.load(s, 48);
      const v4 = v128.load(s, 64); // lanes 2, 3: past the 18 columns, unused (stageWidth leaves room)
      transpose4(v0, v1, v2, v3, q, 16);
      const a = i32x4.shuffle(v1, v2, 0, 4, 1, 5), b = i32x4.shuffle(v3, v4, 0, 4, 1, 5);
      v128.store(q, i32x4.shuffle(a, b, 0, 1, 4, 5), 64);
      v128.store(q, i32x4.shuffle(a, b, 2, 3, 6, 7), 80);
    } else {
      // tile k's column j is staged column 2k + j: columns 0..11 in three vectors, lanes picked by shuffles
      const v0 = v128.load(s), v1 = v128.load(s, 16), v2 = v128.load(s, 32);
      const u1 = i32x4.shuffle(v1, v2, 0, 2, 4, 6), u2 = i32x4.shuffle(v1, v2, 1, 3, 5, 7);
      v128.store(q, i32x4.shuffle(v0, v1, 0, 2, 4, 6));
      v128.store(q, i32x4.shuffle(v0, v1, 1, 3, 5, 7), 16);
      v128.store(q, i32x4.shuffle(v0, u1, 2, 4, 5, 6), 32);
      v128.store(q, i32x4.shuffle(v0, u2, 3, 4, 5, 6), 48);
      v128.store(q, u1, 64);
      v128.store(q, u2, 80);
    }
  }
}

/**
 * Bytes of one participant's work space for units of `chunk` tiles (images of T tiles, tw per tile row, output tiles
 * m × m): V (36 packed B blocks), the products (36 × O × chunk), the staged input rows of one channel of every image the
 * unit touches and their table, the transforms' vectors, the GEMM's edge tile.
 */
export function winogradWorkBytes(C: i32, O: i32, chunk: i32, tw: i32, m: i32, T: i32): i32 {
  return 36 * packedBBytes(4, C, chunk) + 36 * O * chunk * 4 + stageBytes(chunk, tw, m, T) + 2 * 36 * 16 + MR32 * NR32 * 4 + 64;
}

/**
 * Units begin ≤ u < end of the convolution out[n, o] = Σ_c x[n, c] ⋆ w[o, c] (3×3, stride 1, padding pt/pl, output
 * oh × ow) by F(4×4, 3×3): the N images' th × tw tiles are numbered image by image, row by row (tw a multiple of 4:
 * tiles past the right edge are computed and dropped, so any 4 consecutive tiles lie in one row), and unit u is tiles
 * [u·chunk, u·chunk + chunk) of the NT = N·th·tw (chunk a multiple of 8; a unit may span images, so small images still
 * give the GEMMs wide panels). `up`: winogradFilterF32's transformed filter; `w`: the filter itself (for the direct
 * sums). Every output is computed in the same way whatever the units: bit-identical across threads.
 */
export function winogradBlockF32(
  up: usize, w: usize, x: usize, C: i32, H: i32, W: i32, O: i32, oh: i32, ow: i32, th: i32, tw: i32, pt: i32, pl: i32,
  out: usize, chunk: i32, NT: i32, begin: i32, end: i32, work: usize,
): void {
  block(4, up, w, x, C, H, W, O, oh, ow, th, tw, pt, pl, out, chunk, NT, begin, end, work);
}

/** winogradBlockF32's contract for F(2×2, 5×5): 5×5 filters, 2×2 output tiles (`up` from winogradFilter25F32). */
export function winogradBlock25F32(
  up: usize, w: usize, x: usize, C: i32, H: i32, W: i32, O: i32, oh: i32, ow: i32, th: i32, tw: i32, pt: i32, pl: i32,
  out: usize, chunk: i32, NT: i32, begin: i32, end: i32, work: usize,
): void {
  block(2, up, w, x, C, H, W, O, oh, ow, th, tw, pt, pl, out, chunk, NT, begin, end, work);
}

/** F(m×m, r×r), r = 7 − m, over units begin ≤ u < end (inlined with a constant m: one specialised body per form). */
// @ts-ignore: decorator
@inline function block(
  m: i32, up: usize, w: usize, x: usize, C: i32, H: i32, W: i32, O: i32, oh: i32, ow: i32, th: i32, tw: i32, pt: i32, pl: i32,
  out: usize, chunk: i32, NT: i32, begin: i32, end: i32, work: usize,
): void {
  const r = 7 - m;
  const pa = <usize>packedABytes(4, O, C), vb = <usize>packedBBytes(4, C, chunk), mb = <usize>O * chunk * 4;
  const V = work, M = V + 36 * vb, tmp = M + 36 * mb, tmp2 = tmp + 36 * 16, tile = tmp2 + 36 * 16, info = tile + MR32 * NR32 * 4;
  const T = th * tw, plane = <usize>H * W;
  const stage = info + <usize>unitImages(chunk, T) * 8;
  const WP = stageWidth(tw, m), wpb = <usize>WP * 4;
  for (let u = begin; u < end; u++) {
    const g0 = u * chunk, nt = min(chunk, NT - g0);
    if (nt <= 0) continue;
    const nt4 = (nt + 3) & ~3;
    const n0 = g0 / T;
    stageTable(m, g0, nt, T, tw, wpb, info);
    for (let c = 0; c < C; c++) {
      stageChannel(m, g0, nt, T, tw, WP, info, stage, x + (<usize>c * plane) * 4, <usize>C * plane * 4, H, W, pt, pl);
      for (let tl = 0; tl < nt4; tl += 4) {
        const g = g0 + tl, n = g / T, t = g - n * T, tr = t / tw, tcol = t - tr * tw;
        // four tiles side by side in one tile row (tw is a multiple of 4)
        const ib = info + (<usize>(n - n0) << 3);
        patches4(m, stage + <usize>load<i32>(ib, 4) + <usize>((tr - load<i32>(ib)) * m) * wpb + <usize>(tcol * m) * 4, wpb, tmp);
        // Bᵀ d: columns (over rows r), then (·)B: rows, straight into V
        for (let s = 0; s < 6; s++) bt6(tmp + <usize>s * 16, 96, tmp2 + <usize>s * 16, 96);
        const dst = V + ((<usize>(tl / NR32) * C + c) * NR32 + (tl % NR32)) * 4;
        for (let i = 0; i < 6; i++) bt6(tmp2 + <usize>i * 96, 16, dst + <usize>i * 6 * vb, vb);
      }
    }
    // the 36 products M[ξ] = U[ξ] · V[ξ]: O × nt4, row stride chunk
    for (let xi = 0; xi < 36; xi++)
      gemmPackedF32(O, nt4, C, up + <usize>xi * pa, C, V + <usize>xi * vb, M + <usize>xi * mb, chunk, false, tile);
    // output transform: 4 tiles at a time
    for (let o = 0; o < O; o++) {
      for (let tl = 0; tl < nt4; tl += 4) {
        const src = M + (<usize>o * chunk + tl) * 4;
        // lanes whose 36 products are not all finite (v − v is NaN there)
        let bad = f32x4.splat(0);
        for (let xi = 0; xi < 36; xi++) {
          const v = v128.load(src + <usize>xi * mb);
          bad = f32x4.add(bad, f32x4.sub(v, v));
        }
        const finite = f32x4.eq(bad, bad);
        const g = g0 + tl;
        if (m == 2) {
          // Aᵀ over the rows, then over the columns: output (i, j) of the 4 tiles at tmp2 + (i·2 + j)·16
          for (let j = 0; j < 6; j++) at2(src + <usize>j * mb, 6 * mb, tmp + <usize>j * 16, 96);
          for (let i = 0; i < 2; i++) at2(tmp + <usize>i * 96, 16, tmp2 + <usize>i * 32, 16);
          v128.store(tmp2, finite, 64);
          for (let k = 0; k < 4; k++) {
            if (tl + k >= nt) break;
            const gk = g + k, nk = gk / T, tk = gk - nk * T, tkr = tk / tw, tkc = tk - tkr * tw;
            const yo = out + (<usize>(nk * O + o) * oh * ow) * 4;
            const oy = tkr * 2, ox = tkc * 2;
            const ok = load<i32>(tmp2 + 64 + (<usize>k << 2)) != 0;
            for (let i = 0; i < 2; i++) {
              if (oy + i >= oh) break;
              for (let j = 0; j < 2; j++) {
                if (ox + j >= ow) break;
                const v = ok ? load<f32>(tmp2 + <usize>(i * 2 + j) * 16 + (<usize>k << 2)) : directSum(x, w, nk, o, C, H, W, oy + i - pt, ox + j - pl, r);
                store<f32>(yo + (<usize>(oy + i) * ow + ox + j) * 4, v);
              }
            }
          }
          continue;
        }
        for (let j = 0; j < 6; j++) at6(src + <usize>j * mb, 6 * mb, tmp + <usize>j * 16, 96);
        for (let i = 0; i < 4; i++) at6(tmp + <usize>i * 96, 16, tmp2 + <usize>i * 64, 16);
        // tmp2 + (i·4 + j)·16: output (i, j) of the 4 tiles; transposed per row i into tile k's row i at tmp + (k·4 + i)·16
        for (let i = 0; i < 4; i++) {
          const p = tmp2 + <usize>i * 64;
          transpose4(v128.load(p), v128.load(p, 16), v128.load(p, 32), v128.load(p, 48), tmp + <usize>i * 16, 64);
        }
        v128.store(tmp2, finite);
        for (let k = 0; k < 4; k++) {
          if (tl + k >= nt) break;
          const gk = g + k, nk = gk / T, tk = gk - nk * T, tkr = tk / tw, tkc = tk - tkr * tw;
          const yo = out + (<usize>(nk * O + o) * oh * ow) * 4;
          const oy = tkr * 4, ox = tkc * 4;
          const cols = min(4, ow - ox);
          if (load<i32>(tmp2 + (<usize>k << 2)) != 0) {
            for (let i = 0; i < 4; i++) {
              if (oy + i >= oh) break;
              const d = yo + (<usize>(oy + i) * ow + ox) * 4, q = tmp + <usize>(k * 4 + i) * 16;
              if (cols == 4) v128.store(d, v128.load(q));
              else for (let j = 0; j < cols; j++) store<f32>(d + (<usize>j << 2), load<f32>(q + (<usize>j << 2)));
            }
          } else {
            for (let i = 0; i < 4; i++) {
              if (oy + i >= oh) break;
              for (let j = 0; j < cols; j++) store<f32>(yo + (<usize>(oy + i) * ow + ox + j) * 4, directSum(x, w, nk, o, C, H, W, oy + i - pt, ox + j - pl, r));
            }
          }
        }
      }
    }
  }
}

/** Σ_c Σ_r×r x[n, c, iy + kh, ix + kw]·w[o, c, kh, kw], padding as 0·w (as lax.conv_general_dilated: NaN for w = ±inf). */
function directSum(x: usize, w: usize, n: i32, o: i32, C: i32, H: i32, W: i32, iy: i32, ix: i32, r: i32): f32 {
  let acc: f32 = 0;
  for (let c = 0; c < C; c++) {
    const xc = x + (<usize>(n * C + c) * H * W) * 4, wc = w + (<usize>(o * C + c) * r * r) * 4;
    for (let kh = 0; kh < r; kh++)
      for (let kw = 0; kw < r; kw++) {
        const yy = iy + kh, xx = ix + kw;
        const v: f32 = yy >= 0 && xx >= 0 && yy < H && xx < W ? load<f32>(xc + (<usize>yy * W + xx) * 4) : 0;
        acc += v * load<f32>(wc + (<usize>(kh * r + kw)) * 4);
      }
  }
  return acc;
}

// ---- filter gradients ------------------------------------------------------------------------------------------
// A convolution whose output is only r × r (r = 3 or 5) and whose "filter" is large is a filter gradient:
// out[c, o, a, b] = Σ_n Σ_{i,j} x[c, n, i + a − pt, j + b − pl] · dy[o, n, i, j]. It is the adjoint of the forward
// Winograd form: over m×m tiles e of dy and the 6×6 input patches d under them,
// out[c, o] = Gᵀ [Σ_tiles (A e Aᵀ) ⊙ (Bᵀ d B)] G, so 36 GEMMs S[ξ] (o × c) += Z[ξ] (o × tiles) · V[ξ]ᵀ (tiles × c)
// accumulate over the tiles, and one small transform per (o, c) ends it.

/** The six outputs of A·(e0 … e_{m−1}) (A = (Aᵀ)ᵀ of F(m×m, ·)) for the m vectors at p + k·ps, stored at q + i·qs. */
// @ts-ignore: decorator
@inline function a6(m: i32, p: usize, ps: usize, q: usize, qs: usize): void {
  const two = f32x4.splat(2);
  if (m == 2) {
    const e0 = v128.load(p), e1 = v128.load(p + ps), d = f32x4.mul(two, e1);
    v128.store(q, e0);
    v128.store(q + qs, f32x4.add(e0, e1));
    v128.store(q + 2 * qs, f32x4.sub(e0, e1));
    v128.store(q + 3 * qs, f32x4.add(e0, d));
    v128.store(q + 4 * qs, f32x4.sub(e0, d));
    v128.store(q + 5 * qs, e1);
  } else {
    const e0 = v128.load(p), e1 = v128.load(p + ps), e2 = v128.load(p + 2 * ps), e3 = v128.load(p + 3 * ps);
    const ev = f32x4.add(e0, e2), od = f32x4.add(e1, e3);
    const ev4 = f32x4.add(e0, f32x4.mul(f32x4.splat(4), e2)), od2 = f32x4.mul(two, f32x4.add(e1, f32x4.mul(f32x4.splat(4), e3)));
    v128.store(q, e0);
    v128.store(q + qs, f32x4.add(ev, od));
    v128.store(q + 2 * qs, f32x4.sub(ev, od));
    v128.store(q + 3 * qs, f32x4.add(ev4, od2));
    v128.store(q + 4 * qs, f32x4.sub(ev4, od2));
    v128.store(q + 5 * qs, e3);
  }
}

/**
 * Bytes of one participant's work space for winogradGradBlockF32 (units of `chunk` tiles, images of T tiles, tw per
 * tile row, m × m tiles, Cf input channels, O output channels).
 */
export function winogradGradWorkBytes(Cf: i32, O: i32, chunk: i32, tw: i32, m: i32, T: i32): i32 {
  // (four channels' staged rows: the table counted once more per extra channel, a few bytes of slack)
  return 36 * packedABytes(4, Cf, chunk) + 36 * packedBBytes(4, chunk, O) + 6 * 36 * 16 + MR32 * NR32 * 4 + 4 * stageBytes(chunk, tw, m, T) + 64;
}

/**
 * Units begin ≤ u < end of a filter gradient by F(4×4, 3×3) (3×3 output): x [Cf, Nf, H, W], dy [O, Nf, oh, ow]; the Nf
 * images' th × tw tiles of dy numbered as in winogradBlockF32, tw a multiple of 4 (tiles past the edge see zero dy,
 * so any 4 consecutive tiles lie in one row), unit u = tiles [u·chunk, u·chunk + chunk) of NT (chunk a multiple of 8). The
 * units' products are summed into S ([36][Cf][O]), written by the first unit (so one accumulation group per call, in
 * unit order: the sums do not depend on how groups are spread over threads); winogradGradFinishF32 ends it.
 */
export function winogradGradBlockF32(
  x: usize, dy: usize, Cf: i32, Nf: i32, H: i32, W: i32, O: i32, oh: i32, ow: i32, th: i32, tw: i32, pt: i32, pl: i32,
  S: usize, chunk: i32, NT: i32, begin: i32, end: i32, work: usize,
): void {
  gradBlock(4, x, dy, Cf, Nf, H, W, O, oh, ow, th, tw, pt, pl, S, chunk, NT, begin, end, work);
}

/** winogradGradBlockF32 for 5×5 outputs by F(2×2, 5×5). */
export function winogradGradBlock25F32(
  x: usize, dy: usize, Cf: i32, Nf: i32, H: i32, W: i32, O: i32, oh: i32, ow: i32, th: i32, tw: i32, pt: i32, pl: i32,
  S: usize, chunk: i32, NT: i32, begin: i32, end: i32, work: usize,
): void {
  gradBlock(2, x, dy, Cf, Nf, H, W, O, oh, ow, th, tw, pt, pl, S, chunk, NT, begin, end, work);
}

/** The filter gradient's units begin ≤ u < end by F(m×m, ·) (inlined with a constant m: one body per form). */
// @ts-ignore: decorator
@inline function gradBlock(
  m: i32, x: usize, dy: usize, Cf: i32, Nf: i32, H: i32, W: i32, O: i32, oh: i32, ow: i32, th: i32, tw: i32, pt: i32, pl: i32,
  S: usize, chunk: i32, NT: i32, begin: i32, end: i32, work: usize,
): void {
  const vb = <usize>packedABytes(4, Cf, chunk), zb = <usize>packedBBytes(4, chunk, O);
  const CfP = ((Cf + MR32 - 1) / MR32) * MR32; // rows of the packed V
  const V = work, Z = V + 36 * vb, tq = Z + 36 * zb, tmp = tq + 4 * 36 * 16, tmp2 = tmp + 36 * 16, tile = tmp2 + 36 * 16, info = tile + MR32 * NR32 * 4;
  const T = th * tw, plane = <usize>H * W, dplane = <usize>oh * ow;
  const WP = stageWidth(tw, m), wpb = <usize>WP * 4;
  const stage = info + <usize>unitImages(chunk, T) * 8;
  for (let u = begin; u < end; u++) {
    const g0 = u * chunk, nt = min(chunk, NT - g0);
    if (nt <= 0) continue;
    const nt4 = (nt + 3) & ~3;
    const n0 = g0 / T;
    const sbytes = stageTable(m, g0, nt, T, tw, wpb, info); // one channel's staged rows
    // V[ξ] (rows = input channels c, depth = the unit's tiles): packed A [⌈Cf/MR⌉][nt][MR], four channels at a time:
    // each channel's patches transformed with 4 tiles in the lanes, then transposed to 4 channels in the lanes
    for (let c0 = 0; c0 < Cf; c0 += 4) {
      const nc = min(4, Cf - c0);
      for (let q = 0; q < nc; q++)
        stageChannel(m, g0, nt, T, tw, WP, info, stage + <usize>q * sbytes, x + (<usize>(c0 + q) * Nf * plane) * 4, plane * 4, H, W, pt, pl);
      for (let tl = 0; tl < nt4; tl += 4) {
        const g = g0 + tl, n = g / T, t = g - n * T, tr = t / tw, tcol = t - tr * tw;
        for (let q = 0; q < 4; q++) {
          const tv = tq + <usize>q * 576;
          if (q >= nc) {
            memory.fill(tv, 0, 576);
            continue;
          }
          // the 4 tiles lie side by side in one tile row (tw is a multiple of 4)
          const ib = info + (<usize>(n - n0) << 3);
          patches4(m, stage + <usize>q * sbytes + <usize>load<i32>(ib, 4) + <usize>((tr - load<i32>(ib)) * m) * wpb + <usize>(tcol * m) * 4, wpb, tmp);
          for (let s2 = 0; s2 < 6; s2++) bt6(tmp + <usize>s2 * 16, 96, tmp2 + <usize>s2 * 16, 96);
          for (let i = 0; i < 6; i++) bt6(tmp2 + <usize>i * 96, 16, tv + <usize>i * 96, 16);
        }
        // element ξ of the 4 channels × 4 tiles: transposed to one vector of channels per tile, stored at depth tl + k
        const aligned = c0 % MR32 + 4 <= MR32 && c0 + 4 <= CfP;
        for (let xi = 0; xi < 36; xi++) {
          const p = tq + <usize>xi * 16;
          transpose4(v128.load(p), v128.load(p, 576), v128.load(p, 1152), v128.load(p, 1728), tmp, 16);
          const vx = V + <usize>xi * vb;
          for (let k = 0; k < 4; k++) {
            if (tl + k >= nt) break;
            const v = v128.load(tmp + (<usize>k << 4));
            if (aligned) v128.store(vx + ((<usize>(c0 / MR32) * nt + tl + k) * MR32 + c0 % MR32) * 4, v);
            else
              for (let q = 0; q < nc; q++) {
                const c = c0 + q;
                store<f32>(vx + ((<usize>(c / MR32) * nt + tl + k) * MR32 + c % MR32) * 4, load<f32>(tmp + (<usize>k << 4) + (<usize>q << 2)));
              }
          }
        }
      }
    }
    // Zᵀ[ξ] (depth = the unit's tiles, columns = output channels o): packed B [⌈O/NR⌉][nt][NR], four channels in the
    // lanes (a quad never straddles an NR = 8 strip), one tile at a time
    for (let o0 = 0; o0 < O; o0 += 4) {
      const no = min(4, O - o0);
      for (let tl = 0; tl < nt; tl++) {
        const g = g0 + tl, n = g / T, t = g - n * T, tr = t / tw, tc = t - tr * tw;
        const d0 = dy + (<usize>(o0 * Nf + n) * dplane) * 4, ds = <usize>Nf * dplane * 4;
        for (let i = 0; i < m; i++)
          for (let j = 0; j < m; j++) {
            const yy = tr * m + i, xx = tc * m + j;
            let v = f32x4.splat(0);
            if (yy < oh && xx < ow) {
              const a = d0 + (<usize>yy * ow + xx) * 4;
              v = f32x4.replace_lane(v, 0, load<f32>(a));
              if (no > 1) v = f32x4.replace_lane(v, 1, load<f32>(a + ds));
              if (no > 2) v = f32x4.replace_lane(v, 2, load<f32>(a + 2 * ds));
              if (no > 3) v = f32x4.replace_lane(v, 3, load<f32>(a + 3 * ds));
            }
            v128.store(tmp + (<usize>(i * m + j) << 4), v);
          }
        // A e: over the rows (for each column j), then (A e) Aᵀ: over the columns
        for (let j = 0; j < m; j++) a6(m, tmp + <usize>j * 16, <usize>m * 16, tmp2 + <usize>j * 16, <usize>m * 16);
        const zd = Z + ((<usize>(o0 / NR32) * nt + tl) * NR32 + o0 % NR32) * 4;
        for (let i = 0; i < 6; i++) a6(m, tmp2 + <usize>(i * m) * 16, 16, tmp + <usize>(i * 6) * 16, 16);
        for (let xi = 0; xi < 36; xi++) v128.store(zd + <usize>xi * zb, v128.load(tmp + <usize>xi * 16));
      }
    }
    // S[ξ] (+)= V[ξ] · Zᵀ[ξ] over this unit's tiles
    for (let xi = 0; xi < 36; xi++)
      gemmPackedF32(Cf, O, nt, V + <usize>xi * vb, nt, Z + <usize>xi * zb, S + <usize>xi * Cf * O * 4, O, u > begin, tile);
  }
}

// G of F(4×4, 3×3) (6 × 3) and of F(2×2, 5×5) (6 × 5), row by row
const G43 = memory.data<f32>([
  0.25, 0, 0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0,
  1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0, 1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0, 0, 0, 1,
]);
const G25 = memory.data<f32>([
  0.25, 0, 0, 0, 0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0,
  1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0, 1.0 / 3.0, 2.0 / 3.0, 1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0, -1.0 / 3.0, 2.0 / 3.0, 0, 0, 0, 0, 1,
]);

/**
 * Ends a filter gradient: S = the `groups` partial sums ([36][Cf][O] each, summed in group order), out[c, o] = Gᵀ S G
 * (r × r). A pair (o, c) whose sums are not all finite (an inf or NaN in x or dy) is summed directly instead, so inf
 * and NaN land where the direct convolution puts them. `tmp`: 36·4 + 6·r·4 bytes.
 */
export function winogradGradFinishF32(
  S: usize, groups: i32, O: i32, Cf: i32, r: i32, x: usize, dy: usize, Nf: i32, H: i32, W: i32, oh: i32, ow: i32, pt: i32, pl: i32, out: usize, tmp: usize,
): void {
  const G = r == 3 ? G43 : G25;
  const sg = <usize>36 * O * Cf * 4;
  const t = tmp + 36 * 4;
  for (let o = 0; o < O; o++)
    for (let c = 0; c < Cf; c++) {
      let finite = true;
      for (let xi = 0; xi < 36; xi++) {
        let s: f32 = 0;
        const p = S + (<usize>(xi * Cf + c) * O + o) * 4;
        for (let g = 0; g < groups; g++) s += load<f32>(p + <usize>g * sg);
        if (!isFinite(s)) finite = false;
        store<f32>(tmp + (<usize>xi << 2), s);
      }
      const y = out + (<usize>(c * O + o) * r * r) * 4;
      if (!finite) {
        for (let a = 0; a < r; a++)
          for (let b = 0; b < r; b++) store<f32>(y + (<usize>(a * r + b) << 2), directGrad(x, dy, c, o, Nf, H, W, oh, ow, a - pt, b - pl));
        continue;
      }
      // t = S G (6 × r), then out = Gᵀ t (r × r)
      for (let i = 0; i < 6; i++)
        for (let b = 0; b < r; b++) {
          let acc: f32 = 0;
          for (let j = 0; j < 6; j++) acc += load<f32>(tmp + (<usize>(i * 6 + j) << 2)) * load<f32>(G + (<usize>(j * r + b) << 2));
          store<f32>(t + (<usize>(i * r + b) << 2), acc);
        }
      for (let a = 0; a < r; a++)
        for (let b = 0; b < r; b++) {
          let acc: f32 = 0;
          for (let i = 0; i < 6; i++) acc += load<f32>(G + (<usize>(i * r + a) << 2)) * load<f32>(t + (<usize>(i * r + b) << 2));
          store<f32>(y + (<usize>(a * r + b) << 2), acc);
        }
    }
}

/** Σ_n Σ_{i,j} x[c, n, i + ay, j + bx]·dy[o, n, i, j], positions outside x counting as 0·dy (NaN for dy = ±inf). */
function directGrad(x: usize, dy: usize, c: i32, o: i32, Nf: i32, H: i32, W: i32, oh: i32, ow: i32, ay: i32, bx: i32): f32 {
  let acc: f32 = 0;
  for (let n = 0; n < Nf; n++) {
    const xc = x + (<usize>(c * Nf + n) * H * W) * 4, d = dy + (<usize>(o * Nf + n) * oh * ow) * 4;
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const yy = i + ay, xx = j + bx;
        const v: f32 = yy >= 0 && xx >= 0 && yy < H && xx < W ? load<f32>(xc + (<usize>yy * W + xx) * 4) : 0;
        acc += v * load<f32>(d + (<usize>(i * ow + j)) * 4);
      }
  }
  return acc;
}
