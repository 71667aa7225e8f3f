"""Vitam's rules and agencies reports, told line by line in the user's language (Vitam's own expected reports)."""

import json
import re

import pytest

from referentials.reports import report_messages, report_warnings

EXPECTED = "referentials/rules/expected-reports"


@pytest.mark.parametrize("name, line, info", [
    ("error_report_9000_years.json", 2, "90000"),
    ("error_report_anarchy_rules.json", 2, "AnarchyRule"),
    ("error_report_content.json", 3, "APP-00001"),
    ("error_report_decade_measure.json", 2, "DECADE"),
    ("error_report_negative_duration.json", 2, "-80"),
    ("error_report_unknow_duration.json", 2, "UNKNOWN"),
])
def test_each_vitam_error_becomes_a_sentence_naming_the_line(vitam_reference, name, line, info):
    report = json.loads((vitam_reference / EXPECTED / name).read_text())
    messages = report_messages(report)
    assert messages, report
    assert re.match(rf"(Line|Ligne) {line}\b", messages[0]) and info in messages[0]
    assert not any("STP_IMPORT" in message for message in messages)  # Vitam's codes are translated


def test_messages_are_sorted_by_line_number():
    report = {"error": {f"line {n}": [{"Code": "STP_IMPORT_RULES_RULEID_DUPLICATION.KO",
                                       "Information additionnelle": f"R{n}"}] for n in (10, 2, 33)}}
    assert [re.search(r"\d+", m).group(0) for m in report_messages(report)] == ["2", "10", "33"]


def test_used_rules_and_agencies():
    assert "APP-1" in report_messages({"usedFileRulesToDelete": ["APP-1"]})[0]
    assert "ACC-2" in report_messages({"usedRulesWithDurationModeUpdate": ["ACC-2"]})[0]
    assert "APP-3" in report_warnings({"usedFileRulesToUpdate": ["APP-3"]})[0]
    refused = {"Errors": {"DeletedAgencies": [{"Code": "STP_IMPORT_AGENCIES_DELETE_USED_AGENCIES.KO",
                                               "Information additionnelle": ["SRV-1", "SRV-2"]}]}}
    assert "SRV-1, SRV-2" in report_messages(refused)[0]
    assert report_messages({"Operation": {"evDetData": "Le fichier est vide."}})[0].endswith("Le fichier est vide.")
