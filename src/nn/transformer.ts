// Transformer encoder and decoder blocks (post-norm or pre-norm, PyTorch's parameterisation) and their stacks, with explicit dropout keys and masks.
import { fmtShape } from '../core/aval.js';
import { Array } from '../core/trace.js';
import * as random from '../random/index.js';
import type { Key } from '../random/index.js';
import { relu } from './activations.js';
import { type MultiHeadAttentionParams, multiHeadAttention } from './attention.js';
import type { Initializer } from './initializers.js';
import { type DenseParams, type NormParams, dense, dropoutWithKey, layerNorm } from './layers.js';
import { type ApplyOptions, type CallOptions, type Layer, type ParamOptions, type Shape, checkInputShape, splitKeys } from './module.js';
import { type ArrayLike, add, matmul } from './np.js';

const linear = (p: DenseParams, x: Array): Array => (p.b ? add(matmul(x, p.w), p.b) : matmul(x, p.w));

/** Options of the transformer blocks and stacks. */
export interface TransformerBlockOptions extends ParamOptions {
  /** Number of attention heads; must divide the model width (the input's last axis). */
  readonly numHeads: number;
  /** Hidden width of the feed-forward network (PyTorch's dim_feedforward). Default 4 · the model width. */
  readonly ffFeatures?: number;
  /** Dropout after each sublayer and inside the feed-forward network, in training mode. Default 0.1 (PyTorch's). */
  readonly dropoutRate?: number;
  /** Dropout on the attention weights, in training mode. Default `dropoutRate` (PyTorch's). */
  readonly attentionDropoutRate?: number;
  /** The feed-forward activation. Default relu (PyTorch's). */
  readonly activation?: (x: Array) => Array;
  /**
   * Pre-norm (x + f(norm(x)), GPT-2 and PyTorch's norm_first=True) instead of post-norm (norm(x + f(x)), the
   * original Transformer and PyTorch's default). Default false.
   */
  readonly preNorm?: boolean;
  /** layerNorm epsilon. Default 1e-5. */
  readonly epsilon?: number;
  /** Width of the encoder output the decoder attends to (cross-attention keys/values). Default the model width. */
  readonly memoryFeatures?: number;
  readonly kernelInit?: Initializer;
  readonly biasInit?: Initializer;
}

/** Params of transformerEncoderBlock (the names of PyTorch's TransformerEncoderLayer: self_attn, norm1/2, linear1/2). */
export interface TransformerEncoderBlockParams {
  readonly selfAttention: MultiHeadAttentionParams;
  readonly norm1: NormParams;
  readonly norm2: NormParams;
  /** linear1: [dModel, ffFeatures]. */
  readonly ff1: DenseParams;
  /** linear2: [ffFeatures, dModel]. */
  readonly ff2: DenseParams;
}

/** Params of transformerDecoderBlock (PyTorch's TransformerDecoderLayer: self_attn, multihead_attn, norm1/2/3, linear1/2). */
export interface TransformerDecoderBlockParams extends TransformerEncoderBlockParams {
  readonly crossAttention: MultiHeadAttentionParams;
  readonly norm3: NormParams;
}

/** Call options of the encoder block and stack. */
export interface TransformerEncoderCallOptions extends ApplyOptions<null> {
  /** Self-attention mask, [T, T], [N, T, T] or [N, heads, T, T]; true = attend. */
  readonly mask?: ArrayLike | null;
  /** [N, T] ([T] unbatched): true = a real token, false = padding, which no query attends to. */
  readonly paddingMask?: ArrayLike | null;
  /** Causal self-attention (position i attends to j <= i). Default false for the encoder. */
  readonly causal?: boolean;
}

