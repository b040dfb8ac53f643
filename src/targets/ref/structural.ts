// Reference kernels for creation, layout, reductions, scans, slicing, padding, indexing (gather/scatter) and sort.
import { type ShapedArray, shapeSize, stridesOf } from '../../core/aval.js';
import { type DType, type TypedArray, typedArrayCtor } from '../../core/dtype.js';
import type { GatherParams, Params, ReducePrim } from '../../core/primitive.js';
import type { RefVal } from '../../rules/types.js';
import { broadcastStrides, copyStrided, packPermuted, planStrided, runCombine, runCopy, unpackPermuted } from './strided.js';
import { takeHostOf } from '../../core/hostPool.js';

const alloc = (aval: ShapedArray): TypedArray => new typedArrayCtor[aval.dtype](aval.size);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Reads an integer scalar operand (a start index). */
const scalar = (v: RefVal): number => v.buffer[0]!;
const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

export function iotaImpl(_args: RefVal[], { shape, dimension }: Params<'iota'>, [oa]: ShapedArray[]): TypedArray[] {
  const out = alloc(oa!);
  const inner = shapeSize(shape.slice(dimension + 1)), n = shape[dimension]!;
  const isBool = oa!.dtype === 'bool';
  for (let i = 0; i < out.length; i++) {
    const v = Math.floor(i / inner) % n;
    out[i] = isBool ? (v !== 0 ? 1 : 0) : v;
  }
  return [out];
}

/** out[i] = x[i restricted to broadcastDimensions], size-1 operand axes read with stride 0. */
export function broadcastInDimImpl([x]: RefVal[], { shape, broadcastDimensions: bd }: Params<'broadcastInDim'>, [oa]: ShapedArray[]): TypedArray[] {
  const out = alloc(oa!);
  const xst = stridesOf(x!.aval.shape);
  const sst = shape.map(() => 0);
  bd.forEach((d, i) => {
    if (x!.aval.shape[i] !== 1) sst[d] = xst[i]!;
  });
  copyStrided(shape, x!.buffer, 0, sst, out, 0, stridesOf(shape));
  return [out];
}

/** Row-major data is unchanged by reshape; still a fresh buffer. */
export function reshapeImpl([x]: RefVal[], _p: unknown, [oa]: ShapedArray[]): TypedArray[] {
  return [x!.buffer.slice(0, oa!.size)];
}

export function transposeImpl([x]: RefVal[], { permutation: p }: Params<'transpose'>, [oa]: ShapedArray[]): TypedArray[] {
  const out = alloc(oa!);
  const xst = stridesOf(x!.aval.shape);
  copyStrided(oa!.shape, x!.buffer, 0, p.map((a) => xst[a]!), out, 0, stridesOf(oa!.shape));
  return [out];
}

/** The operand as [outer, inner] with `axes` moved last (kept axes first, in order), packed into a Float64Array. */
function packAxesLast(x: RefVal, axes: readonly number[]): { buf: TypedArray; outer: number; inner: number } {
  const nd = x.aval.ndim;
  const kept = range(nd).filter((a) => !axes.includes(a));
  const perm = [...kept, ...axes];
  const inner = shapeSize(axes.map((a) => x.aval.shape[a]!));
  const size = x.aval.size;
  return { buf: packPermuted(x.buffer, x.aval.shape, perm, Float64Array), outer: inner === 0 ? shapeSize(kept.map((a) => x.aval.shape[a]!)) : size / inner, inner };
}

const INT32_MIN = -2147483648, INT32_MAX = 2147483647, UINT32_MAX = 4294967295;

/** Identity of each reduction per dtype (the value of an empty reduction). */
function reduceInit(op: ReducePrim, d: DType): number {
  switch (op) {
    case 'reduceSum':
      return 0;
    case 'reduceProd':
      return 1;
    case 'reduceMax':
      return d === 'int32' ? INT32_MIN : d === 'uint32' || d === 'bool' ? 0 : -Infinity; // bool max = any
    case 'reduceMin':
      return d === 'int32' ? INT32_MAX : d === 'uint32' ? UINT32_MAX : d === 'bool' ? 1 : Infinity; // bool min = all
  }
}

/**
 * Reductions over `axes`. Floats accumulate sequentially in float64 (float32 results are rounded once, at the
 * end); int32/uint32 sums and products wrap at every step; max/min propagate NaN and order -0 below +0.
 */
