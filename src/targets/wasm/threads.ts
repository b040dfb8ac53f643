// The wasm target's thread pool: workers that instantiate the kernel module over the one shared WebAssembly.Memory
// and run blocks of a kernel call, synchronised through a control block in that memory with Atomics (wait/notify),
// so that an eager call stays synchronous. Off by default (setThreads(1)).
//
// Protocol (Int32 words of controlBlock(); every participant is the main thread, index 0, or worker i ≥ 1):
//   NEXT, NBLOCKS        a job: NBLOCKS rows of the block table, claimed one at a time with Atomics.add(NEXT, 1)
//   WORK, WORK_STRIDE    per-participant scratch: participant i uses WORK + i·WORK_STRIDE (packing buffers, edge tile)
//   ERROR                set by a worker whose block threw
//   STATE                the job's admission word: (job number mod 2¹⁶) << 16 | CLOSED (bit 15) | workers inside (bits 0-14)
//   per worker i: EPOCH (the pool generation the slot belongs to), READY (the epoch of a worker that has instantiated
//   the module), DOOR (the doorbell: job number, or −1 to exit), ACK (the last job number the worker finished), and
//   RAN (blocks it has run, for threadStats).
// The main thread writes the job and the table, opens STATE for the job, rings the doorbell of every READY worker
// (Atomics.store + notify) and claims blocks itself. A woken worker enters the job only while STATE is open for that
// job number (compare-exchange of the count), claims blocks, and leaves (decrement + notify). When no block is left the
// main thread closes STATE and waits only for the workers inside: a worker that the OS has not yet scheduled (an
// oversubscribed machine) is never waited for — it finds the job closed when it runs and goes back to sleep, and the
// main thread has simply run more blocks. (Waiting for every rung worker's ACK cost a scheduler time slice per call
// under load: ~2 ms on a 0.1 ms GEMM.) Workers that are still starting are not rung either, so a call never waits on a
// worker's start-up (browsers start workers only once the main thread yields).
// A block row is [fn, esize, MC, KC, NC, nargs, args…]; a worker copies the blocking (module globals are per
// instance) and calls fn(...args, its work pointer). Which block a participant runs never changes the arithmetic of a
// block, so results do not depend on the thread count (test/wasm-threads.test.ts checks that bit for bit).
//
// A row naming JIT_FN + id runs a jit-compiled kernel instead (src/targets/wasm/jit: large elementwise kernels and
// reductions split into ranges of their first loop dimension, over the same memory): in Node each worker gets a
// MessagePort at start, the main thread posts every registered jit module to it (jitKernelId), and a worker reads
// them synchronously (receiveMessageOnPort) the first time a row names one; Web Workers have no such synchronous
// read, so with a custom factory jit kernels stay on the calling thread.
// Workers: worker_threads in Node (eval'd source, unref'd so the process exits); elsewhere a WorkerFactory given to
// setWorkerFactory (the default one uses Web Workers from a Blob URL when the page is cross-origin isolated).
import { controlBlock, CONTROL_BYTES, hasSharedMemory, scratch, wasmExports, wasmMemory, wasmModule, type WasmMemory } from './runtime.js';

const NEXT = 0, NBLOCKS = 1, WORK = 2, WORK_STRIDE = 3, ERROR = 4, STATE = 5;
const CLOSED = 0x8000, INSIDE = 0x7fff;
const SLOTS = 16, SLOT = 4; // per worker i: SLOTS + SLOT·i + (0 EPOCH, 1 READY, 2 DOOR, 3 ACK)
const RAN = SLOTS + SLOT * 64; // RAN + i: blocks worker i has run (statistics)
const TABLE = 512, ROW = 32;
/** The most threads setThreads accepts (workers + the main thread). */
export const MAX_THREADS = 64;
/** The most blocks one job may have. */
export const MAX_BLOCKS = Math.floor((CONTROL_BYTES / 4 - TABLE) / ROW);
const MAX_ARGS = ROW - 6;
/** Block table entries from here up name jit kernels (JIT_FN + their id). */
const JIT_FN = 1000;
const CTRL_WORDS = CONTROL_BYTES / 4;

