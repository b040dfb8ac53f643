// Residency in the wasm target's kernel memory: an array copied in (or computed there) is used in place by later eager
// operations, with the same bits as copying it again; wraps, held operands, recycled buffers and float16 never go stale.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { lax, np, withTarget, type Array } from '../src/index.js';
import { ConcreteArray } from '../src/core/array.js';
import { ShapedArray } from '../src/core/aval.js';
import { takeHost } from '../src/core/hostPool.js';
import { hasSimd128, resetResidency, wasmResidency } from '../src/targets/wasm/runtime.js';

const runIt = hasSimd128() ? it : it.skip;
const saved = { ...wasmResidency };
afterEach(() => {
  wasmResidency.enabled = saved.enabled;
  wasmResidency.maxBytes = saved.maxBytes;
  resetResidency();
});

const bits = (a: Array): number[] => globalThis.Array.from(new Uint32Array((a as ConcreteArray).dataSync().slice().buffer));
const vec = (n: number, seed: number, dtype: 'float32' | 'float64' = 'float32'): Array =>
  np.array(globalThis.Array.from({ length: n }, (_, i) => Math.sin(i * 0.61 + seed) * 3), dtype);

describe('wasm residency', () => {
  runIt('an array read again is used in place: no second copy, the same bits', () => {
    withTarget('wasm', () => {
      const x = vec(50_000, 1), y = vec(50_000, 2);
      resetResidency();
      const want = bits(np.tanh(x).mul(y));
      const { copies, hits } = wasmResidency;
      for (let r = 0; r < 3; r++) expect(bits(np.tanh(x).mul(y))).toEqual(want);
      expect(wasmResidency.copies).toBe(copies); // x, y and tanh's result were all resident
      expect(wasmResidency.hits).toBeGreaterThanOrEqual(hits + 9);
      // a GEMM's operands and result too
      const a = vec(64 * 96, 3).reshape([64, 96]), b = vec(96 * 80, 4).reshape([96, 80]);
      const c0 = bits(np.sum(np.matmul(a, b), 0));
      const copies2 = wasmResidency.copies;
      expect(bits(np.sum(np.matmul(a, b), 0))).toEqual(c0);
      expect(wasmResidency.copies).toBe(copies2);
    });
  });

  runIt('random programs give the same bits with residency off, on, and on with a ring that wraps constantly', () => {
    type Op = { kind: number; i: number; j: number };
    const ops = fc.array(fc.record({ kind: fc.integer({ min: 0, max: 7 }), i: fc.nat(), j: fc.nat() }), { minLength: 1, maxLength: 12 });
    const run = (prog: Op[], dtype: 'float32' | 'float64'): number[][] => {
      const vals: Array[] = [vec(3000, 1, dtype), vec(3000, 2, dtype), vec(3000, 3, dtype)];
      for (const { kind, i, j } of prog) {
        const a = vals[i % vals.length]!, b = vals[j % vals.length]!;
        const m = a.reshape([50, 60]), n = b.reshape([60, 50]);
        const next = [
          () => a.add(b),
          () => np.exp(a.mul(0.1)),
          () => np.maximum(a, b).sub(a),
          () => np.where(a.gt(b), a, b.mul(2)),
          () => np.matmul(m, n).reshape([2500]).mul(0.01).reshape([50, 50]).reshape([2500]).astype(dtype),
          () => np.sum(a.reshape([30, 100]), 1).reshape([30]).mul(np.ones([30], dtype)).sum().add(a),
          () => np.tanh(b),
          () => lax.convertElementType(lax.convertElementType(a, 'float32'), dtype),
        ][kind]!();
        vals.push(next.shape.length === 1 && next.size === 3000 ? next : a);
      }
      return vals.slice(3).map(bits);
    };
    fc.assert(
      fc.property(ops, fc.constantFrom('float32' as const, 'float64' as const), (prog, dtype) =>
        withTarget('wasm', () => {
          wasmResidency.enabled = false;
          const want = run(prog, dtype);
          wasmResidency.enabled = true;
          resetResidency();
          expect(run(prog, dtype)).toEqual(want);
          expect(run(prog, dtype)).toEqual(want); // the second time, operands are resident
          wasmResidency.maxBytes = 40_000; // a ring of a few operands: it wraps, or falls back while one is held
          resetResidency();
          expect(run(prog, dtype)).toEqual(want);
          wasmResidency.maxBytes = saved.maxBytes;
        }),
      ),
      { numRuns: 40 },
    );
  });

  runIt('an operand in use is never written over: a full ring falls back to scratch instead of wrapping', () => {
    withTarget('wasm', () => {
      const a = vec(40 * 50, 7).reshape([40, 50]), b = vec(50 * 40, 8).reshape([50, 40]); // 8000 bytes each
      wasmResidency.enabled = false;
      const want = bits(np.matmul(a, b));
      wasmResidency.enabled = true;
      wasmResidency.maxBytes = 16_000; // two slots
      resetResidency();
      np.exp(a).dispose(); // a in the first slot, exp(a) in the second
      expect(bits(np.matmul(a, b))).toEqual(want); // a is read in place; b finds the ring full while a is held
    });
  });

  runIt('a pooled buffer handed out again is read fresh, never from its old resident copy', () => {
    withTarget('wasm', () => {
      const buf = takeHost(Float32Array, 40_000);
      buf.set((vec(40_000, 5) as ConcreteArray).dataSync());
      const a = new ConcreteArray(new ShapedArray([40_000], 'float32'), buf);
      np.exp(a).dispose(); // a is resident now
      a.dispose(); // gives buf back to the pool
      const again = takeHost(Float32Array, 40_000);
      expect(again).toBe(buf);
      again.fill(0.25);
      const z = np.exp(new ConcreteArray(new ShapedArray([40_000], 'float32'), again)).dataSync();
      expect(z.every((v) => Math.abs(v - Math.exp(0.25)) < 1e-6)).toBe(true);
    });
  });

  runIt('float16 results (rounded on the host after the kernel) are never read back unrounded', () => {
    withTarget('wasm', () => {
      const x = vec(30_000, 6).astype('float16');
      const y = np.exp(x.mul(0.3)); // rounded to float16 after the kernel
      const z = y.add(y).dataSync();
      const want = withTarget('ref', () => np.exp(x.mul(0.3))).dataSync();
      z.forEach((v, i) => expect(v).toBe(2 * want[i]!));
    });
  });
});
