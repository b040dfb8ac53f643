// The np functions nn and optim are written with, gathered from src/numpy/* (an internal barrel, not public API).
export * from '../numpy/creation.js';
export * from '../numpy/elementwise.js';
export * from '../numpy/reductions.js';
export * from '../numpy/shape.js';
export * from '../numpy/linalg.js';
export { toBool } from '../numpy/elementwise.js';
export { index, at } from '../numpy/indexing.js';
export { asArray, castTo, type ArrayLike } from '../numpy/util.js';

import { isFloat } from '../core/dtype.js';
import type { Array } from '../core/trace.js';
import { scalar } from '../lax/prims.js';
/**
 * A weakly typed scalar `v` in `like`'s float dtype. Used for hyperparameters instead of bare JS numbers,
 * which np turns into float32 weak scalars (0.1 would then reach float64 params rounded to float32).
 */
export const lit = (v: number, like: Array): Array => scalar(v, isFloat(like.dtype) ? like.dtype : 'float32', true);
