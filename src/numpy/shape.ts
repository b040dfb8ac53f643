// Shape manipulation: reshape, transpose, broadcasting, joining/splitting, pad, flip/roll/tile/repeat, take, diagonals.
import { broadcastShapes as bShapes, normalizeAxis } from '../core/aval.js';
import { isInt } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { remainder, toBool } from './elementwise.js';
import {
  type ArrayLike,
  type Axis,
  JSArray,
  asArray,
  axesOf,
  broadcastTo as bTo,
  castTo,
  concreteValues,
  desc,
  fail,
  failRange,
  fmtShape,
  fullOf,
  int32Array,
  promote,
  range,
  shapeEqual,
  shapeSize,
  stackArrays,
} from './util.js';

// ---------------------------------------------------------------------------------------------
// Reshaping and axes.

/** Resolves a -1 in a requested shape; error names `op` and both shapes. */
export function resolveShape(op: string, size: number, inShape: readonly number[], shape: readonly number[]): number[] {
  const neg = shape.filter((d) => d === -1).length;
  if (neg > 1) fail(op, `can only specify one unknown dimension (-1), got shape ${fmtShape(shape)}`);
  for (const d of shape)
    if (!Number.isInteger(d) || d < -1) fail(op, `invalid shape ${fmtShape(shape)}: sizes must be non-negative integers or a single -1`);
  const known = shapeSize(shape.filter((d) => d !== -1));
  const out = shape.slice();
  if (neg === 1) {
    const i = shape.indexOf(-1);
    if (known === 0 || size % known !== 0)
      fail(op, `cannot reshape an array of shape ${fmtShape(inShape)} (${size} elements) into shape ${fmtShape(shape)}`);
    out[i] = size / known;
  }
  if (shapeSize(out) !== size)
    fail(op, `cannot reshape an array of shape ${fmtShape(inShape)} (${size} elements) into shape ${fmtShape(shape)} (${shapeSize(out)} elements)`);
  return out;
}

/** New shape with the same elements in row-major order; one size may be -1. */
export function reshape(x: ArrayLike, shape: number | readonly number[]): Array {
  const a = asArray(x, 'reshape');
  const s = typeof shape === 'number' ? [shape] : shape;
  return lax.reshape(a, resolveShape('reshape', a.size, a.shape, s));
}
/** The 1-D view of the elements in row-major order. */
export const ravel = (x: ArrayLike): Array => {
  const a = asArray(x, 'ravel');
  return a.ndim === 1 ? a : lax.reshape(a, [a.size]);
};
/** Alias of {@link ravel}. */
export const flatten = ravel;

/** Permutes axes (reverses them by default). */
export function transpose(x: ArrayLike, axes?: readonly number[] | null): Array {
  const a = asArray(x, 'transpose');
  if (!axes) return lax.transpose(a, range(a.ndim).reverse());
  if (axes.length !== a.ndim) fail('transpose', `axes ${JSON.stringify(axes)} must list each of the ${a.ndim} axes of ${desc(a)} once`);
  const p = axes.map((ax) => normalizeAxis('transpose', ax, a.ndim));
  if (new Set(p).size !== p.length) fail('transpose', `axes ${JSON.stringify(axes)} repeat an axis`);
  return lax.transpose(a, p);
}
/** Alias of {@link transpose} (the array-API name). */
export const permuteDims = transpose;
/** Transpose of the last two axes. */
export const matrixTranspose = (x: ArrayLike): Array => swapaxes(x, -1, -2);

