// Targets for eager evaluation and jit: each overrides some reference implementations; the rest fall back.
import type { Params } from '../core/primitive.js';
import { implRules, type FirstOrderPrim } from '../rules/impl.js';
import type { ImplRule } from '../rules/types.js';
import { roundF16Array } from '../core/dtype.js';

type ImplTable = { [P in FirstOrderPrim]: ImplRule<P> };

/** A compute target: a name and implementations of some first-order primitives over typed arrays. */
export interface Target {
  readonly name: string;
  /** Kernels this target provides; primitives it lacks run on the reference implementation. */
  readonly impl: Partial<ImplTable>;
  /** Whether the target can run in this environment (feature probes). */
  available(): boolean;
  /** Why `available()` is false, for setTarget's error (e.g. "call `await initWebGpu()` first"). */
  unavailableReason?(): string;
  /**
   * Optional: runs a whole jaxpr (a jitted call's body, a loop body) on this target, e.g. as fused device
   * kernels in one submission. Targets without it run the shared fusion plan of src/compiler/run.ts.
   */
  readonly runJaxpr?: (j: import('../ir/jaxpr.js').Jaxpr, args: readonly import('../core/trace.js').Array[]) => import('../core/trace.js').Array[];
  /**
   * Optional: told that host array `view`, a subarray of host array `whole` (neither changes while the view is in
   * use), is about to be read by this target's kernels, e.g. a scan's slice of its xs: the wasm target reads it in
   * place from `whole`'s resident copy.
   */
  readonly sliceView?: (whole: import('../core/dtype.js').TypedArray, view: import('../core/dtype.js').TypedArray) => void;
}

/**
 * The float16 dtype's one rule for every target: a primitive computes a float16 result in float32 (the host
 * storage) and it is rounded to float16 here, so that each operation rounds once, as JAX's CPU backend does.
 */
function roundingF16(rule: ImplRule<FirstOrderPrim>): ImplRule<FirstOrderPrim> {
  return ((args: never, params: never, outAvals: readonly { readonly dtype: string; readonly size: number }[]) => {
    const outs = (rule as (a: never, p: never, o: unknown) => unknown[])(args, params, outAvals);
    for (let i = 0; i < outAvals.length; i++) {
      const o = outs[i];
      if (outAvals[i]!.dtype === 'float16' && o instanceof Float32Array) roundF16Array(o, outAvals[i]!.size);
    }
    return outs;
  }) as never;
}
const tableOf = (impl: Partial<ImplTable>): ImplTable => {
  const t = { ...implRules, ...impl } as Record<string, ImplRule<FirstOrderPrim>>;
  for (const p of Object.keys(t)) t[p] = roundingF16(t[p]!);
  return t as unknown as ImplTable;
};

const targets = new Map<string, Target>([['ref', { name: 'ref', impl: implRules, available: () => true }]]);
let currentName = 'ref';
let table: ImplTable = tableOf({});

const envTarget = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TENSORLAW_TARGET;

/**
 * Makes a target selectable with setTarget (targets register themselves when their module loads). A target
 * registered with `preferred` becomes the current one when it is available, unless the environment variable
 * TENSORLAW_TARGET names another.
 */
export function registerTarget(t: Target, opts: { preferred?: boolean } = {}): void {
  targets.set(t.name, t);
  if (t.name === currentName) table = tableOf(t.impl);
  // a target named by TENSORLAW_TARGET that is not available yet (webgpu before its async init) is chosen when it
  // registers again once available
  if (envTarget ? envTarget === t.name && t.available() : opts.preferred && t.available()) setTarget(t.name);
}

/** Names of the registered targets that can run here. */
export function availableTargets(): string[] {
  return [...targets.values()].filter((t) => t.available()).map((t) => t.name);
}

/**
 * Chooses where eager operations and jitted calls run: 'ref' (the JavaScript reference interpreter, the
 * executable spec) or a registered target such as 'wasm'.
 * @example
 * setTarget('ref'); // run everything on the reference interpreter (e.g. for float64 verification)
 */
export function setTarget(name: string): void {
  const t = targets.get(name);
  if (!t) throw new TypeError(`setTarget: unknown target ${JSON.stringify(name)}; registered targets: ${[...targets.keys()].join(', ')}`);
  if (!t.available())
    throw new TypeError(`setTarget: target '${name}' is not available ${t.unavailableReason ? `yet: ${t.unavailableReason()}` : 'in this environment'}`);
  currentName = name;
  table = tableOf(t.impl);
}

/** The current target (its kernels and optional whole-jaxpr runner). */
export const currentTarget = (): Target => targets.get(currentName)!;

/** The current target's name. */
export const getTarget = (): string => currentName;

/** Runs `f` with `name` as the current target, restoring the previous one afterwards. */
export function withTarget<R>(name: string, f: () => R): R {
  const prev = currentName;
  setTarget(name);
  try {
    return f();
  } finally {
    setTarget(prev);
  }
}

/** The implementation of `prim` on the current target. */
export function currentImpl<P extends FirstOrderPrim>(prim: P): (args: Parameters<ImplRule<P>>[0], params: Params<P>, outAvals: Parameters<ImplRule<P>>[2]) => ReturnType<ImplRule<P>> {
  return table[prim] as never;
}
