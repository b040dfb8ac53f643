// Residual blocks for CNNs (He et al. 2016): torchvision's BasicBlock and Bottleneck with batchNorm and a projection shortcut.
import { fmtShape } from '../core/aval.js';
import { Array } from '../core/trace.js';
import type { Key } from '../random/index.js';
import { relu } from './activations.js';
import { type FanAxes, type Initializer, varianceScaling, zeros as zerosInit } from './initializers.js';
import {
  type BatchNormOptions, type BatchNormParams, type BatchNormState, type ConvParamsTree, type Layout, batchNorm, conv2d,
} from './layers.js';
import { type ApplyOptions, type CallOptions, type Layer, type ParamOptions, type Shape, checkInputShape, splitKeys } from './module.js';
import { add } from './np.js';

/** Options of basicBlock and bottleneckBlock. */
export interface ResidualBlockOptions extends ParamOptions {
  /** Stride of the block (on its 3x3 convolution, and on the projection shortcut). Default 1. */
  readonly strides?: number;
  /** 'channelsLast' (NHWC, default) or 'channelsFirst' (NCHW, PyTorch's). */
  readonly layout?: Layout;
  /** Options of the batchNorm layers (momentum, epsilon); the feature axis follows the layout. */
  readonly batchNorm?: Omit<BatchNormOptions, 'axis' | 'paramDtype'>;
  /** Always use a projection shortcut (1x1 conv + batchNorm), even when the shapes already match. Default false. */
  readonly projection?: boolean;
  /** Initialise the last batchNorm's scale to zero, so the block starts as the identity (torchvision's zero_init_residual). Default false. */
  readonly zeroInitResidual?: boolean;
  /** Convolution kernel initializer. Default he normal over fan-out (torchvision's kaiming_normal_(mode='fan_out')). */
  readonly kernelInit?: Initializer;
}

/** A convolution followed by batchNorm: the params of one stage of a residual block. */
export interface ConvBnParams {
  readonly conv: ConvParamsTree;
  readonly bn: BatchNormParams;
}

/**
 * Params of a residual block: its conv+batchNorm stages in order (2 for the basic block, 3 for the
 * bottleneck) and the projection shortcut (null for the identity shortcut).
 */
export interface ResidualBlockParams {
  readonly stages: readonly ConvBnParams[];
  readonly shortcut: ConvBnParams | null;
}

/** State of a residual block: the running statistics of each batchNorm. */
export interface ResidualBlockState {
  readonly stages: readonly BatchNormState[];
  readonly shortcut: BatchNormState | null;
}

type Stage = { readonly conv: Layer<ConvParamsTree, null>; readonly relu: boolean };

/** The convolution options and the batchNorm layer shared by every stage of a block. */
function parts(opts: ResidualBlockOptions) {
  const first = opts.layout === 'channelsFirst';
  const fan: FanAxes = first ? { inAxis: 1, outAxis: 0 } : { inAxis: -2, outAxis: -1 };
  const conv = {
    useBias: false, layout: opts.layout ?? 'channelsLast', kernelInit: opts.kernelInit ?? varianceScaling(2, 'fanOut', 'normal', fan), paramDtype: opts.paramDtype,
  } as const;
  return { first, conv, bn: batchNorm({ ...opts.batchNorm, axis: first ? 1 : -1, paramDtype: opts.paramDtype }) };
}

