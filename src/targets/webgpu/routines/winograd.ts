// encodeConv2dWinograd: stride-1 3×3 and 5×5 convolutions by Winograd's minimal filtering F(4×4 or 2×2, 3×3) and F(2×2, 5×5) (kernels/winograd.wgsl + a batched GEMM).
/// <reference types="@webgpu/types" />
import { type Epilogue, type PassOrEncoder, type RoutineContext, activation, activationHelpers, bindGroup, cpuLike, grid2d, instantiate, lanes, memoized, pipeline, scratch, uniforms, withPass } from './common.js';
import { type Conv2dArgs, type Conv2dShape, convOutSize, convStrides } from './conv.js';
import { dummyBuffer, encodeMatmul } from './matmul.js';

/** A rational coefficient [numerator, denominator]. */
type Q = readonly [number, number];
interface Transform { readonly BT: readonly (readonly Q[])[]; readonly G: readonly (readonly Q[])[]; readonly AT: readonly (readonly Q[])[] }

const q = (rows: readonly (readonly (number | Q)[])[]): Q[][] => rows.map((r) => r.map((v) => (typeof v === 'number' ? [v, 1] as const : v)));
/** The forms: F(m×m, r×r) as "m,r". */
export type WinogradForm = '4,3' | '2,3' | '2,5';
/**
 * Lavin & Gray's matrices: y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the correlation of the α×α patch d (α = m + r − 1) with the
 * r×r filter g. The α = 6 forms share Bᵀ (interpolation at 0, ±1, ±2, ∞); their G rows are s_k·(1, p_k, p_k², …) and
 * their Aᵀ rows p_kⁱ for those points p_k and scales s_k.
 */
const BT6 = q([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]);
export const winogradTransforms: Readonly<Record<WinogradForm, Transform>> = {
  '2,3': {
    BT: q([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]),
    G: q([[1, 0, 0], [[1, 2], [1, 2], [1, 2]], [[1, 2], [-1, 2], [1, 2]], [0, 0, 1]]),
    AT: q([[1, 1, 1, 0], [0, 1, -1, -1]]),
  },
  '4,3': {
    BT: BT6,
    G: q([[[1, 4], 0, 0], [[-1, 6], [-1, 6], [-1, 6]], [[-1, 6], [1, 6], [-1, 6]], [[1, 24], [1, 12], [1, 6]], [[1, 24], [-1, 12], [1, 6]], [0, 0, 1]]),
    AT: q([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]),
  },
  '2,5': {
    BT: BT6,
    G: q([
      [[1, 4], 0, 0, 0, 0], [[-1, 6], [-1, 6], [-1, 6], [-1, 6], [-1, 6]], [[-1, 6], [1, 6], [-1, 6], [1, 6], [-1, 6]],
      [[1, 24], [1, 12], [1, 6], [1, 3], [2, 3]], [[1, 24], [-1, 12], [1, 6], [-1, 3], [2, 3]], [0, 0, 0, 0, 1],
    ]),
    AT: q([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 1]]),
  },
};

/** Σ coefs[k]·terms[k] as WGSL, zero coefficients dropped, ±1 without a product, others as exact f32 constants. */
function lin(coefs: readonly Q[], terms: readonly string[]): string {
  const parts: string[] = [];
  coefs.forEach(([a, b], k) => {
    if (a === 0) return;
    const mag = Math.abs(a) === b ? terms[k]! : b === 1 ? `${Math.abs(a)}.0 * ${terms[k]}` : `(${Math.abs(a)}.0 / ${b}.0) * ${terms[k]}`;
    parts.push(parts.length === 0 ? (a < 0 ? `-${mag}` : mag) : `${a < 0 ? '-' : '+'} ${mag}`);
  });
  return parts.length ? parts.join(' ') : '0.0';
}

const transpose = (L: readonly (readonly Q[])[]): Q[][] => L[0]!.map((_, j) => L.map((row) => row[j]!));

