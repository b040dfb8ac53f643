// Tests of the reference implementation: numpy/mpmath fixtures (scripts/gen-impl-fixtures.py) plus hand-derived cases.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ShapedArray } from '../src/core/aval.js';
import { type DType, type TypedArray, typedArrayCtor } from '../src/core/dtype.js';
import { prims } from '../src/core/primitive.js';
import { abstractEval } from '../src/rules/abstractEval.js';
import { type FirstOrderPrim, implRules, isHigherOrder } from '../src/rules/impl.js';
import type { RefVal } from '../src/rules/types.js';
import { erf, erfInv } from '../src/targets/ref/special.js';

// ------------------------------------------------------------------------------------------------ harness

interface FixArray {
  shape: number[];
  dtype: DType;
  data: (number | string)[];
}
interface FixCase {
  prim: FirstOrderPrim;
  note: string;
  params: unknown;
  args: FixArray[];
  outs: FixArray[];
  rtol: number;
  atol: number;
}

const decode = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);
const ref = (shape: number[], dtype: DType, data: ArrayLike<number>): RefVal => ({
  aval: new ShapedArray(shape, dtype),
  buffer: new typedArrayCtor[dtype](Array.from(data)),
});
const fromFix = (a: FixArray): RefVal => ref(a.shape, a.dtype, a.data.map(decode));

/** Runs one primitive the way the eval trace does (abstract eval for the out avals), checking purity on the way. */
function run(prim: FirstOrderPrim, args: RefVal[], params: unknown): { outs: TypedArray[]; avals: ShapedArray[] } {
  const avals = abstractEval(prim, args.map((a) => a.aval), params);
  const before = args.map((a) => Array.from(a.buffer));
  const outs = (implRules[prim] as (a: RefVal[], p: unknown, o: ShapedArray[]) => TypedArray[])(args, params, avals);
  expect(outs.length).toBe(avals.length);
  outs.forEach((o, i) => {
    expect(o).toBeInstanceOf(typedArrayCtor[avals[i]!.dtype]);
    expect(o.length).toBe(avals[i]!.size);
    for (const a of args) if (a.buffer.length > 0) expect(o.buffer).not.toBe(a.buffer.buffer); // always a fresh buffer
  });
  args.forEach((a, i) => expect(Array.from(a.buffer)).toEqual(before[i])); // inputs untouched
  return { outs, avals };
}

/** Element-wise closeness: NaN matches NaN, infinities match exactly, otherwise |got − want| ≤ atol + rtol·|want|. */
function mismatches(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number): string[] {
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    const ok = w !== w ? g !== g : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= atol + rtol * Math.abs(w);
    if (!ok && bad.length < 5) bad.push(`[${i}] got ${g}, want ${w}`);
  }
  return bad;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 0, atol = 0): void {
  expect(got.length).toBe(want.length);
  expect(mismatches(got, want, rtol, atol)).toEqual([]);
}

/** Shorthand: run `prim` and return its single output as plain numbers. */
function run1(prim: FirstOrderPrim, args: RefVal[], params: unknown = {}): number[] {
  return Array.from(run(prim, args, params).outs[0]!);
}
const f64 = (data: number[], shape = [data.length]) => ref(shape, 'float64', data);
const f32 = (data: number[], shape = [data.length]) => ref(shape, 'float32', data);
const i32 = (data: number[], shape = [data.length]) => ref(shape, 'int32', data);
const u32 = (data: number[], shape = [data.length]) => ref(shape, 'uint32', data);
const bool = (data: number[], shape = [data.length]) => ref(shape, 'bool', data);
const scalarI32 = (v: number) => ref([], 'int32', [v]);

// ------------------------------------------------------------------------------------------------ numpy fixtures

const fixtureDir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'impl');
const fixtureFiles = readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).sort();
const covered = new Set<string>();

