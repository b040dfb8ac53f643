// vitest configuration: node environment, generous timeouts for the property-based laws.
import { defineConfig, configDefaults } from 'vitest/config';

// `npm test` runs the suite twice: on the default target, then with TENSORLAW_TARGET=ref. The files below test
// other targets against the reference explicitly (WebGPU, WGSL routines, the wasm jit and AOT export, the
// browser page), so the second pass would only repeat them.
const otherTargetsOnly = ['test/webgpu*.test.ts', 'test/wgsl-*.test.ts', 'test/wasm-jit.test.ts', 'test/aot.test.ts', 'test/browser.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(process.env.TENSORLAW_TARGET === 'ref' ? otherTargetsOnly : [])],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
