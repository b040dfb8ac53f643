// Tests of the character-level text examples: the fortunes loader and encoding (hand-made inputs), and smoke runs of char-lstm and char-transformer at tiny sizes.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { random } from '../src/index.js';
import {
  FORTUNES_DIR, SEPARATOR, UNK, buildVocab, checkFlags, cleanFortune, decode, encode, flagNumber, fortuneFiles, loadCharCorpus, loadFortunes, numWindows,
  parseFlags, parseFortuneFile, randomWindows, sequentialWindows, unigramPerplexity,
} from '../examples/lib/text.js';
import { run as runLstm } from '../examples/char-lstm.js';
import { run as runTransformer } from '../examples/char-transformer.js';

const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('text loader (hand-made corpus)', () => {
  // a fake fortunes directory: two files, an index file, a .u8 link stand-in and an off/ directory to skip
  const fdir = join(dir, 'fortunes');
  mkdirSync(join(fdir, 'off'), { recursive: true });
  writeFileSync(join(fdir, 'b-file'), 'one\n%\ntwo lines\nhere\n%\nthree\n%\n');
  writeFileSync(join(fdir, 'a-file'), 'alpha\n%\n_\bu_\bn_\bd_\be_\br\tline  \n%\n%\nbeta\n');
  writeFileSync(join(fdir, 'a-file.dat'), 'binary index');
  writeFileSync(join(fdir, 'a-file.u8'), 'not me\n%\n');
  writeFileSync(join(fdir, 'off', 'rude'), 'rude\n%\n');

  it('lists plain fortune files in name order, without *.dat, *.u8 and off/', () => {
    expect(fortuneFiles(fdir, [])).toEqual(['a-file', 'b-file']);
    expect(fortuneFiles(fdir, ['a-file'])).toEqual(['b-file']);
  });

  it('names the apt packages when the corpus is missing', () => {
    expect(() => fortuneFiles(join(dir, 'nope'))).toThrow(/apt-get install fortunes fortunes-min/);
  });

  it('splits files on % lines and cleans overstriking, tabs and trailing spaces', () => {
    expect(parseFortuneFile('one\n%\ntwo lines\nhere\n%\nthree\n%\n')).toEqual(['one', 'two lines\nhere', 'three']);
    expect(parseFortuneFile('%\nx\n%\n%\ny')).toEqual(['x', 'y']);
    expect(cleanFortune('_\bu_\bn_\bd_\be_\br\tline  \n')).toBe('under line');
    expect(cleanFortune('b\bbo\bol\bld')).toBe('bold');
  });

  it('splits by fortune deterministically for a key, disjoint, ⌈10%⌉ held out', () => {
    const a = loadFortunes({ dir: fdir, files: ['a-file', 'b-file'], key: random.key(3) });
    const b = loadFortunes({ dir: fdir, files: ['a-file', 'b-file'], key: random.key(3) });
    expect(a).toEqual(b);
    const all = ['alpha', 'under line', 'beta', 'one', 'two lines\nhere', 'three'];
    expect(a.validation).toHaveLength(1); // ⌈0.1 · 6⌉
    expect([...a.train, ...a.validation].sort()).toEqual([...all].sort());
    const half = loadFortunes({ dir: fdir, files: ['a-file', 'b-file'], key: random.key(3), validationFraction: 0.5 });
    expect(half.validation).toHaveLength(3);
    expect(half.train.filter((f) => half.validation.includes(f))).toEqual([]);
  });

  it('encodes and decodes round trip; unknown characters map to UNK (id 0)', () => {
    const v = buildVocab('ba\nc é');
    expect(v.chars).toEqual([UNK, '\n', ' ', 'a', 'b', 'c', 'é']);
    const ids = encode(v, 'abc é\na');
    expect(Array.from(ids)).toEqual([3, 4, 5, 2, 6, 1, 3]);
    expect(decode(v, ids)).toBe('abc é\na');
    expect(Array.from(encode(v, 'az'))).toEqual([3, 0]);
    expect(decode(v, [0])).toBe('\uFFFD');
    expect(() => decode(v, [7])).toThrow(/outside the vocabulary of 7/);
  });

  it('builds the vocabulary from the training side; streams join fortunes with the % separator', () => {
    const c = loadCharCorpus({ dir: fdir, files: ['a-file', 'b-file'], key: random.key(3), validationFraction: 0.5 });
    const split = loadFortunes({ dir: fdir, files: ['a-file', 'b-file'], key: random.key(3), validationFraction: 0.5 });
    expect(decode(c.vocab, c.train)).toBe(split.train.join(SEPARATOR) + SEPARATOR);
    const trainChars = new Set(split.train.join(SEPARATOR));
    const unknown = [...(split.validation.join(SEPARATOR) + SEPARATOR)].filter((ch) => !trainChars.has(ch)).length;
    expect(c.validationUnknown).toBe(unknown);
    expect(c.vocab.size).toBe(trainChars.size + 1);
  });

  it('draws random windows whose targets are the inputs shifted by one, from the stream', () => {
    const stream = Int32Array.from({ length: 50 }, (_, i) => i);
    const { x, y } = randomWindows(random.key(1), stream, 6, 8);
    expect(x.shape).toEqual([6, 8]);
    const xs = x.toJS() as number[][], ys = y.toJS() as number[][];
    xs.forEach((row, b) => {
      // the stream is 0..49, so a window from s is s..s+7 and its targets s+1..s+8
      expect(row).toEqual(Array.from({ length: 8 }, (_, i) => row[0]! + i));
      expect(ys[b]).toEqual(row.map((t) => t + 1));
      expect(row[0]! + 8).toBeLessThanOrEqual(49);
    });
    // the same key gives the same windows, another key others
    expect(randomWindows(random.key(1), stream, 6, 8).x.toJS()).toEqual(xs);
    expect(randomWindows(random.key(2), stream, 6, 8).x.toJS()).not.toEqual(xs);
  });

  it('covers a stream with consecutive windows', () => {
    const stream = Int32Array.from({ length: 23 }, (_, i) => i);
    expect(numWindows(stream, 5)).toBe(4); // (23 - 1) / 5
    const bs = [...sequentialWindows(stream, 3, 5)];
    expect(bs.map((b) => b.x.shape[0])).toEqual([3, 1]);
    const xs = bs.flatMap((b) => (b.x.toJS() as number[][]).flat()), ys = bs.flatMap((b) => (b.y.toJS() as number[][]).flat());
    expect(xs).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(ys).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('computes the unigram perplexity with add-one smoothing', () => {
    const v = buildVocab('ab'); // [UNK, a, b]
    // counts + 1: UNK 1, a 3, b 2 (total 6); p(a) = 1/2, p(b) = 1/3: perplexity exp(-(ln ½ + ln ⅓)/2) = √6
    expect(unigramPerplexity(v, encode(v, 'aab'), encode(v, 'ab'))).toBeCloseTo(Math.sqrt(6), 12);
  });

  it('parses --flags and rejects unknown or malformed ones', () => {
    const f = parseFlags(['--steps', '20', '--lr=0.01']);
    expect(flagNumber(f, 'steps', 5, { integer: true, min: 1 })).toBe(20);
    expect(flagNumber(f, 'lr', 1)).toBe(0.01);
    expect(flagNumber(f, 'batch', 7)).toBe(7);
    expect(() => checkFlags(f, ['steps'])).toThrow(/unknown flag --lr/);
    expect(() => parseFlags(['--steps'])).toThrow(/needs a value/);
    expect(() => flagNumber(parseFlags(['--steps', '2.5']), 'steps', 1, { integer: true })).toThrow(/--steps must be an integer/);
  });
});

const installed = existsSync(FORTUNES_DIR);
if (!installed) console.log(`test/examples-text.test.ts: ${FORTUNES_DIR} is absent (apt-get install fortunes fortunes-min): skipping the char-model smoke tests`);

const silent = { write: () => undefined, isTTY: false };

// Tiny runs on the first 300 fortunes: two evaluation points; the mean training loss of the second half is below
// the first's, the validation loss falls, and the perplexity is finite and far below the vocabulary size (uniform).
describe.skipIf(!installed)('char models on the fortunes (tiny)', () => {
  const common = { corpus: { limit: 300 }, batch: 8, evalWindows: 16, sampleLength: 12, temperatures: [0.8], stream: silent, log: () => undefined };
  const cases = [
    ['char-lstm', () => runLstm({ ...common, steps: 40, evalEvery: 20, seqLen: 16, hidden: 24, embed: 8, lr: 1e-2, outDir: join(dir, 'lstm') })],
    ['char-transformer', () => runTransformer({ ...common, steps: 40, evalEvery: 20, context: 16, width: 16, layers: 1, heads: 2, lr: 1e-2, outDir: join(dir, 'tf') })],
  ] as const;
  for (const [name, go] of cases) {
    it(`${name}: the loss decreases, the perplexity is finite, samples and curves are written`, async () => {
      const r = await go();
      expect(r.history).toHaveLength(2);
      const [h1, h2] = r.history;
      expect(h2!.trainLoss).toBeLessThan(h1!.trainLoss);
      expect(h2!.valLoss).toBeLessThan(h1!.valLoss);
      expect(Number.isFinite(r.valPerplexity)).toBe(true);
      expect(r.valPerplexity).toBeCloseTo(Math.exp(h2!.valLoss), 6);
      expect(r.valPerplexity).toBeLessThan(r.config.vocab / 2); // a uniform guess has perplexity = vocabulary size
      expect(r.traceCount).toBe(1);
      expect(r.samples).toHaveLength(1);
      expect([...r.samples[0]!.text]).toHaveLength(12);
      expect(readFileSync(r.samplesPath, 'utf8')).toContain('temperature 0.8');
      expect(readFileSync(r.plot, 'utf8').startsWith('<svg')).toBe(true);
    }, 120_000);
  }
});
