// Recurrent cells (simple RNN, LSTM, GRU with PyTorch's gate layout) and sequence layers that run them with lax.scan: single, bidirectional and stacked.
import { fmtShape } from '../core/aval.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { scan } from '../transforms/controlFlow.js';
import type { Key } from '../random/index.js';
import { type FloatDType, type Initializer, lecunNormal, orthogonal, zeros as zerosInit } from './initializers.js';
import { type CallOptions, type Layer, type ParamOptions, checkInputShape, splitKeys } from './module.js';
import * as random from '../random/index.js';
import { dropoutWithKey } from './layers.js';
import { sigmoid } from './activations.js';
import { add, concatenate, full, matmul, multiply, split, subtract, swapaxes, tanh } from './np.js';

/**
 * A recurrent cell: `apply(params, carry, x) -> [newCarry, output]` for one time step of a batch
 * x [..., features]. `rnn` scans it over a sequence.
 * @example
 * const cell = nn.lstmCell(32);
 * const params = cell.init(random.key(0), 8);
 * const [carry, h] = cell.apply(params, cell.initialCarry([4]), x); // x: [4, 8]
 */
export interface Cell<P = any, C = any> {
  readonly name: string;
  readonly hiddenSize: number;
  /** Params for inputs with `inputFeatures` features. */
  init(key: Key, inputFeatures: number): P;
  /** A zero carry for a batch of shape `batchShape`. */
  initialCarry(batchShape: readonly number[], dtype?: FloatDType): C;
  apply(params: P, carry: C, x: Array): [C, Array];
}

/** Options of the cells. */
export interface CellOptions extends ParamOptions {
  /** Input kernel initializer. Default lecunNormal. */
  readonly kernelInit?: Initializer;
  /** Recurrent kernel initializer. Default orthogonal. */
  readonly recurrentInit?: Initializer;
  /** Default zeros. */
  readonly biasInit?: Initializer;
}

const checkHidden = (op: string, h: number) => {
  if (!Number.isInteger(h) || h < 1) throw new RangeError(`nn.${op}: hiddenSize must be a positive integer, got ${h}`);
};
const checkX = (name: string, x: Array, wi: Array) => {
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== wi.shape[0])
    throw new TypeError(`nn.${name}: the input's last axis must have size ${wi.shape[0]}, got an array of shape ${fmtShape(x.shape)}`);
};

/** Params of simpleRnnCell: input kernel wi [in, h], recurrent kernel wh [h, h], bias b [h]. */
export interface SimpleRnnParams {
  readonly wi: Array;
  readonly wh: Array;
  readonly b: Array;
}

/**
 * The Elman cell h' = activation(x·wi + h·wh + b) (PyTorch's nn.RNN with b = b_ih + b_hh).
 * @example
 * const cell = nn.simpleRnnCell(16);
 */
export function simpleRnnCell(hiddenSize: number, opts: CellOptions & { activation?: (x: Array) => Array } = {}): Cell<SimpleRnnParams, Array> {
  checkHidden('simpleRnnCell', hiddenSize);
  const act = opts.activation ?? tanh;
  const name = `simpleRnnCell(${hiddenSize})`;
  return {
    name,
    hiddenSize,
    init: (key, inF) => {
      const [k1, k2, k3] = splitKeys(key, 3) as [Key, Key, Key];
      const dt = opts.paramDtype ?? 'float32';
      return {
        wi: (opts.kernelInit ?? lecunNormal())(k1, [inF, hiddenSize], dt),
        wh: (opts.recurrentInit ?? orthogonal())(k2, [hiddenSize, hiddenSize], dt),
        b: (opts.biasInit ?? zerosInit)(k3, [hiddenSize], dt),
      };
    },
    initialCarry: (bs, dt = 'float32') => full([...bs, hiddenSize], 0, dt),
    apply: (p, h, x) => {
      checkX(name, x, p.wi);
      const hn = act(add(add(matmul(x, p.wi), matmul(h, p.wh)), p.b));
      return [hn, hn];
    },
  };
}

