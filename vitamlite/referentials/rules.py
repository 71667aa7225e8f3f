"""Management rules referential (règles de gestion): CSV check, full-replacement import, report.

Faithful to Vitam's RulesManagerFileImpl (vitam-api.md §11.1): the CSV is mapped by header name, every
record is checked in Vitam's order and the report lists, per record ("line 2" = first record after the
header, whatever the number of physical lines), the errors with Vitam's codes and French messages.
An import replaces the tenant's whole referential: rules absent from the file are deleted, which is
refused while a unit still uses them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from vitamlite import dsl, logbook, reports, units_store
from vitamlite.ingest.rules import RulesError, compute_end_dates
from vitamlite.referentials import common
from vitamlite.referentials import store as ref_store

KIND = "rules"
COLUMNS = ("RuleId", "RuleType", "RuleValue", "RuleDescription", "RuleDuration", "RuleMeasurement")
RULE_TYPES = (
    "AppraisalRule",
    "AccessRule",
    "StorageRule",
    "DisseminationRule",
    "ClassificationRule",
    "ReuseRule",
    "HoldRule",
)
MEASUREMENTS = ("YEAR", "MONTH", "DAY", "SECOND")
UNLIMITED = "unlimited"
YEAR_LIMIT = 999
LIMITS = {"YEAR": YEAR_LIMIT, "MONTH": YEAR_LIMIT * 12, "DAY": YEAR_LIMIT * 12 * 30}
JAVA_INT_MAX = 2**31 - 1
# A hostile upload must not exhaust memory; 5,000 rules weigh about 1 MB.
MAX_CSV_BYTES = 50 * 1024 * 1024

EV_TYPE = "STP_IMPORT_RULES"
REPORT_KIND = "rulesreport"
CSV_KIND = "rulesreferential.csv"

# vitam-error-messages.properties (FileRulesErrorCode).
ERROR_MESSAGES = {
    "STP_IMPORT_RULES_RULEID_DUPLICATION": (
        "Il existe plusieurs fois le même RuleId. Ce RuleId doit être unique dans l'ensemble du référentiel"
    ),
    "STP_IMPORT_RULES_NOT_CSV_FORMAT": "Le fichier importé n'est pas au format CSV",
    "STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW": (
        "Au moins une RuleType est incorrecte. RuleType autorisés : AppraisalRule, AccessRule, StorageRule, "
        "DisseminationRule, ReuseRule, ClassificationRule"
    ),
    "STP_IMPORT_RULES_WRONG_RULEMEASUREMENT": (
        "Au moins un champs RuleDuration à une valeur incorrecte. La valeur doit être un entier positif ou nul, "
        "ou être indiquée unlimited"
    ),
    "STP_IMPORT_RULES_WRONG_RULEDURATION": (
        "Au moins un champs RuleDuration à une valeur incorrecte. La valeur doit être un entier positif ou nul, "
        "ou être indiquée unlimited"
    ),
    "STP_IMPORT_RULES_WRONG_TOTALDURATION": (
        "L'association de RuleDuration et de RuleMeasurement doit être  inférieure ou égale à 999 ans"
    ),
}

OPERATION_MESSAGES = {
    "OK": "Succès du processus d'import du référentiel des règles de gestion",
    "WARNING": (
        "Avertissement lors du processus d'import des règles de gestion, des règles de gestions ont été modifiées "
        "et sont utilisées par des unités archivistiques existantes"
    ),
    "KO": "Échec du processus d'import du référentiel des règles de gestion",
    "FATAL": "Erreur technique lors du processus d'import du référentiel des règles de gestion",
}

logbook.register_messages(
    labels={
        EV_TYPE: "processus d'import du référentiel des règles de gestion",
        "UPDATE_RULES_ARCHIVE_UNITS": "processus de mise à jour des règles de gestion des unités archivistiques",
        "UPDATE_UNIT_RULES": "recalcul des dates de fin des règles de gestion des unités archivistiques",
    },
    messages={
        **{f"{EV_TYPE}.{outcome}": message for outcome, message in OPERATION_MESSAGES.items()},
        "CHECK_RULES.OK": "Succès du contrôle de la conformité du fichier des règles de gestion",
        "CHECK_RULES.WARNING": "Avertissement lors du contrôle de la conformité du fichier des règles de gestion",
        "CHECK_RULES.KO": "Échec du contrôle de la conformité du fichier des règles de gestion",
        "CHECK_RULES.INVALID_CSV.KO": (
            "Échec du contrôle de la conformité du fichier des règles de gestion : fichier CSV invalide"
        ),
        "CHECK_RULES.INVALID_CSV_ENCODING_NOT_UTF_EIGHT.KO": (
            "Échec du contrôle de la conformité du fichier des règles de gestion : "
            "fichier CSV n'est pas encodé en UTF8"
        ),
        "CHECK_RULES.IMPORT_IN_PROCESS.KO": (
            "Échec du contrôle de la conformité du fichier car une mise à jour du référentiel est déjà en cours"
        ),
        "RULES_REPORT.OK": "Succès de la génération du rapport d'analyse du référentiel des règles de gestion",
        "COMMIT_RULES.OK": "Succès de la persistance des données en base",
        "STP_IMPORT_RULES_BACKUP_CSV.OK": (
            "Succès du processus d'enregistrement du fichier d'import du référentiel des règles de gestion"
        ),
        "STP_IMPORT_RULES_BACKUP.OK": "Succès du processus de sauvegarde du référentiel des règles de gestion",
    },
)

_INTEGER = re.compile(r"[+-]?[0-9]+")


class CsvUnreadable(Exception):
    """The file cannot be read as a rules CSV at all (encoding or structure); `detail` says why, in French."""

    def __init__(self, check_detail: str, detail: str):
        super().__init__(detail)
        self.check_detail = check_detail
        self.detail = detail


@dataclass
class RulesCheck:
    """Outcome of checking a rules CSV against the tenant's current referential."""

    status: str  # OK, WARNING or KO
    report: dict
    # Used rules whose duration changed: their units' end dates must be recomputed.
    recompute: list = field(default_factory=list)
    check_detail: str | None = None  # outDetail of the failed CHECK_RULES event
    to_insert: list = field(default_factory=list)
    to_update: list = field(default_factory=list)
    to_delete: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "KO"


