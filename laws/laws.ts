// The laws every primitive and transformation must obey, as reusable checks and as fast-check properties.
import fc from 'fast-check';
import { isFloat, type DType } from '../src/core/dtype.js';
import type { Prim } from '../src/core/primitive.js';
import type { Array } from '../src/core/trace.js';
import { ClosedJaxpr, Jaxpr, typecheckJaxpr } from '../src/ir/jaxpr.js';
import { floatDtype } from './arbitraries.js';
import { grad, jit, jvp, lax, linearTranspose, makeJaxpr, tree, vjp, vmap } from './api.js';
import { type Case, type CaseCtx, type Fn, type LawName, type PrimSpec, type SpecTol, tolOf } from './spec.js';
import {
  LawError,
  type Tol,
  assertAllClose,
  assertClose,
  assertScalarClose,
  axpy,
  fmtVals,
  centralDiff,
  isFloatArray,
  lincomb,
  prng,
  randomLike,
  stackAt,
  vdot,
  zerosF64,
} from './util.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** args with the entries at `idx` replaced by `vals`. */
const substitute = (args: readonly Array[], idx: readonly number[], vals: readonly Array[]): Array[] => {
  const out = args.slice();
  idx.forEach((i, k) => (out[i] = vals[k]!));
  return out;
};

/** f restricted to the operands at `idx` (the others held at their values in `args`). */
const restrict = (fn: Fn, args: readonly Array[], idx: readonly number[]): Fn => (...vals) => fn(...substitute(args, idx, vals));

/** Tolerance of a value comparison by dtype: exact for integers and bools. */
export const valueTol = (dt: DType, t: Required<SpecTol>): Tol =>
  dt === 'float32' ? t.value32 : dt === 'float64' ? t.value64 : { atol: 0, rtol: 0 };

const asList = (x: unknown, what: string): Array[] => {
  if (!globalThis.Array.isArray(x)) throw new LawError(`${what}: expected a list of arrays, got ${String(x)}`);
  return x as Array[];
};

const floatIdx = (outs: readonly Array[]): number[] => outs.flatMap((o, i) => (isFloatArray(o) ? [i] : []));

// ---------------------------------------------------------------------------------------------
// (a) jvp vs central finite differences

/** Options of the derivative laws: finite-difference step and tolerances. */
export interface DerivOptions {
  readonly eps?: number;
  readonly tol?: SpecTol;
  /** The derivative is zero by definition (stopGradient). */
  readonly zeroDerivative?: boolean;
}

/** jvp(f) at `args` in the directions `tangents` (one per `diff` operand) equals (f(x+εu) - f(x-εu)) / 2ε. */
export function checkJvp(fn: Fn, args: readonly Array[], diff: readonly number[], tangents: readonly Array[], o: DerivOptions = {}): void {
  const t = tolOf(o.tol);
  const g = restrict(fn, args, diff);
  const primals = diff.map((i) => args[i]!);
  const want = fn(...args);
  const [po, to] = jvp(g, primals, tangents);
  assertAllClose(asList(po, 'jvp primal out'), want, (i) => valueTol(want[i]!.dtype, t), 'jvp primal out', true);
  const plus = g(...primals.map((x, k) => axpy(x, t.eps, tangents[k]!)));
  const minus = g(...primals.map((x, k) => axpy(x, -t.eps, tangents[k]!)));
  const tl = asList(to, 'jvp tangent out');
  if (tl.length !== want.length) throw new LawError(`jvp: ${tl.length} tangents out for ${want.length} outputs`);
  for (const k of floatIdx(want)) {
    const expected = o.zeroDerivative ? zerosF64(want[k]!) : centralDiff(plus[k]!, minus[k]!, t.eps);
    assertClose(tl[k]!, expected, t.jvp, `jvp tangent out ${k} vs ${o.zeroDerivative ? 'zero' : 'finite differences'}`);
  }
}

