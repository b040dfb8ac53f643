// A progress bar for long loops (tqdm's design): redrawn in place on a terminal, plain lines every N% when output is a file or a pipe.
import { Array } from '../core/trace.js';

/** Where the bar is written: process.stdout by default; anything with write() (and isTTY, columns) works. */
export interface ProgressStream {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of progress. */
export interface ProgressOptions {
  /** The number of steps (default: the iterable's length or size when it has one). */
  readonly total?: number;
  /** Text before the bar, e.g. 'epoch 3'. */
  readonly label?: string;
  /** Output stream. Default process.stdout (console.log lines where there is no process). */
  readonly stream?: ProgressStream;
  /** Draw in place (true) or print plain lines (false). Default: stream.isTTY. */
  readonly tty?: boolean;
  /** Without a terminal, print a line each time another `every` percent is done (and at the end). Default 25. */
  readonly every?: number;
  /** Minimum milliseconds between in-place redraws. Default 100 (the first and last are always drawn). */
  readonly minIntervalMs?: number;
  /** Width of the bar in characters (terminal mode). Default 25. */
  readonly barWidth?: number;
  /** Clock in milliseconds (for tests). Default Date.now. */
  readonly now?: () => number;
}

/** A postfix value: a number (printed with 4 significant digits), a string, or a size-1 concrete Array. */
export type PostfixValue = number | string | Array;

/** An iterable that reports its progress as it is consumed; `set` updates the postfix (loss=…, acc=…). */
export interface Progress<T> extends Iterable<T> {
  /** Merges values into the postfix shown after the counts (e.g. { loss, acc }); redraws in terminal mode. */
  set(postfix: Readonly<Record<string, PostfixValue>>): void;
  /** Advances by n steps by hand (for loops that do not iterate the bar). */
  update(n?: number): void;
  /** Finishes the bar: the final line (and a newline in terminal mode). Called when iteration ends or breaks. */
  close(): void;
  /** Steps done so far. */
  readonly count: number;
  /** The postfix as printed. */
  readonly postfix: Readonly<Record<string, string>>;
}

const fmtValue = (v: PostfixValue): string => {
  if (typeof v === 'string') return v;
  const x = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(4) : x.toExponential(3);
};

/**
 * Seconds as mm:ss, or h:mm:ss from an hour on (the progress bar's elapsed and remaining times).
 * @example
 * train.formatDuration(75);   // '01:15'
 * train.formatDuration(3725); // '1:02:05'
 */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

function defaultStream(): ProgressStream {
  const out = (globalThis as { process?: { stdout?: ProgressStream } }).process?.stdout;
  if (out && typeof out.write === 'function') return out;
  // No process (a browser): buffer to whole lines for console.log.
  let buf = '';
  return {
    isTTY: false,
    write(s: string) {
      buf += s;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        console.log(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    },
  };
}

function sizeOf(it: unknown): number | undefined {
  const o = it as { length?: unknown; size?: unknown };
  if (typeof o?.length === 'number') return o.length;
  if (typeof o?.size === 'number') return o.size;
  return undefined;
}

/**
 * Wraps an iterable (or a count n, iterating 0..n-1) in a progress bar. On a terminal it redraws one line
 * in place: `label  45%|███████▍        | 45/100 [00:03<00:04, 12.3it/s, loss=0.3412, acc=0.9120]`;
 * otherwise (a log file, CI) it prints that line without the bar every `every` percent and when done, so
 * logs stay short. Breaking out of the loop closes the bar.
 * @example
 * const bar = train.progress(data.batches(key, x, 128), { label: `epoch ${epoch}` });
 * for (const batch of bar) {
 *   const [loss, acc] = step(batch);
 *   bar.set({ loss, acc });
 * }
 */
export function progress<T>(iterable: Iterable<T>, opts?: ProgressOptions): Progress<T>;
export function progress(n: number, opts?: ProgressOptions): Progress<number>;
export function progress<T>(source: Iterable<T> | number, opts: ProgressOptions = {}): Progress<T | number> {
  const op = 'train.progress';
  let it: Iterable<T | number>;
  let total: number | undefined;
  if (typeof source === 'number') {
    if (!Number.isInteger(source) || source < 0) throw new RangeError(`${op}: a count must be an integer >= 0, got ${source}`);
    total = source;
    it = { *[Symbol.iterator]() { for (let i = 0; i < source; i++) yield i; } };
  } else {
    if (source === null || typeof (source as Iterable<T>)[Symbol.iterator] !== 'function') throw new TypeError(`${op}: expected an iterable or a count, got ${source === null ? 'null' : typeof source}`);
    it = source;
    total = sizeOf(source);
  }
  if (opts.total !== undefined) {
    if (!Number.isInteger(opts.total) || opts.total < 0) throw new RangeError(`${op}: total must be an integer >= 0, got ${opts.total}`);
    total = opts.total;
  }
  const every = opts.every ?? 25;
  if (!(every > 0 && every <= 100)) throw new RangeError(`${op}: every must be a percentage in (0, 100], got ${every}`);
  const stream = opts.stream ?? defaultStream();
  const tty = opts.tty ?? stream.isTTY === true;
  const now = opts.now ?? Date.now;
  const minInterval = opts.minIntervalMs ?? 100;
  const barWidth = opts.barWidth ?? 25;
  const label = opts.label ?? '';
  const start = now();
  let count = 0;
  let lastDraw = -Infinity;
  let nextPct = every; // the next percentage that prints a plain line
  let closed = false;
  let lastPlain = ''; // the last plain line, not repeated by close()
  const post: Record<string, string> = {};

  const line = (withBar: boolean): string => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const rateS = rate > 0 ? (rate >= 1 ? `${rate.toFixed(rate >= 100 ? 0 : 1)}it/s` : `${(1 / rate).toFixed(1)}s/it`) : '?it/s';
    const postS = Object.entries(post).map(([k, v]) => `${k}=${v}`).join(', ');
    const head = label ? `${label} ` : '';
    if (total === undefined || total === 0) {
      return `${head}${count}it [${formatDuration(elapsed)}, ${rateS}${postS ? `, ${postS}` : ''}]`;
    }
    const frac = Math.min(1, count / total);
    const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
    const eta = rate > 0 ? formatDuration((total - count) / rate) : '?';
    let bar = '';
    if (withBar) {
      // eighths of a block, as tqdm draws it
      const cells = frac * barWidth;
      const full = Math.floor(cells);
      const part = Math.floor((cells - full) * 8);
      bar = '█'.repeat(full) + (full < barWidth ? (part > 0 ? ' ▏▎▍▌▋▊▉'[part]! : ' ') : '') + ' '.repeat(Math.max(0, barWidth - full - 1));
      bar = `|${bar}|`;
    }
    return `${head}${pct}${bar} ${count}/${total} [${formatDuration(elapsed)}<${eta}, ${rateS}${postS ? `, ${postS}` : ''}]`;
  };

  const draw = (force: boolean): void => {
    if (tty) {
      const t = now();
      if (!force && t - lastDraw < minInterval) return;
      lastDraw = t;
      let s = line(true);
      const cols = stream.columns;
      if (cols && s.length > cols - 1) s = s.slice(0, cols - 1);
      stream.write(`\r${s}\x1b[K`);
    } else if (total !== undefined && total > 0) {
      const pct = (100 * count) / total;
      if (pct >= nextPct && count < total) {
        while (nextPct <= pct) nextPct += every;
        lastPlain = line(false);
        stream.write(`${lastPlain}\n`);
      }
    }
  };

  const bar: Progress<T | number> = {
    get count() {
      return count;
    },
    get postfix() {
      return { ...post };
    },
    set(values) {
      for (const [k, v] of Object.entries(values)) post[k] = fmtValue(v);
      if (tty && !closed) draw(false);
    },
    update(n = 1) {
      if (closed) return;
      count += n;
      draw(count === total);
    },
    close() {
      if (closed) return;
      closed = true;
      if (tty) {
        draw(true);
        stream.write('\n');
      } else {
        const s = line(false);
        if (s !== lastPlain) stream.write(`${s}\n`);
      }
    },
    *[Symbol.iterator]() {
      if (tty) draw(true);
      try {
        for (const x of it) {
          yield x;
          count++;
          draw(false);
        }
      } finally {
        bar.close();
      }
    },
  };
  return bar;
}
