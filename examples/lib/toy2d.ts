// 2-D toy data for the generative examples: two moons and a ring of Gaussians from explicit PRNG keys, a fitted-Gaussian baseline, sample metrics (RBF MMD, sliced Wasserstein, distance to the moons) and Vega-Lite SVG plots (scatter overlays, panel grids, loss curves, density heatmaps).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as vl from 'vega-lite';
import { jit, np, random, type Array } from '../../src/index.js';
import { renderSvg } from './plot.js';

// ---- data ---------------------------------------------------------------------------------------

/**
 * Two interleaving half circles (scikit-learn's make_moons, with the curve parameter drawn uniformly
 * instead of on a grid): the upper moon is (cos t, sin t), the lower one (1 − cos t, ½ − sin t), t ∈ [0, π],
 * each point picking a moon with probability ½, plus isotropic Gaussian noise of standard deviation `noise`.
 * Returns float32 [n, 2]. Same key, same points.
 */
export function twoMoons(key: Array, n: number, noise = 0.05): Array {
  const [kt, km, kn] = [0, 1, 2].map((i) => random.foldIn(key, i)) as [Array, Array, Array];
  const t = random.uniform(kt, [n], 'float32', 0, Math.PI);
  const lower = random.bernoulli(km, 0.5, [n]);
  const x = np.where(lower, np.subtract(1, np.cos(t)), np.cos(t));
  const y = np.where(lower, np.subtract(0.5, np.sin(t)), np.sin(t));
  return np.stack([x, y], 1).add(random.normal(kn, [n, 2]).mul(noise));
}

/**
 * The exact log-density of `twoMoons(·, ·, noise)` at x [n, 2] (nats), by quadrature over the curve parameter:
 * p(x) = ½ Σ_moons (1/π) ∫₀^π N(x; c(t), noise² I) dt ≈ (1/2m) Σ_j N(x; c_j, noise² I) over m midpoints t_j per moon
 * (spacing π/m ≪ noise), evaluated with logsumexp. Its mean over fresh data is the entropy: the best test NLL.
 */
export function twoMoonsLogPdf(x: Array, noise = 0.05, m = 1000): Array {
  const c = moonCurves(m); // [2m, 2]
  const d2 = x.square().sum(-1).index(':', null).add(c.square().sum(-1).index(null)).sub(x.matmul(c.T).mul(2));
  const logN = np.maximum(d2, 0).mul(-0.5 / (noise * noise)).sub(Math.log(2 * Math.PI * noise * noise));
  return np.logsumexp(logN, -1).sub(Math.log(2 * m));
}

/** The k centres of `gaussianMixture`: equally spaced on a circle of radius `radius`, the first at angle 0. */
export function ringCenters(k = 8, radius = 2): Array {
  const a = np.arange(k).astype('float32').mul((2 * Math.PI) / k);
  return np.stack([np.cos(a), np.sin(a)], 1).mul(radius);
}

/** A mixture of k equally weighted isotropic Gaussians (std `std`) centred on a circle (`ringCenters`). float32 [n, 2]. */
export function gaussianMixture(key: Array, n: number, opts: { k?: number; radius?: number; std?: number } = {}): Array {
  const { k = 8, radius = 2, std = 0.1 } = opts;
  const comp = random.randint(random.foldIn(key, 0), [n], 0, k);
  return np.take(ringCenters(k, radius), comp, 0).add(random.normal(random.foldIn(key, 1), [n, 2]).mul(std));
}

/** Exact log-density of `gaussianMixture` at x [n, 2] (nats): log (1/k) Σ_j N(x; μ_j, std² I). */
export function gaussianMixtureLogPdf(x: Array, opts: { k?: number; radius?: number; std?: number } = {}): Array {
  const { k = 8, radius = 2, std = 0.1 } = opts;
  const d2 = x.index(':', null, ':').sub(ringCenters(k, radius).index(null)).square().sum(-1); // [n, k]
  const logN = d2.mul(-0.5 / (std * std)).sub(Math.log(2 * Math.PI * std * std));
  return np.logsumexp(logN, -1).sub(Math.log(k));
}

// ---- the fitted-Gaussian baseline ---------------------------------------------------------------

