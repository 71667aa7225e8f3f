"""Inherited management rules, computed like Vitam's ComputeInheritedRuleService (vitam-api.md §8).

Per category, a unit gets its own rules and properties (path [self]) plus those of its parents, each
path prefixed with the unit's id, except: everything when the category has PreventInheritance, rule
ids in PreventRulesId or redeclared locally, properties redeclared locally. The same origin reached
through several parents is merged (paths concatenated). A non-holding unit without a FinalAction of its
own originating agency gets an implicit ``FinalAction: Keep``, which hides inherited FinalActions of
other agencies. NeedAuthorization is a global property inherited the same way.

Also serves GET /access-external/v1/unitsWithInheritedRules.
"""

from vitamlite import dsl, units_store
from vitamlite.access import METADATA_CLIENT_INVALID_PARSE, search_refused
from vitamlite.http import endpoint, json_ok
from vitamlite.ingest.manifest import RULE_CATEGORIES

PROPERTY_NAMES = (
    "FinalAction", "ClassificationLevel", "ClassificationOwner", "ClassificationAudience",
    "ClassificationReassessingDate", "NeedReassessingAuthorization",
)
FIELDS_NEEDED = ("#id", "#unitups", "#allunitups", "#management", "#originating_agency")


def _local_rules(unit_id, agency, category):
    rules = []
    for rule in category.get("Rules", []) if category else []:
        attributes = {key: value for key, value in rule.items() if key != "Rule"}
        rules.append({"UnitId": unit_id, "OriginatingAgency": agency, "Paths": [[unit_id]], "Rule": rule["Rule"], **attributes})
    return rules


def _local_properties(unit_id, agency, values: dict):
    return [
        {"UnitId": unit_id, "OriginatingAgency": agency, "Paths": [[unit_id]], "PropertyName": name, "PropertyValue": value}
        for name, value in values.items()
    ]


def _inherit(unit_id, parents_items, excluded, key):
    """Parents' items not excluded, paths prefixed with unit_id, merged per (origin unit, key)."""
    merged = {}
    for items in parents_items:
        for item in items:
            if item[key] in excluded:
                continue
            copy = dict(item)
            copy["Paths"] = [[unit_id, *path] for path in item["Paths"]]
            identity = (item["UnitId"], item[key])
            if identity in merged:
                merged[identity]["Paths"] = merged[identity]["Paths"] + copy["Paths"]
            else:
                merged[identity] = copy
    return list(merged.values())


def _compute_one(unit, parents):
    unit_id = unit["#id"]
    agency = unit.get("#originating_agency") or None
    management = unit.get("#management") or {}
    result = {}
    for category_name in RULE_CATEGORIES:
        category = management.get(category_name)
        prevent = bool(category and (category.get("Inheritance") or {}).get("PreventInheritance"))
        local_rules = _local_rules(unit_id, agency, category)
        local_props = _local_properties(
            unit_id, agency, {name: category[name] for name in PROPERTY_NAMES if category and name in category}
        )
        if prevent:
            inherited_rules, inherited_props = [], []
        else:
            excluded_rules = {rule["Rule"] for rule in (category or {}).get("Rules", [])}
            excluded_rules |= set(((category or {}).get("Inheritance") or {}).get("PreventRulesId") or [])
            inherited_rules = _inherit(
                unit_id, [parent[category_name]["Rules"] for parent in parents], excluded_rules, "Rule"
            )
            excluded_props = {prop["PropertyName"] for prop in local_props}
            inherited_props = _inherit(
                unit_id, [parent[category_name]["Properties"] for parent in parents], excluded_props, "PropertyName"
            )
        properties = local_props + inherited_props
        if agency is not None and category_name == "AppraisalRule":
            own_names = {p["PropertyName"] for p in properties if p["OriginatingAgency"] == agency}
            if "FinalAction" not in own_names:
                implicit = _local_properties(unit_id, agency, {"FinalAction": "Keep"})
                properties = implicit + [p for p in properties if p["PropertyName"] != "FinalAction"]
        result[category_name] = {"Rules": local_rules + inherited_rules, "Properties": properties}
    need_authorization = management.get("NeedAuthorization")
    local_globals = _local_properties(unit_id, agency, {"NeedAuthorization": need_authorization}) if need_authorization is not None else []
    excluded = {"NeedAuthorization"} if need_authorization is not None else set()
    result["GlobalProperties"] = local_globals + _inherit(
        unit_id, [parent["GlobalProperties"] for parent in parents], excluded, "PropertyName"
    )
    return result


