// Early stopping as a pure state machine (Keras's EarlyStopping rules): init() → state, update(state, metric) → next state.
import { Array } from '../core/trace.js';

/** Options of earlyStopping. */
export interface EarlyStoppingOptions {
  /** Updates without improvement tolerated before stopping. Default 5. */
  readonly patience?: number;
  /** An improvement must beat the best value by more than this. Default 0. */
  readonly minDelta?: number;
  /** 'min' for losses (lower is better), 'max' for accuracies. Default 'min'. */
  readonly mode?: 'min' | 'max';
  /** A value the metric must beat before anything counts as an improvement. Default none. */
  readonly baseline?: number;
}

/** The state of early stopping after some updates. Plain data: store it, log it, compare it. */
export interface EarlyStoppingState {
  /** The best metric so far (±Infinity, or the baseline, before any improvement). */
  readonly best: number;
  /** The update (0-based) that gave `best`, or -1. Keep the params of that step to restore them. */
  readonly bestStep: number;
  /** Updates seen so far. */
  readonly step: number;
  /** Updates since the last improvement. */
  readonly wait: number;
  /** Whether the last update improved on the best. */
  readonly improved: boolean;
  /** Whether training should stop (wait reached patience). Stays true once set. */
  readonly shouldStop: boolean;
}

/** An early-stopping rule: pure functions over EarlyStoppingState. */
export interface EarlyStopping {
  init(): EarlyStoppingState;
  /** The state after observing `metric` (a JS number or a size-1 concrete Array; NaN never improves). */
  update(state: EarlyStoppingState, metric: number | Array): EarlyStoppingState;
}

/**
 * Early stopping: improvement means metric < best - minDelta ('min') or metric > best + minDelta ('max');
 * after `patience` updates in a row without one, `shouldStop` turns true (Keras's EarlyStopping with
 * patience, min_delta, mode, baseline). Pure: the state is returned, never mutated.
 * @example
 * const es = train.earlyStopping({ patience: 3, mode: 'max' });
 * let s = es.init();
 * for (let epoch = 0; epoch < 100 && !s.shouldStop; epoch++) {
 *   s = es.update(s, evaluate(params));
 *   if (s.improved) best = params;
 * }
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): EarlyStopping {
  const op = 'train.earlyStopping';
  const patience = opts.patience ?? 5;
  if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`${op}: patience must be an integer >= 0, got ${patience}`);
  const minDelta = Math.abs(opts.minDelta ?? 0);
  if (!Number.isFinite(minDelta)) throw new RangeError(`${op}: minDelta must be a finite number, got ${opts.minDelta}`);
  const mode = opts.mode ?? 'min';
  if (mode !== 'min' && mode !== 'max') throw new TypeError(`${op}: mode must be 'min' or 'max', got ${JSON.stringify(mode)}`);
  const better = mode === 'min' ? (v: number, best: number) => v < best - minDelta : (v: number, best: number) => v > best + minDelta;
  const initialBest = opts.baseline ?? (mode === 'min' ? Infinity : -Infinity);
  return {
    init: () => ({ best: initialBest, bestStep: -1, step: 0, wait: 0, improved: false, shouldStop: false }),
    update(state, metric) {
      if (typeof metric !== 'number' && !(metric instanceof Array))
        throw new TypeError(`${op}: the metric must be a number or a size-1 Array, got ${typeof metric}`);
      const v = typeof metric === 'number' ? metric : Number(metric);
      const improved = better(v, state.best);
      const wait = improved ? 0 : state.wait + 1;
      return {
        best: improved ? v : state.best,
        bestStep: improved ? state.step : state.bestStep,
        step: state.step + 1,
        wait,
        improved,
        // wait is 0 after an improvement, so an improvement never stops; patience 0 stops at the first miss
        shouldStop: state.shouldStop || wait >= Math.max(patience, 1),
      };
    },
  };
}
