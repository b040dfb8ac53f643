// dot_general and conv_general_dilated on the wasm target: packed SIMD GEMM (wasm/gemm.ts) and packed im2col
// (wasm/conv.ts) over operands copied into WebAssembly memory; float32/float64 only (other dtypes use the reference).
import { type ShapedArray, shapeSize, stridesOf } from '../../core/aval.js';
import type { TypedArray } from '../../core/dtype.js';
import type { ConvParams, DotGeneralParams } from '../../core/primitive.js';
import type { RefVal } from '../../rules/types.js';
import { convImpl, dotGeneralImpl } from '../ref/linalg.js';
import { copyStrided } from '../ref/strided.js';
import {
  copyIn, copyOut, f32View, f64View, materialize, residentDerived, residentIn, ringReserve, ringTake, scratch, scratchMark, scratchRelease, scratchStats, takeResult, wasmExports,
} from './runtime.js';
import { type Block, getThreads, MAX_BLOCKS, runBlocks } from './threads.js';

interface FloatKind {
  readonly esize: 4 | 8;
  readonly view: (ptr: number, n: number) => Float32Array | Float64Array;
  readonly ctor: typeof Float32Array | typeof Float64Array;
  readonly out: (ptr: number, n: number) => Float32Array | Float64Array;
}
const F32: FloatKind = { esize: 4, view: f32View, ctor: Float32Array, out: (p, n) => takeResult(p, n, Float32Array) };
const F64: FloatKind = { esize: 8, view: f64View, ctor: Float64Array, out: (p, n) => takeResult(p, n, Float64Array) };
// float16 results are rounded on the host afterwards (src/targets/registry.ts): copied out, never resident
const F16: FloatKind = { ...F32, out: (p, n) => copyOut(p, n, Float32Array) };

/** The float kind the wasm kernels run for these operand and output dtypes, or null (reference fallback). */
function floatKind(inDtype: string, outDtype: string): FloatKind | null {
  if (inDtype === 'float32' && outDtype === 'float32') return F32;
  if (inDtype === 'float16' && outDtype === 'float16') return F16;
  if (inDtype === 'float64' && outDtype === 'float64') return F64;
  return null;
}

/** Runs `f` with scratch allocations released afterwards (also on error). */
function withScratch<R>(f: () => R): R {
  const mark = scratchMark();
  try {
    return f();
  } finally {
    scratchRelease(mark);
  }
}

/**
 * The axes `axes` (in order) of an array with `shape` and element `strides` as one strided axis (size, stride), or
 * null when they are not evenly spaced in memory (then the operand is repacked). Size-1 axes are ignored.
 */
function mergeAxes(shape: readonly number[], strides: readonly number[], axes: readonly number[]): { size: number; stride: number } | null {
  let size = 1, stride = 0, prev = -1;
  for (const a of axes) {
    const n = shape[a]!;
    size *= n;
    if (n === 1) continue;
    if (prev >= 0 && strides[prev] !== strides[a]! * n) return null;
    prev = a;
    stride = strides[a]!;
  }
  return { size, stride };
}

/**
 * An operand viewed as [B, R, K] (batch axes, free axes, contracting axes, each group in the order given), in wasm
 * memory: the buffer is copied in as is when every group is one strided axis (transposes cost nothing), else
 * repacked row-major in that order while copying. Returns the pointer and the element strides of the three axes.
 */
