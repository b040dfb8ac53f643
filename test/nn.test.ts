// nn: activations, initializers, layers, losses and metrics against PyTorch 1.13 / jax fixtures, gradients against finite differences, and a jitted training loop.
//
// Expected numbers: test/fixtures/nn/torch.json (torch.nn.functional and torch.nn modules in float64, with weights
// copied from the fixture; metrics by numpy loops) and test/fixtures/nn/jax.json (jax.nn.initializers on fixed keys),
// both written by scripts/gen-nn-fixtures.py. Gradients are checked against central differences in float64.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import type { Array } from '../src/core/trace.js';
import { flatten, map as treeMap, unflatten } from '../src/core/tree.js';
import * as lax from '../src/lax/ops.js';
import * as nn from '../src/nn/index.js';
import * as np from '../src/nn/np.js';
import * as optim from '../src/optim/index.js';
import * as random from '../src/random/index.js';
import { grad, valueAndGrad } from '../src/transforms/grad.js';
import { jit } from '../src/transforms/jit.js';
import { vmap } from '../src/transforms/vmap.js';

interface FArr {
  shape: number[];
  data: number[];
}
const load = (f: string) => JSON.parse(readFileSync(new URL(`./fixtures/nn/${f}`, import.meta.url), 'utf8'));
const T = load('torch.json');
const J = load('jax.json');
const f64 = (a: FArr): Array => fromTyped(new Float64Array(a.data), a.shape, 'float64');
const i32 = (a: FArr): Array => fromTyped(new Int32Array(a.data), a.shape, 'int32');
const f64v = (v: number[], shape = [v.length]): Array => fromTyped(new Float64Array(v), shape, 'float64');
const vals = (x: Array): number[] => [...x.dataSync()].map(Number);

function close(x: Array, want: number[] | FArr | number, rtol = 1e-9, atol = 1e-12, what = ''): void {
  const w = typeof want === 'number' ? [want] : globalThis.Array.isArray(want) ? want : want.data;
  if (!globalThis.Array.isArray(want) && typeof want !== 'number') expect(x.shape, `${what} shape`).toEqual(want.shape);
  const got = vals(x);
  expect(got.length, what).toBe(w.length);
  got.forEach((g, i) => {
    if (!(Math.abs(g - w[i]!) <= atol + rtol * Math.abs(w[i]!)))
      expect.fail(`${what} element ${i}: got ${g}, expected ${w[i]}`);
  });
}

/** A deterministic JS PRNG for finite-difference directions. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/**
 * Checks grad(f) at `args` against central differences along 3 random directions in the pytree of
 * argument `argnum`: <∇f, v> ≈ (f(x + εv) - f(x - εv)) / 2ε (float64, ε = 1e-6).
 */
function checkGrad(f: (...a: any[]) => Array, args: unknown[], argnum = 0, rtol = 1e-6, seed = 1): void {
  const g = grad(f, { argnums: argnum })(...args);
  const rand = lcg(seed);
  const [xl, def] = flatten(args[argnum]);
  const [gl] = flatten(g);
  for (let trial = 0; trial < 3; trial++) {
    const dirs = (xl as Array[]).map((x) => f64v(globalThis.Array.from({ length: x.size }, rand), x.shape.slice()));
    const eps = 1e-6;
    const shifted = (s: number) => {
      const a = args.slice();
      a[argnum] = unflatten(def, (xl as Array[]).map((x, i) => np.add(x, np.multiply(dirs[i]!, s * eps))));
      return f(...a).item() as number;
    };
    const fd = (shifted(1) - shifted(-1)) / (2 * eps);
    const an = (gl as Array[]).reduce((acc, gi, i) => acc + (np.sum(np.multiply(gi, dirs[i]!)).item() as number), 0);
    if (!(Math.abs(fd - an) <= rtol * (1 + Math.abs(fd)))) expect.fail(`directional derivative ${trial}: analytic ${an}, finite differences ${fd}`);
  }
}

const key = random.key(0);

// ---------------------------------------------------------------------------------------------

