"""REST API of elimination proposals, with the same permissions as the screens.

    GET  /api/v1/tenants/<tenant_pk>/elimination-proposals/                  list (archivists; paged)
    POST /api/v1/tenants/<tenant_pk>/elimination-proposals/                  start an analysis {title, mode, date, criteria}
    GET  /api/v1/tenants/<tenant_pk>/elimination-proposals/<pk>/             detail (archivists; controllers once submitted)
    GET  /api/v1/tenants/<tenant_pk>/elimination-proposals/<pk>/units/       units (paged, ?status=&agency=&included=yes|no)
    POST /api/v1/tenants/<tenant_pk>/elimination-proposals/<pk>/submit/      archivist
    POST /api/v1/tenants/<tenant_pk>/elimination-proposals/<pk>/decide/      controller {approve: bool, comment}
    POST /api/v1/tenants/<tenant_pk>/elimination-proposals/<pk>/execute/     archivist, after the visa
    GET  /api/v1/tenants/<tenant_pk>/elimination-proposals/<pk>/certificate/ the certificate (PDF)
"""

import datetime
import re
from pathlib import Path

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from sam.api_schema import FORBIDDEN, NOT_FOUND, REFUSED, file_download, page_parameters, paginated, query
from sam.elimination import selectors, services
from sam.elimination.forms import IDENTIFIER
from sam.elimination.models import Proposal, ProposalUnit
from tenants.permissions import can, is_platform_admin, may_give_visa


class ProposalSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Proposal
        fields = ["id", "reference", "title", "state", "state_label", "mode", "criteria", "analysis_date",
                  "analysis_operation_id", "action_operation_id", "candidate_count", "destroy_count",
                  "conflict_count", "keep_count", "destroyed_count", "not_destroyed_count", "error", "created_by",
                  "created_at", "submitted_at", "decided_by", "decided_at", "decision_comment", "executed_at",
                  "report_sha512", "certificate_sha512"]
        read_only_fields = fields


class ProposalUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposalUnit
        fields = ["unit_id", "title", "level", "start_date", "end_date", "agency", "status", "reasons", "rule_ids",
                  "rule_end_date", "size", "object_count", "included", "outcome", "outcome_reason"]
        read_only_fields = fields


class AnalysisSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    mode = serializers.ChoiceField(choices=Proposal.Mode.choices, default=Proposal.Mode.DUA_ENDED)
    date = serializers.DateField(default=datetime.date.today)
    criteria = serializers.DictField(required=False, default=dict)

    def validate_criteria(self, value):
        allowed = {"title", "agency", "node", "date_from", "date_to", "unit_ids"}
        unknown = set(value) - allowed
        if unknown:
            raise serializers.ValidationError(_("Unknown criteria: %(names)s") % {"names": ", ".join(sorted(unknown))})
        ids = value.get("unit_ids", [])
        if not isinstance(ids, list) or len(ids) > 10_000 or not all(
                isinstance(i, str) and re.match(IDENTIFIER, i) for i in ids):
            raise serializers.ValidationError(_("unit_ids must be a list of at most 10,000 archive unit identifiers."))
        for name in ("title", "agency", "node", "date_from", "date_to"):
            if name in value and not isinstance(value[name], str):
                raise serializers.ValidationError(_("Criterion %(name)s must be a string.") % {"name": name})
        return value


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as error:
        raise ValidationError(error.messages) from None


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


@extend_schema(tags=["elimination"])
class ProposalList(APIView):
    @extend_schema(operation_id="tenants_elimination_proposals_list", summary="Elimination proposals of a tenant",
                   parameters=[query("state", "Proposal state", enum=Proposal.State.values),
                               *page_parameters(page_size=True)],
                   responses={200: paginated(ProposalSerializer, "PaginatedProposalList"), 404: NOT_FOUND})
    def get(self, request, tenant_pk):
        tenant = selectors.elimination_tenant_for_user(request.user, tenant_pk)
        paginator = Pages()
        page = paginator.paginate_queryset(selectors.proposal_list(tenant=tenant,
                                                                   state=request.query_params.get("state", "")),
                                           request, view=self)
        return paginator.get_paginated_response(ProposalSerializer(page, many=True).data)

    @extend_schema(operation_id="tenants_elimination_proposals_create",
                   summary="Start the analysis of a new elimination proposal (runs in Vitam)",
                   request=AnalysisSerializer, responses={201: ProposalSerializer, 400: REFUSED, 404: NOT_FOUND})
    def post(self, request, tenant_pk):
        tenant = selectors.elimination_tenant_for_user(request.user, tenant_pk)
        data = AnalysisSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = _call(services.analysis_start, actor=request.user, tenant=tenant,
                         title=data.validated_data["title"], mode=data.validated_data["mode"],
                         criteria=data.validated_data["criteria"], date=data.validated_data["date"], request=request)
        proposal.refresh_from_db()
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["elimination"])
class ProposalDetail(APIView):
    @extend_schema(summary="One elimination proposal", responses={200: ProposalSerializer, 404: NOT_FOUND})
    def get(self, request, tenant_pk, pk):
        return Response(ProposalSerializer(selectors.proposal_get_for_user(request.user, tenant_pk, pk)).data)


