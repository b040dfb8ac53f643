#!/usr/bin/env python3
"""Generates test/fixtures/numpy/*.json: expected values of np/lax functions computed independently with numpy
(and scipy for erf/erfinv/logsumexp), plus naive-loop references for conv/pooling. CI does not run python:
the JSON is committed. Run: python3 scripts/gen-numpy-fixtures.py

Case format: {"fn": name, "args": [...], "out": enc | [enc...], "rtol"?: r, "atol"?: a}
enc = {"dtype", "shape", "data"} (NaN/inf as "nan"/"inf"/"-inf"); plain JSON numbers in args are weak JS numbers.
Dtype expectations follow JAX (x64 off, float32/int32 defaults), not numpy's float64/int64 defaults.
"""
import json
import math
import os

import numpy as np
import scipy.special as sp

rng = np.random.default_rng(20240611)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'numpy')
os.makedirs(OUT, exist_ok=True)

DT = {np.dtype('float32'): 'float32', np.dtype('float64'): 'float64', np.dtype('int32'): 'int32',
      np.dtype('uint32'): 'uint32', np.dtype('bool'): 'bool'}


def num(v):
    v = float(v)
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


def enc(a, dtype=None):
    a = np.asarray(a)
    if dtype is not None:
        a = a.astype(dtype)
    if a.dtype == np.int64:
        a = a.astype(np.int32)
    if a.dtype not in DT:
        raise TypeError(f'unsupported dtype {a.dtype}')
    flat = a.reshape(-1)
    if a.dtype == np.bool_:
        data = [bool(v) for v in flat]
    elif a.dtype.kind in 'iu':
        data = [int(v) for v in flat]
    else:
        data = [num(v) for v in flat]
    return {'dtype': DT[a.dtype], 'shape': list(a.shape), 'data': data}


