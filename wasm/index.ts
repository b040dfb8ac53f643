// Entry of the AOT-built kernel module (wasm/build/kernels.wasm): re-exports every kernel file.
export * from './runtime';
export * from './gemm';
export * from './conv';
export * from './math';
export * from './elementwise';
export * from './reduce';
export * from './winograd';
