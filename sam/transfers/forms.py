from django import forms
from django.utils.translation import gettext_lazy as _

from sam.deposits.forms import default_archival_agency


class TransferForm(forms.Form):
    archival_agency = forms.ChoiceField(label=_("Receiving archival service"), help_text=_(
        "The service that will keep the definitive archives (service d'archives destinataire)."))
    archival_agreement = forms.CharField(label=_("Archival agreement"), max_length=200, help_text=_(
        "The identifier of the receiving service's ingest contract (contrat d'entrée), as it gave it to you."))
    transferring_agency = forms.ChoiceField(label=_("Transferring service"), help_text=_(
        "Your archival service, which hands the archives over (service versant)."))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(a["Identifier"], a.get("Name") or a["Identifier"]) for a in agencies]
        self.fields["archival_agency"].choices = [("", "—")] + choices
        self.fields["archival_agency"].initial = default_archival_agency(agencies)
        self.fields["transferring_agency"].choices = [("", "—")] + choices
        self.fields["transferring_agency"].initial = next(
            (a["Identifier"] for a in agencies if a["Identifier"].upper().endswith("-ARCH")), "")


class ReplyForm(forms.Form):
    reply = forms.FileField(label=_("Reply of the receiving service (ArchiveTransferReply, XML)"),
                            widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}))
