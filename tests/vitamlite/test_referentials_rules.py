"""Management rules referential of vitam-lite over HTTP, checked against Vitam's own CSV corpus."""

import csv
import io
import json
import time

import pytest

from vitamlite import logbook, units_store
from vitamlite.referentials import common

ADMIN = "/admin-external/v1"

# README of the corpus: the Code of the first error of each listed line ("line 2" = first record).
INVALID = {
    "jeu_donnees_KO_regles_CSV_90000_YEAR.csv": {"line 2": ("STP_IMPORT_RULES_WRONG_TOTALDURATION.KO", "90000 YEAR")},
    "jeu_donnees_KO_regles_CSV_AnarchyRule.csv": {
        "line 2": ("STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW.KO", "AnarchyRule")},
    "jeu_donnees_KO_regles_CSV_Decade_Measure.csv": {
        "line 2": ("STP_IMPORT_RULES_WRONG_RULEMEASUREMENT.KO", "DECADE")},
    "jeu_donnees_KO_regles_CSV_DuplicatedReference.csv": {
        "line 3": ("STP_IMPORT_RULES_RULEID_DUPLICATION.KO", "APP-00001")},
    "jeu_donnees_KO_regles_CSV_HoldRuleWithDurationAndNoMeasure.csv": {
        "line 2": ("STP_IMPORT_RULES_NOT_CSV_FORMAT.KO", "RuleMeasurement")},
    "jeu_donnees_KO_regles_CSV_HoldRuleWithMeasureAndNoDuration.csv": {
        "line 2": ("STP_IMPORT_RULES_NOT_CSV_FORMAT.KO", "RuleDuration")},
    "jeu_donnees_KO_regles_CSV_Negative_Duration.csv": {"line 2": ("STP_IMPORT_RULES_WRONG_RULEDURATION.KO", "-80")},
    "jeu_donnees_KO_regles_CSV_UNKNOWN_Duration.csv": {"line 2": ("STP_IMPORT_RULES_WRONG_RULEDURATION.KO", "UNKNOWN")},
    "jeu_donnees_KO_regles_CSV_WrongRuleType.csv": {
        "line 2": ("STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW.KO", "aPPraisalRule"),
        "line 3": ("STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW.KO", "holdRule"),
    },
    "jeu_donnees_KO_regles_CSV_empty_line.csv": {
        "line 7": ("STP_IMPORT_RULES_NOT_CSV_FORMAT.KO", "RuleId, RuleType, RuleValue, RuleDuration, RuleMeasurement")},
}
KO_MESSAGE = "Échec du processus d'import du référentiel des règles de gestion"


@pytest.fixture(scope="module")
def db(lite):
    connection = lite.app.store.new_connection()
    yield connection
    connection.close()


def rules_dir(vitam_reference):
    return vitam_reference / "referentials" / "rules"


def post_csv(http, path, content, *, tenant=0, filename=None):
    headers = {"Content-Type": "application/octet-stream"}
    if filename:
        headers["X-Filename"] = filename
    return http.post(ADMIN + path, data=content, headers=headers, tenant=tenant, contract=None)


def operation(db, tenant, operation_id):
    db.rollback()  # a fresh read snapshot
    return logbook.get(db, tenant, operation_id)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_corpus_files_give_vitams_first_error_per_line(http, vitam_reference, name):
    content = (rules_dir(vitam_reference) / "invalid" / name).read_bytes()

    checked = post_csv(http, "/rulesfilecheck", content, tenant=3)
    assert checked.status_code == 400
    report = checked.json()
    assert report["Operation"]["outMessg"] == KO_MESSAGE
    assert set(report["error"]) == set(INVALID[name])
    for line, (code, information) in INVALID[name].items():
        first = report["error"][line][0]
        assert (first["Code"], first["Information additionnelle"]) == (code, information)
        assert first["Message"]

    imported = post_csv(http, "/rules", content, tenant=3)
    assert imported.status_code == 400
    assert imported.json()["code"] == "020120"
    stored = http.get(f"{ADMIN}/rulesreport/{imported.headers['X-Request-Id']}", tenant=3, contract=None)
    assert stored.status_code == 200
    assert {line: errors[0]["Code"] for line, errors in stored.json()["error"].items()} == {
        line: code for line, (code, _) in INVALID[name].items()
    }


def test_unknown_duration_reports_both_duration_errors(http, vitam_reference):
    content = (rules_dir(vitam_reference) / "invalid" / "jeu_donnees_KO_regles_CSV_UNKNOWN_Duration.csv").read_bytes()
    errors = post_csv(http, "/rulesfilecheck", content).json()["error"]["line 2"]
    assert [(e["Code"], e["Information additionnelle"]) for e in errors] == [
        ("STP_IMPORT_RULES_WRONG_RULEDURATION.KO", "UNKNOWN"),
        ("STP_IMPORT_RULES_WRONG_TOTALDURATION.KO", "UNKNOWN YEAR"),
    ]


