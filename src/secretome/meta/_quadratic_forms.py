"""The distribution of a positive quadratic form in normal variables (what metafor's GENQM inverts)."""

from __future__ import annotations

import numpy as np
import scipy
from numpy.typing import ArrayLike

from secretome.errors import NumericalError

__all__ = ["quadratic_form_cdf"]


def quadratic_form_cdf(q: float, lam: ArrayLike, *, eps: float = 1e-12, maxterms: int = 10_000_000) -> float:
    r"""P(Q <= *q*) for :math:`Q = \sum_j \lambda_j \chi^2_1` with every :math:`\lambda_j > 0`, by Ruben's series.

    Ruben (1962) writes the distribution as a mixture of central chi-squares,
    :math:`P(Q \le q) = \sum_{m \ge 0} c_m F_{\chi^2_{r+2m}}(q/\beta)` with :math:`\beta = \min_j \lambda_j`
    (Farebrother's ``mode = 1``), where the :math:`c_m \ge 0` (summing to 1) are the coefficients of
    :math:`G(z) = \prod_j (\beta/\lambda_j)^{1/2} (1 - \gamma_j z)^{-1/2}`, :math:`\gamma_j = 1 - \beta/\lambda_j`.
    This is the series of Farebrother's algorithm AS 204 (1984), which metafor's GENQM calls through
    ``CompQuadForm::farebrother`` (at ``eps`` = 1e-10). Farebrother sums the recursion for :math:`c_m`
    term by term (O(N^2) for N terms); here :math:`\log G(z) = \log c_0 + \tfrac12\sum_{m \ge 1} p_m z^m/m`,
    :math:`p_m = \sum_j \gamma_j^m`, is summed at the N-th roots of unity by one FFT, and one more FFT
    of :math:`G` there gives the :math:`c_m` folded modulo N: O(N (r + log N)). N is chosen by
    Chernoff's bound :math:`\sum_{m \ge N} c_m \le G(s)/s^N` (1 < s < 1/max gamma) so that the mass
    folded back, which bounds the error, is below *eps*; where :math:`F_{\chi^2_r}(q/\beta)`, which bounds
    the sum, is itself below *eps*, it is the answer.

    References: Ruben H (1962). Probability content of regions under spherical normal distributions,
    IV. Annals of Mathematical Statistics 33(2):542-570. https://doi.org/10.1214/aoms/1177704580;
    Farebrother RW (1984). Algorithm AS 204: the distribution of a positive linear combination of
    chi-squared random variables. Applied Statistics 33(3):332-339. https://doi.org/10.2307/2347721

    >>> round(quadratic_form_cdf(3.0, [1.0, 1.0, 1.0]), 12) == round(float(scipy.stats.chi2.cdf(3.0, 3)), 12)
    True
    >>> round(quadratic_form_cdf(2.0, [0.5, 2.0]), 6)  # R: 1 - CompQuadForm::farebrother(2, c(0.5, 2))$Qq
    0.590095
    """
    lam = np.asarray(lam, dtype=np.float64)
    if lam.size == 0 or not np.all(lam > 0):
        raise NumericalError("the quadratic form needs positive weights (eigenvalues) for Ruben's series")
    if q <= 0:
        return 0.0
    beta = float(lam.min())
    # Each F_{r+2m}(q/beta) is at most F_r(q/beta) and the c_m sum to 1: far in the lower tail (as GENQM's
    # tau^2 searched far above its root) the answer is known to eps without the long series.
    first = float(scipy.stats.chi2.cdf(q / beta, lam.size))
    if first < eps:
        return first
    gamma = 1 - beta / lam
    log_c0 = 0.5 * float(np.log(beta / lam).sum())
    n = _terms(gamma, log_c0, eps)
    if n > maxterms:
        raise NumericalError(f"Ruben's series needs {n} terms for an error below {eps:g} (more than {maxterms})")
    m = np.arange(1, n)
    rest = gamma[gamma > 0]
    # p_m / m for m = 1 .. n-1 (the terms from n on are below eps by the choice of n); b[0] = 0.
    b = np.concatenate([[0.0], np.exp(np.outer(m, np.log(rest))).sum(axis=1) / m]) if rest.size else np.zeros(n)
    log_g = log_c0 + 0.5 * n * np.fft.ifft(b)  # sum_m b_m w^(km), w = exp(2 pi i / n)
    c = np.fft.fft(np.exp(log_g)).real / n  # (1/n) sum_k G(w^k) w^(-km)
    cdf = scipy.stats.chi2.cdf(q / beta, lam.size + 2 * np.arange(n))
    return float(min(1.0, max(0.0, c @ cdf)))


def _terms(gamma: np.ndarray, log_c0: float, eps: float) -> int:
    """The number N of series terms whose tail mass is below *eps*, by Chernoff's bound G(s)/s^N."""
    top = float(gamma.max())
    if top <= 0:
        return 1  # every lambda equal: one chi-square
    best = np.inf
    for f in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9):
        s = 1 + f * (1 / top - 1)
        log_g = log_c0 - 0.5 * float(np.log1p(-gamma * s).sum())
        best = min(best, (log_g - np.log(eps)) / np.log(s))
    return max(16, int(np.ceil(best)))
