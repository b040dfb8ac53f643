// quietWait: awaits a Dawn promise in Node without Dawn's busy poll taking a core from the GPU's own threads.
//
// Dawn's Node bindings (the `webgpu` package) deliver completions (onSubmittedWorkDone, mapAsync, error scopes) by
// calling the global `setImmediate` again and again while any is pending: a busy loop on the main thread. On a CPU
// adapter (lavapipe) the GPU's work runs on worker threads of the same machine, so the loop takes a core from them
// (on two cores W7's step took 348 ms instead of 234). While tensorlaw awaits such a promise, the global
// `setImmediate` therefore hands the first few ticks to the real one (a short wait stays short) and the rest to
// `setTimeout(…, 0)` (about 1 ms apart); `clearImmediate` follows. Both are restored when the last wait settles.
// Other code calling `setImmediate` during the wait is delayed the same way. Turned off by initWebGpu's
// `quietWaits: false` (or TENSORLAW_WEBGPU_QUIET=0); browsers and Deno have no such loop and never take this path.

/** Ticks of a wait handed to the real setImmediate before the rest are spaced by setTimeout. */
export const QUIET_SPINS = 32;

type Immediate = ReturnType<typeof setImmediate>;
let depth = 0;
let saved: { si: typeof setImmediate; ci: typeof clearImmediate } | null = null;
let enabled = false;

/** Whether waits are quieted: set by initWebGpu for a device from the `webgpu` package in Node. */
export function setQuietWaits(on: boolean): void {
  enabled = on && typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function';
}

function install(): void {
  const g = globalThis as { setImmediate: typeof setImmediate; clearImmediate: typeof clearImmediate };
  const si = g.setImmediate, ci = g.clearImmediate;
  saved = { si, ci };
  let ticks = 0;
  // (a reference taken while installed keeps working as the real one once the waits are over)
  const quietSet = (fn: (...a: unknown[]) => void, ...args: unknown[]): Immediate =>
    (depth === 0 || ++ticks <= QUIET_SPINS ? si(fn, ...args) : (setTimeout(fn, 0, ...args) as unknown as Immediate));
  // util.promisify(setImmediate) keeps working (Node's custom promisified form, looked up by its registered symbol)
  const custom = Symbol.for('nodejs.util.promisify.custom');
  g.setImmediate = Object.assign(quietSet, { [custom]: (si as unknown as Record<symbol, unknown>)[custom] }) as unknown as typeof setImmediate;
  g.clearImmediate = ((h: Immediate | undefined) => {
    // a Timeout from quietSet, else a real Immediate
    if (h && typeof h === 'object' && '_onTimeout' in h) clearTimeout(h as unknown as ReturnType<typeof setTimeout>);
    else ci(h);
  }) as typeof clearImmediate;
}

function restore(): void {
  if (!saved) return;
  const g = globalThis as { setImmediate: typeof setImmediate; clearImmediate: typeof clearImmediate };
  g.setImmediate = saved.si;
  g.clearImmediate = saved.ci;
  saved = null;
}

/** `await p` with Dawn's polling spaced out while it is pending (when enabled; else `p` itself). */
export function quietWait<T>(p: Promise<T>): Promise<T> {
  if (!enabled) return p;
  if (depth++ === 0) install();
  const done = (): void => {
    if (--depth === 0) restore();
  };
  return p.then(
    (v) => (done(), v),
    (e: unknown) => {
      done();
      throw e;
    },
  );
}

/** For tests: waits pending and whether the globals are replaced now. */
export const quietState = (): { depth: number; installed: boolean } => ({ depth, installed: saved !== null });
