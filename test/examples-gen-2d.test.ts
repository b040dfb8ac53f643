// Smoke and correctness tests of the 2-D generative examples (DDPM, RealNVP) and their toy-data library, on tiny sizes.
import { describe, expect, it } from 'vitest';
import { jacfwd, jit, np, random, tree, type Array } from '../src/index.js';
import {
  fitGaussian, fractionNearCenters, gaussianLogPdf, gaussianMixture, gaussianMixtureLogPdf, gridPoints, mmdRbf, sampleGaussian, slicedWasserstein,
  twoMoons, twoMoonsLogPdf,
} from '../examples/lib/toy2d.js';
import { makeSchedule, run as runDiffusion, sampleChain, timeEmbedding } from '../examples/diffusion.js';
import { flowForward, flowInverse, flowLogProb, initFlow, makeFlow, run as runFlow, type FlowParams } from '../examples/flow.js';

const silent = (): void => undefined;
const cellArea = (xd: readonly [number, number], yd: readonly [number, number], n: number): number => ((xd[1] - xd[0]) / n) * ((yd[1] - yd[0]) / n);

describe('toy2d', () => {
  it('two moons lie on the two half circles and the quadrature density integrates to 1', () => {
    const x = twoMoons(random.key(0), 500, 0);
    const d = x.dataSync();
    for (let i = 0; i < 500; i++) {
      const px = d[2 * i]!, py = d[2 * i + 1]!;
      // upper moon: unit circle about (0, 0), y ≥ 0; lower moon: unit circle about (1, 0.5), y ≤ 0.5
      const r0 = Math.hypot(px, py), r1 = Math.hypot(px - 1, py - 0.5);
      expect(Math.min(Math.abs(r0 - 1) + (py < -1e-6 ? 1 : 0), Math.abs(r1 - 1) + (py > 0.5 + 1e-6 ? 1 : 0))).toBeLessThan(1e-5);
    }
    const xd = [-2, 3] as const, yd = [-1.5, 2] as const, g = 80;
    const mass = Number(twoMoonsLogPdf(gridPoints(xd, yd, g, g), 0.1, 200).exp().sum()) * cellArea(xd, yd, g);
    expect(mass).toBeCloseTo(1, 3);
  });

  it('the mixture log-density integrates to 1, and the fitted Gaussian recovers a known Gaussian', () => {
    const xd = [-3, 3] as const, g = 100;
    const mass = Number(gaussianMixtureLogPdf(gridPoints(xd, xd, g, g), { std: 0.2 }).exp().sum()) * cellArea(xd, xd, g);
    expect(mass).toBeCloseTo(1, 3);
    // in 2-D, P(|x − μ| < 3σ) = 1 − exp(−9/2) ≈ 0.989 (the radius of an isotropic Gaussian is Rayleigh-distributed)
    expect(Math.abs(fractionNearCenters(gaussianMixture(random.key(1), 2000), 0.3) - (1 - Math.exp(-4.5)))).toBeLessThan(0.01);
    // x = μ + z Lᵀ with L = [[2, 0], [1, 0.5]]: Σ = L Lᵀ = [[4, 2], [2, 1.25]]
    const z = random.normal(random.key(2), [20000, 2]);
    const x = z.matmul(np.array([[2, 1], [0, 0.5]], 'float32')).add(np.array([1, -1], 'float32'));
    const fit = fitGaussian(x);
    expect(fit.mean[0]).toBeCloseTo(1, 1);
    expect(fit.mean[1]).toBeCloseTo(-1, 1);
    expect(fit.cov[0][0]).toBeCloseTo(4, 0);
    expect(fit.cov[0][1]).toBeCloseTo(2, 0);
    expect(fit.cov[1][1]).toBeCloseTo(1.25, 1);
    // log N at the mean: −log 2π − ½ log|Σ|
    const det = fit.cov[0][0] * fit.cov[1][1] - fit.cov[0][1] ** 2;
    expect(Number(gaussianLogPdf(fit, np.array([fit.mean], 'float32')).item())).toBeCloseTo(-Math.log(2 * Math.PI) - 0.5 * Math.log(det), 4);
    expect(sampleGaussian(fit, random.key(3), 7).shape).toEqual([7, 2]);
  });

  it('MMD and sliced Wasserstein are near 0 for the same distribution and large for different ones', () => {
    const a = twoMoons(random.key(4), 400), b = twoMoons(random.key(5), 400);
    const c = sampleGaussian(fitGaussian(a), random.key(6), 400);
    expect(Math.abs(mmdRbf(a, b, 0.1))).toBeLessThan(2e-3);
    expect(mmdRbf(c, b, 0.1)).toBeGreaterThan(1e-2);
    // the sliced W1 of a shifted copy is the mean over directions of |shift·θ| = |shift| · E|cos φ| = |shift| · 2/π
    const s = slicedWasserstein(a, a.add(np.array([0.6, 0.8], 'float32')), random.key(7), 500);
    expect(s).toBeCloseTo(2 / Math.PI, 1);
    expect(slicedWasserstein(a, b, random.key(7))).toBeLessThan(0.5 * slicedWasserstein(c, b, random.key(7)));
  });
});

