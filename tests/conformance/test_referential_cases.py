"""Rules and agencies CSVs of the corpus through SAM's client: check reports (200 valid / 400
with per-line codes), imports (201 / 400), Vitam's expected reports, and the refusal to delete
a rule used by a unit. Also the baseline fixtures themselves."""

import json

import pytest

from sam.lib.seda.sip import SipPackage, SipRule, SipUnit, write_sip
from sam.vitam import SelectSingle, VitamBadRequest, eq
from tests.conformance.conftest import CorpusServer

RULES = "referentials/rules"
AGENCIES = "referentials/agencies"


@pytest.fixture(scope="module")
def corpus_server(tmp_path_factory):
    server = CorpusServer(tmp_path_factory.mktemp("conformance-referentials"), tenants="0-199")
    yield server
    server.stop()


_tenants = iter(range(10, 200))


@pytest.fixture
def client(corpus_server):
    """A client on a tenant no other case of this module touched (imports replace a whole referential)."""
    tenant = next(_tenants)
    # An access contract lets the case read its own logbook operations (access-external needs one).
    corpus_server.client(tenant=tenant).import_access_contracts([
        {"Identifier": "everything", "Name": "everything", "Status": "ACTIVE", "EveryOriginatingAgency": True,
         "EveryDataObjectVersion": True}])
    return corpus_server.client(tenant=tenant, contract="everything")


VALID_RULES = ["jeu_donnees_OK_regles_CSV.csv", "jeu_donnees_OK_regles_CSV_15000Jours.csv",
               "jeu_donnees_OK_regles_CSV_core-25-rules.csv", "jeu_donnees_OK_regles_CSV_delete_rule.csv",
               "jeu_donnees_OK_regles_CSV_unLimiTEd.csv"]

# file → {"line N": [(code, information)...]} as the README states them (first codes of the line).
INVALID_RULES = {
    "jeu_donnees_KO_regles_CSV_90000_YEAR.csv": {"line 2": [("STP_IMPORT_RULES_WRONG_TOTALDURATION.KO", "90000 YEAR")]},
    "jeu_donnees_KO_regles_CSV_AnarchyRule.csv": {"line 2": [("STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW.KO", "AnarchyRule")]},
    "jeu_donnees_KO_regles_CSV_Decade_Measure.csv": {"line 2": [("STP_IMPORT_RULES_WRONG_RULEMEASUREMENT.KO", "DECADE")]},
    "jeu_donnees_KO_regles_CSV_DuplicatedReference.csv": {"line 3": [("STP_IMPORT_RULES_RULEID_DUPLICATION.KO", "APP-00001")]},
    "jeu_donnees_KO_regles_CSV_HoldRuleWithDurationAndNoMeasure.csv": {"line 2": [("STP_IMPORT_RULES_NOT_CSV_FORMAT.KO", "RuleMeasurement")]},
    "jeu_donnees_KO_regles_CSV_HoldRuleWithMeasureAndNoDuration.csv": {"line 2": [("STP_IMPORT_RULES_NOT_CSV_FORMAT.KO", "RuleDuration")]},
    "jeu_donnees_KO_regles_CSV_Negative_Duration.csv": {"line 2": [("STP_IMPORT_RULES_WRONG_RULEDURATION.KO", "-80")]},
    "jeu_donnees_KO_regles_CSV_ReferenceWithWrongComma.csv": {},
    "jeu_donnees_KO_regles_CSV_UNKNOWN_Duration.csv": {"line 2": [("STP_IMPORT_RULES_WRONG_RULEDURATION.KO", "UNKNOWN"),
                                                                   ("STP_IMPORT_RULES_WRONG_TOTALDURATION.KO", "UNKNOWN YEAR")]},
    "jeu_donnees_KO_regles_CSV_WrongRuleType.csv": {"line 2": [("STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW.KO", "aPPraisalRule")],
                                                     "line 3": [("STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW.KO", "holdRule")]},
    "jeu_donnees_KO_regles_CSV_empty_line.csv": {"line 7": [("STP_IMPORT_RULES_NOT_CSV_FORMAT.KO", None)]},
    "jeu_donnees_KO_regles_CSV_latin1-encoding.csv": {},
    "jeu_donnees_KO_regles_CSV_missing_column.csv": {"line 2": [("STP_IMPORT_RULES_NOT_CSV_FORMAT.KO", "RuleType")]},
}

