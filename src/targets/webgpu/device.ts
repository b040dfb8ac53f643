// WebGPU runtime: device acquisition (browser or Node's `webgpu` package), buffer pool, pipeline cache,
// batched command submission, error scopes (OOM/validation), device loss, upload and async readback.
/// <reference types="@webgpu/types" />
import type { ShapedArray } from '../../core/aval.js';
import { type DType, type TypedArray, f16BitsArray, f16FromBits, typedArrayCtor } from '../../core/dtype.js';
import { ConcreteArray, type DeviceBuffer, mirrorOf, setMirror } from '../../core/array.js';
import { quietWait, setQuietWaits } from './quiet.js';

/** Errors of the webgpu target (device loss, out of memory, validation, unsupported dtype/op). */
export class WebGpuError extends Error {
  override name = 'WebGpuError';
}

/**
 * The WGSL scalar type that computes each dtype (bool as u32 0/1; float16 in f32, its results rounded to float16 by
 * ops.ts). float64 has none. `storageType` is the type of its buffers.
 */
export function wgslType(d: DType, what: string): 'f32' | 'i32' | 'u32' {
  switch (d) {
    case 'float32':
    case 'float16':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'uint32':
    case 'bool':
      return 'u32';
    case 'float64':
      throw new WebGpuError(
        `${what}: float64 is not supported on the webgpu target (WGSL has no 64-bit floats); ` +
          `convert to float32 (x.astype('float32')) or run this computation on the 'wasm' or 'ref' target (withTarget('wasm', ...))`,
      );
  }
}

/**
 * The WGSL element type of a dtype's buffers: as `wgslType`, except float16 in 16-bit `f16` buffers when the device
 * stores float16 in 16 bits (`f16Storage`, needs 'shader-f16').
 */
export function storageType(d: DType, what: string): 'f16' | 'f32' | 'i32' | 'u32' {
  return d === 'float16' && state?.f16Storage ? 'f16' : wgslType(d, what);
}

interface DeviceState {
  readonly device: GPUDevice;
  /** float16 arrays live in 16-bit buffers (the adapter has 'shader-f16' and the option did not turn it off). */
  readonly f16Storage: boolean;
  /** The `f16Storage` option this state was acquired with (a different one re-acquires the device). */
  readonly f16Requested: boolean;
  readonly adapterInfo: string;
  readonly features: ReadonlySet<string>;
  /** A CPU rasterizer (lavapipe/llvmpipe/SwiftShader): routines pick register tiles without workgroup memory. */
  readonly cpuLike: boolean;
  /** For a CPU adapter in Node on Linux: whether the host has AVX-512 (/proc/cpuinfo); undefined when unknown. */
  readonly wideHost?: boolean;
  lost: string | null;
  /** The GPU instance and adapter, kept reachable: Dawn aborts work in flight when its instance is collected. */
  readonly keepAlive: readonly unknown[];
  /** Size class -> free buffers (STORAGE | COPY_SRC | COPY_DST). */
  readonly pool: Map<number, GPUBuffer[]>;
  readonly pipelines: Map<string, GPUComputePipeline>;
  /** First error reported asynchronously by an error scope, thrown by the next operation. */
  pendingError: WebGpuError | null;
  stats: { created: number; reused: number; inUse: number; pooledBytes: number; submits: number; pipelines: number };
}

let state: DeviceState | null = null;
let initPromise: Promise<void> | null = null;

/** Options of initWebGpu. */
export interface WebGpuOptions {
  /** An adapter/device already acquired by the application (e.g. shared with a renderer). */
  readonly device?: GPUDevice;
  /** requestAdapter's powerPreference. */
  readonly powerPreference?: GPUPowerPreference;
  /**
   * Store float16 arrays in 16-bit buffers when the adapter has 'shader-f16' (default true; the environment variable
   * TENSORLAW_WEBGPU_F16=0 makes the default false). Off, float16 lives in f32 buffers. Results are the same either
   * way; a different value than the current device's acquires a new device.
   */
  readonly f16Storage?: boolean;
  /**
   * In Node, space out the busy poll by which Dawn's bindings (the `webgpu` package) wait for the GPU while tensorlaw
   * awaits it, so that the poll does not take a core from a CPU adapter's own threads (default true; the environment
   * variable TENSORLAW_WEBGPU_QUIET=0 makes the default false). See src/targets/webgpu/quiet.ts.
   */
  readonly quietWaits?: boolean;
}

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
/** The f16Storage option with its default (TENSORLAW_WEBGPU_F16=0 turns the default off). */
const f16Requested = (opts: WebGpuOptions): boolean => opts.f16Storage ?? env?.TENSORLAW_WEBGPU_F16 !== '0';

