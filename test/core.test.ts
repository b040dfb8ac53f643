// Core transforms on lax primitives: jvp, grad, vmap, jit, control flow, custom rules, errors, memory.
import { describe, expect, it } from 'vitest';
import {
  Array, grad, valueAndGrad, jvp, vjp, vmap, jit, makeJaxpr, linearize, linearTranspose, jacfwd, jacrev, hessian,
  customJvp, customVjp, checkpoint, config, memoryStats, tree,
  ConcretizationTypeError, UnexpectedTracerError, FloatingPointError, lax,
} from '../src/index.js';
import { fromTyped } from '../src/core/array.js';
import type { DType } from '../src/core/dtype.js';

const arr = (v: number[], shape: number[] = [v.length], dtype: DType = 'float64'): Array =>
  fromTyped(dtype === 'float64' ? new Float64Array(v) : dtype === 'float32' ? new Float32Array(v) : new Int32Array(v), shape, dtype);
const vals = (x: unknown): number[] => [...(x as Array).dataSync()];
const close = (a: unknown, b: number[], tol = 1e-9) => {
  const av = vals(a);
  expect(av.length).toBe(b.length);
  av.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!))));
};
const sumAll = (x: Array) => lax.reduceSum(x, x.shape.map((_, i) => i));

describe('jvp / grad', () => {
  it('jvp of sin is cos', () => {
    const x = arr([0.1, 0.5, 2]);
    const [y, t] = jvp((a: Array) => lax.sin(a), [x], [arr([1, 1, 1])]);
    close(y, [0.1, 0.5, 2].map(Math.sin));
    close(t, [0.1, 0.5, 2].map(Math.cos));
  });
  it('grad of sum(x*x) is 2x; grad of grad of sin is -sin', () => {
    const x = arr([1, -2, 3]);
    close(grad((a: Array) => sumAll(lax.mul(a, a)))(x), [2, -4, 6]);
    const d2 = grad(grad((a: Array) => lax.sin(a)));
    close(d2(arr([0.7], [])), [-Math.sin(0.7)]);
  });
  it('valueAndGrad with argnums and hasAux', () => {
    const f = (a: Array, b: Array) => [sumAll(lax.mul(a, b)), 'aux'] as const;
    const [[v, aux], [ga, gb]] = valueAndGrad(f, { argnums: [0, 1], hasAux: true })(arr([1, 2]), arr([3, 4]));
    close(v, [11]);
    expect(aux).toBe('aux');
    close(ga, [3, 4]);
    close(gb, [1, 2]);
  });
  it('hasAux returns aux arrays as concrete values, also under jit (no leaked tracers)', () => {
    const f = (a: Array) => [sumAll(lax.mul(a, a)), { sq: lax.mul(a, a), tag: 'x' }] as const;
    const [[v, aux], g] = valueAndGrad(f, { hasAux: true })(arr([1, 2]));
    close(v, [5]);
    close(aux.sq, [1, 4]);
    expect(aux.tag).toBe('x');
    close(g, [2, 4]);
    const step = jit((a: Array) => valueAndGrad((b: Array) => [sumAll(lax.mul(b, b)), lax.mul(b, b)] as const, { hasAux: true })(a));
    const [[, aux2], g2] = step(arr([3, 4]));
    close(aux2, [9, 16]);
    close(g2, [6, 8]);
  });
  it('grad over a pytree of params', () => {
    const p = { w: arr([1, 2]), b: arr([0.5], []) };
    const g = grad((q: typeof p) => sumAll(lax.add(lax.mul(q.w, q.w), lax.broadcastInDim(q.b, [2], []))))(p);
    close(g.w, [2, 4]);
    close(g.b, [2]);
  });
  it('vjp and linearize agree with jvp', () => {
    const f = (a: Array) => lax.mul(lax.exp(a), lax.sin(a));
    const x = arr([0.3, 1.2]);
    const [, fLin] = linearize(f, x);
    const [, t] = jvp(f, [x], [arr([1, 0])]);
    close(fLin(arr([1, 0])), vals(t));
    const [, back] = vjp(f, x);
    const [ct] = back(arr([1, 1]));
    close(ct, [0.3, 1.2].map((v) => Math.exp(v) * (Math.sin(v) + Math.cos(v))));
  });
  it('jacfwd, jacrev and hessian', () => {
    const f = (a: Array) => lax.mul(a, lax.sin(a));
    const x = arr([0.5, 1.5]);
    const d = (v: number) => Math.sin(v) + v * Math.cos(v);
    close(jacfwd(f)(x), [d(0.5), 0, 0, d(1.5)]);
    close(jacrev(f)(x), [d(0.5), 0, 0, d(1.5)]);
    const h = hessian((a: Array) => sumAll(lax.mul(lax.mul(a, a), a)))(x);
    close(h, [3, 0, 0, 9]);
  });
  it('linearTranspose of a linear map', () => {
    const f = (a: Array) => lax.mul(a, arr([2, 3]));
    const [ct] = linearTranspose(f, arr([0, 0]))(arr([1, 1]));
    close(ct, [2, 3]);
  });
});

