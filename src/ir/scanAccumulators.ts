// hoistScanAccumulators: a scan carry that only accumulates per-step products (acc += xᵀ·g, acc += Σ g) becomes one
// contraction over all steps after the loop, the way reverse mode's weight gradients of an RNN should be computed.
import type { DotGeneralParams, Params } from '../core/primitive.js';
import { abstractEval } from '../rules/abstractEval.js';
import { Jaxpr, Lit, Var, type Atom, type Eqn } from './jaxpr.js';

/**
 * Switch for the rewrite (tests and A/B measurements compare with it off); results agree up to the summation order of
 * the accumulated products.
 */
export const scanAccumulatorHoisting = { enabled: true };

type ScanParams = Params<'scan'>;

/** One term of an accumulation: a product (optionally transposed) or a sum of a per-step value (over `axes` too). */
type Term =
  | { readonly kind: 'dot'; readonly ins: readonly [Atom, Atom]; readonly params: DotGeneralParams; readonly perm: readonly number[] | null }
  | { readonly kind: 'sum'; readonly x: Atom; readonly axes: readonly number[] };


/**
 * Rewrites every scan equation of `j` (not its nested bodies: the caller maps over those) whose body accumulates into a
 * carry: `acc' = acc + t₁ + … + tₖ` where `acc` is read nowhere else, `acc'` is only the carry output, and each term is
 * a dotGeneral (possibly transposed) or a reduceSum of values that change per step, or a scanned x slice itself. Such a carry is dropped from the
 * loop; the per-step operands come out as stacked outputs (or are the scanned xs themselves) and after the loop
 * `acc_final = init + Σ_k dotGeneral(stacked operands, contracting the step axis too)` (or a reduceSum over it).
 * The transpose of an RNN's `h·W` is exactly this (`ct_W += hᵀ·ct_z` each step): 50 small GEMMs, each added to a
 * weight-sized accumulator, become one GEMM over all steps.
 */
export function hoistScanAccumulators(j: Jaxpr): Jaxpr {
  if (!scanAccumulatorHoisting.enabled || !j.eqns.some((e) => e.prim === 'scan')) return j;
  const def = new Map<Var, Eqn>();
  for (const q of j.eqns) for (const o of q.outs) def.set(o, q);
  // a zero initial accumulator (reverse mode's) needs no add: the scan's output var is renamed to the sum
  const subst = new Map<Var, Atom>();
  const sub = (a: Atom): Atom => (a instanceof Var ? (subst.get(a) ?? a) : a);
  const out: Eqn[] = [];
  let changed = false;
  for (const e0 of j.eqns) {
    const e = subst.size ? { ...e0, ins: e0.ins.map(sub) } : e0;
    const r = e.prim === 'scan' ? rewriteScan(e as Eqn<'scan'>, (a) => isZeros(a, def), subst) : null;
    if (r) {
      out.push(...r);
      changed = true;
    } else out.push(e);
  }
  return changed ? new Jaxpr(j.inBinders, out, j.outs.map(sub)) : j;
}

