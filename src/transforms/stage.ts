// Staging: StagingTrace records primitives into a jaxpr (jit, makeJaxpr, control-flow bodies).
// Follows Autodidax Part 3 (JaxprTrace / JaxprBuilder with a dynamic main, i.e. omnistaging).
import { ShapedArray } from '../core/aval.js';
import { ConcreteArray } from '../core/array.js';
import type { Params, Prim } from '../core/primitive.js';
import { Array, Trace, Tracer, withMain, fullRaise } from '../core/trace.js';
import { ClosedJaxpr, Jaxpr, Lit, Var, type Atom, type Eqn } from '../ir/jaxpr.js';
import { abstractEval } from '../rules/abstractEval.js';

export class StagingTracer extends Tracer {
  constructor(
    readonly _trace: Trace,
    readonly aval: ShapedArray,
    readonly v: Var,
  ) {
    super();
  }
}

/** Accumulates equations and captured constants while a function is staged. */
class Builder {
  eqns: Eqn[] = [];
  constVars = new Map<Array, Var>();
}

export class StagingTrace extends Trace {
  get builder(): Builder {
    return this.main.globalData as Builder;
  }
  newArg(aval: ShapedArray): StagingTracer {
    return new StagingTracer(this, aval, new Var(aval));
  }
  pure(x: Array): Array {
    const b = this.builder;
    let v = b.constVars.get(x);
    if (!v) b.constVars.set(x, (v = new Var(x.aval)));
    return new StagingTracer(this, x.aval, v);
  }
  processPrimitive<P extends Prim>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    const ins = (tracers as StagingTracer[]).map((t) => t.v);
    const outAvals = abstractEval(prim, ins.map((v) => v.aval), params);
    const outs = outAvals.map((a) => this.newArg(a));
    this.builder.eqns.push({ prim, ins, params, outs: outs.map((t) => t.v) });
    return outs;
  }
}

/**
 * Stages `f` on abstract inputs into a jaxpr whose leading inputs are the captured constants.
 * Scalar concrete constants are inlined as literals.
 */
export function stageFlat(
  f: (...xs: Array[]) => Array[],
  inAvals: readonly ShapedArray[],
  name: string,
): ClosedJaxpr {
  return withMain(
    StagingTrace,
    name,
    new Builder(),
    (main) => {
      const trace = main.trace as StagingTrace;
      const ins = inAvals.map((a) => trace.newArg(a));
      const outs = f(...ins).map((o) => fullRaise(trace, o) as StagingTracer);
      const b = trace.builder;
      const consts: Array[] = [];
      const constVars: Var[] = [];
      const lits = new Map<Var, Lit>();
      for (const [val, v] of b.constVars) {
        // only host scalars become literals (a device-resident scalar cannot be read synchronously)
        if (val instanceof ConcreteArray && val.ndim === 0 && val.isHost) lits.set(v, new Lit(val));
        else {
          consts.push(val);
          constVars.push(v);
        }
      }
      const sub = (a: Var): Atom => lits.get(a) ?? a;
      const eqns = lits.size ? b.eqns.map((e) => ({ ...e, ins: e.ins.map((a) => (a instanceof Var ? sub(a) : a)) })) : b.eqns;
      const jaxpr = new Jaxpr([...constVars, ...ins.map((t) => t.v)], eqns, outs.map((o) => sub(o.v)));
      return new ClosedJaxpr(jaxpr, consts);
    },
    true,
  );
}