/** A residual block from its stages: y = relu(stages(x) + shortcut(x)). */
function residualBlock(op: string, name: string, st: readonly Stage[], outC: number, opts: ResidualBlockOptions): Layer<ResidualBlockParams, ResidualBlockState> {
  const strides = opts.strides ?? 1;
  if (!Number.isInteger(strides) || strides < 1) throw new RangeError(`nn.${op}: strides must be a positive integer, got ${strides}`);
  const { first, conv, bn } = parts(opts);
  const shortcutConv = conv2d(outC, 1, { ...conv, strides });
  const chan = (s: Shape) => s[first ? 1 : s.length - 1]!;
  /** One conv + batchNorm; state null = apply() without running statistics (training mode only). */
  const convBn = (c: Layer<ConvParamsTree, null>, p: ConvBnParams, bs: BatchNormState | null, x: Array, o: CallOptions): [Array, BatchNormState | null] => {
    const y = c.apply(p.conv, x);
    if (bs) return bn.applyWithState(p.bn, bs, y, o);
    if (!o.train) throw new TypeError(`nn.${op}: eval mode (train: false) needs the batchNorm running statistics: apply(params, x, { state }) or applyWithState`);
    return [bn.apply(p.bn, y, { train: true }), null];
  };
  const run = (p: ResidualBlockParams, s: ResidualBlockState | null, x: Array, o: CallOptions): [Array, ResidualBlockState] => {
    if (x.ndim !== 4) throw new TypeError(`nn.${name}: expected ${first ? '(N, C, H, W)' : '(N, H, W, C)'} inputs, got shape ${fmtShape(x.shape)}`);
    if (!p || !globalThis.Array.isArray(p.stages) || p.stages.length !== st.length)
      throw new TypeError(`nn.${name}: params.stages must hold ${st.length} conv+batchNorm stages`);
    let y = x;
    const next: BatchNormState[] = [];
    st.forEach((stage, i) => {
      const [yi, si] = convBn(stage.conv, p.stages[i]!, s ? s.stages[i]! : null, y, o);
      y = stage.relu ? relu(yi) : yi;
      if (si) next.push(si);
    });
    let sc = x;
    let scState: BatchNormState | null = null;
    if (p.shortcut) [sc, scState] = convBn(shortcutConv, p.shortcut, s ? s.shortcut : null, x, o);
    else if (chan(x.shape) !== outC || strides !== 1)
      throw new TypeError(`nn.${name}: the identity shortcut needs stride 1 and ${outC} input channels, got shape ${fmtShape(x.shape)}; the params lack a projection shortcut`);
    return [relu(add(y, sc)), { stages: next, shortcut: scState }];
  };
  return {
    name,
    init: (key, s) => {
      checkInputShape(name, s);
      if (s.length !== 4) throw new TypeError(`nn.${name}: expected an input shape of rank 4, ${first ? '(N, C, H, W)' : '(N, H, W, C)'}, got ${JSON.stringify(s)}`);
      const keys = splitKeys(key, st.length + 1) as Key[];
      let shape: number[] = s.slice();
      const params: ConvBnParams[] = [];
      const states: BatchNormState[] = [];
      st.forEach((stage, i) => {
        const c = stage.conv.init(keys[i]!, shape);
        const b = bn.init(keys[i]!, c.outputShape);
        const last = i === st.length - 1;
        const bnParams = last && opts.zeroInitResidual ? { ...b.params, scale: zerosInit(key, [outC], opts.paramDtype ?? 'float32') } : b.params;
        params.push({ conv: c.params, bn: bnParams });
        states.push(b.state);
        shape = c.outputShape;
      });
      const project = opts.projection || strides !== 1 || chan(s) !== outC;
      let shortcut: ConvBnParams | null = null, scState: BatchNormState | null = null;
      if (project) {
        const c = shortcutConv.init(keys[st.length]!, s);
        const b = bn.init(key, c.outputShape);
        shortcut = { conv: c.params, bn: b.params };
        scState = b.state;
      }
      return { params: { stages: params, shortcut }, state: { stages: states, shortcut: scState }, outputShape: shape };
    },
    apply: (p, x, o: ApplyOptions<ResidualBlockState> = {}) => run(p, o.state ?? null, x, o)[0],
    applyWithState: (p, s, x, o = {}) => run(p, s, x, o),
  };
}

/**
 * The basic residual block of ResNet-18/34 (torchvision's BasicBlock): y = relu(bn(conv3x3(relu(bn(conv3x3(x,
 * stride))))) + shortcut(x)), where the shortcut is the identity, or a 1x1 convolution with the block's stride
 * followed by batchNorm (a projection) when the stride or the channel count changes. Convolutions have no
 * bias and pad by 1 (PyTorch's padding=1, also for stride 2). batchNorm state is explicit, as in batchNorm.
 * @example
 * const block = nn.basicBlock(64, { strides: 2 });
 * const { params, state } = block.init(random.key(0), [-1, 32, 32, 32]); // projection shortcut: 32 -> 64 channels
 * const [y, state2] = block.applyWithState(params, state, x, { train: true }); // [N, 16, 16, 64]
 */
export function basicBlock(features: number, opts: ResidualBlockOptions = {}): Layer<ResidualBlockParams, ResidualBlockState> {
  if (!Number.isInteger(features) || features < 1) throw new RangeError(`nn.basicBlock: features must be a positive integer, got ${features}`);
  const name = `basicBlock(${features}${opts.strides && opts.strides !== 1 ? `, strides ${opts.strides}` : ''})`;
  const c = parts(opts).conv;
  const stages: Stage[] = [
    { conv: conv2d(features, 3, { ...c, strides: opts.strides ?? 1, padding: 1 }), relu: true },
    { conv: conv2d(features, 3, { ...c, padding: 1 }), relu: false },
  ];
  return residualBlock('basicBlock', name, stages, features, opts);
}

/**
 * The bottleneck residual block of ResNet-50 and deeper (torchvision's Bottleneck, "ResNet v1.5": the stride is
 * on the 3x3 convolution): 1x1 conv to `features` channels, 3x3 conv (stride), 1x1 conv to
 * features · expansion channels, each followed by batchNorm (and relu but the last), plus the shortcut
 * (identity, or a 1x1 strided conv + batchNorm projection), then relu.
 * @example
 * const block = nn.bottleneckBlock(64); // [N, H, W, 256] -> [N, H, W, 256]
 */
export function bottleneckBlock(features: number, opts: ResidualBlockOptions & { expansion?: number } = {}): Layer<ResidualBlockParams, ResidualBlockState> {
  if (!Number.isInteger(features) || features < 1) throw new RangeError(`nn.bottleneckBlock: features must be a positive integer, got ${features}`);
  const e = opts.expansion ?? 4;
  if (!Number.isInteger(e) || e < 1) throw new RangeError(`nn.bottleneckBlock: expansion must be a positive integer, got ${e}`);
  const name = `bottleneckBlock(${features}${opts.strides && opts.strides !== 1 ? `, strides ${opts.strides}` : ''})`;
  const c = parts(opts).conv;
  const stages: Stage[] = [
    { conv: conv2d(features, 1, c), relu: true },
    { conv: conv2d(features, 3, { ...c, strides: opts.strides ?? 1, padding: 1 }), relu: true },
    { conv: conv2d(features * e, 1, c), relu: false },
  ];
  return residualBlock('bottleneckBlock', name, stages, features * e, opts);
}
