"""REST API of the filing trees (/api/v1/tenants/<tenant_pk>/trees/...). Same policy as the screens:
published trees need `search`, drafts need `manage_referentials`; other tenants answer 404."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from referentials.trees import selectors, services
from referentials.trees.models import TreeDraft, TreeKind, TreeNode
from referentials.trees.serializers import (
    DraftConflictSerializer,
    DraftCreateSerializer,
    DraftImportSerializer,
    DraftUpdateSerializer,
    ImportProblemsSerializer,
    NodeDeletedSerializer,
    NodeFieldsSerializer,
    PublicationStartedSerializer,
    PublishedChildrenSerializer,
    PublishedNodeSerializer,
    PublishSerializer,
)
from sam.api_schema import INVALID, NOT_FOUND, UNAVAILABLE, query
from sam.vitam import VitamError
from tenants.permissions import tenant_get_for_user


class DraftSerializer(serializers.ModelSerializer):
    node_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = TreeDraft
        fields = ["id", "kind", "title", "description", "attach_to", "attach_to_title", "state", "version", "source",
                  "source_filename", "created_at", "updated_at", "published_at", "published_operation_id",
                  "node_count"]
        read_only_fields = ["state", "version", "source", "source_filename", "created_at", "updated_at",
                            "published_at", "published_operation_id"]


class NodeSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="identifier", read_only=True, allow_null=True)

    class Meta:
        model = TreeNode
        fields = ["id", "identifier", "parent", "position", "title", "level", "description", "rules", "final_action"]


class DraftWrittenSerializer(DraftSerializer):
    """Schema of the draft answered after a change: not annotated, so without node_count."""

    class Meta(DraftSerializer.Meta):
        fields = [name for name in DraftSerializer.Meta.fields if name != "node_count"]


class DraftDetailSerializer(DraftSerializer):
    """Schema of GET drafts/<pk>/: the draft, its node count and the problems that would block publishing."""

    problems = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(DraftSerializer.Meta):
        fields = [*DraftSerializer.Meta.fields, "problems"]


CONFLICT = OpenApiResponse(DraftConflictSerializer, description="The draft changed since the version sent")
KIND = query("kind", "Kind of tree", enum=["all", *TreeKind.values])


def _conflict(conflict):
    return Response({"detail": conflict.user_message(), "version": conflict.draft.version,
                     "changes": [c.summary for c in conflict.changes]}, status=status.HTTP_409_CONFLICT)


def _invalid(error: DjangoValidationError):
    raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


def _known_rules(tenant):
    try:
        return selectors.tenant_rule_types(tenant)
    except VitamError:
        return None


@extend_schema(tags=["trees"])
class TreesView(APIView):
    permission_classes = [IsAuthenticated]
    perm = "manage_referentials"

    def tenant(self, request, tenant_pk):
        return tenant_get_for_user(request.user, tenant_pk, self.perm)

    def draft(self, request, tenant_pk, pk):
        return selectors.draft_get_for_user(request.user, tenant_pk, pk)


class DraftListView(TreesView):
    """GET: drafts of the tenant. POST: a new draft (JSON: kind, title; or multipart with file + format csv|seda)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(operation_id="tenants_trees_drafts_list", summary="Drafts of filing plans and holding trees",
                   responses={200: DraftSerializer(many=True), 404: NOT_FOUND})
    def get(self, request, tenant_pk):
        tenant = self.tenant(request, tenant_pk)
        return Response(DraftSerializer(selectors.draft_list(tenant=tenant)[:500], many=True).data)

    @extend_schema(operation_id="tenants_trees_drafts_create", summary="New draft, empty or imported from a file",
                   request={"application/json": DraftCreateSerializer, "multipart/form-data": DraftImportSerializer,
                            "application/x-www-form-urlencoded": DraftCreateSerializer},
                   responses={201: DraftWrittenSerializer, 400: OpenApiResponse(
                       ImportProblemsSerializer, description="The file cannot become a draft (or: field → messages)"),
                              404: NOT_FOUND})
    def post(self, request, tenant_pk):
        tenant = self.tenant(request, tenant_pk)
        data = request.data
        common = {"actor": request.user, "tenant": tenant, "kind": data.get("kind", TreeKind.FILING_PLAN),
                  "title": data.get("title", ""), "description": data.get("description", ""),
                  "attach_to": data.get("attach_to", ""), "request": request}
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                if upload.size > services.MAX_IMPORT_BYTES:
                    raise DjangoValidationError({"file": "Le fichier est trop volumineux."})
                draft = services.draft_import(**common, data=upload.read(), fmt=data.get("format", "csv"),
                                              filename=upload.name, known_rules=_known_rules(tenant))
            else:
                draft = services.draft_create(**common)
        except services.TreeImportError as error:
            return Response({"problems": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        except DjangoValidationError as error:
            _invalid(error)
        return Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)


class DraftDetailView(TreesView):
    @extend_schema(summary="One draft with its node count and the problems that block publishing",
                   responses={200: DraftDetailSerializer, 404: NOT_FOUND})
    def get(self, request, tenant_pk, pk):
        draft = self.draft(request, tenant_pk, pk)
        tree = selectors.draft_tree(draft)
        body = DraftSerializer(draft).data
        body["node_count"] = len(tree.nodes)
        body["problems"] = [str(p) for p in tree.problems] + tree.file_errors
        return Response(body)

    @extend_schema(summary="Change the draft's description", request=DraftUpdateSerializer,
                   responses={200: DraftWrittenSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT})
    def patch(self, request, tenant_pk, pk):
        draft = self.draft(request, tenant_pk, pk)
        data = request.data
        try:
            draft = services.draft_update(
                actor=request.user, draft=draft, version=data.get("version", 0), title=data.get("title", draft.title),
                description=data.get("description", draft.description), attach_to=data.get("attach_to", draft.attach_to),
                attach_to_title=data.get("attach_to_title", draft.attach_to_title), request=request)
        except services.DraftConflict as conflict:
            return _conflict(conflict)
        except DjangoValidationError as error:
            _invalid(error)
        return Response(DraftSerializer(draft).data)

    @extend_schema(summary="Delete the draft", responses={204: None, 400: INVALID, 404: NOT_FOUND})
    def delete(self, request, tenant_pk, pk):
        draft = self.draft(request, tenant_pk, pk)
        try:
            services.draft_delete(actor=request.user, draft=draft, request=request)
        except DjangoValidationError as error:
            _invalid(error)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NodeListView(TreesView):
    """GET ?parent=<identifier> (empty: top level) lists children; POST adds a node (with the draft version)."""

    @extend_schema(operation_id="tenants_trees_drafts_nodes_list", summary="Nodes of a draft",
                   parameters=[query("parent", "Identifier of the parent node; empty: top level; absent: all nodes")],
                   responses={200: NodeSerializer(many=True), 404: NOT_FOUND})
    def get(self, request, tenant_pk, pk):
        draft = self.draft(request, tenant_pk, pk)
        nodes = draft.nodes.select_related("parent").order_by("position", "id")
        if "parent" in request.query_params:
            parent = request.query_params["parent"]
            nodes = nodes.filter(parent__identifier=parent) if parent else nodes.filter(parent__isnull=True)
        return Response(NodeSerializer(nodes[:5000], many=True).data)

    @extend_schema(operation_id="tenants_trees_drafts_nodes_create", summary="Add a node",
                   request=NodeFieldsSerializer,
                   responses={201: NodeSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT})
    def post(self, request, tenant_pk, pk):
        draft = self.draft(request, tenant_pk, pk)
        data = request.data
        parent = draft.nodes.filter(identifier=data.get("parent")).first() if data.get("parent") else None
        if data.get("parent") and parent is None:
            raise ValidationError({"parent": ["Aucun nœud de ce brouillon n'a cet identifiant."]})
        try:
            node = services.node_add(
                actor=request.user, draft=draft, version=data.get("version", 0), parent=parent,
                identifier=data.get("identifier", ""), title=data.get("title", ""), level=data.get("level", "Series"),
                description=data.get("description", ""), rules=data.get("rules") or [],
                final_action=data.get("final_action", ""), known_rules=_known_rules(draft.tenant), request=request)
        except services.DraftConflict as conflict:
            return _conflict(conflict)
        except DjangoValidationError as error:
            _invalid(error)
        return Response(NodeSerializer(node).data, status=status.HTTP_201_CREATED)


class NodeDetailView(TreesView):
    """PATCH changes fields and/or the parent ("parent": identifier, "" = top level); DELETE removes the subtree."""

    @extend_schema(summary="One node", responses={200: NodeSerializer, 404: NOT_FOUND})
    def get(self, request, tenant_pk, pk, node_pk):
        draft = self.draft(request, tenant_pk, pk)
        return Response(NodeSerializer(selectors.node_get(draft, node_pk)).data)

    @extend_schema(summary="Change a node and/or move it under another parent", request=NodeFieldsSerializer,
                   responses={200: NodeSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT})
    def patch(self, request, tenant_pk, pk, node_pk):
        draft = self.draft(request, tenant_pk, pk)
        node = selectors.node_get(draft, node_pk)
        data = request.data
        version = data.get("version", 0)
        try:
            fields = {"identifier", "title", "level", "description", "rules", "final_action"}
            if fields & set(data):
                node = services.node_update(
                    actor=request.user, draft=draft, version=version, node=node,
                    identifier=data.get("identifier", node.identifier), title=data.get("title", node.title),
                    level=data.get("level", node.level), description=data.get("description", node.description),
                    rules=data.get("rules", node.rules), final_action=data.get("final_action", node.final_action),
                    known_rules=_known_rules(draft.tenant), request=request)
                version = int(version) + 1
            if "parent" in data:
                identifier = data.get("parent") or ""
                parent = draft.nodes.filter(identifier=identifier).first() if identifier else None
                if identifier and parent is None:
                    raise ValidationError({"parent": ["Aucun nœud de ce brouillon n'a cet identifiant."]})
                node = services.node_move(actor=request.user, draft=draft, version=version, node=node,
                                          new_parent=parent, request=request)
        except services.DraftConflict as conflict:
            return _conflict(conflict)
        except DjangoValidationError as error:
            _invalid(error)
        node.refresh_from_db()
        return Response(NodeSerializer(node).data)

    @extend_schema(summary="Remove a node and its subtree",
                   parameters=[query("version", "The draft version (or \"version\" in the body)", type_=int)],
                   responses={200: NodeDeletedSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT})
    def delete(self, request, tenant_pk, pk, node_pk):
        draft = self.draft(request, tenant_pk, pk)
        node = selectors.node_get(draft, node_pk)
        try:
            count = services.node_delete(actor=request.user, draft=draft, version=request.query_params.get(
                "version") or request.data.get("version", 0), node=node, request=request)
        except services.DraftConflict as conflict:
            return _conflict(conflict)
        except DjangoValidationError as error:
            _invalid(error)
        return Response({"deleted": count})


class PublishView(TreesView):
    """POST {version, originating_agency, archival_agency}: starts the publication (background job)."""

    @extend_schema(summary="Publish the draft to Vitam (background job)", request=PublishSerializer,
                   responses={202: PublicationStartedSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT,
                              503: UNAVAILABLE})
    def post(self, request, tenant_pk, pk):
        draft = self.draft(request, tenant_pk, pk)
        data = request.data
        try:
            agencies = {a["Identifier"] for a in selectors.tenant_agencies(draft.tenant)}
        except VitamError as exc:
            return Response({"detail": exc.user_message()}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        for field in ("originating_agency", "archival_agency"):
            if data.get(field) not in agencies:
                raise ValidationError({field: ["Service inconnu du référentiel des services de ce tenant."]})
        try:
            publication = services.publish_start(
                actor=request.user, draft=draft, version=data.get("version", 0), request=request,
                originating_agency=data["originating_agency"], archival_agency=data["archival_agency"])
        except services.DraftConflict as conflict:
            return _conflict(conflict)
        except services.TreeImportError as error:
            return Response({"problems": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        except DjangoValidationError as error:
            _invalid(error)
        except VitamError as exc:
            return Response({"detail": exc.user_message()}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({
            "publication": publication.pk, "state": publication.state, "status": publication.status,
            "operation_id": publication.operation_id, "error": publication.error,
            "job_status_url": reverse("jobs:job_status", kwargs={"pk": publication.job_id}) if publication.job_id else "",
        }, status=status.HTTP_202_ACCEPTED)


def _published(node):
    return {"id": node.id, "title": node.title, "identifier": node.identifier, "level": node.level,
            "unit_type": node.unit_type, "has_children": node.has_children}


class PublishedRootsView(TreesView):
    perm = "search"

    @extend_schema(operation_id="tenants_trees_published_list",
                   summary="Top of the published trees, or the published nodes matching q",
                   parameters=[KIND, query("q", "Search the published nodes by title or identifier")],
                   responses={200: PublishedNodeSerializer(many=True), 404: NOT_FOUND})
    def get(self, request, tenant_pk):
        tenant = self.tenant(request, tenant_pk)
        kind = request.query_params.get("kind", "all")
        if request.query_params.get("q"):
            return Response([_published(n) for n in selectors.tree_search(tenant, request.query_params["q"], kind)])
        return Response([_published(n) for n in selectors.tree_roots(tenant, kind)])


class PublishedChildrenView(TreesView):
    perm = "search"

    @extend_schema(summary="Children of a published node (one page)",
                   parameters=[KIND, query("offset", "Index of the first child", type_=int)],
                   responses={200: PublishedChildrenSerializer, 404: NOT_FOUND})
    def get(self, request, tenant_pk, unit_id):
        tenant = self.tenant(request, tenant_pk)
        try:
            offset = max(0, int(request.query_params.get("offset", 0)))
        except ValueError:
            offset = 0
        nodes, total = selectors.tree_children(tenant, unit_id, request.query_params.get("kind", "all"), offset)
        return Response({"total": total, "offset": offset, "results": [_published(n) for n in nodes]})
