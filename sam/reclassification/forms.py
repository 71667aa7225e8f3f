from django import forms
from django.utils.translation import gettext_lazy as _


class MoveForm(forms.Form):
    """The new parent is picked among candidates shown with their labels and paths (radio buttons); its
    identifier travels in the form, never typed by the archivist."""

    new_parent = forms.RegexField(regex=r"^[A-Za-z0-9_.\-]{1,100}$", label=_("New parent"),
                                  error_messages={"required": _("Choose the new parent in the list."),
                                                  "invalid": _("Choose the new parent in the list.")})
    confirmed = forms.BooleanField(required=False, label=_("I confirm the move of these units and of everything "
                                                           "below them"))


class RenameForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
