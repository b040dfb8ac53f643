// wasm target, math prelude and elementwise kernels: the ulp law against float64, and backend equivalence with the reference.
//
// The ulp law: for each float32 function f of wasm/math.ts, max over inputs x of |wasm(x) − F(x)| / ulp(F(x)), where
// F is the reference target's float64 function (Math.*, and erf, logistic, powC from src/targets/ref/special.ts) and
// ulp(y) is the float32 spacing at y (2^-149 below the normal range). Inputs: every float32 bit pattern at a fixed
// stride over the whole line (both signs), every float32 in windows around each method's branch points, the special
// values, and fast-check's float32 arbitrary. The measured maxima are printed; docs/wasm-math.md records them.
//   Denser measurement: TENSORLAW_ULP_STRIDE=61 npx vitest run test/wasm-math.test.ts  (default stride 4099).
//   Throughput (opt-in): TENSORLAW_BENCH=1 npx vitest run test/wasm-math.test.ts -t throughput
//
// Backend equivalence: for every primitive the wasm target claims (src/targets/wasm/elementwise.ts), on random shapes
// (size 0, 1, odd lengths: the SIMD tails) and values (NaN, ±inf, ±0, subnormals included), the wasm result equals
// the reference's: bit for bit for the exact operations (arithmetic, rounding, comparisons, select, conversions,
// sqrt, rsqrt, max/min reductions), within (bound + 1/2) ulp of the reference's float32 result for the approximated
// functions (sin, cos and pow included: rounded once from float64 lanes, they can differ from the reference by one
// ulp next to a rounding boundary), and within the summation error bound for sums.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShapedArray } from '../src/core/aval.js';
import { type DType, type TypedArray, typedArrayCtor } from '../src/core/dtype.js';
import type { BinaryPrim, ComparePrim, ReducePrim, UnaryPrim } from '../src/core/primitive.js';
import { abstractEval } from '../src/rules/abstractEval.js';
import { type FirstOrderPrim, implRules } from '../src/rules/impl.js';
import type { RefVal } from '../src/rules/types.js';
import { binaryTable, unaryTable } from '../src/targets/ref/elementwise.js';
import { elementwiseConfig, elementwiseImpl, wasmElementwisePrims } from '../src/targets/wasm/elementwise.js';
import { getTarget, setTarget, withTarget } from '../src/targets/registry.js';
import '../src/targets/wasm/index.js';
import * as lax from '../src/lax/prims.js';
import { fromTyped } from '../src/core/array.js';
import { f32View, hasRelaxedSimd, scratch, scratchMark, scratchRelease, selectWasmVariant, wasmExports } from '../src/targets/wasm/runtime.js';
import { prng as rng } from '../laws/util.js';

// ------------------------------------------------------------------------------------------------ helpers

type Rule = (args: RefVal[], params: unknown, outAvals: ShapedArray[]) => TypedArray[];
const wasmRule = (p: FirstOrderPrim): Rule => {
  const r = elementwiseImpl[p];
  if (!r) throw new Error(`the wasm target does not claim ${p}`);
  return r as unknown as Rule;
};
const refRule = (p: FirstOrderPrim): Rule => implRules[p] as unknown as Rule;
const val = (shape: readonly number[], dtype: DType, data: ArrayLike<number>): RefVal => ({
  aval: new ShapedArray(shape, dtype),
  buffer: new typedArrayCtor[dtype](Array.from(data)),
});
function run(rule: Rule, prim: FirstOrderPrim, args: RefVal[], params: unknown = {}): TypedArray {
  const outAvals = abstractEval(prim, args.map((a) => a.aval), params);
  const before = args.map((a) => Array.from(a.buffer));
  const [out] = rule(args, params, outAvals);
  expect(out).toBeInstanceOf(typedArrayCtor[outAvals[0]!.dtype]);
  expect(out!.length).toBe(outAvals[0]!.size);
  args.forEach((a, i) => expect(Array.from(a.buffer)).toEqual(before[i])); // inputs untouched
  return out!;
}

