// A long jitted training loop holds flat memory: live buffers and wasm memory after GC do not grow with the step count.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

describe('memory', () => {
  it('1000 jitted training steps (MLP + Adam) hold flat live buffers and wasm memory', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/support/soak.ts', '1000'], {
      encoding: 'utf8',
      cwd: new URL('..', import.meta.url).pathname,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { samples: number[]; wasmBytes: number[]; first: number; last: number; traces: number };
    expect(r.traces).toBe(1);
    expect(r.last).toBeLessThan(r.first);
    expect(r.samples).toHaveLength(10);
    // finalizers run some time after a GC, so a sample can catch a few dead arrays; a leak grows every sample
    const later = r.samples.slice(5);
    expect(Math.min(...later)).toBeLessThanOrEqual(r.samples[0]! + 10);
    expect(Math.max(...r.samples)).toBeLessThan(r.samples[0]! * 3 + 20);
    expect(r.wasmBytes[r.wasmBytes.length - 1]).toBe(r.wasmBytes[0]);
  });
});
