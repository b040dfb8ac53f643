// CSV text → columns: an RFC 4180 tokenizer (quotes, doubled quotes, embedded delimiters and newlines), numeric columns as arrays; browser-safe.
import { fromTyped } from '../core/array.js';
import { Array } from '../core/trace.js';

/** Options of parseCsv / parseCsvRows. */
export interface CsvOptions {
  /** Field separator (one character, not the quote). Default ','. */
  readonly delimiter?: string;
  /** The quote character. Default '"'. */
  readonly quote?: string;
  /** Whether the first row names the columns. Default true; without, columns are named '0', '1', .... */
  readonly header?: boolean;
  /** Lines starting with this string are skipped (outside quoted fields). Default: none. */
  readonly comment?: string;
  /** Skip lines that are empty (or only whitespace). Default true. */
  readonly skipEmptyLines?: boolean;
  /** The dtype of numeric columns. Default 'float32'. */
  readonly dtype?: 'float32' | 'float64';
  /**
   * Which columns become arrays: 'auto' (default) takes every column whose fields all parse as numbers
   * (or are missing values); an array of names forces those (a non-numeric field is then an error) and
   * keeps the others as strings.
   */
  readonly numeric?: 'auto' | readonly string[];
  /** Fields read as NaN in numeric columns. Default ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL']. */
  readonly naValues?: readonly string[];
}

/** A parsed CSV: the column names, the row count, and each column as a float array or as strings. */
export interface CsvTable {
  readonly columns: readonly string[];
  readonly rows: number;
  readonly data: Readonly<Record<string, Array | readonly string[]>>;
}

const defaultNa = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'];
// Decimal numbers with optional exponent, and inf / nan spelled as numpy and pandas write them.
const numberRe = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

function parseNumber(s: string): number | null {
  const t = s.trim();
  if (!numberRe.test(t)) return null;
  const lower = t.toLowerCase().replace(/^[+]/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower.endsWith('nan')) return NaN;
  return Number(t);
}

function checkChar(op: string, name: string, c: string): string {
  if (typeof c !== 'string' || c.length !== 1 || c === '\n' || c === '\r')
    throw new TypeError(`${op}: ${name} must be a single character other than a newline, got ${JSON.stringify(c)}`);
  return c;
}

/**
 * Splits CSV text into rows of string fields (RFC 4180): fields in quotes may hold the delimiter, newlines
 * and doubled quotes (`""` → `"`); CRLF and LF line ends; a leading byte-order mark is dropped. Errors name
 * the line of an unterminated quote or of text after a closing quote.
 * @example
 * data.parseCsvRows('a,b\n"x, y",2\n'); // [['a', 'b'], ['x, y', '2']]
 */
