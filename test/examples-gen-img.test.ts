// Smoke tests of the generative image examples: PNG grids decode to the laid-out size and pixels, the 2-D GAN's statistics and run, and (with the dataset) the autoencoder and VAE on a tiny slice.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { data, np, random } from '../src/index.js';
import { gridPng, saveGrid, saveScatterPng } from '../examples/lib/image.js';
import { run as runAe } from '../examples/autoencoder.js';
import { run as runVae } from '../examples/vae.js';
import { run as runGan, ringStats, sampleRing, RING_MODES } from '../examples/gan.js';

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

  it('a short run traces each step once, starts from D ≈ chance and writes the scatter plots and curves', async () => {
    const outDir = join(dir, 'gan-2d');
    const r = await runGan({ data: '2d', steps: 40, batchSize: 64, snapshots: 1, outDir, ...quiet });
    expect(r.traceCount).toEqual({ d: 1, g: 1 });
    expect(r.history.length).toBeGreaterThan(10);
    for (const h of r.history) expect(Number.isFinite(h.dLoss) && Number.isFinite(h.gLoss)).toBe(true);
    // at the start D(x) ≈ 0 for everything: D's loss ≈ 2 ln 2, G's ≈ ln 2
    expect(r.history[0]!.dLoss).toBeGreaterThan(1.0);
    expect(r.history[0]!.dLoss).toBeLessThan(1.8);
    expect(r.heldOutDAcc).toBeGreaterThanOrEqual(0);
    expect(r.modesCovered).toBeGreaterThanOrEqual(0);
    const png = r.images.find((p) => p.endsWith('.png'))!;
    expect(png).toBe(join(outDir, 'samples-step-00040.png'));
    expect([decode(png).width, decode(png).height]).toEqual([300, 300]);
    expect(readFileSync(join(outDir, 'samples-step-00040.svg'), 'utf8').startsWith('<svg')).toBe(true);
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
