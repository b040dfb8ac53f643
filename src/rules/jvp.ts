// The JVP rule table, exhaustive over primitives: first-order rules plus the higher-order ones.
import type { Prim } from '../core/primitive.js';
import type { JvpRule } from './types.js';
import { jvpRulesFirstOrder } from './jvpFirstOrder.js';
import { pjitJvp } from '../transforms/jit.js';
import { condJvp, whileJvp, scanJvp } from '../transforms/controlFlow.js';
import { customJvpJvp, customVjpJvp, customLinJvp, checkpointJvp } from '../transforms/custom.js';

export const jvpRules = {
  ...jvpRulesFirstOrder,
  pjit: (p, t, ps) => pjitJvp(p, t, ps),
  customJvpCall: (p, t, ps) => customJvpJvp(p, t, ps),
  customVjpCall: (p, t, ps) => customVjpJvp(p, t, ps),
  customLin: (p, t, ps) => customLinJvp(p, t, ps),
  cond: (p, t, ps) => condJvp(p, t, ps),
  while: (p, t, ps) => whileJvp(p, t, ps),
  scan: (p, t, ps) => scanJvp(p, t, ps),
  checkpoint: (p, t, ps) => checkpointJvp(p, t, ps),
} satisfies { [P in Prim]: JvpRule<P> };
