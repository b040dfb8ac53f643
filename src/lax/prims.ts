// lax: one thin, strict wrapper per primitive (no broadcasting or promotion; np does that) plus constants.
import { ShapedArray } from '../core/aval.js';
import { type DType, castScalar, typedArrayCtor } from '../core/dtype.js';
import type { ConvParams, DotGeneralParams, UnaryPrim, BinaryPrim, ComparePrim } from '../core/primitive.js';
import { Array, bind, bind1 } from '../core/trace.js';
import { ConcreteArray } from '../core/array.js';

/** A concrete scalar array (rank 0) of `dtype`. */
export function scalar(value: number | boolean, dtype: DType, weakType = false): ConcreteArray {
  const d = new typedArrayCtor[dtype](1);
  d[0] = castScalar(Number(value), dtype);
  return new ConcreteArray(new ShapedArray([], dtype, weakType), d);
}

/** `shape`-shaped array of `value` (staged as a broadcast of a scalar, not a materialised constant). */
export function full(shape: readonly number[], value: number | boolean, dtype: DType, weakType = false): Array {
  const s = scalar(value, dtype, weakType);
  return shape.length === 0 ? s : broadcastInDim(s, shape, []);
}
/** A `shape`-shaped array of zeros of `dtype`.
 * @example lax.zeros([2, 3], 'float32') */
export const zeros = (shape: readonly number[], dtype: DType): Array => full(shape, 0, dtype);
/** Zeros with x's shape, dtype and weak type. */
export const zerosLike = (x: Array): Array => full(x.shape, 0, x.dtype, x.weakType);
/** Ones with x's shape, dtype and weak type. */
export const onesLike = (x: Array): Array => full(x.shape, 1, x.dtype, x.weakType);
/** A scalar of x's dtype broadcast to x's shape. */
export const fullLike = (x: Array, v: number): Array => full(x.shape, v, x.dtype, x.weakType);

const un = (p: UnaryPrim) => (x: Array): Array => bind1(p, [x], {});
const bin = (p: BinaryPrim | ComparePrim) => (x: Array, y: Array): Array => bind1(p, [x, y], {});

/** Elementwise −x: the `neg` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.neg(np.array([0.5, 2])) */
export const neg = un('neg');
/** Elementwise sign(x): −1, 0 or 1 (NaN stays NaN): the `sign` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.sign(np.array([0.5, 2])) */
export const sign = un('sign');
/** Elementwise ⌊x⌋: the `floor` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.floor(np.array([0.5, 2])) */
export const floor = un('floor');
/** Elementwise ⌈x⌉: the `ceil` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.ceil(np.array([0.5, 2])) */
export const ceil = un('ceil');
/** Elementwise x rounded to the nearest integer, halves to even: the `round` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.round(np.array([0.5, 2])) */
export const round = un('round');
/** Elementwise |x|: the `abs` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.abs(np.array([0.5, 2])) */
export const abs = un('abs');
/** Elementwise logical not (bool) or bitwise not (integers): the `not` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.not(np.array([true, false])) */
export const not = un('not');
/** Elementwise whether x is neither infinite nor NaN (bool result): the `isFinite` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.isFinite(np.array([0.5, Infinity])) */
export const isFinite = un('isFinite');
/** Elementwise eˣ: the `exp` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.exp(np.array([0.5, 2])) */
export const exp = un('exp');
/** Elementwise 2ˣ: the `exp2` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.exp2(np.array([0.5, 2])) */
export const exp2 = un('exp2');
/** Elementwise natural logarithm ln x: the `log` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.log(np.array([0.5, 2])) */
export const log = un('log');
/** Elementwise ln(1 + x), accurate near 0: the `log1p` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.log1p(np.array([0.5, 2])) */
export const log1p = un('log1p');
/** Elementwise eˣ − 1, accurate near 0: the `expm1` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.expm1(np.array([0.5, 2])) */
export const expm1 = un('expm1');
/** Elementwise √x: the `sqrt` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.sqrt(np.array([0.5, 2])) */
export const sqrt = un('sqrt');
/** Elementwise 1/√x: the `rsqrt` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.rsqrt(np.array([0.5, 2])) */
export const rsqrt = un('rsqrt');
/** Elementwise ∛x: the `cbrt` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.cbrt(np.array([0.5, 2])) */
export const cbrt = un('cbrt');
/** Elementwise sin x: the `sin` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.sin(np.array([0.5, 2])) */
export const sin = un('sin');
/** Elementwise cos x: the `cos` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.cos(np.array([0.5, 2])) */
export const cos = un('cos');
/** Elementwise tan x: the `tan` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.tan(np.array([0.5, 2])) */
export const tan = un('tan');
/** Elementwise arcsin x: the `asin` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.asin(np.array([0.5, 2])) */
export const asin = un('asin');
/** Elementwise arccos x: the `acos` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.acos(np.array([0.5, 2])) */
export const acos = un('acos');
/** Elementwise arctan x: the `atan` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.atan(np.array([0.5, 2])) */
export const atan = un('atan');
/** Elementwise sinh x: the `sinh` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.sinh(np.array([0.5, 2])) */
export const sinh = un('sinh');
/** Elementwise cosh x: the `cosh` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.cosh(np.array([0.5, 2])) */
export const cosh = un('cosh');
/** Elementwise tanh x: the `tanh` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.tanh(np.array([0.5, 2])) */
export const tanh = un('tanh');
/** Elementwise arsinh x: the `asinh` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.asinh(np.array([0.5, 2])) */
export const asinh = un('asinh');
/** Elementwise arcosh x: the `acosh` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.acosh(np.array([0.5, 2])) */
export const acosh = un('acosh');
/** Elementwise artanh x: the `atanh` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.atanh(np.array([0.5, 2])) */
export const atanh = un('atanh');
/** Elementwise the logistic sigmoid 1 / (1 + e⁻ˣ): the `logistic` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.logistic(np.array([0.5, 2])) */
export const logistic = un('logistic');
/** Elementwise the error function erf x: the `erf` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.erf(np.array([0.5, 2])) */
export const erf = un('erf');
/** Elementwise the inverse error function: the `erfInv` primitive (strict: no promotion; see np for the numpy-style version).
 * @example lax.erfInv(np.array([0.5, 2])) */
