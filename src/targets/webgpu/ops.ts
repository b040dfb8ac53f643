// WebGPU implementations of the first-order primitives: each records dispatches/copies into a Batch and returns
// device storages. Elementwise and movement ops go through the kernel IR renderer; the rest are WGSL of their own.
import { ShapedArray, stridesOf } from '../../core/aval.js';
import type { DType } from '../../core/dtype.js';
import {
  binaryPrims, comparePrims, unaryPrims, type ConvParams, type DotGeneralParams, type GatherParams, type Params, type ReducePrim,
} from '../../core/primitive.js';
import type { KExpr, KOp, Kernel } from '../../compiler/kernel.js';
import type { FirstOrderPrim } from '../../rules/impl.js';
import { type Batch, type GpuStorage, WebGpuError, copyBytes, groupsFor, storageType, wgslType } from './device.js';
import { encodeConv2d, encodeMatmul, encodeSort, type RoutineContext } from './routines/index.js';
import { convForms } from './routines/conv.js';
import { encodeConv2dWinograd, encodeConv2dWinogradWindow, winogradFormOf, winogradImages, winogradPays, winogradWindowPays } from './routines/winograd.js';
import { memoized, uniforms } from './routines/common.js';
import { Helpers, MAIN_1D, WG, bindings, coordLines, literal, offsetExpr, renderWgsl } from './wgsl.js';

/** An operand of a GPU op: its storage and aval. */
export interface GpuIn {
  readonly st: GpuStorage;
  readonly aval: ShapedArray;
  /**
   * A transpose the jit plan did not materialise (run.ts, lazyViews): `aval`'s element (i₀, i₁, …) is `st`'s element
   * Σ iₖ·strides[k]. Only the convolution routine is given one; {@link materialized} copies it for anything else.
   */
  readonly view?: { readonly strides: readonly number[] };
}

/** The operand as a buffer of its own shape: a lazy view (GpuIn.view) copied out, anything else as it is. */
export function materialized(b: Batch, x: GpuIn): GpuIn {
  return x.view ? { st: view(b, x, x.aval, x.view.strides, 0)[0]!, aval: x.aval } : x;
}
/** A primitive on the GPU: records its work into the batch and returns the output storages. */
export type GpuImpl<P extends FirstOrderPrim> = (b: Batch, ins: readonly GpuIn[], params: Params<P>, outAvals: readonly ShapedArray[]) => GpuStorage[];
/** An implementation that ignores its params (fits every primitive). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyGpuImpl = (b: Batch, ins: readonly GpuIn[], params: any, outAvals: readonly ShapedArray[]) => GpuStorage[];

/** Runs a kernel of the kernel IR: renders (cached by source in the pipeline cache) and dispatches. */
export function runKernel(b: Batch, k: Kernel, ins: readonly GpuStorage[], outAvals: readonly ShapedArray[]): GpuStorage[] {
  const outs = outAvals.map((a) => b.alloc(a, 'fused kernel'));
  const n = k.shape.reduce((x, y) => x * y, 1);
  if (n === 0 || outAvals.every((a) => a.size === 0)) return outs;
  const r = memoized(rendered, k, () => renderWgsl(k, groupsFor));
  b.dispatch(r.code, [...ins.map((s) => s.buffer), ...outs.map((s) => s.buffer)], r.groups);
  return outs;
}
/** WGSL of a jit plan's kernels (the same Kernel object on every call of the plan): rendered once. */
const rendered = new WeakMap<Kernel, ReturnType<typeof renderWgsl>>();

/** Dispatches a hand-written kernel with one thread per element of the output `n`. */
function runCustom(b: Batch, code: string, ins: readonly GpuStorage[], outs: readonly GpuStorage[], n: number): void {
  if (n === 0) return;
  b.dispatch(code, [...ins.map((s) => s.buffer), ...outs.map((s) => s.buffer)], groupsFor(n, WG));
}

const load = (input: number, aval: ShapedArray, strides: readonly number[], offset = 0): KExpr => ({ kind: 'load', input, view: { strides, offset }, dtype: aval.dtype });

/** One elementwise op over operands of the output's shape (contiguous loads). */
const elementwise = (op: KOp): AnyGpuImpl => (b, ins, _p, [oa]) => {
  const shape = oa!.shape;
  const args = ins.map((x, i) => load(i, x.aval, stridesOf(shape)));
  const expr: KExpr = { kind: 'op', op, args, dtype: oa!.dtype };
  return runKernel(b, { shape, inputs: ins.map((x) => x.aval), outputs: [expr] }, ins.map((x) => x.st), [oa!]);
};

/** A single strided load (a view) materialised: transpose, broadcast, slice, rev. */
function view(b: Batch, x: GpuIn, oa: ShapedArray, strides: readonly number[], offset: number): GpuStorage[] {
  return runKernel(b, { shape: oa.shape, inputs: [x.aval], outputs: [load(0, x.aval, strides, offset)] }, [x.st], [oa]);
}

function copy(b: Batch, x: GpuIn, oa: ShapedArray): GpuStorage[] {
  const out = b.alloc(oa, 'copy');
  copyElements(b, x.st, out, oa.size);
  return [out];
}

/**
 * Copies `n` elements from `src` (from element srcOffset) into `dst` (from dstOffset): a buffer copy, or for 16-bit
 * float16 at odd offsets or lengths (not 4-byte aligned) a kernel moving the f16 values (offsets in a uniform).
 */
export function copyElements(b: Batch, src: GpuStorage, dst: GpuStorage, n: number, srcOffset = 0, dstOffset = 0): void {
  if (copyBytes(b, src, dst, n, srcOffset, dstOffset)) return;
  const code = [
    bindings([src.dtype], [dst.dtype], 'copy'), '@group(0) @binding(2) var<uniform> off: vec4<u32>;',
    MAIN_1D, '  if (i < off.x) { y0[off.z + i] = x0[off.y + i]; }', '}',
  ].join('\n');
  b.dispatch(code, [src.buffer, dst.buffer, uniforms(routineCtx(b), [n, srcOffset, dstOffset, 0])], groupsFor(n, WG));
}

const reduce = (op: ReducePrim): GpuImpl<ReducePrim> => (b, [x], { axes }, [oa]) =>
  runKernel(b, { shape: x!.aval.shape, inputs: [x!.aval], outputs: [load(0, x!.aval, stridesOf(x!.aval.shape))], reduce: { op, axes } }, [x!.st], [oa!]);

