"""Search, journal and unit edit forms. They only validate input; queries are built in selectors.py."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sam.consultation.seda_labels import DESCRIPTION_LEVELS, FINAL_ACTIONS, OPERATION_TYPES, OUTCOMES, RULE_CATEGORIES
from sam.lib.form_fields import FieldGroupRenderer
from sam.lib.pickers import PickerInput
from sam.vitam.dsl import MAX_RESULT_WINDOW

SORTS = (
    ("", _("Relevance")),
    ("title", _("Title (A to Z)")),
    ("-title", _("Title (Z to A)")),
    ("start", _("Oldest first")),
    ("-start", _("Most recent first")),
)
PER_PAGE = (("25", "25"), ("50", "50"), ("100", "100"))
# Form fields that define a search (what a saved search keeps and the CSV export replays).
SEARCH_FIELDS = ("q", "title", "description", "date_from", "date_to", "agency", "node", "level", "rule_type",
                 "rule_end_before", "rule_end_after", "final_action", "opi", "sort", "per_page")
UNIT_ID_HELP = _("Type part of its title, then choose it in the list (for example a node of the holding tree or "
                 "of the filing plan).")


def _choices(mapping, empty_label):
    """The choices of a page's filter as a function: Django deep-copies a field's list of choices for each form it
    builds (every search page), and shares a function as it is."""
    return lambda: [("", empty_label), *mapping.items()]


class DateInput(forms.DateInput):
    """A browser date picker, its value written as the picker reads it (ISO)."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class UnitPicker(PickerInput):
    """The picker of archive units (Django's text input, enhanced by static/sam/js/picker.js)."""

    def __init__(self, attrs=None):
        super().__init__("units", attrs=attrs)


class FastRenderedForm(forms.Form):
    """The consultation pages' forms, drawn on every page: Django's own widget templates, rendered by its Jinja2
    form renderer (several times faster per widget and option than the Django template engine); their fields
    drawn with `{{ form.name.as_field_group }}` by the same renderer, in SAM's field markup."""

    default_renderer = FieldGroupRenderer()


class SearchForm(FastRenderedForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=500, widget=forms.TextInput,
                        help_text=_("Words of the title or the description."))
    title = forms.CharField(label=_("Title contains"), required=False, max_length=500, widget=forms.TextInput)
    description = forms.CharField(label=_("Description contains"), required=False, max_length=500,
                                  widget=forms.TextInput)
    date_from = forms.DateField(label=_("Dates from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Dates to"), required=False, widget=DateInput())
    agency = forms.ChoiceField(label=_("Producing service"), required=False, widget=forms.Select)
    node = forms.RegexField(label=_("Under the unit"), required=False, regex=r"^[A-Za-z0-9_.:-]{1,100}$",
                            help_text=UNIT_ID_HELP, widget=UnitPicker(),
                            error_messages={"invalid": _("Enter the identifier of an archive unit.")})
    level = forms.ChoiceField(label=_("Description level"), required=False,
                              choices=_choices(DESCRIPTION_LEVELS, _("Any level")), widget=forms.Select)
    rule_type = forms.ChoiceField(label=_("Management rule"), required=False,
                                  choices=_choices(RULE_CATEGORIES, _("Any rule")), widget=forms.Select)
    rule_end_before = forms.DateField(label=_("Rule ending before"), required=False, widget=DateInput(),
                                      help_text=_("For example the appraisal rule (DUA) ending before a date."))
    rule_end_after = forms.DateField(label=_("Rule ending after"), required=False, widget=DateInput())
    final_action = forms.ChoiceField(label=_("Final action"), required=False,
                                     choices=_choices(FINAL_ACTIONS, _("Any final action")),
                                     widget=forms.Select)
    opi = forms.RegexField(label=_("Operation (deposit)"), required=False, regex=r"^[A-Za-z0-9_.:-]{1,100}$",
                           help_text=_("Type part of the title of the deposit (bordereau), then choose it in "
                                       "the list."), widget=PickerInput("deposits"),
                           error_messages={"invalid": _("Enter the identifier of an operation.")})
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=lambda: SORTS, widget=forms.Select)
    per_page = forms.TypedChoiceField(label=_("Results per page"), required=False, choices=lambda: PER_PAGE, coerce=int,
                                      empty_value=25, widget=forms.Select)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("Any service"))] + [
            (identifier, f"{name} ({identifier})" if name else identifier) for identifier, name in agencies
        ]
        self._known_agencies = bool(agencies)

    def clean_agency(self):
        return self.cleaned_data.get("agency", "")

    def full_clean(self):
        # A service missing from the referential list (list unavailable) is still searched as typed.
        if self.is_bound and not self._known_agencies:
            value = self.data.get("agency", "")
            if value:
                self.fields["agency"].choices = [*self.fields["agency"].choices, (value, value)]
        super().full_clean()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period must come after its start."))
        if (data.get("rule_end_before") or data.get("rule_end_after")) and not data.get("rule_type"):
            self.add_error("rule_type", _("Choose which management rule the end date applies to."))
        before, after = data.get("rule_end_before"), data.get("rule_end_after")
        if before and after and after > before:
            self.add_error("rule_end_before", _("“Ending before” must come after “ending after”."))
        page = data.get("page") or 1
        per_page = data.get("per_page") or 25
        if page * per_page > MAX_RESULT_WINDOW:
            raise ValidationError(
                _("The archive system shows at most the first %(max)s results. Narrow your search (dates, "
                  "producing service, level) to reach the following ones."), params={"max": f"{MAX_RESULT_WINDOW:,}"},
            )
        return data

    def criteria(self) -> dict:
        """The cleaned search criteria (empty values left out)."""
        return {name: value for name, value in self.cleaned_data.items()
                if name in SEARCH_FIELDS and value not in (None, "", [])}

    def has_criteria(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in SEARCH_FIELDS if name not in ("sort", "per_page"))


