// Character-level decoder-only Transformer on the Debian fortunes (`npm run example:char-transformer`): embedding + learned positions → pre-norm causal blocks → dense head; validation perplexity, samples, out/char-transformer/{curves.svg,samples.txt}.
import { pathToFileURL } from 'node:url';
import { np, nn, random, jit, type Array } from '../src/index.js';
import { type CharCorpus, type CharFitResult, type CharRunOptions, checkFlags, decode, encode, fitCharModel, flagNumber, loadCharCorpus, parseFlags } from './lib/text.js';

/** The model's sizes. */
export interface CharTransformerConfig {
  readonly vocab: number;
  /** The context length: learned positions 0..context-1, and the training window length. */
  readonly context: number;
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly dropout: number;
}

/**
 * GPT-style: token embedding + learned positional embedding → `layers` pre-norm Transformer blocks with causal
 * self-attention (nn.transformerEncoder with `causal: true`, final layerNorm) → dense(vocab).
 */
export function charTransformer(cfg: CharTransformerConfig) {
  const emb = nn.embedding(cfg.vocab, cfg.width, { embeddingInit: (k, s, d) => np.multiply(random.normal(k, s, d), 0.02) });
  const pos = nn.learnedPositionalEmbedding(cfg.context);
  const body = nn.transformerEncoder({
    numLayers: cfg.layers, numHeads: cfg.heads, ffFeatures: 4 * cfg.width, preNorm: true, dropoutRate: cfg.dropout, activation: nn.gelu,
  });
  const head = nn.dense(cfg.vocab);
  const init = (key: Array) => {
    const [k1, k2, k3, k4] = nn.splitKeys(key, 4) as [Array, Array, Array, Array];
    const s = [-1, cfg.context, cfg.width];
    return { emb: emb.init(k1, [-1, cfg.context]).params, pos: pos.init(k2, s).params, body: body.init(k3, s).params, head: head.init(k4, s).params };
  };
  type P = ReturnType<typeof init>;
  /** Logits [N, T, vocab] of the next character at every position of x [N, T] (T <= context). */
  const forward = (p: P, x: Array, o: { train: boolean; key: Array | null }): Array => {
    const h = pos.apply(p.pos, emb.apply(p.emb, x));
    return head.apply(p.head, body.apply(p.body, h, { causal: true, train: o.train, key: o.key }));
  };
  /**
   * The next character after position `at` of a padded context ctx [1, context] (positions after `at` hold
   * anything: the causal mask keeps them out of position `at`), drawn at temperature 1/invTemp. One shape, so
   * one compilation for the whole generation.
   */
  const sampleNext = jit((p: P, ctx: Array, at: Array, key: Array, invTemp: Array) => {
    const logits = np.take(forward(p, ctx, { train: false, key: null }).reshape([cfg.context, cfg.vocab]), at, 0); // [1, vocab]
    return random.categorical(key, np.multiply(logits, invTemp), -1).reshape([1]);
  });
  return { init, forward, sampleNext, emb, pos, body, head };
}

/** Autoregressive sampling with a sliding window of the last `context` characters (left-aligned, zero-padded). */
export function sampleTransformer(model: ReturnType<typeof charTransformer>, corpus: CharCorpus, context: number) {
  return (p: ReturnType<ReturnType<typeof charTransformer>['init']>, prompt: string, length: number, temperature: number, key: Array): string => {
    const hist = globalThis.Array.from(encode(corpus.vocab, prompt.length ? prompt : '\n'));
    const invTemp = np.array(1 / temperature, 'float32');
    const out: number[] = [];
    for (let i = 0; i < length; i++) {
      const win = hist.slice(-context);
      const ctx = new Int32Array(context);
      ctx.set(win);
      const next = model.sampleNext(p, np.array(ctx).reshape([1, context]), np.array([win.length - 1], 'int32'), random.foldIn(key, i), invTemp);
      const t = Number(next.item());
      hist.push(t);
      out.push(t);
    }
    return decode(corpus.vocab, out);
  };
}

export interface RunOptions extends CharRunOptions {
  readonly context?: number;
  readonly width?: number;
  readonly heads?: number;
}

