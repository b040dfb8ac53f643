// WGSL renderer of the kernel IR (src/compiler/kernel.ts): a table of ops per KOp and dtype, strided views as
// index arithmetic, and reductions (thread per output, or a workgroup per output for long reductions).
import type { DType } from '../../core/dtype.js';
import type { KExpr, KOp, Kernel } from '../../compiler/kernel.js';
import type { ReducePrim } from '../../core/primitive.js';
import { WebGpuError, storageType, wgslType } from './device.js';
import { F16_NARROW } from './routines/common.js';

/** Threads per workgroup of the generated kernels. */
export const WG = 64;

type Kind = 'f' | 'i' | 'u' | 'b';
const kindOf = (d: DType): Kind => (d === 'float32' || d === 'float64' || d === 'float16' ? 'f' : d === 'int32' ? 'i' : d === 'uint32' ? 'u' : 'b');

/** Helper functions a kernel may call; included in the source only when used. */
const helpers: Record<string, string> = {
  // non-finite values through a var, so the shader compiler does not reject them as constant expressions
  posinf_: 'fn posinf_() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }',
  neginf_: 'fn neginf_() -> f32 { var b = 0xff800000u; return bitcast<f32>(b); }',
  nan_: 'fn nan_() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }',
  isnan_: 'fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }',
  isfinite_: 'fn isfinite_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }',
  fmax_: 'fn fmax_(a: f32, b: f32) -> f32 { if (isnan_(a)) { return a; } if (isnan_(b)) { return b; } return max(a, b); }',
  fmin_: 'fn fmin_(a: f32, b: f32) -> f32 { if (isnan_(a)) { return a; } if (isnan_(b)) { return b; } return min(a, b); }',
  fsign_: 'fn fsign_(x: f32) -> f32 { if (x > 0.0) { return 1.0; } if (x < 0.0) { return -1.0; } return x; }',
  log1p_: 'fn log1p_(x: f32) -> f32 { let u = 1.0 + x; if (u == 1.0) { return x; } return log(u) * (x / (u - 1.0)); }',
  expm1_: 'fn expm1_(x: f32) -> f32 { if (abs(x) < 1e-5) { return x + 0.5 * x * x; } return exp(x) - 1.0; }',
  cbrt_: 'fn cbrt_(x: f32) -> f32 { if (x == 0.0 || !isfinite_(x)) { return x; } let r = sign(x) * pow(abs(x), 1.0 / 3.0); return r - (r * r * r - x) / (3.0 * r * r); }',
  tanh_: 'fn tanh_(x: f32) -> f32 { if (abs(x) > 10.0) { return sign(x); } return tanh(x); }',
  logistic_: 'fn logistic_(x: f32) -> f32 { if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e); }',
  // erf: Abramowitz & Stegun 7.1.26 refined with the A&S 7.1.28-style rational; |error| < 2e-7 in f32
  erf_: `fn erf_(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) { let z = x * x; return x * (1.1283791670955126 + z * (-0.37612638903183754 + z * (0.11283791670955126 + z * (-0.026866170645131252 + z * 0.005223977625442188)))); }
  let t = 1.0 / (1.0 + 0.5 * a);
  let y = t * exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return sign(x) * (1.0 - y);
}`,
  // erfInv: M. Giles, "Approximating the erfinv function" (GPU Computing Gems), single precision
  erfinv_: `fn erfinv_(x: f32) -> f32 {
  if (x <= -1.0) { return select(neginf_(), nan_(), x < -1.0); }
  if (x >= 1.0) { return select(posinf_(), nan_(), x > 1.0); }
  var w = -log((1.0 - x) * (1.0 + x));
  var p: f32;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08; p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w; p = -0.00125372503 + p * w; p = -0.00417768164 + p * w; p = 0.246640727 + p * w; p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257; p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w; p = -0.0076224613 + p * w; p = 0.00943887047 + p * w; p = 1.00167406 + p * w; p = 2.83297682 + p * w;
  }
  return p * x;
}`,
  // C pow (powC in src/targets/ref/special.ts): negative bases with integral exponents keep their sign
  fpow_: `fn fpow_(a: f32, b: f32) -> f32 {
  if (a == 1.0 || b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return a + b; }
  if (a == -1.0 && !isfinite_(b)) { return 1.0; }
  let m = pow(abs(a), b);
  if (a == 0.0) { if (b > 0.0) { return 0.0; } return posinf_(); }
  if (a < 0.0) {
    if (floor(b) != b) { return nan_(); }
    if (abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1) { return -m; }
  }
  return m;
}`,
  // integer pow with wrap-around; negative exponents give 0 except for bases ±1 (powInt)
  ipow_: `fn ipow_(a: i32, b: i32) -> i32 {
  if (b < 0) { if (a == 1) { return 1; } if (a == -1) { return select(-1, 1, (b & 1) == 0); } return 0; }
  var r = 1; var base = a; var e = b;
  loop { if (e <= 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`,
  upow_: `fn upow_(a: u32, b: u32) -> u32 {
  var r = 1u; var base = a; var e = b;
  loop { if (e == 0u) { break; } if ((e & 1u) == 1u) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`,
  f2i_: 'fn f2i_(x: f32) -> i32 { if (isnan_(x)) { return 0; } if (x >= 2147483647.0) { return 2147483647; } if (x <= -2147483648.0) { return -2147483647 - 1; } return i32(x); }',
  h16_: F16_NARROW,
  f2u_: 'fn f2u_(x: f32) -> u32 { if (isnan_(x) || x <= 0.0) { return 0u; } if (x >= 4294967295.0) { return 4294967295u; } return u32(x); }',
};
const helperDeps: Record<string, string[]> = {
  fmax_: ['isnan_'], fmin_: ['isnan_'], cbrt_: ['isfinite_'], fpow_: ['isnan_', 'isfinite_', 'posinf_', 'nan_'], erfinv_: ['posinf_', 'neginf_', 'nan_'], f2i_: ['isnan_'], f2u_: ['isnan_'],
};

