"""Rules of a tenant through the screens: list, search, detail with usage, create, edit, delete, permissions."""

import re

import pytest
from django.urls import reverse

from referentials.kinds import RULES
from referentials.services import entry_save
from tenants.models import AuditEntry
from tests.referentials.conftest import ingest_units, rules_by_id

pytestmark = pytest.mark.django_db


def url(name, world, **kwargs):
    return reverse(f"referentials:{name}", kwargs={"tenant_pk": world.tenant_a.pk, **kwargs})


NEW_RULE = {"RuleId": "APP-TEST", "RuleType": "AppraisalRule", "RuleValue": "Dossiers de test",
            "RuleDescription": "Créée par le test", "RuleDuration": "7", "RuleMeasurement": "YEAR"}


def test_list_searches_filters_and_sorts(vitam_world, client):
    client.force_login(vitam_world.archivist_a)
    page = client.get(url("rule_list", vitam_world)).content.decode()
    assert "APP-DELIB" in page and "ACC-00025" in page
    page = client.get(url("rule_list", vitam_world), {"q": "deliberations conseil"}).content.decode()
    assert "APP-DELIB" in page and "APP-ARRETES" not in page
    page = client.get(url("rule_list", vitam_world), {"type": "AccessRule", "sort": "duration"}).content.decode()
    assert "APP-DELIB" not in page
    assert page.index("ACC-00001") < page.index("ACC-00025") < page.index("ACC-00100")


def test_create_rule_goes_to_vitam_and_the_audit_trail(vitam_world, client):
    client.force_login(vitam_world.referent_a)
    response = client.post(url("rule_create", vitam_world), {**NEW_RULE, "RuleDuration": "7"})
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = rules_by_id(vitam_world.tenant_a)["APP-TEST"]
    assert (stored["RuleType"], stored["RuleValue"], stored["RuleDuration"], stored["RuleMeasurement"]) == (
        "AppraisalRule", "Dossiers de test", "7", "YEAR")
    entry = AuditEntry.objects.get(action="referentials.rule_create")
    assert entry.tenant == vitam_world.tenant_a and entry.actor == vitam_world.referent_a
    assert entry.after["RuleId"] == "APP-TEST" and entry.target_id == "APP-TEST"


@pytest.mark.parametrize("changes, field", [
    ({"RuleDuration": "", "RuleMeasurement": ""}, "RuleDuration"),      # a DUA needs a duration
    ({"RuleDuration": "1000"}, "RuleDuration"),                         # 999 years at most
    ({"RuleDuration": "12000", "RuleMeasurement": "MONTH"}, "RuleDuration"),
    ({"RuleType": "AnarchyRule"}, "RuleType"),
    ({"RuleId": "APP TEST"}, "RuleId"),
    ({"RuleType": "HoldRule", "RuleDuration": "", "RuleMeasurement": "YEAR"}, "RuleDuration"),
])
def test_invalid_rule_is_refused_before_vitam(vitam_world, client, changes, field):
    client.force_login(vitam_world.archivist_a)
    before = rules_by_id(vitam_world.tenant_a)
    response = client.post(url("rule_create", vitam_world), {**NEW_RULE, **changes})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert rules_by_id(vitam_world.tenant_a) == before


def test_hold_rule_without_duration_is_accepted(vitam_world, client):
    client.force_login(vitam_world.archivist_a)
    response = client.post(url("rule_create", vitam_world), {
        "RuleId": "HOL-TEST", "RuleType": "HoldRule", "RuleValue": "Gel contentieux"})
    assert response.status_code == 302
    stored = rules_by_id(vitam_world.tenant_a)["HOL-TEST"]
    assert "RuleDuration" not in stored or not stored["RuleDuration"]


def test_detail_counts_units_using_the_rule(vitam_world, client):
    ingest_units(vitam_world.tenant_a, [("Délibérations 2020", "APP-DELIB", "AppraisalRule"),
                                        ("Délibérations 2021", "APP-DELIB", "AppraisalRule"),
                                        ("Sans règle", None, None)])
    client.force_login(vitam_world.archivist_a)
    page = client.get(url("rule_detail", vitam_world, key="APP-DELIB")).content.decode()
    assert "Délibérations 2020" in page and "Délibérations 2021" in page and "Sans règle" not in page
    assert response_count(page) == 2
    units = client.get(url("rule_units", vitam_world, key="APP-DELIB")).content.decode()
    assert "Délibérations 2021" in units
    assert client.get(url("rule_detail", vitam_world, key="NOPE")).status_code == 404


