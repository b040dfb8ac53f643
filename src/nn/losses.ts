// Loss functions (regression, cross-entropies and focal losses from logits, KL divergence, metric-learning and VAE ELBO terms), numerically stable, with a reduction option.
import { fmtShape } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as random from '../random/index.js';
import type { Key } from '../random/index.js';
import { logSoftmax, oneHot, sigmoid, softplus } from './activations.js';
import {
  type ArrayLike, absolute, add, asArray, castTo, divide, exp, greater, integerPow, log, maximum, mean, minimum, multiply, negative, power,
  reshape, sqrt, square, subtract, sum, where, lit, lessEqual, equal, transpose as transposeBy, max as amax,
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
  /**
   * Per-example weights of the logits' shape without the class axis (e.g. false/0 on padding tokens):
   * 'mean' becomes Σ mask · loss / Σ mask, 'sum' Σ mask · loss, 'none' mask · loss (PyTorch's ignore_index
   * with a 0/1 mask).
   */
  readonly mask?: ArrayLike;
}

/** Logits as floats, the class axis, and the target distribution (from integer class ids or float targets) of the logits' shape. */
function classTargets(op: string, logits: ArrayLike, labels: ArrayLike, axis = -1): { x: Array; ax: number; k: number; target: Array } {
  let x = asArray(logits, `nn.${op}`);
  if (!isFloat(x.dtype)) x = castTo(x, 'float32');
  const lab = asArray(labels, `nn.${op}`);
  const ax = axis < 0 ? axis + x.ndim : axis;
  if (ax < 0 || ax >= x.ndim) throw new RangeError(`nn.${op}: axis ${axis} is out of range for logits of shape ${fmtShape(x.shape)}`);
  const k = x.shape[ax]!;
  let target: Array;
  if (!isFloat(lab.dtype)) {
    const want = x.shape.filter((_, i) => i !== ax);
    if (lab.shape.length !== want.length || lab.shape.some((d, i) => d !== want[i]))
      throw new TypeError(`nn.${op}: integer labels must have the logits' shape without the class axis, ${fmtShape(want)}; got ${fmtShape(lab.shape)} for logits ${fmtShape(x.shape)}`);
    target = oneHot(lab, k, x.dtype as 'float16' | 'float32' | 'float64');
    if (ax !== x.ndim - 1) target = moveLast(target, ax);
  } else {
    if (lab.shape.length !== x.shape.length || lab.shape.some((d, i) => d !== x.shape[i]))
      throw new TypeError(`nn.${op}: float labels (distributions or one-hot) must have the logits' shape ${fmtShape(x.shape)}, got ${fmtShape(lab.shape)}; pass integer class indices otherwise`);
    target = castTo(lab, x.dtype);
  }
  return { x, ax, k, target };
}

/** reduce, with optional per-example weights: 'mean' = Σ w·l / Σ w. */
function reduceMasked(op: string, l: Array, maskLike: ArrayLike | undefined, r: Reduction = 'mean'): Array {
  if (maskLike === undefined) return reduce(op, l, r);
  let m = asArray(maskLike, `nn.${op}`);
  m = castTo(m, l.dtype);
  if (m.shape.length !== l.shape.length || m.shape.some((d, i) => d !== l.shape[i]))
    throw new TypeError(`nn.${op}: mask ${fmtShape(m.shape)} must have the per-example loss shape ${fmtShape(l.shape)} (the logits' shape without the class axis)`);
  const wl = multiply(l, m);
  if (r === 'mean') return divide(sum(wl), sum(m));
  return reduce(op, wl, r);
}

/**
 * Categorical cross-entropy from logits: -Σ target · logSoftmax(logits) over the class axis, averaged
 * over examples by default (PyTorch's CrossEntropyLoss). `labels` are either integer class indices (the
 * logits' shape without the class axis) or float target distributions / one-hot vectors (the logits' shape).
 * Label smoothing and a per-example mask (padding tokens) are options; exp of the masked mean is the perplexity.
 * @example
 * nn.categoricalCrossEntropy(np.array([[0, 0]]), np.array([1])).item(); // 0.6931...
 * nn.categoricalCrossEntropy(logits, labels, { labelSmoothing: 0.1 });
 * nn.categoricalCrossEntropy(lmLogits, nextTokens, { mask: notPadding }); // mean over real tokens
 */
