// Abstract evaluation (shape/dtype inference and validation) for every primitive: the type system of the IR.
import { ShapedArray, fmtShape, shapeEqual, shapeSize } from '../core/aval.js';
import { type DType, isFloat, isInt, isBool, bitWidth } from '../core/dtype.js';
import {
  type Prim,
  type UnaryPrim,
  type BinaryPrim,
  type ComparePrim,
  type GatherParams,
  type ReducePrim,
  unaryPrims,
  binaryPrims,
  comparePrims,
} from '../core/primitive.js';
import type { Jaxpr } from '../ir/jaxpr.js';
import type { AbstractEvalRule } from './types.js';

const fail = (op: string, msg: string): never => {
  throw new TypeError(`${op}: ${msg}`);
};
const desc = (a: ShapedArray): string => `${a.dtype}${fmtShape(a.shape)}`;
const weakAll = (avals: ShapedArray[]): boolean => avals.length > 0 && avals.every((a) => a.weakType);

/** Which dtypes each elementwise op accepts. */
const floatOnly = new Set<string>([
  'exp', 'exp2', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'cbrt', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan',
  'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'logistic', 'erf', 'erfInv', 'floor', 'ceil', 'round', 'isFinite',
  'atan2',
]);
const intOrBool = new Set<string>(['and', 'or', 'xor', 'not']);
const intOnly = new Set<string>(['shiftLeft', 'shiftRightLogical']);
const noBool = new Set<string>(['neg', 'sign', 'abs', 'add', 'sub', 'mul', 'div', 'rem', 'pow']);

function checkDtype(op: string, a: ShapedArray): void {
  if (floatOnly.has(op) && !isFloat(a.dtype))
    fail(op, `expected a floating-point operand (float32 or float64), got ${desc(a)}; convert with x.astype('float32')`);
  if (intOrBool.has(op) && isFloat(a.dtype)) fail(op, `expected an integer or bool operand, got ${desc(a)}`);
  if (intOnly.has(op) && !isInt(a.dtype)) fail(op, `expected integer operands (int32 or uint32), got ${desc(a)}`);
  if (noBool.has(op) && isBool(a.dtype)) fail(op, `bool operands are not supported; convert with x.astype('int32')`);
}

const unary = (op: UnaryPrim): AbstractEvalRule<UnaryPrim> => ([x]) => {
  if (!x) return fail(op, 'expected 1 operand');
  checkDtype(op, x);
  return [op === 'isFinite' ? new ShapedArray(x.shape, 'bool') : x];
};

function sameShapeDtype(op: string, avals: ShapedArray[]): void {
  const [x, ...rest] = avals;
  for (const y of rest) {
    if (!shapeEqual(x!.shape, y.shape))
      fail(op, `operands must have equal shapes at the lax level, got ${avals.map(desc).join(' and ')} (np.${op} broadcasts them first)`);
    if (x!.dtype !== y.dtype)
      fail(op, `operands must have equal dtypes at the lax level, got ${avals.map(desc).join(' and ')} (np.${op} promotes them first)`);
  }
}

const binary = (op: BinaryPrim | ComparePrim, cmp: boolean): AbstractEvalRule<BinaryPrim | ComparePrim> => (avals) => {
  if (avals.length !== 2) return fail(op, `expected 2 operands, got ${avals.length}`);
  sameShapeDtype(op, avals);
  checkDtype(op, avals[0]!);
  return [cmp ? new ShapedArray(avals[0]!.shape, 'bool') : new ShapedArray(avals[0]!.shape, avals[0]!.dtype, weakAll(avals))];
};

const reduce = (op: ReducePrim): AbstractEvalRule<ReducePrim> => ([x], { axes }) => {
  checkAxes(op, axes, x!.ndim);
  if (op === 'reduceSum' || op === 'reduceProd') if (isBool(x!.dtype)) fail(op, `bool operand; convert to int32 first`);
  return [new ShapedArray(x!.shape.filter((_, i) => !axes.includes(i)), x!.dtype, x!.weakType)];
};