def f32(*shape, lo=-3.0, hi=3.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def i32(*shape, lo=-9, hi=10):
    return rng.integers(lo, hi, size=shape).astype(np.int32)


def case(fn, args, out, **kw):
    c = {'fn': fn, 'args': args, 'out': out}
    c.update(kw)
    return c


def A(a):
    return enc(a)


def dump(name, cases):
    with open(os.path.join(OUT, name + '.json'), 'w') as f:
        json.dump(cases, f, separators=(',', ':'))
    print(f'{name}.json: {len(cases)} cases')


# ------------------------------------------------------------------------------------------------
# Elementwise.

def elementwise():
    cs = []
    x = f32(3, 4)
    pos = f32(3, 4, lo=0.1, hi=5.0)
    unit = f32(3, 4, lo=-0.95, hi=0.95)
    special = np.array([0.0, -0.0, 1.5, -2.5, np.inf, -np.inf, np.nan, 1e-3], dtype=np.float32)
    halves = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49, -3.51, 1e8, 7.0, -0.4, 0.0], dtype=np.float32)
    un = {
        'negative': (x, np.negative), 'absolute': (special, np.abs), 'sign': (special, np.sign),
        'exp': (x, np.exp), 'exp2': (x, np.exp2), 'expm1': (x, np.expm1), 'log': (pos, np.log),
        'log1p': (pos, np.log1p), 'log2': (pos, np.log2), 'log10': (pos, np.log10), 'sqrt': (pos, np.sqrt),
        'rsqrt': (pos, lambda v: 1 / np.sqrt(v)), 'cbrt': (x, np.cbrt), 'square': (x, np.square),
        'reciprocal': (pos, np.reciprocal), 'sin': (x, np.sin), 'cos': (x, np.cos), 'tan': (unit, np.tan),
        'tanh': (x, np.tanh), 'sinh': (x, np.sinh), 'cosh': (x, np.cosh), 'arcsin': (unit, np.arcsin),
        'arccos': (unit, np.arccos), 'arctan': (x, np.arctan), 'arcsinh': (x, np.arcsinh),
        'arccosh': (pos + 1, np.arccosh), 'arctanh': (unit, np.arctanh), 'erf': (x, sp.erf),
        'erfc': (x, sp.erfc), 'erfinv': (unit, sp.erfinv), 'floor': (special, np.floor), 'ceil': (special, np.ceil),
        'trunc': (special, np.trunc), 'rint': (halves, np.rint), 'round': (halves, np.round),
        'isnan': (special, np.isnan), 'isinf': (special, np.isinf), 'isfinite': (special, np.isfinite),
        'isposinf': (special, np.isposinf), 'isneginf': (special, np.isneginf), 'signbit': (special, np.signbit),
        'sinc': (np.array([0.0, 0.5, -1.25, 2.0, 3.3], np.float32), np.sinc), 'deg2rad': (x, np.deg2rad),
        'rad2deg': (x, np.rad2deg), 'logicalNot': (special, np.logical_not), 'nanToNum': (special, np.nan_to_num),
    }
    for name, (a, f) in un.items():
        a = np.asarray(a, np.float32)
        with np.errstate(all='ignore'):
            r = f(a)
        if r.dtype == np.float64:
            r = r.astype(np.float32)
        extra = {'signedZero': True} if name in ('rint', 'round', 'floor', 'ceil', 'trunc', 'negative') else {}
        cs.append(case(name, [A(a)], A(r), rtol=2e-5 if name not in ('erfinv', 'tan') else 1e-4, atol=1e-6, **extra))
    # float64 inputs stay float64 (computed at full precision)
    d = rng.uniform(0.1, 4, size=(5,))
    for name, f in [('exp', np.exp), ('log', np.log), ('sin', np.sin), ('sqrt', np.sqrt), ('tanh', np.tanh)]:
        cs.append(case(name, [A(d)], A(f(d)), rtol=1e-13))
    # integer inputs: abs/sign/negative/square stay int32; floor is the identity; exp promotes to float32
    ii = np.array([-7, -1, 0, 3, 12], np.int32)
    for name, f in [('absolute', np.abs), ('sign', np.sign), ('negative', np.negative), ('square', np.square),
                    ('floor', lambda v: v), ('ceil', lambda v: v), ('round', lambda v: v)]:
        cs.append(case(name, [A(ii)], A(f(ii).astype(np.int32))))
    cs.append(case('exp', [A(ii)], A(np.exp(ii.astype(np.float32))), rtol=2e-5))
    cs.append(case('sqrt', [A(np.abs(ii))], A(np.sqrt(np.abs(ii).astype(np.float32))), rtol=2e-5))
    # round with decimals
    rd = np.array([1.2345, -2.5555, 12.5, 0.125, 123.456], np.float32)
    for dec in (1, 2, -1):
        cs.append(case('round', [A(rd), dec], A(np.round(rd.astype(np.float64), dec).astype(np.float32)), rtol=1e-6))
    cs.append(case('round', [A(np.array([15, 25, -35, 44], np.int32)), -1], A(np.array([20, 20, -40, 40], np.int32))))

    # binary, float32 with broadcasting [3,1] x [4]
    a = f32(3, 1)
    b = f32(4)
    bpos = f32(4, lo=0.5, hi=3)
    binf = {
        'add': np.add, 'subtract': np.subtract, 'multiply': np.multiply, 'trueDivide': np.true_divide,
        'maximum': np.maximum, 'minimum': np.minimum, 'arctan2': np.arctan2, 'hypot': np.hypot,
        'copysign': np.copysign, 'logaddexp': np.logaddexp, 'logaddexp2': np.logaddexp2,
        'equal': np.equal, 'notEqual': np.not_equal, 'less': np.less, 'lessEqual': np.less_equal,
        'greater': np.greater, 'greaterEqual': np.greater_equal, 'logicalAnd': np.logical_and,
        'logicalOr': np.logical_or, 'logicalXor': np.logical_xor, 'floorDivide': np.floor_divide,
        'remainder': np.remainder, 'fmod': np.fmod,
    }
    for name, f in binf.items():
        y = bpos if name in ('floorDivide', 'remainder', 'fmod', 'trueDivide') else b
        r = f(a, y)
        cs.append(case(name, [A(a), A(y)], A(r), rtol=2e-5, atol=2e-6))
    # comparisons with equal values
    e1 = np.array([1, 2, 3, 4], np.float32)
    e2 = np.array([1, 3, 2, 4], np.float32)
    for name, f in [('equal', np.equal), ('lessEqual', np.less_equal), ('greaterEqual', np.greater_equal)]:
        cs.append(case(name, [A(e1), A(e2)], A(f(e1, e2))))
    pw_b = f32(3, 1, lo=0.2, hi=3)
    pw_e = f32(4, lo=-2, hi=2)
    cs.append(case('power', [A(pw_b), A(pw_e)], A(np.power(pw_b, pw_e)), rtol=2e-5))
    # static integer exponents (repeated multiplication), negative bases
    for n in (0, 1, 2, 3, 5, -2):
        cs.append(case('power', [A(a), n], A(np.power(a.astype(np.float64), n).astype(np.float32)), rtol=2e-5))
    # NaN handling
    n1 = np.array([np.nan, 1.0, np.nan, -2.0], np.float32)
    n2 = np.array([0.0, np.nan, np.nan, 3.0], np.float32)
    for name, f in [('maximum', np.maximum), ('minimum', np.minimum), ('fmax', np.fmax), ('fmin', np.fmin)]:
        cs.append(case(name, [A(n1), A(n2)], A(f(n1, n2))))
    cs.append(case('heaviside', [A(np.array([-1.5, 0, 2, np.nan], np.float32)), 0.5],
                   A(np.heaviside(np.array([-1.5, 0, 2, np.nan], np.float32), np.float32(0.5)))))
    # integer semantics (numpy floor division and sign of y for remainder)
    xi = np.array([7, -7, 7, -7, 0, 9, -9, 5], np.int32)
    yi = np.array([2, 2, -2, -2, 3, -4, 4, 5], np.int32)
    for name, f in [('floorDivide', np.floor_divide), ('remainder', np.remainder), ('fmod', np.fmod),
                    ('add', np.add), ('subtract', np.subtract), ('multiply', np.multiply), ('maximum', np.maximum),
                    ('bitwiseAnd', np.bitwise_and), ('bitwiseOr', np.bitwise_or), ('bitwiseXor', np.bitwise_xor)]:
        cs.append(case(name, [A(xi), A(yi)], A(f(xi, yi).astype(np.int32))))
    cs.append(case('trueDivide', [A(xi), A(yi)], A((xi / yi).astype(np.float32)), rtol=1e-6))
    cs.append(case('bitwiseNot', [A(xi)], A(np.invert(xi))))
    sh = np.array([0, 1, 3, 7], np.int32)
    xs = np.array([-100, 100, -1, 12345], np.int32)
    cs.append(case('leftShift', [A(xs), A(sh)], A(np.left_shift(xs, sh))))
    cs.append(case('rightShift', [A(xs), A(sh)], A(np.right_shift(xs, sh))))
    xu = np.array([4000000000, 7, 100, 5], np.uint32)
    yu = np.array([3, 2, 7, 5], np.uint32)
    for name, f in [('add', np.add), ('subtract', np.subtract), ('floorDivide', np.floor_divide),
                    ('remainder', np.remainder), ('rightShift', np.right_shift), ('multiply', np.multiply)]:
        cs.append(case(name, [A(xu), A(yu)], A(f(xu, yu).astype(np.uint32))))
    ip = np.array([2, -3, 4, 0], np.int32)
    cs.append(case('power', [A(ip), A(np.array([3, 2, 5, 0], np.int32))], A(np.power(ip, np.array([3, 2, 5, 0])).astype(np.int32))))
    # bools: add is or, multiply is and
    bb1 = np.array([True, True, False, False])
    bb2 = np.array([True, False, True, False])
    cs.append(case('add', [A(bb1), A(bb2)], A(bb1 | bb2)))
    cs.append(case('multiply', [A(bb1), A(bb2)], A(bb1 & bb2)))
    cs.append(case('logicalXor', [A(bb1), A(bb2)], A(bb1 ^ bb2)))
    # weak JS numbers keep the array's dtype; an int array with a float number becomes float32 (JAX, not numpy)
    cs.append(case('multiply', [A(a), 2.5], A(a * np.float32(2.5))))
    cs.append(case('add', [A(xi), 3], A(xi + np.int32(3))))
    cs.append(case('multiply', [A(xi), 0.5], A(xi.astype(np.float32) * np.float32(0.5))))
    cs.append(case('subtract', [2, A(a)], A(np.float32(2) - a)))
    cs.append(case('trueDivide', [1, A(xi[xi != 0])], A(np.float32(1) / xi[xi != 0].astype(np.float32)), rtol=1e-6))
    # where / clip / select
    cond = np.array([[True], [False], [True]])
    cs.append(case('where', [A(cond), A(a), A(b)], A(np.where(cond, a, b))))
    cs.append(case('where', [A(cond), A(xi[:4]), 0.5], A(np.where(cond, xi[:4].astype(np.float32), np.float32(0.5)))))
    cs.append(case('clip', [A(x), -1, 1.5], A(np.clip(x, -1, 1.5))))
    cs.append(case('clip', [A(xi), None, 3], A(np.clip(xi, None, 3).astype(np.int32))))
    cs.append(case('isclose', [A(np.array([1.0, 1.00001, 2.0, np.nan], np.float32)), A(np.array([1.0, 1.0, 2.1, np.nan], np.float32))],
                   A(np.isclose(np.array([1.0, 1.00001, 2.0, np.nan], np.float32), np.array([1.0, 1.0, 2.1, np.nan], np.float32)))))
    # astype: floats to ints truncate toward zero
    fl = np.array([1.7, -1.7, 0.2, -0.0, 3.0], np.float32)
    cs.append(case('astype', [A(fl), 'int32'], A(fl.astype(np.int32))))
    cs.append(case('astype', [A(fl), 'bool'], A(fl.astype(np.bool_))))
    cs.append(case('astype', [A(xi), 'float64'], A(xi.astype(np.float64))))
    cs.append(case('divmod', [A(xi), A(yi)], [A(np.floor_divide(xi, yi).astype(np.int32)), A(np.remainder(xi, yi).astype(np.int32))]))
    cs.append(case('divmod', [A(a), A(bpos)], [A(np.floor_divide(a, bpos)), A(np.remainder(a, bpos))], rtol=2e-5, atol=2e-6))
    cs.append(case('positive', [A(xi)], A(xi)))
    cs.append(case('allclose', [A(e1), A(e1 + np.float32(1e-7))], A(np.True_)))
    cs.append(case('allclose', [A(e1), A(e2)], A(np.False_)))
    cs.append(case('arrayEqual', [A(e1), A(e1)], A(np.True_)))
    cs.append(case('arrayEqual', [A(e1), A(e1[:3])], A(np.False_)))
    dump('elementwise', cs)


# ------------------------------------------------------------------------------------------------
# Reductions.

