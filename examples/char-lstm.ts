// Character-level LSTM language model on the Debian fortunes (`npm run example:char-lstm`): embedding → stacked LSTM (lax.scan) → dense head, Adam + clipping; validation perplexity, samples, out/char-lstm/{curves.svg,samples.txt}.
import { pathToFileURL } from 'node:url';
import { np, nn, random, jit, type Array } from '../src/index.js';

const Array_ = globalThis.Array;
import { type CharCorpus, type CharFitResult, type CharRunOptions, checkFlags, decode, encode, fitCharModel, flagNumber, loadCharCorpus, parseFlags } from './lib/text.js';

/** The model's sizes. */
export interface CharLstmConfig {
  readonly vocab: number;
  readonly embed: number;
  readonly hidden: number;
  readonly layers: number;
  readonly dropout: number;
}

/** embedding(vocab, embed) → numLayers × LSTM(hidden) over time (nn.stackedRnn: lax.scan of nn.lstmCell) → dense(vocab). */
export function charLstm(cfg: CharLstmConfig) {
  const emb = nn.embedding(cfg.vocab, cfg.embed, { embeddingInit: (k, s, d) => np.multiply(random.normal(k, s, d), 0.1) });
  const rnn = nn.stackedRnn(nn.lstmCell(cfg.hidden, { forgetBias: 1 }), { numLayers: cfg.layers, dropoutRate: cfg.dropout });
  const head = nn.dense(cfg.vocab);
  const init = (key: Array) => {
    const [k1, k2, k3] = nn.splitKeys(key, 3) as [Array, Array, Array];
    return {
      emb: emb.init(k1, [-1, -1]).params,
      rnn: rnn.init(k2, [-1, -1, cfg.embed]).params,
      head: head.init(k3, [-1, -1, cfg.hidden]).params,
    };
  };
  type P = ReturnType<typeof init>;
  type Carries = ReturnType<typeof rnn.applyCarry>[0];
  /** Logits [N, T, vocab] of the next character at every position of x [N, T]. */
  const forward = (p: P, x: Array, o: { train: boolean; key: Array | null }): Array =>
    head.apply(p.head, rnn.apply(p.rnn, emb.apply(p.emb, x), { train: o.train, key: o.key }));
  /** One character of a batch of one: the carries after it and the logits [1, vocab] of the next one. */
  const stepChar = (p: P, carries: Carries, tok: Array): [Carries, Array] => {
    const [c, h] = rnn.applyCarry(p.rnn, emb.apply(p.emb, tok.reshape([1, 1])), { initialCarries: carries });
    return [c, head.apply(p.head, h).reshape([1, cfg.vocab])];
  };
  // the carries of an empty history: zero h and c per layer
  const zeroCarries = (): Carries => Array_.from({ length: cfg.layers }, () => ({ h: np.zeros([1, cfg.hidden]), c: np.zeros([1, cfg.hidden]) }));
  // one jitted sampling step (compiled once): feed a character, draw the next at temperature 1/invTemp
  const sampleStep = jit((p: P, carries: Carries, tok: Array, key: Array, invTemp: Array) => {
    const [c, logits] = stepChar(p, carries, tok);
    return [c, random.categorical(key, np.multiply(logits, invTemp), -1).reshape([1])] as const;
  });
  const feedStep = jit((p: P, carries: Carries, tok: Array) => stepChar(p, carries, tok)[0]);
  return { init, forward, stepChar, zeroCarries, sampleStep, feedStep, emb, rnn, head };
}

/** Autoregressive sampling: the prompt is fed character by character, then `length` characters are drawn. */
export function sampleLstm(model: ReturnType<typeof charLstm>, corpus: CharCorpus) {
  return (p: ReturnType<ReturnType<typeof charLstm>['init']>, prompt: string, length: number, temperature: number, key: Array): string => {
    const ids = encode(corpus.vocab, prompt.length ? prompt : '\n');
    let carries = model.zeroCarries();
    for (let i = 0; i < ids.length - 1; i++) carries = model.feedStep(p, carries, np.array([ids[i]!], 'int32'));
    let tok = np.array([ids[ids.length - 1]!], 'int32');
    const invTemp = np.array(1 / temperature, 'float32');
    const out = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      const [c, next] = model.sampleStep(p, carries, tok, random.foldIn(key, i), invTemp);
      carries = c;
      tok = next;
      out[i] = Number(next.item());
    }
    return decode(corpus.vocab, out);
  };
}

