// One memory for the wasm target's jit and precompiled kernels: a jitted plan's intermediates flow between its fused
// kernels, products and convolutions in place (deferred in the residency ring, never copied out), with the same bits as
// copying; a path that reads an operand on the host gets its values first; wraps and variant switches never go stale.
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getTarget, jit, lax, np, setTarget, withTarget, type Array } from '../src/index.js';
import { planKinds, precompileWasm } from '../src/compiler/run.js';
import { convForms, convFormStats } from '../src/targets/wasm/linalg.js';
import { JIT_STATIC_BASE, JIT_STATIC_END, instantiate, jitResidency, resetJitArena } from '../src/targets/wasm/jit/module.js';
import {
  hasRelaxedSimd, hasSimd128, jitMemory, resetResidency, selectWasmVariant, wasmMemory, wasmResidency, wasmVariant,
} from '../src/targets/wasm/runtime.js';
import { compileModule, mathPrelude } from '../src/targets/wasm/jit/compile.js';
import { recycleHost, takeHostOf } from '../src/core/hostPool.js';
import type { Jaxpr } from '../src/ir/jaxpr.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runIt = hasSimd128() && existsSync(join(root, 'node_modules', 'assemblyscript')) ? it : it.skip;

let prev = 'ref';
const saved = { ...wasmResidency };
beforeAll(() => {
  prev = getTarget();
  setTarget('wasm');
});
afterAll(() => setTarget(prev));
afterEach(() => {
  jitResidency.enabled = true;
  wasmResidency.enabled = saved.enabled;
  wasmResidency.maxBytes = saved.maxBytes;
  resetResidency();
});

const arr = (shape: number[], seed: number, dtype: 'float32' | 'float64' | 'int32' = 'float32'): Array =>
  np.array(
    globalThis.Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (dtype === 'int32' ? ((i * 7 + seed) % 11) - 5 : Math.sin(i * 0.37 + seed) * 2)),
    dtype,
  ).reshape(shape);
const bits = (a: Array): number[] => globalThis.Array.from(new Uint32Array(new Uint8Array((a.dataSync() as Float32Array).slice().buffer).buffer));

/**
 * Fills the host pool's free buffers of every intermediate's type and size with NaN bits: a deferred value whose host
 * array is read before it is copied out then reads NaN, not an earlier run's equal values.
 */
function poisonPool(j: Jaxpr): void {
  for (const e of j.eqns)
    for (const v of e.outs) {
      const bufs = globalThis.Array.from({ length: 16 }, () => takeHostOf(v.aval.dtype, v.aval.size));
      for (const b of bufs) new Uint8Array(b.buffer, b.byteOffset, b.byteLength).fill(0xff);
      for (const b of bufs) recycleHost(b);
    }
}

/** Runs `f` jitted on the wasm kernels with residency on (what deferral does) and off (every value copied). */
async function onAndOff(f: (...a: Array[]) => Array | Array[], args: Array[]): Promise<{ on: number[][]; off: number[][]; deferred: number; aotDeferred: number; jf: ReturnType<typeof jit> }> {
  const jf = jit(f);
  const jaxpr = jf.lower(...args).jaxpr;
  await precompileWasm([jaxpr]);
  expect(planKinds(jaxpr)).toContain('wasm');
  const run = (): number[][] => {
    poisonPool(jaxpr);
    const r = jf(...args);
    return (globalThis.Array.isArray(r) ? r : [r]).map(bits);
  };
  jitResidency.enabled = false;
  wasmResidency.enabled = false;
  resetResidency();
  const off = run();
  jitResidency.enabled = true;
  wasmResidency.enabled = true;
  const d0 = jitResidency.deferredBytes, a0 = wasmResidency.deferredBytes;
  const on = run();
  return { on, off, deferred: jitResidency.deferredBytes - d0, aotDeferred: wasmResidency.deferredBytes - a0, jf };
}

