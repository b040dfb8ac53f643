// Traceable control flow: cond/switch, whileLoop, forILoop, scan, as primitives with jaxpr bodies, and
// their eval/jvp/vmap/partial-eval/transpose rules (JAX's lax/control_flow/conditionals.py and loops.py).
import '../rules/higherOrder.js'; // installs the eval rules of the primitives this module binds
import { ShapedArray } from '../core/aval.js';
import { ConcreteArray } from '../core/array.js';
import { isInt } from '../core/dtype.js';
import type { Params } from '../core/primitive.js';
import { Array, bind } from '../core/trace.js';
import { flatten, unflatten, assertSameStructure, TreeDef } from '../core/tree.js';
import { ClosedJaxpr, Jaxpr, Var, evalJaxpr } from '../ir/jaxpr.js';
import * as lax from '../lax/prims.js';
import { UndefPrimal } from '../rules/types.js';
import { jvpJaxpr, vmapJaxpr, transposeJaxpr, permuteInputs } from './jaxprTransforms.js';
import { partialEvalJaxpr, type PETrace, type PETracer } from './partialEval.js';
import { stageFlat } from './stage.js';
import { runJaxpr } from '../compiler/run.js';
import { currentTarget } from '../targets/registry.js';
import { takeHostOf } from '../core/hostPool.js';
import { dce } from '../ir/passes.js';
import { backwardPass, instantiateCt, addCt } from './transpose.js';
import { flattenFun, toArray } from './util.js';
import { moveBatchAxis, vmapFlat } from './vmap.js';
import { hoistXsOnly } from './scanHoist.js';

// ---- helpers -------------------------------------------------------------------------------------

/** Stages a pytree function on flat avals; returns the closed jaxpr and the output structure. */
function stageTree(f: (...a: any[]) => unknown, inTree: TreeDef, avals: ShapedArray[], what: string): [ClosedJaxpr, TreeDef] {
  const { fn, outTree } = flattenFun(f, inTree, what);
  const cj = stageFlat(fn, avals, what);
  return [cj, outTree()];
}

/** Gives every closed jaxpr the same leading const inputs (all consts of all of them, each using its own). */
function joinConsts(cjs: readonly ClosedJaxpr[]): [Jaxpr[], Array[]] {
  const all: Array[] = cjs.flatMap((c) => c.consts as Array[]);
  let off = 0;
  const jaxprs = cjs.map((c) => {
    const n = c.consts.length;
    const binders = all.map((a, i) => (i >= off && i < off + n ? c.jaxpr.inBinders[i - off]! : new Var(a.aval)));
    off += n;
    return new Jaxpr([...binders, ...c.jaxpr.inBinders.slice(n)], c.jaxpr.eqns, c.jaxpr.outs);
  });
  return [jaxprs, all];
}

/** Reorders a jaxpr's outputs: new output i is old output perm[i]. */
function permuteOutputs(j: Jaxpr, perm: readonly number[]): Jaxpr {
  return new Jaxpr(j.inBinders, j.eqns, perm.map((p) => j.outs[p]!));
}

const range = (n: number, s = 0) => globalThis.Array.from({ length: n }, (_, i) => i + s);

function clampIndex(index: Array, n: number): Array {
  const i = index.dtype === 'int32' ? index : lax.convertElementType(index, 'int32');
  return lax.max(lax.scalar(0, 'int32'), lax.min(i, lax.scalar(n - 1, 'int32')));
}

// ---- cond / switch -------------------------------------------------------------------------------

/**
 * Runs `branches[index]` (index clamped into range) on `operands` (JAX's lax.switch). All branches must
 * return the same structure and types. Traceable: works under jit, vmap (becomes a select), jvp and grad.
 */
export function switchCase(index: unknown, branches: readonly ((...ops: any[]) => any)[], ...operands: unknown[]): any {
  if (branches.length === 0) throw new TypeError('switch: needs at least one branch');
  const idx = toArray(index, 'switch index');
  if (idx.ndim !== 0 || !(isInt(idx.dtype) || idx.dtype === 'bool'))
    throw new TypeError(`switch: the index must be an integer scalar, got ${idx.dtype}[${idx.shape.join(', ')}]`);
  const [leaves, inTree] = flatten(operands);
  const ops = leaves.map((l) => toArray(l, 'switch operands'));
  const staged = branches.map((b, i) => stageTree(b, inTree, ops.map((o) => o.aval), `switch branch ${i}`));
  const t0 = staged[0]![1];
  staged.forEach(([cj, t], i) => {
    assertSameStructure(`switch: branch ${i} and branch 0 return different structures`, t0, t);
    const a = cj.outAvals, b = staged[0]![0].outAvals;
    a.forEach((x, k) => {
      if (!x.equals(b[k]!))
        throw new TypeError(`switch: branch ${i} returns ${x} for output ${k} but branch 0 returns ${b[k]}; all branches must return the same shapes and dtypes`);
    });
  });
  const [jaxprs, consts] = joinConsts(staged.map((s) => s[0]));
  const outs = bind('cond', [clampIndex(idx, branches.length), ...consts, ...ops], { branches: jaxprs });
  return unflatten(t0, outs);
}

