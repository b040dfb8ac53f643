// encodeConv2d / encodeConv2dInputGrad / encodeConv2dFilterGrad: 2-D convolution and its gradients as implicit GEMMs (kernels/conv.wgsl + matmul.wgsl).
/// <reference types="@webgpu/types" />
import { type ElemType, type Epilogue, type PassOrEncoder, type RoutineContext, bindGroup, instantiate, memoized, pipeline, storeAs, uniforms, withPass } from './common.js';
import { dummyBuffer, gemmCode, gemmGrid, loadBText } from './matmul.js';

/** Activation layout: NHWC (channels last) or NCHW (the library's primitive); filter layout: HWIO or OIHW. */
export type ConvLayout = 'NHWC' | 'NCHW';
export type FilterLayout = 'HWIO' | 'OIHW';

/** Shapes and window of a 2-D convolution, lax.conv_general_dilated semantics (feature groups; no batch groups). */
export interface Conv2dShape {
  /** Batch, input height/width, input channels (total), output channels (total), kernel height/width. */
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly cin: number;
  readonly cout: number;
  readonly kh: number;
  readonly kw: number;
  readonly stride?: readonly [number, number];
  /** [[top, bottom], [left, right]] (may be negative: cropping). */
  readonly padding?: readonly [readonly [number, number], readonly [number, number]];
  /** Kernel (rhs) dilation. */
  readonly dilation?: readonly [number, number];
  /** Input (lhs) dilation: zeros between input pixels (transposed convolution). */
  readonly lhsDilation?: readonly [number, number];
  readonly groups?: number;
  readonly layout?: ConvLayout;
  /** Element strides of x (or dx) in (n, h, w, c) order, overriding `layout`'s (a transposed view read in place). */
  readonly xStrides?: readonly [number, number, number, number];
  /** Element strides of y (forward output) in (n, h, w, c) order, overriding `layout`'s (written straight into a transposed layout). */
  readonly yStrides?: readonly [number, number, number, number];
  /** Element strides of the filter (or dw) in (kh, kw, i, o) order, overriding `filterLayout`'s (a transposed view read in place). */
  readonly wStrides?: readonly [number, number, number, number];
  readonly filterLayout?: FilterLayout;
  readonly dtype?: ElemType;
}

/** y = act(conv(x, w) + bias): x [n,h,w,cin] (layout), filter [kh,kw,cin/groups,cout] (filterLayout), out [n,oh,ow,cout], bias [cout]. */
export interface Conv2dArgs extends Conv2dShape {
  readonly x: GPUBuffer;
  readonly filter: GPUBuffer;
  readonly out: GPUBuffer;
  readonly bias?: GPUBuffer;
  readonly epilogue?: Epilogue;
}
/** dx = ∂⟨y, dy⟩/∂x: dy [n,oh,ow,cout] → out = dx [n,h,w,cin]. */
export interface Conv2dInputGradArgs extends Conv2dShape {
  readonly dy: GPUBuffer;
  readonly filter: GPUBuffer;
  readonly out: GPUBuffer;
}
/** dw = ∂⟨y, dy⟩/∂w: x, dy → out = dw [kh,kw,cin/groups,cout] (filterLayout). */
export interface Conv2dFilterGradArgs extends Conv2dShape {
  readonly x: GPUBuffer;
  readonly dy: GPUBuffer;
  readonly out: GPUBuffer;
}

interface Geometry {
  oh: number; ow: number; cg: number; og: number; g: number;
  s: [number, number]; p: [number, number]; d: [number, number]; l: [number, number];
  xs: number[]; ws: number[]; ys: number[];
}

/** Output size of one spatial dimension: ⌊(l(in-1)+1 + lo + hi - (d(k-1)+1)) / s⌋ + 1 (lax.conv_general_dilated). */
export function convOutSize(size: number, k: number, s: number, lo: number, hi: number, d: number, l: number): number {
  return Math.floor((l * (size - 1) + 1 + lo + hi - (d * (k - 1) + 1)) / s) + 1;
}

