"""secretome: the computable state of the art of MSC-secretome therapy for osteoarthritis.

Engines: :mod:`secretome.evidence` (the evidence base), :mod:`secretome.meta` (meta-analysis),
:mod:`secretome.model` (mechanistic model) and :mod:`secretome.report` (the living report);
:mod:`secretome.vocab` is the vocabulary they share and :mod:`secretome.errors` their errors.
"""

from secretome._progress import ProgressCallback
from secretome._result import Result

# The API: the result type every engine returns and the progress callback they take. The helpers
# the layers share (secretome._files, ._progress, ._limits, ._result) are imported from their modules.
__all__ = ["ProgressCallback", "Result", "__version__"]


def __getattr__(name: str) -> str:
    # __version__ is read from the installed metadata on first use (PEP 562), not at import:
    # importlib.metadata is a fifth of the start-up of `secretome --help`, which does not print it.
    if name != "__version__":
        raise AttributeError(f"module 'secretome' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("secretome")
    except PackageNotFoundError:  # running from a source tree that was not installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