const F32_MAX = 3.4028234663852886e38;

/** The float32 spacing at |y|: 2^(e − 23) for y in [2^e, 2^(e+1)), 2^-149 below 2^-126. */
function ulp32(y: number): number {
  const a = Math.abs(y);
  if (a === 0) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (Math.max(e, -126) - 23);
}

/** Error of a float32 result against the float64 value `want`, in float32 ulps of `want` (Infinity: wrong class). */
function ulpError(got: number, want: number): number {
  if (want !== want) return got !== got ? 0 : Infinity;
  if (got !== got) return Infinity;
  const w32 = Math.fround(want);
  if (!Number.isFinite(got) || !Number.isFinite(w32)) {
    if (got === w32) return 0;
    // `want` beyond the float32 range by less than half an ulp rounds to ±max: measure against the top binade
    if (Math.abs(got) === F32_MAX && Math.sign(got) === Math.sign(want) && Number.isFinite(want)) return (Math.abs(want) - F32_MAX) / 2 ** 104;
    return Infinity;
  }
  if (got === want) return 0;
  return Math.abs(got - want) / ulp32(want);
}


const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2 ** -149, -(2 ** -149), 2 ** -126, F32_MAX, -F32_MAX, 0.5, -0.5, 2, 3];
const bits = new Uint32Array(1), asF32 = new Float32Array(bits.buffer);
const fromBits = (b: number): number => ((bits[0] = b >>> 0), asF32[0]!);

/** Random float32 values: a mix of moderate values, arbitrary bit patterns (every magnitude) and special values. */
function randomValues(n: number, seed: number, scale = 10): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    if (u < 0.45) return (r() - 0.5) * 2 * scale;
    if (u < 0.55) return Math.round((r() - 0.5) * 2 * scale * 2) / 2; // integers and halves (round, pow, sign)
    if (u < 0.9) return fromBits(Math.floor(r() * 2 ** 32));
    return SPECIALS[Math.floor(r() * SPECIALS.length)]!;
  });
}

// ------------------------------------------------------------------------------------------------ the ulp law

/** The stated bound per function, in float32 ulps against float64 (docs/wasm-math.md lists the measured maxima). */
const ULP_BOUND = {
  exp: 1.5, exp2: 1.5, log: 1.5, log1p: 1.5, expm1: 2, tanh: 2, logistic: 3, erf: 2,
  sin: 0.51, cos: 0.51, sqrt: 0.5, rsqrt: 0.51, pow: 0.51,
} as const;
type MathFn = keyof typeof ULP_BOUND;
type UnaryFn = Exclude<MathFn, 'pow'>;

const reference64 = (f: UnaryFn): ((x: number) => number) => unaryTable[f].float!;
const measured = new Map<MathFn, { ulp: number; at: string; count: number }>();
function record(f: MathFn, ulp: number, at: string, count: number): void {
  const m = measured.get(f) ?? { ulp: 0, at: '', count: 0 };
  if (ulp > m.ulp) Object.assign(m, { ulp, at });
  m.count += count;
  measured.set(f, m);
}

/** Max ulp error of the wasm float32 kernel of f over xs (and where). */
function maxUlpUnary(f: UnaryFn, xs: Float32Array): { ulp: number; at: number; got: number } {
  const out = wasmRule(f)([{ aval: new ShapedArray([xs.length], 'float32'), buffer: xs }], {}, [new ShapedArray([xs.length], 'float32')])[0]!;
  const F = reference64(f);
  let worst = 0, at = NaN, got = NaN;
  for (let i = 0; i < xs.length; i++) {
    const e = ulpError(out[i]!, F(xs[i]!));
    if (e > worst || (e !== e && worst === worst)) [worst, at, got] = [e, xs[i]!, out[i]!];
  }
  return { ulp: worst, at, got };
}

