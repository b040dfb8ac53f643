// Shared Fashion-MNIST classifier training for the examples: jit(valueAndGrad) + an optax-style optimizer, progress bars, per-epoch metrics.
import { np, nn, optim, data, random, jit, valueAndGrad, train, type Array } from '../../src/index.js';

/** One epoch's measurements (the rows of the curves plot and of the docs' results tables). */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (dropout active). */
  readonly trainLoss: number;
  /** Training accuracy over the epoch's batches (dropout active, params changing: the running estimate). */
  readonly trainAcc: number;
  readonly testLoss: number;
  readonly testAcc: number;
  /** Wall seconds since the start of training (evaluation included). */
  readonly seconds: number;
}

export interface FitResult {
  readonly history: readonly EpochRecord[];
  readonly testAcc: number;
  readonly seconds: number;
  /** Training examples processed per second (training steps only, evaluation excluded). */
  readonly examplesPerSecond: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly traceCount: number;
}

export interface FitOptions {
  /** The model: logits [N, 10] from images of `inputShape` (a leading -1 for the batch). */
  readonly model: nn.Layer<any, any>;
  /** The input shape the model takes per batch, e.g. [-1, 784] or [-1, 28, 28, 1]. */
  readonly inputShape: readonly number[];
  readonly epochs: number;
  /** Keep only the first `limit` examples of each split (quick runs); undefined: all 60000 / 10000. */
  readonly limit?: number | undefined;
  readonly batchSize?: number;
  readonly evalBatchSize?: number;
  /** Adam's learning rate; a cosine decay to `lr * 0.01` over the run when `cosine` is set. */
  readonly lr?: number;
  readonly cosine?: boolean;
  readonly seed?: number;
  readonly label?: string;
  /** Progress output (default process.stdout); tests pass a silent stream. */
  readonly stream?: train.ProgressStream;
  readonly log?: (line: string) => void;
}

/** Loads Fashion-MNIST (the apt package's files) and trains `model` on it with Adam; evaluates on the test split each epoch. */
export function fitFashionMnist(opts: FitOptions): FitResult {
  const { model, inputShape, epochs } = opts;
  const batchSize = opts.batchSize ?? 128, evalBatch = opts.evalBatchSize ?? 1000, lr = opts.lr ?? 1e-3, seed = opts.seed ?? 0;
  const log = opts.log ?? ((s: string) => console.log(s));
  const ds = data.loadFashionMnist(data.FASHION_MNIST_DIR, opts.limit === undefined ? {} : { limit: opts.limit });
  const shape = (n: number): number[] => [n, ...inputShape.slice(1)];
  const xTrain = ds.train.images.reshape(shape(ds.train.images.shape[0]!)), yTrain = ds.train.labels;
  const xTest = ds.test.images.reshape(shape(ds.test.images.shape[0]!)), yTest = ds.test.labels;
  const nTrain = xTrain.shape[0]!, nTest = xTest.shape[0]!;
  const bs = Math.min(batchSize, nTrain);

  const key = random.key(seed);
  const init = model.init(random.foldIn(key, 0), [...inputShape]);
  let params = init.params;
  type P = typeof params;
  const stepsPerEpoch = data.numBatches(nTrain, bs, { dropLast: true });
  const schedule = opts.cosine ? optim.cosineDecay(lr, epochs * stepsPerEpoch, 0.01) : lr;
  const opt = optim.adam(schedule);
  let optState = opt.init(params);
  type S = typeof optState;

  // loss with dropout (train mode, an explicit key per step); returns the logits as aux for the running accuracy
  const lossFn = (p: P, x: Array, y: Array, k: Array): [Array, Array] => {
    const logits = model.apply(p, x, { train: true, key: k });
    return [nn.categoricalCrossEntropy(logits, y), logits];
  };
  const step = jit((p: P, s: S, x: Array, y: Array, k: Array) => {
    const [[l, logits], g] = valueAndGrad(lossFn, { hasAux: true })(p, x, y, k);
    const [updates, s2] = opt.update(g, s, p);
    const correct = np.equal(np.argmax(logits, -1), y).astype('float32').sum();
    return [optim.applyUpdates(p, updates), s2, l, correct] as const;
  });
  const evalStep = jit((p: P, x: Array, y: Array) => {
    const logits = model.apply(p, x);
    const correct = np.equal(np.argmax(logits, -1), y).astype('float32').sum();
    return [nn.categoricalCrossEntropy(logits, y, { reduction: 'sum' }), correct] as const;
  });
  const evaluate = (p: P): [number, number] => {
    let loss = 0, correct = 0;
    for (const idx of data.batches(null, nTest, Math.min(evalBatch, nTest))) {
      const [l, c] = evalStep(p, np.take(xTest, idx, 0), np.take(yTest, idx, 0));
      loss += Number(l);
      correct += Number(c);
    }
    return [loss / nTest, correct / nTest];
  };

  const history: EpochRecord[] = [];
  const t0 = performance.now();
  let trainMs = 0;
  const label = opts.label ?? 'epoch';
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const batches = data.batches(random.foldIn(random.foldIn(key, 1), epoch), { x: xTrain, y: yTrain }, bs, { dropLast: true });
    const bar = train.progress(batches, { label: `${label} ${epoch}/${epochs}`, ...(opts.stream ? { stream: opts.stream } : {}) });
    let total = 0, correct = 0, seen = 0, i = 0;
    const te = performance.now();
    for (const b of bar) {
      const [p, s, l, c] = step(params, optState, b.x, b.y, random.foldIn(random.foldIn(key, 2), (epoch - 1) * stepsPerEpoch + i++));
      params = p;
      optState = s;
      total += Number(l) * b.y.shape[0]!;
      correct += Number(c);
      seen += b.y.shape[0]!;
      bar.set({ loss: total / seen, acc: correct / seen });
    }
    trainMs += performance.now() - te;
    const [testLoss, testAcc] = evaluate(params);
    const rec: EpochRecord = {
      epoch, trainLoss: total / seen, trainAcc: correct / seen, testLoss, testAcc, seconds: (performance.now() - t0) / 1000,
    };
    history.push(rec);
    log(`${label} ${epoch}/${epochs}: train loss ${rec.trainLoss.toFixed(4)} acc ${rec.trainAcc.toFixed(4)} | test loss ${testLoss.toFixed(4)} acc ${testAcc.toFixed(4)} | ${train.formatDuration(rec.seconds)}`);
  }
  const last = history[history.length - 1];
  return {
    history, testAcc: last?.testAcc ?? NaN, seconds: (performance.now() - t0) / 1000,
    examplesPerSecond: (stepsPerEpoch * bs * epochs) / (trainMs / 1000), trainSize: nTrain, testSize: nTest, traceCount: step.traceCount,
  };
}

/** An integer environment variable, or the default. */
export function envInt(name: string, dflt: number | undefined): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got '${v}'`);
  return n;
}
