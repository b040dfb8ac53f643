// Benchmark definitions shared by the orchestrator and every engine: workloads, seeded inputs, fingerprints.
// The workloads are those of shared/BENCH.md; every engine receives the same Input specs and generates the
// same float32 values from them (py_worker.py implements the same generator), so outputs can be compared.

/** Identifiers of the workloads (shared/BENCH.md). */
export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6' | 'W7' | 'W8' | 'W9';
export const workloadIds: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'W8', 'W9'];

/**
 * A seeded input: `uniform` fills `shape` with float32(lo + (hi - lo)·u), u = hash(i, seed) in [0, 1) with
 * 24 random bits; `onehot` is a float32 [rows, classes] one-hot matrix of class hash(i, seed) mod classes.
 */
export interface Input {
  readonly name: string;
  readonly shape: readonly number[];
  readonly seed: number;
  readonly kind: 'uniform' | 'onehot';
  readonly lo: number;
  readonly hi: number;
}

/** One measured case of a workload (W1 has one per N, W2 one per mode). */
export interface Case {
  readonly workload: WorkloadId;
  /** Case key within the workload ('n1024', 'eager', 'jit', or 'main'). */
  readonly key: string;
  readonly title: string;
  /** 'ms' (lower is better), 'us/op' (lower), or 'GFLOP/s' (higher: computed from `flops` and the time). */
  readonly metric: 'ms' | 'us/op' | 'GFLOP/s';
  readonly flops?: number;
  /** Operations per rep for 'us/op'. */
  readonly opsPerRep?: number;
  readonly inputs: readonly Input[];
  /** Workload constants (N, learning rate, ...), also sent to the engines. */
  readonly params: Readonly<Record<string, number>>;
  /** Outputs checked against the reference engine, in canonical (channels-last, row-major) layout. */
  readonly outputs: readonly string[];
  /** Tolerance of the check: max |a - ref| over samples, relative to the RMS of the reference. */
  readonly tol: number;
}

const u = (name: string, shape: number[], seed: number, lo: number, hi: number): Input => ({ name, shape, seed, kind: 'uniform', lo, hi });
const sym = (name: string, shape: number[], seed: number, scale: number): Input => u(name, shape, seed, -scale, scale);
const onehot = (name: string, rows: number, classes: number, seed: number): Input => ({ name, shape: [rows, classes], seed, kind: 'onehot', lo: 0, hi: 1 });

/** The MLP of W4 (784-512-512-10, batch 128); also the step of W9. */
const mlpInputs = (): Input[] => [
  u('x', [128, 784], 41, 0, 1),
  onehot('y', 128, 10, 42),
  sym('w1', [784, 512], 43, 1 / Math.sqrt(784)),
  sym('b1', [512], 44, 0.1),
  sym('w2', [512, 512], 45, 1 / Math.sqrt(512)),
  sym('b2', [512], 46, 0.1),
  sym('w3', [512, 10], 47, 1 / Math.sqrt(512)),
  sym('b3', [10], 48, 0.1),
];
const mlpOutputs = ['loss', 'dw1', 'db1', 'dw2', 'db2', 'dw3', 'db3'];

