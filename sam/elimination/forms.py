import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referentials.kinds import AGENCIES, RULE_TYPE_LABELS, RULES
from referentials.selectors import referential_lacks
from sam.consultation.forms import FastRenderedForm
from sam.elimination.models import Proposal
from sam.elimination.services import RULE_CATEGORY_CHOICES
from sam.lib.pickers import MultiPickerInput, PickerInput, pickers_bind

IDENTIFIER = r"^[A-Za-z0-9_.:-]{1,100}$"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CriteriaForm(forms.Form):
    """Selection of archive units shared by the analysis and mass update forms (all optional).

    Services producteurs, rules and units are chosen by their labels (pickers, sam/lib/pickers.py); without
    JavaScript their identifier is typed, and the form checks services and rules against the tenant's
    referential."""

    title = forms.CharField(label=_("Title contains"), required=False, max_length=300)
    agency = forms.RegexField(label=_("Producing service"), required=False, regex=IDENTIFIER,
                              widget=PickerInput("agencies"),
                              help_text=_("Type part of its name or of its code, then choose it in the list."),
                              error_messages={"invalid": _("Enter the identifier of a producing service.")})
    node = forms.RegexField(label=_("Under the unit (filing node)"), required=False, regex=IDENTIFIER,
                            widget=PickerInput("units"),
                            help_text=_("Type part of its title, then choose it in the list: it and everything "
                                        "below it."),
                            error_messages={"invalid": _("Enter the identifier of an archive unit.")})
    date_from = forms.DateField(label=_("Dates from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Dates to"), required=False, widget=DateInput())
    unit_ids = forms.CharField(label=_("Or these units"), required=False, widget=MultiPickerInput("units"),
                               help_text=_("Type part of a title and choose the unit in the list, as many times "
                                           "as needed. To gather many units, put them in your selection from the "
                                           "search results and start from the selection."))

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        pickers_bind(self, tenant)

    def _check_in_referential(self, name: str, kind, message):
        """A typed service or rule must exist in the tenant's referential (when Vitam can say)."""
        value = self.cleaned_data.get(name) or ""
        if value and self.tenant is not None and referential_lacks(tenant=self.tenant, kind=kind, key=value):
            raise forms.ValidationError(message % {"value": value})
        return value

    def clean_agency(self):
        return self._check_in_referential("agency", AGENCIES, _(
            "“%(value)s” is not a producing service of the referential: choose one in the list."))

    def clean_unit_ids(self):
        values = [v for v in re.split(r"[\s,;]+", self.cleaned_data.get("unit_ids") or "") if v]
        bad = [v for v in values if not re.match(IDENTIFIER, v)]
        if bad:
            raise forms.ValidationError(_("Line “%(value)s” is not an archive unit identifier.") % {"value": bad[0]})
        if len(values) > 10000:
            raise forms.ValidationError(_("At most 10,000 identifiers."))
        return values

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned

    def criteria(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ("title", "agency", "node", "date_from", "date_to",
                                                              "unit_ids") if self.cleaned_data.get(name)}


class AnalysisForm(CriteriaForm):
    field_order = ["proposal_title", "mode", "date"]

    proposal_title = forms.CharField(label=_("Name of the proposal"), max_length=300,
                                     help_text=_("For example: Urbanism — building permits 2008."))
    mode = forms.ChoiceField(label=_("Candidates"), choices=Proposal.Mode.choices, initial=Proposal.Mode.DUA_ENDED,
                             widget=forms.RadioSelect,
                             help_text=_("Units whose retention period (DUA) has ended at the date with the final "
                                         "action Destroy, or every unit matching the criteria below. The units "
                                         "below the selected ones are analysed too."))
    date = forms.DateField(label=_("Elimination date"), widget=DateInput(),
                           help_text=_("Vitam computes the end of the retention periods at this date (today at "
                                       "the latest)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The elimination date cannot be in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") == Proposal.Mode.CRITERIA and not any(
                cleaned.get(name) for name in ("title", "agency", "node", "date_from", "date_to", "unit_ids")):
            raise forms.ValidationError(_("Give at least one criterion, or choose the units whose retention "
                                          "period has ended."))
        return cleaned


class UnitFilterForm(FastRenderedForm):
    """The review page's filters, drawn on each of its pages: fields through SAM's form renderer."""

    ORDERS = [("tree", _("Folder in the tree")), ("title", _("Title (A to Z)")), ("-title", _("Title (Z to A)")),
              ("date", _("End date (oldest first)")), ("-date", _("End date (latest first)")),
              ("final_action", _("Final action")), ("rule_end", _("End of the retention period (oldest first)")),
              ("-rule_end", _("End of the retention period (latest first)"))]

    text = forms.CharField(label=_("Title or folder contains"), required=False, max_length=200)
    order = forms.ChoiceField(label=_("Sort by"), required=False, choices=ORDERS)
    parent = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    status = forms.ChoiceField(label=_("Decision"), required=False, choices=[
        ("", _("Any decision")), ("DESTROY", _("Destroyable")), ("CONFLICT", _("Conflict"))])
    agency = forms.ChoiceField(label=_("Producing service"), required=False)
    included = forms.ChoiceField(label=_("In the proposal"), required=False, choices=[
        ("", _("All")), ("yes", _("Included")), ("no", _("Excluded"))])
    outcome = forms.ChoiceField(label=_("Result"), required=False, choices=[
        ("", _("Any result")), ("DELETED", _("Destroyed")), ("NOT_DELETED", _("Not destroyed"))])


    def __init__(self, *args, agencies=(), **kwargs):
        """agencies: (code, label) of the services producteurs of the proposal's units."""
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("Any service")), *agencies]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Visa"), widget=forms.RadioSelect, choices=[
        ("approve", _("Approve the elimination")), ("refuse", _("Refuse"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Required to refuse: say what the archivist must correct."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say why the proposal is refused: the archivist needs it to correct it."))
        return cleaned