function checkUnary(f: UnaryFn, xs: Float32Array, what: string): void {
  const { ulp, at, got } = maxUlpUnary(f, xs);
  record(f, ulp, `${what}: x = ${at}`, xs.length);
  expect(ulp, `${f}(${at}) = ${got}, float64 ${reference64(f)(at)} (${what})`).toBeLessThanOrEqual(ULP_BOUND[f]);
}

const STRIDE = Math.max(1, Number(process.env.TENSORLAW_ULP_STRIDE ?? 4099) | 0);
const CHUNK = 1 << 20;

/** Every float32 bit pattern b ≡ offset (mod STRIDE) below +inf, with both signs, in chunks. */
function* strideSweep(offset: number): Generator<Float32Array> {
  const buf = new Uint32Array(CHUNK);
  let k = 0;
  for (let b = offset; b < 0x7f800000; b += STRIDE) {
    buf[k++] = b;
    buf[k++] = (b | 0x80000000) >>> 0;
    if (k === CHUNK) {
      yield new Float32Array(buf.buffer.slice(0));
      k = 0;
    }
  }
  if (k > 0) yield new Float32Array(buf.buffer.slice(0, k * 4));
}

/** Every float32 from `from` upward, `count` of them (consecutive bit patterns; `from` ≥ 0 or ≤ −0 alike). */
function window(from: number, count: number): Float32Array {
  const f = new Float32Array([from]);
  const b0 = new Uint32Array(f.buffer)[0]!;
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = from < 0 || Object.is(from, -0) ? b0 - i : b0 + i;
  return new Float32Array(out.buffer);
}

/** Windows of consecutive float32 around each method's branch points and delicate regions. */
const WINDOWS: { readonly [F in UnaryFn]: readonly number[] } = {
  exp: [0, -0, 0.34, -0.35, 1, 88.5, -87.3, -103.2],
  exp2: [0, -0.5, 0.49, 127.9, -126, -149.5],
  log: [1, 0.9999, 0.7071, 1.4142, 2 ** -126, 2 ** -149, 3e38],
  log1p: [0, -0, 1e-8, -1e-8, -0.29, 0.41, 0.9999, -0.9999, 1, 2],
  expm1: [0, -0, 0.34, -0.35, 0.69, 1e-7, -1e-7, 88.5, -17],
  tanh: [0, -0, 0.62, -0.62, 0.001, 8.9, 1],
  logistic: [0, -0, -2, 2, -17, 17, -87, -103],
  erf: [0, -0, 0.87, -0.87, 1.5, 3.9, 1e-20],
  sin: [0, -0, 0.785, 1.57, 3.14159, 6.2831, 1048570, 1e10],
  cos: [0, 0.785, 1.5707, 3.1415, 1048570, 1e10],
  sqrt: [0, 1, 2 ** -149, 1e30],
  rsqrt: [0, 1, 2 ** -149, 1e30],
};

// Both kernel builds where the engine has relaxed SIMD: the relaxed one evaluates the polynomials with fused multiply-add.
const variants = hasRelaxedSimd() ? (['relaxed', 'simd128'] as const) : (['simd128'] as const);

