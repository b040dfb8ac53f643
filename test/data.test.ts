// data: IDX reader against hand-built bytes, numpy-written fixtures and the real Fashion-MNIST files; CSV edge cases; deterministic batching; augmentation under vmap/jit.
//
// IDX fixtures and their values: test/fixtures/data/*-idx*, expected.json, written by scripts/gen-data-fixtures.py
// (struct + numpy big-endian, gzip from the standard library). Fashion-MNIST checks run when Debian's
// dataset-fashion-mnist package is installed (apt-get install dataset-fashion-mnist) and are skipped otherwise.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import type { Array } from '../src/core/trace.js';
import * as data from '../src/data/index.js';
import * as np from '../src/numpy/index.js';
import * as random from '../src/random/index.js';
import { jit } from '../src/transforms/jit.js';
import { vmap } from '../src/transforms/vmap.js';

const FIX = new URL('./fixtures/data/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIX), 'utf8'));
const vals = (x: Array): number[] => [...x.dataSync()].map(Number);
const i32 = (v: number[], shape = [v.length]): Array => fromTyped(new Int32Array(v), shape, 'int32');
const f32 = (v: number[], shape = [v.length]): Array => fromTyped(new Float32Array(v), shape, 'float32');

/** IDX bytes built by hand: magic 00 00 type ndim, big-endian uint32 dims, big-endian elements. */
function idxBytes(type: number, shape: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const out = new Uint8Array(4 + 4 * shape.length + size * values.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = shape.length;
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  const at = (i: number) => 4 + 4 * shape.length + size * i;
  values.forEach((x, i) => {
    if (type === 0x08) v.setUint8(at(i), x);
    else if (type === 0x09) v.setInt8(at(i), x);
    else if (type === 0x0b) v.setInt16(at(i), x);
    else if (type === 0x0c) v.setInt32(at(i), x);
    else if (type === 0x0d) v.setFloat32(at(i), x);
    else v.setFloat64(at(i), x);
  });
  return out;
}

describe('IDX', () => {
  it('reads hand-built bytes of every element type with the right dtype and shape', () => {
    const u8 = data.readIdx(idxBytes(0x08, [2, 3], [0, 1, 2, 128, 254, 255]));
    expect([u8.dtype, u8.shape]).toEqual(['int32', [2, 3]]);
    expect(u8.toJS()).toEqual([[0, 1, 2], [128, 254, 255]]);
    expect(vals(data.readIdx(idxBytes(0x09, [3], [-128, -1, 127])))).toEqual([-128, -1, 127]);
    expect(vals(data.readIdx(idxBytes(0x0b, [2], [-32768, 513])))).toEqual([-32768, 513]);
    expect(vals(data.readIdx(idxBytes(0x0c, [1, 2], [-(2 ** 31), 16909060])))).toEqual([-(2 ** 31), 16909060]);
    const f = data.readIdx(idxBytes(0x0d, [2], [1.5, -0.1]));
    expect(f.dtype).toBe('float32');
    expect(vals(f)).toEqual([1.5, Math.fround(-0.1)]);
    const d = data.readIdx(idxBytes(0x0e, [2], [Math.PI, -1e300]));
    expect([d.dtype, ...vals(d)]).toEqual(['float64', Math.PI, -1e300]);
    const scalar = data.readIdx(idxBytes(0x0c, [], [42]));
    expect([scalar.shape, scalar.item()]).toEqual([[], 42]);
  });

  it('gunzips input that starts with 1f 8b', () => {
    const raw = idxBytes(0x08, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const gz = gzipSync(raw);
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(data.readIdx(gz).toJS()).toEqual([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(data.isGzip(gz)).toBe(true);
    expect(data.isGzip(raw)).toBe(false);
  });

  it('reads the numpy-written fixture files (gzip and raw, every type)', () => {
    for (const [name, want] of Object.entries(expected.idx as Record<string, { shape: number[]; data: number[] }>)) {
      const x = data.readIdx(readFileSync(new URL(name, FIX)));
      expect(x.shape, name).toEqual(want.shape);
      const got = vals(x);
      // float32 fixtures were rounded by numpy; the float64 expectation holds exactly those values
      want.data.forEach((w, i) => expect(got[i], `${name}[${i}]`).toBe(name.includes('float') && !name.includes('double') ? Math.fround(w) : w));
    }
    expect(data.readIdx(readFileSync(new URL('images-idx3-ubyte.gz', FIX))).dtype).toBe('int32');
    expect(data.readIdx(readFileSync(new URL('double-idx1-double', FIX))).dtype).toBe('float64');
  });

  it('encodeIdx round-trips, and refuses values the type cannot hold', () => {
    const x = i32([0, 7, 255, 3], [2, 2]);
    const bytes = data.encodeIdx(x, { type: 'uint8' });
    // header by hand: 00 00 08 02, then 2 and 2 as big-endian uint32
    expect([...bytes.subarray(0, 12)]).toEqual([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2]);
    expect([...bytes.subarray(12)]).toEqual([0, 7, 255, 3]);
    expect(data.readIdx(bytes).toJS()).toEqual([[0, 7], [255, 3]]);
    for (const [arr, type] of [
      [f32([1.25, -3, 1e-8]), 'float32'],
      [fromTyped(new Float64Array([1e-300, -2.5]), [2], 'float64'), 'float64'],
      [i32([-5, 1 << 20]), 'int32'],
      [i32([-300, 300]), 'int16'],
      [i32([-100, 100]), 'int8'],
    ] as const) {
      const back = data.readIdx(data.encodeIdx(arr, { type }), { dtype: arr.dtype });
      expect(vals(back), type).toEqual(vals(arr));
    }
    expect(() => data.encodeIdx(i32([256]), { type: 'uint8' })).toThrow(/element 0 .* is 256, which uint8 cannot hold/);
    expect(() => data.encodeIdx(f32([0.5]), { type: 'uint8' })).toThrow(/0\.5/);
  });

  it('limit keeps the first examples', () => {
    const x = data.readIdx(idxBytes(0x08, [3, 2], [1, 2, 3, 4, 5, 6]), { limit: 2 });
    expect(x.toJS()).toEqual([[1, 2], [3, 4]]);
    const y = data.readIdx(idxBytes(0x08, [3, 2], [1, 2, 3, 4, 5, 6]), { dtype: 'float32' });
    expect(y.dtype).toBe('float32');
  });

  it('gives clear errors on malformed input', () => {
    expect(() => data.readIdx(new Uint8Array([0, 0]))).toThrow(/too few for an IDX header/);
    expect(() => data.readIdx(new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]))).toThrow(/not an IDX file.*01 02 08 01/);
    expect(() => data.readIdx(new Uint8Array([0, 0, 0x42, 1, 0, 0, 0, 0]))).toThrow(/unknown IDX element type 0x42/);
    expect(() => data.readIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2]))).toThrow(/truncated header: 2 dimensions need 12 bytes/);
    const full = idxBytes(0x0c, [4], [1, 2, 3, 4]);
    expect(() => data.readIdx(full.subarray(0, full.length - 3))).toThrow(/truncated data: int32\[4\] needs 16 bytes.*has 13/);
    expect(() => data.readIdx(new Uint8Array([...full, 9]))).toThrow(/1 unexpected trailing bytes/);
    const gz = gzipSync(full);
    expect(() => data.readIdx(gz.subarray(0, 12))).toThrow(/starts like gzip .* does not decompress/);
  });
});

