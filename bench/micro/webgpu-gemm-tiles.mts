// The GEMM routine on lavapipe at W1, W4 and W7 shapes (W7: the Winograd products and the implicit GEMM of its 5×5 layer) under several
// register-block shapes, interleaved: CPU ms per call (median of R reps) and GFLOP/s of CPU time.
//   XDG_RUNTIME_DIR=/tmp [T="8,1,16,4;8,1,32,4"] [R=7] [ONLY=w4] node --import tsx bench/micro/webgpu-gemm-tiles.mts
import type { RoutineContext } from '../../src/targets/webgpu/routines/common.js';
import { encodeMatmul } from '../../src/targets/webgpu/routines/matmul.js';
import { sineBuffer } from '../lib/gpu.js';
import { quietWait, setQuietWaits } from '../../src/targets/webgpu/quiet.js';
setQuietWaits(true); // (Dawn's busy poll would count in the CPU time)
const webgpu: any = await import('webgpu');
Object.assign(globalThis, webgpu.globals);
const gpu = webgpu.create([]);
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice({ requiredFeatures: ['shader-f16', 'subgroups'].filter((f) => adapter.features.has(f)) });
const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const shapes: [string, number, number, number, number, boolean?][] = [['w4a 128x512x784', 1, 128, 512, 784], ['w4b 128x512x512', 1, 128, 512, 512], ['w4dW1T 784x512x128', 1, 784, 512, 128, true], ['w1 1024', 1, 1024, 1024, 1024], ['fwd 36x3136x64x32', 36, 3136, 64, 32], ['dx 36x3136x32x64', 36, 3136, 32, 64], ['dw 36x32x64x3136', 36, 32, 64, 3136], ['dwT', 36, 32, 64, 3136, true], ['c2 12544x64x800', 1, 12544, 64, 800]];
const tiles = (process.env.T ?? '8,1,8,4;8,1,4,4;8,1,8,8;8,1,16,4;8,1,4,8').split(';').map((s) => { const [wgX, wgY, tm, tn] = s.split(',').map(Number); return { wgX, wgY, tm, tn, bk: 0 }; });
for (const [name, batch, m, n, k, transA] of shapes) {
  if (process.env.ONLY && !name.startsWith(process.env.ONLY)) continue;
  const a = sineBuffer(device, batch * m * k, 1), b = sineBuffer(device, batch * k * n, 2), c = sineBuffer(device, batch * m * n, 3);
  const res: Record<string, number[]> = {};
  for (let rep = 0; rep < Number(process.env.R ?? 4); rep++) for (const t of tiles) {
    const ctx: RoutineContext = { device, cpuLike: true, tiles: t } as any;
    const e = device.createCommandEncoder(); encodeMatmul(ctx, e, { a, b, out: c, batch, m, n, k, transA: !!transA });
    const c0 = cpuNow(); device.queue.submit([e.finish()]); await quietWait(device.queue.onSubmittedWorkDone());
    if (rep) (res[JSON.stringify(t)] ??= []).push(cpuNow() - c0);
  }
  for (const [t, v] of Object.entries(res)) { v.sort((x, y) => x - y); const md = v[v.length >> 1]!; console.log(name, t, md.toFixed(1), 'CPU ms', (2 * batch * m * n * k / md / 1e6).toFixed(2), 'GF/s-cpu'); }
}
process.exit(0);
