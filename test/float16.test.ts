// The float16 dtype: rounding (against numpy and every bit pattern), JAX's promotion, arithmetic that rounds once per operation, grad/jit/vmap, random, safetensors and printing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grad, jit, lax, nn, np, optim, random, train, tree, valueAndGrad, vmap, withTarget, type Array } from '../src/index.js';
import { f16Bits, f16BitsArray, f16FromBits, promoteTypes, roundF16, roundF16Array } from '../src/core/dtype.js';
import { fromTyped } from '../src/core/array.js';

type Num = number | 'nan' | 'inf' | '-inf';
const dec = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/float16.json', import.meta.url), 'utf8')) as {
  cast: { in: Num[]; out: Num[] };
  a: Num[];
  b: Num[];
  arith: Record<'add' | 'sub' | 'mul' | 'div' | 'max', Num[]>;
  trans: Record<'exp' | 'tanh' | 'sin' | 'log' | 'sqrt', [Num[], Num[]]>;
  reprs: [number[], string][];
  reprs32: [number[], string][];
};
const same = (a: number, b: number): boolean => Object.is(a, b) || (a !== a && b !== b);
const h16 = (v: readonly number[], shape = [v.length]): Array => np.array([...v], 'float16').reshape(shape);
const vals = (x: Array): number[] => globalThis.Array.from(x.dataSync());
/** The float16 spacing at |v| (one unit in the last place). */
const ulp16 = (v: number): number => (Math.abs(v) < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10));

describe('float16 rounding', () => {
  it('every finite bit pattern round-trips, and rounding leaves float16 values unchanged (both paths)', () => {
    const all = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) all[h] = f16FromBits(h);
    const copy = roundF16Array(all.slice());
    for (let h = 0; h < 0x10000; h++) {
      const v = all[h]!;
      if (v !== v) continue;
      expect(f16Bits(v)).toBe(h);
      expect(Object.is(roundF16(v), v)).toBe(true);
      expect(Object.is(copy[h], v)).toBe(true);
    }
  });

  it('f16BitsArray (the webgpu upload) equals f16Bits on every float16 value, ties, overflow and subnormal float32s', () => {
    const src: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const a = f16FromBits(h), b = f16FromBits(h + 1);
      src.push(a, (a + b) / 2, a + (b - a) / 3);
    }
    src.push(65519.99, 65520, -65520, 1e30, -Infinity, NaN, -0, 2 ** -25, 3 * 2 ** -26, 1e-40);
    const x = Float32Array.from(src);
    const got = f16BitsArray(x);
    x.forEach((v, i) => got[i] !== f16Bits(v) && expect.fail(`${v}: ${got[i]} vs ${f16Bits(v)}`));
  });

  it('matches numpy on 1292 float64 values: ties to even, subnormals, overflow to inf (rounded once, from float64)', () => {
    fx.cast.in.forEach((v, i) => expect(same(roundF16(dec(v)), dec(fx.cast.out[i]!)), `${dec(v)}`).toBe(true));
    // np.array from JS numbers and astype from float64 round once too (a float32 store first would round twice)
    const x = np.array(fx.cast.in.map(dec), 'float16');
    expect(vals(x).every((g, i) => same(g, dec(fx.cast.out[i]!)))).toBe(true);
    const y = np.array(fx.cast.in.map(dec), 'float64').astype('float16');
    expect(vals(y).every((g, i) => same(g, dec(fx.cast.out[i]!)))).toBe(true);
    // 1 + 2^-11 + 2^-40 is just above a tie: float32 would make it the tie itself, which rounds down to 1
    expect(vals(np.array([1 + 2 ** -11 + 2 ** -40], 'float64').astype('float16'))).toEqual([1 + 2 ** -10]);
  });

  it('the array path (float32 bits) agrees with the number path on float32 values, ties included', () => {
    const r = random.normal(random.key(1), [4000]).mul(np.array(2 ** 6)).dataSync() as Float32Array;
    const ties = Float32Array.from({ length: 2000 }, (_, i) => (f16FromBits(i * 31) + f16FromBits(i * 31 + 1)) / 2);
    for (const src of [r, ties, ties.map((v) => -v), r.map((v) => v * 2 ** -12)]) {
      const got = roundF16Array(Float32Array.from(src));
      src.forEach((v, i) => expect(Object.is(got[i], Math.fround(roundF16(v)))).toBe(true));
    }
  });
});

