// jit's hoisting of scan accumulators out of their loops (src/ir/scanAccumulators.ts): which carries it takes, the
// jaxpr it leaves, and values equal to the loop without it (and to eager evaluation) over random bodies, reverse
// scans, nested scans, non-zero initial values, and the cases it must leave alone.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Array, grad, jit, lax, np, random, valueAndGrad } from '../src/index.js';
import type { Jaxpr } from '../src/ir/jaxpr.js';
import { scanAccumulatorHoisting } from '../src/ir/scanAccumulators.js';

afterEach(() => void (scanAccumulatorHoisting.enabled = true));

const key = (k: number) => random.key(k);
const values = (x: Array | Array[]): number[] => (globalThis.Array.isArray(x) ? x : [x]).flatMap((a) => globalThis.Array.from(a.dataSync(), Number));
const expectClose = (a: number[], b: number[], tol = 1e-10): void => {
  expect(a.length).toBe(b.length);
  const bad = a.findIndex((v, i) => !(Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!))));
  expect(bad, bad < 0 ? '' : `element ${bad}: ${a[bad]} vs ${b[bad]}`).toBe(-1);
};
/** Carry counts of the top-level scans of a jit-lowered function and the dotGeneral equations outside them. */
function scansOf(j: Jaxpr): { carries: number[]; outsideDots: number; outsideSums: number } {
  const scans = j.eqns.filter((e) => e.prim === 'scan');
  return {
    carries: scans.map((e) => (e.params as { numCarry: number }).numCarry),
    outsideDots: j.eqns.filter((e) => e.prim === 'dotGeneral').length,
    outsideSums: j.eqns.filter((e) => e.prim === 'reduceSum').length,
  };
}
/** The lowered (simplified) jaxpr of jit(f) with the pass on or off. */
const lowered = (f: (...a: Array[]) => unknown, args: Array[], on: boolean): Jaxpr => {
  scanAccumulatorHoisting.enabled = on;
  try {
    return jit(f as (...a: Array[]) => Array).lower(...args).jaxpr;
  } finally {
    scanAccumulatorHoisting.enabled = true;
  }
};
const run = (f: (...a: Array[]) => unknown, args: Array[], on: boolean): number[] => {
  scanAccumulatorHoisting.enabled = on;
  try {
    return values(jit(f as (...a: Array[]) => Array[])(...args) as Array | Array[]);
  } finally {
    scanAccumulatorHoisting.enabled = true;
  }
};

// An LSTM-like recurrence: its weight and bias gradients are accumulated over the steps by reverse mode.
const lstm = (p: { wx: Array; wh: Array; b: Array }, xs: Array): Array => {
  const H = p.wh.shape[0]!;
  const z0 = np.zeros([xs.shape[1]!, H], 'float64');
  const [, hs] = lax.scan(([h, c]: [Array, Array], x: Array): [[Array, Array], Array] => {
    const z = np.matmul(x, p.wx).add(np.matmul(h, p.wh)).add(p.b);
    const g = (k: number) => lax.sliceInDim(z, k * H, (k + 1) * H, 1, 1);
    const c2 = lax.logistic(g(1)).mul(c).add(lax.logistic(g(0)).mul(np.tanh(g(2))));
    const h2 = lax.logistic(g(3)).mul(np.tanh(c2));
    return [[h2, c2], h2];
  }, [z0, z0] as [Array, Array], xs);
  return np.sum(hs.mul(hs));
};
const lp = () => ({ wx: random.normal(key(1), [5, 12], 'float64'), wh: random.normal(key(2), [3, 12], 'float64').mul(0.5), b: random.normal(key(3), [12], 'float64') });
const lxs = random.normal(key(4), [6, 2, 5], 'float64');

