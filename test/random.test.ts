// random: threefry2x32 known answers, bit-for-bit agreement with jax.random, and behaviour under jit/vmap/grad.
//
// Where the expected numbers come from (none is an output of the code under test):
// - [KAT] Random123's threefry2x32 known-answer vectors (20 rounds), as asserted by jax
//   tests/random_test.py::testThreefry2x32 and tests/random_impl_test.py::test_threefry2x32_kat_vectors.
// - [JAXTEST] numbers written in jax's own tests (tests/random_test.py): test_prng_seeds_and_keys (x64 keys),
//   testPRNGValues and testRngRandomBits (legacy, jax_threefry_partitionable=False) and _RANDOM_VALUES_CASES
//   (legacy; seeds are zlib.adler32(name + "threefry2x32")).
// - [JAX] printed by jax 0.10.2 / jaxlib 0.10.2 (CPU) in its default configuration
//   (jax_threefry_partitionable=True, x64 off), each from the Python expression quoted next to it, with
//   K = jax.random.PRNGKey. "[JAX x64]" ran under `jax.enable_x64(True)`, "[JAX legacy]" under
//   `jax.threefry_partitionable(False)`. The generator script is scripts/gen-random-fixtures.py (jax 0.10.2 installs
//   from the local wheel mirror: pip install --no-index --find-links /opt/pypi/files jax jaxlib).
//   Some also appear in third-party tests: ekzhang/jax-js test/random.test.ts (bits, split, uniform) and
//   docs/jep/9263-typed-keys.md in jax (uniform(key(0), (3,))); jax issue #21061 (randint(key(72)) = 7).
import { describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import type { Array } from '../src/core/trace.js';
import * as lax from '../src/lax/prims.js';
import * as random from '../src/random/index.js';
import { grad } from '../src/transforms/grad.js';
import { jit } from '../src/transforms/jit.js';
import { vmap } from '../src/transforms/vmap.js';

const K = random.key;
const u32 = (xs: number[]): Array => fromTyped(new Uint32Array(xs), [xs.length], 'uint32');
const f32 = (xs: number[], shape = [xs.length]): Array => fromTyped(new Float32Array(xs), shape, 'float32');
const i32 = (xs: number[], shape = [xs.length]): Array => fromTyped(new Int32Array(xs), shape, 'int32');
const js = (x: Array): unknown => x.toJS();
const flat = (x: Array): number[] => globalThis.Array.from(x.dataSync(), Number);

/** Elementwise |a - e| <= atol + rtol |e|. */
function expectClose(x: Array, expected: number[], rtol = 4e-6, atol = 2e-7): void {
  const got = flat(x);
  expect(got.length).toBe(expected.length);
  got.forEach((g, i) => {
    const e = expected[i]!;
    if (Math.abs(g - e) > atol + rtol * Math.abs(e)) expect.fail(`element ${i}: got ${g}, expected ${e} (${JSON.stringify(got)})`);
  });
}

describe('threefry2x32 hash', () => {
  // [KAT] (key, counter) -> output, Random123 kat_vectors for threefry2x32_20.
  const kats: [number[], number[], number[]][] = [
    [[0x00000000, 0x00000000], [0x00000000, 0x00000000], [0x6b200159, 0x99ba4efe]],
    [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
    [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
  ];
  it.each(kats)('key %j counter %j', (k, c, e) => {
    expect(js(random.threefry2x32(u32(k), u32(c)))).toEqual(e);
  });

  it('hashes a long count array in two halves (jax testThreefry2x32Large, n = 5)', () => {
    // [KAT] every pair (count[i], count[i + n]) is the third vector's counter, so the halves are its outputs.
    const n = 5;
    const count = u32([...globalThis.Array(n).fill(0x243f6a88), ...globalThis.Array(n).fill(0x85a308d3)]);
    const out = flat(random.threefry2x32(u32([0x13198a2e, 0x03707344]), count));
    expect(out).toEqual([...globalThis.Array(n).fill(0xc4923a9c), ...globalThis.Array(n).fill(0x483df7a0)]);
  });

  it('pads an odd count with a zero and drops the extra output', () => {
    // [KAT] count [0] is padded to [0, 0]: the first output word of the all-zero vector.
    expect(js(random.threefry2x32(u32([0, 0]), u32([0])))).toEqual([0x6b200159]);
  });
});

describe('keys', () => {
  it('splits 64-bit seeds into hi/lo words', () => {
    // [JAXTEST] test_prng_seeds_and_keys (x64 column) and [JAX x64] K(seed) for the others.
    const cases: [number, number[]][] = [
      [0, [0, 0]],
      [1, [0, 1]],
      [2, [0, 2]],
      [42, [0, 42]],
      [-1, [4294967295, 4294967295]],
      [-3, [4294967295, 4294967293]],
      [2 ** 31 - 1 + 100, [0, 2147483747]],
      [-(2 ** 31) - 100, [4294967295, 2147483548]],
      [2 ** 32 + 7, [1, 7]],
      [2 ** 40 + 5, [256, 5]],
      [-(2 ** 40) - 5, [4294967039, 4294967291]],
      [2 ** 53 - 1, [2097151, 4294967295]],
      [-(2 ** 53), [4292870144, 0]],
    ];
    for (const [seed, words] of cases) {
      const k = K(seed);
      expect(k.dtype).toBe('uint32');
      expect(k.shape).toEqual([2]);
      expect(js(k), `seed ${seed}`).toEqual(words);
    }
    expect(js(K(-1n))).toEqual([4294967295, 4294967295]);
    expect(js(K(2n ** 63n + 5n))).toEqual([2147483648, 5]);
  });

  it('accepts integer scalar arrays as seeds (32-bit: hi word 0)', () => {
    // [JAXTEST] test_prng_seeds_and_keys: seed -2 of type np.int32 gives [0, 4294967294].
    expect(js(K(i32([-2], [])))).toEqual([0, 4294967294]);
    expect(js(K(fromTyped(new Uint32Array([7]), [], 'uint32')))).toEqual([0, 7]);
  });

  it('rejects bad seeds', () => {
    expect(() => K(1.5)).toThrow(/integer/);
    expect(() => K(2 ** 54)).toThrow(/2\^53/);
    expect(() => K(f32([1], []))).toThrow(/integer scalar/);
    expect(() => K(i32([1, 2]))).toThrow(/integer scalar/);
  });

  it('split (partitionable, JAX default)', () => {
    // [JAX] K(0) split; split(K(42), 4); split(K(1), 3) (also in jax-js's tests); split(K(7), (2, 3)).
    expect(js(random.split(K(0)))).toEqual([[1797259609, 2579123966], [928981903, 3453687069]]);
    expect(js(random.split(K(42), 4))).toEqual([
      [1832780943, 270669613], [64467757, 2916123636], [2465931498, 255383827], [3134548294, 894150801],
    ]);
    expect(js(random.split(K(1), 3))).toEqual([[507451445, 1853169794], [1948878966, 4237131848], [2441914641, 3819641963]]);
    expect(js(random.split(K(7), [2, 3]))).toEqual([
      [[3625411723, 1954958720], [195045567, 4062205631], [966301609, 1948237315]],
      [[276534068, 1641862660], [51277378, 3088387524], [3583082021, 1947592014]],
    ]);
  });

  it('foldIn', () => {
    // [JAX] fold_in(K(0), 4) (equal to [JAXTEST] testPRNGValues' legacy value: fold_in is unchanged),
    // fold_in(K(42), 0), fold_in(K(42), 123456789), fold_in(K(3), jnp.uint32(4294967295)).
    expect(js(random.foldIn(K(0), 4))).toEqual([2285895361, 433833334]);
    expect(js(random.foldIn(K(42), 0))).toEqual([1832780943, 270669613]);
    expect(js(random.foldIn(K(42), 123456789))).toEqual([801338215, 1032655946]);
    expect(js(random.foldIn(K(3), 4294967295))).toEqual([2506949003, 3416577034]);
    expect(js(random.foldIn(K(3), -1))).toEqual([2506949003, 3416577034]);
    expect(js(random.foldIn(K(3), i32([-1], [])))).toEqual([2506949003, 3416577034]);
  });

  it('split(key, n)[i] == foldIn(key, i) (jax test_threefry_split_fold_in_symmetry)', () => {
    const k = K(72);
    const s = js(random.split(k, 3)) as number[][];
    for (let i = 0; i < 3; i++) expect(js(random.foldIn(k, i))).toEqual(s[i]);
  });

  it('rejects anything but a uint32 key of shape [2]', () => {
    expect(() => random.uniform(f32([0, 0]) as Array)).toThrow(/random\.uniform: expected a PRNG key \(a uint32 array of shape \[2\]\), got an array float32\[2\]/);
    expect(() => random.normal(u32([1, 2, 3]))).toThrow(/uint32\[3\]/);
    expect(() => random.split(random.split(K(0), 4))).toThrow(/batch of 4 keys.*vmap/);
    expect(() => random.bits([0, 0] as unknown as Array)).toThrow(/JS array/);
    expect(() => random.foldIn(K(0), 1.5)).toThrow(/32-bit integer/);
    expect(() => random.uniform(K(0), [2, -1])).toThrow(/non-negative integers/);
  });
});

describe('samplers match jax.random (partitionable, JAX default)', () => {
  it('bits', () => {
    // [JAX] bits(K(0)) (also jax-js), bits(K(10), (4,)) (also jax-js), bits(K(1701), (3,)), bits(K(3), (2, 3)).
    const b = random.bits(K(0));
    expect(b.shape).toEqual([]);
    expect(b.dtype).toBe('uint32');
    expect(b.item()).toBe(4070199207);
    expect(js(random.bits(K(10), [4]))).toEqual([169096361, 1572511259, 2689743692, 2228103506]);
    expect(js(random.bits(K(1701), [3]))).toEqual([1111271205, 2679469115, 974515252]);
    expect(js(random.bits(K(3), [2, 3]))).toEqual([[318053758, 4029299397, 2787249374], [4190260272, 1195623854, 2503700069]]);
    expect(random.bits(K(3), [4, 0]).shape).toEqual([4, 0]);
  });

  it('uniform, bit for bit', () => {
    // [JAX] uniform(K(51), (4,)) (also jax-js); uniform(K(0), (3,)) (also jax docs/jep/9263-typed-keys.md).
    expect(js(random.uniform(K(51), [4]))).toEqual([0.47126901149749756, 0.12344253063201904, 0.1755063533782959, 0.566359281539917]);
    expect(js(random.uniform(K(0), [3]))).toEqual([0.9476670026779175, 0.9785798788070679, 0.33229148387908936]);
    // [JAX] uniform(K(0), (2, 3), minval=10, maxval=15); uniform(K(8), (5,), minval=-2.5, maxval=0.75);
    // uniform(K(4), (2, 3), minval=jnp.array([[0.], [1.]]), maxval=jnp.array([5., 6., 7.])).
    // JAX computes u * (maxval - minval) + minval, which XLA (CPU, GPU) contracts into a fused multiply-add;
    // tensorlaw rounds the product and the sum separately, so these may differ from JAX by one ulp of the
    // intermediates (as two entries of the second case do: 0.7404606938362122 vs 0.7404606342315674).
    const ulp = 1.2e-7;
    expectClose(random.uniform(K(0), [2, 3], 'float32', 10, 15), [
      14.738334655761719, 14.892899513244629, 11.661457061767578, 12.343341827392578, 12.849443435668945, 10.8275146484375,
    ], ulp, 2 ** -20);
    expectClose(random.uniform(K(8), [5], 'float32', -2.5, 0.75), [
      -1.5554083585739136, -2.2221832275390625, 0.7404606938362122, -0.180734783411026, -1.9931297302246094,
    ], ulp, 2 ** -22);
    expectClose(random.uniform(K(4), [2, 3], 'float32', f32([0, 1], [2, 1]), f32([5, 6, 7])), [
      4.402733325958252, 4.619333267211914, 0.9802535772323608, 3.5239453315734863, 3.5067811012268066, 4.559474945068359,
    ], ulp, 2 ** -21);
    const u = random.uniform(K(0));
    expect(u.shape).toEqual([]);
    expect(u.dtype).toBe('float32');
  });

  it('uniform float64, bit for bit', () => {
    // [JAX x64] uniform(K(0), (4,), dtype=jnp.float64).
    const u = random.uniform(K(0), [4], 'float64');
    expect(u.dtype).toBe('float64');
    expect(js(u)).toEqual([0.41845711171638644, 0.21629545460551136, 0.9653214611189975, 0.5745005337275046]);
  });

  it('normal (erfInv agrees to a few ulps)', () => {
    // [JAX] normal(K(0), (5,)); normal(K(42), (2, 3)).
    expectClose(random.normal(K(0), [5]), [1.622642159461975, 2.0252647399902344, -0.4335944354534149, -0.07861734926700592, 0.17609089612960815]);
    const n = random.normal(K(42), [2, 3]);
    expect(n.shape).toEqual([2, 3]);
    expectClose(n, [-0.02830461598932743, 0.4671318531036377, 0.2957029640674591, 0.15354591608047485, -0.12403281778097153, 0.21692314743995667]);
    // [JAX x64] normal(K(0), (4,), dtype=jnp.float64).
    expectClose(random.normal(K(0), [4], 'float64'), [-0.2058421394796434, -0.7847657764467411, 1.8160866726679836, 0.1878440128937887], 1e-13, 1e-15);
  });

  it('truncatedNormal', () => {
    // [JAX] truncated_normal(K(0), -1., 2., (5,)); truncated_normal(K(3), 0.5, 0.75, (4,)).
    expectClose(random.truncatedNormal(K(0), -1, 2, [5]), [1.5094677209854126, 1.747393012046814, -0.1746756136417389, 0.10624171793460846, 0.31906944513320923]);
    expectClose(random.truncatedNormal(K(3), 0.5, 0.75, [4]), [0.5173043608665466, 0.7332796454429626, 0.6576505899429321, 0.7433851957321167]);
    // Array bounds take the same path through lax nextafter; shape defaults to their broadcast.
    const t = random.truncatedNormal(K(3), f32([0.5]), f32([0.75, 0.75, 0.75, 0.75]));
    expect(t.shape).toEqual([4]);
    expectClose(t, [0.5173043608665466, 0.7332796454429626, 0.6576505899429321, 0.7433851957321167]);
  });

  it('truncatedNormal stays inside the open interval', () => {
    const lo = 1, hi = Math.fround(1 + 2 ** -20);
    const xs = flat(random.truncatedNormal(K(5), lo, hi, [200]));
    for (const x of xs) {
      expect(x).toBeGreaterThan(lo);
      expect(x).toBeLessThan(hi);
    }
    const ys = flat(random.truncatedNormal(K(5), f32([lo], []), f32([hi], []), [200]));
    for (const y of ys) {
      expect(y).toBeGreaterThan(lo);
      expect(y).toBeLessThan(hi);
    }
  });

  it('gumbel and exponential', () => {
    // [JAX] gumbel(K(0), (5,)); exponential(K(0), (5,)).
    expectClose(random.gumbel(K(0), [5]), [2.923372507095337, 3.83261775970459, -0.09689324349164963, 0.2772570848464966, 0.5756945610046387]);
    expectClose(random.exponential(K(0), [5]), [2.9501280784606934, 3.8434245586395264, 0.4039035439491272, 0.6323691010475159, 0.843711256980896]);
  });

  it('bernoulli', () => {
    // [JAX] bernoulli(K(0), 0.3, (10,)); bernoulli(K(1), jnp.array([0.1, 0.5, 0.9]), (2, 3)).
    const b = random.bernoulli(K(0), 0.3, [10]);
    expect(b.dtype).toBe('bool');
    expect(js(b)).toEqual([false, false, false, false, false, true, false, false, false, true]);
    expect(js(random.bernoulli(K(1), f32([0.1, 0.5, 0.9]), [2, 3]))).toEqual([[false, false, true], [false, false, true]]);
    expect(random.bernoulli(K(1), f32([0.1, 0.5, 0.9])).shape).toEqual([3]);
    expect(() => random.bernoulli(K(1), i32([1]))).toThrow(/float dtype/);
    expect(() => random.bernoulli(K(1), f32([0.1, 0.5, 0.9]), [2])).toThrow(/broadcast/);
  });

  it('randint', () => {
    // [JAX] randint(K(0), (3, 3), 0, 8); randint(K(72), (), 0, 10) (= 7 also in jax issue #21061).
    expect(js(random.randint(K(0), [3, 3], 0, 8))).toEqual([[5, 0, 0], [5, 3, 3], [0, 7, 5]]);
    const r = random.randint(K(72), [], 0, 10);
    expect(r.dtype).toBe('int32');
    expect(r.item()).toBe(7);
    // [JAX] randint(K(5), (6,), -2**31, 2**31 - 1); randint(K(9), (5,), -7, 1000003); randint(K(11), (4,), 5, 5).
    expect(js(random.randint(K(5), [6], -(2 ** 31), 2 ** 31 - 1))).toEqual([
      -1787507967, -1163020224, -1664956169, -994140664, -1625109188, -191201739,
    ]);
    expect(js(random.randint(K(9), [5], -7, 1000003))).toEqual([442006, 65782, 425819, 538310, 706182]);
    expect(js(random.randint(K(11), [4], 5, 5))).toEqual([5, 5, 5, 5]);
    // [JAX] randint(K(12), (2, 3), jnp.array([[0], [100]]), jnp.array([10, 20, 30])).
    expect(js(random.randint(K(12), [2, 3], i32([0, 100], [2, 1]), i32([10, 20, 30])))).toEqual([[2, 10, 10], [100, 100, 100]]);
    // [JAX x64] randint(K(2), (5,), 0, 2**32, dtype=jnp.uint32): a span that wraps to 0.
    const w = random.randint(K(2), [5], 0, 2 ** 32, 'uint32');
    expect(w.dtype).toBe('uint32');
    expect(js(w)).toEqual([4276425807, 2184892028, 80023369, 3832808383, 1264235593]);
  });

  it('categorical', () => {
    // [JAX] categorical(K(0), jnp.array([0.1, 1.0, -0.5, 2.0]), shape=(8,)).
    expect(js(random.categorical(K(0), f32([0.1, 1.0, -0.5, 2.0]), -1, [8]))).toEqual([1, 3, 2, 3, 1, 1, 3, 3]);
    const lg = f32([0.0, 1.0, 2.0, 2.0, 0.5, -1.0], [2, 3]);
    // [JAX] categorical(K(1), lg); categorical(K(2), lg, axis=0, shape=(4, 3));
    // categorical(K(3), lg, shape=(3, 2), replace=False), lg = [[0, 1, 2], [2, 0.5, -1]].
    const c = random.categorical(K(1), lg);
    expect(c.dtype).toBe('int32');
    expect(js(c)).toEqual([2, 1]);
    expect(js(random.categorical(K(2), lg, 0, [4, 3]))).toEqual([[1, 0, 0], [1, 1, 0], [1, 0, 0], [1, 1, 0]]);
    expect(js(random.categorical(K(3), lg, -1, [3, 2], false))).toEqual([[1, 0], [2, 1], [0, 2]]);
    expect(() => random.categorical(K(3), lg, -1, [10, 5])).toThrow(/broadcast/);
    expect(() => random.categorical(K(3), f32([1, 2, 3]), -1, [4], false)).toThrow(/cannot exceed/);
  });

  it('permutation', () => {
    // [JAX] permutation(K(0), 10).
    expect(js(random.permutation(K(0), 10))).toEqual([0, 1, 8, 5, 6, 4, 3, 2, 7, 9]);
    // [JAX] permutation(K(1), jnp.arange(12).reshape(3, 4), axis=1), without and with independent=True.
    const x = lax.reshape(lax.iota('int32', [12]), [3, 4]);
    expect(js(random.permutation(K(1), x, 1))).toEqual([[3, 2, 0, 1], [7, 6, 4, 5], [11, 10, 8, 9]]);
    expect(js(random.permutation(K(1), x, 1, true))).toEqual([[3, 2, 0, 1], [7, 6, 5, 4], [8, 10, 9, 11]]);
    // [JAX] permutation(K(2), 2000): two sorting rounds (3 ln 2000 / ln(2^32 - 1) > 1); first and last 16.
    const p = flat(random.permutation(K(2), 2000));
    expect(p.slice(0, 16)).toEqual([1858, 1255, 1078, 297, 1329, 1302, 1072, 900, 1014, 185, 1354, 1985, 1053, 678, 1348, 454]);
    expect(p.slice(-16)).toEqual([1502, 305, 736, 1453, 1552, 1047, 1641, 1175, 1080, 979, 1074, 1494, 1989, 56, 1331, 227]);
    expect([...p].sort((a, b) => a - b)).toEqual(globalThis.Array.from({ length: 2000 }, (_, i) => i));
  });

  it('choice', () => {
    // [JAX] choice(K(0), 10, (4,)); choice(K(1), 10, (4,), replace=False);
    // choice(K(2), 4, (6,), p=[0.125, 0.25, 0.5, 0.125]); choice(K(3), 5, (3,), replace=False, p=[.1, .2, .3, .2, .2]);
    // choice(K(4), jnp.arange(6).reshape(2, 3) * 10, (2,), axis=1).
    expect(js(random.choice(K(0), 10, [4]))).toEqual([9, 0, 2, 3]);
    expect(js(random.choice(K(1), 10, [4], false))).toEqual([7, 6, 3, 2]);
    expect(js(random.choice(K(2), 4, [6], true, f32([0.125, 0.25, 0.5, 0.125])))).toEqual([1, 0, 2, 0, 2, 2]);
    expect(js(random.choice(K(3), 5, [3], false, f32([0.1, 0.2, 0.3, 0.2, 0.2])))).toEqual([3, 1, 2]);
    expect(js(random.choice(K(4), i32([0, 10, 20, 30, 40, 50], [2, 3]), [2], true, null, 1))).toEqual([[10, 20], [40, 50]]);
    expect(() => random.choice(K(0), 3, [4], false)).toThrow(/larger sample/);
  });
});

describe('legacy threefry (jax_threefry_partitionable=False)', () => {
  const legacy = <R>(f: () => R): R => random.withThreefryPartitionable(false, f);

  it('split, foldIn, bits and randint match jax tests/random_test.py', () => {
    // [JAXTEST] testPRNGValues: split(K(0), 4), fold_in(K(0), 4), randint(K(0), (3, 3), 0, 8).
    expect(legacy(() => js(random.split(K(0), 4)))).toEqual([
      [2285895361, 1501764800], [1518642379, 4090693311], [433833334, 4221794875], [839183663, 3740430601],
    ]);
    expect(legacy(() => js(random.foldIn(K(0), 4)))).toEqual([2285895361, 433833334]);
    expect(legacy(() => js(random.randint(K(0), [3, 3], 0, 8)))).toEqual([[2, 1, 3], [6, 1, 5], [6, 3, 4]]);
    // [JAXTEST] testRngRandomBits: bits(K(1701), (3,), 'uint32').
    expect(legacy(() => js(random.bits(K(1701), [3])))).toEqual([56197195, 4200222568, 961309823]);
    // The flag is restored afterwards.
    expect(random.threefryPartitionable()).toBe(true);
    expect(js(random.bits(K(1701), [3]))).toEqual([1111271205, 2679469115, 974515252]);
  });

  it('distribution values of _RANDOM_VALUES_CASES', () => {
    // [JAXTEST] _RANDOM_VALUES_CASES (threefry2x32, shape (5,), float32); seed = zlib.adler32(name + "threefry2x32").
    legacy(() => {
      expectClose(random.uniform(K(1338574713), [5]), [0.298671, 0.073213, 0.873356, 0.260549, 0.412797], 1e-6, 1e-6);
      expectClose(random.normal(K(1193674498), [5]), [-1.173234, -1.511662, 0.070593, -0.099764, 1.052845], 1e-6, 1e-6);
      expect(js(random.bits(K(942802475), [5]))).toEqual([1978747883, 4134381225, 3628107870, 689687174, 2788938207]);
      expect(js(random.randint(K(1319372649), [5], 0, 10))).toEqual([0, 5, 7, 7, 5]);
      expectClose(random.exponential(K(1942292768), [5]), [0.526067, 0.043046, 0.039932, 0.46427, 0.123886], 1e-6, 1e-6);
      expectClose(random.gumbel(K(1179715317), [5]), [2.06701, 0.911726, 0.145736, 0.185427, -0.00711], 1e-6, 1e-6);
      expectClose(random.truncatedNormal(K(2846034731), 0, 2, [5]), [0.582807, 1.709771, 0.159513, 0.861376, 0.36148], 1e-6, 1e-6);
      expect(js(random.bernoulli(K(1612777541), 0.5, [5]))).toEqual([false, true, true, true, false]);
    });
  });

  it('uniform and permutation', () => {
    // [JAX legacy] uniform(K(0), (3,)); permutation(K(0), 10).
    expect(legacy(() => js(random.uniform(K(0), [3])))).toEqual([0.96532142162323, 0.31468164920806885, 0.6330299377441406]);
    expect(legacy(() => js(random.permutation(K(0), 10)))).toEqual([2, 7, 9, 6, 0, 8, 1, 3, 4, 5]);
  });
});

describe('under transformations', () => {
  it('jit gives the eager values, with the key as a traced argument', () => {
    const f = jit((k: Array) => [random.normal(k, [5]), random.randint(k, [4], -3, 9), random.permutation(k, 6), random.split(k, 3)]);
    const [n, r, p, s] = f(K(3)) as Array[];
    expect(js(n!)).toEqual(js(random.normal(K(3), [5])));
    expect(js(r!)).toEqual(js(random.randint(K(3), [4], -3, 9)));
    expect(js(p!)).toEqual(js(random.permutation(K(3), 6)));
    expect(js(s!)).toEqual(js(random.split(K(3), 3)));
    // [JAX] uniform(K(51), (4,)) again, through jit.
    expect(js(jit((k: Array) => random.uniform(k, [4]))(K(51)))).toEqual([0.47126901149749756, 0.12344253063201904, 0.1755063533782959, 0.566359281539917]);
  });

  it('vmap over keys equals the per-key results', () => {
    const keys = random.split(K(1234), 5);
    const ks = (js(keys) as number[][]).map((w) => u32(w));
    const batched = vmap((k: Array) => random.uniform(k, [7]))(keys);
    expect(batched.shape).toEqual([5, 7]);
    expect(js(batched)).toEqual(ks.map((k) => js(random.uniform(k, [7]))));
    const cats = vmap((k: Array) => random.categorical(k, f32([0.5, 1.5, -1.0]), -1, [4]))(keys);
    expect(js(cats)).toEqual(ks.map((k) => js(random.categorical(k, f32([0.5, 1.5, -1.0]), -1, [4]))));
    const perms = vmap((k: Array) => random.permutation(k, 8))(keys);
    expect(js(perms)).toEqual(ks.map((k) => js(random.permutation(k, 8))));
    const sub = vmap((k: Array) => random.split(k))(keys);
    expect(sub.shape).toEqual([5, 2, 2]);
    expect(js(sub)).toEqual(ks.map((k) => js(random.split(k))));
  });

  it('vmap of key over seeds, and of foldIn over data (jax test_threefry_split_vmapped_fold_in_symmetry)', () => {
    expect(js(vmap((s: Array) => random.key(s))(lax.iota('int32', [5])))).toEqual([[0, 0], [0, 1], [0, 2], [0, 3], [0, 4]]);
    const k = K(72);
    const folded = vmap((i: Array) => random.foldIn(k, i))(lax.iota('uint32', [3]));
    expect(js(folded)).toEqual(js(random.split(k, 3)));
  });

  it('vmap over minval/maxval arrays', () => {
    const k = K(9);
    const his = f32([1, 2, 4]);
    const batched = vmap((hi: Array) => random.uniform(k, [3], 'float32', 0, hi))(his);
    expect(js(batched)).toEqual([1, 2, 4].map((h) => js(random.uniform(k, [3], 'float32', 0, h))));
  });

  it('grad flows through the bounds, not the key', () => {
    const k = K(11);
    // uniform = u * (maxval - minval) + minval, so d sum / d maxval = sum(u) and d sum / d minval = sum(1 - u).
    const u = flat(random.uniform(k, [6]));
    const sumU = u.reduce((a, b) => a + b, 0);
    const g = grad((hi: Array) => lax.reduceSum(random.uniform(k, [6], 'float32', 0, hi), [0]))(f32([2], []));
    expect(Math.abs((g as Array).item() as number - sumU)).toBeLessThan(1e-5);
    const g2 = grad((lo: Array) => lax.reduceSum(random.uniform(k, [6], 'float32', lo, 1), [0]))(f32([-1], []));
    expect(Math.abs((g2 as Array).item() as number - (6 - sumU))).toBeLessThan(1e-5);
    // d/dx sum(x * normal(key)) = normal(key), with the key a non-differentiated argument.
    const h = grad((x: Array, kk: Array) => lax.reduceSum(lax.mul(x, random.normal(kk, [4])), [0]))(f32([1, 1, 1, 1]), k);
    expect(js(h as Array)).toEqual(js(random.normal(k, [4])));
  });
});

describe('distributions (sanity)', () => {
  it('uniform lies in [minval, maxval) with mean near the middle', () => {
    const xs = flat(random.uniform(K(100), [20000], 'float32', -2, 3));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(3);
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.05);
  });

  it('normal has mean 0 and variance 1', () => {
    const xs = flat(random.normal(K(101), [20000]));
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.04);
  });

  it('categorical frequencies follow softmax(logits)', () => {
    const probs = [0.1, 0.2, 0.3, 0.4];
    const xs = flat(random.categorical(K(102), f32(probs.map(Math.log)), -1, [20000]));
    const counts = probs.map((_, i) => xs.filter((x) => x === i).length / xs.length);
    counts.forEach((c, i) => expect(Math.abs(c - probs[i]!)).toBeLessThan(0.015));
  });

  it('bernoulli and randint frequencies', () => {
    const b = flat(random.bernoulli(K(103), 0.25, [20000]));
    expect(Math.abs(b.reduce((a, x) => a + x, 0) / b.length - 0.25)).toBeLessThan(0.015);
    const r = flat(random.randint(K(104), [20000], -3, 7));
    expect(Math.min(...r)).toBe(-3);
    expect(Math.max(...r)).toBe(6);
    for (let v = -3; v < 7; v++) expect(Math.abs(r.filter((x) => x === v).length / r.length - 0.1)).toBeLessThan(0.015);
  });

  it('choice without replacement draws distinct values', () => {
    const xs = flat(random.choice(K(105), 50, [20], false));
    expect(new Set(xs).size).toBe(20);
  });
});
