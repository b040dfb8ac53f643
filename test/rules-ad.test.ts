// First-order AD rules checked directly on concrete float64 arrays: JVP vs central finite differences (plus
// linearity in the tangents), transpose rules by the dot-product test <ct, L u> = <Lᵀ ct, u>.
import { describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import { type DType, isFloat, typedArrayCtor } from '../src/core/dtype.js';
import type { ConvParams } from '../src/core/primitive.js';
import { type Array, bind } from '../src/core/trace.js';
import * as lax from '../src/lax/prims.js';
import type { FirstOrderPrim } from '../src/rules/impl.js';
import { jvpRulesFirstOrder } from '../src/rules/jvpFirstOrder.js';
import { transposeRulesFirstOrder } from '../src/rules/transposeFirstOrder.js';
import { UndefPrimal } from '../src/rules/types.js';

// ---------------------------------------------------------------------------------------------
// deterministic inputs

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const hash = (s: string): number => [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 7);
let rnd = mulberry32(1);
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Uniform float64 values in [lo, hi). */
const f64 = (shape: number[], lo = -1, hi = 1): Array =>
  fromTyped(Float64Array.from({ length: size(shape) }, () => lo + (hi - lo) * rnd()), shape, 'float64');
/** Values of magnitude in [lo, hi) with random signs (away from 0). */
const signed = (shape: number[], lo: number, hi: number): Array =>
  fromTyped(Float64Array.from({ length: size(shape) }, () => (rnd() < 0.5 ? -1 : 1) * (lo + (hi - lo) * rnd())), shape, 'float64');
const vals = (shape: number[], v: number[], dtype: DType = 'float64'): Array =>
  fromTyped(new typedArrayCtor[dtype](v), shape, dtype);
const i32 = (shape: number[], v: number[]): Array => vals(shape, v, 'int32');
const iscalar = (v: number): Array => i32([], [v]);
const randLike = (x: Array): Array =>
  fromTyped(new typedArrayCtor[x.dtype](Float64Array.from({ length: x.size }, () => 2 * rnd() - 1)), x.shape, x.dtype);
const num = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);

/** x + eps·t elementwise, in x's dtype. */
const axpy = (x: Array, t: Array, eps: number): Array => {
  const xd = x.dataSync(), td = t.dataSync();
  return fromTyped(new typedArrayCtor[x.dtype](Float64Array.from(xd, (v, i) => Number(v) + eps * Number(td[i]))), x.shape, x.dtype);
};
const combine = (a: number, x: Array, b: number, y: Array): Array => {
  const xd = x.dataSync(), yd = y.dataSync();
  return fromTyped(new typedArrayCtor[x.dtype](Float64Array.from(xd, (v, i) => a * Number(v) + b * Number(yd[i]))), x.shape, x.dtype);
};
const dot = (a: Array, b: Array): number => {
  const x = num(a), y = num(b);
  return x.reduce((s, v, i) => s + v * y[i]!, 0);
};

function expectClose(actual: number[], expected: number[], tol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Number.isNaN(e)) return void expect(a, `${what}[${i}]`).toBeNaN();
    const ok = Math.abs(a - e) <= tol * (1 + Math.abs(e));
    if (!ok) expect.fail(`${what}[${i}]: got ${a}, expected ${e} (tol ${tol})\n got ${JSON.stringify(actual)}\n exp ${JSON.stringify(expected)}`);
  });
}

const prim = (p: FirstOrderPrim, args: Array[], params: unknown): Array[] => bind(p, args, params as never);

// ---------------------------------------------------------------------------------------------
// cases

interface Case {
  name: string;
  prim: FirstOrderPrim;
  make: () => { args: Array[]; params?: unknown };
  /** finite-difference step and tolerance */
  eps?: number;
  tol?: number;
  /** sets of operand indices to transpose together (dot-product test); only for linear primitives */
  lin?: number[][];
  /** the tangent must be exactly zero even though finite differences are not (stopGradient) */
  zero?: boolean;
  /** bilinear (mul, dotGeneral, conv): the other operand keeps its value; otherwise linear operands that are
   * not being transposed are set to zero, so that u ↦ L(u) is linear rather than affine */
  bilinear?: boolean;
}

const conv = (p: Partial<ConvParams> & { nsp: number }): ConvParams => ({
  windowStrides: p.windowStrides ?? globalThis.Array(p.nsp).fill(1),
  padding: p.padding ?? globalThis.Array(p.nsp).fill([0, 0]),
  lhsDilation: p.lhsDilation ?? globalThis.Array(p.nsp).fill(1),
  rhsDilation: p.rhsDilation ?? globalThis.Array(p.nsp).fill(1),
  featureGroupCount: p.featureGroupCount ?? 1,
  batchGroupCount: p.batchGroupCount ?? 1,
});

