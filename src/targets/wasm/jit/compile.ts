// Compiles generated AssemblyScript to WebAssembly modules: asc in a worker thread (Node; on the calling thread's event
// loop elsewhere), a memory cache keyed by a hash of the source, and in Node a disk cache (TENSORLAW_CACHE_DIR) of
// content-hash file names written atomically (temporary file + rename) and validated on read (header, SHA-256 of the
// bytes, WebAssembly.validate), so a second process starts warm and a torn or corrupted entry is recompiled.
import { JIT_STATIC_BASE, hasRelaxedSimd, hasSharedMemory, webAssembly } from '../runtime.js';

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
type Crypto = typeof import('node:crypto');
type Os = typeof import('node:os');
type WorkerThreads = typeof import('node:worker_threads');
type Url = typeof import('node:url');

type NodeProcess = { env?: Record<string, string | undefined>; pid?: number; cwd?: () => string; getBuiltinModule?: (id: string) => unknown };
const proc = (globalThis as { process?: NodeProcess }).process;
const builtin = <T>(id: string): T | undefined => {
  try {
    return proc?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
};
const fs = builtin<Fs>('node:fs');
const path = builtin<Path>('node:path');
const crypto = builtin<Crypto>('node:crypto');
const os = builtin<Os>('node:os');
const url = builtin<Url>('node:url');

/** The asc options of jit modules (part of the cache key). */
export interface AscOptions {
  readonly optimizeLevel: number;
  readonly shrinkLevel: number;
  readonly importMemory: boolean;
  readonly exportMemory?: boolean;
  readonly initialMemory?: number;
  readonly memoryBase?: number;
  /** Import the memory as shared (maximum 65536 pages), so that the thread pool's workers can run the kernels too. */
  readonly sharedMemory?: boolean;
  /** Build with relaxed SIMD where this engine has it (the math prelude's polynomials then use fused multiply-add). */
  readonly relaxedSimd?: boolean;
}
export const jitAscOptions: AscOptions = {
  optimizeLevel: 3, shrinkLevel: 0, importMemory: true, initialMemory: 1, memoryBase: JIT_STATIC_BASE, ...(hasSharedMemory() ? { sharedMemory: true } : {}), relaxedSimd: true,
};

/** Counters of the compilation caches (tests read them). */
export const jitStats = { compiles: 0, memoryHits: 0, diskHits: 0, diskWrites: 0, diskCorrupt: 0, failures: 0, lastError: '' };

const MAGIC = 'TLJIT001';
const ASC_VERSION = '0.28';

// ---- hashing -----------------------------------------------------------------------------------------------------

/** SHA-256 hex (Node) or a 2×32-bit FNV-1a (elsewhere, memory cache only). */
export function hashText(s: string): string {
  if (crypto) return crypto.createHash('sha256').update(s).digest('hex');
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ c, 2246822519) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

// ---- the math prelude ---------------------------------------------------------------------------------------------

let preludeText: string | null | undefined;
/** The source of wasm/math.ts (the vectorized math prelude), found next to the package; null where unreadable. */
export function mathPrelude(): string | null {
  if (preludeText !== undefined) return preludeText;
  preludeText = null;
  if (!fs || !path || !url) return null;
  const here = path.dirname(url.fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, '..', '..', '..', '..', 'wasm', 'math.ts'), // src/targets/wasm/jit → repo root
    path.join(here, '..', 'wasm', 'math.ts'), // dist/ → package root
    ...(proc?.cwd ? [path.join(proc.cwd(), 'wasm', 'math.ts')] : []),
  ];
  for (const c of candidates) {
    try {
      preludeText = fs.readFileSync(c, 'utf8');
      break;
    } catch {
      // next
    }
  }
  return preludeText;
}

// ---- asc ------------------------------------------------------------------------------------------------------------