@extend_schema(tags=["elimination"])
class ProposalUnits(APIView):
    @extend_schema(summary="The units of a proposal and the decision on each",
                   parameters=[query("status", "Analysis status of the unit", enum=ProposalUnit.Status.values),
                               query("agency", "Producing service identifier"),
                               query("included", "Included in the elimination or not", enum=["yes", "no"]),
                               query("outcome", "Outcome of the execution", enum=ProposalUnit.Outcome.values),
                               *page_parameters(page_size=True)],
                   responses={200: paginated(ProposalUnitSerializer, "PaginatedProposalUnitList"), 404: NOT_FOUND})
    def get(self, request, tenant_pk, pk):
        proposal = selectors.proposal_get_for_user(request.user, tenant_pk, pk)
        params = request.query_params
        units = selectors.proposal_units(proposal, status=params.get("status", ""), agency=params.get("agency", ""),
                                         included=params.get("included", ""), outcome=params.get("outcome", ""))
        paginator = Pages()
        page = paginator.paginate_queryset(units, request, view=self)
        return paginator.get_paginated_response(ProposalUnitSerializer(page, many=True).data)


class _Action(APIView):
    need_eliminate = True

    def post(self, request, tenant_pk, pk):
        proposal = selectors.proposal_get_for_user(request.user, tenant_pk, pk)
        # The caller sees the proposal (else 404 above) but may lack the right for this step: 403.
        if self.need_eliminate and not can(request.user, "eliminate", proposal.organisation):
            raise PermissionDenied(_("Only the commune's archivists can do this."))
        self.act(request, proposal)
        proposal.refresh_from_db()
        return Response(ProposalSerializer(proposal).data)


def _action_schema(summary, request=None):
    return extend_schema_view(post=extend_schema(
        summary=summary, request=request, tags=["elimination"],
        responses={200: ProposalSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND}))


@_action_schema("Submit the proposal to the departmental archives for their visa (archivist)")
class ProposalSubmit(_Action):
    def act(self, request, proposal):
        _call(services.proposal_submit, actor=request.user, proposal=proposal, request=request)


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


@_action_schema("Give or refuse the visa (controller of the departmental archives)", request=DecisionSerializer)
class ProposalDecide(_Action):
    need_eliminate = False

    def act(self, request, proposal):
        # Platform administrators reach the endpoint but the service refuses them the visa (400, French message).
        if not may_give_visa(request.user, proposal.organisation) and not is_platform_admin(request.user):
            raise PermissionDenied(_("Only a controller of the departmental archives linked to this commune can "
                                     "give the visa."))
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(services.proposal_decide, actor=request.user, proposal=proposal, request=request,
              approve=data.validated_data["approve"], comment=data.validated_data["comment"])


@_action_schema("Execute the approved elimination in Vitam (archivist, after the visa)")
class ProposalExecute(_Action):
    def act(self, request, proposal):
        _call(services.proposal_execute_start, actor=request.user, proposal=proposal, request=request)


@extend_schema(tags=["elimination"])
class ProposalCertificate(APIView):
    @extend_schema(summary="The elimination certificate, once executed",
                   responses=file_download("application/pdf", "Elimination certificate (PDF)"))
    def get(self, request, tenant_pk, pk):
        proposal = selectors.proposal_get_for_user(request.user, tenant_pk, pk)
        if not proposal.certificate_path or not Path(proposal.certificate_path).is_file():
            raise Http404
        return FileResponse(open(proposal.certificate_path, "rb"), as_attachment=True,
                            filename=f"attestation-elimination-{proposal.reference}.pdf",
                            content_type="application/pdf")
