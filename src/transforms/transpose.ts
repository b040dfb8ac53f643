// Transposition: the backward pass over a linear jaxpr (JAX's ad.backward_pass), accumulating cotangents.
import type { Prim } from '../core/primitive.js';
import { Array, bind } from '../core/trace.js';
import { Jaxpr, Lit, Var, type Eqn } from '../ir/jaxpr.js';
import * as lax from '../lax/prims.js';
import { transposeRules } from '../rules/transpose.js';
import { UndefPrimal } from '../rules/types.js';

/** Adds two cotangents (null is zero). */
export function addCt(a: Array | null, b: Array | null): Array | null {
  if (a === null) return b;
  if (b === null) return a;
  return lax.add(a, b.dtype === a.dtype ? b : lax.convertElementType(b, a.dtype));
}

/**
 * Runs `jaxpr` backwards: `args` gives each input either a value (non-linear) or an UndefPrimal (linear);
 * `cts` the cotangents of the outputs. Returns the cotangent of every input (null for zero / non-linear).
 */
export function backwardPass(jaxpr: Jaxpr, args: readonly (Array | UndefPrimal)[], cts: readonly (Array | null)[]): (Array | null)[] {
  const env = new Map<Var, Array>();
  const linear = new Set<Var>();
  jaxpr.inBinders.forEach((v, i) => {
    const a = args[i]!;
    if (a instanceof UndefPrimal) linear.add(v);
    else env.set(v, a);
  });
  const read = (a: Var | Lit): Array => (a instanceof Lit ? a.val : env.get(a)!);
  const linearEqns: Eqn[] = [];
  for (const e of jaxpr.eqns) {
    if (e.ins.some((a) => a instanceof Var && linear.has(a))) {
      e.outs.forEach((v) => linear.add(v));
      linearEqns.push(e);
    } else {
      const outs = bind(e.prim, e.ins.map(read), e.params);
      e.outs.forEach((v, i) => env.set(v, outs[i]!));
    }
  }
  const ctEnv = new Map<Var, Array | null>();
  const writeCt = (v: Var, ct: Array | null): void => {
    if (ct === null || !linear.has(v)) return;
    ctEnv.set(v, addCt(ctEnv.get(v) ?? null, ct));
  };
  jaxpr.outs.forEach((o, i) => {
    if (o instanceof Var) writeCt(o, cts[i] ?? null);
  });
  for (let k = linearEqns.length - 1; k >= 0; k--) {
    const e = linearEqns[k]!;
    const outCts = e.outs.map((v) => ctEnv.get(v) ?? null);
    e.outs.forEach((v) => ctEnv.delete(v));
    if (outCts.every((c) => c === null)) continue;
    const ins = e.ins.map((a) => (a instanceof Var && linear.has(a) ? new UndefPrimal(a.aval) : read(a)));
    const rule = (transposeRules as Partial<Record<Prim, (c: (Array | null)[], a: (Array | UndefPrimal)[], p: unknown) => (Array | null)[]>>)[e.prim];
    if (!rule)
      throw new TypeError(
        `reverse-mode differentiation: the primitive '${e.prim}' has no transpose rule, so it cannot appear in a ` +
          `linear computation.` +
          (e.prim === 'while'
            ? ' lax.whileLoop does not support reverse-mode differentiation (grad/vjp); use lax.scan, or lax.forILoop with static bounds, instead.'
            : ' The function is probably not linear in the input being transposed.'),
      );
    const inCts = rule(outCts, ins, e.params);
    e.ins.forEach((a, i) => {
      if (a instanceof Var) writeCt(a, inCts[i] ?? null);
    });
  }
  return jaxpr.inBinders.map((v, i) => (args[i] instanceof UndefPrimal ? ctEnv.get(v) ?? null : null));
}

/** Cotangent or zeros of the given avals (instantiates symbolic zeros). */
export function instantiateCt(ct: Array | null, like: { shape: readonly number[]; dtype: Array['dtype'] }): Array {
  return ct ?? lax.zeros(like.shape, like.dtype);
}
