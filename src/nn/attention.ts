// Attention: scaled dot-product attention with boolean/causal/padding masks and dropout, a multi-head attention layer, sinusoidal and learned positional encodings.
import { fmtShape } from '../core/aval.js';
import { Array } from '../core/trace.js';
import type { Key } from '../random/index.js';
import { softmax } from './activations.js';
import { type Initializer, lecunNormal, normal as normalInit, zeros as zerosInit } from './initializers.js';
import { dropoutWithKey } from './layers.js';
import { type ApplyOptions, type Layer, type ParamOptions, checkInputShape, splitKeys, statelessLayer } from './module.js';
import {
  type ArrayLike, add, asArray, castTo, concatenate, cos, divide, exp, logicalAnd, lit, matmul, multiply, reshape, sin, swapaxes, toBool,
  where, broadcastTo, arange, expandDims, tril, ones, slice as sliceAxes,
} from './np.js';

/** Options of dotProductAttention. */
export interface AttentionOptions {
  /**
   * Which (query, key) pairs may attend: a bool array broadcastable to [..., Tq, Tk], true = attend
   * (JAX's and torch.nn.functional.scaled_dot_product_attention's convention).
   */
  readonly mask?: ArrayLike | null;
  /** Additive bias on the logits, broadcastable to [..., Tq, Tk]. */
  readonly bias?: ArrayLike | null;
  /** Each query position i attends only to keys j <= i. */
  readonly causal?: boolean;
  /** Logit scale. Default 1/√d. */
  readonly scale?: number;
  /** Dropout on the attention weights (applied only when `dropoutKey` is given). Default 0. */
  readonly dropoutRate?: number;
  /** The PRNG key of the attention-weight dropout. */
  readonly dropoutKey?: Key | null;
}

/**
 * A lower-triangular bool mask [tq, tk]: query i may attend to keys j <= i (aligned at the top-left when
 * tq != tk, as jax.nn.dot_product_attention's and PyTorch's is_causal).
 * @example
 * nn.causalMask(3).toJS(); // [[true, false, false], [true, true, false], [true, true, true]]
 */
export function causalMask(tq: number, tk: number = tq): Array {
  return castTo(tril(ones([tq, tk])), 'bool');
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017): softmax(q·kᵀ · scale + bias, masked) · v over
 * q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv] (leading axes are batch and head axes). Masked logits are
 * set to the dtype's lowest finite value, so a fully masked row gives a uniform average instead of NaN.
 * @example
 * const out = nn.dotProductAttention(q, k, v, { causal: true }); // [..., Tq, Dv]
 */
export function dotProductAttention(q: Array, k: Array, v: Array, opts: AttentionOptions = {}): Array {
  const op = 'nn.dotProductAttention';
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim)
    throw new TypeError(`${op}: q, k, v must have the same rank >= 2 ([..., T, D]), got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}`);
  const d = q.shape[q.ndim - 1]!;
  if (k.shape[k.ndim - 1] !== d) throw new TypeError(`${op}: q and k must share the feature size, got ${fmtShape(q.shape)} and ${fmtShape(k.shape)}`);
  if (k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) throw new TypeError(`${op}: k and v must have the same length, got ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`);
  const tq = q.shape[q.ndim - 2]!, tk = k.shape[k.ndim - 2]!;
  let logits = matmul(q, swapaxes(k, -1, -2));
  logits = multiply(logits, lit(opts.scale ?? 1 / Math.sqrt(d), logits));
  if (opts.bias !== undefined && opts.bias !== null) logits = add(logits, castTo(asArray(opts.bias, op), logits.dtype));
  let mask: Array | null = opts.mask === undefined || opts.mask === null ? null : toBool(asArray(opts.mask, op));
  if (opts.causal) mask = mask ? logicalAnd(mask, causalMask(tq, tk)) : causalMask(tq, tk);
  if (mask) {
    const lowest = logits.dtype === 'float64' ? -1.7976931348623157e308 : -3.4028234663852886e38;
    logits = where(broadcastTo(mask, logits.shape), logits, lit(lowest, logits));
  }
  let weights = softmax(logits, -1);
  if ((opts.dropoutRate ?? 0) > 0 && opts.dropoutKey) weights = dropoutWithKey(weights, opts.dropoutRate!, opts.dropoutKey);
  return matmul(weights, v);
}

