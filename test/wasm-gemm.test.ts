// wasm target, dot_general: backend-equivalence laws against the reference target (random shapes, dimension numbers,
// transposed layouts, blocking edge cases), exact on integer-valued data, within the float error bound otherwise.
//
// Error law (Higham, Accuracy and Stability of Numerical Algorithms, §3.1): any order of summing K products in
// precision u gives |ŝ − s| ≤ γ_K · Σ|a_k·b_k|, γ_K = K·u / (1 − K·u). The reference sums in float64 and rounds
// once, so for float32 |wasm − ref| ≤ γ_K(2⁻²⁴)·S + 2⁻²⁴·|ref|, with S = (|x|·|y|) computed independently by the
// reference; for float64 both sides carry γ_K(2⁻⁵³)·S. Integer-valued operands (|v| ≤ 8) make every product and
// partial sum exact, so there the wasm result must equal the reference bit for bit.
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import type { DType } from '../src/core/dtype.js';
import type { DotGeneralParams } from '../src/core/primitive.js';
import * as lax from '../src/lax/ops.js';
import * as P from '../src/lax/prims.js';
import { abstractEval } from '../src/rules/abstractEval.js';
import type { RefVal } from '../src/rules/types.js';
import { dotGeneralImpl } from '../src/targets/ref/linalg.js';
import { withTarget, availableTargets } from '../src/targets/registry.js';
import '../src/targets/wasm/index.js';
import { dotGeneralWasm, packedWeights } from '../src/targets/wasm/linalg.js';
import { recycleHost, takeHost } from '../src/core/hostPool.js';
import { hasRelaxedSimd, initWasm, scratchStats, selectWasmVariant, wasmExports, wasmVariant } from '../src/targets/wasm/runtime.js';
import { grad } from '../src/transforms/grad.js';
import { jit } from '../src/transforms/jit.js';
import { type FDType, absOf, gamma, operand, unit } from './wasm-util.js';


interface DotCase {
  lhs: number[];
  rhs: number[];
  params: DotGeneralParams;
  K: number;
}

/**
 * Random dimension numbers: b batch, c contracting, lf / rf free axes of each side, each operand's axes in a random
 * order (so transposed and interleaved layouts occur), sizes including 1 and sizes that are not multiples of tiles.
 */
const dotCase = (maxSize: number): fc.Arbitrary<DotCase> =>
  fc
    .record({
      batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      contract: fc.array(fc.integer({ min: 1, max: maxSize }), { maxLength: 2 }),
      lf: fc.array(fc.integer({ min: 1, max: maxSize }), { maxLength: 2 }),
      rf: fc.array(fc.integer({ min: 1, max: maxSize }), { maxLength: 2 }),
      lperm: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
      rperm: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    })
    .map(({ batch, contract, lf, rf, lperm, rperm }) => {
      // logical axes → physical positions by sorting on random keys
      const place = (n: number, keys: number[]) => {
        const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
        const pos = new Array<number>(n);
        order.forEach((logical, physical) => (pos[logical] = physical));
        return pos;
      };
      const nb = batch.length, nc = contract.length;
      const lsz = [...batch, ...lf, ...contract], rsz = [...batch, ...rf, ...contract];
      const lp = place(lsz.length, lperm), rp = place(rsz.length, rperm);
      const lhs = new Array<number>(lsz.length), rhs = new Array<number>(rsz.length);
      lsz.forEach((s, i) => (lhs[lp[i]!] = s));
      rsz.forEach((s, i) => (rhs[rp[i]!] = s));
      const lb = lp.slice(0, nb), rb = rp.slice(0, nb);
      const lc = lp.slice(lsz.length - nc), rc = rp.slice(rsz.length - nc);
      const K = contract.reduce((a, b) => a * b, 1);
      return { lhs, rhs, params: { contract: [lc, rc], batch: [lb, rb], preferredElementType: null }, K } as DotCase;
    });

