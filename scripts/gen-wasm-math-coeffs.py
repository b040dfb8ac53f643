#!/usr/bin/env python3
"""Derives the minimax polynomial coefficients of the WASM-SIMD math prelude (wasm/math.ts) by the Remez exchange.

Run from the repository root: python3 scripts/gen-wasm-math-coeffs.py [--check]   (needs mpmath)
It rewrites the block between `// BEGIN GENERATED COEFFICIENTS` and `// END GENERATED COEFFICIENTS` in
wasm/math.ts; with --check it only prints the fits.

Every approximation is written as  f(x) = A(t) + B(t) * P(t),  P a polynomial in t, and P is the minimax fit of
T(t) = (f - A) / B under the weight W(t) = B / f, so the Remez error is the relative error of f itself
(or, for erfc, the absolute error of erf = 1 - erfc relative to erf). The linear Remez algorithm: solve
sum_k c_k t_i^k + (-1)^i E / W(t_i) = T(t_i) on n+1 reference points, move the reference to the alternating extrema
of the weighted error on a dense grid, repeat until the extrema level. Coefficients are then rounded to the
working precision (float32 or float64) one at a time, highest degree last re-fitted (so rounding the low
coefficients is compensated by the rest).
"""
import re
import sys
from pathlib import Path

import mpmath as mp

mp.mp.dps = 60


def chebyshev_nodes(a, b, n):
    return sorted(mp.mpf(a + b) / 2 + mp.mpf(b - a) / 2 * mp.cos(mp.pi * i / (n - 1)) for i in range(n))


def remez(T, W, a, b, deg, fixed=(), iters=40, grid=3000):
    """Weighted minimax fit of T on [a, b] by sum_{k=0..deg} c_k t^k; `fixed` = coefficients already chosen (low
    degrees, exact values) that are subtracted first."""
    a, b = mp.mpf(a), mp.mpf(b)
    nf = len(fixed)
    free = list(range(nf, deg + 1))
    m = len(free)

    def resid(t):
        return T(t) - sum(c * t**k for k, c in enumerate(fixed))

    # initial reference: Chebyshev extrema, dropping the one where the weight is smallest (weights that vanish at
    # t = 0, as r^2 / e^r does, would make the system singular there)
    xs = chebyshev_nodes(a, b, m + 2)
    xs.remove(min(xs, key=lambda t: abs(W(t))))
    # dense grid, clustered at the ends like Chebyshev points
    g = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * (i + mp.mpf(1) / 2) / grid) for i in range(grid)]
    g = [a] + g + [b]
    gT = [resid(t) for t in g]
    gW = [W(t) for t in g]
    best = None
    for _ in range(iters):
        A = mp.matrix(m + 1, m + 1)
        rhs = mp.matrix(m + 1, 1)
        for i, t in enumerate(xs):
            for j, k in enumerate(free):
                A[i, j] = t**k
            A[i, m] = (-1) ** i / W(t)
            rhs[i] = resid(t)
        sol = mp.lu_solve(A, rhs)
        c = [sol[j] for j in range(m)]
        E = sol[m]
        err = [w * (tv - sum(cj * t**k for cj, k in zip(c, free))) for t, tv, w in zip(g, gT, gW)]
        # local extrema (including the end points)
        ext = []
        for i in range(len(g)):
            l = err[i - 1] if i > 0 else None
            r = err[i + 1] if i + 1 < len(g) else None
            e = err[i]
            if (l is None or abs(e) >= abs(l)) and (r is None or abs(e) >= abs(r)):
                ext.append((g[i], e))
        # merge same-sign neighbours keeping the larger
        alt = []
        for t, e in ext:
            if alt and mp.sign(alt[-1][1]) == mp.sign(e):
                if abs(e) > abs(alt[-1][1]):
                    alt[-1] = (t, e)
            else:
                alt.append((t, e))
        while len(alt) > m + 1:
            if abs(alt[0][1]) < abs(alt[-1][1]):
                alt.pop(0)
            else:
                alt.pop()
        maxerr = max(abs(e) for e in err)
        best = (c, maxerr, abs(E))
        if len(alt) < m + 1:
            break
        xs = [t for t, _ in alt]
        if maxerr - abs(E) < abs(E) * mp.mpf('1e-6'):
            break
    c, maxerr, lev = best
    coeffs = list(fixed) + c
    return coeffs, maxerr


def round_to(v, prec):
    if prec == 'f32':
        import struct
        return mp.mpf(struct.unpack('f', struct.pack('f', float(v)))[0])
    return mp.mpf(float(v))


