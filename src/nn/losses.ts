// Loss functions (regression, cross-entropies from logits, KL divergence), numerically stable, with a reduction option.
import { fmtShape } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import { logSoftmax, oneHot, softplus } from './activations.js';
import {
  type ArrayLike, absolute, add, asArray, castTo, exp, greater, log, maximum, mean, multiply, negative, square,
  subtract, sum, where, lit, lessEqual, equal, transpose as transposeBy,
} from './np.js';

/** How per-element losses are combined: their mean (default), their sum, or none (per-example values). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss takes. */
export interface LossOptions {
  readonly reduction?: Reduction;
}

function reduce(op: string, l: Array, r: Reduction = 'mean'): Array {
  if (r === 'mean') return mean(l);
  if (r === 'sum') return sum(l);
  if (r === 'none') return l;
  throw new TypeError(`nn.${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`);
}

/** Predictions and targets as float arrays of the same shape (targets broadcast to the predictions). */
function pair(op: string, p: ArrayLike, t: ArrayLike): [Array, Array] {
  let a = asArray(p, `nn.${op}`), b = asArray(t, `nn.${op}`);
  if (!isFloat(a.dtype)) a = castTo(a, 'float32');
  if (b.dtype !== a.dtype) b = castTo(b, a.dtype);
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
    throw new TypeError(`nn.${op}: predictions ${fmtShape(a.shape)} and targets ${fmtShape(b.shape)} must have the same shape`);
  return [a, b];
}

/**
 * Mean squared error (pred - target)².
 * @example
 * nn.mse(np.array([1, 2]), np.array([1, 4])).item(); // 2
 */
export function mse(predictions: ArrayLike, targets: ArrayLike, opts: LossOptions = {}): Array {
  const [p, t] = pair('mse', predictions, targets);
  return reduce('mse', square(subtract(p, t)), opts.reduction);
}

/**
 * Mean absolute error |pred - target|.
 * @example
 * nn.mae(np.array([1, 2]), np.array([1, 4])).item(); // 1
 */
export function mae(predictions: ArrayLike, targets: ArrayLike, opts: LossOptions = {}): Array {
  const [p, t] = pair('mae', predictions, targets);
  return reduce('mae', absolute(subtract(p, t)), opts.reduction);
}

/**
 * Huber loss (PyTorch's HuberLoss): ½d² where |d| <= delta, delta · (|d| - ½delta) beyond.
 * @example
 * nn.huber(np.array([0, 0]), np.array([0.5, 3])).item(); // (0.125 + 2.5) / 2
 */
export function huber(predictions: ArrayLike, targets: ArrayLike, opts: LossOptions & { delta?: number } = {}): Array {
  const [p, t] = pair('huber', predictions, targets);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`nn.huber: delta must be positive, got ${delta}`);
  const a = absolute(subtract(p, t));
  const dl = lit(delta, a);
  const quad = multiply(lit(0.5, a), square(a));
  const lin = multiply(dl, subtract(a, lit(0.5 * delta, a)));
  return reduce('huber', where(lessEqual(a, dl), quad, lin), opts.reduction);
}

/** Options of binaryCrossEntropy. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** Labels become y(1 - s) + s/2. Default 0. */
  readonly labelSmoothing?: number;
  /** Weight of the positive term (PyTorch's pos_weight), broadcast against the logits. */
  readonly posWeight?: ArrayLike;
}

/**
 * Binary cross-entropy from logits (PyTorch's BCEWithLogitsLoss, optax's sigmoid_binary_cross_entropy):
 * -[y log σ(x) + (1 - y) log(1 - σ(x))] computed as max(x, 0) - x·y + log(1 + e^-|x|), which never
 * takes the log of 0. Labels are probabilities in [0, 1] of the logits' shape.
 * @example
 * nn.binaryCrossEntropy(np.array([0]), np.array([1])).item(); // 0.6931...
 */
export function binaryCrossEntropy(logits: ArrayLike, labels: ArrayLike, opts: BinaryCrossEntropyOptions = {}): Array {
  const [x, y0] = pair('binaryCrossEntropy', logits, labels);
  const s = opts.labelSmoothing ?? 0;
  const y = s ? add(multiply(y0, lit(1 - s, y0)), lit(s / 2, y0)) : y0;
  // log σ(x) = -softplus(-x), log(1 - σ(x)) = -softplus(x), with the overflow-free softplus
  const spNeg = softplus(negative(x)); // -log σ(x)
  const spPos = softplus(x); // -log(1 - σ(x))
  let l: Array;
  if (opts.posWeight === undefined) l = add(multiply(y, spNeg), multiply(subtract(1, y), spPos));
  else {
    const pw = castTo(asArray(opts.posWeight, 'nn.binaryCrossEntropy'), x.dtype);
    l = add(multiply(multiply(pw, y), spNeg), multiply(subtract(1, y), spPos));
  }
  return reduce('binaryCrossEntropy', l, opts.reduction);
}

/** Options of categoricalCrossEntropy. */
export interface CategoricalCrossEntropyOptions extends LossOptions {
  /** Targets become (1 - s) · target + s / numClasses (Szegedy et al. 2016). Default 0. */
  readonly labelSmoothing?: number;
  /** The class axis of the logits. Default -1. */
  readonly axis?: number;
}

