"""REST API of contracts and archival profiles: /api/v1/tenants/<tenant_pk>/ingest-contracts/,
/access-contracts/, /profiles/. Same policy as the screens: read with `search`, change with
`manage_referentials` on the tenant's organisation (404 alike for missing and forbidden).

Documents are returned as Vitam has them (Vitam's field names). PATCH accepts "#version": when the
document changed since that version, the answer is 409 with the current document.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FileUploadParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from referentials.contracts import domain, profile_files, selectors, services
from referentials.contracts.domain import ACCESS, INGEST, ContractKind
from tenants.permissions import tenant_get_for_user

READ = "search"
WRITE = "manage_referentials"
IDENTIFIER_REGEX = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None


def _contract_serializer(kind: ContractKind):
    fields = {
        "Identifier": serializers.CharField(required=False, allow_blank=True, max_length=100),
        "Name": serializers.CharField(max_length=255),
        "Description": serializers.CharField(required=False, allow_blank=True, allow_null=True),
        "Status": serializers.ChoiceField(choices=domain.STATUSES, required=False),
        "#version": serializers.IntegerField(required=False, write_only=True),
    }
    for name in kind.fields:
        if name in fields:
            continue
        if name in kind.bool_fields:
            fields[name] = serializers.BooleanField(required=False)
        elif name == "DataObjectVersion":
            fields[name] = serializers.ListField(child=serializers.ChoiceField(domain.DATA_OBJECT_VERSIONS),
                                                 required=False)
        elif name == "RuleCategoryToFilter":
            fields[name] = serializers.ListField(child=serializers.ChoiceField(domain.RULE_CATEGORIES), required=False)
        elif name in kind.list_fields:
            fields[name] = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
        elif name == "CheckParentLink":
            fields[name] = serializers.ChoiceField(domain.CHECK_PARENT_LINKS, required=False)
        elif name == "AccessLog":
            fields[name] = serializers.ChoiceField(domain.STATUSES, required=False)
        else:
            fields[name] = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    return type(f"{kind.slug.title()}ContractSerializer", (serializers.Serializer,), fields)


INGEST_SERIALIZER = _contract_serializer(INGEST)
ACCESS_SERIALIZER = _contract_serializer(ACCESS)


class DeactivateSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(required=False, default=False)


LIST_FILTERS = [OpenApiParameter("q", str, description="Words searched in identifier, name and description"),
                OpenApiParameter("status", str, enum=list(domain.STATUSES))]
CONFLICT = OpenApiResponse(inline_serializer("DocumentConflict", {
    "detail": serializers.CharField(),
    "changes": serializers.ListField(child=serializers.ListField(child=serializers.CharField()),
                                     help_text="[field, value you saw, value now]"),
    "current": serializers.DictField(help_text="The document as Vitam has it now"),
}), description="Changed since the #version sent")
IN_USE = OpenApiResponse(inline_serializer("ContractInUse", {
    "detail": serializers.CharField(),
    "consequences": serializers.ListField(child=serializers.CharField()),
}), description="Used by default by a SAM tenant: send \"confirm\": true to deactivate it anyway")


def _contract_schema(serializer):
    """Vitam documents with the contract's fields; 409 answers for concurrent changes and default contracts."""
    return extend_schema_view(
        list=extend_schema(parameters=LIST_FILTERS, responses=serializer(many=True)),
        partial_update=extend_schema(responses={200: serializer, 409: CONFLICT}),
        deactivate=extend_schema(request=DeactivateSerializer, responses={200: serializer, 409: IN_USE}),
    )


def _conflict(conflict: services.Conflict) -> Response:
    return Response({"detail": conflict.message, "changes": [list(change) for change in conflict.changes],
                     "current": conflict.current}, status=status.HTTP_409_CONFLICT)


def _version_snapshot(data) -> dict | None:
    version = data.get("#version")
    return None if version is None else {"version": version, "values": {}}


@extend_schema(tags=["contracts"])
class _TenantViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]
    lookup_field = "identifier"
    lookup_value_regex = IDENTIFIER_REGEX

    def tenant(self, perm=READ):
        return tenant_get_for_user(self.request.user, self.kwargs["tenant_pk"], perm)