export interface RunOptions extends CharRunOptions {
  readonly seqLen?: number;
  readonly hidden?: number;
  readonly embed?: number;
}

/** The defaults: sized to train in about 10 minutes on 2 shared CPU cores (wasm target). */
export const DEFAULTS = {
  steps: 350, batch: 32, seqLen: 64, hidden: 128, embed: 48, layers: 1, dropout: 0, lr: 5e-3, clip: 1, evalEvery: 50, evalWindows: 256, seed: 0,
  sampleLength: 240, temperatures: [0.5, 0.8, 1.0], prompt: 'The ',
} as const;

/** Trains the character LSTM on the fortunes; returns the fit (history, perplexities, samples, paths). */
export async function run(opts: RunOptions = {}): Promise<CharFitResult<unknown> & { config: CharLstmConfig }> {
  const o = { ...DEFAULTS, ...opts };
  const corpus = loadCharCorpus(opts.corpus ?? {});
  const config: CharLstmConfig = { vocab: corpus.vocab.size, embed: o.embed, hidden: o.hidden, layers: o.layers, dropout: o.dropout };
  const model = charLstm(config);
  const key = random.key(o.seed);
  const res = await fitCharModel({
    name: 'char-lstm', corpus, params: model.init(random.foldIn(key, 100)), forward: model.forward, sample: sampleLstm(model, corpus),
    steps: o.steps, batch: o.batch, seqLen: o.seqLen, lr: o.lr, clip: o.clip, evalEvery: o.evalEvery, evalWindows: o.evalWindows, seed: o.seed,
    prompt: o.prompt, sampleLength: o.sampleLength, temperatures: o.temperatures, outDir: opts.outDir ?? 'out/char-lstm',
    title: `char-LSTM ${o.layers}x${o.hidden} on fortunes (tensorlaw)`,
    ...(opts.stream ? { stream: opts.stream } : {}), ...(opts.log ? { log: opts.log } : {}),
  });
  return { ...res, config };
}

export const FLAGS = ['steps', 'batch', 'seq-len', 'hidden', 'embed', 'layers', 'dropout', 'lr', 'clip', 'eval-every', 'eval-windows', 'seed', 'sample-length', 'limit'] as const;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const f = parseFlags(process.argv.slice(2));
  checkFlags(f, FLAGS);
  const int = (n: string, d: number) => flagNumber(f, n, d, { integer: true, min: 1 });
  const opts: RunOptions = {
    steps: int('steps', DEFAULTS.steps), batch: int('batch', DEFAULTS.batch), seqLen: int('seq-len', DEFAULTS.seqLen), hidden: int('hidden', DEFAULTS.hidden),
    embed: int('embed', DEFAULTS.embed), layers: int('layers', DEFAULTS.layers), dropout: flagNumber(f, 'dropout', DEFAULTS.dropout, { min: 0 }),
    lr: flagNumber(f, 'lr', DEFAULTS.lr, { min: 0 }), clip: flagNumber(f, 'clip', DEFAULTS.clip, { min: 0 }), evalEvery: int('eval-every', DEFAULTS.evalEvery),
    evalWindows: int('eval-windows', DEFAULTS.evalWindows), seed: flagNumber(f, 'seed', DEFAULTS.seed, { integer: true, min: 0 }),
    sampleLength: int('sample-length', DEFAULTS.sampleLength), ...(f.has('limit') ? { corpus: { limit: int('limit', 0) } } : {}),
  };
  console.log(`char-LSTM: embedding ${opts.embed} → ${opts.layers} x LSTM(${opts.hidden}) → dense; ${opts.steps} steps of ${opts.batch} windows x ${opts.seqLen} characters, ` +
    `Adam ${opts.lr} (warmup + cosine), clip ${opts.clip}`);
  const r = await run(opts);
  console.log(`final validation perplexity ${r.valPerplexity.toFixed(3)} per character (${(Math.log2(r.valPerplexity)).toFixed(3)} bits/char) on ${r.valTokens} characters; ` +
    `unigram baseline ${r.unigramPerplexity.toFixed(2)}; wall time ${r.seconds.toFixed(1)} s (training ${r.trainSeconds.toFixed(1)} s, step traced ${r.traceCount}x)`);
  for (const s of r.samples) console.log(`\n--- sample, temperature ${s.temperature} ---\n${s.prompt}${s.text}`);
  console.log(`\ncurves: ${r.plot}\nsamples: ${r.samplesPath}`);
}
