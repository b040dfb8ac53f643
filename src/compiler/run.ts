// Executes a jaxpr through its fusion plan on concrete arrays: fused kernels run as compiled loops, the
// other equations through bind on the current target. Plans and kernels are cached per jaxpr.
import { ConcreteArray } from '../core/array.js';
import { config } from '../core/config.js';
import { currentTarget, getTarget } from '../targets/registry.js';
import { typedArrayCtor } from '../core/dtype.js';
import { Array, bind } from '../core/trace.js';
import { Jaxpr, Lit, Var, evalJaxpr, literalArrays, outputOf, type Atom } from '../ir/jaxpr.js';
import { renderJs, type KernelFn } from '../targets/ref/fused.js';
import { schedule, type Plan } from './kernel.js';

interface Compiled {
  readonly plan: Plan;
  readonly fns: readonly (KernelFn | null)[];
  /** Per step, the vars whose last use it is (intermediates only): freed right after the step. */
  readonly frees: readonly (readonly Var[])[];
}
const caches = new Map<string, WeakMap<Jaxpr, Compiled>>();

/**
 * Primitives left to the target's own kernels instead of being fused into JS loops, per target: the wasm
 * target's vectorized transcendentals beat a fused JS loop calling Math (measured: BENCH W2 ~300 ms as wasm
 * kernels vs ~370 ms fused in JS), while cheap arithmetic fuses (W4: fewer copies and temporaries).
 */
const unfused: Record<string, ReadonlySet<string>> = {
  wasm: new Set(['exp', 'exp2', 'log', 'log1p', 'expm1', 'tanh', 'logistic', 'erf', 'sin', 'cos', 'pow', 'sqrt', 'rsqrt']),
};

/** The compiled plan of a jaxpr for the current target (scheduled and rendered once, then cached). */
export function compilePlan(j: Jaxpr): Compiled {
  const target = getTarget();
  let cache = caches.get(target);
  if (!cache) caches.set(target, (cache = new WeakMap()));
  let c = cache.get(j);
  if (!c) {
    const exclude = unfused[target];
    const plan = schedule(j, exclude ? { exclude } : {});
    c = { plan, fns: plan.steps.map((s) => (s.kind === 'kernel' ? renderJs(s.kernel).fn : null)), frees: lastUses(j, plan) };
    cache.set(j, c);
  }
  return c;
}

/** The static buffer plan: for each step, the intermediates that die after it (not inputs, not outputs). */
function lastUses(j: Jaxpr, plan: Plan): Var[][] {
  const keep = new Set<Var>([...j.inBinders, ...j.outs.filter((o): o is Var => o instanceof Var)]);
  const last = new Map<Var, number>();
  plan.steps.forEach((s, k) => {
    const ins = s.kind === 'kernel' ? s.ins : s.eqn.ins.filter((a): a is Var => a instanceof Var);
    const outs = s.kind === 'kernel' ? s.outs : s.eqn.outs;
    for (const v of [...ins, ...outs]) if (!keep.has(v)) last.set(v, k);
  });
  const frees: Var[][] = plan.steps.map(() => []);
  for (const [v, k] of last) frees[k]!.push(v);
  return frees;
}

/**
 * Runs a jaxpr on concrete arguments via its fused plan. With `config.debugNans` on it evaluates equation by
 * equation instead, so the first primitive producing a NaN can be named.
 */
export function runJaxpr(j: Jaxpr, args: readonly Array[]): Array[] {
  if (config.debugNans || !args.every((a) => a instanceof ConcreteArray)) return evalJaxpr(j, args);
  const own = currentTarget().runJaxpr;
  if (own) return own(j, args);
  const { plan, fns, frees } = compilePlan(j);
  const env = new Map<Var, Array>();
  // how many live vars hold each array (a nested call may return one of its inputs as an output)
  const holders = new Map<Array, number>();
  const set = (v: Var, a: Array): void => {
    env.set(v, a);
    holders.set(a, (holders.get(a) ?? 0) + 1);
  };
  j.inBinders.forEach((v, i) => set(v, args[i]!));
  const read = (a: Atom): Array => (a instanceof Lit ? a.val : env.get(a)!);
  plan.steps.forEach((s, k) => {
    if (s.kind === 'eqn') {
      const outs = bind(s.eqn.prim, s.eqn.ins.map(read), s.eqn.params);
      s.eqn.outs.forEach((v, i) => set(v, outs[i]!));
    } else {
      const ins = s.ins.map((v) => (env.get(v) as ConcreteArray).buffer);
      const outs = s.outs.map((v) => new typedArrayCtor[v.aval.dtype](v.aval.size));
      fns[k]!(ins, outs);
      s.outs.forEach((v, i) => set(v, new ConcreteArray(v.aval, outs[i]!)));
    }
    // free intermediates at their last use (the FinalizationRegistry would get them later anyway)
    for (const v of frees[k]!) {
      const a = env.get(v);
      env.delete(v);
      if (!a) continue;
      const h = (holders.get(a) ?? 1) - 1;
      holders.set(a, h);
      if (h === 0 && !(args as readonly Array[]).includes(a) && !literalArrays.has(a)) a.dispose();
    }
  });
  return j.outs.map(outputOf(read));
}
