// Times the hand-written WGSL routines (src/targets/webgpu/routines) on this machine's WebGPU adapter: W1 matmul at
// N = 256/512/1024 and W6 conv2d, against TensorFlow.js webgpu and jax-js webgpu on the same adapter when installed.
// With --w7: the convolutions of one W7 training step (conv2 forward, input and filter gradients, conv1) through the
// conv routines, in the NCHW/OIHW layout of the convGeneralDilated primitive, as the target would call them.
// Run: XDG_RUNTIME_DIR=/tmp node --import tsx bench/webgpu-routines.ts [--sweep] [--w4] [--w7] [--n 1024] [--reps 5] [--peers 0]
/// <reference types="@webgpu/types" />
import type { RoutineContext, TileConfig } from '../src/targets/webgpu/routines/common.js';
import { encodeMatmul, matmulTiles } from '../src/targets/webgpu/routines/matmul.js';
import { type Conv2dShape, encodeConv2d, encodeConv2dFilterGrad } from '../src/targets/webgpu/routines/conv.js';
import { sineBuffer } from './lib/gpu.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const reps = Number(arg('reps', '5'));
const sizes = arg('n', '256,512,1024').split(',').map(Number);
const peers = arg('peers', '1') !== '0';
const sweep = process.argv.includes('--sweep');
const log = (s: string): void => void process.stdout.write(`${s}\n`);

process.env.XDG_RUNTIME_DIR ??= '/tmp';
const webgpu: any = await import('webgpu');
Object.assign(globalThis, webgpu.globals);
const gpu: GPU = webgpu.create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  log('no WebGPU adapter here: nothing to time');
  process.exit(0);
}
const device = await adapter.requestDevice({
  requiredFeatures: (['shader-f16', 'subgroups'] as GPUFeatureName[]).filter((f) => adapter.features.has(f)),
  requiredLimits: { maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize, maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup },
});
const cpu = /llvmpipe|lavapipe|swiftshader|software/i.test(`${adapter.info.architecture} ${adapter.info.description}`);
const ctx: RoutineContext = { device, cpuLike: cpu };
log(`adapter: ${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description} (cpuLike=${cpu}); ${reps} timed reps after 1 warm-up, median`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const buffer = (n: number, seed: number): GPUBuffer => sineBuffer(device, n, seed);
// This machine's cores are shared with other jobs, so besides wall time each measurement also takes the process's
// CPU time (user + system, all threads: lavapipe runs its workers inside this process): flops per CPU-second do not
// depend on how busy the machine is, and peers measured the same way compare fairly.
let lastCpuMs = 0;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Median wall ms of `run` (after one warm-up); lastCpuMs gets the median CPU ms. */
async function timeAsync(run: () => Promise<void>): Promise<number> {
  const ts: number[] = [], cs: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now(), c0 = cpuMs();
    await run();
    if (r > 0) ts.push(performance.now() - t0), cs.push(cpuMs() - c0);
  }
  lastCpuMs = median(cs);
  return median(ts);
}
/** Median ms of `encode` run alone in a submit, waiting with queue.onSubmittedWorkDone. */
function time(encode: (enc: GPUCommandEncoder) => void): Promise<number> {
  return timeAsync(async () => {
    const enc = device.createCommandEncoder();
    encode(enc);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  });
}
const rate = (flops: number, ms: number): string => `${(flops / ms / 1e6).toFixed(2)} GFLOP/s wall, ${(flops / lastCpuMs / 1e6).toFixed(2)} per CPU-s`;

const results: Record<string, Record<string, number>> = {};
const record = (engine: string, key: string, v: number): void => void ((results[engine] ??= {})[key] = v);
const cpuResults: Record<string, Record<string, number>> = {};
const recordCpu = (engine: string, key: string, flops: number): void => void ((cpuResults[engine] ??= {})[key] = flops / lastCpuMs / 1e6);

