// CLI: `npm run laws -- --runs N --seed S [--prims a,b] [--laws jvp,vmap] [--no-shrink] [--verbose]`: every law at scale.
import fc from 'fast-check';
import type { Prim } from '../src/core/primitive.js';
import { arrayTree } from './arbitraries.js';
import { checkTreeRoundTrip, coverage, runLaw } from './laws.js';
import { type LawName, lawNames } from './spec.js';
import { specs } from './specs.js';

interface Cli {
  runs: number;
  seed: number;
  prims: Prim[] | null;
  laws: LawName[] | null;
  shrink: boolean;
  verbose: boolean;
}

function parse(argv: string[]): Cli {
  const cli: Cli = { runs: 100, seed: Date.now() % 2 ** 31, prims: null, laws: null, shrink: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, v = argv[i + 1];
    const need = (): string => {
      if (v === undefined) throw new Error(`laws: ${a} needs a value`);
      i++;
      return v;
    };
    if (a === '--runs') cli.runs = Number(need());
    else if (a === '--seed') cli.seed = Number(need());
    else if (a === '--prims') cli.prims = need().split(',') as Prim[];
    else if (a === '--laws') cli.laws = need().split(',') as LawName[];
    else if (a === '--no-shrink') cli.shrink = false;
    else if (a === '--verbose') cli.verbose = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run laws -- [--runs N] [--seed S] [--prims neg,dotGeneral] [--laws jvp,vjp,hvp,vmap,jit,transpose,reference] [--no-shrink] [--verbose]');
      process.exit(0);
    } else throw new Error(`laws: unknown option ${a} (try --help)`);
  }
  for (const p of cli.prims ?? []) if (!(p in specs)) throw new Error(`laws: no spec for primitive ${p}`);
  for (const l of cli.laws ?? []) if (!lawNames.includes(l)) throw new Error(`laws: unknown law ${l}; laws are ${lawNames.join(', ')}`);
  return cli;
}

function main(): void {
  const cli = parse(process.argv.slice(2));
  console.log(`tensorlaw laws: ${cli.runs} runs per (primitive, law), seed ${cli.seed}`);
  const failures: string[] = [];
  let checked = 0;
  const t0 = Date.now();
  for (const [prim, spec] of Object.entries(specs) as [Prim, (typeof specs)[Prim]][]) {
    if (cli.prims && !cli.prims.includes(prim)) continue;
    for (const law of spec.laws) {
      if (cli.laws && !cli.laws.includes(law)) continue;
      const t = Date.now();
      try {
        runLaw(spec as never, law, { numRuns: cli.runs, seed: cli.seed, endOnFailure: !cli.shrink, verbose: cli.verbose });
        checked++;
        if (cli.verbose) console.log(`  ok   ${prim} / ${law} (${coverage.get(`${prim}:${law}`) ?? 0} cases, ${Date.now() - t} ms)`);
      } catch (e) {
        failures.push(`${prim} / ${law}`);
        console.log(`  FAIL ${prim} / ${law}\n${String((e as Error).message).replace(/^/gm, '       ')}`);
      }
    }
  }
  if (!cli.prims && (!cli.laws || cli.laws.length === lawNames.length)) {
    try {
      fc.assert(fc.property(arrayTree(), (t) => checkTreeRoundTrip(t)), { numRuns: cli.runs, seed: cli.seed });
      checked++;
    } catch (e) {
      failures.push('tree / roundTrip');
      console.log(`  FAIL tree / roundTrip\n${String((e as Error).message).replace(/^/gm, '       ')}`);
    }
  }
  console.log(`\n${checked} laws passed, ${failures.length} failed in ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${cli.seed})`);
  if (failures.length) {
    console.log(`failed: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

main();
