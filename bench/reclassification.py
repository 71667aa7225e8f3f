"""Reclassification benchmark of vitam-lite: a 1,000-unit subtree moved to another parent (issue 10: ≤ 30 s).

A filing plan of two nodes and, under the first, a deposited subtree of 1,000 units (1 root, 10 series, ~100
files, the rest items) among 20,000 other units. The move is started over HTTP like SAM does
(POST /access-external/v1/reclassification) and the operation is polled until it completes; the graph of the
subtree is then checked (every unit of the subtree has the new parent among its ancestors).

Usage: .venv/bin/python bench/reclassification.py [--subtree 1000] [--others 20000]
Prints `reclassification_1000_units <seconds> s`, the status, and the machine's load average.
"""

from __future__ import annotations

import argparse
import os
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
LEVELS = ["Fonds", "Series", "File", "Item"]


def _unit(rng, parent_id, depth, unit_type="INGEST", agency="FRAN_COMMUNE_01") -> dict:
    return {"#id": new_guid(TENANT), "Title": f"{LEVELS[min(depth, 3)]} {rng.randint(1, 10**6)}",
            "DescriptionLevel": LEVELS[min(depth, 3)], "#unitType": unit_type, "#originating_agency": agency,
            "#opi": new_guid(TENANT), "#unitups": [parent_id] if parent_id else [], "#management": {}}


def tree(rng, root_parent: str | None, size: int) -> list[dict]:
    """A tree of `size` units: 1 root, 10 series, ~100 files, the rest items."""
    root = _unit(rng, root_parent, 0)
    units, frontier = [root], {0: [root]}
    while len(units) < size:
        depth = 1 if len(units) <= 10 else 2 if len(units) <= 110 else 3
        child = _unit(rng, rng.choice(frontier[depth - 1])["#id"], depth)
        units.append(child)
        frontier.setdefault(depth, []).append(child)
    return units


def load(data_dir: Path, subtree: int, others: int) -> tuple[str, str]:
    """Returns (root of the subtree to move, new parent)."""
    from vitamlite.store import Store

    rng = random.Random(10)
    store = Store(data_dir)
    db = store.new_connection()
    referentials.put(db, TENANT, "access_contracts", {"Identifier": "AC-BENCH", "Name": "AC-BENCH", "Status": "ACTIVE",
                                                      "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})
    plan = [_unit(rng, None, 0, "FILING_UNIT", None), _unit(rng, None, 0, "FILING_UNIT", None)]
    units_store.insert_units(db, TENANT, plan)
    moved = tree(rng, plan[0]["#id"], subtree)
    units_store.insert_units(db, TENANT, moved)
    for start in range(0, others, 1000):
        units_store.insert_units(db, TENANT, tree(rng, None, min(1000, others - start)))
    db.commit()
    db.close()
    return moved[0]["#id"], plan[1]["#id"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subtree", type=int, default=1000)
    parser.add_argument("--others", type=int, default=20_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        root, new_parent = load(Path(data_dir), args.subtree, args.others)
        server = start_in_thread(data_dir)
        try:
            base, headers = server.base_url, {"X-Tenant-Id": str(TENANT), "X-Access-Contract-Id": "AC-BENCH"}
            started = time.perf_counter()
            response = requests.post(f"{base}/access-external/v1/reclassification", headers=headers, timeout=60,
                                     json=[{"$roots": [], "$query": [{"$eq": {"#id": root}}],
                                            "$action": [{"$add": {"#unitups": [new_parent]}}]}])
            response.raise_for_status()
            operation_id = response.headers["X-Request-Id"]
            while True:
                state = requests.head(f"{base}/admin-external/v1/operations/{operation_id}", headers=headers,
                                      timeout=60)
                if state.headers.get("X-Global-Execution-State") == "COMPLETED":
                    status = state.headers["X-Global-Execution-Status"]
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            under = requests.get(f"{base}/access-external/v1/units", headers=headers, timeout=60, json={
                "$roots": [new_parent], "$query": [{"$exists": "#id", "$depth": 20}], "$filter": {"$limit": 1},
                "$projection": {"$fields": {"#id": 1}}}).json()["$hits"]["total"]
            print(f"reclassification_{args.subtree}_units {elapsed:.1f} s")
            print(f"reclassification_status {status} -")
            print(f"reclassification_units_under_new_parent {under} units")
            print(f"load_average_1min {os.getloadavg()[0]:.1f} -")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