/** The kernels a block may run, by index in the table (the worker looks them up in its instance's exports). */
export const BLOCK_FNS = ['gemmF32', 'gemmF64', 'convBlockF32', 'convBlockF64', 'ewUnaryF32', 'ewUnaryF64', 'ewBinaryF32', 'ewBinaryF64', 'convTapsF32', 'convTapsF64', 'winogradBlockF32', 'winogradBlock25F32', 'winogradGradBlockF32', 'winogradGradBlock25F32', 'gemmPAF32', 'gemmPAF64'] as const;
export type BlockFn = (typeof BLOCK_FNS)[number];

/** What a worker is started with (posted to it, or given as workerData). */
export interface WorkerInit {
  readonly module: object;
  readonly memory: WasmMemory;
  readonly ctrl: number;
  readonly index: number;
  readonly epoch: number;
  readonly fns: readonly string[];
  /** (Node) a port on which jit modules arrive, read synchronously between blocks; they run over `memory` too. */
  readonly port?: unknown;
}
/** A started worker: the pool only ever terminates it. */
export interface PoolWorker {
  terminate(): unknown;
}
/**
 * Starts a worker running `source` (a classic script: in a Web Worker it waits for `init` as its first message, under
 * worker_threads it reads `init` from workerData) and hands `init` to it.
 */
export type WorkerFactory = (source: string, init: WorkerInit) => PoolWorker;

// The worker's script (plain JS: it runs in worker_threads and in Web Workers alike, without a bundler).
const WORKER_SOURCE = `'use strict';
const start = (d) => {
  const ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory, abort() { throw new Error('wasm kernel aborted'); } } }).exports;
  const I = new Int32Array(d.memory.buffer, d.ctrl, ${CTRL_WORDS});
  const s = ${SLOTS} + ${SLOT} * d.index;
  const fns = d.fns.map((n) => ex[n]);
  // jit kernels (table index ${JIT_FN} + id): their modules arrive on d.port; instantiated once per module
  const wt = d.port ? require('node:worker_threads') : null;
  const jitFns = new Map(), jitInst = new Map();
  const jitFn = (id) => {
    let f = jitFns.get(id);
    while (f === undefined) {
      const m = wt && wt.receiveMessageOnPort(d.port);
      if (!m) throw new Error('wasm thread pool: jit kernel ' + id + ' never reached this worker');
      const e = m.message;
      let jx = jitInst.get(e.mid);
      if (!jx) jitInst.set(e.mid, (jx = new WebAssembly.Instance(e.module, { env: { memory: d.memory } }).exports));
      jitFns.set(e.id, jx[e.name]);
      f = jitFns.get(id);
    }
    return f;
  };
  Atomics.store(I, s + 1, d.epoch);
  Atomics.notify(I, s + 1);
  let seen = 0;
  for (;;) {
    let v;
    while ((v = Atomics.load(I, s + 2)) === seen && Atomics.load(I, s) === d.epoch) Atomics.wait(I, s + 2, seen);
    if (Atomics.load(I, s) !== d.epoch || v < 0) return;
    seen = v;
    // enter job v only while it is open (see STATE in threads.ts)
    let inside = false;
    for (;;) {
      const st = Atomics.load(I, ${STATE});
      if ((st >>> 16) !== (v & 0xffff) || (st & ${CLOSED})) break;
      if (Atomics.compareExchange(I, ${STATE}, st, st + 1) === st) { inside = true; break; }
    }
    if (inside) {
      try {
        const n = I[${NBLOCKS}], work = I[${WORK}] + d.index * I[${WORK_STRIDE}];
        for (let k; (k = Atomics.add(I, ${NEXT}, 1)) < n; ) {
          const r = ${TABLE} + ${ROW} * k;
          if (I[r + 1] === 4) ex.setBlockingF32(I[r + 2], I[r + 3], I[r + 4]);
          else if (I[r + 1] === 8) ex.setBlockingF64(I[r + 2], I[r + 3], I[r + 4]);
          const args = Array.from(I.subarray(r + 6, r + 6 + I[r + 5]));
          args.push(work);
          (I[r] >= ${JIT_FN} ? jitFn(I[r] - ${JIT_FN}) : fns[I[r]])(...args);
          Atomics.add(I, ${RAN} + d.index, 1);
        }
      } catch (e) {
        Atomics.store(I, ${ERROR}, 1);
      }
      Atomics.sub(I, ${STATE}, 1);
      Atomics.notify(I, ${STATE});
    }
    Atomics.store(I, s + 3, seen);
    Atomics.notify(I, s + 3);
  }
};
if (typeof self === 'object' && typeof self.postMessage === 'function' && typeof require !== 'function') {
  self.onmessage = (e) => { start(e.data); self.close(); };
} else start(require('node:worker_threads').workerData);
`;

