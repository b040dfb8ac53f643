// Reverse mode and friends: linearize (jvp + partial eval), vjp (linearize + transpose), grad,
// valueAndGrad, jacfwd, jacrev, hessian, linearTranspose. Follows Autodidax Part 4.
import { isFloat } from '../core/dtype.js';
import { Array, withMain, fullRaise } from '../core/trace.js';
import { flatten, unflatten, assertSameStructure, type TreeDef } from '../core/tree.js';
import { evalJaxpr, type Jaxpr } from '../ir/jaxpr.js';
import * as lax from '../lax/prims.js';
import { UndefPrimal } from '../rules/types.js';
import { jvpFlat, checkTangent } from './jvp.js';
import { PETrace, PETracer, tracersToJaxpr } from './partialEval.js';
import { backwardPass, instantiateCt } from './transpose.js';
import { flattenArgs, flattenFun, toArray } from './util.js';
import { vmap } from './vmap.js';
import { stageFlat } from './stage.js';

/** linearize over flat lists: primal outputs, and the linear map as a jaxpr over (residual consts, tangents). */
export function linearizeFlat(f: (...xs: Array[]) => Array[], primals: Array[]): [Array[], Jaxpr, Array[]] {
  return withMain(PETrace, 'linearize', null, (main) => {
    const trace = main.trace as PETrace;
    const tIns = primals.map((p) => trace.newArg(p.aval.strongType()));
    const [pOut, tOut] = jvpFlat(f, primals, tIns);
    const tOutTracers = tOut.map((t) => trace.instantiate(fullRaise(trace, t)));
    const { jaxpr, consts } = tracersToJaxpr(tIns, tOutTracers);
    return [pOut.map((p) => (p instanceof PETracer ? p.known! : p)), jaxpr, consts];
  });
}

/** jvp over pytrees: `jvp(f, [x], [t])` returns `[f(x), J t]` (JAX's jax.jvp). */
export function jvp(f: (...args: any[]) => any, primals: readonly unknown[], tangents: readonly unknown[]): [any, any] {
  if (!globalThis.Array.isArray(primals) || !globalThis.Array.isArray(tangents))
    throw new TypeError('jvp: primals and tangents must be JS arrays with one entry per argument, e.g. jvp(f, [x], [t])');
  const [ps, inTree] = flattenArgs(primals, 'jvp primals');
  const [ts, tTree] = flattenArgs(tangents, 'jvp tangents');
  assertSameStructure('jvp: primals and tangents', inTree, tTree);
  ps.forEach((p, i) => checkTangent('jvp', p, ts[i]!, i));
  const { fn, outTree } = flattenFun(f, inTree, 'jvp');
  const [po, to] = jvpFlat(fn, ps, ts);
  return [unflatten(outTree(), po), unflatten(outTree(), to)];
}

function checkDiffArgs(op: string, xs: Array[], which: string): void {
  xs.forEach((x, i) => {
    if (!isFloat(x.dtype))
      throw new TypeError(
        `${op}: differentiating with respect to ${which} leaf ${i} of dtype ${x.dtype}${JSON.stringify(x.shape)}; ` +
          `only floating-point inputs (float32, float64) can be differentiated. Convert it with x.astype('float32') or exclude it via argnums.`,
      );
  });
}

/**
 * vjp: `const [y, vjpFn] = vjp(f, x, w)`; `vjpFn(ct)` returns one cotangent per argument (JAX's jax.vjp).
 */