const T = (d: DType, what: string): string => wgslType(d, what);
/** Computed in f32 on the GPU: float32, and float16 (whose results are rounded to float16 after each operation). */
const f32s = (d: DType): boolean => d === 'float32' || d === 'float16';

/** A WGSL source with one thread per output element, output coordinates c0.., and `body` storing y0[i]. */
function perElement(what: string, ins: readonly DType[], out: DType, shape: readonly number[], body: readonly string[], h = new Helpers()): string {
  const n = shape.reduce((a, x) => a * x, 1);
  return [bindings(ins, [out], what), h.source(), MAIN_1D, `  if (i >= ${n}u) { return; }`, ...coordLines(shape, 'i', 'c').map((l) => '  ' + l), ...body.map((l) => '  ' + l), '}'].join('\n');
}

const iota: GpuImpl<'iota'> = (b, _ins, p, [oa]) => {
  const out = b.alloc(oa!, 'iota');
  const t = T(oa!.dtype, 'iota');
  runCustom(b, perElement('iota', [], oa!.dtype, oa!.shape, [`y0[i] = ${t}(c${p.dimension});`]), [], [out], oa!.size);
  return [out];
};

const pad: GpuImpl<'pad'> = (b, [x, v], p, [oa]) => {
  const xs = x!.aval.shape, st = stridesOf(xs);
  const out = b.alloc(oa!, 'pad');
  const conds: string[] = [], terms: string[] = [];
  p.paddingConfig.forEach(([lo, , interior], d) => {
    const q = `(c${d} - ${lo})`;
    conds.push(`${q} >= 0`, `${q} % ${interior + 1} == 0`, `${q} / ${interior + 1} < ${xs[d]}`);
    terms.push(`(${q} / ${interior + 1}) * ${st[d]}`);
  });
  const inside = conds.length ? conds.join(' && ') : 'true';
  const body = [`if (${inside}) { y0[i] = x0[${terms.length ? terms.join(' + ') : '0'}]; } else { y0[i] = x1[0]; }`];
  runCustom(b, perElement('pad', [x!.aval.dtype, v!.aval.dtype], oa!.dtype, oa!.shape, body), [x!.st, v!.st], [out], oa!.size);
  return [out];
};

const concatenate: GpuImpl<'concatenate'> = (b, ins, { dimension: dim }, [oa]) => {
  const out = b.alloc(oa!, 'concatenate');
  const lines: string[] = [];
  let start = 0;
  ins.forEach((x, k) => {
    const s = x.aval.shape, st = stridesOf(s), end = start + s[dim]!;
    const idx = offsetExpr(0, st, (d) => (d === dim ? `(c${d} - ${start})` : `c${d}`));
    lines.push(`${k === 0 ? '' : 'else '}if (c${dim} < ${end}) { y0[i] = x${k}[${idx}]; }`);
    start = end;
  });
  runCustom(b, perElement('concatenate', ins.map((x) => x.aval.dtype), oa!.dtype, oa!.shape, lines), ins.map((x) => x.st), [out], oa!.size);
  return [out];
};

/** Clamped start indices read from scalar operands x{first}..: `s{d}`. */
const starts = (shape: readonly number[], sizes: readonly number[], first: number, dts: readonly DType[]): string[] =>
  shape.map((n, d) => `let s${d} = clamp(${dts[d] === 'int32' ? '' : 'i32'}(x${first + d}[0]), 0, ${n - sizes[d]!});`);

const dynamicSlice: GpuImpl<'dynamicSlice'> = (b, [x, ...idx], p, [oa]) => {
  const xs = x!.aval.shape, st = stridesOf(xs);
  const out = b.alloc(oa!, 'dynamicSlice');
  const body = [...starts(xs, p.sliceSizes, 1, idx.map((a) => a.aval.dtype)), `y0[i] = x0[${offsetExpr(0, st, (d) => `(c${d} + s${d})`)}];`];
  runCustom(b, perElement('dynamicSlice', [x!.aval.dtype, ...idx.map((a) => a.aval.dtype)], oa!.dtype, oa!.shape, body), [x!.st, ...idx.map((a) => a.st)], [out], oa!.size);
  return [out];
};

const dynamicUpdateSlice: GpuImpl<'dynamicUpdateSlice'> = (b, [x, u, ...idx], _p, [oa]) => {
  const xs = x!.aval.shape, us = u!.aval.shape, ust = stridesOf(us);
  const out = b.alloc(oa!, 'dynamicUpdateSlice');
  const inside = xs.map((_, d) => `c${d} >= s${d} && c${d} < s${d} + ${us[d]}`).join(' && ') || 'true';
  const body = [
    ...starts(xs, us, 2, idx.map((a) => a.aval.dtype)),
    `if (${inside}) { y0[i] = x1[${offsetExpr(0, ust, (d) => `(c${d} - s${d})`)}]; } else { y0[i] = x0[i]; }`,
  ];
  runCustom(b, perElement('dynamicUpdateSlice', [x!.aval.dtype, u!.aval.dtype, ...idx.map((a) => a.aval.dtype)], oa!.dtype, oa!.shape, body), [x!.st, u!.st, ...idx.map((a) => a.st)], [out], oa!.size);
  return [out];
};

/**
 * Index arithmetic shared by gather and scatter: for coordinates g0.. of the gathered shape (rest axes with the
 * common index shape I inserted at outDim), `pos` = the operand offset, `ok` = every index in range.
 */
function gatherIndex(operand: ShapedArray, idx: readonly GpuIn[], p: GatherParams, first: number, clampIdx: boolean): string[] {
  const xs = operand.shape, xst = stridesOf(xs);
  const rest = xs.map((_, d) => d).filter((d) => !p.axes.includes(d));
  const iRank = Math.max(0, ...idx.map((a) => a.aval.shape.length));
  const lines: string[] = ['var pos = 0;', 'var ok = true;'];
  rest.forEach((d, r) => {
    const g = r < p.outDim ? r : r + iRank;
    lines.push(`pos += g${g} * ${xst[d]};`);
  });
  idx.forEach((a, k) => {
    const s = a.aval.shape, st = stridesOf(s);
    const off = s.map((n, j) => (n === 1 ? '' : ` + g${p.outDim + iRank - s.length + j} * ${st[j]}`)).join('');
    const n = xs[p.axes[k]!]!;
    lines.push(`var q${k} = ${a.aval.dtype === 'int32' ? '' : 'i32'}(x${first + k}[0${off}]);`);
    if (clampIdx) lines.push(`q${k} = clamp(q${k}, 0, ${n - 1});`);
    else lines.push(`if (q${k} < 0 || q${k} >= ${n}) { ok = false; }`);
    lines.push(`pos += q${k} * ${xst[p.axes[k]!]};`);
  });
  return lines;
}