describe('float16 dtype semantics (JAX)', () => {
  it('promotes like JAX: f16 < f32 < f64, ints and weak floats do not widen it', () => {
    expect(promoteTypes('float16', false, 'float32', false)).toEqual({ dtype: 'float32', weak: false });
    expect(promoteTypes('float64', false, 'float16', false)).toEqual({ dtype: 'float64', weak: false });
    expect(promoteTypes('float16', false, 'int32', false)).toEqual({ dtype: 'float16', weak: false });
    expect(promoteTypes('bool', false, 'float16', false)).toEqual({ dtype: 'float16', weak: false });
    expect(promoteTypes('float16', false, 'float32', true)).toEqual({ dtype: 'float16', weak: false });
    const x = h16([1, 2]);
    expect(x.mul(2.5).dtype).toBe('float16');
    expect(x.add(np.array([1, 2], 'int32')).dtype).toBe('float16');
    expect(x.add(np.array([1, 2], 'float32')).dtype).toBe('float32');
    expect(np.finfo('float16')).toMatchObject({ bits: 16, eps: 2 ** -10, max: 65504, tiny: 2 ** -14 });
  });

  it('arithmetic equals numpy float16 arithmetic exactly (one rounding per operation), eager and under jit', () => {
    const a = h16(fx.a.map(dec)), b = h16(fx.b.map(dec));
    const ops = { add: np.add, sub: np.subtract, mul: np.multiply, div: np.divide, max: np.maximum } as const;
    for (const [name, f] of Object.entries(ops)) {
      const want = fx.arith[name as keyof typeof ops].map(dec);
      for (const got of [vals(f(a, b)), vals(jit(f)(a, b))]) expect(got.every((g, i) => same(g, want[i]!)), name).toBe(true);
    }
  });

  it('transcendental functions are within one float16 ulp of numpy (float32 evaluation rounded to float16)', () => {
    for (const [name, [xs, ys]] of Object.entries(fx.trans)) {
      const got = vals((np as unknown as Record<string, (x: Array) => Array>)[name]!(h16(xs.map(dec))));
      got.forEach((g, i) => {
        const w = dec(ys[i]!);
        expect(Math.abs(g - w), `${name}(${dec(xs[i]!)}) = ${g}, numpy ${w}`).toBeLessThanOrEqual(ulp16(w));
      });
    }
  });

  it('overflows to inf past 65504 and keeps float32 inputs intact when converting', () => {
    expect(vals(h16([60000]).add(h16([10000])))).toEqual([Infinity]);
    expect(vals(h16([65504]).mul(1))).toEqual([65504]);
    const src = new Float32Array([0.1, 1 / 3]);
    const x32 = fromTyped(src, [2], 'float32');
    const x16 = x32.astype('float16');
    expect(vals(x32)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    expect(vals(x16)).toEqual([roundF16(0.1), roundF16(1 / 3)]);
    expect(() => lax.bitcastConvertType(x16, 'int32')).toThrow(/bitcastConvertType.*float16.*32-bit/);
  });

  it('matmul and sums accumulate wide and round the result once', () => {
    const x = np.full([1, 300], 0.1, 'float16'), w = np.ones([300, 1], 'float16');
    const exact = 300 * roundF16(0.1);
    expect(vals(np.matmul(x, w))).toEqual([roundF16(exact)]);
    expect(vals(np.sum(x))).toEqual([roundF16(exact)]);
  });

  it('the wasm target (float32 SIMD kernels, rounded) equals the reference: exact ops to the bit, the rest within an ulp', () => {
    const x = random.normal(random.key(5), [64, 48], 'float16').mul(3), y = random.normal(random.key(6), [64, 48], 'float16');
    const w = random.normal(random.key(7), [48, 32], 'float16'), k = random.normal(random.key(8), [3, 3, 1, 4], 'float16');
    const img = random.normal(random.key(9), [2, 8, 8, 1], 'float16');
    const exact: [string, () => Array][] = [
      ['add', () => x.add(y)], ['mul', () => x.mul(y)], ['div', () => x.div(y)], ['sqrt', () => np.sqrt(np.abs(x))],
      ['max', () => np.max(x, 0)], ['lt', () => x.lt(y)],
    ];
    const approx: [string, () => Array][] = [
      ['exp', () => np.exp(x.div(4))], ['tanh', () => np.tanh(x)], ['sum', () => np.sum(x, 1)], ['matmul', () => np.matmul(x, w)],
      ['conv', () => lax.convGeneralDilated(img, k, { padding: 'SAME', dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] })],
    ];
    for (const [name, f] of exact) expect(vals(withTarget('wasm', f)), name).toEqual(vals(withTarget('ref', f)));
    for (const [name, f] of approx) {
      const got = vals(withTarget('wasm', f)), want = vals(withTarget('ref', f));
      got.forEach((g, i) => expect(Math.abs(g - want[i]!), `${name} [${i}] ${g} vs ${want[i]}`).toBeLessThanOrEqual(ulp16(want[i]!) + 1e-3 * (name === 'matmul' || name === 'conv' || name === 'sum' ? 1 : 0)));
      expect(withTarget('wasm', f).dtype, name).toBe(name === 'lt' ? 'bool' : 'float16');
    }
  });

  it('grad, vmap and jit work on float16 and give float16 results close to float32', () => {
    const f = (p: Array): Array => np.sum(np.tanh(p.mul(p)).mul(p));
    const p32 = np.array([0.25, -0.5, 1, 1.5]), p16 = p32.astype('float16');
    const g16 = grad(f)(p16), g32 = grad(f)(p32);
    expect(g16.dtype).toBe('float16');
    vals(g16).forEach((g, i) => expect(Math.abs(g - vals(g32)[i]!)).toBeLessThanOrEqual(8 * ulp16(vals(g32)[i]!)));
    expect(vals(jit(grad(f))(p16))).toEqual(vals(g16));
    const rows = np.stack([p16, p16.mul(2)]);
    const vg = vmap(grad(f))(rows);
    expect(vg.dtype).toBe('float16');
    expect(vals(vg.get(0))).toEqual(vals(g16));
  });
});