export function vjp(f: (...args: any[]) => any, ...primals: unknown[]): [any, (ct: unknown) => any[]] {
  const [ps, inTree] = flattenArgs(primals, 'vjp primals');
  const { fn, outTree } = flattenFun(f, inTree, 'vjp');
  const [pOut, jaxpr, consts] = linearizeFlat(fn, ps);
  const oTree = outTree();
  const vjpFn = (ct: unknown): any[] => {
    const [cts, ctTree] = flatten(ct);
    assertSameStructure('vjp: the cotangent must have the structure of the output', oTree, ctTree);
    const ctArrs = cts.map((c, i) => {
      const a = toArray(c, 'cotangent');
      const o = pOut[i]!;
      if (a.shape.length !== o.shape.length || a.shape.some((d, k) => d !== o.shape[k]))
        throw new TypeError(`vjp: cotangent ${i} has shape [${a.shape.join(', ')}] but the output has shape [${o.shape.join(', ')}]`);
      return a.dtype === o.dtype ? a : lax.convertElementType(a, o.dtype);
    });
    const inCts = backwardPass(jaxpr, [...consts, ...ps.map((p) => new UndefPrimal(p.aval))], ctArrs);
    const res = inCts.slice(consts.length).map((c, i) => instantiateCt(c, ps[i]!));
    return unflatten<any[]>(inTree, res);
  };
  return [unflatten(oTree, pOut), vjpFn];
}

/** linearize: `const [y, fLin] = linearize(f, x)`; `fLin(t)` is the jvp at x, without re-running f. */
export function linearize(f: (...args: any[]) => any, ...primals: unknown[]): [any, (...tangents: unknown[]) => any] {
  const [ps, inTree] = flattenArgs(primals, 'linearize primals');
  const { fn, outTree } = flattenFun(f, inTree, 'linearize');
  const [pOut, jaxpr, consts] = linearizeFlat(fn, ps);
  const oTree = outTree();
  const fLin = (...tangents: unknown[]): any => {
    const [ts, tTree] = flattenArgs(tangents, 'linearize tangents');
    assertSameStructure('linearize: tangents must have the structure of the primals', inTree, tTree);
    ts.forEach((t, i) => checkTangent('linearize', ps[i]!, t, i));
    const outs = evalJaxpr(jaxpr, [...consts, ...ts]);
    return unflatten(oTree, outs);
  };
  return [unflatten(oTree, pOut), fLin];
}


/**
 * The transpose of a linear function (JAX's linear_transpose): `linearTranspose(fLin, ...primals)` returns
 * a function mapping output cotangents to input cotangents. `primals` only give shapes and dtypes.
 */
export function linearTranspose(f: (...args: any[]) => any, ...primals: unknown[]): (ct: unknown) => any[] {
  const [ps, inTree] = flattenArgs(primals, 'linearTranspose primals');
  const { fn, outTree } = flattenFun(f, inTree, 'linearTranspose');
  const cj = stageFlat(fn, ps.map((p) => p.aval), 'linearTranspose');
  const oTree = outTree();
  return (ct: unknown) => {
    const [cts, ctTree] = flatten(ct);
    assertSameStructure('linearTranspose: cotangent structure', oTree, ctTree);
    const inCts = backwardPass(cj.jaxpr, [...cj.consts, ...ps.map((p) => new UndefPrimal(p.aval))], cts.map((c) => toArray(c)));
    return unflatten<any[]>(inTree, inCts.slice(cj.consts.length).map((c, i) => instantiateCt(c, ps[i]!)));
  };
}

/** Options of {@link grad} and {@link valueAndGrad}: `argnums` (which arguments to differentiate) and `hasAux` (f returns [value, aux]). */
export interface GradOptions {
  /** Which positional argument(s) to differentiate with respect to. Default 0. */
  argnums?: number | readonly number[];
  /** f returns [value, aux]; aux is passed through undifferentiated. */
  hasAux?: boolean;
}

function normArgnums(op: string, argnums: number | readonly number[], nargs: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -nargs || a >= nargs)
      throw new RangeError(`${op}: argnums ${a} is out of range for a function called with ${nargs} arguments`);
    return a < 0 ? a + nargs : a;
  });
}

/**
 * `valueAndGrad(f)(...args)` returns `[f(...args), grad]` (or `[[value, aux], grad]` with hasAux). grad has
 * the structure of the differentiated argument (a tuple of them when argnums is an array).
 */
