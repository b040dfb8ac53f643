// GAN (`npm run example:gan`): MLP generator and critic trained with WGAN-GP (default; gradient penalty = grad of a grad) or the non-saturating loss (--loss ns), one jitted step per generator update; on a 2-D ring of 8 Gaussians (default) or Fashion-MNIST (--data fashion).
import { pathToFileURL } from 'node:url';
import { np, nn, optim, data, random, jit, grad, valueAndGrad, train, type Array } from '../src/index.js';
import { saveGrid, saveScatterPng, writeLossCurves, writeScatter, numFlag, flag, type CurvePoint } from './lib/image.js';

/** Generator z → hidden (leaky ReLU) → out; a tanh output for images in [-1, 1], linear for 2-D points. */
export const generator = (out: number, hidden: readonly number[], tanhOut: boolean): nn.Layer =>
  nn.sequential(...hidden.flatMap((h) => [nn.dense(h), (x: Array) => nn.leakyRelu(x, 0.2)]), nn.dense(out), ...(tanhOut ? [nn.tanh] : []));

/** Discriminator / critic x → hidden (leaky ReLU) → one unbounded score (a logit for the NS loss, a critic value for WGAN-GP: no sigmoid either way). */
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
// WGAN-GP (Gulrajani et al. 2017)

/**
 * The gradient penalty of WGAN-GP (Gulrajani et al. 2017, eq. 3): mean over the rows x̂_i of x̂ of
 * (‖∇ₓ D(x̂_i)‖₂ − 1)². One backward pass gives every row's input gradient: the critic acts on rows
 * independently (no batch norm), so row i of ∇ₓ Σ_j D(x_j) is ∇ₓ D(x_i) (the same as vmap(grad(D)) per row).
 * Differentiating this wrt the critic's params is a grad of a grad.
 */
export function gradientPenalty(critic: (x: Array) => Array, xHat: Array): Array {
  const g = grad((x: Array) => np.sum(critic(x)))(xHat).reshape([xHat.shape[0]!, -1]);
  const norm = np.sqrt(np.add(np.sum(np.square(g), 1), 1e-12)); // + 1e-12: d‖g‖ stays finite at g = 0
  return np.mean(np.square(np.subtract(norm, 1)));
}

/**
 * WGAN-GP critic loss on one batch: E D(G(z)) − E D(x) + λ·GP, GP on x̂ = x + ε(G(z) − x), ε ~ U[0, 1] per
 * row. Returns [loss, Wasserstein estimate E D(x) − E D(G(z)), GP].
 */
export function wganCriticLoss(critic: (x: Array) => Array, real: Array, fake: Array, eps: Array, lambda: number): [Array, Array, Array] {
  const w = np.subtract(np.mean(critic(real)), np.mean(critic(fake)));
  const xHat = np.add(real, np.multiply(eps, np.subtract(fake, real)));
  const gp = gradientPenalty(critic, xHat);
  return [np.add(np.negative(w), np.multiply(gp, lambda)), w, gp];
}

// ------------------------------------------------------------------------------------------------

export type GanLoss = 'wgan-gp' | 'ns';

export interface GanOptions {
  /** '2d' (the ring of 8 Gaussians, no dataset needed; default) or 'fashion' (Fashion-MNIST images). */
  readonly data?: 'fashion' | '2d';
  /** 'wgan-gp' (default: Wasserstein critic with gradient penalty) or 'ns' (the non-saturating GAN loss). */
  readonly loss?: GanLoss;
  /** Training steps: generator updates, each after `nCritic` critic / discriminator updates. */
  readonly steps?: number;
  /** Critic updates per generator update. Default 5 for WGAN-GP (the paper's n_critic), 1 for NS. */
  readonly nCritic?: number;
  /** Gradient-penalty weight λ. Default 0.1 on the ring (as the paper's toy code, gan_toy.py), 10 on images (the paper's). */
  readonly gpWeight?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  /** Decay both learning rates linearly to 0 over the run (as the WGAN-GP paper's image experiments). Default: true for WGAN-GP, false for NS. */
  readonly lrDecay?: boolean;
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
  /** Means over the steps since the previous record (and over the critic updates within each step). */
  readonly dLoss: number;
  readonly gLoss: number;
  /** NS: discriminator accuracy on the training batches (real > 0, fake < 0), before its update. */
  readonly dAcc?: number;
  /** WGAN-GP: the critic's Wasserstein estimate E D(x) − E D(G(z)) on the training batches, and the gradient penalty (before λ). */
  readonly wasserstein?: number;
  readonly gradPenalty?: number;
}