function operandIn(v: RefVal, bAxes: readonly number[], rAxes: readonly number[], kAxes: readonly number[], kind: FloatKind): { ptr: number; sb: number; sr: number; sk: number } {
  const shape = v.aval.shape, st = stridesOf(shape);
  const gb = mergeAxes(shape, st, bAxes), gr = mergeAxes(shape, st, rAxes), gk = mergeAxes(shape, st, kAxes);
  if (gb && gr && gk) return { ptr: residentIn(v.buffer), sb: gb.stride, sr: gr.stride, sk: gk.stride }; // read only
  materialize(v.buffer); // (read on the host below)
  const perm = [...bAxes, ...rAxes, ...kAxes];
  const pshape = perm.map((a) => shape[a]!);
  const n = shapeSize(shape);
  const ptr = scratch(n * kind.esize);
  copyStrided(pshape, v.buffer, 0, perm.map((a) => st[a]!), kind.view(ptr, n), 0, stridesOf(pshape));
  const R = rAxes.reduce((acc, a) => acc * shape[a]!, 1), K = kAxes.reduce((acc, a) => acc * shape[a]!, 1);
  return { ptr, sb: R * K, sr: K, sk: 1 };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * dot_general: out[batch…, lhsFree…, rhsFree…] = Σ_contract lhs · rhs, as a batched GEMM C[b] = A[b] · B[b] with
 * A = lhs viewed [B, M, K] and B = rhs viewed [B, K, N] through strides. float32 accumulates in float32 (the
 * reference accumulates in float64): |error| ≲ K·ε·Σ|a·b| per entry.
 */
export function dotGeneralWasm(args: RefVal[], params: DotGeneralParams, outAvals: ShapedArray[]): TypedArray[] {
  const [x, y] = args as [RefVal, RefVal];
  const oa = outAvals[0]!;
  const kind = floatKind(x.aval.dtype, oa.dtype);
  if (!kind) {
    for (const a of args) materialize(a.buffer);
    return dotGeneralImpl(args, params, outAvals);
  }
  if (oa.size === 0) return [new kind.ctor(0)];
  const { contract: [lc, rc], batch: [lb, rb] } = params;
  const xs = x.aval.shape, ys = y.aval.shape;
  const lf = range(xs.length).filter((a) => !lc.includes(a) && !lb.includes(a));
  const rf = range(ys.length).filter((a) => !rc.includes(a) && !rb.includes(a));
  const size = (s: readonly number[], axes: readonly number[]) => axes.reduce((acc, a) => acc * s[a]!, 1);
  const B = size(xs, lb), M = size(xs, lf), K = size(xs, lc), N = size(ys, rf);
  const ex = wasmExports();
  /** The result at `c` (in the ring when it got there: remembered, or deferred; see takeResult). */
  const result = (c: number): TypedArray[] => [kind.out(c, oa.size)];
  const T = getThreads(), threaded = T > 1 && B * M * N * K >= threading.minMulAdds;
  const packed = !threaded && B === 1 && M <= packedWeights.maxRows && K * N >= packedWeights.minElements;
  // room for the lhs, the packed weight and the result before any of them holds the ring (else the packing could
  // find the ring's end with an operand already in it, and be made in scratch for this call only)
  if (packed) ringReserve(x.buffer.byteLength + ex.packedBBytes(kind.esize, K, N) + oa.size * kind.esize + 192);
  return withScratch(() => {
    const a = operandIn(x, lb, lf, lc, kind);
    // a product of few rows against a weight-sized operand (a scan body's h·W, step after step): the packing of that
    // operand dominates, so its packed form is kept in the ring (residentDerived) and reused while it is unchanged
    if (packed) {
      const e = kind.esize, key = `${e}:${rb.join()}:${params.contract[1].join()}:${rf.join()}:${K}x${N}`;
      const bp = residentDerived(y.buffer, key, ex.packedBBytes(e, K, N), (p) => {
        const b = operandIn(y, rb, rc, rf, kind);
        (e === 4 ? ex.packBFullF32 : ex.packBFullF64)(p, b.ptr, K, N, b.sr, b.sk);
      });
      if (bp !== null) {
        const ap = scratch(ex.packedABytes(e, M, K));
        (e === 4 ? ex.packAFullF32 : ex.packAFullF64)(ap, a.ptr, M, K, a.sr, a.sk);
        const c = ringTake(oa.size * e) ?? scratch(oa.size * e);
        (e === 4 ? ex.gemmPackedF32 : ex.gemmPackedF64)(M, N, K, ap, K, bp, c, N, 0, scratch(ex.gemmWorkBytes(e)));
        packedWeights.uses++;
        return result(c);
      }
    }
    const b = operandIn(y, rb, rc, rf, kind);
    const c = ringTake(oa.size * kind.esize) ?? scratch(oa.size * kind.esize);
    const args = [B, M, N, K, a.ptr, a.sb, a.sr, a.sk, b.ptr, b.sb, b.sr, b.sk, c, M * N, N] as const;
    if (threaded) {
      // column blocks of one product share one packing of A (each would otherwise pack all of it)
      const ap = B === 1 && N >= M ? scratch(ex.packedABytes(kind.esize, M, K)) : 0;
      if (ap) (kind.esize === 4 ? ex.packAFullF32 : ex.packAFullF64)(ap, a.ptr, M, K, a.sr, a.sk);
      runBlocks(gemmBlocks(args, kind.esize, T, ex, ap), ex.gemmWorkBytes(kind.esize));
    }
    else (kind.esize === 4 ? ex.gemmF32 : ex.gemmF64)(...args, scratch(ex.gemmWorkBytes(kind.esize)));
    return result(c);
  });
}

/**
 * Products of at most `maxRows` rows against an operand of at least `minElements` keep that operand packed in the ring
 * (residentDerived) and reuse it while it is unchanged (a recurrent layer's weights); `uses` counts them. Mutable
 * for tests.
 */
export const packedWeights = { maxRows: 64, minElements: 4096, uses: 0 };

/**
 * When GEMMs are split across threads: at least this many multiply-adds (B·M·N·K; TENSORLAW_THREADS_MIN overrides it),
 * into about blocksPerThread blocks per thread (claimed dynamically, so a busy core gets fewer). Mutable for tests.
 * 2^22: the LSTM's 32×128×512 products (2^21) took as long split as not, for 20% more CPU (W8, 2 threads).
 */
export const threading = {
  minMulAdds: Number((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TENSORLAW_THREADS_MIN ?? 1 << 22),
  blocksPerThread: 2,
};

type GemmArgs = readonly [B: number, M: number, N: number, K: number, a: number, sab: number, sam: number, sak: number, b: number, sbb: number, sbk: number, sbn: number, c: number, scb: number, ldc: number];

/**
 * Splits C[b] = A[b]·B[b] into independent blocks of C for T threads: batch ranges when B ≥ T, else column blocks
 * (multiples of NR, each reading all of A: packed once beforehand at `ap` when given) when N ≥ M, else row blocks
 * (multiples of MR, each reading all of B). Every C entry is computed by exactly the same sequence of operations as in
 * the unsplit call (a sum over k in increasing order, carried through C across depth blocks), so the result is the
 * same bit for bit whatever the thread count.
 */
function gemmBlocks(args: GemmArgs, e: 4 | 8, T: number, ex: ReturnType<typeof wasmExports>, ap = 0): Block[] {
  const [B, M, N, K, a, sab, sam, sak, b, sbb, sbk, sbn, c, scb, ldc] = args;
  const fn = e === 4 ? 'gemmF32' : 'gemmF64';
  const want = Math.min(MAX_BLOCKS, T * threading.blocksPerThread);
  const pieces = (n: number, unit: number): [number, number][] => {
    const units = Math.ceil(n / unit), nb = Math.min(want, units), per = Math.ceil(units / nb) * unit, out: [number, number][] = [];
    for (let s = 0; s < n; s += per) out.push([s, Math.min(per, n - s)]);
    return out;
  };
  if (B >= T)
    return pieces(B, 1).map(([t, n]) => ({ fn, esize: e, args: [n, M, N, K, a + t * sab * e, sab, sam, sak, b + t * sbb * e, sbb, sbk, sbn, c + t * scb * e, scb, ldc] }));
  const NR = (e === 4 ? ex.NR32 : ex.NR64).value, MR = (e === 4 ? ex.MR32 : ex.MR64).value;
  if (N >= M && ap)
    return pieces(N, NR).map(([n0, n]) => ({ fn: e === 4 ? 'gemmPAF32' : 'gemmPAF64', esize: e, args: [M, n, K, ap, b + n0 * sbn * e, sbk, sbn, c + n0 * e, ldc] }));
  if (N >= M)
    return pieces(N, NR).map(([n0, n]) => ({ fn, esize: e, args: [B, M, n, K, a, sab, sam, sak, b + n0 * sbn * e, sbb, sbk, sbn, c + n0 * e, scb, ldc] }));
  return pieces(M, MR).map(([m0, m]) => ({ fn, esize: e, args: [B, m, N, K, a + m0 * sam * e, sab, sam, sak, b, sbb, sbk, sbn, c + m0 * ldc * e, scb, ldc] }));
}

/**
 * Chunking of the convolution's im2col: target bytes of one packed chunk, the fewest columns a chunk has when the
 * images allow it, and the most bytes a chunk may take (beyond which its rows are split by input channel). Mutable
 * for tests, which shrink them to drive every path with small shapes.
 */
export const convChunking = { bytes: 393216, minColumns: 64, maxBytes: 8 << 20 };

/**
 * Window offsets along one spatial axis: for output y and kernel tap k the padded, dilated input index is
 * q = y·stride + k·rhsDilation − lowPad, a real element iff q ≥ 0, q ≡ 0 (mod lhsDilation) and q / lhsDilation < size.
 * Returns t[k·Y + y] = (q / lhsDilation) or -1.
 */
function axisTable(Y: number, Kk: number, S: number, stride: number, rd: number, ld: number, lo: number): Int32Array {
  const t = new Int32Array(Y * Kk);
  for (let k = 0; k < Kk; k++)
    for (let y = 0; y < Y; y++) {
      const q = y * stride + k * rd - lo;
      t[k * Y + y] = q >= 0 && q % ld === 0 && q / ld < S ? q / ld : -1;
    }
  return t;
}

/**
 * The vector-run table of im2col along the last spatial axis: runL[kl·Yl + yl] = 1 if the NR positions from yl read NR
 * consecutive valid inputs, 2 if every other input, else 0.
 */
function runTable(tabL: Int32Array, Kl: number, Yl: number, NR: number): Uint8Array {
  const runL = new Uint8Array(Kl * Yl);
  for (let kl = 0; kl < Kl; kl++)
    for (let yl = 0; yl + NR <= Yl; yl++) {
      const t0 = tabL[kl * Yl + yl]!;
      if (t0 < 0) continue;
      for (const step of [1, 2]) {
        let ok = true;
        for (let j = 1; j < NR && ok; j++) ok = tabL[kl * Yl + yl + j] === t0 + j * step;
        if (ok) {
          runL[kl * Yl + yl] = step;
          break;
        }
      }
    }
  return runL;
}

/**
 * conv_general_dilated (XLA semantics, layouts lhs [N, C, …], rhs [O, I, …], out [N/B, O, …]):
 *   out[n, o, y] = Σ_{i, k} lhs[g_B(o)·N/B + n, g_F(o)·I + i, window(y, k)] · rhs[o, i, k]
 * with feature group g_F(o) = o div (O/G) and batch group g_B(o) = o div (O/B), exactly as the reference. Per group:
 * the rhs rows of the group are packed once; the windows are unrolled (im2col) chunk by chunk of (image, output
 * position) columns straight into the GEMM's packed-B layout, and out[n, o0:o1, chunk] = W · im2col is one packed
 * GEMM per chunk (small images are batched into one chunk and scattered back). With threads (setThreads) the images,
 * or the batched chunks, are split into blocks run by the pool (convBlockF32/F64 in wasm/conv.ts: each participant
 * has its own im2col buffer), every output computed by the same operations as unsplit: bit-identical results.
 * Strides, padding (negative too), lhs/rhs dilation and both group counts are handled by the window tables.
 */
export function convWasm(args: RefVal[], p: ConvParams, outAvals: ShapedArray[]): TypedArray[] {
  const [x, w] = args as [RefVal, RefVal];
  const oa = outAvals[0]!;
  const kind = floatKind(x.aval.dtype, oa.dtype);
  if (!kind) {
    for (const a of args) materialize(a.buffer);
    return convImpl(args, p, outAvals);
  }
  if (oa.size === 0) return [new kind.ctor(0)];
  const xs = x.aval.shape, ws = w.aval.shape, os = oa.shape;
  const [N, C] = [xs[0]!, xs[1]!], [O, I] = [ws[0]!, ws[1]!];
  const G = p.featureGroupCount, Bg = p.batchGroupCount;
  const nsp = xs.length - 2;
  const inSp = xs.slice(2), kSp = ws.slice(2), outSp = os.slice(2);
  const Ssz = shapeSize(inSp), Ksz = shapeSize(kSp), Ysz = shapeSize(outSp), IK = I * Ksz;
  const Nout = N / Bg, Og = O / G, Ob = O / Bg;
  const e = kind.esize;
  const ex = wasmExports();

  // window tables: outer spatial axes flattened (tabO[ko·Yo + yo], flat input offsets) and the last axis (tabL)
  const inSt = stridesOf(inSp);
  const tables = range(nsp).map((a) =>
    axisTable(outSp[a]!, kSp[a]!, inSp[a]!, p.windowStrides[a]!, p.rhsDilation[a]!, p.lhsDilation[a]!, p.padding[a]![0]),
  );
  let tabO = Int32Array.of(0), Yo = 1, Ko = 1;
  for (let a = 0; a < nsp - 1; a++) {
    const Ya = outSp[a]!, Ka = kSp[a]!, ta = tables[a]!;
    const next = new Int32Array(Yo * Ya * Ko * Ka);
    for (let ko = 0; ko < Ko; ko++)
      for (let ka = 0; ka < Ka; ka++)
        for (let yo = 0; yo < Yo; yo++)
          for (let ya = 0; ya < Ya; ya++) {
            const o = tabO[ko * Yo + yo]!, t = ta[ka * Ya + ya]!;
            next[(ko * Ka + ka) * (Yo * Ya) + yo * Ya + ya] = o < 0 || t < 0 ? -1 : o + t * inSt[a]!;
          }
    tabO = next;
    Yo *= Ya;
    Ko *= Ka;
  }
  const tabL = tables[nsp - 1]!, Yl = outSp[nsp - 1]!, Kl = kSp[nsp - 1]!;
  const NR = (e === 4 ? ex.NR32 : ex.NR64).value as number;
  // (padding contributes 0·w in XLA: NaN where w is not finite, which the tap form, skipping padding, would not give)
  const tapShape = tapForm(G, Bg, p, O, I, Ssz, Ysz);
  if (tapShape) materialize(w.buffer); // (read on the host)
  const taps = tapShape && (w.buffer as Float32Array | Float64Array).every(Number.isFinite);

  return withScratch(() => {
    // the stride-2 path reads up to one element past the last one it keeps: the input needs 64 bytes of memory after it
    // (read in place when resident, else copied in with that slack)
    let xp = residentIn(x.buffer);
    if (xp + x.buffer.byteLength + 64 > scratchStats().memoryBytes) {
      xp = scratch(x.buffer.byteLength + 64);
      kind.view(xp, x.buffer.length).set(x.buffer as Float32Array & Float64Array);
    }
    const out = ringTake(oa.size * e) ?? scratch(oa.size * e);
    if (winogradGradFits(e, nsp, p, G, Bg, N, I, O, kSp, outSp)) {
      convWinogradGrad(w.buffer as Float32Array, xp, N, I, inSp[0]!, inSp[1]!, O, kSp[0]!, kSp[1]!, p.padding[0]![0], p.padding[1]![0], out, outSp[0] as 3 | 5);
      convFormStats.winogradGrad++;
      return [kind.out(out, oa.size)];
    }
    if (winogradFits(e, nsp, p, G, Bg, I, O, kSp, Nout * Ysz)) {
      convWinograd(w.buffer as Float32Array, xp, N, C, inSp[0]!, inSp[1]!, O, outSp[0]!, outSp[1]!, p.padding[0]![0], p.padding[1]![0], out, kSp[0] as 3 | 5);
      convFormStats.winograd++;
      return [kind.out(out, oa.size)];
    }
    const tabOp = copyIn(tabO), tabLp = copyIn(tabL);
    if (taps) {
      convTaps(kind, w.buffer, xp, N, I, Ssz, O, Ksz, Ysz, tabOp, Yo, Ko, tabL, tabLp, Yl, Kl, p.windowStrides[nsp - 1] === 1, out);
      convFormStats.taps++;
      return [kind.out(out, oa.size)];
    }
    convFormStats.im2col++;
    const wp = residentIn(w.buffer), runLp = copyIn(runTable(tabL, Kl, Yl, NR));
    // Columns are (image, output position) pairs of a group. Per chunk of columns the packed im2col block is IK × chunk:
    // about convChunking.bytes (L2-sized, written by im2col and read right after by the GEMM), but at least minColumns
    // columns so that each packed rhs block is reused across many B strips. Images with fewer positions than a chunk
    // are batched into one GEMM whose result is scattered back (scatterColumns). When the chunk would exceed maxBytes
    // (huge windows: filter gradients of big batches), its rows are taken a few input channels at a time and the
    // GEMMs accumulate.
    const KoKl = Ko * Kl;
    const colsPerImage = Math.ceil(Ysz / NR) * NR;
    const want = Math.max(convChunking.minColumns, Math.floor(convChunking.bytes / (IK * e) / NR) * NR);
    const batched = Ysz < want;
    const chunk = batched ? Math.min(want, Math.ceil((Nout * Ysz) / NR) * NR) : Math.min(want, colsPerImage);
    const ic = Math.max(1, Math.min(I, Math.floor(convChunking.maxBytes / (KoKl * chunk * e))));
    const packA = e === 4 ? ex.packAFullF32 : ex.packAFullF64;
    const fn = e === 4 ? 'convBlockF32' : 'convBlockF64';
    const T = getThreads();
    for (let gb = 0; gb < Bg; gb++)
      for (let gf = 0; gf < G; gf++) {
        // output features of this (batch group, feature group) block; its rhs rows are packed once for all images
        const o0 = Math.max(gf * Og, gb * Ob), o1 = Math.min((gf + 1) * Og, (gb + 1) * Ob);
        if (o0 >= o1) continue;
        const M = o1 - o0;
        const mark = scratchMark();
        const ap = scratch(ex.packedABytes(e, M, IK));
        packA(ap, wp + o0 * IK * e, M, IK, IK, 1);
        // image n of this group reads lhs image gb·Nout + n, channels gf·I …
        const xg = xp + (gb * Nout * C + gf * I) * Ssz * e;
        const workBytes = (ex.convBlockWorkBytes as (...a: number[]) => number)(e, ic, KoKl, chunk, M, batched ? 1 : 0);
        // the blocks: ranges of images (or, batched, of chunks of flattened columns); each writes its own outputs
        const units = batched ? Math.ceil((Nout * Ysz) / chunk) : Nout;
        // fewer units than threads (a filter gradient with one image: its columns are the few filter taps): the output
        // features are split into row ranges as well (each redoes the im2col of its units)
        const MRe = (e === 4 ? ex.MR32 : ex.MR64).value;
        const threaded = T > 1 && Nout * Ysz * M * IK >= threading.minMulAdds && (units > 1 || M >= 2 * MRe);
        const rowParts = threaded && units < T ? Math.min(T, Math.floor(M / MRe)) : 1;
        const nb = threaded ? Math.min(MAX_BLOCKS, units, T * threading.blocksPerThread * 2) : 1;
        const per = Math.ceil(units / nb);
        const rowsPer = Math.ceil(M / rowParts / MRe) * MRe;
        if (rowsPer < M) convFormStats.rowSplit++;
        const blocks: Block[] = [];
        for (let m0 = 0; m0 < M; m0 += rowsPer) {
          const rows = Math.min(rowsPer, M - m0);
          const head = [ap + (m0 / MRe) * IK * MRe * e, xg, I, ic, Ssz, C * Ssz, Ysz, tabOp, Yo, Ko, tabLp, runLp, Yl, Kl, rows, IK, out + (o0 + m0) * Ysz * e, O * Ysz, chunk, batched ? 1 : 0];
          for (let u = 0; u < units; u += per) {
            const u1 = Math.min(units, u + per);
            blocks.push({ fn, esize: e, args: batched ? [...head, u * chunk, Math.min(Nout * Ysz, u1 * chunk)] : [...head, u, u1] });
          }
        }
        runBlocks(blocks, workBytes);
        scratchRelease(mark);
      }
    return [kind.out(out, oa.size)];
  });
}

/**
 * When a convolution takes the tap-GEMM form (convTaps in wasm/conv.ts: Z = W'·x per image, then the taps shifted and
 * added) instead of im2col: one group, no lhs dilation, at least `minInputs` input channels, and fewer values to move
 * (O·Ksz·Ssz against I·Ksz·Ysz, by the factor `ratio`). Mutable for tests (ratio Infinity / 0 forces one form).
 */
export const convForms = { ratio: 0.75, minInputs: 16 };
/** How many convolutions took each form (tests read it). */
export const convFormStats = { taps: 0, im2col: 0, winograd: 0, winogradGrad: 0, rowSplit: 0 };

/**
 * Winograd F(4×4, 3×3) and F(2×2, 5×5) (winogradBlockF32 / winogradBlock25F32 in wasm/winograd.ts): for f32 2-D 3×3
 * or 5×5 convolutions with stride 1, no dilations, one group, at least `minChannels` input and output channels,
 * cin·cout ≥ `minChannelProduct` (`minChannelProduct5` for 5×5) and `minWork` output-channel products
 * (n·oh·ow·cin·cout). 36 GEMMs of depth cin over the output tiles replace the r²·cin-deep im2col GEMM: 4× (3×3) or
 * 2.8× (5×5) fewer multiply-adds, for transforms that cost in proportion to cin + cout per tile (so 16 → 16 channels
 * is slower here, 16 → 32 faster: docs/performance.md, "Seventh session"; F(2×2, 5×5) has 4× the tiles per output).
 * Rounding: within a small multiple of the direct sum's (docs/jit-and-targets.md). `chunkBytes` bounds one unit's
 * transformed input and its products (a participant's working set). Mutable for tests (enabled false: never).
 */
export const winogradForm = { enabled: true, minChannels: 16, minChannelProduct: 512, minChannelProduct5: 512, minWork: 2 ** 20, chunkBytes: 393216 };
function winogradFits(e: number, nsp: number, p: ConvParams, G: number, Bg: number, I: number, O: number, kSp: readonly number[], pixels: number): boolean {
  const ones = (v: readonly number[]) => v.every((d) => d === 1);
  const r = kSp[0];
  return winogradForm.enabled && e === 4 && nsp === 2 && (r === 3 || r === 5) && kSp[1] === r && G === 1 && Bg === 1 &&
    ones(p.windowStrides) && ones(p.rhsDilation) && ones(p.lhsDilation) &&
    I >= winogradForm.minChannels && O >= winogradForm.minChannels && I * O >= (r === 3 ? winogradForm.minChannelProduct : winogradForm.minChannelProduct5) &&
    pixels * I * O >= winogradForm.minWork;
}

/**
 * The tiling of a Winograd call over `n` images with an oh × ow grid of m × m tiles (m = 4 for r = 3, 2 for r = 5):
 * tile rows padded to a multiple of 4 tiles (the padding tiles are computed and dropped), so every group of 4 tiles
 * lies in one row; units of `chunk` consecutive tiles (a multiple of 8, across images) whose transformed operands, at
 * 36·`perTile` values per tile, fit in `chunkBytes`.
 */
function winogradTiling(r: 3 | 5, oh: number, ow: number, n: number, perTile: number, chunkBytes: number) {
  const m = r === 3 ? 4 : 2;
  const th = Math.ceil(oh / m), tw = Math.ceil(Math.ceil(ow / m) / 4) * 4, NT = n * th * tw;
  const maxChunk = Math.max(8, Math.floor(chunkBytes / (36 * perTile * 4) / 8) * 8);
  const chunk = Math.min(maxChunk, Math.ceil(NT / 8) * 8);
  return { m, th, tw, NT, chunk, units: Math.ceil(NT / chunk) };
}

/**
 * Runs F(4×4, 3×3) (r = 3) or F(2×2, 5×5) (r = 5) into `out` ([N, O, oh, ow]): the filter transformed once, units of
 * (image, tile chunk) split across the pool.
 */
function convWinograd(w: Float32Array, xp: number, N: number, C: number, H: number, W: number, O: number, oh: number, ow: number, pt: number, pl: number, out: number, r: 3 | 5): void {
  const ex = wasmExports() as unknown as Record<string, (...a: number[]) => number>;
  // a unit's transformed input (36·C per tile) and products (36·O per tile) within chunkBytes each
  const { m, th, tw, NT, chunk, units } = winogradTiling(r, oh, ow, N, Math.max(C, O), winogradForm.chunkBytes);
  const wp = residentIn(w);
  const up = scratch(36 * ex.packedABytes!(4, O, C)), tmp = scratch(120);
  (r === 3 ? ex.winogradFilterF32! : ex.winogradFilter25F32!)(wp, O, C, up, tmp);
  const threads = getThreads();
  const nb = threads > 1 && units > 1 && N * oh * ow * C * O >= threading.minMulAdds ? Math.min(MAX_BLOCKS, units, threads * threading.blocksPerThread * 2) : 1;
  const per = Math.ceil(units / nb);
  const blocks: Block[] = [];
  for (let u = 0; u < units; u += per)
    blocks.push({ fn: r === 3 ? 'winogradBlockF32' : 'winogradBlock25F32', esize: 4, args: [up, wp, xp, C, H, W, O, oh, ow, th, tw, pt, pl, out, chunk, NT, u, Math.min(units, u + per)] });
  runBlocks(blocks, ex.winogradWorkBytes!(C, O, chunk, tw, m, th * tw));
}
/**
 * Filter gradients by Winograd (winogradGradBlockF32 / winogradGradBlock25F32 in wasm/winograd.ts): f32 2-D
 * convolutions with stride 1, no dilations, one group whose output is 3 × 3 or 5 × 5 and whose window (the forward
 * pass's output gradient) is at least `minWindow` on each side: a filter gradient, out[c, o] = Σ_n x[c, n] ⋆ dy[o, n].
 * The adjoint of the forward form: the window's m × m tiles and the input patches under them are transformed, 36
 * GEMMs sum their products over all tiles (the long dimension), and one transform per (c, o) ends it: 4× (3 × 3) or
 * 2.8× (5 × 5) fewer multiply-adds than the window-deep im2col GEMM, for transforms that cost in proportion to
 * (cin + cout) per tile. Taken from `minChannels` on both sides, `minWork` multiply-adds of the direct form and a
 * window of at least `minWindow` (3 × 3); for 5 × 5 a window of `minWindow5` and cin·cout/(cin + cout) ≥ `minHarmonic5`
 * (measured on 2 threads: 3 × 3 filter gradients of 32 × 32 and 28 × 28 images 1.6–1.8× faster, at 14 × 14 about even,
 * at 8 × 8 3× slower; 5 × 5 at 32 → 64 channels even, 64 → 64 1.16× faster: docs/performance.md, "Eighth session"). The tiles are split into units of `chunkBytes` of transformed operands, the units
 * into `groups` (a fixed number, so the sums do not depend on the thread count) summed in order at the end.
 * Rounding: each output within a small multiple of Σ|x|·|dy| over its terms (the tests bound it). Mutable for tests.
 */
export const winogradGradForm = { enabled: true, minChannels: 16, minWindow: 16, minWindow5: 12, minHarmonic5: 32, minWork: 2 ** 22, chunkBytes: 786432, groups: 8 };
function winogradGradFits(e: number, nsp: number, p: ConvParams, G: number, Bg: number, N: number, I: number, O: number, kSp: readonly number[], outSp: readonly number[]): boolean {
  const ones = (v: readonly number[]) => v.every((d) => d === 1);
  const r = outSp[0];
  const f = winogradGradForm;
  return f.enabled && e === 4 && nsp === 2 && (r === 3 || r === 5) && outSp[1] === r && G === 1 && Bg === 1 &&
    ones(p.windowStrides) && ones(p.rhsDilation) && ones(p.lhsDilation) && N >= f.minChannels && O >= f.minChannels &&
    Math.min(kSp[0]!, kSp[1]!) >= (r === 3 ? f.minWindow : f.minWindow5) && (r === 3 || (N * O) / (N + O) >= f.minHarmonic5) &&
    N * O * I * kSp[0]! * kSp[1]! * r * r >= f.minWork;
}

/**
 * The filter gradient out[c, o] ([Cf, O, r, r]) of x [Cf, Nf, H, W] (at xp) and dy [O, Nf, oh, ow] (`dyBuf`) by
 * Winograd: blocks of units (one per accumulation group) on the pool, then the groups summed and transformed.
 */
function convWinogradGrad(dyBuf: Float32Array, xp: number, Cf: number, Nf: number, H: number, W: number, O: number, oh: number, ow: number, pt: number, pl: number, out: number, r: 3 | 5): void {
  const ex = wasmExports() as unknown as Record<string, (...a: number[]) => number>;
  // a unit's transformed input (36·Cf per tile) and output gradient (36·O per tile) within chunkBytes (the padding tiles
  // see zero dy)
  const { m, th, tw, NT, chunk, units } = winogradTiling(r, oh, ow, Nf, Cf + O, winogradGradForm.chunkBytes);
  const T = th * tw;
  const groups = Math.max(1, Math.min(units, winogradGradForm.groups));
  const dy = residentIn(dyBuf);
  const sg = 36 * O * Cf * 4, S = scratch(groups * sg);
  const blocks: Block[] = [];
  for (let g = 0; g < groups; g++) {
    const u0 = Math.floor((g * units) / groups), u1 = Math.floor(((g + 1) * units) / groups);
    blocks.push({ fn: r === 3 ? 'winogradGradBlockF32' : 'winogradGradBlock25F32', esize: 4, args: [xp, dy, Cf, Nf, H, W, O, oh, ow, th, tw, pt, pl, S + g * sg, chunk, NT, u0, u1] });
  }
  // (the groups run on the pool whatever the thread count: their number, not the threads, fixes the sums)
  runBlocks(blocks, ex.winogradGradWorkBytes!(Cf, O, chunk, tw, m, T));
  ex.winogradGradFinishF32!(S, groups, O, Cf, r, xp, dy, Nf, H, W, oh, ow, pt, pl, out, scratch(36 * 4 + 6 * r * 4));
}

function tapForm(G: number, Bg: number, p: ConvParams, O: number, I: number, Ssz: number, Ysz: number): boolean {
  return G === 1 && Bg === 1 && p.lhsDilation.every((d) => d === 1) && I >= convForms.minInputs && O * Ssz < convForms.ratio * I * Ysz;
}

/** Runs the tap-GEMM form into `out` ([N, O, Ysz]), blocks of images split across the pool. */
function convTaps(
  kind: FloatKind, w: TypedArray, xp: number, N: number, I: number, Ssz: number, O: number, Ksz: number, Ysz: number,
  tabOp: number, Yo: number, Ko: number, tabL: Int32Array, tabLp: number, Yl: number, Kl: number, unit: boolean, out: number,
): void {
  const e = kind.esize, ex = wasmExports();
  const M = O * Ksz;
  // W' rows (o, tap), depth i, from the rhs [O, I, taps…]
  const wp = scratch(M * I * e);
  const wv = kind.view(wp, M * I);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let t = 0; t < Ksz; t++) wv[(o * Ksz + t) * I + i] = w[(o * I + i) * Ksz + t]!;
  // valid output range of each last-axis tap (contiguous when `unit`)
  const rng = new Int32Array(2 * Kl);
  for (let kl = 0; kl < Kl; kl++) {
    let a = 0, b = Yl;
    while (a < Yl && tabL[kl * Yl + a]! < 0) a++;
    while (b > a && tabL[kl * Yl + b - 1]! < 0) b--;
    rng[2 * kl] = a;
    rng[2 * kl + 1] = b;
  }
  const rngP = copyIn(rng);
  const workBytes = (ex.convTapsWorkBytes as (...a: number[]) => number)(e, M, Ssz);
  const T = getThreads();
  const nb = T > 1 && N > 1 && N * M * Ssz * I >= threading.minMulAdds ? Math.min(MAX_BLOCKS, N, T * threading.blocksPerThread * 2) : 1;
  const per = Math.ceil(N / nb);
  const blocks: Block[] = [];
  for (let n = 0; n < N; n += per)
    blocks.push({
      fn: e === 4 ? 'convTapsF32' : 'convTapsF64', esize: e,
      args: [wp, xp, I, Ssz, I * Ssz, O, Ksz, Ysz, tabOp, Yo, Ko, tabLp, rngP, unit ? 1 : 0, Yl, Kl, out, O * Ysz, n, Math.min(N, n + per)],
    });
  runBlocks(blocks, workBytes);
}

/** Whether the wasm kernels (rather than the reference fallback) run for these operand and output dtypes. */
export const wasmHandles = (inDtype: string, outDtype: string): boolean => floatKind(inDtype, outDtype) !== null;
