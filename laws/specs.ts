// One law spec per primitive: valid random operands and params, which laws apply, and tolerances.
import fc from 'fast-check';
import { shapeSize } from '../src/core/aval.js';
import { type DType, isFloat } from '../src/core/dtype.js';
import type { ConvParams, Params, Prim, UnaryPrim } from '../src/core/primitive.js';
import { type Array, bind } from '../src/core/trace.js';
import {
  type Domain,
  arrayOfShape,
  axesSubset,
  boolArray,
  broadcastCompatibleShapes,
  distinctArray,
  domains,
  floatArray,
  floatValues,
  intArray,
  permutation,
  range,
  shape,
} from './arbitraries.js';
import { arrayOf, int32Scalar } from './util.js';
import type { Case, CaseCtx, LawName, PrimSpec } from './spec.js';
import { higherOrderSpecs } from './specsHigherOrder.js';

export type { Case, CaseCtx, LawName, PrimSpec } from './spec.js';

// ---------------------------------------------------------------------------------------------
// Building cases

const fmtParams = (p: object): string => {
  const e = Object.entries(p);
  return e.length ? `[${e.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}]` : '';
};

/** A case applying `prim` with `params` to operands drawn from `args` (bound directly, bypassing lax shortcuts). */
export function primCase<P extends Prim>(
  prim: P,
  params: Params<P>,
  args: readonly fc.Arbitrary<Array>[],
  o: { diff?: readonly number[]; linear?: readonly number[]; zeroDerivative?: boolean; types?: string } = {},
): Case {
  return {
    label: `${prim}${fmtParams(params as object)}${o.types ? ` on (${o.types})` : ''}`,
    fn: (...xs: Array[]) => bind(prim, xs, params),
    args: args.length ? fc.tuple(...args) : fc.constant([]),
    diff: o.diff ?? [],
    ...(o.linear ? { linear: o.linear } : {}),
    ...(o.zeroDerivative ? { zeroDerivative: true } : {}),
  };
}

/** Shapes that sometimes have zero-sized dimensions (for ops where empty arrays are valid). */
const shapeZ = (c: Parameters<typeof shape>[0] = {}) => shape({ ...c, zeroDims: true });
const t = (dt: DType, s: readonly number[]): string => `${dt}[${s.join(',')}]`;
const SMOOTH: readonly LawName[] = ['jvp', 'vjp', 'vmap', 'jit'];
const SMOOTH2: readonly LawName[] = ['jvp', 'vjp', 'hvp', 'vmap', 'jit'];
const LINEAR: readonly LawName[] = ['jvp', 'vjp', 'vmap', 'jit', 'transpose'];
const VALUES: readonly LawName[] = ['vmap', 'jit'];

// ---------------------------------------------------------------------------------------------
// Elementwise

function unary<P extends UnaryPrim>(prim: P, dom: Domain, laws: readonly LawName[] = SMOOTH, extra: Partial<PrimSpec<P>> = {}): PrimSpec<P> {
  return {
    prim,
    laws,
    cases: (ctx) => shapeZ().map((s) => primCase(prim, {} as Params<P>, [floatArray(s, ctx.dtype, dom)], { diff: [0], types: t(ctx.dtype, s) })),
    ...extra,
  };
}

type BinP = 'add' | 'sub' | 'mul' | 'div' | 'rem' | 'pow' | 'max' | 'min' | 'atan2';
/** A binary op over two same-shaped operands drawn jointly by `pair`. */
function binary<P extends BinP>(
  prim: P,
  pair: (s: number[], dt: DType) => fc.Arbitrary<[Array, Array]>,
  laws: readonly LawName[],
  o: { linear?: (ctx: CaseCtx) => fc.Arbitrary<readonly number[] | undefined>; ints?: boolean; tol?: PrimSpec<P>['tol'] } = {},
): PrimSpec<P> {
  return {
    prim,
    laws,
    ...(o.tol ? { tol: o.tol } : {}),
    cases: (ctx) =>
      fc
        .tuple(shapeZ(), ctx.derivatives || !o.ints ? fc.constant(ctx.dtype) : fc.constantFrom<DType>(ctx.dtype, 'int32', 'uint32'), o.linear ? o.linear(ctx) : fc.constant(undefined))
        .map(([s, dt, linear]) => {
          const c = primCase(prim, {} as Params<P>, [], { diff: isFloat(dt) ? [0, 1] : [], ...(linear ? { linear } : {}), types: `${t(dt, s)}, ${t(dt, s)}` });
          return { ...c, args: pair(s, dt).map((p) => [...p]) };
        }),
  };
}

/** Independent operands, each from a domain (ints: small values, nonzero where asked). */
const indep = (d1: Domain, d2: Domain, nonzero2 = false) => (s: number[], dt: DType): fc.Arbitrary<[Array, Array]> =>
  isFloat(dt)
    ? fc.tuple(floatArray(s, dt, d1), floatArray(s, dt, d2))
    : fc.tuple(
        intArray(s, dt === 'uint32' ? 0 : -9, 9, dt),
        nonzero2 ? intArray(s, 1, 5, dt) : intArray(s, dt === 'uint32' ? 0 : -9, 9, dt),
      );

