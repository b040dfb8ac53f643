// Checkpoints in the safetensors format (Hugging Face): serialize / deserialize any pytree of arrays in memory, with validation; browser-safe.
//
// Format (https://github.com/huggingface/safetensors, README "Format"): an 8-byte little-endian unsigned
// header length N; N bytes of UTF-8 JSON mapping each tensor name to {"dtype", "shape", "data_offsets":
// [begin, end]} (offsets into the data that follows, relative to its start), plus an optional
// "__metadata__" object of string → string; then the tensors' bytes, little-endian, row-major, contiguous.
// The reference implementation pads the header with spaces to a multiple of 8 bytes and rejects files whose
// offsets leave gaps, overlap, or do not cover the data exactly (safetensors/src/tensor.rs, `validate`):
// this reader applies the same checks. Tensor names are dotted pytree paths (`layers.0.w`); the metadata
// key "tensorlaw.tree" records the pytree structure so that a tree round-trips exactly.
import { fromTyped } from '../core/array.js';
import { ShapedArray, fmtShape, shapeSize } from '../core/aval.js';
import { type DType, type TypedArray, f16Bits, f16FromBits } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import { type TreeDef, flatten, unflatten } from '../core/tree.js';
import { leafPaths } from './paths.js';

/** The dtypes of the safetensors format that tensorlaw reads (F8 variants are not supported). */
export type SafetensorsDType = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/** One tensor entry of a safetensors header. */
export interface TensorInfo {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** [begin, end) byte offsets relative to the start of the data section. */
  readonly dataOffsets: readonly [number, number];
}

/** A parsed and validated safetensors header. */
export interface SafetensorsHeader {
  readonly tensors: Readonly<Record<string, TensorInfo>>;
  /** The `__metadata__` entries (string → string), or null when the file has none. */
  readonly metadata: Readonly<Record<string, string>> | null;
  /** Byte offset of the data section in the file: 8 + the header length. */
  readonly dataStart: number;
}

const itemSize: { [D in SafetensorsDType]: number } = {
  BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
/** The tensorlaw dtype each file dtype loads as: narrower types widen losslessly, 64-bit integers narrow with a range check. */
const loadedDType: { [D in SafetensorsDType]: DType } = {
  BOOL: 'bool', U8: 'int32', I8: 'int32', I16: 'int32', U16: 'int32', F16: 'float16', BF16: 'float32',
  I32: 'int32', U32: 'uint32', F32: 'float32', F64: 'float64', I64: 'int32', U64: 'uint32',
};
const savedDType: { [D in DType]: SafetensorsDType } = { float16: 'F16', float32: 'F32', float64: 'F64', int32: 'I32', uint32: 'U32', bool: 'BOOL' };

/** Metadata keys written by tensorlaw (user metadata may not start with this prefix). */
const PREFIX = 'tensorlaw.';
const TREE_KEY = 'tensorlaw.tree';
const SCALARS_KEY = 'tensorlaw.scalars';
const WEAK_KEY = 'tensorlaw.weak';
const FORMAT_KEY = 'tensorlaw.format';
/** The reference implementation's limit on the header size (safetensors/src/tensor.rs, MAX_HEADER_SIZE). */
const MAX_HEADER = 100_000_000;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function checkHost(op: string): void {
  if (!littleEndian) throw new Error(`${op}: safetensors data is little-endian and this host is big-endian, which tensorlaw does not support`);
}

/** Options of serialize / saveSafetensors. */
export interface SerializeOptions {
  /** Extra `__metadata__` entries (string → string; keys starting with "tensorlaw." are reserved). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The tensor name of each leaf: its dotted path, or "value" for a tree that is a single leaf. */
function tensorNames(def: TreeDef): string[] {
  return def.kind === 'leaf' ? ['value'] : leafPaths(def);
}

/** The structure as JSON: a leaf is its tensor name, null is null, arrays and objects nest. */
function encodeTree(def: TreeDef, names: readonly string[]): unknown {
  let i = 0;
  const go = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        return names[i++];
      case 'none':
        return null;
      case 'array':
        return d.children.map(go);
      case 'object':
        return Object.fromEntries(d.children.map((c, j) => [d.keys[j]!, go(c)]));
    }
  };
  return go(def);
}

/**
 * Serializes a pytree of arrays (params, optimizer state, anything tree.flatten accepts whose leaves are
 * concrete Arrays, JS numbers or booleans) to the bytes of a safetensors file. Tensors are named by their
 * dotted paths (`layers.0.w`); the metadata records the structure, JS-scalar leaves and weak types, so
 * `deserialize` rebuilds the same tree.
 * @example
 * const bytes = train.serialize({ params, opt: optState }, { metadata: { step: '1000' } });
 * const back = train.deserialize(bytes); // same structure, dtypes, shapes and values
 */
