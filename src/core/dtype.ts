// dtypes, their typed-array storage, and JAX's type-promotion lattice (with weak types for JS numbers).

/**
 * The element types tensorlaw arrays can hold. `float32` is the default. `float16` (IEEE half precision) computes
 * like JAX on a CPU: each operation evaluates in float32 and rounds its result to float16 (round to nearest even,
 * overflow to ±Infinity). Its values are held in a Float32Array (every element exactly a float16 value): Node 20 has
 * no Float16Array. The webgpu target stores them in 16-bit buffers where the adapter has 'shader-f16' (else in f32
 * buffers) and rounds each kernel's float16 results.
 */
export type DType = 'float16' | 'float32' | 'float64' | 'int32' | 'uint32' | 'bool';

/** All dtypes, in a fixed order (used by arbitraries and exhaustive tables). */
export const dtypes: readonly DType[] = ['float32', 'float64', 'int32', 'uint32', 'bool', 'float16'];

/** The typed array that stores each dtype on the reference target (float16: float32 storage of float16 values). */
export type TypedArrayFor<D extends DType> = D extends 'float32' | 'float16'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : D extends 'uint32'
        ? Uint32Array
        : Uint8Array;

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

export const typedArrayCtor: { [D in DType]: new (n: number | ArrayLike<number> | ArrayBuffer) => TypedArrayFor<D> } = {
  float16: Float32Array,
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array,
};

/** Bytes per element of each dtype's host storage (float16 is held in float32 on the host). */
export const byteSize: { [D in DType]: number } = { float16: 4, float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1 };

/** Bits per element of each dtype as an element type (float16: 16), for bitcasts and file formats. */
export const bitWidth: { [D in DType]: number } = { float16: 16, float32: 32, float64: 64, int32: 32, uint32: 32, bool: 8 };

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64' || d === 'float16';
export const isInt = (d: DType): boolean => d === 'int32' || d === 'uint32';
export const isUnsigned = (d: DType): boolean => d === 'uint32';
export const isBool = (d: DType): boolean => d === 'bool';

/** Short names used by the jaxpr printer and error messages (`f32[3,4]`). */
export const shortName: { [D in DType]: string } = {
  float16: 'f16',
  float32: 'f32',
  float64: 'f64',
  int32: 'i32',
  uint32: 'u32',
  bool: 'bool',
};

/** Validates and normalises a user-supplied dtype string (accepts JAX/numpy spellings like 'f32'). */
export function parseDType(d: unknown, where = 'dtype'): DType {
  if (typeof d === 'string') {
    const alias: Record<string, DType> = {
      float16: 'float16', f16: 'float16', half: 'float16',
      float32: 'float32', f32: 'float32', float: 'float32',
      float64: 'float64', f64: 'float64', double: 'float64',
      int32: 'int32', i32: 'int32', int: 'int32',
      uint32: 'uint32', u32: 'uint32',
      bool: 'bool', bool_: 'bool', boolean: 'bool',
    };
    const r = alias[d];
    if (r) return r;
  }
  throw new TypeError(`${where}: unknown dtype ${JSON.stringify(d)}; valid dtypes are ${dtypes.join(', ')}`);
}

const kindRank = (d: DType): number => (isBool(d) ? 0 : isInt(d) ? 1 : 2);
const defaultOfKind = (k: number): DType => (k === 0 ? 'bool' : k === 1 ? 'int32' : 'float32');

/** Float widths, for promotion between two strong floats. */
const floatRank = (d: DType): number => (d === 'float16' ? 0 : d === 'float32' ? 1 : 2);

/**
 * JAX's promotion: the least upper bound of two (dtype, weak) pairs in the lattice
 * bool < i* < {int32, uint32} < f* < float16 < float32 < float64 (weak types are the starred nodes).
 * A weak type (a JS number) never widens a strong operand of the same or higher kind: `x.mul(2)` stays float32.
 * int32 with uint32 gives int32 (JAX with x64 disabled).
 */
export function promoteTypes(a: DType, aWeak: boolean, b: DType, bWeak: boolean): { dtype: DType; weak: boolean } {
  if (aWeak && bWeak) {
    const k = Math.max(kindRank(a), kindRank(b));
    const cand = [a, b].filter((d) => kindRank(d) === k);
    return { dtype: cand.includes('float64') ? 'float64' : cand[0] ?? defaultOfKind(k), weak: true };
  }
  if (aWeak !== bWeak) {
    const [w, s] = aWeak ? [a, b] : [b, a];
    if (kindRank(w) <= kindRank(s)) return { dtype: s, weak: false };
    return { dtype: w === 'float64' ? 'float64' : defaultOfKind(kindRank(w)), weak: true };
  }
  if (a === b) return { dtype: a, weak: false };
  const ka = kindRank(a), kb = kindRank(b);
  if (ka !== kb) return { dtype: ka > kb ? a : b, weak: false };
  if (ka === 2) return { dtype: floatRank(a) >= floatRank(b) ? a : b, weak: false };
  return { dtype: 'int32', weak: false };
}

