// Law specs of the higher-order primitives, exercised through their public API (jit, lax.cond/switch/
// whileLoop/forILoop/scan, checkpoint, customJvp, customVjp) with random operands and JS references.
import fc from 'fast-check';
import type { DType } from '../src/core/dtype.js';
import type { Array } from '../src/core/trace.js';
import { type Domain, domains, floatArray, intArray, shape } from './arbitraries.js';
import { checkpoint, cond, customJvp, customVjp, forILoop, jit, jvp, lax, linearize, scan, switchCase, whileLoop } from './api.js';
import type { Case, CaseCtx, Fn, LawName, PrimSpec } from './spec.js';
import { indexLeading, int32Scalar, stackAt, valuesOf } from './util.js';

const t = (dt: DType, s: readonly number[]): string => `${dt}[${s.join(',')}]`;
const list = (x: unknown): Array[] => (globalThis.Array.isArray(x) ? (x as Array[]) : [x as Array]);
const c = (x: Array, v: number): Array => lax.fullLike(x, v);
const allAxes = (x: Array): number[] => x.shape.map((_, i) => i);

// ---------------------------------------------------------------------------------------------
// Bodies: small functions of two same-shaped float operands, smooth on the real domain.

/** A nonlinear body with a reduction and a constant created inside. */
const smoothBody = (x: Array, y: Array): Array[] => [lax.add(lax.mul(lax.sin(x), y), c(x, 0.5)), lax.reduceSum(lax.exp(lax.mul(x, c(x, 0.5))), allAxes(x))];
/** A second nonlinear body with the same output types. */
const smoothBody2 = (x: Array, y: Array): Array[] => [lax.tanh(lax.sub(x, y)), lax.reduceSum(lax.mul(y, y), allAxes(y))];
/** A body linear in (x, y) jointly, with a constant factor. */
const linearBody = (x: Array, y: Array): Array[] => [lax.add(lax.mul(x, c(x, 2)), lax.rev(y, allAxes(y))), lax.reduceSum(lax.sub(x, y), allAxes(x))];
const linearBody2 = (x: Array, y: Array): Array[] => [lax.neg(y), lax.reduceSum(lax.mul(x, c(x, 3)), allAxes(x))];

/** Two same-shaped float operands. */
const pair = (ctx: CaseCtx, s: number[], d: Domain = domains.real): fc.Arbitrary<Array[]> => fc.tuple(floatArray(s, ctx.dtype, d), floatArray(s, ctx.dtype, d));

function twoArgCase(label: string, ctx: CaseCtx, s: number[], fn: Fn, o: { linear?: boolean; reference?: Fn; witness?: Case['witness'] } = {}): Case {
  return {
    label: `${label} on (${t(ctx.dtype, s)}, ${t(ctx.dtype, s)})`,
    fn,
    args: pair(ctx, s),
    diff: [0, 1],
    ...(o.linear ? { linear: [0, 1] } : {}),
    ...(o.reference ? { reference: o.reference } : {}),
    ...(o.witness ? { witness: o.witness } : {}),
  };
}

const ALL: readonly LawName[] = ['jvp', 'vjp', 'hvp', 'vmap', 'jit', 'transpose', 'reference'];

// ---------------------------------------------------------------------------------------------
// customVjp: f(x, y) = sin(x)·y with a hand-written (correct) fwd/bwd.

const sinMul = customVjp((x: Array, y: Array) => lax.mul(lax.sin(x), y), {
  fwd: (x: Array, y: Array) => [lax.mul(lax.sin(x), y), [lax.cos(x), lax.sin(x), y]],
  // d(sin x · y) = cos x · y dx + sin x dy
  bwd: ([cosx, sinx, y]: Array[], g: Array) => [lax.mul(g, lax.mul(cosx!, y!)), lax.mul(g, sinx!)],
});
const sinMulPlain = (x: Array, y: Array): Array => lax.mul(lax.sin(x), y);

