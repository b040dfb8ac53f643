// Runs a jitted training loop (MLP + Adam) and prints live buffers, wasm memory and RSS after forced GCs (memory.test.ts, `npm run soak`).
import { np, random, jit, valueAndGrad, optim, memoryStats, getTarget, type Array } from '../../src/index.js';
import { scratchStats } from '../../src/targets/wasm/runtime.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const steps = Number(process.argv[2] ?? 600);
const every = Math.max(1, Math.floor(steps / 10));
const k = random.key(1);
const x = random.normal(k, [64, 16]);
const y = np.sin(x.sum(1, { keepdims: true }));
let params = { w1: random.normal(random.foldIn(k, 1), [16, 32]).mul(0.3), b1: np.zeros([32]), w2: random.normal(random.foldIn(k, 2), [32, 1]).mul(0.3) };
const loss = (p: typeof params) => np.tanh(x.matmul(p.w1).add(p.b1)).matmul(p.w2).sub(y).square().mean();
const opt = optim.adam(1e-2);
let state = opt.init(params);
const step = jit((p: typeof params, s: typeof state) => {
  const [l, g] = valueAndGrad(loss)(p);
  const [u, s2] = opt.update(g, s, p);
  return [optim.applyUpdates(p, u), s2, l] as const;
});
const liveBuffers = (): number => Object.values(memoryStats()).reduce((a, m) => a + m.buffers, 0);
const samples: number[] = [], wasmBytes: number[] = [], rssMB: number[] = [];
let first = 0, last = 0;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const [p, s, l] = step(params, state);
  params = p;
  state = s;
  if (i === 0) first = Number(l.item());
  if (i === steps - 1) last = Number(l.item());
  if (i % every === every - 1) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
    gc();
    await new Promise((r) => setTimeout(r, 10));
    samples.push(liveBuffers());
    wasmBytes.push(scratchStats().memoryBytes);
    rssMB.push(Math.round(process.memoryUsage().rss / 2 ** 20));
  }
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ target: getTarget(), steps, samples, wasmBytes, rssMB, first, last, traces: step.traceCount, seconds }));
