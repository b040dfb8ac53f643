// Building-block GradientTransformations (optax's transform.py, clipping.py): scaling, momentum, moment estimates, decay, clipping.
import { Array } from '../core/trace.js';
import { map as treeMap } from '../core/tree.js';
import {
  type EmptyState, type GradientTransformation, type Tree, checkNumber, globalNorm, requireParams, safeIncrement,
  treeFullLike, treeZerosLike, zeroCount,
} from './base.js';
import type { Schedule, ScalarOrSchedule } from './schedules.js';
import {
  absolute, add, castTo, clip, divide, less, maximum, multiply, power, sign, sqrt, square, subtract, sum, where,
  lit,
} from '../nn/np.js';

const emptyState = (): EmptyState => ({});
type A = Array;

/**
 * Scales updates by a constant factor (optax's `scale`).
 * @example
 * optim.scale(-0.1).update(grads, {}); // [-0.1 · grads, {}]
 */
export function scale(stepSize: number): GradientTransformation<EmptyState> {
  checkNumber('scale', 'stepSize', stepSize);
  return { init: emptyState, update: (u, s) => [treeMap((g: A) => multiply(g, lit(stepSize, g)), u), s] };
}

/** State of scaleBySchedule: the int32 step count. */
export interface ScheduleState {
  readonly count: Array;
}

/**
 * Multiplies updates by `schedule(count)` and advances the count (optax's `scale_by_schedule`).
 * @example
 * const t = optim.scaleBySchedule(optim.exponentialDecay(1, 10, 0.5));
 */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<ScheduleState> {
  return {
    init: () => ({ count: zeroCount() }),
    update: (u, s) => {
      const f = schedule(s.count);
      const out = treeMap((g: A) => multiply(g, castTo(f, g.dtype, true)), u);
      return [out, { count: safeIncrement(s.count) }];
    },
  };
}

/**
 * Scales updates by -learningRate (a constant or a schedule of the step), turning a descent direction
 * into the step to add to the params (optax's `scale_by_learning_rate`). `flipSign: false` keeps the sign.
 * @example
 * optim.chain(optim.scaleByAdam(), optim.scaleByLearningRate(1e-3));
 */
export function scaleByLearningRate(learningRate: ScalarOrSchedule, flipSign = true): GradientTransformation<EmptyState | ScheduleState> {
  const m = flipSign ? -1 : 1;
  if (typeof learningRate === 'function') return scaleBySchedule((c) => multiply(learningRate(c), m));
  checkNumber('scaleByLearningRate', 'learningRate', learningRate);
  return scale(m * learningRate);
}

/** State of trace (momentum): the running velocity, one leaf per param. */
export interface TraceState {
  readonly trace: Tree;
}

/**
 * Momentum (optax's `trace`): t ← g + decay · t; emits t, or g + decay · t with `nesterov` (PyTorch's SGD
 * momentum with dampening 0).
 * @example
 * optim.chain(optim.trace({ decay: 0.9, nesterov: true }), optim.scaleByLearningRate(0.1));
 */
export function trace(opts: { decay?: number; nesterov?: boolean } = {}): GradientTransformation<TraceState> {
  const decay = checkNumber('trace', 'decay', opts.decay ?? 0.9, 0);
  return {
    init: (p) => ({ trace: treeZerosLike(p) }),
    update: (u, s) => {
      const f = (g: A, t: A) => add(g, multiply(t, lit(decay, t)));
      const newTrace = treeMap(f, u, s.trace);
      const out = opts.nesterov ? treeMap(f, u, newTrace) : newTrace;
      return [out, { trace: newTrace }];
    },
  };
}

/** State of scaleByRss: the accumulated sum of squared gradients. */
export interface RssState {
  readonly sumOfSquares: Tree;
}

/**
 * Adagrad's scaling (optax's `scale_by_rss`, PyTorch's Adagrad): s ← s + g², emits g / (√s + eps).
 * @example
 * optim.chain(optim.scaleByRss(), optim.scaleByLearningRate(0.1));
 */
export function scaleByRss(opts: { initialAccumulatorValue?: number; eps?: number } = {}): GradientTransformation<RssState> {
  const init = checkNumber('scaleByRss', 'initialAccumulatorValue', opts.initialAccumulatorValue ?? 0.1, 0);
  const eps = checkNumber('scaleByRss', 'eps', opts.eps ?? 1e-7, 0);
  return {
    init: (p) => ({ sumOfSquares: treeFullLike(p, init) }),
    update: (u, s) => {
      const ss = treeMap((g: A, a: A) => add(a, square(g)), u, s.sumOfSquares);
      const out = treeMap((g: A, a: A) => divide(g, add(sqrt(a), lit(eps, a))), u, ss);
      return [out, { sumOfSquares: ss }];
    },
  };
}

