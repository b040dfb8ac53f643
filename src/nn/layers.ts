// Layers as init/apply pairs: dense, conv, pooling, normalisation, dropout, embedding, flatten, and composition (sequential, residual).
import { fmtShape, shapeSize } from '../core/aval.js';
import { ShapedArray } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import * as random from '../random/index.js';
import type { Key } from '../random/index.js';
import { stageFlat } from '../transforms/stage.js';
import { type FanAxes, type FloatDType, type Initializer, lecunNormal, ones as onesInit, zeros as zerosInit } from './initializers.js';
import {
  type CallOptions, type Initialized, type Layer, type ParamOptions, type Shape, checkInputShape, checkRank, splitKeys, statelessLayer,
  tuple,
} from './module.js';
import {
  add, castTo, divide, lit, matmul, mean, multiply, reshape, rsqrt, square, subtract, take, where, expandDims, squeeze,
} from './np.js';

const range = (n: number, start = 0): number[] => globalThis.Array.from({ length: n }, (_, i) => i + start);
const normAxis = (name: string, axis: number, ndim: number): number => {
  const a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) throw new RangeError(`nn.${name}: axis ${axis} is out of range for rank ${ndim}`);
  return a;
};

// ---------------------------------------------------------------------------------------------
// dense

/** Options of dense. */
export interface DenseOptions extends ParamOptions {
  /** Add a bias. Default true. */
  readonly useBias?: boolean;
  /** Kernel initializer for the [in, out] matrix. Default lecunNormal (Flax's default). */
  readonly kernelInit?: Initializer;
  /** Default zeros. */
  readonly biasInit?: Initializer;
}

/** Params of dense: kernel w [in, out] and bias b [out] (null without bias). */
export interface DenseParams {
  readonly w: Array;
  readonly b: Array | null;
}

/**
 * A fully connected layer y = x · w + b over the last axis (any leading axes pass through).
 * @example
 * const layer = nn.dense(3);
 * const { params } = layer.init(random.key(0), [-1, 4]);
 * layer.apply(params, np.ones([2, 4])).shape; // [2, 3]
 */
export function dense(features: number, opts: DenseOptions = {}): Layer<DenseParams, null> {
  const name = `dense(${features})`;
  if (!Number.isInteger(features) || features < 1) throw new RangeError(`nn.dense: features must be a positive integer, got ${features}`);
  const useBias = opts.useBias ?? true;
  return statelessLayer<DenseParams>(
    name,
    (key, s) => {
      const inF = s[s.length - 1];
      if (inF === undefined || inF < 1) throw new TypeError(`nn.${name}: the input needs a known last axis, got inputShape ${JSON.stringify(s)}`);
      const [kw, kb] = splitKeys(key, 2) as [Key, Key];
      const dt = opts.paramDtype ?? 'float32';
      const w = (opts.kernelInit ?? lecunNormal())(kw, [inF, features], dt);
      const b = useBias ? (opts.biasInit ?? zerosInit)(kb, [features], dt) : null;
      return [{ w, b }, [...s.slice(0, -1), features]];
    },
    (p, x) => {
      if (x.ndim < 1 || x.shape[x.ndim - 1] !== p.w.shape[0])
        throw new TypeError(`nn.${name}: the input's last axis must have size ${p.w.shape[0]}, got an array of shape ${fmtShape(x.shape)}`);
      const y = matmul(x, p.w);
      return p.b ? add(y, p.b) : y;
    },
  );
}

// ---------------------------------------------------------------------------------------------
// convolution

/** Data layout: channels last (JAX/TensorFlow, default) or channels first (PyTorch). */
export type Layout = 'channelsLast' | 'channelsFirst';
/** Padding: 'SAME', 'VALID', one number for every side, or (low, high) per spatial axis. */
export type PaddingLike = 'SAME' | 'VALID' | number | readonly (readonly [number, number])[];

/** Options of conv / conv1d / conv2d. */
export interface ConvOptions extends ParamOptions {
  /** Default 1. */
  readonly strides?: number | readonly number[];
  /** Default 'VALID'. */
  readonly padding?: PaddingLike;
  /** Kernel dilation (atrous convolution). Default 1. */
  readonly dilation?: number | readonly number[];
  /** Feature groups (depthwise conv when it equals the input channels). Default 1. */
  readonly groups?: number;
  /** Default true. */
  readonly useBias?: boolean;
  /** 'channelsLast' (N, spatial..., C with kernels spatial..., I, O; default) or 'channelsFirst' (N, C, spatial... with O, I, spatial... kernels). */
  readonly layout?: Layout;
  /** Kernel initializer; its fan axes must match the kernel layout. Default lecunNormal over the layout's axes. */
  readonly kernelInit?: Initializer;
  readonly biasInit?: Initializer;
}

/** Params of conv layers: kernel w and bias b [features]. */
export interface ConvParamsTree {
  readonly w: Array;
  readonly b: Array | null;
}

const SPATIAL = ['W', 'HW', 'DHW'];

