// AOT export: jit(f).lower(...).compile().exportWasm() gives a standalone .wasm and a JSON manifest; a loader written
// with the plain WebAssembly API (no tensorlaw) runs an exported MLP forward pass (dense, relu, dense, softmax), in this
// process and in a fresh `node` process, and its outputs match tensorlaw's reference target.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jit, lax, nn, np, random, withTarget, type Array } from '../src/index.js';
import { hasSimd128 } from '../src/targets/wasm/runtime.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runIt = hasSimd128() && existsSync(join(root, 'node_modules', 'assemblyscript')) ? it : it.skip;

// ---- the loader: plain code, only the WebAssembly API and the manifest ----------------------------------------------
interface Tensor { name: string; shape: number[]; dtype: string; byteOffset: number; byteLength: number }
interface Manifest { entry: string; memory: { export: string }; inputs: Tensor[]; outputs: Tensor[] }
const LOADER = `
const ctors = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array, bool: Uint8Array };
export async function load(wasmBytes, manifest) {
  const { instance } = await WebAssembly.instantiate(wasmBytes, {});
  const memory = instance.exports[manifest.memory.export];
  return (inputs) => {
    for (const t of manifest.inputs) {
      const C = ctors[t.dtype];
      new C(memory.buffer, t.byteOffset, t.byteLength / C.BYTES_PER_ELEMENT).set(inputs[t.name]);
    }
    instance.exports[manifest.entry]();
    const out = {};
    for (const t of manifest.outputs) {
      const C = ctors[t.dtype];
      out[t.name] = Array.from(new C(memory.buffer, t.byteOffset, t.byteLength / C.BYTES_PER_ELEMENT));
    }
    return out;
  };
}
`;
type Run = (inputs: Record<string, ArrayLike<number>>) => Record<string, number[]>;
const loadPlain = async (wasm: Uint8Array, manifest: Manifest): Promise<Run> => {
  const mod = (await import(`data:text/javascript,${encodeURIComponent(LOADER)}`)) as { load: (w: Uint8Array, m: Manifest) => Promise<Run> };
  return mod.load(wasm, manifest);
};

// ---- the model -------------------------------------------------------------------------------------------------
const D_IN = 48, HIDDEN = 64, CLASSES = 10, BATCH = 9;
/** Trained-looking weights: He-scaled normals with small biases (fixed keys). */
const weights = () => ({
  w1: random.normal(random.key(11), [D_IN, HIDDEN]).mul(Math.sqrt(2 / D_IN)),
  b1: random.normal(random.key(12), [HIDDEN]).mul(0.05),
  w2: random.normal(random.key(13), [HIDDEN, CLASSES]).mul(Math.sqrt(2 / HIDDEN)),
  b2: random.normal(random.key(14), [CLASSES]).mul(0.05),
});
type W = ReturnType<typeof weights>;
const forward = (p: W, x: Array): Array => nn.softmax(nn.relu(x.matmul(p.w1).add(p.b1)).matmul(p.w2).add(p.b2), -1);

/** float32 GEMMs accumulate in float32 lanes here (the reference in float64): 1e-5 on probabilities. */
const TOL = 1e-5;
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(Number(got[i]) - Number(want[i]))).toBeLessThanOrEqual(TOL * (1 + Math.abs(Number(want[i]))));
}