/** Call options of the decoder block and stack. */
export interface TransformerDecoderCallOptions extends TransformerEncoderCallOptions {
  /** The encoder output [N, S, memoryFeatures] the decoder cross-attends to (required). */
  readonly memory?: Array;
  /** Cross-attention mask [T, S], [N, T, S] or [N, heads, T, S]; true = attend. */
  readonly memoryMask?: ArrayLike | null;
  /** `[N, S]`: true = a real memory position, false = padding. */
  readonly memoryPaddingMask?: ArrayLike | null;
  // `causal` defaults to true for the decoder.
}

/** The keys of a block's dropout sites in training mode: site i uses foldIn(key, i). */
const siteKey = (o: CallOptions, i: number): Key | null => (o.train && o.key ? random.foldIn(o.key, i) : null);

function checkRate(op: string, what: string, r: number): number {
  if (!(r >= 0 && r < 1)) throw new RangeError(`nn.${op}: ${what} must be in [0, 1), got ${r}`);
  return r;
}

/** The pieces shared by the two blocks: sublayer constructors and the residual wiring. */
function blockParts(op: string, opts: TransformerBlockOptions) {
  const h = opts.numHeads;
  if (!Number.isInteger(h) || h < 1) throw new RangeError(`nn.${op}: numHeads must be a positive integer, got ${h}`);
  const rate = checkRate(op, 'dropoutRate', opts.dropoutRate ?? 0.1);
  const attRate = checkRate(op, 'attentionDropoutRate', opts.attentionDropoutRate ?? rate);
  const act = opts.activation ?? relu;
  const pre = opts.preNorm ?? false;
  const common = { paramDtype: opts.paramDtype, ...(opts.kernelInit ? { kernelInit: opts.kernelInit } : {}), ...(opts.biasInit ? { biasInit: opts.biasInit } : {}) };
  const mha = multiHeadAttention(h, { ...common, dropoutRate: attRate });
  const norm = layerNorm({ epsilon: opts.epsilon ?? 1e-5, paramDtype: opts.paramDtype });
  const ffWidth = (d: number) => opts.ffFeatures ?? 4 * d;
  const checkWidth = (s: Shape) => {
    checkInputShape(op, s);
    const d = s[s.length - 1];
    if (s.length < 2 || d === undefined || d < 1) throw new TypeError(`nn.${op}: expected an input shape (N, T, dModel) or (T, dModel), got ${JSON.stringify(s)}`);
    if (d % h !== 0) throw new RangeError(`nn.${op}: numHeads (${h}) must divide the model width (${d})`);
    return d;
  };
  const checkX = (x: Array, p: TransformerEncoderBlockParams) => {
    const d = p.norm1.scale?.shape[0] ?? p.ff2.w.shape[1]!;
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== d)
      throw new TypeError(`nn.${op}: expected inputs (N, T, ${d}) or (T, ${d}), got shape ${fmtShape(x.shape)}`);
  };
  /** ff(x) = linear2(dropout(act(linear1(x)))), its inner dropout from site `k`. */
  const feedForward = (p: TransformerEncoderBlockParams, x: Array, o: CallOptions, k: number): Array => {
    let y = act(linear(p.ff1, x));
    const key = siteKey(o, k);
    if (key && rate > 0) y = dropoutWithKey(y, rate, key);
    return linear(p.ff2, y);
  };
  /** The residual wiring of one sublayer f: pre-norm x + drop(f(norm(x))), post-norm norm(x + drop(f(x))). */
  const sublayer = (x: Array, np: NormParams, o: CallOptions, k: number, f: (y: Array) => Array): Array => {
    const drop = (y: Array) => {
      const key = siteKey(o, k);
      return key && rate > 0 ? dropoutWithKey(y, rate, key) : y;
    };
    return pre ? add(x, drop(f(norm.apply(np, x)))) : norm.apply(np, add(x, drop(f(x))));
  };
  const needKey = (o: CallOptions) => {
    if (o.train && (rate > 0 || attRate > 0) && !o.key)
      throw new TypeError(`nn.${op}: training mode with dropout needs a PRNG key: apply(params, x, { train: true, key })`);
  };
  return { mha, norm, ffWidth, checkWidth, checkX, feedForward, sublayer, needKey, pre };
}