def _java_int(value: str) -> int | None:
    """Integer.parseInt: optional sign, digits only, 32-bit; None where Java throws."""
    if not _INTEGER.fullmatch(value):
        return None
    number = int(value)
    return number if -JAVA_INT_MAX - 1 <= number <= JAVA_INT_MAX else None


def _error(code: str, information) -> dict:
    return {"Code": f"{code}.KO", "Message": ERROR_MESSAGES[code], "Information additionnelle": information}


def decode(content: bytes) -> str:
    """UTF-8 text of the file (a leading byte-order mark is dropped); CsvUnreadable otherwise."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvUnreadable(
            "CHECK_RULES.INVALID_CSV_ENCODING_NOT_UTF_EIGHT.KO",
            f"Le fichier n'est pas encodé en UTF-8 (octet invalide à la position {exc.start}).",
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_records(text: str) -> list[tuple[int, dict]]:
    """(line number, {column: value or None}) per CSV record, mapped by header name like Jackson's CsvMapper."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise CsvUnreadable("CHECK_RULES.INVALID_CSV.KO", f"CSV illisible : {exc}.") from None
    # A final line break (or several) does not make a record.
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        raise CsvUnreadable("CHECK_RULES.INVALID_CSV.KO", "Le fichier est vide.")
    header = [name.strip() for name in rows[0]]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown and rows[1:]:
        # Jackson maps each record onto FileRulesCSV, which does not ignore unknown properties: the read fails
        # with an IOException, which RulesManagerFileImpl.handleIOException logs as an encoding error.
        raise CsvUnreadable("CHECK_RULES.INVALID_CSV_ENCODING_NOT_UTF_EIGHT.KO",
                            f"Colonne(s) inconnue(s) : {', '.join(repr(name) for name in unknown)}.")
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) > len(header):
            raise CsvUnreadable(
                "CHECK_RULES.INVALID_CSV.KO",
                f"Ligne {line} : {len(row)} valeurs pour {len(header)} colonnes (virgule en trop ?).",
            )
        values = dict(zip(header, row))
        records.append((line, {column: values.get(column) for column in COLUMNS}))
    return records


