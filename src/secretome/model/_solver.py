"""A stiff solver for many subjects of one model: Rodas4 with an analytic Jacobian, compiled with numba.

Cohorts, sensitivity analyses and calibrations integrate one model thousands of times with different
parameter values. This module integrates every subject with RODAS, the 4th-order stiffly accurate,
L-stable Rosenbrock method of Hairer & Wanner with an embedded 3rd-order error estimate and a 3rd-order
continuous (dense) output [1]_ (coefficients of ``rodas.f``, METH=1), with Gustafsson's predictive step-size
controller [2]_. The right-hand side, its analytic Jacobian and the readouts are generated from the model's
declarations (:mod:`secretome.model._codegen`); each step factorises ``I/(gamma h) - J`` once (a sparse
LU generated for the model's Jacobian pattern, or dense LU with partial pivoting when a pivot is too small)
and solves the six stages with it.

Why written here: no maintained Python library integrates many independent stiff systems with per-system
error control at compiled speed. scipy's ``solve_ivp`` steps in Python (the reference simulator,
:mod:`secretome.model._simulate`); libroadrunner's CVODE is compiled but pays a Python round trip per
subject. The expensive subjects are the prior draws whose cytokines oscillate (periods of minutes to hours):
they need about as many steps with either method (measured on the worst rat focal-defect draw: 2.3 million
RODAS and 2.7 million CVODE steps per simulated year), so the gain is the cost of a step, about 1.7 us here
with the generated sparse LU (benchmarks/model_cohort.py). A numpy version vectorised across subjects was
measured first: the batched 17 x 17 LU costs 4-6 us per subject either way, and Python's per-step overhead
(about 2,000 array operations per Rosenbrock step) dominates once only the few oscillating subjects are
still running, which are exactly the expensive ones; compiling each subject's integration removes both.

Dose events are applied as the reference simulator and the SBML export do: integration stops at each dose
time shared by all subjects, the amounts are added, and it restarts from the new state (an output time
equal to a dose time reports the state after the dose).

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

import numpy as np
from numba import njit

__all__ = ["KERNEL", "STATUS", "dose_table"]

STATUS = {
    0: "ok",
    1: "failed: too many steps (max_steps) before t = {t:g}",
    2: "failed: step size too small at t = {t:g}",
    3: "failed: a species exceeded 1e+12 at t = {t:g}",
    4: "failed: non-finite rate or Jacobian at t = {t:g}",
}
"""Message of each status code (``{t}``: where the integration stopped)."""

_BLOW_UP = 1e12  # as the reference simulator: a finite-time blow-up would otherwise never end

# RODAS (Hairer & Wanner 1996, rodas.f, METH=1): stage coefficients in the transformed (W) form,
# gamma = 0.25, and the coefficients of the dense output.
_GAMMA = 0.25
_A21 = 1.544
_A31, _A32 = 0.9466785280815826, 0.2557011698983284
_A41, _A42, _A43 = 3.314825187068521, 2.896124015972201, 0.9986419139977817
_A51, _A52, _A53, _A54 = 1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950
_C21 = -5.6688
_C31, _C32 = -2.430093356833875, -0.2063599157091915
_C41, _C42, _C43 = -0.1073529058151375, -9.594562251023355, -20.47028614809616
_C51, _C52, _C53, _C54 = 7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160
_C61, _C62, _C63, _C64, _C65 = (8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136,
                                -6.058818238834054)  # fmt: skip
_D21, _D22, _D23, _D24, _D25 = (10.12623508344586, -7.487995877610167, -34.80091861555747, -7.992771707568823,
                                1.025137723295662)  # fmt: skip
_D31, _D32, _D33, _D34, _D35 = (-0.6762803392801253, 6.087714651680015, 16.43084320892478, 24.76722511418386,
                                -6.594389125716872)  # fmt: skip

# Step-size controller (Gustafsson 1994, as in rodas.f): growth at most 6x, shrink at most 5x per step.
_SAFE, _FAC_MIN, _FAC_MAX = 0.9, 1.0 / 6.0, 5.0


@njit(cache=True, inline="always")
def _pow(x, e):
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
def _lu(a, piv):
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
def _lu_solve(a, piv, b):
    """Solve ``A x = b`` in place from :func:`_lu`'s factors."""
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
def _finite(x):
    for v in x.flat:  # noqa: SIM110 - a generator in all() does not compile in numba's nopython mode
        if not math.isfinite(v):
            return False
    return True


@njit(cache=True)
def _norm(y, f, rtol, atol):
    total = 0.0
    for i in range(y.shape[0]):
        total += (f[i] / (atol + rtol * abs(y[i]))) ** 2
    return math.sqrt(total / y.shape[0])


def rhs(y, k, dy):
    """Placeholder: the generated module defines ``dy[:] = f(y; k)`` for its model."""
    raise NotImplementedError("generated per model by secretome.model._codegen")


def jac(y, k, jacobian):
    """Placeholder: the generated module defines ``jacobian[:, :] = df/dy`` for its model."""
    raise NotImplementedError("generated per model by secretome.model._codegen")