type NodeWorkerCtor = new (src: string, opts: { eval: boolean; workerData: unknown; transferList?: unknown[] }) => {
  unref(): void;
  terminate(): unknown;
  on(ev: 'error', f: (e: unknown) => void): unknown;
};
const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string }; env?: Record<string, string | undefined> } }).process;

/** worker_threads (Node), else Web Workers from a Blob URL (browsers), else null. */
function defaultFactory(): WorkerFactory | null {
  if (nodeProcess?.versions?.node) {
    const wt = nodeProcess.getBuiltinModule?.('node:worker_threads') as { Worker?: NodeWorkerCtor } | undefined;
    const W = wt?.Worker;
    if (!W) return null;
    return (nodeFactory = (source, init) => {
      const w = new W(source, { eval: true, workerData: init, ...(init.port ? { transferList: [init.port] } : {}) });
      w.unref(); // never keeps the process alive
      // a worker that fails to start never reports READY, so no call waits for it; keep the error for threadStats
      w.on('error', (e) => (workerError = String(e)));
      return w;
    });
  }
  const g = globalThis as {
    Worker?: new (url: string) => { postMessage(m: unknown): void; terminate(): void };
    Blob?: new (parts: string[], o: { type: string }) => object;
    URL?: { createObjectURL(b: object): string };
  };
  if (!g.Worker || !g.Blob || !g.URL) return null;
  const { Worker: W, Blob: B, URL: U } = g;
  let url: string | undefined;
  return (source, init) => {
    url ??= U.createObjectURL(new B([source], { type: 'text/javascript' }));
    const w = new W(url);
    w.postMessage(init);
    return w;
  };
}

let factory: WorkerFactory | null | undefined;
/** The factory defaultFactory made for Node (its workers can receive jit modules on a MessagePort). */
let nodeFactory: WorkerFactory | null = null;
let workerError: string | null = null;
/** Replaces how workers are started (e.g. a bundler's Worker constructor); takes effect at the next setThreads. */
export function setWorkerFactory(f: WorkerFactory | null): void {
  factory = f;
}

interface Pool {
  readonly memory: WasmMemory;
  readonly epoch: number;
  readonly workers: PoolWorker[];
  /** Per worker, the port its jit modules are posted to (Node's default factory only), else null. */
  readonly ports: { postMessage(m: unknown): void; close(): void }[] | null;
}

// ---- jit kernels on the pool ------------------------------------------------------------------------------------

interface JitEntry {
  readonly id: number;
  readonly mid: number;
  readonly module: object;
  readonly name: string;
}
const jitEntries: JitEntry[] = [];
const jitIds = new Map<string, number>();
const moduleIds = new WeakMap<object, number>();
let modules = 0;

/**
 * The pool's id of export `name` of jit module `module` (registered on first use and posted to every worker, now and in
 * pools started later), or null when the pool cannot run jit kernels (one thread, or workers without a module port).
 */
export function jitKernelId(module: object, name: string): number | null {
  if (!pool?.ports) return null;
  let mid = moduleIds.get(module);
  if (mid === undefined) moduleIds.set(module, (mid = ++modules));
  const key = `${mid}:${name}`;
  let id = jitIds.get(key);
  if (id === undefined) {
    const e: JitEntry = { id: (id = jitEntries.length), mid, module, name };
    jitEntries.push(e);
    jitIds.set(key, id);
    for (const p of pool.ports) p.postMessage(e);
  }
  return id;
}
let threads = 1;
let pool: Pool | null = null;
let epochs = 0;
let job = 0;

const ctrlView = (): Int32Array => new Int32Array(wasmMemory().buffer, controlBlock(), CTRL_WORDS);

function stopPool(): void {
  if (!pool) return;
  if (pool.memory === wasmMemory()) {
    const I = ctrlView();
    pool.workers.forEach((_, j) => {
      const s = SLOTS + SLOT * (j + 1);
      Atomics.store(I, s, 0); // no longer this pool's slot
      Atomics.store(I, s + 2, -1);
      Atomics.notify(I, s + 2);
    });
  }
  for (const w of pool.workers) w.terminate();
  pool.ports?.forEach((p) => p.close());
  pool = null;
}

