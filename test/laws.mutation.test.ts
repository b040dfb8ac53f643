// The laws can fail: each test breaks one rule on purpose (patching its table, then restoring it) and checks
// that the law meant to guard it reports the defect, while the unbroken neighbouring laws still pass.
// laws first: it loads the library in its canonical module order (see the report on import cycles).
import { checkLaw, floatArray, primCase, runLaw, specs, type PrimSpec } from '../laws/index.js';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Params } from '../src/core/primitive.js';
import type { Array } from '../src/core/trace.js';
import * as lax from '../src/lax/prims.js';
import { jvpRules } from '../src/rules/jvp.js';
import { transposeRules } from '../src/rules/transpose.js';
import { vmapRules } from '../src/rules/vmap.js';
import { evalHigherOrderRules } from '../src/rules/higherOrder.js';

const SEED = 7;
const opts = { numRuns: 40, seed: SEED, endOnFailure: true };

const restore: (() => void)[] = [];
/** Replaces `table[key]` until the end of the test. */
function patch<T extends object, K extends keyof T>(table: T, key: K, value: unknown): void {
  const old = table[key];
  (table as Record<K, unknown>)[key] = value;
  restore.push(() => ((table as Record<K, unknown>)[key] = old));
}
afterEach(() => {
  while (restore.length) restore.pop()!();
});

type AnyRule = (...a: any[]) => any;

describe('each law catches the defect it guards against', () => {
  it('jvp: a wrong derivative (d sin = -cos dx) fails against finite differences', () => {
    patch(jvpRules, 'sin', (([x]: Array[], [t]: Array[]) => [[lax.sin(x!)], [lax.mul(t!, lax.neg(lax.cos(x!)))]]) as AnyRule);
    expect(() => runLaw(specs.sin, 'jvp', opts)).toThrow(/jvp tangent out 0 vs finite differences/);
  });

  it('hvp: a rule right at first order but wrong at second (cos of a stopped x) passes jvp, fails hvp', () => {
    patch(jvpRules, 'sin', (([x]: Array[], [t]: Array[]) => [[lax.sin(x!)], [lax.mul(t!, lax.cos(lax.stopGradient(x!)))]]) as AnyRule);
    expect(() => runLaw(specs.sin, 'jvp', opts)).not.toThrow();
    expect(() => runLaw(specs.sin, 'hvp', opts)).toThrow(/jvp of grad/);
  });

  it('vjp and transpose: a transpose rule off by a factor 2 fails the dot-product tests', () => {
    const orig = transposeRules.mul as AnyRule;
    patch(transposeRules, 'mul', ((cts: unknown, args: unknown, p: unknown) =>
      (orig(cts, args, p) as (Array | null)[]).map((c) => c && lax.mul(c, lax.fullLike(c, 2)))) as AnyRule);
    expect(() => runLaw(specs.mul, 'jvp', opts)).not.toThrow();
    expect(() => runLaw(specs.mul, 'vjp', opts)).toThrow(/dot-product test/);
    expect(() => runLaw(specs.mul, 'transpose', opts)).toThrow(/dot-product test/);
  });

  it('vmap: a batching rule that forgets to shift axes past the batch dimension fails', () => {
    patch(vmapRules, 'rev', (([x]: Array[], [d]: (number | null)[], p: Params<'rev'>) => [[lax.rev(x!, p.dimensions)], [d]]) as AnyRule);
    expect(() => runLaw(specs.rev, 'vmap', opts)).toThrow(/vmap \(batch/);
  });

  it('vmap of jvp: a broken batching rule for cos (which only sin\'s derivative uses) fails sin\'s vmap law', () => {
    patch(vmapRules, 'cos', (([x]: Array[], [d]: (number | null)[]) => [[lax.cos(lax.rev(x!, [d!]))], [d]]) as AnyRule);
    expect(() => runLaw(specs.cos, 'jvp', opts)).not.toThrow();
    expect(() => runLaw(specs.sin, 'vmap', opts)).toThrow(/\/ vmap of (jvp|vjp)\]/);
  });

  it('jit: a staged call whose result drifts from eager evaluation fails', () => {
    const orig = evalHigherOrderRules.pjit as AnyRule;
    patch(evalHigherOrderRules, 'pjit', ((a: unknown, p: unknown) =>
      (orig(a, p) as Array[]).map((o) => (o.dtype === 'float64' || o.dtype === 'float32' ? lax.add(o, lax.fullLike(o, 1e-3)) : o))) as AnyRule);
    expect(() => runLaw(specs.exp, 'jit', opts)).toThrow(/jit\(f\) vs f/);
  });

  it('reference: a scan that ignores `reverse` fails against the unrolled JS loop', () => {
    const orig = evalHigherOrderRules.scan as AnyRule;
    patch(evalHigherOrderRules, 'scan', ((a: unknown, p: Params<'scan'>) => orig(a, { ...p, reverse: false })) as AnyRule);
    expect(() => runLaw(specs.scan, 'reference', { ...opts, numRuns: 80 })).toThrow(/reference/);
  });
});

describe('the laws check their specs too', () => {
  it('transpose: a map wrongly claimed linear is reported', () => {
    const spec: PrimSpec<'sin'> = {
      prim: 'sin',
      laws: ['transpose'],
      cases: () => fc.constant(primCase('sin', {}, [floatArray([3])], { diff: [0], linear: [0] })),
    };
    expect(() => runLaw(spec, 'transpose', opts)).toThrow(/claimed linear is not/);
  });

  it('witness: a spec that never binds its primitive is reported', () => {
    const spec: PrimSpec<'cumsum'> = { prim: 'cumsum', laws: ['jit'], cases: () => fc.constant(primCase('reduceSum' as 'cumsum', { axes: [0] } as never, [floatArray([3])], { diff: [0] })) };
    const c = primCase('reduceSum', { axes: [0] }, [floatArray([3])]);
    expect(() => checkLaw(spec, 'jit', { c, sets: [[fc.sample(floatArray([3]), { numRuns: 1, seed: 1 })[0]!]], seed: 1, batch: 1 })).toThrow(/never binds it/);
  });

  it('a spec that never yields a case a law can use fails loudly instead of looping', () => {
    const spec: PrimSpec<'exp'> = { prim: 'exp', laws: ['jvp'], cases: () => fc.constant(primCase('exp', {}, [floatArray([2])], { diff: [] })) };
    expect(() => runLaw(spec, 'jvp', opts)).toThrow(/pre-condition|skipped/i);
  });
});
