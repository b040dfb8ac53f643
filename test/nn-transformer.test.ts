// nn transformers: encoder/decoder blocks and stacks against torch.nn.Transformer*Layer (weights copied), masks, dropout keys, positional encodings, gradients, and a tiny causal LM trained under jit.
//
// Expected numbers: test/fixtures/nn/torch-extra.json ("transformer"), written by scripts/gen-nn-fixtures.py with
// PyTorch 1.13 in float64. Gradients are checked against finite differences in float64 with laws' checkGrads.
import { describe, expect, it } from 'vitest';
import { checkGrads } from '../laws/index.js';
import type { Array } from '../src/core/trace.js';
import * as nn from '../src/nn/index.js';
import * as np from '../src/nn/np.js';
import * as optim from '../src/optim/index.js';
import * as random from '../src/random/index.js';
import { grad, valueAndGrad } from '../src/transforms/grad.js';
import { jit } from '../src/transforms/jit.js';
import { vmap } from '../src/transforms/vmap.js';
import { type FArr, bool, close, f64, loadFixture, vals } from './nn-util.js';

const X = loadFixture('torch-extra.json');
const TR = X.transformer;
const key = random.key(0);
type SD = Record<string, FArr>;

// --- PyTorch state_dict -> tensorlaw params (the mapping is the documented parameterisation) ----------------
const t = (a: FArr) => np.transpose(f64(a));
function mhaFromTorch(sd: SD, p: string): nn.MultiHeadAttentionParams {
  const W = f64(sd[`${p}.in_proj_weight`]!), B = f64(sd[`${p}.in_proj_bias`]!);
  const e = W.shape[1]!;
  const rows = (i: number) => np.transpose(np.index(W, `${i * e}:${(i + 1) * e}`));
  const bias = (i: number) => np.index(B, `${i * e}:${(i + 1) * e}`);
  return {
    query: { w: rows(0), b: bias(0) }, key: { w: rows(1), b: bias(1) }, value: { w: rows(2), b: bias(2) },
    out: { w: t(sd[`${p}.out_proj.weight`]!), b: f64(sd[`${p}.out_proj.bias`]!) },
  };
}
const normFromTorch = (sd: SD, p: string): nn.NormParams => ({ scale: f64(sd[`${p}.weight`]!), bias: f64(sd[`${p}.bias`]!) });
const linFromTorch = (sd: SD, p: string) => ({ w: t(sd[`${p}.weight`]!), b: f64(sd[`${p}.bias`]!) });
function encoderFromTorch(sd: SD, p = ''): nn.TransformerEncoderBlockParams {
  return {
    selfAttention: mhaFromTorch(sd, `${p}self_attn`), norm1: normFromTorch(sd, `${p}norm1`), norm2: normFromTorch(sd, `${p}norm2`),
    ff1: linFromTorch(sd, `${p}linear1`), ff2: linFromTorch(sd, `${p}linear2`),
  };
}
function decoderFromTorch(sd: SD, p = ''): nn.TransformerDecoderBlockParams {
  return { ...encoderFromTorch(sd, p), crossAttention: mhaFromTorch(sd, `${p}multihead_attn`), norm3: normFromTorch(sd, `${p}norm3`) };
}
const activation = (name: string) => (name === 'gelu' ? (v: Array) => nn.gelu(v, false) : nn.relu);

