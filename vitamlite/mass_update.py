"""Mass updates of archive units (vitam-api.md §5.1, §6.5), as background workflows.

    POST /access-external/v1/units/rules   {"dslRequest": BATCH_PROCESSING, "ruleActions": {add, update, delete,
                                            addOrUpdateMetadata, deleteMetadata}}   → MASS_UPDATE_UNIT_RULE
    POST /access-external/v1/units         MASS_UPDATE DSL ($set, $unset, $setregex)  → MASS_UPDATE_UNIT_DESC

Both answer 200 at once with the operation id in X-Request-Id (as Vitam's access-external does) and need an
access contract with WritingPermission (401 020140 otherwise; WritingRestrictedDesc also forbids rule updates).
Rule actions change each unit's own `#management`; end dates are then recomputed from the rules referential
(never taken from the client). Each unit is updated or left untouched as a whole: a unit the actions cannot
apply to, or that Vitam's unit schema would refuse after them, is reported KO (the operation ends WARNING), a
unit they do not change OK (UNIT_METADATA_NO_CHANGES), as Vitam. A JSON-lines batch report is written
(GET /admin-external/v1/batchreport/{opId}); progress is kept in the operation's evDetData like eliminations.
"""

from __future__ import annotations

import copy
import logging
import re

from vitamlite import dsl, logbook, processing, reports, units_store
from vitamlite.elimination import (
    precondition_failed,
    selected_unit_ids,
    set_progress,
    start_operation,
    threshold_of,
)
from vitamlite.http import VitamHttpError, endpoint, json_response
from vitamlite.ingest.rules import CATEGORY_PROPERTIES, CLASSIFICATION_LEVELS, MAX_YEAR, RulesError, compute_end_dates
from vitamlite.referentials import store as referentials

logger = logging.getLogger(__name__)

ACCESS = "/access-external/v1"
MASS_UPDATE_THRESHOLD = 100_000
BATCH_SIZE = 500

RULE_CATEGORIES = ("AccessRule", "AppraisalRule", "StorageRule", "DisseminationRule", "ClassificationRule",
                   "ReuseRule", "HoldRule")
