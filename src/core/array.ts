// Concrete arrays (a typed-array buffer + aval), the eval trace that runs primitives now, and memory stats.
import { ShapedArray, shapeSize } from './aval.js';
import { type DType, type TypedArray, byteSize, typedArrayCtor } from './dtype.js';
import type { Params, Prim } from './primitive.js';
import { Array, MainTrace, type NestedArray, Trace, bindHook, setEvalTrace } from './trace.js';
import { abstractEvalRules } from '../rules/abstractEval.js';
import { type FirstOrderPrim, type HigherOrderPrim, isHigherOrder } from '../rules/impl.js';
import { currentImpl } from '../targets/registry.js';

/** Live buffers and bytes per target, as reported by `memoryStats()`. */
export interface TargetMemory {
  buffers: number;
  bytes: number;
}
const live: Record<string, TargetMemory> = { ref: { buffers: 0, bytes: 0 } };

// held value: the buffer's byte length (this is the reference target's registry)
const registry = new FinalizationRegistry<number>((bytes) => {
  const m = live.ref!;
  m.buffers--;
  m.bytes -= bytes;
});

/** Live buffers and bytes per target (arrays not yet disposed nor garbage collected). */
export function memoryStats(): Record<string, TargetMemory> {
  return Object.fromEntries(Object.entries(live).map(([k, v]) => [k, { ...v }]));
}

/** An array with a buffer on the reference target. */
export class ConcreteArray extends Array {
  #data: TypedArray | null;
  readonly #aval: ShapedArray;
  constructor(aval: ShapedArray, data: TypedArray) {
    super();
    this.#aval = aval;
    this.#data = data;
    const bytes = data.byteLength;
    const m = live.ref!;
    m.buffers++;
    m.bytes += bytes;
    registry.register(this, bytes, this);
  }
  get aval(): ShapedArray {
    return this.#aval;
  }
  get isDisposed(): boolean {
    return this.#data === null;
  }
  /** The backing typed array (do not mutate). Throws if the array was disposed. */
  get buffer(): TypedArray {
    if (this.#data === null)
      throw new ReferenceError(`this array ${this.#aval.toString()} was disposed and can no longer be used`);
    return this.#data;
  }
  concrete(): ConcreteArray {
    return this;
  }
  override dataSync(): TypedArray {
    return this.buffer.slice();
  }
  override async data(): Promise<TypedArray> {
    return this.buffer.slice();
  }
  override item(): number | boolean {
    if (this.size !== 1)
      throw new TypeError(`item(): the array has shape [${this.shape.join(', ')}] (${this.size} elements); item() needs exactly one`);
    const v = this.buffer[0]!;
    return this.dtype === 'bool' ? v !== 0 : v;
  }
  override toJS(): NestedArray {
    const d = this.buffer;
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
    if (this.#data === null) return;
    const m = live.ref!;
    m.buffers--;
    m.bytes -= this.#data.byteLength;
    registry.unregister(this);
    this.#data = null;
  }
  override toString(): string {
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
  return new ConcreteArray(new ShapedArray(shape, dtype, weakType), data);
}

/** A concrete array filled with `value`. */
export function full(shape: readonly number[], value: number, dtype: DType, weakType = false): ConcreteArray {
  const data = new typedArrayCtor[dtype](shapeSize(shape));
  if (value !== 0) data.fill(value as never);
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

/** The eval trace: runs every primitive now, on the reference target. */
export class EvalTrace extends Trace {
  pure(x: Array): Array {
    return x;
  }
  processPrimitive<P extends Prim>(prim: P, tracers: Array[], params: Params<P>): Array[] {
    let outs: Array[];
    if (isHigherOrder(prim)) {
      const rule = higherOrderEval[prim];
      if (!rule) throw new Error(`internal: no evaluation rule registered for '${prim}' (src/rules/higherOrder.ts not loaded)`);
      outs = rule(tracers, params);
    } else {
      const args = tracers as ConcreteArray[];
      const outAvals = (abstractEvalRules[prim] as (a: ShapedArray[], p: unknown) => ShapedArray[])(
        args.map((a) => a.aval),
        params,
      );
      const datas = (currentImpl(prim as FirstOrderPrim) as (a: ConcreteArray[], p: unknown, o: ShapedArray[]) => TypedArray[])(
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
