"""How engines report progress without printing: a callback the caller may pass.

Engines call ``progress(task, done, total)``; only the CLI draws it (with rich). The default
callback does nothing, so library users and tests see no output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["ProgressCallback", "no_progress", "track"]

ProgressCallback = Callable[[str, int, "int | None"], None]
"""``(task, done, total)``: *task* names the work, *total* is ``None`` when unknown."""

T = TypeVar("T")


def no_progress(task: str, done: int, total: int | None) -> None:
    """The default callback: report nothing."""


def track(items: Iterable[T], task: str, progress: ProgressCallback | None, total: int | None = None) -> Iterator[T]:
    """Yield *items*, reporting each step to *progress*.

    >>> seen = []
    >>> list(track("ab", "letters", lambda t, d, n: seen.append((t, d, n)), total=2))
    ['a', 'b']
    >>> seen
    [('letters', 0, 2), ('letters', 1, 2), ('letters', 2, 2)]
    """
    report = progress or no_progress
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    report(task, 0, total)
    for done, item in enumerate(items, start=1):
        yield item
        report(task, done, total)
