// Metrics as traceable np compositions: classification (accuracy, top-k, confusion matrix, precision, recall, F1, ROC AUC), regression (RMSE, MAPE, R²), segmentation (IoU, Dice), language models (perplexity).
import { fmtShape } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import { oneHot } from './activations.js';
import * as lax from '../lax/ops.js';
import { categoricalCrossEntropy } from './losses.js';
import {
  type ArrayLike, add, argmax, asArray, castTo, divide, equal, greater, matmul, mean, multiply, sum, transpose, where, diagonal, reshape,
  absolute, concatenate, cummax, cummin, exp, isnan, lit, logicalAnd, logicalNot, maximum, notEqual, sqrt, square, subtract, takeAlongAxis, arange,
  expandDims, less, full, logicalOr,
} from './np.js';

/** Class predictions from logits/scores (one more axis than the labels: argmax over the last) or from class ids. */
function classPredictions(op: string, predictions: ArrayLike, labels: Array): Array {
  const p = asArray(predictions, `nn.${op}`);
  if (p.ndim === labels.ndim + 1) return argmax(p, -1);
  if (p.ndim === labels.ndim) {
    if (isFloat(p.dtype)) throw new TypeError(`nn.${op}: predictions of the labels' shape must be integer class ids, got ${p.dtype}; pass logits with a class axis, or cast`);
    return p;
  }
  throw new TypeError(`nn.${op}: predictions ${fmtShape(p.shape)} must be class ids of the labels' shape ${fmtShape(labels.shape)}, or scores with one more (class) axis`);
}

function intLabels(op: string, labels: ArrayLike): Array {
  const l = asArray(labels, `nn.${op}`);
  if (isFloat(l.dtype)) throw new TypeError(`nn.${op}: labels must be integer class ids, got ${l.dtype}${fmtShape(l.shape)}`);
  return l.dtype === 'bool' ? castTo(l, 'int32') : l;
}

/**
 * The fraction of correct predictions (a float32 scalar). `predictions` are class ids of the labels'
 * shape, or logits/scores with an extra last axis (argmax is taken).
 * @example
 * nn.accuracy(np.array([[2, 1], [0, 3]]), np.array([0, 0])).item(); // 0.5
 */
export function accuracy(predictions: ArrayLike, labels: ArrayLike): Array {
  const l = intLabels('accuracy', labels);
  const p = classPredictions('accuracy', predictions, l);
  return mean(castTo(equal(p, l), 'float32'));
}

/**
 * The confusion matrix C[i, j] = number of examples of true class i predicted as class j (scikit-learn's
 * convention), int32 [numClasses, numClasses]; ids outside [0, numClasses) are not counted.
 * @example
 * nn.confusionMatrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).toJS(); // [[1, 0], [1, 1]]
 */
