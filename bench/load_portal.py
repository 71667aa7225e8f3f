"""SAM served as in production, driven over HTTP by simulated archivists.

gunicorn with deploy/gunicorn.conf.py (2 sync workers), SAM_DEBUG=false with the production variables of
tests/deploy/test_production_boot.py, PostgreSQL, SAM_EMBEDDED_VITAM=true with vitam-lite as its own
`manage.py vitamlite` process, the demo data (`manage.py seed_demo`). Plain HTTP on loopback: in production
nginx terminates TLS in front of gunicorn.

The load generator is a bounded client of our own (threads + requests, one session per archivist signed in
through the login form): each archivist opens the main pages in turn (search, unit, tree, deposit list,
elimination proposals, journal) with a think time, until the phase's time or request budget runs out.
Phases: 10 archivists with think time, 50 with think time, 10 with none.

SAM's CPU per page: its p50 from the Server-Timing header each answer carries (SAM_SERVER_TIMING=true: the
request's thread CPU time in the worker), and the mean read from /proc of the gunicorn workers (utime + stime)
around a sequential pass on each page (clock ticks: 10 ms resolution, hence the header). Both count only SAM's
own work (vitam-lite and PostgreSQL are other processes); sign-ins are never counted.
The direct Vitam call is the search page's query sent with SAM's Vitam client from this process.

Usage (needs the PostgreSQL of scripts/with-postgres.sh):
  PG_BIN=/usr/lib/postgresql/15/bin scripts/with-postgres.sh .venv/bin/python bench/load_portal.py \
      [--seconds 60] [--max-requests 3000] [--think 5] [--single 40]
Prints `name value unit` lines. Goals: load_search_sam_cpu_p50 <= 10 ms; load_search_ratio_single_user <= 1.3;
load_u10_nothink_p95 <= 300 ms; load_u50_think5_p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GUNICORN = Path(sys.executable).parent / "gunicorn"
DEMO_USER, DEMO_PASSWORD = "archiviste.cergy", "sam-demo-2026"
CERGY_VITAM_TENANT = 2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SEARCH_WORDS = ["délibérations", "registre", "permis", "état civil", "écoles", "budget", "voirie", "conseil"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Platform:
    """vitam-lite and gunicorn, each stopped by its own process id."""

    def __init__(self, work: Path, database_url: str):
        self.work = work
        self.web_port, vitam_port = _free_port(), _free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("SAM_") and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
        self.env.update({
            "DJANGO_SETTINGS_MODULE": "sam.settings", "SAM_DEBUG": "false", "SAM_HTTPS": "false",
            "SAM_SECRET_KEY": secrets.token_urlsafe(64), "SAM_ALLOWED_HOSTS": "127.0.0.1",
            "SAM_DATA_DIR": str(work / "data"), "SAM_STATIC_ROOT": str(work / "static"),
            "SAM_DATABASE_URL": database_url, "SAM_EMBEDDED_VITAM": "true",
            "SAM_VITAM_URL": f"http://127.0.0.1:{vitam_port}", "SAM_VITAMLITE_DATA_DIR": str(work / "vitamlite"),
            "SAM_LOG_LEVEL": "WARNING", "SAM_BIND": f"127.0.0.1:{self.web_port}", "SAM_WEB_WORKERS": "2",
            "SAM_SERVER_TIMING": "true",  # each answer says SAM's CPU time on it (sam.site.middleware)
        })
        self.processes = []
        try:
            self._boot()
        except BaseException:
            self.stop()
            raise

    def _boot(self):
        vitam_port = self.env["SAM_VITAM_URL"].rsplit(":", 1)[1]
        self.vitamlite = self._start("vitamlite", [sys.executable, "manage.py", "vitamlite", "--port", vitam_port,
                                                   "--data-dir", self.env["SAM_VITAMLITE_DATA_DIR"]],
                                     stdout=subprocess.PIPE)
        announced = self.vitamlite.stdout.readline().strip()
        assert announced == self.env["SAM_VITAM_URL"], (announced, self._log("vitamlite"))
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["seed_demo"]):
            result = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=self.env,
                                    capture_output=True, text=True, timeout=600)
            assert result.returncode == 0, (command, result.stderr[-3000:])
        self.web = self._start("web", [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "sam.wsgi:application"])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                assert self.web.poll() is None, self._log("web")
            time.sleep(0.3)
        else:
            raise AssertionError(f"gunicorn not healthy within 120 s: {self._log('web')}")

    def _start(self, name, command, **kwargs):
        log = open(self.work / f"{name}.log", "w")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stderr=log, stdout=kwargs.pop("stdout", log),
                                   text=True)
        self.processes.append(process)
        return process

    def _log(self, name):
        return (self.work / f"{name}.log").read_text(errors="replace")[-3000:]

    def worker_pids(self):
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def workers_cpu_seconds(self) -> float:
        total = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
        return total / CLOCK_TICKS

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sign_in(base) -> requests.Session:
    browser = requests.Session()
    browser.trust_env = False  # loopback only: no proxy from the environment
    page = browser.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = browser.post(f"{base}/accounts/login/", timeout=10, allow_redirects=False, data={
        "csrfmiddlewaretoken": token, "username": DEMO_USER, "password": DEMO_PASSWORD})
    assert answer.status_code == 302, answer.text[-2000:]
    return browser


def page_urls(base, browser, tenant_pk):
    """Each page's URL maker: (name, function(rng) -> (path, params))."""
    search = f"/t/{tenant_pk}/search/"
    units = set()
    for word in SEARCH_WORDS:
        listing = browser.get(base + search, params={"q": word}, timeout=30)
        assert listing.status_code == 200, listing.status_code
        units.update(re.findall(rf'/t/{tenant_pk}/units/([^/"?]+)/"', listing.text))
    units = sorted(units)
    assert units, "the demo search pages show no unit"
    return [
        ("search", lambda rng: (search, {"q": rng.choice(SEARCH_WORDS)})),
        ("unit", lambda rng: (f"/t/{tenant_pk}/units/{rng.choice(units)}/", None)),
        ("tree", lambda rng: (f"/t/{tenant_pk}/trees/", None)),
        ("deposit_list", lambda rng: (f"/t/{tenant_pk}/deposits/", None)),
        ("proposal_list", lambda rng: (f"/t/{tenant_pk}/elimination/", None)),
        ("journal", lambda rng: (f"/t/{tenant_pk}/journal/", None)),
    ]