// ---------------------------------------------------------------------------------------------
// (b) the vjp dot-product test

/** <v, J u> = <Jᵀ v, u>: J u from jvp (`against: 'jvp'`) or central differences (`'fd'`), Jᵀ v from vjp. */
export function checkVjp(
  fn: Fn,
  args: readonly Array[],
  diff: readonly number[],
  tangents: readonly Array[],
  rand: () => number,
  o: DerivOptions & { against?: 'jvp' | 'fd' } = {},
): void {
  const t = tolOf(o.tol);
  const want = fn(...args);
  const fi = floatIdx(want);
  if (fi.length === 0) return;
  const gf: Fn = (...d) => {
    const outs = restrict(fn, args, diff)(...d);
    return fi.map((i) => outs[i]!);
  };
  const primals = diff.map((i) => args[i]!);
  const [out, vjpFn] = vjp(gf, ...primals);
  assertAllClose(asList(out, 'vjp primal out'), fi.map((i) => want[i]!), (k) => valueTol(want[fi[k]!]!.dtype, t), 'vjp primal out', true);
  const cts = fi.map((i) => randomLike(want[i]!, rand));
  const inCts = asList(vjpFn(cts), 'vjp cotangents');
  if (inCts.length !== primals.length) throw new LawError(`vjp: ${inCts.length} cotangents for ${primals.length} primals`);
  inCts.forEach((c, k) => {
    if (c.ndim !== primals[k]!.ndim || c.shape.some((d, j) => d !== primals[k]!.shape[j]) || c.dtype !== primals[k]!.dtype)
      throw new LawError(`vjp: cotangent ${k} is ${c.aval} but its primal is ${primals[k]!.aval}`);
  });
  let ju: Array[];
  if (o.zeroDerivative) ju = fi.map((i) => zerosF64(want[i]!));
  else if ((o.against ?? 'jvp') === 'jvp') ju = asList(jvp(gf, primals, tangents)[1], 'jvp tangent out');
  else {
    const plus = gf(...primals.map((x, k) => axpy(x, t.eps, tangents[k]!)));
    const minus = gf(...primals.map((x, k) => axpy(x, -t.eps, tangents[k]!)));
    ju = plus.map((p, k) => centralDiff(p, minus[k]!, t.eps));
  }
  const lhs = vdot(cts, ju), rhs = vdot(inCts, tangents);
  const tol = (o.against ?? 'jvp') === 'jvp' ? t.vjp : t.jvp;
  assertScalarClose(lhs.value, rhs.value, Math.max(lhs.scale, rhs.scale, 1), tol, `vjp dot-product test <v, J u> vs <Jᵀv, u> (J u by ${o.against ?? 'jvp'})`);
}

// ---------------------------------------------------------------------------------------------
// (c) second order: jvp of grad vs finite differences of grad

/** For s(x) = Σ <w, f(x)>: jvp(grad s)(x; u) equals (grad s(x+εu) - grad s(x-εu)) / 2ε. */
export function checkHvp(fn: Fn, args: readonly Array[], diff: readonly number[], tangents: readonly Array[], rand: () => number, o: DerivOptions = {}): void {
  const t = tolOf(o.tol);
  const want = fn(...args);
  const fi = floatIdx(want);
  if (fi.length === 0 || o.zeroDerivative) return;
  const ws = fi.map((i) => randomLike(want[i]!, rand));
  const s = (...d: Array[]): Array => {
    const outs = restrict(fn, args, diff)(...d);
    let acc: Array | null = null;
    fi.forEach((i, k) => {
      const o = outs[i]!;
      const term = lax.convertElementType(lax.reduceSum(lax.mul(o, ws[k]!), o.shape.map((_, a) => a)), 'float64');
      acc = acc ? lax.add(acc, term) : term;
    });
    return acc!;
  };
  const argnums = diff.map((_, k) => k);
  const gradS: Fn = (...d) => asList(grad(s, { argnums })(...d), 'grad');
  const primals = diff.map((i) => args[i]!);
  const [, hv] = jvp(gradS, primals, tangents);
  const plus = gradS(...primals.map((x, k) => axpy(x, t.eps, tangents[k]!)));
  const minus = gradS(...primals.map((x, k) => axpy(x, -t.eps, tangents[k]!)));
  asList(hv, 'jvp of grad').forEach((h, k) => assertClose(h, centralDiff(plus[k]!, minus[k]!, t.eps), t.hvp, `jvp of grad, argument ${k}, vs finite differences of grad`));
}