/** A 2-D Gaussian N(mean, cov) fitted by maximum likelihood, with the Cholesky factor L (cov = L Lᵀ). */
export interface Gaussian2d {
  readonly mean: [number, number];
  readonly cov: [[number, number], [number, number]];
  readonly chol: [[number, number], [number, number]];
}

/** The maximum-likelihood Gaussian of points x [n, 2] (mean and the biased, 1/n, covariance). */
export function fitGaussian(x: Array): Gaussian2d {
  const d = x.astype('float64').dataSync();
  const n = d.length / 2;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) (mx += d[2 * i]!), (my += d[2 * i + 1]!);
  mx /= n;
  my /= n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const a = d[2 * i]! - mx, b = d[2 * i + 1]! - my;
    sxx += a * a;
    sxy += a * b;
    syy += b * b;
  }
  sxx /= n;
  sxy /= n;
  syy /= n;
  // 2×2 Cholesky: l11 = √sxx, l21 = sxy / l11, l22 = √(syy − l21²)
  const l11 = Math.sqrt(sxx), l21 = sxy / l11, l22 = Math.sqrt(syy - l21 * l21);
  return { mean: [mx, my], cov: [[sxx, sxy], [sxy, syy]], chol: [[l11, 0], [l21, l22]] };
}

/** n samples of the fitted Gaussian: mean + z Lᵀ with z ~ N(0, I). float32 [n, 2]. */
export function sampleGaussian(g: Gaussian2d, key: Array, n: number): Array {
  const z = random.normal(key, [n, 2]);
  return z.matmul(np.array(g.chol, 'float32').T).add(np.array(g.mean, 'float32'));
}

/** log N(x; mean, cov) for x [n, 2] (nats): −log 2π − ½ log|Σ| − ½ (x−μ)ᵀ Σ⁻¹ (x−μ). float32 [n]. */
export function gaussianLogPdf(g: Gaussian2d, x: Array): Array {
  const [[a, b], [, c]] = g.cov;
  const det = a * c - b * b;
  const inv = np.array([[c / det, -b / det], [-b / det, a / det]], 'float32');
  const r = x.sub(np.array(g.mean, 'float32'));
  const maha = r.matmul(inv).mul(r).sum(-1);
  return maha.mul(-0.5).sub(Math.log(2 * Math.PI) + 0.5 * Math.log(det));
}

// ---- sample-quality metrics ---------------------------------------------------------------------

/** Σᵢⱼ exp(g·|aᵢ − bⱼ|²), with |a − b|² = |a|² + |b|² − 2 a·b (one matmul, no [n, m, 2] intermediate), jitted. */
const gramSum = jit((a: Array, b: Array, g: Array): Array => {
  const d2 = a.square().sum(-1).index(':', null).add(b.square().sum(-1).index(null)).sub(a.matmul(b.T).mul(2));
  return np.exp(np.maximum(d2, 0).mul(g)).sum();
});

/**
 * Squared maximum mean discrepancy with the RBF kernel k(a, b) = exp(−|a − b|² / (2σ²)), the unbiased
 * U-statistic of Gretton et al. (2012): mean over i≠j of k(xᵢ, xⱼ) + mean over i≠j of k(yᵢ, yⱼ) − 2 mean k(xᵢ, yⱼ).
 * Near 0 (it can dip below) when x and y come from the same distribution. Computed in float64.
 */
export function mmdRbf(x: Array, y: Array, bandwidth: number): number {
  const xd = x.astype('float64'), yd = y.astype('float64');
  const n = x.shape[0]!, m = y.shape[0]!;
  const g = np.array(-1 / (2 * bandwidth * bandwidth), 'float64');
  // the diagonals are exp(0) = 1: subtract them for the U-statistic
  const kxx = (Number(gramSum(xd, xd, g)) - n) / (n * (n - 1));
  const kyy = (Number(gramSum(yd, yd, g)) - m) / (m * (m - 1));
  const kxy = Number(gramSum(xd, yd, g)) / (n * m);
  return kxx + kyy - 2 * kxy;
}

/**
 * Sliced 1-Wasserstein distance: the mean over `numProjections` random unit directions θ of W₁ between the
 * projections x·θ and y·θ, each W₁ the mean |difference| of the sorted projections (x and y of equal size).
 * The directions come from `key`, so two calls with the same key compare models on the same slices.
 */
