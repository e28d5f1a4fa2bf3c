"""A team's screening morning under load: 20 reviewers screening at once on PostgreSQL, then a check.

Usage: python benchmarks/serve_load.py --db postgresql+psycopg://USER:PASSWORD@127.0.0.1/DB
       [--reviewers 20] [--seconds 120] [--max-decisions 400] [--order ranked]

A new schema of the PostgreSQL database (dropped at the end) gets the bundled corpus and, as the
records to screen, the 1,522 titles and abstracts of the two labelled sets in ``data/screening/``
(Cohen et al. 2006), written to RIS and imported with ``evidence import``. One account per reviewer.
The workbench runs as ``secretome serve`` runs it (uvicorn, one process) on a free loopback port.

Each reviewer is a thread with its own HTTP client: it signs in, then loops (bounded: until the time
is up, it made --max-decisions decisions, or its queue is empty) over the Screening view in
two-reviewer mode: GET the page, POST the decision on the record it shows (include or exclude by a
fixed rule), follow the redirect. Every request is timed on the client (loopback, so this is close to
server time). At the end the store is checked: every decision a reviewer was told was saved is there,
none is doubled (no reviewer decided a record twice at a stage), no record has more than two
reviewers, and the audit log holds one event per decision. Latencies are printed as p50, p95 and max
per kind of request; there is no other tool to compare with, so there is no ratio.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import re
import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import rispy
import sqlalchemy as sa
import uvicorn

from secretome.evidence import add_account, create_store, import_files
from secretome.serve import ServeSettings, create_app

ROOT = Path(__file__).parents[1]
LABELLED = [ROOT / "data" / "screening" / "cohen2006_adhd.csv", ROOT / "data" / "screening" / "cohen2006_triptans.csv"]
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
_RECORD = re.compile(r'name="record_id" value="(\d+)"')


def _records_as_ris(folder: Path) -> list[Path]:
    """The labelled sets as RIS files (title, abstract, PMID, URL): what a database export gives."""
    written = []
    for path in LABELLED:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        entries = [
            {"type_of_reference": "JOUR", "title": r["title"], "abstract": r["abstract"], "accession_number": r["pmid"],
             "urls": [r["url"]]}
            for r in rows
        ]  # fmt: skip
        target = folder / f"{path.stem}.ris"
        target.write_text(rispy.dumps(entries), encoding="utf-8")
        written.append(target)
    return written


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _as_browser_on_loopback(client: httpx.Client) -> None:
    """Let *client* send its Secure cookies over plain HTTP to loopback, as browsers do.

    The workbench's cookies are Secure; httpx, unlike a browser, never sends them over http://127.0.0.1.
    """
    for cookie in client.cookies.jar:
        cookie.secure = False


def _reviewer(
    base: str, name: str, deadline: float, max_decisions: int
) -> tuple[list[int], dict[str, list[float]], int]:
    """Sign in as *name* and screen until the deadline.

    Returns the records decided, the request times, and how many decisions the workbench refused
    because others had decided the record meanwhile (it says so on the page it redirects to).
    """
    times: dict[str, list[float]] = {"sign-in": [], "screening page": [], "decision (POST + redirect)": []}
    decided: list[int] = []
    refused = 0
    with httpx.Client(base_url=base, follow_redirects=True, timeout=120) as client:
        # After each response, redirects included: cookies are stored by then, the next request not yet made.
        client.event_hooks["response"] = [lambda _: _as_browser_on_loopback(client)]
        login = client.get("/login")
        t0 = time.perf_counter()
        signed = client.post("/login", data={"username": name, "password": f"{name} password", "next": "/screening",
                                              "csrf_token": _CSRF.search(login.text).group(1)})  # fmt: skip
        times["sign-in"].append(time.perf_counter() - t0)
        signed.raise_for_status()
        while time.monotonic() < deadline and len(decided) < max_decisions:
            t0 = time.perf_counter()
            page = client.get("/screening", params={"reviewers": "2"})
            times["screening page"].append(time.perf_counter() - t0)
            page.raise_for_status()
            shown = _RECORD.search(page.text)
            if shown is None:
                break  # nothing left for this reviewer
            record_id = int(shown.group(1))
            form = {"record_id": record_id, "stage": "title_abstract", "reviewers": "2",
                    "decision": "include" if (record_id + len(name)) % 5 == 0 else "exclude",
                    "csrf_token": _CSRF.search(page.text).group(1)}  # fmt: skip
            t0 = time.perf_counter()
            done = client.post("/screening/decide", data=form)
            times["decision (POST + redirect)"].append(time.perf_counter() - t0)
            done.raise_for_status()
            if f"not saved: record {record_id}" in done.text:
                refused += 1
            else:  # a 200 after the redirect, without "not saved": the reviewer was told it was saved
                decided.append(record_id)
    return decided, times, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="A PostgreSQL URL; a new schema in it is used and dropped.")
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--max-decisions", type=int, default=400, help="Per reviewer (the loops are bounded).")
    parser.add_argument("--order", choices=("ranked", "store"), default="ranked")
    args = parser.parse_args()

    schema = f"load_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(args.db)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.make_url(args.db).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    try:
        with tempfile.TemporaryDirectory() as tmp, create_store(url) as store:
            imported = import_files(store, _records_as_ris(Path(tmp)), source_database="PubMed")
            names = [f"reviewer{i:02d}" for i in range(args.reviewers)]
            for name in names:
                add_account(store, name, f"{name} password", role="reviewer")
            port = _free_port()
            app = create_app(ServeSettings(db=url, order=args.order, port=port), store=store)
            config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", server_header=False)
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.05)
            start = time.monotonic()
            deadline = start + args.seconds
            with ThreadPoolExecutor(max_workers=len(names)) as pool:
                outcomes = list(
                    pool.map(lambda n: _reviewer(f"http://127.0.0.1:{port}", n, deadline, args.max_decisions), names)
                )
            elapsed = time.monotonic() - start
            server.should_exit = True
            thread.join(timeout=30)

            told = {name: decided for name, (decided, _, _) in zip(names, outcomes, strict=True)}
            with store.session() as session:
                # The decisions table itself, not a summary of it: a doubled row must show.
                query = "SELECT reviewer, record_id FROM screening_decision WHERE stage = 'title_abstract'"
                stored = session.execute(sa.text(query)).all()
            pairs = Counter((reviewer, record_id) for reviewer, record_id in stored)
            per_record = Counter(record_id for _, record_id in pairs)
            n_told = sum(len(d) for d in told.values())
            lost = sum(1 for name, ids in told.items() for i in ids if (name, i) not in pairs)
            check = {
                "decisions_told_saved": n_told,
                "decisions_stored": len(stored),
                "lost": lost,
                "duplicated": sum(n - 1 for n in pairs.values() if n > 1),
                "records_with_more_than_two_reviewers": sum(n > 2 for n in per_record.values()),
                "refused_as_decided_meanwhile": sum(r for _, _, r in outcomes),
            }
            latency = {}
            for kind in outcomes[0][1]:
                values = [t for _, times, _ in outcomes for t in times[kind]]
                latency[kind] = {
                    "n": len(values),
                    "p50_ms": round(1000 * statistics.median(values), 1),
                    "p95_ms": round(1000 * _percentile(values, 0.95), 1),
                    "max_ms": round(1000 * max(values), 1),
                }
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    print(json.dumps({
        "machine": f"{platform.machine()}, Python {platform.python_version()}, PostgreSQL on loopback",
        "records": sum(f.n_records for f in imported.files), "reviewers": len(names),
        "order": args.order, "seconds": round(elapsed, 1), "decisions_per_second": round(n_told / elapsed, 2),
        "check": check, "latency": latency,
    }, indent=1))  # fmt: skip
    if lost or check["duplicated"] or check["records_with_more_than_two_reviewers"] or n_told != len(stored):
        raise SystemExit("the store does not hold exactly the decisions the reviewers were told were saved")


if __name__ == "__main__":
    main()
