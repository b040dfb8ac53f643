// A long jitted training loop holds flat memory: live buffers after GC do not grow with the step count.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

describe('memory', () => {
  it('600 jitted training steps hold a flat number of live buffers', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/support/soak.ts', '600'], {
      encoding: 'utf8',
      cwd: new URL('..', import.meta.url).pathname,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { samples: number[]; first: number; last: number; traces: number };
    expect(r.traces).toBe(1);
    expect(r.last).toBeLessThan(r.first);
    const [a, ...rest] = r.samples;
    for (const s of rest) expect(s).toBeLessThanOrEqual(a! + 20);
  });
});
