// The wasm target, the default where WebAssembly SIMD exists: AOT-built AssemblyScript SIMD kernels (wasm/) for
// the hot primitives; the rest run on the reference. TENSORLAW_TARGET=ref selects the reference instead.
import { registerTarget } from '../registry.js';
import { hasSimd128, residentView } from './runtime.js';
import { convWasm, dotGeneralWasm } from './linalg.js';
import { elementwiseImpl } from './elementwise.js';

registerTarget({
  name: 'wasm',
  impl: {
    ...elementwiseImpl,
    dotGeneral: dotGeneralWasm,
    convGeneralDilated: convWasm,
  },
  available: hasSimd128,
  sliceView: residentView,
}, { preferred: true });

export { initWasm, wasmVariant, hasSimd128, hasRelaxedSimd } from './runtime.js';
export { setThreads, getThreads, threadsReady, setWorkerFactory, type WorkerFactory, type WorkerInit } from './threads.js';