/** Moves axes `source` to positions `destination`, keeping the order of the others. */
export function moveaxis(x: ArrayLike, source: number | readonly number[], destination: number | readonly number[]): Array {
  const a = asArray(x, 'moveaxis');
  const src = (typeof source === 'number' ? [source] : source).map((s) => normalizeAxis('moveaxis', s, a.ndim));
  const dst = (typeof destination === 'number' ? [destination] : destination).map((s) => normalizeAxis('moveaxis', s, a.ndim));
  if (src.length !== dst.length) fail('moveaxis', `source ${JSON.stringify(source)} and destination ${JSON.stringify(destination)} must have the same number of axes`);
  const rest = range(a.ndim).filter((i) => !src.includes(i));
  const perm = new JSArray<number>(a.ndim).fill(-1);
  src.forEach((s, i) => (perm[dst[i]!] = s));
  let k = 0;
  for (let i = 0; i < a.ndim; i++) if (perm[i] === -1) perm[i] = rest[k++]!;
  return lax.transpose(a, perm);
}
/** Exchanges two axes. */
export function swapaxes(x: ArrayLike, axis1: number, axis2: number): Array {
  const a = asArray(x, 'swapaxes');
  const p = range(a.ndim);
  const i = normalizeAxis('swapaxes', axis1, a.ndim), j = normalizeAxis('swapaxes', axis2, a.ndim);
  [p[i], p[j]] = [j, i];
  return lax.transpose(a, p);
}

/** Broadcasts x to `shape` with numpy rules. */
export const broadcastTo = (x: ArrayLike, shape: number | readonly number[]): Array =>
  bTo(asArray(x, 'broadcastTo'), typeof shape === 'number' ? [shape] : shape, 'broadcastTo');
/** The common broadcast shape of several shapes. */
export const broadcastShapes = (...shapes: (readonly number[])[]): number[] => bShapes('broadcastShapes', ...shapes);
/** Broadcasts arrays against each other. */
export function broadcastArrays(...xs: ArrayLike[]): Array[] {
  const as = xs.map((x) => asArray(x, 'broadcastArrays'));
  const shape = bShapes('broadcastArrays', ...as.map((a) => a.shape));
  return as.map((a) => bTo(a, shape, 'broadcastArrays'));
}

/** Inserts size-1 axes at `axis` (positions in the result). */
export const expandDims = (x: ArrayLike, axis: number | readonly number[]): Array => lax.expandDims(asArray(x, 'expandDims'), axis);
/** Removes size-1 axes (all of them when axis is undefined). */
export function squeeze(x: ArrayLike, axis?: Axis): Array {
  const a = asArray(x, 'squeeze');
  const axes = axis === undefined || axis === null ? range(a.ndim).filter((i) => a.shape[i] === 1) : axesOf('squeeze', axis, a.ndim);
  for (const d of axes)
    if (a.shape[d] !== 1) fail('squeeze', `cannot select an axis to squeeze out which has size not equal to one: axis ${d} of ${desc(a)} has size ${a.shape[d]}`);
  return lax.reshape(a, a.shape.filter((_, i) => !axes.includes(i)));
}
/** x with at least one axis (scalars become shape [1]). */
export const atleast1d = (x: ArrayLike): Array => {
  const a = asArray(x, 'atleast1d');
  return a.ndim >= 1 ? a : lax.reshape(a, [1]);
};
/** x with at least two axes (new axes in front, as numpy). */
export const atleast2d = (x: ArrayLike): Array => {
  const a = asArray(x, 'atleast2d');
  return a.ndim >= 2 ? a : lax.reshape(a, a.ndim === 0 ? [1, 1] : [1, a.shape[0]!]);
};
/** x with at least three axes (numpy's placement: [N] → [1, N, 1]). */
export const atleast3d = (x: ArrayLike): Array => {
  const a = asArray(x, 'atleast3d');
  if (a.ndim >= 3) return a;
  return lax.reshape(a, a.ndim === 0 ? [1, 1, 1] : a.ndim === 1 ? [1, a.shape[0]!, 1] : [...a.shape, 1]);
};

// ---------------------------------------------------------------------------------------------
// Joining and splitting.