def readouts(y, k, out):
    """Placeholder: the generated module defines ``out[:] = readouts(y; k)`` for its model."""
    raise NotImplementedError("generated per model by secretome.model._codegen")


def lu_sparse(w, jacobian, scale):
    """Placeholder: the generated module sets ``w = scale I - jacobian`` on its model's sparsity pattern and
    factorises it in place (True if done)."""
    raise NotImplementedError("generated per model by secretome.model._codegen")


def solve_sparse(w, b):
    """Placeholder: the generated module solves ``w x = b`` in place with :func:`lu_sparse`'s factors."""
    raise NotImplementedError("generated per model by secretome.model._codegen")


def _factor(w, jm, scale, piv):
    """Factorise ``W = scale I - J``: sparse LU if its pivots allow, else dense LU; ``(ok, sparse)``."""
    if lu_sparse(w, jm, scale):
        return True, True
    n = w.shape[0]
    for i in range(n):
        for j in range(n):
            w[i, j] = -jm[i, j]
        w[i, i] += scale
    return _lu(w, piv), False


def _solve(w, piv, b, sparse):
    """Solve ``W x = b`` in place with :func:`_factor`'s factors."""
    if sparse:
        solve_sparse(w, b)
    else:
        _lu_solve(w, piv, b)


# The kernel below calls rhs, jac, readouts, lu_sparse and solve_sparse as globals: _codegen copies its
# source into each model's generated module, after that model's own functions. Passed as arguments instead,
# numba embeds the function objects' addresses in the compiled code and refuses to cache it, and a model
# would be recompiled (about 10 s) in every process.
def _subject(y, k, boundaries, dose_species, dose_amounts, dose_start, times, rtol, atol, max_steps, values,
             outputs):  # fmt: skip
    """Integrate one subject from its initial state *y* (modified); returns ``(status code, time)``."""
    n = y.shape[0]
    f0 = np.empty(n)
    jm = np.empty((n, n))
    w = np.empty((n, n))
    piv = np.empty(n, dtype=np.int64)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
    tmp = np.empty(n)
    ynew = np.empty(n)
    fnew = np.empty(n)
    steps = 0
    it = 0
    n_times = times.shape[0]
    last_segment = boundaries.shape[0] - 2
    for b in range(last_segment + 1):
        t = boundaries[b]
        t_end = boundaries[b + 1]
        for d in range(dose_start[b], dose_start[b + 1]):
            y[dose_species[d]] += dose_amounts[d]
        while it < n_times and times[it] == t:
            values[it, :] = y  # the exact state after the doses, not an interpolant
            readouts(y, k, outputs[it])
            it += 1
        rhs(y, k, f0)
        if not _finite(f0):
            return 4, t
        # Initial step (Hairer & Wanner's rule of thumb): 1% of the time over which y changes by its own scale.
        d0 = _norm(y, y, rtol, atol)
        d1 = _norm(y, f0, rtol, atol)
        h = 0.01 * d0 / d1 if d0 > 1e-5 and d1 > 1e-5 else 1e-6 * (t_end - t)
        h = min(max(h, 1e-10 * (t_end - t)), t_end - t)
        first = True
        rejected = False
        h_old = h
        err_old = 1.0
        jac(y, k, jm)
        if not _finite(jm):
            return 4, t
        while t < t_end:
            if steps >= max_steps:
                return 1, t
            steps += 1
            final = t + 1.01 * h >= t_end
            if final:
                h = t_end - t
            if h <= 1e-14 * max(1.0, abs(t)):
                return 2, t
            inv_h = 1.0 / h  # the stages divide by h: multiply instead (a division costs several multiplications)
            ok, sparse = _factor(w, jm, inv_h / _GAMMA, piv)
            if ok:
                # Explicit loops: array expressions would allocate temporaries at every stage.
                for i in range(n):
                    k1[i] = f0[i]
                _solve(w, piv, k1, sparse)
                for i in range(n):
                    tmp[i] = y[i] + _A21 * k1[i]
                rhs(tmp, k, fnew)
                for i in range(n):
                    k2[i] = fnew[i] + _C21 * inv_h * k1[i]
                    tmp[i] = y[i] + _A31 * k1[i]
                _solve(w, piv, k2, sparse)
                for i in range(n):
                    tmp[i] += _A32 * k2[i]
                rhs(tmp, k, fnew)
                for i in range(n):
                    k3[i] = fnew[i] + (_C31 * k1[i] + _C32 * k2[i]) * inv_h
                _solve(w, piv, k3, sparse)
                for i in range(n):
                    tmp[i] = y[i] + _A41 * k1[i] + _A42 * k2[i] + _A43 * k3[i]
                rhs(tmp, k, fnew)
                for i in range(n):
                    k4[i] = fnew[i] + (_C41 * k1[i] + _C42 * k2[i] + _C43 * k3[i]) * inv_h
                _solve(w, piv, k4, sparse)
                for i in range(n):
                    tmp[i] = y[i] + _A51 * k1[i] + _A52 * k2[i] + _A53 * k3[i] + _A54 * k4[i]
                rhs(tmp, k, fnew)
                for i in range(n):
                    k5[i] = fnew[i] + (_C51 * k1[i] + _C52 * k2[i] + _C53 * k3[i] + _C54 * k4[i]) * inv_h
                _solve(w, piv, k5, sparse)
                for i in range(n):
                    tmp[i] += k5[i]  # the embedded 3rd-order solution
                rhs(tmp, k, fnew)
                for i in range(n):
                    k6[i] = fnew[i] + (_C61 * k1[i] + _C62 * k2[i] + _C63 * k3[i] + _C64 * k4[i] + _C65 * k5[i]) * inv_h
                _solve(w, piv, k6, sparse)  # k6 is the error estimate
                err = 0.0
                for i in range(n):
                    ynew[i] = tmp[i] + k6[i]
                    err += (k6[i] / (atol + rtol * max(abs(y[i]), abs(ynew[i])))) ** 2
                err = math.sqrt(err / n)
                ok = math.isfinite(err)
            if not ok:
                if not _finite(jm):
                    return 4, t
                h *= 1.0 / _FAC_MAX  # a singular matrix or a non-finite stage: retry smaller
                rejected = True
                continue
            fac = min(_FAC_MAX, max(_FAC_MIN, err**0.25 / _SAFE))
            if err > 1.0:
                h /= fac
                rejected = True
                continue
            if not first:
                predicted = (h_old / h) * (err * err / err_old) ** 0.25 / _SAFE
                fac = max(fac, min(_FAC_MAX, max(_FAC_MIN, predicted)))
            h_new = h / fac
            if rejected:
                h_new = min(h_new, h)
            first = False
            rejected = False
            h_old = h
            err_old = max(0.01, err)
            t_new = t_end if final else t + h
            for i in range(n):
                if abs(ynew[i]) > _BLOW_UP:
                    return 3, t_new
            # Dense output (rodas.f CONTRO): y(t + s h) = (1 - s) y + s (ynew + (1 - s)(c3 + s c4)).
            while it < n_times and times[it] <= t_new and (times[it] < t_end or b == last_segment):
                if times[it] == t_new:
                    values[it, :] = ynew
                else:
                    s = (times[it] - t) / h
                    for i in range(n):
                        c3 = _D21 * k1[i] + _D22 * k2[i] + _D23 * k3[i] + _D24 * k4[i] + _D25 * k5[i]
                        c4 = _D31 * k1[i] + _D32 * k2[i] + _D33 * k3[i] + _D34 * k4[i] + _D35 * k5[i]
                        values[it, i] = (1.0 - s) * y[i] + s * (ynew[i] + (1.0 - s) * (c3 + s * c4))
                readouts(values[it], k, outputs[it])
                it += 1
            for i in range(n):
                y[i] = ynew[i]
            t = t_new
            h = min(h_new, t_end - t) if t < t_end else h_new
            rhs(y, k, f0)
            jac(y, k, jm)
            if not _finite(f0):
                return 4, t
    # A dose at the end time is reported in the last output, as every dose is at its own time.
    b = boundaries.shape[0] - 1
    if dose_start[b + 1] > dose_start[b]:
        for d in range(dose_start[b], dose_start[b + 1]):
            y[dose_species[d]] += dose_amounts[d]
        if n_times and times[n_times - 1] == boundaries[b]:
            values[n_times - 1, :] = y
            readouts(y, k, outputs[n_times - 1])
    return 0, boundaries[b]