class _ContractViewSet(_TenantViewSet):
    kind: ContractKind
    serializer_class = None

    def list(self, request, tenant_pk):
        documents = selectors.contract_list(tenant=self.tenant(), kind=self.kind, search=request.query_params.get("q", ""),
                                            status=request.query_params.get("status", ""))
        return Response(documents)

    def retrieve(self, request, tenant_pk, identifier):
        return Response(selectors.contract_get(tenant=self.tenant(), kind=self.kind, identifier=identifier))

    def create(self, request, tenant_pk):
        tenant = self.tenant(WRITE)
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        identifier = data.pop("Identifier", "") or ""
        _check(self.kind, data)
        stored = _call(services.contract_create, actor=request.user, tenant=tenant, kind=self.kind, values=data,
                       identifier=identifier, request=request)
        return Response(stored, status=status.HTTP_201_CREATED)

    def partial_update(self, request, tenant_pk, identifier):
        tenant = self.tenant(WRITE)
        current = selectors.contract_get(tenant=tenant, kind=self.kind, identifier=identifier)
        serializer = self.serializer_class(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("Identifier", None)
        snapshot = _version_snapshot(data)
        data.pop("#version", None)
        values = {**{name: current.get(name) for name in self.kind.fields}, **data}
        _check(self.kind, values)
        try:
            stored = _call(services.contract_update, actor=request.user, tenant=tenant, kind=self.kind,
                           identifier=identifier, values=values, snapshot=snapshot, request=request)
        except services.Conflict as conflict:
            return _conflict(conflict)
        return Response(stored)

    @action(detail=True, methods=["post"])
    def activate(self, request, tenant_pk, identifier):
        tenant = self.tenant(WRITE)
        stored = _call(services.contract_set_status, actor=request.user, tenant=tenant, kind=self.kind,
                       identifier=identifier, active=True, request=request)
        return Response(stored)

    @extend_schema(request=DeactivateSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, tenant_pk, identifier):
        """Refused (409) without "confirm": true when a SAM tenant uses the contract by default."""
        tenant = self.tenant(WRITE)
        selectors.contract_get(tenant=tenant, kind=self.kind, identifier=identifier)
        serializer = DeactivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        usage = selectors.contract_usage(tenant=tenant, kind=self.kind, identifier=identifier)
        if usage and not serializer.validated_data["confirm"]:
            return Response({"detail": (_("This contract is used by default: send \"confirm\": true to "
                                             "deactivate it anyway.")),
                             "consequences": [use.consequence for use in usage]}, status=status.HTTP_409_CONFLICT)
        stored = _call(services.contract_set_status, actor=request.user, tenant=tenant, kind=self.kind,
                       identifier=identifier, active=False, request=request)
        return Response(stored)


def _check(kind, values):
    try:
        domain.CHECKS[kind.slug](values)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None


@_contract_schema(INGEST_SERIALIZER)
class IngestContractViewSet(_ContractViewSet):
    kind = INGEST
    serializer_class = INGEST_SERIALIZER


@_contract_schema(ACCESS_SERIALIZER)
class AccessContractViewSet(_ContractViewSet):
    kind = ACCESS
    serializer_class = ACCESS_SERIALIZER


class ProfileSerializer(serializers.Serializer):
    Identifier = serializers.CharField(required=False, allow_blank=True, max_length=100)
    Name = serializers.CharField(max_length=255)
    Description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    Status = serializers.ChoiceField(choices=domain.STATUSES, required=False)
    Format = serializers.ChoiceField(choices=domain.PROFILE_FORMATS)


class ProfileUpdateSerializer(serializers.Serializer):
    Name = serializers.CharField(max_length=255, required=False)
    Description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    Status = serializers.ChoiceField(choices=domain.STATUSES, required=False)


class ProfileViewSet(_TenantViewSet):
    serializer_class = ProfileSerializer

    @extend_schema(parameters=LIST_FILTERS)
    def list(self, request, tenant_pk):
        return Response(selectors.profile_list(tenant=self.tenant(), search=request.query_params.get("q", ""),
                                               status=request.query_params.get("status", "")))

    def retrieve(self, request, tenant_pk, identifier):
        return Response(selectors.profile_get(tenant=self.tenant(), identifier=identifier))

    def create(self, request, tenant_pk):
        tenant = self.tenant(WRITE)
        serializer = ProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stored = _call(services.profile_create, actor=request.user, tenant=tenant, request=request,
                       data=services.ProfileInput(identifier=data.get("Identifier", ""), name=data["Name"],
                                                  description=data.get("Description") or "",
                                                  status=data.get("Status", "ACTIVE"), format=data["Format"]))
        return Response(stored, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProfileUpdateSerializer, responses={200: ProfileSerializer, 409: CONFLICT})
    def partial_update(self, request, tenant_pk, identifier):
        tenant = self.tenant(WRITE)
        current = selectors.profile_get(tenant=tenant, identifier=identifier)
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = {**{name: current.get(name) for name in domain.PROFILE_FIELDS}, **serializer.validated_data}
        try:
            stored = _call(services.profile_update, actor=request.user, tenant=tenant, identifier=identifier,
                           values=values, snapshot=_version_snapshot(request.data), request=request)
        except services.Conflict as conflict:
            return _conflict(conflict)
        return Response(stored)

    @extend_schema(methods=["GET"], summary="Download the profile's XSD or RNG file", request=None,
                   responses={(200, "application/xml"): OpenApiResponse(OpenApiTypes.BINARY, description="XSD or RNG"),
                              404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such profile, or no file yet")})
    @extend_schema(methods=["PUT"], summary="Attach the XSD or RNG file to the profile",
                   request={"multipart/form-data": inline_serializer("ProfileFileUpload", {"file": serializers.FileField()}),
                            "*/*": OpenApiTypes.BINARY},
                   responses={200: ProfileSerializer, 400: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get", "put"], parser_classes=[MultiPartParser, FileUploadParser, JSONParser])
    def file(self, request, tenant_pk, identifier):
        """GET downloads the XSD/RNG file; PUT attaches it (multipart "file", or the raw body)."""
        if request.method == "GET":
            tenant = self.tenant()
            profile = selectors.profile_get(tenant=tenant, identifier=identifier)
            if not profile.get("Path"):
                return Response({"detail": _("No file is attached to this profile yet.")},
                                status=status.HTTP_404_NOT_FOUND)
            buffer = io.BytesIO()
            selectors.profile_file(tenant=tenant, identifier=identifier, dest=buffer)
            buffer.seek(0)
            extension = "rng" if profile.get("Format") == "RNG" else "xsd"
            return FileResponse(buffer, as_attachment=True, filename=f"{identifier}.{extension}",
                                content_type="application/xml")
        tenant = self.tenant(WRITE)
        selectors.profile_get(tenant=tenant, identifier=identifier)
        uploaded = request.data.get("file") if hasattr(request.data, "get") else None
        if uploaded is None:
            raise ValidationError({"file": [_("Send the XSD or RNG file (multipart field \"file\").")]})
        content = _call(profile_files.read_limited, uploaded=uploaded)
        stored = _call(services.profile_upload, actor=request.user, tenant=tenant, identifier=identifier,
                       content=content, request=request)
        return Response(stored)
