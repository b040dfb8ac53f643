// numpy indexing: x.index(...) with ints, null (newaxis), slice strings, '...', integer and boolean arrays; pure x.at(...).set/add/... updates.
import { broadcastShapes } from '../core/aval.js';
import { isInt } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { toBool } from './elementwise.js';
import { nonzero } from './sorting.js';
import {
  type ArrayLike,
  JSArray,
  asArray,
  broadcastTo,
  castTo,
  desc,
  fail,
  fmtShape,
  fullOf,
  int32Array,
  isBool,
  range,
} from './util.js';

/** A slice given as an object (the string form '1:5:2' is usually handier). */
export interface SliceSpec {
  readonly start?: number | null;
  readonly stop?: number | null;
  readonly step?: number | null;
}
/**
 * One index: an integer (negative counts from the end), null (a new size-1 axis), a string (':', '1:3',
 * '::-1', '...', 'None', or several separated by commas), a slice object, or an integer/boolean array
 * (advanced indexing; boolean arrays must be concrete).
 */
export type Index = number | null | string | SliceSpec | Array | readonly (number | boolean | readonly unknown[])[];

type Item =
  | { kind: 'int'; v: number }
  | { kind: 'slice'; start: number | null; stop: number | null; step: number | null }
  | { kind: 'new' }
  | { kind: 'ellipsis' }
  | { kind: 'adv'; idx: Array }
  | { kind: 'bool'; mask: Array };

/** An item bound to the input axis it indexes (newaxis has none). */
type Entry =
  | { kind: 'int'; v: number; axis: number }
  | { kind: 'slice'; start: number | null; stop: number | null; step: number | null; axis: number }
  | { kind: 'new' }
  | { kind: 'adv'; idx: Array; axis: number };

const indexError = (op: string, msg: string): never => {
  throw new RangeError(`${op}: ${msg}`);
};

function parseSliceToken(op: string, tok: string): Item {
  if (tok === '...' || tok === '…') return { kind: 'ellipsis' };
  if (tok === 'None' || tok === 'newaxis' || tok === 'null') return { kind: 'new' };
  const num = (s: string): number | null => {
    if (s === '') return null;
    if (!/^[+-]?\d+$/.test(s)) return fail(op, `invalid index ${JSON.stringify(tok)}: '${s}' is not an integer`);
    return Number(s);
  };
  if (tok.includes(':')) {
    const parts = tok.split(':');
    if (parts.length > 3) fail(op, `invalid slice ${JSON.stringify(tok)}: at most start:stop:step`);
    return { kind: 'slice', start: num(parts[0]!.trim()), stop: num(parts[1]!.trim()), step: parts.length === 3 ? num(parts[2]!.trim()) : null };
  }
  const v = num(tok);
  if (v === null) return fail(op, `empty index in ${JSON.stringify(tok)}`);
  return { kind: 'int', v };
}

function parseItems(op: string, idx: readonly Index[]): Item[] {
  const out: Item[] = [];
  for (const it of idx) {
    if (typeof it === 'number') {
      if (!Number.isInteger(it)) fail(op, `indices must be integers, got ${it}`);
      out.push({ kind: 'int', v: it });
    } else if (it === null) out.push({ kind: 'new' });
    else if (typeof it === 'string') for (const tok of it.split(',')) out.push(parseSliceToken(op, tok.trim()));
    else if (it instanceof Array || JSArray.isArray(it)) {
      const a = it instanceof Array ? it : asArray(it as ArrayLike, op);
      if (isBool(a.dtype)) out.push({ kind: 'bool', mask: a });
      else if (isInt(a.dtype)) out.push({ kind: 'adv', idx: a });
      else fail(op, `arrays used as indices must be of integer or boolean type, got ${desc(a)}`);
    } else if (typeof it === 'object') {
      const s = it as SliceSpec;
      out.push({ kind: 'slice', start: s.start ?? null, stop: s.stop ?? null, step: s.step ?? null });
    } else fail(op, `unsupported index ${String(it)} (${typeof it}); use integers, null, slice strings like '1:3', or integer/boolean arrays`);
  }
  return out;
}

