// Model compression over params pytrees: symmetric int8 quantization (per tensor or per channel) with dequantize, and magnitude pruning with masks.
import { fmtShape, normalizeAxis } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import { flatten, unflatten } from '../core/tree.js';
import * as lax from '../lax/ops.js';
import { absolute, clip, divide, equal, greaterEqual, multiply, notEqual, round, where } from '../numpy/elementwise.js';
import { full, zerosLike } from '../numpy/creation.js';
import { max, sum } from '../numpy/reductions.js';
import { concatenate, reshape } from '../numpy/shape.js';
import { argsort } from '../numpy/sorting.js';
import { castTo } from '../numpy/util.js';
import { leafPaths } from './paths.js';

/** Chooses leaves by their dotted path and value. */
export type LeafFilter = (path: string, leaf: Array) => boolean;

/** Options of quantizeInt8. */
export interface QuantizeOptions {
  /**
   * null (default): one scale per tensor. A number: one scale per slice along that axis of each leaf (per
   * output channel: -1 for dense kernels [in, out] and HWIO conv kernels, 0 for PyTorch's [out, in]).
   * Leaves with fewer dimensions than the axis needs (biases for axis 1, scalars) get one scale.
   */
  readonly axis?: number | null;
  /** Which float leaves to quantize. Default: every float leaf. Others are kept as they are. */
  readonly filter?: LeafFilter;
}

/**
 * A quantized pytree: `q` has the params' structure with int8 values (held in int32 arrays, in
 * [-127, 127]) where a leaf was quantized and the original leaf elsewhere; `scale` has the same structure,
 * with the float scale (broadcastable against the leaf) of quantized leaves and a bool scalar `false` for
 * leaves kept as they are. Plain arrays only, so it saves with `serialize` and maps with tree functions.
 */
export interface QuantizedTree {
  readonly q: unknown;
  readonly scale: unknown;
}

const QMAX = 127;

/**
 * Symmetric int8 quantization of every float leaf (a params pytree): scale = max|w| / 127 over the
 * tensor (or over each channel along `axis`), q = clip(round(w / scale), -127, 127), so that
 * |w − q·scale| ≤ scale / 2 elementwise. An all-zero tensor (or channel) gets scale 1. Pure lax ops:
 * runs under jit.
 * @example
 * const qt = train.quantizeInt8(params, { axis: -1 });  // per output channel of [in, out] kernels
 * const approx = train.dequantize(qt);                  // same structure and dtypes as params
 */
export function quantizeInt8(params: unknown, opts: QuantizeOptions = {}): QuantizedTree {
  const op = 'train.quantizeInt8';
  const [leaves, def] = flatten(params);
  const paths = leafPaths(def);
  const axisOpt = opts.axis ?? null;
  const qs: unknown[] = [];
  const scales: unknown[] = [];
  leaves.forEach((leaf, i) => {
    const path = paths[i]!;
    const keep = !(leaf instanceof Array) || !isFloat(leaf.dtype) || (opts.filter !== undefined && !opts.filter(path, leaf));
    if (keep) {
      qs.push(leaf);
      scales.push(lax.scalar(false, 'bool'));
      return;
    }
    const w = leaf as Array;
    let amax: Array;
    const perChannel = axisOpt !== null && w.ndim > 0 && (axisOpt < 0 ? -axisOpt <= w.ndim : axisOpt < w.ndim);
    if (perChannel) {
      const ax = normalizeAxis(op, axisOpt!, w.ndim);
      const others = w.shape.map((_, d) => d).filter((d) => d !== ax);
      amax = max(absolute(w), others, { keepdims: true });
    } else amax = max(absolute(w));
    // scale = max|w| / 127, or 1 where the tensor (channel) is all zeros
    const scale = where(equal(amax, 0), lax.scalar(1, w.dtype, true), divide(amax, lax.scalar(QMAX, w.dtype, true)));
    const q = clip(round(divide(w, scale)), -QMAX, QMAX);
    qs.push(castTo(q, 'int32'));
    scales.push(castTo(scale, w.dtype));
  });
  return { q: unflatten(def, qs), scale: unflatten(def, scales) };
}

/**
 * The float params back from a QuantizedTree: q · scale in each quantized leaf's dtype; kept leaves as they were.
 * @example
 * const approx = train.dequantize(train.quantizeInt8(params));
 */
export function dequantize<T = unknown>(qt: QuantizedTree): T {
  const op = 'train.dequantize';
  const [qs, def] = flatten(qt.q);
  const [ss, sdef] = flatten(qt.scale);
  if (!def.equals(sdef)) throw new TypeError(`${op}: q and scale must have the same structure, got ${def} and ${sdef}`);
  return unflatten<T>(
    def,
    qs.map((q, i) => {
      const s = ss[i] as Array;
      if (!(s instanceof Array)) throw new TypeError(`${op}: scale leaf ${i} is ${typeof s}, expected an Array`);
      if (s.dtype === 'bool') return q; // kept as it was
      return multiply(castTo(q as Array, s.dtype), s);
    }),
  );
}

