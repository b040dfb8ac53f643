// Smoke tests of the Fashion-MNIST examples: each example's run() on a tiny slice (1 epoch) lowers its loss and writes its curves SVG.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { data } from '../src/index.js';
import { run as runMlp } from '../examples/fashion-mlp.js';
import { run as runCnn } from '../examples/fashion-cnn.js';

const installed = existsSync(data.FASHION_MNIST_DIR);
if (!installed) console.log(`test/examples.test.ts: ${data.FASHION_MNIST_DIR} is absent (apt-get install dataset-fashion-mnist): skipping the example smoke tests`);

const silent = { write: () => undefined, isTTY: false };
const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The history holds one mean loss per epoch, so each example runs two short epochs on a tiny slice: the second
// epoch's mean loss must be below the first's, and the model must beat chance (0.1) on the test slice.
describe.skipIf(!installed)('examples on Fashion-MNIST (tiny slice)', () => {
  const cases = [
    ['fashion-mlp', runMlp, { limit: 512, batchSize: 64 }],
    ['fashion-cnn', runCnn, { limit: 256, batchSize: 32, channels: [4, 8] as const }],
  ] as const;
  for (const [name, run, opts] of cases) {
    it(`${name}: the loss decreases and curves.svg is written`, async () => {
      const outDir = join(dir, name);
      const r = await run({ ...opts, epochs: 2, outDir, stream: silent, log: () => undefined });
      const [e1, e2] = r.history;
      expect(r.history).toHaveLength(2);
      expect(e2!.trainLoss).toBeLessThan(e1!.trainLoss);
      expect(e1!.trainLoss).toBeLessThan(Math.log(10) * 1.2); // starts near chance, ln 10 ≈ 2.30
      expect(r.testAcc).toBeGreaterThan(0.3); // well above chance (0.1) after two passes over a few hundred images
      expect(r.traceCount).toBe(1); // one jit trace: every batch has the same shapes
      expect(r.plot).toBe(join(outDir, 'curves.svg'));
      const svg = readFileSync(r.plot, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('accuracy'); // the second panel's axis title
      expect(svg.match(/<path/g)?.length ?? 0).toBeGreaterThan(4); // two lines per panel, plus axes
    });
  }
});