async function getGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode())
    throw new WebGpuError(
      'initWebGpu: this browser has no WebGPU (navigator.gpu is undefined). Use a browser with WebGPU enabled ' +
        "(Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu), or use the 'wasm' target",
    );
  let mod: { create(opts: string[]): GPU; globals: object };
  try {
    const name = 'webgpu'; // a variable, so bundlers for the browser do not try to resolve it
    mod = (await import(/* @vite-ignore */ name)) as typeof mod;
  } catch (e) {
    throw new WebGpuError(
      "initWebGpu: WebGPU in Node needs the optional dependency 'webgpu' (Dawn bindings): run `npm install webgpu`. " +
        'On Linux without a GPU, install Mesa\'s Vulkan drivers (lavapipe: `apt-get install mesa-vulkan-drivers`) and set ' +
        `XDG_RUNTIME_DIR (e.g. /tmp). Cause: ${(e as Error).message}`,
    );
  }
  Object.assign(globalThis, mod.globals);
  dawnNode = true;
  return mod.create([]);
}
/**
 * Whether the host of a CPU adapter (lavapipe, whose LLVM JIT compiles for this CPU) has AVX-512, from /proc/cpuinfo
 * in Node on Linux x86; {} when it cannot be told (another OS or architecture, a browser).
 */
async function hostVectorWidth(): Promise<{ wideHost?: boolean }> {
  const proc = (globalThis as { process?: { platform?: string; arch?: string } }).process;
  if (!isNode() || proc?.platform !== 'linux' || proc.arch !== 'x64') return {};
  try {
    const fsName = 'node:fs/promises'; // a variable, so bundlers for the browser do not try to resolve it
    const { readFile } = (await import(/* @vite-ignore */ fsName)) as { readFile(p: string, e: string): Promise<string> };
    const flags = (await readFile('/proc/cpuinfo', 'utf8')).match(/^flags\s*:(.*)$/m)?.[1]?.trim().split(/\s+/) ?? [];
    return flags.includes('avx2') ? { wideHost: flags.includes('avx512f') } : {};
  } catch {
    return {};
  }
}
/** Whether the GPU object came from the `webgpu` package (Dawn's Node bindings). */
let dawnNode = false;
const isNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/**
 * Acquires a GPU device for the webgpu target (navigator.gpu in browsers, the `webgpu` package in Node).
 * Call once (await it) before `setTarget('webgpu')`; calling again after a device loss re-initialises.
 */
