// Runs the workloads of shared/BENCH.md on tensorlaw (every available target) and its peers side by side, one
// engine process at a time, and prints markdown tables with ratios (also written to bench/results/latest.md).
//   node --import tsx bench/run.ts [--only W1,W4] [--reps 5] [--threads 2] [--engines tensorlaw,torch]
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Case, type Command, type EngineInfo, type Fingerprint, type Reply, type WorkloadId, casesOf, compareFingerprints, inputChecksum, workloadIds } from './lib/common.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = dirname(benchDir);
const resultsDir = join(benchDir, 'results');

// ---------------------------------------------------------------------------------------------
// Command line

interface Options {
  only: WorkloadId[];
  reps: number;
  threads: number;
  engines: string[] | null;
  out: string;
  /** A rep slower than this is not repeated: the check run's time is reported as a single sample. */
  maxRepSeconds: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { only: [...workloadIds], reps: 5, threads: Math.min(os.availableParallelism(), 2), engines: null, out: join(resultsDir, 'latest.md'), maxRepSeconds: 15 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--only') {
      const ids = val().split(',').map((s) => s.trim().toUpperCase());
      for (const id of ids) if (!workloadIds.includes(id as WorkloadId)) throw new Error(`--only: unknown workload ${id}; valid: ${workloadIds.join(', ')}`);
      o.only = ids as WorkloadId[];
    } else if (a === '--reps') {
      o.reps = Number(val());
      if (!Number.isInteger(o.reps) || o.reps < 5) throw new Error('--reps must be an integer >= 5 (shared/BENCH.md: median of at least 5 reps)');
    } else if (a === '--threads') {
      o.threads = Number(val());
      if (!Number.isInteger(o.threads) || o.threads < 1) throw new Error('--threads must be a positive integer');
    } else if (a === '--engines') o.engines = val().split(',').map((s) => s.trim());
    else if (a === '--out') o.out = val();
    else if (a === '--max-rep-seconds') o.maxRepSeconds = Number(val());
    else if (a === '--help' || a === '-h') {
      console.log('usage: node --import tsx bench/run.ts [--only W1,W4] [--reps 5] [--threads 2] [--engines tensorlaw,torch] [--out file.md] [--max-rep-seconds 15]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Engines and their worker processes

interface EngineSpec {
  /** Column name, e.g. 'tensorlaw/ref', 'tfjs/wasm', 'torch'. */
  id: string;
  lang: 'node' | 'python';
  engine: string;
  variant: string;
  python?: string;
  env?: Record<string, string | undefined>;
  isTensorlaw: boolean;
}

let log: NodeJS.WritableStream;
const allWorkers = new Set<Worker>();
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    for (const w of allWorkers) w.kill();
    process.exit(130);
  });

class Worker {
  readonly child: ChildProcess;
  #waiting: ((r: Reply) => void)[] = [];
  #tail: string[] = [];
  #exited: string | null = null;

  constructor(readonly spec: EngineSpec, extraEnv: Record<string, string> = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env, ...extraEnv };
    for (const [k, v] of Object.entries({ ...spec.env })) if (v === undefined) delete env[k];
    const [cmd, args] =
      spec.lang === 'node'
        ? [process.execPath, ['--import', 'tsx', join(benchDir, 'engines', 'worker.ts')]]
        : [spec.python!, [join(benchDir, 'engines', 'py_worker.py')]];
    this.child = spawn(cmd, args, { cwd: rootDir, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    allWorkers.add(this);
    for (const s of [this.child.stdout!, this.child.stderr!])
      createInterface({ input: s }).on('line', (line) => {
        log.write(`[${spec.id}] ${line}\n`);
        this.#tail.push(line);
        if (this.#tail.length > 20) this.#tail.shift();
      });
    createInterface({ input: this.child.stdio[3] as NodeJS.ReadableStream }).on('line', (line) => {
      const w = this.#waiting.shift();
      if (w) w(JSON.parse(line) as Reply);
    });
    this.child.on('exit', (code, signal) => {
      allWorkers.delete(this);
      this.#exited = `exited (${signal ?? code})`;
      const tail = this.#tail.filter((l) => /error|Error|exception/.test(l)).slice(-1)[0] ?? this.#tail.slice(-1)[0] ?? '';
      for (const w of this.#waiting.splice(0)) w({ ok: false, error: `worker ${this.#exited}${tail ? `: ${tail.slice(0, 200)}` : ''}` });
    });
  }

  call(cmd: Command, timeoutMs = 600_000): Promise<Reply> {
    if (this.#exited) return Promise.resolve({ ok: false, error: `worker ${this.#exited}` });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({ ok: false, error: `timed out after ${timeoutMs / 1000} s` });
      }, timeoutMs);
      this.#waiting.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.child.stdin!.write(JSON.stringify(cmd) + '\n');
    });
  }

