// Shared Fashion-MNIST classifier training for the examples: the dataset (apt files, else the embedded subset), jit(valueAndGrad) + an optax-style optimizer, batchNorm state, augmentation, progress bars, per-epoch metrics.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { np, nn, optim, data, random, jit, valueAndGrad, train, setThreads, type Array } from '../../src/index.js';

/** The committed subset (10 000 train / 2 000 test images, see data/fashion-mnist-subset/README.md). */
export const EMBEDDED_FASHION_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../data/fashion-mnist-subset');

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const hasFiles = (dir: string): boolean => FILES.every((f) => existsSync(join(dir, `${f}.gz`)) || existsSync(join(dir, f)));

/** Which copy of Fashion-MNIST the examples read. */
export interface FashionSource {
  readonly dir: string;
  /** 'full': the 60 000 / 10 000 images of an installed copy; 'embedded': the repo's 10 000 / 2 000 subset. */
  readonly kind: 'full' | 'embedded';
  /** One line saying which copy is used and why (the examples print it). */
  readonly description: string;
}

/**
 * Finds the dataset: `$FASHION_MNIST_DIR` when set (else Debian's /usr/share/datasets/fashion-mnist, from
 * `apt-get install dataset-fashion-mnist`) if it holds the four IDX files, otherwise the embedded subset.
 */
export function fashionSource(env: Readonly<Record<string, string | undefined>> = process.env): FashionSource {
  const asked = env.FASHION_MNIST_DIR;
  const dir = asked !== undefined && asked !== '' ? resolve(asked) : data.FASHION_MNIST_DIR;
  if (hasFiles(dir)) return { dir, kind: 'full', description: `Fashion-MNIST from ${dir}` };
  const why = asked ? `FASHION_MNIST_DIR=${asked} holds no Fashion-MNIST files` : `${dir} is absent (sudo apt-get install dataset-fashion-mnist for the full 60 000 / 10 000 images)`;
  return { dir: EMBEDDED_FASHION_DIR, kind: 'embedded', description: `embedded Fashion-MNIST subset from ${EMBEDDED_FASHION_DIR} (10 000 train / 2 000 test images): ${why}` };
}

/** A loaded dataset: images [n, 28, 28] float32 in [0, 1], labels int32 [n]. */
export interface FashionData {
  readonly source: FashionSource;
  readonly train: data.ImageSplit;
  readonly test: data.ImageSplit;
}

/** Loads Fashion-MNIST from `fashionSource()`, keeping the first `trainLimit` / `testLimit` examples of each split when given. */
export function loadFashion(opts: { trainLimit?: number | undefined; testLimit?: number | undefined; source?: FashionSource } = {}): FashionData {
  const source = opts.source ?? fashionSource();
  const limit = Math.max(opts.trainLimit ?? Infinity, opts.testLimit ?? Infinity);
  const ds = data.loadFashionMnist(source.dir, Number.isFinite(limit) ? { limit } : {});
  const cut = (s: data.ImageSplit, n: number | undefined): data.ImageSplit =>
    n === undefined || n >= s.labels.shape[0]! ? s : { images: s.images.get(`0:${n}`), labels: s.labels.get(`0:${n}`) };
  return { source, train: cut(ds.train, opts.trainLimit), test: cut(ds.test, opts.testLimit) };
}

/** One epoch's measurements (the rows of the curves plot and of the docs' results tables). */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (dropout active). */
  readonly trainLoss: number;
  /** Training accuracy over the epoch's batches (dropout active, params changing: the running estimate). */
  readonly trainAcc: number;
  readonly testLoss: number;
  readonly testAcc: number;
  /** Test accuracy of the flip-averaged predictions (`flipTta`): the mean of the softmax of each image and of its mirror image. */
  readonly testAccFlip?: number;
  /** Wall seconds since the start of training (evaluation included). */
  readonly seconds: number;
}

