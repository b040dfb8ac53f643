// hoistXsOnly: the part of a scan body that depends on the scanned xs alone (not on the carry) split off, so that it runs
// once over all steps (vmapped) before the loop instead of once per step inside it.
import { isHigherOrder } from '../rules/impl.js';
import { type Atom, type Eqn, Jaxpr, Lit, Var } from '../ir/jaxpr.js';

/**
 * Whether lax.scan hoists xs-only work out of the loop (see {@link hoistXsOnly}). Mutable for tests and A/B
 * measurements; the results agree up to the summation order of the hoisted products.
 */
export const scanHoisting = { enabled: true };

/** Primitives worth taking out of the loop: a product per step becomes one larger product over all steps. */
const worthHoisting = new Set<string>(['dotGeneral', 'convGeneralDilated']);

/** A scan body split by {@link hoistXsOnly}. */
export interface HoistedScan {
  /** (consts..., x slices...) -> the hoisted values of one step; vmap it over the xs' leading axis. */
  readonly pre: Jaxpr;
  /** (kept consts..., carry..., kept x slices..., hoisted values...) -> (carry..., ys...): the body without the hoisted part. */
  readonly body: Jaxpr;
  /** Indices (among the consts) of the consts the new body still reads. */
  readonly keptConsts: readonly number[];
  /** Indices (among the xs) of the x slices the new body still reads. */
  readonly keptXs: readonly number[];
}

/**
 * Splits a scan body (inputs: numConsts consts, numCarry carries, then x slices) into the first-order equations whose
 * inputs come from the x slices (and consts or literals) but never from the carry, and the rest. Returns null when
 * that part holds no product (dotGeneral or convolution): hoisting elementwise work would only trade per-step
 * kernels for stacked intermediates. Higher-order equations (nested loops, conds) stay in the body.
 */
export function hoistXsOnly(j: Jaxpr, numConsts: number, numCarry: number): HoistedScan | null {
  if (!scanHoisting.enabled) return null;
  const nIn = j.inBinders.length, nXs = nIn - numConsts - numCarry;
  if (nXs === 0) return null;
  // kind of each value: 'c' (consts, literals), 'x' (depends on an x slice, not on the carry), 'v' (varies with the carry)
  const kind = new Map<Var, 'c' | 'x' | 'v'>();
  j.inBinders.forEach((v, i) => kind.set(v, i < numConsts ? 'c' : i < numConsts + numCarry ? 'v' : 'x'));
  const kindOf = (a: Atom): 'c' | 'x' | 'v' => (a instanceof Lit ? 'c' : kind.get(a)!);
  const hoisted = new Set<Eqn>();
  let worth = false;
  for (const e of j.eqns) {
    const ks = e.ins.map(kindOf);
    const k = ks.includes('v') || isHigherOrder(e.prim) ? 'v' : ks.includes('x') ? 'x' : 'c';
    // a consts-only equation stays in the body (computed per step, as before); so do its outputs
    e.outs.forEach((o) => kind.set(o, k === 'c' ? 'c' : k));
    if (k === 'x') {
      hoisted.add(e);
      if (worthHoisting.has(e.prim)) worth = true;
    }
  }
  if (!worth) return null;
  // the values the rest reads (inputs of kept equations, and body outputs); the hoisted ones among them cross over
  const used = new Set<Var>();
  for (const e of j.eqns) if (!hoisted.has(e)) e.ins.forEach((a) => a instanceof Var && used.add(a));
  j.outs.forEach((a) => a instanceof Var && used.add(a));
  const binders = new Set(j.inBinders);
  const frontier = [...used].filter((v) => kind.get(v) === 'x' && !binders.has(v));
  // `pre` (the variables are shared with the body, as dce shares them): consts-only equations the hoisted ones read
  // (a transposed weight, say) are copied into it as well
  const producer = new Map<Var, Eqn>();
  for (const e of j.eqns) e.outs.forEach((o) => producer.set(o, e));
  const copied = new Set<Eqn>();
  const pull = (a: Atom): void => {
    const e = a instanceof Var ? producer.get(a) : undefined;
    if (!e || hoisted.has(e) || copied.has(e)) return;
    copied.add(e);
    e.ins.forEach(pull);
  };
  for (const e of hoisted) e.ins.forEach(pull);
  const xsBinders = j.inBinders.slice(numConsts + numCarry);
  const pre = new Jaxpr([...j.inBinders.slice(0, numConsts), ...xsBinders], j.eqns.filter((e) => hoisted.has(e) || copied.has(e)), frontier);
  // the new body: the kept equations; x slices it no longer reads are dropped, and so are consts only the hoisted part
  // read (else reverse mode carries their zero cotangents through the loop); the hoisted values come in as x slices
  const keptXs = xsBinders.map((v, i) => (used.has(v) ? i : -1)).filter((i) => i >= 0);
  const keptConsts = j.inBinders.slice(0, numConsts).map((v, i) => (used.has(v) ? i : -1)).filter((i) => i >= 0);
  const bodyBinders = [
    ...keptConsts.map((i) => j.inBinders[i]!), ...j.inBinders.slice(numConsts, numConsts + numCarry), ...keptXs.map((i) => xsBinders[i]!), ...frontier,
  ];
  const body = new Jaxpr(bodyBinders, j.eqns.filter((e) => !hoisted.has(e)), j.outs);
  return { pre, body, keptConsts, keptXs };
}
