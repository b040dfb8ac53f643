// The hand-written WGSL routines the WebGPU target calls: GEMM, convolutions (implicit GEMM, Winograd) and grads, reductions, softmax, layer norm, attention, sort/top-k.
export type { RoutineContext, ElemType, Epilogue, TileConfig, PassOrEncoder } from './common.js';
export { isCpuAdapter } from './common.js';
export { encodeMatmul, matmulTiles, type MatmulArgs } from './matmul.js';
export {
  encodeConv2d, encodeConv2dInputGrad, encodeConv2dFilterGrad, conv2dOutShape, convOutSize,
  type Conv2dArgs, type Conv2dInputGradArgs, type Conv2dFilterGradArgs, type Conv2dShape, type ConvLayout, type FilterLayout,
} from './conv.js';
export { encodeConv2dWinograd, winogradApplies, winogradFormOf, winogradPays, winogradTransforms, type WinogradForm } from './winograd.js';
export { encodeReduce, type ReduceArgs, type ReduceOp } from './reduce.js';
export { encodeSoftmax, encodeLayerNorm, type SoftmaxArgs, type LayerNormArgs } from './norm.js';
export { encodeAttention, type AttentionArgs } from './attention.js';
export { encodeSort, encodeTopK, type SortArgs, type TopKArgs } from './sort.js';