  get alive(): boolean {
    return this.#exited === null;
  }

  kill(): void {
    if (this.#exited === null) this.child.kill('SIGKILL');
  }
}

function pythonWith(module: string, candidates: string[]): string | null {
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

function tensorlawTargets(): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, 'engines', 'targets.ts')], { cwd: rootDir, encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as string[];
  } catch {
    console.error(`could not list tensorlaw targets: ${r.stderr.slice(-500)}`);
    return ['ref'];
  }
}

function engineSpecs(o: Options, skipped: Map<string, string>): EngineSpec[] {
  const specs: EngineSpec[] = tensorlawTargets().map((t) => ({ id: `tensorlaw/${t}`, lang: 'node', engine: 'tensorlaw', variant: t, isTensorlaw: true }));
  for (const b of ['cpu', 'wasm', 'webgpu']) specs.push({ id: `tfjs/${b}`, lang: 'node', engine: 'tfjs', variant: b, isTensorlaw: false });
  for (const d of ['wasm', 'webgpu']) specs.push({ id: `jax-js/${d}`, lang: 'node', engine: 'jax-js', variant: d, isTensorlaw: false });
  const threads = String(o.threads);
  const np = pythonWith('numpy', ['python3', '/usr/bin/python3']);
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds) slow a current numpy:
  // unset both for the numpy peer alone (the worker reports the OpenBLAS kernel it then runs).
  // Short spin-waits (OPENBLAS_THREAD_TIMEOUT, OMP_WAIT_POLICY) keep the multithreaded native peers from
  // collapsing when the shared machine is oversubscribed (seen here: numpy 256² matmul 1 GFLOP/s instead of 64,
  // the torch MLP step 144 ms instead of 8); on an idle machine they cost little.
  if (np)
    specs.push({
      id: 'numpy',
      lang: 'python',
      engine: 'numpy',
      variant: '',
      python: np,
      env: { OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined, OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads, OPENBLAS_THREAD_TIMEOUT: '4' },
      isTensorlaw: false,
    });
  else skipped.set('numpy', 'no python3 with numpy found');
  const torch = pythonWith('torch', ['/usr/bin/python3', 'python3']);
  if (torch) specs.push({ id: 'torch', lang: 'python', engine: 'torch', variant: '', python: torch, env: { OMP_NUM_THREADS: threads, OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_THREAD_TIMEOUT: '4' }, isTensorlaw: false });
  else skipped.set('torch', 'PyTorch is not installed (apt-get install -y python3-torch gives torch 1.13 CPU for /usr/bin/python3)');
  return o.engines ? specs.filter((s) => o.engines!.some((f) => s.id.includes(f))) : specs;
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Cell {
  ms: number[];
  /** Relative error against the reference engine, or null for the reference itself. */
  err: number | null;
  errOk: boolean;
  status: 'ok' | 'skip' | 'error';
  message?: string;
  note?: string;
  fps?: Record<string, Fingerprint>;
  /** Measured once only (a rep exceeds --max-rep-seconds). */
  single?: boolean;
}
type CaseResults = Map<string, Cell>;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Picks the reference outputs: tensorlaw's reference target, the executable spec; else a native peer. */
function checkAgainstReference(c: Case, cells: CaseResults): string | null {
  const order = ['tensorlaw/ref', 'torch', 'numpy', ...cells.keys()];
  const refId = order.find((id) => cells.get(id)?.status === 'ok' && cells.get(id)?.fps);
  if (!refId) return null;
  const ref = cells.get(refId)!.fps!;
  for (const [id, cell] of cells) {
    if (cell.status !== 'ok' || !cell.fps) continue;
    if (id === refId) {
      cell.err = null;
      cell.errOk = true;
      continue;
    }
    let err = 0;
    for (const name of c.outputs) err = Math.max(err, ref[name] && cell.fps[name] ? compareFingerprints(cell.fps[name]!, ref[name]!) : Infinity);
    cell.err = err;
    cell.errOk = err <= c.tol;
  }
  return refId;
}