const unaryDomain: [FirstOrderPrim, () => Array][] = [
  ['neg', () => f64([2, 3], -2, 2)],
  ['sign', () => signed([2, 3], 0.2, 2)],
  ['floor', () => vals([5], [-2.7, -0.3, 0.2, 1.6, 3.3])],
  ['ceil', () => vals([5], [-2.7, -0.3, 0.2, 1.6, 3.3])],
  ['round', () => vals([5], [-2.7, -0.3, 0.2, 1.6, 3.3])],
  ['abs', () => signed([2, 3], 0.2, 2)],
  ['exp', () => f64([2, 3], -2, 2)],
  ['exp2', () => f64([2, 3], -2, 2)],
  ['log', () => f64([2, 3], 0.3, 3)],
  ['log1p', () => f64([2, 3], -0.5, 2)],
  ['expm1', () => f64([2, 3], -2, 2)],
  ['sqrt', () => f64([2, 3], 0.3, 3)],
  ['rsqrt', () => f64([2, 3], 0.3, 3)],
  ['cbrt', () => signed([2, 3], 0.3, 3)],
  ['sin', () => f64([2, 3], -3, 3)],
  ['cos', () => f64([2, 3], -3, 3)],
  ['tan', () => f64([2, 3], -1.2, 1.2)],
  ['asin', () => f64([2, 3], -0.9, 0.9)],
  ['acos', () => f64([2, 3], -0.9, 0.9)],
  ['atan', () => f64([2, 3], -3, 3)],
  ['sinh', () => f64([2, 3], -2, 2)],
  ['cosh', () => f64([2, 3], -2, 2)],
  ['tanh', () => f64([2, 3], -2, 2)],
  ['asinh', () => f64([2, 3], -3, 3)],
  ['acosh', () => f64([2, 3], 1.2, 3)],
  ['atanh', () => f64([2, 3], -0.9, 0.9)],
  ['logistic', () => f64([2, 3], -4, 4)],
  ['erf', () => f64([2, 3], -2, 2)],
  ['erfInv', () => f64([2, 3], -0.9, 0.9)],
  ['isFinite', () => vals([4], [1, Infinity, NaN, -2])],
  ['not', () => i32([4], [0, 1, -3, 7])],
];

