// The batching rule table, exhaustive over primitives: first-order rules plus the higher-order ones.
import type { Prim } from '../core/primitive.js';
import type { VmapRule } from './types.js';
import { vmapRulesFirstOrder } from './vmapFirstOrder.js';
import { pjitVmap } from '../transforms/jit.js';
import { condVmap, whileVmap, scanVmap } from '../transforms/controlFlow.js';
import { customJvpVmap, customVjpVmap, customLinVmap, checkpointVmap } from '../transforms/custom.js';

export const vmapRules = {
  ...vmapRulesFirstOrder,
  pjit: (a, d, p, n) => pjitVmap(a, d, p, n),
  customJvpCall: (a, d, p, n) => customJvpVmap(a, d, p, n),
  customVjpCall: (a, d, p, n) => customVjpVmap(a, d, p, n),
  customLin: (a, d, p, n) => customLinVmap(a, d, p, n),
  cond: (a, d, p, n) => condVmap(a, d, p, n),
  while: (a, d, p, n) => whileVmap(a, d, p, n),
  scan: (a, d, p, n) => scanVmap(a, d, p, n),
  checkpoint: (a, d, p, n) => checkpointVmap(a, d, p, n),
} satisfies { [P in Prim]: VmapRule<P> };