export interface GanResult {
  readonly data: 'fashion' | '2d';
  readonly loss: GanLoss;
  readonly history: readonly GanStepRecord[];
  readonly seconds: number;
  /** Times the jitted training step was traced (1: compiled once, reused every step). */
  readonly traceCount: number;
  /**
   * Discriminator accuracy on held-out real data (test split / fresh ring samples) and as many fresh fakes.
   * NS: real iff D(x) > 0. WGAN-GP (the critic has no natural threshold): real iff D(x) is above the midpoint
   * of the two held-out means.
   */
  readonly heldOutDAcc: number;
  /** The critic's Wasserstein estimate E D(x) − E D(G(z)) on the held-out real data and fresh fakes (meaningful for WGAN-GP). */
  readonly heldOutWasserstein: number;
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
  /** The generator's and critic's params at initialisation and after training. */
  readonly initParams: { readonly g: unknown; readonly d: unknown };
  readonly params: { readonly g: unknown; readonly d: unknown };
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

/** Default hyperparameters per data kind and loss. */
export function ganDefaults(kind: 'fashion' | '2d', loss: GanLoss): { steps: number; lr: number; lrDecay: boolean; b1: number; b2: number; nCritic: number; gpWeight: number; batchSize: number } {
  const is2d = kind === '2d';
  if (loss === 'wgan-gp') return { steps: is2d ? 4000 : 500, lr: is2d ? 1e-3 : 5e-4, lrDecay: true, b1: 0.5, b2: 0.9, nCritic: 5, gpWeight: is2d ? 0.1 : 10, batchSize: is2d ? 256 : 64 };
  return { steps: is2d ? 1500 : 3000, lr: is2d ? 1e-3 : 2e-4, lrDecay: false, b1: 0.5, b2: 0.999, nCritic: 1, gpWeight: 0, batchSize: is2d ? 256 : 64 };
}

/** Trains the GAN and writes its sample grids (or scatter plots) and loss curves under `outDir`. */
export async function run(opts: GanOptions = {}): Promise<GanResult> {
  const kind = opts.data ?? '2d', is2d = kind === '2d', loss = opts.loss ?? 'wgan-gp', wgan = loss === 'wgan-gp';
  const dflt = ganDefaults(kind, loss);
  const steps = opts.steps ?? dflt.steps, bs = opts.batchSize ?? dflt.batchSize, lr = opts.lr ?? dflt.lr, seed = opts.seed ?? 0;
  const nCritic = opts.nCritic ?? dflt.nCritic, lambda = opts.gpWeight ?? dflt.gpWeight;
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
  // two optimizers: Adam β1 = 0.5 (Radford et al. 2016); WGAN-GP also β2 = 0.9 (Gulrajani et al. 2017), and
  // optionally lr decaying linearly to 0 (the critic's schedule counts its nCritic updates per step)
  const decay = opts.lrDecay ?? dflt.lrDecay;
  const optG = optim.adam(decay ? optim.linearSchedule(lr, 0, steps) : lr, { b1: dflt.b1, b2: dflt.b2 });
  const optD = optim.adam(decay ? optim.linearSchedule(lr, 0, steps * nCritic) : lr, { b1: dflt.b1, b2: dflt.b2 });
  let g = params.g, d = params.d, sG = optG.init(g), sD = optD.init(d);
  type SG = typeof sG;
  type SD = typeof sD;

  /**
   * One critic / discriminator update on a real batch: returns the new params and state and [loss, m1, m2]
   * (WGAN-GP: m1 = Wasserstein estimate, m2 = GP; NS: m1 = accuracy on the batch, m2 = 0).
   */
  const criticUpdate = (gp: G, dp: D, s: SD, real: Array, k: Array): [D, SD, Array[]] => {
    const [kz, ke] = nn.splitKeys(k, 2) as [Array, Array];
    const fake = gen.apply(gp, random.normal(kz, [bs, zDim]));
    const [[l, aux], grads] = valueAndGrad((q: D): [Array, Array[]] => {
      const critic = (x: Array): Array => disc.apply(q, x);
      if (wgan) {
        const [lc, w, gpen] = wganCriticLoss(critic, real, fake, random.uniform(ke, [bs, 1]), lambda);
        return [lc, [w, gpen]];
      }
      // NS discriminator: -log σ(D(x)) - log(1 - σ(D(G(z))))
      const lr_ = critic(real), lf = critic(fake);
      const lossD = np.add(nn.binaryCrossEntropy(lr_, np.ones([bs, 1])), nn.binaryCrossEntropy(lf, np.zeros([bs, 1])));
      const correct = np.add(np.sum(np.greater(lr_, 0).astype('float32')), np.sum(np.less(lf, 0).astype('float32')));
      return [lossD, [np.divide(correct, 2 * bs), np.zeros([])]];
    }, { hasAux: true })(dp);
    const [u, s2] = optD.update(grads, s, dp);
    return [optim.applyUpdates(dp, u), s2, [l, ...aux]];
  };
  /** The generator update: WGAN-GP minimises -E D(G(z)); NS minimises -log σ(D(G(z))). */
  const generatorUpdate = (gp: G, dp: D, s: SG, k: Array): [G, SG, Array] => {
    const [l, grads] = valueAndGrad((q: G) => {
      const out = disc.apply(dp, gen.apply(q, random.normal(k, [bs, zDim])));
      return wgan ? np.negative(np.mean(out)) : nn.binaryCrossEntropy(out, np.ones([bs, 1]));
    })(gp);
    const [u, s2] = optG.update(grads, s, gp);
    return [optim.applyUpdates(gp, u), s2, l];
  };
  /**
   * The whole training step in one jit: nCritic critic updates (unrolled while tracing), then one generator
   * update; the keys are split inside and the next key returned, and the statistics come back as one vector
   * [critic loss, m1, m2, G loss] (means over the critic updates), so each step is one dispatch and one read.
   * `reals` is [nCritic, bs, 784] for images; the ring's real batches are sampled inside (reals unused).
   */
  const trainStep = jit((gp: G, dp: D, s1: SG, s2: SD, k: Array, reals: Array) => {
    const ks = nn.splitKeys(k, 2 * nCritic + 2);
    let dNew = dp, sDNew = s2;
    const stats: Array[][] = [];
    for (let c = 0; c < nCritic; c++) {
      const real = is2d ? sampleRing(ks[2 * c]!, bs) : np.take(reals, c, 0);
      const [d2, sD2, st] = criticUpdate(gp, dNew, sDNew, real, ks[2 * c + 1]!);
      dNew = d2;
      sDNew = sD2;
      stats.push(st);
    }
    const [gNew, sGNew, gl] = generatorUpdate(gp, dNew, s1, ks[2 * nCritic]!);
    const avg = (j: number): Array => np.divide(stats.map((st) => st[j]!).reduce((a, b) => np.add(a, b)), nCritic);
    return [gNew, dNew, sGNew, sDNew, ks[2 * nCritic + 1]!, np.stack([avg(0), avg(1), avg(2), gl])] as const;
  });
  const sampleG = jit((gp: G, z: Array) => gen.apply(gp, z));

  const fixedZ = random.normal(random.foldIn(key, 7), [is2d ? 1000 : 64, zDim]);
  const images: string[] = [];
  const lossName = wgan ? 'WGAN-GP' : 'non-saturating GAN';
  const snapshot = async (step: number): Promise<void> => {
    const out = sampleG(g, fixedZ);
    const name = `${outDir}/samples-step-${String(step).padStart(5, '0')}`;
    if (is2d) {
      const real = sampleRing(random.foldIn(key, 8), 1000).dataSync() as Float32Array, fake = out.dataSync() as Float32Array;
      const pts = [
        ...globalThis.Array.from({ length: 1000 }, (_, i) => ({ x: real[2 * i]!, y: real[2 * i + 1]!, series: 'real' })),
        ...globalThis.Array.from({ length: 1000 }, (_, i) => ({ x: fake[2 * i]!, y: fake[2 * i + 1]!, series: 'generated' })),
      ];
      images.push(saveScatterPng(`${name}.png`, [{ points: real, rgb: [70, 130, 230] }, { points: fake, rgb: [230, 90, 30] }]).path);
      images.push(await writeScatter(`${name}.svg`, `${lossName} on a ring of 8 Gaussians, step ${step}`, pts, [-3, 3]));
    } else {
      images.push(saveGrid(`${name}.png`, np.divide(np.add(out, 1), 2).reshape([-1, 28, 28]), { cols: 8 }).path);
    }
  };
  const snapAt = new Set(globalThis.Array.from({ length: snapshots }, (_, i) => Math.round(((i + 1) * steps) / snapshots)));

  const history: GanStepRecord[] = [];
  const every = Math.max(1, Math.round(steps / 100));
  const sums = [0, 0, 0, 0];
  let cnt = 0;
  let rng = random.foldIn(key, 3);
  let order: Int32Array | undefined, pos = 0, epoch = 0;
  /** nCritic shuffled real batches [nCritic, bs, 784], reshuffling the training set after every pass. */
  const nextReals = (): Array => {
    const idx = new Int32Array(nCritic * bs);
    for (let c = 0; c < nCritic; c++) {
      if (!order || pos + bs > order.length) {
        order = random.permutation(random.foldIn(random.foldIn(key, 2), epoch++), nTrain).astype('int32').dataSync() as Int32Array;
        pos = 0;
      }
      idx.set(order.subarray(pos, pos + bs), c * bs);
      pos += bs;
    }
    return np.take(xTrain!, np.array(idx, 'int32'), 0).reshape([nCritic, bs, 784]);
  };
  const noReals = np.zeros([]);
  const t0 = performance.now();
  const bar = train.progress(steps, { label: `${is2d ? 'gan-2d' : 'gan'} ${loss}`, ...(opts.stream ? { stream: opts.stream } : {}) });
  for (const i of bar) {
    const step = i + 1;
    const [g2, d2, sG2, sD2, next, st] = trainStep(g, d, sG, sD, rng, is2d ? noReals : nextReals());
    [g, d, sG, sD, rng] = [g2, d2, sG2, sD2, next];
    const v = st.dataSync();
    for (let j = 0; j < 4; j++) sums[j]! += v[j]!;
    cnt++;
    if (step % every === 0 || step === steps) {
      const [dl, m1, m2, gl] = sums.map((s) => s / cnt) as [number, number, number, number];
      history.push(wgan ? { step, dLoss: dl, gLoss: gl, wasserstein: m1, gradPenalty: m2 } : { step, dLoss: dl, gLoss: gl, dAcc: m1 });
      bar.set(wgan ? { critic: dl, g: gl, W: m1, gp: m2 } : { d: dl, g: gl, dAcc: m1 });
      sums.fill(0);
      cnt = 0;
    }
    if (snapAt.has(step)) await snapshot(step);
  }
  const seconds = (performance.now() - t0) / 1000;

  // evaluation: the discriminator / critic on held-out real data and fresh fakes
  const nEval = is2d ? 2000 : 500;
  const fakes = sampleG(g, random.normal(random.foldIn(key, 9), [nEval, zDim]));
  const heldReal = is2d ? sampleRing(random.foldIn(key, 10), nEval) : np.take(xTest!, np.arange(Math.min(nEval, xTest!.shape[0]!), 'int32'), 0);
  const dReal = disc.apply(d, heldReal).dataSync(), dFake = disc.apply(d, fakes).dataSync();
  const heldOutWasserstein = mean(dReal) - mean(dFake);
  const threshold = wgan ? (mean(dReal) + mean(dFake)) / 2 : 0;
  let right = 0;
  for (const v of dReal) if (v > threshold) right++;
  for (const v of dFake) if (v < threshold) right++;
  const heldOutDAcc = right / (dReal.length + dFake.length);
  const dLine = `held-out ${wgan ? 'critic' : 'D'} accuracy ${heldOutDAcc.toFixed(3)}${wgan ? ` (threshold midway between the means), Wasserstein estimate ${heldOutWasserstein.toFixed(4)}` : ''}`;

  let extra: Partial<GanResult> = {};
  if (is2d) {
    const s = ringStats(fakes.dataSync() as Float32Array);
    extra = { highQuality: s.highQuality, modesCovered: s.modesCovered, perMode: s.perMode };
    log(`${dLine}; ${(100 * s.highQuality).toFixed(1)}% of ${nEval} generated points within 3σ of a mode; ` +
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
    log(`${dLine} (test images vs fresh samples); nearest-train-neighbour L2 distance: generated ${extra.nnDistGenerated!.toFixed(3)}, ` +
      `real test images ${extra.nnDistReal!.toFixed(3)}; classes of the neighbours ${counts.join(' ')} (${extra.classesCovered}/10 classes hold >= 2%)`);
  }
  const pts = (f: 'dLoss' | 'gLoss' | 'dAcc' | 'wasserstein' | 'gradPenalty', series: string): CurvePoint[] => history.map((h) => ({ x: h.step, series, value: h[f] ?? NaN }));
  const curves = await writeLossCurves(`${outDir}/curves.svg`, `${lossName} on ${is2d ? 'a ring of 8 Gaussians' : 'Fashion-MNIST'} (tensorlaw)`, wgan
    ? [
      { title: `losses (means over ~1% of the steps)`, xLabel: 'step', yLabel: 'loss', points: [...pts('dLoss', `critic (−W + ${lambda}·GP)`), ...pts('gLoss', 'G (−E D(G(z)))')] },
      { title: 'Wasserstein estimate E D(x) − E D(G(z))', xLabel: 'step', yLabel: 'W', points: pts('wasserstein', 'critic') },
      { title: 'gradient penalty E (‖∇D(x̂)‖ − 1)²', xLabel: 'step', yLabel: 'GP', points: pts('gradPenalty', 'critic') },
    ]
    : [
      { title: 'losses (means over ~1% of the steps)', xLabel: 'step', yLabel: 'BCE', points: [...pts('dLoss', 'D'), ...pts('gLoss', 'G (non-saturating)')] },
      { title: 'D accuracy on training batches', xLabel: 'step', yLabel: 'accuracy', points: pts('dAcc', 'D') },
    ]);
  if (!is2d) images.push(saveGrid(`${outDir}/samples.png`, to01Host(sampleG(g, fixedZ)), { cols: 8 }).path);
  return { data: kind, loss, history, seconds, traceCount: trainStep.traceCount, heldOutDAcc, heldOutWasserstein, ...extra, images, curves, initParams: params, params: { g, d } };
}

const to01Host = (x: Array): Array => np.divide(np.add(x, 1), 2).reshape([-1, 28, 28]);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const kind = (flag('data') ?? '2d') as 'fashion' | '2d';
  if (kind !== 'fashion' && kind !== '2d') throw new RangeError(`--data must be fashion or 2d, got '${kind}'`);
  const loss = (flag('loss') ?? 'wgan-gp') as GanLoss;
  if (loss !== 'wgan-gp' && loss !== 'ns') throw new RangeError(`--loss must be wgan-gp or ns, got '${loss}'`);
  const dflt = ganDefaults(kind, loss);
  const steps = numFlag('steps', dflt.steps), limit = flag('limit') === undefined ? undefined : numFlag('limit', 0);
  const lr = numFlag('lr', dflt.lr, false), nCritic = numFlag('n-critic', dflt.nCritic), gpWeight = numFlag('gp', loss === 'wgan-gp' ? dflt.gpWeight : 1, false);
  const seed = flag('seed') === undefined ? 0 : Number(flag('seed'));
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`--seed must be a non-negative integer, got '${flag('seed')}'`);
  const arch = kind === '2d' ? 'MLP G 16-128-128-2, D 2-128-128-1 (leaky ReLU 0.2)' : 'MLP G 64-128-256-784 (tanh), D 784-256-128-1 (leaky ReLU 0.2)';
  const opt = loss === 'wgan-gp'
    ? `WGAN-GP (λ = ${gpWeight}, ${nCritic} critic updates per G update), Adam ${lr} β = (0.5, 0.9)`
    : `non-saturating loss${nCritic > 1 ? ` (${nCritic} D updates per G update)` : ''}, Adam ${lr} β1 0.5`;
  console.log(`GAN on ${kind === '2d' ? `a ring of 8 Gaussians (σ = ${RING_STD})` : 'Fashion-MNIST'}: ${arch}, ${opt}, batch ${dflt.batchSize}, ${steps} generator steps, seed ${seed}`);
  const outDir = flag('out-dir');
  const r = await run({ data: kind, loss, steps, limit, lr, nCritic, seed, ...(loss === 'wgan-gp' ? { gpWeight } : {}), ...(outDir ? { outDir } : {}) });
  console.log(`wall time ${r.seconds.toFixed(1)} s (${(steps / r.seconds).toFixed(2)} steps/s; the training step was traced ${r.traceCount}x)`);
  for (const p of r.images) console.log(`samples: ${p}`);
  console.log(`curves: ${r.curves}`);
}
