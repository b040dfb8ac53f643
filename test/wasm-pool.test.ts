// Pooling (lax.reduceWindow) where the windows tile the input — the one-reduction path the CNN workloads take —
// against a naive loop written here over the same data: forward values of max/min/sum/avg (exact: the same
// elements combined), and the max-pool gradient (the cotangent goes to the window's maximum; equal maxima share it
// equally, so every window's gradient sums to its cotangent), on the reference and wasm targets, float32 and float64,
// under grad and jit(grad); and windows that do not tile (the strided-slice path) still agree with the naive loop.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import type { Array as TArray } from '../src/core/trace.js';
import * as lax from '../src/lax/ops.js';
import { withTarget } from '../src/targets/registry.js';
import '../src/targets/wasm/index.js';
import { grad } from '../src/transforms/grad.js';
import { jit } from '../src/transforms/jit.js';
import { prng as rng } from '../laws/util.js';

type FDType = 'float32' | 'float64';
type Op = 'max' | 'min' | 'sum' | 'avg';


/** Row-major strides. */
const stridesOf = (s: readonly number[]): number[] => {
  const st = s.map(() => 1);
  for (let i = s.length - 2; i >= 0; i--) st[i] = st[i + 1]! * s[i + 1]!;
  return st;
};

/** Every multi-index of a shape, in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < n; f++) {
    const idx: number[] = [];
    let r = f;
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = r % shape[i]!;
      r = Math.floor(r / shape[i]!);
    }
    yield idx;
  }
}

/**
 * The naive pooling (VALID, window = stride per axis): out[o] = op over x[o·w + k]; and for max, the gradient of
 * Σ out·ct: each window's ct split equally among the positions holding the window's maximum.
 */
function naive(x: Float64Array, shape: readonly number[], win: readonly number[], op: Op, ct: Float64Array | null) {
  const outShape = shape.map((d, i) => Math.floor(d / win[i]!));
  const st = stridesOf(shape);
  const out: number[] = [];
  const g = new Float64Array(x.length);
  let o = 0;
  for (const oi of indices(outShape)) {
    const members: number[] = [];
    for (const k of indices(win)) members.push(oi.reduce((acc, v, i) => acc + (v * win[i]! + k[i]!) * st[i]!, 0));
    const vals = members.map((m) => x[m]!);
    let r: number;
    if (op === 'max') r = Math.max(...vals);
    else if (op === 'min') r = Math.min(...vals);
    else {
      r = vals.reduce((a, b) => a + b, 0);
      if (op === 'avg') r /= vals.length;
    }
    out.push(r);
    if (ct) {
      const at = members.filter((m) => x[m] === r);
      for (const m of at) g[m]! += ct[o]! / at.length;
    }
    o++;
  }
  return { out, outShape, g };
}

const arr = (data: ArrayLike<number>, shape: readonly number[], dtype: FDType): TArray =>
  fromTyped(dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), shape, dtype) as unknown as TArray;
const vals = (a: TArray): number[] => Array.from(a.dataSync() as ArrayLike<number>);

const tilingCase = fc
  .record({
    rank: fc.integer({ min: 1, max: 4 }),
    dims: fc.array(fc.record({ out: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 0, max: 2 }) }), {
      minLength: 4,
      maxLength: 4,
    }),
    op: fc.constantFrom<Op>('max', 'min', 'sum', 'avg'),
    dtype: fc.constantFrom<FDType>('float32', 'float64'),
    ties: fc.boolean(),
    target: fc.constantFrom('ref', 'wasm'),
    seed: fc.nat(),
  })
  .map((c) => {
    const d = c.dims.slice(0, c.rank);
    // a remainder smaller than the window is left uncovered (VALID): sliced off by the tiled path
    return { ...c, shape: d.map((a) => a.out * a.w + Math.min(a.extra, a.w - 1)), win: d.map((a) => a.w) };
  });

describe('reduceWindow with tiling windows (one reduction) = the naive loop', () => {
  it('forward values and the max/min gradient, ref and wasm targets, float32 and float64', () => {
    fc.assert(
      fc.property(tilingCase, (c) => {
        const r = rng(c.seed);
        const n = c.shape.reduce((a, b) => a * b, 1);
        // ties: small integers (many equal maxima); else distinct dyadic values, exact in float32
        const xd = Float64Array.from({ length: n }, (_, i) => (c.ties ? Math.floor(r() * 3) : ((i * 7919) % n) / 8));
        const { out, outShape } = naive(xd, c.shape, c.win, c.op, null);
        const ctd = Float64Array.from({ length: out.length }, () => Math.floor(r() * 9) - 4);
        const x = arr(xd, c.shape, c.dtype), ct = arr(ctd, outShape, c.dtype);
        const pool = (a: TArray) => lax.reduceWindow(a, c.op, c.win, c.win);
        withTarget(c.target, () => {
          const y = pool(x);
          expect(y.shape).toEqual(outShape);
          const got = vals(y);
          out.forEach((v, i) => expect(Math.abs(got[i]! - v), `${JSON.stringify(c)} out[${i}]`).toBeLessThanOrEqual(c.op === 'avg' ? 1e-6 * Math.abs(v) : 0));
          if (c.op === 'max' || c.op === 'min') {
            const want = naive(c.op === 'max' ? xd : xd.map((v) => -v), c.shape, c.win, 'max', ctd).g;
            const loss = (a: TArray) => lax.reduceSum(lax.mul(pool(a), ct));
            for (const gf of [grad(loss), jit(grad(loss))]) {
              const gg = vals(gf(x) as TArray);
              want.forEach((v, i) => expect(Math.abs(gg[i]! - v), `${JSON.stringify(c)} grad[${i}]`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v))));
            }
          }
        });
      }),
      { numRuns: 120, seed: 7 },
    );
  });

  it('windows that do not tile (stride ≠ window, padding) still match the naive definition', () => {
    // 2×2 windows, stride 1 over a 3×4 input: out[i, j] = max of x[i..i+1, j..j+1]
    const xd = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
    for (const target of ['ref', 'wasm'])
      withTarget(target, () => {
        const y = lax.reduceWindow(arr(xd, [3, 4], 'float32'), 'max', [2, 2], [1, 1]);
        expect(vals(y)).toEqual([9, 9, 6, 9, 9, 8]);
        const z = lax.reduceWindow(arr(xd, [3, 4], 'float32'), 'sum', [2, 2], [2, 2], 'SAME');
        expect(vals(z)).toEqual([3 + 1 + 5 + 9, 4 + 1 + 2 + 6, 5 + 3, 5 + 8]);
      });
  });
});
