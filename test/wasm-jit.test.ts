// The wasm jit (AssemblyScript kernels compiled at run time): random fused programs on the compiled path agree with
// the reference target within stated tolerances (f32, f64, i32), the plan swaps in wasm kernels after a background
// compile, and the disk cache makes a second process start warm, survives corruption and concurrent writers.
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTarget, jit, lax, np, setTarget, withTarget, type Array } from '../src/index.js';
import type { DType } from '../src/core/dtype.js';
import { planKinds, planReady, precompileWasm } from '../src/compiler/run.js';
import { renderKernelAs } from '../src/targets/wasm/jit/render.js';
import { schedule } from '../src/compiler/kernel.js';
import { hasRelaxedSimd, hasSimd128, wasmResidency } from '../src/targets/wasm/runtime.js';
import { ascOptionsFor, jitAscOptions } from '../src/targets/wasm/jit/compile.js';
import { jitResidency, resetJitArena } from '../src/targets/wasm/jit/module.js';
import { ConcreteArray } from '../src/core/array.js';
import { ShapedArray } from '../src/core/aval.js';
import { recycleHost, takeHost } from '../src/core/hostPool.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runIt = hasSimd128() && existsSync(join(root, 'node_modules', 'assemblyscript')) ? it : it.skip;

let prev = 'ref';
beforeAll(() => {
  prev = getTarget();
  setTarget('wasm');
});
afterAll(() => setTarget(prev));

/**
 * Tolerances, |jit − ref| ≤ atol + rtol·|ref|: float32 transcendentals are within a few ulp (docs/wasm-math.md)
 * and chains may amplify that near cancellation, so rtol = atol = 1e-4; float64 kernels use only exact operations
 * (transcendentals stay JS) and sums in the reference's order, so 1e-12; integer arithmetic wraps like the reference.
 */
const TOL: Record<string, number> = { float32: 1e-4, float64: 1e-12, int32: 0, bool: 0 };
function close(a: Array, b: Array, what: string): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  const x = a.dataSync(), y = b.dataSync();
  const tol = TOL[a.dtype] ?? 0;
  for (let i = 0; i < x.length; i++) {
    const u = Number(x[i]), v = Number(y[i]);
    if (Number.isNaN(v)) {
      if (!Number.isNaN(u)) throw new Error(`${what}: element ${i}: ${u}, reference NaN`);
      continue;
    }
    if (!(Math.abs(u - v) <= tol + tol * Math.abs(v)) && u !== v) throw new Error(`${what}: element ${i}: ${u} vs reference ${v} (tolerance ${tol})`);
  }
}

type Prog = { dtype: DType; shape: [number, number]; ops: number[]; transpose: boolean; bcast: boolean; reduce: number };
// positive-domain ops take |x| + 0.5, so no program produces NaN by construction (NaN is covered separately)
const pos = (x: Array): Array => np.abs(x).add(0.5);
const unaryF: ((x: Array) => Array)[] = [
  np.negative, np.exp, np.tanh, np.abs, (x) => np.sqrt(pos(x)), np.sin, np.cos, np.floor, (x) => x.mul(3), (x) => np.log(pos(x)),
  (x) => lax.logistic(x), (x) => lax.erf(x), np.expm1, (x) => np.log1p(pos(x)), (x) => lax.rsqrt(pos(x)), np.sign, np.round,
  (x) => np.arctan(x), (x) => np.cbrt(x), (x) => x.astype('int32').astype(x.dtype),
];
const unaryI: ((x: Array) => Array)[] = [np.negative, np.abs, (x) => x.mul(3), (x) => x.add(7), (x) => np.square(x), np.sign, (x) => x.astype('float32').floor().astype('int32')];
const binary: ((a: Array, b: Array) => Array)[] = [
  np.add, np.subtract, np.multiply, np.maximum, np.minimum, (a, b) => np.where(a.gt(b), a, b), (a, b) => np.where(a.le(b).logicalOr(a.eq(0)), b, a.mul(2)),
  (a, b) => a.div(np.abs(b).add(1)),
];
const reducers = [(a: Array) => a, (a: Array) => np.sum(a, 1), (a: Array) => np.max(a, 0), (a: Array) => np.sum(a), (a: Array) => np.min(a, 1), (a: Array) => np.prod(a.mul(0.5), 0)];

