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
export const zeros = (shape: readonly number[], dtype: DType): Array => full(shape, 0, dtype);
export const zerosLike = (x: Array): Array => full(x.shape, 0, x.dtype, x.weakType);
export const onesLike = (x: Array): Array => full(x.shape, 1, x.dtype, x.weakType);
/** A scalar of x's dtype broadcast to x's shape. */
export const fullLike = (x: Array, v: number): Array => full(x.shape, v, x.dtype, x.weakType);

const un = (p: UnaryPrim) => (x: Array): Array => bind1(p, [x], {});
const bin = (p: BinaryPrim | ComparePrim) => (x: Array, y: Array): Array => bind1(p, [x, y], {});

export const neg = un('neg'), sign = un('sign'), floor = un('floor'), ceil = un('ceil'), round = un('round');
export const abs = un('abs'), not = un('not'), isFinite = un('isFinite');
export const exp = un('exp'), exp2 = un('exp2'), log = un('log'), log1p = un('log1p'), expm1 = un('expm1');
export const sqrt = un('sqrt'), rsqrt = un('rsqrt'), cbrt = un('cbrt');
export const sin = un('sin'), cos = un('cos'), tan = un('tan'), asin = un('asin'), acos = un('acos'), atan = un('atan');
export const sinh = un('sinh'), cosh = un('cosh'), tanh = un('tanh');
export const asinh = un('asinh'), acosh = un('acosh'), atanh = un('atanh');
export const logistic = un('logistic'), erf = un('erf'), erfInv = un('erfInv');

export const add = bin('add'), sub = bin('sub'), mul = bin('mul'), div = bin('div'), rem = bin('rem');
export const pow = bin('pow'), max = bin('max'), min = bin('min'), atan2 = bin('atan2');
export const and = bin('and'), or = bin('or'), xor = bin('xor');
export const shiftLeft = bin('shiftLeft'), shiftRightLogical = bin('shiftRightLogical');
export const eq = bin('eq'), ne = bin('ne'), lt = bin('lt'), le = bin('le'), gt = bin('gt'), ge = bin('ge');

/** Elementwise `pred ? onTrue : onFalse` (all the same shape; pred bool). */
export const select = (pred: Array, onTrue: Array, onFalse: Array): Array => bind1('select', [pred, onTrue, onFalse], {});
export const convertElementType = (x: Array, newDtype: DType, weakType = false): Array =>
  x.dtype === newDtype && x.weakType === weakType ? x : bind1('convertElementType', [x], { newDtype, weakType });
export const bitcastConvertType = (x: Array, newDtype: DType): Array => bind1('bitcastConvertType', [x], { newDtype });
export const stopGradient = (x: Array): Array => bind1('stopGradient', [x], {});

export const iota = (dtype: DType, shape: readonly number[], dimension = 0): Array =>
  bind1('iota', [], { dtype, shape: shape.slice(), dimension });
export const broadcastInDim = (x: Array, shape: readonly number[], broadcastDimensions: readonly number[]): Array =>
  bind1('broadcastInDim', [x], { shape: shape.slice(), broadcastDimensions: broadcastDimensions.slice() });
export const reshape = (x: Array, newSizes: readonly number[]): Array =>
  x.shape.length === newSizes.length && x.shape.every((d, i) => d === newSizes[i])
    ? x
    : bind1('reshape', [x], { newSizes: newSizes.slice() });
export const transpose = (x: Array, permutation: readonly number[]): Array =>
  permutation.every((p, i) => p === i) ? x : bind1('transpose', [x], { permutation: permutation.slice() });
export const reduceSum = (x: Array, axes: readonly number[]): Array =>
  axes.length === 0 ? x : bind1('reduceSum', [x], { axes: axes.slice() });
export const reduceMax = (x: Array, axes: readonly number[]): Array =>
  axes.length === 0 ? x : bind1('reduceMax', [x], { axes: axes.slice() });
export const reduceMin = (x: Array, axes: readonly number[]): Array =>
  axes.length === 0 ? x : bind1('reduceMin', [x], { axes: axes.slice() });
export const reduceProd = (x: Array, axes: readonly number[]): Array =>
  axes.length === 0 ? x : bind1('reduceProd', [x], { axes: axes.slice() });
export const argmax = (x: Array, axis: number, indexDtype: DType = 'int32'): Array =>
  bind1('argmax', [x], { axis, indexDtype });
export const argmin = (x: Array, axis: number, indexDtype: DType = 'int32'): Array =>
  bind1('argmin', [x], { axis, indexDtype });
export const cumsum = (x: Array, axis: number, reverse = false): Array => bind1('cumsum', [x], { axis, reverse });
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
export const pad = (x: Array, paddingValue: Array, paddingConfig: readonly (readonly [number, number, number])[]): Array =>
  paddingConfig.every(([l, h, i]) => l === 0 && h === 0 && i === 0)
    ? x
    : bind1('pad', [x, paddingValue], { paddingConfig: paddingConfig.map((c) => [c[0], c[1], c[2]] as const) });
export const concatenate = (xs: readonly Array[], dimension: number): Array =>
  xs.length === 1 ? xs[0]! : bind1('concatenate', xs, { dimension });
export const rev = (x: Array, dimensions: readonly number[]): Array =>
  dimensions.length === 0 ? x : bind1('rev', [x], { dimensions: dimensions.slice() });
export const dynamicSlice = (x: Array, startIndices: readonly Array[], sliceSizes: readonly number[]): Array =>
  bind1('dynamicSlice', [x, ...startIndices], { sliceSizes: sliceSizes.slice() });
export const dynamicUpdateSlice = (x: Array, update: Array, startIndices: readonly Array[]): Array =>
  bind1('dynamicUpdateSlice', [x, update, ...startIndices], {});
export const gather = (x: Array, indices: readonly Array[], axes: readonly number[], outDim: number): Array =>
  bind1('gather', [x, ...indices], { axes: axes.slice(), outDim });
export const scatterAdd = (x: Array, updates: Array, indices: readonly Array[], axes: readonly number[], outDim: number): Array =>
  bind1('scatterAdd', [x, updates, ...indices], { axes: axes.slice(), outDim });
export const scatter = (x: Array, updates: Array, indices: readonly Array[], axes: readonly number[], outDim: number): Array =>
  bind1('scatter', [x, updates, ...indices], { axes: axes.slice(), outDim });
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
export const convGeneralDilated = (lhs: Array, rhs: Array, params: ConvParams): Array =>
  bind1('convGeneralDilated', [lhs, rhs], params);
export const sort = (operands: readonly Array[], dimension: number, numKeys = 1, descending = false): Array[] =>
  bind('sort', operands, { dimension, numKeys, descending });
