// A free list of host typed arrays: buffers allocated here (kernel outputs) and freed by dispose (a jit plan's or a scan
// loop's intermediates at their last use, or the user's dispose/using) are reused by the next allocation of the same
// type and length, instead of garbage.
import { type DType, type TypedArray, typedArrayCtor } from './dtype.js';

type Ctor = new (n: number) => TypedArray;

/** Buffers that came from takeHost: only these may be recycled (a user's own typed array never is). */
const owned = new WeakSet<TypedArray>();
const free = new Map<Ctor, Map<number, TypedArray[]>>();
let pooledBytes = 0;
/** The most bytes the free lists hold; beyond it a freed buffer is left to the garbage collector. */
const MAX_POOLED_BYTES = 64 << 20;
/** The most free buffers kept per type and length. */
const MAX_PER_SIZE = 16;

const reuseHooks: ((a: TypedArray) => void)[] = [];
/** Registers `f` to be told when a pooled buffer is handed out again (its contents are about to be rewritten). */
export function onHostReuse(f: (a: TypedArray) => void): void {
  reuseHooks.push(f);
}

/** Counters (tests and benchmarks read them). */
export const hostPoolStats = { takes: 0, reuses: 0, recycled: 0, dropped: 0 };

/**
 * A typed array of `ctor` with `n` elements whose contents are unspecified (a recycled buffer is not zeroed): for
 * outputs that the caller writes in full.
 */
export function takeHost<T extends TypedArray>(ctor: new (n: number) => T, n: number): T {
  hostPoolStats.takes++;
  const list = free.get(ctor as unknown as Ctor)?.get(n);
  if (list && list.length) {
    const a = list.pop()! as T;
    pooledBytes -= a.byteLength;
    hostPoolStats.reuses++;
    for (const f of reuseHooks) f(a);
    return a;
  }
  const a = new ctor(n);
  owned.add(a);
  return a;
}

/** takeHost for a dtype: an `n`-element typed array of `dtype`, contents unspecified (written in full by the caller). */
export const takeHostOf = (dtype: DType, n: number): TypedArray => takeHost(typedArrayCtor[dtype] as unknown as Ctor, n);

/**
 * Gives a buffer from takeHost back, once no array can read it any more (ConcreteArray.dispose: every host array owns
 * its buffer). Buffers not from takeHost, views, and buffers beyond the pool's limits are ignored.
 */
export function recycleHost(a: TypedArray): void {
  if (!owned.has(a)) return;
  const ctor = a.constructor as Ctor;
  let bySize = free.get(ctor);
  if (!bySize) free.set(ctor, (bySize = new Map()));
  let list = bySize.get(a.length);
  if (!list) bySize.set(a.length, (list = []));
  if (list.length >= MAX_PER_SIZE || pooledBytes + a.byteLength > MAX_POOLED_BYTES || list.includes(a)) {
    hostPoolStats.dropped++;
    return;
  }
  list.push(a);
  pooledBytes += a.byteLength;
  hostPoolStats.recycled++;
}
