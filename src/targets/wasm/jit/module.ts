// Runs jit-compiled kernels: one WebAssembly.Memory for every jit module (unshared, separate from the AOT kernels'
// memory so a generated module's static data can never overlap theirs), an arena from ARENA_BASE up, and KernelFn
// wrappers that copy operands in, call the kernel and copy results out (the signature of the JS-rendered kernels).
import type { TypedArray } from '../../../core/dtype.js';
import type { Kernel } from '../../../compiler/kernel.js';
import type { KernelFn } from '../../ref/fused.js';
import { webAssembly, type WasmMemory } from '../runtime.js';

/** Static data of generated modules (the prelude's 2/π table) lives below this address; operands above it. */
export const ARENA_BASE = 65536;
const PAGE = 65536;

let memory: WasmMemory | null = null;
/** The memory every jit module imports as env.memory. */
export function jitMemory(): WasmMemory {
  return (memory ??= new webAssembly!.Memory({ initial: 16, maximum: 65536 }));
}

function ensure(bytes: number): void {
  const mem = jitMemory();
  const have = mem.buffer.byteLength;
  if (bytes <= have) return;
  const need = Math.ceil((bytes - have) / PAGE);
  mem.grow(Math.max(need, Math.min(Math.ceil(have / PAGE / 2), 65536 - have / PAGE)));
}

const align = (n: number): number => (n + 63) & ~63;

/** Instantiates a compiled jit module over the jit memory; checks that its static data stays below ARENA_BASE. */
export function instantiate(mod: object): Record<string, unknown> {
  const inst = new (webAssembly as unknown as { Instance: new (m: object, i: object) => { exports: Record<string, unknown> } }).Instance(mod, {
    env: { memory: jitMemory() },
  });
  const hb = (inst.exports.heapBase as () => number)();
  if (hb > ARENA_BASE) throw new Error(`wasm jit: a module's static data ends at ${hb}, above the arena base ${ARENA_BASE}`);
  return inst.exports;
}

/** A KernelFn calling export `fn` of a jit module for kernel `k`. */
export function wasmKernelFn(k: Kernel, fn: (...ptrs: number[]) => void): KernelFn {
  const inBytes = k.inputs.map((a) => a.size * bytesOf(a.dtype));
  const outSize = k.reduce ? k.shape.filter((_, d) => !k.reduce!.axes.includes(d)).reduce((a, b) => a * b, 1) : k.shape.reduce((a, b) => a * b, 1);
  const outBytes = k.outputs.map((o) => outSize * bytesOf(o.dtype));
  const ptrs: number[] = [];
  let p = ARENA_BASE;
  for (const b of [...inBytes, ...outBytes]) {
    ptrs.push(p);
    p += align(b);
  }
  const end = p;
  const nIn = inBytes.length;
  return (ins: readonly TypedArray[], outs: readonly TypedArray[]) => {
    if (outSize === 0) return;
    ensure(end);
    const buf = jitMemory().buffer;
    for (let i = 0; i < nIn; i++) {
      const x = ins[i]!;
      new Uint8Array(buf, ptrs[i]!, inBytes[i]!).set(new Uint8Array(x.buffer, x.byteOffset, inBytes[i]!));
    }
    fn(...ptrs);
    for (let j = 0; j < outs.length; j++) {
      const y = outs[j]!;
      const ctor = y.constructor as new (b: ArrayBuffer, o: number, n: number) => TypedArray;
      (y as Float32Array).set(new ctor(buf, ptrs[nIn + j]!, y.length) as Float32Array);
    }
  };
}

const bytesOf = (d: string): number => (d === 'float64' ? 8 : d === 'bool' ? 1 : 4);
