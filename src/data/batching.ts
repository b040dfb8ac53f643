// Mini-batches, shuffles and train/test splits that are deterministic functions of an explicit PRNG key; browser-safe.
import { fromTyped } from '../core/array.js';
import { fmtShape } from '../core/aval.js';
import { Array } from '../core/trace.js';
import { flatten, unflatten } from '../core/tree.js';
import { take } from '../numpy/shape.js';
import * as random from '../random/index.js';

/** Options of batches. */
export interface BatchOptions {
  /** Drop the last, smaller batch when batchSize does not divide n. Default false. */
  readonly dropLast?: boolean;
}

/** An iterable of batches that also knows how many it yields (handy for a progress bar's total). */
export interface Batches<T> extends Iterable<T> {
  /** The number of batches. */
  readonly length: number;
  /** The index array of every batch, in order (int32 arrays). */
  readonly indices: readonly Array[];
}

/**
 * The number of batches of `batchSize` that n examples make.
 * @example
 * data.numBatches(10, 4);                     // 3
 * data.numBatches(10, 4, { dropLast: true }); // 2
 */
export function numBatches(n: number, batchSize: number, opts: BatchOptions = {}): number {
  checkSizes('data.numBatches', n, batchSize);
  return opts.dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

function checkSizes(op: string, n: number, batchSize: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${op}: the number of examples must be an integer >= 0, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${op}: batchSize must be an integer >= 1, got ${batchSize}`);
}

/** The size of the leading axis shared by every leaf of a data pytree (an error names the first disagreement). Internal. */
export function leadingSize(op: string, data: unknown): number {
  const [leaves] = flatten(data);
  if (leaves.length === 0) throw new TypeError(`${op}: the data pytree has no arrays`);
  let n: number | null = null;
  let first = '';
  leaves.forEach((l, i) => {
    if (!(l instanceof Array)) throw new TypeError(`${op}: every leaf of the data must be an Array, leaf ${i} is ${typeof l}`);
    if (l.ndim === 0) throw new TypeError(`${op}: leaf ${i} is a scalar; data leaves need a leading example axis`);
    if (n === null) {
      n = l.shape[0]!;
      first = `${l.dtype}${fmtShape(l.shape)}`;
    } else if (l.shape[0] !== n)
      throw new RangeError(`${op}: every leaf must have the same number of examples (leading axis); leaf 0 is ${first} but leaf ${i} is ${l.dtype}${fmtShape(l.shape)}`);
  });
  return n!;
}

/** The order of n examples: arange(n), or random.permutation(key, n). */
function order(op: string, key: Array | null, n: number): Int32Array {
  if (key === null) return Int32Array.from({ length: n }, (_, i) => i);
  if (!(key instanceof Array)) throw new TypeError(`${op}: the key must be a PRNG key (random.key(seed)) or null for the data's own order, got ${typeof key}`);
  return new Int32Array(random.permutation(key, n).dataSync());
}

/**
 * The examples of `data` (a pytree of arrays with a leading example axis) at the int32 indices `idx`.
 * @example
 * const { x, y } = data.takeExamples({ x: images, y: labels }, np.array([0, 5, 9], 'int32'));
 */
export function takeExamples<T>(data: T, idx: Array): T {
  const [leaves, def] = flatten(data);
  return unflatten<T>(def, leaves.map((l) => take(l as Array, idx, 0)));
}

/**
 * Mini-batches of n examples in an order fixed by `key` (random.permutation(key, n); `null` keeps
 * 0..n-1). Given a number n it yields int32 index arrays; given a pytree of arrays whose leaves share a
 * leading axis of n examples it yields pytrees of batches (np.take along axis 0). Fold the epoch into the
 * key for a fresh shuffle each epoch.
 * @example
 * for (const idx of data.batches(random.foldIn(key, epoch), 60000, 128, { dropLast: true })) { ... }
 * for (const { x, y } of data.batches(key, { x: images, y: labels }, 64)) { ... }
 */
export function batches(key: Array | null, n: number, batchSize: number, opts?: BatchOptions): Batches<Array>;
export function batches<T>(key: Array | null, data: T, batchSize: number, opts?: BatchOptions): Batches<T>;
export function batches(key: Array | null, nOrData: unknown, batchSize: number, opts: BatchOptions = {}): Batches<unknown> {
  const op = 'data.batches';
  const n = typeof nOrData === 'number' ? nOrData : leadingSize(op, nOrData);
  checkSizes(op, n, batchSize);
  const perm = order(op, key, n);
  const count = numBatches(n, batchSize, opts);
  const indices = globalThis.Array.from({ length: count }, (_, b) => {
    const part = perm.slice(b * batchSize, Math.min(n, (b + 1) * batchSize));
    return fromTyped(part, [part.length], 'int32');
  });
  const pick = typeof nOrData === 'number' ? (idx: Array) => idx : (idx: Array) => takeExamples(nOrData, idx);
  return {
    length: count,
    indices,
    *[Symbol.iterator]() {
      for (const idx of indices) yield pick(idx);
    },
  };
}

/**
 * The examples of a data pytree in the order random.permutation(key, n) (every leaf the same way).
 * @example
 * const { x, y } = data.shuffle(key, { x: images, y: labels });
 */
export function shuffle<T>(key: Array, data: T): T {
  const op = 'data.shuffle';
  const n = leadingSize(op, data);
  const perm = order(op, key, n);
  return takeExamples(data, fromTyped(perm, [n], 'int32'));
}

/** Options of trainTestSplit. */
export interface SplitOptions {
  /** The test set: a fraction in (0, 1) (rounded up, as scikit-learn does) or a count. Default 0.25. */
  readonly testSize?: number;
  /** Shuffle before splitting (with the key). Default true; false takes the last examples as the test set. */
  readonly shuffle?: boolean;
}

/**
 * Splits a data pytree into [train, test] along the example axis, shuffled by `key` (scikit-learn's
 * train_test_split: the test set has ceil(testSize · n) examples for a fraction).
 * @example
 * const [train, test] = data.trainTestSplit(key, { x, y }, { testSize: 0.2 });
 */
export function trainTestSplit<T>(key: Array | null, data: T, opts: SplitOptions = {}): [T, T] {
  const op = 'data.trainTestSplit';
  const n = leadingSize(op, data);
  const ts = opts.testSize ?? 0.25;
  let nTest: number;
  if (ts > 0 && ts < 1) nTest = Math.ceil(ts * n);
  else if (Number.isInteger(ts) && ts >= 0 && ts <= n) nTest = ts;
  else throw new RangeError(`${op}: testSize must be a fraction in (0, 1) or an integer count in [0, ${n}], got ${ts}`);
  const shuffleIt = opts.shuffle ?? true;
  if (shuffleIt && key === null) throw new TypeError(`${op}: shuffling needs a key; pass shuffle: false to split in the data's order`);
  const perm = shuffleIt ? order(op, key, n) : order(op, null, n);
  const nTrain = n - nTest;
  const tr = perm.slice(0, nTrain);
  const te = perm.slice(nTrain);
  return [takeExamples(data, fromTyped(tr, [nTrain], 'int32')), takeExamples(data, fromTyped(te, [nTest], 'int32'))];
}
