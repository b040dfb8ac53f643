// checkGrads: user-facing gradient checking against finite differences (JAX's jax.test_util.check_grads).
// Follows jax/_src/public_test_util.py: random directions, central differences with step eps, forward
// mode by comparing jvp with the numerical jvp, reverse mode by the inner-product test, recursing on
// jvp(f) / vjp(f) for higher orders. Unlike JAX it perturbs one argument at a time, so a failure names
// the argument (and the leaf inside it) whose derivative is wrong.
import { isFloat } from '../src/core/dtype.js';
import { Array } from '../src/core/trace.js';
import { jvp, lax, tree, vjp } from './api.js';
import { arrayOf, prng, valuesOf } from './util.js';

/** Which derivative {@link checkGrads} checks: forward mode (jvp) or reverse mode (vjp). */
export type GradMode = 'fwd' | 'rev';

/** Options of {@link checkGrads}: modes ('fwd', 'rev'), order, step size, tolerances, number of random directions. */
export interface CheckGradsOptions {
  /** Check derivatives up to this order (default 2). */
  readonly order?: number;
  /** 'fwd' checks jvp, 'rev' checks vjp (default both). */
  readonly modes?: readonly GradMode[];
  /** Finite-difference step (default 1e-4, as JAX). */
  readonly eps?: number;
  /** Absolute tolerance (default by dtype: float32 2e-3, float64 1e-5, as JAX). */
  readonly atol?: number;
  /** Relative tolerance (default by dtype, as atol). */
  readonly rtol?: number;
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
}

/** Thrown by checkGrads: which check, mode, order, argument and leaf failed, and the worst mismatch. */
export class GradientCheckError extends Error {
  override name = 'GradientCheckError';
  constructor(
    message: string,
    readonly mode: GradMode,
    readonly order: number,
    /** Index of the argument of the checked function, and the path of the leaf inside it. */
    readonly argnum: number,
    readonly leafPath: string,
    readonly worst: { readonly index: string; readonly got: number; readonly expected: number },
  ) {
    super(message);
  }
}

const defaultTol = (dtype: string): number => (dtype === 'float64' ? 1e-5 : 2e-3);
const EPS = 1e-4;

/** Leaves of a pytree with their paths (`[0].w`), in tree.flatten order (object keys sorted). */
function leafPaths(t: unknown, path = ''): string[] {
  if (t === null || t === undefined) return [];
  if (globalThis.Array.isArray(t)) return t.flatMap((c, i) => leafPaths(c, `${path}[${i}]`));
  if (typeof t === 'object' && !(t instanceof Array) && (Object.getPrototypeOf(t) === Object.prototype || Object.getPrototypeOf(t) === null))
    return Object.keys(t)
      .sort()
      .flatMap((k) => leafPaths((t as Record<string, unknown>)[k], `${path}.${k}`));
  return [path];
}

/** A leaf as an Array (JS numbers as float32 weak scalars, as tensorlaw treats them). */
const asArray = (x: unknown): Array => {
  if (x instanceof Array) return x;
  if (typeof x === 'number') return lax.scalar(x, 'float32', true);
  if (typeof x === 'boolean') return lax.scalar(x, 'bool');
  throw new TypeError(`checkGrads: pytree leaves must be arrays or JS numbers, got ${x === null ? 'null' : typeof x}`);
};

/** A standard-normal direction like `x` (zeros for integer/bool leaves, which have no tangent). */
function normalLike(x: Array, rand: () => number): Array {
  const n = x.size;
  const v = new Float64Array(n);
  if (isFloat(x.dtype))
    for (let i = 0; i < n; i++) v[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return arrayOf(v, x.shape, x.dtype, x.weakType);
}
const zerosLike = (x: Array): Array => arrayOf(new Float64Array(x.size), x.shape, x.dtype, x.weakType);

/** x + a·t leafwise (JS arithmetic, rounded to each leaf's dtype; integer leaves unchanged). */
const addScaled = (xs: unknown, a: number, ts: unknown): unknown =>
  tree.map((x: unknown, t: Array) => {
    const xa = asArray(x);
    if (!isFloat(xa.dtype)) return x;
    const xv = valuesOf(xa), tv = valuesOf(t);
    return arrayOf(xv.map((v, i) => v + a * tv[i]!), xa.shape, xa.dtype, xa.weakType);
  }, xs, ts);

const fmtIdx = (flat: number, shape: readonly number[]): string => {
  const idx: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    idx.unshift(flat % shape[i]!);
    flat = Math.floor(flat / shape[i]!);
  }
  return `[${idx.join(',')}]`;
};

interface Where {
  readonly what: string;
  /** The function being checked: f, jvp(f), vjp(f), ... */
  readonly desc: string;
  readonly mode: GradMode;
  readonly order: number;
  readonly argnum: number;
  readonly argName: string;
  readonly leafPath: string;
}

