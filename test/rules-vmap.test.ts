// First-order batching rules: rule(stacked operands) must equal the primitive applied per example, stacked.
import { describe, expect, it } from 'vitest';
import { ConcreteArray, fromTyped } from '../src/core/array.js';
import { shapeSize } from '../src/core/aval.js';
import { type DType, typedArrayCtor } from '../src/core/dtype.js';
import { type Params, type Prim, binaryPrims, comparePrims, unaryPrims } from '../src/core/primitive.js';
import { type Array as Arr, bind } from '../src/core/trace.js';
import * as lax from '../src/lax/prims.js';
import type { FirstOrderPrim } from '../src/rules/impl.js';
import { vmapRulesFirstOrder } from '../src/rules/vmapFirstOrder.js';
import type { VmapRule } from '../src/rules/types.js';

type BDim = number | null;

// ---------------------------------------------------------------------------------------------
// Independent helpers: seeded random data, and stacking/unstacking along an axis in plain JS.

let seed = 1;
function rand(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Random array: floats uniform in [lo, hi), ints uniform in [lo, hi] (inclusive), bools fair. */
function randArray(shape: readonly number[], dtype: DType, lo = -2, hi = 2): ConcreteArray {
  const n = shapeSize(shape);
  const d = new typedArrayCtor[dtype](n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32' || dtype === 'float64') d[i] = lo + (hi - lo) * rand();
    else if (dtype === 'bool') d[i] = rand() < 0.5 ? 1 : 0;
    else d[i] = lo + Math.floor((hi - lo + 1) * rand());
  }
  return fromTyped(d, shape, dtype);
}

const intScalar = (lo: number, hi: number): ConcreteArray => randArray([], 'int32', lo, hi);

function asConcrete(x: Arr): ConcreteArray {
  if (!(x instanceof ConcreteArray)) throw new Error(`expected a concrete array, got ${String(x)}`);
  return x;
}

/** Stacks equally shaped arrays along a new axis `axis`. */
function stack(xs: readonly ConcreteArray[], axis: number): ConcreteArray {
  const x0 = xs[0]!;
  const shape = x0.shape.slice();
  shape.splice(axis, 0, xs.length);
  const outer = shapeSize(x0.shape.slice(0, axis));
  const inner = shapeSize(x0.shape.slice(axis));
  const out = new typedArrayCtor[x0.dtype](shapeSize(shape));
  xs.forEach((x, b) => {
    const src = x.buffer;
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) out[(o * xs.length + b) * inner + i] = src[o * inner + i]!;
  });
  return fromTyped(out, shape, x0.dtype, x0.weakType);
}

/** Splits an array along `axis` into its slices (the axis removed). */
function unstack(x: ConcreteArray, axis: number): ConcreteArray[] {
  const B = x.shape[axis]!;
  const shape = x.shape.filter((_, i) => i !== axis);
  const outer = shapeSize(x.shape.slice(0, axis));
  const inner = shapeSize(x.shape.slice(axis + 1));
  const src = x.buffer;
  return Array.from({ length: B }, (_, b) => {
    const out = new typedArrayCtor[x.dtype](outer * inner);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) out[o * inner + i] = src[(o * B + b) * inner + i]!;
    return fromTyped(out, shape, x.dtype);
  });
}

function expectClose(actual: ConcreteArray, expected: ConcreteArray, tol: number, what: string): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  expect(actual.dtype, `${what}: dtype`).toBe(expected.dtype);
  const a = actual.buffer, e = expected.buffer;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y)) {
      expect(Number.isNaN(x), `${what}: element ${i} should be NaN, got ${x}`).toBe(true);
      continue;
    }
    if (Math.abs(x - y) > tol * (1 + Math.abs(y))) expect.fail(`${what}: element ${i} is ${x}, expected ${y} (tolerance ${tol})`);
  }
}

/** Every assignment of batch dims (null, 0, middle, last) to operands of the given per-example ranks, not all null. */
function dimCombos(ranks: readonly number[], nullable: readonly boolean[] = ranks.map(() => ranks.length > 1)): BDim[][] {
  const choices = ranks.map((r, i) => {
    const c = [...new Set([0, Math.floor(r / 2), r])] as BDim[];
    return nullable[i] ? [null, ...c] : c;
  });
  let out: BDim[][] = [[]];
  for (const c of choices) out = out.flatMap((prefix) => c.map((d) => [...prefix, d]));
  return out.filter((ds) => ds.some((d) => d !== null));
}