export interface FitResult {
  readonly history: readonly EpochRecord[];
  readonly testAcc: number;
  /** The best test accuracy of any epoch, and that epoch. */
  readonly bestAcc: number;
  readonly bestEpoch: number;
  readonly seconds: number;
  /** Training examples processed per second (training steps only, evaluation excluded). */
  readonly examplesPerSecond: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly traceCount: number;
  readonly source: FashionSource;
  /** The trained params and state (batchNorm running statistics; nulls for stateless layers). */
  readonly params: unknown;
  readonly state: unknown;
}

export interface FitOptions {
  /** The model: logits [N, 10] from images of `inputShape` (a leading -1 for the batch). */
  readonly model: nn.Layer<any, any>;
  /** The input shape the model takes per batch, e.g. [-1, 784] or [-1, 28, 28, 1]. */
  readonly inputShape: readonly number[];
  readonly epochs: number;
  /** Keep only the first `limit` examples of each split (quick runs); undefined: the whole source. */
  readonly limit?: number | undefined;
  /** Keep only the first `trainLimit` training examples (the test split stays whole unless `limit` is set). */
  readonly trainLimit?: number | undefined;
  /** An already loaded dataset (else `loadFashion`). */
  readonly data?: FashionData;
  readonly batchSize?: number;
  readonly evalBatchSize?: number;
  /** Peak learning rate; a cosine decay to `lr * 0.01` over the run when `cosine` is set, after `warmupEpochs` of linear warmup. */
  readonly lr?: number;
  readonly cosine?: boolean;
  readonly warmupEpochs?: number;
  /** The optimizer for a learning rate or schedule. Default optim.adam. */
  readonly optimizer?: (lr: optim.ScalarOrSchedule) => optim.GradientTransformation;
  /** Random shifts (pad 2 + crop back to 28×28) and horizontal flips of the training images (NHWC models). Default false. */
  readonly augment?: boolean;
  /** Label smoothing of the training loss (`nn.categoricalCrossEntropy`'s option); the test loss is always unsmoothed. Default 0. */
  readonly labelSmoothing?: number;
  /** Also evaluate with flip test-time augmentation (NHWC models): each epoch then reports `testAccFlip` beside `testAcc`. Default false. */
  readonly flipTta?: boolean;
  readonly seed?: number;
  readonly label?: string;
  /** Progress output (default process.stdout); tests pass a silent stream. */
  readonly stream?: train.ProgressStream;
  readonly log?: (line: string) => void;
}

/** A random 2-pixel shift and a horizontal flip of one [28, 28, 1] image (torchvision's RandomCrop(28, padding=2) + RandomHorizontalFlip). */
const shiftFlip = (k: Array, img: Array): Array => {
  const [k1, k2] = [random.foldIn(k, 1), random.foldIn(k, 2)];
  return data.randomFlip(k1, data.randomCrop(k2, img, { padding: 2 }));
};

/**
 * Log-probabilities for test-time augmentation by horizontal flips: log of the mean of softmax(model(x)) and
 * softmax(model(x mirrored along W)), for NHWC images [N, H, W, C].
 */
export function flipAveragedLogProbs(apply: (x: Array) => Array, x: Array): Array {
  if (x.ndim !== 4) throw new Error(`flipAveragedLogProbs: expected NHWC images [N, H, W, C], got shape [${x.shape}]`);
  const a = nn.logSoftmax(apply(x)), b = nn.logSoftmax(apply(np.flip(x, 2)));
  return np.logaddexp(a, b).sub(Math.LN2);
}

