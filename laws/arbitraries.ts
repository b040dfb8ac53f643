// fast-check arbitraries for tensorlaw: shapes, dtypes, arrays with controlled value domains, and pytrees.
import fc from 'fast-check';
import { shapeSize } from '../src/core/aval.js';
import { type DType, isFloat } from '../src/core/dtype.js';
import type { ConcreteArray } from '../src/core/array.js';
import type { Array } from '../src/core/trace.js';
import { arrayOf } from './util.js';

// ---------------------------------------------------------------------------------------------
// Shapes

/** Limits for generated shapes: rank range, maximum axis size, maximum element count. */
export interface ShapeConstraints {
  readonly minRank?: number;
  readonly maxRank?: number;
  readonly minDim?: number;
  readonly maxDim?: number;
  /** Now and then (1 in 12 dims) a zero-sized dimension: empty arrays. */
  readonly zeroDims?: boolean;
}

/** A shape of rank minRank..maxRank (default 0..4) with dims minDim..maxDim (default 1..3). */
export function shape(c: ShapeConstraints = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, minDim = 1, maxDim = 3 } = c;
  const dim = fc.integer({ min: minDim, max: maxDim });
  return fc.array(c.zeroDims ? fc.oneof({ weight: 11, arbitrary: dim }, { weight: 1, arbitrary: fc.constant(0) }) : dim, { minLength: minRank, maxLength: maxRank });
}

/**
 * `n` shapes that broadcast together (numpy rules) and their common shape: each is a suffix of the
 * common shape with some axes set to 1.
 */
export function broadcastCompatibleShapes(n: number, c: ShapeConstraints = {}): fc.Arbitrary<{ shapes: number[][]; common: number[] }> {
  return shape(c).chain((common) =>
    fc
      .array(
        fc.tuple(
          fc.integer({ min: 0, max: common.length }),
          fc.array(fc.boolean(), { minLength: common.length, maxLength: common.length }),
        ),
        { minLength: n, maxLength: n },
      )
      .map((ops) => ({
        common,
        shapes: ops.map(([drop, ones]) => common.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
      })),
  );
}

/** A permutation of 0..n-1. */
export const permutation = (n: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray(range(n), { minLength: n, maxLength: n });

/** A sorted subset of 0..n-1 (possibly empty unless minLength > 0). */
export const axesSubset = (n: number, minLength = 0): fc.Arbitrary<number[]> =>
  fc.subarray(range(n), { minLength: Math.min(minLength, n) });

/** [start, start + 1, …, start + n − 1]. */
export const range = (n: number, start = 0): number[] => globalThis.Array.from({ length: n }, (_, i) => i + start);

// ---------------------------------------------------------------------------------------------
// dtypes

/** A fast-check arbitrary over the float dtypes. */
export const floatDtype = (): fc.Arbitrary<DType> => fc.constantFrom<DType>('float32', 'float64');
/** A fast-check arbitrary over the integer dtypes. */
export const intDtype = (): fc.Arbitrary<DType> => fc.constantFrom<DType>('int32', 'uint32');
/** A fast-check arbitrary over every dtype. */
export const dtype = (): fc.Arbitrary<DType> => fc.constantFrom<DType>('float32', 'float64', 'int32', 'uint32', 'bool');

// ---------------------------------------------------------------------------------------------
// Value domains: where an op is defined and smooth, with margins around the points it is not.

/** An interval of values with an optional predicate of values to reject (kinks, poles, branch cuts). */
export interface Domain {
  readonly min: number;
  readonly max: number;
  readonly reject?: (x: number) => boolean;
  readonly name?: string;
}

const nearInt = (m: number) => (x: number): boolean => Math.abs(x - Math.round(x)) < m;
/** Input domains for primitives with restricted domains (positive, nonzero, (−1, 1), off integers, …). */
export const domains = {
  /** Every op's default: moderate magnitudes. */
  real: { min: -3, max: 3, name: 'real' },
  /** log, sqrt, rsqrt, pow base: positive and away from 0. */
  positive: { min: 0.1, max: 4, name: 'positive' },
  /** asin, acos, atanh, erfInv: inside (-1, 1) with a margin. */
  unit: { min: -0.9, max: 0.9, name: 'unit' },
  /** log1p: above -1. */
  aboveMinusOne: { min: -0.8, max: 3, name: 'aboveMinusOne' },
  /** acosh: above 1. */
  aboveOne: { min: 1.1, max: 4, name: 'aboveOne' },
  /** tan: inside (-π/2, π/2) with a margin. */
  tan: { min: -1.3, max: 1.3, name: 'tan' },
  /** abs, sign, cbrt, denominators: away from 0. */
  nonzero: { min: -3, max: 3, reject: (x: number) => Math.abs(x) < 0.2, name: 'nonzero' },
  /** floor, ceil: away from the integers where they jump. */
  offInteger: { min: -3, max: 3, reject: nearInt(0.05), name: 'offInteger' },
  /** round: away from the half-integers where it jumps. */
  offHalfInteger: { min: -3, max: 3, reject: (x: number) => nearInt(0.05)(x + 0.5), name: 'offHalfInteger' },
  /** exp-like growth kept small. */
  small: { min: -2, max: 2, name: 'small' },
  /** tangents and cotangents. */
  direction: { min: -1, max: 1, name: 'direction' },
} as const satisfies Record<string, Domain>;

/** One float value in a domain. */
export function floatValue(d: Domain = domains.real): fc.Arbitrary<number> {
  const base = fc.double({ min: d.min, max: d.max, noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x));
  return d.reject ? base.filter((x) => !d.reject!(x)) : base;
}

/** `n` float values in a domain. */
export const floatValues = (n: number, d: Domain = domains.real): fc.Arbitrary<number[]> =>
  fc.array(floatValue(d), { minLength: n, maxLength: n });

/** A float array of a fixed shape with values in a domain (float64 by default, as derivative laws want). */
export function floatArray(shp: readonly number[], dt: DType = 'float64', d: Domain = domains.real): fc.Arbitrary<ConcreteArray> {
  if (!isFloat(dt)) throw new TypeError(`laws.floatArray: ${dt} is not a float dtype`);
  return floatValues(shapeSize(shp), d).map((v) => arrayOf(v, shp, dt));
}

/**
 * A float array whose values are pairwise at least (max-min)/(2n) apart (no ties: what max, sort and
 * argmax need to be differentiable and to agree under every evaluation order).
 */
export function distinctArray(shp: readonly number[], dt: DType = 'float64', d: Domain = domains.real): fc.Arbitrary<ConcreteArray> {
  const n = shapeSize(shp);
  return fc
    .tuple(
      fc.array(fc.integer(), { minLength: n, maxLength: n }),
      fc.array(fc.double({ min: 0.25, max: 0.75, noNaN: true }), { minLength: n, maxLength: n }),
    )
    .map(([keys, jitter]) => {
      const order = range(n).sort((a, b) => keys[a]! - keys[b]! || a - b);
      const v = new globalThis.Array<number>(n);
      order.forEach((pos, rank) => (v[pos] = d.min + ((rank + jitter[pos]!) * (d.max - d.min)) / n));
      return arrayOf(v, shp, dt);
    });
}

/** An integer array with values in [min, max] (int32 by default). */
export function intArray(shp: readonly number[], min: number, max: number, dt: DType = 'int32'): fc.Arbitrary<ConcreteArray> {
  return fc.array(fc.integer({ min, max }), { minLength: shapeSize(shp), maxLength: shapeSize(shp) }).map((v) => arrayOf(v, shp, dt));
}

/** A bool array. */
export function boolArray(shp: readonly number[]): fc.Arbitrary<ConcreteArray> {
  return fc.array(fc.boolean(), { minLength: shapeSize(shp), maxLength: shapeSize(shp) }).map((v) => arrayOf(v.map(Number), shp, 'bool'));
}

/**
 * An array of a fixed shape and any dtype: floats from the domain (with a sprinkle of exact small
 * integers so ties and exact comparisons happen, unless the domain rejects points), ints in a small
 * signed/unsigned range, bools.
 */
export function arrayOfShape(shp: readonly number[], dt: DType, d: Domain = domains.real): fc.Arbitrary<ConcreteArray> {
  const n = shapeSize(shp);
  switch (dt) {
    case 'float16':
    case 'float32':
    case 'float64':
      return fc
        .array(
          d.reject
            ? floatValue(d)
            : fc.oneof({ weight: 4, arbitrary: floatValue(d) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }).map((k) => Math.min(d.max, Math.max(d.min, k))) }),
          { minLength: n, maxLength: n },
        )
        .map((v) => arrayOf(v, shp, dt));
    case 'int32':
      return intArray(shp, -9, 9, 'int32');
    case 'uint32':
      return intArray(shp, 0, 9, 'uint32');
    case 'bool':
      return boolArray(shp);
  }
}

