// The WebAssembly runtime of the wasm target: feature probes, instantiation of the AOT kernels, a scratch arena in
// the module's memory with a residency ring at its bottom, and typed-array views / copies in and out.
//
// API for kernel modules (gemm/conv here, elementwise and others alongside):
//   wasmExports()        the instantiated kernels (instantiates synchronously on first use; browsers: await initWasm()).
//   scratch(bytes)       a 64-byte aligned pointer to `bytes` of scratch memory (may grow memory, see below).
//   resetScratch()       frees every scratch allocation (each kernel call: mark with scratchMark(), release after).
//   scratchMark() / scratchRelease(mark)   nested use: release everything allocated after the mark.
//   f32View / f64View / i32View / u32View / u8View(ptr, n)   typed-array views of memory at ptr (n elements).
//   copyIn(typed) → ptr, copyOut(ptr, n, ctor) → a fresh typed array.
//   residentIn(array's buffer) → a read-only ptr (resident copy), ringTake(bytes) → ring space for a result (or null),
//   remember(result, ptr): residency, below.
// Views are invalidated when memory grows (the ArrayBuffer is replaced): take them after the last scratch() call
// of an operation, or re-take them; never keep one across calls.
//
// The memory is shared (a SharedArrayBuffer, maximum 4 GiB) wherever the engine allows it, so that the thread pool
// (threads.ts) runs the same module in workers over it; a shared memory's buffer is replaced on growth too (the old
// one keeps its old length), so the same view rule holds. Where SharedArrayBuffer is unavailable (a browser page that
// is not cross-origin isolated) the module's memory import is rewritten to unshared and threads stay off.
// The first CONTROL_BYTES of the heap are the pool's control block (controlBlock()), never handed out as scratch.
// jit-compiled modules (src/targets/wasm/jit) import this same memory, their static data at JIT_STATIC_BASE, and keep
// their operands and results in the residency ring too: values flow between both kinds of kernels in place.
import type { TypedArray } from '../../core/dtype.js';
import { kernelsBase64, kernelsRelaxedBase64 } from './kernels.generated.js';
import { onHostReuse, takeHost } from '../../core/hostPool.js';

// The slice of the WebAssembly JS API used here, typed locally (the project's lib settings have no DOM types).
/** A WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** A WebAssembly.Global (the kernels export their tile sizes MR32/NR32/MR64/NR64 as globals). */
export interface WasmGlobal {
  value: number;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
type WasmImports = Record<string, Record<string, unknown>>;
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: WasmImports) => WasmInstance;
  instantiate(bytes: Uint8Array, imports: WasmImports): Promise<{ instance: WasmInstance; module: object }>;
}
/** The engine's WebAssembly namespace, or undefined where there is none. */
export const webAssembly = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The exports of the kernel module (functions take/return i32 pointers and sizes). */
export interface KernelExports {
  readonly heapBase: () => number;
  readonly gemmF32: (...args: number[]) => void;
  readonly gemmF64: (...args: number[]) => void;
  readonly gemmWorkBytes: (esize: number) => number;
  readonly packedABytes: (esize: number, M: number, K: number) => number;
  readonly packedBBytes: (esize: number, K: number, N: number) => number;
  readonly packAFullF32: (dst: number, a: number, M: number, K: number, sm: number, sk: number) => void;
  readonly packAFullF64: (dst: number, a: number, M: number, K: number, sm: number, sk: number) => void;
  readonly packBFullF32: (dst: number, b: number, K: number, N: number, sk: number, sn: number) => void;
  readonly packBFullF64: (dst: number, b: number, K: number, N: number, sk: number, sn: number) => void;
  readonly gemmPackedF32: (M: number, N: number, K: number, ap: number, lda: number, bp: number, c: number, ldc: number, accumulate: number, tile: number) => void;
  readonly gemmPackedF64: (M: number, N: number, K: number, ap: number, lda: number, bp: number, c: number, ldc: number, accumulate: number, tile: number) => void;
  readonly im2colF32: (...args: number[]) => void;
  readonly im2colF64: (...args: number[]) => void;
  readonly scatterColumns: (tmp: number, M: number, nc: number, f0: number, Ysz: number, out: number, outStride: number, esize: number) => void;
  readonly setBlockingF32: (mc: number, kc: number, nc: number) => void;
  readonly setBlockingF64: (mc: number, kc: number, nc: number) => void;
  readonly resetBlocking: () => void;
  readonly getBlocking: (esize: number, which: number) => number;
  readonly MR32: WasmGlobal;
  readonly NR32: WasmGlobal;
  readonly MR64: WasmGlobal;
  readonly NR64: WasmGlobal;
  /** Every other kernel (elementwise, math, …) by name. */
  readonly [name: string]: unknown;
}

