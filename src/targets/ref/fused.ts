// Renders fused kernels (src/compiler/kernel.ts) to JavaScript loops with `new Function`, bit-identical to
// the reference: every operation rounds to its dtype exactly as a typed-array store would.
import { type DType, type TypedArray, isFloat, roundF16 } from '../../core/dtype.js';
import type { BinaryPrim, ComparePrim, UnaryPrim } from '../../core/primitive.js';
import type { KExpr, Kernel } from '../../compiler/kernel.js';
import { binaryTable, compareTable, converter, unaryTable } from './elementwise.js';

const unarySet = new Set<string>(Object.keys(unaryTable));
const binarySet = new Set<string>(Object.keys(binaryTable));
const kindOf = (d: DType): 'float' | 'int32' | 'uint32' | 'bool' => (isFloat(d) ? 'float' : (d as 'int32' | 'uint32' | 'bool'));
const round = (d: DType, x: string): string =>
  d === 'float32' ? `fr(${x})` : d === 'float16' ? `h(fr(${x}))` : d === 'int32' ? `((${x})|0)` : d === 'uint32' ? `((${x})>>>0)` : x;

export type KernelFn = (ins: readonly TypedArray[], outs: readonly TypedArray[]) => void;

/** Compiles a kernel to a JS function; returns it with its source (for tests and debugging). */
export function renderJs(k: Kernel): { fn: KernelFn; source: string } {
  const fns: ((...a: number[]) => number)[] = [];
  const fnRef = (f: (...a: number[]) => number): string => {
    let i = fns.indexOf(f);
    if (i < 0) i = fns.push(f) - 1;
    return `F[${i}]`;
  };
  const nd = k.shape.length;
  const loads: { input: number; strides: readonly number[]; offset: number }[] = [];
  const loadKey = (e: Extract<KExpr, { kind: 'load' }>) => `${e.input}|${e.view.offset}|${e.view.strides.join(',')}`;
  const loadIdx = new Map<string, number>();
  const contiguous = k.shape.map((_, i) => k.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const isContig = (st: readonly number[], off: number) => off === 0 && k.shape.every((d, i) => d === 1 || st[i] === contiguous[i]);
  const body: string[] = [];
  const memo = new Map<KExpr, string>();
  let tmp = 0;
  const emit = (e: KExpr): string => {
    const m = memo.get(e);
    if (m) return m;
    let code: string;
    if (e.kind === 'lit') code = Number.isNaN(e.value) ? 'NaN' : e.value === Infinity ? 'Infinity' : e.value === -Infinity ? '-Infinity' : String(e.value);
    else if (e.kind === 'load') {
      const key = loadKey(e);
      let li = loadIdx.get(key);
      if (li === undefined) {
        loadIdx.set(key, (li = loads.length));
        loads.push({ input: e.input, strides: e.view.strides, offset: e.view.offset });
      }
      const l = loads[li]!;
      const idx = l.strides.every((s) => s === 0) ? String(l.offset) : !k.reduce && isContig(l.strides, l.offset) ? 'i' : `o${li}`;
      code = `x${e.input}[${idx}]`;
    } else {
      const args = e.args.map(emit);
      const inDt = e.args[0]!.dtype;
      if (e.op === 'select') code = `(${args[0]} ? ${args[1]} : ${args[2]})`;
      else if (e.op === 'convertElementType') code = round(e.dtype, `${fnRef(converter(inDt, e.dtype))}(${args[0]})`);
      else if (e.op === 'stopGradient') code = args[0]!;
      else if (unarySet.has(e.op)) {
        const f = unaryTable[e.op as UnaryPrim][kindOf(inDt)];
        if (!f) throw new TypeError(`fused kernel: no reference kernel for ${e.op} on ${inDt}`);
        code = round(e.dtype, `${fnRef(f)}(${args[0]})`);
      } else if (binarySet.has(e.op)) {
        const f = binaryTable[e.op as BinaryPrim][kindOf(inDt)];
        if (!f) throw new TypeError(`fused kernel: no reference kernel for ${e.op} on ${inDt}`);
        code = round(e.dtype, `${fnRef(f)}(${args[0]}, ${args[1]})`);
      } else code = `${fnRef(compareTable[e.op as ComparePrim])}(${args[0]}, ${args[1]})`;
    }
    const name = `t${tmp++}`;
    body.push(`const ${name} = ${code};`);
    memo.set(e, name);
    return name;
  };
  const results = k.outputs.map(emit);
  const stores = results.map((r, j) => `y${j}[i] = ${r};`);
  // strided loads need per-dimension offsets; contiguous and broadcast-scalar loads use i / a constant
  const lines: string[] = [];
  k.inputs.forEach((_, i) => lines.push(`const x${i} = ins[${i}];`));
  k.outputs.forEach((_, j) => lines.push(`const y${j} = outs[${j}];`));
  if (k.reduce) {
    // kept axes outside, reduced axes inside (row-major within each, the reference's summation order)
    const { op, axes } = k.reduce;
    const order = [...range(nd).filter((d) => !axes.includes(d)), ...axes];
    const nKept = nd - axes.length;
    const dt = k.outputs[0]!.dtype;
    const int = dt === 'int32' || dt === 'uint32';
    const init = reduceInit(op, dt);
    const v = results[0]!;
    const update =
      op === 'reduceSum' ? (int ? `acc = (acc + ${v}) | 0;` : `acc += ${v};`)
      : op === 'reduceProd' ? (int ? `acc = Math.imul(acc, ${v});` : `acc *= ${v};`)
      : op === 'reduceMax' ? `if (${v} > acc || ${v} !== ${v}) acc = ${v};`
      : `if (${v} < acc || ${v} !== ${v}) acc = ${v};`;
    const all = loads.map((l, li) => ({ ...l, li }));
    const open = (pos: number): void => {
      const d = order[pos]!;
      lines.push(`for (let c${pos} = 0; c${pos} < ${k.shape[d]}; c${pos}++) {`);
      for (const l of all) lines.push(`const o${l.li}_${pos} = ${pos === 0 ? String(l.offset) : `o${l.li}_${pos - 1}`} + c${pos} * ${l.strides[d]};`);
    };
    const finalOffsets = (pos: number) => all.map((l) => `const o${l.li} = ${pos < 0 ? String(l.offset) : `o${l.li}_${pos}`};`);
    lines.push('let i = 0;');
    for (let p = 0; p < nKept; p++) open(p);
    lines.push(`let acc = ${init};`);
    for (let p = nKept; p < nd; p++) open(p);
    lines.push(...finalOffsets(nd - 1), ...body, update);
    for (let p = nKept; p < nd; p++) lines.push('}');
    lines.push('y0[i++] = acc;');
    for (let p = 0; p < nKept; p++) lines.push('}');
    return finish(lines.join('\n'));
  }
  const strided = loads.map((l, li) => ({ ...l, li })).filter((l) => !isContig(l.strides, l.offset) && !l.strides.every((s) => s === 0));
  if (strided.length === 0 || nd === 0) {
    lines.push(`for (let i = 0, n = y0.length; i < n; i++) {`, ...body, ...stores, `}`);
  } else {
    lines.push('let i = 0;');
    for (let d = 0; d < nd; d++) {
      lines.push(`for (let c${d} = 0; c${d} < ${k.shape[d]}; c${d}++) {`);
      for (const l of strided) {
        const prev = d === 0 ? String(l.offset) : `o${l.li}_${d - 1}`;
        lines.push(`const o${l.li}_${d} = ${prev} + c${d} * ${l.strides[d]};`);
      }
    }
    for (const l of strided) lines.push(`const o${l.li} = o${l.li}_${nd - 1};`);
    lines.push(...body, ...stores, 'i++;');
    for (let d = 0; d < nd; d++) lines.push('}');
  }
  return finish(lines.join('\n'));
  function finish(source: string) {
  const make = new Function('F', 'fr', 'h', `return function fusedKernel(ins, outs) {\n${source}\n};`) as (
    F: unknown,
    fr: (x: number) => number,
    h: (x: number) => number,
  ) => KernelFn;
  return { fn: make(fns, Math.fround, roundF16), source };
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const INT32_MIN = -2147483648, INT32_MAX = 2147483647, UINT32_MAX = 4294967295;
/** The identity of each reduction (as the reference's reduceInit). */
function reduceInit(op: string, d: DType): string {
  if (op === 'reduceSum') return '0';
  if (op === 'reduceProd') return '1';
  if (op === 'reduceMax') return d === 'int32' ? String(INT32_MIN) : d === 'uint32' || d === 'bool' ? '0' : '-Infinity';
  return d === 'int32' ? String(INT32_MAX) : d === 'uint32' ? String(UINT32_MAX) : d === 'bool' ? '1' : 'Infinity';
}
