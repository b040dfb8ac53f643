// Tests of the Fashion-MNIST examples: the dataset choice (installed copy, else the embedded subset), the smoke runs of each example on a tiny slice, and a tiny ResNet's training step (loss, batchNorm running statistics, eval mode).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { data, jit, nn, np, optim, random, valueAndGrad, type Array as Arr } from '../src/index.js';
import { EMBEDDED_FASHION_DIR, fashionSource, fitFashionMnist, flipAveragedLogProbs, loadFashion } from '../examples/lib/fashion.js';
import { run as runMlp } from '../examples/fashion-mlp.js';
import { run as runCnn } from '../examples/fashion-cnn.js';
import { resnet, run as runResnet } from '../examples/fashion-resnet.js';

const installed = existsSync(join(data.FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
const silent = { write: () => undefined, isTTY: false };
const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unsigned bytes of an IDX file after its header (read here with zlib, independently of data.readIdx). */
const idxBytes = (path: string, ndim: number): Uint8Array => gunzipSync(readFileSync(path)).subarray(4 + 4 * ndim);

describe('the examples\' dataset: the installed copy, else the embedded subset', () => {
  it('falls back to data/fashion-mnist-subset when FASHION_MNIST_DIR points to a missing directory, and says so', () => {
    const missing = join(dir, 'no-such-dir');
    const src = fashionSource({ FASHION_MNIST_DIR: missing });
    expect(src.kind).toBe('embedded');
    expect(src.dir).toBe(EMBEDDED_FASHION_DIR);
    expect(src.description).toContain(`FASHION_MNIST_DIR=${missing}`);
    expect(src.description).toContain('embedded');
    const ds = loadFashion({ source: src });
    expect(ds.train.images.shape).toEqual([10000, 28, 28]);
    expect(ds.test.images.shape).toEqual([2000, 28, 28]);
    // class-balanced as the generating script promises: 1000 train / 200 test images per class, counted here from the raw labels
    const counts = (labels: Arr) => Array.from({ length: 10 }, (_, c) => Number(np.equal(labels, c).astype('int32').sum().item()));
    expect(counts(ds.train.labels)).toEqual(new Array(10).fill(1000));
    expect(counts(ds.test.labels)).toEqual(new Array(10).fill(200));
    // pixels scaled to [0, 1]: image 0 equals its raw bytes / 255
    const raw = idxBytes(join(EMBEDDED_FASHION_DIR, 'train-images-idx3-ubyte.gz'), 3).subarray(0, 784);
    const img = Array.from(ds.train.images.get(0).reshape([784]).dataSync());
    img.forEach((v, i) => expect(v).toBeCloseTo(raw[i]! / 255, 6));
  });

  it('a directory without the four files also falls back; an empty FASHION_MNIST_DIR means the default directory', () => {
    expect(fashionSource({ FASHION_MNIST_DIR: dir }).kind).toBe('embedded');
    expect(fashionSource({ FASHION_MNIST_DIR: '' }).kind).toBe(installed ? 'full' : 'embedded');
  });

  it.skipIf(!installed)('uses the installed dataset when present; the embedded images are the first 1000 / 200 of each class of it', () => {
    const src = fashionSource({});
    expect(src.kind).toBe('full');
    expect(src.dir).toBe(data.FASHION_MNIST_DIR);
    for (const [split, perClass] of [['train', 1000], ['t10k', 200]] as const) {
      const fullLabels = idxBytes(join(data.FASHION_MNIST_DIR, `${split}-labels-idx1-ubyte.gz`), 1);
      const fullImages = idxBytes(join(data.FASHION_MNIST_DIR, `${split}-images-idx3-ubyte.gz`), 3);
      const subLabels = idxBytes(join(EMBEDDED_FASHION_DIR, `${split}-labels-idx1-ubyte.gz`), 1);
      const subImages = idxBytes(join(EMBEDDED_FASHION_DIR, `${split}-images-idx3-ubyte.gz`), 3);
      const taken = new Array(10).fill(0);
      let j = 0;
      for (let i = 0; i < fullLabels.length && j < 10 * perClass; i++) {
        const c = fullLabels[i]!;
        if (taken[c] >= perClass) continue;
        taken[c]++;
        expect(subLabels[j]).toBe(c);
        if (j % 97 === 0) expect(Buffer.compare(subImages.subarray(j * 784, (j + 1) * 784), fullImages.subarray(i * 784, (i + 1) * 784))).toBe(0);
        j++;
      }
      expect(j).toBe(subLabels.length);
    }
  });
});

// The history holds one mean loss per epoch, so each example runs two short epochs on a tiny slice (of whichever
// dataset fashionSource picks): the second epoch's mean loss must be below the first's, and the model must beat
// chance (0.1) on the test slice.
describe('examples on Fashion-MNIST (tiny slice)', () => {
  const cases = [
    ['fashion-mlp', runMlp, { limit: 512, batchSize: 64 }, 0.3],
    ['fashion-cnn', runCnn, { limit: 256, batchSize: 32, channels: [4, 8] as const }, 0.3],
    ['fashion-resnet', runResnet, { limit: 256, batchSize: 32, channels: 4 }, 0.2],
  ] as const;
  for (const [name, run, opts, minAcc] of cases) {
    it(`${name}: the loss decreases and curves.svg is written`, async () => {
      const outDir = join(dir, name);
      const r = await (run as (o: object) => ReturnType<typeof runCnn>)({ ...opts, epochs: 2, outDir, stream: silent, log: () => undefined });
      const [e1, e2] = r.history;
      expect(r.history).toHaveLength(2);
      expect(e2!.trainLoss).toBeLessThan(e1!.trainLoss);
      expect(e1!.trainLoss).toBeLessThan(Math.log(10) * 1.5); // starts near chance, ln 10 ≈ 2.30
      expect(r.testAcc).toBeGreaterThan(minAcc); // above chance (0.1) after two passes over a few hundred images
      expect(r.traceCount).toBe(1); // one jit trace: every batch has the same shapes
      expect(r.plot).toBe(join(outDir, 'curves.svg'));
      const svg = readFileSync(r.plot, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('accuracy'); // the second panel's axis title
      expect(svg.match(/<path/g)?.length ?? 0).toBeGreaterThan(4); // two lines per panel, plus axes
    }, 120_000);
  }
});

describe('a tiny ResNet training step (batchNorm state, train and eval modes)', () => {
  const ds = loadFashion({ source: fashionSource({ FASHION_MNIST_DIR: join(dir, 'none') }), trainLimit: 16, testLimit: 16 });
  const x = ds.train.images.reshape([16, 28, 28, 1]), y = ds.train.labels;
  const model = resnet(4, 0); // no dropout: train-mode outputs then differ from eval only through batchNorm
  const init = model.init(random.key(0), [-1, 28, 28, 1]);
  const opt = optim.adam(3e-3);
  type P = typeof init.params;
  type S = typeof init.state;
  const lossFn = (p: P, s: S, xb: Arr, yb: Arr, k: Arr): [Arr, S] => {
    const [logits, s2] = model.applyWithState(p, s, xb, { train: true, key: k });
    return [nn.categoricalCrossEntropy(logits, yb), s2];
  };
  const step = jit((p: P, s: S, o: unknown, k: Arr) => {
    const [[l, s2], g] = valueAndGrad(lossFn, { hasAux: true })(p, s, x, y, k);
    const [u, o2] = opt.update(g, o, p);
    return [optim.applyUpdates(p, u), s2, o2, l] as const;
  });

  it('the loss decreases over steps on one batch, in one jit trace', () => {
    let p = init.params, s = init.state, o: unknown = opt.init(p);
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const [p2, s2, o2, l] = step(p, s, o, random.key(100 + i));
      [p, s, o] = [p2, s2, o2];
      losses.push(Number(l));
    }
    expect(losses[5]!).toBeLessThan(losses[0]! * 0.8);
    expect(step.traceCount).toBe(1);
  });

  it('train mode updates the stem batchNorm\'s running statistics by ra ← 0.99·ra + 0.01·batch statistic (conv computed by hand here)', () => {
    const [, s1] = step(init.params, init.state, opt.init(init.params), random.key(1));
    const w = (init.params as any)[0].w as Arr; // HWIO
    expect(w.shape).toEqual([3, 3, 1, 4]);
    expect((init.params as any)[0].b).toBeNull(); // useBias: false
    const kernel = w.dataSync(); // row-major [3, 3, 1, 4]
    const px = x.dataSync();
    // SAME 3×3 cross-correlation of the 16 images (no bias: useBias false), then each channel's mean and biased variance
    const sum = [0, 0, 0, 0], sq = [0, 0, 0, 0];
    const outs: number[][] = [[], [], [], []];
    for (let n = 0; n < 16; n++)
      for (let i = 0; i < 28; i++)
        for (let j = 0; j < 28; j++)
          for (let c = 0; c < 4; c++) {
            let v = 0;
            for (let di = 0; di < 3; di++)
              for (let dj = 0; dj < 3; dj++) {
                const a = i + di - 1, b = j + dj - 1;
                if (a >= 0 && a < 28 && b >= 0 && b < 28) v += px[n * 784 + a * 28 + b]! * kernel[(di * 3 + dj) * 4 + c]!;
              }
            sum[c] = sum[c]! + v;
            outs[c]!.push(v);
          }
    const m = sum.map((t) => t / (16 * 784));
    outs.forEach((o, c) => o.forEach((v) => (sq[c] = sq[c]! + (v - m[c]!) ** 2)));
    const v = sq.map((t) => t / (16 * 784));
    const bn = (s1 as any)[1] as { mean: Arr; var: Arr };
    Array.from(bn.mean.dataSync()).forEach((got, c) => expect(got).toBeCloseTo(0.01 * m[c]!, 5));
    Array.from(bn.var.dataSync()).forEach((got, c) => expect(got).toBeCloseTo(0.99 + 0.01 * v[c]!, 5));
    // the residual blocks' statistics moved too (mean from 0, var from 1)
    const block = (s1 as any)[4] as { stages: { mean: Arr }[] };
    expect(Math.abs(Number(np.abs(block.stages[0]!.mean).sum().item()))).toBeGreaterThan(0);
  });

  it('eval mode normalises with the running statistics: per-example outputs, and they change with the state', () => {
    const [p1, s1] = step(init.params, init.state, opt.init(init.params), random.key(2));
    const evalAll = model.apply(p1, x, { state: s1 });
    const evalHalf = model.apply(p1, x.get('0:8'), { state: s1 });
    // eval: an example's logits do not depend on the rest of the batch
    expect(np.allclose(evalAll.get('0:8'), evalHalf, { rtol: 1e-4, atol: 1e-5 }).item()).toBe(true);
    // train mode: batch statistics, so they do
    const trainAll = model.applyWithState(p1, s1, x, { train: true })[0], trainHalf = model.applyWithState(p1, s1, x.get('0:8'), { train: true })[0];
    expect(np.allclose(trainAll.get('0:8'), trainHalf, { rtol: 1e-4, atol: 1e-5 }).item()).toBe(false);
    // other running statistics give other logits (the stem's mean shifted by 0.5)
    const shifted = (s1 as any[]).map((st, i) => (i === 1 ? { mean: (st.mean as Arr).add(0.5), var: st.var } : st));
    expect(np.allclose(model.apply(p1, x, { state: shifted as S }), evalAll, { rtol: 1e-3, atol: 1e-3 }).item()).toBe(false);
  });
});

describe('flip test-time augmentation and label smoothing in the Fashion-MNIST training loop', () => {
  const ds = loadFashion({ source: fashionSource({ FASHION_MNIST_DIR: join(dir, 'none') }), trainLimit: 64, testLimit: 32 });

  it('flipAveragedLogProbs is log((softmax(f(x)) + softmax(f(mirror x))) / 2), computed by hand here', () => {
    const x = random.normal(random.key(3), [2, 3, 4, 1]);
    const w = random.normal(random.key(4), [12, 5]);
    const f = (xi: Arr): Arr => np.matmul(xi.reshape([2, 12]), w); // not mirror-invariant
    const got = flipAveragedLogProbs(f, x).dataSync();
    const px = x.dataSync(), pw = w.dataSync();
    for (let n = 0; n < 2; n++) {
      const probs = (mirror: boolean): number[] => {
        const z = Array.from({ length: 5 }, (_, k) => {
          let t = 0;
          for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) t += px[n * 12 + i * 4 + (mirror ? 3 - j : j)]! * pw[(i * 4 + j) * 5 + k]!;
          return t;
        });
        const m = Math.max(...z), e = z.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / s);
      };
      const a = probs(false), b = probs(true);
      for (let k = 0; k < 5; k++) expect(got[n * 5 + k]!).toBeCloseTo(Math.log((a[k]! + b[k]!) / 2), 5);
    }
    // on mirror-symmetric images it is the plain log-softmax
    const sym = x.add(np.flip(x, 2));
    expect(np.allclose(flipAveragedLogProbs(f, sym), nn.logSoftmax(f(sym)), { atol: 1e-5 }).item()).toBe(true);
    expect(() => flipAveragedLogProbs(f, x.reshape([2, 12]))).toThrow(/NHWC.*\[2,12\]/);
  });

  it('fitFashionMnist reports testAccFlip with flipTta, and labelSmoothing reaches the training loss', () => {
    const fit = (extra: object) =>
      fitFashionMnist({ model: resnet(4, 0), inputShape: [-1, 28, 28, 1], epochs: 1, data: ds, batchSize: 32, lr: 3e-3, stream: silent, log: () => undefined, ...extra });
    const plain = fit({}), tta = fit({ flipTta: true }), smooth = fit({ labelSmoothing: 1 });
    expect(plain.history[0]!.testAccFlip).toBeUndefined();
    const acc = tta.history[0]!.testAccFlip!;
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(1);
    expect(Number.isInteger(acc * 32)).toBe(true); // a count of the 32 test images
    expect(tta.history[0]!.trainLoss).toBe(plain.history[0]!.trainLoss); // evaluation does not touch training
    // smoothing 1 makes every target uniform: each step's loss is a cross-entropy against the uniform distribution,
    // which is at least its entropy ln 10 (Gibbs' inequality), and the run differs from the plain one
    expect(smooth.history[0]!.trainLoss).toBeGreaterThanOrEqual(Math.log(10) - 1e-5);
    expect(smooth.history[0]!.trainLoss).not.toBe(plain.history[0]!.trainLoss);
  }, 120_000);
});