/** Renders one operation: given argument expressions, the input dtype and the output dtype; null = unsupported. */
type OpRender = (a: readonly string[], k: Kind, out: DType, use: (h: string) => string) => string | null;

const fOnly = (f: (a: readonly string[], use: (h: string) => string) => string): OpRender => (a, k, _o, use) => (k === 'f' ? f(a, use) : null);
const builtin1 = (name: string): OpRender => fOnly((a) => `${name}(${a[0]})`);
const helper1 = (name: string): OpRender => fOnly((a, use) => `${use(name)}(${a[0]})`);
const arith = (sym: string): OpRender => (a, k) => (k === 'b' ? null : `(${a[0]} ${sym} ${a[1]})`);
const bits = (sym: string): OpRender => (a) => `(${a[0]} ${sym} ${a[1]})`;
const cmp = (sym: string): OpRender => (a) => `select(0u, 1u, ${a[0]} ${sym} ${a[1]})`;

/**
 * The op table: every KOp of the kernel IR, per dtype kind. Semantics follow the reference target
 * (src/targets/ref/elementwise.ts): integer x/0 = x rem 0 = 0, shifts ≥ 32 give 0, NaN propagates through max/min,
 * float → int conversion saturates with NaN → 0; float32 is computed in float32 (not float64 as on ref).
 */