/**
 * One attention mask from an explicit mask and a key padding mask, for batched ([N, T, F]) or unbatched
 * ([T, F]) inputs; null when neither is given. `mask` is [Tq, Tk], [N, Tq, Tk] (every head) or
 * [N, heads, Tq, Tk] ([Tq, Tk] or [heads, Tq, Tk] unbatched); `paddingMask` is [N, Tk] ([Tk] unbatched).
 * true = attend / a real (non-padding) key.
 * @example
 * const m = nn.attentionMask(true, null, np.array([[true, true, false]])); // [1, 1, 1, 3]
 */
export function attentionMask(batched: boolean, mask?: ArrayLike | null, paddingMask?: ArrayLike | null): Array | null {
  const op = 'nn.attentionMask';
  let m = mask === undefined || mask === null ? null : toBool(asArray(mask, op));
  if (m && batched && m.ndim === 3) m = expandDims(m, 1);
  if (paddingMask === undefined || paddingMask === null) return m;
  const p = toBool(asArray(paddingMask, op));
  if (p.ndim !== (batched ? 2 : 1))
    throw new TypeError(`${op}: the padding mask must be ${batched ? '[N, Tk]' : '[Tk]'} (true = a real key), got shape ${fmtShape(p.shape)}`);
  const pm = batched ? reshape(p, [p.shape[0]!, 1, 1, p.shape[1]!]) : p;
  return m ? logicalAnd(m, pm) : pm;
}

/** Options of multiHeadAttention. */
export interface MultiHeadAttentionOptions extends ParamOptions {
  /** Total size of queries/keys/values over all heads. Default: the input features. */
  readonly qkvFeatures?: number;
  /** Output features. Default: the input features. */
  readonly outFeatures?: number;
  /** Biases on the projections. Default true. */
  readonly useBias?: boolean;
  readonly kernelInit?: Initializer;
  readonly biasInit?: Initializer;
  /** Dropout on the attention weights in training mode (PyTorch's MultiheadAttention dropout). Default 0. */
  readonly dropoutRate?: number;
}

/** A projection's params. */
export interface Projection {
  readonly w: Array;
  readonly b: Array | null;
}
/** Params of multiHeadAttention: query, key, value and output projections. */
export interface MultiHeadAttentionParams {
  readonly query: Projection;
  readonly key: Projection;
  readonly value: Projection;
  readonly out: Projection;
}

/** Call options of multiHeadAttention. */
export interface MultiHeadAttentionCallOptions extends ApplyOptions<null> {
  /** Keys/values come from this sequence (cross-attention); default the input itself (self-attention). */
  readonly context?: Array;
  /** Bool mask broadcastable to [N, heads, Tq, Tk] (or [Tq, Tk]); true = attend. */
  readonly mask?: ArrayLike | null;
  /** Key padding mask [N, Tk] ([Tk] unbatched): true = a real key, false = padding (the inverse of PyTorch's key_padding_mask). */
  readonly paddingMask?: ArrayLike | null;
  readonly causal?: boolean;
}

/**
 * Multi-head attention (Vaswani et al. 2017) over batch-first sequences x [N, T, F] (or unbatched [T, F]):
 * project to queries, keys and values, split into heads, attend (dotProductAttention), merge and project
 * out. Cross-attention via `context`; masks as in dotProductAttention, plus a key padding mask. With
 * `dropoutRate`, training mode (`train: true, key`) drops attention weights.
 * @example
 * const mha = nn.multiHeadAttention(4);
 * const { params } = mha.init(random.key(0), [-1, 10, 32]);
 * mha.apply(params, x, { causal: true }).shape; // [N, 10, 32]
 */
