// optim: optimizer trajectories and schedules against PyTorch 1.13, building blocks against hand-derived formulas, jit/state behaviour.
//
// Expected numbers come from test/fixtures/nn/torch.json, written by scripts/gen-nn-fixtures.py with torch.optim and
// torch.optim.lr_scheduler (float64) on fixed gradient sequences; the rest are derived by hand in the comments.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import type { Array } from '../src/core/trace.js';
import * as optim from '../src/optim/index.js';
import { jit } from '../src/transforms/jit.js';
import { grad } from '../src/transforms/grad.js';
import { vmap } from '../src/transforms/vmap.js';

interface FArr {
  shape: number[];
  data: number[];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/nn/torch.json', import.meta.url), 'utf8'));
const f64 = (a: FArr): Array => fromTyped(new Float64Array(a.data), a.shape, 'float64');
const f64v = (v: number[], shape = [v.length]): Array => fromTyped(new Float64Array(v), shape, 'float64');
const i32 = (v: number): Array => fromTyped(new Int32Array([v]), [], 'int32');
const vals = (x: Array): number[] => [...x.dataSync()].map(Number);

function close(x: Array, want: number[], rtol = 1e-9, atol = 1e-12, what = ''): void {
  const got = vals(x);
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    if (!(Math.abs(g - want[i]!) <= atol + rtol * Math.abs(want[i]!)))
      expect.fail(`${what} element ${i}: got ${g}, expected ${want[i]} (got ${JSON.stringify(got)})`);
  });
}

type P = { a: Array; b: Array };
const params0 = (): P => ({ a: f64(fx.optim.params.a), b: f64(fx.optim.params.b) });
const gradsAt = (t: number): P => ({ a: f64(fx.optim.grads[t].a), b: f64(fx.optim.grads[t].b) });

function makeOpt(name: string, hp: Record<string, number | boolean>): optim.GradientTransformation {
  const lr = hp.lr as number;
  switch (name) {
    case 'sgd':
      return optim.sgd(lr);
    case 'sgdMomentum':
      return optim.sgd(lr, { momentum: hp.momentum as number });
    case 'sgdNesterovWd':
      return optim.sgd(lr, { momentum: hp.momentum as number, nesterov: true, weightDecay: hp.weightDecay as number });
    case 'adagrad':
      return optim.adagrad(lr, { initialAccumulatorValue: hp.initialAccumulatorValue as number, eps: hp.eps as number });
    case 'rmsprop':
      return optim.rmsprop(lr, { decay: hp.decay as number, eps: hp.eps as number });
    case 'rmspropCenteredMomentum':
      return optim.rmsprop(lr, { decay: hp.decay as number, eps: hp.eps as number, centered: true, momentum: hp.momentum as number });
    case 'adam':
      return optim.adam(lr, { b1: hp.b1 as number, b2: hp.b2 as number, eps: hp.eps as number });
    case 'adamAmsgrad':
      return optim.adam(lr, { b1: hp.b1 as number, b2: hp.b2 as number, eps: hp.eps as number, amsgrad: true });
    case 'adamw':
      return optim.adamw(lr, { b1: hp.b1 as number, b2: hp.b2 as number, eps: hp.eps as number, weightDecay: hp.weightDecay as number });
    case 'clipNormSgd':
      return optim.chain(optim.clipByGlobalNorm(hp.maxNorm as number), optim.sgd(lr));
    case 'clipValueSgd':
      return optim.chain(optim.clipByValue(hp.maxDelta as number), optim.sgd(lr));
  }
  throw new Error(`unknown case ${name}`);
}

