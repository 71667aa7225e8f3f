"""REST API of the tenants app (/api/v1/). Same policy as the screens: tenants.permissions."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants import permissions, selectors, services, tokens
from tenants.filters import AuditEntryFilter
from tenants.models import Organisation, Tenant, User
from tenants.second_factor.policy import verification_needed
from tenants.serializers import (
    AuditEntrySerializer,
    Membership,
    MembershipSerializer,
    OrganisationSerializer,
    TenantSerializer,
    TenantUpdateSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserInviteSerializer,
    UserSerializer,
)


def _call(service, **kwargs):
    """Runs a service; its Django ValidationError becomes a 400 with the same French messages."""
    try:
        return service(**kwargs)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None


class PolicyViewSet(viewsets.GenericViewSet):
    permission_classes = [permissions.OrganisationPolicyPermission]
    filter_backends = [permissions.OrganisationScopeFilter, DjangoFilterBackend]
    read_perm = "view_organisation"
    write_perm = "platform_admin"
    organisation_lookup = "organisation"

    def get_permission_organisations(self, obj):
        return [obj.organisation]


class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          mixins.UpdateModelMixin, PolicyViewSet):
    """Organisations the caller may see; platform administrators create and edit them."""

    queryset = Organisation.objects.all()
    serializer_class = OrganisationSerializer
    organisation_lookup = ""

    def get_permission_organisations(self, obj):
        return [obj]

    def perform_create(self, serializer):
        serializer.instance = _call(services.organisation_create, actor=self.request.user, request=self.request,
                                    **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = _call(services.organisation_update, actor=self.request.user, request=self.request,
                                    organisation=serializer.instance, **serializer.validated_data)


class TenantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, PolicyViewSet):
    queryset = Tenant.objects.select_related("organisation")

    def get_serializer_class(self):
        return TenantUpdateSerializer if self.action in ("update", "partial_update") else TenantSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if not permissions.is_platform_admin(self.request.user):
            queryset = queryset.filter(is_active=True)
        return queryset

    def perform_create(self, serializer):
        serializer.instance = _call(services.tenant_create, actor=self.request.user, request=self.request,
                                    **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = _call(services.tenant_update, actor=self.request.user, request=self.request,
                                    tenant=serializer.instance, **serializer.validated_data)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, PolicyViewSet):
    """Users of the organisations the caller manages. Create = invitation."""

    queryset = User.objects.order_by("username")
    read_perm = "manage_users"
    write_perm = "manage_users"
    organisation_lookup = "groups__role_group__organisation"

    def get_serializer_class(self):
        return UserInviteSerializer if self.action == "create" else UserSerializer

    def get_permission_organisations(self, obj):
        return list(services.user_organisations(obj))

    @extend_schema(request=UserInviteSerializer, responses=UserSerializer)
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _call(services.user_invite, actor=request.user, request=request, **serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = _call(services.user_update, actor=self.request.user, request=self.request,
                                    organisation=None, user=serializer.instance, **serializer.validated_data)


class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.DestroyModelMixin, PolicyViewSet):
    """Roles of users in organisations. Create = grant a role; delete = revoke it."""

    queryset = Membership.objects.filter(group__role_group__isnull=False).select_related(
        "user", "group__role_group__organisation"
    ).order_by("id")
    serializer_class = MembershipSerializer
    read_perm = "manage_users"
    write_perm = "manage_users"
    organisation_lookup = "group__role_group__organisation"

    def get_permission_organisations(self, obj):
        return [obj.group.role_group.organisation]

    def perform_create(self, serializer):
        data = serializer.validated_data
        organisation = data["group"]["role_group"]["organisation"]
        user = data["user"]
        # A referent grants roles to members of their organisation only: a stranger's id looks unknown.
        if not permissions.is_platform_admin(self.request.user) and not services.user_organisations(user).filter(
            pk=organisation.pk
        ).exists():
            raise ValidationError({"user": [_("Unknown user %(id)s in this organisation.") % {"id": user.pk}]})
        role_group = _call(services.role_grant, actor=self.request.user, request=self.request,
                           organisation=organisation, user=user, role=data["group"]["role_group"]["role"])
        serializer.instance = Membership.objects.select_related("group__role_group__organisation").get(
            user=user, group=role_group.group
        )

    def perform_destroy(self, instance):
        role_group = instance.group.role_group
        _call(services.role_revoke, actor=self.request.user, request=self.request,
              organisation=role_group.organisation, user=instance.user, role=role_group.role)


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """The audit trail (read-only), filterable like the audit screen."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    read_perm = "view_audit"

    def get_queryset(self):
        return selectors.audit_entries_for(self.request.user)

    def get_permission_organisations(self, obj):
        return [obj.organisation] if obj.organisation_id else []


class TokenView(APIView):
    """Exchanges a login and password for a new named API token (tenants/tokens.py); the key is shown once."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [tokens.AnonymousThrottle]

    @extend_schema(request=TokenRequestSerializer, responses=TokenSerializer)
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, username=serializer.validated_data["username"],
                            password=serializer.validated_data["password"])
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": [_("Wrong login or password.")]})
        if verification_needed(user):
            # A password alone must not open what the second factor guards: such accounts create their
            # tokens on the portal's token page, from a verified session.
            raise PermissionDenied(_("This account signs in with a second factor: create your API token on the "
                                     "portal's token page."))
        issued = _call(tokens.token_issue, actor=user, user=user, name=serializer.validated_data["name"],
                       days=serializer.validated_data["days"], request=request._request)
        return Response({"token": issued.key, "name": issued.token.name, "expires_at": issued.token.expires_at})
