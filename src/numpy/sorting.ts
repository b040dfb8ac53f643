// Sorting and searching: sort, argsort (stable, descending), topK, searchsorted, and the concrete-only unique/nonzero family.
import { normalizeAxis } from '../core/aval.js';
import { fromTyped } from '../core/array.js';
import { typedArrayCtor } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { toBool } from './elementwise.js';
import {
  type ArrayLike,
  JSArray,
  asArray,
  broadcastTo,
  castTo,
  concreteValues,
  desc,
  fail,
  int32Array,
  promote,
  range,
} from './util.js';

/** Options of {@link sort} and {@link argsort}. */
export interface SortOptions {
  /** Largest first; ties keep their original order (stable). */
  readonly descending?: boolean;
  /** Sorts are always stable; accepted for numpy compatibility. */
  readonly stable?: boolean;
}

function prepAxis(op: string, x: ArrayLike, axis: number | null | undefined): [Array, number] {
  let a = asArray(x, op);
  if (axis === null) {
    a = lax.reshape(a, [a.size]);
    return [a, 0];
  }
  if (a.ndim === 0) return [lax.reshape(a, [1]), 0];
  return [a, normalizeAxis(op, axis ?? -1, a.ndim)];
}

/** Sorted copy along an axis (last by default; null sorts the flattened array). Descending = reversed ascending (NaN first), as JAX. */
export function sort(x: ArrayLike, axis: number | null = -1, opts: SortOptions = {}): Array {
  const [a, ax] = prepAxis('sort', x, axis);
  const s = lax.sort([a], ax, 1, false)[0]!;
  return opts.descending ? lax.rev(s, [ax]) : s;
}

/**
 * Indices that sort x along an axis. Stable: equal elements keep their order, also when descending
 * (JAX's trick: sort the reversed array and indices ascending, then reverse).
 */
export function argsort(x: ArrayLike, axis: number | null = -1, opts: SortOptions = {}): Array {
  const [a, ax] = prepAxis('argsort', x, axis);
  const iota = lax.iota('int32', a.shape, ax);
  if (!opts.descending) return lax.sort([a, iota], ax, 1, false)[1]!;
  const i = lax.sort([lax.rev(a, [ax]), lax.rev(iota, [ax])], ax, 1, false)[1]!;
  return lax.rev(i, [ax]);
}

/** The k largest values along the last axis (descending) and their indices. */
export function topK(x: ArrayLike, k: number): [Array, Array] {
  return lax.topK(asArray(x, 'topK'), k);
}

/**
 * Insertion points of v in the sorted 1-D array a ('left': first suitable, 'right': last). Computed as a
 * count of comparisons, so it is traceable (O(n·m)).
 */
export function searchsorted(a: ArrayLike, v: ArrayLike, side: 'left' | 'right' = 'left'): Array {
  const [s, q] = promote('searchsorted', [a, v]);
  if (s!.ndim !== 1) fail('searchsorted', `a must be 1-D, got ${desc(s!)}`);
  if (side !== 'left' && side !== 'right') fail('searchsorted', `side must be 'left' or 'right', got ${JSON.stringify(side)}`);
  const shape = [...q!.shape, s!.shape[0]!];
  const A = lax.broadcastInDim(s!, shape, [q!.ndim]);
  const V = lax.broadcastInDim(q!, shape, range(q!.ndim));
  const c = side === 'left' ? lax.lt(A, V) : lax.le(A, V);
  return lax.reduceSum(castTo(c, 'int32'), [q!.ndim]);
}

// ---------------------------------------------------------------------------------------------
// Concrete-only: the output shape depends on the values, so these cannot be traced (jit/vmap/grad).

const cmpNum = (p: number, q: number): number => (Number.isNaN(p) ? (Number.isNaN(q) ? 0 : 1) : Number.isNaN(q) ? -1 : p - q);

