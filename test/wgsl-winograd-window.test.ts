// The Winograd window form (F(r×r, 2×2), kernels/winograd.wgsl: r×r outputs of large windows, such as filter gradients) against float64 loops, with an error bound scaled by Σ|x|·|w|.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Conv2dShape, conv2dOutShape, convStrides, encodeConv2d } from '../src/targets/webgpu/routines/conv.js';
import { encodeConv2dWinograd, encodeConv2dWinogradWindow, winogradOrder, winogradStats, winogradWindowForm, winogradWindowPays } from '../src/targets/webgpu/routines/winograd.js';
import { empty, gpuContext, randoms, readF32, submit, upload } from './wgsl-support.js';

const ctx = await gpuContext();
const d = describe.skipIf(!ctx);

/**
 * Float64 correlation at y's strides, and each output's error scale: Σ|x·w| maximised over the r×r outputs of its
 * (image, output channel), which share the transformed products (rounding there reaches all of them).
 */
function reference(c: Conv2dShape, x: Float32Array, w: Float32Array): { y: Float64Array; scale: Float64Array } {
  const [oh, ow] = conv2dOutShape(c);
  const { xs, ws, ys } = convStrides(c, oh, ow);
  const [pt, pl] = [c.padding![0][0], c.padding![1][0]];
  const y = new Float64Array(c.n * oh * ow * c.cout), scale = new Float64Array(y.length);
  for (let n = 0; n < c.n; n++) for (let o = 0; o < c.cout; o++) {
    let most = 0;
    const at: number[] = [];
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let s = 0, a = 0;
      for (let kh = 0; kh < c.kh; kh++) for (let kw = 0; kw < c.kw; kw++) for (let ci = 0; ci < c.cin; ci++) {
        const ih = i - pt + kh, iw = j - pl + kw;
        const wv = w[kh * ws[0]! + kw * ws[1]! + ci * ws[2]! + o * ws[3]!]!;
        const p = ih < 0 || iw < 0 || ih >= c.h || iw >= c.w ? 0 * wv : x[n * xs[0]! + ih * xs[1]! + iw * xs[2]! + ci * xs[3]!]! * wv;
        s += p;
        if (Number.isFinite(p)) a += Math.abs(p);
      }
      const k = n * ys[0]! + i * ys[1]! + j * ys[2]! + o * ys[3]!;
      y[k] = s;
      at.push(k);
      most = Math.max(most, a);
    }
    for (const k of at) scale[k] = most;
  }
  return { y, scale };
}

function scaledError(got: Float32Array, ref: { y: Float64Array; scale: Float64Array }): number {
  let e = 0;
  for (let i = 0; i < got.length; i++) {
    if (!Number.isFinite(ref.y[i]!)) {
      if (!Object.is(got[i], ref.y[i])) return Infinity; // inf and NaN exactly where the direct sum has them
      continue;
    }
    e = Math.max(e, Math.abs(got[i]! - ref.y[i]!) / (ref.scale[i]! + 1e-30));
  }
  return e;
}

async function run(c: Conv2dShape, window: boolean, seed: number, poke?: (x: Float32Array, w: Float32Array) => void): Promise<{ got: Float32Array; ref: ReturnType<typeof reference> }> {
  const [oh, ow] = conv2dOutShape(c);
  const x = randoms(c.n * c.h * c.w * c.cin, seed), w = randoms(c.kh * c.kw * c.cin * c.cout, seed + 1);
  poke?.(x, w);
  const yn = c.n * oh * ow * c.cout;
  const out = empty(ctx!, yn * 4);
  const args = { ...c, x: upload(ctx!, x), filter: upload(ctx!, w), out };
  await submit(ctx!, (enc) => (window ? encodeConv2dWinogradWindow(ctx!, enc, args) : encodeConv2d(ctx!, enc, args)));
  return { got: await readF32(ctx!, out, yn), ref: reference(c, x, w) };
}

// The α = 6 (r = 5) form scales by up to 8 and 5 on either side of its products, as F(2×2, 5×5) does; a wrong
// coefficient, tile offset or bound gives errors near 1.
const bound = { 3: 2e-6, 5: 1e-5 } as const;

