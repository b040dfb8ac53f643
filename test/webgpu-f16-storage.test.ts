// float16 on webgpu in 16-bit buffers (f16Storage, adapters with shader-f16) and in f32 buffers: sizes, every bit
// pattern through upload, readback and GPU ops, odd lengths and offsets, both paths bit-identical, law cases with it off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Array as Tensor, initWebGpu, jit, lax, memoryStats, np, setTarget, webgpuInfo, withTarget } from '../src/index.js';
import type { ConcreteArray } from '../src/core/array.js';
import { f16FromBits } from '../src/core/dtype.js';
import type { Prim } from '../src/core/primitive.js';
import type { GpuStorage } from '../src/targets/webgpu/device.js';
import { sizeClass } from '../src/targets/webgpu/device.js';
import { acquireWebGpu, conformance, put, tol16 } from './webgpu-conformance.js';

const why = await acquireWebGpu();
const ok = why === '';
/** 16-bit buffers are possible here (the adapter has shader-f16). */
const has16 = ok && webgpuInfo()!.f16;
afterAll(async () => {
  if (ok) await initWebGpu({ f16Storage: true });
  setTarget('ref');
});

const storageOf = (x: Tensor): GpuStorage => (x as ConcreteArray).device as GpuStorage;
const h16 = (v: ArrayLike<number>): Tensor => np.array(Float32Array.from(v), 'float16');
/** Every float16 bit pattern's value (the NaN patterns as NaN). */
const allHalves = (): Float32Array => Float32Array.from({ length: 0x10000 }, (_, h) => f16FromBits(h));
/** Index of the first element whose bits differ (NaN equals NaN), or -1. */
const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
};
const data = async (x: Tensor): Promise<number[]> => Array.from(await x.data(), Number);

/** Computations covering native (kernel IR, GEMM) and staged (other routines) float16 rules, odd sizes and offsets. */
function programs(): Record<string, () => Tensor> {
  const a = h16(Array.from({ length: 15 * 9 }, (_, i) => Math.sin(i * 1.7) * 3)).reshape([15, 9]);
  const b = h16(Array.from({ length: 9 * 13 }, (_, i) => Math.cos(i * 0.3) * 2)).reshape([9, 13]);
  const v = h16(Array.from({ length: 1001 }, (_, i) => (i - 500) / 7));
  const img = h16(Array.from({ length: 2 * 3 * 7 * 7 }, (_, i) => Math.sin(i))).reshape([2, 3, 7, 7]);
  const w = h16(Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.cos(i))).reshape([4, 3, 3, 3]);
  const big = h16(Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i) * 2)).reshape([64, 48]);
  const big2 = h16(Array.from({ length: 48 * 40 }, (_, i) => Math.cos(i * 0.7))).reshape([48, 40]);
  return {
    chain: () => v.add(v).tanh().mul(v),
    matmul: () => np.matmul(a, b),
    matmulBig: () => np.matmul(big, big2),
    matmulT: () => np.matmul(big2.T, big.T),
    reductions: () => np.concatenate([a.sum(0), a.max(1), a.sum().reshape([1])]),
    sliceOdd: () => lax.slice(v, [3], [998], [3]),
    conv: () => lax.convGeneralDilated(img, w, { padding: 'SAME' }),
    sort: () => np.sort(v.mul(-1.3)),
    cumsum: () => np.cumsum(a, 1),
    scanOdd: () => {
      const [c, ys] = lax.scan((c: Tensor, x: Tensor) => [c.add(x), c.mul(x)], h16([0, 1, 2]), a.reshape([45, 3]));
      return np.concatenate([c, (ys as Tensor).reshape([-1])]);
    },
  };
}