describe('diffusion (DDPM)', () => {
  it('the schedules follow their formulas', () => {
    const T = 50;
    const cos = makeSchedule(T, 'cosine');
    const f = (t: number): number => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    const ab = cos.alphaBars.dataSync();
    for (const t of [0, 10, 25, 40]) expect(ab[t]!).toBeCloseTo(f(t + 1) / f(0), 5); // ᾱ_t = f(t)/f(0) before any clipping
    const lin = makeSchedule(T, 'linear');
    const b = lin.betas.dataSync();
    expect(b[0]!).toBeCloseTo(1e-4 * (1000 / T), 6);
    expect(b[T - 1]!).toBeCloseTo(0.02 * (1000 / T), 6);
    expect(lin.alphaBars.dataSync()[T - 1]!).toBeLessThan(1e-3);
    const e = timeEmbedding(np.array([0, 3], 'int32'), 8).dataSync();
    expect([...e.slice(0, 8)]).toEqual([0, 0, 0, 0, 1, 1, 1, 1]); // sin 0, cos 0
    expect(e[8]!).toBeCloseTo(Math.sin(3), 5);
    expect(e[13]!).toBeCloseTo(Math.cos(3 * 10000 ** (-1 / 4)), 5);
  });

  it('with the exact noise predictor of Gaussian data, ancestral sampling follows the linear-Gaussian recursion', () => {
    // data x₀ ~ N(0, v I): x_t ~ N(0, D_t I), D_t = ᾱ_t v + 1 − ᾱ_t, and E[ε | x_t] = √(1 − ᾱ_t) x_t / D_t. The reverse step is then
    // linear, x_{t−1} = a_t x_t + σ_t z with a_t = (1 − β_t/D_t)/√α_t, so Var x_{t−1} = a_t² Var x_t + σ_t², from Var x_T = 1.
    const v = 0.25, T = 50, sched = makeSchedule(T, 'cosine');
    const eps = (x: Array, t: Array): Array => {
      const ab = np.take(sched.alphaBars, t, 0).index(':', null);
      return x.mul(np.sqrt(np.subtract(1, ab))).div(ab.mul(v).add(np.subtract(1, ab)));
    };
    const n = 2000;
    const { x0, chain } = jit((k: Array) => sampleChain(sched, eps, k, n))(random.key(8));
    expect(x0.shape).toEqual([n, 2]);
    expect(chain.shape).toEqual([T + 1, n, 2]);
    expect(np.allclose(chain.index(0), x0).item()).toBe(true);
    const beta = sched.betas.dataSync(), ab = sched.alphaBars.dataSync();
    const expectedStd: number[] = [];
    let variance = 1;
    expectedStd[T] = 1;
    for (let t = T - 1; t >= 0; t--) {
      const abPrev = t > 0 ? ab[t - 1]! : 1;
      const a = (1 - beta[t]! / (ab[t]! * v + 1 - ab[t]!)) / Math.sqrt(1 - beta[t]!);
      variance = a * a * variance + (t > 0 ? (beta[t]! * (1 - abPrev)) / (1 - ab[t]!) : 0);
      expectedStd[t] = Math.sqrt(variance);
    }
    expect(Math.abs(expectedStd[0]! - Math.sqrt(v))).toBeLessThan(0.1); // the chain lands near the data's N(0, v I)
    for (const k of [T, 25, 10, 0]) {
      const sd = np.std(chain.index(k), 0).dataSync();
      for (const s of sd) expect(Math.abs(s - expectedStd[k]!)).toBeLessThan(0.025); // sampling error of a std from 2000 points: ≈ 0.4 %
    }
  });

  it('a tiny run lowers the loss and samples finite points of the right shape', async () => {
    const r = await runDiffusion({ steps: 60, batchSize: 128, T: 20, hidden: 32, depth: 2, embDim: 8, nTrain: 512, nSamples: 64, logEvery: 20, outDir: null, log: silent });
    expect(r.losses).toHaveLength(3);
    expect(r.losses[2]!.loss).toBeLessThan(r.losses[0]!.loss);
    expect(r.samples.shape).toEqual([64, 2]);
    expect(r.chain.shape).toEqual([21, 64, 2]);
    expect(np.all(np.isfinite(r.chain)).item()).toBe(true);
    expect(r.traceCount).toBe(1);
  });
});

