// Jaxpr-to-jaxpr passes run by jit: dead-code elimination, common-subexpression elimination, constant folding,
// transpose-of-dot folding, sums of zero-pads as concatenates, scan accumulators hoisted out of their loops.
import { ConcreteArray } from '../core/array.js';
import { Array, bind, withoutDynamic } from '../core/trace.js';
import { ClosedJaxpr, Jaxpr, Lit, Var, type Atom, type Eqn } from './jaxpr.js';
import type { Params } from '../core/primitive.js';
import { hoistScanAccumulators } from './scanAccumulators.js';

/**
 * Removes equations whose outputs are never used (every primitive is pure).
 * Returns the new jaxpr and which inputs are still used.
 */
export function dce(j: Jaxpr, usedOuts: readonly boolean[] = j.outs.map(() => true)): [Jaxpr, boolean[]] {
  const live = new Set<Var>();
  const outs = j.outs.filter((_, i) => usedOuts[i]);
  for (const o of outs) if (o instanceof Var) live.add(o);
  const kept: Eqn[] = [];
  for (let i = j.eqns.length - 1; i >= 0; i--) {
    let e = j.eqns[i]!;
    if (e.outs.some((v) => live.has(v))) {
      e = e.prim === 'scan' ? pruneScan(e, e.outs.map((v) => live.has(v))) : pruneOutputs(e, e.outs.map((v) => live.has(v)));
      kept.push(e);
      for (const a of e.ins) if (a instanceof Var) live.add(a);
    }
  }
  kept.reverse();
  const usedIns = j.inBinders.map((v) => live.has(v));
  return [new Jaxpr(j.inBinders, kept, outs), usedIns];
}

/** The elements of `xs` whose `mask` entry is true. */
const keep = <T,>(xs: readonly T[], mask: readonly boolean[]): T[] => xs.filter((_, i) => mask[i]);

/**
 * Drops unused outputs of higher-order equations whose bodies can lose them (pjit, checkpoint, cond, and
 * the stacked outputs of scan), DCE-ing the bodies; other equations are returned unchanged.
 */
function pruneOutputs(e: Eqn, used: boolean[]): Eqn {
  if (used.every((u) => u)) return e;
  switch (e.prim) {
    case 'pjit':
    case 'checkpoint': {
      const p = e.params as { jaxpr: Jaxpr };
      return { ...e, params: { ...p, jaxpr: dce(p.jaxpr, used)[0] } as never, outs: keep(e.outs, used) };
    }
    case 'cond': {
      const p = e.params as { branches: readonly Jaxpr[] };
      return { ...e, params: { branches: p.branches.map((b) => dce(b, used)[0]) } as never, outs: keep(e.outs, used) };
    }
    default:
      return e;
  }
}

/**
 * DCE of a scan equation (JAX's dce rule for scan): a carry is live when its final value is used or the body needs it
 * to compute a live output (a fixpoint, since carries feed themselves); dead carries, unused stacked outputs, and the
 * consts and xs the live body no longer reads are all dropped, so a residual that the backward scan ignores is not
 * computed by the forward one.
 */
function pruneScan(e: Eqn, used: readonly boolean[]): Eqn {
  const p = e.params as { jaxpr: Jaxpr; numConsts: number; numCarry: number };
  const { numConsts: nc, numCarry: ncar } = p;
  const liveCarry = used.slice(0, ncar);
  const ysUsed = used.slice(ncar);
  let body: Jaxpr, usedIns: boolean[];
  for (;;) {
    [body, usedIns] = dce(p.jaxpr, [...liveCarry, ...ysUsed]);
    let changed = false;
    for (let i = 0; i < ncar; i++)
      if (!liveCarry[i] && usedIns[nc + i]) {
        liveCarry[i] = true;
        changed = true;
      }
    if (!changed) break;
  }
  const keepIn = p.jaxpr.inBinders.map((_, i) => (i < nc ? usedIns[i]! : i < nc + ncar ? liveCarry[i - nc]! : usedIns[i]!));
  const keepOut = [...liveCarry, ...ysUsed];
  if (keepIn.every((k) => k) && keepOut.every((k) => k)) return body.eqns.length === p.jaxpr.eqns.length ? e : { ...e, params: { ...p, jaxpr: body } as never };
  const jaxpr = new Jaxpr(keep(body.inBinders, keepIn), body.eqns, body.outs);
  const numConsts = keepIn.slice(0, nc).filter((k) => k).length;
  const numCarry = liveCarry.filter((k) => k).length;
  return { ...e, params: { ...p, jaxpr, numConsts, numCarry } as never, ins: keep(e.ins, keepIn), outs: keep(e.outs, keepOut) };
}

