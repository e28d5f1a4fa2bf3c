"""YAML documents parsed with libyaml's safe loader where PyYAML was built with it.

The C loader reads the same documents as PyYAML's pure-Python ``SafeLoader`` (same YAML 1.1 resolvers) about
ten times faster; parsing the bundled study files was most of the corpus's load time.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["load_yaml"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely (no arbitrary objects); raises :class:`yaml.YAMLError` as PyYAML does."""
    return yaml.load(text, Loader=_LOADER)