function startPool(): Pool {
  const f = factory === undefined ? (factory = defaultFactory()) : factory;
  if (!f) throw new Error('setThreads: this environment cannot start workers (no worker_threads or Web Workers); use setWorkerFactory');
  wasmExports();
  const memory = wasmMemory(), ctrl = controlBlock(), I = ctrlView();
  const epoch = ++epochs;
  const workers: PoolWorker[] = [];
  type Port = { postMessage(m: unknown): void; close(): void };
  const MC = f === nodeFactory ? (nodeProcess?.getBuiltinModule?.('node:worker_threads') as { MessageChannel?: new () => { port1: Port; port2: Port } } | undefined)?.MessageChannel : undefined;
  const ports: Port[] | null = MC ? [] : null;
  for (let i = 1; i < threads; i++) {
    const s = SLOTS + SLOT * i;
    Atomics.store(I, s + 1, 0);
    Atomics.store(I, s + 2, 0);
    Atomics.store(I, s + 3, 0);
    Atomics.store(I, RAN + i, 0);
    Atomics.store(I, s, epoch);
    let port: Port | undefined;
    if (MC && ports) {
      const ch = new MC();
      ports.push(ch.port1);
      port = ch.port2;
      for (const e of jitEntries) ch.port1.postMessage(e); // the jit kernels registered with earlier pools
    }
    workers.push(f(WORKER_SOURCE, { module: wasmModule(), memory, ctrl, index: i, epoch, fns: BLOCK_FNS, ...(port ? { port } : {}) }));
  }
  return (pool = { memory, epoch, workers, ports });
}

/**
 * Sets how many threads (the main thread included) the wasm target's large kernels use: 1 (the default) runs
 * everything on the calling thread; n > 1 starts n − 1 workers over the shared memory (they take a moment to start;
 * calls made meanwhile run on fewer threads). Needs shared memory (Node; browsers when cross-origin isolated).
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS)
    throw new RangeError(`setThreads: expected an integer thread count from 1 to ${MAX_THREADS}, got ${String(n)}`);
  if (n > 1 && !hasSharedMemory())
    throw new Error('setThreads: threads need a shared WebAssembly.Memory (SharedArrayBuffer); in a browser, serve the page cross-origin isolated (COOP: same-origin, COEP: require-corp)');
  if (n === threads && (n === 1 || pool)) return;
  stopPool();
  threads = n;
  if (n > 1) startPool();
}

/** The thread count set by setThreads (1 by default). */
export const getThreads = (): number => threads;

