// Fashion-MNIST variational autoencoder (`npm run example:vae`): MLP encoder q(z|x), reparameterization trick, Bernoulli decoder, -ELBO with jit(valueAndGrad) + Adam; writes reconstructions, samples, (latent 2) a manifold grid, curves.
import { pathToFileURL } from 'node:url';
import { np, nn, optim, data, random, jit, valueAndGrad, train, type Array } from '../src/index.js';
import { saveGrid, writeLossCurves, numFlag, flag, type CurvePoint } from './lib/image.js';

/** Encoder 784 → hidden → 2·latent (mean and log-variance of q(z | x)); decoder latent → hidden → 784 Bernoulli logits. */
export function vae(latent = 16, hidden: readonly number[] = [400]): { encoder: nn.Layer; decoder: nn.Layer; latent: number } {
  const enc = hidden.flatMap((h) => [nn.dense(h), nn.relu]);
  const dec = [...hidden].reverse().flatMap((h) => [nn.dense(h), nn.relu]);
  return { encoder: nn.sequential(...enc, nn.dense(2 * latent)), decoder: nn.sequential(...dec, nn.dense(784)), latent };
}

export interface VaeEpoch {
  readonly epoch: number;
  /** Mean -ELBO over the epoch's batches (nats per image: reconstruction + KL). */
  readonly trainNegElbo: number;
  /** -ELBO on the test split (one z sample per image), and its two terms. */
  readonly testNegElbo: number;
  readonly testRecon: number;
  readonly testKl: number;
  readonly seconds: number;
}

export interface VaeOptions {
  readonly epochs?: number;
  readonly limit?: number | undefined;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly latent?: number;
  readonly hidden?: readonly number[];
  readonly seed?: number;
  readonly outDir?: string;
  readonly stream?: train.ProgressStream;
  readonly log?: (line: string) => void;
}

export interface VaeResult {
  readonly history: readonly VaeEpoch[];
  readonly testNegElbo: number;
  readonly testRecon: number;
  readonly testKl: number;
  readonly seconds: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly traceCount: number;
  readonly reconstructions: string;
  readonly samples: string;
  /** The latent-space manifold grid (latent dimension 2 only). */
  readonly manifold?: string;
  readonly curves: string;
}

