// The fusion scheduler and the JS kernel renderer: plans have the expected kernels, and fused execution is
// bit-identical to eager evaluation on random elementwise programs with broadcasts and transposes.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jit, np, lax, grad, memoryStats, setTarget, getTarget, type Array } from '../src/index.js';
import { describePlan, schedule } from '../src/compiler/kernel.js';
import { renderJs } from '../src/targets/ref/fused.js';
import type { DType } from '../src/core/dtype.js';

// The JS kernels implement the reference semantics exactly, so these tests compare against the reference
// target bit for bit (the wasm target's math differs by a few ulp; its laws use tolerances).
let prevTarget = 'ref';
beforeAll(() => {
  prevTarget = getTarget();
  setTarget('ref');
});
afterAll(() => setTarget(prevTarget));

const planOf = (f: (...a: Array[]) => Array, ...args: Array[]) => describePlan(schedule(jit(f).lower(...args).jaxpr));
const bits = (a: Array) => [...a.dataSync()].map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v)));

describe('fusion plan', () => {
  it('an elementwise chain is one kernel (BENCH W2)', () => {
    const chain = (x: Array) => np.tanh(x.mul(1.5).add(0.5)).mul(np.reciprocal(np.exp(x.neg()).add(1)));
    expect(planOf(chain, np.ones([8]))).toEqual(['fused[mul,add,tanh,neg,exp,add,div,mul]']);
  });
  it('broadcasts and transposes fold into the loads', () => {
    const f = (x: Array, b: Array) => np.exp(x.T.add(b)).mul(2);
    const plan = planOf(f, np.ones([3, 4]), np.ones([3]));
    expect(plan).toEqual(['fused[add,exp,mul]']);
  });
  it('a value used twice after arithmetic is materialised once', () => {
    const f = (x: Array) => {
      const t = np.tanh(x.mul(2));
      return t.add(t.mul(t));
    };
    expect(planOf(f, np.ones([5]))).toEqual(['fused[mul,tanh]', 'fused[mul,add]']);
  });
  it('non-fusible equations split kernels', () => {
    const f = (x: Array, w: Array) => np.tanh(x.mul(2).matmul(w)).sum();
    expect(planOf(f, np.ones([2, 3]), np.ones([3, 4]))).toEqual(['fused[mul]', 'dotGeneral', 'fused[tanh]->reduceSum']);
  });
  it('reductions absorb their elementwise prologue', () => {
    const f = (x: Array, y: Array) => x.mul(y).sum(1).add(np.max(np.exp(x), 0).sum());
    expect(planOf(f, np.ones([3, 4]), np.ones([3, 4]))).toEqual([
      'fused[mul]->reduceSum',
      'fused[exp]->reduceMax',
      'fused[]->reduceSum',
      'fused[add]',
    ]);
  });
  it('slices fold into the loads as an offset and strides (no copy)', () => {
    const f = (x: Array) => {
      const z = x.mul(2).add(1);
      return np.tanh(lax.slice(z, [0, 0], [3, 4])).mul(lax.logistic(lax.slice(z, [0, 4], [3, 8])));
    };
    expect(planOf(f, np.ones([3, 8]))).toEqual(['fused[mul,add]', 'fused[tanh,logistic,mul]']);
    expect(planOf((x: Array) => lax.slice(x, [1, 0], [5, 6], [2, 3]).add(1), np.ones([6, 6]))).toEqual(['fused[add]']);
  });
  it('random slices (starts, limits, steps) of fused values equal eager bit for bit', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 })),
        fc.tuple(fc.nat(5), fc.nat(6), fc.nat(5), fc.nat(6)),
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        fc.boolean(),
        ([r, c], [a0, b0, a1, b1], [s0, s1], transpose) => {
          const lo = [Math.min(a0, b0) % r, Math.min(a1, b1) % c];
          const hi = [Math.max(lo[0]! + 1, Math.max(a0, b0) % (r + 1)), Math.max(lo[1]! + 1, Math.max(a1, b1) % (c + 1))];
          const x = np.linspace(-2, 2, r * c).reshape([r, c]);
          const f = (x: Array) => {
            const z = np.exp(x.mul(0.5)).sub(x);
            const w = lax.slice(z, lo, hi, [s0, s1]);
            return (transpose ? w.T : w).mul(3).add(lax.slice(x, lo, hi, [s0, s1]).sum());
          };
          expect(bits(jit(f)(x))).toEqual(bits(f(x)));
        },
      ),
      { numRuns: 100, seed: 11 },
    );
  });
  it('renders strided loads with per-axis offsets', () => {
    const cj = jit((x: Array) => x.T.add(1)).lower(np.ones([2, 3]));
    const plan = schedule(cj.jaxpr);
    const step = plan.steps[0]!;
    expect(step.kind).toBe('kernel');
    if (step.kind === 'kernel') expect(renderJs(step.kernel).source).toMatch(/o0_1 = o0_0 \+ c1 \* 3/);
  });
});

