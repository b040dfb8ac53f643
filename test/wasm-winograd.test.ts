// wasm target, Winograd F(4×4, 3×3) and F(2×2, 5×5) convolutions (wasm/winograd.ts): against float64 loops within the tile-scaled error
// bound, inf/NaN exactly where the direct sum puts them, bit-identical however the units are split across threads,
// the default thresholds, and a jitted gradient against the reference target.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShapedArray } from '../src/core/aval.js';
import type { ConvParams } from '../src/core/primitive.js';
import { abstractEval } from '../src/rules/abstractEval.js';
import type { RefVal } from '../src/rules/types.js';
import { grad, jit, lax, np, random, withTarget, type Array } from '../src/index.js';
import { setThreads } from '../src/targets/wasm/index.js';
import { convFormStats, convWasm, threading, winogradForm, winogradGradForm } from '../src/targets/wasm/linalg.js';
import { scratchStats } from '../src/targets/wasm/runtime.js';
import { threadsReady } from '../src/targets/wasm/threads.js';
import { type Case, reference, scaledError } from './winograd-reference.js';
import { randoms } from './wgsl-support.js';

const defaults = { ...winogradForm }, gradDefaults = { ...winogradGradForm };
afterEach(() => {
  Object.assign(winogradForm, defaults);
  Object.assign(winogradGradForm, gradDefaults);
});

interface Conv { n: number; c: number; h: number; w: number; o: number; pad: [[number, number], [number, number]]; r?: 3 | 5 }
const params = (pad: Conv['pad']): ConvParams => ({ windowStrides: [1, 1], padding: pad, lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1, batchGroupCount: 1 });
const asCase = (k: Conv): Case => ({ n: k.n, h: k.h, w: k.w, cin: k.c, cout: k.o, kh: k.r ?? 3, kw: k.r ?? 3, padding: k.pad, layout: 'NCHW', filterLayout: 'OIHW' });

/** The wasm convolution of random x [n, c, h, w] and w [o, c, r, r] (poked first), with the float64 reference. */
function run(k: Conv, seed: number, poke?: (x: Float32Array, w: Float32Array) => void) {
  const r = k.r ?? 3;
  const xb = randoms(k.n * k.c * k.h * k.w, seed), wb = randoms(k.o * k.c * r * r, seed + 1);
  poke?.(xb, wb);
  const x: RefVal = { aval: new ShapedArray([k.n, k.c, k.h, k.w], 'float32'), buffer: xb };
  const w: RefVal = { aval: new ShapedArray([k.o, k.c, r, r], 'float32'), buffer: wb };
  const p = params(k.pad);
  const got = convWasm([x, w], p, abstractEval('convGeneralDilated', [x.aval, w.aval], p))[0] as Float32Array;
  return { got, ref: reference(asCase(k), xb, wb, new Float32Array(k.o), r === 3 ? 4 : 2) };
}

const convOf = (r: 3 | 5) => fc.record({
  n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 20 }), h: fc.integer({ min: 1, max: 14 }), w: fc.integer({ min: 1, max: 23 }), o: fc.integer({ min: 1, max: 20 }),
  pad: fc.tuple(fc.tuple(fc.integer({ min: -1, max: r }), fc.integer({ min: -1, max: r })), fc.tuple(fc.integer({ min: -1, max: r }), fc.integer({ min: -1, max: r }))),
  r: fc.constant(r),
}).filter((k) => k.h + k.pad[0][0] + k.pad[0][1] >= r && k.w + k.pad[1][0] + k.pad[1][1] >= r);
const conv = convOf(3);

// F(4×4)'s rounding, relative to Σ|x|·|w| over the tile (test/wgsl-winograd.test.ts states the same bound for WebGPU)
const BOUND = 1e-5;