describe('optimizers against torch.optim (5 steps, float64)', () => {
  for (const c of fx.optim.cases as { name: string; hp: Record<string, number | boolean>; trajectory: { a: FArr; b: FArr }[] }[]) {
    it(c.name, () => {
      const opt = makeOpt(c.name, c.hp);
      let p = params0();
      let s = opt.init(p);
      c.trajectory.forEach((want, t) => {
        const [u, s2] = opt.update(gradsAt(t), s, p);
        p = optim.applyUpdates(p, u);
        s = s2;
        // torch's clip_grad_norm_ divides by (norm + 1e-6); everything else is the same arithmetic reordered
        const rtol = c.name === 'clipNormSgd' ? 1e-6 : 1e-10;
        close(p.a, want.a.data, rtol, 1e-12, `${c.name} step ${t} a`);
        close(p.b, want.b.data, rtol, 1e-12, `${c.name} step ${t} b`);
      });
    });
  }

  it('a jitted step gives the same trajectory and traces once', () => {
    const c = fx.optim.cases.find((x: { name: string }) => x.name === 'adamw');
    const opt = makeOpt('adamw', c.hp);
    const step = jit((p: P, s: unknown, g: P) => {
      const [u, s2] = opt.update(g, s, p);
      return [optim.applyUpdates(p, u), s2] as const;
    });
    let p = params0();
    let s: unknown = opt.init(p);
    for (let t = 0; t < 5; t++) [p, s] = step(p, s, gradsAt(t)) as unknown as [P, unknown];
    close(p.a, c.trajectory[4].a.data, 1e-10);
    expect(step.traceCount).toBe(1);
    // the step counter lives in the state as an int32 scalar
    const adamState = (s as unknown[])[0] as optim.AdamState;
    expect(adamState.count.dtype).toBe('int32');
    expect(adamState.count.item()).toBe(5);
  });
});

describe('building blocks (hand-derived)', () => {
  const g = { w: f64v([3, -4]) };
  it('globalNorm and clipByGlobalNorm: ‖(3, -4)‖ = 5, clipped to norm 1 → (0.6, -0.8); small ones pass', () => {
    close(optim.globalNorm(g), [5]);
    close((optim.clipByGlobalNorm(1).update(g, {})[0] as typeof g).w, [0.6, -0.8], 1e-12);
    close((optim.clipByGlobalNorm(10).update(g, {})[0] as typeof g).w, [3, -4]);
    // a zero gradient stays zero (no 0/0)
    close((optim.clipByGlobalNorm(1).update({ w: f64v([0, 0]) }, {})[0] as typeof g).w, [0, 0]);
  });
  it('clipByValue with one or two bounds', () => {
    close((optim.clipByValue(2).update(g, {})[0] as typeof g).w, [2, -2]);
    close((optim.clipByValue(-1, 5).update(g, {})[0] as typeof g).w, [3, -1]);
    expect(() => optim.clipByValue(3, 1)).toThrow(/exceeds/);
  });
  it('addDecayedWeights with a mask decays only the masked leaves', () => {
    const p = { w: f64v([1, 2]), b: f64v([10]) };
    const u = { w: f64v([0, 0]), b: f64v([0]) };
    const [out] = optim.addDecayedWeights(0.5, { w: true, b: false }).update(u, {}, p) as [typeof p, unknown];
    close(out.w, [0.5, 1]);
    close(out.b, [0]);
    expect(() => optim.addDecayedWeights(0.5).update(u, {})).toThrow(/needs the current params/);
  });
  it('l1Penalty, l2Penalty and addL1Decay', () => {
    const p = { w: f64v([1, -2]), b: f64v([3]) };
    close(optim.l1Penalty(p, 0.1), [0.6], 1e-12);
    close(optim.l2Penalty(p, 0.1), [0.7], 1e-12); // ½ · 0.1 · (1 + 4 + 9)
    // d/dp of l2Penalty is coefficient · p
    const gp = grad((q: typeof p) => optim.l2Penalty(q, 0.1))(p);
    close(gp.w, [0.1, -0.2], 1e-12);
    const [u] = optim.addL1Decay(0.1).update({ w: f64v([0, 0]), b: f64v([0]) }, {}, p) as [typeof p, unknown];
    close(u.w, [0.1, -0.1], 1e-12);
  });
  it('nesterov Adam (NAdam as optax) first step: μ̂ = b1 · μ/(1 - b1²) + (1 - b1) · g/(1 - b1)', () => {
    const [u] = optim.scaleByAdam({ nesterov: true, b1: 0.9, b2: 0.999, eps: 0 }).update({ w: f64v([2]) }, optim.scaleByAdam({ nesterov: true }).init({ w: f64v([0]) }));
    // μ = 0.1·2 = 0.2, ν = 0.001·4 = 0.004 → ν̂ = 4, √ν̂ = 2; μ̂ = 0.9·0.2/0.19 + 0.1·2/0.1 = 2.947..., update = μ̂ / 2
    close((u as { w: Array }).w, [(0.9 * 0.2 / 0.19 + (0.1 * 2) / 0.1) / 2], 1e-12);
  });
  it('chain checks its state', () => {
    const c = optim.chain(optim.scale(2), optim.scale(3));
    expect(() => c.update(g, [{}])).toThrow(/2 inner states/);
    close((c.update(g, c.init(g))[0] as typeof g).w, [18, -24]);
  });
  it('sgd with a schedule counts steps in its state', () => {
    const opt = optim.sgd(optim.piecewiseConstantSchedule(1, { 2: 0.5 }));
    let s = opt.init(g);
    const steps: number[] = [];
    for (let t = 0; t < 4; t++) {
      const [u, s2] = opt.update({ w: f64v([1, 1]) }, s);
      steps.push(vals((u as typeof g).w)[0]!);
      s = s2;
    }
    expect(steps).toEqual([-1, -1, -0.5, -0.5]);
  });
  it('updates vmap over a batch of independent parameter sets', () => {
    const opt = optim.adam(0.1);
    const ps = { w: f64v([1, 2, 3, 4], [2, 2]) };
    const gs = { w: f64v([0.5, -1, 2, 0], [2, 2]) };
    const step = (p: { w: Array }, gr: { w: Array }) => optim.applyUpdates(p, opt.update(gr, opt.init(p), p)[0]);
    const batched = vmap(step)(ps, gs) as { w: Array };
    // Adam's first step is -lr · sign(g) (up to eps), elementwise: zero stays
    close(batched.w, [0.9, 2.1, 2.9, 4], 1e-6);
  });
});

