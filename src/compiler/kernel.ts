// Kernel IR and the fusion scheduler: a jaxpr becomes a plan of fused elementwise kernels and other equations.
// Elementwise chains fuse into one loop; movement ops (broadcastInDim, transpose, slice, contiguous reshape) fold
// into strided index views of the kernel's loads (tinygrad's views, jax-js's alu expressions, in miniature).
import { ShapedArray, stridesOf } from '../core/aval.js';
import type { DType } from '../core/dtype.js';
import { unaryPrims, binaryPrims, comparePrims, reducePrims, type Prim, type ReducePrim } from '../core/primitive.js';
import { Jaxpr, Lit, Var, type Atom, type Eqn } from '../ir/jaxpr.js';

/** Elementwise operations a kernel can compute. */
export type KOp = Prim & ((typeof unaryPrims)[number] | (typeof binaryPrims)[number] | (typeof comparePrims)[number] | 'select' | 'convertElementType' | 'stopGradient');

/** Element offset into an input = offset + Σ coord[k] · strides[k] over the kernel's loop shape. */
export interface View {
  readonly strides: readonly number[];
  readonly offset: number;
}

export type KExpr =
  | { readonly kind: 'load'; readonly input: number; readonly view: View; readonly dtype: DType }
  | { readonly kind: 'lit'; readonly value: number; readonly dtype: DType }
  | { readonly kind: 'op'; readonly op: KOp; readonly args: readonly KExpr[]; readonly dtype: DType };

/** One fused loop over `shape`, reading `inputs` and writing one array per output expression. */
export interface Kernel {
  readonly shape: readonly number[];
  readonly inputs: readonly ShapedArray[];
  readonly outputs: readonly KExpr[];
  /** When set, the (single) output expression is reduced over `axes` of `shape` (the reduction absorbs its prologue). */
  readonly reduce?: { readonly op: ReducePrim; readonly axes: readonly number[] };
}

export type Step =
  | { readonly kind: 'kernel'; readonly kernel: Kernel; readonly ins: readonly Var[]; readonly outs: readonly Var[] }
  | { readonly kind: 'eqn'; readonly eqn: Eqn };

/** A jaxpr scheduled for execution. */
export interface Plan {
  readonly jaxpr: Jaxpr;
  readonly steps: readonly Step[];
}

const elementwise = new Set<string>([...unaryPrims, ...binaryPrims, ...comparePrims, 'select', 'convertElementType', 'stopGradient']);
const movement = new Set<string>(['broadcastInDim', 'transpose', 'reshape', 'slice']);
const reductions = new Set<string>(reducePrims);

/** An expression over materialised vars, in the coordinates of `shape` (before it is bound to inputs). */
type LExpr =
  | { kind: 'load'; v: Var; view: View; dtype: DType }
  | { kind: 'lit'; value: number; dtype: DType }
  | { kind: 'op'; op: KOp; args: LExpr[]; dtype: DType; id: number };

const contiguous = (shape: readonly number[]): View => ({ strides: stridesOf(shape), offset: 0 });
const isContiguous = (v: View, shape: readonly number[]): boolean => {
  if (v.offset !== 0) return false;
  const s = stridesOf(shape);
  return shape.every((d, i) => d === 1 || v.strides[i] === s[i]);
};
const hasOp = (e: LExpr): boolean => e.kind === 'op';

/** Re-expresses `e` (in coordinates of `inShape`) through a movement op producing `outShape`. */
function moveExpr(e: LExpr, eqn: Eqn, inShape: readonly number[]): LExpr | null {
  if (e.kind === 'lit') return e;
  if (e.kind === 'op') {
    const args = e.args.map((a) => moveExpr(a, eqn, inShape));
    return args.every((a) => a) ? { ...e, args: args as LExpr[] } : null;
  }
  const outShape = eqn.outs[0]!.aval.shape;
  const { strides, offset } = e.view;
  switch (eqn.prim) {
    case 'broadcastInDim': {
      const dims = (eqn.params as { broadcastDimensions: readonly number[] }).broadcastDimensions;
      const st = outShape.map(() => 0);
      dims.forEach((d, i) => (st[d] = inShape[i] === 1 ? 0 : strides[i]!));
      return { ...e, view: { strides: st, offset } };
    }
    case 'transpose': {
      const perm = (eqn.params as { permutation: readonly number[] }).permutation;
      return { ...e, view: { strides: perm.map((p) => strides[p]!), offset } };
    }
    case 'slice': {
      // a window of the view: the start moves the offset, a step multiplies the stride (no per-element arithmetic)
      const p = eqn.params as { startIndices: readonly number[]; strides: readonly number[] | null };
      const off = p.startIndices.reduce((acc, s0, k) => acc + s0 * strides[k]!, offset);
      return { ...e, view: { strides: strides.map((st, k) => st * (p.strides?.[k] ?? 1)), offset: off } };
    }
    case 'reshape':
      return isContiguous(e.view, inShape) ? { ...e, view: { ...contiguous(outShape), offset } } : null;
    default:
      return null;
  }
}

let nextId = 0;

/**
 * Schedules a jaxpr: every elementwise or movement equation whose result is only needed inside one
 * fused expression is inlined; a var is materialised (becomes a kernel output) when it is a jaxpr output,
 * feeds a non-fusible equation, or is used more than once after arithmetic.
 */