/** Statements for R = L·X·Lᵀ (X given by name(r, c), r, c < cols of L): `let` temporaries, results named out(i, j). */
function sandwich(L: readonly (readonly Q[])[], name: (r: number, c: number) => string, tmp: string, out: (i: number, j: number) => string): string[] {
  const rows = L.length, inner = L[0]!.length, s: string[] = [];
  for (let i = 0; i < rows; i++) for (let c = 0; c < inner; c++) s.push(`let ${tmp}${i}_${c} = ${lin(L[i]!, Array.from({ length: inner }, (_, r) => name(r, c)))};`);
  for (let i = 0; i < rows; i++) for (let j = 0; j < rows; j++) s.push(`let ${out(i, j)} = ${lin(L[j]!, Array.from({ length: inner }, (_, c) => `${tmp}${i}_${c}`))};`);
  return s;
}

/** winogradCode by device and (form, epilogue, order): generated once (a jitted step asks on every call). */
const codeMemo = new WeakMap<GPUDevice, Map<string, string>>();
function winogradCode(ctx: RoutineContext, form: WinogradForm, epilogue: Epilogue, cf: boolean): string {
  return memoized(memoized(codeMemo, ctx.device, () => new Map()), `${form}|${epilogue}|${cf}`, () => winogradCodeText(ctx, form, epilogue, cf));
}
function winogradCodeText(ctx: RoutineContext, form: WinogradForm, epilogue: Epilogue, cf: boolean): string {
  const t = winogradTransforms[form], [m, r] = form.split(',').map(Number) as [number, number], a = m + r - 1, ind = (s: string[]) => s.map((l) => `  ${l}`).join('\n');
  const filter = [
    ...Array.from({ length: r * r }, (_, k) => `let g${k / r | 0}_${k % r} = src[base + ${k / r | 0}u * Q.ws.x + ${k % r}u * Q.ws.y];`),
    ...sandwich(t.G, (r, c) => `g${r}_${c}`, 't', (i, j) => `u${i}_${j}`),
    ...Array.from({ length: a * a }, (_, x) => `dst[${x}u * co + i] = u${x / a | 0}_${x % a};`),
  ];
  const input = [
    ...Array.from({ length: a * a }, (_, x) => `let d${x / a | 0}_${x % a} = xAt(n, ih + ${x / a | 0}, iw + ${x % a}, c);`),
    ...sandwich(t.BT, (r, c) => `d${r}_${c}`, 't', (i, j) => `v${i}_${j}`),
    ...Array.from({ length: a * a }, (_, x) => `dst[${x}u * pc + i] = v${x / a | 0}_${x % a};`),
  ];
  const outs = Array.from({ length: m * m }, (_, x) => `y${x / m | 0}_${x % m}`);
  const output = [
    ...Array.from({ length: a * a }, (_, x) => `let s${x / a | 0}_${x % a} = src[${x}u * po + i];`),
    `var e = 0u;`,
    ...Array.from({ length: a * a }, (_, x) => `e = max(e, expBits(s${x / a | 0}_${x % a}));`),
    `if (e == 0x7f800000u) { direct(n, oh, ow, o, b); return; }`,
    ...sandwich(t.AT, (r, c) => `s${r}_${c}`, 't', (i, j) => `y${i}_${j}`),
    ...Array.from({ length: (m * m) / 4 }, (_, v) => `let r${v} = ${activation(epilogue, `(vec4<f32>(${outs.slice(4 * v, 4 * v + 4).join(', ')}) + vec4<f32>(b))`)};`),
    ...outs.map((y, x) => `yPut(n, oh + ${x / m | 0}u, ow + ${x % m}u, o, r${x >> 2}[${x & 3}]);`),
  ];
  // the window form F(r×r, 2×2) (m = 2 only): G' = A, A'ᵀ = Gᵀ, Bᵀ the same (so wgInput serves it)
  const G2 = transpose(t.AT), AT2 = transpose(t.G);
  const dy = m !== 2 ? ['return;'] : [
    ...[0, 1].flatMap((u) => [0, 1].map((v) => `let g${u}_${v} = wAt(u0 + ${u}u, v0 + ${v}u, c, o);`)),
    ...sandwich(G2, (r, c) => `g${r}_${c}`, 't', (i, j) => `u${i}_${j}`),
    ...Array.from({ length: a * a }, (_, x) => `dst[${x}u * qo + i] = u${x / a | 0}_${x % a};`),
  ];
  const wout = m !== 2 ? ['return;'] : [
    ...Array.from({ length: a * a }, (_, x) => `let s${x / a | 0}_${x % a} = src[${x}u * no + i];`),
    `var e = 0u;`,
    ...Array.from({ length: a * a }, (_, x) => `e = max(e, expBits(s${x / a | 0}_${x % a}));`),
    `if (e == 0x7f800000u) { directWindow(n, o); return; }`,
    ...sandwich(AT2, (r, c) => `s${r}_${c}`, 't', (i, j) => `y${i}_${j}`),
    ...Array.from({ length: r * r }, (_, x) => `yPut(n, ${x / r | 0}u, ${x % r}u, o, y${x / r | 0}_${x % r});`),
  ];
  return instantiate('winograd.wgsl', {
    WG: lanes(ctx), M: m, R: r, CF: String(cf), FILTER: ind(filter), INPUT: ind(input), OUTPUT: ind(output), DY: ind(dy), WOUTPUT: ind(wout), ACT1: activation(epilogue, 'vec4<f32>(v)'),
    HELPERS: epilogue === 'none' || epilogue === 'relu' ? '' : activationHelpers,
  });
}

