// Character-level text data for the language-model examples: the Debian `fortunes` corpus, a split by fortune, a character vocabulary, and training windows drawn with explicit PRNG keys.
import { existsSync, readdirSync, readFileSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { np, nn, optim, random, jit, valueAndGrad, train, type Array } from '../../src/index.js';
import { renderSvg } from './plot.js';

/** Where the apt packages `fortunes` and `fortunes-min` install their plain-text fortune files. */
export const FORTUNES_DIR = '/usr/share/games/fortunes';

/** Files left out by default: ASCII art (pictures, not prose) and the untranslated (non-English) file. */
export const EXCLUDED_FILES: readonly string[] = ['ascii-art', 'translate-me'];

/** The separator written between fortunes in the character stream: the fortune files' own `%` line. */
export const SEPARATOR = '\n%\n';

/** The vocabulary's unknown-character symbol (index 0): characters of the validation text never seen in training. */
export const UNK = '\u0000';

/**
 * The fortune files of `dir` in name order: plain files only, without the strfile indices (*.dat), the
 * *.u8 links, the offensive subdirectory (off/) and `exclude`. Throws, naming the apt packages, when absent.
 */
export function fortuneFiles(dir: string = FORTUNES_DIR, exclude: readonly string[] = EXCLUDED_FILES): string[] {
  if (!existsSync(dir))
    throw new Error(`text: the fortunes corpus is not installed: ${dir} does not exist (install it with: sudo apt-get install fortunes fortunes-min)`);
  const names = readdirSync(dir)
    .filter((f) => !f.endsWith('.dat') && !f.endsWith('.u8') && !exclude.includes(f))
    .filter((f) => lstatSync(join(dir, f)).isFile())
    .sort();
  if (names.length === 0)
    throw new Error(`text: no fortune files in ${dir} (expected plain-text files such as 'fortunes' and 'wisdom'; install them with: sudo apt-get install fortunes fortunes-min)`);
  return names;
}

/**
 * Cleans one fortune: terminal overstriking (`_\bx` underline, `x\bx` bold) keeps the struck character,
 * other control characters except newline become spaces (tabs too), trailing spaces go, and the text is trimmed.
 */
export function cleanFortune(s: string): string {
  let t = s.replace(/\r\n?/g, '\n');
  while (/[^\n]\u0008/.test(t)) t = t.replace(/[^\n]\u0008/g, '');
  t = t.replace(/\u0008/g, '').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ');
  return t.replace(/ +\n/g, '\n').replace(/^\n+|\s+$/g, '');
}

/** Splits one fortune file's text on lines holding a single `%` and cleans each fortune (empty ones dropped). */
export function parseFortuneFile(text: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  const flush = () => {
    const f = cleanFortune(cur.join('\n'));
    if (f.length > 0) out.push(f);
    cur = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === '%') flush();
    else cur.push(line);
  }
  flush();
  return out;
}

/** A corpus split by fortune: the texts of each side. */
export interface FortuneSplit {
  readonly train: readonly string[];
  readonly validation: readonly string[];
  readonly files: readonly string[];
}

/** Options of loadFortunes. */
export interface LoadFortunesOptions {
  readonly dir?: string;
  /** Files to read (names in `dir`); default every plain file but EXCLUDED_FILES. */
  readonly files?: readonly string[];
  /** The fraction of fortunes held out for validation. Default 0.1. */
  readonly validationFraction?: number;
  /** The split's PRNG key (a random.permutation of the fortunes). Default random.key(0). */
  readonly key?: Array;
  /** Keep only the first `limit` fortunes (in file order) before splitting: quick runs and tests. */
  readonly limit?: number;
}

/**
 * Loads the fortunes and splits them by fortune (a whole fortune is on one side): a random.permutation of
 * the fortunes from `key`, the first ⌈fraction·n⌉ of it held out for validation. Deterministic for a key.
 */
