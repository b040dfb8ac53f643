// Buffer-level helpers for the laws: building, reading, stacking and comparing arrays without library ops.
import { ShapedArray, shapeSize } from '../src/core/aval.js';
import { type DType, castScalar, isFloat, typedArrayCtor } from '../src/core/dtype.js';
import { ConcreteArray } from '../src/core/array.js';
import { Array } from '../src/core/trace.js';

/** A concrete array of `dtype` and `shape` from JS numbers (cast the way the dtype stores them). */
export function arrayOf(values: ArrayLike<number>, shape: readonly number[], dtype: DType, weakType = false): ConcreteArray {
  const n = shapeSize(shape);
  if (values.length !== n) throw new RangeError(`laws.arrayOf: ${values.length} values for shape [${shape}] (${n} elements)`);
  const data = new typedArrayCtor[dtype](n);
  for (let i = 0; i < n; i++) data[i] = castScalar(values[i]!, dtype);
  return new ConcreteArray(new ShapedArray(shape, dtype, weakType), data);
}

/** An int32 scalar (dynamic indices, branch indices). */
export const int32Scalar = (v: number): ConcreteArray => arrayOf([v], [], 'int32');

/** The values of a concrete array as float64 (bool as 0/1). Throws on a tracer. */
export function valuesOf(x: Array): Float64Array {
  const c = x.concrete();
  if (!c) throw new TypeError(`laws: expected a concrete array, got ${String(x)}`);
  return Float64Array.from(c.dataSync() as ArrayLike<number>);
}

export const isFloatArray = (x: Array): boolean => isFloat(x.dtype);

/** x + a·u elementwise in x's dtype (the finite-difference step; computed in JS, not by the library). */
export function axpy(x: Array, a: number, u: Array): ConcreteArray {
  const xv = valuesOf(x), uv = valuesOf(u);
  return arrayOf(xv.map((v, i) => v + a * uv[i]!), x.shape, x.dtype, x.weakType);
}

/** a·x + b·y elementwise (in x's dtype). */
export function lincomb(a: number, x: Array, b: number, y: Array): ConcreteArray {
  const xv = valuesOf(x), yv = valuesOf(y);
  return arrayOf(xv.map((v, i) => a * v + b * yv[i]!), x.shape, x.dtype, x.weakType);
}

/** (f(x+εu) - f(x-εu)) / 2ε from two evaluations, elementwise in float64. */
export function centralDiff(plus: Array, minus: Array, eps: number): ConcreteArray {
  const p = valuesOf(plus), m = valuesOf(minus);
  return arrayOf(p.map((v, i) => (v === m[i] ? 0 : (v - m[i]!) / (2 * eps))), plus.shape, 'float64');
}

/** Σ x·y over a list of array pairs, and Σ |x·y| (the scale the sum is accurate to). */
export function vdot(xs: readonly Array[], ys: readonly Array[]): { value: number; scale: number } {
  if (xs.length !== ys.length) throw new Error(`laws.vdot: ${xs.length} vs ${ys.length} arrays`);
  let value = 0, scale = 0;
  xs.forEach((x, k) => {
    const a = valuesOf(x), b = valuesOf(ys[k]!);
    if (a.length !== b.length) throw new Error(`laws.vdot: operand ${k} has ${a.length} vs ${b.length} elements`);
    for (let i = 0; i < a.length; i++) {
      value += a[i]! * b[i]!;
      scale += Math.abs(a[i]! * b[i]!);
    }
  });
  return { value, scale };
}

/** Stacks same-shaped concrete arrays along a new axis `axis` (JS copy, the independent reference of vmap). */
export function stackAt(xs: readonly Array[], axis: number): ConcreteArray {
  const x0 = xs[0]!;
  const shape = [...x0.shape.slice(0, axis), xs.length, ...x0.shape.slice(axis)];
  const outer = shapeSize(x0.shape.slice(0, axis)), inner = shapeSize(x0.shape.slice(axis));
  const B = xs.length;
  const out = new typedArrayCtor[x0.dtype](outer * B * inner);
  const srcs = xs.map((x) => {
    const c = x.concrete();
    if (!c) throw new TypeError('laws.stackAt: expected concrete arrays');
    if (x.dtype !== x0.dtype || x.shape.some((d, i) => d !== x0.shape[i]) || x.ndim !== x0.ndim)
      throw new TypeError(`laws.stackAt: cannot stack ${x.aval} with ${x0.aval}`);
    return c.dataSync();
  });
  for (let o = 0; o < outer; o++)
    for (let b = 0; b < B; b++) {
      const src = srcs[b]!;
      const base = (o * B + b) * inner;
      for (let i = 0; i < inner; i++) out[base + i] = src[o * inner + i]!;
    }
  return new ConcreteArray(new ShapedArray(shape, x0.dtype, x0.weakType), out);
}

