"""Virtual subjects: assumed parameters drawn from their prior ranges, whole or a chunk of subjects at a time.

The draws of *n* subjects from one seed are one stream of numpy's PCG64 generator (O'Neill 2014): every
assumed parameter in model order takes *n* consecutive uniform doubles, each made from one 64-bit output.
PCG64 can jump ahead by any number of outputs in O(log n) steps (``advance``), so the subjects
``start:stop`` are drawn alone by jumping to each parameter's offset ``j * n + start``: a chunk's draws are
those of the whole cohort, bit for bit, whichever chunks are drawn, in what order and where, and nothing
but the chunk is ever held. That a double takes one output is how numpy's ``Generator.uniform`` draws,
not a documented promise: tests/model/test_subjects.py compares chunks with the sequential stream, so a
numpy that drew otherwise would fail there rather than shift the draws unnoticed.

References
----------
.. [1] O'Neill ME (2014). PCG: A family of simple fast space-efficient statistically good algorithms for
   random number generation. Harvey Mudd College, HMC-CS-2014-0905. https://www.pcg-random.org/paper.html
"""

from __future__ import annotations

import numpy as np

from secretome._limits import MAX_SUBJECTS, check_seed, check_subjects
from secretome.errors import InputError
from secretome.model._overrides import parameter_matrix
from secretome.model._spec import Model

__all__ = ["SubjectDraws", "draw_subjects"]


class SubjectDraws:
    """The *n* subjects of :func:`draw_subjects`, drawn a chunk at a time: a lazy parameter matrix.

    ``draws[start:stop]`` is the parameter matrix (every parameter in model order, shape
    ``(stop - start, n_parameters)``) of those subjects and :meth:`columns` their drawn values; only they are
    drawn. ``shape`` is the shape of the whole matrix, which is never built.

    >>> from secretome.model import preset
    >>> draws = SubjectDraws(preset("rat-mia"), 1000, seed=3)
    >>> whole = draw_subjects(preset("rat-mia"), 1000, seed=3)
    >>> bool(np.array_equal(draws.columns(640, 704)["k_G"], whole["k_G"][640:704]))
    True
    >>> draws[640:704].shape == (64, len(preset("rat-mia").parameters))
    True
    """

    def __init__(self, model: Model, n: int, *, seed: int = 0, maximum: int = MAX_SUBJECTS) -> None:
        check_subjects(n, maximum=maximum)
        check_seed(seed)
        self.model = model
        self.n = n
        self.seed = seed
        # Log-uniform for a positive lower bound (rate and half-saturation constants span orders of
        # magnitude), uniform for a prior starting at 0.
        self._priors: list[tuple[str, float, float, bool]] = []
        for p in model.parameters:
            if p.assumed and p.prior is not None:
                low, high = p.prior
                log = low > 0
                self._priors.append((p.name, np.log(low), np.log(high), log) if log else (p.name, low, high, log))
        self.names = tuple(name for name, *_ in self._priors)
        self.shape = (n, len(model.parameters))

    def __len__(self) -> int:
        return self.n

    def columns(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """The drawn values of subjects ``start:stop`` (0-based, *stop* excluded), one array per parameter."""
        if not 0 <= start <= stop <= self.n:
            raise InputError(f"subjects are 0 to {self.n}", field="subjects", value=f"{start}:{stop}")
        # A new generator per call: chunks drawn in threads share no state.
        bits = np.random.PCG64(self.seed)
        rng = np.random.Generator(bits)
        m = stop - start
        position = 0
        draws = {}
        for j, (name, low, high, log) in enumerate(self._priors):
            # Each uniform double consumes one 64-bit output, so parameter j's subject i is output j * n + i.
            bits.advance(j * self.n + start - position)
            values = rng.uniform(low, high, size=m)
            draws[name] = np.exp(values) if log else values
            position = j * self.n + stop
        return draws

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, step = rows.indices(self.n)
        if step != 1:
            raise InputError("subjects are drawn in contiguous chunks", field="subjects", value=str(rows))
        stop = max(start, stop)
        matrix = parameter_matrix(self.model, self.columns(start, stop))
        # With nothing drawn, parameter_matrix gives the model's one row: every subject has it.
        return matrix if self.names else np.repeat(matrix, stop - start, axis=0)


def draw_subjects(model: Model, n: int, *, seed: int = 0, maximum: int = MAX_SUBJECTS) -> dict[str, np.ndarray]:
    """Draw *n* values of every assumed parameter from its prior; sourced parameters stay fixed.

    A prior with a positive lower bound is sampled log-uniformly (rate constants and half-saturation
    constants vary over orders of magnitude); one starting at 0 is sampled uniformly. The values are, in
    model order, *n* uniform draws per assumed parameter from :func:`numpy.random.default_rng` (*seed*);
    :class:`SubjectDraws` draws any chunk of them alone.

    Parameters
    ----------
    model : Model
        The model whose assumed parameters are drawn.
    n : int
        Number of subjects (>= 1).
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    maximum : int
        The largest *n* accepted: :data:`~secretome._limits.MAX_SUBJECTS` for draws that are held whole;
        a cohort draws up to :data:`~secretome._limits.MAX_COHORT_SUBJECTS` a chunk at a time.

    Returns
    -------
    dict of str to ndarray
        ``parameters=`` for :func:`secretome.model.simulate`.

    >>> from secretome.model import preset
    >>> draws = draw_subjects(preset("rat-mia"), 3)
    >>> len(draws["k_G"]), bool(np.all((draws["k_G"] >= 0.005) & (draws["k_G"] <= 0.5)))
    (3, True)
    """
    return SubjectDraws(model, n, seed=seed, maximum=maximum).columns(0, n)