export function confusionMatrix(labels: ArrayLike, predictions: ArrayLike, numClasses: number): Array {
  const l = intLabels('confusionMatrix', labels);
  const p = classPredictions('confusionMatrix', predictions, l);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`nn.confusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
  // Cᵀ = onehot(labels)ᵀ · onehot(predictions), over every example (any leading shape)
  const rows = (x: Array) => reshape(oneHot(x, numClasses), [-1, numClasses]);
  return castTo(matmul(transpose(rows(l)), rows(p)), 'int32');
}

/** How per-class scores are combined. */
export type Average = 'binary' | 'macro' | 'micro' | 'weighted';

/** Options of precision, recall and f1. */
export interface ClassificationOptions {
  /** Number of classes (default 2: binary labels 0/1). */
  readonly numClasses?: number;
  /**
   * 'binary' (the score of class `positiveLabel`; default when numClasses is 2), 'macro' (unweighted mean
   * over classes; default otherwise), 'micro' (from total counts), 'weighted' (mean weighted by support).
   */
  readonly average?: Average;
  /** The positive class of 'binary'. Default 1. */
  readonly positiveLabel?: number;
}

/** Per-class counts from the confusion matrix: true positives, predicted counts, actual counts (float32). */
function counts(op: string, predictions: ArrayLike, labels: ArrayLike, k: number): { tp: Array; pred: Array; actual: Array } {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`nn.${op}: numClasses must be an integer >= 2, got ${k}`);
  const c = castTo(confusionMatrix(labels, predictions, k), 'float32');
  return { tp: diagonal(c), pred: sum(c, 0), actual: sum(c, 1) };
}

/** num / den with 0 where den is 0 (scikit-learn's zero_division=0). */
const safeDiv = (num: Array, den: Array): Array => {
  const pos = greater(den, 0);
  return where(pos, divide(num, where(pos, den, 1)), 0);
};

function combine(op: string, perClass: Array, c: { tp: Array; actual: Array }, micro: Array, o: ClassificationOptions, k: number): Array {
  const avg = o.average ?? (k === 2 ? 'binary' : 'macro');
  switch (avg) {
    case 'binary': {
      if (k !== 2) throw new TypeError(`nn.${op}: average 'binary' needs numClasses 2, got ${k}; use 'macro', 'micro' or 'weighted'`);
      const pl = o.positiveLabel ?? 1;
      return sum(multiply(perClass, oneHot(asArray(pl, `nn.${op}`, 'int32'), k)));
    }
    case 'macro':
      return mean(perClass);
    case 'micro':
      return micro;
    case 'weighted':
      return safeDiv(sum(multiply(perClass, c.actual)), sum(c.actual));
    default:
      throw new TypeError(`nn.${op}: average must be 'binary', 'macro', 'micro' or 'weighted', got ${JSON.stringify(avg)}`);
  }
}

/**
 * Precision tp / (tp + fp): of the examples predicted as a class, the fraction that truly are.
 * @example
 * nn.precision(np.array([1, 1, 0, 1]), np.array([1, 0, 0, 1])).item(); // 2/3
 */
export function precision(predictions: ArrayLike, labels: ArrayLike, opts: ClassificationOptions = {}): Array {
  const k = opts.numClasses ?? 2;
  const c = counts('precision', predictions, labels, k);
  return combine('precision', safeDiv(c.tp, c.pred), c, safeDiv(sum(c.tp), sum(c.pred)), opts, k);
}

/**
 * Recall tp / (tp + fn): of the examples of a class, the fraction predicted as it.
 * @example
 * nn.recall(np.array([1, 0, 0, 1]), np.array([1, 1, 0, 1])).item(); // 2/3
 */
export function recall(predictions: ArrayLike, labels: ArrayLike, opts: ClassificationOptions = {}): Array {
  const k = opts.numClasses ?? 2;
  const c = counts('recall', predictions, labels, k);
  return combine('recall', safeDiv(c.tp, c.actual), c, safeDiv(sum(c.tp), sum(c.actual)), opts, k);
}

/**
 * F1, the harmonic mean of precision and recall: 2tp / (2tp + fp + fn) per class (0 when a class is
 * neither predicted nor present).
 * @example
 * nn.f1(np.array([1, 1, 0, 1]), np.array([1, 0, 0, 1])).item(); // 0.8
 */
export function f1(predictions: ArrayLike, labels: ArrayLike, opts: ClassificationOptions = {}): Array {
  const k = opts.numClasses ?? 2;
  const c = counts('f1', predictions, labels, k);
  const two = (x: Array) => multiply(x, 2);
  const perClass = safeDiv(two(c.tp), add(c.pred, c.actual));
  const micro = safeDiv(two(sum(c.tp)), add(sum(c.pred), sum(c.actual)));
  return combine('f1', perClass, c, micro, opts, k);
}

// ---------------------------------------------------------------------------------------------
// ranking

/**
 * The fraction of examples whose true class is among the k highest scores (scikit-learn's
 * top_k_accuracy_score, float32): scores [N, K], labels int [N]. Ties are broken as scikit-learn does: among
 * equal scores the higher class index ranks first.
 * @example
 * nn.topKAccuracy(np.array([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]]), np.array([2, 2]), 2).item(); // 0.5
 */
export function topKAccuracy(scores: ArrayLike, labels: ArrayLike, k: number): Array {
  const op = 'topKAccuracy';
  const s = asArray(scores, `nn.${op}`);
  const l = intLabels(op, labels);
  if (s.ndim !== 2 || l.ndim !== 1 || s.shape[0] !== l.shape[0])
    throw new TypeError(`nn.${op}: expected scores [N, numClasses] and labels [N], got ${fmtShape(s.shape)} and ${fmtShape(l.shape)}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`nn.${op}: k must be a positive integer, got ${k}`);
  const own = takeAlongAxis(s, expandDims(l, 1), 1); // [N, 1]: each example's score of its true class
  const j = expandDims(arange(s.shape[1]!, 'int32'), 0);
  // the true class's position in the descending order: higher scores, plus equal scores at higher indices
  const ahead = logicalOr(greater(s, own), logicalAnd(equal(s, own), greater(j, expandDims(l, 1))));
  const rank = sum(castTo(ahead, 'int32'), 1);
  return mean(castTo(less(rank, k), 'float32'));
}