export function parseCsvRows(text: string, opts: CsvOptions = {}): string[][] {
  const op = 'data.parseCsvRows';
  if (typeof text !== 'string') throw new TypeError(`${op}: expected the CSV text as a string, got ${typeof text}`);
  const delim = checkChar(op, 'delimiter', opts.delimiter ?? ',');
  const quote = checkChar(op, 'quote', opts.quote ?? '"');
  if (delim === quote) throw new TypeError(`${op}: the delimiter and the quote must differ, both are ${JSON.stringify(delim)}`);
  const skipEmpty = opts.skipEmptyLines ?? true;
  const comment = opts.comment;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let line = 1;
  let i = 0;
  const n = s.length;
  let atRowStart = true;
  let rowHasQuote = false;
  const endRow = (): void => {
    row.push(field);
    field = '';
    const empty = row.length === 1 && row[0]!.trim() === '' && !rowHasQuote;
    if (!(skipEmpty && empty)) rows.push(row);
    row = [];
    atRowStart = true;
    rowHasQuote = false;
  };
  while (i < n) {
    if (atRowStart && comment && s.startsWith(comment, i)) {
      while (i < n && s[i] !== '\n') i++;
      i++;
      line++;
      continue;
    }
    atRowStart = false;
    const c = s[i]!;
    if (c === quote && field === '') {
      // a quoted field: read to the closing quote
      const startLine = line;
      rowHasQuote = true;
      i++;
      for (;;) {
        if (i >= n) throw new SyntaxError(`${op}: unterminated quoted field starting on line ${startLine}`);
        const d = s[i]!;
        if (d === quote) {
          if (s[i + 1] === quote) {
            field += quote;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\n') line++;
        field += d;
        i++;
      }
      // after the closing quote: a delimiter, a line end or the end of the text
      const e = s[i];
      if (e !== undefined && e !== delim && e !== '\n' && e !== '\r')
        throw new SyntaxError(`${op}: line ${line}: unexpected ${JSON.stringify(e)} after the closing quote of ${JSON.stringify(field)} (expected ${JSON.stringify(delim)} or a line end)`);
      continue;
    }
    if (c === delim) {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && s[i + 1] === '\n') {
      endRow();
      i += 2;
      line++;
    } else if (c === '\n' || c === '\r') {
      endRow();
      i++;
      line++;
    } else {
      field += c;
      i++;
    }
  }
  if (!atRowStart || field !== '' || row.length > 0) endRow();
  return rows;
}

/**
 * Parses CSV text into named columns: numeric columns become float32 (or `dtype`) arrays with NaN for
 * missing values, the others stay string arrays. Every row must have as many fields as the header.
 * @example
 * const t = data.parseCsv('x,y,label\n1,2.5,cat\n3,,dog\n');
 * t.data.x;     // float32 array [1, 3]
 * t.data.y;     // float32 array [2.5, NaN]
 * t.data.label; // ['cat', 'dog']
 */
export function parseCsv(text: string, opts: CsvOptions = {}): CsvTable {
  const op = 'data.parseCsv';
  const rows = parseCsvRows(text, opts);
  const header = opts.header ?? true;
  let columns: string[];
  let body: string[][];
  if (header) {
    if (rows.length === 0) throw new SyntaxError(`${op}: the text has no header row (pass header: false for headerless CSV)`);
    columns = rows[0]!;
    body = rows.slice(1);
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c)) throw new SyntaxError(`${op}: the header names column ${JSON.stringify(c)} twice; column names must be unique`);
      seen.add(c);
    }
  } else {
    const width = rows[0]?.length ?? 0;
    columns = globalThis.Array.from({ length: width }, (_, j) => String(j));
    body = rows;
  }
  const width = columns.length;
  body.forEach((r, k) => {
    if (r.length !== width)
      throw new SyntaxError(
        `${op}: data row ${k + 1} has ${r.length} field${r.length === 1 ? '' : 's'} but the ${header ? 'header has' : 'first row has'} ${width}: ${JSON.stringify(r)} (quote fields that contain ${JSON.stringify(opts.delimiter ?? ',')})`,
      );
  });
  const na = new Set(opts.naValues ?? defaultNa);
  const dtype = opts.dtype ?? 'float32';
  const forced = opts.numeric === undefined || opts.numeric === 'auto' ? null : new Set(opts.numeric);
  if (forced) for (const f of forced) if (!columns.includes(f)) throw new RangeError(`${op}: numeric names column ${JSON.stringify(f)}, which is not among ${JSON.stringify(columns)}`);
  const data: Record<string, Array | readonly string[]> = {};
  columns.forEach((name, j) => {
    const fields = body.map((r) => r[j]!);
    const nums = new (dtype === 'float64' ? Float64Array : Float32Array)(fields.length);
    let numeric = forced === null || forced.has(name);
    for (let k = 0; k < fields.length && numeric; k++) {
      const f = fields[k]!;
      const v = na.has(f.trim()) ? NaN : parseNumber(f);
      if (v === null) {
        if (forced) throw new SyntaxError(`${op}: column ${JSON.stringify(name)}, data row ${k + 1}: ${JSON.stringify(f)} is not a number`);
        numeric = false;
      } else nums[k] = v;
    }
    data[name] = numeric ? fromTyped(nums, [fields.length], dtype) : fields;
  });
  return { columns, rows: body.length, data };
}

/**
 * Stacks numeric columns of a table into a [rows, columns.length] matrix (all of them, in order, by default).
 * @example
 * const x = data.csvMatrix(table, ['sepal_length', 'sepal_width']); // float32[150, 2]
 */
export function csvMatrix(table: CsvTable, columns?: readonly string[]): Array {
  const op = 'data.csvMatrix';
  const names = columns ?? table.columns.filter((c) => table.data[c] instanceof Array);
  if (names.length === 0) throw new RangeError(`${op}: no numeric columns to stack (the table's columns are ${JSON.stringify(table.columns)})`);
  const cols = names.map((c) => {
    const col = table.data[c];
    if (col === undefined) throw new RangeError(`${op}: no column ${JSON.stringify(c)}; the table has ${JSON.stringify(table.columns)}`);
    if (!(col instanceof Array)) throw new TypeError(`${op}: column ${JSON.stringify(c)} holds strings, not numbers`);
    return col;
  });
  const dtype = cols.some((c) => c.dtype === 'float64') ? 'float64' : 'float32';
  const out = new (dtype === 'float64' ? Float64Array : Float32Array)(table.rows * names.length);
  cols.forEach((c, j) => {
    const v = c.dataSync();
    for (let r = 0; r < table.rows; r++) out[r * names.length + j] = v[r]!;
  });
  return fromTyped(out, [table.rows, names.length], dtype);
}
