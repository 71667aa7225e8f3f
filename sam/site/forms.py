"""Forms of the site-wide screens: profile, and Django's login and password reset forms with the SSO policy."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from tenants.sso import local_password_allowed


class LoginForm(AuthenticationForm):
    """Refuses the password of a person whose organisations sign in with single sign-on only."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not local_password_allowed(user):
            raise forms.ValidationError(
                _("Your organisation signs in with single sign-on only: use the button below the form."),
                code="local_password_disabled",
            )


class SsoAwarePasswordResetForm(PasswordResetForm):
    """No reset link for a password its owner may not use (the page still says a link may have been sent)."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if local_password_allowed(user))


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
