// BENCH W5 micro-benchmark: 10 000 eager scalar adds; median µs per op and CPU µs per op. Usage: node --import tsx bench/micro/w5.mts [reps]
import { np } from '../../src/index.js';
const one = np.array(1, 'float32');
const loop = (n: number) => { let x = np.array(0, 'float32'); for (let i = 0; i < n; i++) x = x.add(one); return x; };
for (let r = 0; r < 20; r++) loop(10000).item();
const N = Number(process.argv[2] ?? 30);
const ts: number[] = [];
const c0 = process.cpuUsage();
for (let r = 0; r < N; r++) { const t0 = performance.now(); loop(10000).item(); ts.push((performance.now() - t0) / 10); }
const cu = process.cpuUsage(c0);
ts.sort((a, b) => a - b);
console.log('W5 µs/op median', ts[N >> 1]!.toFixed(2), 'min', ts[0]!.toFixed(2), 'cpu µs/op', ((cu.user + cu.system) / N / 10000).toFixed(2));
