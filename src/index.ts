// tensorlaw's public API: arrays, np/lax/random/tree namespaces, and the composable transforms.
import './core/polyfill.js';
import './core/array.js';
import './targets/wasm/index.js'; // registers the wasm target (the default where WebAssembly SIMD is available)
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
export { ConcretizationTypeError, UnexpectedTracerError, TreeStructureError, FloatingPointError } from './core/errors.js';
export * as np from './numpy/index.js';
export * as lax from './lax/index.js';
export * as random from './random/index.js';
export * as tree from './core/tree.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as train from './train/index.js';
export { grad, valueAndGrad, jvp, vjp, linearize, linearTranspose, jacfwd, jacrev, hessian } from './transforms/grad.js';
export type { GradOptions } from './transforms/grad.js';
export { vmap } from './transforms/vmap.js';
export type { VmapOptions } from './transforms/vmap.js';
export { jit, makeJaxpr } from './transforms/jit.js';
export type { JitOptions, Jitted } from './transforms/jit.js';
export { customJvp, customVjp, checkpoint } from './transforms/custom.js';
export { stopGradient } from './lax/prims.js';
export { ClosedJaxpr, Jaxpr } from './ir/jaxpr.js';
export { prims } from './core/primitive.js';
export type { Prim } from './core/primitive.js';