/** Expands '...', boolean masks (via nonzero, concrete only) and implicit trailing ':' into one entry per axis. */
function expand(op: string, x: Array, idx: readonly Index[]): { entries: Entry[]; hasAdv: boolean } {
  const items = parseItems(op, idx);
  const nEll = items.filter((i) => i.kind === 'ellipsis').length;
  if (nEll > 1) fail(op, `an index can only have a single ellipsis ('...')`);
  const consumed = items.reduce((s, i) => s + (i.kind === 'bool' ? i.mask.ndim : i.kind === 'new' || i.kind === 'ellipsis' ? 0 : 1), 0);
  if (consumed > x.ndim) indexError(op, `too many indices for an array of shape ${fmtShape(x.shape)}: ${x.ndim} axes, but ${consumed} were indexed`);
  const full = (): Item => ({ kind: 'slice', start: null, stop: null, step: null });
  const fill = range(x.ndim - consumed).map(full);
  const list: Item[] = nEll ? items.flatMap((i) => (i.kind === 'ellipsis' ? fill : [i])) : [...items, ...fill];
  const entries: Entry[] = [];
  let axis = 0;
  for (const it of list) {
    if (it.kind === 'new') entries.push({ kind: 'new' });
    else if (it.kind === 'bool') {
      const m = it.mask;
      const covered = x.shape.slice(axis, axis + m.ndim);
      if (m.ndim === 0) fail(op, 'a boolean scalar index is not supported');
      if (covered.some((d, k) => d !== m.shape[k]))
        indexError(op, `boolean index of shape ${fmtShape(m.shape)} does not match the indexed axes ${fmtShape(covered)} of ${fmtShape(x.shape)}`);
      for (const c of nonzero(m)) entries.push({ kind: 'adv', idx: c, axis: axis++ });
    } else if (it.kind === 'int' || it.kind === 'slice' || it.kind === 'adv') entries.push({ ...it, axis: axis++ } as Entry);
  }
  const hasAdv = entries.some((e) => e.kind === 'adv');
  if (hasAdv)
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      if (e.kind === 'int') entries[k] = { kind: 'adv', idx: int32Array([e.v], []), axis: e.axis };
    }
  return { entries, hasAdv };
}

/** Python's slice.indices: normalised (start, step, length) for an axis of size n. */
function sliceIndices(op: string, s: { start: number | null; stop: number | null; step: number | null }, n: number): { start: number; step: number; len: number } {
  const step = s.step ?? 1;
  if (step === 0) fail(op, 'slice step cannot be zero');
  const norm = (v: number | null, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    const w = v < 0 ? v + n : v;
    return Math.min(Math.max(w, lo), hi);
  };
  const start = step > 0 ? norm(s.start, 0, 0, n) : norm(s.start, n - 1, -1, n - 1);
  const stop = step > 0 ? norm(s.stop, n, 0, n) : norm(s.stop, -1, -1, n - 1);
  const len = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((stop - start) / step));
  return { start, step, len };
}

const staticInt = (op: string, v: number, n: number, axis: number): number => {
  const w = v < 0 ? v + n : v;
  if (w < 0 || w >= n) indexError(op, `index ${v} is out of bounds for axis ${axis} with size ${n}`);
  return w;
};

/** Negative indices count from the end; out-of-range ones then clamp in the gather (JAX's default). */
function normalizeAdv(i: Array, n: number): Array {
  if (i.dtype === 'uint32') return i;
  const c = i.concrete();
  if (c) {
    const v = c.dataSync();
    const out = new Int32Array(v.length);
    for (let k = 0; k < v.length; k++) out[k] = v[k]! < 0 ? v[k]! + n : v[k]!;
    return int32Array(out, i.shape);
  }
  const j = castTo(i, 'int32');
  return lax.select(lax.lt(j, fullOf(j, 0)), lax.add(j, fullOf(j, n)), j);
}

/** Whether advanced entries sit next to each other in the index (numpy then keeps them in place). */
function advAdjacent(entries: readonly Entry[]): boolean {
  const pos = entries.map((e, k) => (e.kind === 'adv' ? k : -1)).filter((k) => k >= 0);
  return pos.every((p, k) => k === 0 || p === pos[k - 1]! + 1);
}

