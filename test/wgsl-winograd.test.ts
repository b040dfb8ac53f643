// The Winograd convolution routine (kernels/winograd.wgsl: F(2×2, 3×3), F(4×4, 3×3), F(2×2, 5×5)) against float64 loops, with an error bound scaled by Σ|x|·|w|.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conv2dOutShape, encodeConv2d } from '../src/targets/webgpu/routines/conv.js';
import { encodeConv2dWinograd, winogradImages, winogradOrder, winogradScratch } from '../src/targets/webgpu/routines/winograd.js';
import { type Case, reference, scaledError } from './winograd-reference.js';
import { empty, gpuContext, randoms, readF32, submit, upload } from './wgsl-support.js';

const ctx = await gpuContext();
const d = describe.skipIf(!ctx);

async function run(c: Case, m: 2 | 4 | 0, seed: number, poke?: (x: Float32Array, w: Float32Array) => void): Promise<{ got: Float32Array; ref: ReturnType<typeof reference> }> {
  const [oh, ow] = conv2dOutShape(c);
  const x = randoms(c.n * c.h * c.w * c.cin, seed), w = randoms(c.kh * c.kw * c.cin * c.cout, seed + 1), bias = randoms(c.cout, seed + 2);
  poke?.(x, w);
  const yn = c.n * oh * ow * c.cout;
  const out = empty(ctx!, yn * 4);
  const args = { ...c, x: upload(ctx!, x), filter: upload(ctx!, w), out, ...(c.withBias ? { bias: upload(ctx!, bias) } : {}) };
  await submit(ctx!, (enc) => (m ? encodeConv2dWinograd(ctx!, enc, args, m) : encodeConv2d(ctx!, enc, args)));
  return { got: await readF32(ctx!, out, yn), ref: reference(c, x, w, bias, m === 0 ? 1 : c.kh === 5 ? 2 : m) }; // (5×5: F(2×2, 5×5) whatever m)
}

// Bounds on the scaled error: F(2×2, 3×3) adds before its products only with coefficients ±1, ±½; the α = 6 forms
// scale by up to 8 (Aᵀ) and 5 (Bᵀ) on either side of the products. A wrong coefficient, tile offset or bound gives
// errors near 1.
const bound = { direct: 1e-6, '2,3': 5e-7, '4,3': 1e-5, '2,5': 1e-5 } as const;
type Form = keyof typeof bound;
/** The m argument and the reference tile size of a form. */
const mOf = (f: Form): 0 | 2 | 4 => (f === 'direct' ? 0 : f === '4,3' ? 4 : 2);
/** A 3×3 case as a 5×5 one with the same output size (one more row and column of padding on each side). */
const as5 = (c: Case): Case => ({
  ...c, kh: 5, kw: 5, padding: [[c.padding![0][0] + 1, c.padding![0][1] + 1], [c.padding![1][0] + 1, c.padding![1][1] + 1]],
  ...(c.wStrides ? { wStrides: [5 * c.cin * c.cout, c.cin * c.cout, c.cout, 1] } : {}), // (the HWIO-strides case)
});
const shaped = (c: Case, f: Form): Case => (f === '2,5' ? as5(c) : c);

