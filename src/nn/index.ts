// nn: activations, initializers, layers as init/apply pairs, residual blocks, recurrent cells and stacks, attention and transformers, losses and metrics, all pure functions over pytrees.
export {
  sigmoid, tanh, relu, relu6, leakyRelu, prelu, elu, selu, celu, gelu, silu, swish, softplus, logSigmoid, mish, hardTanh,
  softmax, logSoftmax, oneHot,
} from './activations.js';
/** Parameter initializers (glorot/he/lecun normal and uniform, orthogonal, …) matching jax.nn.initializers. */
export * as initializers from './initializers.js';
export type { Initializer, FloatDType } from './initializers.js';
export type { Layer, Initialized, CallOptions, ApplyOptions, ParamOptions, Shape } from './module.js';
export { statelessLayer, splitKeys } from './module.js';
export {
  dense, conv, conv1d, conv2d, convTranspose, convTranspose2d, maxPool, avgPool, globalAvgPool, batchNorm, layerNorm, groupNorm, instanceNorm, dropout, embedding,
  flatten, fn, sequential, residual, dropoutWithKey,
} from './layers.js';
export type {
  DenseOptions, DenseParams, Layout, PaddingLike, ConvOptions, ConvParamsTree, ConvTransposeOptions, PoolOptions, BatchNormOptions, BatchNormParams,
  BatchNormState, LayerNormOptions, NormParams, GroupNormOptions, EmbeddingOptions, EmbeddingParams, LayerLike,
} from './layers.js';
export { basicBlock, bottleneckBlock } from './resnet.js';
export type { ResidualBlockOptions, ResidualBlockParams, ResidualBlockState, ConvBnParams } from './resnet.js';
export { simpleRnnCell, lstmCell, gruCell, rnn, bidirectional, stackedRnn } from './recurrent.js';
export type {
  Cell, CellOptions, SimpleRnnParams, LstmParams, LstmCarry, GruParams, RnnOptions, RnnCallOptions, StackedRnnOptions, StackedRnnParams,
  StackedRnnCallOptions, BidirectionalParams,
} from './recurrent.js';
export {
  dotProductAttention, causalMask, attentionMask, multiHeadAttention, sinusoidalPositionalEncoding, learnedPositionalEmbedding,
} from './attention.js';
export type {
  AttentionOptions, MultiHeadAttentionOptions, MultiHeadAttentionParams, MultiHeadAttentionCallOptions, Projection,
  LearnedPositionalEmbeddingOptions, LearnedPositionalEmbeddingParams, PositionalCallOptions,
} from './attention.js';
export { transformerEncoderBlock, transformerDecoderBlock, transformerEncoder, transformerDecoder } from './transformer.js';
export type {
  TransformerBlockOptions, TransformerEncoderBlockParams, TransformerDecoderBlockParams, TransformerEncoderCallOptions,
  TransformerDecoderCallOptions, TransformerStackOptions, TransformerStackParams,
} from './transformer.js';
export {
  mse, mae, huber, binaryCrossEntropy, categoricalCrossEntropy, klDivergence, hinge, sigmoidFocalLoss, softmaxFocalLoss, pairwiseDistance,
  tripletMarginLoss, contrastiveLoss, cosineEmbeddingLoss, reparameterize, gaussianKl, bernoulliLogLikelihood, gaussianLogLikelihood,
} from './losses.js';
export type {
  Reduction, LossOptions, BinaryCrossEntropyOptions, CategoricalCrossEntropyOptions, KlOptions, SigmoidFocalLossOptions,
  SoftmaxFocalLossOptions, PairwiseDistanceOptions, TripletMarginLossOptions, ContrastiveLossOptions, CosineEmbeddingLossOptions, ElboOptions,
  GaussianLogLikelihoodOptions,
} from './losses.js';
export {
  accuracy, confusionMatrix, precision, recall, f1, topKAccuracy, rocAuc, rmse, mape, r2, iou, dice, perplexity,
} from './metrics.js';
export type {
  Average, ClassificationOptions, MultiOutput, RegressionOptions, SegmentationAverage, SegmentationOptions, PerplexityOptions,
} from './metrics.js';
