// A minimal Web Worker (blob-URL, onmessage/postMessage) on top of node:worker_threads, so that libraries that
// start their thread pools with `new Worker(URL.createObjectURL(blob))` (jax-js) get them under Node 20.
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';

/** Runs inside the worker before the library's script: the browser's worker globals. */
const prelude = `
const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (m, transfer) => parentPort.postMessage(m, transfer);
parentPort.on('message', (data) => { const h = globalThis.onmessage; if (h) h({ data }); });
`;

type Handler = ((e: { data: unknown }) => void) | null;

export class WebWorkerShim {
  onmessage: Handler = null;
  onerror: ((e: { message: string }) => void) | null = null;
  #worker: NodeWorker | null = null;
  #pending: unknown[] = [];
  #terminated = false;

  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new TypeError(`WebWorkerShim: only blob: URLs are supported, got ${String(url)}`);
    void blob.text().then((src) => {
      if (this.#terminated) return;
      const w = new NodeWorker(`${prelude}\nrequire('node:vm').runInThisContext(${JSON.stringify(src)});`, { eval: true });
      w.on('message', (data) => this.onmessage?.({ data }));
      w.on('error', (e: Error) => this.onerror?.({ message: e.message }));
      w.unref();
      this.#worker = w;
      for (const m of this.#pending) w.postMessage(m);
      this.#pending = [];
    });
  }

  postMessage(m: unknown): void {
    if (this.#worker) this.#worker.postMessage(m);
    else this.#pending.push(m);
  }

  terminate(): void {
    this.#terminated = true;
    void this.#worker?.terminate();
  }
}

/** Installs the shim as the global Worker (and navigator.hardwareConcurrency), only where none exists. */
export function installWebWorkerShim(threads: number): void {
  const g = globalThis as unknown as { Worker?: unknown; navigator?: { hardwareConcurrency?: number } };
  if (typeof g.Worker === 'undefined') g.Worker = WebWorkerShim;
  if (typeof g.navigator === 'undefined') Object.defineProperty(globalThis, 'navigator', { value: { hardwareConcurrency: threads }, configurable: true, writable: true });
  else Object.defineProperty(g.navigator, 'hardwareConcurrency', { value: threads, configurable: true });
}
