// GAN (`npm run example:gan`): MLP generator and discriminator, non-saturating loss, two Adam optimizers (β1 = 0.5), alternating jitted steps; on a 2-D ring of 8 Gaussians (default) or Fashion-MNIST (--data fashion).
import { pathToFileURL } from 'node:url';
import { np, nn, optim, data, random, jit, valueAndGrad, train, type Array } from '../src/index.js';
import { saveGrid, saveScatterPng, writeLossCurves, writeScatter, numFlag, flag, type CurvePoint } from './lib/image.js';

/** Generator z → hidden (leaky ReLU) → out; a tanh output for images in [-1, 1], linear for 2-D points. */
export const generator = (out: number, hidden: readonly number[], tanhOut: boolean): nn.Layer =>
  nn.sequential(...hidden.flatMap((h) => [nn.dense(h), (x: Array) => nn.leakyRelu(x, 0.2)]), nn.dense(out), ...(tanhOut ? [nn.tanh] : []));

/** Discriminator x → hidden (leaky ReLU) → one logit (real vs generated). */
export const discriminator = (hidden: readonly number[]): nn.Layer =>
  nn.sequential(...hidden.flatMap((h) => [nn.dense(h), (x: Array) => nn.leakyRelu(x, 0.2)]), nn.dense(1));

// ------------------------------------------------------------------------------------------------
// the 2-D ring of 8 Gaussians (Metz et al. 2017's mode-collapse benchmark)

/** Centres of the 8 modes: radius 2, angles k·π/4. */
export const RING_MODES: readonly (readonly [number, number])[] = globalThis.Array.from({ length: 8 }, (_, k) => [2 * Math.cos((k * Math.PI) / 4), 2 * Math.sin((k * Math.PI) / 4)] as const);
/** Standard deviation of each mode. */
export const RING_STD = 0.05;

/** n points of the ring mixture: a uniform mode plus N(0, RING_STD²) noise, float32 [n, 2]. */
export function sampleRing(key: Array, n: number): Array {
  const [k1, k2] = nn.splitKeys(key, 2) as [Array, Array];
  const mode = random.randint(k1, [n], 0, 8);
  const centres = np.array(RING_MODES.map((m) => [m[0], m[1]]), 'float32');
  return np.add(np.take(centres, mode, 0), np.multiply(random.normal(k2, [n, 2]), RING_STD));
}

/** Mode statistics of 2-D samples: the fraction within 3σ of some mode ("high quality"), and the modes holding >= 1% of the samples within 3σ of them. */
export function ringStats(points: Float32Array): { highQuality: number; modesCovered: number; perMode: number[] } {
  const n = points.length / 2, perMode = new globalThis.Array<number>(8).fill(0);
  let hq = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!, y = points[2 * i + 1]!;
    for (let k = 0; k < 8; k++) {
      const [mx, my] = RING_MODES[k]!;
      if (Math.hypot(x - mx, y - my) <= 3 * RING_STD) {
        hq++;
        perMode[k]!++;
        break;
      }
    }
  }
  return { highQuality: hq / n, modesCovered: perMode.filter((c) => c >= 0.01 * n).length, perMode };
}

// ------------------------------------------------------------------------------------------------

export interface GanOptions {
  /** '2d' (the ring of 8 Gaussians, no dataset needed; default) or 'fashion' (Fashion-MNIST images). */
  readonly data?: 'fashion' | '2d';
  /** Training steps (one discriminator step and one generator step each). */
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly zDim?: number;
  readonly genHidden?: readonly number[];
  readonly discHidden?: readonly number[];
  /** Keep the first `limit` training images (fashion). */
  readonly limit?: number | undefined;
  /** Sample grids / scatter plots written at this many evenly spaced points of training (the last included). Default 4. */
  readonly snapshots?: number;
  readonly seed?: number;
  readonly outDir?: string;
  readonly stream?: train.ProgressStream;
  readonly log?: (line: string) => void;
}

export interface GanStepRecord {
  readonly step: number;
  /** Means over the steps since the previous record. */
  readonly dLoss: number;
  readonly gLoss: number;
  /** Discriminator accuracy on the training batches (real > 0, fake < 0), before its update. */
  readonly dAcc: number;
}

