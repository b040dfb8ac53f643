// Writes sources.generated.ts (kernels/*.wgsl as strings, so the routines bundle under esbuild and run in Node); `--check` fails when stale.
// Run: node --import tsx src/targets/webgpu/routines/generate-sources.ts [--check]
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const kernels = join(here, '../../../../kernels');
const target = join(here, 'sources.generated.ts');

export function generatedText(): string {
  const files = readdirSync(kernels).filter((f) => f.endsWith('.wgsl')).sort();
  const body = files.map((f) => `  ${JSON.stringify(f)}: ${JSON.stringify(readFileSync(join(kernels, f), 'utf8'))},`).join('\n');
  return `// GENERATED from kernels/*.wgsl by src/targets/webgpu/routines/generate-sources.ts: do not edit.\nexport const wgslSources: Readonly<Record<string, string>> = {\n${body}\n};\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generatedText();
  if (process.argv.includes('--check')) {
    const old = readFileSync(target, 'utf8');
    if (old !== text) {
      process.stderr.write('sources.generated.ts is stale: run node --import tsx src/targets/webgpu/routines/generate-sources.ts\n');
      process.exit(1);
    }
  } else writeFileSync(target, text);
}
