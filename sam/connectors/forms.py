"""Forms of the connector pages: the referent declares a connector or gives it a new certificate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sam.connectors.certificates import MAX_PEM_BYTES


class CertificateField(forms.FileField):
    """A PEM file read whole (it is small): the service reads and checks the certificate."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None:
            return None
        return upload.read(MAX_PEM_BYTES + 1)


class ConnectorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200,
                           help_text=_("For example: Pastell, AirsDélib."))
    tenants = forms.ModelMultipleChoiceField(
        label=_("Allowed tenants"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("The connector may deposit only on these tenants (X-Tenant-Id)."))
    certificate = CertificateField(
        label=_("Client certificate (PEM)"),
        help_text=_("The certificate the connector presents (.pem or .crt file, -----BEGIN CERTIFICATE-----)."))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenants"].queryset = organisation.tenants.filter(is_active=True).order_by("vitam_id")
        self.fields["tenants"].label_from_instance = lambda tenant: f"{tenant.label} ({tenant.vitam_id})"


class RotateForm(forms.Form):
    certificate = CertificateField(
        label=_("New client certificate (PEM)"),
        help_text=_("The former certificate is refused as soon as this one is saved."))
