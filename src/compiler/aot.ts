// Ahead-of-time compilation: `jit(f).lower(...args)` gives a Lowered (the closed jaxpr for those argument shapes),
// `.compile()` a callable Compiled whose fused kernels are wasm, and `.exportWasm()` one standalone WebAssembly module
// plus a JSON manifest (input/output byte offsets, shapes, dtypes) that runs with the plain WebAssembly API: fused
// elementwise/reduction kernels (src/targets/wasm/jit/render.ts), dotGeneral as a SIMD GEMM over canonical [B, M, K] ×
// [B, K, N] copies, convGeneralDilated as im2col + that GEMM, the closed-over constants as a data segment; any other
// primitive is an error that names it.
import { ShapedArray, stridesOf } from '../core/aval.js';
import type { DType } from '../core/dtype.js';
import type { Params } from '../core/primitive.js';
import { Array } from '../core/trace.js';
import { ClosedJaxpr, Jaxpr, Lit, Var } from '../ir/jaxpr.js';
import { renderKernelAs, moduleHelpers, preludeNames } from '../targets/wasm/jit/render.js';
import { compileBytes, mathPrelude } from '../targets/wasm/jit/compile.js';
import { webAssembly } from '../targets/wasm/runtime.js';
import { schedule, type Kernel, type KExpr } from './kernel.js';
import { compilePlan, planReady } from './run.js';

/** One input or output of an exported module: where its elements live in the module's memory. */
export interface AotTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** The manifest of an exported module. */
export interface AotManifest {
  readonly format: 'tensorlaw-aot/1';
  /** The export to call (no arguments) after writing the inputs; outputs are then in memory. */
  readonly entry: string;
  readonly memory: { readonly export: string; readonly bytes: number; readonly pages: number };
  readonly inputs: readonly AotTensor[];
  readonly outputs: readonly AotTensor[];
  /** Which primitive each step of `entry` runs (informational). */
  readonly steps: readonly string[];
}

/** A compiled function for one argument signature: callable like the jitted function. */
export type Compiled<F extends (...args: any[]) => any> = F & {
  /** Resolves (to this) when its kernels are compiled to wasm (until then calls run the JS-rendered kernels). */
  ready(): Promise<Compiled<F>>;
  /** A standalone .wasm and its manifest (see AotManifest). */
  exportWasm(opts?: ExportOptions): Promise<{ wasm: Uint8Array; manifest: AotManifest }>;
  readonly lowered: Lowered;
};

/** Options of `exportWasm`: names of the inputs and outputs in the manifest. */
export interface ExportOptions {
  /** Names of the (flattened) inputs and outputs; default in0…, out0…. */
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
}

/** The closed jaxpr a jitted function runs for one argument signature (JAX's `Lowered`), with compile(). */
export class Lowered extends ClosedJaxpr {
  constructor(
    cj: ClosedJaxpr,
    private readonly call: (...args: unknown[]) => unknown,
    readonly name: string,
  ) {
    super(cj.jaxpr, cj.consts);
  }
  /** A callable for these argument shapes; its kernels start compiling to wasm now (see Compiled.ready). */
  compile<F extends (...args: any[]) => any = (...args: any[]) => any>(): Compiled<F> {
    const self = this;
    const fn = ((...args: unknown[]) => self.call(...args)) as unknown as Compiled<F>;
    compilePlan(this.jaxpr);
    void planReady(this.jaxpr); // starts the wasm compile now
    Object.defineProperties(fn, {
      ready: { value: async () => (await planReady(self.jaxpr), fn) },
      exportWasm: { value: (opts: ExportOptions = {}) => exportWasm(self, opts) },
      lowered: { value: self },
      name: { value: `compiled(${this.name})` },
    });
    return fn;
  }
}

// ---- export ---------------------------------------------------------------------------------------------------

const BYTES: { readonly [D in DType]: number } = { float16: 4, float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1 };
const align = (n: number): number => (n + 63) & ~63;
const ARENA = 65536;

