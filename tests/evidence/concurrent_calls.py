"""One store call made from several threads at once, as simultaneous requests make it, and what each got."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from secretome.errors import InputError, StoreBusyError

T = TypeVar("T")


def outcomes_at_once(call: Callable[[T], object], arguments: Sequence[T]) -> list[str]:
    """``call(a)`` for every *a* at once: ``"saved"``, ``"refused: <error>"`` or ``"busy"`` for each, in order."""

    def attempt(argument: T) -> str:
        try:
            call(argument)
        except InputError as exc:
            return f"refused: {exc}"
        except StoreBusyError:
            return "busy"
        return "saved"

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(attempt, arguments))
