// Elementwise primitives and reductions on the wasm target: SIMD kernels (wasm/elementwise.ts, wasm/reduce.ts, wasm/math.ts) over operands copied into WebAssembly memory.
//
// What runs here (everything else, and every other dtype of a claimed primitive, runs on the reference):
//   float32: neg abs floor ceil round sign sqrt rsqrt exp exp2 log log1p expm1 tanh logistic erf sin cos,
//            add sub mul div max min pow, eq ne lt le gt ge, reduceSum/Max/Min;
//   float64: neg abs floor ceil round sign sqrt rsqrt, add sub mul div max min, eq ne lt le gt ge, reduceSum/Max/Min
//            (float64 transcendentals stay on the reference, whose Math.* is already correctly rounded or nearly);
//   any dtype: select (a bitwise select by element width);
//   convertElementType between float32, float64, int32 and uint32 (saturating float → int, like the reference).
// Exact operations (arithmetic, rounding, comparisons, select, conversions, sqrt, rsqrt, max/min reductions) give the
// reference's bits; sin, cos and pow are rounded once from float64 lanes (one ulp apart from the reference at most,
// next to a rounding boundary); exp, exp2, log, log1p, expm1, tanh, logistic and erf are within the ulp bounds
// measured by test/wasm-math.test.ts (docs/wasm-math.md); float32 sums accumulate in float64 like the reference.
import { shapeSize, stridesOf, type ShapedArray } from '../../core/aval.js';
import { type DType, type TypedArray, typedArrayCtor } from '../../core/dtype.js';
import type { BinaryPrim, ComparePrim, ReducePrim, UnaryPrim } from '../../core/primitive.js';
import { implRules, type FirstOrderPrim } from '../../rules/impl.js';
import type { ImplRule, RefVal } from '../../rules/types.js';
import { copyStrided } from '../ref/strided.js';
import { copyIn, copyOut, type TypedCtor, f32View, f64View, remember, residentIn, ringTake, scratch, scratchMark, scratchRelease, wasmExports } from './runtime.js';
import { type Block, getThreads, runBlocks, splitRange } from './threads.js';

/** The kernels of wasm/elementwise.ts and wasm/reduce.ts (pointers and counts are i32). */
interface EwKernels {
  ewUnaryF32(op: number, x: number, out: number, n: number): void;
  ewUnaryF64(op: number, x: number, out: number, n: number): void;
  ewBinaryF32(op: number, a: number, b: number, out: number, n: number): void;
  ewBinaryF64(op: number, a: number, b: number, out: number, n: number): void;
  ewCompareF32(op: number, a: number, b: number, out: number, n: number): void;
  ewCompareF64(op: number, a: number, b: number, out: number, n: number): void;
  ewSelect(width: number, pred: number, t: number, f: number, out: number, n: number): void;
  ewConvert(code: number, x: number, out: number, n: number): void;
  redRowsF32(op: number, x: number, out: number, outer: number, inner: number): void;
  redRowsF64(op: number, x: number, out: number, outer: number, inner: number): void;
  redColsF32(op: number, x: number, out: number, pre: number, red: number, post: number): void;
  redColsF64(op: number, x: number, out: number, pre: number, red: number, post: number): void;
}
const kernels = (): EwKernels => wasmExports() as unknown as EwKernels;

