// Every law for every primitive spec, with a fixed seed and modest run counts, plus coverage checks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prims, type Prim } from '../src/core/primitive.js';
import { arrayTree, checkTreeRoundTrip, coverage, runLaw, specs, witnessed, type LawName, type PrimSpec } from '../laws/index.js';

const SEED = 20240601;
const RUNS = Number(process.env.LAWS_RUNS ?? 100);

/**
 * Laws that fail today because of a defect in a rule (not in the law): each runs as `it.fails`, so the
 * suite flags the day it is fixed. Keep the reason precise.
 */
const knownFailures: Partial<Record<`${Prim}:${LawName}`, string>> = {};

const entries = Object.entries(specs) as [Prim, PrimSpec<Prim>][];

describe.each(entries)('%s', (prim, spec) => {
  for (const law of spec.laws) {
    const known = knownFailures[`${prim}:${law}`];
    (known ? it.fails : it)(`${law}${known ? ' (known failure)' : ''}`, () => {
      runLaw(spec, law, { numRuns: RUNS, seed: SEED });
    });
  }
});

describe('pytrees', () => {
  it('flatten/unflatten round-trips, map keeps structure', () => {
    fc.assert(fc.property(arrayTree(), (t) => checkTreeRoundTrip(t)), { numRuns: 100, seed: SEED });
  });
});

describe('coverage', () => {
  it('every primitive has a spec declaring laws', () => {
    const missing = prims.filter((p) => !(p in specs) || (specs as Record<string, PrimSpec<Prim>>)[p]!.laws.length === 0);
    expect(missing).toEqual([]);
    for (const [p, s] of entries) expect(s.prim).toBe(p);
  });

  it('every declared (primitive, law) ran on at least one case, and every staged spec contains its primitive', () => {
    const notRun: string[] = [];
    for (const [prim, spec] of entries)
      for (const law of spec.laws) if (!knownFailures[`${prim}:${law}`] && !(coverage.get(`${prim}:${law}`)! > 0)) notRun.push(`${prim}:${law}`);
    expect(notRun).toEqual([]);
    const notWitnessed = entries.filter(([p, s]) => s.laws.includes('jit') && !witnessed.has(p)).map(([p]) => p);
    expect(notWitnessed).toEqual([]);
  });

  it('every linear primitive is checked by the transpose law, every differentiable one by jvp or vjp', () => {
    const linear = ['neg', 'add', 'sub', 'mul', 'div', 'select', 'convertElementType', 'broadcastInDim', 'reshape', 'transpose', 'reduceSum', 'cumsum', 'slice', 'pad', 'concatenate', 'rev', 'dynamicSlice', 'dynamicUpdateSlice', 'gather', 'scatterAdd', 'scatter', 'dotGeneral', 'convGeneralDilated', 'pjit', 'cond', 'scan', 'checkpoint', 'customLin'] as const;
    expect(linear.filter((p) => !specs[p].laws.includes('transpose'))).toEqual([]);
    const nonDiff = new Set(['not', 'and', 'or', 'xor', 'shiftLeft', 'shiftRightLogical', 'bitcastConvertType']);
    expect(entries.filter(([p, s]) => !nonDiff.has(p) && !s.laws.includes('jvp') && !s.laws.includes('vjp') && !s.laws.includes('transpose')).map(([p]) => p)).toEqual([]);
  });
});