d('encodeConv2dWinograd', () => {
  const base: Case = { n: 2, h: 7, w: 9, cin: 5, cout: 6, kh: 3, kw: 3, padding: [[1, 1], [1, 1]], layout: 'NCHW', filterLayout: 'OIHW' };
  const cases: Case[] = [
    base,
    { ...base, layout: 'NHWC', filterLayout: 'HWIO', withBias: true, epilogue: 'relu' },
    { ...base, n: 1, h: 4, w: 4, cin: 16, cout: 16, padding: [[0, 0], [0, 0]], withBias: true, epilogue: 'tanh' }, // one 2×2 output
    { ...base, h: 10, w: 6, padding: [[2, 0], [0, 3]] },        // asymmetric padding past the kernel's reach
    { ...base, h: 9, w: 8, padding: [[-1, 1], [1, -1]] },       // cropping
    { ...base, n: 3, h: 13, w: 11, cin: 17, cout: 33 },          // tiles that overhang the output on both sides
    // NCHW input written as NHWC (a convolution whose only reader transposes it, as the jit plan asks)
    { ...base, yStrides: [7 * 9 * 6, 9 * 6, 6, 1] },
    // an NHWC array read through strides as if NCHW were transposed in place
    { ...base, layout: 'NHWC', xStrides: [7 * 9 * 5, 1, 7, 63] },
    // an HWIO filter read through strides where OIHW is declared (a transposed filter left in place)
    { ...base, wStrides: [3 * 5 * 6, 5 * 6, 6, 1] },
  ];
  for (const f of ['2,3', '4,3', '2,5'] as const)
    it(`F(${f}) matches float64 loops over layouts, strides of views, padding, cropping, bias and activations, in both thread orders`, { timeout: 120_000 }, async () => {
      try {
        for (const cf of [true, false]) {
          winogradOrder.cf = cf;
          for (const [i, c0] of cases.entries()) {
            const c = shaped(c0, f);
            const { got, ref } = await run(c, mOf(f), 40 + i);
            expect({ c, cf, err: scaledError(got, ref) }).toEqual({ c, cf, err: expect.toSatisfy((e: number) => e <= bound[f]) });
          }
        }
      } finally {
        delete winogradOrder.cf;
      }
    });

  it('stays within its error bound over random shapes (property), as the implicit GEMM stays within its own', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 12 }),
          cin: fc.integer({ min: 1, max: 40 }), cout: fc.integer({ min: 1, max: 40 }),
          pt: fc.integer({ min: -1, max: 3 }), pb: fc.integer({ min: -1, max: 3 }), pl: fc.integer({ min: -1, max: 3 }), pr: fc.integer({ min: -1, max: 3 }),
          nhwc: fc.boolean(), hwio: fc.constantFrom('HWIO', 'OIHW', 'HWIO as strides'), f: fc.constantFrom<Form>('2,3', '4,3', '2,5'), seed: fc.nat(1000),
        }),
        async (r) => {
          const k = r.f === '2,5' ? 5 : 3;
          const c: Case = {
            n: r.n, h: r.h, w: r.w, cin: r.cin, cout: r.cout, kh: k, kw: k, padding: [[r.pt, r.pb], [r.pl, r.pr]], layout: r.nhwc ? 'NHWC' : 'NCHW',
            filterLayout: r.hwio === 'HWIO' ? 'HWIO' : 'OIHW', // the last: an HWIO buffer read through wStrides (both routines)
            ...(r.hwio === 'HWIO as strides' ? { wStrides: [k * r.cin * r.cout, r.cin * r.cout, r.cout, 1] as const } : {}),
          };
          if (r.h + r.pt + r.pb < k || r.w + r.pl + r.pr < k) return; // no output
          const [wino, direct] = [await run(c, mOf(r.f), r.seed), await run(c, 0, r.seed)];
          expect({ r, err: scaledError(wino.got, wino.ref) }).toEqual({ r, err: expect.toSatisfy((e: number) => e <= bound[r.f]) });
          expect(scaledError(direct.got, direct.ref)).toBeLessThanOrEqual(bound.direct);
        },
      ),
      { numRuns: 30, seed: 5 },
    );
  });

  it('puts inf and NaN where the direct sum does: tiles with non-finite products are summed directly', { timeout: 60_000 }, async () => {
    const c: Case = { ...base, n: 2, h: 9, w: 10, cin: 4, cout: 3, padding: [[1, 1], [1, 1]], withBias: true }; // (relu of NaN is the GPU's choice)
    const pokes: [string, (x: Float32Array, w: Float32Array) => void][] = [
      ['an inf and a NaN in x', (x) => { x[13] = Infinity; x[9 * 10 * 4 + 57] = NaN; }],
      ['-inf in x next to +inf two pixels over (inf - inf only where both are in a window)', (x) => { x[22] = -Infinity; x[24] = Infinity; }],
      ['an inf in the filter (0·inf = NaN on padding)', (_, w) => { w[5] = Infinity; }],
    ];
    for (const f of ['2,3', '4,3', '2,5'] as const)
      for (const [what, poke] of pokes) {
        const { got, ref } = await run(shaped(c, f), mOf(f), 70, poke);
        expect(ref.y.some((v) => !Number.isFinite(v)), what).toBe(true);
        expect(ref.y.some((v) => Number.isFinite(v)), what).toBe(true);
        expect({ what, f, err: scaledError(got, ref) }).toEqual({ what, f, err: expect.toSatisfy((e: number) => e <= bound[f]) });
      }
  });

  it('splits the batch into dispatches of as many images as the scratch limit allows, with the same bits', { timeout: 60_000 }, async () => {
    const c: Case = { ...base, n: 5, h: 10, w: 9, cin: 6, cout: 7 };
    const saved = winogradScratch.maxBytes;
    try {
      for (const f of ['4,3', '2,5'] as const) {
        winogradScratch.maxBytes = saved;
        const whole = await run(shaped(c, f), mOf(f), 90);
        const [oh, ow] = conv2dOutShape(shaped(c, f));
        const tm = mOf(f), perImage = 36 * Math.ceil(oh / tm) * Math.ceil(ow / tm) * 7 * 4; // α² = 36 for both forms
        for (const images of [1, 2]) {
          winogradScratch.maxBytes = images * perImage;
          expect(winogradImages(ctx!, shaped(c, f), mOf(f) as 2 | 4)).toBe(images);
          const split = await run(shaped(c, f), mOf(f), 90);
          expect(new Uint32Array(split.got.buffer)).toEqual(new Uint32Array(whole.got.buffer));
        }
        winogradScratch.maxBytes = perImage - 4;
        expect(winogradImages(ctx!, shaped(c, f), mOf(f) as 2 | 4)).toBe(0);
        await expect(run(shaped(c, f), mOf(f), 90)).rejects.toThrow(/one image's transformed input .* exceeds the storage binding limit/);
      }
    } finally {
      winogradScratch.maxBytes = saved;
    }
  });

  it('refuses what it cannot compute, naming the shape', () => {
    const args = { ...base, x: empty(ctx!, 16), filter: empty(ctx!, 16), out: empty(ctx!, 16) };
    const enc = ctx!.device.createCommandEncoder();
    expect(() => encodeConv2dWinograd(ctx!, enc, { ...args, stride: [2, 1] })).toThrow(/conv2dWinograd: needs a 3×3 or 5×5 f32 filter, stride 1.*stride 2,1/);
    expect(() => encodeConv2dWinograd(ctx!, enc, { ...args, kh: 5 })).toThrow(/got 5×3/);
    expect(() => encodeConv2dWinograd(ctx!, enc, { ...args, kh: 7, kw: 7 })).toThrow(/got 7×7/);
    expect(() => encodeConv2dWinograd(ctx!, enc, { ...args, groups: 2, cin: 6 })).toThrow(/groups 2/);
  });
});
