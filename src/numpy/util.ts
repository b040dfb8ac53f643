// Shared np machinery: ArrayLike conversion (JS numbers become weak scalars), dtype promotion, numpy broadcasting, axis args.
import { broadcastShapes, fmtShape, normalizeAxes, normalizeAxis, range, shapeEqual, shapeSize } from '../core/aval.js';
import { ConcreteArray, fromTyped } from '../core/array.js';
import {
  type DType,
  type TypedArray,
  castScalar,
  isBool,
  isFloat,
  parseDType,
  promoteTypes,
  scalarDType,
  typedArrayCtor,
} from '../core/dtype.js';
import { Array, type NestedArray } from '../core/trace.js';
import * as lax from '../lax/ops.js';

/** Anything np functions accept as an array. */
export type ArrayLike = Array | number | boolean | NestedArray | TypedArray | readonly ArrayLike[];
/** A dtype or one of its aliases ('f32', 'float', 'int', ...). */
export type DTypeLike = DType | 'f32' | 'f64' | 'i32' | 'u32' | 'float' | 'double' | 'int' | 'bool_' | 'boolean';
/** An axis argument: one axis, several, or null/undefined for all axes. */
export type Axis = number | readonly number[] | null | undefined;

/** JavaScript's own Array constructor (tensorlaw's `Array` shadows the global name). */
export const JSArray = globalThis.Array;

/** `float32[2, 3]`, used in error messages. */
export const desc = (x: Array): string => `${x.dtype}${fmtShape(x.shape)}`;
export const fail = (op: string, msg: string): never => {
  throw new TypeError(`${op}: ${msg}`);
};
export const failRange = (op: string, msg: string): never => {
  throw new RangeError(`${op}: ${msg}`);
};

export const toDType = (d: DTypeLike | string, op = 'dtype'): DType => parseDType(d, op);

function typedDType(t: ArrayBufferView): DType {
  if (t instanceof Float32Array) return 'float32';
  if (t instanceof Float64Array) return 'float64';
  if (t instanceof Uint32Array) return 'uint32';
  return 'int32'; // Int32Array, and the small integer arrays (Uint8Array holds integers, not bools, for users)
}

const isArrayLikeList = (x: unknown): x is readonly unknown[] => JSArray.isArray(x);