def reductions():
    cs = []
    x = f32(3, 4, 5)
    xi = i32(3, 4)
    xb = rng.uniform(size=(3, 4)) > 0.5
    axes = [None, 0, -1, 1, [0, 2], [-1, -3]]
    fns = {'sum': np.sum, 'prod': np.prod, 'mean': np.mean, 'max': np.max, 'min': np.min, 'ptp': np.ptp,
           'logsumexp': sp.logsumexp, 'any': np.any, 'all': np.all}
    for name, f in fns.items():
        for ax in axes:
            for kd in (False, True):
                a = x if name not in ('any', 'all') else x > 0.5
                npax = tuple(ax) if isinstance(ax, list) else ax
                r = f(a, axis=npax, keepdims=kd)
                r = np.asarray(r)
                if r.dtype == np.float64:
                    r = r.astype(np.float32)
                cs.append(case(name, [A(a), ax, {'keepdims': kd}], A(r), rtol=3e-5 if name != 'prod' else 1e-4, atol=1e-5))
    for ddof in (0, 1):
        for ax in (None, 1, [0, 2]):
            npax = tuple(ax) if isinstance(ax, list) else ax
            cs.append(case('var', [A(x), ax, {'ddof': ddof}], A(np.var(x.astype(np.float64), axis=npax, ddof=ddof).astype(np.float32)), rtol=3e-5))
            cs.append(case('std', [A(x), ax, {'ddof': ddof, 'keepdims': True}],
                           A(np.std(x.astype(np.float64), axis=npax, ddof=ddof, keepdims=True).astype(np.float32)), rtol=3e-5))
    # ints and bools: sum stays int32 (bools count), mean is float32
    cs.append(case('sum', [A(xi), 0], A(np.sum(xi, axis=0).astype(np.int32))))
    cs.append(case('sum', [A(xb)], A(np.int32(np.sum(xb)))))
    cs.append(case('sum', [A(xb), 1], A(np.sum(xb, axis=1).astype(np.int32))))
    cs.append(case('prod', [A(xi[:, :2]), 1], A(np.prod(xi[:, :2], axis=1).astype(np.int32))))
    cs.append(case('mean', [A(xi), 1], A(np.mean(xi, axis=1).astype(np.float32)), rtol=1e-6))
    cs.append(case('max', [A(xi)], A(np.int32(np.max(xi)))))
    cs.append(case('countNonzero', [A(xi), 0], A(np.count_nonzero(xi, axis=0).astype(np.int32))))
    cs.append(case('sum', [A(x), 1, {'dtype': 'float64'}], A(np.sum(x.astype(np.float64), axis=1)), rtol=1e-12))
    # argmax / argmin, ties pick the first
    t = np.array([[1, 5, 5, 2], [7, 7, 0, 7], [3, 1, 1, 9]], np.float32)
    for name, f in [('argmax', np.argmax), ('argmin', np.argmin)]:
        for ax in (None, 0, 1, -1):
            cs.append(case(name, [A(t), ax], A(np.asarray(f(t, axis=ax)).astype(np.int32))))
        cs.append(case(name, [A(t), 1, {'keepdims': True}], A(f(t, axis=1, keepdims=True).astype(np.int32))))
        cs.append(case(name, [A(x), -2], A(f(x, axis=-2).astype(np.int32))))
    # cumulative scans over several lengths (the associative scan recursion on odd/even sizes)
    for n in (1, 2, 3, 5, 8, 9):
        v = f32(2, n, lo=0.5, hi=1.5)
        cs.append(case('cumsum', [A(v), 1], A(np.cumsum(v, axis=1)), rtol=2e-6))
        cs.append(case('cumprod', [A(v), 1], A(np.cumprod(v, axis=1)), rtol=2e-6))
        cs.append(case('cummax', [A(f32(n, 3)), 0], None))
        cs[-1]['out'] = A(np.maximum.accumulate(np.array(cs[-1]['args'][0]['data'], np.float32).reshape(n, 3), axis=0))
        w = f32(n, 3)
        cs.append(case('cummin', [A(w), 0], A(np.minimum.accumulate(w, axis=0))))
        cs.append(case('cumlogsumexp', [A(w), 0], A(np.logaddexp.accumulate(w.astype(np.float64), axis=0).astype(np.float32)), rtol=2e-6))
    cs.append(case('cumsum', [A(xi)], A(np.cumsum(xi).astype(np.int32))))
    cs.append(case('cumsum', [A(x), -1, {'reverse': True}], A(np.flip(np.cumsum(np.flip(x, -1), -1), -1)), rtol=2e-5, atol=1e-5))
    cs.append(case('cumprod', [A(xi[:, :3]), 0], A(np.cumprod(xi[:, :3], axis=0).astype(np.int32))))
    cs.append(case('cumsum', [A(xb), 1], A(np.cumsum(xb, axis=1).astype(np.int32))))
    # order statistics and weighted means
    m = f32(4, 5)
    for ax in (None, 0, 1):
        cs.append(case('median', [A(m), ax], A(np.median(m.astype(np.float64), axis=ax).astype(np.float32)), rtol=1e-6))
    cs.append(case('quantile', [A(m), [0.1, 0.5, 0.9], 1], A(np.quantile(m.astype(np.float64), [0.1, 0.5, 0.9], axis=1).astype(np.float32)), rtol=1e-5))
    cs.append(case('percentile', [A(m), 25, 0, {'keepdims': True}], A(np.percentile(m.astype(np.float64), 25, axis=0, keepdims=True).astype(np.float32)), rtol=1e-5))
    wts = f32(5, lo=0.1, hi=1)
    cs.append(case('average', [A(m), 1, {'weights': A(wts)}], A(np.average(m, axis=1, weights=wts).astype(np.float32)), rtol=1e-5))
    cs.append(case('average', [A(m), None], A(np.float32(np.average(m))), rtol=1e-5))
    wm = f32(4, 5, lo=0.1, hi=1)
    cs.append(case('average', [A(m), None, {'weights': A(wm)}], A(np.float32(np.average(m, weights=wm))), rtol=1e-5))
    # NaN-aware reductions
    nn = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]], np.float32)
    with np.errstate(all='ignore'):
        import warnings
        warnings.simplefilter('ignore')
        cs.append(case('nansum', [A(nn), 1], A(np.nansum(nn, axis=1))))
        cs.append(case('nanmean', [A(nn), 1], A(np.nanmean(nn, axis=1))))
        cs.append(case('nanmax', [A(nn), 1], A(np.nanmax(nn, axis=1))))
        cs.append(case('nanmin', [A(nn), 1], A(np.nanmin(nn, axis=1))))
        cs.append(case('nanprod', [A(nn), 1], A(np.nanprod(nn, axis=1))))
    # logsumexp with weights and infinities
    li = np.array([[-np.inf, -np.inf], [0.0, -np.inf], [1000.0, 1000.0]], np.float32)
    cs.append(case('logsumexp', [A(li), 1], A(sp.logsumexp(li, axis=1).astype(np.float32))))
    bw = f32(3, 4, lo=0.1, hi=2)
    xl = f32(3, 4)
    cs.append(case('logsumexp', [A(xl), 1, {'b': A(bw)}], A(sp.logsumexp(xl, axis=1, b=bw).astype(np.float32)), rtol=2e-5))
    dump('reductions', cs)


# ------------------------------------------------------------------------------------------------
# Shapes, joining, padding, gathers.