// ---- feature probes -------------------------------------------------------------------------------------------

// (module (func (param v128) (result v128) local.get 0 local.get 0 f32x4.add))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01,
  0x00, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0xe4, 0x01, 0x0b,
]);
// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

const validate = (bytes: Uint8Array): boolean => {
  try {
    return webAssembly !== undefined && webAssembly.validate(bytes);
  } catch {
    return false;
  }
};

type NodeProcess = { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown };
const nodeProcess = (globalThis as { process?: NodeProcess }).process;
const envFlag = (name: string): string | undefined => nodeProcess?.env?.[name];

let simdOk: boolean | undefined;
let relaxedOk: boolean | undefined;

/** Whether this engine runs WebAssembly SIMD128 (the wasm target needs it). */
export function hasSimd128(): boolean {
  return (simdOk ??= validate(SIMD_PROBE));
}

/**
 * Whether relaxed SIMD (f32x4.relaxed_madd) is usable. Node 20 ships it behind --experimental-wasm-relaxed-simd:
 * we turn that flag on through v8.setFlagsFromString before the kernels are first compiled (it only adds opcodes).
 * Set TENSORLAW_WASM_RELAXED=0 to keep the SIMD128 kernels.
 */
export function hasRelaxedSimd(): boolean {
  if (relaxedOk !== undefined) return relaxedOk;
  if (envFlag('TENSORLAW_WASM_RELAXED') === '0' || !hasSimd128()) return (relaxedOk = false);
  if (!validate(RELAXED_PROBE)) {
    try {
      const v8 = nodeProcess?.getBuiltinModule?.('v8') as { setFlagsFromString?: (f: string) => void } | undefined;
      v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
    } catch {
      // not Node, or the flag is unknown: stay on SIMD128
    }
  }
  return (relaxedOk = validate(RELAXED_PROBE));
}

// ---- instantiation --------------------------------------------------------------------------------------------

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

/** Bytes reserved after the module's static data for the thread pool's control block. */
export const CONTROL_BYTES = 32768;

let instance: KernelExports | null = null;
let compiled: object | null = null;
let ctrl = 0;
let memory: WasmMemory | null = null;
let variant: 'relaxed' | 'simd128' | null = null;
let base = 0;
let top = 0;
let highWater = 0;

function decodeBase64(s: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(s, 'base64'));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let forced: 'relaxed' | 'simd128' | null = null;

let sharedOk: boolean | undefined;
/** Whether the kernels' memory is shared (SharedArrayBuffer exists and, in browsers, the page is cross-origin isolated). */
export function hasSharedMemory(): boolean {
  if (sharedOk !== undefined) return sharedOk;
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (typeof g.SharedArrayBuffer !== 'function' || g.crossOriginIsolated === false) return (sharedOk = false);
  try {
    new webAssembly!.Memory({ initial: 1, maximum: 1, shared: true });
    return (sharedOk = true);
  } catch {
    return (sharedOk = false);
  }
}

const leb = (b: Uint8Array, p: number): [number, number] => {
  let v = 0, shift = 0, x: number;
  do {
    x = b[p++]!;
    v += (x & 0x7f) * 2 ** shift;
    shift += 7;
  } while (x & 0x80);
  return [v, p];
};

/**
 * The module with its memory import rewritten from shared to unshared (limits flag 0x03 → 0x01, same maximum):
 * walks the import section (id 2) of the binary (WebAssembly core spec §5.5.5, limits §5.3.7).
 */
