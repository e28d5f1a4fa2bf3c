"""Chunks of subjects: a lazy parameter matrix is read one chunk at a time, as each chunk is sent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from secretome.model import preset
from secretome.model._batch import iter_batches
from secretome.model._subjects import SubjectDraws


class _Recorded:
    """A parameter matrix that records the shape of every block read from it."""

    def __init__(self, rows: SubjectDraws) -> None:
        self.rows = rows
        self.shape = rows.shape
        self.read: list[tuple[int, ...]] = []

    def __getitem__(self, chunk: slice) -> np.ndarray:
        block = self.rows[chunk]
        self.read.append(block.shape)
        return block


@pytest.mark.parametrize(("workers", "pool"), [(1, False), (2, False), (None, True)])
def test_a_million_subjects_are_drawn_a_chunk_at_a_time_as_they_run(workers, pool):
    model = preset("rat-mia")
    rows = _Recorded(SubjectDraws(model, 1_000_000, seed=0, maximum=1_000_000))
    # A thread pool stands in for a cluster's executor (one worker, so two chunks in flight).
    executor = ThreadPoolExecutor(2) if pool else None
    batches = iter_batches(model, rows, np.array([0.0, 0.5]), workers=workers, executor=executor)
    first = [next(batches) for _ in range(3)]
    batches.close()
    if executor is not None:
        executor.shutdown()
    assert [chunk for chunk, *_ in first] == [slice(0, 64), slice(64, 128), slice(128, 192)]
    assert all(readouts.shape == (64, 2, len(model.readouts)) for _, _, readouts, _ in first)
    # Only 64-subject blocks were drawn, and only those run or in flight (two per worker): never the cohort.
    assert set(rows.read) == {(64, len(model.parameters))}
    assert 3 <= len(rows.read) <= 3 + 2 * (workers or 1)