/** DCE that also drops unused inputs (and their consts) of a closed jaxpr; keeps the outputs. */
export function dceClosed(cj: ClosedJaxpr): ClosedJaxpr {
  const [j, used] = dce(cj.jaxpr);
  const nc = cj.consts.length;
  const binders = j.inBinders.filter((_, i) => i >= nc || used[i]);
  return new ClosedJaxpr(new Jaxpr(binders, j.eqns, j.outs), cj.consts.filter((_, i) => used[i]));
}

const paramKey = (p: unknown, ids: Map<object, number>): string => {
  if (p === null || typeof p !== 'object') return typeof p === 'function' ? `fn${objId(p, ids)}` : JSON.stringify(p);
  if (globalThis.Array.isArray(p)) return `[${p.map((x) => paramKey(x, ids)).join(',')}]`;
  if (p instanceof Jaxpr || p instanceof ClosedJaxpr) return `J${objId(p, ids)}`;
  return `{${Object.entries(p).map(([k, v]) => `${k}:${paramKey(v, ids)}`).join(',')}}`;
};
const objId = (o: object, ids: Map<object, number>): number => {
  let i = ids.get(o);
  if (i === undefined) ids.set(o, (i = ids.size));
  return i;
};

/** Replaces equations that repeat an earlier one (same primitive, params and operands). */
export function cse(j: Jaxpr): Jaxpr {
  const ids = new Map<object, number>();
  const subst = new Map<Var, Atom>();
  const seen = new Map<string, readonly Var[]>();
  const sub = (a: Atom): Atom => (a instanceof Var ? subst.get(a) ?? a : a);
  const atomKey = (a: Atom): string => (a instanceof Var ? `v${a.id}` : `l${a.aval}:${a.value}`);
  const eqns: Eqn[] = [];
  for (const e of j.eqns) {
    const ins = e.ins.map(sub);
    const key = `${e.prim}|${paramKey(e.params, ids)}|${ins.map(atomKey).join(',')}`;
    const prev = seen.get(key);
    if (prev) {
      e.outs.forEach((v, i) => subst.set(v, prev[i]!));
      continue;
    }
    seen.set(key, e.outs);
    eqns.push({ ...e, ins });
  }
  return new Jaxpr(j.inBinders, eqns, j.outs.map(sub));
}

const FOLD_LIMIT = 4096;
const noFold = new Set(['iota', 'broadcastInDim', 'pjit', 'cond', 'while', 'scan', 'checkpoint', 'customJvpCall', 'customVjpCall', 'customLin']);

/**
 * Evaluates equations whose operands are all known constants (literals or consts) at compile time when
 * their outputs are small; scalar results become literals, others new consts.
 */
export function foldConstants(cj: ClosedJaxpr): ClosedJaxpr {
  const j = cj.jaxpr;
  const known = new Map<Var, Array>();
  j.inBinders.slice(0, cj.consts.length).forEach((v, i) => {
    const c = cj.consts[i]!;
    if (c instanceof ConcreteArray) known.set(v, c);
  });
  const subst = new Map<Var, Atom>();
  const newConsts: [Var, Array][] = [];
  const eqns: Eqn[] = [];
  const sub = (a: Atom): Atom => (a instanceof Var ? subst.get(a) ?? a : a);
  const val = (a: Atom): Array | undefined => (a instanceof Lit ? a.val : known.get(a));
  for (const e0 of j.eqns) {
    const e = { ...e0, ins: e0.ins.map(sub) };
    const vals = e.ins.map(val);
    if (!noFold.has(e.prim) && vals.every((v) => v !== undefined) && e.outs.every((o) => o.aval.size <= FOLD_LIMIT)) {
      const outs = withoutDynamic(() => bind(e.prim, vals as Array[], e.params));
      e.outs.forEach((v, i) => {
        const o = outs[i]!;
        known.set(v, o);
        if (o.ndim === 0 && o instanceof ConcreteArray && o.isHost) subst.set(v, new Lit(o));
        else newConsts.push([v, o]);
      });
      continue;
    }
    eqns.push(e);
  }
  if (eqns.length === j.eqns.length) return cj;
  const nc = cj.consts.length;
  const jaxpr = new Jaxpr(
    [...j.inBinders.slice(0, nc), ...newConsts.map(([v]) => v), ...j.inBinders.slice(nc)],
    eqns,
    j.outs.map(sub),
  );
  return dceClosed(new ClosedJaxpr(jaxpr, [...cj.consts, ...newConsts.map(([, c]) => c)]));
}

