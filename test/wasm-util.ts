// Shared helpers of the wasm kernel tests: deterministic operands and the γ_K rounding-error bound of a K-term sum.
import { ShapedArray } from '../src/core/aval.js';
import type { DType, TypedArray } from '../src/core/dtype.js';
import type { RefVal } from '../src/rules/types.js';
import { prng } from '../laws/util.js';

export type FDType = 'float32' | 'float64';
/** Unit roundoff u of each float dtype. */
export const unit: Record<FDType, number> = { float32: 2 ** -24, float64: 2 ** -53 };
/** γ_K = K·u / (1 − K·u): the relative error bound of a K-term dot product (Higham, §3.1). */
export const gamma = (K: number, u: number) => (K * u) / (1 - K * u);

/** A deterministic operand: integers in [-8, 8] (exact in every dtype) or uniform floats in [-2, 2). */
export function operand(shape: number[], dtype: DType, seed: number, integers: boolean): RefVal {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = prng(seed);
  const buf = dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) buf[i] = integers ? Math.floor(r() * 17) - 8 : (r() - 0.5) * 4;
  return { aval: new ShapedArray(shape, dtype), buffer: buf };
}
/** |v| elementwise (for the error bound's Σ|a||b| term). */
export const absOf = (v: RefVal): RefVal => ({ aval: v.aval, buffer: v.buffer.map(Math.abs) as TypedArray });
