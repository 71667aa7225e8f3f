"""The request of a communication: why, who asked, which usages of the objects, with or without the logbook."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sam.communication.models import USAGES, Communication


class CommunicationForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose of the request"), choices=Communication.Purpose.choices, widget=forms.RadioSelect)
    purpose_detail = forms.CharField(label=_("Purpose (detail)"), max_length=500, required=False,
                                     help_text=_("Required for “Other”; otherwise an optional reference (file, letter…)."))
    requester_name = forms.CharField(label=_("Requester"), max_length=200,
                                     help_text=_("The person who asked for the documents."))
    requester_service = forms.CharField(label=_("Requester's service"), max_length=200, required=False)
    usages = forms.MultipleChoiceField(label=_("Usages of objects to include"), choices=USAGES, required=False,
                                       initial=["BinaryMaster"], widget=forms.CheckboxSelectMultiple,
                                       help_text=_("None ticked: the descriptions alone, without any file."))
    with_logbook = forms.BooleanField(label=_("Include the logbook of the units"), required=False)
