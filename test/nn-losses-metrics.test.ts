// nn losses (focal, metric learning, VAE ELBO terms, masked cross-entropy) against PyTorch 1.13 / numpy, metrics (ROC AUC, top-k, RMSE, MAPE, R², IoU, Dice, perplexity) against scikit-learn, gradients against finite differences.
//
// Expected numbers: test/fixtures/nn/torch-extra.json ("losses": torch.nn losses and torch.distributions, torchvision's
// sigmoid_focal_loss formula and the multi-class focal / contrastive losses in numpy) and test/fixtures/nn/sklearn.json
// (sklearn.metrics), both written by scripts/gen-nn-fixtures.py. Gradients: laws' checkGrads in float64.
import { describe, expect, it } from 'vitest';
import { checkGrads } from '../laws/index.js';
import type { Array } from '../src/core/trace.js';
import * as nn from '../src/nn/index.js';
import * as np from '../src/nn/np.js';
import * as random from '../src/random/index.js';
import { grad } from '../src/transforms/grad.js';
import { jit } from '../src/transforms/jit.js';
import { vmap } from '../src/transforms/vmap.js';
import { bool, close, f64, f64v, i32, loadFixture, vals } from './nn-util.js';

const L = loadFixture('torch-extra.json').losses;
const S = loadFixture('sklearn.json');
const rev = { order: 1, modes: ['rev'] as const };

describe('focal losses', () => {
  const F = L.focal;
  const x = f64(F.x), y = f64(F.y);
  it('sigmoid focal loss against torchvision.ops.sigmoid_focal_loss', () => {
    close(nn.sigmoidFocalLoss(x, y), F.sigmoidDefault, 1e-12, 1e-15);
    close(nn.sigmoidFocalLoss(x, y, { alpha: null, gamma: 1.5, reduction: 'none' }), F.sigmoidNoAlphaGamma15None, 1e-10, 1e-15);
    close(nn.sigmoidFocalLoss(x, y, { alpha: 0.6, gamma: 0, reduction: 'sum' }), F.sigmoidAlpha06Gamma0Sum, 1e-12);
    // γ = 0 without α is the binary cross-entropy
    close(nn.sigmoidFocalLoss(x, y, { alpha: null, gamma: 0 }), vals(nn.binaryCrossEntropy(x, y)), 1e-14);
  });
  it('sigmoid focal loss stays finite, with exact tiny values and gradients, at ±100', () => {
    const big = f64v([100, -100, 40]), lab = f64v([1, 0, 1]);
    // 1 - p_t = σ(-|x|) ≈ e^-|x|, so the loss is ≈ α·e^-3|x|·e^-|x| (torchvision's 1 - p_t rounds to 0 here)
    const l = vals(nn.sigmoidFocalLoss(big, lab, { reduction: 'none' }));
    l.forEach((v, i) => {
      const a = [100, 100, 40][i]!, alpha = i === 1 ? 0.75 : 0.25;
      expect(v / (alpha * Math.exp(-3 * a))).toBeCloseTo(1, 10);
    });
    const g = vals(grad((z: Array) => nn.sigmoidFocalLoss(z, lab, { reduction: 'sum' }))(big));
    expect(g.every(Number.isFinite)).toBe(true);
  });
  it('softmax focal loss against numpy; γ = 0 is the cross-entropy', () => {
    const sx = f64(F.smX), sy = i32(F.smY);
    close(nn.softmaxFocalLoss(sx, sy), F.softmaxGamma2, 1e-12);
    close(nn.softmaxFocalLoss(sx, sy, { gamma: 1.5, alpha: f64(F.smAlpha), reduction: 'none' }), F.softmaxGamma15AlphaNone, 1e-12);
    close(nn.softmaxFocalLoss(sx, sy, { gamma: 0 }), F.softmaxGamma0, 1e-12);
    close(nn.softmaxFocalLoss(sx, sy, { gamma: 0 }), F.ce, 1e-12);
    // one-hot float targets give the same as integer labels; the class axis can be moved
    close(nn.softmaxFocalLoss(sx, nn.oneHot(sy, 4, 'float64')), F.softmaxGamma2, 1e-12);
    close(nn.softmaxFocalLoss(np.transpose(sx), sy, { axis: 0 }), F.softmaxGamma2, 1e-12);
    expect(() => nn.softmaxFocalLoss(sx, sy, { alpha: f64v([1, 2]) })).toThrow(/one weight per class \(4\)/);
    expect(() => nn.softmaxFocalLoss(sx, sy, { gamma: -1 })).toThrow(/gamma/);
  });
  it('gradients', () => {
    checkGrads((z: Array) => nn.sigmoidFocalLoss(z, y), [x], rev);
    checkGrads((z: Array) => nn.sigmoidFocalLoss(z, y, { gamma: 1.5, alpha: null }), [x], rev);
    checkGrads((z: Array) => nn.softmaxFocalLoss(z, i32(F.smY), { gamma: 2, alpha: f64(F.smAlpha) }), [f64(F.smX)], rev);
  });
});

