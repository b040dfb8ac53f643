// Image grids as PNG files (pngjs: greyscale tiles in [0, 1] → RGBA, padded), plus loss-curve and scatter SVGs (Vega-Lite) for the generative examples.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PNG } from 'pngjs';
import type * as vl from 'vega-lite';
import type { Array } from '../../src/index.js';
import { renderSvg } from './plot.js';

/** Images for a grid: a tensorlaw Array [n, h, w] (or [n, h·w] with `height`/`width` given), or flat float data n·h·w. */
export type GridImages = Array | Float32Array | Float64Array | readonly number[];

/** Options of gridPng / saveGrid. */
export interface GridOptions {
  /** Tiles per row. Default: ceil(sqrt(n)). */
  readonly cols?: number;
  /** Tile height and width in pixels. Default: from the Array's shape [n, h, w], else 28 × 28. */
  readonly height?: number;
  readonly width?: number;
  /** Pixels between tiles and around the border. Default 2. */
  readonly pad?: number;
  /** Grey level of the padding in [0, 1]. Default 0.5 (mid grey, so black and white tiles both stand out). */
  readonly padValue?: number;
  /** Each image pixel becomes a scale × scale block. Default 2. */
  readonly scale?: number;
}

/** A PNG image: the encoded bytes and its size in pixels. */
export interface GridPng {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
}

function flatten(images: GridImages, opts: GridOptions): { data: ArrayLike<number>; n: number; h: number; w: number } {
  let data: ArrayLike<number>;
  let h = opts.height, w = opts.width;
  if (images instanceof Float32Array || images instanceof Float64Array || globalThis.Array.isArray(images)) data = images as ArrayLike<number>;
  else {
    const a = images as Array;
    if (a.ndim === 3) {
      h ??= a.shape[1];
      w ??= a.shape[2];
    } else if (a.ndim !== 2 && a.ndim !== 4) throw new TypeError(`image.gridPng: images must be [n, h, w], [n, h·w] or [n, h, w, 1], got shape [${a.shape.join(', ')}]`);
    if (a.ndim === 4) {
      h ??= a.shape[1];
      w ??= a.shape[2];
    }
    data = a.astype('float32').dataSync() as Float32Array;
  }
  h ??= 28;
  w ??= 28;
  const n = data.length / (h * w);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`image.gridPng: ${data.length} values are not a whole number (>= 1) of ${h}×${w} images`);
  return { data, n, h, w };
}

/**
 * Lays `n` greyscale images (values in [0, 1], clipped) out in a grid and encodes it as an RGBA PNG.
 * Tile k goes to row floor(k / cols), column k mod cols.
 */
export function gridPng(images: GridImages, opts: GridOptions = {}): GridPng {
  const { data, n, h, w } = flatten(images, opts);
  const cols = opts.cols ?? Math.ceil(Math.sqrt(n));
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`image.gridPng: cols must be a positive integer, got ${cols}`);
  const rows = Math.ceil(n / cols);
  const pad = opts.pad ?? 2, scale = opts.scale ?? 2;
  const width = cols * w * scale + (cols + 1) * pad, height = rows * h * scale + (rows + 1) * pad;
  const png = new PNG({ width, height, colorType: 6 });
  const byte = (v: number): number => Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
  const bg = byte(opts.padValue ?? 0.5);
  png.data.fill(bg);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  for (let k = 0; k < n; k++) {
    const r0 = pad + Math.floor(k / cols) * (h * scale + pad), c0 = pad + (k % cols) * (w * scale + pad);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const v = byte(data[k * h * w + Math.floor(y / scale) * w + Math.floor(x / scale)]!);
        const o = 4 * ((r0 + y) * width + c0 + x);
        png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
        png.data[o + 3] = 255;
      }
    }
  }
  return { png: PNG.sync.write(png), width, height };
}

/** Writes `images` as a PNG grid to `path` (directories created); returns the absolute path and the PNG's size. */
export function saveGrid(path: string, images: GridImages, opts: GridOptions = {}): { path: string; width: number; height: number } {
  const { png, width, height } = gridPng(images, opts);
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, png);
  return { path: abs, width, height };
}

/** Decodes a PNG file's bytes (pngjs): its size and RGBA data, for tests and checks. */
export function readPng(bytes: Buffer): { width: number; height: number; data: Buffer } {
  const p = PNG.sync.read(bytes);
  return { width: p.width, height: p.height, data: p.data };
}

