"""Vitam's DSL validator cases sent through SAM's client to the endpoint that takes that kind of
query: invalid ones must come back 400 000601, valid ones must pass validation."""

import json

import pytest

from sam.vitam import VitamBadRequest, VitamNotFound
from tests.conformance.conftest import CorpusServer

UNKNOWN_UNIT = "aeaqaaaaaagdmvr3abnwoak7fzjq75qaaaca"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    server = CorpusServer(tmp_path_factory.mktemp("conformance-dsl"))
    admin = server.client()
    admin.import_access_contracts([{"Identifier": "everything", "Name": "everything", "Status": "ACTIVE",
                                    "EveryOriginatingAgency": True, "EveryDataObjectVersion": True,
                                    "WritingPermission": True}])
    yield server.client(contract="everything")
    server.stop()


def send(client, kind, body):
    if kind == "select-multiple":
        return client.search_units(body)
    if kind == "select-single":
        return client.search_rules(body)
    if kind == "get-by-id":
        return client.get_unit(UNKNOWN_UNIT, query=body)
    if kind == "update-by-id":
        return client.update_access_contract("everything", query=body)
    if kind == "update-mass":
        return client.mass_update_units(body)
    if kind == "batch-processing":
        return client.elimination_analysis(body, "2018-01-23")
    raise AssertionError(kind)


# Access-external checks the dslRequest of an elimination itself and answers 412 in its getErrorEntity form
# (AER startEliminationAnalysis, vitam-api.md §4.3), not the DSL filter's 400 000601.
PRECONDITION_KINDS = {"batch-processing"}


def _cases(vitam_reference_dir, validity):
    cases = []
    for path in sorted((vitam_reference_dir / "dsl" / validity).glob("*/*.json")):
        cases.append(pytest.param(path.parent.name, path, id=f"{path.parent.name}/{path.name}"))
    return cases


def _corpus_dir():
    from tests.conftest import REPO_ROOT

    return (REPO_ROOT / ".." / "shared" / "vitam-reference").resolve()


@pytest.mark.corpus
@pytest.mark.parametrize(("kind", "path"), _cases(_corpus_dir(), "invalid"))
def test_invalid_dsl_is_rejected_with_000601(client, kind, path):
    body = json.loads(path.read_text() or "null")
    with pytest.raises(VitamBadRequest) as raised:
        send(client, kind, body)
    if kind in PRECONDITION_KINDS:
        assert (raised.value.status, raised.value.code) == (412, "PRECONDITION_FAILED")
        return
    assert (raised.value.status, raised.value.code) == (400, "000601")
    assert raised.value.message == "Dsl query is not valid."


@pytest.mark.corpus
@pytest.mark.parametrize(("kind", "path"), _cases(_corpus_dir(), "valid"))
def test_valid_dsl_passes_validation(client, kind, path):
    body = json.loads(path.read_text())
    try:
        response = send(client, kind, body)
    except VitamNotFound:
        assert kind in ("get-by-id",), "only the unknown unit of GET /units/{id} may be missing"
        return
    except VitamBadRequest as error:
        # Valid DSL, refused for what it asks (e.g. an update of a field the contract does not have).
        assert error.code != "000601", error.description
        return
    if kind in ("select-multiple", "select-single"):
        assert response.hits.get("total", 0) == 0 and response.context == body
    if kind in ("update-mass", "batch-processing"):
        # Accepted: the operation started (it finds nothing to change in this empty tenant).
        assert isinstance(response, str) and len(response) == 36
        assert client.wait_for_operation(response, timeout=60, poll_interval=0.05).status in ("OK", "WARNING")
