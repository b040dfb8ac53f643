// Pytrees: nested JS arrays/objects/null whose leaves are arrays or scalars; flatten, unflatten, map.
import { TreeStructureError } from './errors.js';
import { Array } from './trace.js';

/** The structure of a pytree without its leaves (JAX's PyTreeDef). */
export class TreeDef {
  constructor(
    readonly kind: 'leaf' | 'none' | 'array' | 'object',
    readonly children: readonly TreeDef[] = [],
    readonly keys: readonly string[] = [],
  ) {}
  /** Number of leaves. */
  get numLeaves(): number {
    return this.kind === 'leaf' ? 1 : this.children.reduce((n, c) => n + c.numLeaves, 0);
  }
  equals(o: TreeDef): boolean {
    return (
      this.kind === o.kind &&
      this.children.length === o.children.length &&
      this.keys.length === o.keys.length &&
      this.keys.every((k, i) => k === o.keys[i]) &&
      this.children.every((c, i) => c.equals(o.children[i]!))
    );
  }
  toString(): string {
    switch (this.kind) {
      case 'leaf':
        return '*';
      case 'none':
        return 'null';
      case 'array':
        return `[${this.children.map(String).join(', ')}]`;
      case 'object':
        return `{${this.keys.map((k, i) => `${k}: ${this.children[i]}`).join(', ')}}`;
    }
  }
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !(x instanceof Array) && !ArrayBuffer.isView(x) &&
  (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);

/** Flattens a pytree into its leaves (depth first, object keys sorted) and its structure. */
export function flatten(tree: unknown): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const go = (t: unknown): TreeDef => {
    if (t === null || t === undefined) return new TreeDef('none');
    if (globalThis.Array.isArray(t)) return new TreeDef('array', t.map(go));
    if (isPlainObject(t)) {
      const keys = Object.keys(t).sort();
      return new TreeDef('object', keys.map((k) => go(t[k])), keys);
    }
    leaves.push(t);
    return new TreeDef('leaf');
  };
  const def = go(tree);
  return [leaves, def];
}

/** Rebuilds a pytree of structure `def` from its leaves. */
export function unflatten<T = unknown>(def: TreeDef, leaves: readonly unknown[]): T {
  if (leaves.length !== def.numLeaves)
    throw new TreeStructureError(`tree.unflatten: structure ${def} has ${def.numLeaves} leaves, got ${leaves.length}`);
  let i = 0;
  const go = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        return leaves[i++];
      case 'none':
        return null;
      case 'array':
        return d.children.map(go);
      case 'object': {
        const o: Record<string, unknown> = {};
        d.keys.forEach((k, j) => (o[k] = go(d.children[j]!)));
        return o;
      }
    }
  };
  return go(def) as T;
}

/** The leaves of a pytree, in flatten order. */
export const leaves = (tree: unknown): unknown[] => flatten(tree)[0];
/** The structure of a pytree. */
export const structure = (tree: unknown): TreeDef => flatten(tree)[1];

/** Throws a TreeStructureError naming `what` when two structures differ. */
export function assertSameStructure(what: string, a: TreeDef, b: TreeDef): void {
  if (!a.equals(b)) throw new TreeStructureError(`${what}: pytree structures differ: ${a} vs ${b}`);
}

/**
 * Maps `f` over the leaves of one or more pytrees of the same structure (JAX's tree.map).
 * @example tree.map((p, g) => p.sub(g.mul(0.1)), params, grads)
 */
export function map<R = unknown>(f: (...leaves: any[]) => unknown, tree: unknown, ...rest: unknown[]): R {
  const [ls, def] = flatten(tree);
  const others = rest.map((r, i) => {
    const [l, d] = flatten(r);
    assertSameStructure(`tree.map (tree ${i + 1})`, def, d);
    return l;
  });
  return unflatten<R>(def, ls.map((l, i) => f(l, ...others.map((o) => o[i]))));
}

/** Reduces over the leaves of a pytree. */
export function reduce<A>(f: (acc: A, leaf: any) => A, tree: unknown, init: A): A {
  return leaves(tree).reduce<A>(f, init);
}
