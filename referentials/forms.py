"""Forms of the referential screens, validated like Vitam validates its CSV (vitam-api.md §11)."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from referentials.kinds import MEASUREMENT_LABELS, RULE_TYPE_LABELS
from referentials.models import ApplyMode, ReferentialKind
from referentials.rules_csv import MAX_DURATION
from referentials.spreadsheets import MAX_CSV_BYTES
from tenants.models import Tenant

IDENTIFIER_HELP = _("Letters, digits, '-', '_' and '.'; it cannot be changed afterwards.")


def _identifier_ok(value: str) -> bool:
    return bool(value) and all(ch.isalnum() or ch in "-_." for ch in value)


class _VersionedForm(forms.Form):
    """Carries the #version and the values the user saw, to detect a concurrent change."""

    base_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    base = forms.CharField(required=False, widget=forms.HiddenInput)

    def base_row(self) -> dict:
        try:
            value = json.loads(self.cleaned_data.get("base") or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class RuleForm(_VersionedForm):
    RuleId = forms.CharField(label=_("Identifier"), max_length=100, help_text=IDENTIFIER_HELP)
    RuleType = forms.ChoiceField(label=_("Rule type"), choices=[("", "—"), *RULE_TYPE_LABELS.items()])
    RuleValue = forms.CharField(label=_("Title"), max_length=500)
    RuleDescription = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    RuleDuration = forms.IntegerField(label=_("Duration"), required=False, min_value=0,
                                      help_text=_("A whole number; leave empty for an unlimited duration or for a "
                                                  "hold rule without duration."))
    unlimited = forms.BooleanField(label=_("Unlimited duration"), required=False)
    RuleMeasurement = forms.ChoiceField(label=_("Unit"), required=False,
                                        choices=[("", "—"), *MEASUREMENT_LABELS.items()])

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["RuleId"].disabled = True
            self.fields["RuleId"].help_text = ""

    def clean_RuleId(self):
        value = self.cleaned_data["RuleId"].strip()
        if not _identifier_ok(value):
            raise forms.ValidationError(_("Use only letters, digits, '-', '_' and '.'."))
        return value

    def clean(self):
        data = super().clean()
        rule_type = data.get("RuleType")
        duration, unlimited, measurement = data.get("RuleDuration"), data.get("unlimited"), data.get("RuleMeasurement")
        if duration is not None and unlimited:
            self.add_error("RuleDuration", _("Give a duration or tick “unlimited”, not both."))
        has_duration = duration is not None or unlimited
        if rule_type == "HoldRule":
            # Vitam: a hold rule has both a duration and a unit, or neither.
            if has_duration and not measurement:
                self.add_error("RuleMeasurement", _("Choose the unit of the duration."))
            if measurement and not has_duration:
                self.add_error("RuleDuration", _("Give the duration in this unit, or remove the unit."))
        elif rule_type:
            if not has_duration:
                self.add_error("RuleDuration", _("Give a duration, or tick “unlimited”."))
            if not measurement:
                self.add_error("RuleMeasurement", _("Choose the unit of the duration."))
        if duration is not None and measurement and duration > MAX_DURATION[measurement]:
            self.add_error("RuleDuration", _("At most 999 years (%(max)s in this unit).")
                           % {"max": MAX_DURATION[measurement]})
        return data

    def row(self) -> dict:
        data = self.cleaned_data
        duration = "unlimited" if data.get("unlimited") else ("" if data.get("RuleDuration") is None
                                                             else str(data["RuleDuration"]))
        return {
            "RuleId": data["RuleId"], "RuleType": data["RuleType"], "RuleValue": data["RuleValue"].strip(),
            "RuleDescription": data.get("RuleDescription", "").strip(), "RuleDuration": duration,
            "RuleMeasurement": data.get("RuleMeasurement") or "",
        }

    @staticmethod
    def initial_for(row: dict, version=None) -> dict:
        duration = row.get("RuleDuration", "")
        return {
            **row, "RuleDuration": int(duration) if duration.isdigit() else None,
            "unlimited": duration == "unlimited", "base_version": version, "base": json.dumps(row),
        }


class AgencyForm(_VersionedForm):
    Identifier = forms.CharField(label=_("Identifier"), max_length=100, help_text=IDENTIFIER_HELP)
    Name = forms.CharField(label=_("Name"), max_length=500)
    Description = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["Identifier"].disabled = True
            self.fields["Identifier"].help_text = ""

    def clean_Identifier(self):
        value = self.cleaned_data["Identifier"].strip()
        if not _identifier_ok(value):
            raise forms.ValidationError(_("Use only letters, digits, '-', '_' and '.'."))
        return value

    def row(self) -> dict:
        data = self.cleaned_data
        return {"Identifier": data["Identifier"], "Name": data["Name"].strip(),
                "Description": data.get("Description", "").strip()}

    @staticmethod
    def initial_for(row: dict, version=None) -> dict:
        return {**row, "base_version": version, "base": json.dumps(row)}


class DeleteForm(forms.Form):
    base_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Words of the identifier, title or description."))
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *RULE_TYPE_LABELS.items()])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("id", _("Identifier")), ("title", _("Title")), ("type", _("Type")), ("duration", _("Duration"))])


class AgencySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Words of the identifier, name or description."))
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[("id", _("Identifier")), ("name", _("Name"))])


class CsvFileField(forms.FileField):
    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB.") % {"size": MAX_CSV_BYTES // 1024**2})
        return upload


class ImportForm(forms.Form):
    file = CsvFileField(label=_("CSV file"), help_text=_(
        "Exported from a spreadsheet: UTF-8 (with or without BOM) or Windows-1252, separated by ';' or ','."))
    mode = forms.ChoiceField(label=_("What the file contains"), choices=ApplyMode.choices, initial=ApplyMode.MERGE,
                             widget=forms.RadioSelect)


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Referential"), choices=ReferentialKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    file = CsvFileField(label=_("CSV file"), required=False,
                        help_text=_("The template's content. Or leave empty and choose a tenant to copy from."))
    source_tenant = forms.ModelChoiceField(label=_("Copy from the tenant"), required=False,
                                           queryset=Tenant.objects.select_related("organisation").order_by("vitam_id"))

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("source_tenant"):
            raise forms.ValidationError(_("Give a CSV file or choose a tenant to copy the referential from."))
        if data.get("file") and data.get("source_tenant"):
            raise forms.ValidationError(_("Give a CSV file or a tenant, not both."))
        return data


class TemplateEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TemplateVersionForm(forms.Form):
    file = CsvFileField(label=_("CSV file"), required=False)
    source_tenant = forms.ModelChoiceField(label=_("Copy from the tenant"), required=False,
                                           queryset=Tenant.objects.select_related("organisation").order_by("vitam_id"))
    comment = forms.CharField(label=_("What changes"), required=False, max_length=300)

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("source_tenant")):
            raise forms.ValidationError(_("Give a CSV file or choose a tenant, one of the two."))
        return data


class ApplyForm(forms.Form):
    tenants = forms.ModelMultipleChoiceField(
        label=_("Tenants"), widget=forms.CheckboxSelectMultiple,
        queryset=Tenant.objects.filter(is_active=True).select_related("organisation").order_by("vitam_id"))
    mode = forms.ChoiceField(label=_("How"), choices=ApplyMode.choices, initial=ApplyMode.MERGE,
                             widget=forms.RadioSelect)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
