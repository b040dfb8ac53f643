// Vectorising map: BatchTrace carries (value, batch dimension) pairs (Autodidax Part 1, vmap_v1).
import { ShapedArray } from '../core/aval.js';
import type { Params, Prim } from '../core/primitive.js';
import { Array, type ConcreteLike, Trace, Tracer, withMain, fullRaise, bind } from '../core/trace.js';
import { flatten, unflatten, TreeDef } from '../core/tree.js';
import * as lax from '../lax/prims.js';
import { vmapRules } from '../rules/vmap.js';
import { toArray } from './util.js';

export class BatchTracer extends Tracer {
  readonly aval: ShapedArray;
  constructor(
    readonly _trace: Trace,
    readonly val: Array,
    readonly bdim: number | null,
  ) {
    super();
    this.aval = bdim === null ? val.aval : val.aval.withShape(val.shape.filter((_, i) => i !== bdim));
  }
  override fullLower(): Array {
    return this.bdim === null ? this.val : this;
  }
  override concrete(): ConcreteLike | null {
    return this.bdim === null ? this.val.concrete() : null;
  }
}

export class BatchTrace extends Trace {
  get axisSize(): number {
    return (this.main.globalData as { axisSize: number }).axisSize;
  }
  pure(x: Array): Array {
    return new BatchTracer(this, x, null);
  }
  processPrimitive<P extends Prim>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    const ts = tracers as BatchTracer[];
    const vals = ts.map((t) => t.val);
    const dims = ts.map((t) => t.bdim);
    if (dims.every((d) => d === null)) return bind(prim, vals, params);
    const rule = vmapRules[prim] as (a: Array[], d: (number | null)[], p: Params<P>, n: number) => [Array[], (number | null)[]];
    const [outs, outDims] = rule(vals, dims, params, this.axisSize);
    return outs.map((o, i) => new BatchTracer(this, o, outDims[i] ?? null));
  }
}

/** Moves (or creates, by broadcasting) the batch axis of `x` from `from` to `to`. */
export function moveBatchAxis(x: Array, from: number | null, to: number | null, axisSize: number): Array {
  if (to !== null && to < 0) to += from === null ? x.ndim + 1 : x.ndim;
  if (to === null) {
    if (from !== null)
      throw new TypeError(`vmap: an output is batched (it depends on a mapped input) but its outAxes entry is null`);
    return x;
  }
  if (from === null) {
    const shape = [...x.shape.slice(0, to), axisSize, ...x.shape.slice(to)];
    const dims = x.shape.map((_, i) => (i < to ? i : i + 1));
    return lax.broadcastInDim(x, shape, dims);
  }
  if (from === to) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return lax.transpose(x, perm);
}

/** vmap over flat lists of arrays with explicit batch dims. */
export function vmapFlat(
  f: (...xs: Array[]) => Array[],
  args: readonly Array[],
  inDims: readonly (number | null)[],
  outDims: readonly (number | null)[] | ((bdims: (number | null)[]) => (number | null)[]),
  axisSize: number,
): Array[] {
  return withMain(BatchTrace, 'vmap', { axisSize }, (main) => {
    const trace = main.trace;
    const ins = args.map((a, i) => (inDims[i] === null ? a : new BatchTracer(trace, a, inDims[i]!)));
    const outs = f(...ins).map((o) => fullRaise(trace, o) as BatchTracer);
    const od = typeof outDims === 'function' ? outDims(outs.map((o) => o.bdim)) : outDims;
    return outs.map((o, i) => moveBatchAxis(o.val, o.bdim, od[i] ?? null, axisSize));
  });
}