function unshareMemoryImport(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let p = 8;
  while (p < out.length) {
    const id = out[p]!;
    const [len, body] = leb(out, p + 1);
    if (id === 2) {
      let [count, q] = leb(out, body);
      for (; count > 0; count--) {
        for (let k = 0; k < 2; k++) {
          const [n, r] = leb(out, q);
          q = r + n; // module name, field name
        }
        const kind = out[q++]!;
        if (kind === 0) q = leb(out, q)[1];
        else if (kind === 1 || kind === 2) {
          if (kind === 1) q++; // reftype
          const flags = out[q]!;
          if (kind === 2 && flags === 0x03) out[q] = 0x01;
          q = leb(out, q + 1)[1];
          if (flags & 1) q = leb(out, q)[1];
        } else q += 2; // global: valtype, mutability
      }
      return out;
    }
    p = body + len;
  }
  return out;
}

function kernelBytes(): Uint8Array {
  const relaxed = forced ? forced === 'relaxed' : hasRelaxedSimd();
  variant = relaxed ? 'relaxed' : 'simd128';
  const bytes = decodeBase64(relaxed ? kernelsRelaxedBase64 : kernelsBase64);
  return hasSharedMemory() ? bytes : unshareMemoryImport(bytes);
}

/**
 * Where jit-compiled modules (src/targets/wasm/jit) keep their static data in the kernels' memory: they are built with
 * this memory base, above the kernels' own static data and below the pool's control block, and each must end by
 * JIT_STATIC_END (checked when instantiated). Every jit module writes the same bytes there (the prelude's tables).
 */
export const JIT_STATIC_BASE = 4096;
export const JIT_STATIC_END = 8192;

/**
 * The memory every jit-compiled module imports as env.memory: the kernels' own, so a jit kernel reads what a
 * precompiled one wrote (and the other way round) in place, through the residency ring below.
 */
export function jitMemory(): WasmMemory {
  return wasmMemory();
}

const newMemory = (): WasmMemory =>
  new webAssembly!.Memory({ initial: 256, maximum: MAX_PAGES, ...(hasSharedMemory() ? { shared: true } : {}) });

function imports(mem: WasmMemory): WasmImports {
  return {
    env: {
      memory: mem,
      abort: () => {
        throw new Error('wasm kernel aborted');
      },
    },
  };
}

function adopt(inst: WasmInstance, mem: WasmMemory, mod: object): KernelExports {
  memory = mem;
  compiled = mod;
  instance = inst.exports as unknown as KernelExports;
  if (instance.heapBase() > JIT_STATIC_BASE) throw new Error(`wasm kernels: static data ends at ${instance.heapBase()}, above the jit modules' base ${JIT_STATIC_BASE}`);
  ctrl = JIT_STATIC_END;
  new Uint8Array(mem.buffer, ctrl, CONTROL_BYTES).fill(0);
  base = top = highWater = ctrl + CONTROL_BYTES;
  deferred.clear();
  Object.assign(ring, { lo: base, bytes: 0, cursor: base, epoch: ring.epoch + 1, held: false, pressure: false });
  return instance;
}

function unsupported(): Error {
  return new Error('the wasm target needs WebAssembly with SIMD128 (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+)');
}

/** Instantiates the kernels asynchronously (browsers: call once before using the wasm target on the main thread). */
export async function initWasm(): Promise<void> {
  if (instance) return;
  if (!hasSimd128()) throw unsupported();
  const mem = newMemory();
  const { instance: inst, module: mod } = await webAssembly!.instantiate(kernelBytes(), imports(mem));
  if (!instance) adopt(inst, mem, mod);
}

/** The kernel exports; instantiates synchronously on first use (fine in Node and workers). */
export function wasmExports(): KernelExports {
  if (instance) return instance;
  if (!hasSimd128()) throw unsupported();
  const mem = newMemory();
  let mod: object;
  try {
    mod = new webAssembly!.Module(kernelBytes());
  } catch (e) {
    throw new Error(`the wasm target could not compile its kernels synchronously (${String(e)}); in a browser, await initWasm() first`);
  }
  return adopt(new webAssembly!.Instance(mod, imports(mem)), mem, mod);
}

/**
 * Switches to the given kernel build (tests and benchmarks compare them): the next wasmExports() instantiates it in
 * a fresh memory. Every pointer into the old memory becomes invalid, so call it only between operations.
 */