/** Operands kept at least 0.1 apart elementwise (max/min are not differentiable at ties). */
const separated = (s: number[], dt: DType): fc.Arbitrary<[Array, Array]> => {
  const n = shapeSize(s);
  return fc
    .tuple(floatValues(n, domains.real), floatValues(n, { min: 0.1, max: 1 }), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
    .map(([x, d, sg]) => [arrayOf(x, s, dt), arrayOf(x.map((v, i) => v + (sg[i] ? d[i]! : -d[i]!)), s, dt)] as [Array, Array]);
};

/** rem(x, y) with x/y kept away from the integers where trunc(x/y) jumps. */
const remPair = (s: number[], dt: DType): fc.Arbitrary<[Array, Array]> => {
  const n = shapeSize(s);
  if (!isFloat(dt)) return fc.tuple(intArray(s, dt === 'uint32' ? 0 : -9, 9, dt), intArray(s, 1, 5, dt));
  return fc
    .tuple(
      floatValues(n, domains.nonzero),
      fc.array(fc.integer({ min: -3, max: 3 }), { minLength: n, maxLength: n }),
      floatValues(n, { min: 0.1, max: 0.9 }),
    )
    .map(([y, k, f]) => [arrayOf(y.map((v, i) => (k[i]! + f[i]!) * v), s, dt), arrayOf(y, s, dt)] as [Array, Array]);
};

/** atan2(y, x) with (x, y) away from the origin and from the branch cut along x < 0, y = 0. */
const atan2Pair = (s: number[], dt: DType): fc.Arbitrary<[Array, Array]> => {
  const n = shapeSize(s);
  return fc
    .tuple(floatValues(n, { min: 0.3, max: 3 }), floatValues(n, { min: -Math.PI + 0.2, max: Math.PI - 0.2 }))
    .map(([r, th]) => [arrayOf(r.map((v, i) => v * Math.sin(th[i]!)), s, dt), arrayOf(r.map((v, i) => v * Math.cos(th[i]!)), s, dt)] as [Array, Array]);
};

type BitP = 'and' | 'or' | 'xor' | 'shiftLeft' | 'shiftRightLogical';
function bitwise<P extends BitP>(prim: P, dts: DType[], amounts?: [number, number]): PrimSpec<P> {
  return {
    prim,
    laws: VALUES,
    cases: () =>
      fc.tuple(shapeZ(), fc.constantFrom(...dts)).map(([s, dt]) => ({
        ...primCase(prim, {} as Params<P>, [], { types: `${t(dt, s)}, ${t(dt, s)}` }),
        args: fc.tuple(
          fc.array(fc.integer({ min: dt === 'int32' ? -(2 ** 31) : 0, max: dt === 'bool' ? 1 : 2 ** 31 - 1 }), { minLength: shapeSize(s), maxLength: shapeSize(s) }).map((v) => arrayOf(v, s, dt)),
          amounts ? intArray(s, amounts[0], amounts[1], dt) : arrayOfShape(s, dt),
        ),
      })),
  };
}

type CmpP = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/** Comparisons: values drawn from a small set so that ties (eq true) are common. */
function compare<P extends CmpP>(prim: P): PrimSpec<P> {
  const tieful = (s: number[], dt: DType) =>
    fc.array(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom(0.5, -1.5)), { minLength: shapeSize(s), maxLength: shapeSize(s) }).map((v) => arrayOf(v, s, dt));
  return {
    prim,
    laws: ['jvp', 'vmap', 'jit'],
    notes: 'bool output: jvp only checks that it runs and gives the primal',
    cases: (ctx) =>
      fc.tuple(shapeZ(), ctx.derivatives ? fc.constant(ctx.dtype) : fc.constantFrom<DType>(ctx.dtype, 'int32', 'uint32')).map(([s, dt]) => ({
        ...primCase(prim, {} as Params<P>, [], { diff: isFloat(dt) ? [0, 1] : [], types: `${t(dt, s)}, ${t(dt, s)}` }),
        args: fc.tuple(tieful(s, dt), tieful(s, dt)),
      })),
  };
}

// ---------------------------------------------------------------------------------------------
// Structural helpers

/** Prime factors of a small dim (1 has none). */
const factors = (d: number): number[] => {
  const f: number[] = [];
  for (let p = 2; d > 1; ) {
    if (d % p === 0) {
      f.push(p);
      d /= p;
    } else p++;
  }
  return f;
};

/** numpy broadcasting of shapes (for the gather/scatter index shape). */
const bshape = (shapes: readonly (readonly number[])[]): number[] => {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  return range(n).map((i) => Math.max(1, ...shapes.map((s) => s[s.length - n + i] ?? 1)));
};

