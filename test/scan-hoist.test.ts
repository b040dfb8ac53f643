// lax.scan's hoisting of xs-only products out of the loop (src/transforms/scanHoist.ts): the jaxpr it stages, and
// values and gradients equal to the loop without hoisting, over random bodies, reverse scans, vmap, jvp and jit.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Array, grad, jit, jvp, lax, makeJaxpr, np, random, vmap } from '../src/index.js';
import type { Jaxpr } from '../src/ir/jaxpr.js';
import { scanHoisting } from '../src/transforms/scanHoist.js';

afterEach(() => void (scanHoisting.enabled = true));

const both = <T>(f: () => T): [T, T] => {
  scanHoisting.enabled = true;
  const on = f();
  scanHoisting.enabled = false;
  const off = f();
  scanHoisting.enabled = true;
  return [on, off];
};
const values = (x: Array | Array[]): number[] => (globalThis.Array.isArray(x) ? x : [x]).flatMap((a) => globalThis.Array.from(a.dataSync(), Number));
const expectClose = (a: number[], b: number[], tol = 1e-9): void => {
  expect(a.length).toBe(b.length);
  const bad = a.findIndex((v, i) => !(Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!))));
  expect(bad, bad < 0 ? '' : `element ${bad}: ${a[bad]} vs ${b[bad]}`).toBe(-1);
};
/** The scan equations of a jaxpr (top level) and the dotGeneral equations in and out of their bodies. */
function shape(j: Jaxpr): { outsideDots: string[]; bodyDots: number[]; scanXs: number[] } {
  const scans = j.eqns.filter((e) => e.prim === 'scan');
  return {
    outsideDots: j.eqns.filter((e) => e.prim === 'dotGeneral').map((e) => e.outs[0]!.aval.shape.join('x')),
    bodyDots: scans.map((e) => (e.params as { jaxpr: Jaxpr }).jaxpr.eqns.filter((q) => q.prim === 'dotGeneral').length),
    scanXs: scans.map((e) => {
      const p = e.params as { numConsts: number; numCarry: number };
      return e.ins.length - p.numConsts - p.numCarry;
    }),
  };
}

// An LSTM-like cell: the input projection x·Wx depends on the xs alone, h·Wh on the carry.
const rnn = (p: { wx: Array; wh: Array }, xs: Array, h0: Array, reverse = false): Array => {
  const [h, hs] = lax.scan((h: Array, x: Array): [Array, Array] => {
    const hn = np.tanh(np.matmul(x, p.wx).add(np.matmul(h, p.wh)));
    return [hn, hn];
  }, h0, xs, { reverse });
  return np.sum(hs).add(np.sum(h));
};
const key = (k: number) => random.key(k);
const params = () => ({ wx: random.normal(key(1), [5, 6], 'float64'), wh: random.normal(key(2), [6, 6], 'float64').mul(0.3) });
const xs = random.normal(key(3), [7, 4, 5], 'float64');
const h0 = random.normal(key(4), [4, 6], 'float64');

