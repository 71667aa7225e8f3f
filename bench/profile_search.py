"""cProfile of SAM's search page: where SAM's own time goes (see bench/README.md).

Same world as bench/consultation_search.py (SQLite, vitam-lite over HTTP in a thread), fewer units; prints the
queries of one page, SAM's CPU per page without the profiler (this thread's CPU time, p50 over --pages pages),
then with it (overhead included) and the 30 costliest functions. DEBUG is off, as in production: Django's
template engine without debug information, Jinja2 without its reload checks.
The floor (profile_search_floor_*): the CPU of the part every signed-in page pays before its own work, measured
the same way, interleaved with the search page (bench/floor_urls.py): an empty page behind the whole middleware
(session, user, CSRF, second factor...), the same after the tenant check, the layout around an empty content.
Usage: .venv/bin/python bench/profile_search.py [--units 5000] [--pages 50] [--stats FILE] [--lines 30]
"""

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consultation_search import search_params, setup_world  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--stats", help="also save the profile there, for pstats or snakeviz")
    parser.add_argument("--lines", type=int, default=30, help="functions printed, by cumulative then own time")
    args = parser.parse_args()
    server, tenant, archivist, _client = setup_world(args.units)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.DEBUG = False  # before the first page: the template engines read it when they are built
    settings.ROOT_URLCONF = "floor_urls"  # SAM's URLs and the floor's pages
    from floor_urls import FLOOR_PAGES
    url = reverse("consultation:search", args=[tenant.pk])
    browser = Client()
    browser.force_login(archivist)
    rng = random.Random(7)
    params = [search_params(rng) for _ in range(args.pages + 2)]
    browser.get(url, params[0])
    with CaptureQueriesContext(connection) as captured:
        browser.get(url, params[1])
    print(f"profile_search_queries {len(captured)} queries")
    for query in captured:
        print("#", query["sql"][:140])
    floors = {name: "/" + pattern.format(tenant=tenant.pk) for name, pattern in FLOOR_PAGES}
    for floor_url in floors.values():
        assert browser.get(floor_url).status_code == 200, floor_url
    cpu_per_page, cpu_floor = [], {name: [] for name in floors}
    for values in params[2:]:  # interleaved: the machine's ups and downs weigh on both alike
        started = time.thread_time()
        browser.get(url, values)
        cpu_per_page.append((time.thread_time() - started) * 1000)
        for name, floor_url in floors.items():
            started = time.thread_time()
            browser.get(floor_url)
            cpu_floor[name].append((time.thread_time() - started) * 1000)
    print(f"profile_search_cpu_p50 {statistics.median(cpu_per_page):.1f} ms")
    for name, values in cpu_floor.items():
        print(f"profile_search_floor_{name}_cpu_p50 {statistics.median(values):.1f} ms")
    profile = cProfile.Profile()
    started = time.thread_time()
    profile.enable()
    for values in params[2:]:
        browser.get(url, values)
    profile.disable()
    print(f"profile_search_cpu_mean {(time.thread_time() - started) * 1000 / args.pages:.1f} ms")
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(args.lines)
    stats.sort_stats("tottime").print_stats(args.lines)
    if args.stats:
        stats.dump_stats(args.stats)
    server.stop()


if __name__ == "__main__":
    main()