def _missing_parameters(record: dict) -> list[str]:
    missing = [column for column in ("RuleId", "RuleType", "RuleValue") if not record[column]]
    has_duration = record["RuleDuration"] is not None
    has_measurement = record["RuleMeasurement"] is not None
    if record["RuleType"] == "HoldRule":
        # A hold rule may have no duration, but then neither value nor unit.
        if has_measurement and not has_duration:
            missing.append("RuleDuration")
        if has_duration and not has_measurement:
            missing.append("RuleMeasurement")
    else:
        if not has_duration:
            missing.append("RuleDuration")
        if not has_measurement:
            missing.append("RuleMeasurement")
    return missing


def _check_record(record: dict, seen: set) -> list[dict]:
    """Errors of one record, in Vitam's order (the tests compare the Code of the first one)."""
    errors = []
    duration, measurement, rule_type = record["RuleDuration"], record["RuleMeasurement"], record["RuleType"]
    missing = _missing_parameters(record)
    if missing:
        errors.append(_error("STP_IMPORT_RULES_NOT_CSV_FORMAT", ", ".join(missing)))
    if duration is not None and duration.lower() != UNLIMITED:
        number = _java_int(duration)
        if number is None or number < 0:
            errors.append(_error("STP_IMPORT_RULES_WRONG_RULEDURATION", duration))
    if record["RuleId"] in seen:
        errors.append(_error("STP_IMPORT_RULES_RULEID_DUPLICATION", record["RuleId"]))
    measurement_ok = measurement is not None and measurement.upper() in MEASUREMENTS
    if measurement is not None and not measurement_ok:
        errors.append(_error("STP_IMPORT_RULES_WRONG_RULEMEASUREMENT", measurement))
    type_ok = rule_type in RULE_TYPES
    if not type_ok:
        errors.append(_error("STP_IMPORT_RULES_WRONG_RULETYPE_UNKNOW", rule_type or ""))
    if type_ok and measurement_ok and duration is not None and duration.lower() != UNLIMITED:
        limit = LIMITS.get(measurement.upper())
        if limit is not None:
            number = _java_int(duration)
            if number is None or number > limit:
                errors.append(_error("STP_IMPORT_RULES_WRONG_TOTALDURATION", f"{duration} {measurement}"))
    return errors


def parse(content: bytes) -> tuple[dict[str, dict], dict[str, list]]:
    """Rules of the file by RuleId (stored form) and the errors by "line N"; CsvUnreadable if unreadable."""
    if len(content) > MAX_CSV_BYTES:
        raise CsvUnreadable("CHECK_RULES.INVALID_CSV.KO", "Le fichier dépasse la taille maximale autorisée.")
    rules: dict[str, dict] = {}
    errors: dict[str, list] = {}
    for line, raw in read_records(decode(content)):
        # Jackson reads an empty cell as "", Vitam turns empty duration/measurement into "absent".
        record = dict(raw)
        for column in ("RuleDuration", "RuleMeasurement"):
            if record[column] == "":
                record[column] = None
        record_errors = _check_record(record, rules.keys())
        if record_errors:
            errors[f"line {line}"] = record_errors
            rules[record["RuleId"]] = {}
            continue
        rule = {
            "RuleId": record["RuleId"],
            "RuleType": record["RuleType"],
            "RuleValue": record["RuleValue"],
            "RuleDescription": record["RuleDescription"] or "",
        }
        if record["RuleDuration"] is not None:
            rule["RuleDuration"] = record["RuleDuration"]
            rule["RuleMeasurement"] = record["RuleMeasurement"].upper()
        rules[record["RuleId"]] = rule
    return rules, errors


_COMPARED = ("RuleType", "RuleValue", "RuleDescription", "RuleDuration", "RuleMeasurement")