export function initDevice(opts: WebGpuOptions = {}): Promise<void> {
  if (state && !state.lost && !opts.device && state.f16Requested === f16Requested(opts)) return Promise.resolve();
  if (initPromise) return initPromise;
  initPromise = (async () => {
    try {
      let device = opts.device;
      let info = 'external device';
      const keepAlive: unknown[] = [];
      if (!device) {
        const gpu = await getGpu();
        keepAlive.push(gpu);
        const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : {});
        if (!adapter)
          throw new WebGpuError(
            'initWebGpu: no WebGPU adapter found (requestAdapter returned null). In Node on Linux install a Vulkan driver ' +
              '(e.g. Mesa lavapipe: `apt-get install mesa-vulkan-drivers`) and set XDG_RUNTIME_DIR=/tmp; in a browser enable WebGPU',
          );
        keepAlive.push(adapter);
        const a = adapter as GPUAdapter & { info?: GPUAdapterInfo };
        info = a.info ? `${a.info.vendor} ${a.info.architecture} ${a.info.device} ${a.info.description}`.trim() : 'unknown adapter';
        const wanted: GPUFeatureName[] = (['shader-f16', 'subgroups', 'timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
        const l = adapter.limits;
        device = await adapter.requestDevice({
          requiredFeatures: wanted,
          requiredLimits: {
            maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
            maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
            maxBufferSize: l.maxBufferSize,
            maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
            maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
            maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          },
        });
      }
      // Dawn's Node bindings poll with setImmediate: in Node without a native navigator.gpu (the `webgpu` package, or a
      // device the application took from it)
      const nativeGpu = !!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu && !dawnNode;
      setQuietWaits((opts.quietWaits ?? env?.TENSORLAW_WEBGPU_QUIET !== '0') && isNode() && !nativeGpu);
      const features = new Set([...device.features] as string[]);
      const s: DeviceState = {
        device,
        f16Storage: f16Requested(opts) && features.has('shader-f16'),
        f16Requested: f16Requested(opts),
        adapterInfo: info,
        features,
        cpuLike: /llvmpipe|lavapipe|swiftshader|cpu/i.test(info),
        ...(/llvmpipe|lavapipe/i.test(info) ? await hostVectorWidth() : {}),
        lost: null,
        keepAlive,
        pool: new Map(),
        pipelines: new Map(),
        pendingError: null,
        stats: { created: 0, reused: 0, inUse: 0, pooledBytes: 0, submits: 0, pipelines: 0 },
      };
      void device.lost.then((l) => {
        s.lost = `${l.reason}: ${l.message}`;
      });
      device.addEventListener?.('uncapturederror', (ev) => {
        const e = (ev as GPUUncapturedErrorEvent).error;
        s.pendingError ??= new WebGpuError(`webgpu: ${e.constructor.name}: ${e.message}`);
      });
      // a device acquired here for another f16Storage choice is given back (its arrays were unusable already)
      if (state && !state.lost && !opts.device && state.keepAlive.length > 0) state.device.destroy();
      state = s;
    } finally {
      initPromise = null;
    }
  })();
  return initPromise;
}

/** Whether a device has been acquired (it may have been lost since). */
export const deviceAcquired = (): boolean => state !== null;

/** Whether a device has been acquired and is not lost. */
export const deviceReady = (): boolean => state !== null && state.lost === null;

/** The live device state; throws a clear error before init, after a loss, or after an asynchronous GPU error. */
export function gpu(): DeviceState {
  const s = state;
  if (!s) throw new WebGpuError("webgpu: no device yet: call `await initWebGpu()` (or `await setTargetAsync('webgpu')`) first");
  if (s.lost !== null)
    throw new WebGpuError(`webgpu: the GPU device was lost (${s.lost}); call \`await initWebGpu()\` to re-initialise (arrays on the lost device are gone)`);
  if (s.pendingError) {
    const e = s.pendingError;
    s.pendingError = null;
    throw e;
  }
  return s;
}

/**
 * Information about the current device: adapter, features, whether it has 'shader-f16' (`f16`) and whether float16
 * arrays are stored in 16-bit buffers (`f16Storage`), pool and submission counters.
 */
export function webgpuInfo(): { adapter: string; features: string[]; cpuLike: boolean; f16: boolean; f16Storage: boolean; pool: DeviceState['stats'] } | null {
  if (!state) return null;
  return {
    adapter: state.adapterInfo, features: [...state.features], cpuLike: state.cpuLike, f16: state.features.has('shader-f16'),
    f16Storage: state.f16Storage, pool: { ...state.stats },
  };
}

/** Destroys the device (for tests of device loss) ; the next init acquires a new one. */
export function destroyDevice(): void {
  state?.device.destroy();
}

// ---------------------------------------------------------------------------------------------------------
// Buffers

/** Size classes: multiples of 256 bytes up to 64 KiB, then 8 steps per power of two (waste ≤ 12.5%). */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, bytes);
  if (b <= 65536) return Math.ceil(b / 256) * 256;
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

const USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

