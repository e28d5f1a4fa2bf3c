"""secretome: the computable state of the art of MSC-secretome therapy for osteoarthritis.

Engines: :mod:`secretome.evidence` (the evidence base), :mod:`secretome.meta` (meta-analysis),
:mod:`secretome.model` (mechanistic model) and :mod:`secretome.report` (the living report);
:mod:`secretome.vocab` is the vocabulary they share and :mod:`secretome.errors` their errors.
"""

from importlib.metadata import PackageNotFoundError, version

from secretome._files import atomic_write_bytes, atomic_write_text
from secretome._progress import ProgressCallback, no_progress, track
from secretome._result import Result, json_safe

try:
    __version__ = version("secretome")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "ProgressCallback",
    "Result",
    "__version__",
    "atomic_write_bytes",
    "atomic_write_text",
    "json_safe",
    "no_progress",
    "track",
]
