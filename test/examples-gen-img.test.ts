// Smoke tests of the generative image examples: PNG grids decode to the laid-out size and pixels, the 2-D GAN's statistics, WGAN-GP's gradient penalty (hand-derived values) and short runs of both losses, and (with the dataset) the autoencoder and VAE on a tiny slice.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { data, grad, np, random, tree, vmap, type Array } from '../src/index.js';
import { gridPng, saveGrid, saveScatterPng } from '../examples/lib/image.js';
import { run as runAe } from '../examples/autoencoder.js';
import { run as runVae } from '../examples/vae.js';
import { run as runGan, ringStats, sampleRing, gradientPenalty, wganCriticLoss, RING_MODES } from '../examples/gan.js';

const installed = existsSync(data.FASHION_MNIST_DIR);
if (!installed) console.log(`test/examples-gen-img.test.ts: ${data.FASHION_MNIST_DIR} is absent (apt-get install dataset-fashion-mnist): skipping the autoencoder and VAE smoke tests`);

const silent = { write: () => undefined, isTTY: false };
const quiet = { stream: silent, log: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-gen-img-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const decode = (path: string): PNG => PNG.sync.read(readFileSync(path));
/** The grid's size from its layout: cols·w·scale + (cols + 1)·pad wide, rows·h·scale + (rows + 1)·pad high. */
const gridSize = (n: number, cols: number, h: number, w: number, pad: number, scale: number): [number, number] => {
  const rows = Math.ceil(n / cols);
  return [cols * w * scale + (cols + 1) * pad, rows * h * scale + (rows + 1) * pad];
};

describe('image grids (pngjs)', () => {
  it('lays tiles out row-major with padding and writes grey levels as opaque RGBA', () => {
    // 5 tiles of 3×2 pixels, tile k filled with k/4, except its top-left pixel which is 1 - k/4
    const h = 3, w = 2, n = 5, vals = new Float32Array(n * h * w);
    for (let k = 0; k < n; k++) for (let i = 0; i < h * w; i++) vals[k * h * w + i] = i === 0 ? 1 - k / 4 : k / 4;
    const { png, width, height } = gridPng(vals, { cols: 3, height: h, width: w, pad: 1, scale: 1, padValue: 0 });
    expect([width, height]).toEqual(gridSize(n, 3, h, w, 1, 1)); // 3·2 + 4 = 10 wide, 2·3 + 3 = 9 high
    expect([width, height]).toEqual([10, 9]);
    const img = PNG.sync.read(png);
    expect([img.width, img.height]).toEqual([10, 9]);
    const at = (x: number, y: number): number[] => [...img.data.subarray(4 * (y * 10 + x), 4 * (y * 10 + x) + 4)];
    expect(at(0, 0)).toEqual([0, 0, 0, 255]); // padding
    // tile 4 is row 1, column 1: top-left pixel at (1 + 1·(2 + 1), 1 + 1·(3 + 1)) = (4, 5)
    expect(at(4, 5)).toEqual([0, 0, 0, 255]); // 1 - 4/4 = 0
    expect(at(5, 7)).toEqual([255, 255, 255, 255]); // 4/4 = 1
    // tile 1 (row 0, column 1): top-left (4, 1) is 0.75 → 191, the rest 0.25 → 64
    expect(at(4, 1)).toEqual([191, 191, 191, 255]);
    expect(at(5, 3)).toEqual([64, 64, 64, 255]);
    // the empty sixth slot (row 1, column 2) stays padding
    expect(at(8, 6)).toEqual([0, 0, 0, 255]);
  });

  it('saveGrid takes an Array [n, 28, 28], clips to [0, 1] and writes a PNG that decodes to the expected size', () => {
    const imgs = np.multiply(np.subtract(random.uniform(random.key(0), [10, 28, 28]), 0.25), 2); // values in [-0.5, 1.5]
    const r = saveGrid(join(dir, 'grid', 'g.png'), imgs, { cols: 4 });
    const [w, h] = gridSize(10, 4, 28, 28, 2, 2);
    expect([r.width, r.height]).toEqual([w, h]);
    const img = decode(r.path);
    expect([img.width, img.height]).toEqual([w, h]);
    expect(img.data[4 * (2 * w + 2)]).toBeGreaterThanOrEqual(0); // a tile pixel, in range after clipping (bytes)
    expect(() => gridPng(new Float32Array(100))).toThrow(/whole number/);
  });

  it('saveScatterPng draws each series in its colour', () => {
    const r = saveScatterPng(join(dir, 'scatter.png'), [{ points: [0, 0], rgb: [255, 0, 0] }], { size: 101, lo: -1, hi: 1, radius: 0 });
    const img = decode(r.path);
    expect([img.width, img.height]).toEqual([101, 101]);
    expect([...img.data.subarray(4 * (50 * 101 + 50), 4 * (50 * 101 + 50) + 3)]).toEqual([255, 0, 0]); // (0, 0) is the centre
    expect([...img.data.subarray(0, 3)]).toEqual([255, 255, 255]);
  });
});

describe('GAN on the ring of 8 Gaussians (no dataset needed)', () => {
  it('ringStats: real ring samples are ~98.9% within 3σ (1 - e^{-9/2}) and cover all 8 modes; points at the origin cover none', () => {
    const s = ringStats(sampleRing(random.key(1), 4000).dataSync() as Float32Array);
    expect(s.highQuality).toBeGreaterThan(0.975);
    expect(s.highQuality).toBeLessThan(0.9975);
    expect(s.modesCovered).toBe(8);
    expect(s.perMode.reduce((a, b) => a + b, 0)).toBe(Math.round(s.highQuality * 4000));
    const origin = ringStats(new Float32Array(200));
    expect(origin).toEqual({ highQuality: 0, modesCovered: 0, perMode: [0, 0, 0, 0, 0, 0, 0, 0] });
    // points exactly on two modes: half the modes' mass each
    const two = new Float32Array([...RING_MODES[0]!, ...RING_MODES[3]!, ...RING_MODES[3]!, ...RING_MODES[0]!]);
    expect(ringStats(two).perMode).toEqual([2, 0, 0, 2, 0, 0, 0, 0]);
  });

  it('WGAN-GP gradient penalty: hand-derived values for linear and quadratic critics, and its gradient wrt the critic params (grad of grad)', () => {
    // linear critic D(x) = x·w + b: ∇ₓD = w for every row, so GP = (‖w‖ − 1)²; w = (3, 4): ‖w‖ = 5, GP = 16
    const xs = np.array([[0.5, -1], [2, 0.25], [-3, 1]], 'float32');
    const linear = (w: Array) => (x: Array): Array => np.add(np.matmul(x, w.reshape([2, 1])), 0.7);
    const w = np.array([3, 4], 'float32');
    expect(gradientPenalty(linear(w), xs).item()).toBeCloseTo(16, 4);
    // d/dw (‖w‖ − 1)² = 2(‖w‖ − 1)·w/‖w‖ = 2·4·(0.6, 0.8) = (4.8, 6.4): the penalty's gradient flows through ∇ₓD
    const dw = grad((v: Array) => gradientPenalty(linear(v), xs))(w).dataSync();
    expect(dw[0]).toBeCloseTo(4.8, 3);
    expect(dw[1]).toBeCloseTo(6.4, 3);
    // quadratic critic D(x) = ½‖x‖²: ∇ₓD(x_i) = x_i, so GP = mean_i (‖x_i‖ − 1)², computed here on the host
    const quad = (x: Array): Array => np.multiply(np.sum(np.square(x), 1, { keepdims: true }), 0.5);
    const rows = [[0.5, -1], [2, 0.25], [-3, 1]];
    const want = rows.reduce((a, [p, q]) => a + (Math.hypot(p!, q!) - 1) ** 2, 0) / rows.length;
    expect(gradientPenalty(quad, xs).item()).toBeCloseTo(want, 4);
    // the one-backward-pass input gradients equal per-example ones from vmap(grad) for a nonlinear critic
    const tanhCritic = (x: Array): Array => np.tanh(np.matmul(np.tanh(np.matmul(x, np.array([[1, -2, 0.5], [0.3, 0.8, -1]], 'float32'))), np.array([[1], [-1], [2]], 'float32')));
    const perRow = vmap((r: Array) => grad((v: Array) => np.sum(tanhCritic(v.reshape([1, 2]))))(r))(xs).dataSync() as Float32Array;
    let viaVmap = 0;
    for (let i = 0; i < 3; i++) viaVmap += (Math.hypot(perRow[2 * i]!, perRow[2 * i + 1]!) - 1) ** 2 / 3;
    expect(gradientPenalty(tanhCritic, xs).item()).toBeCloseTo(viaVmap, 4);
  });

  it('WGAN-GP critic loss: E D(fake) − E D(real) + λ·GP, by hand for a linear critic', () => {
    const real = np.array([[1, 0], [0, 1]], 'float32'), fake = np.array([[-1, 2], [3, -3]], 'float32'), eps = np.array([[0.2], [0.9]], 'float32');
    // w = (1, 2): D(real) = 1, 2 (mean 1.5); D(fake) = 3, −3 (mean 0); W = 1.5; GP = (√5 − 1)²
    const critic = (x: Array): Array => np.matmul(x, np.array([[1], [2]], 'float32'));
    const [loss, wEst, gp] = wganCriticLoss(critic, real, fake, eps, 10);
    expect(wEst.item()).toBeCloseTo(1.5, 5);
    expect(gp.item()).toBeCloseTo((Math.sqrt(5) - 1) ** 2, 4);
    expect(loss.item()).toBeCloseTo(-1.5 + 10 * (Math.sqrt(5) - 1) ** 2, 3);
  });

  const leaves = (t: unknown): Float32Array[] => tree.flatten(t)[0].map((l) => (l as Array).dataSync() as Float32Array);
  const maxChange = (a: unknown, b: unknown): number => {
    const la = leaves(a), lb = leaves(b);
    let m = 0;
    la.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - lb[i]![j]!)))));
    return m;
  };

  it('WGAN-GP (default): a short run traces its step once, updates both nets, keeps critic loss = −W + λ·GP and writes plots', async () => {
    const outDir = join(dir, 'gan-2d-wgan');
    const r = await runGan({ data: '2d', steps: 30, batchSize: 64, snapshots: 1, outDir, ...quiet });
    expect(r.loss).toBe('wgan-gp');
    expect(r.traceCount).toBe(1);
    expect(r.history.length).toBe(30);
    for (const h of r.history) {
      expect(Number.isFinite(h.dLoss) && Number.isFinite(h.gLoss) && Number.isFinite(h.wasserstein!) && h.gradPenalty! >= 0).toBe(true);
      // the recorded critic loss is the mean of −W + 0.1·GP (the ring's default λ) over the critic updates
      expect(h.dLoss).toBeCloseTo(-h.wasserstein! + 0.1 * h.gradPenalty!, 4);
    }
    expect(maxChange(r.initParams.g, r.params.g)).toBeGreaterThan(1e-4);
    expect(maxChange(r.initParams.d, r.params.d)).toBeGreaterThan(1e-4);
    expect(r.heldOutWasserstein).toBeGreaterThan(0); // the trained critic scores fresh real points above fresh fakes
    const png = r.images.find((p) => p.endsWith('.png'))!;
    expect(png).toBe(join(outDir, 'samples-step-00030.png'));
    expect([decode(png).width, decode(png).height]).toEqual([300, 300]);
    expect(readFileSync(join(outDir, 'samples-step-00030.svg'), 'utf8').startsWith('<svg')).toBe(true);
    expect(readFileSync(r.curves, 'utf8')).toContain('Wasserstein');
  }, 300_000);

  it('non-saturating loss (--loss ns): traces its step once and starts from D ≈ chance', async () => {
    const outDir = join(dir, 'gan-2d-ns');
    const r = await runGan({ data: '2d', loss: 'ns', steps: 40, batchSize: 64, snapshots: 1, outDir, ...quiet });
    expect(r.traceCount).toBe(1);
    expect(r.history.length).toBe(40);
    for (const h of r.history) expect(Number.isFinite(h.dLoss) && Number.isFinite(h.gLoss) && h.dAcc! >= 0 && h.dAcc! <= 1).toBe(true);
    // at the start D's logits are small for everything: over the first 5 steps D's loss is near 2 ln 2 ≈ 1.39, G's near ln 2 ≈ 0.69
    const first5 = r.history.slice(0, 5);
    const avg = (f: 'dLoss' | 'gLoss'): number => first5.reduce((a, h) => a + h[f], 0) / first5.length;
    expect(first5.map((h) => h.step)).toEqual([1, 2, 3, 4, 5]);
    expect(avg('dLoss')).toBeGreaterThan(1.0);
    expect(avg('dLoss')).toBeLessThan(2.0);
    expect(avg('gLoss')).toBeGreaterThan(0.35);
    expect(avg('gLoss')).toBeLessThan(1.2);
    expect(r.heldOutDAcc).toBeGreaterThan(0);
    expect(r.heldOutDAcc).toBeLessThanOrEqual(1);
    expect(maxChange(r.initParams.g, r.params.g)).toBeGreaterThan(1e-4);
    expect(r.images.filter((p) => p.endsWith('.png'))).toEqual([join(outDir, 'samples-step-00040.png')]);
    expect(readFileSync(r.curves, 'utf8')).toContain('step');
  }, 300_000);
});

