"""The marginal (restricted) likelihood of a linear mixed meta-analysis model and its maximisation.

:class:`MarginalModel` is ``y ~ N(X beta, M)`` with ``M = S + sum_j sigma^2_j Z_j Z_j'``: S the known
sampling covariance (``diag(vi)`` or a full V), each ``Z_j`` the 0/1 incidence matrix of one random
factor. It serves the multilevel fits (:func:`secretome.meta.multilevel`), their profile likelihoods
and confidence intervals, and the profile of tau^2 of a random-effects model (one factor, ``Z = I``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
from collections.abc import Iterator, Sequence

import numpy as np
import scipy
from threadpoolctl import ThreadpoolController

from secretome.errors import ConvergenceError
from secretome.meta._columns import FloatArray

__all__: list[str] = []

LOG_2PI = math.log(2 * math.pi)


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run BLAS on one thread: the matrices here are k x k with k in the hundreds, where threads do not
    pay, and on shared cores OpenBLAS's spinning threads made each evaluation 80x slower (measured)."""
    with _controller().limit(limits=1, user_api="blas"):
        yield


@dataclasses.dataclass(frozen=True, slots=True)
class Evaluation:
    """Minus the log-likelihood at ``theta``, its gradient, the expected (Fisher) information and the Hessian."""

    theta: FloatArray
    nll: float
    grad: FloatArray
    info: FloatArray
    hess: FloatArray


@dataclasses.dataclass(frozen=True, slots=True)
class MarginalFit:
    """The maximiser ``theta`` (variance components), the maximised log-likelihood and the steps taken."""

    theta: FloatArray
    loglik: float
    iterations: int


