// The arbitraries produce what they promise: valid shapes, domains respected, distinct values, and spec
// cases that pass abstract evaluation (the IR's type rules) in both derivative and value contexts.
import {
  arrayTree,
  broadcastCompatibleShapes,
  casesFor,
  distinctArray,
  domains,
  floatArray,
  permutation,
  shape,
  specs,
  type PrimSpec,
} from '../laws/index.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastShapes, shapeEqual } from '../src/core/aval.js';
import type { Prim } from '../src/core/primitive.js';
import { tree, type Array } from '../src/index.js';

const opts = { numRuns: 200, seed: 3 };

describe('arbitraries', () => {
  it('shapes stay within rank and dim bounds', () => {
    fc.assert(
      fc.property(shape({ minRank: 1, maxRank: 3, maxDim: 4 }), (s) => {
        expect(s.length).toBeGreaterThanOrEqual(1);
        expect(s.length).toBeLessThanOrEqual(3);
        for (const d of s) expect(d >= 1 && d <= 4).toBe(true);
      }),
      opts,
    );
  });

  it('broadcast-compatible shapes broadcast (numpy rules) to their common shape', () => {
    fc.assert(
      fc.property(broadcastCompatibleShapes(3), ({ shapes, common }) => {
        expect(broadcastShapes('test', ...shapes).length).toBeLessThanOrEqual(common.length);
        expect(shapeEqual(broadcastShapes('test', ...shapes, common), common)).toBe(true);
      }),
      opts,
    );
  });

  it('permutations are permutations', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 6 }).chain(permutation), (p) => {
      expect([...p].sort((a, b) => a - b)).toEqual(p.map((_, i) => i));
    }), opts);
  });

  it('float arrays respect their domain (including rejected points)', () => {
    for (const d of [domains.positive, domains.unit, domains.nonzero, domains.offInteger, domains.offHalfInteger]) {
      fc.assert(
        fc.property(floatArray([5], 'float64', d), (x) => {
          for (const v of x.dataSync()) {
            expect(v >= d.min && v <= d.max).toBe(true);
            expect('reject' in d ? d.reject(v) : false).toBe(false);
          }
        }),
        { ...opts, numRuns: 50 },
      );
    }
  });

  it('distinct arrays are pairwise separated', () => {
    fc.assert(
      fc.property(distinctArray([3, 4]), (x) => {
        const v = [...x.dataSync()].sort((a, b) => a - b);
        for (let i = 1; i < v.length; i++) expect(v[i]! - v[i - 1]!).toBeGreaterThan(6 / (2 * 12) - 1e-12);
      }),
      opts,
    );
  });

  it('pytrees hold arrays in nested arrays and objects', () => {
    fc.assert(
      fc.property(arrayTree(), (t) => {
        for (const l of tree.leaves(t)) expect((l as Array).dtype).toBe('float64');
      }),
      opts,
    );
  });
});

describe('specs generate valid operands and params', () => {
  // abstract evaluation is the spec of valid shapes: every first-order case must pass it
  const firstOrder = (Object.entries(specs) as [Prim, PrimSpec<Prim>][]).filter(
    ([p]) => !['pjit', 'customJvpCall', 'customVjpCall', 'customLin', 'cond', 'while', 'scan', 'checkpoint', 'iota'].includes(p),
  );
  it.each(firstOrder)('%s', (prim, spec) => {
    for (const derivatives of [true, false]) {
      const cases = fc.sample(
        casesFor(spec, derivatives ? 'jvp' : 'vmap').chain((c) => c.args.map((args) => ({ c, args }))),
        { numRuns: 30, seed: 5 },
      );
      for (const { c, args } of cases) {
        expect(c.label.startsWith(prim)).toBe(true);
        for (const i of c.diff) expect(args[i]!.dtype.startsWith('float')).toBe(true);
        // evaluating binds the primitive, which runs abstract evaluation: the type rules of the IR
        expect(() => c.fn(...args), c.label).not.toThrow();
      }
    }
  });
});
