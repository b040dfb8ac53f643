// Classification metrics (accuracy, confusion matrix, precision, recall, F1) as traceable np compositions.
import { fmtShape } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import { oneHot } from './activations.js';
import {
  type ArrayLike, add, argmax, asArray, castTo, divide, equal, greater, matmul, mean, multiply, sum, transpose, where, diagonal, reshape,
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
