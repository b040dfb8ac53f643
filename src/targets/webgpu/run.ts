// Runs a whole jaxpr on the GPU: the shared fusion plan (src/compiler/kernel.ts) rendered to WGSL, every kernel,
// primitive and nested body of the call recorded in ONE command encoder and submitted once.
import { ShapedArray, stridesOf } from '../../core/aval.js';
import { ConcreteArray } from '../../core/array.js';
import type { Params } from '../../core/primitive.js';
import type { Array } from '../../core/trace.js';
import { type Eqn, Jaxpr, Lit, Var, type Atom } from '../../ir/jaxpr.js';
import { schedule, type Plan } from '../../compiler/kernel.js';
import { lastUses } from '../../compiler/run.js';
import { abstractEvalRules } from '../../rules/abstractEval.js';
import { type FirstOrderPrim, isHigherOrder } from '../../rules/impl.js';
import { Batch, type GpuStorage, WebGpuError, groupsFor, storageOf, storageType, wgslType } from './device.js';
import { type GpuIn, type GpuImpl, convInto, copyElements, gpuImpls, runKernel } from './ops.js';
import { MAIN_1D, WG, bindings } from './wgsl.js';

interface Compiled {
  /** The jaxpr run (device-resident literals hoisted into trailing inputs, see hoistDeviceLits). */
  readonly jaxpr: Jaxpr;
  /** Values of the hoisted trailing inputs. */
  readonly extra: readonly ConcreteArray[];
  readonly plan: Plan;
  /** Per step, the vars whose last use it is (intermediates only). */
  readonly frees: readonly (readonly Var[])[];
  /** Steps left unmaterialised: transposes read in place by the convolutions that are their only users (lazyViews). */
  readonly lazy: ReadonlySet<number>;
  /** Convolution steps that write straight into the transposed layout of their only reader (outViews). */
  readonly into: ReadonlyMap<number, OutView>;
}

/**
 * A convolution step's output transposed by its only reader: that kernel step, its output, the strides to write y
 * with, and the per-channel bias the reader adds (the convolution's epilogue adds it instead).
 */
interface OutView {
  readonly step: number;
  readonly z: Var;
  readonly yStrides: readonly [number, number, number, number];
  readonly bias?: Var;
}

/** Every reader of each variable: (step, argument index) pairs, step −1 for the jaxpr's outputs. */
function readersOf(j: Jaxpr, plan: Plan): Map<Var, { step: number; arg: number }[]> {
  const r = new Map<Var, { step: number; arg: number }[]>();
  const add = (a: Atom, step: number, arg: number): void => {
    if (a instanceof Var) r.set(a, [...(r.get(a) ?? []), { step, arg }]);
  };
  plan.steps.forEach((s, k) => (s.kind === 'kernel' ? s.ins : s.eqn.ins).forEach((a, i) => add(a, k, i)));
  j.outs.forEach((a, i) => add(a, -1, i));
  return r;
}

/** The strided load of a kernel step that only reads its one 4-D input through strides (offset 0, same dtype), or null. */
function viewLoad(s: Plan['steps'][number]): { readonly strides: readonly number[] } | null {
  if (s.kind !== 'kernel' || s.ins.length !== 1 || s.outs.length !== 1 || s.kernel.reduce) return null;
  const e = s.kernel.outputs[0]!, out = s.outs[0]!;
  if (e.kind !== 'load' || e.view.offset !== 0 || e.dtype !== s.ins[0]!.aval.dtype) return null;
  return out.aval.ndim === 4 && out.aval.shape.every((d, i) => d === s.kernel.shape[i]) ? e.view : null;
}

/**
 * Kernel steps that only transpose one input (viewLoad, non-negative strides) and whose output only convolutions read,
 * as their lhs or rhs: the convolution routines read the input through the strides instead (an NHWC activation or an
 * HWIO filter in place, for a model written channels-last, or the transposed cotangent a filter gradient convolves
 * with), so the copy is never made.
 */