export function selectWasmVariant(v: 'relaxed' | 'simd128'): void {
  if (v === 'relaxed' && !hasRelaxedSimd()) throw new Error('selectWasmVariant: this engine has no relaxed SIMD');
  if (instance && variant === v) return;
  if (instance) wrapRing(); // deferred results are copied out of the old memory first
  forced = v;
  instance = null;
  memory = null;
  compiled = null;
}

/** Which kernel build is running: 'relaxed' (fused multiply-add micro-kernels) or 'simd128'; null before loading. */
export const wasmVariant = (): 'relaxed' | 'simd128' | null => variant;

/** The module's memory (instantiating the kernels if needed). */
export function wasmMemory(): WasmMemory {
  wasmExports();
  return memory!;
}

/** The compiled kernel module (workers instantiate it over the same memory). */
export function wasmModule(): object {
  wasmExports();
  return compiled!;
}

/** The thread pool's control block: CONTROL_BYTES at this 64-byte aligned address of wasmMemory(), zeroed at load. */
export function controlBlock(): number {
  wasmExports();
  return ctrl;
}

// ---- scratch arena --------------------------------------------------------------------------------------------

/**
 * A 64-byte aligned pointer to `bytes` bytes of scratch memory, valid until resetScratch() or the release of an
 * earlier mark. Grows the memory when needed (which invalidates earlier views; pointers stay valid).
 */
export function scratch(bytes: number): number {
  wasmExports();
  const p = top;
  const end = p + ((Math.max(0, bytes) + 63) & ~63);
  ensureMemory(end, bytes);
  top = end;
  if (top > highWater) highWater = top;
  return p;
}

/** Grows the memory to hold `end` bytes (for a request of `bytes`; named in the error). */
function ensureMemory(end: number, bytes: number): void {
  const have = memory!.buffer.byteLength;
  if (end <= have) return;
  const need = Math.ceil((end - have) / PAGE);
  const cur = have / PAGE;
  const grow = Math.min(MAX_PAGES - cur, Math.max(need, Math.ceil(cur / 2)));
  if (grow < need) throw new RangeError(`wasm scratch: ${bytes} bytes do not fit in 4 GiB of WebAssembly memory`);
  try {
    memory!.grow(grow);
  } catch (e) {
    throw new RangeError(`wasm scratch: cannot grow WebAssembly memory from ${have} to ${have + grow * PAGE} bytes for ${bytes} more (${String(e)})`);
  }
}

/** Frees every scratch allocation. */
export function resetScratch(): void {
  top = base;
  ring.held = false;
}

/** The current scratch position, to release back to with scratchRelease (allocations nest like a stack). */
export const scratchMark = (): number => {
  // load first: before instantiation `top` is 0, and releasing to 0 would hand out the module's static data
  if (!instance) wasmExports();
  return top;
};
/** Frees the scratch allocations made after `mark` (never below the arena's base). */
export function scratchRelease(mark: number): void {
  top = Math.max(mark, base);
  if (top === base) ring.held = false; // no operation is running: the ring may wrap again
}

/** Bytes of memory in use by the scratch arena now, its high-water mark, and the memory size. */
export function scratchStats(): { used: number; highWater: number; memoryBytes: number } {
  return { used: top - base, highWater: highWater - base, memoryBytes: memory ? memory.buffer.byteLength : 0 };
}

// ---- views and copies -----------------------------------------------------------------------------------------

const buf = (): ArrayBuffer => wasmMemory().buffer;
/** A Float32Array view of n elements at ptr (invalidated by memory growth). */
export const f32View = (ptr: number, n: number): Float32Array => new Float32Array(buf(), ptr, n);
/** A Float64Array view of n elements at ptr (ptr 8-byte aligned). */
export const f64View = (ptr: number, n: number): Float64Array => new Float64Array(buf(), ptr, n);
/** An Int32Array view of n elements at ptr. */
export const i32View = (ptr: number, n: number): Int32Array => new Int32Array(buf(), ptr, n);
/** A Uint32Array view of n elements at ptr. */
export const u32View = (ptr: number, n: number): Uint32Array => new Uint32Array(buf(), ptr, n);
/** A Uint8Array view of n bytes at ptr. */
export const u8View = (ptr: number, n: number): Uint8Array => new Uint8Array(buf(), ptr, n);

