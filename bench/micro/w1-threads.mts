// W1 on the wasm target, the eager matmul N×N @ N×N timed at 1 and 2 threads alternately (3 rounds, median of 9 each): wall GFLOP/s and CPU ms, to see what the second thread buys. Usage: N=1024 node --import tsx bench/micro/w1-threads.mts
import { np, withTarget } from '../../src/index.js';
import { setThreads, threadsReady, threadStats } from '../../src/targets/wasm/threads.js';
const N = Number(process.env.N ?? 1024);
const rand = (n: number) => np.array(Float32Array.from({ length: n }, () => Math.random() - 0.5)).reshape([N, N]);
const a = rand(N * N), b = rand(N * N);
const flops = 2 * N ** 3;
await threadsReady();
withTarget('wasm', () => {
  for (let round = 0; round < 3; round++)
    for (const T of [1, 2]) {
      setThreads(T);
      for (let i = 0; i < 3; i++) np.matmul(a, b).dispose();
      const walls: number[] = [], cpus: number[] = [];
      for (let r = 0; r < 9; r++) {
        const c = process.cpuUsage(), t = performance.now();
        np.matmul(a, b).dispose();
        walls.push(performance.now() - t); const d = process.cpuUsage(c); cpus.push((d.user + d.system) / 1000);
      }
      const med = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1]!;
      console.log(`T=${T} wall ${med(walls).toFixed(1)} ms (${(flops / med(walls) / 1e6).toFixed(1)} GFLOP/s, best ${(flops / Math.min(...walls) / 1e6).toFixed(1)}), cpu ${med(cpus).toFixed(1)} ms`);
    }
});
console.log(JSON.stringify(threadStats()));
process.exit(0);