def shape():
    cs = []
    x = f32(2, 3, 4)
    cs.append(case('reshape', [A(x), [4, -1]], A(x.reshape(4, -1))))
    cs.append(case('reshape', [A(x), [-1]], A(x.reshape(-1))))
    cs.append(case('ravel', [A(x)], A(x.ravel())))
    cs.append(case('transpose', [A(x)], A(x.T)))
    cs.append(case('transpose', [A(x), [1, -1, 0]], A(np.transpose(x, (1, 2, 0)))))
    cs.append(case('moveaxis', [A(x), 0, -1], A(np.moveaxis(x, 0, -1))))
    cs.append(case('moveaxis', [A(x), [0, 1], [-1, 0]], A(np.moveaxis(x, [0, 1], [-1, 0]))))
    cs.append(case('swapaxes', [A(x), 0, 2], A(np.swapaxes(x, 0, 2))))
    cs.append(case('broadcastTo', [A(f32(3, 1)), [2, 3, 4]], None))
    cs[-1]['out'] = A(np.broadcast_to(np.array(cs[-1]['args'][0]['data'], np.float32).reshape(3, 1), (2, 3, 4)))
    cs.append(case('expandDims', [A(x), [0, -1]], A(np.expand_dims(x, (0, -1)))))
    cs.append(case('expandDims', [A(x), 1], A(np.expand_dims(x, 1))))
    s = f32(1, 3, 1)
    cs.append(case('squeeze', [A(s)], A(np.squeeze(s))))
    cs.append(case('squeeze', [A(s), -1], A(np.squeeze(s, -1))))
    a, b, c = f32(2, 3), f32(2, 3), f32(1, 3)
    cs.append(case('concatenate', [[A(a), A(c)], 0], A(np.concatenate([a, c], 0))))
    cs.append(case('concatenate', [[A(a), A(b)], -1], A(np.concatenate([a, b], -1))))
    cs.append(case('concatenate', [[A(a), A(c)], None], A(np.concatenate([a, c], None))))
    cs.append(case('concatenate', [[A(a), A(i32(2, 2))], 1], A(np.concatenate([a, i32(2, 2).astype(np.float32)], 1))))
    cs[-1]['out'] = A(np.concatenate([a, np.array(cs[-1]['args'][0][1]['data'], np.float32).reshape(2, 2)], 1))
    cs.append(case('stack', [[A(a), A(b)], 0], A(np.stack([a, b], 0))))
    cs.append(case('stack', [[A(a), A(b)], -1], A(np.stack([a, b], -1))))
    v1, v2 = f32(3), f32(3)
    cs.append(case('hstack', [[A(v1), A(v2)]], A(np.hstack([v1, v2]))))
    cs.append(case('hstack', [[A(a), A(b)]], A(np.hstack([a, b]))))
    cs.append(case('vstack', [[A(v1), A(v2)]], A(np.vstack([v1, v2]))))
    cs.append(case('dstack', [[A(a), A(b)]], A(np.dstack([a, b]))))
    cs.append(case('columnStack', [[A(v1), A(v2)]], A(np.column_stack([v1, v2]))))
    y = f32(6, 4)
    cs.append(case('split', [A(y), 3], [A(p) for p in np.split(y, 3)]))
    cs.append(case('split', [A(y), [1, 4], 0], [A(p) for p in np.split(y, [1, 4], 0)]))
    cs.append(case('split', [A(y), 2, -1], [A(p) for p in np.split(y, 2, -1)]))
    cs.append(case('arraySplit', [A(f32(7, 2)), 3], None))
    cs[-1]['out'] = [A(p) for p in np.array_split(np.array(cs[-1]['args'][0]['data'], np.float32).reshape(7, 2), 3)]
    # pad: all modes, widths larger than the axis for the periodic modes
    p = f32(3, 4)
    for mode in ('constant', 'edge', 'reflect', 'symmetric', 'wrap'):
        for w in (1, [2, 3], [[1, 2], [0, 5]], [[4, 7], [3, 0]]):
            npw = w if not isinstance(w, list) else (tuple(w) if isinstance(w[0], int) else tuple(tuple(q) for q in w))
            cs.append(case('pad', [A(p), w, mode], A(np.pad(p, npw, mode=mode))))
    cs.append(case('pad', [A(p), 1, 'constant', 7], A(np.pad(p, 1, constant_values=7))))
    cs.append(case('pad', [A(np.arange(5, dtype=np.int32)), [[3, 9]], 'reflect'], A(np.pad(np.arange(5, dtype=np.int32), (3, 9), mode='reflect'))))
    # reordering
    cs.append(case('flip', [A(x)], A(np.flip(x))))
    cs.append(case('flip', [A(x), [0, -1]], A(np.flip(x, (0, -1)))))
    cs.append(case('fliplr', [A(a)], A(np.fliplr(a))))
    cs.append(case('flipud', [A(a)], A(np.flipud(a))))
    for k in (1, 2, 3, -1):
        cs.append(case('rot90', [A(a), k], A(np.rot90(a, k))))
    cs.append(case('roll', [A(x), 2], A(np.roll(x, 2))))
    cs.append(case('roll', [A(x), -1, 1], A(np.roll(x, -1, 1))))
    cs.append(case('roll', [A(x), [1, 5], [0, 2]], A(np.roll(x, (1, 5), (0, 2)))))
    cs.append(case('tile', [A(a), [2, 1, 3]], A(np.tile(a, (2, 1, 3)))))
    cs.append(case('tile', [A(v1), 2], A(np.tile(v1, 2))))
    cs.append(case('repeat', [A(a), 2], A(np.repeat(a, 2))))
    cs.append(case('repeat', [A(a), 3, 1], A(np.repeat(a, 3, 1))))
    cs.append(case('repeat', [A(a), [1, 0, 2], -1], A(np.repeat(a, [1, 0, 2], -1))))
    # take / takeAlongAxis
    t = f32(4, 5)
    cs.append(case('take', [A(t), [0, 3, -1, 2]], A(np.take(t, [0, 3, -1, 2]))))
    cs.append(case('take', [A(t), [[0, 3], [-1, 1]], 1], A(np.take(t, [[0, 3], [-1, 1]], 1))))
    cs.append(case('take', [A(t), [0, 7, -9], 0, {'mode': 'clip'}], A(np.take(t, [0, 7, -9], 0, mode='clip'))))
    cs.append(case('take', [A(t), [0, 7, -9], 1, {'mode': 'wrap'}], A(np.take(t, [0, 7, -9], 1, mode='wrap'))))
    # out of range without a mode: clamped, as JAX's gather
    cs.append(case('take', [A(t), [0, 9], 1], A(np.take(t, [0, 4], 1))))
    idx = np.argsort(t, axis=1).astype(np.int32)
    cs.append(case('takeAlongAxis', [A(t), A(idx), 1], A(np.take_along_axis(t, idx, 1))))
    idx0 = rng.integers(0, 4, size=(2, 5)).astype(np.int32)
    cs.append(case('takeAlongAxis', [A(t), A(idx0), 0], A(np.take_along_axis(t, idx0, 0))))
    idxb = rng.integers(0, 5, size=(4, 1)).astype(np.int32)
    cs.append(case('takeAlongAxis', [A(t), A(idxb), -1], A(np.take_along_axis(t, idxb, -1))))
    # diagonals
    v = f32(3)
    for k in (0, 1, -2):
        cs.append(case('diag', [A(v), k], A(np.diag(v, k))))
        cs.append(case('diag', [A(t), k], A(np.diag(t, k))))
        cs.append(case('trace', [A(t), k], A(np.float32(np.trace(t, k))), rtol=1e-6))
    cs.append(case('diagonal', [A(x), 1, 2, 0], A(np.diagonal(x, 1, 2, 0))))
    cs.append(case('diagonal', [A(x), -1, 0, -1], A(np.diagonal(x, -1, 0, -1))))
    cs.append(case('diagflat', [A(a)], A(np.diagflat(a))))
    cs.append(case('tril', [A(t)], A(np.tril(t))))
    cs.append(case('tril', [A(x), -1], A(np.tril(x, -1))))
    cs.append(case('triu', [A(t), 1], A(np.triu(t, 1))))
    cs.append(case('atleast2d', [A(v)], A(np.atleast_2d(v))))
    cs.append(case('atleast3d', [A(a)], A(np.atleast_3d(a))))
    cs.append(case('hsplit', [A(y), 2], [A(q) for q in np.hsplit(y, 2)]))
    cs.append(case('vsplit', [A(y), [2]], [A(q) for q in np.vsplit(y, [2])]))
    cs.append(case('extract', [A(t > 0), A(t)], A(np.extract(t > 0, t))))
    cs.append(case('slice', [A(t), [1, 0], [4, 5], [2, 2]], A(t[1:4:2, 0:5:2])))
    cs.append(case('dynamicSlice', [A(t), [1, 3], [2, 2]], A(t[1:3, 3:5])))
    cs.append(case('dynamicSlice', [A(t), [3, 4], [2, 2]], A(t[2:4, 3:5])))  # starts clamp so the slice fits
    upd = np.full((2, 2), 9, np.float32)
    tt = t.copy(); tt[2:4, 0:2] = upd
    cs.append(case('dynamicUpdateSlice', [A(t), A(upd), [2, 0]], A(tt)))
    cs.append(case('atleast1d', [A(np.float32(3))], A(np.atleast_1d(np.float32(3)))))
    cs.append(case('matrixTranspose', [A(x)], A(np.swapaxes(x, -1, -2))))
    cs.append(case('concat', [[A(a), A(b)], 1], A(np.concatenate([a, b], 1))))
    cs.append(case('vecdot', [A(a), A(b)], A(np.sum(a * b, -1)), rtol=2e-6))
    dump('shape', cs)


