// customJvp, customVjp and checkpoint: user-defined derivative rules and rematerialisation, as primitives
// whose rules survive every transformation (JAX's custom_derivatives.py and ad_checkpoint.py).
import '../rules/higherOrder.js'; // installs the eval rules of the primitives this module binds
import { ShapedArray } from '../core/aval.js';
import type { CustomBwd, CustomFwd, CustomJvpRule, Params } from '../core/primitive.js';
import { Array, bind } from '../core/trace.js';
import { flatten, unflatten, type TreeDef } from '../core/tree.js';
import { evalJaxpr } from '../ir/jaxpr.js';
import { dce } from '../ir/passes.js';
import { UndefPrimal } from '../rules/types.js';
import { jvpJaxpr, vmapJaxpr } from './jaxprTransforms.js';
import { partialEvalJaxpr, type PETrace, type PETracer } from './partialEval.js';
import { stageFlat } from './stage.js';
import { runJaxpr } from '../compiler/run.js';
import { backwardPass } from './transpose.js';
import { flattenArgs, flattenFun, toArray } from './util.js';
import { moveBatchAxis, vmapFlat } from './vmap.js';
import * as lax from '../lax/prims.js';

function checkLike(op: string, what: string, got: Array[], want: readonly ShapedArray[]): void {
  if (got.length !== want.length) throw new TypeError(`${op}: ${what} has ${got.length} leaves, expected ${want.length}`);
  got.forEach((g, i) => {
    if (g.shape.length !== want[i]!.shape.length || g.shape.some((d, k) => d !== want[i]!.shape[k]))
      throw new TypeError(`${op}: ${what} leaf ${i} has shape [${g.shape.join(', ')}], expected [${want[i]!.shape.join(', ')}]`);
  });
}

/** A function with a custom JVP rule, as returned by customJvp. */
export type CustomJvpFunction<F extends (...args: any[]) => any> = F & {
  /** Sets the rule: `(primals, tangents) => [primalOut, tangentOut]` (pytrees). Returns the function. */
  defjvp(rule: (primals: any[], tangents: any[]) => [any, any]): CustomJvpFunction<F>;
};

/**
 * Gives `fun` a user-defined forward-mode derivative (JAX's custom_jvp); reverse mode follows from it by
 * linearization and transposition, so the rule must be linear in the tangents.
 * @example
 * const safeLog = customJvp((x: Array) => np.log(x), { jvp: ([x], [t]) => [np.log(x), t.div(x)] });
 */
export function customJvp<F extends (...args: any[]) => any>(
  fun: F,
  opts: { jvp?: (primals: any[], tangents: any[]) => [any, any] } = {},
): CustomJvpFunction<F> {
  let rule = opts.jvp ?? null;
  const g = (...args: unknown[]) => {
    if (!rule) throw new TypeError(`customJvp(${fun.name || 'fn'}): no jvp rule was defined; call .defjvp(rule) first`);
    const userRule = rule;
    const [xs, inTree] = flattenArgs(args, 'customJvp arguments');
    const { fn, outTree } = flattenFun(fun, inTree, 'customJvp');
    const cj = stageFlat(fn, xs.map((x) => x.aval), 'custom_jvp');
    const oTree = outTree();
    const nc = cj.consts.length;
    const outAvals = cj.outAvals;
    const flatRule: CustomJvpRule = (primals, tangents) => {
      const p = unflatten<unknown[]>(inTree, (primals as Array[]).slice(nc));
      const t = unflatten<unknown[]>(inTree, (tangents as Array[]).slice(nc));
      const r = userRule(p, t);
      if (!globalThis.Array.isArray(r) || r.length !== 2)
        throw new TypeError('customJvp: the jvp rule must return a pair [primalOut, tangentOut]');
      const [po, to] = r;
      const pl = (flatten(po)[0] as unknown[]).map((l) => toArray(l));
      const tl = (flatten(to)[0] as unknown[]).map((l) => toArray(l));
      checkLike('customJvp', 'the rule\'s primal output', pl, outAvals);
      checkLike('customJvp', 'the rule\'s tangent output', tl, outAvals);
      return [pl, tl];
    };
    const outs = bind('customJvpCall', [...cj.consts, ...xs], { fun: cj.jaxpr, jvp: flatRule, name: fun.name || 'fn' });
    return unflatten(oTree, outs);
  };
  (g as CustomJvpFunction<F>).defjvp = (r) => {
    rule = r;
    return g as CustomJvpFunction<F>;
  };
  return g as CustomJvpFunction<F>;
}