/**
 * `pred ? trueFun(...operands) : falseFun(...operands)` as a traceable primitive (JAX's lax.cond).
 * @example
 * const relu = (x: Array) => lax.cond(x.gt(0), (v) => v, (v) => v.mul(0), x); // x scalar
 */
export function cond(pred: unknown, trueFun: (...ops: any[]) => any, falseFun: (...ops: any[]) => any, ...operands: unknown[]): any {
  const p = toArray(pred, 'cond predicate');
  if (p.ndim !== 0)
    throw new TypeError(`cond: the predicate must be a scalar, got shape [${p.shape.join(', ')}]; for elementwise choice use np.where`);
  const idx = p.dtype === 'bool' ? lax.convertElementType(p, 'int32') : lax.convertElementType(lax.ne(p, lax.zerosLike(p)), 'int32');
  return switchCase(idx, [falseFun, trueFun], ...operands);
}

type CondP = Params<'cond'>;

export function condEval([index, ...ops]: Array[], p: CondP): Array[] {
  const i = Math.min(Math.max(Number(index!.item()), 0), p.branches.length - 1);
  return runJaxpr(p.branches[i]!, ops);
}

export function condJvp([index, ...ops]: Array[], [, ...tans]: Array[], p: CondP): [Array[], Array[]] {
  const [jaxprs, consts] = joinConsts(p.branches.map((b) => jvpJaxpr(b)));
  const outs = bind('cond', [index!, ...consts, ...ops, ...tans], { branches: jaxprs });
  const n = p.branches[0]!.outs.length;
  return [outs.slice(0, n), outs.slice(n)];
}

export function condVmap([index, ...ops]: Array[], [idim = null, ...dims]: (number | null)[], p: CondP, n: number): [Array[], (number | null)[]] {
  if (idim === null) {
    const [jaxprs, consts] = joinConsts(p.branches.map((b) => vmapJaxpr(b, dims, n)));
    const outs = bind('cond', [index!, ...consts, ...ops], { branches: jaxprs });
    return [outs, outs.map(() => 0)];
  }
  // batched predicate: run every branch and select (JAX converts cond to select the same way)
  const idx = moveBatchAxis(index!, idim!, 0, n);
  const results = p.branches.map((b) => vmapFlat((...xs) => evalJaxpr(b, xs), ops, dims, b.outs.map(() => 0), n));
  const outs = results[0]!.map((_, k) => {
    let acc = results[0]![k]!;
    for (let i = 1; i < results.length; i++) {
      const r = results[i]![k]!;
      const pred = lax.broadcastInDim(lax.eq(idx, lax.full([n], i, idx.dtype)), r.shape, [0]);
      acc = lax.select(pred, r, acc);
    }
    return acc;
  });
  return [outs, outs.map(() => 0)];
}

export function condPartialEval(trace: PETrace, tracers: PETracer[], p: CondP): Array[] {
  const [index, ...ops] = tracers;
  if (index!.known === null) return trace.stage('cond', tracers, p);
  const unknowns = ops.map((t) => t.known === null);
  let outU = p.branches[0]!.outs.map(() => false);
  for (const b of p.branches) {
    const r = partialEvalJaxpr(b, unknowns, false);
    outU = outU.map((u, i) => u || r.outUnknowns[i]!);
  }
  const parts = p.branches.map((b) => partialEvalJaxpr(b, unknowns, outU));
  // every known branch returns (known outs, all branches' residuals), zeros for the others'
  const resAvals = parts.flatMap((r) => r.known.outAvals.slice(r.known.outAvals.length - r.numRes));
  const numKnownOuts = outU.filter((u) => !u).length;
  let off = 0;
  const knownBranches = parts.map((r) => {
    const mine = off;
    off += r.numRes;
    const knownIns = r.known.inAvals;
    return stageFlat(
      (...xs) => {
        const outs = evalJaxpr(r.known.jaxpr, [...r.known.consts, ...xs]);
        const res = resAvals.map((a, i) => (i >= mine && i < mine + r.numRes ? outs[numKnownOuts + i - mine]! : lax.zeros(a.shape, a.dtype)));
        return [...outs.slice(0, numKnownOuts), ...res];
      },
      knownIns,
      'cond_known',
    );
  });
  const [kj, kconsts] = joinConsts(knownBranches);
  const knownOps = ops.filter((t) => t.known !== null).map((t) => t.known!);
  const kOuts = bind('cond', [index!.known, ...kconsts, ...knownOps], { branches: kj });
  const residuals = kOuts.slice(numKnownOuts);
  off = 0;
  const unknownBranches = parts.map((r) => {
    const mine = off;
    off += r.numRes;
    // inputs: all residuals, then unknown operands; this branch reads only its own residuals
    const j = r.unknown;
    const binders = resAvals.map((a, i) => (i >= mine && i < mine + r.numRes ? j.inBinders[i - mine]! : new Var(a)));
    return new Jaxpr([...binders, ...j.inBinders.slice(r.numRes)], j.eqns, j.outs);
  });
  const uOps = ops.filter((t) => t.known === null);
  const uOuts = trace.stage('cond', [index!, ...residuals.map((r) => trace.instantiate(r)), ...uOps], { branches: unknownBranches });
  let ki = 0, ui = 0;
  return outU.map((u) => (u ? uOuts[ui++]! : kOuts[ki++]!));
}