/**
 * Applies the rule of `prim` to operands stacked per `dims` (unbatched operands shared by all examples)
 * and checks every output slice against the primitive applied to that example alone.
 */
function checkVmap<P extends FirstOrderPrim>(
  prim: P,
  params: Params<P>,
  gen: () => ConcreteArray[],
  dims: readonly BDim[],
  { size = 3, tol = 1e-5 }: { size?: number; tol?: number } = {},
): void {
  const shared = gen();
  const examples = Array.from({ length: size }, () => gen().map((a, i) => (dims[i] === null ? shared[i]! : a)));
  const stacked = shared.map((a, i) => {
    const d = dims[i] ?? null;
    return d === null ? a : stack(examples.map((e) => e[i]!), d);
  });
  const rule = vmapRulesFirstOrder[prim] as VmapRule<P>;
  const [outs, odims] = rule(stacked, dims.slice(), params, size);
  const expected = examples.map((e) => bind(prim as Prim, e, params as never).map(asConcrete));
  expect(outs.length).toBe(expected[0]!.length);
  expect(odims.length).toBe(outs.length);
  outs.forEach((o, j) => {
    const d = odims[j] ?? null;
    const c = asConcrete(o);
    const slices = d === null ? expected.map(() => c) : unstack(c, d);
    expect(slices.length).toBe(size);
    slices.forEach((s, b) => expectClose(s, expected[b]![j]!, tol, `${prim} dims ${JSON.stringify(dims)} output ${j} example ${b}`));
  });
}

/** checkVmap over every combination of batch dims for operands of the generated ranks. */
function checkAllDims<P extends FirstOrderPrim>(
  prim: P,
  params: Params<P>,
  gen: () => ConcreteArray[],
  opts: { nullable?: boolean[]; size?: number; tol?: number } = {},
): void {
  const ranks = gen().map((a) => a.ndim);
  for (const dims of dimCombos(ranks, opts.nullable)) checkVmap(prim, params, gen, dims, opts);
}

// ---------------------------------------------------------------------------------------------

/** Operand domains where each unary op is defined (floats unless noted). */
const unaryDomain: Partial<Record<string, [number, number, DType?]>> = {
  log: [0.1, 3], sqrt: [0.1, 3], rsqrt: [0.1, 3], log1p: [-0.5, 3], acosh: [1.1, 3],
  asin: [-0.9, 0.9], acos: [-0.9, 0.9], atanh: [-0.9, 0.9], erfInv: [-0.9, 0.9],
  not: [0, 1, 'bool'],
};

describe('vmap rules: elementwise', () => {
  for (const p of unaryPrims) {
    it(`${p}`, () => {
      const [lo, hi, dt] = unaryDomain[p] ?? [-2, 2];
      checkAllDims(p, {}, () => [randArray([2, 3], dt ?? 'float32', lo, hi)]);
      checkAllDims(p, {}, () => [randArray([], dt ?? 'float32', lo, hi)]);
    });
  }

  const binaryDomain: Partial<Record<string, [number, number, DType]>> = {
    div: [0.5, 2, 'float32'], rem: [0.5, 3, 'float32'], pow: [0.5, 2, 'float32'],
    and: [-8, 8, 'int32'], or: [-8, 8, 'int32'], xor: [-8, 8, 'int32'],
    shiftLeft: [0, 5, 'int32'], shiftRightLogical: [0, 5, 'int32'],
  };
  for (const p of [...binaryPrims, ...comparePrims]) {
    it(`${p}`, () => {
      const [lo, hi, dt] = binaryDomain[p] ?? [-2, 2, 'float32'];
      checkAllDims(p, {}, () => [randArray([2, 3], dt, lo, hi), randArray([2, 3], dt, lo, hi)]);
      checkAllDims(p, {}, () => [randArray([4], dt, lo, hi), randArray([4], dt, lo, hi)]);
    });
  }

  it('comparisons with ties', () => {
    checkAllDims('le', {}, () => [randArray([2, 3], 'int32', 0, 2), randArray([2, 3], 'int32', 0, 2)]);
  });

  it('select', () => {
    checkAllDims('select', {}, () => [randArray([2, 3], 'bool'), randArray([2, 3], 'float32'), randArray([2, 3], 'float32')]);
    checkAllDims('select', {}, () => [randArray([], 'bool'), randArray([], 'float32'), randArray([], 'float32')]);
  });

  it('convertElementType, bitcastConvertType, stopGradient', () => {
    checkAllDims('convertElementType', { newDtype: 'int32', weakType: false }, () => [randArray([2, 3], 'float32', -5, 5)]);
    checkAllDims('convertElementType', { newDtype: 'float32', weakType: true }, () => [randArray([3], 'bool')]);
    checkAllDims('bitcastConvertType', { newDtype: 'int32' }, () => [randArray([2, 3], 'float32')]);
    checkAllDims('stopGradient', {}, () => [randArray([2, 3], 'float32')]);
  });

  it('keeps the batch axis in place when the batched operands agree, and broadcasts unbatched ones there', () => {
    const x = stack([randArray([2, 3], 'float32'), randArray([2, 3], 'float32')], 2);
    const y = randArray([2, 3], 'float32');
    const [, d] = vmapRulesFirstOrder.add([x, y], [2, null], {}, 2);
    expect(d).toEqual([2]);
  });

  it('an all-unbatched call applies the primitive unbatched', () => {
    const x = randArray([2], 'float32'), y = randArray([2], 'float32');
    const [[o], [d]] = vmapRulesFirstOrder.mul([x, y], [null, null], {}, 4);
    expect(d).toBeNull();
    expectClose(asConcrete(o!), asConcrete(lax.mul(x, y)), 0, 'mul');
  });
});

