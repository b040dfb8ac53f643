// np.linalg decompositions as pure lax loops (forILoop → scan, so they jit, vmap and differentiate): lu, solve, inv, det, slogdet, cholesky.
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { forILoop } from '../transforms/controlFlow.js';
import { absolute, equal, greater, greaterEqual, less, log, logicalAnd, multiply, notEqual, sign, sqrt, subtract, trueDivide, where } from './elementwise.js';
import { matmul } from './linalg.js';
import { argmax, prod, sum } from './reductions.js';
import { broadcastTo as npBroadcastTo, diagonal, expandDims, squeeze, takeAlongAxis } from './shape.js';
import { type ArrayLike, castTo, desc, fail, fullOf, promoteInexact } from './util.js';

function squareMatrix(op: string, x: ArrayLike): Array {
  const a = promoteInexact(op, [x])[0]!;
  if (a.ndim < 2 || a.shape[a.ndim - 1] !== a.shape[a.ndim - 2])
    fail(op, `expected a square matrix or a stack of them ([..., n, n]), got ${desc(a)}`);
  return a;
}

/** Row and column index grids of shape [..., n, n] (int32). */
const grids = (a: Array): [Array, Array] => [lax.iota('int32', a.shape, a.ndim - 2), lax.iota('int32', a.shape, a.ndim - 1)];

export interface LU {
  /** Unit-lower L below the diagonal and U on and above it, of P·A. */
  readonly lu: Array;
  /** Row permutation: (P·A)[i] = A[perm[i]]. */
  readonly perm: Array;
  /** Sign of the permutation's determinant, +1 or -1 (float). */
  readonly sign: Array;
}

/**
 * LU factorisation with partial pivoting (Doolittle, one column per loop step): at step k the largest
 * |entry| at or below the diagonal of column k is swapped up, then the trailing block is eliminated.
 */
export function lu(x: ArrayLike): LU {
  const a = squareMatrix('lu', x);
  const n = a.shape[a.ndim - 1]!;
  const batch = a.shape.slice(0, -2);
  const [rowG, colG] = grids(a);
  const rowV = lax.iota('int32', [...batch, n], batch.length);
  const init: [Array, Array, Array] = [a, rowV, lax.full(batch, 1, a.dtype)];
  const [luM, perm, sgn] = forILoop(0, n, (k: Array, [m, p, s]: [Array, Array, Array]) => {
    const colK = lax.dynamicIndexInDim(m, k, -1, false); // [..., n]
    const cand = where(greaterEqual(rowV, k), absolute(colK), -1);
    const piv = expandDims(argmax(cand, -1), -1); // [..., 1]
    const swapIdx = where(equal(rowV, k), piv, where(equal(rowV, piv), k, rowV));
    m = takeAlongAxis(m, expandDims(swapIdx, -1), -2);
    p = takeAlongAxis(p, swapIdx, -1);
    s = where(notEqual(squeeze(piv, -1), k), lax.neg(s), s);
    const col = lax.dynamicIndexInDim(m, k, -1, false); // column k after the swap
    const rowK = lax.dynamicIndexInDim(m, k, -2, false); // pivot row
    const pivot = lax.dynamicIndexInDim(col, k, -1, true); // [..., 1]
    const l = where(greater(rowV, k), trueDivide(col, pivot), 0); // multipliers below the pivot
    const uRow = where(greater(rowV, k), rowK, 0); // trailing part of the pivot row
    m = subtract(m, multiply(expandDims(l, -1), expandDims(uRow, -2)));
    m = where(logicalAnd(greater(rowG, k), equal(colG, k)), npBroadcastTo(expandDims(l, -1), m.shape), m);
    return [m, p, s] as [Array, Array, Array];
  }, init);
  return { lu: luM, perm, sign: sgn };
}

/** Solves L y = b (unit lower) then U x = y, for b of shape [..., n, m]. */
function luSolve(f: LU, b: Array): Array {
  const n = f.lu.shape[f.lu.ndim - 1]!;
  const [rowG, colG] = grids(f.lu);
  const L = where(greater(rowG, colG), f.lu, 0), U = where(lessEqualG(rowG, colG), f.lu, 0);
  let y = takeAlongAxis(b, expandDims(f.perm, -1), -2);
  y = forILoop(0, n, (i: Array, yy: Array) => {
    const row = lax.dynamicIndexInDim(L, i, -2, true); // [..., 1, n]
    const yi = subtract(lax.dynamicIndexInDim(yy, i, -2, true), matmul(row, yy));
    return lax.dynamicUpdateIndexInDim(yy, yi, i, -2);
  }, y);
  return forILoop(0, n, (j: Array, xx: Array) => {
    const i = subtract(n - 1, j);
    const row = lax.dynamicIndexInDim(U, i, -2, true); // [..., 1, n]
    const uii = lax.dynamicIndexInDim(row, i, -1, true); // [..., 1, 1]
    const off = where(notEqual(lax.iota('int32', row.shape, row.ndim - 1), i), row, 0);
    const xi = trueDivide(subtract(lax.dynamicIndexInDim(xx, i, -2, true), matmul(off, xx)), uii);
    return lax.dynamicUpdateIndexInDim(xx, xi, i, -2);
  }, y);
}
const lessEqualG = (a: Array, b: Array): Array => lax.le(a, b);