export function reduceImpl(op: ReducePrim) {
  return ([x]: RefVal[], { axes }: { readonly axes: readonly number[] }, [oa]: ShapedArray[]): TypedArray[] => {
    const d = x!.aval.dtype;
    const out = alloc(oa!);
    const { buf, outer, inner } = packAxesLast(x!, axes);
    const init = reduceInit(op, d);
    const isInt = d === 'int32' || d === 'uint32';
    for (let o = 0, base = 0; o < outer; o++, base += inner) {
      let acc = init;
      if (op === 'reduceSum') {
        if (isInt) for (let j = 0; j < inner; j++) acc = (acc + buf[base + j]!) | 0;
        else for (let j = 0; j < inner; j++) acc += buf[base + j]!;
      } else if (op === 'reduceProd') {
        if (isInt) for (let j = 0; j < inner; j++) acc = Math.imul(acc, buf[base + j]!);
        else for (let j = 0; j < inner; j++) acc *= buf[base + j]!;
      } else if (op === 'reduceMax') {
        for (let j = 0; j < inner; j++) acc = Math.max(acc, buf[base + j]!); // NaN sticks; +0 > -0, like elementwise max
      } else {
        for (let j = 0; j < inner; j++) acc = Math.min(acc, buf[base + j]!); // NaN sticks; -0 < +0, like elementwise min
      }
      out[o] = acc;
    }
    return [out];
  };
}

/** Index of the first max (or min) along `axis`; a NaN wins at its first position, like numpy. */
export function argImpl(which: 'max' | 'min') {
  return ([x]: RefVal[], { axis }: Params<'argmax'>, [oa]: ShapedArray[]): TypedArray[] => {
    const out = alloc(oa!);
    const { buf, outer, inner } = packAxesLast(x!, [axis]);
    for (let o = 0, base = 0; o < outer; o++, base += inner) {
      let best = buf[base]!, bi = 0;
      if (best === best)
        for (let j = 1; j < inner; j++) {
          const v = buf[base + j]!;
          if (v !== v) {
            bi = j;
            break;
          }
          if (which === 'max' ? v > best : v < best) {
            best = v;
            bi = j;
          }
        }
      out[o] = bi;
    }
    return [out];
  };
}

/** Inclusive prefix sum along `axis` (from the end when `reverse`); floats accumulate in float64, ints wrap, bool is or. */
export function cumsumImpl([x]: RefVal[], { axis, reverse }: Params<'cumsum'>, [oa]: ShapedArray[]): TypedArray[] {
  const d = x!.aval.dtype;
  const out = alloc(oa!);
  const nd = x!.aval.ndim;
  const perm = [...range(nd).filter((a) => a !== axis), axis];
  const { buf, outer, inner } = packAxesLast(x!, [axis]);
  const acc = new Float64Array(buf.length);
  for (let o = 0, base = 0; o < outer; o++, base += inner) {
    let s = 0;
    for (let t = 0; t < inner; t++) {
      const j = base + (reverse ? inner - 1 - t : t);
      const v = buf[j]!;
      s = d === 'int32' ? (s + v) | 0 : d === 'uint32' ? (s + v) >>> 0 : d === 'bool' ? (s || v ? 1 : 0) : s + v;
      acc[j] = s;
    }
  }
  unpackPermuted(acc, x!.aval.shape, perm, out);
  return [out];
}

/** Box copy with a start offset and per-axis step. */
export function sliceImpl([x]: RefVal[], { startIndices: st, strides }: Params<'slice'>, [oa]: ShapedArray[]): TypedArray[] {
  const out = alloc(oa!);
  const xst = stridesOf(x!.aval.shape);
  const off = st.reduce((acc, s, a) => acc + s * xst[a]!, 0);
  copyStrided(oa!.shape, x!.buffer, off, xst.map((s, a) => s * (strides ? strides[a]! : 1)), out, 0, stridesOf(oa!.shape));
  return [out];
}

/**
 * pad: output filled with the padding value, then input element i of an axis lands at lo + i·(interior+1);
 * elements landing outside [0, size) (negative lo/hi crop) are skipped.
 */
