// Forward-mode (JVP) rules of every first-order primitive, written with lax ops so they compose with every transformation.
//
// Each rule binds the primitive itself on the primals and returns tangents that are LINEAR in the input
// tangents, with coefficients computed from primals only (linearize and transpose rely on this). Integer
// and bool outputs get zero tangents. Formulas follow jax/_src/lax/lax.py, special.py and slicing.py.
import type { BinaryPrim, ComparePrim, UnaryPrim } from '../core/primitive.js';
import type { Array } from '../core/trace.js';
import * as lax from '../lax/prims.js';
import { constLike as c, hasTangent, range, square } from './adUtil.js';
import type { FirstOrderPrim } from './impl.js';
import type { JvpRule } from './types.js';

type Out = [Array[], Array[]];

/** Primal output and its tangent, or a zero tangent when the output has none (integer/bool). */
const one = (ans: Array, tangent: () => Array): Out => [[ans], [hasTangent(ans) ? tangent() : lax.zerosLike(ans)]];

/** Zero-derivative ops: floor, sign, comparisons, bitwise ops, ... (JAX's ad.defjvp_zero). */
const zeroUnary = <P extends UnaryPrim>(f: (x: Array) => Array): JvpRule<P> => ([x]) => {
  const ans = f(x!);
  return [[ans], [lax.zerosLike(ans)]];
};
const zeroBinary = <P extends BinaryPrim | ComparePrim>(f: (x: Array, y: Array) => Array): JvpRule<P> => ([x, y]) => {
  const ans = f(x!, y!);
  return [[ans], [lax.zerosLike(ans)]];
};

/** Elementwise f with t_out = t · f'(x), the coefficient computed from x and ans = f(x) (JAX's defjvp2). */
const unary = <P extends UnaryPrim>(f: (x: Array) => Array, coef: (x: Array, ans: Array) => Array): JvpRule<P> =>
  ([x], [t]) => {
    const ans = f(x!);
    return one(ans, () => lax.mul(t!, coef(x!, ans)));
  };

/** Elementwise f(x, y) with t_out = tx · ∂f/∂x + ty · ∂f/∂y. */
const binary = <P extends BinaryPrim>(
  f: (x: Array, y: Array) => Array,
  dx: (x: Array, y: Array, ans: Array) => Array,
  dy: (x: Array, y: Array, ans: Array) => Array,
): JvpRule<P> => ([x, y], [tx, ty]) => {
  const ans = f(x!, y!);
  return one(ans, () => lax.add(lax.mul(tx!, dx(x!, y!, ans)), lax.mul(ty!, dy(x!, y!, ans))));
};

/** Ops linear in all their (float) operands: the tangent is the same op applied to the tangents. */
const linear = <P extends FirstOrderPrim>(f: (xs: Array[]) => Array): JvpRule<P> => (xs, ts) => one(f(xs), () => f(ts));

/** 1 where x == 0, else x (JAX's _replace_zero), so that log and 1/x stay finite where they are masked out. */
const replaceZero = (x: Array): Array => lax.select(lax.eq(x, c(x, 0)), c(x, 1), x);

/** JAX's _balanced_eq(x, z, y): 1 where x == z and y != z, 0.5 where both equal z (ties split), else 0. */
const balancedEq = (x: Array, z: Array, y: Array): Array =>
  lax.div(lax.select(lax.eq(x, z), c(z, 1), c(z, 0)), lax.select(lax.eq(y, z), c(z, 2), c(z, 1)));

/** JAX's _reduce_chooser_jvp_rule: t_out = Σ(t · [x == ans]) / #[x == ans] over the reduced axes. */
const chooser = <P extends 'reduceMax' | 'reduceMin'>(f: (x: Array, axes: readonly number[]) => Array): JvpRule<P> =>
  ([x], [t], { axes }) => {
    const ans = f(x!, axes);
    return one(ans, () => {
      const kept = range(x!.ndim).filter((i) => !axes.includes(i));
      const loc = lax.convertElementType(lax.eq(x!, lax.broadcastInDim(ans, x!.shape, kept)), x!.dtype);
      // max(count, 1): over an empty axis the output is the constant ∓inf and its tangent 0, not 0/0
      const count = lax.reduceSum(loc, axes);
      return lax.div(lax.reduceSum(lax.mul(t!, loc), axes), lax.max(count, lax.fullLike(count, 1)));
    });
  };