# ------------------------------------------------------------------------------------------------
# Products, einsum, norms, sorting, creation.

def linalg():
    cs = []
    M = lambda *s: f32(*s)
    pairs = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
             ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((2, 1, 3, 4), (1, 5, 4, 2))]
    for sa, sb in pairs:
        a, b = M(*sa), M(*sb)
        cs.append(case('matmul', [A(a), A(b)], A(np.matmul(a, b)), rtol=2e-5, atol=1e-5))
    ai, bi = i32(2, 3), i32(3, 2)
    cs.append(case('matmul', [A(ai), A(bi)], A(np.matmul(ai, bi).astype(np.int32))))
    for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 4, 3), (5, 3, 2)), ((), (2, 3))]:
        a, b = M(*sa), M(*sb)
        cs.append(case('dot', [A(a), A(b)], A(np.dot(a, b)), rtol=2e-5, atol=1e-5))
    for sa, sb in [((3,), (3,)), ((2, 3), (4, 3)), ((2, 5, 3), (3,))]:
        a, b = M(*sa), M(*sb)
        cs.append(case('inner', [A(a), A(b)], A(np.inner(a, b)), rtol=2e-5, atol=1e-5))
    a, b = M(2, 3), M(3, 2)
    cs.append(case('vdot', [A(a), A(b)], A(np.float32(np.vdot(a, b))), rtol=2e-5))
    cs.append(case('outer', [A(M(3)), A(M(2, 2))], None))
    o = cs[-1]['args']
    cs[-1]['out'] = A(np.outer(np.array(o[0]['data'], np.float32), np.array(o[1]['data'], np.float32)))
    ta, tb = M(2, 3, 4), M(3, 4, 5)
    cs.append(case('tensordot', [A(ta), A(tb)], A(np.tensordot(ta, tb)), rtol=2e-5, atol=1e-5))
    tc = M(4, 2)
    cs.append(case('tensordot', [A(ta), A(tc), 1], A(np.tensordot(ta, tc, 1)), rtol=2e-5, atol=1e-5))
    cs.append(case('tensordot', [A(ta), A(tb), [[1, 2], [0, 1]]], A(np.tensordot(ta, tb, ((1, 2), (0, 1)))), rtol=2e-5, atol=1e-5))
    td = M(2, 5)
    cs.append(case('tensordot', [A(ta), A(td), [0, 0]], A(np.tensordot(ta, td, (0, 0))), rtol=2e-5, atol=1e-5))
    ka, kb = M(2, 3), M(3, 2)
    cs.append(case('kron', [A(ka), A(kb)], A(np.kron(ka, kb)), rtol=1e-6))
    cs.append(case('kron', [A(M(2)), A(M(2, 3))], None))
    kk = cs[-1]['args']
    cs[-1]['out'] = A(np.kron(np.array(kk[0]['data'], np.float32), np.array(kk[1]['data'], np.float32).reshape(2, 3)))
    c1, c2 = M(4, 3), M(4, 3)
    cs.append(case('cross', [A(c1), A(c2)], A(np.cross(c1, c2)), rtol=2e-5, atol=1e-6))
    # einsum
    specs = [
        ('ij,jk->ik', [(2, 3), (3, 4)]), ('ij,jk', [(2, 3), (3, 4)]), ('ii->i', [(3, 3)]), ('ii', [(3, 3)]),
        ('ij->ji', [(2, 3)]), ('ij->', [(2, 3)]), ('i,i->', [(4,), (4,)]), ('i,j->ij', [(2,), (3,)]),
        ('bij,bjk->bik', [(5, 2, 3), (5, 3, 4)]), ('...ij,...jk->...ik', [(5, 2, 3), (3, 4)]),
        ('...ij,...jk', [(2, 1, 2, 3), (4, 3, 2)]), ('ij,jk,kl->il', [(2, 3), (3, 4), (4, 5)]),
        ('abc,cd,bd->a', [(2, 3, 4), (4, 5), (3, 5)]), ('iij->j', [(3, 3, 2)]), ('ijk,ikl->ijl', [(2, 3, 4), (2, 4, 5)]),
        ('i...->...', [(3, 2, 4)]), ('ba,ca', [(2, 3), (4, 3)]), ('ij,ij->i', [(3, 4), (3, 4)]),
        ('bhqd,bhkd->bhqk', [(2, 3, 4, 5), (2, 3, 6, 5)]), ('Ab,bA', [(2, 3), (3, 2)]),
    ]
    for spec, shapes in specs:
        ops = [M(*s) for s in shapes]
        cs.append(case('einsum', [spec] + [A(o) for o in ops], A(np.asarray(np.einsum(spec, *ops), np.float32)), rtol=2e-5, atol=1e-5))
    # norms
    v = M(5)
    for ordv in (None, 1, 2, 'inf', '-inf', 0, 3, 0.5):
        o = {'inf': np.inf, '-inf': -np.inf}.get(ordv, ordv) if isinstance(ordv, str) else ordv
        cs.append(case('norm', [A(v), ordv], A(np.float32(np.linalg.norm(v, o))), rtol=2e-5))
    m = M(3, 4)
    for ordv in (None, 'fro', 1, -1, 'inf', '-inf'):
        o = {'inf': np.inf, '-inf': -np.inf}.get(ordv, ordv) if ordv not in (None,) else None
        cs.append(case('norm', [A(m), ordv], A(np.float32(np.linalg.norm(m, o))), rtol=2e-5))
    t = M(2, 3, 4)
    cs.append(case('norm', [A(t)], A(np.float32(np.linalg.norm(t))), rtol=2e-5))
    cs.append(case('norm', [A(t), None, -1], A(np.linalg.norm(t, axis=-1)), rtol=2e-5))
    cs.append(case('norm', [A(t), 1, 1, {'keepdims': True}], A(np.linalg.norm(t, 1, axis=1, keepdims=True)), rtol=2e-5))
    cs.append(case('norm', [A(t), 'inf', [2, 0]], A(np.linalg.norm(t, np.inf, axis=(2, 0))), rtol=2e-5))
    cs.append(case('norm', [A(t), 1, [0, 2], {'keepdims': True}], A(np.linalg.norm(t, 1, axis=(0, 2), keepdims=True)), rtol=2e-5))
    # decompositions (LU with partial pivoting, Cholesky) against numpy.linalg, in float64 and batched float32
    sq = rng.uniform(-2, 2, size=(4, 4))
    sq[0, 0] = 0.0  # forces a pivot swap
    bat = rng.uniform(-2, 2, size=(3, 3, 3)).astype(np.float32)
    rhs = rng.uniform(-2, 2, size=(4, 2))
    spd = sq @ sq.T + 4 * np.eye(4)
    cs.append(case('linalg.solve', [A(sq), A(rhs)], A(np.linalg.solve(sq, rhs)), rtol=1e-10, atol=1e-12))
    cs.append(case('linalg.solve', [A(sq), A(rhs[:, 0])], A(np.linalg.solve(sq, rhs[:, 0])), rtol=1e-10, atol=1e-12))
    cs.append(case('linalg.solve', [A(bat), A(bat[0])], A(np.linalg.solve(bat, bat[0]).astype(np.float32)), rtol=1e-4, atol=1e-5))
    cs.append(case('linalg.inv', [A(sq)], A(np.linalg.inv(sq)), rtol=1e-10, atol=1e-12))
    cs.append(case('linalg.inv', [A(bat)], A(np.linalg.inv(bat).astype(np.float32)), rtol=1e-4, atol=1e-5))
    cs.append(case('linalg.det', [A(sq)], A(np.linalg.det(sq)), rtol=1e-10))
    cs.append(case('linalg.det', [A(bat)], A(np.linalg.det(bat).astype(np.float32)), rtol=1e-4, atol=1e-6))
    sgn, lad = np.linalg.slogdet(sq)
    cs.append(case('linalg.slogdet', [A(sq)], [A(sgn), A(lad)], rtol=1e-10))
    cs.append(case('linalg.cholesky', [A(spd)], A(np.linalg.cholesky(spd)), rtol=1e-10, atol=1e-12))
    spd3 = np.einsum('bij,bkj->bik', bat, bat) + 3 * np.eye(3, dtype=np.float32)
    cs.append(case('linalg.cholesky', [A(spd3)], A(np.linalg.cholesky(spd3.astype(np.float64)).astype(np.float32)), rtol=1e-4, atol=1e-5))
    cs.append(case('linalg.matrixPower', [A(sq), 3], A(np.linalg.matrix_power(sq, 3)), rtol=1e-10))
    cs.append(case('linalg.matrixPower', [A(sq), -2], A(np.linalg.matrix_power(sq, -2)), rtol=1e-9, atol=1e-12))
    dump('linalg', cs)


