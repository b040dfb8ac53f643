// The WGSL reductions, softmax, layer norm, fused attention and sort/top-k against float64 loops and JS sort.
import { describe, expect, it } from 'vitest';
import { encodeAttention } from '../src/targets/webgpu/routines/attention.js';
import { encodeLayerNorm, encodeSoftmax } from '../src/targets/webgpu/routines/norm.js';
import { type ReduceOp, encodeReduce } from '../src/targets/webgpu/routines/reduce.js';
import { encodeSort, encodeTopK } from '../src/targets/webgpu/routines/sort.js';
import { empty, gpuContext, randoms, readF32, readI32, submit, upload, worstError } from './wgsl-support.js';

const ctx = await gpuContext();
if (!ctx) process.stderr.write('wgsl tests skipped: no WebGPU adapter (install the `webgpu` package and a Vulkan driver such as mesa lavapipe)\n');
const d = describe.skipIf(!ctx);
const T = { timeout: 300_000 };

d('encodeReduce', () => {
  const fold: Record<ReduceOp, [number, (a: number, b: number) => number]> = {
    sum: [0, (a, b) => a + b], prod: [1, (a, b) => a * b], max: [-Infinity, Math.max], min: [Infinity, Math.min],
  };
  const cases: [number, number, number][] = [[1, 1, 1], [3, 1000, 1], [1, 100_003, 1], [2, 70_001, 1], [300, 17, 1], [4, 33, 5], [2, 7, 129]];
  const sgModes = ctx?.device.features.has('subgroups') ? [false, true] : [false];
  for (const op of ['sum', 'max', 'min', 'prod'] as const)
    it(`${op} over [outer, size, inner] matches a float64 loop (rows, long rows in two passes, columns${sgModes.length > 1 ? ', with and without subgroups' : ''})`, T, async () => {
      for (const subgroups of sgModes)
        for (const [outer, size, inner] of cases) {
          const x = randoms(outer * size * inner, size + inner).map((v) => (op === 'prod' ? 1 + v / Math.max(size, 8) : v));
          const [init, f] = fold[op];
          const ref = new Float64Array(outer * inner).fill(init);
          for (let o = 0; o < outer; o++) for (let s = 0; s < size; s++) for (let i = 0; i < inner; i++) ref[o * inner + i] = f(ref[o * inner + i]!, x[(o * size + s) * inner + i]!);
          const out = empty(ctx!, outer * inner * 4);
          await submit(ctx!, (enc) => encodeReduce(ctx!, enc, { x: upload(ctx!, x), out, op, outer, size, inner, subgroups }));
          // f32 accumulation: error grows like √size ulps for sums and products of near-1 factors
          const tol = op === 'sum' || op === 'prod' ? 1e-5 * Math.sqrt(size) : 1e-6;
          expect({ op, outer, size, inner, subgroups, err: worstError(await readF32(ctx!, out, outer * inner), ref, tol, tol) }).toMatchObject({ err: expect.toSatisfy((e: number) => e <= 1) });
        }
    });

  it('max propagates NaN and handles -inf', T, async () => {
    const x = new Float32Array([1, NaN, 3, -Infinity, -Infinity, -Infinity]);
    const out = empty(ctx!, 8);
    await submit(ctx!, (enc) => encodeReduce(ctx!, enc, { x: upload(ctx!, x), out, op: 'max', outer: 2, size: 3 }));
    const r = await readF32(ctx!, out, 2);
    expect(Number.isNaN(r[0])).toBe(true);
    expect(r[1]).toBe(-Infinity);
  });
});

