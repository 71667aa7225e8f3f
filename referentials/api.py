"""REST API of the referentials, with the same permissions as the screens.

/api/v1/tenants/<tenant_pk>/rules/ and /agencies/ : read with "search", change with "manage_referentials"
on the tenant's organisation (404 alike for missing and forbidden). /api/v1/nomenclature/ : platform
administrators only. Refusals of the archive system answer 424 with a French "detail"; concurrent
changes answer 409 with the current values; outages answer 503 (sam.site.middleware).
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from referentials import selectors, services
from referentials.api_schema import EntrySchema, TemplatePreviewSerializer, TemplateVersionCreatedSerializer
from referentials.kinds import KINDS
from referentials.models import ReferentialTemplate, TemplateApplication
from referentials.serializers import (
    ApplicationSerializer,
    ApplyInputSerializer,
    EntryInputSerializer,
    ImportInputSerializer,
    ImportSerializer,
    TemplateContentSerializer,
    TemplateCreateSerializer,
    TemplateDetailSerializer,
    TemplateSerializer,
    rows_valid,
)
from sam.vitam import VitamError, VitamUnavailable
from tenants.permissions import is_platform_admin, tenant_get_for_user

READ_PERM, WRITE_PERM = "search", "manage_referentials"


def vitam_answers(method):
    """Archive-system refusals and SAM-side refusals as JSON answers."""

    @wraps(method)
    def wrapper(self, request, *args, **kwargs):
        try:
            return method(self, request, *args, **kwargs)
        except VitamUnavailable:
            raise
        except VitamError as error:
            return Response({"detail": error.user_message(), "code": "vitam_refused"},
                            status=status.HTTP_424_FAILED_DEPENDENCY)
        except services.ReferentialRefused as refused:
            return Response({"detail": refused.messages, "code": "check_refused"}, status=status.HTTP_400_BAD_REQUEST)
        except services.FileRefused as refused:
            return Response({"detail": refused.messages, "code": "file_refused"}, status=status.HTTP_400_BAD_REQUEST)

    return wrapper


class _TenantApi(APIView):
    permission_classes = [IsAuthenticated]
    schema = EntrySchema()  # one description per path: rules and agencies have their own columns
    kind_name = "rules"

    @property
    def kind(self):
        return KINDS[self.kind_name]

    def tenant(self, request, tenant_pk, write=False):
        write = write or request.method not in ("GET", "HEAD", "OPTIONS")
        return tenant_get_for_user(request.user, tenant_pk, WRITE_PERM if write else READ_PERM)


def _entry_json(kind, entry: selectors.Entry, usage: selectors.Usage | None = None) -> dict:
    data = {**entry.row, "version": entry.version, "updated": entry.updated}
    if usage is not None:
        data["usage"] = {"units": usage.total, "first_units": usage.units, "contracts": usage.contracts,
                         "complete": usage.complete}
    return data


class EntryListApi(_TenantApi):
    @vitam_answers
    def get(self, request, tenant_pk):
        tenant = self.tenant(request, tenant_pk)
        rows = selectors.entry_list(tenant=tenant, kind=self.kind, search=request.query_params.get("q", ""),
                                    rule_type=request.query_params.get("type", ""),
                                    sort=request.query_params.get("sort", "id"))
        return Response({"count": len(rows), "results": rows})

    @vitam_answers
    def post(self, request, tenant_pk):
        tenant = self.tenant(request, tenant_pk)
        serializer = EntryInputSerializer(data=request.data, kind=self.kind)
        serializer.is_valid(raise_exception=True)
        row = serializer.validated_data["row"]
        try:
            operation_id = services.entry_save(actor=request.user, tenant=tenant, kind=self.kind, row=row,
                                               creating=True, request=request)
        except services.ValidationError as error:
            return Response({"detail": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response({**row, "operation_id": operation_id}, status=status.HTTP_201_CREATED)


class EntryDetailApi(_TenantApi):
    @vitam_answers
    def get(self, request, tenant_pk, key):
        tenant = self.tenant(request, tenant_pk)
        entry = selectors.entry_get(tenant=tenant, kind=self.kind, key=key)
        return Response(_entry_json(self.kind, entry, selectors.entry_usage(tenant=tenant, kind=self.kind, key=key)))

    @vitam_answers
    def put(self, request, tenant_pk, key, partial=False):
        tenant = self.tenant(request, tenant_pk)
        entry = selectors.entry_get(tenant=tenant, kind=self.kind, key=key)
        data = {**entry.row, **request.data} if partial else dict(request.data)
        serializer = EntryInputSerializer(data=data, kind=self.kind, editing=True, key=key)
        serializer.is_valid(raise_exception=True)
        try:
            operation_id = services.entry_save(
                actor=request.user, tenant=tenant, kind=self.kind, row=serializer.validated_data["row"],
                creating=False, base_version=serializer.validated_data["version"], base_row=entry.row, request=request)
        except services.ReferentialConflict as conflict:
            return Response({"detail": conflict.message,
                             "current": _entry_json(self.kind, conflict.current) if conflict.current else None},
                            status=status.HTTP_409_CONFLICT)
        return Response({**serializer.validated_data["row"], "operation_id": operation_id})

    def patch(self, request, tenant_pk, key):
        return self.put(request, tenant_pk, key, partial=True)

    @vitam_answers
    def delete(self, request, tenant_pk, key):
        tenant = self.tenant(request, tenant_pk)
        selectors.entry_get(tenant=tenant, kind=self.kind, key=key)
        version = request.query_params.get("version")
        try:
            services.entry_delete(actor=request.user, tenant=tenant, kind=self.kind, key=key,
                                  base_version=int(version) if version and version.isdigit() else None,
                                  request=request)
        except services.EntryInUse as in_use:
            return Response({"detail": in_use.message, "units": in_use.usage.total,
                             "first_units": in_use.usage.units, "contracts": in_use.usage.contracts},
                            status=status.HTTP_409_CONFLICT)
        except services.ReferentialConflict as conflict:
            return Response({"detail": conflict.message}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _FormatNamesTheCsvVariant(DefaultContentNegotiation):
    """On the export ?format= chooses the CSV variant (spreadsheet or Vitam's), not one of DRF's
    renderers: without this DRF answers 404 to ?format=spreadsheet. Errors stay JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class EntryExportApi(_TenantApi):
    content_negotiation_class = _FormatNamesTheCsvVariant

    @vitam_answers
    def get(self, request, tenant_pk):
        tenant = self.tenant(request, tenant_pk)
        rows = selectors.referential_rows(tenant=tenant, kind=self.kind)
        spreadsheet = request.query_params.get("format") == "spreadsheet"
        response = HttpResponse(self.kind.to_csv(rows, spreadsheet=spreadsheet), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.kind.name}-{tenant.vitam_id}.csv"'
        return response


class EntryImportApi(_TenantApi):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @vitam_answers
    def post(self, request, tenant_pk):
        tenant = self.tenant(request, tenant_pk)
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        import_ = services.import_prepare(actor=request.user, tenant=tenant, kind=self.kind, filename=upload.name,
                                          data=upload.read(), mode=serializer.validated_data["mode"])
        if serializer.validated_data["confirm"] and import_.state == import_.State.READY:
            import_ = services.import_confirm(actor=request.user, import_=import_, request=request)
        code = status.HTTP_400_BAD_REQUEST if import_.state == import_.State.REFUSED else status.HTTP_201_CREATED
        return Response(ImportSerializer(import_).data, status=code)


# --- common nomenclature -------------------------------------------------------------------------------


class _PlatformApi(APIView):
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not is_platform_admin(request.user):
            raise Http404

    def template(self, request, pk) -> ReferentialTemplate:
        return selectors.template_get(user=request.user, pk=pk)


def _content(validated, kind) -> tuple[list[dict], str]:
    if validated.get("source_tenant"):
        tenant = validated["source_tenant"]
        return selectors.referential_rows(tenant=tenant, kind=kind), f"tenant {tenant.vitam_id}"
    return rows_valid(kind.name, validated["rows"]), "API"


class TemplateListApi(_PlatformApi):
    @extend_schema(request=None, responses=TemplateSerializer(many=True))
    def get(self, request):
        return Response(TemplateSerializer(selectors.template_list(user=request.user), many=True).data)

    @extend_schema(request=TemplateCreateSerializer, responses={201: TemplateDetailSerializer, 400: OpenApiTypes.OBJECT})
    @vitam_answers
    def post(self, request):
        serializer = TemplateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = KINDS[serializer.validated_data["kind"]]
        rows, source = _content(serializer.validated_data, kind)
        try:
            template = services.template_create(actor=request.user, kind=kind, name=serializer.validated_data["name"],
                                                description=serializer.validated_data["description"], rows=rows,
                                                source=source, request=request)
        except services.ValidationError as error:
            return Response({"detail": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(TemplateDetailSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateDetailApi(_PlatformApi):
    @extend_schema(request=None, responses=TemplateDetailSerializer, parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
    def get(self, request, pk):
        return Response(TemplateDetailSerializer(self.template(request, pk)).data)

    @extend_schema(request=TemplateSerializer, responses=TemplateDetailSerializer, parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
    def patch(self, request, pk):
        template = self.template(request, pk)
        serializer = TemplateSerializer(template, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            services.template_update(actor=request.user, template=template,
                                     name=serializer.validated_data.get("name", template.name),
                                     description=serializer.validated_data.get("description", template.description),
                                     request=request)
        except services.ValidationError as error:
            return Response({"detail": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(TemplateDetailSerializer(template).data)


class TemplateVersionApi(_PlatformApi):
    @extend_schema(request=TemplateContentSerializer, responses={201: TemplateVersionCreatedSerializer,
                                                                  400: OpenApiTypes.OBJECT}, parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
    @vitam_answers
    def post(self, request, pk):
        template = self.template(request, pk)
        serializer = TemplateContentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows, source = _content(serializer.validated_data, KINDS[template.kind])
        try:
            version = services.template_version_add(actor=request.user, template=template, rows=rows, source=source,
                                                    comment=serializer.validated_data.get("comment", ""),
                                                    request=request)
        except services.ValidationError as error:
            return Response({"detail": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"number": version.number, "entries": len(version.rows)}, status=status.HTTP_201_CREATED)


def _version(template, validated):
    number = validated.get("version")
    version = template.versions.filter(number=number).first() if number else template.current
    if version is None:
        raise Http404("No such version")
    return version


class TemplatePreviewApi(_PlatformApi):
    @extend_schema(request=ApplyInputSerializer, responses=TemplatePreviewSerializer(many=True), parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
    def post(self, request, pk):
        template = self.template(request, pk)
        serializer = ApplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        previews = services.template_preview(version=_version(template, serializer.validated_data),
                                             tenants=serializer.validated_data["tenants"],
                                             mode=serializer.validated_data["mode"])
        return Response([{"tenant": p.tenant.pk, "vitam_id": p.tenant.vitam_id, "status": p.status,
                          "diff": p.diff.summary() if p.diff else None, "conflicts": p.messages,
                          "warnings": p.warnings, "error": p.error} for p in previews])


class TemplateApplyApi(_PlatformApi):
    @extend_schema(request=ApplyInputSerializer, responses={202: ApplicationSerializer}, parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
    def post(self, request, pk):
        template = self.template(request, pk)
        serializer = ApplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.template_apply(actor=request.user, version=_version(template, serializer.validated_data),
                                              tenants=serializer.validated_data["tenants"],
                                              mode=serializer.validated_data["mode"], request=request)
        application = TemplateApplication.objects.get(pk=application.pk)
        return Response(ApplicationSerializer(application).data, status=status.HTTP_202_ACCEPTED)


class ApplicationDetailApi(_PlatformApi):
    @extend_schema(request=None, responses=ApplicationSerializer, parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
    def get(self, request, pk):
        try:
            application = TemplateApplication.objects.get(pk=int(pk))
        except (TemplateApplication.DoesNotExist, ValueError):
            raise Http404 from None
        return Response(ApplicationSerializer(application).data)