function denseParams(key: Key, inF: number, outF: number, opts: TransformerBlockOptions): DenseParams {
  const d = dense(outF, { paramDtype: opts.paramDtype, ...(opts.kernelInit ? { kernelInit: opts.kernelInit } : {}), ...(opts.biasInit ? { biasInit: opts.biasInit } : {}) });
  return d.init(key, [-1, inF]).params;
}

type EncoderBlock = Layer<TransformerEncoderBlockParams, null> & {
  apply(params: TransformerEncoderBlockParams, x: Array, o?: TransformerEncoderCallOptions): Array;
};
type DecoderBlock = Layer<TransformerDecoderBlockParams, null> & {
  apply(params: TransformerDecoderBlockParams, x: Array, o?: TransformerDecoderCallOptions): Array;
};

/**
 * A Transformer encoder block (Vaswani et al. 2017), PyTorch's TransformerEncoderLayer: self-attention
 * and a feed-forward network relu(x·W1 + b1)·W2 + b2, each wrapped in a residual connection with
 * layerNorm, post-norm (norm(x + f(x))) by default or pre-norm (x + f(norm(x))) with `preNorm`. Inputs are
 * batch-first (N, T, dModel) or unbatched (T, dModel). Masks, padding masks and `causal: true` (a
 * decoder-only language model's block) restrict the self-attention. In training mode (`train: true, key`)
 * dropout hits the attention weights, each sublayer's output and the feed-forward hidden layer, each from
 * its own key foldIn(key, site).
 * @example
 * const block = nn.transformerEncoderBlock({ numHeads: 4, ffFeatures: 128, preNorm: true });
 * const { params } = block.init(random.key(0), [-1, 16, 64]);
 * const y = block.apply(params, x, { paddingMask, train: true, key: random.key(1) }); // [N, 16, 64]
 */
export function transformerEncoderBlock(opts: TransformerBlockOptions): EncoderBlock {
  const name = `transformerEncoderBlock(${opts.numHeads} heads${opts.preNorm ? ', preNorm' : ''})`;
  const P = blockParts('transformerEncoderBlock', opts);
  const run = (p: TransformerEncoderBlockParams, x: Array, o: TransformerEncoderCallOptions = {}): Array => {
    P.checkX(x, p);
    P.needKey(o);
    // sites: 0 attention weights, 1 after attention, 2 feed-forward hidden, 3 after feed-forward
    const attKey = siteKey(o, 0);
    const sa = (y: Array) =>
      P.mha.apply(p.selfAttention, y, { mask: o.mask ?? null, paddingMask: o.paddingMask ?? null, causal: o.causal ?? false, train: !!attKey, key: attKey });
    const h = P.sublayer(x, p.norm1, o, 1, sa);
    return P.sublayer(h, p.norm2, o, 3, (y) => P.feedForward(p, y, o, 2));
  };
  return {
    name,
    init: (key, s) => {
      const d = P.checkWidth(s);
      const [ka, kf1, kf2] = splitKeys(key, 3) as [Key, Key, Key];
      const ff = P.ffWidth(d);
      const norm = () => P.norm.init(key, s).params;
      return {
        params: {
          selfAttention: P.mha.init(ka, s).params, norm1: norm(), norm2: norm(),
          ff1: denseParams(kf1, d, ff, opts), ff2: denseParams(kf2, ff, d, opts),
        },
        state: null,
        outputShape: s.slice(),
      };
    },
    apply: (p, x, o) => run(p, x, o),
    applyWithState: (p, s, x, o) => [run(p, x, o as TransformerEncoderCallOptions), s],
  };
}