def test_missing_column_flags_every_record(http, vitam_reference):
    content = (rules_dir(vitam_reference) / "invalid" / "jeu_donnees_KO_regles_CSV_missing_column.csv").read_bytes()
    response = post_csv(http, "/rulesfilecheck", content)
    assert response.status_code == 400
    report = response.json()
    records = len(list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")))))
    assert len(report["error"]) == records
    assert all(
        [e["Code"] for e in errors] == ["STP_IMPORT_RULES_NOT_CSV_FORMAT.KO", "STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW.KO"]
        and errors[0]["Information additionnelle"] == "RuleType"
        for errors in report["error"].values()
    )
    assert report["Operation"]["outMessg"] == KO_MESSAGE


def test_record_with_extra_value_fails_the_whole_file_with_the_ko_message(http, db, vitam_reference):
    content = (rules_dir(vitam_reference) / "invalid" / "jeu_donnees_KO_regles_CSV_ReferenceWithWrongComma.csv").read_bytes()
    imported = post_csv(http, "/rules", content, tenant=4)
    assert imported.status_code == 400
    operation_id = imported.headers["X-Request-Id"]
    report = http.get(f"{ADMIN}/rulesreport/{operation_id}", tenant=4, contract=None).json()
    assert report["Operation"]["outMessg"] == KO_MESSAGE
    assert "error" not in report
    events = operation(db, 4, operation_id)["events"]
    assert events[-2]["outDetail"] == "CHECK_RULES.INVALID_CSV.KO"
    assert "Ligne 3" in events[-2]["evDetData"]


def test_latin1_file_is_refused_with_the_encoding_event(http, db, vitam_reference):
    content = (rules_dir(vitam_reference) / "invalid" / "jeu_donnees_KO_regles_CSV_latin1-encoding.csv").read_bytes()
    imported = post_csv(http, "/rules", content, tenant=4, filename="latin1.csv")
    assert imported.status_code == 400
    doc = operation(db, 4, imported.headers["X-Request-Id"])
    assert doc["evType"] == "STP_IMPORT_RULES" and doc["evTypeProc"] == "MASTERDATA"
    check, final = doc["events"][-2], doc["events"][-1]
    assert check["outDetail"] == "CHECK_RULES.INVALID_CSV_ENCODING_NOT_UTF_EIGHT.KO"
    assert "n'est pas encodé en UTF8" in check["outMessg"]
    assert final["outDetail"] == "STP_IMPORT_RULES.KO"
    assert final["outMessg"] == KO_MESSAGE
    assert json.loads(final["evDetData"]) == {"FileName": "latin1.csv"}


@pytest.mark.parametrize("name", [
    "jeu_donnees_OK_regles_CSV.csv",
    "jeu_donnees_OK_regles_CSV_15000Jours.csv",
    "jeu_donnees_OK_regles_CSV_core-25-rules.csv",
    "jeu_donnees_OK_regles_CSV_delete_rule.csv",
    "jeu_donnees_OK_regles_CSV_unLimiTEd.csv",
])
def test_valid_corpus_files_check_200_and_import_201(http, vitam_reference, name):
    content = (rules_dir(vitam_reference) / "valid" / name).read_bytes()
    checked = post_csv(http, "/rulesfilecheck", content, tenant=5)
    assert checked.status_code == 200
    assert "error" not in checked.json()
    imported = post_csv(http, "/rules", content, tenant=5, filename=name)
    assert imported.status_code == 201
    records = {row["RuleId"] for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))}
    found = http.get(ADMIN + "/rules", json={"$query": {}, "$filter": {"$limit": 1000}, "$projection": {}},
                     tenant=5, contract=None).json()
    assert records <= {rule["RuleId"] for rule in found["$results"]}


