#!/usr/bin/env python3
"""Writes numpy/mpmath-computed expectations for the reference implementation (test/fixtures/impl/*.json).

Run from the repository root: python3 scripts/gen-impl-fixtures.py   (needs numpy, scipy, mpmath; CI only reads the JSON).

Every expectation here is computed independently of src/targets/ref: numpy ufuncs, numpy indexing/einsum, python
integers for wrap-around arithmetic, mpmath for erf/erfinv, and a naive dilate-pad-window loop for convolution.
Each case is {prim, params, args: [array], outs: [array], rtol, atol}; an array is {shape, dtype, data} with data
flattened row-major and the non-JSON floats spelled "nan", "inf", "-inf".
"""
import json
import math
import os

import mpmath
import numpy as np
from scipy import special

mpmath.mp.dps = 50
np.seterr(all="ignore")
rng = np.random.default_rng(20240607)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "impl")
NP = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "uint32": np.uint32, "bool": np.bool_}
FLOATS = ("float32", "float64")


def enc_value(v, dtype):
    if dtype in FLOATS:
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    return int(v)


def arr(a, dtype):
    a = np.asarray(a).astype(NP[dtype])
    return {"shape": list(a.shape), "dtype": dtype, "data": [enc_value(v, dtype) for v in a.reshape(-1)]}


groups = {}


def case(group, prim, params, args, outs, rtol=0.0, atol=0.0, note=""):
    groups.setdefault(group, []).append(
        {"prim": prim, "note": note, "params": params, "args": args, "outs": outs, "rtol": rtol, "atol": atol}
    )


def f32(x):
    return np.asarray(x, dtype=np.float64).astype(np.float32)


# Tolerances: float64 results from libm vs V8 agree to ~1 ulp; float32 expectations are float64 results rounded once,
# which the reference also does, so they agree to 1 float32 ulp (a libm ulp can flip the final rounding).
TOL = {"float64": 4e-16 * 4, "float32": 2.4e-7}

# --------------------------------------------------------------------------------------------- elementwise, unary
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, 1e-30, -1e-30, 1e30, -1e30, 100.0, -100.0,
           np.inf, -np.inf, np.nan, 0.49999999999999994, 4503599627370495.5]


def float_inputs(dtype, n=40, scale=3.0, positive=False, unit=False):
    v = rng.standard_normal(n) * scale
    if unit:
        v = rng.uniform(-1, 1, n)
    if positive:
        v = np.abs(v) + 1e-3
    v = np.concatenate([v, SPECIAL])
    return v.astype(NP[dtype]).astype(np.float64)


UNARY_F = {
    "neg": np.negative, "floor": np.floor, "ceil": np.ceil, "round": np.round, "abs": np.abs,
    "exp": np.exp, "exp2": np.exp2, "log": np.log, "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt,
    "rsqrt": lambda x: 1.0 / np.sqrt(x), "cbrt": np.cbrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh, "logistic": special.expit,
}
for dtype in FLOATS:
    for op, fn in UNARY_F.items():
        x = float_inputs(dtype, unit=op in ("asin", "acos", "atanh"))
        if op == "acosh":
            x = np.concatenate([np.abs(x) + 1.0, [0.5, np.nan, np.inf]]).astype(NP[dtype]).astype(np.float64)
        exact = op in ("neg", "floor", "ceil", "round", "abs")
        case("unary", op, {}, [arr(x, dtype)], [arr(fn(x), dtype)], 0.0 if exact else TOL[dtype])
    x = float_inputs(dtype)
    case("unary", "sign", {}, [arr(x, dtype)], [arr(np.sign(x), dtype)])
    case("unary", "isFinite", {}, [arr(x, dtype)], [arr(np.isfinite(x), "bool")])
    # erf / erfInv against 50-digit mpmath (the spec asks ~1e-15 relative in float64)
    xe = np.concatenate([rng.uniform(-6.5, 6.5, 60), [0.0, -0.0, 1e-300, -1e-20, 0.3, 1.0, 2.0, 3.0, 5.9, 6.1, np.inf, -np.inf, np.nan]])
    xe = xe.astype(NP[dtype]).astype(np.float64)
    ye = [float(mpmath.erf(mpmath.mpf(v))) if np.isfinite(v) else (math.copysign(1.0, v) if np.isinf(v) else np.nan) for v in xe]
    case("unary", "erf", {}, [arr(xe, dtype)], [arr(ye, dtype)], 1.5e-15 if dtype == "float64" else TOL[dtype])
    xi = np.concatenate([rng.uniform(-1, 1, 60), 1 - 10.0 ** -rng.uniform(1, 15.9, 15), -(1 - 10.0 ** -rng.uniform(1, 15.9, 5)),
                         [0.0, 1e-300, 0.5, -0.5, 0.9, 0.99, 1.0, -1.0, 1.5, -2.0, np.nan]])
    xi = xi.astype(NP[dtype]).astype(np.float64)
    yi = []
    for v in xi:
        if np.isnan(v) or abs(v) > 1:
            yi.append(np.nan)
        elif abs(v) == 1:
            yi.append(math.copysign(np.inf, v))
        else:
            yi.append(float(mpmath.erfinv(mpmath.mpf(v))))
    case("unary", "erfInv", {}, [arr(xi, dtype)], [arr(yi, dtype)], 2e-15 if dtype == "float64" else TOL[dtype])

I32 = [0, 1, -1, 2, -2, 7, -7, 100, -100, 2**31 - 1, -(2**31), 12345678, -12345678]
U32 = [0, 1, 2, 7, 100, 2**31 - 1, 2**31, 2**32 - 1, 12345678, 3000000000]


def wrap32(v, dtype):
    v = int(v) % 2**32
    return v - 2**32 if dtype == "int32" and v >= 2**31 else v


