// Where one rep of a case goes on tensorlaw/webgpu: counts the WebGPU calls of one rep (dispatches, copies, bind
// groups, buffers, submissions), splits its wall time into JS encoding / GPU queue / readback, then replays every
// recorded dispatch alone (own submission, waited) to rank the kernels by GPU time.
//   XDG_RUNTIME_DIR=/tmp nice -n 10 node --import tsx bench/webgpu-profile.ts [--case W7] [--top 15] [--dump /tmp/kernels] [--list]
/// <reference types="@webgpu/types" />
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Case, type WorkloadId, casesOf, generate } from './lib/common.js';
import type { Inputs } from './engines/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
process.env.XDG_RUNTIME_DIR ??= '/tmp';

// The same `webgpu` module instance as src/targets/webgpu/device.ts (the root package's, not bench/node_modules').
const rootRequire = createRequire(new URL('../package.json', import.meta.url));
const webgpu: any = rootRequire('webgpu');
const G = webgpu.globals;

interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  groups: [number, number, number];
}
const codeOf = new WeakMap<object, string>();
const entryOf = new WeakMap<object, string>();
const rec = { on: false, dispatches: [] as Dispatch[], copies: 0, copyBytes: 0, bindGroups: 0, buffers: 0, bufferBytes: 0, submits: [] as number[], writes: 0, writeBytes: 0, encoders: 0, passes: 0 };
let curPipeline: GPUComputePipeline | null = null, curBg: GPUBindGroup | null = null;

const wrap = (cls: any, name: string, f: (orig: any) => any): void => {
  const orig = cls.prototype[name];
  cls.prototype[name] = f(orig);
};
wrap(G.GPUDevice, 'createShaderModule', (o) => function (this: any, d: GPUShaderModuleDescriptor) {
  const m = o.call(this, d);
  codeOf.set(m, d.code);
  return m;
});
wrap(G.GPUDevice, 'createComputePipeline', (o) => function (this: any, d: GPUComputePipelineDescriptor) {
  const p = o.call(this, d);
  codeOf.set(p, codeOf.get(d.compute.module) ?? '?');
  entryOf.set(p, d.compute.entryPoint ?? '');
  return p;
});
wrap(G.GPUDevice, 'createBindGroup', (o) => function (this: any, d: unknown) {
  if (rec.on) rec.bindGroups++;
  return o.call(this, d);
});
wrap(G.GPUDevice, 'createBuffer', (o) => function (this: any, d: GPUBufferDescriptor) {
  if (rec.on) rec.buffers++, (rec.bufferBytes += d.size);
  return o.call(this, d);
});
wrap(G.GPUDevice, 'createCommandEncoder', (o) => function (this: any, d: unknown) {
  if (rec.on) rec.encoders++;
  return o.call(this, d);
});
wrap(G.GPUCommandEncoder, 'beginComputePass', (o) => function (this: any, d: unknown) {
  if (rec.on) rec.passes++;
  return o.call(this, d);
});
wrap(G.GPUCommandEncoder, 'copyBufferToBuffer', (o) => function (this: any, ...a: any[]) {
  if (rec.on) rec.copies++, (rec.copyBytes += a[4] ?? 0);
  return o.apply(this, a);
});
wrap(G.GPUComputePassEncoder, 'setPipeline', (o) => function (this: any, p: GPUComputePipeline) {
  curPipeline = p;
  return o.call(this, p);
});
wrap(G.GPUComputePassEncoder, 'setBindGroup', (o) => function (this: any, i: number, bg: GPUBindGroup, ...rest: any[]) {
  curBg = bg;
  return o.call(this, i, bg, ...rest);
});
wrap(G.GPUComputePassEncoder, 'dispatchWorkgroups', (o) => function (this: any, x: number, y = 1, z = 1) {
  if (rec.on) rec.dispatches.push({ pipeline: curPipeline!, bindGroup: curBg!, groups: [x, y, z] });
  return o.call(this, x, y, z);
});
wrap(G.GPUQueue, 'submit', (o) => function (this: any, cbs: unknown) {
  if (rec.on) rec.submits.push(performance.now());
  return o.call(this, cbs);
});
wrap(G.GPUQueue, 'writeBuffer', (o) => function (this: any, ...a: any[]) {
  if (rec.on) rec.writes++, (rec.writeBytes += a[4] ?? a[2]?.byteLength ?? 0);
  return o.apply(this, a);
});

const { create } = await import('./engines/tensorlaw.js');
const engine = await create('webgpu', 2);
const tl = (await import('../src/targets/webgpu/device.js')) as any;
const { quietWait } = await import('../src/targets/webgpu/quiet.js');
const device: GPUDevice = tl.gpu().device;
console.log(`adapter: ${engine.info.threads}`);

const [w, key] = arg('case', 'W7').toUpperCase().split(':') as [WorkloadId, string | undefined];
const c: Case = casesOf(w).find((x) => !key || x.key.toUpperCase() === key)!;
const inputs: Inputs = new Map(c.inputs.map((s) => [s.name, generate(s)]));
const runner = await engine.setup(c, inputs);
await runner.check();
await runner.run();
await runner.run(); // warm: pipelines compiled, pool filled

