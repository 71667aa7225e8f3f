"""Demo content on the Vitam side, loaded through the Vitam client (never into vitam-lite's tables).

For each tenant of the demo organisations: services (agencies), the common nomenclature of
management rules, the contracts SAM's tenants name, and for each commune its holding tree
(arbre de positionnement), its filing plan (plan de classement) and a few deposits. Every step
checks first whether Vitam already has it, so `seed_demo` can run again without duplicating.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

from referentials.filing_tree import parse_tree_csv, tree_to_sip_units
from referentials.rules_csv import parse_rules, to_vitam_csv
from sam.lib.csv_export import vitam_csv
from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip
from sam.vitam import Select, SelectSingle, VitamClient, VitamContext, VitamNotFound, eq

DATA = Path(__file__).resolve().parent / "demo_data"
ARCHIVAL_AGENCY = "FRAD095"
PLAN_ADOPTED = date(1983, 1, 1)
SERVICES = (
    ("DG", "Direction générale des services"),
    ("EC", "Service de l'état civil"),
    ("URBA", "Service de l'urbanisme"),
    ("FIN", "Direction des finances"),
    ("RH", "Direction des ressources humaines"),
    ("ARCH", "Service des archives"),
)


def agency_prefix(organisation) -> str:
    return organisation.code if organisation.kind != "commune" else {
        "95127": "CERGY", "95500": "PONTOISE", "95476": "OSNY",
    }.get(organisation.code, organisation.code)


def contract_ids(tenant) -> tuple[str, str, str]:
    return (
        tenant.ingest_contract or f"IC-SAM-{tenant.vitam_id}",
        tenant.access_contract or f"AC-SAM-{tenant.vitam_id}",
        tenant.researcher_access_contract or f"AC-SAM-{tenant.vitam_id}-PUBLIC",
    )


def _agencies_csv(organisation) -> bytes:
    prefix = agency_prefix(organisation)
    rows = [[ARCHIVAL_AGENCY, "Archives départementales du Val-d'Oise", "Service d'archives compétent"],
            *([f"{prefix}-{code}", f"{name} — {organisation.name}", ""] for code, name in SERVICES)]
    return vitam_csv(["Identifier", "Name", "Description"], rows)


def ensure_referentials(client: VitamClient, organisation, say=print) -> dict[str, str]:
    """Services and the common rules nomenclature on the client's tenant; returns {RuleId: RuleType}."""
    if not client.search_agencies(SelectSingle().build()).results:
        client.import_agencies(io.BytesIO(_agencies_csv(organisation)), filename="services.csv")
        say("  services producteurs et versants importés")
    existing = client.search_rules(SelectSingle().limit(1000).build()).results
    if not existing:
        parsed = parse_rules((DATA / "regles_de_gestion.csv").read_bytes())
        client.import_rules(io.BytesIO(to_vitam_csv(parsed.rules)), filename="regles_de_gestion.csv")
        existing = client.search_rules(SelectSingle().limit(1000).build()).results
        say(f"  {len(existing)} règles de gestion importées")
    return {rule["RuleId"]: rule["RuleType"] for rule in existing}


def ensure_contracts(client: VitamClient, tenant, say=print):
    """The tenant's ingest, access and researchers' contracts (identifiers taken from the Tenant row)."""
    ingest_id, access_id, researcher_id = contract_ids(tenant)
    name = tenant.organisation.name
    try:
        contract = client.get_ingest_contract(ingest_id)
    except VitamNotFound:
        client.import_ingest_contracts([{
            "Identifier": ingest_id, "Name": f"Contrat d'entrée — {name}", "Status": "ACTIVE",
            "Description": "Versements des services de la collectivité",
            "CheckParentLink": "AUTHORIZED", "EveryDataObjectVersion": True,
            "FormatUnidentifiedAuthorized": True, "EveryFormatType": True,
            # Search counts the rules each unit inherits (#computedInheritedRules): Vitam computes them at ingest.
            "ComputeInheritedRulesAtIngest": True,
        }])
        say(f"  contrat d'entrée {ingest_id} créé")
    else:
        if not contract.get("ComputeInheritedRulesAtIngest"):
            client.update_ingest_contract(ingest_id, {"ComputeInheritedRulesAtIngest": True})
            say(f"  contrat d'entrée {ingest_id} : calcul des règles héritées à l'entrée")
    for identifier, label, extra in (
        (access_id, "Contrat d'accès des archivistes", {
            "EveryDataObjectVersion": True, "WritingPermission": True}),
        (researcher_id, "Contrat d'accès des chercheurs (archives communicables)", {
            "EveryDataObjectVersion": False, "DataObjectVersion": ["BinaryMaster", "Dissemination"],
            "WritingPermission": False, "RuleCategoryToFilter": ["AccessRule"]}),
    ):
        try:
            client.get_access_contract(identifier)
        except VitamNotFound:
            client.import_access_contracts([{
                "Identifier": identifier, "Name": f"{label} — {name}", "Status": "ACTIVE",
                "EveryOriginatingAgency": True, **extra,
            }])
            say(f"  contrat d'accès {identifier} créé")
    if not (tenant.ingest_contract and tenant.access_contract and tenant.researcher_access_contract):
        tenant.ingest_contract, tenant.access_contract, tenant.researcher_access_contract = ingest_id, access_id, researcher_id
        tenant.save(update_fields=["ingest_contract", "access_contract", "researcher_access_contract"])