EXPECTED_REPORTS = {
    "error_report_9000_years.json": "jeu_donnees_KO_regles_CSV_90000_YEAR.csv",
    "error_report_anarchy_rules.json": "jeu_donnees_KO_regles_CSV_AnarchyRule.csv",
    "error_report_content.json": "jeu_donnees_KO_regles_CSV_DuplicatedReference.csv",
    "error_report_decade_measure.json": "jeu_donnees_KO_regles_CSV_Decade_Measure.csv",
    "error_report_negative_duration.json": "jeu_donnees_KO_regles_CSV_Negative_Duration.csv",
    "error_report_unknow_duration.json": "jeu_donnees_KO_regles_CSV_UNKNOWN_Duration.csv",
}


def _rule_count(path):
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


@pytest.mark.corpus
@pytest.mark.parametrize("name", VALID_RULES)
def test_valid_rules_csv(client, vitam_reference, name):
    path = vitam_reference / RULES / "valid" / name
    report = client.check_rules(path, name)
    assert report.valid and report.http_code == 200
    assert not report.line_errors()
    operation_id = client.import_rules(path, name)
    assert operation_id
    assert client.search_rules(SelectSingle().limit(1000)).total == _rule_count(path)
    assert client.get_operation(operation_id)["events"][-1]["outcome"] == "OK"


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(INVALID_RULES))
def test_invalid_rules_csv(client, vitam_reference, name):
    path = vitam_reference / RULES / "invalid" / name
    report = client.check_rules(path, name)
    assert not report.valid and report.http_code == 400
    errors = report.line_errors()
    for line, expected in INVALID_RULES[name].items():
        got = [(e.get("Code"), e.get("Information additionnelle")) for e in errors.get(line, [])]
        for index, (code, info) in enumerate(expected):
            assert got[index][0] == code, (line, got)
            if info is not None:
                assert got[index][1] == info, (line, got)
    if name.endswith("missing_column.csv"):
        assert errors and all(e[0]["Code"] == "STP_IMPORT_RULES_NOT_CSV_FORMAT.KO" for e in errors.values())
    if name.endswith("WrongComma.csv"):
        assert report.report["Operation"]["outMessg"] == "Échec du processus d'import du référentiel des règles de gestion"
    with pytest.raises(VitamBadRequest) as raised:
        client.import_rules(path, name)
    assert raised.value.code == "020120"
    assert client.search_rules(SelectSingle()).total == 0  # nothing half-written
    if name.endswith("latin1-encoding.csv"):
        operation = client.get_operation(raised.value.request_id)
        details = [e["outDetail"] for e in operation["events"]]
        assert "CHECK_RULES.INVALID_CSV_ENCODING_NOT_UTF_EIGHT.KO" in details
        assert details[-1] == "STP_IMPORT_RULES.KO"
    else:
        # The import's report is kept under the operation id Vitam returned with the refusal.
        assert client.rules_report(raised.value.request_id).get("error", {}) == errors


@pytest.mark.corpus
@pytest.mark.parametrize("report_name", sorted(EXPECTED_REPORTS))
def test_rules_check_report_matches_vitam(client, vitam_reference, report_name):
    expected = json.loads((vitam_reference / RULES / "expected-reports" / report_name).read_text())
    report = client.check_rules(vitam_reference / RULES / "invalid" / EXPECTED_REPORTS[report_name]).report
    assert report["Operation"]["evType"] == expected["Operation"]["evType"]
    # Vitam's tests compare the Code of the first error of each line.
    assert {line: errs[0]["Code"] for line, errs in report["error"].items()} == \
           {line: errs[0]["Code"] for line, errs in expected["error"].items()}
    for key in ("insertedRules", "updatedRules", "deletedRules", "usedFileRulesToDelete", "usedFileRulesToUpdate",
                "usedRulesWithDurationModeUpdate"):
        assert key in report


