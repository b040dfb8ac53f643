// train: safetensors against files written by numpy and by the reference implementation (and ours read back in Python), progress output, early stopping, MultiSteps, int8 quantization, pruning, distillation.
//
// Fixtures: test/fixtures/data/{numpy,official}.safetensors and expected.json, written by scripts/gen-data-fixtures.py
// (a stdlib + numpy writer, and the `safetensors` package's save_file); distillation losses computed there with numpy.
// The Python check of our own files runs `python3 scripts/gen-data-fixtures.py --check FILE` when python3 has numpy.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromTyped } from '../src/core/array.js';
import { ShapedArray } from '../src/core/aval.js';
import { Array } from '../src/core/trace.js';
import { flatten, map as treeMap, structure } from '../src/core/tree.js';
import * as lax from '../src/lax/ops.js';
import * as np from '../src/numpy/index.js';
import * as optim from '../src/optim/index.js';
import * as random from '../src/random/index.js';
import * as train from '../src/train/index.js';
import { grad, valueAndGrad } from '../src/transforms/grad.js';
import { jit } from '../src/transforms/jit.js';

const FIX = new URL('./fixtures/data/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIX), 'utf8'));
const vals = (x: Array): number[] => [...x.dataSync()].map(Number);
const f32 = (v: number[], shape = [v.length]): Array => fromTyped(new Float32Array(v), shape, 'float32');
const f64 = (v: number[], shape = [v.length]): Array => fromTyped(new Float64Array(v), shape, 'float64');
const i32 = (v: number[], shape = [v.length]): Array => fromTyped(new Int32Array(v), shape, 'int32');
const fromJson = (v: number | string | boolean | null): number => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));
const loadedDType: Record<string, string> = {
  F32: 'float32', F64: 'float64', I32: 'int32', U32: 'uint32', BOOL: 'bool', F16: 'float16', BF16: 'float32', I64: 'int32', U8: 'int32', I8: 'int32', I16: 'int32', U16: 'int32',
};

function expectSameLeaf(got: unknown, want: unknown, path: string): void {
  if (!(want instanceof Array)) {
    expect(got, path).toBe(want);
    return;
  }
  expect(got, path).toBeInstanceOf(Array);
  const g = got as Array;
  expect([g.dtype, g.shape, g.weakType], path).toEqual([want.dtype, want.shape, want.weakType]);
  // bit-for-bit (NaN payloads, -0)
  const bytes = (x: Array) => { const d = x.dataSync(); return [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)]; };
  expect(bytes(g), path).toEqual(bytes(want));
}

function expectSameTree(got: unknown, want: unknown): void {
  expect(structure(got).equals(structure(want)), `${structure(got)} vs ${structure(want)}`).toBe(true);
  const [gl] = flatten(got);
  const paths = train.treePaths(want);
  paths.forEach(([p, w], i) => expectSameLeaf(gl[i], w, p));
}

/** A params + Adam state tree with every dtype, JS scalars, null, empty containers, a weak scalar and a zero-size leaf. */
function bigTree() {
  const params = {
    layers: [
      { w: f32([0.5, -0, NaN, Infinity, -1e-40, 3], [2, 3]), b: f32([1, 2, 3]) },
      { w: f64([Math.PI, -Math.E], [2, 1]), b: null },
    ],
    embed: fromTyped(new Float32Array(0), [0, 4], 'float32'),
  };
  const opt = optim.adam(1e-3);
  return {
    params,
    opt: opt.init(params),
    step: 12,
    done: false,
    flags: fromTyped(new Uint8Array([1, 0, 1]), [3], 'bool'),
    ids: fromTyped(new Uint32Array([0, 4000000000]), [2], 'uint32'),
    temperature: lax.scalar(0.7, 'float32', true),
    empty: {},
    nothing: [],
  };
}