function runBoth(c: DotCase, dtype: DType, seed: number, integers: boolean) {
  const x = operand(c.lhs, dtype, seed, integers), y = operand(c.rhs, dtype, seed + 1, integers);
  const outAvals = abstractEval('dotGeneral', [x.aval, y.aval], c.params);
  const ref = dotGeneralImpl([x, y], c.params, outAvals)[0]!;
  const got = dotGeneralWasm([x, y], c.params, outAvals)[0]!;
  return { x, y, outAvals, ref, got };
}

function expectWithinBound(c: DotCase, dtype: FDType, seed: number) {
  const { x, y, outAvals, ref, got } = runBoth(c, dtype, seed, false);
  const S = dotGeneralImpl([absOf(x), absOf(y)], c.params, outAvals)[0]!;
  const u = unit[dtype];
  const g = gamma(Math.max(c.K, 1), u) * (dtype === 'float64' ? 2 : 1.01);
  expect(got.constructor).toBe(ref.constructor);
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i]! - ref[i]!);
    const bound = g * S[i]! + u * Math.abs(ref[i]!);
    if (!(err <= bound)) throw new Error(`entry ${i}: wasm ${got[i]} vs ref ${ref[i]} (|err| ${err} > bound ${bound}, K ${c.K})`);
  }
}

const ex = () => wasmExports();
/** Both kernel builds where the engine has relaxed SIMD (Node 20: enabled by the runtime), else SIMD128 only. */
const variants = hasRelaxedSimd() ? (['relaxed', 'simd128'] as const) : (['simd128'] as const);

afterEach(() => ex().resetBlocking());

describe('wasm runtime', () => {
  it('registers the wasm target and loads a kernel build', () => {
    expect(availableTargets()).toContain('wasm');
    ex();
    expect(['relaxed', 'simd128']).toContain(wasmVariant());
  });
  it('releases its scratch memory after each kernel call', () => {
    const c: DotCase = { lhs: [40, 30], rhs: [30, 20], params: { contract: [[1], [0]], batch: [[], []], preferredElementType: null }, K: 30 };
    runBoth(c, 'float32', 1, true);
    expect(scratchStats().used).toBe(0);
  });
  it('instantiates asynchronously with initWasm (the browser path)', async () => {
    selectWasmVariant('simd128');
    await initWasm();
    expect(wasmVariant()).toBe('simd128');
    const c: DotCase = { lhs: [9, 13], rhs: [13, 11], params: { contract: [[1], [0]], batch: [[], []], preferredElementType: null }, K: 13 };
    const { ref, got } = runBoth(c, 'float32', 2, true);
    expect(Array.from(got)).toEqual(Array.from(ref));
  });
  it('grows its memory for large operands (views are taken after growth) and stays correct', () => {
    const before = scratchStats().memoryBytes;
    // 3 × 1200² f32 > the initial 16 MiB
    const c: DotCase = { lhs: [1200, 1200], rhs: [1200, 1200], params: { contract: [[1], [0]], batch: [[], []], preferredElementType: null }, K: 1200 };
    const x = operand(c.lhs, 'float32', 3, true), y = operand(c.rhs, 'float32', 4, true);
    const oa = abstractEval('dotGeneral', [x.aval, y.aval], c.params);
    const got = dotGeneralWasm([x, y], c.params, oa)[0]!;
    expect(scratchStats().memoryBytes).toBeGreaterThan(before);
    // spot-check entries against sums computed here in float64 (integer data: exact)
    const xb = x.buffer, yb = y.buffer;
    for (const [i, j] of [[0, 0], [1199, 1199], [517, 3], [4, 1198]] as const) {
      let s = 0;
      for (let k = 0; k < 1200; k++) s += xb[i * 1200 + k]! * yb[k * 1200 + j]!;
      expect(got[i * 1200 + j]).toBe(s);
    }
  });
});

