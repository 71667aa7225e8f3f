"""What the consultation API answers, for its OpenAPI description (sam/consultation/api.py builds the JSON)."""

from rest_framework import serializers


class UnitSummarySerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Vitam id of the archive unit")
    title = serializers.CharField()
    description = serializers.CharField()
    description_level = serializers.CharField(help_text="SEDA DescriptionLevel (Series, File, Item...)")
    start_date = serializers.CharField()
    end_date = serializers.CharField()
    originating_agency = serializers.CharField(help_text="Producing service identifier")
    operation = serializers.CharField(help_text="Id of the ingest operation")
    parents = serializers.ListField(child=serializers.CharField(), help_text="Ids of the parent units")
    has_objects = serializers.BooleanField()


class UnitSearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    result_window_reached = serializers.BooleanField(help_text="True when Vitam's result window caps the count")
    facets = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()),
                                   help_text="Facet name (agency, level, year, final_action) → value → count")
    results = UnitSummarySerializer(many=True)


class UnitAncestorSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()


class UnitRuleSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="Rule identifier")
    name = serializers.CharField()
    start_date = serializers.CharField()
    end_date = serializers.CharField()
    inherited = serializers.BooleanField()
    origin = serializers.CharField(help_text="Id of the unit the rule is declared on")


class UnitRuleCategorySerializer(serializers.Serializer):
    max_end_date = serializers.CharField()
    rules = UnitRuleSerializer(many=True)
    properties = serializers.DictField(child=serializers.CharField(), help_text="e.g. FinalAction")


class UnitObjectSerializer(serializers.Serializer):
    usage = serializers.CharField(help_text="BinaryMaster, Dissemination...")
    version = serializers.IntegerField()
    filename = serializers.CharField()
    mime_type = serializers.CharField()
    format_id = serializers.CharField(help_text="PRONOM identifier")
    size = serializers.IntegerField(allow_null=True)
    digest = serializers.CharField()
    algorithm = serializers.CharField()
    download_url = serializers.URLField()


class UnitDetailSerializer(UnitSummarySerializer):
    metadata = serializers.DictField(help_text="The unit's descriptive metadata (SEDA names, without # fields)")
    ancestors = UnitAncestorSerializer(many=True)
    rules = serializers.DictField(child=UnitRuleCategorySerializer(),
                                  help_text="Rule category (AppraisalRule, AccessRule...) → its rules, inherited too")
    objects = UnitObjectSerializer(many=True)