const gather: GpuImpl<'gather'> = (b, [x, ...idx], p, [oa]) => {
  const out = b.alloc(oa!, 'gather');
  if (oa!.size > 0) p.axes.forEach((a) => {
    if (x!.aval.shape[a] === 0) throw new RangeError(`gather: cannot index axis ${a} of size 0 of operand ${x!.aval.toString()}`);
  });
  const body = [...coordLines(oa!.shape, 'i', 'g'), ...gatherIndex(x!.aval, idx, p, 1, true), 'y0[i] = x0[pos];'];
  runCustom(b, perElement('gather', [x!.aval.dtype, ...idx.map((a) => a.aval.dtype)], oa!.dtype, oa!.shape, body), [x!.st, ...idx.map((a) => a.st)], [out], oa!.size);
  return [out];
};

/** scatterAdd: copy the operand, then one thread per update adds atomically (floats by compare-exchange). */
const scatterAdd: GpuImpl<'scatterAdd'> = (b, [x, u, ...idx], p, [oa]) => {
  const out = b.alloc(oa!, 'scatterAdd');
  copyElements(b, x!.st, out, oa!.size);
  const us = u!.aval.shape, dt = oa!.dtype, n = u!.aval.size;
  if (n === 0) return [out];
  const decl = [
    `@group(0) @binding(0) var<storage, read> x1: array<${T(u!.aval.dtype, 'scatterAdd')}>;`,
    ...idx.map((a, k) => `@group(0) @binding(${1 + k}) var<storage, read> x${2 + k}: array<${T(a.aval.dtype, 'scatterAdd')}>;`),
    `@group(0) @binding(${1 + idx.length}) var<storage, read_write> y0: array<atomic<u32>>;`,
  ].join('\n');
  const add =
    f32s(dt)
      ? ['var old = atomicLoad(&y0[pos]);', 'loop {', '  let r = atomicCompareExchangeWeak(&y0[pos], old, bitcast<u32>(bitcast<f32>(old) + v));', '  if (r.exchanged) { break; }', '  old = r.old_value;', '}']
      : dt === 'bool' ? ['if (v != 0u) { atomicOr(&y0[pos], 1u); }'] : ['atomicAdd(&y0[pos], bitcast<u32>(v));'];
  const code = [decl, MAIN_1D, `  if (i >= ${n}u) { return; }`, ...coordLines(us, 'i', 'g').map((l) => '  ' + l),
    ...gatherIndex(x!.aval, idx, p, 2, false).map((l) => '  ' + l), '  if (!ok) { return; }', '  let v = x1[i];', ...add.map((l) => '  ' + l), '}'].join('\n');
  runCustom(b, code, [u!.st, ...idx.map((a) => a.st)], [out], n);
  return [out];
};

/** scatter (last write wins): pass 1 records the last update index per position (atomicMax), pass 2 writes it. */
const scatter: GpuImpl<'scatter'> = (b, [x, u, ...idx], p, [oa]) => {
  const out = b.alloc(oa!, 'scatter');
  copyElements(b, x!.st, out, oa!.size);
  const us = u!.aval.shape, n = u!.aval.size;
  if (n === 0) return [out];
  const win = b.alloc(new ShapedArray([oa!.size], 'int32'), 'scatter');
  const fill = [`@group(0) @binding(0) var<storage, read_write> y0: array<i32>;`, MAIN_1D, `  if (i < ${oa!.size}u) { y0[i] = -1; }`, '}'].join('\n');
  runCustom(b, fill, [], [win], oa!.size);
  const idxDecl = idx.map((a, k) => `@group(0) @binding(${k}) var<storage, read> x${2 + k}: array<${T(a.aval.dtype, 'scatter')}>;`);
  const head = [...coordLines(us, 'i', 'g').map((l) => '  ' + l), ...gatherIndex(x!.aval, idx, p, 2, false).map((l) => '  ' + l), '  if (!ok) { return; }'];
  const pass1 = [...idxDecl, `@group(0) @binding(${idx.length}) var<storage, read_write> w: array<atomic<i32>>;`, MAIN_1D, `  if (i >= ${n}u) { return; }`, ...head, '  atomicMax(&w[pos], i32(i));', '}'].join('\n');
  runCustom(b, pass1, idx.map((a) => a.st), [win], n);
  const pass2 = [...idxDecl, `@group(0) @binding(${idx.length}) var<storage, read> x1: array<${T(u!.aval.dtype, 'scatter')}>;`,
    `@group(0) @binding(${idx.length + 1}) var<storage, read> w: array<i32>;`, `@group(0) @binding(${idx.length + 2}) var<storage, read_write> y0: array<${T(oa!.dtype, 'scatter')}>;`,
    MAIN_1D, `  if (i >= ${n}u) { return; }`, ...head, '  if (w[pos] == i32(i)) { y0[pos] = x1[i]; }', '}'].join('\n');
  runCustom(b, pass2, [...idx.map((a) => a.st), u!.st, win], [out], n);
  win.dispose();
  return [out];
};

/** argmax/argmin along one axis: the first extremum; a NaN wins at its first occurrence (the reference's rule). */
const arg = (which: 'max' | 'min'): GpuImpl<'argmax' | 'argmin'> => (b, [x], { axis }, [oa]) => {
  const xs = x!.aval.shape, st = stridesOf(xs), n = xs[axis]!;
  const out = b.alloc(oa!, which);
  const outCoord = (d: number) => (d < axis ? `c${d}` : `c${d - 1}`);
  const base = offsetExpr(0, st.map((s, d) => (d === axis ? 0 : s)), (d) => outCoord(d));
  const h = new Helpers();
  const isF = f32s(x!.aval.dtype);
  const nan = (v: string) => (isF ? `${h.use('isnan_')}(${v})` : 'false');
  const better = which === 'max' ? '>' : '<';
  const body = [
    `let b0 = ${base};`, `var best = x0[b0];`, `var bi = 0;`,
    `if (!${nan('best')}) {`, `  for (var j = 1; j < ${n}; j++) {`, `    let v = x0[b0 + j * ${st[axis]}];`,
    `    if (${nan('v')}) { bi = j; break; }`, `    if (v ${better} best) { best = v; bi = j; }`, '  }', '}',
    `y0[i] = ${T(oa!.dtype, which)}(bi);`,
  ];
  runCustom(b, perElement(`arg${which}`, [x!.aval.dtype], oa!.dtype, oa!.shape, body, h), [x!.st], [out], oa!.size);
  return [out];
};

