// Data augmentation from explicit keys (random crop with padding, flips, gaussian noise): pure lax compositions that run eagerly and under vmap/jit/grad.
import { fmtShape, normalizeAxis } from '../core/aval.js';
import { isFloat } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import * as lax from '../lax/ops.js';
import { add, multiply, where } from '../numpy/elementwise.js';
import { dynamicSlice, flip, pad, type PadMode } from '../numpy/shape.js';
import * as random from '../random/index.js';
import { vmap } from '../transforms/vmap.js';

/** Options of randomFlip. */
export interface FlipOptions {
  /** The axis to reverse. Default 1: the width of an [H, W] or [H, W, C] image (use -1 for [C, H, W]). */
  readonly axis?: number;
  /** Probability of flipping. Default 0.5. */
  readonly p?: number;
}

/**
 * Reverses one example along `axis` with probability p (a horizontal flip by default). `x` is one
 * example; vmap over keys and examples (or use `augmentBatch`) for a batch with independent flips.
 * @example
 * const flipped = data.randomFlip(key, image);                 // image: [28, 28] or [32, 32, 3]
 * const batch = vmap(data.randomFlip)(random.split(key, n), images);
 */
export function randomFlip(key: Array, x: Array, opts: FlipOptions = {}): Array {
  const op = 'data.randomFlip';
  const p = opts.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: p must be a probability in [0, 1], got ${p}`);
  if (x.ndim === 0) throw new TypeError(`${op}: cannot flip a scalar; expected an example such as an [H, W] or [H, W, C] image`);
  const axis = normalizeAxis(op, opts.axis ?? 1, x.ndim);
  const doFlip = random.bernoulli(key, p); // bool scalar
  return where(doFlip, flip(x, axis), x);
}

/** Options of randomCrop. */
export interface CropOptions {
  /** The output sizes along `axes`. Default: the input's sizes (a padded crop that only shifts). */
  readonly size?: readonly number[];
  /** Pixels of padding added on both sides of each of `axes` before cropping. Default 0. */
  readonly padding?: number;
  /** How to fill the padding (np.pad's modes). Default 'constant' (zeros). */
  readonly padMode?: PadMode;
  /** The axes cropped. Default [0, 1]: height and width of [H, W] or [H, W, C] (use [-2, -1] for [C, H, W]). */
  readonly axes?: readonly number[];
}

/**
 * A random crop of one example (torchvision's RandomCrop(size, padding)): pads `padding` on both sides of
 * `axes`, then takes a window of `size` at offsets drawn uniformly from every valid position. Under vmap
 * each example gets its own offsets.
 * @example
 * const shifted = data.randomCrop(key, image, { padding: 4 });          // CIFAR-style: 32×32 → 32×32
 * const patch = data.randomCrop(key, image, { size: [24, 24] });         // [28, 28] → [24, 24]
 */
export function randomCrop(key: Array, x: Array, opts: CropOptions = {}): Array {
  const op = 'data.randomCrop';
  const axes = (opts.axes ?? [0, 1]).map((a) => normalizeAxis(op, a, x.ndim));
  if (new Set(axes).size !== axes.length) throw new RangeError(`${op}: repeated axes ${JSON.stringify(opts.axes)}`);
  const padding = opts.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`${op}: padding must be an integer >= 0, got ${padding}`);
  const size = opts.size ?? axes.map((a) => x.shape[a]!);
  if (size.length !== axes.length) throw new RangeError(`${op}: size ${JSON.stringify(size)} must give one length per cropped axis ${JSON.stringify(axes)}`);
  const padded = padding > 0 ? pad(x, x.shape.map((_, d) => (axes.includes(d) ? ([padding, padding] as const) : ([0, 0] as const))), opts.padMode ?? 'constant') : x;
  const keys = random.split(key, axes.length);
  const starts: (number | Array)[] = x.shape.map(() => 0);
  const sizes = [...padded.shape];
  axes.forEach((a, j) => {
    const s = size[j]!;
    const avail = padded.shape[a]!;
    if (!Number.isInteger(s) || s < 1 || s > avail)
      throw new RangeError(`${op}: crop size ${s} along axis ${a} must be an integer in [1, ${avail}] (the ${padding > 0 ? 'padded ' : ''}input is ${fmtShape(padded.shape)})`);
    sizes[a] = s;
    // offset uniform in [0, avail - s]: jax.random.randint's half-open [minval, maxval)
    starts[a] = random.randint(lax.indexInDim(keys, j, 0, false), [], 0, avail - s + 1);
  });
  return dynamicSlice(padded, starts, sizes);
}

/** Options of gaussianNoise. */
export interface NoiseOptions {
  /** Standard deviation of the noise. Default 0.1. */
  readonly std?: number;
}

/**
 * x plus independent normal noise of standard deviation `std` (in x's float dtype).
 * @example
 * const noisy = data.gaussianNoise(key, images, { std: 0.05 });
 */
export function gaussianNoise(key: Array, x: Array, opts: NoiseOptions = {}): Array {
  const op = 'data.gaussianNoise';
  const std = opts.std ?? 0.1;
  if (!(std >= 0) || !Number.isFinite(std)) throw new RangeError(`${op}: std must be a finite number >= 0, got ${std}`);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: x must be a float array (convert images with .astype('float32')), got ${x.dtype}${fmtShape(x.shape)}`);
  const d = x.dtype as 'float32' | 'float64';
  const noise = random.normal(key, x.shape, d);
  return add(x, multiply(noise, lax.scalar(std, d, true)));
}

/**
 * Applies a per-example augmentation `f(key, example)` to every example of a batch with independent keys
 * (split from `key`), through vmap, so it also runs under jit.
 * @example
 * const aug = (k: Array, img: Array) => {
 *   const [k1, k2] = random.split(k); // one key per random decision
 *   return data.randomFlip(k1, data.randomCrop(k2, img, { padding: 2 }));
 * };
 * const out = data.augmentBatch(key, images, aug); // images: [N, 28, 28]
 */
export function augmentBatch(key: Array, batch: Array, f: (key: Array, example: Array) => Array): Array {
  if (batch.ndim === 0) throw new TypeError(`data.augmentBatch: the batch needs a leading example axis, got a scalar ${batch.dtype}`);
  return vmap(f)(random.split(key, batch.shape[0]!), batch);
}
