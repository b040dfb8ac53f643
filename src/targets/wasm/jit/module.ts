// Runs jit-compiled kernels: one WebAssembly.Memory for every jit module (separate from the AOT kernels' memory so a
// generated module's static data can never overlap theirs), an arena from ARENA_BASE up, and KernelFn wrappers that
// copy operands in, call the kernel and copy results out (the signature of the JS-rendered kernels), skipping the copy
// in of an operand that an earlier kernel's output left in the arena (residency, below).
import type { TypedArray } from '../../../core/dtype.js';
import { onHostReuse } from '../../../core/hostPool.js';
import type { Kernel } from '../../../compiler/kernel.js';
import type { KernelFn } from '../../ref/fused.js';
import { jitMemory, webAssembly } from '../runtime.js';
import { type Block, getThreads, jitKernelId, runBlocks, splitRange } from '../threads.js';

/** Static data of generated modules (the prelude's 2/π table) lives below this address; operands above it. */
export const ARENA_BASE = 65536;
const PAGE = 65536;

export { jitMemory };

function ensure(bytes: number): void {
  const mem = jitMemory();
  const have = mem.buffer.byteLength;
  if (bytes <= have) return;
  const need = Math.ceil((bytes - have) / PAGE);
  mem.grow(Math.max(need, Math.min(Math.ceil(have / PAGE / 2), 65536 - have / PAGE)));
}

const align = (n: number): number => (n + 63) & ~63;

// Residency. The arena is a bump allocator over a ring of jitResidency.ringBytes from ARENA_BASE: each call takes
// fresh space for the operands it copies in and for its outputs, wrapping to ARENA_BASE (and advancing `epoch`) when
// the space left is too small. After a call copies an operand in, or an output out to its host array, that array is
// remembered with its arena address and the epoch: a later call that reads the same array uses it in place, as long
// as the epoch has not moved (nothing was written over it since). So a jitted function called again on the same
// inputs copies them in once per epoch, as the webgpu target uploads a host array once. Host arrays do not change
// while an array holds them; a pooled buffer handed out again (src/core/hostPool.ts) is forgotten first.
let cursor = ARENA_BASE, epoch = 1;
const resident = new WeakMap<TypedArray, { ptr: number; bytes: number; epoch: number }>();
// Deferred outputs: an intermediate of a plan that only wasm kernels read stays in the arena, uncopied, until it is
// freed (forgetDeferred) or the ring wraps (then it is copied out first, so a later reader finds it on the host).
const pending = new Map<TypedArray, number>();
onHostReuse((a) => {
  resident.delete(a);
  pending.delete(a);
});
/**
 * Residency switch (tests compare with it off; TENSORLAW_JIT_RESIDENCY=0 starts with it off), the ring's size in
 * bytes (1 MiB, grown to four times the largest call's operands; tests shrink it to wrap often), and counters of
 * operands (and bytes) used in place / copied in.
 */