export function lazyViews(j: Jaxpr, plan: Plan): Set<number> {
  const readers = readersOf(j, plan);
  const convIn = ({ step, arg }: { step: number; arg: number }): boolean => {
    const s = plan.steps[step];
    return (arg === 0 || arg === 1) && s?.kind === 'eqn' && s.eqn.prim === 'convGeneralDilated';
  };
  const lazy = new Set<number>();
  plan.steps.forEach((s, k) => {
    const v = viewLoad(s);
    if (v && s.kind === 'kernel' && v.strides.every((d) => d >= 0) && readers.get(s.outs[0]!)?.every(convIn)) lazy.add(k);
  });
  return lazy;
}

/**
 * A kernel step that transposes its input y and adds a per-channel float32 bias b (z = transpose(y) + b broadcast along
 * one axis of z): y's strided load, and b's variable and the axis of z it runs along; null otherwise.
 */
function biasedViewLoad(s: Plan['steps'][number], y: Var): { readonly strides: readonly number[]; readonly bias: Var; readonly axis: number } | null {
  if (s.kind !== 'kernel' || s.ins.length !== 2 || s.outs.length !== 1 || s.kernel.reduce) return null;
  const e = s.kernel.outputs[0]!, out = s.outs[0]!;
  if (e.kind !== 'op' || e.op !== 'add' || e.dtype !== 'float32' || out.aval.ndim !== 4) return null;
  const loads = e.args.filter((a): a is Extract<typeof a, { kind: 'load' }> => a.kind === 'load');
  if (loads.length !== 2 || !out.aval.shape.every((d, i) => d === s.kernel.shape[i])) return null;
  const yl = loads.find((a) => s.ins[a.input] === y), bl = loads.find((a) => s.ins[a.input] !== y);
  if (!yl || !bl || yl.view.offset !== 0 || bl.view.offset !== 0 || yl.dtype !== 'float32' || bl.dtype !== 'float32') return null;
  const b = s.ins[bl.input]!;
  const axes = bl.view.strides.flatMap((d, i) => (d !== 0 && out.aval.shape[i]! > 1 ? [i] : []));
  if (b.aval.ndim !== 1 || axes.length !== 1 || bl.view.strides[axes[0]!] !== 1 || b.aval.shape[0] !== out.aval.shape[axes[0]!]) return null;
  return { strides: yl.view.strides, bias: b, axis: axes[0]! };
}

/**
 * Convolution steps whose output (NCHW) only one kernel step reads, and that kernel only transposes it (viewLoad with
 * strides that permute y's dimensions), or transposes it and adds a per-channel bias (biasedViewLoad): the convolution
 * writes each element where the transpose would put it, its epilogue adds the bias, and the kernel is skipped. The
 * usual case is a channels-last model's convolution output going back to NHWC, with or without its bias.
 */
export function outViews(j: Jaxpr, plan: Plan, lazy: ReadonlySet<number>): Map<number, OutView> {
  const readers = readersOf(j, plan);
  const res = new Map<number, OutView>();
  // where each variable is made: −1 for the jaxpr's inputs
  const madeAt = new Map<Var, number>(j.inBinders.map((v) => [v, -1]));
  plan.steps.forEach((s, k) => (s.kind === 'kernel' ? s.outs : s.eqn.outs).forEach((v) => madeAt.set(v, k)));
  plan.steps.forEach((s, k) => {
    if (s.kind !== 'eqn' || s.eqn.prim !== 'convGeneralDilated') return;
    const y = s.eqn.outs[0]!, r = readers.get(y);
    if (r?.length !== 1 || r[0]!.step < 0 || lazy.has(r[0]!.step)) return;
    const vs = plan.steps[r[0]!.step]!, biased = y.aval.dtype === 'float32' ? biasedViewLoad(vs, y) : null, e = viewLoad(vs) ?? biased;
    if (!e || vs.kind !== 'kernel') return;
    // the bias must exist when the convolution runs
    if (biased && !((madeAt.get(biased.bias) ?? k) < k)) return;
    const z = vs.outs[0]!;
    // z dim i reads y dim perm[i]: a permutation of y's dimensions (size-1 dimensions are free to go anywhere)
    const yc = stridesOf(y.aval.shape), zc = stridesOf(z.aval.shape);
    const ys = [0, 0, 0, 0], taken = new Set<number>();
    for (let i = 0; i < 4; i++) {
      if (z.aval.shape[i] === 1) continue;
      const d = [0, 1, 2, 3].find((q) => !taken.has(q) && y.aval.shape[q] === z.aval.shape[i] && yc[q] === e.strides[i]);
      if (d === undefined) return;
      taken.add(d);
      ys[d] = zc[i]!;
    }
    if ([0, 1, 2, 3].some((q) => y.aval.shape[q]! > 1 && !taken.has(q))) return;
    // the bias runs along y's channels (dimension 1): z's bias axis reads it
    if (biased && yc[1] !== e.strides[biased.axis]) return;
    // y is NCHW; the routine takes (n, h, w, c)
    res.set(k, { step: r[0]!.step, z, yStrides: [ys[0]!, ys[2]!, ys[3]!, ys[1]!], ...(biased ? { bias: biased.bias } : {}) });
  });
  return res;
}
const plans = new WeakMap<Jaxpr, Compiled>();