/** Reps per timing call so that one call lasts about 50 ms (short workloads get more samples). */
const repsPerCall = (warmMs: number): number => Math.max(1, Math.min(20, Math.ceil(50 / Math.max(warmMs, 0.01))));

async function measureCase(c: Case, workers: Map<string, Worker>, o: Options, progress: (s: string) => void): Promise<{ cells: CaseResults; refId: string | null }> {
  const cells: CaseResults = new Map();
  const expectSum = inputChecksum(c);
  for (const [id, w] of workers) {
    progress(`${c.title}: set up + check on ${id}`);
    const r = await w.call({ cmd: 'setup', case: c }, 1_200_000);
    if (!r.ok) {
      cells.set(id, { ms: [], err: null, errOk: false, status: r.skip ? 'skip' : 'error', message: r.error });
      continue;
    }
    if (r.inputSum !== expectSum) {
      cells.set(id, { ms: [], err: null, errOk: false, status: 'error', message: `inputs differ from the shared generator (checksum ${r.inputSum} vs ${expectSum})` });
      continue;
    }
    const checkMs = r.ms?.[0] ?? 0;
    const cell: Cell = { ms: [], err: null, errOk: false, status: 'ok', fps: r.outputs!, ...(r.note ? { note: r.note } : {}) };
    cells.set(id, cell);
    const limit = o.maxRepSeconds * 1000;
    if (checkMs <= limit) continue;
    // Too slow to repeat within the run. The check run (the same work as a rep, plus any jit compilation) is
    // the sample when it is far over the limit; otherwise one timed rep is.
    let sample = checkMs, what = 'the check run, which includes any compilation';
    if (checkMs <= 4 * limit) {
      progress(`${c.title}: one timed rep on ${id}`);
      const t = await w.call({ cmd: 'time', reps: 1 });
      if (!t.ok) {
        Object.assign(cell, { status: 'error', message: t.error });
        continue;
      }
      [sample, what] = [t.ms![0]!, 'one timed rep'];
    }
    if (sample <= limit) continue; // compilation made the check slow: measure normally
    cell.ms = [sample];
    cell.single = true;
    cell.note = [r.note, `1 sample (${what}): ${fmt(sample / 1000)} s per rep > --max-rep-seconds ${o.maxRepSeconds}`].filter(Boolean).join('; ');
  }
  const refId = checkAgainstReference(c, cells);
  const active = [...cells].filter(([, cell]) => cell.status === 'ok' && !cell.single).map(([id]) => id);
  const perCall = new Map<string, number>();
  for (const id of active) {
    progress(`${c.title}: warm-up on ${id}`);
    const r = await workers.get(id)!.call({ cmd: 'time', reps: 1 });
    if (!r.ok) {
      Object.assign(cells.get(id)!, { status: 'error', message: r.error });
      continue;
    }
    perCall.set(id, repsPerCall(r.ms![0]!));
  }
  // Rounds interleave the engines, so that a burst of load from the other agents hits all of them alike.
  for (let round = 0; round < o.reps; round++)
    for (const id of active) {
      const cell = cells.get(id)!;
      if (cell.status !== 'ok') continue;
      progress(`${c.title}: round ${round + 1}/${o.reps} on ${id}`);
      const r = await workers.get(id)!.call({ cmd: 'time', reps: perCall.get(id)! });
      if (!r.ok) Object.assign(cell, { status: 'error', message: r.error });
      else cell.ms.push(...r.ms!);
    }
  for (const id of cells.keys()) await workers.get(id)!.call({ cmd: 'dispose' });
  return { cells, refId };
}