class MassUpdateForm(CriteriaForm):
    ACTIONS = [("add", _("Add a rule")), ("replace", _("Replace a rule by another")),
               ("delete", _("Remove a rule")), ("final_action", _("Change the final action"))]
    FINAL_ACTIONS = [("", "—"), ("Keep", _("Keep")), ("Destroy", _("Destroy")),
                     ("RestrictAccess", _("Restrict access")), ("Transfer", _("Transfer")), ("Copy", _("Copy"))]

    action = forms.ChoiceField(label=_("Change"), choices=ACTIONS)
    category = forms.ChoiceField(label=_("Rule category"),
                                 choices=[(c, RULE_TYPE_LABELS[c]) for c in RULE_CATEGORY_CHOICES])
    rule = forms.RegexField(label=_("Rule"), required=False, regex=IDENTIFIER,
                            widget=PickerInput("rules", narrowed_by="category"),
                            help_text=_("Type part of its name or of its code, then choose it in the list."),
                            error_messages={"invalid": _("Enter the identifier of a rule.")})
    old_rule = forms.RegexField(label=_("Rule to replace"), required=False, regex=IDENTIFIER,
                                widget=PickerInput("rules", narrowed_by="category"),
                                error_messages={"invalid": _("Enter the identifier of a rule.")})
    start_date = forms.DateField(label=_("Start date of the rule"), required=False, widget=DateInput())
    final_action = forms.ChoiceField(label=_("Final action"), required=False, choices=FINAL_ACTIONS)
    hold_end_date = forms.DateField(label=_("End of the hold"), required=False, widget=DateInput())
    hold_reason = forms.CharField(label=_("Reason of the hold"), required=False, max_length=500)
    expected_count = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)
    confirmed = forms.BooleanField(label=_("I confirm the update of all these units"), required=False)

    def clean_rule(self):
        return self._check_in_referential("rule", RULES, _(
            "“%(value)s” is not a rule of the referential: choose one in the list."))

    def clean_old_rule(self):
        return self._check_in_referential("old_rule", RULES, _(
            "“%(value)s” is not a rule of the referential: choose one in the list."))

    def clean(self):
        cleaned = super().clean()
        action, category = cleaned.get("action"), cleaned.get("category")
        if action in ("add", "replace", "delete") and not cleaned.get("rule"):
            self.add_error("rule", _("Give the rule."))
        if action == "replace" and not cleaned.get("old_rule"):
            self.add_error("old_rule", _("Give the rule to replace."))
        if action == "final_action":
            if category not in ("AppraisalRule", "StorageRule"):
                self.add_error("category", _("Only appraisal (DUA) and storage rules have a final action."))
            if not cleaned.get("final_action"):
                self.add_error("final_action", _("Choose the final action."))
        allowed = {"AppraisalRule": ("Keep", "Destroy"), "StorageRule": ("RestrictAccess", "Transfer", "Copy")}
        if cleaned.get("final_action") and cleaned["final_action"] not in allowed.get(category, ()):
            self.add_error("final_action", _("This final action does not exist for %(category)s.") % {
                "category": category})
        if (cleaned.get("hold_end_date") or cleaned.get("hold_reason")) and category != "HoldRule":
            self.add_error("hold_reason", _("End and reason of a hold apply to hold rules (HoldRule) only."))
        if not self.criteria():
            raise forms.ValidationError(_("Give at least one criterion: a mass update never applies to the "
                                          "whole tenant."))
        return cleaned

    def change(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in (
            "action", "category", "rule", "old_rule", "start_date", "final_action", "hold_end_date", "hold_reason")}