describe('vmap rules: structure', () => {
  it('iota is never batched', () => {
    const [[o], [d]] = vmapRulesFirstOrder.iota([], [], { dtype: 'int32', shape: [2, 3], dimension: 1 }, 5);
    expect(d).toBeNull();
    expect(asConcrete(o!).toJS()).toEqual([[0, 1, 2], [0, 1, 2]]);
  });

  it('broadcastInDim', () => {
    checkAllDims('broadcastInDim', { shape: [2, 3, 4], broadcastDimensions: [1, 2] }, () => [randArray([3, 1], 'float32')]);
    checkAllDims('broadcastInDim', { shape: [2, 3, 4], broadcastDimensions: [0, 2] }, () => [randArray([2, 4], 'float32')]);
    checkAllDims('broadcastInDim', { shape: [3, 4], broadcastDimensions: [0] }, () => [randArray([3], 'float32')]);
    checkAllDims('broadcastInDim', { shape: [2, 2], broadcastDimensions: [] }, () => [randArray([], 'float32')]);
  });

  it('reshape', () => {
    checkAllDims('reshape', { newSizes: [6, 4] }, () => [randArray([2, 3, 4], 'float32')]);
    checkAllDims('reshape', { newSizes: [24] }, () => [randArray([2, 3, 4], 'float32')]);
    checkAllDims('reshape', { newSizes: [3, 2] }, () => [randArray([2, 3], 'float32')]);
    checkAllDims('reshape', { newSizes: [1, 1] }, () => [randArray([], 'float32')]);
  });

  it('transpose', () => {
    checkAllDims('transpose', { permutation: [2, 0, 1] }, () => [randArray([2, 3, 4], 'float32')]);
    checkAllDims('transpose', { permutation: [1, 0] }, () => [randArray([2, 3], 'float32')]);
  });

  it('reductions', () => {
    for (const p of ['reduceSum', 'reduceMax', 'reduceMin', 'reduceProd'] as const)
      for (const axes of [[1], [0, 2], [2], [0, 1, 2]])
        checkAllDims(p, { axes }, () => [randArray([2, 3, 4], 'float32', 0.5, 1.5)]);
    checkAllDims('reduceSum', { axes: [0] }, () => [randArray([3, 2], 'int32', -5, 5)]);
  });

  it('argmax, argmin', () => {
    for (const axis of [0, 1, 2]) {
      checkAllDims('argmax', { axis, indexDtype: 'int32' }, () => [randArray([2, 3, 4], 'float32')]);
      checkAllDims('argmin', { axis, indexDtype: 'int32' }, () => [randArray([2, 3, 4], 'float32')]);
    }
    // ties: the first index wins per example and must stay so when batched
    checkAllDims('argmax', { axis: 1, indexDtype: 'int32' }, () => [randArray([3, 5], 'int32', 0, 2)]);
  });

  it('cumsum', () => {
    for (const axis of [0, 1]) for (const reverse of [false, true]) checkAllDims('cumsum', { axis, reverse }, () => [randArray([3, 4], 'float32')]);
  });

  it('slice', () => {
    checkAllDims('slice', { startIndices: [1, 0], limitIndices: [4, 6], strides: null }, () => [randArray([5, 6], 'float32')]);
    checkAllDims('slice', { startIndices: [0, 1], limitIndices: [5, 6], strides: [2, 3] }, () => [randArray([5, 6], 'float32')]);
  });

  it('pad (batched operand and/or padding value)', () => {
    const paddingConfig = [[1, 2, 1], [-1, 0, 0]] as const;
    checkAllDims('pad', { paddingConfig }, () => [randArray([3, 4], 'float32'), randArray([], 'float32')]);
    checkAllDims('pad', { paddingConfig: [[0, 0, 2]] }, () => [randArray([3], 'int32', -9, 9), randArray([], 'int32', -9, 9)]);
  });

  it('concatenate', () => {
    checkAllDims('concatenate', { dimension: 1 }, () => [randArray([2, 3], 'float32'), randArray([2, 1], 'float32'), randArray([2, 2], 'float32')]);
    checkAllDims('concatenate', { dimension: 0 }, () => [randArray([1, 3], 'float32'), randArray([2, 3], 'float32')]);
    checkAllDims('concatenate', { dimension: 0 }, () => [randArray([2], 'float32')], { nullable: [false] });
  });

  it('rev', () => {
    checkAllDims('rev', { dimensions: [0, 2] }, () => [randArray([3, 4, 2], 'float32')]);
    checkAllDims('rev', { dimensions: [1] }, () => [randArray([3, 4, 2], 'float32')]);
  });

  it('sort', () => {
    for (const dimension of [0, 1])
      for (const descending of [false, true]) {
        checkAllDims('sort', { dimension, numKeys: 1, descending }, () => [randArray([3, 4], 'float32')]);
        // ties in the first key: the second key and the stable order must decide per example
        checkAllDims('sort', { dimension, numKeys: 2, descending }, () => [
          randArray([3, 4], 'int32', 0, 1),
          randArray([3, 4], 'int32', 0, 1),
          randArray([3, 4], 'float32'),
        ]);
      }
  });
});