/** Joins arrays along an existing axis (null axis: flatten first). Dtypes are promoted. */
export function concatenate(xs: readonly ArrayLike[], axis: number | null = 0): Array {
  if (xs.length === 0) fail('concatenate', 'need at least one array to concatenate');
  let as = promote('concatenate', xs);
  if (axis === null) {
    as = as.map((a) => lax.reshape(a, [a.size]));
    axis = 0;
  }
  const nd = as[0]!.ndim;
  if (nd === 0) fail('concatenate', 'zero-dimensional arrays cannot be concatenated');
  const ax = normalizeAxis('concatenate', axis, nd);
  for (const a of as)
    if (a.ndim !== nd || a.shape.some((d, i) => i !== ax && d !== as[0]!.shape[i]))
      fail(
        'concatenate',
        `all input array dimensions except for the concatenation axis ${axis} must match exactly, got shapes ${as.map((b) => fmtShape(b.shape)).join(', ')}`,
      );
  return lax.concatenate(as, ax);
}
/** Alias of {@link concatenate} (the array-API name). */
export const concat = concatenate;
/** Joins equal-shape arrays along a new axis. */
export const stack = (xs: readonly ArrayLike[], axis = 0): Array => stackArrays(xs.map((x) => asArray(x, 'stack')), 'stack', axis);
/** Stacks along axis 1 (axis 0 for 1-D inputs). */
export function hstack(xs: readonly ArrayLike[]): Array {
  const as = xs.map(atleast1d);
  return concatenate(as, as[0] && as[0].ndim === 1 ? 0 : 1);
}
/** Stacks rows (1-D inputs become rows). */
export const vstack = (xs: readonly ArrayLike[]): Array => concatenate(xs.map(atleast2d), 0);
/** Alias of {@link vstack}. */
export const rowStack = vstack;
/** Stacks along a third axis. */
export const dstack = (xs: readonly ArrayLike[]): Array => concatenate(xs.map(atleast3d), 2);
/** Stacks 1-D arrays as columns of a 2-D array. */
export function columnStack(xs: readonly ArrayLike[]): Array {
  return concatenate(
    xs.map((x) => {
      const a = asArray(x, 'columnStack');
      return a.ndim < 2 ? lax.reshape(a, [a.size, 1]) : a;
    }),
    1,
  );
}

function splitAt(a: Array, bounds: readonly number[], ax: number): Array[] {
  const n = a.shape[ax]!;
  const edges = [0, ...bounds.map((b) => Math.min(Math.max(b < 0 ? b + n : b, 0), n)), n];
  const out: Array[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const s = edges[i]!, e = Math.max(edges[i + 1]!, s);
    out.push(lax.sliceInDim(a, s, e, 1, ax));
  }
  return out;
}

/** Splits into `sections` equal parts, or at the given indices, along an axis. */
export function split(x: ArrayLike, indicesOrSections: number | readonly number[], axis = 0): Array[] {
  const a = asArray(x, 'split');
  const ax = normalizeAxis('split', axis, a.ndim);
  if (typeof indicesOrSections === 'number') {
    const n = a.shape[ax]!, k = indicesOrSections;
    if (!Number.isInteger(k) || k <= 0) fail('split', `number of sections must be a positive integer, got ${k}`);
    if (n % k !== 0)
      fail('split', `array split does not result in an equal division: axis ${axis} of size ${n} into ${k} sections (use arraySplit for uneven parts)`);
    return splitAt(a, range(k - 1, 1).map((i) => (i * n) / k), ax);
  }
  return splitAt(a, indicesOrSections, ax);
}
/** Like split, but `sections` need not divide the axis: the first n % sections parts get one more element. */
export function arraySplit(x: ArrayLike, indicesOrSections: number | readonly number[], axis = 0): Array[] {
  const a = asArray(x, 'arraySplit');
  const ax = normalizeAxis('arraySplit', axis, a.ndim);
  if (typeof indicesOrSections !== 'number') return splitAt(a, indicesOrSections, ax);
  const n = a.shape[ax]!, k = indicesOrSections;
  if (!Number.isInteger(k) || k <= 0) fail('arraySplit', `number of sections must be a positive integer, got ${k}`);
  const base = Math.floor(n / k), extra = n % k;
  const bounds: number[] = [];
  let acc = 0;
  for (let i = 0; i < k - 1; i++) bounds.push((acc += base + (i < extra ? 1 : 0)));
  return splitAt(a, bounds, ax);
}
/** Splits along axis 1 (axis 0 for 1-D), into `s` equal parts or at the indices `s`. */
export const hsplit = (x: ArrayLike, s: number | readonly number[]): Array[] => {
  const a = asArray(x, 'hsplit');
  return split(a, s, a.ndim === 1 ? 0 : 1);
};
/** Splits along axis 0, into `s` equal parts or at the indices `s`. */
export const vsplit = (x: ArrayLike, s: number | readonly number[]): Array[] => split(x, s, 0);

