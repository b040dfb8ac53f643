// The slice of tensorlaw's public API the laws exercise: imported from the package entry, as users do
// (which also loads the library's modules in their canonical order).
import { lax } from '../src/index.js';
export { jvp, vjp, linearize, linearTranspose, grad, valueAndGrad, vmap, jit, makeJaxpr, tree, lax } from '../src/index.js';
export { customJvp, customVjp, checkpoint } from '../src/index.js';
export const { cond, switchCase, whileLoop, forILoop, scan } = lax;
