// The jaxpr IR: variables, literals, equations, its printer, its typechecker, and an evaluator over bind.
import { ShapedArray } from '../core/aval.js';
import type { Params, Prim } from '../core/primitive.js';
import { Array, bind } from '../core/trace.js';
import { ConcreteArray } from '../core/array.js';
import { abstractEval } from '../rules/abstractEval.js';

let varCounter = 0;
/** A jaxpr variable: bound once, typed by its aval. */
export class Var {
  readonly id = varCounter++;
  constructor(readonly aval: ShapedArray) {}
}
/** Arrays held by literals: they live as long as their jaxpr, so executors never dispose them. */
export const literalArrays = new WeakSet<Array>();

/** A literal operand: a concrete scalar (rank 0) baked into the jaxpr. */
export class Lit {
  readonly aval: ShapedArray;
  constructor(readonly val: ConcreteArray) {
    this.aval = val.aval;
    literalArrays.add(val);
  }
  get value(): number | boolean {
    return this.val.item();
  }
}
export type Atom = Var | Lit;

/** One equation: `outs = prim[params] ins`. */
export interface Eqn<P extends Prim = Prim> {
  readonly prim: P;
  readonly ins: readonly Atom[];
  readonly params: Params<P>;
  readonly outs: readonly Var[];
}

/** A typed, closed-over-nothing program: inputs, equations in order, outputs. */
export class Jaxpr {
  constructor(
    readonly inBinders: readonly Var[],
    readonly eqns: readonly Eqn[],
    readonly outs: readonly Atom[],
  ) {}
  get inAvals(): ShapedArray[] {
    return this.inBinders.map((v) => v.aval);
  }
  get outAvals(): ShapedArray[] {
    return this.outs.map((v) => v.aval);
  }
  toString(): string {
    return printJaxpr(this);
  }
}

/** A jaxpr with values for its leading `consts.length` inputs. */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly Array[],
  ) {}
  /** The jaxpr's inputs after the consts. */
  get inAvals(): ShapedArray[] {
    return this.jaxpr.inAvals.slice(this.consts.length);
  }
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outAvals;
  }
  toString(): string {
    return printJaxpr(this.jaxpr, this.consts.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Printer, in JAX's format: { lambda a:f32[3]; b:f32[3]. let c:f32[3] = add a b in (c) }

function varNamer(): (v: Var) => string {
  const names = new Map<Var, string>();
  const name = (i: number): string => {
    let s = '';
    do {
      s = String.fromCharCode(97 + (i % 26)) + s;
      i = Math.floor(i / 26) - 1;
    } while (i >= 0);
    return s;
  };
  return (v) => {
    let n = names.get(v);
    if (!n) names.set(v, (n = name(names.size)));
    return n;
  };
}

function fmtParam(v: unknown, indent: string, namer: (v: Var) => string): string {
  if (v instanceof Jaxpr) return '\n' + printJaxpr(v, 0, indent + '    ', namer).replace(/^/, '');
  if (typeof v === 'function') return v.name || 'fn';
  if (globalThis.Array.isArray(v)) return `(${(v as unknown[]).map((x) => fmtParam(x, indent, namer)).join(',')}${(v as unknown[]).length === 1 ? ',' : ''})`;
  if (v === null) return 'None';
  if (typeof v === 'object' && v && (v as { toString(): string }).toString !== Object.prototype.toString)
    return String(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function printJaxpr(j: Jaxpr, numConsts = 0, indent = '', outerNamer?: (v: Var) => string): string {
  const n = outerNamer ?? varNamer();
  const atom = (a: Atom): string => (a instanceof Var ? n(a) : fmtLit(a));
  const binder = (v: Var): string => `${n(v)}:${v.aval.toString()}`;
  const consts = j.inBinders.slice(0, numConsts).map(binder).join(' ');
  const ins = j.inBinders.slice(numConsts).map(binder).join(' ');
  const lines = [`${indent}{ lambda ${consts}; ${ins}. let`];
  for (const e of j.eqns) {
    const params = Object.entries(e.params as object)
      .map(([k, v]) => `${k}=${fmtParam(v, indent + '    ', n)}`)
      .join(' ');
    const lhs = e.outs.map(binder).join(' ');
    lines.push(`${indent}    ${lhs} = ${e.prim}${params ? `[${params}]` : ''} ${e.ins.map(atom).join(' ')}`.trimEnd());
  }
  lines.push(`${indent}  in (${j.outs.map(atom).join(', ')}) }`);
  return lines.join('\n');
}

function fmtLit(l: Lit): string {
  const v = l.value;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  const s = Number.isInteger(v) && l.aval.dtype.startsWith('float') ? v.toFixed(1) : String(v);
  return `${s}:${l.aval.toString()}`;
}

// ---------------------------------------------------------------------------------------------

/** Checks that every equation's declared output types match abstract evaluation; throws on mismatch. */
export function typecheckJaxpr(j: Jaxpr): void {
  const env = new Set<Var>(j.inBinders);
  const check = (a: Atom): void => {
    if (a instanceof Var && !env.has(a)) throw new TypeError(`typecheckJaxpr: variable of type ${a.aval} used before it is bound`);
  };
  for (const e of j.eqns) {
    e.ins.forEach(check);
    const outs = abstractEval(e.prim, e.ins.map((a) => a.aval), e.params);
    if (outs.length !== e.outs.length || outs.some((o, i) => !o.equals(e.outs[i]!.aval)))
      throw new TypeError(`typecheckJaxpr: ${e.prim} produces (${outs.join(', ')}) but binds (${e.outs.map((v) => v.aval).join(', ')})`);
    e.outs.forEach((v) => env.add(v));
  }
  j.outs.forEach(check);
}

/** Evaluates a jaxpr by binding each equation: runs under whatever transformations are active. */
export function evalJaxpr(j: Jaxpr, args: readonly Array[]): Array[] {
  if (args.length !== j.inBinders.length)
    throw new TypeError(`evalJaxpr: the jaxpr takes ${j.inBinders.length} inputs, got ${args.length}`);
  const env = new Map<Var, Array>();
  j.inBinders.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Array => (a instanceof Lit ? a.val : env.get(a)!);
  for (const e of j.eqns) {
    const outs = bind(e.prim, e.ins.map(read), e.params);
    e.outs.forEach((v, i) => env.set(v, outs[i]!));
  }
  return j.outs.map(outputOf(read));
}

/**
 * Reads an output atom; a literal's array is copied, so callers may dispose outputs without destroying the
 * jaxpr's literal (which is shared by every later call).
 */
export const outputOf =
  (read: (a: Atom) => Array) =>
  (a: Atom): Array => {
    const v = read(a);
    return a instanceof Lit && v instanceof ConcreteArray ? new ConcreteArray(v.aval, v.buffer.slice()) : v;
  };