export function serialize(tree: unknown, opts: SerializeOptions = {}): Uint8Array {
  const op = 'train.serialize';
  checkHost(op);
  const [leaves, def] = flatten(tree);
  const names = tensorNames(def);
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const j = seen.get(n);
    if (j !== undefined)
      throw new Error(`${op}: two leaves get the tensor name ${JSON.stringify(n)} (leaves ${j} and ${i}); object keys containing '.' can collide with nested paths: rename one`);
    seen.set(n, i);
  });
  const scalars: Record<string, 'number' | 'boolean'> = {};
  const weak: string[] = [];
  const entries = leaves.map((leaf, i) => {
    const name = names[i]!;
    let dtype: SafetensorsDType;
    let shape: readonly number[];
    let data: TypedArray | Uint16Array;
    if (typeof leaf === 'number') {
      scalars[name] = 'number';
      [dtype, shape, data] = ['F64', [], new Float64Array([leaf])];
    } else if (typeof leaf === 'boolean') {
      scalars[name] = 'boolean';
      [dtype, shape, data] = ['BOOL', [], new Uint8Array([leaf ? 1 : 0])];
    } else if (leaf instanceof Array) {
      const c = leaf.concrete();
      if (!c)
        throw new TypeError(`${op}: the leaf ${JSON.stringify(name)} is a traced value ${leaf.aval.toString()}; serialize concrete arrays, outside jit/vmap/grad`);
      dtype = savedDType[leaf.dtype];
      shape = leaf.shape;
      data = c.dataSync();
      if (leaf.dtype === 'float16') data = Uint16Array.from(data, f16Bits);
      if (leaf.weakType) weak.push(name);
    } else {
      const what = leaf === null ? 'null' : typeof leaf === 'object' ? `a ${(leaf as object).constructor?.name ?? 'object'}` : typeof leaf;
      throw new TypeError(`${op}: the leaf ${JSON.stringify(name)} is ${what}; leaves must be Arrays, numbers or booleans (plain objects, JS arrays and null are structure)`);
    }
    return { name, dtype, shape, data };
  });
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.metadata ?? {})) {
    if (k.startsWith(PREFIX)) throw new RangeError(`${op}: metadata keys starting with "${PREFIX}" are reserved, got ${JSON.stringify(k)}`);
    if (typeof v !== 'string') throw new TypeError(`${op}: safetensors metadata values must be strings, ${JSON.stringify(k)} is ${typeof v} (use JSON.stringify)`);
    meta[k] = v;
  }
  meta[FORMAT_KEY] = '1';
  meta[TREE_KEY] = JSON.stringify(encodeTree(def, names));
  if (Object.keys(scalars).length) meta[SCALARS_KEY] = JSON.stringify(scalars);
  if (weak.length) meta[WEAK_KEY] = JSON.stringify(weak);
  // Data order: widest items first (so every tensor is aligned to its item size), then by name.
  const order = [...entries].sort((a, b) => itemSize[b.dtype] - itemSize[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: meta };
  let offset = 0;
  for (const e of order) {
    const n = e.data.byteLength;
    header[e.name] = { dtype: e.dtype, shape: [...e.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // pad with spaces: 8 + N is a multiple of 8
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const e of order) {
    out.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), at);
    at += e.data.byteLength;
  }
  return out;
}

const isIntList = (x: unknown): x is number[] => globalThis.Array.isArray(x) && x.every((v) => Number.isSafeInteger(v) && v >= 0);

/**
 * Parses and validates the header of safetensors bytes: the length prefix, the JSON, every entry's
 * dtype/shape/offsets, and that the offsets tile the data section exactly (no gap, overlap, truncation or
 * trailing bytes). Errors say what is wrong and where.
 * @example
 * const { tensors, metadata } = train.readSafetensorsHeader(bytes);
 * tensors['layers.0.w']; // { dtype: 'F32', shape: [784, 128], dataOffsets: [0, 401408] }
 */
