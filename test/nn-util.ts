// Helpers shared by the nn test files: fixture loading ({shape, data} arrays), float64 arrays, and element-wise closeness with messages.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import type { Array } from '../src/core/trace.js';

export interface FArr {
  shape: number[];
  data: number[];
}
export const loadFixture = (f: string) => JSON.parse(readFileSync(new URL(`./fixtures/nn/${f}`, import.meta.url), 'utf8'));
export const f64 = (a: FArr): Array => fromTyped(new Float64Array(a.data), a.shape, 'float64');
export const i32 = (a: FArr): Array => fromTyped(new Int32Array(a.data), a.shape, 'int32');
export const bool = (a: FArr): Array => fromTyped(new Uint8Array(a.data), a.shape, 'bool');
export const f64v = (v: number[], shape = [v.length]): Array => fromTyped(new Float64Array(v), shape, 'float64');
export const vals = (x: Array): number[] => [...x.dataSync()].map(Number);

/** |got - want| <= atol + rtol·|want| element-wise (NaN matches NaN), and equal shapes when `want` is a fixture array. */
export function close(x: Array, want: number[] | FArr | number, rtol = 1e-9, atol = 1e-12, what = ''): void {
  const w = typeof want === 'number' ? [want] : globalThis.Array.isArray(want) ? want : want.data;
  if (!globalThis.Array.isArray(want) && typeof want !== 'number') expect(x.shape, `${what} shape`).toEqual(want.shape);
  const got = vals(x);
  expect(got.length, what).toBe(w.length);
  got.forEach((g, i) => {
    const e = w[i]!;
    if (Number.isNaN(e) && Number.isNaN(g)) return;
    if (!(Math.abs(g - e) <= atol + rtol * Math.abs(e))) expect.fail(`${what} element ${i}: got ${g}, expected ${e}`);
  });
}
