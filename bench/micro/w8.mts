// BENCH W8 micro-benchmark: LSTM (T 50, B 32, in 64, hidden 128) value and grad under jit; CPU ms per call and host-pool counters. Usage: node --import tsx bench/micro/w8.mts [reps]
import { jit, lax, nn, np, random, valueAndGrad } from '../../src/index.js';
type A = any;
const lstmLoss = (p: A, xs: A): A => {
  const b = xs.shape[1]; const hidden = p.wh.shape[0];
  const zeros = np.zeros([b, hidden], 'float32');
  const [, hs] = lax.scan(([h, c]: [A, A], x: A): [[A, A], A] => {
    const z = np.matmul(x, p.wx).add(np.matmul(h, p.wh)).add(p.b);
    const gate = (k: number) => lax.sliceInDim(z, k * hidden, (k + 1) * hidden, 1, 1);
    const i = nn.sigmoid(gate(0)), f = nn.sigmoid(gate(1)), g = np.tanh(gate(2)), o = nn.sigmoid(gate(3));
    const c2 = f.mul(c).add(i.mul(g)); const h2 = o.mul(np.tanh(c2));
    return [[h2, c2], h2];
  }, [zeros, zeros], xs);
  return np.sum(hs);
};
const p = { wx: random.normal(random.key(1), [64, 512]).mul(0.1), wh: random.normal(random.key(2), [128, 512]).mul(0.1), b: np.zeros([512]) };
const xs = random.normal(random.key(3), [50, 32, 64]);
const f = jit((p: A, xs: A) => valueAndGrad(lstmLoss)(p, xs));
const N = Number(process.argv[2] ?? 20);
for (let i = 0; i < 3; i++) { const [l] = f(p, xs) as any; l.item(); }
const ts: number[] = []; const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) { const t0 = performance.now(); const [l, g] = f(p, xs) as any; l.item(); g.wx.dataSync(); ts.push(performance.now() - t0); }
const cu = process.cpuUsage(c0); console.log('cpu ms/call', ((cu.user + cu.system) / 1000 / N).toFixed(1)); ts.sort((a, b) => a - b); console.log('W8 median', ts[N >> 1].toFixed(1), 'ms; min', ts[0].toFixed(1));
const { hostPoolStats } = await import('../../src/core/hostPool.js');
console.log(hostPoolStats);