// ---------------------------------------------------------------------------------------------
// Padding.

/** How {@link pad} fills: a constant, the edge value, a reflection (with or without the edge) or wrap-around. */
export type PadMode = 'constant' | 'edge' | 'reflect' | 'symmetric' | 'wrap';
/** Pad widths: one number for every side, [before, after] for every axis, or one pair per axis. */
export type PadWidth = number | readonly [number, number] | readonly (readonly [number, number] | readonly [number])[];

function padWidths(op: string, w: PadWidth, nd: number): [number, number][] {
  let out: [number, number][];
  if (typeof w === 'number') out = range(nd).map(() => [w, w]);
  else if (w.length === 2 && typeof w[0] === 'number') out = range(nd).map(() => [w[0] as unknown as number, w[1] as unknown as number]);
  else if (w.length === 1 && typeof w[0] === 'number') out = range(nd).map(() => [w[0] as unknown as number, w[0] as unknown as number]);
  else {
    const ws = w as readonly (readonly number[])[];
    if (ws.length === 1) out = range(nd).map(() => [ws[0]![0]!, ws[0]![1] ?? ws[0]![0]!]);
    else {
      if (ws.length !== nd) fail(op, `padWidth needs one [before, after] pair per axis (${nd}), got ${ws.length}`);
      out = ws.map((p) => [p[0]!, p[1] ?? p[0]!]);
    }
  }
  for (const [a, b] of out)
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) fail(op, `pad widths must be non-negative integers, got ${JSON.stringify(w)}`);
  return out;
}

/** Source index along an axis of size n for output position i of a pad with `before` (numpy's modes). */
function padSource(mode: PadMode, i: number, before: number, n: number): number {
  const j = i - before;
  switch (mode) {
    case 'edge':
      return Math.min(Math.max(j, 0), n - 1);
    case 'wrap':
      return ((j % n) + n) % n;
    case 'reflect': {
      if (n === 1) return 0;
      const p = 2 * n - 2;
      const k = ((j % p) + p) % p;
      return k < n ? k : p - k;
    }
    case 'symmetric': {
      const p = 2 * n;
      const k = ((j % p) + p) % p;
      return k < n ? k : p - 1 - k;
    }
    default:
      return j;
  }
}

/**
 * Pads with numpy's modes: 'constant' (constantValues, default 0), 'edge', 'reflect', 'symmetric', 'wrap'.
 * Non-constant modes gather along each axis with static indices (so they differentiate and batch).
 */
export function pad(x: ArrayLike, padWidth: PadWidth, mode: PadMode = 'constant', constantValues: number = 0): Array {
  const a = asArray(x, 'pad');
  const ws = padWidths('pad', padWidth, a.ndim);
  if (mode === 'constant')
    return lax.pad(a, castTo(lax.scalar(constantValues, a.dtype), a.dtype, a.weakType), ws.map(([l, h]) => [l, h, 0] as const));
  if (!['edge', 'reflect', 'symmetric', 'wrap'].includes(mode))
    fail('pad', `unknown mode ${JSON.stringify(mode)}; valid modes are 'constant', 'edge', 'reflect', 'symmetric', 'wrap'`);
  let y = a;
  ws.forEach(([lo, hi], ax) => {
    if (lo === 0 && hi === 0) return;
    const n = y.shape[ax]!;
    if (n === 0) fail('pad', `cannot pad an empty axis ${ax} of ${desc(a)} in mode '${mode}'`);
    const idx = range(n + lo + hi).map((i) => padSource(mode, i, lo, n));
    y = lax.gather(y, [int32Array(idx)], [ax], ax);
  });
  return y;
}

// ---------------------------------------------------------------------------------------------
// Reordering.