function resolvePads(name: string, padding: PaddingLike, nsp: number): 'SAME' | 'VALID' | [number, number][] {
  if (padding === 'SAME' || padding === 'VALID') return padding;
  if (typeof padding === 'number') {
    if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`nn.${name}: padding must be a non-negative integer, got ${padding}`);
    return range(nsp).map(() => [padding, padding]);
  }
  if (!globalThis.Array.isArray(padding) || padding.length !== nsp)
    throw new TypeError(`nn.${name}: padding must be 'SAME', 'VALID', a number or ${nsp} (low, high) pairs, got ${JSON.stringify(padding)}`);
  return padding.map((p) => [p[0], p[1]]);
}

/** Output size along each spatial axis of a window op (conv or pooling). */
function windowOutShape(name: string, inSp: readonly number[], effK: readonly number[], strides: readonly number[], pads: 'SAME' | 'VALID' | [number, number][]): number[] {
  const p = lax.padtypeToPads(inSp, effK, strides, pads, `nn.${name}`);
  return inSp.map((d, i) => {
    const padded = d + p[i]![0] + p[i]![1];
    if (padded < effK[i]!) throw new TypeError(`nn.${name}: spatial axis ${i} of size ${d} (padded ${padded}) is smaller than the window ${effK[i]}`);
    return Math.floor((padded - effK[i]!) / strides[i]!) + 1;
  });
}

/**
 * An n-d convolution layer (the rank of `kernelSize` sets n) via lax.convGeneralDilated. Inputs are
 * batched (N, spatial..., C); an unbatched example (spatial..., C) is accepted too, so single-example
 * code can be vmapped.
 * @example
 * const layer = nn.conv(8, [3, 3], { padding: 'SAME' });
 * const { params } = layer.init(random.key(0), [-1, 28, 28, 1]);
 */
export function conv(features: number, kernelSize: readonly number[], opts: ConvOptions = {}): Layer<ConvParamsTree, null> {
  const nsp = kernelSize.length;
  const name = `conv${nsp}d(${features}, [${kernelSize.join(', ')}])`;
  if (nsp < 1 || nsp > 3) throw new TypeError(`nn.conv: kernelSize needs 1 to 3 spatial sizes, got ${JSON.stringify(kernelSize)}`);
  const k = tuple(name, 'kernelSize', kernelSize, nsp);
  const strides = tuple(name, 'strides', opts.strides ?? 1, nsp);
  const dilation = tuple(name, 'dilation', opts.dilation ?? 1, nsp);
  const groups = opts.groups ?? 1;
  const pads = resolvePads(name, opts.padding ?? 'VALID', nsp);
  const first = (opts.layout ?? 'channelsLast') === 'channelsFirst';
  const sp = SPATIAL[nsp - 1]!;
  const dn = (first ? [`NC${sp}`, `OI${sp}`, `NC${sp}`] : [`N${sp}C`, `${sp}IO`, `N${sp}C`]) as [string, string, string];
  const fanAxes: FanAxes = first ? { inAxis: 1, outAxis: 0 } : { inAxis: -2, outAxis: -1 };
  const effK = k.map((kk, i) => (kk - 1) * dilation[i]! + 1);
  const chanAxis = (rank: number) => (first ? 1 : rank - 1);
  const spatialOf = (s: Shape) => (first ? s.slice(2) : s.slice(1, -1));
  const useBias = opts.useBias ?? true;
  return statelessLayer<ConvParamsTree>(
    name,
    (key, s0) => {
      const s = s0.length === nsp + 1 ? [1, ...s0] : s0;
      if (s.length !== nsp + 2) throw new TypeError(`nn.${name}: expected an input shape of rank ${nsp + 2} (or ${nsp + 1} unbatched), got ${JSON.stringify(s0)}`);
      const inC = s[chanAxis(s.length)]!;
      if (inC % groups !== 0 || features % groups !== 0)
        throw new RangeError(`nn.${name}: groups (${groups}) must divide the input channels (${inC}) and the features (${features})`);
      const kShape = first ? [features, inC / groups, ...k] : [...k, inC / groups, features];
      const [kw, kb] = splitKeys(key, 2) as [Key, Key];
      const dt = opts.paramDtype ?? 'float32';
      const w = (opts.kernelInit ?? lecunNormal(fanAxes))(kw, kShape, dt);
      const b = useBias ? (opts.biasInit ?? zerosInit)(kb, [features], dt) : null;
      const outSp = windowOutShape(name, spatialOf(s), effK, strides, pads);
      const out = first ? [s[0]!, features, ...outSp] : [s[0]!, ...outSp, features];
      return [{ w, b }, s0.length === nsp + 1 ? out.slice(1) : out];
    },
    (p, x0) => {
      checkRank(name, x0, [nsp + 1, nsp + 2], first ? `(N, C, ${sp.split('').join(', ')}) inputs` : `(N, ${sp.split('').join(', ')}, C) inputs`);
      const unbatched = x0.ndim === nsp + 1;
      const x = unbatched ? expandDims(x0, 0) : x0;
      const inC = x.shape[chanAxis(x.ndim)]!;
      const wIn = p.w.shape[first ? 1 : nsp]! * groups;
      if (inC !== wIn) throw new TypeError(`nn.${name}: the input has ${inC} channels but the kernel expects ${wIn} (input shape ${fmtShape(x0.shape)})`);
      const w = p.w.dtype === x.dtype ? p.w : castTo(p.w, x.dtype);
      let y = lax.convGeneralDilated(isFloat(x.dtype) ? x : castTo(x, w.dtype), w, {
        windowStrides: strides,
        padding: pads,
        rhsDilation: dilation,
        dimensionNumbers: dn,
        featureGroupCount: groups,
      });
      if (p.b) {
        const bShape = range(y.ndim).map((i) => (i === chanAxis(y.ndim) ? features : 1));
        y = add(y, reshape(p.b, bShape));
      }
      return unbatched ? squeeze(y, 0) : y;
    },
  );
}