/** Inclusive prefix sum along an axis (one thread per output element; bool is or). */
const cumsum: GpuImpl<'cumsum'> = (b, [x], { axis, reverse }, [oa]) => {
  const xs = x!.aval.shape, st = stridesOf(xs), n = xs[axis]!;
  const out = b.alloc(oa!, 'cumsum');
  const t = T(oa!.dtype, 'cumsum');
  const base = offsetExpr(0, st.map((s, d) => (d === axis ? 0 : s)), (d) => `c${d}`);
  const range = reverse ? `var j = c${axis}; j < ${n}; j++` : `var j = 0; j <= c${axis}; j++`;
  const acc = oa!.dtype === 'bool' ? 'acc = max(acc, x0[b0 + j * S]);' : 'acc = acc + x0[b0 + j * S];';
  const body = [`let b0 = ${base};`, `var acc: ${t} = ${literal(0, oa!.dtype)};`, `for (${range}) { ${acc.replace('S', String(st[axis]))} }`, 'y0[i] = acc;'];
  runCustom(b, perElement('cumsum', [x!.aval.dtype], oa!.dtype, oa!.shape, body), [x!.st], [out], oa!.size);
  return [out];
};

/**
 * dotGeneral: out[batch…, lhsFree…, rhsFree…] = Σ over the contracting axes. A tiled kernel for the common
 * [B,M,K]x[B,K,N] forms (every layout through strides), 4x4 outputs per thread, f32 accumulation.
 */
export const dotGeneral: GpuImpl<'dotGeneral'> = (b, ins, p, outAvals) => {
  const out = tiledMatmul(b, ins[0]!, ins[1]!, p, outAvals[0]!);
  return out ? [out] : dotGeneralKernel(b, ins, p, outAvals);
};

/** Free (non-batch, non-contracting) axes of the lhs and rhs of a dotGeneral. */
function freeAxes(p: DotGeneralParams, xs: readonly number[], ys: readonly number[]): [number[], number[]] {
  const [lc, rc] = p.contract, [lb, rb] = p.batch;
  return [xs.map((_, d) => d).filter((d) => !lc.includes(d) && !lb.includes(d)), ys.map((_, d) => d).filter((d) => !rc.includes(d) && !rb.includes(d))];
}

/** dotGeneral by the generated tiled kernel (every layout and dtype). */
const dotGeneralKernel: GpuImpl<'dotGeneral'> = (b, [x, y], p: DotGeneralParams, [oa]) => {
  const [lc, rc] = p.contract, [lb, rb] = p.batch;
  const xs = x!.aval.shape, ys = y!.aval.shape, xst = stridesOf(xs), yst = stridesOf(ys);
  const [lf, rf] = freeAxes(p, xs, ys);
  const out = b.alloc(oa!, 'dotGeneral');
  if (oa!.size === 0) return [out];
  const tIn = T(x!.aval.dtype, 'dotGeneral'), tOut = T(oa!.dtype, 'dotGeneral');
  const os = oa!.shape;
  // flatten M (lhs free), N (rhs free), K (contract) and B (batch) into one index each, mapped through strides
  const size = (s: readonly number[], ax: readonly number[]) => ax.reduce((a, d) => a * s[d]!, 1);
  const B = size(xs, lb), M = size(xs, lf), N = size(ys, rf), K = size(xs, lc);
  const offOf = (name: string, s: readonly number[], ax: readonly number[], st: readonly number[], idx: string): string => {
    if (ax.length === 0) return `fn ${name}(${idx}: u32) -> i32 { return 0; }`;
    const ls = coordLines(ax.map((d) => s[d]!), idx, 'q');
    return `fn ${name}(${idx}: u32) -> i32 {\n  ${ls.join('\n  ')}\n  return ${offsetExpr(0, ax.map((d) => st[d]!), (k) => `q${k}`)};\n}`;
  };
  const fns = [
    offOf('lb_', xs, lb, xst, 'v'), offOf('lm_', xs, lf, xst, 'v'), offOf('lk_', xs, lc, xst, 'v'),
    offOf('rb_', ys, rb, yst, 'v'), offOf('rn_', ys, rf, yst, 'v'), offOf('rk_', ys, rc, yst, 'v'),
  ].join('\n');
  void os;
  const cast = (v: string) => (tIn === tOut ? v : `${tOut}(${v})`);
  const TM = 4, TN = 4;
  const mT = Math.ceil(M / TM), nT = Math.ceil(N / TN);
  const code = [
    bindings([x!.aval.dtype, y!.aval.dtype], [oa!.dtype], 'dotGeneral'), fns, MAIN_1D,
    `  if (i >= ${B * mT * nT}u) { return; }`,
    `  let bb = i / ${mT * nT}u; let mt = (i / ${nT}u) % ${mT}u; let nt = i % ${nT}u;`,
    `  let xb = lb_(bb); let yb = rb_(bb);`,
    `  var acc: array<${tOut}, ${TM * TN}>;`,
    `  var xo: array<i32, ${TM}>; var yo: array<i32, ${TN}>;`,
    `  for (var a = 0u; a < ${TM}u; a++) { xo[a] = xb + lm_(min(mt * ${TM}u + a, ${M - 1}u)); }`,
    `  for (var c = 0u; c < ${TN}u; c++) { yo[c] = yb + rn_(min(nt * ${TN}u + c, ${N - 1}u)); }`,
    `  for (var k = 0u; k < ${K}u; k++) {`,
    `    let xk = lk_(k); let yk = rk_(k);`,
    `    var xv: array<${tOut}, ${TM}>; var yv: array<${tOut}, ${TN}>;`,
    `    for (var a = 0u; a < ${TM}u; a++) { xv[a] = ${cast('x0[xo[a] + xk]')}; }`,
    `    for (var c = 0u; c < ${TN}u; c++) { yv[c] = ${cast('x1[yo[c] + yk]')}; }`,
    `    for (var a = 0u; a < ${TM}u; a++) { for (var c = 0u; c < ${TN}u; c++) { acc[a * ${TN}u + c] += xv[a] * yv[c]; } }`,
    '  }',
    `  for (var a = 0u; a < ${TM}u; a++) { let m = mt * ${TM}u + a; if (m >= ${M}u) { break; }`,
    `    for (var c = 0u; c < ${TN}u; c++) { let n = nt * ${TN}u + c; if (n >= ${N}u) { break; } y0[(bb * ${M}u + m) * ${N}u + n] = acc[a * ${TN}u + c]; } }`,
    '}',
  ].join('\n');
  runCustom(b, code, [x!.st, y!.st], [out], B * mT * nT);
  return [out];
};