describe('implRules vs numpy fixtures', () => {
  for (const file of fixtureFiles) {
    const cases = JSON.parse(readFileSync(join(fixtureDir, file), 'utf8')) as FixCase[];
    describe(file.replace('.json', ''), () => {
      cases.forEach((c, n) => {
        covered.add(c.prim);
        const sig = c.args.map((a) => `${a.dtype}[${a.shape.join(',')}]`).join(', ');
        it(`${c.prim}#${n}(${sig}) ${c.note}`, () => {
          const { outs, avals } = run(c.prim, c.args.map(fromFix), c.params);
          c.outs.forEach((want, i) => {
            expect(avals[i]!.shape).toEqual(want.shape);
            expect(avals[i]!.dtype).toBe(want.dtype);
            expectClose(outs[i]!, want.data.map(decode), c.rtol, c.atol);
          });
        });
      });
    });
  }
});

// ------------------------------------------------------------------------------------------------ hand-derived cases

describe('elementwise semantics', () => {
  it('int32 wraps, uint32 wraps, integer division truncates and x/0 = 0', () => {
    covered.add('add').add('mul').add('div').add('rem');
    expect(run1('add', [i32([2147483647, -2147483648]), i32([1, -1])])).toEqual([-2147483648, 2147483647]);
    expect(run1('add', [u32([4294967295]), u32([2])])).toEqual([1]);
    expect(run1('mul', [i32([65536, 123456789]), i32([65536, 1000])])).toEqual([0, -1097262584]);
    expect(run1('div', [i32([7, -7, 7, -7, 5, -2147483648]), i32([2, 2, -2, -2, 0, -1])])).toEqual([3, -3, -3, 3, 0, -2147483648]);
    expect(run1('rem', [i32([7, -7, 7, -7, 5]), i32([3, 3, -3, -3, 0])])).toEqual([1, -1, 1, -1, 0]);
    expect(run1('rem', [f64([5.5, -5.5]), f64([2, 2])])).toEqual([1.5, -1.5]);
  });

  it('round is half to even and keeps the sign of zero', () => {
    covered.add('round');
    const r = run1('round', [f64([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, -0.4, 2.4999])]);
    expect(r).toEqual([0, 2, 2, -0, -2, -2, 0, -0, 2]);
    expect(Object.is(r[3], -0)).toBe(true);
    expect(Object.is(r[7], -0)).toBe(true);
  });

  it('max/min propagate NaN; sign(0) = 0, sign(NaN) = NaN', () => {
    covered.add('max').add('min').add('sign');
    expect(run1('max', [f32([NaN, 1, -0]), f32([1, NaN, 0])]).map(String)).toEqual(['NaN', 'NaN', '0']);
    expect(run1('min', [f64([NaN, 2]), f64([1, 3])]).map(String)).toEqual(['NaN', '2']);
    expect(run1('sign', [f64([0, -3, 4, NaN])]).map(String)).toEqual(['0', '-1', '1', 'NaN']);
    expect(run1('sign', [i32([0, -3, 4])])).toEqual([0, -1, 1]);
  });

  it('logistic is stable in both tails', () => {
    covered.add('logistic');
    const y = run1('logistic', [f64([-800, -745, -40, 0, 40, 800])]);
    expect(y[0]).toBe(0);
    expect(y[1]).toBeGreaterThan(0); // e^{-745} is the smallest subnormal, not 0/0
    expect(Math.abs(y[2]! - 4.248354255291589e-18) / 4.248354255291589e-18).toBeLessThan(1e-15);
    expect(y[3]).toBe(0.5);
    expect(y[4]).toBe(1);
    expect(y[5]).toBe(1);
  });

  it('erf matches tabulated values and erfInv inverts it to ~1e-15', () => {
    covered.add('erf').add('erfInv');
    // Abramowitz & Stegun table 7.1 (and erf(x) = 1 - erfc(x) for the tail)
    expectClose(run1('erf', [f64([0.5, 1, 2, -1])]), [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.8427007929497149], 1e-15);
    expect(run1('erfInv', [f64([1, -1, 0, 1.5])]).map(String)).toEqual(['Infinity', '-Infinity', '0', 'NaN']);
    for (let x = -5.5; x <= 5.5; x += 0.0137) {
      const p = erf(x);
      if (Math.abs(p) === 1) continue;
      // compared in p, where the problem is well conditioned (d erf⁻¹(p) = dp / erf′(y) blows up in the tails);
      // the bound allows erf's own error (< 8e-16 relative, see the mpmath fixtures) on top of erfInv's
      const y = erfInv(p);
      expect(Math.abs(erf(y) - p)).toBeLessThanOrEqual(1e-15 * Math.max(0.5, Math.abs(p)));
    }
  });

  it('pow follows C: negative base with fractional exponent is NaN, pow(1, NaN) = 1; integer pow wraps', () => {
    covered.add('pow');
    expect(run1('pow', [f64([-8, 1, -1, 2]), f64([1 / 3, NaN, Infinity, 10])]).map(String)).toEqual(['NaN', '1', '1', '1024']);
    expect(run1('pow', [i32([3, 2, 2, -1, 1, 5]), i32([4, 31, 32, -3, -7, -1])])).toEqual([81, -2147483648, 0, -1, 1, 0]);
  });

  it('shifts: counts ≥ 32 give 0; shiftRightLogical treats int32 bits as unsigned', () => {
    covered.add('shiftLeft').add('shiftRightLogical');
    expect(run1('shiftLeft', [i32([1, 1, 1, 3]), i32([31, 32, 100, -1])])).toEqual([-2147483648, 0, 0, 0]);
    expect(run1('shiftRightLogical', [i32([-1, -1, -8]), i32([28, 32, 1])])).toEqual([15, 0, 2147483644]);
    expect(run1('shiftRightLogical', [u32([4294967295]), u32([31])])).toEqual([1]);
  });

  it('and/or/xor/not are logical on bool and bitwise on ints', () => {
    covered.add('and').add('or').add('xor').add('not');
    expect(run1('and', [bool([1, 1, 0]), bool([1, 0, 0])])).toEqual([1, 0, 0]);
    expect(run1('xor', [bool([1, 1, 0]), bool([1, 0, 0])])).toEqual([0, 1, 0]);
    expect(run1('or', [i32([12]), i32([3])])).toEqual([15]);
    expect(run1('not', [bool([1, 0])])).toEqual([0, 1]);
    expect(run1('not', [i32([0, -1])])).toEqual([-1, 0]);
    expect(run1('not', [u32([0])])).toEqual([4294967295]);
  });

  it('comparisons give bool, NaN compares unequal', () => {
    covered.add('eq').add('ne').add('lt').add('isFinite');
    expect(run1('eq', [f64([NaN, 0, 1]), f64([NaN, -0, 2])])).toEqual([0, 1, 0]);
    expect(run1('ne', [f64([NaN]), f64([NaN])])).toEqual([1]);
    expect(run1('lt', [u32([4294967295]), u32([1])])).toEqual([0]);
    expect(run1('isFinite', [f32([1, Infinity, NaN, -Infinity])])).toEqual([1, 0, 0, 0]);
  });

  it('float32 results are rounded once from float64', () => {
    covered.add('exp').add('sub');
    const x = f32([1]);
    expect(run1('exp', [x])[0]).toBe(Math.fround(Math.E));
    // 1 + 2⁻²⁴ − 1 would be 0 if rounded per operation in float32; the f32 inputs are exact, the op rounds once
    expect(run1('sub', [f32([16777217 - 1]), f32([1])])).toEqual([16777215]);
  });
});

