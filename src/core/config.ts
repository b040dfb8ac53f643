// Global switches: debugNans reports the first primitive whose output contains a NaN.
import { isFloat } from './dtype.js';
import { FloatingPointError } from './errors.js';
import type { Prim } from './primitive.js';
import { type Array, setBindHook } from './trace.js';
import { ConcreteArray } from './array.js';

const flags = { debugNans: false };

function nanHook(prim: Prim, outs: Array[]): void {
  for (const o of outs) {
    if (!(o instanceof ConcreteArray) || !isFloat(o.dtype)) continue;
    const d = o.buffer;
    for (let i = 0; i < d.length; i++)
      if (d[i] !== d[i])
        throw new FloatingPointError(
          `debugNans: the primitive '${prim}' produced a NaN (output ${o.aval.toString()}, first at flat index ${i}). ` +
            `Values stay IEEE (NaN, inf) when debugNans is off.`,
        );
  }
}

/**
 * Library configuration.
 * @example
 * config.update('debugNans', true); // throw at the first primitive that produces a NaN
 */
export const config = {
  get debugNans(): boolean {
    return flags.debugNans;
  },
  update(name: 'debugNans', value: boolean): void {
    if (name !== 'debugNans') throw new TypeError(`config.update: unknown option ${JSON.stringify(name)}; valid: debugNans`);
    flags.debugNans = value;
    setBindHook(value ? nanHook : null);
  },
};