/**
 * A Transformer decoder block, PyTorch's TransformerDecoderLayer: causal self-attention over the target,
 * cross-attention to the encoder output `memory`, and a feed-forward network, each with a residual
 * connection and layerNorm (post-norm by default, pre-norm with `preNorm`). `causal` defaults to true;
 * `paddingMask` masks target keys, `memoryPaddingMask` memory keys. Dropout as in transformerEncoderBlock
 * (sites: self-attention weights 0, after self-attention 1, cross-attention weights 2, after it 3,
 * feed-forward hidden 4, after it 5).
 * @example
 * const block = nn.transformerDecoderBlock({ numHeads: 4 });
 * const { params } = block.init(random.key(0), [-1, 10, 64]);
 * const y = block.apply(params, tgt, { memory: encoded, memoryPaddingMask: srcMask }); // [N, 10, 64]
 */
export function transformerDecoderBlock(opts: TransformerBlockOptions): DecoderBlock {
  const op = 'transformerDecoderBlock';
  const name = `${op}(${opts.numHeads} heads${opts.preNorm ? ', preNorm' : ''})`;
  const P = blockParts(op, opts);
  const run = (p: TransformerDecoderBlockParams, x: Array, o: TransformerDecoderCallOptions = {}): Array => {
    P.checkX(x, p);
    P.needKey(o);
    const mem = o.memory;
    if (!(mem instanceof Array)) throw new TypeError(`nn.${op}: the decoder needs the encoder output: apply(params, x, { memory })`);
    if (mem.ndim !== x.ndim || (x.ndim === 3 && mem.shape[0] !== x.shape[0]))
      throw new TypeError(`nn.${op}: memory ${fmtShape(mem.shape)} must be batched like the target ${fmtShape(x.shape)}: (N, S, features) for (N, T, dModel)`);
    const k0 = siteKey(o, 0), k2 = siteKey(o, 2);
    const sa = (y: Array) =>
      P.mha.apply(p.selfAttention, y, { mask: o.mask ?? null, paddingMask: o.paddingMask ?? null, causal: o.causal ?? true, train: !!k0, key: k0 });
    const ca = (y: Array) =>
      P.mha.apply(p.crossAttention, y, { context: mem, mask: o.memoryMask ?? null, paddingMask: o.memoryPaddingMask ?? null, train: !!k2, key: k2 });
    const h1 = P.sublayer(x, p.norm1, o, 1, sa);
    const h2 = P.sublayer(h1, p.norm2, o, 3, ca);
    return P.sublayer(h2, p.norm3, o, 5, (y) => P.feedForward(p, y, o, 4));
  };
  return {
    name,
    init: (key, s) => {
      const d = P.checkWidth(s);
      const [ka, kc, kf1, kf2] = splitKeys(key, 4) as [Key, Key, Key, Key];
      const ff = P.ffWidth(d);
      const norm = () => P.norm.init(key, s).params;
      // the cross-attention maps target queries (d) and memory keys/values (memoryFeatures) to d
      const cross = P.mha.init(kc, s).params;
      const mf = opts.memoryFeatures ?? d;
      const crossAttention: MultiHeadAttentionParams =
        mf === d
          ? cross
          : (() => {
              const [k1, k2] = splitKeys(kc, 2) as [Key, Key];
              return { ...cross, key: { ...cross.key, w: denseParams(k1, mf, d, opts).w }, value: { ...cross.value, w: denseParams(k2, mf, d, opts).w } };
            })();
      return {
        params: {
          selfAttention: P.mha.init(ka, s).params, crossAttention, norm1: norm(), norm2: norm(), norm3: norm(),
          ff1: denseParams(kf1, d, ff, opts), ff2: denseParams(kf2, ff, d, opts),
        },
        state: null,
        outputShape: s.slice(),
      };
    },
    apply: (p, x, o) => run(p, x, o),
    applyWithState: (p, s, x, o) => [run(p, x, o as TransformerDecoderCallOptions), s],
  };
}

/** Options of the stacks: the block options plus the number of blocks and an optional final layerNorm. */
export interface TransformerStackOptions extends TransformerBlockOptions {
  readonly numLayers: number;
  /** A layerNorm after the last block (PyTorch's `norm` argument; needed by pre-norm stacks). Default: `preNorm`. */
  readonly finalNorm?: boolean;
}