class ResearcherSearchForm(FastRenderedForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=500,
                        help_text=_("Words of the title or the description."))
    tenant = forms.TypedChoiceField(label=_("Archives of"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("Dates from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Dates to"), required=False, widget=DateInput())
    level = forms.ChoiceField(label=_("Description level"), required=False,
                              choices=_choices(DESCRIPTION_LEVELS, _("Any level")))
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_RESULT_WINDOW // 25,
                              widget=forms.HiddenInput)

    def __init__(self, *args, tenants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].choices = [("", _("All the organisations I may consult"))] + [
            (tenant.pk, f"{tenant.organisation.name} — {tenant.label}") for tenant in tenants
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period must come after its start."))
        return data


class OperationFilterForm(FastRenderedForm):
    type = forms.ChoiceField(label=_("Type"), required=False, choices=_choices(OPERATION_TYPES, _("Any type")))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=_choices({key: value[0] for key, value in OUTCOMES.items()}, _("Any status")))
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_RESULT_WINDOW // 25,
                              widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period must come after its start."))
        return data


class SavedSearchForm(FastRenderedForm):
    name = forms.CharField(label=_("Name of the search"), max_length=200, strip=True)


# --- editing a unit's description (sam.consultation.services.unit_edit) ---------------------------------

FINAL_ACTION_CATEGORIES = {"AppraisalRule": ("Keep", "Destroy"), "StorageRule": ("RestrictAccess", "Transfer", "Copy")}


