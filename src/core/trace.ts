// The interpreter stack: Array (the public value type), Tracer, Trace, MainTrace and bind().
// Follows Autodidax (jax docs/autodidax.py, Part 1 and 3): bind finds the highest-level trace among
// its inputs (or the dynamic trace while jit stages) and lets it process the primitive.
import './polyfill.js';
import { ShapedArray } from './aval.js';
import type { DType, TypedArray } from './dtype.js';
import { ConcretizationTypeError, UnexpectedTracerError } from './errors.js';
import type { Params, Prim } from './primitive.js';

/** A JS scalar accepted wherever an array is. */
export type Scalar = number | boolean;
/** Nested JS arrays of scalars, as accepted by `np.array`. */
export type NestedArray = Scalar | readonly NestedArray[];

/**
 * The immutable n-dimensional array of tensorlaw (JAX's `jax.Array`). Concrete arrays hold a buffer on a
 * target; inside a transformation the same methods act on tracers. Methods mirroring `np` are installed
 * by `src/numpy/methods.ts`.
 */
export abstract class Array {
  /** The abstract value: shape, dtype and weak-type flag. */
  abstract get aval(): ShapedArray;
  get shape(): readonly number[] {
    return this.aval.shape;
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  get ndim(): number {
    return this.aval.shape.length;
  }
  get size(): number {
    return this.aval.size;
  }
  get weakType(): boolean {
    return this.aval.weakType;
  }
  /** The concrete array behind this value if there is one (tracers of grad/jvp carry one), else null. */
  abstract concrete(): ConcreteLike | null;
  /** Reads the values back as a typed array (row-major). */
  async data(): Promise<TypedArray> {
    return this.requireConcrete('data()').dataSync();
  }
  /**
   * Waits until the values are computed, without reading them back (JAX's `block_until_ready`): on the webgpu
   * target, until the GPU work that writes this array has finished (a failed submission rethrows its error here);
   * host arrays are ready at once. For timing asynchronous work; a tracer throws, like `data()`.
   *
   * @example
   * ```ts
   * const y = jit(step)(params, x);
   * await y.blockUntilReady(); // the GPU has finished computing y
   * ```
   */
  async blockUntilReady(): Promise<this> {
    this.requireConcrete('blockUntilReady()');
    return this;
  }
  /** Reads the values back synchronously (targets that can). */
  dataSync(): TypedArray {
    return this.requireConcrete('dataSync()').dataSync();
  }
  /** The single element of a size-1 array as a JS number (bool arrays give booleans). */
  item(): number | boolean {
    return this.requireConcrete('item()').item();
  }
  /** The values as nested JS arrays (a scalar for rank 0). */
  toJS(): NestedArray {
    return this.requireConcrete('toJS()').toJS();
  }
  /** Frees the buffer now (a no-op on tracers). Using a disposed array throws. */
  dispose(): void {}
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** JS coercion (`x > 0`, `+x`, template strings of scalars) is only allowed on concrete size-1 arrays. */
  [Symbol.toPrimitive](hint: string): number | string | boolean {
    if (hint === 'string') return this.toString();
    const c = this.concrete();
    if (!c) throw concretizationError(this, 'used as a JS number or boolean');
    if (c.size !== 1)
      throw new TypeError(
        `an array of shape [${this.shape.join(', ')}] was used as a JS number; only arrays with one element convert (use .item() or a reduction)`,
      );
    return c.item();
  }
  protected requireConcrete(what: string): ConcreteLike {
    const c = this.concrete();
    if (!c) throw concretizationError(this, `read with ${what}`);
    return c;
  }
}

/** What readback needs from a concrete array (implemented by ConcreteArray in array.ts). */
export interface ConcreteLike {
  readonly size: number;
  dataSync(): TypedArray;
  item(): number | boolean;
  toJS(): NestedArray;
}

export function concretizationError(x: Array, what: string): ConcretizationTypeError {
  const where = x instanceof Tracer ? x._trace.main.name : 'a transformation';
  return new ConcretizationTypeError(
    `A traced array ${x.aval.toString()} was ${what} inside ${where}. While a function is transformed its ` +
      `values are abstract, so they cannot steer JS control flow or be read. Use lax.cond / lax.switch / ` +
      `np.where for data-dependent branches, lax.whileLoop / lax.forILoop / lax.scan for loops, or mark the ` +
      `argument static with jit(f, { staticArgnums: [...] }).`,
  );
}

/** One active transformation on the interpreter stack. */
export class MainTrace {
  /** False once the transformation has returned: its tracers then must not be used. */
  active = true;
  readonly trace: Trace;
  constructor(
    readonly level: number,
    traceType: new (main: MainTrace) => Trace,
    readonly name: string,
    readonly globalData: unknown = null,
  ) {
    this.trace = new traceType(this);
  }
}

/** An interpretation of primitives (eval, jvp, vmap, staging, partial evaluation). */
export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a value from a lower level (a concrete array or a lower tracer) as a tracer of this trace. */
  abstract pure(x: Array): Array;
  abstract processPrimitive<P extends Prim>(prim: P, tracers: Array[], params: Params<P>): Array[];
}

