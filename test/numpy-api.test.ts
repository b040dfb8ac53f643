// np API behaviour: JAX's promotion table with weak types, error messages, Array methods, index-update semantics, transforms.
import { describe, expect, it } from 'vitest';
import { Array, grad, jit, lax, np, vmap, valueAndGrad } from '../src/index.js';
import type { DType } from '../src/core/dtype.js';
import { arr, vals } from './numpy-util.js';

const close = (a: unknown, b: number[], tol = 1e-5) => {
  const av = vals(a);
  expect(av.length).toBe(b.length);
  av.forEach((x, i) => {
    if (!(Math.abs(x - b[i]!) <= tol * (1 + Math.abs(b[i]!)))) expect(av).toEqual(b);
  });
};

// ---------------------------------------------------------------------------------------------
// Type promotion: the table of https://docs.jax.dev/en/latest/type_promotion.html restricted to our
// dtypes (b1 u32 i32 f32 f64, weak i* f*), with JAX's x64-disabled canonicalisation of i64 to int32.
type Code = 'b' | 'u32' | 'i32' | 'f32' | 'f64' | 'i*' | 'f*';
const codes: Code[] = ['b', 'u32', 'i32', 'f32', 'f64', 'i*', 'f*'];
const jaxTable: Record<Code, Partial<Record<Code, Code>>> = {
  b: { b: 'b', u32: 'u32', i32: 'i32', f32: 'f32', f64: 'f64', 'i*': 'i*', 'f*': 'f*' },
  u32: { u32: 'u32', i32: 'i32', f32: 'f32', f64: 'f64', 'i*': 'u32', 'f*': 'f*' },
  i32: { i32: 'i32', f32: 'f32', f64: 'f64', 'i*': 'i32', 'f*': 'f*' },
  f32: { f32: 'f32', f64: 'f64', 'i*': 'f32', 'f*': 'f32' },
  f64: { f64: 'f64', 'i*': 'f64', 'f*': 'f64' },
  'i*': { 'i*': 'i*', 'f*': 'f*' },
  'f*': { 'f*': 'f*' },
};
const lookup = (a: Code, b: Code): Code => jaxTable[a][b] ?? jaxTable[b][a]!;
const codeDType: Record<Code, [DType, boolean]> = {
  b: ['bool', false], u32: ['uint32', false], i32: ['int32', false], f32: ['float32', false], f64: ['float64', false],
  'i*': ['int32', true], 'f*': ['float32', true],
};
const operand = (c: Code): np.ArrayLike => {
  if (c === 'i*') return 2;
  if (c === 'f*') return 2.5;
  const [d] = codeDType[c];
  return np.ones([2], d);
};