describe('vmap', () => {
  it('batches elementwise and reductions with inAxes/outAxes', () => {
    const xs = arr([1, 2, 3, 4, 5, 6], [2, 3]);
    close(vmap((x: Array) => sumAll(x))(xs), [6, 15]);
    close(vmap((x: Array) => sumAll(x), { inAxes: 1 })(xs), [5, 7, 9]);
    close(vmap((x: Array) => lax.mul(x, x), { inAxes: 0, outAxes: 1 })(xs), [1, 16, 4, 25, 9, 36]);
  });
  it('nested vmap and grad of vmap', () => {
    const xs = arr([1, 2, 3, 4], [2, 2]);
    close(vmap(vmap((x: Array) => lax.mul(x, x)))(xs), [1, 4, 9, 16]);
    close(grad((x: Array) => sumAll(vmap((r: Array) => lax.mul(r, r))(x)))(xs), [2, 4, 6, 8]);
  });
  it('errors on mismatched batch sizes', () => {
    expect(() => vmap((a: Array, b: Array) => lax.add(a, b))(arr([1, 2]), arr([1, 2, 3]))).toThrow(/different sizes: 2 and 3/);
  });
});

describe('jit', () => {
  it('traces once per signature and matches eager', () => {
    const f = jit((a: Array) => lax.mul(lax.sin(a), lax.cos(a)));
    const x = arr([0.1, 0.2]);
    close(f(x), [0.1, 0.2].map((v) => Math.sin(v) * Math.cos(v)));
    f(arr([0.3, 0.4]));
    expect(f.traceCount).toBe(1);
    f(arr([1, 2, 3]));
    expect(f.traceCount).toBe(2);
  });
  it('static args retrace by value', () => {
    const f = jit((a: Array, n: number) => lax.mul(a, lax.full(a.shape, n, a.dtype)), { staticArgnums: 1 });
    close(f(arr([1, 2]), 3), [3, 6]);
    close(f(arr([1, 2]), 3), [3, 6]);
    expect(f.traceCount).toBe(1);
    close(f(arr([1, 2]), 4), [4, 8]);
    expect(f.traceCount).toBe(2);
  });
  it('composes: grad of jit, jit of grad, vmap of jit', () => {
    const f = (a: Array) => sumAll(lax.mul(lax.sin(a), a));
    const x = arr([0.5, 1.0]);
    const want = [0.5, 1.0].map((v) => Math.sin(v) + v * Math.cos(v));
    close(grad(jit(f))(x), want);
    close(jit(grad(f))(x), want);
    close(vmap(jit((a: Array) => lax.mul(a, a)))(x), [0.25, 1]);
    close(jit(grad(jit(grad((a: Array) => lax.sin(a)))))(arr([0.3], [])), [-Math.sin(0.3)]);
  });
  it('simplifies: CSE and DCE remove duplicated and dead work', () => {
    const f = jit((a: Array) => {
      lax.exp(a); // dead
      return lax.add(lax.sin(a), lax.sin(a));
    });
    const j = f.lower(arr([1, 2]));
    const prims = j.jaxpr.eqns.map((e) => e.prim);
    expect(prims.filter((p) => p === 'sin').length).toBe(1);
    expect(prims).not.toContain('exp');
  });
  it('folds transpose(dotGeneral(a, b)) into dotGeneral(b, a) (the weight gradient of a dense layer)', () => {
    const x = arr([0.5, -1, 2, 0.25, 1.5, -0.75], [3, 2]);
    const w = arr([0.3, -0.2, 0.1, 0.7, -0.4, 0.6, 0.2, -0.9], [2, 4]);
    const loss = (w: Array) => sumAll(lax.tanh(lax.dotGeneral(x, w, [[1], [0]])));
    const j = jit(grad(loss)).lower(w).jaxpr;
    expect(j.eqns.map((e) => e.prim)).not.toContain('transpose');
    expect(j.eqns.filter((e) => e.prim === 'dotGeneral')).toHaveLength(2);
    close(jit(grad(loss))(w), [...(grad(loss)(w).dataSync() as Float64Array)], 1e-14);
    // batched: (b, i, k) -> (b, k, i) swaps the free groups and folds; (b, i, k) -> (i, b, k) does not
    const a = arr(globalThis.Array.from({ length: 12 }, (_, i) => Math.sin(i)), [2, 3, 2]);
    const b = arr(globalThis.Array.from({ length: 16 }, (_, i) => Math.cos(i)), [2, 2, 4]);
    const bmm = (a: Array, b: Array) => lax.dotGeneral(a, b, [[2], [1]], [[0], [0]]);
    for (const [perm, folds] of [[[0, 2, 1], true], [[1, 0, 2], false]] as const) {
      const f = (a: Array, b: Array) => lax.transpose(bmm(a, b), perm);
      const prims = jit(f).lower(a, b).jaxpr.eqns.map((e) => e.prim);
      expect(prims.includes('transpose')).toBe(!folds);
      close(jit(f)(a, b), [...(f(a, b).dataSync() as Float64Array)], 1e-14);
    }
    // a product with another use keeps its transpose
    const g = (a: Array, b: Array) => { const p = bmm(a, b); return lax.add(lax.transpose(p, [0, 2, 1]), lax.transpose(lax.mul(p, p), [0, 2, 1])); };
    expect(jit(g).lower(a, b).jaxpr.eqns.filter((e) => e.prim === 'dotGeneral')).toHaveLength(1);
    close(jit(g)(a, b), [...(g(a, b).dataSync() as Float64Array)], 1e-14);
  });
  it('a sum of zero-pads tiling one axis (the transpose of slicing into pieces) becomes one concatenate', () => {
    const x = arr(globalThis.Array.from({ length: 21 }, (_, i) => Math.sin(i + 1)), [3, 7]);
    // three slices of x along axis 1, each through its own nonlinearity
    const pieces = (x: Array, cuts: number[]) => {
      const part = (k: number, f: (a: Array) => Array) => sumAll(f(lax.slice(x, [0, cuts[2 * k]!], [3, cuts[2 * k + 1]!])));
      return lax.add(lax.add(part(0, (a) => lax.mul(lax.sin(a), a)), part(1, lax.exp)), part(2, lax.tanh));
    };
    // three slices tiling [0, 7): 0-2, 2-5, 5-7
    const tile = (x: Array) => pieces(x, [0, 2, 2, 5, 5, 7]);
    const prims = jit(grad(tile)).lower(x).jaxpr.eqns.map((e) => e.prim);
    expect(prims).toContain('concatenate');
    expect(prims).not.toContain('pad');
    close(jit(grad(tile))(x), [...(grad(tile)(x).dataSync() as Float64Array)], 1e-14);
    // a gap (column 6 unused) or an overlap keeps the pads
    for (const cuts of [[0, 2, 2, 5, 5, 6], [0, 3, 2, 5, 5, 7]]) {
      const f = (x: Array) => pieces(x, cuts);
      expect(jit(grad(f)).lower(x).jaxpr.eqns.map((e) => e.prim)).toContain('pad');
      close(jit(grad(f))(x), [...(grad(f)(x).dataSync() as Float64Array)], 1e-14);
    }
  });
  it('makeJaxpr prints a readable jaxpr', () => {
    const s = makeJaxpr((a: Array) => lax.sin(lax.mul(a, a)))(arr([1, 2], [2], 'float32')).toString();
    expect(s).toBe('{ lambda ; a:f32[2]. let\n    b:f32[2] = mul a a\n    c:f32[2] = sin b\n  in (c) }');
  });
});