describe.skipIf(!installed)('autoencoder and VAE on Fashion-MNIST (tiny slice)', () => {
  it('autoencoder: the loss decreases and reconstructions.png is 12 originals over 12 reconstructions', async () => {
    const outDir = join(dir, 'ae');
    const r = await runAe({ limit: 256, epochs: 2, batchSize: 32, outDir, ...quiet });
    const [e1, e2] = r.history;
    expect(e2!.trainLoss).toBeLessThan(e1!.trainLoss);
    expect(e1!.trainLoss).toBeLessThan(784 * Math.log(2) * 1.2); // BCE of a 0.5 prediction is ≤ 784 ln 2 per image
    expect(r.testMse).toBeLessThan(0.25);
    expect(r.traceCount).toBe(1);
    const img = decode(r.reconstructions);
    expect([img.width, img.height]).toEqual(gridSize(24, 12, 28, 28, 2, 2));
    expect(readFileSync(r.curves, 'utf8').startsWith('<svg')).toBe(true);
  }, 300_000);

  it('VAE (latent 2): -ELBO decreases, KL ≥ 0, and samples / manifold grids have the expected sizes', async () => {
    const outDir = join(dir, 'vae');
    const r = await runVae({ limit: 256, epochs: 2, batchSize: 32, latent: 2, hidden: [64], outDir, ...quiet });
    const [e1, e2] = r.history;
    expect(e2!.trainNegElbo).toBeLessThan(e1!.trainNegElbo);
    expect(r.testKl).toBeGreaterThanOrEqual(0);
    expect(r.testNegElbo).toBeCloseTo(r.testRecon + r.testKl, 3);
    expect(r.traceCount).toBe(1);
    expect([decode(r.samples).width, decode(r.samples).height]).toEqual(gridSize(64, 8, 28, 28, 2, 2));
    expect([decode(r.reconstructions).width, decode(r.reconstructions).height]).toEqual(gridSize(24, 12, 28, 28, 2, 2));
    expect(r.manifold).toBeDefined();
    expect([decode(r.manifold!).width, decode(r.manifold!).height]).toEqual([15 * 28, 15 * 28]);
  }, 300_000);
});