describe.each(variants)('wasm math prelude (%s build): ulp error against float64 (the law)', (variant) => {
  beforeAll(() => {
    selectWasmVariant(variant);
    measured.clear();
  });
  const fns = Object.keys(WINDOWS) as UnaryFn[];
  for (const f of fns) {
    it(`${f}: ≤ ${ULP_BOUND[f]} ulp`, () => {
      let off = 0;
      for (const xs of strideSweep(17)) checkUnary(f, xs, `stride-${STRIDE} sweep`), off++;
      expect(off).toBeGreaterThan(0);
      for (const w of WINDOWS[f]) checkUnary(f, window(w, 1 << 15), `window at ${w}`);
      checkUnary(f, new Float32Array(SPECIALS), 'special values');
      fc.assert(
        fc.property(fc.array(fc.float(), { minLength: 1, maxLength: 64 }), (xs) => {
          const { ulp, at } = maxUlpUnary(f, new Float32Array(xs));
          record(f, ulp, `fast-check: x = ${at}`, xs.length);
          return ulp <= ULP_BOUND[f];
        }),
        { numRuns: 300 },
      );
    });
  }

  it(`pow: ≤ ${ULP_BOUND.pow} ulp, and C99's special cases exactly`, () => {
    const powF = binaryTable.pow.float!;
    const check = (a: Float32Array, b: Float32Array, what: string): number => {
      const shape = [a.length];
      const out = run(wasmRule('pow'), 'pow', [{ aval: new ShapedArray(shape, 'float32'), buffer: a }, { aval: new ShapedArray(shape, 'float32'), buffer: b }]);
      let worst = 0, at = '';
      for (let i = 0; i < a.length; i++) {
        const e = ulpError(out[i]!, powF(a[i]!, b[i]!));
        if (e > worst || e !== e) [worst, at] = [e, `pow(${a[i]}, ${b[i]}) = ${out[i]}, float64 ${powF(a[i]!, b[i]!)}`];
      }
      record('pow', worst, `${what}: ${at}`, a.length);
      expect(worst, `${at} (${what})`).toBeLessThanOrEqual(ULP_BOUND.pow);
      return worst;
    };
    // every special value against every other (the C99 table), then random pairs over every magnitude
    const S = [...SPECIALS, -2, -3, 0.25, -F32_MAX, 1e-30, 7];
    check(new Float32Array(S.flatMap((x) => S.map(() => x))), new Float32Array(S.flatMap(() => S)), 'special pairs');
    const r = rng(5);
    const N = 1 << 18;
    const a = new Float32Array(N), b = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      const m = i % 4;
      a[i] = m === 0 ? r() * 10 : m === 1 ? fromBits(Math.floor(r() * 0x7f800000)) : m === 2 ? -r() * 10 : 1 + (r() - 0.5) * 1e-3;
      b[i] = m === 0 ? (r() - 0.5) * 40 : m === 1 ? (r() - 0.5) * 4 : m === 2 ? Math.round((r() - 0.5) * 40) : (r() - 0.5) * 2e5;
    }
    check(a, b, 'random pairs');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.float(), fc.float()), { minLength: 1, maxLength: 32 }), (ps) => {
        check(new Float32Array(ps.map((p) => p[0])), new Float32Array(ps.map((p) => p[1])), 'fast-check');
      }),
      { numRuns: 200 },
    );
  });

  afterAll(() => {
    const rows = [...measured.entries()].map(([f, m]) => `  ${f.padEnd(9)} ${m.ulp.toFixed(3).padStart(7)} ulp  (bound ${ULP_BOUND[f]}; ${m.count} inputs; worst at ${m.at})`);
    console.log(`wasm math prelude (${variant} build), max error in float32 ulps against float64 (stride ${STRIDE}):\n${rows.join('\n')}`);
    selectWasmVariant(variants[0]);
  });
});

// ------------------------------------------------------------------------------------------------ backend equivalence

/** Random shapes: rank 0..4, sizes 0, 1, odd and a few long trailing axes (≤ 3000 elements). */
const shapeArb = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 7, max: 70 }) }), { maxLength: 4 })
  .filter((s) => s.reduce((a, b) => a * b, 1) <= 3000);

const same = (a: number, b: number): boolean => Object.is(a, b) || (a !== a && b !== b);
function expectSame(got: TypedArray, want: TypedArray, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (!same(got[i]!, want[i]!)) expect.fail(`${what}: [${i}] wasm ${got[i]}, reference ${want[i]}`);
}

/**
 * Approximated float32 functions: compared with the reference's float32 result (Math.* rounded once) within
 * (bound + 1/2) ulp. sin, cos and pow are computed in float64 lanes and rounded once, so they equal the reference
 * except when the float64 value lies within its tiny error (≈ 2^-37 relative) of a float32 rounding boundary.
 */
