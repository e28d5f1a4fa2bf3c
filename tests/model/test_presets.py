"""Presets: every name builds a valid model named after itself; unknown names are input errors."""

from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.model import PRESETS, preset


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds_and_carries_its_name(name):
    model = preset(name)
    assert model.name == name
    assert all(d.time <= model.t_end for d in model.doses)


def test_the_review_protocol_and_the_single_vs_repeated_pair():
    assert {"rat-mia", "rat-focal-defect-cm", "rat-mia-cm-weekly", "rat-mia-cm-single"} <= set(PRESETS)


def test_unknown_preset_names_the_field():
    with pytest.raises(InputError, match="unknown preset") as info:
        preset("rabbit-acl")
    assert info.value.field == "--preset"
    assert info.value.value == "rabbit-acl"