export interface GanResult {
  readonly data: 'fashion' | '2d';
  readonly history: readonly GanStepRecord[];
  readonly seconds: number;
  readonly traceCount: { d: number; g: number };
  /** Discriminator accuracy on held-out real data (test split / fresh ring samples) and as many fresh fakes. */
  readonly heldOutDAcc: number;
  /** 2-D: fraction of generated points within 3σ of a mode, and the number of modes covered (of 8). */
  readonly highQuality?: number;
  readonly modesCovered?: number;
  readonly perMode?: readonly number[];
  /**
   * Images: mean distance (L2 over 784 pixels in [0, 1]) from each of 500 generated images to its nearest
   * neighbour among 10 000 training images, and the same for 500 real test images (the reference level).
   */
  readonly nnDistGenerated?: number;
  readonly nnDistReal?: number;
  /** Images: classes of the nearest training neighbours of 500 generated images (counts per class), and how many of 10 hold >= 2%. */
  readonly nnClassCounts?: readonly number[];
  readonly classesCovered?: number;
  readonly images: readonly string[];
  readonly curves: string;
}

/** Nearest-neighbour distances and indices of the rows of a [m, d] among the rows of b [n, d] (‖a‖² + ‖b‖² - 2a·b, in chunks). */
function nearest(a: Array, b: Array): { dist: Float32Array; idx: Int32Array } {
  const a2 = np.sum(np.square(a), 1, { keepdims: true }), b2 = np.sum(np.square(b), 1).reshape([1, -1]);
  const d2 = np.add(np.subtract(a2, np.multiply(np.matmul(a, np.transpose(b)), 2)), b2);
  const idx = np.argmin(d2, 1).astype('int32');
  const dist = np.sqrt(np.maximum(np.min(d2, 1), 0));
  return { dist: dist.dataSync() as Float32Array, idx: idx.dataSync() as Int32Array };
}

const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
};