describe('transformer blocks against torch', () => {
  const x = f64(TR.x), memory = f64(TR.memory);
  const pad = bool(TR.paddingMask), memPad = bool(TR.memoryPaddingMask);

  for (const [i, c] of (TR.encoder as { preNorm: boolean; activation: string; causal: boolean; padding: boolean; state: SD; y: FArr }[]).entries()) {
    it(`encoder block ${i}: ${c.preNorm ? 'pre' : 'post'}-norm, ${c.activation}${c.causal ? ', causal' : ''}${c.padding ? ', padding mask' : ''}`, () => {
      const block = nn.transformerEncoderBlock({ numHeads: 2, ffFeatures: 16, preNorm: c.preNorm, activation: activation(c.activation) });
      const p = encoderFromTorch(c.state);
      // init builds the same parameter tree (names and shapes) that the torch weights map onto
      const init = block.init(key, [-1, 5, 8]);
      expect(init.params.ff1.w.shape).toEqual(p.ff1.w.shape);
      expect(init.params.selfAttention.query.w.shape).toEqual(p.selfAttention.query.w.shape);
      expect(Object.keys(init.params).sort()).toEqual(Object.keys(p).sort());
      expect(init.outputShape).toEqual([-1, 5, 8]);
      // eval mode: dropout is the identity, even with a key
      const y = block.apply(p, x, { causal: c.causal, paddingMask: c.padding ? pad : null, key: random.key(9) });
      close(y, c.y, 1e-10, 1e-11);
    });
  }

  for (const [i, c] of (TR.decoder as { preNorm: boolean; activation: string; padding: boolean; memoryPadding: boolean; state: SD; y: FArr }[]).entries()) {
    it(`decoder block ${i}: ${c.preNorm ? 'pre' : 'post'}-norm, ${c.activation}, causal${c.padding ? ', target padding' : ''}${c.memoryPadding ? ', memory padding' : ''}`, () => {
      const block = nn.transformerDecoderBlock({ numHeads: 2, ffFeatures: 16, preNorm: c.preNorm, activation: activation(c.activation) });
      const p = decoderFromTorch(c.state);
      expect(Object.keys(block.init(key, [-1, 5, 8]).params).sort()).toEqual(Object.keys(p).sort());
      const y = block.apply(p, x, { memory, paddingMask: c.padding ? pad : null, memoryPaddingMask: c.memoryPadding ? memPad : null });
      close(y, c.y, 1e-10, 1e-11);
      // the explicit causal mask is the same as the default causal flag
      const y2 = block.apply(p, x, { memory, causal: false, mask: nn.causalMask(5), paddingMask: c.padding ? pad : null, memoryPaddingMask: c.memoryPadding ? memPad : null });
      close(y2, c.y, 1e-10, 1e-11);
    });
  }

  it('stacks: a pre-norm encoder with a final norm, a post-norm decoder without', () => {
    const sdE = TR.encoderStack.state as SD;
    const enc = nn.transformerEncoder({ numLayers: 2, numHeads: 2, ffFeatures: 16, preNorm: true });
    const pe = { layers: [encoderFromTorch(sdE, 'layers.0.'), encoderFromTorch(sdE, 'layers.1.')], norm: normFromTorch(sdE, 'norm') };
    const ie = enc.init(key, [-1, 5, 8]);
    expect(ie.params.layers.length).toBe(2);
    expect(ie.params.norm).not.toBeNull();
    close(enc.apply(pe, x, { paddingMask: pad }), TR.encoderStack.y, 1e-10, 1e-11);
    const sdD = TR.decoderStack.state as SD;
    const dec = nn.transformerDecoder({ numLayers: 2, numHeads: 2, ffFeatures: 16 });
    expect(dec.init(key, [-1, 5, 8]).params.norm).toBeNull();
    const pd = { layers: [decoderFromTorch(sdD, 'layers.0.'), decoderFromTorch(sdD, 'layers.1.')], norm: null };
    close(dec.apply(pd, x, { memory, memoryPaddingMask: memPad }), TR.decoderStack.y, 1e-10, 1e-11);
    expect(() => dec.apply({ ...pd, layers: pd.layers.slice(1) }, x, { memory })).toThrow(/2 blocks/);
  });

  it('unbatched inputs give the batched rows, and vmap over examples agrees', () => {
    const c = TR.encoder[1];
    const block = nn.transformerEncoderBlock({ numHeads: 2, ffFeatures: 16, preNorm: true, activation: activation('gelu') });
    const p = encoderFromTorch(c.state);
    const per = vmap((xi: Array, mi: Array) => block.apply(p, xi, { causal: true, paddingMask: mi }))(x, pad);
    close(per, c.y, 1e-10, 1e-11);
    const row1 = block.apply(p, np.index(x, 1), { causal: true, paddingMask: np.index(pad, 1) });
    close(row1, vals(np.index(f64(c.y), 1)), 1e-10, 1e-11);
  });

  it('padding: the outputs at real positions do not depend on what the padded positions hold', () => {
    const block = nn.transformerEncoderBlock({ numHeads: 2, ffFeatures: 16, dropoutRate: 0 });
    const { params } = block.init(random.key(3), [-1, 5, 8]);
    const keep = bool({ shape: [1, 5], data: [1, 1, 1, 0, 0] });
    const x1 = random.normal(random.key(4), [1, 5, 8]);
    const x2 = np.at(x1, 0, '3:').set(random.normal(random.key(5), [2, 8]));
    const y1 = block.apply(params, x1, { paddingMask: keep }), y2 = block.apply(params, x2, { paddingMask: keep });
    close(np.index(y2, 0, ':3'), vals(np.index(y1, 0, ':3')), 1e-5, 1e-6);
    expect(vals(np.index(y2, 0, '3:'))).not.toEqual(vals(np.index(y1, 0, '3:')));
  });

  it('causal: the output at position i does not depend on later positions', () => {
    const block = nn.transformerDecoderBlock({ numHeads: 2, ffFeatures: 16, dropoutRate: 0, preNorm: true });
    const { params } = block.init(random.key(6), [-1, 5, 8]);
    const mem = random.normal(random.key(7), [1, 3, 8]);
    const x1 = random.normal(random.key(8), [1, 5, 8]);
    const x2 = np.concatenate([np.index(x1, ':', ':2'), random.normal(random.key(9), [1, 3, 8])], 1);
    const y1 = block.apply(params, x1, { memory: mem }), y2 = block.apply(params, x2, { memory: mem });
    close(np.index(y2, 0, ':2'), vals(np.index(y1, 0, ':2')), 1e-5, 1e-6);
    expect(() => block.apply(params, x1)).toThrow(/memory/);
  });

  it('a decoder attending to memory of another width (memoryFeatures)', () => {
    const block = nn.transformerDecoderBlock({ numHeads: 2, ffFeatures: 8, memoryFeatures: 6 });
    const { params } = block.init(key, [-1, 4, 8]);
    expect(params.crossAttention.key.w.shape).toEqual([6, 8]);
    expect(params.crossAttention.query.w.shape).toEqual([8, 8]);
    expect(block.apply(params, np.ones([2, 4, 8]), { memory: np.ones([2, 3, 6]) }).shape).toEqual([2, 4, 8]);
  });

  it('rejects bad shapes and options with clear errors', () => {
    expect(() => nn.transformerEncoderBlock({ numHeads: 3 }).init(key, [-1, 5, 8])).toThrow(/numHeads \(3\) must divide the model width \(8\)/);
    expect(() => nn.transformerEncoderBlock({ numHeads: 2, dropoutRate: 1 })).toThrow(/dropoutRate/);
    const block = nn.transformerEncoderBlock({ numHeads: 2 });
    const { params } = block.init(key, [-1, 5, 8]);
    expect(() => block.apply(params, np.ones([2, 5, 6]))).toThrow(/expected inputs \(N, T, 8\)/);
    expect(() => block.apply(params, np.ones([2, 5, 8]), { train: true })).toThrow(/PRNG key/);
  });
});