function rewriteScan(e: Eqn<'scan'>, zeros: (a: Atom) => boolean, subst: Map<Var, Atom>): Eqn[] | null {
  const p = e.params as ScanParams;
  const J = p.jaxpr, nc = p.numConsts, ncar = p.numCarry;
  const binders = J.inBinders;
  const def = new Map<Var, Eqn>();
  for (const q of J.eqns) for (const o of q.outs) def.set(o, q);
  const uses = new Map<Var, number>(); // reads by equations
  for (const q of J.eqns) for (const a of q.ins) if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  const outCount = new Map<Var, number>();
  for (const o of J.outs) if (o instanceof Var) outCount.set(o, (outCount.get(o) ?? 0) + 1);
  const single = (v: Var): boolean => (uses.get(v) ?? 0) === 1 && !outCount.has(v);
  const binderIdx = new Map<Var, number>(binders.map((v, i) => [v, i]));
  // whether a value of the body changes from step to step (reads a carry or an x slice, directly or not)
  const varies = new Map<Var, boolean>();
  binders.forEach((v, i) => varies.set(v, i >= nc));
  for (const q of J.eqns) {
    const v = q.ins.some((a) => a instanceof Var && varies.get(a));
    for (const o of q.outs) varies.set(o, v);
  }
  const perStep = (a: Atom): boolean => a instanceof Var && varies.get(a) === true;

  /** The terms the add tree rooted at `v` sums besides `acc` (which must occur exactly once), or null. */
  const termsOf = (v: Atom, acc: Var, root: boolean): { terms: Term[]; accSeen: number } | null => {
    if (v === acc) return { terms: [], accSeen: 1 };
    if (!(v instanceof Var) || (!root && !single(v))) return null;
    // a scanned x slice itself (lax.scan computes an xs-only product before the loop): its sum over the steps
    if (!root && (binderIdx.get(v) ?? -1) >= nc + ncar) return { terms: [{ kind: 'sum', x: v, axes: [] }], accSeen: 0 };
    const q = def.get(v);
    if (!q) return null;
    if (q.prim === 'add' && q.ins[0]!.aval.equals(v.aval) && q.ins[1]!.aval.equals(v.aval)) {
      const a = termsOf(q.ins[0]!, acc, false), b = termsOf(q.ins[1]!, acc, false);
      return a && b ? { terms: [...a.terms, ...b.terms], accSeen: a.accSeen + b.accSeen } : null;
    }
    if (root) return null;
    let t: Term | null = null;
    if (q.prim === 'dotGeneral') t = { kind: 'dot', ins: [q.ins[0]!, q.ins[1]!], params: q.params as DotGeneralParams, perm: null };
    else if (q.prim === 'transpose' && q.ins[0] instanceof Var && single(q.ins[0])) {
      const d = def.get(q.ins[0]);
      if (d?.prim === 'dotGeneral')
        t = { kind: 'dot', ins: [d.ins[0]!, d.ins[1]!], params: d.params as DotGeneralParams, perm: (q.params as Params<'transpose'>).permutation };
    } else if (q.prim === 'reduceSum') t = { kind: 'sum', x: q.ins[0]!, axes: (q.params as Params<'reduceSum'>).axes };
    if (!t) return null;
    // every operand must change per step (a loop-invariant one would be stacked `length` times for nothing)
    const operands = t.kind === 'dot' ? t.ins : [t.x];
    if (!operands.every(perStep)) return null;
    return { terms: [t], accSeen: 0 };
  };

  const hoisted = new Map<number, Term[]>(); // carry index -> its terms
  for (let c = 0; c < ncar; c++) {
    const acc = binders[nc + c]!, o = J.outs[c]!;
    if (!(o instanceof Var) || (uses.get(o) ?? 0) !== 0 || outCount.get(o) !== 1) continue;
    if ((uses.get(acc) ?? 0) !== 1 || outCount.has(acc)) continue;
    const r = termsOf(o, acc, true);
    if (!r || r.accSeen !== 1 || r.terms.length === 0) continue;
    hoisted.set(c, r.terms);
  }
  if (hoisted.size === 0) return null;

  // the per-step operands as stacked arrays outside: a scanned x is its xs array; anything else becomes a new ys output
  // (or an existing one that already stacks it)
  const ys = J.outs.slice(ncar);
  const newYs: Var[] = [];
  const stackedOf = new Map<Atom, Atom>(); // body value -> outer stacked array
  const eOutsYs = e.outs.slice(ncar);
  const stacked = (a: Atom): Atom => {
    let s = stackedOf.get(a);
    if (s) return s;
    const bi = a instanceof Var ? binderIdx.get(a) : undefined;
    if (bi !== undefined && bi >= nc + ncar) s = e.ins[bi]!;
    else {
      const yi = ys.indexOf(a);
      if (yi >= 0) s = eOutsYs[yi]!;
      else {
        newYs.push(a as Var);
        s = new Var(a.aval.withShape([p.length, ...a.aval.shape]));
      }
    }
    stackedOf.set(a, s);
    return s;
  };
  const post: Eqn[] = [];
  const emit = (prim: Eqn['prim'], ins: Atom[], params: unknown, outVar?: Var): Var => {
    const [aval] = abstractEval(prim, ins.map((a) => a.aval), params);
    const v = outVar ?? new Var(aval!);
    post.push({ prim, ins, params: params as never, outs: [v] });
    return v;
  };
  const shift = (axes: readonly number[]): number[] => axes.map((a) => a + 1);
  for (const [c, terms] of hoisted) {
    const parts: Var[] = terms.map((t) => {
      if (t.kind === 'sum') return emit('reduceSum', [stacked(t.x)], { axes: [0, ...shift(t.axes)] });
      const { contract, batch, preferredElementType } = t.params;
      const r = emit('dotGeneral', [stacked(t.ins[0]), stacked(t.ins[1])], {
        contract: [[0, ...shift(contract[0])], [0, ...shift(contract[1])]],
        batch: [shift(batch[0]), shift(batch[1])],
        preferredElementType,
      } satisfies DotGeneralParams);
      return t.perm ? emit('transpose', [r], { permutation: t.perm.slice() }) : r;
    });
    const init = e.ins[nc + c]!;
    const final = e.outs[c]!;
    let total: Atom = parts[0]!;
    for (let k = 1; k < parts.length; k++) total = emit('add', [total, parts[k]!], {});
    if (zeros(init) && total.aval.equals(final.aval)) subst.set(final, total);
    else emit('add', [init, total], {}, final);
  }

  // the loop without the hoisted carries, with the new stacked outputs
  const keepCarry = (c: number): boolean => !hoisted.has(c);
  const inBinders = binders.filter((_, i) => i < nc || i >= nc + ncar || keepCarry(i - nc));
  const body = new Jaxpr(inBinders, J.eqns, [...J.outs.slice(0, ncar).filter((_, c) => keepCarry(c)), ...ys, ...newYs]);
  const newYVars = newYs.map((v) => stackedOf.get(v) as Var);
  const scan: Eqn = {
    prim: 'scan',
    ins: e.ins.filter((_, i) => i < nc || i >= nc + ncar || keepCarry(i - nc)),
    params: { ...p, jaxpr: body, numCarry: ncar - hoisted.size } as never,
    outs: [...e.outs.slice(0, ncar).filter((_, c) => keepCarry(c)), ...eOutsYs, ...newYVars],
  };
  return [scan, ...post];
}

/** Whether an atom is an array of zeros: a zero literal, or a broadcast of one (`def`: the defining equations). */
function isZeros(a: Atom, def: ReadonlyMap<Var, Eqn>): boolean {
  if (a instanceof Lit) return a.value === 0;
  const q = def.get(a);
  return q?.prim === 'broadcastInDim' && q.ins[0] instanceof Lit && q.ins[0].value === 0;
}