/** W9: the first call of jit(W4 step) in fresh processes, without and then with the persistent cache. */
async function measureColdStart(specs: EngineSpec[], infos: Map<string, EngineInfo>, o: Options, progress: (s: string) => void): Promise<{ c: Case; cells: CaseResults; refId: string | null }[]> {
  const [coldCase, cachedCase] = casesOf('W9') as [Case, Case];
  const eligible = specs.filter((s) => infos.has(s.id));
  const cold: CaseResults = new Map(), cached: CaseResults = new Map();
  const tmpRoot = mkdtempSync(join(os.tmpdir(), 'tensorlaw-bench-cache-'));
  const cacheEnv = (dir: string) => ({ TENSORLAW_CACHE_DIR: dir, XDG_CACHE_HOME: dir });
  const once = async (s: EngineSpec, c: Case, dir: string): Promise<Reply> => {
    const w = new Worker(s, cacheEnv(dir));
    try {
      const init = await w.call({ cmd: 'init', engine: s.engine, variant: s.variant, threads: o.threads });
      if (!init.ok) return init;
      return await w.call({ cmd: 'cold', case: c });
    } finally {
      w.call({ cmd: 'exit' }).catch(() => {});
      w.kill();
    }
  };
  const record = (cells: CaseResults, id: string, r: Reply) => {
    const cell = cells.get(id) ?? { ms: [], err: null, errOk: false, status: 'ok' as const };
    cells.set(id, cell);
    if (cell.status !== 'ok') return false;
    if (!r.ok) {
      Object.assign(cell, { status: r.skip ? 'skip' : 'error', message: r.error });
      return false;
    }
    cell.ms.push(...r.ms!);
    cell.fps ??= r.outputs!;
    if (r.note) cell.note = r.note;
    return true;
  };
  const cacheDirs = new Map<string, string>();
  for (let rep = 0; rep < o.reps; rep++)
    for (const s of eligible) {
      if (cold.get(s.id) && cold.get(s.id)!.status !== 'ok') continue;
      progress(`W9 cold start ${rep + 1}/${o.reps} on ${s.id}`);
      const dir = mkdtempSync(join(tmpRoot, 'cold-'));
      record(cold, s.id, await once(s, coldCase, dir));
      if (rep === 0) cacheDirs.set(s.id, dir);
    }
  // The persistent-cache part: restarts that reuse the cache directory written by the first cold process.
  for (const s of eligible) {
    const cell = cold.get(s.id);
    if (!cell || cell.status !== 'ok') continue;
    const dir = cacheDirs.get(s.id)!;
    if (readdirSync(dir, { recursive: true }).length === 0)
      cached.set(s.id, {
        ms: [],
        err: null,
        errOk: false,
        status: 'skip',
        message: s.isTensorlaw ? 'no persistent cache was written (none exists yet, or TENSORLAW_CACHE_DIR is not honoured)' : 'no persistent compilation cache',
      });
  }
  for (let rep = 0; rep < o.reps; rep++)
    for (const s of eligible) {
      if (!cold.get(s.id) || cold.get(s.id)!.status !== 'ok' || cached.get(s.id)?.status === 'skip') continue;
      progress(`W9 restart with cache ${rep + 1}/${o.reps} on ${s.id}`);
      record(cached, s.id, await once(s, cachedCase, cacheDirs.get(s.id)!));
    }
  rmSync(tmpRoot, { recursive: true, force: true });
  return [
    { c: coldCase, cells: cold, refId: checkAgainstReference(coldCase, cold) },
    { c: cachedCase, cells: cached, refId: checkAgainstReference(cachedCase, cached) },
  ];
}

// ---------------------------------------------------------------------------------------------
// Tables

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v >= 0.01 ? v.toFixed(3) : v.toPrecision(2));

