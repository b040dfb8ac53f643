// Writes data/fashion-mnist-subset/: a deterministic, class-balanced subset of Fashion-MNIST (the first 1000 train and 200 test images of each class, in file order) as gzipped IDX files, read from the apt package's files.
// Usage: node scripts/make-embedded-fashion.mjs [sourceDir] (default $FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const src = process.argv[2] ?? process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'fashion-mnist-subset');
const PER_CLASS = { train: 1000, t10k: 200 };

/** Parses an IDX file of unsigned bytes (magic 0x00000801 / 0x00000803): its dims and data. */
function readIdxU8(path) {
  const buf = gunzipSync(readFileSync(path));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  if (magic >> 8 !== 0x08) throw new Error(`${path}: not an unsigned-byte IDX file (magic 0x${magic.toString(16)})`);
  const ndim = magic & 0xff;
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: buf.subarray(4 + 4 * ndim) };
}

/** Encodes unsigned bytes as IDX (big-endian header), gzipped with a zero mtime so that the output is byte-for-byte reproducible. */
function writeIdxU8(path, dims, bytes) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x0800 | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  writeFileSync(path, gzipSync(Buffer.concat([head, Buffer.from(bytes)]), { level: 9 }));
}

mkdirSync(out, { recursive: true });
for (const [split, perClass] of Object.entries(PER_CLASS)) {
  const images = readIdxU8(join(src, `${split}-images-idx3-ubyte.gz`));
  const labels = readIdxU8(join(src, `${split}-labels-idx1-ubyte.gz`));
  const [n, rows, cols] = images.dims;
  const px = rows * cols;
  const taken = new Array(10).fill(0);
  const keep = [];
  for (let i = 0; i < n && keep.length < 10 * perClass; i++) {
    const c = labels.data[i];
    if (taken[c] < perClass) { taken[c]++; keep.push(i); }
  }
  if (keep.length !== 10 * perClass) throw new Error(`${split}: only ${keep.length} images found for ${perClass} per class`);
  const img = new Uint8Array(keep.length * px), lab = new Uint8Array(keep.length);
  keep.forEach((i, j) => { img.set(images.data.subarray(i * px, (i + 1) * px), j * px); lab[j] = labels.data[i]; });
  writeIdxU8(join(out, `${split}-images-idx3-ubyte.gz`), [keep.length, rows, cols], img);
  writeIdxU8(join(out, `${split}-labels-idx1-ubyte.gz`), [keep.length], lab);
  console.log(`${split}: ${keep.length} images (${perClass} per class, file order) -> ${out}`);
}