/** Applies `f` to every jaxpr carried in an equation's params (bodies of control flow and calls). */
function mapSubJaxprs(e: Eqn, f: (j: Jaxpr) => Jaxpr): Eqn {
  const p = e.params as Record<string, unknown>;
  let changed = false;
  const np: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (v instanceof Jaxpr) {
      np[k] = f(v);
      changed = true;
    } else if (globalThis.Array.isArray(v) && v.length && v[0] instanceof Jaxpr) {
      np[k] = v.map((x: Jaxpr) => f(x));
      changed = true;
    } else np[k] = v;
  }
  return changed ? { ...e, params: np as never } : e;
}

/** How many times each var is read; a jaxpr output counts as two reads (never the single use a rewrite may absorb). */
function useCounts(j: Jaxpr): Map<Var, number> {
  const uses = new Map<Var, number>();
  for (const e of j.eqns) for (const a of e.ins) if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  for (const o of j.outs) if (o instanceof Var) uses.set(o, (uses.get(o) ?? 0) + 2);
  return uses;
}

/**
 * Folds transpose(dotGeneral(a, b)) into dotGeneral(b, a) when the transpose only swaps the two free-dimension groups
 * (batch dims first, then b's free dims, then a's) and the product has no other use: the transpose rule of dotGeneral
 * emits exactly this pattern (the weight gradient x^T·g comes out as (g^T·x)^T), and the swapped GEMM writes the
 * transposed layout directly instead of materialising a second array (XLA folds it the same way).
 */
export function foldTransposedDots(j: Jaxpr): Jaxpr {
  const uses = useCounts(j);
  const dotOf = new Map<Var, Eqn>();
  for (const e of j.eqns) if (e.prim === 'dotGeneral') dotOf.set(e.outs[0]!, e);
  const replaced = new Map<Eqn, Eqn>(); // dot eqn -> its swapped form
  const dropped = new Set<Eqn>(); // transposes folded away
  for (const e of j.eqns) {
    if (e.prim !== 'transpose') continue;
    const v = e.ins[0];
    if (!(v instanceof Var) || uses.get(v) !== 1) continue;
    const d = dotOf.get(v);
    if (!d || replaced.has(d)) continue;
    const p = d.params as { contract: readonly [readonly number[], readonly number[]]; batch: readonly [readonly number[], readonly number[]]; preferredElementType: unknown };
    const [lhs, rhs] = d.ins as [Atom, Atom];
    const nb = p.batch[0].length;
    const nl = lhs.aval.shape.length - nb - p.contract[0].length;
    const nr = rhs.aval.shape.length - nb - p.contract[1].length;
    if (nl === 0 || nr === 0) continue;
    const perm = (e.params as { permutation: readonly number[] }).permutation;
    const want = [...globalThis.Array.from({ length: nb }, (_, i) => i), ...globalThis.Array.from({ length: nr }, (_, i) => nb + nl + i), ...globalThis.Array.from({ length: nl }, (_, i) => nb + i)];
    if (perm.length !== want.length || perm.some((q, i) => q !== want[i])) continue;
    replaced.set(d, {
      ...d,
      ins: [rhs, lhs],
      params: { ...p, contract: [p.contract[1], p.contract[0]], batch: [p.batch[1], p.batch[0]] } as never,
      outs: e.outs,
    });
    dropped.add(e);
  }
  if (dropped.size === 0) return j;
  return new Jaxpr(j.inBinders, j.eqns.filter((e) => !dropped.has(e)).map((e) => replaced.get(e) ?? e), j.outs);
}

