// A long jitted training loop holds flat memory: live buffers and wasm memory after GC do not grow with the step count.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

describe('memory', () => {
  it('1000 jitted training steps (MLP + Adam) hold flat live buffers and wasm memory', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/support/soak.ts', '1000'], {
      encoding: 'utf8',
      cwd: new URL('..', import.meta.url).pathname,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { samples: number[]; wasmBytes: number[]; first: number; last: number; traces: number };
    expect(r.traces).toBe(1);
    expect(r.last).toBeLessThan(r.first);
    expect(r.samples).toHaveLength(10);
    // finalizers run some time after a GC, so a sample can catch a few dead arrays; a leak grows every sample
    const later = r.samples.slice(5);
    expect(Math.min(...later)).toBeLessThanOrEqual(r.samples[0]! + 10);
    expect(Math.max(...r.samples)).toBeLessThan(r.samples[0]! * 3 + 20);
    expect(r.wasmBytes[r.wasmBytes.length - 1]).toBe(r.wasmBytes[0]);
  });
});

describe('host buffer pool (jit plan intermediates)', () => {
  it('reuses only its own buffers, never twice, and never a user typed array', async () => {
    const { takeHost, recycleHost, hostPoolStats } = await import('../src/core/hostPool.js');
    const a = takeHost(Float32Array, 1000);
    recycleHost(a);
    recycleHost(a); // a second give-back of the same buffer is ignored
    const b = takeHost(Float32Array, 1000);
    const c = takeHost(Float32Array, 1000);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const mine = new Float32Array(1000);
    const before = hostPoolStats.recycled;
    recycleHost(mine);
    expect(hostPoolStats.recycled).toBe(before);
    expect(takeHost(Float32Array, 1000)).not.toBe(mine);
    expect(takeHost(Float64Array, 1000)).not.toBe(c); // keyed by type as well as length
  });
  it("a user's dispose gives a result's buffer back: the next result of that size reuses it, with its own values", async () => {
    const { jit, np, withTarget } = await import('../src/index.js');
    const { ConcreteArray, fromTyped } = await import('../src/core/array.js');
    type A = import('../src/index.js').Array;
    for (const target of ['ref', 'wasm']) {
      withTarget(target, () => {
        const f = jit((a: A) => np.exp(a.mul(0.5)).add(a));
        const x = np.linspace(-2, 2, 3000);
        const y = f(x) as InstanceType<typeof ConcreteArray>;
        const buf = y.buffer;
        const want = [...y.dataSync()];
        y.dispose();
        const z = np.sin(x) as InstanceType<typeof ConcreteArray>; // an eager result of the same size takes it
        expect(z.buffer).toBe(buf);
        [...z.dataSync()].forEach((v, i) => expect(v).toBeCloseTo(Math.sin(-2 + (4 * i) / 2999), 6));
        z.dispose();
        const y2 = f(x) as InstanceType<typeof ConcreteArray>;
        expect(y2.buffer).toBe(buf);
        expect([...y2.dataSync()]).toEqual(want);
        // an array over the user's own typed array is never recycled
        const mine = new Float32Array(3000);
        const u = fromTyped(mine, [3000], 'float32');
        u.dispose();
        const w = np.cos(x) as InstanceType<typeof ConcreteArray>;
        expect(w.buffer).not.toBe(mine);
      });
    }
  });
  it('recycled (unzeroed) buffers never leak stale values: jitted scans interleaved with other programs', async () => {
    const { jit, lax, np, grad } = await import('../src/index.js');
    type A = import('../src/index.js').Array;
    const { hostPoolStats } = await import('../src/core/hostPool.js');
    const rnn = (w: A, xs: A) =>
      np.sum(lax.scan((h: A, x: A): [A, A] => { const n = np.tanh(np.matmul(h, w).add(x)); return [n, n.mul(2)]; }, np.zeros([4, 8]), xs)[1] as A);
    const w = np.linspace(-0.5, 0.5, 64).reshape([8, 8]);
    const xs = np.linspace(-1, 1, 20 * 32).reshape([20, 4, 8]);
    const f = jit(grad(rnn));
    const want = [...grad(rnn)(w, xs).dataSync()]; // eager: no plan, no pool
    const other = jit((a: A) => np.exp(a.mul(3)).add(np.ones([4, 8]).mul(1e6)).sum());
    const reuses = hostPoolStats.reuses;
    for (let r = 0; r < 3; r++) {
      other(np.full([4, 8], 7)); // fills the pool with buffers of the same sizes holding large values
      const got = [...f(w, xs).dataSync()];
      // (jit sums the weight gradient over all steps in one product, eager step by step: a few ulp apart; a stale
      // buffer would be off by ~1e6)
      got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]!))));
    }
    expect(hostPoolStats.reuses).toBeGreaterThan(reuses);
  });
});
