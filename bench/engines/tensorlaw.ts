// tensorlaw as a benchmark engine: every workload of shared/BENCH.md on one target ('ref', 'wasm', ...).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tl from '../../src/index.js';
import { type Array, jit, lax, nn, np, setTarget, tree, valueAndGrad } from '../../src/index.js';
import { type Case, delta } from '../lib/common.js';
import { type Engine, type Inputs, type Outputs, type Runner, Unsupported, input } from './types.js';

type Tree = Record<string, Array>;

/** Thread controls a target module may export (the wasm target does). */
interface ThreadControls {
  setThreads?: (n: number) => void;
  getThreads?: () => number;
  threadsReady?: (timeoutMs?: number) => Promise<void>;
}
const targetModules = new Map<string, ThreadControls>();

/** Targets that live in their own module register themselves when it loads (src/targets/<name>/index.ts). */
async function loadTarget(name: string): Promise<void> {
  const url = new URL(`../../src/targets/${name}/index.ts`, import.meta.url);
  if (existsSync(fileURLToPath(url))) targetModules.set(name, (await import(url.href.replace(/\.ts$/, '.js'))) as ThreadControls);
}

/**
 * Target modules this checkout has (for availableTargets() in the orchestrator). The webgpu target needs an
 * asynchronous device acquisition, so it is listed whenever its module exists: create('webgpu') then acquires the
 * device, and reports "skipped: <why>" (Unsupported) when this machine has no WebGPU adapter.
 */
export async function loadAllTargets(): Promise<string[]> {
  await loadTarget('wasm');
  await loadTarget('webgpu');
  const names = tl.availableTargets();
  return targetModules.has('webgpu') && !names.includes('webgpu') ? [...names, 'webgpu'] : names;
}

/** The webgpu target's module (src/targets/webgpu/index.ts) and the device's queue, once initialised. */
interface WebGpuModule {
  initWebGpu(): Promise<void>;
  webgpuInfo(): { adapter: string; cpuLike: boolean; pool: Record<string, number> } | null;
}
let gpuQueue: { onSubmittedWorkDone(): Promise<undefined> } | null = null;

/** Acquires the WebGPU device (Dawn via the `webgpu` package in Node); Unsupported with the reason if there is none. */
async function initGpu(): Promise<string> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp'; // Dawn's Vulkan loader (lavapipe) wants one
  const mod = targetModules.get('webgpu') as (ThreadControls & Partial<WebGpuModule>) | undefined;
  if (!mod?.initWebGpu) throw new Unsupported('this checkout has no webgpu target (src/targets/webgpu)');
  try {
    await mod.initWebGpu();
  } catch (e) {
    throw new Unsupported(`no WebGPU device: ${((e as Error).message ?? String(e)).split('\n')[0]!.slice(0, 240)}`);
  }
  // The device's queue, for blockUntilReady: tensorlaw's arrays have no public blockUntilReady yet, so the bench
  // waits on the queue itself (onSubmittedWorkDone resolves once every submission so far has finished).
  const dev = (await import('../../src/targets/webgpu/device.js')) as unknown as { gpu(): { device: { queue: NonNullable<typeof gpuQueue> } } };
  gpuQueue = dev.gpu().device.queue;
  const info = mod.webgpuInfo?.();
  return info ? `${info.adapter}${info.cpuLike ? ' (CPU adapter)' : ''}` : 'GPU';
}

/** True for arrays in device storage that cannot be read synchronously (webgpu). */
const onDevice = (x: Array): boolean => {
  const c = x as Array & { isHost?: boolean; device?: { readSync?: unknown } | null };
  return c.isHost === false && !c.device?.readSync;
};

/**
 * Waits until `x` is computed. Arrays of asynchronous targets (webgpu) wait for the GPU queue (every submission so
 * far, like jax-js's blockUntilReady); the reference and wasm arrays are computed when the op returns.
 */
