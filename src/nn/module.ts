// The Layer protocol (init/apply pairs of pure functions over explicit params, state and PRNG keys) and its helpers.
import { fmtShape } from '../core/aval.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import * as random from '../random/index.js';
import type { Key } from '../random/index.js';
import type { FloatDType } from './initializers.js';

/** A shape as layers see it: the leading (batch) axes may be -1 when unknown. */
export type Shape = readonly number[];

/** What a layer's init returns. */
export interface Initialized<P, S> {
  /** The trainable parameters (a pytree of arrays; `{}` for layers without any). */
  readonly params: P;
  /** Non-trainable state such as batchNorm's running statistics (`null` for stateless layers). */
  readonly state: S;
  /** The shape of the output for the given input shape. */
  readonly outputShape: number[];
}

/** Per-call options of apply. */
export interface CallOptions {
  /** Training mode: dropout drops, batchNorm uses batch statistics. Default false. */
  readonly train?: boolean;
  /** PRNG key for stochastic layers (dropout) in training mode. */
  readonly key?: Key | null;
}

/** Options of apply: CallOptions plus the state read by stateful layers. */
export interface ApplyOptions<S> extends CallOptions {
  /** The layer's state (required by batchNorm in eval mode). */
  readonly state?: S;
}

/**
 * A layer: a pair of pure functions. `init(key, inputShape)` builds params and state; `apply(params, x)`
 * computes the output; `applyWithState(params, state, x, opts)` also returns the updated state (batchNorm's
 * running statistics in training mode) and is what `sequential` threads through its layers. Params and
 * state are plain pytrees, so grad, vmap and jit apply to any of these functions.
 * @example
 * const layer = nn.dense(10);
 * const { params } = layer.init(random.key(0), [-1, 784]);
 * const logits = layer.apply(params, x);
 */
export interface Layer<P = any, S = any> {
  /** A short description, e.g. 'dense(10)'. */
  readonly name: string;
  init(key: Key, inputShape: Shape): Initialized<P, S>;
  apply(params: P, x: Array, opts?: ApplyOptions<S>): Array;
  applyWithState(params: P, state: S, x: Array, opts?: CallOptions): [Array, S];
}

/** Options every parameterised layer takes. */
export interface ParamOptions {
  /** dtype of the parameters. Default float32. */
  readonly paramDtype?: FloatDType;
}

/**
 * Builds a stateless layer from its init (params and output shape) and forward function.
 * @example
 * const scaleLayer = nn.statelessLayer('scale', (key, s) => [{ a: np.ones([s[s.length - 1]]) }, s.slice()], (p, x) => np.multiply(x, p.a));
 */
export function statelessLayer<P>(
  name: string,
  init: (key: Key, inputShape: Shape) => [P, number[]],
  forward: (params: P, x: Array, opts: CallOptions) => Array,
): Layer<P, null> {
  return {
    name,
    init: (key, inputShape) => {
      checkInputShape(name, inputShape);
      const [params, outputShape] = init(key, inputShape);
      return { params, state: null, outputShape };
    },
    apply: (params, x, opts = {}) => forward(params, x, opts),
    applyWithState: (params, state, x, opts = {}) => [forward(params, x, opts), state],
  };
}

export function checkInputShape(name: string, s: Shape): void {
  if (!globalThis.Array.isArray(s) || s.some((d) => !Number.isInteger(d) || d < -1))
    throw new TypeError(`nn.${name}: inputShape must be an array of integers (-1 for an unknown batch size), got ${JSON.stringify(s)}`);
}

/** Throws naming the layer when x does not have one of the accepted ranks. */
export function checkRank(name: string, x: Array, ranks: readonly number[], what: string): void {
  if (!ranks.includes(x.ndim))
    throw new TypeError(`nn.${name}: expected ${what} (rank ${ranks.join(' or ')}), got an array of shape ${fmtShape(x.shape)}`);
}

/**
 * n independent keys from one (random.split, unstacked into a JS array).
 * @example
 * const [k1, k2] = nn.splitKeys(random.key(0), 2);
 */
export function splitKeys(key: Key, n: number): Key[] {
  if (n === 0) return [];
  const ks = random.split(key, n);
  return globalThis.Array.from({ length: n }, (_, i) => lax.indexInDim(ks, i, 0, false));
}

/** Normalises an int-or-tuple argument to `n` entries. */
export function tuple(name: string, what: string, v: number | readonly number[], n: number): number[] {
  const r = typeof v === 'number' ? globalThis.Array<number>(n).fill(v) : v.slice();
  if (r.length !== n || r.some((d) => !Number.isInteger(d) || d < 1))
    throw new TypeError(`nn.${name}: ${what} must be a positive integer or ${n} of them, got ${JSON.stringify(v)}`);
  return r;
}