describe('wasm Winograd F(4×4, 3×3) convolutions', () => {
  it('stay within the tile-scaled error bound of float64 loops over sizes, channels and padding (cropping too), any chunking', () => {
    const before = convFormStats.winograd;
    fc.assert(
      fc.property(conv, fc.nat(1000), fc.constantFrom(1 << 20, 4096, 1), (k, seed, chunkBytes) => {
        Object.assign(winogradForm, { minChannels: 1, minChannelProduct: 0, minWork: 0, chunkBytes });
        const { got, ref } = run(k, seed);
        expect({ k, err: scaledError(got, ref) }).toEqual({ k, err: expect.toSatisfy((e: number) => e <= BOUND) });
      }),
      { numRuns: 120, seed: 7 },
    );
    expect(convFormStats.winograd).toBeGreaterThanOrEqual(before + 120);
    expect(scratchStats().used).toBe(0);
  });

  it('F(2×2, 5×5): within the same bound over sizes, channels and padding (cropping too), any chunking', () => {
    const before = convFormStats.winograd;
    fc.assert(
      fc.property(convOf(5), fc.nat(1000), fc.constantFrom(1 << 20, 4096, 1), (k, seed, chunkBytes) => {
        Object.assign(winogradForm, { minChannels: 1, minChannelProduct5: 0, minWork: 0, chunkBytes });
        const { got, ref } = run(k, seed);
        expect({ k, err: scaledError(got, ref) }).toEqual({ k, err: expect.toSatisfy((e: number) => e <= BOUND) });
      }),
      { numRuns: 100, seed: 9 },
    );
    expect(convFormStats.winograd).toBeGreaterThanOrEqual(before + 100);
    expect(scratchStats().used).toBe(0);
  });

  it('put inf and NaN exactly where the direct sum does (tiles with non-finite products are summed directly)', () => {
    Object.assign(winogradForm, { minChannels: 1, minChannelProduct: 0, minWork: 0 });
    const k: Conv = { n: 2, c: 5, h: 11, w: 21, o: 6, pad: [[1, 1], [1, 1]] };
    const pokes: [string, (x: Float32Array, w: Float32Array) => void][] = [
      ['an inf and a NaN in x', (x) => { x[30] = Infinity; x[11 * 21 * 5 + 100] = NaN; }],
      ['-inf and +inf two pixels apart', (x) => { x[50] = -Infinity; x[52] = Infinity; }],
      ['an inf in the filter (0·inf = NaN on padding)', (_, w) => { w[4] = Infinity; }],
    ];
    for (const r of [3, 5] as const)
      for (const [what, poke] of pokes) {
        Object.assign(winogradForm, { minChannelProduct5: 0 });
        const { got, ref } = run({ ...k, pad: [[r >> 1, r >> 1], [r >> 1, r >> 1]], r }, 3, poke);
        expect(ref.y.some((v) => !Number.isFinite(v)) && ref.y.some((v) => Number.isFinite(v)), what).toBe(true);
        expect({ what, r, err: scaledError(got, ref) }).toEqual({ what, r, err: expect.toSatisfy((e: number) => e <= BOUND) });
      }
  });

  it('is taken by default from 16 channels, cin·cout ≥ 512 and 2^20 channel products, not below', () => {
    const taken = (k: Conv) => {
      const before = convFormStats.winograd;
      run(k, 1);
      return convFormStats.winograd > before;
    };
    expect(taken({ n: 2, c: 16, h: 32, w: 32, o: 32, pad: [[1, 1], [1, 1]] })).toBe(true);
    expect(taken({ n: 16, c: 32, h: 14, w: 14, o: 16, pad: [[1, 1], [1, 1]] })).toBe(true);
    expect(taken({ n: 1, c: 16, h: 32, w: 32, o: 32, pad: [[1, 1], [1, 1]] })).toBe(false);
    expect(taken({ n: 8, c: 16, h: 32, w: 32, o: 16, pad: [[1, 1], [1, 1]] })).toBe(false);
    expect(taken({ n: 2, c: 8, h: 32, w: 32, o: 32, pad: [[1, 1], [1, 1]] })).toBe(false);
    expect(taken({ n: 1, c: 16, h: 8, w: 8, o: 16, pad: [[1, 1], [1, 1]] })).toBe(false);
    // 5×5: the same thresholds (measured faster from 16 → 32 channels at 14×14 up)
    expect(taken({ n: 8, c: 32, h: 14, w: 14, o: 64, pad: [[2, 2], [2, 2]], r: 5 })).toBe(true);
    expect(taken({ n: 64, c: 16, h: 14, w: 14, o: 32, pad: [[2, 2], [2, 2]], r: 5 })).toBe(true);
    expect(taken({ n: 64, c: 16, h: 14, w: 14, o: 16, pad: [[2, 2], [2, 2]], r: 5 })).toBe(false);
    expect(taken({ n: 64, c: 1, h: 28, w: 28, o: 32, pad: [[2, 2], [2, 2]], r: 5 })).toBe(false);
  });
});