/** Options shared by scaleByRms and scaleByStddev. */
export interface RmsOptions {
  /** Decay of the moving averages (PyTorch's alpha). Default 0.9. */
  readonly decay?: number;
  /** Added to the denominator. Default 1e-8. */
  readonly eps?: number;
  /** Initial value of the squared-gradient average. Default 0. */
  readonly initialScale?: number;
  /** Put eps under the square root, √(ν + eps) (optax's default), instead of √ν + eps (PyTorch's). Default false. */
  readonly epsInSqrt?: boolean;
}

/** State of scaleByRms. */
export interface RmsState {
  readonly nu: Tree;
}

/**
 * RMSprop's scaling (optax's `scale_by_rms`, PyTorch's RMSprop): ν ← decay · ν + (1 - decay) g²,
 * emits g / (√ν + eps).
 * @example
 * optim.chain(optim.scaleByRms({ decay: 0.99 }), optim.scaleByLearningRate(0.01));
 */
export function scaleByRms(opts: RmsOptions = {}): GradientTransformation<RmsState> {
  const decay = checkNumber('scaleByRms', 'decay', opts.decay ?? 0.9, 0, 1);
  const eps = checkNumber('scaleByRms', 'eps', opts.eps ?? 1e-8, 0);
  const init = checkNumber('scaleByRms', 'initialScale', opts.initialScale ?? 0, 0);
  const denom = (v: A): A => (opts.epsInSqrt ? sqrt(add(v, lit(eps, v))) : add(sqrt(v), lit(eps, v)));
  return {
    init: (p) => ({ nu: treeFullLike(p, init) }),
    update: (u, s) => {
      const nu = treeMap((g: A, v: A) => add(multiply(v, lit(decay, v)), multiply(square(g), lit(1 - decay, g))), u, s.nu);
      return [treeMap((g: A, v: A) => divide(g, denom(v)), u, nu), { nu }];
    },
  };
}

/** State of scaleByStddev. */
export interface StddevState {
  readonly mu: Tree;
  readonly nu: Tree;
}

/**
 * Centered RMSprop's scaling (optax's `scale_by_stddev`): also tracks μ ← decay · μ + (1 - decay) g and
 * emits g / (√(ν - μ²) + eps).
 * @example
 * optim.chain(optim.scaleByStddev(), optim.scaleByLearningRate(0.01));
 */
export function scaleByStddev(opts: RmsOptions = {}): GradientTransformation<StddevState> {
  const decay = checkNumber('scaleByStddev', 'decay', opts.decay ?? 0.9, 0, 1);
  const eps = checkNumber('scaleByStddev', 'eps', opts.eps ?? 1e-8, 0);
  const init = checkNumber('scaleByStddev', 'initialScale', opts.initialScale ?? 0, 0);
  const denom = (v: A): A => (opts.epsInSqrt ? sqrt(add(v, lit(eps, v))) : add(sqrt(v), lit(eps, v)));
  return {
    init: (p) => ({ mu: treeZerosLike(p), nu: treeFullLike(p, init) }),
    update: (u, s) => {
      const mu = treeMap((g: A, m: A) => add(multiply(m, lit(decay, m)), multiply(g, lit(1 - decay, g))), u, s.mu);
      const nu = treeMap((g: A, v: A) => add(multiply(v, lit(decay, v)), multiply(square(g), lit(1 - decay, g))), u, s.nu);
      const out = treeMap((g: A, m: A, v: A) => divide(g, denom(subtract(v, square(m)))), u, mu, nu);
      return [out, { mu, nu }];
    },
  };
}

/** Options of scaleByAdam. */
export interface AdamOptions {
  /** Decay of the first moment. Default 0.9. */
  readonly b1?: number;
  /** Decay of the second moment. Default 0.999. */
  readonly b2?: number;
  /** Added to the denominator outside the square root. Default 1e-8. */
  readonly eps?: number;
  /** Added inside the square root (helps when differentiating through the update). Default 0. */
  readonly epsRoot?: number;
  /** Nesterov momentum (NAdam as optax's scale_by_adam(nesterov=True)). Default false. */
  readonly nesterov?: boolean;
  /**
   * AMSGrad as PyTorch implements it: the denominator uses the running maximum of the (uncorrected)
   * second moment. Default false.
   */
  readonly amsgrad?: boolean;
}

