"""URL cases of the referentials: rules and agencies of a tenant, common nomenclature, their API."""

from referentials.models import ReferentialImport, ReferentialTemplate, TemplateApplication, TemplateVersion
from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, PLATFORM, UrlCase, register

GP = ("get", "post")
SECRET = "Secret rule of commune B"


def tenant_b(world):
    return {"tenant_pk": world.tenant_b.pk}


def entry_b(world):
    """APP-B-SECRET exists in commune B's tenant in Vitam, as a rule and as a service."""
    from referentials.kinds import AGENCIES, RULES
    from tenants.vitam_clients import ADMIN, vitam_client

    client = vitam_client(world.tenant_b, contract=ADMIN)
    RULES.import_(client, RULES.to_csv([{"RuleId": "APP-B-SECRET", "RuleType": "AppraisalRule", "RuleValue": SECRET,
                                         "RuleDescription": "", "RuleDuration": "5", "RuleMeasurement": "YEAR"}]))
    AGENCIES.import_(client, AGENCIES.to_csv([{"Identifier": "APP-B-SECRET", "Name": SECRET, "Description": ""}]))
    return {"tenant_pk": world.tenant_b.pk, "key": "APP-B-SECRET"}


def import_b(world):
    import_ = ReferentialImport.objects.create(
        tenant=world.tenant_b, kind="rules", filename="b-secret.csv", base_fingerprint="0" * 64,
        rows=[{"RuleId": "APP-B-SECRET", "RuleType": "AppraisalRule", "RuleValue": SECRET, "RuleDescription": "",
               "RuleDuration": "5", "RuleMeasurement": "YEAR"}], diff={"added": ["APP-B-SECRET"]})
    return {"tenant_pk": world.tenant_b.pk, "pk": import_.pk}


def agency_import_b(world):
    import_ = ReferentialImport.objects.create(
        tenant=world.tenant_b, kind="agencies", filename="b-secret.csv", base_fingerprint="0" * 64,
        rows=[{"Identifier": "B-SECRET", "Name": SECRET, "Description": ""}], diff={"added": ["B-SECRET"]})
    return {"tenant_pk": world.tenant_b.pk, "pk": import_.pk}


def template(world):
    existing = ReferentialTemplate.objects.filter(name="Nomenclature commune").first()
    if existing is not None:  # the page crawl of tests/site builds several template pages in one world
        return existing
    item = ReferentialTemplate.objects.create(kind="rules", name="Nomenclature commune", description="")
    TemplateVersion.objects.create(template=item, number=1, fingerprint="0" * 64, source="test", rows=[
        {"RuleId": "APP-1", "RuleType": "AppraisalRule", "RuleValue": "Délibérations", "RuleDescription": "",
         "RuleDuration": "10", "RuleMeasurement": "YEAR"}])
    return item


def template_pk(world):
    return {"pk": template(world).pk}


def application(world):
    item = template(world)
    applied = TemplateApplication.objects.create(version=item.current, mode="merge")
    return {"pk": item.pk, "application_pk": applied.pk}


def rule_data(world):
    return {"RuleId": "APP-FORGED", "RuleType": "AppraisalRule", "RuleValue": "Forged", "RuleDuration": "1",
            "RuleMeasurement": "YEAR"}


def agency_data(world):
    return {"Identifier": "FORGED", "Name": "Forged"}


def apply_data(world):
    return {"tenants": [world.tenant_b.pk], "mode": "merge", "preview": "1"}


def _entry_cases(singular, data, make_import):
    return (
        UrlCase(f"referentials:{singular}_list", ORGANISATION, kwargs=tenant_b, query=lambda w: {"q": "x"}),
        UrlCase(f"referentials:{singular}_create", ORGANISATION, kwargs=tenant_b, methods=GP, data=data),
        UrlCase(f"referentials:{singular}_export", ORGANISATION, kwargs=tenant_b),
        UrlCase(f"referentials:{singular}_import", ORGANISATION, kwargs=tenant_b, methods=GP,
                data=lambda w: {"mode": "merge"}),
        UrlCase(f"referentials:{singular}_import_detail", ORGANISATION, kwargs=make_import,
                markers=lambda w: [SECRET, "b-secret.csv"]),
        UrlCase(f"referentials:{singular}_import_confirm", ORGANISATION, kwargs=make_import, methods=("post",)),
        UrlCase(f"referentials:{singular}_detail", ORGANISATION, kwargs=entry_b, markers=lambda w: [SECRET]),
        UrlCase(f"referentials:{singular}_update", ORGANISATION, kwargs=entry_b, methods=GP, data=data),
        UrlCase(f"referentials:{singular}_delete", ORGANISATION, kwargs=entry_b, methods=GP),
        UrlCase(f"referentials:{singular}_units", ORGANISATION, kwargs=entry_b),
        UrlCase(f"api-{singular}-list", ORGANISATION, api=True, kwargs=tenant_b, methods=GP, data=data),
        UrlCase(f"api-{singular}-export", ORGANISATION, api=True, kwargs=tenant_b),
        UrlCase(f"api-{singular}-import", ORGANISATION, api=True, kwargs=tenant_b, methods=("post",),
                data=lambda w: {"mode": "merge"}),
        UrlCase(f"api-{singular}-detail", ORGANISATION, api=True, kwargs=entry_b,
                methods=("get", "put", "patch", "delete"), data=data),
    )


register(
    *_entry_cases("rule", rule_data, import_b),
    *_entry_cases("agency", agency_data, agency_import_b),
    # Common nomenclature: platform administrators only.
    UrlCase("referentials:nomenclature_list", PLATFORM),
    UrlCase("referentials:template_create", PLATFORM, methods=GP,
            data=lambda w: {"kind": "rules", "name": "Forged", "source_tenant": w.tenant_b.pk}),
    UrlCase("referentials:template_detail", PLATFORM, kwargs=template_pk),
    UrlCase("referentials:template_update", PLATFORM, kwargs=template_pk, methods=GP,
            data=lambda w: {"name": "Renamed"}),
    UrlCase("referentials:template_version_add", PLATFORM, kwargs=template_pk, methods=GP,
            data=lambda w: {"source_tenant": w.tenant_b.pk}),
    UrlCase("referentials:template_export", PLATFORM, kwargs=template_pk),
    UrlCase("referentials:template_apply", PLATFORM, kwargs=template_pk, methods=GP, data=apply_data),
    UrlCase("referentials:application_detail", PLATFORM, kwargs=application),
    UrlCase("api-template-list", PLATFORM, api=True, methods=GP,
            data=lambda w: {"kind": "rules", "name": "Forged", "source_tenant": w.tenant_b.pk}),
    UrlCase("api-template-detail", PLATFORM, api=True, kwargs=template_pk, methods=("get", "patch"),
            data=lambda w: {"name": "Renamed"}),
    UrlCase("api-template-versions", PLATFORM, api=True, kwargs=template_pk, methods=("post",),
            data=lambda w: {"source_tenant": w.tenant_b.pk}),
    UrlCase("api-template-preview", PLATFORM, api=True, kwargs=template_pk, methods=("post",),
            data=lambda w: {"tenants": [w.tenant_b.pk]}),
    UrlCase("api-template-apply", PLATFORM, api=True, kwargs=template_pk, methods=("post",),
            data=lambda w: {"tenants": [w.tenant_b.pk]}),
    UrlCase("api-application-detail", PLATFORM, api=True, kwargs=lambda w: {"pk": application(w)["application_pk"]}),
    roles=ARCHIVE_STAFF,
)
