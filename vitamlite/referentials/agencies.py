"""Agencies referential (services agents: producteurs and versants): CSV check and full-replacement import.

Faithful to Vitam's AgenciesService (vitam-api.md §11.2): header `Identifier,Name,Description`, values
trimmed, empty lines are records (and make the file invalid), identifiers unique, names free. Deleting an
agency still named by an access contract or by archive units is refused.

Vitam 8 also accepts optional ISAAR-like columns (its `Agencies` document and the "services agents" chapter of
its documentation): several values of a column separated by pipes, dates written AAAA-MM-JJ or JJ/MM/AAAA;
any other column is an unknown field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

from vitamlite import logbook, reports
from vitamlite.referentials import common
from vitamlite.referentials import store as ref_store

KIND = "agencies"
COLUMNS = ("Identifier", "Name", "Description")
OPTIONAL_TEXT_COLUMNS = ("EntityType", "EntityId", "BiogHist", "StructureOrGenealogy", "GeneralContext",
                         "MaintenanceStatus", "LocalStatus", "EventDescription")
OPTIONAL_LIST_COLUMNS = ("NameEntryParallel", "AuthorizedForm", "AlternativeForm", "Functions", "Places",
                         "LegalStatuses", "Mandates", "Sources")
OPTIONAL_DATE_COLUMNS = ("FromDate", "ToDate")
OPTIONAL_COLUMNS = OPTIONAL_TEXT_COLUMNS + OPTIONAL_LIST_COLUMNS + OPTIONAL_DATE_COLUMNS
_AGENCY_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}")
MAX_CSV_BYTES = 20 * 1024 * 1024
EV_TYPE = "IMPORT_AGENCIES"
REPORT_KIND = "agenciesreport"
CSV_KIND = "agenciesreferential.csv"

ERROR_MESSAGES = {
    "STP_IMPORT_AGENCIES_MISSING_INFORMATIONS": (
        "Au moins une information obligatoire est manquante. Informations obligatoires : Identifier, Name"
    ),
    "STP_IMPORT_AGENCIES_ID_DUPLICATION": (
        "Il existe plusieurs fois le même Identifier. Cet Identifier doit être unique dans l'ensemble du référentiel"
    ),
    "STP_IMPORT_AGENCIES_DELETE_USED_AGENCIES": "Des services agents supprimés sont actuellement utilisés",
}

logbook.register_messages(
    labels={EV_TYPE: "processus d'import du référentiel des services agents"},
    messages={
        f"{EV_TYPE}.OK": "Succès du processus d'import du référentiel des services agents",
        f"{EV_TYPE}.KO": "Échec du processus d'import du référentiel des services agents",
        f"{EV_TYPE}.CONCURRENCE.KO": (
            "Échec du processus d'import du référentiel des services agents : une autre opération d'import des "
            "services agents est en cours"
        ),
        f"{EV_TYPE}.CHECK_CONCURRENT_AGENCIES_IMPORT.OK": (
            "Succès de la vérification de l'absence d'autre import du référentiel des services agents en cours"
        ),
        f"{EV_TYPE}.USED_CONTRACT.OK": (
            "Succès du processus de vérification des services agents utilisés dans les contrats d'accès"
        ),
        f"{EV_TYPE}.USED_CONTRACT.WARNING": (
            "Avertissement lors du processus de vérification des services agents utilisés dans les contrats d'accès"
        ),
        f"{EV_TYPE}.USED_AU.OK": (
            "Succès du processus de vérification des services agents référencés par les unités archivistiques"
        ),
        f"{EV_TYPE}.USED_AU.WARNING": (
            "Avertissement lors du processus de vérification des services agents référencés par les unités "
            "archivistiques"
        ),
        "AGENCIES_REPORT.OK": "Succès du processus de génération du rapport d'import du référentiel des services agents",
        "IMPORT_AGENCIES_BACKUP_CSV.OK": (
            "Succès du processus de sauvegarde du fichier d'import du référentiel des services agents"
        ),
        "BACKUP_AGENCIES.OK": "Succès du processus de sauvegarde du référentiel des services agents",
    },
)


class AgenciesFileInvalid(Exception):
    """The file is not a readable agencies CSV (Vitam answers a VitamError and stores no report)."""


@dataclass
class AgenciesCheck:
    ok: bool
    report: dict
    detail: str | None = None  # outDetail of the failed operation
    description: str = ""  # French reason for the VitamError
    to_insert: list = field(default_factory=list)
    to_update: list = field(default_factory=list)
    to_delete: list = field(default_factory=list)


def parse(content: bytes) -> tuple[dict[str, dict], dict[str, list]]:
    """Agencies of the file by Identifier and the errors by "line N"; AgenciesFileInvalid if unreadable."""
    if len(content) > MAX_CSV_BYTES:
        raise AgenciesFileInvalid("Le fichier dépasse la taille maximale autorisée.")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AgenciesFileInvalid(
            f"Le fichier n'est pas encodé en UTF-8 (octet invalide à la position {exc.start})."
        ) from None
    text = text[1:] if text.startswith("\ufeff") else text
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise AgenciesFileInvalid(f"CSV illisible : {exc}.") from None
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        raise AgenciesFileInvalid("Le fichier est vide.")
    header = [name.strip() for name in rows[0]]
    # Vitam (AgenciesService.parseFile) checks the header before looking for its columns: duplicated fields,
    # then unknown ones (a wrong separator shows as one unknown field).
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise AgenciesFileInvalid(f"Duplicate fields found in the CSV : {','.join(duplicated)}")
    unknown = [name for name in header if name not in COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise AgenciesFileInvalid(f"Unknown fields found: {','.join(unknown)}")
    for column in COLUMNS:
        if column not in header:
            raise AgenciesFileInvalid(f"File invalid -- lack of column {column}")
    positions = {column: header.index(column) for column in COLUMNS + OPTIONAL_COLUMNS if column in header}
    agencies: dict[str, dict] = {}
    errors: dict[str, list] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) < len(header):
            reason = "ligne vide" if not row or row == [""] else f"{len(row)} valeurs pour {len(header)} colonnes"
            raise AgenciesFileInvalid(f"File invalid -- ligne {line} : {reason}")
        if len(row) > len(header):
            raise AgenciesFileInvalid(f"File invalid -- ligne {line} : {len(row)} valeurs pour {len(header)} colonnes")
        identifier, name, description = (row[positions[column]].strip() for column in COLUMNS)
        line_errors = []
        missing = [column for column, value in (("Identifier", identifier), ("Name", name)) if not value]
        if missing:
            line_errors.append({
                "Code": "STP_IMPORT_AGENCIES_MISSING_INFORMATIONS.KO",
                "Message": ERROR_MESSAGES["STP_IMPORT_AGENCIES_MISSING_INFORMATIONS"],
                "Information additionnelle": ", ".join(missing),
            })
        if identifier in agencies:
            line_errors.append({
                "Code": "STP_IMPORT_AGENCIES_ID_DUPLICATION.KO",
                "Message": ERROR_MESSAGES["STP_IMPORT_AGENCIES_ID_DUPLICATION"],
                "Information additionnelle": identifier,
            })
        agency = {"Identifier": identifier, "Name": name, "Description": description}
        for column in OPTIONAL_COLUMNS:
            value = row[positions[column]].strip() if column in positions else ""
            if not value:
                continue
            if column in OPTIONAL_DATE_COLUMNS and not _AGENCY_DATE.fullmatch(value):
                raise AgenciesFileInvalid(f"File invalid -- ligne {line} : date {column} « {value} » "
                                          "attendue au format AAAA-MM-JJ ou JJ/MM/AAAA")
            agency[column] = [part.strip() for part in value.split("|")] if column in OPTIONAL_LIST_COLUMNS else value
        agencies[identifier] = agency
        if line_errors:
            errors[f"line {line}"] = line_errors
    return agencies, errors


def _used_by_access_contracts(db, tenant: int, identifiers) -> set[str]:
    wanted = set(identifiers)
    used = set()
    for contract in ref_store.list_all(db, tenant, "access_contracts"):
        used |= wanted & set(contract.get("OriginatingAgencies") or ())
    return used


def _report(operation_id, agencies, *, inserted=(), updated=(), deleted=(), used_contracts=(), used_units=(),
            errors=None) -> dict:
    report = {
        "Operation": {"evType": EV_TYPE, "evDateTime": logbook.now_iso()},
        "AgenciesToImport": list(agencies),
        "InsertedAgencies": sorted(inserted),
        "UpdatedAgencies": sorted(updated),
        "DeletedAgencies": sorted(deleted),
        "UsedAgenciesByContracts": sorted(used_contracts),
        "UsedAgenciesByAu": sorted(used_units),
    }
    if operation_id:
        report["Operation"]["evId"] = operation_id
    if errors:
        report["Errors"] = errors
    return report


def check(db, tenant: int, content: bytes, *, operation_id: str | None = None) -> AgenciesCheck:
    """Syntax then diff against the tenant's agencies; AgenciesFileInvalid when the file is unreadable."""
    agencies, errors = parse(content)
    if errors:
        return AgenciesCheck(False, _report(operation_id, agencies, errors=errors), detail=f"{EV_TYPE}.KO",
                             description=f"Import agency error > Invalid CSV File ({len(errors)} ligne(s) en erreur)")
    current = {doc["Identifier"]: doc for doc in ref_store.list_all(db, tenant, KIND)}
    to_insert = [agency for identifier, agency in agencies.items() if identifier not in current]
    to_update = [
        agency for identifier, agency in agencies.items()
        if identifier in current and any(current[identifier].get(column) != agency.get(column)
                                         for column in ("Name", "Description") + OPTIONAL_COLUMNS)
    ]
    to_delete = [identifier for identifier in current if identifier not in agencies]
    deleted_used_by_contracts = _used_by_access_contracts(db, tenant, to_delete)
    deleted_used_by_units = common.agencies_used_by_units(db, tenant, to_delete)
    if deleted_used_by_contracts or deleted_used_by_units:
        used = deleted_used_by_contracts | deleted_used_by_units
        report = _report(operation_id, agencies, deleted=to_delete, used_contracts=deleted_used_by_contracts,
                         used_units=deleted_used_by_units, errors={
                             "DeletedAgencies": [{
                                 "Code": "STP_IMPORT_AGENCIES_DELETE_USED_AGENCIES.KO",
                                 "Message": ERROR_MESSAGES["STP_IMPORT_AGENCIES_DELETE_USED_AGENCIES"],
                                 "Information additionnelle": sorted(used),
                             }]
                         })
        # AgenciesService checks the access contracts first, then the units, and words the refusal as a
        # small JSON text (buildErrorMessageWithAgenciesList), keys with their trailing space included.
        if deleted_used_by_contracts:
            reason, blocking = "Error deleting used agencies in access contract", deleted_used_by_contracts
        else:
            reason, blocking = "Error deleting used agencies in metadata", deleted_used_by_units
        description = json.dumps({"Message ": reason, "Agencies ": ",".join(sorted(blocking))},
                                 ensure_ascii=False, separators=(",", ":"))
        return AgenciesCheck(False, report, detail=f"{EV_TYPE}.DELETION.KO", description=description)
    updated_ids = [agency["Identifier"] for agency in to_update]
    report = _report(operation_id, agencies, inserted=[a["Identifier"] for a in to_insert], updated=updated_ids,
                     deleted=to_delete, used_contracts=_used_by_access_contracts(db, tenant, updated_ids),
                     used_units=common.agencies_used_by_units(db, tenant, updated_ids))
    return AgenciesCheck(True, report, to_insert=to_insert, to_update=to_update, to_delete=to_delete)