const routineCtxs = new WeakMap<Batch, RoutineContext>();
/**
 * The context of the hand-tuned WGSL routines (src/targets/webgpu/routines) on the batch's device. Their scratch
 * buffers (Winograd's transformed operands, reduction partials, sort keys) come from the device's pool and go back to
 * it once the batch is submitted (a storage released while its batch is encoded is pooled only after the submission).
 */
function routineCtx(b: Batch): RoutineContext {
  let c = routineCtxs.get(b);
  if (!c) {
    const alloc = (bytes: number): GPUBuffer => {
      const t = b.alloc(new ShapedArray([bytes / 4], 'float32'), 'routine scratch');
      const buf = t.buffer;
      t.dispose();
      return buf;
    };
    routineCtxs.set(b, (c = { device: b.state.device, cpuLike: b.state.cpuLike, alloc, memo: new Map(), ...(b.state.wideHost !== undefined ? { wideHost: b.state.wideHost } : {}) }));
  }
  return c;
}

/** TENSORLAW_WEBGPU_ROUTINES=0 turns the hand-tuned routines off (the generated kernels run instead), for comparisons. */
const useRoutines = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TENSORLAW_WEBGPU_ROUTINES !== '0';

const isIdentity = (perm: readonly number[]): boolean => perm.every((d, i) => d === i);

/**
 * float32 (or float16) dotGeneral whose operands are batched matrices in row-major layout (batch axes leading, then
 * the free and contracting axes as two contiguous groups in either order): the tiled GEMM routine
 * (kernels/matmul.wgsl), on f32 buffers or, all three 16-bit, on f16 ones. Returns the output, or null when the
 * routine does not apply (nothing recorded).
 */
function tiledMatmul(b: Batch, x: GpuIn, y: GpuIn, p: DotGeneralParams, oa: ShapedArray): GpuStorage | null {
  const dtype = routineType([x, y], oa);
  if (!dtype) return null;
  const [lc, rc] = p.contract, [lb, rb] = p.batch;
  const xs = x.aval.shape, ys = y.aval.shape;
  const [lf, rf] = freeAxes(p, xs, ys);
  const size = (s: readonly number[], ax: readonly number[]) => ax.reduce((a, d) => a * s[d]!, 1);
  const transA = isIdentity([...lb, ...lc, ...lf]) && !isIdentity([...lb, ...lf, ...lc]);
  if (!transA && !isIdentity([...lb, ...lf, ...lc])) return null;
  const transB = isIdentity([...rb, ...rf, ...rc]) && !isIdentity([...rb, ...rc, ...rf]);
  if (!transB && !isIdentity([...rb, ...rc, ...rf])) return null;
  const batch = size(xs, lb), m = size(xs, lf), k = size(xs, lc), n = size(ys, rf);
  // CPU adapters (lavapipe) pay per storage load: the routine reads a transposed operand by vec4 along its stored rows
  // when those are 4-aligned (m for A, k for B); otherwise the operand is copied to the plain layout first.
  const vecT = (!transA || m % 4 === 0) && (!transB || k % 4 === 0);
  const out = b.alloc(oa, 'dotGeneral');
  if (!b.state.cpuLike || (!transA && !transB) || vecT) {
    encodeMatmul(routineCtx(b), b.pass(), { a: x.st.buffer, b: y.st.buffer, out: out.buffer, batch, m, n, k, transA, transB, dtype });
    return out;
  }
  const plain = (v: GpuIn, rows: number, cols: number): GpuStorage =>
    view(b, { st: v.st, aval: new ShapedArray([batch, cols, rows], v.aval.dtype) }, new ShapedArray([batch, rows, cols], v.aval.dtype), [rows * cols, 1, rows], 0)[0]!;
  const a = transA ? plain(x, m, k) : x.st, bb = transB ? plain(y, k, n) : y.st;
  encodeMatmul(routineCtx(b), b.pass(), { a: a.buffer, b: bb.buffer, out: out.buffer, batch, m, n, k, transA: false, transB: false, dtype });
  if (a !== x.st) a.dispose(); // pooled again once this batch is submitted
  if (bb !== y.st) bb.dispose();
  return out;
}

/**
 * The storage element type a routine runs on for these operands and output: f32, or f16 when all are 16-bit float16
 * buffers; null for a mix (or a dtype not computed in f32).
 */
function routineType(ins: readonly GpuIn[], oa: ShapedArray): 'f32' | 'f16' | null {
  if (!useRoutines || oa.size === 0 || !f32s(oa.dtype) || !ins.every((x) => f32s(x.aval.dtype))) return null;
  const t = storageType(oa.dtype, 'routine') as 'f32' | 'f16';
  return ins.every((x) => x.st.half === (t === 'f16')) ? t : null;
}

/**
 * float32 (or float16) 2-D convolutions without batch groups (forward, and the input and filter gradients, which the
 * AD rules express as convolutions too): the implicit-GEMM routine (kernels/conv.wgsl over matmul.wgsl's tiles) on
 * the primitive's NCHW activations and its OIHW filter copied to HWIO, with strides, padding (cropping too), both
 * dilations and feature groups; on f32 buffers or, all three 16-bit, on f16 ones. Returns the output, or null when
 * the routine does not apply (nothing recorded).
 */