export function loadFortunes(opts: LoadFortunesOptions = {}): FortuneSplit {
  const dir = opts.dir ?? FORTUNES_DIR;
  const files = opts.files ? opts.files.slice() : fortuneFiles(dir);
  const limit = opts.limit ?? Infinity;
  let all: string[] = [];
  for (const f of files) {
    if (all.length >= limit) break;
    const p = join(dir, f);
    if (!existsSync(p)) throw new Error(`text: fortune file ${p} does not exist (install it with: sudo apt-get install fortunes fortunes-min)`);
    all.push(...parseFortuneFile(readFileSync(p, 'utf8')));
  }
  if (all.length > limit) all = all.slice(0, limit);
  const frac = opts.validationFraction ?? 0.1;
  if (!(frac > 0 && frac < 1)) throw new RangeError(`text.loadFortunes: validationFraction must be in (0, 1), got ${frac}`);
  if (all.length < 2) throw new RangeError(`text.loadFortunes: need at least 2 fortunes to split, got ${all.length}`);
  const nVal = Math.max(1, Math.ceil(frac * all.length));
  const perm = random.permutation(opts.key ?? random.key(0), all.length).dataSync();
  const isVal = new Uint8Array(all.length);
  for (let i = 0; i < nVal; i++) isVal[perm[i] as number] = 1;
  // both sides keep the file order (the permutation only chooses who is held out)
  return { train: all.filter((_, i) => !isVal[i]), validation: all.filter((_, i) => isVal[i]), files };
}

/** A character vocabulary: index 0 is UNK, then the training text's characters in code point order. */
export interface Vocab {
  readonly chars: readonly string[];
  readonly size: number;
  readonly index: ReadonlyMap<string, number>;
}

/** The vocabulary of `text` (split by code points, so non-ASCII characters are single tokens). */
export function buildVocab(text: string): Vocab {
  const set = new Set<string>();
  for (const c of text) if (c !== UNK) set.add(c);
  const chars = [UNK, ...[...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)];
  return { chars, size: chars.length, index: new Map(chars.map((c, i) => [c, i])) };
}

/** Token ids of `text` (characters outside the vocabulary map to UNK, id 0). */
export function encode(vocab: Vocab, text: string): Int32Array {
  const cps = [...text];
  const out = new Int32Array(cps.length);
  cps.forEach((c, i) => (out[i] = vocab.index.get(c) ?? 0));
  return out;
}

/** The text of token ids (UNK prints as U+FFFD). */
export function decode(vocab: Vocab, ids: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const c = vocab.chars[id];
    if (c === undefined) throw new RangeError(`text.decode: token id ${id} outside the vocabulary of ${vocab.size} characters`);
    s += c === UNK ? '\uFFFD' : c;
  }
  return s;
}

/** The encoded corpus: the train and validation streams (fortunes joined by SEPARATOR) and the vocabulary. */
export interface CharCorpus {
  readonly vocab: Vocab;
  readonly train: Int32Array;
  readonly validation: Int32Array;
  readonly trainFortunes: number;
  readonly validationFortunes: number;
  readonly files: readonly string[];
  /** Validation characters outside the training vocabulary (mapped to UNK). */
  readonly validationUnknown: number;
}

/** Loads, splits and encodes the fortunes; the vocabulary comes from the training side only. */
export function loadCharCorpus(opts: LoadFortunesOptions = {}): CharCorpus {
  const split = loadFortunes(opts);
  const trainText = split.train.join(SEPARATOR) + SEPARATOR;
  const valText = split.validation.join(SEPARATOR) + SEPARATOR;
  const vocab = buildVocab(trainText);
  const validation = encode(vocab, valText);
  let unk = 0;
  for (const t of validation) if (t === 0) unk++;
  return {
    vocab, train: encode(vocab, trainText), validation, trainFortunes: split.train.length, validationFortunes: split.validation.length,
    files: split.files, validationUnknown: unk,
  };
}

/**
 * `batch` random contiguous windows of `length + 1` tokens of `stream` (start offsets from
 * random.randint(key, ...)): inputs x = window[:-1] and next-token targets y = window[1:], both int32 [batch, length].
 */
export function randomWindows(key: Array, stream: Int32Array, batch: number, length: number): { x: Array; y: Array } {
  if (stream.length < length + 1) throw new RangeError(`text.randomWindows: a stream of ${stream.length} tokens is shorter than one window of ${length + 1}`);
  const starts = random.randint(key, [batch], 0, stream.length - length).dataSync();
  const xs = new Int32Array(batch * length), ys = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const s = Number(starts[b]);
    xs.set(stream.subarray(s, s + length), b * length);
    ys.set(stream.subarray(s + 1, s + length + 1), b * length);
  }
  return { x: np.array(xs).reshape([batch, length]), y: np.array(ys).reshape([batch, length]) };
}

/**
 * The whole stream as consecutive non-overlapping windows of `length` next-token pairs, in batches of at
 * most `batch` windows; the tail shorter than a window is dropped (its share is reported as `tokens`).
 */