// Op codes: mirror the constants at the top of wasm/elementwise.ts and wasm/reduce.ts.
const UNARY_F32: { readonly [P in UnaryPrim]?: number } = {
  neg: 0, abs: 1, floor: 2, ceil: 3, round: 4, sign: 5, sqrt: 6, rsqrt: 7,
  exp: 8, exp2: 9, log: 10, log1p: 11, expm1: 12, tanh: 13, logistic: 14, erf: 15, sin: 16, cos: 17,
};
const UNARY_F64: { readonly [P in UnaryPrim]?: number } = { neg: 0, abs: 1, floor: 2, ceil: 3, round: 4, sign: 5, sqrt: 6, rsqrt: 7 };
const BINARY_F32: { readonly [P in BinaryPrim]?: number } = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, pow: 6 };
const BINARY_F64: { readonly [P in BinaryPrim]?: number } = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 };
const COMPARE: { readonly [P in ComparePrim]: number } = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 };
const REDUCE: { readonly [P in ReducePrim]?: number } = { reduceSum: 0, reduceMax: 1, reduceMin: 2 };
const CONVERT: Readonly<Record<string, number>> = {
  'float32>float64': 0, 'float64>float32': 1, 'float32>int32': 2, 'float32>uint32': 3, 'int32>float32': 4,
  'uint32>float32': 5, 'float64>int32': 6, 'float64>uint32': 7, 'int32>float64': 8, 'uint32>float64': 9,
};
const WIDTH: { readonly [D in DType]: number } = { float16: 4, float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1 };

/** The elementwise primitives and reductions this target claims (the law in test/wasm-math.test.ts covers each). */
export const wasmElementwisePrims = {
  unaryF32: Object.keys(UNARY_F32) as UnaryPrim[],
  unaryF64: Object.keys(UNARY_F64) as UnaryPrim[],
  binaryF32: Object.keys(BINARY_F32) as BinaryPrim[],
  binaryF64: Object.keys(BINARY_F64) as BinaryPrim[],
  compare: Object.keys(COMPARE) as ComparePrim[],
  reduce: Object.keys(REDUCE) as ReducePrim[],
  convert: Object.keys(CONVERT),
} as const;

type Rule = (args: RefVal[], params: unknown, outAvals: ShapedArray[]) => TypedArray[];

/**
 * Below `small` elements the exact operations (the reference gives the same bits) run on the reference's JS loops:
 * copying a handful of values into WebAssembly memory and back costs more than the arithmetic (BENCH W5: scalar adds). The kernel laws set it to 0 to test the kernels at every size.
 * From `threadsMin` elements, unary and binary kernels are split across the thread pool (setThreads).
 */
export const elementwiseConfig = { small: 256, threadsMin: 1 << 16 };

type EwFn = 'ewUnaryF32' | 'ewUnaryF64' | 'ewBinaryF32' | 'ewBinaryF64';
/**
 * fn(code, ...ptrs, n) over n elements; with setThreads(T > 1) and at least `threadsMin` elements, as ~4 ranges per
 * thread on the pool (every element is computed by the same code whichever thread runs it: the same bits).
 */
function runEw(fn: EwFn, esize: 4 | 8, code: number, ptrs: readonly number[], n: number): void {
  const T = getThreads();
  if (T < 2 || n < elementwiseConfig.threadsMin) {
    (kernels()[fn] as (...a: number[]) => void)(code, ...ptrs, n);
    return;
  }
  const blocks: Block[] = splitRange(n, 4, T).map(([lo, hi]) => ({ fn, esize, args: [code, ...ptrs.map((p) => p + lo * esize), hi - lo] }));
  runBlocks(blocks, 0);
}
const EXACT_UNARY = new Set<UnaryPrim>(['neg', 'abs', 'floor', 'ceil', 'round', 'sign', 'sqrt']);
const reference = (p: FirstOrderPrim): Rule => implRules[p] as unknown as Rule;

/**
 * Runs `f` with the scratch arena released afterwards (also on error). The kernels are instantiated first: before
 * that the arena's mark is not yet its base, and releasing to it would hand out the module's static data.
 */
function withScratch<R>(f: () => R): R {
  wasmExports();
  const mark = scratchMark();
  try {
    return f();
  } finally {
    scratchRelease(mark);
  }
}

/**
 * A read-only pointer to the first n elements of an operand (operands may be views longer than their aval): its
 * resident copy in the ring when it has one or gets one (runtime.ts), else a scratch copy. Kernels never write to it.
 */
