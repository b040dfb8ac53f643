// wasm target, thread pool: split GEMMs equal the single-threaded kernel bit for bit (random, odd and batched
// shapes, transposed operands, f32 and f64, non-default blocking, memory growth, a swapped kernel build), integer
// data equals the reference exactly, jit-compiled kernels (elementwise and reductions) split into ranges equal the unsplit kernel,
// setThreads validates its input, and a process with a live pool exits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShapedArray } from '../src/core/aval.js';
import type { TypedArray } from '../src/core/dtype.js';
import type { DotGeneralParams } from '../src/core/primitive.js';
import type { RefVal } from '../src/rules/types.js';
import fc from 'fast-check';
import type { ConvParams } from '../src/core/primitive.js';
import { abstractEval } from '../src/rules/abstractEval.js';
import { convImpl, dotGeneralImpl } from '../src/targets/ref/linalg.js';
import { getThreads, setThreads } from '../src/targets/wasm/index.js';
import { convChunking, convFormStats, convForms, convWasm, dotGeneralWasm, threading } from '../src/targets/wasm/linalg.js';
import { hasRelaxedSimd, hasSharedMemory, scratch, scratchMark, scratchRelease, scratchStats, selectWasmVariant, u8View, wasmExports, wasmVariant } from '../src/targets/wasm/runtime.js';
import { threadStats, threadsReady } from '../src/targets/wasm/threads.js';
import { getTarget, jit, lax, np, setTarget, type Array } from '../src/index.js';
import { planKinds, precompileWasm } from '../src/compiler/run.js';
import { jitThreading, resetJitArena } from '../src/targets/wasm/jit/module.js';
import { elementwiseConfig } from '../src/targets/wasm/elementwise.js';
import { prng as rng } from '../laws/util.js';

type FDType = 'float32' | 'float64';


function operand(shape: number[], dtype: FDType, r: () => number, integers = false): RefVal {
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) buf[i] = integers ? Math.floor(r() * 17) - 8 : (r() - 0.5) * 4;
  return { aval: new ShapedArray(shape, dtype), buffer: buf };
}

interface Case {
  x: RefVal;
  y: RefVal;
  params: DotGeneralParams;
  out: ShapedArray;
}

/**
 * out[b, m, n] = Σ_k x · y with x laid out [b, m, k] or [b, k, m] (transposed) and y [b, k, n] or [b, n, k];
 * batch dims only when B is given.
 */
function gemmCase(dtype: FDType, B: number | null, M: number, N: number, K: number, tx: boolean, ty: boolean, r: () => number, integers = false): Case {
  const bd = B === null ? [] : [B];
  const o = bd.length;
  const x = operand([...bd, ...(tx ? [K, M] : [M, K])], dtype, r, integers);
  const y = operand([...bd, ...(ty ? [N, K] : [K, N])], dtype, r, integers);
  const params = {
    contract: [[tx ? o : o + 1], [ty ? o + 1 : o]],
    batch: [bd.length ? [0] : [], bd.length ? [0] : []],
    precision: null,
    preferredElementType: null,
  } as unknown as DotGeneralParams;
  return { x, y, params, out: new ShapedArray([...bd, M, N], dtype) };
}

const run = (c: Case): TypedArray => dotGeneralWasm([c.x, c.y], c.params, [c.out])[0]!;

/** The first index where a and b differ as bit patterns (Object.is: −0 ≠ +0), or −1. */
function firstDiff(a: TypedArray, b: TypedArray): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/**
 * The product as one unsplit kernel call (the single-threaded path, forced by an unreachable size threshold while the
 * pool stays up) and split over the pool (threshold 0: any size).
 */
function oneVsMany(c: Case): { one: TypedArray; many: TypedArray } {
  threading.minMulAdds = 0;
  poison();
  const many = run(c);
  threading.minMulAdds = Infinity;
  poison();
  const one = run(c);
  threading.minMulAdds = 0;
  return { one, many };
}

/** Fills the free scratch memory with NaN bit patterns, so a block that no thread computes cannot go unnoticed. */
function poison(): void {
  const from = scratchMark(), to = scratchStats().memoryBytes;
  u8View(from, Math.min(to - from, 4 << 20)).fill(0xff); // (the cases' outputs lie in the first MB after the mark)
}

