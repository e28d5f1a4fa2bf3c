"""An assumed sampling covariance matrix V for dependent effect sizes, as metafor's ``vcalc``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from secretome.errors import InputError, SecretomeWarning
from secretome.meta._columns import FloatArray, as_column, require

__all__ = ["vcalc"]


def vcalc(
    vi: ArrayLike,
    cluster: Sequence[object] | ArrayLike,
    *,
    obs: Sequence[object] | ArrayLike | None = None,
    type: Sequence[object] | ArrayLike | None = None,
    subgroup: Sequence[object] | ArrayLike | None = None,
    rho: float | Sequence[float] | None = None,
    time1: ArrayLike | None = None,
    phi: float | None = None,
) -> FloatArray:
    r"""Build the sampling covariance matrix V of dependent effect sizes, as metafor's ``vcalc``.

    Effect sizes in different clusters (studies) are independent. Within a cluster, two rows
    correlate by

    - 1 when they share ``type`` and ``obs`` (the same observation),
    - ``rho_obs`` when they share the ``type`` (construct) but not the ``obs`` (different
      observations of it, e.g. different measures of one outcome),
    - ``rho_type`` when their ``type`` differs (different constructs),

    times :math:`\phi^{|t_i - t_j|}` with ``time1`` (an AR(1) structure over time points), so
    :math:`V_{ij} = r_{ij}\sqrt{v_i v_j}` [1]_. Without ``obs`` and ``type`` every row of a cluster
    is taken as the same observation (correlation 1), as metafor does.

    Parameters
    ----------
    vi : array_like
        Sampling variances (> 0).
    cluster : sequence
        The cluster (study) of each row.
    obs : sequence, optional
        Which observation within a cluster each row is (needs ``rho``).
    type : sequence, optional
        Which construct each row measures (needs ``rho``).
    subgroup : sequence, optional
        Independent groups within a cluster (rows of different subgroups do not correlate).
    rho : float or pair of float
        The correlation of different observations (with ``obs``) or different constructs (with
        ``type``); with both, the pair ``(rho_obs, rho_type)``.
    time1 : array_like, optional
        Time point of each row (needs ``phi``).
    phi : float, optional
        Autocorrelation per unit of time, in [-1, 1].

    Returns
    -------
    numpy.ndarray
        V, k x k, to pass to :func:`multilevel` as its ``vi``. As metafor's ``checkpd``, each cluster
        (with ``subgroup``, each ``cluster.subgroup``) whose correlation block has an eigenvalue of at
        most the machine epsilon gets a :class:`~secretome.errors.SecretomeWarning` in metafor's words,
        "The var-cov matrix appears to be not positive definite in cluster 3.".

    Notes
    -----
    metafor's further options (``grp1``/``grp2`` and ``w1``/``w2`` for contrasts sharing a group,
    ``time2``, a correlation matrix per ``obs`` or ``type`` level) are not available. Checked
    against metafor 3.8-1 ``vcalc(vi, cluster = study, ...)`` on dat.assink2016 (studies 1-6) for
    ``obs``, ``type``, both, ``time1``/``phi`` with and without ``obs``, ``subgroup`` and none of
    them, to 1e-12, and its checkpd warnings on constructed clusters (tests/meta/test_vcalc.py).

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of
       Statistical Software 36(3):1-48. https://doi.org/10.18637/jss.v036.i03 (``vcalc``, metafor 3.0).

    Examples
    --------
    >>> vcalc([0.04, 0.09, 0.01], cluster=[1, 1, 2], obs=[1, 2, 1], rho=0.5)
    array([[0.04, 0.03, 0.  ],
           [0.03, 0.09, 0.  ],
           [0.  , 0.  , 0.01]])
    """
    v = as_column(vi, "vi")
    k = v.size
    require(v, "vi", lambda a: a > 0, "sampling variance must be > 0")
    groups = _labels(cluster, k, "cluster")
    if subgroup is not None:
        # metafor's cluster becomes paste0(cluster, ".", subgroup): its warnings name that pair.
        groups = [f"{g}.{s}" for g, s in zip(groups, _labels(subgroup, k, "subgroup"), strict=True)]
    obs_l = _labels(obs, k, "obs") if obs is not None else ["1"] * k
    type_l = _labels(type, k, "type") if type is not None else ["1"] * k
    rho_obs, rho_type = _rhos(rho, has_obs=obs is not None, has_type=type is not None)
    if time1 is not None:
        if phi is None:
            raise InputError("time1 needs phi (the autocorrelation)", field="phi")
        times = as_column(time1, "time1", length=k)
    else:
        times = np.ones(k)
    phi_v = 1.0 if phi is None else float(phi)
    if not -1 <= phi_v <= 1:
        raise InputError("must be in [-1, 1]", field="phi", value=phi)

    g = np.asarray(groups, dtype=object)
    o = np.asarray(obs_l, dtype=object)
    t = np.asarray(type_l, dtype=object)
    same_cluster = g[:, None] == g[None, :]
    same_type = t[:, None] == t[None, :]
    same_obs = o[:, None] == o[None, :]
    r = np.where(same_type, np.where(same_obs, 1.0, rho_obs), rho_type)
    lag = np.abs(times[:, None] - times[None, :])
    # phi ** 0 is 1 even for phi = 0: rows at the same time point are not decorrelated.
    r = r * np.where(lag == 0, 1.0, phi_v**lag)
    r = np.where(same_cluster, r, 0.0)
    np.fill_diagonal(r, 1.0)
    sd = np.sqrt(v)
    out = r * np.outer(sd, sd)
    _check_blocks(r, g)
    return out


def _labels(values: Sequence[object] | ArrayLike, k: int, field: str) -> list[str]:
    raw = list(values) if not isinstance(values, np.ndarray) else list(values.reshape(-1))
    if len(raw) != k:
        raise InputError(f"has {len(raw)} values but vi has {k}", field=field)
    for i, label in enumerate(raw):
        if label is None or (isinstance(label, float) and np.isnan(label)):
            raise InputError("is missing", row=i + 1, field=field, value=label)
    return [_as_r_prints(label) for label in raw]


def _as_r_prints(label: object) -> str:
    # R's paste0 writes a number with up to 15 significant digits: cluster 3.0 is "3", 2.5 is "2.5", as metafor
    # names it in its warnings.
    if isinstance(label, (float, np.floating)):
        return f"{float(label):.15g}"
    return str(label)


def _rhos(rho: float | Sequence[float] | None, *, has_obs: bool, has_type: bool) -> tuple[float, float]:
    if not (has_obs or has_type):
        return 0.0, 0.0
    if rho is None:
        raise InputError("obs and type need rho (the assumed correlation)", field="rho")
    values = [float(r) for r in np.atleast_1d(np.asarray(rho, dtype=np.float64))]
    need = 2 if has_obs and has_type else 1
    if len(values) != need:
        what = "a pair (rho_obs, rho_type)" if need == 2 else "one value"
        raise InputError(f"needs {what}", field="rho", value=rho)
    for r in values:
        if not -1 <= r <= 1:
            raise InputError("must be in [-1, 1]", field="rho", value=r)
    if has_obs and has_type:
        return values[0], values[1]
    return (values[0], 0.0) if has_obs else (0.0, values[0])


def _check_blocks(r: FloatArray, groups: np.ndarray) -> None:
    # metafor's checkpd: one warning per cluster, in the clusters' order of appearance, when an eigenvalue of its
    # correlation block (not of V, whose scale would move the threshold) is at most the machine epsilon.
    eps = np.finfo(np.float64).eps
    for g in dict.fromkeys(groups.tolist()):
        idx = np.flatnonzero(groups == g)
        if np.linalg.eigvalsh(r[np.ix_(idx, idx)]).min() <= eps:
            text = f"The var-cov matrix appears to be not positive definite in cluster {g}."
            warnings.warn(text, SecretomeWarning, stacklevel=3)