/** A random array: random shape (see `shape`) and dtype (default: any). */
export function array(c: ShapeConstraints & { dtype?: fc.Arbitrary<DType>; domain?: Domain } = {}): fc.Arbitrary<ConcreteArray> {
  return fc.tuple(shape(c), c.dtype ?? dtype()).chain(([s, dt]) => arrayOfShape(s, dt, c.domain));
}

/** A direction (tangent or cotangent) for `x`: same shape and dtype, values in [-1, 1]. */
export const directionFor = (x: Array): fc.Arbitrary<ConcreteArray> => floatArray(x.shape, x.dtype, domains.direction);

// ---------------------------------------------------------------------------------------------
// Pytrees

/** A pytree: nested JS arrays, plain objects and nulls with leaves drawn from `leaf`. */
export function pytree<T>(leaf: fc.Arbitrary<T>, c: { maxDepth?: number; maxChildren?: number; nulls?: boolean } = {}): fc.Arbitrary<unknown> {
  const { maxDepth = 3, maxChildren = 3, nulls = true } = c;
  const key = fc.constantFrom('a', 'b', 'c', 'w', 'bias', 'layer0', 'z');
  const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      leaf as fc.Arbitrary<unknown>,
      ...(nulls ? [{ weight: 1, arbitrary: fc.constant(null) as fc.Arbitrary<unknown> }] : []),
      fc.array(tie('tree'), { maxLength: maxChildren }),
      fc.dictionary(key, tie('tree'), { maxKeys: maxChildren }),
    ),
  }));
  return tree;
}

/** A pytree of small float64 arrays (what checkGrads and the tree laws take). */
export const arrayTree = (c: { maxDepth?: number } = {}): fc.Arbitrary<unknown> =>
  pytree(array({ maxRank: 2, dtype: fc.constant<DType>('float64') }), c);
