// encodeConv2dWinograd: stride-1 3×3 and 5×5 convolutions by Winograd's minimal filtering F(4×4 or 2×2, 3×3) and F(2×2, 5×5) (kernels/winograd.wgsl + a batched GEMM).
/// <reference types="@webgpu/types" />
import { type Epilogue, type PassOrEncoder, type RoutineContext, activation, activationHelpers, bindGroup, grid2d, instantiate, lanes, pipeline, scratch, uniforms, withPass } from './common.js';
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

/** Statements for R = L·X·Lᵀ (X given by name(r, c), r, c < cols of L): `let` temporaries, results named out(i, j). */
function sandwich(L: readonly (readonly Q[])[], name: (r: number, c: number) => string, tmp: string, out: (i: number, j: number) => string): string[] {
  const rows = L.length, inner = L[0]!.length, s: string[] = [];
  for (let i = 0; i < rows; i++) for (let c = 0; c < inner; c++) s.push(`let ${tmp}${i}_${c} = ${lin(L[i]!, Array.from({ length: inner }, (_, r) => name(r, c)))};`);
  for (let i = 0; i < rows; i++) for (let j = 0; j < rows; j++) s.push(`let ${out(i, j)} = ${lin(L[j]!, Array.from({ length: inner }, (_, c) => `${tmp}${i}_${c}`))};`);
  return s;
}

function winogradCode(ctx: RoutineContext, form: WinogradForm, epilogue: Epilogue, cf: boolean): string {
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
  return instantiate('winograd.wgsl', {
    WG: lanes(ctx), M: m, R: r, CF: String(cf), FILTER: ind(filter), INPUT: ind(input), OUTPUT: ind(output), ACT1: activation(epilogue, 'vec4<f32>(v)'),
    HELPERS: epilogue === 'none' || epilogue === 'relu' ? '' : activationHelpers,
  });
}

/**
 * Whether the WebGPU target takes a Winograd form for a convolution it applies to: for 3×3 filters at least 16 input
 * and output channels and 2²⁰ output-channel products (n·oh·ow·cin·cout); for 5×5 (F(2×2, 5×5), whose transforms
 * cost 4× more per output) cin·cout ≥ 4096 as well. Below these the transforms and extra dispatches outweigh the saving
 * (measured on lavapipe: docs/performance.md, "Seventh session").
 */
export function winogradPays(pixels: number, cin: number, cout: number, r: 3 | 5 = 3): boolean {
  return cin >= 16 && cout >= 16 && pixels * cin * cout >= 2 ** 20 && (r === 3 || cin * cout >= 4096);
}

/** For tests and measurements: force the thread order (channels fastest or not) instead of choosing it from the input's strides. */
export const winogradOrder: { cf?: boolean } = {};
/** The Winograd form for a convolution's shape, or null: 3×3 (F(m×m, 3×3), m = 4 or 2) or 5×5 (F(2×2, 5×5)) f32 filters, stride 1, no dilations, one group (any padding, cropping too). */
export function winogradFormOf(c: Omit<Conv2dArgs, 'x' | 'filter' | 'out'>, m3: 2 | 4 = 4): WinogradForm | null {
  const one = (v: readonly [number, number] | undefined) => !v || (v[0] === 1 && v[1] === 1);
  if (!(one(c.stride) && one(c.dilation) && one(c.lhsDilation) && (c.groups ?? 1) === 1 && (c.dtype ?? 'f32') === 'f32')) return null;
  return c.kh === 3 && c.kw === 3 ? `${m3},3` : c.kh === 5 && c.kw === 5 ? '2,5' : null;
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
  // channels fastest unless the activations are channels-first (their pixels adjacent)
  const cf = winogradOrder.cf ?? xs[3] === 1;
  const code = winogradCode(ctx, form, args.epilogue ?? 'none', cf);
  const wg = lanes(ctx);
  const step = (pass: GPUComputePassEncoder, entry: string, total: number, n0: number, nc: number, bufs: GPUBuffer[]): void => {
    const p = pipeline(ctx, code, entry);
    const [gx, gy] = grid2d(ctx, Math.ceil(total / wg), 'conv2dWinograd');
    const u = uniforms(ctx, [...xs, ...ws, ...ys, nc, args.h, args.w, c, oh, ow, th, tw, o, pad[0][0], pad[1][0], gx, args.bias ? 1 : 0, n0, 0, 0]);
    pass.setPipeline(p);
    pass.setBindGroup(0, bindGroup(ctx, p, [u, ...bufs]));
    pass.dispatchWorkgroups(gx, gy);
  };
  withPass(target, (pass) => {
    step(pass, 'wgFilter', c * o, 0, n, [args.filter, U]);
    for (let n0 = 0; n0 < n; n0 += per) {
      const nc = Math.min(per, n - n0), P = nc * th * tw;
      step(pass, 'wgInput', P * c, n0, nc, [args.x, V]);
      encodeMatmul(ctx, pass, cf ? { a: V, b: U, out: M, batch: a2, m: P, n: o, k: c } : { a: U, b: V, out: M, batch: a2, m: o, n: P, k: c });
      step(pass, 'wgOutput', P * o, n0, nc, [M, args.out, args.bias ?? dummyBuffer(ctx), args.x, args.filter]);
    }
  });
}

/** Bytes one Winograd scratch buffer may take: the device's storage binding limit, at most 128 MiB (tests lower it). */
export const winogradScratch = { maxBytes: 1 << 27 };

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
  const limit = Math.min(ctx.device.limits.maxStorageBufferBindingSize, ctx.device.limits.maxBufferSize, winogradScratch.maxBytes);
  return Math.min(c.n, Math.floor(limit / perImage));
}
