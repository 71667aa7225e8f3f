"""Server time of the tree browser page of a published 5,000-node filing plan (children on demand).

Publishes the plan of bench/trees_publish.py in a vitam-lite over HTTP, then requests through Django's test
client (whole stack: session, permissions, Vitam calls, template): the tree page (two levels), the
children of a sub-series (the on-demand request) and a node's page, 50 times each.

Usage: .venv/bin/python bench/trees_page.py [--nodes 5000] [--requests 50]
Prints `name value unit` lines. Goal: trees_page_p95 <= 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trees_publish import publish_plan, setup  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(browser, url, count, params=None):
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        response = browser.get(url, params or {})
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    server, tenant, referent = setup()
    _draft, publication, _i, _p = publish_plan(tenant, referent, args.nodes)
    assert publication.status == "OK", publication.error
    from django.test import Client
    from django.urls import reverse

    from referentials.trees import selectors

    browser = Client()
    browser.force_login(referent)
    page_url = reverse("trees:tree_browser", kwargs={"tenant_pk": tenant.pk})
    first = browser.get(page_url, {"kind": "filing"})
    assert "Sous-série 1.20" in first.content.decode()
    root = selectors.tree_roots(tenant, "filing")[0]
    sub_series = selectors.tree_children(tenant, root.id, "filing")[0][0]
    children_url = reverse("trees:tree_children", kwargs={"tenant_pk": tenant.pk, "unit_id": sub_series.id})
    node_url = reverse("trees:tree_node", kwargs={"tenant_pk": tenant.pk, "unit_id": sub_series.id})
    for name, url, params in (("trees_page", page_url, {"kind": "filing"}), ("trees_children", children_url, {}),
                              ("trees_node_page", node_url, {})):
        durations = timed(browser, url, args.requests, params)
        print(f"{name}_p50 {statistics.median(durations):.0f} ms")
        print(f"{name}_p95 {percentile(durations, 0.95):.0f} ms")
    print(f"trees_page_plan_nodes {args.nodes} nodes")
    server.stop()


if __name__ == "__main__":
    main()
