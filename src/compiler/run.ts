// Executes a jaxpr through its fusion plan on concrete arrays: fused kernels run as compiled loops, the
// other equations through bind on the current target. Plans and kernels are cached per jaxpr.
import { ConcreteArray } from '../core/array.js';
import { config } from '../core/config.js';
import { typedArrayCtor } from '../core/dtype.js';
import { Array, bind } from '../core/trace.js';
import { Jaxpr, Lit, Var, evalJaxpr, type Atom } from '../ir/jaxpr.js';
import { renderJs, type KernelFn } from '../targets/ref/fused.js';
import { schedule, type Plan } from './kernel.js';

interface Compiled {
  readonly plan: Plan;
  readonly fns: readonly (KernelFn | null)[];
}
const cache = new WeakMap<Jaxpr, Compiled>();

/** The compiled plan of a jaxpr (scheduled and rendered once, then cached). */
export function compilePlan(j: Jaxpr): Compiled {
  let c = cache.get(j);
  if (!c) {
    const plan = schedule(j);
    c = { plan, fns: plan.steps.map((s) => (s.kind === 'kernel' ? renderJs(s.kernel).fn : null)) };
    cache.set(j, c);
  }
  return c;
}

/**
 * Runs a jaxpr on concrete arguments via its fused plan. With `config.debugNans` on it evaluates equation by
 * equation instead, so the first primitive producing a NaN can be named.
 */
export function runJaxpr(j: Jaxpr, args: readonly Array[]): Array[] {
  if (config.debugNans || !args.every((a) => a instanceof ConcreteArray)) return evalJaxpr(j, args);
  const { plan, fns } = compilePlan(j);
  const env = new Map<Var, Array>();
  j.inBinders.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Array => (a instanceof Lit ? a.val : env.get(a)!);
  plan.steps.forEach((s, k) => {
    if (s.kind === 'eqn') {
      const outs = bind(s.eqn.prim, s.eqn.ins.map(read), s.eqn.params);
      s.eqn.outs.forEach((v, i) => env.set(v, outs[i]!));
      return;
    }
    const ins = s.ins.map((v) => (env.get(v) as ConcreteArray).buffer);
    const outs = s.outs.map((v) => new typedArrayCtor[v.aval.dtype](v.aval.size));
    fns[k]!(ins, outs);
    s.outs.forEach((v, i) => env.set(v, new ConcreteArray(v.aval, outs[i]!)));
  });
  return j.outs.map(read);
}
