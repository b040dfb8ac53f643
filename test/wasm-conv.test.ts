// wasm target, conv_general_dilated: backend-equivalence laws against the reference target over random strides,
// padding (negative too), lhs/rhs dilation, feature and batch groups and 1-3 spatial axes; exact on integer-valued
// data, within the float summation bound otherwise (see wasm-gemm.test.ts); gradients and jit of a small CNN.
import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import type { DType } from '../src/core/dtype.js';
import type { ConvParams } from '../src/core/primitive.js';
import type { Array as TArray } from '../src/core/trace.js';
import * as lax from '../src/lax/ops.js';
import { abstractEval } from '../src/rules/abstractEval.js';
import type { RefVal } from '../src/rules/types.js';
import { convImpl } from '../src/targets/ref/linalg.js';
import { withTarget } from '../src/targets/registry.js';
import '../src/targets/wasm/index.js';
import { convChunking, convFormStats, convForms, convWasm } from '../src/targets/wasm/linalg.js';
import { hasRelaxedSimd, scratchStats, selectWasmVariant, wasmExports, wasmVariant } from '../src/targets/wasm/runtime.js';
import { grad } from '../src/transforms/grad.js';
import { jit } from '../src/transforms/jit.js';
import { type FDType, absOf, gamma, operand, unit } from './wasm-util.js';


interface ConvCase {
  lhs: number[];
  rhs: number[];
  p: ConvParams;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Random convolutions; cases whose padded, dilated input is smaller than the dilated window are filtered out. */
const convCase = (maxSpatial: number): fc.Arbitrary<ConvCase> =>
  fc
    .record({
      nsp: fc.integer({ min: 1, max: 3 }),
      nPer: fc.integer({ min: 1, max: 2 }),
      groups: fc.oneof(
        fc.constant([1, 1] as const),
        fc.tuple(fc.integer({ min: 2, max: 3 }), fc.constant(1)),
        fc.tuple(fc.constant(1), fc.integer({ min: 2, max: 3 })),
      ),
      I: fc.integer({ min: 1, max: 3 }),
      oPer: fc.integer({ min: 1, max: 3 }),
      axes: fc.array(
        fc.record({
          size: fc.integer({ min: 1, max: maxSpatial }),
          k: fc.integer({ min: 1, max: 4 }),
          stride: fc.integer({ min: 1, max: 3 }),
          lo: fc.integer({ min: -2, max: 3 }),
          hi: fc.integer({ min: -2, max: 3 }),
          ld: fc.integer({ min: 1, max: 3 }),
          rd: fc.integer({ min: 1, max: 3 }),
        }),
        { minLength: 3, maxLength: 3 },
      ),
    })
    .map(({ nsp, nPer, groups: [G, B], I, oPer, axes }) => {
      const ax = axes.slice(0, nsp);
      const lcm = (G * B) / gcd(G, B);
      const c: ConvCase = {
        lhs: [nPer * B, I * G, ...ax.map((a) => a.size)],
        rhs: [lcm * oPer, I, ...ax.map((a) => a.k)],
        p: {
          windowStrides: ax.map((a) => a.stride),
          padding: ax.map((a) => [a.lo, a.hi] as const),
          lhsDilation: ax.map((a) => a.ld),
          rhsDilation: ax.map((a) => a.rd),
          featureGroupCount: G,
          batchGroupCount: B,
        },
      };
      return c;
    })
    .filter((c) =>
      c.lhs.slice(2).every((d, i) => (d - 1) * c.p.lhsDilation[i]! + 1 + c.p.padding[i]![0] + c.p.padding[i]![1] >= (c.rhs[2 + i]! - 1) * c.p.rhsDilation[i]! + 1),
    );

function runBoth(c: ConvCase, dtype: DType, seed: number, integers: boolean) {
  const x = operand(c.lhs, dtype, seed, integers), w = operand(c.rhs, dtype, seed + 1, integers);
  const outAvals = abstractEval('convGeneralDilated', [x.aval, w.aval], c.p);
  const ref = convImpl([x, w], c.p, outAvals)[0]!;
  const got = convWasm([x, w], c.p, outAvals)[0]!;
  return { x, w, outAvals, ref, got };
}

function expectWithinBound(c: ConvCase, dtype: FDType, seed: number) {
  const { x, w, outAvals, ref, got } = runBoth(c, dtype, seed, false);
  const S = convImpl([absOf(x), absOf(w)], c.p, outAvals)[0]!;
  const K = c.rhs.slice(1).reduce((a, b) => a * b, 1); // I · kernel size terms per output
  const u = unit[dtype];
  const g = gamma(K, u) * (dtype === 'float64' ? 2 : 1.01);
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i]! - ref[i]!);
    const bound = g * S[i]! + u * Math.abs(ref[i]!);
    if (!(err <= bound)) throw new Error(`entry ${i}: wasm ${got[i]} vs ref ${ref[i]} (|err| ${err} > bound ${bound})`);
  }
}

