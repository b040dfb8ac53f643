// Executes a jaxpr through its fusion plan on concrete arrays: fused kernels run as compiled loops, the
// other equations through bind on the current target. Plans and kernels are cached per jaxpr. On the wasm target a
// hot plan's kernels are jit-compiled to WebAssembly in the background (src/targets/wasm/jit/) and swapped in.
import { ConcreteArray } from '../core/array.js';
import { config } from '../core/config.js';
import { currentTarget, getTarget } from '../targets/registry.js';
import { takeHostOf } from '../core/hostPool.js';
import { Array, bind } from '../core/trace.js';
import { Jaxpr, Lit, Var, evalJaxpr, literalArrays, outputOf, type Atom } from '../ir/jaxpr.js';
import { renderJs, type KernelFn } from '../targets/ref/fused.js';
import { schedule, type Kernel, type Plan } from './kernel.js';
import { renderModuleAs } from '../targets/wasm/jit/render.js';
import { cachedModule, compileModule, jitAscOptions, jitStats, mathPrelude, moduleKey, pollJit } from '../targets/wasm/jit/compile.js';
import { forgetDeferred, instantiate, wasmKernelFn } from '../targets/wasm/jit/module.js';
import { withResultDeferred } from '../targets/wasm/runtime.js';

/**
 * Equations whose wasm kernels read their operands through the residency ring (src/targets/wasm/linalg.ts: in place,
 * or copied out first where a path reads the host) and can leave their result there (withResultDeferred).
 */
const ringEqns: ReadonlySet<string> = new Set(['dotGeneral', 'convGeneralDilated']);

export interface Compiled {
  readonly plan: Plan;
  readonly fns: readonly (KernelFn | null)[];
  /** Per step, how its kernel runs: 'wasm' (jit-compiled AssemblyScript), 'js' (a rendered JS loop), null (an equation). */
  readonly kinds: readonly ('wasm' | 'js' | null)[];
  /** Called on each run of a JS plan whose wasm kernels are not compiled yet (starts the compile once it is hot). */
  readonly warm?: () => void;
  /** Per step, the vars whose last use it is (intermediates only): freed right after the step. */
  readonly frees: readonly (readonly Var[])[];
  /** Per step, whether an equation's result is left in the wasm target's ring (withResultDeferred). */
  readonly deferEqn?: readonly boolean[];
}
const caches = new Map<string, WeakMap<Jaxpr, Compiled>>();

/**
 * Primitives left to the target's own kernels instead of being fused into JS loops, per target: the wasm
 * target's vectorized transcendentals beat a fused JS loop calling Math (measured: BENCH W2 ~300 ms as wasm
 * kernels vs ~370 ms fused in JS), while cheap arithmetic fuses (W4: fewer copies and temporaries).
 */
const unfused: Record<string, ReadonlySet<string>> = {
  wasm: new Set(['exp', 'exp2', 'log', 'log1p', 'expm1', 'tanh', 'logistic', 'erf', 'sin', 'cos', 'pow', 'sqrt', 'rsqrt']),
};

/** The compiled plan of a jaxpr for the current target (scheduled and rendered once, then cached). */
export function compilePlan(j: Jaxpr): Compiled {
  const target = getTarget();
  let cache = caches.get(target);
  if (!cache) caches.set(target, (cache = new WeakMap()));
  let c = cache.get(j);
  if (!c) {
    const exclude = unfused[target];
    const plan = schedule(j, exclude ? { exclude } : {});
    c = {
      plan,
      fns: plan.steps.map((s) => (s.kind === 'kernel' ? renderJs(s.kernel).fn : null)),
      kinds: plan.steps.map((s) => (s.kind === 'kernel' ? 'js' : null)),
      frees: lastUses(j, plan),
    };
    if (target === 'wasm' && wasmJitEnabled()) c = startWasmJit(j, cache, c);
    cache.set(j, c);
  }
  return c;
}

type NodeEnv = { process?: { env?: Record<string, string | undefined> } };
/** Whether fused kernels are jit-compiled to WebAssembly on the wasm target (TENSORLAW_JIT=0 turns it off). */
export function wasmJitEnabled(): boolean {
  const v = (globalThis as NodeEnv).process?.env?.TENSORLAW_JIT;
  return v !== '0' && v !== 'off';
}

const readiness = new WeakMap<Jaxpr, Promise<void>>();
const starters = new WeakMap<Jaxpr, () => void>();
/**
 * Starts compiling `j`'s wasm kernels now if they are not compiled or compiling yet; resolves when they are in place
 * (or failed to compile, leaving the JS ones).
 */
export function planReady(j: Jaxpr): Promise<void> {
  starters.get(j)?.();
  return readiness.get(j) ?? Promise.resolve();
}