/** Resolves once every worker of the pool has started (tests and benchmarks; calls never need to wait for it). */
export async function threadsReady(timeoutMs = 30000): Promise<void> {
  const t0 = Date.now();
  while (pool && readyWorkers().length < pool.workers.length) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`threadsReady: workers did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The indices of the workers that have started (the pool is restarted if the kernels' memory was replaced). */
function readyWorkers(): number[] {
  if (!pool) return [];
  if (pool.memory !== wasmMemory()) {
    // selectWasmVariant instantiated a fresh memory: the old workers run over the old one
    stopPool();
    startPool();
  }
  const I = ctrlView(), out: number[] = [];
  for (let i = 1; i < threads; i++) if (Atomics.load(I, SLOTS + SLOT * i + 1) === pool!.epoch) out.push(i);
  return out;
}

/** The pool's state: threads set, workers started, and blocks run by the workers since the pool started. */
export function threadStats(): { threads: number; workersReady: number; workerBlocks: number; workerError: string | null } {
  if (!pool) return { threads, workersReady: 0, workerBlocks: 0, workerError };
  const ready = readyWorkers(), I = ctrlView();
  let workerBlocks = 0;
  for (let i = 1; i < threads; i++) workerBlocks += Atomics.load(I, RAN + i);
  return { threads, workersReady: ready.length, workerBlocks, workerError };
}

let mainCanWait: boolean | undefined;
/** Atomics.wait is refused on a browser's main thread: spin on Atomics.load there. */
function waitWhile(I: Int32Array, idx: number, value: number): void {
  if (mainCanWait === undefined) {
    try {
      Atomics.wait(I, idx, value + 1, 0);
      mainCanWait = true;
    } catch {
      mainCanWait = false;
    }
  }
  if (mainCanWait) Atomics.wait(I, idx, value);
}

/**
 * One block of a job: the kernel (a precompiled one by name, or a jit kernel by its jitKernelId with `call`, its
 * function on this thread), its element size (for the GEMM blocking; 0 for jit kernels) and its arguments but the
 * work pointer.
 */
export type Block =
  | { readonly fn: BlockFn; readonly esize: 4 | 8; readonly args: readonly number[] }
  | { readonly fn: number; readonly call: (...a: number[]) => void; readonly esize: 0; readonly args: readonly number[] };
const callOf = (ex: Record<string, unknown>, b: Block): ((...a: number[]) => void) =>
  typeof b.fn === 'number' ? (b as { call: (...a: number[]) => void }).call : (ex[b.fn] as (...a: number[]) => void);

/**
 * [lo, hi) ranges covering [0, extent) for T threads, about 4 per thread (claimed dynamically, so a busy core takes
 * fewer), each boundary a multiple of `align`.
 */
export function splitRange(extent: number, align: number, T: number): [number, number][] {
  const parts = Math.max(1, Math.min(4 * T, Math.floor(extent / align)));
  const step = Math.ceil(extent / parts / align) * align;
  const out: [number, number][] = [];
  for (let lo = 0; lo < extent; lo += step) out.push([lo, Math.min(extent, lo + step)]);
  return out;
}

/**
 * Runs fn(...args, work) for every block, spread over the pool (the main thread takes part) and returns when all
 * are done. `workBytes` of scratch per participant is allocated here. With no started worker, or one block, it all
 * runs here. The blocks must write disjoint memory.
 */
export function runBlocks(blocks: readonly Block[], workBytes: number): void {
  const ex = wasmExports();
  const ready = threads > 1 ? readyWorkers() : [];
  const stride = (workBytes + 63) & ~63;
  if (ready.length === 0 || blocks.length <= 1) {
    const work = scratch(stride);
    for (const b of blocks) callOf(ex as unknown as Record<string, unknown>, b)(...b.args, work);
    return;
  }
  if (blocks.length > MAX_BLOCKS) throw new RangeError(`runBlocks: ${blocks.length} blocks, at most ${MAX_BLOCKS}`);
  const work = scratch(stride * threads); // indexed by participant (workers keep their index)
  const I = ctrlView();
  blocks.forEach((b, k) => {
    if (b.args.length > MAX_ARGS) throw new RangeError(`runBlocks: ${b.fn} with ${b.args.length} arguments, at most ${MAX_ARGS}`);
    const r = TABLE + ROW * k;
    I[r] = typeof b.fn === 'number' ? JIT_FN + b.fn : BLOCK_FNS.indexOf(b.fn);
    I[r + 1] = b.esize;
    for (let w = 0; w < 3; w++) I[r + 2 + w] = b.esize ? ex.getBlocking(b.esize, w) : 0;
    I[r + 5] = b.args.length;
    for (let a = 0; a < b.args.length; a++) I[r + 6 + a] = b.args[a]!;
  });
  I[NBLOCKS] = blocks.length;
  I[WORK] = work;
  I[WORK_STRIDE] = stride;
  I[ERROR] = 0;
  Atomics.store(I, NEXT, 0);
  const seq = (job = (job % 0x3fffffff) + 1);
  Atomics.store(I, STATE, (seq & 0xffff) << 16); // open, nobody inside
  for (const i of ready) {
    Atomics.store(I, SLOTS + SLOT * i + 2, seq);
    Atomics.notify(I, SLOTS + SLOT * i + 2);
  }
  let failure: unknown = null;
  try {
    for (let k; (k = Atomics.add(I, NEXT, 1)) < blocks.length; ) {
      const b = blocks[k]!;
      callOf(ex as unknown as Record<string, unknown>, b)(...b.args, work);
    }
  } catch (e) {
    failure = e;
    Atomics.store(I, NEXT, blocks.length); // the workers stop claiming
  }
  // close the job (no worker enters any more), then wait for the workers inside to finish their blocks
  for (let st = Atomics.load(I, STATE), was; (was = Atomics.compareExchange(I, STATE, st, st | CLOSED)) !== st; st = was);
  for (let st; ((st = Atomics.load(I, STATE)) & INSIDE) !== 0; ) waitWhile(I, STATE, st);
  if (failure) throw failure;
  if (Atomics.load(I, ERROR)) throw new Error('wasm thread pool: a kernel block failed in a worker');
}

// TENSORLAW_THREADS=n starts with n threads (e.g. to run the whole test suite threaded).
const fromEnv = nodeProcess?.env?.TENSORLAW_THREADS;
if (fromEnv) setThreads(Number(fromEnv));