export function multiHeadAttention(numHeads: number, opts: MultiHeadAttentionOptions = {}): Layer<MultiHeadAttentionParams, null> & {
  apply(params: MultiHeadAttentionParams, x: Array, o?: MultiHeadAttentionCallOptions): Array;
} {
  const name = `multiHeadAttention(${numHeads})`;
  if (!Number.isInteger(numHeads) || numHeads < 1) throw new RangeError(`nn.multiHeadAttention: numHeads must be a positive integer, got ${numHeads}`);
  const useBias = opts.useBias ?? true;
  const proj = (p: Projection, x: Array) => (p.b ? add(matmul(x, p.w), p.b) : matmul(x, p.w));
  const run = (p: MultiHeadAttentionParams, x: Array, o: MultiHeadAttentionCallOptions = {}): Array => {
    if (x.ndim < 2) throw new TypeError(`nn.${name}: expected (N, T, F) or (T, F) inputs, got shape ${fmtShape(x.shape)}`);
    const ctx = o.context ?? x;
    const qkv = p.query.w.shape[1]!, hd = qkv / numHeads;
    // [..., T, qkv] -> [..., heads, T, hd]
    const heads = (y: Array) => swapaxes(reshape(y, [...y.shape.slice(0, -1), numHeads, hd]), -2, -3);
    const q = heads(proj(p.query, x)), k = heads(proj(p.key, ctx)), v = heads(proj(p.value, ctx));
    // a mask without a head axis ([N, Tq, Tk]) applies to every head
    const mask = attentionMask(x.ndim >= 3, o.mask, o.paddingMask);
    const rate = opts.dropoutRate ?? 0;
    if (o.train && rate > 0 && !o.key) throw new TypeError(`nn.${name}: training mode with dropoutRate ${rate} needs a PRNG key: apply(params, x, { train: true, key })`);
    const att = dotProductAttention(q, k, v, { mask, causal: o.causal ?? false, dropoutRate: o.train ? rate : 0, dropoutKey: o.key ?? null });
    const merged = swapaxes(att, -2, -3);
    return proj(p.out, reshape(merged, [...merged.shape.slice(0, -2), qkv]));
  };
  return {
    name,
    init: (key, s) => {
      checkInputShape(name, s);
      const f = s[s.length - 1]!;
      const qkv = opts.qkvFeatures ?? f, outF = opts.outFeatures ?? f;
      if (qkv % numHeads !== 0) throw new RangeError(`nn.${name}: qkvFeatures (${qkv}) must be divisible by numHeads (${numHeads})`);
      const ks = splitKeys(key, 8) as Key[];
      const dt = opts.paramDtype ?? 'float32';
      const ki = opts.kernelInit ?? lecunNormal(), bi = opts.biasInit ?? zerosInit;
      const mk = (i: number, inF: number, o: number): Projection => ({ w: ki(ks[2 * i]!, [inF, o], dt), b: useBias ? bi(ks[2 * i + 1]!, [o], dt) : null });
      return {
        params: { query: mk(0, f, qkv), key: mk(1, f, qkv), value: mk(2, f, qkv), out: mk(3, qkv, outF) },
        state: null,
        outputShape: [...s.slice(0, -1), outF],
      };
    },
    apply: (p, x, o) => run(p, x, o),
    applyWithState: (p, s, x, o) => [run(p, x, o as MultiHeadAttentionCallOptions), s],
  };
}

/**
 * Sinusoidal positional encodings (Vaswani et al. 2017) [length, dim]: PE[t, 2i] = sin(t / 10000^(2i/dim)),
 * PE[t, 2i+1] = cos(t / 10000^(2i/dim)).
 * @example
 * const pe = nn.sinusoidalPositionalEncoding(50, 16); // add to token embeddings
 */