/**
 * Whether the WebGPU target takes a Winograd form for a convolution it applies to: for 3×3 filters at least 16 input
 * and output channels and 2²⁰ output-channel products (n·oh·ow·cin·cout); for 5×5 (F(2×2, 5×5), whose transforms
 * cost 4× more per output) cin·cout ≥ 2048 as well. Below these the transforms and extra dispatches outweigh the saving
 * (measured on lavapipe: docs/performance.md, "Seventh session" and "Tenth session").
 */
export function winogradPays(pixels: number, cin: number, cout: number, r: 3 | 5 = 3): boolean {
  return cin >= 16 && cout >= 16 && pixels * cin * cout >= 2 ** 20 && (r === 3 || cin * cout >= 2048);
}

/** For tests and measurements: force the thread order (channels fastest or not) instead of choosing it from the input's strides. */
export const winogradOrder: { cf?: boolean } = {};
/** The Winograd form for a convolution's shape, or null: 3×3 (F(m×m, 3×3), m = 4 or 2) or 5×5 (F(2×2, 5×5)) f32 filters, stride 1, no dilations, one group (any padding, cropping too). */
export function winogradFormOf(c: Omit<Conv2dArgs, 'x' | 'filter' | 'out'>, m3: 2 | 4 = 4): WinogradForm | null {
  if (!plainF32(c)) return null;
  return c.kh === 3 && c.kw === 3 ? `${m3},3` : c.kh === 5 && c.kw === 5 ? '2,5' : null;
}
/** Stride 1, no dilations, one group, float32: what every Winograd form here needs besides its window size. */
function plainF32(c: Omit<Conv2dArgs, 'x' | 'filter' | 'out'>): boolean {
  const one = (v: readonly [number, number] | undefined) => !v || (v[0] === 1 && v[1] === 1);
  return one(c.stride) && one(c.dilation) && one(c.lhsDilation) && (c.groups ?? 1) === 1 && (c.dtype ?? 'f32') === 'f32';
}
/** Whether a convolution has one of Winograd's shapes (winogradFormOf). */
export const winogradApplies = (c: Omit<Conv2dArgs, 'x' | 'filter' | 'out'>): boolean => winogradFormOf(c) !== null;

/**
 * Encode out = act(conv2d(x, w) + bias) for a convolution where `winogradApplies`: a 3×3 filter by F(m×m, 3×3), (m+2)²
 * GEMMs of [tiles, cin]·[cin, cout] in place of one of [n·oh·ow, 9·cin]·[9·cin, cout], i.e. 4× (m = 4, the default) or
 * 2.25× (m = 2) fewer multiply-adds; a 5×5 filter by F(2×2, 5×5), 36 GEMMs for 2.78× fewer; plus the transforms.
 * Scratch (the transformed filter, input and products) comes from ctx.alloc.
 * Rounding differs from the direct sum: the transforms add and scale before and after the products.
 * A tile whose products are not all finite (an inf or NaN in its input patch or the filter) is summed directly
 * instead, so non-finite values appear exactly where the direct convolution puts them.
 */
