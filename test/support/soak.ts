// Runs a jitted training loop and prints live-buffer counts after forced GCs (spawned by memory.test.ts).
import { np, random, jit, valueAndGrad, tree, memoryStats, type Array } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const steps = Number(process.argv[2] ?? 600);
const k = random.key(1);
const x = random.normal(k, [64, 16]);
const y = np.sin(x.sum(1, { keepdims: true }));
let params = { w1: random.normal(random.foldIn(k, 1), [16, 32]).mul(0.3), w2: random.normal(random.foldIn(k, 2), [32, 1]).mul(0.3) };
const loss = (p: typeof params) => np.tanh(x.matmul(p.w1)).matmul(p.w2).sub(y).square().mean();
const step = jit((p: typeof params) => {
  const [l, g] = valueAndGrad(loss)(p);
  return [tree.map((a: Array, b: Array) => a.sub(b.mul(0.1)), p, g), l] as const;
});
const samples: number[] = [];
let first = 0, last = 0;
for (let i = 0; i < steps; i++) {
  const [p, l] = step(params);
  params = p;
  if (i === 0) first = Number(l.item());
  if (i === steps - 1) last = Number(l.item());
  if (i % 100 === 99) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
    gc();
    await new Promise((r) => setTimeout(r, 10));
    samples.push(memoryStats().ref!.buffers);
  }
}
console.log(JSON.stringify({ samples, first, last, traces: step.traceCount }));
