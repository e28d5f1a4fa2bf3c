"""Screening simulation: the metrics against their published definitions, labelled files, bad input."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import yaml

from secretome.errors import InputError
from secretome.evidence import (
    atd,
    read_labelled,
    rrf,
    simulate_order,
    simulate_screening,
    text_features,
    write_simulation,
    wss,
)
from secretome.evidence._corpus import CORPUS_DIR

DATA = Path(__file__).parents[2] / "data" / "screening"


def test_wss_by_cohen_2006():
    # Cohen et al. 2006: WSS@R = (TN + FN) / N - (1 - R). 10 records, 4 included, found at ranks 1, 2, 5, 9.
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 1, 0])
    # At 100 %: all 4 found after 9 records, 1 left unscreened: 1/10 - 0 = 0.1.
    assert wss(y, 1.0) == pytest.approx(0.1)
    # At 95 %: ceil(0.95 * 4) = 4 includes still needed, the same 9 records: 0.1 - 0.05.
    assert wss(y, 0.95) == pytest.approx(0.05)
    # At 75 %: 3 includes, found after 5 records: 5/10 - 0.25.
    assert wss(y, 0.75) == pytest.approx(0.25)


def test_rrf_and_atd_by_hand():
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 1, 0])
    assert rrf(y, 10) == pytest.approx(1 / 4)  # first record of 10
    assert rrf(y, 50) == pytest.approx(3 / 4)
    # ATD (Ferdinands et al. 2023): mean rank of discovery (1, 2, 5, 9) over N.
    assert atd(y) == pytest.approx((1 + 2 + 5 + 9) / 4 / 10)


def test_a_perfect_separation_is_found_first():
    titles = ["stem cell secretome cartilage"] * 5 + ["tax policy reform"] * 20
    features = text_features(titles, [""] * 25)
    y = np.r_[np.ones(5, int), np.zeros(20, int)]
    order, seconds = simulate_order(features, y, prior=(0, 5))
    # The prior rows are left out; the other 4 includes come first.
    assert sorted(order.tolist()) == sorted(set(range(25)) - {0, 5})
    assert set(order[:4].tolist()) == {1, 2, 3, 4}
    assert seconds > 0


@pytest.fixture(scope="module")
def triptans():
    return simulate_screening(DATA / "cohen2006_triptans.csv", seeds=(0, 1), batch=10)


def test_the_default_beats_random_screening_on_a_real_set(triptans):
    # Random screening has an expected WSS@95 of 0 and ATD of about 0.5.
    assert triptans.n_records == 671
    assert triptans.n_included == 24
    assert triptans.mean("wss95") > 0.3
    assert triptans.mean("atd") < 0.3
    frame = triptans.to_frame()
    assert list(frame["seed"]) == [0, 1]
    assert {"wss95", "knee_recall", "hypergeometric_recall"} <= set(frame.columns)
    # The hypergeometric rule never stops short of its 95% target on these runs.
    stopped = frame["hypergeometric_recall"].dropna()
    assert (stopped >= 0.95).all()
    assert "77 of 671 records have no abstract" in triptans.notes[0]


def test_outputs_are_written_together(triptans, tmp_path):
    paths = write_simulation(triptans, tmp_path / "sim")
    assert sorted(p.name for p in paths) == ["recall.png", "runs.csv", "simulation.json"]
    assert (tmp_path / "sim" / "recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _write(tmp_path, text: str, name: str = "set.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_without_labels_names_the_field(tmp_path):
    with pytest.raises(InputError, match="no label column") as caught:
        read_labelled(_write(tmp_path, "title,abstract\na,b\nc,d\ne,f\n"))
    assert caught.value.field == "included"


def test_one_class_only_is_refused(tmp_path):
    with pytest.raises(InputError, match="has 0 included, 3 excluded"):
        read_labelled(_write(tmp_path, "title,included\na,0\nb,0\nc,0\n"))


def test_a_bad_label_names_row_and_value(tmp_path):
    with pytest.raises(InputError) as caught:
        read_labelled(_write(tmp_path, "title,included\na,1\nb,yes\nc,0\n"))
    assert (caught.value.row, caught.value.value) == (3, "yes")


def test_empty_abstracts_fall_back_to_titles_and_say_so(tmp_path):
    labelled = read_labelled(_write(tmp_path, "title,abstract,included\na b,,1\nc d,x y,0\ne f,,0\n"))
    assert labelled.notes == ("2 of 3 records have no abstract and are screened on their title alone",)


def test_ris_labels_as_asreview_exports_them(tmp_path):
    ris = (
        "TY  - JOUR\nTI  - Secretome in OA\nAB  - rats\nN1  - ASReview_relevant\nER  - \n\n"
        "TY  - JOUR\nTI  - Tax reform\nAB  - policy\nN1  - ASReview_irrelevant\nER  - \n\n"
        "TY  - JOUR\nTI  - Exosomes cartilage\nN1  - ASReview_irrelevant\nER  - \n"
    )
    labelled = read_labelled(_write(tmp_path, ris, "set.ris"))
    assert labelled.labels.tolist() == [1, 0, 0]


# The own-question set (data/screening/msc_secretome_oa.csv; how it was built: README.md there).
OWN_SET = DATA / "msc_secretome_oa.csv"
SECRETOME_PRODUCTS = {"conditioned_medium", "exosomes", "extracellular_vesicles"}
REVIEW_DESIGNS = {"narrative_review", "systematic_review"}


def _own_rows() -> list[dict[str, str]]:
    with OWN_SET.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", unicodedata.normalize("NFKD", title).lower())


def test_the_own_set_keeps_its_decisions_consistent():
    rows = _own_rows()
    assert len(rows) >= 300
    keys = [_title_key(r["title"]) for r in rows]
    assert len(set(keys)) == len(keys), "a record appears twice"
    pmids = [r["pmid"] for r in rows if r["pmid"]]
    assert len(set(pmids)) == len(pmids)
    for row in rows:
        where = f"record {row['record_id']}"
        assert row["title"], where
        assert row["url"].startswith("http"), where
        # Single-reviewer title/abstract decisions: the final label is the title/abstract label.
        assert row["included"] == row["included_title_abstract"], where
        # An exclusion names its reason; an inclusion has none.
        assert (row["included"] == "0") == (row["exclusion_reason"] in {"E1", "E2", "E3", "E4", "E5"}), where
        assert row["abstract_truncated"] == ("1" if row["abstract"] else ""), where


def test_the_corpus_secretome_studies_the_search_found_are_included():
    rows = _own_rows()
    by_title = {_title_key(r["title"]): r for r in rows}
    by_pmid = {r["pmid"]: r for r in rows if r["pmid"]}
    found = []
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        study = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not SECRETOME_PRODUCTS & set(study["classification"]["products"]) or study["design"] in REVIEW_DESIGNS:
            continue
        ref = study["reference"]
        row = by_pmid.get(str(ref.get("pmid"))) or by_title.get(_title_key(ref.get("title") or ""))
        if row is None and ref.get("doi"):
            row = next((r for r in rows if ref["doi"].lower() in r["url"].lower()), None)
        if row is not None:
            found.append((study["id"], row["included"]))
    # 28 primary studies of the corpus were returned by the search (README.md); all are kept.
    assert len(found) >= 20
    assert [sid for sid, label in found if label != "1"] == []


@pytest.fixture(scope="module")
def own_set():
    return simulate_screening(OWN_SET, seeds=(0, 1), batch=10)


def test_the_default_beats_random_screening_on_the_own_set(own_set):
    rows = _own_rows()
    assert own_set.n_records == len(rows)
    assert own_set.n_included == sum(r["included"] == "1" for r in rows)
    assert own_set.mean("wss95") > 0.2
    assert own_set.mean("atd") < 0.35