/** Every case of every workload, in run order. */
export function casesOf(w: WorkloadId): Case[] {
  switch (w) {
    case 'W1':
      return [256, 512, 1024].map((n) => ({
        workload: w,
        key: `n${n}`,
        title: `W1 matmul ${n}×${n} @ ${n}×${n}`,
        metric: 'GFLOP/s',
        flops: 2 * n ** 3,
        inputs: [sym('a', [n, n], 11, 1), sym('b', [n, n], 12, 1)],
        params: { n },
        outputs: ['c'],
        tol: 1e-3,
      }));
    case 'W2':
      return (['eager', 'jit'] as const).map((mode) => ({
        workload: w,
        key: mode,
        title: `W2 elementwise tanh(x·1.5+0.5)·sigmoid(x), 2²² elements, ${mode}`,
        metric: 'ms',
        inputs: [sym('x', [1 << 22], 21, 3)],
        params: {},
        outputs: ['y'],
        tol: 1e-3,
      }));
    case 'W3':
      return [{ workload: w, key: 'main', title: 'W3 sum of 2²² elements', metric: 'ms', inputs: [u('x', [1 << 22], 31, 0, 1)], params: {}, outputs: ['s'], tol: 1e-3 }];
    case 'W4':
      return [{ workload: w, key: 'main', title: 'W4 MLP training step 784-512-512-10, batch 128', metric: 'ms', inputs: mlpInputs(), params: { lr: 0.01 }, outputs: mlpOutputs, tol: 1e-2 }];
    case 'W5':
      return [{ workload: w, key: 'main', title: 'W5 10,000 eager scalar adds', metric: 'us/op', opsPerRep: 10_000, inputs: [], params: { n: 10_000 }, outputs: ['x'], tol: 1e-6 }];
    case 'W6':
      // 'main' as each library runs an operation eagerly; 'jit' compiled where the library has a jit (tensorlaw,
      // jax-js), the same eager call elsewhere
      return (['main', 'jit'] as const).map((mode) => ({
          workload: w,
          key: mode,
          title: `W6 conv2d forward, batch 32, 32×32, 64→64, 3×3, SAME${mode === 'jit' ? ', jit' : ''}`,
          metric: 'GFLOP/s',
          flops: 2 * 32 * 32 * 32 * 64 * 64 * 9,
          inputs: [sym('x', [32, 32, 32, 64], 61, 1), sym('w', [3, 3, 64, 64], 62, 1 / Math.sqrt(576))],
          params: {},
          outputs: ['y'],
          tol: 1e-3,
        }));
    case 'W7':
      return [
        {
          workload: w,
          key: 'main',
          title: 'W7 CNN training step, 28×28×1, batch 64',
          metric: 'ms',
          inputs: [
            u('x', [64, 28, 28, 1], 71, 0, 1),
            onehot('y', 64, 10, 72),
            sym('c1w', [5, 5, 1, 32], 73, 1 / 5),
            sym('c1b', [32], 74, 0.1),
            sym('c2w', [5, 5, 32, 64], 75, 1 / Math.sqrt(800)),
            sym('c2b', [64], 76, 0.1),
            sym('d1w', [3136, 128], 77, 1 / Math.sqrt(3136)),
            sym('d1b', [128], 78, 0.1),
            sym('d2w', [128, 10], 79, 1 / Math.sqrt(128)),
            sym('d2b', [10], 80, 0.1),
          ],
          params: { lr: 0.01 },
          outputs: ['loss', 'dc1w', 'dc1b', 'dc2w', 'dc2b', 'dd1w', 'dd1b', 'dd2w', 'dd2b'],
          tol: 1e-2,
        },
      ];
    case 'W8':
      return [
        {
          workload: w,
          key: 'main',
          title: 'W8 LSTM seq 50, batch 32, in 64, hidden 128: forward + backward',
          metric: 'ms',
          inputs: [sym('xs', [50, 32, 64], 81, 1), sym('wx', [64, 512], 82, 1 / Math.sqrt(128)), sym('wh', [128, 512], 83, 1 / Math.sqrt(128)), sym('b', [512], 84, 0.1)],
          params: { seq: 50, batch: 32, input: 64, hidden: 128 },
          outputs: ['loss', 'gwx', 'gwh', 'gb'],
          tol: 1e-2,
        },
      ];
    case 'W9':
      return [
        { workload: w, key: 'cold', title: 'W9 cold start: first call of jit(W4 step), fresh process', metric: 'ms', inputs: mlpInputs(), params: { lr: 0.01 }, outputs: mlpOutputs, tol: 1e-2 },
        { workload: w, key: 'cached', title: 'W9 cold start after a process restart, with the persistent cache', metric: 'ms', inputs: mlpInputs(), params: { lr: 0.01 }, outputs: mlpOutputs, tol: 1e-2 },
      ];
  }
}

// ---------------------------------------------------------------------------------------------
// The seeded generator (the same integer arithmetic as py_worker.py's `hash32`).

/** A 32-bit integer hash (Chris Wellons' lowbias32). */
export function hash32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The values of an input spec as a Float32Array (row-major). */
export function generate(spec: Input): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const s = hash32(spec.seed);
  if (spec.kind === 'onehot') {
    const [rows, classes] = spec.shape as [number, number];
    for (let r = 0; r < rows; r++) out[r * classes + (hash32(r ^ s) % classes)] = 1;
    return out;
  }
  const span = spec.hi - spec.lo;
  for (let i = 0; i < n; i++) out[i] = spec.lo + span * ((hash32(i ^ s) >>> 8) / 16777216);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fingerprints: what an engine reports of an output for the correctness guard.

/** Number of sampled elements per output. */
export const SAMPLES = 256;

