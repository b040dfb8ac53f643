// Forward-mode autodiff: JVPTrace carries (primal, tangent) pairs; tangents may be symbolic zeros (null).
// Follows Autodidax Part 1 (jvp_v1 / JVPTrace) with JAX's symbolic-zero shortcut when no input has a tangent.
import { ShapedArray } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import type { Params, Prim } from '../core/primitive.js';
import { Array, type ConcreteLike, Trace, Tracer, withMain, fullRaise, bind } from '../core/trace.js';
import * as lax from '../lax/prims.js';
import { jvpRules } from '../rules/jvp.js';

export class JVPTracer extends Tracer {
  constructor(
    readonly _trace: Trace,
    readonly primal: Array,
    /** null is a symbolic zero */
    readonly tangent: Array | null,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
  override fullLower(): Array {
    return this.tangent === null ? this.primal : this;
  }
  override concrete(): ConcreteLike | null {
    return this.primal.concrete();
  }
}

/** The zero tangent of a primal (same dtype: integer and bool values get integer zeros, never used). */
export const zeroTangent = (x: Array): Array => lax.zerosLike(x);

export class JVPTrace extends Trace {
  pure(x: Array): Array {
    return new JVPTracer(this, x, null);
  }
  processPrimitive<P extends Prim>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    const ts = tracers as JVPTracer[];
    const primals = ts.map((t) => t.primal);
    if (ts.every((t) => t.tangent === null)) return bind(prim, primals, params);
    if (ts.length === 2 && (ts[0]!.tangent === null || ts[1]!.tangent === null)) {
      const fast = oneSidedTangent(prim, primals, ts[0]!.tangent, ts[1]!.tangent, params);
      if (fast) return fast.map(([p, t]) => new JVPTracer(this, p, t));
    }
    const tangents = ts.map((t) => t.tangent ?? zeroTangent(t.primal));
    const rule = jvpRules[prim] as (p: Array[], t: Array[], ps: Params<P>) => [Array[], Array[]];
    const [po, to] = rule(primals, tangents, params);
    return po.map((p, i) => new JVPTracer(this, p, to[i]!));
  }
}

const bilinear = new Set<Prim>(['mul', 'dotGeneral', 'convGeneralDilated']);

/**
 * Symbolic-zero shortcut for binary primitives where one operand has no tangent: a bilinear op only needs
 * its one nonzero term (f(dx, y) or f(x, dy)), and add/sub pass the tangent through, so eager grad does not
 * multiply instantiated zeros (JAX gets the same effect from ad.Zero in its rules).
 */
function oneSidedTangent(prim: Prim, [x, y]: Array[], tx: Array | null, ty: Array | null, params: unknown): [Array, Array][] | null {
  if (bilinear.has(prim)) {
    const out = bind(prim, [x!, y!], params as never)[0]!;
    const t = tx ? bind(prim, [tx, y!], params as never)[0]! : bind(prim, [x!, ty!], params as never)[0]!;
    return [[out, t]];
  }
  if (prim === 'add' || prim === 'sub') {
    const out = bind(prim, [x!, y!], {})[0]!;
    return [[out, tx ?? (prim === 'add' ? ty! : lax.neg(ty!))]];
  }
  return null;
}

/** jvp over flat lists: returns [primalsOut, tangentsOut] with zero tangents instantiated. */
export function jvpFlat(f: (...xs: Array[]) => Array[], primals: Array[], tangents: Array[]): [Array[], Array[]] {
  return withMain(JVPTrace, 'jvp', null, (main) => {
    const trace = main.trace;
    const ins = primals.map((p, i) => new JVPTracer(trace, p, tangents[i]!));
    const outs = f(...ins).map((o) => fullRaise(trace, o) as JVPTracer);
    return [outs.map((o) => o.primal), outs.map((o) => o.tangent ?? zeroTangent(o.primal))];
  });
}

/** Checks that a tangent matches its primal's shape and dtype (float tangents for float primals). */
export function checkTangent(op: string, primal: Array, tangent: Array, i: number): void {
  const ok =
    tangent.shape.length === primal.shape.length &&
    tangent.shape.every((d, k) => d === primal.shape[k]) &&
    (tangent.dtype === primal.dtype || !isFloat(primal.dtype));
  if (!ok)
    throw new TypeError(
      `${op}: tangent ${i} has type ${tangent.dtype}${JSON.stringify(tangent.shape)} but its primal is ` +
        `${primal.dtype}${JSON.stringify(primal.shape)}; tangents must match their primals' shapes and dtypes`,
    );
}
