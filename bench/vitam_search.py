"""Search benchmark of vitam-lite: 100,000 archive units over 4 tenants, 200 searches over HTTP.

Each search is what SAM's search screen sends: a full-text $match on Title, a StartDate/EndDate
range, and $facets terms on #originating_agency and DescriptionLevel, through GET
/access-external/v1/units (POST + X-Http-Method-Override) with an access contract.

Usage: .venv/bin/python bench/vitam_search.py [--units 100000] [--queries 200] [--engine]
Prints `name value unit` lines, e.g. `search_p95 45.6 ms`. --engine measures the DSL engine directly
(no HTTP) as well.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from vitamlite import units_store  # noqa: E402
from vitamlite.contracts_filter import restriction_from_contract  # noqa: E402
from vitamlite.dsl import search_units  # noqa: E402
from vitamlite.ids import new_guid  # noqa: E402
from vitamlite.referentials import store as referentials  # noqa: E402
from vitamlite.server import start_in_thread  # noqa: E402

TENANTS = (0, 2, 3, 4)
AGENCIES = [f"FRAN_COMMUNE_{n:02d}" for n in range(20)]
SUBJECTS = ["délibérations", "permis de construire", "état civil", "écoles", "voirie", "cimetière", "budget",
            "marchés publics", "urbanisme", "élections", "personnel communal", "police municipale", "eau potable",
            "assainissement", "bibliothèque", "fêtes et cérémonies", "associations", "logement social",
            "transports scolaires", "recensement", "cadastre", "archives paroissiales", "travaux de la mairie",
            "conseil municipal", "aide sociale", "jumelage", "sports", "monuments historiques"]
QUALIFIERS = ["registre", "dossier", "correspondance", "arrêtés", "procès-verbaux", "plans", "photographies",
              "rapports", "comptes rendus", "tableaux", "pièces justificatives", "minutes"]
PLACES = ["Cergy", "Pontoise", "Osny", "Éragny", "Vauréal", "Jouy-le-Moutier", "Saint-Ouen-l'Aumône", "Courdimanche",
          "Menucourt", "Boisemont", "Neuville-sur-Oise", "Puiseux-Pontoise", "Maurecourt"]
LEVELS = ["Fonds", "Series", "File", "Item"]  # by depth in the tree


def title(rng: random.Random) -> str:
    return f"{rng.choice(QUALIFIERS).capitalize()} {rng.choice(['des', 'sur les', 'relatifs aux', 'de'])} " \
           f"{rng.choice(SUBJECTS)} de {rng.choice(PLACES)}"


def generate(rng: random.Random, tenant: int, count: int) -> list[dict]:
    """A tree of depth 4: fonds > series > files > items, dates nested inside their parent's."""
    units: list[dict] = []
    per_fonds = max(count // 20, 4)
    while len(units) < count:
        agency = rng.choice(AGENCIES)
        opi = new_guid(tenant)
        start = rng.randint(1800, 2015)
        fonds = _unit(rng, None, 0, agency, opi, start, start + rng.randint(5, 60))
        units.append(fonds)
        budget = min(per_fonds, count - len(units))
        frontier = [fonds]
        while budget > 0:
            parent = rng.choice(frontier)
            depth = parent["_depth"] + 1
            if depth >= len(LEVELS):
                continue
            year_from = int(parent["StartDate"][:4])
            year_to = int(parent["EndDate"][:4])
            child_start = rng.randint(year_from, year_to)
            child = _unit(rng, parent, depth, agency, opi, child_start, rng.randint(child_start, year_to))
            units.append(child)
            budget -= 1
            if depth < len(LEVELS) - 1:
                frontier.append(child)
    for unit in units:
        del unit["_depth"]
    return units[:count]


def _unit(rng, parent, depth, agency, opi, start, end) -> dict:
    unit = {
        "#id": new_guid(),
        "Title": title(rng),
        "Description": f"{rng.choice(QUALIFIERS)} — {rng.choice(SUBJECTS)}, {rng.choice(PLACES)}",
        "DescriptionLevel": LEVELS[depth],
        "StartDate": f"{start:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "EndDate": f"{end:04d}-12-31",
        "#unitType": "INGEST",
        "#unitups": [parent["#id"]] if parent else [],
        "#originating_agency": agency,
        "#originating_agencies": [agency],
        "#opi": opi,
        "#operations": [opi],
        "#management": {"AppraisalRule": {"Rules": [{"Rule": "APP-00001"}], "FinalAction": rng.choice(["Keep", "Destroy"])}},
        "_depth": depth,
    }
    return unit


def queries(rng: random.Random, count: int) -> list[dict]:
    result = []
    for _ in range(count):
        start = rng.randint(1800, 2000)
        result.append({
            "$roots": [],
            "$query": [{"$and": [
                {"$match": {"Title": rng.choice(SUBJECTS).split()[0]}},
                {"$range": {"StartDate": {"$gte": f"{start}-01-01", "$lte": f"{start + rng.randint(5, 60)}-12-31"}}},
                {"$lte": {"EndDate": "2030-01-01"}},
            ]}],
            "$filter": {"$offset": 0, "$limit": 20},
            "$projection": {"$fields": {"#id": 1, "Title": 1, "StartDate": 1, "EndDate": 1, "DescriptionLevel": 1}},
            "$facets": [
                {"$name": "services", "$terms": {"$field": "#originating_agency", "$size": 20, "$order": "ASC"}},
                {"$name": "niveaux", "$terms": {"$field": "DescriptionLevel", "$size": 10, "$order": "ASC"}},
            ],
        })
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--engine", action="store_true", help="also time the DSL engine without HTTP")
    parser.add_argument("--seed", type=int, default=20260)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="vitamlite-bench-") as data_dir:
        server = start_in_thread(data_dir, host="127.0.0.1", port=0, tenants="0-9")
        try:
            store = server.app.store
            db = store.new_connection()
            contract = {"Identifier": "AC-BENCH", "Name": "Bench", "Status": "ACTIVE",
                        "OriginatingAgencies": AGENCIES[:15], "EveryDataObjectVersion": True}
            for tenant in TENANTS:
                referentials.put(db, tenant, "access_contracts", dict(contract))
            db.commit()

            per_tenant = args.units // len(TENANTS)
            generated = {tenant: generate(rng, tenant, per_tenant) for tenant in TENANTS}
            began = time.perf_counter()
            for tenant in TENANTS:
                units = generated[tenant]
                for start in range(0, len(units), 5000):  # one transaction per 5,000-unit batch (an ingest)
                    units_store.insert_units(db, tenant, units[start : start + 5000])
                    db.commit()
            load_seconds = time.perf_counter() - began
            db.execute("ANALYZE")
            db.commit()
            total_units = sum(len(units) for units in generated.values())
            print(f"search_load_units {total_units} units")
            print(f"search_load_seconds {load_seconds:.1f} s")
            print(f"search_load_units_per_s {total_units / load_seconds:.0f} units/s")

            searches = queries(rng, args.queries)
            if args.engine:
                restriction = restriction_from_contract(contract)
                timings = []
                for index, query in enumerate(searches):
                    began = time.perf_counter()
                    search_units(db, TENANTS[index % len(TENANTS)], query, restriction)
                    timings.append((time.perf_counter() - began) * 1000)
                print(f"engine_search_p50 {statistics.median(timings):.1f} ms")
                print(f"engine_search_p95 {percentile(timings, 0.95):.1f} ms")
            db.close()

            session = requests.Session()
            timings, hits = [], []
            for index, query in enumerate(searches):
                headers = {"X-Tenant-Id": str(TENANTS[index % len(TENANTS)]), "X-Access-Contract-Id": "AC-BENCH",
                           "X-Http-Method-Override": "GET", "Content-Type": "application/json"}
                began = time.perf_counter()
                response = session.post(server.base_url + "/access-external/v1/units", json=query, headers=headers,
                                        timeout=60)
                timings.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"search failed: {response.status_code} {response.text[:300]}")
                hits.append(response.json()["$hits"]["total"])
            print(f"search_queries {len(timings)} queries")
            print(f"search_mean_hits {statistics.mean(hits):.0f} units")
            print(f"search_p50 {statistics.median(timings):.1f} ms")
            print(f"search_p95 {percentile(timings, 0.95):.1f} ms")
            print(f"search_max {max(timings):.1f} ms")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
