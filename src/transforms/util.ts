// Small helpers shared by the transforms: converting leaves to arrays, flattening functions over pytrees.
import { scalarDType } from '../core/dtype.js';
import { Array } from '../core/trace.js';
import { flatten, unflatten, type TreeDef } from '../core/tree.js';
import * as lax from '../lax/prims.js';

/** A pytree leaf as an Array: JS numbers and booleans become weak-typed scalars. */
export function toArray(x: unknown, what = 'argument'): Array {
  if (x instanceof Array) return x;
  if (typeof x === 'number' || typeof x === 'boolean') return lax.scalar(x, scalarDType(x), typeof x === 'number');
  throw new TypeError(
    `expected an array or a JS number as a pytree leaf of the ${what}, got ${x === null ? 'null' : typeof x === 'object' ? x.constructor?.name ?? 'object' : typeof x}; convert data with np.array(...)`,
  );
}

/** Wraps `f(...args)` as a function of the flat leaves of its arguments; records the output structure. */
export function flattenFun(
  f: (...args: any[]) => unknown,
  inTree: TreeDef,
  what: string,
): { fn: (...xs: Array[]) => Array[]; outTree: () => TreeDef } {
  let outTree: TreeDef | null = null;
  const fn = (...xs: Array[]): Array[] => {
    const out = f(...(unflatten(inTree, xs) as unknown[]));
    const [leaves, def] = flatten(out);
    outTree = def;
    return leaves.map((l) => toArray(l, `output of ${what}`));
  };
  return {
    fn,
    outTree: () => {
      if (!outTree) throw new Error(`${what}: the function was not traced`);
      return outTree;
    },
  };
}

/** Flattens positional args into array leaves. */
export function flattenArgs(args: readonly unknown[], what: string): [Array[], TreeDef] {
  const [leaves, def] = flatten(args);
  return [leaves.map((l) => toArray(l, what)), def];
}