export const opTable = {
  neg: (a, k) => (k === 'u' ? `(0u - ${a[0]})` : k === 'b' ? null : `(-${a[0]})`),
  sign: (a, k, _o, use) => (k === 'f' ? `${use('fsign_')}(${a[0]})` : k === 'i' ? `sign(${a[0]})` : k === 'u' ? `select(0u, 1u, ${a[0]} > 0u)` : null),
  floor: builtin1('floor'),
  ceil: builtin1('ceil'),
  round: builtin1('round'), // WGSL round is round-half-to-even, like the reference
  abs: (a, k) => (k === 'u' ? a[0]! : k === 'b' ? null : `abs(${a[0]})`),
  not: (a, k) => (k === 'b' ? `(1u - ${a[0]})` : k === 'f' ? null : `(~${a[0]})`),
  isFinite: fOnly((a, use) => `select(0u, 1u, ${use('isfinite_')}(${a[0]}))`),
  exp: builtin1('exp'),
  exp2: builtin1('exp2'),
  log: builtin1('log'),
  log1p: helper1('log1p_'),
  expm1: helper1('expm1_'),
  sqrt: builtin1('sqrt'),
  rsqrt: fOnly((a) => `(1.0 / sqrt(${a[0]}))`),
  cbrt: helper1('cbrt_'),
  sin: builtin1('sin'),
  cos: builtin1('cos'),
  tan: builtin1('tan'),
  asin: builtin1('asin'),
  acos: builtin1('acos'),
  atan: builtin1('atan'),
  sinh: builtin1('sinh'),
  cosh: builtin1('cosh'),
  tanh: helper1('tanh_'),
  asinh: builtin1('asinh'),
  acosh: builtin1('acosh'),
  atanh: builtin1('atanh'),
  logistic: helper1('logistic_'),
  erf: helper1('erf_'),
  erfInv: helper1('erfinv_'),
  add: arith('+'),
  sub: arith('-'),
  mul: arith('*'),
  div: (a, k) => (k === 'f' ? `(${a[0]} / ${a[1]})` : k === 'b' ? null : `select(${a[0]} / select(${a[1]}, ${k === 'i' ? '1' : '1u'}, ${a[1]} == ${k === 'i' ? '0' : '0u'}), ${k === 'i' ? '0' : '0u'}, ${a[1]} == ${k === 'i' ? '0' : '0u'})`),
  rem: (a, k) => (k === 'f' ? `(${a[0]} % ${a[1]})` : k === 'b' ? null : `select(${a[0]} % select(${a[1]}, ${k === 'i' ? '1' : '1u'}, ${a[1]} == ${k === 'i' ? '0' : '0u'}), ${k === 'i' ? '0' : '0u'}, ${a[1]} == ${k === 'i' ? '0' : '0u'})`),
  pow: (a, k, _o, use) => (k === 'f' ? `${use('fpow_')}(${a[0]}, ${a[1]})` : k === 'i' ? `${use('ipow_')}(${a[0]}, ${a[1]})` : k === 'u' ? `${use('upow_')}(${a[0]}, ${a[1]})` : null),
  max: (a, k, _o, use) => (k === 'f' ? `${use('fmax_')}(${a[0]}, ${a[1]})` : `max(${a[0]}, ${a[1]})`),
  min: (a, k, _o, use) => (k === 'f' ? `${use('fmin_')}(${a[0]}, ${a[1]})` : `min(${a[0]}, ${a[1]})`),
  atan2: fOnly((a) => `atan2(${a[0]}, ${a[1]})`),
  and: (a, k) => (k === 'f' ? null : bits('&')(a, k, 'bool', (h) => h)),
  or: (a, k) => (k === 'f' ? null : bits('|')(a, k, 'bool', (h) => h)),
  xor: (a, k) => (k === 'f' ? null : bits('^')(a, k, 'bool', (h) => h)),
  shiftLeft: (a, k) => (k === 'i' || k === 'u' ? `select(${k === 'i' ? '0' : '0u'}, ${a[0]} << u32(${a[1]}), u32(${a[1]}) < 32u)` : null),
  shiftRightLogical: (a, k) =>
    k === 'u' ? `select(0u, ${a[0]} >> u32(${a[1]}), u32(${a[1]}) < 32u)`
    : k === 'i' ? `select(0, bitcast<i32>(bitcast<u32>(${a[0]}) >> u32(${a[1]})), u32(${a[1]}) < 32u)`
    : null,
  eq: cmp('=='),
  ne: cmp('!='),
  lt: cmp('<'),
  le: cmp('<='),
  gt: cmp('>'),
  ge: cmp('>='),
  select: (a) => `select(${a[2]}, ${a[1]}, ${a[0]} != 0u)`,
  convertElementType: () => null, // rendered by convert() (needs both dtypes)
  stopGradient: (a) => a[0]!,
} satisfies { [K in KOp]: OpRender };

