// The webgpu target against the reference target on the law-spec cases of a primitive (eager and jitted), shared by
// the webgpu test files.
import fc from 'fast-check';
import { expect } from 'vitest';
import { type Array, initWebGpu, jit, withTarget } from '../src/index.js';
import { specs } from '../laws/specs.js';
import type { Prim } from '../src/core/primitive.js';
import { roundF16 } from '../src/core/dtype.js';

/** Acquires the WebGPU device for a test file: '' when ready, else why not (printed: the file's tests skip). */
export async function acquireWebGpu(): Promise<string> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  try {
    await initWebGpu();
    return '';
  } catch (e) {
    const why = (e as Error).message;
    process.stderr.write(`webgpu tests skipped: ${why}\n`);
    return why;
  }
}

/** Values as float64 for comparison (bool as 0/1). */
export const values = async (x: Array): Promise<Float64Array> => Float64Array.from(await x.data(), Number);
export const refValues = (x: Array): Float64Array => Float64Array.from(x.dataSync(), Number);

/** Max relative-ish error: |a - b| <= atol + rtol·|b|, NaN matches NaN, infinities must match exactly. */
export function close(got: Float64Array, want: Float64Array, atol: number, rtol: number): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    const a = got[i]!, b = want[i]!;
    if (Number.isNaN(b) ? !Number.isNaN(a) : !Number.isFinite(b) ? a !== b : !(Math.abs(a - b) <= atol + rtol * Math.abs(b)))
      return `element ${i}: webgpu ${a}, ref ${b}`;
  }
  return null;
}

/** Moves arrays to the GPU (a jitted identity returns fresh device copies). */
export const put = (xs: Array[]): Array[] => withTarget('webgpu', () => jit((...a: Array[]) => a)(...xs));

// float32 on the GPU is computed in float32 with approximate transcendentals (the ref computes in float64)
export const tolFor = (prim: string): [number, number] =>
  ['erfInv', 'pow', 'tan', 'acosh', 'atanh', 'cbrt', 'rem', 'exp2', 'expm1', 'log1p', 'sinh', 'cosh', 'asinh'].includes(prim) ? [2e-4, 2e-3]
  : ['dotGeneral', 'convGeneralDilated', 'reduceSum', 'reduceProd', 'cumsum', 'scatterAdd'].includes(prim) ? [1e-4, 1e-4]
  : [2e-5, 2e-5];

export const unsupported = new Set<string>(['while', 'customLin']);

/**
 * The law-spec cases of `prim` in `dtype`, eager on device operands and jitted on webgpu, against the reference.
 * float16 outputs must be float16 values within the tolerance (exact operations: bit-identical).
 */
export async function conformance(prim: Prim, dtype: 'float32' | 'float16', tol: [number, number]): Promise<void> {
  const spec = specs[prim];
  const cases = fc.sample(spec.cases({ dtype, derivatives: false }), { numRuns: prim === 'sort' ? 12 : 4, seed: 42 });
  let verified = 0;
  for (const c of cases) {
    const [args] = fc.sample(c.args, { numRuns: 1, seed: 7 });
    let want: Array[];
    try {
      want = withTarget('ref', () => c.fn(...args!));
    } catch {
      continue; // a case the reference rejects (e.g. a forward-mode customLin) says nothing here
    }
    const [atol, rtol] = tol;
    if ([...args!, ...want].some((a) => a.dtype === 'float64')) {
      // WGSL has no float64: a clear error, never a silently narrowed result
      expect(() => withTarget('webgpu', () => jit(c.fn)(...args!))).toThrow(/float64 is not supported on the webgpu target/);
      continue;
    }
    for (const mode of ['eager', 'jit'] as const) {
      let got: Array[];
      try {
        got = withTarget('webgpu', () => (mode === 'jit' ? jit(c.fn)(...args!) : c.fn(...put(args!))));
      } catch (e) {
        // the documented gaps raise a clear error (never a wrong result): multi-key or integer sorts
        if (prim === 'sort' && /no WebGPU implementation/.test((e as Error).message)) continue;
        throw e;
      }
      verified++;
      expect(got.length).toBe(want.length);
      for (let k = 0; k < want.length; k++) {
        expect(got[k]!.shape, `${c.label} ${mode}`).toEqual(want[k]!.shape);
        expect(got[k]!.dtype, `${c.label} ${mode}`).toBe(want[k]!.dtype);
        const g = await values(got[k]!);
        if (want[k]!.dtype === 'float16') for (const v of g) expect(v, `${c.label} (${mode}): not a float16 value`).toBe(roundF16(v));
        const err = close(g, refValues(want[k]!), atol, rtol);
        expect(err, `${c.label} (${mode})`).toBeNull();
      }
    }
  }
  expect(verified).toBeGreaterThan(0);
}

// float16 tolerances: exact operations agree to the bit (f32 result rounded once on both sides); approximate
// transcendentals and f32 accumulations in another order may land one float16 ulp (2^-10 relative) apart, and
// sums with cancellation lose relative accuracy, hence the absolute term.
export const tol16 = (prim: string): [number, number] =>
  ['dotGeneral', 'convGeneralDilated', 'reduceSum', 'reduceProd', 'cumsum', 'scatterAdd'].includes(prim) ? [2e-2, 4e-3] : [1e-3, 2 ** -9];