const operand = (x: RefVal, n: number): number => (x.buffer.length === n ? residentIn(x.buffer) : copyIn(x.buffer.subarray(0, n)));
/** Memory for a result: ring space (so the result stays resident once copied out) when there is room, else scratch. */
const result = (bytes: number): number => ringTake(bytes) ?? scratch(bytes);
/** float32 kernels serve float16 too: its values are held in float32 and the registry rounds each float16 result. */
const isF32 = (d: DType): boolean => d === 'float32' || d === 'float16';
/** A fresh (pooled) typed array of dtype d with the n elements at ptr. */
const output = (ptr: number, n: number, d: DType): TypedArray => {
  const y = copyOut(ptr, n, typedArrayCtor[d] as unknown as TypedCtor<TypedArray>);
  if (d !== 'float16') remember(y, ptr); // (float16 results are rounded on the host afterwards: never resident)
  return y;
};

function unaryRule(prim: UnaryPrim): Rule {
  const ref = reference(prim);
  const c32 = UNARY_F32[prim], c64 = UNARY_F64[prim];
  return (args, params, outAvals) => {
    const x = args[0]!, d = x.aval.dtype, n = x.aval.size;
    const code = isF32(d) ? c32 : d === 'float64' ? c64 : undefined;
    if (code === undefined || n === 0 || (n < elementwiseConfig.small && EXACT_UNARY.has(prim))) return ref(args, params, outAvals);
    return withScratch(() => {
      const p = operand(x, n), o = result(n * (isF32(d) ? 4 : 8));
      if (isF32(d)) runEw('ewUnaryF32', 4, code, [p, o], n);
      else runEw('ewUnaryF64', 8, code, [p, o], n);
      return [output(o, n, d)];
    });
  };
}

function binaryRule(prim: BinaryPrim): Rule {
  const ref = reference(prim);
  const c32 = BINARY_F32[prim], c64 = BINARY_F64[prim];
  return (args, params, outAvals) => {
    const [x, y] = args as [RefVal, RefVal];
    const d = x.aval.dtype, n = x.aval.size;
    const code = isF32(d) ? c32 : d === 'float64' ? c64 : undefined;
    if (code === undefined || n === 0 || y.aval.dtype !== d || y.aval.size !== n || (n < elementwiseConfig.small && prim !== 'pow')) return ref(args, params, outAvals);
    return withScratch(() => {
      const a = operand(x, n), b = operand(y, n), o = result(n * (isF32(d) ? 4 : 8));
      if (isF32(d)) runEw('ewBinaryF32', 4, code, [a, b, o], n);
      else runEw('ewBinaryF64', 8, code, [a, b, o], n);
      return [output(o, n, d)];
    });
  };
}

function compareRule(prim: ComparePrim): Rule {
  const ref = reference(prim);
  const code = COMPARE[prim];
  return (args, params, outAvals) => {
    const [x, y] = args as [RefVal, RefVal];
    const d = x.aval.dtype, n = x.aval.size;
    if ((!isF32(d) && d !== 'float64') || n < elementwiseConfig.small || y.aval.dtype !== d || y.aval.size !== n) return ref(args, params, outAvals);
    return withScratch(() => {
      const a = operand(x, n), b = operand(y, n);
      const out = result(n);
      (isF32(d) ? kernels().ewCompareF32 : kernels().ewCompareF64)(code, a, b, out, n);
      return [output(out, n, 'bool')];
    });
  };
}

const selectRule: Rule = (args, params, outAvals) => {
  const [p, t, f] = args as [RefVal, RefVal, RefVal];
  const n = t.aval.size, d = t.aval.dtype;
  if (n < elementwiseConfig.small || p.aval.dtype !== 'bool' || p.aval.size !== n || f.aval.size !== n || f.aval.dtype !== d) return reference('select')(args, params, outAvals);
  return withScratch(() => {
    const pp = operand(p, n), tp = operand(t, n), fp = operand(f, n), o = result(n * WIDTH[d]);
    kernels().ewSelect(WIDTH[d], pp, tp, fp, o, n);
    return [output(o, n, d)];
  });
};