/**
 * Rewrites a sum of zero-pads whose windows tile one dimension exactly into one concatenate: the transpose of slicing
 * an array into pieces (an LSTM's four gates, attention heads, a split) is `pad(ct₁) + pad(ct₂) + …`, which would
 * otherwise allocate and zero-fill one full-size array per piece before adding them up.
 */
export function concatenatePads(j: Jaxpr): Jaxpr {
  const uses = useCounts(j);
  const def = new Map<Var, Eqn>();
  for (const e of j.eqns) for (const o of e.outs) def.set(o, e);
  type Piece = { readonly src: Atom; readonly dim: number; readonly lo: number; readonly size: number };
  // the pieces a single-use var is the sum of (and the equations that compute it), or null
  const piecesOf = (v: Atom, root: boolean): { pieces: Piece[]; eqns: Eqn[] } | null => {
    if (!(v instanceof Var) || (!root && uses.get(v) !== 1)) return null;
    const e = def.get(v);
    if (!e) return null;
    if (e.prim === 'add' && e.ins[0]!.aval.shape.join() === e.ins[1]!.aval.shape.join()) {
      const a = piecesOf(e.ins[0]!, false), b = piecesOf(e.ins[1]!, false);
      return a && b ? { pieces: [...a.pieces, ...b.pieces], eqns: [...a.eqns, ...b.eqns, e] } : null;
    }
    if (e.prim !== 'pad' || root) return null;
    const pv = e.ins[1]!;
    if (!(pv instanceof Lit) || pv.value !== 0 || Object.is(pv.value, -0)) return null;
    const cfg = (e.params as Params<'pad'>).paddingConfig;
    const padded = cfg.map(([lo, hi, interior], d) => (lo !== 0 || hi !== 0 || interior !== 0 ? d : -1)).filter((d) => d >= 0);
    if (padded.length !== 1) return null;
    const d = padded[0]!;
    const [lo, , interior] = cfg[d]!;
    if (lo < 0 || interior !== 0 || cfg[d]![1] < 0) return null;
    return { pieces: [{ src: e.ins[0]!, dim: d, lo, size: e.ins[0]!.aval.shape[d]! }], eqns: [e] };
  };
  const replaced = new Map<Eqn, Eqn>();
  const dropped = new Set<Eqn>();
  for (let i = j.eqns.length - 1; i >= 0; i--) {
    const e = j.eqns[i]!;
    if (e.prim !== 'add' || dropped.has(e)) continue;
    const r = piecesOf(e.outs[0]!, true);
    if (!r || r.pieces.length < 2) continue;
    const dim = r.pieces[0]!.dim;
    if (r.pieces.some((p) => p.dim !== dim)) continue;
    const sorted = [...r.pieces].sort((a, b) => a.lo - b.lo);
    let at = 0;
    const tiles = sorted.every((p) => (p.lo === at ? ((at += p.size), true) : false)) && at === e.outs[0]!.aval.shape[dim];
    if (!tiles) continue;
    for (const x of r.eqns) if (x !== e) dropped.add(x);
    replaced.set(e, { prim: 'concatenate', ins: sorted.map((p) => p.src), params: { dimension: dim } as never, outs: e.outs });
  }
  if (replaced.size === 0) return j;
  return new Jaxpr(j.inBinders, j.eqns.filter((e) => !dropped.has(e)).map((e) => replaced.get(e) ?? e), j.outs);
}

/** Dot-transpose folding, CSE and DCE inside every nested body (keeping each body's inputs and outputs). */
function simplifyNested(j: Jaxpr): Jaxpr {
  const inner = (b: Jaxpr): Jaxpr => dce(cse(concatenatePads(foldTransposedDots(hoistScanAccumulators(simplifyNested(b))))))[0];
  return new Jaxpr(j.inBinders, j.eqns.map((e) => mapSubJaxprs(e, inner)), j.outs);
}

/** The optimisation pipeline jit runs before lowering. */
export function simplify(cj: ClosedJaxpr): ClosedJaxpr {
  const folded = foldConstants(cj);
  return dceClosed(new ClosedJaxpr(cse(concatenatePads(foldTransposedDots(hoistScanAccumulators(simplifyNested(folded.jaxpr))))), folded.consts));
}
