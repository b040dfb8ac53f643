// Builds the AssemblyScript kernels (wasm/index.ts) into wasm/build/*.wasm and src/targets/wasm/kernels.generated.ts.
//
// Two variants of one source: `kernels.wasm` (SIMD128) and `kernels-relaxed.wasm` (SIMD128 + relaxed SIMD, whose
// micro-kernels use f32x4/f64x2.relaxed_madd); the runtime picks one at load after probing the engine. Both import
// their memory as env.memory, declared shared with a 4 GiB maximum (the thread pool, src/targets/wasm/threads.ts, runs
// the same module in workers over it), and carry the stub runtime (the kernels only use raw pointers).
// The build is skipped when a content hash of the sources, this script and the compiler version matches the one
// recorded in the generated file, so `npm test` pays nothing when wasm/ is unchanged. Works offline (local asc).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'wasm');
const outDir = join(srcDir, 'build');
const genFile = join(root, 'src', 'targets', 'wasm', 'kernels.generated.ts');
const force = process.argv.includes('--force');
const withText = process.argv.includes('--wat');

/** Every .ts file under wasm/ (not build/), sorted, as [relative path, contents]. */
function sources(dir = srcDir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'build' && name !== 'node_modules') out.push(...sources(p));
    } else if (name.endsWith('.ts') || name === 'tsconfig.json') out.push([relative(root, p), readFileSync(p, 'utf8')]);
  }
  return out;
}

const ascPkg = JSON.parse(readFileSync(join(root, 'node_modules', 'assemblyscript', 'package.json'), 'utf8'));
const h = createHash('sha256');
h.update(`asc ${ascPkg.version}\n`);
h.update(readFileSync(fileURLToPath(import.meta.url)));
for (const [p, text] of sources()) h.update(`\0${p}\0${text}`);
const hash = h.digest('hex').slice(0, 32);

const variants = [
  { name: 'kernels', features: ['simd'] },
  { name: 'kernels-relaxed', features: ['simd', 'relaxed-simd'] },
];

const upToDate = () => {
  if (force || !existsSync(genFile)) return false;
  if (!variants.every((v) => existsSync(join(outDir, `${v.name}.wasm`)))) return false;
  const head = readFileSync(genFile, 'utf8').slice(0, 400);
  return head.includes(`sourceHash = '${hash}'`);
};

/** Writes a file atomically (a temporary file renamed over it), so concurrent builds never leave a torn file. */
function writeAtomic(path, contents) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/** Compiles one variant with the asc API; returns the files it wrote (in memory). */
async function compile(v) {
  const { default: asc } = await import('assemblyscript/asc');
  const files = {};
  const argv = [
    relative(root, join(srcDir, 'index.ts')),
    '--optimizeLevel', '3',
    '--shrinkLevel', '0',
    '--noAssert',
    '--runtime', 'stub',
    '--importMemory',
    '--initialMemory', '1',
    // shared memory (threads: every worker instantiates the module over the one memory); the runtime rewrites the
    // import to unshared where SharedArrayBuffer is unavailable (browsers that are not cross-origin isolated)
    '--sharedMemory',
    '--maximumMemory', '65536',
    '--enable', [...v.features, 'threads'].join(','),
    '--use', 'abort=',
    '--outFile', `${v.name}.wasm`,
    ...(withText ? ['--textFile', `${v.name}.wat`] : []),
  ];
  const stderr = [];
  const { error } = await asc.main(argv, {
    readFile: (name, baseDir) => {
      const p = join(baseDir ?? root, name);
      return existsSync(p) ? readFileSync(p, 'utf8') : null;
    },
    writeFile: (name, contents) => {
      files[name] = contents;
    },
    stdout: { write: (s) => (process.stdout.write(s), true) },
    stderr: { write: (s) => (stderr.push(String(s)), true) },
  });
  if (error) throw new Error(`build-wasm: ${v.name} failed: ${error.message}\n${stderr.join('')}`);
  if (!files[`${v.name}.wasm`]) throw new Error(`build-wasm: asc produced no ${v.name}.wasm`);
  return files;
}

if (!isMainThread) {
  // a worker compiling one variant (the variants build in parallel)
  try {
    parentPort.postMessage({ files: await compile(workerData) });
  } catch (e) {
    parentPort.postMessage({ error: String(e?.message ?? e) });
  }
} else {
  if (upToDate()) {
    console.log(`build-wasm: up to date (${hash.slice(0, 12)})`);
    process.exit(0);
  }
  const t0 = performance.now();
  mkdirSync(outDir, { recursive: true });
  const results = await Promise.all(
    variants.map(
      (v) =>
        new Promise((resolve, reject) => {
          const w = new Worker(fileURLToPath(import.meta.url), { workerData: v });
          w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m.files)));
          w.once('error', reject);
        }),
    ),
  ).catch((e) => {
    console.error(String(e.message ?? e));
    process.exit(1);
  });
  const binaries = {};
  variants.forEach((v, i) => {
    for (const [name, contents] of Object.entries(results[i])) writeAtomic(join(outDir, name), contents);
    binaries[v.name] = results[i][`${v.name}.wasm`];
  });

  const b64 = (bytes) => Buffer.from(bytes).toString('base64');
  writeAtomic(
    genFile,
    [
      '// Generated by scripts/build-wasm.mjs from wasm/*.ts: do not edit (regenerated by `npm run build:wasm`).',
      `export const sourceHash = '${hash}';`,
      '/** The kernels built for SIMD128 (base64 of wasm/build/kernels.wasm). */',
      `export const kernelsBase64 = '${b64(binaries.kernels)}';`,
      '/** The same kernels built with relaxed SIMD (fused multiply-add micro-kernels). */',
      `export const kernelsRelaxedBase64 = '${b64(binaries['kernels-relaxed'])}';`,
      '',
    ].join('\n'),
  );
  console.log(
    `build-wasm: built ${variants.map((v) => `${v.name}.wasm (${binaries[v.name].length} B)`).join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