async function ready(x: Array): Promise<void> {
  const a = x as Array & { blockUntilReady?: () => Promise<unknown> };
  if (typeof a.blockUntilReady === 'function') await a.blockUntilReady();
  else if (onDevice(x) && gpuQueue) await gpuQueue.onSubmittedWorkDone();
  else a.concrete();
}
/** Waits for all of `xs`: on the GPU one wait covers them all (the queue runs submissions in order). */
const readyAll = async (xs: readonly Array[]): Promise<void> => {
  if (xs.some(onDevice)) return ready(xs.find(onDevice)!);
  for (const x of xs) await ready(x);
};
/** The one value of a scalar, read back (asynchronously: dataSync throws on webgpu by design). */
const scalar = async (x: Array): Promise<number> => (await x.data())[0] as number;

const f32 = async (a: Array): Promise<Float32Array> => (await a.data()) as Float32Array;
const arr = (inputs: Inputs, name: string, shape: readonly number[]): Array => np.reshape(np.array(input(inputs, name)), shape);

// ---------------------------------------------------------------------------------------------
// The models, written with tensorlaw's np/lax/nn like a user would.

/** Softmax cross-entropy against one-hot labels, averaged over the batch. */
const crossEntropy = (logits: Array, y: Array): Array => np.mean(np.sum(y.mul(nn.logSoftmax(logits)), -1)).neg();

const mlpLoss = (p: Tree, x: Array, y: Array): Array => {
  const h1 = nn.relu(np.matmul(x, p.w1!).add(p.b1!));
  const h2 = nn.relu(np.matmul(h1, p.w2!).add(p.b2!));
  return crossEntropy(np.matmul(h2, p.w3!).add(p.b3!), y);
};

const cnnLoss = (p: Tree, x: Array, y: Array): Array => {
  const conv = (h: Array, w: Array, b: Array) =>
    nn.relu(lax.convGeneralDilated(h, w, { padding: 'SAME', dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] }).add(b));
  const pool = (h: Array) => lax.reduceWindow(h, 'max', [1, 2, 2, 1], [1, 2, 2, 1]);
  const h = pool(conv(pool(conv(x, p.c1w!, p.c1b!)), p.c2w!, p.c2b!));
  const flat = np.reshape(h, [x.shape[0]!, 3136]);
  const d1 = nn.relu(np.matmul(flat, p.d1w!).add(p.d1b!));
  return crossEntropy(np.matmul(d1, p.d2w!).add(p.d2b!), y);
};

/** An SGD training step: loss and gradients of all parameters, p - lr·g. */
const sgdStep = (loss: (p: Tree, x: Array, y: Array) => Array, lr: number) => (p: Tree, x: Array, y: Array) => {
  const [l, g] = valueAndGrad(loss)(p, x, y) as [Array, Tree];
  return [tree.map((pi: Array, gi: Array) => pi.sub(gi.mul(lr)), p, g) as Tree, l] as const;
};

/** LSTM over xs [T, B, in] (gates i, f, g, o as PyTorch), h0 = c0 = 0; the loss is the sum of all h_t. */
const lstmLoss = (p: Tree, xs: Array): Array => {
  const [, b] = [xs.shape[0]!, xs.shape[1]!];
  const hidden = p.wh!.shape[0]!;
  const zeros = np.zeros([b, hidden], 'float32');
  const [, hs] = lax.scan(
    ([h, c]: [Array, Array], x: Array): [[Array, Array], Array] => {
      const z = np.matmul(x, p.wx!).add(np.matmul(h, p.wh!)).add(p.b!);
      const gate = (k: number) => lax.sliceInDim(z, k * hidden, (k + 1) * hidden, 1, 1);
      const i = nn.sigmoid(gate(0)), f = nn.sigmoid(gate(1)), g = np.tanh(gate(2)), o = nn.sigmoid(gate(3));
      const c2 = f.mul(c).add(i.mul(g));
      const h2 = o.mul(np.tanh(c2));
      return [[h2, c2], h2];
    },
    [zeros, zeros] as [Array, Array],
    xs,
  );
  return np.sum(hs);
};

const params = (inputs: Inputs, c: Case, names: readonly string[]): Tree =>
  Object.fromEntries(names.map((n) => [n, arr(inputs, n, c.inputs.find((s) => s.name === n)!.shape)]));

const MLP = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
const CNN = ['c1w', 'c1b', 'c2w', 'c2b', 'd1w', 'd1b', 'd2w', 'd2b'];