function program(p: Prog) {
  return (x: Array, y: Array) => {
    let a = p.transpose ? x.T : x;
    const b = p.bcast ? y.reshape([1, -1]) : y;
    let acc = a;
    p.ops.forEach((o, i) => {
      const un = p.dtype === 'int32' ? unaryI : unaryF;
      acc = i % 2 === 0 ? un[o % un.length]!(acc) : binary[o % binary.length]!(acc, b);
      if (p.dtype === 'int32') acc = np.clip(acc, -1000, 1000); // keep products away from wrap-around differences in prod
      if (i === 2) a = acc;
    });
    return reducers[p.reduce % reducers.length]!(acc.add(a));
  };
}

const progArb = fc.record({
  dtype: fc.constantFrom<DType>('float32', 'float64', 'int32'),
  shape: fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 })),
  ops: fc.array(fc.nat(40), { minLength: 1, maxLength: 7 }),
  transpose: fc.boolean(),
  bcast: fc.boolean(),
  reduce: fc.nat(5),
});

function inputs(p: Prog, seed: number): [Array, Array] {
  const [r, c] = p.shape;
  const vals = (k: number) => globalThis.Array.from({ length: k }, (_, i) => (((i * 7919 + seed) % 23) - 11) * (p.dtype === 'int32' ? 1 : 0.173) + (p.dtype === 'int32' ? 0 : 0.05));
  const x = np.array(vals(r * c), p.dtype).reshape(p.transpose ? [c, r] : [r, c]);
  const y = p.bcast ? np.array(vals(c).map((v) => v + 1), p.dtype) : np.array(vals(r * c).map((v) => v * 0.5), p.dtype).reshape([r, c]);
  return [x, y];
}