describe('dropout with explicit keys', () => {
  const block = nn.transformerEncoderBlock({ numHeads: 2, ffFeatures: 16, dropoutRate: 0.3, preNorm: true });
  const { params } = block.init(random.key(1), [-1, 4, 8]);
  const x = random.normal(random.key(2), [3, 4, 8]);

  it('training mode is reproducible per key, differs across keys, and eval mode ignores the key', () => {
    const a = vals(block.apply(params, x, { train: true, key: random.key(10) }));
    expect(vals(block.apply(params, x, { train: true, key: random.key(10) }))).toEqual(a);
    expect(vals(block.apply(params, x, { train: true, key: random.key(11) }))).not.toEqual(a);
    const e = vals(block.apply(params, x));
    expect(vals(block.apply(params, x, { key: random.key(10) }))).toEqual(e);
    expect(a).not.toEqual(e);
    // rate 0 in training mode is eval mode
    const noDrop = nn.transformerEncoderBlock({ numHeads: 2, ffFeatures: 16, dropoutRate: 0, preNorm: true });
    close(noDrop.apply(params, x, { train: true, key: random.key(10) }), e, 1e-6, 1e-7);
  });

  it('dropout sits where PyTorch puts it: after each sublayer and after the feed-forward activation, site i from foldIn(key, i)', () => {
    const b = nn.transformerEncoderBlock({ numHeads: 2, ffFeatures: 16, dropoutRate: 0.3, attentionDropoutRate: 0, preNorm: true });
    const k = random.key(12);
    const site = (i: number) => random.foldIn(k, i);
    const ln = nn.layerNorm(), mha = nn.multiHeadAttention(2), d = nn.dense(1);
    const drop = (v: Array, i: number) => nn.dropoutWithKey(v, 0.3, site(i));
    const h = np.add(x, drop(mha.apply(params.selfAttention, ln.apply(params.norm1, x)), 1));
    const ff = d.apply(params.ff2, drop(nn.relu(d.apply(params.ff1, ln.apply(params.norm2, h))), 2));
    const want = np.add(h, drop(ff, 3));
    close(b.apply(params, x, { train: true, key: k }), vals(want), 1e-5, 1e-6);
  });

  it('averaging over many keys recovers eval mode for a linear path (attention-weight dropout alone)', () => {
    // with only attention-weight dropout and a single head of dotProductAttention, E[dropout(w)] · v = w · v
    const q = random.normal(random.key(3), [1, 4, 2], 'float64'), k = random.normal(random.key(4), [1, 4, 2], 'float64');
    const v = random.normal(random.key(5), [1, 4, 3], 'float64');
    const keys = random.split(random.key(6), 2000);
    const many = vmap((kk: Array) => nn.dotProductAttention(q, k, v, { dropoutRate: 0.25, dropoutKey: kk }))(keys);
    close(np.mean(many, 0), vals(nn.dotProductAttention(q, k, v)), 0, 0.08);
    // each draw of the weights is zero or scaled by 1 / (1 - rate)
    const w = nn.dropoutWithKey(np.ones([200]), 0.25, random.key(7));
    expect(new Set(vals(w).map((a) => a.toFixed(6)))).toEqual(new Set(['0.000000', (1 / 0.75).toFixed(6)]));
    expect(vals(w).map((a) => a > 0)).toEqual([...random.bernoulli(random.key(7), 0.75, [200]).dataSync()].map(Boolean));
  });

  it('multiHeadAttention applies its attention dropout only in training mode', () => {
    const mha = nn.multiHeadAttention(2, { dropoutRate: 0.5 });
    const p = mha.init(key, [-1, 4, 8]).params;
    const e = vals(mha.apply(p, x));
    expect(vals(mha.apply(p, x, { key: random.key(1) }))).toEqual(e);
    expect(vals(mha.apply(p, x, { train: true, key: random.key(1) }))).not.toEqual(e);
    expect(() => mha.apply(p, x, { train: true })).toThrow(/PRNG key/);
  });
});