export type TypedCtor<T extends TypedArray> = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  new (length: number): T;
  BYTES_PER_ELEMENT: number;
};

/** Copies a typed array into fresh scratch memory; returns its pointer. */
export function copyIn(src: TypedArray): number {
  if (deferred.size) materialize(src);
  const p = scratch(src.byteLength);
  new Uint8Array(buf(), p, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  return p;
}

// ---- residency ------------------------------------------------------------------------------------------------
// The bottom of the scratch arena is a ring (it grows, moving the arena's base up, while no operation holds scratch).
// An operand copied into it (residentIn) is remembered by its host array with the ring's epoch, and so is a result
// computed in it and copied out (remember): a later operation reading the same array uses it in place until the ring
// wraps (a new epoch) or the array's pooled buffer is handed out again (src/core/hostPool.ts). Host arrays never
// change while an array holds them, so an eager op applied again to the same array, or a scan body reading the same
// weights every step, copies them in once. A ring pointer handed to the running operation is never written over: while
// one is held the ring does not wrap (the operand goes to plain scratch instead).
const ring = { lo: 0, bytes: 0, cursor: 0, epoch: 1, held: false, pressure: false };
const residentAt = new WeakMap<TypedArray, { ptr: number; bytes: number; epoch: number }>();
onHostReuse((a) => residentAt.delete(a));

/**
 * Residency of the AOT kernels' memory: the switch (TENSORLAW_WASM_RESIDENCY=0 starts with it off), the ring's
 * largest size (it grows to four times the largest operand, up to this), and counters of operands used in place or copied.
 */
export const wasmResidency = {
  enabled: (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TENSORLAW_WASM_RESIDENCY !== '0',
  maxBytes: 256 << 20,
  /** The largest the ring grows to keep deferred results alive across wraps (ringReserve). */
  pressureMaxBytes: 128 << 20,
  hits: 0,
  copies: 0,
  hitBytes: 0,
  /** Derived forms (packed weights) reused: residentDerived. */
  derivedHits: 0,
  /** Bytes of deferred results copied out to their host arrays (at wraps, or when read by other code). */
  flushedBytes: 0,
  /** Bytes of products' and convolutions' results deferred (withResultDeferred). */
  deferredBytes: 0,
  /** Slices read in place from their whole's resident copy (residentView). */
  views: 0,
  /** Times the ring wrapped, and its size now. */
  wraps: 0,
  ringBytes: 0,
};

// Deferred results: an array whose values were computed in the ring and not copied out to its host array yet, because
// every reader reads it through the ring (src/compiler/run.ts decides: jit kernels, and the precompiled products and
// convolutions). It is copied out when the ring wraps (before its space is written over), when something else needs
// its host values (materialize), or never, when it is freed first (forgetDeferred).
const deferred = new Map<TypedArray, number>();
onHostReuse((a) => deferred.delete(a));

/** Forgets every resident operand (what a wrap does), copying deferred results out first; returns their bytes. */
function wrapRing(): number {
  let flushed = 0;
  for (const y of deferred.keys()) {
    materialize(y);
    flushed += y.byteLength;
  }
  wasmResidency.wraps++;
  ring.epoch++;
  ring.cursor = ring.lo;
  return flushed;
}

/**
 * Leaves host array `y` (equal to its bytes at ring pointer `ptr` from now on) without its values until they are
 * needed: see `deferred` above. False (nothing done) when `ptr` is not in the ring: the caller copies out.
 */
export function deferResult(y: TypedArray, ptr: number): boolean {
  if (!inRing(ptr)) return false;
  deferred.set(y, ptr);
  residentAt.set(y, { ptr, bytes: y.byteLength, epoch: ring.epoch });
  return true;
}
/** Copies a deferred result out to its host array (nothing for any other array). */
export function materialize(y: TypedArray): void {
  const ptr = deferred.get(y);
  if (ptr === undefined) return;
  new Uint8Array(y.buffer, y.byteOffset, y.byteLength).set(new Uint8Array(memory!.buffer, ptr, y.byteLength));
  wasmResidency.flushedBytes += y.byteLength;
  deferred.delete(y);
}
/** Drops a deferred result whose array is being freed (it will never be read). */
export function forgetDeferred(y: TypedArray): void {
  deferred.delete(y);
}

const inRing = (ptr: number): boolean => ptr >= ring.lo && ptr < ring.lo + ring.bytes;

/**
 * Makes `bytes` contiguous of ring space available to the takes that follow (a jit kernel's operands and results):
 * grows the ring while no operation holds scratch (to four times `bytes`, or twice its size, up to pressureMaxBytes,
 * when wraps copy out many deferred results), else wraps it if no ring pointer is held. The takes may still fall back to scratch.
 */
export function ringReserve(bytes: number): void {
  wasmExports();
  if (!wasmResidency.enabled || bytes === 0 || ring.cursor + bytes <= ring.lo + ring.bytes) return;
  // (growth for the deferred results stops at pressureMaxBytes; for one call's operands at maxBytes)
  const cap = ring.bytes < 4 * bytes ? wasmResidency.maxBytes : Math.min(wasmResidency.maxBytes, wasmResidency.pressureMaxBytes);
  if (top === base && ring.bytes < cap && (ring.bytes < 4 * bytes || ring.pressure)) {
    growRing(Math.min(cap, Math.max(4 * bytes, 2 * ring.bytes, 4 << 20)));
    ring.pressure = false;
    if (ring.cursor + bytes <= ring.lo + ring.bytes) return;
  }
  // a wrap that copies out more than an eighth of the ring in deferred results asks for a larger ring
  if (!ring.held && bytes <= ring.bytes && wrapRing() > ring.bytes / 8) ring.pressure = true;
}

/** Grows the ring to `grown` bytes, moving the scratch arena's base up (only while the arena is empty). */
function growRing(grown: number): void {
  ensureMemory(ring.lo + grown, grown);
  ring.bytes = wasmResidency.ringBytes = grown;
  base = top = ring.lo + grown;
  if (top > highWater) highWater = top;
}

/**
 * The ring pointer of host array `x`'s current resident copy (at least `bytes` bytes), or null: what residentIn hits,
 * without copying on a miss.
 */
export function residentPtr(x: TypedArray, bytes: number): number | null {
  const r = residentAt.get(x);
  if (!r || r.epoch !== ring.epoch || r.bytes < bytes) return null;
  ring.held = true;
  return r.ptr;
}

/** Forgets every resident operand and, while no operation is running, gives the ring's space back to scratch. */
export function resetResidency(): void {
  wrapRing();
  if (instance && top === base) {
    base = top = ring.lo;
    ring.bytes = wasmResidency.ringBytes = 0;
  }
}

/** `bytes` of ring space for the running operation, or null (residency off, too large, or no room without a wrap). */
export function ringTake(bytes: number): number | null {
  wasmExports();
  const need = (bytes + 63) & ~63;
  if (!wasmResidency.enabled || need === 0 || 2 * need > wasmResidency.maxBytes) return null;
  if (ring.cursor + need > ring.lo + ring.bytes && top === base && ring.bytes < 4 * need) {
    // grow (only while the scratch arena is empty: it starts where the ring ends)
    growRing(Math.min(wasmResidency.maxBytes, Math.max(4 * need, 2 * ring.bytes, 4 << 20)));
  }
  if (ring.cursor + need > ring.lo + ring.bytes) {
    if (ring.held || need > ring.bytes) return null;
    wrapRing();
  }
  const p = ring.cursor;
  ring.cursor += need;
  ring.held = true;
  return p;
}

const derivedAt = new WeakMap<TypedArray, { key: string; ptr: number; epoch: number }>();
onHostReuse((a) => derivedAt.delete(a));
/**
 * A ring pointer to a form of host array `src` made by `fill(ptr)` (`bytes` bytes; `key` names the form, e.g. a
 * packing layout): made once per ring epoch and reused while `src` is unchanged, so a scan body's product that reads
 * the same weights every step packs them once. Null when residency is off or the ring has no room without a wrap (the
 * caller makes the form in scratch).
 */
export function residentDerived(src: TypedArray, key: string, bytes: number, fill: (ptr: number) => void): number | null {
  const r = wasmResidency.enabled ? derivedAt.get(src) : undefined;
  if (r && r.epoch === ring.epoch && r.key === key) {
    ring.held = true;
    wasmResidency.derivedHits++;
    return r.ptr;
  }
  const p = ringTake(bytes);
  if (p === null) return null;
  fill(p);
  derivedAt.set(src, { key, ptr: p, epoch: ring.epoch });
  return p;
}

/**
 * Makes host array `view`, a subarray of host array `whole` (neither changes while the view is read), resident at its
 * place in `whole`'s resident copy when `whole` has one: a scan's xs computed in the ring (a product's result, say) is
 * read in place step by step (a slice that does not start on a 16-byte boundary is left alone). Otherwise the slice
 * is copied in by its reader, as any host array. (Copying `whole` in here would be copied again after every wrap.)
 */
export function residentView(whole: TypedArray, view: TypedArray): void {
  if (!wasmResidency.enabled || view.buffer !== whole.buffer || view.byteLength === 0) return;
  const off = view.byteOffset - whole.byteOffset;
  if (off < 0 || off + view.byteLength > whole.byteLength) return;
  const r = residentAt.get(whole);
  if (r && r.epoch === ring.epoch && r.bytes >= whole.byteLength && (r.ptr + off) % 16 === 0) {
    wasmResidency.views++;
    residentAt.set(view, { ptr: r.ptr + off, bytes: view.byteLength, epoch: ring.epoch });
  }
}

/** Records that host array `a` (which never changes) now equals its `bytes` bytes at ring pointer `ptr`. */
export function remember(a: TypedArray, ptr: number): void {
  if (inRing(ptr)) residentAt.set(a, { ptr, bytes: a.byteLength, epoch: ring.epoch });
}

/**
 * A pointer to the contents of `src`, an array's own (immutable) buffer, for reading only: its resident copy when it
 * has one, else a copy made in the ring (remembered) or, failing that, in scratch.
 */
export function residentIn(src: TypedArray): number {
  const r = wasmResidency.enabled ? residentAt.get(src) : undefined;
  if (r && r.epoch === ring.epoch && r.bytes >= src.byteLength) {
    ring.held = true;
    wasmResidency.hits++;
    wasmResidency.hitBytes += src.byteLength;
    return r.ptr;
  }
  wasmResidency.copies++;
  materialize(src); // (deferred, but residency was switched off since)
  const p = ringTake(src.byteLength);
  if (p === null) return copyIn(src);
  new Uint8Array(buf(), p, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  remember(src, p);
  return p;
}

let deferring = false;
/**
 * Runs `f` (one precompiled product or convolution, src/compiler/run.ts) with its result deferred (left in the ring,
 * not copied out: deferResult) when it is computed in the ring: every reader of that result reads it through the ring.
 */
export function withResultDeferred<R>(f: () => R): R {
  const was = deferring;
  deferring = true;
  try {
    return f();
  } finally {
    deferring = was;
  }
}

/**
 * The host array of an operation's result of n elements at ptr: a copy out, remembered as resident when ptr is in the
 * ring, or, inside withResultDeferred, a deferred result (no copy yet).
 */
export function takeResult<T extends TypedArray>(ptr: number, n: number, ctor: TypedCtor<T>): T {
  if (deferring && inRing(ptr)) {
    const out = takeHost(ctor, n);
    deferResult(out, ptr);
    wasmResidency.deferredBytes += out.byteLength;
    return out;
  }
  const out = copyOut(ptr, n, ctor);
  remember(out, ptr);
  return out;
}

/** A fresh typed array (owning its buffer) with the n elements at ptr. */
export function copyOut<T extends TypedArray>(ptr: number, n: number, ctor: TypedCtor<T>): T {
  const out = takeHost(ctor, n);
  // (allocate + set is ~3x faster in V8 than slice() of a view of WebAssembly memory)
  (out as Float32Array).set(new ctor(buf(), ptr, n) as unknown as Float32Array);
  return out;
}