/** x with a·x = b; b is [..., n] (a vector, when its rank is 1) or [..., n, m]. */
export function solve(a: ArrayLike, b: ArrayLike): Array {
  const A = squareMatrix('solve', a);
  let B = promoteInexact('solve', [b])[0]!;
  [, B] = promoteInexact('solve', [A, B]) as [Array, Array];
  const n = A.shape[A.ndim - 1]!;
  const vec = B.ndim === 1;
  if (vec) B = expandDims(B, -1);
  if (B.shape[B.ndim - 2] !== n)
    fail('solve', `b ${desc(B)} must have ${n} rows to match a ${desc(A)} (b is [..., n] or [..., n, m])`);
  const batch = broadcastBatch('solve', A, B);
  const Ab = npBroadcastTo(A, [...batch, n, n]);
  const Bb = npBroadcastTo(B, [...batch, n, B.shape[B.ndim - 1]!]);
  const x = luSolve(lu(Ab), castTo(Bb, Ab.dtype));
  return vec ? squeeze(x, -1) : x;
}
function broadcastBatch(op: string, A: Array, B: Array): number[] {
  const ba = A.shape.slice(0, -2), bb = B.shape.slice(0, -2);
  const nd = Math.max(ba.length, bb.length);
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    const x = ba[ba.length - nd + i] ?? 1, y = bb[bb.length - nd + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) fail(op, `batch shapes of ${desc(A)} and ${desc(B)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The inverse matrix (solve against the identity). */
export function inv(a: ArrayLike): Array {
  const A = squareMatrix('inv', a);
  const eye = castTo(lax.eq(lax.iota('int32', A.shape, A.ndim - 2), lax.iota('int32', A.shape, A.ndim - 1)), A.dtype);
  return luSolve(lu(A), eye);
}

/** Determinant: the permutation's sign times the product of U's diagonal. */
export function det(a: ArrayLike): Array {
  const f = lu(squareMatrix('det', a));
  return multiply(f.sign, prod(diagonal(f.lu, 0, -2, -1), -1));
}

/** [sign, log|det|] computed without overflow. */
export function slogdet(a: ArrayLike): [Array, Array] {
  const f = lu(squareMatrix('slogdet', a));
  const d = diagonal(f.lu, 0, -2, -1);
  const s = multiply(f.sign, prod(sign(d), -1));
  return [s, sum(log(absolute(d)), -1)];
}

/** Lower Cholesky factor L (a = L·Lᵀ) of a symmetric positive-definite matrix; reads a's lower triangle. */
export function cholesky(a: ArrayLike): Array {
  const A = squareMatrix('cholesky', a);
  const n = A.shape[A.ndim - 1]!;
  const [, colG] = grids(A);
  const rowV = lax.iota('int32', A.shape.slice(0, -1), A.ndim - 2);
  return forILoop(0, n, (j: Array, L: Array) => {
    const Lm = where(less(colG, j), L, 0); // columns < j are final
    const rowJ = lax.dynamicIndexInDim(Lm, j, -2, true); // [..., 1, n]: L[j, :j]
    const v = subtract(lax.dynamicIndexInDim(A, j, -1, false), sum(multiply(Lm, rowJ), -1)); // [..., n]
    const d = sqrt(lax.dynamicIndexInDim(v, j, -1, true));
    const col = where(greaterEqual(rowV, j), trueDivide(v, d), 0);
    return lax.dynamicUpdateIndexInDim(L, col, j, -1);
  }, fullOf(A, 0));
}

/** a raised to an integer power n (negative n inverts first), by repeated squaring. */
export function matrixPower(a: ArrayLike, n: number): Array {
  const A = squareMatrix('matrixPower', a);
  if (!Number.isInteger(n)) fail('matrixPower', `the exponent must be an integer, got ${n}`);
  let base = n < 0 ? inv(A) : A;
  let acc: Array | null = null;
  for (let k = Math.abs(n); k > 0; k >>= 1) {
    if (k & 1) acc = acc ? matmul(acc, base) : base;
    if (k > 1) base = matmul(base, base);
  }
  return acc ?? castTo(lax.eq(lax.iota('int32', A.shape, A.ndim - 2), lax.iota('int32', A.shape, A.ndim - 1)), A.dtype);
}
