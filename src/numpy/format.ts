// numpy-style repr of concrete arrays (`array([[1., 2.],\n       [3., 4.]], dtype=float32)`), following numpy's arrayprint.py:
// shortest round-trip digits (per dtype), decimal-point alignment, scientific mode, 75-column wrapping, '...' summaries.
import { stridesOf } from '../core/aval.js';
import { ConcreteArray, setFormatter } from '../core/array.js';
import { type DType, roundF16 } from '../core/dtype.js';

/** Options of array printing (precision, threshold, edge items, line width, suppress small). */
export interface PrintOptions {
  /** Maximum fractional digits (numpy's precision). */
  precision: number;
  /** Arrays with more elements than this are summarised with '...'. */
  threshold: number;
  /** Items shown at each end of a summarised axis. */
  edgeitems: number;
  /** Characters per line. */
  linewidth: number;
}

const options: PrintOptions = { precision: 8, threshold: 1000, edgeitems: 3, linewidth: 75 };

/** Changes how arrays print (numpy's set_printoptions); returns the previous options. */
export function setPrintOptions(o: Partial<PrintOptions>): PrintOptions {
  const prev = { ...options };
  Object.assign(options, o);
  return prev;
}
/** The current printing options (see {@link setPrintOptions}). */
export const getPrintOptions = (): PrintOptions => ({ ...options });

// ---------------------------------------------------------------------------------------------
// Float digits.

/** Rounding to a narrow float dtype (float32, float16), or null for float64. */
type Round = ((x: number) => number) | null;

/** Shortest decimal digits that round-trip in the dtype: value = 0.D × 10^(exp+1), i.e. D[0].D[1..] × 10^exp. */
function shortest(v: number, round: Round): { digits: string; exp: number } {
  let s: string;
  if (round) {
    s = v.toExponential(8);
    for (let p = 1; p <= 9; p++) {
      const t = v.toExponential(p - 1);
      if (round(Number(t)) === v) {
        s = t;
        break;
      }
    }
  } else s = v.toExponential();
  const [m, e] = s.split('e') as [string, string];
  const digits = m.replace('.', '').replace(/0+$/, '') || '0';
  return { digits, exp: Number(e) };
}

/** Positional digits with at most `precision` fractional digits: [intPart (with sign), fracPart]. */
function positional(v: number, f32: Round, precision: number): [string, string] {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a === 0) return [neg ? '-0' : '0', ''];
  const { digits, exp } = shortest(a, f32);
  let ip: string, fp: string;
  if (digits.length - 1 - exp > precision) {
    const t = a.toFixed(precision);
    [ip, fp] = t.split('.') as [string, string];
    fp = fp.replace(/0+$/, '');
  } else if (exp >= 0) {
    ip = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    fp = digits.slice(exp + 1);
  } else {
    ip = '0';
    fp = '0'.repeat(-exp - 1) + digits;
  }
  return [(neg ? '-' : '') + ip, fp];
}

/** Scientific digits: [intPart (with sign), fracPart, exponent]. */
function scientific(v: number, f32: Round, precision: number): [string, string, number] {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a === 0) return [neg ? '-0' : '0', '', 0];
  let { digits, exp } = shortest(a, f32);
  if (digits.length - 1 > precision) {
    const [m, e] = a.toExponential(precision).split('e') as [string, string];
    digits = m.replace('.', '').replace(/0+$/, '') || '0';
    exp = Number(e);
  }
  return [(neg ? '-' : '') + digits[0], digits.slice(1), exp];
}