export function condTranspose(cts: (Array | null)[], [index, ...ops]: (Array | UndefPrimal)[], p: CondP): (Array | null)[] {
  if (index instanceof UndefPrimal) throw new TypeError('cond transpose: the branch index cannot be linear');
  const linear = ops.map((o) => o instanceof UndefPrimal);
  const [jaxprs, consts] = joinConsts(p.branches.map((b) => transposeJaxpr(b, linear)));
  const outAvals = p.branches[0]!.outAvals;
  const ctArrs = cts.map((c, i) => instantiateCt(c, outAvals[i]!));
  const nonLin = ops.filter((o) => !(o instanceof UndefPrimal)) as Array[];
  const res = bind('cond', [index!, ...consts, ...nonLin, ...ctArrs], { branches: jaxprs });
  let k = 0;
  return [null, ...linear.map((l) => (l ? res[k++]! : null))];
}

// ---- whileLoop / forILoop ------------------------------------------------------------------------

/**
 * `while (condFun(val)) val = bodyFun(val)` as a traceable primitive (JAX's lax.while_loop). Supports jit,
 * vmap and forward-mode (jvp); reverse mode (grad) is not defined for it: use scan or forILoop with
 * static bounds instead.
 */
export function whileLoop<T>(condFun: (val: T) => unknown, bodyFun: (val: T) => T, initVal: T): T {
  const [leaves, tree] = flatten(initVal);
  const init = leaves.map((l) => toArray(l, 'whileLoop initVal'));
  const avals = init.map((a) => a.aval);
  const [condCj] = stageTree(condFun as (...a: any[]) => unknown, new TreeDef('array', [tree]), avals, 'whileLoop cond');
  const c = condCj.outAvals;
  if (c.length !== 1 || c[0]!.ndim !== 0 || c[0]!.dtype !== 'bool')
    throw new TypeError(`whileLoop: condFun must return a bool scalar, got (${c.join(', ')})`);
  const [bodyCj, bodyTree] = stageTree(bodyFun as (...a: any[]) => unknown, new TreeDef('array', [tree]), avals, 'whileLoop body');
  assertSameStructure('whileLoop: bodyFun must return a value of the same structure as initVal', tree, bodyTree);
  bodyCj.outAvals.forEach((o, i) => {
    if (!o.equals(avals[i]!))
      throw new TypeError(`whileLoop: bodyFun returns ${o} for carry leaf ${i}, which came in as ${avals[i]}; the carry type must not change`);
  });
  const outs = bind('while', [...condCj.consts, ...bodyCj.consts, ...init], {
    cond: condCj.jaxpr,
    body: bodyCj.jaxpr,
    condNConsts: condCj.consts.length,
    bodyNConsts: bodyCj.consts.length,
  });
  return unflatten<T>(tree, outs);
}

/**
 * `for (let i = lower; i < upper; i++) val = body(i, val)` (JAX's lax.fori_loop). With JS-number bounds it
 * lowers to scan, so it supports grad; with traced bounds it is a whileLoop.
 */
export function forILoop<T>(lower: number | Array, upper: number | Array, body: (i: Array, val: T) => T, initVal: T): T {
  if (typeof lower === 'number' && typeof upper === 'number') {
    const [[, val]] = scan(
      ([i, v]: [Array, T]) => [[lax.add(i, lax.scalar(1, 'int32')), body(i, v)] as [Array, T], null],
      [lax.scalar(lower, 'int32'), initVal] as [Array, T],
      null,
      { length: Math.max(0, upper - lower) },
    );
    return val;
  }
  const lo = toArray(lower, 'forILoop lower'), hi = toArray(upper, 'forILoop upper');
  const [, val] = whileLoop<[Array, Array, T]>(
    ([i, u]) => lax.lt(i, u),
    ([i, u, v]) => [lax.add(i, lax.scalar(1, i.dtype)), u, body(i, v)],
    [lo, hi, initVal],
  ).slice(1) as [Array, T];
  return val;
}

type WhileP = Params<'while'>;

export function whileEval(args: Array[], p: WhileP): Array[] {
  const cc = args.slice(0, p.condNConsts), bc = args.slice(p.condNConsts, p.condNConsts + p.bodyNConsts);
  let carry = args.slice(p.condNConsts + p.bodyNConsts);
  while (runJaxpr(p.cond, [...cc, ...carry])[0]!.item()) carry = runJaxpr(p.body, [...bc, ...carry]);
  return carry;
}

