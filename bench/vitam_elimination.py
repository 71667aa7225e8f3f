"""Elimination analysis benchmark of vitam-lite: 100,000 archive units, one analysis over all of them.

The units form trees of depth 4 (fonds > series > files > items) with appraisal rules on the fonds (Destroy
or Keep, expired or not), hold rules on some series and Keep overrides on some files, so that every decision
path (DESTROY, KEEP, CONFLICT with holds) is exercised. The analysis is started over HTTP like SAM does
(POST /access-external/v1/elimination/analysis) and its progress is polled through
GET /admin-external/v1/operations/{id} while it runs.

Usage: .venv/bin/python bench/vitam_elimination.py [--units 100000]
Prints `name value unit` lines: `elimination_analysis_100k_seconds X s`, progress lines
`elimination_analysis_progress_<elapsed>s <processed> units`, and the decision counts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from vitamlite import units_store  # noqa: E402
from vitamlite.ids import new_guid  # noqa: E402
from vitamlite.referentials import store as referentials  # noqa: E402
from vitamlite.server import start_in_thread  # noqa: E402

TENANT = 0
AGENCIES = [f"FRAN_COMMUNE_{n:02d}" for n in range(20)]
LEVELS = ["Fonds", "Series", "File", "Item"]


def _appraisal(rng: random.Random) -> dict:
    start = rng.randint(1950, 2015)
    duration = rng.choice([5, 10, 30, 50])
    return {"AppraisalRule": {"Rules": [{"Rule": f"APP-{duration:05d}", "StartDate": f"{start}-01-01",
                                         "EndDate": f"{start + duration}-01-01"}],
                              "FinalAction": rng.choice(["Destroy", "Destroy", "Destroy", "Keep"])}}


def _management(rng: random.Random, depth: int) -> dict:
    if depth == 0:
        return _appraisal(rng)
    if depth == 1 and rng.random() < 0.1:
        return {"HoldRule": {"Rules": [{"Rule": "HOL-00002", "StartDate": "2020-01-01"}]}}
    if depth == 2 and rng.random() < 0.05:
        return {"AppraisalRule": {"FinalAction": "Keep"}}
    return {}


def generate(rng: random.Random, count: int) -> list[dict]:
    """Trees of about 1,000 units: 1 fonds, 10 series, ~100 files, the rest items."""
    units: list[dict] = []
    while len(units) < count:
        agency = rng.choice(AGENCIES)
        opi = new_guid(TENANT)
        budget = min(1000, count - len(units))
        fonds = _unit(rng, None, 0, agency, opi)
        tree, frontier = [fonds], {0: [fonds]}
        while len(tree) < budget:
            depth = 1 if len(tree) <= 10 else 2 if len(tree) <= 110 else 3
            parent = rng.choice(frontier[depth - 1])
            child = _unit(rng, parent, depth, agency, opi)
            tree.append(child)
            frontier.setdefault(depth, []).append(child)
        units.extend(tree)
    return units[:count]


def _unit(rng, parent, depth, agency, opi) -> dict:
    return {"#id": new_guid(TENANT), "Title": f"{LEVELS[depth]} {rng.randint(1, 10**6)}",
            "DescriptionLevel": LEVELS[depth], "#unitType": "INGEST", "#originating_agency": agency,
            "#opi": opi, "#unitups": [parent["#id"]] if parent else [], "#management": _management(rng, depth)}


def load(data_dir: Path, count: int) -> float:
    from vitamlite.store import Store

    started = time.perf_counter()
    store = Store(data_dir)
    db = store.new_connection()
    referentials.put(db, TENANT, "access_contracts", {"Identifier": "AC-BENCH", "Name": "AC-BENCH", "Status": "ACTIVE",
                                                      "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})
    units = generate(random.Random(6), count)
    for start in range(0, len(units), 5000):
        units_store.insert_units(db, TENANT, units[start:start + 5000])
    db.commit()
    db.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    args = parser.parse_args()
    label = f"{args.units // 1000}k" if args.units % 1000 == 0 else str(args.units)

    with tempfile.TemporaryDirectory() as data_dir:
        print(f"elimination_bench_load_seconds {load(Path(data_dir), args.units):.1f} s", flush=True)
        server = start_in_thread(data_dir)
        try:
            headers = {"X-Tenant-Id": str(TENANT), "X-Access-Contract-Id": "AC-BENCH"}
            started = time.perf_counter()
            response = requests.post(f"{server.base_url}/access-external/v1/elimination/analysis", headers=headers,
                                     json={"dslRequest": {"$roots": [], "$query": [{"$exists": "#id"}],
                                                          "$threshold": args.units},
                                           "date": "2026-01-01"}, timeout=60)
            response.raise_for_status()
            operation_id = response.headers["X-Request-Id"]
            last_processed = None
            while True:
                details = requests.get(f"{server.base_url}/admin-external/v1/operations/{operation_id}",
                                       headers=headers, timeout=60)
                item = details.json()["$results"][0]
                progress = json.loads(item.get("evDetailData") or "{}").get("Progress") or {}
                processed = progress.get("processed")
                if processed is not None and processed != last_processed:
                    print(f"elimination_analysis_progress_{time.perf_counter() - started:.1f}s {processed} units",
                          flush=True)
                    last_processed = processed
                if details.headers.get("X-Global-Execution-State") == "COMPLETED":
                    status = details.headers["X-Global-Execution-Status"]
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
            print(f"elimination_analysis_{label}_seconds {elapsed:.1f} s")
            print(f"elimination_analysis_status {status} -")
            operation = requests.get(f"{server.base_url}/access-external/v1/logbookoperations/{operation_id}",
                                     headers=headers, timeout=60).json()["$results"][0]
            counts = json.loads(operation["events"][-1]["evDetData"] or "{}")
            for name in ("nbDestroyUnits", "nbConflictUnits", "nbKeepUnits"):
                print(f"elimination_analysis_{name} {counts.get(name)} units")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
