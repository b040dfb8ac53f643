// nn blocks: torchvision-style residual blocks (basic, bottleneck) and stacked / bidirectional RNNs against PyTorch 1.13 with copied weights, their state, dropout keys and gradients.
//
// Expected numbers: test/fixtures/nn/torch-extra.json ("resnet", "stackedRnn"), written by scripts/gen-nn-fixtures.py in
// float64 (the residual blocks are torchvision's BasicBlock/Bottleneck written out as torch modules). Gradients are
// checked against finite differences in float64 with laws' checkGrads.
import { describe, expect, it } from 'vitest';
import { checkGrads } from '../laws/index.js';
import type { Array } from '../src/core/trace.js';
import * as nn from '../src/nn/index.js';
import * as np from '../src/nn/np.js';
import * as random from '../src/random/index.js';
import { jit } from '../src/transforms/jit.js';
import { type FArr, close, f64, loadFixture, vals } from './nn-util.js';

const X = loadFixture('torch-extra.json');
const key = random.key(0);
type SD = Record<string, FArr>;

// --- torch state_dict -> residual block params/state ------------------------------------------------------
interface BlockCase {
  x: FArr;
  state: SD;
  yEval: FArr;
  yTrain: FArr;
  running: Record<string, { mean: FArr; varBiased: FArr }>;
}
const nhwc = (a: Array) => np.transpose(a, [0, 2, 3, 1]);
const nchw = (a: Array) => np.transpose(a, [0, 3, 1, 2]);
function blockFromTorch(sd: SD, stages: string[], last: boolean): { params: nn.ResidualBlockParams; state: nn.ResidualBlockState } {
  // OIHW kernels stay as they are for channelsFirst, become HWIO for channelsLast
  const kernel = (k: string) => (last ? np.transpose(f64(sd[k]!), [2, 3, 1, 0]) : f64(sd[k]!));
  const bn = (p: string) => ({ scale: f64(sd[`${p}.weight`]!), bias: f64(sd[`${p}.bias`]!) });
  const bs = (p: string) => ({ mean: f64(sd[`${p}.running_mean`]!), var: f64(sd[`${p}.running_var`]!) });
  const hasShortcut = 'downsample.0.weight' in sd;
  return {
    params: {
      stages: stages.map((i) => ({ conv: { w: kernel(`conv${i}.weight`), b: null }, bn: bn(`bn${i}`) })),
      shortcut: hasShortcut ? { conv: { w: kernel('downsample.0.weight'), b: null }, bn: bn('downsample.1') } : null,
    },
    state: { stages: stages.map((i) => bs(`bn${i}`)), shortcut: hasShortcut ? bs('downsample.1') : null },
  };
}