function geometry(op: string, c: Conv2dShape): Geometry {
  const s = c.stride ?? [1, 1], d = c.dilation ?? [1, 1], l = c.lhsDilation ?? [1, 1];
  const pad = c.padding ?? [[0, 0], [0, 0]];
  const g = c.groups ?? 1;
  if (c.cin % g !== 0 || c.cout % g !== 0) throw new Error(`wgsl ${op}: groups ${g} must divide cin ${c.cin} and cout ${c.cout}`);
  for (const v of [...s, ...d, ...l]) if (!Number.isInteger(v) || v < 1) throw new Error(`wgsl ${op}: strides and dilations must be positive integers, got stride ${s} dilation ${d} lhsDilation ${l}`);
  const oh = convOutSize(c.h, c.kh, s[0], pad[0][0], pad[0][1], d[0], l[0]);
  const ow = convOutSize(c.w, c.kw, s[1], pad[1][0], pad[1][1], d[1], l[1]);
  if (oh < 0 || ow < 0) throw new Error(`wgsl ${op}: empty output ${oh}×${ow} for input ${c.h}×${c.w}, kernel ${c.kh}×${c.kw}`);
  const cg = c.cin / g;
  return { oh, ow, cg, og: c.cout / g, g, s: [s[0], s[1]], p: [pad[0][0], pad[1][0]], d: [d[0], d[1]], l: [l[0], l[1]], ...convStrides(c, oh, ow) };
}

/**
 * Element strides of a convolution's tensors: x and y in (n, h, w, c) order from `layout` (or xStrides/yStrides), the
 * filter in (kh, kw, i, o) order from `filterLayout` (or wStrides); y is oh × ow.
 */
export function convStrides(c: Conv2dShape, oh: number, ow: number): { xs: number[]; ws: number[]; ys: number[] } {
  const cg = c.cin / (c.groups ?? 1);
  const act = (hh: number, ww: number, ch: number): number[] => (c.layout ?? 'NHWC') === 'NHWC' ? [hh * ww * ch, ww * ch, ch, 1] : [ch * hh * ww, ww, 1, hh * ww];
  const ws = c.wStrides ? [...c.wStrides] : (c.filterLayout ?? 'HWIO') === 'HWIO' ? [c.kw * cg * c.cout, cg * c.cout, c.cout, 1] : [c.kw, 1, c.kh * c.kw, cg * c.kh * c.kw];
  return { xs: c.xStrides ? [...c.xStrides] : act(c.h, c.w, c.cin), ws, ys: c.yStrides ? [...c.yStrides] : act(oh, ow, c.cout) };
}

/**
 * Switches for A/B measurements and tests: `tap` lets forward convolutions use gemmDirect's tap loop; `winograd` is the
 * m of the F(m×m, 3×3) form the WebGPU target uses for 3×3 stride-1 convolutions (routines/winograd.ts), 0 for none;
 * `winograd5` lets it use F(2×2, 5×5) for 5×5 ones; `winogradWindow` the window form F(r×r, 2×2) for 3×3 and 5×5 outputs of large
 * windows (filter gradients).
 */
export const convForms: { tap: boolean; winograd: 0 | 2 | 4; winograd5: boolean; winogradWindow: boolean } = { tap: true, winograd: 4, winograd5: true, winogradWindow: true };

/** The conv loads by (mode, type, plain B, vec4 B): the same string object each time (gemmCode's memo key). */
const convLoads = new Map<string, string>();