describe('MNIST-format loaders', () => {
  const dir = data.FASHION_MNIST_DIR;
  const present = existsSync(join(dir, 'train-labels-idx1-ubyte.gz')) || existsSync(join(dir, 'train-labels-idx1-ubyte'));
  const why = present ? '' : ` [skipped: ${dir} is absent; apt-get install dataset-fashion-mnist to run it]`;

  it.skipIf(!present)(`loads the real Fashion-MNIST files${why}`, () => {
    const ds = data.loadFashionMnist(dir, { limit: 300 });
    expect([ds.train.images.shape, ds.train.images.dtype, ds.train.labels.shape]).toEqual([[300, 28, 28], 'float32', [300]]);
    expect([ds.test.images.shape, ds.test.labels.shape]).toEqual([[300, 28, 28], [300]]);
    // independent decode of the first two images: raw bytes after the 16-byte header, divided by 255
    const raw = gunzipSync(readFileSync(join(dir, 'train-images-idx3-ubyte.gz')));
    expect([...raw.subarray(0, 16)]).toEqual([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]); // 60000 = 0xea60
    const img = vals(ds.train.images).slice(0, 2 * 784);
    img.forEach((v, i) => {
      if (v !== Math.fround(raw[16 + i]! / 255)) expect.fail(`pixel ${i}: ${v} vs ${raw[16 + i]! / 255}`);
    });
    const rawLabels = gunzipSync(readFileSync(join(dir, 'train-labels-idx1-ubyte.gz')));
    expect(vals(ds.train.labels)).toEqual([...rawLabels.subarray(8, 8 + 300)]);
    // whole label files: Fashion-MNIST is balanced, 6000 train and 1000 test images per class
    for (const [file, n, per] of [['train-labels-idx1-ubyte.gz', 60000, 6000], ['t10k-labels-idx1-ubyte.gz', 10000, 1000]] as const) {
      const labels = data.readIdxFile(join(dir, file));
      expect(labels.shape).toEqual([n]);
      const counts = new globalThis.Array(10).fill(0);
      for (const l of vals(labels)) counts[l]++;
      expect(counts).toEqual(new globalThis.Array(10).fill(per));
    }
    const rawInts = data.loadFashionMnist(dir, { limit: 1, normalize: false }).train.images;
    expect([rawInts.dtype, vals(rawInts).slice(0, 784)]).toEqual(['int32', [...raw.subarray(16, 16 + 784)]]);
  });

  it('names the apt package when the files are missing', () => {
    expect(() => data.loadFashionMnist('/nonexistent/fashion')).toThrow(/\/nonexistent\/fashion does not exist.*apt-get install dataset-fashion-mnist/);
    const empty = mkdtempSync(join(tmpdir(), 'tl-mnist-'));
    try {
      expect(() => data.loadFashionMnist(empty)).toThrow(/has no train-images-idx3-ubyte\[\.gz\].*dataset-fashion-mnist/);
      // a directory of MNIST-format files built here loads with loadMnist (uncompressed and gzip mixed)
      const imgs = idxBytes(0x08, [2, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4]);
      writeFileSync(join(empty, 'train-images-idx3-ubyte'), imgs);
      writeFileSync(join(empty, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes(0x08, [2], [3, 1])));
      writeFileSync(join(empty, 't10k-images-idx3-ubyte.gz'), gzipSync(imgs));
      writeFileSync(join(empty, 't10k-labels-idx1-ubyte'), idxBytes(0x08, [2], [0, 9]));
      const ds = data.loadMnist(empty);
      expect(vals(ds.train.images).slice(0, 4)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
      expect([vals(ds.train.labels), vals(ds.test.labels)]).toEqual([[3, 1], [0, 9]]);
      writeFileSync(join(empty, 't10k-labels-idx1-ubyte'), idxBytes(0x08, [3], [0, 9, 9]));
      expect(() => data.loadMnist(empty)).toThrow(/test images \[2, 2, 2\] and labels \[3\] do not match/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});

describe('CSV', () => {
  it('parses quoted fields with delimiters, newlines and doubled quotes, CRLF and a BOM', () => {
    const text = '\ufeffname,x,note\r\n"Smith, J",1.5,"said ""hi""\r\nthen left"\r\nplain,-2e3,\r\n';
    const t = data.parseCsv(text);
    expect(t.columns).toEqual(['name', 'x', 'note']);
    expect(t.rows).toBe(2);
    expect(t.data.name).toEqual(['Smith, J', 'plain']);
    expect(t.data.note).toEqual(['said "hi"\r\nthen left', '']);
    const x = t.data.x as Array;
    expect([x.dtype, ...vals(x)]).toEqual(['float32', 1.5, -2000]);
  });

  it('numeric columns: missing values are NaN, mixed columns stay strings, special spellings parse', () => {
    const t = data.parseCsv('a,b,c,d\n1,x,inf,\n2,3,-Infinity,NA\n,4,nan,1e-2\n', { dtype: 'float64' });
    expect(vals(t.data.a as Array)).toEqual([1, 2, NaN]);
    expect(t.data.b).toEqual(['x', '3', '4']);
    expect(vals(t.data.c as Array)).toEqual([Infinity, -Infinity, NaN]);
    expect(vals(t.data.d as Array)).toEqual([NaN, NaN, 0.01]);
    expect((t.data.a as Array).dtype).toBe('float64');
    // strings that JS's Number() would accept but are not decimal numbers
    const u = data.parseCsv('h,o\n0x10, \n1,2\n');
    expect(u.data.h).toEqual(['0x10', '1']);
    expect(vals(u.data.o as Array)).toEqual([NaN, 2]); // a blank field is a missing value
  });

  it('delimiter, headerless, comments, empty lines and quote options', () => {
    const semi = data.parseCsv('a;b\n"1;2";3\n\n4;5', { delimiter: ';' });
    expect(semi.data.a).toEqual(['1;2', '4']);
    expect(vals(semi.data.b as Array)).toEqual([3, 5]);
    const tsv = data.parseCsv('1\t2\n3\t4\n', { delimiter: '\t', header: false });
    expect(tsv.columns).toEqual(['0', '1']);
    expect(vals(data.csvMatrix(tsv))).toEqual([1, 2, 3, 4]);
    expect(data.csvMatrix(tsv).shape).toEqual([2, 2]);
    const com = data.parseCsv('# a comment\nx\n# another\n7\n', { comment: '#' });
    expect(vals(com.data.x as Array)).toEqual([7]);
    expect(data.parseCsvRows("a,'b,c'\n", { quote: "'" })).toEqual([['a', 'b,c']]);
    expect(data.parseCsvRows('a,b\n\n', { skipEmptyLines: false })).toEqual([['a', 'b'], ['']]);
    expect(data.parseCsvRows('"",x\n')).toEqual([['', 'x']]);
    expect(data.parseCsv('a,b\n').rows).toBe(0);
    const forced = data.parseCsv('id,v\n001,2\n', { numeric: ['v'] });
    expect(forced.data.id).toEqual(['001']);
    expect(vals(data.csvMatrix(forced, ['v']))).toEqual([2]);
  });

  it('gives clear errors', () => {
    expect(() => data.parseCsv('a,b\n1,2,3\n')).toThrow(/data row 1 has 3 fields but the header has 2/);
    expect(() => data.parseCsv('a,b\n1,2\n"3,4\n')).toThrow(/unterminated quoted field starting on line 3/);
    expect(() => data.parseCsv('a\n"x"y\n')).toThrow(/line 2: unexpected "y" after the closing quote/);
    expect(() => data.parseCsv('a,a\n1,2\n')).toThrow(/column "a" twice/);
    expect(() => data.parseCsv('a,b\nx,1\n', { numeric: ['a'] })).toThrow(/column "a", data row 1: "x" is not a number/);
    expect(() => data.parseCsv('')).toThrow(/no header row/);
    expect(() => data.parseCsv('a\n1\n', { delimiter: ',,' })).toThrow(/single character/);
    const t = data.parseCsv('a,s\n1,x\n');
    expect(() => data.csvMatrix(t, ['s'])).toThrow(/column "s" holds strings/);
    expect(() => data.csvMatrix(t, ['zz'])).toThrow(/no column "zz"/);
  });

  it('readCsv reads a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-csv-'));
    try {
      const p = join(dir, 't.csv');
      writeFileSync(p, 'x,y\n1,2\n3,4\n');
      expect(vals(data.csvMatrix(data.readCsv(p)))).toEqual([1, 2, 3, 4]);
      writeFileSync(p, 'x,y\n1\n');
      expect(() => data.readCsv(p)).toThrow(/data row 1 has 1 field .*\(file .*t\.csv\)/);
      expect(() => data.readCsv(join(dir, 'missing.csv'))).toThrow(/cannot read .*missing\.csv/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('batching', () => {
  const key = random.key(42);

  it('index batches are the chunks of random.permutation(key, n), deterministic in the key', () => {
    const perm = vals(random.permutation(key, 10));
    const bs = [...data.batches(key, 10, 4)].map(vals);
    expect(bs).toEqual([perm.slice(0, 4), perm.slice(4, 8), perm.slice(8)]);
    expect([...data.batches(key, 10, 4)].map(vals)).toEqual(bs); // same key, same batches
    const other = [...data.batches(random.key(43), 10, 4)].map(vals);
    expect(other).not.toEqual(bs);
    expect(other.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const dropped = data.batches(key, 10, 4, { dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].map(vals)).toEqual([perm.slice(0, 4), perm.slice(4, 8)]);
    expect([...data.batches(null, 5, 2)].map(vals)).toEqual([[0, 1], [2, 3], [4]]);
    expect(data.batches(key, 10, 4).length).toBe(3);
    expect([data.numBatches(0, 3), data.numBatches(9, 3), data.numBatches(10, 3), data.numBatches(10, 3, { dropLast: true })]).toEqual([0, 3, 4, 3]);
  });

  it('pytree batches take the same rows of every leaf', () => {
    const x = np.arange(20).reshape(10, 2);
    const y = np.arange(10).mul(10);
    const idx = [...data.batches(key, 10, 3)].map(vals);
    const bs = [...data.batches(key, { x, y, meta: null }, 3)];
    expect(bs.length).toBe(4);
    bs.forEach((b, k) => {
      expect(b.meta).toBeNull();
      expect(b.x.toJS()).toEqual(idx[k]!.map((i) => [2 * i, 2 * i + 1]));
      expect(vals(b.y)).toEqual(idx[k]!.map((i) => 10 * i));
    });
    expect(() => data.batches(key, { x, y: np.arange(9) }, 3)).toThrow(/same number of examples.*int32\[10, 2\].*int32\[9\]/);
    expect(() => data.batches(key, 10, 0)).toThrow(/batchSize must be an integer >= 1/);
  });

  it('shuffle and trainTestSplit keep examples paired', () => {
    const x = np.arange(10);
    const y = np.arange(10).mul(-1);
    const s = data.shuffle(key, { x, y });
    expect(vals(s.x)).toEqual(vals(random.permutation(key, 10)));
    expect(vals(s.y)).toEqual(vals(s.x).map((v) => -v || 0));
    const [tr, te] = data.trainTestSplit(key, { x, y }, { testSize: 0.25 });
    expect([tr.x.shape[0], te.x.shape[0]]).toEqual([7, 3]); // ceil(0.25 · 10) = 3
    expect([...vals(tr.x), ...vals(te.x)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(vals(tr.y)).toEqual(vals(tr.x).map((v) => -v || 0));
    const [a, b] = data.trainTestSplit(null, { x }, { testSize: 2, shuffle: false });
    expect([vals(a.x), vals(b.x)]).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9]]);
    expect(() => data.trainTestSplit(key, { x }, { testSize: 11 })).toThrow(/testSize must be a fraction/);
  });
});

describe('augmentation', () => {
  const img = np.arange(12, undefined, undefined, 'float32').reshape(3, 4); // [H, W]
  const rows = (x: Array): number[][] => x.toJS() as number[][];
  const at = (x: number[][], r: number, c: number): number => x[r]?.[c] ?? 0;

  it('randomFlip gives the image or its mirror, p controls how often', () => {
    const mirror = rows(img).map((r) => [...r].reverse());
    let flips = 0;
    for (let s = 0; s < 16; s++) {
      const out = rows(data.randomFlip(random.key(s), img));
      if (JSON.stringify(out) === JSON.stringify(mirror)) flips++;
      else expect(out).toEqual(rows(img));
    }
    expect(flips).toBeGreaterThan(2);
    expect(flips).toBeLessThan(14);
    expect(rows(data.randomFlip(random.key(0), img, { p: 1 }))).toEqual(mirror);
    expect(rows(data.randomFlip(random.key(0), img, { p: 0 }))).toEqual(rows(img));
    expect(rows(data.randomFlip(random.key(0), img, { p: 1, axis: 0 }))).toEqual([...rows(img)].reverse());
  });

  it('randomCrop takes a window of the padded image at an offset in range', () => {
    const src = rows(img);
    const seen = new Set<string>();
    for (let s = 0; s < 12; s++) {
      const out = rows(data.randomCrop(random.key(s), img, { size: [2, 3], padding: 1 }));
      expect([out.length, out[0]!.length]).toEqual([2, 3]);
      // search every offset of the zero-padded 5×6 image for this window
      const offsets: string[] = [];
      for (let r0 = 0; r0 <= 3; r0++)
        for (let c0 = 0; c0 <= 3; c0++)
          if (out.every((row, r) => row.every((v, c) => v === at(src, r0 + r - 1, c0 + c - 1)))) offsets.push(`${r0},${c0}`);
      expect(offsets.length, `seed ${s}: ${JSON.stringify(out)}`).toBeGreaterThan(0);
      seen.add(offsets.join('|'));
    }
    expect(seen.size).toBeGreaterThan(3);
    // over 300 keys every one of the 4 × 4 offsets of a 2×3 window in the padded 5×6 image occurs
    const uniq = img.add(1); // values 1..12, distinct from the zero padding
    const u = rows(uniq);
    const outs = vmap((k: Array) => data.randomCrop(k, uniq, { size: [2, 3], padding: 1 }))(random.split(random.key(99), 300)).toJS() as number[][][];
    const offsets = new Set<string>();
    for (const out of outs)
      for (let r0 = 0; r0 <= 3; r0++)
        for (let c0 = 0; c0 <= 3; c0++)
          if (out.every((row, r) => row.every((v, c) => v === at(u, r0 + r - 1, c0 + c - 1)))) offsets.add(`${r0},${c0}`);
    expect(offsets.size).toBe(16);
    expect(rows(data.randomCrop(random.key(1), img))).toEqual(src); // no padding, full size: the image itself
    expect(() => data.randomCrop(random.key(1), img, { size: [4, 4] })).toThrow(/crop size 4 along axis 0 must be an integer in \[1, 3\]/);
  });

  it('works under vmap and jit: per-example keys, same values as eager', () => {
    const batch = np.stack([img, img.add(100), img.add(200), img.add(300)]);
    const keys = random.split(random.key(7), 4);
    const crop = (k: Array, x: Array) => data.randomCrop(k, x, { size: [2, 2], padding: 1 });
    const eager = [0, 1, 2, 3].map((i) => crop(keys.index(i), batch.index(i)));
    const mapped = vmap(crop)(keys, batch);
    const jitted = jit((ks: Array, xs: Array) => vmap(crop)(ks, xs))(keys, batch);
    expect(mapped.shape).toEqual([4, 2, 2]);
    eager.forEach((e, i) => {
      expect(mapped.index(i).toJS()).toEqual(e.toJS());
      expect(jitted.index(i).toJS()).toEqual(e.toJS());
    });
    const flip = (k: Array, x: Array) => data.randomFlip(k, x);
    const f = vmap(flip)(keys, batch);
    [0, 1, 2, 3].forEach((i) => expect(f.index(i).toJS()).toEqual(flip(keys.index(i), batch.index(i)).toJS()));
    const aug = data.augmentBatch(random.key(7), batch, crop);
    expect(aug.toJS()).toEqual(mapped.toJS()); // augmentBatch splits the key the same way
  });

  it('gaussianNoise adds std · normal(key)', () => {
    const x = np.ones([2000], 'float32');
    const k = random.key(3);
    const out = data.gaussianNoise(k, x, { std: 0.5 });
    const n = vals(random.normal(k, [2000]));
    vals(out).forEach((v, i) => {
      if (v !== Math.fround(1 + Math.fround(n[i]! * 0.5))) expect.fail(`element ${i}: ${v}`);
    });
    const o = vals(out);
    const mean = o.reduce((a, b) => a + b, 0) / o.length;
    const sd = Math.sqrt(o.reduce((a, b) => a + (b - mean) ** 2, 0) / o.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.05);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.05);
    expect(() => data.gaussianNoise(k, np.ones([2], 'int32'))).toThrow(/must be a float array/);
    const j = jit((kk: Array, xx: Array) => data.gaussianNoise(kk, xx, { std: 0.5 }))(k, x);
    expect(vals(j)).toEqual(o);
  });
});

describe('browser safety', () => {
  it('src/data and src/train import no node:* module at run time (only `import type`)', () => {
    for (const folder of ['data', 'train']) {
      const dir = new URL(`../src/${folder}/`, import.meta.url);
      for (const f of readdirSync(dir)) {
        const text = readFileSync(new URL(f, dir), 'utf8');
        const runtime = text.split('\n').filter((l) => /^\s*(import|export)\b(?!\s+type\b).*['"]node:/.test(l));
        expect(runtime, `${folder}/${f}`).toEqual([]);
      }
    }
  });
});
