// tensorlaw's public API: arrays, np/lax/random/tree namespaces, and the composable transforms.
import './core/polyfill.js';
import './core/array.js';
import './targets/wasm/index.js'; // registers the wasm target (the default where WebAssembly SIMD is available)
import './targets/webgpu/index.js'; // registers the webgpu target (selectable after `await initWebGpu()`)
import './numpy/methods.js';
import './numpy/format.js';

export { Array, Tracer } from './core/trace.js';
export type { Scalar, NestedArray } from './core/trace.js';
export { ShapedArray } from './core/aval.js';
export type { DType } from './core/dtype.js';
export { memoryStats } from './core/array.js';
export { config } from './core/config.js';
export { setTarget, getTarget, withTarget, availableTargets } from './targets/registry.js';
export { setThreads, getThreads } from './targets/wasm/index.js';
export { initWebGpu, setTargetAsync, webgpuInfo, WebGpuError, type WebGpuOptions } from './targets/webgpu/index.js';
export { ConcretizationTypeError, UnexpectedTracerError, TreeStructureError, FloatingPointError } from './core/errors.js';
/** numpy-style API (jax.numpy): broadcasting, promotion, ~300 functions over immutable arrays. */
export * as np from './numpy/index.js';
/** Strict primitive wrappers and composites (jax.lax): no implicit broadcasting or promotion; control flow (cond, scan, whileLoop, forILoop). */
export * as lax from './lax/index.js';
/** Counter-based PRNG with explicit keys (jax.random, threefry2x32, bit-exact with JAX). */
export * as random from './random/index.js';
/** Pytrees: flatten/unflatten/map over nested arrays, objects and tuples (jax.tree_util). */
export * as tree from './core/tree.js';
/** Neural-network building blocks as pure init/apply pairs: activations, initializers, layers, losses, metrics. */
export * as nn from './nn/index.js';
/** Optimizers as (init, update) pairs, gradient transformations and learning-rate schedules (optax-style). */
export * as optim from './optim/index.js';
/** Datasets (IDX/MNIST/Fashion-MNIST, CSV), key-driven batching and shuffling, augmentation. */
export * as data from './data/index.js';
/** Training utilities: safetensors checkpoints, progress bar, early stopping, gradient accumulation, quantization, pruning. */
export * as train from './train/index.js';
export { grad, valueAndGrad, jvp, vjp, linearize, linearTranspose, jacfwd, jacrev, hessian } from './transforms/grad.js';
export type { GradOptions } from './transforms/grad.js';
export { vmap } from './transforms/vmap.js';
export type { VmapOptions } from './transforms/vmap.js';
export { jit, makeJaxpr } from './transforms/jit.js';
export { Lowered, type Compiled, type AotManifest, type AotTensor, type ExportOptions } from './compiler/aot.js';
export { precompileWasm, planReady } from './compiler/run.js';
export { jitIdle, jitStats } from './targets/wasm/jit/compile.js';
export type { JitOptions, Jitted } from './transforms/jit.js';
export { customJvp, customVjp, checkpoint } from './transforms/custom.js';
export { stopGradient } from './lax/prims.js';
export { ClosedJaxpr, Jaxpr } from './ir/jaxpr.js';
export { prims } from './core/primitive.js';
export type { Prim } from './core/primitive.js';