for dtype, vals in (("int32", I32), ("uint32", U32)):
    case("unary", "neg", {}, [arr(vals, dtype)], [arr([wrap32(-v, dtype) for v in vals], dtype)])
    case("unary", "abs", {}, [arr(vals, dtype)], [arr([wrap32(abs(v), dtype) for v in vals], dtype)])
    case("unary", "sign", {}, [arr(vals, dtype)], [arr([(v > 0) - (v < 0) for v in vals], dtype)])
    case("unary", "not", {}, [arr(vals, dtype)], [arr([wrap32(~v, dtype) for v in vals], dtype)])
case("unary", "not", {}, [arr([True, False, True], "bool")], [arr([False, True, False], "bool")])

# --------------------------------------------------------------------------------------------- elementwise, binary
BIN_SPECIAL = [(0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (np.inf, np.inf), (np.inf, -np.inf), (np.nan, 1.0), (1.0, np.nan),
               (-2.0, 0.5), (-2.0, 3.0), (-8.0, 1.0 / 3.0), (1.0, np.nan), (-1.0, np.inf), (0.0, -1.0), (-0.0, -1.0),
               (5.5, 2.0), (-5.5, 2.0), (5.5, -2.0), (np.inf, 2.0), (2.0, np.inf), (-0.0, 0.0), (3.0, 3.0), (1e300, 1e300)]


def float_pairs(dtype, n=40):
    a = rng.standard_normal(n) * 3
    b = rng.standard_normal(n) * 3
    a = np.concatenate([a, [p[0] for p in BIN_SPECIAL]]).astype(NP[dtype]).astype(np.float64)
    b = np.concatenate([b, [p[1] for p in BIN_SPECIAL]]).astype(NP[dtype]).astype(np.float64)
    return a, b


BIN_F = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "rem": np.fmod, "pow": np.power,
         "max": np.maximum, "min": np.minimum, "atan2": np.arctan2}
for dtype in FLOATS:
    a, b = float_pairs(dtype)
    for op, fn in BIN_F.items():
        exact = op in ("add", "sub", "mul", "div", "rem", "max", "min")  # correctly rounded in both
        case("binary", op, {}, [arr(a, dtype), arr(b, dtype)], [arr(fn(a, b), dtype)], 0.0 if exact else TOL[dtype])
    for op, fn in {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}.items():
        case("compare", op, {}, [arr(a, dtype), arr(b, dtype)], [arr(fn(a, b), "bool")])


def tdiv(a, b):
    if b == 0:
        return 0
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def trem(a, b):
    return 0 if b == 0 else a - b * tdiv(a, b)


def ipow(a, b, dtype):
    if b < 0:
        return 1 if a == 1 else ((-1 if b % 2 else 1) if a == -1 else 0)
    return wrap32(pow(a, b, 2**32), dtype)


def shl(a, b, dtype):
    c = b % 2**32
    return 0 if c >= 32 else wrap32(a << c, dtype)


def shr(a, b, dtype):
    c = b % 2**32
    return 0 if c >= 32 else wrap32((a % 2**32) >> c, dtype)


INT_BIN = {
    "add": lambda a, b, d: wrap32(a + b, d), "sub": lambda a, b, d: wrap32(a - b, d), "mul": lambda a, b, d: wrap32(a * b, d),
    "div": lambda a, b, d: wrap32(tdiv(a, b), d), "rem": lambda a, b, d: wrap32(trem(a, b), d), "pow": ipow,
    "max": lambda a, b, d: max(a, b), "min": lambda a, b, d: min(a, b),
    "and": lambda a, b, d: wrap32(a & b, d), "or": lambda a, b, d: wrap32(a | b, d), "xor": lambda a, b, d: wrap32(a ^ b, d),
    "shiftLeft": shl, "shiftRightLogical": shr,
}
for dtype, vals in (("int32", I32), ("uint32", U32)):
    pa = [(x, y) for x in vals for y in vals]
    pa += [(int(x), int(y)) for x, y in zip(rng.integers(-50 if dtype == "int32" else 0, 50, 40), rng.integers(-6 if dtype == "int32" else 0, 6, 40))]
    a = [p[0] for p in pa]
    b = [p[1] for p in pa]
    for op, fn in INT_BIN.items():  # exponents and shift counts include huge and negative values on purpose
        case("binary", op, {}, [arr(a, dtype), arr(b, dtype)], [arr([fn(x, y, dtype) for x, y in zip(a, b)], dtype)])
    for op, fn in {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}.items():
        case("compare", op, {}, [arr(a, dtype), arr(b, dtype)], [arr(fn(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)), "bool")])