const saved = { ...threading };
beforeAll(async () => {
  expect(hasSharedMemory()).toBe(true); // Node always has SharedArrayBuffer
  threading.minMulAdds = 0; // split every product, however small
  setThreads(2);
  await threadsReady();
});
afterEach(() => wasmExports().resetBlocking());
afterAll(() => {
  Object.assign(threading, saved);
  setThreads(1);
});

describe('setThreads', () => {
  it('validates its input and reports the count', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, 65, '2' as unknown as number])
      expect(() => setThreads(bad), String(bad)).toThrow(RangeError);
    setThreads(3);
    expect(getThreads()).toBe(3);
    setThreads(1);
    expect(getThreads()).toBe(1);
    expect(threadStats().workersReady).toBe(0);
  });
});

describe('threaded dot_general equals the single-threaded kernel bit for bit', () => {
  const shapes: [B: number | null, M: number, N: number, K: number][] = [
    [null, 1, 1, 1],
    [null, 7, 13, 5],
    [null, 37, 3, 129],
    [null, 3, 61, 300], // depth over KC: several depth blocks per entry
    [null, 97, 89, 83],
    [null, 200, 17, 31], // rows split (M > N)
    [null, 17, 203, 31], // columns split
    [1, 45, 33, 19],
    [2, 31, 29, 23], // batch split with B = T
    [3, 11, 50, 7],
    [5, 6, 8, 9],
    [null, 64, 64, 0], // empty contraction: zeros
  ];
  for (const dtype of ['float32', 'float64'] as const)
    it(`${dtype}: random, odd and batched shapes, transposed operands, 2 and 3 threads`, async () => {
      const r = rng(dtype === 'float32' ? 11 : 12);
      for (const threads of [2, 3]) {
        setThreads(threads);
        await threadsReady();
        for (const [B, M, N, K] of shapes)
          for (const [tx, ty] of [[false, false], [true, false], [false, true], [true, true]] as const) {
            for (const per of [1, 2, 7]) {
              threading.blocksPerThread = per;
              const c = gemmCase(dtype, B, M, N, K, tx, ty, r);
              const { one, many } = oneVsMany(c);
              const at = firstDiff(one, many);
              expect(at, `${dtype} B=${B} M=${M} N=${N} K=${K} tx=${tx} ty=${ty} threads=${threads} blocks/thread=${per}: index ${at}`).toBe(-1);
            }
          }
      }
      threading.blocksPerThread = saved.blocksPerThread;
      expect(threadStats().workerBlocks).toBeGreaterThan(0); // the workers did take part
    });

  it('uses the blocking set on the main instance in the workers too', async () => {
    const e = wasmExports();
    const r = rng(21);
    setThreads(2);
    await threadsReady();
    for (const dtype of ['float32', 'float64'] as const) {
      const c = gemmCase(dtype, null, 123, 77, 301, false, true, r);
      // (the depth blocks accumulate into C in order, so the blocking never changes the rounding: this checks that
      // workers run a non-default blocking — short depth blocks, narrow column panels — correctly)
      e.setBlockingF32(2 * e.MR32.value, 37, 4 * e.NR32.value);
      e.setBlockingF64(2 * e.MR64.value, 37, 4 * e.NR64.value);
      threading.blocksPerThread = 8;
      const { one, many } = oneVsMany(c);
      threading.blocksPerThread = saved.blocksPerThread;
      expect(firstDiff(one, many), dtype).toBe(-1);
    }
  });

  it('integer-valued operands give the reference exactly (the split covers every entry once)', async () => {
    const r = rng(31);
    setThreads(2);
    await threadsReady();
    for (const dtype of ['float32', 'float64'] as const)
      for (const [B, M, N, K] of [[null, 150, 70, 90], [4, 20, 33, 17], [null, 9, 260, 40]] as const) {
        const c = gemmCase(dtype, B, M, N, K, true, false, r, true);
        const want = dotGeneralImpl([c.x, c.y], c.params, [c.out])[0]!;
        expect(firstDiff(run(c), want), `${dtype} ${B} ${M} ${N} ${K}`).toBe(-1);
      }
  });

  it('keeps working when the shared memory grows (workers see the new pages)', async () => {
    setThreads(2);
    await threadsReady();
    const before = scratchStats().memoryBytes;
    const r = rng(41);
    // operands, output and per-thread work of ~ 3 × 8 MB + more than the memory held so far
    const side = Math.ceil(Math.sqrt(before / 8 / 2)) + 64;
    const c = gemmCase('float64', null, side, side, side, false, false, r);
    threading.blocksPerThread = 4;
    const blocks0 = threadStats().workerBlocks;
    poison();
    const many = run(c);
    expect(scratchStats().memoryBytes).toBeGreaterThan(before);
    expect(threadStats().workerBlocks).toBeGreaterThan(blocks0);
    setThreads(1);
    poison();
    const one = run(c);
    threading.blocksPerThread = saved.blocksPerThread;
    expect(firstDiff(one, many)).toBe(-1);
    expect(threadStats().workersReady).toBe(0);
  });

  it('restarts the pool over the new memory when the kernel build is swapped', async () => {
    const builds = hasRelaxedSimd() ? (['simd128', 'relaxed'] as const) : (['simd128'] as const);
    const start = wasmVariant() ?? 'simd128';
    const r = rng(51);
    for (const v of builds) {
      selectWasmVariant(v);
      setThreads(2);
      await threadsReady();
      expect(threadStats().workersReady).toBe(1);
      const c = gemmCase('float32', null, 90, 110, 70, false, false, r);
      const { one, many } = oneVsMany(c);
      expect(firstDiff(one, many), v).toBe(-1);
    }
    selectWasmVariant(start);
  });
});