export function encodeConv2dWinograd(ctx: RoutineContext, target: PassOrEncoder, args: Conv2dArgs, m: 2 | 4 = 4): void {
  const form = winogradFormOf(args, m);
  if (!form) throw new Error(`wgsl conv2dWinograd: needs a 3×3 or 5×5 f32 filter, stride 1, no dilations and one group; got ${args.kh}×${args.kw}, stride ${args.stride ?? [1, 1]}, dilation ${args.dilation ?? [1, 1]}, lhsDilation ${args.lhsDilation ?? [1, 1]}, groups ${args.groups ?? 1}, ${args.dtype ?? 'f32'}`);
  const { tm, r, oh, ow } = tiling(args, form);
  const pad = args.padding ?? [[0, 0], [0, 0]];
  const { n, cin: c, cout: o } = args;
  if (oh <= 0 || ow <= 0 || n === 0 || o === 0) return;
  const th = Math.ceil(oh / tm), tw = Math.ceil(ow / tm), a2 = (tm + r - 1) ** 2;
  const { xs, ws, ys } = convStrides(args, oh, ow);
  // images per dispatch: the transformed input and products of a chunk fit one storage binding (winogradImages)
  const per = winogradImages(ctx, args, m);
  if (per < 1) throw new Error(`wgsl conv2dWinograd: one image's transformed input (${a2}×${th * tw}×${Math.max(c, o)} floats) exceeds the storage binding limit; use encodeConv2d`);
  const Pmax = Math.min(n, per) * th * tw;
  const U = scratch(ctx, a2 * c * o * 4), V = scratch(ctx, a2 * Pmax * c * 4), M = scratch(ctx, a2 * Pmax * o * 4);
  // channels fastest on CPU adapters (faster on lavapipe for either layout: the GEMM's rows are then the tiles) and for
  // channels-last activations; tiles fastest for channels-first ones on GPUs (neighbouring threads read neighbouring pixels)
  const cf = winogradOrder.cf ?? (cpuLike(ctx) || xs[3] === 1);
  const code = winogradCode(ctx, form, args.epilogue ?? 'none', cf);
  const step = (pass: GPUComputePassEncoder, entry: string, total: number, n0: number, nc: number, bufs: GPUBuffer[]): void =>
    dispatch(ctx, pass, code, entry, total, 'conv2dWinograd', (gx) => [...xs, ...ws, ...ys, nc, args.h, args.w, c, oh, ow, th, tw, o, pad[0][0], pad[1][0], gx, args.bias ? 1 : 0, n0, args.kh, args.kw], bufs);
  withPass(target, (pass) => {
    step(pass, 'wgFilter', c * o, 0, n, [args.filter, U]);
    for (let n0 = 0; n0 < n; n0 += per) {
      const nc = Math.min(per, n - n0), P = nc * th * tw;
      step(pass, 'wgInput', P * c, n0, nc, [args.x, V]);
      encodeMatmul(ctx, pass, cf ? { a: V, b: U, out: M, batch: a2, m: P, n: o, k: c } : { a: U, b: V, out: M, batch: a2, m: o, n: P, k: c });
      step(pass, 'wgOutput', P * o, n0, nc, [M, args.out, args.bias ?? dummyBuffer(ctx), args.x, args.filter]);
    }
  });
  // all images in one V: a filter gradient of this layer in the same submission may read it (encodeConv2dWinogradWindow)
  if (per >= n && ctx.memo) ctx.memo.set(inputKey(args.x, xs, n, c, args.h, args.w, pad[0][0], pad[1][0], th, tw, form), { v: V, cf } satisfies SharedInput);
}

const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 0;
const idOf = (b: GPUBuffer): number => {
  let i = bufferIds.get(b);
  if (i === undefined) bufferIds.set(b, (i = nextBufferId++));
  return i;
};
/** The memo key (RoutineContext.memo) of a transformed input V: x's buffer, its (image, h, w, channel) strides, the sizes, the tile grid's origin and extent, the form. */
function inputKey(x: GPUBuffer, xs: readonly number[], images: number, ch: number, h: number, w: number, ph: number, pw: number, th: number, tw: number, form: WinogradForm): string {
  return `winogradV|${idOf(x)}|${xs.join(',')}|${images},${ch},${h},${w}|${ph},${pw}|${th},${tw}|${form}`;
}
interface SharedInput { readonly v: GPUBuffer; readonly cf: boolean }
/** Counts, for tests: window-form convolutions that read a forward convolution's transformed input instead of transforming x again. */
export const winogradStats = { sharedInputs: 0 };