RULE_ATTRIBUTES = ("StartDate", "HoldEndDate", "HoldOwner", "HoldReason", "HoldReassessingDate", "PreventRearrangement")
FINAL_ACTIONS = {"AppraisalRule": ("Keep", "Destroy"), "StorageRule": ("RestrictAccess", "Transfer", "Copy")}
# Vitam parses rule dates with DateTimeFormatter "yyyy-MM-dd": a time part is refused.
_RULE_DATE = re.compile(r"\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
CLASSIFICATION_ONLY = ("ClassificationLevel", "ClassificationOwner", "ClassificationAudience",
                       "ClassificationReassessingDate", "NeedReassessingAuthorization")
ACTION_KEYS = ("add", "update", "delete", "addOrUpdateMetadata", "deleteMetadata")

logbook.register_messages(labels={
    "STP_MASS_UPDATE_CHECK": "processus de vérification de la mise à jour de masse",
    "MASS_UPDATE_RULES_CHECK": "la vérification des règles de gestion à mettre à jour",
    "MASS_UPDATE_CHECK": "la vérification de la requête de mise à jour de masse",
    "STP_MASS_UPDATE_UNIT_RULE": "processus de mise à jour des règles de gestion des unités archivistiques",
    "MASS_UPDATE_UNITS_RULES": "la mise à jour des règles de gestion des unités archivistiques",
    "STP_MASS_UPDATE_UNIT": "processus de mise à jour des métadonnées descriptives des unités archivistiques",
    "MASS_UPDATE_UNITS": "la mise à jour des unités archivistiques",
    "STP_MASS_UPDATE_FINALIZE": "processus de finalisation de la mise à jour de masse",
    "MASS_UPDATE_FINALIZE": "la finalisation de la mise à jour de masse",
})


class UnitUpdateError(Exception):
    """The actions cannot be applied to this unit (reported KO for it, the others go on)."""


# ---------------------------------------------------------------------------------------------
# Request checks


def _check_writing(ctx, *, rules: bool) -> None:
    contract = ctx.contract or {}
    if not contract.get("WritingPermission"):
        raise VitamHttpError(401, "020140", f"Access contract {contract.get('Identifier')} has no writing permission",
                             message="Access contract does not allow updates")
    if rules and contract.get("WritingRestrictedDesc"):
        raise VitamHttpError(401, "020140", f"Access contract {contract.get('Identifier')} only allows updates of"
                             " descriptive metadata", message="Access contract does not allow updates")


def checked_rule_actions(body) -> dict:
    """The `ruleActions` of a rules mass update, shape-checked (412 when malformed)."""
    actions = body.get("ruleActions")
    if not isinstance(actions, dict):
        raise precondition_failed("ruleActions is mandatory and must be a JSON object")
    unknown = set(actions) - set(ACTION_KEYS)
    if unknown:
        raise precondition_failed(f"Unknown key(s) in ruleActions: {', '.join(sorted(unknown))}")
    for key in ("add", "update", "delete"):
        items = actions.get(key) or []
        if not isinstance(items, list):
            raise precondition_failed(f"ruleActions.{key} must be a list")
        for item in items:
            if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in RULE_CATEGORIES:
                raise precondition_failed(f"Each item of ruleActions.{key} must hold exactly one rule category")
            spec = next(iter(item.values()))
            if spec is not None and not isinstance(spec, dict):
                raise precondition_failed(f"ruleActions.{key}: the content of a category must be an object")
            if spec and not isinstance(spec.get("Rules", []), list):
                raise precondition_failed(f"ruleActions.{key}: Rules must be a list")
    for key in ("addOrUpdateMetadata", "deleteMetadata"):
        if not isinstance(actions.get(key) or {}, dict):
            raise precondition_failed(f"ruleActions.{key} must be an object")
    return actions


@endpoint("POST", ACCESS + "/units/rules", contract=True)
def mass_update_units_rules(ctx, request):
    body = ctx.json()
    if not isinstance(body, dict):
        raise precondition_failed("The body must be a JSON object with dslRequest and ruleActions")
    if not isinstance(body.get("dslRequest"), dict):
        raise precondition_failed("dslRequest is mandatory and must be a JSON object")
    try:
        dsl.validate(body["dslRequest"], "batch_processing")
    except dsl.DslInvalid as error:
        raise VitamHttpError(400, "000601", str(error), message="Dsl query is not valid.", context="Vitam",
                             state="Business")
    query = body["dslRequest"]
    actions = checked_rule_actions(body)
    _check_writing(ctx, rules=True)
    return _start(ctx, "MASS_UPDATE_UNIT_RULE", run_rules_update, query, actions, body)


@endpoint("POST", ACCESS + "/units", contract=True, dsl="update_mass")
def mass_update_units(ctx, request):
    _check_writing(ctx, rules=False)
    query = {key: value for key, value in ctx.query.items() if key != "$action"}
    return _start(ctx, "MASS_UPDATE_UNIT_DESC", run_description_update, query, ctx.query["$action"], ctx.query)


def _start(ctx, ev_type, workflow, query, actions, context_body):
    operation_id = start_operation(ctx, ev_type=ev_type, ev_type_proc="MASS_UPDATE")
    store, tenant, contract = ctx.store, ctx.tenant, ctx.contract
    ctx.on_commit(lambda: processing.submit(store, workflow, store, tenant, operation_id, query, actions, contract,
                                            context_body))
    return json_response({"httpCode": 200, "$hits": {"total": 1, "offset": 0, "limit": 1, "size": 1},
                          "$results": [{"itemId": operation_id, "globalState": "RUNNING", "globalStatus": "STARTED"}],
                          "$facetResults": [], "$context": context_body},
                         status=200, headers={"X-Request-Id": operation_id})


# ---------------------------------------------------------------------------------------------
# Rule actions on one unit's #management


def check_rule_actions(actions: dict, rules_by_id: dict) -> list[str]:
    """Problems that make the whole operation KO (MASS_UPDATE_RULES_CHECK): unknown rules, a rule of
    another category, dates not written yyyy-MM-dd or a start date from year 9000 (Vitam's
    UnitMetadataRulesUpdateCheckConsistency). A FinalAction outside the category's values is not one: each
    unit refuses it at schema validation (unit_schema_problem)."""
    problems = []
    for key in ("add", "update"):
        for item in actions.get(key) or []:
            category, spec = next(iter(item.items()))
            spec = spec or {}
            for rule in spec.get("Rules") or []:
                if not isinstance(rule, dict):
                    problems.append(f"{key} {category} : règle mal formée")
                    continue
                for field in ("Rule", "OldRule") if key == "update" else ("Rule",):
                    rule_id = rule.get(field)
                    if field == "Rule" and key == "add" and not rule_id:
                        problems.append(f"{key} {category} : identifiant de règle manquant")
                    if not rule_id:
                        continue
                    referential = rules_by_id.get(rule_id)
                    if referential is None:
                        problems.append(f"La règle {rule_id} n'existe pas dans le référentiel des règles de gestion")
                    elif referential.get("RuleType") != category:
                        problems.append(f"La règle {rule_id} est de type {referential.get('RuleType')} et non {category}")
                for field in ("StartDate", "HoldEndDate", "HoldReassessingDate"):
                    value = rule.get(field)
                    if value is None:
                        continue
                    if not isinstance(value, str) or not _RULE_DATE.fullmatch(value):
                        problems.append(f"La date {field} doit suivre le format AAAA-MM-JJ pour la catégorie {category}")
                    elif field == "StartDate" and int(value.split("-")[0]) >= MAX_YEAR:
                        problems.append(f"Date {field} postérieure à l'an {MAX_YEAR} pour la règle {rule.get('Rule')}")
            for rule_id in [*(spec.get("PreventRulesId") or []), *(spec.get("PreventRulesIdToAdd") or [])]:
                referential = rules_by_id.get(rule_id)
                if referential is None or referential.get("RuleType") != category:
                    problems.append(f"La règle {rule_id} exclue de l'héritage n'existe pas dans la catégorie {category}")
            level = spec.get("ClassificationLevel")
            if category == "ClassificationRule" and level is not None and level not in CLASSIFICATION_LEVELS:
                problems.append(f"Niveau de classification non autorisé : {level}")
            if category != "ClassificationRule" and any(name in spec for name in CLASSIFICATION_ONLY):
                problems.append(f"Propriété de classification non autorisée pour {category}")
    return problems


def unit_schema_problem(doc: dict) -> str | None:
    """What Vitam's unit schema (archive-unit-schema.json, checked by UnitValidator after every update of a
    unit) refuses among what a mass update can change: no Title nor Title_, no DescriptionLevel, a
    StorageRule or AppraisalRule without FinalAction or with a value outside its list."""
    if "Title" not in doc and "Title_" not in doc:
        return "Le titre (Title ou Title_) est obligatoire"
    if "DescriptionLevel" not in doc:
        return "Le niveau de description (DescriptionLevel) est obligatoire"
    for category, allowed in FINAL_ACTIONS.items():
        rules = (doc.get("#management") or {}).get(category)
        if rules is None:
            continue
        final_action = rules.get("FinalAction")
        if final_action is None:
            return f"Le sort final (FinalAction) est obligatoire pour {category}"
        if final_action not in allowed:
            return f"FinalAction {final_action} non autorisée pour {category}"
    return None


def _set_inheritance(category: dict, spec: dict) -> None:
    inheritance = category.setdefault("Inheritance", {})
    if "PreventInheritance" in spec and spec["PreventInheritance"] is not None:
        inheritance["PreventInheritance"] = bool(spec["PreventInheritance"])
    if "PreventRulesId" in spec and spec["PreventRulesId"] is not None:
        inheritance["PreventRulesId"] = list(dict.fromkeys(spec["PreventRulesId"]))
    if spec.get("PreventRulesIdToAdd"):
        inheritance["PreventRulesId"] = list(dict.fromkeys([*inheritance.get("PreventRulesId", []),
                                                            *spec["PreventRulesIdToAdd"]]))
    if not inheritance:
        del category["Inheritance"]


def _set_properties(category: dict, spec: dict) -> None:
    for name in CATEGORY_PROPERTIES:
        if name in spec and spec[name] is not None:
            category[name] = spec[name]


def _add(management: dict, category_name: str, spec: dict) -> None:
    category = management.setdefault(category_name, {})
    existing = {rule["Rule"] for rule in category.get("Rules", [])}
    for rule in spec.get("Rules") or []:
        if rule["Rule"] in existing:
            raise UnitUpdateError(f"La règle {rule['Rule']} est déjà déclarée sur l'unité archivistique")
        category.setdefault("Rules", []).append(
            {"Rule": rule["Rule"], **{key: rule[key] for key in RULE_ATTRIBUTES if rule.get(key) is not None}})
        existing.add(rule["Rule"])
    _set_properties(category, spec)
    _set_inheritance(category, spec)


def _update(management: dict, category_name: str, spec: dict) -> None:
    category = management.get(category_name)
    rules = spec.get("Rules") or []
    if category is None and not (set(spec) - {"Rules"}):
        return  # nothing of that category on this unit to update
    category = management.setdefault(category_name, {})
    for change in rules:
        current = next((rule for rule in category.get("Rules", []) if rule["Rule"] == change.get("OldRule")), None)
        if current is None:
            continue
        new_id = change.get("Rule")
        if new_id and new_id != current["Rule"]:
            if any(rule["Rule"] == new_id for rule in category["Rules"]):
                raise UnitUpdateError(f"La règle {new_id} est déjà déclarée sur l'unité archivistique")
            current["Rule"] = new_id
        for key in RULE_ATTRIBUTES:
            if change.get(f"Delete{key}"):
                current.pop(key, None)
            elif change.get(key) is not None:
                current[key] = change[key]
    _set_properties(category, spec)
    _set_inheritance(category, spec)


def _delete(management: dict, category_name: str, spec) -> None:
    category = management.get(category_name)
    if category is None:
        return
    if not spec:
        del management[category_name]  # {"Cat": null} or {"Cat": {}}: the whole category goes
        return
    removed = {rule.get("Rule") for rule in spec.get("Rules") or []}
    if removed:
        category["Rules"] = [rule for rule in category.get("Rules", []) if rule["Rule"] not in removed]
        if not category["Rules"]:
            del category["Rules"]
    inheritance = category.get("Inheritance", {})
    if "PreventInheritance" in spec:
        inheritance.pop("PreventInheritance", None)
    if "PreventRulesId" in spec:
        inheritance.pop("PreventRulesId", None)
    if spec.get("PreventRulesIdToRemove"):
        kept = [rule_id for rule_id in inheritance.get("PreventRulesId", []) if rule_id not in spec["PreventRulesIdToRemove"]]
        inheritance["PreventRulesId"] = kept
    if "Inheritance" in category and not category["Inheritance"]:
        del category["Inheritance"]
    for name in CATEGORY_PROPERTIES:
        if name in spec:
            category.pop(name, None)
    if not category:
        del management[category_name]


def apply_rule_actions(unit: dict, actions: dict, rules_by_id: dict) -> dict:
    """The unit document after the rule actions (end dates recomputed); raises UnitUpdateError."""
    doc = copy.deepcopy(unit)
    management = doc.setdefault("#management", {})
    for item in actions.get("add") or []:
        _add(management, *next(iter(item.items())))
    for item in actions.get("update") or []:
        _update(management, *next(iter(item.items())))
    for item in actions.get("delete") or []:
        _delete(management, *next(iter(item.items())))
    for key, value in (actions.get("addOrUpdateMetadata") or {}).items():
        if key.startswith(("#", "_", "$")):
            raise UnitUpdateError(f"Le champ {key} ne peut pas être modifié")
        doc[key] = value
    for key in actions.get("deleteMetadata") or {}:
        if not key.startswith(("#", "_", "$")):
            doc.pop(key, None)
    try:
        compute_end_dates(management, rules_by_id)
    except RulesError as error:
        raise UnitUpdateError(error.message) from None
    return doc


# ---------------------------------------------------------------------------------------------
# Descriptive metadata actions ($set, $unset, $setregex)


def internal_fields(actions: list[dict]) -> list[str]:
    fields = []
    for action in actions:
        fields.extend((action.get("$set") or {}).keys())
        fields.extend(action.get("$unset") or [])
        if action.get("$setregex"):
            fields.append(action["$setregex"].get("$target", ""))
    return [field for field in fields if field.split(".")[0].startswith(("#", "_", "$"))]


def _set_path(doc: dict, path: str, value) -> None:
    parts = path.split(".")
    target = doc
    for part in parts[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[parts[-1]] = value


def _unset_path(doc: dict, path: str) -> None:
    parts = path.split(".")
    target = doc
    for part in parts[:-1]:
        target = target.get(part)
        if not isinstance(target, dict):
            return
    target.pop(parts[-1], None)


_JAVA_REPLACEMENT = re.compile(r"\\(.)|\$(\d+)|\$\{(\w+)\}", re.S)


def _java_replacement(template: str):
    """Vitam applies $updatePattern with Java's Matcher.replaceAll: a backslash quotes the next character,
    `$1` and `${name}` are groups."""
    def replace(match: re.Match) -> str:
        def part(token: re.Match) -> str:
            quoted, number, name = token.groups()
            if quoted is not None:
                return quoted
            return match.group(int(number) if number else name) or ""
        return _JAVA_REPLACEMENT.sub(part, template)
    return replace


def apply_description_actions(unit: dict, actions: list[dict]) -> dict:
    doc = copy.deepcopy(unit)
    for action in actions:
        for path, value in (action.get("$set") or {}).items():
            _set_path(doc, path, value)
        for path in action.get("$unset") or []:
            _unset_path(doc, path)
        regex = action.get("$setregex")
        if regex:
            try:
                pattern = re.compile(regex["$controlPattern"])
            except re.error as error:
                raise UnitUpdateError(f"Expression régulière invalide : {error}") from None
            replace = _java_replacement(regex["$updatePattern"])
            value = doc.get(regex["$target"])
            if isinstance(value, str):
                doc[regex["$target"]] = pattern.sub(replace, value)
            elif isinstance(value, list):
                doc[regex["$target"]] = [pattern.sub(replace, v) if isinstance(v, str) else v for v in value]
    return doc


# ---------------------------------------------------------------------------------------------
# Workflows


def _rules_by_id(db, tenant: int) -> dict:
    return {rule["RuleId"]: rule for rule in referentials.list_all(db, tenant, "rules")}


def _run(db, store, tenant, operation_id, query, contract, context_body, *, check, apply, step, action):
    """Shared body: threshold and checks, then every unit updated (or not) on its own, then the report."""
    try:
        _MassUpdate(db, store, tenant, operation_id, query, contract, context_body, check=check, apply=apply,
                    step=step, action=action).run()
    except Exception:
        logger.exception("mass update %s failed", operation_id)
        db.rollback()
        logbook.finish(db, operation_id, "FATAL")


class _MassUpdate:
    """One mass update run; each step method logs "<STEP>.STARTED", its actions, then "<STEP>".

    `check` gives (check action, problems) for the request, `apply` the updated document of a unit;
    `step` and `action` name the update step and its action (rules or descriptive metadata)."""

    def __init__(self, db, store, tenant, operation_id, query, contract, context_body, *, check, apply, step,
                 action):
        self.db, self.store, self.tenant, self.operation_id = db, store, tenant, operation_id
        self.query, self.contract, self.context_body = query, contract, context_body
        self.check, self.apply, self.step, self.action = check, apply, step, action
        self.started = None  # when the updates started: the report's start and the units' update date

    def _event(self, ev_type: str, outcome: str, **kwargs) -> None:
        logbook.event(self.db, self.operation_id, ev_type, outcome, **kwargs)

    def run(self) -> None:
        ids = self.mass_update_check()
        if ids is None:
            return
        outcome, results, lines = self.update_units(ids)
        self.mass_update_finalize(outcome, results, lines)
        logbook.finish(self.db, self.operation_id, outcome, data={**results, "total": sum(results.values())})
        self.db.commit()

    def mass_update_check(self) -> list[str] | None:
        """STP_MASS_UPDATE_CHECK (CHECK_DISTRIBUTION_THRESHOLD, then the request's check): the selected
        units, None when the operation ended KO."""
        self._event("STP_MASS_UPDATE_CHECK.STARTED", "STARTED")
        threshold = threshold_of(self.query, MASS_UPDATE_THRESHOLD)
        ids = selected_unit_ids(self.db, self.tenant, self.query, self.contract, threshold + 1)
        if len(ids) > threshold:
            self._event("CHECK_DISTRIBUTION_THRESHOLD", "KO",
                        data={"error": f"Too many units found. Threshold={threshold}, found={len(ids)}"})
            return self._check_failed()
        self._event("CHECK_DISTRIBUTION_THRESHOLD", "OK")
        check_name, problems = self.check()
        if problems:
            self._event(check_name, "KO", message=f"Échec de la vérification : {problems[0]}",
                        data={"error": problems})
            return self._check_failed()
        self._event(check_name, "OK")
        self._event("STP_MASS_UPDATE_CHECK", "OK")
        return ids

    def _check_failed(self) -> None:
        self._event("STP_MASS_UPDATE_CHECK", "KO")
        logbook.finish(self.db, self.operation_id, "KO")

    def update_units(self, ids: list[str]) -> tuple[str, dict[str, int], list[dict]]:
        """STP_MASS_UPDATE_UNIT_RULE or STP_MASS_UPDATE_UNIT, by batches: (outcome, {status: count}, report lines)."""
        set_progress(self.db, self.tenant, self.operation_id, self.step, 0, len(ids))
        self._event(self.step + ".STARTED", "STARTED")
        self.started = logbook.now_iso()
        results = {"OK": 0, "KO": 0, "WARNING": 0}
        lines = []
        for start in range(0, len(ids), BATCH_SIZE):
            docs = units_store.get_unit_docs(self.db, self.tenant, ids[start:start + BATCH_SIZE])
            for unit_id in ids[start:start + BATCH_SIZE]:
                unit = docs.get(unit_id)
                if unit is None:
                    continue
                status, key, message = self._update_unit(unit_id, unit)
                results[status] += 1
                lines.append({"id": unit_id, "params": {"id": unit_id, "status": status, "outcome": status,
                                                        "key": key, "message": message,
                                                        "originatingAgency": unit.get("#originating_agency"),
                                                        "opi": unit.get("#opi")}})
            set_progress(self.db, self.tenant, self.operation_id, self.step, min(start + BATCH_SIZE, len(ids)),
                         len(ids))
        total = sum(results.values())
        # KO_CAUSES_WARNING (MassUpdateUnitRuleWorkflow.json, MassUpdateUnitDescWorkflow.json): a unit refused
        # makes the step WARNING, even when every unit is.
        outcome = "OK" if results["OK"] == total and total else "WARNING"
        self._event(self.action, outcome, data={"Event": f"Mass update {outcome}", **results})
        self._event(self.step, outcome)
        return outcome, results, lines

    def _update_unit(self, unit_id: str, unit: dict) -> tuple[str, str, str]:
        """(status, report key, message) of one unit: UNIT_METADATA_UPDATE, _KO or UNIT_METADATA_NO_CHANGES."""
        try:
            updated = self.apply(unit)
        except UnitUpdateError as error:
            return "KO", "UNIT_METADATA_UPDATE_KO", str(error)
        problem = unit_schema_problem(updated)
        if problem:
            return "KO", "CHECK_UNIT_SCHEMA", problem
        if updated == unit:
            # Vitam's MassUpdateUnitsProcess/MassUpdateUnitsRulesProcess count an unchanged unit as OK.
            return "OK", "UNIT_METADATA_NO_CHANGES", "Aucune modification"
        updated["#version"] = int(unit.get("#version") or 0) + 1
        updated["#operations"] = [*(unit.get("#operations") or []), self.operation_id]
        updated["#approximate_update_date"] = self.started
        units_store.update_unit(self.db, self.tenant, unit_id, updated)
        return "OK", "UNIT_METADATA_UPDATE", "Mise à jour effectuée"

    def mass_update_finalize(self, outcome: str, results: dict[str, int], lines: list[dict]) -> None:
        """STP_MASS_UPDATE_FINALIZE: the JSON-lines batch report."""
        self._event("STP_MASS_UPDATE_FINALIZE.STARTED", "STARTED")
        action, total = self.action, sum(results.values())
        detail_message = f"Detail=  OK:{results['OK']}" + (f" KO:{results['KO']}" if results["KO"] else "") + (
            f" WARNING:{results['WARNING']}" if results["WARNING"] else "")
        summary = {
            "operationSummary": {"tenant": self.tenant, "evId": self.operation_id, "evType": action,
                                 "outcome": outcome, "outDetail": f"{action}.{outcome}",
                                 "outMsg": f"{logbook.french_message(action, outcome)} {detail_message}",
                                 "rightsStatementIdentifier": {
                                     "AccessContract": (self.contract or {}).get("Identifier")},
                                 "evDetData": {"Event": f"Mass update {outcome}"}},
            "reportSummary": {"evStartDateTime": self.started, "evEndDateTime": logbook.now_iso(),
                              "reportType": "UPDATE_UNIT", "vitamResults": {**results, "total": total}},
            "context": self.context_body,
        }
        reports.write(self.store, self.tenant, self.operation_id, "batchreport", [summary, *lines])
        self._event("MASS_UPDATE_FINALIZE", "OK")
        self._event("STP_MASS_UPDATE_FINALIZE", "OK")


def run_rules_update(db, store, tenant, operation_id, query, actions, contract, context_body):
    """MASS_UPDATE_UNIT_RULE."""
    rules_by_id = _rules_by_id(db, tenant)
    _run(db, store, tenant, operation_id, query, contract, context_body,
         check=lambda: ("MASS_UPDATE_RULES_CHECK", check_rule_actions(actions, rules_by_id)),
         apply=lambda unit: apply_rule_actions(unit, actions, rules_by_id),
         step="STP_MASS_UPDATE_UNIT_RULE", action="MASS_UPDATE_UNITS_RULES")


def run_description_update(db, store, tenant, operation_id, query, actions, contract, context_body):
    """MASS_UPDATE_UNIT_DESC: internal fields (#..., _..., $...) make the check step KO, as in Vitam."""
    def check():
        forbidden = internal_fields(actions)
        if forbidden:
            return "MASS_UPDATE_CHECK", [f"Invalid DSL query: cannot contains '{', '.join(forbidden)}' internal"
                                         " field(s)."]
        return "MASS_UPDATE_CHECK", []

    from vitamlite.unit_update import unit_problem  # unit_update builds on this module's actions

    def apply(unit: dict) -> dict:
        # Each updated unit is validated as metadata's UnitValidator does: a unit left without its Title, with
        # an unknown level or unreadable dates is reported KO and kept as it was.
        updated = apply_description_actions(unit, actions)
        problem = unit_problem(updated) if updated != unit else None
        if problem:
            raise UnitUpdateError(problem)
        return updated

    _run(db, store, tenant, operation_id, query, contract, context_body, check=check, apply=apply,
         step="STP_MASS_UPDATE_UNIT", action="MASS_UPDATE_UNITS")
