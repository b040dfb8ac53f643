// Products and norms: dot, matmul (numpy batching), vdot, inner, outer, tensordot, kron, einsum (pairwise dotGeneral), norm.
import { broadcastShapes, normalizeAxis } from '../core/aval.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { toBool } from './elementwise.js';
import { diagonal } from './shape.js';
import {
  type ArrayLike,
  JSArray,
  asArray,
  broadcastTo,
  castTo,
  desc,
  fail,
  fmtShape,
  fullOf,
  isBool,
  keepDims,
  promote,
  promoteInexact,
  range,
  shapeSize,
} from './util.js';

/** Runs a dotGeneral-based product on promoted operands; bools compute in int32 and convert back. */
function withNumeric(op: string, xs: readonly ArrayLike[], f: (a: Array, b: Array) => Array): Array {
  const [a, b] = promote(op, xs);
  if (isBool(a!.dtype)) return toBool(f(castTo(a!, 'int32'), castTo(b!, 'int32')));
  return f(a!, b!);
}

/**
 * numpy's matmul: 1-D operands are promoted to matrices and the added axis removed afterwards; leading
 * (batch) axes broadcast. Errors name both shapes.
 */
export function matmul(x: ArrayLike, y: ArrayLike): Array {
  return withNumeric('matmul', [x, y], (a0, b0) => {
    if (a0.ndim === 0 || b0.ndim === 0)
      fail('matmul', `operands must be at least 1-D, got shapes ${fmtShape(a0.shape)} and ${fmtShape(b0.shape)}; use multiply for scalars`);
    const aVec = a0.ndim === 1, bVec = b0.ndim === 1;
    const a = aVec ? lax.reshape(a0, [1, a0.shape[0]!]) : a0;
    const b = bVec ? lax.reshape(b0, [b0.shape[0]!, 1]) : b0;
    const k1 = a.shape[a.ndim - 1]!, k2 = b.shape[b.ndim - 2]!;
    if (k1 !== k2)
      fail(
        'matmul',
        `shapes ${fmtShape(a0.shape)} and ${fmtShape(b0.shape)} are not aligned: the last axis of the first (size ${k1}) must equal ` +
          `the ${bVec ? 'only' : 'second-to-last'} axis of the second (size ${k2})`,
      );
    const ba = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
    let out: Array;
    if (bb.length === 0) {
      // [..., M, K] @ [K, N]: contract directly, no broadcast of the matrix
      out = lax.dotGeneral(a, b, [[a.ndim - 1], [0]]);
    } else if (ba.length === 0) {
      // [M, K] @ [..., K, N] -> [M, ..., N] -> [..., M, N]
      const r = lax.dotGeneral(a, b, [[1], [b.ndim - 2]]);
      const nb = bb.length;
      out = lax.transpose(r, [...range(nb, 1), 0, nb + 1]);
    } else {
      const batch = broadcastShapes('matmul', ba, bb);
      const A = broadcastTo(a, [...batch, ...a.shape.slice(-2)], 'matmul');
      const B = broadcastTo(b, [...batch, ...b.shape.slice(-2)], 'matmul');
      const bd = range(batch.length);
      out = lax.dotGeneral(A, B, [[A.ndim - 1], [B.ndim - 2]], [bd, bd]);
    }
    const n = out.ndim;
    if (aVec && bVec) return lax.reshape(out, out.shape.slice(0, -2));
    if (aVec) return lax.reshape(out, [...out.shape.slice(0, n - 2), out.shape[n - 1]!]);
    if (bVec) return lax.reshape(out, out.shape.slice(0, n - 1));
    return out;
  });
}

/** numpy's dot: scalars multiply; contracts the last axis of x with the last (1-D y) or second-to-last axis of y. */
export function dot(x: ArrayLike, y: ArrayLike): Array {
  return withNumeric('dot', [x, y], (a, b) => {
    if (a.ndim === 0 || b.ndim === 0) {
      const s = broadcastShapes('dot', a.shape, b.shape);
      return lax.mul(broadcastTo(a, s), broadcastTo(b, s));
    }
    const ka = a.ndim - 1, kb = b.ndim === 1 ? 0 : b.ndim - 2;
    if (a.shape[ka] !== b.shape[kb])
      fail('dot', `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} are not aligned: ${a.shape[ka]} (axis ${ka} of the first) != ${b.shape[kb]} (axis ${kb} of the second)`);
    return lax.dotGeneral(a, b, [[ka], [kb]]);
  });
}