export function valueAndGrad(f: (...args: any[]) => any, opts: GradOptions = {}): (...args: any[]) => [any, any] {
  const { argnums = 0, hasAux = false } = opts;
  return (...args: any[]) => {
    const nums = normArgnums('grad', argnums, args.length);
    const [ps, inTree] = flattenArgs(nums.map((i) => args[i]), 'grad arguments');
    checkDiffArgs('grad', ps, 'argument');
    // aux leaves that are arrays are traced outputs (so they come back concrete, never as tracers);
    // other leaves (strings, objects) are passed through as they are
    let auxTree: TreeDef | null = null;
    let auxStatic: unknown[] = [];
    const h = (...xs: Array[]): Array[] => {
      const dargs = unflatten<unknown[]>(inTree, xs);
      const full = args.slice();
      nums.forEach((n, k) => (full[n] = dargs[k]));
      let out = f(...full);
      let auxArrays: Array[] = [];
      if (hasAux) {
        if (!globalThis.Array.isArray(out) || out.length !== 2)
          throw new TypeError('grad with hasAux: the function must return a pair [value, aux]');
        const [al, at] = flatten(out[1]);
        auxTree = at;
        auxStatic = al.map((l) => (l instanceof Array ? null : l));
        auxArrays = al.filter((l): l is Array => l instanceof Array);
        out = out[0];
      }
      const o = toArray(out, 'output of the differentiated function');
      if (o.ndim !== 0)
        throw new TypeError(
          `grad requires a scalar output, got ${o.dtype}[${o.shape.join(', ')}]; reduce it (e.g. .sum() or .mean()) or use vjp/jacrev for non-scalar outputs`,
        );
      if (!isFloat(o.dtype)) throw new TypeError(`grad requires a floating-point output, got ${o.dtype}`);
      return [o, ...auxArrays];
    };
    const [pOut, jaxpr, consts] = linearizeFlat(h, ps);
    const value = pOut[0]!;
    const cts = backwardPass(
      jaxpr,
      [...consts, ...ps.map((p) => new UndefPrimal(p.aval))],
      [lax.full([], 1, value.dtype), ...pOut.slice(1).map(() => null)],
    );
    const grads = unflatten<any[]>(inTree, cts.slice(consts.length).map((c, i) => instantiateCt(c, ps[i]!)));
    const result = typeof argnums === 'number' ? grads[0] : grads;
    if (!hasAux) return [value, result];
    let k = 1;
    const aux = unflatten(auxTree!, auxStatic.map((s) => (s === null ? pOut[k++] : s)));
    return [[value, aux], result];
  };
}

/**
 * The gradient of a scalar function (JAX's jax.grad).
 * @example
 * const df = grad((x: Array) => x.mul(x).sum());
 * df(np.array([1, 2, 3])); // [2, 4, 6]
 */
export function grad(f: (...args: any[]) => any, opts: GradOptions = {}): (...args: any[]) => any {
  const vg = valueAndGrad(f, opts);
  return (...args: any[]) => {
    const [v, g] = vg(...args);
    return opts.hasAux ? [g, (v as [unknown, unknown])[1]] : g;
  };
}