/**
 * A 1-d convolution over (N, W, C) inputs (or (N, C, W) with layout 'channelsFirst').
 * @example
 * const layer = nn.conv1d(16, 5, { padding: 'SAME' });
 */
export const conv1d = (features: number, kernelSize: number | readonly [number], opts: ConvOptions = {}): Layer<ConvParamsTree, null> =>
  conv(features, typeof kernelSize === 'number' ? [kernelSize] : kernelSize, opts);

/**
 * A 2-d convolution over NHWC inputs (NCHW with layout 'channelsFirst'), kernels HWIO (OIHW).
 * @example
 * const layer = nn.conv2d(32, 3, { strides: 2, padding: 'SAME' });
 * const { params } = layer.init(random.key(0), [-1, 28, 28, 1]); // params.w: [3, 3, 1, 32]
 */
export const conv2d = (features: number, kernelSize: number | readonly [number, number], opts: ConvOptions = {}): Layer<ConvParamsTree, null> =>
  conv(features, typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize, opts);

/** Options of convTranspose / convTranspose2d. */
export interface ConvTransposeOptions extends ParamOptions {
  /** Upsampling factor per spatial axis. Default 1. */
  readonly strides?: number | readonly number[];
  /** 'SAME' (output = input · stride), 'VALID' (output = (input - 1) · stride + kernel) or (low, high) pairs as lax.convTranspose. Default 'VALID'. */
  readonly padding?: 'SAME' | 'VALID' | readonly (readonly [number, number])[];
  /** Kernel dilation. Default 1. */
  readonly dilation?: number | readonly number[];
  /** Default true. */
  readonly useBias?: boolean;
  /**
   * Treat the kernel as the (spatial..., features, inC) kernel of the forward conv being transposed: flip it
   * spatially and swap its channel axes (the exact gradient of that conv, as PyTorch's ConvTranspose).
   * Default false (Flax's): the kernel (spatial..., inC, features) is applied unflipped.
   */
  readonly transposeKernel?: boolean;
  readonly kernelInit?: Initializer;
  readonly biasInit?: Initializer;
}

/**
 * A transposed ("fractionally strided") convolution over channels-last inputs (N, spatial..., C) with
 * kernels (spatial..., I, O), via lax.convTranspose: upsamples by `strides` (decoders, GAN generators).
 * @example
 * const up = nn.convTranspose2d(16, 4, { strides: 2, padding: 'SAME' }); // [N, 7, 7, C] -> [N, 14, 14, 16]
 */
export function convTranspose(features: number, kernelSize: readonly number[], opts: ConvTransposeOptions = {}): Layer<ConvParamsTree, null> {
  const nsp = kernelSize.length;
  const name = `convTranspose${nsp}d(${features}, [${kernelSize.join(', ')}])`;
  if (nsp < 1 || nsp > 3) throw new TypeError(`nn.convTranspose: kernelSize needs 1 to 3 spatial sizes, got ${JSON.stringify(kernelSize)}`);
  const k = tuple(name, 'kernelSize', kernelSize, nsp);
  const strides = tuple(name, 'strides', opts.strides ?? 1, nsp);
  const dilation = tuple(name, 'dilation', opts.dilation ?? 1, nsp);
  const padding = opts.padding ?? 'VALID';
  const useBias = opts.useBias ?? true;
  const forward = (p: ConvParamsTree, x0: Array): Array => {
    checkRank(name, x0, [nsp + 1, nsp + 2], 'channels-last (N, spatial..., C) inputs');
    const unbatched = x0.ndim === nsp + 1;
    const x = unbatched ? expandDims(x0, 0) : x0;
    const inAxis = opts.transposeKernel ? nsp + 1 : nsp;
    if (x.shape[x.ndim - 1] !== p.w.shape[inAxis])
      throw new TypeError(`nn.${name}: the input has ${x.shape[x.ndim - 1]} channels but the kernel expects ${p.w.shape[inAxis]} (input shape ${fmtShape(x0.shape)})`);
    const w = p.w.dtype === x.dtype ? p.w : castTo(p.w, x.dtype);
    let y = lax.convTranspose(x, w, strides, padding, { rhsDilation: dilation, transposeKernel: opts.transposeKernel ?? false });
    if (p.b) y = add(y, p.b);
    return unbatched ? squeeze(y, 0) : y;
  };
  return statelessLayer<ConvParamsTree>(
    name,
    (key, s0) => {
      const s = s0.length === nsp + 1 ? [1, ...s0] : s0;
      if (s.length !== nsp + 2) throw new TypeError(`nn.${name}: expected an input shape of rank ${nsp + 2} (or ${nsp + 1} unbatched), got ${JSON.stringify(s0)}`);
      const [kw, kb] = splitKeys(key, 2) as [Key, Key];
      const dt = opts.paramDtype ?? 'float32';
      const inC = s[s.length - 1]!;
      // transposeKernel: the kernel is that of the forward conv being transposed, (spatial..., features, inC)
      const kShape = opts.transposeKernel ? [...k, features, inC] : [...k, inC, features];
      const w = (opts.kernelInit ?? lecunNormal(opts.transposeKernel ? { inAxis: -1, outAxis: -2 } : {}))(kw, kShape, dt);
      const b = useBias ? (opts.biasInit ?? zerosInit)(kb, [features], dt) : null;
      const out = evalShapeOf((xx: Array) => forward({ w, b }, xx), s.map((d) => (d < 0 ? 1 : d)), dt);
      if (s[0] === -1) out[0] = -1;
      return [{ w, b }, s0.length === nsp + 1 ? out.slice(1) : out];
    },
    forward,
  );
}

