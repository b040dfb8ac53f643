// IDX files (the MNIST / Fashion-MNIST format, LeCun et al.): decode, gunzip when needed, encode; browser-safe.
//
// Layout (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"): bytes 0-1 are zero, byte 2 the element
// type (0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), byte 3 the number of
// dimensions d; then d big-endian uint32 sizes; then the elements, big-endian, row-major.
import { fromTyped } from '../core/array.js';
import { fmtShape, shapeSize } from '../core/aval.js';
import { type DType, roundF16Array } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import { nodeBuiltin } from './platform.js';

/** The element types an IDX file can hold. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The decoded contents of an IDX file, before it becomes an Array. */
export interface IdxData {
  /** The element type stored in the file. */
  readonly type: IdxType;
  readonly shape: readonly number[];
  /** The elements in row-major order, converted to the host's byte order. */
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const typeOfCode: Record<number, IdxType> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
const codeOfType: { [T in IdxType]: number } = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };
const sizeOfType: { [T in IdxType]: number } = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };
/** The tensorlaw dtype each IDX type becomes: integers widen to int32 (there is no 8- or 16-bit dtype). */
const dtypeOfType: { [T in IdxType]: DType } = { uint8: 'int32', int8: 'int32', int16: 'int32', int32: 'int32', float32: 'float32', float64: 'float64' };

/**
 * True when `bytes` start with the gzip magic number 0x1f 0x8b.
 * @example
 * data.isGzip(readFileSync('train-labels-idx1-ubyte.gz')); // true
 */
export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Decompresses gzip bytes with node:zlib (Node only); other bytes are returned as they are. Internal. */
export function maybeGunzip(op: string, bytes: Uint8Array): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const zlib = nodeBuiltin(`${op} (gzip-compressed input)`, 'zlib');
  try {
    return new Uint8Array(zlib.gunzipSync(bytes));
  } catch (e) {
    throw new Error(`${op}: the input starts like gzip (1f 8b) but does not decompress: ${(e as Error).message}`);
  }
}

/**
 * Decodes the bytes of an uncompressed or gzip-compressed IDX file into its type, shape and elements
 * (without making an Array; `readIdx` does that).
 * @example
 * const { type, shape } = data.decodeIdx(bytes); // 'uint8', [60000, 28, 28]
 */