// One recorded rep: wall time split at the (last) submission.
rec.on = true;
const t0 = performance.now();
await runner.run();
const t1 = performance.now();
rec.on = false;
const sub = rec.submits[0] ?? t1;
console.log(`\n${c.title}: one rep ${(t1 - t0).toFixed(1)} ms = JS (trace-cache lookup + encoding) ${(sub - t0).toFixed(1)} ms + submission → result read back ${(t1 - sub).toFixed(1)} ms`);
console.log(
  `per rep: ${rec.dispatches.length} dispatches in ${rec.passes} compute passes, ${rec.copies} buffer copies (${(rec.copyBytes / 1e6).toFixed(2)} MB), ` +
    `${rec.bindGroups} bind groups, ${rec.buffers} buffers created (${(rec.bufferBytes / 1e6).toFixed(2)} MB; staging for the readback included), ` +
    `${rec.encoders} command encoders, ${rec.submits.length} submissions, ${rec.writes} writeBuffer (${(rec.writeBytes / 1e3).toFixed(1)} kB)`,
);

// Replay every dispatch alone: its GPU time is (wait for one-dispatch submission) - (wait for an empty one), in
// process CPU time (lavapipe's threads run in this process; CPU time hardly depends on the load of the machine).
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let lastWall = 0;
const waitOne = async (d?: Dispatch): Promise<number> => {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  if (d) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.groups);
  }
  pass.end();
  const s = performance.now(), c = cpuNow();
  device.queue.submit([enc.finish()]);
  await quietWait(device.queue.onSubmittedWorkDone()); // (as the target waits: Dawn's busy poll spaced out)
  lastWall = performance.now() - s;
  return cpuNow() - c;
};
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const empty: number[] = [];
for (let i = 0; i < 9; i++) empty.push(await waitOne());
const base = med(empty);
const times: { i: number; ms: number; wall: number; d: Dispatch }[] = [];
for (let i = 0; i < rec.dispatches.length; i++) {
  const d = rec.dispatches[i]!;
  const ts: number[] = [], ws: number[] = [];
  for (let r = 0; r < 3 && !(r > 0 && ts[0]! > 100); r++) ts.push(await waitOne(d)), ws.push(lastWall); // long kernels: once
  times.push({ i, ms: Math.max(0, med(ts) - base), wall: med(ws), d });
}
const total = times.reduce((a, t) => a + t.ms, 0);
const totalWall = times.reduce((a, t) => a + t.wall, 0);
console.log(`\nreplayed alone: ${times.length} dispatches, Σ CPU ≈ ${total.toFixed(1)} ms (empty submission + wait, ${base.toFixed(2)} CPU ms, subtracted from each), Σ wall ${totalWall.toFixed(1)} ms`);

/** A short name of a kernel: its routine's name when the WGSL says, else the ops of a generated kernel. */
function nameOf(code: string): string {
  const m = code.match(/^\/\/\s*(.+)$/m);
  const ops = [...new Set(code.match(/\b(exp|log|tanh|max|min|select|sqrt|fma)\(/g) ?? [])].join('');
  const wg = code.match(/@workgroup_size\(([^)]*)\)/)?.[1] ?? '?';
  const bind = (code.match(/@binding/g) ?? []).length;
  const loops = (code.match(/\bfor \(/g) ?? []).length;
  return `${m ? m[1]!.slice(0, 60) : 'generated'} [wg ${wg}; ${bind} bindings; ${loops} loops${ops ? '; ' + ops : ''}]`;
}
// by pipeline
const byPipe = new Map<GPUComputePipeline, { n: number; ms: number; wall: number; first: number }>();
for (const t of times) {
  const e = byPipe.get(t.d.pipeline) ?? { n: 0, ms: 0, wall: 0, first: t.i };
  e.n++;
  e.ms += t.ms;
  e.wall += t.wall;
  byPipe.set(t.d.pipeline, e);
}
const top = Number(arg('top', '15'));
const dump = arg('dump', '');
if (dump) mkdirSync(dump, { recursive: true });
console.log(`\ntop pipelines by CPU time of their dispatches (of ${byPipe.size} distinct):`);
console.log('| # | CPU ms | share | wall ms | dispatches | first at | groups | kernel |\n|---:|---:|---:|---:|---:|---:|---|---|');
[...byPipe.entries()]
  .sort((a, b) => b[1].ms - a[1].ms)
  .slice(0, top)
  .forEach(([p, e], k) => {
    const code = codeOf.get(p) ?? '?';
    console.log(`| ${k + 1} | ${e.ms.toFixed(2)} | ${((100 * e.ms) / total).toFixed(1)}% | ${e.wall.toFixed(1)} | ${e.n} | ${e.first} | ${times[e.first]!.d.groups.join('×')} | ${nameOf(code)} |`);
    if (dump) writeFileSync(join(dump, `${String(k + 1).padStart(2, '0')}.wgsl`), `// ${e.ms.toFixed(2)} ms, ${e.n} dispatches, groups ${JSON.stringify(times[e.first]!.d.groups)}\n${code}\n`);
  });
const small = times.filter((t) => t.ms < 0.05).length;
console.log(`\n${small} of ${times.length} dispatches take < 0.05 CPU ms alone (dispatch-bound work)`);
console.log(`\nin order: ${times.map((t) => `${t.i}:${t.ms.toFixed(1)}`).join(' ')}`);
if (process.argv.includes('--list')) {
  // every dispatch above 1 CPU ms: its groups, its entry point and its kernel's name
  if (dump) for (const t of times) writeFileSync(join(dump, `at-${String(t.i).padStart(3, '0')}.wgsl`), codeOf.get(t.d.pipeline) ?? '?');
  for (const t of times) if (t.ms >= 1) console.log(`${String(t.i).padStart(3)} ${t.ms.toFixed(1).padStart(7)} ms  ${t.d.groups.join('×').padEnd(12)} ${entryOf.get(t.d.pipeline) ?? ''} ${nameOf(codeOf.get(t.d.pipeline) ?? '?')}`);
}
runner.dispose();
process.exit(0);
