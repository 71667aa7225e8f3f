"""What the filing-tree API accepts and answers, for its OpenAPI description.

referentials/trees/api.py reads request.data itself (services check every field, in French); these
serializers only describe those bodies and the JSON the views build by hand.
"""

from rest_framework import serializers

from referentials.trees.models import TreeKind, TreePublication

IMPORT_FORMATS = ("csv", "seda")
VERSION_HELP = "The draft version the change is based on (409 when the draft changed since)"


class DraftCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(TreeKind.choices, required=False, default=TreeKind.FILING_PLAN)
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    attach_to = serializers.CharField(required=False, help_text="Vitam id of the unit the tree hangs under")


class DraftImportSerializer(DraftCreateSerializer):
    file = serializers.FileField(help_text="The tree to import (CSV or SEDA manifest)")
    format = serializers.ChoiceField(IMPORT_FORMATS, required=False, default="csv")


class DraftUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=VERSION_HELP)
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    attach_to = serializers.CharField(required=False)
    attach_to_title = serializers.CharField(required=False)


class NodeFieldsSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=VERSION_HELP)
    parent = serializers.CharField(required=False, allow_blank=True,
                                   help_text="Identifier of the parent node (empty: top level)")
    identifier = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    level = serializers.CharField(required=False, help_text="DescriptionLevel (Series by default)")
    description = serializers.CharField(required=False)
    rules = serializers.ListField(child=serializers.CharField(), required=False,
                                  help_text="Rule identifiers of the tenant's referential")
    final_action = serializers.CharField(required=False, allow_blank=True, help_text="Keep, Destroy")


class NodeDeletedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField(help_text="Number of nodes removed (the node and its subtree)")


class PublishSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=VERSION_HELP)
    originating_agency = serializers.CharField(help_text="Producing service identifier")
    archival_agency = serializers.CharField(help_text="Archival service identifier")


class PublicationStartedSerializer(serializers.Serializer):
    publication = serializers.IntegerField()
    state = serializers.ChoiceField(TreePublication.State.choices)
    status = serializers.CharField(help_text="Vitam's outcome once known: OK, WARNING, KO, FATAL")
    operation_id = serializers.CharField()
    error = serializers.CharField()
    job_status_url = serializers.CharField(help_text="Where to follow the background job (empty without a job)")


class DraftConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    version = serializers.IntegerField(help_text="The draft's current version")
    changes = serializers.ListField(child=serializers.CharField(), help_text="What changed since your version")


class ImportProblemsSerializer(serializers.Serializer):
    problems = serializers.ListField(child=serializers.CharField(), help_text="French messages naming the lines")


class PublishedNodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Vitam id of the unit")
    title = serializers.CharField()
    identifier = serializers.CharField()
    level = serializers.CharField()
    unit_type = serializers.CharField(help_text="FILING_UNIT or HOLDING_UNIT")
    has_children = serializers.BooleanField(allow_null=True, help_text="null: not looked up")


class PublishedChildrenSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    offset = serializers.IntegerField()
    results = PublishedNodeSerializer(many=True)