type Prog = { dtype: DType; shape: number[]; ops: number[]; transpose: boolean; bcast: boolean };
const unaryF: ((x: Array) => Array)[] = [np.negative, np.exp, np.tanh, np.abs, np.sqrt, np.sin, np.floor, (x) => x.mul(3)];
const unaryI: ((x: Array) => Array)[] = [np.negative, np.abs, (x) => x.mul(3), (x) => x.add(7), (x) => np.square(x)];
const binary: ((a: Array, b: Array) => Array)[] = [np.add, np.subtract, np.multiply, np.maximum, (a, b) => np.where(a.gt(b), a, b)];

function program(p: Prog) {
  return (x: Array, y: Array) => {
    let a = p.transpose ? x.T : x;
    const b = p.bcast ? y.reshape([1, -1]) : y;
    let acc = a;
    p.ops.forEach((o, i) => {
      const un = p.dtype === 'int32' ? unaryI : unaryF;
      acc = i % 2 === 0 ? un[o % un.length]!(acc) : binary[o % binary.length]!(acc, b);
      if (i === 2) a = acc;
    });
    return acc.add(a);
  };
}

describe('fused execution equals eager bit for bit', () => {
  it('random elementwise programs (f32, f64, i32; broadcasts; transposes)', () => {
    fc.assert(
      fc.property(
        fc.record({
          dtype: fc.constantFrom<DType>('float32', 'float64', 'int32'),
          shape: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })).map(([a, b]) => [a, b]),
          ops: fc.array(fc.nat(20), { minLength: 1, maxLength: 8 }),
          transpose: fc.boolean(),
          bcast: fc.boolean(),
        }),
        fc.integer({ min: 0, max: 1000 }),
        (p, seed) => {
          const [r, c] = p.shape as [number, number];
          const xShape = p.transpose ? [c, r] : [r, c];
          const n = r * c;
          const vals = (k: number) => globalThis.Array.from({ length: k }, (_, i) => ((i * 7919 + seed) % 23) - 11 + (p.dtype === 'int32' ? 0 : 0.37));
          const x = np.array(vals(n), p.dtype).reshape(xShape);
          const y = p.bcast ? np.array(vals(c).map((v) => v + 1), p.dtype) : np.array(vals(n).map((v) => v * 0.5), p.dtype).reshape([r, c]);
          const f = program(p);
          expect(bits(jit(f)(x, y))).toEqual(bits(f(x, y)));
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });
  it('random reductions over fused prologues (every op, axes, dtypes incl. bool and NaN)', () => {
    const reds = [np.sum, np.max, np.min, np.prod] as const;
    fc.assert(
      fc.property(
        fc.constantFrom<DType>('float32', 'float64', 'int32'),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.nat(3),
        fc.integer({ min: -1, max: 2 }),
        fc.boolean(),
        (dtype, shape, r, axisSel, withNan) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const vals = globalThis.Array.from({ length: n }, (_, i) => (withNan && dtype !== 'int32' && i === n - 1 ? NaN : ((i * 37) % 11) - 5 + (dtype === 'int32' ? 0 : 0.25)));
          const x = np.array(vals, dtype).reshape(shape);
          const axis = axisSel < 0 || axisSel >= shape.length ? undefined : axisSel;
          const f = (a: Array) => reds[r]!(np.abs(a).add(a.mul(2)), axis);
          expect(bits(jit(f)(x))).toEqual(bits(f(x)));
          const g = (a: Array) => np.any(a.gt(0), axis);
          expect(bits(jit(g)(x))).toEqual(bits(g(x)));
        },
      ),
      { numRuns: 120, seed: 7 },
    );
  });
  it('grad under jit (fused backward) equals eager grad', () => {
    const loss = (w: Array, x: Array) => np.tanh(x.matmul(w)).mul(lax.logistic(x.matmul(w))).sum();
    const w = np.linspace(-1, 1, 12).reshape([4, 3]), x = np.linspace(-2, 2, 20).reshape([5, 4]);
    expect(bits(jit(grad(loss))(w, x))).toEqual(bits(grad(loss)(w, x)));
  });
});

describe('static buffer plan', () => {
  it('intermediates are freed at their last use; outputs, inputs and literals survive', () => {
    const f = jit((w: Array, x: Array) => {
      const h = np.tanh(x.matmul(w));
      const y = lax.cond(h.sum().gt(0), (v: Array) => v, (v: Array) => v.mul(2), h);
      return [y.matmul(w.T).sum(), lax.cond(x.sum().gt(0), () => np.array(5.0), () => np.array(7.0))];
    });
    // big enough (≥ 1 KiB) for memoryStats to count every intermediate
    const w = np.linspace(-1, 1, 512).reshape([16, 32]), x = np.linspace(0, 1, 256).reshape([16, 16]);
    const ref = f(w, x).map((a: Array) => a.item());
    const before = memoryStats().ref!.buffers;
    for (let i = 0; i < 5; i++) {
      const out = f(w, x);
      expect(out.map((a: Array) => a.item())).toEqual(ref);
      out.forEach((a: Array) => a.dispose());
    }
    expect(memoryStats().ref!.buffers).toBe(before);
  });
});
