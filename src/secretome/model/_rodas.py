"""The fixed parts of the RODAS kernel: the method's coefficients, its step-size controller and the compiled
scalar helpers that the kernel (:mod:`secretome.model._solver`) and the generated rates call.

Coefficients of RODAS (Hairer & Wanner 1996, ``rodas.f``, METH=1) [1]_ and Gustafsson's controller [2]_.
Every module that :mod:`secretome.model._codegen` generates imports all of ``__all__``: the kernel's source is
copied into it and reads these names as globals, which numba freezes into the compiled code.

References
----------
.. [1] Hairer E, Wanner G (1996). Solving Ordinary Differential Equations II: Stiff and
   Differential-Algebraic Problems, 2nd ed., section IV.7 (RODAS). Springer.
   https://doi.org/10.1007/978-3-642-05221-7
.. [2] Gustafsson K (1994). Control-theoretic techniques for stepsize selection in implicit Runge-Kutta
   methods. ACM Trans Math Softw 20(4):496-517. https://doi.org/10.1145/198429.198437
"""

from __future__ import annotations

import math

from numba import njit

__all__ = [
    "A21",
    "A31",
    "A32",
    "A41",
    "A42",
    "A43",
    "A51",
    "A52",
    "A53",
    "A54",
    "BLOW_UP",
    "C21",
    "C31",
    "C32",
    "C41",
    "C42",
    "C43",
    "C51",
    "C52",
    "C53",
    "C54",
    "C61",
    "C62",
    "C63",
    "C64",
    "C65",
    "D21",
    "D22",
    "D23",
    "D24",
    "D25",
    "D31",
    "D32",
    "D33",
    "D34",
    "D35",
    "FAC_MAX",
    "FAC_MIN",
    "GAMMA",
    "SAFE",
    "all_finite",
    "error_norm",
    "lu_factor",
    "lu_solve",
    "power",
]

BLOW_UP = 1e12  # as the reference simulator: a finite-time blow-up would otherwise never end

# RODAS (Hairer & Wanner 1996, rodas.f, METH=1): stage coefficients in the transformed (W) form,
# gamma = 0.25, and the coefficients of the dense output.
GAMMA = 0.25
A21 = 1.544
A31, A32 = 0.9466785280815826, 0.2557011698983284
A41, A42, A43 = 3.314825187068521, 2.896124015972201, 0.9986419139977817
A51, A52, A53, A54 = 1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950
C21 = -5.6688
C31, C32 = -2.430093356833875, -0.2063599157091915
C41, C42, C43 = -0.1073529058151375, -9.594562251023355, -20.47028614809616
C51, C52, C53, C54 = 7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160
C61, C62, C63, C64, C65 = (8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136,
                           -6.058818238834054)  # fmt: skip
D21, D22, D23, D24, D25 = (10.12623508344586, -7.487995877610167, -34.80091861555747, -7.992771707568823,
                           1.025137723295662)  # fmt: skip
D31, D32, D33, D34, D35 = (-0.6762803392801253, 6.087714651680015, 16.43084320892478, 24.76722511418386,
                           -6.594389125716872)  # fmt: skip

# Step-size controller (Gustafsson 1994, as in rodas.f): growth at most 6x, shrink at most 5x per step.
SAFE, FAC_MIN, FAC_MAX = 0.9, 1.0 / 6.0, 5.0


@njit(cache=True, inline="always")
def power(x, e):
    """``math.pow``, with the small integral exponents of Hill functions as products (a third of a step's time)."""
    if e == 2.0:
        return x * x
    if e == 1.0:
        return x
    if e == 3.0:
        return x * x * x
    if e == 4.0:
        square = x * x
        return square * square
    return math.pow(x, e)


@njit(cache=True)
def lu_factor(a, piv):
    """LU factorisation with partial pivoting, in place (LAPACK's row-swap convention); False if singular."""
    n = a.shape[0]
    for c in range(n):
        p = c
        big = abs(a[c, c])
        for r in range(c + 1, n):
            if abs(a[r, c]) > big:
                big = abs(a[r, c])
                p = r
        piv[c] = p
        if not (big > 0.0 and big < math.inf):
            return False
        if p != c:
            for j in range(n):
                a[c, j], a[p, j] = a[p, j], a[c, j]
        inverse = 1.0 / a[c, c]
        for r in range(c + 1, n):
            factor = a[r, c] * inverse
            a[r, c] = factor
            if factor != 0.0:
                for j in range(c + 1, n):
                    a[r, j] -= factor * a[c, j]
    return True


@njit(cache=True)
def lu_solve(a, piv, b):
    """Solve ``A x = b`` in place from :func:`lu_factor`'s factors."""
    n = b.shape[0]
    for c in range(n):
        p = piv[c]
        if p != c:
            b[c], b[p] = b[p], b[c]
    for r in range(1, n):
        s = b[r]
        for j in range(r):
            s -= a[r, j] * b[j]
        b[r] = s
    for r in range(n - 1, -1, -1):
        s = b[r]
        for j in range(r + 1, n):
            s -= a[r, j] * b[j]
        b[r] = s / a[r, r]


@njit(cache=True)
def all_finite(x):
    """True if no entry of the array *x* is NaN or infinite."""
    for v in x.flat:  # noqa: SIM110 - a generator in all() does not compile in numba's nopython mode
        if not math.isfinite(v):
            return False
    return True


@njit(cache=True)
def error_norm(y, f, rtol, atol):
    """Root mean square of ``f / (atol + rtol |y|)``: the weighted norm of the initial-step rule."""
    total = 0.0
    for i in range(y.shape[0]):
        total += (f[i] / (atol + rtol * abs(y[i]))) ** 2
    return math.sqrt(total / y.shape[0])
