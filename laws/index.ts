// tensorlaw/laws: fast-check arbitraries, the laws every primitive and transformation obeys, the
// per-primitive law specs, and checkGrads (JAX's check_grads) for users' own functions.
/** fast-check arbitraries for shapes, dtypes, arrays and domains, for writing your own laws. */
export * as arbitraries from './arbitraries.js';
export {
  shape,
  broadcastCompatibleShapes,
  permutation,
  axesSubset,
  floatDtype,
  intDtype,
  dtype,
  domains,
  floatValue,
  floatValues,
  floatArray,
  distinctArray,
  intArray,
  boolArray,
  arrayOfShape,
  array,
  directionFor,
  pytree,
  arrayTree,
} from './arbitraries.js';
export type { Domain, ShapeConstraints } from './arbitraries.js';
export {
  checkJvp,
  checkVjp,
  checkHvp,
  checkVmap,
  checkJit,
  checkTranspose,
  checkTreeRoundTrip,
  checkReference,
  checkWitness,
  checkLaw,
  primsIn,
  casesFor,
  applicable,
  lawProperty,
  runLaw,
  runSpec,
  coverage,
  witnessed,
} from './laws.js';
export type { DerivOptions, RunOptions, Drawn } from './laws.js';
export { specs, primCase } from './specs.js';
export { lawNames, defaultTol } from './spec.js';
export type { Case, CaseCtx, Fn, LawName, PrimSpec, SpecTol } from './spec.js';
export { checkGrads, GradientCheckError } from './checkGrads.js';
export type { CheckGradsOptions, GradMode } from './checkGrads.js';
export { LawError, assertClose, assertAllClose, arrayOf, stackAt } from './util.js';
export type { Tol } from './util.js';