/** Integer-valued operands with up to 3 NaN/±Inf planted in x or w: the wasm convolution gives the reference's values. */
function expectSpecialsLikeReference(): void {
  fc.assert(
    fc.property(convCase(7), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity)), { maxLength: 3 }), (c, seed, specials) => {
      const x = operand(c.lhs, 'float32', seed, true), w = operand(c.rhs, 'float32', seed + 1, true);
      for (const [i, v] of specials) {
        const t = i % 2 === 0 ? x.buffer : w.buffer;
        t[(i >> 1) % t.length] = v;
      }
      const outAvals = abstractEval('convGeneralDilated', [x.aval, w.aval], c.p);
      expect(Array.from(convWasm([x, w], c.p, outAvals)[0]!)).toEqual(Array.from(convImpl([x, w], c.p, outAvals)[0]!));
    }),
    { numRuns: 100 },
  );
}

/** Both kernel builds where the engine has relaxed SIMD (Node 20: enabled by the runtime), else SIMD128 only. */
const variants = hasRelaxedSimd() ? (['relaxed', 'simd128'] as const) : (['simd128'] as const);

const defaultChunking = { ...convChunking };
const defaultForms = { ...convForms };
afterEach(() => {
  wasmExports().resetBlocking();
  Object.assign(convChunking, defaultChunking);
  Object.assign(convForms, defaultForms);
});