/** x[idx...] with numpy semantics: basic indices slice (no copy of structure), advanced ones gather. */
export function getIndex(x: Array, idx: readonly Index[], op = 'index'): Array {
  if (idx.length === 0) return x;
  const { entries, hasAdv } = expand(op, x, idx);
  const n = x.ndim;
  const starts = new JSArray<number>(n).fill(0), limits = x.shape.slice(), strides = new JSArray<number>(n).fill(1);
  const revDims: number[] = [];
  const lens = x.shape.slice();
  for (const e of entries) {
    if (e.kind === 'slice') {
      const d = x.shape[e.axis]!;
      let { start, step, len } = sliceIndices(op, e, d);
      if (step < 0) {
        revDims.push(e.axis);
        start = d - 1 - start;
        step = -step;
      }
      starts[e.axis] = len === 0 ? 0 : start;
      limits[e.axis] = len === 0 ? 0 : start + (len - 1) * step + 1;
      strides[e.axis] = step;
      lens[e.axis] = len;
    } else if (e.kind === 'int') {
      const v = staticInt(op, e.v, x.shape[e.axis]!, e.axis);
      starts[e.axis] = v;
      limits[e.axis] = v + 1;
    }
  }
  let y = lax.slice(lax.rev(x, revDims), starts, limits, strides);
  const zshape: number[] = [];
  const advAxes: number[] = [];
  const advIdx: Array[] = [];
  for (const e of entries) {
    if (e.kind === 'slice') zshape.push(lens[e.axis]!);
    else if (e.kind === 'new') zshape.push(1);
    else if (e.kind === 'adv') {
      advAxes.push(zshape.length);
      advIdx.push(normalizeAdv(e.idx, x.shape[e.axis]!));
      zshape.push(x.shape[e.axis]!);
    }
  }
  y = lax.reshape(y, zshape);
  if (!hasAdv) return y;
  broadcastShapes(op, ...advIdx.map((i) => i.shape));
  for (const [k, a] of advAxes.entries())
    if (y.shape[a] === 0 && advIdx[k]!.size > 0) indexError(op, `cannot index an empty axis of ${fmtShape(x.shape)}`);
  return lax.gather(y, advIdx, advAxes, advAdjacent(entries) ? advAxes[0]! : 0);
}

export type UpdateMode = 'set' | 'add' | 'mul' | 'div' | 'min' | 'max' | 'pow';

const combine: { [M in Exclude<UpdateMode, 'set'>]: (g: Array, u: Array) => Array } = {
  add: (g, u) => (isBool(g.dtype) ? lax.or(g, u) : lax.add(g, u)),
  mul: (g, u) => (isBool(g.dtype) ? lax.and(g, u) : lax.mul(g, u)),
  div: (g, u) => lax.div(g, u),
  min: (g, u) => lax.min(g, u),
  max: (g, u) => lax.max(g, u),
  pow: (g, u) => lax.pow(g, u),
};

/**
 * Pure indexed update (JAX's x.at[idx].set/add/...): returns a new array. Out-of-range advanced indices
 * are dropped (JAX's scatter default); with duplicate indices 'add' accumulates, the others keep the last.
 */
export function updateIndex(x: Array, idx: readonly Index[], value: ArrayLike, mode: UpdateMode, op = `at().${mode}`): Array {
  const { entries, hasAdv } = expand(op, x, idx);
  // updates take x's dtype (numpy casts the values into the array being written)
  const u = castTo(asArray(value, op), x.dtype, x.weakType);
  if (!hasAdv) return updateBasic(x, entries, u, mode, op);
  return updateAdvanced(x, entries, u, mode, op);
}