export function whileJvp(primals: Array[], tangents: Array[], p: WhileP): [Array[], Array[]] {
  const nc = p.condNConsts, nb = p.bodyNConsts;
  const cc = primals.slice(0, nc), bc = primals.slice(nc, nc + nb), init = primals.slice(nc + nb);
  const bct = tangents.slice(nc, nc + nb), initT = tangents.slice(nc + nb);
  const nCarry = init.length;
  const jb = jvpJaxpr(p.body); // (bc, carry, bct, carryT) -> (carry, carryT)
  const body = permuteInputs(jb.jaxpr, [
    ...range(jb.consts.length),
    ...range(nb, jb.consts.length), // bc
    ...range(nb, jb.consts.length + nb + nCarry), // bct
    ...range(nCarry, jb.consts.length + nb), // carry
    ...range(nCarry, jb.consts.length + 2 * nb + nCarry), // carryT
  ]);
  const condJ = new Jaxpr([...p.cond.inBinders, ...init.map((a) => new Var(a.aval.strongType()))], p.cond.eqns, p.cond.outs);
  const outs = bind('while', [...cc, ...jb.consts, ...bc, ...bct, ...init, ...initT], {
    cond: condJ,
    body,
    condNConsts: nc,
    bodyNConsts: jb.consts.length + 2 * nb,
  });
  return [outs.slice(0, nCarry), outs.slice(nCarry)];
}

export function whileVmap(args: Array[], dims: (number | null)[], p: WhileP, n: number): [Array[], (number | null)[]] {
  const nc = p.condNConsts, nb = p.bodyNConsts;
  const cc = args.slice(0, nc), bc = args.slice(nc, nc + nb);
  const carry = args.slice(nc + nb).map((a, i) => moveBatchAxis(a, dims[nc + nb + i]!, 0, n));
  const ccd = dims.slice(0, nc), bcd = dims.slice(nc, nc + nb);
  const carryD = carry.map(() => 0);
  const pred = { batched: false };
  const condCj = stageFlat(
    (...xs) => vmapFlat((...ys) => evalJaxpr(p.cond, ys), xs, [...ccd, ...carryD], (bd) => {
      pred.batched = bd[0] !== null;
      return [bd[0] === null ? null : 0];
    }, n),
    [...cc.map((a, i) => a.aval), ...carry.map((a) => a.aval)],
    'while_cond_vmap',
  );
  const bodyV = vmapJaxpr(p.body, [...bcd, ...carryD], n);
  if (!pred.batched) {
    const outs = bind('while', [...condCj.consts, ...cc, ...bodyV.consts, ...bc, ...carry], {
      cond: condCj.jaxpr,
      body: bodyV.jaxpr,
      condNConsts: condCj.consts.length + nc,
      bodyNConsts: bodyV.consts.length + nb,
    });
    return [outs, outs.map(() => 0)];
  }
  // batched predicate: loop while any example continues; finished examples keep their carry
  const anyCond = stageFlat(
    (...xs) => [lax.reduceMax(evalJaxpr(condCj.jaxpr, xs)[0]!, [0])],
    condCj.jaxpr.inAvals,
    'while_any',
  );
  const nCondAll = condCj.consts.length + nc;
  const body = stageFlat(
    (...xs) => {
      const condArgs = xs.slice(0, nCondAll);
      const bodyArgs = xs.slice(nCondAll, nCondAll + bodyV.consts.length + nb);
      const cur = xs.slice(nCondAll + bodyV.consts.length + nb);
      const pred = evalJaxpr(condCj.jaxpr, [...condArgs, ...cur])[0]!;
      const next = evalJaxpr(bodyV.jaxpr, [...bodyArgs, ...cur]);
      return next.map((nx, i) => lax.select(lax.broadcastInDim(pred, nx.shape, [0]), nx, cur[i]!));
    },
    [...condCj.jaxpr.inAvals.slice(0, nCondAll), ...bodyV.jaxpr.inAvals],
    'while_body_select',
  );
  const outs = bind('while', [...anyCond.consts, ...condCj.consts, ...cc, ...body.consts, ...condCj.consts, ...cc, ...bodyV.consts, ...bc, ...carry], {
    cond: anyCond.jaxpr,
    body: body.jaxpr,
    condNConsts: anyCond.consts.length + nCondAll,
    bodyNConsts: body.consts.length + nCondAll + bodyV.consts.length + nb,
  });
  return [outs, outs.map(() => 0)];
}

/**
 * Partial eval of whileLoop (JAX's _while_partial_eval): carries that stay known are computed now by a
 * loop over the known part; the unknown ones come from the whole loop, staged (so reverse mode reports
 * that whileLoop has no transpose, while linearize/jvp work).
 */