def import_file(db, store, tenant: int, content: bytes, *, filename: str | None, operation_id: str,
                application_id: str | None = None) -> AgenciesCheck:
    """Check then replace the tenant's agencies, with logbook IMPORT_AGENCIES and report.

    Raises AgenciesFileInvalid (unreadable file, logged KO) or common.ImportInProgress (logged KO).
    """
    file_data = {"FileName": filename} if filename else None
    try:
        with common.import_lock(store, tenant, KIND):
            logbook.start(db, tenant=tenant, ev_type=EV_TYPE, ev_type_proc="MASTERDATA", operation_id=operation_id,
                          application_id=application_id, data=file_data)
            logbook.event(db, operation_id, f"{EV_TYPE}.CHECK_CONCURRENT_AGENCIES_IMPORT", "OK")
            try:
                result = check(db, tenant, content, operation_id=operation_id)
            except AgenciesFileInvalid as exc:
                # Vitam's agencies service logs an unreadable file under "agencyCheck", as the VitamError says it.
                logbook.finish(db, operation_id, "KO", data=logbook.jackson_pretty(
                    {"agencyCheck": f"Import agency error > {exc}", **(file_data or {})}))
                raise
            if not result.ok:
                reports.write(store, tenant, operation_id, REPORT_KIND, result.report)
                # LogbookAgenciesImportManager.logError: the refusal under "agencyCheck".
                logbook.finish(db, operation_id, "KO", detail=result.detail, data=logbook.jackson_pretty(
                    {"agencyCheck": result.description, **(file_data or {})}))
                return result
            report = result.report
            for event_type, used in ((f"{EV_TYPE}.USED_CONTRACT", report["UsedAgenciesByContracts"]),
                                     (f"{EV_TYPE}.USED_AU", report["UsedAgenciesByAu"])):
                if used:
                    logbook.event(db, operation_id, event_type, "WARNING", data={"Information additionnelle": used})
                else:
                    logbook.event(db, operation_id, event_type, "OK")
            ref_store.put_many(db, tenant, KIND, [*result.to_insert, *result.to_update])
            ref_store.delete_many(db, tenant, KIND, result.to_delete)
            reports.write(store, tenant, operation_id, CSV_KIND, content)
            logbook.event(db, operation_id, "IMPORT_AGENCIES_BACKUP_CSV", "OK")
            logbook.event(db, operation_id, "BACKUP_AGENCIES", "OK")
            reports.write(store, tenant, operation_id, REPORT_KIND, report)
            logbook.event(db, operation_id, "AGENCIES_REPORT", "OK")
            logbook.finish(db, operation_id, "OK", data=file_data)
            return result
    except common.ImportInProgress:
        logbook.start(db, tenant=tenant, ev_type=EV_TYPE, ev_type_proc="MASTERDATA", operation_id=operation_id,
                      application_id=application_id, data=file_data)
        logbook.finish(db, operation_id, "KO", detail=f"{EV_TYPE}.CONCURRENCE.KO", data=file_data)
        raise


def get(db, tenant: int, identifier: str) -> dict | None:
    return ref_store.get(db, tenant, KIND, identifier)