describe('wasm jit: random fused programs agree with the reference target', () => {
  runIt('f32, f64 and i32 programs with broadcasts, transposes and reductions (one module for all)', async () => {
    const cases = fc.sample(fc.tuple(progArb, fc.integer({ min: 0, max: 1000 })), { numRuns: 90, seed: 2026 });
    const runs = cases.map(([p, seed]) => {
      const f = program(p);
      const jf = jit(f);
      const [x, y] = inputs(p, seed);
      return { p, f, jf, x, y, jaxpr: jf.lower(x, y).jaxpr };
    });
    await precompileWasm(runs.map((r) => r.jaxpr));
    let wasmKernels = 0;
    for (const r of runs) {
      const kinds = planKinds(r.jaxpr);
      wasmKernels += kinds.filter((k) => k === 'wasm').length;
      // every float32/int32 kernel has an AS form; float64 transcendentals deliberately have none (they stay JS loops)
      if (r.p.dtype !== 'float64') expect(kinds.includes('js'), JSON.stringify(r.p)).toBe(false);
      const got = r.jf(r.x, r.y) as Array;
      const want = withTarget('ref', () => r.f(r.x, r.y));
      close(got, want, JSON.stringify(r.p));
    }
    expect(wasmKernels).toBeGreaterThanOrEqual(runs.length / 2);
  }, 600_000);

  runIt('bool masks, comparisons, conversions, NaN propagation and strided tails', async () => {
    const fs: [(x: Array, y: Array) => Array | Array[], Array, Array][] = [];
    const x = np.array([[1.5, NaN, -2, 0], [3, -0.25, 7, -1], [Infinity, 2, -Infinity, 0.5]], 'float32');
    const y = np.array([1, 2, NaN, -3], 'float32');
    fs.push([(a, b) => np.max(a.add(b), 1), x, y]); // NaN propagates through max
    fs.push([(a, b) => [a.gt(b), np.any(a.lt(0), 0), np.all(a.ne(b), 1), np.isfinite(a)], x, y]);
    fs.push([(a, b) => np.where(a.gt(b).logicalAnd(np.isfinite(a)), a, b.mul(2)).astype('float64').add(1e-9), x, y]);
    fs.push([(a) => a.astype('int32').add(2 ** 30).mul(3).astype('uint32').astype('float64'), x, y]);
    fs.push([(a) => a.T.mul(2).exp(), x, y]);
    fs.push([(a) => np.sqrt(np.abs(a.T)).mul(2).sub(a.T), x.astype('float64'), y]);
    fs.push([(a, b) => np.sum(a.T.astype('float64').mul(b.astype('float64').reshape([-1, 1])), 0), x, y]);
    const runs = fs.map(([f, a, b]) => ({ f, a, b, jf: jit(f) }));
    await precompileWasm(runs.map((r) => r.jf.lower(r.a, r.b).jaxpr));
    for (const [i, r] of runs.entries()) {
      const got = [r.jf(r.a, r.b)].flat() as Array[];
      const want = [withTarget('ref', () => r.f(r.a, r.b))].flat();
      got.forEach((g, k) => close(g, want[k]!, `case ${i} output ${k}`));
      expect(planKinds(r.jf.lower(r.a, r.b).jaxpr)).toContain('wasm');
    }
  }, 600_000);

  runIt('a synchronous loop switches to the compiled kernels while it runs, without yielding to the event loop', () => {
    const c = 1 + Math.random(); // a constant no cache holds: the module is compiled now
    const f = jit((x: Array) => np.tanh(x.mul(c)).add(x.mul(0.5)).sum(0));
    const x = np.array(globalThis.Array.from({ length: 512 * 1024 }, (_, i) => Math.sin(i * 0.01)), 'float32').reshape([512, 1024]);
    const j = f.lower(x).jaxpr;
    const first = f(x).dataSync(); // hot: the compile starts at the next call
    expect(planKinds(j)).not.toContain('wasm');
    const t0 = Date.now();
    let calls = 0;
    while (!planKinds(j).includes('wasm') && Date.now() - t0 < 90_000) {
      f(x).dispose();
      calls++;
    }
    expect(planKinds(j)).toContain('wasm'); // swapped in by the loop's own calls (pollJit), no await in between
    expect(calls).toBeGreaterThan(0);
    const got = f(x).dataSync();
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - first[i]!)).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(first[i]!)));
  }, 120_000);

  runIt('residency: an operand an earlier kernel left in the arena is used in place, same results as copying', async () => {
    // several kernels (reductions split the plan), whose intermediates flow from one wasm kernel to the next
    const f = (x: Array, y: Array) => {
      const a = np.tanh(x.mul(1.5)).add(y);
      const s = np.sum(a, 1, { keepdims: true });
      const b = np.exp(a.sub(s.mul(0.01))).mul(a);
      const m = np.max(b, 0, { keepdims: true });
      return [b.sub(m).mul(y), np.sum(b.mul(a), 0)];
    };
    const x = np.array(globalThis.Array.from({ length: 96 * 70 }, (_, i) => Math.sin(i * 0.7)), 'float32').reshape([96, 70]);
    const y = np.array(globalThis.Array.from({ length: 96 * 70 }, (_, i) => Math.cos(i * 0.3)), 'float32').reshape([96, 70]);
    const jf = jit(f);
    const jaxpr = jf.lower(x, y).jaxpr;
    await precompileWasm([jaxpr]);
    expect(planKinds(jaxpr).filter((k) => k === 'wasm').length).toBeGreaterThanOrEqual(3);
    const run = (on: boolean): Float32Array[] => {
      jitResidency.enabled = on;
      try {
        return (jf(x, y) as Array[]).map((a) => a.dataSync() as Float32Array);
      } finally {
        jitResidency.enabled = true;
      }
    };
    const copied = run(false);
    const hits = jitResidency.hits, deferred = jitResidency.deferredBytes;
    const inPlace = run(true);
    expect(jitResidency.hits).toBeGreaterThan(hits); // some operand was used in place
    expect(jitResidency.deferredBytes).toBeGreaterThan(deferred); // an intermediate only wasm kernels read was not copied out
    inPlace.forEach((o, k) => expect(globalThis.Array.from(o)).toEqual(globalThis.Array.from(copied[k]!)));
    // a tiny ring wraps every call or two: results stay the same
    const ring = wasmResidency.maxBytes;
    wasmResidency.maxBytes = 65536; // two of these operands
    resetJitArena();
    try {
      for (let r = 0; r < 3; r++) run(true).forEach((o, k) => expect(globalThis.Array.from(o)).toEqual(globalThis.Array.from(copied[k]!)));
    } finally {
      wasmResidency.maxBytes = ring;
      resetJitArena();
    }
    // after a wrap, an operand whose arena copy was written over is copied in again, never read stale
    const h = jit((v: Array) => np.exp(v.mul(0.5)));
    const k1 = jit((v: Array) => v.mul(2).add(1));
    await precompileWasm([h.lower(x).jaxpr, k1.lower(x).jaxpr]);
    resetJitArena();
    const hx = h(x); // its output lies in the arena right after the copy of x
    resetJitArena();
    k1(y).dispose(); // the same layout: this call's output overwrites hx's arena copy
    const got = globalThis.Array.from(k1(hx).dataSync());
    jitResidency.enabled = false;
    const want = globalThis.Array.from(k1(hx).dataSync());
    jitResidency.enabled = true;
    expect(got).toEqual(want);
  }, 600_000);

  runIt('residency: a pooled buffer handed out again is never read from a stale arena copy', async () => {
    const g = jit((x: Array) => np.tanh(x).mul(3).add(1));
    const x0 = np.array([0.5, -1, 2, 0.25, -0.75, 1.5, 3, -2], 'float32');
    await precompileWasm([g.lower(x0).jaxpr]);
    const y = g(x0) as ConcreteArray; // y's buffer: a pooled host array, now resident in the arena
    const buf = y.buffer as Float32Array;
    recycleHost(buf);
    const again = takeHost(Float32Array, buf.length);
    expect(again).toBe(buf); // the same buffer, about to be rewritten
    const fresh = [1, 2, 3, 4, -1, -2, -3, -4];
    again.set(fresh);
    const z = g(new ConcreteArray(new ShapedArray([8], 'float32'), again)).dataSync();
    globalThis.Array.from(z).forEach((v, i) => expect(v).toBeCloseTo(Math.tanh(fresh[i]!) * 3 + 1, 5));
  }, 600_000);

  runIt('residency: an input copied in once is used in place by later calls, and forgotten when its buffer is reused', async () => {
    const g = jit((x: Array) => np.tanh(x).mul(3).add(1));
    const x = np.linspace(-2, 2, 5000).astype('float32');
    await precompileWasm([g.lower(x).jaxpr]);
    resetJitArena();
    const want = globalThis.Array.from(g(x).dataSync());
    const copies = jitResidency.copies, hits = jitResidency.hits;
    for (let r = 0; r < 3; r++) expect(globalThis.Array.from(g(x).dataSync())).toEqual(want);
    expect(jitResidency.copies).toBe(copies); // x was not copied again
    expect(jitResidency.hits).toBe(hits + 3);
    // an input over a pooled buffer: once its array is disposed and the buffer handed out again, the new values are read
    const buf = takeHost(Float32Array, 5000);
    buf.set(x.dataSync());
    const a = new ConcreteArray(new ShapedArray([5000], 'float32'), buf);
    expect(globalThis.Array.from(g(a).dataSync())).toEqual(want);
    a.dispose(); // gives buf back to the pool
    const again = takeHost(Float32Array, 5000);
    expect(again).toBe(buf);
    again.fill(0.5);
    const z = g(new ConcreteArray(new ShapedArray([5000], 'float32'), again)).dataSync();
    globalThis.Array.from(z).forEach((v) => expect(v).toBeCloseTo(Math.tanh(0.5) * 3 + 1, 5));
  }, 600_000);

  runIt('column reductions (the last kept axis contiguous) run across that axis and match the reference bit for bit', async () => {
    const vals = (n: number, k: number) => globalThis.Array.from({ length: n }, (_, i) => (((i * 7919 + k) % 101) - 50) * 0.37);
    const x = np.array(vals(3 * 5 * 4 * 13, 1), 'float32').reshape([3, 5, 4, 13]);
    const y = np.array(vals(3 * 5 * 4, 2), 'float32').reshape([3, 5, 4, 1]);
    const xn = np.array(vals(3 * 5 * 4 * 13, 3).map((v, i) => (i % 29 === 3 ? NaN : v)), 'float32').reshape([3, 5, 4, 13]);
    const fs: [(a: Array, b: Array) => Array, Array, Array][] = [
      [(a) => np.sum(a, [0, 1, 2]), x, y], // a bias gradient: 13 outputs, 3 vectors and a tail of 1
      [(a) => np.max(a.reshape([3, 5, 2, 2, 13]), [2, 3]), x, y], // a pooling window between kept axes
      [(a) => np.min(a, 1), x, y],
      [(a) => np.prod(a.mul(0.25), 0), x, y],
      [(a, b) => np.sum(a.mul(b).add(b), [0, 1]), x, y], // b broadcast along the vectorized axis
      [(a) => np.sum(a.astype('float64').mul(1.5), [0, 2]), x, y], // float64, 2 lanes
      [(a) => np.sum(a.astype('int32'), [0, 2]), x, y],
      [(a) => np.max(a.astype('int32'), 1), x, y],
      [(a) => np.min(a.astype('int32').astype('uint32'), 0), x, y],
      [(a) => np.max(a, [0, 1]), xn, y], // NaN propagates per output
      [(a) => np.max(np.abs(a).neg().sub(1), [0, 1]), x, y], // all negative: the identity must be −inf
      [(a) => np.min(np.abs(a).add(1), [0, 2]), x, y], // all positive: +inf
      [(a) => np.sum(a.T, 1), x.reshape([12, 65]), y], // a transposed view whose kept axis is contiguous in memory
      [(a) => np.sum(a.reshape([3, 5, 4, 13]).transpose([0, 1, 3, 2]), [0, 3]), x, y], // kept axis strided: a row reduction
    ];
    const runs = fs.map(([f, a, b]) => ({ f, a, b, jf: jit(f), jaxpr: jit(f).lower(a, b).jaxpr }));
    await precompileWasm(runs.map((r) => r.jf.lower(r.a, r.b).jaxpr));
    for (const [i, r] of runs.entries()) {
      expect(planKinds(r.jf.lower(r.a, r.b).jaxpr), `case ${i}`).toContain('wasm');
      const got = globalThis.Array.from((r.jf(r.a, r.b) as Array).dataSync(), Number);
      const want = globalThis.Array.from(withTarget('ref', () => r.f(r.a, r.b)).dataSync(), Number);
      expect(got.length).toBe(want.length);
      got.forEach((g, k) => expect(Object.is(g, want[k]) || (Number.isNaN(g) && Number.isNaN(want[k])), `case ${i} element ${k}: ${g} vs ${want[k]}`).toBe(true));
    }
    // the column form loads whole vectors and stores four outputs at once; a strided kept axis gathers lane by lane
    const src = (f: (a: Array) => Array, a: Array): string => {
      const step = schedule(jit(f).lower(a).jaxpr).steps.find((s) => s.kind === 'kernel')!;
      if (step.kind !== 'kernel') throw new Error('expected a kernel');
      return renderKernelAs(step.kernel, 'k');
    };
    const col = src((a) => np.sum(a, [0, 1, 2]), x);
    expect(col).toMatch(/f64x2\.promote_low_f32x4/);
    expect(col).toMatch(/v128\.store\(/);
    expect(col.split('if (j <')[0]).toMatch(/v128\.load\(/); // full vectors: one load each
    expect(col.split('if (j <')[0]).not.toMatch(/replace_lane/); // (only the tail of 13 gathers its lanes)
    expect(src((a) => np.sum(a, 3), x)).not.toMatch(/promote_low_f32x4/); // a row reduction: vectors along the reduced axis
  }, 600_000);

  it('renders SIMD loops with gathers for strided views', () => {
    const cj = jit((x: Array) => np.tanh(x.T).mul(2)).lower(np.ones([5, 6]));
    const step = schedule(cj.jaxpr).steps[0]!;
    if (step.kind !== 'kernel') throw new Error('expected a kernel');
    const src = renderKernelAs(step.kernel, 'k');
    expect(src).toMatch(/tanhF32x4/);
    expect(src).toMatch(/f32x4\.replace_lane/); // the transposed load is gathered lane by lane
    expect(src).toMatch(/v128\.store\(/);
  });
});

describe('wasm jit: background compilation swaps kernels in', () => {
  runIt('the first call runs JS kernels, later calls the wasm ones, same values', async () => {
    const f = (x: Array) => np.tanh(x.mul(1.5).add(0.5)).mul(lax.logistic(x)).sum(0);
    const jf = jit(f);
    const x = np.linspace(-3, 3, 4 * 1031).reshape([4, 1031]);
    const first = jf(x) as Array;
    const j = jf.lower(x).jaxpr;
    await planReady(j);
    expect(planKinds(j)).toContain('wasm');
    close(jf(x) as Array, first, 'after swap');
    close(jf(x) as Array, withTarget('ref', () => f(x)), 'vs ref');
  }, 300_000);
});

describe('wasm jit: modules built with relaxed SIMD where the engine has it', () => {
  runIt('enable it in their build options, and their exp, tanh and logistic stay within the law\'s ulp bounds (fused multiply-add in the polynomials)', async () => {
    expect(ascOptionsFor(jitAscOptions).enable.includes('relaxed-simd')).toBe(hasRelaxedSimd());
    expect(ascOptionsFor({ ...jitAscOptions, relaxedSimd: false }).enable).not.toContain('relaxed-simd');
    // float32 values over the functions' ranges, their branch points included
    const n = 1 << 16;
    const xs = new Float32Array(n).map((_, i) => (i / n - 0.5) * 40);
    const fs: [string, (x: Array) => Array, (v: number) => number, number][] = [
      ['exp', np.exp, Math.exp, 1.5], ['tanh', np.tanh, Math.tanh, 2], ['logistic', lax.logistic, (v) => 1 / (1 + Math.exp(-v)), 3],
    ];
    const x = np.array(xs);
    for (const [name, f, ref, bound] of fs) {
      const jf = jit(f);
      jf(x);
      const j = jf.lower(x).jaxpr;
      await planReady(j);
      expect(planKinds(j)).toContain('wasm');
      const got = (jf(x) as Array).dataSync() as Float32Array;
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const want = ref(xs[i]!), e = Math.abs(got[i]! - want) / Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(Math.fround(want)) || 2 ** -149)) - 23));
        if (!(e <= worst)) worst = e;
      }
      expect(worst, name).toBeLessThanOrEqual(bound);
    }
  }, 300_000);
});