/** Params of lstmCell: wi [in, 4h], wh [h, 4h], b [4h], gates in PyTorch's order (input, forget, cell, output). */
export interface LstmParams {
  readonly wi: Array;
  readonly wh: Array;
  readonly b: Array;
}
/** The carry of an LSTM: hidden state h and cell state c. */
export interface LstmCarry {
  readonly h: Array;
  readonly c: Array;
}

/**
 * Long short-term memory (Hochreiter & Schmidhuber 1997), PyTorch's nn.LSTMCell equations:
 * [i, f, g, o] = x·wi + h·wh + b; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c').
 * `forgetBias` is added to the forget gate's bias at init (1 is a common choice).
 * @example
 * const cell = nn.lstmCell(32);
 * const layer = nn.rnn(cell); // over (N, T, F) sequences
 */
export function lstmCell(hiddenSize: number, opts: CellOptions & { forgetBias?: number } = {}): Cell<LstmParams, LstmCarry> {
  checkHidden('lstmCell', hiddenSize);
  const name = `lstmCell(${hiddenSize})`;
  const h4 = 4 * hiddenSize;
  return {
    name,
    hiddenSize,
    init: (key, inF) => {
      const [k1, k2, k3] = splitKeys(key, 3) as [Key, Key, Key];
      const dt = opts.paramDtype ?? 'float32';
      // the recurrent kernel is orthogonal per gate block, as Flax's LSTMCell
      const rec = opts.recurrentInit ?? orthogonal();
      const whs = splitKeys(k2, 4).map((k) => rec(k, [hiddenSize, hiddenSize], dt));
      let b = (opts.biasInit ?? zerosInit)(k3, [h4], dt);
      if (opts.forgetBias) {
        const [bi, bf, bg, bo] = split(b, 4) as [Array, Array, Array, Array];
        b = concatenate([bi, add(bf, opts.forgetBias), bg, bo]);
      }
      return { wi: (opts.kernelInit ?? lecunNormal())(k1, [inF, h4], dt), wh: concatenate(whs, 1), b };
    },
    initialCarry: (bs, dt = 'float32') => ({ h: full([...bs, hiddenSize], 0, dt), c: full([...bs, hiddenSize], 0, dt) }),
    apply: (p, carry, x) => {
      checkX(name, x, p.wi);
      const z = add(add(matmul(x, p.wi), matmul(carry.h, p.wh)), p.b);
      const [i, f, g, o] = split(z, 4, -1) as [Array, Array, Array, Array];
      const c = add(multiply(sigmoid(f), carry.c), multiply(sigmoid(i), tanh(g)));
      const h = multiply(sigmoid(o), tanh(c));
      return [{ h, c }, h];
    },
  };
}

/** Params of gruCell: wi [in, 3h], wh [h, 3h], input bias bi [3h], hidden bias bh [3h]; gates (reset, update, new). */
export interface GruParams {
  readonly wi: Array;
  readonly wh: Array;
  readonly bi: Array;
  readonly bh: Array;
}

/**
 * Gated recurrent unit (Cho et al. 2014), PyTorch's nn.GRUCell equations: r = σ(x·wi_r + bi_r + h·wh_r + bh_r),
 * z likewise, n = tanh(x·wi_n + bi_n + r·(h·wh_n + bh_n)), h' = (1 - z)·n + z·h.
 * @example
 * const layer = nn.rnn(nn.gruCell(64), { returnSequences: false });
 */