def fit_rounded(T, W, a, b, deg, prec, fixed=()):
    """Remez, then round coefficients low to high, re-fitting the higher ones after each rounding."""
    fx = list(fixed)
    coeffs, _ = remez(T, W, a, b, deg, fx)
    while len(fx) <= deg:
        fx.append(round_to(coeffs[len(fx)], prec))
        if len(fx) <= deg:
            coeffs, _ = remez(T, W, a, b, deg, fx)
    # measured weighted error of the rounded polynomial (exact arithmetic)
    pts = [mp.mpf(a) + (mp.mpf(b) - a) * i / 4000 for i in range(4001)]
    e = max(abs(W(t) * (T(t) - sum(c * t**k for k, c in enumerate(fx)))) for t in pts if t != 0 or True)
    return fx, e


def safe(f):
    """Evaluates an expression with a removable singularity at 0 by nudging t off zero."""
    def g(t):
        if t == 0:
            t = mp.mpf('1e-30')
        return f(t)
    return g


LN2 = mp.log(2)
R_EXP = LN2 / 2 * (1 + mp.mpf(2) ** -12)  # |r| after the float32 Cody-Waite reduction (rounding of x*log2e included)
S_MAX = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)  # |s| = |f/(2+f)| for 1+f in [sqrt(1/2), sqrt(2)]
Z_MAX = S_MAX**2 * (1 + mp.mpf(2) ** -10)
TANH_T = mp.mpf('0.625')  # |x| below: tanh by odd polynomial; above: expm1
ERF_T = mp.mpf('0.875')  # |x| below: erf by odd polynomial; above: 1 - exp(-x^2) G(x)
ERF_MAX = mp.mpf('3.925')  # erf(x) rounds to 1 in float32 beyond
ERF_C = mp.mpf('2.4')  # expansion point of the erfc polynomial
PIO4 = mp.pi / 4 * (1 + mp.mpf(2) ** -20)

FITS = []


def add(name, prec, T, W, a, b, deg, fixed=(), note=''):
    c, e = fit_rounded(safe(T), safe(W), a, b, deg, prec, fixed)
    FITS.append((name, prec, c, e, note))
    print(f'{name:14s} {prec} deg {deg} on [{mp.nstr(a, 6)}, {mp.nstr(b, 6)}]: max weighted err {mp.nstr(e, 4)}'
          f' = 2^{mp.nstr(mp.log(e, 2), 4)}', file=sys.stderr)