function updateBasic(x: Array, entries: readonly Entry[], u0: Array, mode: UpdateMode, op: string): Array {
  const n = x.ndim;
  const start = new JSArray<number>(n).fill(0), step = new JSArray<number>(n).fill(1), len = x.shape.slice();
  const revDims: number[] = [];
  const R: number[] = [];
  for (const e of entries) {
    if (e.kind === 'new') R.push(1);
    else if (e.kind === 'int') {
      const d = x.shape[e.axis]!;
      const w = e.v < 0 ? e.v + d : e.v;
      if (w < 0 || w >= d) return x; // out of range: dropped, as JAX's scatter
      start[e.axis] = w;
      len[e.axis] = 1;
    } else if (e.kind === 'slice') {
      const d = x.shape[e.axis]!;
      const s = sliceIndices(op, e, d);
      len[e.axis] = s.len;
      R.push(s.len);
      if (s.step < 0) {
        // the same positions visited upward: start at the last one
        start[e.axis] = s.len === 0 ? 0 : s.start + (s.len - 1) * s.step;
        step[e.axis] = -s.step;
        revDims.push(e.axis);
      } else {
        start[e.axis] = s.start;
        step[e.axis] = s.step;
      }
    }
  }
  let u = broadcastTo(u0, R, op);
  u = lax.reshape(u, len);
  u = lax.rev(u, revDims);
  if (len.some((d) => d === 0)) return x;
  const lim = start.map((s, i) => s + (len[i]! - 1) * step[i]! + 1);
  if (mode !== 'set' && mode !== 'add') u = combine[mode](lax.slice(x, start, lim, step), u);
  const cfg = start.map((s, i) => [s, x.shape[i]! - lim[i]!, step[i]! - 1] as const);
  const padded = lax.pad(u, castTo(lax.scalar(0, x.dtype), x.dtype, x.weakType), cfg);
  if (mode === 'add') return isBool(x.dtype) ? lax.or(x, padded) : lax.add(x, padded);
  const mask = lax.pad(lax.full(len, true, 'bool'), lax.scalar(false, 'bool'), cfg);
  return lax.select(mask, padded, x);
}

function updateAdvanced(x: Array, entries: readonly Entry[], u0: Array, mode: UpdateMode, op: string): Array {
  const advs = entries.filter((e): e is Extract<Entry, { kind: 'adv' }> => e.kind === 'adv');
  const norm = advs.map((e) => normalizeAdv(e.idx, x.shape[e.axis]!));
  const advShape = broadcastShapes(op, ...norm.map((i) => i.shape));
  const adjacent = advAdjacent(entries);
  // numpy's result layout R (with newaxis dims) and the position of the advanced block in R and R'
  const R: number[] = [], Rp: number[] = [];
  let advAt = -1, advAtP = -1;
  const slicePos = new Map<number, number>(); // axis -> position in R'
  const sl = new Map<number, { start: number; step: number; len: number }>();
  const placeAdv = () => {
    advAt = R.length;
    advAtP = Rp.length;
    R.push(...advShape);
    Rp.push(...advShape);
  };
  if (!adjacent) placeAdv();
  for (const e of entries) {
    if (e.kind === 'adv') {
      if (advAt < 0) placeAdv();
    } else if (e.kind === 'new') R.push(1);
    else if (e.kind === 'slice') {
      const s = sliceIndices(op, e, x.shape[e.axis]!);
      sl.set(e.axis, s);
      slicePos.set(e.axis, Rp.length);
      R.push(s.len);
      Rp.push(s.len);
    }
  }
  const rank = Rp.length;
  // pad by one slot on axes whose indices may be out of range, and send those indices there (dropped)
  const padAxes = new Set<number>();
  const idxFor = new Map<number, Array>();
  advs.forEach((e, k) => {
    const d = x.shape[e.axis]!;
    const i = norm[k]!;
    const c = i.concrete();
    let j: Array;
    if (c) {
      const v = c.dataSync();
      let oob = false;
      const out = new Int32Array(v.length);
      for (let t = 0; t < v.length; t++) {
        const w = v[t]!;
        if (w < 0 || w >= d) {
          oob = true;
          out[t] = d;
        } else out[t] = w;
      }
      if (oob) padAxes.add(e.axis);
      j = int32Array(out, i.shape);
    } else {
      padAxes.add(e.axis);
      const ii = castTo(i, 'int32');
      const bad = lax.or(lax.lt(ii, fullOf(ii, 0)), lax.ge(ii, fullOf(ii, d)));
      j = lax.select(bad, fullOf(ii, d), ii);
    }
    j = broadcastTo(j, advShape, op);
    const shape = [...new JSArray<number>(advAtP).fill(1), ...advShape, ...new JSArray<number>(rank - advAtP - advShape.length).fill(1)];
    idxFor.set(e.axis, lax.reshape(j, shape));
  });
  const idxs = range(x.ndim).map((ax) => {
    const a = idxFor.get(ax);
    if (a) return a;
    const s = sl.get(ax)!;
    const vals = range(s.len).map((k) => s.start + k * s.step);
    const shape = new JSArray<number>(rank).fill(1);
    shape[slicePos.get(ax)!] = s.len;
    return int32Array(vals, shape);
  });
  const xp = padAxes.size
    ? lax.pad(x, castTo(lax.scalar(0, x.dtype), x.dtype, x.weakType), x.shape.map((_, i) => [0, padAxes.has(i) ? 1 : 0, 0] as const))
    : x;
  const u = lax.reshape(broadcastTo(u0, R, op), Rp);
  const all = range(x.ndim);
  let r: Array;
  if (mode === 'set') r = lax.scatter(xp, u, idxs, all, 0);
  else if (mode === 'add' && !isBool(x.dtype)) r = lax.scatterAdd(xp, u, idxs, all, 0);
  else r = lax.scatter(xp, combine[mode](lax.gather(xp, idxs, all, 0), u), idxs, all, 0);
  return padAxes.size ? lax.slice(r, all.map(() => 0), x.shape) : r;
}