async function matmul(n: number, tiles?: Partial<TileConfig>): Promise<number> {
  const a = buffer(n * n, 1), b = buffer(n * n, 2), c = buffer(n * n, 3);
  const c2 = { ...ctx, tiles };
  const ms = await time((enc) => encodeMatmul(c2, enc, { a, b, out: c, m: n, n, k: n }));
  a.destroy(), b.destroy(), c.destroy();
  recordCpu('tensorlaw-wgsl', `W1 n${n}`, 2 * n ** 3);
  return (2 * n ** 3) / ms / 1e6;
}

if (sweep) {
  const n = sizes[sizes.length - 1]!;
  const configs: Partial<TileConfig>[] = (JSON.parse(arg('configs', 'null')) as Partial<TileConfig>[] | null) ?? [
    // wgY = 1: the rows of a workgroup depend on workgroup_id only, so lavapipe loads A once per SIMD vector (not a gather)
    { wgX: 8, wgY: 1, tm: 8, tn: 4, bk: 0 }, { wgX: 8, wgY: 1, tm: 8, tn: 8, bk: 0 }, { wgX: 16, wgY: 1, tm: 8, tn: 4, bk: 0 },
    { wgX: 8, wgY: 1, tm: 16, tn: 4, bk: 0 }, { wgX: 32, wgY: 1, tm: 8, tn: 4, bk: 0 }, { wgX: 64, wgY: 1, tm: 4, tn: 4, bk: 0 },
    { wgX: 8, wgY: 1, tm: 4, tn: 4, bk: 0 }, { wgX: 16, wgY: 1, tm: 4, tn: 8, bk: 0 }, { wgX: 8, wgY: 4, tm: 4, tn: 8, bk: 0 },
  ];
  for (const t of configs) {
    const g = await matmul(n, t);
    log(`sweep N=${n} ${JSON.stringify(t)}: ${rate(2 * n ** 3, (2 * n ** 3) / g / 1e6)}`);
  }
  process.exit(0);
}

if (process.argv.includes('--w7')) {
  // The conv equations of jit(W7 step) on the webgpu target (NCHW activations, OIHW kernels, stride 1), as JAX's
  // transpose rules write the gradients (src/rules/adUtil.ts): dx = conv(dy, rev(wᵀ)); dw = conv(xᵀ, dyᵀ)ᵀ.
  const nchw = { layout: 'NCHW', filterLayout: 'OIHW' } as const;
  const p2 = [[2, 2], [2, 2]] as const;
  const cases: [string, Conv2dShape, 'fwd' | 'dw'][] = [
    ['conv2 forward  x[64,32,14,14] ⊛ w[64,32,5,5]', { n: 64, h: 14, w: 14, cin: 32, cout: 64, kh: 5, kw: 5, padding: p2, ...nchw }, 'fwd'],
    ['conv2 dx = conv(dy[64,64,14,14], w\'[32,64,5,5])', { n: 64, h: 14, w: 14, cin: 64, cout: 32, kh: 5, kw: 5, padding: p2, ...nchw }, 'fwd'],
    ['conv2 dw = conv(xᵀ[32,64,14,14], dyᵀ[64,64,14,14]) (the jaxpr form)', { n: 32, h: 14, w: 14, cin: 64, cout: 64, kh: 14, kw: 14, padding: p2, ...nchw }, 'fwd'],
    ['conv2 dw by encodeConv2dFilterGrad (x, dy → dw[64,32,5,5])', { n: 64, h: 14, w: 14, cin: 32, cout: 64, kh: 5, kw: 5, padding: p2, ...nchw }, 'dw'],
    ['conv1 forward  x[64,1,28,28] ⊛ w[32,1,5,5]', { n: 64, h: 28, w: 28, cin: 1, cout: 32, kh: 5, kw: 5, padding: p2, ...nchw }, 'fwd'],
    ['conv2 forward, NHWC/HWIO (the routines\' own layout)', { n: 64, h: 14, w: 14, cin: 32, cout: 64, kh: 5, kw: 5, padding: p2 }, 'fwd'],
  ];
  for (const [name, c, mode] of cases) {
    const oh = c.h + 4 - c.kh + 1;
    const flops = 2 * c.n * oh * oh * c.cout * c.cin * c.kh * c.kw;
    const x = buffer(c.n * c.h * c.w * c.cin, 7), f = buffer(c.kh * c.kw * c.cin * c.cout, 8), y = buffer(c.n * oh * oh * c.cout, 9);
    const ms =
      mode === 'fwd'
        ? await time((enc) => encodeConv2d(ctx, enc, { ...c, x, filter: f, out: y }))
        : await time((enc) => encodeConv2dFilterGrad(ctx, enc, { ...c, x, dy: y, out: f }));
    log(`W7 ${name}: ${ms.toFixed(1)} ms wall, ${lastCpuMs.toFixed(1)} CPU ms; ${rate(flops, ms)}`);
    x.destroy(), f.destroy(), y.destroy();
  }
  // im2col + GEMM instead: the GEMMs alone (an im2col pass writes the patch matrix first, in either orientation).
  const gemms: [string, number, number, number][] = [
    ['conv2 forward as GEMM [12544×800]·[800×64]', 12544, 64, 800],
    ['conv2 dx as GEMM [12544×1600]·[1600×32]', 12544, 32, 1600],
    ['conv2 dw as GEMM colᵀ[800×12544]·dy[12544×64]', 800, 64, 12544],
  ];
  for (const [name, m, n, k] of gemms) {
    const a = buffer(m * k, 10), b = buffer(k * n, 11), c = buffer(m * n, 12);
    const ms = await time((enc) => encodeMatmul(ctx, enc, { a, b, out: c, m, n, k }));
    log(`W7 ${name}: ${ms.toFixed(1)} ms wall, ${lastCpuMs.toFixed(1)} CPU ms; ${rate(2 * m * n * k, ms)}`);
    a.destroy(), b.destroy(), c.destroy();
  }
  process.exit(0);
}

