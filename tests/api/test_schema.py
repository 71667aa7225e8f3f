"""The OpenAPI schema at /api/v1/schema/ describes every endpoint the URLconf serves under /api/v1/.

The URL patterns are walked independently of drf-spectacular, so an endpoint the schema generator skips or
describes without an answer body fails here, naming the path and method.
"""

import re
from collections import Counter

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

API_PREFIX = "api/v1/"
NOT_DESCRIBED = {"api/v1/schema/"}  # the schema itself
IGNORED_METHODS = {"options", "head"}  # DRF answers them for every view; not part of the contract


def _route_template(pattern) -> str:
    """A Django route or regex as an OpenAPI path template: '<int:tenant_pk>' and '(?P<tenant_pk>...)' → '{tenant_pk}'."""
    text = str(pattern).lstrip("^").rstrip("$")
    out, i = [], 0
    while i < len(text):
        if text.startswith("(?P<", i):
            name_end = text.index(">", i)
            name = text[i + 4:name_end]
            depth, j = 1, name_end + 1
            while depth:
                if text[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            out.append("{" + name + "}")
            i = j
        else:
            out.append(text[i])
            i += 1
    return re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"{\1}", "".join(out))


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + _route_template(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _served_methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)  # viewsets: the router's method → action map
    if actions:
        return set(actions) - IGNORED_METHODS
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return {method for method in view.http_method_names if hasattr(view, method)} - IGNORED_METHODS


def api_endpoints() -> dict[str, set[str]]:
    """{OpenAPI path: methods} of every URL pattern under /api/v1/."""
    endpoints = {}
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX) or route in NOT_DESCRIBED or "{format}" in route:
            continue
        if settings.SPECTACULAR_SETTINGS.get("SCHEMA_COERCE_PATH_PK", True):
            route = route.replace("{pk}", "{id}")
        endpoints.setdefault("/" + route, set()).update(_served_methods(callback))
    return endpoints


def test_route_templates_follow_openapi_naming():
    assert _route_template("tenants/<int:tenant_pk>/units/<consultation_vitam_id:unit_id>/") == \
        "tenants/{tenant_pk}/units/{unit_id}/"
    assert _route_template(r"^tenants/(?P<tenant_pk>[0-9]+)/profiles/(?P<identifier>[A-Za-z0-9][A-Za-z0-9_.\-]*)/file/$") \
        == "tenants/{tenant_pk}/profiles/{identifier}/file/"
    assert _route_template(r"^x/(?P<a>(ab|c\))+)/$") == "x/{a}/"


@pytest.fixture
def schema(world):
    api = APIClient()
    api.force_authenticate(world.archivist_a)
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    return response.json()


def _has_body_schema(response: dict) -> bool:
    return any("schema" in media for media in (response.get("content") or {}).values())


def test_every_api_endpoint_is_in_the_schema_with_its_answers(schema):
    endpoints = api_endpoints()
    # Every app's API is there (a change in the URL walk that finds nothing must not pass silently).
    for expected in ("/api/v1/organisations/", "/api/v1/tenants/{tenant_pk}/deposits/",
                     "/api/v1/tenants/{tenant_pk}/units/{unit_id}/", "/api/v1/tenants/{tenant_pk}/rules/",
                     "/api/v1/tenants/{tenant_pk}/ingest-contracts/{identifier}/",
                     "/api/v1/tenants/{tenant_pk}/trees/drafts/{id}/nodes/{node_pk}/",
                     "/api/v1/tenants/{tenant_pk}/elimination-proposals/{id}/decide/"):
        assert expected in endpoints, sorted(endpoints)
    missing, undescribed = [], []
    for path, methods in sorted(endpoints.items()):
        described = schema["paths"].get(path, {})
        for method in sorted(methods):
            operation = described.get(method)
            if operation is None:
                missing.append(f"{method.upper()} {path}")
                continue
            answers = operation["responses"]
            successes = {code: answer for code, answer in answers.items() if code.startswith("2")}
            # A success with a body must say what the body is; only 204 may be empty.
            if not successes or not all(_has_body_schema(answer) or code == "204"
                                        for code, answer in successes.items()):
                undescribed.append(f"{method.upper()} {path}: {sorted(answers)}")
    assert missing == [], "endpoints absent from the schema:\n" + "\n".join(missing)
    assert undescribed == [], "operations whose answer has no schema:\n" + "\n".join(undescribed)
    # Nothing in the schema that the URLconf does not serve (stale or mis-named path templates).
    assert set(schema["paths"]) <= set(endpoints), sorted(set(schema["paths"]) - set(endpoints))


def test_operation_ids_are_distinct_and_path_parameters_declared(schema):
    operations = [(path, method, operation) for path, item in schema["paths"].items()
                  for method, operation in item.items() if method in {"get", "post", "put", "patch", "delete"}]
    counts = Counter(operation["operationId"] for _path, _method, operation in operations)
    assert [name for name, count in counts.items() if count > 1] == []
    for path, method, operation in operations:
        in_path = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == in_path, (method, path, declared)


def test_uploads_and_downloads_are_described_as_files(schema):
    paths = schema["paths"]
    deposit = paths["/api/v1/tenants/{tenant_pk}/deposits/"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/zip"} <= set(deposit)
    assert deposit["application/zip"]["schema"] == {"type": "string", "format": "binary"}
    atr = paths["/api/v1/tenants/{tenant_pk}/deposits/{id}/atr/"]["get"]["responses"]["200"]["content"]
    assert atr == {"application/xml": {"schema": {"type": "string", "format": "binary"}}}
    certificate = paths["/api/v1/tenants/{tenant_pk}/elimination-proposals/{id}/certificate/"]["get"]
    assert set(certificate["responses"]["200"]["content"]) == {"application/pdf"}
