// Module graph: importing lax or a transform before the package entry works in a fresh process.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

describe('import order', () => {
  it('lax/prims and controlFlow can be imported first', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/support/import-order.ts'], {
      encoding: 'utf8',
      cwd: new URL('..', import.meta.url).pathname,
    });
    const [s, c, t] = JSON.parse(out.trim()) as number[];
    expect(s).toBeCloseTo(Math.sin(0.5), 6);
    expect(c).toBeCloseTo(Math.cos(0.5), 6);
    expect(t).toBe(6);
  });
});