/** The result shape of gather (operand axes removed, index shape inserted at outDim). */
const gatherShape = (x: readonly number[], axes: readonly number[], ishape: readonly number[], outDim: number): number[] => {
  const rest = x.filter((_, i) => !axes.includes(i));
  return [...rest.slice(0, outDim), ...ishape, ...rest.slice(outDim)];
};

const oneOf = <T,>(...xs: T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);

// ---------------------------------------------------------------------------------------------
// The table

const firstOrderSpecs = {
  neg: { ...unary('neg', domains.real, LINEAR), cases: (ctx) => shape().map((s) => primCase('neg', {}, [floatArray(s, ctx.dtype)], { diff: [0], linear: [0], types: t(ctx.dtype, s) })) },
  sign: unary('sign', domains.nonzero),
  floor: unary('floor', domains.offInteger),
  ceil: unary('ceil', domains.offInteger),
  round: unary('round', domains.offHalfInteger),
  abs: unary('abs', domains.nonzero),
  not: {
    prim: 'not',
    laws: VALUES,
    cases: () => fc.tuple(shape(), oneOf<DType>('int32', 'uint32', 'bool')).map(([s, dt]) => primCase('not', {}, [arrayOfShape(s, dt)], { types: t(dt, s) })),
  },
  isFinite: {
    prim: 'isFinite',
    laws: ['jvp', 'vmap', 'jit'],
    notes: 'bool output',
    cases: (ctx) =>
      shape().map((s) =>
        primCase('isFinite', {}, [
          fc.array(fc.oneof({ weight: 3, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) }, oneOf(Infinity, -Infinity, NaN)), { minLength: shapeSize(s), maxLength: shapeSize(s) }).map((v) => arrayOf(v, s, ctx.dtype)),
        ], { diff: [0], types: t(ctx.dtype, s) }),
      ),
  },
  exp: unary('exp', domains.real, SMOOTH2),
  exp2: unary('exp2', domains.real),
  log: unary('log', domains.positive, SMOOTH2),
  log1p: unary('log1p', domains.aboveMinusOne),
  expm1: unary('expm1', domains.real),
  sqrt: unary('sqrt', domains.positive, SMOOTH2),
  rsqrt: unary('rsqrt', domains.positive),
  cbrt: unary('cbrt', domains.nonzero),
  sin: unary('sin', domains.real, SMOOTH2),
  cos: unary('cos', domains.real),
  tan: unary('tan', domains.tan, SMOOTH, { tol: { jvp: { atol: 1e-5, rtol: 1e-5 } } }),
  asin: unary('asin', domains.unit),
  acos: unary('acos', domains.unit),
  atan: unary('atan', domains.real),
  sinh: unary('sinh', domains.real),
  cosh: unary('cosh', domains.real),
  tanh: unary('tanh', domains.real, SMOOTH2),
  asinh: unary('asinh', domains.real),
  acosh: unary('acosh', domains.aboveOne),
  atanh: unary('atanh', domains.unit),
  logistic: unary('logistic', domains.real, SMOOTH2),
  erf: unary('erf', domains.real, SMOOTH2),
  erfInv: unary('erfInv', domains.unit, SMOOTH2, { tol: { jvp: { atol: 1e-5, rtol: 1e-5 }, hvp: { atol: 1e-4, rtol: 1e-4 } } }),

  add: binary('add', indep(domains.real, domains.real), LINEAR, { linear: () => fc.constant([0, 1]), ints: true }),
  sub: binary('sub', indep(domains.real, domains.real), LINEAR, { linear: () => fc.constant([0, 1]), ints: true }),
  mul: binary('mul', indep(domains.real, domains.real), [...SMOOTH2, 'transpose'], { linear: () => oneOf([0], [1]), ints: true }),
  div: binary('div', indep(domains.real, domains.nonzero, true), [...SMOOTH2, 'transpose'], { linear: () => fc.constant([0]), ints: true }),
  rem: binary('rem', remPair, SMOOTH, { ints: true }),
  pow: binary('pow', indep(domains.positive, { min: -2, max: 2 }), SMOOTH2),
  max: binary('max', separated, SMOOTH2),
  min: binary('min', separated, SMOOTH),
  atan2: binary('atan2', atan2Pair, SMOOTH2),

  and: bitwise('and', ['int32', 'uint32', 'bool']),
  or: bitwise('or', ['int32', 'uint32', 'bool']),
  xor: bitwise('xor', ['int32', 'uint32', 'bool']),
  shiftLeft: bitwise('shiftLeft', ['int32', 'uint32'], [0, 33]),
  shiftRightLogical: bitwise('shiftRightLogical', ['int32', 'uint32'], [0, 33]),

  eq: compare('eq'),
  ne: compare('ne'),
  lt: compare('lt'),
  le: compare('le'),
  gt: compare('gt'),
  ge: compare('ge'),

  select: {
    prim: 'select',
    laws: [...SMOOTH2, 'transpose'],
    cases: (ctx) =>
      shapeZ().map((s) =>
        primCase('select', {}, [boolArray(s), floatArray(s, ctx.dtype), floatArray(s, ctx.dtype)], {
          diff: [1, 2],
          linear: [1, 2],
          types: `bool[${s}], ${t(ctx.dtype, s)}, ${t(ctx.dtype, s)}`,
        }),
      ),
  },
  convertElementType: {
    prim: 'convertElementType',
    laws: LINEAR,
    tol: { eps: 0.05, jvp: { atol: 1e-5, rtol: 1e-5 }, vjp: { atol: 1e-6, rtol: 1e-6 } },
    cases: (ctx) => {
      const pairs: [DType, DType][] = ctx.derivatives
        ? [['float64', 'float64'], ['float64', 'float32'], ['float32', 'float64'], ['float64', 'int32'], ['int32', 'float64']]
        : (['float32', 'float64', 'int32', 'uint32', 'bool'] as DType[]).flatMap((a) => (['float32', 'float64', 'int32', 'uint32', 'bool'] as DType[]).map((b) => [a, b] as [DType, DType]));
      return fc.tuple(shape(), fc.constantFrom(...pairs), fc.boolean()).map(([s, [from, to], weak]) => {
        const both = isFloat(from) && isFloat(to);
        // float -> uint32 of a negative value is implementation-defined: keep those positive.
        const dom = to === 'uint32' ? { min: 0, max: 9 } : from === 'float32' || from === 'float64' ? { min: -9, max: 9 } : domains.real;
        return primCase('convertElementType', { newDtype: to, weakType: weak && from === to }, [arrayOfShape(s, from, dom)], {
          diff: both ? [0] : [],
          ...(both ? { linear: [0] } : {}),
          types: t(from, s),
        });
      });
    },
  },
  bitcastConvertType: {
    prim: 'bitcastConvertType',
    laws: VALUES,
    notes: 'bit reinterpretation: not differentiable',
    cases: () =>
      fc
        .tuple(shape(), oneOf<[DType, DType]>(['float32', 'int32'], ['float32', 'uint32'], ['int32', 'float32'], ['uint32', 'float32'], ['int32', 'uint32'], ['uint32', 'int32']))
        .map(([s, [from, to]]) => {
          // integer inputs are the bits of finite float32 values (NaN payloads do not survive JS numbers).
          const bits = floatValues(shapeSize(s), { min: -1e6, max: 1e6 }).map((v) => {
            const f = Float32Array.from(v);
            const i = from === 'uint32' ? new Uint32Array(f.buffer) : new Int32Array(f.buffer);
            return arrayOf(i, s, from);
          });
          return primCase('bitcastConvertType', { newDtype: to }, [from === 'float32' ? floatArray(s, 'float32', { min: -1e6, max: 1e6 }) : bits], { types: t(from, s) });
        }),
  },
  stopGradient: {
    prim: 'stopGradient',
    laws: SMOOTH,
    cases: (ctx) => shapeZ().map((s) => primCase('stopGradient', {}, [floatArray(s, ctx.dtype)], { diff: [0], zeroDerivative: true, types: t(ctx.dtype, s) })),
  },

  iota: {
    prim: 'iota',
    laws: ['jvp', 'vmap', 'jit'],
    notes: 'no operands: the case returns iota next to a pass-through operand so vmap has something to map',
    cases: (ctx) =>
      fc
        .tuple(shape({ minRank: 1, maxRank: 3, maxDim: 4 }), ctx.derivatives ? fc.constant(ctx.dtype) : fc.constantFrom<DType>(ctx.dtype, 'int32', 'uint32'), shape({ maxRank: 2 }))
        .chain(([s, dt, xs]) =>
          fc.integer({ min: 0, max: s.length - 1 }).map((dimension) => {
            const params = { dtype: dt, shape: s, dimension };
            return {
              label: `iota${fmtParams(params)} beside ${t(ctx.dtype, xs)}`,
              fn: (x: Array) => [bind('iota', [], params)[0]!, x],
              args: fc.tuple(floatArray(xs, ctx.dtype)),
              diff: [0],
            } satisfies Case;
          }),
        ),
  },
  broadcastInDim: {
    prim: 'broadcastInDim',
    laws: LINEAR,
    cases: (ctx) =>
      fc.tuple(shapeZ({ maxRank: 3 }), fc.integer({ min: 0, max: 2 })).chain(([s0, k]) => {
        const R = s0.length + k;
        return fc
          .tuple(
            fc.subarray(range(R), { minLength: s0.length, maxLength: s0.length }),
            fc.array(fc.boolean(), { minLength: s0.length, maxLength: s0.length }),
            fc.array(fc.integer({ min: 1, max: 3 }), { minLength: R, maxLength: R }),
          )
          .map(([bd, ones, sizes]) => {
            const out = sizes.slice();
            bd.forEach((d, i) => (out[d] = s0[i]!));
            const xs = s0.map((d, i) => (ones[i] ? 1 : d));
            return primCase('broadcastInDim', { shape: out, broadcastDimensions: bd }, [floatArray(xs, ctx.dtype)], { diff: [0], linear: [0], types: t(ctx.dtype, xs) });
          });
      }),
  },
  reshape: {
    prim: 'reshape',
    laws: LINEAR,
    cases: (ctx) =>
      shape().chain((s) => {
        const f = s.flatMap(factors);
        return fc
          .tuple(permutation(f.length), fc.array(fc.boolean(), { minLength: f.length, maxLength: f.length }), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }))
          .map(([perm, cuts, ones]) => {
            const groups: number[] = [];
            perm.forEach((p, i) => {
              if (i === 0 || cuts[i]) groups.push(f[p]!);
              else groups[groups.length - 1]! *= f[p]!;
            });
            for (const o of ones) groups.splice(Math.min(o, groups.length), 0, 1);
            return primCase('reshape', { newSizes: groups }, [floatArray(s, ctx.dtype)], { diff: [0], linear: [0], types: t(ctx.dtype, s) });
          });
      }),
  },
  transpose: {
    prim: 'transpose',
    laws: LINEAR,
    cases: (ctx) =>
      shapeZ().chain((s) => permutation(s.length).map((p) => primCase('transpose', { permutation: p }, [floatArray(s, ctx.dtype)], { diff: [0], linear: [0], types: t(ctx.dtype, s) }))),
  },
  reduceSum: {
    prim: 'reduceSum',
    laws: LINEAR,
    cases: (ctx) =>
      fc.tuple(shapeZ(), ctx.derivatives ? fc.constant(ctx.dtype) : fc.constantFrom<DType>(ctx.dtype, 'int32', 'uint32')).chain(([s, dt]) =>
        axesSubset(s.length).map((axes) => primCase('reduceSum', { axes }, [arrayOfShape(s, dt)], { diff: isFloat(dt) ? [0] : [], linear: isFloat(dt) ? [0] : [], types: t(dt, s) })),
      ),
  },
  reduceMax: {
    prim: 'reduceMax',
    laws: SMOOTH2,
    cases: (ctx) =>
      shapeZ().chain((s) =>
        axesSubset(s.length).map((axes) =>
          primCase('reduceMax', { axes }, [ctx.derivatives ? distinctArray(s, ctx.dtype) : arrayOfShape(s, ctx.dtype)], { diff: [0], types: t(ctx.dtype, s) }),
        ),
      ),
  },
  reduceMin: {
    prim: 'reduceMin',
    laws: SMOOTH,
    cases: (ctx) =>
      shapeZ().chain((s) =>
        axesSubset(s.length).map((axes) =>
          primCase('reduceMin', { axes }, [ctx.derivatives ? distinctArray(s, ctx.dtype) : arrayOfShape(s, ctx.dtype)], { diff: [0], types: t(ctx.dtype, s) }),
        ),
      ),
  },
  reduceProd: {
    prim: 'reduceProd',
    laws: SMOOTH2,
    notes: 'operands include exact zeros: the product is a polynomial, so the derivative must be right there too',
    cases: (ctx) =>
      shapeZ({ maxRank: 3 }).chain((s) =>
        axesSubset(s.length).map((axes) =>
          primCase(
            'reduceProd',
            { axes },
            [
              fc
                .array(fc.oneof({ weight: 5, arbitrary: fc.double({ min: 0.5, max: 1.5, noNaN: true }).chain((v) => oneOf(v, -v)) }, { weight: 1, arbitrary: fc.constant(0) }), {
                  minLength: shapeSize(s),
                  maxLength: shapeSize(s),
                })
                .map((v) => arrayOf(v, s, ctx.dtype)),
            ],
            { diff: [0], types: t(ctx.dtype, s) },
          ),
        ),
      ),
  },
  argmax: {
    prim: 'argmax',
    laws: ['jvp', 'vmap', 'jit'],
    notes: 'integer output; ties (first index wins) appear in the value laws',
    cases: (ctx) =>
      shape({ minRank: 1 }).chain((s) =>
        fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), oneOf<DType>('int32', 'uint32')).map(([axis, indexDtype]) =>
          primCase('argmax', { axis, indexDtype }, [ctx.derivatives ? distinctArray(s, ctx.dtype) : arrayOfShape(s, ctx.dtype)], { diff: [0], types: t(ctx.dtype, s) }),
        ),
      ),
  },
  argmin: {
    prim: 'argmin',
    laws: ['jvp', 'vmap', 'jit'],
    cases: (ctx) =>
      shape({ minRank: 1 }).chain((s) =>
        fc.integer({ min: 0, max: s.length - 1 }).map((axis) =>
          primCase('argmin', { axis, indexDtype: 'int32' }, [ctx.derivatives ? distinctArray(s, ctx.dtype) : arrayOfShape(s, ctx.dtype)], { diff: [0], types: t(ctx.dtype, s) }),
        ),
      ),
  },
  cumsum: {
    prim: 'cumsum',
    laws: [...LINEAR, 'hvp'],
    cases: (ctx) =>
      fc.tuple(shapeZ({ minRank: 1, maxDim: 4 }), ctx.derivatives ? fc.constant(ctx.dtype) : fc.constantFrom<DType>(ctx.dtype, 'int32')).chain(([s, dt]) =>
        fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.boolean()).map(([axis, reverse]) =>
          primCase('cumsum', { axis, reverse }, [arrayOfShape(s, dt)], { diff: isFloat(dt) ? [0] : [], linear: isFloat(dt) ? [0] : [], types: t(dt, s) }),
        ),
      ),
  },
  slice: {
    prim: 'slice',
    laws: LINEAR,
    cases: (ctx) =>
      shape({ maxDim: 5 }).chain((s) =>
        fc
          .tuple(
            fc.tuple(...s.map((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d }), fc.integer({ min: 1, max: 3 })))),
            fc.boolean(),
          )
          .map(([ax, useStrides]) => {
            const startIndices = ax.map(([a, b]) => Math.min(a, b)), limitIndices = ax.map(([a, b]) => Math.max(a, b));
            return primCase('slice', { startIndices, limitIndices, strides: useStrides ? ax.map((a) => a[2]) : null }, [floatArray(s, ctx.dtype)], {
              diff: [0],
              linear: [0],
              types: t(ctx.dtype, s),
            });
          }),
      ),
  },
  pad: {
    prim: 'pad',
    laws: LINEAR,
    notes: 'negative low/high (cropping) and interior padding; linear jointly in operand and padding value',
    cases: (ctx) =>
      shape({ maxRank: 3 }).chain((s) =>
        fc
          .tuple(
            ...s.map((d) =>
              fc
                .tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 2 }))
                .filter(([lo, hi, int]) => lo + hi + d + Math.max(0, d - 1) * int >= 0),
            ),
          )
          .map((cfg) =>
            primCase('pad', { paddingConfig: cfg as unknown as [number, number, number][] }, [floatArray(s, ctx.dtype), floatArray([], ctx.dtype)], {
              diff: [0, 1],
              linear: [0, 1],
              types: `${t(ctx.dtype, s)}, ${t(ctx.dtype, [])}`,
            }),
          ),
      ),
  },
  concatenate: {
    prim: 'concatenate',
    laws: LINEAR,
    cases: (ctx) =>
      shape({ minRank: 1, maxRank: 3 }).chain((s) =>
        fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })).map(([dimension, sizes]) => {
          const shapes = sizes.map((k) => s.map((d, i) => (i === dimension ? k : d)));
          return primCase('concatenate', { dimension }, shapes.map((sh) => floatArray(sh, ctx.dtype)), {
            diff: range(sizes.length),
            linear: range(sizes.length),
            types: shapes.map((sh) => t(ctx.dtype, sh)).join(', '),
          });
        }),
      ),
  },
  rev: {
    prim: 'rev',
    laws: LINEAR,
    cases: (ctx) => shapeZ().chain((s) => axesSubset(s.length).map((dimensions) => primCase('rev', { dimensions }, [floatArray(s, ctx.dtype)], { diff: [0], linear: [0], types: t(ctx.dtype, s) }))),
  },
  dynamicSlice: {
    prim: 'dynamicSlice',
    laws: LINEAR,
    notes: 'start indices include out-of-range and negative values (clamped)',
    cases: (ctx) =>
      shape({ maxRank: 3, maxDim: 4 }).chain((s) =>
        fc.tuple(...s.map((d) => fc.integer({ min: 1, max: d }))).map((sliceSizes) =>
          primCase('dynamicSlice', { sliceSizes }, [floatArray(s, ctx.dtype), ...s.map((d) => fc.integer({ min: -2, max: d + 1 }).map(int32Scalar))], {
            diff: [0],
            linear: [0],
            types: `${t(ctx.dtype, s)}, ${s.map(() => 'i32[]').join(', ')}`,
          }),
        ),
      ),
  },
  dynamicUpdateSlice: {
    prim: 'dynamicUpdateSlice',
    laws: LINEAR,
    notes: 'linear jointly in operand and update; start indices clamped',
    cases: (ctx) =>
      shape({ maxRank: 3, maxDim: 4 }).chain((s) =>
        fc.tuple(...s.map((d) => fc.integer({ min: 1, max: d }))).map((us) =>
          primCase('dynamicUpdateSlice', {}, [floatArray(s, ctx.dtype), floatArray(us, ctx.dtype), ...s.map((d) => fc.integer({ min: -2, max: d + 1 }).map(int32Scalar))], {
            diff: [0, 1],
            linear: [0, 1],
            types: `${t(ctx.dtype, s)}, ${t(ctx.dtype, us)}, ${s.map(() => 'i32[]').join(', ')}`,
          }),
        ),
      ),
  },
  gather: {
    prim: 'gather',
    laws: [...LINEAR, 'hvp'],
    notes: 'broadcasting index arrays, out-of-range indices (clamped), any outDim',
    cases: (ctx) => gatherCase(ctx, 'gather'),
  },
  scatterAdd: {
    prim: 'scatterAdd',
    laws: LINEAR,
    notes: 'duplicate indices accumulate',
    cases: (ctx) => gatherCase(ctx, 'scatterAdd'),
  },
  scatter: {
    prim: 'scatter',
    laws: LINEAR,
    notes: 'unique in-range indices only (with duplicates "last write wins" has no well-defined derivative); linear jointly in operand and updates',
    cases: (ctx) =>
      shape({ minRank: 1, maxRank: 3 }).chain((s) =>
        fc.shuffledSubarray(range(s.length), { minLength: 1 }).chain((axes) => {
          const dims = axes.map((a) => s[a]!);
          const P = shapeSize(dims);
          return fc.tuple(fc.shuffledSubarray(range(P), { minLength: 1, maxLength: Math.min(P, 4) }), fc.boolean()).chain(([pos, flat]) => {
            const ishape = pos.length === 1 && flat ? [] : [pos.length];
            const coords = axes.map((_, k) => pos.map((p) => Math.floor(p / shapeSize(dims.slice(k + 1))) % dims[k]!));
            return fc.integer({ min: 0, max: s.length - axes.length }).map((outDim) => {
              const us = gatherShape(s, axes, ishape, outDim);
              return primCase('scatter', { axes, outDim }, [floatArray(s, ctx.dtype), floatArray(us, ctx.dtype), ...coords.map((c) => fc.constant(arrayOf(c, ishape, 'int32')))], {
                diff: [0, 1],
                linear: [0, 1],
                types: `${t(ctx.dtype, s)}, ${t(ctx.dtype, us)}, ${coords.map(() => t('int32', ishape)).join(', ')}`,
              });
            });
          });
        }),
      ),
  },
  dotGeneral: {
    prim: 'dotGeneral',
    laws: [...SMOOTH2, 'transpose'],
    notes: 'random batch/contracting dimension numbers in any axis order; bilinear: transposed in one operand at a time',
    cases: (ctx) =>
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
        .filter(([nb, nc, fl, fr]) => nb + nc + fl <= 4 && nb + nc + fr <= 4)
        .chain(([nb, nc, fl, fr]) => {
          const nL = nb + nc + fl, nR = nb + nc + fr;
          return fc
            .tuple(
              fc.array(fc.oneof({ weight: 11, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }), { minLength: nb + nc + fl + fr, maxLength: nb + nc + fl + fr }),
              permutation(nL),
              permutation(nR),
              ctx.derivatives ? fc.constant(ctx.dtype) : fc.constantFrom<DType>(ctx.dtype, 'int32'),
              fc.boolean(),
              oneOf([0], [1]),
            )
            .map(([sizes, pl, pr, dt, pref, linear]) => {
              // logical dims: batch 0..nb-1, contract nb..nb+nc-1, lhs free, rhs free; pl[k] = lhs axis of logical k
              const bsz = sizes.slice(0, nb), csz = sizes.slice(nb, nb + nc), lsz = sizes.slice(nb + nc, nb + nc + fl), rsz = sizes.slice(nb + nc + fl);
              const lshape = new globalThis.Array<number>(nL), rshape = new globalThis.Array<number>(nR);
              [...bsz, ...csz, ...lsz].forEach((d, k) => (lshape[pl[k]!] = d));
              [...bsz, ...csz, ...rsz].forEach((d, k) => (rshape[pr[k]!] = d));
              // free axes keep their relative order in the output, which is what any permutation gives.
              const params = {
                contract: [range(nc, nb).map((k) => pl[k]!), range(nc, nb).map((k) => pr[k]!)] as const,
                batch: [range(nb).map((k) => pl[k]!), range(nb).map((k) => pr[k]!)] as const,
                preferredElementType: pref ? dt : null,
              };
              return primCase('dotGeneral', params, [arrayOfShape(lshape, dt), arrayOfShape(rshape, dt)], {
                diff: isFloat(dt) ? [0, 1] : [],
                linear: isFloat(dt) ? linear : [],
                types: `${t(dt, lshape)}, ${t(dt, rshape)}`,
              });
            });
        }),
  },
  convGeneralDilated: {
    prim: 'convGeneralDilated',
    laws: [...SMOOTH2, 'transpose'],
    notes: 'strides, padding (incl. negative), lhs/rhs dilation, feature and batch groups; 1-2 spatial dims',
    cases: (ctx) =>
      fc
        .record({
          nsp: fc.integer({ min: 1, max: 2 }),
          groups: oneOf<[number, number]>([1, 1], [1, 1], [2, 1], [1, 2]),
          n0: fc.integer({ min: 1, max: 2 }),
          i: fc.integer({ min: 1, max: 2 }),
          o0: fc.integer({ min: 1, max: 2 }),
          linear: oneOf([0], [1]),
        })
        .chain(({ nsp, groups: [G, B], n0, i, o0, linear }) =>
          fc
            .tuple(
              ...range(nsp).map(() =>
                fc
                  .record({
                    size: fc.integer({ min: 1, max: 5 }),
                    k: fc.integer({ min: 1, max: 3 }),
                    stride: fc.integer({ min: 1, max: 2 }),
                    lo: fc.integer({ min: -1, max: 2 }),
                    hi: fc.integer({ min: -1, max: 2 }),
                    ld: fc.integer({ min: 1, max: 2 }),
                    rd: fc.integer({ min: 1, max: 2 }),
                  })
                  .filter(({ size, k, lo, hi, ld, rd }) => (size - 1) * ld + 1 + lo + hi - ((k - 1) * rd + 1) >= 0),
              ),
            )
            .map((sp) => {
              const N = n0 * B, C = i * G, O = o0 * G * B;
              const lshape = [N, C, ...sp.map((a) => a.size)], rshape = [O, i, ...sp.map((a) => a.k)];
              const params: ConvParams = {
                windowStrides: sp.map((a) => a.stride),
                padding: sp.map((a) => [a.lo, a.hi] as const),
                lhsDilation: sp.map((a) => a.ld),
                rhsDilation: sp.map((a) => a.rd),
                featureGroupCount: G,
                batchGroupCount: B,
              };
              return primCase('convGeneralDilated', params, [floatArray(lshape, ctx.dtype), floatArray(rshape, ctx.dtype)], {
                diff: [0, 1],
                linear,
                types: `${t(ctx.dtype, lshape)}, ${t(ctx.dtype, rshape)}`,
              });
            }),
        ),
  },
  sort: {
    prim: 'sort',
    laws: SMOOTH2,
    notes: 'numKeys > 1 sorts lexicographically with tied first keys; tied keys are not differentiated',
    cases: (ctx) =>
      shape({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((s) =>
        fc
          .record({ dimension: fc.integer({ min: 0, max: s.length - 1 }), k: fc.integer({ min: 1, max: 3 }), descending: fc.boolean() })
          .chain(({ dimension, k, descending }) =>
            fc.integer({ min: 1, max: k }).map((numKeys) => {
              const tied = (sh: number[]) => intArray(sh, -1, 1, 'int32').map((x) => arrayOf(x.dataSync() as Int32Array, sh, ctx.dtype));
              const ops = range(k).map((j) => (j === 0 && numKeys > 1 ? tied(s) : j < numKeys ? distinctArray(s, ctx.dtype) : floatArray(s, ctx.dtype)));
              const diff = range(k).filter((j) => j >= numKeys || numKeys === 1);
              return primCase('sort', { dimension, numKeys, descending }, ops, { diff, types: range(k).map(() => t(ctx.dtype, s)).join(', ') });
            }),
          ),
      ),
  },
} satisfies { [P in Exclude<Prim, keyof typeof higherOrderSpecs>]: PrimSpec<P> };

/** gather / scatterAdd: broadcasting index arrays with out-of-range values, any axes order and outDim. */
function gatherCase(ctx: CaseCtx, prim: 'gather' | 'scatterAdd'): fc.Arbitrary<Case> {
  return shape({ minRank: 1, maxRank: 3 }).chain((s) =>
    fc.shuffledSubarray(range(s.length), { minLength: prim === 'gather' ? 0 : 1 }).chain((axes) =>
      fc.tuple(broadcastCompatibleShapes(axes.length, { maxRank: 2 }), fc.integer({ min: 0, max: s.length - axes.length })).map(([{ shapes }, outDim]) => {
        const ishape = bshape(shapes);
        const out = gatherShape(s, axes, ishape, outDim);
        const idx = shapes.map((sh, k) => intArray(sh, -1, s[axes[k]!]!, 'int32'));
        const types = [t(ctx.dtype, s), ...(prim === 'scatterAdd' ? [t(ctx.dtype, out)] : []), ...shapes.map((sh) => t('int32', sh))].join(', ');
        return prim === 'gather'
          ? primCase('gather', { axes, outDim }, [floatArray(s, ctx.dtype), ...idx], { diff: [0], linear: [0], types })
          : primCase('scatterAdd', { axes, outDim }, [floatArray(s, ctx.dtype), floatArray(out, ctx.dtype), ...idx], { diff: [0, 1], linear: [0, 1], types });
      }),
    ),
  );
}

/** Every primitive's spec: a missing one is a compile error. */
export const specs = { ...firstOrderSpecs, ...higherOrderSpecs } satisfies { [P in Prim]: PrimSpec<P> };
export type Specs = typeof specs;