/** Trains the GAN and writes its sample grids (or scatter plots) and loss curves under `outDir`. */
export async function run(opts: GanOptions = {}): Promise<GanResult> {
  const kind = opts.data ?? '2d', is2d = kind === '2d';
  const steps = opts.steps ?? (is2d ? 1500 : 3000), bs = opts.batchSize ?? (is2d ? 256 : 64), lr = opts.lr ?? (is2d ? 1e-3 : 2e-4), seed = opts.seed ?? 0;
  const zDim = opts.zDim ?? (is2d ? 16 : 64), snapshots = opts.snapshots ?? 4;
  const outDir = opts.outDir ?? (is2d ? 'out/gan-2d' : 'out/gan');
  const log = opts.log ?? ((s: string) => console.log(s));
  const dim = is2d ? 2 : 784;
  const gen = generator(dim, opts.genHidden ?? (is2d ? [128, 128] : [128, 256]), !is2d);
  const disc = discriminator(opts.discHidden ?? (is2d ? [128, 128] : [256, 128]));

  // real data: images scaled to [-1, 1] (the generator's tanh range), or the ring sampler
  let xTrain: Array | undefined, xTest: Array | undefined, nTrain = 0;
  if (!is2d) {
    const ds = data.loadFashionMnist(data.FASHION_MNIST_DIR, opts.limit === undefined ? {} : { limit: opts.limit });
    xTrain = np.subtract(np.multiply(ds.train.images.reshape([-1, 784]), 2), 1);
    xTest = np.subtract(np.multiply(ds.test.images.reshape([-1, 784]), 2), 1);
    nTrain = xTrain.shape[0]!;
  }
  const key = random.key(seed);
  const params = { g: gen.init(random.foldIn(key, 0), [-1, zDim]).params, d: disc.init(random.foldIn(key, 1), [-1, dim]).params };
  type G = typeof params.g;
  type D = typeof params.d;
  // two optimizers, Adam with β1 = 0.5 (Radford et al. 2016)
  const optG = optim.adam(lr, { b1: 0.5 }), optD = optim.adam(lr, { b1: 0.5 });
  let g = params.g, d = params.d, sG = optG.init(g), sD = optD.init(d);
  type SG = typeof sG;
  type SD = typeof sD;
  const ones = (n: number): Array => np.ones([n, 1]);
  const zeros = (n: number): Array => np.zeros([n, 1]);

  // D: -log σ(D(x)) - log(1 - σ(D(G(z)))); G (non-saturating): -log σ(D(G(z))); z drawn inside the jitted steps from a key argument
  const dCore = (gp: G, dp: D, s: SD, real: Array, kz: Array) => {
    const fake = gen.apply(gp, random.normal(kz, [bs, zDim]));
    const [[l, acc], grads] = valueAndGrad((q: D) => {
      const lr_ = disc.apply(q, real), lf = disc.apply(q, fake);
      const loss = np.add(nn.binaryCrossEntropy(lr_, ones(bs)), nn.binaryCrossEntropy(lf, zeros(bs)));
      const correct = np.add(np.sum(np.greater(lr_, 0).astype('float32')), np.sum(np.less(lf, 0).astype('float32')));
      return [loss, np.divide(correct, 2 * bs)] as [Array, Array];
    }, { hasAux: true })(dp);
    const [u, s2] = optD.update(grads, s, dp);
    return [optim.applyUpdates(dp, u), s2, l, acc] as const;
  };
  const dStep = jit(dCore);
  // the ring's real batch is sampled inside the jitted step too
  const dStep2d = jit((gp: G, dp: D, s: SD, kReal: Array, kz: Array) => dCore(gp, dp, s, sampleRing(kReal, bs), kz));
  const gStep = jit((gp: G, dp: D, s: SG, kz: Array) => {
    const [l, grads] = valueAndGrad((q: G) => nn.binaryCrossEntropy(disc.apply(dp, gen.apply(q, random.normal(kz, [bs, zDim]))), ones(bs)))(gp);
    const [u, s2] = optG.update(grads, s, gp);
    return [optim.applyUpdates(gp, u), s2, l] as const;
  });
  const sampleG = jit((gp: G, z: Array) => gen.apply(gp, z));

  const fixedZ = random.normal(random.foldIn(key, 7), [is2d ? 1000 : 64, zDim]);
  const images: string[] = [];
  const snapshot = async (step: number): Promise<void> => {
    const out = sampleG(g, fixedZ);
    if (is2d) {
      const real = sampleRing(random.foldIn(key, 8), 1000).dataSync() as Float32Array, fake = out.dataSync() as Float32Array;
      const pts = [
        ...globalThis.Array.from({ length: 1000 }, (_, i) => ({ x: real[2 * i]!, y: real[2 * i + 1]!, series: 'real' })),
        ...globalThis.Array.from({ length: 1000 }, (_, i) => ({ x: fake[2 * i]!, y: fake[2 * i + 1]!, series: 'generated' })),
      ];
      const name = `${outDir}/samples-step-${String(step).padStart(5, '0')}`;
      images.push(saveScatterPng(`${name}.png`, [{ points: real, rgb: [70, 130, 230] }, { points: fake, rgb: [230, 90, 30] }]).path);
      images.push(await writeScatter(`${outDir}/samples-step-${String(step).padStart(5, '0')}.svg`, `GAN on a ring of 8 Gaussians, step ${step}`, pts, [-3, 3]));
    } else {
      images.push(saveGrid(`${outDir}/samples-step-${String(step).padStart(5, '0')}.png`, np.divide(np.add(out, 1), 2).reshape([-1, 28, 28]), { cols: 8 }).path);
    }
  };
  const snapAt = new Set(globalThis.Array.from({ length: snapshots }, (_, i) => Math.round(((i + 1) * steps) / snapshots)));

  const history: GanStepRecord[] = [];
  const every = Math.max(1, Math.round(steps / 100));
  let dSum = 0, gSum = 0, accSum = 0, cnt = 0;
  let rng = random.foldIn(key, 3);
  let order: Int32Array | undefined, pos = 0, epoch = 0;
  const nextReal = (_k: Array): Array => {
    if (!order || pos + bs > order.length) {
      order = random.permutation(random.foldIn(random.foldIn(key, 2), epoch++), nTrain).astype('int32').dataSync() as Int32Array;
      pos = 0;
    }
    const idx = np.array(order.subarray(pos, pos + bs), 'int32');
    pos += bs;
    return np.take(xTrain!, idx, 0);
  };
  const t0 = performance.now();
  const bar = train.progress(steps, { label: is2d ? 'gan-2d' : 'gan', ...(opts.stream ? { stream: opts.stream } : {}) });
  for (const i of bar) {
    const step = i + 1;
    const [next, kReal, kZd, kZg] = nn.splitKeys(rng, 4) as [Array, Array, Array, Array];
    rng = next;
    const [d2, sD2, dl, acc] = is2d ? dStep2d(g, d, sD, kReal, kZd) : dStep(g, d, sD, nextReal(kReal), kZd);
    d = d2;
    sD = sD2;
    const [g2, sG2, gl] = gStep(g, d, sG, kZg);
    g = g2;
    sG = sG2;
    dSum += Number(dl);
    gSum += Number(gl);
    accSum += Number(acc);
    cnt++;
    if (step % every === 0 || step === steps) {
      history.push({ step, dLoss: dSum / cnt, gLoss: gSum / cnt, dAcc: accSum / cnt });
      bar.set({ d: dSum / cnt, g: gSum / cnt, dAcc: accSum / cnt });
      dSum = gSum = accSum = cnt = 0;
    }
    if (snapAt.has(step)) await snapshot(step);
  }
  const seconds = (performance.now() - t0) / 1000;

  // evaluation: the discriminator on held-out real data and fresh fakes
  const nEval = is2d ? 2000 : 500;
  const fakes = sampleG(g, random.normal(random.foldIn(key, 9), [nEval, zDim]));
  const heldReal = is2d ? sampleRing(random.foldIn(key, 10), nEval) : np.take(xTest!, np.arange(Math.min(nEval, xTest!.shape[0]!), 'int32'), 0);
  const dReal = disc.apply(d, heldReal).dataSync(), dFake = disc.apply(d, fakes).dataSync();
  let right = 0;
  for (const v of dReal) if (v > 0) right++;
  for (const v of dFake) if (v < 0) right++;
  const heldOutDAcc = right / (dReal.length + dFake.length);

  let extra: Partial<GanResult> = {};
  if (is2d) {
    const s = ringStats(fakes.dataSync() as Float32Array);
    extra = { highQuality: s.highQuality, modesCovered: s.modesCovered, perMode: s.perMode };
    log(`held-out D accuracy ${heldOutDAcc.toFixed(3)}; ${(100 * s.highQuality).toFixed(1)}% of ${nEval} generated points within 3σ of a mode; ` +
      `${s.modesCovered}/8 modes covered (per mode: ${s.perMode.join(' ')})`);
  } else {
    const ref = np.divide(np.add(np.take(xTrain!, np.arange(Math.min(10000, nTrain), 'int32'), 0), 1), 2);
    const to01 = (x: Array): Array => np.divide(np.add(x, 1), 2);
    const genNn = nearest(to01(fakes), ref), realNn = nearest(to01(heldReal), ref);
    const labels = data.loadFashionMnist(data.FASHION_MNIST_DIR, { limit: Math.min(10000, nTrain) }).train.labels.dataSync() as Int32Array;
    const counts = new globalThis.Array<number>(10).fill(0);
    for (const j of genNn.idx) counts[labels[j]!]!++;
    extra = {
      nnDistGenerated: mean(genNn.dist), nnDistReal: mean(realNn.dist), nnClassCounts: counts,
      classesCovered: counts.filter((c) => c >= 0.02 * nEval).length,
    };
    log(`held-out D accuracy ${heldOutDAcc.toFixed(3)} (test images vs fresh samples); nearest-train-neighbour L2 distance: generated ${extra.nnDistGenerated!.toFixed(3)}, ` +
      `real test images ${extra.nnDistReal!.toFixed(3)}; classes of the neighbours ${counts.join(' ')} (${extra.classesCovered}/10 classes hold >= 2%)`);
  }
  const pts = (f: 'dLoss' | 'gLoss' | 'dAcc', series: string): CurvePoint[] => history.map((h) => ({ x: h.step, series, value: h[f] }));
  const curves = await writeLossCurves(`${outDir}/curves.svg`, `GAN on ${is2d ? 'a ring of 8 Gaussians' : 'Fashion-MNIST'} (tensorlaw)`, [
    { title: 'losses (means over ~1% of the steps)', xLabel: 'step', yLabel: 'BCE', points: [...pts('dLoss', 'D'), ...pts('gLoss', 'G (non-saturating)')] },
    { title: 'D accuracy on training batches', xLabel: 'step', yLabel: 'accuracy', points: pts('dAcc', 'D') },
  ]);
  if (!is2d) images.push(saveGrid(`${outDir}/samples.png`, to01Host(sampleG(g, fixedZ)), { cols: 8 }).path);
  return { data: kind, history, seconds, traceCount: { d: is2d ? dStep2d.traceCount : dStep.traceCount, g: gStep.traceCount }, heldOutDAcc, ...extra, images, curves };
}

