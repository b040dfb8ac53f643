// Learning-rate schedules: pure functions of the step count (int32 array or JS number) to a float32 scalar (optax's schedule.py).
import { fromTyped } from '../core/array.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { checkNumber } from './base.js';
import {
  add, subtract, multiply, divide, castTo, cos, power, floor, minimum, maximum, where, lessEqual, greaterEqual, clip, remainder,
} from '../nn/np.js';

/**
 * A schedule maps the step count (the number of updates applied so far, 0 on the first) to a value,
 * usually a learning rate. Counts may be traced, so schedules jit with the optimizer state.
 */
export type Schedule = (count: Array | number) => Array;

/** The count as a float32 scalar array. */
function countF(op: string, count: Array | number): Array {
  if (typeof count === 'number') {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`optim.${op}: the step count must be a non-negative integer, got ${count}`);
    return fromTyped(new Float32Array([count]), [], 'float32');
  }
  if (!(count instanceof Array)) throw new TypeError(`optim.${op}: the step count must be a number or an int32 array, got ${typeof count}`);
  return castTo(count, 'float32');
}

/** The count as an int32 scalar array. */
function countI(op: string, count: Array | number): Array {
  if (typeof count === 'number') {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`optim.${op}: the step count must be a non-negative integer, got ${count}`);
    return fromTyped(new Int32Array([count]), [], 'int32');
  }
  return castTo(count, 'int32');
}

const f32 = (v: number): Array => lax.scalar(v, 'float32');

/**
 * A constant schedule.
 * @example
 * optim.constantSchedule(0.1)(5).item(); // 0.1 (as float32)
 */
export function constantSchedule(value: number): Schedule {
  checkNumber('constantSchedule', 'value', value);
  return () => f32(value);
}

/**
 * Polynomial interpolation from `initValue` to `endValue` over `transitionSteps` steps after
 * `transitionBegin` (optax's polynomial_schedule): end + (init - end)(1 - t/T)^power, clamped outside.
 * @example
 * optim.polynomialSchedule(1, 0, 2, 10)(5).item(); // 0.25
 */
export function polynomialSchedule(initValue: number, endValue: number, power_: number, transitionSteps: number, transitionBegin = 0): Schedule {
  checkNumber('polynomialSchedule', 'transitionSteps', transitionSteps, 1);
  checkNumber('polynomialSchedule', 'transitionBegin', transitionBegin, 0);
  return (count) => {
    const t = clip(subtract(countF('polynomialSchedule', count), transitionBegin), 0, transitionSteps);
    const frac = subtract(1, divide(t, transitionSteps));
    return add(multiply(initValue - endValue, power(frac, power_)), endValue);
  };
}

/**
 * Linear interpolation from `initValue` to `endValue` over `transitionSteps` (a linear warmup when
 * init < end), constant before `transitionBegin` and after the transition.
 * @example
 * const warm = optim.linearSchedule(0, 1e-3, 100); warm(50).item(); // 5e-4
 */
export const linearSchedule = (initValue: number, endValue: number, transitionSteps: number, transitionBegin = 0): Schedule =>
  polynomialSchedule(initValue, endValue, 1, transitionSteps, transitionBegin);

/**
 * Piecewise-constant: starts at `initValue` and is multiplied by `scales[b]` once the count reaches each
 * boundary `b` (optax's piecewise_constant_schedule).
 * @example
 * optim.piecewiseConstantSchedule(1, { 10: 0.1, 20: 0.1 })(15).item(); // 0.1
 */
export function piecewiseConstantSchedule(initValue: number, boundariesAndScales: Readonly<Record<number, number>> = {}): Schedule {
  const entries = Object.entries(boundariesAndScales).map(([b, s]) => [Number(b), s] as const).sort((a, b) => a[0] - b[0]);
  return (count) => {
    const c = countI('piecewiseConstantSchedule', count);
    let v = f32(initValue);
    for (const [b, s] of entries) v = where(greaterEqual(c, b), multiply(v, s), v);
    return v;
  };
}

/** Options of exponentialDecay. */
export interface ExponentialDecayOptions {
  /** Steps before decay starts (the value is initValue until then). */
  readonly transitionBegin?: number;
  /** Decay in discrete jumps every transitionSteps (floor of the exponent). */
  readonly staircase?: boolean;
  /** A bound the value does not cross (a floor when decaying, a cap when growing). */
  readonly endValue?: number;
}

/**
 * init · rate^((count - begin) / transitionSteps) (optax's exponential_decay; staircase floors the exponent).
 * @example
 * optim.exponentialDecay(1, 10, 0.5)(20).item(); // 0.25
 */
