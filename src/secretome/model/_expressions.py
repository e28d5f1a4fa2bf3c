"""Rate and readout expressions: the allowed subset, the names an expression reads, and its Python form.

An expression is a string in the common subset of Python and SBML Level 3 infix syntax: names of
species and parameters, numbers, ``+ - * /``, parentheses and the functions in :data:`FUNCTIONS`.
The declarations (:mod:`secretome.model._spec`) check expressions with :func:`expression_names`; the
simulators turn them into Python with :func:`prefixed_source`; the SBML writer hands them to libsbml's
L3 parser, which reads the same syntax.
"""

from __future__ import annotations

import ast
import functools
import math
import threading

import numpy as np

from secretome.errors import InputError

__all__ = [
    "FUNCTIONS",
    "NUMPY_FUNCTIONS",
    "PYTHON_FUNCTIONS",
    "expression_names",
    "parse_expression",
    "prefixed_source",
]

FUNCTIONS: dict[str, int] = {"pow": 2, "exp": 1}
"""Functions an expression may call, with their number of arguments (both are SBML L3 infix functions)."""

PYTHON_FUNCTIONS = {"pow": math.pow, "exp": math.exp}
"""The functions for scalar evaluation (the scipy right-hand side)."""

NUMPY_FUNCTIONS = {"pow": np.power, "exp": np.exp}
"""The functions for array evaluation (readouts over time, vectorised right-hand sides)."""

_ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
)


_PARSING = threading.Lock()


def parse_expression(expression: str) -> ast.Expression:
    """``ast.parse(expression, mode="eval")``, one thread at a time.

    CPython 3.11 shares the AST validator's recursion counter between threads, so two threads parsing at once
    can fail with "AST constructor recursion depth mismatch" (CPython issue gh-106905; seen here when a Dask
    worker unpickled a problem while another thread compiled a model).
    """
    with _PARSING:
        return ast.parse(expression, mode="eval")


# Every copy of a model (a fit makes one per simulation, with new values or doses) revalidates its rate laws.
@functools.lru_cache(maxsize=4096)
def expression_names(expression: str, owner: str) -> frozenset[str]:
    """The species and parameter names *expression* reads; an :class:`InputError` naming *owner* if invalid.

    >>> sorted(expression_names("k*pow(x, 2)/(K + exp(-y))", "r"))
    ['K', 'k', 'x', 'y']
    """
    try:
        tree = parse_expression(expression)
    except SyntaxError as exc:
        raise InputError(f"not a valid expression ({exc.msg})", record=owner, field="rate", value=expression) from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise InputError(
                f"{type(node).__name__} is not allowed in a rate expression",
                record=owner,
                field="rate",
                value=expression,
            )
        if isinstance(node, ast.Call):
            if not (
                isinstance(node.func, ast.Name)
                and node.func.id in FUNCTIONS
                and len(node.args) == FUNCTIONS[node.func.id]
                and not node.keywords
            ):
                allowed = ", ".join(f"{f}({', '.join('xy'[:n])})" for f, n in FUNCTIONS.items())
                raise InputError(f"only {allowed} may be called", record=owner, field="rate", value=expression)
        elif isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            names.add(node.id)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise InputError("only numbers may appear as constants", record=owner, field="rate", value=expression)
    return frozenset(names)


class _Prefixed(ast.NodeTransformer):
    """Rename every model name ``x`` to ``<prefix>x`` (functions stay)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in FUNCTIONS:
            return node
        return ast.copy_location(ast.Name(id=f"{self.prefix}{node.id}", ctx=node.ctx), node)


def prefixed_source(expression: str, prefix: str = "m_") -> str:
    """*expression* as Python source with every model name prefixed (so no name clashes with generated code).

    >>> prefixed_source("k*pow(x, n)")
    'm_k * pow(m_x, m_n)'
    """
    return ast.unparse(_Prefixed(prefix).visit(parse_expression(expression)))