/**
 * A 2-d transposed convolution over NHWC inputs with HWIO kernels.
 * @example
 * const up = nn.convTranspose2d(8, 3, { strides: 2 }); // [N, 5, 5, C] -> [N, 11, 11, 8]
 */
export const convTranspose2d = (features: number, kernelSize: number | readonly [number, number], opts: ConvTransposeOptions = {}): Layer<ConvParamsTree, null> =>
  convTranspose(features, typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize, opts);

// ---------------------------------------------------------------------------------------------
// pooling

/** Options of maxPool / avgPool. */
export interface PoolOptions {
  /** Default: the window size (non-overlapping windows). */
  readonly strides?: number | readonly number[];
  /** Default 'VALID'. */
  readonly padding?: PaddingLike;
  readonly layout?: Layout;
  /** avgPool only: count padded elements in the average (default true, as PyTorch and Flax). */
  readonly countIncludePad?: boolean;
}

function pool(kind: 'max' | 'avg', windowShape: number | readonly number[], opts: PoolOptions): Layer<Record<string, never>, null> {
  const win0 = typeof windowShape === 'number' ? [windowShape, windowShape] : windowShape.slice();
  const nsp = win0.length;
  const name = `${kind}Pool([${win0.join(', ')}])`;
  const win = tuple(name, 'windowShape', win0, nsp);
  const strides = tuple(name, 'strides', opts.strides ?? win, nsp);
  const pads = resolvePads(name, opts.padding ?? 'VALID', nsp);
  const first = (opts.layout ?? 'channelsLast') === 'channelsFirst';
  // the spatial axes: the nsp axes before the channel axis (channels last) or the last nsp (channels first)
  const off = (rank: number) => rank - nsp - (first ? 0 : 1);
  const full = <T>(rank: number, v: readonly T[], fill: T): T[] => range(rank).map((i) => (i >= off(rank) && i < off(rank) + nsp ? v[i - off(rank)]! : fill));
  const fullPads = (rank: number): 'SAME' | 'VALID' | [number, number][] =>
    typeof pads === 'string' ? pads : full<[number, number]>(rank, pads, [0, 0]);
  return statelessLayer<Record<string, never>>(
    name,
    (_key, s) => {
      if (s.length < nsp + 1) throw new TypeError(`nn.${name}: the input needs ${nsp} spatial axes and a channel axis, got inputShape ${JSON.stringify(s)}`);
      const sp = range(nsp, off(s.length));
      const outSp = windowOutShape(name, sp.map((i) => s[i]!), win, strides, pads);
      const out = s.slice();
      sp.forEach((ax, j) => (out[ax] = outSp[j]!));
      return [{}, out];
    },
    (_p, x) => {
      if (x.ndim < nsp + 1) throw new TypeError(`nn.${name}: the input needs ${nsp} spatial axes and a channel axis, got shape ${fmtShape(x.shape)}`);
      return lax.reduceWindow(x, kind, full(x.ndim, win, 1), full(x.ndim, strides, 1), fullPads(x.ndim), {
        countIncludePad: opts.countIncludePad ?? true,
      });
    },
  );
}

/**
 * Max pooling over the spatial axes (NHWC by default; any leading axes are batch axes), via lax.reduceWindow.
 * @example
 * nn.maxPool(2).apply({}, x); // [N, 28, 28, C] -> [N, 14, 14, C]
 */
export const maxPool = (windowShape: number | readonly number[], opts: PoolOptions = {}) => pool('max', windowShape, opts);

/**
 * Average pooling over the spatial axes (NHWC by default).
 * @example
 * nn.avgPool([2, 2], { strides: 1, padding: 'SAME' }).apply({}, x);
 */
export const avgPool = (windowShape: number | readonly number[], opts: PoolOptions = {}) => pool('avg', windowShape, opts);

/**
 * Global average pooling: the mean over the spatial axes, (N, H, W, C) -> (N, C) (or of NCHW with
 * layout 'channelsFirst').
 * @example
 * nn.globalAvgPool().apply({}, np.ones([2, 7, 7, 64])).shape; // [2, 64]
 */