export function exponentialDecay(initValue: number, transitionSteps: number, decayRate: number, opts: ExponentialDecayOptions = {}): Schedule {
  checkNumber('exponentialDecay', 'transitionSteps', transitionSteps, Number.MIN_VALUE);
  checkNumber('exponentialDecay', 'decayRate', decayRate, 0);
  const begin = opts.transitionBegin ?? 0;
  return (count) => {
    const t = maximum(subtract(countF('exponentialDecay', count), begin), 0);
    let p = divide(t, transitionSteps);
    if (opts.staircase) p = floor(p);
    let v = multiply(initValue, power(f32(decayRate), p));
    if (opts.endValue !== undefined) v = decayRate < 1 ? maximum(v, opts.endValue) : minimum(v, opts.endValue);
    return v;
  };
}

/**
 * Step decay (PyTorch's StepLR): init · gamma^floor(count / stepSize).
 * @example
 * optim.stepDecay(0.1, 30, 0.1)(65).item(); // 0.001
 */
export function stepDecay(initValue: number, stepSize: number, gamma = 0.1): Schedule {
  checkNumber('stepDecay', 'stepSize', stepSize, 1);
  return exponentialDecay(initValue, stepSize, gamma, { staircase: true });
}

/**
 * Cosine decay (optax's cosine_decay_schedule, PyTorch's CosineAnnealingLR for one half period):
 * init · ((1 - alpha) · (½(1 + cos(π · min(t, T) / T)))^exponent + alpha).
 * @example
 * optim.cosineDecay(1, 100)(50).item(); // 0.5
 */
export function cosineDecay(initValue: number, decaySteps: number, alpha = 0, exponent = 1): Schedule {
  checkNumber('cosineDecay', 'decaySteps', decaySteps, 1);
  return (count) => {
    const t = minimum(countF('cosineDecay', count), decaySteps);
    const c = multiply(0.5, add(1, cos(multiply(Math.PI / decaySteps, t))));
    return multiply(initValue, add(multiply(1 - alpha, exponent === 1 ? c : power(c, exponent)), alpha));
  };
}

/**
 * Runs `schedules[i]` from `boundaries[i - 1]` on, each seeing the count relative to its start (optax's
 * join_schedules).
 * @example
 * optim.joinSchedules([optim.linearSchedule(0, 1, 10), optim.cosineDecay(1, 90)], [10]);
 */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  if (schedules.length !== boundaries.length + 1)
    throw new TypeError(`optim.joinSchedules: needs one more schedule than boundaries, got ${schedules.length} schedules and ${boundaries.length} boundaries`);
  return (count) => {
    const c = countI('joinSchedules', count);
    let out = schedules[0]!(c);
    boundaries.forEach((b, i) => {
      out = where(greaterEqual(c, b), schedules[i + 1]!(subtract(c, b)), out);
    });
    return out;
  };
}

/**
 * Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then cosine decay to `endValue` at
 * `decaySteps` (counted from the start, warmup included), as optax's warmup_cosine_decay_schedule.
 * @example
 * const lr = optim.warmupCosineDecay(0, 1e-3, 100, 1000); lr(100).item(); // 1e-3
 */
export function warmupCosineDecay(initValue: number, peakValue: number, warmupSteps: number, decaySteps: number, endValue = 0, exponent = 1): Schedule {
  checkNumber('warmupCosineDecay', 'warmupSteps', warmupSteps, 0);
  if (!(decaySteps > warmupSteps)) throw new RangeError(`optim.warmupCosineDecay: decaySteps (${decaySteps}) must exceed warmupSteps (${warmupSteps})`);
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  const decay = cosineDecay(peakValue, decaySteps - warmupSteps, alpha, exponent);
  if (warmupSteps === 0) return decay;
  return joinSchedules([linearSchedule(initValue, peakValue, warmupSteps), decay], [warmupSteps]);
}

/**
 * Linear warmup then exponential decay (optax's warmup_exponential_decay_schedule).
 * @example
 * optim.warmupExponentialDecay(0, 1, 10, 100, 0.5)(110).item(); // 0.5
 */
export function warmupExponentialDecay(initValue: number, peakValue: number, warmupSteps: number, transitionSteps: number, decayRate: number, opts: ExponentialDecayOptions = {}): Schedule {
  const decay = exponentialDecay(peakValue, transitionSteps, decayRate, opts);
  if (warmupSteps === 0) return decay;
  return joinSchedules([linearSchedule(initValue, peakValue, warmupSteps), decay], [warmupSteps]);
}