def _find_unit(client: VitamClient, field: str, value: str) -> dict | None:
    results = client.search_units(Select().where(eq(field, value)).limit(1).fields("#id", "Title").build()).results
    return results[0] if results else None


def _ingest(client: VitamClient, package: SipPackage, context_id: str, say):
    with tempfile.TemporaryDirectory(prefix="sam-demo-") as folder:
        built = write_sip(package, Path(folder) / "sip.zip")
        with open(built.path, "rb") as sip:
            operation = client.ingest(sip, context_id=context_id)
        status = client.wait_for_operation(operation, timeout=300)
    say(f"  {package.comment} : {status.status} ({built.unit_count} unités)")
    if status.status not in ("OK", "WARNING"):
        raise RuntimeError(f"demo ingest {package.message_identifier} ended {status.status}")


def _package(organisation, tenant, identifier, comment, units, service="ARCH"):
    prefix = agency_prefix(organisation)
    return SipPackage(
        message_identifier=identifier, comment=comment, units=units,
        archival_agreement=contract_ids(tenant)[0], archival_agency=ARCHIVAL_AGENCY,
        transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-{service}",
    )


def _document(folder: Path, name: str, text: str) -> SipObject:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return SipObject(path=path, mime_type="text/plain")


def ensure_trees_and_deposits(client: VitamClient, tenant, rule_types, say=print):
    """A commune's holding tree, filing plan and demo deposits (client with an access contract)."""
    organisation = tenant.organisation
    town = organisation.name
    holding_title = f"Archives communales de {town}"
    if not _find_unit(client, "Title", holding_title):
        units = [SipUnit(title=holding_title, description_level="Fonds", children=[
            SipUnit(title="Archives anciennes (avant 1790)", description_level="Subfonds"),
            SipUnit(title="Archives modernes (1790-1982)", description_level="Subfonds"),
            SipUnit(title="Archives contemporaines (depuis 1983)", description_level="Subfonds"),
        ])]
        _ingest(client, _package(organisation, tenant, f"ARBRE-{tenant.vitam_id}", "Arbre de positionnement", units),
                "HOLDING_SCHEME", say)
    if not _find_unit(client, "ArchivalAgencyArchiveUnitIdentifier", "D1"):
        tree = parse_tree_csv((DATA / "plan_de_classement.csv").read_bytes(), rule_types)
        units = tree_to_sip_units(tree, rule_types)
        # A filing node's access rule without a start date has no end: everything filed under it would
        # stay hidden from researchers. The plan's headings are public from its adoption.
        for unit in (node for top in units for node in top.walk()):
            for rule in unit.rules:
                if rule.category == "AccessRule" and rule.start_date is None:
                    rule.start_date = PLAN_ADOPTED
        _ingest(client, _package(organisation, tenant, f"PLAN-{tenant.vitam_id}", "Plan de classement", units),
                "FILING_SCHEME", say)

    deposits = [
        ("D1", "DG", "Délibérations du conseil municipal — 2019",
         [SipRule("AppraisalRule", "APP-DELIB", date(2020, 1, 1), final_action="Keep")], "ACC-00001",
         [("Séance du 14 mars 2019", date(2019, 3, 14), date(2019, 3, 14)),
          ("Séance du 27 juin 2019", date(2019, 6, 27), date(2019, 6, 27)),
          ("Séance du 12 décembre 2019", date(2019, 12, 12), date(2019, 12, 12))]),
        ("T1", "URBA", "Permis de construire — 2008",
         [SipRule("AppraisalRule", "APP-PC", date(2008, 12, 31), final_action="Destroy")], "ACC-00001",
         [("PC 095 08 0012 — maison individuelle", date(2008, 2, 11), date(2008, 5, 20)),
          ("PC 095 08 0047 — extension d'un garage", date(2008, 6, 3), date(2008, 10, 15))]),
        ("M1", "FIN", "Marchés publics attribués — 2012",
         [SipRule("AppraisalRule", "APP-MARCHES", date(2012, 12, 31), final_action="Destroy")], "ACC-00025",
         [("Marché 2012-03 — entretien des espaces verts", date(2012, 1, 16), date(2012, 4, 30)),
          ("Marché 2012-07 — restauration scolaire", date(2012, 5, 2), date(2012, 9, 28))]),
        ("K2", "RH", "Dossiers individuels des agents partis en 2001",
         [SipRule("AppraisalRule", "APP-PERSO", date(1950, 1, 1), final_action="Destroy")], "ACC-00050",
         [("Dossier d'agent — service technique", date(1975, 9, 1), date(2001, 6, 30)),
          ("Dossier d'agent — école maternelle", date(1981, 9, 1), date(2001, 12, 31))]),
        ("E1", "EC", "Registre des naissances — 1920",
         [SipRule("AppraisalRule", "APP-ETATCIVIL", date(1920, 12, 31), final_action="Keep")], "ACC-00075",
         [("Registre des naissances, janvier à juin 1920", date(1920, 1, 1), date(1920, 6, 30)),
          ("Registre des naissances, juillet à décembre 1920", date(1920, 7, 1), date(1920, 12, 31))]),
        # Ten years of letters, each year with its own DUA: some are eliminable, the latest not yet.
        ("D3", "DG", "Courrier arrivé du cabinet du maire — 2015-2024",
         [SipRule("AppraisalRule", "APP-COURRIER", date(2024, 12, 31), final_action="Destroy")], "ACC-00001",
         [(f"Courrier arrivé — {year}", date(year, 1, 5), date(year, 12, 18)) for year in range(2015, 2025)]),
    ]
    for node_id, service, title, rules, access_rule, items in deposits:
        if _find_unit(client, "Title", title):
            continue
        node = _find_unit(client, "ArchivalAgencyArchiveUnitIdentifier", node_id)
        with tempfile.TemporaryDirectory(prefix="sam-demo-doc-") as folder:
            children = [
                SipUnit(title=item, description_level="Item", start_date=start, end_date=end,
                        rules=_item_rules(rules, access_rule, end),
                        objects=[_document(Path(folder), f"{index}.txt",
                                           f"{town} — {title}\n{item}\n\nDocument de démonstration de SAM.\n")])
                for index, (item, start, end) in enumerate(items, start=1)
            ]
            # The folder covers its items; its access rule runs from its last document.
            first, last = min(item[1] for item in items), max(item[2] for item in items)
            parent = SipUnit(title=title, description_level="File", start_date=first, end_date=last,
                             rules=[*rules, SipRule("AccessRule", access_rule, last)], children=children)
            units = [SipUnit(title=f"Rattachement {node_id}", description_level="Series",
                             attach_to=node["#id"], children=[parent])] if node else [parent]
            _ingest(client, _package(organisation, tenant, f"DEMO-{tenant.vitam_id}-{node_id}", title, units,
                                     service), "DEFAULT_WORKFLOW", say)


def _item_rules(folder_rules, access_rule, end) -> list[SipRule]:
    """An item's own access rule from its own end date; its own DUA too when the folder's is a yearly one
    (letters): a unit's rules run from its own dates, not from the deposit's."""
    rules = [SipRule("AccessRule", access_rule, end)]
    for rule in folder_rules:
        if rule.rule_id == "APP-COURRIER":
            rules.append(SipRule("AppraisalRule", rule.rule_id, end, final_action=rule.final_action))
    return rules


def seed_vitam_demo(tenants, *, say=print):
    """Load the Vitam side of the demo for the given tenants (idempotent)."""
    for tenant in tenants:
        say(f"Vitam, tenant {tenant.vitam_id} ({tenant.organisation.name}) :")
        client = VitamClient(VitamContext(tenant=tenant.vitam_id), organisation=tenant.organisation)
        rule_types = ensure_referentials(client, tenant.organisation, say)
        ensure_contracts(client, tenant, say)
        if tenant.organisation.kind == "commune":
            access = VitamClient(VitamContext(tenant=tenant.vitam_id, access_contract=contract_ids(tenant)[1]),
                                 organisation=tenant.organisation)
            ensure_trees_and_deposits(access, tenant, rule_types, say)