d('encodeSoftmax and encodeLayerNorm', () => {
  it('softmax and log-softmax along rows match float64 (odd widths, large values)', T, async () => {
    for (const [rows, n] of [[1, 1], [5, 7], [3, 1000], [70, 33]] as const) {
      const x = randoms(rows * n, n).map((v, i) => v * 30 + (i % 3) * 50);
      for (const log of [false, true]) {
        const ref = new Float64Array(rows * n);
        for (let r = 0; r < rows; r++) {
          const row = Array.from(x.subarray(r * n, (r + 1) * n));
          const m = Math.max(...row), s = row.reduce((a, v) => a + Math.exp(v - m), 0);
          row.forEach((v, i) => (ref[r * n + i] = log ? v - m - Math.log(s) : Math.exp(v - m) / s));
        }
        const out = empty(ctx!, rows * n * 4);
        await submit(ctx!, (enc) => encodeSoftmax(ctx!, enc, { x: upload(ctx!, x), out, rows, n, log }));
        expect({ rows, n, log, err: worstError(await readF32(ctx!, out, rows * n), ref, log ? 2e-5 * 150 : 1e-6, 1e-4) }) // log: x - lse with |x| ≤ 150 loses ~150·ulp.toMatchObject({ err: expect.toSatisfy((e: number) => e <= 1) });
      }
    }
  });

  it('layer norm (γ, β, stats) along rows matches float64', T, async () => {
    for (const [rows, n, affine] of [[4, 9, true], [3, 1000, true], [65, 64, false], [1, 1, true]] as const) {
      const x = randoms(rows * n, n + 1).map((v, i) => v * 3 + 100 + (i % n) * 0.01);
      const g = randoms(n, 2), b = randoms(n, 3), eps = 1e-5;
      const ref = new Float64Array(rows * n), stats = new Float64Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * n, (r + 1) * n));
        const mu = row.reduce((a, v) => a + v, 0) / n, vr = row.reduce((a, v) => a + (v - mu) ** 2, 0) / n, rstd = 1 / Math.sqrt(vr + eps);
        row.forEach((v, i) => (ref[r * n + i] = (v - mu) * rstd * (affine ? g[i]! : 1) + (affine ? b[i]! : 0)));
        stats[2 * r] = mu, stats[2 * r + 1] = rstd;
      }
      const out = empty(ctx!, rows * n * 4), st = empty(ctx!, rows * 8);
      await submit(ctx!, (enc) =>
        encodeLayerNorm(ctx!, enc, { x: upload(ctx!, x), out, rows, n, eps, stats: st, ...(affine ? { gamma: upload(ctx!, g), beta: upload(ctx!, b) } : {}) }),
      );
      expect({ rows, n, err: worstError(await readF32(ctx!, out, rows * n), ref, 1e-4, 1e-3) }).toMatchObject({ err: expect.toSatisfy((e: number) => e <= 1) });
      expect({ rows, n, err: worstError(await readF32(ctx!, st, rows * 2), stats, 1e-4, 1e-4) }).toMatchObject({ err: expect.toSatisfy((e: number) => e <= 1) });
    }
  });
});

d('encodeAttention', () => {
  function naive(q: Float32Array, k: Float32Array, v: Float32Array, B: number, lq: number, lk: number, dd: number, dv: number, causal: boolean, off: number): Float64Array {
    const out = new Float64Array(B * lq * dv);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < lq; i++) {
        const s: number[] = [];
        for (let j = 0; j < lk; j++) {
          let dot = 0;
          for (let t = 0; t < dd; t++) dot += q[(b * lq + i) * dd + t]! * k[(b * lk + j) * dd + t]!;
          s.push(causal && j > i + off ? -Infinity : dot / Math.sqrt(dd));
        }
        const m = Math.max(...s);
        if (m === -Infinity) continue;
        const e = s.map((x) => Math.exp(x - m)), z = e.reduce((a, x) => a + x, 0);
        for (let j = 0; j < lk; j++) for (let t = 0; t < dv; t++) { const o = (b * lq + i) * dv + t; out[o] = out[o]! + (e[j]! / z) * v[(b * lk + j) * dv + t]!; }
      }
    return out;
  }
  const cases = [
    { B: 2, lq: 5, lk: 7, dd: 8, dv: 8, causal: false, off: 0 },
    { B: 3, lq: 70, lk: 70, dd: 16, dv: 12, causal: true, off: 0 },
    { B: 1, lq: 9, lk: 40, dd: 4, dv: 4, causal: true, off: 31 },
    { B: 1, lq: 6, lk: 6, dd: 3, dv: 5, causal: true, off: -2 },
  ];
  for (const variant of ['direct', 'tiled'] as const)
    it(`${variant}: matches naive softmax(q·kᵀ/√d)·v with and without a causal mask`, T, async () => {
      for (const c of cases) {
        const q = randoms(c.B * c.lq * c.dd, 1).map((x) => x * 3), k = randoms(c.B * c.lk * c.dd, 2), v = randoms(c.B * c.lk * c.dv, 3);
        const out = empty(ctx!, c.B * c.lq * c.dv * 4);
        await submit(ctx!, (enc) =>
          encodeAttention(ctx!, enc, { q: upload(ctx!, q), k: upload(ctx!, k), v: upload(ctx!, v), out, batch: c.B, lq: c.lq, lk: c.lk, d: c.dd, dv: c.dv, causal: c.causal, causalOffset: c.off, variant }),
        );
        const ref = naive(q, k, v, c.B, c.lq, c.lk, c.dd, c.dv, c.causal, c.off);
        expect({ c, err: worstError(await readF32(ctx!, out, ref.length), ref, 1e-5, 1e-4) }).toMatchObject({ err: expect.toSatisfy((e: number) => e <= 1) });
      }
    });
});