d('encodeConv2dWinogradWindow', () => {
  it('matches float64 loops over random shapes, layouts, strides of views and paddings (property)', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }), cin: fc.integer({ min: 1, max: 5 }), cout: fc.integer({ min: 1, max: 6 }),
          h: fc.integer({ min: 2, max: 16 }), w: fc.integer({ min: 2, max: 16 }), r: fc.constantFrom<3 | 5>(3, 5),
          pt: fc.integer({ min: 0, max: 3 }), pb: fc.integer({ min: -1, max: 3 }), pl: fc.integer({ min: -1, max: 3 }), pr: fc.integer({ min: 0, max: 3 }),
          layout: fc.constantFrom<'NHWC' | 'NCHW'>('NHWC', 'NCHW'), filter: fc.constantFrom('HWIO', 'OIHW', 'HWIO as strides'), seed: fc.nat(1000),
        }),
        async (p) => {
          // the window that gives an r×r output
          const kh = p.h + p.pt + p.pb + 1 - p.r, kw = p.w + p.pl + p.pr + 1 - p.r;
          if (kh < 2 || kw < 2) return;
          const c: Conv2dShape = {
            n: p.n, h: p.h, w: p.w, cin: p.cin, cout: p.cout, kh, kw, padding: [[p.pt, p.pb], [p.pl, p.pr]], layout: p.layout,
            filterLayout: p.filter === 'OIHW' ? 'OIHW' : 'HWIO',
            ...(p.filter === 'HWIO as strides' ? { filterLayout: 'OIHW' as const, wStrides: [kw * p.cin * p.cout, p.cin * p.cout, p.cout, 1] as const } : {}),
          };
          expect(winogradWindowForm(c)).toBe(p.r);
          const { got, ref } = await run(c, true, p.seed);

          expect({ p, err: scaledError(got, ref) }).toEqual({ p, err: expect.toSatisfy((e: number) => e <= bound[p.r]) });
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  it("computes a 5×5 layer's filter gradient: x with images and channels swapped, the cotangent as the window, as the AD rule asks", { timeout: 120_000 }, async () => {
    // x [4 images, 10×10, 6 channels] NCHW; dy [4, 10×10, 8] (SAME padding 2): dw[kh, kw, i, o] = Σ x·dy, a convolution
    // of x read as [6 "images", 10×10, 4 "channels"] with dy read as a 10×10 window of 4 → 8 channels
    const [N, H, C, O] = [4, 10, 6, 8];
    const c: Conv2dShape = {
      n: C, h: H, w: H, cin: N, cout: O, kh: H, kw: H, padding: [[2, 2], [2, 2]],
      xStrides: [H * H, H, 1, C * H * H], wStrides: [H, 1, O * H * H, H * H], yStrides: [O * 25, 5, 1, 25],
    };
    expect(winogradWindowForm(c)).toBe(5);
    const window = await run(c, true, 3), direct = await run(c, false, 3);
    expect(scaledError(window.got, window.ref)).toBeLessThanOrEqual(bound[5]);
    expect(scaledError(direct.got, direct.ref)).toBeLessThanOrEqual(1e-6);
  });

  it("reads the forward convolution's transformed input when both are in one submission (RoutineContext.memo), with the same bits", { timeout: 120_000 }, async () => {
    // x [4 images, 10×10, 6 channels] NCHW convolved 5×5 (SAME) with 8 filters, then the filter gradient's convolution
    // of the same x with images and channels swapped (dy as the window)
    const [N, H, C, O] = [4, 10, 6, 8];
    const x = randoms(N * C * H * H, 21), f = randoms(25 * C * O, 22), dy = randoms(N * O * H * H, 23);
    const fwd = { n: N, h: H, w: H, cin: C, cout: O, kh: 5, kw: 5, padding: [[2, 2], [2, 2]], layout: 'NCHW', filterLayout: 'OIHW' } as const;
    const win: Conv2dShape = {
      n: C, h: H, w: H, cin: N, cout: O, kh: H, kw: H, padding: [[2, 2], [2, 2]],
      xStrides: [H * H, H, 1, C * H * H], wStrides: [H, 1, O * H * H, H * H], yStrides: [O * 25, 5, 1, 25],
    };
    const results: Uint32Array[] = [];
    try {
      for (const cf of [true, false]) for (const memo of [true, false]) {
        winogradOrder.cf = cf;
        const c = { ...ctx!, ...(memo ? { memo: new Map<string, unknown>() } : {}) };
        const xb = upload(ctx!, x), y = empty(ctx!, N * O * H * H * 4), dw = empty(ctx!, C * O * 25 * 4);
        const before = winogradStats.sharedInputs;
        await submit(ctx!, (enc) => {
          encodeConv2dWinograd(c, enc, { ...fwd, x: xb, filter: upload(ctx!, f), out: y });
          encodeConv2dWinogradWindow(c, enc, { ...win, x: xb, filter: upload(ctx!, dy), out: dw });
        });
        expect(winogradStats.sharedInputs - before).toBe(memo ? 1 : 0);
        results.push(new Uint32Array((await readF32(ctx!, dw, C * O * 25)).buffer));
      }
    } finally {
      delete winogradOrder.cf;
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[2]).toEqual(results[3]);
    expect(results[0]).toEqual(results[2]);
    // and it is the filter gradient
    const ref = reference(win, x, dy), got = new Float32Array(results[0]!.buffer);
    expect(scaledError(got, ref)).toBeLessThanOrEqual(bound[5]);
  });

  it('puts inf and NaN where the direct sum does: outputs with non-finite products are summed directly', { timeout: 60_000 }, async () => {
    const c: Conv2dShape = { n: 2, h: 8, w: 9, cin: 3, cout: 4, kh: 6, kw: 7, padding: [[1, 1], [1, 1]], layout: 'NCHW', filterLayout: 'OIHW' };
    const pokes: [string, (x: Float32Array, w: Float32Array) => void][] = [
      ['an inf and a NaN in x', (x) => { x[13] = Infinity; x[8 * 9 * 3 + 57] = NaN; }],
      ['an inf in the window (0·inf = NaN on padding)', (_, w) => { w[5] = Infinity; }],
    ];
    for (const [what, poke] of pokes) {
      const { got, ref } = await run(c, true, 70, poke);
      expect(ref.y.some((v) => !Number.isFinite(v)), what).toBe(true);
      expect(ref.y.some((v) => Number.isFinite(v)), what).toBe(true);
      expect({ what, err: scaledError(got, ref) }).toEqual({ what, err: expect.toSatisfy((e: number) => e <= bound[3]) });
    }
  });

  it('applies to r×r outputs of stride-1, undilated, ungrouped f32 windows, and pays only with enough work', () => {
    const c: Conv2dShape = { n: 32, h: 14, w: 14, cin: 64, cout: 64, kh: 14, kw: 14, padding: [[2, 2], [2, 2]] }; // W7's conv2 filter gradient
    expect(winogradWindowForm(c)).toBe(5);
    expect(winogradWindowPays(ctx!, c)).toBe(true);
    expect(winogradWindowPays(ctx!, { ...c, n: 8 })).toBe(false);
    expect(winogradWindowForm({ ...c, padding: [[1, 1], [1, 1]] })).toBe(3);
    expect(winogradWindowForm({ ...c, padding: [[0, 0], [0, 0]] })).toBe(0); // 1×1 output
    expect(winogradWindowForm({ ...c, stride: [2, 2] })).toBe(0);
    expect(winogradWindowForm({ ...c, dilation: [2, 2] })).toBe(0);
    expect(winogradWindowForm({ ...c, groups: 2 })).toBe(0);
    expect(winogradWindowForm({ ...c, dtype: 'f16' })).toBe(0);
    const args = { ...c, padding: [[0, 0], [0, 0]] as const, x: empty(ctx!, 16), filter: empty(ctx!, 16), out: empty(ctx!, 16) };
    expect(() => encodeConv2dWinogradWindow(ctx!, ctx!.device.createCommandEncoder(), args)).toThrow(/conv2dWinogradWindow: needs a 3×3 or 5×5 output.*window 14×14, input 14×14/);
  });
});