export interface Fingerprint {
  readonly n: number;
  readonly sum: number;
  readonly sumAbs: number;
  /** Elements at indices floor((k + 0.5)·n / S), k < S = min(SAMPLES, n). */
  readonly samples: number[];
}

export function fingerprint(data: ArrayLike<number>): Fingerprint {
  const n = data.length;
  let sum = 0, sumAbs = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    sum += v;
    sumAbs += Math.abs(v);
  }
  const S = Math.min(SAMPLES, n);
  const samples: number[] = [];
  for (let k = 0; k < S; k++) samples.push(data[Math.floor(((k + 0.5) * n) / S)]!);
  return { n, sum, sumAbs, samples };
}

/** Relative error of `a` against the reference `r` (see Case.tol); Infinity when the sizes differ. */
export function compareFingerprints(a: Fingerprint, r: Fingerprint): number {
  if (a.n !== r.n || a.samples.length !== r.samples.length) return Infinity;
  const rms = Math.sqrt(r.samples.reduce((acc, v) => acc + v * v, 0) / Math.max(r.samples.length, 1));
  const scale = Math.max(rms, r.sumAbs / Math.max(r.n, 1), 1e-30);
  let err = 0;
  for (let k = 0; k < r.samples.length; k++) {
    const d = Math.abs(a.samples[k]! - r.samples[k]!);
    err = Math.max(err, Number.isNaN(d) ? Infinity : d / scale);
  }
  const sumErr = Math.abs(a.sum - r.sum) / Math.max(r.sumAbs, 1e-30);
  return Math.max(err, Number.isNaN(sumErr) ? Infinity : sumErr);
}

/** a - b elementwise in float64 (parameter updates of the training-step checks). */
export function delta(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

/** Rows of a [C·H·W, k] dense matrix reordered from (h, w, c) to (c, h, w) order, or back with `inverse`. */
export function permuteFlatRows(d: ArrayLike<number>, c: number, h: number, w: number, k: number, inverse = false): Float32Array {
  const out = new Float32Array(d.length);
  for (let ci = 0; ci < c; ci++)
    for (let hi = 0; hi < h; hi++)
      for (let wi = 0; wi < w; wi++) {
        const hwc = (hi * w + wi) * c + ci, chw = (ci * h + hi) * w + wi;
        const [from, to] = inverse ? [chw, hwc] : [hwc, chw];
        for (let j = 0; j < k; j++) out[to * k + j] = d[from * k + j]!;
      }
  return out;
}

/** A transpose of a row-major array by `perm` (out axis i = in axis perm[i]). */
export function transposeHost(d: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float32Array {
  const nd = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new globalThis.Array<number>(nd).fill(1);
  for (let i = nd - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * shape[i + 1]!;
  const out = new Float32Array(d.length);
  const idx = new globalThis.Array<number>(nd).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < nd; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = d[src]!;
    for (let i = nd - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The protocol between the orchestrator (run.ts) and the engine workers: one JSON object per line,
// commands on the worker's stdin, replies on its file descriptor 3 (stdout stays free for library noise).

export type Command =
  | { cmd: 'init'; engine: string; variant: string; threads: number }
  | { cmd: 'setup'; case: Case }
  | { cmd: 'time'; reps: number }
  | { cmd: 'dispose' }
  | { cmd: 'cold'; case: Case }
  | { cmd: 'exit' };

export type Reply =
  /** setup replies carry the duration of the check run in `ms`, time replies one entry per rep. */
  | { ok: true; info?: EngineInfo; outputs?: Record<string, Fingerprint>; inputSum?: number; ms?: number[]; note?: string }
  | { ok: false; skip?: boolean; error: string };

/** What an engine says about itself in the table's legend. */
export interface EngineInfo {
  readonly label: string;
  readonly version: string;
  readonly threads: string;
  readonly notes?: string[];
}

/** A hash of the bit patterns of every input (mod 2³²): engines must agree on it exactly (same generator). */
export function inputChecksum(c: Case): number {
  let acc = 0;
  c.inputs.forEach((spec, k) => {
    const bits = new Uint32Array(generate(spec).buffer);
    let h = 0;
    for (let i = 0; i < bits.length; i++) h = (h + Math.imul(bits[i]!, 2 * i + 1)) >>> 0;
    acc = (acc + Math.imul(h, 2 * k + 1)) >>> 0;
  });
  return acc;
}