describe('vmap rules: indexing', () => {
  it('dynamicSlice (batched operand and/or start indices, clamped starts)', () => {
    checkAllDims('dynamicSlice', { sliceSizes: [2, 3] }, () => [randArray([5, 6], 'float32'), intScalar(-2, 7), intScalar(-2, 7)]);
    checkAllDims('dynamicSlice', { sliceSizes: [1, 4, 2] }, () => [randArray([2, 4, 3], 'float32'), intScalar(-1, 3), intScalar(0, 1), intScalar(0, 2)]);
    checkAllDims('dynamicSlice', { sliceSizes: [] }, () => [randArray([], 'float32')]);
  });

  it('dynamicUpdateSlice (batched operand, update and/or start indices)', () => {
    checkAllDims('dynamicUpdateSlice', {}, () => [randArray([5, 6], 'float32'), randArray([2, 3], 'float32'), intScalar(-2, 7), intScalar(-2, 7)]);
    checkAllDims('dynamicUpdateSlice', {}, () => [randArray([4], 'int32', 0, 9), randArray([4], 'int32', 0, 9), intScalar(-1, 1)]);
  });

  it('gather (one index array, each outDim)', () => {
    for (const outDim of [0, 1, 2])
      checkAllDims('gather', { axes: [1], outDim }, () => [randArray([5, 4, 3], 'float32'), randArray([2, 3], 'int32', -1, 4)]);
  });

  it('gather (broadcast index arrays of different ranks on non-adjacent axes)', () => {
    for (const outDim of [0, 1])
      checkAllDims('gather', { axes: [0, 2], outDim }, () => [
        randArray([5, 4, 3], 'float32'),
        randArray([2, 1], 'int32', 0, 4),
        randArray([3], 'int32', 0, 2),
      ]);
    checkAllDims('gather', { axes: [0], outDim: 0 }, () => [randArray([4], 'float32'), randArray([], 'int32', 0, 3)]);
  });

  for (const p of ['scatterAdd', 'scatter'] as const) {
    it(`${p} (batched operand, updates and/or indices; duplicate indices)`, () => {
      for (const outDim of [0, 1, 2])
        checkAllDims(p, { axes: [1], outDim }, () => {
          const upd = [5, 3];
          upd.splice(outDim, 0, 2, 3);
          return [randArray([5, 4, 3], 'float32'), randArray(upd, 'float32'), randArray([2, 3], 'int32', 0, 3)];
        });
      checkAllDims(p, { axes: [0, 2], outDim: 1 }, () => [
        randArray([5, 4, 3], 'float32'),
        randArray([4, 2, 3], 'float32'),
        randArray([2, 1], 'int32', 0, 4),
        randArray([3], 'int32', 0, 2),
      ]);
    });
  }
});

