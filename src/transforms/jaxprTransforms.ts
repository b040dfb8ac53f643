// Jaxpr-to-jaxpr versions of the transforms (jvp, vmap, transpose), used by higher-order primitives' rules.
import { ShapedArray } from '../core/aval.js';
import { ClosedJaxpr, Jaxpr, evalJaxpr } from '../ir/jaxpr.js';
import { UndefPrimal } from '../rules/types.js';
import { jvpFlat } from './jvp.js';
import { stageFlat } from './stage.js';
import { vmapFlat } from './vmap.js';
import { backwardPass, instantiateCt } from './transpose.js';

const jvpCache = new WeakMap<Jaxpr, ClosedJaxpr>();

/** (primals..., tangents...) -> (primalOuts..., tangentOuts...), all tangents instantiated. */
export function jvpJaxpr(jaxpr: Jaxpr): ClosedJaxpr {
  let cj = jvpCache.get(jaxpr);
  if (!cj) {
    const n = jaxpr.inBinders.length;
    cj = stageFlat(
      (...args) => {
        const [po, to] = jvpFlat((...xs) => evalJaxpr(jaxpr, xs), args.slice(0, n), args.slice(n));
        return [...po, ...to];
      },
      [...jaxpr.inAvals, ...jaxpr.inAvals.map((a) => a.strongType())],
      'jvp',
    );
    jvpCache.set(jaxpr, cj);
  }
  return cj;
}

/** The aval of a value batched at `dim` (null: unbatched). */
export const batchedAval = (a: ShapedArray, dim: number | null, n: number): ShapedArray =>
  dim === null ? a : a.withShape([...a.shape.slice(0, dim), n, ...a.shape.slice(dim)]);

/** vmap of a jaxpr: inputs batched at `inDims`, every output batched at axis 0 (or as `outDims` says). */
export function vmapJaxpr(
  jaxpr: Jaxpr,
  inDims: readonly (number | null)[],
  axisSize: number,
  outDims: readonly (number | null)[] = jaxpr.outs.map(() => 0),
): ClosedJaxpr {
  return stageFlat(
    (...args) => vmapFlat((...xs) => evalJaxpr(jaxpr, xs), args, inDims, outDims, axisSize),
    jaxpr.inAvals.map((a, i) => batchedAval(a, inDims[i]!, axisSize)),
    'vmap',
  );
}

/**
 * The transpose of a jaxpr w.r.t. the inputs marked linear: takes (non-linear inputs..., output cts...)
 * and returns cts of the linear inputs (zeros instantiated).
 */
export function transposeJaxpr(jaxpr: Jaxpr, linear: readonly boolean[]): ClosedJaxpr {
  const nonLinAvals = jaxpr.inAvals.filter((_, i) => !linear[i]);
  const linAvals = jaxpr.inAvals.filter((_, i) => linear[i]);
  return stageFlat(
    (...args) => {
      const nl = args.slice(0, nonLinAvals.length);
      const cts = args.slice(nonLinAvals.length);
      let k = 0;
      const ins = jaxpr.inBinders.map((v, i) => (linear[i] ? new UndefPrimal(v.aval) : nl[k++]!));
      const res = backwardPass(jaxpr, ins, cts);
      return res.filter((_, i) => linear[i]).map((c, i) => instantiateCt(c, linAvals[i]!));
    },
    [...nonLinAvals, ...jaxpr.outAvals],
    'transpose',
  );
}

/** Reorders a jaxpr's inputs: the new jaxpr's input i is the old input perm[i]. */
export function permuteInputs(jaxpr: Jaxpr, perm: readonly number[]): Jaxpr {
  const binders = perm.map((p) => jaxpr.inBinders[p]!);
  return new Jaxpr(binders, jaxpr.eqns, jaxpr.outs);
}
