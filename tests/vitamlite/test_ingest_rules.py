"""End dates of management rules at ingest (UnitsRulesComputePlugin semantics)."""

import datetime

import pytest
from lxml import etree

from vitamlite.ingest import rules

REFERENTIAL = {
    "APP-00001": {"RuleId": "APP-00001", "RuleType": "AppraisalRule", "RuleDuration": "80", "RuleMeasurement": "YEAR"},
    "ACC-00001": {"RuleId": "ACC-00001", "RuleType": "AccessRule", "RuleDuration": "unlimited", "RuleMeasurement": "YEAR"},
    "ACC-00002": {"RuleId": "ACC-00002", "RuleType": "AccessRule", "RuleDuration": "6", "RuleMeasurement": "MONTH"},
    "DIS-00001": {"RuleId": "DIS-00001", "RuleType": "DisseminationRule", "RuleDuration": "10", "RuleMeasurement": "DAY"},
    "HOL-00001": {"RuleId": "HOL-00001", "RuleType": "HoldRule", "RuleDuration": "", "RuleMeasurement": ""},
    "HOL-00002": {"RuleId": "HOL-00002", "RuleType": "HoldRule", "RuleDuration": "1", "RuleMeasurement": "YEAR"},
}


def management(xml):
    element = etree.fromstring(f'<Management xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1">{xml}</Management>')
    return rules.parse_management(element)


def test_end_dates_follow_calendar_arithmetic():
    computed = rules.compute_end_dates(management(
        "<AppraisalRule><Rule>APP-00001</Rule><StartDate>2000-02-29</StartDate><FinalAction>Keep</FinalAction></AppraisalRule>"
        "<AccessRule><Rule>ACC-00001</Rule><StartDate>2000-01-01</StartDate>"
        "<Rule>ACC-00002</Rule><StartDate>2000-08-31</StartDate></AccessRule>"
        "<DisseminationRule><Rule>DIS-00001</Rule><StartDate>2000-12-25</StartDate>"
        "<RefNonRuleId>DIS-00001</RefNonRuleId></DisseminationRule>"), REFERENTIAL)

    assert computed["AppraisalRule"] == {"Rules": [{"Rule": "APP-00001", "StartDate": "2000-02-29",
                                                    "EndDate": "2080-02-29"}], "FinalAction": "Keep"}
    assert computed["AccessRule"]["Rules"] == [{"Rule": "ACC-00001", "StartDate": "2000-01-01"},
                                               {"Rule": "ACC-00002", "StartDate": "2000-08-31", "EndDate": "2001-02-28"}]
    assert computed["DisseminationRule"]["Rules"][0]["EndDate"] == "2001-01-04"
    assert computed["DisseminationRule"]["Inheritance"] == {"PreventRulesId": ["DIS-00001"]}


def test_add_duration_clamps_to_month_end():
    assert rules.add_duration(datetime.date(2001, 1, 31), 1, "month") == datetime.date(2001, 2, 28)


@pytest.mark.parametrize("xml, sub_status", [
    ("<AccessRule><Rule>NOPE</Rule></AccessRule>", "UNKNOWN"),
    ("<AccessRule><Rule>APP-00001</Rule></AccessRule>", "CONSISTENCY"),
    ("<HoldRule><Rule>HOL-00001</Rule><StartDate>2020-01-01</StartDate><HoldEndDate>2010-01-01</HoldEndDate></HoldRule>",
     "CONSISTENCY"),
    ("<HoldRule><Rule>HOL-00002</Rule><HoldEndDate>2010-01-01</HoldEndDate></HoldRule>", "CONSISTENCY"),
    ("<AccessRule><RefNonRuleId>APP-00001</RefNonRuleId></AccessRule>", "REF_INCONSISTENCY"),
    ("<AppraisalRule><Rule>APP-00001</Rule><StartDate>9090-10-10</StartDate></AppraisalRule>", None),
])
def test_inconsistent_rules_are_refused(xml, sub_status):
    with pytest.raises(rules.RulesError) as raised:
        rules.compute_end_dates(management(xml), REFERENTIAL)
    assert raised.value.sub_status == sub_status
    assert raised.value.message


def test_global_rules_reach_roots_unless_redeclared_or_blocked():
    global_rules = management("<AccessRule><Rule>ACC-00002</Rule><StartDate>2000-01-01</StartDate></AccessRule>")

    assert rules.apply_global_rules({}, global_rules)["AccessRule"]["Rules"] == [
        {"Rule": "ACC-00002", "StartDate": "2000-01-01"}]
    own = management("<AccessRule><Rule>ACC-00002</Rule><StartDate>2002-01-01</StartDate></AccessRule>")
    assert rules.apply_global_rules(own, global_rules)["AccessRule"]["Rules"] == [
        {"Rule": "ACC-00002", "StartDate": "2002-01-01"}]
    blocked = management("<AccessRule><PreventInheritance>true</PreventInheritance></AccessRule>")
    assert "Rules" not in rules.apply_global_rules(blocked, global_rules)["AccessRule"]