const cases: Case[] = [
  ...unaryDomain.map(([p, mk]): Case => ({ name: p, prim: p, make: () => ({ args: [mk()] }), lin: p === 'neg' ? [[0]] : undefined })),
  { name: 'abs at 0 (subgradient +1)', prim: 'abs', make: () => ({ args: [vals([3], [0, -1, 2])] }), eps: 0 },

  // binary
  { name: 'add', prim: 'add', make: () => ({ args: [f64([3, 2]), f64([3, 2])] }), lin: [[0], [1], [0, 1]] },
  { name: 'sub', prim: 'sub', make: () => ({ args: [f64([3, 2]), f64([3, 2])] }), lin: [[0], [1], [0, 1]] },
  { name: 'mul', prim: 'mul', make: () => ({ args: [f64([3, 2]), f64([3, 2])] }), lin: [[0], [1]], bilinear: true },
  { name: 'div', prim: 'div', make: () => ({ args: [f64([3, 2]), signed([3, 2], 0.5, 2)] }), lin: [[0]] },
  {
    name: 'rem',
    prim: 'rem',
    make: () => {
      const y = f64([2, 3], 1, 2);
      const q = [-2.6, -1.3, 0.4, 0.7, 2.4, 3.6]; // x / y away from integers
      return { args: [vals([2, 3], num(y).map((v, i) => v * q[i]!)), y] };
    },
  },
  { name: 'pow', prim: 'pow', make: () => ({ args: [f64([2, 3], 0.3, 2), f64([2, 3], -2, 2)] }) },
  { name: 'max', prim: 'max', make: () => ({ args: [f64([2, 3]), f64([2, 3])] }) },
  { name: 'min', prim: 'min', make: () => ({ args: [f64([2, 3]), f64([2, 3])] }) },
  { name: 'atan2', prim: 'atan2', make: () => ({ args: [signed([2, 3], 0.2, 2), signed([2, 3], 0.2, 2)] }) },
  ...(['and', 'or', 'xor'] as const).map((p): Case => ({ name: p, prim: p, make: () => ({ args: [i32([3], [1, 6, 12]), i32([3], [3, 5, 10])] }) })),
  ...(['shiftLeft', 'shiftRightLogical'] as const).map((p): Case => ({ name: p, prim: p, make: () => ({ args: [i32([3], [1, 6, 12]), i32([3], [0, 1, 3])] }) })),
  ...(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).map((p): Case => ({
    name: p,
    prim: p,
    make: () => ({ args: [vals([4], [1, 2, 3, 4]), vals([4], [1, 3, 2, 4])] }),
  })),

  // selection and casts
  {
    name: 'select',
    prim: 'select',
    make: () => ({ args: [vals([2, 3], [1, 0, 0, 1, 1, 0], 'bool'), f64([2, 3]), f64([2, 3])] }),
    lin: [[1], [2], [1, 2]],
  },
  { name: 'convert f64→f32', prim: 'convertElementType', make: () => ({ args: [f64([2, 3])], params: { newDtype: 'float32', weakType: false } }), eps: 1, tol: 1e-6, lin: [[0]] },
  { name: 'convert f32→f64', prim: 'convertElementType', make: () => ({ args: [vals([3], [0.5, -1.25, 2], 'float32')], params: { newDtype: 'float64', weakType: false } }), eps: 1, tol: 1e-6, lin: [[0]] },
  { name: 'convert f64→i32 (zero)', prim: 'convertElementType', make: () => ({ args: [vals([3], [0.5, -1.25, 2.7])], params: { newDtype: 'int32', weakType: false } }) },
  { name: 'convert i32→f64 (zero)', prim: 'convertElementType', make: () => ({ args: [i32([3], [1, -2, 3])], params: { newDtype: 'float64', weakType: false } }) },
  { name: 'bitcastConvertType', prim: 'bitcastConvertType', make: () => ({ args: [vals([3], [0.5, -1.25, 2], 'float32')], params: { newDtype: 'int32' } }) },
  { name: 'stopGradient', prim: 'stopGradient', make: () => ({ args: [f64([3])] }), zero: true },

  // creation and structure
  { name: 'iota', prim: 'iota', make: () => ({ args: [], params: { dtype: 'float64', shape: [2, 3], dimension: 1 } }), zero: true },
  { name: 'broadcastInDim [3]→[2,3]', prim: 'broadcastInDim', make: () => ({ args: [f64([3])], params: { shape: [2, 3], broadcastDimensions: [1] } }), lin: [[0]] },
  { name: 'broadcastInDim [3,1]→[3,4]', prim: 'broadcastInDim', make: () => ({ args: [f64([3, 1])], params: { shape: [3, 4], broadcastDimensions: [0, 1] } }), lin: [[0]] },
  { name: 'broadcastInDim []→[2,2]', prim: 'broadcastInDim', make: () => ({ args: [f64([])], params: { shape: [2, 2], broadcastDimensions: [] } }), lin: [[0]] },
  { name: 'broadcastInDim [1,3]→[2,1,3]', prim: 'broadcastInDim', make: () => ({ args: [f64([1, 3])], params: { shape: [2, 1, 3], broadcastDimensions: [1, 2] } }), lin: [[0]] },
  { name: 'broadcastInDim [1,3]→[4,2,3]', prim: 'broadcastInDim', make: () => ({ args: [f64([1, 3])], params: { shape: [4, 2, 3], broadcastDimensions: [1, 2] } }), lin: [[0]] },
  { name: 'reshape', prim: 'reshape', make: () => ({ args: [f64([2, 6])], params: { newSizes: [3, 4] } }), lin: [[0]] },
  { name: 'transpose', prim: 'transpose', make: () => ({ args: [f64([2, 3, 4])], params: { permutation: [2, 0, 1] } }), lin: [[0]] },
  { name: 'reduceSum axes [0,2]', prim: 'reduceSum', make: () => ({ args: [f64([3, 4, 5])], params: { axes: [0, 2] } }), lin: [[0]] },
  { name: 'reduceSum axes [1]', prim: 'reduceSum', make: () => ({ args: [f64([3, 4])], params: { axes: [1] } }), lin: [[0]] },
  { name: 'reduceMax axes [1]', prim: 'reduceMax', make: () => ({ args: [f64([3, 4])], params: { axes: [1] } }) },
  { name: 'reduceMax axes [0,2]', prim: 'reduceMax', make: () => ({ args: [f64([2, 3, 4])], params: { axes: [0, 2] } }) },
  { name: 'reduceMin axes [0]', prim: 'reduceMin', make: () => ({ args: [f64([3, 4])], params: { axes: [0] } }) },
  { name: 'reduceProd axes [1] (odd)', prim: 'reduceProd', make: () => ({ args: [f64([3, 5], 0.5, 1.5)], params: { axes: [1] } }) },
  { name: 'reduceProd axes [0,2]', prim: 'reduceProd', make: () => ({ args: [f64([3, 2, 3], 0.5, 1.5)], params: { axes: [0, 2] } }) },
  { name: 'reduceProd with one zero', prim: 'reduceProd', make: () => ({ args: [vals([2, 3], [1.5, 0, -2, 0.5, 0.7, 3])], params: { axes: [1] } }) },
  { name: 'reduceProd with two zeros', prim: 'reduceProd', make: () => ({ args: [vals([7], [1.5, 0, -2, 0, 0.7, 3, 1.1])], params: { axes: [0] } }) },
  { name: 'reduceProd empty axis', prim: 'reduceProd', make: () => ({ args: [f64([2, 0])], params: { axes: [1] } }) },
  { name: 'argmax', prim: 'argmax', make: () => ({ args: [f64([3, 4])], params: { axis: 1, indexDtype: 'int32' } }) },
  { name: 'argmin', prim: 'argmin', make: () => ({ args: [f64([3, 4])], params: { axis: 0, indexDtype: 'int32' } }) },
  { name: 'cumsum axis 1', prim: 'cumsum', make: () => ({ args: [f64([3, 4])], params: { axis: 1, reverse: false } }), lin: [[0]] },
  { name: 'cumsum axis 0 reverse', prim: 'cumsum', make: () => ({ args: [f64([3, 4])], params: { axis: 0, reverse: true } }), lin: [[0]] },
  { name: 'slice', prim: 'slice', make: () => ({ args: [f64([7, 6])], params: { startIndices: [2, 1], limitIndices: [5, 4], strides: null } }), lin: [[0]] },
  { name: 'slice strided', prim: 'slice', make: () => ({ args: [f64([7, 6])], params: { startIndices: [1, 0], limitIndices: [6, 5], strides: [2, 3] } }), lin: [[0]] },
  { name: 'slice strided uneven', prim: 'slice', make: () => ({ args: [f64([8, 5])], params: { startIndices: [0, 1], limitIndices: [8, 5], strides: [3, 2] } }), lin: [[0]] },
  { name: 'slice empty', prim: 'slice', make: () => ({ args: [f64([4, 3])], params: { startIndices: [2, 0], limitIndices: [2, 3], strides: [2, 1] } }), lin: [[0]] },
  {
    name: 'pad low/high/interior',
    prim: 'pad',
    make: () => ({ args: [f64([4, 3]), f64([])], params: { paddingConfig: [[1, 2, 0], [0, 1, 2]] } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'pad negative',
    prim: 'pad',
    make: () => ({ args: [f64([5, 3]), f64([])], params: { paddingConfig: [[-2, 1, 1], [-1, -1, 0]] } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'pad crop into interior',
    prim: 'pad',
    make: () => ({ args: [f64([4]), f64([])], params: { paddingConfig: [[-1, -2, 2]] } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'concatenate dim 0',
    prim: 'concatenate',
    make: () => ({ args: [f64([2, 3]), f64([1, 3]), f64([4, 3])], params: { dimension: 0 } }),
    lin: [[0], [1], [2], [0, 2], [0, 1, 2]],
  },
  { name: 'concatenate dim 1', prim: 'concatenate', make: () => ({ args: [f64([2, 3]), f64([2, 2])], params: { dimension: 1 } }), lin: [[0], [1], [0, 1]] },
  { name: 'rev [0,1]', prim: 'rev', make: () => ({ args: [f64([3, 4])], params: { dimensions: [0, 1] } }), lin: [[0]] },
  { name: 'rev [1]', prim: 'rev', make: () => ({ args: [f64([3, 4])], params: { dimensions: [1] } }), lin: [[0]] },
  { name: 'dynamicSlice', prim: 'dynamicSlice', make: () => ({ args: [f64([5, 6]), iscalar(1), iscalar(2)], params: { sliceSizes: [3, 2] } }), lin: [[0]] },
  { name: 'dynamicSlice clamped', prim: 'dynamicSlice', make: () => ({ args: [f64([5, 6]), iscalar(4), iscalar(-1)], params: { sliceSizes: [3, 3] } }), lin: [[0]] },
  { name: 'dynamicUpdateSlice', prim: 'dynamicUpdateSlice', make: () => ({ args: [f64([5, 6]), f64([2, 3]), iscalar(1), iscalar(2)] }), lin: [[0], [1], [0, 1]] },
  { name: 'dynamicUpdateSlice clamped', prim: 'dynamicUpdateSlice', make: () => ({ args: [f64([5, 6]), f64([2, 3]), iscalar(4), iscalar(5)] }), lin: [[0], [1], [0, 1]] },
  { name: 'gather axis 0', prim: 'gather', make: () => ({ args: [f64([5, 3]), i32([4], [0, 2, 2, 4])], params: { axes: [0], outDim: 0 } }), lin: [[0]] },
  { name: 'gather axis 1, outDim 2', prim: 'gather', make: () => ({ args: [f64([2, 5, 4]), i32([3], [1, 0, 4])], params: { axes: [1], outDim: 2 } }), lin: [[0]] },
  {
    name: 'gather axes [0,2], broadcast indices, outDim 1',
    prim: 'gather',
    make: () => ({ args: [f64([4, 3, 5]), i32([2, 1], [3, 0]), i32([1, 3], [4, 1, 1])], params: { axes: [0, 2], outDim: 1 } }),
    lin: [[0]],
  },
  { name: 'gather out of range (clamped)', prim: 'gather', make: () => ({ args: [f64([4, 2]), i32([3], [5, 2, 9])], params: { axes: [0], outDim: 0 } }), lin: [[0]] },
  { name: 'gather all axes, scalar index shape', prim: 'gather', make: () => ({ args: [f64([3, 4]), i32([], [2]), i32([], [1])], params: { axes: [0, 1], outDim: 0 } }), lin: [[0]] },
  {
    name: 'scatterAdd duplicates',
    prim: 'scatterAdd',
    make: () => ({ args: [f64([5, 3]), f64([4, 3]), i32([4], [0, 2, 2, 4])], params: { axes: [0], outDim: 0 } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'scatterAdd axes [0,2] outDim 1',
    prim: 'scatterAdd',
    make: () => ({ args: [f64([4, 3, 5]), f64([3, 2, 3]), i32([2, 1], [3, 3]), i32([1, 3], [4, 1, 4])], params: { axes: [0, 2], outDim: 1 } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'scatter duplicates (last wins)',
    prim: 'scatter',
    make: () => ({ args: [f64([5, 3]), f64([4, 3]), i32([4], [0, 2, 2, 4])], params: { axes: [0], outDim: 0 } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'scatter axis 1, outDim 1, duplicates',
    prim: 'scatter',
    make: () => ({ args: [f64([2, 4]), f64([2, 5]), i32([5], [3, 0, 3, 1, 0])], params: { axes: [1], outDim: 1 } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'scatterAdd out of range (dropped)',
    prim: 'scatterAdd',
    make: () => ({ args: [f64([4, 2]), f64([4, 2]), i32([4], [5, 1, -1, 3])], params: { axes: [0], outDim: 0 } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'scatter out of range (dropped), duplicates',
    prim: 'scatter',
    make: () => ({ args: [f64([3, 4]), f64([3, 5]), i32([5], [4, 1, 7, 1, -2])], params: { axes: [1], outDim: 1 } }),
    lin: [[0], [1], [0, 1]],
  },
  {
    name: 'gather out of range 2 axes (clamped)',
    prim: 'gather',
    make: () => ({ args: [f64([3, 4]), i32([3], [-1, 2, 3]), i32([3], [1, 6, 3])], params: { axes: [0, 1], outDim: 0 } }),
    lin: [[0]],
  },
  {
    name: 'dotGeneral matmul',
    prim: 'dotGeneral',
    make: () => ({ args: [f64([3, 4]), f64([4, 5])], params: { contract: [[1], [0]], batch: [[], []], preferredElementType: null } }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'dotGeneral batched',
    prim: 'dotGeneral',
    make: () => ({ args: [f64([2, 3, 4]), f64([2, 4, 5])], params: { contract: [[2], [1]], batch: [[0], [0]], preferredElementType: null } }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'dotGeneral unsorted contract, batch not leading',
    prim: 'dotGeneral',
    make: () => ({
      args: [f64([4, 2, 3, 5]), f64([5, 3, 6, 2])],
      params: { contract: [[3, 2], [0, 1]], batch: [[1], [3]], preferredElementType: null },
    }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'dotGeneral contract order swapped',
    prim: 'dotGeneral',
    make: () => ({ args: [f64([3, 2, 4]), f64([4, 3, 5])], params: { contract: [[2, 0], [0, 1]], batch: [[], []], preferredElementType: null } }),
    lin: [[0], [1]], bilinear: true,
  },
  { name: 'dotGeneral vector dot', prim: 'dotGeneral', make: () => ({ args: [f64([5]), f64([5])], params: { contract: [[0], [0]], batch: [[], []], preferredElementType: null } }), lin: [[0], [1]], bilinear: true },
  { name: 'dotGeneral outer', prim: 'dotGeneral', make: () => ({ args: [f64([3]), f64([4])], params: { contract: [[], []], batch: [[], []], preferredElementType: null } }), lin: [[0], [1]], bilinear: true },
  {
    name: 'conv 1d',
    prim: 'convGeneralDilated',
    make: () => ({ args: [f64([2, 3, 7]), f64([4, 3, 3])], params: conv({ nsp: 1 }) }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'conv 1d stride 2, padding, rhs dilation',
    prim: 'convGeneralDilated',
    make: () => ({ args: [f64([2, 3, 9]), f64([2, 3, 3])], params: conv({ nsp: 1, windowStrides: [2], padding: [[1, 2]], rhsDilation: [2] }) }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'conv 1d stride not dividing, negative padding',
    prim: 'convGeneralDilated',
    make: () => ({ args: [f64([1, 2, 8]), f64([2, 2, 3])], params: conv({ nsp: 1, windowStrides: [3], padding: [[-1, 1]] }) }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'conv 2d strides, padding, lhs+rhs dilation',
    prim: 'convGeneralDilated',
    make: () => ({
      args: [f64([2, 2, 5, 6]), f64([3, 2, 2, 3])],
      params: conv({ nsp: 2, windowStrides: [2, 1], padding: [[1, 0], [2, 1]], lhsDilation: [1, 2], rhsDilation: [2, 1] }),
    }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'conv 1d feature groups',
    prim: 'convGeneralDilated',
    make: () => ({ args: [f64([2, 4, 6]), f64([6, 2, 3])], params: conv({ nsp: 1, featureGroupCount: 2 }) }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'conv 2d feature groups, strides, lhs dilation',
    prim: 'convGeneralDilated',
    make: () => ({
      args: [f64([1, 6, 4, 5]), f64([6, 2, 2, 2])],
      params: conv({ nsp: 2, featureGroupCount: 3, windowStrides: [1, 2], lhsDilation: [2, 1], padding: [[0, 1], [1, 1]] }),
    }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'conv 1d batch groups',
    prim: 'convGeneralDilated',
    make: () => ({ args: [f64([4, 3, 6]), f64([4, 3, 3])], params: conv({ nsp: 1, batchGroupCount: 2 }) }),
    lin: [[0], [1]], bilinear: true,
  },
  {
    name: 'conv 2d batch groups, stride, padding, rhs dilation',
    prim: 'convGeneralDilated',
    make: () => ({
      args: [f64([6, 2, 5, 5]), f64([3, 2, 2, 2])],
      params: conv({ nsp: 2, batchGroupCount: 3, windowStrides: [2, 1], padding: [[1, 1], [0, 1]], rhsDilation: [1, 2] }),
    }),
    lin: [[0], [1]], bilinear: true,
  },
  { name: 'sort 1 operand', prim: 'sort', make: () => ({ args: [f64([6])], params: { dimension: 0, numKeys: 1, descending: false } }) },
  { name: 'sort axis 1, 2 operands', prim: 'sort', make: () => ({ args: [f64([3, 5]), f64([3, 5])], params: { dimension: 1, numKeys: 1, descending: false } }) },
  { name: 'sort axis 0 descending', prim: 'sort', make: () => ({ args: [f64([4, 3]), f64([4, 3])], params: { dimension: 0, numKeys: 1, descending: true } }) },
  {
    name: 'sort 2 keys with ties in the first',
    prim: 'sort',
    // the tied first key is integer (no tangent), so finite differences cannot reorder the ties
    make: () => ({ args: [i32([6], [2, 1, 2, 1, 3, 2]), f64([6]), f64([6])], params: { dimension: 0, numKeys: 2, descending: false } }),
  },
  { name: 'sort int keys carry floats', prim: 'sort', make: () => ({ args: [i32([5], [3, 1, 4, 0, 2]), f64([5])], params: { dimension: 0, numKeys: 1, descending: false } }) },
];

// ---------------------------------------------------------------------------------------------
// JVP vs finite differences

type Rule = (p: Array[], t: Array[], ps: unknown) => [Array[], Array[]];

function checkJvp(c: Case): void {
  rnd = mulberry32(hash(c.name));
  const { args, params = {} } = c.make();
  const rule = jvpRulesFirstOrder[c.prim] as unknown as Rule;
  const ts = args.map((a) => (isFloat(a.dtype) ? randLike(a) : lax.zerosLike(a)));
  const [po, to] = rule(args, ts, params);
  const ref = prim(c.prim, args, params);
  expect(po.length).toBe(ref.length);
  expect(to.length).toBe(ref.length);
  ref.forEach((r, i) => {
    expect(po[i]!.dtype, 'primal dtype').toBe(r.dtype);
    expect(po[i]!.shape, 'primal shape').toEqual(r.shape);
    expectClose(num(po[i]!), num(r), 0, `${c.name} primal ${i}`);
    expect(to[i]!.dtype, 'tangent dtype').toBe(r.dtype);
    expect(to[i]!.shape, 'tangent shape').toEqual(r.shape);
  });
  const eps = c.eps ?? 1e-5;
  const fdOf = (i: number): number[] => {
    if (eps === 0) return []; // checked by hand below
    const plus = prim(c.prim, args.map((a, k) => (isFloat(a.dtype) ? axpy(a, ts[k]!, eps) : a)), params);
    const minus = prim(c.prim, args.map((a, k) => (isFloat(a.dtype) ? axpy(a, ts[k]!, -eps) : a)), params);
    const p = num(plus[i]!), m = num(minus[i]!);
    return p.map((v, j) => (v - m[j]!) / (2 * eps));
  };
  ref.forEach((r, i) => {
    const t = num(to[i]!);
    if (c.zero || !isFloat(r.dtype)) return expectClose(t, t.map(() => 0), 0, `${c.name} tangent ${i} (zero)`);
    if (eps !== 0) expectClose(t, fdOf(i), c.tol ?? 1e-6, `${c.name} tangent ${i} vs finite differences`);
  });

  // Linearity in the tangents: J(2 t1 - 3 t2) = 2 J t1 - 3 J t2.
  const t2 = args.map((a) => (isFloat(a.dtype) ? randLike(a) : lax.zerosLike(a)));
  const t3 = args.map((a, k) => (isFloat(a.dtype) ? combine(2, ts[k]!, -3, t2[k]!) : lax.zerosLike(a)));
  const [, o2] = rule(args, t2, params);
  const [, o3] = rule(args, t3, params);
  ref.forEach((_, i) => {
    if (!isFloat(ref[i]!.dtype)) return;
    const expected = num(combine(2, to[i]!, -3, o2[i]!));
    expectClose(num(o3[i]!), expected, ref[i]!.dtype === 'float32' || args.some((a) => a.dtype === 'float32') ? 1e-6 : 1e-9, `${c.name} tangent ${i} linearity`);
  });
}

describe('JVP rules vs central finite differences (float64)', () => {
  for (const c of cases) it(`${c.prim}: ${c.name}`, () => checkJvp(c));

  it('covers every first-order primitive', () => {
    const covered = new Set(cases.map((c) => c.prim));
    expect(Object.keys(jvpRulesFirstOrder).filter((p) => !covered.has(p as FirstOrderPrim))).toEqual([]);
  });
});

describe('JVP conventions at non-differentiable or special points', () => {
  const jvp = (p: FirstOrderPrim, args: Array[], ts: Array[], params: unknown = {}) =>
    (jvpRulesFirstOrder[p] as unknown as Rule)(args, ts, params)[1].map(num);

  it('abs: d|x| at 0 is +dx (JAX)', () => {
    expect(jvp('abs', [vals([3], [0, -1, 2])], [vals([3], [1, 1, 1])])[0]).toEqual([1, -1, 1]);
  });
  it('max/min: ties split the tangent 0.5/0.5', () => {
    const x = vals([3], [1, 2, 5]), y = vals([3], [1, 3, 4]);
    const tx = vals([3], [2, 2, 2]), ty = vals([3], [10, 10, 10]);
    expect(jvp('max', [x, y], [tx, ty])[0]).toEqual([6, 10, 2]);
    expect(jvp('min', [x, y], [tx, ty])[0]).toEqual([6, 2, 10]);
  });
  it('reduceMax/Min: tied locations share the tangent', () => {
    const x = vals([2, 3], [3, 1, 3, 0, 0, -1]);
    const t = vals([2, 3], [1, 100, 5, 7, 9, 100]);
    expect(jvp('reduceMax', [x], [t], { axes: [1] })[0]).toEqual([3, 8]);
    expect(jvp('reduceMin', [x], [t], { axes: [1] })[0]).toEqual([100, 100]);
    expect(jvp('reduceMin', [x], [t], { axes: [0, 1] })[0]).toEqual([100]);
  });
  it('pow at x = 0 has finite derivatives', () => {
    const x = vals([4], [0, 0, 0, 0]), y = vals([4], [2, 0, 1, 3]);
    // d/dx = y·x^(y-1): 0, 0 (y = 0: not 0·0^-1 = NaN), 1, 0
    expect(jvp('pow', [x, y], [vals([4], [1, 1, 1, 1]), vals([4], [0, 0, 0, 0])])[0]).toEqual([0, 0, 1, 0]);
    // (at y = 0.5 the derivative is a genuine +inf)
    expect(jvp('pow', [vals([1], [0]), vals([1], [0.5])], [vals([1], [1]), vals([1], [0])])[0]).toEqual([Infinity]);
    // d/dy = log(x)·x^y: 0 at x = 0 (0^y = 0 for y > 0; JAX's convention at y = 0)
    expect(jvp('pow', [x, y], [vals([4], [0, 0, 0, 0]), vals([4], [1, 1, 1, 1])])[0]).toEqual([0, 0, 0, 0]);
  });
  it('reduceProd with zeros matches the product rule exactly', () => {
    const x = vals([4], [2, 0, 3, 0]);
    // only the terms that drop both zeros survive: ∂/∂x1 = 2·3·0 = 0 ... a single zero: see next
    expect(jvp('reduceProd', [x], [vals([4], [1, 1, 1, 1])], { axes: [0] })[0]).toEqual([0]);
    const y = vals([5], [2, 0, 3, 1, 4]);
    // ∂/∂y1 = 2·3·1·4 = 24, the other partials are 0
    expect(jvp('reduceProd', [y], [vals([5], [1, 10, 100, 1000, 10000])], { axes: [0] })[0]).toEqual([240]);
  });
  it('float32 rules stay float32 and agree with the float64 rule', () => {
    const f32 = (x: Array) => fromTyped(Float32Array.from(x.dataSync() as Float64Array), x.shape, 'float32');
    for (const c of cases) {
      if (c.prim === 'sort' || c.zero) continue;
      rnd = mulberry32(hash(c.name));
      const { args, params = {} } = c.make();
      if (!args.some((a) => a.dtype === 'float64') || args.some((a) => a.dtype === 'float32')) continue;
      if (c.prim === 'convertElementType') continue;
      const args32 = args.map((a) => (a.dtype === 'float64' ? f32(a) : a));
      // round the f64 inputs to f32 values so both rules see the same numbers
      const args64 = args32.map((a) => (a.dtype === 'float32' ? fromTyped(Float64Array.from(a.dataSync()), a.shape, 'float64') : a));
      const ts32 = args32.map((a) => (a.dtype === 'float32' ? randLike(a) : lax.zerosLike(a)));
      const ts64 = ts32.map((t) => (t.dtype === 'float32' ? fromTyped(Float64Array.from(t.dataSync()), t.shape, 'float64') : t));
      const rule = jvpRulesFirstOrder[c.prim] as unknown as Rule;
      const [, o32] = rule(args32, ts32, params);
      const [, o64] = rule(args64, ts64, params);
      o32.forEach((o, i) => {
        if (!isFloat(o64[i]!.dtype)) return;
        expect(o.dtype, `${c.name}: tangent dtype`).toBe('float32');
        expectClose(num(o), num(o64[i]!), 2e-4, `${c.name} f32 vs f64`);
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// transpose rules: the dot-product test

type TRule = (ct: (Array | null)[], args: (Array | UndefPrimal)[], ps: unknown) => (Array | null)[];

function checkTranspose(c: Case, set: number[]): void {
  rnd = mulberry32(hash(c.name + set.join(',')));
  const { args, params = {} } = c.make();
  const rule = (transposeRulesFirstOrder as unknown as Record<string, TRule>)[c.prim]!;
  const joint = new Set((c.lin ?? []).flat());
  if (!c.bilinear) args.forEach((a, k) => {
    if (joint.has(k) && !set.includes(k)) args[k] = lax.zerosLike(a);
  });
  const us = args.map((a, k) => (set.includes(k) ? randLike(a) : a));
  const [lu] = prim(c.prim, us, params);
  const ct = randLike(lu!);
  const ins = args.map((a, k) => (set.includes(k) ? new UndefPrimal(a.aval) : a));
  const cts = rule([ct], ins, params);
  expect(cts.length, 'one cotangent per operand').toBe(args.length);
  let rhs = 0;
  cts.forEach((g, k) => {
    if (!set.includes(k)) return expect(g, `cotangent of known operand ${k}`).toBeNull();
    expect(g, `cotangent of operand ${k}`).not.toBeNull();
    expect(g!.dtype, `cotangent ${k} dtype`).toBe(args[k]!.dtype);
    expect(g!.shape, `cotangent ${k} shape`).toEqual(args[k]!.shape);
    rhs += dot(g!, us[k]!);
  });
  const lhs = dot(ct, lu!);
  const tol = c.tol ?? 1e-10;
  if (Math.abs(lhs - rhs) > tol * (1 + Math.abs(lhs))) expect.fail(`<ct, L u> = ${lhs} but <Lᵀ ct, u> = ${rhs}`);
  // A zero output cotangent gives zero (null) cotangents.
  expect(rule([null], ins, params).every((g) => g === null)).toBe(true);
}

describe('transpose rules: <ct, L u> = <Lᵀ ct, u>', () => {
  for (const c of cases)
    for (const set of c.lin ?? []) it(`${c.prim}: ${c.name}, operands [${set}]`, () => checkTranspose(c, set));

  it('covers every linear first-order primitive', () => {
    const covered = new Set(cases.filter((c) => c.lin).map((c) => c.prim));
    expect(Object.keys(transposeRulesFirstOrder).filter((p) => !covered.has(p as FirstOrderPrim))).toEqual([]);
  });

  it('nonlinear uses are rejected with a clear error', () => {
    const x = f64([2]), y = f64([2]);
    const u = new UndefPrimal(x.aval);
    const t = transposeRulesFirstOrder as unknown as Record<string, TRule>;
    expect(() => t.mul!([x], [u, new UndefPrimal(y.aval)], {})).toThrow(/mul transpose/);
    expect(() => t.div!([x], [x, u], {})).toThrow(/denominator/);
  });
});

// ---------------------------------------------------------------------------------------------
// composition: the rules under linearize + transpose (vjp) and under nested jvp

describe('rules compose: vjp (linearize + transpose of the JVP tangents) agrees with the JVP', () => {
  for (const c of cases) {
    it(`${c.prim}: ${c.name}`, async () => {
      const { vjp } = await import('../src/transforms/grad.js');
      rnd = mulberry32(hash(c.name + 'vjp'));
      const { args, params = {} } = c.make();
      const fl = args.map((a, k) => (isFloat(a.dtype) ? k : -1)).filter((k) => k >= 0);
      if (fl.length === 0) return;
      const f = (...xs: Array[]) => {
        const full = args.slice();
        fl.forEach((k, j) => (full[k] = xs[j]!));
        return prim(c.prim, full, params);
      };
      const [outs, pullback] = vjp(f, ...fl.map((k) => args[k]!));
      const outList = outs as Array[];
      const cts = outList.map((o) => (isFloat(o.dtype) ? randLike(o) : lax.zerosLike(o)));
      const inCts = pullback(cts) as Array[];
      const ts = args.map((a) => (isFloat(a.dtype) ? randLike(a) : lax.zerosLike(a)));
      const [, to] = (jvpRulesFirstOrder[c.prim] as unknown as Rule)(args, ts, params);
      const lhs = to.reduce((s, t, i) => s + (isFloat(t.dtype) ? dot(cts[i]!, t) : 0), 0);
      const rhs = fl.reduce((s, k, j) => s + dot(inCts[j]!, ts[k]!), 0);
      const tol = args.some((a) => a.dtype === 'float32') || outList.some((o) => o.dtype === 'float32') ? 1e-5 : 1e-9;
      if (Math.abs(lhs - rhs) > tol * (1 + Math.abs(lhs))) expect.fail(`<ct, J t> = ${lhs} but <vjp(ct), t> = ${rhs}`);
    });
  }
});

describe('rules compose: nested jvp (second derivatives) vs finite differences of the JVP rule', () => {
  for (const c of cases) {
    if (c.eps === 0 || c.eps === 1) continue;
    it(`${c.prim}: ${c.name}`, async () => {
      const { jvp } = await import('../src/transforms/grad.js');
      rnd = mulberry32(hash(c.name + 'hvp'));
      const { args, params = {} } = c.make();
      const fl = args.map((a, k) => (isFloat(a.dtype) ? k : -1)).filter((k) => k >= 0);
      if (fl.length === 0) return;
      const rule = jvpRulesFirstOrder[c.prim] as unknown as Rule;
      const t1 = args.map((a) => (isFloat(a.dtype) ? randLike(a) : lax.zerosLike(a)));
      const t2 = fl.map((k) => randLike(args[k]!));
      // g(x) = J(x) t1, differentiated at x in direction t2 by an outer jvp
      const g = (...xs: Array[]) => {
        const full = args.slice();
        fl.forEach((k, j) => (full[k] = xs[j]!));
        return rule(full, t1, params)[1];
      };
      const [, second] = jvp(g, fl.map((k) => args[k]!), t2) as [Array[], Array[]];
      const eps = 1e-5;
      const at = (s: number) => g(...fl.map((k, j) => axpy(args[k]!, t2[j]!, s * eps)));
      const [plus, minus] = [at(1), at(-1)];
      second.forEach((o, i) => {
        if (!isFloat(o.dtype)) return;
        const fd = num(plus[i]!).map((v, j) => (v - num(minus[i]!)[j]!) / (2 * eps));
        expectClose(num(o), fd, 1e-5, `${c.name} second derivative ${i}`);
      });
    });
  }
});

describe('rules compose: the JVP rules under vmap equal the per-example rules', () => {
  const stack = (a: Array, b: Array): Array => {
    const d = new typedArrayCtor[a.dtype](a.size * 2);
    d.set(a.dataSync() as never, 0);
    d.set(b.dataSync() as never, a.size);
    return fromTyped(d, [2, ...a.shape], a.dtype);
  };
  for (const c of cases) {
    it(`${c.prim}: ${c.name}`, async () => {
      const { vmapFlat } = await import('../src/transforms/vmap.js');
      rnd = mulberry32(hash(c.name + 'vmap'));
      const e0 = c.make(), e1 = c.make();
      const params = e0.params ?? {};
      const fl = e0.args.map((a, k) => (isFloat(a.dtype) ? k : -1)).filter((k) => k >= 0);
      if (fl.length === 0) return;
      const rule = jvpRulesFirstOrder[c.prim] as unknown as Rule;
      const ts0 = e0.args.map((a) => (isFloat(a.dtype) ? randLike(a) : lax.zerosLike(a)));
      const ts1 = e1.args.map((a) => (isFloat(a.dtype) ? randLike(a) : lax.zerosLike(a)));
      const [p0, o0] = rule(e0.args, ts0, params);
      const [p1, o1] = rule(e1.args, ts1, params);
      const batched = [...fl.map((k) => stack(e0.args[k]!, e1.args[k]!)), ...fl.map((k) => stack(ts0[k]!, ts1[k]!))];
      const f = (...xs: Array[]) => {
        const ps = e0.args.slice(), ts = ts0.slice();
        fl.forEach((k, j) => {
          ps[k] = xs[j]!;
          ts[k] = xs[fl.length + j]!;
        });
        const [po, to] = rule(ps, ts, params);
        return [...po, ...to];
      };
      const outs = vmapFlat(f, batched, batched.map(() => 0), () => [...p0, ...o0].map(() => 0), 2);
      [...p0, ...o0].forEach((r0, i) => {
        const r1 = [...p1, ...o1][i]!;
        expectClose(num(outs[i]!), [...num(r0), ...num(r1)], 1e-12, `${c.name} vmapped output ${i}`);
      });
    });
  }
});
