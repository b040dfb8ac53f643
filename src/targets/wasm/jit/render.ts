// Renders fused kernels (src/compiler/kernel.ts) to AssemblyScript: SIMD loops (f32x4 / f64x2) over the innermost
// dimension, with lane-by-lane gathers for strided loads and for the last partial vector; transcendentals call the
// vectorized math prelude (wasm/math.ts, ulp-bounded), ops without a vector form run lane by lane on AS's Math.
//
// Vector representation: a kernel is rendered with L lanes, L = 2 when any value is float64 (f64x2), else 4.
// float32/int32/uint32 values are 32-bit lanes (in an L = 2 kernel only the low two lanes matter); bool values are
// 32-bit lane masks (all ones = true), loaded from and stored to one byte per element.
import type { DType } from '../../../core/dtype.js';
import type { KExpr, Kernel, KOp } from '../../../compiler/kernel.js';

/** A kernel this renderer cannot compile (the plan keeps the JS-rendered one). */
export class UnsupportedKernel extends Error {}

const SIZE: { readonly [D in DType]: number } = { float16: 4, float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1 };
const SHIFT: { readonly [D in DType]: number } = { float16: 2, float32: 2, float64: 3, int32: 2, uint32: 2, bool: 0 };
const SCALAR: { readonly [D in DType]: string } = { float16: 'f32', float32: 'f32', float64: 'f64', int32: 'i32', uint32: 'u32', bool: 'u8' };

// ---- op table ------------------------------------------------------------------------------------------------

type Args = readonly string[];
/** A vector form (from arg vectors to a result vector) or a scalar form applied lane by lane (from lane values). */
interface OpForm {
  readonly vec?: (a: Args) => string;
  readonly lane?: (a: Args) => string;
}