// ---------------------------------------------------------------------------------------------
// (d) vmap

/**
 * vmap(f, { inAxes, outAxes })(stacked) equals stacking f over the examples: `argSets[b]` is example b's
 * operands; an operand with inAxes null is example 0's, shared.
 */
export function checkVmap(fn: Fn, argSets: readonly (readonly Array[])[], inAxes: readonly (number | null)[], outAxes: readonly number[] | null, tol?: SpecTol): void {
  const t = tolOf(tol);
  const B = argSets.length;
  const a0 = argSets[0]!;
  const norm = (ax: number, rank: number) => (ax < 0 ? ax + rank : ax);
  const batched = a0.map((x, i) => (inAxes[i] === null ? x : stackAt(argSets.map((a) => a[i]!), norm(inAxes[i]!, x.ndim + 1))));
  const perExample = range(B).map((b) => fn(...a0.map((x, i) => (inAxes[i] === null ? x : argSets[b]![i]!))));
  const outs0 = perExample[0]!;
  const oAxes = outAxes ?? outs0.map(() => 0);
  const want = outs0.map((o, k) => stackAt(perExample.map((p) => p[k]!), norm(oAxes[k]!, o.ndim + 1)));
  const got = asList(vmap(fn, { inAxes: inAxes.slice(), outAxes: outAxes ? outAxes.slice() : 0 })(...batched), 'vmap output');
  assertAllClose(got, want, (k) => valueTol(want[k]!.dtype, t), `vmap (batch ${B}, inAxes ${JSON.stringify(inAxes)}, outAxes ${JSON.stringify(outAxes)})`, true);
}

const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);

// ---------------------------------------------------------------------------------------------
// (e) jit

/** jit(f)(args) equals f(args) (values and dtypes), and makeJaxpr(f) typechecks and prints. */
export function checkJit(fn: Fn, args: readonly Array[], tol?: SpecTol): void {
  const t = tolOf(tol);
  const want = fn(...args);
  const got = asList(jit(fn)(...args), 'jit output');
  assertAllClose(got, want, (k) => valueTol(want[k]!.dtype, t), 'jit(f) vs f', true);
  const cj = makeJaxpr(fn)(...args);
  typecheckJaxpr(cj.jaxpr);
  void cj.toString();
}

/** Every primitive appearing in a jaxpr, including inside the jaxprs its equations carry as params. */
export function primsIn(j: Jaxpr, acc = new Set<Prim>()): Set<Prim> {
  const visit = (v: unknown): void => {
    if (v instanceof Jaxpr) primsIn(v, acc);
    else if (v instanceof ClosedJaxpr) primsIn(v.jaxpr, acc);
    else if (globalThis.Array.isArray(v)) v.forEach(visit);
  };
  for (const e of j.eqns) {
    acc.add(e.prim);
    for (const v of Object.values(e.params as object)) visit(v);
  }
  return acc;
}

/** The case's staged jaxpr contains `prim`: proof that the spec exercises the primitive it claims. */
export function checkWitness(prim: Prim, c: Case, args: Array[]): void {
  const w = c.witness ? c.witness(args) : { fn: c.fn, args };
  const found = primsIn(makeJaxpr(w.fn)(...w.args).jaxpr);
  if (!found.has(prim)) throw new LawError(`the spec for ${prim} never binds it: its jaxpr has only ${[...found].join(', ') || 'no equations'}`);
}