/** One point of a loss curve: a series (e.g. 'train', 'test', 'D', 'G') at a step or epoch. */
export interface CurvePoint {
  readonly x: number;
  readonly series: string;
  readonly value: number;
}

async function writeSvg(path: string, spec: vl.TopLevelSpec): Promise<string> {
  const svg = await renderSvg(spec);
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, svg);
  return abs;
}

/**
 * Line charts of loss curves, one panel per entry of `panels` (its title, its y label, its points), side by side;
 * writes an SVG to `path` and returns its absolute path.
 */
export async function writeLossCurves(
  path: string,
  title: string,
  panels: readonly { readonly title: string; readonly xLabel: string; readonly yLabel: string; readonly points: readonly CurvePoint[] }[],
): Promise<string> {
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    hconcat: panels.map((p) => ({
      title: p.title,
      width: 320,
      height: 220,
      data: { values: p.points.map((q) => ({ x: q.x, series: q.series, value: q.value })) },
      mark: { type: 'line' as const, point: p.points.length <= 60 },
      encoding: {
        x: { field: 'x', type: 'quantitative' as const, title: p.xLabel },
        y: { field: 'value', type: 'quantitative' as const, title: p.yLabel, scale: { zero: false } },
        color: { field: 'series', type: 'nominal' as const },
      },
    })),
  };
  return writeSvg(path, spec);
}

/** A scatter plot of labelled 2-D points (e.g. real vs generated samples); writes an SVG and returns its absolute path. */
export async function writeScatter(
  path: string,
  title: string,
  points: readonly { readonly x: number; readonly y: number; readonly series: string }[],
  domain?: readonly [number, number],
): Promise<string> {
  const scale = domain ? { domain: [domain[0], domain[1]] } : { zero: false };
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 360,
    data: { values: points.map((p) => ({ x: p.x, y: p.y, series: p.series })) },
    mark: { type: 'circle', size: 8, opacity: 0.5, clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', scale },
      y: { field: 'y', type: 'quantitative', scale },
      color: { field: 'series', type: 'nominal' },
    },
  };
  return writeSvg(path, spec);
}

/** Flags `--name=value` / `--name value` from argv, falling back to the environment variable NAME (upper case, '-' → '_'). */
export function flag(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  const env = process.env[name.toUpperCase().replace(/-/g, '_')];
  return env === '' ? undefined : env;
}

/** A numeric flag (see `flag`), checked: an integer when `integer`, positive. */
export function numFlag(name: string, dflt: number, integer = true): number {
  const v = flag(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new RangeError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
  return n;
}

/**
 * A scatter plot as a PNG (for a quick look without an SVG renderer): points of each series drawn as
 * (2·radius+1)-pixel squares in its colour on white, over the square [lo, hi]²; y grows upwards.
 */
export function saveScatterPng(
  path: string,
  series: readonly { readonly points: ArrayLike<number>; readonly rgb: readonly [number, number, number] }[],
  opts: { readonly size?: number; readonly lo?: number; readonly hi?: number; readonly radius?: number } = {},
): { path: string; width: number; height: number } {
  const size = opts.size ?? 300, lo = opts.lo ?? -3, hi = opts.hi ?? 3, rad = opts.radius ?? 1;
  const png = new PNG({ width: size, height: size, colorType: 6 });
  png.data.fill(255);
  const px = (v: number): number => Math.round(((v - lo) / (hi - lo)) * (size - 1));
  for (const s of series) {
    for (let i = 0; i + 1 < s.points.length; i += 2) {
      const cx = px(s.points[i]!), cy = size - 1 - px(s.points[i + 1]!);
      for (let dy = -rad; dy <= rad; dy++) {
        for (let dx = -rad; dx <= rad; dx++) {
          const x = cx + dx, y = cy + dy;
          if (x < 0 || y < 0 || x >= size || y >= size) continue;
          const o = 4 * (y * size + x);
          png.data[o] = s.rgb[0];
          png.data[o + 1] = s.rgb[1];
          png.data[o + 2] = s.rgb[2];
          png.data[o + 3] = 255;
        }
      }
    }
  }
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, PNG.sync.write(png));
  return { path: abs, width: size, height: size };
}