describe('metric-learning losses', () => {
  const Tr = L.triplet;
  const a = f64(Tr.a), p = f64(Tr.p), n = f64(Tr.n);
  it('pairwise distance and the triplet margin loss against torch', () => {
    close(nn.pairwiseDistance(a, p), Tr.pairwise, 1e-12);
    close(nn.pairwiseDistance(a, p, { p: 3 }), Tr.pairwiseP3, 1e-12);
    close(nn.tripletMarginLoss(a, p, n, { margin: 0.5 }), Tr.m05, 1e-12);
    close(nn.tripletMarginLoss(a, p, n, { p: 1, swap: true, reduction: 'none' }), Tr.p1SwapNone, 1e-12, 1e-14);
    expect(vals(nn.pairwiseDistance(f64v([0, 0], [1, 2]), f64v([3, 4], [1, 2]), { eps: 0, p: Infinity }))).toEqual([4]);
  });
  it('cosine embedding loss against torch, contrastive loss against numpy', () => {
    const C = L.cosine;
    close(nn.cosineEmbeddingLoss(f64(C.x1), f64(C.x2), i32(C.y), { margin: 0.1 }), C.m01, 1e-12);
    close(nn.cosineEmbeddingLoss(f64(C.x1), f64(C.x2), i32(C.y), { reduction: 'none' }), C.none, 1e-12, 1e-15);
    const K = L.contrastive;
    close(nn.contrastiveLoss(a, p, i32(K.y), { margin: 3 }), K.m3, 1e-12);
    close(nn.contrastiveLoss(a, p, i32(K.y), { margin: 3, reduction: 'none' }), K.m3None, 1e-12);
    expect(() => nn.contrastiveLoss(a, p, i32({ shape: [2], data: [1, 0] }))).toThrow(/one entry per pair/);
  });
  it('gradients, finite also for identical embeddings', () => {
    checkGrads((u: Array, v: Array, w: Array) => nn.tripletMarginLoss(u, v, w, { margin: 2 }), [a, p, n], rev);
    checkGrads((u: Array, v: Array) => nn.tripletMarginLoss(u, v, n, { p: 3, margin: 2 }), [a, p], rev);
    checkGrads((u: Array, v: Array) => nn.cosineEmbeddingLoss(u, v, i32(L.cosine.y), { margin: -0.5 }), [a, p], rev);
    checkGrads((u: Array, v: Array) => nn.contrastiveLoss(u, v, i32(L.contrastive.y), { margin: 3 }), [a, p], rev);
    const same = vals(grad((u: Array) => nn.contrastiveLoss(u, a, i32({ shape: [6], data: [0, 0, 0, 1, 1, 1] })))(a));
    expect(same.every(Number.isFinite)).toBe(true);
  });
});