/**
 * A scalar captured while tracing becomes a literal; when it lives on the GPU its value cannot be read to render a
 * kernel, so such literals become extra (trailing) inputs of the jaxpr instead.
 */
function hoistDeviceLits(j0: Jaxpr): { j: Jaxpr; extra: ConcreteArray[] } {
  const extra: ConcreteArray[] = [];
  const vars = new Map<Lit, Var>();
  const sub = (a: Atom): Atom => {
    if (!(a instanceof Lit) || a.val.isHost) return a;
    let v = vars.get(a);
    if (!v) {
      vars.set(a, (v = new Var(a.aval)));
      extra.push(a.val);
    }
    return v;
  };
  const eqns = j0.eqns.map((e) => ({ ...e, ins: e.ins.map(sub) }));
  const outs = j0.outs.map(sub);
  if (extra.length === 0) return { j: j0, extra };
  return { j: new Jaxpr([...j0.inBinders, ...vars.values()], eqns, outs), extra };
}

function compile(j0: Jaxpr): Compiled {
  let c = plans.get(j0);
  if (!c) {
    const { j, extra } = hoistDeviceLits(j0);
    const plan = schedule(j);
    const lazy = lazyViews(j, plan);
    c = { jaxpr: j, extra, plan, frees: lastUses(j, plan), lazy, into: outViews(j, plan, lazy) };
    plans.set(j0, c);
  }
  return c;
}

/** A fresh copy of a value (outputs of a body never alias its inputs or literals). */
function fresh(b: Batch, x: GpuIn): GpuIn {
  const out = b.alloc(x.aval, 'copy');
  copyElements(b, x.st, out, x.aval.size);
  return { st: out, aval: x.aval };
}

const litIn = (l: Lit): GpuIn => ({ st: storageOf(l.val as ConcreteArray, 'literal'), aval: l.aval });

/**
 * Records a jaxpr into the batch. Inputs stay owned by the caller; every output is a fresh storage owned by the
 * caller; intermediates go back to the pool (after the submission) at their last use.
 */