if (process.argv.includes('--w4')) {
  // The GEMMs of one W4 step (784-512-512-10, batch 128) with the operand layouts the jitted step uses: the weight
  // gradients take a transposed A (xᵀ·dy), the input gradients a transposed B (dy·Wᵀ).
  const cases: [string, number, number, number, boolean, boolean][] = [
    ['fwd x·W1 [128×784]·[784×512]', 128, 512, 784, false, false],
    ['fwd h·W2 [128×512]·[512×512]', 128, 512, 512, false, false],
    ['dW1 = xᵀ·g1 [784×128]·[128×512] (transA)', 784, 512, 128, true, false],
    ['dW2 = h1ᵀ·g2 [512×128]·[128×512] (transA)', 512, 512, 128, true, false],
    ['dh1 = g2·W2ᵀ [128×512]·[512×512] (transB)', 128, 512, 512, false, true],
    ['dh2 = g3·W3ᵀ [128×10]·[10×512] (transB)', 128, 512, 10, false, true],
  ];
  let total = 0;
  for (const [name, m, n, k, transA, transB] of cases) {
    const a = buffer(m * k, 13), b = buffer(k * n, 14), c = buffer(m * n, 15);
    const ms = await time((enc) => encodeMatmul(ctx, enc, { a, b, out: c, m, n, k, transA, transB }));
    total += ms;
    log(`W4 ${name}: ${ms.toFixed(2)} ms wall, ${lastCpuMs.toFixed(1)} CPU ms; ${rate(2 * m * n * k, ms)}`);
    a.destroy(), b.destroy(), c.destroy();
  }
  log(`W4 GEMMs total: ${total.toFixed(1)} ms`);
  process.exit(0);
}

for (const n of sizes) {
  const g = await matmul(n);
  record('tensorlaw-wgsl', `W1 n${n}`, g);
  log(`W1 matmul ${n}: ${rate(2 * n ** 3, (2 * n ** 3) / g / 1e6)}  tiles ${JSON.stringify(matmulTiles(ctx, n, n))}`);
}
{
  // W6: batch 32, 32×32, 64→64, 3×3, stride 1, same padding (NHWC, HWIO).
  const [N, H, W, C, O] = [32, 32, 32, 64, 64];
  const x = buffer(N * H * W * C, 4), f = buffer(9 * C * O, 5), y = buffer(N * H * W * O, 6);
  const ms = await time((enc) =>
    encodeConv2d(ctx, enc, { x, filter: f, out: y, n: N, h: H, w: W, cin: C, cout: O, kh: 3, kw: 3, stride: [1, 1], padding: [[1, 1], [1, 1]] }),
  );
  const flops = 2 * N * H * W * O * C * 9;
  record('tensorlaw-wgsl', 'W6 conv', flops / ms / 1e6);
  recordCpu('tensorlaw-wgsl', 'W6 conv', flops);
  log(`W6 conv2d 32×32×32×64→64 3×3: ${rate(flops, ms)} (${ms.toFixed(1)} ms)`);
}

