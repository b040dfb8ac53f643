// optim core: the GradientTransformation interface (optax's base.py design), identity, chain, applyUpdates and tree helpers.
import { fromTyped } from '../core/array.js';
import { Array } from '../core/trace.js';
import { flatten, map as treeMap } from '../core/tree.js';
import * as lax from '../lax/ops.js';
import { add, castTo, square, sqrt, where, less, sum, zerosLike, full } from '../nn/np.js';

/** A pytree of arrays: nested plain objects / JS arrays / null whose leaves are Arrays. */
export type Tree = unknown;

/**
 * A gradient transformation (optax's `GradientTransformation`): a pair of pure functions. `init` builds
 * the state from the parameters; `update` maps incoming updates (gradients, or the output of the
 * previous transformation in a chain) and the state to outgoing updates and the new state. Nothing is
 * mutated, every value is a pytree of arrays (step counters are int32 scalars), so `update` can be
 * jitted, vmapped and differentiated.
 * @example
 * const opt = optim.adam(1e-3);
 * let state = opt.init(params);
 * const [updates, next] = opt.update(grads, state, params);
 * params = optim.applyUpdates(params, updates);
 */
export interface GradientTransformation<S = any> {
  /** Builds the initial state for `params`. */
  init(params: Tree): S;
  /** Returns `[updates, newState]`; `params` is needed by weight decay and some optimizers. */
  update(updates: Tree, state: S, params?: Tree): [any, S];
}

/** The state of stateless transformations. */
export type EmptyState = Record<string, never>;

const emptyState = (): EmptyState => ({});

/** Throws a TypeError naming the optimizer when `params` is missing. */
export function requireParams(op: string, params: Tree | undefined): Tree {
  if (params === undefined)
    throw new TypeError(`optim.${op}: update(updates, state, params) needs the current params (it uses them, e.g. for weight decay); pass them as the third argument`);
  return params;
}

/** Checks a hyperparameter: a finite number within [lo, hi]. */
export function checkNumber(op: string, name: string, v: unknown, lo = -Infinity, hi = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
    throw new RangeError(`optim.${op}: ${name} must be a finite number in [${lo}, ${hi}], got ${String(v)}`);
  return v;
}

/** A zero-initialised int32 step counter (a rank-0 array, so it lives in jitted state). */
export const zeroCount = (): Array => fromTyped(new Int32Array([0]), [], 'int32');

/** count + 1, saturating at the int32 maximum instead of wrapping (optax's safe_int32_increment). */
export function safeIncrement(count: Array): Array {
  const max = 2147483647;
  return where(less(count, max), add(count, lax.scalar(1, 'int32')), lax.scalar(max, 'int32'));
}

/**
 * The identity transformation: passes updates through and keeps no state.
 * @example
 * const [u] = optim.identity().update(grads, {}); // u === grads
 */
export function identity(): GradientTransformation<EmptyState> {
  return { init: emptyState, update: (updates, state) => [updates, state] };
}

/**
 * Composes transformations left to right (optax's `chain`): the updates of each feed the next; the state
 * is the array of the inner states.
 * @example
 * const opt = optim.chain(optim.clipByGlobalNorm(1), optim.scaleByAdam(), optim.scaleByLearningRate(1e-3));
 */
export function chain(...transforms: readonly GradientTransformation[]): GradientTransformation<unknown[]> {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update: (updates, state, params) => {
      if (!globalThis.Array.isArray(state) || state.length !== transforms.length)
        throw new TypeError(`optim.chain: the state must be the array of ${transforms.length} inner states built by init, got ${globalThis.Array.isArray(state) ? `an array of ${state.length}` : typeof state}`);
      const next: unknown[] = [];
      let u = updates;
      transforms.forEach((t, i) => {
        const [nu, ns] = t.update(u, state[i], params);
        u = nu;
        next.push(ns);
      });
      return [u, next];
    },
  };
}

/**
 * params + updates, leaf by leaf, keeping each parameter's dtype (optax's `apply_updates`).
 * @example
 * params = optim.applyUpdates(params, updates);
 */
export function applyUpdates<T>(params: T, updates: Tree): T {
  return treeMap<T>((p: Array, u: Array | null) => (u === null || u === undefined ? p : castTo(add(p, u), p.dtype, p.weakType)), params, updates);
}

/**
 * The global L2 norm of a pytree: sqrt of the sum of squares of every leaf (a float scalar).
 * @example
 * optim.globalNorm({ a: np.array([3]), b: np.array([4]) }).item(); // 5
 */
export function globalNorm(t: Tree): Array {
  const ls = (flatten(t)[0] as Array[]).filter((l) => l instanceof Array);
  if (ls.length === 0) return full([], 0, 'float32');
  const d = ls.some((l) => l.dtype === 'float64') ? 'float64' : 'float32';
  let acc: Array | null = null;
  for (const l of ls) {
    const s = sum(square(castTo(l, d)));
    acc = acc ? add(acc, s) : s;
  }
  return sqrt(acc!);
}

/** zerosLike over a pytree. */
export const treeZerosLike = <T>(t: T): T => treeMap<T>((l: Array) => zerosLike(l), t);
/** full-like over a pytree. */
export const treeFullLike = <T>(t: T, v: number): T => treeMap<T>((l: Array) => full(l.shape, v, l.dtype), t);