export function* sequentialWindows(stream: Int32Array, batch: number, length: number, maxWindows = Infinity): Generator<{ x: Array; y: Array }> {
  const n = Math.min(Math.floor((stream.length - 1) / length), maxWindows);
  for (let w0 = 0; w0 < n; w0 += batch) {
    const nb = Math.min(batch, n - w0);
    const xs = new Int32Array(nb * length), ys = new Int32Array(nb * length);
    for (let b = 0; b < nb; b++) {
      const s = (w0 + b) * length;
      xs.set(stream.subarray(s, s + length), b * length);
      ys.set(stream.subarray(s + 1, s + length + 1), b * length);
    }
    yield { x: np.array(xs).reshape([nb, length]), y: np.array(ys).reshape([nb, length]) };
  }
}

/** The number of windows sequentialWindows yields. */
export const numWindows = (stream: Int32Array, length: number, maxWindows = Infinity): number => Math.min(Math.floor((stream.length - 1) / length), maxWindows);

/**
 * Perplexity of the unigram model (training character frequencies, add-one smoothed) on `stream`:
 * exp(-mean log p(c)), the baseline a character model must beat.
 */
export function unigramPerplexity(vocab: Vocab, train: Int32Array, stream: Int32Array): number {
  const counts = new Float64Array(vocab.size).fill(1);
  for (const t of train) counts[t]!++;
  const total = counts.reduce((a, b) => a + b, 0);
  let nll = 0;
  for (const t of stream) nll -= Math.log(counts[t]! / total);
  return Math.exp(nll / stream.length);
}

/** Command-line flags `--name value` or `--name=value` as a map (e.g. `--steps 2000 --batch 32`). */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new TypeError(`unexpected argument '${a}': flags are --name value`);
    const eq = a.indexOf('=');
    if (eq > 0) m.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new TypeError(`flag ${a} needs a value`);
      m.set(a.slice(2), v);
      i++;
    }
  }
  return m;
}

/** A numeric flag (checked against `known`, so a typo fails loudly), or the default. */
export function flagNumber(flags: Map<string, string>, name: string, dflt: number, opts: { integer?: boolean; min?: number } = {}): number {
  const v = flags.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || n < (opts.min ?? -Infinity))
    throw new RangeError(`--${name} must be ${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got '${v}'`);
  return n;
}

/** Throws on flags outside `known` (with the list of valid ones). */
export function checkFlags(flags: Map<string, string>, known: readonly string[]): void {
  for (const k of flags.keys()) if (!known.includes(k)) throw new TypeError(`unknown flag --${k}; valid flags: ${known.map((f) => `--${f}`).join(' ')}`);
}

// ---------------------------------------------------------------------------------------------------------
// The training loop shared by char-lstm.ts and char-transformer.ts

/** A character model as the loop sees it: next-token logits [N, T, vocab] from ids [N, T]. */
export type CharForward<P> = (params: P, x: Array, opts: { train: boolean; key: Array | null }) => Array;

/** Draws `length` characters after `prompt` at temperature `temperature` with PRNG key `key`. */
export type CharSampler<P> = (params: P, prompt: string, length: number, temperature: number, key: Array) => string;

/** One evaluation point of the curves. */
export interface CharRecord {
  readonly step: number;
  /** Mean training cross-entropy (nats per character) over the steps since the previous record. */
  readonly trainLoss: number;
  /** Mean validation cross-entropy (nats per character) over the evaluated windows. */
  readonly valLoss: number;
  readonly valPerplexity: number;
  /** Validation characters the figure is computed on. */
  readonly valTokens: number;
  readonly seconds: number;
}

export interface CharSample {
  readonly temperature: number;
  readonly prompt: string;
  readonly text: string;
}

export interface CharFitOptions<P> {
  readonly name: string;
  readonly corpus: CharCorpus;
  readonly params: P;
  readonly forward: CharForward<P>;
  readonly sample: CharSampler<P>;
  readonly steps: number;
  readonly batch: number;
  readonly seqLen: number;
  /** Peak Adam learning rate (linear warmup over the first 5% of steps, cosine decay to a tenth). */
  readonly lr: number;
  /** Gradient clipping by global norm. */
  readonly clip: number;
  /** Evaluate every `evalEvery` steps (and at the end). */
  readonly evalEvery: number;
  /** Windows of the validation stream used by the periodic evaluations (the final one uses all of them). */
  readonly evalWindows: number;
  readonly evalBatch?: number;
  readonly seed: number;
  readonly prompt: string;
  readonly sampleLength: number;
  readonly temperatures: readonly number[];
  readonly outDir: string;
  readonly title: string;
  readonly stream?: train.ProgressStream;
  readonly log?: (line: string) => void;
}