export function whilePartialEval(trace: PETrace, tracers: PETracer[], p: WhileP): Array[] {
  const nc = p.condNConsts, nb = p.bodyNConsts;
  const unknown = tracers.map((t) => t.known === null);
  let carryU = unknown.slice(nc + nb);
  let pe = partialEvalJaxpr(p.body, [...unknown.slice(nc, nc + nb), ...carryU], carryU);
  for (;;) {
    const next = carryU.map((u, i) => u || pe.outUnknowns[i]!);
    if (next.every((u, i) => u === carryU[i])) break;
    carryU = next;
    pe = partialEvalJaxpr(p.body, [...unknown.slice(nc, nc + nb), ...carryU], carryU);
  }
  const condPe = partialEvalJaxpr(p.cond, [...unknown.slice(0, nc), ...carryU], false);
  const staged = trace.stage('while', tracers, p);
  if (condPe.outUnknowns[0] || carryU.every((u) => u)) return staged;
  const nKnownCarry = carryU.filter((u) => !u).length;
  const [kBody] = dce(pe.known.jaxpr, pe.known.jaxpr.outs.map((_, i) => i < nKnownCarry));
  const [kCond] = dce(condPe.known.jaxpr, [true]);
  const known = (xs: PETracer[]) => xs.filter((t) => t.known !== null).map((t) => t.known!);
  const kc = known(tracers.slice(0, nc)), kb = known(tracers.slice(nc, nc + nb));
  // a carry that comes in known may still be unknown after the fixed point: keep only the known carries
  const kcarry = tracers.slice(nc + nb).filter((_, i) => !carryU[i]).map((t) => t.known!);
  const kOuts = bind('while', [...condPe.known.consts, ...kc, ...pe.known.consts, ...kb, ...kcarry], {
    cond: new Jaxpr(kCond.inBinders, kCond.eqns, [kCond.outs[0]!]),
    body: kBody,
    condNConsts: condPe.known.consts.length + kc.length,
    bodyNConsts: pe.known.consts.length + kb.length,
  });
  let k = 0;
  return carryU.map((u, i) => (u ? staged[i]! : kOuts[k++]!));
}

// ---- scan ---------------------------------------------------------------------------------------

/** Options of {@link scan}: `length` (when there are no xs) and `reverse` (iterate from the end). */
export interface ScanOptions {
  /** Number of iterations; required when xs is null. */
  length?: number;
  /** Iterate from the end of xs to the start (ys are still stored in xs order). */
  reverse?: boolean;
}

/**
 * Loops `f(carry, x) -> [carry, y]` over the leading axis of `xs`, returning `[finalCarry, stackedYs]`
 * (JAX's lax.scan). The loop stays one primitive under jit, and differentiates in both modes.
 * @example
 * const [total, partial] = lax.scan((c, x) => [c.add(x), c.add(x)], np.zeros([]), np.arange(5));
 */
export function scan<C, X, Y>(f: (carry: C, x: X) => [C, Y], init: C, xs: X | null, opts: ScanOptions = {}): [C, Y] {
  const [cLeaves, cTree] = flatten(init);
  const carry = cLeaves.map((l) => toArray(l, 'scan init'));
  const [xLeaves, xTree] = flatten(xs);
  const xArrs = xLeaves.map((l) => toArray(l, 'scan xs'));
  let length = opts.length;
  for (const x of xArrs) {
    if (x.ndim === 0) throw new TypeError('scan: every xs leaf needs a leading axis to scan over, got a scalar');
    if (length === undefined) length = x.shape[0]!;
    else if (x.shape[0] !== length)
      throw new TypeError(`scan: xs leaves have leading axes of different sizes (${length} and ${x.shape[0]}); they must all equal the scan length`);
  }
  if (length === undefined) throw new TypeError('scan: pass xs with a leading axis or opts.length');
  const inTree = new TreeDef('array', [cTree, xTree]);
  const avals = [...carry.map((c) => c.aval), ...xArrs.map((x) => x.aval.withShape(x.shape.slice(1)))];
  let yTree: TreeDef | null = null;
  const body = (c: unknown, x: unknown) => {
    const r = f(c as C, x as X);
    if (!globalThis.Array.isArray(r) || r.length !== 2) throw new TypeError('scan: the body must return a pair [newCarry, y]');
    const [nc, y] = r;
    const [ncl, nct] = flatten(nc);
    assertSameStructure('scan: the body must return a carry of the same structure as init', cTree, nct);
    const [yl, yt] = flatten(y);
    yTree = yt;
    return [...ncl, ...yl];
  };
  const { fn } = flattenFun(body, inTree, 'scan body');
  const cj = stageFlat((...a) => fn(...a).flat() as Array[], avals, 'scan body');
  cj.outAvals.slice(0, carry.length).forEach((o, i) => {
    if (!o.equals(carry[i]!.aval))
      throw new TypeError(
        `scan: the body returns carry leaf ${i} as ${o} but it came in as ${carry[i]!.aval}; the carry type must not change (check dtype promotion, e.g. a weak JS number init)`,
      );
  });
  // Products of the xs alone (an RNN's input projection x·W) run once over all steps, before the loop (scanHoist.ts).
  const h = hoistXsOnly(cj.jaxpr, cj.consts.length, carry.length);
  const pre = h ? vmapFlat((...a) => evalJaxpr(h.pre, a), [...cj.consts, ...xArrs], [...cj.consts.map(() => null), ...xArrs.map(() => 0)], h.pre.outs.map(() => 0), length) : [];
  const consts = h ? h.keptConsts.map((i) => cj.consts[i]!) : cj.consts;
  const outs = bind('scan', [...consts, ...carry, ...(h ? [...h.keptXs.map((i) => xArrs[i]!), ...pre] : xArrs)], {
    jaxpr: h ? h.body : cj.jaxpr,
    numConsts: consts.length,
    numCarry: carry.length,
    length,
    reverse: !!opts.reverse,
  });
  const finalCarry = unflatten<C>(cTree, outs.slice(0, carry.length));
  return [finalCarry, unflatten<Y>(yTree!, outs.slice(carry.length))];
}

