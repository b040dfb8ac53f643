// Node-only checkpoint files: atomic safetensors writes (temp file in the same directory, fsync, rename) and validated loads.
import { nodeBuiltin } from '../data/platform.js';
import { type DeserializeOptions, type SafetensorsHeader, type SerializeOptions, deserialize, readSafetensorsHeader, serialize } from './safetensors.js';

/**
 * Writes a pytree to `path` as safetensors, atomically: the bytes go to a temporary file in the same
 * directory, are flushed to disk, and the file is renamed over `path`, so a crash leaves either the old
 * checkpoint or the new one, never half a file. Returns the number of bytes written.
 * @example
 * train.saveSafetensors('ckpt/model.safetensors', { params, opt: optState }, { metadata: { epoch: '3' } });
 */
export function saveSafetensors(path: string, tree: unknown, opts: SerializeOptions = {}): number {
  const op = 'train.saveSafetensors';
  const fs = nodeBuiltin(op, 'fs');
  const p = nodeBuiltin(op, 'path');
  const bytes = serialize(tree, opts);
  const dir = p.dirname(p.resolve(path));
  if (!fs.existsSync(dir)) throw new Error(`${op}: the directory ${dir} does not exist (create it first)`);
  const tmp = p.join(dir, `.${p.basename(path)}.${globalThis.process?.pid ?? 0}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      // the temp file was not created or is already gone
    }
    throw new Error(`${op}: cannot write ${path}: ${(e as Error).message}`);
  }
  return bytes.length;
}

/**
 * Reads a safetensors file back into a pytree (see `deserialize`): with `like`, every tensor is checked
 * against the like tree's dtype and shape; truncated or corrupt files give an error naming the file.
 * @example
 * const { params } = train.loadSafetensors('ckpt/model.safetensors', { params: initParams, opt: initOpt });
 */
export function loadSafetensors<T = any>(path: string, like?: T, opts: DeserializeOptions = {}): T {
  const fs = nodeBuiltin('train.loadSafetensors', 'fs');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`train.loadSafetensors: cannot read ${path}: ${(e as Error).message}`);
  }
  return deserialize(bytes, like, { ...opts, source: opts.source ?? path });
}

/**
 * The validated header of a safetensors file: tensor names, dtypes, shapes, offsets and metadata.
 * @example
 * const { tensors, metadata } = train.readSafetensorsHeaderFile('model.safetensors');
 */
export function readSafetensorsHeaderFile(path: string): SafetensorsHeader {
  const fs = nodeBuiltin('train.readSafetensorsHeaderFile', 'fs');
  return readSafetensorsHeader(fs.readFileSync(path), path);
}
