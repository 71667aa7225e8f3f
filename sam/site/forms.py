"""Forms of the site-wide screens (profile). Login and password forms are Django's own."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves: names, e-mail, preferred language (roles are given by referents)."""

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email", "language"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        help_texts = {
            "language": _("Language of the screens after you log in. Empty: your browser's language."),
            "email": _("Invitations and password reset links are sent to this address."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Password reset links go to this address: it cannot be left empty.
        self.fields["email"].required = True