// ---------------------------------------------------------------------------------------------
// (f) transposition

/**
 * For f linear in the operands at `linear` (others fixed): f is linear; T = linearTranspose(f) satisfies
 * <c, f(u)> = <T c, u>; and T is itself linear: T(a c1 + b c2) = a T c1 + b T c2.
 */
export function checkTranspose(
  fn: Fn,
  args: readonly Array[],
  linear: readonly number[],
  rand: () => number,
  tol?: SpecTol,
  /** Computes fn's forward products where fn can only be transposed (customLin). */
  forward?: Fn,
): void {
  const t = tolOf(tol);
  const want = (forward ?? fn)(...args);
  const fi = floatIdx(want);
  if (fi.length === 0) return;
  const select = (f: Fn): Fn => (...l) => {
    const outs = restrict(f, args, linear)(...l);
    return fi.map((i) => outs[i]!);
  };
  const lin = select(fn), fwd = select(forward ?? fn);
  const primals = linear.map((i) => args[i]!);
  const [u1, u2] = [primals.map((p) => randomLike(p, rand)), primals.map((p) => randomLike(p, rand))];
  const outs = fi.map((i) => want[i]!);
  const [c1, c2] = [outs.map((o) => randomLike(o, rand)), outs.map((o) => randomLike(o, rand))];
  const [a, b] = [2 * rand() - 1, 2 * rand() - 1];
  const has32 = [...primals, ...want].some((x) => x.dtype === 'float32');
  const vt = (): Tol => (has32 ? t.value32 : { atol: 1e-9, rtol: 1e-9 });
  // f itself is linear (a spec or implementation error otherwise)
  const fu1 = fwd(...u1), fu2 = fwd(...u2);
  const fmix = fwd(...u1.map((u, k) => lincomb(a, u, b, u2[k]!)));
  assertAllClose(fmix, fu1.map((f, k) => lincomb(a, f, b, fu2[k]!)), vt, 'f(a u1 + b u2) vs a f(u1) + b f(u2) (the map claimed linear is not)');
  const T = linearTranspose(lin, ...primals);
  const t1 = asList(T(c1), 'linearTranspose output'), t2 = asList(T(c2), 'linearTranspose output');
  if (t1.length !== primals.length) throw new LawError(`linearTranspose: ${t1.length} cotangents for ${primals.length} linear inputs`);
  t1.forEach((c, k) => {
    if (c.ndim !== primals[k]!.ndim || c.shape.some((d, j) => d !== primals[k]!.shape[j]))
      throw new LawError(`linearTranspose: cotangent ${k} is ${c.aval} but the input is ${primals[k]!.aval}`);
  });
  const lhs = vdot(c1, fu1), rhs = vdot(t1, u1);
  const dotTol = has32 ? { atol: 1e-6, rtol: 1e-6 } : t.vjp;
  assertScalarClose(lhs.value, rhs.value, Math.max(lhs.scale, rhs.scale, 1), dotTol, 'transpose dot-product test <c, f u> vs <fᵀc, u>');
  const tmix = asList(T(c1.map((c, k) => lincomb(a, c, b, c2[k]!))), 'linearTranspose output');
  assertAllClose(tmix, t1.map((x, k) => lincomb(a, x, b, t2[k]!)), vt, 'fᵀ(a c1 + b c2) vs a fᵀc1 + b fᵀc2');
}

// ---------------------------------------------------------------------------------------------
// (g) pytrees