/** Trains the VAE on Fashion-MNIST and writes its images and curves under `outDir`. */
export async function run(opts: VaeOptions = {}): Promise<VaeResult> {
  const epochs = opts.epochs ?? 5, bs0 = opts.batchSize ?? 128, lr = opts.lr ?? 1e-3, seed = opts.seed ?? 0;
  const latent = opts.latent ?? 16, outDir = opts.outDir ?? (latent === 2 ? 'out/vae-2d' : 'out/vae');
  const log = opts.log ?? ((s: string) => console.log(s));
  const ds = data.loadFashionMnist(data.FASHION_MNIST_DIR, opts.limit === undefined ? {} : { limit: opts.limit });
  const xTrain = ds.train.images.reshape([-1, 784]), xTest = ds.test.images.reshape([-1, 784]);
  const nTrain = xTrain.shape[0]!, nTest = xTest.shape[0]!, bs = Math.min(bs0, nTrain);

  const { encoder, decoder } = vae(latent, opts.hidden ?? [400]);
  const key = random.key(seed);
  const params0 = {
    enc: encoder.init(random.foldIn(key, 0), [-1, 784]).params,
    dec: decoder.init(random.foldIn(key, 1), [-1, latent]).params,
  };
  type P = typeof params0;
  const stepsPerEpoch = data.numBatches(nTrain, bs, { dropLast: true });
  const opt = optim.adam(optim.cosineDecay(lr, epochs * stepsPerEpoch, 0.1));
  let params = params0, optState = opt.init(params);
  type S = typeof optState;

  const encode = (p: P, x: Array): [Array, Array] => {
    const h = encoder.apply(p.enc, x);
    const [mu, logVar] = np.split(h, 2, -1) as [Array, Array];
    return [mu, logVar];
  };
  // -ELBO per image = -E_q[log p(x | z)] + KL(q(z | x) ‖ N(0, I)), one reparameterized sample z = μ + σ·ε
  const terms = (p: P, x: Array, k: Array, reduction: 'mean' | 'sum'): [Array, Array] => {
    const [mu, logVar] = encode(p, x);
    const z = nn.reparameterize(k, mu, logVar);
    const recon = np.negative(nn.bernoulliLogLikelihood(decoder.apply(p.dec, z), x, { reduction }));
    return [recon, nn.gaussianKl(mu, logVar, { reduction })];
  };
  const step = jit((p: P, s: S, x: Array, k: Array) => {
    const [[l, kl], g] = valueAndGrad((q: P) => {
      const [r, klq] = terms(q, x, k, 'mean');
      return [np.add(r, klq), klq] as [Array, Array];
    }, { hasAux: true })(p);
    const [u, s2] = opt.update(g, s, p);
    return [optim.applyUpdates(p, u), s2, l, kl] as const;
  });
  const evalStep = jit((p: P, x: Array, k: Array) => terms(p, x, k, 'sum'));
  const evalKey = random.foldIn(key, 4);
  const evaluate = (p: P): [number, number] => {
    let r = 0, kl = 0, i = 0;
    const eb = Math.min(1000, nTest);
    for (const idx of data.batches(null, nTest, eb, { dropLast: true })) {
      const [a, b] = evalStep(p, np.take(xTest, idx, 0), random.foldIn(evalKey, i++));
      r += Number(a);
      kl += Number(b);
    }
    const n = i * eb;
    return [r / n, kl / n];
  };

  const history: VaeEpoch[] = [];
  const t0 = performance.now();
  let rng = random.foldIn(key, 3);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const batches = data.batches(random.foldIn(random.foldIn(key, 2), epoch), xTrain, bs, { dropLast: true });
    const bar = train.progress(batches, { label: `vae epoch ${epoch}/${epochs}`, ...(opts.stream ? { stream: opts.stream } : {}) });
    let total = 0, klTotal = 0, seen = 0;
    for (const x of bar) {
      const [next, kStep] = nn.splitKeys(rng, 2) as [Array, Array]; // a fresh ε key per step, the carry key split
      rng = next;
      const [p, s, l, kl] = step(params, optState, x, kStep);
      params = p;
      optState = s;
      total += Number(l);
      klTotal += Number(kl);
      seen++;
      bar.set({ negElbo: total / seen, kl: klTotal / seen });
    }
    const [testRecon, testKl] = evaluate(params);
    const rec: VaeEpoch = { epoch, trainNegElbo: total / seen, testNegElbo: testRecon + testKl, testRecon, testKl, seconds: (performance.now() - t0) / 1000 };
    history.push(rec);
    log(`vae epoch ${epoch}/${epochs}: train -ELBO ${rec.trainNegElbo.toFixed(2)} | test -ELBO ${rec.testNegElbo.toFixed(2)} ` +
      `(recon ${testRecon.toFixed(2)} + KL ${testKl.toFixed(2)}) nats/image | ${train.formatDuration(rec.seconds)}`);
  }
  const seconds = (performance.now() - t0) / 1000;

  // reconstructions: 12 test images above, the decoder's means at z = μ(x) below
  const k = Math.min(12, nTest);
  const originals = np.take(xTest, np.arange(k, 'int32'), 0);
  const decodeMean = (z: Array): Array => nn.sigmoid(decoder.apply(params.dec, z));
  const recon = decodeMean(encode(params, originals)[0]);
  const reconstructions = saveGrid(`${outDir}/reconstructions.png`, np.concatenate([originals, recon], 0).reshape([-1, 28, 28]), { cols: k }).path;
  // samples: decoder means at z ~ N(0, I)
  const z = random.normal(random.foldIn(key, 5), [64, latent]);
  const samples = saveGrid(`${outDir}/samples.png`, decodeMean(z).reshape([-1, 28, 28]), { cols: 8 }).path;
  // manifold (latent 2): the decoder on a 15 × 15 grid of z over [-2.5, 2.5]², z₂ decreasing down the rows
  let manifold: string | undefined;
  if (latent === 2) {
    const g = 15, pts: number[] = [];
    for (let r = 0; r < g; r++) for (let c = 0; c < g; c++) pts.push(-2.5 + (5 * c) / (g - 1), 2.5 - (5 * r) / (g - 1));
    manifold = saveGrid(`${outDir}/manifold.png`, decodeMean(np.array(pts, 'float32').reshape([g * g, 2])).reshape([-1, 28, 28]), { cols: g, pad: 0, scale: 1 }).path;
  }
  const pts = (f: 'trainNegElbo' | 'testNegElbo' | 'testRecon' | 'testKl', series: string): CurvePoint[] => history.map((h) => ({ x: h.epoch, series, value: h[f] }));
  const curves = await writeLossCurves(`${outDir}/curves.svg`, `Fashion-MNIST VAE (latent ${latent}, tensorlaw)`, [
    { title: '-ELBO (nats / image)', xLabel: 'epoch', yLabel: '-ELBO', points: [...pts('trainNegElbo', 'train'), ...pts('testNegElbo', 'test')] },
    { title: 'test terms (nats / image)', xLabel: 'epoch', yLabel: 'nats', points: [...pts('testRecon', 'reconstruction'), ...pts('testKl', 'KL')] },
  ]);
  const last = history[history.length - 1]!;
  return {
    history, testNegElbo: last.testNegElbo, testRecon: last.testRecon, testKl: last.testKl, seconds, trainSize: nTrain, testSize: nTest,
    traceCount: step.traceCount, reconstructions, samples, ...(manifold ? { manifold } : {}), curves,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const epochs = numFlag('epochs', 5), limit = flag('limit') === undefined ? undefined : numFlag('limit', 0), latent = numFlag('latent', 16);
  console.log(`Fashion-MNIST VAE 784-400-(2×${latent}) / ${latent}-400-784 (ReLU, Bernoulli decoder), -ELBO, Adam 1e-3 cosine, batch 128, ${epochs} epochs${limit ? `, first ${limit} images` : ''}`);
  const r = await run({ epochs, limit, latent });
  console.log(`test -ELBO ${r.testNegElbo.toFixed(2)} nats/image (reconstruction ${r.testRecon.toFixed(2)} + KL ${r.testKl.toFixed(2)}; one z sample per image, ${r.testSize} test images); ` +
    `wall time ${r.seconds.toFixed(1)} s (step traced ${r.traceCount}x)`);
  console.log(`reconstructions: ${r.reconstructions}`);
  console.log(`samples: ${r.samples}`);
  if (r.manifold) console.log(`manifold: ${r.manifold}`);
  console.log(`curves: ${r.curves}`);
}