describe('jit hoists scan accumulators out of the loop', () => {
  it("takes an LSTM's weight and bias gradients out of the backward scan: one product and one sum over all steps", () => {
    const f = (p: ReturnType<typeof lp>, xs: Array) => valueAndGrad(lstm)(p, xs);
    const on = scansOf(lowered(f as never, [lp() as never, lxs], true));
    const off = scansOf(lowered(f as never, [lp() as never, lxs], false));
    // forward scan: carries h, c; backward scan: the h and c cotangents (and, without the pass, ct_Wh and ct_b)
    expect(on.carries).toEqual([2, 2]);
    expect(off.carries).toEqual([2, 4]);
    expect(on.outsideDots).toBe(off.outsideDots + 1);
    expect(on.outsideSums).toBeGreaterThan(off.outsideSums);
    const eager = values(Object.values(grad(lstm)(lp(), lxs) as Record<string, Array>));
    const g = (on: boolean) => run(((p: never, xs: Array) => Object.values(grad(lstm)(p, xs) as Record<string, Array>)) as never, [lp() as never, lxs], on);
    expectClose(g(true), eager);
    expectClose(g(false), eager);
  });

  it('keeps float32 gradients within rounding of the step-by-step sums', () => {
    const p32 = Object.fromEntries(Object.entries(lp()).map(([k, v]) => [k, v.astype('float32')])) as ReturnType<typeof lp>;
    const xs32 = lxs.astype('float32');
    const gf = (p: never, xs: Array) => Object.values(grad(lstm)(p, xs) as Record<string, Array>);
    expectClose(run(gf as never, [p32 as never, xs32], true), run(gf as never, [p32 as never, xs32], false), 1e-5);
  });

  // User-written accumulations: A += hᵀ·hn (or (hnᵀ·x)ᵀ), s += Σ_rows hn, each optionally disqualified.
  type Case = { dot: 0 | 1 | 2 | 3; binder: boolean; sum: 0 | 1 | 2; zeroInit: boolean; reverse: boolean; readAcc: boolean; accAsY: boolean; invariant: boolean };
  const body = (c: Case, w: Array, u: Array) => ([h, A, s]: [Array, Array, Array], x: Array): [[Array, Array, Array], Array] => {
    let hn = np.tanh(np.matmul(h, w).add(x));
    if (c.readAcc) hn = hn.add(np.sum(A).mul(1e-3)); // the accumulator feeds the step: not hoistable
    let A2 = A;
    if (c.dot & 1) A2 = A2.add(np.matmul(h.T, hn));
    if (c.dot & 2) A2 = np.matmul(hn.T, x).T.add(A2); // a transposed product, added on the left
    if (c.binder) A2 = A2.add(lax.dotGeneral(h, x, [[0], [0]])); // an operand that is the carry binder itself
    if (c.invariant) A2 = A2.add(np.matmul(u.T, u)); // a loop-invariant term: leaves A in the loop
    let s2 = s;
    if (c.sum >= 1) s2 = s2.add(np.sum(hn, 0));
    if (c.sum >= 2) s2 = s2.add(np.sum(x.mul(hn), 0));
    return [[hn, A2, s2], c.accAsY ? A2.sum().reshape([1, 1]).add(hn) : hn];
  };
  const caseArb = fc.record({
    dot: fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3),
    binder: fc.boolean(),
    sum: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
    zeroInit: fc.boolean(),
    reverse: fc.boolean(),
    readAcc: fc.boolean(),
    accAsY: fc.boolean(),
    invariant: fc.boolean(),
  });

  it('random accumulating bodies: hoisted exactly when allowed, same values as the loop and as eager', () => {
    const B = 3, H = 4, T = 5;
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), (c, seed) => {
        const w = random.normal(key(seed), [H, H], 'float64').mul(0.4);
        const u = random.normal(key(seed + 1), [B, H], 'float64');
        const xs = random.normal(key(seed + 2), [T, B, H], 'float64');
        const h0 = random.normal(key(seed + 3), [B, H], 'float64');
        const A0 = c.zeroInit ? np.zeros([H, H], 'float64') : random.normal(key(seed + 4), [H, H], 'float64');
        const s0 = c.zeroInit ? np.zeros([H], 'float64') : random.normal(key(seed + 5), [H], 'float64');
        const f = (w: Array, u: Array, xs: Array, h0: Array, A0: Array, s0: Array): Array[] => {
          const [[h, A, s], ys] = lax.scan(body(c, w, u), [h0, A0, s0], xs, { reverse: c.reverse });
          return [h, A, s, ys];
        };
        const args = [w, u, xs, h0, A0, s0];
        const on = scansOf(lowered(f as never, args, true)), off = scansOf(lowered(f as never, args, false));
        const aHoisted = (c.dot > 0 || c.binder) && !c.readAcc && !c.accAsY && !c.invariant;
        const sHoisted = c.sum > 0;
        expect(off.carries).toEqual([3]);
        expect(on.carries).toEqual([3 - (aHoisted ? 1 : 0) - (sHoisted ? 1 : 0)]);
        const eager = values(f(w, u, xs, h0, A0, s0));
        expectClose(run(f as never, args, true), eager);
        expectClose(run(f as never, args, false), eager);
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('hoists inside nested scans and under grad of grad, and handles a zero-length scan', () => {
    const inner = (w: Array, xs: Array): Array =>
      np.sum(lax.scan((h: Array, x: Array): [Array, Array] => {
        const hn = np.tanh(np.matmul(h, w).add(x));
        return [hn, hn];
      }, np.zeros([2, 3], 'float64'), xs)[1]);
    // the outer scan's body differentiates an inner scan: the inner backward scan sits inside the outer body
    const outer = (w: Array, xss: Array): Array =>
      lax.scan((acc: Array, xs: Array): [Array, Array] => [acc.add(grad(inner)(w, xs)), np.sum(acc)], np.zeros([3, 3], 'float64'), xss)[0].sum();
    const w = random.normal(key(11), [3, 3], 'float64').mul(0.5);
    const xss = random.normal(key(12), [3, 4, 2, 3], 'float64');
    expectClose(run(outer as never, [w, xss], true), values(outer(w, xss)));
    const gg = (w: Array, xs: Array) => grad((v: Array) => np.sum(grad(inner)(v, xs).mul(v)))(w);
    const xs = random.normal(key(13), [5, 2, 3], 'float64');
    expectClose(run(gg as never, [w, xs], true), values(gg(w, xs)));
    // zero steps: the accumulators keep their initial values
    // (x·xᵀ depends on the xs alone: lax.scan already computes it before the loop, so the term is a scanned slice)
    const acc = (A0: Array, xs: Array) => lax.scan((A: Array, x: Array): [Array, Array] => [A.add(np.matmul(x.T, x)), x], A0, xs)[0];
    const A0 = random.normal(key(14), [3, 3], 'float64');
    expectClose(run(acc as never, [A0, np.zeros([0, 2, 3], 'float64')], true), values(A0));
    expect(scansOf(lowered(acc as never, [A0, np.zeros([0, 2, 3], 'float64')], true)).carries).toEqual([]); // the loop is gone
  });
});