/** Options of cyclicSchedule. */
export interface CyclicOptions {
  /** Steps of the decreasing half (default: stepSizeUp). */
  readonly stepSizeDown?: number;
  /** 'triangular' (constant amplitude), 'triangular2' (halved each cycle), 'expRange' (amplitude · gamma^count). */
  readonly mode?: 'triangular' | 'triangular2' | 'expRange';
  /** The base of 'expRange'. */
  readonly gamma?: number;
}

/**
 * Cyclical learning rates (Smith 2017; PyTorch's CyclicLR): rises linearly from `baseValue` to `maxValue`
 * over `stepSizeUp` steps, falls back over `stepSizeDown`, and repeats.
 * @example
 * const lr = optim.cyclicSchedule(0.001, 0.006, 4); lr(4).item(); // 0.006
 */
export function cyclicSchedule(baseValue: number, maxValue: number, stepSizeUp: number, opts: CyclicOptions = {}): Schedule {
  checkNumber('cyclicSchedule', 'stepSizeUp', stepSizeUp, Number.MIN_VALUE);
  const down = opts.stepSizeDown ?? stepSizeUp;
  checkNumber('cyclicSchedule', 'stepSizeDown', down, Number.MIN_VALUE);
  const mode = opts.mode ?? 'triangular';
  if (!['triangular', 'triangular2', 'expRange'].includes(mode))
    throw new TypeError(`optim.cyclicSchedule: mode must be 'triangular', 'triangular2' or 'expRange', got ${JSON.stringify(mode)}`);
  const gamma = opts.gamma ?? 1;
  const total = stepSizeUp + down, ratio = stepSizeUp / total;
  return (count) => {
    const t = countF('cyclicSchedule', count);
    // cycle = floor(1 + t / total), x = 1 + t / total - cycle in [0, 1): rising while x <= ratio
    const cycle = floor(add(1, divide(t, total)));
    const x = subtract(add(1, divide(t, total)), cycle);
    const frac = where(lessEqual(x, ratio), divide(x, ratio), divide(subtract(x, 1), ratio - 1));
    let amp = multiply(maxValue - baseValue, frac);
    if (mode === 'triangular2') amp = divide(amp, power(f32(2), subtract(cycle, 1)));
    else if (mode === 'expRange') amp = multiply(amp, power(f32(gamma), t));
    return add(baseValue, amp);
  };
}

/**
 * Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017; PyTorch's
 * CosineAnnealingWarmRestarts): the i-th period lasts t0 · tMult^i steps, and within it the value goes
 * from `initValue` to `minValue` along half a cosine, then restarts.
 * @example
 * const lr = optim.sgdrSchedule(0.1, 10); lr(10).item(); // 0.1 (restart)
 */
export function sgdrSchedule(initValue: number, t0: number, tMult = 1, minValue = 0): Schedule {
  checkNumber('sgdrSchedule', 't0', t0, 1);
  if (!Number.isInteger(t0)) throw new RangeError(`optim.sgdrSchedule: t0 must be an integer, got ${t0}`);
  if (!Number.isInteger(tMult) || tMult < 1) throw new RangeError(`optim.sgdrSchedule: tMult must be an integer >= 1, got ${tMult}`);
  // period starts b_n = t0 (tMult^n - 1) / (tMult - 1) (= t0 · n when tMult = 1); found by exact int32 comparisons
  const starts: number[] = [0], lengths: number[] = [t0];
  if (tMult > 1) {
    for (let n = 1; ; n++) {
      const b = (t0 * (tMult ** n - 1)) / (tMult - 1);
      if (b > 2147483647) break;
      starts.push(b);
      lengths.push(t0 * tMult ** n);
    }
  }
  return (count) => {
    const c = countI('sgdrSchedule', count);
    let tCur: Array, tI: Array;
    if (tMult === 1) {
      tCur = castTo(remainder(c, t0), 'float32');
      tI = f32(t0);
    } else {
      let start = lax.scalar(0, 'int32') as Array, len = f32(t0);
      for (let n = 1; n < starts.length; n++) {
        const past = greaterEqual(c, starts[n]!);
        start = where(past, starts[n]!, start);
        len = where(past, f32(lengths[n]!), len);
      }
      tCur = castTo(subtract(c, start), 'float32');
      tI = len;
    }
    const cosine = multiply(0.5, add(1, cos(multiply(Math.PI, divide(tCur, tI)))));
    return add(minValue, multiply(initValue - minValue, cosine));
  };
}

/** A schedule or a constant, as optimizers accept it. */
export type ScalarOrSchedule = number | Schedule;