/** Sum product over the last axes. */
export function inner(x: ArrayLike, y: ArrayLike): Array {
  return withNumeric('inner', [x, y], (a, b) => {
    if (a.ndim === 0 || b.ndim === 0) {
      const s = broadcastShapes('inner', a.shape, b.shape);
      return lax.mul(broadcastTo(a, s), broadcastTo(b, s));
    }
    if (a.shape[a.ndim - 1] !== b.shape[b.ndim - 1])
      fail('inner', `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} are not aligned: the last axes must have equal sizes`);
    return lax.dotGeneral(a, b, [[a.ndim - 1], [b.ndim - 1]]);
  });
}

/** Dot product of the flattened inputs. */
export function vdot(x: ArrayLike, y: ArrayLike): Array {
  return withNumeric('vdot', [x, y], (a, b) => {
    if (a.size !== b.size) fail('vdot', `inputs must have the same number of elements, got ${desc(a)} and ${desc(b)}`);
    return lax.dotGeneral(lax.reshape(a, [a.size]), lax.reshape(b, [b.size]), [[0], [0]]);
  });
}
/** vdot along an axis: sum(x * y, axis). */
export function vecdot(x: ArrayLike, y: ArrayLike, axis = -1): Array {
  const [a, b] = promote('vecdot', [x, y]);
  const s = broadcastShapes('vecdot', a!.shape, b!.shape);
  const ax = normalizeAxis('vecdot', axis, s.length);
  return lax.reduceSum(lax.mul(broadcastTo(a!, s), broadcastTo(b!, s)), [ax]);
}

/** Outer product of the flattened inputs. */
export function outer(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promote('outer', [x, y]);
  const n = a!.size, m = b!.size;
  const A = lax.broadcastInDim(lax.reshape(a!, [n]), [n, m], [0]);
  const B = lax.broadcastInDim(lax.reshape(b!, [m]), [n, m], [1]);
  return isBool(A.dtype) ? lax.and(A, B) : lax.mul(A, B);
}

