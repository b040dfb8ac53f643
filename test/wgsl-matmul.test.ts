// The WGSL GEMM (kernels/matmul.wgsl) and implicit-GEMM convolutions against float64 loops and the library's ref target.
import { describe, expect, it } from 'vitest';
import { lax, np, vjp, withTarget } from '../src/index.js';
import type { Epilogue, TileConfig } from '../src/targets/webgpu/routines/common.js';
import { conv2dOutShape, convForms, encodeConv2d, encodeConv2dFilterGrad, encodeConv2dInputGrad } from '../src/targets/webgpu/routines/conv.js';
import { encodeMatmul, matmulTiles } from '../src/targets/webgpu/routines/matmul.js';
import { empty, gpuContext, randoms, readBytes, readF32, submit, upload, worstError } from './wgsl-support.js';

const ctx = await gpuContext();
if (!ctx) process.stderr.write('wgsl tests skipped: no WebGPU adapter (install the `webgpu` package and a Vulkan driver such as mesa lavapipe)\n');
const d = describe.skipIf(!ctx);

const act: Record<Epilogue, (x: number) => number> = {
  none: (x) => x,
  relu: (x) => Math.max(x, 0),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)),
};
// erf by its Maclaurin series (|x| small) / continued fraction (large): an implementation independent of the kernel's.
function erf(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let sum = 0, term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

interface Case { batch: number; m: number; n: number; k: number; transA: boolean; transB: boolean; bcastA?: boolean; bias?: boolean; epilogue?: Epilogue }

function reference(c: Case, a: Float32Array, b: Float32Array, bias: Float32Array): Float64Array {
  const { batch, m, n, k } = c;
  const out = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const ab = c.bcastA ? 0 : z * m * k;
          const av = a[ab + (c.transA ? p * m + i : i * k + p)]!;
          const bv = b[z * k * n + (c.transB ? j * k + p : p * n + j)]!;
          s += av * bv;
        }
        if (c.bias) s += bias[j]!;
        out[z * m * n + i * n + j] = act[c.epilogue ?? 'none'](s);
      }
  return out;
}

async function runMatmul(c: Case, tiles?: Partial<TileConfig>): Promise<number> {
  const { batch, m, n, k } = c;
  const a = randoms((c.bcastA ? 1 : batch) * m * k, m * 7 + k), b = randoms(batch * k * n, n * 13 + k), bias = randoms(n, 5);
  const out = empty(ctx!, batch * m * n * 4);
  await submit(ctx!, (enc) =>
    encodeMatmul({ ...ctx!, ...(tiles ? { tiles } : {}) }, enc, {
      a: upload(ctx!, a), b: upload(ctx!, b), out, batch, m, n, k, transA: c.transA, transB: c.transB,
      ...(c.bcastA ? { aBatchStride: 0 } : {}), ...(c.bias ? { bias: upload(ctx!, bias) } : {}), epilogue: c.epilogue ?? 'none',
    }),
  );
  return worstError(await readF32(ctx!, out, batch * m * n), reference(c, a, b, bias), 1e-4, 1e-4);
}

