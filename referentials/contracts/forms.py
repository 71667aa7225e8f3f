"""Forms of contracts and archival profiles. Field names are Vitam's, so Vitam's checks name them too."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from referentials.contracts import domain, profile_files
from referentials.contracts.domain import ACCESS, INGEST, ContractKind
from sam.lib.pickers import MultiPickerInput

STATUS_CHOICES = [("ACTIVE", _("Active")), ("INACTIVE", _("Inactive"))]
CHECK_PARENT_LINK_CHOICES = list(domain.VALUE_LABELS["CheckParentLink"].items())
VERSION_CHOICES = list(domain.VALUE_LABELS["DataObjectVersion"].items())
RULE_CATEGORY_CHOICES = list(domain.VALUE_LABELS["RuleCategoryToFilter"].items())
SEARCHABLE = {"class": "searchable-select", "data-searchable": "true", "size": "8"}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Identifier, name or description."))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Every status"))] + STATUS_CHOICES)


def _with_current(choices, current) -> list[tuple[str, str]]:
    """Keeps values the document holds even when they are not among today's choices."""
    known = {value for value, _label in choices}
    extra = [(value, str(value)) for value in (current or []) if value and value not in known]
    return list(choices) + extra


class ContractForm(forms.Form):
    """Create (with an optional identifier) or edit a contract of `kind`."""

    identifier = forms.CharField(
        label=_("Identifier"), required=False, max_length=100,
        help_text=_("Leave empty to let the archive system number the contract (IC-000001, AC-000001...)."),
    )
    Name = forms.CharField(label=domain.FIELD_LABELS["Name"], max_length=255)
    Description = forms.CharField(label=domain.FIELD_LABELS["Description"], required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    Status = forms.ChoiceField(label=domain.FIELD_LABELS["Status"], choices=STATUS_CHOICES, initial="ACTIVE",
                               widget=forms.RadioSelect)
    snapshot = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, kind: ContractKind, creating: bool, units=(), agencies=(), profiles=(),
                 document: dict | None = None, **kwargs):
        if document is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(kind, document)
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.creating = creating
        if not creating:
            del self.fields["identifier"]
        current = document or {}
        if kind is INGEST:
            self._ingest_fields(units, profiles, current)
        else:
            self._access_fields(units, agencies, current)

    def _ingest_fields(self, units, profiles, current):
        f = self.fields
        f["ArchiveProfiles"] = forms.MultipleChoiceField(
            label=domain.FIELD_LABELS["ArchiveProfiles"], required=False, widget=forms.CheckboxSelectMultiple,
            choices=_with_current(profiles, current.get("ArchiveProfiles")),
            help_text=_("Deposits must then follow one of these profiles (their ArchiveProfile)."))
        f["CheckParentLink"] = forms.ChoiceField(label=domain.FIELD_LABELS["CheckParentLink"],
                                                 choices=CHECK_PARENT_LINK_CHOICES, initial="AUTHORIZED",
                                                 widget=forms.RadioSelect)
        f["LinkParentId"] = forms.ChoiceField(
            label=domain.FIELD_LABELS["LinkParentId"], required=False,
            choices=[("", _("— no fixed attachment —"))] + _with_current(units, [current.get("LinkParentId")]),
            widget=forms.Select(attrs={"class": "searchable-select", "data-searchable": "true"}),
            help_text=_("A unit of the holding tree or of a filing plan under which every deposit is placed."))
        f["CheckParentId"] = forms.MultipleChoiceField(
            label=domain.FIELD_LABELS["CheckParentId"], required=False,
            choices=_with_current(units, current.get("CheckParentId")), widget=forms.SelectMultiple(attrs=SEARCHABLE),
            help_text=_("Empty: anywhere. Otherwise a deposit may be attached only under these units."))
        f["MasterMandatory"] = forms.BooleanField(label=domain.FIELD_LABELS["MasterMandatory"], required=False,
                                                  initial=True)
        self._versions()
        f["EveryFormatType"] = forms.BooleanField(label=domain.FIELD_LABELS["EveryFormatType"], required=False,
                                                  initial=True)
        f["FormatType"] = forms.CharField(
            label=domain.FIELD_LABELS["FormatType"], required=False, widget=MultiPickerInput("formats"),
            help_text=_("Type part of the name of a format (or its PRONOM identifier, e.g. fmt/18), then choose it "
                        "in the list, as many times as needed."))
        f["FormatUnidentifiedAuthorized"] = forms.BooleanField(
            label=domain.FIELD_LABELS["FormatUnidentifiedAuthorized"], required=False)
        f["ComputeInheritedRulesAtIngest"] = forms.BooleanField(
            label=domain.FIELD_LABELS["ComputeInheritedRulesAtIngest"], required=False,
            help_text=_("Faster searches on rules, slower ingests."))

    def _access_fields(self, units, agencies, current):
        f = self.fields
        f["EveryOriginatingAgency"] = forms.BooleanField(label=domain.FIELD_LABELS["EveryOriginatingAgency"],
                                                         required=False)
        f["OriginatingAgencies"] = forms.MultipleChoiceField(
            label=domain.FIELD_LABELS["OriginatingAgencies"], required=False,
            choices=_with_current(agencies, current.get("OriginatingAgencies")),
            widget=forms.SelectMultiple(attrs=SEARCHABLE),
            help_text=_("Only the archives of these originating agencies are visible."))
        f["RootUnits"] = forms.MultipleChoiceField(
            label=domain.FIELD_LABELS["RootUnits"], required=False,
            choices=_with_current(units, current.get("RootUnits")), widget=forms.SelectMultiple(attrs=SEARCHABLE),
            help_text=_("Empty: every branch. Otherwise only archives under these units are visible."))
        f["ExcludedRootUnits"] = forms.MultipleChoiceField(
            label=domain.FIELD_LABELS["ExcludedRootUnits"], required=False,
            choices=_with_current(units, current.get("ExcludedRootUnits")),
            widget=forms.SelectMultiple(attrs=SEARCHABLE))
        f["WritingPermission"] = forms.BooleanField(label=domain.FIELD_LABELS["WritingPermission"], required=False,
                                                    help_text=_("Needed to change descriptions and rules, and to "
                                                                "eliminate."))
        f["WritingRestrictedDesc"] = forms.BooleanField(label=domain.FIELD_LABELS["WritingRestrictedDesc"],
                                                        required=False)
        self._versions()
        f["AccessLog"] = forms.BooleanField(label=domain.FIELD_LABELS["AccessLog"], required=False,
                                            help_text=_("Record every download of a file made with this contract."))
        f["RuleCategoryToFilter"] = forms.MultipleChoiceField(
            label=domain.FIELD_LABELS["RuleCategoryToFilter"], required=False, choices=RULE_CATEGORY_CHOICES,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("For a researchers' contract choose Access: archives still under an access rule are hidden."))

    def _versions(self):
        self.fields["EveryDataObjectVersion"] = forms.BooleanField(
            label=domain.FIELD_LABELS["EveryDataObjectVersion"], required=False)
        self.fields["DataObjectVersion"] = forms.MultipleChoiceField(
            label=domain.FIELD_LABELS["DataObjectVersion"], required=False, choices=VERSION_CHOICES,
            widget=forms.CheckboxSelectMultiple)

    @staticmethod
    def initial_from(kind: ContractKind, document: dict) -> dict:
        initial = {name: document.get(name) for name in kind.fields if document.get(name) is not None}
        if kind is INGEST:
            initial["FormatType"] = ", ".join(document.get("FormatType") or [])
            initial.setdefault("MasterMandatory", True)
            initial.setdefault("EveryFormatType", True)
        if kind is ACCESS:
            initial["AccessLog"] = document.get("AccessLog") == "ACTIVE"
        return initial

    def clean_identifier(self):
        value = self.cleaned_data.get("identifier", "")
        try:
            return domain.check_identifier(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["identifier"]) from None

    def clean_FormatType(self):
        return domain.split_formats(self.cleaned_data.get("FormatType", ""))

    def clean(self):
        cleaned = super().clean()
        try:
            domain.CHECKS[self.kind.slug](self.values(cleaned))
        except forms.ValidationError as error:
            for name, messages in error.message_dict.items():
                if name not in self.errors:  # one message per field: the first problem found
                    self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def values(self, cleaned=None) -> dict:
        """The Vitam fields of the contract as the user wants them."""
        cleaned = self.cleaned_data if cleaned is None else cleaned
        values = {name: cleaned.get(name) for name in self.kind.fields}
        if self.kind is ACCESS:
            values["AccessLog"] = "ACTIVE" if cleaned.get("AccessLog") else "INACTIVE"
        if self.kind is INGEST:
            values["LinkParentId"] = cleaned.get("LinkParentId") or None
        values["Description"] = (cleaned.get("Description") or "").strip() or None
        return values