/** A function with a custom VJP rule, as returned by customVjp. */
export type CustomVjpFunction<F extends (...args: any[]) => any> = F & {
  /** Sets `fwd(...args) => [out, residuals]` and `bwd(residuals, ctOut) => [ct per argument]`. */
  defvjp(fwd: (...args: any[]) => [any, any], bwd: (res: any, ct: any) => any[]): CustomVjpFunction<F>;
};

/**
 * Gives `fun` a user-defined reverse-mode derivative (JAX's custom_vjp): `fwd` returns the output and
 * residuals, `bwd` maps residuals and the output cotangent to one cotangent per argument. Forward mode
 * (jvp) of such a function is an error, as in JAX.
 * @example
 * const clipGrad = customVjp((x: Array) => x, {
 *   fwd: (x: Array) => [x, null],
 *   bwd: (_res, g: Array) => [np.clip(g, -1, 1)],
 * });
 */
export function customVjp<F extends (...args: any[]) => any>(
  fun: F,
  opts: { fwd?: (...args: any[]) => [any, any]; bwd?: (res: any, ct: any) => any[] } = {},
): CustomVjpFunction<F> {
  let fwd = opts.fwd ?? null, bwd = opts.bwd ?? null;
  const g = (...args: unknown[]) => {
    if (!fwd || !bwd) throw new TypeError(`customVjp(${fun.name || 'fn'}): define fwd and bwd (opts or .defvjp(fwd, bwd)) first`);
    const uf = fwd, ub = bwd;
    const [xs, inTree] = flattenArgs(args, 'customVjp arguments');
    const { fn, outTree } = flattenFun(fun, inTree, 'customVjp');
    const cj = stageFlat(fn, xs.map((x) => x.aval), 'custom_vjp');
    const oTree = outTree();
    const nc = cj.consts.length;
    const outAvals = cj.outAvals;
    const inAvals = xs.map((x) => x.aval);
    let resTree: TreeDef | null = null;
    const flatFwd: CustomFwd = (...primals) => {
      const r = uf(...unflatten<unknown[]>(inTree, (primals as Array[]).slice(nc)));
      if (!globalThis.Array.isArray(r) || r.length !== 2) throw new TypeError('customVjp: fwd must return a pair [output, residuals]');
      const ol = (flatten(r[0])[0] as unknown[]).map((l) => toArray(l));
      checkLike('customVjp', 'the output of fwd', ol, outAvals);
      const [rl, rt] = flatten(r[1]);
      resTree = rt;
      return [ol, (rl as unknown[]).map((l) => toArray(l))];
    };
    const flatBwd: CustomBwd = (res, cts) => {
      const r = ub(unflatten(resTree!, res as Array[]), unflatten(oTree, cts as Array[]));
      if (!globalThis.Array.isArray(r) || r.length !== args.length)
        throw new TypeError(`customVjp: bwd must return an array with one cotangent per argument (${args.length}), got ${globalThis.Array.isArray(r) ? r.length : typeof r}`);
      const cl = (flatten(r)[0] as unknown[]).map((l) => toArray(l));
      checkLike('customVjp', 'the cotangents returned by bwd', cl, inAvals);
      return [...cj.consts.map(() => null), ...cl];
    };
    const outs = bind('customVjpCall', [...cj.consts, ...xs], { fun: cj.jaxpr, fwd: flatFwd, bwd: flatBwd, name: fun.name || 'fn' });
    return unflatten(oTree, outs);
  };
  (g as CustomVjpFunction<F>).defvjp = (f, b) => {
    fwd = f;
    bwd = b;
    return g as CustomVjpFunction<F>;
  };
  return g as CustomVjpFunction<F>;
}

/**
 * Rematerialisation (JAX's jax.checkpoint / remat): values computed inside `f` are not stored for the
 * backward pass but recomputed from f's inputs, trading compute for memory.
 * @example
 * const block = checkpoint((x: Array) => np.tanh(x.matmul(w)));
 */
export function checkpoint<F extends (...args: any[]) => any>(f: F, opts: { name?: string } = {}): F {
  const g = (...args: unknown[]) => {
    const [xs, inTree] = flattenArgs(args, 'checkpoint arguments');
    const { fn, outTree } = flattenFun(f, inTree, 'checkpoint');
    const cj = stageFlat(fn, xs.map((x) => x.aval), 'checkpoint');
    const outs = bind('checkpoint', [...cj.consts, ...xs], { jaxpr: cj.jaxpr, name: opts.name ?? (f.name || 'fn') });
    return unflatten(outTree(), outs);
  };
  return g as F;
}

// ---- rules --------------------------------------------------------------------------------------