describe('wasm Winograd convolutions on 2 threads', () => {
  const saved = { ...threading };
  beforeAll(async () => {
    setThreads(2);
    await threadsReady();
  });
  afterAll(() => {
    Object.assign(threading, saved);
    setThreads(1);
  });
  it('are bit-identical split and unsplit', () => {
    fc.assert(
      fc.property(fc.oneof(conv, convOf(5)), fc.nat(1000), fc.constantFrom(1 << 20, 4096), (k, seed, chunkBytes) => {
        Object.assign(winogradForm, { minChannels: 1, minChannelProduct: 0, minChannelProduct5: 0, minWork: 0, chunkBytes });
        threading.minMulAdds = 0;
        const many = run(k, seed).got;
        threading.minMulAdds = Infinity;
        const one = run(k, seed).got;
        expect(new Uint32Array(many.buffer, many.byteOffset, many.length)).toEqual(new Uint32Array(one.buffer, one.byteOffset, one.length));
      }),
      { numRuns: 40, seed: 8 },
    );
  });
});

describe('wasm Winograd convolutions in a model', () => {
  it('give a jitted loss gradient equal to the reference target\'s within the bound (the input gradient is a 3×3 stride-1 convolution too)', () => {
    const x = random.normal(random.key(3), [4, 16, 32, 32]), k = random.normal(random.key(4), [32, 16, 3, 3]).mul(0.2);
    const loss = (x: Array, k: Array) => np.sum(np.tanh(lax.convGeneralDilated(x, k, { padding: 'SAME' }).mul(0.1)));
    const g = grad(loss, { argnums: [0, 1] });
    const want = withTarget('ref', () => (g(x, k) as Array[]).map((a) => a.dataSync() as Float32Array));
    const before = convFormStats.winograd;
    const got = withTarget('wasm', () => (jit(g)(x, k) as Array[]).map((a) => a.dataSync() as Float32Array));
    expect(convFormStats.winograd).toBeGreaterThanOrEqual(before + 2); // the forward and the input gradient
    for (const [i, a] of got.entries()) {
      const b = want[i]!, scale = Math.max(...b.map(Math.abs));
      const err = Math.max(...a.map((v, j) => Math.abs(v - b[j]!)));
      expect(err / scale, `gradient ${i}`).toBeLessThan(1e-4);
    }
  });
});

// ---- filter gradients: out[c, o] = Σ_n x[c, n] ⋆ dy[o, n], a convolution with an r × r output ------------------------

interface Grad { cf: number; nf: number; h: number; w: number; o: number; r: 3 | 5; pad: [[number, number], [number, number]] }
const gradConv = fc.record({
  cf: fc.integer({ min: 1, max: 12 }), nf: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 1, max: 13 }), w: fc.integer({ min: 1, max: 17 }), o: fc.integer({ min: 1, max: 12 }),
  r: fc.constantFrom<3 | 5>(3, 5),
  pad: fc.tuple(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }))),
}).filter((g) => g.h + g.pad[0][0] + g.pad[0][1] >= g.r && g.w + g.pad[1][0] + g.pad[1][1] >= g.r);

