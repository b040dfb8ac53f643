// quietWait (src/targets/webgpu/quiet.ts): Dawn's setImmediate poll spaced out while tensorlaw awaits the GPU, the globals restored after.
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type Array, jit, np, random, setTarget, withTarget } from '../src/index.js';
import { QUIET_SPINS, quietState, quietWait, setQuietWaits } from '../src/targets/webgpu/quiet.js';
import { acquireWebGpu } from './webgpu-conformance.js';

const why = await acquireWebGpu();
afterAll(() => setTarget('ref'));

describe('quietWait', () => {
  const realSet = globalThis.setImmediate, realClear = globalThis.clearImmediate;

  it('replaces setImmediate while a wait is pending (nested waits too), hands the first ticks to the real one, and restores both globals', async () => {
    setQuietWaits(true);
    try {
      let release!: () => void, release2!: () => void;
      const a = quietWait(new Promise<void>((r) => (release = r)));
      const b = quietWait(new Promise<void>((r) => (release2 = r)));
      expect(quietState()).toEqual({ depth: 2, installed: true });
      expect(globalThis.setImmediate).not.toBe(realSet);
      // the first QUIET_SPINS ticks are real immediates (they run before a timer due now), later ones timers
      const order: string[] = [];
      for (let i = 0; i < QUIET_SPINS; i++) setImmediate(() => order.push('immediate'));
      const kept = globalThis.setImmediate; // a reference taken during a wait
      expect(await promisify(setImmediate)('promisified')).toBe('promisified');
      const late = setImmediate(() => order.push('late'));
      const cancelled = setImmediate(() => order.push('cancelled'));
      clearImmediate(cancelled);
      expect('_onTimeout' in (late as object)).toBe(true);
      await new Promise((r) => realSet(r));
      expect(order.length).toBe(QUIET_SPINS);
      await new Promise((r) => setTimeout(r, 5));
      expect(order.slice(QUIET_SPINS)).toEqual(['late']);
      release();
      await a;
      expect(quietState()).toEqual({ depth: 1, installed: true });
      release2();
      await b;
      expect(quietState()).toEqual({ depth: 0, installed: false });
      expect(globalThis.setImmediate).toBe(realSet);
      expect(globalThis.clearImmediate).toBe(realClear);
      // the reference taken during the wait behaves as the real one now: an immediate again, not a timer
      expect('_onImmediate' in (kept(() => undefined) as object)).toBe(true);
      // a rejected wait restores them too, and rethrows
      await expect(quietWait(Promise.reject(new Error('lost')))).rejects.toThrow('lost');
      expect(globalThis.setImmediate).toBe(realSet);
    } finally {
      setQuietWaits(false);
    }
  });

  it('does nothing when off', async () => {
    setQuietWaits(false);
    let release!: () => void;
    const p = quietWait(new Promise<void>((r) => (release = r)));
    expect(quietState().installed).toBe(false);
    expect(globalThis.setImmediate).toBe(realSet);
    release();
    await p;
  });

  it.skipIf(why !== '')('the webgpu target quiets its readbacks in Node: installed during `await data()`, restored after, the values unchanged', async () => {
    setQuietWaits(true); // (initWebGpu turned it on for the `webgpu` package; earlier tests here turned it off)
    const x = random.normal(random.key(1), [256, 256]);
    const f = jit((a: Array) => np.tanh(a.matmul(a)).sum(0));
    const y = withTarget('webgpu', () => f(x));
    let seen = false;
    const probe = setInterval(() => (seen ||= quietState().installed), 0);
    const got = await y.data();
    clearInterval(probe);
    expect(quietState()).toEqual({ depth: 0, installed: false });
    expect(globalThis.setImmediate).toBe(realSet);
    const want = withTarget('ref', () => f(x)).dataSync();
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-3 * (1 + Math.abs(want[i]!)));
    expect(seen).toBe(true);
  });
});