describe('type promotion (JAX lattice with weak types)', () => {
  for (const a of codes)
    for (const b of codes)
      it(`${a} + ${b} -> ${lookup(a, b)}`, () => {
        const r = np.add(operand(a), operand(b));
        const [d, weak] = codeDType[lookup(a, b)];
        expect(r.dtype).toBe(d);
        expect(r.weakType).toBe(weak);
      });

  it('weak JS numbers never widen arrays: x.mul(2) stays float32, int32 * 0.5 is float32', () => {
    const x = np.ones([3], 'float32');
    expect(x.mul(2).dtype).toBe('float32');
    expect(x.mul(2).weakType).toBe(false);
    expect(np.ones([2], 'int32').mul(0.5).dtype).toBe('float32');
    expect(np.ones([2], 'int32').add(3).dtype).toBe('int32');
    expect(np.ones([2], 'uint32').add(3).dtype).toBe('uint32');
    expect(np.ones([2], 'float64').mul(2.5).dtype).toBe('float64');
  });
  it('functions of weak scalars stay weak; transcendental ops of ints go to float32', () => {
    const e = np.exp(1);
    expect([e.dtype, e.weakType]).toEqual(['float32', true]);
    expect(np.sqrt(np.arange(4)).dtype).toBe('float32');
    expect(np.trueDivide(np.arange(4), 2).dtype).toBe('float32');
    expect(np.mean(np.arange(4)).dtype).toBe('float32');
    expect(np.sum(np.array([true, true, false])).dtype).toBe('int32');
    expect(np.resultType('int32', 1.5)).toBe('float32');
    expect(np.resultType('uint32', 'int32')).toBe('int32');
    expect(np.promoteTypes('float32', 'float64')).toBe('float64');
  });
  it('np.array infers bool < int32 < float32 and astype is strong', () => {
    expect(np.array([1, 2]).dtype).toBe('int32');
    expect(np.array([1, 2.5]).dtype).toBe('float32');
    expect(np.array([true, false]).dtype).toBe('bool');
    expect(np.array(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(np.asarray(2.5).weakType).toBe(true);
    expect(np.asarray(2.5).astype('float32').weakType).toBe(false);
    expect(np.full([2], 1.5).weakType).toBe(true);
    expect(np.full([2], 1.5, 'float32').weakType).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
describe('errors name the function, the shapes and what is valid', () => {
  const throwsWith = (f: () => unknown, ...parts: string[]) => {
    let msg = '';
    try {
      f();
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg, 'expected an error').not.toBe('');
    for (const p of parts) expect(msg).toContain(p);
  };
  it('matmul of misaligned shapes', () => {
    throwsWith(() => np.matmul(np.ones([2, 3]), np.ones([4, 5])), 'matmul', '[2, 3]', '[4, 5]', 'size 3', 'size 4');
    throwsWith(() => np.matmul(np.ones([2, 3]), 2), 'matmul', 'at least 1-D');
    throwsWith(() => np.dot(np.ones([2, 3]), np.ones([2])), 'dot', '[2, 3]', '[2]');
  });
  it('broadcasting', () => {
    throwsWith(() => np.add(np.ones([2, 3]), np.ones([4])), 'add', '[2, 3]', '[4]', 'broadcast');
    throwsWith(() => np.where(np.ones([2], 'bool'), np.ones([3]), 0), 'where', '[2]', '[3]');
    throwsWith(() => np.broadcastTo(np.ones([3]), [2, 4]), 'broadcastTo', '[3]', '[2, 4]');
  });
  it('shapes and axes', () => {
    throwsWith(() => np.reshape(np.ones([2, 3]), [4, -1]), 'reshape', '[2, 3]', '[4, -1]');
    throwsWith(() => np.sum(np.ones([2, 3]), 2), 'sum', 'axis 2', 'rank 2', '-2..1');
    throwsWith(() => np.ones([2, 3]).mean(-3), 'mean', 'axis -3');
    throwsWith(() => np.squeeze(np.ones([2, 3]), 0), 'squeeze', 'axis 0', 'size 2');
    throwsWith(() => np.concatenate([np.ones([2, 3]), np.ones([2, 4])], 0), 'concatenate', '[2, 3]', '[2, 4]');
    throwsWith(() => np.split(np.ones([5]), 2), 'split', 'size 5', '2 sections');
    throwsWith(() => np.stack([np.ones([2]), np.ones([3])]), 'stack', 'same shape');
    throwsWith(() => np.transpose(np.ones([2, 3]), [0]), 'transpose', '2 axes');
    throwsWith(() => np.pad(np.ones([2]), 1, 'linear_ramp' as never), 'pad', 'linear_ramp', 'reflect');
  });
  it('dtypes, indexing and einsum', () => {
    throwsWith(() => np.bitwiseAnd(np.ones([2]), 1), 'bitwiseAnd', 'float32[2]', 'integer');
    throwsWith(() => np.subtract(np.array([true]), np.array([false])), 'subtract', 'bool');
    throwsWith(() => np.take(np.ones([3]), np.array([0.5])), 'take', 'integers');
    throwsWith(() => np.ones([2, 3]).index(0, 1, 2), 'too many indices', '[2, 3]');
    throwsWith(() => np.ones([2, 3]).index(5), 'index 5', 'axis 0', 'size 2');
    throwsWith(() => np.einsum('ij,jk->ik', np.ones([2, 3])), 'einsum', '2 operand', '1 were given');
    throwsWith(() => np.einsum('ij,jk->ik', np.ones([2, 3]), np.ones([4, 5])), 'einsum', "'j'", '3', '4');
    throwsWith(() => np.norm(np.ones([2, 2]), 'nuc'), 'norm', 'SVD');
    throwsWith(() => np.array([[1, 2], [3]]), 'array', 'ragged');
    throwsWith(() => np.max(np.ones([0])), 'max', 'zero-size', 'initial');
  });
  it('value-dependent shapes are refused under tracing, with a hint', () => {
    throwsWith(() => jit((x: Array) => np.unique(x))(np.arange(3)), 'unique', 'traced', 'not traceable');
    throwsWith(() => jit((x: Array) => x.index(x.gt(0)))(np.arange(3)), 'nonzero', 'traced');
  });
});

// ---------------------------------------------------------------------------------------------
describe('Array methods', () => {
  const x = np.arange(6, 'float32').reshape(2, 3);
  it('shape methods: T, reshape variants, flatten, squeeze, expandDims, transpose', () => {
    expect(x.T.shape).toEqual([3, 2]);
    close(x.T, [0, 3, 1, 4, 2, 5]);
    expect(x.reshape([3, 2]).shape).toEqual([3, 2]);
    expect(x.reshape(-1).shape).toEqual([6]);
    expect(x.flatten().shape).toEqual([6]);
    expect(x.expandDims(0).squeeze().shape).toEqual([2, 3]);
    expect(x.transpose(1, 0).shape).toEqual([3, 2]);
    expect(np.ones([2, 3, 4]).mT.shape).toEqual([2, 4, 3]);
  });
  it('arithmetic and comparison chains', () => {
    close(x.add(1).mul(2).sub(x).div(2), [1, 1.5, 2, 2.5, 3, 3.5]);
    close(x.pow(2), [0, 1, 4, 9, 16, 25]);
    expect(vals(x.gt(2))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(x.eq(np.array([0, 5, 2])).dtype).toBe('bool');
    close(x.neg().abs(), [0, 1, 2, 3, 4, 5]);
    close(x.mod(4), [0, 1, 2, 3, 0, 1]);
    close(np.array([-7, 7]).floorDiv(2), [-4, 3]);
  });
  it('reductions with axis, keepdims and options objects', () => {
    close(x.sum(), [15]);
    close(x.sum(0), [3, 5, 7]);
    expect(x.sum(1, { keepdims: true }).shape).toEqual([2, 1]);
    expect(x.sum({ axis: -1, keepdims: true }).shape).toEqual([2, 1]);
    close(x.mean(-1), [1, 4]);
    close(x.max(0), [3, 4, 5]);
    close(x.argmax(1), [2, 2]);
    close(x.std(), [Math.sqrt(35 / 12)]);
    expect(x.any().item()).toBe(true);
    expect(x.all().item()).toBe(false);
  });
  it('matmul, dot, astype, sort, at', () => {
    close(x.matmul(x.T), [5, 14, 14, 50]);
    close(x.dot(np.ones([3])), [3, 12]);
    expect(x.astype('int32').dtype).toBe('int32');
    close(np.array([3, 1, 2]).sort(), [1, 2, 3]);
    close(x.at(0, 1).set(9), [0, 9, 2, 3, 4, 5]);
    close(x.at(':', -1).add(10), [0, 1, 12, 3, 4, 15]);
    close(x.at(1).get(), [3, 4, 5]);
    close(x.get('...', '::2'), [0, 2, 3, 5]);
  });
  it('prints like numpy, with weak types marked as JAX does', () => {
    expect(np.asarray(2.5).toString()).toBe('array(2.5, dtype=float32, weak_type=True)');
    expect(String(np.array([[1, 2], [3, 4]], 'float32'))).toBe('array([[1., 2.],\n       [3., 4.]], dtype=float32)');
    np.setPrintOptions({ precision: 3 });
    try {
      expect(np.array([1 / 3], 'float32').toString()).toBe('array([0.333], dtype=float32)');
    } finally {
      np.setPrintOptions({ precision: 8 });
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('indexing semantics (JAX): clamp for gathers, drop for scatters', () => {
  const x = np.array([10, 20, 30], 'float32');
  it('out-of-range advanced indices clamp when reading', () => {
    close(x.index([5, -1, -7]), [30, 30, 10]);
    close(np.take(x, [7]), [30]);
  });
  it('out-of-range updates are dropped (static and traced indices)', () => {
    close(x.at([0, 5]).set(1), [1, 20, 30]);
    close(x.at([-1, -4]).add(1), [10, 20, 31]);
    close(x.at(3).set(0), [10, 20, 30]);
    const f = jit((i: Array) => x.at(i).set(-1));
    close(f(np.array([1, 3])), [10, -1, 30]);
    close(f(np.array([-1, -9])), [10, 20, -1]);
    const g = jit((i: Array) => x.at(i).max(25));
    close(g(np.array([0, 2, 99])), [25, 20, 30]);
  });
  it('traced index reads normalise negatives', () => {
    const f = jit((i: Array) => x.index(i));
    close(f(np.array([-1, 0, 1])), [30, 10, 20]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('np functions compose with grad, vmap and jit', () => {
  it('grad of logsumexp is softmax, even for large inputs', () => {
    const v = np.array([1000, 1001, 999], 'float64');
    const g = grad((a: Array) => np.logsumexp(a))(v);
    const e = [Math.exp(-1), 1, Math.exp(-2)];
    const s = e.reduce((p, q) => p + q);
    close(g, e.map((t) => t / s), 1e-12);
  });
  it('grad of cumprod (associative scan) and of cummax', () => {
    const v = np.array([1.5, 2, -0.5, 3], 'float64');
    // d/dx_j sum_i prod_{k<=i} x_k = sum_{i>=j} prod_{k<=i, k!=j} x_k
    const xs = [1.5, 2, -0.5, 3];
    const want = xs.map((_, j) => {
      let t = 0;
      for (let i = j; i < 4; i++) t += xs.slice(0, i + 1).reduce((p, q, k) => (k === j ? p : p * q), 1);
      return t;
    });
    close(grad((a: Array) => np.sum(np.cumprod(a)))(v), want, 1e-12);
    close(grad((a: Array) => np.sum(np.cummax(a)))(np.array([1, 3, 2, 5], 'float64')), [1, 2, 0, 1], 1e-12);
  });
  it('grad through indexing, updates, pad modes and pooling', () => {
    const v = np.arange(5, 'float64');
    close(grad((a: Array) => a.index('1:4').sum())(v), [0, 1, 1, 1, 0]);
    close(grad((a: Array) => a.index([0, 0, 4]).sum())(v), [2, 0, 0, 0, 1]);
    close(grad((a: Array) => a.at(2).set(7).sum())(v), [1, 1, 0, 1, 1]);
    close(grad((a: Array) => a.at('::2').mul(3).sum())(v), [3, 1, 3, 1, 3]);
    // reflect pad of [0..4] by 2: [2 1 0 1 2 3 4 3 2] -> counts per source
    close(grad((a: Array) => np.pad(a, 2, 'reflect').sum())(v), [1, 2, 3, 2, 1]);
    const img = np.array([1, 5, 2, 3, 4, 0, 7, 6], 'float64').reshape(1, 1, 2, 4);
    close(grad((a: Array) => lax.reduceWindow(a, 'max', [1, 1, 2, 2], [1, 1, 2, 2]).sum())(img), [0, 1, 0, 0, 0, 0, 1, 0]);
  });
  it('grad of x ** 2 at negative x and of round', () => {
    close(grad((a: Array) => np.power(a, 2).sum())(np.array([-3, 2], 'float64')), [-6, 4]);
    close(grad((a: Array) => np.round(a).sum())(np.array([0.3, 2.5], 'float64')), [0, 0]);
  });
  it('grad of norm, einsum and matmul', () => {
    const v = np.array([3, 4], 'float64');
    close(grad((a: Array) => np.norm(a))(v), [0.6, 0.8], 1e-12);
    const A = np.array([1, 2, 3, 4], 'float64').reshape(2, 2);
    const B = np.array([5, 6, 7, 8], 'float64').reshape(2, 2);
    const [val, g] = valueAndGrad((a: Array) => np.einsum('ij,jk->', a, B))(A);
    close(val, [19 + 22 + 43 + 50]);
    close(g, [11, 15, 11, 15]);
    close(grad((a: Array) => np.matmul(a, B).sum())(A), [11, 15, 11, 15]);
  });
  it('vmap of matmul, einsum, indexing and sort', () => {
    const xs = np.arange(12, 'float32').reshape(3, 2, 2);
    const m = vmap((a: Array) => np.matmul(a, a))(xs);
    close(m, vals(np.matmul(xs, xs)));
    close(vmap((a: Array) => np.einsum('ii', a))(xs), [3, 11, 19]);
    close(vmap((a: Array, i: Array) => a.index(i))(np.arange(6).reshape(2, 3), np.array([2, 0])), [2, 3]);
    close(vmap((a: Array) => np.sort(a))(np.array([3, 1, 2, 9, 8, 7]).reshape(2, 3)), [1, 2, 3, 7, 8, 9]);
    close(vmap((a: Array) => a.at(1).set(0))(np.ones([2, 3])), [1, 0, 1, 1, 0, 1]);
  });
  it('jit of composites matches eager', () => {
    const f = (a: Array) => np.tanh(np.linalg.norm(a, 1, -1)).mul(np.var(a, -1)).add(np.cumsum(a, -1).index('...', -1));
    const a = np.arange(6, 'float32').reshape(2, 3).div(5);
    close(jit(f)(a), vals(f(a)));
  });
});

describe('np.linalg solvers under transforms', () => {
  const B = np.array([[0, 2, 1], [1, 1, 1], [3, 0, 2]], 'float64');
  const invB = [-2, 4, -1, -1, 3, -1, 3, -6, 2];
  const invBT = [-2, -1, 3, 4, 3, -6, -1, -1, 2];
  it("Jacobi's formula: grad det = det · inv(A)ᵀ, grad log|det| = inv(A)ᵀ", () => {
    close(grad((a: Array) => np.linalg.det(a))(B), invBT.map((v) => -v), 1e-12);
    close(grad((a: Array) => np.linalg.slogdet(a)[1])(B), invBT, 1e-12);
    close(np.linalg.inv(B), invB, 1e-12);
  });
  it('cholesky gradient matches central finite differences (lower triangle read only)', () => {
    const A0 = [4, 1, 2, 1, 5, 3, 2, 3, 6];
    const f = (a: Array) => np.linalg.cholesky(a).mul(np.array([1, 2, 3, 4, 5, 6, 7, 8, 9], 'float64').reshape(3, 3)).sum();
    const g = vals(grad(f)(np.array(A0, 'float64').reshape(3, 3)));
    const h = 1e-6;
    A0.forEach((_, k) => {
      const p = A0.slice(), m = A0.slice();
      p[k] = p[k]! + h;
      m[k] = m[k]! - h;
      const fd = ((f(np.array(p, 'float64').reshape(3, 3)).item() as number) - (f(np.array(m, 'float64').reshape(3, 3)).item() as number)) / (2 * h);
      expect(Math.abs(g[k]! - fd)).toBeLessThan(1e-6);
    });
  });
  it('vmap and jit of solve agree with the batched eager call', () => {
    const As = np.stack([B, B.T, B.add(np.eye(3, 3, 0, 'float64'))]);
    const b = np.array([1, 2, 3], 'float64');
    const eager = np.linalg.solve(As, b.reshape(3, 1)).reshape(3, 3);
    close(vmap((a: Array) => np.linalg.solve(a, b))(As), vals(eager), 1e-12);
    close(jit((a: Array) => np.linalg.inv(a))(As), vals(np.linalg.inv(As)), 1e-12);
  });
});

describe('lax composites', () => {
  it('topK, clamp, collapse, expandDims, squeeze, broadcast, dot, batchMatmul', () => {
    const [v, i] = lax.topK(np.array([1, 9, 3, 9, 0], 'float32'), 3);
    close(v, [9, 9, 3]);
    expect(vals(i)).toEqual([1, 3, 2]);
    close(lax.clamp(lax.scalar(0, 'float32'), np.array([-1, 0.5, 2], 'float32'), lax.scalar(1, 'float32')), [0, 0.5, 1]);
    expect(lax.collapse(np.ones([2, 3, 4]), 1).shape).toEqual([2, 12]);
    expect(lax.expandDims(np.ones([2, 3]), [0, -1]).shape).toEqual([1, 2, 3, 1]);
    expect(lax.squeeze(np.ones([1, 2, 1]), [-1]).shape).toEqual([1, 2]);
    expect(lax.broadcast(np.ones([2]), [4, 3]).shape).toEqual([4, 3, 2]);
    close(lax.dot(np.ones([2, 3]), np.ones([3])), [3, 3]);
    expect(lax.batchMatmul(np.ones([5, 2, 3]), np.ones([5, 3, 4])).shape).toEqual([5, 2, 4]);
    close(lax.reduceSum(np.ones([2, 3]), [-1]), [3, 3]);
    close(lax.argmax(np.array([[1, 3], [4, 2]]), -1), [1, 0]);
  });
  it('associativeScan with a tuple combine', () => {
    // running (sum, count) pairs
    const [s, c] = lax.associativeScan(([a, b], [p, q]) => [lax.add(a!, p!), lax.add(b!, q!)], [np.arange(7, 'float32'), np.ones([7])], 0);
    close(s, [0, 1, 3, 6, 10, 15, 21]);
    close(c, [1, 2, 3, 4, 5, 6, 7]);
    close(lax.cumsum(np.arange(4, 'float32'), 0, true), [6, 6, 5, 3]);
    close(np.cumprod(np.array([1, 2, 3, 4]), null, { reverse: true }), [24, 24, 12, 4]);
  });
  it('conv layouts commute with grad and vmap', () => {
    const x = np.arange(2 * 3 * 5 * 4, 'float64').reshape(2, 3, 5, 4).div(50).sin();
    const w = np.arange(6 * 3 * 3 * 2, 'float64').reshape(6, 3, 3, 2).div(40).cos();
    const nchw = (a: Array) => lax.convGeneralDilated(a, w, { windowStrides: [2, 1], padding: 'SAME' }).square().sum();
    const nhwc = (a: Array) =>
      lax.convGeneralDilated(a, w.transpose(2, 3, 1, 0), { windowStrides: [2, 1], padding: 'SAME', dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] }).square().sum();
    const g1 = grad(nchw)(x), g2 = grad(nhwc)(x.transpose(0, 2, 3, 1));
    close(g2, vals(g1.transpose(0, 2, 3, 1)), 1e-10);
    const per = vmap((a: Array) => lax.conv(a.expandDims(0), w, [1, 1], 'VALID').squeeze(0))(x);
    close(per, vals(lax.conv(x, w, [1, 1], 'VALID')), 1e-10);
  });
  it('an eager convolution with layouts (one compiled call) equals the transposes around the NCHW primitive', () => {
    const x = np.arange(2 * 5 * 6 * 3, 'float32').reshape(2, 5, 6, 3).div(17).sin();
    const w = np.arange(3 * 3 * 3 * 4, 'float32').reshape(3, 3, 3, 4).div(11).cos();
    const opts = { windowStrides: [1, 2], padding: 'SAME', dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] } as const;
    const y = lax.convGeneralDilated(x, w, opts);
    const want = lax.convGeneralDilated(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1), { windowStrides: [1, 2], padding: 'SAME' }).transpose(0, 2, 3, 1);
    expect(y.shape).toEqual([2, 5, 3, 4]);
    close(y, vals(want), 1e-6);
    close(lax.convGeneralDilated(x, w, opts), vals(y), 0); // the cached compiled call again
    // under a transformation it is traced as usual; bad options still name the op
    close(jit((a: Array) => lax.convGeneralDilated(a, w, opts))(x), vals(y), 1e-6);
    expect(() => lax.convGeneralDilated(x, w, { ...opts, windowStrides: [1] })).toThrow(/convGeneralDilated: windowStrides needs 2 entries/);
  });
  it('average pooling can exclude padding from the count', () => {
    const ones = np.ones([1, 1, 3, 3]);
    close(lax.reduceWindow(ones, 'avg', [1, 1, 3, 3], [1, 1, 1, 1], 'SAME', { countIncludePad: false }), new globalThis.Array(9).fill(1));
    close(lax.reduceWindow(ones, 'avg', [1, 1, 3, 3], [1, 1, 1, 1], 'SAME').index(0, 0, 0), [4 / 9, 6 / 9, 4 / 9]);
  });
  it('np.array stacks traced arrays', () => {
    close(vmap((a: Array) => np.array([a, a.mul(2)]))(np.arange(3, 'float32')), [0, 0, 1, 2, 2, 4]);
  });
  it('conv layout and padding errors are explicit', () => {
    expect(() => lax.convGeneralDilated(np.ones([1, 2, 5]), np.ones([3, 2, 2]), { dimensionNumbers: ['NCX', 'OIH', 'NCH'] })).toThrow(/layout/);
    expect(() => lax.convGeneralDilated(np.ones([1, 2, 5]), np.ones([3, 2, 2]), { padding: 'FULL' as never })).toThrow(/SAME/);
    expect(() => lax.reduceWindow(np.ones([4, 4]), 'max', [2])).toThrow(/windowDimensions/);
  });
});

describe('concrete-only helpers and misc', () => {
  it('unique / nonzero / boolean masks on concrete arrays', () => {
    close(np.unique(np.array([3, 1, 3, 2])), [1, 2, 3]);
    const x = np.array([1, -2, 3, -4], 'float32');
    close(x.index(x.gt(0)), [1, 3]);
    close(x.at(x.lt(0)).set(0), [1, 0, 3, 0]);
    expect(np.nonzero(np.array([0, 1, 1])).map(vals)).toEqual([[1, 2]]);
  });
  it('finfo/iinfo, constants, meshgrid shapes, select', () => {
    expect(np.finfo('float32').eps).toBe(2 ** -23);
    expect(np.iinfo('int32').max).toBe(2147483647);
    expect(np.meshgrid(np.arange(3), np.arange(4)).map((g) => g.shape)).toEqual([[4, 3], [4, 3]]);
    close(np.select([np.array([true, false, false]), np.array([true, true, false])], [1, 2], -1), [1, 2, -1]);
    close(np.clip(np.array([-2, 0.5, 9], 'float32'), 0, 1), [0, 0.5, 1]);
  });
});
