"""Eight ``secretome evidence import`` processes at once into one store: each finishes or fails cleanly.

SQLite lets one writer in at a time: the others wait (busy timeout) and, on a store kept locked too
long, fail with one line and exit 1, writing nothing. PostgreSQL takes them all. Either way the store
is whole afterwards (``PRAGMA integrity_check``) and holds exactly the files whose import succeeded.
"""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from secretome.evidence import _models as orm
from secretome.evidence._store import create_store

N = 8


def _ris(path, k):
    records = "".join(
        f"TY  - JOUR\nTI  - Concurrent import {k}, record {i}\nPY  - 2020\nDO  - 10.5555/c.{k}.{i}\nER  - \n"
        for i in range(50)
    )
    path.write_text(records, encoding="utf-8")
    return path


def test_eight_imports_at_once_finish_or_fail_cleanly(store_url, synthetic_corpus, tmp_path):
    create_store(store_url, corpus=synthetic_corpus).close()
    files = [_ris(tmp_path / f"part{k}.ris", k) for k in range(N)]
    command = [sys.executable, "-m", "secretome", "evidence", "import", "--db", store_url]
    running = [
        subprocess.Popen([*command, str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files
    ]
    outcomes = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in running]
    for code, _, err in outcomes:
        assert code in (0, 1), err
        if code == 1:
            assert err.count("\n") == 1
            assert "busy" in err
    imported = {f.name for f, (code, _, _) in zip(files, outcomes, strict=True) if code == 0}
    if store_url.startswith("postgresql"):
        assert len(imported) == N
    with create_store(store_url, corpus=synthetic_corpus) as store, store.session() as session:
        names = set(session.scalars(sa.select(orm.ImportBatch.file_name)))
        n_records = session.scalar(sa.select(sa.func.count()).select_from(orm.Record))
        if store_url.startswith("sqlite"):
            assert session.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert names == imported
    assert n_records == 50 * len(imported)


def test_a_store_kept_locked_past_the_busy_timeout_is_one_line_and_exit_1(
    tmp_path, synthetic_corpus, monkeypatch, capsys
):
    import sqlite3

    from secretome.cli import main
    from secretome.evidence import _store

    db = tmp_path / "evidence.db"
    create_store(f"sqlite:///{db}", corpus=synthetic_corpus).close()
    monkeypatch.setattr(_store, "STORE_BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock; readers may still read
    try:
        code = main(["evidence", "import", "--db", f"sqlite:///{db}", str(_ris(tmp_path / "a.ris", 0))])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: store sqlite:///")
    assert "busy (another process kept it locked for 0.2 s); nothing was written" in err
    assert err.count("\n") == 1