d('encodeMatmul', () => {
  it('takes 16 rows per thread on CPU adapters, 8 where the host is known to lack AVX-512 (wideHost false)', () => {
    expect(matmulTiles({ device: ctx!.device, cpuLike: true }).tm).toBe(16);
    expect(matmulTiles({ device: ctx!.device, cpuLike: true, wideHost: true }).tm).toBe(16);
    expect(matmulTiles({ device: ctx!.device, cpuLike: true, wideHost: false }).tm).toBe(8);
  });
  it('matches float64 loops over odd shapes, transposes, batch, broadcast and epilogues (default tiles)', { timeout: 300_000 }, async () => {
    const cases: Case[] = [
      { batch: 1, m: 1, n: 1, k: 1, transA: false, transB: false },
      { batch: 1, m: 37, n: 45, k: 29, transA: false, transB: false },
      { batch: 1, m: 64, n: 64, k: 64, transA: false, transB: false, bias: true, epilogue: 'relu' },
      { batch: 3, m: 33, n: 17, k: 70, transA: true, transB: false },
      { batch: 2, m: 19, n: 36, k: 12, transA: false, transB: true, bias: true, epilogue: 'gelu' },
      { batch: 2, m: 40, n: 8, k: 9, transA: true, transB: true, epilogue: 'tanh' },
      { batch: 4, m: 13, n: 24, k: 16, transA: false, transB: false, bcastA: true, bias: true, epilogue: 'sigmoid' },
      { batch: 1, m: 5, n: 130, k: 3, transA: false, transB: false, epilogue: 'silu' },
      { batch: 1, m: 70, n: 20, k: 100, transA: false, transB: false, bias: true, epilogue: 'gelu_tanh' },
      { batch: 1, m: 8, n: 8, k: 0, transA: false, transB: false, bias: true },
      // transposed operands read by vec4 along their stored rows (m or k a multiple of 4), odd k, broadcast A
      { batch: 3, m: 36, n: 20, k: 13, transA: true, transB: false },
      { batch: 2, m: 21, n: 30, k: 24, transA: false, transB: true, bias: true, epilogue: 'relu' },
      { batch: 2, m: 44, n: 9, k: 28, transA: true, transB: true, bcastA: true },
    ];
    for (const c of cases) expect({ c, err: await runMatmul(c) }).toEqual({ c, err: expect.toSatisfy((e: number) => e <= 1) });
  });

  // (Workgroup-memory tilings compile slowly on lavapipe, ~20 s each: barriers split the shader into coroutines.)
  it('gives the same results with every tiling (direct register blocks and workgroup-memory tiles)', { timeout: 600_000 }, async () => {
    const tilings: Partial<TileConfig>[] = [
      { wgX: 8, wgY: 8, tm: 4, tn: 4, bk: 0 },
      { wgX: 4, wgY: 8, tm: 8, tn: 8, bk: 0 },
      { wgX: 16, wgY: 4, tm: 2, tn: 8, bk: 0 },
      { wgX: 16, wgY: 1, tm: 16, tn: 4, bk: 0 }, // A rows shared by subgroupBroadcast when the device has subgroups
      { wgX: 8, wgY: 1, tm: 8, tn: 4, bk: 0, sgBroadcast: false },
      { wgX: 4, wgY: 4, tm: 4, tn: 4, bk: 8 }, // workgroup-memory tiles (gemmTiled, the GPU kernel); small, as lavapipe compiles barriers slowly
    ];
    const c: Case = { batch: 2, m: 67, n: 71, k: 53, transA: false, transB: false, bias: true, epilogue: 'relu' };
    const ct: Case = { batch: 1, m: 48, n: 52, k: 36, transA: true, transB: true };
    for (const t of tilings) {
      expect({ t, err: await runMatmul(c, t) }).toEqual({ t, err: expect.toSatisfy((e: number) => e <= 1) });
      expect({ t, err: await runMatmul(ct, t) }).toEqual({ t, err: expect.toSatisfy((e: number) => e <= 1) });
    }
  });

  it('stores and loads f16 when the device has shader-f16', async () => {
    if (!ctx!.device.features.has('shader-f16')) return;
    const m = 24, n = 20, k = 32;
    const a = randoms(m * k, 3), b = randoms(k * n, 4);
    const h = (x: Float32Array): Uint16Array => Uint16Array.from(x, f16bits);
    const out = empty(ctx!, m * n * 2);
    await submit(ctx!, (enc) => encodeMatmul(ctx!, enc, { a: upload(ctx!, h(a)), b: upload(ctx!, h(b)), out, m, n, k, dtype: 'f16' }));
    const got = Array.from(new Uint16Array(await readBytes(ctx!, out, m * n * 2)), fromF16bits);
    const ref = reference({ batch: 1, m, n, k, transA: false, transB: false }, Float32Array.from(a, (x) => fromF16bits(f16bits(x))), Float32Array.from(b, (x) => fromF16bits(f16bits(x))), new Float32Array(0));
    expect(worstError(got, ref, 2e-2, 2e-3)).toBeLessThanOrEqual(1);
  });
});

// IEEE half from/to float (round to nearest even), for the f16 test.
function f16bits(x: number): number {
  const f = new Float32Array([x]), u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000, e = ((u >>> 23) & 0xff) - 127 + 15, mant = u & 0x7fffff;
  if (e <= 0) return sign; // (test data is well inside the normal range)
  let h = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return h;
}
function fromF16bits(h: number): number {
  const e = (h >>> 10) & 0x1f, m = h & 0x3ff, s = h & 0x8000 ? -1 : 1;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
}

interface ConvCase {
  n: number; h: number; w: number; cin: number; cout: number; kh: number; kw: number;
  stride: [number, number]; padding: [[number, number], [number, number]]; dilation: [number, number];
  lhsDilation: [number, number]; groups: number; layout: 'NHWC' | 'NCHW'; filterLayout: 'HWIO' | 'OIHW';
}

