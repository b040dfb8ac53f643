// The WebGPU convolution routine at W6's and W7's shapes (NCHW activations with an HWIO filter, as the target calls it; W6 also
// NHWC): wall and CPU ms per call and a checksum. AB=tap alternates a convForms switch in one process (CPU ms, median).
// WINO=4 (or 2,4) also times the Winograd F(m×m, 3×3) routine on the 3×3 stride-1 cases, alternated with the implicit GEMM.
// XDG_RUNTIME_DIR=/tmp [AB=tap] [WINO=4] [ONLY=W6,dx] [TILES='{"wgX":8,"wgY":1,"tm":8,"tn":4,"bk":0}'] [GEMM=1] [REPS=5] [DAWNFLAGS=...] node --import tsx bench/micro/webgpu-conv-forms.mts
import type { RoutineContext } from '../../src/targets/webgpu/routines/common.js';
import { encodeMatmul } from '../../src/targets/webgpu/routines/matmul.js';
import { type Conv2dShape, encodeConv2d, convForms } from '../../src/targets/webgpu/routines/conv.js';
import { encodeConv2dWinograd, winogradApplies } from '../../src/targets/webgpu/routines/winograd.js';
import { sineBuffer } from '../lib/gpu.js';
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const webgpu: any = await import('webgpu');
Object.assign(globalThis, webgpu.globals);
const gpu = webgpu.create(process.env.DAWNFLAGS ? process.env.DAWNFLAGS.split(' ') : []); (globalThis as any).__gpu = gpu;
const adapter = await gpu.requestAdapter();
const device = await adapter.requestDevice({ requiredFeatures: ['shader-f16', 'subgroups'].filter((f) => adapter.features.has(f)) });
const ctx: RoutineContext = { device, cpuLike: true, tiles: process.env.TILES ? JSON.parse(process.env.TILES) : undefined };
const reps = Number(process.env.REPS ?? 5);
const buffer = (n: number, seed: number): GPUBuffer => sineBuffer(device, n, seed);
async function read(b: GPUBuffer, n: number): Promise<Float32Array> {
  const r = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const e = device.createCommandEncoder(); e.copyBufferToBuffer(b, 0, r, 0, n * 4); device.queue.submit([e.finish()]);
  await r.mapAsync(GPUMapMode.READ); const out = new Float32Array(r.getMappedRange().slice(0)); r.destroy(); return out;
}
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
async function time(enc: (e: GPUCommandEncoder) => void): Promise<[number, number]> {
  const ts: number[] = [], cs: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now(), c0 = cpuMs();
    const e = device.createCommandEncoder(); enc(e); device.queue.submit([e.finish()]); await device.queue.onSubmittedWorkDone();
    if (r) ts.push(performance.now() - t0), cs.push(cpuMs() - c0);
  }
  return [med(ts), med(cs)];
}
const nchw = { layout: 'NCHW', filterLayout: 'HWIO' } as const;
const cases: [string, Conv2dShape][] = [
  ['W6 NCHW', { n: 32, h: 32, w: 32, cin: 64, cout: 64, kh: 3, kw: 3, padding: [[1, 1], [1, 1]], ...nchw }],
  ['W6 NHWC', { n: 32, h: 32, w: 32, cin: 64, cout: 64, kh: 3, kw: 3, padding: [[1, 1], [1, 1]] }],
  ['S30 NCHW', { n: 32, h: 30, w: 30, cin: 64, cout: 64, kh: 3, kw: 3, padding: [[1, 1], [1, 1]], ...nchw }],
  ['S30 NHWC', { n: 32, h: 30, w: 30, cin: 64, cout: 64, kh: 3, kw: 3, padding: [[1, 1], [1, 1]] }],
  ['W7 c2 fwd', { n: 64, h: 14, w: 14, cin: 32, cout: 64, kh: 5, kw: 5, padding: [[2, 2], [2, 2]], ...nchw }],
  ['W7 c2 dx', { n: 64, h: 14, w: 14, cin: 64, cout: 32, kh: 5, kw: 5, padding: [[2, 2], [2, 2]], ...nchw }],
  ['W7 c2 dw', { n: 32, h: 14, w: 14, cin: 64, cout: 64, kh: 14, kw: 14, padding: [[2, 2], [2, 2]], ...nchw }],
  ['W7 c1 fwd', { n: 64, h: 28, w: 28, cin: 1, cout: 32, kh: 5, kw: 5, padding: [[2, 2], [2, 2]], ...nchw }],
];
const only = process.env.ONLY?.split(',');
const sums: Record<string, number> = {};
for (const [name, c] of cases) {
  if (only && !only.some((o) => name.includes(o))) continue;
  const oh = c.h + c.padding![0][0] + c.padding![0][1] - c.kh + 1;
  const flops = 2 * c.n * oh * oh * c.cout * c.cin * c.kh * c.kw;
  const x = buffer(c.n * c.h * c.w * c.cin, 7), f = buffer(c.kh * c.kw * c.cin * c.cout, 8), y = buffer(c.n * oh * oh * c.cout, 9);
  const AB = process.env.AB; // a convForms key to alternate
  let ms: number, cms: number;
  if (AB) {
    const r: Record<string, number[]> = { on: [], off: [] };
    for (let i = 0; i < Number(process.env.N ?? 6); i++) for (const v of i % 2 ? ['on', 'off'] : ['off', 'on']) {
      (convForms as any)[AB] = v === 'on';
      const [, c2] = await time((e) => encodeConv2d(ctx, e, { ...c, x, filter: f, out: y }));
      r[v]!.push(c2);
    }
    (convForms as any)[AB] = true;
    console.log(`${name}: ${AB} on ${med(r.on!).toFixed(0)} CPU ms, off ${med(r.off!).toFixed(0)}`);
  }
  if (process.env.WINO && winogradApplies(c)) {
    const forms = ['gemm', ...process.env.WINO.split(',')], r: Record<string, number[]> = Object.fromEntries(forms.map((k) => [k, []]));
    for (let i = 0; i < Number(process.env.N ?? 6); i++) for (const v of i % 2 ? forms : [...forms].reverse()) {
      const [, c2] = await time((e) => (v === 'gemm' ? encodeConv2d(ctx, e, { ...c, x, filter: f, out: y }) : encodeConv2dWinograd(ctx, e, { ...c, x, filter: f, out: y }, Number(v) as 2 | 4)));
      r[v]!.push(c2);
    }
    console.log(`${name}: CPU ms, implicit GEMM ${med(r.gemm!).toFixed(0)}, ${forms.slice(1).map((m) => `F(${m}×${m}, 3×3) ${med(r[m]!).toFixed(0)}`).join(', ')}`);
  }
  [ms, cms] = await time((e) => encodeConv2d(ctx, e, { ...c, x, filter: f, out: y }));
  const out = await read(y, c.n * oh * oh * c.cout);
  let s = 0; for (let i = 0; i < out.length; i++) s += out[i]! * ((i % 7) + 1);
  sums[name] = s;
  console.log(`${name}: ${ms.toFixed(1)} ms, ${cms.toFixed(0)} CPU ms, ${(flops / ms / 1e6).toFixed(2)} GFLOP/s  checksum ${s.toPrecision(8)}`);
  x.destroy(); f.destroy(); y.destroy();
}
if (process.env.GEMM) {
  const [m, n, k] = [32768, 64, 576];
  const a = buffer(m * k, 1), b = buffer(k * n, 2), cc = buffer(m * n, 3);
  const [ms, cms] = await time((e) => encodeMatmul(ctx, e, { a, b, out: cc, m, n, k }));
  console.log(`GEMM ${m}x${n}x${k}: ${ms.toFixed(1)} ms, ${cms.toFixed(0)} CPU, ${(2 * m * n * k / ms / 1e6).toFixed(2)} GFLOP/s`);
}
process.exit(0);