/** The conversion of convertElementType (the reference's converter: saturating float → int, NaN → 0). */
export function convert(x: string, from: DType, to: DType, use: (h: string) => string): string {
  const f = kindOf(from), t = kindOf(to);
  if (f === t) return x;
  if (t === 'b') return `select(0u, 1u, ${x} != ${f === 'f' ? '0.0' : f === 'i' ? '0' : '0u'})`;
  if (t === 'f') return `f32(${x})`;
  if (f === 'f') return t === 'i' ? `${use('f2i_')}(${x})` : `${use('f2u_')}(${x})`;
  if (f === 'b') return t === 'i' ? `i32(${x})` : x;
  return t === 'i' ? `bitcast<i32>(${x})` : `bitcast<u32>(${x})`; // int <-> uint keeps the bits (wraps)
}

/** A WGSL literal of `dtype`. */
export function literal(v: number, dtype: DType, h?: Helpers): string {
  switch (kindOf(dtype)) {
    case 'f': {
      const use = h?.use ?? ((n: string) => { throw new Error(`internal: literal ${v} needs helper ${n}`); });
      if (Number.isNaN(v)) return `${use('nan_')}()`;
      if (v === Infinity) return `${use('posinf_')}()`;
      if (v === -Infinity) return `${use('neginf_')}()`;
      const bitsOf = new Uint32Array(new Float32Array([v]).buffer)[0]!;
      return `bitcast<f32>(0x${bitsOf.toString(16)}u)`; // exact, including -0 and subnormals
    }
    case 'i':
      return `bitcast<i32>(${(v | 0) >>> 0}u)`;
    case 'u':
      return `${v >>> 0}u`;
    case 'b':
      return v ? '1u' : '0u';
  }
}

/** Collects helper functions used by a kernel. */
export class Helpers {
  readonly used = new Set<string>();
  readonly use = (h: string): string => {
    if (!this.used.has(h)) {
      for (const d of helperDeps[h] ?? []) this.use(d);
      this.used.add(h);
    }
    return h;
  };
  source(): string {
    return [...this.used].map((h) => helpers[h]!).join('\n');
  }
}

/** Row-major strides of a shape. */
export const contiguousStrides = (shape: readonly number[]): number[] => {
  const st = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
};

/** WGSL lines computing coordinates `${prefix}d` (i32) of linear index `idx` (u32) in `shape`. */
export function coordLines(shape: readonly number[], idx: string, prefix: string): string[] {
  const st = contiguousStrides(shape);
  return shape.map((d, k) => (d === 1 ? `let ${prefix}${k} = 0;` : `let ${prefix}${k} = i32((${idx} / ${st[k]}u) % ${d}u);`));
}

/** The linear index expression offset + Σ coord·stride (i32). */
export function offsetExpr(offset: number, strides: readonly number[], coord: (k: number) => string): string {
  const terms = strides.flatMap((s, k) => (s === 0 ? [] : [s === 1 ? coord(k) : `${coord(k)} * ${s}`]));
  if (offset !== 0 || terms.length === 0) terms.unshift(String(offset));
  return terms.join(' + ');
}

/**
 * Binding declarations: inputs read-only, outputs read_write, all of their storage type (preceded by `enable f16;`
 * when one is a 16-bit float16 buffer: the declarations come first in every kernel).
 */
export function bindings(ins: readonly DType[], outs: readonly DType[], what: string): string {
  const l: string[] = [];
  ins.forEach((d, i) => l.push(`@group(0) @binding(${i}) var<storage, read> x${i}: array<${storageType(d, what)}>;`));
  outs.forEach((d, j) => l.push(`@group(0) @binding(${ins.length + j}) var<storage, read_write> y${j}: array<${storageType(d, what)}>;`));
  if ([...ins, ...outs].some((d) => storageType(d, what) === 'f16')) l.unshift('enable f16;');
  return l.join('\n');
}

/** A loaded element as its computing type: 16-bit float16 widens to f32 (exact). */
export const widened = (v: string, d: DType): string => (storageType(d, 'load') === 'f16' ? `f32(${v})` : v);

/** A computed value as stored: into a 16-bit float16 buffer it is rounded and narrowed exactly (h16_). */
export const narrowed = (v: string, d: DType, h: Helpers): string => (storageType(d, 'store') === 'f16' ? `${h.use('h16_')}(${v})` : v);