export function schedule(j: Jaxpr, opts: { readonly exclude?: ReadonlySet<string>; readonly fuseFloat16?: boolean } = {}): Plan {
  const exclude = opts.exclude ?? new Set<string>();
  const isElementwise = (p: string): boolean => elementwise.has(p) && !exclude.has(p);
  // float16 equations run one by one through the targets' rules (which round each result) unless the target's
  // kernels compute in float16 themselves
  const unfused = (e: Eqn): boolean =>
    !opts.fuseFloat16 && (e.outs.some((o) => o.aval.dtype === 'float16') || e.ins.some((a) => a.aval.dtype === 'float16'));
  const uses = new Map<Var, number>();
  const usedByOther = new Set<Var>();
  for (const e of j.eqns) {
    const fusible = !unfused(e) && (isElementwise(e.prim) || movement.has(e.prim) || reductions.has(e.prim));
    for (const a of e.ins)
      if (a instanceof Var) {
        uses.set(a, (uses.get(a) ?? 0) + 1);
        if (!fusible) usedByOther.add(a);
      }
  }
  const outSet = new Set(j.outs.filter((o): o is Var => o instanceof Var));
  const exprOf = new Map<Var, LExpr>(); // pending (not yet materialised) fusible vars
  const steps: Step[] = [];

  const leafOf = (a: Atom): LExpr => {
    if (a instanceof Lit) return { kind: 'lit', value: Number(a.value), dtype: a.aval.dtype };
    return exprOf.get(a) ?? { kind: 'load', v: a, view: contiguous(a.aval.shape), dtype: a.aval.dtype };
  };
  const materialise = (v: Var): void => {
    const e = exprOf.get(v);
    if (!e) return;
    exprOf.delete(v);
    steps.push(kernelStep(v.aval.shape, [[v, e]]));
  };

  for (const e of j.eqns) {
    if (unfused(e)) {
      for (const a of e.ins) if (a instanceof Var) materialise(a);
      steps.push({ kind: 'eqn', eqn: e });
      continue;
    }
    if (isElementwise(e.prim)) {
      const out = e.outs[0]!;
      const args = e.ins.map(leafOf);
      const dtype = out.aval.dtype;
      const expr: LExpr =
        e.prim === 'stopGradient' ? args[0]! : { kind: 'op', op: e.prim as KOp, args, dtype, id: nextId++ };
      exprOf.set(out, expr);
      if (outSet.has(out) || usedByOther.has(out) || ((uses.get(out) ?? 0) > 1 && hasOp(expr))) materialise(out);
      continue;
    }
    if (movement.has(e.prim)) {
      const src = e.ins[0]!;
      const out = e.outs[0]!;
      const inExpr = leafOf(src);
      let moved = moveExpr(inExpr, e, src.aval.shape);
      if (!moved && src instanceof Var && exprOf.has(src)) {
        materialise(src);
        moved = moveExpr(leafOf(src), e, src.aval.shape);
      }
      if (!moved) {
        steps.push({ kind: 'eqn', eqn: e });
        continue;
      }
      exprOf.set(out, moved);
      if (outSet.has(out) || usedByOther.has(out) || ((uses.get(out) ?? 0) > 1 && hasOp(moved))) materialise(out);
      continue;
    }
    if (reductions.has(e.prim)) {
      const src = e.ins[0]!;
      const axes = (e.params as { axes: readonly number[] }).axes;
      steps.push(kernelStep(src.aval.shape, [[e.outs[0]!, leafOf(src)]], { op: e.prim as ReducePrim, axes }));
      continue;
    }
    for (const a of e.ins) if (a instanceof Var) materialise(a);
    steps.push({ kind: 'eqn', eqn: e });
  }
  for (const o of outSet) materialise(o);
  return { jaxpr: j, steps };
}

/** Builds a kernel computing each var's expression; its inputs are the distinct materialised vars loaded. */
function kernelStep(shape: readonly number[], outs: [Var, LExpr][], reduce?: Kernel['reduce']): Step {
  const inputs: Var[] = [];
  const index = new Map<Var, number>();
  const memo = new Map<LExpr, KExpr>();
  const bind = (e: LExpr): KExpr => {
    let k = memo.get(e);
    if (k) return k;
    if (e.kind === 'lit') k = e;
    else if (e.kind === 'load') {
      let i = index.get(e.v);
      if (i === undefined) {
        index.set(e.v, (i = inputs.length));
        inputs.push(e.v);
      }
      k = { kind: 'load', input: i, view: e.view, dtype: e.dtype };
    } else k = { kind: 'op', op: e.op, args: e.args.map(bind), dtype: e.dtype };
    memo.set(e, k);
    return k;
  };
  const exprs = outs.map(([, e]) => bind(e));
  return {
    kind: 'kernel',
    kernel: { shape, inputs: inputs.map((v) => v.aval), outputs: exprs, ...(reduce ? { reduce } : {}) },
    ins: inputs,
    outs: outs.map(([v]) => v),
  };
}

/** A one-line description of a plan (for tests and debugging): kernels as `fused[op,op,...]`. */
export function describePlan(p: Plan): string[] {
  const ops = (e: KExpr, acc: string[]): string[] => {
    if (e.kind === 'op') {
      e.args.forEach((a) => ops(a, acc));
      acc.push(e.op);
    }
    return acc;
  };
  return p.steps.map((s) =>
    s.kind === 'eqn'
      ? s.eqn.prim
      : `fused[${s.kernel.outputs.flatMap((o) => ops(o, [])).join(',')}]${s.kernel.reduce ? `->${s.kernel.reduce.op}` : ''}`,
  );
}
