// Parameter initializers (jax.nn.initializers): (key, shape, dtype) -> Array, reproducing JAX's samples for the same key.
import { shapeSize } from '../core/aval.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import * as random from '../random/index.js';
import type { Key } from '../random/index.js';
import { concatenate, divide, full, lit, matmul, moveaxis, multiply, reshape, sqrt, subtract, sum, transpose, square } from './np.js';

/** A float dtype parameters can have. */
export type FloatDType = 'float16' | 'float32' | 'float64';

/**
 * An initializer: a pure function of a PRNG key, a shape and a dtype (default float32), as
 * jax.nn.initializers' `Initializer`.
 */
export type Initializer = (key: Key, shape: readonly number[], dtype?: FloatDType) => Array;

const checkShape = (op: string, shape: readonly number[]): number[] => {
  if (!globalThis.Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new TypeError(`nn.initializers.${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  return shape.slice();
};

/**
 * All zeros.
 * @example
 * nn.initializers.zeros(key, [2, 3]).toJS(); // [[0, 0, 0], [0, 0, 0]]
 */
export const zeros: Initializer = (_key, shape, dtype = 'float32') => full(checkShape('zeros', shape), 0, dtype);

/**
 * All ones.
 * @example
 * nn.initializers.ones(key, [2]).toJS(); // [1, 1]
 */
export const ones: Initializer = (_key, shape, dtype = 'float32') => full(checkShape('ones', shape), 1, dtype);

/**
 * A constant value everywhere.
 * @example
 * nn.initializers.constant(0.5)(key, [2]).toJS(); // [0.5, 0.5]
 */
export const constant = (value: number): Initializer => (_key, shape, dtype = 'float32') => full(checkShape('constant', shape), value, dtype);

/**
 * Uniform samples in [0, scale) (jax.nn.initializers.uniform).
 * @example
 * nn.initializers.uniform(0.1)(random.key(0), [3]);
 */
export const uniform = (scale = 1e-2): Initializer => (key, shape, dtype = 'float32') =>
  random.uniform(key, checkShape('uniform', shape), dtype, 0, scale);

/**
 * Uniform samples in [minval, maxval) (PyTorch's nn.init.uniform_).
 * @example
 * nn.initializers.uniformRange(-0.1, 0.1)(random.key(0), [3]);
 */
export const uniformRange = (minval: number, maxval: number): Initializer => (key, shape, dtype = 'float32') =>
  random.uniform(key, checkShape('uniformRange', shape), dtype, minval, maxval);

/**
 * Normal samples with mean 0 and standard deviation `stddev` (jax.nn.initializers.normal).
 * @example
 * nn.initializers.normal(1)(random.key(0), [3]);
 */
export const normal = (stddev = 1e-2): Initializer => (key, shape, dtype = 'float32') => {
  const z = random.normal(key, checkShape('normal', shape), dtype);
  return multiply(z, lit(stddev, z));
};

/**
 * Normal samples truncated to (lower, upper) standard deviations, then scaled by `stddev`
 * (jax.nn.initializers.truncated_normal).
 * @example
 * nn.initializers.truncatedNormal(0.02)(random.key(0), [3]);
 */
export const truncatedNormal = (stddev = 1e-2, lower = -2, upper = 2): Initializer => (key, shape, dtype = 'float32') => {
  const z = random.truncatedNormal(key, lower, upper, checkShape('truncatedNormal', shape), dtype);
  return multiply(z, lit(stddev, z));
};

/** Which fan variance scaling divides by. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** The distribution of variance scaling. */
export type VarianceDistribution = 'truncatedNormal' | 'normal' | 'uniform';

/** Where the input, output and batch axes of a weight tensor are (the rest form the receptive field). */
export interface FanAxes {
  /** Default -2 (the I of HWIO kernels and of [in, out] matrices). */
  readonly inAxis?: number | readonly number[];
  /** Default -1. */
  readonly outAxis?: number | readonly number[];
  readonly batchAxis?: readonly number[];
}

/**
 * fan_in and fan_out of a weight shape (jax's _compute_fans): in/out sizes times the receptive field
 * (the product of the other, non-batch axes).
 * @example
 * nn.initializers.computeFans([3, 3, 16, 32]); // [144, 288]
 */
export function computeFans(shape: readonly number[], axes: FanAxes = {}): [number, number] {
  if (shape.length < 2)
    throw new TypeError(`nn.initializers.computeFans: a weight shape needs at least 2 axes to have fans, got ${JSON.stringify(shape)}`);
  const norm = (a: number) => (a < 0 ? a + shape.length : a);
  const size = (a: number | readonly number[] | undefined, dflt: number[]) =>
    (a === undefined ? dflt : typeof a === 'number' ? [a] : a).reduce((p, i) => p * shape[norm(i)]!, 1);
  const inSize = size(axes.inAxis, [-2]), outSize = size(axes.outAxis, [-1]), batch = size(axes.batchAxis, []);
  const rf = shapeSize(shape) / inSize / outSize / batch;
  return [inSize * rf, outSize * rf];
}

// stddev of a standard normal truncated to (-2, 2)
const TRUNC_STD = 0.87962566103423978;

/**
 * Samples with variance scale / n, n the fan chosen by `mode` (jax.nn.initializers.variance_scaling):
 * a normal truncated at ±2 std (rescaled to the target std), a normal, or a uniform on ±√(3 scale / n).
 * @example
 * const init = nn.initializers.varianceScaling(2, 'fanIn', 'normal'); // He normal, untruncated
 */
export function varianceScaling(scale: number, mode: FanMode, distribution: VarianceDistribution, axes: FanAxes = {}): Initializer {
  if (!['fanIn', 'fanOut', 'fanAvg'].includes(mode)) throw new TypeError(`nn.initializers.varianceScaling: mode must be 'fanIn', 'fanOut' or 'fanAvg', got ${JSON.stringify(mode)}`);
  if (!['truncatedNormal', 'normal', 'uniform'].includes(distribution))
    throw new TypeError(`nn.initializers.varianceScaling: distribution must be 'truncatedNormal', 'normal' or 'uniform', got ${JSON.stringify(distribution)}`);
  return (key, shape, dtype = 'float32') => {
    const s = checkShape('varianceScaling', shape);
    const [fanIn, fanOut] = computeFans(s, axes);
    const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / n;
    if (distribution === 'truncatedNormal') {
      const z = random.truncatedNormal(key, -2, 2, s, dtype);
      return multiply(z, lit(Math.sqrt(variance) / TRUNC_STD, z));
    }
    if (distribution === 'normal') {
      const z = random.normal(key, s, dtype);
      return multiply(z, lit(Math.sqrt(variance), z));
    }
    const u = random.uniform(key, s, dtype, -1, 1);
    return multiply(u, lit(Math.sqrt(3 * variance), u));
  };
}

/**
 * Glorot/Xavier uniform (Glorot & Bengio 2010): U(±√(6 / (fan_in + fan_out))).
 * @example
 * const w = nn.initializers.glorotUniform()(random.key(0), [784, 128]);
 */
export const glorotUniform = (axes: FanAxes = {}): Initializer => varianceScaling(1, 'fanAvg', 'uniform', axes);
/**
 * Glorot/Xavier normal: truncated normal with std √(2 / (fan_in + fan_out)) (JAX's choice of truncation).
 * @example
 * const w = nn.initializers.glorotNormal()(random.key(0), [784, 128]);
 */
export const glorotNormal = (axes: FanAxes = {}): Initializer => varianceScaling(1, 'fanAvg', 'truncatedNormal', axes);
/**
 * He/Kaiming uniform (He et al. 2015): U(±√(6 / fan_in)), for ReLU networks.
 * @example
 * const w = nn.initializers.heUniform()(random.key(0), [3, 3, 16, 32]);
 */
export const heUniform = (axes: FanAxes = {}): Initializer => varianceScaling(2, 'fanIn', 'uniform', axes);
/**
 * He/Kaiming normal: truncated normal with std √(2 / fan_in).
 * @example
 * const w = nn.initializers.heNormal()(random.key(0), [3, 3, 16, 32]);
 */
export const heNormal = (axes: FanAxes = {}): Initializer => varianceScaling(2, 'fanIn', 'truncatedNormal', axes);
/**
 * LeCun uniform: U(±√(3 / fan_in)) (the default of dense and conv kernels here, as in Flax).
 * @example
 * const w = nn.initializers.lecunUniform()(random.key(0), [4, 4]);
 */
export const lecunUniform = (axes: FanAxes = {}): Initializer => varianceScaling(1, 'fanIn', 'uniform', axes);
/**
 * LeCun normal: truncated normal with std √(1 / fan_in) (for SELU networks).
 * @example
 * const w = nn.initializers.lecunNormal()(random.key(0), [4, 4]);
 */
export const lecunNormal = (axes: FanAxes = {}): Initializer => varianceScaling(1, 'fanIn', 'truncatedNormal', axes);
/** Alias of glorotUniform. @example nn.initializers.xavierUniform()(random.key(0), [2, 2]); */
export const xavierUniform = glorotUniform;
/** Alias of glorotNormal. @example nn.initializers.xavierNormal()(random.key(0), [2, 2]); */
export const xavierNormal = glorotNormal;
/** Alias of heUniform. @example nn.initializers.kaimingUniform()(random.key(0), [2, 2]); */
export const kaimingUniform = heUniform;
/** Alias of heNormal. @example nn.initializers.kaimingNormal()(random.key(0), [2, 2]); */
export const kaimingNormal = heNormal;

/**
 * The thin QR factor Q of a tall matrix a ([m, n], m >= n) with the positive-diagonal convention, by
 * classical Gram-Schmidt with one reorthogonalisation pass ("CGS2", accurate to working precision) in lax
 * ops, so it runs under jit and vmap. This equals LAPACK's Q after JAX's sign correction Q · sign(diag R).
 * @example
 * const q = nn.initializers.gramSchmidt(random.normal(random.key(0), [4, 3]));
 */
export function gramSchmidt(a: Array): Array {
  if (a.ndim !== 2 || a.shape[0]! < a.shape[1]!)
    throw new TypeError(`nn.initializers.gramSchmidt: expects a tall matrix [m, n] with m >= n, got shape ${JSON.stringify(a.shape)}`);
  const n = a.shape[1]!;
  let q: Array | null = null;
  for (let j = 0; j < n; j++) {
    let v = lax.sliceInDim(a, j, j + 1, 1, 1); // [m, 1]
    if (q) for (let pass = 0; pass < 2; pass++) v = subtract(v, matmul(q, matmul(transpose(q), v)));
    const nrm = sqrt(sum(square(v)));
    v = divide(v, nrm);
    q = q ? concatenate([q, v], 1) : v;
  }
  return q!;
}

/**
 * Uniformly distributed (semi-)orthogonal matrices (Saxe et al. 2014; jax.nn.initializers.orthogonal):
 * the Q factor of a normal matrix, sign-corrected, reshaped so the `columnAxis` holds orthonormal columns
 * (or rows when there are more columns than rows), times `scale`.
 * @example
 * const w = nn.initializers.orthogonal()(random.key(0), [64, 64]); // wᵀw ≈ I
 */
export function orthogonal(scale = 1, columnAxis = -1): Initializer {
  return (key, shape, dtype = 'float32') => {
    const s = checkShape('orthogonal', shape);
    if (s.length < 2) throw new TypeError(`nn.initializers.orthogonal: needs a shape with at least 2 axes, got ${JSON.stringify(s)}`);
    const ca = columnAxis < 0 ? columnAxis + s.length : columnAxis;
    if (ca < 0 || ca >= s.length) throw new RangeError(`nn.initializers.orthogonal: columnAxis ${columnAxis} is out of range for shape ${JSON.stringify(s)}`);
    const nCols = s[ca]!, nRows = shapeSize(s) / nCols;
    const wide = nRows < nCols;
    const a = random.normal(key, wide ? [nCols, nRows] : [nRows, nCols], dtype);
    let q = gramSchmidt(a);
    if (wide) q = transpose(q);
    q = reshape(q, [...s.filter((_, i) => i !== ca), nCols]);
    q = moveaxis(q, -1, ca);
    return multiply(q, lit(scale, q));
  };
}