/** y, dx, dw of the library's ref target (lax.convGeneralDilated and its vjp) for cotangent dy. */
function refConv(c: ConvCase, x: Float32Array, w: Float32Array, dy: Float32Array, oh: number, ow: number) {
  return withTarget('ref', () => {
    const xs = c.layout === 'NHWC' ? [c.n, c.h, c.w, c.cin] : [c.n, c.cin, c.h, c.w];
    const ws = c.filterLayout === 'HWIO' ? [c.kh, c.kw, c.cin / c.groups, c.cout] : [c.cout, c.cin / c.groups, c.kh, c.kw];
    const ys = c.layout === 'NHWC' ? [c.n, oh, ow, c.cout] : [c.n, c.cout, oh, ow];
    const f = (xa: np.Array, wa: np.Array) =>
      lax.convGeneralDilated(xa, wa, {
        windowStrides: c.stride, padding: c.padding, rhsDilation: c.dilation, lhsDilation: c.lhsDilation,
        featureGroupCount: c.groups, dimensionNumbers: [c.layout, c.filterLayout, c.layout],
      });
    const [y, back] = vjp(f, np.array(x).reshape(xs), np.array(w).reshape(ws));
    const [dx, dw] = back(np.array(dy).reshape(ys));
    return { y: (y as np.Array).dataSync(), dx: (dx as np.Array).dataSync(), dw: (dw as np.Array).dataSync() };
  });
}