describe.each(variants)('wasm convGeneralDilated = reference (%s kernels)', (variant) => {
  beforeAll(() => selectWasmVariant(variant));
  it('runs the selected kernel build', () => {
    wasmExports();
    expect(wasmVariant()).toBe(variant);
  });

  it('is exact on integer-valued float32 operands (strides, padding, dilations, groups, 1-3 spatial axes)', () => {
    fc.assert(
      fc.property(convCase(9), fc.nat(), (c, seed) => {
        const { ref, got } = runBoth(c, 'float32', seed, true);
        expect(got).toBeInstanceOf(Float32Array);
        expect(Array.from(got)).toEqual(Array.from(ref));
      }),
      { numRuns: 200 },
    );
    expect(scratchStats().used).toBe(0);
  });

  it('propagates NaN and ±Inf like the reference (padding contributes 0·w, as in XLA)', expectSpecialsLikeReference);

  it('is exact on integer-valued float64 operands', () => {
    fc.assert(
      fc.property(convCase(7), fc.nat(), (c, seed) => {
        const { ref, got } = runBoth(c, 'float64', seed, true);
        expect(got).toBeInstanceOf(Float64Array);
        expect(Array.from(got)).toEqual(Array.from(ref));
      }),
      { numRuns: 100 },
    );
  });

  it('stays within the summation error bound on random data (float32 and float64)', () => {
    fc.assert(
      fc.property(convCase(8), fc.constantFrom<FDType>('float32', 'float64'), fc.nat(), (c, dtype, seed) => expectWithinBound(c, dtype, seed)),
      { numRuns: 100 },
    );
  });

  it('is exact with wide last axes (the vector im2col paths: contiguous and stride-2 runs)', () => {
    const wide = fc.record({
      lead: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 1 }),
      size: fc.integer({ min: 8, max: 40 }),
      k: fc.integer({ min: 1, max: 5 }),
      stride: fc.integer({ min: 1, max: 2 }),
      ld: fc.integer({ min: 1, max: 2 }),
      rd: fc.integer({ min: 1, max: 2 }),
      lo: fc.integer({ min: -2, max: 3 }),
      hi: fc.integer({ min: -2, max: 3 }),
      I: fc.integer({ min: 1, max: 3 }),
      O: fc.integer({ min: 1, max: 7 }),
      dtype: fc.constantFrom<FDType>('float32', 'float64'),
    });
    fc.assert(
      fc.property(wide, fc.nat(), (a, seed) => {
        const nsp = a.lead.length + 1;
        const c: ConvCase = {
          lhs: [2, a.I, ...a.lead, a.size],
          rhs: [a.O, a.I, ...a.lead.map(() => 2), a.k],
          p: {
            windowStrides: [...a.lead.map(() => 1), a.stride],
            padding: [...a.lead.map(() => [1, 0] as const), [a.lo, a.hi] as const],
            lhsDilation: [...a.lead.map(() => 1), a.ld],
            rhsDilation: [...a.lead.map(() => 1), a.rd],
            featureGroupCount: 1,
            batchGroupCount: 1,
          },
        };
        fc.pre((a.size - 1) * a.ld + 1 + a.lo + a.hi >= (a.k - 1) * a.rd + 1 && nsp >= 1);
        const { ref, got } = runBoth(c, a.dtype, seed, true);
        expect(Array.from(got)).toEqual(Array.from(ref));
      }),
      { numRuns: 150 },
    );
  });

  it('is exact whatever the chunking: batched images, column chunks, channel blocks that accumulate', () => {
    fc.assert(
      fc.property(
        convCase(9),
        fc.record({ bytes: fc.integer({ min: 0, max: 4096 }), minColumns: fc.integer({ min: 1, max: 40 }), maxBytes: fc.integer({ min: 0, max: 3000 }) }),
        fc.constantFrom<FDType>('float32', 'float64'),
        fc.nat(),
        (c, chunking, dtype, seed) => {
          Object.assign(convChunking, chunking);
          const { ref, got } = runBoth(c, dtype, seed, true);
          expect(Array.from(got)).toEqual(Array.from(ref));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('covers several im2col chunks, depth blocks and edge tiles', () => {
    // IK = 16·25 = 400: chunks of 240 output positions over 30·30 = 900; small KC forces depth blocking
    const c: ConvCase = {
      lhs: [2, 16, 32, 32],
      rhs: [13, 16, 5, 5],
      p: { windowStrides: [1, 1], padding: [[2, 1], [1, 2]], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1, batchGroupCount: 1 },
    };
    const a = runBoth(c, 'float32', 5, true);
    expect(Array.from(a.got)).toEqual(Array.from(a.ref));
    const e = wasmExports();
    e.setBlockingF32(e.MR32.value, 37, 64);
    e.setBlockingF64(e.MR64.value, 29, 64);
    for (const dtype of ['float32', 'float64'] as const) {
      const b = runBoth(c, dtype, 6, true);
      expect(Array.from(b.got)).toEqual(Array.from(b.ref));
    }
  });

  it('falls back to the reference for integer operands', () => {
    const c: ConvCase = {
      lhs: [1, 2, 5, 5],
      rhs: [3, 2, 2, 2],
      p: { windowStrides: [1, 2], padding: [[0, 1], [1, 0]], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1, batchGroupCount: 1 },
    };
    const { ref, got } = runBoth(c, 'int32', 3, true);
    expect(got).toBeInstanceOf(Int32Array);
    expect(Array.from(got)).toEqual(Array.from(ref));
  });
});

describe('wasm convGeneralDilated, the tap-GEMM form (forced wherever it applies) = reference', () => {
  beforeEach(() => Object.assign(convForms, { ratio: Infinity, minInputs: 1 }));
  it('is exact on integer-valued operands, float32 and float64 (strides, padding, rhs dilation, 1-3 spatial axes)', () => {
    fc.assert(
      fc.property(convCase(9), fc.constantFrom<FDType>('float32', 'float64'), fc.nat(), (c, dtype, seed) => {
        const { ref, got } = runBoth(c, dtype, seed, true);
        expect(Array.from(got)).toEqual(Array.from(ref));
      }),
      { numRuns: 200 },
    );
    expect(scratchStats().used).toBe(0);
  });
  it('stays within the summation error bound on random data', () => {
    fc.assert(
      fc.property(convCase(8), fc.constantFrom<FDType>('float32', 'float64'), fc.nat(), (c, dtype, seed) => expectWithinBound(c, dtype, seed)),
      { numRuns: 100 },
    );
  });
  it('propagates NaN and ±Inf like the reference (a non-finite filter takes the im2col form: padding gives 0·w)', expectSpecialsLikeReference);
  it('takes the form for a narrowing layer by default, within the error bound (the input gradient of a widening layer)', () => {
    Object.assign(convForms, defaultForms);
    const c: ConvCase = {
      lhs: [3, 32, 10, 9], rhs: [8, 32, 3, 3],
      p: { windowStrides: [1, 1], padding: [[1, 1], [1, 1]], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1, batchGroupCount: 1 },
    };
    const taps = convFormStats.taps;
    for (const dtype of ['float32', 'float64'] as const) expectWithinBound(c, dtype, 5);
    expect(convFormStats.taps).toBe(taps + 2);
    const { ref, got } = runBoth(c, 'float32', 9, true);
    expect(Array.from(got)).toEqual(Array.from(ref));
  });
});

describe('wasm target: gradients of convolutions', () => {
  const arr = (v: RefVal) => fromTyped(v.buffer, v.aval.shape, v.aval.dtype);
  const vals = (t: TArray) => Array.from(t.dataSync() as Float32Array);
  const close = (got: number[][], ref: number[][], rel: number) =>
    got.forEach((g, i) => {
      const r = ref[i]!;
      const scale = Math.max(1e-30, ...r.map(Math.abs));
      g.forEach((v, j) => {
        if (!(Math.abs(v - r[j]!) <= rel * scale)) throw new Error(`grad ${i}[${j}]: wasm ${v} vs ref ${r[j]} (scale ${scale})`);
      });
    });

  // A small CNN in NHWC: conv 3×3 stride 2 SAME → relu → depthwise conv 3×3 stride 1 VALID (feature groups) →
  // conv 2×2 stride 2 VALID → dense; the loss is a sum of squares.
  const x = arr(operand([3, 9, 10, 2], 'float32', 41, false));
  const params0 = {
    w1: arr(operand([3, 3, 2, 4], 'float32', 42, false)),
    w2: arr(operand([3, 3, 1, 4], 'float32', 43, false)),
    w3: arr(operand([2, 2, 4, 6], 'float32', 44, false)),
    wd: arr(operand([6, 3], 'float32', 45, false)),
  };
  type Params = typeof params0;
  const dn = ['NHWC', 'HWIO', 'NHWC'] as const;
  const loss = (p: Params, xin: TArray) => {
    let h = lax.convGeneralDilated(xin, p.w1, { windowStrides: [2, 2], padding: 'SAME', dimensionNumbers: dn });
    h = lax.max(h, lax.full(h.shape, 0, 'float32'));
    h = lax.convGeneralDilated(h, p.w2, { windowStrides: [1, 1], padding: 'VALID', dimensionNumbers: dn, featureGroupCount: 4 });
    h = lax.tanh(h);
    h = lax.convGeneralDilated(h, p.w3, { windowStrides: [2, 2], padding: 'VALID', dimensionNumbers: dn });
    const flat = lax.reduceSum(h, [1, 2]);
    const y = lax.dot(flat, p.wd);
    return lax.reduceSum(lax.mul(y, y), [0, 1]);
  };
  const g = grad(loss, { argnums: [0, 1] }) as (p: Params, x: TArray) => [Params, TArray];
  const flatten = ([gp, gx]: [Params, TArray]) => [vals(gp.w1), vals(gp.w2), vals(gp.w3), vals(gp.wd), vals(gx)];

  it('grad (params and input) on the wasm target equals the reference target', () => {
    const ref = flatten(g(params0, x));
    const got = withTarget('wasm', () => flatten(g(params0, x)));
    close(got, ref, 2e-5);
  });

  it('jit(grad) on the wasm target equals eager grad on the reference target', () => {
    const ref = flatten(g(params0, x));
    const jg = jit(g);
    const got = withTarget('wasm', () => flatten(jg(params0, x)));
    close(got, ref, 2e-5);
  });

  it('batch-group convolutions (the filter gradient of a grouped conv) run on wasm', () => {
    // the gradient of a feature-grouped conv with respect to its kernel is a batch-grouped conv
    const xg = arr(operand([2, 7, 7, 6], 'float32', 51, false));
    const wg = arr(operand([3, 3, 2, 6], 'float32', 52, false));
    const f = (w: TArray) => {
      const y = lax.convGeneralDilated(xg, w, { windowStrides: [2, 1], padding: 'SAME', dimensionNumbers: dn, featureGroupCount: 3 });
      return lax.reduceSum(lax.mul(y, y), [0, 1, 2, 3]);
    };
    const ref = [vals(grad(f)(wg))];
    const got = withTarget('wasm', () => [vals(grad(f)(wg))]);
    close(got, ref, 2e-5);
  });
});