/** Forward-mode Jacobian: output shape = out.shape + in.shape (JAX's jacfwd), via vmap of jvp. */
export function jacfwd(f: (...args: any[]) => any, opts: { argnums?: number | readonly number[] } = {}): (...args: any[]) => any {
  const { argnums = 0 } = opts;
  return (...args: any[]) => {
    const nums = normArgnums('jacfwd', argnums, args.length);
    const diff = nums.map((i) => args[i]);
    const [xs, xTree] = flattenArgs(diff, 'jacfwd');
    checkDiffArgs('jacfwd', xs, 'argument');
    const pushfwd = (...flatX: Array[]) => {
      const full = args.slice();
      const d = unflatten<unknown[]>(xTree, flatX);
      nums.forEach((n, k) => (full[n] = d[k]));
      return f(...full);
    };
    const sizes = xs.map((x) => x.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    // standard basis: one row per input element, split per leaf
    const eye = lax.convertElementType(lax.eq(lax.iota('int32', [total, total], 0), lax.iota('int32', [total, total], 1)), xs[0]?.dtype ?? 'float32');
    let off = 0;
    const basis = xs.map((x, i) => {
      const b = lax.sliceInDim(eye, off, off + sizes[i]!, 1, 1);
      off += sizes[i]!;
      return lax.reshape(lax.convertElementType(b, x.dtype), [total, ...x.shape]);
    });
    const outT = vmap((...ts: Array[]) => jvp(pushfwd, xs, ts)[1], { inAxes: 0, outAxes: -1 })(...basis);
    // outT leaves: out.shape + [total]; split the last axis per input leaf and reshape to out.shape + in.shape
    const [oLeaves, oTree] = flatten(outT);
    const perIn = (o: Array): Array[] => {
      let k = 0;
      return xs.map((x, i) => {
        const s = lax.sliceInDim(o, k, k + sizes[i]!, 1, o.ndim - 1);
        k += sizes[i]!;
        return lax.reshape(s, [...o.shape.slice(0, -1), ...x.shape]);
      });
    };
    const jac = (oLeaves as Array[]).map((o) => {
      const parts = unflatten<unknown[]>(xTree, perIn(o));
      return typeof argnums === 'number' ? parts[0] : parts;
    });
    return unflatten(oTree, jac);
  };
}

/** Reverse-mode Jacobian: output shape = out.shape + in.shape (JAX's jacrev), via vmap of vjp. */
export function jacrev(f: (...args: any[]) => any, opts: { argnums?: number | readonly number[] } = {}): (...args: any[]) => any {
  const { argnums = 0 } = opts;
  return (...args: any[]) => {
    const nums = normArgnums('jacrev', argnums, args.length);
    const diff = nums.map((i) => args[i]);
    const [xs] = flattenArgs(diff, 'jacrev');
    checkDiffArgs('jacrev', xs, 'argument');
    const g = (...d: unknown[]) => {
      const full = args.slice();
      nums.forEach((n, k) => (full[n] = d[k]));
      return f(...full);
    };
    const [y, vjpFn] = vjp(g, ...diff);
    const [yLeaves, yTree] = flatten(y) as [Array[], TreeDef];
    const sizes = yLeaves.map((o) => o.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const eye = lax.eq(lax.iota('int32', [total, total], 0), lax.iota('int32', [total, total], 1));
    let off = 0;
    const basis = yLeaves.map((o, i) => {
      const b = lax.sliceInDim(eye, off, off + sizes[i]!, 1, 1);
      off += sizes[i]!;
      return lax.reshape(lax.convertElementType(b, o.dtype), [total, ...o.shape]);
    });
    const cts = vmap((...c: Array[]) => vjpFn(unflatten(yTree, c)))(...basis) as unknown[];
    // cts: per diff arg, leaves of shape [total, ...in.shape]; split rows per output leaf
    const perOut = yLeaves.map((o, i) => {
      const start = sizes.slice(0, i).reduce((a, b) => a + b, 0);
      const part = (leaf: Array) => lax.reshape(lax.sliceInDim(leaf, start, start + sizes[i]!, 1, 0), [...o.shape, ...leaf.shape.slice(1)]);
      const mapped = cts.map((c) => unflatten(flatten(c)[1], (flatten(c)[0] as Array[]).map(part)));
      return typeof argnums === 'number' ? mapped[0] : mapped;
    });
    return unflatten(yTree, perOut);
  };
}

/** The Hessian, jacfwd(jacrev(f)) (JAX's hessian). */
export function hessian(f: (...args: any[]) => any, opts: { argnums?: number | readonly number[] } = {}): (...args: any[]) => any {
  return jacfwd(jacrev(f, opts), opts);
}
