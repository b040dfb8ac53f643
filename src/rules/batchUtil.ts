// Helpers of the batching rules: moving, inserting and folding the vmapped axis with lax ops only.
import { range } from '../core/aval.js';
import type { Array } from '../core/trace.js';
import * as lax from '../lax/prims.js';

/** Where an operand's batch axis is: an axis number, or null when the operand is not batched. */
export type BDim = number | null;

/** The axis of the batched array that holds unbatched axis `a` when the batch axis sits at `bdim` (JAX's bump_dims). */
export const bump = (a: number, bdim: number): number => (a >= bdim ? a + 1 : a);

/** `n` unit axis sizes [1, ..., 1]. */
export const units = (n: number): number[] => range(n).map(() => 1);

/** `xs` with `v` inserted at position `i` (a new list). */
export function insertAt<T>(xs: readonly T[], i: number, v: T): T[] {
  const out = xs.slice();
  out.splice(i, 0, v);
  return out;
}

/** `xs` without position `i` (a new list). */
export const removeAt = <T>(xs: readonly T[], i: number): T[] => xs.filter((_, j) => j !== i);

/** numpy moveaxis as one lax.transpose (a no-op when src === dst); batching.moveaxis in JAX. */
export function moveaxis(x: Array, src: number, dst: number): Array {
  if (src === dst) return x;
  return lax.transpose(x, insertAt(removeAt(range(x.ndim), src), dst, src));
}

/** Inserts a new axis of `size` at `dst` by broadcasting (the value is repeated along it). */
export function broadcastBatch(x: Array, size: number, dst: number): Array {
  const bd = range(x.ndim).map((i) => (i < dst ? i : i + 1));
  return lax.broadcastInDim(x, insertAt(x.shape, dst, size), bd);
}

/**
 * `x` with its batch axis at `dst`: moved there when batched, materialised by broadcasting when not
 * (JAX's batching.matchaxis / bdim_at_front).
 */
export function matchAxis(x: Array, bdim: BDim, size: number, dst: number): Array {
  return bdim === null ? broadcastBatch(x, size, dst) : moveaxis(x, bdim, dst);
}

/** The batch dim of the first batched operand (rules are only called with at least one). */
export function firstBatched(op: string, dims: readonly BDim[]): number {
  for (const d of dims) if (d !== null) return d;
  throw new Error(`vmap rule of ${op}: called with no batched operand (dims ${JSON.stringify(dims)})`);
}

/**
 * Merges axis `src` into axis `dst` (numbered after removing `src`), `src` major: the merged index is
 * s * size(dst) + d. Follows _reshape_axis_into in jax/_src/lax/convolution.py.
 */
export function reshapeAxisInto(src: number, dst: number, x: Array): Array {
  const perm = insertAt(removeAt(range(x.ndim), src), dst, src);
  const shape = removeAt(x.shape, src);
  shape[dst] = shape[dst]! * x.shape[src]!;
  return lax.reshape(lax.transpose(x, perm), shape);
}

/** Splits axis `src` into [size1, size / size1] (size1 major); _reshape_axis_out_of in convolution.py. */
export function reshapeAxisOutOf(src: number, size1: number, x: Array): Array {
  const d = x.shape[src]!;
  if (size1 <= 0 || d % size1 !== 0) throw new Error(`reshapeAxisOutOf: axis ${src} of size ${d} is not divisible by ${size1}`);
  const shape = x.shape.slice();
  shape.splice(src, 1, size1, d / size1);
  return lax.reshape(x, shape);
}