/** The file URL of assemblyscript's asc entry (found by walking up to a node_modules that has it). */
function ascUrl(): string | null {
  if (!fs || !path || !url) return null;
  let dir = path.dirname(url.fileURLToPath(import.meta.url));
  for (;;) {
    const p = path.join(dir, 'node_modules', 'assemblyscript', 'dist', 'asc.js');
    if (fs.existsSync(p)) return url.pathToFileURL(p).href;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (proc?.cwd) {
    const p = path.join(proc.cwd(), 'node_modules', 'assemblyscript', 'dist', 'asc.js');
    if (fs.existsSync(p)) return url.pathToFileURL(p).href;
  }
  return null;
}

/** The asc options of a build (the relaxed-SIMD feature resolved against this engine). */
export const ascOptionsFor = (o: AscOptions) => ({
  optimizeLevel: o.optimizeLevel,
  shrinkLevel: o.shrinkLevel,
  noAssert: true,
  runtime: 'stub',
  importMemory: o.importMemory,
  ...(o.exportMemory === false ? { noExportMemory: true } : {}),
  initialMemory: o.initialMemory ?? 1,
  ...(o.memoryBase !== undefined ? { memoryBase: o.memoryBase } : {}),
  ...(o.sharedMemory ? { sharedMemory: true, maximumMemory: 65536 } : {}),
  enable: ['simd', ...(o.relaxedSimd && hasRelaxedSimd() ? ['relaxed-simd'] : []), ...(o.sharedMemory ? ['threads'] : [])],
  use: ['abort='],
});

// The worker: compiles { id, files, options } messages with compileString, answers { id, binary } or { id, error } on
// the port it was given (workerData.port), which the main thread can also read synchronously (pollJit).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');\nprocess.stderr.write = () => true;
const ascP = import(workerData.ascUrl);
const out = workerData.port;
parentPort.on('message', async (m) => {
  try {
    const asc = await ascP;
    const r = await asc.compileString(m.files, m.options);
    if (r.error || !r.binary) out.postMessage({ id: m.id, error: String(r.error && r.error.message) + '\\n' + r.stderr.toString().split('\\n').filter((l) => /ERROR/.test(l)).slice(0, 8).join('\\n') });
    else out.postMessage({ id: m.id, binary: r.binary }, [r.binary.buffer]);
  } catch (e) {
    out.postMessage({ id: m.id, error: String(e && e.stack || e) });
  }
});
`;

type Pending = { resolve: (b: Uint8Array) => void; reject: (e: Error) => void; onBytes?: (b: Uint8Array) => void };
type Port = { on(ev: 'message', f: (m: unknown) => void): void; unref(): void; close(): void };
let worker: InstanceType<WorkerThreads['Worker']> | null = null;
let replies: Port | null = null;
let receive: ((port: Port) => { message: unknown } | undefined) | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;
let busy = 0;

function getWorker(): InstanceType<WorkerThreads['Worker']> | null {
  if (worker) return worker;
  const wt = builtin<WorkerThreads>('node:worker_threads');
  const au = ascUrl();
  if (!wt || !au) return null;
  const { port1, port2 } = new wt.MessageChannel();
  const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { ascUrl: au, port: port1 }, transferList: [port1] });
  const reply = (m: { id: number; binary?: Uint8Array; error?: string }): void => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (--busy === 0) w.unref();
    if (m.binary) {
      const b = new Uint8Array(m.binary);
      try {
        p.onBytes?.(b);
      } catch {
        // the promise below reports the failure
      }
      p.resolve(b);
    } else p.reject(new Error(`wasm jit: asc failed: ${m.error}`));
  };
  replies?.close();
  replies = port2 as unknown as Port;
  replies.on('message', reply as (m: unknown) => void);
  replies.unref();
  receive = wt.receiveMessageOnPort as unknown as typeof receive;
  replyOf = reply;
  // asc may crash (it then exits its thread): every pending compile fails, the next one starts a new worker
  const fail = (e: Error): void => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    busy = 0;
    if (worker === w) worker = null;
  };
  w.on('error', fail);
  w.on('exit', (code: number) => fail(new Error(`wasm jit: the asc worker exited (code ${code})`)));
  w.unref();
  return (worker = w);
}

let replyOf: ((m: { id: number; binary?: Uint8Array; error?: string }) => void) | null = null;

/**
 * Takes the compile worker's finished results now, without waiting for the event loop: a synchronous training loop
 * calls this (through its jitted function's JavaScript plan) at every step, so a module compiled in the background is
 * swapped in while the loop runs (the `onBytes` callbacks below run here). Nothing where there is no worker.
 */
export function pollJit(): void {
  if (!replies || !receive || !replyOf || busy === 0) return;
  for (let r = receive(replies); r; r = receive(replies)) replyOf(r.message as { id: number });
}

/**
 * Compiles AS sources (file name → text, entry 'input.ts') to wasm bytes: in the worker, or here where there is none.
 * `onBytes` gets the bytes as soon as they arrive, synchronously (also from pollJit), before the promise resolves.
 */
export async function ascCompile(files: Record<string, string>, options: AscOptions, onBytes?: (b: Uint8Array) => void): Promise<Uint8Array> {
  jitStats.compiles++;
  const w = getWorker();
  const opts = ascOptionsFor(options);
  if (w) {
    const id = nextId++;
    if (busy++ === 0) w.ref();
    return new Promise<Uint8Array>((resolve, reject) => {
      pending.set(id, { resolve, reject, ...(onBytes ? { onBytes } : {}) });
      w.postMessage({ id, files, options: opts });
    });
  }
  const spec = 'assemblyscript/asc'; // not a literal: bundlers must not inline the compiler
  const asc = (await import(/* @vite-ignore */ spec)) as unknown as {
    compileString(f: Record<string, string>, o: unknown): Promise<{ binary: Uint8Array | null; error: Error | null; stderr: { toString(): string } }>;
  };
  const r = await asc.compileString(files, opts);
  if (r.error || !r.binary) throw new Error(`wasm jit: asc failed: ${String(r.error?.message)}\n${r.stderr.toString()}`);
  return r.binary;
}

/** Stops the compile worker (tests; the worker is unref'd, so it never keeps a process alive anyway). */
export async function stopJitWorker(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}

// ---- caches ---------------------------------------------------------------------------------------------------------

type WasmModule = object;
const memoryCache = new Map<string, WasmModule>();
const inflight = new Map<string, { promise: Promise<WasmModule>; listeners: ((m: WasmModule) => void)[] }>();

let cacheDirMemo: string | null | undefined;
/** The disk cache directory: TENSORLAW_CACHE_DIR, else node_modules/.cache/tensorlaw (when ./node_modules exists), else a temp dir; null when off. */
export function cacheDir(): string | null {
  const env = proc?.env?.TENSORLAW_CACHE_DIR;
  if (env === '0' || env === 'off') return null;
  if (env) return env;
  if (cacheDirMemo !== undefined) return cacheDirMemo;
  cacheDirMemo = null;
  if (!fs || !path || !os) return null;
  const nm = proc?.cwd ? path.join(proc.cwd(), 'node_modules') : null;
  cacheDirMemo = nm && fs.existsSync(nm) ? path.join(nm, '.cache', 'tensorlaw') : path.join(os.tmpdir(), 'tensorlaw-cache');
  return cacheDirMemo;
}

/** The cache key of a module: its sources, the asc options and the compiler version. */
export function moduleKey(files: Record<string, string>, options: AscOptions): string {
  const parts = Object.keys(files).sort().map((k) => `${k}\0${files[k]}`);
  return hashText(`asc ${ASC_VERSION}\0${JSON.stringify(ascOptionsFor(options))}\0${parts.join('\0')}`);
}

const sha = (b: Uint8Array): Uint8Array => new Uint8Array(crypto!.createHash('sha256').update(b).digest());

/** Reads a disk entry: the wasm bytes, or null when absent; a corrupt entry is counted, removed and reported as null. */
export function readDiskEntry(key: string): Uint8Array | null {
  const dir = cacheDir();
  if (!dir || !fs || !path || !crypto) return null;
  const file = path.join(dir, `${key}.wasm`);
  let buf: Uint8Array;
  try {
    buf = new Uint8Array(fs.readFileSync(file));
  } catch {
    return null;
  }
  const magic = new TextDecoder().decode(buf.subarray(0, 8));
  const bytes = buf.subarray(40);
  const digest = buf.subarray(8, 40);
  const ok = magic === MAGIC && buf.length > 48 && sha(bytes).every((x, i) => x === digest[i]) && !!webAssembly?.validate(bytes);
  if (!ok) {
    jitStats.diskCorrupt++;
    try {
      fs.unlinkSync(file);
    } catch {
      // another process removed or replaced it
    }
    return null;
  }
  return bytes.slice();
}

/** Writes a disk entry atomically: a unique temporary file in the same directory renamed over the final name. */
export function writeDiskEntry(key: string, bytes: Uint8Array): void {
  const dir = cacheDir();
  if (!dir || !fs || !path || !crypto) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
    const head = new Uint8Array(40);
    head.set(new TextEncoder().encode(MAGIC), 0);
    head.set(sha(bytes), 8);
    const tmp = path.join(dir, `${key}.${proc?.pid ?? 0}.${crypto.randomBytes(6).toString('hex')}.tmp`);
    fs.writeFileSync(tmp, Buffer.concat([head, bytes]));
    fs.renameSync(tmp, path.join(dir, `${key}.wasm`));
    jitStats.diskWrites++;
  } catch {
    // a read-only or full disk: the memory cache still works
  }
}

/** The module for `key` from the memory or the disk cache, synchronously; null on a miss. */
export function cachedModule(key: string): WasmModule | null {
  const m = memoryCache.get(key);
  if (m) {
    jitStats.memoryHits++;
    return m;
  }
  const bytes = readDiskEntry(key);
  if (!bytes) return null;
  try {
    const mod = new webAssembly!.Module(bytes);
    jitStats.diskHits++;
    memoryCache.set(key, mod);
    return mod;
  } catch {
    jitStats.diskCorrupt++;
    return null;
  }
}

/**
 * The module of the given sources: cached, or compiled (once, however many callers ask while it compiles).
 * `onModule` is called once with the module, synchronously, as soon as it exists: when the compile worker's reply is
 * taken, by the event loop or by pollJit in the middle of a synchronous loop (not on a cache hit: the caller has it).
 */
export function compileModule(files: Record<string, string>, options: AscOptions = jitAscOptions, onModule?: (m: WasmModule) => void): Promise<WasmModule> {
  const key = moduleKey(files, options);
  const hit = cachedModule(key);
  if (hit) return Promise.resolve(hit);
  const running = inflight.get(key);
  if (running) {
    if (onModule) running.listeners.push(onModule);
    return running.promise;
  }
  const listeners = onModule ? [onModule] : [];
  let done: WasmModule | null = null;
  const finish = (bytes: Uint8Array): WasmModule => {
    if (done) return done;
    const mod = new webAssembly!.Module(bytes);
    done = mod;
    memoryCache.set(key, mod);
    writeDiskEntry(key, bytes);
    for (const l of listeners.splice(0)) l(mod);
    return mod;
  };
  const promise = ascCompile(files, options, (b) => void finish(b))
    .then(finish)
    .finally(() => inflight.delete(key));
  inflight.set(key, { promise, listeners });
  return promise;
}

/** Compiles sources to raw wasm bytes (AOT export): through the disk cache too. */
export async function compileBytes(files: Record<string, string>, options: AscOptions): Promise<Uint8Array> {
  const key = moduleKey(files, options);
  const hit = readDiskEntry(key);
  if (hit) {
    jitStats.diskHits++;
    return hit;
  }
  const bytes = await ascCompile(files, options);
  writeDiskEntry(key, bytes);
  return bytes;
}

/**
 * Resolves when every wasm jit compilation started so far has finished (successfully or not). On the wasm target a
 * jitted function runs JavaScript kernels until its WebAssembly module is compiled in the background, then swaps the
 * compiled kernels in: await this before timing steady-state speed.
 *
 * @example
 * const f = jit((x: Array) => np.tanh(x).sum());
 * f(np.ones([1024])); // first call: compiles in the background
 * await jitIdle();    // the next calls run the compiled kernels
 */
export async function jitIdle(): Promise<void> {
  // compiles made hot by a call start on the next macrotask (after that call): let them start first
  await new Promise((r) => setTimeout(r, 0));
  while (inflight.size > 0) await Promise.allSettled([...inflight.values()].map((e) => e.promise));
}