// ---- the disk cache, across processes ----------------------------------------------------------------------------

const child = `
import { jit, np, lax } from ${JSON.stringify(join(root, 'src', 'index.ts'))};
import { jitIdle, jitStats } from ${JSON.stringify(join(root, 'src', 'targets', 'wasm', 'jit', 'compile.ts'))};
import { planKinds, planReady } from ${JSON.stringify(join(root, 'src', 'compiler', 'run.ts'))};
const f = jit((x) => np.exp(x.mul(0.25)).add(lax.logistic(x)).sum());
const x = np.linspace(-2, 2, 37);
const a = f(x).item();
await planReady(f.lower(x).jaxpr); // starts the compile now (a cache hit has nothing to start)
const b = f(x).item();
console.log(JSON.stringify({ ...jitStats, kinds: planKinds(f.lower(x).jaxpr), a, b }));
`;

function runChild(script: string, cacheDir: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, TENSORLAW_CACHE_DIR: cacheDir, TENSORLAW_TARGET: 'wasm' } });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += String(d)));
    p.stderr.on('data', (d) => (err += String(d)));
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch (e) {
        reject(new Error(`child failed (${String(e)}): ${out}\n${err}`));
      }
    });
  });
}

describe('wasm jit: the disk cache', () => {
  let dir = '';
  let script = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tl-jit-cache-'));
    script = join(dir, 'child.mts');
    writeFileSync(script, child);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  runIt('a second process starts warm; a corrupted entry is detected and replaced; concurrent writers agree', async () => {
    const cache = join(dir, 'cache');
    const first = await runChild(script, cache);
    expect(first).toMatchObject({ compiles: 1, diskHits: 0, diskWrites: 1 });
    expect(first.kinds).toContain('wasm');
    const entries = readdirSync(cache).filter((n) => n.endsWith('.wasm'));
    expect(entries.length).toBe(1);

    const second = await runChild(script, cache);
    expect(second).toMatchObject({ compiles: 0, diskHits: 1 });
    expect(second.kinds).toContain('wasm'); // warm: wasm kernels from the first call on
    expect(second.a).toBe(first.b);

    // corrupt the entry (flip bytes in the middle of the module): detected, recompiled, rewritten
    const file = join(cache, entries[0]!);
    const bytes = readFileSync(file);
    for (let i = 60; i < 80 && i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(file, bytes);
    const third = await runChild(script, cache);
    expect(third).toMatchObject({ diskCorrupt: 1, compiles: 1, diskWrites: 1 });
    const fourth = await runChild(script, cache);
    expect(fourth).toMatchObject({ compiles: 0, diskHits: 1, diskCorrupt: 0 });
    // a truncated entry too
    writeFileSync(file, readFileSync(file).subarray(0, 30));
    expect(await runChild(script, cache)).toMatchObject({ diskCorrupt: 1, compiles: 1 });

    // three processes on an empty cache at once: all succeed, one valid entry, no temporary files left
    const cache2 = join(dir, 'cache2');
    const all = await Promise.all([runChild(script, cache2), runChild(script, cache2), runChild(script, cache2)]);
    for (const r of all) expect(r.b).toBe(first.b);
    const names = readdirSync(cache2);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names.filter((n) => n.endsWith('.wasm')).length).toBe(1);
    expect(await runChild(script, cache2)).toMatchObject({ compiles: 0, diskHits: 1, diskCorrupt: 0 });
  }, 900_000);
});
