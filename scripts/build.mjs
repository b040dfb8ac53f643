// Builds the ESM bundle of the library (dist/index.js, dist/laws/index.js) with esbuild; tsc emits types.
import { build } from 'esbuild';

await build({
  entryPoints: { index: 'src/index.ts', 'laws/index': 'laws/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  external: ['fast-check', 'fp-ts'],
  logLevel: 'info',
});