/** The full-fusion plan of a jaxpr for the wasm jit and its AS module pieces (null: nothing to compile). */
function wasmJitPlan(j: Jaxpr, prefix: string): { plan: Plan; kernels: (Kernel | null)[]; names: (string | null)[] } | null {
  const plan = schedule(j);
  const kernels = plan.steps.map((s) => (s.kind === 'kernel' ? s.kernel : null));
  if (!kernels.some((k) => k)) return null;
  return { plan, kernels, names: kernels.map((k, i) => (k ? `${prefix}${i}` : null)) };
}

/** The compiled plan running the kernels exported by a jit module instance (the others as JS loops). */
function wasmCompiled(j: Jaxpr, plan: Plan, names: readonly (string | null)[], exps: Record<string, unknown>): Compiled {
  const fnOf = (i: number) => (names[i] ? (exps[names[i]!] as ((...p: number[]) => void) | undefined) : undefined);
  // intermediates that only ring readers of this plan read (its wasm kernels, products and convolutions) need not be
  // copied out of the wasm memory (deferred)
  const ringStep = (i: number): boolean => {
    const s = plan.steps[i]!;
    return s.kind === 'kernel' ? !!fnOf(i) : ringEqns.has(s.eqn.prim as string);
  };
  const readers = new Map<Var, boolean>(); // var -> every reader is a ring reader
  plan.steps.forEach((s, i) => {
    const ins = s.kind === 'kernel' ? s.ins : s.eqn.ins.filter((a): a is Var => a instanceof Var);
    for (const v of ins) readers.set(v, (readers.get(v) ?? true) && ringStep(i));
  });
  for (const o of j.outs) if (o instanceof Var) readers.set(o, false);
  const deferred = (v: Var): boolean => readers.get(v) === true;
  return {
    plan,
    fns: plan.steps.map((s, i) =>
      s.kind !== 'kernel' ? null : fnOf(i) ? wasmKernelFn(s.kernel, fnOf(i)!, exps, names[i]!, s.outs.map(deferred)) : renderJs(s.kernel).fn,
    ),
    kinds: plan.steps.map((s, i) => (s.kind !== 'kernel' ? null : fnOf(i) ? 'wasm' : 'js')),
    frees: lastUses(j, plan),
    deferEqn: plan.steps.map((s, i) => s.kind === 'eqn' && ringStep(i) && s.eqn.outs.length === 1 && deferred(s.eqn.outs[0]!)),
  };
}

/**
 * The wasm-jit plan of a jaxpr: everything fusible fuses (transcendentals included: the generated kernels call the
 * vectorized prelude), the kernels become one AssemblyScript module. When it is cached (memory or disk) the compiled
 * plan is returned now; otherwise it compiles in the background and replaces the JS plan in `cache` when done (the
 * calls meanwhile run the JS kernels). Null when there is nothing to compile.
 */
function startWasmJit(j: Jaxpr, cache: WeakMap<Jaxpr, Compiled>, js: Compiled): Compiled {
  const parts = wasmJitPlan(j, 'k');
  const prelude = mathPrelude();
  if (!parts || prelude === null) return js;
  const { source, exported } = renderModuleAs(parts.kernels, parts.names);
  if (!exported.some((e) => e)) return js;
  const files = { 'input.ts': source, 'math.ts': prelude };
  const hit = cachedModule(moduleKey(files, jitAscOptions));
  if (hit) return wasmCompiled(j, parts.plan, parts.names, instantiate(hit));
  const start = (): void => {
    if (readiness.has(j)) return;
    starters.delete(j);
    // installed as soon as the module exists: by the event loop, or by pollJit in the middle of a synchronous loop
    const install = (mod: object): void => void cache.set(j, wasmCompiled(j, parts.plan, parts.names, instantiate(mod)));
    readiness.set(
      j,
      compileModule(files, jitAscOptions, install).then(
        () => undefined,
        (e) => {
          jitStats.failures++;
          jitStats.lastError = String(e);
        },
      ),
    );
  };
  starters.set(j, start);
  // compile when the plan is hot: once its kernels have processed 2^20 elements in all (the W4 step's first call, a
  // 2^22-element chain's first call, a small function after many calls); a one-off call on small arrays, as most
  // tests make, never pays for a compile. compile()/planReady() and TENSORLAW_JIT=eager start it at once.
  const size = parts.kernels.reduce((acc, k) => acc + (k ? k.shape.reduce((a, b) => a * b, 1) : 0), 0);
  const eager = (globalThis as NodeEnv).process?.env?.TENSORLAW_JIT === 'eager';
  let work = 0, due = false;
  // The call that makes the plan hot does not wait for the worker's start: the compile begins after it, on the event
  // loop, or at the next call if the caller never yields (a synchronous training loop); each call also takes the
  // worker's finished results (pollJit), so such a loop switches to the compiled kernels as soon as they exist.
  return {
    ...js,
    warm: () => {
      pollJit();
      if (due) return void start();
      if (eager || (work += size) >= 1 << 20) {
        due = true;
        setTimeout(start, 0);
      }
    },
  };
}