function tiledConv(b: Batch, x: GpuIn, w: GpuIn, p: ConvParams, oa: ShapedArray, into?: ConvInto): GpuStorage | null {
  const dtype = routineType([x, w], oa);
  if (!dtype || x.aval.ndim !== 4 || p.batchGroupCount !== 1) return null;
  const [n, cin, h, wd] = x.aval.shape as [number, number, number, number];
  const [cout, , kh, kw] = w.aval.shape as [number, number, number, number];
  if (n * cin * h * wd === 0 || cout * kh * kw === 0) return null;
  const xv = x.view?.strides;
  const shape = {
    n, h, w: wd, cin, cout, kh, kw,
    ...(xv ? { xStrides: [xv[0]!, xv[2]!, xv[3]!, xv[1]!] as const } : {}),
    stride: [p.windowStrides[0]!, p.windowStrides[1]!] as const, padding: [p.padding[0]!, p.padding[1]!] as const,
    dilation: [p.rhsDilation[0]!, p.rhsDilation[1]!] as const, lhsDilation: [p.lhsDilation[0]!, p.lhsDilation[1]!] as const,
    groups: p.featureGroupCount, layout: 'NCHW' as const, dtype,
  };
  // 3×3 and 5×5 stride-1 convolutions with enough channels and work: Winograd F(4×4, 3×3) or F(2×2, 5×5) on the OIHW
  // filter as it is (4× or 2.78× fewer multiply-adds; rounding within a small multiple of the direct sum's, see
  // routines/winograd.ts)
  const m = convForms.winograd, form = winogradFormOf(shape, m || 4);
  const wanted = form === '2,5' ? convForms.winograd5 : form !== null && m !== 0;
  // the Winograd forms read the OIHW filter as it is (a transposed one left in place, HWIO say, by its (o, i, kh, kw) strides)
  const wv = w.view?.strides;
  const onFilter = (out: GpuStorage) => ({
    ...shape, x: x.st.buffer, filter: w.st.buffer, out: out.buffer, filterLayout: 'OIHW' as const,
    ...(wv ? { wStrides: [wv[2]!, wv[3]!, wv[1]!, wv[0]!] as const } : {}), ...(into ? { yStrides: into.yStrides } : {}),
  });
  if (wanted && winogradPays(n * oa.shape[2]! * oa.shape[3]!, cin, cout, kh === 5 ? 5 : 3) && winogradImages(routineCtx(b), shape, m || 4) >= 1) {
    const out = into ? into.st : b.alloc(oa, 'convGeneralDilated');
    encodeConv2dWinograd(routineCtx(b), b.pass(), { ...onFilter(out), ...(into?.bias ? { bias: into.bias } : {}) }, m || 4);
    return out;
  }
  // an r×r output (r = 3, 5) of a large window, such as a 3×3 or 5×5 layer's filter gradient: Winograd's dual form
  // F(r×r, 2×2) over the window's 2×2 tiles (routines/winograd.ts)
  if (convForms.winogradWindow && !into?.bias && winogradWindowPays(routineCtx(b), shape)) {
    const out = into ? into.st : b.alloc(oa, 'convGeneralDilated');
    encodeConv2dWinogradWindow(routineCtx(b), b.pass(), onFilter(out));
    return out;
  }
  // the routine reads an HWIO filter as a plain [kh·kw·cg, cout] matrix with vec4 loads: one small transposing copy
  // (one copy in all when the filter is itself a transpose left in place: its strides are composed)
  const [, cg] = w.aval.shape as [number, number];
  const st = w.view?.strides ?? stridesOf(w.aval.shape);
  const hwio = view(b, w, new ShapedArray([kh, kw, cg, cout], w.aval.dtype), [st[2]!, st[3]!, st[1]!, st[0]!], 0)[0]!;
  const out = into ? into.st : b.alloc(oa, 'convGeneralDilated');
  // a transposed input the plan left in place (an NHWC activation, say) is read through its strides
  encodeConv2d(routineCtx(b), b.pass(), {
    ...shape, x: x.st.buffer, filter: hwio.buffer, out: out.buffer, filterLayout: 'HWIO',
    ...(into ? { yStrides: into.yStrides } : {}), ...(into?.bias ? { bias: into.bias } : {}),
  });
  hwio.dispose(); // pooled again once this batch is submitted
  return out;
}

/** Where a convolution writes instead of a fresh NCHW buffer: `st`, with y's element (n, c, h, w) at n·s₀ + h·s₁ + w·s₂ + c·s₃. */
export interface ConvInto {
  readonly st: GpuStorage;
  readonly yStrides: readonly [number, number, number, number];
  /** A per-output-channel float32 bias the convolution's epilogue adds (f32 outputs only). */
  readonly bias?: GPUBuffer;
}

/** The convolution written straight into `into` (a transposed layout its only reader wants); false when the routine does not apply. */
export function convInto(b: Batch, [x, w]: readonly GpuIn[], p: ConvParams, oa: ShapedArray, into: ConvInto): boolean {
  return tiledConv(b, x!, w!, p, oa, into) !== null;
}

/**
 * convGeneralDilated (lhs N C spatial…, rhs O I spatial…): the implicit-GEMM routine for float32 2-D convolutions
 * (tiledConv), else one thread per output, direct summation.
 */
export const conv: GpuImpl<'convGeneralDilated'> = (b, [xIn, wIn], p: ConvParams, [oa]) => {
  const tiled = tiledConv(b, xIn!, wIn!, p, oa!);
  if (tiled) return [tiled];
  const x = materialized(b, xIn!), w = materialized(b, wIn!);
  const xs = x.aval.shape, ws = w.aval.shape, os = oa!.shape, xst = stridesOf(xs), wst = stridesOf(ws);
  const out = b.alloc(oa!, 'convGeneralDilated');
  if (oa!.size === 0) {
    if (x !== xIn) x.st.dispose();
    if (w !== wIn) w.st.dispose();
    return [out];
  }
  const [N, C] = [xs[0]!, xs[1]!], [O, I] = [ws[0]!, ws[1]!];
  const G = p.featureGroupCount, Bg = p.batchGroupCount, Og = O / G, Ob = O / Bg, Nout = N / Bg;
  const nsp = xs.length - 2;
  const kSp = ws.slice(2), Ksz = kSp.reduce((a, d) => a * d, 1);
  const tOut = T(oa!.dtype, 'convGeneralDilated');
  const body: string[] = [
    // c0 = n, c1 = o, c2.. = spatial output coordinates
    `let gf = c1 / ${Og}; let gb = c1 / ${Ob};`, `let nn = gb * ${Nout} + c0;`,
    `var acc: ${tOut} = ${literal(0, oa!.dtype)};`,
    `for (var ci = 0; ci < ${I}; ci++) {`, `  let cin = gf * ${I} + ci;`,
    `  for (var kk = 0u; kk < ${Ksz}u; kk++) {`,
    ...coordLines(kSp, 'kk', 'k').map((l) => '    ' + l), '    var ok = true;', '    var off = nn * ' + xst[0] + ' + cin * ' + xst[1] + ';',
  ];
  for (let a = 0; a < nsp; a++) {
    const s = p.windowStrides[a]!, rd = p.rhsDilation[a]!, ld = p.lhsDilation[a]!, lo = p.padding[a]![0], S = xs[2 + a]!;
    body.push(`    { let q = c${2 + a} * ${s} + k${a} * ${rd} - ${lo}; if (q < 0 || q % ${ld} != 0 || q / ${ld} >= ${S}) { ok = false; } off += (q / ${ld}) * ${xst[2 + a]}; }`);
  }
  const wOff = `c1 * ${wst[0]} + ci * ${wst[1]}${kSp.map((_, a) => ` + k${a} * ${wst[2 + a]}`).join('')}`;
  body.push(`    if (ok) { acc += ${tOut}(x0[off]) * ${tOut}(x1[${wOff}]); }`, '  }', '}', 'y0[i] = acc;');
  void C;
  runCustom(b, perElement('convGeneralDilated', [x.aval.dtype, w.aval.dtype], oa!.dtype, os, body), [x.st, w.st], [out], oa!.size);
  if (x !== xIn) x.st.dispose(); // pooled again once this batch is submitted
  if (w !== wIn) w.st.dispose();
  return [out];
};