function encodeConvGemm(
  ctx: RoutineContext, target: PassOrEncoder, op: string, mode: 'fwd' | 'dx' | 'dw', c: Conv2dShape,
  a: GPUBuffer, b: GPUBuffer, out: GPUBuffer, bias: GPUBuffer | undefined, epilogue: Epilogue,
): void {
  const geo = geometry(op, c);
  const [m, n, k] =
    mode === 'fwd' ? [c.n * geo.oh * geo.ow, geo.og, c.kh * c.kw * geo.cg]
    : mode === 'dx' ? [c.n * c.h * c.w, geo.cg, c.kh * c.kw * geo.og]
    : [c.kh * c.kw * geo.cg, geo.og, c.n * geo.oh * geo.ow];
  if (m === 0 || n === 0) return;
  const T = c.dtype ?? 'f32';
  // Forward with dense HWIO filters: B is the plain [kh·kw·cg, cout] matrix (group g at column offset g·og), read by rows.
  const plainB = mode === 'fwd' && (c.filterLayout ?? 'HWIO') === 'HWIO' && !c.wStrides;
  const bVec = plainB && geo.og % 4 === 0 && c.cout % 4 === 0;
  const generic = `fn loadB4(b: u32, k: u32, n: u32) -> vec4<f32> {
  return vec4<f32>(${mode}B(b, k, n), ${mode}B(b, k, n + 1u), ${mode}B(b, k, n + 2u), ${mode}B(b, k, n + 3u));
}`;
  // The tap loop: depth k = tap·cg + c in whole vec4 channel steps inside a tap. (Binding channels-last activations as
  // vec4 for one vector load per row was measured slower on lavapipe: 512 against 468 CPU ms for W6.)
  const tap = mode === 'fwd' && plainB && geo.cg % 4 === 0 && geo.l[0] === 1 && geo.l[1] === 1 && convForms.tap;
  const st = storeAs(T); // f16 outputs narrowed exactly (h16_), not by WGSL's implementation-defined f16(x)
  const loads = memoized(convLoads, `${mode}|${T}|${+plainB}|${+bVec}`, () =>
    st.source + '\n' + instantiate('conv.wgsl', { MODE: mode, T, STORE: st.fn, LOADB4: plainB ? loadBText(bVec, false) : generic, B_AT: bVec ? 'f32(B[i / 4u][i % 4u])' : 'f32(B[i])' }));
  const { code, entry, tiles } = gemmCode(ctx, { T, aVec: false, bVec, hasBias: !!bias, epilogue, loads, m, n, rowHoist: true, tap });
  const p = pipeline(ctx, code, entry);
  const [gx, gy, gz] = gemmGrid(ctx, tiles, m, n, geo.g, op);
  const u = uniforms(ctx, [m, n, k, geo.g, 0, plainB ? geo.og : 0, 0, 0, plainB ? c.cout : 0, 0, Math.ceil(n / (tiles.wgX * tiles.tn)), geo.og]);
  const q = uniforms(ctx, [
    ...geo.xs, ...geo.ws, ...geo.ys,
    c.n, c.h, c.w, geo.cg, geo.oh, geo.ow, c.kh, c.kw,
    geo.og, geo.s[0], geo.s[1], geo.p[0], geo.p[1], geo.d[0], geo.d[1], geo.l[0], geo.l[1], 0, 0, 0,
  ]);
  const bg = bindGroup(ctx, p, [u, a, b, out, bias ?? dummyBuffer(ctx), q]);
  withPass(target, (pass) => {
    pass.setPipeline(p);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(gx, gy, gz);
  });
}

/** Output spatial size [oh, ow] of a convolution. */
export function conv2dOutShape(c: Conv2dShape): [number, number] {
  const g = geometry('conv2d', c);
  return [g.oh, g.ow];
}

/** Encode out = act(conv2d(x, w) + bias). */
export function encodeConv2d(ctx: RoutineContext, target: PassOrEncoder, args: Conv2dArgs): void {
  encodeConvGemm(ctx, target, 'conv2d', 'fwd', args, args.x, args.filter, args.out, args.bias, args.epilogue ?? 'none');
}
/** Encode out = dx, the input gradient (a transposed convolution of dy). */
export function encodeConv2dInputGrad(ctx: RoutineContext, target: PassOrEncoder, args: Conv2dInputGradArgs): void {
  encodeConvGemm(ctx, target, 'conv2dInputGrad', 'dx', args, args.dy, args.filter, args.out, undefined, 'none');
}
/** Encode out = dw, the filter gradient (a correlation of x with dy). */
export function encodeConv2dFilterGrad(ctx: RoutineContext, target: PassOrEncoder, args: Conv2dFilterGradArgs): void {
  encodeConvGemm(ctx, target, 'conv2dFilterGrad', 'dw', args, args.x, args.dy, args.out, undefined, 'none');
}
