"""Vitam statuses map to typed exceptions carrying Vitam's envelope and the request id."""

import pytest

from sam.vitam import (
    Select,
    VitamBadRequest,
    VitamClient,
    VitamConflict,
    VitamContext,
    VitamError,
    VitamForbidden,
    VitamNotFound,
    VitamServerError,
    VitamUnauthorized,
    VitamUnavailable,
)

TENANT = 44


def client(tenant=TENANT, contract=None):
    return VitamClient(VitamContext(tenant=tenant, access_contract=contract))


@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, VitamBadRequest), (401, VitamUnauthorized), (403, VitamForbidden), (404, VitamNotFound),
     (409, VitamConflict), (412, VitamBadRequest), (500, VitamServerError), (502, VitamUnavailable),
     (503, VitamUnavailable), (504, VitamUnavailable), (460, VitamUnavailable), (418, VitamBadRequest)],
)
def test_each_status_maps_to_its_exception(vitam_url, faults, status, expected):
    faults(f"error:/admin-external/v1/rules={status}")
    with pytest.raises(expected) as raised:
        client().search_rules({"$query": {}, "$projection": {}})
    error = raised.value
    assert isinstance(error, VitamError)
    assert error.status == status
    assert error.code == "000000" and error.description.startswith("Injected fault")
    assert error.request_id and error.request_id in error.user_message()
    assert error.path == "/admin-external/v1/rules" and error.method == "GET"


def test_unknown_tenant_is_unauthorized_with_vitam_tenant_message(vitam_url):
    with pytest.raises(VitamUnauthorized) as raised:
        client(tenant=500).search_rules({"$query": {}, "$projection": {}})
    assert raised.value.description == "X-Tenant-Id check failed!"


def test_invalid_dsl_is_a_bad_request_000601(vitam_url):
    with pytest.raises(VitamBadRequest) as raised:
        client(contract="any").search_units({"$query": [], "$unknown": 1, "$projection": {}})
    # The contract check runs before the DSL check in Vitam's filter order.
    assert raised.value.status in (400, 401)
    with pytest.raises(VitamBadRequest) as raised:
        client().search_rules({"$query": {}})  # no $projection: mandatory
    assert (raised.value.status, raised.value.code) == (400, "000601")
    assert raised.value.message == "Dsl query is not valid."
    assert raised.value.description


def test_access_without_contract_is_unauthorized(vitam_url):
    with pytest.raises(VitamUnauthorized) as raised:
        client().search_units(Select().build())
    assert raised.value.status == 401 and raised.value.code


def test_unknown_operation_is_not_found(vitam_url):
    with pytest.raises(VitamNotFound) as raised:
        client().operation_status("aeeaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert raised.value.status == 204  # Vitam's AMER answers 204 on HEAD for an unknown id
    with pytest.raises(VitamNotFound):
        client().get_operation_detail("aeeaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")


def test_invalid_builder_use_fails_before_any_call():
    with pytest.raises(ValueError):
        Select().where({"$eq": {"Title": "x"}}).depth(2).build()  # depth on the first query needs roots
    with pytest.raises(ValueError):
        Select().offset(9990).limit(50).build()  # beyond Vitam's 10,000 result window