describe('residual blocks against torchvision-style modules', () => {
  const cases: [string, string[], () => nn.Layer<nn.ResidualBlockParams, nn.ResidualBlockState>, boolean][] = [
    ['basicIdentity', ['1', '2'], () => nn.basicBlock(4, { batchNorm: { momentum: 0.9 } }), true],
    ['basicProjection', ['1', '2'], () => nn.basicBlock(4, { strides: 2, batchNorm: { momentum: 0.9 } }), true],
    ['bottleneck', ['1', '2', '3'], () => nn.bottleneckBlock(2, { strides: 2, layout: 'channelsFirst', batchNorm: { momentum: 0.9 } }), false],
  ];
  for (const [name, stages, make, last] of cases) {
    it(`${name} (${last ? 'NHWC' : 'NCHW'}): eval mode, training mode, running statistics`, () => {
      const c = X.resnet[name] as BlockCase;
      const block = make();
      const { params, state } = blockFromTorch(c.state, stages, last);
      const x = last ? nhwc(f64(c.x)) : f64(c.x);
      const back = (y: Array) => (last ? nchw(y) : y);
      // init builds the same tree: stage count, kernel shapes, whether there is a projection shortcut
      const init = block.init(key, x.shape);
      expect(init.params.stages.map((s) => s.conv.w.shape)).toEqual(params.stages.map((s) => s.conv.w.shape));
      expect(init.params.shortcut === null).toBe(params.shortcut === null);
      expect(init.outputShape).toEqual(last ? [c.yEval.shape[0], c.yEval.shape[2], c.yEval.shape[3], c.yEval.shape[1]] : c.yEval.shape);
      close(back(block.apply(params, x, { state })), c.yEval, 1e-10, 1e-11, 'eval');
      const [yTrain, s2] = block.applyWithState(params, state, x, { train: true });
      close(back(yTrain), c.yTrain, 1e-10, 1e-11, 'train');
      // apply in training mode needs no state and gives the same output
      close(back(block.apply(params, x, { train: true })), c.yTrain, 1e-10, 1e-11, 'train without state');
      stages.forEach((i, k) => {
        close(s2.stages[k]!.mean, c.running[`bn${i}`]!.mean, 1e-10, 1e-12, `bn${i} mean`);
        close(s2.stages[k]!.var, c.running[`bn${i}`]!.varBiased, 1e-10, 1e-12, `bn${i} var`);
      });
      if (s2.shortcut) close(s2.shortcut.var, c.running['downsample.1']!.varBiased, 1e-10, 1e-12, 'shortcut var');
      expect(() => block.apply(params, x)).toThrow(/running statistics/);
    });
  }

  it('options: a forced projection, zero-initialised residual (the block starts as relu(shortcut)), errors', () => {
    const x = random.normal(random.key(1), [2, 4, 4, 3], 'float64');
    const proj = nn.basicBlock(3, { projection: true, zeroInitResidual: true, paramDtype: 'float64' });
    const { params, state } = proj.init(key, x.shape);
    expect(params.shortcut).not.toBeNull();
    expect(vals(params.stages[1]!.bn.scale!)).toEqual([0, 0, 0]);
    const sc = params.shortcut!;
    // with a zero last scale (and zero bias) the residual branch is 0: y = relu(bn(conv1x1(x)))
    const conv = nn.conv2d(3, 1, { useBias: false });
    const want = nn.relu(nn.batchNorm().apply(sc.bn, conv.apply(sc.conv, x), { state: state.shortcut! }));
    close(proj.apply(params, x, { state }), vals(want), 1e-12, 1e-14);
    const plain = nn.basicBlock(3);
    expect(plain.init(key, x.shape).params.shortcut).toBeNull();
    const p4 = nn.basicBlock(4).init(key, [-1, 4, 4, 4]).params;
    expect(() => nn.basicBlock(4).apply(p4, np.ones([2, 4, 4, 3]), { train: true })).toThrow(/channels/);
    // the he-normal fan-out initialisation: std √(2 / (3·3·features))
    const w = nn.basicBlock(32).init(key, [-1, 4, 4, 32]).params.stages[0]!.conv.w;
    const sd = Math.sqrt(vals(np.mean(np.square(w)))[0]!);
    expect(sd).toBeGreaterThan(0.9 * Math.sqrt(2 / (9 * 32)));
    expect(sd).toBeLessThan(1.1 * Math.sqrt(2 / (9 * 32)));
  });

  it('blocks compose in sequential, thread batchNorm state, and jit', () => {
    const model = nn.sequential(nn.conv2d(4, 3, { padding: 1 }), nn.basicBlock(4), nn.basicBlock(8, { strides: 2 }), nn.globalAvgPool(), nn.dense(2));
    const { params, state, outputShape } = model.init(key, [-1, 6, 6, 1]);
    expect(outputShape).toEqual([-1, 2]);
    const x = random.normal(random.key(2), [3, 6, 6, 1]);
    const f = jit((p: unknown[], s: unknown[], xx: Array) => model.applyWithState(p, s, xx, { train: true }));
    const [y, s2] = f(params, state, x) as unknown as [Array, unknown[]];
    expect(y.shape).toEqual([3, 2]);
    const bs = s2[2] as nn.ResidualBlockState;
    expect(vals(bs.shortcut!.mean).some((m) => m !== 0)).toBe(true);
    close(model.apply(params, x, { state: s2 }), vals(model.apply(params, x, { state: s2 })), 0, 0);
  });

  it('gradients in training mode w.r.t. params and input (float64)', () => {
    const x = random.normal(random.key(3), [2, 4, 4, 2], 'float64');
    const block = nn.basicBlock(3, { strides: 2, paramDtype: 'float64' });
    const { params, state } = block.init(key, x.shape);
    const w = random.normal(random.key(4), [2, 2, 2, 3], 'float64');
    checkGrads(
      (p: nn.ResidualBlockParams, xx: Array) => np.sum(np.multiply(block.applyWithState(p, state, xx, { train: true })[0], w)),
      [params, x], { order: 1, modes: ['rev'] },
    );
  });
});

// --- stacked RNNs -------------------------------------------------------------------------------------------
interface RnnCase {
  numLayers: number;
  bidirectional: boolean;
  state: SD;
  y: FArr;
  hN: FArr;
  cN?: FArr;
}
const tr = (a: FArr) => np.transpose(f64(a));
function cellParams(kind: string, sd: SD, suffix: string): unknown {
  const wi = tr(sd[`weight_ih_${suffix}`]!), wh = tr(sd[`weight_hh_${suffix}`]!);
  const bi = f64(sd[`bias_ih_${suffix}`]!), bh = f64(sd[`bias_hh_${suffix}`]!);
  return kind === 'gru' ? { wi, wh, bi, bh } : { wi, wh, b: np.add(bi, bh) };
}
function stackFromTorch(kind: string, c: RnnCase): nn.StackedRnnParams<any> {
  return globalThis.Array.from({ length: c.numLayers }, (_, l) =>
    c.bidirectional ? { forward: cellParams(kind, c.state, `l${l}`), backward: cellParams(kind, c.state, `l${l}_reverse`) } : cellParams(kind, c.state, `l${l}`),
  );
}

