// The webgpu target against the reference target: every primitive's law-spec cases (eager and jitted), random
// fused programs, a jitted MLP training step, readback errors, buffer pooling and device loss (Dawn + lavapipe in Node).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Array, grad, initWebGpu, jit, lax, makeJaxpr, memoryStats, np, random, setTarget, tree, webgpuInfo, withTarget,
} from '../src/index.js';
import { specs } from '../laws/specs.js';
import type { Prim } from '../src/core/primitive.js';
import { destroyDevice } from '../src/targets/webgpu/index.js';
import { ELEMS, ELEMS_MIN } from '../src/targets/webgpu/wgsl.js';
import { lazyViews, outViews } from '../src/targets/webgpu/run.js';
import { convForms } from '../src/targets/webgpu/routines/conv.js';
import { schedule } from '../src/compiler/kernel.js';
import { f16FromBits, roundF16Array } from '../src/core/dtype.js';
import { acquireWebGpu, close, conformance, put, refValues, tol16, tolFor, unsupported, values } from './webgpu-conformance.js';

const why = await acquireWebGpu();
const ok = why === '';
afterAll(() => setTarget('ref'));

describe.skipIf(!ok)('webgpu target vs ref (law-spec cases of every primitive)', () => {
  it('reports its adapter', () => {
    const info = webgpuInfo()!;
    expect(info.adapter.length).toBeGreaterThan(0);
  });
  for (const prim of Object.keys(specs) as Prim[]) {
    const run = unsupported.has(prim) ? it.skip : it;
    run(`${prim}: eager on device operands and jitted, equal to ref`, () => conformance(prim, 'float32', tolFor(prim)));
  }
});

describe.skipIf(!ok)('webgpu target vs ref in float16 (law-spec cases of every primitive)', () => {
  for (const prim of Object.keys(specs) as Prim[]) {
    const run = unsupported.has(prim) ? it.skip : it;
    run(`${prim} (float16): eager and jitted, float16 values within ${tol16(prim)[1]} of ref`, () => conformance(prim, 'float16', tol16(prim)));
  }
});