describe('control flow', () => {
  const x = arr([0.5], []);
  it('cond picks a branch, under jit, vmap and grad', () => {
    const f = (a: Array) => lax.cond(lax.gt(a, lax.scalar(0, 'float64')), (v: Array) => lax.sin(v), (v: Array) => lax.mul(v, v), a);
    close(f(x), [Math.sin(0.5)]);
    close(jit(f)(arr([-2], [])), [4]);
    close(vmap(f)(arr([0.5, -2])), [Math.sin(0.5), 4]);
    close(grad(f)(x), [Math.cos(0.5)]);
    close(grad(f)(arr([-2], [])), [-4]);
    close(jit(grad(f))(arr([-2], [])), [-4]);
  });
  it('switch with three branches', () => {
    const f = (i: Array, a: Array) => lax.switch(i, [(v: Array) => v, (v: Array) => lax.neg(v), (v: Array) => lax.mul(v, v)], a);
    close(f(arr([2], [], 'int32'), arr([3], [])), [9]);
    close(f(arr([7], [], 'int32'), arr([3], [])), [9]); // clamped
    close(vmap(f)(arr([0, 1, 2], [3], 'int32'), arr([3, 3, 3])), [3, -3, 9]);
  });
  it('whileLoop under jit and vmap, jvp', () => {
    const f = (a: Array) => whileDouble(a);
    const whileDouble = (a: Array) => lax.whileLoop((v: Array) => lax.lt(v, lax.scalar(10, 'float64')), (v: Array) => lax.mul(v, lax.scalar(2, 'float64')), a);
    close(f(arr([1], [])), [16]);
    close(jit(f)(arr([3], [])), [12]);
    close(vmap(f)(arr([1, 3, 20])), [16, 12, 20]);
    const [, t] = jvp(f, [arr([1], [])], [arr([1], [])]);
    close(t, [16]);
    expect(() => grad(f)(arr([1], []))).toThrow(/whileLoop does not support reverse-mode/);
  });
  it('forILoop with static bounds differentiates', () => {
    const f = (a: Array) => lax.forILoop(0, 3, (_i: Array, v: Array) => lax.mul(v, a), lax.scalar(1, 'float64'));
    close(f(arr([2], [])), [8]);
    close(grad(f)(arr([2], [])), [12]);
  });
  it('scan: cumulative sum, reverse, grad, vmap, jit', () => {
    const xs = arr([1, 2, 3, 4]);
    const cs = (v: Array) => lax.scan((c: Array, x: Array) => { const n = lax.add(c, x); return [n, n]; }, lax.scalar(0, 'float64'), v);
    const [c, ys] = cs(xs);
    close(c, [10]);
    close(ys, [1, 3, 6, 10]);
    const [, rys] = lax.scan((c: Array, x: Array) => { const n = lax.add(c, x); return [n, n]; }, lax.scalar(0, 'float64'), xs, { reverse: true });
    close(rys, [10, 9, 7, 4]);
    // d/dx of sum(prefix sums of x*w)
    const loss = (w: Array) => sumAll(cs(lax.mul(xs, w))[1] as Array);
    close(grad(loss)(arr([1, 1, 1, 1])), [4, 6, 6, 4]);
    close(jit(grad(loss))(arr([1, 1, 1, 1])), [4, 6, 6, 4]);
    close(vmap((v: Array) => cs(v)[0])(arr([1, 2, 3, 4], [2, 2])), [3, 7]);
  });
  it('jit drops dead scan carries, unused stacked outputs and the consts/xs only they read (JAX scan DCE)', () => {
    // carry d and stacked output y are never used outside; d feeds itself only, so both go, and with them xs b and const k
    // (c is halved each step: a plain c + x would leave the loop altogether, as a sum over the xs)
    const f = (a: Array, b: Array, k: Array) => {
      const [[c]] = lax.scan(
        ([c, d]: [Array, Array], [x, y]: [Array, Array]): [[Array, Array], Array] => [[lax.add(lax.mul(c, lax.scalar(0.5, 'float64')), x), lax.mul(d, lax.mul(y, k))], lax.sin(y)],
        [lax.scalar(0, 'float64'), lax.scalar(1, 'float64')] as [Array, Array],
        [a, b] as [Array, Array],
      ) as unknown as [[Array, Array], Array];
      return c;
    };
    const a = arr([1, 2, 3]), b = arr([4, 5, 6]), k = arr([2], []);
    const scans = jit(f).lower(a, b, k).jaxpr.eqns.filter((e) => e.prim === 'scan');
    expect(scans).toHaveLength(1);
    const p = scans[0]!.params as unknown as { numConsts: number; numCarry: number; jaxpr: { inBinders: unknown[]; outs: unknown[] } };
    expect([p.numConsts, p.numCarry, p.jaxpr.inBinders.length, p.jaxpr.outs.length, scans[0]!.ins.length, scans[0]!.outs.length]).toEqual([0, 1, 2, 1, 2, 1]);
    close(jit(f)(a, b, k), [4.25]);
    // a carry that a live output needs stays (fixpoint): c' = c + d, d' = d·2
    const g = (a: Array) => lax.scan(([c, d]: [Array, Array], x: Array): [[Array, Array], null] => [[lax.add(c, lax.mul(d, x)), lax.mul(d, lax.scalar(2, 'float64'))], null], [lax.scalar(0, 'float64'), lax.scalar(1, 'float64')] as [Array, Array], a)[0][0];
    const gs = jit(g).lower(a).jaxpr.eqns.filter((e) => e.prim === 'scan');
    expect((gs[0]!.params as { numCarry: number }).numCarry).toBe(2);
    close(jit(g)(a), [1 + 4 + 12]);
  });
  it('grad of a scan under jit computes no tangent of the (non-differentiated) xs', () => {
    // the jvp of scan instantiates a zero tangent for xs; DCE must remove it and the products it feeds
    const loss = (w: Array, xs: Array) => sumAll(lax.scan((c: Array, x: Array) => { const n = lax.tanh(lax.add(lax.mul(c, w), x)); return [n, n]; }, lax.scalar(0, 'float64'), xs)[1] as Array);
    const cj = jit(grad(loss)).lower(arr([0.5], []), arr([1, 2, 3]));
    const fwd = cj.jaxpr.eqns.find((e) => e.prim === 'scan')!;
    const mulsIn = (fwd.params as unknown as { jaxpr: { eqns: { prim: string }[] } }).jaxpr.eqns.filter((e) => e.prim === 'mul').length;
    expect(fwd.ins.filter((v) => (v as unknown as { aval: { shape: number[] } }).aval.shape.join() === '3')).toHaveLength(1);
    expect(mulsIn).toBeLessThanOrEqual(2);
    const w = 0.5, xs = [1, 2, 3];
    const eps = 1e-6;
    const fd = (sumAll(lax.scan((c: Array, x: Array) => { const n = lax.tanh(lax.add(lax.mul(c, arr([w + eps], [])), x)); return [n, n]; }, lax.scalar(0, 'float64'), arr(xs))[1] as Array).item() as number) -
      (sumAll(lax.scan((c: Array, x: Array) => { const n = lax.tanh(lax.add(lax.mul(c, arr([w - eps], [])), x)); return [n, n]; }, lax.scalar(0, 'float64'), arr(xs))[1] as Array).item() as number);
    close(jit(grad(loss))(arr([w], []), arr(xs)), [fd / (2 * eps)], 1e-6);
  });
  it('scan with a nonlinear carry: grad of a product matches the closed form', () => {
    const prod = (v: Array) => lax.scan((c: Array, x: Array) => [lax.mul(c, x), null], lax.scalar(1, 'float64'), v)[0];
    const v = [1.5, 2, 0.5, 3];
    const p = v.reduce((a, b) => a * b, 1);
    close(grad(prod)(arr(v)), v.map((x) => p / x));
  });
});