export const erfInv = un('erfInv');

/** Elementwise x + y: the `add` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.add(np.array([1, 2]), np.array([3, 4])) */
export const add = bin('add');
/** Elementwise x − y: the `sub` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.sub(np.array([1, 2]), np.array([3, 4])) */
export const sub = bin('sub');
/** Elementwise x · y: the `mul` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.mul(np.array([1, 2]), np.array([3, 4])) */
export const mul = bin('mul');
/** Elementwise x / y (integer division truncates toward zero): the `div` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.div(np.array([1, 2]), np.array([3, 4])) */
export const div = bin('div');
/** Elementwise the remainder of x / y with the sign of x (C fmod): the `rem` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.rem(np.array([1, 2]), np.array([3, 4])) */
export const rem = bin('rem');
/** Elementwise xʸ: the `pow` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.pow(np.array([1, 2]), np.array([3, 4])) */
export const pow = bin('pow');
/** Elementwise max(x, y) (NaN-propagating): the `max` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.max(np.array([1, 2]), np.array([3, 4])) */
export const max = bin('max');
/** Elementwise min(x, y) (NaN-propagating): the `min` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.min(np.array([1, 2]), np.array([3, 4])) */
export const min = bin('min');
/** Elementwise atan2(x, y), the angle of the point (y, x): the `atan2` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.atan2(np.array([1, 2]), np.array([3, 4])) */
export const atan2 = bin('atan2');
/** Elementwise logical (bool) or bitwise (integers) and: the `and` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.and(np.array([true, false]), np.array([true, true])) */
export const and = bin('and');
/** Elementwise logical (bool) or bitwise (integers) or: the `or` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.or(np.array([true, false]), np.array([true, true])) */
export const or = bin('or');
/** Elementwise logical (bool) or bitwise (integers) exclusive or: the `xor` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.xor(np.array([true, false]), np.array([true, true])) */
export const xor = bin('xor');
/** Elementwise x << y (integers): the `shiftLeft` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.shiftLeft(np.array([1, 2], 'int32'), np.array([3, 4], 'int32')) */
export const shiftLeft = bin('shiftLeft');
/** Elementwise x >>> y (integers, zero fill): the `shiftRightLogical` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.shiftRightLogical(np.array([1, 2], 'int32'), np.array([3, 4], 'int32')) */
export const shiftRightLogical = bin('shiftRightLogical');
/** Elementwise x == y (bool result): the `eq` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.eq(np.array([1, 2]), np.array([3, 4])) */
export const eq = bin('eq');
/** Elementwise x != y (bool result): the `ne` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.ne(np.array([1, 2]), np.array([3, 4])) */
export const ne = bin('ne');
/** Elementwise x < y (bool result): the `lt` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.lt(np.array([1, 2]), np.array([3, 4])) */
export const lt = bin('lt');
/** Elementwise x <= y (bool result): the `le` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.le(np.array([1, 2]), np.array([3, 4])) */
export const le = bin('le');
/** Elementwise x > y (bool result): the `gt` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.gt(np.array([1, 2]), np.array([3, 4])) */
export const gt = bin('gt');
/** Elementwise x >= y (bool result): the `ge` primitive (strict: same shapes and dtypes; np broadcasts and promotes).
 * @example lax.ge(np.array([1, 2]), np.array([3, 4])) */