describe.skipIf(!ok)('webgpu: fused programs, training, errors, memory', () => {
  it('float16 rounding on the GPU (integer ops on the f32 bits) equals the host\'s: ties to even, subnormals, overflow', async () => {
    const n = 0x7c00, src = new Float32Array(4 * n);
    for (let h = 0; h < n; h++) {
      const a = f16FromBits(h), b = f16FromBits(h + 1), mid = (a + b) / 2;
      src.set([mid, -mid, Math.fround(mid * (1 + 2 ** -20)), a * 1.0001 + 1e-9], 4 * h);
    }
    src[0] = 65519.99; src[1] = -65520; src[2] = 1e30; src[3] = NaN;
    const x = np.array(src, 'float32');
    const got = await withTarget('webgpu', () => jit((a: Array) => a.astype('float16'))(x)).data();
    const want = roundF16Array(Float32Array.from(src));
    for (let i = 0; i < src.length; i++) if (!Object.is(got[i], want[i])) expect.fail(`${src[i]}: webgpu ${got[i]}, host ${want[i]}`);
  });

  it('random fused elementwise/broadcast/reduce programs equal ref', async () => {
    const ops = ['add', 'mul', 'sub', 'maximum', 'tanh', 'exp', 'neg', 'sumRows', 'bcast', 'T'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...ops), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1000 }),
        async (prog, m, n, seed) => {
          const f = (x: Array, y: Array): Array => {
            let a = x;
            for (const op of prog) {
              if (op === 'sumRows') a = a.sum(1, { keepdims: true }).add(a);
              else if (op === 'bcast') a = a.add(y.sum(0, { keepdims: true }));
              else if (op === 'T') a = a.T.T.mul(0.5);
              else if (op === 'tanh' || op === 'exp' || op === 'neg') a = op === 'exp' ? a.tanh().exp() : a[op]();
              else if (op === 'maximum') a = np.maximum(a, y);
              else a = (a as unknown as Record<string, (b: Array) => Array>)[op]!(y);
            }
            return a.sum(0);
          };
          const key = random.key(seed);
          const x = random.normal(key, [m, n]);
          const y = random.normal(random.key(seed + 1), [m, n]);
          const want = withTarget('ref', () => f(x, y));
          const got = withTarget('webgpu', () => jit(f)(x, y));
          return close(await values(got), refValues(want), 1e-4, 1e-4) === null;
        },
      ),
      { numRuns: 12, seed: 3 },
    );
  });

  it('large fused elementwise kernels (several elements per invocation) equal ref at and around the size that switches', async () => {
    // sizes below and at ELEMS_MIN, a size the invocations cover exactly (a multiple of 64·ELEMS), and sizes where the
    // last invocations run out partway; transposed and broadcast reads
    const tight = 64 * ELEMS * Math.ceil(ELEMS_MIN / (64 * ELEMS) + 10);
    for (const [rows, cols] of [[8, ELEMS_MIN / 8 - 1], [8, ELEMS_MIN / 8], [8, tight / 8], [7, Math.ceil((4 * ELEMS_MIN + 3) / 7)], [3, tight / 2 + 1]] as const) {
      const n = rows * cols;
      const x = random.normal(random.key(n), [cols, rows]), y = random.normal(random.key(n + 1), [rows]);
      const f = (x: Array, y: Array): Array => np.tanh(x.T.mul(1.5)).add(y.reshape([rows, 1])).mul(x.T);
      const want = refValues(withTarget('ref', () => f(x, y)));
      const got = await values(withTarget('webgpu', () => jit(f)(x, y)));
      expect(got.length).toBe(rows * cols);
      let bad = -1;
      for (let i = 0; i < got.length && bad < 0; i++) if (Math.abs(got[i]! - want[i]!) > 1e-6 * (1 + Math.abs(want[i]!))) bad = i;
      expect({ n, bad }).toEqual({ n, bad: -1 });
    }
  });

  it('jitted channels-last convolutions read their transposed input in place and write their output transposed, equal to ref, gradients too', async () => {
    const x = random.normal(random.key(40), [2, 7, 5, 8]), w = random.normal(random.key(41), [3, 2, 8, 12]);
    const nhwc = (x: Array, w: Array) => lax.convGeneralDilated(x, w, { padding: [[1, 2], [0, 1]], windowStrides: [1, 2], dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] });
    // the transposed input and filter only feed the convolution: both are left in place (two lazy steps in the plan)
    const j = makeJaxpr(nhwc)(x, w).jaxpr;
    expect([...lazyViews(j, schedule(j))].length).toBe(2);
    // and the output goes straight into NHWC: the transpose back is the convolution's only reader
    const jp = schedule(j);
    expect([...outViews(j, jp, lazyViews(j, jp)).values()].map((o) => o.yStrides)).toEqual([[8 * 3 * 12, 3 * 12, 12, 1]]); // y [2, 8, 3, 12] in NHWC
    // ... not when a product reads it too; when the convolution takes the generic path (batch groups) it is copied there
    const shared = (x: Array, w: Array) => {
      const xt = np.transpose(x, [0, 3, 1, 2]);
      const y = lax.convGeneralDilated(xt, np.transpose(w, [3, 2, 0, 1]), { padding: 'SAME' });
      return y.sum().add(np.matmul(xt, np.ones([5, 3])).sum());
    };
    const js = makeJaxpr(shared)(x, w).jaxpr;
    expect([...lazyViews(js, schedule(js))].length).toBe(1); // the filter's transpose only
    expect(outViews(js, schedule(js), new Set()).size).toBe(0); // its output is summed, not transposed
    const xb = random.normal(random.key(42), [4, 6, 5, 3]), wb = random.normal(random.key(43), [2, 2, 3, 6]);
    const grouped = (x: Array, w: Array) => lax.convGeneralDilated(x, w, { padding: 'SAME', batchGroupCount: 2, dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] });
    const cases: [(x: Array, w: Array) => Array, Array, Array][] = [[nhwc, x, w], [shared, x, w], [grouped, xb, wb]];
    for (const [f, a, b] of cases) {
      const loss = (a: Array, b: Array) => np.sum(np.tanh(f(a, b)));
      const g = grad(loss, { argnums: [0, 1] });
      const [want, [wa, wb2]] = withTarget('ref', () => [f(a, b), g(a, b) as Array[]] as const);
      const [got, [ga, gb]] = withTarget('webgpu', () => [jit(f)(a, b), jit(g)(a, b) as Array[]] as const);
      for (const [u, v, what] of [[got, want, 'value'], [ga!, wa!, 'input gradient'], [gb!, wb2!, 'filter gradient']] as const)
        expect(close(await values(u), refValues(v), 1e-4, 1e-4), `${what} of ${f === nhwc ? 'nhwc' : f === shared ? 'shared' : 'grouped'}`).toBeNull();
    }
  });

  it("a channels-last convolution's bias is added by the convolution's epilogue as it writes NHWC, the same bits, gradients equal to ref", async () => {
    const cases = [
      { x: [2, 7, 5, 8], w: [3, 2, 8, 12], opts: { padding: [[1, 2], [0, 1]], windowStrides: [1, 2] } }, // implicit GEMM
      { x: [2, 9, 9, 16], w: [3, 3, 16, 16], opts: { padding: 'SAME' } }, // 3×3 with enough channels: Winograd F(4×4, 3×3)
    ] as const;
    for (const [i, c] of cases.entries()) {
      const x = random.normal(random.key(50 + i), [...c.x]), w = random.normal(random.key(60 + i), [...c.w]), b = random.normal(random.key(70 + i), [c.w[3]]);
      const conv = (x: Array, w: Array) => lax.convGeneralDilated(x, w, { ...c.opts, dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] } as never);
      const f = (x: Array, w: Array, b: Array) => conv(x, w).add(b);
      const j = makeJaxpr(f)(x, w, b).jaxpr, jp = schedule(j);
      const views = [...outViews(j, jp, lazyViews(j, jp)).values()];
      expect(views.length).toBe(1);
      expect(views[0]!.bias).toBe(j.inBinders[2]);
      // the same bits as the convolution alone plus the bias (f32 sums rounded once either way)
      const [got, sep] = withTarget('webgpu', () => [jit(f)(x, w, b), jit(conv)(x, w)] as const);
      const sepPlus = withTarget('webgpu', () => jit((y: Array, b: Array) => y.add(b))(sep, b));
      expect(new Uint32Array(new Float32Array(await values(got)).buffer)).toEqual(new Uint32Array(new Float32Array(await values(sepPlus)).buffer));
      const loss = (x: Array, w: Array, b: Array) => np.sum(np.tanh(f(x, w, b)));
      const g = grad(loss, { argnums: [0, 1, 2] });
      const want = withTarget('ref', () => g(x, w, b) as Array[]), gg = withTarget('webgpu', () => jit(g)(x, w, b) as Array[]);
      for (const [k, what] of ['x', 'w', 'b'].entries()) expect(close(await values(gg[k]!), refValues(want[k]!), 1e-4, 1e-4), `gradient of ${what}, case ${i}`).toBeNull();
    }
    // not when the bias runs along another axis than the channels
    const x = random.normal(random.key(80), [2, 7, 5, 8]), w = random.normal(random.key(81), [3, 2, 8, 12]);
    const wrongAxis = (x: Array, w: Array, b: Array) => lax.convGeneralDilated(x, w, { padding: 'SAME', dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] }).add(b.reshape([1, 1, 5, 1]));
    const jw = makeJaxpr(wrongAxis)(x, w, random.normal(random.key(82), [5])).jaxpr, jwp = schedule(jw);
    expect([...outViews(jw, jwp, lazyViews(jw, jwp)).values()].some((v) => v.bias)).toBe(false);
  });

  it('2-D convolutions (implicit-GEMM routine) and their gradients equal ref: strides, padding, dilations, groups', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }), g: fc.integer({ min: 1, max: 2 }), cg: fc.constantFrom(1, 2, 3, 4, 8), og: fc.integer({ min: 1, max: 5 }),
          h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
          sh: fc.integer({ min: 1, max: 2 }), sw: fc.integer({ min: 1, max: 2 }), dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
          pt: fc.integer({ min: -1, max: 2 }), pb: fc.integer({ min: 0, max: 2 }), pl: fc.integer({ min: 0, max: 2 }), pr: fc.integer({ min: -1, max: 2 }),
          seed: fc.nat(1000),
        }),
        // cg 4 and 8: the forward's tap loop (gemmDirect's depth in whole taps)
        async (c) => {
          const x = random.normal(random.key(c.seed), [c.n, c.g * c.cg, c.h, c.w]);
          const k = random.normal(random.key(c.seed + 1), [c.g * c.og, c.cg, c.kh, c.kw]);
          const opts = { windowStrides: [c.sh, c.sw], padding: [[c.pt, c.pb], [c.pl, c.pr]] as [number, number][], rhsDilation: [c.dh, c.dw], featureGroupCount: c.g };
          const oh = Math.floor((c.h + c.pt + c.pb - (c.dh * (c.kh - 1) + 1)) / c.sh) + 1, ow = Math.floor((c.w + c.pl + c.pr - (c.dw * (c.kw - 1) + 1)) / c.sw) + 1;
          if (oh < 1 || ow < 1) return;
          const f = (x: Array, k: Array) => lax.convGeneralDilated(x, k, opts);
          // the gradients are convolutions too: lhs-dilated (input) and batch-swapped (filter)
          const loss = (x: Array, k: Array) => np.sum(np.tanh(f(x, k)));
          const dx = grad(loss, { argnums: [0, 1] });
          const [want, [wx, wk]] = withTarget('ref', () => [f(x, k), dx(x, k) as Array[]] as const);
          const [got, [gx, gk]] = withTarget('webgpu', () => [jit(f)(x, k), jit(dx)(x, k) as Array[]] as const);
          for (const [a, b, what] of [[got, want, 'forward'], [gx!, wx!, 'input gradient'], [gk!, wk!, 'filter gradient']] as const)
            expect(close(await values(a), refValues(b), 1e-4, 1e-4), `${what} ${JSON.stringify(c)}`).toBeNull();
        },
      ),
      { numRuns: 25, seed: 3 },
    );
  });
  // 3×3: 4·32·32 pixels × 16 × 16 channels; 5×5: 2·16·16 × 64 × 64 and W7's 4·14·14 × 32 → 64 (F(2×2, 5×5) wants
  // cin·cout ≥ 2048): past winogradPays' thresholds; the input gradient is a stride-1 convolution of the same size too,
  // and the 5×5 filter gradients are past winogradWindowPays'
  const winogradCases = [
    { form: 'F(4×4, 3×3)', x: [4, 16, 32, 32], k: [16, 16, 3, 3], padding: [[1, 1], [2, 0]], off: { winograd: 0 } },
    { form: 'F(2×2, 5×5)', x: [2, 64, 16, 16], k: [64, 64, 5, 5], padding: [[2, 2], [3, 1]], off: { winograd5: false, winogradWindow: false } },
    { form: 'F(2×2, 5×5) at 32 → 64 channels', x: [4, 32, 14, 14], k: [64, 32, 5, 5], padding: [[2, 2], [2, 2]], off: { winograd5: false, winogradWindow: false } },
  ] as const;
  for (const wc of winogradCases)
    it(`stride-1 convolutions with enough channels take Winograd ${wc.form}, eager and jitted, gradients too, within its stated error`, { timeout: 120_000 }, async () => {
      const x = random.normal(random.key(5), [...wc.x]), k = random.normal(random.key(6), [...wc.k]).mul(0.3 * 3 / wc.k[2] / Math.sqrt(wc.k[1] / 16));
      const f = (x: Array, k: Array) => lax.convGeneralDilated(x, k, { padding: wc.padding.map((p) => [...p]) as [number, number][] });
      const loss = (x: Array, k: Array) => np.sum(np.tanh(f(x, k).mul(0.1)));
      const dx = grad(loss, { argnums: [0, 1] });
      const [want, [wx, wk]] = withTarget('ref', () => [f(x, k), dx(x, k) as Array[]] as const);
      const saved = { ...convForms };
      const got: Float64Array[][] = [];
      try {
        for (const off of [false, true]) {
          Object.assign(convForms, saved, off ? wc.off : {});
          const [y, yj, [gx, gk]] = withTarget('webgpu', () => [f(x, k), jit(f)(x, k), jit(dx)(x, k) as Array[]] as const);
          got.push([await values(y), await values(yj), await values(gx!), await values(gk!)]);
        }
      } finally {
        Object.assign(convForms, saved);
      }
      // |y| here is up to about 40 and Σ|x|·|w| about 30: the error is within 1e-5 of that (test/wgsl-winograd.test.ts)
      const [wy, wgx, wgk] = [refValues(want), refValues(wx!), refValues(wk!)];
      for (const [i, [y, yj, gx, gk]] of got.entries()) {
        for (const [a, b, what] of [[y!, wy, 'eager'], [yj!, wy, 'jit'], [gx!, wgx, 'input gradient'], [gk!, wgk, 'filter gradient']] as const)
          expect(close(a, b, 5e-4, 1e-4), `${i ? 'implicit GEMM' : 'Winograd'} ${what}`).toBeNull();
      }
      // the forms differ in rounding, so equal bits would mean the Winograd form was not taken
      expect(got[0]![0]!.some((v, i) => v !== got[1]![0]![i])).toBe(true);
      expect(got[0]![2]!.some((v, i) => v !== got[1]![2]![i])).toBe(true);
      // 5×5: the filter gradient (a 5×5 output over the cotangent's window) takes the window form F(5×5, 2×2)
      if ('winogradWindow' in wc.off) expect(got[0]![3]!.some((v, i) => v !== got[1]![3]![i])).toBe(true);
      // an inf and a NaN in the input: non-finite outputs exactly where the direct convolution has them, the rest close
      const [, c, h, w] = wc.x;
      const xv = new Float32Array(refValues(x));
      xv[5 * w + 7] = Infinity;
      xv[(wc.x[0] - 1) * c * h * w + 9 * h * w + 10 * w + w - 1] = NaN;
      const xi = np.array(xv).reshape([...wc.x]);
      const wantI = refValues(withTarget('ref', () => f(xi, k)));
      expect(wantI.some((v) => !Number.isFinite(v)) && wantI.some((v) => Number.isFinite(v))).toBe(true);
      expect(close(await values(withTarget('webgpu', () => jit(f)(xi, k))), wantI, 5e-4, 1e-4)).toBeNull();
      // written channels-last under jit: the NHWC activations and the HWIO filter are read in place (two lazy views)
      const xh = np.transpose(x, [0, 2, 3, 1]), kh = np.transpose(k, [2, 3, 1, 0]);
      const fh = (x: Array, k: Array) => lax.convGeneralDilated(x, k, { padding: wc.padding.map((p) => [...p]) as [number, number][], dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] });
      const jh = makeJaxpr(fh)(xh, kh).jaxpr;
      expect([...lazyViews(jh, schedule(jh))].length).toBe(2);
      const wantH = refValues(withTarget('ref', () => fh(xh, kh)));
      expect(close(await values(withTarget('webgpu', () => jit(fh)(xh, kh))), wantH, 5e-4, 1e-4)).toBeNull();
    });
  it('a jitted MLP training step matches ref over 5 steps', async () => {
    const [k1, k2, k3] = [random.key(10), random.key(11), random.key(12)];
    const init = {
      w1: random.normal(k1!, [8, 16]).mul(0.3), b1: np.zeros([16]),
      w2: random.normal(k2!, [16, 3]).mul(0.3), b2: np.zeros([3]),
    };
    const x = random.normal(k3!, [32, 8]);
    const labels = np.arange(32).astype('int32').mod(3);
    const loss = (p: typeof init, x: Array, y: Array): Array => {
      const h = np.tanh(np.matmul(x, p.w1).add(p.b1));
      const logits = np.matmul(h, p.w2).add(p.b2);
      const logp = logits.sub(logits.max(1, { keepdims: true })).sub(np.log(np.exp(logits.sub(logits.max(1, { keepdims: true }))).sum(1, { keepdims: true })));
      const onehot = np.equal(y.reshape([-1, 1]), np.arange(3).reshape([1, 3])).astype('float32');
      return logp.mul(onehot).sum().neg().div(32);
    };
    const step = jit((p: typeof init, x: Array, y: Array) => {
      const g = grad(loss)(p, x, y);
      return tree.map((a: Array, b: Array) => a.sub(b.mul(0.5)), p, g) as typeof init;
    });
    let pr = init, pg = init;
    for (let i = 0; i < 5; i++) {
      pr = withTarget('ref', () => step(pr, x, labels));
      pg = withTarget('webgpu', () => step(pg, x, labels));
    }
    for (const k of ['w1', 'b1', 'w2', 'b2'] as const) expect(close(await values(pg[k]), refValues(pr[k]), 1e-4, 1e-3), k).toBeNull();
    const lr = withTarget('ref', () => loss(pr, x, labels)).item() as number;
    const lg = (await withTarget('webgpu', () => jit(loss)(pg, x, labels)).data())[0]!;
    expect(Math.abs(lg - lr)).toBeLessThan(1e-4);
  });

  it('blockUntilReady waits for the GPU work without reading back; a disposed array says so', async () => {
    const f = jit((x: Array) => np.tanh(x.matmul(x.T)).sum(1));
    const x = withTarget('webgpu', () => put([random.normal(random.key(4), [64, 64])])[0]!);
    const y = withTarget('webgpu', () => f(x));
    expect(await y.blockUntilReady()).toBe(y);
    const want = withTarget('ref', () => f(random.normal(random.key(4), [64, 64])));
    expect(close(await values(y), refValues(want), 1e-4, 1e-4)).toBeNull();
    y.dispose();
    await expect(y.blockUntilReady()).rejects.toThrow(/disposed/);
  });
  it('dataSync/item/toJS on a webgpu array throw an error pointing to await data()', () => {
    const y = withTarget('webgpu', () => jit((a: Array) => a.mul(2))(np.ones([3])));
    expect(() => y.dataSync()).toThrow(/lives on webgpu.*await x\.data\(\)/);
    expect(() => y.sum().item()).toThrow(/await x\.data\(\)/);
    expect(() => y.toJS()).toThrow(/await x\.data\(\)/);
  });

  it('float64 gives a clear error naming the op', () => {
    expect(() => withTarget('webgpu', () => jit((a: Array) => a.mul(a))(np.ones([4], 'float64')))).toThrow(/float64 is not supported on the webgpu target.*float32/);
  });

  it('a buffer beyond the device limits gives a clear out-of-memory error, and the target keeps working', async () => {
    expect(() => withTarget('webgpu', () => jit((a: Array) => np.broadcastTo(a, [2 ** 30, 4]).add(1))(np.ones([4])))).toThrow(/out of memory.*smaller batches/);
    const y = withTarget('webgpu', () => jit((a: Array) => a.add(1))(np.ones([2])));
    expect([...(await y.data())]).toEqual([2, 2]);
  });

  it('whileLoop inside jit gives a clear error; scan and cond run', async () => {
    const w = (x: Array) => lax.whileLoop((c: Array) => c.lt(10), (c: Array) => c.add(1), x);
    expect(() => withTarget('webgpu', () => jit(w)(np.array(0, 'int32')))).toThrow(/lax\.scan|static trip count/);
    const s = (xs: Array) => lax.scan((c: Array, x: Array) => [c.add(x), c.mul(x)], np.zeros([2]), xs);
    const xs = np.arange(8).reshape([4, 2]).astype('float32');
    const [cr, yr] = withTarget('ref', () => jit(s)(xs)) as unknown as Array[];
    const [cg, yg] = withTarget('webgpu', () => jit(s)(xs)) as unknown as Array[];
    expect(close(await values(cg!), refValues(cr!), 0, 0)).toBeNull();
    expect(close(await values(yg!), refValues(yr!), 0, 0)).toBeNull();
    const c = (i: Array, x: Array) => lax.switch(i, [(v: Array) => v.add(1), (v: Array) => v.mul(3), (v: Array) => v.neg()], x);
    for (const i of [-1, 1, 2, 7]) {
      const want = withTarget('ref', () => jit(c)(np.array(i, 'int32'), xs));
      const got = withTarget('webgpu', () => jit(c)(np.array(i, 'int32'), xs));
      expect(close(await values(got), refValues(want), 0, 0)).toBeNull();
    }
  });

  it('buffers return to the pool: flat live count over 200 jitted steps', async () => {
    const f = jit((w: Array, x: Array) => w.sub(np.matmul(x.T, np.tanh(np.matmul(x, w))).mul(0.01)));
    const x = random.normal(random.key(1), [16, 8]);
    let w = withTarget('webgpu', () => put([random.normal(random.key(2), [8, 4])])[0]!);
    const counts: number[] = [];
    const created: number[] = [];
    for (let i = 0; i < 200; i++) {
      const next = withTarget('webgpu', () => f(w, x));
      w.dispose();
      w = next;
      if (i % 50 === 49) {
        await w.data();
        counts.push(memoryStats().webgpu!.buffers);
        created.push(webgpuInfo()!.pool.created);
      }
    }
    // live webgpu arrays never grow (other tests' garbage may be collected meanwhile, so the count can only fall)
    counts.slice(1).forEach((c, i) => expect(c).toBeLessThanOrEqual(counts[i]!));
    // every kernel of a jitted call goes into one command submission
    const before = webgpuInfo()!.pool.submits;
    const outs = [0, 1, 2, 3, 4].map(() => withTarget('webgpu', () => f(w, x)));
    expect(webgpuInfo()!.pool.submits - before).toBe(5);
    outs.forEach((o) => o.dispose());
    expect(created[3]).toBe(created[0]); // no new GPU buffers after warm-up: the pool serves every step
  });

  it('device loss gives a clear error and initWebGpu re-initialises', async () => {
    destroyDevice();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => withTarget('webgpu', () => jit((a: Array) => a.add(1))(np.ones([4])))).toThrow(/device was lost|initWebGpu/);
    await initWebGpu();
    const y = withTarget('webgpu', () => jit((a: Array) => a.add(1))(np.ones([4])));
    expect([...(await y.data())]).toEqual([2, 2, 2, 2]);
  });
});