/**
 * Categorical cross-entropy from logits: -Σ target · logSoftmax(logits) over the class axis, averaged
 * over examples by default (PyTorch's CrossEntropyLoss). `labels` are either integer class indices (the
 * logits' shape without the class axis) or float target distributions / one-hot vectors (the logits' shape).
 * @example
 * nn.categoricalCrossEntropy(np.array([[0, 0]]), np.array([1])).item(); // 0.6931...
 * nn.categoricalCrossEntropy(logits, labels, { labelSmoothing: 0.1 });
 */
export function categoricalCrossEntropy(logits: ArrayLike, labels: ArrayLike, opts: CategoricalCrossEntropyOptions = {}): Array {
  const op = 'categoricalCrossEntropy';
  let x = asArray(logits, `nn.${op}`);
  if (!isFloat(x.dtype)) x = castTo(x, 'float32');
  const lab = asArray(labels, `nn.${op}`);
  const ax = (opts.axis ?? -1) < 0 ? (opts.axis ?? -1) + x.ndim : (opts.axis ?? -1);
  if (ax < 0 || ax >= x.ndim) throw new RangeError(`nn.${op}: axis ${opts.axis} is out of range for logits of shape ${fmtShape(x.shape)}`);
  const k = x.shape[ax]!;
  let target: Array;
  if (!isFloat(lab.dtype)) {
    const want = x.shape.filter((_, i) => i !== ax);
    if (lab.shape.length !== want.length || lab.shape.some((d, i) => d !== want[i]))
      throw new TypeError(`nn.${op}: integer labels must have the logits' shape without the class axis, ${fmtShape(want)}; got ${fmtShape(lab.shape)} for logits ${fmtShape(x.shape)}`);
    target = oneHot(lab, k, x.dtype as 'float32' | 'float64');
    if (ax !== x.ndim - 1) target = moveLast(target, ax);
  } else {
    if (lab.shape.length !== x.shape.length || lab.shape.some((d, i) => d !== x.shape[i]))
      throw new TypeError(`nn.${op}: float labels (distributions or one-hot) must have the logits' shape ${fmtShape(x.shape)}, got ${fmtShape(lab.shape)}; pass integer class indices otherwise`);
    target = castTo(lab, x.dtype);
  }
  const s = opts.labelSmoothing ?? 0;
  if (!(s >= 0 && s <= 1)) throw new RangeError(`nn.${op}: labelSmoothing must be in [0, 1], got ${s}`);
  if (s) target = add(multiply(target, lit(1 - s, target)), lit(s / k, target));
  const l = negative(sum(multiply(target, logSoftmax(x, ax)), ax));
  return reduce(op, l, opts.reduction);
}

/** Moves the last axis of a one-hot array to `ax`. */
function moveLast(t: Array, ax: number): Array {
  const n = t.ndim;
  const perm = [...globalThis.Array.from({ length: ax }, (_, i) => i), n - 1, ...globalThis.Array.from({ length: n - 1 - ax }, (_, i) => ax + i)];
  return transposeBy(t, perm);
}

/** Options of klDivergence. */
export interface KlOptions extends LossOptions {
  /** The distribution axis. Default -1. */
  readonly axis?: number;
  /** Targets are given as log-probabilities. Default false. */
  readonly logTarget?: boolean;
}

/**
 * KL(target ‖ prediction) = Σ target · (log target - logPrediction) over the distribution axis, with
 * 0 · log 0 = 0; the prediction comes as log-probabilities (e.g. logSoftmax output), as PyTorch's
 * kl_div and optax's kl_divergence. The mean over examples is PyTorch's reduction='batchmean'.
 * @example
 * nn.klDivergence(np.log(np.array([0.5, 0.5])), np.array([0.5, 0.5])).item(); // 0
 */
export function klDivergence(logPredictions: ArrayLike, targets: ArrayLike, opts: KlOptions = {}): Array {
  const [lp, t] = pair('klDivergence', logPredictions, targets);
  const ax = opts.axis ?? -1;
  let l: Array;
  // a target log-probability of -inf contributes 0 (not 0 · -inf)
  if (opts.logTarget) l = where(greater(t, -Infinity), multiply(exp(t), subtract(t, lp)), 0);
  else {
    const pos = greater(t, 0);
    const safeT = where(pos, t, 1);
    l = where(pos, multiply(t, subtract(log(safeT), lp)), 0);
  }
  return reduce('klDivergence', sum(l, ax), opts.reduction);
}

/**
 * Hinge loss max(0, 1 - y · score) for labels y in {-1, 1} (or {0, 1}, mapped to -1/1).
 * @example
 * nn.hinge(np.array([0.5, -2]), np.array([1, -1])).item(); // 0.25
 */
export function hinge(scores: ArrayLike, labels: ArrayLike, opts: LossOptions = {}): Array {
  const [s, y0] = pair('hinge', scores, labels);
  const y = where(equal(y0, 0), -1, y0);
  return reduce('hinge', maximum(subtract(1, multiply(y, s)), 0), opts.reduction);
}