describe.each(variants)('wasm dotGeneral = reference (%s kernels)', (variant) => {
  beforeAll(() => selectWasmVariant(variant));
  it('runs the selected kernel build', () => {
    wasmExports();
    expect(wasmVariant()).toBe(variant);
  });

  it('is exact on integer-valued float32 operands (any dimension numbers and layouts)', () => {
    fc.assert(
      fc.property(dotCase(12), fc.nat(), (c, seed) => {
        const { ref, got } = runBoth(c, 'float32', seed, true);
        expect(Array.from(got)).toEqual(Array.from(ref));
      }),
      { numRuns: 150 },
    );
  });

  it('is exact on integer-valued float64 operands', () => {
    fc.assert(
      fc.property(dotCase(12), fc.nat(), (c, seed) => {
        const { ref, got } = runBoth(c, 'float64', seed, true);
        expect(got).toBeInstanceOf(Float64Array);
        expect(Array.from(got)).toEqual(Array.from(ref));
      }),
      { numRuns: 100 },
    );
  });

  it('stays within the float32 summation error bound on random data', () => {
    fc.assert(
      fc.property(dotCase(24), fc.nat(), (c, seed) => expectWithinBound(c, 'float32', seed)),
      { numRuns: 100 },
    );
  });

  it('stays within the float64 summation error bound on random data', () => {
    fc.assert(
      fc.property(dotCase(24), fc.nat(), (c, seed) => expectWithinBound(c, 'float64', seed)),
      { numRuns: 60 },
    );
  });

  it('propagates NaN and ±Inf like the reference (zero padding of edge tiles never leaks into real entries)', () => {
    fc.assert(
      fc.property(dotCase(10), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity)), { maxLength: 3 }), (c, seed, specials) => {
        const x = operand(c.lhs, 'float32', seed, true), y = operand(c.rhs, 'float32', seed + 1, true);
        for (const [i, v] of specials) {
          const t = i % 2 === 0 ? x.buffer : y.buffer;
          if (t.length) t[(i >> 1) % t.length] = v;
        }
        const outAvals = abstractEval('dotGeneral', [x.aval, y.aval], c.params);
        expect(Array.from(dotGeneralWasm([x, y], c.params, outAvals)[0]!)).toEqual(Array.from(dotGeneralImpl([x, y], c.params, outAvals)[0]!));
      }),
      { numRuns: 100 },
    );
  });

  it('crosses every blocking boundary (small MC/KC/NC force all loops and edge tiles)', () => {
    const e = ex();
    const MR = e.MR32.value, NR = e.NR32.value;
    e.setBlockingF32(2 * MR, 7, 2 * NR);
    e.setBlockingF64(2 * (e.MR64.value as number), 5, 2 * (e.NR64.value as number));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 45 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 45 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<FDType>('float32', 'float64'),
        fc.nat(),
        (M, K, N, ta, tb, dtype, seed) => {
          // ta / tb: the operand is stored transposed (contracting axis first / last)
          const c: DotCase = {
            lhs: ta ? [K, M] : [M, K],
            rhs: tb ? [N, K] : [K, N],
            params: { contract: [[ta ? 0 : 1], [tb ? 1 : 0]], batch: [[], []], preferredElementType: null },
            K,
          };
          const { ref, got } = runBoth(c, dtype, seed, true);
          expect(Array.from(got)).toEqual(Array.from(ref));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('handles the default blocking across KC and MC with a large depth', () => {
    const c: DotCase = { lhs: [3, 131, 600], rhs: [3, 600, 77], params: { contract: [[2], [1]], batch: [[0], [0]], preferredElementType: null }, K: 600 };
    const { ref, got } = runBoth(c, 'float32', 7, true);
    expect(Array.from(got)).toEqual(Array.from(ref));
    expectWithinBound(c, 'float32', 9);
  });

  it('gives zeros for an empty contraction and empty outputs for empty free axes', () => {
    const z: DotCase = { lhs: [4, 0], rhs: [0, 5], params: { contract: [[1], [0]], batch: [[], []], preferredElementType: null }, K: 0 };
    const r = runBoth(z, 'float32', 1, true);
    expect(Array.from(r.got)).toEqual(new Array(20).fill(0));
    const e: DotCase = { lhs: [0, 3], rhs: [3, 5], params: { contract: [[1], [0]], batch: [[], []], preferredElementType: null }, K: 3 };
    expect(runBoth(e, 'float64', 1, true).got.length).toBe(0);
  });

  it('falls back to the reference for integer dtypes and mixed output dtypes', () => {
    const c: DotCase = { lhs: [5, 6], rhs: [6, 7], params: { contract: [[1], [0]], batch: [[], []], preferredElementType: null }, K: 6 };
    const { ref, got } = runBoth(c, 'int32', 3, true);
    expect(got).toBeInstanceOf(Int32Array);
    expect(Array.from(got)).toEqual(Array.from(ref));
    const p: DotGeneralParams = { ...c.params, preferredElementType: 'float64' };
    const x = operand([5, 6], 'float32', 1, false), y = operand([6, 7], 'float32', 2, false);
    const oa = abstractEval('dotGeneral', [x.aval, y.aval], p);
    const w = dotGeneralWasm([x, y], p, oa)[0]!;
    expect(w).toBeInstanceOf(Float64Array);
    expect(Array.from(w)).toEqual(Array.from(dotGeneralImpl([x, y], p, oa)[0]!));
  });
});

describe('wasm target end to end', () => {
  const arr = (v: RefVal) => fromTyped(v.buffer, v.aval.shape, v.aval.dtype);

  it('eager matmul and batched matmul on the wasm target equal the reference target', () => {
    const a = arr(operand([4, 33, 21], 'float32', 11, true)), b = arr(operand([4, 21, 19], 'float32', 12, true));
    const onRef = lax.batchMatmul(a, b).dataSync();
    const onWasm = withTarget('wasm', () => lax.batchMatmul(a, b).dataSync());
    expect(Array.from(onWasm)).toEqual(Array.from(onRef));
  });

  it('grad and jit of an MLP loss on the wasm target equal the reference target', () => {
    const x = arr(operand([16, 10], 'float32', 21, false));
    const w1 = arr(operand([10, 24], 'float32', 22, false)), w2 = arr(operand([24, 3], 'float32', 23, false));
    const loss = (w1: any, w2: any) => {
      const h = lax.tanh(lax.dot(x, w1));
      const y = lax.dot(h, w2);
      return lax.reduceSum(lax.mul(y, y), [0, 1]);
    };
    const g = grad(loss, { argnums: [0, 1] }) as (a: any, b: any) => any[];
    const ref = g(w1, w2).map((t: any) => Array.from(t.dataSync() as Float32Array));
    const eager = withTarget('wasm', () => g(w1, w2).map((t: any) => Array.from(t.dataSync() as Float32Array)));
    const jitted = withTarget('wasm', () => jit(g)(w1, w2).map((t: any) => Array.from(t.dataSync() as Float32Array)));
    for (const got of [eager, jitted])
      got.forEach((gv, i) => {
        const rv = ref[i]!;
        const scale = Math.max(...rv.map(Math.abs));
        gv.forEach((v, j) => expect(Math.abs(v - rv[j]!)).toBeLessThanOrEqual(1e-5 * scale));
      });
  });

  it('dot_general through the lax wrapper with batch axes not in front', () => {
    const a = arr(operand([7, 3, 5], 'float64', 31, false)), b = arr(operand([5, 7, 4], 'float64', 32, false));
    const f = () => P.dotGeneral(a, b, [[2], [0]], [[0], [1]]).dataSync();
    const ref = f(), got = withTarget('wasm', f);
    got.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-12));
  });
});

