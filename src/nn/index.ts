// nn: activations, initializers, layers as init/apply pairs, recurrent cells, attention, losses and metrics, all pure functions over pytrees.
export {
  sigmoid, tanh, relu, relu6, leakyRelu, prelu, elu, selu, celu, gelu, silu, swish, softplus, logSigmoid, mish, hardTanh,
  softmax, logSoftmax, oneHot,
} from './activations.js';
export * as initializers from './initializers.js';
export type { Initializer, FloatDType } from './initializers.js';
export type { Layer, Initialized, CallOptions, ApplyOptions, ParamOptions, Shape } from './module.js';
export { statelessLayer, splitKeys } from './module.js';
export {
  dense, conv, conv1d, conv2d, convTranspose, convTranspose2d, maxPool, avgPool, globalAvgPool, batchNorm, layerNorm, groupNorm, instanceNorm, dropout, embedding,
  flatten, fn, sequential, residual,
} from './layers.js';
export type {
  DenseOptions, DenseParams, Layout, PaddingLike, ConvOptions, ConvParamsTree, ConvTransposeOptions, PoolOptions, BatchNormOptions, BatchNormParams,
  BatchNormState, LayerNormOptions, NormParams, GroupNormOptions, EmbeddingOptions, EmbeddingParams, LayerLike,
} from './layers.js';
export { simpleRnnCell, lstmCell, gruCell, rnn, bidirectional } from './recurrent.js';
export type { Cell, CellOptions, SimpleRnnParams, LstmParams, LstmCarry, GruParams, RnnOptions, RnnCallOptions } from './recurrent.js';
export { dotProductAttention, causalMask, multiHeadAttention, sinusoidalPositionalEncoding } from './attention.js';
export type {
  AttentionOptions, MultiHeadAttentionOptions, MultiHeadAttentionParams, MultiHeadAttentionCallOptions, Projection,
} from './attention.js';
export { mse, mae, huber, binaryCrossEntropy, categoricalCrossEntropy, klDivergence, hinge } from './losses.js';
export type { Reduction, LossOptions, BinaryCrossEntropyOptions, CategoricalCrossEntropyOptions, KlOptions } from './losses.js';
export { accuracy, confusionMatrix, precision, recall, f1 } from './metrics.js';
export type { Average, ClassificationOptions } from './metrics.js';