/** The metric of a case from a median time per rep. */
function metricOf(c: Case, ms: number): number {
  if (c.metric === 'GFLOP/s') return c.flops! / (ms * 1e6);
  if (c.metric === 'us/op') return (ms * 1000) / c.opsPerRep!;
  return ms;
}
const unitOf = (c: Case): string => (c.metric === 'GFLOP/s' ? 'GFLOP/s ↑' : c.metric === 'us/op' ? 'µs/op ↓' : 'ms ↓');

function valueCell(c: Case, cell: Cell | undefined): string {
  if (!cell) return '–';
  if (cell.status === 'skip') return 'n/a';
  if (cell.status === 'error') return 'error';
  if (!cell.ms.length) return '–';
  const bad = cell.errOk ? '' : ' ✗';
  return fmt(metricOf(c, median(cell.ms))) + (cell.note ? '†' : '') + bad;
}

/** × = peer time / tensorlaw time (> 1: tensorlaw is faster). */
function ratioCell(tl: Cell | undefined, peer: Cell | undefined): string {
  if (!tl || !peer || tl.status !== 'ok' || peer.status !== 'ok' || !tl.ms.length || !peer.ms.length) return '–';
  if (!tl.errOk || !peer.errOk) return '✗';
  return `${fmt(median(peer.ms) / median(tl.ms))}×`;
}

interface Measured {
  c: Case;
  cells: CaseResults;
  refId: string | null;
}

