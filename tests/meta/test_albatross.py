"""The albatross plot: contours that pass through the studies they describe, the points, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from secretome.errors import InputError
from secretome.meta import albatross_plot, smd_contour


@pytest.mark.parametrize(("smd", "n1", "n2"), [(0.5, 20, 20), (1.2, 8, 8), (0.3, 30, 60), (0.8, 45, 15)])
def test_a_study_with_that_smd_lies_on_its_contour(smd, n1, n2):
    # z test with the large-sample variance of the SMD (metafor's vtype="LS" without c(m)): 1/n1 + 1/n2 + d^2/(2N)
    total = n1 + n2
    z = smd / np.sqrt(1 / n1 + 1 / n2 + smd**2 / (2 * total))
    p = 2 * stats.norm.sf(z)
    assert smd_contour(smd, [p], ratio=n1 / n2)[0] == pytest.approx(total, rel=1e-12)


def test_larger_effects_need_fewer_participants_for_the_same_p():
    sizes = [smd_contour(d, [0.01])[0] for d in (0.2, 0.5, 1.0)]
    assert sizes == sorted(sizes, reverse=True)


def test_points_contours_and_bounds_are_drawn(tmp_path):
    out = tmp_path / "albatross.svg"
    svg = albatross_plot(["P < 0.05", 0.2, 0.01], [40, 25, 120], direction=[1, -1, 1], labels=["A", "B", "C"],
                         contours=(0.5, 1.0), path=out)  # fmt: skip
    assert out.read_bytes() == svg
    for gid in ("study-1", "study-2", "study-3", "contour-0.5-pos", "contour-0.5-neg", "contour-1-pos"):
        assert f'id="{gid}"'.encode() in svg
    assert b">B<" in svg
    assert b"P &lt; x" in svg


def test_pdf_is_written(tmp_path):
    out = tmp_path / "albatross.pdf"
    albatross_plot([0.03, -0.4], [30, 50], path=out)
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": [0.03, None], "ni": [30, 40]}, r"row 2, field 'p': is missing"),
        ({"p": [0.03, 0.0], "ni": [30, 40]}, r"row 2, field 'p': p = 0 cannot be drawn"),
        ({"p": [0.03, 0.2], "ni": [30, 0]}, r"row 2, field 'ni': sample size must be > 0"),
        ({"p": [0.03, 0.2], "ni": [30, 40], "contours": (0.5, -1)}, r"field 'contours': SMD contours must be > 0"),
        ({"p": [0.03, 0.2], "ni": [30, 40], "path": "a.png"}, r"field 'path': the albatross plot is written as"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    with pytest.raises(InputError, match=message):
        albatross_plot(**kwargs)
