// Dotted paths of pytree leaves (`layers.0.w`), in tree.flatten's order: the tensor names of checkpoints and the filters of quantize/prune.
import { type TreeDef, flatten } from '../core/tree.js';

/** The dotted path of every leaf of a structure, in flatten order (object keys sorted, array indices). */
export function leafPaths(def: TreeDef): string[] {
  const out: string[] = [];
  const go = (d: TreeDef, prefix: string[]): void => {
    switch (d.kind) {
      case 'leaf':
        out.push(prefix.join('.'));
        return;
      case 'none':
        return;
      case 'array':
        d.children.forEach((c, i) => go(c, [...prefix, String(i)]));
        return;
      case 'object':
        d.children.forEach((c, i) => go(c, [...prefix, d.keys[i]!]));
        return;
    }
  };
  go(def, []);
  return out;
}

/**
 * The leaves of a pytree with their dotted paths, in tree.flatten's order.
 * @example
 * train.treePaths({ layers: [{ w, b }] }); // [['layers.0.b', b], ['layers.0.w', w]]
 */
export function treePaths(tree: unknown): [string, unknown][] {
  const [leaves, def] = flatten(tree);
  const paths = leafPaths(def);
  return leaves.map((l, i) => [paths[i]!, l]);
}
