// One workload's step in-process on the wasm target, with the residency counters per step (copies in, hits, deferred and
// flushed bytes, ring wraps and size): W=W7 N=30 T=2 node --import tsx bench/micro/step-copies.mts (MAXMB: the ring's cap).
import { casesOf, generate, type WorkloadId } from '../lib/common.js';
import { create, loadAllTargets } from '../engines/tensorlaw.js';
import { jitResidency } from '../../src/targets/wasm/jit/module.js';
import { wasmResidency } from '../../src/targets/wasm/runtime.js';
const W = (process.env.W ?? 'W7') as WorkloadId, N = Number(process.env.N ?? 20), T = Number(process.env.T ?? 2);
await loadAllTargets();
const c = casesOf(W).find((c) => c.key === (process.env.CASE ?? c.key))!;
const inputs = new Map(c.inputs.map((i) => [i.name, generate(i)]));
if (process.env.MAXMB) wasmResidency.maxBytes = Number(process.env.MAXMB) << 20;
const e = await create(process.env.TGT ?? 'wasm', T);
const r = await e.setup(c, inputs);
await r.check();
for (let i = 0; i < 5; i++) await r.run();
const snap = () => ({ ...jitResidency, w: { ...wasmResidency } });
const a = snap();
const ts: number[] = [];
for (let i = 0; i < N; i++) { const t = performance.now(); await r.run(); ts.push(performance.now() - t); }
const b = snap();
ts.sort((x, y) => x - y);
const per = (k: string, x: any, y: any) => ((y[k] - x[k]) / N);
console.log(W, c.key, 'median', ts[N >> 1].toFixed(2), 'min', ts[0].toFixed(2));
console.log('jit copies/step', per('copies', a, b), 'MB', (per('copyBytes', a, b) / 1e6).toFixed(2), 'hits', per('hits', a, b), 'hitMB', (per('hitBytes', a, b) / 1e6).toFixed(2), 'deferredMB', (per('deferredBytes', a, b) / 1e6).toFixed(2));
console.log('wraps', per('wraps', a.w, b.w), 'ringMB', (b.w.ringBytes/1e6).toFixed(1), 'aot flushedMB', (per('flushedBytes', a.w, b.w)/1e6).toFixed(2), 'aotDeferredMB', (per('deferredBytes', a.w, b.w)/1e6).toFixed(2), 'aot copies/step', per('copies', a.w, b.w), 'hits', per('hits', a.w, b.w), 'hitMB', (per('hitBytes', a.w, b.w) / 1e6).toFixed(2), 'derived', per('derivedHits', a.w, b.w));
process.exit(0);
