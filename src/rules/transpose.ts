// The transpose rule table, exhaustive over linear primitives: first-order rules plus the higher-order ones.
import type { LinearPrim } from '../core/primitive.js';
import type { TransposeRule } from './types.js';
import { transposeRulesFirstOrder } from './transposeFirstOrder.js';
import { pjitTranspose } from '../transforms/jit.js';
import { condTranspose, scanTranspose } from '../transforms/controlFlow.js';
import { customLinTranspose, checkpointTranspose } from '../transforms/custom.js';

export const transposeRules = {
  ...transposeRulesFirstOrder,
  pjit: (c, a, p) => pjitTranspose(c, a, p),
  cond: (c, a, p) => condTranspose(c, a, p),
  scan: (c, a, p) => scanTranspose(c, a, p),
  checkpoint: (c, a, p) => checkpointTranspose(c, a, p),
  customLin: (c, a, p) => customLinTranspose(c, a, p),
} satisfies { [P in LinearPrim]: TransposeRule<P> };
