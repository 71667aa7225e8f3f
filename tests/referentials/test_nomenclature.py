"""Common nomenclature: templates kept by platform administrators, previewed and applied per tenant."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referentials.kinds import RULES
from referentials.models import ReferentialTemplate, TemplateApplicationResult
from tenants.models import AuditEntry
from tests.factories import make_tenant
from tests.referentials.conftest import ingest_units, rule_ids, rules_by_id

pytestmark = pytest.mark.django_db
Status = TemplateApplicationResult.Status

TEMPLATE_CSV = ("Identifiant;Type;Intitulé;Description;Durée;Unité\n"
                "APP-DELIB;DUA;Délibérations (nomenclature commune);;10;ans\n"
                "APP-MARCHES;DUA;Marchés publics;;10;ans\n"
                "NOM-001;DUA;Registres de la nomenclature;;50;ans\n").encode()


def create_template(client, world, content=TEMPLATE_CSV, name="Nomenclature 2026"):
    response = client.post(reverse("referentials:template_create"), {
        "kind": "rules", "name": name, "description": "Règles communes",
        "file": SimpleUploadedFile("nomenclature.csv", content, "text/csv")})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ReferentialTemplate.objects.get(name=name)


def apply(client, template, tenants, mode, action):
    return client.post(reverse("referentials:template_apply", kwargs={"pk": template.pk}),
                       {"tenants": [t.pk for t in tenants], "mode": mode, action: "1"})


def test_preview_apply_and_apply_again_changes_nothing(vitam_world, client):
    client.force_login(vitam_world.admin)
    template = create_template(client, vitam_world)
    assert template.current.number == 1 and len(template.current.rows) == 3
    tenants = [vitam_world.tenant_a, vitam_world.tenant_b]
    previews = apply(client, template, tenants, "merge", "preview").context["previews"]
    assert [p.status for p in previews] == ["ready", "ready"]
    assert [c.key for c in previews[0].diff.added] == ["NOM-001"]
    assert "APP-DELIB" in [c.key for c in previews[0].diff.changed]
    assert previews[0].diff.removed == []
    before_b = rule_ids(vitam_world.tenant_b)
    assert rule_ids(vitam_world.tenant_a) == before_b  # the preview changed nothing

    response = apply(client, template, tenants, "merge", "confirm")
    assert response.status_code == 302
    application = template.current.applications.get()
    assert [r.status for r in application.results.order_by("tenant__vitam_id")] == [Status.SUCCEEDED] * 2
    for tenant in tenants:
        rules = rules_by_id(tenant)
        assert rules["APP-DELIB"]["RuleValue"] == "Délibérations (nomenclature commune)"
        assert "NOM-001" in rules and "APP-COURRIER" in rules  # merge keeps the tenant's own rules
    page = client.get(response["Location"]).content.decode()
    assert page.count("badge-success") == 2
    assert AuditEntry.objects.filter(action="referentials.template_applied").count() == 2

    # Applying twice changes nothing and says so.
    previews = apply(client, template, tenants, "merge", "preview").context["previews"]
    assert [p.status for p in previews] == ["up_to_date", "up_to_date"]
    apply(client, template, tenants, "merge", "confirm")
    second = template.current.applications.order_by("-id").first()
    assert [r.status for r in second.results.all()] == [Status.UP_TO_DATE] * 2
    assert AuditEntry.objects.filter(action="referentials.template_applied").count() == 2


def test_per_tenant_failure_and_conflicts_are_reported(vitam_world, client):
    ingest_units(vitam_world.tenant_a, [("Registre", "APP-COURRIER", "AppraisalRule")])
    unknown = make_tenant(vitam_world.org_b, vitam_id=500, label="Tenant inconnu de Vitam")
    client.force_login(vitam_world.admin)
    template = create_template(client, vitam_world)
    tenants = [vitam_world.tenant_a, vitam_world.tenant_b, unknown]
    previews = {p.tenant.pk: p for p in apply(client, template, tenants, "replace", "preview").context["previews"]}
    assert previews[vitam_world.tenant_a.pk].status == "conflict"        # APP-COURRIER is used by a unit
    assert any("APP-COURRIER" in m for m in previews[vitam_world.tenant_a.pk].messages)
    assert previews[vitam_world.tenant_b.pk].status == "ready"
    assert previews[unknown.pk].status == "error"

    before_a = rules_by_id(vitam_world.tenant_a)
    apply(client, template, tenants, "replace", "confirm")
    results = {r.tenant_id: r for r in template.current.applications.get().results.all()}
    assert results[vitam_world.tenant_a.pk].status == Status.FAILED
    assert "APP-COURRIER" in results[vitam_world.tenant_a.pk].message
    assert results[unknown.pk].status == Status.FAILED and results[unknown.pk].message
    assert results[vitam_world.tenant_b.pk].status == Status.SUCCEEDED
    assert rules_by_id(vitam_world.tenant_a) == before_a                 # all or nothing
    assert rule_ids(vitam_world.tenant_b) == {"APP-DELIB", "APP-MARCHES", "NOM-001"}
    page = client.get(reverse("referentials:application_detail", kwargs={
        "pk": template.pk, "application_pk": template.current.applications.get().pk})).content.decode()
    assert "APP-COURRIER" in page


def test_template_from_a_tenant_and_versions(vitam_world, client):
    client.force_login(vitam_world.admin)
    response = client.post(reverse("referentials:template_create"), {
        "kind": "rules", "name": "Depuis A", "source_tenant": vitam_world.tenant_a.pk})
    assert response.status_code == 302
    template = ReferentialTemplate.objects.get(name="Depuis A")
    assert {row["RuleId"] for row in template.current.rows} == rule_ids(vitam_world.tenant_a)
    # The same content again makes no version; a file makes version 2.
    url = reverse("referentials:template_version_add", kwargs={"pk": template.pk})
    again = client.post(url, {"source_tenant": vitam_world.tenant_a.pk})
    assert again.status_code == 200 and template.versions.count() == 1
    assert client.post(url, {"file": SimpleUploadedFile("v2.csv", TEMPLATE_CSV), "comment": "réduite"}).status_code == 302
    assert template.current.number == 2 and template.versions.count() == 2
    page = client.get(reverse("referentials:template_detail", kwargs={"pk": template.pk}), {"version": 1}).content.decode()
    assert "APP-COURRIER" in page
    export = client.get(reverse("referentials:template_export", kwargs={"pk": template.pk})).content
    assert RULES.parse(export).rows == template.current.rows
    bad = client.post(url, {"file": SimpleUploadedFile("bad.csv", b"RuleId,RuleType\nX,Nope\n")})
    assert bad.status_code == 200 and bad.context["file_errors"]


@pytest.mark.parametrize("role", ["referent_a", "archivist_a", "controller", "researcher_a"])
def test_only_platform_admins(vitam_world, client, role):
    client.force_login(getattr(vitam_world, role))
    assert client.get(reverse("referentials:nomenclature_list")).status_code == 404
