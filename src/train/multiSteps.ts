// Gradient accumulation (optax's MultiSteps): k micro-batch gradients averaged into one optimizer step, as a GradientTransformation that jits.
import { Array } from '../core/trace.js';
import { map as treeMap } from '../core/tree.js';
import * as lax from '../lax/ops.js';
import { add, divide, equal, greater, logicalAnd, subtract, where } from '../numpy/elementwise.js';
import { zerosLike } from '../numpy/creation.js';
import { castTo } from '../numpy/util.js';
import type { GradientTransformation, Tree } from '../optim/base.js';

/** The state of multiSteps. */
export interface MultiStepsState<S = unknown> {
  /** Micro-steps accumulated since the last inner update (int32 scalar, 0..k-1). */
  readonly miniStep: Array;
  /** Inner updates done so far (int32 scalar). */
  readonly gradientStep: Array;
  /** The wrapped optimizer's state. */
  readonly innerState: S;
  /** The running mean (or sum) of this cycle's gradients. */
  readonly accGrads: Tree;
}

/** Options of multiSteps. */
export interface MultiStepsOptions {
  /** Average the k gradients (true, default) or sum them. */
  readonly useGradMean?: boolean;
}

const i32 = (v: number): Array => lax.scalar(v, 'int32');
/** where(pred, a, b) keeping a's dtype and weak type (np.where would promote a weak b). */
const select = (pred: Array, a: Array, b: Array): Array => castTo(where(pred, a, b), a.dtype, a.weakType);

/**
 * Wraps an optimizer so that it steps once every `everyK` calls (optax.MultiSteps): each call adds the
 * gradients to a running mean (acc ← acc + (g − acc)/(m + 1)); the k-th call feeds the mean to the inner
 * optimizer and emits its updates, the others emit zeros and leave the inner state alone. With equal-sized
 * micro-batches this is exactly one step on the big batch, in 1/k of the memory. Branch-free (selects), so
 * it runs under jit and vmap.
 * @example
 * const opt = train.multiSteps(optim.adam(1e-3), 4);  // an Adam step every 4 micro-batches
 * let state = opt.init(params);
 * const [updates, next] = opt.update(grads, state, params);
 * params = optim.applyUpdates(params, updates);       // unchanged on 3 calls out of 4
 */
export function multiSteps<S>(inner: GradientTransformation<S>, everyK: number, opts: MultiStepsOptions = {}): GradientTransformation<MultiStepsState<S>> {
  const op = 'train.multiSteps';
  if (!Number.isInteger(everyK) || everyK < 1) throw new RangeError(`${op}: everyK must be an integer >= 1, got ${everyK}`);
  const useMean = opts.useGradMean ?? true;
  return {
    init: (params) => ({
      miniStep: i32(0),
      gradientStep: i32(0),
      innerState: inner.init(params),
      accGrads: treeMap((p: Array) => zerosLike(p), params),
    }),
    update(grads, state, params) {
      if (!state || !(state.miniStep instanceof Array))
        throw new TypeError(`${op}: the state must be the MultiStepsState built by init (with miniStep, gradientStep, innerState, accGrads)`);
      const m = state.miniStep;
      const acc = treeMap((a: Array, g: Array) => {
        if (!useMean) return castTo(add(a, g), a.dtype);
        // running mean: acc + (g - acc) / (m + 1)
        const denom = castTo(add(m, i32(1)), a.dtype);
        return castTo(add(a, divide(subtract(g, a), denom)), a.dtype);
      }, state.accGrads, grads);
      const emit = equal(m, i32(everyK - 1));
      const [innerUpdates, innerNext] = inner.update(acc, state.innerState, params);
      const updates = treeMap((u: Array) => select(emit, u, zerosLike(u)), innerUpdates);
      const innerState = treeMap((n: Array, o: Array) => select(emit, n, o), innerNext, state.innerState) as S;
      return [
        updates,
        {
          miniStep: select(emit, i32(0), add(m, i32(1))),
          gradientStep: select(emit, add(state.gradientStep, i32(1)), state.gradientStep),
          innerState,
          accGrads: treeMap((a: Array) => select(emit, zerosLike(a), a), acc),
        },
      ];
    },
  };
}

/**
 * Whether the last multiSteps update applied the inner optimizer (optax's MultiSteps.has_updated): a
 * bool scalar, true right after every k-th call.
 * @example
 * if (train.multiStepsHasUpdated(state).item()) log(step);
 */
export function multiStepsHasUpdated(state: MultiStepsState): Array {
  return logicalAnd(equal(state.miniStep, i32(0)), greater(state.gradientStep, i32(0)));
}