describe('custom rules and checkpoint', () => {
  it('customJvp rule is used by jvp and grad', () => {
    const f = customJvp((a: Array) => lax.sin(a), { jvp: ([a], [t]) => [lax.sin(a as Array), lax.mul(t as Array, lax.scalar(100, 'float64'))] });
    close(grad(f)(arr([0.3], [])), [100]);
    close(vmap(grad(f))(arr([0.3, 0.4])), [100, 100]);
  });
  it('customVjp rule is used by grad; forward mode errors', () => {
    const f = customVjp((a: Array) => lax.sin(a), {
      fwd: (a: Array) => [lax.sin(a), a],
      bwd: (_a: Array, g: Array) => [lax.mul(g, lax.scalar(-1, 'float64'))],
    });
    close(grad(f)(arr([0.3], [])), [-1]);
    close(f(arr([0.3], [])), [Math.sin(0.3)]);
    expect(() => jvp(f, [arr([0.3], [])], [arr([1], [])])).toThrow(/forward-mode/);
  });
  it('checkpoint gives the same gradients', () => {
    const g = (a: Array) => lax.sin(lax.mul(a, lax.exp(a)));
    const f1 = (a: Array) => sumAll(g(g(a)));
    const f2 = (a: Array) => sumAll(checkpoint(g)(checkpoint(g)(a)));
    const x = arr([0.2, 0.4]);
    close(grad(f2)(x), vals(grad(f1)(x)));
    close(jit(grad(f2))(x), vals(grad(f1)(x)));
  });
  it('under jit the recomputation stays a separate checkpoint (not merged into the forward pass by CSE)', () => {
    const g = (a: Array) => lax.sin(lax.mul(a, lax.exp(a)));
    const lowered = jit(grad((a: Array) => sumAll(checkpoint(g)(checkpoint(g)(a))))).lower(arr([0.2, 0.4]));
    const remats = lowered.jaxpr.eqns.filter((e) => e.prim === 'checkpoint');
    expect(remats.length).toBe(2);
    for (const r of remats) expect((r.params as unknown as { jaxpr: { eqns: { prim: string }[] } }).jaxpr.eqns.map((e) => e.prim)).toContain('exp');
  });
});

