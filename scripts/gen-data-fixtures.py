#!/usr/bin/env python3
"""Independent fixtures for src/data and src/train (test/fixtures/data/*). CI only reads the files it wrote.

Uses only the standard library and numpy (any numpy >= 1.20):

  python3 scripts/gen-data-fixtures.py                 # writes the fixtures below
  python3 scripts/gen-data-fixtures.py --check FILE    # reads a safetensors FILE, prints its tensors as JSON

Written here:
  numpy.safetensors    a safetensors file written by a stdlib + numpy writer of the format (not tensorlaw's, not
                       the safetensors package's): dtypes F32 F64 I32 U32 BOOL F16 BF16 I64 U8 I8 I16 U16, a 0-d
                       tensor, a zero-size tensor, __metadata__, tensors in name order (so not aligned) and an
                       unpadded header: everything the format allows that a careless reader gets wrong.
  official.safetensors the same kind of tensors written by the reference implementation (the `safetensors` Python
                       package, safetensors.numpy.save_file), when it is importable; otherwise left as it is. Here it
                       was installed with: pip install --no-index --find-links /opt/pypi/files safetensors
  *-idx*-ubyte[.gz]    small IDX files (gzip and raw, every element type), written with struct + numpy big-endian.
  expected.json        the values of all of the above, and knowledge-distillation losses computed with numpy.

--check is how tensorlaw's own files were verified to load in Python: test/data.test.ts writes a checkpoint with
train.serialize and runs `python3 scripts/gen-data-fixtures.py --check <file>` (skipped where python3 lacks numpy).
By hand:

  npx tsx -e "import {train,np} from './src/index.ts'; train.saveSafetensors('/tmp/ours.safetensors', {layers: [{w: np.ones([2, 3])}]})"
  python3 scripts/gen-data-fixtures.py --check /tmp/ours.safetensors

--check parses the file with the stdlib + numpy reader below, which applies the reference implementation's validation
(header size limit, entries, byte counts, contiguous offsets that cover the data exactly), and, when the safetensors
package is importable, also opens it with safetensors.safe_open (the Rust reader) and asserts both readers agree
(names, metadata, dtypes, shapes, values; BF16 tensors only by the first, numpy having no bfloat16).
"""
import gzip
import json
import os
import struct
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "data")

# safetensors dtype name -> numpy dtype (little-endian); BF16 is handled as raw uint16 bits.
NP_OF = {
    "BOOL": np.dtype("bool"), "U8": np.dtype("<u1"), "I8": np.dtype("<i1"), "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"), "I32": np.dtype("<i4"),
    "U32": np.dtype("<u4"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8"), "U64": np.dtype("<u8"),
}


