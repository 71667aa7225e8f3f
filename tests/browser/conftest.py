"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Only here: the live server runs in a thread of this process while Playwright's sync API keeps an
event loop running, so Django's async-safety guard must be lifted for these tests.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "sam-demo-2026"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """One chromium with a new, empty profile for the session; each test gets fresh cookies."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (make test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900}, locale="fr-FR",
        )
        context.set_default_timeout(15_000)
        # Tests that need a second, separate session (its own cookies) launch another browser from it.
        context.playwright = playwright
        yield context
        context.close()


@pytest.fixture
def page(browser_context, request, live_server):
    browser_context.clear_cookies()
    page = browser_context.new_page()
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.console_errors = console_errors
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    page.close()


@pytest.fixture
def demo(transactional_db):
    """The demo data of `manage.py seed_demo` (organisations, tenants, users with the demo password)."""
    from django.core.management import call_command

    call_command("seed_demo", "--portal-only", stdout=open(os.devnull, "w"))


@pytest.fixture
def login(page, live_server):
    """Logs in through the real login page."""

    def log_in(username, password=DEMO_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        return page

    return log_in
