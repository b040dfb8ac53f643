// The shape of a law spec: a case generator per primitive (operands + params), which laws apply, tolerances.
import type fc from 'fast-check';
import type { DType } from '../src/core/dtype.js';
import type { Prim } from '../src/core/primitive.js';
import type { Array } from '../src/core/trace.js';
import type { Tol } from './util.js';

/** A function under test over flat positional arrays, returning a flat list of arrays. */
export type Fn = (...args: Array[]) => Array[];

/**
 * The laws:
 * - jvp: forward mode agrees with central finite differences computed in float64;
 * - vjp: the dot-product test <v, J u> = <Jᵀ v, u> (J u from jvp, or from finite differences where jvp does not apply);
 * - hvp: second order: jvp of grad agrees with finite differences of grad;
 * - vmap: vmap(f)(xs) equals stacking f over the examples, for random inAxes/outAxes;
 * - jit: jit(f) equals f, and makeJaxpr(f) typechecks;
 * - transpose: linearTranspose of a map linear in some operands satisfies the dot-product identity and is linear;
 * - reference: the function equals an independent reference (control flow vs its unrolled JS loop).
 */
export const lawNames = ['jvp', 'vjp', 'hvp', 'vmap', 'jit', 'transpose', 'reference'] as const;
/** The name of a law (jvp, vjp, vmap, jit, transpose, …). */
export type LawName = (typeof lawNames)[number];

/** What a spec's case generator is asked for. */
export interface CaseCtx {
  /** The float dtype of float operands: float64 for derivative laws, either for vmap/jit. */
  readonly dtype: DType;
  /** True for jvp/vjp/hvp/transpose: stay inside smooth domains, keep operands differentiable. */
  readonly derivatives: boolean;
}

/** One instance of a primitive: fixed params and operand types, with an arbitrary of operand values. */
export interface Case {
  /** e.g. `slice[startIndices=[0,1] ...] (f64[3,4])`: shown when a law fails. */
  readonly label: string;
  readonly fn: Fn;
  /** Operand values (all of the same types from draw to draw, so vmap can stack them). */
  readonly args: fc.Arbitrary<Array[]>;
  /** Operands the derivative laws differentiate (floating point, inside a smooth region). */
  readonly diff: readonly number[];
  /** Operands in which `fn` is jointly linear (others held fixed), for the transpose law. */
  readonly linear?: readonly number[];
  /**
   * The forward products of the linear map for the transpose law, where `fn` itself may only be
   * transposed, not evaluated (customLin, whose forward evaluation is an error as in JAX).
   */
  readonly linearForward?: Fn;
  /** An independent computation of `fn` (JS-unrolled control flow), for the reference law. */
  readonly reference?: Fn;
  /** The derivative is zero by definition (stopGradient), whatever finite differences say. */
  readonly zeroDerivative?: boolean;
  /**
   * The function whose staged jaxpr must contain the primitive (default: `fn` on the args), proving that
   * the spec exercises it; customLin, for instance, appears only in a linearized function.
   */
  readonly witness?: (args: Array[]) => { fn: Fn; args: Array[] };
}

/** Tolerances per law (float64 derivative laws, float32/float64 value laws) and the finite-difference step. */
export interface SpecTol {
  readonly eps?: number;
  readonly jvp?: Tol;
  readonly vjp?: Tol;
  readonly hvp?: Tol;
  readonly value32?: Tol;
  readonly value64?: Tol;
}

/** How the laws test one primitive: argument generators, domains, tolerances and which laws apply. */
export interface PrimSpec<P extends Prim> {
  readonly prim: P;
  readonly laws: readonly LawName[];
  readonly cases: (ctx: CaseCtx) => fc.Arbitrary<Case>;
  readonly tol?: SpecTol;
  /** Why some laws do not apply (documentation for the coverage report). */
  readonly notes?: string;
}

/** Default tolerances per dtype (relative and absolute) used by the laws. */
export const defaultTol = {
  eps: 1e-5,
  jvp: { atol: 1e-6, rtol: 1e-5 },
  vjp: { atol: 1e-10, rtol: 1e-9 },
  hvp: { atol: 1e-5, rtol: 1e-4 },
  value32: { atol: 1e-5, rtol: 2e-5 },
  value64: { atol: 1e-11, rtol: 1e-10 },
} as const satisfies Required<SpecTol>;

export const tolOf = (t: SpecTol | undefined): Required<SpecTol> => ({ ...defaultTol, ...(t ?? {}) });