describe('threaded convGeneralDilated equals the single-threaded kernel bit for bit, and the reference', () => {
  // Random 2-d convolutions (strides, padding, dilations, feature and batch groups), each run split over the pool
  // (threshold 0) and unsplit (threshold ∞), under shrunk chunking so that every block kind occurs: ranges of images,
  // ranges of batched column chunks (small images), channel blocks that accumulate, and row ranges of the output
  // features when there are fewer units than threads.
  const convCase = fc
    .record({
      n: fc.integer({ min: 1, max: 5 }),
      G: fc.integer({ min: 1, max: 2 }),
      B: fc.integer({ min: 1, max: 2 }),
      I: fc.integer({ min: 1, max: 4 }),
      oPer: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 12, max: 20 })), // ≥ 2·MR: row ranges split too
      size: fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })),
      k: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
      stride: fc.integer({ min: 1, max: 2 }),
      pad: fc.integer({ min: 0, max: 2 }),
      ld: fc.integer({ min: 1, max: 2 }),
      rd: fc.integer({ min: 1, max: 2 }),
      chunking: fc.constantFrom({ bytes: 393216, minColumns: 64, maxBytes: 8 << 20 }, { bytes: 256, minColumns: 8, maxBytes: 2048 }, { bytes: 64, minColumns: 8, maxBytes: 512 }),
      dtype: fc.constantFrom('float32' as const, 'float64' as const),
      seed: fc.nat(),
      taps: fc.boolean(), // force the tap-GEMM form wherever it applies
    })
    .filter((c) => (c.size[0] - 1) * c.ld + 1 + 2 * c.pad >= c.k[0] && c.size[1] + c.pad >= (c.k[1] - 1) * c.rd + 1 && (c.G === 1 || c.B === 1));
  it('random convolutions, 2 threads, float32 and float64 (integer-valued: exact against the reference)', async () => {
    setThreads(2);
    await threadsReady();
    const saved = { ...convChunking }, savedForms = { ...convForms };
    const before = threadStats().workerBlocks, taps = convFormStats.taps, rowSplit = convFormStats.rowSplit;
    fc.assert(
      fc.property(convCase, (c) => {
        Object.assign(convChunking, c.chunking);
        Object.assign(convForms, c.taps ? { ratio: Infinity, minInputs: 1 } : savedForms);
        const r = rng(c.seed);
        const O = c.G * c.B * c.oPer;
        const x = operand([c.n * c.B, c.I * c.G, ...c.size], c.dtype, r, true);
        const w = operand([O, c.I, ...c.k], c.dtype, r, true);
        const p: ConvParams = {
          windowStrides: [c.stride, c.stride], padding: [[c.pad, c.pad], [c.pad, 0]], lhsDilation: [c.ld, 1], rhsDilation: [1, c.rd],
          featureGroupCount: c.G, batchGroupCount: c.B,
        };
        const outAvals = abstractEval('convGeneralDilated', [x.aval, w.aval], p);
        threading.minMulAdds = 0;
        poison();
        const many = convWasm([x, w], p, outAvals)[0]!;
        threading.minMulAdds = Infinity;
        poison();
        const one = convWasm([x, w], p, outAvals)[0]!;
        threading.minMulAdds = 0;
        const want = convImpl([x, w], p, outAvals)[0]!;
        expect(firstDiff(one, many), JSON.stringify(c)).toBe(-1);
        expect(firstDiff(want, many), JSON.stringify(c)).toBe(-1);
      }),
      { numRuns: 150, seed: 41 },
    );
    Object.assign(convChunking, saved);
    Object.assign(convForms, savedForms);
    expect(convFormStats.taps).toBeGreaterThan(taps + 20); // the tap-GEMM form ran, split and unsplit
    expect(convFormStats.rowSplit).toBeGreaterThan(rowSplit + 5); // a lone unit's output features split across threads
    expect(threadStats().workerBlocks).toBeGreaterThan(before); // the workers did take part
  });
});