export function globalAvgPool(opts: { layout?: Layout; spatialDims?: number } = {}): Layer<Record<string, never>, null> {
  const nsp = opts.spatialDims ?? 2;
  const first = opts.layout === 'channelsFirst';
  const axes = (rank: number) => (first ? range(nsp, rank - nsp) : range(nsp, rank - nsp - 1));
  return statelessLayer<Record<string, never>>(
    'globalAvgPool',
    (_key, s) => {
      if (s.length < nsp + 1) throw new TypeError(`nn.globalAvgPool: the input needs ${nsp} spatial axes and a channel axis, got inputShape ${JSON.stringify(s)}`);
      const ax = axes(s.length);
      return [{}, s.filter((_, i) => !ax.includes(i))];
    },
    (_p, x) => {
      if (x.ndim < nsp + 1) throw new TypeError(`nn.globalAvgPool: the input needs ${nsp} spatial axes and a channel axis, got shape ${fmtShape(x.shape)}`);
      return mean(x, axes(x.ndim));
    },
  );
}

// ---------------------------------------------------------------------------------------------
// normalisation

/** Options of batchNorm. */
export interface BatchNormOptions extends ParamOptions {
  /** The feature axis (statistics are taken over all others). Default -1 (channels last); 1 for NCHW. */
  readonly axis?: number;
  /** Running average decay: ra ← momentum · ra + (1 - momentum) · batch (Flax's convention; PyTorch's momentum m is 1 - m here). Default 0.99. */
  readonly momentum?: number;
  /** Default 1e-5. */
  readonly epsilon?: number;
  /** Learn a scale γ. Default true. */
  readonly useScale?: boolean;
  /** Learn a shift β. Default true. */
  readonly useBias?: boolean;
}

/** Params of batchNorm: scale γ and bias β per feature. */
export interface BatchNormParams {
  readonly scale: Array | null;
  readonly bias: Array | null;
}
/** State of batchNorm: running mean and (biased) variance per feature. */
export interface BatchNormState {
  readonly mean: Array;
  readonly var: Array;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015). Training mode normalises with the batch's mean and biased
 * variance over every axis but the feature axis and returns updated running statistics (from
 * applyWithState); eval mode normalises with the running statistics passed as state. The batch axis must
 * be a real array axis (batchNorm is not meant to be vmapped over it).
 * @example
 * const bn = nn.batchNorm();
 * const { params, state } = bn.init(random.key(0), [-1, 16]);
 * const [y, state2] = bn.applyWithState(params, state, x, { train: true });
 * const yEval = bn.apply(params, x, { state: state2 });
 */
export function batchNorm(opts: BatchNormOptions = {}): Layer<BatchNormParams, BatchNormState> {
  const name = 'batchNorm';
  const momentum = opts.momentum ?? 0.99, eps = opts.epsilon ?? 1e-5;
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`nn.batchNorm: momentum must be in [0, 1], got ${momentum}`);
  const featAxis = (rank: number) => normAxis(name, opts.axis ?? -1, rank);
  const bshape = (x: Array) => x.shape.map((d, i) => (i === featAxis(x.ndim) ? d : 1));
  const normalize = (p: BatchNormParams, x: Array, m: Array, v: Array): Array => {
    const bs = bshape(x);
    let y = multiply(subtract(x, reshape(m, bs)), rsqrt(add(reshape(v, bs), lit(eps, x))));
    if (p.scale) y = multiply(y, reshape(p.scale, bs));
    if (p.bias) y = add(y, reshape(p.bias, bs));
    return y;
  };
  const batchStats = (x: Array): [Array, Array] => {
    const f = featAxis(x.ndim);
    const axes = range(x.ndim).filter((i) => i !== f);
    const m = mean(x, axes);
    // biased variance: E[(x - μ)²]
    const v = mean(square(subtract(x, reshape(m, bshape(x)))), axes);
    return [m, v];
  };
  const check = (x: Array, s: BatchNormState) => {
    const n = x.shape[featAxis(x.ndim)];
    if (n !== s.mean.shape[0]) throw new TypeError(`nn.batchNorm: the input has ${n} features on axis ${opts.axis ?? -1} but the layer was built for ${s.mean.shape[0]} (shape ${fmtShape(x.shape)})`);
  };
  return {
    name,
    init: (key, s) => {
      checkInputShape(name, s);
      const n = s[featAxis(s.length)]!;
      const dt = opts.paramDtype ?? 'float32';
      return {
        params: {
          scale: opts.useScale ?? true ? onesInit(key, [n], dt) : null,
          bias: opts.useBias ?? true ? zerosInit(key, [n], dt) : null,
        },
        state: { mean: zerosInit(key, [n], dt), var: onesInit(key, [n], dt) },
        outputShape: s.slice(),
      };
    },
    apply: (p, x, o = {}) => {
      if (o.train) {
        const [m, v] = batchStats(x);
        return normalize(p, x, m, v);
      }
      if (!o.state) throw new TypeError('nn.batchNorm: eval mode (train: false) needs the running statistics: apply(params, x, { state })');
      check(x, o.state);
      return normalize(p, x, o.state.mean, o.state.var);
    },
    applyWithState: (p, s, x, o = {}) => {
      // without running statistics (e.g. sequential(...).apply without a state): train mode still normalises
      // with the batch statistics, as apply does; eval mode has nothing to normalise with
      if (s === null || s === undefined) {
        if (!o.train)
          throw new TypeError('nn.batchNorm: eval mode (train: false) needs the running statistics: pass the state from init (apply(params, x, { state }) or applyWithState(params, state, x))');
        const [m, v] = batchStats(x);
        return [normalize(p, x, m, v), s];
      }
      check(x, s);
      if (!o.train) return [normalize(p, x, s.mean, s.var), s];
      const [m, v] = batchStats(x);
      const upd = (r: Array, b: Array) => add(multiply(r, lit(momentum, r)), multiply(lax.stopGradient(castTo(b, r.dtype)), lit(1 - momentum, r)));
      return [normalize(p, x, m, v), { mean: upd(s.mean, m), var: upd(s.var, v) }];
    },
  };
}

