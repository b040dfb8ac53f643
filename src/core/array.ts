// Concrete arrays (host typed array or a device buffer + aval), the eval trace that runs primitives now, and memory stats.
import { ShapedArray, shapeSize } from './aval.js';
import { type DType, type TypedArray, byteSize, castScalar, roundF16Array, typedArrayCtor } from './dtype.js';
import { recycleHost } from './hostPool.js';
import type { Params, Prim } from './primitive.js';
import { Array, MainTrace, type NestedArray, Trace, bindHook, setEvalTrace } from './trace.js';
import { abstractEvalRules } from '../rules/abstractEval.js';
import { type FirstOrderPrim, type HigherOrderPrim, isHigherOrder } from '../rules/impl.js';
import { currentImpl } from '../targets/registry.js';

/**
 * Storage of an array that lives on a device target (e.g. a GPUBuffer on 'webgpu'). Host arrays hold a plain
 * typed array instead. `read()` resolves to a fresh typed array of the array's dtype (row-major); `readSync`
 * exists only on targets that can read back synchronously.
 */
export interface DeviceBuffer {
  /** The target that owns the storage ('webgpu'). */
  readonly target: string;
  /** Bytes held on the device (counted by memoryStats under the target). */
  readonly byteLength: number;
  readSync?(): TypedArray;
  read(): Promise<TypedArray>;
  /** Resolves when the work writing this storage has finished (rejects with its error); absent: ready at once. */
  ready?(): Promise<void>;
  /** Gives the storage back to the target (e.g. its buffer pool). Called once. */
  dispose(): void;
}

/** Live buffers and bytes per target, as reported by `memoryStats()`. */
export interface TargetMemory {
  buffers: number;
  bytes: number;
}
const live: Record<string, TargetMemory> = { ref: { buffers: 0, bytes: 0 } };
const liveOf = (target: string): TargetMemory => (live[target] ??= { buffers: 0, bytes: 0 });

/**
 * Host arrays smaller than this are not counted by memoryStats: they are ordinary garbage-collected objects, and a
 * finalizer per array (a weak cell the GC must process) cost more than the array itself (BENCH W5, 10 000 scalar adds:
 * 3.6 µs per op with one, 0.9 without). Device buffers and host arrays of this size or more are always counted.
 */
export const TRACK_MIN_BYTES = 1024;

// held value: the buffer's byte length (host arrays, counted under 'ref')
const registry = new FinalizationRegistry<number>((bytes) => {
  const m = live.ref!;
  m.buffers--;
  m.bytes -= bytes;
});
// held value: the device storage, given back to its target when the array is garbage collected
const deviceRegistry = new FinalizationRegistry<DeviceBuffer>((d) => {
  const m = liveOf(d.target);
  m.buffers--;
  m.bytes -= d.byteLength;
  d.dispose();
});

/**
 * Live buffers and bytes per target (arrays not yet disposed nor garbage collected); host arrays under
 * TRACK_MIN_BYTES (1 KiB) are not counted.
 */
export function memoryStats(): Record<string, TargetMemory> {
  return Object.fromEntries(Object.entries(live).map(([k, v]) => [k, { ...v }]));
}

/**
 * Attaches to a host array a copy of it on a device (set by device targets when they upload a host operand,
 * so a constant is uploaded once); freed with the array. Keyed weakly: see `mirrorOf`.
 */
const mirrors = new WeakMap<ConcreteArray, DeviceBuffer>();
// a mirror of a garbage-collected host array goes back to its target
const mirrorRegistry = new FinalizationRegistry<DeviceBuffer>((d) => d.dispose());

/** The device copy of a host array cached by `setMirror`, if any. */
export const mirrorOf = (x: ConcreteArray): DeviceBuffer | undefined => mirrors.get(x);
/** Caches `d` as the device copy of the host array `x` (disposed with `x`). */
export function setMirror(x: ConcreteArray, d: DeviceBuffer): void {
  const old = mirrors.get(x);
  if (old) {
    mirrorRegistry.unregister(old);
    old.dispose();
  }
  mirrors.set(x, d);
  mirrorRegistry.register(x, d, d);
  x[MIRRORED]();
}
// the flag "has a mirror", checked by dispose so that arrays without one pay no WeakMap lookup
const MIRRORED = Symbol('mirrored');