export const jitResidency = {
  enabled: (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TENSORLAW_JIT_RESIDENCY !== '0',
  ringBytes: 1 << 20,
  hits: 0,
  copies: 0,
  hitBytes: 0,
  copyBytes: 0,
  /** Bytes of outputs left in the arena (deferred) instead of copied out. */
  deferredBytes: 0,
};

/**
 * Starts over at the arena's base, forgetting every resident operand (what a wrap does; tests call it); deferred
 * outputs are copied out to their host arrays first.
 */
export function resetJitArena(): void {
  if (pending.size) {
    const buf = jitMemory().buffer;
    for (const [y, ptr] of pending) new Uint8Array(y.buffer, y.byteOffset, y.byteLength).set(new Uint8Array(buf, ptr, y.byteLength));
    pending.clear();
  }
  epoch++;
  cursor = ARENA_BASE;
}

/** Drops a deferred output whose array is being freed (it will never be read: no copy out at the next wrap). */
export function forgetDeferred(y: TypedArray): void {
  pending.delete(y);
}

/** Makes room for `bytes` contiguous bytes at the cursor (wrapping, which invalidates every resident operand). */
function reserve(bytes: number): void {
  if (cursor + bytes > ARENA_BASE + jitResidency.ringBytes) {
    resetJitArena();
    jitResidency.ringBytes = Math.max(jitResidency.ringBytes, 4 * bytes);
  }
  ensure(cursor + bytes);
}
function take(bytes: number): number {
  const p = cursor;
  cursor += align(bytes);
  return p;
}

/** Instantiates a compiled jit module over the jit memory; checks that its static data stays below ARENA_BASE. */
export function instantiate(mod: object): Record<string, unknown> {
  const inst = new (webAssembly as unknown as { Instance: new (m: object, i: object) => { exports: Record<string, unknown> } }).Instance(mod, {
    env: { memory: jitMemory() },
  });
  const hb = (inst.exports.heapBase as () => number)();
  if (hb > ARENA_BASE) throw new Error(`wasm jit: a module's static data ends at ${hb}, above the arena base ${ARENA_BASE}`);
  moduleOf.set(inst.exports, mod);
  return inst.exports;
}
const moduleOf = new WeakMap<object, object>();

/**
 * Kernels over at least this many elements (elementwise ones, and reductions that keep their leading dimension) are
 * split across the thread pool (when setThreads(n > 1));
 * TENSORLAW_JIT_THREADS_MIN overrides it (0: split every kernel, to run the test suite that way). Mutable for tests.
 */
export const jitThreading = {
  minElements: Number((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TENSORLAW_JIT_THREADS_MIN ?? 1 << 16),
};

/**
 * The kernel's whole-range call split into ranges run by the thread pool, or null when it cannot be (no `_range` export:
 * a reduction without a kept leading dimension; too small, one thread, or workers that cannot load jit modules).
 */
function threaded(exps: Record<string, unknown>, name: string, size: number): ((ptrs: number[]) => boolean) | null {
  const range = exps[`${name}_range`] as ((...a: number[]) => void) | undefined;
  const mod = moduleOf.get(exps);
  if (!range || !mod) return null;
  const extent = (exps[`${name}_extent`] as () => number)(), align = (exps[`${name}_align`] as () => number)();
  return (ptrs) => {
    const T = getThreads();
    if (T < 2 || size < jitThreading.minElements) return false;
    const id = jitKernelId(mod, `${name}_range`);
    if (id === null) return false;
    const ranges = splitRange(extent, align, T);
    if (ranges.length < 2) return false;
    const blocks: Block[] = ranges.map(([lo, hi]) => ({ fn: id, call: range, esize: 0, args: [...ptrs, lo, hi] }));
    runBlocks(blocks, 0);
    return true;
  };
}

/**
 * A KernelFn calling export `fn` of a jit module for kernel `k`; given the module's exports and the export's name, a
 * large kernel with a `_range` export runs it over parts of its range on the thread pool (setThreads).
 */
export function wasmKernelFn(
  k: Kernel,
  fn: (...ptrs: number[]) => void,
  exps?: Record<string, unknown>,
  name?: string,
  defer: readonly boolean[] = [],
): KernelFn {
  const inBytes = k.inputs.map((a) => a.size * bytesOf(a.dtype));
  const outSize = k.reduce ? k.shape.filter((_, d) => !k.reduce!.axes.includes(d)).reduce((a, b) => a * b, 1) : k.shape.reduce((a, b) => a * b, 1);
  const outBytes = k.outputs.map((o) => outSize * bytesOf(o.dtype));
  const total = [...inBytes, ...outBytes].reduce((a, b) => a + align(b), 0);
  const nIn = inBytes.length;
  const split = exps && name ? threaded(exps, name, k.shape.reduce((a, b) => a * b, 1)) : null;
  // float16 outputs are rounded in place after the call (src/targets/registry.ts): never resident
  const keep = k.outputs.map((o) => o.dtype !== 'float16');
  return (ins: readonly TypedArray[], outs: readonly TypedArray[]) => {
    if (outSize === 0) return;
    reserve(total);
    const buf = jitMemory().buffer;
    const ptrs: number[] = [];
    for (let i = 0; i < nIn; i++) {
      const x = ins[i]!;
      const r = jitResidency.enabled ? resident.get(x) : undefined;
      if (r && r.epoch === epoch && r.bytes >= inBytes[i]!) {
        ptrs.push(r.ptr);
        jitResidency.hits++;
        jitResidency.hitBytes += inBytes[i]!;
        continue;
      }
      const late = pending.get(x); // deferred, but residency was switched off since: copy it out now
      if (late !== undefined) {
        new Uint8Array(x.buffer, x.byteOffset, x.byteLength).set(new Uint8Array(buf, late, x.byteLength));
        pending.delete(x);
      }
      const p = take(inBytes[i]!);
      new Uint8Array(buf, p, inBytes[i]!).set(new Uint8Array(x.buffer, x.byteOffset, inBytes[i]!));
      if (jitResidency.enabled) resident.set(x, { ptr: p, bytes: inBytes[i]!, epoch });
      ptrs.push(p);
      jitResidency.copies++;
      jitResidency.copyBytes += inBytes[i]!;
    }
    for (const b of outBytes) ptrs.push(take(b));
    if (!split?.(ptrs)) fn(...ptrs);
    for (let j = 0; j < outs.length; j++) {
      const y = outs[j]!, ptr = ptrs[nIn + j]!;
      if (keep[j] && defer[j] && jitResidency.enabled) {
        pending.set(y, ptr);
        jitResidency.deferredBytes += outBytes[j]!;
      } else {
        const ctor = y.constructor as new (b: ArrayBuffer, o: number, n: number) => TypedArray;
        (y as Float32Array).set(new ctor(buf, ptr, y.length) as Float32Array);
      }
      if (keep[j]) resident.set(y, { ptr, bytes: outBytes[j]!, epoch });
    }
  };
}

const bytesOf = (d: string): number => (d === 'float64' ? 8 : d === 'bool' ? 1 : 4);