export function gruCell(hiddenSize: number, opts: CellOptions = {}): Cell<GruParams, Array> {
  checkHidden('gruCell', hiddenSize);
  const name = `gruCell(${hiddenSize})`;
  const h3 = 3 * hiddenSize;
  return {
    name,
    hiddenSize,
    init: (key, inF) => {
      const [k1, k2, k3, k4] = splitKeys(key, 4) as [Key, Key, Key, Key];
      const dt = opts.paramDtype ?? 'float32';
      const rec = opts.recurrentInit ?? orthogonal();
      const bias = opts.biasInit ?? zerosInit;
      return {
        wi: (opts.kernelInit ?? lecunNormal())(k1, [inF, h3], dt),
        wh: concatenate(splitKeys(k2, 3).map((k) => rec(k, [hiddenSize, hiddenSize], dt)), 1),
        bi: bias(k3, [h3], dt),
        bh: bias(k4, [h3], dt),
      };
    },
    initialCarry: (bs, dt = 'float32') => full([...bs, hiddenSize], 0, dt),
    apply: (p, h, x) => {
      checkX(name, x, p.wi);
      const [xr, xz, xn] = split(add(matmul(x, p.wi), p.bi), 3, -1) as [Array, Array, Array];
      const [hr, hz, hn] = split(add(matmul(h, p.wh), p.bh), 3, -1) as [Array, Array, Array];
      const r = sigmoid(add(xr, hr)), z = sigmoid(add(xz, hz));
      const n = tanh(add(xn, multiply(r, hn)));
      const hNew = add(multiply(subtract(1, z), n), multiply(z, h));
      return [hNew, hNew];
    },
  };
}

/** Options of rnn. */
export interface RnnOptions {
  /** Output every step's output (N, T, H) (default) or only the last (N, H). */
  readonly returnSequences?: boolean;
  /** Process the sequence from the end (outputs stay in input order). Default false. */
  readonly reverse?: boolean;
}

/** Options of an rnn call: an initial carry instead of zeros. */
export interface RnnCallOptions<C> {
  readonly initialCarry?: C;
}

/**
 * A sequence layer that runs `cell` over the time axis of batch-first inputs (N, T, F) with lax.scan, so
 * a whole sequence is one traceable loop under jit and differentiates through time. Unbatched (T, F)
 * inputs work too (for vmap). `applyCarry` also returns the final carry.
 * @example
 * const layer = nn.rnn(nn.lstmCell(32));
 * const { params } = layer.init(random.key(0), [-1, 20, 8]);
 * layer.apply(params, x).shape; // [N, 20, 32]
 */
export function rnn<P, C>(cell: Cell<P, C>, opts: RnnOptions = {}): Layer<P, null> & {
  applyCarry(params: P, x: Array, o?: RnnCallOptions<C>): [C, Array];
} {
  const name = `rnn(${cell.name})`;
  const seqs = opts.returnSequences ?? true;
  const applyCarry = (p: P, x: Array, o: RnnCallOptions<C> = {}): [C, Array] => {
    if (x.ndim < 2) throw new TypeError(`nn.${name}: expected (N, T, F) or (T, F) inputs, got shape ${fmtShape(x.shape)}`);
    const unbatched = x.ndim === 2;
    const xt = unbatched ? x : swapaxes(x, 0, 1); // time-major (T, N, F)
    const carry0 = o.initialCarry ?? cell.initialCarry(unbatched ? [] : [x.shape[0]!], x.dtype === 'float64' ? 'float64' : 'float32');
    const [carry, ys] = scan((c: C, xi: Array) => cell.apply(p, c, xi), carry0, xt, { reverse: opts.reverse ?? false });
    const out = seqs ? (unbatched ? ys : swapaxes(ys, 0, 1)) : lastOutput(carry, ys, opts.reverse ?? false);
    return [carry, out];
  };
  // the output of the last processed step: ys[T-1] forwards, ys[0] in reverse
  const lastOutput = (_c: C, ys: Array, reverse: boolean): Array => lax.indexInDim(ys, reverse ? 0 : ys.shape[0]! - 1, 0, false);
  return {
    name,
    init: (key, s) => {
      checkInputShape(name, s);
      if (s.length < 2) throw new TypeError(`nn.${name}: expected an input shape (N, T, F) or (T, F), got ${JSON.stringify(s)}`);
      const params = cell.init(key, s[s.length - 1]!);
      const out = seqs ? [...s.slice(0, -1), cell.hiddenSize] : [...s.slice(0, -2), cell.hiddenSize];
      return { params, state: null, outputShape: out };
    },
    apply: (p, x) => applyCarry(p, x)[1],
    applyWithState: (p, s, x) => [applyCarry(p, x)[1], s],
    applyCarry,
  };
}
/**
 * Runs a forward and a backward cell over the sequence and concatenates their outputs on the feature axis
 * (Schuster & Paliwal 1997).
 * @example
 * const layer = nn.bidirectional(nn.lstmCell(32), nn.lstmCell(32)); // (N, T, F) -> (N, T, 64)
 */