type CJ = Params<'customJvpCall'>;
type CV = Params<'customVjpCall'>;
type CL = Params<'customLin'>;
type CK = Params<'checkpoint'>;

export function customJvpEval(args: Array[], p: CJ): Array[] {
  return evalJaxpr(p.fun, args);
}
export function customJvpJvp(primals: Array[], tangents: Array[], p: CJ): [Array[], Array[]] {
  return p.jvp(primals, tangents) as [Array[], Array[]];
}
export function customJvpVmap(args: Array[], dims: (number | null)[], p: CJ, n: number): [Array[], (number | null)[]] {
  const xs = args.map((a, i) => moveBatchAxis(a, dims[i]!, 0, n));
  const fun = vmapJaxpr(p.fun, xs.map(() => 0), n);
  const m = xs.length;
  const jvp: CustomJvpRule = (P, T) => {
    const outs = vmapFlat(
      (...pt) => {
        const [o, t] = p.jvp(pt.slice(0, m), pt.slice(m)) as [Array[], Array[]];
        return [...o, ...t];
      },
      [...(P as Array[]), ...(T as Array[])],
      [...P.map(() => 0), ...T.map(() => 0)],
      (bd) => bd.map(() => 0),
      n,
    );
    return [outs.slice(0, outs.length / 2), outs.slice(outs.length / 2)];
  };
  const outs = bind('customJvpCall', [...fun.consts, ...xs], {
    fun: fun.jaxpr,
    jvp: (P, T) => jvp((P as Array[]).slice(fun.consts.length), (T as Array[]).slice(fun.consts.length)),
    name: p.name,
  });
  return [outs, outs.map(() => 0)];
}
export function customJvpPartialEval(_t: PETrace, tracers: PETracer[], p: CJ): Array[] {
  return evalJaxpr(p.fun, tracers);
}

/** Batches a flat bwd rule over axis 0 of residuals and cotangents; null cotangents stay null. */
function vmapBwd(bwd: CustomBwd, res: Array[], cts: Array[], n: number): (Array | null)[] {
  let isNull: boolean[] = [];
  const outs = vmapFlat(
    (...rc) => {
      const r = bwd(rc.slice(0, res.length), rc.slice(res.length)) as (Array | null)[];
      isNull = r.map((x) => x === null);
      return r.filter((x): x is Array => x !== null);
    },
    [...res, ...cts],
    [...res.map(() => 0), ...cts.map(() => 0)],
    (bd) => bd.map(() => 0),
    n,
  );
  let k = 0;
  return isNull.map((z) => (z ? null : outs[k++]!));
}

export function customVjpEval(args: Array[], p: CV): Array[] {
  return evalJaxpr(p.fun, args);
}
export function customVjpJvp(primals: Array[], tangents: Array[], p: CV): [Array[], Array[]] {
  const [outs, res] = p.fwd(...primals) as [Array[], Array[]];
  const touts = bind('customLin', [...res, ...tangents], {
    bwd: p.bwd,
    numRes: res.length,
    outAvals: outs.map((o) => o.aval.strongType()),
    name: p.name,
  });
  return [outs, touts];
}
export function customVjpVmap(args: Array[], dims: (number | null)[], p: CV, n: number): [Array[], (number | null)[]] {
  const xs = args.map((a, i) => moveBatchAxis(a, dims[i]!, 0, n));
  const fun = vmapJaxpr(p.fun, xs.map(() => 0), n);
  const nc = fun.consts.length;
  let nOut = 0;
  const fwd: CustomFwd = (...P) => {
    const outs = vmapFlat(
      (...ps) => {
        const [o, r] = p.fwd(...ps) as [Array[], Array[]];
        nOut = o.length;
        return [...o, ...r];
      },
      (P as Array[]).slice(nc),
      xs.map(() => 0),
      (bd) => bd.map(() => 0),
      n,
    );
    return [outs.slice(0, nOut), outs.slice(nOut)];
  };
  const bwd: CustomBwd = (res, cts) => [...fun.consts.map(() => null), ...vmapBwd(p.bwd, res as Array[], cts as Array[], n)];
  const outs = bind('customVjpCall', [...fun.consts, ...xs], { fun: fun.jaxpr, fwd, bwd, name: p.name });
  return [outs, outs.map(() => 0)];
}
export function customVjpPartialEval(_t: PETrace, tracers: PETracer[], p: CV): Array[] {
  return evalJaxpr(p.fun, tracers);
}

