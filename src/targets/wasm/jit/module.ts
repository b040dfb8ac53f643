// Runs jit-compiled kernels over the precompiled kernels' memory (their static data at JIT_STATIC_BASE): KernelFn
// wrappers that take ring space for operands and results, call the kernel and copy results out (the signature of the
// JS-rendered kernels), reading in place any operand already resident in the ring and leaving results that only ring
// readers read there (residency, below).
import type { TypedArray } from '../../../core/dtype.js';
import type { Kernel } from '../../../compiler/kernel.js';
import type { KernelFn } from '../../ref/fused.js';
import {
  JIT_STATIC_BASE, JIT_STATIC_END, type WasmMemory, deferResult, forgetDeferred, jitMemory, materialize, remember, resetResidency, residentPtr,
  ringReserve, ringTake, scratch, scratchMark, scratchRelease, webAssembly,
} from '../runtime.js';
import { type Block, getThreads, jitKernelId, runBlocks, splitRange } from '../threads.js';

export { JIT_STATIC_BASE, JIT_STATIC_END, jitMemory };

const align = (n: number): number => (n + 63) & ~63;

// Residency. Operands and results live in the kernels' residency ring (runtime.ts), shared with the precompiled
// kernels: a call reserves room for what it copies in and writes, reads an operand in place when its host array is
// resident there (an earlier kernel's result, a precompiled product's result, an input copied in before, until the
// ring wraps), and remembers its results there. A result that only ring readers read (src/compiler/run.ts) is not
// copied out at all until needed (deferResult). Host arrays do not change while an array holds them; a pooled buffer
// handed out again (src/core/hostPool.ts) is forgotten first.
/**
 * Residency switch of jit kernels (tests compare with it off; TENSORLAW_JIT_RESIDENCY=0 starts with it off) and
 * counters of operands (and bytes) used in place / copied in, and of results left deferred.
 */
export const jitResidency = {
  enabled: (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TENSORLAW_JIT_RESIDENCY !== '0',
  hits: 0,
  copies: 0,
  hitBytes: 0,
  copyBytes: 0,
  /** Bytes of outputs left in the ring (deferred) instead of copied out. */
  deferredBytes: 0,
};

/** Forgets every resident operand, as a wrap of the ring does (deferred results are copied out first; tests call it). */
export const resetJitArena = (): void => resetResidency();

export { forgetDeferred };

/** Instantiates a compiled jit module over the kernels' memory; checks that its static data ends by JIT_STATIC_END. */
export function instantiate(mod: object): Record<string, unknown> {
  const inst = new (webAssembly as unknown as { Instance: new (m: object, i: object) => { exports: Record<string, unknown> } }).Instance(mod, {
    env: { memory: jitMemory() },
  });
  const hb = (inst.exports.heapBase as () => number)();
  if (hb > JIT_STATIC_END) throw new Error(`wasm jit: a module's static data ends at ${hb}, above ${JIT_STATIC_END}`);
  moduleOf.set(inst.exports, mod);
  memoryOf.set(inst.exports, jitMemory());
  return inst.exports;
}
const moduleOf = new WeakMap<object, object>();
const memoryOf = new WeakMap<object, WasmMemory>();

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
 * large kernel with a `_range` export runs it over parts of its range on the thread pool (setThreads). Outputs flagged
 * in `defer` are left in the ring (deferResult) when residency is on.
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
  let split = exps && name ? threaded(exps, name, k.shape.reduce((a, b) => a * b, 1)) : null;
  // the module was instantiated over a memory that selectWasmVariant has replaced since: instantiate it again
  let bound = exps ? memoryOf.get(exps) : undefined;
  const rebind = (): void => {
    const mod = moduleOf.get(exps!)!;
    exps = instantiate(mod);
    fn = exps[name!] as (...ptrs: number[]) => void;
    split = threaded(exps, name!, k.shape.reduce((a, b) => a * b, 1));
    bound = memoryOf.get(exps);
  };
  // float16 outputs are rounded in place after the call (src/targets/registry.ts): never resident
  const keep = k.outputs.map((o) => o.dtype !== 'float16');
  return (ins: readonly TypedArray[], outs: readonly TypedArray[]) => {
    if (outSize === 0) return;
    if (bound && bound !== jitMemory()) rebind();
    const mark = scratchMark();
    try {
      ringReserve(total);
      const on = jitResidency.enabled;
      const ptrs: number[] = [];
      const misses: number[] = []; // the inputs copied in
      for (let i = 0; i < nIn; i++) {
        const x = ins[i]!;
        const r = on ? residentPtr(x, inBytes[i]!) : null;
        if (r !== null) {
          ptrs.push(r);
          jitResidency.hits++;
          jitResidency.hitBytes += inBytes[i]!;
          continue;
        }
        materialize(x); // deferred, but residency was switched off since
        ptrs.push((on ? ringTake(inBytes[i]!) : null) ?? scratch(inBytes[i]!));
        misses.push(i);
      }
      for (const b of outBytes) ptrs.push((on ? ringTake(b) : null) ?? scratch(b));
      // (one buffer for every copy: the allocations above may have grown the memory)
      const buf = jitMemory().buffer;
      for (const i of misses) {
        const x = ins[i]!, n = inBytes[i]! / x.BYTES_PER_ELEMENT;
        new (x.constructor as TypedCtor)(buf, ptrs[i]!, n).set(x.length === n ? x : x.subarray(0, n));
        if (on) remember(x, ptrs[i]!);
        jitResidency.copies++;
        jitResidency.copyBytes += inBytes[i]!;
      }
      if (!split?.(ptrs)) fn(...ptrs);
      const after = jitMemory().buffer; // (the pool's work space may have grown the memory)
      for (let j = 0; j < outs.length; j++) {
        const y = outs[j]!, ptr = ptrs[nIn + j]!;
        if (keep[j] && defer[j] && on && deferResult(y, ptr)) {
          jitResidency.deferredBytes += outBytes[j]!;
          continue;
        }
        y.set(new (y.constructor as TypedCtor)(after, ptr, outBytes[j]! / y.BYTES_PER_ELEMENT) as never);
        if (keep[j] && on) remember(y, ptr);
      }
    } finally {
      scratchRelease(mark);
    }
  };
}

type TypedCtor = new (b: ArrayBufferLike, o: number, n: number) => TypedArray;
const bytesOf = (d: string): number => (d === 'float64' ? 8 : d === 'bool' ? 1 : 4);