export function decodeIdx(input: Uint8Array | ArrayBuffer): IdxData {
  const op = 'data.decodeIdx';
  const bytes = maybeGunzip(op, input instanceof Uint8Array ? input : new Uint8Array(input));
  if (bytes.length < 4) throw new Error(`${op}: ${bytes.length} bytes are too few for an IDX header (4 bytes of magic number at least)`);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw new Error(
      `${op}: not an IDX file: the magic number must start with two zero bytes, got ${hex(bytes.subarray(0, 4))} ` +
        `(gzip input starts with 1f 8b and is decompressed automatically)`,
    );
  const type = typeOfCode[bytes[2]!];
  if (!type)
    throw new Error(`${op}: unknown IDX element type 0x${bytes[2]!.toString(16).padStart(2, '0')}; valid are 08 (ubyte), 09 (sbyte), 0B (int16), 0C (int32), 0D (float32), 0E (float64)`);
  const ndim = bytes[3]!;
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen) throw new Error(`${op}: truncated header: ${ndim} dimensions need ${headerLen} bytes, the input has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const n = shapeSize(shape);
  const esize = sizeOfType[type];
  const want = headerLen + n * esize;
  if (bytes.length < want)
    throw new Error(`${op}: truncated data: ${type}${fmtShape(shape)} needs ${n * esize} bytes after the ${headerLen}-byte header, the input has ${bytes.length - headerLen}`);
  if (bytes.length > want)
    throw new Error(`${op}: ${bytes.length - want} unexpected trailing bytes after the ${type}${fmtShape(shape)} data (is the shape in the header right?)`);
  let data: IdxData['data'];
  switch (type) {
    case 'uint8':
      data = new Uint8Array(bytes.subarray(headerLen, want)); // a copy (Buffer.slice would be a view)
      break;
    case 'int8':
      data = new Int8Array(bytes.buffer, bytes.byteOffset + headerLen, n).slice();
      break;
    case 'int16': {
      const a = new Int16Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt16(headerLen + 2 * i, false);
      data = a;
      break;
    }
    case 'int32': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt32(headerLen + 4 * i, false);
      data = a;
      break;
    }
    case 'float32': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat32(headerLen + 4 * i, false);
      data = a;
      break;
    }
    case 'float64': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat64(headerLen + 8 * i, false);
      data = a;
      break;
    }
  }
  return { type, shape, data };
}

/** Options of readIdx. */
export interface ReadIdxOptions {
  /**
   * Convert to this dtype. Default: int32 for the integer types (uint8 images keep their 0..255 values),
   * float32 / float64 for the float types.
   */
  readonly dtype?: DType;
  /** Keep only the first `limit` entries along axis 0 (the examples), converting no more than those. */
  readonly limit?: number;
}

/**
 * Reads an IDX file's bytes (gzip-compressed or not; gzip needs Node's zlib) as an Array of the file's shape.
 * Integer types become int32 (tensorlaw has no 8- or 16-bit dtypes), float32/float64 stay as they are.
 * @example
 * const labels = data.readIdx(readFileSync('train-labels-idx1-ubyte.gz')); // int32[60000]
 * const images = data.readIdx(bytes, { dtype: 'float32' }).div(255);       // float32[60000, 28, 28]
 */
export function readIdx(bytes: Uint8Array | ArrayBuffer, opts: ReadIdxOptions = {}): Array {
  const { type, shape, data } = decodeIdx(bytes);
  const dtype = opts.dtype ?? dtypeOfType[type];
  if (opts.limit === undefined || shape.length === 0 || opts.limit >= shape[0]!) return fromTyped(convert(data, dtype), shape, dtype);
  if (!Number.isInteger(opts.limit) || opts.limit < 0) throw new RangeError(`data.readIdx: limit must be an integer >= 0, got ${opts.limit}`);
  const kept = [opts.limit, ...shape.slice(1)];
  return fromTyped(convert(data.subarray(0, shapeSize(kept)), dtype), kept, dtype);
}

function convert(data: IdxData['data'], dtype: DType): Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array {
  // typed-array constructors convert element by element natively (from(data, fn) is ~40x slower on 47M pixels)
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array ? data : new Float32Array(data);
    case 'float16':
      return roundF16Array(new Float32Array(data));
    case 'float64':
      return data instanceof Float64Array ? data : new Float64Array(data);
    case 'int32':
      if (data instanceof Int32Array) return data;
      if (data instanceof Float32Array || data instanceof Float64Array) return Int32Array.from(data, (v) => Math.trunc(v));
      return new Int32Array(data);
    case 'uint32':
      return Uint32Array.from(data, (v) => Math.trunc(v) >>> 0);
    case 'bool':
      return Uint8Array.from(data, (v) => (v ? 1 : 0));
  }
}

/** Options of encodeIdx. */
export interface EncodeIdxOptions {
  /** The element type to store. Default: float32/float64 by dtype, int32 for int32/uint32, uint8 for bool. */
  readonly type?: IdxType;
}

const rangeOf: { [T in IdxType]?: [number, number] } = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
};

/**
 * Encodes a concrete array as the bytes of an (uncompressed) IDX file. Integer types must hold the values
 * exactly: a value out of range, or a fraction stored as an integer type, is an error.
 * @example
 * const bytes = data.encodeIdx(np.array([[0, 255], [7, 8]], 'int32'), { type: 'uint8' });
 * data.readIdx(bytes).toJS(); // [[0, 255], [7, 8]]
 */
export function encodeIdx(x: Array, opts: EncodeIdxOptions = {}): Uint8Array {
  const op = 'data.encodeIdx';
  if (!(x instanceof Array)) throw new TypeError(`${op}: expected an Array, got ${typeof x}`);
  if (x.ndim > 255) throw new RangeError(`${op}: IDX stores at most 255 dimensions, got ${x.ndim}`);
  const type: IdxType =
    opts.type ?? (x.dtype === 'float32' ? 'float32' : x.dtype === 'float64' ? 'float64' : x.dtype === 'bool' ? 'uint8' : 'int32');
  if (!(type in codeOfType)) throw new TypeError(`${op}: unknown IDX type ${JSON.stringify(type)}; valid are ${Object.keys(codeOfType).join(', ')}`);
  const values = x.dataSync();
  const n = values.length;
  const headerLen = 4 + 4 * x.ndim;
  const esize = sizeOfType[type];
  const out = new Uint8Array(headerLen + n * esize);
  const view = new DataView(out.buffer);
  out[2] = codeOfType[type];
  out[3] = x.ndim;
  x.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const range = rangeOf[type];
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (range && (!Number.isInteger(v) || v < range[0] || v > range[1]))
      throw new RangeError(`${op}: element ${i} of ${x.dtype}${fmtShape(x.shape)} is ${v}, which ${type} cannot hold (integers in [${range[0]}, ${range[1]}])`);
    const at = headerLen + esize * i;
    switch (type) {
      case 'uint8':
        view.setUint8(at, v);
        break;
      case 'int8':
        view.setInt8(at, v);
        break;
      case 'int16':
        view.setInt16(at, v, false);
        break;
      case 'int32':
        view.setInt32(at, v, false);
        break;
      case 'float32':
        view.setFloat32(at, v, false);
        break;
      case 'float64':
        view.setFloat64(at, v, false);
        break;
    }
  }
  return out;
}

const hex = (b: Uint8Array): string => [...b].map((v) => v.toString(16).padStart(2, '0')).join(' ');
