"""Suite-wide test set-up. Subdirectories keep their own fixtures in their own conftest.py."""

import subprocess
from pathlib import Path

import pytest


def pytest_configure(config):
    """Compile the French catalogue when it is missing or older than its .po (tests assert French text)."""
    po = Path(__file__).resolve().parents[1] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
        # Django (and gettext's own cache) may already hold the stale catalogue: forget it.
        import gettext

        from asgiref.local import Local
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None
        trans_real._active = Local()
        gettext._translations.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    """A transactional test ends with a flush (DELETE FROM on SQLite): the audit trail's trigger
    (tenants migration 0004) lets it through during teardown only."""
    from tenants.audit import audit_trail_flush

    with audit_trail_flush():
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    from django.core.cache import caches

    # Each test's database starts over (same primary keys again): what the shared cache keeps about rows goes too.
    caches["default"].clear()
    # Templates render {% static %} without a collectstatic manifest in tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The second factor is proved by tests/tenants/test_second_factor.py; elsewhere referents sign in with a password.
    settings.OTP_REQUIRED = False
    # Background tasks run at once, inside the test (tests/jobs proves the database queue and worker).
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "vitam"]}
    }


@pytest.fixture(scope="session")
def vitamlite_server(tmp_path_factory):
    """vitam-lite served over real HTTP on a loopback port for the whole session (fresh data dir)."""
    from vitamlite.server import start_in_thread

    # 0-99 for the client tests; 1000 and above for the portal tests, whose tests.factories.make_tenant
    # numbers every tenant uniquely in the session (500 stays unknown on purpose).
    server = start_in_thread(tmp_path_factory.mktemp("vitamlite"), host="127.0.0.1", port=0, tenants="0-99,1000-99999")
    yield server
    server.stop()


@pytest.fixture
def vitam_url(vitamlite_server, settings):
    """Points SAM's Vitam client at the vitam-lite HTTP server for this test."""
    settings.VITAM = {**settings.VITAM, "URL": vitamlite_server.base_url, "INGEST_URL": vitamlite_server.base_url}
    return vitamlite_server.base_url


REPO_ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def vitam_reference():
    """Vitam's own test files (../shared/vitam-reference beside the repository): the conformance corpus."""
    path = (REPO_ROOT / ".." / "shared" / "vitam-reference").resolve()
    if not path.is_dir():
        pytest.fail(f"conformance corpus not found at {path}: clone the repository beside shared/")
    return path


# --- tenants world (T1) ---------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """Two communes A and B, departmental archives controlling A, one user per role: tests/factories.py."""
    from tests.factories import make_world

    return make_world()


@pytest.fixture
def vitam_world(world, vitam_url):
    """The world, with both communes' tenants set up in vitam-lite like the demo: services (agencies),
    the common rules nomenclature (sam/site/demo_data), ingest/access/researcher contracts.
    Adds world.extra["rule_types"] = {RuleId: RuleType}."""
    from sam.site.demo import ensure_contracts, ensure_referentials
    from tenants.vitam_clients import ADMIN, vitam_client

    for tenant in (world.tenant_a, world.tenant_b):
        client = vitam_client(tenant, contract=ADMIN)
        world.extra["rule_types"] = ensure_referentials(client, tenant.organisation, say=lambda *_: None)
        ensure_contracts(client, tenant, say=lambda *_: None)
    return world