/** A copy kernel that lays `aval` out with its dims in `perm` order (a transpose folded into the load's view). */
function permuteKernel(aval: ShapedArray, perm: readonly number[]): Kernel {
  const st = stridesOf(aval.shape);
  const load: KExpr = { kind: 'load', input: 0, view: { strides: perm.map((p) => st[p]!), offset: 0 }, dtype: aval.dtype };
  // an identity op keeps it a kernel with one output of the permuted shape
  return { shape: perm.map((p) => aval.shape[p]!), inputs: [aval], outputs: [load] };
}

/** The exported module's GEMM function for a float dtype. */
const gemmName = (d: DType): string => `gemm${d === 'float32' ? 'F32' : 'F64'}`;

/** AS source of the GEMM c[b] = a[b] · bm[b] over contiguous [B, M, K], [B, K, N], [B, M, N] (SIMD over N). */
function gemmSource(name: string, d: DType): string {
  const v = d === 'float32' ? 'f32x4' : 'f64x2';
  const L = d === 'float32' ? 4 : 2;
  const sh = d === 'float32' ? 2 : 3;
  const T = d === 'float32' ? 'f32' : 'f64';
  return `
export function ${name}(a: usize, bm: usize, c: usize, B: i32, M: i32, N: i32, K: i32): void {
  for (let b = 0; b < B; b++) {
    const ab = a + ((<usize>(b * M * K)) << ${sh}), bb = bm + ((<usize>(b * K * N)) << ${sh}), cb = c + ((<usize>(b * M * N)) << ${sh});
    for (let i = 0; i < M; i++) {
      const crow = cb + ((<usize>(i * N)) << ${sh});
      let j = 0;
      for (; j + ${L * 2} <= N; j += ${L * 2}) {
        let s0 = ${v}.splat(0), s1 = ${v}.splat(0);
        for (let k = 0; k < K; k++) {
          const x = ${v}.splat(load<${T}>(ab + ((<usize>(i * K + k)) << ${sh})));
          const brow = bb + ((<usize>(k * N + j)) << ${sh});
          s0 = ${v}.add(s0, ${v}.mul(x, v128.load(brow)));
          s1 = ${v}.add(s1, ${v}.mul(x, v128.load(brow, 16)));
        }
        v128.store(crow + ((<usize>j) << ${sh}), s0);
        v128.store(crow + ((<usize>j) << ${sh}), s1, 16);
      }
      for (; j < N; j++) {
        let s: ${T} = 0;
        for (let k = 0; k < K; k++) s += load<${T}>(ab + ((<usize>(i * K + k)) << ${sh})) * load<${T}>(bb + ((<usize>(k * N + j)) << ${sh}));
        store<${T}>(crow + ((<usize>j) << ${sh}), s);
      }
    }
  }
}`;
}

/**
 * A convolution as, per image and feature group, an im2col copy (AS source specialised to the static shapes, zeros
 * for the padding) and one GEMM of the group's kernel [O/G, I·ΠK] with the columns [I·ΠK, ΠOS]: the layout of
 * convGeneralDilated (lhs N C S…, rhs O I K…, out N O OS…). Transposed (lhs-dilated) and batch-grouped convolutions,
 * which only gradients produce, are not exported.
 */
