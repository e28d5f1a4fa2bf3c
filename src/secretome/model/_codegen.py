"""Compiled right-hand side, analytic Jacobian and readouts of a model, generated from its declarations.

The rate and readout expressions of a :class:`~secretome.model.Model` are parsed into one expression
graph in which every distinct subexpression is a single node (hash-consing, so common subexpressions such as
the IL-1 signal shared by several Hill terms are computed once). The Jacobian ``d(dy/dt)/dy`` is built on the
same graph by symbolic differentiation, then the graph is written out as straight-line Python that numba
compiles (Lam, Pitrou & Seibert 2015, https://doi.org/10.1145/2833157.2833162).

Why differentiate here and not with sympy: the expression language is a small closed grammar (numbers,
names, ``+ - * /`` and a few functions), so the rules fit in one function; sympy would add about a second of
import and simplification per model to every run, and its output would have to be translated back to this
grammar anyway. The derivative is checked against finite differences on every preset
(tests/model/test_codegen.py).

The generated module is written to a cache directory (``$SECRETOME_CACHE_DIR``, else
``$XDG_CACHE_HOME/secretome`` or ``~/.cache/secretome``) under a name that hashes its source, so numba's
on-disk cache compiles each model structure once per machine. Parameter values are arguments, not constants:
a cohort, a sensitivity analysis and a calibration of one model share one compiled module.
"""

from __future__ import annotations

import ast
import getpass
import hashlib
import importlib.util
import inspect
import math
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from secretome.errors import InputError
from secretome.model import _rodas, _solver
from secretome.model._expressions import parse_expression
from secretome.model._spec import Model

__all__ = ["FUNCTIONS", "CompiledModel", "compile_model"]


@dataclass(frozen=True)
class _Function:
    """A function of the expression language: its code name and its partial derivatives."""

    arity: int
    code: str  # a name in the generated module's namespace (numba-compilable; power is _rodas's)
    partials: Callable[[tuple[int, ...], _Graph], tuple[int, ...]]


def _pow_partials(args: tuple[int, ...], g: _Graph) -> tuple[int, ...]:
    base, exponent = args
    # d/dbase = e * base^(e - 1); d/dexponent = base^e * ln(base) (only used when the exponent varies).
    return (
        g.mul(exponent, g.call("pow", (base, g.sub(exponent, g.num(1.0))))),
        g.mul(g.call("pow", args), g.call("ln", (base,))),
    )


FUNCTIONS: dict[str, _Function] = {
    "pow": _Function(2, "power", _pow_partials),
    "exp": _Function(1, "math.exp", lambda a, g: (g.call("exp", a),)),
    "ln": _Function(1, "math.log", lambda a, g: (g.div(g.num(1.0), a[0]),)),
    "log10": _Function(1, "math.log10", lambda a, g: (g.div(g.num(1.0 / math.log(10.0)), a[0]),)),
    "sqrt": _Function(1, "math.sqrt", lambda a, g: (g.div(g.num(0.5), g.call("sqrt", a)),)),
    # Internal: |x| and its derivative, sign(x) = copysign(1, x), for the pow(x*x, e) rewrite in _Graph.call.
    "abs": _Function(1, "abs", lambda a, g: (g.call("copysign", (g.num(1.0), a[0])),)),
    "copysign": _Function(2, "math.copysign", lambda a, g: (g.num(0.0), g.num(0.0))),
}
"""Functions the generator can compile and differentiate (a superset of what ``_spec`` allows today)."""


