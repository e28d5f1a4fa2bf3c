"""secretome: the computable state of the art of MSC-secretome therapy for osteoarthritis.

Engines: :mod:`secretome.evidence` (the evidence base), :mod:`secretome.meta` (meta-analysis),
:mod:`secretome.model` (mechanistic model) and :mod:`secretome.report` (the living report);
:mod:`secretome.vocab` is the vocabulary they share and :mod:`secretome.errors` their errors.
"""

from importlib.metadata import PackageNotFoundError, version

from secretome._progress import ProgressCallback
from secretome._result import Result

try:
    __version__ = version("secretome")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

# The API: the result type every engine returns and the progress callback they take. The helpers
# the layers share (secretome._files, ._progress, ._limits, ._result) are imported from their modules.
__all__ = ["ProgressCallback", "Result", "__version__"]