function convCall(
  ins: readonly (Var | Lit)[],
  out: Var,
  p: Params<'convGeneralDilated'>,
  id: number,
  place: (v: Var) => number,
  scratch: (bytes: number) => number,
): { fn: string; call: string } {
  const [x, w] = ins as [Var | Lit, Var | Lit];
  if (x instanceof Lit || w instanceof Lit) throw new TypeError('exportWasm: convGeneralDilated of a literal operand is not supported');
  const d = out.aval.dtype;
  if (d !== 'float32' && d !== 'float64') throw new TypeError(`exportWasm: convGeneralDilated on ${d} is not supported (float32/float64 only)`);
  if (p.lhsDilation.some((v) => v !== 1) || p.batchGroupCount !== 1)
    throw new TypeError(
      `exportWasm: convGeneralDilated with lhsDilation [${p.lhsDilation}] / batchGroupCount ${p.batchGroupCount} (a transposed or gradient ` +
        'convolution) is not supported; export the forward pass (lhsDilation 1, batchGroupCount 1)',
    );
  const [N, C, ...S] = x.aval.shape as number[];
  const [O, I, ...K] = w.aval.shape as number[];
  const OS = out.aval.shape.slice(2) as number[];
  const G = p.featureGroupCount, Og = O! / G;
  const KK = K.reduce((a, b) => a * b, 1), OSS = OS.reduce((a, b) => a * b, 1), SS = S.reduce((a, b) => a * b, 1);
  const rows = I! * KK;
  const T = d === 'float32' ? 'f32' : 'f64', sh = d === 'float32' ? 2 : 3;
  const nd = S.length;
  const st = (dims: readonly number[], k: number) => dims.slice(k + 1).reduce((a, b) => a * b, 1);
  // im2col of one image's group (src at x[n, g·I]): dst[(c, k…), (o…)] = x[c, o·stride − padLo + k·dilation] or 0
  const body: string[] = [];
  const ind = (n: number) => '  '.repeat(n);
  body.push(`  for (let c = 0; c < ${I}; c++) {`);
  let depth = 2;
  for (let k = 0; k < nd; k++) body.push(`${ind(depth++)}for (let k${k} = 0; k${k} < ${K[k]}; k${k}++) {`);
  body.push(`${ind(depth)}let row = c * ${KK}${K.map((_, k) => ` + k${k} * ${st(K, k)}`).join('')};`);
  body.push(`${ind(depth)}row *= ${OSS};`);
  for (let k = 0; k < nd; k++) {
    body.push(`${ind(depth++)}for (let o${k} = 0; o${k} < ${OS[k]}; o${k}++) {`);
    body.push(`${ind(depth)}const i${k} = o${k} * ${p.windowStrides[k]} - ${p.padding[k]![0]} + k${k} * ${p.rhsDilation[k]};`);
  }
  const inside = S.map((_, k) => `i${k} >= 0 && i${k} < ${S[k]}`).join(' && ');
  const src = `c * ${SS}${S.map((_, k) => ` + i${k} * ${st(S, k)}`).join('')}`;
  const dst = `row${OS.map((_, k) => ` + o${k} * ${st(OS, k)}`).join('')}`;
  body.push(`${ind(depth)}store<${T}>(dst + ((<usize>(${dst})) << ${sh}), ${inside} ? load<${T}>(src + ((<usize>(${src})) << ${sh})) : <${T}>0);`);
  while (depth > 1) body.push(`${ind(--depth)}}`);
  const name = `im2col${id}`;
  const fn = `export function ${name}(src: usize, dst: usize): void {\n${body.join('\n')}\n}`;
  const cols = scratch(rows * OSS * BYTES[d]);
  const xp = place(x), wp = place(w), op = place(out);
  const gemm = gemmName(d);
  const call = [
    `  for (let n = 0; n < ${N}; n++) for (let g = 0; g < ${G}; g++) {`,
    `    ${name}(${xp} + ((<usize>((n * ${C} + g * ${I}) * ${SS})) << ${sh}), ${cols});`,
    `    ${gemm}(${wp} + ((<usize>(g * ${Og * rows})) << ${sh}), ${cols}, ${op} + ((<usize>((n * ${O} + g * ${Og}) * ${OSS})) << ${sh}), 1, ${Og}, ${OSS}, ${rows});`,
    `  }`,
  ].join('\n');
  return { fn, call };
}