def _report(status: str, operation_id: str | None, *, errors=None, inserted=(), updated=(), deleted=(),
            used_to_delete=(), used_to_update=(), used_duration_mode=()) -> dict:
    operation = {"evType": EV_TYPE, "evDateTime": logbook.now_iso(), "outMessg": OPERATION_MESSAGES[status]}
    if operation_id:
        operation["evId"] = operation_id
    report = {"Operation": operation}
    if errors:
        report["error"] = errors
    report |= {
        "insertedRules": sorted(inserted),
        "updatedRules": sorted(updated),
        "deletedRules": sorted(deleted),
        "usedFileRulesToDelete": sorted(used_to_delete),
        "usedFileRulesToUpdate": sorted(used_to_update),
        "usedRulesWithDurationModeUpdate": sorted(used_duration_mode),
    }
    return report


def check(db, tenant: int, content: bytes, *, operation_id: str | None = None) -> RulesCheck:
    """Everything an import verifies, without writing anything: syntax, then the diff against the database."""
    try:
        rules, errors = parse(content)
    except CsvUnreadable as exc:
        report = _report("KO", operation_id)
        report["Operation"]["outDetail"] = exc.check_detail
        report["Operation"]["evDetData"] = exc.detail
        return RulesCheck("KO", report, check_detail=exc.check_detail)
    if errors:
        # RulesManagerFileImpl.processRuleParsing: line errors (FileRulesCsvException) are INVALID_CSV.
        return RulesCheck("KO", _report("KO", operation_id, errors=errors), check_detail="CHECK_RULES.INVALID_CSV.KO")

    current = {doc["RuleId"]: doc for doc in ref_store.list_all(db, tenant, KIND)}
    to_insert = [rule for rule_id, rule in rules.items() if rule_id not in current]
    to_delete = [rule_id for rule_id in current if rule_id not in rules]
    to_update, duration_mode_changed, duration_changed = [], [], []
    for rule_id, rule in rules.items():
        old = current.get(rule_id)
        if old is None or all(old.get(key) == rule.get(key) for key in _COMPARED):
            continue
        to_update.append(rule)
        if ("RuleDuration" in old) != ("RuleDuration" in rule):
            duration_mode_changed.append(rule_id)
        elif (old.get("RuleDuration"), old.get("RuleMeasurement")) != (rule.get("RuleDuration"), rule.get("RuleMeasurement")):
            duration_changed.append(rule_id)

    used = common.rules_used_by_units(db, tenant, [*to_delete, *(rule["RuleId"] for rule in to_update)])
    used_to_delete = [rule_id for rule_id in to_delete if rule_id in used]
    if used_to_delete:
        return RulesCheck(
            "KO", _report("KO", operation_id, used_to_delete=used_to_delete), check_detail="CHECK_RULES.KO"
        )
    used_duration_mode = [rule_id for rule_id in duration_mode_changed if rule_id in used]
    if used_duration_mode:
        return RulesCheck(
            "KO", _report("KO", operation_id, used_duration_mode=used_duration_mode), check_detail="CHECK_RULES.KO"
        )
    used_to_update = [rule["RuleId"] for rule in to_update if rule["RuleId"] in used]
    # Only a changed duration of a used rule changes units' end dates: that is Vitam's WARNING.
    recompute = [rule_id for rule_id in duration_changed if rule_id in used]
    status = "WARNING" if recompute else "OK"
    report = _report(
        status,
        operation_id,
        inserted=[rule["RuleId"] for rule in to_insert],
        updated=[rule["RuleId"] for rule in to_update],
        deleted=to_delete,
        used_to_update=used_to_update,
    )
    return RulesCheck(status, report, recompute=recompute, to_insert=to_insert, to_update=to_update,
                      to_delete=to_delete)