/** The dtype a JS scalar gets: booleans are bool, integral numbers weak int32, others weak float32. */
export function scalarDType(x: number | boolean): DType {
  if (typeof x === 'boolean') return 'bool';
  return Number.isInteger(x) && Math.abs(x) < 2 ** 31 ? 'int32' : 'float32';
}

/** Casts a JS number to the value a dtype can hold (wrap-around for ints, 0/1 for bool, f32 rounding). */
export function castScalar(x: number, d: DType): number {
  switch (d) {
    case 'float32':
      return Math.fround(x);
    case 'float16':
      return roundF16(x);
    case 'float64':
      return x;
    case 'int32':
      return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
    case 'uint32':
      return Number.isFinite(x) ? Math.trunc(x) >>> 0 : 0;
    case 'bool':
      return x ? 1 : 0;
  }
}

const F16_MAX_BITS = 0x477ff000; // float32 bits of 65520: from here on float16 rounds to Infinity

/**
 * The float16 value nearest to `x` (ties to even; ±Infinity from 65520 on; NaN, ±0 and the sign kept), as a number.
 * Rounds once, directly from float64.
 */
export function roundF16(x: number): number {
  const a = Math.abs(x);
  if (!(a > 0) || a === Infinity) return x; // ±0, NaN, ±Infinity
  if (a >= 65520) return x > 0 ? Infinity : -Infinity;
  let e = Math.max(-14, Math.floor(Math.log2(a))); // subnormals share the quantum of 2^-14
  if (e > -14 && 2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const q = 2 ** (e - 10), v = a / q; // exact: q is a power of two
  let r = Math.floor(v);
  const d = v - r;
  if (d > 0.5 || (d === 0.5 && r % 2 === 1)) r++;
  return x < 0 ? -r * q : r * q;
}

/**
 * Rounds every element of a float32 array to float16 in place (the float16 dtype's storage; ties to even on the
 * float32 bits, which is exact: float32 holds every float16 and every tie point between two).
 */
export function roundF16Array(a: Float32Array, n = a.length): Float32Array {
  const u = new Uint32Array(a.buffer, a.byteOffset, n); // the same memory: the bits are rewritten in place
  for (let i = 0; i < n; i++) {
    const b = u[i]!, abs = b & 0x7fffffff;
    if (abs >= 0x7f800000) continue; // NaN, ±Infinity
    if (abs >= F16_MAX_BITS) u[i] = (b & 0x80000000) | 0x7f800000;
    else if (abs >= 0x38800000) u[i] = (b & 0x80000000) | ((abs + 0xfff + ((abs >>> 13) & 1)) & ~0x1fff); // normal: 10 fraction bits, ties to even
    else if (abs !== 0) a[i] = roundF16(a[i]!); // subnormal float16
  }
  return a;
}

/**
 * The IEEE half-precision bit patterns of float32 values rounded to float16 (`f16Bits` of each, by integer ops on the
 * float32 bits: ties to even, ±Infinity from 65520 on, NaN as 0x7e00), into `out`.
 */
export function f16BitsArray(a: Float32Array, out = new Uint16Array(a.length)): Uint16Array {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < a.length; i++) {
    const b = u[i]!, abs = b & 0x7fffffff, sign = (b >>> 16) & 0x8000;
    if (abs > 0x7f800000) out[i] = 0x7e00;
    else if (abs >= F16_MAX_BITS) out[i] = sign | 0x7c00;
    else if (abs >= 0x38800000) out[i] = sign | ((abs + 0xfff + ((abs >>> 13) & 1) - 0x38000000) >>> 13); // normal
    else out[i] = f16Bits(a[i]!); // subnormal float16 or zero
  }
  return out;
}

/** The value of the IEEE half-precision bit pattern `h` (16 bits). */
export function f16FromBits(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24; // subnormal: m · 2^-24
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The IEEE half-precision bit pattern of `x` rounded to float16 (NaN as the quiet NaN 0x7e00). */
export function f16Bits(x: number): number {
  const v = roundF16(x);
  if (v !== v) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | (a * 2 ** 24); // subnormal or zero: exact
  const e = Math.floor(Math.log2(a));
  const ee = 2 ** e > a ? e - 1 : 2 ** (e + 1) <= a ? e + 1 : e;
  return sign | ((ee + 15) << 10) | ((a / 2 ** ee - 1) * 1024);
}