function acquire(s: DeviceState, bytes: number, what: string): GPUBuffer {
  const size = sizeClass(bytes);
  const free = s.pool.get(size);
  s.stats.inUse++;
  if (free && free.length > 0) {
    s.stats.reused++;
    s.stats.pooledBytes -= size;
    return free.pop()!;
  }
  const max = Math.min(s.device.limits.maxBufferSize, s.device.limits.maxStorageBufferBindingSize);
  if (size > max)
    throw new WebGpuError(
      `${what}: out of memory: a buffer of ${bytes} bytes exceeds this device's limit of ${max} bytes per buffer ` +
        `(maxBufferSize/maxStorageBufferBindingSize); split the computation (e.g. smaller batches) or use the 'wasm' target`,
    );
  s.stats.created++;
  return s.device.createBuffer({ size, usage: USAGE() });
}

function release(s: DeviceState, buf: GPUBuffer, batch: Batch | null): void {
  s.stats.inUse--;
  if (s.lost !== null || state !== s) return;
  // a buffer freed while a batch is being encoded may still be read by it: pool it after the submission
  if (batch && !batch.submitted) {
    batch.deferred.push(buf);
    return;
  }
  let l = s.pool.get(buf.size);
  if (!l) s.pool.set(buf.size, (l = []));
  l.push(buf);
  s.stats.pooledBytes += buf.size;
}

/** The batch being encoded (runJaxpr sets it for the duration of a call). */
let openBatch: Batch | null = null;

/** Bytes of the buffer of `size` elements: 4 each, or 2 each for 16-bit float16 padded to a 4-byte multiple. */
const bytesOf = (size: number, half: boolean): number => (half ? Math.ceil(size / 2) * 4 : size * 4);

/**
 * Device storage of one array: a pooled GPUBuffer holding `size` 4-byte elements of `dtype`, or 2-byte ones (`half`:
 * float16 on a device with f16Storage; the buffer padded to a 4-byte multiple).
 */
