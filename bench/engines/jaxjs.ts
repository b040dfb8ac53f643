// jax-js (@jax-js/jax) as a benchmark engine: 'wasm' (worker pool of --threads workers) or 'webgpu'.
// jax-js is an optional peer installed under bench/ (npm --prefix bench ci), so it is imported dynamically
// and typed loosely here: the library's CI typechecks this file without it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Case, delta, permuteFlatRows, transposeHost } from '../lib/common.js';
import { type Engine, type Inputs, type Outputs, type Runner, Unsupported, input } from './types.js';
import { installWebWorkerShim } from './webworker-shim.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type J = any; // a jax-js Array (reference-counted: every call consumes its arguments; `.ref` keeps one)

const MLP = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
const CNN = ['c1w', 'c1b', 'c2w', 'c2b', 'd1w', 'd1b', 'd2w', 'd2b'];

export async function create(variant: string, threads: number): Promise<Engine> {
  const spec = '@jax-js/jax';
  const notes: string[] = [];
  if (variant === 'wasm' && threads > 1) installWebWorkerShim(threads);
  if (variant === 'webgpu') {
    const gpuSpec = 'webgpu';
    const webgpu: any = await import(gpuSpec).catch(() => null);
    if (!webgpu) throw new Unsupported('the webgpu package is not installed');
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Unsupported('no WebGPU adapter here (Dawn finds no GPU/Vulkan driver)');
    // jax-js's webgpu module reads navigator.userAgent when it loads.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu, hardwareConcurrency: threads, userAgent: 'Node.js' }, configurable: true, writable: true });
  }
  const jax: any = await import(spec);
  const devices: string[] = await jax.init(variant);
  if (!devices.includes(variant)) throw new Unsupported(`jax-js could not start its '${variant}' device (got ${devices.join(', ') || 'none'})`);
  jax.defaultDevice(variant);
  const { numpy: np, nn, lax, tree, jit, valueAndGrad } = jax;
  const pkgPath = createRequire(import.meta.url).resolve(spec).replace(/dist\/index\.(c?js)$/, 'package.json');
  const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  if (variant === 'wasm') notes.push(threads > 1 ? `worker pool of ${threads} (worker_threads shim for its Web Workers)` : 'no worker pool (main thread)');

  const arr = (inputs: Inputs, name: string, shape: readonly number[]): J => np.array(input(inputs, name)).reshape([...shape]);
  const read = async (x: J): Promise<Float32Array> => (await x.data()) as Float32Array;
  const ready = async (x: J): Promise<void> => {
    await x.blockUntilReady();
  };

  const crossEntropy = (logits: J, y: J): J => np.mean(np.sum(y.mul(nn.logSoftmax(logits)), -1)).neg();
  const mlpLoss = (p: Record<string, J>, x: J, y: J): J => {
    const h1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
    const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
    return crossEntropy(np.matmul(h2, p.w3).add(p.b3), y);
  };
  // NCHW activations and OIHW kernels (jax-js's convolution layout); d1w rows in (c, h, w) order.
  const cnnLoss = (p: Record<string, J>, x: J, y: J): J => {
    const conv = (h: J, w: J, b: J) => nn.relu(lax.conv(h, w, [1, 1], 'SAME').add(b.reshape([1, -1, 1, 1])));
    const pool = (h: J) => lax.reduceWindow(h, (w: J) => np.max(w), [2, 2], [2, 2]);
    const h = pool(conv(pool(conv(x, p.c1w, p.c1b)), p.c2w, p.c2b));
    const d1 = nn.relu(np.matmul(h.reshape([64, 3136]), p.d1w).add(p.d1b));
    return crossEntropy(np.matmul(d1, p.d2w).add(p.d2b), y);
  };
  const sgdStep = (loss: (p: Record<string, J>, x: J, y: J) => J, lr: number) =>
    jit((p: Record<string, J>, x: J, y: J) => {
      const [l, g] = valueAndGrad(loss)(tree.ref(p), x, y);
      return [tree.map((pi: J, gi: J) => pi.sub(gi.mul(lr)), p, g), l];
    });
  /** LSTM as a JS loop traced under jit (jax-js 0.1.25 has no lax.scan): 50 unrolled steps. */
  const lstmLoss = (p: Record<string, J>, xs: J): J => {
    const [T, B] = xs.shape as number[];
    const H = p.wh.shape[0] as number;
    let h = np.zeros([B, H]), c = np.zeros([B, H]);
    let total: J = null;
    for (let t = 0; t < T!; t++) {
      const z = np.matmul(xs.ref.slice(t), p.wx.ref).add(np.matmul(h, p.wh.ref)).add(p.b.ref);
      const gate = (k: number) => z.ref.slice([], [k * H, (k + 1) * H]);
      const i = nn.sigmoid(gate(0)), f = nn.sigmoid(gate(1)), g = np.tanh(gate(2)), o = nn.sigmoid(gate(3));
      z.dispose();
      c = f.mul(c).add(i.mul(g));
      h = o.mul(np.tanh(c.ref));
      const s = np.sum(h.ref);
      total = total === null ? s : total.add(s);
    }
    h.dispose();
    c.dispose();
    xs.dispose();
    tree.dispose(p);
    return total;
  };

  const params = (inputs: Inputs, c: Case, names: readonly string[], fix?: (n: string, d: Float32Array) => [Float32Array, number[]]): Record<string, J> =>
    Object.fromEntries(
      names.map((n) => {
        const shape = c.inputs.find((s) => s.name === n)!.shape;
        const [d, sh] = fix ? fix(n, input(inputs, n)) : [input(inputs, n), [...shape]];
        return [n, np.array(d).reshape(sh)];
      }),
    );

  function trainingRunner(step: any, p0: Record<string, J>, x: J, y: J, names: readonly string[], canon: (n: string, d: Float32Array) => Float32Array): Runner {
    let p: Record<string, J> | null = null;
    return {
      async check() {
        const [p1, l] = step(tree.ref(p0), x.ref, y.ref);
        const out: Outputs = { loss: await read(l) };
        for (const n of names) out[`d${n}`] = delta(canon(n, await read(p1[n].ref)), canon(n, await read(p0[n].ref)));
        p = p1;
        return out;
      },
      async run() {
        const [p1, l] = step(p, x.ref, y.ref);
        await jax.blockUntilReady(p1);
        (await read(l)).at(0);
        p = p1;
      },
      dispose() {
        tree.dispose(p);
        tree.dispose(p0);
        x.dispose();
        y.dispose();
      },
    };
  }

  const simple = (f: () => J, name: string, keep: J[]): Runner => ({
    async check() {
      return { [name]: await read(f()) };
    },
    async run() {
      const r = f();
      await ready(r);
      r.dispose();
    },
    dispose() {
      for (const k of keep) k.dispose();
    },
  });

  return {
    info: { label: `jax-js/${variant}`, version, threads: variant === 'wasm' ? String(Math.max(threads, 1)) : 'GPU', notes },
    async setup(c, inputs) {
      switch (c.workload) {
        case 'W1': {
          const n = c.params.n!;
          const a = arr(inputs, 'a', [n, n]), b = arr(inputs, 'b', [n, n]);
          return simple(() => np.matmul(a.ref, b.ref), 'c', [a, b]);
        }
        case 'W2': {
          const x = arr(inputs, 'x', [1 << 22]);
          const chain = (x: J) => np.tanh(x.ref.mul(1.5).add(0.5)).mul(nn.sigmoid(x));
          const f = c.key === 'jit' ? jit(chain) : chain;
          return simple(() => f(x.ref), 'y', [x]);
        }
        case 'W3': {
          const x = arr(inputs, 'x', [1 << 22]);
          return {
            async check() {
              return { s: await read(np.sum(x.ref)) };
            },
            async run() {
              await read(np.sum(x.ref));
            },
            dispose() {
              x.dispose();
            },
          };
        }
        case 'W4': {
          const step = sgdStep(mlpLoss, c.params.lr!);
          return trainingRunner(step, params(inputs, c, MLP), arr(inputs, 'x', [128, 784]), arr(inputs, 'y', [128, 10]), MLP, (_n, d) => d);
        }
        case 'W5': {
          const n = c.params.n!;
          const one = np.array(1);
          const loop = (): J => {
            let x = np.array(0);
            for (let i = 0; i < n; i++) x = x.add(one.ref);
            return x;
          };
          return {
            async check() {
              return { x: await read(loop()) };
            },
            async run() {
              await read(loop());
            },
            dispose() {
              one.dispose();
            },
          };
        }
        case 'W6': {
          const x = np.array(transposeHost(input(inputs, 'x'), [32, 32, 32, 64], [0, 3, 1, 2])).reshape([32, 64, 32, 32]);
          const w = np.array(transposeHost(input(inputs, 'w'), [3, 3, 64, 64], [3, 2, 0, 1])).reshape([64, 64, 3, 3]);
          const op = (x: J, w: J) => lax.conv(x, w, [1, 1], 'SAME');
          const f = c.key === 'jit' ? jit(op) : op;
          const conv = () => f(x.ref, w.ref);
          return {
            async check() {
              return { y: transposeHost(await read(conv()), [32, 64, 32, 32], [0, 2, 3, 1]) };
            },
            async run() {
              const r = conv();
              await ready(r);
              r.dispose();
            },
            dispose() {
              x.dispose();
              w.dispose();
            },
          };
        }
        case 'W7': {
          // canonical NHWC/HWIO inputs -> NCHW/OIHW, and the dense rows to (c, h, w) order; back for the check.
          const toEngine = (n: string, d: Float32Array): [Float32Array, number[]] => {
            if (n === 'c1w') return [transposeHost(d, [5, 5, 1, 32], [3, 2, 0, 1]), [32, 1, 5, 5]];
            if (n === 'c2w') return [transposeHost(d, [5, 5, 32, 64], [3, 2, 0, 1]), [64, 32, 5, 5]];
            if (n === 'd1w') return [permuteFlatRows(d, 64, 7, 7, 128), [3136, 128]];
            return [d, [...c.inputs.find((s) => s.name === n)!.shape]];
          };
          const canon = (n: string, d: Float32Array): Float32Array => {
            if (n === 'c1w') return transposeHost(d, [32, 1, 5, 5], [2, 3, 1, 0]);
            if (n === 'c2w') return transposeHost(d, [64, 32, 5, 5], [2, 3, 1, 0]);
            if (n === 'd1w') return permuteFlatRows(d, 64, 7, 7, 128, true);
            return d;
          };
          const x = np.array(transposeHost(input(inputs, 'x'), [64, 28, 28, 1], [0, 3, 1, 2])).reshape([64, 1, 28, 28]);
          const step = sgdStep(cnnLoss, c.params.lr!);
          return trainingRunner(step, params(inputs, c, CNN, toEngine), x, arr(inputs, 'y', [64, 10]), CNN, canon);
        }
        case 'W8': {
          const p = params(inputs, c, ['wx', 'wh', 'b']);
          const xs = arr(inputs, 'xs', [50, 32, 64]);
          const f = jit((p: Record<string, J>, xs: J) => valueAndGrad(lstmLoss)(p, xs));
          return {
            async check() {
              const [l, g] = f(tree.ref(p), xs.ref);
              return { loss: await read(l), gwx: await read(g.wx), gwh: await read(g.wh), gb: await read(g.b) };
            },
            async run() {
              const [l, g] = f(tree.ref(p), xs.ref);
              await jax.blockUntilReady(g);
              await read(l);
              tree.dispose(g);
            },
            dispose() {
              tree.dispose(p);
              xs.dispose();
            },
          };
        }
        default:
          throw new Unsupported(`${c.workload} is not a timed workload`);
      }
    },
    async cold(c, inputs) {
      const p0 = params(inputs, c, MLP);
      const x = arr(inputs, 'x', [128, 784]), y = arr(inputs, 'y', [128, 10]);
      const t0 = performance.now();
      const step = sgdStep(mlpLoss, c.params.lr!);
      const [p1, l] = step(tree.ref(p0), x, y);
      await jax.blockUntilReady(p1);
      const lv = await read(l);
      const ms = performance.now() - t0;
      const out: Outputs = { loss: lv };
      for (const n of MLP) out[`d${n}`] = delta(await read(p1[n]), await read(p0[n]));
      return { ms, outputs: out };
    },
  };
}
