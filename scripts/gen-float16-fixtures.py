#!/usr/bin/env python3
"""Generates test/fixtures/numpy/float16.json: numpy's float16 rounding of float64 values, float16 arithmetic
(numpy rounds each float16 operation's result once, as JAX on a CPU does), float16 transcendental functions
and float16 array reprs. CI does not run python: the JSON is committed. Run: python3 scripts/gen-float16-fixtures.py
"""
import json
import math
import os

import numpy as np

rng = np.random.default_rng(20261123)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'numpy', 'float16.json')


def num(v):
    v = float(v)
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return v


# values over float16's whole range: normals, subnormals, overflow, and points next to rounding ties
mags = 2.0 ** rng.uniform(-27, 17, 300)
signs = rng.choice([-1.0, 1.0], 300)
vals = list(mags * signs)
h = np.arange(0, 0x7c00, 97, dtype=np.uint16).view(np.float16).astype(np.float64)
nxt = (np.arange(0, 0x7c00, 97, dtype=np.uint16) + 1).view(np.float16).astype(np.float64)
mid = (h + nxt) / 2
vals += list(mid) + list(mid * (1 + 2.0 ** -40)) + list(mid * (1 - 2.0 ** -40)) + [0.0, -0.0, 65504.0, 65519.0, 65520.0, 1e6, 2.0 ** -25, 2.0 ** -24 * 1.5]
cast = [num(np.float16(v)) for v in vals]

a = np.float16(rng.normal(0, 4, 400))
b = np.float16(rng.normal(0, 4, 400))
with np.errstate(all='ignore'):
    arith = {
        'add': [num(x) for x in a + b],
        'sub': [num(x) for x in a - b],
        'mul': [num(x) for x in a * b],
        'div': [num(x) for x in a / b],
        'max': [num(x) for x in np.maximum(a, b)],
    }
    small = np.float16(rng.uniform(-5, 5, 200))
    pos = np.float16(rng.uniform(0.01, 100, 200))
    trans = {
        'exp': ([num(x) for x in small], [num(x) for x in np.exp(small)]),
        'tanh': ([num(x) for x in small], [num(x) for x in np.tanh(small)]),
        'sin': ([num(x) for x in small], [num(x) for x in np.sin(small)]),
        'log': ([num(x) for x in pos], [num(x) for x in np.log(pos)]),
        'sqrt': ([num(x) for x in pos], [num(x) for x in np.sqrt(pos)]),
    }
reprs = [
    ([0.1, 0.2, 0.3], repr(np.array([0.1, 0.2, 0.3], dtype=np.float16))),
    ([1e-5, 65504, 1], repr(np.array([1e-5, 65504, 1], dtype=np.float16))),
    ([1.5, -2.25, 1000.0], repr(np.array([1.5, -2.25, 1000.0], dtype=np.float16))),
    ([3.14159, 2.71828], repr(np.array([3.14159, 2.71828], dtype=np.float16))),
    ([2e3, 3e3], repr(np.array([2e3, 3e3], dtype=np.float16))),
    ([200, 300.5], repr(np.array([200, 300.5], dtype=np.float16))),
]
# numpy >= 2.2 switches float32 to exponent notation from 1e6 (10^finfo.precision) on
reprs32 = [([2e6, 3e6], repr(np.array([2e6, 3e6], dtype=np.float32))), ([2e5, 3e5], repr(np.array([2e5, 3e5], dtype=np.float32))),
           ([2e6, 3e6], repr(np.array([2e6, 3e6], dtype=np.float64)))]
json.dump({'cast': {'in': [num(v) for v in vals], 'out': cast},
           'a': [num(x) for x in a], 'b': [num(x) for x in b], 'arith': arith, 'trans': trans, 'reprs': reprs, 'reprs32': reprs32},
          open(OUT, 'w'))
print('wrote', OUT, len(vals), 'casts')