type ScanP = Params<'scan'>;

/** Slice i of x along its leading axis, as a view of x's buffer (x outlives the loop; nothing writes either). */
function indexLeading(x: ConcreteArray, i: number): ConcreteArray {
  const inner = x.size / x.shape[0]!;
  const whole = x.buffer;
  const view = whole.subarray(i * inner, (i + 1) * inner);
  currentTarget().sliceView?.(whole, view);
  return new ConcreteArray(x.aval.withShape(x.shape.slice(1)), view);
}

const copyOf = (x: ConcreteArray): ConcreteArray => {
  const data = takeHostOf(x.dtype, x.size);
  data.set(x.buffer as never);
  return new ConcreteArray(x.aval, data);
};

export function scanEval(args: Array[], p: ScanP): Array[] {
  const consts = args.slice(0, p.numConsts);
  let carry = args.slice(p.numConsts, p.numConsts + p.numCarry);
  const xs = args.slice(p.numConsts + p.numCarry) as ConcreteArray[];
  const yAvals = p.jaxpr.outAvals.slice(p.numCarry);
  const ys = yAvals.map((a) => takeHostOf(a.dtype, a.size * p.length));
  const argSet = new Set<Array>(args);
  for (let k = 0; k < p.length; k++) {
    const i = p.reverse ? p.length - 1 - k : k;
    const xi = xs.map((x) => indexLeading(x, i));
    const outs = runJaxpr(p.jaxpr, [...consts, ...carry, ...xi]);
    // a carry that is an x slice (a view into xs) gets its own buffer: it may outlive xs
    const next = outs.slice(0, p.numCarry).map((c) => (xi.includes(c as ConcreteArray) ? copyOf(c as ConcreteArray) : c));
    const yi = outs.slice(p.numCarry);
    yi.forEach((y, j) => ys[j]!.set((y as ConcreteArray).buffer as never, i * yAvals[j]!.size));
    // this iteration's values that nothing reads any more go back to the pool: the previous carry, the xs slices and
    // the ys (now copied), unless one of them is the next carry or an argument of the scan
    const dead = new Set<Array>([...carry, ...xi, ...yi]);
    for (const a of next) dead.delete(a);
    for (const a of dead) if (!argSet.has(a)) a.dispose();
    carry = next;
  }
  return [...carry, ...ys.map((d, j) => new ConcreteArray(yAvals[j]!.withShape([p.length, ...yAvals[j]!.shape]), d))];
}

export function scanJvp(primals: Array[], tangents: Array[], p: ScanP): [Array[], Array[]] {
  const { numConsts: nc, numCarry: ncar } = p;
  const nx = primals.length - nc - ncar;
  const ny = p.jaxpr.outs.length - ncar;
  const jb = jvpJaxpr(p.jaxpr); // (c, carry, x, ct, carryT, xT) -> (carry, y, carryT, yT)
  const k = jb.consts.length;
  const n = nc + ncar + nx;
  const perm = [
    ...range(k),
    ...range(nc, k), ...range(nc, k + n), // consts, constsT
    ...range(ncar, k + nc), ...range(ncar, k + n + nc), // carry, carryT
    ...range(nx, k + nc + ncar), ...range(nx, k + n + nc + ncar), // xs, xsT
  ];
  const body = permuteOutputs(permuteInputs(jb.jaxpr, perm), [
    ...range(ncar), ...range(ncar, ncar + ny), ...range(ny, ncar), ...range(ny, 2 * ncar + ny),
  ]);
  const outs = bind('scan', [
    ...jb.consts,
    ...primals.slice(0, nc), ...tangents.slice(0, nc),
    ...primals.slice(nc, nc + ncar), ...tangents.slice(nc, nc + ncar),
    ...primals.slice(nc + ncar), ...tangents.slice(nc + ncar),
  ], { jaxpr: body, numConsts: k + 2 * nc, numCarry: 2 * ncar, length: p.length, reverse: p.reverse });
  return [
    [...outs.slice(0, ncar), ...outs.slice(2 * ncar, 2 * ncar + ny)],
    [...outs.slice(ncar, 2 * ncar), ...outs.slice(2 * ncar + ny)],
  ];
}