describe('safetensors: files written elsewhere', () => {
  it('loads the stdlib + numpy file: every dtype, unaligned data, unpadded header', () => {
    const bytes = readFileSync(new URL('numpy.safetensors', FIX));
    const want = expected.numpy_safetensors;
    const flat = train.loadTensors(bytes);
    expect(Object.keys(flat).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const [name, w] of Object.entries(want.tensors as Record<string, { shape: number[]; data: (number | string | boolean | null)[]; dtype: string }>)) {
      const x = flat[name]!;
      expect([x.dtype, x.shape], name).toEqual([loadedDType[w.dtype], w.shape]);
      const wv = w.data.map(fromJson);
      // F32, F16 and BF16 values are exactly float32s (F16 loads as float16, held in float32); doubles compare exactly too
      expect(vals(x), name).toEqual(wv);
    }
    const h = train.readSafetensorsHeader(bytes);
    expect(h.metadata).toEqual(want.metadata);
    expect(h.tensors.half).toEqual({ dtype: 'F16', shape: [6], dataOffsets: h.tensors.half!.dataOffsets });
    // without tensorlaw's tree metadata the structure comes from the dotted names
    const tree = train.deserialize(bytes);
    expect(globalThis.Array.isArray(tree.layers)).toBe(true);
    expect(tree.layers.length).toBe(2);
    expect(tree.layers[0].w.shape).toEqual([3, 4]);
    expect(tree.layers[1].w.dtype).toBe('float64');
    expect(vals(tree.count)).toEqual([7]);
  });

  it('loads the file written by the safetensors package (padded, sorted, I64 and U16 narrowed)', () => {
    const want = expected.official_safetensors;
    const bytes = readFileSync(new URL('official.safetensors', FIX));
    const flat = train.loadTensors(bytes);
    for (const [name, w] of Object.entries(want.tensors as Record<string, { shape: number[]; data: (number | boolean)[]; dtype: string }>)) {
      expect([flat[name]!.dtype, flat[name]!.shape], name).toEqual([loadedDType[w.dtype], w.shape]);
      expect(vals(flat[name]!), name).toEqual(w.data.map(Number));
    }
    expect(train.readSafetensorsHeader(bytes).metadata).toEqual(want.metadata);
    expect(bytes.readBigUint64LE(0) % 8n).toBe(0n); // the reference writer pads the header to 8 bytes
    const like = {
      encoder: [{ weight: new ShapedArray([2, 3], 'float32'), bias: new ShapedArray([2], 'float32') }, { weight: new ShapedArray([3], 'float64') }],
      steps: 0,
      flags: new ShapedArray([2], 'bool'),
      tokens: new ShapedArray([2, 2], 'int32'),
    };
    const t = train.deserialize<any>(bytes, like);
    expect(t.steps).toBe(1234);
    expect(vals(t.encoder[1].weight)).toEqual(want.tensors['encoder.1.weight'].data);
  });
});