/** Options of layerNorm. */
export interface LayerNormOptions extends ParamOptions {
  /** Axes normalised over (they must be the trailing axes). Default -1. */
  readonly axes?: number | readonly number[];
  /** Default 1e-5 (PyTorch's). */
  readonly epsilon?: number;
  readonly useScale?: boolean;
  readonly useBias?: boolean;
}

/** Params of layerNorm: elementwise scale and bias over the normalised axes. */
export interface NormParams {
  readonly scale: Array | null;
  readonly bias: Array | null;
}

/**
 * Layer normalisation (Ba et al. 2016): (x - mean) / √(var + eps) over the trailing `axes` of each
 * example, then an elementwise affine map (PyTorch's nn.LayerNorm over normalized_shape).
 * @example
 * const ln = nn.layerNorm();
 * const { params } = ln.init(random.key(0), [-1, 10, 64]);
 * ln.apply(params, x);
 */
export function layerNorm(opts: LayerNormOptions = {}): Layer<NormParams, null> {
  const name = 'layerNorm';
  const eps = opts.epsilon ?? 1e-5;
  const axesSpec = typeof opts.axes === 'number' || opts.axes === undefined ? [opts.axes ?? -1] : opts.axes.slice();
  const axesOf = (rank: number) => {
    const ax = axesSpec.map((a) => normAxis(name, a, rank)).sort((a, b) => a - b);
    if (ax.some((a, i) => a !== rank - ax.length + i)) throw new TypeError(`nn.layerNorm: axes ${JSON.stringify(opts.axes)} must be the trailing axes of a rank-${rank} input`);
    return ax;
  };
  return statelessLayer<NormParams>(
    name,
    (key, s) => {
      const ax = axesOf(s.length);
      const ps = ax.map((a) => s[a]!);
      const dt = opts.paramDtype ?? 'float32';
      return [{ scale: opts.useScale ?? true ? onesInit(key, ps, dt) : null, bias: opts.useBias ?? true ? zerosInit(key, ps, dt) : null }, s.slice()];
    },
    (p, x) => {
      const ax = axesOf(x.ndim);
      const m = mean(x, ax, { keepdims: true });
      const c = subtract(x, m);
      const v = mean(square(c), ax, { keepdims: true });
      let y = multiply(c, rsqrt(add(v, lit(eps, v))));
      if (p.scale) y = multiply(y, p.scale);
      if (p.bias) y = add(y, p.bias);
      return y;
    },
  );
}

/** Options of groupNorm. */
export interface GroupNormOptions extends ParamOptions {
  /** Number of channel groups (instance norm: one group per channel; layer norm over channels: 1). */
  readonly numGroups?: number;
  /** Default 1e-5. */
  readonly epsilon?: number;
  readonly layout?: Layout;
}

/**
 * Group normalisation (Wu & He 2018): channels split into groups, each normalised over its channels and
 * the spatial axes of one example, then a per-channel affine map. Inputs (N, spatial..., C).
 * @example
 * const gn = nn.groupNorm({ numGroups: 8 });
 */
export function groupNorm(opts: GroupNormOptions = {}): Layer<NormParams, null> {
  const name = 'groupNorm';
  const g = opts.numGroups ?? 32;
  const eps = opts.epsilon ?? 1e-5;
  const first = opts.layout === 'channelsFirst';
  return statelessLayer<NormParams>(
    name,
    (key, s) => {
      const c = s[first ? 1 : s.length - 1]!;
      if (c % g !== 0) throw new RangeError(`nn.groupNorm: numGroups (${g}) must divide the channels (${c})`);
      const dt = opts.paramDtype ?? 'float32';
      return [{ scale: onesInit(key, [c], dt), bias: zerosInit(key, [c], dt) }, s.slice()];
    },
    (p, x) => {
      if (x.ndim < 2) throw new TypeError(`nn.groupNorm: expected a batched input (N, ..., C), got shape ${fmtShape(x.shape)}`);
      const ca = first ? 1 : x.ndim - 1;
      const c = x.shape[ca]!;
      // (N, ..., C) -> (N, ..., G, C/G); statistics over every axis but N and G
      const gs = [...x.shape.slice(0, ca), g, c / g, ...x.shape.slice(ca + 1)];
      const xg = reshape(x, gs);
      const axes = range(gs.length).filter((i) => i !== 0 && i !== ca);
      const m = mean(xg, axes, { keepdims: true });
      const cen = subtract(xg, m);
      const v = mean(square(cen), axes, { keepdims: true });
      let y = reshape(multiply(cen, rsqrt(add(v, lit(eps, v)))), x.shape);
      const bs = x.shape.map((d, i) => (i === ca ? d : 1));
      if (p.scale) y = multiply(y, reshape(p.scale, bs));
      if (p.bias) y = add(y, reshape(p.bias, bs));
      return y;
    },
  );
}