export function readSafetensorsHeader(bytes: Uint8Array, source = 'the input'): SafetensorsHeader {
  const op = 'train.readSafetensorsHeader';
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${op}: expected a Uint8Array of safetensors bytes, got ${typeof bytes}`);
  const bad = (msg: string): Error => new Error(`safetensors: ${source} is not a valid safetensors file: ${msg}`);
  if (bytes.length < 8) throw bad(`it has ${bytes.length} bytes, fewer than the 8-byte header length (truncated or empty file)`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) throw bad(`the header length field says ${n64} bytes, more than the 100 MB limit (corrupt length prefix, or not a safetensors file)`);
  const n = Number(n64);
  if (8 + n > bytes.length) throw bad(`the header length field says ${n} bytes but only ${bytes.length - 8} follow it (truncated file)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw bad(`the ${n}-byte header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || globalThis.Array.isArray(header)) throw bad('the header JSON must be an object of tensor entries');
  let metadata: Record<string, string> | null = null;
  const tensors: Record<string, TensorInfo> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || globalThis.Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== 'string'))
        throw bad('__metadata__ must be an object of string values');
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw bad(`the entry of tensor ${JSON.stringify(name)} is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in itemSize))
      throw bad(`tensor ${JSON.stringify(name)} has dtype ${JSON.stringify(e.dtype)}; supported are ${Object.keys(itemSize).join(', ')}`);
    if (!isIntList(e.shape)) throw bad(`tensor ${JSON.stringify(name)} has shape ${JSON.stringify(e.shape)}; expected a list of non-negative integers`);
    if (!isIntList(e.data_offsets) || e.data_offsets.length !== 2 || e.data_offsets[0]! > e.data_offsets[1]!)
      throw bad(`tensor ${JSON.stringify(name)} has data_offsets ${JSON.stringify(e.data_offsets)}; expected [begin, end] with begin <= end`);
    const dtype = e.dtype as SafetensorsDType;
    const [b, end] = e.data_offsets as [number, number];
    const want = shapeSize(e.shape) * itemSize[dtype];
    if (end - b !== want)
      throw bad(`tensor ${JSON.stringify(name)} is ${dtype}${fmtShape(e.shape)} (${want} bytes) but its data_offsets [${b}, ${end}] span ${end - b} bytes`);
    tensors[name] = { dtype, shape: e.shape, dataOffsets: [b, end] };
  }
  // The offsets must tile [0, data length) exactly, in order (tensor.rs `validate`).
  const dataLen = bytes.length - 8 - n;
  const sorted = Object.entries(tensors).sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let at = 0;
  for (const [name, t] of sorted) {
    const [b, end] = t.dataOffsets;
    if (b !== at)
      throw bad(b > at
        ? `tensor ${JSON.stringify(name)} starts at data byte ${b} but the previous tensor ends at ${at} (a gap: safetensors data must be contiguous)`
        : `tensor ${JSON.stringify(name)} starts at data byte ${b}, inside the previous tensor which ends at ${at} (overlapping tensors)`);
    if (end > dataLen)
      throw bad(`tensor ${JSON.stringify(name)} ends at data byte ${end} but only ${dataLen} bytes of data follow the header (truncated file)`);
    at = end;
  }
  if (at !== dataLen) throw bad(`the tensors cover ${at} bytes of data but ${dataLen} follow the header (${dataLen - at} unexpected trailing bytes)`);
  return { tensors, metadata, dataStart: 8 + n };
}