/**
 * Area under the ROC curve of binary scores (scikit-learn's roc_auc_score): the probability that a random
 * positive scores higher than a random negative, ties counting ½, computed from average ranks
 * (Mann-Whitney U: (Σ rank of positives - P(P + 1)/2) / (P·N)) after one sort, so tied scores give exactly
 * scikit-learn's trapezoidal area. `labels` are 1/true for positives, anything else negative; scores [n].
 * NaN when only one class is present (scikit-learn raises).
 * @example
 * nn.rocAuc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])).item(); // 0.75
 */
export function rocAuc(scores: ArrayLike, labels: ArrayLike): Array {
  const op = 'rocAuc';
  let s = asArray(scores, `nn.${op}`);
  if (!isFloat(s.dtype)) s = castTo(s, 'float32');
  const l0 = asArray(labels, `nn.${op}`);
  if (s.ndim !== 1 || l0.ndim !== 1 || s.shape[0] !== l0.shape[0])
    throw new TypeError(`nn.${op}: expected scores [n] and labels [n], got ${fmtShape(s.shape)} and ${fmtShape(l0.shape)}`);
  const n = s.shape[0]!;
  if (n === 0) throw new TypeError(`nn.${op}: needs at least one example`);
  const pos0 = castTo(equal(l0.dtype === 'bool' ? castTo(l0, 'int32') : l0, 1), s.dtype);
  const [ss, ps] = lax.sort([s, pos0], 0, 1) as [Array, Array];
  const idx = arange(n, 'int32');
  // tie groups of the sorted scores: first index L and last index R of each element's group
  const differs = notEqual(lax.sliceInDim(ss, 1, n), lax.sliceInDim(ss, 0, n - 1));
  const t = full([1], true, 'bool');
  const isStart = concatenate([t, differs]), isEnd = concatenate([differs, t]);
  const first = cummax(where(isStart, idx, 0));
  const last = cummin(where(isEnd, idx, n - 1), 0, { reverse: true });
  // average 1-based rank of the group: (L + R) / 2 + 1
  const rank = add(divide(castTo(add(first, last), s.dtype), lit(2, s)), lit(1, s));
  const np_ = sum(ps);
  const nn_ = subtract(lit(n, s), np_);
  const u = subtract(sum(multiply(ps, rank)), divide(multiply(np_, add(np_, lit(1, s))), lit(2, s)));
  return divide(u, multiply(np_, nn_));
}

// ---------------------------------------------------------------------------------------------
// regression (scikit-learn's argument order is (y_true, y_pred); here, as in the losses, predictions come first)

/** How the scores of several outputs (columns of 2-d targets) are combined. */
export type MultiOutput = 'uniformAverage' | 'rawValues';

/** Options of the regression metrics. */
export interface RegressionOptions {
  /** 2-d targets [n, outputs]: the mean of the per-output scores (default, scikit-learn's) or the scores themselves. */
  readonly multioutput?: MultiOutput;
}

function regressionPair(op: string, predictions: ArrayLike, targets: ArrayLike): [Array, Array] {
  let p = asArray(predictions, `nn.${op}`), t = asArray(targets, `nn.${op}`);
  if (!isFloat(p.dtype)) p = castTo(p, isFloat(t.dtype) ? t.dtype : 'float32');
  if (t.dtype !== p.dtype) t = castTo(t, p.dtype);
  if (p.ndim < 1 || p.ndim > 2 || p.shape.length !== t.shape.length || p.shape.some((d, i) => d !== t.shape[i]))
    throw new TypeError(`nn.${op}: predictions and targets must have the same shape [n] or [n, outputs], got ${fmtShape(p.shape)} and ${fmtShape(t.shape)}`);
  return [p, t];
}

