"""REST API of deposits: a business application or a Pastell connector posts a SIP and follows it.

    POST /api/v1/tenants/<tenant_pk>/deposits/          multipart (file "sip") or a raw application/zip body
    GET  /api/v1/tenants/<tenant_pk>/deposits/          list (paged)
    GET  /api/v1/tenants/<tenant_pk>/deposits/<pk>/     status
    GET  /api/v1/tenants/<tenant_pk>/deposits/<pk>/atr/ the ATR once Vitam has completed the operation

Same permission as the screens (`deposit` on the tenant's organisation); token or session auth.
The body is streamed to disk under settings.UPLOAD_MAX_BYTES, never read whole in memory.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from sam.deposits import selectors, services
from sam.deposits.models import Deposit
from sam.api_schema import NOT_FOUND, REFUSED, DetailSerializer, file_download, page_parameters, paginated, query
from sam.deposits.uploads import TooLarge, stream_body_to_file, upload_limit, use_limited_handler


class DepositSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    problems = serializers.JSONField(read_only=True)
    atr_url = serializers.SerializerMethodField()

    class Meta:
        model = Deposit
        fields = ["id", "kind", "state", "state_label", "title", "file_name", "size", "sha512", "manifest_sha512",
                  "message_identifier", "archival_agreement", "originating_agency", "transferring_agency",
                  "submission_agency", "unit_count", "object_count", "objects_size", "start_date", "end_date",
                  "operation_id", "operation_status", "failing_event", "explanation", "problems", "attempts",
                  "next_attempt_at", "last_error", "created_at", "sent_at", "completed_at", "atr_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Path of the ATR download, once there"))
    def get_atr_url(self, deposit):
        if not deposit.atr_path:
            return None
        return reverse("api-deposit-atr", kwargs={"tenant_pk": deposit.tenant_id, "pk": deposit.pk})


class RawZipParser(BaseParser):
    """application/zip (or octet-stream) body streamed to a temporary file."""

    media_type = "application/zip"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return {}
        request = parser_context["request"]
        name = request.headers.get("X-Filename") or "sip.zip"
        try:
            return {"sip": stream_body_to_file(stream, name=Path(name).name)}
        except TooLarge:
            return {"too_large": True}


class OctetZipParser(RawZipParser):
    media_type = "application/octet-stream"


DEPOSIT_UPLOAD = inline_serializer("DepositUpload", {
    "sip": serializers.FileField(help_text="The SIP (zip)"),
    "test": serializers.BooleanField(required=False, help_text="Test ingest: Vitam checks it and keeps nothing"),
})


@extend_schema(tags=["deposits"])
class DepositListCreate(APIView):
    parser_classes = [MultiPartParser, RawZipParser, OctetZipParser]

    def initialize_request(self, request, *args, **kwargs):
        use_limited_handler(request)  # before anything reads the multipart body
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(operation_id="tenants_deposits_list", summary="Deposits of a tenant (newest first)",
                   parameters=[query("state", "Deposit state", enum=Deposit.State.values),
                               query("scope", "'mine': only the caller's deposits", enum=["mine"]),
                               *page_parameters()],
                   responses={200: paginated(DepositSerializer, "PaginatedDepositList"), 404: NOT_FOUND})
    def get(self, request, tenant_pk):
        tenant = selectors.deposit_tenant_for_user(request.user, tenant_pk)
        deposits = selectors.deposit_list(user=request.user, tenant=tenant, state=request.query_params.get("state", ""),
                                          mine=request.query_params.get("scope") == "mine")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(deposits, request, view=self)
        return paginator.get_paginated_response(DepositSerializer(page, many=True).data)

    @extend_schema(
        operation_id="tenants_deposits_create", summary="Deposit a SIP (sent to Vitam in the background)",
        request={"multipart/form-data": DEPOSIT_UPLOAD, "application/zip": OpenApiTypes.BINARY,
                 "application/octet-stream": OpenApiTypes.BINARY},
        parameters=[query("test", "1, true or yes: test ingest (Vitam checks the SIP and keeps nothing)"),
                    OpenApiParameter("X-Filename", str, OpenApiParameter.HEADER,
                                     description="File name of a raw zip body")],
        responses={202: DepositSerializer, 400: REFUSED, 404: NOT_FOUND,
                   413: OpenApiResponse(DetailSerializer, description="The file exceeds the size limit")})
    def post(self, request, tenant_pk):
        tenant = selectors.deposit_tenant_for_user(request.user, tenant_pk)
        data = request.data
        too_large = data.get("too_large") or getattr(request._request, "upload_too_large", False)
        if too_large:
            return Response({"detail": _("The file exceeds the size limit of %(limit)s bytes.")
                             % {"limit": upload_limit()}}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        upload = request.FILES.get("sip") if hasattr(request, "FILES") and request.FILES else data.get("sip")
        if upload is None:
            return Response({"detail": _("Send the SIP as a multipart file named 'sip' or as an application/zip body.")},
                            status=status.HTTP_400_BAD_REQUEST)
        test = str(request.query_params.get("test", data.get("test", ""))).lower() in ("1", "true", "yes")
        try:
            deposit = services.deposit_receive(
                actor=request.user, tenant=tenant, upload=upload, file_name=getattr(upload, "name", "sip.zip"),
                kind=Deposit.Kind.TEST if test else Deposit.Kind.SIP, request=request._request)
        except ValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(DepositSerializer(deposit).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["deposits"])
class DepositDetail(APIView):
    @extend_schema(summary="Status of one deposit", responses={200: DepositSerializer, 404: NOT_FOUND})
    def get(self, request, tenant_pk, pk):
        deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
        return Response(DepositSerializer(deposit).data)


@extend_schema(tags=["deposits"])
class DepositAtr(APIView):
    @extend_schema(summary="The ATR (ArchiveTransferReply) once Vitam has completed the operation",
                   responses=file_download("application/xml", "ATR XML file"))
    def get(self, request, tenant_pk, pk):
        deposit = selectors.deposit_get_for_user(request.user, tenant_pk, pk)
        if not deposit.atr_path or not Path(deposit.atr_path).is_file():
            raise Http404("No ATR yet")
        return FileResponse(open(deposit.atr_path, "rb"), as_attachment=True, content_type="application/xml",
                            filename=f"ATR-{deposit.operation_id or deposit.pk}.xml")
