// optim: optimizers as GradientTransformations over pytrees (optax's design), their building blocks, and schedules.
export type { GradientTransformation, EmptyState, Tree } from './base.js';
export { identity, chain, applyUpdates, globalNorm } from './base.js';
export type {
  ScheduleState, TraceState, RssState, RmsOptions, RmsState, StddevState, AdamOptions, AdamState, Mask,
} from './transforms.js';
export {
  scale, scaleBySchedule, scaleByLearningRate, trace, scaleByRss, scaleByRms, scaleByStddev, scaleByAdam,
  addDecayedWeights, addL1Decay, clipByGlobalNorm, clipByValue, l1Penalty, l2Penalty,
} from './transforms.js';
export type { SgdOptions, AdagradOptions, RmspropOptions, AdamwOptions } from './alias.js';
export { sgd, adagrad, rmsprop, adam, adamw } from './alias.js';
export type { Schedule, ScalarOrSchedule, ExponentialDecayOptions, CyclicOptions } from './schedules.js';
export {
  constantSchedule, polynomialSchedule, linearSchedule, piecewiseConstantSchedule, exponentialDecay, stepDecay, cosineDecay,
  joinSchedules, warmupCosineDecay, warmupExponentialDecay, cyclicSchedule, sgdrSchedule,
} from './schedules.js';
