"""Selection (panier) of 100,000 search results in vitam-lite: select-all, launch a mass rule update, page view.

Loads the units with bench/consultation_search.py's world (vitam-lite over HTTP, SAM on SQLite), then through
SAM's full WSGI stack (Django's test client): selects every result of a search matching all the units, previews
and starts a mass rule update from the selection (the database task queue only records the work: a worker runs
it), and opens the selection page repeatedly.

Usage: .venv/bin/python bench/selection.py [--units 100000] [--pages 50]
Prints `name value unit` lines. Goals: selection_select_all_ms and selection_mass_update_start_ms <= 1000 ms,
selection_page_p95 <= 300 ms.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from consultation_search import percentile, setup_world  # noqa: E402

EVERY_UNIT = {"date_from": "0001-01-01"}  # every generated unit ends after year 1


def _timed(call):
    started = time.perf_counter()
    response = call()
    return response, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    began = time.perf_counter()
    server, tenant, archivist, client = setup_world(args.units)
    print(f"selection_units {args.units} units")
    print(f"selection_load_seconds {time.perf_counter() - began:.1f} s")

    from django.test import Client
    from django.urls import reverse

    from sam.elimination.models import MassUpdate
    from sam.selection import selectors
    from sam.selection.models import Selection

    browser = Client()
    browser.force_login(archivist)
    browser.get(reverse("consultation:search", args=[tenant.pk]), EVERY_UNIT)  # warm: imports, templates

    response, select_all = _timed(lambda: browser.post(reverse("selection:add", args=[tenant.pk]),
                                                       {"scope": "search", **EVERY_UNIT}))
    assert response.status_code == 302, response.status_code
    print(f"selection_select_all_ms {select_all:.0f} ms")
    selection = Selection.objects.get(user=archivist, kept=False)
    detail = reverse("selection:detail", args=[tenant.pk, selection.pk])

    timings = []
    for number in range(args.pages):
        response, elapsed = _timed(lambda: browser.get(detail, {"page": number % 10 + 1}))
        assert response.status_code == 200 and b"selection-count" in response.content, response.status_code
        timings.append(elapsed)
    print(f"selection_page_units {selectors.selection_count(selection, user=archivist)} units")
    print(f"selection_page_p50 {percentile(timings, 0.5):.0f} ms")
    print(f"selection_page_p95 {percentile(timings, 0.95):.0f} ms")

    rules = reverse("selection:mass_update", args=[tenant.pk, selection.pk])
    change = {"action": "add", "category": "HoldRule", "rule": "HOL-00001"}
    response, preview = _timed(lambda: browser.post(rules, {**change, "step": "preview"}))
    found = re.search(rb'name="expected_count" value="(\d+)"', response.content)
    assert response.status_code == 200 and found, response.status_code
    print(f"selection_mass_update_preview_ms {preview:.0f} ms")
    count = int(found.group(1))
    response, start = _timed(lambda: browser.post(rules, {**change, "step": "start", "expected_count": count,
                                                          "confirmed": "on"}))
    assert response.status_code == 302, response.status_code
    assert MassUpdate.objects.get().state == MassUpdate.State.RUNNING  # recorded and queued, not run in the request
    print(f"selection_mass_update_start_ms {start:.0f} ms")
    server.stop()


if __name__ == "__main__":
    main()