/** Appends an active data segment (bytes at `offset` of memory 0) to a wasm binary (WebAssembly core spec §5.5.12). */
function appendDataSegment(wasm: Uint8Array, offset: number, bytes: Uint8Array): Uint8Array {
  const uleb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const sleb = (n: number): number[] => {
    const out: number[] = [];
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return out.push(b), out;
      out.push(b | 0x80);
    }
  };
  const readU = (p: number): [number, number] => {
    let v = 0, s = 0, b: number;
    do {
      b = wasm[p++]!;
      v += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return [v, p];
  };
  const segment = [0x00, 0x41, ...sleb(offset | 0), 0x0b, ...uleb(bytes.length)];
  const sections: { id: number; body: Uint8Array }[] = [];
  let p = 8;
  while (p < wasm.length) {
    const id = wasm[p]!;
    const [len, q] = readU(p + 1);
    sections.push({ id, body: wasm.subarray(q, q + len) });
    p = q + len;
  }
  const data = sections.find((s) => s.id === 11);
  const concat = (parts: (number[] | Uint8Array)[]): Uint8Array => {
    const n = parts.reduce((a, x) => a + x.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const x of parts) out.set(x, o), (o += x.length);
    return out;
  };
  if (data) {
    const [n, rest] = ((): [number, number] => {
      let v = 0, sh = 0, b: number, i = 0;
      do {
        b = data.body[i++]!;
        v += (b & 0x7f) * 2 ** sh;
        sh += 7;
      } while (b & 0x80);
      return [v, i];
    })();
    data.body = concat([uleb(n + 1), data.body.subarray(rest), segment, bytes]);
    const dc = sections.find((s) => s.id === 12);
    if (dc) dc.body = new Uint8Array(uleb(n + 1));
  } else {
    const at = sections.findIndex((s) => s.id === 10) + 1;
    sections.splice(at, 0, { id: 11, body: concat([[1], segment, bytes]) });
  }
  return concat([wasm.subarray(0, 8), ...sections.flatMap((s) => [[s.id, ...uleb(s.body.length)], s.body])]);
}