/** Trains `model` on Fashion-MNIST, evaluating on the test split after each epoch; threads the model's state (batchNorm statistics) through training. */
export function fitFashionMnist(opts: FitOptions): FitResult {
  const { model, inputShape, epochs } = opts;
  const threads = intOption('threads', undefined); // --threads N / THREADS=N: the wasm target's thread pool (default 1)
  if (threads !== undefined) setThreads(threads);
  const batchSize = opts.batchSize ?? 128, evalBatch = opts.evalBatchSize ?? 1000, lr = opts.lr ?? 1e-3, seed = opts.seed ?? 0;
  const log = opts.log ?? ((s: string) => console.log(s));
  const ds = opts.data ?? loadFashion({ trainLimit: opts.trainLimit ?? opts.limit, testLimit: opts.limit });
  if (!opts.data) log(`data: ${ds.source.description}`);
  const shape = (n: number): number[] => [n, ...inputShape.slice(1)];
  const xTrain = ds.train.images.reshape(shape(ds.train.images.shape[0]!)), yTrain = ds.train.labels;
  const xTest = ds.test.images.reshape(shape(ds.test.images.shape[0]!)), yTest = ds.test.labels;
  const nTrain = xTrain.shape[0]!, nTest = xTest.shape[0]!;
  const bs = Math.min(batchSize, nTrain);

  const key = random.key(seed);
  const init = model.init(random.foldIn(key, 0), [...inputShape]);
  let params = init.params, state = init.state;
  type P = typeof params;
  type St = typeof state;
  const stepsPerEpoch = data.numBatches(nTrain, bs, { dropLast: true });
  const total = epochs * stepsPerEpoch, warm = Math.round((opts.warmupEpochs ?? 0) * stepsPerEpoch);
  const schedule = !opts.cosine ? lr : warm > 0 && warm < total ? optim.warmupCosineDecay(0, lr, warm, total, lr * 0.01) : optim.cosineDecay(lr, total, 0.01);
  const opt = (opts.optimizer ?? optim.adam)(schedule);
  let optState = opt.init(params);
  type S = typeof optState;

  // loss in train mode (dropout with an explicit key per step, batchNorm on batch statistics); aux: the logits for the running accuracy and the new state
  const lossFn = (p: P, st: St, x: Array, y: Array, k: Array): [Array, [Array, St]] => {
    const [logits, st2] = model.applyWithState(p, st, x, { train: true, key: k });
    return [nn.categoricalCrossEntropy(logits, y, { labelSmoothing: opts.labelSmoothing ?? 0 }), [logits, st2]];
  };
  const step = jit((p: P, st: St, s: S, x: Array, y: Array, k: Array) => {
    const xs = opts.augment ? data.augmentBatch(random.foldIn(k, 7), x, shiftFlip) : x;
    const [[l, [logits, st2]], g] = valueAndGrad(lossFn, { hasAux: true })(p, st, xs, y, k);
    const [updates, s2] = opt.update(g, s, p);
    const correct = np.equal(np.argmax(logits, -1), y).astype('float32').sum();
    return [optim.applyUpdates(p, updates), st2, s2, l, correct] as const;
  });
  const evalStep = jit((p: P, st: St, x: Array, y: Array) => {
    const apply = (xi: Array): Array => model.apply(p, xi, { state: st }); // eval mode: no dropout, batchNorm on the running statistics
    const logits = apply(x);
    const hits = (z: Array): Array => np.equal(np.argmax(z, -1), y).astype('float32').sum();
    const flipHits = opts.flipTta ? hits(flipAveragedLogProbs(apply, x)) : np.zeros([]);
    return [nn.categoricalCrossEntropy(logits, y, { reduction: 'sum' }), hits(logits), flipHits] as const;
  });
  const evaluate = (p: P, st: St): [number, number, number] => {
    let loss = 0, correct = 0, correctFlip = 0;
    for (const idx of data.batches(null, nTest, Math.min(evalBatch, nTest))) {
      const [l, c, cf] = evalStep(p, st, np.take(xTest, idx, 0), np.take(yTest, idx, 0));
      loss += Number(l);
      correct += Number(c);
      correctFlip += Number(cf);
    }
    return [loss / nTest, correct / nTest, correctFlip / nTest];
  };

  const history: EpochRecord[] = [];
  const t0 = performance.now();
  let trainMs = 0;
  const label = opts.label ?? 'epoch';
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const batches = data.batches(random.foldIn(random.foldIn(key, 1), epoch), { x: xTrain, y: yTrain }, bs, { dropLast: true });
    const bar = train.progress(batches, { label: `${label} ${epoch}/${epochs}`, ...(opts.stream ? { stream: opts.stream } : {}) });
    let sum = 0, correct = 0, seen = 0, i = 0;
    const te = performance.now();
    for (const b of bar) {
      const [p, st, s, l, c] = step(params, state, optState, b.x, b.y, random.foldIn(random.foldIn(key, 2), (epoch - 1) * stepsPerEpoch + i++));
      params = p;
      state = st;
      optState = s;
      sum += Number(l) * b.y.shape[0]!;
      correct += Number(c);
      seen += b.y.shape[0]!;
      bar.set({ loss: sum / seen, acc: correct / seen });
    }
    trainMs += performance.now() - te;
    const [testLoss, testAcc, testAccFlip] = evaluate(params, state);
    const rec: EpochRecord = {
      epoch, trainLoss: sum / seen, trainAcc: correct / seen, testLoss, testAcc, ...(opts.flipTta ? { testAccFlip } : {}), seconds: (performance.now() - t0) / 1000,
    };
    history.push(rec);
    log(`${label} ${epoch}/${epochs}: train loss ${rec.trainLoss.toFixed(4)} acc ${rec.trainAcc.toFixed(4)} | test loss ${testLoss.toFixed(4)} acc ${testAcc.toFixed(4)}${opts.flipTta ? ` (flip-TTA ${testAccFlip.toFixed(4)})` : ''} | ${train.formatDuration(rec.seconds)}`);
  }
  const last = history[history.length - 1];
  const best = history.reduce<EpochRecord | undefined>((b, h) => (b === undefined || h.testAcc > b.testAcc ? h : b), undefined);
  return {
    history, testAcc: last?.testAcc ?? NaN, bestAcc: best?.testAcc ?? NaN, bestEpoch: best?.epoch ?? 0, seconds: (performance.now() - t0) / 1000,
    examplesPerSecond: (stepsPerEpoch * bs * epochs) / (trainMs / 1000), trainSize: nTrain, testSize: nTest, traceCount: step.traceCount,
    source: ds.source, params, state,
  };
}

