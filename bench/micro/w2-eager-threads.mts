// W2 eager (tanh(x*1.5+0.5)*sigmoid(x) over 2^22 float32, wasm target, 2 threads): median ms with the eager elementwise kernels split across the pool against unsplit, alternated per rep in one process. Usage: node --import tsx bench/micro/w2-eager-threads.mts
import { np, nn, withTarget } from '../../src/index.js';
import { setThreads, threadsReady } from '../../src/targets/wasm/threads.js';
import { elementwiseConfig } from '../../src/targets/wasm/elementwise.js';
setThreads(2); await threadsReady();
const x0 = np.array(Float32Array.from({ length: 1 << 22 }, (_, i) => Math.sin(i)));
const chain = (x: any) => np.tanh(x.mul(1.5).add(0.5)).mul(nn.sigmoid(x));
withTarget('wasm', () => {
  const t: Record<string, number[]> = { on: [], off: [] };
  for (let i = 0; i < 24; i++) for (const m of i % 2 ? ['on', 'off'] : ['off', 'on']) {
    elementwiseConfig.threadsMin = m === 'on' ? 1 << 16 : Infinity;
    const s = performance.now(); chain(x0).dispose(); t[m]!.push(performance.now() - s);
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!.toFixed(1);
  console.log('W2 eager, 2 threads: split', med(t.on!), 'ms, unsplit', med(t.off!), 'ms');
});
process.exit(0);
