// A benchmark worker process for one JavaScript engine: reads commands (JSON lines) on stdin, replies on fd 3.
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Case, type Command, type Fingerprint, type Reply, fingerprint, generate, inputChecksum } from '../lib/common.js';
import { type Engine, type Inputs, type Outputs, type Runner, Unsupported } from './types.js';

const reply = (r: Reply): void => {
  writeSync(3, JSON.stringify(r) + '\n');
};

const loaders: Record<string, (variant: string, threads: number) => Promise<Engine>> = {
  tensorlaw: async (v, t) => (await import('./tensorlaw.js')).create(v, t),
  tfjs: async (v, t) => (await import('./tfjs.js')).create(v, t),
  'jax-js': async (v, t) => (await import('./jaxjs.js')).create(v, t),
};

const inputsOf = (c: Case): Inputs => new Map(c.inputs.map((s) => [s.name, generate(s)]));

function fingerprints(c: Case, outs: Outputs): Record<string, Fingerprint> {
  const r: Record<string, Fingerprint> = {};
  for (const name of c.outputs) {
    const o = outs[name];
    if (!o) throw new Error(`the engine returned no output ${JSON.stringify(name)}`);
    r[name] = fingerprint(o);
  }
  return r;
}

let engine: Engine | null = null;
let runner: Runner | null = null;

async function handle(m: Command): Promise<Reply> {
  switch (m.cmd) {
    case 'init': {
      const load = loaders[m.engine];
      if (!load) return { ok: false, error: `unknown engine ${m.engine}` };
      engine = await load(m.variant, m.threads);
      return { ok: true, info: engine.info };
    }
    case 'setup': {
      if (!engine) throw new Error('setup before init');
      runner?.dispose();
      runner = null;
      const inputs = inputsOf(m.case);
      const r = await engine.setup(m.case, inputs);
      const t0 = performance.now();
      const outs = await r.check();
      const checkMs = performance.now() - t0;
      const outputs = fingerprints(m.case, outs);
      runner = r;
      return { ok: true, outputs, inputSum: inputChecksum(m.case), ms: [checkMs], ...(r.note ? { note: r.note } : {}) };
    }
    case 'time': {
      if (!runner) throw new Error('time before setup');
      const ms: number[] = [];
      for (let i = 0; i < m.reps; i++) {
        const t0 = performance.now();
        await runner.run();
        ms.push(performance.now() - t0);
      }
      return { ok: true, ms };
    }
    case 'dispose':
      runner?.dispose();
      runner = null;
      return { ok: true };
    case 'cold': {
      if (!engine?.cold) throw new Unsupported('no jit: cold start of a compiled step does not apply');
      const r = await engine.cold(m.case, inputsOf(m.case));
      return { ok: true, ms: [r.ms], outputs: fingerprints(m.case, r.outputs), inputSum: inputChecksum(m.case), ...(r.note ? { note: r.note } : {}) };
    }
    case 'exit':
      process.exit(0);
  }
}

const rl = createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => {
    try {
      reply(await handle(JSON.parse(line) as Command));
    } catch (e) {
      const err = e as Error;
      const msg = (err?.message ?? String(e)).split('\n')[0]!.slice(0, 300);
      reply({ ok: false, skip: e instanceof Unsupported, error: msg });
      if (!(e instanceof Unsupported)) console.error(err?.stack ?? String(e));
    }
  });
});
rl.on('close', () => process.exit(0));