if (peers) {
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, hardwareConcurrency: 2, userAgent: 'Node.js' }, configurable: true, writable: true });
  const imp = (s: string): Promise<any> => import(s);
  // TensorFlow.js webgpu: matMul then data() (its kernels are flushed by the read), as bench/engines/tfjs.ts does.
  try {
    const tf = await imp('@tensorflow/tfjs-core');
    await imp('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('setBackend(webgpu) failed');
    await tf.ready();
    for (const n of sizes) {
      const a = tf.randomUniform([n, n]), b = tf.randomUniform([n, n]);
      const ms = await timeAsync(async () => {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      });
      record('tfjs-webgpu', `W1 n${n}`, (2 * n ** 3) / ms / 1e6);
      recordCpu('tfjs-webgpu', `W1 n${n}`, 2 * n ** 3);
      log(`tfjs webgpu W1 ${n}: ${rate(2 * n ** 3, ms)}`);
      a.dispose(), b.dispose();
    }
    {
      // W6 on tfjs: NHWC input, HWIO filter, 'same' padding (as bench/engines/tfjs.ts).
      const x = tf.randomUniform([32, 32, 32, 64]), w = tf.randomUniform([3, 3, 64, 64]);
      const flops = 2 * 32 * 32 * 32 * 64 * 64 * 9;
      const ms = await timeAsync(async () => {
        const y = tf.conv2d(x, w, 1, 'same');
        await y.data();
        y.dispose();
      });
      record('tfjs-webgpu', 'W6 conv', flops / ms / 1e6);
      recordCpu('tfjs-webgpu', 'W6 conv', flops);
      log(`tfjs webgpu W6 conv2d: ${rate(flops, ms)}`);
      x.dispose(), w.dispose();
    }
  } catch (e) {
    log(`tfjs webgpu: not timed (${(e as Error).message.split('\n')[0]})`);
  }
  try {
    const jax = await imp('@jax-js/jax');
    const devices: string[] = await jax.init('webgpu');
    if (!devices.includes('webgpu')) throw new Error(`no webgpu device (got ${devices.join(', ')})`);
    jax.defaultDevice('webgpu');
    const np = jax.numpy;
    for (const n of sizes) {
      const data = new Float32Array(n * n).map((_, i) => Math.sin(i) * 0.5);
      const a = np.array(data).reshape([n, n]), b = np.array(data).reshape([n, n]);
      const ms = await timeAsync(async () => {
        const c = np.matmul(a.ref, b.ref);
        await c.data();
      });
      record('jax-js-webgpu', `W1 n${n}`, (2 * n ** 3) / ms / 1e6);
      recordCpu('jax-js-webgpu', `W1 n${n}`, 2 * n ** 3);
      log(`jax-js webgpu W1 ${n}: ${rate(2 * n ** 3, ms)}`);
    }
  } catch (e) {
    log(`jax-js webgpu: not timed (${(e as Error).message.split('\n')[0]})`);
  }
  for (const peer of ['tfjs-webgpu', 'jax-js-webgpu']) {
    for (const [key, v] of Object.entries(results[peer] ?? {})) {
      const ours = results['tensorlaw-wgsl']?.[key];
      const oc = cpuResults['tensorlaw-wgsl']?.[key], pc = cpuResults[peer]?.[key];
      if (ours !== undefined) log(`ratio ${key}: tensorlaw-wgsl / ${peer} = ${(ours / v).toFixed(2)}× wall, ${oc && pc ? (oc / pc).toFixed(2) : '?'}× per CPU-s`);
    }
  }
}
process.exit(0);
