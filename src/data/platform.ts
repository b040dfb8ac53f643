// Node built-ins reached lazily through process.getBuiltinModule, so src/data and src/train import no node:* module and stay bundle- and browser-safe.
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type * as Zlib from 'node:zlib';

interface BuiltinModules {
  fs: typeof Fs;
  path: typeof Path;
  zlib: typeof Zlib;
}

/**
 * The Node built-in `name`, or a clear error naming `op` where there is none (a browser, or Node older than
 * 20.16, which lacks `process.getBuiltinModule`). No static `import 'node:…'` anywhere in src/data or
 * src/train, so the ESM bundle (esbuild, platform neutral) loads everywhere and only these calls need Node.
 */
export function nodeBuiltin<K extends keyof BuiltinModules>(op: string, name: K): BuiltinModules[K] {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.(`node:${name}`);
  if (!mod)
    throw new Error(
      `${op} needs Node.js >= 20.16 (it reaches node:${name} through process.getBuiltinModule); in a browser, ` +
        `fetch the bytes yourself and use the in-memory functions (data.readIdx, data.parseCsv, train.deserialize)`,
    );
  return mod as BuiltinModules[K];
}
