// Partial evaluation: PETrace computes what is known now and stages the rest (Autodidax Part 4),
// plus partialEvalJaxpr, the jaxpr-to-jaxpr split into known and unknown halves used by control flow.
import { ShapedArray } from '../core/aval.js';
import { ConcreteArray } from '../core/array.js';
import type { Params, Prim } from '../core/primitive.js';
import { Array, type ConcreteLike, Trace, Tracer, withMain, fullRaise, bind } from '../core/trace.js';
import { ClosedJaxpr, Jaxpr, Lit, Var, type Atom, type Eqn, evalJaxpr } from '../ir/jaxpr.js';
import { abstractEval } from '../rules/abstractEval.js';
import { stageFlat } from './stage.js';
import { partialEvalRules } from '../rules/higherOrder.js';

interface EqnRecipe {
  readonly prim: Prim;
  readonly ins: readonly PETracer[];
  readonly params: unknown;
  outs: PETracer[];
}
type Recipe = { kind: 'lambda' } | { kind: 'const'; val: Array } | { kind: 'eqn'; eqn: EqnRecipe };

export class PETracer extends Tracer {
  constructor(
    readonly _trace: Trace,
    /** The value when known now, else null. */
    readonly known: Array | null,
    readonly aval: ShapedArray,
    readonly recipe: Recipe | null,
  ) {
    super();
  }
  override fullLower(): Array {
    return this.known ?? this;
  }
  override concrete(): ConcreteLike | null {
    return this.known ? this.known.concrete() : null;
  }
}


export class PETrace extends Trace {
  pure(x: Array): Array {
    return new PETracer(this, x, x.aval, null);
  }
  newArg(aval: ShapedArray): PETracer {
    return new PETracer(this, null, aval, { kind: 'lambda' });
  }
  /** An unknown tracer standing for a known value (becomes a residual constant of the staged jaxpr). */
  instantiate(x: Array): PETracer {
    const t = fullRaise(this, x) as PETracer;
    return t.known === null ? t : new PETracer(this, null, t.aval, { kind: 'const', val: t.known });
  }
  /** Stages one equation with (instantiated) tracer inputs; returns unknown output tracers. */
  stage(prim: Prim, tracers: PETracer[], params: unknown, outAvals?: ShapedArray[]): PETracer[] {
    const ins = tracers.map((t) => this.instantiate(t));
    const avals = outAvals ?? abstractEval(prim, ins.map((t) => t.aval), params);
    const eqn: EqnRecipe = { prim, ins, params, outs: [] };
    eqn.outs = avals.map((a) => new PETracer(this, null, a, { kind: 'eqn', eqn }));
    return eqn.outs;
  }
  processPrimitive<P extends Prim>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    const ts = tracers as PETracer[];
    if (ts.every((t) => t.known !== null)) return bind(prim, ts.map((t) => t.known!), params);
    const rule = partialEvalRules[prim];
    if (rule) return rule(this, ts, params);
    return this.stage(prim, ts, params);
  }
}

/** Builds the jaxpr of the unknown computation from input tracers to output tracers (Autodidax's tracers_to_jaxpr). */
export function tracersToJaxpr(ins: readonly PETracer[], outs: readonly PETracer[]): { jaxpr: Jaxpr; consts: Array[] } {
  const varOf = new Map<PETracer, Atom>();
  const constVar = new Map<Array, Atom>();
  const consts: Array[] = [];
  const constVars: Var[] = [];
  const inVars = ins.map((t) => {
    const v = new Var(t.aval);
    varOf.set(t, v);
    return v;
  });
  const eqns: Eqn[] = [];
  const done = new Set<EqnRecipe>();
  const atomOf = (t: PETracer): Atom => {
    const a = varOf.get(t);
    if (a) return a;
    const r = t.recipe;
    if (r?.kind === 'const') {
      let c = constVar.get(r.val);
      if (!c) {
        if (r.val instanceof ConcreteArray && r.val.ndim === 0) c = new Lit(r.val);
        else {
          const v = new Var(t.aval);
          consts.push(r.val);
          constVars.push(v);
          c = v;
        }
        constVar.set(r.val, c);
      }
      varOf.set(t, c);
      return c;
    }
    throw new Error(`partial eval: a tracer of type ${t.aval} has no recipe in this computation (internal error)`);
  };
  // iterative post-order DFS over equation recipes
  const visit = (root: PETracer): void => {
    const stack: [EqnRecipe, number][] = [];
    const push = (t: PETracer): void => {
      if (t.recipe?.kind === 'eqn' && !done.has(t.recipe.eqn) && !varOf.has(t)) {
        done.add(t.recipe.eqn);
        stack.push([t.recipe.eqn, 0]);
      }
    };
    push(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [e, i] = top;
      if (i < e.ins.length) {
        top[1]++;
        push(e.ins[i]!);
        continue;
      }
      stack.pop();
      const insAtoms = e.ins.map(atomOf);
      const outVars = e.outs.map((o) => {
        const v = new Var(o.aval);
        varOf.set(o, v);
        return v;
      });
      eqns.push({ prim: e.prim, ins: insAtoms, params: e.params as never, outs: outVars });
    }
  };
  for (const o of outs) visit(o);
  const outAtoms = outs.map(atomOf);
  return { jaxpr: new Jaxpr([...constVars, ...inVars], eqns, outAtoms), consts };
}

export interface PartialJaxpr {
  /** Known inputs -> known outputs, then residuals. */
  readonly known: ClosedJaxpr;
  /** Residuals, then unknown inputs -> unknown outputs. */
  readonly unknown: Jaxpr;
  readonly outUnknowns: boolean[];
  readonly numRes: number;
}

/**
 * Splits a jaxpr given which inputs are unknown (JAX's partial_eval_jaxpr_nounits). Outputs marked in
 * `instantiate` are forced into the unknown half even when they are computable from known inputs.
 */
export function partialEvalJaxpr(jaxpr: Jaxpr, unknowns: readonly boolean[], instantiate: boolean | readonly boolean[]): PartialJaxpr {
  const inst = (i: number): boolean => (typeof instantiate === 'boolean' ? instantiate : instantiate[i]!);
  const knownAvals = jaxpr.inAvals.filter((_, i) => !unknowns[i]);
  let unknown: Jaxpr | null = null;
  let outUnknowns: boolean[] = [];
  let numRes = 0;
  const known = stageFlat(
    (...knownIns) =>
      withMain(PETrace, 'partial_eval', null, (main) => {
        const trace = main.trace as PETrace;
        const uIns: PETracer[] = [];
        let k = 0;
        const args = jaxpr.inBinders.map((v, i) => {
          if (!unknowns[i]) return knownIns[k++]!;
          const t = trace.newArg(v.aval);
          uIns.push(t);
          return t;
        });
        const outs = evalJaxpr(jaxpr, args);
        outUnknowns = outs.map((o, i) => (o instanceof PETracer && o._trace === trace && o.known === null) || inst(i));
        const uOuts = outs.filter((_, i) => outUnknowns[i]).map((o) => trace.instantiate(o));
        const kOuts = outs.filter((_, i) => !outUnknowns[i]);
        const r = tracersToJaxpr(uIns, uOuts);
        unknown = r.jaxpr;
        numRes = r.consts.length;
        return [...kOuts, ...r.consts];
      }),
    knownAvals,
    'partial_eval',
  );
  return { known, unknown: unknown!, outUnknowns, numRes };
}
