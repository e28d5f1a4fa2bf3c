"""Generated right-hand side and Jacobian: the reference simulator's rates, and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from secretome.errors import InputError
from secretome.model import PRESETS, draw_subjects, preset
from secretome.model._codegen import FUNCTIONS, _Graph, compile_model
from secretome.model._overrides import parameter_matrix
from secretome.model._simulate import _compile_rhs

# One preset per model structure (the others differ in doses, values or initial state only).
STRUCTURES = ["baker2017", "rat-mia", "rat-focal-defect", "mouse-dmm", "human-knee-oa"]


def test_the_structures_cover_every_preset():
    sources = {compile_model(preset(name)).path for name in PRESETS}
    assert sources == {compile_model(preset(name)).path for name in STRUCTURES}


@pytest.mark.parametrize("name", STRUCTURES)
def test_rhs_and_jacobian_match_the_reference_rates_and_finite_differences(name):
    model = preset(name)
    module = compile_model(model).module
    reference = _compile_rhs(model)  # the scipy simulator's own generated rates, written independently
    rng = np.random.default_rng(1)
    draws = draw_subjects(model, 3, seed=2) if any(p.assumed for p in model.parameters) else None
    n = len(model.species)
    for k in parameter_matrix(model, draws):
        y = np.array([s.initial for s in model.species]) + rng.uniform(0.05, 1.0, n)
        dy = np.empty(n)
        module.rhs(y, k, dy)
        np.testing.assert_allclose(dy, reference(0.0, y, k), rtol=1e-12, atol=1e-12)
        jac = np.empty((n, n))
        module.jac(y, k, jac)
        numeric = np.empty((n, n))
        for j in range(n):
            step = 1e-6 * max(1.0, abs(y[j]))
            up, down = y.copy(), y.copy()
            up[j] += step
            down[j] -= step
            numeric[:, j] = (np.array(reference(0.0, up, k)) - np.array(reference(0.0, down, k))) / (2 * step)
        scale = np.maximum(np.abs(numeric), 1.0)
        assert np.max(np.abs(jac - numeric) / scale) < 1e-6


@pytest.mark.parametrize(
    ("expression", "x", "value", "slope"),
    [
        ("pow(x, 3)", 2.0, 8.0, 12.0),
        ("exp(2*x)", 0.5, np.e, 2 * np.e),
        ("ln(x)/x", 2.0, np.log(2.0) / 2.0, (1 - np.log(2.0)) / 4.0),
        ("log10(x)", 100.0, 2.0, 1 / (100.0 * np.log(10.0))),
        ("sqrt(x) - -x", 4.0, 6.0, 1.25),
        ("pow(2, x)", 3.0, 8.0, 8.0 * np.log(2.0)),
        # |x|^1.6 written as pow(x*x, 0.8): x*x underflows to 0 at 1e-170, |x|^1.6 and its slope do not.
        ("pow(x*x, 0.8)", 1e-170, 1e-272, 1.6e-102),
        ("pow(x*x, 0.8)", -0.5, 0.5**1.6, -1.6 * 0.5**0.6),
    ],
)
def test_every_function_is_differentiated(expression, x, value, slope):
    import math

    graph = _Graph()
    node = graph.parse(expression, {"x": graph.leaf("y", 0)}, "test")
    derivative = graph.derivative(node, graph.leaf("y", 0), {})
    names = {"math": math, "power": math.pow, "abs": abs}

    def evaluate(n: int) -> float:
        op, *rest = graph.nodes[n]
        if op == "num":
            return rest[0]
        if op == "y":
            return x
        if op == "neg":
            return -evaluate(rest[0])
        if op == "call":
            return eval(FUNCTIONS[rest[0]].code, names)(*map(evaluate, rest[1:]))
        a, b = evaluate(rest[0]), evaluate(rest[1])
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]

    assert evaluate(node) == pytest.approx(value, rel=1e-12)
    assert evaluate(derivative) == pytest.approx(slope, rel=1e-12)


def test_an_unknown_function_is_named():
    graph = _Graph()
    with pytest.raises(InputError, match="cannot handle 'tanh\\(x\\)'"):
        graph.parse("1 + tanh(x)", {"x": graph.leaf("y", 0)}, "p1")


@pytest.mark.parametrize("name", ["rat-mia", "human-knee-oa"])
def test_the_sparse_lu_solves_as_numpy_does(name):
    model = preset(name)
    module = compile_model(model).module
    n = len(model.species)
    jac = np.empty((n, n))
    module.jac(np.array([s.initial for s in model.species]) + 0.3, parameter_matrix(model, None)[0], jac)
    b = np.random.default_rng(3).normal(size=n)
    for scale in (1e-3, 1.0, 1e4):  # step sizes of days to seconds
        w = scale * np.eye(n) - jac
        factors = np.full((n, n), np.nan)  # entries off the pattern must not be read
        assert module.lu_sparse(factors, jac, scale)
        x = b.copy()
        module.solve_sparse(factors, x)
        np.testing.assert_allclose(w @ x, b, rtol=1e-9, atol=1e-9 * np.abs(b).max())


def test_a_pivot_too_small_is_left_to_the_dense_lu():
    from secretome.model import Model, Parameter, Process, Species
    from secretome.model._rodas import lu_factor, lu_solve

    # x' = z, z' = x - z: W = 1e-12 I - J = [[1e-12, -1], [-1, 1]] has a tiny first pivot.
    model = Model(
        name="pair", description="coupled pair", time_unit="day",
        species=[Species("x", 1.0, "1", "x"), Species("z", 1.0, "1", "z")],
        parameters=[Parameter("c", 1.0, "1/day", "coupling", source="test")],
        processes=[Process("a", "c*z", {"x": 1}), Process("b", "c*x", {"z": 1}), Process("d", "c*z", {"z": -1})],
    )  # fmt: skip
    module = compile_model(model).module
    jac, scale = np.array([[0.0, 1.0], [1.0, -1.0]]), 1e-12
    w = scale * np.eye(2) - jac
    assert not module.lu_sparse(np.empty((2, 2)), jac, scale)
    factors, piv, x = w.copy(), np.zeros(2, dtype=np.int64), np.array([1.0, 2.0])
    assert lu_factor(factors, piv)
    lu_solve(factors, piv, x)
    np.testing.assert_allclose(w @ x, [1.0, 2.0], rtol=1e-9)