/**
 * Instance normalisation (Ulyanov et al. 2016): group normalisation with one group per channel.
 * @example
 * const inorm = nn.instanceNorm();
 */
export function instanceNorm(opts: Omit<GroupNormOptions, 'numGroups'> = {}): Layer<NormParams, null> {
  const inner = (c: number) => groupNorm({ ...opts, numGroups: c });
  const chan = (s: Shape) => s[opts.layout === 'channelsFirst' ? 1 : s.length - 1]!;
  return {
    name: 'instanceNorm',
    init: (key, s) => inner(chan(s)).init(key, s),
    apply: (p, x, o) => inner(chan(x.shape)).apply(p, x, o),
    applyWithState: (p, st, x, o) => inner(chan(x.shape)).applyWithState(p, st, x, o),
  };
}

// ---------------------------------------------------------------------------------------------
// dropout, embedding, flatten, activations as layers

/**
 * Inverted dropout of x with probability `rate` from an explicit key: each element is kept with
 * probability 1 - rate (random.bernoulli(key, 1 - rate, x.shape)) and scaled by 1 / (1 - rate).
 * @example
 * const y = nn.dropoutWithKey(x, 0.1, random.key(0));
 */
export function dropoutWithKey(x: Array, rate: number, key: Key): Array {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`nn.dropoutWithKey: rate must be in [0, 1], got ${rate}`);
  if (rate === 0) return x;
  if (rate === 1) return multiply(x, lit(0, x));
  const keep = random.bernoulli(key, 1 - rate, x.shape);
  return where(keep, divide(x, lit(1 - rate, x)), lit(0, x));
}

/**
 * Inverted dropout (Srivastava et al. 2014): in training mode each element is zeroed with probability
 * `rate` and the survivors scaled by 1 / (1 - rate), drawn from the explicit PRNG key; in eval mode the
 * identity.
 * @example
 * const drop = nn.dropout(0.5);
 * drop.apply({}, x, { train: true, key: random.key(1) });
 */
export function dropout(rate: number): Layer<Record<string, never>, null> {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`nn.dropout: rate must be in [0, 1], got ${rate}`);
  return statelessLayer<Record<string, never>>(
    `dropout(${rate})`,
    (_k, s) => [{}, s.slice()],
    (_p, x, o) => {
      if (!o.train || rate === 0) return x;
      if (rate === 1) return multiply(x, 0);
      if (!o.key) throw new TypeError('nn.dropout: training mode needs a PRNG key: apply(params, x, { train: true, key })');
      return dropoutWithKey(x, rate, o.key);
    },
  );
}

/** Options of embedding. */
export interface EmbeddingOptions extends ParamOptions {
  /** Default normal(1) (PyTorch's nn.Embedding). */
  readonly embeddingInit?: Initializer;
}

/** Params of embedding: the table [numEmbeddings, features]. */
export interface EmbeddingParams {
  readonly table: Array;
}

/**
 * A lookup table: integer ids (any shape) -> their rows, (...) -> (..., features). Its gradient
 * scatter-adds into the rows that were used.
 * @example
 * const emb = nn.embedding(1000, 64);
 * const { params } = emb.init(random.key(0), [-1, 16]);
 * emb.apply(params, tokenIds).shape; // [batch, 16, 64]
 */
export function embedding(numEmbeddings: number, features: number, opts: EmbeddingOptions = {}): Layer<EmbeddingParams, null> {
  const name = `embedding(${numEmbeddings}, ${features})`;
  return statelessLayer<EmbeddingParams>(
    name,
    (key, s) => [{ table: (opts.embeddingInit ?? ((k, sh, d) => random.normal(k, sh, d)))(key, [numEmbeddings, features], opts.paramDtype ?? 'float32') }, [...s, features]],
    (p, ids) => {
      if (isFloat(ids.dtype)) throw new TypeError(`nn.${name}: ids must be integers, got ${ids.dtype}${fmtShape(ids.shape)}`);
      return take(p.table, ids, 0);
    },
  );
}

/**
 * Flattens every axis from `startAxis` on into one: (N, H, W, C) -> (N, H·W·C) with the default 1.
 * @example
 * nn.flatten().apply({}, np.ones([2, 3, 4])).shape; // [2, 12]
 */