export function scanVmap(args: Array[], dims: (number | null)[], p: ScanP, n: number): [Array[], (number | null)[]] {
  const { numConsts: nc, numCarry: ncar } = p;
  const consts = args.slice(0, nc), cd = dims.slice(0, nc);
  const carry = args.slice(nc, nc + ncar).map((a, i) => moveBatchAxis(a, dims[nc + i]!, 0, n));
  const xs = args.slice(nc + ncar).map((a, i) => {
    const d = dims[nc + ncar + i]!;
    return d === null ? a : moveBatchAxis(a, d, 1, n);
  });
  const xd = args.slice(nc + ncar).map((_, i) => (dims[nc + ncar + i] === null ? null : 0));
  const bodyV = vmapJaxpr(p.jaxpr, [...cd, ...carry.map(() => 0), ...xd], n);
  const outs = bind('scan', [...bodyV.consts, ...consts, ...carry, ...xs], {
    jaxpr: bodyV.jaxpr,
    numConsts: bodyV.consts.length + nc,
    numCarry: ncar,
    length: p.length,
    reverse: p.reverse,
  });
  return [outs, outs.map((_, i) => (i < ncar ? 0 : 1))];
}

export function scanPartialEval(trace: PETrace, tracers: PETracer[], p: ScanP): Array[] {
  const { numConsts: nc, numCarry: ncar } = p;
  const unknown = tracers.map((t) => t.known === null);
  const ny = p.jaxpr.outs.length - ncar;
  // fixed point: a carry is unknown if it comes in unknown or the body makes it unknown
  let carryU = unknown.slice(nc, nc + ncar);
  let pe = partialEvalJaxpr(p.jaxpr, [...unknown.slice(0, nc), ...carryU, ...unknown.slice(nc + ncar)], [...carryU, ...range(ny).map(() => false)]);
  for (;;) {
    const outCarryU = pe.outUnknowns.slice(0, ncar);
    const next = carryU.map((u, i) => u || outCarryU[i]!);
    if (next.every((u, i) => u === carryU[i])) break;
    carryU = next;
    pe = partialEvalJaxpr(p.jaxpr, [...unknown.slice(0, nc), ...carryU, ...unknown.slice(nc + ncar)], [...carryU, ...range(ny).map(() => false)]);
  }
  const inU = [...unknown.slice(0, nc), ...carryU, ...unknown.slice(nc + ncar)];
  const yU = pe.outUnknowns.slice(ncar);
  const kc = pe.known;
  const knownIdx = range(tracers.length).filter((i) => !inU[i]);
  const nKConsts = knownIdx.filter((i) => i < nc).length;
  const nKCarry = knownIdx.filter((i) => i >= nc && i < nc + ncar).length;
  const nKYs = yU.filter((u) => !u).length;
  // residuals that are just known consts (loop invariant) are passed as consts, not stacked
  const kOutAtoms = kc.jaxpr.outs.slice(nKCarry + nKYs);
  const constBinders = new Map<Var, number>();
  kc.jaxpr.inBinders.slice(0, kc.consts.length + nKConsts).forEach((v, i) => constBinders.set(v, i));
  const invariant = kOutAtoms.map((a) => (a instanceof Var && constBinders.has(a) ? constBinders.get(a)! : -1));
  const knownVals = knownIdx.map((i) => tracers[i]!.known!);
  const invValues = invariant.map((ci) => (ci < 0 ? null : ci < kc.consts.length ? kc.consts[ci]! : knownVals[ci - kc.consts.length]!));
  // known scan: consts (kc consts + known consts), known carry, known xs -> known carry, known ys, stacked residuals
  const stackedIdx = invariant.map((ci, i) => (ci < 0 ? i : -1)).filter((i) => i >= 0);
  const kJaxpr = new Jaxpr(kc.jaxpr.inBinders, kc.jaxpr.eqns, [...kc.jaxpr.outs.slice(0, nKCarry + nKYs), ...stackedIdx.map((i) => kOutAtoms[i]!)]);
  const kOuts = bind('scan', [...kc.consts, ...knownVals], {
    jaxpr: kJaxpr,
    numConsts: kc.consts.length + nKConsts,
    numCarry: nKCarry,
    length: p.length,
    reverse: p.reverse,
  });
  const stackedRes = kOuts.slice(nKCarry + nKYs);
  // unknown scan: inputs (invariant residuals, unknown consts | unknown carry | unknown xs, stacked residuals)
  const uj = pe.unknown;
  const nRes = pe.numRes;
  const invPos = invariant.map((ci, i) => (ci >= 0 ? i : -1)).filter((i) => i >= 0);
  const nUConsts = range(nc).filter((i) => inU[i]).length;
  const nUCarry = carryU.filter((u) => u).length;
  const nUXs = range(tracers.length - nc - ncar).filter((i) => inU[nc + ncar + i]).length;
  const perm = [
    ...invPos,
    ...range(nUConsts, nRes),
    ...range(nUCarry, nRes + nUConsts),
    ...range(nUXs, nRes + nUConsts + nUCarry),
    ...stackedIdx,
  ];
  const ujP = permuteInputs(uj, perm);
  // the unknown body sees per-iteration residual slices: fix the avals of the stacked residual binders
  const uTracers = tracers.filter((_, i) => inU[i]).map((t) => trace.instantiate(t));
  const uOuts = trace.stage('scan', [
    ...invPos.map((i) => trace.instantiate(invValues[i]!)),
    ...uTracers,
    ...stackedRes.map((r) => trace.instantiate(r)),
  ], {
    jaxpr: ujP,
    numConsts: invPos.length + nUConsts,
    numCarry: nUCarry,
    length: p.length,
    reverse: p.reverse,
  });
  const result: Array[] = [];
  let kk = 0, uu = 0;
  for (let i = 0; i < ncar; i++) result.push(carryU[i] ? uOuts[uu++]! : kOuts[kk++]!);
  let ky = nKCarry, uy = nUCarry;
  for (let i = 0; i < ny; i++) result.push(yU[i] ? uOuts[uy++]! : kOuts[ky++]!);
  return result;
}

