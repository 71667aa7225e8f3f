"""Forms of the actions on a selection: the elimination forms without their criteria (the selection is the
criteria)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sam.consultation.seda_labels import DESCRIPTION_LEVELS, KEYWORD_TYPES
from sam.elimination.forms import AnalysisForm, CriteriaForm, DateInput, MassUpdateForm
from sam.elimination.models import Proposal


class _OnSelection:
    """Drops the criteria fields; criteria() answers the selection's."""

    def __init__(self, *args, selection_criteria: dict, **kwargs):
        self._selection_criteria = selection_criteria
        super().__init__(*args, **kwargs)
        for name in CriteriaForm.base_fields:
            self.fields.pop(name, None)

    def criteria(self) -> dict:
        return self._selection_criteria


class SelectionMassUpdateForm(_OnSelection, MassUpdateForm):
    pass


class SelectionAnalysisForm(_OnSelection, AnalysisForm):
    confirmed = forms.BooleanField(label=_("I confirm the analysis of all these units"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].help_text = _("Units of the selection whose retention period (DUA) has ended at the "
                                          "date with the final action Destroy, or every unit of the selection. "
                                          "The units below them are analysed too.")
        self.fields["mode"].initial = Proposal.Mode.DUA_ENDED

    def clean(self):
        # The selection is the criteria: the analysis form's "give at least one criterion" does not apply.
        return CriteriaForm.clean(self)


class KeepForm(forms.Form):
    name = forms.CharField(label=_("Name of the selection"), max_length=200)


class SelectionZipForm(forms.Form):
    """The usages to put in the zip (those the access contract allows) and whether each folder describes its unit."""

    usages = forms.MultipleChoiceField(label=_("Usages of objects to include"), widget=forms.CheckboxSelectMultiple)
    with_description = forms.BooleanField(
        label=_("Add a short description of each unit"), required=False, initial=True,
        help_text=_("A file _description.txt in each folder: title, identifier, level, dates, producing service."))
    confirmed = forms.BooleanField(label=_("I confirm the download of all these files"), required=False)

    def __init__(self, *args, usages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usages"].choices = usages
        self.fields["usages"].initial = [code for code, _label in usages][:1]

    def without_confirmation(self) -> None:
        """The confirmation is asked only once the count and size it confirms are on screen."""
        self.fields.pop("confirmed", None)
class DescriptionUpdateForm(forms.Form):
    """One change of the descriptive metadata of every unit of a selection, in the archivist's words."""

    ACTIONS = [("set_description", _("Set the description")), ("clear_description", _("Clear the description")),
               ("replace_text", _("Replace a text in titles or descriptions")),
               ("add_keyword", _("Add a keyword")), ("remove_keyword", _("Remove a keyword")),
               ("set_level", _("Set the description level")), ("set_dates", _("Set the start and end dates"))]
    TARGETS = [("Title", _("Titles")), ("Description", _("Descriptions"))]
    KEYWORD_TYPES = [("", _("No type")), *KEYWORD_TYPES.items()]

    action = forms.ChoiceField(label=_("Change"), choices=ACTIONS)
    description = forms.CharField(label=_("New description"), required=False, max_length=10000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    target = forms.ChoiceField(label=_("Replace in"), choices=TARGETS, required=False)
    search_text = forms.CharField(label=_("Text to replace"), required=False, max_length=500, strip=False,
                                  help_text=_("Exact text, capitals and accents included."))
    replacement = forms.CharField(label=_("Replace by"), required=False, max_length=500, strip=False,
                                  help_text=_("Leave empty to remove the text."))
    keyword = forms.CharField(label=_("Keyword"), required=False, max_length=500)
    keyword_type = forms.ChoiceField(label=_("Keyword type"), choices=KEYWORD_TYPES, required=False)
    level = forms.ChoiceField(label=_("Description level"), required=False,
                              choices=[("", "—"), *DESCRIPTION_LEVELS.items()])
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput())
    expected_count = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)
    confirmed = forms.BooleanField(label=_("I confirm the update of all these units"), required=False)

    # Which fields each change uses: static/sam/js/description_update.js shows only those.
    FIELDS_OF = {"description": "set_description", "target": "replace_text", "search_text": "replace_text",
                 "replacement": "replace_text", "keyword": "add_keyword remove_keyword",
                 "keyword_type": "add_keyword remove_keyword", "level": "set_level", "start_date": "set_dates",
                 "end_date": "set_dates"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, actions in self.FIELDS_OF.items():
            self.fields[name].widget.attrs["data-for-actions"] = actions

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "set_description" and not (cleaned.get("description") or "").strip():
            self.add_error("description", _("Write the new description (or choose “Clear the description”)."))
        if action == "replace_text":
            if not cleaned.get("target"):
                self.add_error("target", _("Choose titles or descriptions."))
            if not cleaned.get("search_text"):
                self.add_error("search_text", _("Give the text to replace."))
            elif cleaned.get("search_text") == cleaned.get("replacement"):
                self.add_error("replacement", _("The new text is the same as the text to replace."))
        if action in ("add_keyword", "remove_keyword") and not (cleaned.get("keyword") or "").strip():
            self.add_error("keyword", _("Give the keyword."))
        if action == "set_level" and not cleaned.get("level") and "level" not in self.errors:
            self.add_error("level", _("Choose the description level."))
        if action == "set_dates":
            start, end = cleaned.get("start_date"), cleaned.get("end_date")
            if not start and not end and "start_date" not in self.errors and "end_date" not in self.errors:
                self.add_error("start_date", _("Give a start date, an end date or both."))
            if start and end and end < start:
                self.add_error("end_date", _("The end date is before the start date."))
        return cleaned

    def change(self) -> dict:
        data = self.cleaned_data
        return {"action": data["action"], "description": (data.get("description") or "").strip(),
                "target": data.get("target") or "", "search_text": data.get("search_text") or "",
                "replacement": data.get("replacement") or "", "keyword": (data.get("keyword") or "").strip(),
                "keyword_type": data.get("keyword_type") or "", "level": data.get("level") or "",
                "start_date": data.get("start_date"), "end_date": data.get("end_date")}
