// A/B of the wasm target's eager residency ring in one process, alternating off/on: W3 (np.sum of 2^22 floats, the same array each rep) and eager W2 (the tanh·sigmoid chain); median wall and CPU ms per rep. Usage: T=1 node --import tsx bench/micro/wasm-residency.mts
import { np, nn, withTarget } from '../../src/index.js';
import { setThreads, threadsReady } from '../../src/targets/wasm/threads.js';
import { wasmResidency } from '../../src/targets/wasm/runtime.js';
setThreads(Number(process.env.T ?? 1)); await threadsReady();
const x = np.array(Float32Array.from({ length: 1 << 22 }, (_, i) => Math.sin(i)));
const chain = (x: any) => np.tanh(x.mul(1.5).add(0.5)).mul(nn.sigmoid(x));
withTarget('wasm', () => {
  for (let round = 0; round < 3; round++)
    for (const on of [false, true]) {
      wasmResidency.enabled = on;
      const m = (f: () => any, reps: number) => { for (let i = 0; i < 3; i++) f().dispose(); const ts: number[] = []; const c = process.cpuUsage(); for (let i = 0; i < reps; i++) { const t = performance.now(); f().dispose(); ts.push(performance.now() - t); } const d = process.cpuUsage(c); ts.sort((a, b) => a - b); return `${ts[reps >> 1]!.toFixed(2)} ms (cpu ${((d.user + d.system) / 1000 / reps).toFixed(2)})`; };
      console.log(`residency ${on ? 'on ' : 'off'}: W3 sum ${m(() => np.sum(x), 30)}; W2 eager ${m(() => chain(x), 7)}`);
    }
  console.log(JSON.stringify(wasmResidency));
});