/**
 * The filter gradient by the wasm kernels and in float64 ({y, scale}: scale = Σ|x|·|dy| over all the terms of each
 * (c, o) pair, every tap: the Winograd sums mix a pair's taps, so its rounding scales with that).
 */
function runGrad(g: Grad, seed: number, poke?: (x: Float32Array, dy: Float32Array) => void, withRef = true) {
  const oh = g.h + g.pad[0][0] + g.pad[0][1] - g.r + 1, ow = g.w + g.pad[1][0] + g.pad[1][1] - g.r + 1;
  const xb = randoms(g.cf * g.nf * g.h * g.w, seed), db = randoms(g.o * g.nf * oh * ow, seed + 1);
  poke?.(xb, db);
  const x: RefVal = { aval: new ShapedArray([g.cf, g.nf, g.h, g.w], 'float32'), buffer: xb };
  const dy: RefVal = { aval: new ShapedArray([g.o, g.nf, oh, ow], 'float32'), buffer: db };
  const p = params(g.pad);
  const got = convWasm([x, dy], p, abstractEval('convGeneralDilated', [x.aval, dy.aval], p))[0] as Float32Array;
  const y = new Float64Array(g.cf * g.o * g.r * g.r), scale = new Float64Array(y.length);
  for (let c = 0; c < (withRef ? g.cf : 0); c++)
    for (let o = 0; o < g.o; o++) {
      let pair = 0;
      for (let a = 0; a < g.r; a++)
        for (let b = 0; b < g.r; b++) {
          let acc = 0, abs = 0;
          for (let n = 0; n < g.nf; n++)
            for (let i = 0; i < oh; i++)
              for (let j = 0; j < ow; j++) {
                const yy = i + a - g.pad[0][0], xx = j + b - g.pad[1][0];
                const v = yy >= 0 && xx >= 0 && yy < g.h && xx < g.w ? xb[((c * g.nf + n) * g.h + yy) * g.w + xx]! : 0;
                const d = db[((o * g.nf + n) * oh + i) * ow + j]!;
                acc += v * d;
                abs += Math.abs(v) * Math.abs(d);
              }
          y[(c * g.o + o) * g.r * g.r + a * g.r + b] = acc;
          pair += abs;
        }
      scale.fill(pair, (c * g.o + o) * g.r * g.r, (c * g.o + o + 1) * g.r * g.r);
    }
  return { got, ref: { y, scale } };
}