describe('AOT export to a standalone wasm module', () => {
  runIt('an MLP with its weights as constants runs from the plain WebAssembly API', async () => {
    const p = weights();
    const x = random.normal(random.key(1), [BATCH, D_IN]);
    const compiled = jit((x: Array) => forward(p, x)).lower(x).compile();
    await compiled.ready();
    const { wasm, manifest } = await compiled.exportWasm({ inputNames: ['x'], outputNames: ['probs'] });
    expect(manifest.inputs).toEqual([expect.objectContaining({ name: 'x', shape: [BATCH, D_IN], dtype: 'float32', byteLength: BATCH * D_IN * 4 })]);
    expect(manifest.outputs).toEqual([expect.objectContaining({ name: 'probs', shape: [BATCH, CLASSES], dtype: 'float32' })]);
    expect(manifest.steps.filter((s) => s === 'dotGeneral').length).toBe(2);

    const want = withTarget('ref', () => forward(p, x));
    const run = await loadPlain(wasm, manifest as unknown as Manifest);
    const out = run({ x: x.dataSync() });
    expectClose(out.probs!, want.dataSync());
    // rows are distributions (an independent check of the softmax)
    for (let r = 0; r < BATCH; r++) expect(out.probs!.slice(r * CLASSES, (r + 1) * CLASSES).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // the compiled callable gives the same values as the exported module
    expectClose((compiled(x) as Array).dataSync(), want.dataSync());
    // a second batch through the same instance
    const x2 = random.normal(random.key(2), [BATCH, D_IN]);
    expectClose(run({ x: x2.dataSync() }).probs!, withTarget('ref', () => forward(p, x2)).dataSync());
  }, 300_000);

  runIt('weights as inputs; the files run in a fresh node process without tensorlaw', async () => {
    const p = weights();
    const x = random.normal(random.key(3), [BATCH, D_IN]);
    const f = (w: W, x: Array) => [forward(w, x), forward(w, x).gt(0.2)];
    const { wasm, manifest } = await jit(f).lower(p, x).compile().exportWasm();
    // flattened pytree order: b1, b2, w1, w2 (sorted keys), then x
    expect(manifest.inputs.map((t) => t.shape)).toEqual([[HIDDEN], [CLASSES], [D_IN, HIDDEN], [HIDDEN, CLASSES], [BATCH, D_IN]]);
    expect(manifest.outputs.map((t) => t.dtype)).toEqual(['float32', 'bool']);
    const dir = mkdtempSync(join(tmpdir(), 'tl-aot-'));
    try {
      writeFileSync(join(dir, 'model.wasm'), wasm);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
      writeFileSync(join(dir, 'loader.mjs'), LOADER);
      const ins = [p.b1, p.b2, p.w1, p.w2, x].map((a) => [...a.dataSync()]);
      writeFileSync(join(dir, 'inputs.json'), JSON.stringify(Object.fromEntries(manifest.inputs.map((t, i) => [t.name, ins[i]]))));
      writeFileSync(
        join(dir, 'main.mjs'),
        `import { readFileSync } from 'node:fs';
import { load } from './loader.mjs';
const run = await load(readFileSync(new URL('./model.wasm', import.meta.url)), JSON.parse(readFileSync(new URL('./model.json', import.meta.url), 'utf8')));
console.log(JSON.stringify(run(JSON.parse(readFileSync(new URL('./inputs.json', import.meta.url), 'utf8')))));
`,
      );
      const r = spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', cwd: dir });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as Record<string, number[]>;
      const [probs, cls] = withTarget('ref', () => f(p, x)) as [Array, Array];
      expectClose(out.out0!, probs.dataSync());
      expect(out.out1).toEqual([...cls.dataSync()]); // (no probability is within 1e-5 of 0.2 here)
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  runIt('a CNN (convolutions with padding, strides, dilation, groups; max pooling) runs from the plain WebAssembly API', async () => {
    const k1 = random.normal(random.key(21), [3, 3, 2, 8]).mul(0.4); // HWIO
    const b1 = random.normal(random.key(22), [8]).mul(0.1);
    const k2 = random.normal(random.key(23), [3, 3, 4, 6]).mul(0.3); // 2 groups of 4 input channels
    const wd = random.normal(random.key(24), [3 * 2 * 6, 5]).mul(0.2); // 6×6 → 3×2 (stride 2; width dilated to 5)
    const cnn = (x: Array): Array => {
      const h = nn.relu(lax.convGeneralDilated(x, k1, { padding: 'SAME', dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] }).add(b1));
      const p = lax.reduceWindow(h, 'max', [1, 2, 2, 1], [1, 2, 2, 1]); // 12×12 → 6×6
      const g = lax.convGeneralDilated(p, k2, {
        windowStrides: [2, 2], padding: [[1, 0], [1, 0]], rhsDilation: [1, 2], featureGroupCount: 2, dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'],
      });
      return nn.softmax(np.tanh(g).reshape([x.shape[0]!, -1]).matmul(wd), -1);
    };
    const x = random.normal(random.key(25), [3, 12, 12, 2]);
    const want = withTarget('ref', () => cnn(x));
    expect(want.shape).toEqual([3, 5]);
    const { wasm, manifest } = await jit(cnn).lower(x).compile().exportWasm({ inputNames: ['x'], outputNames: ['probs'] });
    expect(manifest.steps.filter((s) => s === 'convGeneralDilated')).toHaveLength(2);
    const run = await loadPlain(wasm, manifest as unknown as Manifest);
    expectClose(run({ x: x.dataSync() }).probs!, want.dataSync());
    // a 1-D convolution in float64 with a stride and dilation of the input window
    const w1 = random.normal(random.key(26), [4, 3, 2], 'float64'); // O I K (lax's own layout)
    const conv1d = (v: Array) => lax.convGeneralDilated(v, w1, { windowStrides: [2], padding: [[2, 1]], rhsDilation: [3] });
    const v = random.normal(random.key(27), [2, 3, 11], 'float64');
    const e1 = await jit(conv1d).lower(v).compile().exportWasm();
    const out1 = (await loadPlain(e1.wasm, e1.manifest as unknown as Manifest))({ in0: v.dataSync() }).out0!;
    const ref1 = withTarget('ref', () => conv1d(v)).dataSync();
    expect(out1.length).toBe(ref1.length);
    out1.forEach((o, i) => expect(Math.abs(o - ref1[i]!)).toBeLessThan(1e-12));
  }, 300_000);

  it('a gradient (transposed) convolution is named in the error', async () => {
    const k = np.ones([2, 2, 1, 1]);
    const f = (x: Array) => lax.convGeneralDilated(x, k, { lhsDilation: [2, 2], padding: 'VALID', dimensionNumbers: ['NHWC', 'HWIO', 'NHWC'] });
    await expect(jit(f).lower(np.ones([1, 3, 3, 1])).compile().exportWasm()).rejects.toThrow(/lhsDilation/);
  });

  it('a primitive that cannot be exported is named in the error', async () => {
    const f = (x: Array) => lax.cumsum(x, 0).mul(2);
    await expect(jit(f).lower(np.ones([4])).compile().exportWasm()).rejects.toThrow(/cumsum cannot be exported/);
  });

  it('float16 is named in the error (no standalone float16 kernels)', async () => {
    const f = (x: Array) => x.mul(2).add(1);
    await expect(jit(f).lower(np.ones([4], 'float16')).compile().exportWasm()).rejects.toThrow(/float16 \(f16\[4\]\) cannot be exported/);
  });
});