/** Elements per invocation of an elementwise kernel of at least ELEMS_MIN elements (see renderWgsl). */
export const ELEMS = 4;
export const ELEMS_MIN = 1 << 16;
/** The entry of a kernel whose invocation t handles elements t, t + nt, t + 2·nt, … (nt: invocations dispatched). */
const MAIN_STRIDED = `@compute @workgroup_size(${WG})\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {\n  let t = gid.x + gid.y * nwg.x * ${WG}u;\n  let nt = nwg.x * nwg.y * ${WG}u;`;

export const MAIN_1D = `@compute @workgroup_size(${WG})\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {\n  let i = gid.x + gid.y * nwg.x * ${WG}u;`;

/** Renders an expression DAG into `let` statements; returns the name per output. */
function renderExprs(k: Kernel, roots: readonly KExpr[], coord: (d: number) => string, h: Helpers, body: string[], contiguousIdx: string | null): string[] {
  const memo = new Map<KExpr, string>();
  const loadMemo = new Map<string, string>();
  let t = 0;
  const cstr = contiguousStrides(k.shape);
  const emit = (e: KExpr): string => {
    const m = memo.get(e);
    if (m) return m;
    let code: string;
    if (e.kind === 'lit') code = literal(e.value, e.dtype, h);
    else if (e.kind === 'load') {
      const isContig = contiguousIdx !== null && e.view.offset === 0 && k.shape.every((d, i) => d === 1 || e.view.strides[i] === cstr[i]);
      const idx = isContig ? contiguousIdx : offsetExpr(e.view.offset, e.view.strides, coord);
      const key = `${e.input}[${idx}]`;
      const prev = loadMemo.get(key);
      if (prev) {
        memo.set(e, prev);
        return prev;
      }
      code = widened(`x${e.input}[${idx}]`, e.dtype);
      const name = `t${t++}`;
      body.push(`let ${name} = ${code};`);
      loadMemo.set(key, name);
      memo.set(e, name);
      return name;
    } else {
      const args = e.args.map(emit);
      const inDt = e.args[e.op === 'select' ? 1 : 0]!.dtype;
      wgslType(inDt, e.op);
      wgslType(e.dtype, e.op);
      if (e.op === 'convertElementType') code = convert(args[0]!, inDt, e.dtype, h.use);
      else {
        const r = (opTable[e.op] as OpRender)(args, kindOf(inDt), e.dtype, h.use);
        if (r === null) throw new WebGpuError(`webgpu: ${e.op} is not defined for dtype ${inDt} (the reference target rejects it too)`);
        code = r;
      }
    }
    const name = `t${t++}`;
    body.push(`let ${name} = ${code};`);
    memo.set(e, name);
    return name;
  };
  return roots.map(emit);
}

const reduceInit = (op: ReducePrim, d: DType, h: Helpers): string => {
  const k = kindOf(d);
  if (op === 'reduceSum') return literal(0, d);
  if (op === 'reduceProd') return literal(1, d);
  const max = op === 'reduceMax';
  if (k === 'f') return literal(max ? -Infinity : Infinity, d, h);
  if (k === 'i') return max ? 'bitcast<i32>(0x80000000u)' : '2147483647';
  if (k === 'u') return max ? '0u' : '4294967295u';
  return max ? '0u' : '1u';
};
const combine = (op: ReducePrim, d: DType, a: string, b: string, h: Helpers): string => {
  const k = kindOf(d);
  if (op === 'reduceSum') return k === 'b' ? `max(${a}, ${b})` : `${a} + ${b}`;
  if (op === 'reduceProd') return k === 'b' ? `min(${a}, ${b})` : `${a} * ${b}`;
  if (op === 'reduceMax') return k === 'f' ? `${h.use('fmax_')}(${a}, ${b})` : `max(${a}, ${b})`;
  return k === 'f' ? `${h.use('fmin_')}(${a}, ${b})` : `min(${a}, ${b})`;
};

/** A rendered kernel: WGSL source and the number of threads (or workgroups) to dispatch. */
export interface RenderedKernel {
  readonly code: string;
  readonly groups: [number, number, number];
}

