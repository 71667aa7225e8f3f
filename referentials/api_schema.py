"""OpenAPI description of the rules and agencies endpoints (referentials/api.py).

The same views serve /rules/ and /agencies/ (the URLconf passes kind_name), so the schema class reads the
view's kind to describe each path with its own columns. Nothing here runs when a request is served.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from referentials.agencies_csv import VITAM_HEADER as AGENCY_COLUMNS
from referentials.rules_csv import VITAM_HEADER as RULE_COLUMNS
from referentials.selectors import AGENCY_SORTS, RULE_SORTS
from referentials.serializers import ImportInputSerializer, ImportSerializer
from sam.api_schema import NOT_FOUND

REQUIRED = {"rules": {"RuleId", "RuleType", "RuleValue"}, "agencies": {"Identifier", "Name"}}
KEYS = {"rules": "RuleId", "agencies": "Identifier"}
HELP = {"RuleDuration": "A whole number, or 'unlimited'", "RuleMeasurement": "YEAR, MONTH or DAY",
        "RuleType": "AppraisalRule, AccessRule, StorageRule, DisseminationRule, ClassificationRule, ReuseRule, HoldRule"}


class UsageUnitSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    level = serializers.CharField()
    unit_type = serializers.CharField()


class VitamRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(["vitam_refused"])


def _row_fields(kind: str, *, for_input: bool = False) -> dict:
    columns = RULE_COLUMNS if kind == "rules" else AGENCY_COLUMNS
    fields = {}
    for column in columns:
        help_text = HELP.get(column, "")
        if for_input and column == KEYS[kind]:
            help_text = "Ignored by PUT and PATCH: the key in the path wins"
        fields[column] = serializers.CharField(required=not for_input or column in REQUIRED[kind],
                                               allow_blank=column not in REQUIRED[kind], help_text=help_text)
    return fields


def _shapes(kind: str) -> dict:
    name = "Rule" if kind == "rules" else "Agency"
    row = _row_fields(kind)
    detail = inline_serializer(f"{name}Entry", {
        **row,
        "version": serializers.IntegerField(allow_null=True, help_text="Vitam's #version: send it back to change"),
        "updated": serializers.CharField(help_text="Last update date in Vitam"),
        "usage": inline_serializer(f"{name}Usage", {
            "units": serializers.IntegerField(help_text="Archive units using it"),
            "first_units": UsageUnitSerializer(many=True),
            "contracts": serializers.ListField(child=serializers.CharField(), help_text="Access contracts using it"),
            "complete": serializers.BooleanField(help_text="False when units could not be counted "
                                                          "(no access contract on the tenant)"),
        }),
    })
    return {
        "list": inline_serializer(f"{name}List", {"count": serializers.IntegerField(),
                                                  "results": inline_serializer(f"{name}Row", row, many=True)}),
        "input": inline_serializer(f"{name}Input", {
            **_row_fields(kind, for_input=True),
            "version": serializers.IntegerField(required=False, allow_null=True,
                                                help_text="#version read from the entry; a different one answers 409"),
        }),
        "detail": detail,
        "saved": inline_serializer(f"{name}Saved", {**row, "operation_id": serializers.CharField()}),
        "conflict": OpenApiResponse(inline_serializer(f"{name}Conflict", {
            "detail": serializers.CharField(),
            "current": inline_serializer(f"{name}Current", {
                **row, "version": serializers.IntegerField(allow_null=True), "updated": serializers.CharField()},
                allow_null=True),
        }), description="Changed in Vitam since the version sent: the current values"),
        "in_use": OpenApiResponse(inline_serializer(f"{name}InUse", {
            "detail": serializers.CharField(),
            "units": serializers.IntegerField(required=False),
            "first_units": UsageUnitSerializer(many=True, required=False),
            "contracts": serializers.ListField(child=serializers.CharField(), required=False),
        }), description="Still used by archive units or contracts (units…), or changed since the version sent"),
        "sorts": list(RULE_SORTS if kind == "rules" else AGENCY_SORTS),
    }


VITAM_REFUSED = OpenApiResponse(VitamRefusalSerializer,
                                description="The archive system refused the change: its reason, in French")
CHECK_REFUSED = OpenApiResponse(OpenApiTypes.OBJECT, description=(
    "Refused by SAM's checks: field → messages, or {detail: [messages], code: check_refused | file_refused}"))
SHAPES = {kind: _shapes(kind) for kind in ("rules", "agencies")}
ROLES = {"EntryListApi": "list", "EntryDetailApi": "detail", "EntryExportApi": "export", "EntryImportApi": "import"}


class EntrySchema(AutoSchema):
    """Schema of the rules/agencies views: which body and answers depend on the view, the method and the kind."""

    @property
    def _role(self):
        return ROLES[type(self.view).__name__]

    @property
    def _shape(self):
        return SHAPES[self.view.kind_name]

    def get_tags(self):
        return ["referentials"]

    def get_operation_id(self):
        operation_id = super().get_operation_id()
        if self._role == "list" and self.method.lower() == "get":  # a list, not one entry
            operation_id = operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def get_override_parameters(self):
        method, role = self.method.lower(), self._role
        if role == "list" and method == "get":
            parameters = [OpenApiParameter("q", str, description="Words searched in identifier, title, description"),
                          OpenApiParameter("sort", str, enum=self._shape["sorts"])]
            if self.view.kind_name == "rules":
                parameters.append(OpenApiParameter("type", str, description="Rule type (e.g. AppraisalRule)"))
            return parameters
        if role == "export":
            return [OpenApiParameter("format", str, enum=["spreadsheet"],
                                     description="spreadsheet: columns readable by a spreadsheet; else Vitam's CSV")]
        if role == "detail" and method == "delete":
            return [OpenApiParameter("version", int, description="#version read from the entry (409 if changed)")]
        return []

    def get_request_serializer(self):
        if self._role == "import":
            return ImportInputSerializer
        if self.method.lower() in ("post", "put", "patch"):
            return self._shape["input"]
        return None

    def get_response_serializers(self):
        method, role, shape = self.method.lower(), self._role, self._shape
        common = {404: NOT_FOUND, 424: VITAM_REFUSED}
        if role == "export":
            return {(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The referential as CSV"),
                    404: NOT_FOUND}
        if role == "import":
            return {201: ImportSerializer, 400: OpenApiResponse(ImportSerializer, description=(
                "Refused by the check (state refused, with its messages); a malformed request answers "
                "field → messages")), **common}
        if role == "list":
            if method == "get":
                return {200: shape["list"], **common}
            return {201: shape["saved"], 400: CHECK_REFUSED, **common}
        if method == "get":
            return {200: shape["detail"], **common}
        if method == "delete":
            return {204: None, 409: shape["in_use"], **common}
        return {200: shape["saved"], 400: CHECK_REFUSED, 409: shape["conflict"], **common}



class TemplateVersionCreatedSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="Number of the new version")
    entries = serializers.IntegerField()


class TemplateDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    changed = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.IntegerField()


class TemplatePreviewSerializer(serializers.Serializer):
    tenant = serializers.IntegerField()
    vitam_id = serializers.IntegerField()
    status = serializers.ChoiceField(["ready", "up_to_date", "conflict", "error"])
    diff = TemplateDiffSerializer(allow_null=True)
    conflicts = serializers.ListField(child=serializers.CharField(), help_text="Why Vitam would refuse")
    warnings = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField(help_text="Vitam could not be asked")