/** Compares leaves elementwise with numpy's assert_allclose rule scaled by size (as JAX's check_close). */
function compareTrees(got: unknown, want: unknown, o: CheckGradsOptions, w: Where, onlyFloat: boolean): void {
  const gl = tree.leaves(got).map(asArray), wl = tree.leaves(want).map(asArray);
  const outPaths = leafPaths(want);
  if (gl.length !== wl.length) fail(w, `${w.what}: ${gl.length} output leaves, expected ${wl.length}`, { index: '', got: NaN, expected: NaN });
  gl.forEach((g, k) => {
    const e = wl[k]!;
    if (onlyFloat && !isFloat(e.dtype)) return;
    if (g.shape.length !== e.shape.length || g.shape.some((d, i) => d !== e.shape[i]))
      fail(w, `${w.what}: output${outPaths[k] ?? ''} has shape [${g.shape}] but expected [${e.shape}]`, { index: '', got: NaN, expected: NaN });
    const gv = valuesOf(g), ev = valuesOf(e);
    const n = Math.max(1, ev.length);
    // as JAX: the looser of the two dtypes' tolerances, scaled by the number of elements
    const dt = Math.max(defaultTol(g.dtype), defaultTol(e.dtype));
    const atol = (o.atol ?? dt) * n, rtol = (o.rtol ?? dt) * n;
    let worst = -1, worstRatio = 1;
    for (let i = 0; i < ev.length; i++) {
      const err = Math.abs(gv[i]! - ev[i]!);
      if (Number.isNaN(gv[i]!) && Number.isNaN(ev[i]!)) continue;
      const ratio = Number.isNaN(err) ? Infinity : err / (atol + rtol * Math.abs(ev[i]!));
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = i;
      }
    }
    if (worst >= 0) {
      const index = fmtIdx(worst, e.shape);
      fail(
        w,
        `${w.what}: output${outPaths[k] ?? ''}${index} is ${gv[worst]} but finite differences give ${ev[worst]} ` +
          `(|diff| ${Math.abs(gv[worst]! - ev[worst]!).toExponential(3)} > atol ${atol.toExponential(2)} + rtol ${rtol.toExponential(2)}·|expected|)`,
        { index: `output${outPaths[k] ?? ''}${index}`, got: gv[worst]!, expected: ev[worst]! },
      );
    }
  });
}

function fail(w: Where, detail: string, worst: GradientCheckError['worst']): never {
  throw new GradientCheckError(
    `checkGrads: ${w.mode === 'fwd' ? 'forward-mode (jvp)' : 'reverse-mode (vjp)'} check of order ${w.order} failed for ${w.desc} ` +
      `with respect to ${w.argName}${w.leafPath ? ` at leaf ${w.leafPath}` : ''}\n  ${detail}`,
    w.mode,
    w.order,
    w.argnum,
    w.leafPath,
    worst,
  );
}

/** Σ <x, y> over the float leaves of two pytrees, and Σ |x·y| (its scale). */
function inner(xs: unknown, ys: unknown): { value: number; scale: number } {
  const a = tree.leaves(xs).map(asArray), b = tree.leaves(ys).map(asArray);
  let value = 0, scale = 0;
  a.forEach((x, k) => {
    if (!isFloat(x.dtype)) return;
    const u = valuesOf(x), v = valuesOf(b[k]!);
    for (let i = 0; i < u.length; i++) {
      value += u[i]! * v[i]!;
      scale += Math.abs(u[i]! * v[i]!);
    }
  });
  return { value, scale };
}

/** Central differences of f at args along `dirs` (a list like args), leafwise in float64. */
function numericalJvp(f: (...a: any[]) => any, args: unknown[], dirs: unknown[], eps: number): unknown {
  const plus = f(...(addScaled(args, eps, dirs) as unknown[]));
  const minus = f(...(addScaled(args, -eps, dirs) as unknown[]));
  return tree.map(
    (p: unknown, m: unknown) => {
      const pa = asArray(p), ma = asArray(m);
      if (!isFloat(pa.dtype)) return zerosLike(pa);
      const pv = valuesOf(pa), mv = valuesOf(ma);
      return arrayOf(pv.map((v, i) => (v === mv[i] ? 0 : (v - mv[i]!) / (2 * eps))), pa.shape, 'float64');
    },
    plus,
    minus,
  );
}

type Named = { fn: (...a: any[]) => any; args: unknown[]; names: string[]; desc: string };

/** Random direction in argument `i` only (zeros elsewhere): so a failure names the argument. */
function directionIn(args: unknown[], i: number, rand: () => number): unknown[] {
  return args.map((a, j) => tree.map((x: unknown) => (j === i ? normalLike(asArray(x), rand) : zerosLike(asArray(x))), a));
}

const hasFloatLeaf = (a: unknown): boolean => tree.leaves(a).some((x) => isFloat(asArray(x).dtype));

function checkJvpAt({ fn, args, names, desc }: Named, order: number, o: CheckGradsOptions, rand: () => number): void {
  const eps = o.eps ?? EPS;
  const want = fn(...args);
  args.forEach((a, i) => {
    if (!hasFloatLeaf(a)) return;
    const dirs = directionIn(args, i, rand);
    const [po, to] = jvp(fn, args, dirs);
    const w: Where = { what: 'jvp primal output vs f', desc, mode: 'fwd', order, argnum: i, argName: names[i]!, leafPath: '' };
    compareTrees(po, want, o, w, false);
    compareTrees(to, numericalJvp(fn, args, dirs, eps), o, { ...w, what: `jvp tangent output vs finite differences (step ${eps})` }, true);
  });
}