describe('flow (RealNVP)', () => {
  // a 4-coupling flow with random (non-identity) conditioners
  const flow = makeFlow({ numLayers: 4, hidden: 16, clamp: 2 }, np.array([0.5, 0.25], 'float32'), np.array([0.9, 0.5], 'float32'));
  const base = initFlow(flow, random.key(10));
  const [leaves, def] = tree.flatten(base);
  const params = tree.unflatten<FlowParams>(def, (leaves as Array[]).map((l, i) => l.add(random.normal(random.key(100 + i), l.shape).mul(0.1))));
  const u = random.normal(random.key(11), [6, 2]);

  it('the inverse undoes the forward map', () => {
    const { z } = flowForward(flow, params, u);
    expect(np.allclose(z, u).item()).toBe(false); // the flow is not the identity
    expect(Number(np.abs(flowInverse(flow, params, z).sub(u)).max())).toBeLessThan(1e-5);
  });

  it('the log-determinant matches log |det J| of the Jacobian from jacfwd', () => {
    const { logDet } = flowForward(flow, params, u);
    const single = (p: Array): Array => flowForward(flow, params, p.reshape(1, 2)).z.reshape(2);
    const ld = logDet.dataSync();
    for (let i = 0; i < 6; i++) {
      const J = (jacfwd(single)(u.index(i)) as Array).astype('float64').dataSync(); // [2, 2]
      expect(Math.log(Math.abs(J[0]! * J[3]! - J[1]! * J[2]!))).toBeCloseTo(ld[i]!, 4);
    }
  });

  it('the density integrates to 1', () => {
    const xd = [-6, 7] as const, yd = [-5, 5.5] as const, g = 200;
    const mass = Number(flowLogProb(flow, params, gridPoints(xd, yd, g, g)).exp().sum()) * cellArea(xd, yd, g);
    expect(mass).toBeCloseTo(1, 3);
  });

  it('a tiny run lowers the NLL, samples finite points and inverts', async () => {
    const r = await runFlow({ steps: 45, batchSize: 128, numLayers: 4, hidden: 16, nTrain: 512, nTest: 256, logEvery: 15, outDir: null, log: silent });
    expect(r.losses).toHaveLength(3);
    expect(r.losses[2]!.loss).toBeLessThan(r.losses[0]!.loss);
    expect(r.inverseError).toBeLessThan(1e-4);
    expect(r.samples.shape).toEqual([256, 2]);
    expect(np.all(np.isfinite(r.samples)).item()).toBe(true);
    expect(r.testNll.truth).toBeLessThan(r.testNll.gaussian); // the true density is the best model
    expect(r.traceCount).toBe(1);
  });
});