const convertRule: Rule = (args, params, outAvals) => {
  const x = args[0]!, n = x.aval.size;
  const to = (params as { newDtype: DType }).newDtype, from = x.aval.dtype;
  const code = CONVERT[`${from}>${to}`];
  if (code === undefined || n < elementwiseConfig.small || to === 'bool') return reference('convertElementType')(args, params, outAvals);
  return withScratch(() => {
    const src = operand(x, n);
    const out = result(n * WIDTH[to]);
    kernels().ewConvert(code, src, out, n);
    return [output(out, n, to)];
  });
};

/**
 * The operand seen as [pre, red, post] when the reduced axes (size-1 axes ignored) form one contiguous run, else
 * null. pre = product of the kept axes before the run, post = after it.
 */
function oneRun(shape: readonly number[], axes: readonly number[]): { pre: number; red: number; post: number } | null {
  const reduced = new Set(axes);
  let pre = 1, red = 1, post = 1, phase = 0; // 0: before the run, 1: in it, 2: after it
  for (let a = 0; a < shape.length; a++) {
    const n = shape[a]!;
    if (n === 1) continue;
    if (reduced.has(a)) {
      if (phase === 2) return null;
      phase = 1;
      red *= n;
    } else if (phase === 0) pre *= n;
    else {
      phase = 2;
      post *= n;
    }
  }
  return { pre, red, post };
}

/**
 * reduceSum/Max/Min: one contiguous run of reduced axes runs in place ([outer, inner] rows when the run is trailing,
 * [pre, red, post] columns otherwise); several runs are first packed (kept axes first) while copying into memory.
 */
function reduceRule(prim: ReducePrim): Rule {
  const ref = reference(prim);
  const code = REDUCE[prim]!;
  return (args, params, outAvals) => {
    const x = args[0]!, d = x.aval.dtype, n = x.aval.size;
    const oa = outAvals[0]!;
    if ((!isF32(d) && d !== 'float64') || n === 0 || oa.size === 0) return ref(args, params, outAvals);
    const shape = x.aval.shape, axes = (params as { axes: readonly number[] }).axes;
    const f32 = isF32(d), esize = f32 ? 4 : 8;
    const k = kernels();
    return withScratch(() => {
      const run = oneRun(shape, axes);
      const xp = run ? operand(x, n) : 0;
      const out = scratch(oa.size * esize);
      if (run) {
        if (run.post === 1) (f32 ? k.redRowsF32 : k.redRowsF64)(code, xp, out, run.pre, run.red);
        else (f32 ? k.redColsF32 : k.redColsF64)(code, xp, out, run.pre, run.red, run.post);
      } else {
        const kept = shape.map((_, a) => a).filter((a) => !axes.includes(a));
        const perm = [...kept, ...axes];
        const pshape = perm.map((a) => shape[a]!);
        const st = stridesOf(shape);
        const xp = scratch(n * esize);
        const view = f32 ? f32View(xp, n) : f64View(xp, n);
        copyStrided(pshape, x.buffer, 0, perm.map((a) => st[a]!), view, 0, stridesOf(pshape));
        const inner = shapeSize(axes.map((a) => shape[a]!));
        (f32 ? k.redRowsF32 : k.redRowsF64)(code, xp, out, n / inner, inner);
      }
      return [output(out, oa.size, d)];
    });
  };
}

const rules: { [P in FirstOrderPrim]?: Rule } = {};
for (const p of Object.keys(UNARY_F32) as UnaryPrim[]) rules[p] = unaryRule(p);
for (const p of Object.keys(BINARY_F32) as BinaryPrim[]) rules[p] = binaryRule(p);
for (const p of Object.keys(COMPARE) as ComparePrim[]) rules[p] = compareRule(p);
for (const p of Object.keys(REDUCE) as ReducePrim[]) rules[p] = reduceRule(p);
rules.select = selectRule;
rules.convertElementType = convertRule;

/** The wasm target's elementwise and reduction rules (a partial ImplTable: the registry falls back to the reference). */
export const elementwiseImpl: { [P in FirstOrderPrim]?: ImplRule<P> } = rules as { [P in FirstOrderPrim]?: ImplRule<P> };