describe('initializers match jax.nn.initializers for the same keys', () => {
  const make = (name: string, args: number[]): nn.Initializer => {
    const I = nn.initializers as unknown as Record<string, (...a: number[]) => nn.Initializer>;
    return I[name]!(...args);
  };
  for (const c of J.initializers as { name: string; args: number[]; seed: number; shape: number[]; data: number[] }[]) {
    it(`${c.name}(${c.args.join(', ')}) seed ${c.seed} shape [${c.shape}]`, () => {
      const v = make(c.name, c.args)(random.key(c.seed), c.shape, 'float32');
      expect(v.shape).toEqual(c.shape);
      expect(v.dtype).toBe('float32');
      // uniform samples are bit-exact; erfInv (normal) and QR vs Gram-Schmidt agree to float32 rounding
      close(v, c.data, 2e-5, 2e-6);
    });
  }
  it('fans, constants, and orthogonality in float64', () => {
    expect(nn.initializers.computeFans([3, 3, 16, 32])).toEqual([144, 288]);
    expect(nn.initializers.computeFans([32, 16, 3, 3], { inAxis: 1, outAxis: 0 })).toEqual([144, 288]);
    close(nn.initializers.constant(0.5)(key, [2], 'float64'), [0.5, 0.5]);
    const q = nn.initializers.orthogonal()(key, [6, 4], 'float64');
    close(np.matmul(np.transpose(q), q), vals(np.eye(4, 4, 0, 'float64')), 1e-12, 1e-12);
    const u = nn.initializers.heUniform()(key, [50, 40], 'float64');
    const bound = Math.sqrt(6 / 50);
    expect(Math.max(...vals(np.absolute(u)))).toBeLessThanOrEqual(bound);
  });
});