/** The object returned by `x.at(...idx)`: pure indexed reads and updates. */
export class IndexUpdateRef {
  constructor(
    readonly array: Array,
    readonly idx: readonly Index[],
  ) {}
  /** x[idx] (out-of-range advanced indices clamp). */
  get(): Array {
    return getIndex(this.array, this.idx, 'at().get');
  }
  /** x with x[idx] = v. */
  set(v: ArrayLike): Array {
    return updateIndex(this.array, this.idx, v, 'set');
  }
  /** x with x[idx] += v (duplicates accumulate). */
  add(v: ArrayLike): Array {
    return updateIndex(this.array, this.idx, v, 'add');
  }
  /** x with x[idx] -= v. */
  subtract(v: ArrayLike): Array {
    const u = asArray(v, 'at().subtract');
    return updateIndex(this.array, this.idx, isBool(u.dtype) ? u : lax.neg(castTo(u, this.array.dtype, this.array.weakType)), 'add');
  }
  sub(v: ArrayLike): Array {
    return this.subtract(v);
  }
  /** x with x[idx] *= v. */
  multiply(v: ArrayLike): Array {
    return updateIndex(this.array, this.idx, v, 'mul');
  }
  mul(v: ArrayLike): Array {
    return this.multiply(v);
  }
  /** x with x[idx] /= v. */
  divide(v: ArrayLike): Array {
    return updateIndex(this.array, this.idx, v, 'div');
  }
  div(v: ArrayLike): Array {
    return this.divide(v);
  }
  /** x with x[idx] **= v. */
  power(v: ArrayLike): Array {
    return updateIndex(this.array, this.idx, v, 'pow');
  }
  /** x with x[idx] = min(x[idx], v). */
  min(v: ArrayLike): Array {
    return updateIndex(this.array, this.idx, v, 'min');
  }
  /** x with x[idx] = max(x[idx], v). */
  max(v: ArrayLike): Array {
    return updateIndex(this.array, this.idx, v, 'max');
  }
  /** x with x[idx] = f(x[idx]). */
  apply(f: (g: Array) => Array): Array {
    return updateIndex(this.array, this.idx, f(this.get()), 'set');
  }
}

/** x[idx...] as a function. */
export const index = (x: ArrayLike, ...idx: Index[]): Array => getIndex(asArray(x, 'index'), idx);
/** x.at(...idx) as a function. */
export const at = (x: ArrayLike, ...idx: Index[]): IndexUpdateRef => new IndexUpdateRef(asArray(x, 'at'), idx);

export { toBool };
