"""Search page through SAM against 100,000 units in vitam-lite, 10 concurrent users.

Loads the units with bench/vitam_search.py's generator into one commune's tenant of a vitam-lite served over
HTTP, then requests SAM's search page (full WSGI stack through Django's test client: session, permissions,
form, DSL, Vitam call, facets, template) from 10 threads. Also times the same query sent directly with SAM's
Vitam client, to give SAM's own overhead.

Usage: .venv/bin/python bench/consultation_search.py [--units 100000] [--requests 300] [--users 10] [--processes 1] [--vitam-process]
Prints `name value unit` lines. Goals: consultation_search_p95 <= 300 ms, consultation_overhead_p50 <= 30 ms,
consultation_ratio_single_user <= 1.3 (issue 15: the page against the very query it sends, selectors.search_query).
consultation_overhead_cpu_p50 is SAM's own CPU time per page (less sensitive to other programs' load, which
consultation_load_average reports: on a shared machine wall-clock figures stretch with it).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _serve_vitamlite(data_dir, tenants, urls, stop):
    """Child process: vitam-lite over HTTP until told to stop (as in production, a server of its own)."""
    from vitamlite.server import start_in_thread

    server = start_in_thread(data_dir, host="127.0.0.1", port=0, tenants=tenants)
    urls.put(server.base_url)
    stop.wait()
    server.stop()


class VitamLiteProcess:
    """vitam-lite served by another process: the same interface as RunningServer for the benchmarks."""

    def __init__(self, data_dir, tenants):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        urls, self._stop = context.Queue(), context.Event()
        self._process = context.Process(target=_serve_vitamlite, args=(str(data_dir), tenants, urls, self._stop),
                                        daemon=True)
        self._process.start()
        self.base_url = urls.get(timeout=120)

    def stop(self):
        self._stop.set()
        self._process.join(timeout=30)


def _bench_settings():
    import logging

    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.LOGGING_CONFIG = None
    logging.getLogger("sam.vitam").setLevel(logging.WARNING)


def setup_world(units: int, seed: int = 20260, *, vitam_process: bool = False):
    """A temp SAM (SQLite) + vitam-lite over HTTP holding `units` units in commune A's tenant; vitam-lite
    runs in a thread of this process, or in a process of its own with vitam_process.
    Returns (server, tenant, archivist, vitam_client)."""
    data_dir = Path(tempfile.mkdtemp(prefix="sam-bench-consultation-"))
    os.environ["SAM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # development mode: SQLite, vitam-lite
    from vitamlite.server import start_in_thread

    if vitam_process:
        server = VitamLiteProcess(data_dir / "vitamlite", "1000-99999")
    else:
        server = start_in_thread(data_dir / "vitamlite", host="127.0.0.1", port=0, tenants="1000-99999")
    os.environ["SAM_VITAM_URL"] = server.base_url
    import django

    django.setup()
    _bench_settings()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tenants.vitam_clients import vitam_client
    from tenants.models import Role
    from tests.factories import make_organisation, make_tenant, make_user
    from vitam_search import generate
    from vitamlite import units_store
    from vitamlite.referentials import store as referentials

    organisation = make_organisation("Commune de banc d'essai")
    tenant = make_tenant(organisation, vitam_id=4242)
    archivist = make_user("bench.archivist", organisation=organisation, role=Role.ARCHIVIST)
    from vitamlite.store import Store

    db = Store(data_dir / "vitamlite").new_connection()
    referentials.put(db, tenant.vitam_id, "access_contracts", {
        "Identifier": tenant.access_contract, "Name": "Bench", "Status": "ACTIVE",
        "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})
    generated = generate(random.Random(seed), tenant.vitam_id, units)
    for start in range(0, len(generated), 5000):
        units_store.insert_units(db, tenant.vitam_id, generated[start:start + 5000])
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()
    return server, tenant, archivist, vitam_client(tenant)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def search_params(rng):
    from vitam_search import SUBJECTS

    start = rng.randint(1800, 2000)
    return {"q": rng.choice(SUBJECTS), "date_from": f"{start}-01-01", "date_to": f"{start + rng.randint(10, 80)}-12-31"}


def _page(browser, url, values):
    started = time.perf_counter()
    response = browser.get(url, values)
    assert response.status_code == 200 and b"results-title" in response.content, response.status_code
    return (time.perf_counter() - started) * 1000


def _run_users(archivist, url, chunks):
    """One thread per user, each requesting its pages in turn; (timings in ms, errors)."""
    from django.db import connection
    from django.test import Client

    timings, lock, errors = [], threading.Lock(), []

    def user(chunk):
        try:
            own = Client()
            own.force_login(archivist)
            for values in chunk:
                elapsed = _page(own, url, values)
                with lock:
                    timings.append(elapsed)
        except Exception as exc:  # reported by the caller
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=user, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors


def _worker_process(env, archivist_pk, url, chunks, ready, results):
    """A worker process of SAM (like one of the WSGI server's workers) serving some of the users."""
    os.environ.update(env)
    import django

    django.setup()
    _bench_settings()
    from tenants.models import User

    archivist = User.objects.get(pk=archivist_pk)
    from django.db import connection
    from django.test import Client

    warm = Client()  # a running server has served pages before: imports, URLs and templates are loaded
    warm.force_login(archivist)
    for chunk in chunks:
        _page(warm, url, chunk[0])
    connection.close()
    ready.wait(timeout=300)
    results.put(_run_users(archivist, url, chunks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--processes", type=int, default=1,
                        help="spread the concurrent users over this many SAM worker processes")
    parser.add_argument("--vitam-process", action="store_true",
                        help="serve vitam-lite from a process of its own (as in production) instead of a thread")
    args = parser.parse_args()
    began = time.perf_counter()
    server, tenant, archivist, client = setup_world(args.units, vitam_process=args.vitam_process)
    print(f"consultation_search_vitam_process {1 if args.vitam_process else 0} flag")
    print(f"consultation_search_units {args.units} units")
    print(f"consultation_search_load_seconds {time.perf_counter() - began:.1f} s")

    from django.test import Client
    from django.urls import reverse

    from sam.consultation import selectors
    from sam.consultation.forms import SearchForm

    url = reverse("consultation:search", args=[tenant.pk])
    rng = random.Random(7)
    params = [search_params(rng) for _ in range(args.requests)]

    def page(browser, values, cpu=None):
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = browser.get(url, values)
        assert response.status_code == 200 and b"results-title" in response.content, response.status_code
        if cpu is not None:
            cpu.append((time.thread_time() - cpu_started) * 1000)
        return (time.perf_counter() - started) * 1000

    # Sequential: SAM page vs the same search sent directly with SAM's Vitam client.
    browser = Client()
    browser.force_login(archivist)
    page(browser, params[0])
    sam_times, direct_times, sam_cpu, direct_cpu = [], [], [], []
    for values in params[:100]:
        sam_times.append(page(browser, values, sam_cpu))
        form = SearchForm(values, agencies=())
        assert form.is_valid()
        query = selectors.search_query(form.criteria())  # exactly what the page asks Vitam
        started, cpu_started = time.perf_counter(), time.thread_time()
        client.search_units(query)
        direct_times.append((time.perf_counter() - started) * 1000)
        direct_cpu.append((time.thread_time() - cpu_started) * 1000)
    print(f"consultation_direct_client_p50 {statistics.median(direct_times):.1f} ms")
    print(f"consultation_sam_single_user_p50 {statistics.median(sam_times):.1f} ms")
    print(f"consultation_overhead_p50 {statistics.median(sam_times) - statistics.median(direct_times):.1f} ms")
    print(f"consultation_ratio_single_user {statistics.median(sam_times) / statistics.median(direct_times):.2f} x")
    # CPU time of the requesting thread (vitam-lite answers from its own threads): SAM's own work, whatever
    # the load other programs put on the machine.
    print(f"consultation_overhead_cpu_p50 {statistics.median(sam_cpu) - statistics.median(direct_cpu):.1f} ms")
    print(f"consultation_load_average {os.getloadavg()[0]:.1f} runnable")

    # Concurrent users: threads of this process, or spread over --processes worker processes (like the
    # WSGI server's workers in production), each user requesting pages one after the other.
    chunks = [params[index::args.users] for index in range(args.users)]
    if args.processes > 1:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        results, ready = context.Queue(), context.Barrier(args.processes + 1)
        env = {key: os.environ[key] for key in ("SAM_DATA_DIR", "SAM_VITAM_URL", "DJANGO_SETTINGS_MODULE",
                                                "SAM_DATABASE_URL") if key in os.environ}
        workers = [context.Process(target=_worker_process,
                                   args=(env, archivist.pk, url, chunks[index::args.processes], ready, results))
                   for index in range(args.processes)]
        for worker in workers:
            worker.start()
        ready.wait(timeout=300)
        started = time.perf_counter()
        timings, errors = [], []
        for _worker in workers:
            worker_timings, worker_errors = results.get(timeout=3600)
            timings.extend(worker_timings)
            errors.extend(worker_errors)
        for worker in workers:
            worker.join(timeout=60)
    else:
        started = time.perf_counter()
        timings, errors = _run_users(archivist, url, chunks)
    wall = time.perf_counter() - started
    if errors:
        print(f"consultation_search_errors {len(errors)} errors ({errors[0]})")
    print(f"consultation_search_concurrent_users {args.users} users")
    print(f"consultation_search_processes {args.processes} processes")
    print(f"consultation_search_p50 {statistics.median(timings):.1f} ms")
    print(f"consultation_search_p95 {percentile(timings, 0.95):.1f} ms")
    print(f"consultation_search_throughput {len(timings) / wall:.1f} pages/s")
    print(f"consultation_load_average {os.getloadavg()[0]:.1f} runnable")
    server.stop()


if __name__ == "__main__":
    main()