/** Reverses the order of elements along axes (all axes by default). */
export function flip(x: ArrayLike, axis?: Axis): Array {
  const a = asArray(x, 'flip');
  return lax.rev(a, axesOf('flip', axis, a.ndim));
}
/** Reverses axis 1 (left/right). */
export const fliplr = (x: ArrayLike): Array => flip(x, 1);
/** Reverses axis 0 (up/down). */
export const flipud = (x: ArrayLike): Array => flip(x, 0);
/** Rotates by 90 degrees k times in the plane of `axes`. */
export function rot90(x: ArrayLike, k = 1, axes: readonly [number, number] = [0, 1]): Array {
  const a = asArray(x, 'rot90');
  const kk = ((k % 4) + 4) % 4;
  if (kk === 0) return a;
  if (kk === 2) return flip(flip(a, axes[0]), axes[1]);
  return kk === 1 ? swapaxes(flip(a, axes[1]), axes[0], axes[1]) : flip(swapaxes(a, axes[0], axes[1]), axes[1]);
}

/** Rolls elements along axes by static shifts (flattened when axis is undefined). */
export function roll(x: ArrayLike, shift: number | readonly number[], axis?: Axis): Array {
  const a = asArray(x, 'roll');
  if (axis === undefined || axis === null) {
    if (typeof shift !== 'number') fail('roll', 'a list of shifts needs a list of axes');
    return lax.reshape(roll(lax.reshape(a, [a.size]), shift, 0), a.shape);
  }
  const axes = typeof axis === 'number' ? [axis] : axis;
  const shifts = typeof shift === 'number' ? axes.map(() => shift) : shift;
  if (shifts.length !== axes.length) fail('roll', `shift ${JSON.stringify(shift)} and axis ${JSON.stringify(axis)} must have the same length`);
  let y = a;
  axes.forEach((ax0, i) => {
    const ax = normalizeAxis('roll', ax0, a.ndim);
    const n = y.shape[ax]!;
    if (n === 0) return;
    const s = ((shifts[i]! % n) + n) % n;
    if (s === 0) return;
    y = lax.concatenate([lax.sliceInDim(y, n - s, n, 1, ax), lax.sliceInDim(y, 0, n - s, 1, ax)], ax);
  });
  return y;
}

/** Repeats the whole array `reps` times along each axis. */
export function tile(x: ArrayLike, reps: number | readonly number[]): Array {
  let a = asArray(x, 'tile');
  const r = typeof reps === 'number' ? [reps] : reps.slice();
  const nd = Math.max(a.ndim, r.length);
  while (r.length < nd) r.unshift(1);
  if (a.ndim < nd) a = lax.reshape(a, [...new JSArray<number>(nd - a.ndim).fill(1), ...a.shape]);
  // [d0, d1] -> broadcast to [r0, d0, r1, d1] -> reshape [r0*d0, r1*d1]
  const big = r.flatMap((k, i) => [k, a.shape[i]!]);
  const b = lax.broadcastInDim(a, big, range(nd).map((i) => 2 * i + 1));
  return lax.reshape(b, r.map((k, i) => k * a.shape[i]!));
}

/** Repeats each element `repeats` times along an axis (flattened by default); per-element counts must be concrete. */
export function repeat(x: ArrayLike, repeats: number | ArrayLike, axis?: number | null): Array {
  let a = asArray(x, 'repeat');
  if (axis === undefined || axis === null) {
    a = lax.reshape(a, [a.size]);
    axis = 0;
  }
  const ax = normalizeAxis('repeat', axis, a.ndim);
  const n = a.shape[ax]!;
  if (typeof repeats === 'number') {
    if (!Number.isInteger(repeats) || repeats < 0) fail('repeat', `repeats must be a non-negative integer, got ${repeats}`);
    const big = [...a.shape.slice(0, ax + 1), repeats, ...a.shape.slice(ax + 1)];
    const b = lax.broadcastInDim(a, big, range(a.ndim).map((i) => (i <= ax ? i : i + 1)));
    return lax.reshape(b, a.shape.map((d, i) => (i === ax ? d * repeats : d)));
  }
  const rv = concreteValues(asArray(repeats, 'repeat'), 'repeat');
  const counts = rv.length === 1 ? new JSArray<number>(n).fill(Number(rv[0])) : JSArray.from(rv, Number);
  if (counts.length !== n) fail('repeat', `repeats has ${counts.length} entries but axis ${axis} has size ${n}`);
  const idx: number[] = [];
  counts.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0) fail('repeat', `repeats must be non-negative integers, got ${c}`);
    for (let k = 0; k < c; k++) idx.push(i);
  });
  return lax.gather(a, [int32Array(idx)], [ax], ax);
}