/** A value being traced by some transformation. */
export abstract class Tracer extends Array {
  /** The trace this tracer belongs to (JAX's `_trace`). */
  abstract readonly _trace: Trace;
  /** Returns the simplest equivalent value (e.g. an unbatched BatchTracer lowers to its value). */
  fullLower(): Array {
    return this;
  }
  concrete(): ConcreteLike | null {
    return null;
  }
  override toString(): string {
    return `Traced<${this.aval.toString()}> with ${this._trace.main.name}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The stack. Level 0 is the eval trace, installed by array.ts via setEvalTrace.

const stack: MainTrace[] = [];
let dynamicMain: MainTrace | null = null;

export function setEvalTrace(traceType: new (main: MainTrace) => Trace): void {
  stack.length = 0;
  stack.push(new MainTrace(0, traceType, 'eval'));
}

export function currentLevel(): number {
  return stack.length - 1;
}

/** Runs `fn` with a new MainTrace of `traceType` on the stack; marks it inactive afterwards. */
export function withMain<R>(
  traceType: new (main: MainTrace) => Trace,
  name: string,
  globalData: unknown,
  fn: (main: MainTrace) => R,
  dynamic = false,
): R {
  const main = new MainTrace(stack.length, traceType, name, globalData);
  stack.push(main);
  const prevDynamic = dynamicMain;
  if (dynamic) dynamicMain = main;
  try {
    return fn(main);
  } finally {
    if (dynamic) dynamicMain = prevDynamic;
    stack.pop();
    main.active = false;
  }
}

/** Runs `fn` with the dynamic (staging) trace reset to eval: used to evaluate constants eagerly. */
export function withoutDynamic<R>(fn: () => R): R {
  const prev = dynamicMain;
  dynamicMain = null;
  try {
    return fn();
  } finally {
    dynamicMain = prev;
  }
}

function escapedError(x: Tracer): UnexpectedTracerError {
  return new UnexpectedTracerError(
    `Encountered an escaped tracer ${x.aval.toString()} created by ${x._trace.main.name}, which has already ` +
      `returned. A transformed function must not store its intermediate values outside (in closures, globals ` +
      `or object fields) and use them later; return them as outputs instead.`,
  );
}

/** The trace that must process a primitive applied to `args`. */
export function findTopTrace(args: readonly Array[]): Trace {
  let top = dynamicMain ?? stack[0]!;
  for (const a of args) {
    if (a instanceof Tracer) {
      const m = a._trace.main;
      if (!m.active) throw escapedError(a);
      if (m.level > top.level) top = m;
    }
  }
  return top.trace;
}

/** True when a primitive applied to `args` would run at once: no transformation or staging trace holds them or is open. */
export function evaluatesEagerly(args: readonly Array[]): boolean {
  return dynamicMain === null && findTopTrace(args).main === stack[0];
}

export function fullRaise(trace: Trace, x: Array): Array {
  if (!(x instanceof Tracer)) return trace.pure(x);
  const m = x._trace.main;
  if (m === trace.main) return x;
  if (!m.active) throw escapedError(x);
  if (m.level < trace.main.level) return trace.pure(x);
  throw new UnexpectedTracerError(
    `A tracer of ${m.name} (level ${m.level}) reached ${trace.main.name} (level ${trace.main.level}): ` +
      `values from an inner transformation escaped into an outer one.`,
  );
}

export function fullLower(x: Array): Array {
  return x instanceof Tracer ? x.fullLower() : x;
}

/** Hook run after every primitive on the eval trace (debugNans); set by config.ts. */
export let bindHook: ((prim: Prim, outs: Array[]) => void) | null = null;
export function setBindHook(h: typeof bindHook): void {
  bindHook = h;
}

/** Applies primitive `prim` to `args` under whatever transformations are active. */
export function bind<P extends Prim>(prim: P, args: readonly Array[], params: Params<P>): Array[] {
  const top = findTopTrace(args);
  const tracers = args.map((a) => fullRaise(top, a));
  const outs = top.processPrimitive(prim, tracers, params);
  for (let i = 0; i < outs.length; i++) outs[i] = fullLower(outs[i]!);
  return outs;
}

/** bind for single-output primitives. */
export function bind1<P extends Prim>(prim: P, args: readonly Array[], params: Params<P>): Array {
  return bind(prim, args, params)[0]!;
}
