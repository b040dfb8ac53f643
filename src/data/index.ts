// data: IDX (MNIST / Fashion-MNIST) and CSV readers, deterministic batching and splits, augmentation from explicit keys, and their Node file loaders.
//
// Everything but node.ts is browser-safe; node.ts reaches node:fs / node:zlib lazily (process.getBuiltinModule),
// so importing this namespace never needs Node, only calling the file loaders does.
export { type IdxType, type IdxData, type ReadIdxOptions, type EncodeIdxOptions, decodeIdx, readIdx, encodeIdx, isGzip } from './idx.js';
export { type CsvOptions, type CsvTable, parseCsv, parseCsvRows, csvMatrix } from './csv.js';
export { type BatchOptions, type Batches, type SplitOptions, batches, numBatches, shuffle, trainTestSplit, takeExamples } from './batching.js';
export { type FlipOptions, type CropOptions, type NoiseOptions, randomFlip, randomCrop, gaussianNoise, augmentBatch } from './augment.js';
export {
  type ImageSplit, type MnistDataset, type MnistOptions, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, readIdxFile, loadFashionMnist, loadMnist, readCsv,
} from './node.js';