ba = np.array([True, True, False, False])
bb = np.array([True, False, True, False])
for op, fn in {"and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor, "max": np.maximum, "min": np.minimum}.items():
    case("binary", op, {}, [arr(ba, "bool"), arr(bb, "bool")], [arr(fn(ba, bb), "bool")])
for op, fn in {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "ge": np.greater_equal}.items():
    case("compare", op, {}, [arr(ba, "bool"), arr(bb, "bool")], [arr(fn(ba, bb), "bool")])

# --------------------------------------------------------------------------------------------- select / convert / bitcast
p = rng.random((3, 4)) < 0.5
for dtype in ("float32", "int32", "bool"):
    t = (rng.standard_normal((3, 4)) * 10).astype(NP[dtype])
    e = (rng.standard_normal((3, 4)) * 10).astype(NP[dtype])
    case("convert", "select", {}, [arr(p, "bool"), arr(t, dtype), arr(e, dtype)], [arr(np.where(p, t, e), dtype)])


def convert_ref(v, src, dst):
    v = float(v) if src in FLOATS else int(v)
    if dst == "bool":
        return v != 0
    if dst in FLOATS:
        return v
    if src in FLOATS:
        if math.isnan(v):
            return 0
        lo, hi = (-(2**31), 2**31 - 1) if dst == "int32" else (0, 2**32 - 1)
        if v <= lo:
            return lo
        if v >= hi:
            return hi
        return int(math.trunc(v))
    return wrap32(v, dst)


CONV_SRC = {
    "float64": [0.0, -0.0, 1.5, -1.5, 2.7, -2.7, 1e10, -1e10, 4294967295.5, 4294967296.0, 2147483647.5, -2147483648.7, np.nan, np.inf, -np.inf, 0.1, 1 + 2**-30, 16777217.0],
    "float32": [0.0, 1.5, -1.5, 2.7, -2.7, 1e10, -1e10, np.nan, np.inf, -np.inf, 0.1, 3e38],
    "int32": [0, 1, -1, 2**31 - 1, -(2**31), 16777217, 123456789],
    "uint32": [0, 1, 2**31, 2**32 - 1, 16777217, 123456789],
    "bool": [True, False],
}
for src, vals in CONV_SRC.items():
    for dst in NP:
        x = np.array(vals).astype(NP[src])
        exp = [convert_ref(v, src, dst) for v in x]
        case("convert", "convertElementType", {"newDtype": dst, "weakType": False}, [arr(x, src)], [arr(exp, dst)])
bits_src = np.array([0.0, -0.0, 1.0, -2.5, np.inf, 3.4e38, 1e-45], dtype=np.float32)
case("convert", "bitcastConvertType", {"newDtype": "int32"}, [arr(bits_src, "float32")], [arr(bits_src.view(np.int32), "int32")])
case("convert", "bitcastConvertType", {"newDtype": "uint32"}, [arr(bits_src, "float32")], [arr(bits_src.view(np.uint32), "uint32")])
ib = np.array([0, 1, -1, 1065353216, -1082130432, 2139095040], dtype=np.int32)
case("convert", "bitcastConvertType", {"newDtype": "float32"}, [arr(ib, "int32")], [arr(ib.view(np.float32), "float32")])
case("convert", "bitcastConvertType", {"newDtype": "int32"}, [arr(ib.view(np.uint32), "uint32")], [arr(ib, "int32")])
x = rng.standard_normal((2, 3))
case("convert", "stopGradient", {}, [arr(x, "float64")], [arr(x, "float64")])

# --------------------------------------------------------------------------------------------- structure
for shape, dim, dtype in (([5], 0, "int32"), ([2, 3, 4], 1, "float32"), ([3, 2], 0, "uint32"), ([4, 0], 0, "int32"), ([2, 3], 1, "float64")):
    v = np.broadcast_to(np.arange(shape[dim]).reshape([-1 if i == dim else 1 for i in range(len(shape))]), shape)
    case("structure", "iota", {"dtype": dtype, "shape": shape, "dimension": dim}, [], [arr(v, dtype)])


def bcast_ref(x, shape, bd):
    s = [1] * len(shape)
    for i, d in enumerate(bd):
        s[d] = x.shape[i]
    return np.broadcast_to(x.reshape(s), shape)


for xs, shape, bd, dtype in (([3], [2, 3], [1], "float32"), ([3, 1], [3, 4], [0, 1], "int32"), ([], [2, 2], [], "float64"),
                             ([2, 1, 3], [2, 5, 4, 3], [0, 1, 3], "bool"), ([1], [0, 2], [1], "float32"), ([4], [4, 2], [0], "uint32")):
    x = (rng.standard_normal(xs) * 5).astype(NP[dtype]) if xs else np.array(rng.standard_normal() * 5).astype(NP[dtype])
    case("structure", "broadcastInDim", {"shape": shape, "broadcastDimensions": bd}, [arr(x, dtype)], [arr(bcast_ref(x, shape, bd), dtype)])

x = rng.standard_normal((2, 3, 4)).astype(np.float32)
case("structure", "reshape", {"newSizes": [4, 6]}, [arr(x, "float32")], [arr(x.reshape(4, 6), "float32")])
case("structure", "reshape", {"newSizes": []}, [arr(np.array([7]), "int32")], [arr(np.array(7), "int32")])
case("structure", "reshape", {"newSizes": [0, 5]}, [arr(np.zeros((5, 0)), "float32")], [arr(np.zeros((0, 5)), "float32")])
for perm in ([0, 1, 2], [2, 0, 1], [1, 0, 2], [2, 1, 0]):
    case("structure", "transpose", {"permutation": perm}, [arr(x, "float32")], [arr(np.transpose(x, perm), "float32")])
xi = rng.integers(-100, 100, (3, 1, 5, 2)).astype(np.int32)
case("structure", "transpose", {"permutation": [3, 1, 0, 2]}, [arr(xi, "int32")], [arr(np.transpose(xi, [3, 1, 0, 2]), "int32")])

# reductions
xf = rng.standard_normal((3, 4, 5))
xf32 = xf.astype(np.float32)
xi = rng.integers(-(2**31), 2**31, (3, 4, 5)).astype(np.int32)
xu = rng.integers(0, 2**32, (3, 4, 5)).astype(np.uint32)
xb = rng.random((3, 4, 5)) < 0.3
xn = xf.copy()
xn[1, 2, 3] = np.nan
for axes in ([], [0], [1], [2], [0, 2], [2, 0], [0, 1, 2]):
    ax = tuple(axes)
    case("reduce", "reduceSum", {"axes": axes}, [arr(xf, "float64")], [arr(np.sum(xf, axis=ax), "float64")], 1e-15, 1e-15)
    case("reduce", "reduceSum", {"axes": axes}, [arr(xf32, "float32")], [arr(np.sum(xf32.astype(np.float64), axis=ax), "float32")], TOL["float32"], 1e-7)
    case("reduce", "reduceSum", {"axes": axes}, [arr(xi, "int32")], [arr(np.sum(xi, axis=ax, dtype=np.int32), "int32")])
    case("reduce", "reduceSum", {"axes": axes}, [arr(xu, "uint32")], [arr(np.sum(xu, axis=ax, dtype=np.uint32), "uint32")])
    case("reduce", "reduceProd", {"axes": axes}, [arr(xf, "float64")], [arr(np.prod(xf, axis=ax), "float64")], 1e-14)
    case("reduce", "reduceProd", {"axes": axes}, [arr(xi, "int32")], [arr(np.prod(xi, axis=ax, dtype=np.int32), "int32")])
    for op, fn in (("reduceMax", np.max), ("reduceMin", np.min)):
        case("reduce", op, {"axes": axes}, [arr(xn, "float64")], [arr(fn(xn, axis=ax), "float64")])
        case("reduce", op, {"axes": axes}, [arr(xi, "int32")], [arr(fn(xi, axis=ax), "int32")])
        case("reduce", op, {"axes": axes}, [arr(xu, "uint32")], [arr(fn(xu, axis=ax), "uint32")])
    case("reduce", "reduceMax", {"axes": axes}, [arr(xb, "bool")], [arr(np.any(xb, axis=ax), "bool")])
    case("reduce", "reduceMin", {"axes": axes}, [arr(xb, "bool")], [arr(np.all(xb, axis=ax), "bool")])
e = np.zeros((2, 0, 3))
for dtype, init in (("float32", (0, 1, -np.inf, np.inf)), ("int32", (0, 1, -(2**31), 2**31 - 1)), ("uint32", (0, 1, 0, 2**32 - 1))):
    for op, v in zip(("reduceSum", "reduceProd", "reduceMax", "reduceMin"), init):
        case("reduce", op, {"axes": [1]}, [arr(e, dtype)], [arr(np.full((2, 3), v), dtype)], note="empty reduction")
case("reduce", "reduceMax", {"axes": [1]}, [arr(e, "bool")], [arr(np.zeros((2, 3)), "bool")], note="empty any")
case("reduce", "reduceMin", {"axes": [1]}, [arr(e, "bool")], [arr(np.ones((2, 3)), "bool")], note="empty all")
case("reduce", "reduceSum", {"axes": []}, [arr(np.array(2.5), "float32")], [arr(np.array(2.5), "float32")], note="rank 0")

xa = rng.integers(0, 4, (4, 5, 3)).astype(np.float64)  # ties: first occurrence wins
xa[2, 1, 0] = np.nan
xa[2, 3, 0] = np.nan
xa[0, :, 1] = np.nan
for axis in (0, 1, 2):
    for dtype in ("float64", "float32"):
        case("reduce", "argmax", {"axis": axis, "indexDtype": "int32"}, [arr(xa, dtype)], [arr(np.argmax(xa, axis=axis), "int32")])
        case("reduce", "argmin", {"axis": axis, "indexDtype": "int32"}, [arr(xa, dtype)], [arr(np.argmin(xa, axis=axis), "int32")])
    xai = rng.integers(-3, 3, (4, 5, 3)).astype(np.int32)
    case("reduce", "argmax", {"axis": axis, "indexDtype": "uint32"}, [arr(xai, "int32")], [arr(np.argmax(xai, axis=axis), "uint32")])
    case("reduce", "argmin", {"axis": axis, "indexDtype": "int32"}, [arr(xai, "int32")], [arr(np.argmin(xai, axis=axis), "int32")])
case("reduce", "argmax", {"axis": 0, "indexDtype": "int32"}, [arr(xb[:, :, 0], "bool")], [arr(np.argmax(xb[:, :, 0], axis=0), "int32")])

for axis in (0, 1, 2):
    for rev in (False, True):
        def cs(a, **kw):
            if rev:
                return np.flip(np.cumsum(np.flip(a, axis), axis=axis, **kw), axis)
            return np.cumsum(a, axis=axis, **kw)
        p = {"axis": axis, "reverse": rev}
        case("reduce", "cumsum", p, [arr(xf, "float64")], [arr(cs(xf), "float64")], 1e-15, 1e-15)
        case("reduce", "cumsum", p, [arr(xf32, "float32")], [arr(cs(xf32.astype(np.float64)), "float32")], TOL["float32"], 1e-7)
        case("reduce", "cumsum", p, [arr(xi, "int32")], [arr(cs(xi, dtype=np.int32), "int32")])
        case("reduce", "cumsum", p, [arr(xu, "uint32")], [arr(cs(xu, dtype=np.uint32), "uint32")])
        case("reduce", "cumsum", p, [arr(xb, "bool")], [arr(cs(xb.astype(np.int32)) > 0, "bool")])
case("reduce", "cumsum", {"axis": 1, "reverse": False}, [arr(e, "float32")], [arr(e, "float32")], note="empty")
xl = rng.integers(-9, 9, (20, 3, 17)).astype(np.int32)  # long runs: exercises the contiguous fast paths of the strided copy
case("reduce", "cumsum", {"axis": 0, "reverse": False}, [arr(xl, "int32")], [arr(np.cumsum(xl, axis=0, dtype=np.int32), "int32")], note="long axes")
case("reduce", "reduceSum", {"axes": [0]}, [arr(xl, "int32")], [arr(np.sum(xl, axis=0, dtype=np.int32), "int32")], note="long axes")

# slicing
x = rng.standard_normal((5, 6, 7))
for st, lim, strd in (([0, 0, 0], [5, 6, 7], None), ([1, 2, 3], [4, 6, 5], None), ([0, 1, 0], [5, 6, 7], [2, 3, 4]),
                      ([4, 0, 6], [5, 6, 7], [1, 5, 1]), ([2, 2, 2], [2, 5, 2], [1, 1, 1]), ([1, 0, 2], [5, 1, 7], [3, 1, 2])):
    sl = tuple(slice(s, l, (strd[i] if strd else 1)) for i, (s, l) in enumerate(zip(st, lim)))
    case("slice", "slice", {"startIndices": st, "limitIndices": lim, "strides": strd}, [arr(x, "float64")], [arr(x[sl], "float64")])
xi32 = rng.integers(-9, 9, (4, 5)).astype(np.int32)
case("slice", "slice", {"startIndices": [1, 1], "limitIndices": [4, 5], "strides": [2, 2]}, [arr(xi32, "int32")], [arr(xi32[1:4:2, 1:5:2], "int32")])
case("slice", "slice", {"startIndices": [], "limitIndices": [], "strides": None}, [arr(np.array(3.0), "float32")], [arr(np.array(3.0), "float32")])


def pad_ref(x, v, cfg):
    """Interior-dilate with the pad value, then pad or crop each end."""
    out = x
    for a, (lo, hi, it) in enumerate(cfg):
        n = out.shape[a]
        m = n + max(n - 1, 0) * it
        shp = list(out.shape)
        shp[a] = m
        d = np.full(shp, v, dtype=x.dtype)
        idx = [slice(None)] * out.ndim
        idx[a] = slice(0, m, it + 1)
        d[tuple(idx)] = out
        for side, amt in ((0, lo), (1, hi)):
            if amt >= 0:
                shp = list(d.shape)
                shp[a] = amt
                block = np.full(shp, v, dtype=x.dtype)
                d = np.concatenate([block, d] if side == 0 else [d, block], axis=a)
            else:
                idx = [slice(None)] * d.ndim
                idx[a] = slice(-amt, None) if side == 0 else slice(0, d.shape[a] + amt)
                d = d[tuple(idx)]
        out = d
    return out


x = rng.standard_normal((3, 4)).astype(np.float32)
for cfg in ([[1, 2, 0], [0, 0, 0]], [[0, 0, 1], [2, 1, 2]], [[-1, 0, 0], [1, -2, 0]], [[-2, -1, 1], [-3, 2, 1]], [[0, 0, 0], [-4, 0, 0]],
            [[-3, 1, 0], [0, 0, 0]], [[2, 2, 3], [-1, -1, 3]]):
    case("slice", "pad", {"paddingConfig": cfg}, [arr(x, "float32"), arr(np.array(-9.5), "float32")], [arr(pad_ref(x, np.float32(-9.5), cfg), "float32")])
xl = rng.standard_normal((18, 20))
cfg = [[0, 0, 1], [1, -2, 2]]
case("slice", "pad", {"paddingConfig": cfg}, [arr(xl, "float64"), arr(np.array(0.5), "float64")], [arr(pad_ref(xl, 0.5, cfg), "float64")], note="long axes")
xi = rng.integers(0, 9, (2, 3, 2)).astype(np.int32)
cfg = [[1, -1, 1], [0, 2, 0], [-1, 1, 2]]
case("slice", "pad", {"paddingConfig": cfg}, [arr(xi, "int32"), arr(np.array(7), "int32")], [arr(pad_ref(xi, np.int32(7), cfg), "int32")])
case("slice", "pad", {"paddingConfig": [[2, 1, 3]]}, [arr(np.zeros(0), "float64"), arr(np.array(1.0), "float64")], [arr(pad_ref(np.zeros(0), 1.0, [[2, 1, 3]]), "float64")])

parts = [rng.standard_normal((2, k, 3)) for k in (1, 0, 4, 2)]
case("slice", "concatenate", {"dimension": 1}, [arr(p, "float64") for p in parts], [arr(np.concatenate(parts, axis=1), "float64")])
parts = [rng.integers(0, 9, (k, 2)).astype(np.uint32) for k in (3, 1)]
case("slice", "concatenate", {"dimension": 0}, [arr(p, "uint32") for p in parts], [arr(np.concatenate(parts, axis=0), "uint32")])
parts = [rng.random((2, 2)) < 0.5 for _ in range(3)]
case("slice", "concatenate", {"dimension": 1}, [arr(p, "bool") for p in parts], [arr(np.concatenate(parts, axis=1), "bool")])

x = rng.standard_normal((3, 4, 2))
for dims in ([], [0], [1], [0, 2], [0, 1, 2]):
    case("slice", "rev", {"dimensions": dims}, [arr(x, "float32")], [arr(np.flip(x, dims) if dims else x, "float32")])

x = rng.standard_normal((5, 6))
for starts, sizes in (([1, 2], [2, 3]), ([-3, 4], [2, 3]), ([10, -1], [3, 6]), ([4, 5], [0, 1]), ([0, 0], [5, 6])):
    cl = [min(max(s, 0), d - z) for s, d, z in zip(starts, x.shape, sizes)]
    exp = x[cl[0]:cl[0] + sizes[0], cl[1]:cl[1] + sizes[1]]
    case("slice", "dynamicSlice", {"sliceSizes": sizes}, [arr(x, "float64")] + [arr(np.array(s), "int32") for s in starts], [arr(exp, "float64")])
    upd = rng.standard_normal(sizes)
    exp = x.copy()
    exp[cl[0]:cl[0] + sizes[0], cl[1]:cl[1] + sizes[1]] = upd
    case("slice", "dynamicUpdateSlice", {}, [arr(x, "float64"), arr(upd, "float64")] + [arr(np.array(s), "int32") for s in starts], [arr(exp, "float64")])
case("slice", "dynamicSlice", {"sliceSizes": [2]}, [arr(np.arange(5), "int32"), arr(np.array(2**32 - 1), "uint32")], [arr([3, 4], "int32")], note="uint32 start clamps")

# --------------------------------------------------------------------------------------------- gather / scatter


def gather_setup(x, idxs, axes, out_dim):
    k = len(axes)
    xm = np.moveaxis(x, axes, list(range(k)))  # indexed axes first, in the order of `axes`
    bidx = np.broadcast_arrays(*[np.asarray(i, dtype=np.int64) for i in idxs]) if idxs else []
    ishape = bidx[0].shape if idxs else ()
    return xm, bidx, ishape


def gather_ref(x, idxs, axes, out_dim):
    xm, bidx, ishape = gather_setup(x, idxs, axes, out_dim)
    cl = tuple(np.clip(i, 0, x.shape[a] - 1) for i, a in zip(bidx, axes))
    g = xm[cl] if idxs else xm  # shape: I + rest
    return np.moveaxis(g, list(range(len(ishape))), list(range(out_dim, out_dim + len(ishape))))


def scatter_ref(x, upd, idxs, axes, out_dim, add):
    out = x.copy()
    om, bidx, ishape = gather_setup(out, idxs, axes, out_dim)  # om is a view of out
    ni = len(ishape)
    u = np.moveaxis(upd, list(range(out_dim, out_dim + ni)), list(range(ni)))  # I + rest
    for pos in np.ndindex(*ishape):
        ii = tuple(int(b[pos]) for b in bidx)
        if any(i < 0 or i >= x.shape[a] for i, a in zip(ii, axes)):
            continue
        if add:
            om[ii] = om[ii] + u[pos]
        else:
            om[ii] = u[pos]
    return out


x = rng.standard_normal((4, 5, 3))
gcases = [
    ([1], 0, [np.array([0, 4, 2, 2])]),
    ([1], 1, [np.array([[0, 1], [3, 4]])]),
    ([1], 2, [np.array([-3, 1, 9, 5, 4])]),  # clamped (gather) / dropped (scatter); 5 is one past the end
    ([0, 2], 0, [np.array([[0], [3], [1]]), np.array([2, 0])]),  # broadcast 3x1 with 2
    ([2, 0], 1, [np.array([1, 2, 0]), np.array([3, 3, 3])]),  # repeated positions: scatterAdd sums, scatter last wins
    ([0, 1, 2], 0, [np.array(1), np.array(2), np.array(0)]),  # rank-0 indices
    ([0], 2, [np.zeros((0,), dtype=np.int64)]),  # empty index
    ([], 1, []),
]
for axes, out_dim, idxs in gcases:
    g = gather_ref(x, idxs, axes, out_dim)
    iargs = [arr(i, "int32") for i in idxs]
    case("gather", "gather", {"axes": axes, "outDim": out_dim}, [arr(x, "float64")] + iargs, [arr(g, "float64")])
    upd = np.round(rng.standard_normal(g.shape) * 4) / 4
    for prim, add in (("scatterAdd", True), ("scatter", False)):
        case("gather", prim, {"axes": axes, "outDim": out_dim}, [arr(x, "float64"), arr(upd, "float64")] + iargs,
             [arr(scatter_ref(x, upd, idxs, axes, out_dim, add), "float64")], 1e-15, 1e-15)
xi = rng.integers(-50, 50, (6, 2)).astype(np.int32)
idx = np.array([5, 0, 7, 5, 5])
g = gather_ref(xi, [idx], [0], 0)
case("gather", "gather", {"axes": [0], "outDim": 0}, [arr(xi, "int32"), arr(idx, "uint32")], [arr(g, "int32")], note="uint32 indices")
upd = rng.integers(-50, 50, g.shape).astype(np.int32)
case("gather", "scatterAdd", {"axes": [0], "outDim": 0}, [arr(xi, "int32"), arr(upd, "int32"), arr(idx, "uint32")],
     [arr(scatter_ref(xi, upd, [idx], [0], 0, True), "int32")])
xf = rng.standard_normal((3, 4)).astype(np.float32)
idx = np.array([[1, 1, 2], [0, 1, -1]])
g = gather_ref(xf, [idx], [1], 0)
upd = rng.standard_normal(g.shape).astype(np.float32)
case("gather", "gather", {"axes": [1], "outDim": 0}, [arr(xf, "float32"), arr(idx, "int32")], [arr(g, "float32")])
sa = scatter_ref(xf.astype(np.float64), upd.astype(np.float64), [idx], [1], 0, True)
case("gather", "scatterAdd", {"axes": [1], "outDim": 0}, [arr(xf, "float32"), arr(upd, "float32"), arr(idx, "int32")], [arr(sa, "float32")], TOL["float32"], 1e-7)

# --------------------------------------------------------------------------------------------- dot_general


def dot_ref(x, y, lc, rc, lb, rb):
    letters = "abcdefghijklmnopqrstuvwxyz"
    xl = [None] * x.ndim
    yl = [None] * y.ndim
    it = iter(letters)
    out = []
    for a, b in zip(lb, rb):
        c = next(it)
        xl[a] = yl[b] = c
        out.append(c)
    for a, b in zip(lc, rc):
        c = next(it)
        xl[a] = yl[b] = c
    for i in range(x.ndim):
        if xl[i] is None:
            xl[i] = next(it)
            out.append(xl[i])
    for i in range(y.ndim):
        if yl[i] is None:
            yl[i] = next(it)
            out.append(yl[i])
    return np.einsum("".join(xl) + "," + "".join(yl) + "->" + "".join(out), x.astype(np.float64), y.astype(np.float64))


dcases = [
    ((3, 4), (4, 5), [1], [0], [], []),
    ((4,), (4,), [0], [0], [], []),
    ((4,), (4, 3), [0], [0], [], []),
    ((2, 3, 4), (2, 4, 5), [2], [1], [0], [0]),
    ((3, 2, 4), (4, 5, 2), [2], [0], [1], [2]),  # batch not leading on either side
    ((2, 3, 4, 5), (5, 3, 6, 2), [3, 1], [0, 1], [0], [3]),  # two contracting axes, in swapped order
    ((3, 0), (0, 4), [1], [0], [], []),  # K = 0
    ((2, 3), (4, 5), [], [], [], []),  # outer product
    ((17, 33), (33, 9), [1], [0], [], []),  # odd sizes: tails of the 4-wide micro-kernel
]
for xs, ys, lc, rc, lb, rb in dcases:
    x = rng.standard_normal(xs)
    y = rng.standard_normal(ys)
    p = {"contract": [lc, rc], "batch": [lb, rb], "preferredElementType": None}
    case("dot", "dotGeneral", p, [arr(x, "float64"), arr(y, "float64")], [arr(dot_ref(x, y, lc, rc, lb, rb), "float64")], 1e-14, 1e-14)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    case("dot", "dotGeneral", p, [arr(x32, "float32"), arr(y32, "float32")], [arr(dot_ref(x32, y32, lc, rc, lb, rb), "float32")], TOL["float32"], 1e-6)
xi = rng.integers(-(2**31), 2**31, (3, 4)).astype(np.int32)
yi = rng.integers(-(2**31), 2**31, (4, 2)).astype(np.int32)
wr = [[wrap32(sum(int(xi[i, k]) * int(yi[k, j]) for k in range(4)), "int32") for j in range(2)] for i in range(3)]
p = {"contract": [[1], [0]], "batch": [[], []], "preferredElementType": None}
case("dot", "dotGeneral", p, [arr(xi, "int32"), arr(yi, "int32")], [arr(wr, "int32")], note="int32 wraps")
xu, yu = xi.view(np.uint32), yi.view(np.uint32)
wr = [[wrap32(sum(int(xu[i, k]) * int(yu[k, j]) for k in range(4)), "uint32") for j in range(2)] for i in range(3)]
case("dot", "dotGeneral", p, [arr(xu, "uint32"), arr(yu, "uint32")], [arr(wr, "uint32")], note="uint32 wraps")
xs_ = rng.integers(-9, 9, (3, 4)).astype(np.int32)
ys_ = rng.integers(-9, 9, (4, 2)).astype(np.int32)
pf = {"contract": [[1], [0]], "batch": [[], []], "preferredElementType": "float32"}
case("dot", "dotGeneral", pf, [arr(xs_, "int32"), arr(ys_, "int32")], [arr(xs_.astype(np.float64) @ ys_, "float32")], note="preferred float32")
x32, y32 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((4, 2)).astype(np.float32)
pf = {"contract": [[1], [0]], "batch": [[], []], "preferredElementType": "float64"}
case("dot", "dotGeneral", pf, [arr(x32, "float32"), arr(y32, "float32")], [arr(x32.astype(np.float64) @ y32.astype(np.float64), "float64")], 1e-15, 1e-15, note="preferred float64")

# --------------------------------------------------------------------------------------------- conv_general_dilated


def conv_ref(x, w, strides, padding, lhs_dil, rhs_dil, G, B):
    """Naive XLA convolution: dilate the input, pad/crop it, dilate the kernel, slide the window per output element."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    N, C = x.shape[:2]
    O, I = w.shape[:2]
    nsp = x.ndim - 2
    sp = x.shape[2:]
    dsp = [(s - 1) * d + 1 if s > 0 else 0 for s, d in zip(sp, lhs_dil)]
    xd = np.zeros((N, C) + tuple(dsp))
    xd[(slice(None), slice(None)) + tuple(slice(None, None, d) for d in lhs_dil)] = x
    for a, (lo, hi) in enumerate(padding):
        ax = a + 2
        cfgs = [(0, 0)] * xd.ndim
        cfgs[ax] = (max(lo, 0), max(hi, 0))
        xd = np.pad(xd, cfgs)
        idx = [slice(None)] * xd.ndim
        idx[ax] = slice(max(-lo, 0), xd.shape[ax] - max(-hi, 0))
        xd = xd[tuple(idx)]
    ks = w.shape[2:]
    dks = [(k - 1) * d + 1 for k, d in zip(ks, rhs_dil)]
    wd = np.zeros((O, I) + tuple(dks))
    wd[(slice(None), slice(None)) + tuple(slice(None, None, d) for d in rhs_dil)] = w
    osp = [(xd.shape[2 + a] - dks[a]) // strides[a] + 1 for a in range(nsp)]
    out = np.zeros((N // B, O) + tuple(osp))
    for n in range(N // B):
        for o in range(O):
            gf = o // (O // G)
            gb = o // (O // B)
            nn = gb * (N // B) + n
            for y in np.ndindex(*osp):
                win = tuple(slice(y[a] * strides[a], y[a] * strides[a] + dks[a]) for a in range(nsp))
                patch = xd[(nn, slice(gf * I, (gf + 1) * I)) + win]
                out[(n, o) + y] = np.sum(patch * wd[o])
    return out


ccases = [
    # (lhs shape, rhs shape, strides, padding, lhs_dil, rhs_dil, G, B, note)
    ((2, 3, 7), (4, 3, 3), [1], [[0, 0]], [1], [1], 1, 1, "1d valid"),
    ((2, 3, 7), (4, 3, 3), [2], [[1, 2]], [1], [1], 1, 1, "1d stride 2, padding"),
    ((1, 2, 6, 5), (3, 2, 3, 2), [1, 1], [[1, 1], [0, 1]], [1, 1], [1, 1], 1, 1, "2d same-ish"),
    ((2, 2, 6, 5), (3, 2, 2, 2), [2, 1], [[-1, 0], [1, -1]], [1, 1], [1, 1], 1, 1, "2d negative padding"),
    ((1, 2, 7, 7), (2, 2, 3, 3), [1, 2], [[0, 0], [2, 2]], [1, 1], [2, 3], 1, 1, "2d rhs dilation (atrous)"),
    ((1, 2, 4, 3), (2, 2, 3, 3), [1, 1], [[2, 2], [2, 2]], [2, 3], [1, 1], 1, 1, "2d lhs dilation (transposed conv)"),
    ((2, 4, 5, 5), (6, 2, 3, 3), [1, 1], [[1, 1], [1, 1]], [1, 1], [1, 1], 2, 1, "feature groups G=2"),
    ((1, 3, 5, 4), (6, 1, 2, 2), [1, 1], [[0, 0], [0, 0]], [1, 1], [1, 1], 3, 1, "depthwise G=C, multiplier 2"),
    ((4, 3, 5, 4), (6, 3, 2, 2), [1, 1], [[0, 1], [0, 0]], [1, 1], [1, 1], 1, 2, "batch groups B=2"),
    ((6, 2, 4), (3, 2, 3), [1], [[1, 1]], [1], [1], 1, 3, "batch groups B=3 (rhs-gradient shape)"),
    ((1, 2, 4, 3, 3), (2, 2, 2, 2, 2), [1, 2, 1], [[0, 0], [1, 0], [0, 1]], [1, 1, 2], [1, 2, 1], 1, 1, "3d mixed"),
    ((2, 2, 3), (3, 2, 3), [1], [[0, 0]], [1], [1], 1, 1, "window equals input"),
    ((0, 2, 5), (3, 2, 2), [1], [[0, 0]], [1], [1], 1, 1, "empty batch"),
]
for xs, ws, strides, padding, ld, rd, G, B, note in ccases:
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    p = {"windowStrides": strides, "padding": padding, "lhsDilation": ld, "rhsDilation": rd, "featureGroupCount": G, "batchGroupCount": B}
    ref = conv_ref(x, w, strides, padding, ld, rd, G, B)
    case("conv", "convGeneralDilated", p, [arr(x, "float64"), arr(w, "float64")], [arr(ref, "float64")], 1e-14, 1e-14, note)
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    ref32 = conv_ref(x32, w32, strides, padding, ld, rd, G, B)
    case("conv", "convGeneralDilated", p, [arr(x32, "float32"), arr(w32, "float32")], [arr(ref32, "float32")], TOL["float32"], 1e-6, note)
xi = rng.integers(-5, 5, (1, 2, 5)).astype(np.int32)
wi = rng.integers(-5, 5, (2, 2, 2)).astype(np.int32)
p = {"windowStrides": [1], "padding": [[1, 0]], "lhsDilation": [1], "rhsDilation": [1], "featureGroupCount": 1, "batchGroupCount": 1}
case("conv", "convGeneralDilated", p, [arr(xi, "int32"), arr(wi, "int32")], [arr(conv_ref(xi, wi, [1], [[1, 0]], [1], [1], 1, 1), "int32")], note="int32")

# --------------------------------------------------------------------------------------------- sort


def sort_key(v):
    v = float(v)
    return (1, 0.0) if math.isnan(v) else (0, v)


def sort_ref(ops, dimension, num_keys, descending):
    ops = [np.asarray(o) for o in ops]
    moved = [np.moveaxis(o, dimension, -1) for o in ops]
    outs = [np.empty_like(m) for m in moved]
    for lane in np.ndindex(*moved[0].shape[:-1]):
        n = moved[0].shape[-1]
        order = sorted(range(n), key=lambda j: tuple(sort_key(moved[k][lane + (j,)]) for k in range(num_keys)))
        if descending:
            order = order[::-1]
        for m, o in zip(moved, outs):
            o[lane] = m[lane][order]
    return [np.moveaxis(o, -1, dimension) for o in outs]


x = np.array([3.0, -1.0, np.nan, 0.0, -0.0, 2.0, -np.inf, np.inf, 2.0, np.nan, -1.0])
pay = np.arange(x.size)
for desc in (False, True):
    s = sort_ref([x, pay], 0, 1, desc)
    case("sort", "sort", {"dimension": 0, "numKeys": 1, "descending": desc}, [arr(x, "float64"), arr(pay, "int32")],
         [arr(s[0], "float64"), arr(s[1], "int32")], note="NaN last, stable ties (-0 = 0)")
k1 = rng.integers(0, 3, (3, 8)).astype(np.float32)
k2 = rng.integers(0, 3, (3, 8)).astype(np.int32)
v = np.round(rng.standard_normal((3, 8)) * 10).astype(np.float64)
for dim in (0, 1):
    for nk in (1, 2):
        for desc in (False, True):
            s = sort_ref([k1, k2, v], dim, nk, desc)
            case("sort", "sort", {"dimension": dim, "numKeys": nk, "descending": desc}, [arr(k1, "float32"), arr(k2, "int32"), arr(v, "float64")],
                 [arr(s[0], "float32"), arr(s[1], "int32"), arr(s[2], "float64")])
kl = rng.integers(0, 5, (19, 2, 18)).astype(np.float32)
for dim in (0, 2):
    s = sort_ref([kl], dim, 1, False)
    case("sort", "sort", {"dimension": dim, "numKeys": 1, "descending": False}, [arr(kl, "float32")], [arr(s[0], "float32")], note="long axes")
u = np.array([5, 2**32 - 1, 0, 2**31, 7], dtype=np.uint32)
case("sort", "sort", {"dimension": 0, "numKeys": 1, "descending": False}, [arr(u, "uint32")], [arr(np.sort(u), "uint32")])
bsort = np.array([True, False, True, False])
case("sort", "sort", {"dimension": 0, "numKeys": 1, "descending": False}, [arr(bsort, "bool")], [arr(np.sort(bsort), "bool")])
case("sort", "sort", {"dimension": 1, "numKeys": 1, "descending": False}, [arr(np.zeros((2, 0)), "float32")], [arr(np.zeros((2, 0)), "float32")], note="empty")

# --------------------------------------------------------------------------------------------- write
os.makedirs(OUT, exist_ok=True)
for name, cs in sorted(groups.items()):
    with open(os.path.join(OUT, f"{name}.json"), "w") as fh:
        json.dump(cs, fh, separators=(",", ":"), allow_nan=False)
        fh.write("\n")
    print(f"{name}: {len(cs)} cases")