/** Bytes one Winograd scratch buffer may take: the device's storage binding limit, at most 128 MiB (tests lower it). */
export const winogradScratch = { maxBytes: 1 << 27 };
const scratchLimit = (ctx: RoutineContext): number =>
  Math.min(ctx.device.limits.maxStorageBufferBindingSize, ctx.device.limits.maxBufferSize, winogradScratch.maxBytes);

/**
 * One dispatch of a kernels/winograd.wgsl entry point over `total` threads: the grid from the device's limits, the WP
 * uniforms (`words` of the grid's x extent) and the buffers (null: a binding this entry point does not use).
 */
function dispatch(ctx: RoutineContext, pass: GPUComputePassEncoder, code: string, entry: string, total: number, op: string, words: (gx: number) => number[], bufs: readonly (GPUBuffer | null)[]): void {
  const p = pipeline(ctx, code, entry);
  const [gx, gy] = grid2d(ctx, Math.ceil(total / lanes(ctx)), op);
  pass.setPipeline(p);
  pass.setBindGroup(0, bindGroup(ctx, p, [uniforms(ctx, words(gx)), ...bufs]));
  pass.dispatchWorkgroups(gx, gy);
}

/** The output tile m, filter size r and output size of a convolution in a Winograd form. */
function tiling(c: Conv2dShape, form: WinogradForm): { tm: number; r: number; oh: number; ow: number } {
  const [tm, r] = form.split(',').map(Number) as [number, number];
  const pad = c.padding ?? [[0, 0], [0, 0]];
  return { tm, r, oh: convOutSize(c.h, r, 1, pad[0][0], pad[0][1], 1, 1), ow: convOutSize(c.w, r, 1, pad[1][0], pad[1][1], 1, 1) };
}

/**
 * Images per dispatch of encodeConv2dWinograd(ctx, _, c, m): as many as keep the transformed input and the products
 * (α²·tiles·max(cin, cout) floats) within one storage binding and winogradScratch.maxBytes; 0 when one image does not
 * fit, or when the convolution has no Winograd form.
 */
export function winogradImages(ctx: RoutineContext, c: Conv2dShape, m: 2 | 4 = 4): number {
  const form = winogradFormOf(c, m);
  if (!form) return 0;
  const { tm, r, oh, ow } = tiling(c, form);
  const perImage = (tm + r - 1) ** 2 * Math.ceil(oh / tm) * Math.ceil(ow / tm) * Math.max(c.cin, c.cout) * 4;
  const limit = scratchLimit(ctx);
  return Math.min(c.n, Math.floor(limit / perImage));
}

/**
 * Whether a convolution has the window form's shape (encodeConv2dWinogradWindow): an r×r output (r = 3 or 5), stride 1,
 * no dilations, one group, f32, a window of at least 2×2: the shape of a 3×3 or 5×5 layer's filter gradient, whose
 * window is the output cotangent. Returns r, or 0.
 */
export function winogradWindowForm(c: Omit<Conv2dArgs, 'x' | 'filter' | 'out'>): 0 | 3 | 5 {
  if (!plainF32(c)) return 0;
  if (c.kh < 2 || c.kw < 2 || c.bias || c.epilogue && c.epilogue !== 'none') return 0;
  const pad = c.padding ?? [[0, 0], [0, 0]];
  const oh = convOutSize(c.h, c.kh, 1, pad[0][0], pad[0][1], 1, 1), ow = convOutSize(c.w, c.kw, 1, pad[1][0], pad[1][1], 1, 1);
  return oh === ow && (oh === 3 || oh === 5) ? oh : 0;
}

/**
 * Whether the window form pays (measured on lavapipe, docs/performance.md "Tenth session"): at least 16 images and
 * output channels, a window of at least 16 tiles per channel and 2²⁴ multiply-adds; and its scratch (the transformed
 * input and window, α²·Q·max(n, o) floats each) within one storage binding.
 */
export function winogradWindowPays(ctx: RoutineContext, c: Omit<Conv2dArgs, 'x' | 'filter' | 'out'>): boolean {
  const r = winogradWindowForm(c);
  if (!r) return false;
  const tiles = Math.ceil(c.kh / 2) * Math.ceil(c.kw / 2), q = c.cin * tiles, a2 = (r + 1) ** 2;
  const limit = scratchLimit(ctx);
  return c.n >= 16 && c.cout >= 16 && tiles >= 16 && c.n * c.cout * r * r * c.cin * c.kh * c.kw >= 2 ** 24 && a2 * q * Math.max(c.n, c.cout) * 4 <= limit;
}

