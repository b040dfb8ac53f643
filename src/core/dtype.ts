// dtypes, their typed-array storage, and JAX's type-promotion lattice (with weak types for JS numbers).

/** The element types tensorlaw arrays can hold. `float32` is the default. */
export type DType = 'float32' | 'float64' | 'int32' | 'uint32' | 'bool';

/** All dtypes, in a fixed order (used by arbitraries and exhaustive tables). */
export const dtypes: readonly DType[] = ['float32', 'float64', 'int32', 'uint32', 'bool'];

/** The typed array that stores each dtype on the reference target. */
export type TypedArrayFor<D extends DType> = D extends 'float32'
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
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array,
};

export const byteSize: { [D in DType]: number } = { float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1 };

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';
export const isInt = (d: DType): boolean => d === 'int32' || d === 'uint32';
export const isUnsigned = (d: DType): boolean => d === 'uint32';
export const isBool = (d: DType): boolean => d === 'bool';

/** Short names used by the jaxpr printer and error messages (`f32[3,4]`). */
export const shortName: { [D in DType]: string } = {
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

/**
 * JAX's promotion: the least upper bound of two (dtype, weak) pairs in the lattice
 * bool < i* < {int32, uint32} < f* < float32 < float64 (weak types are the starred nodes).
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
  if (ka === 2) return { dtype: 'float64', weak: false };
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
