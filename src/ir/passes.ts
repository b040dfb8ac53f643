// Jaxpr-to-jaxpr passes run by jit: dead-code elimination, common-subexpression elimination, constant folding.
import { ConcreteArray } from '../core/array.js';
import { Array, bind, withoutDynamic } from '../core/trace.js';
import { ClosedJaxpr, Jaxpr, Lit, Var, type Atom, type Eqn } from './jaxpr.js';

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
      e = pruneOutputs(e, e.outs.map((v) => live.has(v)));
      kept.push(e);
      for (const a of e.ins) if (a instanceof Var) live.add(a);
    }
  }
  kept.reverse();
  const usedIns = j.inBinders.map((v) => live.has(v));
  return [new Jaxpr(j.inBinders, kept, outs), usedIns];
}

/**
 * Drops unused outputs of higher-order equations whose bodies can lose them (pjit, checkpoint, cond, and
 * the stacked outputs of scan), DCE-ing the bodies; other equations are returned unchanged.
 */
function pruneOutputs(e: Eqn, used: boolean[]): Eqn {
  if (used.every((u) => u)) return e;
  const keep = <T,>(xs: readonly T[], mask: readonly boolean[]) => xs.filter((_, i) => mask[i]);
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
    case 'scan': {
      const p = e.params as { jaxpr: Jaxpr; numCarry: number };
      const mask = used.map((u, i) => u || i < p.numCarry);
      if (mask.every((u) => u)) return e;
      return { ...e, params: { ...p, jaxpr: dce(p.jaxpr, mask)[0] } as never, outs: keep(e.outs, mask) };
    }
    default:
      return e;
  }
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

/** CSE and DCE inside every nested body (keeping each body's inputs and outputs). */
function simplifyNested(j: Jaxpr): Jaxpr {
  const inner = (b: Jaxpr): Jaxpr => dce(cse(simplifyNested(b)))[0];
  return new Jaxpr(j.inBinders, j.eqns.map((e) => mapSubJaxprs(e, inner)), j.outs);
}

/** The optimisation pipeline jit runs before lowering. */
export function simplify(cj: ClosedJaxpr): ClosedJaxpr {
  const folded = foldConstants(cj);
  return dceClosed(new ClosedJaxpr(cse(simplifyNested(folded.jaxpr)), folded.consts));
}