class MarginalModel:
    """``y ~ N(X beta, S + sum_j theta_j Z_j Z_j')``, the model of metafor's ``rma.mv`` with ``~ 1 | factor`` terms.

    The log-likelihoods are metafor's (``.ll.rma.mv``): ML
    :math:`-\\tfrac12 (k \\log 2\\pi + \\log|M| + r'M^{-1}r)` and REML
    :math:`-\\tfrac12 ((k-p)\\log 2\\pi + \\log|M| + \\log|X'M^{-1}X| + r'M^{-1}r) + \\tfrac12\\log|X'X|`
    with the GLS residual r (Harville 1977, https://doi.org/10.1080/01621459.1977.10480998).
    """

    def __init__(
        self, y: FloatArray, sampling: FloatArray, x: FloatArray, incidences: Sequence[FloatArray], *, reml: bool
    ) -> None:
        self.y, self.x, self.reml = y, x, reml
        self.sampling = sampling
        self.z = [np.asarray(z, dtype=np.float64) for z in incidences]
        self.k, self.p = x.shape
        self._logdet_xtx = float(np.linalg.slogdet(x.T @ x)[1])

    def marginal(self, theta: FloatArray) -> FloatArray:
        """The marginal covariance ``M = S + sum_j theta_j Z_j Z_j'`` (k x k)."""
        m = self.sampling.copy()
        for t, z in zip(theta, self.z, strict=True):
            m += t * (z @ z.T)
        return m

    def gls(self, theta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``beta``, its variance ``(X'M^{-1}X)^{-1}`` and M at *theta*."""
        m = self.marginal(theta)
        chol = scipy.linalg.cho_factor(m, lower=True)
        vinv_x = scipy.linalg.cho_solve(chol, self.x)
        vb = np.linalg.inv(self.x.T @ vinv_x)
        beta = vb @ (vinv_x.T @ self.y)
        return beta, vb, m

    def evaluate(self, theta: FloatArray) -> Evaluation:
        """Minus the log-likelihood, its gradient and Fisher information at *theta*.

        With ``P = M^{-1} - M^{-1}X(X'M^{-1}X)^{-1}X'M^{-1}`` (REML; ``M^{-1}`` for ML) the score
        is :math:`-\\tfrac12 \\mathrm{tr}(P Z_j Z_j') + \\tfrac12 \\lVert Z_j' P y \\rVert^2` and the
        information :math:`\\tfrac12 \\lVert Z_j' P Z_l \\rVert_F^2`: only k x n_j products, never a
        k x k product per component.
        """
        k, p = self.k, self.p
        chol = scipy.linalg.cho_factor(self.marginal(theta), lower=True, check_finite=False)
        logdet = 2 * float(np.log(np.diag(chol[0])).sum())
        vinv_x = scipy.linalg.cho_solve(chol, self.x, check_finite=False)
        vinv_y = scipy.linalg.cho_solve(chol, self.y, check_finite=False)
        xtvx = self.x.T @ vinv_x
        xtvx_chol = scipy.linalg.cho_factor(xtvx, check_finite=False)
        beta = scipy.linalg.cho_solve(xtvx_chol, self.x.T @ vinv_y, check_finite=False)
        py = vinv_y - vinv_x @ beta
        quad = float(self.y @ py)
        if self.reml:
            logdet_xtvx = 2 * float(np.log(np.diag(xtvx_chol[0])).sum())
            nll = 0.5 * ((k - p) * LOG_2PI + logdet + logdet_xtvx + quad - self._logdet_xtx)
        else:
            nll = 0.5 * (k * LOG_2PI + logdet + quad)
        # P Z_j for the quadratic forms; the traces use P (REML) or M^-1 (ML).
        pz, tz = [], []
        for z in self.z:
            vz = scipy.linalg.cho_solve(chol, z, check_finite=False)
            pz.append(vz - vinv_x @ scipy.linalg.cho_solve(xtvx_chol, self.x.T @ vz, check_finite=False))
            tz.append(pz[-1] if self.reml else vz)
        u = [z.T @ py for z in self.z]
        grad = np.array(
            [0.5 * (float((z * a).sum()) - float(a_u @ a_u)) for z, a, a_u in zip(self.z, tz, u, strict=True)]
        )
        s = len(self.z)
        info = np.empty((s, s))
        hess = np.empty((s, s))
        for j in range(s):
            for m in range(j, s):
                info[j, m] = info[m, j] = 0.5 * float(np.sum((self.z[j].T @ tz[m]) ** 2))
                # The observed information adds y'P G_j P G_m P y (exact for REML and for ML with beta profiled out).
                hess[j, m] = hess[m, j] = -info[j, m] + float(u[j] @ (self.z[j].T @ pz[m]) @ u[m])
        return Evaluation(np.array(theta, dtype=np.float64), nll, grad, info, hess)

    def loglik(self, theta: FloatArray) -> float:
        """The (restricted) log-likelihood at *theta*."""
        return -self.evaluate(theta).nll

    def start(self) -> FloatArray:
        """metafor's starting values: the residual variance of the fixed-effects fit beyond the typical
        sampling variance, split equally over the components (at least 0.001 in all). With a sampling
        variance of 0 (V not positive definite) metafor starts from the residual variance of ``lm(y ~ X - 1)``
        instead."""
        s = len(self.z)
        try:
            chol = scipy.linalg.cho_factor(self.sampling, lower=True)
        except np.linalg.LinAlgError:
            k, p = self.x.shape
            resid = self.y - self.x @ np.linalg.lstsq(self.x, self.y, rcond=None)[0]
            return np.full(s, float(resid @ resid) / (k - p) / s)
        vinv_x = scipy.linalg.cho_solve(chol, self.x)
        beta = np.linalg.solve(self.x.T @ vinv_x, vinv_x.T @ self.y)
        resid = self.y - self.x @ beta
        typical = 1 / float(np.mean(1 / np.diag(self.sampling)))
        total = max(0.001 * s, float(np.var(resid, ddof=1)) - typical)
        return np.full(s, total / s)

    def fit(
        self,
        *,
        fixed: FloatArray | None = None,
        start: FloatArray | None = None,
        maxiter: int = 500,
        threshold: float = 1e-10,
    ) -> MarginalFit:
        """Maximise the (restricted) likelihood over ``theta >= 0`` (components given in *fixed* held there).

        Newton steps (Fisher scoring where the Hessian is not positive definite) with an active
        set: a component at 0 whose score points below 0 is held at the bound and the step is
        solved for the others alone (a full step that ignored the bound would move the others to
        the wrong place); a step that crosses 0 is also tried with those components pinned at 0,
        each step projected onto ``theta >= 0`` and halved until the likelihood does not fall. It
        stops when no component moves by more than *threshold* (relative to the largest) and the projected Newton
        decrement is below 1e-10, so the point is the constrained maximum (Karush-Kuhn-Tucker), not
        merely a place where the steps became small. Should scoring not get there in *maxiter* steps,
        L-BFGS-B on the same bounds takes over from the last point.
        """
        with one_blas_thread():
            return self._fit(fixed, start, maxiter, threshold)

    def _fit(self, fixed: FloatArray | None, start: FloatArray | None, maxiter: int, threshold: float) -> MarginalFit:
        s = len(self.z)
        held = np.zeros(s, dtype=bool) if fixed is None else ~np.isnan(fixed)
        theta = self.start() if start is None else np.array(start, dtype=np.float64)
        if fixed is not None:
            theta = np.where(held, fixed, theta)
        theta = np.maximum(theta, 0.0)
        ev = self.evaluate(theta)
        for iteration in range(1, maxiter + 1):
            free = ~(held | ((ev.theta <= 0) & (ev.grad >= 0)))
            if not free.any():
                return MarginalFit(ev.theta, -ev.nll, iteration - 1)
            step = np.zeros(s)
            step[free] = _direction(ev, free)
            decrement = float(-step[free] @ ev.grad[free])
            new_ev = self._pinned_step(ev, step, free, held)
            t = 1.0
            for _ in range(60 if new_ev is None else 0):
                new = np.maximum(ev.theta + t * step, 0.0)
                new[held] = ev.theta[held]
                candidate = self._feasible(new)
                if candidate is not None and candidate.nll <= ev.nll + 1e-12 * max(1.0, abs(ev.nll)):
                    new_ev = candidate
                    break
                t /= 2
            if new_ev is None:
                # No step along the scoring direction raises the likelihood: stationary up to rounding.
                if abs(decrement) < 1e-8:
                    return MarginalFit(ev.theta, -ev.nll, iteration)
                break
            change = float(np.max(np.abs(new_ev.theta - ev.theta)))
            ev = new_ev
            scale = max(1.0, float(np.max(ev.theta)))
            if change < threshold * scale and abs(decrement) < 1e-10 * max(1.0, abs(ev.nll)):
                return MarginalFit(ev.theta, -ev.nll, iteration)
        return self._bounded_quasi_newton(ev, held, maxiter)

    def _feasible(self, theta: FloatArray) -> Evaluation | None:
        """The evaluation at *theta*, or ``None`` where M is not positive definite there (possible when V is not):
        such a step is rejected, as metafor's ``.ll.rma.mv`` gives it the log-likelihood -Inf and nlminb steps back.
        """
        try:
            return self.evaluate(theta)
        except np.linalg.LinAlgError:
            return None

    def _pinned_step(self, ev: Evaluation, step: FloatArray, free: FloatArray, held: FloatArray) -> Evaluation | None:
        """The full scoring step, or, where it crosses 0, the step of the quadratic model with those components
        pinned at 0 (a plain projection would halve every later step while a component creeps to 0): whichever
        raises the likelihood more; ``None`` when neither raises it."""
        tries = [np.maximum(ev.theta + step, 0.0)]
        crossing = free & (ev.theta + step < 0)
        rest = free & ~crossing
        if crossing.any():
            d = np.zeros_like(step)
            d[crossing] = -ev.theta[crossing]
            if rest.any():
                rhs = ev.grad[rest] + ev.info[np.ix_(rest, crossing)] @ d[crossing]
                try:
                    d[rest] = -np.linalg.solve(ev.info[np.ix_(rest, rest)], rhs)
                except np.linalg.LinAlgError:
                    d[rest] = step[rest]
            tries.append(np.maximum(ev.theta + d, 0.0))
        best = None
        for new in tries:
            new[held] = ev.theta[held]
            candidate = self._feasible(new)
            if candidate is None:
                continue
            if candidate.nll <= ev.nll + 1e-12 * max(1.0, abs(ev.nll)) and (best is None or candidate.nll < best.nll):
                best = candidate
        return best

    def _bounded_quasi_newton(self, ev: Evaluation, held: FloatArray, maxiter: int) -> MarginalFit:
        bounds = [(float(t), float(t)) if h else (0.0, None) for t, h in zip(ev.theta, held, strict=True)]

        def objective(theta: FloatArray) -> tuple[float, FloatArray]:
            e = self._feasible(np.maximum(theta, 0.0))
            return (math.inf, np.zeros_like(theta)) if e is None else (e.nll, e.grad)

        res = scipy.optimize.minimize(
            objective,
            ev.theta,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 10 * maxiter, "ftol": 1e-15, "gtol": 1e-10},
        )
        theta = np.maximum(res.x, 0.0)
        final = self.evaluate(theta)
        projected = np.where((theta <= 0) & (final.grad > 0), 0.0, final.grad)
        projected[np.asarray(held, dtype=bool)] = 0.0
        scale = np.sqrt(np.maximum(np.diag(final.info), 1e-300))
        if not np.all(np.abs(projected) / scale < 1e-4):
            raise ConvergenceError(
                f"{'REML' if self.reml else 'ML'} did not converge: Fisher scoring ({maxiter} steps) and "
                f"L-BFGS-B stopped at sigma^2 = {', '.join(f'{t:.6g}' for t in theta)} with the score "
                f"{', '.join(f'{g:.2g}' for g in final.grad)}"
            )
        return MarginalFit(theta, -final.nll, maxiter + int(res.nit))


def _direction(ev: Evaluation, free: FloatArray) -> FloatArray:
    """The Newton step on the free components where the Hessian is positive definite there (quadratic
    convergence), else the Fisher-scoring step (expected information: positive definite unless two components
    are not identified apart, but it can overshoot back and forth for dozens of steps where it differs much from
    the Hessian), else the least-norm scoring step: where two factors have the same units (Z_j Z_j' equal) it
    moves both alike, keeping the equal split of metafor's starting values."""
    g = ev.grad[free]
    for curvature in (ev.hess, ev.info):
        sub = curvature[np.ix_(free, free)]
        eigen = np.linalg.eigvalsh(sub)
        # Positive definite beyond rounding: a singular information can pass a Cholesky factorisation.
        if eigen[0] > 1e-10 * abs(eigen[-1]):
            return -np.linalg.solve(sub, g)
    return -np.linalg.lstsq(ev.info[np.ix_(free, free)], g, rcond=1e-10)[0]