describe('conversions', () => {
  it('float → int truncates, NaN → 0 and saturates; int ↔ uint wraps; → bool is x ≠ 0', () => {
    covered.add('convertElementType');
    const conv = (x: RefVal, newDtype: DType) => run1('convertElementType', [x], { newDtype, weakType: false });
    expect(conv(f64([2.9, -2.9, NaN, 1e20, -1e20, Infinity]), 'int32')).toEqual([2, -2, 0, 2147483647, -2147483648, 2147483647]);
    expect(conv(f64([2.9, -2.9, NaN, 1e20]), 'uint32')).toEqual([2, 0, 0, 4294967295]);
    expect(conv(i32([-1]), 'uint32')).toEqual([4294967295]);
    expect(conv(u32([4294967295]), 'int32')).toEqual([-1]);
    expect(conv(f64([0, -0, NaN, 0.1]), 'bool')).toEqual([0, 0, 1, 1]);
    expect(conv(bool([1, 0]), 'float32')).toEqual([1, 0]);
    expect(conv(f64([0.1]), 'float32')).toEqual([Math.fround(0.1)]);
  });

  it('bitcastConvertType keeps every bit, NaN payloads included', () => {
    covered.add('bitcastConvertType');
    const bits = new Int32Array([0x7fc00001, 0x3f800000, -0x80000000]);
    const asF32 = run('bitcastConvertType', [ref([3], 'int32', bits)], { newDtype: 'float32' }).outs[0]!;
    expect(asF32[1]).toBe(1);
    expect(Object.is(asF32[2], -0)).toBe(true);
    const back = run('bitcastConvertType', [{ aval: new ShapedArray([3], 'float32'), buffer: asF32 }], { newDtype: 'int32' }).outs[0]!;
    expect(Array.from(back)).toEqual(Array.from(bits));
  });

  it('stopGradient and reshape copy (mutating the result leaves the operand alone)', () => {
    covered.add('stopGradient').add('reshape').add('select');
    const x = f64([1, 2, 3, 4], [2, 2]);
    const y = run('reshape', [x], { newSizes: [4] }).outs[0]!;
    y[0] = 99;
    expect(x.buffer[0]).toBe(1);
    const z = run('stopGradient', [x], {}).outs[0]!;
    z[1] = 99;
    expect(x.buffer[1]).toBe(2);
    expect(run1('select', [bool([1, 0]), i32([1, 2]), i32([3, 4])])).toEqual([1, 4]);
  });
});

