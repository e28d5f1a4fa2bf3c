"""R's ``uniroot``: Brent's root finder step for step, so that bounds found at R's tolerances match R's digits.

:func:`scipy.optimize.brentq` is Brent's method too, with the same stopping rule, but its
interpolation decisions differ in detail: at metafor's default tolerance (about 1.2e-4) its roots
differ from R's in the fourth significant digit. metafor's confidence intervals stop at that
tolerance, so we follow R's C code (``R_zeroin2`` in ``src/library/stats/src/zeroin.c``, the netlib
``zeroin`` of Brent 1973) instead.
"""

from __future__ import annotations

from collections.abc import Callable

from secretome.errors import ConvergenceError, InputError

__all__: list[str] = []

_EPS = 2.220446049250313e-16


def uniroot(f: Callable[[float], float], lower: float, upper: float, *, tol: float, maxiter: int = 1000) -> float:
    """A root of *f* in ``[lower, upper]`` (opposite signs at the ends), as R's ``uniroot(f, c(lower, upper), tol=)``.

    Brent R (1973). Algorithms for Minimization without Derivatives, chapter 4. Prentice-Hall.

    >>> round(uniroot(lambda x: x * x - 2, 0.0, 2.0, tol=1e-10), 10)
    1.4142135624
    """
    a, b = float(lower), float(upper)
    fa, fb = f(a), f(b)
    if fa * fb > 0:
        raise InputError("f() has the same sign at both ends of the interval", field="interval", value=(a, b))
    if fa == 0:
        return a
    if fb == 0:
        return b
    c, fc = a, fa
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise ConvergenceError(f"uniroot did not converge in {maxiter} iterations (last value {b:.6g})")