describe('lax composites', () => {
  it('logaddexp splits the gradient evenly at equal inputs (custom jvp) and handles -inf', () => {
    const f = (a: Array) => lax.logaddexp(a, arr([1], []));
    close(grad(f)(arr([1], [])), [0.5]);
    close(grad(f)(arr([3], [])), [1 / (1 + Math.exp(-2))]);
    close(grad((a: Array) => lax.logaddexp(a, arr([-Infinity], [])))(arr([2], [])), [1]);
  });
});

describe('errors', () => {
  it('concretization inside jit names the fix', () => {
    const f = jit((a: Array) => (Number(lax.reduceSum(a, [0])) > 0 ? a : lax.neg(a)));
    expect(() => f(arr([1, 2]))).toThrow(ConcretizationTypeError);
    expect(() => f(arr([1, 2]))).toThrow(/lax.cond/);
  });
  it('concrete values work under grad (JAX semantics)', () => {
    const f = (a: Array) => (Number(a) > 0 ? lax.mul(a, a) : lax.neg(a));
    close(grad(f)(arr([3], [])), [6]);
    close(grad(f)(arr([-3], [])), [-1]);
  });
  it('escaped tracers are reported', () => {
    let leaked: Array | null = null;
    jit((a: Array) => { leaked = lax.sin(a); return a; })(arr([1]));
    expect(() => lax.add(leaked!, arr([1]))).toThrow(UnexpectedTracerError);
  });
  it('grad rejects int inputs and non-scalar outputs', () => {
    expect(() => grad((a: Array) => lax.reduceSum(a, [0]))(arr([1, 2], [2], 'int32'))).toThrow(/only floating-point inputs/);
    expect(() => grad((a: Array) => lax.sin(a))(arr([1, 2]))).toThrow(/scalar output/);
  });
  it('shape mismatches name the op and shapes', () => {
    expect(() => lax.add(arr([1, 2]), arr([1, 2, 3]))).toThrow(/add: .*float64\[2\].*float64\[3\]/);
  });
  it('debugNans reports the first NaN-producing primitive', () => {
    config.update('debugNans', true);
    try {
      expect(() => lax.log(arr([-1]))).toThrow(FloatingPointError);
      expect(() => jit((a: Array) => lax.mul(lax.sqrt(a), a))(arr([-1]))).toThrow(/'sqrt'/);
    } finally {
      config.update('debugNans', false);
    }
    expect(Number.isNaN(vals(lax.log(arr([-1])))[0])).toBe(true);
  });
});