describe('activations against torch', () => {
  const A = T.activations;
  const x = f64(A.x);
  const fns: Record<string, (x: Array) => Array> = {
    sigmoid: nn.sigmoid, tanh: nn.tanh, relu: nn.relu, relu6: nn.relu6, leakyRelu: (v) => nn.leakyRelu(v, 0.1), elu: (v) => nn.elu(v, 1),
    selu: nn.selu, celu: (v) => nn.celu(v, 0.5), geluExact: (v) => nn.gelu(v, false), geluTanh: (v) => nn.gelu(v, true), silu: nn.silu,
    softplus: nn.softplus, logSigmoid: nn.logSigmoid, mish: nn.mish, hardTanh: nn.hardTanh,
  };
  for (const [name, f] of Object.entries(fns))
    it(name, () => close(f(x), A.values[name], 1e-12, 1e-14, name));
  it('softmax / logSoftmax along either axis, and stably at ±1000', () => {
    const m = f64(A.matrix);
    close(nn.softmax(m), A.softmaxLast, 1e-12, 1e-15);
    close(nn.softmax(m, 0), A.softmaxFirst, 1e-12, 1e-15);
    close(nn.logSoftmax(m), A.logSoftmaxLast, 1e-12, 1e-14);
    close(nn.logSoftmax(m, 0), A.logSoftmaxFirst, 1e-12, 1e-14);
    close(nn.softmax(f64(A.big)), A.softmaxBig, 1e-12, 1e-300);
    close(nn.logSoftmax(f64(A.big)), A.logSoftmaxBig, 1e-12, 1e-12);
  });
  it('prelu with per-channel slopes', () => close(nn.prelu(f64(A.preluX), f64(A.preluA)), A.prelu, 1e-14));
  it('gradients: finite differences, and relu′(0) = 0 as in JAX', () => {
    const pts = f64v([-2.3, -0.4, 0.3, 1.7]);
    for (const f of [nn.gelu, (v: Array) => nn.gelu(v, false), nn.silu, nn.softplus, nn.logSigmoid, nn.selu, nn.mish, nn.elu])
      checkGrad((v: Array) => np.sum(f(v)), [pts]);
    checkGrad((v: Array) => np.sum(np.multiply(nn.logSoftmax(v), f64v([1, 2, 3, 4]))), [pts]);
    close(grad((v: Array) => np.sum(nn.relu(v)))(f64v([-1, 0, 2])), [0, 0, 1]);
    // softplus stays finite where a naive log(1 + e^x) would overflow
    close(grad((v: Array) => np.sum(nn.softplus(v)))(f64v([1000, -1000, 0])), [1, 0, 0.5]);
    close(grad((v: Array) => np.sum(nn.logSigmoid(v)))(f64v([0])), [0.5]);
  });
  it('oneHot', () => {
    expect(nn.oneHot(np.array([0, 2, 5]), 3).toJS()).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 0]]);
    expect(() => nn.oneHot(np.array([0.5]), 3)).toThrow(/integers/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('layers against torch', () => {
  const L = T.layers;
  it('dense', () => {
    const d = nn.dense(5);
    const { params, outputShape } = d.init(key, [-1, 4]);
    expect(outputShape).toEqual([-1, 5]);
    expect(params.w.shape).toEqual([4, 5]);
    close(d.apply({ w: f64(L.dense.w), b: f64(L.dense.b) }, f64(L.dense.x)), L.dense.y, 1e-12);
    expect(() => d.apply(params, np.ones([2, 3]))).toThrow(/last axis must have size 4/);
  });

  for (const [i, c] of (L.conv2d as { w: FArr; b: FArr; x: FArr; y: FArr; strides: number[]; padding: unknown; dilation: number[]; groups: number }[]).entries()) {
    it(`conv2d NHWC case ${i}: strides ${c.strides}, padding ${JSON.stringify(c.padding)}, dilation ${c.dilation}, groups ${c.groups}`, () => {
      const layer = nn.conv2d(c.w.shape[3]!, [c.w.shape[0]!, c.w.shape[1]!], {
        strides: c.strides, padding: c.padding as nn.PaddingLike, dilation: c.dilation, groups: c.groups,
      });
      const init = layer.init(key, c.x.shape);
      expect(init.params.w.shape).toEqual(c.w.shape);
      expect(init.outputShape).toEqual(c.y.shape);
      close(layer.apply({ w: f64(c.w), b: f64(c.b) }, f64(c.x)), c.y, 1e-11, 1e-12);
    });
  }
  it('conv2d channelsFirst (NCHW / OIHW) and conv1d', () => {
    const c = L.conv2dNCHW;
    const layer = nn.conv2d(4, 3, { padding: 1, layout: 'channelsFirst' });
    expect(layer.init(key, c.x.shape).params.w.shape).toEqual(c.w.shape);
    close(layer.apply({ w: f64(c.w), b: f64(c.b) }, f64(c.x)), c.y, 1e-11, 1e-12);
    const c1 = L.conv1d;
    const l1 = nn.conv1d(2, 3, { strides: 2, useBias: false });
    expect(l1.init(key, c1.x.shape).outputShape).toEqual(c1.y.shape);
    close(l1.apply({ w: f64(c1.w), b: null }, f64(c1.x)), c1.y, 1e-11, 1e-12);
  });
  it('conv2d on a single unbatched example, and under vmap', () => {
    const c = L.conv2d[0];
    const layer = nn.conv2d(4, [3, 2]);
    const p = { w: f64(c.w), b: f64(c.b) };
    const x = f64(c.x);
    const batched = layer.apply(p, x);
    const perExample = vmap((xi: Array) => layer.apply(p, xi))(x);
    close(perExample, vals(batched), 1e-12, 1e-12);
  });

  it('convTranspose2d: unflipped kernel (VALID) and transposeKernel (SAME) against conv_transpose2d', () => {
    const C = L.convTranspose;
    const valid = nn.convTranspose2d(2, 3, { strides: 2, useBias: false });
    const vi = valid.init(key, C.x.shape);
    expect(vi.params.w.shape).toEqual(C.wValid.shape);
    expect(vi.outputShape).toEqual(C.yValid.shape);
    close(valid.apply({ w: f64(C.wValid), b: null }, f64(C.x)), C.yValid, 1e-11, 1e-12);
    const same = nn.convTranspose2d(2, 4, { strides: 2, padding: 'SAME', transposeKernel: true });
    const si = same.init(key, C.x.shape);
    expect(si.params.w.shape).toEqual(C.wSame.shape);
    expect(si.outputShape).toEqual(C.ySame.shape);
    close(same.apply({ w: f64(C.wSame), b: f64(C.bSame) }, f64(C.x)), C.ySame, 1e-11, 1e-12);
    checkGrad((p: nn.ConvParamsTree) => np.sum(np.sin(same.apply(p, f64(C.x)))), [{ w: f64(C.wSame), b: f64(C.bSame) }]);
  });

  it('maxPool / avgPool / globalAvgPool', () => {
    const P = L.pool;
    const x = f64(P.x);
    close(nn.maxPool(2).apply({}, x), P.max2);
    close(nn.maxPool(3, { strides: 2, padding: [[1, 1], [1, 1]] }).apply({}, x), P.max3s2p1);
    close(nn.avgPool(2).apply({}, x), P.avg2, 1e-12);
    close(nn.avgPool(3, { strides: 1, padding: 1 }).apply({}, x), P.avg3s1p1, 1e-12);
    close(nn.avgPool(3, { strides: 1, padding: 1, countIncludePad: false }).apply({}, x), P.avg3s1p1NoPad, 1e-12);
    close(nn.globalAvgPool().apply({}, x), P.global, 1e-12);
    expect(nn.maxPool(3, { strides: 2, padding: 1 }).init(key, P.x.shape).outputShape).toEqual(P.max3s2p1.shape);
  });

  it('batchNorm: train mode output and running statistics, eval mode with given statistics', () => {
    const B = L.batchNorm;
    const bn = nn.batchNorm({ momentum: 0.9 }); // PyTorch momentum 0.1
    const { state } = bn.init(key, B.x.shape);
    const params = { scale: f64(B.scale), bias: f64(B.bias) };
    const st = { mean: np.astype(state.mean, 'float64'), var: np.astype(state.var, 'float64') };
    const [y, s2] = bn.applyWithState(params, st, f64(B.x), { train: true });
    close(y, B.yTrain, 1e-11, 1e-12);
    close(s2.mean, B.runningMean, 1e-12, 1e-14);
    close(s2.var, B.runningVarBiased, 1e-12);
    close(bn.apply(params, f64(B.x), { state: { mean: f64(B.evalMean), var: f64(B.evalVar) } }), B.yEval, 1e-12, 1e-12);
    expect(() => bn.apply(params, f64(B.x))).toThrow(/running statistics/);
    // the running statistics do not receive gradients
    const g = grad((p: typeof params) => np.sum(bn.applyWithState(p, st, f64(B.x), { train: true })[0]))(params);
    expect(g.scale.shape).toEqual([3]);
  });

  it('layerNorm over one and two trailing axes, groupNorm, instanceNorm', () => {
    const N = L.layerNorm;
    close(nn.layerNorm().apply({ scale: f64(N.scale), bias: f64(N.bias) }, f64(N.x)), N.y, 1e-11, 1e-12);
    const ln2 = nn.layerNorm({ axes: [-2, -1] });
    expect(ln2.init(key, N.x.shape).params.scale!.shape).toEqual([3, 4]);
    close(ln2.apply({ scale: f64(N.scale2), bias: f64(N.bias2) }, f64(N.x)), N.y2, 1e-11, 1e-12);
    const G = L.groupNorm;
    const gp = { scale: f64(G.scale), bias: f64(G.bias) };
    close(nn.groupNorm({ numGroups: 2 }).apply(gp, f64(G.x)), G.y, 1e-11, 1e-12);
    close(nn.instanceNorm().apply(gp, f64(G.x)), G.yInstance, 1e-11, 1e-12);
  });

  it('LSTM, GRU and Elman RNN over (N, T, F) sequences, with PyTorch weights', () => {
    const R = L.recurrent;
    const x = f64(R.x);
    const t = (a: FArr) => np.transpose(f64(a));
    const lstm = nn.rnn(nn.lstmCell(4));
    const lp = { wi: t(R.lstm.weightIh), wh: t(R.lstm.weightHh), b: np.add(f64(R.lstm.biasIh), f64(R.lstm.biasHh)) };
    expect(lstm.init(key, R.x.shape).params.wi.shape).toEqual(lp.wi.shape);
    const [carry, y] = lstm.applyCarry(lp, x);
    close(y, R.lstm.y, 1e-11, 1e-12);
    close(carry.h, R.lstm.hN, 1e-11, 1e-12);
    const gru = nn.rnn(nn.gruCell(4), { returnSequences: false });
    const gp = { wi: t(R.gru.weightIh), wh: t(R.gru.weightHh), bi: f64(R.gru.biasIh), bh: f64(R.gru.biasHh) };
    close(gru.apply(gp, x), R.gru.hN, 1e-11, 1e-12);
    const elman = nn.rnn(nn.simpleRnnCell(4));
    close(elman.apply({ wi: t(R.rnn.weightIh), wh: t(R.rnn.weightHh), b: np.add(f64(R.rnn.biasIh), f64(R.rnn.biasHh)) }, x), R.rnn.y, 1e-11, 1e-12);
    // unbatched sequences under vmap give the batched result; the scanned layer jits
    close(vmap((xi: Array) => lstm.apply(lp, xi))(x), R.lstm.y, 1e-11, 1e-12);
    close(jit((p: typeof gp, xs: Array) => gru.apply(p, xs))(gp, x), R.gru.hN, 1e-11, 1e-12);
  });

  it('bidirectional concatenates a forward and a reversed pass', () => {
    const bi = nn.bidirectional(nn.gruCell(3), nn.gruCell(2));
    const { params, outputShape } = bi.init(key, [-1, 5, 4]);
    expect(outputShape).toEqual([-1, 5, 5]);
    const x = random.normal(random.key(3), [2, 5, 4], 'float64');
    const y = bi.apply(params, x);
    // the backward half at time t equals a forward pass over the flipped sequence, flipped back
    const back = nn.rnn(nn.gruCell(2)).apply(params.backward, np.flip(x, 1));
    close(np.index(y, '...', '3:5'), vals(np.flip(back, 1)), 1e-12, 1e-12);
  });

  const mhaParams = (M: Record<string, FArr>, E: number): nn.MultiHeadAttentionParams => {
    const W = f64(M.inProjWeight!), B = f64(M.inProjBias!);
    const rows = (i: number) => np.transpose(np.index(W, `${i * E}:${(i + 1) * E}`));
    const bias = (i: number) => np.index(B, `${i * E}:${(i + 1) * E}`);
    return {
      query: { w: rows(0), b: bias(0) }, key: { w: rows(1), b: bias(1) }, value: { w: rows(2), b: bias(2) },
      out: { w: np.transpose(f64(M.outWeight!)), b: f64(M.outBias!) },
    };
  };
  it('multiHeadAttention: causal self-attention and cross-attention with a key padding mask', () => {
    const M = L.mha;
    const mha = nn.multiHeadAttention(2);
    const p = mhaParams(M, 6);
    expect(mha.init(key, M.x.shape).params.query.w.shape).toEqual([6, 6]);
    close(mha.apply(p, f64(M.x), { causal: true }), M.yCausal, 1e-11, 1e-12);
    const keep = np.astype(np.expandDims(i32(M.keepKeys), 1), 'bool'); // [N, 1, Tk] -> every query, every head
    close(mha.apply(p, f64(M.x), { context: f64(M.context), mask: keep }), M.yCross, 1e-11, 1e-12);
  });
  it('dotProductAttention with and without a mask', () => {
    const S = L.sdpa;
    close(nn.dotProductAttention(f64(S.q), f64(S.k), f64(S.v)), S.y, 1e-12, 1e-13);
    close(nn.dotProductAttention(f64(S.q), f64(S.k), f64(S.v), { mask: np.astype(i32(S.mask), 'bool') }), S.yMasked, 1e-12, 1e-13);
    // causal: the first query sees only the first key, so its output is v[0]
    const out = nn.dotProductAttention(f64(S.q), f64(S.k), f64(S.v), { causal: true });
    close(np.index(out, ':', 0), vals(np.index(f64(S.v), ':', 0)), 1e-12);
  });
});

describe('dropout, embedding, sequential', () => {
  it('dropout: identity in eval, inverted scaling in training, reproducible per key', () => {
    const d = nn.dropout(0.25);
    const x = np.ones([400]);
    expect(d.apply({}, x)).toBe(x);
    const y = d.apply({}, x, { train: true, key: random.key(7) });
    const v = vals(y);
    expect(new Set(v.map((a) => a.toFixed(6)))).toEqual(new Set(['0.000000', (1 / 0.75).toFixed(6)]));
    const kept = v.filter((a) => a > 0).length / v.length;
    expect(kept).toBeGreaterThan(0.65);
    expect(kept).toBeLessThan(0.85);
    expect(vals(d.apply({}, x, { train: true, key: random.key(7) }))).toEqual(v);
    // the mask is bernoulli(key, 1 - rate): the same draw random.bernoulli makes
    expect(v.map((a) => a > 0)).toEqual([...random.bernoulli(random.key(7), 0.75, [400]).dataSync()].map(Boolean));
    expect(() => d.apply({}, x, { train: true })).toThrow(/PRNG key/);
  });
  it('embedding looks rows up and scatter-adds gradients into the used rows', () => {
    const e = nn.embedding(4, 2);
    const table = f64v([0, 1, 10, 11, 20, 21, 30, 31], [4, 2]);
    const ids = fromTyped(new Int32Array([2, 0, 2]), [3], 'int32');
    expect(e.apply({ table }, ids).toJS()).toEqual([[20, 21], [0, 1], [20, 21]]);
    expect(e.init(key, [-1, 3]).outputShape).toEqual([-1, 3, 2]);
    const g = grad((p: { table: Array }) => np.sum(e.apply(p, ids)))({ table });
    expect(g.table.toJS()).toEqual([[1, 1], [0, 0], [2, 2], [0, 0]]);
  });
  it('sequential threads shapes, params, batchNorm state and per-layer keys', () => {
    const model = nn.sequential(
      nn.conv2d(3, 3, { padding: 'SAME' }), nn.batchNorm(), nn.relu, nn.maxPool(2), nn.flatten(), nn.dense(5), nn.dropout(0.5), nn.dense(2),
    );
    const { params, state, outputShape } = model.init(key, [-1, 6, 6, 2]);
    expect(outputShape).toEqual([-1, 2]);
    expect(params.length).toBe(8);
    const x = random.normal(random.key(1), [4, 6, 6, 2]);
    const [y, s2] = model.applyWithState(params, state, x, { train: true, key: random.key(2) });
    expect(y.shape).toEqual([4, 2]);
    const bnState = s2[1] as nn.BatchNormState;
    expect(vals(bnState.mean).some((m) => m !== 0)).toBe(true);
    // eval mode is deterministic and uses the running statistics
    const e1 = model.apply(params, x, { state: s2 });
    expect(vals(model.apply(params, x, { state: s2 }))).toEqual(vals(e1));
  });
  it('residual keeps the shape and adds the input', () => {
    const r = nn.residual(nn.dense(3));
    const { params } = r.init(key, [-1, 3]);
    const x = np.ones([2, 3]);
    close(r.apply(params, x), vals(np.add(x, nn.dense(3).apply(params as nn.DenseParams, x))), 1e-7);
    expect(() => nn.residual(nn.dense(4)).init(key, [-1, 3])).toThrow(/equal shapes/);
  });
  it('sinusoidal positional encodings', () => {
    const pe = nn.sinusoidalPositionalEncoding(3, 4);
    const want = [0, 1, 2].flatMap((t) => [Math.sin(t), Math.cos(t), Math.sin(t / 100), Math.cos(t / 100)]);
    close(pe, want, 1e-6, 1e-6);
  });
});

// ---------------------------------------------------------------------------------------------

describe('losses against torch', () => {
  const S = T.losses;
  const p = f64(S.pred), t = f64(S.target);
  it('regression losses', () => {
    close(nn.mse(p, t), S.mse, 1e-12);
    close(nn.mse(p, t, { reduction: 'sum' }), S.mseSum, 1e-12);
    close(nn.mae(p, t), S.mae, 1e-12);
    close(nn.huber(p, t, { delta: 1.5 }), S.huber15, 1e-12);
    close(nn.huber(p, t, { reduction: 'none' }), S.huberNone, 1e-12);
    close(nn.hinge(f64(S.hingeScores), f64(S.hingeLabels)), S.hinge, 1e-12);
  });
  it('binary cross-entropy from logits (also at ±100), pos_weight, label smoothing', () => {
    const x = f64(S.bceLogits), y = f64(S.bceLabels);
    close(nn.binaryCrossEntropy(x, y), S.bce, 1e-12);
    close(nn.binaryCrossEntropy(x, y, { posWeight: f64(S.posWeight) }), S.bcePosWeight, 1e-12);
    close(nn.binaryCrossEntropy(x, y, { labelSmoothing: 0.2 }), S.bceSmooth, 1e-12);
  });
  it('categorical cross-entropy: integer labels, distributions, smoothing, class axis 1, extreme logits', () => {
    const x = f64(S.logits);
    close(nn.categoricalCrossEntropy(x, i32(S.labels)), S.ce, 1e-12);
    close(nn.categoricalCrossEntropy(x, i32(S.labels), { reduction: 'none' }), S.ceNone, 1e-12);
    close(nn.categoricalCrossEntropy(x, f64(S.probs)), S.ceProbs, 1e-12);
    close(nn.categoricalCrossEntropy(x, i32(S.labels), { labelSmoothing: 0.1 }), S.ceSmooth, 1e-12);
    close(nn.categoricalCrossEntropy(f64(S.logits3), i32(S.labels3), { axis: 1 }), S.ceAxis1, 1e-12);
    close(nn.categoricalCrossEntropy(f64(S.bigLogits), i32(S.bigLabels)), S.ceBig, 1e-12);
    expect(() => nn.categoricalCrossEntropy(x, fromTyped(new Int32Array(4), [4], 'int32'))).toThrow(/without the class axis/);
  });
  it('KL divergence (batchmean), with 0 · log 0 = 0, and with log targets', () => {
    close(nn.klDivergence(f64(S.klLogP), f64(S.klTarget)), S.kl, 1e-12);
    const logT = np.log(np.maximum(f64(S.klTarget), f64v([1e-300], [])));
    close(nn.klDivergence(f64(S.klLogP), logT, { logTarget: true }), S.klLogTarget, 1e-12);
  });
  it('loss gradients match finite differences', () => {
    const x = f64(S.logits);
    checkGrad((z: Array) => nn.categoricalCrossEntropy(z, i32(S.labels), { labelSmoothing: 0.1 }), [x]);
    checkGrad((z: Array) => nn.categoricalCrossEntropy(z, f64(S.probs)), [x]);
    checkGrad((z: Array) => nn.binaryCrossEntropy(z, f64(S.bceLabels), { posWeight: f64(S.posWeight) }), [np.multiply(f64(S.bceLogits), 0.03)]);
    checkGrad((z: Array) => nn.huber(z, t, { delta: 1.5 }), [p]);
    checkGrad((z: Array) => nn.klDivergence(nn.logSoftmax(z), f64(S.klTarget)), [f64(S.klLogP)]);
    // BCE's gradient is σ(x) - y exactly, even at |x| = 100
    const gx = grad((z: Array) => nn.binaryCrossEntropy(z, f64(S.bceLabels), { reduction: 'sum' }))(f64(S.bceLogits));
    close(gx, vals(np.subtract(nn.sigmoid(f64(S.bceLogits)), f64(S.bceLabels))), 1e-12, 1e-15);
  });
});

describe('metrics against numpy loops', () => {
  const M = T.metrics;
  const y = i32(M.labels), yp = i32(M.preds);
  it('accuracy (class ids or logits) and the confusion matrix', () => {
    close(nn.accuracy(yp, y), M.accuracy, 1e-6);
    const logits = nn.oneHot(yp, 3);
    close(nn.accuracy(logits, y), M.accuracy, 1e-6);
    expect(nn.confusionMatrix(y, yp, 3).toJS()).toEqual(
      globalThis.Array.from({ length: 3 }, (_, i) => M.confusion.data.slice(3 * i, 3 * i + 3)),
    );
  });
  it('precision, recall and f1: macro, micro, weighted, binary', () => {
    const o = { numClasses: 3 };
    close(nn.precision(yp, y, o), M.precisionMacro, 1e-6);
    close(nn.recall(yp, y, o), M.recallMacro, 1e-6);
    close(nn.f1(yp, y, o), M.f1Macro, 1e-6);
    close(nn.precision(yp, y, { ...o, average: 'micro' }), M.precisionMicro, 1e-6);
    close(nn.f1(yp, y, { ...o, average: 'weighted' }), M.f1Weighted, 1e-6);
    close(nn.recall(yp, y, { ...o, average: 'weighted' }), M.recallWeighted, 1e-6);
    const by = i32(M.binaryLabels), bp = i32(M.binaryPreds);
    close(nn.precision(bp, by), M.precisionBinary, 1e-6);
    close(nn.recall(bp, by), M.recallBinary, 1e-6);
    close(nn.f1(bp, by), M.f1Binary, 1e-6);
    // a class never predicted has precision 0, not NaN
    close(nn.precision(np.array([0, 0]), np.array([0, 1]), { average: 'macro' }), 0.25, 1e-7);
  });
  it('metrics jit', () => {
    close(jit((a: Array, b: Array) => nn.f1(a, b, { numClasses: 3 }))(yp, y), M.f1Macro, 1e-6);
  });
});

// ---------------------------------------------------------------------------------------------

describe('layer gradients match finite differences (float64)', () => {
  const x4 = random.normal(random.key(11), [2, 5, 4, 3], 'float64');
  it('conv2d (strided, padded, grouped) w.r.t. params and input', () => {
    const layer = nn.conv2d(4, 3, { strides: 2, padding: 'SAME', groups: 1, paramDtype: 'float64' });
    const { params } = layer.init(key, x4.shape);
    checkGrad((p: nn.ConvParamsTree) => np.sum(np.sin(layer.apply(p, x4))), [params]);
    checkGrad((x: Array) => np.sum(np.sin(layer.apply(params, x))), [x4]);
    const grouped = nn.conv2d(6, 2, { groups: 3, dilation: 2, paramDtype: 'float64' });
    const gp = grouped.init(key, x4.shape).params;
    checkGrad((p: nn.ConvParamsTree) => np.sum(np.square(grouped.apply(p, x4))), [gp]);
  });
  it('pooling and normalisation layers', () => {
    checkGrad((x: Array) => np.sum(np.sin(nn.maxPool(2, { strides: 1 }).apply({}, x))), [x4]);
    checkGrad((x: Array) => np.sum(np.sin(nn.avgPool(3, { strides: 1, padding: 'SAME', countIncludePad: false }).apply({}, x))), [x4]);
    const bn = nn.batchNorm({ paramDtype: 'float64' });
    const b = bn.init(key, x4.shape);
    const w = random.normal(random.key(12), x4.shape, 'float64');
    checkGrad((x: Array) => np.sum(np.multiply(bn.applyWithState(b.params, b.state, x, { train: true })[0], w)), [x4]);
    const ln = nn.layerNorm({ axes: [-2, -1], paramDtype: 'float64' });
    const lp = ln.init(key, x4.shape).params;
    checkGrad((x: Array) => np.sum(np.multiply(ln.apply(lp, x), w)), [x4]);
    checkGrad((p: nn.NormParams) => np.sum(np.multiply(ln.apply(p, x4), w)), [lp]);
  });
  it('LSTM and GRU through time (scan) w.r.t. params', () => {
    const xs = random.normal(random.key(13), [2, 4, 3], 'float64');
    for (const cell of [nn.lstmCell(3, { paramDtype: 'float64' }), nn.gruCell(3, { paramDtype: 'float64' })]) {
      const layer = nn.rnn(cell as nn.Cell);
      const { params } = layer.init(key, xs.shape);
      checkGrad((p: unknown) => np.sum(np.sin(layer.apply(p, xs))), [params]);
    }
  });
  it('multi-head attention w.r.t. params and input (causal)', () => {
    const mha = nn.multiHeadAttention(2, { paramDtype: 'float64' });
    const xs = random.normal(random.key(14), [2, 3, 4], 'float64');
    const { params } = mha.init(key, xs.shape);
    checkGrad((p: nn.MultiHeadAttentionParams) => np.sum(np.sin(mha.apply(p, xs, { causal: true }))), [params]);
    checkGrad((x: Array) => np.sum(np.sin(mha.apply(params, x, { causal: true }))), [xs]);
  });
});

describe('training', () => {
  it('a jitted MLP training loop with adam reduces the loss on XOR-like data', () => {
    const n = 32;
    const x = random.uniform(random.key(21), [n, 2], 'float32', -1, 1);
    const labels = np.astype(np.greater(np.multiply(np.index(x, ':', 0), np.index(x, ':', 1)), 0), 'int32');
    const model = nn.sequential(nn.dense(16), nn.tanh, nn.dense(2));
    const { params } = model.init(random.key(22), [-1, 2]);
    const opt = optim.chain(optim.clipByGlobalNorm(5), optim.adam(0.05));
    const lossFn = (p: unknown[]) => nn.categoricalCrossEntropy(model.apply(p, x), labels);
    const step = jit((p: unknown[], s: unknown) => {
      const [l, g] = valueAndGrad(lossFn)(p);
      const [u, s2] = opt.update(g, s as unknown[], p);
      return [optim.applyUpdates(p, u), s2, l] as const;
    });
    let p: unknown[] = params;
    let s: unknown = opt.init(params);
    const losses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const [p2, s2, l] = step(p, s) as unknown as [unknown[], unknown, Array];
      p = p2;
      s = s2;
      losses.push(l.item() as number);
    }
    expect(step.traceCount).toBe(1);
    expect(losses[0]).toBeGreaterThan(0.5);
    expect(losses[39]!).toBeLessThan(losses[0]! * 0.5);
    expect(nn.accuracy(model.apply(p, x), labels).item()).toBeGreaterThan(0.85);
  });
  it('a jitted CNN step with batchNorm (train mode state) and dropout (per-step keys)', () => {
    const x = random.normal(random.key(31), [8, 6, 6, 1]);
    const labels = np.astype(np.greater(np.mean(x, [1, 2, 3]), 0), 'int32');
    const model = nn.sequential(
      nn.conv2d(4, 3, { padding: 'SAME' }), nn.batchNorm(), nn.relu, nn.globalAvgPool(), nn.dropout(0.1), nn.dense(2),
    );
    const { params, state } = model.init(random.key(32), [-1, 6, 6, 1]);
    const opt = optim.sgd(0.1, { momentum: 0.9 });
    const step = jit((p: unknown[], st: unknown[], os: unknown, k: Array) => {
      const lossFn = (q: unknown[]) => nn.categoricalCrossEntropy(model.applyWithState(q, st, x, { train: true, key: k })[0], labels);
      // the new running statistics come from a second forward pass (same key, same dropout mask); returning
      // them as valueAndGrad's aux would be cheaper, but hasAux currently leaks tracers under jit (reported)
      const st2 = model.applyWithState(p, st, x, { train: true, key: k })[1];
      const [l, g] = valueAndGrad(lossFn)(p);
      const [u, os2] = opt.update(g, os as unknown[], p);
      return [optim.applyUpdates(p, u), st2, os2, l] as const;
    });
    let p: unknown[] = params, st: unknown[] = state, os: unknown = opt.init(params);
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = step(p, st, os, random.foldIn(random.key(33), i)) as unknown as [unknown[], unknown[], unknown, Array];
      [p, st, os] = r;
      losses.push(r[3].item() as number);
    }
    expect(step.traceCount).toBe(1);
    expect(losses[7]!).toBeLessThan(losses[0]!);
    expect(vals((st[1] as nn.BatchNormState).mean).every((m) => Number.isFinite(m) && m !== 0)).toBe(true);
  });
  it('tree.map-based SGD equals optim.sgd', () => {
    const p = { w: f64v([1, 2]) };
    const g = { w: f64v([0.5, -0.5]) };
    const [u] = optim.sgd(0.1).update(g, optim.sgd(0.1).init(p));
    const manual = treeMap((a: Array, b: Array) => np.subtract(a, np.multiply(b, 0.1)), p, g) as typeof p;
    close(optim.applyUpdates(p, u).w, vals(manual.w), 1e-7);
    void lax;
  });
});

describe('batchNorm inside sequential without a state', () => {
  const model = nn.sequential(nn.dense(4), nn.batchNorm(), nn.relu);
  const { params } = model.init(random.key(0), [-1, 3]);
  const x = random.normal(random.key(1), [5, 3]);
  it('train mode normalises with the batch statistics (each feature: mean 0 before the relu)', () => {
    const pre = nn.sequential(nn.dense(4), nn.batchNorm());
    const y = pre.apply(params.slice(0, 2), x, { train: true });
    const m = [...(np.mean(y, 0).dataSync() as Float32Array)];
    for (const v of m) expect(Math.abs(v)).toBeLessThan(1e-5);
    expect(model.apply(params, x, { train: true }).shape).toEqual([5, 4]);
  });
  it('eval mode says it needs the running statistics', () => {
    expect(() => model.apply(params, x)).toThrow(/nn.batchNorm: eval mode .* needs the running statistics/);
  });
});
