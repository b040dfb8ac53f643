// Times chosen cases (default W1 n1024, W4, W6, W7) on the WebGPU engines, one child process per engine, all alive at
// once and taking turns rep by rep (round-robin, so that drifts in the shared machine's speed hit every engine alike;
// --sequential runs one engine after another instead), in wall time AND process CPU time (lavapipe's worker threads run inside the process, so CPU-s do not depend on how
// busy the shared machine is), checks outputs against the first engine, and for tensorlaw/webgpu counts per rep the
// submissions, buffer creations and pipelines of its device (webgpuInfo().pool).
//   XDG_RUNTIME_DIR=/tmp nice -n 10 node --import tsx bench/webgpu-steps.ts [--cases W1:n1024,W4,W6,W7] [--reps 5]
//     [--engines tensorlaw/webgpu,tfjs/webgpu,jax-js/webgpu] [--out bench/results/webgpu-cpu.md] [--sequential]
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Case, type Fingerprint, type WorkloadId, casesOf, compareFingerprints, fingerprint, generate } from './lib/common.js';
import type { Engine, Inputs } from './engines/types.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};

/** Cases named W4 or W1:n1024 (workload:key). */
function selectCases(spec: string): Case[] {
  return spec.split(',').flatMap((s) => {
    const [w, key] = s.trim().toUpperCase().split(':') as [WorkloadId, string | undefined];
    const cs = casesOf(w);
    return key ? cs.filter((c) => c.key.toUpperCase() === key) : cs;
  });
}