export const ge = bin('ge');

/** Elementwise `pred ? onTrue : onFalse` (all the same shape; pred bool). */
export const select = (pred: Array, onTrue: Array, onFalse: Array): Array => bind1('select', [pred, onTrue, onFalse], {});
/** Casts x to `newDtype` (the `convertElementType` primitive; float→int truncates toward zero).
 * @example lax.convertElementType(np.array([1.7, -1.7]), 'int32') // [1, -1] */
export const convertElementType = (x: Array, newDtype: DType, weakType = false): Array =>
  x.dtype === newDtype && x.weakType === weakType ? x : bind1('convertElementType', [x], { newDtype, weakType });
/** Reinterprets the bits of x as `newDtype` of the same width (e.g. float32 ↔ uint32). */
export const bitcastConvertType = (x: Array, newDtype: DType): Array => bind1('bitcastConvertType', [x], { newDtype });
/** The identity whose derivative is zero: gradients do not flow through it (the `stopGradient` primitive). */
export const stopGradient = (x: Array): Array => bind1('stopGradient', [x], {});

/** Integers 0, 1, … along `dimension`, broadcast to `shape` (the `iota` primitive).
 * @example lax.iota('int32', [3]) // [0, 1, 2] */
export const iota = (dtype: DType, shape: readonly number[], dimension = 0): Array =>
  bind1('iota', [], { dtype, shape: shape.slice(), dimension });
/** Broadcasts x to `shape`, operand axis i landing on `broadcastDimensions[i]` (sizes must match or be 1).
 * @example lax.broadcastInDim(np.array([1, 2]), [3, 2], [1]) */
export const broadcastInDim = (x: Array, shape: readonly number[], broadcastDimensions: readonly number[]): Array =>
  bind1('broadcastInDim', [x], { shape: shape.slice(), broadcastDimensions: broadcastDimensions.slice() });
/** Reshapes x to `newSizes` (row-major order, same number of elements). */
export const reshape = (x: Array, newSizes: readonly number[]): Array =>
  x.shape.length === newSizes.length && x.shape.every((d, i) => d === newSizes[i])
    ? x
    : bind1('reshape', [x], { newSizes: newSizes.slice() });
/** Permutes x's axes: output axis i is input axis `permutation[i]`. */
export const transpose = (x: Array, permutation: readonly number[]): Array =>
  permutation.every((p, i) => p === i) ? x : bind1('transpose', [x], { permutation: permutation.slice() });
/** Sums x over `axes` (removed from the shape). */
export const reduceSum = (x: Array, axes: readonly number[]): Array =>
  axes.length === 0 ? x : bind1('reduceSum', [x], { axes: axes.slice() });
/** The maximum of x over `axes` (removed from the shape); NaN propagates. */
export const reduceMax = (x: Array, axes: readonly number[]): Array =>
  axes.length === 0 ? x : bind1('reduceMax', [x], { axes: axes.slice() });
/** The minimum of x over `axes` (removed from the shape); NaN propagates. */
export const reduceMin = (x: Array, axes: readonly number[]): Array =>
  axes.length === 0 ? x : bind1('reduceMin', [x], { axes: axes.slice() });
/** The product of x over `axes` (removed from the shape). */
export const reduceProd = (x: Array, axes: readonly number[]): Array =>
  axes.length === 0 ? x : bind1('reduceProd', [x], { axes: axes.slice() });
/** The index of the first maximum of x along `axis` (NaN counts as the maximum), as `indexDtype`. */
export const argmax = (x: Array, axis: number, indexDtype: DType = 'int32'): Array =>
  bind1('argmax', [x], { axis, indexDtype });
/** The index of the first minimum of x along `axis` (NaN counts as the minimum), as `indexDtype`. */
export const argmin = (x: Array, axis: number, indexDtype: DType = 'int32'): Array =>
  bind1('argmin', [x], { axis, indexDtype });