describe('threaded jit kernels equal the unsplit kernel bit for bit', () => {
  /** Fills the jit arena with NaN bit patterns, so a range that no thread computes cannot go unnoticed. */
  const poisonJit = (): void => {
    resetJitArena(); // the poison writes over resident operands: forget them, as a wrap does (the ring is now empty)
    const mark = scratchMark(); // where the ring starts again
    u8View(scratch(8 << 20), 8 << 20).fill(0xff);
    scratchRelease(mark);
  };
  const f32 = (shape: number[], seed: number): Array =>
    np.array(globalThis.Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37 + seed) * 3), 'float32').reshape(shape);
  const cases: [string, (...a: Array[]) => Array | Array[], Array[]][] = [
    ['1-D, split inside the vector loop, a partial last vector', (x) => np.tanh(x.mul(1.5).add(0.5)).mul(lax.logistic(x)), [f32([1001], 1)]],
    ['2-D rows (split over the outer dimension)', (x, y) => np.exp(x.sub(y)).mul(2), [f32([37, 29], 2), f32([37, 29], 3)]],
    ['a broadcast row and a transposed operand (strided gathers)', (x, y) => x.T.add(y).mul(x.T), [f32([29, 37], 4), f32([29], 5)]],
    ['3-D with a middle transpose', (x) => np.sin(np.transpose(x, [0, 2, 1])).sub(1), [f32([5, 7, 9], 6)]],
    ['float64 (2 lanes), odd length', (x) => np.sqrt(np.abs(x)).mul(x).add(0.25), [f32([513], 7).astype('float64')]],
    ['int32 and bool outputs, two results', (x, y) => [x.astype('int32').mul(3).add(1), x.gt(y)], [f32([41, 13], 8), f32([41, 13], 9)]],
    // reductions: split over the first kept dimension, each output's sum in the same order
    ['row sums and maxima (the kept dimension first)', (x) => [np.sum(np.exp(x), 1), np.max(x.mul(x), 1)], [f32([37, 29], 11)]],
    ['column sums (strided loads), float64', (x) => np.sum(x.mul(2).add(1), 0), [f32([29, 37], 12).astype('float64')]],
    ['a middle axis of a 3-D operand, keepdims', (x) => np.sum(np.tanh(x), 1, { keepdims: true }), [f32([5, 7, 9], 13)]],
    ['a full reduction (not split)', (x) => np.sum(np.abs(x)), [f32([33, 17], 14)]],
  ];
  it('random shapes and dtypes, 1-D and multi-dimensional ranges, several outputs (2 threads)', async () => {
    setThreads(2);
    await threadsReady();
    const before = threadStats().workerBlocks;
    const saved = jitThreading.minElements, prevTarget = getTarget();
    setTarget('wasm'); // (withTarget would restore the target at the first await)
    try {
      {
        for (const [name, f, args] of cases) {
          const jf = jit(f);
          const jaxpr = jf.lower(...args).jaxpr;
          await precompileWasm([jaxpr]);
          expect(planKinds(jaxpr), name).toContain('wasm');
          jitThreading.minElements = Infinity; // the unsplit kernel
          poisonJit();
          const one = [jf(...args)].flat().map((a) => a.dataSync());
          jitThreading.minElements = 0; // split, however small
          poisonJit();
          const many = [jf(...args)].flat().map((a) => a.dataSync());
          many.forEach((m, k) => expect({ name, k, diff: firstDiff(m, one[k]!) }).toEqual({ name, k, diff: -1 }));
        }
        // the worker takes part (on a busy machine the main thread may claim every range of a small kernel before the
        // worker is scheduled, which is allowed: so run a large kernel until a worker has run some of it)
        const big = f32([1 << 20], 10), jf = jit((x: Array) => np.tanh(x).mul(x));
        await precompileWasm([jf.lower(big).jaxpr]);
        jitThreading.minElements = Infinity;
        const want = jf(big).dataSync();
        jitThreading.minElements = 0;
        for (let i = 0; i < 200 && threadStats().workerBlocks === before; i++) {
          poisonJit();
          expect(firstDiff(jf(big).dataSync(), want)).toBe(-1);
        }
      }
    } finally {
      jitThreading.minElements = saved;
      setTarget(prevTarget);
    }
    expect(threadStats().workerBlocks).toBeGreaterThan(before); // the worker ran jit ranges
  }, 300_000);
});

