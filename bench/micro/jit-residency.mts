// A/B of residency inside one process: runs a bench workload (W=W8 default; T threads) and alternates residency on and off per step (R=jit: the jit arena's, default; R=wasm: the eager kernels' ring), so the machine's drift hits both alike; prints the median CPU ms per step of each and the bytes used in place. Usage: W=W7 N=30 R=wasm node --import tsx bench/micro/jit-residency.mts
import { casesOf, generate } from '../lib/common.js';
import { create } from '../engines/tensorlaw.js';
import { jitResidency } from '../../src/targets/wasm/jit/module.js';
import { wasmResidency } from '../../src/targets/wasm/runtime.js';
const R = process.env.R === 'wasm' ? wasmResidency : jitResidency;
const W = (process.env.W ?? 'W8') as any;
const eng = await create('wasm', Number(process.env.T ?? 1));
const c = casesOf(W)[0]!;
const r = await eng.setup(c, new Map(c.inputs.map((s: any) => [s.name, generate(s)])));
await r.check();
for (let i = 0; i < 5; i++) await r.run();
const t: Record<string, number[]> = { on: [], off: [] };
const b0 = { ...R };
for (let i = 0; i < Number(process.env.N ?? 40); i++) {
  for (const m of i % 2 ? ['on', 'off'] : ['off', 'on']) {
    R.enabled = m === 'on';
    const c0 = process.cpuUsage();
    await r.run();
    const u = process.cpuUsage(c0);
    t[m]!.push((u.user + u.system) / 1000);
  }
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!.toFixed(1);
console.log(W, process.env.R ?? 'jit', 'residency, CPU ms/rep median: on', med(t.on!), 'off', med(t.off!), '| bytes in place', ((R.hitBytes - b0.hitBytes) / 1e6).toFixed(0), 'MB');
process.exit(0);