/** Tolerances of a comparison: |got - want| <= atol + rtol·max(|got|, |want|). */
export interface Tol {
  readonly atol: number;
  readonly rtol: number;
}

const fmtIdx = (flat: number, shape: readonly number[]): string => {
  const idx: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    idx.unshift(flat % shape[i]!);
    flat = Math.floor(flat / shape[i]!);
  }
  return `[${idx.join(',')}]`;
};

/** The worst mismatch between two arrays: null when they agree within `tol` (NaN equals NaN). */
export function mismatch(got: Array, want: Array, tol: Tol, checkDtype = false): string | null {
  if (got.ndim !== want.ndim || got.shape.some((d, i) => d !== want.shape[i]))
    return `shape ${got.aval} differs from expected ${want.aval}`;
  if (checkDtype && got.dtype !== want.dtype) return `dtype ${got.aval} differs from expected ${want.aval}`;
  const g = valuesOf(got), w = valuesOf(want);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < g.length; i++) {
    const a = g[i]!, b = w[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    const err = Math.abs(a - b);
    const bound = tol.atol + tol.rtol * Math.max(Math.abs(a), Math.abs(b));
    const excess = Number.isNaN(err) ? Infinity : err / (bound || Number.MIN_VALUE);
    if (!(err <= bound) && excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst < 0) return null;
  const a = g[worst]!, b = w[worst]!;
  return (
    `at ${fmtIdx(worst, got.shape)} got ${a} but expected ${b} (|diff| ${Math.abs(a - b).toExponential(3)}, ` +
    `atol ${tol.atol}, rtol ${tol.rtol}) in ${got.aval} (expected ${want.aval})`
  );
}

/** Throws naming `what` when `got` and `want` differ beyond `tol`. */
export function assertClose(got: Array, want: Array, tol: Tol, what: string, checkDtype = false): void {
  const m = mismatch(got, want, tol, checkDtype);
  if (m) throw new LawError(`${what}: ${m}\n  got:      ${fmtVals(got)}\n  expected: ${fmtVals(want)}`);
}

/** Throws when two lists of arrays differ in length or in any element. */
export function assertAllClose(got: readonly Array[], want: readonly Array[], tol: Tol | ((i: number) => Tol), what: string, checkDtype = false): void {
  if (!globalThis.Array.isArray(got)) throw new LawError(`${what}: expected a list of ${want.length} outputs, got ${String(got)}`);
  if (got.length !== want.length) throw new LawError(`${what}: got ${got.length} outputs, expected ${want.length}`);
  got.forEach((g, i) => assertClose(g, want[i]!, typeof tol === 'function' ? tol(i) : tol, `${what} [output ${i}]`, checkDtype));
}

/** Compares two scalars (dot products): |a - b| <= atol + rtol·scale. */
export function assertScalarClose(a: number, b: number, scale: number, tol: Tol, what: string): void {
  const err = Math.abs(a - b);
  if (!(err <= tol.atol + tol.rtol * scale) && !(Number.isNaN(a) && Number.isNaN(b)))
    throw new LawError(`${what}: ${a} vs ${b} (|diff| ${err.toExponential(3)}, scale ${scale.toExponential(3)}, atol ${tol.atol}, rtol ${tol.rtol})`);
}

/** Short rendering of an array's values for error messages. */
export function fmtVals(x: Array): string {
  const c = x.concrete();
  if (!c) return String(x);
  const v = globalThis.Array.from(c.dataSync() as ArrayLike<number>).slice(0, 24);
  const s = v.map((e) => (Number.isInteger(e) ? String(e) : e.toPrecision(6))).join(', ');
  return `${x.aval}{${s}${x.size > 24 ? ', ...' : ''}}`;
}

/** A law violation (distinguished from errors thrown by the code under test). */
export class LawError extends Error {
  override name = 'LawError';
}

/** A small deterministic PRNG (mulberry32) for directions drawn after a case's shapes are known. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A direction like `x` (same shape and dtype) with entries uniform in [-1, 1). */
export function randomLike(x: { shape: readonly number[]; dtype: DType }, rand: () => number): ConcreteArray {
  const n = shapeSize(x.shape);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 2 * rand() - 1;
  return arrayOf(v, x.shape, x.dtype);
}

/** Zeros like `x` in float64. */
export const zerosF64 = (x: Array): ConcreteArray => arrayOf(new Float64Array(x.size), x.shape, 'float64');

/** x[i] along the leading axis (JS copy). */
export function indexLeading(x: Array, i: number): ConcreteArray {
  const v = valuesOf(x);
  const inner = x.size / x.shape[0]!;
  return arrayOf(v.subarray(i * inner, (i + 1) * inner), x.shape.slice(1), x.dtype, x.weakType);
}