describe.skipIf(!ok)('float16 storage on webgpu', () => {
  it('is 16-bit where the adapter has shader-f16 (the default), as webgpuInfo reports', () => {
    const info = webgpuInfo()!;
    expect(info.f16Storage).toBe(info.f16 && process.env.TENSORLAW_WEBGPU_F16 !== '0');
  });

  it.skipIf(!has16)('a float16 array of n elements takes ceil(n/2)·4 bytes (odd n padded); float32 takes 4n', () => {
    for (const n of [1, 2, 3, 1001, 65537]) {
      const before = memoryStats().webgpu?.bytes ?? 0;
      const [x] = put([h16(Array.from({ length: n }, (_, i) => i % 100))]);
      const st = storageOf(x!);
      expect(st.half).toBe(true);
      expect(st.byteLength).toBe(Math.ceil(n / 2) * 4);
      expect(st.buffer.size).toBe(sizeClass(Math.ceil(n / 2) * 4));
      expect(memoryStats().webgpu!.bytes - before).toBe(Math.ceil(n / 2) * 4);
      const [y] = put([np.zeros([n], 'float32')]);
      expect(storageOf(y!).byteLength).toBe(4 * n);
      x!.dispose();
      y!.dispose();
    }
  });

  it('every float16 bit pattern survives upload and readback, native ops and a staged one (±Inf, NaN, -0, subnormals)', async () => {
    const all = allHalves();
    const x = h16(all);
    const copied = await data(put([x])[0]!); // upload, a buffer copy, readback
    expect(firstDiff(copied, all)).toBe(-1);
    const negNeg = await data(withTarget('webgpu', () => jit((a: Tensor) => a.neg().neg())(x))); // kernel IR
    expect(firstDiff(negNeg, all)).toBe(-1);
    const catted = await data(withTarget('webgpu', () => jit((a: Tensor) => np.concatenate([a.reshape([2, -1]), a.reshape([2, -1])], 1))(x))); // a move
    const want = Array.from({ length: 2 }, (_, r) => [...all.subarray(r * 0x8000, (r + 1) * 0x8000), ...all.subarray(r * 0x8000, (r + 1) * 0x8000)]).flat();
    expect(firstDiff(catted, want)).toBe(-1);
    const sorted = await data(withTarget('webgpu', () => jit((a: Tensor) => np.sort(a))(x))); // staged through f32 buffers
    expect(firstDiff(sorted, Array.from(withTarget('ref', () => np.sort(x)).dataSync(), Number))).toBe(-1);
  });

  it('rounds every op result exactly like the reference: ties to even, overflow to ±Inf from 65520, subnormals', async () => {
    // x·1 of float32 values is the float16 rounding of each (convertElementType then mul, both rounding once)
    const src = new Float32Array(3 * 0x7c00);
    for (let h = 0; h < 0x7c00; h++) {
      const a = f16FromBits(h), b = f16FromBits(h + 1);
      src.set([(a + b) / 2, -(a + b) / 2, a + (b - a) * 0.75], 3 * h);
    }
    src.set([65519.99, -65520, 1e30, NaN, -0, 2 ** -25, 3 * 2 ** -26], 0);
    const f = (s: Tensor) => s.astype('float16').mul(h16([1]));
    const got = await data(withTarget('webgpu', () => jit(f)(np.array(src, 'float32'))));
    const want = Array.from(withTarget('ref', () => f(np.array(src, 'float32'))).dataSync(), Number);
    const i = firstDiff(got, want);
    expect(i, `${src[i]}: webgpu ${got[i]}, ref ${want[i]}`).toBe(-1);
  });

  it('odd lengths and offsets (slices, scan rows, concatenations) and every routine equal the reference', async () => {
    for (const [name, p] of Object.entries(programs())) {
      const want = Array.from(withTarget('ref', p).dataSync(), Number);
      const got = await data(withTarget('webgpu', () => jit(p)()));
      const exact = ['chain', 'sliceOdd', 'scanOdd', 'sort'].includes(name);
      if (exact) expect(firstDiff(got, want), name).toBe(-1);
      else got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${name}[${i}]`).toBeLessThanOrEqual(2e-2 + 4e-3 * Math.abs(want[i]!)));
    }
  });

  it.skipIf(!has16)('16-bit and f32 buffers give bit-identical results (native, GEMM and staged rules)', async () => {
    const run = async (): Promise<Record<string, number[]>> => {
      const out: Record<string, number[]> = {};
      for (const [name, p] of Object.entries(programs())) out[name] = await data(withTarget('webgpu', () => jit(p)()));
      return out;
    };
    const on = await run();
    await initWebGpu({ f16Storage: false });
    expect(webgpuInfo()!.f16Storage).toBe(false);
    const off = await run();
    await initWebGpu({ f16Storage: true });
    expect(webgpuInfo()!.f16Storage).toBe(true);
    for (const name of Object.keys(on)) expect(firstDiff(on[name]!, off[name]!), name).toBe(-1);
  });
});

// float16 in f32 buffers (adapters without shader-f16) keeps running: a subset of the law cases with the option off
describe.skipIf(!ok)('webgpu target vs ref in float16, in f32 buffers (f16Storage: false)', () => {
  beforeAll(async () => {
    await initWebGpu({ f16Storage: false });
  });
  afterAll(async () => {
    await initWebGpu({ f16Storage: true });
  });
  it('stores float16 in 4-byte elements', () => {
    expect(webgpuInfo()!.f16Storage).toBe(false);
    expect(storageOf(put([h16([1, 2, 3])])[0]!).byteLength).toBe(12);
  });
  const subset: Prim[] = ['add', 'tanh', 'convertElementType', 'dotGeneral', 'reduceSum', 'convGeneralDilated', 'concatenate', 'gather', 'scatterAdd', 'cumsum', 'sort', 'scan', 'cond', 'argmax'];
  for (const prim of subset) it(`${prim} (float16 in f32 buffers): eager and jitted, within ${tol16(prim)[1]} of ref`, () => conformance(prim, 'float16', tol16(prim)));
});
