"""R's ``uniroot``: Brent's root finder step for step, so that roots found at R's tolerances match R's digits.

:func:`scipy.optimize.brentq` is Brent's method too, with the same stopping rule, but its
interpolation decisions differ in detail: at metafor's default tolerance (about 1.2e-4) its roots
differ from R's in the fourth significant digit. metafor's Paule-Mandel estimator and its confidence
intervals stop at that tolerance, so we follow R's C code (``R_zeroin2`` in
``src/library/stats/src/zeroin.c``, the netlib ``zeroin`` of Brent 1973) instead: the same
iterates, the same stopping point. :func:`uniroot` is that code for one function, in plain Python;
:func:`uniroot_batch` is the same steps for many functions at once, each element on its own
iterates (numpy masks where the C code branches), so that the PM estimates of thousands of
permutations or GOSH subsets cost one vectorised evaluation per step. Both are kept: for one
function the numpy form costs about three times as much per step (tens of tiny array operations),
which the Q-profile bounds of every model would pay; tests/meta/test_uniroot.py checks that the two
take the same steps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from secretome.errors import ConvergenceError, InputError
from secretome.meta._columns import FloatArray

__all__: list[str] = []

_EPS = 2.220446049250313e-16


def uniroot_batch(
    f: Callable[[NDArray[np.intp], FloatArray], FloatArray],
    lower: FloatArray,
    upper: FloatArray,
    *,
    tol: float,
    maxiter: int,
    f_lower: FloatArray | None = None,
    f_upper: FloatArray | None = None,
) -> tuple[FloatArray, NDArray[np.bool_], int]:
    """Roots of B functions, element ``i`` in ``[lower[i], upper[i]]``, each as R's ``uniroot(f_i, tol=, maxiter=)``.

    ``f(idx, x)`` evaluates the functions *idx* at *x* (both shape (n,)); the ends must have values of
    opposite signs (or 0), which the caller has checked (*f_lower*, *f_upper*: the values there, if
    known). Returns the roots, the mask of elements that had not converged after *maxiter* steps (R's
    ``uniroot`` warns and returns its last point; so do we) and the number of steps taken by the slowest.

    Brent R (1973). Algorithms for Minimization without Derivatives, chapter 4. Prentice-Hall.
    """
    a, b = np.array(lower, dtype=float), np.array(upper, dtype=float)
    every = np.arange(a.size)
    fa = f(every, a) if f_lower is None else np.array(f_lower, dtype=float)
    fb = f(every, b) if f_upper is None else np.array(f_upper, dtype=float)
    root = np.where(fa == 0, a, b)
    c, fc = a.copy(), fa.copy()
    # R returns an end where f is exactly 0 without iterating.
    active = np.flatnonzero((fa != 0) & (fb != 0))
    steps = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        # R_zeroin2 runs maxit + 1 passes of its loop (``maxit = *Maxit + 1; while (maxit--)``).
        while active.size and steps <= maxiter:
            ai, bi, ci, fai, fbi, fci = a[active], b[active], c[active], fa[active], fb[active], fc[active]
            prev_step = bi - ai
            # Keep b the best point: swap when c is closer to the root.
            swap = np.abs(fci) < np.abs(fbi)
            ai, bi, ci = np.where(swap, bi, ai), np.where(swap, ci, bi), np.where(swap, bi, ci)
            fai, fbi, fci = np.where(swap, fbi, fai), np.where(swap, fci, fbi), np.where(swap, fbi, fci)
            tol_act = 2 * _EPS * np.abs(bi) + tol / 2
            new_step = (ci - bi) / 2
            done = (np.abs(new_step) <= tol_act) | (fbi == 0)
            root[active[done]] = bi[done]
            # Interpolate (secant when a == c, else inverse quadratic) where the last step was large
            # enough and went the right way; accept it only inside the bracket and shrinking fast.
            interp = ~done & (np.abs(prev_step) >= tol_act) & (np.abs(fai) > np.abs(fbi))
            cb = ci - bi
            secant = ai == ci
            t1s = fbi / fai
            q_ = fai / fci
            t1 = fbi / fci
            t2 = fbi / fai
            p = np.where(secant, cb * t1s, t2 * (cb * q_ * (q_ - t1) - (bi - ai) * (t1 - 1.0)))
            q = np.where(secant, 1.0 - t1s, (q_ - 1.0) * (t1 - 1.0) * (t2 - 1.0))
            q = np.where(p > 0, -q, q)
            p = np.abs(p)
            accept = interp & (p < 0.75 * cb * q - np.abs(tol_act * q) / 2) & (p < np.abs(prev_step * q / 2))
            new_step = np.where(accept, p / q, new_step)
            new_step = np.where(np.abs(new_step) < tol_act, np.where(new_step > 0, tol_act, -tol_act), new_step)
            keep = ~done
            go = active[keep]
            ai, fai = bi[keep], fbi[keep]
            bi = bi[keep] + new_step[keep]
            ci, fci = ci[keep], fci[keep]
            fbi = f(go, bi) if go.size else bi
            same_side = ((fbi > 0) & (fci > 0)) | ((fbi < 0) & (fci < 0))
            ci, fci = np.where(same_side, ai, ci), np.where(same_side, fai, fci)
            a[go], b[go], c[go], fa[go], fb[go], fc[go] = ai, bi, ci, fai, fbi, fci
            active = go
            steps += 1
    failed = np.zeros(a.size, dtype=bool)
    failed[active] = True
    root[active] = b[active]
    return root, failed, steps


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
