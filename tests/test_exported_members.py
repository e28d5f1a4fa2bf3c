"""Each package's ``__all__`` is exactly its public names, so nothing leaks by accident (httpx).

A package's public names are those it defines at top level and those it imports from its own private
modules (``from secretome.meta._tau2 import tau2_dl``), read from its source; what it imports from
elsewhere (numpy, typing, another secretome package) is not part of its surface.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

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
    "secretome.serve",
]


def _public_names(name: str) -> set[str]:
    tree = ast.parse(inspect.getsource(importlib.import_module(name)))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{name}._"):
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":  # PEP 562: secretome's __version__
            names |= {c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and c.value == "__version__"}
    return {n for n in names if not n.startswith("_") or n == "__version__"} - {"__all__"}


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_exactly_the_public_names(name):
    module = importlib.import_module(name)
    exported, public = set(module.__all__), _public_names(name)
    assert exported >= public, f"{name}: public but not in __all__: {sorted(public - exported)}"
    assert exported <= public, f"{name}: in __all__ but not one of its public names: {sorted(exported - public)}"
    assert all(hasattr(module, n) for n in module.__all__)


def test_the_root_package_holds_the_api_only():
    import secretome

    assert sorted(secretome.__all__) == ["ProgressCallback", "Result", "__version__"]


def test_no_underscore_helper_is_imported_from_another_module():
    # STYLE.md R2: a helper with two callers gets a module named for what it is.
    root = Path(inspect.getfile(importlib.import_module("secretome"))).parent
    found = set()
    for path in root.rglob("*.py"):
        importer = ".".join(("secretome", *path.relative_to(root).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # From a private module (secretome.meta._table), not a private module from its package.
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            if module.startswith("secretome.") and module.rsplit(".", 1)[-1].startswith("_"):
                found |= {(importer, node.module, a.name) for a in node.names if a.name.startswith("_")}
    assert found == set()