describe('schedules against torch.optim.lr_scheduler', () => {
  const mk = (name: string, args: unknown[]): optim.Schedule => {
    switch (name) {
      case 'stepDecay':
        return optim.stepDecay(...(args as [number, number, number]));
      case 'exponentialDecay':
        return optim.exponentialDecay(...(args as [number, number, number]));
      case 'cosineDecay':
        return optim.cosineDecay(...(args as [number, number, number]));
      case 'sgdrSchedule':
        return optim.sgdrSchedule(...(args as [number, number, number, number]));
      case 'cyclicSchedule':
        return optim.cyclicSchedule(...(args as [number, number, number, optim.CyclicOptions]));
      case 'linearSchedule':
        return optim.linearSchedule(...(args as [number, number, number]));
    }
    throw new Error(name);
  };
  for (const c of fx.schedules as { name: string; args: unknown[]; values: number[] }[]) {
    it(`${c.name}(${JSON.stringify(c.args)})`, () => {
      const s = mk(c.name, c.args);
      const got = c.values.map((_, t) => s(t).item() as number);
      got.forEach((v, t) => expect(Math.abs(v - c.values[t]!), `step ${t}: ${v} vs ${c.values[t]}`).toBeLessThan(2e-6));
    });
  }

  it('schedules take traced counts (jit) and agree with JS numbers', () => {
    const s = optim.warmupCosineDecay(0, 1, 4, 12, 0.1);
    const js = jit((c: Array) => s(c));
    for (const t of [0, 2, 4, 8, 12, 20]) close(js(i32(t)), [s(t).item() as number], 1e-6);
    // hand values: warmup 0 → 1 over 4 steps; cosine from 1 to 0.1 over the next 8
    close(s(2), [0.5], 1e-6);
    close(s(4), [1], 1e-6);
    close(s(8), [0.1 + 0.9 * 0.5], 1e-6);
    close(s(30), [0.1], 1e-6);
  });
  it('exponentialDecay options and piecewise/polynomial values', () => {
    close(optim.exponentialDecay(1, 2, 0.5, { staircase: true })(3), [0.5], 1e-7);
    close(optim.exponentialDecay(1, 2, 0.5, { transitionBegin: 2 })(4), [0.5], 1e-7);
    close(optim.exponentialDecay(1, 1, 0.5, { endValue: 0.2 })(10), [0.2], 1e-7);
    close(optim.polynomialSchedule(1, 0, 2, 10)(5), [0.25], 1e-7);
    close(optim.warmupExponentialDecay(0, 1, 10, 100, 0.5)(110), [0.5], 1e-6);
    close(optim.constantSchedule(0.3)(7), [0.3], 1e-7);
  });
});