/** Options of magnitudePrune. */
export interface PruneOptions {
  /**
   * 'layer' (default): prune `sparsity` of each selected leaf separately. 'global': rank the magnitudes of
   * all selected leaves together and prune the smallest `sparsity` of them all (layers end up uneven).
   */
  readonly scope?: 'layer' | 'global';
  /** Which leaves to prune. Default: float leaves with at least 2 dimensions (kernels, not biases). */
  readonly filter?: LeafFilter;
}

/** The result of magnitudePrune: the pruned params and the keep-masks (bool, same structure). */
export interface Pruned<T> {
  readonly params: T;
  /** true where a weight is kept; all true for leaves that were not selected. */
  readonly masks: unknown;
}

/**
 * Magnitude pruning (torch.nn.utils.prune.l1_unstructured / global_unstructured): zeroes the
 * round(sparsity · n) entries of smallest |w| in each selected leaf, or across all of them with scope
 * 'global' (ties broken by position). Returns the pruned params and the masks; re-apply the masks after
 * each optimizer step with `applyMasks` to keep the zeros. Pure lax ops (argsort): runs under jit.
 * @example
 * const { params: sparse, masks } = train.magnitudePrune(params, 0.9, { scope: 'global' });
 * params = train.applyMasks(optim.applyUpdates(sparse, updates), masks);
 */
export function magnitudePrune<T>(params: T, sparsity: number, opts: PruneOptions = {}): Pruned<T> {
  const op = 'train.magnitudePrune';
  if (!(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`${op}: sparsity must be a fraction in [0, 1], got ${sparsity}`);
  const scope = opts.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'global') throw new TypeError(`${op}: scope must be 'layer' or 'global', got ${JSON.stringify(scope)}`);
  const filter: LeafFilter = opts.filter ?? ((_, l) => isFloat(l.dtype) && l.ndim >= 2);
  const [leaves, def] = flatten(params);
  const paths = leafPaths(def);
  const selected = leaves.map((l, i) => l instanceof Array && filter(paths[i]!, l));
  // keep-mask of a flat vector of magnitudes: rank(|w|) >= k, ranks from a stable argsort of an argsort
  const keepMask = (mags: Array, k: number): Array => greaterEqual(argsort(argsort(mags)), k);
  const masks: Array[] = leaves.map((l) => (l instanceof Array ? full(l.shape, true, 'bool') : (lax.scalar(true, 'bool') as Array)));
  if (scope === 'layer') {
    leaves.forEach((l, i) => {
      if (!selected[i]) return;
      const w = l as Array;
      const k = Math.round(sparsity * w.size);
      masks[i] = reshape(keepMask(reshape(absolute(w), [w.size]), k), w.shape);
    });
  } else {
    const idx = leaves.map((_, i) => i).filter((i) => selected[i]);
    if (idx.length > 0) {
      const ws = idx.map((i) => leaves[i] as Array);
      const dt = ws.some((w) => w.dtype === 'float64') ? 'float64' : 'float32';
      const flat = concatenate(ws.map((w) => reshape(castTo(absolute(w), dt), [w.size])), 0);
      const keep = keepMask(flat, Math.round(sparsity * flat.size));
      let at = 0;
      idx.forEach((i, j) => {
        const w = ws[j]!;
        masks[i] = reshape(lax.sliceInDim(keep, at, at + w.size), w.shape);
        at += w.size;
      });
    }
  }
  const pruned = leaves.map((l, i) => (selected[i] ? where(masks[i]!, l as Array, zerosLike(l as Array)) : l));
  return { params: unflatten<T>(def, pruned), masks: unflatten(def, masks) };
}

/**
 * params with zeros where the mask is false (leaf by leaf; the masks from magnitudePrune).
 * @example
 * params = train.applyMasks(params, masks);
 */
export function applyMasks<T>(params: T, masks: unknown): T {
  const op = 'train.applyMasks';
  const [ls, def] = flatten(params);
  const [ms, mdef] = flatten(masks);
  if (!def.equals(mdef)) throw new TypeError(`${op}: params and masks must have the same structure, got ${def} and ${mdef}`);
  return unflatten<T>(
    def,
    ls.map((l, i) => {
      const m = ms[i] as Array;
      if (!(l instanceof Array)) return l;
      if (!(m instanceof Array) || m.dtype !== 'bool') throw new TypeError(`${op}: mask leaf ${i} must be a bool Array, got ${m instanceof Array ? `${m.dtype}${fmtShape(m.shape)}` : typeof m}`);
      return where(m, l, zerosLike(l));
    }),
  );
}

/**
 * The fraction of zero entries among the selected leaves (default: every Array leaf), as a JS number.
 * @example
 * train.sparsity(pruned.params); // ≈ 0.9
 */
export function sparsity(params: unknown, filter?: LeafFilter): number {
  const [leaves, def] = flatten(params);
  const paths = leafPaths(def);
  let zeros = 0;
  let total = 0;
  leaves.forEach((l, i) => {
    if (!(l instanceof Array) || (filter && !filter(paths[i]!, l))) return;
    zeros += l.size - Number(sum(castTo(notEqual(l, 0), 'int32')));
    total += l.size;
  });
  return total === 0 ? 0 : zeros / total;
}
