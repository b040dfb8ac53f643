// Node-only file IO for src/data: IDX files, the (Fashion-)MNIST directories, CSV files (node:fs reached lazily through platform.ts).
import { fmtShape } from '../core/aval.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { divide } from '../numpy/elementwise.js';
import { type CsvOptions, type CsvTable, parseCsv } from './csv.js';
import { type ReadIdxOptions, readIdx } from './idx.js';
import { nodeBuiltin } from './platform.js';

/** Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The class names of Fashion-MNIST's labels 0..9. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/**
 * Reads an IDX file (gzip-compressed or not) as an Array (see `readIdx`).
 * @example
 * const labels = data.readIdxFile('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'); // int32[10000]
 */
export function readIdxFile(path: string, opts: ReadIdxOptions = {}): Array {
  const fs = nodeBuiltin('data.readIdxFile', 'fs');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`data.readIdxFile: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return readIdx(bytes, opts);
  } catch (e) {
    throw new Error(`${(e as Error).message} (file ${path})`);
  }
}

/** One split of an image-classification dataset. */
export interface ImageSplit {
  /** `[n, 28, 28]`: float32 in [0, 1] by default, int32 0..255 with `normalize: false`. */
  readonly images: Array;
  /** int32 [n], class indices. */
  readonly labels: Array;
}

/** The train and test splits of an MNIST-format dataset. */
export interface MnistDataset {
  readonly train: ImageSplit;
  readonly test: ImageSplit;
}

/** Options of loadMnist / loadFashionMnist. */
export interface MnistOptions {
  /** Scale images to float32 in [0, 1] (value / 255). Default true; false keeps int32 0..255. */
  readonly normalize?: boolean;
  /** Keep only the first `limit` examples of each split (for quick experiments and tests). */
  readonly limit?: number;
}

const SPLITS = { train: 'train', test: 't10k' } as const;

function loadIdxDataset(op: string, dir: string, opts: MnistOptions, missingHint: string): MnistDataset {
  const fs = nodeBuiltin(op, 'fs');
  const path = nodeBuiltin(op, 'path');
  const find = (stem: string): string => {
    for (const name of [`${stem}.gz`, stem]) {
      const p = path.join(dir, name);
      if (fs.existsSync(p)) return p;
    }
    const where = fs.existsSync(dir) ? `${dir} has no ${stem}[.gz]` : `${dir} does not exist`;
    throw new Error(`${op}: ${where}. ${missingHint}`);
  };
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0))
    throw new RangeError(`${op}: limit must be an integer >= 0, got ${opts.limit}`);
  const load = (split: keyof typeof SPLITS): ImageSplit => {
    const prefix = SPLITS[split];
    const imagesPath = find(`${prefix}-images-idx3-ubyte`);
    const labelsPath = find(`${prefix}-labels-idx1-ubyte`);
    const normalize = opts.normalize ?? true;
    const read = { ...(opts.limit === undefined ? {} : { limit: opts.limit }) };
    const images = readIdxFile(imagesPath, { ...read, dtype: normalize ? 'float32' : 'int32' });
    const labels = readIdxFile(labelsPath, read);
    if (images.ndim !== 3 || labels.ndim !== 1 || images.shape[0] !== labels.shape[0])
      throw new Error(`${op}: ${split} images ${fmtShape(images.shape)} and labels ${fmtShape(labels.shape)} do not match ([n, rows, cols] and [n])`);
    return { images: normalize ? divide(images, lax.scalar(255, 'float32')) : images, labels };
  };
  return { train: load('train'), test: load('test') };
}

/**
 * Loads Fashion-MNIST (Xiao et al. 2017: 60000 train and 10000 test 28×28 grey images of 10 clothing
 * classes) from a directory of its four IDX files, gzip-compressed or not. The default directory is where
 * Debian's package puts them (`apt-get install dataset-fashion-mnist`); the error says so when missing.
 * @example
 * const { train, test } = data.loadFashionMnist();           // train.images: float32[60000, 28, 28]
 * const small = data.loadFashionMnist(undefined, { limit: 1000 });
 */
export function loadFashionMnist(dir: string = FASHION_MNIST_DIR, opts: MnistOptions = {}): MnistDataset {
  return loadIdxDataset(
    'data.loadFashionMnist',
    dir,
    opts,
    `Fashion-MNIST is packaged for Debian/Ubuntu: install it with \`apt-get install dataset-fashion-mnist\` (it goes to ${FASHION_MNIST_DIR}), ` +
      `or pass the directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz`,
  );
}

/**
 * Loads MNIST (or any dataset in MNIST's four-file IDX layout) from a directory holding
 * train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz].
 * @example
 * const { train } = data.loadMnist('/data/mnist', { limit: 5000 });
 */
export function loadMnist(dir: string, opts: MnistOptions = {}): MnistDataset {
  return loadIdxDataset(
    'data.loadMnist',
    dir,
    opts,
    'Pass the directory holding the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)',
  );
}

/**
 * Reads and parses a CSV file (UTF-8; see `parseCsv`).
 * @example
 * const table = data.readCsv('iris.csv');
 * const x = data.csvMatrix(table, ['sepal_length', 'petal_length']);
 */
export function readCsv(path: string, opts: CsvOptions = {}): CsvTable {
  const fs = nodeBuiltin('data.readCsv', 'fs');
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`data.readCsv: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return parseCsv(text, opts);
  } catch (e) {
    if (e instanceof Error) e.message = `${e.message} (file ${path})`;
    throw e;
  }
}