class UnitEditForm(forms.Form):
    """What an archivist may change of one unit; `version` is the unit's #version when the form was opened."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # The values as the form was opened (JSON): on a conflict, what the user changed is told from what they left.
    opened = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200_000)
    title = forms.CharField(label=_("Title"), max_length=1000, widget=forms.TextInput,
                            error_messages={"required": _("Give the unit a title.")})
    description = forms.CharField(label=_("Description"), required=False, max_length=20_000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    level = forms.ChoiceField(label=_("Description level"), choices=list(DESCRIPTION_LEVELS.items()), widget=forms.Select,
                              error_messages={"required": _("Choose the description level.")})
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput(),
                                 error_messages={"invalid": _("The start date is not a valid date.")})
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput(),
                               error_messages={"invalid": _("The end date is not a valid date.")})
    keywords = forms.CharField(label=_("Keywords"), required=False, max_length=20_000,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("One keyword per line: add a line to add one, delete a line to remove one."))
    appraisal_final_action = forms.ChoiceField(
        label=_("Final action of the appraisal rules (DUA)"), required=False, widget=forms.Select,
        choices=[("", _("None"))] + [(code, FINAL_ACTIONS[code]) for code in FINAL_ACTION_CATEGORIES["AppraisalRule"]])
    storage_final_action = forms.ChoiceField(
        label=_("Final action of the storage rules"), required=False, widget=forms.Select,
        choices=[("", _("None"))] + [(code, FINAL_ACTIONS[code]) for code in FINAL_ACTION_CATEGORIES["StorageRule"]])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return cleaned

    def keyword_list(self) -> list[str]:
        return list(dict.fromkeys(line.strip() for line in self.cleaned_data["keywords"].splitlines() if line.strip()))


class UnitRuleForm(forms.Form):
    """One management rule of the unit: kept, changed (rule or start date), removed, or added on a blank line."""

    category = forms.ChoiceField(label=_("Category"), required=False, widget=forms.Select,
                                 choices=[("", "—")] + list(RULE_CATEGORIES.items()))
    rule = forms.ChoiceField(label=_("Rule"), required=False, widget=forms.Select)
    start_date = forms.DateField(label=_("Start date of the rule"), required=False, widget=DateInput(),
                                 error_messages={"invalid": _("The start date of the rule is not a valid date.")})
    remove = forms.BooleanField(label=_("Remove"), required=False)

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_types = {rule["RuleId"]: rule.get("RuleType", "") for rule in rules}
        # The rules by their label, grouped by category (the identifier after it, as on the unit page).
        by_category = {}
        for rule in rules:
            by_category.setdefault(rule.get("RuleType"), []).append(
                (rule["RuleId"], f"{rule.get('RuleValue') or rule['RuleId']} ({rule['RuleId']})"))
        self.fields["rule"].choices = [("", "—")] + [
            (str(label), by_category[category]) for category, label in RULE_CATEGORIES.items() if category in by_category]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove") or not (cleaned.get("category") or cleaned.get("rule")):
            return cleaned
        if not cleaned.get("category"):
            self.add_error("category", _("Choose the category of the rule."))
        elif not cleaned.get("rule"):
            self.add_error("rule", _("Choose the rule."))
        elif self.rule_types.get(cleaned["rule"]) != cleaned["category"]:
            self.add_error("rule", _("This rule is not of the chosen category."))
        return cleaned


UnitRuleFormSet = forms.formset_factory(UnitRuleForm, extra=2, max_num=200, validate_max=True)


def unit_rules_of(forms_) -> dict[str, list[tuple[str, str]]]:
    """{category: [(rule, start date)]} of the valid, kept rule lines of a UnitRuleFormSet."""
    rules: dict[str, list[tuple[str, str]]] = {}
    for form in forms_:
        data = form.cleaned_data
        if data and not data.get("remove") and data.get("category") and data.get("rule"):
            start = data.get("start_date")
            rules.setdefault(data["category"], []).append((data["rule"], start.isoformat() if start else ""))
    return rules


def plain_values(values: dict) -> dict:
    """Values as JSON gives them back (tuples become lists), so opened, stored and typed values compare."""
    return json.loads(json.dumps(values))


def unit_edit_data(values: dict, *, version) -> dict:
    """The edit form's POST data showing these values, on top of `version` (the values are also kept as the
    form's starting point, `opened`, to tell later what the user changed)."""
    values = plain_values(values)
    data = {"version": str(version), "opened": json.dumps(values), "keywords": "\n".join(values["keywords"])}
    data.update({name: values[name] for name in ("title", "description", "level", "start_date", "end_date",
                                                 "appraisal_final_action", "storage_final_action")})
    lines = [(category, rule_id, start) for category, rules in values["rules"].items() for rule_id, start in rules]
    for index, (category, rule_id, start) in enumerate(lines):
        data.update({f"rules-{index}-category": category, f"rules-{index}-rule": rule_id,
                     f"rules-{index}-start_date": start})
    data.update({"rules-TOTAL_FORMS": str(len(lines) + 2), "rules-INITIAL_FORMS": str(len(lines)),
                 "rules-MIN_NUM_FORMS": "0", "rules-MAX_NUM_FORMS": "1000"})
    return data