export function flatten(startAxis = 1): Layer<Record<string, never>, null> {
  return statelessLayer<Record<string, never>>(
    'flatten',
    (_k, s) => [{}, [...s.slice(0, startAxis), shapeSize(s.slice(startAxis))]],
    (_p, x) => reshape(x, [...x.shape.slice(0, startAxis), shapeSize(x.shape.slice(startAxis))]),
  );
}

/** The output shape of f on an input of shape `s` (concrete sizes), by abstract evaluation: nothing is computed. */
function evalShapeOf(f: (x: Array) => Array, s: readonly number[], dtype: FloatDType = 'float32'): number[] {
  return stageFlat((x) => [f(x)], [new ShapedArray(s, dtype)], 'nn.evalShape').outAvals[0]!.shape.slice();
}

/** evalShapeOf for layer input shapes, whose leading batch size may be -1 (kept unknown in the result). */
function evalShape(f: (x: Array) => Array, s: Shape, dtype: FloatDType = 'float32'): number[] {
  const out = evalShapeOf(f, s.map((d) => (d < 0 ? 1 : d)), dtype);
  if (s[0] === -1 && out.length > 0) out[0] = -1;
  return out;
}

/**
 * A parameter-free layer from a function of the input (an activation, a reshape ...).
 * @example
 * nn.sequential(nn.dense(64), nn.fn(nn.relu), nn.dense(10));
 */
export function fn(f: (x: Array) => Array, name = f.name || 'fn'): Layer<Record<string, never>, null> {
  return statelessLayer<Record<string, never>>(name, (_k, s) => [{}, evalShape(f, s)], (_p, x) => f(x));
}

// ---------------------------------------------------------------------------------------------
// composition

/** What sequential accepts: layers, or plain functions of the input (wrapped with fn). */
export type LayerLike = Layer | ((x: Array) => Array);
const asLayer = (l: LayerLike): Layer => (typeof l === 'function' ? fn(l) : l);

/**
 * Composes layers in order. Params and state are arrays with one entry per layer; the PRNG key of a call
 * is split per layer (layer i gets foldIn(key, i)).
 * @example
 * const model = nn.sequential(nn.dense(64), nn.relu, nn.dropout(0.1), nn.dense(10));
 * const { params, state } = model.init(random.key(0), [-1, 784]);
 * const logits = model.apply(params, x, { train: true, key });
 */
export function sequential(...layers: readonly LayerLike[]): Layer<unknown[], unknown[]> {
  const ls = layers.map(asLayer);
  const name = `sequential(${ls.map((l) => l.name).join(', ')})`;
  const keyFor = (o: CallOptions, i: number): CallOptions => (o.key ? { ...o, key: random.foldIn(o.key, i) } : o);
  const run = (params: unknown[], state: unknown[], x: Array, o: CallOptions): [Array, unknown[]] => {
    if (!globalThis.Array.isArray(params) || params.length !== ls.length)
      throw new TypeError(`nn.sequential: params must be an array of ${ls.length} entries (one per layer), got ${globalThis.Array.isArray(params) ? params.length : typeof params}`);
    const next: unknown[] = [];
    let y = x;
    ls.forEach((l, i) => {
      const [yi, si] = l.applyWithState(params[i], state[i], y, keyFor(o, i));
      y = yi;
      next.push(si);
    });
    return [y, next];
  };
  return {
    name,
    init: (key, inputShape) => {
      checkInputShape('sequential', inputShape);
      const keys = splitKeys(key, ls.length);
      const params: unknown[] = [], state: unknown[] = [];
      let s: number[] = inputShape.slice();
      ls.forEach((l, i) => {
        const r: Initialized<unknown, unknown> = l.init(keys[i]!, s);
        params.push(r.params);
        state.push(r.state);
        s = r.outputShape;
      });
      return { params, state, outputShape: s };
    },
    apply: (params, x, o = {}) => run(params, (o.state as unknown[] | undefined) ?? ls.map(() => null), x, o)[0],
    applyWithState: (params, state, x, o = {}) => run(params, state, x, o),
  };
}

/**
 * A residual connection y = x + layer(x) (He et al. 2016); the inner layer must keep the shape.
 * @example
 * const block = nn.residual(nn.sequential(nn.dense(64), nn.relu, nn.dense(64)));
 */
export function residual<P, S>(inner: LayerLike): Layer<P, S> {
  const l = asLayer(inner) as Layer<P, S>;
  const combine = (x: Array, y: Array) => {
    if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i]))
      throw new TypeError(`nn.residual: the inner layer ${l.name} changed the shape ${fmtShape(x.shape)} to ${fmtShape(y.shape)}; a residual needs equal shapes`);
    return add(x, y);
  };
  return {
    name: `residual(${l.name})`,
    init: (key, s) => {
      const r = l.init(key, s);
      if (r.outputShape.some((d, i) => d !== s[i])) throw new TypeError(`nn.residual: the inner layer ${l.name} maps ${JSON.stringify(s)} to ${JSON.stringify(r.outputShape)}; a residual needs equal shapes`);
      return r;
    },
    apply: (p, x, o) => combine(x, l.apply(p, x, o)),
    applyWithState: (p, s, x, o) => {
      const [y, s2] = l.applyWithState(p, s, x, o);
      return [combine(x, y), s2];
    },
  };
}