export function execJaxpr(b: Batch, j0: Jaxpr, args0: readonly GpuIn[]): GpuIn[] {
  const { jaxpr: j, extra, plan, frees, lazy, into } = compile(j0);
  const done = new Set<number>(); // transposes a convolution already wrote
  const args = extra.length ? [...args0, ...extra.map((x) => ({ st: storageOf(x, 'literal'), aval: x.aval }))] : args0;
  const env = new Map<Var, GpuIn>();
  j.inBinders.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): GpuIn => (a instanceof Lit ? litIn(a) : env.get(a)!);
  const inputs = new Set<Var>(j.inBinders);
  // storages read by live lazy views, and those among them whose own variable is already dead
  const held = new Map<GpuStorage, number>(), late = new Set<GpuStorage>();
  /** The convolution `e` written straight into its reader's layout (outViews); false where the routine does not apply. */
  const writeInto = (e: Eqn, iv: OutView): boolean => {
    const st = b.alloc(iv.z.aval, 'convGeneralDilated');
    const bias = iv.bias ? read(iv.bias).st.buffer : undefined;
    if (!convInto(b, e.ins.map(read), e.params as Params<'convGeneralDilated'>, e.outs[0]!.aval, { st, yStrides: iv.yStrides, ...(bias ? { bias } : {}) })) {
      st.dispose();
      return false;
    }
    env.set(iv.z, { st, aval: iv.z.aval });
    done.add(iv.step);
    return true;
  };
  plan.steps.forEach((s, k) => {
    const iv = into.get(k);
    if (done.has(k) || (iv && s.kind === 'eqn' && writeInto(s.eqn, iv))) {
      // the convolution wrote this transpose's output (into)
    } else if (lazy.has(k) && s.kind === 'kernel' && s.kernel.outputs[0]!.kind === 'load') {
      const src = env.get(s.ins[0]!)!;
      env.set(s.outs[0]!, { st: src.st, aval: s.outs[0]!.aval, view: { strides: s.kernel.outputs[0]!.view.strides } });
      held.set(src.st, (held.get(src.st) ?? 0) + 1);
    } else if (s.kind === 'kernel') {
      const outs = runKernel(b, s.kernel, s.ins.map((v) => env.get(v)!.st), s.outs.map((v) => v.aval));
      s.outs.forEach((v, i) => env.set(v, { st: outs[i]!, aval: v.aval }));
    } else {
      const e = s.eqn;
      const outs = execEqn(b, e.prim, e.ins.map(read), e.params, e.outs.map((v) => v.aval));
      e.outs.forEach((v, i) => env.set(v, outs[i]!));
    }
    for (const v of frees[k]!) {
      const x = env.get(v);
      env.delete(v);
      if (!x || inputs.has(v)) continue;
      // a lazy view's storage is its source's: the source is disposed once both are dead, whichever dies last
      if (x.view) {
        const n = held.get(x.st)! - 1;
        if (n > 0) held.set(x.st, n);
        else if ((held.delete(x.st), late.delete(x.st))) x.st.dispose();
      } else if (held.has(x.st)) late.add(x.st);
      else x.st.dispose();
    }
  });
  const seen = new Set<GpuStorage>();
  return j.outs.map((o) => {
    const x = read(o);
    if (o instanceof Lit || inputs.has(o as Var) || seen.has(x.st)) return fresh(b, x);
    seen.add(x.st);
    return x;
  });
}

/** Records one equation (first-order or higher-order); outputs are fresh storages. */
export function execEqn(b: Batch, prim: string, ins: readonly GpuIn[], params: unknown, outAvals: readonly ShapedArray[]): GpuIn[] {
  for (const a of [...ins.map((x) => x.aval), ...outAvals]) wgslType(a.dtype, prim);
  if (!isHigherOrder(prim as never)) {
    const outs = (gpuImpls[prim as FirstOrderPrim] as GpuImpl<never>)(b, ins, params as never, outAvals);
    return outs.map((st, i) => ({ st, aval: outAvals[i]! }));
  }
  switch (prim) {
    case 'pjit':
    case 'checkpoint':
      return execJaxpr(b, (params as Params<'pjit'>).jaxpr, ins);
    case 'customJvpCall':
    case 'customVjpCall':
      return execJaxpr(b, (params as Params<'customJvpCall'>).fun, ins);
    case 'cond':
      return execCond(b, ins, params as Params<'cond'>);
    case 'scan':
      return execScan(b, ins, params as Params<'scan'>);
    case 'while':
      throw new WebGpuError(
        'while: a lax.whileLoop (or forILoop with traced bounds) cannot run on the webgpu target: its predicate lives on the GPU ' +
          'and cannot be read back synchronously. Use lax.scan or lax.forILoop with JS-number bounds (a static trip count), ' +
          "or run the loop on the 'wasm' target",
      );
    default:
      throw new WebGpuError(`${prim}: forward evaluation is undefined here (customLin is the linear part of a customVjp under differentiation)`);
  }
}