/** Renders a fused kernel of the kernel IR to WGSL. */
export function renderWgsl(k: Kernel, groupsFor: (n: number, wg: number) => [number, number, number]): RenderedKernel {
  const h = new Helpers();
  const outDts = k.outputs.map((o) => o.dtype);
  const decl = bindings(k.inputs.map((a) => a.dtype), outDts, 'fused kernel');
  if (!k.reduce) {
    const n = k.shape.reduce((a, b) => a * b, 1);
    const body: string[] = [];
    const coords = coordLines(k.shape, 'i', 'c');
    const names = renderExprs(k, k.outputs, (d) => `c${d}`, h, body, 'i');
    const stores = names.map((nm, j) => `  y${j}[i] = ${narrowed(nm, outDts[j]!, h)};`);
    // Large kernels take ELEMS elements per invocation, strided by the grid (loads stay coalesced): CPU rasterizers
    // pay per workgroup, and lavapipe ran a 1.6M-element add in half the CPU time so.
    const per = n >= ELEMS_MIN ? ELEMS : 1;
    const head = per === 1
      ? [MAIN_1D, `  if (i >= ${n}u) { return; }`]
      : [MAIN_STRIDED, `  for (var q = 0u; q < ${per}u; q++) {`, `  let i = t + q * nt;`, `  if (i >= ${n}u) { return; }`];
    const code = [
      decl, h.source(), ...head,
      ...coords.map((l) => '  ' + l), ...body.map((l) => '  ' + l), ...stores, ...(per === 1 ? [] : ['  }']), '}',
    ].join('\n');
    return { code, groups: groupsFor(Math.ceil(n / per), WG) };
  }
  const { op, axes } = k.reduce;
  const kept = k.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const red = axes.slice();
  const nOut = kept.reduce((a, d) => a * k.shape[d]!, 1);
  const R = red.reduce((a, d) => a * k.shape[d]!, 1);
  const dt = outDts[0]!;
  const T = wgslType(dt, op);
  const coordName = (d: number): string => (kept.includes(d) ? `k${kept.indexOf(d)}` : `r${red.indexOf(d)}`);
  const keptLines = coordLines(kept.map((d) => k.shape[d]!), 'o', 'k');
  const redLines = coordLines(red.map((d) => k.shape[d]!), 'j', 'r');
  const body: string[] = [];
  const [v] = renderExprs(k, k.outputs, coordName, h, body, null);
  const init = reduceInit(op, dt, h);
  if (R < 256 || nOut >= 4096) {
    const code = [
      decl, '', MAIN_1D, `  let o = i;`, `  if (o >= ${nOut}u) { return; }`, ...keptLines.map((l) => '  ' + l),
      `  var acc: ${T} = ${init};`, `  for (var j = 0u; j < ${R}u; j++) {`, ...redLines.map((l) => '    ' + l),
      ...body.map((l) => '    ' + l), `    acc = ${combine(op, dt, 'acc', v!, h)};`, '  }', `  y0[o] = ${narrowed('acc', dt, h)};`, '}',
    ].join('\n');
    return { code: code.replace('\n\n', `\n${h.source()}\n`), groups: groupsFor(nOut, WG) };
  }
  // a workgroup per output: lanes stride over the reduced elements, then a tree reduction in workgroup memory
  const code = [
    decl, '', `var<workgroup> part: array<${T}, ${WG}>;`,
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {`,
    `  let o = wid.x + wid.y * nwg.x;`, ...keptLines.map((l) => '  ' + l),
    `  var acc: ${T} = ${init};`, `  for (var j = lane; j < ${R}u; j += ${WG}u) {`, ...redLines.map((l) => '    ' + l),
    ...body.map((l) => '    ' + l), `    acc = ${combine(op, dt, 'acc', v!, h)};`, '  }',
    '  part[lane] = acc;', '  workgroupBarrier();',
    `  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {`, `    if (lane < s) { part[lane] = ${combine(op, dt, 'part[lane]', 'part[lane + s]', h)}; }`, '    workgroupBarrier();', '  }',
    `  if (lane == 0u && o < ${nOut}u) { y0[o] = ${narrowed('part[0]', dt, h)}; }`, '}',
  ].join('\n');
  return { code: code.replace('\n\n', `\n${h.source()}\n`), groups: groupsFor(nOut, 1) };
}