class _Graph:
    """Expression nodes, each distinct one stored once: ``(op, *operands)`` with operands node ids.

    Leaves are ``("num", value)``, ``("y", index)`` (a species) and ``("k", index)`` (a parameter).
    The constructors fold constants and drop zeros and ones, which keeps the Jacobian of sparse rates sparse.
    """

    def __init__(self) -> None:
        self.nodes: list[tuple] = []
        self._ids: dict[tuple, int] = {}

    def _add(self, node: tuple) -> int:
        found = self._ids.get(node)
        if found is None:
            found = self._ids[node] = len(self.nodes)
            self.nodes.append(node)
        return found

    def num(self, value: float) -> int:
        return self._add(("num", float(value)))

    def leaf(self, kind: str, index: int) -> int:
        return self._add((kind, index))

    def value(self, node: int) -> float | None:
        entry = self.nodes[node]
        return entry[1] if entry[0] == "num" else None

    def add(self, a: int, b: int) -> int:
        va, vb = self.value(a), self.value(b)
        if va is not None and vb is not None:
            return self.num(va + vb)
        if va == 0.0:
            return b
        if vb == 0.0:
            return a
        return self._add(("+", a, b))

    def sub(self, a: int, b: int) -> int:
        va, vb = self.value(a), self.value(b)
        if va is not None and vb is not None:
            return self.num(va - vb)
        if vb == 0.0:
            return a
        if va == 0.0:
            return self.neg(b)
        return self._add(("-", a, b))

    def neg(self, a: int) -> int:
        va = self.value(a)
        if va is not None:
            return self.num(-va)
        entry = self.nodes[a]
        return entry[1] if entry[0] == "neg" else self._add(("neg", a))

    def mul(self, a: int, b: int) -> int:
        va, vb = self.value(a), self.value(b)
        if va is not None and vb is not None:
            return self.num(va * vb)
        if va == 0.0 or vb == 0.0:
            return self.num(0.0)
        if va == 1.0:
            return b
        if vb == 1.0:
            return a
        if va == -1.0:
            return self.neg(b)
        if vb == -1.0:
            return self.neg(a)
        return self._add(("*", a, b))

    def div(self, a: int, b: int) -> int:
        va, vb = self.value(a), self.value(b)
        if va == 0.0:
            return self.num(0.0)
        if vb == 1.0:
            return a
        if va is not None and vb is not None and vb != 0.0:
            return self.num(va / vb)
        return self._add(("/", a, b))

    def call(self, name: str, args: tuple[int, ...]) -> int:
        base = self.nodes[args[0]]
        if name == "pow" and base[0] == "*" and base[1] == base[2]:
            # pow(x*x, e) is how the declarations write |x|^(2e), a Hill term that stays real when a
            # concentration dips below zero. Squaring underflows to 0 for |x| < 1e-154 and its derivative
            # becomes inf * 0; pow(|x|, 2e) has the same value and a finite derivative there.
            return self._add(("call", "pow", self.call("abs", (base[1],)), self.mul(self.num(2.0), args[1])))
        return self._add(("call", name, *args))

    def parse(self, expression: str, leaves: dict[str, int], owner: str) -> int:
        """The node of *expression* (already validated by ``_spec``), names resolved through *leaves*."""
        return self._parse(parse_expression(expression).body, leaves, owner, expression)

    def _parse(self, node: ast.AST, leaves: dict[str, int], owner: str, text: str) -> int:
        if isinstance(node, ast.Constant):
            return self.num(node.value)
        if isinstance(node, ast.Name):
            return leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self._parse(node.operand, leaves, owner, text)
            return self.neg(operand) if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            a = self._parse(node.left, leaves, owner, text)
            b = self._parse(node.right, leaves, owner, text)
            ops = {ast.Add: self.add, ast.Sub: self.sub, ast.Mult: self.mul, ast.Div: self.div}
            for kind, build in ops.items():
                if isinstance(node.op, kind):
                    return build(a, b)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            spec = FUNCTIONS.get(node.func.id)
            if spec is not None and len(node.args) == spec.arity and not node.keywords:
                return self.call(node.func.id, tuple(self._parse(a, leaves, owner, text) for a in node.args))
        raise InputError(
            f"the compiled solver cannot handle {ast.unparse(node)!r}; functions: {', '.join(FUNCTIONS)}",
            record=owner,
            field="rate",
            value=text,
        )

    def derivative(self, node: int, leaf: int, memo: dict[int, int]) -> int:
        """d(node)/d(leaf), by the chain rule, memoised per leaf."""
        if node in memo:
            return memo[node]
        entry = self.nodes[node]
        op = entry[0]
        if op in ("num", "y", "k"):
            result = self.num(1.0 if node == leaf else 0.0)
        elif op == "neg":
            result = self.neg(self.derivative(entry[1], leaf, memo))
        elif op in ("+", "-"):
            da = self.derivative(entry[1], leaf, memo)
            db = self.derivative(entry[2], leaf, memo)
            result = self.add(da, db) if op == "+" else self.sub(da, db)
        elif op == "*":
            a, b = entry[1], entry[2]
            da = self.derivative(a, leaf, memo)
            db = self.derivative(b, leaf, memo)
            result = self.add(self.mul(da, b), self.mul(a, db))
        elif op == "/":
            a, b = entry[1], entry[2]
            da = self.derivative(a, leaf, memo)
            db = self.derivative(b, leaf, memo)
            # (a/b)' = a'/b - (a/b) b'/b, reusing the node a/b itself.
            result = self.sub(self.div(da, b), self.div(self.mul(node, db), b))
        else:
            args = entry[2:]
            inner = [self.derivative(a, leaf, memo) for a in args]
            result = self.num(0.0)
            if any(self.value(d) != 0.0 for d in inner):
                partials = FUNCTIONS[entry[1]].partials(args, self)
                for d, partial in zip(inner, partials, strict=True):
                    result = self.add(result, self.mul(partial, d))
        memo[node] = result
        return result