// ---------------------------------------------------------------------------------------------
// Gathers: take, takeAlongAxis.

/** Out-of-range index handling of take: clip to the range, wrap around, or fill (NaN / the fill value). */
export type TakeMode = 'clip' | 'wrap' | 'fill' | undefined;

/**
 * Normalises integer indices for an axis of size n: negative indices count from the end (default and
 * 'fill'), 'wrap' takes them modulo n, 'clip' clamps (numpy: no negative wrap). Out-of-range indices then
 * clamp in the gather (JAX's default for gathers).
 */
export function normalizeIndexArray(op: string, i: Array, n: number, mode: TakeMode): Array {
  if (!isInt(i.dtype)) fail(op, `indices must be integers, got ${desc(i)}`);
  if (i.dtype === 'uint32') return i;
  if (mode === 'clip') return i;
  const c = i.concrete();
  if (c) {
    const v = c.dataSync() as Int32Array;
    const out = new Int32Array(v.length);
    for (let k = 0; k < v.length; k++) {
      const t = v[k]!;
      out[k] = mode === 'wrap' ? (n === 0 ? 0 : ((t % n) + n) % n) : t < 0 ? t + n : t;
    }
    return int32Array(out, i.shape);
  }
  if (mode === 'wrap') return remainder(i, n);
  return lax.select(lax.lt(i, fullOf(i, 0)), lax.add(i, fullOf(i, n)), i);
}

/** Elements at `indices` along an axis (of the flattened array when axis is undefined). */
export function take(x: ArrayLike, indices: ArrayLike, axis?: number | null, opts: { mode?: TakeMode } = {}): Array {
  let a = asArray(x, 'take');
  if (axis === undefined || axis === null) {
    a = lax.reshape(a, [a.size]);
    axis = 0;
  }
  const ax = normalizeAxis('take', axis, a.ndim);
  const raw = asArray(indices, 'take');
  const i = normalizeIndexArray('take', raw, a.shape[ax]!, opts.mode);
  if (a.shape[ax] === 0 && i.size > 0) failRange('take', `cannot take from an empty axis ${axis} of ${desc(a)}`);
  return lax.gather(a, [i], [ax], ax);
}

/** out[..., j, ...] = x[..., indices[..., j, ...], ...] along `axis` (indices broadcast against x elsewhere). */
export function takeAlongAxis(x: ArrayLike, indices: ArrayLike, axis: number | null, opts: { mode?: TakeMode } = {}): Array {
  let a = asArray(x, 'takeAlongAxis');
  let idx = asArray(indices, 'takeAlongAxis');
  if (axis === null) {
    a = lax.reshape(a, [a.size]);
    idx = lax.reshape(idx, [idx.size]);
    axis = 0;
  }
  if (idx.ndim !== a.ndim)
    fail('takeAlongAxis', `indices ${desc(idx)} and array ${desc(a)} must have the same number of dimensions`);
  const ax = normalizeAxis('takeAlongAxis', axis, a.ndim);
  const target = a.shape.map((d, k) => {
    if (k === ax) return idx.shape[k]!;
    const e = idx.shape[k]!;
    if (d !== e && d !== 1 && e !== 1)
      fail('takeAlongAxis', `indices ${desc(idx)} and array ${desc(a)} do not broadcast in axis ${k}`);
    return d === 1 ? e : d;
  });
  const aT = bTo(a, target.map((d, k) => (k === ax ? a.shape[ax]! : d)), 'takeAlongAxis');
  const iN = normalizeIndexArray('takeAlongAxis', idx, a.shape[ax]!, opts.mode);
  const iT = bTo(castTo(iN, 'int32'), target, 'takeAlongAxis');
  const idxs = target.map((_, k) => (k === ax ? iT : lax.iota('int32', target, k)));
  return lax.gather(aT, idxs, range(a.ndim), 0);
}

