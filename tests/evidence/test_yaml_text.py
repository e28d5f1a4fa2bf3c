"""The fast loader reads study files as PyYAML's pure-Python SafeLoader does, errors included."""

from __future__ import annotations

import pytest
import yaml

from secretome.evidence._corpus import CORPUS_DIR
from secretome.evidence._yaml_text import load_yaml


def test_every_bundled_study_file_parses_as_the_pure_python_safe_loader_does():
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader), path.name


@pytest.mark.parametrize("text", ["a: 1\nb: [1, 2\nc: 3\n", "a: !!python/object:os.system 1\n", "a: 1\n  b: 2\n"])
def test_bad_documents_raise_with_the_line_the_pure_python_loader_names(text):
    with pytest.raises(yaml.YAMLError) as ours:
        load_yaml(text)
    with pytest.raises(yaml.YAMLError) as theirs:
        yaml.load(text, Loader=yaml.SafeLoader)
    ours_mark, theirs_mark = getattr(ours.value, "problem_mark", None), getattr(theirs.value, "problem_mark", None)
    assert (ours_mark is None) == (theirs_mark is None)
    if ours_mark is not None:
        assert ours_mark.line == theirs_mark.line