/** Shape of a nested JS array, validating that it is rectangular. */
function nestedShape(x: unknown, op: string): number[] {
  const shape: number[] = [];
  let cur: unknown = x;
  while (isArrayLikeList(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const check = (v: unknown, d: number): void => {
    if (d === shape.length) {
      if (isArrayLikeList(v)) fail(op, `nested arrays are ragged: found a list at depth ${d} where a scalar was expected (shape so far ${fmtShape(shape)})`);
      return;
    }
    if (!isArrayLikeList(v) || v.length !== shape[d])
      fail(op, `nested arrays are ragged: expected a list of length ${shape[d]} at depth ${d}, got ${isArrayLikeList(v) ? `length ${v.length}` : typeof v}`);
    for (const e of v as unknown[]) check(e, d + 1);
  };
  check(x, 0);
  return shape;
}

function containsArray(x: unknown): boolean {
  if (x instanceof Array) return true;
  return isArrayLikeList(x) && x.some(containsArray);
}

/** A concrete array from nested JS numbers/booleans; dtype inferred as numpy does (bool < int32 < float32). */
function fromNested(x: readonly unknown[], dtype: DType | undefined, op: string): Array {
  if (containsArray(x)) {
    // Lists of arrays (possibly traced) are stacked, as jnp.array does.
    const parts = x.map((e) => asArray(e as ArrayLike, op, dtype));
    return stackArrays(parts, op);
  }
  const shape = nestedShape(x, op);
  const flat = (x as unknown[]).flat(Infinity) as unknown[];
  let d = dtype;
  if (!d) {
    let kind = 0;
    for (const v of flat) {
      if (typeof v === 'boolean') continue;
      if (typeof v !== 'number') return fail(op, `cannot convert element ${String(v)} (${typeof v}) to a number`);
      kind = Math.max(kind, Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 1 : 2);
    }
    d = flat.length === 0 ? 'float32' : kind === 0 ? 'bool' : kind === 1 ? 'int32' : 'float32';
  }
  const data = new typedArrayCtor[d](flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number' && typeof v !== 'boolean') return fail(op, `cannot convert element ${String(v)} (${typeof v}) to a number`);
    data[i] = castScalar(Number(v), d);
  }
  return fromTyped(data, shape, d);
}

/** Stacks equal-shape arrays along a new leading axis (used by array([...arrays]) and stack). */
export function stackArrays(xs: readonly Array[], op: string, axis = 0): Array {
  if (xs.length === 0) return fail(op, 'need at least one array to stack');
  const ps = promote(op, xs);
  const s = ps[0]!.shape;
  for (const p of ps)
    if (!shapeEqual(p.shape, s)) fail(op, `all input arrays must have the same shape, got ${ps.map((q) => fmtShape(q.shape)).join(', ')}`);
  const ax = normalizeAxis(op, axis, s.length + 1);
  return lax.concatenate(ps.map((p) => lax.expandDims(p, ax)), ax);
}

/**
 * Converts an ArrayLike to an Array: JS numbers become weakly typed scalars (so `x.mul(2)` keeps x's
 * dtype), booleans bool scalars, nested lists and typed arrays concrete arrays. With `dtype`, casts.
 */
export function asArray(x: ArrayLike, op = 'asarray', dtype?: DType): Array {
  let a: Array;
  if (x instanceof Array) a = x;
  else if (typeof x === 'number') a = lax.scalar(x, dtype ?? scalarDType(x), dtype === undefined);
  else if (typeof x === 'boolean') a = lax.scalar(x, dtype ?? 'bool', false);
  else if (ArrayBuffer.isView(x)) {
    const t = x as unknown as ArrayLike & { length: number };
    const d = dtype ?? typedDType(x);
    a = fromTyped(new typedArrayCtor[d](t as unknown as number), [t.length], d);
  } else if (isArrayLikeList(x)) a = fromNested(x, dtype, op);
  else
    return fail(
      op,
      `cannot convert ${x === null ? 'null' : typeof x} to an array; expected an Array, a number, a boolean, nested lists of numbers, or a typed array`,
    );
  return dtype && (a.dtype !== dtype || a.weakType) ? castTo(a, dtype, false) : a;
}

/** Casts to (dtype, weak); concrete scalars are re-made directly (no staged convert under jit). */
export function castTo(x: Array, dtype: DType, weak = false): Array {
  if (x.dtype === dtype && x.weakType === weak) return x;
  if (x instanceof ConcreteArray && x.ndim === 0 && !x.isDisposed) return lax.scalar(x.item(), dtype, weak);
  return lax.convertElementType(x, dtype, weak);
}

/** The promoted (dtype, weak) of several arrays (JAX's result_type with weak types). */
export function resultType(xs: readonly Array[]): { dtype: DType; weak: boolean } {
  let r = { dtype: xs[0]!.dtype, weak: xs[0]!.weakType };
  for (const x of xs.slice(1)) r = promoteTypes(r.dtype, r.weak, x.dtype, x.weakType);
  return r;
}

/** Converts and casts every argument to their common promoted dtype. */
export function promote(op: string, xs: readonly ArrayLike[]): Array[] {
  const as = xs.map((x) => asArray(x, op));
  if (as.length === 0) return [];
  const { dtype, weak } = resultType(as);
  // JS numbers are made directly in the result dtype, so 0.1 stays exact in float64 (JAX keeps Python scalars exact)
  return as.map((a, i) => (typeof xs[i] === 'number' ? lax.scalar(xs[i] as number, dtype, weak) : castTo(a, dtype, weak)));
}

/** Like promote, then ints and bools go to float32 (keeping weakness): for exp, sin, true division ... */
export function promoteInexact(op: string, xs: readonly ArrayLike[]): Array[] {
  const ps = promote(op, xs);
  if (ps.length === 0 || isFloat(ps[0]!.dtype)) return ps;
  return ps.map((p) => castTo(p, 'float32', p.weakType));
}

/** numpy broadcasting of x to `shape` (error names `op`). */
export function broadcastTo(x: Array, shape: readonly number[], op = 'broadcastTo'): Array {
  if (shapeEqual(x.shape, shape)) return x;
  const out = broadcastShapes(op, x.shape, shape);
  if (!shapeEqual(out, shape))
    fail(op, `cannot broadcast an array of shape ${fmtShape(x.shape)} to shape ${fmtShape(shape)}`);
  return lax.broadcastInDim(x, shape, range(x.ndim, shape.length - x.ndim));
}

/** Broadcasts arrays to their common numpy shape. */
export function broadcastAll(op: string, xs: readonly Array[]): Array[] {
  const shape = broadcastShapes(op, ...xs.map((x) => x.shape));
  return xs.map((x) => broadcastTo(x, shape, op));
}

/** Convert + promote + broadcast: the prologue of every elementwise np function. */
export const promoteBroadcast = (op: string, xs: readonly ArrayLike[]): Array[] => broadcastAll(op, promote(op, xs));
export const promoteBroadcastInexact = (op: string, xs: readonly ArrayLike[]): Array[] => broadcastAll(op, promoteInexact(op, xs));

/** A scalar of x's dtype broadcast to `shape` (default x's shape). */
export const fullOf = (x: Array, v: number | boolean, shape: readonly number[] = x.shape): Array =>
  lax.full(shape, v, x.dtype, x.weakType);

export const isArrayLike = (x: unknown): x is ArrayLike =>
  x instanceof Array || typeof x === 'number' || typeof x === 'boolean' || ArrayBuffer.isView(x) || JSArray.isArray(x);

/** Options most reductions take. */
export interface ReduceOptions {
  readonly axis?: Axis;
  readonly keepdims?: boolean;
  readonly dtype?: DTypeLike;
}

/** Accepts `(x, axis, opts)` and `(x, opts)` argument styles. */
export function reduceArgs(axisOrOpts: Axis | ReduceOptions, opts?: ReduceOptions): ReduceOptions {
  if (axisOrOpts !== null && typeof axisOrOpts === 'object' && !JSArray.isArray(axisOrOpts))
    return axisOrOpts as ReduceOptions;
  return { ...opts, axis: (axisOrOpts as Axis) ?? opts?.axis };
}

/** Normalised sorted axes. */
export const axesOf = (op: string, axis: Axis, ndim: number): number[] => normalizeAxes(op, axis, ndim);

/** Re-inserts reduced axes as size 1 (keepdims). */
export function keepDims(y: Array, inShape: readonly number[], axes: readonly number[], keep: boolean | undefined): Array {
  if (!keep) return y;
  return lax.reshape(y, inShape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** Returns x's concrete values or throws a ConcretizationTypeError-like message naming `op`. */
export function concreteValues(x: Array, op: string): TypedArray {
  const c = x.concrete();
  if (!c)
    fail(
      op,
      `needs concrete values but got a traced array ${x.aval.toString()}: its output shape would depend on the values, ` +
        `which is not traceable (compute it outside jit/vmap/grad, or use a fixed-size alternative such as np.where)`,
    );
  return c!.dataSync();
}

/** A concrete int32 array from JS numbers. */
export const int32Array = (values: readonly number[] | Int32Array, shape: readonly number[] = [values.length]): Array =>
  fromTyped(values instanceof Int32Array ? values : Int32Array.from(values), shape, 'int32');

export { isBool, isFloat, shapeSize, range, shapeEqual, fmtShape };
