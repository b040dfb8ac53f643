// jit and makeJaxpr: stage once per (shapes, dtypes, static args, tree structure), simplify, run as pjit.
import '../rules/higherOrder.js'; // installs the eval rules of the primitives this module binds
import { ShapedArray } from '../core/aval.js';
import type { Params } from '../core/primitive.js';
import { Array, bind } from '../core/trace.js';
import { flatten, unflatten } from '../core/tree.js';
import { ClosedJaxpr, evalJaxpr } from '../ir/jaxpr.js';
import { simplify } from '../ir/passes.js';
import { runJaxpr } from '../compiler/run.js';
import { Lowered } from '../compiler/aot.js';
import type { UndefPrimal } from '../rules/types.js';
import { jvpJaxpr, vmapJaxpr } from './jaxprTransforms.js';
import { stageFlat } from './stage.js';
import { backwardPass } from './transpose.js';
import { flattenFun, toArray } from './util.js';
import type { PETrace, PETracer } from './partialEval.js';

/** Options of {@link jit}: `staticArgnums` (arguments baked into the trace and part of the cache key). */
export interface JitOptions {
  /** Positional arguments treated as compile-time constants (hashed by value for JS primitives, by identity otherwise). */
  staticArgnums?: number | readonly number[];
  /** A name shown in jaxprs and errors. */
  name?: string;
}

/** A jitted function, with its compilation statistics. */
export type Jitted<F> = F & {
  /** How many times the function was traced (a new trace per new shapes/dtypes/static args/structure). */
  readonly traceCount: number;
  /** Number of cached compilations. */
  readonly cacheSize: number;
  /**
   * The simplified jaxpr jit would run for these arguments (a ClosedJaxpr), with `.compile()`: a callable for this
   * signature whose kernels are compiled to wasm, and `.compile().exportWasm()` (a standalone module; docs/aot.md).
   */
  lower(...args: unknown[]): Lowered;
};

const objIds = new WeakMap<object, number>();
let nextObjId = 0;
function staticKey(v: unknown): string {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return `${typeof v}:${String(v)}`;
  if (typeof v === 'object' || typeof v === 'function') {
    if (v instanceof Array)
      throw new TypeError(`jit: a static argument must be a JS value (number, string, object...), not an Array; remove it from staticArgnums`);
    let id = objIds.get(v as object);
    if (id === undefined) objIds.set(v as object, (id = nextObjId++));
    return `obj:${id}`;
  }
  return `${typeof v}:${String(v)}`;
}

function avalKey(a: ShapedArray): string {
  return `${a.dtype}${a.weakType ? '~' : ''}[${a.shape.join(',')}]`;
}

interface Compiled {
  jaxpr: ClosedJaxpr;
  outTree: ReturnType<typeof flatten>[1];
}

/**
 * Compiles `f`: traces it once per distinct argument signature into a jaxpr, simplifies it (DCE, CSE,
 * constant folding), and runs that on every call. Values are abstract while tracing: use lax.cond /
 * np.where instead of JS `if` on array values, or mark such arguments static.
 * @example
 * const step = jit((params, x) => params.w.matmul(x).tanh());
 * step.traceCount; // 1 after any number of calls with the same shapes
 */
