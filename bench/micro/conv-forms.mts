// A/B of the wasm convolution forms in one process: a bench workload (W=W7) stepped with convForms.ratio alternating between the values V (0: im2col always; 0.75: the default choice of the tap-GEMM form), 2 threads; median wall and CPU ms per step. Usage: W=W7 V=0,0.75 N=12 node --import tsx bench/micro/conv-forms.mts
import { casesOf, generate } from '../lib/common.js';
import { create } from '../engines/tensorlaw.js';
import { convForms } from '../../src/targets/wasm/linalg.js';
const W = (process.env.W ?? 'W7') as any;
const eng = await create('wasm', 2);
const c = casesOf(W)[0]!;
const r = await eng.setup(c, new Map(c.inputs.map((s: any) => [s.name, generate(s)])));
await r.check();
for (let i = 0; i < 5; i++) await r.run();
const vals = (process.env.V ?? '2,4').split(',').map(Number);
const t: Record<number, number[]> = {}, cp: Record<number, number[]> = {};
for (let i = 0; i < Number(process.env.N ?? 16); i++)
  for (const v of i % 2 ? vals : [...vals].reverse()) {
    convForms.ratio = v;
    const c0 = process.cpuUsage(), t0 = performance.now();
    await r.run();
    (t[v] ??= []).push(performance.now() - t0); const u = process.cpuUsage(c0); (cp[v] ??= []).push((u.user + u.system) / 1000);
  }
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!.toFixed(1);
for (const v of vals) console.log(W, 'ratio', v, 'wall', med(t[v]!), 'cpu', med(cp[v]!));
process.exit(0);