const APPROX = new Set<string>(['exp', 'exp2', 'log', 'log1p', 'expm1', 'tanh', 'logistic', 'erf', 'sin', 'cos', 'pow']);

describe('wasm elementwise kernels: backend equivalence with the reference', () => {
  // the kernels run at every size here (small exact operations otherwise take the reference's JS loops)
  const small = elementwiseConfig.small;
  beforeAll(() => void (elementwiseConfig.small = 0));
  afterAll(() => void (elementwiseConfig.small = small));

  it('claims exactly the documented primitives', () => {
    const claimed = Object.keys(elementwiseImpl).sort();
    const expected = [
      ...wasmElementwisePrims.unaryF32, ...wasmElementwisePrims.binaryF32, ...wasmElementwisePrims.compare,
      ...wasmElementwisePrims.reduce, 'select', 'convertElementType',
    ].sort();
    expect(claimed).toEqual(expected);
  });

  for (const prim of wasmElementwisePrims.unaryF32) {
    it(`${prim}`, () => {
      fc.assert(
        fc.property(shapeArb, fc.integer(), fc.constantFrom<DType>('float32', 'float64', 'int32'), (shape, seed, dtype) => {
          if (dtype === 'int32' && !['neg', 'abs', 'sign'].includes(prim)) dtype = 'float64';
          const n = shape.reduce((a, b) => a * b, 1);
          const x = val(shape, dtype, randomValues(n, seed).map((v) => (dtype === 'int32' ? Math.trunc(v) | 0 : v)));
          const got = run(wasmRule(prim), prim, [x]);
          const want = run(refRule(prim), prim, [x]);
          if (dtype === 'float32' && APPROX.has(prim)) {
            const bound = ULP_BOUND[prim as UnaryFn] + 0.5;
            for (let i = 0; i < n; i++) {
              const w = want[i]!, g = got[i]!;
              const ok = same(g, w) || (Number.isFinite(w) && Math.abs(g - w) <= bound * ulp32(w)) || ulpError(g, reference64(prim as UnaryFn)(x.buffer[i]!)) <= ULP_BOUND[prim as UnaryFn];
              if (!ok) expect.fail(`${prim}(${x.buffer[i]}): wasm ${g}, reference ${w}`);
            }
          } else expectSame(got, want, `${prim} ${dtype}[${shape}]`);
        }),
        { numRuns: 60 },
      );
    });
  }

  for (const prim of [...wasmElementwisePrims.binaryF32, ...wasmElementwisePrims.compare] as (BinaryPrim | ComparePrim)[]) {
    it(`${prim}`, () => {
      fc.assert(
        fc.property(shapeArb, fc.integer(), fc.constantFrom<DType>('float32', 'float64', 'int32'), fc.double({ min: 0, max: 1 }), (shape, seed, dtype, pEqual) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const r = rng(seed ^ 0x9e3779b9);
          const av = randomValues(n, seed), bv = randomValues(n, seed + 1);
          for (let i = 0; i < n; i++) if (r() < pEqual) bv[i] = av[i]!; // equal operands: eq/le/ge, x − x, x / x
          const conv = (v: number) => (dtype === 'int32' ? Math.trunc(v) | 0 : v);
          const a = val(shape, dtype, av.map(conv)), b = val(shape, dtype, bv.map(conv));
          const got = run(wasmRule(prim), prim, [a, b]), want = run(refRule(prim), prim, [a, b]);
          if (dtype !== 'float32' || !APPROX.has(prim)) return expectSame(got, want, `${prim} ${dtype}[${shape}]`);
          for (let i = 0; i < n; i++) {
            const g = got[i]!, w = want[i]!;
            if (!(same(g, w) || (Number.isFinite(w) && Math.abs(g - w) <= (ULP_BOUND.pow + 0.5) * ulp32(w))))
              expect.fail(`${prim}(${a.buffer[i]}, ${b.buffer[i]}): wasm ${g}, reference ${w}`);
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  it('select, every dtype (a bitwise select: NaN payloads and −0 kept)', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), fc.constantFrom<DType>('float32', 'float64', 'int32', 'uint32', 'bool'), (shape, seed, dtype) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const r = rng(seed);
        const conv = (v: number) => (dtype === 'bool' ? (v > 0 ? 1 : 0) : dtype === 'int32' || dtype === 'uint32' ? Math.trunc(v) : v);
        const p = val(shape, 'bool', Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0)));
        const t = val(shape, dtype, randomValues(n, seed + 1).map(conv)), f = val(shape, dtype, randomValues(n, seed + 2).map(conv));
        expectSame(run(wasmRule('select'), 'select', [p, t, f]), run(refRule('select'), 'select', [p, t, f]), `select ${dtype}[${shape}]`);
      }),
      { numRuns: 100 },
    );
  });

  it('convertElementType between float32, float64, int32, uint32 (and bool through the reference)', () => {
    const dts: DType[] = ['float32', 'float64', 'int32', 'uint32', 'bool'];
    fc.assert(
      fc.property(shapeArb, fc.integer(), fc.constantFrom(...dts), fc.constantFrom(...dts), (shape, seed, from, to) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const r = rng(seed);
        const raw = randomValues(n, seed).map((v) => (r() < 0.2 ? v * 1e9 : v)); // saturation: beyond ±2^31, 2^32
        const x = val(shape, from, raw.map((v) => (from === 'bool' ? (v > 0 ? 1 : 0) : from === 'int32' || from === 'uint32' ? Math.trunc(v) % 2 ** 32 : v)));
        const params = { newDtype: to, weakType: false };
        expectSame(run(wasmRule('convertElementType'), 'convertElementType', [x], params), run(refRule('convertElementType'), 'convertElementType', [x], params), `${from} → ${to} [${shape}]`);
      }),
      { numRuns: 200 },
    );
  });

  for (const prim of wasmElementwisePrims.reduce) {
    it(`${prim} over any axes (rows, columns, transposed runs)`, () => {
      fc.assert(
        fc.property(
          shapeArb.filter((s) => s.length > 0),
          fc.integer(),
          fc.constantFrom<DType>('float32', 'float64', 'int32'),
          fc.integer({ min: 0, max: 15 }),
          fc.boolean(),
          (shape, seed, dtype, mask, specials) => {
            const axes = shape.map((_, a) => a).filter((a) => (mask >> a) & 1);
            const n = shape.reduce((a, b) => a * b, 1);
            const r = rng(seed);
            const vals = Array.from({ length: n }, () => (specials && r() < 0.02 ? SPECIALS[Math.floor(r() * 5)]! : (r() - 0.5) * 2000));
            const x = val(shape, dtype, dtype === 'int32' ? vals.map((v) => Math.trunc(v)) : vals);
            const params = { axes };
            const got = run(wasmRule(prim), prim, [x], params), want = run(refRule(prim), prim, [x], params);
            if (prim !== 'reduceSum' || dtype === 'int32') return expectSame(got, want, `${prim} ${dtype}[${shape}] axes ${axes}`);
            // sums: any order of summing m terms in float64 is within m·2^-53·Σ|x| of the exact sum (Higham §4.2);
            // float32 results then differ by at most one rounding (2^-24 relative) more
            const absSum = run(refRule('reduceSum'), 'reduceSum', [val(shape, 'float64', vals.map(Math.abs))], params);
            const m = axes.reduce((acc, a) => acc * shape[a]!, 1);
            for (let i = 0; i < want.length; i++) {
              const g = got[i]!, w = want[i]!;
              const tol = 2 * m * 2 ** -53 * absSum[i]! + (dtype === 'float32' ? 2 ** -23 * Math.abs(w) : 0);
              if (!(same(g, w) || Math.abs(g - w) <= tol)) expect.fail(`${prim} ${dtype}[${shape}] axes ${axes}: [${i}] wasm ${g}, reference ${w}`);
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('reduceMax/Min order -0 below +0 on both targets, as elementwise max/min do (the CI counterexample)', () => {
    for (const dtype of ['float32', 'float64'] as const)
      for (const data of [[0, -0], [-0, 0], [-0, 0, -0, 0, 0, -0, 0, 0, -0]]) {
        for (const [prim, want] of [['reduceMin', -0], ['reduceMax', 0]] as const) {
          const x = val([data.length], dtype, data), params = { axes: [0] };
          for (const [name, rule] of [['wasm', wasmRule(prim)], ['ref', refRule(prim)]] as const)
            expect(Object.is(run(rule, prim, [x], params)[0], want), `${name} ${prim} ${dtype} [${data.map((v) => (Object.is(v, -0) ? '-0' : '0'))}]`).toBe(true);
        }
      }
  });

  it('runs through the registry: setTarget("wasm") evaluates lax ops with these kernels', () => {
    const prev = getTarget();
    try {
      const xs = new Float32Array([-3, -0.5, 0, 0.25, 1, 2.5, 10]);
      const x = fromTyped(xs, [7], 'float32');
      const viaWasm = withTarget('wasm', () => Array.from(lax.reduceSum(lax.tanh(lax.mul(x, x)), [0]).dataSync()));
      const viaRef = withTarget('ref', () => Array.from(lax.reduceSum(lax.tanh(lax.mul(x, x)), [0]).dataSync()));
      expect(Math.abs(viaWasm[0]! - viaRef[0]!)).toBeLessThanOrEqual(4 * ulp32(viaRef[0]!));
    } finally {
      setTarget(prev);
    }
  });
});

// ------------------------------------------------------------------------------------------------ throughput (opt-in)

describe.runIf(process.env.TENSORLAW_BENCH)('throughput over 2^22 float32 (median of 5 after 3 warm-up runs)', () => {
  const median = (f: () => void): number => {
    for (let i = 0; i < 3; i++) f();
    const t: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
    return t.sort((a, b) => a - b)[2]!;
  };
  const fns = (process.env.TENSORLAW_BENCH_FNS ?? 'exp,tanh,logistic,log,erf,sin').split(',') as UnaryFn[];
  it('throughput: wasm kernel, wasm rule (copies in and out included) and the reference rule', () => {
    const N = 1 << 22;
    const r = rng(1);
    const xs = new Float32Array(N).map(() => (r() - 0.5) * 20);
    const arg: RefVal[] = [{ aval: new ShapedArray([N], 'float32'), buffer: xs }];
    const oa = [new ShapedArray([N], 'float32')];
    const ex = wasmExports() as unknown as { ewUnaryF32(op: number, x: number, out: number, n: number): void };
    const codes: Record<string, number> = { sqrt: 6, rsqrt: 7, exp: 8, exp2: 9, log: 10, log1p: 11, expm1: 12, tanh: 13, logistic: 14, erf: 15, sin: 16, cos: 17 };
    const mark = scratchMark();
    const p = scratch(N * 4), q = scratch(N * 4);
    f32View(p, N).set(xs);
    const lines: string[] = [];
    for (const f of fns) {
      const kernel = median(() => ex.ewUnaryF32(codes[f]!, p, q, N));
      const rule = median(() => wasmRule(f)(arg, {}, oa));
      const ref = median(() => refRule(f)(arg, {}, oa));
      const ns = (ms: number) => ((ms * 1e6) / N).toFixed(2);
      lines.push(`  ${f.padEnd(9)} kernel ${kernel.toFixed(1).padStart(6)} ms (${ns(kernel)} ns/elem)  rule ${rule.toFixed(1).padStart(6)} ms  reference ${ref.toFixed(1).padStart(6)} ms  → ${(ref / rule).toFixed(1)}x (kernel ${(ref / kernel).toFixed(1)}x)`);
    }
    scratchRelease(mark);
    console.log(`float32 throughput, 2^22 elements (uniform in [-10, 10]):\n${lines.join('\n')}`);
  });
});