function checkVjpAt({ fn, args, names, desc }: Named, order: number, o: CheckGradsOptions, rand: () => number): void {
  const eps = o.eps ?? EPS;
  const [out, vjpFn] = vjp(fn, ...args);
  compareTrees(out, fn(...args), o, { what: 'vjp primal output vs f', desc, mode: 'rev', order, argnum: 0, argName: 'the arguments', leafPath: '' }, false);
  const ct = tree.map((x: unknown) => normalLike(asArray(x), rand), out);
  const cts = vjpFn(ct) as unknown[];
  args.forEach((a, i) => {
    if (!hasFloatLeaf(a)) return;
    const paths = leafPaths(a);
    // one leaf at a time: the inner-product test <ct, J u> = <Jᵀct, u> for u in that leaf only
    tree.leaves(a).forEach((leaf, k) => {
      const x = asArray(leaf);
      if (!isFloat(x.dtype)) return;
      let n = 0;
      const dirs = args.map((b, j) => tree.map((y: unknown) => (j === i && n++ === k ? normalLike(asArray(y), rand) : zerosLike(asArray(y))), b));
      const ju = numericalJvp(fn, args, dirs, eps);
      const ip = inner(dirs[i], cts[i]), ipExpected = inner(ju, ct);
      const tol = (o.atol ?? defaultTol(x.dtype)) + (o.rtol ?? defaultTol(x.dtype)) * Math.max(ip.scale, ipExpected.scale, Math.abs(ipExpected.value));
      if (!(Math.abs(ip.value - ipExpected.value) <= tol))
        fail(
          { what: '', desc, mode: 'rev', order, argnum: i, argName: names[i]!, leafPath: paths[k] ?? '' },
          `cotangent projection <Jᵀct, u> = ${ip.value} but <ct, J u> by finite differences (step ${eps}) = ${ipExpected.value} ` +
            `(|diff| ${Math.abs(ip.value - ipExpected.value).toExponential(3)} > tolerance ${tol.toExponential(2)})`,
          { index: paths[k] ?? '', got: ip.value, expected: ipExpected.value },
        );
    });
  });
}

function checkRec(named: Named, order: number, maxOrder: number, o: CheckGradsOptions, rand: () => number): void {
  const modes = o.modes ?? ['fwd', 'rev'];
  if (modes.includes('fwd')) {
    checkJvpAt(named, order, o, rand);
    if (order < maxOrder) {
      // JAX: _check_grads(partial(jvp, f), (args, args), order - 1)
      const fn = (primals: unknown[], tangents: unknown[]) => jvp(named.fn, primals, tangents);
      checkRec({ fn, args: [named.args, named.args], names: ['argument 0 (the primals)', 'argument 1 (the tangents)'], desc: `jvp(${named.desc})` }, order + 1, maxOrder, o, rand);
    }
  }
  if (modes.includes('rev')) {
    checkVjpAt(named, order, o, rand);
    if (order < maxOrder) {
      // JAX: f_vjp(*args) = vjp(f, *args)[1](f(*args))
      const fn = (...a: unknown[]) => {
        const [out, vjpFn] = vjp(named.fn, ...a);
        return vjpFn(out);
      };
      checkRec({ fn, args: named.args, names: named.names, desc: `x => vjp(${named.desc}, x)(${named.desc}(x))` }, order + 1, maxOrder, o, rand);
    }
  }
}

/**
 * Checks f's derivatives at `args` against finite differences, in forward and/or reverse mode, up to
 * `order` (JAX's check_grads). `f` takes positional pytree arguments and returns a pytree; only
 * floating-point leaves are perturbed. Throws a GradientCheckError naming the mode, the order, the argument
 * (and leaf) and the worst mismatch.
 * @example
 * checkGrads((x: Array) => np.tanh(x).sum(), [np.array([0.1, 0.2])], { order: 2 });
 */
export function checkGrads(f: (...args: any[]) => any, args: readonly unknown[], opts: CheckGradsOptions = {}): void {
  if (!globalThis.Array.isArray(args)) throw new TypeError('checkGrads: args must be a JS array with one entry per positional argument, e.g. checkGrads(f, [x, y])');
  const order = opts.order ?? 2;
  if (!Number.isInteger(order) || order < 1) throw new RangeError(`checkGrads: order must be a positive integer, got ${order}`);
  for (const m of opts.modes ?? []) if (m !== 'fwd' && m !== 'rev') throw new TypeError(`checkGrads: unknown mode ${JSON.stringify(m)}; modes are 'fwd' and 'rev'`);
  const rand = prng(opts.seed ?? 0);
  checkRec({ fn: f, args: args.slice(), names: args.map((_, i) => `argument ${i}`), desc: 'f' }, 1, order, opts, rand);
}
