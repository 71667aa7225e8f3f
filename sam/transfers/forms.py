from django import forms
from django.utils.translation import gettext_lazy as _

from sam.deposits.forms import default_archival_agency
from sam.transfers.models import ReceivingPlatform


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


class PlatformForm(forms.ModelForm):
    ingest_url = forms.URLField(label=_("Ingest-external address"), max_length=500, assume_scheme="https",
                                help_text=_("The address its ingest-external answers on, e.g. "
                                            "https://vitam.archives.example:8443."))
    # A transfer is a standard ingest; the blank test checks the SIP without keeping anything.
    context_id = forms.ChoiceField(label=_("Ingest workflow (X-Context-Id)"), initial="DEFAULT_WORKFLOW",
                                   choices=[("DEFAULT_WORKFLOW", _("Standard ingest")),
                                            ("BLANK_TEST", _("Blank test ingest (nothing kept)"))])

    class Meta:
        model = ReceivingPlatform
        fields = ("name", "ingest_url", "vitam_tenant", "context_id", "ingest_contract", "cert_path", "key_path",
                  "ca_path")
        help_texts = {
            "ingest_contract": _("The ingest contract the platform gave you; a transfer naming another one is "
                                 "not sent. Empty: not checked."),
            "cert_path": _("PEM files on SAM's server, in your organisation's folder of receiving platforms' "
                           "certificates. Empty for plain HTTP."),
        }


class SendForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("Receiving platform"), queryset=ReceivingPlatform.objects.none(),
                                      empty_label=None)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = ReceivingPlatform.objects.filter(tenant=tenant)