describe('float16 models', () => {
  const model = nn.sequential(nn.dense(16), nn.tanh, nn.dense(1));
  const p32 = model.init(random.key(0), [-1, 4]).params;
  type P = typeof p32;
  const x = random.normal(random.key(1), [64, 4], 'float16');
  const y = np.sin(x.sum(1, { keepdims: true }));
  const half = (p: P): P => tree.map((a: Array) => a.astype('float16'), p);
  const fit = (p0: P, opt: optim.GradientTransformation, loss: (p: P) => Array): [P, number[]] => {
    const step = jit((p: P, s: unknown) => {
      const [l, g] = valueAndGrad(loss)(p);
      const [u, s2] = opt.update(g, s as never, p);
      return [optim.applyUpdates(p, u), s2, l] as const;
    });
    let p = p0, s: unknown = opt.init(p0);
    const losses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const [p2, s2, l] = step(p, s);
      [p, s] = [p2, s2];
      losses.push(Number(l));
    }
    return [p, losses];
  };

  it('a dense network with float16 parameters trains under jit (SGD with momentum), its parameters stay float16', () => {
    const [p, losses] = fit(half(p32), optim.sgd(0.05, { momentum: 0.9 }), (q) => np.mean(np.square(model.apply(q, x).sub(y))));
    expect(losses[39]!).toBeLessThan(losses[0]! * 0.5);
    for (const leaf of tree.leaves(p) as Array[]) expect(leaf.dtype).toBe('float16');
  });

  it('mixed precision: float32 master parameters, a float16 forward pass, float32 gradients through the casts (Adam)', () => {
    // (Adam on float16 parameters overflows: its eps 1e-8 is 0 in float16 and tiny second moments underflow, as in optax)
    const [p, losses] = fit(p32, optim.adam(1e-2), (q) => np.mean(np.square(model.apply(half(q), x).sub(y))).astype('float32'));
    expect(losses[39]!).toBeLessThan(losses[0]! * 0.5);
    for (const leaf of tree.leaves(p) as Array[]) expect(leaf.dtype).toBe('float32');
    expect(vals(np.nanToNum(h16([Infinity, -Infinity, NaN])))).toEqual([65504, -65504, 0]);
  });
});

