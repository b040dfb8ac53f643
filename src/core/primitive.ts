// The closed set of primitives and their typed params: the only list. Rule tables are exhaustive over it.
import type { DType } from './dtype.js';
import type { Jaxpr } from '../ir/jaxpr.js';
import type { ShapedArray } from './aval.js';

type NoParams = Record<string, never>;

/** Elementwise unary primitives: one operand, same shape out (dtype out = in, except isFinite → bool). */
export const unaryPrims = [
  'neg', 'sign', 'floor', 'ceil', 'round', 'abs', 'not', 'isFinite',
  'exp', 'exp2', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'cbrt',
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh',
  'logistic', 'erf', 'erfInv',
] as const;
export type UnaryPrim = (typeof unaryPrims)[number];

/** Elementwise binary primitives: two operands of equal shape and dtype (broadcasting happens in np). */
export const binaryPrims = [
  'add', 'sub', 'mul', 'div', 'rem', 'pow', 'max', 'min', 'atan2',
  'and', 'or', 'xor', 'shiftLeft', 'shiftRightLogical',
] as const;
export type BinaryPrim = (typeof binaryPrims)[number];

/** Comparisons: two operands of equal shape and dtype, bool out. */
export const comparePrims = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type ComparePrim = (typeof comparePrims)[number];

export const reducePrims = ['reduceSum', 'reduceMax', 'reduceMin', 'reduceProd'] as const;
export type ReducePrim = (typeof reducePrims)[number];

/**
 * gather/scatter follow numpy advanced indexing along `axes`: the index operands (int32) broadcast to a
 * common index shape I; the result is the operand's shape with `axes` removed and I inserted at `outDim`.
 * gather CLAMPS out-of-range indices (JAX's default for reads); scatter and scatterAdd DROP out-of-range
 * updates (JAX's default for writes); the transpose rules rely on both. Negative indices are not wrapped
 * here (np wraps them before binding).
 */
export interface GatherParams {
  readonly axes: readonly number[];
  readonly outDim: number;
}

/** Dimension numbers of dot_general: ((lhsContract, rhsContract), (lhsBatch, rhsBatch)). */
export interface DotGeneralParams {
  readonly contract: readonly [readonly number[], readonly number[]];
  readonly batch: readonly [readonly number[], readonly number[]];
  readonly preferredElementType: DType | null;
}

/**
 * conv_general_dilated with layouts fixed to lhs N C spatial..., rhs O I spatial..., out N C spatial...
 * (numpy users' NHWC is handled by transposes in the wrapper).
 */
export interface ConvParams {
  readonly windowStrides: readonly number[];
  readonly padding: readonly (readonly [number, number])[];
  readonly lhsDilation: readonly number[];
  readonly rhsDilation: readonly number[];
  readonly featureGroupCount: number;
  readonly batchGroupCount: number;
}

export interface PrimParams {
  // elementwise
  neg: NoParams; sign: NoParams; floor: NoParams; ceil: NoParams; round: NoParams; abs: NoParams;
  not: NoParams; isFinite: NoParams;
  exp: NoParams; exp2: NoParams; log: NoParams; log1p: NoParams; expm1: NoParams; sqrt: NoParams;
  rsqrt: NoParams; cbrt: NoParams;
  sin: NoParams; cos: NoParams; tan: NoParams; asin: NoParams; acos: NoParams; atan: NoParams;
  sinh: NoParams; cosh: NoParams; tanh: NoParams; asinh: NoParams; acosh: NoParams; atanh: NoParams;
  logistic: NoParams; erf: NoParams; erfInv: NoParams;
  add: NoParams; sub: NoParams; mul: NoParams; div: NoParams; rem: NoParams; pow: NoParams;
  max: NoParams; min: NoParams; atan2: NoParams;
  and: NoParams; or: NoParams; xor: NoParams; shiftLeft: NoParams; shiftRightLogical: NoParams;
  eq: NoParams; ne: NoParams; lt: NoParams; le: NoParams; gt: NoParams; ge: NoParams;
  /** select(pred: bool, onTrue, onFalse), all the same shape. */
  select: NoParams;
  convertElementType: { readonly newDtype: DType; readonly weakType: boolean };
  /** Reinterpret the bits of a 32-bit dtype as another 32-bit dtype (float32 <-> int32/uint32). */
  bitcastConvertType: { readonly newDtype: DType };
  /** Identity whose derivative is zero. */
  stopGradient: NoParams;

  // creation and structure
  iota: { readonly dtype: DType; readonly shape: readonly number[]; readonly dimension: number };
  broadcastInDim: { readonly shape: readonly number[]; readonly broadcastDimensions: readonly number[] };
  reshape: { readonly newSizes: readonly number[] };
  transpose: { readonly permutation: readonly number[] };
  reduceSum: { readonly axes: readonly number[] };
  reduceMax: { readonly axes: readonly number[] };
  reduceMin: { readonly axes: readonly number[] };
  reduceProd: { readonly axes: readonly number[] };
  argmax: { readonly axis: number; readonly indexDtype: DType };
  argmin: { readonly axis: number; readonly indexDtype: DType };
  cumsum: { readonly axis: number; readonly reverse: boolean };
  slice: { readonly startIndices: readonly number[]; readonly limitIndices: readonly number[]; readonly strides: readonly number[] | null };
  /** pad(operand, paddingValue (scalar)); config per axis is [low, high, interior]; negative low/high crop. */
  pad: { readonly paddingConfig: readonly (readonly [number, number, number])[] };
  concatenate: { readonly dimension: number };
  rev: { readonly dimensions: readonly number[] };
  /** dynamicSlice(operand, ...startIndices (int32 scalars)); starts are clamped so the slice fits. */
  dynamicSlice: { readonly sliceSizes: readonly number[] };
  /** dynamicUpdateSlice(operand, update, ...startIndices (int32 scalars)); starts are clamped. */
  dynamicUpdateSlice: NoParams;
  /** gather(operand, ...indices). */
  gather: GatherParams;
  /** scatterAdd(operand, updates, ...indices): operand + updates summed into the gathered positions. */
  scatterAdd: GatherParams;
  /** scatter(operand, updates, ...indices): operand with the gathered positions replaced (last write wins). */
  scatter: GatherParams;
  dotGeneral: DotGeneralParams;
  convGeneralDilated: ConvParams;
  /**
   * sort(...operands) along `dimension`, lexicographically by the first `numKeys` operands; stable when
   * ascending. `descending` is exactly the reverse of the ascending result, so equal keys come out in
   * reverse order (np.sort/argsort and lax.topK sort ascending on reversed input to stay stable).
   */
  sort: { readonly dimension: number; readonly numKeys: number; readonly descending: boolean };

