// Signatures of the rule kinds; every table is keyed exhaustively by primitive.
import type { ShapedArray } from '../core/aval.js';
import type { TypedArray } from '../core/dtype.js';
import type { Params, Prim } from '../core/primitive.js';
import type { Array } from '../core/trace.js';
import type { DeviceBuffer } from '../core/array.js';

/** Output avals from input avals; throws a clear error (op, shapes, dtypes, what is valid) on bad input. */
export type AbstractEvalRule<P extends Prim> = (avals: ShapedArray[], params: Params<P>) => ShapedArray[];

/** What the reference implementation reads from a concrete operand. */
export interface RefVal {
  readonly aval: ShapedArray;
  readonly buffer: TypedArray;
}
/**
 * Implementation of a primitive on a target; output avals are precomputed by abstract eval. Host targets (ref,
 * wasm) return typed arrays; device targets (webgpu) return device storage.
 */
export type ImplRule<P extends Prim> = (args: RefVal[], params: Params<P>, outAvals: ShapedArray[]) => (TypedArray | DeviceBuffer)[];

/**
 * Forward-mode rule: given primals and tangents (tangents are instantiated; integer/bool operands get
 * zero tangents of their own dtype), returns primal outputs and tangent outputs. Written with lax ops so
 * it composes with every other transformation.
 */
export type JvpRule<P extends Prim> = (primals: Array[], tangents: Array[], params: Params<P>) => [Array[], Array[]];

/** Marks an operand of a linear primitive that is the unknown being transposed (JAX's UndefinedPrimal). */
export class UndefPrimal {
  constructor(readonly aval: ShapedArray) {}
}
/**
 * Transpose rule of a linear primitive: cotangents of the outputs (null = zero) and the operands (linear
 * ones as UndefPrimal) give cotangents for the operands (null where zero or not linear).
 */
export type TransposeRule<P extends Prim> = (
  cts: (Array | null)[],
  args: (Array | UndefPrimal)[],
  params: Params<P>,
) => (Array | null)[];

/**
 * Batching rule: operands with their batch dimension (null = not batched) and the batch size give
 * outputs and their batch dimensions.
 */
export type VmapRule<P extends Prim> = (
  args: Array[],
  dims: (number | null)[],
  params: Params<P>,
  axisSize: number,
) => [Array[], (number | null)[]];