def build():
    # e^r = 1 + r + r^2 P(r), |r| <= ln2/2
    add('EXP', 'f32', lambda r: (mp.exp(r) - 1 - r) / r**2, lambda r: r**2 / mp.exp(r), -R_EXP, R_EXP, 4,
        note='e^r = 1 + r + r^2 P(r), |r| <= ln2/2')
    # 2^r = 1 + r P(r), |r| <= 1/2
    add('EXP2', 'f32', lambda r: (mp.power(2, r) - 1) / r, lambda r: r / mp.power(2, r), -0.5, 0.5, 5,
        note='2^r = 1 + r P(r), |r| <= 1/2')
    # expm1(r) = r + r^2/2 + r^3 P(r)
    add('EXPM1', 'f32', lambda r: (mp.expm1(r) - r - r**2 / 2) / r**3, lambda r: r**3 / mp.expm1(r), -R_EXP, R_EXP, 4,
        note='expm1(r) = r + r^2/2 + r^3 P(r), |r| <= ln2/2')
    # log(1+f) = f - f^2/2 + s (f^2/2 + z P(z)),  s = f/(2+f), z = s^2:  z P(z) = 2 atanh(s)/s - 2
    def logT(z):
        s = mp.sqrt(z)
        return (2 * mp.atanh(s) / s - 2) / z
    def logW(z):
        s = mp.sqrt(z)
        return s * z / (2 * mp.atanh(s))
    add('LOG', 'f32', logT, logW, 0, Z_MAX, 2, note='R(z) = z P(z) = 2 atanh(s)/s - 2, z = s^2 <= 0.0295')
    add('LOG_F64', 'f64', logT, logW, 0, Z_MAX, 4, note='as LOG, in float64 (pow\'s log2)')
    # 2^r in float64 for pow: 2^r = 1 + r P(r)
    add('EXP2_F64', 'f64', lambda r: (mp.power(2, r) - 1) / r, lambda r: r / mp.power(2, r), -0.5, 0.5, 7,
        note='2^r = 1 + r P(r), |r| <= 1/2, float64 (pow)')
    # tanh(x) = x + x^3 P(x^2), |x| <= TANH_T
    add('TANH', 'f32', lambda u: (mp.tanh(mp.sqrt(u)) - mp.sqrt(u)) / u**mp.mpf(1.5),
        lambda u: u**mp.mpf(1.5) / mp.tanh(mp.sqrt(u)), 0, TANH_T**2, 4, note='tanh(x) = x + x^3 P(x^2), |x| <= 0.625')
    # erf(x) = x + x P(x^2), |x| <= ERF_T
    add('ERF', 'f32', lambda u: mp.erf(mp.sqrt(u)) / mp.sqrt(u) - 1, lambda u: mp.sqrt(u) / mp.erf(mp.sqrt(u)),
        0, ERF_T**2, 6, note='erf(x) = x + x P(x^2), |x| <= 0.875')
    # erfc(x) = exp(-x^2) G(x), ERF_T <= x <= ERF_MAX; the error that matters is absolute against erf(x)
    # in t = x - ERF_C, so the Horner terms stay small (no cancellation between large alternating terms)
    add('ERFC', 'f32', lambda t: mp.erfc(t + ERF_C) * mp.exp((t + ERF_C) ** 2),
        lambda t: mp.exp(-(t + ERF_C) ** 2) / mp.erf(t + ERF_C), ERF_T - ERF_C, ERF_MAX - ERF_C, 9,
        note='erfc(x) = exp(-x^2) P(x - 2.4), 0.875 <= x <= 3.925 (weight: absolute error of 1 - erfc, relative to erf)')
    # sin r = r + r^3 P(r^2), cos r = 1 - r^2/2 + r^4 P(r^2), |r| <= pi/4, float64 lanes
    add('SIN_F64', 'f64', lambda u: (mp.sin(mp.sqrt(u)) - mp.sqrt(u)) / u**mp.mpf(1.5),
        lambda u: u**mp.mpf(1.5) / mp.sin(mp.sqrt(u)), 0, PIO4**2, 3, note='sin r = r + r^3 P(r^2), |r| <= pi/4')
    add('COS_F64', 'f64', lambda u: (mp.cos(mp.sqrt(u)) - 1 + u / 2) / u**2, lambda u: u**2 / mp.cos(mp.sqrt(u)),
        0, PIO4**2, 3, note='cos r = 1 - r^2/2 + r^4 P(r^2), |r| <= pi/4')


def two_over_pi_words(nwords=10, lead=8):
    """Bits of 2/pi after `lead` zero bits, as 32-bit words (for Payne-Hanek reduction of huge float32)."""
    with mp.workdps(200):
        v = mp.mpf(2) / mp.pi
        bits = int(mp.floor(v * mp.mpf(2) ** (32 * nwords - lead)))
    return [(bits >> (32 * (nwords - 1 - i))) & 0xFFFFFFFF for i in range(nwords)]


def fmt(v, prec):
    x = float(v)
    return repr(x)


def render():
    lines = ['// BEGIN GENERATED COEFFICIENTS (scripts/gen-wasm-math-coeffs.py; Remez minimax, do not edit by hand)']
    for name, prec, c, e, note in FITS:
        lines.append(f'// {note}: weighted max error {mp.nstr(e, 3)} (2^{mp.nstr(mp.log(e, 2), 3)})')
        for k, v in enumerate(c):
            lines.append(f'const {name}_{k}: {prec} = {fmt(v, prec)};')
    words = two_over_pi_words()
    lines.append('// 2/pi in binary after 8 leading zero bits, 32 bits a word (mpmath), for Payne-Hanek reduction')
    lines.append('const TWO_OVER_PI: usize = memory.data<u32>([' + ', '.join(f'0x{w:08x}' for w in words) + ']);')
    lines.append('// END GENERATED COEFFICIENTS')
    return '\n'.join(lines)


if __name__ == '__main__':
    build()
    block = render()
    if '--check' in sys.argv:
        print(block)
        sys.exit(0)
    path = Path(__file__).resolve().parent.parent / 'wasm' / 'math.ts'
    src = path.read_text()
    pat = re.compile(r'// BEGIN GENERATED COEFFICIENTS.*?// END GENERATED COEFFICIENTS', re.S)
    if not pat.search(src):
        sys.exit('wasm/math.ts has no generated-coefficients block')
    path.write_text(pat.sub(lambda _: block, src))
    print('updated wasm/math.ts', file=sys.stderr)