def sorting():
    cs = []
    x = f32(3, 6)
    ties = np.array([[3, 1, 2, 1, 3, 0], [5, 5, 5, 1, 1, 9]], np.float32)
    for ax in (-1, 0, None):
        cs.append(case('sort', [A(x), ax], A(np.sort(x, axis=ax))))
        cs.append(case('argsort', [A(ties), ax], A(np.argsort(ties, axis=ax, kind='stable').astype(np.int32))))
    # descending and stable: equal elements keep their order
    cs.append(case('sort', [A(x), 1, {'descending': True}], A(-np.sort(-x, axis=1))))
    cs.append(case('argsort', [A(ties), 1, {'descending': True}], A(np.argsort(-ties, axis=1, kind='stable').astype(np.int32))))
    xi = i32(10)
    cs.append(case('sort', [A(xi)], A(np.sort(xi))))
    cs.append(case('argsort', [A(xi)], A(np.argsort(xi, kind='stable').astype(np.int32))))
    # topK: k largest along the last axis, descending, ties by lower index
    for k in (1, 3, 6):
        order = np.argsort(-ties, axis=-1, kind='stable')[:, :k]
        cs.append(case('topK', [A(ties), k], [A(np.take_along_axis(ties, order, -1)), A(order.astype(np.int32))]))
    s = np.sort(f32(8))
    q = np.concatenate([f32(4), s[[0, 3, 7]]]).astype(np.float32)
    for side in ('left', 'right'):
        cs.append(case('searchsorted', [A(s), A(q), side], A(np.searchsorted(s, q, side).astype(np.int32))))
    u = np.array([[3, 1, 2], [3, 7, 1]], np.int32)
    cs.append(case('unique', [A(u)], A(np.unique(u))))
    cs.append(case('unique', [A(np.array([2.5, np.nan, 1.0, 2.5], np.float32))], A(np.array([1.0, 2.5, np.nan], np.float32))))
    r = np.unique_all(u)
    cs.append(case('uniqueAll', [A(u)], [A(r.values), A(r.indices.astype(np.int32)), A(r.inverse_indices.astype(np.int32)), A(r.counts.astype(np.int32))]))
    nz = np.array([[0, 1, 0], [2, 0, 3]], np.float32)
    cs.append(case('nonzero', [A(nz)], [A(i.astype(np.int32)) for i in np.nonzero(nz)]))
    cs.append(case('argwhere', [A(nz)], A(np.argwhere(nz).astype(np.int32))))
    cs.append(case('flatnonzero', [A(nz)], A(np.flatnonzero(nz).astype(np.int32))))
    dump('sorting', cs)


def creation():
    cs = []
    for args in ([5], [2, 9], [1, 10, 3], [10, 1, -2], [0.5, 3], [0, 1, 0.1], [-1.5, 2.5, 0.75], [5, 5], [3, 0]):
        r = np.arange(*args)
        r = r.astype(np.int32 if r.dtype.kind == 'i' else np.float32)
        cs.append(case('arange', args, A(r)))
    cs.append(case('arange', [4, 'float32'], A(np.arange(4, dtype=np.float32))))
    cs.append(case('arange', [1, 4, 'float64'], A(np.arange(1, 4, dtype=np.float64))))
    for args, kw in (([0, 1, 5], {}), ([2, 3, 4], {'endpoint': False}), ([-1, 1, 1], {}), ([0, 10, 7], {}),
                     ([1, 0, 6], {}), ([0, 1, 0], {}), ([0, 9, 4], {'dtype': 'int32'})):
        npkw = {'endpoint': kw.get('endpoint', True)}
        r = np.linspace(*args, **npkw)
        r = r.astype(np.int32) if kw.get('dtype') == 'int32' else r.astype(np.float32)
        if kw.get('dtype') == 'int32':
            r = np.floor(np.linspace(*args, **npkw)).astype(np.int32)
        cs.append(case('linspace', args + [kw], A(r)))
    cs.append(case('linspace', [A(np.array([0, 10], np.float32)), A(np.array([1, 20], np.float32)), 5],
                   A(np.linspace(np.array([0, 10], np.float32), np.array([1, 20], np.float32), 5).astype(np.float32)), rtol=1e-6))
    cs.append(case('logspace', [0, 2, 5], A(np.logspace(0, 2, 5).astype(np.float32)), rtol=1e-6))
    cs.append(case('logspace', [1, 3, 3, {'base': 2}], A(np.logspace(1, 3, 3, base=2).astype(np.float32)), rtol=1e-6))
    for args in ([3], [3, 4], [4, 3, 1], [3, 5, -2]):
        cs.append(case('eye', args, A(np.eye(*args, dtype=np.float32))))
        cs.append(case('tri', args, A(np.tri(*args, dtype=np.float32))))
    cs.append(case('identity', [3, 'int32'], A(np.identity(3, dtype=np.int32))))
    cs.append(case('full', [[2, 3], 1.5, 'float32'], A(np.full((2, 3), 1.5, np.float32))))
    cs.append(case('zeros', [[2, 2], 'int32'], A(np.zeros((2, 2), np.int32))))
    cs.append(case('ones', [3], A(np.ones(3, np.float32))))
    mx, my = np.arange(3, dtype=np.float32), np.arange(4, dtype=np.float32) + 10
    cs.append(case('meshgrid', [A(mx), A(my)], [A(g) for g in np.meshgrid(mx, my)]))
    cs.append(case('meshgrid', [A(mx), A(my), {'indexing': 'ij'}], [A(g) for g in np.meshgrid(mx, my, indexing='ij')]))
    zl = f32(2, 3)
    cs.append(case('zerosLike', [A(zl)], A(np.zeros_like(zl))))
    cs.append(case('onesLike', [A(zl), 'int32'], A(np.ones_like(zl, np.int32))))
    cs.append(case('fullLike', [A(zl), 4], A(np.full_like(zl, 4))))
    cs.append(case('iota', [[2, 3], 1], A(np.broadcast_to(np.arange(3, dtype=np.int32), (2, 3)))))
    cs.append(case('empty', [[2]], A(np.zeros(2, np.float32))))
    cs.append(case('array', [[[1, 2], [3, 4]]], A(np.array([[1, 2], [3, 4]], np.int32))))
    cs.append(case('array', [[1, 2.5]], A(np.array([1, 2.5], np.float32))))
    cs.append(case('array', [[True, False]], A(np.array([True, False]))))
    cs.append(case('array', [[[1, 2]], 'float64'], A(np.array([[1, 2]], np.float64))))
    dump('creation', cs)