/**
 * A positive integer option: `--name N` or `--name=N` on the command line, else the environment variable
 * NAME (upper case, dashes as underscores), else the default.
 */
export function intOption(name: string, dflt: number | undefined, argv: readonly string[] = process.argv.slice(2)): number | undefined {
  const v = option(name, argv);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} (or ${envName(name)}) must be a positive integer, got '${v}'`);
  return n;
}

/** A positive number option (learning rates), read as intOption. */
export function numOption(name: string, dflt: number, argv: readonly string[] = process.argv.slice(2)): number {
  const v = option(name, argv);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`--${name} (or ${envName(name)}) must be a positive number, got '${v}'`);
  return n;
}

/** A boolean flag: `--name`, `--name=1|0|true|false`, or NAME=1|0|true|false. */
export function flagOption(name: string, dflt: boolean, argv: readonly string[] = process.argv.slice(2)): boolean {
  if (argv.includes(`--${name}`)) return true;
  if (argv.includes(`--no-${name}`)) return false;
  const v = option(name, argv, false);
  if (v === undefined) return dflt;
  if (['1', 'true', 'yes'].includes(v)) return true;
  if (['0', 'false', 'no'].includes(v)) return false;
  throw new RangeError(`--${name} (or ${envName(name)}) must be 1/0/true/false, got '${v}'`);
}

const envName = (name: string): string => name.toUpperCase().replace(/-/g, '_');

function option(name: string, argv: readonly string[], valueAfter = true): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (valueAfter && a === `--${name}` && i + 1 < argv.length) return argv[i + 1];
  }
  const v = process.env[envName(name)];
  return v === undefined || v === '' ? undefined : v;
}

/** An integer environment variable, or the default (kept for older scripts; see intOption). */
export function envInt(name: string, dflt: number | undefined): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got '${v}'`);
  return n;
}