describe('vmap rules: contractions', () => {
  it('dotGeneral: matmul', () => {
    const params = { contract: [[1], [0]], batch: [[], []], preferredElementType: null } as const;
    checkAllDims('dotGeneral', params, () => [randArray([2, 3], 'float32'), randArray([3, 4], 'float32')]);
  });

  it('dotGeneral: batch dims, contraction in the middle, outer product, vector dot', () => {
    checkAllDims('dotGeneral', { contract: [[2], [1]], batch: [[0], [0]], preferredElementType: null }, () => [
      randArray([2, 3, 4], 'float32'),
      randArray([2, 4, 5], 'float32'),
    ]);
    checkAllDims('dotGeneral', { contract: [[1], [2]], batch: [[2], [0]], preferredElementType: null }, () => [
      randArray([3, 4, 2], 'float32'),
      randArray([2, 5, 4], 'float32'),
    ]);
    checkAllDims('dotGeneral', { contract: [[], []], batch: [[], []], preferredElementType: null }, () => [randArray([2], 'float32'), randArray([3], 'float32')]);
    checkAllDims('dotGeneral', { contract: [[0], [0]], batch: [[], []], preferredElementType: null }, () => [randArray([3], 'float32'), randArray([3], 'float32')]);
    checkAllDims('dotGeneral', { contract: [[0, 2], [1, 0]], batch: [[], []], preferredElementType: 'float32' }, () => [
      randArray([2, 3, 4], 'int32', -3, 3),
      randArray([4, 2, 5], 'int32', -3, 3),
    ]);
  });

  const conv1d = { windowStrides: [1], padding: [[1, 1]], lhsDilation: [1], rhsDilation: [1], featureGroupCount: 1, batchGroupCount: 1 } as const;
  it('convGeneralDilated: 1-d, lhs and/or rhs batched', () => {
    checkAllDims('convGeneralDilated', conv1d, () => [randArray([2, 4, 5], 'float32'), randArray([6, 4, 3], 'float32')], { tol: 1e-4 });
  });

  it('convGeneralDilated: featureGroupCount', () => {
    checkAllDims('convGeneralDilated', { ...conv1d, featureGroupCount: 2 }, () => [randArray([2, 4, 5], 'float32'), randArray([6, 2, 3], 'float32')], { tol: 1e-4 });
  });

  it('convGeneralDilated: batchGroupCount', () => {
    checkAllDims('convGeneralDilated', { ...conv1d, batchGroupCount: 2 }, () => [randArray([4, 3, 5], 'float32'), randArray([6, 3, 3], 'float32')], { tol: 1e-4 });
  });

  it('convGeneralDilated: 2-d with strides, padding and dilations', () => {
    const params = {
      windowStrides: [2, 1],
      padding: [[0, 1], [1, 0]],
      lhsDilation: [1, 2],
      rhsDilation: [2, 1],
      featureGroupCount: 1,
      batchGroupCount: 1,
    } as const;
    checkAllDims('convGeneralDilated', params, () => [randArray([1, 2, 5, 4], 'float32'), randArray([3, 2, 2, 2], 'float32')], { tol: 1e-4 });
  });

  it('convGeneralDilated: an empty batch gives an empty result of the right shape', () => {
    const lhs = randArray([0, 2, 4, 5], 'float32'), rhs = randArray([6, 4, 3], 'float32');
    const [[o], [d]] = vmapRulesFirstOrder.convGeneralDilated([lhs, rhs], [0, null], conv1d, 0);
    expect(d).toBe(0);
    expect(o!.shape).toEqual([0, 2, 6, 5]);
  });
});