export class GpuStorage implements DeviceBuffer {
  readonly target = 'webgpu';
  readonly byteLength: number;
  readonly half: boolean;
  #buf: GPUBuffer | null;
  /** Resolves to the first error of the submission that wrote this buffer (null = fine). */
  check: Promise<WebGpuError | null> | null = null;
  constructor(
    readonly state: DeviceState,
    buf: GPUBuffer,
    readonly dtype: DType,
    readonly size: number,
  ) {
    this.#buf = buf;
    this.half = dtype === 'float16' && state.f16Storage;
    this.byteLength = bytesOf(size, this.half);
  }
  get buffer(): GPUBuffer {
    if (!this.#buf) throw new ReferenceError('webgpu: this buffer was disposed');
    if (this.state !== state || this.state.lost !== null)
      throw new WebGpuError('webgpu: this array belongs to a lost or replaced GPU device; recompute it after `await initWebGpu()`');
    return this.#buf;
  }
  /** Resolves once the submissions so far (the one writing this buffer among them) have finished; rethrows its error. */
  async ready(): Promise<void> {
    void this.buffer; // disposed / lost device: a clear error
    const err = this.check ? await quietWait(this.check) : null;
    if (err) throw err;
    await quietWait(this.state.device.queue.onSubmittedWorkDone());
  }
  async read(): Promise<TypedArray> {
    const buf = this.buffer;
    const s = gpu();
    const staging = s.device.createBuffer({ size: Math.max(4, this.byteLength), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = s.device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, 0, staging, 0, staging.size);
    s.device.queue.submit([enc.finish()]);
    const err = this.check ? await quietWait(this.check) : null;
    if (err) {
      staging.destroy();
      throw err;
    }
    try {
      await quietWait(staging.mapAsync(GPUMapMode.READ));
    } catch (e) {
      staging.destroy();
      if (s.lost !== null) gpu();
      throw new WebGpuError(`webgpu: reading an array back failed: ${(e as Error).message}`);
    }
    const bytes = staging.getMappedRange().slice(0, this.byteLength);
    staging.unmap();
    staging.destroy();
    return this.half ? fromHalves(new Uint16Array(bytes, 0, this.size)) : fromWords(new Uint32Array(bytes), this.dtype);
  }
  dispose(): void {
    const b = this.#buf;
    if (!b) return;
    this.#buf = null;
    release(this.state, b, openBatch);
  }
}

/** Typed array of `dtype` from 32-bit words (bool from u32 0/1). */
function fromWords(words: Uint32Array, dtype: DType): TypedArray {
  if (dtype === 'bool') return Uint8Array.from(words, (w) => (w !== 0 ? 1 : 0));
  return new typedArrayCtor[dtype](words.buffer as ArrayBuffer);
}

let halfValues: Float32Array | null = null;
/** float16 values (held in a Float32Array) of IEEE half bit patterns, by a table of all 65536. */
function fromHalves(h: Uint16Array): Float32Array {
  const t = (halfValues ??= Float32Array.from({ length: 65536 }, (_, b) => f16FromBits(b)));
  return Float32Array.from(h, (b) => t[b]!);
}

/** A new (uninitialised) storage for an array of `aval`. */
export function allocate(aval: Pick<ShapedArray, 'size' | 'dtype'>, what: string): GpuStorage {
  const s = gpu();
  return new GpuStorage(s, acquire(s, bytesOf(aval.size, storageType(aval.dtype, what) === 'f16'), what), aval.dtype, aval.size);
}

/** The bytes a storage of `dtype` is uploaded from: u32 0/1 for bool, half bit patterns for 16-bit float16. */
function hostBytes(data: TypedArray, dtype: DType, half: boolean): ArrayBufferView {
  if (dtype === 'bool') return Uint32Array.from(data as Uint8Array);
  if (!half) return data;
  return f16BitsArray(data as Float32Array, new Uint16Array(Math.ceil(data.length / 2) * 2)); // padded to a 4-byte multiple (writeBuffer's rule)
}

/** Uploads host values (queue.writeBuffer; ordered before any later submission). */
export function upload(data: TypedArray, dtype: DType, what: string): GpuStorage {
  const st = allocate({ size: data.length, dtype }, what);
  if (data.length > 0) {
    const bytes = hostBytes(data, dtype, st.half);
    st.state.device.queue.writeBuffer(st.buffer, 0, bytes.buffer, bytes.byteOffset, st.byteLength);
  }
  return st;
}

/** The device storage of an operand: its own, or the cached upload of a host array (uploaded once). */
export function storageOf(x: ConcreteArray, what: string): GpuStorage {
  const d = x.device;
  if (d) {
    if (!(d instanceof GpuStorage)) throw new WebGpuError(`${what}: an operand lives on target '${d.target}', not on webgpu`);
    return d;
  }
  const m = mirrorOf(x);
  if (m instanceof GpuStorage && m.state === state) return m;
  const up = upload(x.buffer, x.dtype, what);
  setMirror(x, up);
  return up;
}

/**
 * Copies `n` elements by a device-side buffer copy (recorded in the batch) when it can: 4-byte elements, or 16-bit
 * ones at even offsets (or the whole padded buffer). Returns false for a 16-bit copy that is not 4-byte aligned
 * (ops.ts copies those with a kernel).
 */
export function copyBytes(b: Batch, src: GpuStorage, dst: GpuStorage, n: number, srcOffset = 0, dstOffset = 0): boolean {
  if (n <= 0) return true;
  if (!src.half) {
    b.copy(src.buffer, srcOffset * 4, dst.buffer, dstOffset * 4, n * 4);
    return true;
  }
  const whole = srcOffset === 0 && dstOffset === 0 && n === src.size && n === dst.size;
  if (!whole && (srcOffset % 2 !== 0 || dstOffset % 2 !== 0 || n % 2 !== 0)) return false;
  b.copy(src.buffer, srcOffset * 2, dst.buffer, dstOffset * 2, whole ? src.byteLength : n * 2);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Pipelines and batched submission

/** The compute pipeline of a WGSL source (entry `main`), compiled once per device. */
export function pipelineFor(code: string): GPUComputePipeline {
  const s = gpu();
  let p = s.pipelines.get(code);
  if (!p) {
    const module = s.device.createShaderModule({ code });
    p = s.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    s.pipelines.set(code, p);
    s.stats.pipelines++;
  }
  return p;
}

/**
 * All the GPU work of one call: dispatches and copies recorded in one command encoder, submitted once, inside
 * out-of-memory and validation error scopes whose result is attached to the outputs (read() rethrows it).
 */
export class Batch {
  readonly state: DeviceState;
  readonly encoder: GPUCommandEncoder;
  #pass: GPUComputePassEncoder | null = null;
  readonly deferred: GPUBuffer[] = [];
  readonly outputs: GpuStorage[] = [];
  submitted = false;
  readonly #prev: Batch | null;
  constructor() {
    this.state = gpu();
    this.state.device.pushErrorScope('out-of-memory');
    this.state.device.pushErrorScope('validation');
    this.encoder = this.state.device.createCommandEncoder();
    this.#prev = openBatch;
    openBatch = this;
  }
  /** The compute pass to record dispatches in (routines may record into it directly). */
  pass(): GPUComputePassEncoder {
    return (this.#pass ??= this.encoder.beginComputePass());
  }
  /** Ends the open compute pass (before copies, or for routines that want the encoder). */
  endPass(): GPUCommandEncoder {
    if (this.#pass) {
      this.#pass.end();
      this.#pass = null;
    }
    return this.encoder;
  }
  dispatch(code: string, buffers: readonly GPUBuffer[], groups: readonly [number, number, number]): void {
    const p = pipelineFor(code);
    const bg = this.state.device.createBindGroup({ layout: p.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const pass = this.pass();
    pass.setPipeline(p);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
  }
  copy(src: GPUBuffer, so: number, dst: GPUBuffer, dof: number, bytes: number): void {
    this.endPass().copyBufferToBuffer(src, so, dst, dof, bytes);
  }
  /** A new output storage of this batch (its read() waits for the batch's error scopes). */
  alloc(aval: ShapedArray, what: string): GpuStorage {
    const st = allocate(aval, what);
    this.outputs.push(st);
    return st;
  }
  /** Submits once; outputs learn about errors asynchronously. Always call (use try/finally). */
  submit(): void {
    if (this.submitted) return;
    openBatch = this.#prev;
    const s = this.state;
    let syncErr: unknown = null;
    try {
      this.endPass();
      s.device.queue.submit([this.encoder.finish()]);
      s.stats.submits++;
    } catch (e) {
      syncErr = e;
    }
    this.submitted = true;
    const validation = s.device.popErrorScope();
    const oom = s.device.popErrorScope();
    const check = Promise.all([oom, validation]).then(([o, v]) => {
      const e = o
        ? new WebGpuError(`webgpu: out of GPU memory while running a call (${o.message}); free arrays with dispose(), use smaller batches, or the 'wasm' target`)
        : v
          ? new WebGpuError(`webgpu: internal validation error (a bug in tensorlaw's webgpu target, please report it): ${v.message}`)
          : null;
      if (e && state === s) s.pendingError ??= e;
      return e;
    }, (e: unknown) => new WebGpuError(`webgpu: ${(e as Error).message}`));
    for (const o of this.outputs) o.check = check;
    for (const b of this.deferred) release(s, b, null), s.stats.inUse++; // (release decrements; already counted once)
    this.deferred.length = 0;
    if (syncErr) throw new WebGpuError(`webgpu: submitting the work failed: ${(syncErr as Error).message}`);
  }
  /** Abandons the batch after an exception while encoding (pops the error scopes, frees deferred buffers). */
  abandon(): void {
    if (this.submitted) return;
    openBatch = this.#prev;
    this.submitted = true;
    try {
      this.endPass();
    } catch {
      /* the encoder may already be invalid */
    }
    void this.state.device.popErrorScope().catch(() => null);
    void this.state.device.popErrorScope().catch(() => null);
    for (const b of this.deferred) release(this.state, b, null), this.state.stats.inUse++;
    this.deferred.length = 0;
  }
}

/** Runs `f` in a batch of its own and submits it (eager operations). */
export function inBatch<R>(f: (b: Batch) => R): R {
  const b = new Batch();
  let r: R;
  try {
    r = f(b);
  } catch (e) {
    b.abandon();
    throw e;
  }
  b.submit();
  return r;
}

/** Workgroup counts for `n` threads in groups of `wg` (2-D when more than 65535 groups are needed). */
export function groupsFor(n: number, wg: number): [number, number, number] {
  const g = Math.max(1, Math.ceil(n / wg));
  if (g <= 65535) return [g, 1, 1];
  const y = Math.ceil(g / 65535);
  return [Math.ceil(g / y), y, 1];
}