/**
 * Encode out = conv2d(x, w) for a convolution of the window form (winogradWindowForm: an r×r output, r = 3 or 5) by
 * F(r×r, 2×2), Winograd's dual of F(2×2, r×r): the window is cut into 2×2 tiles, each (tile, channel) pair becomes
 * one step of the reduction, and (r+1)² GEMMs of [n, Q]·[Q, cout] (Q = cin·⌈kh/2⌉·⌈kw/2⌉) replace the one of
 * [n·r², cin·kh·kw]·[cin·kh·kw, cout]: 25·4/36 = 2.78× (r = 5) or 9·4/16 = 2.25× (r = 3) fewer multiply-adds, plus
 * the transforms. A filter gradient is such a convolution (x with images and channels swapped, the output cotangent as
 * the window). Outputs whose products are not all finite are summed directly, as in encodeConv2dWinograd.
 */
export function encodeConv2dWinogradWindow(ctx: RoutineContext, target: PassOrEncoder, args: Conv2dArgs): void {
  const r = winogradWindowForm(args);
  if (!r) throw new Error(`wgsl conv2dWinogradWindow: needs a 3×3 or 5×5 output, stride 1, no dilations, one group, f32, a window of at least 2×2 and no bias or activation; got window ${args.kh}×${args.kw}, input ${args.h}×${args.w}, padding ${JSON.stringify(args.padding ?? [[0, 0], [0, 0]])}, stride ${args.stride ?? [1, 1]}, groups ${args.groups ?? 1}, ${args.dtype ?? 'f32'}`);
  const form: WinogradForm = r === 5 ? '2,5' : '2,3';
  const pad = args.padding ?? [[0, 0], [0, 0]];
  const { n, cin: c, cout: o, kh, kw } = args;
  if (n === 0 || o === 0) return;
  const th = Math.ceil(kh / 2), tw = Math.ceil(kw / 2), q = c * th * tw, a2 = (r + 1) ** 2;
  const { xs, ws, ys } = convStrides(args, r, r);
  // x read with images and channels swapped: the same patches as the forward convolution of x by F(2×2, r×r), whose
  // transformed input (V[ξ, tile, channel] or its transpose) a jitted step has computed already
  const xsSwapped = [xs[3]!, xs[1]!, xs[2]!, xs[0]!];
  const shared = ctx.memo?.get(inputKey(args.x, xsSwapped, c, n, args.h, args.w, pad[0][0], pad[1][0], th, tw, form)) as SharedInput | undefined;
  if (shared) winogradStats.sharedInputs++;
  const V = shared?.v ?? scratch(ctx, a2 * n * q * 4), U = scratch(ctx, a2 * q * o * 4), M = scratch(ctx, a2 * n * o * 4);
  const code = winogradCode(ctx, form, 'none', false);
  // WP: xs, ws, ys, n, h, w, c, oh, ow, th, tw, o, ph, pw, gridX, hasBias, n0, kh, kw
  const uni = (xs4: number[], nn: number, cc: number) => (gx: number): number[] => [...xs4, ...ws, ...ys, nn, args.h, args.w, cc, r, r, th, tw, o, pad[0][0], pad[1][0], gx, 0, 0, kh, kw];
  const step = (pass: GPUComputePassEncoder, entry: string, total: number, words: (gx: number) => number[], bufs: (GPUBuffer | null)[]): void =>
    dispatch(ctx, pass, code, entry, total, 'conv2dWinogradWindow', words, bufs);
  withPass(target, (pass) => {
    // the input transform with images and channels swapped: its "images" are the channels, its "channels" the images
    if (!shared) step(pass, 'wgInput', q * n, uni(xsSwapped, c, n), [args.x, V]);
    step(pass, 'wgDy', q * o, uni(xs, n, c), [args.filter, U]);
    // V[ξ] is [n, Q]; a shared one in channels-fastest order is [Q, n]
    encodeMatmul(ctx, pass, { a: V, b: U, out: M, batch: a2, m: n, n: o, k: q, transA: shared?.cf === true });
    step(pass, 'wgWindowOutput', n * o, uni(xs, n, c), [M, args.out, null, args.x, args.filter]);
  });
}
