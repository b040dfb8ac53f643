// Runs a TS entry in headless Chromium: bundles it with esbuild, serves it (cross-origin isolated), reads the JSON it posts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The Chromium binary, or null when none is installed (`apt-get install chromium`). */
export function findChromium(): string | null {
  for (const bin of [process.env.CHROMIUM_BIN, 'chromium', 'chromium-browser', 'google-chrome']) {
    if (bin && spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0) return bin;
  }
  return null;
}

/**
 * Bundles `entry` (a module exporting `main(params): Promise<unknown>`) for the browser, opens it in headless
 * Chromium with WebGPU enabled (SwiftShader's Vulkan), and resolves to what `main` returned (or rejects with the
 * error the page reported). Chromium's flags are the ones in DEVELOPERS.md.
 */
export async function runInBrowser(entry: string, params: Record<string, unknown> = {}, timeoutMs = 240_000): Promise<unknown> {
  const chromium = findChromium();
  if (!chromium) throw new Error('runInBrowser: no Chromium found (apt-get install chromium, or set CHROMIUM_BIN)');
  const bundled = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    // the run-time AssemblyScript compiler is Node-only in this set-up; pages run the AOT-built kernels
    external: ['assemblyscript', 'assemblyscript/*', 'binaryen', 'webgpu'],
    logLevel: 'silent',
  });
  const js = bundled.outputFiles[0]!.text;
  const html = `<!doctype html><html><body><script type="module">
import { main } from './bundle.js';
const post = (r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) });
try { await post({ ok: true, value: await main(${JSON.stringify(params)}) }); }
catch (e) { await post({ ok: false, error: String(e && e.stack || e) }); }
</script></body></html>`;
  const userDir = mkdtempSync(join(tmpdir(), 'tensorlaw-chromium-'));
  let child: ReturnType<typeof spawn> | undefined;
  try {
    return await new Promise((resolve, reject) => {
      const logs: string[] = [];
      const server = http.createServer((req, res) => {
        if (req.method === 'POST' && req.url === '/result') {
          let body = '';
          req.on('data', (c: Buffer) => (body += c));
          req.on('end', () => {
            res.end('ok');
            server.close();
            const r = JSON.parse(body) as { ok: boolean; value?: unknown; error?: string };
            if (r.ok) resolve(r.value);
            else reject(new Error(`page failed: ${r.error}`));
          });
          return;
        }
        // cross-origin isolation, so SharedArrayBuffer (wasm threads) is available as in a real deployment
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        if (req.url === '/bundle.js') {
          res.setHeader('content-type', 'text/javascript');
          res.end(js);
        } else {
          res.setHeader('content-type', 'text/html');
          res.end(html);
        }
      });
      const timer = setTimeout(() => {
        server.close();
        reject(new Error(`runInBrowser: no result after ${timeoutMs} ms; Chromium said:\n${logs.join('').slice(-3000)}`));
      }, timeoutMs);
      server.on('close', () => clearTimeout(timer));
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        child = spawn(
          chromium,
          [
            '--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan',
            '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
            `--user-data-dir=${userDir}`, `http://127.0.0.1:${port}/`,
          ],
          // its own process group, so the renderer and GPU processes are killed with it
          { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
        );
        child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
      });
    });
  } finally {
    const c = child;
    if (c && c.exitCode === null && c.pid !== undefined) {
      const exited = new Promise((r) => c.once('exit', r));
      try {
        process.kill(-c.pid, 'SIGKILL'); // the whole group: Chromium's helpers would keep writing to the profile
      } catch {
        c.kill('SIGKILL');
      }
      await exited;
    }
    // best effort: a helper process that outlived the group kill must not fail the test
    try {
      rmSync(userDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch {
      setTimeout(() => {
        try {
          rmSync(userDir, { recursive: true, force: true });
        } catch {
          // left in the temp dir; the OS cleans it
        }
      }, 2000).unref();
    }
  }
}