/**
 * Compiles the wasm plans of many jaxprs with one asc invocation (one module) and installs them for the wasm target,
 * so their next calls run wasm kernels (warm-up of a set of functions; the tests' random programs).
 */
export async function precompileWasm(jaxprs: readonly Jaxpr[]): Promise<void> {
  const prelude = mathPrelude();
  if (prelude === null) throw new Error('wasm jit: the math prelude (wasm/math.ts) was not found');
  const all = jaxprs.map((j, n) => ({ j, parts: wasmJitPlan(j, `j${n}_`) }));
  const kernels = all.flatMap((a) => a.parts?.kernels ?? []);
  const names = all.flatMap((a) => a.parts?.names ?? []);
  const { source } = renderModuleAs(kernels, names);
  const mod = await compileModule({ 'input.ts': source, 'math.ts': prelude });
  const exps = instantiate(mod);
  let cache = caches.get('wasm');
  if (!cache) caches.set('wasm', (cache = new WeakMap()));
  for (const { j, parts } of all) if (parts) cache.set(j, wasmCompiled(j, parts.plan, parts.names, exps));
}

/** How each step of a jaxpr's current plan runs on the current target ('wasm', 'js', null for equations). */
export const planKinds = (j: Jaxpr): readonly ('wasm' | 'js' | null)[] => compilePlan(j).kinds;

/** The static buffer plan: for each step, the intermediates that die after it (not inputs, not outputs). */
export function lastUses(j: Jaxpr, plan: Plan): Var[][] {
  const keep = new Set<Var>([...j.inBinders, ...j.outs.filter((o): o is Var => o instanceof Var)]);
  const last = new Map<Var, number>();
  plan.steps.forEach((s, k) => {
    const ins = s.kind === 'kernel' ? s.ins : s.eqn.ins.filter((a): a is Var => a instanceof Var);
    const outs = s.kind === 'kernel' ? s.outs : s.eqn.outs;
    for (const v of [...ins, ...outs]) if (!keep.has(v)) last.set(v, k);
  });
  const frees: Var[][] = plan.steps.map(() => []);
  for (const [v, k] of last) frees[k]!.push(v);
  return frees;
}

/**
 * Runs a jaxpr on concrete arguments via its fused plan. With `config.debugNans` on it evaluates equation by
 * equation instead, so the first primitive producing a NaN can be named.
 */
export function runJaxpr(j: Jaxpr, args: readonly Array[]): Array[] {
  if (config.debugNans || !args.every((a) => a instanceof ConcreteArray)) return evalJaxpr(j, args);
  const own = currentTarget().runJaxpr;
  if (own) return own(j, args);
  const { plan, fns, frees, warm, deferEqn } = compilePlan(j);
  warm?.();
  const env = new Map<Var, Array>();
  // how many live vars hold each array (a nested call may return one of its inputs as an output)
  const holders = new Map<Array, number>();
  const set = (v: Var, a: Array): void => {
    env.set(v, a);
    holders.set(a, (holders.get(a) ?? 0) + 1);
  };
  j.inBinders.forEach((v, i) => set(v, args[i]!));
  const read = (a: Atom): Array => (a instanceof Lit ? a.val : env.get(a)!);
  plan.steps.forEach((s, k) => {
    if (s.kind === 'eqn') {
      const ins = s.eqn.ins.map(read);
      const outs = deferEqn?.[k] ? withResultDeferred(() => bind(s.eqn.prim, ins, s.eqn.params)) : bind(s.eqn.prim, ins, s.eqn.params);
      s.eqn.outs.forEach((v, i) => set(v, outs[i]!));
    } else {
      const ins = s.ins.map((v) => (env.get(v) as ConcreteArray).buffer);
      const outs = s.outs.map((v) => takeHostOf(v.aval.dtype, v.aval.size));
      fns[k]!(ins, outs);
      s.outs.forEach((v, i) => set(v, new ConcreteArray(v.aval, outs[i]!)));
    }
    // free intermediates at their last use (the FinalizationRegistry would get them later anyway)
    for (const v of frees[k]!) {
      const a = env.get(v);
      env.delete(v);
      if (!a) continue;
      const h = (holders.get(a) ?? 1) - 1;
      holders.set(a, h);
      if (h === 0 && !(args as readonly Array[]).includes(a) && !literalArrays.has(a)) {
        if (a instanceof ConcreteArray && a.isHost) forgetDeferred(a.buffer);
        a.dispose(); // its host buffer goes back to the pool
      }
    }
  });
  return j.outs.map(outputOf(read));
}