SERVER_CPU = re.compile(r"cpu;dur=([0-9.]+)")


def fetch(base, browser, maker, rng):
    """(response time, SAM's CPU time on the request from its Server-Timing header), in ms."""
    path, params = maker(rng)
    started = time.perf_counter()
    answer = browser.get(base + path, params=params, timeout=30, allow_redirects=False)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise AssertionError(f"{path}: {answer.status_code}")
    return elapsed, float(SERVER_CPU.search(answer.headers["Server-Timing"]).group(1))


def run_phase(base, pages, browsers, think, seconds, max_requests):
    """`users` archivists in threads, each opening the pages in turn with think time in [0.5, 1.5] x think."""
    timings = {name: [] for name, _ in pages}
    cpu = {name: [] for name, _ in pages}
    errors, lock = [], threading.Lock()
    stop_at = time.monotonic() + seconds
    budget = [max_requests]
    users = len(browsers)

    def archivist(index):
        rng = random.Random(index)
        position = rng.randrange(len(pages))
        time.sleep(rng.uniform(0, think))  # arrivals spread like a morning, not all at the same instant
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            name, maker = pages[position % len(pages)]
            position += 1
            try:
                elapsed, cpu_ms = fetch(base, browsers[index], maker, rng)
                with lock:
                    timings[name].append(elapsed)
                    cpu[name].append(cpu_ms)
            except Exception as exc:  # counted and reported
                with lock:
                    errors.append(f"{name}: {exc}")
            if think:
                time.sleep(rng.uniform(0.5, 1.5) * think)

    started = time.perf_counter()
    threads = [threading.Thread(target=archivist, args=(index,)) for index in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, cpu, errors, time.perf_counter() - started


def direct_search_times(env, tenant_vitam_id, count, rng):
    """The search page's query sent with SAM's Vitam client from this process (the call SAM wraps)."""
    os.environ.update(env)
    import django

    django.setup()
    from sam.consultation import selectors
    from sam.consultation.forms import SearchForm
    from tenants.models import Tenant
    from tenants.vitam_clients import vitam_client

    tenant = Tenant.objects.get(vitam_id=tenant_vitam_id)
    client = vitam_client(tenant)
    times = []
    for _ in range(count):
        form = SearchForm({"q": rng.choice(SEARCH_WORDS)}, agencies=())
        assert form.is_valid(), form.errors
        criteria = form.criteria()
        query = selectors.search_query(criteria)  # exactly what the search page asks Vitam
        started = time.perf_counter()
        client.search_units(query)
        times.append((time.perf_counter() - started) * 1000)
    return times, tenant.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of each concurrent phase")
    parser.add_argument("--max-requests", type=int, default=3000, help="request budget of each concurrent phase")
    parser.add_argument("--think", type=float, default=5, help="mean think time of the archivists (s)")
    parser.add_argument("--single", type=int, default=40, help="sequential requests per page (single user)")
    args = parser.parse_args()
    database_url = os.environ.get("SAM_DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("load_portal needs PostgreSQL: run it under scripts/with-postgres.sh")

    work = Path(tempfile.mkdtemp(prefix="sam-bench-load-"))
    began = time.perf_counter()
    platform = Platform(work, database_url)
    try:
        print(f"load_boot_seconds {time.perf_counter() - began:.1f} s")
        rng = random.Random(2026)
        direct, tenant_pk = direct_search_times(platform.env, CERGY_VITAM_TENANT, args.single, rng)
        browser = sign_in(platform.base)
        pages = page_urls(platform.base, browser, tenant_pk)
        for name, maker in pages:  # warm both workers: imports, templates, connections
            for _ in range(4):
                fetch(platform.base, browser, maker, rng)

        # Single user, one page after the other: latency and SAM's CPU per page.
        for name, maker in pages:
            cpu_before = platform.workers_cpu_seconds()
            answers = [fetch(platform.base, browser, maker, rng) for _ in range(args.single)]
            cpu_ms = (platform.workers_cpu_seconds() - cpu_before) * 1000 / args.single
            times = [elapsed for elapsed, _cpu in answers]
            print(f"load_{name}_single_user_p50 {statistics.median(times):.1f} ms")
            print(f"load_{name}_sam_cpu_p50 {statistics.median(cpu for _elapsed, cpu in answers):.1f} ms")
            print(f"load_{name}_sam_cpu_mean {cpu_ms:.1f} ms")
            if name == "search":
                search_p50 = statistics.median(times)
        print(f"load_search_direct_vitam_p50 {statistics.median(direct):.1f} ms")
        print(f"load_search_ratio_single_user {search_p50 / statistics.median(direct):.2f} x")

        for users, think in ((10, args.think), (50, args.think), (10, 0)):
            label = f"u{users}_{'think' + format(think, 'g') if think else 'nothink'}"
            browsers = [sign_in(platform.base) for _ in range(users)]  # password hashing: outside the CPU count
            cpu_before = platform.workers_cpu_seconds()
            timings, cpu, errors, wall = run_phase(platform.base, pages, browsers, think, args.seconds,
                                                   args.max_requests)
            cpu_seconds = platform.workers_cpu_seconds() - cpu_before
            every = [value for values in timings.values() for value in values]
            for name, values in timings.items():
                if values:
                    print(f"load_{label}_{name}_p50 {statistics.median(values):.1f} ms")
                    print(f"load_{label}_{name}_p95 {percentile(values, 0.95):.1f} ms")
                    print(f"load_{label}_{name}_throughput {len(values) / wall:.2f} pages/s")
                    print(f"load_{label}_{name}_sam_cpu_p50 {statistics.median(cpu[name]):.1f} ms")
            print(f"load_{label}_p50 {statistics.median(every):.1f} ms")
            print(f"load_{label}_p95 {percentile(every, 0.95):.1f} ms")
            print(f"load_{label}_throughput {len(every) / wall:.1f} pages/s")
            print(f"load_{label}_sam_cpu_mean {cpu_seconds * 1000 / len(every):.1f} ms")
            print(f"load_{label}_errors {len(errors)} errors" + (f" ({errors[0]})" if errors else ""))
        print(f"load_load_average {os.getloadavg()[0]:.1f} runnable")
    finally:
        platform.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