@pytest.mark.corpus
def test_deleting_a_rule_used_by_a_unit_is_refused(corpus_server, vitam_reference, tmp_path):
    client = corpus_server.client(tenant=9, contract="everything")
    client.import_access_contracts([{"Identifier": "everything", "Name": "everything", "Status": "ACTIVE",
                                     "EveryOriginatingAgency": True, "EveryDataObjectVersion": True}])
    fixtures = vitam_reference / "referentials/fixtures"
    client.import_agencies(fixtures / "agencies_fixture.csv", "agencies.csv")
    client.import_rules(vitam_reference / RULES / "valid/jeu_donnees_OK_regles_CSV_core-25-rules.csv", "core.csv")
    client.import_ingest_contracts([{"Identifier": "IC-SAM", "Name": "IC-SAM", "Status": "ACTIVE"}])
    sip = write_sip(SipPackage(
        message_identifier="uses-ACC-00007", archival_agency="Vitam", transferring_agency="Vitam",
        originating_agency="RATP", archival_agreement="IC-SAM",
        units=[SipUnit(title="Unité soumise à ACC-00007", rules=[SipRule("AccessRule", "ACC-00007")])],
    ), tmp_path / "sip.zip")
    status = client.wait_for_operation(client.ingest(sip.path), timeout=60, poll_interval=0.1)
    assert status.is_ok

    delete_rule = vitam_reference / RULES / "valid/jeu_donnees_OK_regles_CSV_delete_rule.csv"
    with pytest.raises(VitamBadRequest) as raised:
        client.import_rules(delete_rule, "delete_rule.csv")
    report = client.rules_report(raised.value.request_id)
    assert "ACC-00007" in json.dumps(report["usedFileRulesToDelete"])
    operation = client.get_operation(raised.value.request_id)
    assert any(e["outDetail"].startswith("CHECK_RULES") and e["outcome"] == "KO" for e in operation["events"])
    assert client.get_rule("ACC-00007")["RuleId"] == "ACC-00007"  # still there


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "valid", "expected_code"), [
    ("agencies_OK_76.csv", True, None),
    ("agencies_OK_duplicate_names.csv", True, None),
    ("agencies_KO_duplicate_identifier.csv", False, "STP_IMPORT_AGENCIES_ID_DUPLICATION"),
    ("agencies_KO_empty_line.csv", False, None),
])
def test_agencies_csv(client, vitam_reference, name, valid, expected_code):
    path = vitam_reference / AGENCIES / name
    check = client.check_agencies(path, name)
    assert check.valid is valid
    if expected_code:
        assert expected_code in json.dumps(check.report)
    if valid:
        client.import_agencies(path, name)
        import csv

        with open(path, encoding="utf-8", newline="") as handle:
            identifiers = {row["Identifier"] for row in csv.DictReader(handle)}
        found = client.search_agencies(SelectSingle().limit(1000).fields("Identifier"))
        assert {a["Identifier"] for a in found.results} == identifiers
        some = sorted(identifiers)[0]
        assert client.get_agency(some)["Identifier"] == some
    else:
        with pytest.raises(VitamBadRequest):
            client.import_agencies(path, name)
        assert client.search_agencies(SelectSingle()).total == 0


@pytest.mark.corpus
def test_ingest_contracts_fixture_imports_as_a_whole(client, vitam_reference):
    fixtures = vitam_reference / "referentials/fixtures"
    client.import_agencies(fixtures / "agencies_fixture.csv", "agencies.csv")
    # IC_WITH_PROFILE names PR-000001: Vitam refuses an ingest contract naming an unknown profile.
    client.create_profiles([{"Identifier": "PR-000001", "Name": "Profil", "Format": "RNG"}])
    contracts = json.loads((fixtures / "referential_contracts_ok.json").read_text())
    client.import_ingest_contracts(contracts)
    found = client.search_ingest_contracts(SelectSingle().limit(100))
    assert {c["Identifier"] for c in found.results} == {c["Identifier"] for c in contracts}


@pytest.mark.corpus
def test_access_contracts_and_profiles_fixtures_import(corpus_server, client, vitam_reference):
    fixtures = vitam_reference / "referentials/fixtures"
    client.import_agencies(fixtures / "agencies_fixture.csv", "agencies.csv")
    contracts = json.loads((fixtures / "access_contracts.json").read_text())
    client.import_access_contracts(contracts)  # full replacement of the tenant's access contracts
    assert client.get_access_contract("contract_rule")["RuleCategoryToFilter"] == ["HoldRule"]
    active = client.search_access_contracts(SelectSingle().where(eq("Status", "ACTIVE")).limit(100).fields("Identifier"))
    # Contract imports add to the referential (only rules and agencies are full replacements).
    assert {c["Identifier"] for c in contracts} | {"everything"} == {c["Identifier"] for c in active.results}
    admin = corpus_server.client(tenant=1)
    profiles = json.loads((fixtures / "security_profile_ok.json").read_text())
    admin.import_security_profiles(profiles)
    found = admin.search_security_profiles(SelectSingle().where(eq("Identifier", "TNR_SEC_PROFILE_OK_2")))
    assert found.first["Permissions"] == profiles[1]["Permissions"]
    # Security profiles are admin-only: another tenant is refused (401).
    from sam.vitam import VitamUnauthorized

    with pytest.raises(VitamUnauthorized):
        corpus_server.client(tenant=3).import_security_profiles(profiles)