describe('stacked RNNs against torch (num_layers, bidirectional)', () => {
  const R = X.stackedRnn;
  const x = f64(R.x);
  const cells: Record<string, [string, () => nn.Cell]> = {
    lstm2bi: ['lstm', () => nn.lstmCell(4)],
    gru3: ['gru', () => nn.gruCell(4)],
    rnn2bi: ['rnn', () => nn.simpleRnnCell(4)],
  };
  for (const [name, [kind, make]] of Object.entries(cells)) {
    it(`${name}: outputs and every layer's final state`, () => {
      const c = R[name] as RnnCase;
      const layer = nn.stackedRnn(make(), { numLayers: c.numLayers, bidirectional: c.bidirectional });
      const params = stackFromTorch(kind, c);
      const init = layer.init(key, R.x.shape);
      expect(init.outputShape).toEqual(c.y.shape);
      expect(init.params.length).toBe(c.numLayers);
      // layer 1 of a bidirectional stack reads 2·hidden features
      const p1 = init.params[1] as { forward?: { wi: Array }; wi?: Array };
      expect((p1.forward?.wi ?? p1.wi)!.shape).toEqual([c.bidirectional ? 8 : 4, kind === 'lstm' ? 16 : kind === 'gru' ? 12 : 4]);
      const [carries, y] = layer.applyCarry(params, x);
      close(y, c.y, 1e-10, 1e-12, 'y');
      // h_n is [layers · directions, N, H], layer-major
      const hOf = (cc: unknown) => (kind === 'lstm' ? (cc as nn.LstmCarry).h : (cc as Array));
      const hs = carries.flatMap((cc) => (c.bidirectional ? [hOf((cc as nn.BidirectionalParams<unknown>).forward), hOf((cc as nn.BidirectionalParams<unknown>).backward)] : [hOf(cc)]));
      close(np.stack(hs), c.hN, 1e-10, 1e-12, 'h_n');
      if (c.cN) {
        const cs = carries.flatMap((cc) => [(cc as nn.BidirectionalParams<nn.LstmCarry>).forward.c, (cc as nn.BidirectionalParams<nn.LstmCarry>).backward.c]);
        close(np.stack(cs), c.cN, 1e-10, 1e-12, 'c_n');
      }
    });
  }

  it('returnSequences: false gives the final hidden states (forward at T-1, backward at 0)', () => {
    const c = R.lstm2bi as RnnCase;
    const params = stackFromTorch('lstm', c);
    const last = nn.stackedRnn(nn.lstmCell(4), { numLayers: 2, bidirectional: true, returnSequences: false });
    expect(last.init(key, R.x.shape).outputShape).toEqual([2, 8]);
    const y = f64(c.y);
    const want = np.concatenate([np.index(y, ':', -1, ':4'), np.index(y, ':', 0, '4:')], -1);
    close(last.apply(params, x), vals(want), 1e-10, 1e-12);
    // one layer is the plain rnn layer
    const one = nn.stackedRnn(nn.gruCell(3), { numLayers: 1 });
    const { params: p1 } = one.init(key, [-1, 5, 3]);
    close(one.apply(p1, x), vals(nn.rnn(nn.gruCell(3)).apply(p1[0] as nn.GruParams, x)), 1e-12, 1e-14);
  });

  it('inter-layer dropout: only in training mode, from the key, never after the last layer', () => {
    const layer = nn.stackedRnn(nn.gruCell(4, { paramDtype: 'float64' }), { numLayers: 2, dropoutRate: 0.5 });
    const { params } = layer.init(key, [-1, 5, 3]);
    const e = vals(layer.apply(params, x));
    const a = vals(layer.apply(params, x, { train: true, key: random.key(5) }));
    expect(a).not.toEqual(e);
    expect(vals(layer.apply(params, x, { train: true, key: random.key(5) }))).toEqual(a);
    // the same as running layer 0, dropping its outputs with foldIn(key, 0), then layer 1
    const r = nn.rnn(nn.gruCell(4));
    const [p0, p1] = params as nn.GruParams[];
    const h0 = nn.dropoutWithKey(r.apply(p0!, x), 0.5, random.foldIn(random.key(5), 0));
    close(r.apply(p1!, h0), a, 1e-12, 1e-14);
    expect(() => layer.apply(params, x, { train: true })).toThrow(/PRNG key/);
    // with one layer there is nothing to drop
    const single = nn.stackedRnn(nn.gruCell(4, { paramDtype: 'float64' }), { numLayers: 1, dropoutRate: 0.5 });
    const ps = single.init(key, [-1, 5, 3]).params;
    expect(vals(single.apply(ps, x, { train: true, key: random.key(5) }))).toEqual(vals(single.apply(ps, x)));
  });

  it('gradients through a bidirectional 2-layer LSTM (float64)', () => {
    const layer = nn.stackedRnn(nn.lstmCell(2, { paramDtype: 'float64' }), { numLayers: 2, bidirectional: true });
    const xs = random.normal(random.key(6), [2, 3, 2], 'float64');
    const { params } = layer.init(key, xs.shape);
    checkGrads((p: nn.StackedRnnParams<nn.LstmParams>, xx: Array) => np.sum(np.sin(layer.apply(p, xx))), [params, xs], { order: 1, modes: ['rev'] });
  });
});