const SQRT_PI = Math.sqrt(Math.PI);

export const jvpRulesFirstOrder = {
  // ---- elementwise unary
  neg: linear(([x]) => lax.neg(x!)),
  sign: zeroUnary(lax.sign),
  floor: zeroUnary(lax.floor),
  ceil: zeroUnary(lax.ceil),
  round: zeroUnary(lax.round),
  not: zeroUnary(lax.not),
  isFinite: zeroUnary(lax.isFinite),
  // d|x| = (x >= 0 ? dx : -dx)  (JAX's _abs_jvp_rule; the subgradient at 0 is +1)
  abs: ([x], [t]) => {
    const ans = lax.abs(x!);
    return one(ans, () => lax.select(lax.ge(x!, c(x!, 0)), t!, lax.neg(t!)));
  },
  // d exp(x) = exp(x) dx
  exp: unary(lax.exp, (_, ans) => ans),
  // d 2^x = ln 2 · 2^x dx
  exp2: unary(lax.exp2, (_, ans) => lax.mul(ans, c(ans, Math.LN2))),
  // d log(x) = dx / x
  log: ([x], [t]) => one(lax.log(x!), () => lax.div(t!, x!)),
  // d log1p(x) = dx / (1 + x)
  log1p: ([x], [t]) => one(lax.log1p(x!), () => lax.div(t!, lax.add(x!, c(x!, 1)))),
  // d expm1(x) = (expm1(x) + 1) dx
  expm1: unary(lax.expm1, (_, ans) => lax.add(ans, c(ans, 1))),
  // d √x = 0.5 / √x dx
  sqrt: unary(lax.sqrt, (_, ans) => lax.div(c(ans, 0.5), ans)),
  // d x^(-1/2) = -0.5 · rsqrt(x) / x dx
  rsqrt: unary(lax.rsqrt, (x, ans) => lax.mul(c(x, -0.5), lax.div(ans, x))),
  // d ∛x = (1/3) · cbrt(x)^(-2) dx
  cbrt: unary(lax.cbrt, (_, ans) => lax.div(c(ans, 1 / 3), square(ans))),
  // d sin(x) = cos(x) dx
  sin: unary(lax.sin, (x) => lax.cos(x)),
  // d cos(x) = -sin(x) dx
  cos: unary(lax.cos, (x) => lax.neg(lax.sin(x))),
  // d tan(x) = (1 + tan²x) dx
  tan: unary(lax.tan, (_, ans) => lax.add(c(ans, 1), square(ans))),
  // d asin(x) = dx / √(1 - x²)
  asin: unary(lax.asin, (x) => lax.rsqrt(lax.sub(c(x, 1), square(x)))),
  // d acos(x) = -dx / √(1 - x²)
  acos: unary(lax.acos, (x) => lax.neg(lax.rsqrt(lax.sub(c(x, 1), square(x))))),
  // d atan(x) = dx / (1 + x²)
  atan: ([x], [t]) => one(lax.atan(x!), () => lax.div(t!, lax.add(c(x!, 1), square(x!)))),
  // d sinh(x) = cosh(x) dx
  sinh: unary(lax.sinh, (x) => lax.cosh(x)),
  // d cosh(x) = sinh(x) dx
  cosh: unary(lax.cosh, (x) => lax.sinh(x)),
  // d tanh(x) = (1 - tanh²x) dx
  tanh: unary(lax.tanh, (_, ans) => lax.sub(c(ans, 1), square(ans))),
  // d asinh(x) = dx / √(x² + 1)
  asinh: unary(lax.asinh, (x) => lax.rsqrt(lax.add(square(x), c(x, 1)))),
  // d acosh(x) = dx / √(x² - 1)
  acosh: unary(lax.acosh, (x) => lax.rsqrt(lax.sub(square(x), c(x, 1)))),
  // d atanh(x) = dx / ((1 + x)(1 - x))
  atanh: ([x], [t]) => one(lax.atanh(x!), () => lax.div(t!, lax.mul(lax.add(c(x!, 1), x!), lax.sub(c(x!, 1), x!)))),
  // d σ(x) = σ(x)(1 - σ(x)) dx
  logistic: unary(lax.logistic, (_, ans) => lax.mul(ans, lax.sub(c(ans, 1), ans))),
  // d erf(x) = 2/√π · exp(-x²) dx  (jax/_src/lax/special.py)
  erf: unary(lax.erf, (x) => lax.mul(c(x, 2 / SQRT_PI), lax.exp(lax.neg(square(x))))),
  // d erf⁻¹(x) = √π/2 · exp(erf⁻¹(x)²) dx  (special.py)
  erfInv: unary(lax.erfInv, (_, ans) => lax.mul(c(ans, SQRT_PI / 2), lax.exp(square(ans)))),

  // ---- elementwise binary
  add: linear(([x, y]) => lax.add(x!, y!)),
  sub: linear(([x, y]) => lax.sub(x!, y!)),
  // d(xy) = dx · y + x · dy
  mul: ([x, y], [tx, ty]) => one(lax.mul(x!, y!), () => lax.add(lax.mul(tx!, y!), lax.mul(x!, ty!))),
  // d(x/y) = dx / y - dy · x / y²
  div: ([x, y], [tx, ty]) => {
    const ans = lax.div(x!, y!);
    return one(ans, () => lax.sub(lax.div(tx!, y!), lax.mul(ty!, lax.div(ans, y!))));
  },
  // rem(x, y) = x - y · trunc(x / y): d = dx - trunc(x / y) dy  (JAX: sign(x/y) · floor(|x/y|))
  rem: binary(
    lax.rem,
    (x) => c(x, 1),
    (x, y) => {
      const q = lax.div(x, y);
      return lax.neg(lax.mul(lax.sign(q), lax.floor(lax.abs(q))));
    },
  ),
  // d x^y = y x^(y-1) dx + log(x) x^y dy  (JAX's _pow_jvp_lhs/_rhs). At y = 0 the x-coefficient is 0 (not
  // 0 · x^-1 = NaN at x = 0); at x = 0 log is taken of 1 (_replace_zero), so 0^y (y > 0) has a zero y-derivative.
  pow: binary(
    lax.pow,
    // only the point x = y = 0 is guarded (0 · 0^-1 would be NaN): guarding on y == 0 alone, as JAX does,
    // zeroes the coefficient's derivative in y there (true value x^-1), which the second-order law catches
    (x, y) => {
      const both0 = lax.and(lax.eq(x, c(x, 0)), lax.eq(y, c(y, 0)));
      return lax.mul(y, lax.pow(lax.select(both0, c(x, 1), x), lax.sub(y, c(y, 1))));
    },
    (x, _, ans) => lax.mul(lax.log(replaceZero(x)), ans),
  ),
  // d max(x, y) = dx · [x = max] + dy · [y = max], ties split 0.5/0.5 (JAX's _balanced_eq)
  max: binary(lax.max, (x, y, ans) => balancedEq(x, ans, y), (x, y, ans) => balancedEq(y, ans, x)),
  min: binary(lax.min, (x, y, ans) => balancedEq(x, ans, y), (x, y, ans) => balancedEq(y, ans, x)),
  // d atan2(x, y) = (y dx - x dy) / (x² + y²)
  atan2: binary(
    lax.atan2,
    (x, y) => lax.div(y, lax.add(square(x), square(y))),
    (x, y) => lax.div(lax.neg(x), lax.add(square(x), square(y))),
  ),
  and: zeroBinary(lax.and),
  or: zeroBinary(lax.or),
  xor: zeroBinary(lax.xor),
  shiftLeft: zeroBinary(lax.shiftLeft),
  shiftRightLogical: zeroBinary(lax.shiftRightLogical),
  eq: zeroBinary(lax.eq),
  ne: zeroBinary(lax.ne),
  lt: zeroBinary(lax.lt),
  le: zeroBinary(lax.le),
  gt: zeroBinary(lax.gt),
  ge: zeroBinary(lax.ge),

  // ---- selection, casts
  // d select(p, a, b) = select(p, da, db)  (JAX's _select_jvp; the predicate has no tangent)
  select: ([p, a, b], [, ta, tb]) => one(lax.select(p!, a!, b!), () => lax.select(p!, ta!, tb!)),
  // Float → float converts the tangent; anything to or from int/bool has a zero tangent.
  convertElementType: ([x], [t], { newDtype, weakType }) => {
    const ans = lax.convertElementType(x!, newDtype, weakType);
    return one(ans, () => (hasTangent(x!) ? lax.convertElementType(t!, newDtype, weakType) : lax.zerosLike(ans)));
  },
  // Reinterpreting bits is not differentiable (JAX: defjvp_zero).
  bitcastConvertType: ([x], _, { newDtype }) => {
    const ans = lax.bitcastConvertType(x!, newDtype);
    return [[ans], [lax.zerosLike(ans)]];
  },
  // stop_gradient(x) has a zero tangent; the primal is still wrapped so outer transformations see it too.
  stopGradient: ([x]) => {
    const ans = lax.stopGradient(x!);
    return [[ans], [lax.zerosLike(ans)]];
  },

  // ---- creation and structure (linear: the same op on the tangents)
  iota: (_, __, { dtype, shape, dimension }) => {
    const ans = lax.iota(dtype, shape, dimension);
    return [[ans], [lax.zerosLike(ans)]];
  },
  broadcastInDim: ([x], [t], { shape, broadcastDimensions }) =>
    one(lax.broadcastInDim(x!, shape, broadcastDimensions), () => lax.broadcastInDim(t!, shape, broadcastDimensions)),
  reshape: ([x], [t], { newSizes }) => one(lax.reshape(x!, newSizes), () => lax.reshape(t!, newSizes)),
  transpose: ([x], [t], { permutation }) => one(lax.transpose(x!, permutation), () => lax.transpose(t!, permutation)),
  reduceSum: ([x], [t], { axes }) => one(lax.reduceSum(x!, axes), () => lax.reduceSum(t!, axes)),
  reduceMax: chooser(lax.reduceMax),
  reduceMin: chooser(lax.reduceMin),
  // JAX's _reduce_prod_jvp_rule: a pairwise product tree differentiated with the product rule,
  // (p1, t1) ⊗ (p2, t2) = (p1 p2, t1 p2 + p1 t2); exact where some factors are zero.
  reduceProd: ([x], [t], { axes }) => {
    const ans = lax.reduceProd(x!, axes);
    return one(ans, () => prodTreeTangent(x!, t!, axes, ans));
  },
  argmax: ([x], _, { axis, indexDtype }) => {
    const ans = lax.argmax(x!, axis, indexDtype);
    return [[ans], [lax.zerosLike(ans)]];
  },
  argmin: ([x], _, { axis, indexDtype }) => {
    const ans = lax.argmin(x!, axis, indexDtype);
    return [[ans], [lax.zerosLike(ans)]];
  },
  cumsum: ([x], [t], { axis, reverse }) => one(lax.cumsum(x!, axis, reverse), () => lax.cumsum(t!, axis, reverse)),
  slice: ([x], [t], { startIndices, limitIndices, strides }) =>
    one(lax.slice(x!, startIndices, limitIndices, strides), () => lax.slice(t!, startIndices, limitIndices, strides)),
  // pad is linear in (operand, padding value) jointly.
  pad: ([x, v], [tx, tv], { paddingConfig }) => one(lax.pad(x!, v!, paddingConfig), () => lax.pad(tx!, tv!, paddingConfig)),
  concatenate: (xs, ts, { dimension }) => one(lax.concatenate(xs, dimension), () => lax.concatenate(ts, dimension)),
  rev: ([x], [t], { dimensions }) => one(lax.rev(x!, dimensions), () => lax.rev(t!, dimensions)),
  // The same slice of the tangent at the primal start indices (JAX's _dynamic_slice_jvp).
  dynamicSlice: ([x, ...idx], [t], { sliceSizes }) =>
    one(lax.dynamicSlice(x!, idx, sliceSizes), () => lax.dynamicSlice(t!, idx, sliceSizes)),
  dynamicUpdateSlice: ([x, u, ...idx], [tx, tu]) =>
    one(lax.dynamicUpdateSlice(x!, u!, idx), () => lax.dynamicUpdateSlice(tx!, tu!, idx)),
  gather: ([x, ...idx], [t], { axes, outDim }) =>
    one(lax.gather(x!, idx, axes, outDim), () => lax.gather(t!, idx, axes, outDim)),
  // scatterAdd and scatter are linear in (operand, updates) jointly for fixed indices.
  scatterAdd: ([x, u, ...idx], [tx, tu], { axes, outDim }) =>
    one(lax.scatterAdd(x!, u!, idx, axes, outDim), () => lax.scatterAdd(tx!, tu!, idx, axes, outDim)),
  scatter: ([x, u, ...idx], [tx, tu], { axes, outDim }) =>
    one(lax.scatter(x!, u!, idx, axes, outDim), () => lax.scatter(tx!, tu!, idx, axes, outDim)),
  // Bilinear: d(x·y) = dx·y + x·dy with the same dimension numbers.
  dotGeneral: ([x, y], [tx, ty], { contract, batch, preferredElementType }) =>
    one(lax.dotGeneral(x!, y!, contract, batch, preferredElementType), () =>
      hasTangent(x!)
        ? lax.add(
            lax.dotGeneral(tx!, y!, contract, batch, preferredElementType),
            lax.dotGeneral(x!, ty!, contract, batch, preferredElementType),
          )
        : lax.zerosLike(lax.dotGeneral(x!, y!, contract, batch, preferredElementType)),
    ),
  convGeneralDilated: ([x, w], [tx, tw], p) =>
    one(lax.convGeneralDilated(x!, w!, p), () =>
      lax.add(lax.convGeneralDilated(tx!, w!, p), lax.convGeneralDilated(x!, tw!, p)),
    ),
  // JAX's _sort_jvp: sort an iota along with the operands, then gather every tangent by that permutation.
  sort: (xs, ts, { dimension, numKeys, descending }) => {
    const shape = xs[0]!.shape;
    const sorted = lax.sort([...xs, lax.iota('int32', shape, dimension)], dimension, numKeys, descending);
    const perm = sorted.pop()!;
    // out[i] = t[i with axis `dimension` replaced by perm[i]]: a gather indexing every axis.
    const idx = shape.map((_, j) => (j === dimension ? perm : lax.iota('int32', shape, j)));
    const axes = range(shape.length);
    return [sorted, sorted.map((o, i) => (hasTangent(o) ? lax.gather(ts[i]!, idx, axes, 0) : lax.zerosLike(o)))];
  },
} satisfies { [P in FirstOrderPrim]: JvpRule<P> };