/** Expands an axis spec given as a pytree prefix of `tree` into one entry per leaf. */
export function broadcastPrefix(what: string, prefix: unknown, tree: unknown): (number | null)[] {
  const out: (number | null)[] = [];
  const go = (p: unknown, t: unknown, path: string): void => {
    if (p === null || p === undefined || typeof p === 'number') {
      const n = flatten(t)[0].length;
      for (let i = 0; i < n; i++) out.push((p ?? null) as number | null);
      return;
    }
    if (globalThis.Array.isArray(p) && globalThis.Array.isArray(t) && p.length === t.length) {
      p.forEach((pi, i) => go(pi, t[i], `${path}[${i}]`));
      return;
    }
    if (typeof p === 'object' && typeof t === 'object' && t !== null && !globalThis.Array.isArray(p)) {
      const keys = Object.keys(t as object).sort();
      for (const k of keys) go((p as Record<string, unknown>)[k], (t as Record<string, unknown>)[k], `${path}.${k}`);
      return;
    }
    throw new TypeError(`${what}: the axis spec at ${path || 'the root'} (${JSON.stringify(p)}) does not match the structure of the value there; use a number, null, or a tree prefix of the argument`);
  };
  go(prefix, tree, '');
  return out;
}

/** Options of {@link vmap}: `inAxes` and `outAxes` (numbers, null for unbatched, or pytree prefixes) and `axisSize`. */
export interface VmapOptions {
  /** Batch axis of each positional argument (a number, null for unbatched, or a pytree prefix). Default 0. */
  inAxes?: number | null | readonly unknown[];
  /** Batch axis of the outputs (a number, null, or a pytree prefix of the output). Default 0. */
  outAxes?: unknown;
  /** The batch size, needed only when no input is batched. */
  axisSize?: number;
}

/**
 * Vectorises `f` over a batch axis of its inputs (JAX's vmap). Write `f` for one example; vmap runs it on
 * a whole batch without a JS loop.
 * @example
 * const dots = vmap((a: Array, b: Array) => np.dot(a, b))(xs, ys); // xs, ys: [batch, n]
 */
export function vmap<F extends (...args: any[]) => any>(f: F, opts: VmapOptions = {}): F {
  const { inAxes = 0, outAxes = 0 } = opts;
  const wrapped = (...args: unknown[]) => {
    if (globalThis.Array.isArray(inAxes) && inAxes.length !== args.length)
      throw new TypeError(`vmap: inAxes has ${inAxes.length} entries but the function got ${args.length} arguments`);
    const specs = globalThis.Array.isArray(inAxes) ? args.map((a, i) => broadcastPrefix('vmap inAxes', inAxes[i], a)) : args.map((a) => broadcastPrefix('vmap inAxes', inAxes, a));
    const [leaves, inTree] = flatten(args);
    const flatSpecs = specs.flat();
    const arrs = leaves.map((l) => toArray(l));
    let axisSize: number | undefined = opts.axisSize;
    const inDims = arrs.map((a, i) => {
      const s = flatSpecs[i];
      if (s === null || s === undefined) return null;
      if (!Number.isInteger(s) || s < -a.ndim || s >= a.ndim)
        throw new RangeError(`vmap: inAxes ${s} is out of range for an argument of shape [${a.shape.join(', ')}]`);
      const d = s < 0 ? s + a.ndim : s;
      if (axisSize === undefined) axisSize = a.shape[d]!;
      else if (a.shape[d] !== axisSize)
        throw new TypeError(
          `vmap: mapped axes have different sizes: ${axisSize} and ${a.shape[d]} (argument leaf of shape [${a.shape.join(', ')}], axis ${d}); all mapped inputs need the same batch size`,
        );
      return d;
    });
    if (axisSize === undefined) throw new TypeError('vmap: no input is mapped (all inAxes are null); pass axisSize');
    let outTree: TreeDef | null = null;
    let outStruct: unknown = null;
    const flatF = (...xs: Array[]) => {
      const out = f(...(unflatten(inTree, xs) as unknown[]));
      outStruct = out;
      const [ol, od] = flatten(out);
      outTree = od;
      return ol.map((l) => toArray(l));
    };
    const outs = vmapFlat(flatF, arrs, inDims, () => broadcastPrefix('vmap outAxes', outAxes, outStruct), axisSize);
    return unflatten(outTree!, outs);
  };
  return wrapped as F;
}