export function slicedWasserstein(x: Array, y: Array, key: Array, numProjections = 128): number {
  if (x.shape[0] !== y.shape[0]) throw new Error(`slicedWasserstein: x and y must have the same number of points, got ${x.shape} and ${y.shape}`);
  const dirs = random.normal(key, [2, numProjections], 'float64');
  const theta = dirs.div(np.sqrt(dirs.square().sum(0, { keepdims: true })));
  const px = np.sort(x.astype('float64').matmul(theta), 0);
  const py = np.sort(y.astype('float64').matmul(theta), 0);
  return Number(np.abs(px.sub(py)).mean());
}

/** Points of the two moons' centre curves (noise-free) at the midpoints of m equal steps of t ∈ [0, π] per moon, float32 [2·m, 2]. */
export function moonCurves(m = 400): Array {
  const t = np.linspace(0, Math.PI, m, { endpoint: false }).add(Math.PI / (2 * m)).astype('float32');
  const upper = np.stack([np.cos(t), np.sin(t)], 1);
  const lower = np.stack([np.subtract(1, np.cos(t)), np.subtract(0.5, np.sin(t))], 1);
  return np.concatenate([upper, lower], 0);
}

const nearestDistance = jit((x: Array, c: Array): Array => {
  const d2 = x.square().sum(-1).index(':', null).add(c.square().sum(-1).index(null)).sub(x.matmul(c.T).mul(2));
  return np.sqrt(np.maximum(d2.min(-1), 0));
});

/** For each point of x [n, 2], its Euclidean distance to the nearest point of the moons' centre curves. float32 [n]. */
export function distanceToMoons(x: Array): Array {
  return nearestDistance(x, moonCurves());
}

/** The fraction of points of x [n, 2] within `radius` of the moons' centre curves (3σ of the default noise: 0.15). */
export function fractionNearMoons(x: Array, radius = 0.15): number {
  return Number(distanceToMoons(x).le(radius).astype('float32').mean());
}

/** The fraction of points of x [n, 2] within `radius` of a centre of the `gaussianMixture` ring (3σ of its default std: 0.3). */
export function fractionNearCenters(x: Array, radius = 0.3, opts: { k?: number; radius?: number } = {}): number {
  return Number(nearestDistance(x, ringCenters(opts.k ?? 8, opts.radius ?? 2)).le(radius).astype('float32').mean());
}

/** Summary statistics of a point cloud [n, 2]: mean, standard deviation per axis, and whether every value is finite. */
export function describe2d(x: Array): { mean: [number, number]; std: [number, number]; finite: boolean } {
  const m = x.mean(0).dataSync(), s = np.std(x, 0).dataSync();
  return { mean: [m[0]!, m[1]!], std: [s[0]!, s[1]!], finite: Boolean(np.all(np.isfinite(x)).item()) };
}

// ---- plots (Vega-Lite → SVG) --------------------------------------------------------------------

/** A named point cloud to plot. */
export interface Series {
  readonly name: string;
  readonly points: Array;
}

const rowsOf = (points: Array, extra: Record<string, string | number>): Record<string, string | number>[] => {
  const d = points.dataSync();
  const rows: Record<string, string | number>[] = [];
  for (let i = 0; i + 1 < d.length; i += 2) rows.push({ x: d[i]!, y: d[i + 1]!, ...extra });
  return rows;
};

async function writeSvg(path: string, spec: vl.TopLevelSpec): Promise<string> {
  const svg = await renderSvg(spec);
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, svg);
  return abs;
}

type Domain = readonly [number, number];
const axis = (field: 'x' | 'y', domain?: Domain) => ({
  field,
  type: 'quantitative' as const,
  ...(domain ? { scale: { domain: [domain[0], domain[1]], clamp: true } } : { scale: { zero: false } }),
});

/** Options of the scatter plots: the axes' ranges (points outside are clamped to the frame) and the panel size. */
export interface ScatterOptions {
  readonly xDomain?: Domain;
  readonly yDomain?: Domain;
  readonly size?: number;
}

