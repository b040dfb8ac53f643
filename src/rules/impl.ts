// Reference implementation of every first-order primitive over typed arrays: the executable spec (kernels in src/targets/ref).
import { type Prim, type UnaryPrim, type BinaryPrim, type ComparePrim, unaryPrims, binaryPrims, comparePrims } from '../core/primitive.js';
import type { ImplRule } from './types.js';
import { binaryImpl, bitcastImpl, compareImpl, convertImpl, copyImpl, selectImpl, unaryImpl } from '../targets/ref/elementwise.js';
import {
  argImpl,
  broadcastInDimImpl,
  concatenateImpl,
  cumsumImpl,
  dynamicSliceImpl,
  dynamicUpdateSliceImpl,
  gatherImpl,
  iotaImpl,
  padImpl,
  reduceImpl,
  reshapeImpl,
  revImpl,
  scatterImpl,
  sliceImpl,
  sortImpl,
  transposeImpl,
} from '../targets/ref/structural.js';
import { convImpl, dotGeneralImpl } from '../targets/ref/linalg.js';

export const higherOrderPrims = ['pjit', 'customJvpCall', 'customVjpCall', 'customLin', 'cond', 'while', 'scan', 'checkpoint'] as const;
export type HigherOrderPrim = (typeof higherOrderPrims)[number];
export type FirstOrderPrim = Exclude<Prim, HigherOrderPrim>;
const hoSet = new Set<string>(higherOrderPrims);
export const isHigherOrder = (p: Prim): p is HigherOrderPrim => hoSet.has(p);

const table = <K extends string, R>(keys: readonly K[], f: (k: K) => R) => Object.fromEntries(keys.map((k) => [k, f(k)])) as { [P in K]: R };

/**
 * Semantics are JAX lax's (see src/core/primitive.ts). Conventions of this target: float32 is computed in float64 and
 * rounded once on store; int32/uint32 wrap; integer x/0 = x rem 0 = 0; reductions, cumsum, dotGeneral and conv
 * accumulate float32 in float64. Every rule returns fresh buffers and never writes its inputs.
 */
const rules = {
  ...table<UnaryPrim, ImplRule<UnaryPrim>>(unaryPrims, unaryImpl),
  ...table<BinaryPrim, ImplRule<BinaryPrim>>(binaryPrims, binaryImpl),
  ...table<ComparePrim, ImplRule<ComparePrim>>(comparePrims, compareImpl),
  select: selectImpl,
  convertElementType: convertImpl,
  bitcastConvertType: bitcastImpl,
  stopGradient: copyImpl,
  iota: iotaImpl,
  broadcastInDim: broadcastInDimImpl,
  reshape: reshapeImpl,
  transpose: transposeImpl,
  reduceSum: reduceImpl('reduceSum'),
  reduceMax: reduceImpl('reduceMax'),
  reduceMin: reduceImpl('reduceMin'),
  reduceProd: reduceImpl('reduceProd'),
  argmax: argImpl('max'),
  argmin: argImpl('min'),
  cumsum: cumsumImpl,
  slice: sliceImpl,
  pad: padImpl,
  concatenate: concatenateImpl,
  rev: revImpl,
  dynamicSlice: dynamicSliceImpl,
  dynamicUpdateSlice: dynamicUpdateSliceImpl,
  gather: gatherImpl,
  scatterAdd: scatterImpl('add'),
  scatter: scatterImpl('set'),
  dotGeneral: dotGeneralImpl,
  convGeneralDilated: convImpl,
  sort: sortImpl,
} satisfies { [P in FirstOrderPrim]: ImplRule<P> };

export const implRules: { [P in FirstOrderPrim]: ImplRule<P> } = rules;