/** The outputs of a training-step check: the loss and p' - p for every parameter (named 'd' + name). */
async function stepOutputs(p0: Tree, p1: Tree, loss: Array, names: readonly string[]): Promise<Outputs> {
  const out: Outputs = { loss: await f32(loss) };
  for (const n of names) out[`d${n}`] = delta(await f32(p1[n]!), await f32(p0[n]!));
  return out;
}

/** A runner that threads training-step state through the reps. */
function trainingRunner(step: (p: Tree, x: Array, y: Array) => readonly [Tree, Array], p0: Tree, x: Array, y: Array, names: readonly string[]): Runner {
  let p = p0;
  return {
    async check() {
      const [p1, l] = step(p0, x, y);
      await readyAll([l, ...Object.values(p1)]);
      return stepOutputs(p0, p1, l, names);
    },
    async run() {
      const [p1, l] = step(p, x, y);
      // On webgpu the loss and p' come from one submission: reading the loss back waits for all of it (as the
      // TensorFlow.js runner reads its loss); elsewhere the arrays are ready when the call returns.
      if (!onDevice(l)) await readyAll([l, ...Object.values(p1)]);
      await scalar(l);
      release(p, p0, p1);
      l.dispose();
      p = p1;
    },
    dispose() {
      release(p, p0, {});
      p = p0;
    },
  };
}

/** Frees the parameters of a finished step (not the initial ones, which check() reuses, nor any kept in `next`). */
function release(p: Tree, p0: Tree, next: Tree): void {
  if (p === p0) return;
  const keep = new Set([...Object.values(p0), ...Object.values(next)]);
  for (const a of Object.values(p)) if (!keep.has(a)) a.dispose();
}

/**
 * The wasm jit compiles its kernels in the background and swaps them in when ready (JavaScript kernels run until then):
 * check() also waits for those compiles, twice (a plan's nested bodies compile on its first compiled call), so that the
 * timed reps measure compiled code however cold the disk cache. The compile itself is W9's measurement.
 */
function settled(r: Runner): Runner {
  return {
    ...r,
    async check() {
      const out = await r.check();
      for (let i = 0; i < 2; i++) {
        await tl.jitIdle();
        await r.check();
      }
      await tl.jitIdle();
      return out;
    },
  };
}

/** A runner of a function without state: check reads its output back, run waits for it and frees it. */
const simple = (f: () => Array, name: string): Runner => ({
  async check() {
    const r = f();
    const out = { [name]: await f32(r) };
    r.dispose();
    return out;
  },
  async run() {
    const r = f();
    await ready(r);
    r.dispose();
  },
  dispose() {},
});

