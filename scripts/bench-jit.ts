// Measures BENCH W2 (the elementwise chain on 2^22 float32 under jit) and W9 (cold start of jit(W4 step) in fresh
// processes, with and without the persistent kernel cache): median of 5. Usage:
//   node --import tsx scripts/bench-jit.ts w2        (TENSORLAW_JIT=0 for the JS-fused plan)
//   node --import tsx scripts/bench-jit.ts w9        (spawns fresh processes running `w9-once`)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mode = process.argv[2] ?? 'w2';

if (mode === 'w2') {
  const { np, jit, lax, random } = await import('../src/index.js');
  const { jitIdle } = await import('../src/targets/wasm/jit/compile.js');
  const x = random.normal(random.key(0), [1 << 22]);
  const f = jit((x: any) => x.mul(1.5).add(0.5).tanh().mul(lax.logistic(x)));
  f(x).dataSync();
  await jitIdle();
  for (let i = 0; i < 3; i++) f(x).dataSync();
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    f(x).dataSync();
    ts.push(performance.now() - t0);
  }
  console.log(`W2 jit: median ${median(ts).toFixed(1)} ms (${ts.map((t) => t.toFixed(1)).join(', ')}) JIT=${process.env.TENSORLAW_JIT ?? 'on'}`);
  void np;
} else if (mode === 'w9-once') {
  // the W4 step of bench/engines/tensorlaw.ts: MLP 784-512-512-10, batch 128, ReLU, softmax CE, SGD
  const t0 = performance.now();
  const { jit, nn, np, tree, valueAndGrad, random } = await import('../src/index.js');
  type A = InstanceType<typeof import('../src/index.js').Array>;
  type Tree = Record<string, A>;
  const crossEntropy = (logits: A, y: A): A => np.mean(np.sum(y.mul(nn.logSoftmax(logits)), -1)).neg();
  const mlpLoss = (p: Tree, x: A, y: A): A => {
    const h1 = nn.relu(np.matmul(x, p.w1!).add(p.b1!));
    const h2 = nn.relu(np.matmul(h1, p.w2!).add(p.b2!));
    return crossEntropy(np.matmul(h2, p.w3!).add(p.b3!), y);
  };
  const sgdStep = (lr: number) => (p: Tree, x: A, y: A) => {
    const [l, g] = valueAndGrad(mlpLoss)(p, x, y) as [A, Tree];
    return [tree.map((pi: A, gi: A) => pi.sub(gi.mul(lr)), p, g) as Tree, l] as const;
  };
  const ks = random.split(random.key(1), 4) as unknown as A;
  const k = (i: number) => (ks as any).at(i) ?? ks;
  void k;
  const w = (i: number, m: number, n: number) => random.normal(random.key(10 + i), [m, n]).mul(Math.sqrt(2 / m));
  const p0: Tree = { w1: w(1, 784, 512), b1: np.zeros([512]), w2: w(2, 512, 512), b2: np.zeros([512]), w3: w(3, 512, 10), b3: np.zeros([10]) };
  const x = random.normal(random.key(2), [128, 784]);
  const y = nn.oneHot(random.randint(random.key(3), [128], 0, 10), 10);
  const t1 = performance.now();
  const step = jit(sgdStep(0.01));
  const [p1, l] = step(p0, x, y);
  l.item();
  Object.values(p1).forEach((a) => a.dataSync());
  const t2 = performance.now();
  const { jitStats } = await import('../src/targets/wasm/jit/compile.js');
  console.log(JSON.stringify({ firstCall: t2 - t1, withImports: t2 - t0, stats: jitStats }));
} else if (mode === 'w9') {
  const dir = mkdtempSync(join(tmpdir(), 'tl-w9-'));
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'w9-once'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop()!;
    return JSON.parse(line) as { firstCall: number; withImports: number; stats: Record<string, number> };
  };
  for (const [label, env] of [
    ['jit off (JS fused)', { TENSORLAW_JIT: '0', TENSORLAW_CACHE_DIR: 'off' }],
    ['jit, no disk cache', { TENSORLAW_CACHE_DIR: 'off' }],
  ] as const) {
    const rs = Array.from({ length: 5 }, () => run(env));
    console.log(`W9 ${label}: first call median ${median(rs.map((r) => r.firstCall)).toFixed(0)} ms (with imports ${median(rs.map((r) => r.withImports)).toFixed(0)} ms)`);
  }
  run({ TENSORLAW_CACHE_DIR: dir }); // fills the cache
  const warm = Array.from({ length: 5 }, () => run({ TENSORLAW_CACHE_DIR: dir }));
  console.log(`W9 jit, warm disk cache: first call median ${median(warm.map((r) => r.firstCall)).toFixed(0)} ms (with imports ${median(warm.map((r) => r.withImports)).toFixed(0)} ms) stats ${JSON.stringify(warm[0]!.stats)}`);
  rmSync(dir, { recursive: true, force: true });
}
