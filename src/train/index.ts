// train: training utilities over pytrees: safetensors checkpoints, progress bars, early stopping, gradient accumulation, int8 quantization, pruning, distillation.
//
// Everything but node.ts is browser-safe; node.ts reaches node:fs lazily (process.getBuiltinModule), so importing
// this namespace never needs Node, only calling saveSafetensors / loadSafetensors does.
export {
  type SafetensorsDType, type TensorInfo, type SafetensorsHeader, type SerializeOptions, type DeserializeOptions,
  serialize, deserialize, readSafetensorsHeader, loadTensors,
} from './safetensors.js';
export { saveSafetensors, loadSafetensors, readSafetensorsHeaderFile } from './node.js';
export { treePaths } from './paths.js';
export { type ProgressStream, type ProgressOptions, type PostfixValue, type Progress, progress, formatDuration } from './progress.js';
export { type EarlyStoppingOptions, type EarlyStoppingState, type EarlyStopping, earlyStopping } from './earlyStopping.js';
export { type MultiStepsState, type MultiStepsOptions, multiSteps, multiStepsHasUpdated } from './multiSteps.js';
export {
  type LeafFilter, type QuantizeOptions, type QuantizedTree, type PruneOptions, type Pruned,
  quantizeInt8, dequantize, magnitudePrune, applyMasks, sparsity,
} from './compress.js';
export { type DistillationOptions, distillationLoss } from './distill.js';