describe('wasm Winograd filter gradients (convolutions with a 3 × 3 or 5 × 5 output)', () => {
  const anyShape = { minChannels: 1, minWindow: 1, minWindow5: 1, minHarmonic5: 0, minWork: 0 };
  it('stay within 1e-5 of Σ|x|·|dy| over each (c, o) pair of float64 loops, over sizes, channels, padding and chunking', () => {
    const before = convFormStats.winogradGrad;
    fc.assert(
      fc.property(gradConv, fc.nat(1000), fc.constantFrom(786432, 8192, 1), fc.integer({ min: 1, max: 8 }), (g, seed, chunkBytes, groups) => {
        Object.assign(winogradGradForm, { ...anyShape, chunkBytes, groups });
        const { got, ref } = runGrad(g, seed);
        expect({ g, err: scaledError(got, ref) }).toEqual({ g, err: expect.toSatisfy((e: number) => e <= BOUND) });
      }),
      { numRuns: 120, seed: 10 },
    );
    expect(convFormStats.winogradGrad).toBeGreaterThanOrEqual(before + 120);
    expect(scratchStats().used).toBe(0);
  });

  it('put inf and NaN exactly where the direct sum does (pairs with non-finite sums are summed directly)', () => {
    Object.assign(winogradGradForm, anyShape);
    for (const r of [3, 5] as const) {
      const g: Grad = { cf: 5, nf: 2, h: 11, w: 13, o: 6, r, pad: [[r >> 1, r >> 1], [r >> 1, r >> 1]] };
      const pokes: [string, (x: Float32Array, dy: Float32Array) => void][] = [
        ['an inf in x', (x) => { x[11 * 13 * 2 + 40] = Infinity; }],
        ['a NaN in dy', (_, dy) => { dy[3 * 11 * 13 + 7] = NaN; }],
        ['an inf in dy next to the padding (0·inf = NaN there)', (_, dy) => { dy[0] = Infinity; }],
      ];
      for (const [what, poke] of pokes) {
        const { got, ref } = runGrad(g, 5, poke);
        expect(ref.y.some((v) => !Number.isFinite(v)) && ref.y.some((v) => Number.isFinite(v)), what).toBe(true);
        expect({ what, r, err: scaledError(got, ref) }).toEqual({ what, r, err: expect.toSatisfy((e: number) => e <= BOUND) });
      }
    }
  });

  it('are taken for 3 × 3 from a 16 × 16 window, for 5 × 5 from cin·cout/(cin + cout) ≥ 32, not below', () => {
    const taken = (g: Grad) => {
      const before = convFormStats.winogradGrad;
      runGrad(g, 1, undefined, false);
      return convFormStats.winogradGrad > before;
    };
    expect(taken({ cf: 16, nf: 8, h: 32, w: 32, o: 32, r: 3, pad: [[1, 1], [1, 1]] })).toBe(true);
    expect(taken({ cf: 16, nf: 8, h: 14, w: 14, o: 32, r: 3, pad: [[1, 1], [1, 1]] })).toBe(false);
    expect(taken({ cf: 8, nf: 8, h: 32, w: 32, o: 32, r: 3, pad: [[1, 1], [1, 1]] })).toBe(false);
    expect(taken({ cf: 64, nf: 4, h: 14, w: 14, o: 64, r: 5, pad: [[2, 2], [2, 2]] })).toBe(true);
    expect(taken({ cf: 32, nf: 4, h: 14, w: 14, o: 64, r: 5, pad: [[2, 2], [2, 2]] })).toBe(false);
  });
});

describe('wasm Winograd filter gradients on 2 threads', () => {
  beforeAll(async () => {
    setThreads(2);
    await threadsReady();
  });
  afterAll(() => setThreads(1));
  it('are bit-identical to one thread (the accumulation groups, not the threads, fix the sums)', () => {
    fc.assert(
      fc.property(gradConv, fc.nat(1000), fc.constantFrom(786432, 8192), (g, seed, chunkBytes) => {
        Object.assign(winogradGradForm, { minChannels: 1, minWindow: 1, minWindow5: 1, minHarmonic5: 0, minWork: 0, chunkBytes });
        const two = runGrad(g, seed).got;
        setThreads(1);
        const one = runGrad(g, seed).got;
        setThreads(2);
        expect(new Uint32Array(two.buffer, two.byteOffset, two.length)).toEqual(new Uint32Array(one.buffer, one.byteOffset, one.length));
      }),
      { numRuns: 30, seed: 11 },
    );
  });
});

describe('wasm Winograd filter gradients in a model', () => {
  it("give a jitted 3 × 3 filter gradient equal to the reference target's within the bound", () => {
    const x = random.normal(random.key(5), [4, 16, 32, 32]), k = random.normal(random.key(6), [32, 16, 3, 3]).mul(0.2);
    const loss = (k: Array) => np.sum(np.tanh(lax.convGeneralDilated(x, k, { padding: 'SAME' }).mul(0.1)));
    const want = withTarget('ref', () => grad(loss)(k).dataSync() as Float32Array);
    const before = convFormStats.winogradGrad;
    const got = withTarget('wasm', () => jit(grad(loss))(k).dataSync() as Float32Array);
    expect(convFormStats.winogradGrad).toBe(before + 1);
    const scale = Math.max(...want.map(Math.abs));
    expect(Math.max(...got.map((v, j) => Math.abs(v - want[j]!))) / scale).toBeLessThan(1e-4);
  });
});