d('encodeSort and encodeTopK', () => {
  // Ascending with NaN last and ties by position (a stable sort): JS sort is stable.
  const asc = (row: number[]): number[] => row.map((v, i) => i).sort((a, b) => {
    const x = row[a]!, y = row[b]!;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
    return x - y;
  });
  const data = (rows: number, n: number, seed: number): Float32Array =>
    randoms(rows * n, seed).map((v, i) => (i % 11 === 3 ? NaN : i % 5 === 0 ? 0.5 : Math.round(v * 20) / 4));

  it('sorts rows ascending and descending with argsort indices (ties, NaN, odd lengths)', T, async () => {
    for (const [rows, n] of [[1, 1], [3, 5], [2, 100], [1, 1000]] as const)
      for (const descending of [false, true]) {
        const x = data(rows, n, n);
        const vals = empty(ctx!, rows * n * 4), idx = empty(ctx!, rows * n * 4);
        await submit(ctx!, (enc) => encodeSort(ctx!, enc, { x: upload(ctx!, x), values: vals, indices: idx, rows, n, descending }));
        const gv = await readF32(ctx!, vals, rows * n), gi = await readI32(ctx!, idx, rows * n);
        for (let r = 0; r < rows; r++) {
          const row = Array.from(x.subarray(r * n, (r + 1) * n));
          let order = asc(row);
          if (descending) order = order.reverse();
          expect(Array.from(gi.subarray(r * n, (r + 1) * n))).toEqual(order);
          expect(Array.from(gv.subarray(r * n, (r + 1) * n))).toEqual(order.map((i) => row[i]));
        }
      }
  });

  it('top-k gives the k largest (NaN first, ties by lower index) with positions', T, async () => {
    for (const [rows, n, k] of [[2, 10, 3], [3, 257, 17], [1, 5, 5], [4, 64, 1]] as const) {
      const x = data(rows, n, k + n);
      const vals = empty(ctx!, rows * k * 4), idx = empty(ctx!, rows * k * 4);
      await submit(ctx!, (enc) => encodeTopK(ctx!, enc, { x: upload(ctx!, x), values: vals, indices: idx, rows, n, k }));
      const gv = await readF32(ctx!, vals, rows * k), gi = await readI32(ctx!, idx, rows * k);
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * n, (r + 1) * n));
        const order = row.map((v, i) => i).sort((a, b) => {
          const x1 = row[a]!, y1 = row[b]!;
          if (Number.isNaN(x1) || Number.isNaN(y1)) return Number(Number.isNaN(y1)) - Number(Number.isNaN(x1)) || a - b;
          return y1 - x1 || a - b;
        }).slice(0, k);
        expect(Array.from(gi.subarray(r * k, (r + 1) * k))).toEqual(order);
        expect(Array.from(gv.subarray(r * k, (r + 1) * k))).toEqual(order.map((i) => row[i]));
      }
    }
  });
});

describe('kernel sources', () => {
  it('sources.generated.ts matches kernels/*.wgsl (regenerate: node --import tsx src/targets/webgpu/routines/generate-sources.ts)', async () => {
    const { readFileSync } = await import('node:fs');
    const { generatedText } = await import('../src/targets/webgpu/routines/generate-sources.js');
    expect(readFileSync(new URL('../src/targets/webgpu/routines/sources.generated.ts', import.meta.url), 'utf8')).toBe(generatedText());
  });
});