/** The defaults: sized to train in about 10 minutes on 2 shared CPU cores (wasm target). */
export const DEFAULTS = {
  steps: 250, batch: 32, context: 64, width: 64, layers: 2, heads: 4, dropout: 0, lr: 3e-3, clip: 1, evalEvery: 50, evalWindows: 256, seed: 0,
  sampleLength: 240, temperatures: [0.5, 0.8, 1.0], prompt: 'The ',
} as const;

/** Trains the character Transformer on the fortunes; returns the fit (history, perplexities, samples, paths). */
export async function run(opts: RunOptions = {}): Promise<CharFitResult<unknown> & { config: CharTransformerConfig }> {
  const o = { ...DEFAULTS, ...opts };
  const corpus = loadCharCorpus(opts.corpus ?? {});
  const config: CharTransformerConfig = { vocab: corpus.vocab.size, context: o.context, width: o.width, layers: o.layers, heads: o.heads, dropout: o.dropout };
  const model = charTransformer(config);
  const key = random.key(o.seed);
  const res = await fitCharModel({
    name: 'char-transformer', corpus, params: model.init(random.foldIn(key, 100)), forward: model.forward, sample: sampleTransformer(model, corpus, o.context),
    steps: o.steps, batch: o.batch, seqLen: o.context, lr: o.lr, clip: o.clip, evalEvery: o.evalEvery, evalWindows: o.evalWindows, seed: o.seed,
    prompt: o.prompt, sampleLength: o.sampleLength, temperatures: o.temperatures, outDir: opts.outDir ?? 'out/char-transformer',
    title: `char-Transformer ${o.layers} blocks x ${o.width} on fortunes (tensorlaw)`,
    ...(opts.stream ? { stream: opts.stream } : {}), ...(opts.log ? { log: opts.log } : {}),
  });
  return { ...res, config };
}

export const FLAGS = ['steps', 'batch', 'context', 'width', 'layers', 'heads', 'dropout', 'lr', 'clip', 'eval-every', 'eval-windows', 'seed', 'sample-length', 'limit'] as const;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const f = parseFlags(process.argv.slice(2));
  checkFlags(f, FLAGS);
  const int = (n: string, d: number) => flagNumber(f, n, d, { integer: true, min: 1 });
  const opts: RunOptions = {
    steps: int('steps', DEFAULTS.steps), batch: int('batch', DEFAULTS.batch), context: int('context', DEFAULTS.context), width: int('width', DEFAULTS.width),
    layers: int('layers', DEFAULTS.layers), heads: int('heads', DEFAULTS.heads), dropout: flagNumber(f, 'dropout', DEFAULTS.dropout, { min: 0 }),
    lr: flagNumber(f, 'lr', DEFAULTS.lr, { min: 0 }), clip: flagNumber(f, 'clip', DEFAULTS.clip, { min: 0 }), evalEvery: int('eval-every', DEFAULTS.evalEvery),
    evalWindows: int('eval-windows', DEFAULTS.evalWindows), seed: flagNumber(f, 'seed', DEFAULTS.seed, { integer: true, min: 0 }),
    sampleLength: int('sample-length', DEFAULTS.sampleLength), ...(f.has('limit') ? { corpus: { limit: int('limit', 0) } } : {}),
  };
  console.log(`char-Transformer: embedding + learned positions (context ${opts.context}) → ${opts.layers} pre-norm causal blocks (width ${opts.width}, ` +
    `${opts.heads} heads, feed-forward ${4 * opts.width!}) → dense; ${opts.steps} steps of ${opts.batch} windows, Adam ${opts.lr} (warmup + cosine), clip ${opts.clip}`);
  const r = await run(opts);
  console.log(`final validation perplexity ${r.valPerplexity.toFixed(3)} per character (${(Math.log2(r.valPerplexity)).toFixed(3)} bits/char) on ${r.valTokens} characters; ` +
    `unigram baseline ${r.unigramPerplexity.toFixed(2)}; wall time ${r.seconds.toFixed(1)} s (training ${r.trainSeconds.toFixed(1)} s, step traced ${r.traceCount}x)`);
  for (const s of r.samples) console.log(`\n--- sample, temperature ${s.temperature} ---\n${s.prompt}${s.text}`);
  console.log(`\ncurves: ${r.plot}\nsamples: ${r.samplesPath}`);
}