def integrate(y0, k, boundaries, dose_species, dose_amounts, dose_start, times, rtol, atol, max_steps, values,
              outputs, status, where):  # fmt: skip
    """Integrate every row of *k* (parameters) from *y0*; fill *values*, *outputs*, *status*, *where*.

    *boundaries* are 0, the dose times and the end time, increasing; the doses at ``boundaries[b]`` are
    ``dose_species[dose_start[b]:dose_start[b + 1]]`` with their *dose_amounts*. *values* and *outputs* are
    NaN-filled by the caller and left so for a subject that fails.
    """
    for s in range(k.shape[0]):
        code, t = _subject(y0.copy(), k[s], boundaries, dose_species, dose_amounts, dose_start, times, rtol, atol,
                           max_steps, values[s], outputs[s])  # fmt: skip
        status[s] = code
        where[s] = t


KERNEL = (_factor, _solve, _subject, integrate)
"""Functions whose source _codegen compiles into each model's module (they call its rhs, jac and readouts)."""


def dose_table(doses, species: dict[str, int], t_end: float):
    """Segment boundaries (0, dose times, *t_end*) and the doses at each, as arrays for the kernel."""
    boundaries = np.array(sorted({0.0, *(d.time for d in doses if d.time < t_end), t_end}))
    at = {t: [] for t in boundaries.tolist()}
    for d in doses:
        if d.time <= t_end:  # a later dose cannot change the outputs
            at[d.time].append(d)
    ordered = [d for t in boundaries.tolist() for d in at[t]]
    start = np.cumsum([0, *(len(at[t]) for t in boundaries.tolist())]).astype(np.int64)
    return (
        boundaries,
        np.array([species[d.species] for d in ordered], dtype=np.int64),
        np.array([d.amount for d in ordered], dtype=float),
        start,
    )
