"""The resource limits secretome declares, checked at the edge before any work starts.

Each bounds how much memory or time one input can make secretome spend, so that a typo
(``--subjects 100000000000``, ``count: 1000000000000``) is a one-line error and not a hang or an
out-of-memory kill. They are far above what the bundled presets, the report and the test data use.
"""

from __future__ import annotations

import math

from secretome.errors import InputError

__all__ = [
    "MAX_AMOUNT",
    "MAX_COHORT_SUBJECTS",
    "MAX_DOSES",
    "MAX_EFFECT_SIZE",
    "MAX_END_TIME",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "MAX_PARAMETER_VALUE",
    "MAX_SAMPLING_VARIANCE",
    "MAX_SENSITIVITY_SAMPLES",
    "MAX_SUBJECTS",
    "MIN_END_TIME",
    "MIN_SAMPLING_VARIANCE",
    "STORE_BUSY_TIMEOUT",
    "check_samples",
    "check_seed",
    "check_subjects",
    "check_time",
]

MAX_SUBJECTS = 100_000
"""Virtual subjects of one simulation, whose trajectories are all held (1000 make the report's bands)."""

MAX_COHORT_SUBJECTS = 1_000_000
"""Virtual subjects of one cohort: its draws and bands are streamed, so its memory grows only with the
logarithm of the subjects (and by one status each); the limit bounds the run time, most of an hour for 10^6
on 2 cores (benchmarks/README.md)."""

MAX_DOSES = 1_000
"""Doses of one regimen, all entries together (daily dosing for almost 3 years; 1000 doses simulate in ~4 s)."""

MIN_END_TIME = 1e-6
MAX_END_TIME = 36_500.0
"""A regimen's end time lies in [MIN_END_TIME, MAX_END_TIME] in the model's time unit (days: 100 years)."""

MAX_FIELD_CHARS = 1_000_000
"""Characters of one cell or field of an imported file (a whole abstract is about 3,000)."""

MAX_FILE_BYTES = 256_000
"""Bytes of a regimen file, checked before it is parsed (1000 doses take about 40 kB)."""

MAX_NESTING = 32
"""Nesting depth of a regimen file (mappings and lists within each other; a regimen needs 3)."""

MAX_AMOUNT = 1e15
"""The largest amount of one dose, in the product's or species' unit (cells/kg, particles/kg, mL/kg)."""

MAX_PARAMETER_VALUE = 1e7
"""The largest magnitude of a parameter override (100 times the widest prior of the bundled presets)."""

MAX_EFFECT_SIZE = 1e30
"""The largest magnitude of an effect size (yi) a meta-analysis takes.

Far beyond any effect size on any scale, and where the estimators' sums of squares (yi^2 / vi) stay
well inside the range of a float: yi = 1e300 overflowed them into a division by zero."""

MIN_SAMPLING_VARIANCE = 1e-30
MAX_SAMPLING_VARIANCE = 1e30
"""A sampling variance (vi) lies in [MIN_SAMPLING_VARIANCE, MAX_SAMPLING_VARIANCE].

Its inverse is a weight, and the estimators sum weights up to the third power: vi = 1e-320 made
the weight infinite (metafor stops there too: "Division by zero when computing the inverse
variance weights"), and vi = 1e300 left a study whose weight rounds to nothing."""

MAX_SENSITIVITY_SAMPLES = 8192
"""Base samples of a global sensitivity analysis (Sobol' N, Morris trajectories).

The model runs N (p + 1) times for Morris and N (2p + 2) for Sobol' with p parameters (68 for the
bundled presets: up to 1.1 million runs, whose sample matrix alone takes 0.6 GB); 1024 is usual."""

STORE_BUSY_TIMEOUT = 60.0
"""Seconds a write to a SQLite store waits for another writer to finish before it gives up."""


def check_subjects(n: object, *, minimum: int = 1, maximum: int = MAX_SUBJECTS, field: str = "subjects") -> int:
    """*n* if it is an integer in [minimum, maximum], else an :class:`InputError`.

    >>> check_subjects(1000)
    1000
    >>> check_subjects(100_000_000_000)
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'subjects': must be an integer from 1 to 100000 (got 100000000000)
    """
    if isinstance(n, bool) or not isinstance(n, int) or not minimum <= n <= maximum:
        raise InputError(f"must be an integer from {minimum} to {maximum}", field=field, value=n)
    return n


def check_seed(seed: object, *, field: str = "seed") -> int:
    """*seed* if it is an integer >= 0 (what :func:`numpy.random.default_rng` takes), else an :class:`InputError`.

    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'seed': must be an integer >= 0 (got -1)
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError("must be an integer >= 0", field=field, value=seed)
    return seed


def check_time(value: object, *, field: str) -> float:
    """*value* as a float if it is a time in [MIN_END_TIME, MAX_END_TIME], else an :class:`InputError`.

    For a time given outside a regimen file (a readout's ``at_time``), which a simulation must reach.

    >>> check_time(28, field="at_time")
    28.0
    >>> check_time(1e300, field="at_time")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'at_time': must be <= 36500 (a declared limit) (got 1e+300)
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError("must be a finite number", field=field, value=value)
    if value < MIN_END_TIME:
        raise InputError(f"must be >= {MIN_END_TIME:g}", field=field, value=value)
    if value > MAX_END_TIME:
        raise InputError(f"must be <= {MAX_END_TIME:g} (a declared limit)", field=field, value=value)
    return float(value)


def check_samples(n: object, *, field: str = "samples") -> int:
    """*n* if it is an integer in [2, MAX_SENSITIVITY_SAMPLES], else an :class:`InputError`.

    >>> check_samples(100_000_000)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'samples': must be an integer from 2 to 8192 (a declared limit) (got 100000000)
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= MAX_SENSITIVITY_SAMPLES:
        raise InputError(
            f"must be an integer from 2 to {MAX_SENSITIVITY_SAMPLES} (a declared limit)", field=field, value=n
        )
    return n