// customJvp: softplus(x)·y with the rule d = logistic(x)·y dx + softplus(x) dy.
const softplus = (x: Array): Array => lax.log1p(lax.exp(x));
const softplusMul = customJvp((x: Array, y: Array) => lax.mul(softplus(x), y), {
  jvp: ([x, y]: Array[], [tx, ty]: Array[]) => [lax.mul(softplus(x!), y!), lax.add(lax.mul(lax.mul(tx!, lax.logistic(x!)), y!), lax.mul(softplus(x!), ty!))],
});

// ---------------------------------------------------------------------------------------------

export const higherOrderSpecs = {
  pjit: {
    prim: 'pjit',
    laws: ALL,
    notes: 'jit of smooth and linear bodies, including a nested jit',
    cases: (ctx) =>
      fc.tuple(shape({ maxRank: 3 }), fc.constantFrom('smooth', 'nested', 'linear')).map(([s, kind]) => {
        if (kind === 'linear') {
          const f = jit(linearBody);
          return twoArgCase('jit(linear body)', ctx, s, (x, y) => list(f(x, y)), { linear: true, reference: linearBody });
        }
        const inner = jit(smoothBody);
        const f = kind === 'nested' ? jit((x: Array, y: Array) => list(inner(lax.mul(x, y), y)).map((o) => lax.neg(o))) : inner;
        const ref = kind === 'nested' ? (x: Array, y: Array) => smoothBody(lax.mul(x, y), y).map((o) => lax.neg(o)) : smoothBody;
        return twoArgCase(`jit(${kind} body)`, ctx, s, (x, y) => list(f(x, y)), { reference: ref });
      }),
  },
  customJvpCall: {
    prim: 'customJvpCall',
    laws: ['jvp', 'vjp', 'hvp', 'vmap', 'jit', 'reference'],
    notes: 'softplus(x)·y with a correct custom rule; reverse mode by linearizing and transposing the rule',
    cases: (ctx) => shape({ maxRank: 3 }).map((s) => twoArgCase('customJvp(softplus(x)·y)', ctx, s, (x, y) => [softplusMul(x, y)], { reference: (x, y) => [lax.mul(softplus(x), y)] })),
  },
  customVjpCall: {
    prim: 'customVjpCall',
    laws: ['vjp', 'hvp', 'vmap', 'jit', 'reference'],
    notes: 'forward mode of a customVjp function is an error (as in JAX): the vjp law compares against finite differences',
    cases: (ctx) => shape({ maxRank: 3 }).map((s) => twoArgCase('customVjp(sin(x)·y)', ctx, s, (x, y) => [sinMul(x, y)], { reference: (x, y) => [sinMulPlain(x, y)] })),
  },
  customLin: {
    prim: 'customLin',
    laws: ['transpose'],
    notes: 'appears only in the linearization of a customVjp function; it can be transposed (by bwd) but not evaluated, as in JAX',
    cases: (ctx) =>
      shape({ maxRank: 3 }).map((s) => ({
        label: `linearize(customVjp(sin(x)·y)) on (${[0, 1, 2, 3].map(() => t(ctx.dtype, s)).join(', ')})`,
        fn: (x: Array, y: Array, tx: Array, ty: Array) => list(linearize(sinMul, x, y)[1](tx, ty)),
        linearForward: (x: Array, y: Array, tx: Array, ty: Array) => list(jvp(sinMulPlain, [x, y], [tx, ty])[1]),
        args: fc.tuple(floatArray(s, ctx.dtype), floatArray(s, ctx.dtype), floatArray(s, ctx.dtype), floatArray(s, ctx.dtype)),
        diff: [],
        linear: [2, 3],
      })),
  },
  cond: {
    prim: 'cond',
    laws: ALL,
    notes: 'lax.switch with an out-of-range index (clamped) and lax.cond with a bool predicate; batched indices under vmap',
    cases: (ctx) =>
      fc.tuple(shape({ maxRank: 3 }), fc.constantFrom('switch', 'cond', 'linear')).map(([s, kind]) => {
        const branches = kind === 'linear' ? [linearBody, linearBody2, (x: Array, y: Array) => linearBody(y, x)] : [smoothBody, smoothBody2, (x: Array, y: Array) => smoothBody(y, x)];
        const nb = kind === 'cond' ? 2 : 3;
        const fn: Fn =
          kind === 'cond'
            ? (p, x, y) => list(cond(p!, branches[0]!, branches[1]!, x!, y!))
            : (i, x, y) => list(switchCase(i!, branches, x!, y!));
        const reference: Fn = (i, x, y) => {
          const v = valuesOf(i!)[0]!;
          const k = kind === 'cond' ? (v ? 0 : 1) : Math.max(0, Math.min(nb - 1, v));
          return branches[k]!(x!, y!);
        };
        const index = kind === 'cond' ? fc.boolean().map((b) => lax.scalar(b, 'bool')) : fc.integer({ min: -1, max: 3 }).map(int32Scalar);
        return {
          label: `${kind === 'cond' ? 'lax.cond' : 'lax.switch'}(${kind === 'linear' ? 'linear' : 'smooth'} branches) on (${kind === 'cond' ? 'bool[]' : 'i32[]'}, ${t(ctx.dtype, s)}, ${t(ctx.dtype, s)})`,
          fn,
          args: fc.tuple(index as fc.Arbitrary<Array>, floatArray(s, ctx.dtype), floatArray(s, ctx.dtype)),
          diff: [1, 2],
          ...(kind === 'linear' ? { linear: [1, 2] } : {}),
          reference,
        } satisfies Case;
      }),
  },
  while: {
    prim: 'while',
    laws: ['jvp', 'vmap', 'jit', 'reference'],
    notes: 'no reverse mode (as in JAX); trip counts from operands (batched under vmap) and data-dependent predicates',
    cases: (ctx) =>
      fc.tuple(shape({ maxRank: 2 }), fc.constantFrom(...(ctx.derivatives ? ['counted', 'foriTraced'] : ['counted', 'foriTraced', 'dataDependent']))).map(([s, kind]) => {
        // x <- sin(x)·a + x/2, n times (n an int operand: a traced trip count)
        const step = (x: Array, a: Array): Array => lax.add(lax.mul(lax.sin(x), a), lax.mul(x, c(x, 0.5)));
        if (kind === 'dataDependent') {
          // while max(x) < 4: x <- 1.5x + 0.4 (x positive): the trip count depends on the values
          const grow = (x: Array) => lax.add(lax.mul(x, c(x, 1.5)), c(x, 0.4));
          const fn: Fn = (x) => [whileLoop((v: Array) => lax.lt(lax.reduceMax(v, allAxes(v)), lax.scalar(4, v.dtype)), grow, x!)];
          const reference: Fn = (x) => {
            let v = x!;
            while (Math.max(...valuesOf(v)) < 4) v = grow(v);
            return [v];
          };
          return { label: `whileLoop(max(x) < 4, x -> 1.5x + 0.4) on (${t(ctx.dtype, s)})`, fn, reference, args: fc.tuple(floatArray(s, ctx.dtype, { min: 0.1, max: 3 })), diff: [0] } satisfies Case;
        }
        const fn: Fn =
          kind === 'counted'
            ? (n, x, a) => {
                const [, xf] = whileLoop(([i]: Array[]) => lax.lt(i!, n!), ([i, v]: Array[]) => [lax.add(i!, lax.scalar(1, 'int32')), step(v!, a!)], [lax.scalar(0, 'int32'), x!]);
                return [xf!];
              }
            : (n, x, a) => [forILoop(lax.scalar(0, 'int32'), n!, (_i: Array, v: Array) => step(v, a!), x!)];
        const reference: Fn = (n, x, a) => {
          let v = x!;
          for (let i = 0; i < valuesOf(n!)[0]!; i++) v = step(v, a!);
          return [v];
        };
        return {
          label: `${kind === 'counted' ? 'whileLoop(i < n)' : 'forILoop(0, n traced)'} x -> sin(x)·a + x/2 on (i32[], ${t(ctx.dtype, s)}, ${t(ctx.dtype, s)})`,
          fn,
          reference,
          args: fc.tuple(intArray([], 0, 4), floatArray(s, ctx.dtype), floatArray(s, ctx.dtype)),
          diff: [1, 2],
        } satisfies Case;
      }),
  },
  scan: {
    prim: 'scan',
    laws: ALL,
    notes: 'scan with consts, carry and xs/ys, reverse; forILoop with static bounds; a linear recurrence for transposition',
    cases: (ctx) =>
      fc.tuple(shape({ maxRank: 2 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.constantFrom('smooth', 'linear', 'fori')).map(([s, T, reverse, kind]) => {
        const xsShape = [T, ...s];
        if (kind === 'fori') {
          // forILoop with JS bounds lowers to scan: c <- c·w + sin(c)
          const body = (cc: Array, w: Array) => lax.add(lax.mul(cc, w), lax.sin(cc));
          return {
            label: `forILoop(0, ${T}) c -> c·w + sin(c) on (${t(ctx.dtype, s)}, ${t(ctx.dtype, s)})`,
            fn: (c0: Array, w: Array) => [forILoop(0, T, (_i: Array, cc: Array) => body(cc, w), c0)],
            reference: (c0: Array, w: Array) => {
              let cc = c0;
              for (let i = 0; i < T; i++) cc = body(cc, w);
              return [cc];
            },
            args: fc.tuple(floatArray(s, ctx.dtype), floatArray(s, ctx.dtype, { min: -1, max: 1 })),
            diff: [0, 1],
          } satisfies Case;
        }
        // smooth: c <- c·w + sin(x), y = c·x;  linear (in c0, xs): c <- c·w + x, y = 2c - x
        const step =
          kind === 'smooth'
            ? (cc: Array, x: Array, w: Array): [Array, Array] => [lax.add(lax.mul(cc, w), lax.sin(x)), lax.mul(cc, x)]
            : (cc: Array, x: Array, w: Array): [Array, Array] => [lax.add(lax.mul(cc, w), x), lax.sub(lax.mul(cc, c(cc, 2)), x)];
        const fn: Fn = (c0, xs, w) => {
          const [cf, ys] = scan((cc: Array, x: Array) => step(cc, x, w!), c0!, xs!, { reverse });
          return [cf, ys];
        };
        const reference: Fn = (c0, xs, w) => {
          let cc = c0!;
          const ys: Array[] = new globalThis.Array(T);
          for (let k = 0; k < T; k++) {
            const i = reverse ? T - 1 - k : k;
            const [nc, y] = step(cc, indexLeading(xs!, i), w!);
            cc = nc;
            ys[i] = y;
          }
          return [cc, stackAt(ys, 0)];
        };
        return {
          label: `scan(${kind}, length ${T}, reverse ${reverse}) on (${t(ctx.dtype, s)}, ${t(ctx.dtype, xsShape)}, ${t(ctx.dtype, s)})`,
          fn,
          reference,
          args: fc.tuple(floatArray(s, ctx.dtype), floatArray(xsShape, ctx.dtype), floatArray(s, ctx.dtype, { min: -1, max: 1 })),
          diff: [0, 1, 2],
          ...(kind === 'linear' ? { linear: [0, 1] } : {}),
        } satisfies Case;
      }),
  },
  checkpoint: {
    prim: 'checkpoint',
    laws: ALL,
    cases: (ctx) =>
      fc.tuple(shape({ maxRank: 3 }), fc.boolean()).map(([s, linear]) => {
        const body = linear ? linearBody : smoothBody;
        const f = checkpoint(body);
        return twoArgCase(`checkpoint(${linear ? 'linear' : 'smooth'} body)`, ctx, s, (x, y) => list(f(x, y)), { linear, reference: body });
      }),
  },
} satisfies {
  [P in 'pjit' | 'customJvpCall' | 'customVjpCall' | 'customLin' | 'cond' | 'while' | 'scan' | 'checkpoint']: PrimSpec<P>;
};