/** Inclusive cumulative sum along `axis` (from the end when `reverse`). */
export const cumsum = (x: Array, axis: number, reverse = false): Array => bind1('cumsum', [x], { axis, reverse });
/** The static slice x[start:limit:stride] per axis (the `slice` primitive). */
export const slice = (
  x: Array,
  startIndices: readonly number[],
  limitIndices: readonly number[],
  strides: readonly number[] | null = null,
): Array =>
  startIndices.every((s) => s === 0) && limitIndices.every((l, i) => l === x.shape[i]) && (!strides || strides.every((s) => s === 1))
    ? x
    : bind1('slice', [x], {
        startIndices: startIndices.slice(),
        limitIndices: limitIndices.slice(),
        strides: strides && strides.some((s) => s !== 1) ? strides.slice() : null,
      });
/** Slice along one axis. */
export function sliceInDim(x: Array, start: number, limit: number, stride = 1, axis = 0): Array {
  const st = x.shape.map(() => 0), lim = x.shape.slice(), str = x.shape.map(() => 1);
  st[axis] = start;
  lim[axis] = limit;
  str[axis] = stride;
  return slice(x, st, lim, str);
}
/** Pads x with `paddingValue` (a scalar): per axis [low, high, interior]; negative low/high crop. */
export const pad = (x: Array, paddingValue: Array, paddingConfig: readonly (readonly [number, number, number])[]): Array =>
  paddingConfig.every(([l, h, i]) => l === 0 && h === 0 && i === 0)
    ? x
    : bind1('pad', [x, paddingValue], { paddingConfig: paddingConfig.map((c) => [c[0], c[1], c[2]] as const) });
/** Joins arrays along `dimension` (other axes must agree). */
export const concatenate = (xs: readonly Array[], dimension: number): Array =>
  xs.length === 1 ? xs[0]! : bind1('concatenate', xs, { dimension });
/** Reverses x along `dimensions`. */
export const rev = (x: Array, dimensions: readonly number[]): Array =>
  dimensions.length === 0 ? x : bind1('rev', [x], { dimensions: dimensions.slice() });
/** A slice of static `sliceSizes` at traced `startIndices` (clamped into range, as in XLA). */
export const dynamicSlice = (x: Array, startIndices: readonly Array[], sliceSizes: readonly number[]): Array =>
  bind1('dynamicSlice', [x, ...startIndices], { sliceSizes: sliceSizes.slice() });
/** x with `update` written at traced `startIndices` (clamped into range). */
export const dynamicUpdateSlice = (x: Array, update: Array, startIndices: readonly Array[]): Array =>
  bind1('dynamicUpdateSlice', [x, update, ...startIndices], {});
/** Advanced indexing: x indexed on `axes` by broadcast integer `indices`, the index dims placed at `outDim`. */
export const gather = (x: Array, indices: readonly Array[], axes: readonly number[], outDim: number): Array =>
  bind1('gather', [x, ...indices], { axes: axes.slice(), outDim });
/** The transpose of gather: x with `updates` added at `indices` on `axes` (duplicates accumulate). */
export const scatterAdd = (x: Array, updates: Array, indices: readonly Array[], axes: readonly number[], outDim: number): Array =>
  bind1('scatterAdd', [x, updates, ...indices], { axes: axes.slice(), outDim });
/** x with `updates` written at `indices` on `axes` (the last write wins for duplicates). */
export const scatter = (x: Array, updates: Array, indices: readonly Array[], axes: readonly number[], outDim: number): Array =>
  bind1('scatter', [x, updates, ...indices], { axes: axes.slice(), outDim });
/** The general tensor contraction of XLA: contracts `contract` axes and batches over `batch` axes;
 * output is batch dims, then x's free dims, then y's free dims.
 * @example lax.dotGeneral(a, b, [[1], [0]]) // matrix product of 2-D a and b */
export const dotGeneral = (
  x: Array,
  y: Array,
  contract: readonly [readonly number[], readonly number[]],
  batch: readonly [readonly number[], readonly number[]] = [[], []],
  preferredElementType: DType | null = null,
): Array =>
  bind1('dotGeneral', [x, y], {
    contract: [contract[0].slice(), contract[1].slice()],
    batch: [batch[0].slice(), batch[1].slice()],
    preferredElementType,
  } satisfies DotGeneralParams);
/** The general N-d convolution of XLA (strides, padding, lhs/rhs dilation, feature groups, layouts in `params`). */
export const convGeneralDilated = (lhs: Array, rhs: Array, params: ConvParams): Array =>
  bind1('convGeneralDilated', [lhs, rhs], params);
/** Sorts `operands` along `dimension` by their first `numKeys` operands (stable); the rest follow. */
export const sort = (operands: readonly Array[], dimension: number, numKeys = 1, descending = false): Array[] =>
  bind('sort', operands, { dimension, numKeys, descending });
