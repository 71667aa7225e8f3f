"""OpenAPI description helpers shared by the apps' api.py modules (drf-spectacular).

They only describe what the views already answer; nothing here is used at run time by a view.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers


class DetailSerializer(serializers.Serializer):
    """The body of a refusal: a French sentence telling the caller what to do next."""

    detail = serializers.CharField()


def paginated(child: type[serializers.Serializer], name: str):
    """DRF's PageNumberPagination envelope around `child` (the views paginate by hand, so spectacular cannot)."""
    return inline_serializer(name, {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": child(many=True),
    })


def page_parameters(*, page_size: bool = False) -> list[OpenApiParameter]:
    parameters = [OpenApiParameter("page", int, description="1-based page number")]
    if page_size:
        parameters.append(OpenApiParameter("page_size", int, description="rows per page"))
    return parameters


def query(name: str, description: str = "", type_=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, enum=enum)


TENANT_PK = OpenApiParameter("tenant_pk", int, OpenApiParameter.PATH, description="SAM tenant id")

REFUSED = OpenApiResponse(DetailSerializer, description="Refused: the French reason is in detail")
NOT_FOUND = OpenApiResponse(DetailSerializer, description="Unknown, or not readable by the caller")
FORBIDDEN = OpenApiResponse(DetailSerializer, description="Readable, but the caller lacks the right for this")
UNAVAILABLE = OpenApiResponse(DetailSerializer, description="The archive system (Vitam) is unavailable")


def file_download(media_type: str, description: str) -> dict:
    """A 200 answer that is a file (as_attachment) of the given media type."""
    return {(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description), 404: NOT_FOUND}

INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: field → list of French messages "
                                                           "(or a list of messages)")