def _emit(graph: _Graph, roots: Sequence[int], defined: dict[int, str]) -> list[str]:
    """Assignments computing *roots* (node ids), in dependency order; *defined* maps nodes to names."""
    lines: list[str] = []

    def name(node: int) -> str:
        if node in defined:
            return defined[node]
        entry = graph.nodes[node]
        op = entry[0]
        if op == "num":
            return repr(entry[1])
        if op == "y":
            return f"y[{entry[1]}]"
        if op == "k":
            return f"k[{entry[1]}]"
        if op == "neg":
            text = f"-{name(entry[1])}"
        elif op == "call":
            text = f"{FUNCTIONS[entry[1]].code}({', '.join(name(a) for a in entry[2:])})"
        else:
            text = f"{name(entry[1])} {op} {name(entry[2])}"
        defined[node] = f"t{node}"
        lines.append(f"    t{node} = {text}")
        return defined[node]

    for root in roots:
        name(root)
    return lines


def _module_source(model: Model) -> tuple[str, int]:
    """Python source of ``rhs(y, k, dy)``, ``jac(y, k, J)`` and ``readouts(y, k, out)``; and the Jacobian's nnz."""
    graph = _Graph()
    leaves = {s.name: graph.leaf("y", i) for i, s in enumerate(model.species)}
    leaves.update({p.name: graph.leaf("k", i) for i, p in enumerate(model.parameters)})
    index = {s.name: i for i, s in enumerate(model.species)}
    rates = [graph.parse(proc.rate, leaves, proc.name) for proc in model.processes]
    derivative = [graph.num(0.0) for _ in model.species]
    for proc, rate in zip(model.processes, rates, strict=True):
        for target, coefficient in proc.changes.items():
            i = index[target]
            derivative[i] = graph.add(derivative[i], graph.mul(graph.num(coefficient), rate))
    jacobian: dict[tuple[int, int], int] = {}
    for j, s in enumerate(model.species):
        memo: dict[int, int] = {}
        for i, f in enumerate(derivative):
            entry = graph.derivative(f, leaves[s.name], memo)
            if graph.value(entry) != 0.0:
                jacobian[i, j] = entry
    outputs = [graph.parse(r.expression, leaves, r.name) for r in model.readouts]

    lines = [
        '"""Generated by secretome.model._codegen from a model\'s declarations; do not edit."""',
        "import math",
        "",
        "import numpy as np",
        "",
        "from numba import njit",
        "",
        f"from secretome.model._rodas import {', '.join(_rodas.__all__)}",
        "",
        "",
        "@njit(cache=True)",
        "def rhs(y, k, dy):",
    ]
    lines += _emit(graph, derivative, {})
    lines += [f"    dy[{i}] = {_ref(graph, f)}" for i, f in enumerate(derivative)]
    lines += ["", "", "@njit(cache=True)", "def jac(y, k, J):", "    J[:, :] = 0.0"]
    lines += _emit(graph, list(jacobian.values()), {})
    lines += [f"    J[{i}, {j}] = {_ref(graph, e)}" for (i, j), e in jacobian.items()]
    lines += ["", "", "@njit(cache=True)", "def readouts(y, k, out):"]
    lines += _emit(graph, outputs, {})
    lines += [f"    out[{i}] = {_ref(graph, o)}" for i, o in enumerate(outputs)]
    lines += ["    return", ""]
    lines += _sparse_lu(len(model.species), set(jacobian))
    for function in _solver.KERNEL:
        # nogil: worker threads integrate chunks of subjects side by side (secretome.model._batch).
        lines += ["", "@njit(cache=True, nogil=True)", inspect.getsource(function)]
    return "\n".join(lines), len(jacobian)