function outputs(op: string, perOutput: Array, o: RegressionOptions): Array {
  const m = o.multioutput ?? 'uniformAverage';
  if (m === 'rawValues') return perOutput;
  if (m === 'uniformAverage') return mean(perOutput);
  throw new TypeError(`nn.${op}: multioutput must be 'uniformAverage' or 'rawValues', got ${JSON.stringify(m)}`);
}

/**
 * Root mean squared error √(mean (pred - target)²) per output (scikit-learn's mean_squared_error with
 * squared=False: per-output RMSEs averaged for 2-d targets).
 * @example
 * nn.rmse(np.array([1, 2, 3]), np.array([1, 2, 6])).item(); // √3
 */
export function rmse(predictions: ArrayLike, targets: ArrayLike, opts: RegressionOptions = {}): Array {
  const [p, t] = regressionPair('rmse', predictions, targets);
  return outputs('rmse', sqrt(mean(square(subtract(p, t)), 0)), opts);
}

/**
 * Mean absolute percentage error mean(|pred - target| / max(|target|, ε)) as a fraction (not in percent),
 * with ε the float64 machine epsilon, as scikit-learn's mean_absolute_percentage_error.
 * @example
 * nn.mape(np.array([110, 90]), np.array([100, 100])).item(); // 0.1
 */
export function mape(predictions: ArrayLike, targets: ArrayLike, opts: RegressionOptions = {}): Array {
  const [p, t] = regressionPair('mape', predictions, targets);
  const den = maximum(absolute(t), lit(2.220446049250313e-16, t));
  return outputs('mape', mean(divide(absolute(subtract(p, t)), den), 0), opts);
}

/**
 * The coefficient of determination R² = 1 - Σ(target - pred)² / Σ(target - mean(target))² per output
 * (scikit-learn's r2_score: a constant target gives 1 when predicted exactly, else 0).
 * @example
 * nn.r2(np.array([2.5, 0, 2, 8]), np.array([3, -0.5, 2, 7])).item(); // 0.9486...
 */
export function r2(predictions: ArrayLike, targets: ArrayLike, opts: RegressionOptions = {}): Array {
  const [p, t] = regressionPair('r2', predictions, targets);
  const ssRes = sum(square(subtract(t, p)), 0);
  const ssTot = sum(square(subtract(t, mean(t, 0, { keepdims: true }))), 0);
  const zero = lit(0, ssRes), one = lit(1, ssRes);
  const nz = greater(ssTot, zero);
  const score = where(nz, subtract(one, divide(ssRes, where(nz, ssTot, one))), where(greater(ssRes, zero), zero, one));
  return outputs('r2', score, opts);
}

// ---------------------------------------------------------------------------------------------
// segmentation

/** How per-class IoU / Dice scores are combined; 'none' returns them all. */
export type SegmentationAverage = Average | 'none';

/** Options of iou and dice. */
export interface SegmentationOptions {
  /** Number of classes (default 2: binary masks). Label ids outside [0, numClasses) (e.g. 255) are ignored. */
  readonly numClasses?: number;
  /**
   * 'binary' (the class `positiveLabel`; default when numClasses is 2), 'macro' (mean over the classes present
   * in the predictions or the labels; default otherwise), 'micro' (from the total counts), 'weighted'
   * (weighted by support), 'none' (per class [numClasses]; NaN for a class absent from both).
   */
  readonly average?: SegmentationAverage;
  /** The class of 'binary'. Default 1. */
  readonly positiveLabel?: number;
}