export function jit<F extends (...args: any[]) => any>(f: F, opts: JitOptions = {}): Jitted<F> {
  const staticNums = new Set(typeof opts.staticArgnums === 'number' ? [opts.staticArgnums] : opts.staticArgnums ?? []);
  const name = opts.name ?? (f.name || 'fn');
  const cache = new Map<string, Compiled>();
  let traceCount = 0;

  const prepare = (args: unknown[]): [Compiled, Array[]] => {
    for (const s of staticNums)
      if (s >= args.length) throw new RangeError(`jit(${name}): staticArgnums ${s} but the function got ${args.length} arguments`);
    const dynArgs = args.filter((_, i) => !staticNums.has(i));
    const [leaves, inTree] = flatten(dynArgs);
    const arrs = leaves.map((l) => toArray(l, `arguments of jit(${name})`));
    const key = `${inTree}|${arrs.map((a) => avalKey(a.aval)).join(';')}|${[...staticNums].sort().map((i) => staticKey(args[i])).join(';')}`;
    let c = cache.get(key);
    if (!c) {
      traceCount++;
      const call = (...dyn: unknown[]) => {
        const full: unknown[] = [];
        let k = 0;
        for (let i = 0; i < args.length; i++) full.push(staticNums.has(i) ? args[i] : dyn[k++]);
        return f(...full);
      };
      const { fn, outTree } = flattenFun(call, inTree, `jit(${name})`);
      const raw = stageFlat(fn, arrs.map((a) => a.aval), `jit(${name})`);
      c = { jaxpr: simplify(raw), outTree: outTree() };
      cache.set(key, c);
    }
    return [c, arrs];
  };

  const jitted = (...args: unknown[]) => {
    const [c, arrs] = prepare(args);
    const outs = bind('pjit', [...c.jaxpr.consts, ...arrs], { jaxpr: c.jaxpr.jaxpr, name });
    return unflatten(c.outTree, outs);
  };
  Object.defineProperties(jitted, {
    traceCount: { get: () => traceCount },
    cacheSize: { get: () => cache.size },
    lower: { value: (...args: unknown[]) => new Lowered(prepare(args)[0].jaxpr, jitted, name) },
    name: { value: `jit(${name})` },
  });
  return jitted as unknown as Jitted<F>;
}

/**
 * Traces `f` and returns its jaxpr (JAX's make_jaxpr); print it with `.toString()`.
 * @example
 * makeJaxpr((x: Array) => x.mul(2).sin())(np.ones([3])).toString()
 */
export function makeJaxpr(f: (...args: any[]) => any, opts: { staticArgnums?: number | readonly number[] } = {}) {
  const staticNums = new Set(typeof opts.staticArgnums === 'number' ? [opts.staticArgnums] : opts.staticArgnums ?? []);
  return (...args: unknown[]): ClosedJaxpr => {
    const dynArgs = args.filter((_, i) => !staticNums.has(i));
    const [leaves, inTree] = flatten(dynArgs);
    const arrs = leaves.map((l) => toArray(l, 'arguments of makeJaxpr'));
    const call = (...dyn: unknown[]) => {
      let k = 0;
      return f(...args.map((a, i) => (staticNums.has(i) ? a : dyn[k++])));
    };
    const { fn } = flattenFun(call, inTree, 'makeJaxpr');
    return stageFlat(fn, arrs.map((a) => a.aval), 'makeJaxpr');
  };
}

// ---- pjit rules ---------------------------------------------------------------------------------

type P = Params<'pjit'>;

export function pjitEval(args: Array[], p: P): Array[] {
  return runJaxpr(p.jaxpr, args);
}
export function pjitJvp(primals: Array[], tangents: Array[], p: P): [Array[], Array[]] {
  const cj = jvpJaxpr(p.jaxpr);
  const outs = bind('pjit', [...cj.consts, ...primals, ...tangents], { jaxpr: cj.jaxpr, name: `jvp(${p.name})` });
  const n = p.jaxpr.outs.length;
  return [outs.slice(0, n), outs.slice(n)];
}
export function pjitVmap(args: Array[], dims: (number | null)[], p: P, axisSize: number): [Array[], (number | null)[]] {
  const cj = vmapJaxpr(p.jaxpr, dims, axisSize);
  const outs = bind('pjit', [...cj.consts, ...args], { jaxpr: cj.jaxpr, name: `vmap(${p.name})` });
  return [outs, outs.map(() => 0)];
}
export function pjitTranspose(cts: (Array | null)[], args: (Array | UndefPrimal)[], p: P): (Array | null)[] {
  return backwardPass(p.jaxpr, args, cts);
}
/** Under partial evaluation a jitted call is inlined, so known work runs now and the rest is staged. */
export function pjitPartialEval(_trace: PETrace, tracers: PETracer[], p: P): Array[] {
  return evalJaxpr(p.jaxpr, tracers);
}