function render(o: Options, ids: string[], infos: Map<string, EngineInfo>, skipped: Map<string, string>, all: Measured[], meta: { started: Date; seconds: number; load: [number[], number[]] }): string {
  const L: string[] = [];
  const cpu = os.cpus()[0]?.model ?? '?';
  const flags = (() => {
    try {
      const f = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
      return ['avx2', 'fma', 'avx512f'].filter((x) => f.split(' ').includes(x)).join('+') || 'none';
    } catch {
      return '?';
    }
  })();
  L.push(`# tensorlaw benchmarks`, '');
  L.push(`Run ${meta.started.toISOString()} in ${Math.round(meta.seconds)} s: \`node --import tsx bench/run.ts${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\``);
  L.push(`Machine: ${os.cpus().length} × ${cpu} (${flags}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}; threads per engine: ${o.threads}; load average at start ${meta.load[0].map((x) => x.toFixed(2)).join(' ')}, at end ${meta.load[1].map((x) => x.toFixed(2)).join(' ')}.`);
  L.push(`Each number is the median of ≥ ${o.reps} timed reps after a warm-up, engines interleaved round by round; the machine is shared, so trust the ratios more than the absolute numbers.`, '');
  L.push('## Engines', '', '| engine | version | threads | notes |', '|---|---|---|---|');
  for (const id of ids) {
    const i = infos.get(id);
    if (i) L.push(`| ${id} | ${i.version} | ${i.threads} | ${(i.notes ?? []).join('; ')} |`);
  }
  for (const [id, why] of skipped) L.push(`| ${id} | – | – | skipped: ${why} |`);
  L.push('');
  const cols = ids.filter((id) => infos.has(id));
  const label = (m: Measured) => `${m.c.workload}${m.c.key === 'main' ? '' : ' ' + m.c.key}`;
  L.push('## Summary', '', `Absolute numbers (↑ higher is better, ↓ lower is better). † = see notes of the case; ✗ = output check failed; n/a = not supported.`, '');
  L.push(`| case | unit | ${cols.join(' | ')} |`, `|---|---|${cols.map(() => '---:').join('|')}|`);
  for (const m of all) L.push(`| ${label(m)} | ${unitOf(m.c)} | ${cols.map((id) => valueCell(m.c, m.cells.get(id))).join(' | ')} |`);
  L.push('');
  for (const tl of cols.filter((id) => id.startsWith('tensorlaw/'))) {
    const peers = cols.filter((id) => id !== tl);
    L.push(`### ${tl} against each engine`, '', `× = the engine's time / ${tl}'s time: above 1 ${tl} is faster, below 1 it is slower.`, '');
    L.push(`| case | ${peers.join(' | ')} |`, `|---|${peers.map(() => '---:').join('|')}|`);
    for (const m of all) L.push(`| ${label(m)} | ${peers.map((p) => ratioCell(m.cells.get(tl), m.cells.get(p))).join(' | ')} |`);
    L.push('');
  }
  L.push('## Cases', '');
  for (const m of all) {
    L.push(`### ${m.c.title}`, '');
    L.push(`Reference for the output check: ${m.refId ?? 'none'} (tolerance ${m.c.tol} of the reference's RMS, over ${m.c.outputs.join(', ')}).`, '');
    const tls = cols.filter((id) => id.startsWith('tensorlaw/'));
    L.push(`| engine | ${unitOf(m.c)} | ms per rep (median, min–max) | samples | check | ${tls.map((t) => `${t} speed-up`).join(' | ')} | notes |`);
    L.push(`|---|---:|---|---:|---|${tls.map(() => '---:').join('|')}|---|`);
    for (const id of cols) {
      const cell = m.cells.get(id);
      if (!cell) continue;
      const ms = cell.ms.length ? `${fmt(median(cell.ms))} (${fmt(Math.min(...cell.ms))}–${fmt(Math.max(...cell.ms))})` : '–';
      const check = cell.status !== 'ok' ? '–' : cell.err === null ? 'reference' : `${cell.errOk ? '✓' : '✗'} ${cell.err.toExponential(1)}`;
      const notes = [cell.note, cell.message].filter(Boolean).join('; ');
      L.push(`| ${id} | ${valueCell(m.c, cell)} | ${ms} | ${cell.ms.length} | ${check} | ${tls.map((t) => (t === id ? (cell.status === 'ok' ? '1×' : '–') : ratioCell(m.cells.get(t), cell))).join(' | ')} | ${notes} |`);
    }
    L.push('');
  }
  return L.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(resultsDir, { recursive: true });
  log = createWriteStream(o.out.replace(/\.md$/, '') + '.log');
  const started = new Date();
  const load0 = os.loadavg();
  const progress = process.stderr.isTTY
    ? (s: string) => process.stderr.write(`\r\x1b[K${s}`.slice(0, 160))
    : (s: string) => {
        if (s) process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
      };
  const skipped = new Map<string, string>();
  const specs = engineSpecs(o, skipped);
  const infos = new Map<string, EngineInfo>();
  const workers = new Map<string, Worker>();
  for (const s of specs) {
    progress(`starting ${s.id}`);
    const w = new Worker(s);
    const r = await w.call({ cmd: 'init', engine: s.engine, variant: s.variant, threads: o.threads }, 180_000);
    if (r.ok) {
      infos.set(s.id, r.info!);
      workers.set(s.id, w);
    } else {
      skipped.set(s.id, r.error);
      w.kill();
    }
  }
  const all: Measured[] = [];
  const ids = specs.map((s) => s.id);
  /** Writes the tables so far (a run cut short still leaves what it measured). */
  const emit = (): string => {
    const md = render(o, ids, infos, skipped, all, { started, seconds: (Date.now() - started.getTime()) / 1000, load: [load0, os.loadavg()] });
    writeFileSync(o.out, md + '\n');
    const cells = (m: Measured) => Object.fromEntries([...m.cells].map(([id, c]) => [id, { ...c, fps: undefined }]));
    writeFileSync(o.out.replace(/\.md$/, '') + '.json', JSON.stringify({ options: o, infos: Object.fromEntries(infos), skipped: Object.fromEntries(skipped), cases: all.map((m) => ({ case: m.c.title, refId: m.refId, cells: cells(m) })) }, null, 1));
    return md;
  };
  for (const wid of o.only) {
    if (wid === 'W9') {
      // Fresh processes only: the long-lived workers stay idle meanwhile.
      all.push(...(await measureColdStart(specs, infos, o, progress)));
      emit();
      continue;
    }
    for (const c of casesOf(wid)) {
      const live = new Map([...workers].filter(([, w]) => w.alive));
      all.push({ c, ...(await measureCase(c, live, o, progress)) });
      emit();
    }
  }
  for (const w of workers.values()) {
    await w.call({ cmd: 'exit' }, 5_000).catch(() => {});
    w.kill();
  }
  progress('');
  console.log(emit());
  log.end();
  process.stderr.write(`written to ${o.out}\n`);
}

await main();