/** State of scaleByAdam. `nuMax` is present with amsgrad. */
export interface AdamState {
  readonly count: Array;
  readonly mu: Tree;
  readonly nu: Tree;
  readonly nuMax?: Tree;
}

/**
 * Adam's scaling (Kingma & Ba 2014; optax's `scale_by_adam`): μ ← b1 μ + (1 - b1) g,
 * ν ← b2 ν + (1 - b2) g², μ̂ = μ / (1 - b1^t), ν̂ = ν / (1 - b2^t), emits μ̂ / (√(ν̂ + epsRoot) + eps).
 * @example
 * optim.chain(optim.scaleByAdam({ b2: 0.99 }), optim.scaleByLearningRate(1e-3));
 */
export function scaleByAdam(opts: AdamOptions = {}): GradientTransformation<AdamState> {
  const b1 = checkNumber('scaleByAdam', 'b1', opts.b1 ?? 0.9, 0, 1);
  const b2 = checkNumber('scaleByAdam', 'b2', opts.b2 ?? 0.999, 0, 1);
  const eps = checkNumber('scaleByAdam', 'eps', opts.eps ?? 1e-8, 0);
  const epsRoot = checkNumber('scaleByAdam', 'epsRoot', opts.epsRoot ?? 0, 0);
  return {
    init: (p) => ({
      count: zeroCount(),
      mu: treeZerosLike(p),
      nu: treeZerosLike(p),
      ...(opts.amsgrad ? { nuMax: treeZerosLike(p) } : {}),
    }),
    update: (u, s) => {
      const mu = treeMap((g: A, m: A) => add(multiply(m, lit(b1, m)), multiply(g, lit(1 - b1, g))), u, s.mu);
      const nu = treeMap((g: A, v: A) => add(multiply(v, lit(b2, v)), multiply(square(g), lit(1 - b2, g))), u, s.nu);
      const count = safeIncrement(s.count);
      const nuMax = opts.amsgrad ? treeMap((v: A, vm: A) => maximum(vm, v), nu, s.nuMax) : undefined;
      const out = treeMap(
        (g: A, m: A, v: A) => {
          const bc1 = oneMinusPow(b1, count, m), bc2 = oneMinusPow(b2, count, m);
          // NAdam: μ̂ = b1 μ / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)
          const mHat = opts.nesterov
            ? add(divide(multiply(m, lit(b1, m)), oneMinusPow(b1, add(count, 1), m)), divide(multiply(g, lit(1 - b1, g)), bc1))
            : divide(m, bc1);
          return divide(mHat, add(sqrt(add(divide(v, bc2), lit(epsRoot, v))), lit(eps, v)));
        },
        u,
        mu,
        nuMax ?? nu,
      );
      return [out, { count, mu, nu, ...(nuMax ? { nuMax } : {}) }];
    },
  };
}

/** 1 - decay^count in `like`'s dtype (the bias correction of a moving average after `count` steps). */
function oneMinusPow(decay: number, count: Array, like: Array): Array {
  return subtract(lit(1, like), power(lit(decay, like), castTo(count, like.dtype)));
}

/** Which leaves a transformation applies to: a pytree of booleans with the params' structure, or a function of the params building one. */
export type Mask = Tree | ((params: Tree) => Tree);

/**
 * Adds weightDecay · params to the updates: L2 regularisation when it comes before the optimizer's
 * scaling, decoupled weight decay (AdamW) when it comes after (optax's `add_decayed_weights`). `mask`
 * (true = decay) excludes leaves such as biases and norm scales.
 * @example
 * optim.chain(optim.scaleByAdam(), optim.addDecayedWeights(1e-4), optim.scaleByLearningRate(1e-3));
 */
export function addDecayedWeights(weightDecay: number, mask?: Mask): GradientTransformation<EmptyState> {
  checkNumber('addDecayedWeights', 'weightDecay', weightDecay);
  return {
    init: emptyState,
    update: (u, s, params) => {
      const p = requireParams('addDecayedWeights', params);
      if (weightDecay === 0) return [u, s];
      if (mask === undefined) return [treeMap((g: A, w: A) => add(g, multiply(w, lit(weightDecay, w))), u, p), s];
      const m = typeof mask === 'function' ? (mask as (p: Tree) => Tree)(p) : mask;
      return [treeMap((g: A, w: A, keep: boolean) => (keep ? add(g, multiply(w, lit(weightDecay, w))) : g), u, p, m), s];
    },
  };
}

