// Fashion-MNIST autoencoder (`npm run example:autoencoder`): MLP 784-256-64-32-64-256-784, sigmoid output, BCE, jit(valueAndGrad) + Adam; writes reconstructions.png and curves.svg.
import { pathToFileURL } from 'node:url';
import { np, nn, optim, data, random, jit, valueAndGrad, train, type Array } from '../src/index.js';
import { saveGrid, writeLossCurves, numFlag, flag, type CurvePoint } from './lib/image.js';

/** The encoder 784 → hidden… → bottleneck (a linear code) and the decoder bottleneck → …hidden → 784 logits (sigmoid gives pixels). */
export function autoencoder(bottleneck = 32, hidden: readonly number[] = [256, 64]): { encoder: nn.Layer; decoder: nn.Layer } {
  const enc = hidden.flatMap((h) => [nn.dense(h), nn.relu]);
  const dec = [...hidden].reverse().flatMap((h) => [nn.dense(h), nn.relu]);
  return { encoder: nn.sequential(...enc, nn.dense(bottleneck)), decoder: nn.sequential(...dec, nn.dense(784)) };
}

export interface AeEpoch {
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (BCE summed over the 784 pixels, per image; or MSE per pixel with loss 'mse'). */
  readonly trainLoss: number;
  /** The same loss on the test split. */
  readonly testLoss: number;
  /** Mean squared error per pixel on the test split (pixels in [0, 1]). */
  readonly testMse: number;
  readonly seconds: number;
}

export interface AeOptions {
  readonly epochs?: number;
  /** Keep the first `limit` images of each split. */
  readonly limit?: number | undefined;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly bottleneck?: number;
  readonly hidden?: readonly number[];
  /** 'bce' (Bernoulli cross-entropy from logits, summed per image; default) or 'mse' (on sigmoid outputs, per pixel). */
  readonly loss?: 'bce' | 'mse';
  readonly seed?: number;
  readonly outDir?: string;
  readonly stream?: train.ProgressStream;
  readonly log?: (line: string) => void;
}

export interface AeResult {
  readonly history: readonly AeEpoch[];
  readonly testLoss: number;
  readonly testMse: number;
  readonly seconds: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly traceCount: number;
  readonly reconstructions: string;
  readonly curves: string;
}