export async function create(variant: string, threads: number): Promise<Engine> {
  const targets = await loadAllTargets();
  if (!targets.includes(variant)) throw new Unsupported(`target '${variant}' is not available here (available: ${targets.join(', ')})`);
  const notes: string[] = [];
  let threadInfo = '1 (JS main thread)';
  if (variant === 'webgpu') {
    threadInfo = `GPU: ${await initGpu()}`;
    notes.push('waits with queue.onSubmittedWorkDone (W1/W2/W6); training steps read the loss back');
  }
  setTarget(variant);
  // Threads: setThreads from the package's public API, else from the target's own module.
  const pub = tl as unknown as ThreadControls;
  const mod: ThreadControls = typeof pub.setThreads === 'function' ? pub : (targetModules.get(variant) ?? {});
  if (variant === 'webgpu') {
    // the GPU's own threads (lavapipe: its worker threads, one per core by default) do the work
  } else if (variant !== 'ref' && typeof mod.setThreads === 'function') {
    mod.setThreads(threads);
    await mod.threadsReady?.();
    threadInfo = String(mod.getThreads?.() ?? threads);
  } else if (variant !== 'ref') notes.push('no setThreads: default threading');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

  /** The runner of a timed case. */
  async function build(c: Case, inputs: Inputs): Promise<Runner> {
    switch (c.workload) {
      case 'W1': {
        const n = c.params.n!;
        const a = arr(inputs, 'a', [n, n]), b = arr(inputs, 'b', [n, n]);
        return simple(() => np.matmul(a, b), 'c');
      }
      case 'W2': {
        const x = arr(inputs, 'x', [1 << 22]);
        const chain = (x: Array) => np.tanh(x.mul(1.5).add(0.5)).mul(nn.sigmoid(x));
        const f = c.key === 'jit' ? jit(chain) : chain;
        return simple(() => f(x), 'y');
      }
      case 'W3': {
        // On webgpu an op on host operands with a scalar result runs on the reference (src/targets/webgpu/index.ts):
        // x is moved to the device first (x·1, exact) so that the sum runs there.
        const x0 = arr(inputs, 'x', [1 << 22]);
        const x = variant === 'webgpu' ? x0.mul(1) : x0;
        return {
          async check() {
            return { s: await f32(np.sum(x)) };
          },
          async run() {
            const r = np.sum(x);
            await scalar(r);
            r.dispose();
          },
          dispose() {},
        };
      }
      case 'W4': {
        const step = jit(sgdStep(mlpLoss, c.params.lr!));
        return trainingRunner(step, params(inputs, c, MLP), arr(inputs, 'x', [128, 784]), arr(inputs, 'y', [128, 10]), MLP);
      }
      case 'W5': {
        const n = c.params.n!;
        const one = np.array(1, 'float32');
        const loop = () => {
          let x = np.array(0, 'float32');
          for (let i = 0; i < n; i++) x = x.add(one);
          return x;
        };
        return {
          async check() {
            return { x: await f32(loop()) };
          },
          async run() {
            await scalar(loop());
          },
          dispose() {},
        };
      }
      case 'W6': {
        const x = arr(inputs, 'x', [32, 32, 32, 64]), w = arr(inputs, 'w', [3, 3, 64, 64]);
        const conv = (x: Array, w: Array) => lax.convGeneralDilated(x, w, { padding: 'SAME', dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] });
        const f = c.key === 'jit' ? jit(conv) : conv;
        return simple(() => f(x, w), 'y');
      }
      case 'W7': {
        const step = jit(sgdStep(cnnLoss, c.params.lr!));
        return trainingRunner(step, params(inputs, c, CNN), arr(inputs, 'x', [64, 28, 28, 1]), arr(inputs, 'y', [64, 10]), CNN);
      }
      case 'W8': {
        const p = params(inputs, c, ['wx', 'wh', 'b']);
        const xs = arr(inputs, 'xs', [50, 32, 64]);
        const f = jit((p: Tree, xs: Array) => valueAndGrad(lstmLoss)(p, xs) as [Array, Tree]);
        return {
          async check() {
            const [l, g] = f(p, xs);
            return { loss: await f32(l), gwx: await f32(g.wx!), gwh: await f32(g.wh!), gb: await f32(g.b!) };
          },
          async run() {
            const [l, g] = f(p, xs);
            // one submission on webgpu: reading the loss back waits for the gradients too
            if (!onDevice(l)) await readyAll([l, g.wx!, g.wh!, g.b!]);
            await scalar(l);
            for (const a of [l, g.wx!, g.wh!, g.b!]) a.dispose();
          },
          dispose() {},
        };
      }
      default:
        throw new Unsupported(`${c.workload} is not a timed workload`);
    }
  }

  const engine: Engine = {
    info: { label: `tensorlaw/${variant}`, version: pkg.version, threads: threadInfo, notes },
    async setup(c, inputs) {
      const r = await build(c, inputs);
      return variant === 'wasm' ? settled(r) : r; // (only the wasm jit compiles in the background)
    },
    async cold(c, inputs) {
      const p0 = params(inputs, c, MLP);
      const x = arr(inputs, 'x', [128, 784]), y = arr(inputs, 'y', [128, 10]);
      const t0 = performance.now();
      const step = jit(sgdStep(mlpLoss, c.params.lr!));
      const [p1, l] = step(p0, x, y);
      if (!onDevice(l)) await readyAll([l, ...Object.values(p1)]);
      await scalar(l);
      const ms = performance.now() - t0;
      return { ms, outputs: await stepOutputs(p0, p1, l, MLP) };
    },
  };
  return engine;
}