describe('threaded eager elementwise kernels equal the unsplit kernel bit for bit', () => {
  it('unary and binary, float32 and float64, odd lengths (2 threads)', async () => {
    setThreads(2);
    await threadsReady();
    const before = threadStats().workerBlocks;
    const saved = elementwiseConfig.threadsMin, prevTarget = getTarget();
    setTarget('wasm');
    try {
      const r = rng(77);
      for (const n of [1001, 4099, 70001]) {
        for (const dtype of ['float32', 'float64'] as const) {
          const x = np.array(globalThis.Array.from({ length: n }, () => (r() - 0.5) * 6), dtype);
          const y = np.array(globalThis.Array.from({ length: n }, () => (r() - 0.5) * 6), dtype);
          const ops: [string, () => Array][] = [
            ['add', () => x.add(y)], ['div', () => x.div(y)], ['max', () => np.maximum(x, y)], ['sqrt', () => np.sqrt(np.abs(x))],
            ...(dtype === 'float32' ? ([['tanh', () => np.tanh(x)], ['exp', () => np.exp(x)], ['pow', () => np.power(np.abs(x), y)]] as [string, () => Array][]) : []),
          ];
          for (const [name, f] of ops) {
            elementwiseConfig.threadsMin = Infinity;
            const one = f().dataSync();
            elementwiseConfig.threadsMin = 0;
            poison();
            const many = f().dataSync();
            expect({ n, dtype, name, diff: firstDiff(many, one) }).toEqual({ n, dtype, name, diff: -1 });
          }
        }
      }
      // a worker takes part in a large one (the main thread may claim every range before the worker is scheduled)
      const big = np.array(globalThis.Array.from({ length: 1 << 20 }, (_, i) => Math.sin(i)), 'float32');
      elementwiseConfig.threadsMin = Infinity;
      const want = np.tanh(big).dataSync();
      elementwiseConfig.threadsMin = 0;
      for (let i = 0; i < 200 && threadStats().workerBlocks === before; i++) expect(firstDiff(np.tanh(big).dataSync(), want)).toBe(-1);
    } finally {
      elementwiseConfig.threadsMin = saved;
      setTarget(prevTarget);
    }
    expect(threadStats().workerBlocks).toBeGreaterThan(before);
  }, 300_000);
});

describe('shutdown', () => {
  it('a process that leaves a pool running exits on its own (workers are unref’d)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-threads-'));
    const src = fileURLToPath(new URL('../src/targets/wasm/', import.meta.url));
    const script = join(dir, 'child.mts');
    writeFileSync(
      script,
      [
        `import { ShapedArray } from ${JSON.stringify(fileURLToPath(new URL('../src/core/aval.js', import.meta.url)))};`,
        `import { setThreads } from ${JSON.stringify(join(src, 'index.js'))};`,
        `import { dotGeneralWasm, threading } from ${JSON.stringify(join(src, 'linalg.js'))};`,
        `import { threadsReady, threadStats } from ${JSON.stringify(join(src, 'threads.js'))};`,
        'setThreads(2);',
        'await threadsReady();',
        'threading.minMulAdds = 0;',
        'const v = (s) => ({ aval: new ShapedArray(s, "float32"), buffer: new Float32Array(s[0] * s[1]).fill(1) });',
        'const p = { contract: [[1], [0]], batch: [[], []], precision: null, preferredElementType: null };',
        'const out = dotGeneralWasm([v([64, 48]), v([48, 80])], p, [new ShapedArray([64, 80], "float32")])[0];',
        'console.log(JSON.stringify({ first: out[0], ready: threadStats().workersReady }));',
      ].join('\n'),
    );
    const t0 = Date.now();
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', script], { timeout: 30000, encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ first: 48, ready: 1 });
    expect(Date.now() - t0).toBeLessThan(30000);
  });
});