interface CaseResult {
  title: string;
  ok: boolean;
  error?: string;
  checkMs?: number;
  wallMs?: number[];
  cpuMs?: number[];
  fps?: Record<string, Fingerprint>;
  /** tensorlaw/webgpu: device counters per rep (median over reps). */
  perRep?: Record<string, number>;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Child: one engine, every case; prints one JSON line. Interleaved (--turns), it waits for the parent's word on stdin
 * before each case's set-up ('setup') and each timed rep ('rep'), and answers with '@@ready' / '@@skip' / '@@done'. */
async function child(engineId: string, cases: Case[], reps: number): Promise<void> {
  const turns = process.argv.includes('--turns') ? createInterface({ input: process.stdin })[Symbol.asyncIterator]() : null;
  const wait = async (what: string): Promise<void> => {
    if (!turns) return;
    const l = await turns.next();
    if (l.done || l.value !== what) throw new Error(`expected '${what}' from the parent, got ${l.done ? 'end of input' : l.value}`);
  };
  const say = (s: string): void => void process.stdout.write(`${s}\n`);
  const [name, variant] = engineId.split('/') as [string, string];
  const mods: Record<string, () => Promise<{ create(v: string, t: number): Promise<Engine> }>> = {
    tensorlaw: () => import('./engines/tensorlaw.js'),
    tfjs: () => import('./engines/tfjs.js'),
    'jax-js': () => import('./engines/jaxjs.js'),
  };
  const out: { engine: string; info?: unknown; error?: string; cases: CaseResult[] } = { engine: engineId, cases: [] };
  let engine: Engine;
  try {
    engine = await mods[name]!().then((m) => m.create(variant, 2));
    out.info = engine.info;
  } catch (e) {
    out.error = `skipped: ${(e as Error).message.split('\n')[0]}`;
    if (turns) for (let i = 0; i < cases.length; i++) await wait('setup'), say('@@skip');
    console.log(JSON.stringify(out));
    return;
  }
  // tensorlaw/webgpu: the device counters (created buffers, reuses, submissions, pipelines)
  const stats = name === 'tensorlaw' ? ((await import('../src/index.js')) as { webgpuInfo?: () => { pool: Record<string, number> } | null }).webgpuInfo : undefined;
  for (const c of cases) {
    const r: CaseResult = { title: c.title, ok: false };
    out.cases.push(r);
    await wait('setup');
    let ready = false;
    try {
      const inputs: Inputs = new Map(c.inputs.map((s) => [s.name, generate(s)]));
      const runner = await engine.setup(c, inputs);
      let t0 = performance.now();
      const outs = await runner.check();
      r.checkMs = performance.now() - t0;
      r.fps = Object.fromEntries(c.outputs.map((n) => [n, fingerprint(outs[n]!)]));
      await runner.run(); // warm-up
      r.wallMs = [];
      r.cpuMs = [];
      const counters: Record<string, number[]> = {};
      if (turns) say('@@ready'), (ready = true);
      for (let i = 0; i < reps; i++) {
        await wait('rep');
        const s0 = stats?.()?.pool;
        t0 = performance.now();
        const c0 = cpuNow();
        await runner.run();
        r.cpuMs.push(cpuNow() - c0);
        r.wallMs.push(performance.now() - t0);
        const s1 = stats?.()?.pool;
        if (s0 && s1) for (const k of ['created', 'reused', 'submits', 'pipelines']) (counters[k] ??= []).push(s1[k]! - s0[k]!);
        if (turns) say('@@done');
      }
      if (Object.keys(counters).length) r.perRep = Object.fromEntries(Object.entries(counters).map(([k, v]) => [k, median(v)]));
      runner.dispose();
      r.ok = true;
    } catch (e) {
      r.error = (e as Error).message.split('\n')[0]!.slice(0, 200);
      // a failure mid-way: answer the rest of this case's turns (the parent stops giving them once it reads '@@skip')
      say(ready ? '@@fail' : '@@skip');
    }
  }
  console.log(JSON.stringify(out));
}

type Result = { engine: string; info?: { threads?: string; version?: string }; error?: string; cases: CaseResult[] };

/** All engines' children at once, taking turns: per case every child sets up (in parallel, untimed), then each timed
 * rep runs alone, engine after engine, the first engine of a round rotating. */
async function interleaved(engines: string[], childArgs: string[], reps: number, nCases: number): Promise<Result[]> {
  const kids = engines.map((e) => {
    // engine@DIR: the engine of another checkout (its own bench/webgpu-steps.ts), to compare two versions in one run
    const [id, dir] = e.split('@') as [string, string | undefined];
    const script = dir ? join(dir, 'bench', 'webgpu-steps.ts') : fileURLToPath(import.meta.url);
    const p = spawn(process.execPath, ['--import', 'tsx', script, '--child', id, '--turns', ...childArgs], {
      cwd: dir ?? dirname(benchDir),
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const k = { engine: e, p, lines: [] as string[], waiter: null as ((l: string) => void) | null, final: '', stderr: [] as string[] };
    createInterface({ input: p.stdout! }).on('line', (l) => {
      if (l.startsWith('{"engine"')) k.final = l;
      else if (l.startsWith('@@')) {
        if (k.waiter) k.waiter(l), (k.waiter = null);
        else k.lines.push(l);
      }
    });
    createInterface({ input: p.stderr! }).on('line', (l) => void (k.stderr.push(l), k.stderr.length > 5 && k.stderr.shift()));
    p.on('exit', () => k.waiter?.('@@exit'));
    return k;
  });
  type Kid = (typeof kids)[number];
  const marker = (k: Kid): Promise<string> =>
    k.lines.length ? Promise.resolve(k.lines.shift()!) : k.p.exitCode !== null ? Promise.resolve('@@exit') : new Promise((res) => (k.waiter = res));
  const tell = (k: Kid, w: string): void => void (k.p.exitCode === null && k.p.stdin!.write(`${w}\n`));
  for (let c = 0; c < nCases; c++) {
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} case ${c + 1}/${nCases}: set-up\n`);
    for (const k of kids) tell(k, 'setup');
    const live: Kid[] = [];
    for (const k of kids) if ((await marker(k)) === '@@ready') live.push(k);
    for (let r = 0; r < reps; r++)
      for (let j = 0; j < live.length; j++) {
        const k = live[(r + j) % live.length]!;
        if (!k) continue;
        tell(k, 'rep');
        if ((await marker(k)) !== '@@done') live.splice(live.indexOf(k), 1), j--;
      }
  }
  for (const k of kids) k.p.stdin!.end();
  await Promise.all(kids.map((k) => (k.p.exitCode !== null ? null : new Promise((res) => k.p.on('exit', res)))));
  return kids.map((k) => (k.final ? { ...(JSON.parse(k.final) as Result), engine: k.engine } : { engine: k.engine, error: `failed: ${k.stderr.join(' | ').slice(0, 300)}`, cases: [] }));
}

async function parent(): Promise<void> {
  const cases = selectCases(arg('cases', 'W1:n1024,W4,W6,W7'));
  const reps = Number(arg('reps', '5'));
  const engines = arg('engines', 'tensorlaw/webgpu,tfjs/webgpu,jax-js/webgpu').split(',');
  const outFile = arg('out', join(benchDir, 'results', 'webgpu-cpu.md'));
  const started = new Date();
  const load0 = os.loadavg();
  const sequential = process.argv.includes('--sequential');
  const results: Result[] = sequential ? [] : await interleaved(engines, ['--cases', arg('cases', 'W1:n1024,W4,W6,W7'), '--reps', String(reps)], reps, cases.length);
  for (const e of sequential ? engines : []) {
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${e}\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', e, '--cases', arg('cases', 'W1:n1024,W4,W6,W7'), '--reps', String(reps)], {
      cwd: dirname(benchDir),
      encoding: 'utf8',
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
      maxBuffer: 1 << 26,
      timeout: 1_800_000,
    });
    const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{"engine"')).pop();
    results.push(line ? JSON.parse(line) : { engine: e, error: `failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`, cases: [] });
  }
  const load1 = os.loadavg();
  const L: string[] = [];
  L.push(`# WebGPU engines: wall time and CPU time per rep`, '');
  L.push(`Run ${started.toISOString()}: \`${['node --import tsx bench/webgpu-steps.ts', ...process.argv.slice(2)].join(' ')}\``);
  L.push(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}; load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${load1.map((x) => x.toFixed(2)).join(' ')}.`);
  L.push(`Each engine runs in its own process, ${sequential ? 'engines one after another' : 'all at once taking turns rep by rep (the first engine of a round rotating), so that the shared machine\'s drifts in speed hit all alike'}; ${reps} timed reps after a check run and one warm-up rep; medians. CPU ms = user + system time of the whole process (lavapipe's threads included) per rep: unlike wall time it hardly depends on the other jobs of the shared machine. err = output check against ${engines[0]}.`, '');
  L.push('| engine | threads | version |', '|---|---|---|');
  for (const r of results) L.push(`| ${r.engine} | ${r.error ?? r.info?.threads ?? ''} | ${r.info?.version ?? ''} |`);
  L.push('');
  const ref = results[0]!;
  L.push(`| case | engine | wall ms (median, min–max) | CPU ms (median) | err vs ${ref.engine} | ${ref.engine} speed-up, wall | speed-up, CPU | per rep (tensorlaw/webgpu) |`, '|---|---|---:|---:|---:|---:|---:|---|');
  cases.forEach((c, i) => {
    const base = ref.cases[i];
    for (const r of results) {
      const x = r.cases[i];
      if (!x) {
        L.push(`| ${c.workload} ${c.key} | ${r.engine} | ${r.error ?? '–'} | | | | | |`);
        continue;
      }
      if (!x.ok) {
        L.push(`| ${c.workload} ${c.key} | ${r.engine} | ${x.error} | | | | | |`);
        continue;
      }
      const w = median(x.wallMs!), cp = median(x.cpuMs!);
      const err = r === ref ? 'reference' : base?.fps && x.fps ? Math.max(...c.outputs.map((n) => compareFingerprints(x.fps![n]!, base.fps![n]!))).toExponential(1) + (Math.max(...c.outputs.map((n) => compareFingerprints(x.fps![n]!, base.fps![n]!))) <= c.tol ? ' ✓' : ' ✗') : '–';
      const sw = base?.ok && r !== ref ? `${(w / median(base.wallMs!)).toFixed(2)}×` : '';
      const sc = base?.ok && r !== ref ? `${(cp / median(base.cpuMs!)).toFixed(2)}×` : '';
      const per = x.perRep ? Object.entries(x.perRep).map(([k, v]) => `${k} ${v}`).join(', ') : '';
      L.push(`| ${c.workload} ${c.key} | ${r.engine} | ${w.toFixed(1)} (${Math.min(...x.wallMs!).toFixed(1)}–${Math.max(...x.wallMs!).toFixed(1)}) | ${cp.toFixed(1)} | ${err} | ${sw} | ${sc} | ${per} |`);
    }
  });
  const md = L.join('\n') + '\n';
  writeFileSync(outFile, md);
  console.log(md);
}

if (process.argv.includes('--child')) {
  await child(arg('child', ''), selectCases(arg('cases', 'W1:n1024,W4,W6,W7')), Number(arg('reps', '5')));
  process.exit(0);
} else await parent();