describe('float16 random, files and printing', () => {
  it('uniform draws 16 random bits per value as JAX does: (bits >> 6) · 2^-10, in both threefry modes', () => {
    const k = random.key(7);
    const u = random.uniform(k, [5, 7], 'float16');
    expect(u.dtype).toBe('float16');
    const b32 = vals(random.bits(k, [5, 7]));
    expect(vals(u)).toEqual(b32.map((b) => ((b & 0xffff) >>> 6) * 2 ** -10));
    // legacy mode: the 32-bit words of iota(ceil(n / 2)) give their low then high halves
    random.withThreefryPartitionable(false, () => {
      const v = vals(random.uniform(k, [5], 'float16'));
      const w = vals(random.bits(k, [3]));
      const halves = w.flatMap((x) => [x & 0xffff, x >>> 16]).slice(0, 5);
      expect(v).toEqual(halves.map((h) => (h >>> 6) * 2 ** -10));
    });
    const n = vals(random.normal(random.key(3), [2000], 'float16'));
    expect(n.every(Number.isFinite)).toBe(true);
    const mean = n.reduce((s, x) => s + x, 0) / n.length, sd = Math.sqrt(n.reduce((s, x) => s + (x - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(sd - 1)).toBeLessThan(0.1);
  });

  it('safetensors stores float16 as F16 half bits and loads it back as float16', () => {
    const x = h16([1, -2.5, 65504, 2 ** -24, 0.1]);
    const bytes = train.serialize({ x });
    const h = train.readSafetensorsHeader(bytes);
    expect(h.tensors.x).toMatchObject({ dtype: 'F16', shape: [5] });
    const [b0] = h.tensors.x!.dataOffsets;
    const raw = new Uint16Array(bytes.slice(h.dataStart + b0, h.dataStart + b0 + 10).buffer);
    expect(globalThis.Array.from(raw)).toEqual([0x3c00, 0xc100, 0x7bff, 0x0001, f16Bits(0.1)]);
    const back = train.deserialize(bytes) as { x: Array };
    expect(back.x.dtype).toBe('float16');
    expect(vals(back.x)).toEqual(vals(x));
  });

  it('prints like numpy (shortest digits that round-trip in float16)', () => {
    for (const [v, want] of fx.reprs) expect(h16(v).toString()).toBe(want);
    // the exponent cutoff depends on the dtype (numpy >= 2.2): float32 from 1e6 on, float64 from 1e8
    const [a, b, c] = fx.reprs32;
    expect(np.array(a![0], 'float32').toString()).toBe(a![1]);
    expect(np.array(b![0], 'float32').toString()).toBe(b![1]);
    expect(np.array(c![0], 'float64').toString()).toBe(`${c![1].slice(0, -1)}, dtype=float64)`); // numpy omits its default dtype
  });
});