/**
 * Adds coefficient · sign(params) to the updates: the subgradient of an L1 penalty coefficient · Σ|p|
 * (use before the optimizer's scaling).
 * @example
 * optim.chain(optim.addL1Decay(1e-5), optim.sgd(0.1));
 */
export function addL1Decay(coefficient: number, mask?: Mask): GradientTransformation<EmptyState> {
  checkNumber('addL1Decay', 'coefficient', coefficient);
  return {
    init: emptyState,
    update: (u, s, params) => {
      const p = requireParams('addL1Decay', params);
      const m = mask === undefined ? null : typeof mask === 'function' ? (mask as (p: Tree) => Tree)(p) : mask;
      const f = (g: A, w: A) => add(g, multiply(sign(w), lit(coefficient, w)));
      return [m === null ? treeMap(f, u, p) : treeMap((g: A, w: A, keep: boolean) => (keep ? f(g, w) : g), u, p, m), s];
    },
  };
}

/**
 * Rescales all updates together so their global L2 norm is at most maxNorm (optax's
 * `clip_by_global_norm`, PyTorch's clip_grad_norm_): g · min(1, maxNorm / ‖g‖).
 * @example
 * optim.chain(optim.clipByGlobalNorm(1.0), optim.adam(1e-3));
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  checkNumber('clipByGlobalNorm', 'maxNorm', maxNorm, 0);
  return {
    init: emptyState,
    update: (u, s) => {
      const n = globalNorm(u);
      // where(n < max, 1, max / n): no division when unclipped, so a zero gradient stays finite
      const factor = where(less(n, maxNorm), 1, divide(lit(maxNorm, n), maximum(n, lit(maxNorm, n))));
      return [treeMap((g: A) => multiply(g, castTo(factor, g.dtype, true)), u), s];
    },
  };
}

/**
 * Clips every update elementwise into [-maxDelta, maxDelta] (optax's `clip`, PyTorch's
 * clip_grad_value_), or into [min, max] when given two bounds.
 * @example
 * optim.clipByValue(0.5); optim.clipByValue(-1, 2);
 */
export function clipByValue(minOrMaxDelta: number, max?: number): GradientTransformation<EmptyState> {
  const lo = max === undefined ? -Math.abs(minOrMaxDelta) : minOrMaxDelta;
  const hi = max === undefined ? Math.abs(minOrMaxDelta) : max;
  if (!(lo <= hi)) throw new RangeError(`optim.clipByValue: the lower bound ${lo} exceeds the upper bound ${hi}`);
  return { init: emptyState, update: (u, s) => [treeMap((g: A) => clip(g, lit(lo, g), lit(hi, g)), u), s] };
}

/**
 * The L1 penalty coefficient · Σ|p| over every leaf (add it to a loss; its gradient is coefficient · sign(p)).
 * @example
 * const loss = (p) => nn.mse(model.apply(p, x), y).add(optim.l1Penalty(p, 1e-4));
 */
export function l1Penalty(params: Tree, coefficient = 1): Array {
  return penalty(params, coefficient, absolute, 'l1Penalty');
}

/**
 * The L2 penalty ½ · coefficient · Σp² over every leaf (its gradient is coefficient · p).
 * @example
 * const loss = (p) => nn.mse(model.apply(p, x), y).add(optim.l2Penalty(p, 1e-4));
 */
export function l2Penalty(params: Tree, coefficient = 1): Array {
  const p = penalty(params, coefficient, square, 'l2Penalty');
  return multiply(p, lit(0.5, p));
}

function penalty(params: Tree, coefficient: number, f: (x: A) => A, op: string): Array {
  checkNumber(op, 'coefficient', coefficient);
  let acc: Array | null = null;
  treeMap((p: unknown) => {
    if (!(p instanceof Array)) throw new TypeError(`optim.${op}: every leaf must be an Array, got ${typeof p}`);
    const s = sum(f(p));
    acc = acc ? add(acc, s) : s;
    return p;
  }, params);
  if (acc === null) throw new TypeError(`optim.${op}: the params tree has no leaves`);
  return multiply(acc!, lit(coefficient, acc!));
}