/** flatten/unflatten round-trip; map with identity keeps structure; leaves are in flatten order. */
export function checkTreeRoundTrip(t: unknown): void {
  const [leaves, def] = tree.flatten(t);
  const back = tree.unflatten(def, leaves);
  const eq = (x: unknown, y: unknown, path: string): void => {
    if (x === y) return;
    if (x === undefined && y === null) return;
    if (globalThis.Array.isArray(x) && globalThis.Array.isArray(y) && x.length === y.length) return x.forEach((v, i) => eq(v, y[i], `${path}[${i}]`));
    if (x && y && typeof x === 'object' && typeof y === 'object' && !globalThis.Array.isArray(x) && !globalThis.Array.isArray(y)) {
      const kx = Object.keys(x).sort(), ky = Object.keys(y).sort();
      if (kx.join() === ky.join()) return kx.forEach((k) => eq((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`));
    }
    throw new LawError(`tree.unflatten(tree.flatten(t)) differs from t at ${path || 'the root'}`);
  };
  eq(t, back, '');
  if (def.numLeaves !== leaves.length) throw new LawError(`tree: numLeaves ${def.numLeaves} but ${leaves.length} leaves`);
  if (!tree.structure(back).equals(def)) throw new LawError('tree: the round-tripped structure differs');
  const ids = leaves.map((_, i) => i);
  const relabeled = tree.unflatten(def, ids);
  const [l2, d2] = tree.flatten(relabeled);
  if (!d2.equals(def) || l2.some((v, i) => v !== i)) throw new LawError('tree: flatten(unflatten(def, leaves)) does not give back the leaves in order');
  const mapped = tree.map((x: unknown) => x, t);
  if (!tree.structure(mapped).equals(def)) throw new LawError('tree.map(identity) changes the structure');
  const n = tree.leaves(tree.map((x: unknown) => [x, x], t)).length;
  if (n !== 2 * leaves.length) throw new LawError('tree.map returning pairs should double the leaves');
}

// ---------------------------------------------------------------------------------------------
// (h) reference: control flow vs its unrolled JS loop

/** Checks that `fn(...args)` matches an independent `reference(...args)` within the spec's tolerance (throws with the worst element otherwise). */
export function checkReference(fn: Fn, reference: Fn, args: readonly Array[], tol?: SpecTol): void {
  const t = tolOf(tol);
  const want = reference(...args);
  assertAllClose(fn(...args), want, (k) => valueTol(want[k]!.dtype, t), 'f vs its reference (unrolled JS loop)', true);
}

// ---------------------------------------------------------------------------------------------
// Properties over specs

/** Options of {@link runLaw} and {@link runSpec}: number of fast-check runs, seed, early end, verbosity. */
export interface RunOptions {
  readonly numRuns?: number;
  readonly seed?: number;
  /** Skip shrinking and report the first counterexample (faster when something fails). */
  readonly endOnFailure?: boolean;
  readonly verbose?: boolean;
}

/** (prim, law) -> number of cases checked. */
export const coverage = new Map<string, number>();
const record = (prim: Prim, law: LawName): void => {
  const k = `${prim}:${law}`;
  coverage.set(k, (coverage.get(k) ?? 0) + 1);
};
/** Primitives whose staged jaxpr was seen to contain them. */
export const witnessed = new Set<Prim>();

const derivativeLaws = new Set<LawName>(['jvp', 'vjp', 'hvp', 'transpose']);

/** The case arbitrary a law draws from: float64 for derivative laws, float32 or float64 otherwise. */
export function casesFor<P extends Prim>(spec: PrimSpec<P>, law: LawName): fc.Arbitrary<Case> {
  const ctx: fc.Arbitrary<CaseCtx> = derivativeLaws.has(law)
    ? fc.constant({ dtype: 'float64', derivatives: true })
    : floatDtype().map((dtype) => ({ dtype, derivatives: false }));
  return ctx.chain((c) => spec.cases(c));
}

/** Whether a case has what `law` needs (differentiable operands, linear operands, a reference). */
export const applicable = (c: Case, law: LawName): boolean =>
  law === 'transpose' ? (c.linear?.length ?? 0) > 0 : law === 'reference' ? !!c.reference : derivativeLaws.has(law) ? c.diff.length > 0 : true;

/** One drawn instance of a law: the case, its operand sets (several for vmap) and the seed of its directions. */
export interface Drawn {
  readonly c: Case;
  readonly sets: Array[][];
  readonly seed: number;
  readonly batch: number;
  readonly [fc.toStringMethod]?: () => string;
}

function drawsFor<P extends Prim>(spec: PrimSpec<P>, law: LawName): fc.Arbitrary<Drawn> {
  return casesFor(spec, law).chain((c) =>
    (law === 'vmap' ? fc.integer({ min: 1, max: 3 }) : fc.constant(1)).chain((batch) =>
      fc.tuple(fc.array(c.args, { minLength: batch, maxLength: batch }), fc.integer()).map(
        ([sets, seed]): Drawn => ({
          c,
          sets,
          seed,
          batch,
          // how fast-check prints a counterexample
          [fc.toStringMethod]: () =>
            `${c.label}\n    ${sets.map((set, b) => `${batch > 1 ? `example ${b}: ` : ''}(${set.map(fmtVals).join(', ')})`).join('\n    ')}\n    direction seed ${seed}`,
        }),
      ),
    ),
  );
}

/**
 * For the vmap and jit laws: 60% of the time the case's own function; otherwise, where the spec is
 * differentiable, its jvp (tangents appended as operands) or its vjp (cotangents appended), so that
 * vmap/jit are also checked on what differentiation produces (vmap of jvp, jit of vjp, ...).
 */
function composed<P extends Prim>(spec: PrimSpec<P>, c: Case, sets: Array[][], dl: readonly number[], rand: () => number): { fn: Fn; sets: Array[][]; variant: string } {
  const r = rand();
  const n = sets[0]!.length;
  if (r < 0.6 || c.diff.length === 0 || !dl.every((i) => isFloatArray(sets[0]![i]!))) return { fn: c.fn, sets, variant: '' };
  if (r < 0.8 && spec.laws.includes('jvp')) {
    const fn: Fn = (...a) => {
      const p = a.slice(0, n);
      const [po, to] = jvp(restrict(c.fn, p, dl), dl.map((i) => p[i]!), a.slice(n));
      return [...asList(po, 'jvp primal out'), ...asList(to, 'jvp tangent out')];
    };
    return { fn, sets: sets.map((set) => [...set, ...dl.map((i) => randomLike(set[i]!, rand))]), variant: ' of jvp' };
  }
  if (spec.laws.includes('vjp')) {
    const outs = sets.map((set) => c.fn(...set));
    const fi = floatIdx(outs[0]!);
    if (fi.length === 0) return { fn: c.fn, sets, variant: '' };
    const fn: Fn = (...a) => {
      const p = a.slice(0, n);
      const gf: Fn = (...d) => {
        const o = restrict(c.fn, p, dl)(...d);
        return fi.map((i) => o[i]!);
      };
      const [, vjpFn] = vjp(gf, ...dl.map((i) => p[i]!));
      return asList(vjpFn(a.slice(n)), 'vjp cotangents');
    };
    return { fn, sets: sets.map((set, b) => [...set, ...fi.map((i) => randomLike(outs[b]![i]!, rand))]), variant: ' of vjp' };
  }
  return { fn: c.fn, sets, variant: '' };
}

/** Checks one law on one drawn case; errors are rethrown naming the primitive, law and case. */
export function checkLaw<P extends Prim>(spec: PrimSpec<P>, law: LawName, d: Drawn): void {
  const { c, sets, seed } = d;
  const args = sets[0]!;
  const rand = prng(seed);
  const o: DerivOptions = { tol: spec.tol, zeroDerivative: c.zeroDerivative ?? false };
  // half the time differentiate a random nonempty subset of the operands (the others closed over as
  // constants), so rules also meet symbolic-zero tangents and known operands in transposition
  const diff = rand() < 0.5 || c.diff.length < 2 ? c.diff : c.diff.filter(() => rand() < 0.5);
  const dl = diff.length ? diff : c.diff.slice(0, 1);
  const tangents = () => dl.map((i) => randomLike(args[i]!, rand));
  let variant = '';
  try {
    switch (law) {
      case 'jvp':
        checkJvp(c.fn, args, dl, tangents(), o);
        break;
      case 'vjp':
        checkVjp(c.fn, args, dl, tangents(), rand, { ...o, against: spec.laws.includes('jvp') ? 'jvp' : 'fd' });
        break;
      case 'hvp':
        checkHvp(c.fn, args, dl, tangents(), rand, o);
        break;
      case 'vmap': {
        const comp = composed(spec, c, sets, dl, rand);
        variant = comp.variant;
        const a0 = comp.sets[0]!;
        let inAxes = a0.map((x) => (rand() < 0.2 ? null : Math.floor(rand() * (x.ndim + 1)) - (rand() < 0.15 ? x.ndim + 1 : 0)));
        if (inAxes.every((a) => a === null)) inAxes = a0.map(() => 0);
        const outs = comp.fn(...a0);
        const outAxes = rand() < 0.3 ? null : outs.map((o) => Math.floor(rand() * (o.ndim + 1)) - (rand() < 0.15 ? o.ndim + 1 : 0));
        checkVmap(comp.fn, comp.sets, inAxes, outAxes, spec.tol);
        break;
      }
      case 'jit': {
        const comp = composed(spec, c, sets, dl, rand);
        variant = comp.variant;
        checkJit(comp.fn, comp.sets[0]!, spec.tol);
        checkWitness(spec.prim, c, args);
        witnessed.add(spec.prim);
        break;
      }
      case 'transpose':
        checkTranspose(c.fn, args, c.linear!, rand, spec.tol, c.linearForward);
        break;
      case 'reference':
        checkReference(c.fn, c.reference!, args, spec.tol);
        break;
    }
  } catch (e) {
    const err = e as Error;
    const wrt = law === 'jvp' || law === 'vjp' || law === 'hvp' ? ` w.r.t. operands [${dl.join(', ')}]` : law === 'transpose' ? ` linear in operands [${c.linear!.join(', ')}]` : '';
    const msg = `[${spec.prim} / ${law}${variant}] ${c.label}${wrt}\n  ${err.name === 'LawError' ? '' : `${err.name} thrown: `}${err.message}`;
    const wrapped = new LawError(msg);
    // keep the frames of the original error (where the library threw), not the wrapper's
    const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 8);
    wrapped.stack = `${msg}\n${frames.join('\n')}`;
    throw wrapped;
  }
  record(spec.prim, law);
}

/** The fast-check property of `law` over `spec`'s cases. */
export function lawProperty<P extends Prim>(spec: PrimSpec<P>, law: LawName): fc.IPropertyWithHooks<[Drawn]> {
  // fc.pre rather than filter: a spec that never yields an applicable case fails loudly ("too many
  // pre-condition failures") instead of looping forever.
  return fc.property(drawsFor(spec, law), (d) => {
    fc.pre(applicable(d.c, law));
    checkLaw(spec, law, d);
  });
}

/** Runs `law` on `spec` (throws fast-check's report, with the shrunk counterexample, on failure). */
export function runLaw<P extends Prim>(spec: PrimSpec<P>, law: LawName, opts: RunOptions = {}): void {
  fc.assert(lawProperty(spec, law), {
    numRuns: opts.numRuns ?? 20,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    endOnFailure: opts.endOnFailure ?? false,
    maxSkipsPerRun: 20,
    includeErrorInReport: true,
    verbose: opts.verbose ?? false,
  });
}

/** Runs every law a spec declares. */
export function runSpec<P extends Prim>(spec: PrimSpec<P>, opts: RunOptions = {}): void {
  for (const law of spec.laws) runLaw(spec, law, opts);
}