/** cond: every branch runs (they are pure) and the outputs are selected by the clamped index on the GPU. */
function execCond(b: Batch, [idx, ...ops]: readonly GpuIn[], p: Params<'cond'>): GpuIn[] {
  const n = p.branches.length;
  const results = p.branches.map((br) => execJaxpr(b, br, ops));
  if (n === 1) return results[0]!;
  return results[0]!.map((first, o) => {
    const aval = first.aval;
    const out = b.alloc(aval, 'cond');
    const t = storageType(aval.dtype, 'cond');
    const code = [
      bindings([idx!.aval.dtype, ...results.map(() => aval.dtype)], [aval.dtype], 'cond'),
      MAIN_1D, `  if (i >= ${aval.size}u) { return; }`,
      `  let k = clamp(i32(x0[0]), 0, ${n - 1});`,
      `  var v: ${t} = x1[i];`,
      ...results.slice(1).map((_, r) => `  if (k == ${r + 1}) { v = x${r + 2}[i]; }`),
      '  y0[i] = v;', '}',
    ].join('\n');
    if (aval.size > 0) b.dispatch(code, [idx!.st.buffer, ...results.map((r) => r[o]!.st.buffer), out.buffer], groupsFor(aval.size, WG));
    for (const r of results) r[o]!.st.dispose();
    return { st: out, aval };
  });
}

/** scan with its static length, unrolled into the submission: xs sliced and ys stacked by buffer copies. */
function execScan(b: Batch, ins: readonly GpuIn[], p: Params<'scan'>): GpuIn[] {
  const consts = ins.slice(0, p.numConsts);
  let carry = ins.slice(p.numConsts, p.numConsts + p.numCarry);
  const xs = ins.slice(p.numConsts + p.numCarry);
  const yAvals = p.jaxpr.outAvals.slice(p.numCarry);
  const ys = yAvals.map((a) => {
    const aval = a.withShape([p.length, ...a.shape]);
    return { st: b.alloc(aval, 'scan'), aval };
  });
  let ownCarry = false;
  for (let k = 0; k < p.length; k++) {
    const i = p.reverse ? p.length - 1 - k : k;
    const xi = xs.map((x) => {
      const aval = x.aval.withShape(x.aval.shape.slice(1));
      const st = b.alloc(aval, 'scan');
      copyElements(b, x.st, st, aval.size, i * aval.size, 0);
      return { st, aval };
    });
    const outs = execJaxpr(b, p.jaxpr, [...consts, ...carry, ...xi]);
    for (const x of xi) x.st.dispose();
    if (ownCarry) for (const c of carry) c.st.dispose();
    carry = outs.slice(0, p.numCarry);
    ownCarry = true;
    outs.slice(p.numCarry).forEach((y, j) => {
      copyElements(b, y.st, ys[j]!.st, y.aval.size, 0, i * y.aval.size);
      y.st.dispose();
    });
  }
  if (!ownCarry) carry = carry.map((c) => fresh(b, c));
  return [...carry, ...ys];
}

/**
 * Records `work` (given the arguments as GPU operands, tagged `what` for error messages) into one batch and submits it
 * once; on an error while encoding the batch is abandoned and its outputs freed. Outputs are webgpu arrays.
 */
function inOneBatch(args: readonly Array[], what: string, work: (b: Batch, ins: GpuIn[]) => GpuIn[]): Array[] {
  const b = new Batch();
  let outs: GpuIn[];
  try {
    outs = work(b, args.map((a) => ({ st: storageOf(a as ConcreteArray, what), aval: a.aval })));
  } catch (e) {
    b.abandon();
    for (const s of b.outputs) s.dispose();
    throw e;
  }
  b.submit();
  return outs.map((o) => new ConcreteArray(o.aval, o.st));
}

/** The target's whole-jaxpr runner: one batch, one submission; outputs are webgpu arrays. */
export function runJaxprGpu(j: Jaxpr, args: readonly Array[]): Array[] {
  return inOneBatch(args, 'jit', (b, ins) => execJaxpr(b, j, ins));
}

/** Eager evaluation of a higher-order primitive on the GPU (scan/cond/... outside jit), all in one submission. */
export function evalHigherOrderGpu(prim: string, args: readonly Array[], params: unknown): Array[] {
  const outAvals = (abstractEvalRules[prim as 'scan'] as (a: ShapedArray[], p: unknown) => ShapedArray[])(args.map((a) => a.aval), params);
  return inOneBatch(args, prim, (b, ins) => execEqn(b, prim, ins, params, outAvals));
}