export function padImpl([x, v]: RefVal[], { paddingConfig: cfg }: Params<'pad'>, [oa]: ShapedArray[]): TypedArray[] {
  const out = takeHostOf(oa!.dtype, oa!.size); // filled in full below
  out.fill(v!.buffer[0]!);
  const xs = x!.aval.shape, ost = stridesOf(oa!.shape), xst = stridesOf(xs);
  let sOff = 0, dOff = 0;
  const box: number[] = [], dSt: number[] = [];
  for (let a = 0; a < xs.length; a++) {
    const [lo, , interior] = cfg[a]!;
    const step = interior + 1, od = oa!.shape[a]!;
    const i0 = lo >= 0 ? 0 : Math.ceil(-lo / step);
    const i1 = Math.min(xs[a]!, Math.floor((od - 1 - lo) / step) + 1);
    if (i1 <= i0) return [out];
    box.push(i1 - i0);
    sOff += i0 * xst[a]!;
    dOff += (lo + i0 * step) * ost[a]!;
    dSt.push(ost[a]! * step);
  }
  copyStrided(box, x!.buffer, sOff, xst, out, dOff, dSt);
  return [out];
}

export function concatenateImpl(args: RefVal[], { dimension: d }: Params<'concatenate'>, [oa]: ShapedArray[]): TypedArray[] {
  const out = takeHostOf(oa!.dtype, oa!.size); // the pieces tile it
  const ost = stridesOf(oa!.shape);
  let at = 0;
  for (const x of args) {
    copyStrided(x.aval.shape, x.buffer, 0, stridesOf(x.aval.shape), out, at * ost[d]!, ost);
    at += x.aval.shape[d]!;
  }
  return [out];
}

/** Reversal = reading reversed axes from their last element with negated strides. */
export function revImpl([x]: RefVal[], { dimensions }: Params<'rev'>, [oa]: ShapedArray[]): TypedArray[] {
  const out = alloc(oa!);
  const xs = x!.aval.shape, xst = stridesOf(xs);
  if (oa!.size === 0) return [out];
  let off = 0;
  const sst = xst.map((s, a) => {
    if (!dimensions.includes(a)) return s;
    off += (xs[a]! - 1) * s;
    return -s;
  });
  copyStrided(xs, x!.buffer, off, sst, out, 0, stridesOf(xs));
  return [out];
}

/** Start indices clamped to [0, size − window] per axis, like XLA. */
const clampStarts = (starts: RefVal[], shape: readonly number[], window: readonly number[]): number[] =>
  starts.map((s, a) => clamp(scalar(s), 0, shape[a]! - window[a]!));

export function dynamicSliceImpl([x, ...starts]: RefVal[], { sliceSizes }: Params<'dynamicSlice'>, [oa]: ShapedArray[]): TypedArray[] {
  const out = alloc(oa!);
  const xst = stridesOf(x!.aval.shape);
  const st = clampStarts(starts, x!.aval.shape, sliceSizes);
  copyStrided(sliceSizes, x!.buffer, st.reduce((acc, s, a) => acc + s * xst[a]!, 0), xst, out, 0, stridesOf(sliceSizes));
  return [out];
}

export function dynamicUpdateSliceImpl([x, u, ...starts]: RefVal[], _p: unknown, [oa]: ShapedArray[]): TypedArray[] {
  const out = x!.buffer.slice(0, oa!.size);
  const ost = stridesOf(oa!.shape), us = u!.aval.shape;
  const st = clampStarts(starts, oa!.shape, us);
  copyStrided(us, u!.buffer, 0, stridesOf(us), out, st.reduce((acc, s, a) => acc + s * ost[a]!, 0), ost);
  return [out];
}

/**
 * The numpy advanced-indexing layout shared by gather and scatter: index arrays broadcast to I; `base[p]` is the
 * operand offset selected by index position p (clamped, or -1 when any index is out of range and `drop` is set);
 * the remaining operand axes ("rest") map to the result's axes around the I block inserted at outDim.
 */