export function bidirectional<P1, C1, P2, C2>(forward: Cell<P1, C1>, backward: Cell<P2, C2>, opts: { returnSequences?: boolean } = {}): Layer<{ forward: P1; backward: P2 }, null> {
  const f = rnn(forward, { returnSequences: opts.returnSequences ?? true });
  const b = rnn(backward, { returnSequences: opts.returnSequences ?? true, reverse: true });
  const name = `bidirectional(${forward.name}, ${backward.name})`;
  const run = (p: { forward: P1; backward: P2 }, x: Array) => concatenate([f.apply(p.forward, x), b.apply(p.backward, x)], -1);
  return {
    name,
    init: (key, s) => {
      const [k1, k2] = splitKeys(key, 2) as [Key, Key];
      const a = f.init(k1, s), c = b.init(k2, s);
      const out = a.outputShape.slice();
      out[out.length - 1] = forward.hiddenSize + backward.hiddenSize;
      return { params: { forward: a.params, backward: c.params }, state: null, outputShape: out };
    },
    apply: (p, x) => run(p, x),
    applyWithState: (p, s, x) => [run(p, x), s],
  };
}

/** Options of stackedRnn. */
export interface StackedRnnOptions {
  /** Number of stacked layers (PyTorch's num_layers). */
  readonly numLayers: number;
  /** Every layer runs a forward and a backward pass and concatenates them (PyTorch's bidirectional). Default false. */
  readonly bidirectional?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (PyTorch's dropout). Default 0. */
  readonly dropoutRate?: number;
  /** Output the last layer's every step (default) or only its final hidden state(s). */
  readonly returnSequences?: boolean;
}

/** One layer's params of a bidirectional stack. */
export interface BidirectionalParams<P> {
  readonly forward: P;
  readonly backward: P;
}

/** Params of stackedRnn: one entry per layer (forward/backward pairs when bidirectional). */
export type StackedRnnParams<P> = readonly (P | BidirectionalParams<P>)[];

/** Call options of stackedRnn: training mode and its dropout key, and initial carries per layer. */
export interface StackedRnnCallOptions<C> extends CallOptions {
  /** Initial carry of each layer ({ forward, backward } pairs when bidirectional); default zeros. */
  readonly initialCarries?: readonly (C | BidirectionalParams<C>)[];
}

/**
 * `numLayers` recurrent layers of the same cell type, each reading the previous one's output sequence
 * (PyTorch's nn.LSTM / nn.GRU / nn.RNN with num_layers, bidirectional and dropout): layer 0 maps the input
 * features to hidden, the others hidden (2·hidden when bidirectional) to hidden. In training mode
 * (`train: true, key`) `dropoutRate` drops the outputs of every layer but the last, layer l from
 * foldIn(key, l). `applyCarry` also returns each layer's final carry (PyTorch's h_n, c_n, layer by layer).
 * With `returnSequences: false` the output is the last layer's final hidden state (forward and backward
 * concatenated when bidirectional).
 * @example
 * const lstm = nn.stackedRnn(nn.lstmCell(32), { numLayers: 2, bidirectional: true, dropoutRate: 0.2 });
 * const { params } = lstm.init(random.key(0), [-1, 20, 8]);
 * const y = lstm.apply(params, x, { train: true, key: random.key(1) }); // [N, 20, 64]
 */
export function stackedRnn<P, C>(cell: Cell<P, C>, opts: StackedRnnOptions): Layer<StackedRnnParams<P>, null> & {
  apply(params: StackedRnnParams<P>, x: Array, o?: StackedRnnCallOptions<C>): Array;
  applyCarry(params: StackedRnnParams<P>, x: Array, o?: StackedRnnCallOptions<C>): [(C | BidirectionalParams<C>)[], Array];
} {
  const n = opts.numLayers;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`nn.stackedRnn: numLayers must be a positive integer, got ${n}`);
  const bi = opts.bidirectional ?? false;
  const rate = opts.dropoutRate ?? 0;
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`nn.stackedRnn: dropoutRate must be in [0, 1), got ${rate}`);
  const seqs = opts.returnSequences ?? true;
  const name = `stackedRnn(${n} x ${bi ? 'bidirectional ' : ''}${cell.name})`;
  const fwd = rnn(cell), bwd = rnn(cell, { reverse: true });
  const applyCarry = (p: StackedRnnParams<P>, x: Array, o: StackedRnnCallOptions<C> = {}): [(C | BidirectionalParams<C>)[], Array] => {
    if (!globalThis.Array.isArray(p) || p.length !== n) throw new TypeError(`nn.${name}: params must be an array of ${n} layers, got ${globalThis.Array.isArray(p) ? p.length : typeof p}`);
    if (x.ndim < 2) throw new TypeError(`nn.${name}: expected (N, T, F) or (T, F) inputs, got shape ${fmtShape(x.shape)}`);
    if (o.train && rate > 0 && !o.key) throw new TypeError(`nn.${name}: training mode with dropoutRate ${rate} needs a PRNG key: apply(params, x, { train: true, key })`);
    const carries: (C | BidirectionalParams<C>)[] = [];
    let y = x;
    let last: Array = x;
    p.forEach((lp, l) => {
      const init = o.initialCarries?.[l];
      if (bi) {
        const bp = lp as BidirectionalParams<P>, bc = init as BidirectionalParams<C> | undefined;
        const [cf, yf] = fwd.applyCarry(bp.forward, y, bc ? { initialCarry: bc.forward } : {});
        const [cb, yb] = bwd.applyCarry(bp.backward, y, bc ? { initialCarry: bc.backward } : {});
        carries.push({ forward: cf, backward: cb });
        y = concatenate([yf, yb], -1);
        // final hidden states: the forward pass ends at T-1, the backward pass at 0
        if (l === n - 1 && !seqs) last = concatenate([lax.indexInDim(yf, -1, yf.ndim - 2, false), lax.indexInDim(yb, 0, yb.ndim - 2, false)], -1);
      } else {
        const [c, yl] = fwd.applyCarry(lp as P, y, init ? { initialCarry: init as C } : {});
        carries.push(c);
        y = yl;
        if (l === n - 1 && !seqs) last = lax.indexInDim(yl, -1, yl.ndim - 2, false);
      }
      if (l < n - 1 && o.train && rate > 0) y = dropoutWithKey(y, rate, random.foldIn(o.key!, l));
    });
    return [carries, seqs ? y : last];
  };
  return {
    name,
    init: (key, s) => {
      checkInputShape(name, s);
      if (s.length < 2) throw new TypeError(`nn.${name}: expected an input shape (N, T, F) or (T, F), got ${JSON.stringify(s)}`);
      const width = bi ? 2 * cell.hiddenSize : cell.hiddenSize;
      const params = splitKeys(key, n).map((k, l) => {
        const inF = l === 0 ? s[s.length - 1]! : width;
        if (!bi) return cell.init(k, inF);
        const [k1, k2] = splitKeys(k, 2) as [Key, Key];
        return { forward: cell.init(k1, inF), backward: cell.init(k2, inF) };
      });
      const out = seqs ? [...s.slice(0, -1), width] : [...s.slice(0, -2), width];
      return { params, state: null, outputShape: out };
    },
    apply: (p, x, o) => applyCarry(p, x, o)[1],
    applyWithState: (p, s, x, o) => [applyCarry(p, x, o)[1], s],
    applyCarry,
  };
}