function deviceReadError(x: ConcreteArray, target: string, what: string): Error {
  return new TypeError(
    `${what}: this array ${x.aval.toString()} lives on ${target}, which cannot be read synchronously; ` +
      `use \`await x.data()\` (or \`await tree.map(...)\` over data()) to read it, or run on the 'wasm'/'ref' target`,
  );
}

/** An array with a buffer: a host typed array (ref and wasm targets) or device storage (webgpu). */
export class ConcreteArray extends Array {
  #data: TypedArray | null;
  #dev: DeviceBuffer | null;
  #mirrored = false;
  /** @internal marks that a device copy was cached for this host array (see setMirror). */
  [MIRRORED](): void {
    this.#mirrored = true;
  }
  readonly #aval: ShapedArray;
  constructor(aval: ShapedArray, data: TypedArray | DeviceBuffer) {
    super();
    this.#aval = aval;
    if (ArrayBuffer.isView(data)) {
      this.#data = data;
      this.#dev = null;
      const bytes = data.byteLength;
      if (bytes >= TRACK_MIN_BYTES) {
        const m = live.ref!;
        m.buffers++;
        m.bytes += bytes;
        registry.register(this, bytes, this);
      }
    } else {
      this.#data = null;
      this.#dev = data;
      const m = liveOf(data.target);
      m.buffers++;
      m.bytes += data.byteLength;
      deviceRegistry.register(this, data, this);
    }
  }
  get aval(): ShapedArray {
    return this.#aval;
  }
  get isDisposed(): boolean {
    return this.#data === null && this.#dev === null;
  }
  /** True when the values are in a host typed array (`buffer` is free); false for device storage. */
  get isHost(): boolean {
    return this.#data !== null;
  }
  /** The device storage (null for host arrays). Throws if the array was disposed. */
  get device(): DeviceBuffer | null {
    if (this.#data !== null) return null;
    if (this.#dev === null) throw this.#disposedError();
    return this.#dev;
  }
  /** The storage: a host typed array or a device buffer. Throws if the array was disposed. */
  get storage(): TypedArray | DeviceBuffer {
    const s = this.#data ?? this.#dev;
    if (s === null) throw this.#disposedError();
    return s;
  }
  /**
   * The backing typed array (do not mutate). Throws if the array was disposed, or if it lives on a device
   * that cannot be read synchronously (then `await x.data()`).
   */
  get buffer(): TypedArray {
    if (this.#data !== null) return this.#data;
    return this.#readDevice('buffer');
  }
  #readDevice(what: string): TypedArray {
    const d = this.#dev;
    if (d === null) throw this.#disposedError();
    if (d.readSync) return d.readSync();
    throw deviceReadError(this, d.target, what);
  }
  #disposedError(): ReferenceError {
    return new ReferenceError(`this array ${this.#aval.toString()} was disposed and can no longer be used`);
  }
  concrete(): ConcreteArray {
    return this;
  }
  override dataSync(): TypedArray {
    if (this.#data !== null) return this.#data.slice();
    return this.#readDevice('dataSync()');
  }
  override async blockUntilReady(): Promise<this> {
    if (this.#data !== null) return this;
    const d = this.#dev;
    if (d === null) throw this.#disposedError();
    await d.ready?.();
    return this;
  }
  override async data(): Promise<TypedArray> {
    if (this.#data !== null) return this.#data.slice();
    const d = this.#dev;
    if (d === null) throw this.#disposedError();
    return d.read();
  }
  override item(): number | boolean {
    if (this.size !== 1)
      throw new TypeError(`item(): the array has shape [${this.shape.join(', ')}] (${this.size} elements); item() needs exactly one`);
    const v = (this.#data ?? this.#readDevice('item()'))[0]!;
    return this.dtype === 'bool' ? v !== 0 : v;
  }
  override toJS(): NestedArray {
    const d = this.#data ?? this.#readDevice('toJS()');
    const conv = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    const shape = this.shape;
    let i = 0;
    const build = (ax: number): NestedArray => {
      if (ax === shape.length) return conv(d[i++]!);
      const out: NestedArray[] = [];
      for (let k = 0; k < shape[ax]!; k++) out.push(build(ax + 1));
      return out;
    };
    return build(0);
  }
  override dispose(): void {
    const data = this.#data;
    if (data !== null) {
      if (data.byteLength >= TRACK_MIN_BYTES) {
        const m = live.ref!;
        m.buffers--;
        m.bytes -= data.byteLength;
        registry.unregister(this);
      }
      this.#data = null;
      const mirror = this.#mirrored ? mirrors.get(this) : undefined;
      if (mirror) {
        mirrors.delete(this);
        mirrorRegistry.unregister(mirror);
        mirror.dispose();
      }
      // every host array owns its buffer (no two arrays share one): a pooled buffer is reused by the next output
      recycleHost(data);
      return;
    }
    const d = this.#dev;
    if (d === null) return;
    const m = liveOf(d.target);
    m.buffers--;
    m.bytes -= d.byteLength;
    deviceRegistry.unregister(this);
    this.#dev = null;
    d.dispose();
  }
  override toString(): string {
    if (this.#data === null && this.#dev !== null && !this.#dev.readSync) this.#readDevice('toString()');
    return formatArray(this);
  }
}

/** Set by numpy/format.ts: numpy-like printing. */
let formatArray: (x: ConcreteArray) => string = (x) => `Array(${JSON.stringify(x.toJS())}, dtype=${x.dtype})`;
export function setFormatter(f: (x: ConcreteArray) => string): void {
  formatArray = f;
}

/** Makes a concrete array from a typed array (taken, not copied) with a shape. */
export function fromTyped(data: TypedArray, shape: readonly number[], dtype: DType, weakType = false): ConcreteArray {
  const n = shapeSize(shape);
  if (data.length !== n)
    throw new RangeError(`array: ${data.length} values cannot fill shape [${shape.join(', ')}] (${n} elements)`);
  if (dtype === 'float16') {
    if (!(data instanceof Float32Array)) throw new TypeError(`array: float16 data must be a Float32Array (float16 values held in float32), got ${data.constructor.name}`);
    roundF16Array(data);
  }
  return new ConcreteArray(new ShapedArray(shape, dtype, weakType), data);
}

/** A concrete array filled with `value`. */
export function full(shape: readonly number[], value: number, dtype: DType, weakType = false): ConcreteArray {
  const data = new typedArrayCtor[dtype](shapeSize(shape));
  if (value !== 0) data.fill(castScalar(value, dtype) as never);
  return new ConcreteArray(new ShapedArray(shape, dtype, weakType), data);
}

export const bytesOf = (aval: ShapedArray): number => aval.size * byteSize[aval.dtype];

type HigherOrderEval = (args: Array[], params: unknown) => Array[];
/**
 * Evaluation rules of higher-order primitives, installed by rules/higherOrder.ts (loaded by every module that
 * binds one). Kept out of this module's imports so that importing lax before the transforms has no cycle.
 */
let higherOrderEval: Partial<Record<HigherOrderPrim, HigherOrderEval>> = {};
export function registerHigherOrderEval(table: Record<HigherOrderPrim, HigherOrderEval>): void {
  higherOrderEval = table;
}

/**
 * A device target's evaluation of a higher-order primitive whose operands live on its device (e.g. a scan run
 * eagerly on webgpu): returns null to fall back to the generic rule. Installed by the target's module.
 */
type DeviceHigherOrderEval = (prim: HigherOrderPrim, args: Array[], params: unknown) => Array[] | null;
let deviceHigherOrderEval: DeviceHigherOrderEval | null = null;
export function registerDeviceHigherOrderEval(f: DeviceHigherOrderEval): void {
  deviceHigherOrderEval = f;
}

/** The eval trace: runs every primitive now, on the current target. */
export class EvalTrace extends Trace {
  pure(x: Array): Array {
    return x;
  }
  processPrimitive<P extends Prim>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    let outs: Array[];
    if (isHigherOrder(prim)) {
      const rule = higherOrderEval[prim];
      if (!rule) throw new Error(`internal: no evaluation rule registered for '${prim}' (src/rules/higherOrder.ts not loaded)`);
      outs = (deviceHigherOrderEval && deviceHigherOrderEval(prim, tracers, params)) || rule(tracers, params);
    } else {
      const args = tracers as ConcreteArray[];
      const outAvals = (abstractEvalRules[prim] as (a: ShapedArray[], p: unknown) => ShapedArray[])(
        args.map((a) => a.aval),
        params,
      );
      const datas = (currentImpl(prim as FirstOrderPrim) as (a: ConcreteArray[], p: unknown, o: ShapedArray[]) => (TypedArray | DeviceBuffer)[])(
        args,
        params,
        outAvals,
      );
      outs = datas.map((d, i) => new ConcreteArray(outAvals[i]!, d));
    }
    if (bindHook) bindHook(prim, outs);
    return outs;
  }
}

setEvalTrace(EvalTrace);
export { MainTrace };
