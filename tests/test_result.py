from __future__ import annotations

import dataclasses
import json

import numpy as np

from secretome import Result


@dataclasses.dataclass(frozen=True, slots=True)
class _Demo(Result):
    estimate: float
    k: int
    weights: tuple[float, ...]

    def summary(self) -> str:
        return f"estimate {self.estimate:.4f} (k = {self.k})"


def test_to_dict_is_json_safe():
    res = _Demo(np.float64(0.25), np.int64(3), (np.float64(1.0), 2.0))
    assert json.loads(json.dumps(res.to_dict())) == {"estimate": 0.25, "k": 3, "weights": [1.0, 2.0]}


def test_to_frame_is_one_tidy_row_of_scalars():
    frame = _Demo(0.25, 3, (1.0,)).to_frame()
    assert list(frame.columns) == ["estimate", "k"]
    assert frame.iloc[0].tolist() == [0.25, 3]


def test_str_is_the_summary():
    assert str(_Demo(0.25, 3, ())) == "estimate 0.2500 (k = 3)"
