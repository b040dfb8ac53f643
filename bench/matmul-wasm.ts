// W1 on the wasm target: f32 matmul N×N @ N×N (N = 256, 512, 1024), single thread, GFLOP/s = 2N³ / time.
//
//   node --import tsx bench/matmul-wasm.ts            (relaxed-SIMD kernels where the engine has them)
//   TENSORLAW_WASM_RELAXED=0 node --import tsx bench/matmul-wasm.ts   (SIMD128 kernels)
//
// Two rows per size: `kernel` times gemmF32 on operands already in WebAssembly memory; `op` times the whole eager
// lax.dot on the wasm target (copies in and out included, result read back). Median of 5 timed repetitions after
// warm-up (shared/BENCH.md); `cpu` is the median in process CPU time, which shared, noisy machines disturb less
// than wall time, and `best` the fastest wall-clock repetition.
import { fromTyped } from '../src/core/array.js';
import * as lax from '../src/lax/ops.js';
import { withTarget } from '../src/targets/registry.js';
import '../src/targets/wasm/index.js';
import { f32View, scratch, scratchMark, scratchRelease, wasmExports, wasmVariant } from '../src/targets/wasm/runtime.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const Ns = sizes.length ? sizes : [256, 512, 1024];
const REPS = 5;

function time(f: () => void, minWarmMs = 300): { wall: number; cpu: number; best: number } {
  const w0 = performance.now();
  while (performance.now() - w0 < minWarmMs) f();
  const walls: number[] = [], cpus: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    f();
    walls.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpus.push((d.user + d.system) / 1000);
  }
  const med = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]!;
  return { wall: med(walls), cpu: med(cpus), best: Math.min(...walls) };
}

const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const ex = wasmExports();
console.log(`W1 matmul f32, wasm target, 1 thread, kernels: ${wasmVariant()}`);
console.log('N      what     wall ms   GFLOP/s   cpu GFLOP/s   best GFLOP/s');
for (const N of Ns) {
  const flops = 2 * N ** 3;
  const gf = (ms: number) => (flops / ms / 1e6).toFixed(1);
  const row = (what: string, t: { wall: number; cpu: number; best: number }) =>
    console.log(`${String(N).padEnd(6)} ${what.padEnd(8)} ${t.wall.toFixed(2).padStart(8)} ${gf(t.wall).padStart(9)} ${gf(t.cpu).padStart(12)} ${gf(t.best).padStart(13)}`);
  // kernel only
  const mark = scratchMark();
  const a = scratch(N * N * 4), b = scratch(N * N * 4), c = scratch(N * N * 4), work = scratch(ex.gemmWorkBytes(4));
  f32View(a, N * N).set(rand(N * N));
  f32View(b, N * N).set(rand(N * N));
  row('kernel', time(() => ex.gemmF32(1, N, N, N, a, 0, N, 1, b, 0, N, 1, c, 0, N, work)));
  scratchRelease(mark);
  // the eager op
  const x = fromTyped(rand(N * N), [N, N], 'float32'), y = fromTyped(rand(N * N), [N, N], 'float32');
  row('op', withTarget('wasm', () => time(() => void lax.dot(x, y).dataSync())));
}
