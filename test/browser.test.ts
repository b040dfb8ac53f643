// In a real browser: headless Chromium loads a bundle of the library and trains a small model with jit (skipped without Chromium).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findChromium, runInBrowser } from './browser/run.js';

const here = dirname(fileURLToPath(import.meta.url));
const chromium = findChromium();
const page = join(here, 'browser', 'train-page.ts');
interface Result {
  target: string;
  losses: number[];
  accuracy: number;
  traces: number;
  webgpu: boolean;
  crossOriginIsolated: boolean;
}

describe.skipIf(!chromium || process.env.TENSORLAW_TARGET === 'ref')('headless Chromium', () => {
  it('trains an MLP with jit on the wasm target in the page', { timeout: 300_000 }, async () => {
    const r = (await runInBrowser(page, { target: 'wasm', steps: 150 })) as Result;
    expect(r.target).toBe('wasm');
    expect(r.traces).toBe(1);
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! / 3);
    expect(r.accuracy).toBeGreaterThan(0.9);
    expect(r.webgpu).toBe(true);
    expect(r.crossOriginIsolated).toBe(true);
  });
});
