"""Input and output shapes of the referentials API (/api/v1/tenants/<pk>/rules/, /agencies/, /nomenclature/)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from referentials.forms import AgencyForm, RuleForm
from referentials.kinds import KINDS
from referentials.models import (
    ApplyMode,
    ReferentialImport,
    ReferentialKind,
    ReferentialTemplate,
    TemplateApplication,
    TemplateApplicationResult,
)
from referentials.services import FileRefused
from tenants.models import Tenant


class EntryInputSerializer(serializers.Serializer):
    """A rule or an agency in Vitam's column names, validated by the same form as the screens."""

    version = serializers.IntegerField(required=False, allow_null=True,
                                       help_text=_("#version read from the entry; a different one answers 409."))

    def __init__(self, *args, kind, editing=False, key=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.editing, self.key = kind, editing, key

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Expected a JSON object."))
        values = {column: data.get(column, "") for column in self.kind.columns}
        if self.kind.name == "rules":
            duration = str(values.get("RuleDuration") or "").strip()
            values["unlimited"] = duration.lower() == "unlimited"
            values["RuleDuration"] = "" if values["unlimited"] else duration
        if self.editing:
            values[self.kind.key] = self.key
        form = (RuleForm if self.kind.name == "rules" else AgencyForm)(values)
        if not form.is_valid():
            raise serializers.ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        version = data.get("version")
        if version is not None and not isinstance(version, int):
            raise serializers.ValidationError({"version": [_("A whole number.")]})
        return {"row": form.row(), "version": version}


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    mode = serializers.ChoiceField(choices=ApplyMode.choices, default=ApplyMode.MERGE)
    confirm = serializers.BooleanField(default=False, help_text=_("Import at once when Vitam's check accepts it."))


class ImportSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_("rules or agencies"))

    class Meta:
        model = ReferentialImport
        fields = ["id", "kind", "mode", "filename", "encoding", "delimiter", "state", "diff", "check_messages",
                  "check_warnings", "error", "operation_id", "job", "created_at", "finished_at"]


class TemplateSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_("rules or agencies"))
    current_version = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()

    class Meta:
        model = ReferentialTemplate
        fields = ["id", "kind", "name", "description", "current_version", "entries", "created_at", "updated_at"]
        read_only_fields = ["kind", "created_at", "updated_at"]

    def get_current_version(self, template) -> int | None:
        current = template.current
        return current.number if current else None

    def get_entries(self, template) -> int:
        current = template.current
        return len(current.rows) if current else 0


class TemplateDetailSerializer(TemplateSerializer):
    rows = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    class Meta(TemplateSerializer.Meta):
        fields = [*TemplateSerializer.Meta.fields, "rows", "versions"]

    def get_rows(self, template) -> list[dict]:
        current = template.current
        return current.rows if current else []

    def get_versions(self, template) -> list[dict]:
        return [{"number": v.number, "entries": len(v.rows), "source": v.source, "comment": v.comment,
                 "created_at": v.created_at} for v in template.versions.all()]


class RowsField(serializers.ListField):
    child = serializers.DictField()


class TemplateContentSerializer(serializers.Serializer):
    """Content of a template: rows in Vitam's column names, or a tenant to copy from."""

    rows = RowsField(required=False)
    source_tenant = serializers.PrimaryKeyRelatedField(queryset=Tenant.objects.all(), required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=300)

    def validate_kind(self, value):
        if value not in ReferentialKind.values:
            raise serializers.ValidationError(_("Choose rules or agencies."))
        return value

    def validate(self, data):
        if bool(data.get("rows") is not None) == bool(data.get("source_tenant")):
            raise serializers.ValidationError(_("Give either rows or source_tenant."))
        return data


class TemplateCreateSerializer(TemplateContentSerializer):
    kind = serializers.CharField(help_text=_("rules or agencies"))
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ApplyInputSerializer(serializers.Serializer):
    tenants = serializers.PrimaryKeyRelatedField(queryset=Tenant.objects.filter(is_active=True), many=True,
                                                 allow_empty=False)
    mode = serializers.ChoiceField(choices=ApplyMode.choices, default=ApplyMode.MERGE)
    version = serializers.IntegerField(required=False)


class ApplicationResultSerializer(serializers.ModelSerializer):
    tenant = serializers.IntegerField(source="tenant.pk")
    vitam_id = serializers.IntegerField(source="tenant.vitam_id")

    class Meta:
        model = TemplateApplicationResult
        fields = ["tenant", "vitam_id", "status", "message", "diff", "job", "finished_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    template = serializers.IntegerField(source="version.template_id")
    version = serializers.IntegerField(source="version.number")
    results = ApplicationResultSerializer(many=True)

    class Meta:
        model = TemplateApplication
        fields = ["id", "template", "version", "mode", "created_at", "results"]


def rows_valid(kind_name: str, rows: list[dict]) -> list[dict]:
    """Rows given as JSON, checked like a file (written as Vitam's CSV, then parsed by SAM)."""
    kind = KINDS[kind_name]
    parsed = kind.parse(kind.to_csv([{column: str(row.get(column, "")) for column in kind.columns} for row in rows]))
    if not parsed.is_valid:
        raise FileRefused(parsed.errors)
    return sorted(parsed.rows, key=lambda row: row[kind.key])