const expStr = (e: number, size: number): string => (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(size, '0');

/** numpy's FloatingFormat (floatmode 'maxprec', sign '-'): returns the per-element formatter. */
function floatFormatter(vals: readonly number[], dtype: DType, precision: number): (v: number) => string {
  const f32: Round = dtype === 'float32' ? Math.fround : dtype === 'float16' ? roundF16 : null;
  const fr = f32 ?? ((x: number) => x);
  const finite = vals.filter(Number.isFinite);
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  let expMode = false;
  if (nonzero.length) {
    const mx = Math.max(...nonzero), mn = Math.min(...nonzero);
    // numpy >= 2.2: the cutoff is 10^min(8, finfo(dtype).precision): 1e3 for float16, 1e6 for float32, 1e8 for float64
    const cutoff = dtype === 'float16' ? 1e3 : dtype === 'float32' ? 1e6 : 1e8;
    expMode = mx >= cutoff || mn < fr(1e-4) || fr(mx / mn) > 1000;
  }
  let padLeft = 0, padRight = 0, expSize = -1, prec = precision;
  if (finite.length === 0) {
    padLeft = 0;
    padRight = 0;
  } else if (expMode) {
    const parts = finite.map((v) => scientific(v, f32, precision));
    prec = Math.max(...parts.map((p) => p[1].length));
    expSize = Math.max(2, ...parts.map((p) => String(Math.abs(p[2])).length));
    padLeft = Math.max(...parts.map((p) => p[0].length));
    padRight = expSize + 2 + prec;
  } else {
    const parts = finite.map((v) => positional(v, f32, precision));
    padLeft = Math.max(...parts.map((p) => p[0].length));
    padRight = Math.max(...parts.map((p) => p[1].length));
  }
  if (finite.length !== vals.length) {
    const negInf = vals.some((v) => v === -Infinity);
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
  }
  return (v: number): string => {
    if (!Number.isFinite(v)) {
      const r = Number.isNaN(v) ? 'nan' : v < 0 ? '-inf' : 'inf';
      return r.padStart(padLeft + padRight + 1);
    }
    if (expMode) {
      // numpy passes min_digits = precision here, so Dragon4 prints further real digits (not zeros)
      const [m, e] = Math.abs(v).toExponential(prec).split('e') as [string, string];
      const [ip, fp = ''] = m.split('.') as [string, string?];
      const sign = v < 0 || Object.is(v, -0) ? '-' : '';
      return `${(sign + ip).padStart(padLeft)}.${fp}e${expStr(Number(e), expSize)}`;
    }
    const [ip, fp] = positional(v, f32, precision);
    return `${ip.padStart(padLeft)}.${fp.padEnd(padRight)}`;
  };
}

function elementFormatter(vals: readonly number[], dtype: DType, scalar: boolean): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? (scalar ? 'True' : ' True') : 'False');
  if (dtype === 'int32' || dtype === 'uint32') {
    const w = Math.max(0, ...vals.map((v) => String(v).length));
    return (v) => String(v).padStart(w);
  }
  return floatFormatter(vals, dtype, options.precision);
}

// ---------------------------------------------------------------------------------------------
// Layout (numpy's _formatArray with legacy=False).

function extendLine(s: string, line: string, word: string, width: number, prefix: string): [string, string] {
  let wrap = line.length + word.length > width;
  if (line.length <= prefix.length) wrap = false;
  if (wrap) {
    s += line.trimEnd() + '\n';
    line = prefix;
  }
  return [s, line + word];
}

/** Formats data of `shape` as nested brackets; `fmt` formats the element at a multi-index. */
export function formatNested(
  shape: readonly number[],
  fmt: (index: number[]) => string,
  lineWidth: number,
  nextLinePrefix: string,
  summarize: boolean,
  separator = ', ',
  edgeItems = options.edgeitems,
): string {
  const summaryInsert = summarize ? '...' : '';
  const rec = (index: number[], hanging: string, width: number): string => {
    const axis = index.length, left = shape.length - axis;
    if (left === 0) return fmt(index);
    const nextHanging = hanging + ' ', nextWidth = width - 1;
    const n = shape[axis]!;
    const show = summaryInsert !== '' && 2 * edgeItems < n;
    const leading = show ? edgeItems : 0, trailing = show ? edgeItems : n;
    let s = '';
    if (left === 1) {
      const elemWidth = width - Math.max(separator.trimEnd().length, 1);
      let line = hanging;
      for (let i = 0; i < leading; i++) {
        [s, line] = extendLine(s, line, rec([...index, i], nextHanging, nextWidth), elemWidth, hanging);
        line += separator;
      }
      if (show) {
        [s, line] = extendLine(s, line, summaryInsert, elemWidth, hanging);
        line += separator;
      }
      for (let i = trailing; i > 1; i--) {
        [s, line] = extendLine(s, line, rec([...index, n - i], nextHanging, nextWidth), elemWidth, hanging);
        line += separator;
      }
      [s, line] = extendLine(s, line, rec([...index, n - 1], nextHanging, nextWidth), elemWidth, hanging);
      s += line;
    } else {
      const lineSep = separator.trimEnd() + '\n'.repeat(left - 1);
      for (let i = 0; i < leading; i++) s += hanging + rec([...index, i], nextHanging, nextWidth) + lineSep;
      if (show) s += hanging + summaryInsert + lineSep;
      for (let i = trailing; i > 1; i--) s += hanging + rec([...index, n - i], nextHanging, nextWidth) + lineSep;
      s += hanging + rec([...index, n - 1], nextHanging, nextWidth);
    }
    return '[' + s.slice(hanging.length) + ']';
  };
  return rec([], nextLinePrefix, lineWidth);
}