describe('safetensors: our files', () => {
  it('round-trips any pytree exactly: structure, dtypes, shapes, weak types, JS scalars, bits', () => {
    const t = bigTree();
    const bytes = train.serialize(t, { metadata: { epoch: '3' } });
    const back = train.deserialize(bytes);
    expectSameTree(back, t);
    expect(back.step).toBe(12);
    expect(back.done).toBe(false);
    expect(back.params.layers[1].b).toBeNull();
    expect(train.readSafetensorsHeader(bytes).metadata!.epoch).toBe('3');
    // a single array, and an empty tree
    const single = f32([1, 2]);
    expectSameTree(train.deserialize(train.serialize(single)), single);
    expect(train.deserialize(train.serialize({}))).toEqual({});
  });

  it('writes a header the format requires: 8-byte length, padded to 8, contiguous aligned offsets, dotted names', () => {
    const bytes = train.serialize(bigTree());
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][];
    expect(entries.map(([k]) => k).sort()).toEqual([
      'done', 'flags', 'ids', 'opt.0.count', 'opt.0.mu.embed', 'opt.0.mu.layers.0.b', 'opt.0.mu.layers.0.w', 'opt.0.mu.layers.1.w',
      'opt.0.nu.embed', 'opt.0.nu.layers.0.b', 'opt.0.nu.layers.0.w', 'opt.0.nu.layers.1.w', 'params.embed', 'params.layers.0.b',
      'params.layers.0.w', 'params.layers.1.w', 'step', 'temperature',
    ]);
    const size: Record<string, number> = { F32: 4, F64: 8, I32: 4, U32: 4, BOOL: 1 };
    const sorted = entries.map(([, e]) => e).sort((a, b) => a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1]);
    let at = 0;
    for (const e of sorted) {
      expect(e.data_offsets[0]).toBe(at);
      expect(e.data_offsets[0] % size[e.dtype]!).toBe(0);
      expect(e.data_offsets[1] - e.data_offsets[0]).toBe(e.shape.reduce((a, b) => a * b, 1) * size[e.dtype]!);
      at = e.data_offsets[1];
    }
    expect(8 + n + at).toBe(bytes.length);
    expect(header['params.layers.0.w']).toMatchObject({ dtype: 'F32', shape: [2, 3] });
    expect(header['opt.0.count']).toMatchObject({ dtype: 'I32', shape: [] });
  });

  const python = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  const hasPython = python.status === 0;
  it.skipIf(!hasPython)(`loads in Python (the stdlib + numpy reader, and the safetensors package when installed)${hasPython ? '' : ' [skipped: python3 with numpy not found]'}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-st-'));
    try {
      const path = join(dir, 'ours.safetensors');
      const t = bigTree();
      train.saveSafetensors(path, t, { metadata: { epoch: '3' } });
      const out = execFileSync('python3', [new URL('../scripts/gen-data-fixtures.py', import.meta.url).pathname, '--check', path], { encoding: 'utf8' });
      const res = JSON.parse(out) as { tensors: Record<string, { dtype: string; shape: number[]; data: (number | string | boolean | null)[] }>; metadata: Record<string, string>; official: boolean };
      expect(res.metadata.epoch).toBe('3');
      for (const [path, leaf] of train.treePaths(t)) {
        const py = res.tensors[path]!;
        expect(py, path).toBeDefined();
        if (leaf instanceof Array) {
          expect([loadedDType[py.dtype], py.shape], path).toEqual([leaf.dtype, leaf.shape]);
          const want = vals(leaf).map((v) => (leaf.dtype === 'bool' ? v !== 0 : v));
          expect(py.data.map((v) => (typeof v === 'boolean' ? v : fromJson(v))), path).toEqual(want);
        } else expect(py.data, path).toEqual([typeof leaf === 'boolean' ? leaf : leaf]);
      }
      if (!res.official) console.log('train.test: the safetensors Python package is not installed; checked with the stdlib + numpy reader only');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('saves atomically: no temp file left, overwrite replaces, a failed write leaves the old file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-st-'));
    try {
      const path = join(dir, 'ckpt.safetensors');
      const a = { w: f32([1, 2, 3]) };
      const n = train.saveSafetensors(path, a);
      expect(n).toBe(readFileSync(path).length);
      expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
      train.saveSafetensors(path, { w: f32([4, 5, 6]) });
      expect(vals(train.loadSafetensors(path).w)).toEqual([4, 5, 6]);
      // the target is a directory: the rename fails, the temp file is removed, nothing else changes
      const blocker = join(dir, 'blocker');
      mkdirSync(blocker);
      writeFileSync(join(blocker, 'x'), 'keep');
      expect(() => train.saveSafetensors(blocker, a)).toThrow(/cannot write .*blocker/);
      expect(readdirSync(dir).sort()).toEqual(['blocker', 'ckpt.safetensors']);
      expect(() => train.saveSafetensors(join(dir, 'no', 'such', 'f.safetensors'), a)).toThrow(/directory .* does not exist/);
      // an unserializable tree fails before anything is written
      expect(() => train.saveSafetensors(path, { w: 'text' })).toThrow(/leaf "w" is string/);
      expect(vals(train.loadSafetensors(path).w)).toEqual([4, 5, 6]);
      expect(readdirSync(dir).sort()).toEqual(['blocker', 'ckpt.safetensors']);
      expect(() => train.loadSafetensors(join(dir, 'missing.safetensors'))).toThrow(/cannot read .*missing\.safetensors/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('validates against a like tree and reports every mismatch', () => {
    const t = { a: f32([1, 2, 3]), b: { c: i32([1, 2], [1, 2]) }, n: 5 };
    const bytes = train.serialize(t);
    expectSameTree(train.deserialize(bytes, { a: np.zeros([3]), b: { c: np.zeros([1, 2], 'int32') }, n: 0 }), t);
    const like = { a: np.zeros([4]), b: { c: np.zeros([1, 2], 'float32') }, d: np.zeros([1]), n: 0 };
    let msg = '';
    try {
      train.deserialize(bytes, like, { source: 'ckpt.safetensors' });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/ckpt\.safetensors does not match the like tree/);
    expect(msg).toMatch(/"a" is float32\[3\] \(file dtype F32\) in the file, expected float32\[4\]/);
    expect(msg).toMatch(/"b\.c" is int32\[1, 2\] \(file dtype I32\) in the file, expected float32\[1, 2\]/);
    expect(msg).toMatch(/"d" is missing from the file/);
    expect(() => train.deserialize(bytes, { a: np.zeros([3]), n: 0 })).toThrow(/the file has tensors the like tree lacks: "b\.c"/);
    const partial = train.deserialize(bytes, { a: np.zeros([3]) }, { strict: false });
    expect(vals(partial.a)).toEqual([1, 2, 3]);
    expect(() => train.deserialize(bytes, { a: np.zeros([3]), b: { c: np.zeros([1, 2], 'int32') }, n: true })).toThrow(/"n" is float64\[\] .* expected a scalar boolean/);
  });

  it('gives clear errors on truncated and corrupt files', () => {
    const bytes = train.serialize({ w: f32([1, 2, 3, 4]), b: f64([5]) });
    const err = (b: Uint8Array): string => {
      try {
        train.deserialize(b);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err(bytes.subarray(0, 5))).toMatch(/5 bytes, fewer than the 8-byte header length \(truncated or empty file\)/);
    expect(err(bytes.subarray(0, 8 + 10))).toMatch(/header length field says \d+ bytes but only 10 follow it \(truncated file\)/);
    expect(err(bytes.subarray(0, bytes.length - 3))).toMatch(/ends at data byte 24 but only 21 bytes of data follow the header \(truncated file\)/);
    expect(err(new Uint8Array([...bytes, 0, 0]))).toMatch(/2 unexpected trailing bytes/);
    const big = bytes.slice();
    new DataView(big.buffer).setBigUint64(0, 1n << 40n, true);
    expect(err(big)).toMatch(/more than the 100 MB limit/);
    const withHeader = (h: object, data = new Uint8Array(0)): Uint8Array => {
      const j = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + j.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(j.length), true);
      out.set(j, 8);
      out.set(data, 8 + j.length);
      return out;
    };
    const garbled = bytes.slice();
    garbled[8] = 0x5b; // '[' instead of '{'
    expect(err(garbled)).toMatch(/not valid UTF-8 JSON|must be an object/);
    expect(err(withHeader({ x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)))).toMatch(/dtype "F8_E4M3"; supported are/);
    expect(err(withHeader({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)))).toMatch(/F32\[2\] \(8 bytes\) but its data_offsets \[0, 4\] span 4 bytes/);
    expect(err(withHeader({ x: { dtype: 'U8', shape: [1], data_offsets: [1, 2] } }, new Uint8Array(2)))).toMatch(/starts at data byte 1 but the previous tensor ends at 0 \(a gap/);
    expect(err(withHeader({ x: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, y: { dtype: 'U8', shape: [2], data_offsets: [1, 3] } }, new Uint8Array(3)))).toMatch(/overlapping/);
    expect(err(withHeader({ x: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 7])))).toMatch(/BOOL but holds the byte 7/);
    expect(err(withHeader({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0])))).toMatch(/I64 and its element 0 \(4294967296\) does not fit int32/);
    expect(err(withHeader({ __metadata__: { a: 1 } }))).toMatch(/__metadata__ must be an object of string values/);
  });

  it('refuses what it cannot save', () => {
    expect(() => train.serialize({ 'a.b': f32([1]), a: { b: f32([2]) } })).toThrow(/two leaves get the tensor name "a\.b"/);
    expect(() => train.serialize({ f: () => 1 })).toThrow(/leaf "f" is function/);
    expect(() => train.serialize({ x: f32([1]) }, { metadata: { 'tensorlaw.tree': 'x' } })).toThrow(/reserved/);
    expect(() => jit((x: Array) => { train.serialize({ x }); return x; })(f32([1]))).toThrow(/leaf "x" is a traced value f32\[1\]; serialize concrete arrays/);
  });
});

describe('progress', () => {
  function fakeStream(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, stream: { isTTY, write: (s: string) => { writes.push(s); return true; } } };
  }

  it('prints plain lines every 25% and a final line when stdout is not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    let t = 0;
    const bar = train.progress(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], { label: 'ep', stream, now: () => t });
    const seen: string[] = [];
    let i = 0;
    for (const x of bar) {
      seen.push(x);
      i++;
      t = i * 500; // each step takes half a second
      bar.set({ loss: 1 / i });
    }
    expect(seen.join('')).toBe('abcdefgh');
    // count 2 at t = 1 s: 2.0 it/s, (8 - 2) / 2 = 3 s left; loss = 1/2 with 4 significant digits
    expect(writes).toEqual([
      'ep  25% 2/8 [00:01<00:03, 2.0it/s, loss=0.5000]\n',
      'ep  50% 4/8 [00:02<00:02, 2.0it/s, loss=0.2500]\n',
      'ep  75% 6/8 [00:03<00:01, 2.0it/s, loss=0.1667]\n',
      'ep 100% 8/8 [00:04<00:00, 2.0it/s, loss=0.1250]\n',
    ]);
  });

  it('draws in place on a terminal, with an eighth-block bar', () => {
    const { writes, stream } = fakeStream(true);
    let t = 0;
    const bar = train.progress(8, { stream, now: () => t, minIntervalMs: 0, barWidth: 8 });
    for (const i of bar) {
      t = (i + 1) * 1000;
      bar.set({ acc: f32([0.75]) });
    }
    expect(writes[0]).toBe('\r  0%|        | 0/8 [00:00<?, ?it/s]\x1b[K');
    expect(writes.every((w) => w === '\n' || (w.startsWith('\r') && w.endsWith('\x1b[K')))).toBe(true);
    expect(writes.at(-1)).toBe('\n');
    expect(writes.at(-2)).toBe('\r100%|████████| 8/8 [00:08<00:00, 1.0it/s, acc=0.7500]\x1b[K');
    // 3/8 of 8 cells = 3 full blocks
    expect(writes).toContain('\r 37%|███     | 3/8 [00:03<00:05, 1.0it/s, acc=0.7500]\x1b[K');
    expect(writes.filter((w) => w === '\n').length).toBe(1);
  });

  it('closes on break, counts without a total, throttles redraws', () => {
    const { writes, stream } = fakeStream(false);
    const bar = train.progress([1, 2, 3, 4, 5, 6, 7, 8], { label: 'x', stream, now: () => 0 });
    for (const v of bar) if (v === 3) break;
    expect(writes).toEqual(['x  25% 2/8 [00:00<?, ?it/s]\n']); // the closing line would repeat it: not printed
    const gen = function* () { yield 1; yield 2; yield 3; };
    const u = fakeStream(false);
    for (const _ of train.progress(gen(), { stream: u.stream, now: () => 2000 })) void _;
    expect(u.writes).toEqual(['3it [00:00, ?it/s]\n']);
    const tty = fakeStream(true);
    let t = 0;
    const b2 = train.progress(100, { stream: tty.stream, now: () => t });
    for (const i of b2) t = i; // 1 ms per step: at most one redraw per 100 ms
    expect(tty.writes.length).toBeLessThan(5);
    expect(train.formatDuration(3725)).toBe('1:02:05');
  });
});

describe('earlyStopping', () => {
  it('min mode with patience and minDelta (hand-traced)', () => {
    const es = train.earlyStopping({ patience: 2, minDelta: 0.1 });
    const trace: [number, boolean, number, boolean][] = [];
    let s = es.init();
    for (const v of [1.0, 0.95, 0.85, 0.8, 0.79, 0.5]) {
      s = es.update(s, v);
      trace.push([s.best, s.improved, s.wait, s.shouldStop]);
    }
    // 1.0 improves on inf; 0.95 is not < 1.0 - 0.1; 0.85 < 0.9 improves; 0.8 and 0.79 are not < 0.75 → stop after 2
    expect(trace).toEqual([
      [1.0, true, 0, false],
      [1.0, false, 1, false],
      [0.85, true, 0, false],
      [0.85, false, 1, false],
      [0.85, false, 2, true],
      [0.5, true, 0, true],
    ]);
    expect(s.bestStep).toBe(5);
  });

  it('max mode, baseline, NaN, patience 0, Array metrics', () => {
    const es = train.earlyStopping({ mode: 'max', patience: 1, baseline: 0.5 });
    let s = es.init();
    s = es.update(s, 0.4); // does not beat the baseline
    expect([s.improved, s.wait, s.shouldStop, s.bestStep]).toEqual([false, 1, true, -1]);
    const e2 = train.earlyStopping({ mode: 'max', patience: 3 });
    let s2 = e2.init();
    for (const v of [0.5, NaN, 0.6]) s2 = e2.update(s2, f32([v]).reshape([]));
    expect([s2.best, s2.bestStep, s2.wait]).toEqual([Math.fround(0.6), 2, 0]);
    const e0 = train.earlyStopping({ patience: 0 });
    expect(e0.update(e0.update(e0.init(), 1), 2).shouldStop).toBe(true);
    expect(e0.update(e0.init(), 1).shouldStop).toBe(false);
    expect(() => train.earlyStopping({ mode: 'up' as 'min' })).toThrow(/mode must be 'min' or 'max'/);
  });
});

describe('multiSteps', () => {
  // a linear least-squares model on 8 examples, split into 4 micro-batches of 2
  const key = random.key(0);
  const x = random.normal(random.foldIn(key, 1), [8, 3], 'float64');
  const y = random.normal(random.foldIn(key, 2), [8], 'float64');
  type P = { w: Array; b: Array };
  const loss = (p: P, xb: Array, yb: Array): Array => np.matmul(xb, p.w).add(p.b).sub(yb).square().mean();
  const p0: P = { w: f64([0.1, -0.2, 0.3]), b: f64([0.05]).reshape([]) };

  it('k micro-batch steps equal one big-batch step (Adam, two cycles), with zero updates in between', () => {
    const inner = optim.adam(0.1);
    const acc = train.multiSteps(inner, 4);
    let pa = p0;
    let sa = acc.init(pa);
    let pb = p0;
    let sb = inner.init(pb);
    for (let cycle = 0; cycle < 2; cycle++) {
      for (let m = 0; m < 4; m++) {
        const xs = x.index(`${2 * m}:${2 * m + 2}`);
        const ys = y.index(`${2 * m}:${2 * m + 2}`);
        const [u, s2] = acc.update(grad(loss)(pa, xs, ys), sa, pa);
        if (m < 3) for (const l of flatten(u)[0] as Array[]) expect(vals(l).every((v) => v === 0)).toBe(true);
        pa = optim.applyUpdates(pa, u);
        sa = s2;
        expect(train.multiStepsHasUpdated(sa).item()).toBe(m === 3);
      }
      const [u, s2] = inner.update(grad(loss)(pb, x, y), sb, pb);
      pb = optim.applyUpdates(pb, u);
      sb = s2;
      vals(pa.w).forEach((v, i) => expect(v).toBeCloseTo(vals(pb.w)[i]!, 12));
      expect(Number(pa.b)).toBeCloseTo(Number(pb.b), 12);
    }
    expect(Number(sa.gradientStep)).toBe(2);
    expect(Number(sa.miniStep)).toBe(0);
  });

  it('runs under jit; useGradMean false sums', () => {
    const acc = train.multiSteps(optim.sgd(1), 2, { useGradMean: false });
    const step = jit((p: P, s: train.MultiStepsState, xb: Array, yb: Array) => {
      const [u, s2] = acc.update(grad(loss)(p, xb, yb), s, p);
      return [optim.applyUpdates(p, u), s2] as const;
    });
    let p = p0;
    let s = acc.init(p);
    const g1 = grad(loss)(p0, x.index('0:4'), y.index('0:4'));
    const g2 = grad(loss)(p0, x.index('4:8'), y.index('4:8'));
    [p, s] = step(p, s, x.index('0:4'), y.index('0:4'));
    expect(vals(p.w)).toEqual(vals(p0.w));
    [p, s] = step(p, s, x.index('4:8'), y.index('4:8'));
    // sgd(1) on the sum: w - (g1 + g2)
    vals(p.w).forEach((v, i) => expect(v).toBeCloseTo(vals(p0.w)[i]! - vals(g1.w)[i]! - vals(g2.w)[i]!, 12));
    expect(step.traceCount).toBe(1);
    expect(() => train.multiSteps(optim.sgd(1), 0)).toThrow(/everyK must be an integer >= 1/);
  });
});

describe('int8 quantization', () => {
  const key = random.key(5);
  const params = {
    dense: { w: random.normal(random.foldIn(key, 0), [16, 8]).mul(3), b: random.normal(random.foldIn(key, 1), [8]) },
    w64: random.normal(random.foldIn(key, 2), [5, 4], 'float64'),
    zeros: np.zeros([3, 2]),
    count: i32([7]),
  };

  it('per tensor: |w − q·scale| ≤ scale/2 with scale = max|w|/127, q in [-127, 127]', () => {
    const qt = train.quantizeInt8(params);
    const q = qt.q as typeof params;
    const scale = qt.scale as { dense: { w: Array; b: Array }; w64: Array };
    const deqTree = train.dequantize<typeof params>(qt);
    const cases = [
      ['dense.w', params.dense.w, q.dense.w, scale.dense.w, deqTree.dense.w],
      ['dense.b', params.dense.b, q.dense.b, scale.dense.b, deqTree.dense.b],
      ['w64', params.w64, q.w64, scale.w64, deqTree.w64],
    ] as const;
    for (const [name, w, leafQ, leafS, leafD] of cases) {
      const wv = vals(w);
      const s = Math.max(...wv.map(Math.abs)) / 127; // computed here, independently
      expect(leafQ.dtype).toBe('int32');
      expect(Number(leafS)).toBeCloseTo(s, name === 'w64' ? 14 : 6);
      const qv = vals(leafQ);
      expect(Math.max(...qv.map(Math.abs))).toBe(127); // the largest magnitude maps to ±127
      const deq = vals(leafD);
      wv.forEach((v, i) => {
        if (!(Math.abs(v - deq[i]!) <= s / 2 + 1e-6 * Math.abs(v))) expect.fail(`${name}[${i}]: ${v} vs ${deq[i]} (scale ${s})`);
      });
    }
    const back = train.dequantize<typeof params>(qt);
    expect(back.w64.dtype).toBe('float64');
    expect(vals(back.zeros)).toEqual([0, 0, 0, 0, 0, 0]); // all-zero tensor: scale 1, exact
    expect(back.count).toBe(params.count); // int leaves pass through untouched
    expect((qt.scale as any).count.dtype).toBe('bool');
  });

  it('per channel: one scale per output column, a tighter bound than per tensor', () => {
    const w = params.dense.w;
    const qt = train.quantizeInt8({ w }, { axis: -1 });
    const s = (qt.scale as { w: Array }).w;
    expect(s.shape).toEqual([1, 8]);
    const rows = w.toJS() as number[][];
    const deq = train.dequantize<{ w: Array }>(qt).w.toJS() as number[][];
    for (let c = 0; c < 8; c++) {
      const sc = Math.max(...rows.map((r) => Math.abs(r[c]!))) / 127;
      expect(vals(s)[c]).toBeCloseTo(sc, 6);
      rows.forEach((r, i) => expect(Math.abs(r[c]! - deq[i]![c]!)).toBeLessThanOrEqual(sc / 2 + 1e-6));
    }
    const errPer = (a: number[][], b: number[][]) => a.flat().reduce((acc, v, i) => acc + (v - b.flat()[i]!) ** 2, 0);
    const deqTensor = train.dequantize<{ w: Array }>(train.quantizeInt8({ w })).w.toJS() as number[][];
    expect(errPer(rows, deq)).toBeLessThanOrEqual(errPer(rows, deqTensor));
    // a filter keeps leaves as they are; jit gives the same values
    const f = train.quantizeInt8(params, { filter: (path) => path !== 'dense.b' });
    expect((f.q as typeof params).dense.b).toBe(params.dense.b);
    const j = jit((p: typeof params) => train.quantizeInt8(p, { axis: 0 }))(params);
    expect(vals((j.q as typeof params).w64)).toEqual(vals((train.quantizeInt8(params, { axis: 0 }).q as typeof params).w64));
  });
});

describe('magnitude pruning', () => {
  const key = random.key(9);
  const params = {
    a: { w: random.normal(random.foldIn(key, 0), [10, 6]), b: random.normal(random.foldIn(key, 1), [6]) },
    c: { w: random.normal(random.foldIn(key, 2), [4, 5]).mul(0.2) },
  };
  const zeros = (x: Array) => vals(x).filter((v) => v === 0).length;

  it('per layer: round(s·n) smallest magnitudes zeroed in each kernel, biases untouched', () => {
    const { params: p, masks } = train.magnitudePrune(params, 0.3);
    expect(zeros(p.a.w)).toBe(18); // round(0.3 · 60)
    expect(zeros(p.c.w)).toBe(6); // round(0.3 · 20)
    expect(vals(p.a.b)).toEqual(vals(params.a.b));
    for (const [orig, pruned] of [[params.a.w, p.a.w], [params.c.w, p.c.w]] as const) {
      const o = vals(orig).map(Math.abs);
      const pr = vals(pruned);
      const cut = Math.max(...o.filter((_, i) => pr[i] === 0));
      const kept = Math.min(...o.filter((_, i) => pr[i] !== 0));
      expect(cut).toBeLessThanOrEqual(kept);
      pr.forEach((v, i) => { if (v !== 0) expect(v).toBe(vals(orig)[i]); });
    }
    const m = masks as { a: { w: Array; b: Array } };
    expect(m.a.w.dtype).toBe('bool');
    expect(vals(m.a.b).every((v) => v === 1)).toBe(true);
    expect(train.sparsity(p, (path) => path.endsWith('.w'))).toBeCloseTo(24 / 80, 12);
  });

  it('global: one threshold across layers; masks re-applied after an update', () => {
    const { params: p, masks } = train.magnitudePrune(params, 0.5, { scope: 'global' });
    expect(zeros(p.a.w) + zeros(p.c.w)).toBe(40); // round(0.5 · 80)
    // the small-magnitude layer c loses more than half, a less than half
    expect(zeros(p.c.w)).toBeGreaterThan(10);
    const all = [...vals(params.a.w), ...vals(params.c.w)].map(Math.abs);
    const pr = [...vals(p.a.w), ...vals(p.c.w)];
    expect(Math.max(...all.filter((_, i) => pr[i] === 0))).toBeLessThanOrEqual(Math.min(...all.filter((_, i) => pr[i] !== 0)));
    const bumped = treeMap((l: Array) => l.add(1), p) as typeof params;
    const re = train.applyMasks(bumped, masks);
    expect(zeros(re.a.w) + zeros(re.c.w)).toBe(40);
    expect(train.magnitudePrune(params, 0).params.a.w.toJS()).toEqual(params.a.w.toJS());
    expect(zeros(train.magnitudePrune(params, 1).params.c.w)).toBe(20);
    const j = jit((q: typeof params) => train.magnitudePrune(q, 0.5, { scope: 'global' }).params)(params);
    expect(vals(j.c.w)).toEqual(vals(p.c.w));
    expect(() => train.magnitudePrune(params, 1.5)).toThrow(/sparsity must be a fraction in \[0, 1\]/);
  });
});

describe('distillationLoss', () => {
  const d = expected.distillation;
  const student = f64(d.student.data, d.student.shape);

  it('matches numpy for T = 1, 2, 4 (mean, sum, per example), and a teacher that rules a class out', () => {
    for (const c of d.cases as { teacher: string; T: number; perExample: number[]; mean: number; sum: number }[]) {
      const tj = c.teacher === 'plain' ? d.teacher : d.teacherMasked;
      const teacher = f64(tj.data.map(fromJson), tj.shape);
      const what = `${c.teacher} T=${c.T}`;
      expect(train.distillationLoss(student, teacher, { temperature: c.T }).item(), what).toBeCloseTo(c.mean, 12);
      expect(train.distillationLoss(student, teacher, { temperature: c.T, reduction: 'sum' }).item(), what).toBeCloseTo(c.sum, 12);
      const per = vals(train.distillationLoss(student, teacher, { temperature: c.T, reduction: 'none' }));
      per.forEach((v, i) => expect(v, what).toBeCloseTo(c.perExample[i]!, 12));
    }
  });

  it('is zero for identical logits, has finite gradients with a -inf teacher logit, jits', () => {
    expect(train.distillationLoss(student, student, { temperature: 3 }).item()).toBeCloseTo(0, 14);
    const teacher = f64(d.teacherMasked.data.map(fromJson), d.teacherMasked.shape);
    const [l, g] = valueAndGrad((s: Array) => train.distillationLoss(s, teacher, { temperature: 2 }))(student);
    expect(Number.isFinite(Number(l))).toBe(true);
    expect(vals(g).every(Number.isFinite)).toBe(true);
    // d/ds of T²·KL(p‖softmax(s/T)) = T · (q − p) / batch: rows of the gradient sum to 0
    const gr = g.toJS() as number[][];
    gr.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12));
    const j = jit((s: Array, t: Array) => train.distillationLoss(s, t, { temperature: 2 }))(student, teacher);
    expect(j.item()).toBeCloseTo(Number(l), 14);
    expect(() => train.distillationLoss(student, student.index('0:2'))).toThrow(/must have the same shape/);
    expect(() => train.distillationLoss(student, student, { temperature: 0 })).toThrow(/temperature must be a finite number > 0/);
  });
});