const to01Host = (x: Array): Array => np.divide(np.add(x, 1), 2).reshape([-1, 28, 28]);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const kind = (flag('data') ?? '2d') as 'fashion' | '2d';
  if (kind !== 'fashion' && kind !== '2d') throw new RangeError(`--data must be fashion or 2d, got '${kind}'`);
  const steps = numFlag('steps', kind === '2d' ? 1500 : 3000), limit = flag('limit') === undefined ? undefined : numFlag('limit', 0);
  console.log(kind === '2d'
    ? `GAN on a ring of 8 Gaussians (σ = ${RING_STD}): MLP G 16-128-128-2, D 2-128-128-1 (leaky ReLU), non-saturating loss, Adam 1e-3 β1 0.5, batch 256, ${steps} steps`
    : `GAN on Fashion-MNIST: MLP G 64-128-256-784 (tanh), D 784-256-128-1 (leaky ReLU 0.2), non-saturating loss, Adam 2e-4 β1 0.5, batch 64, ${steps} steps`);
  const outDir = flag('out-dir');
  const r = await run({ data: kind, steps, limit, ...(outDir ? { outDir } : {}) });
  console.log(`wall time ${r.seconds.toFixed(1)} s (${(steps / r.seconds).toFixed(2)} steps/s; D step traced ${r.traceCount.d}x, G step ${r.traceCount.g}x)`);
  for (const p of r.images) console.log(`samples: ${p}`);
  console.log(`curves: ${r.curves}`);
}
