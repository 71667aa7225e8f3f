"""The choice of the object version a report of several units certifies."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sam.consultation.seda_labels import USAGES


class UnitsProofForm(forms.Form):
    usage = forms.ChoiceField(label=_("Usage of objects"), choices=list(USAGES.items()), initial="BinaryMaster")
    version = forms.IntegerField(label=_("Version"), min_value=1, initial=1,
                                 help_text=_("1 is the version deposited; units without this version are listed "
                                             "as not verified."))
