// Strided loop nests over typed arrays: the one copy behind broadcast, transpose, slice, pad, rev, gather and packing.
import { stridesOf } from '../../core/aval.js';
import type { TypedArray } from '../../core/dtype.js';

/** A strided box walk after dropping size-1 axes and merging axes that are contiguous in both source and destination. */
export interface StridedPlan {
  readonly shape: readonly number[];
  readonly src: readonly number[];
  readonly dst: readonly number[];
  readonly size: number;
}

/** Plans the walk of `shape` with source strides `src` and destination strides `dst` (in elements, any sign). */
export function planStrided(shape: readonly number[], src: readonly number[], dst: readonly number[]): StridedPlan {
  const sh: number[] = [], ss: number[] = [], ds: number[] = [];
  let size = 1;
  for (let a = 0; a < shape.length; a++) {
    const n = shape[a]!;
    size *= n;
    if (n === 1) continue;
    const k = sh.length - 1;
    // axis k (outer) followed by axis a (inner) is one axis of length sh[k]*n when stride[k] = stride[a]*n on both sides
    if (k >= 0 && ss[k] === src[a]! * n && ds[k] === dst[a]! * n) {
      sh[k] = sh[k]! * n;
      ss[k] = src[a]!;
      ds[k] = dst[a]!;
    } else {
      sh.push(n);
      ss.push(src[a]!);
      ds.push(dst[a]!);
    }
  }
  return { shape: sh, src: ss, dst: ds, size };
}

/** dst[dOff + Σ iₐ·dstₐ] = src[sOff + Σ iₐ·srcₐ] over the planned box (values convert as typed-array stores do). */
export function runCopy(p: StridedPlan, src: TypedArray, sOff: number, dst: TypedArray, dOff: number): void {
  if (p.size === 0) return;
  const r = p.shape.length;
  if (r === 0) {
    dst[dOff] = src[sOff]!;
    return;
  }
  const n = p.shape[r - 1]!, si = p.src[r - 1]!, di = p.dst[r - 1]!;
  const outer = p.size / n;
  const idx = new Array<number>(r).fill(0);
  let so = sOff, dof = dOff;
  for (let t = 0; t < outer; t++) {
    if (si === 1 && di === 1 && n >= 16) dst.set(src.subarray(so, so + n), dof);
    else if (si === 0 && di === 1 && n >= 16) dst.fill(src[so]!, dof, dof + n); // a broadcast row
    else for (let j = 0, s = so, d = dof; j < n; j++, s += si, d += di) dst[d] = src[s]!;
    // odometer over the outer axes r-2 .. 0
    for (let a = r - 2; a >= 0; a--) {
      so += p.src[a]!;
      dof += p.dst[a]!;
      if (++idx[a]! < p.shape[a]!) break;
      so -= p.src[a]! * p.shape[a]!;
      dof -= p.dst[a]! * p.shape[a]!;
      idx[a] = 0;
    }
  }
}

/** dst[...] = combine(dst[...], src[...]) over the planned box (scatter-add and friends). */
export function runCombine(
  p: StridedPlan,
  src: TypedArray,
  sOff: number,
  dst: TypedArray,
  dOff: number,
  combine: (d: number, s: number) => number,
): void {
  if (p.size === 0) return;
  const r = p.shape.length;
  if (r === 0) {
    dst[dOff] = combine(dst[dOff]!, src[sOff]!);
    return;
  }
  const n = p.shape[r - 1]!, si = p.src[r - 1]!, di = p.dst[r - 1]!;
  const outer = p.size / n;
  const idx = new Array<number>(r).fill(0);
  let so = sOff, dof = dOff;
  for (let t = 0; t < outer; t++) {
    for (let j = 0, s = so, d = dof; j < n; j++, s += si, d += di) dst[d] = combine(dst[d]!, src[s]!);
    for (let a = r - 2; a >= 0; a--) {
      so += p.src[a]!;
      dof += p.dst[a]!;
      if (++idx[a]! < p.shape[a]!) break;
      so -= p.src[a]! * p.shape[a]!;
      dof -= p.dst[a]! * p.shape[a]!;
      idx[a] = 0;
    }
  }
}

/** One-shot strided copy. */
export function copyStrided(
  shape: readonly number[],
  src: TypedArray,
  sOff: number,
  sStrides: readonly number[],
  dst: TypedArray,
  dOff: number,
  dStrides: readonly number[],
): void {
  runCopy(planStrided(shape, sStrides, dStrides), src, sOff, dst, dOff);
}

/**
 * The operand's axes reordered as `perm`, packed row-major into a fresh array of type `Ctor` (or the operand's
 * own buffer, read-only, when `perm` is the identity and no conversion is asked for).
 */
export function packPermuted<T extends TypedArray>(
  buf: TypedArray,
  shape: readonly number[],
  perm: readonly number[],
  Ctor: new (n: number) => T,
): T {
  const n = perm.reduce((acc, a) => acc * shape[a]!, 1);
  if (buf instanceof Ctor && perm.every((a, i) => a === i) && buf.length === n) return buf as T;
  const st = stridesOf(shape);
  const pshape = perm.map((a) => shape[a]!);
  const out = new Ctor(n);
  copyStrided(pshape, buf, 0, perm.map((a) => st[a]!), out, 0, stridesOf(pshape));
  return out;
}

/** Writes `packed` (row-major in the axis order `perm` of `shape`) back into `out` in the natural order of `shape`. */
export function unpackPermuted(packed: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void {
  const st = stridesOf(shape);
  const pshape = perm.map((a) => shape[a]!);
  copyStrided(pshape, packed, 0, stridesOf(pshape), out, 0, perm.map((a) => st[a]!));
}

/** Strides that read an array of `shape` as if broadcast (numpy rules, right-aligned) to `target`. */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const st = stridesOf(shape);
  const off = target.length - shape.length;
  return target.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : st[i - off]!));
}
