"""Forms of the tenants screens. They validate shapes; the services enforce the rules."""

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db.models import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _

from tenants.models import Organisation, Role, Tenant, User


class ServiceCheckedUniqueness:
    """Uniqueness is checked by the service, whose message names the conflicting organisation."""

    def validate_unique(self):
        pass


class OrganisationForm(ServiceCheckedUniqueness, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "code", "vitam_certificate", "vitam_key", "local_passwords_enabled"]


class TenantForm(ServiceCheckedUniqueness, forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ["vitam_id", "label", "purpose", "ingest_contract", "access_contract", "researcher_access_contract"]


class TenantUpdateForm(TenantForm):
    class Meta(TenantForm.Meta):
        fields = TenantForm.Meta.fields + ["is_active"]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return str(user)


class ReferentAppointForm(forms.Form):
    user = UserChoiceField(
        label=_("User"), queryset=User.objects.none(),
        error_messages={"invalid_choice": _("Choose an active user from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True, anonymised_at__isnull=True).order_by(
            "username"
        )


class ControlledOrganisationsForm(forms.Form):
    controlled_organisations = forms.ModelMultipleChoiceField(
        label=_("Controlled organisations"), queryset=Organisation.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("“%(value)s” is not one of the organisations offered.")},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controlled_organisations"].queryset = Organisation.objects.exclude(pk=organisation.pk).exclude(
            kind=Organisation.Kind.DEPARTMENTAL_ARCHIVES
        )
        self.initial.setdefault("controlled_organisations", list(organisation.controlled_organisations.all()))


def role_choices(organisation):
    """Controllers exist only in departmental archives. No preselected role: granting one is deliberate."""
    return BLANK_CHOICE_DASH + [
        (value, label) for value, label in Role.choices
        if value != Role.CONTROLLER or organisation.kind == Organisation.Kind.DEPARTMENTAL_ARCHIVES
    ]


class UserInviteForm(forms.Form):
    username = forms.CharField(label=_("Login"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organisation)


class UserUpdateForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(organisation)


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("Search (login, name, e-mail)"), required=False)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(label=_("Search (name, code)"), required=False)




class ApiTokenForm(forms.Form):
    """A new API token: its name and how long it lasts (tenants.tokens.token_issue checks the bounds)."""

    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("The application or connector that will use it, e.g. “Pastell — versements”."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].validators.append(MaxValueValidator(settings.API_TOKEN_MAX_DAYS))
        self.fields["days"].widget.attrs["max"] = settings.API_TOKEN_MAX_DAYS
        self.fields["days"].initial = settings.API_TOKEN_DEFAULT_DAYS