export function sinusoidalPositionalEncoding(length: number, dim: number, maxWavelength = 10000): Array {
  if (!Number.isInteger(dim) || dim < 2 || dim % 2 !== 0) throw new RangeError(`nn.sinusoidalPositionalEncoding: dim must be a positive even integer, got ${dim}`);
  const pos = reshape(arange(length, 'float32'), [length, 1]);
  const i = reshape(arange(0, dim, 2, 'float32'), [1, dim / 2]);
  const angle = divide(pos, exp(multiply(i, Math.log(maxWavelength) / dim)));
  // interleave sin and cos: [length, dim/2, 2] -> [length, dim]
  const both = concatenate([expandDims(sin(angle), -1), expandDims(cos(angle), -1)], -1);
  return reshape(both, [length, dim]);
}

/** Options of learnedPositionalEmbedding. */
export interface LearnedPositionalEmbeddingOptions extends ParamOptions {
  /** Initializer of the [maxLength, features] table. Default normal(0.02) (GPT-2's). */
  readonly embeddingInit?: Initializer;
}

/** Params of learnedPositionalEmbedding: one trainable row per position. */
export interface LearnedPositionalEmbeddingParams {
  readonly table: Array;
}

/** Call options of learnedPositionalEmbedding. */
export interface PositionalCallOptions extends ApplyOptions<null> {
  /** Position of the first element (e.g. when decoding one step at a time). Default 0. */
  readonly offset?: number;
}

/**
 * Learned absolute positional embeddings (BERT, GPT-2): a trainable table [maxLength, features] whose
 * first T rows (from `offset`) are added to a sequence x [..., T, features]. The gradient reaches only the
 * rows used.
 * @example
 * const pos = nn.learnedPositionalEmbedding(128);
 * const { params } = pos.init(random.key(0), [-1, 16, 64]); // params.table: [128, 64]
 * const h = pos.apply(params, tokenEmbeddings); // tokenEmbeddings + table[0:16]
 */
export function learnedPositionalEmbedding(maxLength: number, opts: LearnedPositionalEmbeddingOptions = {}): Layer<LearnedPositionalEmbeddingParams, null> & {
  apply(params: LearnedPositionalEmbeddingParams, x: Array, o?: PositionalCallOptions): Array;
} {
  const name = `learnedPositionalEmbedding(${maxLength})`;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`nn.learnedPositionalEmbedding: maxLength must be a positive integer, got ${maxLength}`);
  const layer = statelessLayer<LearnedPositionalEmbeddingParams>(
    name,
    (key, s) => {
      if (s.length < 2) throw new TypeError(`nn.${name}: expected an input shape (..., T, features), got ${JSON.stringify(s)}`);
      const f = s[s.length - 1]!;
      return [{ table: (opts.embeddingInit ?? normalInit(0.02))(key, [maxLength, f], opts.paramDtype ?? 'float32') }, s.slice()];
    },
    (p, x, o) => {
      const off = (o as PositionalCallOptions).offset ?? 0;
      const t = x.shape[x.ndim - 2];
      const f = p.table.shape[1]!;
      if (x.ndim < 2 || x.shape[x.ndim - 1] !== f)
        throw new TypeError(`nn.${name}: expected inputs (..., T, ${f}), got shape ${fmtShape(x.shape)}`);
      if (!Number.isInteger(off) || off < 0 || off + t! > maxLength)
        throw new RangeError(`nn.${name}: positions ${off}..${off + t! - 1} do not fit a table of ${maxLength} positions`);
      const rows = sliceAxes(p.table, [off, 0], [off + t!, f]);
      return add(x, rows.dtype === x.dtype ? rows : castTo(rows, x.dtype));
    },
  );
  return layer as typeof layer & { apply(params: LearnedPositionalEmbeddingParams, x: Array, o?: PositionalCallOptions): Array };
}
