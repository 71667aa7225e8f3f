"""REST representations of the tenants app. Writes go through tenants.services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenants import permissions
from tenants.models import AuditEntry, Organisation, Role, Tenant, User

Membership = User.groups.through


@extend_schema_field(OpenApiTypes.INT)
class ScopedOrganisationField(serializers.PrimaryKeyRelatedField):
    """An organisation id from the body, looked up among those the caller holds ``perm`` on.

    A forged id and a missing one get the same answer.
    """

    default_error_messages = {
        "does_not_exist": _("Unknown organisation {pk_value}, or one you may not manage."),
        "incorrect_type": _("An organisation is designated by its numeric id."),
    }

    def __init__(self, *, perm, **kwargs):
        self.perm = perm
        super().__init__(**kwargs)

    def get_queryset(self):
        return permissions.organisations_for(self.context["request"].user, self.perm)


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "code", "is_active", "controlled_organisations", "created_at", "updated_at"]
        read_only_fields = ["is_active", "controlled_organisations", "created_at", "updated_at"]
        # Uniqueness is checked (and worded) by the service.
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}


class TenantSerializer(serializers.ModelSerializer):
    organisation = ScopedOrganisationField(perm="change_organisation")

    class Meta:
        model = Tenant
        fields = ["id", "vitam_id", "label", "organisation", "purpose", "ingest_contract", "access_contract",
                  "researcher_access_contract", "is_active"]
        read_only_fields = ["is_active"]
        extra_kwargs = {"vitam_id": {"validators": []}}


class TenantUpdateSerializer(TenantSerializer):
    """A tenant never moves to another organisation; it may be reactivated."""

    organisation = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(TenantSerializer.Meta):
        read_only_fields = []


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "is_active", "anonymised_at"]
        read_only_fields = ["username", "is_active", "anonymised_at"]


class UserInviteSerializer(serializers.Serializer):
    organisation = ScopedOrganisationField(perm="manage_users")
    username = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)


class MembershipSerializer(serializers.ModelSerializer):
    """One role of one user in one organisation (a membership of the role's guardian group)."""

    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    organisation = ScopedOrganisationField(perm="manage_users", source="group.role_group.organisation")
    role = serializers.ChoiceField(choices=Role.choices, source="group.role_group.role")

    class Meta:
        model = Membership
        fields = ["id", "user", "organisation", "role"]


class AuditEntrySerializer(serializers.ModelSerializer):
    actor_username = serializers.CharField(source="actor.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor", "actor_username", "organisation", "tenant", "action", "target_type",
                  "target_id", "target_repr", "before", "after", "ip_address", "request_id"]
        read_only_fields = fields


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, default="API", max_length=100,
                                 help_text="What the token is for (shown in the list of the account's tokens).")
    days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                    help_text="Validity in days (default and maximum set by the platform).")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key, shown this once: send it as 'Authorization: Bearer <key>'.")
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()