export interface CharFitResult<P> {
  readonly params: P;
  readonly history: readonly CharRecord[];
  /** Perplexity on the whole validation stream after training. */
  readonly valPerplexity: number;
  readonly valTokens: number;
  readonly unigramPerplexity: number;
  readonly samples: readonly CharSample[];
  /** Wall seconds of the whole run (training, evaluations, sampling). */
  readonly seconds: number;
  readonly trainSeconds: number;
  readonly traceCount: number;
  readonly plot: string;
  readonly samplesPath: string;
}

/** Options both character models' `run` take (each adds its architecture's sizes). */
export interface CharRunOptions {
  readonly steps?: number;
  readonly batch?: number;
  readonly layers?: number;
  readonly dropout?: number;
  readonly lr?: number;
  readonly clip?: number;
  readonly evalEvery?: number;
  readonly evalWindows?: number;
  readonly seed?: number;
  readonly sampleLength?: number;
  readonly temperatures?: readonly number[];
  readonly prompt?: string;
  readonly corpus?: LoadFortunesOptions;
  readonly outDir?: string;
  readonly stream?: train.ProgressStream;
  readonly log?: (line: string) => void;
}

/**
 * Trains a character model with jit(valueAndGrad) and Adam (gradient clipping by global norm), random
 * windows of the training stream per step (explicit keys), and evaluates the validation perplexity
 * exp(mean CE) periodically on the first `evalWindows` windows and at the end on the whole stream; then
 * samples at each temperature and writes curves.svg and samples.txt under `outDir`.
 */