def _sparse_lu(n: int, nonzeros: set[tuple[int, int]]) -> list[str]:
    """Straight-line LU of ``W = I/(gamma h) - J`` for J's sparsity pattern, and its triangular solves.

    Pivots stay on the diagonal, in a minimum-fill order (Markowitz 1957) chosen
    here from the pattern, as the Kinetic PreProcessor (KPP; Damian et al. 2002) does for the Rosenbrock
    solvers of stiff atmospheric chemistry: no pivot search and no work on zeros. ``lu_sparse``
    returns False when a multiplier exceeds 1e8 (a pivot too small for elimination without row exchanges);
    the solver then factorises that step's matrix densely with partial pivoting.
    """
    pattern = nonzeros | {(i, i) for i in range(n)}
    remaining = set(range(n))
    order: list[int] = []
    while remaining:
        # Markowitz cost (rows - 1)(columns - 1) of each candidate pivot; ties go to the lower index.
        pivot = min(
            remaining,
            key=lambda p, pattern=pattern: (
                sum((r, p) in pattern for r in remaining if r != p)
                * sum((p, c) in pattern for c in remaining if c != p),
                p,
            ),
        )
        remaining.remove(pivot)
        order.append(pivot)
        rows = sorted(r for r in remaining if (r, pivot) in pattern)
        columns = sorted(c for c in remaining if (pivot, c) in pattern)
        pattern |= {(r, c) for r in rows for c in columns}  # fill-in
    position = {p: i for i, p in enumerate(order)}

    def later(p: int, candidates: list[tuple[int, int]]) -> list[int]:
        return [q for (q, _) in candidates if position[q] > position[p]]

    lu = ["@njit(cache=True)", "def lu_sparse(w, jm, scale):"]
    # W = scale I - J on the pattern only (fill-in entries start at 0); the rest of w is never read.
    for i, j in sorted(pattern):
        if (i, j) in nonzeros:
            lu.append(f"    w[{i}, {j}] = {'scale ' if i == j else ''}- jm[{i}, {j}]")
        else:
            lu.append(f"    w[{i}, {j}] = {'scale' if i == j else '0.0'}")
    forward = ["@njit(cache=True)", "def solve_sparse(w, b):"]
    backward = []
    for p in order:
        rows = sorted(later(p, [(r, c) for (r, c) in pattern if c == p and r != p]), key=position.get)
        columns = sorted(later(p, [(c, r) for (r, c) in pattern if r == p and c != p]), key=position.get)
        lu.append(f"    inverse = 1.0 / w[{p}, {p}]")
        for r in rows:
            lu += [f"    m = w[{r}, {p}] * inverse", "    if not abs(m) <= 1e8:", "        return False"]
            lu.append(f"    w[{r}, {p}] = m")
            lu += [f"    w[{r}, {c}] -= m * w[{p}, {c}]" for c in columns]
            forward.append(f"    b[{r}] -= w[{r}, {p}] * b[{p}]")
        terms = "".join(f" - w[{p}, {c}] * b[{c}]" for c in columns)
        backward.insert(0, f"    b[{p}] = (b[{p}]{terms}) / w[{p}, {p}]")
    lu += ["    return True", "", ""]
    return [*lu, *forward, *backward, "", ""]


