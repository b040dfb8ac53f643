// Ready-made optimizers as chains of building blocks (optax's alias.py): sgd, adagrad, rmsprop, adam, adamw.
import { type GradientTransformation, chain, identity } from './base.js';
import type { ScalarOrSchedule } from './schedules.js';
import {
  type AdamOptions, type Mask, addDecayedWeights, scaleByAdam, scaleByLearningRate, scaleByRms, scaleByRss, scaleByStddev, trace,
} from './transforms.js';

/** Options of sgd. */
export interface SgdOptions {
  /** Momentum coefficient (0 = plain SGD). Default 0. */
  readonly momentum?: number;
  /** Nesterov momentum. Default false. */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient before momentum (PyTorch's SGD weight_decay). Default 0. */
  readonly weightDecay?: number;
}

/**
 * Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay; the same updates
 * as PyTorch's torch.optim.SGD (dampening 0): b ← μ b + (g + wd p), step = -lr · (b or g + μ b).
 * @example
 * const opt = optim.sgd(0.1, { momentum: 0.9, nesterov: true });
 * const state = opt.init(params);
 */
export function sgd(learningRate: ScalarOrSchedule, opts: SgdOptions = {}): GradientTransformation {
  const parts: GradientTransformation[] = [];
  if (opts.weightDecay) parts.push(addDecayedWeights(opts.weightDecay));
  if (opts.momentum) parts.push(trace({ decay: opts.momentum, nesterov: opts.nesterov ?? false }));
  else if (opts.nesterov) throw new RangeError('optim.sgd: nesterov needs a momentum > 0');
  parts.push(scaleByLearningRate(learningRate));
  return chain(...parts);
}

/** Options of adagrad. */
export interface AdagradOptions {
  /** Starting value of the sum of squares. Default 0.1 (optax; PyTorch uses 0). */
  readonly initialAccumulatorValue?: number;
  /** Added to √Σg². Default 1e-7. */
  readonly eps?: number;
}

/**
 * Adagrad (Duchi et al. 2011): step = -lr · g / (√Σg² + eps), as PyTorch's torch.optim.Adagrad.
 * @example
 * const opt = optim.adagrad(0.1, { initialAccumulatorValue: 0 });
 */
export function adagrad(learningRate: ScalarOrSchedule, opts: AdagradOptions = {}): GradientTransformation {
  return chain(scaleByRss(opts), scaleByLearningRate(learningRate));
}

/** Options of rmsprop. */
export interface RmspropOptions {
  /** Decay of the squared-gradient average (PyTorch's alpha). Default 0.9. */
  readonly decay?: number;
  /** Default 1e-8. */
  readonly eps?: number;
  /** Normalise by the variance estimate ν - μ² instead of ν. Default false. */
  readonly centered?: boolean;
  /** Momentum applied after scaling. Default 0. */
  readonly momentum?: number;
  readonly nesterov?: boolean;
  /** Initial value of ν. Default 0. */
  readonly initialScale?: number;
  /** √(ν + eps) instead of √ν + eps. Default false (PyTorch's placement). */
  readonly epsInSqrt?: boolean;
  /** L2 penalty added to the gradient first (PyTorch's weight_decay). Default 0. */
  readonly weightDecay?: number;
}

/**
 * RMSprop (Hinton 2012), optionally centered and with momentum; PyTorch's torch.optim.RMSprop updates:
 * ν ← α ν + (1 - α) g², step = -lr · g / (√ν + eps) (through the momentum buffer when momentum > 0).
 * @example
 * const opt = optim.rmsprop(0.01, { decay: 0.99, centered: true, momentum: 0.9 });
 */
export function rmsprop(learningRate: ScalarOrSchedule, opts: RmspropOptions = {}): GradientTransformation {
  const rmsOpts = {
    decay: opts.decay ?? 0.9,
    eps: opts.eps ?? 1e-8,
    initialScale: opts.initialScale ?? 0,
    epsInSqrt: opts.epsInSqrt ?? false,
  };
  return chain(
    opts.weightDecay ? addDecayedWeights(opts.weightDecay) : identity(),
    opts.centered ? scaleByStddev(rmsOpts) : scaleByRms(rmsOpts),
    scaleByLearningRate(learningRate),
    opts.momentum ? trace({ decay: opts.momentum, nesterov: opts.nesterov ?? false }) : identity(),
  );
}

/**
 * Adam (Kingma & Ba 2014): step = -lr · μ̂ / (√ν̂ + eps), as PyTorch's torch.optim.Adam (also with
 * `amsgrad`).
 * @example
 * const opt = optim.adam(1e-3);
 * const [updates, state2] = opt.update(grads, opt.init(params));
 */
export function adam(learningRate: ScalarOrSchedule, opts: AdamOptions = {}): GradientTransformation {
  return chain(scaleByAdam(opts), scaleByLearningRate(learningRate));
}

/** Options of adamw. */
export interface AdamwOptions extends AdamOptions {
  /** Decoupled weight decay coefficient. Default 1e-4 (optax; PyTorch uses 1e-2). */
  readonly weightDecay?: number;
  /** Which params decay (true = decay); by default all. */
  readonly mask?: Mask;
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with weight decay decoupled from the gradient,
 * step = -lr · (μ̂ / (√ν̂ + eps) + wd · p), as PyTorch's torch.optim.AdamW.
 * @example
 * const opt = optim.adamw(1e-3, { weightDecay: 1e-2 });
 */
export function adamw(learningRate: ScalarOrSchedule, opts: AdamwOptions = {}): GradientTransformation {
  return chain(scaleByAdam(opts), addDecayedWeights(opts.weightDecay ?? 1e-4, opts.mask), scaleByLearningRate(learningRate));
}