def import_file(db, store, tenant: int, content: bytes, *, filename: str | None, operation_id: str,
                application_id: str | None = None) -> RulesCheck:
    """Check then replace the tenant's rules; logbook STP_IMPORT_RULES and report are written in every case.

    Raises common.ImportInProgress (after logging the refused operation) when another import runs.
    """
    file_data = {"FileName": filename} if filename else None
    try:
        with common.import_lock(store, tenant, KIND):
            logbook.start(db, tenant=tenant, ev_type=EV_TYPE, ev_type_proc="MASTERDATA", operation_id=operation_id,
                          application_id=application_id, data=file_data)
            result = check(db, tenant, content, operation_id=operation_id)
            reports.write(store, tenant, operation_id, REPORT_KIND, result.report)
            if not result.ok:
                logbook.event(db, operation_id, "CHECK_RULES", "KO", detail=result.check_detail,
                              data=_check_data(result))
                logbook.finish(db, operation_id, "KO", data=file_data)
                return result
            logbook.event(db, operation_id, "CHECK_RULES", result.status, data=_check_data(result))
            logbook.event(db, operation_id, "RULES_REPORT", "OK")
            ref_store.put_many(db, tenant, KIND, [*result.to_insert, *result.to_update])
            ref_store.delete_many(db, tenant, KIND, result.to_delete)
            logbook.event(db, operation_id, "COMMIT_RULES", "OK", data={
                "inserted": len(result.to_insert), "updated": len(result.to_update), "deleted": len(result.to_delete),
            })
            reports.write(store, tenant, operation_id, CSV_KIND, content)
            logbook.event(db, operation_id, "STP_IMPORT_RULES_BACKUP_CSV", "OK")
            logbook.event(db, operation_id, "STP_IMPORT_RULES_BACKUP", "OK")
            logbook.finish(db, operation_id, result.status, data=file_data)
            if result.recompute:
                recompute_units(db, tenant, result.recompute, application_id=application_id)
            return result
    except common.ImportInProgress:
        # The lock is taken before any write, so the refused operation is logged after the running one.
        logbook.start(db, tenant=tenant, ev_type=EV_TYPE, ev_type_proc="MASTERDATA", operation_id=operation_id,
                      application_id=application_id, data=file_data)
        logbook.event(db, operation_id, "CHECK_RULES", "KO", detail="CHECK_RULES.IMPORT_IN_PROCESS.KO")
        logbook.finish(db, operation_id, "KO", data=file_data)
        raise


def recompute_units(db, tenant: int, rule_ids: list[str], *, application_id: str | None = None) -> str:
    """Vitam's UPDATE_RULES_ARCHIVE_UNITS: new end dates for the units using rules whose duration changed.

    Runs as its own logbook operation (returned) in the caller's transaction.
    """
    operation_id = logbook.start(db, tenant=tenant, ev_type="UPDATE_RULES_ARCHIVE_UNITS", ev_type_proc="UPDATE",
                                 application_id=application_id, data={"rules": sorted(rule_ids)})
    rules_by_id = all_rules(db, tenant)
    query = {"$roots": [], "$query": [{"$or": [
        {"$in": {f"#management.{category}.Rules.Rule": sorted(rule_ids)}} for category in RULE_TYPES
    ]}]}
    updated, failed = 0, {}
    for unit_id in dsl.search_unit_ids(db, tenant, query, None):
        unit = units_store.get_unit_doc(db, tenant, unit_id)
        try:
            unit["#management"] = compute_end_dates(unit.get("#management") or {}, rules_by_id)
        except RulesError as exc:
            failed[unit_id] = exc.message
            continue
        units_store.update_unit(db, tenant, unit_id, unit)
        updated += 1
    outcome = "WARNING" if failed else "OK"
    logbook.event(db, operation_id, "UPDATE_UNIT_RULES", outcome, data={"updated": updated, "errors": failed or None})
    logbook.finish(db, operation_id, outcome)
    return operation_id


def _check_data(result: RulesCheck) -> dict | None:
    report = result.report
    data = {key: report[key] for key in ("usedFileRulesToDelete", "usedFileRulesToUpdate",
                                         "usedRulesWithDurationModeUpdate") if report.get(key)}
    if "evDetData" in report["Operation"]:
        data["Error"] = report["Operation"]["evDetData"]
    if report.get("error"):
        data["Error"] = f"{len(report['error'])} ligne(s) en erreur"
    return data or None


def get(db, tenant: int, rule_id: str) -> dict | None:
    return ref_store.get(db, tenant, KIND, rule_id)


def all_rules(db, tenant: int) -> dict[str, dict]:
    """The tenant's rules by RuleId (for ingest's end-date computation and checks)."""
    return {doc["RuleId"]: doc for doc in ref_store.list_all(db, tenant, KIND)}