function checkAxes(op: string, axes: readonly number[], ndim: number): void {
  for (const a of axes)
    if (!Number.isInteger(a) || a < 0 || a >= ndim)
      fail(op, `axis ${a} is out of bounds for rank ${ndim} (lax axes are non-negative, 0..${ndim - 1})`);
  if (new Set(axes).size !== axes.length) fail(op, `repeated axes ${JSON.stringify(axes)}`);
}

function checkIndexScalar(op: string, a: ShapedArray): void {
  if (a.ndim !== 0 || !isInt(a.dtype)) fail(op, `start indices must be integer scalars, got ${desc(a)}`);
}

function gatherShape(op: string, x: ShapedArray, idx: ShapedArray[], p: GatherParams): number[] {
  if (idx.length !== p.axes.length) fail(op, `${p.axes.length} axes need ${p.axes.length} index arrays, got ${idx.length}`);
  checkAxes(op, p.axes, x.ndim);
  for (const i of idx) if (!isInt(i.dtype)) fail(op, `indices must be integer arrays, got ${desc(i)}`);
  const ishape = idx.length ? idx.reduce<number[]>((s, i) => bcast(op, s, i.shape), []) : [];
  const rest = x.shape.filter((_, i) => !p.axes.includes(i));
  if (p.outDim < 0 || p.outDim > rest.length) fail(op, `outDim ${p.outDim} out of range 0..${rest.length}`);
  return [...rest.slice(0, p.outDim), ...ishape, ...rest.slice(p.outDim)];
}