def _ref(graph: _Graph, node: int) -> str:
    entry = graph.nodes[node]
    if entry[0] == "num":
        return repr(entry[1])
    if entry[0] in ("y", "k"):
        return f"{entry[0]}[{entry[1]}]"
    return f"t{node}"


def _cache_dir() -> Path:
    configured = os.environ.get("SECRETOME_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "secretome"


@dataclass(frozen=True)
class CompiledModel:
    """The compiled functions of one model structure.

    Attributes
    ----------
    module : module
        The generated module: ``rhs(y, k, dy)``, ``jac(y, k, J)``, ``readouts(y, k, out)`` (scalar numba
        functions of one subject) and ``integrate(...)``, the kernel of :mod:`secretome.model._solver`
        compiled against them.
    path : Path
        Where its source is.
    jacobian_nonzeros : int
        Structurally non-zero Jacobian entries.
    """

    module: ModuleType
    path: Path
    jacobian_nonzeros: int


_LOADED: dict[tuple, CompiledModel] = {}


def _structure(model: Model) -> tuple:
    """What the generated source depends on: names and their order, rate laws with stoichiometry, readouts."""
    return (
        tuple(s.name for s in model.species),
        tuple(p.name for p in model.parameters),
        tuple((p.rate, tuple(p.changes.items())) for p in model.processes),
        tuple((r.name, r.expression) for r in model.readouts),
    )


def compile_model(model: Model) -> CompiledModel:
    """Generate (or find in the cache) and import the compiled functions of *model*'s structure.

    Only the structure counts (species, parameters and their order, rate and readout expressions): values,
    initial states and doses are arguments of the compiled functions.
    """
    # A fit simulates the same structure thousands of times with new values or doses: generating the source
    # (symbolic Jacobian) to look up the digest took most of a calibration's time, so the structure is the key.
    structure = _structure(model)
    if structure in _LOADED:
        return _LOADED[structure]
    source, nonzeros = _module_source(model)
    import numba

    # The kernel's sources and numba's version are in the key: numba's cache does not see changes to a callee.
    kernel_source = b"".join(Path(kernel.__file__).read_bytes() for kernel in (_solver, _rodas))
    digest = hashlib.sha256(source.encode() + kernel_source + numba.__version__.encode()).hexdigest()[:20]
    name = f"secretome_model_{digest}"
    path = _write(name, source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's cache locates functions through their module
    spec.loader.exec_module(module)
    compiled = CompiledModel(module=module, path=path, jacobian_nonzeros=nonzeros)
    _LOADED[structure] = compiled
    return compiled


def _write(name: str, source: str) -> Path:
    """Write *source* as ``<cache>/solver/<name>.py`` (atomically), falling back to a temporary directory."""
    for base in (_cache_dir(), Path(tempfile.gettempdir()) / f"secretome-{getpass.getuser()}"):
        folder = base / "solver"
        path = folder / f"{name}.py"
        try:
            if path.exists() and path.read_text(encoding="utf-8") == source:
                return path
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".{name}.{os.getpid()}.tmp"
            partial.write_text(source, encoding="utf-8")
            os.replace(partial, path)  # another process writing the same file writes the same text
            return path
        except OSError:
            continue
    raise InputError("no writable cache directory for the compiled solver; set SECRETOME_CACHE_DIR")