/**
 * sort with one float32 key operand: the bitonic sort routine (kernels/sort.wgsl, stable, NaN last) gives each row's
 * argsort; every operand is then permuted by it. Other cases (integer keys, several keys) raise a clear error.
 */
const sort: GpuImpl<'sort'> = (b, ins, p, outAvals) => {
  const keys = ins[0]!;
  if (p.numKeys !== 1 || !f32s(keys.aval.dtype))
    return missing(`sort (with ${p.numKeys} keys of dtype ${keys.aval.dtype}; the webgpu target sorts one float32 key)`)(b, ins, p, outAvals);
  const shape = keys.aval.shape, dim = p.dimension, nd = shape.length, n = shape[dim]!;
  const outs = outAvals.map((a) => b.alloc(a, 'sort'));
  if (keys.aval.size === 0) return outs;
  const rows = keys.aval.size / n;
  // keys with the sorted axis last, as [rows, n]
  const perm = [...shape.keys()].filter((d) => d !== dim).concat([dim]);
  const st = stridesOf(shape);
  const keysLast = dim === nd - 1 ? keys.st : view(b, keys, new ShapedArray(perm.map((d) => shape[d]!), 'float32'), perm.map((d) => st[d]!), 0)[0]!;
  const idx = b.alloc(new ShapedArray([rows, n], 'int32'), 'sort');
  const sorted = b.alloc(new ShapedArray([rows, n], 'float32'), 'sort');
  encodeSort(routineCtx(b), b.pass(), { x: keysLast.buffer, values: sorted.buffer, indices: idx.buffer, rows, n, descending: p.descending });
  // out_k[c] = operand_k[c with c[dim] = idx[row(c), c[dim]]]
  const others = perm.slice(0, -1);
  const rowExpr = offsetExpr(0, contiguousOf(others.map((d) => shape[d]!)), (k) => `c${others[k]}`);
  ins.forEach((x, k) => {
    const src = offsetExpr(0, st, (d) => (d === dim ? 'j' : `c${d}`));
    const body = [`let j = x1[(${rowExpr}) * ${n} + c${dim}];`, `y0[i] = x0[${src}];`];
    runCustom(b, perElement('sort', [x.aval.dtype, 'int32'], outAvals[k]!.dtype, shape, body), [x.st, idx], [outs[k]!], x.aval.size);
  });
  if (keysLast !== keys.st) keysLast.dispose();
  idx.dispose();
  sorted.dispose();
  return outs;
};
const contiguousOf = (shape: readonly number[]): number[] => stridesOf(shape);

/** A primitive without a GPU kernel yet: a clear error (never a silently wrong result). */
const missing = (prim: string): AnyGpuImpl => () => {
  throw new WebGpuError(
    `${prim}: no WebGPU implementation yet; compute it on another target, e.g. ` +
      `\`withTarget('wasm', () => ...)\` on arrays read back with \`await x.data()\`, or avoid ${prim} in code run on webgpu`,
  );
};

const table = <K extends string, R>(keys: readonly K[], f: (k: K) => R) => Object.fromEntries(keys.map((k) => [k, f(k)])) as { [P in K]: R };

/** Rounds f32 values to float16 in place (ties to even, overflow to ±inf), with integer ops on the bits. */
const ROUND_F16 = `fn rf16(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  let a = u & 0x7fffffffu;
  let s = u & 0x80000000u;
  if (a >= 0x7f800000u) { return x; }
  if (a >= 0x477ff000u) { return bitcast<f32>(s | 0x7f800000u); }
  if (a >= 0x38800000u) { return bitcast<f32>(s | ((a + 0xfffu + ((a >> 13u) & 1u)) & 0xffffe000u)); }
  return bitcast<f32>(s | bitcast<u32>(round(abs(x) * 16777216.0) * 5.9604644775390625e-8));
}`;
function roundF16InPlace(b: Batch, st: GpuStorage, n: number): void {
  const code = [`@group(0) @binding(0) var<storage, read_write> y0: array<f32>;`, ROUND_F16, MAIN_1D, `  if (i < ${n}u) { y0[i] = rf16(y0[i]); }`, '}'].join('\n');
  runCustom(b, code, [], [st], n);
}

/** float16 results in f32 buffers: each primitive computes in f32 and its float16 outputs are rounded once (the reference's rule). */
function roundingF16(rule: AnyGpuImpl): AnyGpuImpl {
  return (b, ins, params, outAvals) => {
    const outs = rule(b, ins, params, outAvals);
    outAvals.forEach((a, i) => a.dtype === 'float16' && a.size > 0 && roundF16InPlace(b, outs[i]!, a.size));
    return outs;
  };
}

const isF16 = (a: ShapedArray): boolean => a.dtype === 'float16';
/** The float32 aval a float16 one is computed in (others unchanged). */
const wideAval = (a: ShapedArray): ShapedArray => (isF16(a) ? a.withDType('float32') : a);
/** A value converted to `to` (float16 <-> float32: widened exactly, or rounded and narrowed exactly). */
const converted = (b: Batch, x: GpuIn, to: ShapedArray): GpuStorage => elementwise('convertElementType')(b, [x], {}, [to])[0]!;