describe('positional encodings', () => {
  it('learned positional embeddings add table rows from an offset; gradients reach only the rows used', () => {
    const pos = nn.learnedPositionalEmbedding(6);
    const { params, outputShape } = pos.init(key, [-1, 3, 4]);
    expect(params.table.shape).toEqual([6, 4]);
    expect(outputShape).toEqual([-1, 3, 4]);
    // GPT-2's normal(0.02) initialisation
    const sd = Math.sqrt(vals(np.mean(np.square(params.table))).reduce((a, b) => a + b));
    expect(sd).toBeGreaterThan(0.008);
    expect(sd).toBeLessThan(0.04);
    const table = np.reshape(np.arange(24, 'float64'), [6, 4]);
    const x = np.ones([2, 3, 4], 'float64');
    const want = [0, 1, 2].flatMap((r) => [0, 1, 2, 3].map((c) => 1 + 4 * r + c));
    close(pos.apply({ table }, x), [...want, ...want]);
    const wantOff = [2, 3, 4].flatMap((r) => [0, 1, 2, 3].map((c) => 1 + 4 * r + c));
    close(pos.apply({ table }, np.index(x, 0), { offset: 2 }), wantOff);
    const g = grad((p: { table: Array }) => np.sum(pos.apply(p, x, { offset: 1 })))({ table });
    expect(g.table.toJS()).toEqual([[0, 0, 0, 0], [2, 2, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(() => pos.apply({ table }, np.ones([2, 5, 4]), { offset: 2 })).toThrow(/do not fit a table of 6/);
  });
  it('sinusoidal encodings against the formula at dim 6 and length 4', () => {
    const pe = nn.sinusoidalPositionalEncoding(4, 6);
    const want = [0, 1, 2, 3].flatMap((p) => [0, 1, 2].flatMap((i) => [Math.sin(p / 10000 ** ((2 * i) / 6)), Math.cos(p / 10000 ** ((2 * i) / 6))]));
    close(pe, want, 1e-5, 1e-6);
  });
});

describe('transformer gradients match finite differences (float64)', () => {
  const x = random.normal(random.key(20), [2, 3, 4], 'float64');
  const mem = random.normal(random.key(21), [2, 2, 4], 'float64');
  const pad = bool({ shape: [2, 3], data: [1, 1, 1, 1, 1, 0] });
  const o = { order: 1, modes: ['rev'] as const };
  it('post-norm encoder block w.r.t. params and input, with a padding mask', () => {
    const block = nn.transformerEncoderBlock({ numHeads: 2, ffFeatures: 6, paramDtype: 'float64', activation: nn.gelu });
    const { params } = block.init(key, x.shape);
    checkGrads((p: nn.TransformerEncoderBlockParams, xx: Array) => np.sum(np.sin(block.apply(p, xx, { paddingMask: pad }))), [params, x], o);
  });
  it('pre-norm causal decoder block w.r.t. params, input and memory', () => {
    const block = nn.transformerDecoderBlock({ numHeads: 2, ffFeatures: 6, paramDtype: 'float64', preNorm: true, activation: nn.gelu });
    const { params } = block.init(key, x.shape);
    checkGrads((p: nn.TransformerDecoderBlockParams, xx: Array, m: Array) => np.sum(np.sin(block.apply(p, xx, { memory: m }))), [params, x, mem], o);
  });
  it('a training-mode block with dropout (a fixed key fixes the masks) and learned positions', () => {
    const block = nn.transformerEncoderBlock({ numHeads: 1, ffFeatures: 4, paramDtype: 'float64', dropoutRate: 0.2, preNorm: true, activation: nn.gelu });
    const pos = nn.learnedPositionalEmbedding(5, { paramDtype: 'float64' });
    const { params } = block.init(key, x.shape);
    const pp = pos.init(random.key(2), x.shape).params;
    checkGrads(
      (p: nn.TransformerEncoderBlockParams, q: nn.LearnedPositionalEmbeddingParams) =>
        np.sum(np.sin(block.apply(p, pos.apply(q, x), { causal: true, train: true, key: random.key(3) }))),
      [params, pp], o,
    );
  });
});

describe('a tiny causal transformer language model', () => {
  it('learns to copy under jit: the loss falls and held-out sequences are continued correctly', () => {
    // sequences [a b c d a b c d] over a vocabulary of 6: the second half repeats the first, so its tokens are
    // predictable only by attending back 4 steps (the first half is random). The loss counts the targets of
    // positions 3..6 (the copied half).
    const V = 6, T = 8, D = 16, N = 32;
    const data = (k: number) => {
      const first = random.randint(random.key(k), [N, T / 2], 0, V);
      const seqs = np.concatenate([first, first], 1);
      return { inputs: np.index(seqs, ':', ':-1'), targets: np.index(seqs, ':', '1:') };
    };
    const { inputs, targets } = data(40);
    const mask = np.broadcastTo(np.greaterEqual(np.arange(T - 1), 3), [N, T - 1]);
    const emb = nn.embedding(V, D, { embeddingInit: nn.initializers.normal(0.3) });
    const pos = nn.learnedPositionalEmbedding(T, { embeddingInit: nn.initializers.normal(0.3) });
    const body = nn.transformerEncoder({ numLayers: 1, numHeads: 2, ffFeatures: 32, preNorm: true, dropoutRate: 0 });
    const head = nn.dense(V);
    const ks = nn.splitKeys(random.key(41), 4);
    const params = {
      emb: emb.init(ks[0]!, [-1, T - 1]).params, pos: pos.init(ks[1]!, [-1, T - 1, D]).params,
      body: body.init(ks[2]!, [-1, T - 1, D]).params, head: head.init(ks[3]!, [-1, T - 1, D]).params,
    };
    type P = typeof params;
    const logits = (p: P, ids: Array) => head.apply(p.head, body.apply(p.body, pos.apply(p.pos, emb.apply(p.emb, ids)), { causal: true }));
    const lossFn = (p: P) => nn.categoricalCrossEntropy(logits(p, inputs), targets, { mask });
    const opt = optim.adam(0.02);
    const step = jit((p: P, s: unknown) => {
      const [l, g] = valueAndGrad(lossFn)(p);
      const [u, s2] = opt.update(g, s as never, p);
      return [optim.applyUpdates(p, u), s2, l] as const;
    });
    let p: P = params;
    let s: unknown = opt.init(params);
    const losses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = step(p, s) as unknown as [P, unknown, Array];
      [p, s] = r;
      losses.push(r[2].item() as number);
    }
    expect(step.traceCount).toBe(1);
    expect(losses[0]!).toBeGreaterThan(1.4); // about log 6
    expect(losses[59]!).toBeLessThan(0.1 * losses[0]!);
    // on new sequences: low perplexity and correct greedy predictions in the copied half
    const test = data(99);
    const out = logits(p, test.inputs);
    expect(nn.perplexity(out, test.targets, { mask }).item()).toBeLessThan(1.5);
    const hits = np.sum(np.multiply(np.equal(np.argmax(out, -1), test.targets), mask)).item() as number;
    expect(hits / (N * 4)).toBeGreaterThan(0.9);
  }, 60_000);
});