d('encodeConv2d and its gradients', () => {
  const base: ConvCase = { n: 2, h: 7, w: 6, cin: 3, cout: 5, kh: 3, kw: 3, stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], lhsDilation: [1, 1], groups: 1, layout: 'NHWC', filterLayout: 'HWIO' };
  const cases: ConvCase[] = [
    base,
    { ...base, stride: [2, 1], padding: [[0, 2], [1, 0]] },
    { ...base, dilation: [2, 2], kh: 2, kw: 3, padding: [[2, 1], [0, 0]] },
    { ...base, cin: 4, cout: 6, groups: 2, stride: [2, 2] },
    { ...base, cin: 8, cout: 8, groups: 2, padding: [[0, 1], [2, 0]] }, // cg = og = 4: 4-channel A loads, vec4 filter rows per group
    { ...base, layout: 'NCHW', filterLayout: 'OIHW', stride: [1, 2], kh: 1 },
    { ...base, lhsDilation: [2, 1], padding: [[1, 1], [2, 2]] },
    { ...base, n: 1, h: 9, w: 9, cin: 8, cout: 12, kh: 5, kw: 5, padding: [[2, 2], [2, 2]] },
    // cg % 4 == 0 (the forward's A rows decoded once, 4 channels per load) in NCHW, with strides, dilation and groups
    { ...base, layout: 'NCHW', filterLayout: 'OIHW', cin: 8, cout: 4, stride: [2, 1], dilation: [1, 2], padding: [[1, 0], [2, 1]] },
    { ...base, layout: 'NCHW', filterLayout: 'OIHW', cin: 8, cout: 8, groups: 2, padding: [[0, 0], [1, 1]] },
    { ...base, cin: 4, cout: 3, kh: 2, dilation: [2, 1], padding: [[1, 1], [0, 0]] },
    // cg % 4 != 0: the depth's (kh, kw, ci) decoded once per 4 steps, stepping across channels, taps and rows of taps
    { ...base, layout: 'NCHW', filterLayout: 'OIHW', n: 3, h: 10, w: 9, cin: 1, cout: 8, kh: 5, kw: 5, padding: [[2, 2], [2, 2]] }, // a first layer
    { ...base, cin: 6, cout: 4, groups: 2, kh: 2, kw: 3, padding: [[1, 0], [1, 1]] }, // cg = 3
    { ...base, cin: 2, cout: 5, kh: 3, kw: 2, stride: [2, 1], padding: [[0, 1], [1, 0]] }, // cg = 2
  ];
  it('forward, input gradient and filter gradient match the ref target over strides, padding, dilations, groups and layouts', { timeout: 300_000 }, async () => {
    for (const c of cases) {
      const [oh, ow] = conv2dOutShape(c);
      const xn = c.n * c.h * c.w * c.cin, wn = c.kh * c.kw * (c.cin / c.groups) * c.cout, yn = c.n * oh * ow * c.cout;
      const x = randoms(xn, 11), w = randoms(wn, 12), dy = randoms(yn, 13);
      const ref = refConv(c, x, w, dy, oh, ow);
      const [xb, wb, dyb] = [upload(ctx!, x), upload(ctx!, w), upload(ctx!, dy)];
      const [y, dx, dw] = [empty(ctx!, yn * 4), empty(ctx!, xn * 4), empty(ctx!, wn * 4)];
      await submit(ctx!, (enc) => {
        const pass = enc.beginComputePass();
        encodeConv2d(ctx!, pass, { ...c, x: xb, filter: wb, out: y });
        encodeConv2dInputGrad(ctx!, pass, { ...c, dy: dyb, filter: wb, out: dx });
        encodeConv2dFilterGrad(ctx!, pass, { ...c, x: xb, dy: dyb, out: dw });
        pass.end();
      });
      const errs = {
        y: worstError(await readF32(ctx!, y, yn), ref.y),
        dx: worstError(await readF32(ctx!, dx, xn), ref.dx),
        dw: worstError(await readF32(ctx!, dw, wn), ref.dw),
      };
      expect({ c, errs }).toEqual({ c, errs: { y: expect.toSatisfy((e: number) => e <= 1), dx: expect.toSatisfy((e: number) => e <= 1), dw: expect.toSatisfy((e: number) => e <= 1) } });
    }
  });

  // The forward's tap loop (cg % 4 == 0, HWIO filter, no lhs dilation) walks depth k = tap·cg + c in the same order as
  // the per-step decode, so both forms must give the same bits; and both must match the ref target. Layouts the
  // target calls it with (NCHW activations, HWIO filter) and channels-last; padding beyond the kernel, cropping,
  // strides, dilations, groups, row counts that are not a multiple of the tile, a fused bias and relu.
  it('the forward tap loop gives the per-step decode\'s bits and matches the ref target', { timeout: 120_000 }, async () => {
    const tapBase: ConvCase = { ...base, layout: 'NCHW', filterLayout: 'HWIO' };
    const tapCases: [ConvCase, boolean][] = [
      [{ ...tapBase, cin: 8, cout: 8, stride: [2, 1], dilation: [1, 2], padding: [[1, 0], [2, 1]] }, false],
      [{ ...tapBase, cin: 8, cout: 12, groups: 2, padding: [[-1, 1], [1, 3]] }, true],
      [{ ...tapBase, n: 1, h: 5, w: 3, cin: 12, cout: 20, kh: 5, kw: 3, padding: [[4, 4], [2, 2]] }, false],
      [{ ...tapBase, layout: 'NHWC', n: 3, h: 6, w: 5, cin: 16, cout: 8, kh: 3, kw: 2, stride: [1, 2], padding: [[1, 1], [0, 1]] }, true],
    ];
    const saved = convForms.tap;
    try {
      for (const [c, fused] of tapCases) {
        const [oh, ow] = conv2dOutShape(c);
        const xn = c.n * c.h * c.w * c.cin, wn = c.kh * c.kw * (c.cin / c.groups) * c.cout, yn = c.n * oh * ow * c.cout;
        const x = randoms(xn, 31), w = randoms(wn, 32), bias = randoms(c.cout, 33);
        const chan = (i: number): number => (c.layout === 'NHWC' ? i % c.cout : Math.floor(i / (oh * ow)) % c.cout);
        const ref = refConv(c, x, w, new Float32Array(yn), oh, ow).y.map((v, i) => (fused ? Math.max(0, v + bias[chan(i)]!) : v));
        const outs: Float32Array[] = [];
        for (const tap of [true, false]) {
          convForms.tap = tap;
          const y = empty(ctx!, yn * 4);
          await submit(ctx!, (enc) => encodeConv2d(ctx!, enc, { ...c, x: upload(ctx!, x), filter: upload(ctx!, w), out: y, ...(fused ? { bias: upload(ctx!, bias), epilogue: 'relu' as const } : {}) }));
          outs.push(await readF32(ctx!, y, yn));
        }
        expect({ c, err: worstError(outs[0]!, ref) }).toEqual({ c, err: expect.toSatisfy((e: number) => e <= 1) });
        expect(new Uint32Array(outs[0]!.buffer)).toEqual(new Uint32Array(outs[1]!.buffer));
      }
    } finally {
      convForms.tap = saved;
    }
  });

  it('fuses bias and relu into the forward epilogue', async () => {
    const c = { ...base, cout: 4 };
    const [oh, ow] = conv2dOutShape(c);
    const xn = c.n * c.h * c.w * c.cin, wn = c.kh * c.kw * c.cin * c.cout, yn = c.n * oh * ow * c.cout;
    const x = randoms(xn, 21), w = randoms(wn, 22), bias = randoms(c.cout, 23);
    const ref = refConv(c, x, w, new Float32Array(yn), oh, ow).y.map((v, i) => Math.max(0, v + bias[i % c.cout]!));
    const y = empty(ctx!, yn * 4);
    await submit(ctx!, (enc) => encodeConv2d(ctx!, enc, { ...c, x: upload(ctx!, x), filter: upload(ctx!, w), bias: upload(ctx!, bias), out: y, epilogue: 'relu' }));
    expect(worstError(await readF32(ctx!, y, yn), ref)).toBeLessThanOrEqual(1);
  });
});
