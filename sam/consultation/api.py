"""REST API of search and unit view (/api/v1/tenants/<tenant_pk>/units/): same criteria and permission
(`search` on the tenant's organisation) as the screens; token or session authentication."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from sam.consultation import selectors, services
from sam.consultation.forms import SearchForm
from sam.api_schema import NOT_FOUND, UNAVAILABLE
from sam.consultation.selectors import ConsultationUnavailable
from sam.consultation.serializers import UnitDetailSerializer, UnitSearchPageSerializer
from sam.vitam.errors import VitamError
from tenants.permissions import tenant_get_for_user


class ArchiveUnavailable(APIException):
    status_code = 503
    default_code = "vitam_unavailable"


def _tenant(request, tenant_pk):
    return tenant_get_for_user(request.user, tenant_pk, "search")


def _unit_json(unit: dict) -> dict:
    return {
        "id": unit.get("#id", ""), "title": unit.get("Title", ""), "description": unit.get("Description", ""),
        "description_level": unit.get("DescriptionLevel", ""), "start_date": unit.get("StartDate", ""),
        "end_date": unit.get("EndDate", ""), "originating_agency": unit.get("#originating_agency", ""),
        "operation": unit.get("#opi", ""), "parents": unit.get("#unitups") or [],
        "has_objects": bool(unit.get("#object")),
    }


CRITERIA = [OpenApiParameter(name, str, description=description) for name, description in (
    ("q", "full text (title, description)"), ("title", ""), ("description", ""), ("date_from", "YYYY-MM-DD"),
    ("date_to", "YYYY-MM-DD"), ("agency", "producing service identifier"), ("node", "unit id: search under it"),
    ("level", "DescriptionLevel"), ("rule_type", "AppraisalRule, AccessRule..."), ("rule_end_before", "YYYY-MM-DD"),
    ("rule_end_after", "YYYY-MM-DD"), ("final_action", "Keep, Destroy"), ("opi", "operation id"),
    ("sort", "title, -title, start, -start"), ("per_page", "25, 50 or 100"), ("page", "1-based"),
)]


INVALID_CRITERIA = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid criteria: field → [{message, code}]")


@extend_schema(tags=["units"])
class UnitListView(APIView):
    @extend_schema(parameters=CRITERIA, summary="Search the archive units of a tenant",
                   operation_id="tenants_units_list",
                   responses={200: UnitSearchPageSerializer, 400: INVALID_CRITERIA, 404: NOT_FOUND,
                              503: UNAVAILABLE})
    def get(self, request, tenant_pk):
        tenant = _tenant(request, tenant_pk)
        form = SearchForm(request.query_params, agencies=())
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        try:
            page = selectors.search_units(tenant, form.criteria(), user=request.user, page=form.cleaned_data.get("page") or 1,
                                          per_page=form.cleaned_data.get("per_page") or 25)
        except ConsultationUnavailable as exc:
            raise ArchiveUnavailable(str(exc)) from None
        except VitamError as exc:
            raise ArchiveUnavailable(exc.user_message()) from None
        services.search_record(request=request, tenant=tenant, query_dict=request.query_params)
        return Response({
            "count": page.total, "page": page.page, "per_page": page.per_page, "num_pages": page.num_pages,
            "result_window_reached": page.window_reached,
            "facets": {facet.name: {value: count for value, _label, count, _selected in facet.buckets}
                       for facet in page.facets},
            "results": [_unit_json(unit) for unit in page.results],
        })


@extend_schema(tags=["units"])
class UnitDetailView(APIView):
    @extend_schema(summary="One archive unit: metadata, ancestors, management rules (inherited), objects",
                   parameters=[OpenApiParameter("unit_id", str, OpenApiParameter.PATH, pattern=r"^[A-Za-z0-9_.\-]{1,100}$",
                                                description="Vitam id of the archive unit")],
                   responses={200: UnitDetailSerializer, 404: NOT_FOUND, 503: UNAVAILABLE})
    def get(self, request, tenant_pk, unit_id):
        tenant = _tenant(request, tenant_pk)
        try:
            unit = selectors.get_unit(tenant, unit_id, user=request.user)
            ancestry = selectors.ancestry_of(tenant, unit, user=request.user)
            rules = selectors.rules_of(tenant, unit, user=request.user, ancestry=ancestry)
            objects = selectors.objects_of(tenant, unit, user=request.user)
            ancestors = selectors.ancestors_of(tenant, unit, user=request.user, ancestry=ancestry)
        except Http404:
            raise
        except ConsultationUnavailable as exc:
            raise ArchiveUnavailable(str(exc)) from None
        except VitamError as exc:
            raise ArchiveUnavailable(exc.user_message()) from None
        services.consultation_record(request=request, tenant=tenant, action="consultation.unit_view",
                                     unit_id=unit_id, title=unit.get("Title", ""))
        metadata = {key: value for key, value in unit.items() if not key.startswith("#")}
        return Response({
            **_unit_json(unit), "metadata": metadata,
            "ancestors": [{"id": a["id"], "title": a.get("Title", "")} for a in ancestors],
            "rules": {category.code: {
                "max_end_date": category.max_end,
                "rules": [{"rule": r.rule_id, "name": r.name, "start_date": r.start, "end_date": r.end,
                           "inherited": r.inherited, "origin": r.origin_id} for r in category.rules],
                "properties": {name: str(value) for name, value in category.properties},
            } for category in rules},
            "objects": [{"usage": o.usage, "version": o.version, "filename": o.filename, "mime_type": o.mime_type,
                         "format_id": o.format_id, "size": o.size, "digest": o.digest, "algorithm": o.algorithm,
                         "download_url": request.build_absolute_uri(
                             reverse("consultation:unit_object_download", args=[tenant.pk, unit["#id"], o.usage, o.version]))}
                        for o in objects],
        })