  // higher-order: params carry jaxprs
  /** A jitted call: runs `jaxpr` on its operands (consts first). */
  pjit: { readonly jaxpr: Jaxpr; readonly name: string };
  /** A call whose jvp is given by the user (see customJvp). */
  customJvpCall: { readonly fun: Jaxpr; readonly jvp: CustomJvpRule; readonly name: string };
  /** A call whose vjp is given by the user (see customVjp). */
  customVjpCall: { readonly fun: Jaxpr; readonly fwd: CustomFwd; readonly bwd: CustomBwd; readonly name: string };
  /** The linear half of a customVjpCall under differentiation: ...residuals, ...tangents -> tangents out; transposed by `bwd`. */
  customLin: { readonly bwd: CustomBwd; readonly numRes: number; readonly outAvals: readonly ShapedArray[]; readonly name: string };
  /** cond(index (int32 scalar), ...operands): runs branches[clamp(index)]. */
  cond: { readonly branches: readonly Jaxpr[] };
  /** whileLoop(...condConsts, ...bodyConsts, ...init). */
  while: { readonly cond: Jaxpr; readonly body: Jaxpr; readonly condNConsts: number; readonly bodyNConsts: number };
  /** scan(...consts, ...initCarry, ...xs) -> (...finalCarry, ...ys). */
  scan: {
    readonly jaxpr: Jaxpr;
    readonly numConsts: number;
    readonly numCarry: number;
    readonly length: number;
    readonly reverse: boolean;
  };
  /** checkpoint (rematerialisation): its residuals are recomputed on the backward pass instead of stored. */
  checkpoint: { readonly jaxpr: Jaxpr; readonly name: string };
}

/** Opaque user rules carried by custom-derivative primitives (typed where they are built). */
export type CustomJvpRule = (primals: readonly unknown[], tangents: readonly unknown[]) => [unknown[], unknown[]];
export type CustomFwd = (...primals: unknown[]) => [unknown[], unknown[]];
export type CustomBwd = (residuals: readonly unknown[], cts: readonly unknown[]) => unknown[];

/** The name of a primitive: the closed set every transform has a rule for (see docs/architecture.md). */
export type Prim = keyof PrimParams;
export type Params<P extends Prim> = PrimParams[P];

/** Every primitive name (checked exhaustive against PrimParams at compile time). */
export const prims = Object.keys({
  neg: 0, sign: 0, floor: 0, ceil: 0, round: 0, abs: 0, not: 0, isFinite: 0,
  exp: 0, exp2: 0, log: 0, log1p: 0, expm1: 0, sqrt: 0, rsqrt: 0, cbrt: 0,
  sin: 0, cos: 0, tan: 0, asin: 0, acos: 0, atan: 0, sinh: 0, cosh: 0, tanh: 0, asinh: 0, acosh: 0, atanh: 0,
  logistic: 0, erf: 0, erfInv: 0,
  add: 0, sub: 0, mul: 0, div: 0, rem: 0, pow: 0, max: 0, min: 0, atan2: 0,
  and: 0, or: 0, xor: 0, shiftLeft: 0, shiftRightLogical: 0,
  eq: 0, ne: 0, lt: 0, le: 0, gt: 0, ge: 0,
  select: 0, convertElementType: 0, bitcastConvertType: 0, stopGradient: 0,
  iota: 0, broadcastInDim: 0, reshape: 0, transpose: 0,
  reduceSum: 0, reduceMax: 0, reduceMin: 0, reduceProd: 0, argmax: 0, argmin: 0, cumsum: 0,
  slice: 0, pad: 0, concatenate: 0, rev: 0, dynamicSlice: 0, dynamicUpdateSlice: 0,
  gather: 0, scatterAdd: 0, scatter: 0, dotGeneral: 0, convGeneralDilated: 0, sort: 0,
  pjit: 0, customJvpCall: 0, customVjpCall: 0, customLin: 0, cond: 0, while: 0, scan: 0, checkpoint: 0,
} satisfies { [P in Prim]: 0 }) as Prim[];

/** Primitives that are linear in (some of) their operands and so have a transpose rule. */
export const linearPrims = [
  'neg', 'add', 'sub', 'mul', 'div', 'select', 'convertElementType',
  'broadcastInDim', 'reshape', 'transpose', 'reduceSum', 'cumsum', 'slice', 'pad', 'concatenate', 'rev',
  'dynamicSlice', 'dynamicUpdateSlice', 'gather', 'scatterAdd', 'scatter', 'dotGeneral', 'convGeneralDilated',
  'pjit', 'cond', 'scan', 'checkpoint', 'customLin',
] as const satisfies readonly Prim[];
export type LinearPrim = (typeof linearPrims)[number];