/**
 * A rule staged around 16-bit float16 buffers: its float16 operands widened into f32 buffers, the rule run on float32
 * avals, and its float16 outputs rounded and narrowed (one converting kernel each; the temporaries go back to the pool
 * after the submission).
 */
function staged(rule: AnyGpuImpl): AnyGpuImpl {
  return (b, ins, params, outAvals) => {
    const wide = ins.map((x) => (isF16(x.aval) ? { st: converted(b, x, wideAval(x.aval)), aval: wideAval(x.aval) } : x));
    const outs = rule(b, wide, params, outAvals.map(wideAval));
    wide.forEach((w, i) => w !== ins[i] && w.st.dispose());
    return outs.map((st, i) => {
      if (!isF16(outAvals[i]!)) return st;
      const h = converted(b, { st, aval: wideAval(outAvals[i]!) }, outAvals[i]!);
      st.dispose();
      return h;
    });
  };
}

/**
 * Primitives whose rules read and write 16-bit float16 buffers themselves: kernel-IR kernels (loads widened to f32,
 * stores rounded and narrowed exactly), buffer copies, and kernels that only move elements (`y0[i] = x0[j]` binds
 * f16 arrays and copies the values unchanged).
 */
const nativeF16 = new Set<FirstOrderPrim>([
  ...unaryPrims, ...binaryPrims, ...comparePrims, 'select', 'convertElementType', 'bitcastConvertType', 'stopGradient',
  'broadcastInDim', 'reshape', 'transpose', 'reduceSum', 'reduceMax', 'reduceMin', 'reduceProd', 'slice', 'rev',
  'pad', 'concatenate', 'dynamicSlice', 'dynamicUpdateSlice', 'gather',
]);

/** Routines that run on f16 buffers when they apply (else null, nothing recorded). */
const f16Routines: Partial<Record<FirstOrderPrim, (b: Batch, ins: readonly GpuIn[], params: never, oa: ShapedArray) => GpuStorage | null>> = {
  dotGeneral: (b, [x, y], p: DotGeneralParams, oa) => tiledMatmul(b, x!, y!, p, oa),
  convGeneralDilated: (b, [x, w], p: ConvParams, oa) => tiledConv(b, x!, w!, p, oa),
};

/**
 * float16 results: each primitive computes in f32 and rounds its float16 outputs once (the reference's rule). In f32
 * buffers the outputs are rounded in place after the rule; in 16-bit buffers (f16Storage) the native rules narrow
 * exactly as they store, the GEMM and convolution routines run on f16 buffers when they apply, and the other rules
 * are staged.
 */
function float16Rule(prim: FirstOrderPrim, rule: AnyGpuImpl): AnyGpuImpl {
  const wide = roundingF16(rule), narrow = staged(rule), routine = f16Routines[prim];
  return (b, ins, params, outAvals) => {
    if (!b.state.f16Storage) return wide(b, ins, params, outAvals);
    if (nativeF16.has(prim) || (!ins.some((x) => isF16(x.aval)) && !outAvals.some(isF16))) return rule(b, ins, params, outAvals);
    const out = routine?.(b, ins, params as never, outAvals[0]!);
    return out ? [out] : narrow(b, ins, params, outAvals);
  };
}

/** The GPU implementation of every first-order primitive (exhaustive: a missing one is a compile error). */
const gpuImplsF32 = {
  ...table(unaryPrims, (p) => elementwise(p)),
  ...table(binaryPrims, (p) => elementwise(p)),
  ...table(comparePrims, (p) => elementwise(p)),
  select: elementwise('select'),
  convertElementType: (b, ins, _p, outs) => elementwise('convertElementType')(b, ins, {} as never, outs),
  bitcastConvertType: (b, [x], _p, [oa]) => copy(b, x!, oa!),
  stopGradient: (b, [x], _p, [oa]) => copy(b, x!, oa!),
  iota,
  broadcastInDim: (b, [x], p, [oa]) => {
    const st = stridesOf(x!.aval.shape), out = oa!.shape.map(() => 0);
    p.broadcastDimensions.forEach((d, i) => (out[d] = x!.aval.shape[i] === 1 ? 0 : st[i]!));
    return view(b, x!, oa!, out, 0);
  },
  reshape: (b, [x], _p, [oa]) => copy(b, x!, oa!),
  transpose: (b, [x], p, [oa]) => {
    const st = stridesOf(x!.aval.shape);
    return view(b, x!, oa!, p.permutation.map((d) => st[d]!), 0);
  },
  reduceSum: reduce('reduceSum'),
  reduceMax: reduce('reduceMax'),
  reduceMin: reduce('reduceMin'),
  reduceProd: reduce('reduceProd'),
  argmax: arg('max'),
  argmin: arg('min'),
  cumsum,
  slice: (b, [x], p, [oa]) => {
    const st = stridesOf(x!.aval.shape);
    const steps = p.strides ?? st.map(() => 1);
    const offset = p.startIndices.reduce((a, s, d) => a + s * st[d]!, 0);
    return view(b, x!, oa!, st.map((s, d) => s * steps[d]!), offset);
  },
  pad,
  concatenate,
  rev: (b, [x], p, [oa]) => {
    const xs = x!.aval.shape, st = stridesOf(xs);
    const offset = p.dimensions.reduce((a, d) => a + (xs[d]! - 1) * st[d]!, 0);
    return view(b, x!, oa!, st.map((s, d) => (p.dimensions.includes(d) ? -s : s)), offset);
  },
  dynamicSlice,
  dynamicUpdateSlice,
  gather,
  scatterAdd,
  scatter,
  dotGeneral,
  convGeneralDilated: conv,
  sort,
} satisfies { [P in FirstOrderPrim]: GpuImpl<P> };

/** The GPU implementation of every first-order primitive, float16 results rounded. */
export const gpuImpls = table(Object.keys(gpuImplsF32) as FirstOrderPrim[], (p) => float16Rule(p, gpuImplsF32[p] as AnyGpuImpl)) as typeof gpuImplsF32;

/** Primitives whose GPU entry only raises the clear "no WebGPU implementation" error. */
export const missingOnGpu: ReadonlySet<FirstOrderPrim> = new Set<FirstOrderPrim>([]);
