// Times W6's convolution (batch 32, 32x32, 64->64, 3x3, same) through encodeConv2d on this machine's WebGPU adapter under the tile configurations given as JSON (null = the default), NCHW activations (or NHWC) with an HWIO filter as the target passes them. Usage: XDG_RUNTIME_DIR=/tmp node --import tsx bench/micro/webgpu-conv-tiles.mts '[null, {"wgX":8,"wgY":1,"tm":16,"tn":4,"bk":0}]' NCHW
import { writeSync } from 'node:fs';
import { encodeConv2d } from '../../src/targets/webgpu/routines/conv.js';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const webgpu: any = await import('webgpu');
Object.assign(globalThis, webgpu.globals);
const gpu = webgpu.create([]); (globalThis as any).__gpu = gpu;
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice({ requiredFeatures: ['subgroups'].filter((f) => adapter.features.has(f)) });
const configs = JSON.parse(process.argv[2] ?? '[null]');
const layout = (process.argv[3] ?? 'NCHW') as 'NCHW' | 'NHWC';
function buffer(len: number) { const b = device.createBuffer({ size: len * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }); device.queue.writeBuffer(b, 0, new Float32Array(len).map((_, i) => Math.sin(i))); return b; }
const [N, H, W, C, O] = [32, 32, 32, 64, 64];
const x = buffer(N * H * W * C), f = buffer(9 * C * O), y = buffer(N * H * W * O);
for (const t of configs) {
  const ctx = { device, cpuLike: true, ...(t ? { tiles: t } : {}) };
  const cs: number[] = [], ws: number[] = [];
  for (let r = 0; r < 6; r++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    const enc = device.createCommandEncoder();
    encodeConv2d(ctx as any, enc, { x, filter: f, out: y, n: N, h: H, w: W, cin: C, cout: O, kh: 3, kw: 3, padding: [[1, 1], [1, 1]], layout, filterLayout: 'HWIO' });
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    const u = process.cpuUsage(c0);
    if (r > 0) cs.push((u.user + u.system) / 1000), ws.push(performance.now() - t0);
  }
  cs.sort((a, b) => a - b); ws.sort((a, b) => a - b);
  const fl = 2 * N * H * W * O * C * 9;
  writeSync(1, `${JSON.stringify(t)} wall med ${ws[2]!.toFixed(0)} min ${ws[0]!.toFixed(0)} ms, CPU ${cs[2]!.toFixed(0)} ms → ${(fl / cs[2]! / 1e6).toFixed(2)} GFLOP/CPU-s\n`);
}
process.exit(0);