/** Trains the autoencoder on Fashion-MNIST; writes `outDir`/reconstructions.png (originals above, reconstructions below) and curves.svg. */
export async function run(opts: AeOptions = {}): Promise<AeResult> {
  const epochs = opts.epochs ?? 10, bs0 = opts.batchSize ?? 128, lr = opts.lr ?? 2e-3, seed = opts.seed ?? 0;
  const lossKind = opts.loss ?? 'bce', outDir = opts.outDir ?? 'out/autoencoder';
  const log = opts.log ?? ((s: string) => console.log(s));
  const ds = data.loadFashionMnist(data.FASHION_MNIST_DIR, opts.limit === undefined ? {} : { limit: opts.limit });
  const xTrain = ds.train.images.reshape([-1, 784]), xTest = ds.test.images.reshape([-1, 784]);
  const nTrain = xTrain.shape[0]!, nTest = xTest.shape[0]!, bs = Math.min(bs0, nTrain);

  const { encoder, decoder } = autoencoder(opts.bottleneck ?? 32, opts.hidden ?? [256, 64]);
  const key = random.key(seed);
  const encInit = encoder.init(random.foldIn(key, 0), [-1, 784]);
  const params0 = { enc: encInit.params, dec: decoder.init(random.foldIn(key, 1), encInit.outputShape).params };
  type P = typeof params0;
  const stepsPerEpoch = data.numBatches(nTrain, bs, { dropLast: true });
  const opt = optim.adam(optim.cosineDecay(lr, epochs * stepsPerEpoch, 0.05));
  let params = params0, optState = opt.init(params);
  type S = typeof optState;

  const logitsOf = (p: P, x: Array): Array => decoder.apply(p.dec, encoder.apply(p.enc, x));
  // BCE: -log p(x | logits) summed over the pixels (grey levels as Bernoulli targets), averaged over images
  const lossOf = (logits: Array, x: Array, reduction: 'mean' | 'sum'): Array =>
    lossKind === 'bce'
      ? np.negative(nn.bernoulliLogLikelihood(logits, x, { reduction }))
      : reduction === 'mean' ? nn.mse(nn.sigmoid(logits), x) : np.multiply(nn.mse(nn.sigmoid(logits), x, { reduction: 'sum' }), 1 / 784);
  const step = jit((p: P, s: S, x: Array) => {
    const [l, g] = valueAndGrad((q: P) => lossOf(logitsOf(q, x), x, 'mean'))(p);
    const [u, s2] = opt.update(g, s, p);
    return [optim.applyUpdates(p, u), s2, l] as const;
  });
  const evalStep = jit((p: P, x: Array) => {
    const logits = logitsOf(p, x);
    return [lossOf(logits, x, 'sum'), nn.mse(nn.sigmoid(logits), x, { reduction: 'sum' })] as const;
  });
  const evaluate = (p: P): [number, number] => {
    let l = 0, se = 0;
    const eb = Math.min(1000, nTest);
    for (const idx of data.batches(null, nTest, eb, { dropLast: true })) {
      const [a, b] = evalStep(p, np.take(xTest, idx, 0));
      l += Number(a);
      se += Number(b);
    }
    const n = Math.floor(nTest / eb) * eb;
    return [l / n, se / (n * 784)];
  };

  const history: AeEpoch[] = [];
  const t0 = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const batches = data.batches(random.foldIn(random.foldIn(key, 2), epoch), xTrain, bs, { dropLast: true });
    const bar = train.progress(batches, { label: `autoencoder epoch ${epoch}/${epochs}`, ...(opts.stream ? { stream: opts.stream } : {}) });
    let total = 0, seen = 0;
    for (const x of bar) {
      const [p, s, l] = step(params, optState, x);
      params = p;
      optState = s;
      total += Number(l);
      seen++;
      bar.set({ loss: total / seen });
    }
    const [testLoss, testMse] = evaluate(params);
    const rec: AeEpoch = { epoch, trainLoss: total / seen, testLoss, testMse, seconds: (performance.now() - t0) / 1000 };
    history.push(rec);
    log(`autoencoder epoch ${epoch}/${epochs}: train ${lossKind} ${rec.trainLoss.toFixed(4)} | test ${lossKind} ${testLoss.toFixed(4)} mse/pixel ${testMse.toFixed(5)} | ${train.formatDuration(rec.seconds)}`);
  }
  const seconds = (performance.now() - t0) / 1000;

  // the first 12 test images (above) and their reconstructions (below)
  const k = Math.min(12, nTest);
  const originals = np.take(xTest, np.arange(k, 'int32'), 0);
  const recon = nn.sigmoid(logitsOf(params, originals));
  const reconstructions = saveGrid(`${outDir}/reconstructions.png`, np.concatenate([originals, recon], 0).reshape([-1, 28, 28]), { cols: k }).path;
  const pts = (f: 'trainLoss' | 'testLoss', series: string): CurvePoint[] => history.map((h) => ({ x: h.epoch, series, value: h[f] }));
  const curves = await writeLossCurves(`${outDir}/curves.svg`, `Fashion-MNIST autoencoder (bottleneck ${opts.bottleneck ?? 32}, tensorlaw)`, [
    { title: `reconstruction loss (${lossKind === 'bce' ? 'BCE nats / image' : 'MSE / pixel'})`, xLabel: 'epoch', yLabel: lossKind, points: [...pts('trainLoss', 'train'), ...pts('testLoss', 'test')] },
    { title: 'test MSE per pixel', xLabel: 'epoch', yLabel: 'mse', points: history.map((h) => ({ x: h.epoch, series: 'test', value: h.testMse })) },
  ]);
  const last = history[history.length - 1]!;
  return { history, testLoss: last.testLoss, testMse: last.testMse, seconds, trainSize: nTrain, testSize: nTest, traceCount: step.traceCount, reconstructions, curves };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const epochs = numFlag('epochs', 10), limit = flag('limit') === undefined ? undefined : numFlag('limit', 0);
  const bottleneck = numFlag('bottleneck', 32), lossKind = (flag('loss') ?? 'bce') as 'bce' | 'mse';
  if (lossKind !== 'bce' && lossKind !== 'mse') throw new RangeError(`--loss must be bce or mse, got '${lossKind}'`);
  console.log(`Fashion-MNIST autoencoder 784-256-64-${bottleneck}-64-256-784 (ReLU, sigmoid output), ${lossKind.toUpperCase()} loss, Adam 2e-3 cosine, batch 128, ${epochs} epochs${limit ? `, first ${limit} images` : ''}`);
  const r = await run({ epochs, limit, bottleneck, loss: lossKind });
  console.log(`test reconstruction: ${lossKind} ${r.testLoss.toFixed(4)}${lossKind === 'bce' ? ' nats/image' : ' per pixel'}, MSE ${r.testMse.toFixed(5)} per pixel ` +
    `(${r.testSize} test images); wall time ${r.seconds.toFixed(1)} s (step traced ${r.traceCount}x)`);
  console.log(`reconstructions: ${r.reconstructions}`);
  console.log(`curves: ${r.curves}`);
}