# ------------------------------------------------------------------------------------------------
# Indexing.

def to_np_index(spec):
    out = []
    for it in spec:
        if it is None or isinstance(it, int):
            out.append(it)
        elif isinstance(it, str):
            for tok in it.split(','):
                tok = tok.strip()
                if tok == '...':
                    out.append(Ellipsis)
                elif ':' in tok:
                    parts = [int(p) if p.strip() else None for p in tok.split(':')]
                    out.append(slice(*parts))
                else:
                    out.append(int(tok))
        elif isinstance(it, list):
            out.append(np.array(it))
        else:
            raise TypeError(it)
    return tuple(out)


def indexing():
    cs = []
    x = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    gets = [
        [1], [-1], [1, 2], [0, -1, 3], [':'], ['1:'], ['::2'], ['::-1'], ['1:3', '::-2'], ['...', 1], ['...', '1:4:2'],
        [None], [1, None, '::2'], ['...', None], ['-2:', '-1::-1', '3:0:-1'], ['10:'], ['-100:2'], ['1, 2:4, ::3'],
        [[0, 2]], [[0, 2], [1, 3]], [':', [0, 3, -1]], [':', [[0, 1], [2, 3]]], [[0, 2], ':', [1, 4]],
        [1, ':', [0, 4]], [':', 1, [0, 4]], [[1], 2], ['...', [0, 0, 1]], [None, [0, 2], None, [1, 2]],
        [[True, False, True]], [':', [True, False, False, True]], ['1:', [[True, False, True, False, True]] * 4],
        [':', [[True, False, True, False, True]] * 4], [[[True, False, True, False], [False, False, True, True], [True, True, True, False]], 2],
        [[0, 1], '1:3', [2, 3]], ['::-1', [2, 0]],
    ]
    for spec in gets:
        try:
            r = x[to_np_index(spec)]
        except Exception as e:  # noqa
            raise RuntimeError(f'{spec}: {e}')
        cs.append({'fn': 'index', 'x': A(x), 'idx': spec, 'out': A(r)})
    # updates: set (last write wins), add (duplicates accumulate), mul/min/max without duplicates
    ups = [
        ([1], 'scalar'), ([':', 2], 'row'), (['::2', '1:3'], 'scalar'), (['::-1', 0], 'vec3'), ([[0, 2]], 'scalar'),
        ([':', [0, 3]], 'scalar'), ([[0, 2], ':', [1, 4]], 'scalar'), ([1, '3:0:-1', [0, 2, 4]], 'scalar'),
        ([None, 1, '...'], 'scalar'), (['...', -1], 'scalar'), ([[True, False, True]], 'scalar'),
    ]
    for spec, kind in ups:
        idx = to_np_index(spec)
        region = x[idx]
        if kind == 'scalar':
            v = np.float32(7.5)
            vj = 7.5
        elif kind == 'row':
            v = np.arange(region.shape[-1], dtype=np.float32) * 10
            vj = A(v)
        else:
            v = np.array([[100], [200], [300]], np.float32)
            vj = A(v)
        for mode in ('set', 'add', 'mul', 'min', 'max'):
            y = x.copy()
            if mode == 'set':
                y[idx] = v
            else:
                {'add': np.add, 'mul': np.multiply, 'min': np.minimum, 'max': np.maximum}[mode].at(y, idx, v)
            cs.append({'fn': 'at', 'mode': mode, 'x': A(x), 'idx': spec, 'v': vj, 'out': A(y)})
    # duplicate indices accumulate under add
    y = np.zeros(5, np.float32)
    np.add.at(y, np.array([0, 1, 1, 3, 1]), np.float32(1))
    cs.append({'fn': 'at', 'mode': 'add', 'x': A(np.zeros(5, np.float32)), 'idx': [[0, 1, 1, 3, 1]], 'v': 1, 'out': A(y)})
    dump('indexing', cs)


# ------------------------------------------------------------------------------------------------
# Printing (numpy's repr, always with the dtype, like JAX).

def repr_always_dtype(a):
    prefix = 'array('
    lst = np.array2string(a, separator=', ', prefix=prefix, suffix=')')
    extras = []
    opts = np.get_printoptions()
    if (a.size == 0 and a.shape != (0,)) or a.size > opts['threshold']:
        extras.append(f'shape={a.shape}')
    extras.append(f'dtype={a.dtype}')
    arr_str = prefix + lst + ','
    extra_str = ', '.join(extras) + ')'
    last = len(arr_str) - (arr_str.rfind('\n') + 1)
    spacer = '\n' + ' ' * len(prefix) if last + len(extra_str) + 1 > opts['linewidth'] else ' '
    return arr_str + spacer + extra_str


def fmt():
    arrays = [
        np.array([[1, 2], [3, 4]], np.float32),
        np.array([1.5, 2.25, -3.0], np.float32),
        np.array([0.1, 0.2, 0.3], np.float32),
        np.array(1.0, np.float32),
        np.array(-2.5, np.float32),
        np.array(7, np.int32),
        np.array(True),
        np.array([1e-5, 1.0, 3.5], np.float32),
        np.array([1e10, -2.5], np.float32),
        np.array([123456789.0, 1.0], np.float32),
        np.array([np.nan, np.inf, -np.inf, 1.0], np.float32),
        np.array([np.nan, 1.5], np.float32),
        np.array([np.inf, np.nan], np.float32),
        np.array([1 / 3, 2 / 3, 100.0], np.float32),
        np.array([1 / 3, 2 / 3], np.float64),
        np.array([0.1, 0.2 + 0.1], np.float64),
        np.array([1, -10, 300], np.int32),
        np.array([4000000000, 1], np.uint32),
        np.array([True, False, True]),
        np.array([[True], [True]]),
        np.arange(24, dtype=np.float32).reshape(2, 3, 4),
        np.arange(2000, dtype=np.float32),
        np.arange(2000, dtype=np.int32).reshape(40, 50),
        np.arange(30, dtype=np.float32) * 1.37,
        np.arange(60, dtype=np.int32) * 1000,
        rng.standard_normal((3, 9)).astype(np.float32),
        rng.standard_normal((4, 3)).astype(np.float32) * 1e-6,
        np.zeros((0,), np.float32),
        np.zeros((2, 0), np.int32),
        np.array([0.0, -0.0], np.float32),
        np.array([1.0, 1e-4, 1e-3], np.float32),
        np.array([5e-5], np.float32),
        np.array([0.001, 1000.0], np.float32),
        np.array([0.001, 1000.1], np.float32),
        np.array([1.23456789, 9.87654321], np.float32),
        np.array([1.23456789012345, 2.0], np.float64),
        np.array([3.14159265358979], np.float64),
        np.arange(1100, dtype=np.float64).reshape(10, 110) / 7,
    ]
    cs = [{'x': A(a), 'repr': repr_always_dtype(a)} for a in arrays]
    dump('format', cs)


# ------------------------------------------------------------------------------------------------
# lax composites: convolutions and pooling against naive loops.

