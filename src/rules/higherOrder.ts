// Evaluation of higher-order primitives on the eval trace (their bodies run by binding each equation),
// and registration of their partial-evaluation rules.
import type { Array } from '../core/trace.js';
import { registerHigherOrderEval } from '../core/array.js';
import type { Params, Prim } from '../core/primitive.js';
import type { HigherOrderPrim } from './impl.js';
import { pjitEval, pjitPartialEval } from '../transforms/jit.js';
import { condEval, whileEval, scanEval, condPartialEval, scanPartialEval, whilePartialEval } from '../transforms/controlFlow.js';
import {
  customJvpEval, customVjpEval, customLinEval, checkpointEval,
  customJvpPartialEval, customVjpPartialEval, checkpointPartialEval,
} from '../transforms/custom.js';
import type { PETrace, PETracer } from '../transforms/partialEval.js';

type EvalRule<P extends HigherOrderPrim> = (args: Array[], params: Params<P>) => Array[];

export const evalHigherOrderRules = {
  pjit: (a, p) => pjitEval(a, p),
  customJvpCall: (a, p) => customJvpEval(a, p),
  customVjpCall: (a, p) => customVjpEval(a, p),
  customLin: (a, p) => customLinEval(a, p),
  cond: (a, p) => condEval(a, p),
  while: (a, p) => whileEval(a, p),
  scan: (a, p) => scanEval(a, p),
  checkpoint: (a, p) => checkpointEval(a, p),
} satisfies { [P in HigherOrderPrim]: EvalRule<P> };

type PERule = (trace: PETrace, tracers: PETracer[], params: any) => Array[];

/** Partial-evaluation rules of higher-order primitives; the others are staged whole when any input is unknown. */
export const partialEvalRules: Partial<Record<Prim, PERule>> = {
  pjit: (t, x, p) => pjitPartialEval(t, x, p),
  cond: (t, x, p) => condPartialEval(t, x, p),
  scan: (t, x, p) => scanPartialEval(t, x, p),
  while: (t, x, p) => whilePartialEval(t, x, p),
  customJvpCall: (t, x, p) => customJvpPartialEval(t, x, p),
  customVjpCall: (t, x, p) => customVjpPartialEval(t, x, p),
  checkpoint: (t, x, p) => checkpointPartialEval(t, x, p),
};

registerHigherOrderEval(evalHigherOrderRules as never);