/** The flat offsets shown (all, or the edge items of each summarised axis). */
function shownOffsets(shape: readonly number[], summarize: boolean): number[] {
  const st = stridesOf(shape);
  const out: number[] = [];
  const rec = (axis: number, off: number): void => {
    if (axis === shape.length) {
      out.push(off);
      return;
    }
    const n = shape[axis]!, e = options.edgeitems;
    const idx = summarize && 2 * e < n ? [...Array.from({ length: e }, (_, i) => i), ...Array.from({ length: e }, (_, i) => n - e + i)] : Array.from({ length: n }, (_, i) => i);
    for (const i of idx) rec(axis + 1, off + i * st[axis]!);
  };
  rec(0, 0);
  return out;
}

/** numpy's array2string with ', ' separators for a data buffer. */
export function array2string(data: ArrayLike<number>, shape: readonly number[], dtype: DType, prefix = '', suffix = ''): string {
  const size = data.length;
  if (size === 0) return '[]';
  const summarize = size > options.threshold;
  const st = stridesOf(shape);
  const shown = shownOffsets(shape, summarize).map((o) => Number(data[o]!));
  const f = elementFormatter(shown, dtype, shape.length === 0);
  const at = (index: number[]) => Number(data[index.reduce((o, i, k) => o + i * st[k]!, 0)]!);
  return formatNested(shape, (ix) => f(at(ix)), options.linewidth - suffix.length, ' ' + ' '.repeat(prefix.length), summarize);
}

const pyShape = (s: readonly number[]): string => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;

/**
 * `array([...], dtype=float32)`: numpy's repr (numpy 2.2+: `shape=` for empty and summarised arrays),
 * always naming the dtype, plus `weak_type=True` for weakly typed arrays as JAX prints them.
 */
export function formatArray(x: ConcreteArray): string {
  if (x.isDisposed) return `array(<disposed>, dtype=${x.dtype})`;
  const prefix = 'array(';
  const lst = array2string(x.buffer, x.shape, x.dtype, prefix, ')');
  const extras: string[] = [];
  if ((x.size === 0 && !(x.ndim === 1 && x.shape[0] === 0)) || x.size > options.threshold) extras.push(`shape=${pyShape(x.shape)}`);
  extras.push(`dtype=${x.dtype}`);
  if (x.weakType) extras.push('weak_type=True');
  const arrStr = prefix + lst + ',';
  const extraStr = extras.join(', ') + ')';
  const lastLine = arrStr.length - (arrStr.lastIndexOf('\n') + 1);
  const spacer = lastLine + extraStr.length + 1 > options.linewidth ? '\n' + ' '.repeat(prefix.length) : ' ';
  return arrStr + spacer + extraStr;
}

setFormatter(formatArray);

// console.log / util.inspect in Node show the numpy-like text instead of `ConcreteArray {}`.
Object.defineProperty(ConcreteArray.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: ConcreteArray) {
    return this.toString();
  },
  configurable: true,
});
