// TensorFlow.js 4.22 as a benchmark engine: backends 'cpu', 'wasm' (XNNPACK, SIMD) and 'webgpu' (Dawn via the
// `webgpu` package). It is an optional peer installed under bench/ (npm --prefix bench ci), so it is imported
// dynamically and typed loosely: the library's CI typechecks this file without it.
import { type Case, delta } from '../lib/common.js';
import { type Engine, type Inputs, type Outputs, type Runner, Unsupported, input } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type T = any; // a tf.Tensor

const MLP = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
const CNN = ['c1w', 'c1b', 'c2w', 'c2b', 'd1w', 'd1b', 'd2w', 'd2b'];

export async function create(variant: string, threads: number): Promise<Engine> {
  const imp = (s: string): Promise<any> => import(s);
  const tf = await imp('@tensorflow/tfjs-core');
  await imp('@tensorflow/tfjs'); // the gradient functions live in the umbrella package, not in tfjs-core's Node bundle
  const notes: string[] = [];
  let threadInfo = '1';
  if (variant === 'cpu') await imp('@tensorflow/tfjs-backend-cpu');
  else if (variant === 'wasm') {
    const wasm = await imp('@tensorflow/tfjs-backend-wasm');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    wasm.setThreadsCount(threads);
    if (!simd) notes.push('no SIMD');
    if (!mt && threads > 1) notes.push('tfjs turns wasm threads off under Node (tfjs issue #3830): 1 thread');
    await tf.setBackend('wasm');
    threadInfo = String(wasm.getThreadsCount());
    notes.push(simd ? 'SIMD' : 'scalar');
  } else if (variant === 'webgpu') {
    const webgpu = await imp('webgpu').catch(() => null);
    if (!webgpu) throw new Unsupported('the webgpu package is not installed');
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Unsupported('no WebGPU adapter here (Dawn finds no GPU/Vulkan driver)');
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    await imp('@tensorflow/tfjs-backend-webgpu');
    threadInfo = 'GPU';
  } else throw new Unsupported(`unknown TensorFlow.js backend ${variant}`);
  if (!(await tf.setBackend(variant))) throw new Unsupported(`TensorFlow.js could not start its '${variant}' backend`);
  await tf.ready();
  const sync = variant !== 'webgpu'; // cpu and wasm kernels have finished when the op returns

  const t = (inputs: Inputs, name: string, shape: readonly number[]): T => tf.tensor(input(inputs, name), [...shape], 'float32');
  const read = async (x: T): Promise<Float32Array> => (await x.data()) as Float32Array;
  const finish = async (x: T): Promise<void> => {
    if (!sync) await x.data();
    x.dispose();
  };

  const crossEntropy = (logits: T, y: T): T => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1)));
  const mlpLoss = (x: T, y: T) => (w1: T, b1: T, w2: T, b2: T, w3: T, b3: T): T => {
    const h1 = tf.relu(tf.add(tf.matMul(x, w1), b1));
    const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2));
    return crossEntropy(tf.add(tf.matMul(h2, w3), b3), y);
  };
  const cnnLoss = (x: T, y: T) => (c1w: T, c1b: T, c2w: T, c2b: T, d1w: T, d1b: T, d2w: T, d2b: T): T => {
    const conv = (h: T, w: T, b: T) => tf.relu(tf.add(tf.conv2d(h, w, 1, 'same'), b));
    const pool = (h: T) => tf.maxPool(h, 2, 2, 'valid');
    const h = pool(conv(pool(conv(x, c1w, c1b)), c2w, c2b));
    const d1 = tf.relu(tf.add(tf.matMul(tf.reshape(h, [64, 3136]), d1w), d1b));
    return crossEntropy(tf.add(tf.matMul(d1, d2w), d2b), y);
  };

  /** An SGD step in eager TensorFlow.js: tf.valueAndGrads, then p - lr·g (TF.js has no jit). */
  function trainingRunner(loss: (...p: T[]) => T, c: Case, inputs: Inputs, names: readonly string[]): Runner {
    const lr = c.params.lr!;
    const shapeOf = (n: string) => c.inputs.find((s) => s.name === n)!.shape;
    const p0: T[] = names.map((n) => t(inputs, n, shapeOf(n)));
    const vg = tf.valueAndGrads(loss);
    const step = (p: T[]): [T[], T] => {
      const { value, grads } = vg(p);
      const next = tf.tidy(() => p.map((pi: T, i: number) => tf.sub(pi, tf.mul(grads[i], lr))));
      tf.dispose(grads);
      return [next, value];
    };
    let p = p0.map((x) => x.clone());
    return {
      async check() {
        const [p1, l] = step(p0);
        const out: Outputs = { loss: await read(l) };
        for (let i = 0; i < names.length; i++) out[`d${names[i]}`] = delta(await read(p1[i]), await read(p0[i]));
        tf.dispose([p1, l]);
        return out;
      },
      async run() {
        const [p1, l] = step(p);
        await read(l);
        tf.dispose(p);
        l.dispose();
        p = p1;
      },
      dispose() {
        tf.dispose([p, p0]);
      },
    };
  }

  const simple = (f: () => T, name: string, keep: T[]): Runner => ({
    async check() {
      const r = f();
      const d = await read(r);
      r.dispose();
      return { [name]: d };
    },
    async run() {
      await finish(f());
    },
    dispose() {
      tf.dispose(keep);
    },
  });

  const version = String(tf.version_core ?? tf.version?.['tfjs-core'] ?? '?');
  return {
    info: { label: `tfjs/${variant}`, version, threads: threadInfo, notes },
    async setup(c, inputs) {
      // A kernel missing from a backend (e.g. Conv2DBackpropFilter on wasm) is "not supported", not a failure.
      const unsupported = (e: unknown): unknown => {
        const msg = (e as Error)?.message ?? String(e);
        return /not (yet )?(registered|implemented)|not supported/i.test(msg) ? new Unsupported(msg.split('\n')[0]!.slice(0, 200)) : e;
      };
      try {
        const r = await setupCase(c, inputs);
        const check = r.check.bind(r);
        r.check = () => check().catch((e: unknown) => Promise.reject(unsupported(e)));
        return r;
      } catch (e) {
        throw unsupported(e);
      }
    },
  };

  async function setupCase(c: Case, inputs: Inputs): Promise<Runner> {
    switch (c.workload) {
      case 'W1': {
        const n = c.params.n!;
        const a = t(inputs, 'a', [n, n]), b = t(inputs, 'b', [n, n]);
        return simple(() => tf.matMul(a, b), 'c', [a, b]);
      }
      case 'W2': {
        const x = t(inputs, 'x', [1 << 22]);
        const r = simple(() => tf.tidy(() => tf.mul(tf.tanh(tf.add(tf.mul(x, 1.5), 0.5)), tf.sigmoid(x))), 'y', [x]);
        return c.key === 'jit' ? { ...r, note: 'no jit: eager ops' } : r;
      }
      case 'W3': {
        const x = t(inputs, 'x', [1 << 22]);
        return {
          async check() {
            return { s: await read(tf.sum(x)) };
          },
          async run() {
            const s = tf.sum(x);
            await read(s);
            s.dispose();
          },
          dispose() {
            x.dispose();
          },
        };
      }
      case 'W4': {
        const x = t(inputs, 'x', [128, 784]), y = t(inputs, 'y', [128, 10]);
        return trainingRunner(mlpLoss(x, y), c, inputs, MLP);
      }
      case 'W5': {
        const n = c.params.n!;
        const one = tf.scalar(1, 'float32');
        const loop = (): T => {
          let x = tf.scalar(0, 'float32');
          for (let i = 0; i < n; i++) {
            const nx = tf.add(x, one);
            x.dispose();
            x = nx;
          }
          return x;
        };
        return {
          async check() {
            return { x: await read(loop()) };
          },
          async run() {
            const x = loop();
            await read(x);
            x.dispose();
          },
          dispose() {
            one.dispose();
          },
        };
      }
      case 'W6': {
        const x = t(inputs, 'x', [32, 32, 32, 64]), w = t(inputs, 'w', [3, 3, 64, 64]);
        return simple(() => tf.conv2d(x, w, 1, 'same'), 'y', [x, w]);
      }
      case 'W7': {
        const x = t(inputs, 'x', [64, 28, 28, 1]), y = t(inputs, 'y', [64, 10]);
        return trainingRunner(cnnLoss(x, y), c, inputs, CNN);
      }
      case 'W8': {
        const xs = t(inputs, 'xs', [50, 32, 64]);
        const steps: T[] = tf.unstack(xs);
        const H = 128;
        const loss = (wx: T, wh: T, b: T): T => {
          let h = tf.zeros([32, H]), cc = tf.zeros([32, H]);
          let total: T = tf.scalar(0);
          for (const x of steps) {
            const z = tf.add(tf.add(tf.matMul(x, wx), tf.matMul(h, wh)), b);
            const [zi, zf, zg, zo] = tf.split(z, 4, 1);
            cc = tf.add(tf.mul(tf.sigmoid(zf), cc), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
            h = tf.mul(tf.sigmoid(zo), tf.tanh(cc));
            total = tf.add(total, tf.sum(h));
          }
          return total;
        };
        const p = ['wx', 'wh', 'b'].map((n) => t(inputs, n, c.inputs.find((s) => s.name === n)!.shape));
        const vg = tf.valueAndGrads(loss);
        return {
          async check() {
            const { value, grads } = vg(p);
            const out = { loss: await read(value), gwx: await read(grads[0]), gwh: await read(grads[1]), gb: await read(grads[2]) };
            tf.dispose([value, grads]);
            return out;
          },
          async run() {
            const { value, grads } = vg(p);
            if (!sync) for (const g of grads) await g.data();
            await read(value);
            tf.dispose([value, grads]);
          },
          dispose() {
            tf.dispose([p, steps, xs]);
          },
        };
      }
      default:
        throw new Unsupported(`${c.workload}: no jit in TensorFlow.js (cold start of a compiled step does not apply)`);
    }
  }
}