class ConfirmStatusForm(forms.Form):
    """Deactivating a contract a tenant uses by default: the person ticks that they understood."""

    confirm = forms.BooleanField(label=_("I understand what stops working"), required=True)


class ProfileForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifier"), required=False, max_length=100,
        help_text=_("Leave empty to let the archive system number the profile (PR-000001...)."))
    Name = forms.CharField(label=domain.FIELD_LABELS["Name"], max_length=255)
    Description = forms.CharField(label=domain.FIELD_LABELS["Description"], required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    Status = forms.ChoiceField(label=domain.FIELD_LABELS["Status"], choices=STATUS_CHOICES, initial="ACTIVE",
                               widget=forms.RadioSelect)
    Format = forms.ChoiceField(label=domain.FIELD_LABELS["Format"], choices=[
        ("XSD", _("XML schema (XSD)")), ("RNG", _("RelaxNG grammar (RNG)"))], initial="RNG", widget=forms.RadioSelect)
    file = forms.FileField(label=_("Profile file (XSD or RNG)"), required=False,
                           help_text=_("Optional now; you can attach it later. 10 MB at most."))
    snapshot = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, creating: bool = True, document: dict | None = None, **kwargs):
        if document is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: document.get(name) for name in ("Name", "Description", "Status")}
        super().__init__(*args, **kwargs)
        if not creating:
            for name in ("identifier", "Format", "file"):
                del self.fields[name]

    def clean_identifier(self):
        try:
            return domain.check_identifier(self.cleaned_data.get("identifier", ""))
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["identifier"]) from None

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if not uploaded:
            return None
        try:
            return profile_files.read_limited(uploaded)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["file"]) from None


class ProfileUploadForm(forms.Form):
    file = forms.FileField(label=_("Profile file (XSD or RNG)"), help_text=_("10 MB at most."))

    def clean_file(self):
        try:
            return profile_files.read_limited(self.cleaned_data["file"])
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["file"]) from None


class ProfileLinkForm(forms.Form):
    contract = forms.ChoiceField(label=_("Ingest contract"))

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [("", _("— choose —"))] + list(contracts)