const F32_PRELUDE: Readonly<Record<string, string>> = {
  exp: 'expF32x4', exp2: 'exp2F32x4', log: 'logF32x4', log1p: 'log1pF32x4', expm1: 'expm1F32x4', tanh: 'tanhF32x4',
  logistic: 'logisticF32x4', erf: 'erfF32x4', sin: 'sinF32x4', cos: 'cosF32x4', rsqrt: 'rsqrtF32x4',
};
/** The prelude functions (for the import line). */
export const preludeNames = [...Object.values(F32_PRELUDE), 'powF32x4'];
const MATH_F64 = ['cbrt', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh', 'exp', 'log', 'log1p', 'expm1', 'tanh', 'sin', 'cos'];

const narrow64 = (m: string): string => `i32x4.shuffle(${m}, ${m}, 0, 2, 0, 2)`;
const i32s = (v: number): string => `i32x4.splat(${v | 0})`;
const ZERO = 'i32x4.splat(0)';

/** The form of a unary op on dtype d (result dtype r), or undefined when there is none. */
function unaryForm(op: string, d: DType): OpForm | undefined {
  if (d === 'float32') {
    const p = F32_PRELUDE[op];
    if (p) return { vec: ([a]) => `${p}(${a})` };
    switch (op) {
      case 'neg': case 'abs': case 'floor': case 'ceil': case 'sqrt':
        return { vec: ([a]) => `f32x4.${op}(${a})` };
      case 'round': return { vec: ([a]) => `f32x4.nearest(${a})` };
      case 'sign': return { vec: ([a]) => `v128.bitselect(f32x4.splat(1), v128.bitselect(f32x4.splat(-1), ${a}, f32x4.lt(${a}, f32x4.splat(0))), f32x4.gt(${a}, f32x4.splat(0)))` };
      case 'isFinite': return { vec: ([a]) => `f32x4.lt(f32x4.abs(${a}), f32x4.splat(Infinity))` };
    }
    if (MATH_F64.includes(op)) return { lane: ([a]) => `<f32>Math.${op}(<f64>${a})` };
    return undefined;
  }
  if (d === 'float64') {
    switch (op) {
      case 'neg': case 'abs': case 'floor': case 'ceil': case 'sqrt':
        return { vec: ([a]) => `f64x2.${op}(${a})` };
      case 'round': return { vec: ([a]) => `f64x2.nearest(${a})` };
      case 'sign': return { vec: ([a]) => `v128.bitselect(f64x2.splat(1), v128.bitselect(f64x2.splat(-1), ${a}, f64x2.lt(${a}, f64x2.splat(0))), f64x2.gt(${a}, f64x2.splat(0)))` };
      case 'isFinite': return { vec: ([a]) => narrow64(`f64x2.lt(f64x2.abs(${a}), f64x2.splat(Infinity))`) };
      case 'rsqrt': return { vec: ([a]) => `f64x2.div(f64x2.splat(1), f64x2.sqrt(${a}))` };
    }
    // float64 transcendentals have no form: AS's Math (musl) and V8's may differ by an ulp, and a jitted function
    // must give the same bits before and after its kernels are swapped to wasm (they stay JS loops)
    return undefined;
  }
  if (d === 'int32' || d === 'uint32') {
    switch (op) {
      case 'neg': return { vec: ([a]) => `i32x4.neg(${a})` };
      case 'abs': return { vec: ([a]) => (d === 'int32' ? `i32x4.abs(${a})` : a!) };
      case 'not': return { vec: ([a]) => `v128.not(${a})` };
      case 'sign':
        return d === 'int32'
          ? { vec: ([a]) => `i32x4.sub(i32x4.lt_s(${a}, ${ZERO}), i32x4.gt_s(${a}, ${ZERO}))` }
          : { vec: ([a]) => `i32x4.neg(i32x4.ne(${a}, ${ZERO}))` };
    }
    return undefined;
  }
  if (op === 'not') return { vec: ([a]) => `v128.not(${a})` }; // bool masks
  return undefined;
}

function binaryForm(op: string, d: DType): OpForm | undefined {
  const fl = d === 'float32' ? 'f32x4' : 'f64x2';
  if (d === 'float32' || d === 'float64') {
    switch (op) {
      case 'add': case 'sub': case 'mul': case 'div': case 'max': case 'min':
        return { vec: ([a, b]) => `${fl}.${op}(${a}, ${b})` };
      case 'pow':
        return d === 'float32' ? { vec: ([a, b]) => `powF32x4(${a}, ${b})` } : undefined;
      case 'rem': return { lane: ([a, b]) => (d === 'float32' ? `<f32>(<f64>${a} % <f64>${b})` : `(${a} % ${b})`) };
      case 'atan2': return d === 'float32' ? { lane: ([a, b]) => `<f32>Math.atan2(<f64>${a}, <f64>${b})` } : undefined;
    }
    return undefined;
  }
  if (d === 'int32' || d === 'uint32') {
    const s = d === 'int32' ? 's' : 'u';
    switch (op) {
      case 'add': case 'sub': case 'mul': return { vec: ([a, b]) => `i32x4.${op}(${a}, ${b})` };
      case 'max': case 'min': return { vec: ([a, b]) => `i32x4.${op}_${s}(${a}, ${b})` };
      case 'and': case 'or': case 'xor': return { vec: ([a, b]) => `v128.${op}(${a}, ${b})` };
      // integer x / 0 = 0 and x rem 0 = 0 (the reference); int32 MIN / −1 wraps instead of trapping
      case 'div':
        return d === 'int32'
          ? { lane: ([a, b]) => `(${b} == 0 ? 0 : ${b} == -1 ? -${a} : ${a} / ${b})` }
          : { lane: ([a, b]) => `(${b} == 0 ? <u32>0 : ${a} / ${b})` };
      case 'rem':
        return d === 'int32'
          ? { lane: ([a, b]) => `(${b} == 0 || ${b} == -1 ? 0 : ${a} % ${b})` }
          : { lane: ([a, b]) => `(${b} == 0 ? <u32>0 : ${a} % ${b})` };
      case 'shiftLeft': return { lane: ([a, b]) => `(<u32>${b} >= 32 ? 0 : ${a} << ${b})` };
      case 'shiftRightLogical': return { lane: ([a, b]) => `(<u32>${b} >= 32 ? 0 : <${SCALAR[d]}>(<u32>${a} >>> <u32>${b}))` };
    }
    return undefined;
  }
  // bool masks: max = or, min = and
  switch (op) {
    case 'and': case 'or': case 'xor': return { vec: ([a, b]) => `v128.${op}(${a}, ${b})` };
    case 'max': return { vec: ([a, b]) => `v128.or(${a}, ${b})` };
    case 'min': return { vec: ([a, b]) => `v128.and(${a}, ${b})` };
  }
  return undefined;
}

function compareForm(op: string, d: DType): OpForm {
  if (d === 'float32') return { vec: ([a, b]) => `f32x4.${op}(${a}, ${b})` };
  if (d === 'float64') return { vec: ([a, b]) => narrow64(`f64x2.${op}(${a}, ${b})`) };
  if (op === 'eq' || op === 'ne') return { vec: ([a, b]) => `i32x4.${op}(${a}, ${b})` };
  // bool masks compare as unsigned (true = 0xffffffff > false = 0)
  return { vec: ([a, b]) => `i32x4.${op}_${d === 'int32' ? 's' : 'u'}(${a}, ${b})` };
}

function convertForm(from: DType, to: DType): OpForm | undefined {
  if (from === to) return { vec: ([a]) => a! };
  const one = (a: string) => `v128.and(${a}, i32x4.splat(1))`;
  const key = `${from}>${to}`;
  const table: Record<string, (a: string) => string> = {
    'float32>float64': (a) => `f64x2.promote_low_f32x4(${a})`,
    'float64>float32': (a) => `f32x4.demote_f64x2_zero(${a})`,
    'float32>int32': (a) => `i32x4.trunc_sat_f32x4_s(${a})`,
    'float32>uint32': (a) => `i32x4.trunc_sat_f32x4_u(${a})`,
    'float64>int32': (a) => `i32x4.trunc_sat_f64x2_s_zero(${a})`,
    'float64>uint32': (a) => `i32x4.trunc_sat_f64x2_u_zero(${a})`,
    'int32>float32': (a) => `f32x4.convert_i32x4_s(${a})`,
    'uint32>float32': (a) => `f32x4.convert_i32x4_u(${a})`,
    'int32>float64': (a) => `f64x2.convert_low_i32x4_s(${a})`,
    'uint32>float64': (a) => `f64x2.convert_low_i32x4_u(${a})`,
    'int32>uint32': (a) => a,
    'uint32>int32': (a) => a,
    'float32>bool': (a) => `f32x4.ne(${a}, f32x4.splat(0))`,
    'float64>bool': (a) => narrow64(`f64x2.ne(${a}, f64x2.splat(0))`),
    'int32>bool': (a) => `i32x4.ne(${a}, ${ZERO})`,
    'uint32>bool': (a) => `i32x4.ne(${a}, ${ZERO})`,
    'bool>float32': (a) => `f32x4.convert_i32x4_u(${one(a)})`,
    'bool>float64': (a) => `f64x2.convert_low_i32x4_u(${one(a)})`,
    'bool>int32': one,
    'bool>uint32': one,
  };
  const f = table[key];
  return f ? { vec: ([a]) => f(a!) } : undefined;
}

const unaryOps = new Set(['neg', 'sign', 'floor', 'ceil', 'round', 'abs', 'not', 'isFinite', 'exp', 'exp2', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'cbrt', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'logistic', 'erf', 'erfInv']);
const compareOps = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

function formOf(op: KOp, argTypes: readonly DType[], out: DType): OpForm {
  const d = argTypes[0]!;
  let f: OpForm | undefined;
  if (op === 'select') {
    const t = argTypes[1]!;
    f = { vec: ([m, a, b]) => `v128.bitselect(${a}, ${b}, ${t === 'float64' ? `i64x2.extend_low_i32x4_s(${m})` : m})` };
  } else if (op === 'convertElementType') f = convertForm(d, out);
  else if (op === 'stopGradient') f = { vec: ([a]) => a! };
  else if (compareOps.has(op)) f = compareForm(op, d);
  else if (unaryOps.has(op)) f = unaryForm(op, d);
  else f = binaryForm(op, d);
  if (!f) throw new UnsupportedKernel(`wasm jit: no AssemblyScript form for ${op} on ${d}`);
  return f;
}

// ---- lanes -----------------------------------------------------------------------------------------------------

const extract = (d: DType, v: string, q: number): string =>
  d === 'float32' ? `f32x4.extract_lane(${v}, ${q})`
  : d === 'float64' ? `f64x2.extract_lane(${v}, ${q})`
  : d === 'uint32' ? `<u32>i32x4.extract_lane(${v}, ${q})`
  : d === 'int32' ? `i32x4.extract_lane(${v}, ${q})`
  : `(i32x4.extract_lane(${v}, ${q}) & 1)`;
const replace = (d: DType, v: string, q: number, s: string): string =>
  d === 'float32' ? `f32x4.replace_lane(${v}, ${q}, ${s})`
  : d === 'float64' ? `f64x2.replace_lane(${v}, ${q}, ${s})`
  : d === 'bool' ? `i32x4.replace_lane(${v}, ${q}, <i32>(${s}) != 0 ? -1 : 0)`
  : `i32x4.replace_lane(${v}, ${q}, <i32>(${s}))`;
/** A scalar of dtype d read from memory at byte address `addr`. */
const scalarLoad = (d: DType, addr: string): string => (d === 'bool' ? `(load<u8>(${addr}) != 0)` : `load<${SCALAR[d]}>(${addr})`);
const splat = (d: DType, s: string): string =>
  d === 'float32' ? `f32x4.splat(${s})` : d === 'float64' ? `f64x2.splat(${s})` : d === 'bool' ? `i32x4.splat(${s} ? -1 : 0)` : `i32x4.splat(<i32>${s})`;

function literal(value: number, d: DType): string {
  const num = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0.0' : String(v));
  if (d === 'float32') return `f32x4.splat(<f32>(${num(value)}))`;
  if (d === 'float64') return `f64x2.splat(${num(value)})`;
  if (d === 'bool') return i32s(value ? -1 : 0);
  return i32s(value);
}

// ---- kernels ---------------------------------------------------------------------------------------------------

interface Load {
  readonly input: number;
  readonly dtype: DType;
  strides: number[];
  readonly offset: number;
}

const allTypes = (k: Kernel): DType[] => {
  const out: DType[] = k.inputs.map((a) => a.dtype);
  const walk = (e: KExpr): void => {
    out.push(e.dtype);
    if (e.kind === 'op') e.args.forEach(walk);
  };
  k.outputs.forEach(walk);
  return out;
};

/**
 * The head of loop level p over dims[p]: its counter (over [lo, hi) when `ranged` and p = 0) and every load's offset at
 * that level, o<load>_<p> (built on level p − 1's, or on the load's own offset at level 0).
 */
function loopHead(p: number, dim: { n: number; st: readonly number[] }, loads: readonly Load[], ranged: boolean): string[] {
  return [
    ranged && p === 0 ? `  for (let c0 = lo; c0 < hi; c0++) {` : `  for (let c${p} = 0; c${p} < ${dim.n}; c${p}++) {`,
    ...loads.map((l, li) => `  const o${li}_${p}: i32 = ${p === 0 ? l.offset : `o${li}_${p - 1}`} + c${p} * ${dim.st[li]};`),
  ];
}

/**
 * Renders one kernel as an exported AS function `name(in0, …, out0, …)` over byte pointers to contiguous buffers.
 * Throws UnsupportedKernel when an op has no form here.
 */
export function renderKernelAs(k: Kernel, name: string): string {
  const L = allTypes(k).includes('float64') ? 2 : 4;
  const loads: Load[] = [];
  const loadIdx = new Map<string, number>();
  const loadOf = new Map<KExpr, number>();
  const collect = (e: KExpr): void => {
    if (e.kind === 'load') {
      const key = `${e.input}|${e.view.offset}|${e.view.strides.join(',')}`;
      let li = loadIdx.get(key);
      if (li === undefined) {
        loadIdx.set(key, (li = loads.length));
        loads.push({ input: e.input, dtype: e.dtype, strides: [...e.view.strides], offset: e.view.offset });
      }
      loadOf.set(e, li);
    } else if (e.kind === 'op') e.args.forEach(collect);
  };
  k.outputs.forEach(collect);

  // loop dims: kept then reduced (reductions), size-1 dims dropped, adjacent mergeable dims merged
  const red = k.reduce?.axes ?? [];
  const order = [...k.shape.map((_, i) => i).filter((d) => !red.includes(d)), ...red];
  let dims = order.map((d) => ({ n: k.shape[d]!, red: red.includes(d), st: loads.map((l) => l.strides[d]!) }));
  dims = dims.filter((d) => d.n !== 1);
  const merged: typeof dims = [];
  for (const d of dims) {
    const prev = merged[merged.length - 1];
    if (prev && prev.red === d.red && prev.st.every((s, li) => s === d.st[li]! * d.n)) {
      merged[merged.length - 1] = { n: prev.n * d.n, red: d.red, st: d.st };
    } else merged.push(d);
  }
  dims = merged;
  if (dims.length === 0 || (k.reduce && !dims[dims.length - 1]!.red)) dims.push({ n: 1, red: !!k.reduce, st: loads.map(() => 0) });
  // a reduction whose last kept dimension is contiguous (or broadcast) in every load is vectorized across that
  // dimension instead (columns): L outputs at a time, each lane its own accumulator, the reduced loops inside
  const columns = k.reduce ? columnDim(k, dims, L) : -1;
  if (columns >= 0) dims = [...dims.slice(0, columns), ...dims.slice(columns + 1), dims[columns]!];
  const nd = dims.length;
  const inner = dims[nd - 1]!;
  const outer = dims.slice(0, nd - 1);

  const lines: string[] = [];
  const params = [...k.inputs.map((_, i) => `p${i}: usize`), ...k.outputs.map((_, j) => `q${j}: usize`)];
  // An elementwise kernel is `${name}_range(…, lo, hi)` over [lo, hi) of its first loop dimension (the thread pool
  // runs disjoint ranges in parallel), with `${name}(…)` for the whole range and `${name}_extent()` / `${name}_align()`
  // (the dimension's size, and the multiple of it that a range boundary must be).
  // (a reduction is ranged over its first kept dimension, when it has one: each output's sum keeps its order)
  const ranged = !k.reduce || !dims[0]!.red;
  lines.push(`export function ${name}${ranged ? '_range' : ''}(${[...params, ...(ranged ? ['lo: i32', 'hi: i32'] : [])].join(', ')}): void {`);
  // hoisted literals
  const lits = new Map<string, string>();
  const litName = (e: Extract<KExpr, { kind: 'lit' }>): string => {
    const code = literal(e.value, e.dtype);
    let n = lits.get(code);
    if (!n) {
      lits.set(code, (n = `lit${lits.size}`));
      lines.push(`  const ${n} = ${code};`);
    }
    return n;
  };
  const walkLits = (e: KExpr): void => {
    if (e.kind === 'lit') litName(e);
    else if (e.kind === 'op') e.args.forEach(walkLits);
  };
  k.outputs.forEach(walkLits);

  const innerStride = (li: number): number => inner.st[li]!;
  /** The body for one vector of lanes starting at inner index j: `full` (all L lanes) or the first `k` lanes. */
  const body = (full: boolean): { code: string[]; results: string[]; types: DType[] } => {
    const code: string[] = [];
    const memo = new Map<KExpr | number, string>(); // loads memoised by their index (equal views load once)
    let t = 0;
    const emit = (e: KExpr): string => {
      const m = memo.get(e.kind === 'load' ? loadOf.get(e)! : e);
      if (m) return m;
      let v: string;
      if (e.kind === 'lit') v = litName(e);
      else if (e.kind === 'load') {
        const li = loadOf.get(e)!;
        const s = innerStride(li);
        const d = e.dtype;
        if (s === 0) v = `b${li}`;
        else if (s === 1 && full) {
          const a = addr(li, `${base(li)} + j`);
          v = d === 'bool' ? (L === 4 ? `bmask4(v128.load32_zero(${a}))` : `bmask4(v128.load16_lane(${a}, ${ZERO}, 0))`)
            : SIZE[d] === 8 || L === 4 ? `v128.load(${a})` : `v128.load64_zero(${a})`;
        } else {
          const name = `g${t++}`;
          code.push(`    let ${name} = ${ZERO};`);
          for (let q = 0; q < L; q++) {
            const set = `${name} = ${replace(d, name, q, scalarLoad(d, addr(li, `${base(li)} + (j + ${q}) * ${s}`)))};`;
            code.push(full || q === 0 ? `    ${set}` : `    if (k > ${q}) ${set}`);
          }
          v = name;
        }
      } else {
        const args = e.args.map(emit);
        const types = e.args.map((a) => a.dtype);
        const f = formOf(e.op, types, e.dtype);
        if (f.vec) v = f.vec(args);
        else {
          const name = `s${t++}`;
          code.push(`    let ${name} = ${ZERO};`);
          for (let q = 0; q < L; q++) {
            const lanes = args.map((a, ai) => extract(types[ai]!, a, q));
            code.push(`    ${name} = ${replace(e.dtype, name, q, f.lane!(lanes))};`);
          }
          v = name;
        }
      }
      const name = `v${t++}`;
      code.push(`    const ${name} = ${v};`);
      memo.set(e.kind === 'load' ? loadOf.get(e)! : e, name);
      return name;
    };
    const results = k.outputs.map(emit);
    return { code, results, types: k.outputs.map((o) => o.dtype) };
  };

  // base offsets (addresses of the loads) must be defined before use: a reduction renders its own loop nest
  const base = (li: number): string => (outer.length === 0 ? String(loads[li]!.offset) : `o${li}_${outer.length - 1}`);
  const addr = (li: number, elem: string): string => `p${loads[li]!.input} + ((<usize>(${elem})) << ${SHIFT[loads[li]!.dtype]})`;
  const args = [...k.inputs.map((_, i) => `p${i}`), ...k.outputs.map((_, j) => `q${j}`)];
  /** The whole-range export and the range's extent and alignment (after a ranged kernel). */
  const wrappers = (extent: number, align: number): string[] => [
    `export function ${name}(${params.join(', ')}): void { ${name}_range(${[...args, '0', String(extent)].join(', ')}); }`,
    `export function ${name}_extent(): i32 { return ${extent}; }`,
    `export function ${name}_align(): i32 { return ${align}; }`,
  ];
  if (k.reduce) {
    const src = columns >= 0 ? renderColumns(k, L, loads, dims, lines, body, addr, ranged) : renderReduce(k, name, L, loads, dims, lines, body, base, addr, ranged);
    return ranged ? [src, ...wrappers(dims[0]!.n, 1)].join('\n') : src;
  }
  // output element index; the range splits outer dimension 0 (rows), or the inner loop when there is no outer one
  const rowElems = outer.slice(1).reduce((a, d) => a * d.n, inner.n);
  lines.push(outer.length ? `  let i: i32 = lo * ${rowElems};` : '  let i = 0;');
  outer.forEach((d, p) => lines.push(...loopHead(p, d, loads, true)));
  // loads that are constant along the inner loop: one scalar, splat once
  loads.forEach((l, li) => {
    if (innerStride(li) === 0) lines.push(`  const b${li} = ${splat(l.dtype, scalarLoad(l.dtype, addr(li, base(li))))};`);
  });

  const n = inner.n;
  const store = (full: boolean, r: string, j: number, d: DType): string[] => {
    const a = `q${j} + ((<usize>(i + j)) << ${SHIFT[d]})`;
    if (full)
      return [d === 'bool' ? (L === 4 ? `    v128.store32_lane(${a}, bbytes(${r}), 0);` : `    v128.store16_lane(${a}, bbytes(${r}), 0);`)
        : SIZE[d] === 8 || L === 4 ? `    v128.store(${a}, ${r});` : `    v128.store64_lane(${a}, ${r}, 0);`];
    const out: string[] = [];
    for (let q = 0; q < L; q++) {
      const aq = `q${j} + ((<usize>(i + j + ${q})) << ${SHIFT[d]})`;
      const s = `store<${SCALAR[d]}>(${aq}, ${d === 'bool' ? `<u8>${extract(d, r, q)}` : extract(d, r, q)});`;
      out.push(q === 0 ? `    ${s}` : `    if (k > ${q}) ${s}`);
    }
    return out;
  };
  const full = body(true), tail = body(false);
  const [j0, end] = outer.length ? ['0', String(n)] : ['lo', 'hi'];
  lines.push(`  let j = ${j0};`);
  lines.push(`  for (; j + ${L} <= ${end}; j += ${L}) {`, ...full.code, ...full.results.flatMap((r, jj) => store(true, r, jj, full.types[jj]!)), '  }');
  lines.push(`  if (j < ${end}) {`, `    const k = ${end} - j;`, ...tail.code, ...tail.results.flatMap((r, jj) => store(false, r, jj, tail.types[jj]!)), '  }');
  lines.push(`  i += ${n};`);
  for (let p = outer.length - 1; p >= 0; p--) lines.push('  }');
  lines.push('}');
  lines.push(...wrappers(outer.length ? outer[0]!.n : n, outer.length ? 1 : L));
  return lines.join('\n');
}

interface Reducer {
  readonly init: string[];
  readonly update: (v: string) => string[];
  /** The value vector with the lanes outside mask `m` replaced by the identity. */
  readonly mask: (m: string, v: string) => string;
  /** The final scalar (of the output's scalar type). */
  readonly final: string;
}

function reducer(op: string, d: DType, L: number): Reducer {
  const f = d === 'float32' || d === 'float64';
  if (op === 'reduceSum' || op === 'reduceProd') {
    const add = op === 'reduceSum';
    const id = add ? '0' : '1';
    if (f) {
      // one float64 accumulator added to lane by lane, in the reference's order (row-major over the reduced axes):
      // float32 and float64 sums and products are bit-identical to the reference (and to the JS-rendered kernels)
      const fl = d === 'float32' ? 'f32x4' : 'f64x2';
      const lanes = d === 'float32' ? L : 2;
      const opS = add ? '+' : '*';
      return {
        init: [`let a0: f64 = ${id};`],
        update: (v) => Array.from({ length: lanes }, (_, q) => `a0 = a0 ${opS} <f64>${fl}.extract_lane(${v}, ${q});`),
        mask: (m, v) => `v128.bitselect(${v}, ${fl}.splat(${id}), ${d === 'float64' ? `i64x2.extend_low_i32x4_s(${m})` : m})`,
        final: d === 'float32' ? `<f32>a0` : 'a0',
      };
    }
    if (d === 'bool') throw new UnsupportedKernel(`wasm jit: ${op} on bool`);
    const lanes = Array.from({ length: L }, (_, q) => `i32x4.extract_lane(a0, ${q})`);
    return {
      init: [`let a0 = i32x4.splat(${id});`],
      update: (v) => [`a0 = i32x4.${add ? 'add' : 'mul'}(a0, ${v});`],
      mask: (m, v) => `v128.bitselect(${v}, i32x4.splat(${id}), ${m})`,
      final: `<${SCALAR[d]}>(${lanes.join(add ? ' + ' : ' * ')})`,
    };
  }
  const max = op === 'reduceMax';
  if (f) {
    const fl = d === 'float32' ? 'f32x4' : 'f64x2';
    const id = max ? '-Infinity' : 'Infinity';
    const lanes = Array.from({ length: L }, (_, q) => `${fl}.extract_lane(a0, ${q})`);
    const fold = lanes.slice(1).reduce((acc, x) => `${max ? 'max' : 'min'}<${SCALAR[d]}>(${acc}, ${x})`, lanes[0]!);
    return {
      init: [`let a0 = ${fl}.splat(${id});`],
      update: (v) => [`a0 = ${fl}.${max ? 'max' : 'min'}(a0, ${v});`],
      mask: (m, v) => `v128.bitselect(${v}, ${fl}.splat(${id}), ${d === 'float64' ? `i64x2.extend_low_i32x4_s(${m})` : m})`,
      final: fold,
    };
  }
  if (d === 'bool') {
    const lanes = Array.from({ length: L }, (_, q) => `i32x4.extract_lane(a0, ${q})`);
    return {
      init: [`let a0 = i32x4.splat(${max ? 0 : -1});`],
      update: (v) => [`a0 = v128.${max ? 'or' : 'and'}(a0, ${v});`],
      mask: (m, v) => `v128.bitselect(${v}, i32x4.splat(${max ? 0 : -1}), ${m})`,
      final: `<u8>((${lanes.join(max ? ' | ' : ' & ')}) & 1)`,
    };
  }
  const s = d === 'int32' ? 's' : 'u';
  const id = d === 'int32' ? (max ? -2147483648 : 2147483647) : max ? 0 : -1;
  const lanes = Array.from({ length: L }, (_, q) => `<${SCALAR[d]}>i32x4.extract_lane(a0, ${q})`);
  const fold = lanes.slice(1).reduce((acc, x) => `${max ? 'mx' : 'mn'}${d === 'int32' ? 'I' : 'U'}(${acc}, ${x})`, lanes[0]!);
  return {
    init: [`let a0 = i32x4.splat(${id});`],
    update: (v) => [`a0 = i32x4.${max ? 'max' : 'min'}_${s}(a0, ${v});`],
    mask: (m, v) => `v128.bitselect(${v}, i32x4.splat(${id}), ${m})`,
    final: fold,
  };
}

/** A reduction kernel: kept dims outside (one output element each), reduced dims inside, the innermost vectorized. */
function renderReduce(
  k: Kernel,
  name: string,
  L: number,
  loads: Load[],
  dims: { n: number; red: boolean; st: number[] }[],
  head: string[],
  body: (full: boolean) => { code: string[]; results: string[]; types: DType[] },
  base: (li: number) => string,
  addr: (li: number, elem: string) => string,
  ranged = false,
): string {
  const d = k.outputs[0]!.dtype;
  const acc = reducer(k.reduce!.op, d, L);
  const nd = dims.length;
  const inner = dims[nd - 1]!;
  const firstRed = dims.findIndex((x) => x.red);
  // ranged: over [lo, hi) of kept dimension 0; outputs per step of it = the other kept dimensions
  const perRow = dims.slice(1, firstRed).reduce((a, x) => a * x.n, 1);
  const lines = [...head, ranged ? `  let i: i32 = lo * ${perRow};` : '  let i = 0;'];
  for (let p = 0; p < nd - 1; p++) {
    if (p === firstRed) lines.push(...acc.init.map((s) => `  ${s}`));
    lines.push(...loopHead(p, dims[p]!, loads, ranged));
  }
  if (firstRed === nd - 1) lines.push(...acc.init.map((s) => `  ${s}`));
  loads.forEach((l, li) => {
    if (inner.st[li] === 0) lines.push(`  const b${li} = ${splat(l.dtype, scalarLoad(l.dtype, addr(li, base(li))))};`);
  });
  const full = body(true), tail = body(false);
  const n = inner.n;
  lines.push(`  let j = 0;`);
  lines.push(`  for (; j + ${L} <= ${n}; j += ${L}) {`, ...full.code, ...acc.update(full.results[0]!).map((s) => `    ${s}`), '  }');
  lines.push(`  if (j < ${n}) {`, `    const k = ${n} - j;`, ...tail.code,
    `    const lm = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(k));`,
    `    const vm = ${acc.mask('lm', tail.results[0]!)};`,
    ...acc.update('vm').map((s) => `    ${s}`), '  }');
  for (let p = nd - 2; p >= firstRed; p--) lines.push('  }');
  lines.push(`  store<${SCALAR[d]}>(q0 + ((<usize>i) << ${SHIFT[d]}), ${acc.final});`, '  i++;');
  for (let p = Math.min(firstRed, nd - 1) - 1; p >= 0; p--) lines.push('  }');
  lines.push('}');
  return lines.join('\n');
}

/**
 * The index in `dims` (kept dims, then reduced ones) of the kept dimension a reduction is vectorized across, or −1:
 * the last kept one, when every load reads it contiguously or broadcast, it has at least L elements, and the output
 * is a float32 (L = 4), float64 (L = 2) or 32-bit integer (L = 4) vector of the kernel's width.
 */
function columnDim(k: Kernel, dims: readonly { n: number; red: boolean; st: number[] }[], L: number): number {
  const d = k.outputs[0]!.dtype;
  if (!(d === 'float32' || d === 'int32' || d === 'uint32' ? L === 4 : d === 'float64' && L === 2)) return -1;
  const firstRed = dims.findIndex((x) => x.red);
  const c = firstRed - 1;
  if (c < 0 || dims[c]!.n < L || !dims[c]!.st.every((s) => s === 0 || s === 1)) return -1;
  return c;
}

/** Per-lane accumulation of a column reduction: one accumulator lane per output (float32 sums in float64 pairs). */
function laneReducer(op: string, d: DType): { init: string[]; update: (v: string) => string[]; final: string } {
  const sumLike = op === 'reduceSum' || op === 'reduceProd';
  const id = op === 'reduceSum' ? '0' : op === 'reduceProd' ? '1' : op === 'reduceMax' ? (d === 'float32' || d === 'float64' ? '-Infinity' : d === 'int32' ? '-2147483648' : '0') : d === 'float32' || d === 'float64' ? 'Infinity' : d === 'int32' ? '2147483647' : '-1';
  if (d === 'float32' && sumLike) {
    // float64 accumulators added to in the reference's order: the same bits as the reference
    const f = op === 'reduceSum' ? 'add' : 'mul';
    return {
      init: [`let a0 = f64x2.splat(${id}), a1 = f64x2.splat(${id});`],
      update: (v) => [`a0 = f64x2.${f}(a0, f64x2.promote_low_f32x4(${v}));`, `a1 = f64x2.${f}(a1, f64x2.promote_low_f32x4(i32x4.shuffle(${v}, ${v}, 2, 3, 2, 3)));`],
      final: 'i32x4.shuffle(f32x4.demote_f64x2_zero(a0), f32x4.demote_f64x2_zero(a1), 0, 1, 4, 5)',
    };
  }
  const fl = d === 'float32' ? 'f32x4' : d === 'float64' ? 'f64x2' : 'i32x4';
  const s = d === 'int32' ? '_s' : d === 'uint32' ? '_u' : '';
  const f = op === 'reduceSum' ? 'add' : op === 'reduceProd' ? 'mul' : `${op === 'reduceMax' ? 'max' : 'min'}${s}`;
  return { init: [`let a0 = ${fl}.splat(${id});`], update: (v) => [`a0 = ${fl}.${f}(a0, ${v});`], final: 'a0' };
}

/**
 * A column reduction (see columnDim): kept dims outside, then a loop over the last kept dim in vectors of L outputs,
 * the reduced dims inside it; each lane accumulates its own output in the reference's order.
 */
function renderColumns(
  k: Kernel,
  L: number,
  loads: Load[],
  dims: { n: number; red: boolean; st: number[] }[],
  head: string[],
  body: (full: boolean) => { code: string[]; results: string[]; types: DType[] },
  addr: (li: number, elem: string) => string,
  ranged: boolean,
): string {
  const d = k.outputs[0]!.dtype;
  const acc = laneReducer(k.reduce!.op, d);
  const nd = dims.length, n = dims[nd - 1]!.n;
  const kept = dims.findIndex((x) => x.red); // kept dims before the reduced ones (the vector dim is last)
  const perRow = dims.slice(1, kept).reduce((a, x) => a * x.n, n);
  const lines = [...head, ranged ? `  let i: i32 = lo * ${perRow};` : '  let i = 0;'];
  const loop = (p: number): string[] => loopHead(p, dims[p]!, loads, ranged);
  for (let p = 0; p < kept; p++) lines.push(...loop(p));
  // the broadcast loads (stride 0 along the vector dim), at the innermost reduced position
  const inner = nd - 2;
  const splats = loads.flatMap((l, li) => (dims[nd - 1]!.st[li] === 0 ? [`  const b${li} = ${splat(l.dtype, scalarLoad(l.dtype, addr(li, `o${li}_${inner}`)))};`] : []));
  const reduced = (code: { code: string[]; results: string[] }): string[] => {
    const out: string[] = [...acc.init.map((x) => `    ${x}`)];
    for (let p = kept; p <= inner; p++) out.push(...loop(p));
    out.push(...splats, ...code.code, ...acc.update(code.results[0]!).map((x) => `    ${x}`));
    for (let p = kept; p <= inner; p++) out.push('  }');
    return out;
  };
  const at = (q: number | string): string => `q0 + ((<usize>(i + j${q === 0 ? '' : ` + ${q}`})) << ${SHIFT[d]})`;
  lines.push('  let j = 0;');
  lines.push(`  for (; j + ${L} <= ${n}; j += ${L}) {`, ...reduced(body(true)), `    v128.store(${at(0)}, ${acc.final});`, '  }');
  lines.push(`  if (j < ${n}) {`, `    const k = ${n} - j;`, ...reduced(body(false)), `    const r = ${acc.final};`);
  for (let q = 0; q < L; q++) lines.push(`    ${q ? `if (k > ${q}) ` : ''}store<${SCALAR[d]}>(${at(q)}, ${extract(d, 'r', q)});`);
  lines.push('  }', `  i += ${n};`);
  for (let p = kept - 1; p >= 0; p--) lines.push('  }');
  lines.push('}');
  return lines.join('\n');
}

/** Helpers every generated module carries (bool masks ↔ bytes, integer max/min). */
export const moduleHelpers = `
@inline function bmask4(v: v128): v128 {
  return i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v)), i32x4.splat(0));
}
@inline function bbytes(m: v128): v128 {
  const b = v128.and(m, i32x4.splat(1));
  const h = i16x8.narrow_i32x4_u(b, b);
  return i8x16.narrow_i16x8_u(h, h);
}
@inline function mxI(a: i32, b: i32): i32 { return a > b ? a : b; }
@inline function mnI(a: i32, b: i32): i32 { return a < b ? a : b; }
@inline function mxU(a: u32, b: u32): u32 { return a > b ? a : b; }
@inline function mnU(a: u32, b: u32): u32 { return a < b ? a : b; }
export function heapBase(): usize { return __heap_base; }
`;

/** The AS source of a module with the given kernels (exported as names[i], default k<i>; null entries are skipped). */
export function renderModuleAs(kernels: readonly (Kernel | null)[], names?: readonly (string | null)[]): { source: string; exported: boolean[] } {
  const parts: string[] = [`import { ${preludeNames.join(', ')} } from './math';`, moduleHelpers];
  const exported = kernels.map((k, i) => {
    if (!k) return false;
    try {
      parts.push(renderKernelAs(k, names?.[i] ?? `k${i}`));
      return true;
    } catch (e) {
      if (e instanceof UnsupportedKernel) return false;
      throw e;
    }
  });
  return { source: parts.join('\n'), exported };
}