def compute_inherited_rules(units_by_id: dict) -> dict:
    """{unit id: unit doc with #id, #unitups, #originating_agency, #management} → {unit id: InheritedRules}.

    Every parent of every unit must be in units_by_id (a unit whose parent is missing is computed as
    if that parent did not exist).
    """
    computed = {}

    def compute(unit_id, visiting):
        if unit_id in computed:
            return computed[unit_id]
        if unit_id in visiting:
            raise ValueError(f"cycle in the unit graph at {unit_id}")
        visiting.add(unit_id)
        unit = units_by_id[unit_id]
        parents = [compute(parent, visiting) for parent in unit.get("#unitups") or [] if parent in units_by_id]
        visiting.discard(unit_id)
        computed[unit_id] = _compute_one(unit, parents)
        return computed[unit_id]

    for unit_id in units_by_id:
        compute(unit_id, set())
    return computed


def inherited_rules_for(db, tenant: int, units: list[dict]) -> dict:
    """InheritedRules of the given units (each with #id, #unitups, #allunitups...), ancestors read from the store.

    Ancestors count whatever the access contract lets the caller see, as in Vitam."""
    known = {unit["#id"]: unit for unit in units}
    missing = {ancestor for unit in units for ancestor in unit.get("#allunitups") or []} - known.keys()
    if missing:
        known.update(units_store.get_unit_docs(db, tenant, missing))
    computed = compute_inherited_rules(known)
    return {unit["#id"]: computed[unit["#id"]] for unit in units}


def computed_summary(inherited: dict, indexation_date: str) -> dict:
    """Vitam's `#computedInheritedRules` of a unit from its InheritedRules: per category with rules or
    properties, the rule ids, their end dates and the latest one (MaxEndDate), the final actions and
    where they come from; searched and faceted like any field (e.g. AppraisalRule.FinalAction)."""
    summary = {}
    for category_name in RULE_CATEGORIES:
        category = inherited.get(category_name) or {}
        rules, properties = category.get("Rules") or [], category.get("Properties") or []
        if not rules and not properties:
            continue
        end_dates = {}
        for rule in rules:
            end = rule.get("EndDate")
            if end and end > end_dates.get(rule["Rule"], ""):
                end_dates[rule["Rule"]] = end
        local = {len(item["Paths"][0]) == 1 for item in rules + properties}
        entry = {
            "InheritanceOrigin": "LOCAL_AND_INHERITED" if local == {True, False}
            else "LOCAL" if local == {True} else "INHERITED",
            "InheritedRuleIds": sorted({rule["Rule"] for rule in rules}),
            "EndDates": end_dates,
        }
        if end_dates:
            entry["MaxEndDate"] = max(end_dates.values())
        final_actions = sorted({prop["PropertyValue"] for prop in properties if prop["PropertyName"] == "FinalAction"})
        if final_actions:
            entry["FinalAction"] = final_actions
        summary[category_name] = entry
    need_authorization = [prop["PropertyValue"] for prop in inherited.get("GlobalProperties") or []
                          if prop["PropertyName"] == "NeedAuthorization"]
    if need_authorization:
        summary["NeedAuthorization"] = any(need_authorization)
    summary["indexationDate"] = indexation_date
    return summary


def store_computed_inherited_rules(db, tenant: int, units: list[dict], indexation_date: str) -> list[dict]:
    """Write `#computedInheritedRules` (and `#validComputedInheritedRules`) onto the given stored units."""
    inherited = inherited_rules_for(db, tenant, units)
    updated = []
    for unit in units:
        doc = dict(unit)
        doc["#computedInheritedRules"] = computed_summary(inherited[unit["#id"]], indexation_date)
        doc["#validComputedInheritedRules"] = True
        updated.append(doc)
    units_store.replace_unit_documents(db, tenant, updated)
    return updated


def _with_needed_fields(query: dict) -> tuple[dict, set]:
    """The query with the fields the computation needs added to $fields; returns the added names."""
    projection = query.get("$projection") or {}
    fields = projection.get("$fields") or {}
    if not fields or not any(value in (1, True) for value in fields.values()):
        return query, set()
    added = {name for name in FIELDS_NEEDED if name not in fields}
    widened = dict(query)
    widened["$projection"] = {**projection, "$fields": {**fields, **{name: 1 for name in added}}}
    return widened, added



@endpoint("GET", "/access-external/v1/unitsWithInheritedRules", contract=True, dsl="select_multiple")
def units_with_inherited_rules(ctx, request):
    """Units selected by the DSL (filtered by the access contract), each with its InheritedRules."""
    query, added = _with_needed_fields(ctx.query or {})
    try:
        result = dsl.search_units(ctx.db, ctx.tenant, query, ctx.restriction)
    except dsl.IdRangeUnsupported:
        raise search_refused(METADATA_CLIENT_INVALID_PARSE)
    inherited = inherited_rules_for(ctx.db, ctx.tenant, result.results)
    units = []
    for unit in result.results:
        shown = {key: value for key, value in unit.items() if key not in added}
        shown["InheritedRules"] = inherited[unit["#id"]]
        units.append(shown)
    return json_ok(units, hits=result.hits, facets=result.facets, context=ctx.query)
