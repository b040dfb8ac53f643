// checkGrads (JAX's check_grads): passes on correct functions, and names mode/order/argument on wrong rules.
import { checkGrads, GradientCheckError, arrayOf } from '../laws/index.js';
import { describe, expect, it } from 'vitest';
import { customJvp, customVjp, lax, type Array } from '../src/index.js';

const f64 = (v: number[], shape = [v.length]) => arrayOf(v, shape, 'float64');
const f32 = (v: number[], shape = [v.length]) => arrayOf(v, shape, 'float32');
const sum = (x: Array) => lax.reduceSum(x, x.shape.map((_, i) => i));

/** The GradientCheckError thrown by `fn` (fails the test if none is). */
function caught(fn: () => void): GradientCheckError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GradientCheckError) return e;
    throw e;
  }
  throw new Error('expected checkGrads to throw a GradientCheckError');
}

describe('checkGrads on correct functions', () => {
  it('a scalar function, to second order in both modes', () => {
    checkGrads((x: Array) => sum(lax.tanh(x)), [f64([0.1, -0.7, 1.3])], { order: 2 });
  });

  it('pytree arguments and a pytree output, third order', () => {
    const layer = (p: { w: Array; b: Array }, x: Array) => {
      const h = lax.tanh(lax.add(lax.mul(p.w, x), p.b));
      return { h, stats: [sum(lax.exp(h)), lax.mul(h, h)] };
    };
    checkGrads(layer, [{ w: f64([0.5, -1.2]), b: f64([0.1, 0.2]) }, f64([1.5, -0.3])], { order: 3 });
  });

  it('integer arguments are held fixed', () => {
    const scaleBy = (x: Array, n: Array) => lax.mul(lax.sin(x), lax.convertElementType(lax.broadcastInDim(n, x.shape, []), 'float64'));
    checkGrads(scaleBy, [f64([0.3, 2.0]), arrayOf([3], [], 'int32')], { order: 2 });
  });

  it('float32 with JAX default tolerances', () => {
    checkGrads((x: Array, y: Array) => [lax.mul(lax.sin(x), y), lax.logistic(y)], [f32([0.2, 1.1]), f32([-0.5, 0.7])], { order: 1 });
  });

  it('a correct customJvp rule, both modes', () => {
    const softplus = customJvp((x: Array) => lax.log1p(lax.exp(x)), {
      jvp: ([x]: Array[], [t]: Array[]) => [lax.log1p(lax.exp(x!)), lax.mul(t!, lax.logistic(x!))],
    });
    checkGrads((x: Array) => softplus(x), [f64([-1, 0.5, 2])], { order: 2 });
  });
});

describe('checkGrads on wrong derivatives', () => {
  // f(x, y) = sin(x)·y with a rule that gets ∂f/∂y wrong (2·sin x instead of sin x)
  const wrongInY = customJvp((x: Array, y: Array) => lax.mul(lax.sin(x), y), {
    jvp: ([x, y]: Array[], [tx, ty]: Array[]) => [
      lax.mul(lax.sin(x!), y!),
      lax.add(lax.mul(lax.mul(tx!, lax.cos(x!)), y!), lax.mul(lax.mul(ty!, lax.sin(x!)), lax.fullLike(x!, 2))),
    ],
  });
  const args = [f64([0.4, 1.0, -0.6]), f64([1.5, -2.0, 0.3])];

  it('forward mode: names mode, order 1, argument 1 and the worst element', () => {
    const e = caught(() => checkGrads(wrongInY, args, { modes: ['fwd'] }));
    expect(e.mode).toBe('fwd');
    expect(e.order).toBe(1);
    expect(e.argnum).toBe(1);
    expect(e.message).toMatch(/forward-mode \(jvp\) check of order 1 failed for f with respect to argument 1/);
    // tangent out = sin(x)·ty·2 where the truth is sin(x)·ty: the worst element is where |sin(x_i)·ty_i| is largest
    expect(e.worst.index).toMatch(/^output\[\d\]$/);
    expect(e.worst.got).toBeCloseTo(2 * e.worst.expected, 6);
  });

  it('reverse mode (derived by transposing the rule) fails on the same argument', () => {
    const e = caught(() => checkGrads(wrongInY, args, { modes: ['rev'] }));
    expect([e.mode, e.order, e.argnum]).toEqual(['rev', 1, 1]);
    expect(e.message).toMatch(/reverse-mode \(vjp\) check of order 1 failed for f with respect to argument 1/);
  });

  it('argument 0 alone is fine: a rule wrong only in y passes when y is held constant', () => {
    checkGrads((x: Array) => wrongInY(x, args[1]!), [args[0]!], { order: 1 });
  });

  it('a rule right at first order but wrong at second (a stopped coefficient) fails at order 2 only', () => {
    const sinStopped = customJvp((x: Array) => lax.sin(x), {
      jvp: ([x]: Array[], [t]: Array[]) => [lax.sin(x!), lax.mul(t!, lax.cos(lax.stopGradient(x!)))],
    });
    checkGrads(sinStopped, [f64([0.3, 1.2])], { order: 1 });
    const e = caught(() => checkGrads(sinStopped, [f64([0.3, 1.2])], { order: 2, modes: ['fwd'] }));
    expect([e.mode, e.order]).toEqual(['fwd', 2]);
  });

  it('a wrong customVjp bwd fails in reverse mode, naming the argument', () => {
    const f = customVjp((x: Array, y: Array) => lax.mul(x, y), {
      fwd: (x: Array, y: Array) => [lax.mul(x, y), [x, y]],
      bwd: ([x, y]: Array[], g: Array) => [lax.mul(g, y!), lax.mul(g, lax.neg(x!))], // ∂/∂y has the wrong sign
    });
    const e = caught(() => checkGrads(f, [f64([0.5, 2.0]), f64([1.0, -1.5])], { modes: ['rev'], order: 1 }));
    expect([e.mode, e.order, e.argnum]).toEqual(['rev', 1, 1]);
    expect(e.worst.got).toBeCloseTo(-e.worst.expected, 6);
  });

  it('tolerances: a slightly wrong rule passes with a loose atol/rtol and fails with the default', () => {
    const almost = customJvp((x: Array) => lax.exp(x), { jvp: ([x]: Array[], [t]: Array[]) => [lax.exp(x!), lax.mul(t!, lax.mul(lax.exp(x!), lax.fullLike(x!, 1.001)))] });
    expect(() => checkGrads(almost, [f64([0.5])], { order: 1, modes: ['fwd'] })).toThrow(GradientCheckError);
    checkGrads(almost, [f64([0.5])], { order: 1, modes: ['fwd'], atol: 1e-2, rtol: 1e-2 });
  });

  it('rejects bad options with clear errors', () => {
    expect(() => checkGrads((x: Array) => x, [f64([1])], { order: 0 })).toThrow(/order must be a positive integer/);
    expect(() => checkGrads((x: Array) => x, [f64([1])], { modes: ['sideways' as 'fwd'] })).toThrow(/unknown mode/);
  });
});
