"""Forms of the actions on a selection: the elimination forms without their criteria (the selection is the
criteria)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sam.elimination.forms import AnalysisForm, CriteriaForm, MassUpdateForm
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