function bcast(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(op, `index shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

const jaxprOuts = (j: Jaxpr): ShapedArray[] => j.outs.map((o) => o.aval);
function checkJaxprIns(op: string, j: Jaxpr, avals: ShapedArray[], what: string): void {
  if (j.inBinders.length !== avals.length) fail(op, `${what} takes ${j.inBinders.length} operands, got ${avals.length}`);
  j.inBinders.forEach((b, i) => {
    if (!b.aval.equals(avals[i]!)) fail(op, `${what} operand ${i} must be ${b.aval.toString()}, got ${avals[i]!.toString()}`);
  });
}

const fromEntries = <T,>(keys: readonly string[], f: (k: string) => T) => Object.fromEntries(keys.map((k) => [k, f(k)]));

export const abstractEvalRules = {
  ...(fromEntries(unaryPrims, (k) => unary(k as UnaryPrim)) as { [P in UnaryPrim]: AbstractEvalRule<P> }),
  ...(fromEntries(binaryPrims, (k) => binary(k as BinaryPrim, false)) as { [P in BinaryPrim]: AbstractEvalRule<P> }),
  ...(fromEntries(comparePrims, (k) => binary(k as ComparePrim, true)) as { [P in ComparePrim]: AbstractEvalRule<P> }),
  select: ([p, t, f]) => {
    if (!p || !t || !f) return fail('select', 'expected 3 operands (pred, onTrue, onFalse)');
    if (p.dtype !== 'bool') fail('select', `predicate must be bool, got ${desc(p)}`);
    if (!shapeEqual(p.shape, t.shape)) fail('select', `predicate ${desc(p)} and branches ${desc(t)} must have equal shapes`);
    sameShapeDtype('select', [t, f]);
    return [new ShapedArray(t.shape, t.dtype, t.weakType && f.weakType)];
  },
  convertElementType: ([x], { newDtype, weakType }) => [new ShapedArray(x!.shape, newDtype, weakType)],
  bitcastConvertType: ([x], { newDtype }) => {
    if (bitWidth[x!.dtype] !== 32 || bitWidth[newDtype] !== 32 || x!.dtype === 'bool' || newDtype === 'bool')
      fail('bitcastConvertType', `cannot reinterpret ${x!.dtype} as ${newDtype} (both must be 32-bit dtypes: float32, int32, uint32)`);
    return [new ShapedArray(x!.shape, newDtype)];
  },
  stopGradient: ([x]) => [x!],
  iota: (_, { dtype, shape, dimension }) => {
    if (dimension < 0 || dimension >= shape.length) fail('iota', `dimension ${dimension} out of range for shape ${fmtShape(shape)}`);
    return [new ShapedArray(shape, dtype)];
  },
  broadcastInDim: ([x], { shape, broadcastDimensions: bd }) => {
    if (bd.length !== x!.ndim)
      fail('broadcastInDim', `broadcastDimensions ${JSON.stringify(bd)} must name one output axis per operand axis of ${desc(x!)}`);
    bd.forEach((d, i) => {
      if (d < 0 || d >= shape.length) fail('broadcastInDim', `broadcast dimension ${d} out of range for shape ${fmtShape(shape)}`);
      if (i > 0 && d <= bd[i - 1]!) fail('broadcastInDim', `broadcastDimensions ${JSON.stringify(bd)} must be strictly increasing`);
      if (x!.shape[i] !== 1 && x!.shape[i] !== shape[d])
        fail('broadcastInDim', `operand ${desc(x!)} axis ${i} (size ${x!.shape[i]}) cannot broadcast to size ${shape[d]} of ${fmtShape(shape)}`);
    });
    return [new ShapedArray(shape, x!.dtype, x!.weakType)];
  },
  reshape: ([x], { newSizes }) => {
    if (newSizes.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(newSizes) !== x!.size)
      fail('reshape', `cannot reshape ${desc(x!)} (${x!.size} elements) into shape ${fmtShape(newSizes)} (${shapeSize(newSizes)} elements)`);
    return [x!.withShape(newSizes)];
  },
  transpose: ([x], { permutation: p }) => {
    if (p.length !== x!.ndim || [...p].sort((a, b) => a - b).some((v, i) => v !== i))
      fail('transpose', `permutation ${JSON.stringify(p)} is not a permutation of the ${x!.ndim} axes of ${desc(x!)}`);
    return [x!.withShape(p.map((i) => x!.shape[i]!))];
  },
  reduceSum: reduce('reduceSum'),
  reduceMax: reduce('reduceMax'),
  reduceMin: reduce('reduceMin'),
  reduceProd: reduce('reduceProd'),
  argmax: ([x], { axis, indexDtype }) => {
    checkAxes('argmax', [axis], x!.ndim);
    if (x!.shape[axis] === 0) fail('argmax', `cannot take argmax over an empty axis of ${desc(x!)}`);
    return [new ShapedArray(x!.shape.filter((_, i) => i !== axis), indexDtype)];
  },
  argmin: ([x], { axis, indexDtype }) => {
    checkAxes('argmin', [axis], x!.ndim);
    if (x!.shape[axis] === 0) fail('argmin', `cannot take argmin over an empty axis of ${desc(x!)}`);
    return [new ShapedArray(x!.shape.filter((_, i) => i !== axis), indexDtype)];
  },
  cumsum: ([x], { axis }) => {
    checkAxes('cumsum', [axis], x!.ndim);
    return [x!];
  },
  slice: ([x], { startIndices: st, limitIndices: lim, strides }) => {
    const n = x!.ndim;
    if (st.length !== n || lim.length !== n || (strides && strides.length !== n))
      fail('slice', `start/limit/strides must have one entry per axis of ${desc(x!)}`);
    const shape = x!.shape.map((d, i) => {
      const s = st[i]!, l = lim[i]!, k = strides ? strides[i]! : 1;
      if (!(0 <= s && s <= l && l <= d) || k < 1)
        fail('slice', `axis ${i}: [${s}:${l}:${k}] is not a valid slice of size ${d} of ${desc(x!)} (need 0 <= start <= limit <= size, stride >= 1)`);
      return Math.ceil((l - s) / k);
    });
    return [x!.withShape(shape)];
  },
  pad: ([x, v], { paddingConfig: cfg }) => {
    if (!v || v.ndim !== 0 || v.dtype !== x!.dtype) fail('pad', `padding value must be a scalar of dtype ${x!.dtype}, got ${v ? desc(v) : 'none'}`);
    if (cfg.length !== x!.ndim) fail('pad', `paddingConfig needs one [low, high, interior] per axis of ${desc(x!)}`);
    const shape = x!.shape.map((d, i) => {
      const [lo, hi, int] = cfg[i]!;
      if (int < 0) fail('pad', `interior padding must be >= 0, got ${int}`);
      const n = lo + hi + d + Math.max(0, d - 1) * int;
      if (n < 0) fail('pad', `axis ${i}: padding [${lo}, ${hi}, ${int}] makes a negative size for ${desc(x!)}`);
      return n;
    });
    return [x!.withShape(shape)];
  },
  concatenate: (avals, { dimension: d }) => {
    if (avals.length === 0) return fail('concatenate', 'needs at least one operand');
    const x = avals[0]!;
    checkAxes('concatenate', [d], x.ndim);
    let total = 0;
    for (const a of avals) {
      if (a.ndim !== x.ndim || a.dtype !== x.dtype || a.shape.some((s, i) => i !== d && s !== x.shape[i]))
        fail('concatenate', `operands ${avals.map(desc).join(', ')} must agree in dtype and in every axis but ${d}`);
      total += a.shape[d]!;
    }
    return [new ShapedArray(x.shape.map((s, i) => (i === d ? total : s)), x.dtype, weakAll(avals))];
  },
  rev: ([x], { dimensions }) => {
    checkAxes('rev', dimensions, x!.ndim);
    return [x!];
  },
  dynamicSlice: ([x, ...idx], { sliceSizes }) => {
    if (idx.length !== x!.ndim || sliceSizes.length !== x!.ndim)
      fail('dynamicSlice', `needs one start index and one slice size per axis of ${desc(x!)}`);
    idx.forEach((i) => checkIndexScalar('dynamicSlice', i));
    sliceSizes.forEach((s, i) => {
      if (s < 0 || s > x!.shape[i]!) fail('dynamicSlice', `slice size ${s} exceeds axis ${i} of ${desc(x!)}`);
    });
    return [x!.withShape(sliceSizes)];
  },
  dynamicUpdateSlice: ([x, u, ...idx]) => {
    if (!u || u.dtype !== x!.dtype || u.ndim !== x!.ndim || u.shape.some((s, i) => s > x!.shape[i]!))
      fail('dynamicUpdateSlice', `update ${u ? desc(u) : 'none'} must have the dtype and rank of ${desc(x!)} and fit inside it`);
    if (idx.length !== x!.ndim) fail('dynamicUpdateSlice', `needs one start index per axis of ${desc(x!)}`);
    idx.forEach((i) => checkIndexScalar('dynamicUpdateSlice', i));
    return [x!];
  },
  gather: ([x, ...idx], p) => [new ShapedArray(gatherShape('gather', x!, idx, p), x!.dtype, x!.weakType)],
  scatterAdd: ([x, u, ...idx], p) => {
    const s = gatherShape('scatterAdd', x!, idx, p);
    if (!u || !shapeEqual(u.shape, s) || u.dtype !== x!.dtype)
      fail('scatterAdd', `updates must be ${x!.dtype}${fmtShape(s)} (the shape gather would return), got ${u ? desc(u) : 'none'}`);
    return [x!];
  },
  scatter: ([x, u, ...idx], p) => {
    const s = gatherShape('scatter', x!, idx, p);
    if (!u || !shapeEqual(u.shape, s) || u.dtype !== x!.dtype)
      fail('scatter', `updates must be ${x!.dtype}${fmtShape(s)} (the shape gather would return), got ${u ? desc(u) : 'none'}`);
    return [x!];
  },
  dotGeneral: ([x, y], { contract: [lc, rc], batch: [lb, rb], preferredElementType }) => {
    const op = 'dotGeneral';
    checkAxes(op, [...lc, ...lb], x!.ndim);
    checkAxes(op, [...rc, ...rb], y!.ndim);
    if (lc.length !== rc.length || lb.length !== rb.length) fail(op, `contracting/batch dimension lists must pair up`);
    lc.forEach((a, i) => {
      if (x!.shape[a] !== y!.shape[rc[i]!])
        fail(op, `contracting axis ${a} of lhs ${desc(x!)} (size ${x!.shape[a]}) does not match axis ${rc[i]} of rhs ${desc(y!)} (size ${y!.shape[rc[i]!]})`);
    });
    lb.forEach((a, i) => {
      if (x!.shape[a] !== y!.shape[rb[i]!]) fail(op, `batch axis ${a} of ${desc(x!)} does not match axis ${rb[i]} of ${desc(y!)}`);
    });
    if (x!.dtype !== y!.dtype) fail(op, `operand dtypes differ: ${desc(x!)} and ${desc(y!)}`);
    if (isBool(x!.dtype)) fail(op, 'bool operands are not supported');
    const free = (a: ShapedArray, c: readonly number[], b: readonly number[]) => a.shape.filter((_, i) => !c.includes(i) && !b.includes(i));
    const shape = [...lb.map((a) => x!.shape[a]!), ...free(x!, lc, lb), ...free(y!, rc, rb)];
    return [new ShapedArray(shape, preferredElementType ?? x!.dtype, weakAll([x!, y!]))];
  },
  convGeneralDilated: ([x, w], p) => {
    const op = 'convGeneralDilated';
    if (!x || !w) return fail(op, 'expected lhs and rhs');
    const nsp = x.ndim - 2;
    if (nsp < 1 || w.ndim !== x.ndim) fail(op, `lhs ${desc(x)} must be [N, C, ...spatial] and rhs ${desc(w)} [O, I, ...spatial] of the same rank`);
    if (x.dtype !== w.dtype) fail(op, `operand dtypes differ: ${desc(x)} and ${desc(w)}`);
    for (const [k, v] of [['windowStrides', p.windowStrides], ['padding', p.padding], ['lhsDilation', p.lhsDilation], ['rhsDilation', p.rhsDilation]] as const)
      if (v.length !== nsp) fail(op, `${k} needs ${nsp} entries (one per spatial axis), got ${v.length}`);
    const G = p.featureGroupCount, B = p.batchGroupCount;
    const [N, C] = [x.shape[0]!, x.shape[1]!];
    const [O, I] = [w.shape[0]!, w.shape[1]!];
    if (C !== I * G) fail(op, `lhs has ${C} input features but rhs expects ${I} x featureGroupCount ${G} = ${I * G}`);
    if (O % G !== 0) fail(op, `rhs output features ${O} must be divisible by featureGroupCount ${G}`);
    if (N % B !== 0 || O % B !== 0) fail(op, `batchGroupCount ${B} must divide the batch ${N} and output features ${O}`);
    const spatial = x.shape.slice(2).map((d, i) => {
      const dl = (d - 1) * p.lhsDilation[i]! + 1;
      const [lo, hi] = p.padding[i]!;
      const k = (w.shape[2 + i]! - 1) * p.rhsDilation[i]! + 1;
      const n = dl + lo + hi - k;
      if (n < 0) fail(op, `spatial axis ${i}: the (dilated) window ${k} is larger than the padded input ${dl + lo + hi}`);
      return Math.floor(n / p.windowStrides[i]!) + 1;
    });
    return [new ShapedArray([N / B, O, ...spatial], x.dtype, weakAll([x, w]))];
  },
  sort: (avals, { dimension, numKeys }) => {
    const x = avals[0];
    if (!x) return fail('sort', 'needs at least one operand');
    checkAxes('sort', [dimension], x.ndim);
    if (numKeys < 1 || numKeys > avals.length) fail('sort', `numKeys ${numKeys} must be in 1..${avals.length}`);
    for (const a of avals) if (!shapeEqual(a.shape, x.shape)) fail('sort', `operands must share a shape: ${avals.map(desc).join(', ')}`);
    return avals;
  },
  pjit: (avals, { jaxpr, name }) => {
    checkJaxprIns('pjit', jaxpr, avals, `jit(${name})`);
    return jaxprOuts(jaxpr);
  },
  customJvpCall: (avals, { fun }) => {
    checkJaxprIns('customJvpCall', fun, avals, 'custom_jvp function');
    return jaxprOuts(fun);
  },
  customVjpCall: (avals, { fun }) => {
    checkJaxprIns('customVjpCall', fun, avals, 'custom_vjp function');
    return jaxprOuts(fun);
  },
  customLin: (_, { outAvals }) => outAvals.slice(),
  cond: ([idx, ...ops], { branches }) => {
    if (!idx || idx.ndim !== 0 || !(isInt(idx.dtype) || isBool(idx.dtype)))
      fail('cond', `the branch index must be an integer or bool scalar, got ${idx ? desc(idx) : 'none'}`);
    branches.forEach((b, i) => checkJaxprIns('cond', b, ops, `branch ${i}`));
    const outs = jaxprOuts(branches[0]!);
    branches.forEach((b, i) => {
      const o = jaxprOuts(b);
      if (o.length !== outs.length || o.some((a, j) => !a.equals(outs[j]!)))
        fail('cond', `branch ${i} returns (${o.join(', ')}) but branch 0 returns (${outs.join(', ')}); all branches must return the same types`);
    });
    return outs;
  },
  while: (avals, { cond, body, condNConsts, bodyNConsts }) => {
    const init = avals.slice(condNConsts + bodyNConsts);
    checkJaxprIns('whileLoop', cond, [...avals.slice(0, condNConsts), ...init], 'cond function');
    checkJaxprIns('whileLoop', body, [...avals.slice(condNConsts, condNConsts + bodyNConsts), ...init], 'body function');
    const c = jaxprOuts(cond);
    if (c.length !== 1 || c[0]!.ndim !== 0 || c[0]!.dtype !== 'bool') fail('whileLoop', `cond function must return a bool scalar, got (${c.join(', ')})`);
    return init;
  },
  scan: (avals, { jaxpr, numConsts, numCarry, length }) => {
    const consts = avals.slice(0, numConsts), carry = avals.slice(numConsts, numConsts + numCarry);
    const xs = avals.slice(numConsts + numCarry);
    for (const x of xs)
      if (x.ndim === 0 || x.shape[0] !== length)
        fail('scan', `every xs leaf must have leading axis of size length=${length}, got ${desc(x)}`);
    checkJaxprIns('scan', jaxpr, [...consts, ...carry, ...xs.map((x) => x.withShape(x.shape.slice(1)))], 'body function');
    const outs = jaxprOuts(jaxpr);
    outs.slice(0, numCarry).forEach((o, i) => {
      if (!o.equals(carry[i]!)) fail('scan', `the body returns carry ${i} as ${o.toString()} but it came in as ${carry[i]!.toString()}; the carry type must not change`);
    });
    return [...outs.slice(0, numCarry), ...outs.slice(numCarry).map((y) => y.withShape([length, ...y.shape]))];
  },
  checkpoint: (avals, { jaxpr }) => {
    checkJaxprIns('checkpoint', jaxpr, avals, 'checkpointed function');
    return jaxprOuts(jaxpr);
  },
} satisfies { [P in Prim]: AbstractEvalRule<P> };

/** Output avals of `prim` (validating its operands). */
export function abstractEval(prim: Prim, avals: ShapedArray[], params: unknown): ShapedArray[] {
  return (abstractEvalRules[prim] as (a: ShapedArray[], p: unknown) => ShapedArray[])(avals, params);
}
export type { DType };