/** The values of one tensor as the typed array of its loaded dtype. */
function decodeTensor(op: string, bytes: Uint8Array, dataStart: number, name: string, t: TensorInfo): TypedArray {
  const [b, e] = t.dataOffsets;
  // a copy (aligned, owned by the new array); not bytes.slice, which on a Node Buffer is a view of a shared pool
  const raw = new Uint8Array(bytes.subarray(dataStart + b, dataStart + e));
  const n = shapeSize(t.shape);
  switch (t.dtype) {
    case 'F32':
      return new Float32Array(raw.buffer);
    case 'F64':
      return new Float64Array(raw.buffer);
    case 'I32':
      return new Int32Array(raw.buffer);
    case 'U32':
      return new Uint32Array(raw.buffer);
    case 'BOOL':
      for (let i = 0; i < n; i++) if (raw[i]! > 1) throw new Error(`${op}: tensor ${JSON.stringify(name)} is BOOL but holds the byte ${raw[i]} at element ${i} (only 0 and 1 are valid)`);
      return raw;
    case 'U8':
      return new Int32Array(raw);
    case 'I8':
      return new Int32Array(new Int8Array(raw.buffer));
    case 'I16':
      return new Int32Array(new Int16Array(raw.buffer));
    case 'U16':
      return new Int32Array(new Uint16Array(raw.buffer));
    case 'F16':
      return Float32Array.from(new Uint16Array(raw.buffer), f16FromBits);
    case 'BF16': {
      // bfloat16 is the high half of a float32
      const out = new Uint32Array(n);
      const src = new Uint16Array(raw.buffer);
      for (let i = 0; i < n; i++) out[i] = src[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case 'I64':
    case 'U64': {
      const src = t.dtype === 'I64' ? new BigInt64Array(raw.buffer) : new BigUint64Array(raw.buffer);
      const [lo, hi] = t.dtype === 'I64' ? [-(2n ** 31n), 2n ** 31n - 1n] : [0n, 2n ** 32n - 1n];
      const out = t.dtype === 'I64' ? new Int32Array(n) : new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        if (v < lo || v > hi)
          throw new RangeError(`${op}: tensor ${JSON.stringify(name)} is ${t.dtype} and its element ${i} (${v}) does not fit ${loadedDType[t.dtype]}, the dtype it loads as`);
        out[i] = Number(v);
      }
      return out;
    }
  }
}

/** A leaf of a `like` tree: an Array or ShapedArray gives dtype and shape; a JS number or boolean asks for that scalar back. */
function likeAval(leaf: unknown): ShapedArray | 'number' | 'boolean' | null {
  if (leaf instanceof Array) return leaf.aval;
  if (leaf instanceof ShapedArray) return leaf;
  if (typeof leaf === 'number') return 'number';
  if (typeof leaf === 'boolean') return 'boolean';
  return null;
}

/** Options of deserialize / loadSafetensors. */
export interface DeserializeOptions {
  /** With `like`: reject tensors in the file that `like` does not have. Default true. */
  readonly strict?: boolean;
  /** Names the source in error messages (loadSafetensors passes the path). */
  readonly source?: string;
}

/**
 * Rebuilds a pytree from safetensors bytes. Without `like`, the structure comes from the file's
 * "tensorlaw.tree" metadata (files written by `serialize`), or, for files written by other tools, from the
 * dotted tensor names (`a.0.w` → { a: [{ w }] }: objects whose keys are exactly 0..n-1 become JS arrays).
 * With `like` (a pytree of Arrays, ShapedArrays or JS scalars: e.g. freshly initialised params), every leaf
 * is looked up by its dotted path and must have the same dtype and shape; all mismatches are reported
 * together. F16 loads as float16, BF16 as float32, 8/16-bit integers as int32, I64/U64 as int32/uint32 (range-checked).
 * @example
 * const params = train.deserialize(bytes, model.init(key, [784]).params); // validated against the layout
 */
export function deserialize<T = any>(bytes: Uint8Array, like?: T, opts: DeserializeOptions = {}): T {
  const op = 'train.deserialize';
  checkHost(op);
  const src = opts.source ?? 'the input';
  const h = readSafetensorsHeader(bytes, src);
  const load = (name: string): Array => {
    const t = h.tensors[name]!;
    return fromTyped(decodeTensor(op, bytes, h.dataStart, name, t), t.shape, loadedDType[t.dtype], weakNames.has(name));
  };
  const meta = h.metadata ?? {};
  const parseMeta = <M>(key: string, fallback: M): M => {
    if (meta[key] === undefined) return fallback;
    try {
      return JSON.parse(meta[key]!) as M;
    } catch {
      throw new Error(`safetensors: ${src}: the metadata entry ${key} is not valid JSON`);
    }
  };
  const weakNames = new Set(parseMeta<string[]>(WEAK_KEY, []));
  const scalarKinds = parseMeta<Record<string, string>>(SCALARS_KEY, {});
  const names = Object.keys(h.tensors);

  if (like !== undefined) {
    const [likeLeaves, def] = flatten(like);
    const wanted = tensorNames(def);
    const problems: string[] = [];
    const out = likeLeaves.map((leaf, i) => {
      const name = wanted[i]!;
      const want = likeAval(leaf);
      if (want === null) {
        problems.push(`the like leaf ${JSON.stringify(name)} is ${typeof leaf}, not an Array, ShapedArray, number or boolean`);
        return null;
      }
      const t = h.tensors[name];
      if (!t) {
        problems.push(`${JSON.stringify(name)} is missing from the file`);
        return null;
      }
      const got = `${loadedDType[t.dtype]}${fmtShape(t.shape)}`;
      if (want === 'number' || want === 'boolean') {
        const okDType = want === 'number' ? t.dtype !== 'BOOL' : t.dtype === 'BOOL';
        if (!okDType || t.shape.length !== 0) {
          problems.push(`${JSON.stringify(name)} is ${got} (file dtype ${t.dtype}) in the file, expected a scalar ${want}`);
          return null;
        }
        const v = decodeTensor(op, bytes, h.dataStart, name, t)[0]!;
        return want === 'number' ? v : v !== 0;
      }
      const ok = loadedDType[t.dtype] === want.dtype && t.shape.length === want.shape.length && t.shape.every((d, k) => d === want.shape[k]);
      if (!ok) {
        problems.push(`${JSON.stringify(name)} is ${got} (file dtype ${t.dtype}) in the file, expected ${want.dtype}${fmtShape(want.shape)}`);
        return null;
      }
      return load(name);
    });
    if (opts.strict ?? true) {
      const known = new Set(wanted);
      const extra = names.filter((n) => !known.has(n));
      if (extra.length) problems.push(`the file has tensors the like tree lacks: ${fmtNames(extra)} (pass strict: false to ignore them)`);
    }
    if (problems.length)
      throw new Error(
        `safetensors: ${src} does not match the like tree: ${problems.slice(0, 12).join('; ')}${problems.length > 12 ? `; and ${problems.length - 12} more` : ''}` +
          ` (file tensors: ${fmtNames(names)})`,
      );
    return unflatten<T>(def, out);
  }

  const restoreLeaf = (name: string): unknown => {
    const kind = scalarKinds[name];
    if (kind === undefined) return load(name);
    const v = decodeTensor(op, bytes, h.dataStart, name, h.tensors[name]!)[0]!;
    return kind === 'boolean' ? v !== 0 : v;
  };
  if (meta[TREE_KEY] !== undefined) {
    const enc = parseMeta<unknown>(TREE_KEY, null);
    const used = new Set<string>();
    const go = (e: unknown): unknown => {
      if (e === null) return null;
      if (typeof e === 'string') {
        if (!(e in h.tensors)) throw new Error(`safetensors: ${src}: the recorded tree names tensor ${JSON.stringify(e)}, which the file does not hold (file tensors: ${fmtNames(names)})`);
        used.add(e);
        return restoreLeaf(e);
      }
      if (globalThis.Array.isArray(e)) return e.map(go);
      if (typeof e === 'object') return Object.fromEntries(Object.entries(e as Record<string, unknown>).map(([k, v]) => [k, go(v)]));
      throw new Error(`safetensors: ${src}: the recorded tree holds ${JSON.stringify(e)}, which is not a tensor name, null, list or object`);
    };
    const tree = go(enc);
    const extra = names.filter((n) => !used.has(n));
    if (extra.length) throw new Error(`safetensors: ${src}: tensors ${fmtNames(extra)} are not in the recorded tree (the metadata and tensors disagree)`);
    return tree as T;
  }
  // A file from another tool: nest by dotted names.
  if (names.length === 1 && names[0] === 'value' && !h.metadata) return load('value') as T;
  const root: Record<string, unknown> = {};
  for (const name of [...names].sort()) {
    const parts = name.split('.');
    let node = root;
    parts.forEach((p, k) => {
      if (k === parts.length - 1) {
        if (p in node) throw new Error(`safetensors: ${src}: tensor ${JSON.stringify(name)} is both a tensor and a prefix of other names; pass a like tree to load it`);
        node[p] = restoreLeaf(name);
      } else {
        const next = node[p];
        if (next instanceof Array) throw new Error(`safetensors: ${src}: tensor ${JSON.stringify(parts.slice(0, k + 1).join('.'))} is both a tensor and a prefix of ${JSON.stringify(name)}; pass a like tree to load it`);
        node = (next ?? (node[p] = {})) as Record<string, unknown>;
      }
    });
  }
  const toArrays = (x: unknown): unknown => {
    if (x instanceof Array || typeof x !== 'object' || x === null) return x;
    const o = x as Record<string, unknown>;
    const keys = Object.keys(o);
    const isList = keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k)) && keys.every((_, i) => String(i) in o);
    if (isList) return keys.map((_, i) => toArrays(o[String(i)]));
    return Object.fromEntries(keys.map((k) => [k, toArrays(o[k])]));
  };
  return toArrays(root) as T;
}

/**
 * Every tensor of safetensors bytes by name, flat (no pytree structure): the way to read a file written by
 * another tool tensor by tensor.
 * @example
 * const t = train.loadTensors(bytes); // { 'encoder.0.weight': Array, ... }
 */
export function loadTensors(bytes: Uint8Array): Record<string, Array> {
  const h = readSafetensorsHeader(bytes);
  return Object.fromEntries(
    Object.entries(h.tensors).map(([name, t]) => [name, fromTyped(decodeTensor('train.loadTensors', bytes, h.dataStart, name, t), t.shape, loadedDType[t.dtype])]),
  );
}

const fmtNames = (ns: readonly string[]): string =>
  ns.length <= 10 ? ns.map((n) => JSON.stringify(n)).join(', ') : `${ns.slice(0, 10).map((n) => JSON.stringify(n)).join(', ')}, ... (${ns.length} in all)`;