describe('VAE ELBO pieces', () => {
  const V = L.vae;
  it('Gaussian KL to N(0, I) and the Bernoulli / Gaussian log-likelihoods against torch.distributions', () => {
    const mu = f64(V.mu), lv = f64(V.logVar);
    close(nn.gaussianKl(mu, lv, { reduction: 'none' }), V.klNone, 1e-12);
    close(nn.gaussianKl(mu, lv), V.kl, 1e-12);
    close(nn.gaussianKl(np.zeros([2, 3], 'float64'), np.zeros([2, 3], 'float64')), 0);
    close(nn.bernoulliLogLikelihood(f64(V.imgLogits), f64(V.img), { reduction: 'none' }), V.bernoulliNone, 1e-12);
    close(nn.gaussianLogLikelihood(f64(V.gMean), f64(V.gX), { logVar: f64(V.gLogVar), reduction: 'none' }), V.gaussianNone, 1e-12);
    close(nn.gaussianLogLikelihood(f64(V.gMean), f64(V.gX)), V.gaussianUnit, 1e-12);
    // eventDims: 1 sums over the last axis only, so summing those gives the default's per-example values
    const perRow = nn.gaussianKl(mu, lv, { eventDims: 0, reduction: 'none' });
    close(np.sum(perRow, 1), V.klNone, 1e-12);
    // one example under vmap (rank 1) sums over all its axes
    close(vmap((m: Array, l: Array) => nn.gaussianKl(m, l))(mu, lv), V.klNone, 1e-12);
    expect(() => nn.gaussianKl(mu, lv, { eventDims: 3 })).toThrow(/eventDims/);
  });
  it('reparameterize: moments of z, and dz/dμ = 1, dz/dlogVar = ½(z - μ)', () => {
    const mu = f64v([1, -2]), lv = f64v([0, Math.log(4)]);
    const zs = vmap((k: Array) => nn.reparameterize(k, mu, lv))(random.split(random.key(1), 4000));
    close(np.mean(zs, 0), [1, -2], 0, 0.1);
    close(np.std(zs, 0), [1, 2], 0.05, 0);
    const k = random.key(2);
    const z = nn.reparameterize(k, mu, lv);
    close(grad((m: Array) => np.sum(nn.reparameterize(k, m, lv)))(mu), [1, 1], 1e-12);
    close(grad((l: Array) => np.sum(nn.reparameterize(k, mu, l)))(lv), vals(np.multiply(np.subtract(z, mu), 0.5)), 1e-12);
  });
  it('a whole negative ELBO differentiates (finite differences)', () => {
    const img = f64(V.img);
    const negElbo = (mu: Array, lv: Array, w: Array) => {
      const z = nn.reparameterize(random.key(3), mu, lv); // [3, 4]
      const logits = np.reshape(np.matmul(z, w), [3, 2, 3]);
      return np.subtract(nn.gaussianKl(mu, lv), nn.bernoulliLogLikelihood(logits, img));
    };
    checkGrads(negElbo, [f64(V.mu), f64(V.logVar), random.normal(random.key(4), [4, 6], 'float64')], rev);
    checkGrads((m: Array, x: Array, l: Array) => nn.gaussianLogLikelihood(m, x, { logVar: l }), [f64(V.gMean), f64(V.gX), f64(V.gLogVar)], rev);
  });
});

describe('masked cross-entropy and perplexity', () => {
  const M = L.lm;
  it('a padding mask matches torch ignore_index; perplexity is exp of it', () => {
    const logits = f64(M.logits), y = i32(M.labels), mask = bool(M.mask);
    close(nn.categoricalCrossEntropy(logits, y, { mask }), M.ce, 1e-12);
    close(nn.categoricalCrossEntropy(logits, y, { mask: i32(M.mask) }), M.ce, 1e-12);
    close(nn.perplexity(logits, y, { mask }), M.perplexity, 1e-12);
    close(nn.perplexity(f64v([Math.log(20)], [])), 20, 1e-12);
    close(nn.perplexity(np.transpose(logits, [0, 2, 1]), y, { mask, axis: 1 }), M.perplexity, 1e-12);
    expect(() => nn.categoricalCrossEntropy(logits, y, { mask: bool({ shape: [2], data: [1, 1] }) })).toThrow(/per-example loss shape/);
    checkGrads((z: Array) => nn.categoricalCrossEntropy(z, y, { mask, labelSmoothing: 0.1 }), [logits], rev);
  });
});

// ---------------------------------------------------------------------------------------------

