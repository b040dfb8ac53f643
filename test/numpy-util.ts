// Helpers for the np tests: decode committed numpy fixtures (scripts/gen-numpy-fixtures.py) and compare arrays.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Array } from '../src/index.js';
import { fromTyped } from '../src/core/array.js';
import { type DType, typedArrayCtor } from '../src/core/dtype.js';

export interface Enc {
  dtype: DType;
  shape: number[];
  data: (number | boolean | string)[];
}
export interface Case {
  fn: string;
  args: unknown[];
  out: Enc | Enc[];
  rtol?: number;
  atol?: number;
  /** Also compare the sign of zeros. */
  signedZero?: boolean;
  [k: string]: unknown;
}

export const loadFixture = <T = Case>(name: string): T[] =>
  JSON.parse(readFileSync(new URL(`./fixtures/numpy/${name}.json`, import.meta.url), 'utf8')) as T[];

export const isEnc = (v: unknown): v is Enc =>
  typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v;

const num = (v: number | boolean | string): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);

/** An Enc as a concrete array. */
export function fromEnc(e: Enc): Array {
  const d = new typedArrayCtor[e.dtype](e.data.length);
  e.data.forEach((v, i) => (d[i] = num(v)));
  return fromTyped(d, e.shape, e.dtype);
}

/** Decodes fixture arguments: encoded arrays become Arrays, lists and objects are decoded element-wise. */
export function decode(v: unknown): unknown {
  if (isEnc(v)) return fromEnc(v);
  if (globalThis.Array.isArray(v)) return v.map(decode);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  return v;
}

/** Asserts dtype, shape and values (floats within atol + rtol |expected|, NaN where NaN). */
export function expectArray(actual: unknown, expected: Enc, opts: { rtol?: number; atol?: number; label?: string; signedZero?: boolean } = {}): void {
  const label = opts.label ?? '';
  expect(actual, label).toBeInstanceOf(Array);
  const a = actual as Array;
  expect(a.dtype, `${label} dtype`).toBe(expected.dtype);
  expect([...a.shape], `${label} shape`).toEqual(expected.shape);
  const got = a.dataSync();
  const want = expected.data.map(num);
  const isF = expected.dtype === 'float32' || expected.dtype === 'float64';
  const rtol = opts.rtol ?? (isF ? 1e-6 : 0), atol = opts.atol ?? 0;
  for (let i = 0; i < want.length; i++) {
    const g = Number(got[i]), w = want[i]!;
    if (!isF) {
      if (g !== w) expect(g, `${label} [${i}] of ${JSON.stringify([...got].slice(0, 40))}`).toBe(w);
      continue;
    }
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) expect(g, `${label} [${i}]`).toBe(w);
      continue;
    }
    if (opts.signedZero && w === 0 && g === 0 && Object.is(w, -0) !== Object.is(g, -0)) expect(Object.is(g, -0), `${label} [${i}] sign of zero`).toBe(Object.is(w, -0));
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w)))
      expect(g, `${label} [${i}] (rtol ${rtol}, atol ${atol}) of ${JSON.stringify([...got].slice(0, 40))}`).toBe(w);
  }
}

/** Compares one Array or a list of Arrays with the expected encoding(s). */
export function expectOut(actual: unknown, out: Enc | Enc[], opts: { rtol?: number; atol?: number; label?: string; signedZero?: boolean } = {}): void {
  if (globalThis.Array.isArray(out)) {
    const as = actual as unknown[];
    expect(as.length, `${opts.label} number of outputs`).toBe(out.length);
    out.forEach((o, i) => expectArray(as[i], o, { ...opts, label: `${opts.label ?? ''} output ${i}` }));
  } else expectArray(actual, out, opts);
}

/** A concrete array of the given dtype from nested lists (test input helper). */
export const arr = (v: number[], shape: number[] = [v.length], dtype: DType = 'float32'): Array =>
  fromTyped(new typedArrayCtor[dtype](v), shape, dtype);
export const vals = (x: unknown): number[] => [...(x as Array).dataSync()].map(Number);
