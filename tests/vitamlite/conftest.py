"""Fixtures for vitam-lite tests: a fresh in-thread server per test module and a tiny HTTP helper."""

import pytest
import requests

from vitamlite.server import start_in_thread


class Http:
    """requests bound to a vitam-lite base URL with default Vitam headers (tenant, contract)."""

    def __init__(self, base_url: str, tenant: int | None = 0, contract: str | None = None):
        self.base_url = base_url
        self.tenant = tenant
        self.contract = contract
        self.session = requests.Session()

    def headers(self, extra=None, *, tenant="default", contract="default"):
        headers = {}
        tenant = self.tenant if tenant == "default" else tenant
        contract = self.contract if contract == "default" else contract
        if tenant is not None:
            headers["X-Tenant-Id"] = str(tenant)
        if contract is not None:
            headers["X-Access-Contract-Id"] = contract
        headers.update(extra or {})
        return headers

    def request(self, method, path, *, headers=None, tenant="default", contract="default", timeout=30, **kwargs):
        return self.session.request(
            method, self.base_url + path, headers=self.headers(headers, tenant=tenant, contract=contract),
            timeout=timeout, **kwargs,
        )

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def head(self, path, **kwargs):
        return self.request("HEAD", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def with_(self, *, tenant="default", contract="default") -> "Http":
        """A helper on the same server for another tenant and/or contract."""
        return Http(
            self.base_url,
            self.tenant if tenant == "default" else tenant,
            self.contract if contract == "default" else contract,
        )


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    """A fresh vitam-lite server (temp data dir, tenants 0-9, admin tenant 1) for the test module."""
    server = start_in_thread(tmp_path_factory.mktemp("vitamlite-data"), host="127.0.0.1", port=0, tenants="0-9")
    yield server
    server.set_faults("")
    server.stop()


@pytest.fixture
def http(lite):
    """HTTP helper on `lite` for tenant 0 without contract; use http.with_(tenant=..., contract=...)."""
    return Http(lite.base_url)