/** Params of the stacks: one entry per block, and the final norm (null without one). */
export interface TransformerStackParams<B> {
  readonly layers: readonly B[];
  readonly norm: NormParams | null;
}

function stack<B, O extends CallOptions>(
  op: string,
  opts: TransformerStackOptions,
  block: Layer<B, null> & { apply(params: B, x: Array, o?: O): Array },
): Layer<TransformerStackParams<B>, null> & { apply(params: TransformerStackParams<B>, x: Array, o?: O): Array } {
  const n = opts.numLayers;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`nn.${op}: numLayers must be a positive integer, got ${n}`);
  const finalNorm = opts.finalNorm ?? opts.preNorm ?? false;
  const norm = layerNorm({ epsilon: opts.epsilon ?? 1e-5, paramDtype: opts.paramDtype });
  const name = `${op}(${n} x ${block.name})`;
  const run = (p: TransformerStackParams<B>, x: Array, o: O = {} as O): Array => {
    if (!p || !globalThis.Array.isArray(p.layers) || p.layers.length !== n)
      throw new TypeError(`nn.${op}: params.layers must hold ${n} blocks, got ${p && globalThis.Array.isArray(p.layers) ? p.layers.length : typeof p}`);
    let y = x;
    // block i gets foldIn(key, i)
    p.layers.forEach((lp, i) => {
      y = block.apply(lp, y, o.key ? { ...o, key: random.foldIn(o.key, i) } : o);
    });
    return p.norm ? norm.apply(p.norm, y) : y;
  };
  return {
    name,
    init: (key, s) => {
      const keys = splitKeys(key, n);
      const layers = keys.map((k) => block.init(k, s).params);
      return { params: { layers, norm: finalNorm ? norm.init(key, s).params : null }, state: null, outputShape: s.slice() };
    },
    apply: (p, x, o) => run(p, x, o as O | undefined),
    applyWithState: (p, s, x, o) => [run(p, x, o as O), s],
  };
}

/**
 * A stack of `numLayers` encoder blocks (PyTorch's TransformerEncoder), with a final layerNorm when
 * `finalNorm` (default for pre-norm stacks). With `causal: true` it is a decoder-only (GPT-style) model body.
 * @example
 * const body = nn.transformerEncoder({ numLayers: 2, numHeads: 4, preNorm: true, dropoutRate: 0 });
 * const { params } = body.init(random.key(0), [-1, 32, 64]);
 * const h = body.apply(params, x, { causal: true }); // [N, 32, 64]
 */
export function transformerEncoder(opts: TransformerStackOptions): Layer<TransformerStackParams<TransformerEncoderBlockParams>, null> & {
  apply(params: TransformerStackParams<TransformerEncoderBlockParams>, x: Array, o?: TransformerEncoderCallOptions): Array;
} {
  return stack<TransformerEncoderBlockParams, TransformerEncoderCallOptions>('transformerEncoder', opts, transformerEncoderBlock(opts));
}

/**
 * A stack of `numLayers` decoder blocks (PyTorch's TransformerDecoder), every block cross-attending to
 * the same `memory`; a final layerNorm when `finalNorm` (default for pre-norm stacks).
 * @example
 * const dec = nn.transformerDecoder({ numLayers: 2, numHeads: 4 });
 * const { params } = dec.init(random.key(0), [-1, 10, 64]);
 * const y = dec.apply(params, tgt, { memory: enc.apply(encParams, src) });
 */
export function transformerDecoder(opts: TransformerStackOptions): Layer<TransformerStackParams<TransformerDecoderBlockParams>, null> & {
  apply(params: TransformerStackParams<TransformerDecoderBlockParams>, x: Array, o?: TransformerDecoderCallOptions): Array;
} {
  return stack<TransformerDecoderBlockParams, TransformerDecoderCallOptions>('transformerDecoder', opts, transformerDecoderBlock(opts));
}
