// float16 on webgpu in 16-bit buffers vs f32 buffers (f16Storage on/off), alternated in one process: an elementwise chain over 2^20 elements (add, tanh, mul) and a 512x512x512 matmul; wall and CPU medians per jitted call (inputs resident, until blockUntilReady). Usage: XDG_RUNTIME_DIR=/tmp node --import tsx bench/micro/webgpu-f16-storage.mts [rounds]
import { writeSync } from 'node:fs';
import { type Array, initWebGpu, jit, np, webgpuInfo, withTarget } from '../../src/index.js';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const rounds = Number(process.argv[2] ?? 4);
const n = 2 ** 20, m = 512;
const host = {
  v: np.array(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 2), 'float16'),
  a: np.array(Float32Array.from({ length: m * m }, (_, i) => Math.sin(i * 0.37)), 'float16').reshape([m, m]),
  b: np.array(Float32Array.from({ length: m * m }, (_, i) => Math.cos(i * 0.11)), 'float16').reshape([m, m]),
};
const cases = {
  chain: { f: jit((x: Array) => x.add(x).tanh().mul(x)), args: ['v'] as const },
  matmul: { f: jit((x: Array, y: Array) => np.matmul(x, y)), args: ['a', 'b'] as const },
};
const times: Record<string, { wall: number[]; cpu: number[] }> = {};
for (let r = 0; r < rounds; r++) {
  for (const on of [true, false]) {
    await initWebGpu({ f16Storage: on }); // a device per mode: arrays and pipelines are made again (untimed warm-up)
    const dev = Object.fromEntries(Object.entries(host).map(([k, x]) => [k, withTarget('webgpu', () => jit((y: Array) => y)(x))]));
    for (const [name, c] of Object.entries(cases)) {
      const call = () => withTarget('webgpu', () => c.f(...c.args.map((k) => dev[k]!)));
      await call().blockUntilReady();
      for (let k = 0; k < 3; k++) {
        const c0 = process.cpuUsage(), t0 = performance.now();
        const y = call();
        await y.blockUntilReady();
        const u = process.cpuUsage(c0);
        const key = `${name} ${webgpuInfo()!.f16Storage ? '16-bit' : 'f32'}`;
        (times[key] ??= { wall: [], cpu: [] }).wall.push(performance.now() - t0);
        times[key].cpu.push((u.user + u.system) / 1000);
        y.dispose();
      }
    }
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
for (const [k, t] of Object.entries(times)) writeSync(1, `${k.padEnd(16)} wall median ${med(t.wall).toFixed(1)} ms, CPU median ${med(t.cpu).toFixed(1)} ms (${t.wall.length} calls)\n`);
process.exit(0);