def test_import_is_a_full_replacement_with_report_and_logbook(http, db, vitam_reference):
    valid = rules_dir(vitam_reference) / "valid"
    assert post_csv(http, "/rules", (valid / "jeu_donnees_OK_regles_CSV_core-25-rules.csv").read_bytes(),
                    tenant=6).status_code == 201
    before = http.get(f"{ADMIN}/rules/ACC-00005", tenant=6, contract=None).json()["$results"][0]

    response = post_csv(http, "/rules", (valid / "jeu_donnees_OK_regles_CSV_delete_rule.csv").read_bytes(),
                        tenant=6, filename="delete_rule.csv")
    assert response.status_code == 201
    assert http.get(f"{ADMIN}/rules/ACC-00007", tenant=6, contract=None).status_code == 404
    after = http.get(f"{ADMIN}/rules/ACC-00005", tenant=6, contract=None).json()["$results"][0]
    assert after["#id"] == before["#id"] and after["#version"] == before["#version"]

    operation_id = response.headers["X-Request-Id"]
    report = http.get(f"{ADMIN}/rulesreport/{operation_id}", tenant=6, contract=None).json()
    assert report["deletedRules"] == ["ACC-00007"] and report["updatedRules"] == ["ACC-00006"]
    assert report["insertedRules"] == [] and report["usedFileRulesToDelete"] == []
    assert report["Operation"]["evId"] == operation_id
    doc = operation(db, 6, operation_id)
    assert [event["outDetail"] for event in doc["events"]] == [
        "CHECK_RULES.OK", "RULES_REPORT.OK", "COMMIT_RULES.OK", "STP_IMPORT_RULES_BACKUP_CSV.OK",
        "STP_IMPORT_RULES_BACKUP.OK", "STP_IMPORT_RULES.OK",
    ]
    assert json.loads(doc["evDetData"]) == {"FileName": "delete_rule.csv"}
    csv_copy = http.get(f"{ADMIN}/rulesreferential/{operation_id}", tenant=6, contract=None)
    assert csv_copy.content == (valid / "jeu_donnees_OK_regles_CSV_delete_rule.csv").read_bytes()


def _unit_using(db, tenant, unit_id, rule_id, category="AccessRule"):
    units_store.insert_units(db, tenant, [{
        "#id": unit_id, "#unitups": [], "Title": "Dossier", "DescriptionLevel": "File", "#unitType": "INGEST",
        "#originating_agency": "FRAN_NP_009913", "#originating_agencies": ["FRAN_NP_009913"],
        "#management": {category: {"Rules": [{"Rule": rule_id, "StartDate": "2000-01-01"}]}},
    }])
    db.commit()


def test_deleting_a_rule_used_by_a_unit_is_refused(http, db, vitam_reference):
    valid = rules_dir(vitam_reference) / "valid"
    assert post_csv(http, "/rules", (valid / "jeu_donnees_OK_regles_CSV_core-25-rules.csv").read_bytes(),
                    tenant=7).status_code == 201
    _unit_using(db, 7, "aeaqaaaaaaunitusingacc00007aaaaaaaaa", "ACC-00007")

    response = post_csv(http, "/rules", (valid / "jeu_donnees_OK_regles_CSV_delete_rule.csv").read_bytes(), tenant=7)
    assert response.status_code == 400
    assert response.json()["code"] == "020120"
    report = http.get(f"{ADMIN}/rulesreport/{response.headers['X-Request-Id']}", tenant=7, contract=None).json()
    assert report["usedFileRulesToDelete"] == ["ACC-00007"]
    assert http.get(f"{ADMIN}/rules/ACC-00007", tenant=7, contract=None).status_code == 200
    events = operation(db, 7, response.headers["X-Request-Id"])["events"]
    assert [e["outDetail"] for e in events[-2:]] == ["CHECK_RULES.KO", "STP_IMPORT_RULES.KO"]


def test_changing_the_duration_of_a_used_rule_is_a_warning(http, db, vitam_reference):
    valid = rules_dir(vitam_reference) / "valid"
    original = (valid / "jeu_donnees_OK_regles_CSV_core-25-rules.csv").read_bytes()
    assert post_csv(http, "/rules", original, tenant=8).status_code == 201
    _unit_using(db, 8, "aeaqaaaaaaunitusingacc00001aaaaaaaaa", "ACC-00001")
    line = next(row for row in original.decode().splitlines() if row.startswith("ACC-00001,"))
    changed = line.rsplit(",", 2)
    modified = original.decode().replace(line, f"{changed[0]},{int(changed[1]) + 1},{changed[2]}").encode()

    response = post_csv(http, "/rules", modified, tenant=8)
    assert response.status_code == 201
    operation_id = response.headers["X-Request-Id"]
    assert operation(db, 8, operation_id)["events"][-1]["outDetail"] == "STP_IMPORT_RULES.WARNING"
    report = http.get(f"{ADMIN}/rulesreport/{operation_id}", tenant=8, contract=None).json()
    assert report["usedFileRulesToUpdate"] == ["ACC-00001"]
    rule = http.get(f"{ADMIN}/rules/ACC-00001", tenant=8, contract=None).json()["$results"][0]
    assert rule["RuleDuration"] == str(int(changed[1]) + 1) and rule["#version"] == 1
    # Vitam's UPDATE_RULES_ARCHIVE_UNITS: the unit's end date follows the new duration.
    db.rollback()
    unit = units_store.get_unit_doc(db, 8, "aeaqaaaaaaunitusingacc00001aaaaaaaaa")
    assert changed[2] == "YEAR"
    assert unit["#management"]["AccessRule"]["Rules"][0]["EndDate"] == f"{2000 + int(changed[1]) + 1}-01-01"
    recompute = [op for op in logbook.list_operations(db, 8) if op["evType"] == "UPDATE_RULES_ARCHIVE_UNITS"]
    assert len(recompute) == 1 and recompute[0]["events"][-1]["outDetail"] == "UPDATE_RULES_ARCHIVE_UNITS.OK"