function indexLayout(x: ShapedArray, idx: RefVal[], p: GatherParams, drop: boolean) {
  const ishape = idx.reduce<number[]>((s, i) => broadcastShape(s, i.aval.shape), []);
  const P = shapeSize(ishape);
  const xst = stridesOf(x.shape);
  const base = new Float64Array(P);
  const tmp = new Float64Array(P);
  const istr = stridesOf(ishape);
  idx.forEach((iv, k) => {
    const ax = p.axes[k]!, dim = x.shape[ax]!;
    copyStrided(ishape, iv.buffer, 0, broadcastStrides(iv.aval.shape, ishape), tmp, 0, istr);
    for (let q = 0; q < P; q++) {
      if (base[q]! < 0) continue;
      const i = tmp[q]!;
      if (drop) base[q] = i < 0 || i >= dim ? -1 : base[q]! + i * xst[ax]!;
      else base[q] = base[q]! + clamp(i, 0, dim - 1) * xst[ax]!;
    }
  });
  const restAxes = range(x.ndim).filter((a) => !p.axes.includes(a));
  const restShape = restAxes.map((a) => x.shape[a]!);
  const outShape = [...restShape.slice(0, p.outDim), ...ishape, ...restShape.slice(p.outDim)];
  const ost = stridesOf(outShape);
  const restOutStrides = restShape.map((_, r) => ost[r < p.outDim ? r : r + ishape.length]!);
  const blockStride = shapeSize(restShape.slice(p.outDim)); // offset step between consecutive index positions
  return { P, base, restShape, restSrcStrides: restAxes.map((a) => xst[a]!), restOutStrides, blockStride };
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return range(n).map((i) => {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}

/** gather: result[rest…, I…, rest…] = operand[rest with axes[k] = clamp(indices_k[I…])]. */
export function gatherImpl([x, ...idx]: RefVal[], p: GatherParams, [oa]: ShapedArray[]): TypedArray[] {
  const out = alloc(oa!);
  if (oa!.size === 0) return [out];
  p.axes.forEach((a) => {
    if (x!.aval.shape[a] === 0)
      throw new RangeError(`gather: cannot index axis ${a} of size 0 of operand ${x!.aval.toString()} (the result ${oa!.toString()} is not empty)`);
  });
  const L = indexLayout(x!.aval, idx, p, false);
  const plan = planStrided(L.restShape, L.restSrcStrides, L.restOutStrides);
  const src = x!.buffer;
  for (let q = 0; q < L.P; q++) runCopy(plan, src, L.base[q]!, out, q * L.blockStride);
  return [out];
}

/** scatter / scatterAdd: the updates (laid out as gather's result) go to the gathered positions; out-of-range ones are dropped. */
export function scatterImpl(mode: 'add' | 'set') {
  return ([x, u, ...idx]: RefVal[], p: GatherParams, [oa]: ShapedArray[]): TypedArray[] => {
    const out = x!.buffer.slice(0, oa!.size);
    const L = indexLayout(x!.aval, idx, p, true);
    const plan = planStrided(L.restShape, L.restOutStrides, L.restSrcStrides); // from updates to operand
    const upd = u!.buffer;
    const d = oa!.dtype;
    // the store rounds (float32) or wraps (int32/uint32) each sum; bool addition is or (XLA's add on pred)
    const combine = d === 'bool' ? (a: number, b: number) => (a || b ? 1 : 0) : (a: number, b: number) => a + b;
    for (let q = 0; q < L.P; q++) {
      const b = L.base[q]!;
      if (b < 0) continue;
      if (mode === 'set') runCopy(plan, upd, q * L.blockStride, out, b);
      else runCombine(plan, upd, q * L.blockStride, out, b, combine);
    }
    return [out];
  };
}

/** Total order used by sort: numbers ascending, −0 = +0, NaN after everything (JAX canonicalises floats the same way). */
function cmpNum(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = a !== a, bn = b !== b;
  return an === bn ? 0 : an ? 1 : -1;
}

/**
 * Stable lexicographic sort along `dimension` by the first `numKeys` operands, permuting every operand alike;
 * `descending` is the exact reverse of the ascending result.
 */
export function sortImpl(args: RefVal[], { dimension, numKeys, descending }: Params<'sort'>, outAvals: ShapedArray[]): TypedArray[] {
  const shape = args[0]!.aval.shape;
  const nd = shape.length;
  const perm = [...range(nd).filter((a) => a !== dimension), dimension];
  const packed = args.map((a) => packAxesLast(a, [dimension]));
  const { outer, inner } = packed[0]!;
  const keys = packed.slice(0, numKeys).map((p) => p.buf);
  const sortedPacked = args.map(() => new Float64Array(outer * inner));
  const order = new Array<number>(inner);
  for (let o = 0, base = 0; o < outer; o++, base += inner) {
    for (let j = 0; j < inner; j++) order[j] = j;
    order.sort((i, j) => {
      for (const k of keys) {
        const c = cmpNum(k[base + i]!, k[base + j]!);
        if (c !== 0) return c;
      }
      return i - j; // stable regardless of the engine's sort
    });
    if (descending) order.reverse();
    packed.forEach((p, t) => {
      const dst = sortedPacked[t]!;
      for (let j = 0; j < inner; j++) dst[base + j] = p.buf[base + order[j]!]!;
    });
  }
  return outAvals.map((oa, t) => {
    const out = alloc(oa);
    unpackPermuted(sortedPacked[t]!, shape, perm, out);
    return out;
  });
}
