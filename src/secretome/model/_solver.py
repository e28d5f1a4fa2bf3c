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

from secretome.model._rodas import (
    A21,
    A31,
    A32,
    A41,
    A42,
    A43,
    A51,
    A52,
    A53,
    A54,
    BLOW_UP,
    C21,
    C31,
    C32,
    C41,
    C42,
    C43,
    C51,
    C52,
    C53,
    C54,
    C61,
    C62,
    C63,
    C64,
    C65,
    D21,
    D22,
    D23,
    D24,
    D25,
    D31,
    D32,
    D33,
    D34,
    D35,
    FAC_MAX,
    FAC_MIN,
    GAMMA,
    SAFE,
    all_finite,
    error_norm,
    lu_factor,
    lu_solve,
)

__all__ = ["KERNEL", "STATUS", "dose_table"]

STATUS = {
    0: "ok",
    1: "failed: too many steps (max_steps) before t = {t:g}",
    2: "failed: step size too small at t = {t:g}",
    3: "failed: a species exceeded 1e+12 at t = {t:g}",
    4: "failed: non-finite rate or Jacobian at t = {t:g}",
}
"""Message of each status code (``{t}``: where the integration stopped)."""


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
    return lu_factor(w, piv), False


def _solve(w, piv, b, sparse):
    """Solve ``W x = b`` in place with :func:`_factor`'s factors."""
    if sparse:
        solve_sparse(w, b)
    else:
        lu_solve(w, piv, b)


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
        if not all_finite(f0):
            return 4, t
        # Initial step (Hairer & Wanner's rule of thumb): 1% of the time over which y changes by its own scale.
        d0 = error_norm(y, y, rtol, atol)
        d1 = error_norm(y, f0, rtol, atol)
        h = 0.01 * d0 / d1 if d0 > 1e-5 and d1 > 1e-5 else 1e-6 * (t_end - t)
        h = min(max(h, 1e-10 * (t_end - t)), t_end - t)
        first = True
        rejected = False
        h_old = h
        err_old = 1.0
        jac(y, k, jm)
        if not all_finite(jm):
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
            ok, sparse = _factor(w, jm, inv_h / GAMMA, piv)
            if ok:
                # Explicit loops: array expressions would allocate temporaries at every stage.
                for i in range(n):
                    k1[i] = f0[i]
                _solve(w, piv, k1, sparse)
                for i in range(n):
                    tmp[i] = y[i] + A21 * k1[i]
                rhs(tmp, k, fnew)
                for i in range(n):
                    k2[i] = fnew[i] + C21 * inv_h * k1[i]
                    tmp[i] = y[i] + A31 * k1[i]
                _solve(w, piv, k2, sparse)
                for i in range(n):
                    tmp[i] += A32 * k2[i]
                rhs(tmp, k, fnew)
                for i in range(n):
                    k3[i] = fnew[i] + (C31 * k1[i] + C32 * k2[i]) * inv_h
                _solve(w, piv, k3, sparse)
                for i in range(n):
                    tmp[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
                rhs(tmp, k, fnew)
                for i in range(n):
                    k4[i] = fnew[i] + (C41 * k1[i] + C42 * k2[i] + C43 * k3[i]) * inv_h
                _solve(w, piv, k4, sparse)
                for i in range(n):
                    tmp[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
                rhs(tmp, k, fnew)
                for i in range(n):
                    k5[i] = fnew[i] + (C51 * k1[i] + C52 * k2[i] + C53 * k3[i] + C54 * k4[i]) * inv_h
                _solve(w, piv, k5, sparse)
                for i in range(n):
                    tmp[i] += k5[i]  # the embedded 3rd-order solution
                rhs(tmp, k, fnew)
                for i in range(n):
                    k6[i] = fnew[i] + (C61 * k1[i] + C62 * k2[i] + C63 * k3[i] + C64 * k4[i] + C65 * k5[i]) * inv_h
                _solve(w, piv, k6, sparse)  # k6 is the error estimate
                err = 0.0
                for i in range(n):
                    ynew[i] = tmp[i] + k6[i]
                    err += (k6[i] / (atol + rtol * max(abs(y[i]), abs(ynew[i])))) ** 2
                err = math.sqrt(err / n)
                ok = math.isfinite(err)
            if not ok:
                if not all_finite(jm):
                    return 4, t
                h *= 1.0 / FAC_MAX  # a singular matrix or a non-finite stage: retry smaller
                rejected = True
                continue
            fac = min(FAC_MAX, max(FAC_MIN, err**0.25 / SAFE))
            if err > 1.0:
                h /= fac
                rejected = True
                continue
            if not first:
                predicted = (h_old / h) * (err * err / err_old) ** 0.25 / SAFE
                fac = max(fac, min(FAC_MAX, max(FAC_MIN, predicted)))
            h_new = h / fac
            if rejected:
                h_new = min(h_new, h)
            first = False
            rejected = False
            h_old = h
            err_old = max(0.01, err)
            t_new = t_end if final else t + h
            for i in range(n):
                if abs(ynew[i]) > BLOW_UP:
                    return 3, t_new
            # Dense output (rodas.f CONTRO): y(t + s h) = (1 - s) y + s (ynew + (1 - s)(c3 + s c4)).
            while it < n_times and times[it] <= t_new and (times[it] < t_end or b == last_segment):
                if times[it] == t_new:
                    values[it, :] = ynew
                else:
                    s = (times[it] - t) / h
                    for i in range(n):
                        c3 = D21 * k1[i] + D22 * k2[i] + D23 * k3[i] + D24 * k4[i] + D25 * k5[i]
                        c4 = D31 * k1[i] + D32 * k2[i] + D33 * k3[i] + D34 * k4[i] + D35 * k5[i]
                        values[it, i] = (1.0 - s) * y[i] + s * (ynew[i] + (1.0 - s) * (c3 + s * c4))
                readouts(values[it], k, outputs[it])
                it += 1
            for i in range(n):
                y[i] = ynew[i]
            t = t_new
            h = min(h_new, t_end - t) if t < t_end else h_new
            rhs(y, k, f0)
            jac(y, k, jm)
            if not all_finite(f0):
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