/** Exports a lowered function as one standalone module (see the file comment). */
export async function exportWasm(low: Lowered, opts: ExportOptions = {}): Promise<{ wasm: Uint8Array; manifest: AotManifest }> {
  const prelude = mathPrelude();
  if (prelude === null) throw new Error('exportWasm: the math prelude (wasm/math.ts) was not found');
  const j: Jaxpr = low.jaxpr;
  const f16 = [...j.inBinders, ...j.eqns.flatMap((e) => e.outs)].find((v) => v.aval.dtype === 'float16');
  if (f16) throw new TypeError(`exportWasm: float16 (${f16.aval.toString()}) cannot be exported to standalone wasm; export a float32 version of the function`);
  const plan = schedule(j);
  const nConst = low.consts.length;
  // static memory layout: every var gets its own buffer (inputs, constants, intermediates, outputs)
  const offsets = new Map<Var, number>();
  let top = ARENA;
  const place = (v: Var): number => {
    let o = offsets.get(v);
    if (o === undefined) {
      offsets.set(v, (o = top));
      top += align(v.aval.size * BYTES[v.aval.dtype]);
    }
    return o;
  };
  const scratch = (bytes: number): number => {
    const o = top;
    top += align(bytes);
    return o;
  };
  j.inBinders.forEach(place);
  const fns: string[] = [];
  const calls: string[] = [];
  const steps: string[] = [];
  const gemms = new Set<DType>();
  let kid = 0;
  for (const s of plan.steps) {
    if (s.kind === 'kernel') {
      const name = `k${kid++}`;
      fns.push(renderKernelAs(s.kernel, name));
      calls.push(`  ${name}(${[...s.ins.map(place), ...s.outs.map(place)].join(', ')});`);
      steps.push(`fused${s.kernel.reduce ? `->${s.kernel.reduce.op}` : ''}`);
      continue;
    }
    const e = s.eqn;
    if (e.prim === 'convGeneralDilated') {
      const c = convCall(e.ins as (Var | Lit)[], e.outs[0]!, e.params as Params<'convGeneralDilated'>, kid++, place, scratch);
      fns.push(c.fn);
      calls.push(c.call);
      gemms.add(e.outs[0]!.aval.dtype);
      steps.push('convGeneralDilated');
      continue;
    }
    if (e.prim !== 'dotGeneral')
      throw new TypeError(
        `exportWasm: the primitive ${e.prim} cannot be exported to standalone wasm (supported: fused elementwise/broadcast/transpose/reshape/slice ` +
          `chains, reductions, dotGeneral, convGeneralDilated); compute it outside the exported function`,
      );
    const p = e.params as Params<'dotGeneral'>;
    const [x, y] = e.ins as [Var | Lit, Var | Lit];
    if (x instanceof Lit || y instanceof Lit) throw new TypeError('exportWasm: dotGeneral of a literal operand is not supported');
    const d = x.aval.dtype;
    if ((d !== 'float32' && d !== 'float64') || (p.preferredElementType && p.preferredElementType !== d))
      throw new TypeError(`exportWasm: dotGeneral on ${d}${p.preferredElementType ? ` → ${p.preferredElementType}` : ''} is not supported (float32/float64 only)`);
    const [lc, rc] = p.contract, [lb, rb] = p.batch;
    const freeOf = (a: ShapedArray, c: readonly number[], b: readonly number[]) => a.shape.map((_, i) => i).filter((i) => !c.includes(i) && !b.includes(i));
    const lf = freeOf(x.aval, lc, lb), rf = freeOf(y.aval, rc, rb);
    const prod = (a: ShapedArray, dims: readonly number[]) => dims.reduce((acc, i) => acc * a.shape[i]!, 1);
    const B = prod(x.aval, lb), M = prod(x.aval, lf), K = prod(x.aval, lc), N = prod(y.aval, rf);
    // canonical copies [B, M, K] and [B, K, N] (transposes folded into the copy kernels' loads)
    const operand = (v: Var, perm: number[]): number => {
      if (perm.every((q, i) => q === i)) return place(v);
      const k = permuteKernel(v.aval, perm);
      const name = `k${kid++}`;
      fns.push(renderKernelAs(k, name));
      const dst = scratch(v.aval.size * BYTES[d]);
      calls.push(`  ${name}(${place(v)}, ${dst});`);
      steps.push('transpose');
      return dst;
    };
    const a = operand(x, [...lb, ...lf, ...lc]);
    const b = operand(y, [...rb, ...rc, ...rf]);
    gemms.add(d);
    calls.push(`  ${gemmName(d)}(${a}, ${b}, ${place(e.outs[0]!)}, ${B}, ${M}, ${N}, ${K});`);
    steps.push('dotGeneral');
  }
  for (const o of j.outs) if (o instanceof Lit) throw new TypeError('exportWasm: a literal output is not supported (return an array computed from the inputs)');
  for (const d of gemms) fns.push(gemmSource(gemmName(d), d));
  const source = [`import { ${preludeNames.join(', ')} } from './math';`, moduleHelpers, ...fns, `export function run(): void {`, ...calls, '}'].join('\n');
  const pages = Math.ceil(top / 65536);
  const bytes = await compileBytes({ 'input.ts': source, 'math.ts': prelude }, { optimizeLevel: 3, shrinkLevel: 0, importMemory: false, initialMemory: pages });
  // the constants: one data segment holding them all, in place
  const consts = j.inBinders.slice(0, nConst);
  let wasm = bytes;
  if (nConst > 0) {
    const lo = Math.min(...consts.map((v) => offsets.get(v)!));
    const hi = Math.max(...consts.map((v) => offsets.get(v)! + v.aval.size * BYTES[v.aval.dtype]));
    const blob = new Uint8Array(hi - lo);
    consts.forEach((v, i) => {
      const arr = low.consts[i]! as Array & { dataSync(): ArrayLike<number> };
      const data = arr.dataSync() as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
      blob.set(new Uint8Array(data.buffer, data.byteOffset, v.aval.size * BYTES[v.aval.dtype]), offsets.get(v)! - lo);
    });
    wasm = appendDataSegment(bytes, lo, blob);
  }
  if (!webAssembly?.validate(wasm)) throw new Error('exportWasm: the generated module does not validate');
  const inst = new webAssembly.Instance(new webAssembly.Module(wasm), {});
  const heapBase = (inst.exports.heapBase as () => number)();
  if (heapBase > ARENA) throw new Error(`exportWasm: the module's static data ends at ${heapBase}, above the tensors' base ${ARENA}`);
  const tensor = (v: Var, name: string): AotTensor => ({
    name,
    shape: [...v.aval.shape],
    dtype: v.aval.dtype,
    byteOffset: offsets.get(v)!,
    byteLength: v.aval.size * BYTES[v.aval.dtype],
  });
  const manifest: AotManifest = {
    format: 'tensorlaw-aot/1',
    entry: 'run',
    memory: { export: 'memory', bytes: top, pages },
    inputs: j.inBinders.slice(nConst).map((v, i) => tensor(v, opts.inputNames?.[i] ?? `in${i}`)),
    outputs: (j.outs as Var[]).map((v, i) => tensor(v, opts.outputNames?.[i] ?? `out${i}`)),
    steps,
  };
  return { wasm, manifest };
}