describe('one memory for jit and precompiled kernels', () => {
  runIt('jit modules import the kernels’ memory, their static data between JIT_STATIC_BASE and JIT_STATIC_END', async () => {
    expect(jitMemory()).toBe(wasmMemory());
    const prelude = mathPrelude()!;
    // a module that uses the prelude's table (sin's argument reduction) and nothing else
    const mod = await compileModule({ 'input.ts': 'import { sinF32x4 } from "./math";\nexport function f(x: f32): f32 { return f32x4.extract_lane(sinF32x4(f32x4.splat(x)), 0); }\nexport function heapBase(): usize { return __heap_base; }', 'math.ts': prelude });
    const ex = instantiate(mod);
    const hb = (ex.heapBase as () => number)();
    expect(hb).toBeGreaterThan(JIT_STATIC_BASE);
    expect(hb).toBeLessThanOrEqual(JIT_STATIC_END);
    expect((ex.f as (x: number) => number)(1e4)).toBeCloseTo(Math.sin(1e4), 5);
  });

  runIt('a chain through a convolution and a product leaves its intermediates in the ring: the same bits as copying them', async () => {
    const f = (x: Array, k: Array, w: Array) => {
      const h = np.tanh(x.mul(1.3)); // jit kernel → convolution
      const c = lax.convGeneralDilated(h, k.mul(0.5), { padding: 'SAME' }); // convolution → jit kernels
      const r = np.maximum(c, 0).mul(c.mul(0.1).add(1)).reshape([4, 16 * 12 * 12]); // → product
      const y = np.matmul(r, w); // product → jit kernel
      return [np.tanh(y.mul(0.01)).sum(1), r.sum(0)];
    };
    const args = [arr([4, 16, 12, 12], 1), arr([16, 16, 3, 3], 2), arr([16 * 12 * 12, 24], 3)];
    const { on, off, deferred, aotDeferred } = await onAndOff(f, args);
    expect(deferred).toBeGreaterThan(0); // tanh(x), k·0.5 and r were not copied out
    expect(aotDeferred).toBeGreaterThan(0); // the convolution's result and the product's were not copied out either
    on.forEach((o, i) => expect(o).toEqual(off[i]!));
    // and against the reference target
    const g = f as (...a: Array[]) => Array[];
    const want = withTarget('ref', () => g(...args));
    const got = jit(g)(...args) as Array[];
    got.forEach((o, i) => {
      const a = o.dataSync(), b = want[i]!.dataSync();
      for (let j = 0; j < a.length; j++) expect(Math.abs(Number(a[j]) - Number(b[j]))).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(Number(b[j]))));
    });
  });

  runIt('an operand that a path reads on the host is copied out of the ring first', async () => {
    // a product whose contracting axes are not evenly spaced (repacked on the host)
    const strided = (a: Array, b: Array) => {
      const t = np.tanh(a).mul(2);
      return np.exp(lax.dotGeneral(t, b, [[0, 2], [0, 1]]).mul(0.1));
    };
    const r1 = await onAndOff(strided, [arr([5, 7, 6], 4), arr([5, 6, 9], 5)]);
    expect(r1.deferred).toBeGreaterThan(0);
    r1.on.forEach((o, i) => expect(o).toEqual(r1.off[i]!));
    // an integer product (the reference kernel, on the host)
    const ints = (a: Array, b: Array) => np.matmul(a.mul(3).add(1), b).mul(2);
    const r2 = await onAndOff(ints, [arr([6, 5], 6, 'int32'), arr([5, 4], 7, 'int32')]);
    expect(r2.deferred).toBeGreaterThan(0);
    r2.on.forEach((o, i) => expect(o).toEqual(r2.off[i]!));
    // a convolution in the tap form, which reads its filter on the host
    const taps0 = convFormStats.taps;
    const tapConv = (x: Array, k: Array) => np.tanh(lax.convGeneralDilated(x.add(0.25), k.mul(0.5), { padding: 'SAME' }));
    const r3 = await onAndOff(tapConv, [arr([2, 32, 10, 10], 8), arr([8, 32, 3, 3], 9)]);
    expect(convFormStats.taps).toBeGreaterThan(taps0);
    expect(convForms.minInputs).toBeLessThanOrEqual(32);
    expect(r3.deferred).toBeGreaterThan(0);
    r3.on.forEach((o, i) => expect(o).toEqual(r3.off[i]!));
  });

  runIt('a ring that wraps while results are deferred copies them out first: the same bits', async () => {
    const f = (x: Array, w: Array) => {
      const a = np.tanh(x).mul(1.5); // deferred, read only at the end: its ring copy is written over before that
      let h = x;
      for (let i = 0; i < 6; i++) h = np.tanh(np.matmul(h.mul(1.1), w)).add(h.mul(0.5));
      return np.matmul(a, w).add(h).sum(0);
    };
    const args = [arr([48, 64], 10), arr([64, 64], 11)];
    const { off, jf } = await onAndOff(f, args);
    const flushed = wasmResidency.flushedBytes;
    wasmResidency.maxBytes = 120_000; // about ten of these operands: wraps every few kernels, deferred values alive
    resetJitArena();
    for (let r = 0; r < 3; r++) {
      poisonPool(jf.lower(...args).jaxpr);
      expect(bits(jf(...args) as Array)).toEqual(off[0]!);
    }
    expect(wasmResidency.flushedBytes).toBeGreaterThan(flushed); // deferred values were copied out at the wraps
  });

  runIt('a scan over a product’s result reads its slices in place from the result’s resident copy', async () => {
    const f = (xs: Array, w: Array, h0: Array) => {
      const proj = np.matmul(xs.mul(1.5), w); // [T, B, H]: computed in the ring
      const [h, ys] = lax.scan((h: Array, x: Array) => {
        const n = np.tanh(x.add(h.mul(0.5)));
        return [n, n.sum(1)] as [Array, Array];
      }, h0, proj);
      return [h, ys];
    };
    const args = [arr([12, 8, 16], 14), arr([16, 32], 15), arr([8, 32], 16)];
    const views = wasmResidency.views;
    const { on, off } = await onAndOff(f, args);
    expect(wasmResidency.views).toBeGreaterThanOrEqual(views + 12); // every step's slice
    on.forEach((o, i) => expect(o).toEqual(off[i]!));
  });

  runIt('random jitted programs of products, convolutions and fused kernels: the same bits with residency on and off', async () => {
    type Op = { kind: number; i: number; j: number };
    const progs = fc.sample(fc.array(fc.record({ kind: fc.integer({ min: 0, max: 6 }), i: fc.nat(), j: fc.nat() }), { minLength: 2, maxLength: 10 }), { numRuns: 12, seed: 7 });
    const w = arr([24, 24], 20).mul(0.2), k = arr([16, 16, 3, 3], 21).mul(0.1);
    const program = (prog: Op[]) => (x: Array, y: Array) => {
      const vals = [x, y];
      for (const { kind, i, j } of prog) {
        const a = vals[i % vals.length]!, b = vals[j % vals.length]!;
        vals.push([
          () => np.matmul(a, w), // [16, 24] · [24, 24]
          () => np.tanh(a.mul(0.7)).add(b),
          () => a.mul(b).sub(a.mul(0.25)),
          () => np.matmul(a.T.mul(0.5), b).mul(0.1).sum(0).reshape([1, 24]).add(a), // a transposed operand
          () => lax.convGeneralDilated(a.reshape([1, 16, 4, 6]), k, { padding: 'SAME' }).reshape([16, 24]),
          () => lax.logistic(a).mul(np.max(b, 1, { keepdims: true })),
          () => np.exp(a.mul(0.1)).sub(b),
        ][kind]!());
      }
      return [vals[vals.length - 1]!, vals[vals.length - 2]!.sum(1)];
    };
    const args = [arr([16, 24], 22), arr([16, 24], 23)];
    const fns = progs.map((p) => jit(program(p)));
    await precompileWasm(fns.map((f) => f.lower(...args).jaxpr)); // one module for all of them
    const run = (f: (typeof fns)[number], on: boolean): number[][] => {
      jitResidency.enabled = on;
      wasmResidency.enabled = on;
      resetResidency();
      poisonPool(f.lower(...args).jaxpr);
      return (f(args[0]!, args[1]!) as Array[]).map(bits);
    };
    let deferred = 0;
    for (const f of fns) {
      const off = run(f, false);
      const d0 = jitResidency.deferredBytes + wasmResidency.deferredBytes;
      const on = run(f, true);
      deferred += jitResidency.deferredBytes + wasmResidency.deferredBytes - d0;
      on.forEach((o, i) => expect(o).toEqual(off[i]!));
      // a ring of five of these values (it wraps several times inside the call), and one smaller than some kernels'
      // operands and results together (some of them go to scratch)
      for (const ringBytes of [8192, 4096]) {
        wasmResidency.maxBytes = ringBytes;
        resetResidency();
        const wrapped = run(f, true);
        wasmResidency.maxBytes = saved.maxBytes;
        wrapped.forEach((o, i) => expect(o).toEqual(off[i]!));
      }
    }
    expect(deferred).toBeGreaterThan(0);
  });

  runIt('a variant switch re-instantiates jitted plans over the new memory, deferred values copied out first', async () => {
    if (!hasRelaxedSimd()) return;
    const f = (x: Array, w: Array) => np.exp(np.matmul(np.tanh(x), w).mul(0.1)).sum(0);
    const args = [arr([40, 30], 12), arr([30, 20], 13)];
    const { off, jf } = await onAndOff(f, args);
    const start = wasmVariant()!;
    const other = start === 'relaxed' ? 'simd128' : 'relaxed';
    try {
      selectWasmVariant(other);
      const again = (jf(...args) as Array).dataSync();
      const want = new Float32Array(new Uint32Array(off[0]!).buffer);
      for (let i = 0; i < want.length; i++) expect(again[i]).toBeCloseTo(want[i]!, 4);
    } finally {
      selectWasmVariant(start);
    }
    expect(bits(jf(...args) as Array)).toEqual(off[0]!);
  });
});