/** The result of {@link uniqueAll}: values, first indices, inverse indices and counts. */
export interface UniqueAll {
  readonly values: Array;
  /** First index of each unique value in the flattened input. */
  readonly indices: Array;
  /** For each input element (input's shape), the index of its value in `values`. */
  readonly inverseIndices: Array;
  readonly counts: Array;
}

/** numpy's unique_all over the flattened input. Concrete only: not traceable (the output size depends on the data). */
export function uniqueAll(x: ArrayLike): UniqueAll {
  const a = asArray(x, 'unique');
  const v = concreteValues(a, 'unique');
  const order = range(v.length).sort((i, j) => cmpNum(v[i]!, v[j]!) || i - j);
  const vals: number[] = [], first: number[] = [], counts: number[] = [];
  const inv = new Int32Array(v.length);
  for (const i of order) {
    const t = v[i]!;
    const last = vals.length - 1;
    const same = last >= 0 && (vals[last] === t || (Number.isNaN(vals[last]!) && Number.isNaN(t)));
    if (!same) {
      vals.push(t);
      first.push(i);
      counts.push(0);
    }
    counts[vals.length - 1]!++;
    inv[i] = vals.length - 1;
  }
  return {
    values: fromTyped(new typedArrayCtor[a.dtype](vals), [vals.length], a.dtype),
    indices: int32Array(first),
    inverseIndices: int32Array(inv, a.shape),
    counts: int32Array(counts),
  };
}
/** Sorted unique values of the flattened input. Concrete only (not traceable). */
export const unique = (x: ArrayLike): Array => uniqueAll(x).values;
/** Alias of {@link unique}. */
export const uniqueValues = unique;
/** The sorted unique values of x and how often each occurs (eager only: the output size depends on the data). */
export const uniqueCounts = (x: ArrayLike): { values: Array; counts: Array } => {
  const u = uniqueAll(x);
  return { values: u.values, counts: u.counts };
};
/** The sorted unique values of x and, for each element of x, the index of its value among them. */
export const uniqueInverse = (x: ArrayLike): { values: Array; inverseIndices: Array } => {
  const u = uniqueAll(x);
  return { values: u.values, inverseIndices: u.inverseIndices };
};

/** Indices of the nonzero elements, one int32 array per axis. Concrete only (not traceable). */
export function nonzero(x: ArrayLike): Array[] {
  const a = asArray(x, 'nonzero');
  const v = concreteValues(a, 'nonzero');
  const nd = Math.max(a.ndim, 1);
  const shape = a.ndim === 0 ? [1] : a.shape;
  const cols: number[][] = range(nd).map(() => []);
  for (let f = 0; f < v.length; f++) {
    if (!v[f]) continue;
    let r = f;
    for (let k = nd - 1; k >= 0; k--) {
      cols[k]!.push(r % shape[k]!);
      r = Math.floor(r / shape[k]!);
    }
  }
  return cols.map((c) => int32Array(c));
}
/** Indices of nonzero elements as an [n, ndim] array. Concrete only. */
export function argwhere(x: ArrayLike): Array {
  const nz = nonzero(x);
  const n = nz[0]!.size;
  return lax.concatenate(nz.map((c) => lax.reshape(c, [n, 1])), 1);
}
/** Indices of nonzero elements of the flattened input. Concrete only. */
export const flatnonzero = (x: ArrayLike): Array => {
  const a = asArray(x, 'flatnonzero');
  return nonzero(lax.reshape(a, [a.size]))[0]!;
};
/** Elements of x where the condition holds (flattened). Concrete only. */
export function extract(condition: ArrayLike, x: ArrayLike): Array {
  const a = asArray(x, 'extract');
  const c = toBool(asArray(condition, 'extract'));
  const idx = flatnonzero(broadcastTo(c, a.shape, 'extract'));
  return lax.gather(lax.reshape(a, [a.size]), [idx], [0], 0);
}

export { JSArray };