def response_count(page):
    match = re.search(r"(\d+) (archive units use it|unités archivistiques)", page)
    return int(match.group(1)) if match else None


def test_deleting_a_rule_in_use_is_refused_with_its_units(vitam_world, client):
    ingest_units(vitam_world.tenant_a, [("Registre des délibérations", "APP-DELIB", "AppraisalRule")])
    client.force_login(vitam_world.referent_a)
    before = rules_by_id(vitam_world.tenant_a)
    response = client.post(url("rule_delete", vitam_world, key="APP-DELIB"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "APP-DELIB" in page and "Registre des délibérations" in page
    assert response.context["usage"].total == 1
    assert rules_by_id(vitam_world.tenant_a).keys() == before.keys()
    assert not AuditEntry.objects.filter(action="referentials.rule_delete").exists()


def test_delete_unused_rule(vitam_world, client):
    client.force_login(vitam_world.archivist_a)
    response = client.post(url("rule_delete", vitam_world, key="APP-COURRIER"))
    assert response.status_code == 302
    assert "APP-COURRIER" not in rules_by_id(vitam_world.tenant_a)
    assert AuditEntry.objects.get(action="referentials.rule_delete").before["RuleId"] == "APP-COURRIER"


def test_concurrent_edit_keeps_the_second_persons_input(vitam_world, client):
    """Two archivists open the same rule; the first saves; the second is told what changed and keeps input."""
    client.force_login(vitam_world.archivist_a)
    form = client.get(url("rule_update", vitam_world, key="APP-PC")).context["form"]
    opened = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    opened.pop("RuleId", None)
    # Someone else changes the title meanwhile.
    current = rules_by_id(vitam_world.tenant_a)["APP-PC"]
    entry_save(actor=vitam_world.referent_a, tenant=vitam_world.tenant_a, kind=RULES, creating=False,
               row={**RULES.normalise(current), "RuleValue": "Permis de construire (titre revu)"})
    mine = {**opened, "RuleDescription": "Ma description soigneusement rédigée", "RuleDuration": "12"}
    response = client.post(url("rule_update", vitam_world, key="APP-PC"), mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ma description soigneusement rédigée" in page           # the input is kept
    assert "Permis de construire (titre revu)" in page              # and the other change is shown
    assert rules_by_id(vitam_world.tenant_a)["APP-PC"]["RuleValue"] == "Permis de construire (titre revu)"
    # Saving again, knowingly, replaces the other version.
    again = {name: response.context["form"][name].value() for name in response.context["form"].fields}
    again.pop("RuleId")
    again = {k: v for k, v in again.items() if v is not None}
    assert client.post(url("rule_update", vitam_world, key="APP-PC"), again).status_code == 302
    stored = rules_by_id(vitam_world.tenant_a)["APP-PC"]
    assert stored["RuleDescription"] == "Ma description soigneusement rédigée" and stored["RuleDuration"] == "12"


@pytest.mark.parametrize("role", ["controller", "researcher_a"])
def test_controllers_and_researchers_neither_read_nor_change(vitam_world, client, role):
    client.force_login(getattr(vitam_world, role))
    assert client.get(url("rule_list", vitam_world)).status_code == 404
    assert client.get(url("agency_list", vitam_world)).status_code == 404
    assert client.post(url("rule_create", vitam_world), NEW_RULE).status_code == 404
    assert "APP-TEST" not in rules_by_id(vitam_world.tenant_a)


def test_platform_admin_changes_any_tenant(vitam_world, client):
    client.force_login(vitam_world.admin)
    assert client.post(url("rule_create", vitam_world), NEW_RULE).status_code == 302
    assert "APP-TEST" in rules_by_id(vitam_world.tenant_a)


def test_delete_after_someone_changed_the_rule_is_not_done(vitam_world, client):
    client.force_login(vitam_world.archivist_a)
    version = client.get(url("rule_delete", vitam_world, key="APP-PAIE")).context["entry"].version
    current = rules_by_id(vitam_world.tenant_a)["APP-PAIE"]
    entry_save(actor=vitam_world.referent_a, tenant=vitam_world.tenant_a, kind=RULES, creating=False,
               row={**RULES.normalise(current), "RuleValue": "Paie (modifiée)"})
    response = client.post(url("rule_delete", vitam_world, key="APP-PAIE"), {"base_version": version})
    assert response.status_code == 200 and "Paie (modifiée)" in response.content.decode()
    assert "APP-PAIE" in rules_by_id(vitam_world.tenant_a)