/** Contracts `axes` (N: last N of x with first N of y, or explicit [xAxes, yAxes]). */
export function tensordot(x: ArrayLike, y: ArrayLike, axes: number | readonly [number | readonly number[], number | readonly number[]] = 2): Array {
  return withNumeric('tensordot', [x, y], (a, b) => {
    let ca: number[], cb: number[];
    if (typeof axes === 'number') {
      if (axes < 0 || axes > a.ndim || axes > b.ndim)
        fail('tensordot', `cannot contract ${axes} axes of shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
      ca = range(axes, a.ndim - axes);
      cb = range(axes);
    } else {
      const l = (v: number | readonly number[]) => (typeof v === 'number' ? [v] : v.slice());
      ca = l(axes[0]).map((i) => normalizeAxis('tensordot', i, a.ndim));
      cb = l(axes[1]).map((i) => normalizeAxis('tensordot', i, b.ndim));
      if (ca.length !== cb.length) fail('tensordot', `axes lists ${JSON.stringify(axes)} must have equal lengths`);
    }
    ca.forEach((i, k) => {
      if (a.shape[i] !== b.shape[cb[k]!])
        fail('tensordot', `shape mismatch: axis ${i} of ${fmtShape(a.shape)} (size ${a.shape[i]}) and axis ${cb[k]} of ${fmtShape(b.shape)} (size ${b.shape[cb[k]!]})`);
    });
    return lax.dotGeneral(a, b, [ca, cb]);
  });
}

/** Kronecker product. */
export function kron(x: ArrayLike, y: ArrayLike): Array {
  let [a, b] = promote('kron', [x, y]);
  const nd = Math.max(a!.ndim, b!.ndim);
  const up = (t: Array) => (t.ndim < nd ? lax.reshape(t, [...new JSArray<number>(nd - t.ndim).fill(1), ...t.shape]) : t);
  a = up(a!);
  b = up(b!);
  const big = range(nd).flatMap((i) => [a!.shape[i]!, b!.shape[i]!]);
  const A = lax.broadcastInDim(a, big, range(nd).map((i) => 2 * i));
  const B = lax.broadcastInDim(b, big, range(nd).map((i) => 2 * i + 1));
  const p = isBool(A.dtype) ? lax.and(A, B) : lax.mul(A, B);
  return lax.reshape(p, range(nd).map((i) => a!.shape[i]! * b!.shape[i]!));
}

/** Cross product of 3-vectors (or 2-vectors, giving the z component) along the last axis. */
export function cross(x: ArrayLike, y: ArrayLike): Array {
  const [a0, b0] = promote('cross', [x, y]);
  const na = a0!.shape[a0!.ndim - 1], nb = b0!.shape[b0!.ndim - 1];
  if ((na !== 2 && na !== 3) || (nb !== 2 && nb !== 3))
    fail('cross', `the last axis must have size 2 or 3, got ${desc(a0!)} and ${desc(b0!)}`);
  const comp = (t: Array, i: number, n: number) => (i < n ? lax.indexInDim(t, i, -1, false) : fullOf(t, 0, t.shape.slice(0, -1)));
  const s = broadcastShapes('cross', a0!.shape.slice(0, -1), b0!.shape.slice(0, -1));
  const A = [0, 1, 2].map((i) => broadcastTo(comp(a0!, i, na!), s));
  const B = [0, 1, 2].map((i) => broadcastTo(comp(b0!, i, nb!), s));
  const m = (i: number, j: number) => lax.sub(lax.mul(A[i]!, B[j]!), lax.mul(A[j]!, B[i]!));
  if (na === 2 && nb === 2) return m(0, 1);
  return lax.concatenate([m(1, 2), m(2, 0), m(0, 1)].map((c) => lax.expandDims(c, -1)), s.length);
}

// ---------------------------------------------------------------------------------------------
// einsum.

interface Term {
  arr: Array;
  labels: string[];
}

function parseTerm(term: string, where: string): { letters: string[]; ellipsisAt: number } {
  const letters: string[] = [];
  let ellipsisAt = -1;
  for (let i = 0; i < term.length; ) {
    if (term.startsWith('...', i)) {
      if (ellipsisAt >= 0) fail('einsum', `${where} '${term}' has more than one ellipsis '...'`);
      ellipsisAt = letters.length;
      i += 3;
    } else {
      const c = term[i]!;
      if (!/[a-zA-Z]/.test(c)) fail('einsum', `${where} '${term}' contains '${c}'; subscripts must be letters a-z, A-Z or '...'`);
      letters.push(c);
      i++;
    }
  }
  return { letters, ellipsisAt };
}

/**
 * Einstein summation over any number of operands: explicit ('ij,jk->ik') or implicit ('ij,jk') output,
 * repeated indices within an operand (diagonals, traces), '...' broadcasting. Operands are contracted
 * pairwise with dotGeneral in a greedy order (the smallest intermediate first).
 */
export function einsum(subscripts: string, ...operands: ArrayLike[]): Array {
  const spec = subscripts.replace(/\s+/g, '');
  const arrow = spec.indexOf('->');
  const lhs = arrow >= 0 ? spec.slice(0, arrow) : spec;
  const rhs = arrow >= 0 ? spec.slice(arrow + 2) : null;
  const terms = lhs.split(',');
  if (terms.length !== operands.length)
    fail('einsum', `subscripts '${subscripts}' name ${terms.length} operand(s) but ${operands.length} were given`);
  const ps = promote('einsum', operands);
  const wasBool = ps.length > 0 && isBool(ps[0]!.dtype);
  const arrs = wasBool ? ps.map((p) => castTo(p, 'int32')) : ps;
  const parsed = terms.map((t, i) => parseTerm(t, `operand ${i} subscripts`));
  // ellipsis dims get labels '.0' .. '.{E-1}', right-aligned across operands
  const ell = parsed.map((p, i) => {
    const a = arrs[i]!;
    const e = p.ellipsisAt >= 0 ? a.ndim - p.letters.length : 0;
    if (e < 0 || (p.ellipsisAt < 0 && a.ndim !== p.letters.length))
      fail('einsum', `operand ${i} has ${a.ndim} axes (shape ${fmtShape(a.shape)}) but its subscripts '${terms[i]}' name ${p.letters.length}`);
    return e;
  });
  const E = Math.max(0, ...ell);
  const ellLabels = range(E).map((j) => `.${j}`);
  const ops: Term[] = parsed.map((p, i) => {
    const e = ell[i]!;
    const mine = ellLabels.slice(E - e);
    const labels = p.ellipsisAt >= 0 ? [...p.letters.slice(0, p.ellipsisAt), ...mine, ...p.letters.slice(p.ellipsisAt)] : p.letters.slice();
    return { arr: arrs[i]!, labels };
  });
  // sizes, with size-1 broadcasting
  const size = new Map<string, number>();
  for (const t of ops)
    t.labels.forEach((l, k) => {
      const d = t.arr.shape[k]!;
      const s = size.get(l);
      if (s === undefined || s === 1) size.set(l, d);
      else if (d !== 1 && d !== s)
        fail('einsum', `size of label '${l.startsWith('.') ? '...' : l}' differs between operands (${s} and ${d}) in '${subscripts}'`);
    });
  for (const t of ops) {
    const drop = t.labels.map((l, k) => t.arr.shape[k] === 1 && size.get(l)! !== 1);
    if (drop.some(Boolean)) {
      t.arr = lax.reshape(t.arr, t.arr.shape.filter((_, k) => !drop[k]));
      t.labels = t.labels.filter((_, k) => !drop[k]);
    }
  }
  // output labels
  let out: string[];
  if (rhs !== null) {
    const p = parseTerm(rhs, 'output subscripts');
    if (p.ellipsisAt < 0 && E > 0 && ellLabels.some((l) => size.get(l)! > 1))
      fail('einsum', `output subscripts '${rhs}' need '...' to place the broadcast dimensions of the operands`);
    out = p.ellipsisAt >= 0 ? [...p.letters.slice(0, p.ellipsisAt), ...ellLabels, ...p.letters.slice(p.ellipsisAt)] : p.letters;
    for (const l of p.letters) {
      if (!size.has(l)) fail('einsum', `output subscript '${l}' does not appear in the inputs of '${subscripts}'`);
    }
    if (new Set(p.letters).size !== p.letters.length) fail('einsum', `output subscripts '${rhs}' repeat a letter`);
  } else {
    const count = new Map<string, number>();
    for (const p of parsed) for (const l of p.letters) count.set(l, (count.get(l) ?? 0) + 1);
    out = [...ellLabels, ...[...count.entries()].filter(([, c]) => c === 1).map(([l]) => l).sort()];
  }
  // diagonals of repeated labels within one operand
  for (const t of ops) {
    for (;;) {
      const dup = t.labels.findIndex((l, k) => t.labels.indexOf(l) !== k);
      if (dup < 0) break;
      const first = t.labels.indexOf(t.labels[dup]!);
      const l = t.labels[dup]!;
      t.arr = diagonal(t.arr, 0, first, dup);
      t.labels = [...t.labels.filter((_, k) => k !== first && k !== dup), l];
    }
  }
  const sumOut = (t: Term, keep: Set<string>): Term => {
    const axes = t.labels.map((l, k) => (keep.has(l) ? -1 : k)).filter((k) => k >= 0);
    if (axes.length === 0) return t;
    return { arr: lax.reduceSum(t.arr, axes), labels: t.labels.filter((l) => keep.has(l)) };
  };
  const keepFor = (list: Term[], skip: number[]): Set<string> => {
    const s = new Set(out);
    list.forEach((t, k) => {
      if (!skip.includes(k)) for (const l of t.labels) s.add(l);
    });
    return s;
  };
  let list = ops.map((t, i) => sumOut(t, keepFor(ops, [i])));
  while (list.length > 1) {
    // greedy: the pair whose result is smallest
    let best: [number, number] = [0, 1];
    let bestSize = Infinity;
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const keep = keepFor(list, [i, j]);
        const labels = new Set([...list[i]!.labels, ...list[j]!.labels].filter((l) => keep.has(l)));
        const sz = shapeSize([...labels].map((l) => size.get(l)!));
        if (sz < bestSize) {
          bestSize = sz;
          best = [i, j];
        }
      }
    const [i, j] = best;
    const keep = keepFor(list, [i, j]);
    const A = list[i]!, B = list[j]!;
    const shared = A.labels.filter((l) => B.labels.includes(l));
    const batch = shared.filter((l) => keep.has(l)), contr = shared.filter((l) => !keep.has(l));
    const r = lax.dotGeneral(
      A.arr,
      B.arr,
      [contr.map((l) => A.labels.indexOf(l)), contr.map((l) => B.labels.indexOf(l))],
      [batch.map((l) => A.labels.indexOf(l)), batch.map((l) => B.labels.indexOf(l))],
    );
    const labels = [...batch, ...A.labels.filter((l) => !shared.includes(l)), ...B.labels.filter((l) => !shared.includes(l))];
    const rest = list.filter((_, k) => k !== i && k !== j);
    const merged = sumOut({ arr: r, labels }, keepFor([...rest, { arr: r, labels }], [rest.length]));
    list = [...rest, merged];
  }
  let fin = sumOut(list[0]!, new Set(out));
  // labels of the output that only had size-1 (dropped) axes
  const missing = out.filter((l) => !fin.labels.includes(l));
  if (missing.length) fin = { arr: lax.reshape(fin.arr, [...fin.arr.shape, ...missing.map(() => 1)]), labels: [...fin.labels, ...missing] };
  const res = lax.transpose(fin.arr, out.map((l) => fin.labels.indexOf(l)));
  return wasBool ? toBool(res) : res;
}

// ---------------------------------------------------------------------------------------------
// Norms.

/** The order of {@link norm}: a number (p-norm, ±Infinity), 'fro' (Frobenius) or 'nuc' (nuclear, matrices); null for the default. */
export type NormOrd = number | 'fro' | 'nuc' | null | undefined;

/**
 * Vector norms (ord 2 default, 1, inf, -inf, 0 = count of nonzeros, any p) over one axis and matrix norms
 * ('fro' default, 1, -1, inf, -inf) over two; axis undefined: the 2-norm of the flattened array when ord
 * is undefined, else by the input's rank.
 */
export function norm(x: ArrayLike, ord?: NormOrd, axis?: number | readonly number[] | null, opts: { keepdims?: boolean } = {}): Array {
  const a = promoteInexact('norm', [x])[0]!;
  const keep = opts.keepdims ?? false;
  let axes: number[];
  if (axis === undefined || axis === null) {
    if (ord === undefined || ord === null) {
      const all = range(a.ndim);
      return keepDims(lax.sqrt(lax.reduceSum(lax.mul(a, a), all)), a.shape, all, keep);
    }
    if (a.ndim !== 1 && a.ndim !== 2) fail('norm', `ord=${String(ord)} needs a 1-D or 2-D input when axis is not given, got ${desc(a)}`);
    axes = range(a.ndim);
  } else axes = (typeof axis === 'number' ? [axis] : axis.slice()).map((i) => normalizeAxis('norm', i, a.ndim));
  const abs = lax.abs(a);
  if (axes.length === 1) {
    const ax = axes;
    let r: Array;
    if (ord === undefined || ord === null || ord === 2) r = lax.sqrt(lax.reduceSum(lax.mul(a, a), ax));
    else if (ord === Infinity) r = lax.reduceMax(abs, ax);
    else if (ord === -Infinity) r = lax.reduceMin(abs, ax);
    else if (ord === 0) r = lax.reduceSum(castTo(lax.ne(a, fullOf(a, 0)), a.dtype), ax);
    else if (ord === 1) r = lax.reduceSum(abs, ax);
    else if (typeof ord === 'number') {
      const p = fullOf(abs, ord);
      const s = lax.reduceSum(lax.pow(abs, p), ax);
      r = lax.pow(s, fullOf(s, 1 / ord));
    } else return fail('norm', `invalid norm order '${ord}' for vectors; valid orders are numbers, Infinity and -Infinity`);
    return keepDims(r, a.shape, ax, keep);
  }
  if (axes.length !== 2) return fail('norm', `axis must name 1 or 2 axes, got ${JSON.stringify(axis)}`);
  const [rAx, cAx] = axes as [number, number];
  if (rAx === cAx) fail('norm', `duplicate axes ${JSON.stringify(axis)}`);
  const both = [rAx, cAx].sort((p, q) => p - q);
  let r: Array;
  if (ord === undefined || ord === null || ord === 'fro') r = lax.sqrt(lax.reduceSum(lax.mul(a, a), both));
  else if (ord === 1 || ord === -1) {
    const s = lax.reduceSum(abs, [rAx]);
    const c = cAx > rAx ? cAx - 1 : cAx;
    r = ord === 1 ? lax.reduceMax(s, [c]) : lax.reduceMin(s, [c]);
  } else if (ord === Infinity || ord === -Infinity) {
    const s = lax.reduceSum(abs, [cAx]);
    const rr = rAx > cAx ? rAx - 1 : rAx;
    r = ord === Infinity ? lax.reduceMax(s, [rr]) : lax.reduceMin(s, [rr]);
  } else
    return fail('norm', `matrix norm ord=${String(ord)} is not supported (2, -2 and 'nuc' need an SVD); valid: 'fro', 1, -1, Infinity, -Infinity`);
  return keepDims(r, a.shape, both, keep);
}