def write_safetensors(path, tensors, metadata=None, pad=False):
    """tensors: list of (name, dtype name, numpy array of that dtype), written in the given order."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, dt, a in tensors:
        b = np.ascontiguousarray(a, dtype=NP_OF[dt]).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    if pad:
        h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


def read_safetensors(path):
    """A strict stdlib + numpy reader: returns ({name: (dtype, numpy array)}, metadata)."""
    with open(path, "rb") as f:
        buf = f.read()
    assert len(buf) >= 8, "shorter than the 8-byte length prefix"
    (n,) = struct.unpack("<Q", buf[:8])
    assert n <= 100_000_000, "header larger than 100 MB"
    assert 8 + n <= len(buf), "truncated header"
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    assert isinstance(header, dict)
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        assert isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values()), "metadata must map to strings"
    data = buf[8 + n:]
    out = {}
    end = 0
    for name, e in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        dt, shape, (b, e_) = e["dtype"], e["shape"], e["data_offsets"]
        assert b == end, f"{name}: offsets not contiguous ({b} != {end})"
        count = int(np.prod(shape, dtype=np.int64))
        assert e_ - b == count * NP_OF[dt].itemsize, f"{name}: {e_ - b} bytes for {dt}{shape}"
        a = np.frombuffer(data[b:e_], dtype=NP_OF[dt]).reshape(shape)
        if dt == "BF16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = (dt, a)
        end = e_
    assert end == len(data), f"the tensors cover {end} of {len(data)} data bytes"
    return out, metadata


def values(a):
    a = np.asarray(a)
    if a.dtype == np.bool_:
        flat = [bool(v) for v in a.reshape(-1)]
    elif a.dtype.kind in "iu":
        flat = [int(v) for v in a.reshape(-1)]
    else:
        flat = [None if np.isnan(v) else (float(v) if np.isfinite(v) else ("inf" if v > 0 else "-inf")) for v in a.astype(np.float64).reshape(-1)]
    return {"shape": list(a.shape), "data": flat}


def check(path):
    tensors, metadata = read_safetensors(path)
    result = {"tensors": {name: dict(values(a), dtype=dt) for name, (dt, a) in tensors.items()}, "metadata": metadata, "official": False}
    try:
        from safetensors import safe_open
    except ImportError:
        pass
    else:
        with safe_open(path, framework="numpy") as f:
            assert set(f.keys()) == set(tensors), (sorted(f.keys()), sorted(tensors))
            assert (f.metadata() or None) == metadata, (f.metadata(), metadata)
            for name in f.keys():
                dt, mine = tensors[name]
                if dt == "BF16":
                    continue  # numpy has no bfloat16: the package cannot return it
                a = f.get_tensor(name)
                assert a.dtype == NP_OF[dt] and a.shape == mine.shape and np.array_equal(a, mine, equal_nan=True), name
        result["official"] = True
    json.dump(result, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


# ------------------------------------------------------------------------------------------------
# Fixtures


def safetensors_fixtures(expected):
    rng = np.random.default_rng(1)  # one generator per section: skipping one leaves the others unchanged
    half = np.array([1.5, -2.0, 6.0e-8, 65504.0, -np.inf, 0.333], dtype="<f2")  # 6e-8: a float16 subnormal
    bf_vals = np.array([1.0, -3.140625, 1e-3], dtype=np.float32)
    bf_bits = (bf_vals.view(np.uint32) >> 16).astype("<u2")  # truncation: bfloat16's top half
    tensors = [
        ("bf", "BF16", bf_bits),
        ("big", "I64", np.array([-(2**31), 0, 2**31 - 1], dtype="<i8")),
        ("bytes", "U8", np.array([0, 1, 200, 255], dtype="<u1")),
        ("count", "I32", np.array(7, dtype="<i4")),
        ("empty", "F32", np.zeros((0, 3), dtype="<f4")),
        ("half", "F16", half),
        ("ids", "U32", np.array([0, 1, 4000000000, 12, 5], dtype="<u4")),
        ("layers.0.b", "F32", rng.normal(size=(4,)).astype("<f4")),
        ("layers.0.w", "F32", rng.normal(size=(3, 4)).astype("<f4")),
        ("layers.1.w", "F64", rng.normal(size=(4, 2))),
        ("mask", "BOOL", np.array([[True, False, True], [False, False, True]])),
        ("short", "I16", np.array([-32768, -1, 32767], dtype="<i2")),
        ("small", "I8", np.array([-128, -1, 0, 127], dtype="<i1")),
        ("ushort", "U16", np.array([0, 65535, 300], dtype="<u2")),
    ]
    meta = {"source": "gen-data-fixtures.py", "note": "name order, unpadded header"}
    write_safetensors(os.path.join(OUT, "numpy.safetensors"), tensors, meta, pad=False)
    exp = {}
    for name, dt, a in tensors:
        shown = (a.astype(np.uint32) << 16).view(np.float32) if dt == "BF16" else a
        exp[name] = dict(values(shown), dtype=dt)
    expected["numpy_safetensors"] = {"tensors": exp, "metadata": meta}

    try:
        from safetensors.numpy import save_file
    except ImportError:
        print("safetensors package not importable: official.safetensors left as it is")
        return
    rng = np.random.default_rng(2)
    official = {
        "encoder.0.weight": rng.normal(size=(2, 3)).astype(np.float32),
        "encoder.0.bias": rng.normal(size=(2,)).astype(np.float32),
        "encoder.1.weight": rng.normal(size=(3,)).astype(np.float64),
        "steps": np.array(1234, dtype=np.int64),
        "flags": np.array([True, False]),
        "tokens": np.array([[1, 2], [3, 65000]], dtype=np.uint16),
    }
    path = os.path.join(OUT, "official.safetensors")
    save_file(official, path, metadata={"framework": "numpy", "writer": "safetensors.numpy.save_file"})
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")
    expected["official_safetensors"] = {
        "tensors": {k: dict(values(v), dtype=dt) for (k, v), dt in zip(official.items(), ["F32", "F32", "F64", "I64", "BOOL", "U16"])},
        "metadata": {"framework": "numpy", "writer": "safetensors.numpy.save_file"},
    }


IDX_CODE = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def write_idx(name, a, kind, compress):
    a = np.asarray(a)
    body = struct.pack(">BBBB", 0, 0, IDX_CODE[kind], a.ndim) + struct.pack(">" + "I" * a.ndim, *a.shape)
    body += a.astype(">" + kind).tobytes()
    path = os.path.join(OUT, name)
    if compress:
        # mtime=0 keeps the gzip bytes reproducible
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(body)
    else:
        with open(path, "wb") as f:
            f.write(body)
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")
    return values(a)


def idx_fixtures(expected):
    rng = np.random.default_rng(3)
    e = {}
    e["images-idx3-ubyte.gz"] = write_idx("images-idx3-ubyte.gz", rng.integers(0, 256, size=(3, 4, 5)), "u1", True)
    e["labels-idx1-ubyte"] = write_idx("labels-idx1-ubyte", np.array([9, 0, 3]), "u1", False)
    e["sbyte-idx1-sbyte"] = write_idx("sbyte-idx1-sbyte", np.array([-128, -7, 0, 127]), "i1", False)
    e["short-idx2-short.gz"] = write_idx("short-idx2-short.gz", np.array([[-32768, 1000], [-1, 32767]]), "i2", True)
    e["int-idx1-int"] = write_idx("int-idx1-int", np.array([-(2**31), -5, 2**31 - 1]), "i4", False)
    e["float-idx2-float"] = write_idx("float-idx2-float", rng.normal(size=(2, 3)).astype(np.float32), "f4", False)
    e["double-idx1-double"] = write_idx("double-idx1-double", rng.normal(size=(4,)), "f8", False)
    expected["idx"] = e


def log_softmax(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def distillation_fixtures(expected):
    rng = np.random.default_rng(4)
    student = rng.normal(size=(4, 5)) * 2
    teacher = rng.normal(size=(4, 5)) * 3
    teacher_masked = teacher.copy()
    teacher_masked[1, 2] = -np.inf  # a class the teacher rules out: contributes 0, not NaN
    cases = []
    for name, t_logits in (("plain", teacher), ("masked", teacher_masked)):
        for T in (1.0, 2.0, 4.0):
            lp = log_softmax(t_logits / T)
            lq = log_softmax(student / T)
            p = np.exp(lp)
            with np.errstate(invalid="ignore"):
                terms = np.where(p > 0, p * (lp - lq), 0.0)
            per = terms.sum(-1) * T * T
            cases.append({"teacher": name, "T": T, "perExample": per.tolist(), "mean": float(per.mean()), "sum": float(per.sum())})
    expected["distillation"] = {
        "student": values(student),
        "teacher": values(teacher),
        "teacherMasked": values(teacher_masked),
        "cases": cases,
    }


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
        return
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    os.makedirs(OUT, exist_ok=True)
    exp_path = os.path.join(OUT, "expected.json")
    old = {}
    if os.path.exists(exp_path):
        with open(exp_path) as f:
            old = json.load(f)
    expected = {"numpy": np.__version__}
    safetensors_fixtures(expected)
    if "official_safetensors" not in expected and "official_safetensors" in old:
        expected["official_safetensors"] = old["official_safetensors"]
    idx_fixtures(expected)
    distillation_fixtures(expected)
    with open(exp_path, "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(exp_path), os.path.getsize(exp_path), "bytes")


if __name__ == "__main__":
    main()