describe('structure', () => {
  it('iota, broadcastInDim, transpose by hand', () => {
    covered.add('iota').add('broadcastInDim').add('transpose');
    expect(run1('iota', [], { dtype: 'int32', shape: [2, 3], dimension: 1 })).toEqual([0, 1, 2, 0, 1, 2]);
    expect(run1('broadcastInDim', [i32([1, 2])], { shape: [2, 3], broadcastDimensions: [0] })).toEqual([1, 1, 1, 2, 2, 2]);
    expect(run1('transpose', [i32([1, 2, 3, 4, 5, 6], [2, 3])], { permutation: [1, 0] })).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('reductions: empty identities, bool any/all, int wrap', () => {
    covered.add('reduceSum').add('reduceMax').add('reduceMin').add('reduceProd');
    const e = f32([], [0]);
    expect(run1('reduceSum', [e], { axes: [0] })).toEqual([0]);
    expect(run1('reduceProd', [e], { axes: [0] })).toEqual([1]);
    expect(run1('reduceMax', [e], { axes: [0] })).toEqual([-Infinity]);
    expect(run1('reduceMin', [i32([], [0])], { axes: [0] })).toEqual([2147483647]);
    expect(run1('reduceMax', [bool([0, 1, 0], [3])], { axes: [0] })).toEqual([1]);
    expect(run1('reduceMin', [bool([0, 1, 1], [3])], { axes: [0] })).toEqual([0]);
    expect(run1('reduceSum', [i32([2147483647, 1])], { axes: [0] })).toEqual([-2147483648]);
    expect(run1('reduceMax', [f64([1, NaN, 3])], { axes: [0] }).map(String)).toEqual(['NaN']);
  });

  it('float32 sums accumulate in float64 (stated choice)', () => {
    // 1e8 + 1 − 1e8 in float32 steps is 0; with a float64 accumulator it is exactly 1.
    expect(run1('reduceSum', [f32([1e8, 1, -1e8])], { axes: [0] })).toEqual([1]);
    covered.add('dotGeneral');
    const d = run1('dotGeneral', [f32([1e8, 1, -1e8]), f32([1, 1, 1])], { contract: [[0], [0]], batch: [[], []], preferredElementType: null });
    expect(d).toEqual([1]);
  });

  it('argmax/argmin take the first occurrence and a NaN wins at its first position', () => {
    covered.add('argmax').add('argmin');
    expect(run1('argmax', [f64([1, 3, 3, 2])], { axis: 0, indexDtype: 'int32' })).toEqual([1]);
    expect(run1('argmin', [f64([2, 0, 5, 0])], { axis: 0, indexDtype: 'int32' })).toEqual([1]);
    expect(run1('argmax', [f64([1, NaN, 9, NaN])], { axis: 0, indexDtype: 'int32' })).toEqual([1]);
    expect(run1('argmin', [f64([1, -9, NaN])], { axis: 0, indexDtype: 'int32' })).toEqual([2]);
  });

  it('cumsum forward and reverse', () => {
    covered.add('cumsum');
    expect(run1('cumsum', [i32([1, 2, 3, 4], [2, 2])], { axis: 0, reverse: false })).toEqual([1, 2, 4, 6]);
    expect(run1('cumsum', [i32([1, 2, 3, 4])], { axis: 0, reverse: true })).toEqual([10, 9, 7, 4]);
  });

  it('slice with strides, pad with interior and negative edges, concatenate, rev', () => {
    covered.add('slice').add('pad').add('concatenate').add('rev');
    expect(run1('slice', [i32([0, 1, 2, 3, 4, 5, 6])], { startIndices: [1], limitIndices: [7], strides: [3] })).toEqual([1, 4]);
    const pad = (cfg: [number, number, number]) => run1('pad', [i32([1, 2, 3]), scalarI32(0)], { paddingConfig: [cfg] });
    expect(pad([1, 1, 1])).toEqual([0, 1, 0, 2, 0, 3, 0]);
    expect(pad([-1, 2, 0])).toEqual([2, 3, 0, 0]);
    expect(pad([-2, -1, 1])).toEqual([2, 0]); // [1,0,2,0,3] cropped by 2 low, 1 high
    expect(run1('concatenate', [i32([1]), i32([]), i32([2, 3])], { dimension: 0 })).toEqual([1, 2, 3]);
    expect(run1('rev', [i32([1, 2, 3, 4], [2, 2])], { dimensions: [1] })).toEqual([2, 1, 4, 3]);
  });

  it('dynamic slices clamp their starts so the window fits', () => {
    covered.add('dynamicSlice').add('dynamicUpdateSlice');
    const x = i32([0, 1, 2, 3, 4]);
    expect(run1('dynamicSlice', [x, scalarI32(4)], { sliceSizes: [2] })).toEqual([3, 4]);
    expect(run1('dynamicSlice', [x, scalarI32(-7)], { sliceSizes: [2] })).toEqual([0, 1]);
    expect(run1('dynamicUpdateSlice', [x, i32([8, 9]), scalarI32(10)])).toEqual([0, 1, 2, 8, 9]);
    expect(run1('dynamicUpdateSlice', [x, i32([8, 9]), scalarI32(-1)])).toEqual([8, 9, 2, 3, 4]);
  });

  it('gather clamps, scatter drops out-of-range updates, scatter is last-write-wins', () => {
    covered.add('gather').add('scatterAdd').add('scatter');
    const x = f64([10, 20, 30]);
    const idx = i32([-1, 5, 1, 1]);
    const p = { axes: [0], outDim: 0 };
    expect(run1('gather', [x, idx], p)).toEqual([10, 30, 20, 20]);
    expect(run1('scatterAdd', [x, f64([1, 2, 3, 4]), idx], p)).toEqual([10, 27, 30]);
    expect(run1('scatter', [x, f64([1, 2, 3, 4]), idx], p)).toEqual([10, 4, 30]);
    // rows of a matrix, index shape [2, 2] inserted after the kept axis (outDim 1)
    const m = i32([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(run1('gather', [m, i32([2, 0, 0, 1], [2, 2])], { axes: [0], outDim: 1 })).toEqual([5, 1, 1, 3, 6, 2, 2, 4]);
  });

  it('sort: NaN last, stable, descending is the exact reverse, payload follows the keys', () => {
    covered.add('sort');
    const { outs } = run('sort', [f64([2, NaN, -0, 1, 0]), i32([0, 1, 2, 3, 4])], { dimension: 0, numKeys: 1, descending: false });
    expect(Array.from(outs[0]!).map(String)).toEqual(['0', '0', '1', '2', 'NaN']);
    expect(Array.from(outs[1]!)).toEqual([2, 4, 3, 0, 1]);
    const d = run('sort', [f64([2, NaN, -0, 1, 0]), i32([0, 1, 2, 3, 4])], { dimension: 0, numKeys: 1, descending: true }).outs;
    expect(Array.from(d[1]!)).toEqual([1, 0, 3, 4, 2]);
  });
});

describe('dotGeneral and convGeneralDilated', () => {
  const naiveMatmul = (a: number[], b: number[], M: number, K: number, N: number) =>
    Array.from({ length: M * N }, (_, t) => {
      const i = Math.floor(t / N), j = t % N;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k]! * b[k * N + j]!;
      return s;
    });
  const rand = (n: number, seed: number) => {
    let s = seed;
    return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
  };

  it('matches a naive triple loop across cache blocks and micro-kernel tails', () => {
    // 301 columns span two cache blocks (254 rows of Bt each); odd M and N exercise the tile tails
    for (const [M, K, N] of [[2, 3, 3001], [5, 70, 9], [1, 1, 1], [5, 129, 301]] as const) {
      const a = rand(M * K, M + K), b = rand(K * N, N);
      const out = run1('dotGeneral', [f64(a, [M, K]), f64(b, [K, N])], { contract: [[1], [0]], batch: [[], []], preferredElementType: null });
      expectClose(out, naiveMatmul(a, b, M, K, N), 1e-13, 1e-13);
    }
  });

  it('a large 2-d convolution (im2col done in chunks) matches a direct loop', () => {
    const [C, H, W, O, KH, KW] = [64, 47, 46, 3, 3, 3];
    const x = rand(C * H * W, 7), w = rand(O * C * KH * KW, 8);
    const p = { windowStrides: [1, 1], padding: [[0, 0], [0, 0]] as [number, number][], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1, batchGroupCount: 1 };
    const out = run1('convGeneralDilated', [f64(x, [1, C, H, W]), f64(w, [O, C, KH, KW])], p);
    const [OH, OW] = [H - KH + 1, W - KW + 1];
    const want: number[] = [];
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let s = 0;
          for (let c = 0; c < C; c++)
            for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) s += x[(c * H + i + a) * W + j + b]! * w[((o * C + c) * KH + a) * KW + b]!;
          want.push(s);
        }
    expectClose(out, want, 1e-12, 1e-12);
  });

  it('a 1-d convolution by hand, and lhs dilation as a transposed convolution', () => {
    covered.add('convGeneralDilated');
    const base = { windowStrides: [1], padding: [[0, 0]] as [number, number][], lhsDilation: [1], rhsDilation: [1], featureGroupCount: 1, batchGroupCount: 1 };
    // correlation (no kernel flip): [1,2,3,4] ⋆ [1,10] = [21, 32, 43]
    expect(run1('convGeneralDilated', [f64([1, 2, 3, 4], [1, 1, 4]), f64([1, 10], [1, 1, 2])], base)).toEqual([21, 32, 43]);
    // stride 2 with padding [1, 1]: padded [0,1,2,3,4,0], windows at 0, 2, 4: 0·1+1·10, 2·1+3·10, 4·1+0·10
    expect(run1('convGeneralDilated', [f64([1, 2, 3, 4], [1, 1, 4]), f64([1, 10], [1, 1, 2])], { ...base, windowStrides: [2], padding: [[1, 1]] })).toEqual([10, 32, 4]);
    // lhs dilation 2: [1,0,2] ⋆ [1,1] = [1, 2]
    expect(run1('convGeneralDilated', [f64([1, 2], [1, 1, 2]), f64([1, 1], [1, 1, 2])], { ...base, lhsDilation: [2] })).toEqual([1, 2]);
    // rhs dilation 2: kernel [1, ·, 10] over [1,2,3,4] → [1+30, 2+40]
    expect(run1('convGeneralDilated', [f64([1, 2, 3, 4], [1, 1, 4]), f64([1, 10], [1, 1, 2])], { ...base, rhsDilation: [2] })).toEqual([31, 42]);
  });
});

describe('coverage', () => {
  it('every first-order primitive has an implementation and at least one test', () => {
    const firstOrder = prims.filter((p) => !isHigherOrder(p));
    for (const p of firstOrder) expect(typeof implRules[p as FirstOrderPrim], p).toBe('function');
    const missing = firstOrder.filter((p) => !covered.has(p));
    expect(missing).toEqual([]);
  });
});