describe('products of few rows keep their weight operand packed in the ring (packedWeights)', () => {
  const saved = { ...packedWeights };
  afterEach(() => Object.assign(packedWeights, saved));
  const bitsOf = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));

  it('give the same bits as packing per call, on the call that packs and on the calls that reuse, any layout', () => {
    fc.assert(
      fc.property(dotCase(24), fc.constantFrom<FDType>('float32', 'float64'), fc.nat(1000), (c, dtype, seed) => {
        const x = operand(c.lhs, dtype, seed, false), y = operand(c.rhs, dtype, seed + 1, false);
        const outAvals = abstractEval('dotGeneral', [x.aval, y.aval], c.params);
        Object.assign(packedWeights, { maxRows: 0 });
        const plain = dotGeneralWasm([x, y], c.params, outAvals)[0]!;
        Object.assign(packedWeights, { maxRows: 1 << 30, minElements: 0 });
        const uses = packedWeights.uses;
        const first = dotGeneralWasm([x, y], c.params, outAvals)[0]!;
        const again = dotGeneralWasm([x, y], c.params, outAvals)[0]!;
        expect(bitsOf(first)).toEqual(bitsOf(plain));
        expect(bitsOf(again)).toEqual(bitsOf(plain));
        if (c.params.batch[0].every((a) => c.lhs[a] === 1)) expect(packedWeights.uses).toBe(uses + 2);
      }),
      { numRuns: 150, seed: 12 },
    );
    expect(scratchStats().used).toBe(0);
  });

  it('keep one packing per layout: the same weight read as W and as Wᵀ gives each product its own', () => {
    Object.assign(packedWeights, { maxRows: 64, minElements: 0 });
    const x = operand([8, 40], 'float32', 4, false), w = operand([40, 40], 'float32', 5, false);
    const plainP: DotGeneralParams = { contract: [[1], [0]], batch: [[], []], preferredElementType: null };
    const transP: DotGeneralParams = { contract: [[1], [1]], batch: [[], []], preferredElementType: null };
    const outAvals = abstractEval('dotGeneral', [x.aval, w.aval], plainP);
    const run = (p: DotGeneralParams) => bitsOf(dotGeneralWasm([x, w], p, outAvals)[0]!);
    const got = [run(plainP), run(transP), run(plainP), run(transP)];
    Object.assign(packedWeights, { maxRows: 0 });
    const want = [run(plainP), run(transP)];
    expect(got).toEqual([want[0], want[1], want[0], want[1]]);
    expect(want[0]).not.toEqual(want[1]);
  });

  it('never reuse a packing after the weight array is gone and its pooled buffer holds new values', () => {
    Object.assign(packedWeights, { maxRows: 64, minElements: 0 });
    const params: DotGeneralParams = { contract: [[1], [1]], batch: [[], []], preferredElementType: null }; // x·yᵀ
    const x = operand([8, 40], 'float32', 1, false);
    const buf = takeHost(Float32Array, 48 * 40);
    buf.set(operand([48, 40], 'float32', 2, false).buffer as Float32Array);
    const y = { aval: x.aval.withShape([48, 40]), buffer: buf };
    const outAvals = abstractEval('dotGeneral', [x.aval, y.aval], params);
    dotGeneralWasm([x, y], params, outAvals); // packs y, kept in the ring
    recycleHost(buf); // the array holding y is disposed
    const again = takeHost(Float32Array, 48 * 40);
    expect(again).toBe(buf); // the same buffer, now another array's
    again.set(operand([48, 40], 'float32', 3, false).buffer as Float32Array);
    const got = dotGeneralWasm([x, { aval: y.aval, buffer: again }], params, outAvals)[0]!;
    Object.assign(packedWeights, { maxRows: 0 });
    const want = dotGeneralWasm([x, { aval: y.aval, buffer: again.slice() }], params, outAvals)[0]!;
    expect(bitsOf(got)).toEqual(bitsOf(want));
  });
});
