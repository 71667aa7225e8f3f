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
                                    "EveryOriginatingAgency": True, "EveryDataObjectVersion": True}])
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
    raise AssertionError(kind)


# Endpoints taking these kinds (POST /units mass update, elimination, POST /units/rules) are not in vitam-lite yet.
LATER = {"update-mass", "batch-processing"}


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
    if kind in LATER:
        pytest.skip(f"{kind}: endpoint (mass update / elimination) belongs to a later issue")
    body = json.loads(path.read_text() or "null")
    with pytest.raises(VitamBadRequest) as raised:
        send(client, kind, body)
    assert (raised.value.status, raised.value.code) == (400, "000601")
    assert raised.value.message == "Dsl query is not valid."


@pytest.mark.corpus
@pytest.mark.parametrize(("kind", "path"), _cases(_corpus_dir(), "valid"))
def test_valid_dsl_passes_validation(client, kind, path):
    if kind in LATER:
        pytest.skip(f"{kind}: endpoint (mass update / elimination) belongs to a later issue")
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