describe('lax.scan hoists xs-only products out of the loop', () => {
  it('stages x·Wx as one product over all steps before the loop; the body keeps h·Wh only', () => {
    const [on, off] = both(() => shape(makeJaxpr(rnn)(params(), xs, h0).jaxpr));
    expect(on).toEqual({ outsideDots: ['7x4x6'], bodyDots: [1], scanXs: [1] }); // xs itself is no longer sliced
    expect(off).toEqual({ outsideDots: [], bodyDots: [2], scanXs: [1] });
  });

  it('leaves bodies without an xs-only product as they were', () => {
    const f = (xs: Array, w: Array) => lax.scan((c: Array, x: Array): [Array, Array] => [np.matmul(c, w).add(np.tanh(x)), c], np.zeros([4, 5], 'float64'), xs)[1];
    const w = random.normal(key(5), [5, 5], 'float64');
    const [on, off] = both(() => makeJaxpr(f)(xs, w).toString());
    expect(on).toBe(off);
  });

  it('values and gradients (w.r.t. weights, init and xs) equal the loop without hoisting, forward and reverse, under jit too', () => {
    for (const reverse of [false, true]) {
      const loss = (p: { wx: Array; wh: Array }, xs: Array, h0: Array) => rnn(p, xs, h0, reverse);
      const g = grad(loss, { argnums: [0, 1, 2] });
      const [on, off] = both(() => [values(loss(params(), xs, h0)), values((g(params(), xs, h0) as unknown as [{ wx: Array; wh: Array }, Array, Array]).flatMap((t) => ('wx' in t ? [t.wx, t.wh] : [t])))]);
      expectClose(on[0]!, off[0]!);
      expectClose(on[1]!, off[1]!);
      const [jon, joff] = both(() => values(jit(loss)(params(), xs, h0)));
      expectClose(jon, joff);
      expectClose(jon, off[0]!);
    }
  });

  it('under vmap (a batch of sequences) and jvp, the same as without hoisting', () => {
    const batch = random.normal(key(6), [3, 7, 4, 5], 'float64');
    const [von, voff] = both(() => values(vmap((x: Array) => rnn(params(), x, h0))(batch)));
    expectClose(von, voff);
    const t = random.normal(key(7), [7, 4, 5], 'float64');
    const [jon, joff] = both(() => values(jvp((x: Array) => rnn(params(), x, h0), [xs], [t]).flat() as Array[]));
    expectClose(jon, joff);
  });

  it('random bodies: xs-only chains with products, consts-only work they read, xs-only carries and ys, unused xs leaves', () => {
    type Op = 'xdot' | 'xdotT' | 'cdot' | 'xtanh' | 'mix' | 'carryFromX' | 'yFromX';
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Op>('xdot', 'xdotT', 'cdot', 'xtanh', 'mix', 'carryFromX', 'yFromX'), { minLength: 1, maxLength: 6 }),
        fc.boolean(), fc.integer({ min: 1, max: 5 }), fc.nat(1000),
        (ops, reverse, T, seed) => {
          const w = random.normal(key(seed), [3, 3], 'float64');
          const xa = random.normal(key(seed + 1), [T, 2, 3], 'float64'), xb = random.normal(key(seed + 2), [T, 3], 'float64');
          const f = (w: Array, xa: Array, xb: Array, c0: Array) => {
            const [c, ys] = lax.scan(([c, d]: [Array, Array], x: { a: Array; b: Array; unused: Array }): [[Array, Array], Array[]] => {
              let u = x.a, cc = c;
              const ys: Array[] = [];
              for (const op of ops) {
                if (op === 'xdot') u = np.matmul(u, w);
                else if (op === 'xdotT') u = np.matmul(u, w.T.mul(0.5)); // a consts-only transpose the hoisted product reads
                else if (op === 'cdot') cc = np.tanh(np.matmul(cc, w));
                else if (op === 'xtanh') u = np.tanh(u).add(x.b);
                else if (op === 'mix') cc = cc.add(u.mul(0.1));
                else if (op === 'carryFromX') d = np.matmul(x.a, w).sum(0); // the new carry depends on xs alone
                else ys.push(np.matmul(u, w).mul(2)); // an xs-only y
              }
              return [[cc.add(u.mul(0.01)), d], [cc, ...ys]];
            }, [c0, np.zeros([3], 'float64')], { a: xa, b: xb, unused: xb.mul(3) }, { reverse });
            return [c[0], c[1], ...ys];
          };
          const c0 = random.normal(key(seed + 3), [2, 3], 'float64');
          const [on, off] = both(() => values(f(w, xa, xb, c0)));
          expectClose(on, off, 1e-9);
          const loss = (w: Array, xa: Array, xb: Array, c0: Array) => f(w, xa, xb, c0).reduce((s, a) => s.add(np.sum(np.tanh(a))), np.zeros([], 'float64'));
          const [gon, goff] = both(() => values(grad(loss, { argnums: [0, 1, 2, 3] })(w, xa, xb, c0) as unknown as Array[]));
          expectClose(gon, goff, 1e-9);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });
});

describe('scan slices', () => {
  it('are views of xs, and a carry that is a slice gets its own buffer: it outlives xs', () => {
    const xs = np.arange(12).astype('float32').reshape([4, 3]).mul(1);
    const [c, ys] = lax.scan((c: Array, x: Array) => [x, c.add(x)] as [Array, Array], np.zeros([3], 'float32'), xs);
    expect(values(ys)).toEqual([0, 1, 2, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    xs.dispose(); // its buffer goes back to the pool, and the next arrays of its size write over it
    const junk = [np.ones([4, 3], 'float32').mul(7), np.ones([4, 3], 'float32').mul(8), np.ones([12], 'float32').add(9)];
    expect(values(c)).toEqual([9, 10, 11]);
    junk.forEach((a) => a.dispose());
  });
});
