"""R's uniroot (Brent's zeroin): the batched form takes the plain form's steps; both stop where R stops."""

from __future__ import annotations

import numpy as np
import pytest

from secretome.errors import ConvergenceError
from secretome.meta._uniroot import uniroot, uniroot_batch

# Decreasing functions of the kind PM and the Q-profile solve (a generalised Q minus a target), and two
# with curvature of either sign, each on a bracket of opposite signs.
_RNG = np.random.default_rng(16)
_V = _RNG.uniform(0.01, 0.5, (12, 9))
_Y = _RNG.normal(0.3, 0.5, (12, 9))


def _q(i: int, t: float) -> float:
    w = 1 / (_V[i] + t)
    mu = (w * _Y[i]).sum() / w.sum()
    return float((w * (_Y[i] - mu) ** 2).sum() - 4.0)


@pytest.mark.parametrize("tol", [np.finfo(float).eps ** 0.25, 1e-8, 1e-12])
def test_batch_takes_the_same_steps_as_one_at_a_time(tol):
    rows = [i for i in range(_Y.shape[0]) if _q(i, 0.0) > 0]
    lower, upper = np.zeros(len(rows)), np.full(len(rows), 100.0)
    roots, failed, _ = uniroot_batch(
        lambda idx, t: np.array([_q(rows[j], x) for j, x in zip(idx, t, strict=True)]),
        lower,
        upper,
        tol=tol,
        maxiter=100,
    )
    assert not failed.any()
    one = [uniroot(lambda t, i=i: _q(i, t), 0.0, 100.0, tol=tol, maxiter=100) for i in rows]
    assert roots.tolist() == one  # the same floating-point iterates, not merely close


def test_r_uniroot_at_its_default_tolerance():
    # R 4.2.2: print(uniroot(function(x) x^3 - x - 1, c(1, 2))$root, digits=10) is 1.324717825 and
    # print(uniroot(function(x) exp(-x) - x, c(0, 1))$root, digits=10) is 0.5671438933 (tol =
    # .Machine$double.eps^0.25); the roots themselves are 1.3247179572 and 0.5671432904, 1e-7 and 6e-7 away.
    roots, failed, _ = uniroot_batch(
        lambda idx, t: np.where(idx == 0, t**3 - t - 1, np.exp(-t) - t),
        np.array([1.0, 0.0]),
        np.array([2.0, 1.0]),
        tol=np.finfo(float).eps ** 0.25,
        maxiter=1000,
    )
    assert not failed.any()
    assert roots == pytest.approx([1.324717825, 0.5671438933], abs=1e-9)


def test_running_out_of_steps_is_reported():
    _, failed, steps = uniroot_batch(
        lambda idx, t: t**3 - t - 1, np.array([1.0]), np.array([2.0]), tol=1e-12, maxiter=1
    )
    assert failed.tolist() == [True]
    assert steps == 2  # R's zeroin runs maxiter + 1 passes
    with pytest.raises(ConvergenceError, match="did not converge in 1 iterations"):
        uniroot(lambda t: t**3 - t - 1, 1.0, 2.0, tol=1e-12, maxiter=1)