// ---------------------------------------------------------------------------------------------
// Diagonals.

/** The `offset` diagonal over (axis1, axis2), placed as the last axis. */
export function diagonal(x: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): Array {
  const a = asArray(x, 'diagonal');
  if (a.ndim < 2) fail('diagonal', `input must be at least 2-D, got ${desc(a)}`);
  const a1 = normalizeAxis('diagonal', axis1, a.ndim), a2 = normalizeAxis('diagonal', axis2, a.ndim);
  if (a1 === a2) fail('diagonal', `axis1 and axis2 cannot be the same (${axis1})`);
  const n = a.shape[a1]!, m = a.shape[a2]!;
  const len = Math.max(0, Math.min(n + Math.min(offset, 0), m - Math.max(offset, 0)));
  const r = range(len).map((i) => i + Math.max(-offset, 0)), c = range(len).map((i) => i + Math.max(offset, 0));
  const axes = [a1, a2];
  const ix = [int32Array(r), int32Array(c)];
  // gather wants its axes ascending; swap the index arrays if axis2 < axis1
  const order = a1 < a2 ? [0, 1] : [1, 0];
  return lax.gather(a, order.map((o) => ix[o]!), order.map((o) => axes[o]!), a.ndim - 2);
}

/** 1-D input: a 2-D array with v on the k-th diagonal; 2-D input: its k-th diagonal. */
export function diag(v: ArrayLike, k = 0): Array {
  const a = asArray(v, 'diag');
  if (a.ndim === 2) return diagonal(a, k);
  if (a.ndim !== 1) fail('diag', `input must be 1-D or 2-D, got ${desc(a)}`);
  const m = a.shape[0]!, n = m + Math.abs(k);
  // out[i, j] = v[i] where j - i = k (k >= 0), v[j] where i - j = -k (k < 0)
  const padded = lax.pad(a, castTo(lax.scalar(0, a.dtype), a.dtype, a.weakType), [[0, Math.abs(k), 0]]);
  const b = lax.broadcastInDim(padded, [n, n], [k >= 0 ? 0 : 1]);
  const mask = lax.eq(lax.add(lax.iota('int32', [n, n], 0), lax.full([n, n], k, 'int32')), lax.iota('int32', [n, n], 1));
  return lax.select(mask, b, fullOf(b, 0));
}
/** The flattened input placed on a diagonal. */
export const diagflat = (v: ArrayLike, k = 0): Array => diag(ravel(v), k);

/** Sum along the `offset` diagonal. */
export function trace(x: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): Array {
  const d = diagonal(x, offset, axis1, axis2);
  const s = toBoolSafe(d);
  return lax.reduceSum(s, [d.ndim - 1]);
}
const toBoolSafe = (d: Array): Array => (d.dtype === 'bool' ? castTo(toBool(d), 'int32') : d);

// ---------------------------------------------------------------------------------------------
// Slicing wrappers.

/** lax.slice over every axis (start/limit/strides per axis). */
export const slice = (x: ArrayLike, start: readonly number[], limit: readonly number[], strides?: readonly number[] | null): Array =>
  lax.slice(asArray(x, 'slice'), start, limit, strides ?? null);
/** x[start:start+size] with (possibly traced) start indices, clamped to fit. */
export const dynamicSlice = (x: ArrayLike, start: readonly (number | Array)[], sizes: readonly number[]): Array =>
  lax.dynamicSlice(asArray(x, 'dynamicSlice'), start, sizes);
/** x with `update` written at (possibly traced) start indices, clamped to fit. */
export const dynamicUpdateSlice = (x: ArrayLike, update: ArrayLike, start: readonly (number | Array)[]): Array => {
  const a = asArray(x, 'dynamicUpdateSlice');
  return lax.dynamicUpdateSlice(a, castTo(asArray(update, 'dynamicUpdateSlice'), a.dtype, a.weakType), start);
};

export { shapeEqual };