describe('metrics against scikit-learn', () => {
  it('rocAuc with many tied scores and with continuous scores', () => {
    const R = S.rocAuc;
    close(nn.rocAuc(f64(R.tied), i32(R.labels)), R.aucTied, 1e-12);
    close(nn.rocAuc(f64(R.cont), i32(R.labels)), R.aucCont, 1e-12);
    close(nn.rocAuc(f64(R.tied), np.astype(i32(R.labels), 'bool')), R.aucTied, 1e-12);
    // invariant under a monotone map of the scores and under permutations of the examples; jits
    close(nn.rocAuc(np.exp(f64(R.tied)), i32(R.labels)), R.aucTied, 1e-12);
    const perm = random.permutation(random.key(1), 30);
    close(jit(nn.rocAuc)(np.take(f64(R.tied), perm), np.take(i32(R.labels), perm)), R.aucTied, 1e-12);
    close(nn.rocAuc(f64v([0.1, 0.4, 0.35, 0.8]), i32({ shape: [4], data: [0, 0, 1, 1] })), 0.75, 1e-12);
    close(nn.rocAuc(f64v([0.5, 0.5, 0.5]), i32({ shape: [3], data: [0, 1, 1] })), 0.5, 1e-12);
    expect(Number.isNaN(nn.rocAuc(f64v([0.1, 0.2]), i32({ shape: [2], data: [1, 1] })).item())).toBe(true);
  });
  it('topKAccuracy with ties broken as scikit-learn does', () => {
    const K = S.topK;
    close(nn.topKAccuracy(f64(K.scores), i32(K.labels), 1), K.k1, 1e-7);
    close(nn.topKAccuracy(f64(K.scores), i32(K.labels), 2), K.k2, 1e-7);
    close(nn.topKAccuracy(f64(K.scores), i32(K.labels), 3), K.k3, 1e-7);
    close(nn.topKAccuracy(f64(K.scores), i32(K.labels), 5), 1, 0);
    close(nn.topKAccuracy(f64v([0.1, 0.5, 0.4, 0.7, 0.2, 0.1], [2, 3]), i32({ shape: [2], data: [2, 2] }), 2), 0.5, 1e-7);
  });
  it('rmse, mape and r2: single and multi-output', () => {
    const G = S.regression;
    const t = f64(G.t), p = f64(G.p);
    const col = (a: Array, j: number) => np.index(a, ':', j);
    close(nn.rmse(col(p, 0), col(t, 0)), G.rmse1, 1e-12);
    close(nn.rmse(p, t, { multioutput: 'rawValues' }), G.rmseRaw, 1e-12);
    close(nn.rmse(p, t), G.rmseAvg, 1e-12);
    close(nn.mape(col(p, 1), col(t, 1)), G.mape1, 1e-12);
    close(nn.mape(p, t), G.mapeAvg, 1e-12);
    close(nn.r2(col(p, 0), col(t, 0)), G.r21, 1e-12);
    close(nn.r2(p, t, { multioutput: 'rawValues' }), G.r2Raw, 1e-12);
    close(nn.r2(p, t), G.r2Avg, 1e-12);
    close(nn.r2(f64(G.constP), f64(G.constT), { multioutput: 'rawValues' }), G.r2ConstRaw, 1e-12);
    expect(() => nn.rmse(p, col(t, 0))).toThrow(/same shape/);
  });
  it('iou and dice of segmentation maps: per class, macro, micro, weighted, binary', () => {
    const G = S.segmentation;
    const y = i32(G.labels), yp = i32(G.preds);
    const o = { numClasses: 4 };
    close(nn.iou(yp, y, { ...o, average: 'none' }), G.iouNone, 1e-6);
    close(nn.iou(yp, y, o), G.iouMacro, 1e-6);
    close(nn.iou(yp, y, { ...o, average: 'micro' }), G.iouMicro, 1e-6);
    close(nn.iou(yp, y, { ...o, average: 'weighted' }), G.iouWeighted, 1e-6);
    close(nn.dice(yp, y, { ...o, average: 'none' }), G.diceNone, 1e-6);
    close(nn.dice(yp, y, o), G.diceMacro, 1e-6);
    close(nn.iou(i32(G.binaryPreds), i32(G.binaryLabels)), G.iouBinary, 1e-6);
    close(nn.dice(i32(G.binaryPreds), i32(G.binaryLabels)), G.diceBinary, 1e-6);
    // logits with a class axis are argmaxed
    close(nn.iou(nn.oneHot(yp, 4), y, { ...o, average: 'none' }), G.iouNone, 1e-6);
  });
  it('iou/dice: an absent class is NaN and skipped by the mean; ignore labels are not counted', () => {
    const y = i32({ shape: [2, 3], data: [0, 0, 1, 1, 255, 255] });
    const p = i32({ shape: [2, 3], data: [0, 1, 1, 1, 0, 2] });
    // class 0: tp 1, fp 0 (the 255 pixels are ignored), fn 1 -> 1/2; class 1: tp 2, fp 1 -> 2/3; class 2: no label, no
    // prediction at a counted pixel -> NaN; mIoU = (1/2 + 2/3) / 2
    close(nn.iou(p, y, { numClasses: 3, average: 'none' }), [0.5, 2 / 3, NaN], 1e-6);
    close(nn.iou(p, y, { numClasses: 3 }), (0.5 + 2 / 3) / 2, 1e-6);
    close(nn.dice(p, y, { numClasses: 3, average: 'none' }), [2 / 3, 0.8, NaN], 1e-6);
    close(jit((a: Array, b: Array) => nn.dice(a, b, { numClasses: 3 }))(p, y), (2 / 3 + 0.8) / 2, 1e-6);
  });
});