def conv_ref(x, w, stride, pad, lhs_dil, rhs_dil, groups):
    """NC spatial / OI spatial convolution by explicit loops (cross-correlation, as lax)."""
    N, C = x.shape[:2]
    O, I = w.shape[:2]
    nsp = x.ndim - 2
    # dilate the input
    dil_shape = [(d - 1) * lhs_dil[i] + 1 for i, d in enumerate(x.shape[2:])]
    xd = np.zeros((N, C, *dil_shape), np.float64)
    xd[(slice(None), slice(None)) + tuple(slice(None, None, lhs_dil[i]) for i in range(nsp))] = x
    # pad (negative = crop)
    for i, (lo, hi) in enumerate(pad):
        ax = 2 + i
        if lo > 0 or hi > 0:
            widths = [(0, 0)] * xd.ndim
            widths[ax] = (max(lo, 0), max(hi, 0))
            xd = np.pad(xd, widths)
        if lo < 0:
            xd = np.take(xd, range(-lo, xd.shape[ax]), axis=ax)
        if hi < 0:
            xd = np.take(xd, range(0, xd.shape[ax] + hi), axis=ax)
    ks = [(k - 1) * rhs_dil[i] + 1 for i, k in enumerate(w.shape[2:])]
    outsp = [(xd.shape[2 + i] - ks[i]) // stride[i] + 1 for i in range(nsp)]
    out = np.zeros((N, O, *outsp), np.float64)
    og = O // groups
    for n in range(N):
        for o in range(O):
            g = o // og
            for pos in np.ndindex(*outsp):
                acc = 0.0
                for ci in range(I):
                    for kpos in np.ndindex(*w.shape[2:]):
                        idx = tuple(pos[i] * stride[i] + kpos[i] * rhs_dil[i] for i in range(nsp))
                        acc += xd[(n, g * I + ci) + idx] * w[(o, ci) + kpos]
                out[(n, o) + pos] = acc
    return out.astype(np.float32)


def same_pads(ins, ks, strides):
    pads = []
    for d, k, s in zip(ins, ks, strides):
        out = -(-d // s)
        total = max((out - 1) * s + k - d, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def lax_ops():
    cs = []
    x = f32(2, 4, 6, 5)
    w = f32(6, 2, 3, 2)
    # NCHW / OIHW with groups=2, strides, explicit padding and dilations
    cs.append(case('conv', [A(x), A(w), {'windowStrides': [2, 1], 'padding': [[1, 0], [2, 1]], 'rhsDilation': [1, 2], 'featureGroupCount': 2}],
                   A(conv_ref(x, w, (2, 1), [(1, 0), (2, 1)], (1, 1), (1, 2), 2)), rtol=2e-5, atol=2e-5))
    w1 = f32(3, 4, 3, 3)
    for pad in ('SAME', 'VALID'):
        for st in ([1, 1], [2, 2], [2, 3]):
            ks = [3, 3]
            pads = same_pads(x.shape[2:], ks, st) if pad == 'SAME' else [(0, 0), (0, 0)]
            ref = conv_ref(x, w1, st, pads, (1, 1), (1, 1), 1)
            cs.append(case('conv', [A(x), A(w1), {'windowStrides': st, 'padding': pad}], A(ref), rtol=2e-5, atol=2e-5))
            # the same in NHWC / HWIO / NHWC
            cs.append(case('conv', [A(x.transpose(0, 2, 3, 1)), A(w1.transpose(2, 3, 1, 0)),
                                    {'windowStrides': st, 'padding': pad, 'dimensionNumbers': ['NHWC', 'HWIO', 'NHWC']}],
                           A(ref.transpose(0, 2, 3, 1)), rtol=2e-5, atol=2e-5))
    # lhs dilation (fractional stride)
    cs.append(case('conv', [A(x), A(w1), {'padding': [[1, 1], [2, 2]], 'lhsDilation': [2, 1]}],
                   A(conv_ref(x, w1, (1, 1), [(1, 1), (2, 2)], (2, 1), (1, 1), 1)), rtol=2e-5, atol=2e-5))
    # 1-D: NCH/OIH and NWC/WIO
    x1 = f32(2, 3, 9)
    k1 = f32(4, 3, 3)
    r1 = conv_ref(x1, k1, (2,), same_pads([9], [3], [2]), (1,), (1,), 1)
    cs.append(case('conv', [A(x1), A(k1), {'windowStrides': [2], 'padding': 'SAME'}], A(r1), rtol=2e-5, atol=2e-5))
    cs.append(case('conv', [A(x1.transpose(0, 2, 1)), A(k1.transpose(2, 1, 0)), {'windowStrides': [2], 'padding': 'SAME', 'dimensionNumbers': ['NWC', 'WIO', 'NWC']}],
                   A(r1.transpose(0, 2, 1)), rtol=2e-5, atol=2e-5))
    # transposed convolution (transposeKernel: the gradient of a strided conv), scatter definition
    for s, k, pad in ((2, 3, 'VALID'), (2, 4, 'SAME'), (1, 3, 'SAME'), (3, 3, 'VALID')):
        xt = f32(2, 5, 3)  # N W C
        kt = f32(k, 4, 3)  # W O I? (in HIO order with transposeKernel: I and O swap roles)
        # with transposeKernel, rhs 'WIO' holds the forward conv's kernel: I = out channels here, O = in channels
        full_len = (xt.shape[1] - 1) * s + k
        full = np.zeros((2, full_len, 4), np.float64)
        for n in range(2):
            for i in range(xt.shape[1]):
                for kk in range(k):
                    # out[i*s + kk, o] += x[i, c] * w[kk, o, c]   (w[kk, I=o, O=c])
                    full[n, i * s + kk, :] += kt[kk, :, :] @ xt[n, i, :]
        if pad == 'VALID':
            out_len = xt.shape[1] * s + max(k - s, 0)
            ref = np.zeros((2, out_len, 4))
            ref[:, :full_len] = full
        else:
            out_len = xt.shape[1] * s
            pad_len = k + s - 2
            pad_a = k - 1 if s > k - 1 else -(-pad_len // 2)
            start = k - 1 - pad_a
            ref = full[:, start:start + out_len]
        cs.append(case('convTranspose', [A(xt), A(kt), [s], pad, {'transposeKernel': True}], A(ref.astype(np.float32)), rtol=2e-5, atol=2e-5))
    # reduceWindow pooling (NCHW windows) against loops
    p = f32(2, 3, 7, 6)

    def pool_ref(a, op, win, st, pads):
        init = -np.inf if op == 'max' else 0.0
        ap = np.pad(a.astype(np.float64), [(lo, hi) for lo, hi in pads], constant_values=init)
        outs = [(ap.shape[i] - win[i]) // st[i] + 1 for i in range(a.ndim)]
        out = np.zeros(outs)
        for pos in np.ndindex(*outs):
            sl = tuple(slice(pos[i] * st[i], pos[i] * st[i] + win[i]) for i in range(a.ndim))
            blk = ap[sl]
            out[pos] = blk.max() if op == 'max' else blk.sum() if op == 'sum' else blk.sum() / blk.size
        return out.astype(np.float32)

    for op in ('max', 'sum', 'avg'):
        for win, st, pad in (([1, 1, 2, 2], [1, 1, 2, 2], 'VALID'), ([1, 1, 3, 3], [1, 1, 2, 2], 'SAME'), ([1, 1, 3, 2], [1, 1, 1, 1], 'VALID'),
                             ([1, 2, 2, 2], [1, 1, 2, 1], [[0, 0], [0, 1], [1, 1], [0, 1]])):
            pads = same_pads(p.shape, win, st) if pad == 'SAME' else ([(0, 0)] * 4 if pad == 'VALID' else [tuple(q) for q in pad])
            cs.append(case('reduceWindow', [A(p), op, win, st, pad], A(pool_ref(p, op, win, st, pads)), rtol=2e-5, atol=2e-5))
    # window dilation
    dil_ref = np.zeros((2, 3, 3, 6), np.float32)
    for i in range(3):
        dil_ref[:, :, i, :] = np.maximum(p[:, :, i, :], np.maximum(p[:, :, i + 2, :], p[:, :, i + 4, :]))
    cs.append(case('reduceWindow', [A(p), 'max', [1, 1, 3, 1], [1, 1, 1, 1], 'VALID', {'windowDilation': [1, 1, 2, 1]}], A(dil_ref)))
    dump('lax', cs)


if __name__ == '__main__':
    elementwise()
    reductions()
    shape()
    linalg()
    sorting()
    creation()
    indexing()
    fmt()
    lax_ops()
