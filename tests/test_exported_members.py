"""Each package's ``__all__`` is exactly its public names, so nothing leaks by accident (httpx)."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "secretome",
    "secretome.errors",
    "secretome.vocab",
    "secretome.cli",
    "secretome.evidence",
    "secretome.meta",
    "secretome.model",
    "secretome.report",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_every_public_name(name):
    module = importlib.import_module(name)
    # Public = defined in this module or in one of its private submodules; what it merely imports
    # (numpy, typing, another secretome package) is not part of its surface.
    public = {
        n
        for n, obj in vars(module).items()
        if not n.startswith("_")
        and not isinstance(obj, type(importlib))
        and ((owner := getattr(obj, "__module__", None) or name) == name or owner.startswith(f"{name}._"))
    }
    assert set(module.__all__) >= public, f"{name}: public but not in __all__: {sorted(public - set(module.__all__))}"
    assert all(hasattr(module, n) for n in module.__all__)