function segmentation(op: string, num: (tp: Array, pred: Array, act: Array) => Array, den: (tp: Array, pred: Array, act: Array) => Array,
  predictions: ArrayLike, labels: ArrayLike, o: SegmentationOptions): Array {
  const k = o.numClasses ?? 2;
  const { tp, pred, actual } = counts(op, predictions, labels, k);
  const d = den(tp, pred, actual);
  const present = greater(d, 0);
  // 0/0 (a class in neither the predictions nor the labels) is NaN: undefined, and skipped by 'macro'
  const perClass = where(present, divide(num(tp, pred, actual), where(present, d, 1)), NaN);
  const avg = o.average ?? (k === 2 ? 'binary' : 'macro');
  const valid = logicalNot(isnan(perClass));
  const zeroed = where(valid, perClass, 0);
  switch (avg) {
    case 'none':
      return perClass;
    case 'binary': {
      if (k !== 2) throw new TypeError(`nn.${op}: average 'binary' needs numClasses 2, got ${k}; use 'macro', 'micro', 'weighted' or 'none'`);
      const pl = o.positiveLabel ?? 1;
      if (!Number.isInteger(pl) || pl < 0 || pl >= k) throw new RangeError(`nn.${op}: positiveLabel must be 0 or 1, got ${pl}`);
      return lax.indexInDim(perClass, pl, 0, false);
    }
    case 'macro':
      return divide(sum(zeroed), sum(castTo(valid, 'float32')));
    case 'micro':
      return divide(sum(num(tp, pred, actual)), sum(d));
    case 'weighted':
      return divide(sum(multiply(zeroed, actual)), sum(actual));
    default:
      throw new TypeError(`nn.${op}: average must be 'binary', 'macro', 'micro', 'weighted' or 'none', got ${JSON.stringify(avg)}`);
  }
}

/**
 * Intersection over union (the Jaccard index) of segmentation maps: per class tp / (tp + fp + fn) over every
 * pixel of label maps of any shape (class ids, or logits with an extra last axis: argmax is taken).
 * 'macro' is the mean IoU (mIoU) over the classes present; 'none' gives the per-class IoUs (scikit-learn's
 * jaccard_score with average=None, except NaN for a class absent from both maps where scikit-learn warns
 * and gives 0). Ids outside [0, numClasses), such as an ignore label 255, are not counted.
 * @example
 * nn.iou(predMap, labelMap, { numClasses: 21 }); // mIoU
 * nn.iou(predMap, labelMap, { numClasses: 21, average: 'none' }); // [21]
 */
export function iou(predictions: ArrayLike, labels: ArrayLike, opts: SegmentationOptions = {}): Array {
  return segmentation('iou', (tp) => tp, (tp, p, a) => subtract(add(p, a), tp), predictions, labels, opts);
}

/**
 * The Dice coefficient (Sørensen–Dice, F1 of each class) of segmentation maps: per class 2tp / (2tp + fp + fn),
 * combined as in iou ('macro': mean over the classes present; 'none': per class, NaN when absent).
 * @example
 * nn.dice(np.array([[0, 1], [1, 1]]), np.array([[0, 1], [0, 1]])).item(); // 0.8 (binary: class 1)
 */
export function dice(predictions: ArrayLike, labels: ArrayLike, opts: SegmentationOptions = {}): Array {
  return segmentation('dice', (tp) => multiply(tp, 2), (_tp, p, a) => add(p, a), predictions, labels, opts);
}

// ---------------------------------------------------------------------------------------------
// language models

/** Options of perplexity. */
export interface PerplexityOptions {
  /** Per-token weights (false/0 on padding), the logits' shape without the class axis. */
  readonly mask?: ArrayLike;
  /** The class axis of the logits. Default -1. */
  readonly axis?: number;
}

/**
 * Perplexity exp(mean token cross-entropy) of a language model: from logits [..., vocab] and integer next
 * tokens [...] (optionally masking padding), or from an already computed mean cross-entropy (in nats).
 * @example
 * nn.perplexity(logits, targets, { mask: notPadding });
 * nn.perplexity(np.array(Math.log(20))).item(); // 20
 */
export function perplexity(logitsOrCrossEntropy: ArrayLike, labels?: ArrayLike, opts: PerplexityOptions = {}): Array {
  if (labels === undefined) {
    let ce = asArray(logitsOrCrossEntropy, 'nn.perplexity');
    if (!isFloat(ce.dtype)) ce = castTo(ce, 'float32');
    return exp(ce);
  }
  return exp(categoricalCrossEntropy(logitsOrCrossEntropy, labels, { axis: opts.axis ?? -1, ...(opts.mask === undefined ? {} : { mask: opts.mask }) }));
}
