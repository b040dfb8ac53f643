// The user-facing lax namespace: primitives and composites (ops.ts re-exports prims.ts), and control flow.
export * from './ops.js';
export { cond, switchCase, switchCase as switch, whileLoop, forILoop, scan } from '../transforms/controlFlow.js';
export type { ScanOptions } from '../transforms/controlFlow.js';