export function categoricalCrossEntropy(logits: ArrayLike, labels: ArrayLike, opts: CategoricalCrossEntropyOptions = {}): Array {
  const op = 'categoricalCrossEntropy';
  const c = classTargets(op, logits, labels, opts.axis ?? -1);
  const { x, ax, k } = c;
  let target = c.target;
  const s = opts.labelSmoothing ?? 0;
  if (!(s >= 0 && s <= 1)) throw new RangeError(`nn.${op}: labelSmoothing must be in [0, 1], got ${s}`);
  if (s) target = add(multiply(target, lit(1 - s, target)), lit(s / k, target));
  const l = negative(sum(multiply(target, logSoftmax(x, ax)), ax));
  return reduceMasked(op, l, opts.mask, opts.reduction);
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

// ---------------------------------------------------------------------------------------------
// focal losses

/** (1 - p)^γ, with integerPow for integer γ (exact, and a clean derivative at p = 1). */
const modulating = (oneMinusP: Array, gamma: number): Array =>
  Number.isInteger(gamma) ? integerPow(oneMinusP, gamma) : power(oneMinusP, lit(gamma, oneMinusP));

function checkGamma(op: string, gamma: number): number {
  if (!(gamma >= 0) || !Number.isFinite(gamma)) throw new RangeError(`nn.${op}: gamma must be a finite number >= 0, got ${gamma}`);
  return gamma;
}

/** Options of sigmoidFocalLoss. */
export interface SigmoidFocalLossOptions extends LossOptions {
  /** Weight of the positive class, 1 - alpha of the negative; null disables the weighting. Default 0.25. */
  readonly alpha?: number | null;
  /** Focusing parameter γ >= 0 (0 gives the alpha-weighted BCE). Default 2. */
  readonly gamma?: number;
}

/**
 * Binary focal loss from logits (Lin et al. 2017, torchvision.ops.sigmoid_focal_loss):
 * α_t · (1 - p_t)^γ · BCE(x, y), with p = σ(x), p_t = p·y + (1 - p)(1 - y), α_t = α·y + (1 - α)(1 - y).
 * The BCE term is the stable one of binaryCrossEntropy, and 1 - p_t is computed as y·σ(-x) + (1 - y)·σ(x),
 * so large logits neither overflow nor lose the small probability. Labels are probabilities in [0, 1].
 * Unlike torchvision (default reduction 'none'), the default reduction is 'mean'.
 * @example
 * nn.sigmoidFocalLoss(logits, targets, { alpha: 0.25, gamma: 2 });
 */
export function sigmoidFocalLoss(logits: ArrayLike, labels: ArrayLike, opts: SigmoidFocalLossOptions = {}): Array {
  const op = 'sigmoidFocalLoss';
  const [x, y] = pair(op, logits, labels);
  const gamma = checkGamma(op, opts.gamma ?? 2);
  const alpha = opts.alpha === undefined ? 0.25 : opts.alpha;
  const one = lit(1, x);
  const notY = subtract(one, y);
  const ce = add(multiply(y, softplus(negative(x))), multiply(notY, softplus(x)));
  const oneMinusPt = add(multiply(y, sigmoid(negative(x))), multiply(notY, sigmoid(x)));
  let l = gamma === 0 ? ce : multiply(ce, modulating(oneMinusPt, gamma));
  if (alpha !== null && alpha >= 0) l = multiply(l, add(multiply(y, lit(alpha, y)), multiply(notY, lit(1 - alpha, y))));
  return reduce(op, l, opts.reduction);
}

/** Options of softmaxFocalLoss. */
export interface SoftmaxFocalLossOptions extends LossOptions {
  /** Focusing parameter γ >= 0 (0 gives the cross-entropy). Default 2. */
  readonly gamma?: number;
  /** Class weights α_c: one number for every class, or an array [numClasses]. Default none (1). */
  readonly alpha?: number | ArrayLike | null;
  /** The class axis. Default -1. */
  readonly axis?: number;
}

/**
 * Multi-class focal loss from logits (Lin et al. 2017): -Σ_c α_c · y_c · (1 - p_c)^γ · log p_c over the class
 * axis, with log p = logSoftmax(logits) and p = exp(log p). Labels are integer class ids or float target
 * distributions, as in categoricalCrossEntropy; γ = 0 and no α give the cross-entropy.
 * @example
 * nn.softmaxFocalLoss(logits, labels, { gamma: 2 }); // logits [N, K], labels int32 [N]
 */
export function softmaxFocalLoss(logits: ArrayLike, labels: ArrayLike, opts: SoftmaxFocalLossOptions = {}): Array {
  const op = 'softmaxFocalLoss';
  const { x, ax, k, target } = classTargets(op, logits, labels, opts.axis ?? -1);
  const gamma = checkGamma(op, opts.gamma ?? 2);
  const logp = logSoftmax(x, ax);
  let w = gamma === 0 ? target : multiply(target, modulating(subtract(lit(1, logp), exp(logp)), gamma));
  if (opts.alpha !== undefined && opts.alpha !== null) {
    let a = castTo(asArray(opts.alpha, `nn.${op}`), x.dtype);
    if (a.ndim === 1) {
      if (a.shape[0] !== k) throw new TypeError(`nn.${op}: alpha must have one weight per class (${k}), got shape ${fmtShape(a.shape)}`);
      a = reshape(a, x.shape.map((d, i) => (i === ax ? d : 1)));
    } else if (a.ndim !== 0) throw new TypeError(`nn.${op}: alpha must be a number or a [numClasses] array, got shape ${fmtShape(a.shape)}`);
    w = multiply(w, a);
  }
  return reduce(op, negative(sum(multiply(w, logp), ax)), opts.reduction);
}

// ---------------------------------------------------------------------------------------------
// metric learning

/** √s with a zero (sub)gradient at s = 0 instead of an infinite one. */
function safeSqrt(s: Array): Array {
  const pos = greater(s, 0);
  return where(pos, sqrt(where(pos, s, lit(1, s))), lit(0, s));
}

/** Options of pairwiseDistance. */
export interface PairwiseDistanceOptions {
  /** The norm degree: 1, 2 (default), Infinity or any p > 0. */
  readonly p?: number;
  /** Added to the difference before the norm, as PyTorch's pairwise_distance. Default 1e-6. */
  readonly eps?: number;
  /** Keep the reduced feature axis. Default false. */
  readonly keepdims?: boolean;
}

/**
 * The p-norm distance ‖x1 - x2 + eps‖_p over the last axis (PyTorch's F.pairwise_distance), for
 * row-paired embeddings [..., D]; its gradient is finite everywhere (0 at a zero distance).
 * @example
 * nn.pairwiseDistance(np.array([[0, 0]]), np.array([[3, 4]]), { eps: 0 }).toJS(); // [5]
 */
export function pairwiseDistance(x1: ArrayLike, x2: ArrayLike, opts: PairwiseDistanceOptions = {}): Array {
  const op = 'pairwiseDistance';
  const [a, b] = pair(op, x1, x2);
  const p = opts.p ?? 2;
  if (!(p > 0)) throw new RangeError(`nn.${op}: p must be > 0 (or Infinity), got ${p}`);
  const d = add(subtract(a, b), lit(opts.eps ?? 1e-6, a));
  const keep = { keepdims: opts.keepdims ?? false };
  if (p === 2) return safeSqrt(sum(square(d), -1, keep));
  const ad = absolute(d);
  if (p === 1) return sum(ad, -1, keep);
  if (p === Infinity) return amax(ad, -1, keep);
  // (Σ|d|^p)^(1/p), with the outer power guarded at 0 like safeSqrt
  const s = sum(power(ad, lit(p, ad)), -1, keep);
  const pos = greater(s, 0);
  return where(pos, power(where(pos, s, lit(1, s)), lit(1 / p, s)), lit(0, s));
}

/** Options of tripletMarginLoss. */
export interface TripletMarginLossOptions extends LossOptions {
  /** Default 1. */
  readonly margin?: number;
  /** Norm degree of the distance. Default 2. */
  readonly p?: number;
  /** Default 1e-6 (PyTorch's). */
  readonly eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (Balntas et al. 2016's distance swap). Default false. */
  readonly swap?: boolean;
}

/**
 * Triplet margin loss (Schroff et al. 2015, PyTorch's TripletMarginLoss): max(d(a, p) - d(a, n) + margin, 0)
 * with d = pairwiseDistance, for anchor, positive and negative embeddings [N, D].
 * @example
 * nn.tripletMarginLoss(anchor, positive, negative, { margin: 0.5 });
 */
export function tripletMarginLoss(anchor: ArrayLike, positive: ArrayLike, negative_: ArrayLike, opts: TripletMarginLossOptions = {}): Array {
  const op = 'tripletMarginLoss';
  const d = { p: opts.p ?? 2, eps: opts.eps ?? 1e-6 };
  const dap = pairwiseDistance(anchor, positive, d);
  let dan = pairwiseDistance(anchor, negative_, d);
  if (opts.swap) dan = minimum(dan, pairwiseDistance(positive, negative_, d));
  return reduce(op, maximum(add(subtract(dap, dan), lit(opts.margin ?? 1, dap)), lit(0, dap)), opts.reduction);
}

/** Options of contrastiveLoss. */
export interface ContrastiveLossOptions extends LossOptions {
  /** Dissimilar pairs are pushed at least this far apart. Default 1. */
  readonly margin?: number;
}

/**
 * Contrastive loss for pairs of embeddings [N, D] (Hadsell, Chopra & LeCun 2006):
 * ½·y·d² + ½·(1 - y)·max(0, margin - d)² with d = ‖x1 - x2‖₂ and y = 1 for similar pairs, 0 for
 * dissimilar ones (the paper writes Y = 0 for similar pairs). Finite gradients also at d = 0.
 * @example
 * nn.contrastiveLoss(emb1, emb2, sameClass, { margin: 2 });
 */
export function contrastiveLoss(x1: ArrayLike, x2: ArrayLike, labels: ArrayLike, opts: ContrastiveLossOptions = {}): Array {
  const op = 'contrastiveLoss';
  const [a, b] = pair(op, x1, x2);
  const d2 = sum(square(subtract(a, b)), -1);
  const y = castTo(asArray(labels, `nn.${op}`), d2.dtype);
  if (y.shape.length !== d2.shape.length || y.shape.some((n, i) => n !== d2.shape[i]))
    throw new TypeError(`nn.${op}: labels ${fmtShape(y.shape)} must have one entry per pair, ${fmtShape(d2.shape)}`);
  const hinge = maximum(subtract(lit(opts.margin ?? 1, d2), safeSqrt(d2)), lit(0, d2));
  const l = multiply(lit(0.5, d2), add(multiply(y, d2), multiply(subtract(lit(1, y), y), square(hinge))));
  return reduce(op, l, opts.reduction);
}

/** Options of cosineEmbeddingLoss. */
export interface CosineEmbeddingLossOptions extends LossOptions {
  /** Dissimilar pairs are penalised for cosine similarity above this. Default 0. */
  readonly margin?: number;
}

/**
 * Cosine embedding loss (PyTorch's CosineEmbeddingLoss): 1 - cos(x1, x2) for labels 1 and
 * max(0, cos(x1, x2) - margin) for labels -1, with cos = Σx1·x2 / √((Σx1² + ε)(Σx2² + ε)), ε = 1e-12
 * (PyTorch's), over the last axis of [N, D] pairs.
 * @example
 * nn.cosineEmbeddingLoss(emb1, emb2, np.array([1, -1, 1]), { margin: 0.2 });
 */
export function cosineEmbeddingLoss(x1: ArrayLike, x2: ArrayLike, labels: ArrayLike, opts: CosineEmbeddingLossOptions = {}): Array {
  const op = 'cosineEmbeddingLoss';
  const [a, b] = pair(op, x1, x2);
  const eps = lit(1e-12, a);
  const cos = divide(sum(multiply(a, b), -1), sqrt(multiply(add(sum(square(a), -1), eps), add(sum(square(b), -1), eps))));
  const y = castTo(asArray(labels, `nn.${op}`), cos.dtype);
  if (y.shape.length !== cos.shape.length || y.shape.some((n, i) => n !== cos.shape[i]))
    throw new TypeError(`nn.${op}: labels ${fmtShape(y.shape)} must have one entry (1 or -1) per pair, ${fmtShape(cos.shape)}`);
  const zero = lit(0, cos);
  const pos = where(equal(y, lit(1, y)), subtract(lit(1, cos), cos), zero);
  const neg = where(equal(y, lit(-1, y)), maximum(subtract(cos, lit(opts.margin ?? 0, cos)), zero), zero);
  return reduce(op, add(pos, neg), opts.reduction);
}

// ---------------------------------------------------------------------------------------------
// VAE evidence lower bound: E_q[log p(x | z)] - KL(q(z | x) ‖ N(0, I))

/** Options of the ELBO terms: per-example sums over the event axes, then a reduction over examples. */
export interface ElboOptions extends LossOptions {
  /**
   * How many trailing axes form one example (summed over). Default: every axis but the leading batch axis
   * (all axes of a rank-1 input, e.g. one example under vmap).
   */
  readonly eventDims?: number;
}

function sumEvent(op: string, l: Array, o: ElboOptions): Array {
  const e = o.eventDims ?? (l.ndim >= 2 ? l.ndim - 1 : l.ndim);
  if (!Number.isInteger(e) || e < 0 || e > l.ndim) throw new RangeError(`nn.${op}: eventDims must be an integer in [0, ${l.ndim}] for shape ${fmtShape(l.shape)}, got ${e}`);
  const per = e === 0 ? l : sum(l, globalThis.Array.from({ length: e }, (_, i) => l.ndim - e + i));
  return reduce(op, per, o.reduction);
}

/**
 * The reparameterization trick (Kingma & Welling 2014): z = mean + exp(½·logVar) · ε with ε ~ N(0, I) drawn
 * from `key`, so z is differentiable in mean and logVar.
 * @example
 * const z = nn.reparameterize(random.key(0), mu, logVar);
 */
export function reparameterize(key: Key, mean_: ArrayLike, logVar: ArrayLike): Array {
  const [m, lv] = pair('reparameterize', mean_, logVar);
  const eps = random.normal(key, m.shape, m.dtype as 'float16' | 'float32' | 'float64');
  return add(m, multiply(exp(multiply(lv, lit(0.5, lv))), eps));
}

/**
 * KL(N(mean, exp(logVar)) ‖ N(0, 1)) = -½ Σ (1 + logVar - mean² - exp(logVar)) over the event axes: the
 * VAE's regulariser, in closed form, per example, averaged over examples by default.
 * @example
 * const kl = nn.gaussianKl(mu, logVar); // mu, logVar [N, latent]
 */
export function gaussianKl(mean_: ArrayLike, logVar: ArrayLike, opts: ElboOptions = {}): Array {
  const op = 'gaussianKl';
  const [m, lv] = pair(op, mean_, logVar);
  const t = subtract(add(lit(1, lv), lv), add(square(m), exp(lv)));
  return sumEvent(op, multiply(lit(-0.5, t), t), opts);
}

/**
 * The Bernoulli log-likelihood log p(x | logits) = Σ [x·log σ(l) + (1 - x)·log(1 - σ(l))] over the event axes
 * (-binaryCrossEntropy summed), for targets x in [0, 1] (binarised or grey-level images).
 * @example
 * const elbo = np.subtract(nn.bernoulliLogLikelihood(decoderLogits, x), nn.gaussianKl(mu, logVar));
 */
export function bernoulliLogLikelihood(logits: ArrayLike, targets: ArrayLike, opts: ElboOptions = {}): Array {
  const op = 'bernoulliLogLikelihood';
  const [l, x] = pair(op, logits, targets);
  const ll = negative(add(multiply(x, softplus(negative(l))), multiply(subtract(lit(1, x), x), softplus(l))));
  return sumEvent(op, ll, opts);
}

/** Options of gaussianLogLikelihood. */
export interface GaussianLogLikelihoodOptions extends ElboOptions {
  /** Log-variance of the likelihood, broadcast against the mean. Default 0 (unit variance). */
  readonly logVar?: ArrayLike;
}

/**
 * The Gaussian log-likelihood log N(x; mean, exp(logVar)) = -½ Σ [log 2π + logVar + (x - mean)² / exp(logVar)]
 * over the event axes (unit variance by default: -½‖x - mean‖² up to a constant).
 * @example
 * const ll = nn.gaussianLogLikelihood(decoded, x, { logVar: decoderLogVar });
 */
export function gaussianLogLikelihood(mean_: ArrayLike, targets: ArrayLike, opts: GaussianLogLikelihoodOptions = {}): Array {
  const op = 'gaussianLogLikelihood';
  const [m, x] = pair(op, mean_, targets);
  const sq = square(subtract(x, m));
  let t: Array;
  if (opts.logVar === undefined) t = add(lit(Math.log(2 * Math.PI), sq), sq);
  else {
    const lv = castTo(asArray(opts.logVar, `nn.${op}`), m.dtype);
    t = add(add(lit(Math.log(2 * Math.PI), sq), lv), multiply(sq, exp(negative(lv))));
  }
  return sumEvent(op, multiply(lit(-0.5, t), t), opts);
}