export function customLinEval(_args: Array[], p: CL): Array[] {
  throw new TypeError(
    `customVjp(${p.name}): forward-mode differentiation (jvp, jacfwd, linearize evaluation) is not defined for a customVjp function; use customJvp if you need forward mode`,
  );
}
export function customLinJvp(_p: Array[], _t: Array[], p: CL): [Array[], Array[]] {
  return [customLinEval([], p), []];
}
export function customLinVmap(args: Array[], dims: (number | null)[], p: CL, n: number): [Array[], (number | null)[]] {
  const xs = args.map((a, i) => moveBatchAxis(a, dims[i]!, 0, n));
  const bwd: CustomBwd = (r, c) => vmapBwd(p.bwd, r as Array[], c as Array[], n);
  const outs = bind('customLin', xs, { ...p, bwd, outAvals: p.outAvals.map((a) => a.withShape([n, ...a.shape])) });
  return [outs, outs.map(() => 0)];
}
export function customLinTranspose(cts: (Array | null)[], args: (Array | UndefPrimal)[], p: CL): (Array | null)[] {
  const res = args.slice(0, p.numRes) as Array[];
  const full = cts.map((c, i) => c ?? lax.zeros(p.outAvals[i]!.shape, p.outAvals[i]!.dtype));
  const inCts = p.bwd(res, full) as (Array | null)[];
  return [...res.map(() => null), ...inCts];
}

export function checkpointEval(args: Array[], p: CK): Array[] {
  return runJaxpr(p.jaxpr, args);
}
export function checkpointJvp(primals: Array[], tangents: Array[], p: CK): [Array[], Array[]] {
  const cj = jvpJaxpr(p.jaxpr);
  const outs = bind('checkpoint', [...cj.consts, ...primals, ...tangents], { jaxpr: cj.jaxpr, name: p.name });
  const n = p.jaxpr.outs.length;
  return [outs.slice(0, n), outs.slice(n)];
}
export function checkpointVmap(args: Array[], dims: (number | null)[], p: CK, n: number): [Array[], (number | null)[]] {
  const cj = vmapJaxpr(p.jaxpr, dims, n);
  const outs = bind('checkpoint', [...cj.consts, ...args], { jaxpr: cj.jaxpr, name: p.name });
  return [outs, outs.map(() => 0)];
}
/** Remat partial eval: known outputs are computed now, the unknown ones are staged as a checkpoint that
 * recomputes everything it needs from the inputs (no intermediate residuals are saved). */
export function checkpointPartialEval(trace: PETrace, tracers: PETracer[], p: CK): Array[] {
  const unknowns = tracers.map((t) => t.known === null);
  const pe = partialEvalJaxpr(p.jaxpr, unknowns, false);
  const nKnownOuts = pe.outUnknowns.filter((u) => !u).length;
  const [kj] = dce(pe.known.jaxpr, pe.known.jaxpr.outs.map((_, i) => i < nKnownOuts));
  const kOuts = evalJaxpr(kj, [...pe.known.consts, ...tracers.filter((t) => t.known !== null).map((t) => t.known!)]);
  const [uj] = dce(p.jaxpr, pe.outUnknowns);
  const uOuts = trace.stage('checkpoint', tracers, { jaxpr: uj, name: p.name });
  let k = 0, u = 0;
  return pe.outUnknowns.map((isU) => (isU ? uOuts[u++]! : kOuts[k++]!));
}
/** Transpose of a staged checkpoint: recompute the non-linear part now, then transpose the linear part. */
export function checkpointTranspose(cts: (Array | null)[], args: (Array | UndefPrimal)[], p: CK): (Array | null)[] {
  const linear = args.map((a) => a instanceof UndefPrimal);
  const pe = partialEvalJaxpr(p.jaxpr, linear, false);
  // The recomputation is bound as a checkpoint of its own: under jit it stays a separate unit that CSE
  // cannot merge with the forward pass (JAX uses an optimization barrier for the same purpose).
  const known = bind('checkpoint', [...pe.known.consts, ...(args.filter((a) => !(a instanceof UndefPrimal)) as Array[])], {
    jaxpr: pe.known.jaxpr,
    name: `remat(${p.name})`,
  });
  const nKnownOuts = pe.outUnknowns.filter((u) => !u).length;
  const residuals = known.slice(nKnownOuts);
  const uCts = cts.filter((_, i) => pe.outUnknowns[i]);
  const res = backwardPass(pe.unknown, [...residuals, ...(args.filter((a) => a instanceof UndefPrimal) as UndefPrimal[])], uCts);
  const linCts = res.slice(residuals.length);
  let k = 0;
  return linear.map((l) => (l ? linCts[k++] ?? null : null));
}