export function scanTranspose(cts: (Array | null)[], args: (Array | UndefPrimal)[], p: ScanP): (Array | null)[] {
  const { numConsts: nc, numCarry: ncar, length } = p;
  const consts = args.slice(0, nc), carry = args.slice(nc, nc + ncar), xs = args.slice(nc + ncar);
  // A carry that starts as a known constant (e.g. a zero tangent) is transposed as if linear and its
  // cotangent dropped, as JAX's _scan_transpose does.
  const linC = consts.map((c) => c instanceof UndefPrimal), linX = xs.map((x) => x instanceof UndefPrimal);
  const nlConsts = consts.filter((c) => !(c instanceof UndefPrimal)) as Array[];
  const nlXs = xs.filter((x) => !(x instanceof UndefPrimal)) as Array[];
  const linCAvals = consts.filter((c) => c instanceof UndefPrimal).map((c) => (c as UndefPrimal).aval);
  const carryAvals = carry.map((c) => c.aval);
  const ny = p.jaxpr.outs.length - ncar;
  const yAvals = p.jaxpr.outAvals.slice(ncar);
  const linXAvals = xs.filter((x) => x instanceof UndefPrimal).map((x) => (x as UndefPrimal).aval.withShape((x as UndefPrimal).aval.shape.slice(1)));
  const nlXAvals = nlXs.map((x) => x.aval.withShape(x.shape.slice(1)));
  // transposed body: consts (nlConsts) | carry (ctConstAcc, ctCarry) | xs (ctY, nlX) -> (ctConstAcc', ctCarry', ctLinX)
  const bodyT = stageFlat(
    (...a) => {
      let o = 0;
      const nlc = a.slice(o, (o += nlConsts.length));
      const acc = a.slice(o, (o += linCAvals.length));
      const ctCarry = a.slice(o, (o += ncar));
      const ctY = a.slice(o, (o += ny));
      const nlx = a.slice(o);
      let ic = 0, ix = 0;
      const ins = [
        ...linC.map((l, i) => (l ? new UndefPrimal((consts[i] as UndefPrimal).aval) : nlc[ic++]!)),
        ...carryAvals.map((av) => new UndefPrimal(av)),
        ...linX.map((l, i) => (l ? new UndefPrimal(((xs[i] as UndefPrimal).aval).withShape((xs[i] as UndefPrimal).aval.shape.slice(1))) : nlx[ix++]!)),
      ];
      const res = backwardPass(p.jaxpr, ins, [...ctCarry, ...ctY]);
      const ctConsts = res.slice(0, nc).filter((_, i) => linC[i]);
      const ctCarryNew = res.slice(nc, nc + ncar).map((c, i) => instantiateCt(c, carryAvals[i]!));
      const ctX = res.slice(nc + ncar).filter((_, i) => linX[i]).map((c, i) => instantiateCt(c, linXAvals[i]!));
      return [...acc.map((x, i) => instantiateCt(addCt(x, ctConsts[i] ?? null), linCAvals[i]!)), ...ctCarryNew, ...ctX];
    },
    [...nlConsts.map((c) => c.aval), ...linCAvals, ...carryAvals, ...yAvals, ...nlXAvals],
    'scan_transpose',
  );
  const ctCarryInit = cts.slice(0, ncar).map((c, i) => instantiateCt(c, carryAvals[i]!));
  const ctYs = cts.slice(ncar).map((c, i) => instantiateCt(c, yAvals[i]!.withShape([length, ...yAvals[i]!.shape])));
  const outs = bind('scan', [
    ...bodyT.consts, ...nlConsts,
    ...linCAvals.map((a) => lax.zeros(a.shape, a.dtype)), ...ctCarryInit,
    ...ctYs, ...nlXs,
  ], {
    jaxpr: bodyT.jaxpr,
    numConsts: bodyT.consts.length + nlConsts.length,
    numCarry: linCAvals.length + ncar,
    length,
    reverse: !p.reverse,
  });
  const ctC = outs.slice(0, linCAvals.length);
  const ctCarry = outs.slice(linCAvals.length, linCAvals.length + ncar);
  const ctX = outs.slice(linCAvals.length + ncar);
  let a = 0, b = 0;
  return [
    ...linC.map((l) => (l ? ctC[a++]! : null)),
    ...ctCarry.map((c, i) => (carry[i] instanceof UndefPrimal ? c : null)),
    ...linX.map((l) => (l ? ctX[b++]! : null)),
  ];
}