/** Tangent of reduceProd(x, axes) by a pairwise product tree over the reduced axes (flattened to one). */
function prodTreeTangent(x: Array, t: Array, axes: readonly number[], ans: Array): Array {
  const rest = range(x.ndim).filter((i) => !axes.includes(i));
  const restShape = rest.map((i) => x.shape[i]!);
  const n = axes.reduce((acc, a) => acc * x.shape[a]!, 1);
  if (n === 0) return lax.zerosLike(ans);
  const perm = [...axes, ...rest];
  let p = lax.reshape(lax.transpose(x, perm), [n, ...restShape]);
  let dp = lax.reshape(lax.transpose(t, perm), [n, ...restShape]);
  while (p.shape[0]! > 1) {
    const m = p.shape[0]!, m1 = Math.ceil(m / 2);
    const p1 = lax.sliceInDim(p, 0, m1), d1 = lax.sliceInDim(dp, 0, m1);
    let p2 = lax.sliceInDim(p, m1, m), d2 = lax.sliceInDim(dp, m1, m);
    if (m - m1 !== m1) {
      // Odd length: pad the second half with the multiplicative identity (tangent 0).
      const cfg = [[0, 1, 0] as const, ...restShape.map(() => [0, 0, 0] as const)];
      p2 = lax.pad(p2, lax.scalar(1, x.dtype), cfg);
      d2 = lax.pad(d2, lax.scalar(0, t.dtype), cfg);
    }
    dp = lax.add(lax.mul(d1, p2), lax.mul(p1, d2));
    p = lax.mul(p1, p2);
  }
  return lax.reshape(dp, restShape);
}