describe('memory and trees', () => {
  it('blockUntilReady: a host array is ready at once; an abstract tracer (under jit) throws like data()', async () => {
    const a = arr([1, 2, 3]);
    expect(await a.blockUntilReady()).toBe(a);
    let seen: unknown = null;
    jit((x: Array) => {
      seen = x.blockUntilReady().catch((e: unknown) => e);
      return sumAll(x);
    })(a);
    expect(await seen).toBeInstanceOf(ConcretizationTypeError);
    a.dispose();
    await expect(a.blockUntilReady()).rejects.toThrow(/disposed/);
  });
  it('dispose frees and memoryStats counts (host arrays of 1 KiB or more)', () => {
    const before = memoryStats().ref!.buffers, bytes = memoryStats().ref!.bytes;
    const a = arr(globalThis.Array.from({ length: 128 }, (_, i) => i)); // 1024 bytes
    expect(memoryStats().ref!.buffers).toBe(before + 1);
    expect(memoryStats().ref!.bytes).toBe(bytes + 1024);
    a.dispose();
    expect(memoryStats().ref!.buffers).toBe(before);
    expect(() => a.dataSync()).toThrow(/disposed/);
    {
      using b = arr(globalThis.Array.from({ length: 200 }, () => 1));
      expect(memoryStats().ref!.buffers).toBe(before + 1);
      expect(b.size).toBe(200);
    }
    expect(memoryStats().ref!.buffers).toBe(before);
    // a small array is plain garbage-collected memory: not counted, and its dispose does not miscount
    const s = arr([1, 2, 3]);
    expect(memoryStats().ref!.buffers).toBe(before);
    s.dispose();
    expect(memoryStats().ref!.buffers).toBe(before);
    expect(() => s.dataSync()).toThrow(/disposed/);
  });
  it('tree flatten/unflatten round-trips and map checks structure', () => {
    const t = { b: [1, null, { c: 2 }], a: 3 };
    const [leaves, def] = tree.flatten(t);
    expect(leaves).toEqual([3, 1, 2]);
    expect(tree.unflatten(def, leaves)).toEqual({ a: 3, b: [1, null, { c: 2 }] });
    expect(tree.map((x: number, y: number) => x + y, t, t)).toEqual({ a: 6, b: [2, null, { c: 4 }] });
    expect(() => tree.map((x: number) => x, t, { a: 1 })).toThrow(/structures differ/);
  });
});