/** One panel overlaying several point clouds in different colours (e.g. data vs model samples); writes `path`, returns its absolute path. */
export async function writeScatter(path: string, series: readonly Series[], title: string, opts: ScatterOptions = {}): Promise<string> {
  const size = opts.size ?? 360;
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: size,
    height: size,
    data: { values: series.flatMap((s) => rowsOf(s.points, { series: s.name })) },
    mark: { type: 'circle', size: 6, opacity: 0.5 },
    encoding: {
      x: axis('x', opts.xDomain),
      y: axis('y', opts.yDomain),
      color: { field: 'series', type: 'nominal', sort: series.map((s) => s.name) },
    },
  };
  return writeSvg(path, spec);
}

/** A grid of single-cloud panels (e.g. the reverse diffusion at several timesteps), `columns` per row, with shared axes. */
export async function writePanels(
  path: string,
  panels: readonly Series[],
  title: string,
  opts: ScatterOptions & { readonly columns?: number } = {},
): Promise<string> {
  const size = opts.size ?? 160;
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: panels.flatMap((p, i) => rowsOf(p.points, { panel: p.name, order: i })) },
    facet: { field: 'panel', type: 'nominal', sort: { field: 'order' }, title: null },
    columns: opts.columns ?? panels.length,
    spec: {
      width: size,
      height: size,
      mark: { type: 'circle', size: 4, opacity: 0.5 },
      encoding: { x: axis('x', opts.xDomain), y: axis('y', opts.yDomain) },
    },
  };
  return writeSvg(path, spec);
}

/** A training loss curve (log-scaled y when every value is positive and they span more than a factor 10), e.g. the mean loss per logging interval. */
export async function writeLossCurve(path: string, points: readonly { step: number; loss: number }[], title: string, yTitle = 'loss'): Promise<string> {
  const ls = points.map((p) => p.loss);
  const positive = ls.every((l) => l > 0) && Math.max(...ls) > 10 * Math.min(...ls);
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 240,
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'loss', type: 'quantitative', title: yTitle, scale: positive ? { type: 'log' } : { zero: false } },
    },
  };
  return writeSvg(path, spec);
}

/**
 * A density heatmap on a regular grid: `density` [ny, nx] evaluated at the cell centres of
 * xDomain × yDomain (row 0 at the bottom, yDomain[0]), drawn as rectangles coloured by value.
 */
export async function writeHeatmap(path: string, density: Array, xDomain: Domain, yDomain: Domain, title: string, field = 'density'): Promise<string> {
  const [ny, nx] = density.shape as [number, number];
  const d = density.dataSync();
  const dx = (xDomain[1] - xDomain[0]) / nx, dy = (yDomain[1] - yDomain[0]) / ny;
  const rows: Record<string, number>[] = [];
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const x0 = xDomain[0] + i * dx, y0 = yDomain[0] + j * dy;
      rows.push({ x: x0, x2: x0 + dx, y: y0, y2: y0 + dy, v: d[j * nx + i]! });
    }
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 360,
    data: { values: rows },
    mark: { type: 'rect', stroke: null },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'x', scale: { domain: [xDomain[0], xDomain[1]], nice: false } },
      x2: { field: 'x2' },
      y: { field: 'y', type: 'quantitative', title: 'y', scale: { domain: [yDomain[0], yDomain[1]], nice: false } },
      y2: { field: 'y2' },
      color: { field: 'v', type: 'quantitative', title: field, scale: { scheme: 'viridis' } },
    },
  };
  return writeSvg(path, spec);
}

/** The cell centres of an ny × nx grid over xDomain × yDomain, row-major with y outer (matches `writeHeatmap`): float32 [ny·nx, 2]. */
export function gridPoints(xDomain: Domain, yDomain: Domain, nx: number, ny: number): Array {
  const xs = np.linspace(xDomain[0], xDomain[1], nx, { endpoint: false }).add((xDomain[1] - xDomain[0]) / (2 * nx));
  const ys = np.linspace(yDomain[0], yDomain[1], ny, { endpoint: false }).add((yDomain[1] - yDomain[0]) / (2 * ny));
  const gx = np.broadcastTo(xs.index(null, ':'), [ny, nx]), gy = np.broadcastTo(ys.index(':', null), [ny, nx]);
  return np.stack([gx.reshape(-1), gy.reshape(-1)], 1).astype('float32');
}
