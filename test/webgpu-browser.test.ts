// The webgpu target in a real browser: a bundle trains a linear model with jit on navigator.gpu in headless Chromium
// (the harness of test/browser/run.ts; skipped with a message when no Chromium is installed).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findChromium, runInBrowser } from './browser/run.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = findChromium();
if (!chromium) process.stderr.write('webgpu-browser test skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_BIN)\n');

// the page: fit y = x·w by gradient descent with a jitted step on the GPU
const entry = `
import { initWebGpu, setTarget, getTarget, np, jit, grad, random, webgpuInfo } from ${JSON.stringify(join(root, 'src/index.ts'))};
export async function main({ steps }) {
  await initWebGpu();
  setTarget('webgpu');
  const x = random.normal(random.key(0), [64, 4]);
  const wTrue = np.array([[1], [-2], [0.5], [3]], 'float32');
  const y = np.matmul(x, wTrue);
  const loss = (w) => np.matmul(x, w).sub(y).square().mean();
  const step = jit((w) => w.sub(grad(loss)(w).mul(0.1)));
  let w = np.zeros([4, 1]);
  for (let i = 0; i < steps; i++) w = step(w);
  let syncError = '';
  try { w.dataSync(); } catch (e) { syncError = String(e.message); }
  return { target: getTarget(), adapter: webgpuInfo().adapter, w: [...(await w.data())], loss: (await jit(loss)(w).data())[0], syncError };
}
`;

describe.skipIf(!chromium || process.env.TENSORLAW_TARGET === 'ref')('webgpu in headless Chromium', () => {
  it('a bundle trains a linear model with jit on navigator.gpu', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-webgpu-page-'));
    try {
      const page = join(dir, 'page.mjs');
      writeFileSync(page, entry);
      const r = (await runInBrowser(page, { steps: 200 })) as { target: string; adapter: string; w: number[]; loss: number; syncError: string };
      expect(r.target).toBe('webgpu');
      r.w.forEach((v, i) => expect(v).toBeCloseTo([1, -2, 0.5, 3][i]!, 3));
      expect(r.loss).toBeLessThan(1e-5);
      expect(r.syncError).toMatch(/await x\.data\(\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