def test_concurrent_import_is_forbidden(http, lite, db, vitam_reference):
    content = (rules_dir(vitam_reference) / "valid" / "jeu_donnees_OK_regles_CSV.csv").read_bytes()
    with common.import_lock(lite.app.store, 9, "rules"):
        response = post_csv(http, "/rules", content, tenant=9)
    assert response.status_code == 403
    assert response.json()["code"] == "020152"
    events = operation(db, 9, response.headers["X-Request-Id"])["events"]
    assert events[-2]["outDetail"] == "CHECK_RULES.IMPORT_IN_PROCESS.KO"
    assert post_csv(http, "/rules", content, tenant=9).status_code == 201


def test_search_get_and_tenant_isolation(http, vitam_reference):
    content = (vitam_reference / "referentials" / "fixtures" / "rules_fixture_57_rules.csv").read_bytes()
    assert post_csv(http, "/rules", content, tenant=1).status_code == 201
    found = http.get(ADMIN + "/rules", json={"$query": {"$eq": {"RuleType": "HoldRule"}}, "$filter": {"$orderby": {"RuleId": 1}},
                                          "$projection": {"$fields": {"RuleId": 1}}}, tenant=1, contract=None).json()
    assert [rule["RuleId"] for rule in found["$results"]] == ["HOL-00001", "HOL-00002", "HOL-00003", "HOL-00004"]
    everything = http.get(ADMIN + "/rules", json={"$query": {}, "$projection": {}}, tenant=1, contract=None).json()
    assert everything["$hits"]["total"] == 57
    rule = http.get(f"{ADMIN}/rules/APP-00001", tenant=1, contract=None).json()["$results"][0]
    assert rule["RuleType"] == "AppraisalRule" and rule["#tenant"] == 1 and rule["RuleMeasurement"] == "YEAR"
    missing = http.get(f"{ADMIN}/rules/APP-00001", tenant=2, contract=None)
    assert missing.status_code == 404 and missing.json()["code"] == "020122"
    assert http.get(ADMIN + "/rules", json={"$query": {}, "$projection": {}}, tenant=2,
                    contract=None).json()["$results"] == []
    bad = http.get(ADMIN + "/rules", json={"$query": {}}, tenant=1, contract=None)
    assert bad.status_code == 400 and bad.json()["code"] == "000601"


def test_checking_and_importing_5000_rules_is_fast(http):
    lines = ["RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement"]
    lines += [f"R-{n:05d},AccessRule,Règle {n},Description de la règle {n},{n % 100},YEAR" for n in range(5000)]
    content = ("\n".join(lines) + "\n").encode()
    started = time.perf_counter()
    assert post_csv(http, "/rulesfilecheck", content, tenant=0).status_code == 200
    checked = time.perf_counter()
    assert post_csv(http, "/rules", content, tenant=0).status_code == 201
    imported = time.perf_counter()
    # Budget of the task: well under a second each in vitam-lite (HTTP round trip included).
    assert checked - started < 1.0, checked - started
    assert imported - checked < 1.0, imported - checked
    # A second import of the same file changes nothing and stays fast.
    assert post_csv(http, "/rules", content, tenant=0).status_code == 201
    assert time.perf_counter() - imported < 1.0


def test_an_unknown_column_fails_the_read_as_vitams_csv_mapper_does(http, db):
    content = ("RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement,Lorem\n"
               "APP-00001,AppraisalRule,Dossier,,10,YEAR,x\n").encode()
    response = post_csv(http, "/rules", content, tenant=9)
    assert response.status_code == 400
    events = operation(db, 9, response.headers["X-Request-Id"])["events"]
    [check] = [event for event in events if event["evType"] == "CHECK_RULES"]
    assert check["outDetail"] == "CHECK_RULES.INVALID_CSV_ENCODING_NOT_UTF_EIGHT.KO"
    assert "Lorem" in check["evDetData"]