export async function fitCharModel<P>(o: CharFitOptions<P>): Promise<CharFitResult<P>> {
  const log = o.log ?? ((s: string) => console.log(s));
  const { corpus } = o;
  const key = random.key(o.seed);
  const warmup = Math.max(1, Math.floor(o.steps * 0.05));
  const schedule = o.steps > warmup ? optim.warmupCosineDecay(0, o.lr, warmup, o.steps, o.lr * 0.1) : o.lr;
  const opt = optim.chain(optim.clipByGlobalNorm(o.clip), optim.adam(schedule));
  let params = o.params;
  let optState = opt.init(params);
  type S = typeof optState;

  const lossFn = (p: P, x: Array, y: Array, k: Array): Array => nn.categoricalCrossEntropy(o.forward(p, x, { train: true, key: k }), y);
  const step = jit((p: P, s: S, x: Array, y: Array, k: Array) => {
    const [l, g] = valueAndGrad(lossFn)(p, x, y, k);
    const [updates, s2] = opt.update(g, s, p);
    return [optim.applyUpdates(p, updates), s2, l] as const;
  });
  // summed cross-entropy of a batch of windows (so batches of any size add up exactly)
  const evalSum = jit((p: P, x: Array, y: Array) => nn.categoricalCrossEntropy(o.forward(p, x, { train: false, key: null }), y, { reduction: 'sum' }));
  const evalBatch = o.evalBatch ?? 64;
  const evaluate = (p: P, maxWindows: number): { loss: number; tokens: number } => {
    let total = 0, tokens = 0;
    for (const b of sequentialWindows(corpus.validation, evalBatch, o.seqLen, maxWindows)) {
      total += Number(evalSum(p, b.x, b.y));
      tokens += b.y.size;
    }
    return { loss: total / tokens, tokens };
  };

  const unigram = unigramPerplexity(corpus.vocab, corpus.train, corpus.validation);
  log(`${o.name}: ${corpus.trainFortunes} training fortunes (${corpus.train.length} characters), ${corpus.validationFortunes} validation fortunes ` +
    `(${corpus.validation.length} characters), vocabulary ${corpus.vocab.size}; unigram baseline perplexity ${unigram.toFixed(2)}`);
  const history: CharRecord[] = [];
  const t0 = performance.now();
  let trainMs = 0, sinceLoss = 0, sinceSteps = 0;
  const record = (s: number, full: boolean) => {
    const ev = evaluate(params, full ? Infinity : o.evalWindows);
    const rec: CharRecord = {
      step: s, trainLoss: sinceSteps ? sinceLoss / sinceSteps : NaN, valLoss: ev.loss, valPerplexity: Math.exp(ev.loss), valTokens: ev.tokens,
      seconds: (performance.now() - t0) / 1000,
    };
    history.push(rec);
    sinceLoss = 0;
    sinceSteps = 0;
    return rec;
  };
  const bar = train.progress(o.steps, { label: o.name, ...(o.stream ? { stream: o.stream } : {}), every: 10 });
  for (const i of bar) {
    const ts = performance.now();
    const b = randomWindows(random.foldIn(random.foldIn(key, 1), i), corpus.train, o.batch, o.seqLen);
    const [p, s, l] = step(params, optState, b.x, b.y, random.foldIn(random.foldIn(key, 2), i));
    params = p;
    optState = s;
    const lv = Number(l);
    trainMs += performance.now() - ts;
    sinceLoss += lv;
    sinceSteps++;
    bar.set({ loss: lv });
    const done = i + 1;
    if (done % o.evalEvery === 0 && done < o.steps) {
      const r = record(done, false);
      bar.set({ valPpl: r.valPerplexity });
    }
  }
  const last = record(o.steps, true);
  for (const h of history.slice(0, -1))
    log(`${o.name}: step ${h.step}: train loss ${h.trainLoss.toFixed(4)} (mean since the previous point), validation loss ${h.valLoss.toFixed(4)}, ` +
      `perplexity ${h.valPerplexity.toFixed(3)} on the first ${h.valTokens} validation characters, ${h.seconds.toFixed(0)} s`);
  log(`${o.name}: step ${o.steps}: train loss ${last.trainLoss.toFixed(4)}, validation loss ${last.valLoss.toFixed(4)} nats/char, ` +
    `perplexity ${last.valPerplexity.toFixed(3)} on all ${last.valTokens} validation characters (unigram baseline ${unigram.toFixed(2)})`);

  const samples: CharSample[] = o.temperatures.map((t, j) => ({
    temperature: t, prompt: o.prompt, text: o.sample(params, o.prompt, o.sampleLength, t, random.foldIn(random.foldIn(key, 3), j)),
  }));
  const seconds = (performance.now() - t0) / 1000;
  const outDir = resolve(o.outDir);
  mkdirSync(outDir, { recursive: true });
  const samplesPath = resolve(outDir, 'samples.txt');
  writeFileSync(samplesPath, samples.map((s) => `--- temperature ${s.temperature}, prompt ${JSON.stringify(s.prompt)} ---\n${s.prompt}${s.text}\n`).join('\n'));
  writeFileSync(resolve(outDir, 'history.json'), JSON.stringify({ unigramPerplexity: unigram, history }, null, 1));
  const plot = await writeCharCurves(resolve(outDir, 'curves.svg'), history, unigram, o.title);
  return {
    params, history, valPerplexity: last.valPerplexity, valTokens: last.valTokens, unigramPerplexity: unigram, samples, seconds,
    trainSeconds: trainMs / 1000, traceCount: step.traceCount, plot, samplesPath,
  };
}

/** Curves of a character model: train/validation cross-entropy, and validation perplexity against the unigram baseline. */
export async function writeCharCurves(path: string, history: readonly CharRecord[], unigram: number, title: string): Promise<string> {
  const lossRows = history.flatMap((h) => [
    ...(Number.isFinite(h.trainLoss) ? [{ step: h.step, split: 'train', loss: h.trainLoss }] : []),
    { step: h.step, split: 'validation', loss: h.valLoss },
  ]);
  const pplRows = history.flatMap((h) => [
    { step: h.step, curve: 'model (validation)', perplexity: h.valPerplexity },
    { step: h.step, curve: 'unigram baseline', perplexity: unigram },
  ]);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    resolve: { scale: { color: 'independent' } },
    hconcat: [
      {
        width: 320, height: 220, data: { values: lossRows }, mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'loss', type: 'quantitative', title: 'cross-entropy (nats/char)', scale: { zero: false } },
          color: { field: 'split', type: 'nominal', sort: ['train', 'validation'] },
        },
      },
      {
        width: 320, height: 220, data: { values: pplRows }, mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'perplexity', type: 'quantitative', title: 'validation perplexity (per char)', scale: { type: 'log' } },
          color: { field: 'curve', type: 'nominal' },
        },
      },
    ],
  } as const;
  const svg = await renderSvg(spec as unknown as Parameters<typeof renderSvg>[0]);
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, svg);
  return abs;
}
